/* test_layers.c — the layers of ARCHITECTURE.md hold for the code as it is:
 * every #include "..." of every .c, .h and .inc file under src/ names its
 * own layer or one the table below lets it use; a public header
 * include/nacre/X.h belongs to the layer that owns it, a relative include
 * ("../io/ioutil.h") to the folder it lands in. An include of a header
 * nacre does not know, or a folder under src/ that is no layer, fails too,
 * so a new layer or header cannot slip past the table. (That spglib is
 * called only under src/sym is sym.spglib_calls'.) */
#define _XOPEN_SOURCE 700 /* nftw */
#include <ctype.h>
#include <dirent.h>
#include <ftw.h>
#include <string.h>

#include "testing.h"

/* ARCHITECTURE.md, "Layers": each layer and the layers it may use (cli
 * may use everything). A layer that uses pot may also use neigh, whose
 * lists every user of potentials builds, and learn, which drives searches
 * and relaxations, opt and sym: all of them lower floors. */
static const struct {
  const char *layer, *uses;
} table[] = {
    {"core", ""},
    {"sym", "core"},
    {"io", "core sym"},
    {"neigh", "core"},
    {"pot", "neigh io core"},
    {"opt", "pot neigh sym core"},
    {"md", "pot neigh sym core"},
    {"phonon", "pot neigh sym core"},
    {"train", "pot neigh io core"},
    {"label", "pot io core"},
    {"thermo", "opt md phonon pot neigh sym core"},
    {"fit", "core"},
    {"search", "opt pot neigh sym io core"},
    {"learn", "search md train label opt pot neigh sym io core"},
    {"cli", "*"},
};
#define NLAYERS (int)(sizeof table / sizeof table[0])

/* Public headers named otherwise than their layer. */
static const struct {
  const char *header, *layer;
} owners[] = {{"nn", "pot"}, {"version", "core"}, {"procpool", "core"}};

static int layer_index(const char *name, size_t len) {
  for (int k = 0; k < NLAYERS; k++)
    if (strlen(table[k].layer) == len && !strncmp(table[k].layer, name, len))
      return k;
  return -1;
}

