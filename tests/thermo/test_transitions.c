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
 *   The crossing arithmetic on enthalpies linear in P is exact (1e-12).
 *   At a temperature: G = H + F_vib(T) from a one-pressure table, F_vib(T, P)
 *     from a table with pressures, or G(T, P) of a quasi-harmonic qha.csv
 *     replacing H; every term linear in T and P, so the interpolated tables
 *     and the crossing are exact (1e-12); a table that does not reach the
 *     temperature is an error naming the structure. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "builders.h"
#include "iotest.h"
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

/* H0 = 0.01 P, H1 = 0.3 − 0.02 P eV/atom on 0, 3, ..., 18 GPa: 0 → 1 at
 * 10 GPa. At 1000 K, F0 = −1e-4 T (one pressure) and F1 = −2.5e-4 T
 * (1 + P/100) (two pressures) give ΔG = 0.15 − 0.0325 P: 4.6154 GPa; G1 =
 * 0.3 − 0.02 P − 2.5e-4 T from a qha.csv instead gives ΔG = 0.15 − 0.03 P:
 * 5 GPa. */
static void test_temperature(void) {
  enum { NP = 7 };
  double p[NP], h[2 * NP], v[2 * NP];
  int sg[2 * NP] = {0}, unconv[2] = {0}, lowest[NP];
  struct nacre_transition_crossing cr[NP];
  for (int k = 0; k < NP; k++) {
    p[k] = 3.0 * k;
    h[k] = 0.01 * p[k];
    h[NP + k] = 0.3 - 0.02 * p[k];
    v[k] = v[NP + k] = 20;
  }
  nacre_transitions t = {.nstructures = 2, .npressures = NP, .pressure_gpa = p,
                         .enthalpy_per_atom_ev = h, .volume_per_atom_a3 = v,
                         .space_group = sg, .unconverged = unconv, .lowest = lowest,
                         .crossings = cr, .temperature_k = NAN};
  double t0[2] = {0, 2000}, f0[2] = {0, -0.2};
  double t1[4] = {0, 2000, 0, 2000}, p1[4] = {0, 0, 20, 20}, f1[4] = {0, -0.5, 0, -0.6};
  nacre_fvib_table *a = NULL, *b = NULL, *q = NULL;
  nacre_error err;
  CHECK_OK(nacre_fvib_table_new(2, t0, NULL, f0, &a, &err), &err);
  CHECK_OK(nacre_fvib_table_new(4, t1, p1, f1, &b, &err), &err);
  const nacre_fvib_table *tables[2] = {a, b};
  CHECK_OK(nacre_transitions_at_temperature(&t, tables, 1000, &err), &err);
  CHECK(t.ncrossings == 1 && t.crossings[0].from == 0 && t.crossings[0].to == 1,
        "one crossing at 1000 K, 0 -> 1 (%d)", t.ncrossings);
  CHECK_CLOSE(t.crossings[0].pressure_gpa, 0.15 / 0.0325, 1e-12, "crossing with F_vib(T, P)");
  CHECK_CLOSE(t.gibbs_energy_per_atom_ev[NP + 2], 0.3 - 0.12 - 0.25 * 1.06, 1e-12,
              "G1 at 6 GPa, 1000 K");
  CHECK_CLOSE(t.enthalpy_per_atom_ev[NP + 2], 0.18, 1e-15, "H itself is kept");
  double x[4];
  CHECK(nacre_transitions_crossings(&t, 0, 1, x, 4) == 1 && fabs(x[0] - 0.15 / 0.0325) < 1e-12,
        "nacre_transitions_crossings ranks by G");
  /* 0 K: the tables add nothing, the enthalpy crossing returns */
  CHECK_OK(nacre_transitions_at_temperature(&t, tables, 0, &err), &err);
  CHECK(t.ncrossings == 1 && fabs(t.crossings[0].pressure_gpa - 10) < 1e-12,
        "at 0 K the crossing is the enthalpies' (%g)", t.ncrossings ? t.crossings[0].pressure_gpa : NAN);
  CHECK(nacre_transitions_at_temperature(&t, tables, 2500, &err) == NACRE_ERR_INVALID &&
            strstr(err.message, "structure 1") && strstr(err.message, "2500"),
        "a table short of the temperature is refused: %s", err.message);
  const char *path = test_tmp_path("qha.csv");
  char text[4096] =
      "temperature_k,pressure_gpa,volume_per_atom_a3,gibbs_energy_per_atom_ev,"
      "energy_per_atom_ev,vibrational_free_energy_per_atom_ev,bulk_modulus_gpa,"
      "thermal_expansion_per_k,entropy_per_atom_kb,heat_capacity_p_per_atom_kb\n";
  for (int it = 0; it < 2; it++)
    for (int ip = 0; ip < 2; ip++) {
      double tk = 2000.0 * it, pg = 20.0 * ip, g = 0.3 - 0.02 * pg - 2.5e-4 * tk;
      snprintf(text + strlen(text), sizeof text - strlen(text), "%g,%g,20,%.12f,0,0,50,0,0,0\n",
               tk, pg, g);
    }
  test_write_text(path, text);
  CHECK_OK(nacre_fvib_table_read(path, &q, &err), &err);
  tables[1] = q;
  if (q) CHECK_OK(nacre_transitions_at_temperature(&t, tables, 1000, &err), &err);
  CHECK(t.ncrossings == 1, "one crossing with the qha table (%d)", t.ncrossings);
  CHECK_CLOSE(t.crossings[0].pressure_gpa, 5.0, 1e-12, "crossing with G(T, P) of qha.csv");
  CHECK_CLOSE(t.gibbs_energy_per_atom_ev[NP + 2], 0.3 - 0.12 - 0.25, 1e-12,
              "G1 is the table's, not H + G");
  free(t.gibbs_energy_per_atom_ev);
  nacre_fvib_table_free(a);
  nacre_fvib_table_free(b);
  nacre_fvib_table_free(q);
  test_tmp_cleanup();
}

int main(void) {
  test_linear_crossing();
  test_temperature();
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
