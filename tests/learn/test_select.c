/* test_select.c — the selection rules of active learning: the trust bounds
 * (lo ≤ σ < hi is a candidate, DP-GEN's convention), the relative
 * deviation σ_i / (|F_i| + level) against a hand computation, farthest-point
 * sampling against a brute-force maximin over all orders of small sets, the
 * similarity screen (a copy of a training structure or of another pick is
 * never chosen), the random sample of end points (drawn only from the
 * lowest-enthalpy quarter of each group, every member of it reached over
 * seeds, an end point already taken replaced by the next lowest, as many
 * drawn as asked while the groups offer them), and the configuration
 * reader's refusals. */
#include <string.h>

#include "builders.h"
#include "iotest.h"
#include "nacre/learn.h"
#include "testing.h"

static void bounds(void) {
  nacre_learn_selection s;
  nacre_learn_selection_init(&s);
  s.lo_ev_a = 0.05;
  s.hi_ev_a = 0.35;
  CHECK(nacre_learn_classify(&s, 0.0499) == NACRE_LEARN_ACCURATE, "below lo");
  CHECK(nacre_learn_classify(&s, 0.05) == NACRE_LEARN_CANDIDATE, "lo itself");
  CHECK(nacre_learn_classify(&s, 0.3499) == NACRE_LEARN_CANDIDATE, "below hi");
  CHECK(nacre_learn_classify(&s, 0.35) == NACRE_LEARN_FAILED, "hi itself");
  CHECK(nacre_learn_classify(&s, NAN) == NACRE_LEARN_FAILED, "NaN");
  CHECK(nacre_learn_classify(&s, INFINITY) == NACRE_LEARN_FAILED, "inf");
}

static void relative(void) {
  nacre_result r;
  nacre_error err;
  CHECK_OK(nacre_result_init(&r, 2, &err), &err);
  r.committee_size = 4;
  double f[6] = {3, 4, 0, 0, 0, 0.1}; /* |F| = 5 and 0.1 */
  memcpy(r.forces, f, sizeof f);
  r.atom_force_dev[0] = 0.6;
  r.atom_force_dev[1] = 0.05;
  r.committee_force_dev_max = 0.6;
  nacre_learn_selection s;
  nacre_learn_selection_init(&s);
  CHECK_CLOSE(nacre_learn_deviation(&s, &r), 0.6, 0, "absolute: σ_f");
  s.relative_ev_a = 0.1;
  /* atom 0: 0.6 / (5 + 0.1); atom 1: 0.05 / (0.1 + 0.1) = 0.25 */
  CHECK_CLOSE(nacre_learn_deviation(&s, &r), 0.25, 1e-15, "relative: the larger");
  r.committee_size = 0;
  CHECK(isnan(nacre_learn_deviation(&s, &r)), "no committee: NaN");
  nacre_result_free(&r);
}

/* Structures whose fingerprints differ: fcc, bcc, sc, hcp and diamond at
 * a few strains. */
static nacre_fingerprint *fingerprint(const char *kind, double strain) {
  int n[3] = {2, 2, 2};
  if (!strcmp(kind, "hcp")) n[2] = 1;
  nacre_structure *s = build_bulk(kind, 29, 3.6, n);
  double eps[6] = {strain, -strain / 2, 0, 0, 0, strain / 3};
  build_strain(s, eps);
  nacre_fingerprint_options o;
  nacre_fingerprint_options_init(&o);
  nacre_fingerprint *fp = NULL;
  nacre_error err;
  CHECK_OK(nacre_fingerprint_new(s, &o, &fp, &err), &err);
  nacre_structure_free(s);
  return fp;
}

/* The maximin choice made the slow way: at each step the candidate whose
 * smallest distance to references and picks is largest. */
static int brute(nacre_fingerprint **ref, int nref, nacre_fingerprint **cand,
                 int ncand, int max, double dmin, int *chosen) {
  int n = 0;
  while (n < max) {
    int best = -1;
    double bestd = -1;
    for (int c = 0; c < ncand; c++) {
      int taken = 0;
      for (int q = 0; q < n; q++) taken |= chosen[q] == c;
      if (taken) continue;
      double d = INFINITY;
      for (int r = 0; r < nref; r++) d = fmin(d, nacre_fingerprint_distance(cand[c], ref[r]));
      for (int q = 0; q < n; q++)
        d = fmin(d, nacre_fingerprint_distance(cand[c], cand[chosen[q]]));
      if (d > bestd) {
        bestd = d;
        best = c;
      }
    }
    if (best < 0 || bestd < dmin) break;
    chosen[n++] = best;
  }
  return n;
}