static int may_use(int from, int to) {
  if (from == to || !strcmp(table[from].uses, "*")) return 1;
  const char *u = table[from].uses, *t = table[to].layer;
  size_t n = strlen(t);
  for (const char *p = u; (p = strstr(p, t)); p += n)
    if ((p == u || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0')) return 1;
  return 0;
}

static char src_root[4096];
static int files, includes, bad;

/* The layer of an include seen from a file in layer `from` at `dir`:
 * -1 for a system header (<...> never reaches here), -2 unknown. */
static int include_layer(const char *inc, const char *dir, int from) {
  if (!strncmp(inc, "nacre/", 6)) {
    const char *name = inc + 6;
    size_t len = strcspn(name, ".");
    if (strcmp(name + len, ".h")) return -2;
    for (size_t k = 0; k < sizeof owners / sizeof owners[0]; k++)
      if (strlen(owners[k].header) == len && !strncmp(owners[k].header, name, len))
        return layer_index(owners[k].layer, strlen(owners[k].layer));
    return layer_index(name, len);
  }
  /* relative to the including file: count how far "../" climbs */
  char path[8192];
  snprintf(path, sizeof path, "%s/%s", dir, inc);
  const char *rel = path + strlen(src_root) + 1;
  /* rel = LAYER/.../../X/...: resolve the first component after ".." */
  char parts[64][256];
  int n = 0;
  for (const char *p = rel; *p && n < 64;) {
    size_t l = strcspn(p, "/");
    if (l == 2 && !strncmp(p, "..", 2)) {
      if (n) n--;
    } else if (!(l == 1 && p[0] == '.') && l < 256) {
      memcpy(parts[n], p, l);
      parts[n][l] = '\0';
      n++;
    }
    p += l;
    if (*p == '/') p++;
  }
  if (n < 2) return -2; /* a file directly under src/ */
  (void)from;
  int k = layer_index(parts[0], strlen(parts[0]));
  return k >= 0 ? k : -2;
}

/* Text of a file without comments (so that a remark is no include). */
static char *code_of(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  rewind(f);
  char *in = malloc((size_t)n + 1), *out = malloc((size_t)n + 1);
  size_t got = in ? fread(in, 1, (size_t)n, f) : 0;
  fclose(f);
  if (!in || !out || got != (size_t)n) {
    free(in);
    free(out);
    return NULL;
  }
  in[n] = '\0';
  long k = 0;
  for (long i = 0; i < n; i++) {
    if (in[i] == '/' && in[i + 1] == '*') {
      for (i += 2; i < n && !(in[i] == '*' && in[i + 1] == '/'); i++)
        if (in[i] == '\n') out[k++] = '\n';
      i++;
    } else if (in[i] == '/' && in[i + 1] == '/') {
      while (i < n && in[i] != '\n') i++;
      if (i < n) out[k++] = '\n';
    } else {
      out[k++] = in[i];
    }
  }
  out[k] = '\0';
  free(in);
  return out;
}

static int visit(const char *path, const struct stat *sb, int type,
                 struct FTW *ftw) {
  (void)sb, (void)ftw;
  size_t len = strlen(path);
  if (type != FTW_F) return 0;
  if (!(len > 2 && !strcmp(path + len - 2, ".c")) &&
      !(len > 2 && !strcmp(path + len - 2, ".h")) &&
      !(len > 4 && !strcmp(path + len - 4, ".inc")))
    return 0;
  const char *rel = path + strlen(src_root) + 1;
  size_t l = strcspn(rel, "/");
  int from = layer_index(rel, l);
  if (!rel[l]) return 0; /* a file directly under src/ */
  CHECK(from >= 0, "src/%.*s is a layer of ARCHITECTURE.md", (int)l, rel);
  if (from < 0) return 0;
  char dir[4096];
  snprintf(dir, sizeof dir, "%.*s", (int)(strrchr(path, '/') - path), path);
  char *code = code_of(path);
  CHECK(code != NULL, "%s readable", rel);
  if (!code) return 0;
  files++;
  int line = 1;
  for (char *p = code; *p; p++) {
    if (*p == '\n') {
      line++;
      continue;
    }
    if (p != code && p[-1] != '\n') continue;
    char *q = p;
    while (*q == ' ' || *q == '\t') q++;
    if (*q != '#') continue;
    q++;
    while (*q == ' ' || *q == '\t') q++;
    if (strncmp(q, "include", 7)) continue;
    q += 7;
    while (*q == ' ' || *q == '\t') q++;
    if (*q != '"') continue; /* <system.h> */
    char inc[512];
    size_t il = strcspn(q + 1, "\"\n");
    if (il >= sizeof inc) continue;
    memcpy(inc, q + 1, il);
    inc[il] = '\0';
    includes++;
    int to = include_layer(inc, dir, from);
    int ok = to >= 0 && may_use(from, to);
    if (!ok) bad++;
    CHECK(to >= 0, "src/%s:%d: includes \"%s\", which belongs to no layer",
          rel, line, inc);
    if (to >= 0)
      CHECK(may_use(from, to), "src/%s:%d: includes \"%s\": %s may not use %s",
            rel, line, inc, table[from].layer, table[to].layer);
  }
  free(code);
  return 0;
}

int main(void) {
  snprintf(src_root, sizeof src_root, "%s/src", NACRE_SOURCE_DIR);
  CHECK(nftw(src_root, visit, 16, FTW_PHYS) == 0, "walk %s", src_root);
  printf("%d includes in %d files, %d outside the layer order\n", includes,
         files, bad);
  CHECK(files > 100 && includes > 200, "the walk saw the sources");
  TEST_DONE();
}
