/* test_rerank.c — `nacre rerank` from the command line: a Lennard-Jones
 * search of Ar8 re-ranked with a Morse potential as the "DFT" code: exit 0,
 * every key of --json is listed in doc/rerank.md and every key listed there
 * is printed (minima with a relaxation), the table names the minima, a
 * second run resumes everything, another code on the same output exits 1
 * naming both settings; usage errors (--top 0, no --code, two run files,
 * an unknown option) exit 2 naming the problem; --help documents every
 * option. */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testing.h"

#define LJ "lj:epsilon=0.0104,sigma=3.4,cutoff=8.5"
#define MORSE "potential:morse:D=0.0104,alpha=1.2,r0=3.8,cutoff=8.5"

static char dir[] = "/tmp/nacre_rerank_cli_XXXXXX";
static char out[700], errp[700];

static int run(const char *args) {
  char cmd[8192];
  snprintf(cmd, sizeof cmd, "%s %s >%s 2>%s", NACRE_CLI, args, out, errp);
  int rc = system(cmd);
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static char *slurp(const char *path) {
  FILE *f = fopen(path, "r");
  if (!f) return calloc(1, 1);
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *b = malloc((size_t)n + 1);
  size_t got = fread(b, 1, (size_t)n, f);
  b[got] = '\0';
  fclose(f);
  return b;
}

/* Every key of o (and of the objects of its arrays) is in doc as `key`. */
static void keys_documented(const cJSON *o, const char *doc, int *seen_dft) {
  for (const cJSON *k = o->child; k; k = k->next) {
    char quoted[80];
    snprintf(quoted, sizeof quoted, "`%s`", k->string);
    CHECK(strstr(doc, quoted) != NULL, "JSON key %s is in doc/rerank.md",
          k->string);
    if (!strcmp(k->string, "dft_rank")) *seen_dft = 1;
    if (cJSON_IsArray(k))
      for (const cJSON *e = k->child; e; e = e->next)
        if (cJSON_IsObject(e)) keys_documented(e, doc, seen_dft);
  }
}

/* Every `key` in the JSON tables of doc is printed. */
static void documented_keys_printed(const char *doc, const char *json) {
  const char *t = strstr(doc, "## `--json`");
  for (const char *p = t; p && (p = strstr(p, "\n| `")); p++) {
    const char *q = p + 3; /* the first column of a row */
    while (*q == '`') {
      const char *end = strchr(q + 1, '`');
      if (!end) break;
      char key[80], quoted[90];
      snprintf(key, sizeof key, "%.*s", (int)(end - q - 1), q + 1);
      snprintf(quoted, sizeof quoted, "\"%s\"", key);
      if (strcmp(key, "message")) /* only for a failed relaxation */
        CHECK(strstr(json, quoted) != NULL, "documented key %s is printed",
              key);
      q = end + 1;
      if (!strncmp(q, ", `", 3)) q += 2;
      else break;
    }
  }
}

int main(void) {
  if (!mkdtemp(dir)) TEST_SKIP("no temporary folder");
  snprintf(out, sizeof out, "%s/out.txt", dir);
  snprintf(errp, sizeof errp, "%s/err.txt", dir);
  char args[4096];
  snprintf(args, sizeof args,
           "search --composition Ar8 --potential " LJ " --pressure 1 "
           "--budget 16 --population 8 --dmin Ar-Ar=3.0 --volume 45 "
           "--db %s/run.db -o %s/s -q --jobs 1",
           dir, dir);
  CHECK(run(args) == 0, "search exits 0");

  snprintf(args, sizeof args, "rerank %s/run.db --top 3 --code %s --json",
           dir, MORSE);
  CHECK(run(args) == 0, "rerank --json exits 0: %s", slurp(errp));
  char *json = slurp(out), *doc = slurp(test_source_path("doc/rerank.md"));
  cJSON *o = cJSON_Parse(json);
  CHECK(o != NULL, "rerank --json prints JSON");
  if (o) {
    int seen = 0;
    keys_documented(o, doc, &seen);
    CHECK(seen, "minima carry their DFT rank");
    documented_keys_printed(doc, json);
    const cJSON *m = cJSON_GetObjectItem(o, "minima");
    CHECK(cJSON_GetArraySize(m) == 3, "three minima");
    CHECK(cJSON_GetObjectItem(o, "pressure_gpa")->valuedouble == 1.0,
          "the run's pressure");
    cJSON_Delete(o);
  }
  free(json);
  char path[800];
  snprintf(path, sizeof path, "%s/run.rerank.extxyz", dir);
  CHECK(access(path, R_OK) == 0, "default output next to the run file");

  /* the table, resumed */
  snprintf(args, sizeof args, "rerank %s/run.db --top 3 --code %s", dir,
           MORSE);
  CHECK(run(args) == 0, "second run exits 0");
  char *t = slurp(out);
  CHECK(strstr(t, "0 now, 3 read back") && strstr(t, "Kendall tau") &&
            strstr(t, "H_dft"),
        "the second run reads all back and prints the table: %s", t);
  free(t);

  /* other settings on the same output */
  snprintf(args, sizeof args,
           "rerank %s/run.db --top 3 --code potential:" LJ " -q", dir);
  int rc_other = run(args);
  char *e_other = slurp(errp);
  CHECK(rc_other == 1 && strstr(e_other, "another output"),
        "another code on the same output: exit 1 naming it: %s", e_other);
  free(e_other);

  static const char *const bad[][2] = {
      {"--top 0 --code " MORSE, "--top"},
      {"--top 3", "--code"},
      {"--code " MORSE " other.db", "one run file"},
      {"--code " MORSE " --frobnicate", "--frobnicate"},
      {"--code nonsense", "--code"}};
  for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
    snprintf(args, sizeof args, "rerank %s/run.db %s", dir, bad[k][0]);
    int rc = run(args);
    char *e = slurp(errp);
    CHECK(rc == 2 && strstr(e, bad[k][1]), "'%s': exit 2 naming %s (%d: %s)",
          bad[k][0], bad[k][1], rc, e);
    free(e);
  }
  CHECK(run("rerank --help") == 0, "--help exits 0");
  char *h = slurp(out);
  const char *opts[] = {"--code", "--top", "-o, --output", "--fmax", "--smax",
                        "--max-steps", "--kspacing", "--json", "-q, --quiet"};
  for (size_t k = 0; k < sizeof opts / sizeof *opts; k++)
    CHECK(strstr(h, opts[k]) != NULL, "--help documents %s", opts[k]);
  free(h);
  free(doc);
  snprintf(args, sizeof args, "rm -rf %s", dir);
  CHECK(system(args) == 0, "clean up");
  TEST_DONE();
}
