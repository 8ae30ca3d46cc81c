/* searchtest.c — see searchtest.h. */
#include <math.h>
#include <string.h>

#include "searchtest.h"

nacre_status test_sd_relax(void *user, nacre_structure *s, double pressure_gpa,
                           nacre_search_relaxed *out, nacre_error *err) {
  nacre_calc *calc = nacre_calc_new((const nacre_potential *)user, -1, err);
  if (!calc) return err->status;
  nacre_result r;
  nacre_status st = nacre_result_init(&r, s->natoms, err);
  if (st) {
    nacre_calc_free(calc);
    return st;
  }
  for (int step = 0; step < 20 && !st; step++) {
    st = nacre_calc_compute(calc, s, NACRE_WANT_ENERGY | NACRE_WANT_FORCES, &r,
                            err);
    if (st) break;
    double fmax = 0;
    for (int i = 0; i < 3 * s->natoms; i++)
      if (fabs(r.forces[i]) > fmax) fmax = fabs(r.forces[i]);
    double scale = fmax > 0 ? fmin(0.05, 0.05 / fmax) : 0;
    for (int i = 0; i < 3 * s->natoms; i++)
      s->positions[i] += scale * r.forces[i];
  }
  if (!st) st = nacre_calc_compute(calc, s, NACRE_WANT_ENERGY, &r, err);
  memset(out, 0, sizeof *out);
  out->ok = st == NACRE_OK;
  out->energy = r.energy;
  double v = s->pbc[0] ? fabs(nacre_structure_volume(s)) : 0;
  out->enthalpy = r.energy + pressure_gpa * NACRE_GPA_TO_EV_A3 * v;
  out->steps = 20;
  strcpy(out->outcome, out->ok ? "converged" : "numeric");
  nacre_result_free(&r);
  nacre_calc_free(calc);
  return st == NACRE_ERR_NUMERIC ? NACRE_OK : st;
}
