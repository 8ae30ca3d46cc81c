// labels: nosan
/* test_compressibility.c — volume fluctuations of the isothermal–isobaric
 * ensemble give the isothermal compressibility, β_T = ⟨δV²⟩ / (k_B T ⟨V⟩):
 * 108-atom fcc Cu with Cu_u3.eam at 300 K and 0 GPa under stochastic cell
 * rescaling. Reference: the finite difference of two relaxations (nacre
 * relax, atoms and cell) at ∓0.5 GPa, β = −ΔV / (V ΔP). The two agree within
 * 4 standard errors of the fluctuation estimate and within 10 % (the 0 K
 * relaxations miss the thermal softening of a few per cent); the estimate
 * must be known to 8 % or better. test_compressibility_slow runs four times
 * longer. Skips without Cu_u3.eam. Label nosan: a long statistical
 * run; md.unit and md.restart take the same code through the sanitizers. */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>

#include "mdtest.h"
#include "nacre/md.h"
#include "nacre/opt.h"
#include "testing.h"

#ifndef BETA_STEPS
#define BETA_STEPS 100000L
#endif
#define BETA_EQUIL 5000L

static int observe(void *user, const nacre_md *md, const nacre_md_thermo *th) {
  (void)md;
  if (th->step > BETA_EQUIL) mdtest_series_add(user, th->volume_a3);
  return 0;
}

static double relaxed_volume(nacre_calc *calc, double p_gpa) {
  nacre_error err;
  nacre_structure *s = mdtest_cu_fcc(3, 3.615);
  nacre_relax_options o;
  nacre_relax_options_init(&o);
  o.pressure_gpa = p_gpa;
  o.fmax = 1e-5;
  o.smax_gpa = 1e-5;
  nacre_relax_result r;
  CHECK_OK(nacre_relax(calc, s, &o, NULL, &r, &err), &err);
  CHECK(r.outcome == NACRE_RELAX_CONVERGED, "relaxation at %g GPa: %s", p_gpa,
        r.message);
  double v = nacre_structure_volume(s);
  nacre_structure_free(s);
  return v;
}

int main(void) {
  omp_set_num_threads(1);
  const char *path = mdtest_cu_u3();
  if (!path) TEST_SKIP("Cu_u3.eam (Debian lammps-data) not installed");
  nacre_error err;
  nacre_potential *pot = NULL;
  CHECK_OK(nacre_potential_load(path, &pot, &err), &err);
  nacre_calc *calc = nacre_calc_new(pot, 1.0, &err);
  double vm = relaxed_volume(calc, -0.5), v0 = relaxed_volume(calc, 0.0),
         vp = relaxed_volume(calc, 0.5);
  double beta_fd = -(vp - vm) / (1.0 * v0);

  nacre_structure *s = mdtest_cu_fcc(3, 3.615);
  nacre_md_options o;
  nacre_md_options_init(&o);
  o.temperature_k = 300.0;
  o.thermostat = NACRE_MD_BUSSI;
  o.barostat = NACRE_MD_CRESCALE_ISO;
  o.barostat_tau_fs = 200.0;
  o.compressibility_per_gpa = 0.007;
  o.thermo_every = 5;
  o.seed = 5;
  mdtest_series vol = {0};
  o.observer = observe;
  o.observer_user = &vol;
  nacre_md *md = NULL;
  CHECK_OK(nacre_md_new(calc, s, NULL, NULL, &o, &md, &err), &err);
  nacre_md_outcome out;
  if (md) CHECK_OK(nacre_md_run(md, BETA_EQUIL + BETA_STEPS, NULL, &out, &err), &err);
  double mean, se, var, var_se;
  mdtest_blocked_mean(vol.x, vol.n, &mean, &se);
  double *sq = malloc((size_t)vol.n * sizeof(double));
  for (long k = 0; k < vol.n; k++) sq[k] = (vol.x[k] - mean) * (vol.x[k] - mean);
  mdtest_blocked_mean(sq, vol.n, &var, &var_se);
  double kt = NACRE_BOLTZMANN_EV_K * 300.0;
  /* Å^3/eV → 1/GPa */
  double beta_md = var / (kt * mean) / NACRE_EV_A3_TO_GPA;
  double beta_se = beta_md * var_se / var;
  printf("β_T: fluctuations %.5f ± %.5f 1/GPa (B = %.1f GPa), relaxations "
         "%.5f 1/GPa (B = %.1f GPa); ratio %.3f\n",
         beta_md, beta_se, 1.0 / beta_md, beta_fd, 1.0 / beta_fd,
         beta_md / beta_fd);
  CHECK(beta_se < 0.08 * beta_md, "β_T known only to %.1f %%",
        100.0 * beta_se / beta_md);
  CHECK(fabs(beta_md - beta_fd) <= 4.0 * beta_se,
        "β_T %.5f ± %.5f vs %.5f 1/GPa", beta_md, beta_se, beta_fd);
  CHECK(fabs(beta_md / beta_fd - 1.0) <= 0.10, "β_T %.5f vs %.5f 1/GPa (%+.1f %%)",
        beta_md, beta_fd, 100.0 * (beta_md / beta_fd - 1.0));
  free(sq);
  mdtest_series_free(&vol);
  nacre_md_free(md);
  nacre_structure_free(s);
  nacre_calc_free(calc);
  nacre_potential_free(pot);
  TEST_DONE();
}
