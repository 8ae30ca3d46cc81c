/* common.c — what every labeller shares: options and results, template
 * rendering, k-point grids, the cell a code is given, structure
 * identities and small text helpers. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "label_internal.h"

const char *nacre_label_cell_name(nacre_label_cell cell) {
  switch (cell) {
  case NACRE_LABEL_CELL_AUTO: return "auto";
  case NACRE_LABEL_CELL_INPUT: return "input";
  case NACRE_LABEL_CELL_NIGGLI: return "niggli";
  }
  return NULL;
}

int nacre_label_cell_from_name(const char *name) {
  for (int c = NACRE_LABEL_CELL_AUTO; c <= NACRE_LABEL_CELL_NIGGLI; c++)
    if (name && !strcmp(name, nacre_label_cell_name((nacre_label_cell)c)))
      return c;
  return -1;
}

void nacre_label_options_init(nacre_label_options *opt, nacre_label_code code) {
  memset(opt, 0, sizeof *opt);
  opt->code = code;
}

void nacre_label_result_init(nacre_label_result *r) {
  memset(r, 0, sizeof *r);
}

void nacre_label_result_clear(nacre_label_result *r) {
  free(r->forces_ev_a);
  nacre_structure_free(r->relaxed);
  nacre_label_result_init(r);
}

/* ---- growing strings ---- */

void label_buf_printf(label_buf *b, const char *fmt, ...) {
  if (b->failed) return;
  for (;;) {
    size_t room = b->cap - b->len;
    va_list ap;
    va_start(ap, fmt);
    int n = b->s ? vsnprintf(b->s + b->len, room, fmt, ap) : -2;
    va_end(ap);
    if (n >= 0 && (size_t)n < room) {
      b->len += (size_t)n;
      return;
    }
    if (n == -1) {
      b->failed = 1;
      return;
    }
    size_t need = b->len + (n > 0 ? (size_t)n : 0) + 1;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need) cap *= 2;
    char *s = realloc(b->s, cap);
    if (!s) {
      b->failed = 1;
      return;
    }
    b->s = s, b->cap = cap;
  }
}

void label_buf_free(label_buf *b) {
  free(b->s);
  memset(b, 0, sizeof *b);
}

/* ---- files ---- */

nacre_status label_read_file(const char *path, char **text, size_t *len,
                             nacre_error *err) {
  *text = NULL;
  FILE *fp = fopen(path, "rb");
  if (!fp)
    return nacre_error_set(err, NACRE_ERR_IO, "%s: cannot open: %s", path,
                           strerror(errno));
  size_t cap = 65536, n = 0;
  char *buf = malloc(cap);
  while (buf) {
    size_t got = fread(buf + n, 1, cap - n - 1, fp);
    n += got;
    if (n + 1 < cap) break;
    char *bigger = realloc(buf, cap * 2);
    if (!bigger) {
      free(buf);
      buf = NULL;
      break;
    }
    buf = bigger, cap *= 2;
  }
  int bad = ferror(fp);
  fclose(fp);
  if (!buf) return nacre_error_set(err, NACRE_ERR_NOMEM, "%s: out of memory", path);
  if (bad) {
    free(buf);
    return nacre_error_set(err, NACRE_ERR_IO, "%s: read error", path);
  }
  buf[n] = '\0';
  *text = buf;
  if (len) *len = n;
  return NACRE_OK;
}

nacre_status label_write_file(const char *path, const char *text,
                              nacre_error *err) {
  FILE *fp = fopen(path, "w");
  if (!fp)
    return nacre_error_set(err, NACRE_ERR_IO, "%s: cannot create: %s", path,
                           strerror(errno));
  size_t n = strlen(text);
  int e = fwrite(text, 1, n, fp) != n ? errno : 0;
  if (fclose(fp) != 0 && !e) e = errno;
  if (e)
    return nacre_error_set(err, NACRE_ERR_IO, "%s: cannot write: %s", path,
                           strerror(e));
  return NACRE_OK;
}