static void farthest(void) {
  const char *kinds[] = {"fcc", "bcc", "sc", "hcp", "diamond"};
  nacre_fingerprint *cand[12], *ref[2];
  int nc = 0;
  for (int k = 0; k < 5; k++)
    for (int q = 0; q < 2; q++) cand[nc++] = fingerprint(kinds[k], 0.03 * q);
  cand[nc++] = fingerprint("bcc", 0.0);  /* a copy of cand[2] */
  cand[nc++] = fingerprint("fcc", 0.0);  /* a copy of a reference */
  ref[0] = fingerprint("fcc", 0.0);
  ref[1] = fingerprint("sc", 0.03);
  int got[12], want[12];
  for (int max = 1; max <= 12; max += 3)
    for (int dm = 0; dm < 3; dm++) {
      double dmin = dm == 0 ? 0 : dm == 1 ? 1e-6 : 0.01;
      int n = nacre_learn_farthest_points((const nacre_fingerprint *const *)ref, 2,
                                          (const nacre_fingerprint *const *)cand, nc,
                                          max, dmin, got);
      int m = brute(ref, 2, cand, nc, max, dmin, want);
      CHECK(n == m, "max %d, min distance %g: %d picks, brute force %d", max, dmin, n, m);
      for (int q = 0; q < n && q < m; q++)
        CHECK(got[q] == want[q], "pick %d: %d, brute force %d", q, got[q], want[q]);
      if (dmin > 0) {
        for (int q = 0; q < n; q++) {
          CHECK(got[q] != 11 && got[q] != 0, "a copy of a reference is screened out");
          for (int p = 0; p < q; p++)
            CHECK(nacre_fingerprint_distance(cand[got[q]], cand[got[p]]) >= dmin,
                  "picks %d and %d are near-duplicates", got[q], got[p]);
        }
      }
    }
  /* nothing to pick */
  CHECK(nacre_learn_farthest_points(NULL, 0, (const nacre_fingerprint *const *)cand, nc,
                                    0, 0, got) == 0,
        "max 0 picks nothing");
  for (int k = 0; k < nc; k++) nacre_fingerprint_free(cand[k]);
  nacre_fingerprint_free(ref[0]);
  nacre_fingerprint_free(ref[1]);
}

static void config_errors(void) {
  nacre_learn_config *c = NULL;
  nacre_error err;
  const char *ok = test_source_path("examples/learn-cu-eam.json");
  CHECK_OK(nacre_learn_config_read(ok, &c, &err), &err);
  if (c) {
    CHECK(c->fit.ensemble == 4 && c->nstages == 3 && c->random_count == 10,
          "the example: committee of 4, three stages, ten random structures");
    CHECK(c->label.code == NACRE_LABEL_POTENTIAL, "the example labels with a potential");
    CHECK(c->stages[0].tasks[0].nstructures == 1 &&
              strstr(c->stages[0].tasks[0].structures[0], "examples/Cu32.poscar"),
          "structures resolved against the file's folder: %s",
          c->stages[0].tasks[0].structures[0]);
  }
  nacre_learn_config_free(c);
  /* the neural-truth example: its labeller, MAISE's Na model, named relative
   * to the file's folder as ../shared/data beside the repository */
  c = NULL;
  CHECK_OK(nacre_learn_config_read(test_source_path("examples/learn-na-nn.json"), &c, &err),
           &err);
  if (c) {
    const char *model = test_shared_path("maise/models/nn_Na_d3_v0");
    CHECK(c->label.code == NACRE_LABEL_POTENTIAL && c->nstages == 3,
          "the Na example: a potential labeller, three stages");
    if (model)
      CHECK(nacre_file_exists(c->label.potential),
            "the Na example's labeller resolves to a file: %s", c->label.potential);
  }
  nacre_learn_config_free(c);
  static const struct {
    const char *text, *expect;
  } bad[] = {
      {"{\"label\":{\"code\":\"qe\"},\"stages\":[{\"tasks\":[{\"type\":\"md\","
       "\"structures\":\"x\"}]}],\"initial\":{\"structures\":\"y\"},\"bogus\":1}",
       "unknown key \"bogus\""},
      {"{\"label\":{\"code\":\"qe\"},\"selection\":{\"lo_ev_a\":0.4},\"stages\":[{"
       "\"tasks\":[{\"type\":\"md\",\"structures\":\"x\"}]}],\"initial\":{\"structures\":\"y\"}}",
       "lo_ev_a must be below hi_ev_a"},
      {"{\"label\":{\"code\":\"qe\"},\"stages\":[{\"tasks\":[{\"type\":\"md\"}]}],"
       "\"initial\":{\"structures\":\"y\"}}",
       "needs structures"},
      {"{\"label\":{\"code\":\"qe\"},\"stages\":[{\"tasks\":[{\"type\":\"md\","
       "\"structures\":\"x\",\"steps\":-3}]}],\"initial\":{\"structures\":\"y\"}}",
       "steps: -3 is outside"},
      {"{\"label\":{\"code\":\"qe\"},\"stages\":[{\"tasks\":[{\"type\":\"md\","
       "\"structures\":\"x\"}]}]}",
       "no initial data"},
      {"{\"label\":{\"code\":\"dft\"},\"stages\":[]}", "dft"},
      {"{\"label\":{\"code\":\"qe\"},\n\"stages\":[}", "c.json:2: not valid JSON"},
  };
  for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
    nacre_error_clear(&err);
    nacre_status st = nacre_learn_config_parse(bad[k].text, "c.json", ".", &c, &err);
    CHECK(st != NACRE_OK && !c && strstr(err.message, bad[k].expect),
          "case %zu refused naming '%s': %s", k, bad[k].expect, err.message);
  }
}


