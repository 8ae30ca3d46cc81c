// labels: nosan
/* test_npt_aniso.c — the anisotropic barostat reaches a full target stress:
 * 108-atom fcc Cu (Cu_u3.eam; a Lennard-Jones solid without it) at 300 K
 * under a uniaxial stress of −1.5 GPa along x (compression; ASE sign; −3 GPa
 * already drives Cu_u3 along the Bain path towards bcc), zero elsewhere.
 * Every mean stress component equals its target within 5 standard errors
 * (from 8 batch means: the strain of a small cell relaxes over picoseconds)
 * and 0.25 GPa; the cell is shorter along x than along y and z (by the uniaxial
 * strain −σ/E ≈ 2 % expected for copper, at least 1 % here) and stays
 * orthogonal (the mean |angle − 90°| stays below 0.03 rad: thermal shear
 * fluctuations of a 108-atom cell are ~0.01 rad); the effective
 * energy, which includes the work of the deviatoric target stress, drifts
 * by less than 2e-5 eV/atom/ps. A hydrostatic check of the same code path:
 * the anisotropic barostat at 5 GPa gives a cubic cell. Label nosan: a long statistical
 * run; md.unit and md.restart take the same code through the sanitizers. */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mdtest.h"
#include "nacre/md.h"
#include "testing.h"

#ifndef ANISO_STEPS
#define ANISO_STEPS 40000L
#endif
#define ANISO_EQUIL 5000L

typedef struct {
  mdtest_series stress[6], len[3], angle;
} collected;

static int observe(void *user, const nacre_md *md, const nacre_md_thermo *th) {
  collected *c = user;
  if (th->step <= ANISO_EQUIL) return 0;
  for (int k = 0; k < 6; k++) mdtest_series_add(&c->stress[k], th->stress_gpa[k]);
  const nacre_structure *s = nacre_md_structure(md);
  double abc[3], ang[3];
  nacre_cell_lengths_angles(s->cell, abc, ang);
  for (int k = 0; k < 3; k++) mdtest_series_add(&c->len[k], abc[k]);
  double dev = 0.0;
  for (int k = 0; k < 3; k++) dev = fmax(dev, fabs(ang[k] - 90.0));
  mdtest_series_add(&c->angle, dev * NACRE_PI / 180.0);
  return 0;
}

static void run_case(nacre_calc *calc, const double target[6], uint64_t seed,
                     double *lengths) {
  nacre_error err;
  nacre_structure *s = mdtest_cu_fcc(3, 3.615);
  nacre_md_options o;
  nacre_md_options_init(&o);
  o.temperature_k = 300.0;
  o.thermostat = NACRE_MD_BUSSI;
  o.barostat = NACRE_MD_CRESCALE_ANISO;
  o.use_target_stress = 1;
  memcpy(o.target_stress_gpa, target, 6 * sizeof(double));
  o.barostat_tau_fs = 100.0;
  o.compressibility_per_gpa = 0.007;
  o.thermo_every = 5;
  o.seed = seed;
  collected c;
  memset(&c, 0, sizeof c);
  o.observer = observe;
  o.observer_user = &c;
  nacre_md *md = NULL;
  CHECK_OK(nacre_md_new(calc, s, NULL, NULL, &o, &md, &err), &err);
  nacre_md_outcome out;
  if (md) CHECK_OK(nacre_md_run(md, ANISO_EQUIL + ANISO_STEPS, NULL, &out, &err), &err);
  static const char *const names[6] = {"xx", "yy", "zz", "yz", "xz", "xy"};
  printf("target (%g, %g, %g, %g, %g, %g) GPa:\n", target[0], target[1],
         target[2], target[3], target[4], target[5]);
  for (int k = 0; k < 6; k++) {
    double m, se;
    mdtest_batch_mean(c.stress[k].x, c.stress[k].n, 8, &m, &se);
    printf("  <σ_%s> = %+.4f ± %.4f GPa\n", names[k], m, se);
    CHECK(fabs(m - target[k]) <= fmax(5.0 * se, 1e-3) && fabs(m - target[k]) <= 0.25,
          "σ_%s = %.4f ± %.4f GPa, target %g", names[k], m, se, target[k]);
  }
  for (int k = 0; k < 3; k++) {
    double se;
    mdtest_blocked_mean(c.len[k].x, c.len[k].n, &lengths[k], &se);
  }
  double ang, ang_se;
  mdtest_blocked_mean(c.angle.x, c.angle.n, &ang, &ang_se);
  nacre_md_summary sum;
  if (md) nacre_md_get_summary(md, &sum);
  printf("  cell lengths %.4f %.4f %.4f Å, mean |angle − 90°| %.2e rad, drift "
         "%.2e eV/atom/ps\n",
         lengths[0], lengths[1], lengths[2], ang, sum.drift_ev_atom_ps);
  CHECK(ang < 0.03, "cell angles off by %g rad on average", ang);
  CHECK(fabs(sum.drift_ev_atom_ps) < 2e-5, "drift %g eV/atom/ps", sum.drift_ev_atom_ps);
  for (int k = 0; k < 6; k++) mdtest_series_free(&c.stress[k]);
  for (int k = 0; k < 3; k++) mdtest_series_free(&c.len[k]);
  mdtest_series_free(&c.angle);
  nacre_md_free(md);
  nacre_structure_free(s);
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
  nacre_calc *calc = nacre_calc_new(pot, 1.0, &err);
  double l[3];
  const double uniaxial[6] = {-1.5, 0, 0, 0, 0, 0};
  run_case(calc, uniaxial, 9, l);
  double strain = l[0] / (0.5 * (l[1] + l[2])) - 1.0;
  printf("  uniaxial strain ε_xx − ε_yy = %.4f\n", strain);
  CHECK(strain < -0.01, "the cell is not compressed along x (%.4f)", strain);
  const double hydro[6] = {-5.0, -5.0, -5.0, 0, 0, 0};
  run_case(calc, hydro, 10, l);
  double spread = (fmax(l[0], fmax(l[1], l[2])) - fmin(l[0], fmin(l[1], l[2]))) / l[0];
  CHECK(spread < 2e-3, "hydrostatic: cell lengths spread by %.2e", spread);
  nacre_calc_free(calc);
  nacre_potential_free(pot);
  TEST_DONE();
}
