/* test_nn_format.c — nacre's JSON model format: a MAISE model written in
 * the nacre format and read back gives the same model (every weight, range
 * and descriptor parameter bit for bit) and the same energies, forces and
 * stress (to 1e-12); the loader detects both formats; the repulsion switch
 * is kept; malformed MAISE and JSON files are rejected with messages that
 * name the file and the line (or the key). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builders.h"
#include "nacre/nn.h"
#include "testing.h"

static char *slurp(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *b = malloc((size_t)n + 1);
  size_t got = fread(b, 1, (size_t)n, f);
  b[got] = '\0';
  fclose(f);
  return b;
}

static void spit(const char *path, const char *text) {
  FILE *f = fopen(path, "wb");
  fputs(text, f);
  fclose(f);
}

/* Copy of text with line `ln` (1-based) replaced by `with` (NULL: deleted). */
static char *replace_line(const char *text, int ln, const char *with) {
  size_t n = strlen(text);
  char *out = malloc(n + strlen(with ? with : "") + 2), *o = out;
  int line = 1;
  const char *p = text;
  while (*p) {
    const char *e = strchr(p, '\n');
    size_t len = e ? (size_t)(e - p + 1) : strlen(p);
    if (line == ln) {
      if (with) o += sprintf(o, "%s\n", with);
    } else {
      memcpy(o, p, len);
      o += len;
    }
    p += len;
    line++;
  }
  *o = '\0';
  return out;
}

static int line_of(const char *text, const char *needle) {
  const char *p = strstr(text, needle);
  if (!p) return -1;
  int ln = 1;
  for (const char *q = text; q < p; q++) ln += *q == '\n';
  return ln;
}

static int same_model(const nacre_nn_model *a, const nacre_nn_model *b) {
  if (a->nspecies != b->nspecies || a->desc.dim != b->desc.dim ||
      a->desc.cutoff != b->desc.cutoff || a->desc.ng2 != b->desc.ng2 ||
      a->desc.ng4 != b->desc.ng4 || a->repulsion != b->repulsion ||
      a->repulsion_u != b->repulsion_u)
    return 0;
  for (int g = 0; g < a->desc.ng2; g++)
    if (a->desc.g2[g].eta != b->desc.g2[g].eta || a->desc.g2[g].rs != b->desc.g2[g].rs) return 0;
  for (int g = 0; g < a->desc.ng4; g++)
    if (memcmp(&a->desc.g4[g], &b->desc.g4[g], sizeof a->desc.g4[g])) return 0;
  size_t nin = (size_t)a->nspecies * a->desc.dim;
  if (memcmp(a->input_min, b->input_min, nin * sizeof(double)) ||
      memcmp(a->input_scale, b->input_scale, nin * sizeof(double)))
    return 0;
  for (int s = 0; s < a->nspecies; s++) {
    if (a->z[s] != b->z[s] || a->ref_energy[s] != b->ref_energy[s] ||
        a->repulsion_radius[s] != b->repulsion_radius[s] ||
        a->net[s].nweights != b->net[s].nweights || a->net[s].nlayers != b->net[s].nlayers ||
        memcmp(a->net[s].weights, b->net[s].weights, a->net[s].nweights * sizeof(double)) ||
        memcmp(a->net[s].act, b->net[s].act, sizeof a->net[s].act))
      return 0;
  }
  return !strcmp(a->prov.model_id, b->prov.model_id) &&
         a->prov.test_force_rmse == b->prov.test_force_rmse;
}

static void eval(nacre_potential *p, const nacre_structure *s, nacre_result *r) {
  nacre_error err;
  nacre_calc *c = nacre_calc_new(p, -1.0, &err);
  nacre_result_init(r, s->natoms, &err);
  CHECK_OK(nacre_calc_compute(c, s, NACRE_WANT_ALL, r, &err), &err);
  nacre_calc_free(c);
}

