/* test_zbl.c — the ZBL baseline and sums of potentials: (1) forces, stress
 * and energy differences of Na clusters inside the unswitched range
 * against LAMMPS' pair_style zbl (Debian's lmp; LAMMPS adds a constant
 * below its inner cutoff, so energies are compared as differences) to
 * 1e-7 relative (LAMMPS' metal-units e²/4πε₀ is 14.399645 eV·Å, 3.3e-8
 * below CODATA 2018's); (2) forces and stress of
 * compressed, rattled Na whose distances cross the switching region
 * against central finite differences (1e-6 eV/Å, 1e-7 eV/Å^3 with a
 * largest force of ~10 eV/Å), alone and under a network (the sum
 * "MODEL+zbl:..."), and invariances; (3) the switch: V and dV/dr continuous
 * at r_inner and zero at r_outer; (4) the sum equals its terms. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "builders.h"
#include "lammpsrun.h"
#include "nacre/pot.h"
#include "potcheck.h"
#include "testing.h"

#define SPEC "zbl:r_inner=1.5,r_outer=2.4"

static nacre_structure *cluster(const double x[3][3]) {
  nacre_error err;
  nacre_structure *s = nacre_structure_new(3, &err);
  for (int i = 0; i < 3; i++) {
    s->cell[i][i] = 30.0;
    s->numbers[i] = 11;
    for (int k = 0; k < 3; k++) s->positions[3 * i + k] = 10.0 + x[i][k];
  }
  return s;
}

static void against_lammps(void) {
  if (!lammps_available(NULL)) {
    printf("note: LAMMPS (lmp) absent, the LAMMPS comparison is skipped\n");
    return;
  }
  /* pairs between 0.9 and 2.2 Å, all below both codes' inner cutoff */
  const double xa[3][3] = {{0, 0, 0}, {1.3, 0.2, 0.1}, {0.4, 1.5, -0.3}};
  const double xb[3][3] = {{0, 0, 0}, {0.9, 0.1, -0.2}, {0.3, 2.0, 0.4}};
  nacre_structure *s[2] = {cluster(xa), cluster(xb)};
  nacre_error err;
  nacre_potential *p = NULL;
  CHECK_OK(nacre_potential_load("zbl:r_inner=3.0,r_outer=3.5", &p, &err), &err);
  nacre_calc *c = nacre_calc_new(p, -1, &err);
  const int tz[1] = {11};
  double e_n[2], e_l[2];
  for (int q = 0; q < 2; q++) {
    lammps_result lo;
    if (lammps_run0(s[q], tz, 1, "units metal\natom_style atomic\n",
                    "pair_style zbl 3.0 3.5\npair_coeff * * 11.0 11.0\n", 0,
                    &lo)) {
      CHECK(0, "LAMMPS run failed");
      continue;
    }
    nacre_result r;
    nacre_result_init(&r, 3, &err);
    CHECK_OK(nacre_calc_compute(c, s[q], NACRE_WANT_ALL, &r, &err), &err);
    for (int k = 0; k < 9; k++)
      CHECK_CLOSE(r.forces[k], lo.forces[k], 1e-7 * fabs(lo.forces[k]) + 1e-12,
                  "force vs LAMMPS zbl (eV/A, 1e-7 relative)");
    for (int v = 0; v < 6; v++)
      CHECK_CLOSE(r.stress[v], lo.stress[v], 1e-7 * fabs(lo.stress[v]) + 1e-14,
                  "stress vs LAMMPS zbl (eV/A^3, 1e-7 relative)");
    e_n[q] = r.energy;
    e_l[q] = lo.energy;
    nacre_result_free(&r);
    free(lo.forces);
  }
  CHECK_CLOSE(e_n[0] - e_n[1], e_l[0] - e_l[1],
              1e-7 * fabs(e_l[0] - e_l[1]),
              "energy difference vs LAMMPS zbl (eV, 1e-7 relative)");
  nacre_calc_free(c);
  nacre_potential_free(p);
  nacre_structure_free(s[0]);
  nacre_structure_free(s[1]);
}

/* fcc Na at 6 Å^3/atom (neighbours at 2.04 Å), rattled by 0.15 Å: pairs
 * on both sides of r_inner and beyond r_outer */
static nacre_structure *compressed(void) {
  const int rep[3] = {2, 1, 1};
  nacre_structure *s = build_bulk("fcc", 11, cbrt(24.0), rep);
  build_rattle(s, 0.15, 3);
  const double eps[6] = {0.02, -0.01, 0.015, 0.01, -0.02, 0.005};
  build_strain(s, eps);
  return s;
}

static void finite_differences(const char *spec, const char *what) {
  nacre_error err;
  nacre_potential *p = NULL;
  if (nacre_potential_load(spec, &p, &err)) {
    CHECK(0, "%s: %s", what, err.message);
    return;
  }
  nacre_structure *s = compressed();
  double fmax = 0;
  double df = potcheck_force_fd(p, s, 1e-5, &fmax);
  double ds = potcheck_stress_fd(p, s, 1e-6);
  CHECK(fmax > 1.0, "%s: forces of ~eV/A in the switching region (%g)", what,
        fmax);
  CHECK(df < 1e-6, "%s: forces vs finite differences: %g eV/A (fmax %g)",
        what, df, fmax);
  CHECK(ds < 1e-7, "%s: stress vs finite strains: %g eV/A^3", what, ds);
  double inv = potcheck_invariance(p, s, 5);
  CHECK(inv < 1e-10, "%s: invariances %g eV/atom", what, inv);
  nacre_structure_free(s);
  nacre_potential_free(p);
}

