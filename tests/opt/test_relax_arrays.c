/* test_relax_arrays.c — nacre_relax_arrays (the entry point of Python's
 * nacre.relax) relaxes exactly as nacre_relax with the same options: same
 * outcome and steps, cell and positions to the last bit; the summary carries
 * the outcome's name; a bad mode and a missing array are refused. */
#include <string.h>

#include "builders.h"
#include "nacre/opt.h"
#include "testing.h"

int main(void) {
  nacre_error err;
  nacre_error_clear(&err);
  nacre_potential *p = NULL;
  CHECK_OK(nacre_potential_load("lj:epsilon=0.2047,sigma=2.330,cutoff=6.0,shift=1",
                                &p, &err), &err);
  nacre_calc *c = nacre_calc_new(p, -1.0, &err);
  const int n2[3] = {2, 2, 2};
  nacre_structure *s = build_bulk("fcc", 29, 3.8, n2);
  build_rattle(s, 0.05, 9);
  const double eps[6] = {0.02, -0.01, 0.0, 0.01, 0.0, 0.0};
  build_strain(s, eps);
  int n = s->natoms;

  double cell[9], *pos = malloc(3 * (size_t)n * sizeof(double));
  memcpy(cell, s->cell, sizeof cell);
  memcpy(pos, s->positions, 3 * (size_t)n * sizeof(double));
  nacre_relax_summary sum;
  CHECK_OK(nacre_relax_arrays(c, n, cell, s->pbc, s->numbers, pos, "full", 2.0,
                              1e-3, 1e-3, 500, 0.0, &sum, &err), &err);

  nacre_relax_options opt;
  nacre_relax_options_init(&opt);
  opt.pressure_gpa = 2.0;
  opt.fmax = 1e-3;
  opt.smax_gpa = 1e-3;
  opt.max_steps = 500;
  nacre_relax_result res;
  nacre_calc *c2 = nacre_calc_new(p, -1.0, &err);
  CHECK_OK(nacre_relax(c2, s, &opt, NULL, &res, &err), &err);
  CHECK(sum.outcome == (int)NACRE_RELAX_CONVERGED && res.outcome == NACRE_RELAX_CONVERGED,
        "outcomes %d and %d", sum.outcome, (int)res.outcome);
  CHECK(!strcmp(sum.outcome_name, nacre_relax_outcome_name(res.outcome)),
        "outcome name '%s'", sum.outcome_name);
  CHECK(sum.steps == res.steps && sum.force_calls == res.force_calls,
        "steps %d/%d, force calls %ld/%ld", sum.steps, res.steps, sum.force_calls,
        res.force_calls);
  CHECK(sum.enthalpy == res.enthalpy, "enthalpy %.17g vs %.17g", sum.enthalpy,
        res.enthalpy);
  CHECK(memcmp(cell, s->cell, sizeof cell) == 0, "cells differ");
  CHECK(memcmp(pos, s->positions, 3 * (size_t)n * sizeof(double)) == 0,
        "positions differ");
  CHECK(fabs(sum.pressure_gpa - 2.0) < 1e-3, "final pressure %.6f GPa", sum.pressure_gpa);

  nacre_status st = nacre_relax_arrays(c, n, cell, s->pbc, s->numbers, pos,
                                       "sideways", 0, 0, 0, 0, 0, &sum, &err);
  CHECK(st == NACRE_ERR_INVALID && strstr(err.message, "sideways"),
        "bad mode: %s", err.message);
  st = nacre_relax_arrays(c, n, cell, s->pbc, NULL, pos, NULL, 0, 0, 0, 0, 0, &sum,
                          &err);
  CHECK(st == NACRE_ERR_INVALID, "missing numbers accepted");

  free(pos);
  nacre_structure_free(s);
  nacre_calc_free(c);
  nacre_calc_free(c2);
  nacre_potential_free(p);
  TEST_DONE();
}