int label_species(const nacre_structure *s, int *z) {
  int n = 0;
  for (int i = 0; i < s->natoms; i++) {
    int seen = 0;
    for (int k = 0; k < n; k++) seen |= z[k] == s->numbers[i];
    if (!seen && n < NACRE_MAX_Z) z[n++] = s->numbers[i];
  }
  return n;
}

int label_pseudo_override(const char *list, const char *symbol, char *out,
                          size_t outlen) {
  if (!list) return 0;
  size_t sl = strlen(symbol);
  const char *p = list;
  while (*p) {
    while (*p == ' ' || *p == ',') p++;
    const char *end = strchr(p, ',');
    if (!end) end = p + strlen(p);
    if ((size_t)(end - p) > sl + 1 && !strncmp(p, symbol, sl) && p[sl] == '=') {
      size_t n = (size_t)(end - p) - sl - 1;
      if (n >= outlen) n = outlen - 1;
      memcpy(out, p + sl + 1, n);
      out[n] = '\0';
      return 1;
    }
    p = end;
  }
  return 0;
}

/* ---- templates ---- */

/* 1-based line of position p in text (for messages about a template). */
static int line_of(const char *text, const char *p) {
  int line = 1;
  for (const char *q = text; q < p && *q; q++) line += *q == '\n';
  return line;
}

nacre_status nacre_label_render(const char *tmpl, const char *name,
                                const char *const *keys,
                                const char *const *values, int nkeys,
                                const int *required, char **out,
                                nacre_error *err) {
  *out = NULL;
  label_buf b = {0};
  int used[64] = {0};
  if (nkeys > 64)
    return nacre_error_set(err, NACRE_ERR_INVALID, "too many template keys");
  const char *p = tmpl;
  while (*p) {
    const char *open = strchr(p, '{');
    if (!open) {
      label_buf_printf(&b, "%s", p);
      break;
    }
    label_buf_printf(&b, "%.*s", (int)(open - p), p);
    const char *close = open + 1;
    while (*close == '_' || isupper((unsigned char)*close) ||
           isdigit((unsigned char)*close))
      close++;
    if (*close != '}' || close == open + 1) { /* not a placeholder */
      label_buf_printf(&b, "{");
      p = open + 1;
      continue;
    }
    size_t klen = (size_t)(close - open - 1);
    int found = -1;
    for (int k = 0; k < nkeys; k++)
      if (strlen(keys[k]) == klen && !strncmp(keys[k], open + 1, klen))
        found = k;
    if (found < 0) {
      label_buf_free(&b);
      return nacre_error_set(err, NACRE_ERR_PARSE,
                             "%s:%d: unknown placeholder {%.*s}", name,
                             line_of(tmpl, open), (int)klen, open + 1);
    }
    used[found] = 1;
    label_buf_printf(&b, "%s", values[found]);
    p = close + 1;
  }
  for (int k = 0; required && k < nkeys; k++)
    if (required[k] && !used[k]) {
      label_buf_free(&b);
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "%s: has no {%s} placeholder, so the option that "
                             "sets it cannot be applied",
                             name, keys[k]);
    }
  if (b.failed || !b.s) {
    label_buf_free(&b);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "rendering %s", name);
  }
  *out = b.s;
  return NACRE_OK;
}

void nacre_label_kgrid(const double cell[3][3], double kspacing, int n[3]) {
  double recip[3][3];
  if (nacre_cell_reciprocal(cell, recip) != NACRE_OK || !(kspacing > 0)) {
    n[0] = n[1] = n[2] = 1;
    return;
  }
  for (int i = 0; i < 3; i++) {
    double b = 2 * NACRE_PI *
               sqrt(recip[i][0] * recip[i][0] + recip[i][1] * recip[i][1] +
                    recip[i][2] * recip[i][2]);
    /* the small margin keeps exact multiples (b = 4·spacing) at 4 */
    int k = (int)ceil(b / kspacing - 1e-9);
    n[i] = k < 1 ? 1 : k;
  }
}

