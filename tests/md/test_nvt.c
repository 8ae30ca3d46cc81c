// labels: nosan
/* test_nvt.c — the thermostats sample the canonical ensemble, not only hold
 * the mean: for N_f degrees of freedom the kinetic energy of the canonical
 * ensemble is Gamma-distributed, so the instantaneous temperature has mean
 * T0 and variance 2 T0² / N_f. For 32-atom fcc Cu (Cu_u3.eam; a
 * Lennard-Jones solid without it) at 300 K with the Bussi, Langevin (BAOAB)
 * and Nosé–Hoover chain thermostats, both moments agree with these values
 * within 4 standard errors (blocking over the run; the standard error of the
 * variance must also be below 8 % of it, so that the check has teeth;
 * Nosé–Hoover runs three times longer, its kinetic energy decorrelating
 * more slowly).
 * N_f = 3N − 3 (momentum conserved) for Bussi and Nosé–Hoover, 3N for
 * Langevin. The conserved quantities (effective energies) drift by less
 * than 2e-5 eV/atom/ps. test_nvt_slow runs ten times longer. Label nosan: a long statistical
 * run; md.unit and md.restart take the same code through the sanitizers. */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>

#include "mdtest.h"
#include "nacre/md.h"
#include "testing.h"

#ifndef NVT_STEPS
#define NVT_STEPS 40000L
#endif
#define NVT_EVERY 4

typedef struct {
  mdtest_series t;
} collected;

static int observe(void *user, const nacre_md *md, const nacre_md_thermo *th) {
  (void)md;
  collected *c = user;
  if (th->step >= 2000) mdtest_series_add(&c->t, th->temperature_k);
  return 0;
}

static void check_thermostat(nacre_calc *calc, const nacre_structure *s,
                             nacre_md_thermostat which, double tau, long steps) {
  const double t0 = 300.0;
  nacre_error err;
  nacre_md_options o;
  nacre_md_options_init(&o);
  o.temperature_k = t0;
  o.thermostat = which;
  o.thermostat_tau_fs = tau;
  o.thermo_every = NVT_EVERY;
  o.seed = 11 + which;
  collected c = {{0}};
  o.observer = observe;
  o.observer_user = &c;
  nacre_md *md = NULL;
  CHECK_OK(nacre_md_new(calc, s, NULL, NULL, &o, &md, &err), &err);
  if (!md) return;
  nacre_md_outcome out;
  CHECK_OK(nacre_md_run(md, steps, NULL, &out, &err), &err);
  int nf = nacre_md_degrees_of_freedom(md);
  int want_nf = 3 * s->natoms - (which == NACRE_MD_LANGEVIN ? 0 : 3);
  CHECK(nf == want_nf, "%s: %d degrees of freedom, expected %d",
        nacre_md_thermostat_name(which), nf, want_nf);
  double mean, se, vmean, vse;
  mdtest_blocked_mean(c.t.x, c.t.n, &mean, &se);
  double *sq = malloc((size_t)c.t.n * sizeof(double));
  for (long k = 0; k < c.t.n; k++) sq[k] = (c.t.x[k] - t0) * (c.t.x[k] - t0);
  mdtest_blocked_mean(sq, c.t.n, &vmean, &vse);
  double want_var = 2.0 * t0 * t0 / nf;
  nacre_md_summary sum;
  nacre_md_get_summary(md, &sum);
  printf("%-12s <T> = %.2f ± %.2f K (300); Var T = %.1f ± %.1f K² (canonical "
         "%.1f, ratio %.4f); drift %.2e eV/atom/ps\n",
         nacre_md_thermostat_name(which), mean, se, vmean, vse, want_var,
         vmean / want_var, sum.drift_ev_atom_ps);
  CHECK(fabs(mean - t0) <= 4.0 * se, "%s: <T> = %.3f ± %.3f K, expected %g",
        nacre_md_thermostat_name(which), mean, se, t0);
  CHECK(fabs(vmean - want_var) <= 4.0 * vse,
        "%s: Var T = %.2f ± %.2f K², canonical %.2f",
        nacre_md_thermostat_name(which), vmean, vse, want_var);
  CHECK(vse < 0.08 * want_var, "%s: the variance is known only to %.1f %%",
        nacre_md_thermostat_name(which), 100.0 * vse / want_var);
  CHECK(fabs(sum.drift_ev_atom_ps) < 2e-5, "%s: effective-energy drift %g",
        nacre_md_thermostat_name(which), sum.drift_ev_atom_ps);
  free(sq);
  mdtest_series_free(&c.t);
  nacre_md_free(md);
}

int main(void) {
  omp_set_num_threads(1);
  nacre_error err;
  nacre_potential *pot = NULL;
  const char *path = mdtest_cu_u3();
  if (path) {
    CHECK_OK(nacre_potential_load(path, &pot, &err), &err);
  } else {
    printf("Cu_u3.eam absent: Lennard-Jones copper-like solid instead\n");
    CHECK_OK(nacre_lj_new(0.415, 2.277, 5.5, 1, &pot, &err), &err);
  }
  nacre_structure *s = mdtest_cu_fcc(2, 3.615);
  nacre_calc *calc = nacre_calc_new(pot, 1.0, &err);
  check_thermostat(calc, s, NACRE_MD_BUSSI, 20.0, NVT_STEPS);
  check_thermostat(calc, s, NACRE_MD_LANGEVIN, 50.0, NVT_STEPS);
  /* the chain's kinetic energy decorrelates more slowly */
  check_thermostat(calc, s, NACRE_MD_NOSE_HOOVER, 50.0, 3 * NVT_STEPS);
  nacre_calc_free(calc);
  nacre_structure_free(s);
  nacre_potential_free(pot);
  TEST_DONE();
}
