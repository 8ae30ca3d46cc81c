// labels: nosan
/* test_npt_lammps.c — the isothermal–isobaric ensemble: 256-atom fcc Cu with
 * Cu_u3.eam at 300 K and 0 and 10 GPa, nacre's stochastic cell rescaling
 * with the Bussi thermostat against LAMMPS' fix npt (Nosé–Hoover, MTK
 * barostat) on the same cell, 3 ps to equilibrate and 12 ps averaged. The
 * mean volumes agree within 0.3 % (nacre's mean is known to about 0.07 %,
 * LAMMPS' to 0.01 %: the volume fluctuates by 0.3 % and nacre's first-order
 * barostat decorrelates in ~0.5 ps), the mean pressure of nacre's run
 * equals the target within 4 standard errors, and nacre's effective energy
 * drifts by less than 2e-5 eV/atom/ps. Without LAMMPS only nacre's checks
 * run. test_npt_lammps_slow averages over 100 ps. Label nosan: a long
 * statistical run; md.unit and md.restart take the same code through the
 * sanitizers. */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>

#include "mdtest.h"
#include "nacre/md.h"
#include "testing.h"

#ifndef NPT_STEPS
#define NPT_STEPS 12000L /* production, after NPT_EQUIL */
#endif
#define NPT_EQUIL 3000L

static int observe(void *user, const nacre_md *md, const nacre_md_thermo *th) {
  (void)md;
  mdtest_series *v = user;
  if (th->step > NPT_EQUIL) mdtest_series_add(v, th->volume_a3);
  return 0;
}

/* LAMMPS' mean volume over the production part, Å^3; NAN on failure. */
static double lammps_volume(const nacre_structure *s, const char *pot,
                            double p_gpa, double *se) {
  const char *dir = mdtest_tmpdir();
  char script[2048];
  snprintf(script, sizeof script,
           "units metal\natom_style atomic\nboundary p p p\nread_data data.lmp\n"
           "pair_style eam\npair_coeff 1 1 %s\nmass 1 63.546\n"
           "neighbor 1.0 bin\nneigh_modify every 1 delay 0 check yes\n"
           "velocity all create 300 4928459 mom yes dist gaussian\n"
           "timestep 0.001\n"
           "fix 1 all npt temp 300 300 0.1 iso %.10g %.10g 0.5\n"
           "thermo_style custom step temp press vol\n"
           "thermo_modify format float %%.12g\nthermo 10\nrun %ld\n",
           pot, p_gpa * 1e4, p_gpa * 1e4, NPT_EQUIL + NPT_STEPS);
  double R[3][3];
  double mean = NAN;
  *se = NAN;
  if (mdtest_lammps_run(dir, s, NULL, script, R) == 0) {
    char path[512];
    snprintf(path, sizeof path, "%s/log.lammps", dir);
    int rows, cols;
    double *t = mdtest_lammps_thermo(path, &rows, &cols);
    mdtest_series v = {0};
    for (int k = 0; t && k < rows; k++)
      if (t[k * cols] > NPT_EQUIL) mdtest_series_add(&v, t[k * cols + 3]);
    if (v.n > 100) mdtest_blocked_mean(v.x, v.n, &mean, se);
    mdtest_series_free(&v);
    free(t);
  }
  mdtest_cleanup(dir);
  return mean;
}

static void check_pressure(const nacre_potential *pot, const char *pot_path,
                           int lammps, double p_gpa) {
  nacre_error err;
  nacre_structure *s = mdtest_cu_fcc(4, 3.615);
  nacre_calc *calc = nacre_calc_new(pot, 1.0, &err);
  nacre_md_options o;
  nacre_md_options_init(&o);
  o.temperature_k = 300.0;
  o.thermostat = NACRE_MD_BUSSI;
  o.thermostat_tau_fs = 100.0;
  o.barostat = NACRE_MD_CRESCALE_ISO;
  o.pressure_gpa = p_gpa;
  o.barostat_tau_fs = 500.0;
  o.thermo_every = 10;
  o.equilibration_steps = NPT_EQUIL;
  o.seed = 3;
  mdtest_series vol = {0};
  o.observer = observe;
  o.observer_user = &vol;
  nacre_md *md = NULL;
  CHECK_OK(nacre_md_new(calc, s, NULL, NULL, &o, &md, &err), &err);
  nacre_md_outcome out;
  if (md) CHECK_OK(nacre_md_run(md, NPT_EQUIL + NPT_STEPS, NULL, &out, &err), &err);
  nacre_md_summary sum;
  if (md) nacre_md_get_summary(md, &sum);
  double v, se;
  mdtest_blocked_mean(vol.x, vol.n, &v, &se);
  printf("%5.1f GPa: nacre <V> = %.3f ± %.3f Å^3 (%.5f Å^3/atom), <P> = %.4f ± "
         "%.4f GPa, drift %.2e eV/atom/ps\n",
         p_gpa, v, se, v / s->natoms, sum.pressure_gpa.mean,
         sum.pressure_gpa.stderr_mean, sum.drift_ev_atom_ps);
  CHECK(fabs(sum.pressure_gpa.mean - p_gpa) <= 4.0 * sum.pressure_gpa.stderr_mean,
        "%g GPa: <P> = %.4f ± %.4f GPa", p_gpa, sum.pressure_gpa.mean,
        sum.pressure_gpa.stderr_mean);
  CHECK(fabs(sum.drift_ev_atom_ps) < 2e-5, "%g GPa: drift %g eV/atom/ps", p_gpa,
        sum.drift_ev_atom_ps);
  CHECK(fabs(sum.volume_per_atom_a3.mean * s->natoms - v) < 1e-9 * v,
        "summary volume %.10g vs observed %.10g",
        sum.volume_per_atom_a3.mean * s->natoms, v);
  if (lammps) {
    double lse, lv = lammps_volume(s, pot_path, p_gpa, &lse);
    double rel = (v - lv) / lv;
    printf("%5.1f GPa: LAMMPS fix npt <V> = %.3f ± %.3f Å^3: nacre − LAMMPS = "
           "%+.3f %%\n",
           p_gpa, lv, lse, 100.0 * rel);
    CHECK(fabs(rel) <= 0.003, "%g GPa: mean volumes differ by %.3f %%", p_gpa,
          100.0 * rel);
  }
  mdtest_series_free(&vol);
  nacre_md_free(md);
  nacre_calc_free(calc);
  nacre_structure_free(s);
}

int main(void) {
  omp_set_num_threads(1);
  const char *path = mdtest_cu_u3();
  if (!path) TEST_SKIP("Cu_u3.eam (Debian lammps-data) not installed");
  int lammps = mdtest_have_lammps();
  if (!lammps) printf("LAMMPS (lmp) absent: nacre's checks only\n");
  nacre_error err;
  nacre_potential *pot = NULL;
  CHECK_OK(nacre_potential_load(path, &pot, &err), &err);
  check_pressure(pot, path, lammps, 0.0);
  check_pressure(pot, path, lammps, 10.0);
  nacre_potential_free(pot);
  TEST_DONE();
}
