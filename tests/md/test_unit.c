/* test_unit.c — the pieces of src/md, quickly (also under the sanitizers):
 *  - the λ-mixed springs: energy (1 − λ) U + λ Σ ½ k |x − x0|² exactly and
 *    forces = −∂U_λ/∂x by central differences (h = 1e-5 Å; the truncation
 *    error of a Lennard-Jones solid is ~1e-8 eV/Å, tolerance 1e-6);
 *  - an Einstein crystal (λ = 1, k = 2 eV/Å², 32 atoms, centre of mass
 *    fixed) under Langevin dynamics: ⟨U_springs⟩ = (3N − 3) k_B T / 2 within
 *    4 standard errors, and the centre of mass stays put to 1e-9 Å;
 *  - fixed atoms do not move and leave the degrees of freedom;
 *  - a state written and read back continues bit for bit (NPT, isotropic
 *    barostat, Bussi thermostat);
 *  - Gamma variates (the Bussi thermostat's sum of squares) have the mean
 *    and variance of Γ(a, 1) within 4 standard errors for a = 0.5, 3, 500;
 *  - the blocking estimate of the standard error of the mean of an AR(1)
 *    series (ρ = 0.9, 2^17 samples) is within 15 % of the exact
 *    σ √((1 + ρ)/((1 − ρ) N)). */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "md/md_internal.h"
#include "mdtest.h"
#include "testing.h"

static nacre_potential *lj_copper(void) {
  nacre_error err;
  nacre_potential *p = NULL;
  CHECK_OK(nacre_lj_new(0.415, 2.277, 5.5, 1, &p, &err), &err);
  return p;
}

static void springs_derivatives(nacre_calc *calc) {
  nacre_error err;
  nacre_structure *s = mdtest_cu_fcc(2, 3.615);
  int n = s->natoms;
  double *sites = malloc(3 * (size_t)n * sizeof(double)), *k = malloc((size_t)n * sizeof(double));
  memcpy(sites, s->positions, 3 * (size_t)n * sizeof(double));
  for (int i = 0; i < n; i++) k[i] = 0.5 + 0.1 * (i % 5);
  nacre_rng rng;
  nacre_rng_init(&rng, 3, 0);
  for (int i = 0; i < 3 * n; i++) s->positions[i] += 0.08 * nacre_rng_normal(&rng);
  nacre_md_springs sp = {n, sites, k, 0.3, 0, 0};
  nacre_result r, plain;
  nacre_result_init(&r, n, &err);
  nacre_result_init(&plain, n, &err);
  CHECK_OK(nacre_calc_compute(calc, s, NACRE_WANT_ALL, &plain, &err), &err);
  CHECK_OK(nacre_calc_compute(calc, s, NACRE_WANT_ALL, &r, &err), &err);
  CHECK_OK(nacre_md_springs_apply(&sp, s, NACRE_WANT_ALL, &r, &err), &err);
  double esp = 0.0;
  for (int i = 0; i < n; i++)
    for (int c = 0; c < 3; c++) {
      double d = s->positions[3 * i + c] - sites[3 * i + c];
      esp += 0.5 * k[i] * d * d;
    }
  CHECK_CLOSE(r.energy, 0.7 * plain.energy + 0.3 * esp, 1e-12, "U_λ = (1−λ)U + λ U_springs");
  CHECK_CLOSE(sp.springs_ev, esp, 1e-12, "springs energy reported");
  double worst = 0.0;
  const double h = 1e-5;
  for (int i = 0; i < n; i += 5)
    for (int c = 0; c < 3; c++) {
      double e[2];
      for (int sgn = 0; sgn < 2; sgn++) {
        double x0 = s->positions[3 * i + c];
        s->positions[3 * i + c] = x0 + (sgn ? -h : h);
        nacre_result t;
        nacre_result_init(&t, n, &err);
        nacre_calc_compute(calc, s, NACRE_WANT_ENERGY, &t, &err);
        nacre_md_springs_apply(&sp, s, NACRE_WANT_ENERGY, &t, &err);
        e[sgn] = t.energy;
        nacre_result_free(&t);
        s->positions[3 * i + c] = x0;
      }
      double fd = -(e[0] - e[1]) / (2 * h);
      worst = fmax(worst, fabs(fd - r.forces[3 * i + c]));
    }
  printf("springs: |F − (−dU_λ/dx)| ≤ %.2e eV/Å\n", worst);
  CHECK(worst < 1e-6, "spring forces vs finite differences: %g eV/Å", worst);
  nacre_result_free(&r);
  nacre_result_free(&plain);
  free(sites);
  free(k);
  nacre_structure_free(s);
}

typedef struct {
  nacre_md_springs *sp;
  double sum, sum2, com0[3], com_dev;
  mdtest_series u;
  int have_com0;
} einstein_obs;