/* The load fails with PARSE/UNSUPPORTED and the message holds `expect`. */
static void expect_reject(const char *path, const char *text, const char *expect,
                          const char *what) {
  spit(path, text);
  nacre_error err;
  nacre_error_clear(&err);
  nacre_potential *p = NULL;
  nacre_status st = nacre_potential_load(path, &p, &err);
  CHECK(st != NACRE_OK && p == NULL && strstr(err.message, expect),
        "%s rejected naming '%s': got status %s, message '%s'", what, expect,
        nacre_status_name(st), err.message);
  nacre_potential_free(p);
  remove(path);
}

int main(void) {
  static const char *names[] = {"nn_Na_d3_v0", "nn_LiSn_d3_v0", "nn_CuAg_d3_v0", "nn_NaSn_d3_v1"};
  static const int zs[][2] = {{11, 11}, {3, 50}, {29, 47}, {11, 50}};
  static const double as[] = {4.23, 3.6, 3.85, 4.0};
  if (!test_shared_path("maise/models/nn_Na_d3_v0")) TEST_SKIP("MAISE models absent");
  nacre_error err;
  for (int k = 0; k < 4; k++) {
    char rel[128], maise[4096];
    snprintf(rel, sizeof rel, "maise/models/%s", names[k]);
    snprintf(maise, sizeof maise, "%s", test_shared_path(rel));
    char json[256];
    snprintf(json, sizeof json, "test_nn_format_%s.json", names[k]);
    nacre_nn_model *m = NULL, *back = NULL;
    CHECK_OK(nacre_nn_model_read_maise(maise, &m, &err), &err);
    if (!m) continue;
    CHECK_OK(nacre_nn_model_write(m, json, &err), &err);
    CHECK_OK(nacre_nn_model_read(json, &back, &err), &err);
    if (!back) {
      nacre_nn_model_free(m);
      continue;
    }
    CHECK(same_model(m, back), "%s: MAISE → nacre JSON → model identical", names[k]);
    /* second round trip gives the same file */
    char json2[300];
    snprintf(json2, sizeof json2, "%s.2", json);
    CHECK_OK(nacre_nn_model_write(back, json2, &err), &err);
    char *t1 = slurp(json), *t2 = slurp(json2);
    CHECK(t1 && t2 && !strcmp(t1, t2), "%s: JSON → JSON is a fixed point", names[k]);
    free(t1);
    free(t2);
    remove(json2);
    nacre_nn_model_free(back);
    nacre_nn_model_free(m);

    nacre_potential *pm = NULL, *pj = NULL;
    CHECK_OK(nacre_potential_load(maise, &pm, &err), &err);
    CHECK_OK(nacre_potential_load(json, &pj, &err), &err);
    if (pm && pj) {
      int n2[3] = {2, 2, 1};
      nacre_structure *s = build_bulk(k == 2 ? "fcc" : "bcc", zs[k][0], as[k], n2);
      for (int i = 1; i < s->natoms; i += 2) s->numbers[i] = zs[k][1];
      build_rattle(s, 0.1, 5);
      nacre_result a, b;
      eval(pm, s, &a);
      eval(pj, s, &b);
      double df = 0;
      for (int q = 0; q < 3 * s->natoms; q++) df = fmax(df, fabs(a.forces[q] - b.forces[q]));
      CHECK(fabs(a.energy - b.energy) <= 1e-12 && df <= 1e-12,
            "%s: energies %.15g vs %.15g, forces differ by %.3g", names[k], a.energy, b.energy,
            df);
      nacre_result_free(&a);
      nacre_result_free(&b);
      nacre_structure_free(s);
    }
    nacre_potential_free(pm);
    nacre_potential_free(pj);
    if (k) remove(json);
  }

  /* repulsion switch survives the JSON format */
  const char *json = "test_nn_format_nn_Na_d3_v0.json";
  char *text = slurp(json);
  CHECK(text != NULL, "read back %s", json);
  if (!text) TEST_DONE();
  char *p = strstr(text, "\"enabled\":\ttrue");
  CHECK(p != NULL, "repulsion enabled in the written file");
  if (p) {
    char *off = malloc(strlen(text) + 2);
    size_t pre = (size_t)(p - text);
    memcpy(off, text, pre);
    sprintf(off + pre, "\"enabled\":\tfalse%s", p + strlen("\"enabled\":\ttrue"));
    spit("test_nn_format_off.json", off);
    nacre_nn_model *m = NULL;
    CHECK_OK(nacre_nn_model_read("test_nn_format_off.json", &m, &err), &err);
    CHECK(m && m->repulsion == 0, "repulsion switched off through the file");
    nacre_nn_model_free(m);
    remove("test_nn_format_off.json");
    free(off);
  }

  /* malformed JSON */
  const char *bad = "test_nn_format_bad.json";
  char *t = replace_line(text, 5, "    \"z\": 11,,");
  expect_reject(bad, t, "test_nn_format_bad.json:5:", "JSON syntax error on line 5");
  free(t);
  int ln = line_of(text, "\"version\"");
  char *v = strstr(text, "\"version\":\t");
  CHECK(v != NULL, "the written file has a version");
  if (v) {
    t = strdup(text);
    t[v - text + strlen("\"version\":\t")] = '7';
    expect_reject(bad, t, "version 7", "unknown format version");
    free(t);
  }
  t = replace_line(text, line_of(text, "\"reference_energy_ev\""), "\"x\": 0");
  expect_reject(bad, t, "reference_energy_ev", "missing key named");
  free(t);
  char *wp = strstr(text, "\"weights\":\t[");
  if (wp) { /* drop the first weight */
    t = strdup(text);
    char *first = t + (wp - text) + strlen("\"weights\":\t[");
    char *comma = strchr(first, ',');
    memmove(first, comma + 2, strlen(comma + 2) + 1);
    expect_reject(bad, t, "weights", "wrong weight count");
    free(t);
  }
  free(text);
  remove(json);

  /* malformed MAISE files */
  char maise[4096];
  snprintf(maise, sizeof maise, "%s", test_shared_path("maise/models/nn_Na_d3_v0"));
  text = slurp(maise);
  const char *badm = "test_nn_format_bad_maise";
  int w0 = line_of(text, "neural network weights") + 2; /* first weight */
  char expect[128];
  t = replace_line(text, w0 + 3, "  0.12x");
  snprintf(expect, sizeof expect, "%s:%d:", badm, w0 + 3);
  expect_reject(badm, t, expect, "MAISE: a non-number weight");
  free(t);
  int r0 = line_of(text, "minimum") + 1;
  t = replace_line(text, r0 + 2, "   0.0   1.0");
  snprintf(expect, sizeof expect, "%s:%d:", badm, r0 + 2);
  expect_reject(badm, t, expect, "MAISE: a range row with two numbers");
  free(t);
  ln = line_of(text, "architecture");
  t = replace_line(text, ln, "|  architecture         |  51 10 1                                          |");
  snprintf(expect, sizeof expect, "%s:%d:", badm, ln);
  expect_reject(badm, t, expect, "MAISE: architecture with the wrong layer count");
  free(t);
  ln = line_of(text, " z    4");
  t = replace_line(text, ln, " z    4   1.0000   2.0000");
  snprintf(expect, sizeof expect, "%s:%d:", badm, ln);
  expect_reject(badm, t, expect, "MAISE: a parameter line short of values");
  free(t);
  ln = line_of(text, " 12   4   0");
  t = replace_line(text, ln, " 12   4   0   0   0   0   0   9   1");
  snprintf(expect, sizeof expect, "%s:%d:", badm, ln);
  expect_reject(badm, t, expect, "MAISE: a zeta index out of range");
  free(t);
  t = replace_line(text, w0 + 100, NULL);
  expect_reject(badm, t, "weights", "MAISE: a missing weight");
  free(t);
  free(text);
  TEST_DONE();
}
