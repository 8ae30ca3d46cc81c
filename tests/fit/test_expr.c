/* test_expr.c — formulas: the parser evaluates hand-checked expressions
 * (precedence, associativity of − and /, powers, |a − b|, functions,
 * backquoted names, typographic operators); malformed formulas are errors
 * that say where; and every feature the space builds (rungs 0–2 stored,
 * a sample of rung-3 candidates) prints as a formula that parses back to
 * the very same values, which is what makes model files trustworthy. */
#include <math.h>
#include <string.h>

#include "fit/space.h"
#include "nacre/fit.h"
#include "testing.h"

static double eval1(const char *text, int nn, const char *const *names, const double *x,
                    nacre_error *err) {
  nacre_fit_expr *e = NULL;
  if (nacre_fit_expr_parse(text, nn, names, &e, err)) return NAN;
  double out = NAN;
  nacre_fit_expr_eval(e, 1, x, &out, err);
  nacre_fit_expr_free(e);
  return out;
}

int main(void) {
  nacre_error err;
  nacre_error_clear(&err);
  const char *names[] = {"a", "b", "c", "n(Li)"};
  const double x[] = {2.0, 3.0, 5.0, 7.0};
  struct {
    const char *text;
    double value;
  } cases[] = {
      {"a + b*c", 2 + 15},          {"(a + b)*c", 25},
      {"a - b - c", -6},             {"a - (b - c)", 4},
      {"a/b/c", 2.0 / 3 / 5},        {"a/(b/c)", 2.0 / (3.0 / 5)},
      {"a^2", 4},                    {"a^3", 8},
      {"-a^2", -4},                  {"a^-1", 0.5},
      {"1/a^2", 0.25},               {"|a - b|", 1},
      {"|a - |b - c||", 0},          {"exp(a)", exp(2)},
      {"ln(a)", log(2)},             {"log(b)", log(3)},
      {"sqrt(c)", sqrt(5)},          {"cbrt(8)", 2},
      {"abs(a - c)", 3},             {"`n(Li)`*a", 14},
      {"a·b − c", 1},                {"2.5e-1*c", 1.25},
      {"b^a", 9},                    {"rX", NAN},
  };
  for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
    double v = eval1(cases[k].text, 4, names, x, &err);
    if (isnan(cases[k].value))
      CHECK(isnan(v) && strstr(err.message, "no column named 'rX'"),
            "'%s' names the unknown column: %s", cases[k].text, err.message);
    else /* a few roundings: 1e-15 relative */
      CHECK_CLOSE(v, cases[k].value, 1e-15 * fabs(cases[k].value), cases[k].text);
  }
  const char *bad[] = {"a +", "(a", "a b", "foo(a)", "|a - b", "a $ b", "", "`a"};
  for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
    nacre_fit_expr *e = NULL;
    nacre_status st = nacre_fit_expr_parse(bad[k], 4, names, &e, &err);
    CHECK(st != NACRE_OK && !e && strstr(err.message, "formula"),
          "'%s' is rejected with a message naming the formula: %s", bad[k], err.message);
    nacre_fit_expr_free(e);
  }

  /* Round trip over a real space: 4 primaries with units, one needing
   * backquotes, positive and negative values. */
  const int n = 40;
  nacre_fit_data d;
  memset(&d, 0, sizeof d);
  char *dn[] = {"rA", "rB", "n(Li)", "q"}, *du[] = {"Å", "Å", "", ""};
  d.nrows = n;
  d.nfeatures = 4;
  d.names = dn;
  d.units = du;
  double xs[4 * 40];
  nacre_rng rng;
  nacre_rng_init(&rng, 5, 0);
  for (int i = 0; i < n; i++) {
    xs[i] = 0.5 + 1.5 * nacre_rng_uniform(&rng);
    xs[n + i] = 0.3 + nacre_rng_uniform(&rng);
    xs[2 * n + i] = 1 + nacre_rng_int(&rng, 4);
    xs[3 * n + i] = nacre_rng_normal(&rng);
  }
  d.x = xs;
  nacre_fit_sis_options o;
  nacre_fit_sis_options_init(&o);
  o.rung = 3;
  fit_space sp;
  CHECK_OK(fit_space_build(&sp, &d, &o, NULL, &err), &err);
  double *want = malloc(n * sizeof *want), *got = malloc(n * sizeof *got);
  fit_text *t = malloc(sizeof *t);
  long checked = 0, worst_mismatch = 0;
  const char *const *cn = (const char *const *)dn;
  /* every stored feature, then every 97th rung-3 candidate */
  for (long long k = 0; k < sp.nstored; k++) {
    fit_candidate c = {sp.nodes[k], k, (uint64_t)k};
    fit_candidate_values(&sp, &c, want);
    fit_candidate_format(&sp, &c, t);
    nacre_fit_expr *e = NULL;
    if (nacre_fit_expr_parse(t->s, 4, cn, &e, &err)) {
      CHECK(0, "stored feature '%s' parses: %s", t->s, err.message);
      continue;
    }
    nacre_fit_expr_eval(e, n, xs, got, &err);
    nacre_fit_expr_free(e);
    int nbad = 0;
    for (int i = 0; i < n; i++)
      if (got[i] != want[i]) nbad++;
    if (nbad && worst_mismatch < 3 * n) printf("stored: %s differs\n", t->s);
    worst_mismatch += nbad;
    checked++;
  }
  long long lo = sp.rung_start[2], hi = sp.rung_start[3];
  long tried = 0;
  for (long long j = lo; j < hi; j += 13)
    for (long long i = 0; i < j; i += 97)
      for (int op = FIT_X_ADD; op <= FIT_X_RDIV; op++) {
        fit_candidate c = {{0}, -1, 0};
        if (!fit_node_make(&sp, (fit_opx)op, (int32_t)i, (int32_t)j, &c.node)) continue;
        if (!fit_node_values(&sp, &c.node, want)) continue;
        fit_candidate_format(&sp, &c, t);
        nacre_fit_expr *e = NULL;
        if (nacre_fit_expr_parse(t->s, 4, cn, &e, &err)) {
          CHECK(0, "rung-3 feature '%s' parses: %s", t->s, err.message);
          continue;
        }
        nacre_fit_expr_eval(e, n, xs, got, &err);
        nacre_fit_expr_free(e);
        int nbad = 0;
        for (int r = 0; r < n; r++)
          if (got[r] != want[r]) nbad++;
        if (nbad && worst_mismatch < 3 * n) printf("rung 3: %s differs\n", t->s);
        worst_mismatch += nbad;
        tried++;
      }
  /* The same operations in the same order: bit-identical values, so the
   * tolerance is zero. */
  CHECK(worst_mismatch == 0, "%ld values differ between printed formulas and the space",
        worst_mismatch);
  CHECK(checked == sp.nstored && tried > 1000, "%ld stored and %ld rung-3 formulas checked",
        checked, tried);
  printf("%ld stored (rungs 0-2) and %ld rung-3 formulas round-trip exactly\n", checked, tried);
  free(want);
  free(got);
  free(t);
  fit_space_free(&sp);
  TEST_DONE();
}