nacre_status nacre_label_dft_structure(const nacre_label_options *opt,
                                       const nacre_structure *s,
                                       nacre_structure **out, int kgrid[3],
                                       int *reduced, nacre_error *err) {
  *out = NULL;
  *reduced = 0;
  label_settings set;
  label_resolve(opt, &set);
  nacre_label_kgrid(s->cell, set.kspacing, kgrid);
  int periodic = s->pbc[0] && s->pbc[1] && s->pbc[2];
  if (opt->cell != NACRE_LABEL_CELL_INPUT && periodic) {
    nacre_structure *red = NULL;
    nacre_error e2;
    nacre_status st = nacre_structure_niggli(s, &red, &e2);
    /* auto only saves k-points: a cell spglib cannot reduce is labelled as
     * it is */
    if (st && opt->cell == NACRE_LABEL_CELL_NIGGLI) {
      if (err) *err = e2;
      return st;
    }
    if (!st) {
      int kr[3];
      nacre_label_kgrid(red->cell, set.kspacing, kr);
      if (opt->cell == NACRE_LABEL_CELL_NIGGLI ||
          (long)kr[0] * kr[1] * kr[2] < (long)kgrid[0] * kgrid[1] * kgrid[2]) {
        memcpy(kgrid, kr, sizeof kr);
        *reduced = 1;
        *out = red;
        return NACRE_OK;
      }
      nacre_structure_free(red);
    }
  }
  *out = nacre_structure_copy(s, err);
  return *out ? NACRE_OK : (err ? err->status : NACRE_ERR_NOMEM);
}

/* ---- identities ---- */

uint64_t nacre_label_structure_hash(const nacre_structure *s) {
  uint64_t h = NACRE_FNV1A_OFFSET;
  char buf[128];
  snprintf(buf, sizeof buf, "%d;", s->natoms);
  h = nacre_fnv1a(h, buf);
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) {
      /* +0.0 turns -0.000000 into 0.000000 */
      snprintf(buf, sizeof buf, "%.6f;", s->cell[i][j] + 0.0);
      if (!strcmp(buf, "-0.000000;")) strcpy(buf, "0.000000;");
      h = nacre_fnv1a(h, buf);
    }
  for (int a = 0; a < s->natoms; a++) {
    snprintf(buf, sizeof buf, "%d;", s->numbers[a]);
    h = nacre_fnv1a(h, buf);
    for (int k = 0; k < 3; k++) {
      snprintf(buf, sizeof buf, "%.6f;", s->positions[3 * a + k]);
      if (!strcmp(buf, "-0.000000;")) strcpy(buf, "0.000000;");
      h = nacre_fnv1a(h, buf);
    }
  }
  return h;
}

void nacre_label_id(int index, const nacre_structure *s, char id[40]) {
  snprintf(id, 40, "%d-%016llx", index,
           (unsigned long long)nacre_label_structure_hash(s));
}

void label_buf_cell(label_buf *b, const nacre_structure *s) {
  for (int i = 0; i < 3; i++)
    label_buf_printf(b, "  %.10f %.10f %.10f%s", s->cell[i][0],
                     s->cell[i][1], s->cell[i][2], i < 2 ? "\n" : "");
}

nacre_status label_result_forces(nacre_label_result *r, int natoms,
                                 const char *name, nacre_error *err) {
  free(r->forces_ev_a);
  r->forces_ev_a = malloc(sizeof(double) * 3 * (natoms > 0 ? natoms : 1));
  if (!r->forces_ev_a)
    return nacre_error_set(err, NACRE_ERR_NOMEM, "%s: forces", name);
  r->natoms = natoms;
  return NACRE_OK;
}

const char *label_pseudo_dir(const nacre_label_options *opt,
                             const char *env_name, const char *fallback) {
  if (opt->pseudo_dir && opt->pseudo_dir[0]) return opt->pseudo_dir;
  const char *env = getenv(env_name);
  return env && env[0] ? env : fallback;
}
