/* test_nve_lammps.c — velocity Verlet against LAMMPS' fix nve: 256-atom fcc
 * Cu with Debian's Cu_u3.eam, the same starting velocities (Maxwell–
 * Boltzmann at 600 K drawn by nacre, handed to LAMMPS in its data file) and
 * masses (63.546 amu), 200 steps of 1 fs. Final positions agree within
 * 1e-6 Å and potential, kinetic and total energies at every 20th step
 * within 1e-8 eV/atom. LAMMPS' metal units (ftm2v = 1/1.0364269e-4, mvv2e =
 * 1.0364269e-4) differ from CODATA 2018 by 8e-8 relative; over 200 steps
 * that moves atoms by ~1e-8 Å and kinetic energies by ~3e-9 eV/atom, so the
 * tolerances hold what is left: the integrators must be the same. Skips
 * when LAMMPS or Cu_u3.eam is absent. */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mdtest.h"
#include "nacre/md.h"
#include "testing.h"


typedef struct {
  double pe[16], ke[16];
  int n;
} energies;

static int observe(void *user, const nacre_md *md, const nacre_md_thermo *th) {
  (void)md;
  energies *e = user;
  if (e->n < 16) {
    e->pe[e->n] = th->potential_energy_ev;
    e->ke[e->n] = th->kinetic_energy_ev;
    e->n++;
  }
  return 0;
}

int main(void) {
  omp_set_num_threads(1); /* 256 atoms: threads would only wait */
  const char *pot_path = mdtest_cu_u3();
  if (!pot_path) TEST_SKIP("Cu_u3.eam (Debian lammps-data) not installed");
  if (!mdtest_have_lammps()) TEST_SKIP("LAMMPS (lmp) not installed");
  nacre_error err;
  nacre_potential *pot = NULL;
  CHECK_OK(nacre_potential_load(pot_path, &pot, &err), &err);
  nacre_structure *s = mdtest_cu_fcc(4, 3.615);
  int n = s->natoms;
  nacre_calc *calc = nacre_calc_new(pot, 1.0, &err);
  nacre_md_options o;
  nacre_md_options_init(&o);
  o.temperature_k = 600.0;
  o.timestep_fs = 1.0;
  o.thermo_every = 20;
  o.seed = 7;
  energies e = {{0}, {0}, 0};
  o.observer = observe;
  o.observer_user = &e;
  nacre_md *md = NULL;
  CHECK_OK(nacre_md_new(calc, s, NULL, NULL, &o, &md, &err), &err);
  if (!md) TEST_DONE();
  double *v0 = malloc(3 * (size_t)n * sizeof(double));
  memcpy(v0, nacre_md_velocities(md), 3 * (size_t)n * sizeof(double));
  nacre_md_outcome outcome;
  CHECK_OK(nacre_md_run(md, 200, NULL, &outcome, &err), &err);
  CHECK(outcome == NACRE_MD_COMPLETED, "outcome %s", nacre_md_outcome_name(outcome));

  const char *dir = mdtest_tmpdir();
  char script[2048];
  snprintf(script, sizeof script,
           "units metal\natom_style atomic\nboundary p p p\n"
           "read_data data.lmp\n"
           "pair_style eam\npair_coeff 1 1 %s\n"
           "mass 1 63.546\n" /* after pair_coeff: funcfl sets 63.55 */
           "neighbor 1.0 bin\nneigh_modify every 1 delay 0 check yes\n"
           "timestep 0.001\n"
           "thermo_style custom step pe ke etotal\n"
           "thermo_modify format float %%.17g norm no\nthermo 20\n"
           "fix 1 all nve\nrun 200\n"
           "write_dump all custom final.dump id xu yu zu modify sort id "
           "format float %%.17g\n",
           pot_path);
  double R[3][3];
  int rows = 0, cols = 0;
  double *th = NULL;
  if (mdtest_lammps_run(dir, s, v0, script, R) == 0) {
    char path[512];
    snprintf(path, sizeof path, "%s/log.lammps", dir);
    th = mdtest_lammps_thermo(path, &rows, &cols);
    double *x = malloc(3 * (size_t)n * sizeof(double));
    snprintf(path, sizeof path, "%s/final.dump", dir);
    CHECK(mdtest_read_dump(path, n, 3, x) == 0, "reading %s", path);
    const nacre_structure *fin = nacre_md_structure(md);
    double dmax = 0.0;
    for (int i = 0; i < n; i++) {
      /* LAMMPS frame back to nacre's: x = x' Rᵀ; positions may differ by
       * the box origin the data file used, a lattice vector */
      double d[3];
      for (int k = 0; k < 3; k++)
        d[k] = x[3 * i] * R[k][0] + x[3 * i + 1] * R[k][1] +
               x[3 * i + 2] * R[k][2] - fin->positions[3 * i + k];
      int pbc[3] = {1, 1, 1};
      nacre_cell_minimum_image(fin->cell, pbc, d);
      for (int k = 0; k < 3; k++) dmax = fmax(dmax, fabs(d[k]));
    }
    printf("final positions: max |x_nacre − x_lammps| = %.3e Å\n", dmax);
    CHECK(dmax <= 1e-6, "positions differ by %g Å after 200 steps", dmax);
    free(x);
  } else {
    CHECK(0, "LAMMPS run failed");
  }
  CHECK(rows == 11 && cols == 4 && e.n == 11,
        "thermo rows: LAMMPS %d×%d, nacre %d", rows, cols, e.n);
  double de = 0.0;
  for (int k = 0; th && k < rows && k < e.n; k++) {
    double dp = fabs(th[4 * k + 1] - e.pe[k]) / n;
    double dk = fabs(th[4 * k + 2] - e.ke[k]) / n;
    double dt = fabs(th[4 * k + 3] - e.pe[k] - e.ke[k]) / n;
    de = fmax(de, fmax(dp, fmax(dk, dt)));
    if (getenv("NACRE_VERBOSE"))
      printf("  step %4.0f dE_pot %.3e dE_kin %.3e dE_tot %.3e\n", th[4 * k], dp, dk, dt);
    if (k == rows - 1)
      printf("step %.0f: E_pot %.10f / %.10f, E_kin %.10f / %.10f eV/atom "
             "(nacre / LAMMPS)\n",
             th[4 * k], e.pe[k] / n, th[4 * k + 1] / n, e.ke[k] / n,
             th[4 * k + 2] / n);
  }
  printf("energies: max difference %.3e eV/atom over %d thermo steps\n", de, rows);
  CHECK(de <= 1e-8, "energies differ by %g eV/atom", de);
  free(th);
  mdtest_cleanup(dir);
  free(v0);
  nacre_md_free(md);
  nacre_calc_free(calc);
  nacre_structure_free(s);
  nacre_potential_free(pot);
  TEST_DONE();
}
