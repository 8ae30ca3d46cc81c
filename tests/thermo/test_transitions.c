/* test_transitions.c — enthalpy against pressure and transition pressures
 * (src/thermo/transitions.c), with MAISE's nn_Na_d3_v0 (within its valid
 * range, below 55 GPa; skipped when ../shared/data is absent).
 *   Enthalpies: for bcc and fcc (cubic cells, atoms fixed by symmetry)
 *     H(P) = min_a [E(a) + P V(a)] / N found by a golden-section search on
 *     the lattice parameter alone, with no optimiser, equals the relaxed
 *     enthalpy per atom at 0, 10, 30 and 50 GPa to 2e-6 eV/atom.
 *   Crossing: the hcp → bcc transition found on a 0.5 GPa grid equals the
 *     root of ΔH(P) found by bisection with separate relaxations at each
 *     trial pressure, to 0.02 GPa (the linear interpolation's error).
 *   The crossing arithmetic on enthalpies linear in P is exact (1e-12). */
#include <string.h>

#include "builders.h"
#include "nacre/opt.h"
#include "nacre/pot.h"
#include "nacre/thermo.h"
#include "testing.h"

static double cubic_energy(nacre_calc *c, const char *kind, double a) {
  int n[3] = {1, 1, 1};
  nacre_structure *s = build_bulk(kind, 11, a, n);
  nacre_result r;
  nacre_result_init(&r, s->natoms, NULL);
  double e = NAN;
  if (!nacre_calc_compute(c, s, NACRE_WANT_ENERGY, &r, NULL)) e = r.energy / s->natoms;
  nacre_result_free(&r);
  nacre_structure_free(s);
  return e;
}

/* min over a of E(a)/N + P a³/N by golden section in [a0, a1]. */
static double cubic_enthalpy(nacre_calc *c, const char *kind, double p_gpa,
                             double a0, double a1) {
  int per = kind[0] == 'b' ? 2 : 4;
  double pp = p_gpa * NACRE_GPA_TO_EV_A3, g = (sqrt(5.0) - 1) / 2;
  double x1 = a1 - g * (a1 - a0), x2 = a0 + g * (a1 - a0);
  double f1 = cubic_energy(c, kind, x1) + pp * x1 * x1 * x1 / per;
  double f2 = cubic_energy(c, kind, x2) + pp * x2 * x2 * x2 / per;
  while (a1 - a0 > 1e-7) {
    if (f1 < f2) {
      a1 = x2;
      x2 = x1;
      f2 = f1;
      x1 = a1 - g * (a1 - a0);
      f1 = cubic_energy(c, kind, x1) + pp * x1 * x1 * x1 / per;
    } else {
      a0 = x1;
      x1 = x2;
      f1 = f2;
      x2 = a0 + g * (a1 - a0);
      f2 = cubic_energy(c, kind, x2) + pp * x2 * x2 * x2 / per;
    }
  }
  return fmin(f1, f2);
}

static nacre_structure *hcp(void) {
  int n[3] = {1, 1, 1};
  return build_bulk("hcp", 11, 3.76, n);
}

static nacre_structure *cubic(const char *kind) {
  int n[3] = {1, 1, 1};
  return build_bulk(kind, 11, kind[0] == 'b' ? 4.23 : 5.3, n);
}

/* H per atom of s relaxed (with its symmetry) at p, from a copy. */
static double relaxed_h(nacre_calc *c, const nacre_structure *s, double p) {
  nacre_structure *t = nacre_structure_copy(s, NULL);
  nacre_relax_options o;
  nacre_relax_options_init(&o);
  o.pressure_gpa = p;
  o.fmax = 1e-4;
  o.smax_gpa = 1e-4;
  o.keep_symmetry = 1;
  nacre_relax_result r;
  double h = NAN;
  if (!nacre_relax(c, t, &o, NULL, &r, NULL) && r.outcome == NACRE_RELAX_CONVERGED)
    h = r.enthalpy / t->natoms;
  nacre_structure_free(t);
  return h;
}