/* The random sample: two groups (a task at two pressures, say) of 8 and 3
 * end points with known enthalpies; the lowest quarter is {0, 5} of group 0
 * (ceil(8/4) = 2) and {9} of group 1 (ceil(3/4) = 1). */
static void random_sample(void) {
  enum { N = 11 };
  const double h[N] = {-3.50, -3.40, -3.45, -3.30, -3.20, -3.48, -3.10, -3.00,
                       -2.90, -2.95, NAN};
  const int g[N] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1};
  int out[N];
  int seen[N] = {0};
  for (uint64_t seed = 1; seed <= 200; seed++) {
    int n = nacre_learn_random_sample(N, h, g, NULL, 2, seed, out);
    CHECK(n == 2, "seed %d: %d drawn, 2 asked", (int)seed, n);
    for (int q = 0; q < n && q < 2; q++) {
      CHECK(out[q] == 0 || out[q] == 5 || out[q] == 9,
            "seed %d: end point %d (enthalpy %g) is not in its group's lowest quarter",
            (int)seed, out[q], h[out[q]]);
      seen[out[q]]++;
    }
    CHECK(n < 2 || out[0] != out[1], "seed %d: drawn twice", (int)seed);
  }
  CHECK(seen[0] > 0 && seen[5] > 0 && seen[9] > 0, "every offered end point drawn: %d %d %d",
        seen[0], seen[5], seen[9]);
  /* all three offered: asking for five draws three */
  CHECK(nacre_learn_random_sample(N, h, g, NULL, 5, 3, out) == 3, "three offered");
  /* end points 0 and 9 taken as candidates: 2 (next lowest of group 0) and 8
   * (of group 1, NaN never drawn) take their places */
  char taken[N] = {0};
  taken[0] = taken[9] = 1;
  int seen2[N] = {0};
  for (uint64_t seed = 1; seed <= 200; seed++) {
    int n = nacre_learn_random_sample(N, h, g, taken, 3, seed, out);
    CHECK(n == 3, "seed %d, two taken: %d drawn, 3 asked and 3 offered", (int)seed, n);
    for (int q = 0; q < n && q < 3; q++) {
      CHECK(out[q] == 5 || out[q] == 2 || out[q] == 8, "seed %d, two taken: drew %d",
            (int)seed, out[q]);
      seen2[out[q]]++;
    }
  }
  CHECK(seen2[5] == 200 && seen2[2] == 200 && seen2[8] == 200, "all three each time");
  CHECK(nacre_learn_random_sample(0, h, g, NULL, 2, 1, out) == 0, "nothing to draw from");
}

int main(void) {
  bounds();
  relative();
  farthest();
  random_sample();
  config_errors();
  TEST_DONE();
}
