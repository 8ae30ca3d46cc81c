// labels: nosan
/* test_md_msd.c — phonons and molecular dynamics agree on how far atoms
 * move: fcc Cu with Cu_u3.eam (a = 3.615 Å; a Lennard-Jones stand-in without
 * lammps-data), 108 atoms (3×3×3 conventional cells), NVT at 50 K.
 *
 * Harmonic prediction (classical, as MD samples it): for the force constants
 * of the same 108-atom supercell, the mean-square displacement of unit atom
 * p from its site is ⟨|u_p|²⟩ = (k_B T / N_q) Σ_q Σ_ν |e_pν(q)|² / (m_p ω²),
 * over the 27 wave vectors the supercell holds and every mode but the three
 * acoustic ones at Γ (the centre of mass is fixed in the run), from
 * nacre_phonon_at_q's eigenvectors.
 *
 * MD: Langevin (BAOAB) at 50 K with the centre of mass fixed, 1 fs, 8 ps
 * left out, then 100 ps sampled every 20 fs. Two measures: ⟨|r − R|²⟩ about
 * the lattice sites (blocking standard error), and the plateau of the
 * mean-square displacement MSD(τ) → 2⟨u²⟩ of nacre analyze's
 * multiple-origin estimator (nacre_msd_compute) at lags of 2–10 ps. Both
 * agree with the harmonic value within 2 % (anharmonic corrections at 50 K,
 * 4 % of the potential's melting point, are a fraction of that; the
 * standard error of the direct estimate must be below 0.7 %) and within 4
 * standard errors plus 1 %. The quantum ⟨u²⟩ at 50 K (zero-point motion
 * included) is printed for scale. Label nosan: 100 ps of MD; phonon.invariants
 * and md.unit take the same code through the sanitizers. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mdtest.h"
#include "nacre/md.h"
#include "nacre/phonon.h"
#include "testing.h"

#define T_K 50.0
#define NCELL 3
#define EQUIL_STEPS 8000L
#define PROD_STEPS 100000L
#define EVERY 20

typedef struct observer {
  const double *sites; /* 3N, Å */
  int natoms;
  nacre_traj *traj;
  mdtest_series u2; /* (1/N) Σ |r − R|², Å² */
} observer;

static int observe(void *user, const nacre_md *md, const nacre_md_thermo *th) {
  observer *o = user;
  if (th->step < EQUIL_STEPS) return 0;
  const nacre_structure *s = nacre_md_structure(md);
  double sum = 0;
  for (int k = 0; k < 3 * o->natoms; k++) {
    double d = s->positions[k] - o->sites[k];
    sum += d * d;
  }
  mdtest_series_add(&o->u2, sum / o->natoms);
  nacre_error err;
  if (nacre_traj_append(o->traj, s->cell, s->positions, NULL, th->time_fs, &err)) return 1;
  return 0;
}

/* Classical (quantum when quantum != 0) ⟨|u|²⟩ averaged over the unit
 * atoms, Å², from the modes at the n×n×n wave vectors of the supercell. */
static double harmonic_u2(const nacre_phonon *ph, int n, double t_k, int quantum) {
  int na = nacre_phonon_natoms(ph), nb = 3 * na;
  const double *m = nacre_phonon_masses(ph);
  double *f = malloc(nb * sizeof *f), *e = malloc(2 * (size_t)nb * nb * sizeof *e);
  double kt = NACRE_BOLTZMANN_EV_K * t_k, sum = 0;
  nacre_error err;
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++)
      for (int k = 0; k < n; k++) {
        double q[3] = {(double)i / n, (double)j / n, (double)k / n};
        CHECK_OK(nacre_phonon_at_q(ph, q, f, e, NULL, &err), &err);
        for (int b = (i || j || k) ? 0 : 3; b < nb; b++) {
          /* λ = ω² in eV/(Å² amu): ν = NACRE_PHONON_THZ √λ */
          double lambda = pow(f[b] / NACRE_PHONON_THZ, 2);
          double hnu = NACRE_THZ_TO_EV * f[b];
          /* quantum: k_B T → (hν/2) coth(hν / 2k_B T) */
          double energy = quantum ? 0.5 * hnu / tanh(0.5 * hnu / kt) : kt;
          for (int p = 0; p < na; p++) {
            double w = 0;
            for (int a = 0; a < 3; a++) {
              const double *z = &e[2 * ((size_t)(3 * p + a) * nb + b)];
              w += z[0] * z[0] + z[1] * z[1];
            }
            sum += energy * w / (m[p] * lambda);
          }
        }
      }
  free(f);
  free(e);
  return sum / ((double)n * n * n * na);
}