static int einstein_observe(void *user, const nacre_md *md, const nacre_md_thermo *th) {
  einstein_obs *o = user;
  const nacre_structure *s = nacre_md_structure(md);
  const double *m = nacre_md_masses(md);
  double com[3] = {0, 0, 0}, mt = 0.0;
  for (int i = 0; i < s->natoms; i++) {
    for (int c = 0; c < 3; c++) com[c] += m[i] * s->positions[3 * i + c];
    mt += m[i];
  }
  for (int c = 0; c < 3; c++) com[c] /= mt;
  if (!o->have_com0) {
    memcpy(o->com0, com, sizeof com);
    o->have_com0 = 1;
  }
  for (int c = 0; c < 3; c++) o->com_dev = fmax(o->com_dev, fabs(com[c] - o->com0[c]));
  if (th->step >= 1000) mdtest_series_add(&o->u, o->sp->springs_ev);
  return 0;
}

static void einstein_crystal(nacre_calc *calc) {
  nacre_error err;
  nacre_structure *s = mdtest_cu_fcc(2, 3.615);
  int n = s->natoms;
  double *sites = malloc(3 * (size_t)n * sizeof(double)), *k = malloc((size_t)n * sizeof(double));
  memcpy(sites, s->positions, 3 * (size_t)n * sizeof(double));
  for (int i = 0; i < n; i++) k[i] = 2.0;
  nacre_md_springs sp = {n, sites, k, 1.0, 0, 0};
  nacre_md_options o;
  nacre_md_options_init(&o);
  o.temperature_k = 300.0;
  o.thermostat = NACRE_MD_LANGEVIN;
  o.thermostat_tau_fs = 50.0;
  o.fix_com = 1;
  o.extra = nacre_md_springs_apply;
  o.extra_user = &sp;
  einstein_obs obs;
  memset(&obs, 0, sizeof obs);
  obs.sp = &sp;
  o.observer = einstein_observe;
  o.observer_user = &obs;
  o.thermo_every = 2;
  nacre_md *md = NULL;
  CHECK_OK(nacre_md_new(calc, s, NULL, NULL, &o, &md, &err), &err);
  nacre_md_outcome out;
  if (md) CHECK_OK(nacre_md_run(md, 30000, NULL, &out, &err), &err);
  double mean, se;
  mdtest_blocked_mean(obs.u.x, obs.u.n, &mean, &se);
  double want = 0.5 * (3 * n - 3) * NACRE_BOLTZMANN_EV_K * 300.0;
  printf("Einstein crystal: <U_springs> = %.5f ± %.5f eV (exact %.5f); centre of "
         "mass moved %.1e Å; %d degrees of freedom\n",
         mean, se, want, obs.com_dev, md ? nacre_md_degrees_of_freedom(md) : 0);
  CHECK(fabs(mean - want) <= 4 * se && se < 0.03 * want,
        "<U_springs> = %.5f ± %.5f, expected %.5f", mean, se, want);
  CHECK(obs.com_dev < 1e-9, "centre of mass moved by %g Å", obs.com_dev);
  CHECK(md && nacre_md_degrees_of_freedom(md) == 3 * n - 3, "N_f = 3N − 3 with a fixed centre");
  mdtest_series_free(&obs.u);
  nacre_md_free(md);
  free(sites);
  free(k);
  nacre_structure_free(s);
}

static void fixed_atoms(nacre_calc *calc) {
  nacre_error err;
  nacre_structure *s = mdtest_cu_fcc(2, 3.615);
  nacre_structure_alloc_fixed(s, &err);
  for (int c = 0; c < 3; c++) s->fixed[c] = 1; /* atom 1 */
  s->fixed[3 * 5 + 2] = 1;                     /* z of atom 6 */
  nacre_md_options o;
  nacre_md_options_init(&o);
  o.thermostat = NACRE_MD_BUSSI;
  nacre_md *md = NULL;
  CHECK_OK(nacre_md_new(calc, s, NULL, NULL, &o, &md, &err), &err);
  nacre_md_outcome out;
  if (md) CHECK_OK(nacre_md_run(md, 500, NULL, &out, &err), &err);
  const nacre_structure *f = md ? nacre_md_structure(md) : s;
  double moved = 0.0, other = 0.0;
  for (int c = 0; c < 3; c++) moved = fmax(moved, fabs(f->positions[c] - s->positions[c]));
  moved = fmax(moved, fabs(f->positions[17] - s->positions[17]));
  other = fabs(f->positions[15] - s->positions[15]) + fabs(f->positions[16] - s->positions[16]);
  CHECK(moved == 0.0, "fixed coordinates moved by %g Å", moved);
  CHECK(other > 1e-3, "the free coordinates of a partly fixed atom move");
  CHECK(md && nacre_md_degrees_of_freedom(md) == 3 * s->natoms - 4,
        "N_f = 3N − 4 with 4 fixed coordinates (momentum not conserved)");
  nacre_md_free(md);
  nacre_structure_free(s);
}