static void test_linear_crossing(void) {
  nacre_transitions t = {0};
  double p[3] = {0, 10, 20}, h[6] = {0, 1, 2, 0.5, 1.2, 1.9};
  t.nstructures = 2;
  t.npressures = 3;
  t.pressure_gpa = p;
  t.enthalpy_per_atom_ev = h;
  double x[4];
  int n = nacre_transitions_crossings(&t, 0, 1, x, 4);
  /* ΔH = −0.5 + 0.03 P (P ≤ 10) then −0.2 + 0.03 (P − 10) ... crosses at
   * 0 < P: between 10 and 20: −0.2 at 10, +0.1 at 20 → 16.667 */
  CHECK(n == 1, "one crossing (%d)", n);
  CHECK_CLOSE(x[0], 10 + 10 * 0.2 / 0.3, 1e-12, "crossing of linear enthalpies");
}

int main(void) {
  test_linear_crossing();
  const char *model = test_shared_path("maise/models/nn_Na_d3_v0");
  if (!model) {
    TEST_SKIP("../shared/data/maise/models/nn_Na_d3_v0 is absent");
  }
  nacre_potential *pot = NULL;
  nacre_error err;
  CHECK_OK(nacre_potential_load(model, &pot, &err), &err);
  if (!pot) TEST_DONE();
  nacre_calc *c = nacre_calc_new(pot, -1, NULL);
  /* enthalpies along the grid against golden-section scans */
  nacre_structure *s[3] = {cubic("bcc"), cubic("fcc"), hcp()};
  double grid[4] = {0, 10, 30, 50};
  nacre_transition_options o;
  nacre_transition_options_init(&o);
  o.relax.fmax = 1e-4;
  o.relax.smax_gpa = 1e-4;
  o.relax.keep_symmetry = 1;
  nacre_transitions *t = NULL;
  CHECK_OK(nacre_transitions_run(pot, s, 2, grid, 4, &o, NULL, NULL, NULL, &t, &err),
           &err);
  for (int k = 0; t && k < 4; k++) {
    double hb = cubic_enthalpy(c, "bcc", grid[k], 3.0, 4.6);
    double hf = cubic_enthalpy(c, "fcc", grid[k], 3.8, 5.8);
    CHECK_CLOSE(t->enthalpy_per_atom_ev[k], hb, 2e-6, "bcc H(P) vs a scan");
    CHECK_CLOSE(t->enthalpy_per_atom_ev[4 + k], hf, 2e-6, "fcc H(P) vs a scan");
    CHECK(t->space_group[k] == 229 && t->space_group[4 + k] == 225,
          "bcc and fcc keep Im-3m and Fm-3m (%d, %d)", t->space_group[k],
          t->space_group[4 + k]);
  }
  nacre_transitions_free(t);
  /* hcp → bcc: the grid crossing against bisection */
  double fine[9];
  for (int k = 0; k < 9; k++) fine[k] = 0.5 * k;
  nacre_structure *pair[2] = {s[2], s[0]};
  t = NULL;
  CHECK_OK(nacre_transitions_run(pot, pair, 2, fine, 9, &o, NULL, NULL, NULL, &t, &err),
           &err);
  if (t) {
    CHECK(t->ncrossings == 1 && t->crossings[0].from == 0 && t->crossings[0].to == 1,
          "one transition, hcp -> bcc (%d)", t->ncrossings);
    double lo = 0, hi = 4;
    for (int it = 0; it < 14; it++) {
      double mid = 0.5 * (lo + hi);
      if (relaxed_h(c, s[2], mid) < relaxed_h(c, s[0], mid))
        lo = mid;
      else
        hi = mid;
    }
    double pb = 0.5 * (lo + hi);
    if (t->ncrossings) {
      printf("hcp -> bcc: %.4f GPa on the 0.5 GPa grid, %.4f GPa by bisection\n",
             t->crossings[0].pressure_gpa, pb);
      CHECK_CLOSE(t->crossings[0].pressure_gpa, pb, 0.02, "transition pressure");
    }
  }
  nacre_transitions_free(t);
  for (int k = 0; k < 3; k++) nacre_structure_free(s[k]);
  nacre_calc_free(c);
  nacre_potential_free(pot);
  TEST_DONE();
}