int main(void) {
  nacre_error err;
  nacre_potential *pot = NULL;
  const char *eam = mdtest_cu_u3();
  if (eam) CHECK_OK(nacre_potential_load(eam, &pot, &err), &err);
  else CHECK_OK(nacre_lj_new(0.415, 2.277, 5.5, 1, &pot, &err), &err);
  if (!pot) TEST_DONE();
  printf("potential: %s\n", eam ? eam : "Lennard-Jones stand-in (Cu_u3.eam absent)");
  nacre_calc *calc = nacre_calc_new(pot, -1.0, &err);

  /* force constants of the conventional cell in the MD supercell */
  nacre_structure *unit = mdtest_cu_fcc(1, 3.615);
  nacre_phonon_options po;
  nacre_phonon_options_init(&po);
  for (int k = 0; k < 3; k++) po.supercell[k][k] = NCELL;
  nacre_phonon *ph = NULL;
  CHECK_OK(nacre_phonon_new(unit, NULL, &po, &ph, &err), &err);
  if (ph) CHECK_OK(nacre_phonon_compute_forces(ph, calc, NULL, NULL, NULL, &err), &err);
  if (ph) CHECK_OK(nacre_phonon_produce_force_constants(ph, &err), &err);
  if (!ph || !nacre_phonon_force_constants(ph)) TEST_DONE();
  double u2_harm = harmonic_u2(ph, NCELL, T_K, 0), u2_quantum = harmonic_u2(ph, NCELL, T_K, 1);

  /* the run */
  nacre_structure *s = mdtest_cu_fcc(NCELL, 3.615);
  observer obs = {s->positions, s->natoms, nacre_traj_new(s->natoms, s->numbers, s->pbc, &err),
                  {0}};
  nacre_md_options o;
  nacre_md_options_init(&o);
  o.temperature_k = T_K;
  o.thermostat = NACRE_MD_LANGEVIN;
  o.thermostat_tau_fs = 200.0;
  o.fix_com = 1;
  o.seed = 7;
  o.thermo_every = EVERY;
  o.observer = observe;
  o.observer_user = &obs;
  nacre_md *md = NULL;
  CHECK_OK(nacre_md_new(calc, s, NULL, NULL, &o, &md, &err), &err);
  nacre_md_outcome out = NACRE_MD_COMPLETED;
  if (md) CHECK_OK(nacre_md_run(md, EQUIL_STEPS + PROD_STEPS, NULL, &out, &err), &err);
  CHECK(out == NACRE_MD_COMPLETED, "the run completes (%s)", nacre_md_outcome_name(out));

  double mean = 0, se = 0;
  mdtest_blocked_mean(obs.u2.x, obs.u2.n, &mean, &se);
  /* MSD(τ) plateau: lags of 2–10 ps, origins every 100 fs */
  nacre_msd *msd = NULL;
  double plateau = NAN;
  CHECK_OK(nacre_msd_compute(obs.traj, 0, 5, 2000.0, 10000.0, &msd, &err), &err);
  if (msd) {
    double sum = 0;
    int cnt = 0;
    for (int k = 0; k < msd->nlags; k++)
      if (msd->lag_fs[k] >= 2000.0 && msd->lag_fs[k] <= 10000.0) sum += msd->msd_total[k], cnt++;
    if (cnt) plateau = 0.5 * sum / cnt;
  }
  printf("<|u|^2> at %.0f K, 108 atoms: harmonic (classical) %.6f Å², quantum %.6f Å²; MD "
         "about the sites %.6f ± %.6f Å² (%+.2f %%), MSD plateau / 2 %.6f Å² (%+.2f %%); %ld "
         "samples\n",
         T_K, u2_harm, u2_quantum, mean, se, 100 * (mean / u2_harm - 1), plateau,
         100 * (plateau / u2_harm - 1), obs.u2.n);
  CHECK(se < 0.007 * mean, "the MD estimate is known to %.2f %% (≤ 0.7 %%)", 100 * se / mean);
  CHECK(fabs(mean - u2_harm) <= 0.02 * u2_harm && fabs(mean - u2_harm) <= 4 * se + 0.01 * u2_harm,
        "MD <|u|^2> %.6f vs harmonic %.6f Å² (2 %%, 4 s.e. + 1 %%)", mean, u2_harm);
  CHECK(fabs(plateau - u2_harm) <= 0.02 * u2_harm,
        "MSD plateau / 2 = %.6f vs harmonic %.6f Å² (2 %%)", plateau, u2_harm);

  nacre_msd_free(msd);
  nacre_md_free(md);
  nacre_traj_free(obs.traj);
  mdtest_series_free(&obs.u2);
  nacre_structure_free(s);
  nacre_phonon_free(ph);
  nacre_structure_free(unit);
  nacre_calc_free(calc);
  nacre_potential_free(pot);
  TEST_DONE();
}