static void switch_shape(void) {
  const double rin = 1.5, rout = 2.4, h = 1e-7;
  double d0, d1, dm, dp;
  double v0 = nacre_zbl_pair(11, 11, rin - h, rin, rout, &d0);
  double v1 = nacre_zbl_pair(11, 11, rin + h, rin, rout, &d1);
  CHECK_CLOSE(v0, v1, 1e-5, "V continuous at r_inner (eV)");
  CHECK_CLOSE(d0, d1, 1e-4, "dV/dr continuous at r_inner (eV/A)");
  double vo = nacre_zbl_pair(11, 11, rout - 1e-4, rin, rout, &dm);
  double vz = nacre_zbl_pair(11, 11, rout, rin, rout, &dp);
  CHECK(fabs(vo) < 1e-9 && fabs(dm) < 1e-6 && vz == 0 && dp == 0,
        "V, dV/dr go to 0 at r_outer (%g eV, %g eV/A 1e-4 A before)", vo, dm);
  /* inside: pure ZBL, decreasing, repulsive */
  double a, b, da, db;
  a = nacre_zbl_pair(11, 11, 1.0, rin, rout, &da);
  b = nacre_zbl_pair(11, 11, 1.2, rin, rout, &db);
  CHECK(a > b && b > 0 && da < 0 && db < 0, "repulsive and decreasing");
  double dfd = (nacre_zbl_pair(11, 11, 1.9 + h, rin, rout, &da) -
                nacre_zbl_pair(11, 11, 1.9 - h, rin, rout, &db)) /
               (2 * h);
  nacre_zbl_pair(11, 11, 1.9, rin, rout, &da);
  CHECK_CLOSE(da, dfd, 1e-6 * fabs(da) + 1e-9, "dV/dr in the switch (eV/A)");
  nacre_error err;
  nacre_potential *p = NULL;
  CHECK(nacre_potential_load("zbl:r_inner=2,r_outer=1", &p, &err) ==
                NACRE_ERR_INVALID &&
            strstr(err.message, "r_inner"),
        "r_inner >= r_outer refused: %s", err.message);
  CHECK(nacre_potential_load("zbl:r_inner=1", &p, &err) == NACRE_ERR_INVALID &&
            strstr(err.message, "r_outer"),
        "missing r_outer named: %s", err.message);
}

static void sum_of_terms(const char *model) {
  nacre_error err;
  char spec[1200];
  snprintf(spec, sizeof spec, "%s+" SPEC, model);
  nacre_potential *sum = NULL, *a = NULL, *b = NULL;
  CHECK_OK(nacre_potential_load(spec, &sum, &err), &err);
  CHECK_OK(nacre_potential_load(model, &a, &err), &err);
  CHECK_OK(nacre_potential_load(SPEC, &b, &err), &err);
  if (!sum || !a || !b) return;
  CHECK(!strcmp(nacre_potential_kind(sum), "sum") &&
            nacre_sum_term(sum, 1) != NULL,
        "MODEL+zbl:... is a sum");
  nacre_structure *s = compressed();
  int n = s->natoms;
  nacre_result r[3];
  nacre_potential *p[3] = {sum, a, b};
  for (int q = 0; q < 3; q++) {
    nacre_result_init(&r[q], n, &err);
    nacre_calc *c = nacre_calc_new(p[q], -1, &err);
    CHECK_OK(nacre_calc_compute(c, s, NACRE_WANT_ALL | NACRE_WANT_ATOM_ENERGIES,
                                &r[q], &err),
             &err);
    nacre_calc_free(c);
  }
  CHECK_CLOSE(r[0].energy, r[1].energy + r[2].energy, 1e-9, "E = E_nn + E_zbl");
  for (int k = 0; k < 3 * n; k++)
    CHECK_CLOSE(r[0].forces[k], r[1].forces[k] + r[2].forces[k], 1e-9,
                "F = F_nn + F_zbl");
  for (int v = 0; v < 6; v++)
    CHECK_CLOSE(r[0].stress[v], r[1].stress[v] + r[2].stress[v], 1e-12,
                "stress adds");
  CHECK(r[0].domain.known == r[1].domain.known,
        "the network's domain report stays");
  CHECK(r[2].energy > 1.0, "the baseline acts on this cell (%g eV)",
        r[2].energy);
  for (int q = 0; q < 3; q++) nacre_result_free(&r[q]);
  nacre_structure_free(s);
  nacre_potential_free(sum);
  nacre_potential_free(a);
  nacre_potential_free(b);
}

int main(void) {
  switch_shape();
  finite_differences(SPEC, "zbl");
  against_lammps();
  const char *model = test_shared_path("maise/models/nn_Na_d3_v0");
  if (model) {
    char m[1024];
    snprintf(m, sizeof m, "%s", model);
    char spec[1200];
    snprintf(spec, sizeof spec, "%s+" SPEC, m);
    finite_differences(spec, "nn_Na_d3_v0+zbl");
    sum_of_terms(m);
  } else {
    printf("note: ../shared/data/maise absent: the network+baseline checks "
           "use lj\n");
    finite_differences("lj:epsilon=0.01,sigma=3,cutoff=6+" SPEC, "lj+zbl");
  }
  TEST_DONE();
}