static void state_round_trip(nacre_calc *calc) {
  nacre_error err;
  nacre_structure *s = mdtest_cu_fcc(2, 3.615);
  nacre_md_options o;
  nacre_md_options_init(&o);
  o.thermostat = NACRE_MD_BUSSI;
  o.barostat = NACRE_MD_CRESCALE_ISO;
  o.pressure_gpa = 2.0;
  o.barostat_tau_fs = 200.0;
  o.checkpoint_every = 100;
  nacre_md *a = NULL, *b = NULL;
  nacre_md_outcome out;
  CHECK_OK(nacre_md_new(calc, s, NULL, NULL, &o, &a, &err), &err);
  CHECK_OK(nacre_md_run(a, 200, NULL, &out, &err), &err);
  FILE *f = tmpfile();
  CHECK_OK(nacre_md_state_write(a, f, &err), &err);
  rewind(f);
  CHECK_OK(nacre_md_run(a, 150, NULL, &out, &err), &err);
  o.seed = 99; /* another seed is refused */
  CHECK_OK(nacre_md_new(calc, s, NULL, NULL, &o, &b, &err), &err);
  CHECK(nacre_md_state_read(b, f, "tmp", &err) == NACRE_ERR_INVALID &&
            strstr(err.message, "seed"),
        "a state of another seed is refused naming it: %s", err.message);
  nacre_md_free(b);
  o.seed = 1;
  rewind(f);
  CHECK_OK(nacre_md_new(calc, s, NULL, NULL, &o, &b, &err), &err);
  CHECK_OK(nacre_md_state_read(b, f, "tmp", &err), &err);
  CHECK(nacre_md_step(b) == 200, "resumed at step %ld", nacre_md_step(b));
  CHECK_OK(nacre_md_run(b, 150, NULL, &out, &err), &err);
  size_t n3 = 3 * (size_t)s->natoms;
  int same = !memcmp(nacre_md_structure(a)->positions, nacre_md_structure(b)->positions,
                     n3 * sizeof(double)) &&
             !memcmp(nacre_md_velocities(a), nacre_md_velocities(b), n3 * sizeof(double)) &&
             !memcmp(nacre_md_structure(a)->cell, nacre_md_structure(b)->cell, 9 * sizeof(double));
  CHECK(same, "a state read back continues bit for bit");
  nacre_md_thermo ta, tb;
  nacre_md_get_thermo(a, &ta);
  nacre_md_get_thermo(b, &tb);
  CHECK(ta.conserved_ev == tb.conserved_ev, "the same conserved energy");
  fclose(f);
  nacre_md_free(a);
  nacre_md_free(b);
  nacre_structure_free(s);
}

static void gamma_moments(void) {
  nacre_rng rng;
  nacre_rng_init(&rng, 17, 0);
  const double shapes[3] = {0.5, 3.0, 500.0};
  const int n = 100000;
  for (int k = 0; k < 3; k++) {
    double a = shapes[k], s = 0.0, s2 = 0.0;
    for (int i = 0; i < n; i++) {
      double x = md_gamma(&rng, a);
      s += x;
      s2 += x * x;
    }
    double mean = s / n, var = s2 / n - mean * mean;
    /* Γ(a): mean a, variance a; sd of the variance estimate √((κ4+2)/n)·a
     * with excess kurtosis κ4 = 6/a */
    CHECK(fabs(mean - a) <= 4.0 * sqrt(a / n), "Γ(%g): mean %.5f", a, mean);
    CHECK(fabs(var - a) <= 4.0 * a * sqrt((6.0 / a + 2.0) / n), "Γ(%g): variance %.5f", a, var);
  }
}

static void blocking_ar1(void) {
  nacre_rng rng;
  nacre_rng_init(&rng, 23, 0);
  const double rho = 0.9;
  const long n = 1L << 17;
  md_blocking b;
  memset(&b, 0, sizeof b);
  double x = 0.0;
  for (long i = 0; i < n; i++) {
    x = rho * x + sqrt(1 - rho * rho) * nacre_rng_normal(&rng); /* σ = 1 */
    md_blocking_add(&b, x);
  }
  nacre_md_estimate e;
  md_blocking_estimate(&b, &e);
  double exact = sqrt((1 + rho) / ((1 - rho) * n));
  printf("blocking: standard error %.5f, exact %.5f\n", e.stderr_mean, exact);
  CHECK(fabs(e.stderr_mean / exact - 1.0) < 0.15, "blocking SE %.5f vs %.5f",
        e.stderr_mean, exact);
  CHECK(e.samples == n, "samples %ld", e.samples);
}

int main(void) {
  omp_set_num_threads(1);
  nacre_error err;
  nacre_potential *lj = lj_copper();
  nacre_calc *calc = nacre_calc_new(lj, 1.0, &err);
  springs_derivatives(calc);
  einstein_crystal(calc);
  fixed_atoms(calc);
  state_round_trip(calc);
  gamma_moments();
  blocking_ar1();
  nacre_calc_free(calc);
  nacre_potential_free(lj);
  TEST_DONE();
}
