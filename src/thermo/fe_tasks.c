/* fe_tasks.c — the molecular-dynamics runs of a free-energy study, one
 * function per kind of task: the crystal's reference (NPT to the mean
 * cell, NVT for the Einstein sites and springs), the liquid's reference
 * (melt, NPT to the mean volume), the λ windows of the three integrations
 * (potential ↔ Einstein crystal, potential ↔ Uhlenbeck–Ford fluid,
 * Uhlenbeck–Ford fluid ↔ ideal gas) and the NPT points of the grid. Each
 * writes its result file (fe_files.c) when it completes; nothing is
 * written on failure, so an interrupted task is simply run again. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fe_internal.h"
#include "nacre/phonon.h"
#include "nacre/sym.h"

/* ---------------------------------------------------------------- */
/* U_λ = (1 − λ) U_sys + λ U_ref as an extra term of the MD            */
/* ---------------------------------------------------------------- */

/* The reference is a second calculator (the Uhlenbeck–Ford fluid) or
 * nothing (the ideal gas); the Einstein crystal uses md's springs. */
typedef struct fe_mix {
  double lambda;
  nacre_calc *ref;        /* NULL: U_ref = 0 */
  nacre_result ref_r;
  double sys_ev, ref_ev;  /* of the last evaluation */
} fe_mix;

static nacre_status fe_mix_apply(void *user, const nacre_structure *s,
                                 unsigned want, nacre_result *r,
                                 nacre_error *err) {
  fe_mix *m = user;
  const double a = 1.0 - m->lambda, b = m->lambda;
  m->sys_ev = r->energy;
  m->ref_ev = 0.0;
  const nacre_result *q = NULL;
  if (m->ref) {
    nacre_status st = nacre_calc_compute(m->ref, s, want, &m->ref_r, err);
    if (st) return nacre_error_prefix(err, "reference potential: ");
    q = &m->ref_r;
    m->ref_ev = q->energy;
  }
  size_t n3 = 3 * (size_t)s->natoms;
  r->energy = a * r->energy + b * m->ref_ev;
  if (want & NACRE_WANT_FORCES)
    for (size_t k = 0; k < n3; k++)
      r->forces[k] = a * r->forces[k] + (q ? b * q->forces[k] : 0.0);
  if (want & NACRE_WANT_STRESS)
    for (int k = 0; k < 6; k++)
      r->stress[k] = a * r->stress[k] + (q ? b * q->stress[k] : 0.0);
  if (want & NACRE_WANT_ATOM_ENERGIES)
    for (int i = 0; i < s->natoms; i++)
      r->atom_energies[i] =
          a * r->atom_energies[i] + (q ? b * q->atom_energies[i] : 0.0);
  return NACRE_OK;
}

/* ---------------------------------------------------------------- */
/* Sampling                                                           */
/* ---------------------------------------------------------------- */

/* Stretches of a run over which the positions are summed apart: enough
 * for the blocking of their means, a bounded memory however long the run. */
#define FE_TIME_BLOCKS 32
#define FE_BLOCKS_PER_QUARTER (FE_TIME_BLOCKS / 4)

/* What the observer of a run collects after `after` steps: series of
 * scalars, the mean cell, per-coordinate sums of the positions and
 * trajectory frames for the phase verdict. */
typedef struct fe_sampler {
  long after;
  double deadline;            /* stop the run then (nacre_now_s), 0 none */
  int nseries;
  double *series[4];
  long n, cap;
  /* sources of the scalars */
  fe_mix *mix;
  nacre_md_springs *springs;
  double springs_offset_ev;   /* U0 added to the springs */
  double pressure_ev_a3;      /* P of U + P V */
  int record_cell, record_positions;
  double cell_sum[3][3];
  long ncell;
  double *x0, *xsum, *x2sum;  /* 3N: first sampled positions, Σ(x−x0), Σ(x−x0)² */
  long nx;
  double *fsum;               /* 3N: Σ fractional coordinates (unwrapped) */
  double *fsum_block;         /* FE_TIME_BLOCKS × 3N: the same over each of
                                 equal stretches of the run, in order */
  long nx_block[FE_TIME_BLOCKS];
  nacre_traj *traj;
  long traj_every;
  nacre_status status;
  nacre_error err;
} fe_sampler;

enum { SERIES_INTEGRAND = 0, SERIES_SYS, SERIES_REF };
enum { SERIES_ENERGY = 0, SERIES_VOLUME, SERIES_PRESSURE, SERIES_ENTHALPY };

static nacre_status sampler_init(fe_sampler *sp, const fe_run *run, long after,
                                 long steps, int every, int nseries, int natoms,
                                 nacre_error *err) {
  memset(sp, 0, sizeof *sp);
  sp->after = after;
  sp->deadline = run->deadline;
  sp->nseries = nseries;
  sp->cap = steps / (every > 0 ? every : 1) + 2;
  for (int k = 0; k < nseries; k++)
    if (!(sp->series[k] = malloc((size_t)sp->cap * sizeof(double))))
      return nacre_error_set(err, NACRE_ERR_NOMEM, "samples");
  (void)natoms;
  return NACRE_OK;
}

static nacre_status sampler_positions(fe_sampler *sp, int natoms,
                                      nacre_error *err) {
  size_t n3 = 3 * (size_t)natoms;
  sp->x0 = calloc(n3, sizeof(double));
  sp->xsum = calloc(n3, sizeof(double));
  sp->x2sum = calloc(n3, sizeof(double));
  sp->fsum = calloc(n3, sizeof(double));
  sp->fsum_block = calloc(FE_TIME_BLOCKS * n3, sizeof(double));
  if (!sp->fsum_block || !sp->x0 || !sp->xsum || !sp->x2sum || !sp->fsum)
    return nacre_error_set(err, NACRE_ERR_NOMEM, "position sums");
  sp->record_positions = 1;
  return NACRE_OK;
}

static void sampler_free(fe_sampler *sp) {
  for (int k = 0; k < 4; k++) free(sp->series[k]);
  free(sp->x0);
  free(sp->xsum);
  free(sp->x2sum);
  free(sp->fsum);
  free(sp->fsum_block);
  nacre_traj_free(sp->traj);
}

static int sampler_observe(void *user, const nacre_md *md,
                           const nacre_md_thermo *th) {
  fe_sampler *sp = user;
  if (sp->deadline > 0 && nacre_now_s() > sp->deadline) {
    sp->status = nacre_error_set(&sp->err, NACRE_ERR_INTERRUPTED, "time limit reached");
    return 1;
  }
  if (th->step <= sp->after) return 0;
  const nacre_structure *s = nacre_md_structure(md);
  if (sp->n < sp->cap) {
    long i = sp->n++;
    if (sp->mix) {
      sp->series[SERIES_INTEGRAND][i] = sp->mix->ref_ev - sp->mix->sys_ev;
      sp->series[SERIES_SYS][i] = sp->mix->sys_ev;
      sp->series[SERIES_REF][i] = sp->mix->ref_ev;
    } else if (sp->springs) {
      double ref = sp->springs->springs_ev + sp->springs_offset_ev;
      sp->series[SERIES_INTEGRAND][i] = ref - sp->springs->potential_ev;
      sp->series[SERIES_SYS][i] = sp->springs->potential_ev;
      sp->series[SERIES_REF][i] = ref;
    } else {
      double u = nacre_md_result(md)->energy;
      sp->series[SERIES_ENERGY][i] = u;
      sp->series[SERIES_VOLUME][i] = th->volume_a3;
      sp->series[SERIES_PRESSURE][i] = th->pressure_gpa;
      sp->series[SERIES_ENTHALPY][i] = u + sp->pressure_ev_a3 * th->volume_a3;
    }
  }
  if (sp->record_cell) {
    for (int a = 0; a < 3; a++)
      for (int b = 0; b < 3; b++) sp->cell_sum[a][b] += s->cell[a][b];
    sp->ncell++;
  }
  if (sp->record_positions) {
    size_t n3 = 3 * (size_t)s->natoms;
    if (sp->nx == 0) memcpy(sp->x0, s->positions, n3 * sizeof(double));
    for (size_t k = 0; k < n3; k++) {
      double d = s->positions[k] - sp->x0[k];
      sp->xsum[k] += d;
      sp->x2sum[k] += d * d;
    }
    /* fractional coordinates of the unwrapped positions (cells change
     * under a barostat) */
    double recip[3][3];
    long expected = sp->cap - 2 > 0 ? sp->cap - 2 : 1; /* samples of the run */
    int q = (int)(FE_TIME_BLOCKS * sp->nx / expected);
    if (q > FE_TIME_BLOCKS - 1) q = FE_TIME_BLOCKS - 1;
    double *fb = &sp->fsum_block[(size_t)q * n3];
    if (!nacre_cell_reciprocal(s->cell, recip))
      for (int i = 0; i < s->natoms; i++) {
        double f[3];
        nacre_cell_cart_to_frac(recip, &s->positions[3 * (size_t)i], f);
        for (int c = 0; c < 3; c++) {
          sp->fsum[3 * (size_t)i + c] += f[c];
          fb[3 * (size_t)i + c] += f[c];
        }
      }
    sp->nx++;
    sp->nx_block[q]++;
  }
  if (sp->traj && (th->step - sp->after) % sp->traj_every == 0) {
    nacre_status st = nacre_traj_append(sp->traj, s->cell, s->positions, NULL,
                                        th->time_fs, &sp->err);
    if (st) {
      sp->status = st;
      return 1;
    }
  }
  return 0;
}

/* ---------------------------------------------------------------- */
/* Running MD                                                         */
/* ---------------------------------------------------------------- */

static uint64_t task_seed(const fe_task *t, const char *stage) {
  return nacre_fnv1a(nacre_fnv1a(NACRE_FNV1A_OFFSET, t->key), stage);
}

static void md_options(const fe_run *run, int phase, double temperature_k,
                       nacre_md_thermostat thermostat,
                       nacre_md_barostat barostat, double pressure_gpa,
                       int fix_com, uint64_t seed, nacre_md_options *mo) {
  nacre_md_options_init(mo);
  mo->timestep_fs = run->o.timestep_fs;
  mo->temperature_k = temperature_k;
  mo->thermostat = thermostat;
  mo->thermostat_tau_fs = run->tau_t;
  mo->barostat = barostat;
  mo->pressure_gpa = pressure_gpa;
  mo->barostat_tau_fs = run->tau_p;
  mo->compressibility_per_gpa = run->ph[phase].compressibility_per_gpa;
  mo->fix_com = fix_com;
  mo->seed = seed;
  mo->thermo_every = run->o.sample_every;
}

/* nsteps more steps; an outcome other than completed is an error naming
 * the stage. */
static nacre_status md_advance(nacre_md *md, long nsteps, const char *stage,
                               const fe_run *run, fe_sampler *sp,
                               nacre_error *err) {
  nacre_md_outcome outcome;
  nacre_status st = nacre_md_run(md, nsteps, run->ctx, &outcome, err);
  if (st) return st == NACRE_ERR_INTERRUPTED ? st : nacre_error_prefix(err, "%s: ", stage);
  if (sp && sp->status) {
    *err = sp->err;
    return sp->status;
  }
  if (outcome != NACRE_MD_COMPLETED)
    return nacre_error_set(err, NACRE_ERR_NUMERIC,
                           "%s: the run %s at step %ld (%s); try a shorter "
                           "--timestep",
                           stage, nacre_md_outcome_name(outcome),
                           nacre_md_step(md), nacre_md_message(md));
  return NACRE_OK;
}

static double mean_of(const double *x, long n) {
  double s = 0.0;
  for (long i = 0; i < n; i++) s += x[i];
  return n > 0 ? s / n : NAN;
}

static int species_index(const fe_phase *ph, int z) {
  for (int k = 0; k < ph->nspecies; k++)
    if (ph->species_z[k] == z) return k;
  return 0;
}

/* The verdict of the frames collected by a sampler. */
static nacre_status classify(const fe_sampler *sp, nacre_phase_report *rep,
                             nacre_error *err) {
  if (!sp->traj || sp->traj->nframes < 4) {
    memset(rep, 0, sizeof *rep);
    rep->verdict = NACRE_PHASE_UNCLEAR;
    snprintf(rep->reason, sizeof rep->reason, "too few frames to judge");
    return NACRE_OK;
  }
  return nacre_phase_classify(sp->traj, 0, rep, err);
}

static nacre_status sampler_frames(fe_sampler *sp, const fe_phase *ph,
                                   long steps, int every, nacre_error *err) {
  sp->traj = nacre_traj_new(ph->cell->natoms, ph->cell->numbers,
                            ph->cell->pbc, err);
  if (!sp->traj) return err ? err->status : NACRE_ERR_NOMEM;
  /* about 100 frames, on sampled steps */
  long stride = steps / 100;
  stride = stride < every ? every : stride - stride % every;
  sp->traj_every = stride > 0 ? stride : 1;
  return NACRE_OK;
}

/* RMS displacement (Å) of the mean structure's atoms from the input's
 * sites (fractional coordinates, the common shift removed). */
static double site_displacement(const fe_phase *ph, const fe_sampler *sp,
                                const double cell[3][3]) {
  int n = ph->cell->natoms;
  double *f0 = malloc(3 * (size_t)n * sizeof *f0);
  if (!f0 || nacre_structure_get_frac(ph->cell, f0, NULL)) {
    free(f0);
    return NAN;
  }
  double *d = malloc(3 * (size_t)n * sizeof *d), shift[3] = {0, 0, 0};
  if (!d) {
    free(f0);
    return NAN;
  }
  for (int i = 0; i < n; i++)
    for (int c = 0; c < 3; c++) {
      double x = sp->fsum[3 * (size_t)i + c] / sp->nx - f0[3 * (size_t)i + c];
      x -= round(x);
      d[3 * (size_t)i + c] = x;
      shift[c] += x / n;
    }
  double sum = 0.0;
  for (int i = 0; i < n; i++) {
    double f[3], r[3];
    for (int c = 0; c < 3; c++) {
      f[c] = d[3 * (size_t)i + c] - shift[c];
      f[c] -= round(f[c]);
    }
    nacre_cell_frac_to_cart(cell, f, r);
    sum += r[0] * r[0] + r[1] * r[1] + r[2] * r[2];
  }
  free(f0);
  free(d);
  return sqrt(sum / n);
}

/* Σ over atoms of species q of |x̄_a − x̄_b|² (Å², in cell) between the
 * means of two parts a, b of the samples, each the union of the quarters
 * set in its mask; 0 where a part is empty. The means differ with variance
 * var(x̄)·n·(1/n_a + 1/n_b) per coordinate, var(x̄) that of the whole mean,
 * when the samples are stationary. */
static double part_difference(const fe_sampler *sp, const int *species, int q, int natoms,
                              const double cell[3][3], unsigned mask_a, unsigned mask_b,
                              double *factor) {
  long na = 0, nb = 0;
  for (int k = 0; k < FE_TIME_BLOCKS; k++) {
    if (mask_a >> (k / FE_BLOCKS_PER_QUARTER) & 1) na += sp->nx_block[k];
    if (mask_b >> (k / FE_BLOCKS_PER_QUARTER) & 1) nb += sp->nx_block[k];
  }
  *factor = 0.0;
  if (na < 1 || nb < 1) return 0.0;
  *factor = (double)sp->nx * (1.0 / na + 1.0 / nb);
  size_t n3 = 3 * (size_t)natoms;
  double sum = 0.0;
  for (int i = 0; i < natoms; i++) {
    if (species[i] != q) continue;
    double f[3], r[3];
    for (int c = 0; c < 3; c++) {
      size_t k = 3 * (size_t)i + c;
      double sa = 0.0, sb = 0.0;
      for (int m = 0; m < FE_TIME_BLOCKS; m++) {
        double x = sp->fsum_block[(size_t)m * n3 + k];
        if (mask_a >> (m / FE_BLOCKS_PER_QUARTER) & 1) sa += x;
        if (mask_b >> (m / FE_BLOCKS_PER_QUARTER) & 1) sb += x;
      }
      f[c] = sa / na - sb / nb;
    }
    nacre_cell_frac_to_cart(cell, f, r);
    sum += r[0] * r[0] + r[1] * r[1] + r[2] * r[2];
  }
  return sum;
}

/* Statistical noise of the mean positions, per species: the variance σ²
 * of one Cartesian coordinate of a mean, from the differences between the
 * means of the first two and of the last two quarters of the samples (q)
 * and from the difference between the halves (h), and never less than
 * ⟨u²⟩/3 over the number of samples (what independent samples would give).
 * Quarters within halves see a steady drift of the sites at a quarter of
 * its size, where the two halves see half of it: *drift gets the ratio h/q
 * over all atoms, 1 for stationary samples (some 1.0–1.3 for
 * healthy crystals, whose slowest modes make the shorter quarters read a
 * little less noise), 3.3 for bcc argon turning away from bcc. σ² is the
 * larger of the two. */
static void mean_noise(const fe_phase *ph, const fe_sampler *sp, const int *species,
                       const double cell[3][3], double sigma2[FE_MAX_SPECIES],
                       double *drift) {
  *drift = 0.0;
  int n = ph->cell->natoms, count[FE_MAX_SPECIES] = {0};
  double base[FE_MAX_SPECIES] = {0}, halves[FE_MAX_SPECIES] = {0};
  double pooled_base = 0.0, pooled_halves = 0.0;
  for (int q = 0; q < ph->nspecies; q++) {
    double u2 = 0.0, fa, fb, fh;
    for (int i = 0; i < n; i++) {
      if (species[i] != q) continue;
      count[q]++;
      for (int c = 0; c < 3; c++) {
        size_t k = 3 * (size_t)i + c;
        double m = sp->xsum[k] / sp->nx;
        u2 += sp->x2sum[k] / sp->nx - m * m;
      }
    }
    if (!count[q]) continue;
    double da = part_difference(sp, species, q, n, cell, 1u, 2u, &fa);
    double db = part_difference(sp, species, q, n, cell, 4u, 8u, &fb);
    double dh = part_difference(sp, species, q, n, cell, 3u, 12u, &fh);
    double quarters = fa > 0 && fb > 0 ? (da + db) / (3.0 * count[q] * (fa + fb)) : 0.0;
    double independent = sp->nx ? u2 / count[q] / 3.0 / sp->nx : 0.0;
    halves[q] = fh > 0 ? dh / (3.0 * count[q] * fh) : 0.0;
    base[q] = fmax(quarters, independent);
    pooled_base += base[q] * count[q] / n;
    pooled_halves += halves[q] * count[q] / n;
  }
  /* the drift over all atoms together: a species of a few atoms alone has a
   * few degrees of freedom and a ratio that scatters widely */
  if (pooled_base > 0) *drift = pooled_halves / pooled_base;
  for (int q = 0; q < ph->nspecies; q++) {
    sigma2[q] = fmax(base[q], halves[q]);
    /* likewise its noise: no less than the pooled one below 8 atoms */
    if (count[q] < 8) sigma2[q] = fmax(sigma2[q], fmax(pooled_base, pooled_halves));
  }
}

/* Cell shapes differing by more than this (largest symmetric strain
 * component, volume scaled away) are another crystal: thermal noise of a
 * mean cell is a few 0.1 %, a Bain path from bcc to fcc 26 %. */
#define FE_MAX_SHAPE_STRAIN 0.05

typedef struct crystal_check {
  fe_symcheck_result sym; /* the mean positions under the input's operations */
  double drift;           /* of the sites between the halves (mean_noise) */
  double displacement_a;  /* RMS of the mean positions from the input's sites */
  double strain;          /* of the mean cell against the input's shape */
  double thermal_a;       /* RMS thermal displacement of one sample */
  int changed;            /* transformed beyond doubt */
  int inconclusive;       /* beyond the noise of the means, within the
                             thermal displacement: too short a run */
  char why[512];
} crystal_check;

/* The mean fractional positions of a sampler with the common shift from
 * the input's sites removed, for the symmetry check (NULL: no memory). */
static double *mean_frac_centred(const fe_phase *ph, const fe_sampler *sp) {
  int n = ph->cell->natoms;
  double *f0 = malloc(3 * (size_t)n * sizeof *f0), *g = malloc(3 * (size_t)n * sizeof *g);
  if (!f0 || !g || nacre_structure_get_frac(ph->cell, f0, NULL)) {
    free(f0);
    free(g);
    return NULL;
  }
  double shift[3] = {0, 0, 0};
  for (int i = 0; i < n; i++)
    for (int c = 0; c < 3; c++) {
      size_t k = 3 * (size_t)i + c;
      g[k] = sp->fsum[k] / sp->nx;
      double x = g[k] - f0[k];
      shift[c] += (x - round(x)) / n;
    }
  for (size_t k = 0; k < 3 * (size_t)n; k++) g[k] -= shift[k % 3];
  free(f0);
  return g;
}

/* The means of the sampler's time blocks as mean_frac_centred gives the
 * whole run's (each block's own common shift from the input's sites
 * removed), and their shares of the samples; the number of blocks, 0 when
 * some block is empty (a run of fewer samples than blocks) or memory is
 * short. */
static int block_frac_centred(const fe_phase *ph, const fe_sampler *sp, double **frac,
                              double **weight) {
  int n = ph->cell->natoms;
  size_t n3 = 3 * (size_t)n;
  *frac = NULL;
  *weight = NULL;
  for (int j = 0; j < FE_TIME_BLOCKS; j++)
    if (sp->nx_block[j] < 1) return 0;
  double *f0 = malloc(n3 * sizeof *f0), *g = malloc(FE_TIME_BLOCKS * n3 * sizeof *g);
  double *w = malloc(FE_TIME_BLOCKS * sizeof *w);
  if (!f0 || !g || !w || nacre_structure_get_frac(ph->cell, f0, NULL)) {
    free(f0);
    free(g);
    free(w);
    return 0;
  }
  for (int j = 0; j < FE_TIME_BLOCKS; j++) {
    double shift[3] = {0, 0, 0}, *gj = &g[(size_t)j * n3];
    w[j] = (double)sp->nx_block[j] / sp->nx;
    for (size_t k = 0; k < n3; k++) {
      gj[k] = sp->fsum_block[(size_t)j * n3 + k] / sp->nx_block[j];
      /* the whole run's image of the site, so that the blocks average to it */
      double whole = sp->fsum[k] / sp->nx - f0[k];
      shift[k % 3] += (gj[k] - f0[k] - round(whole)) / n;
    }
    for (size_t k = 0; k < n3; k++) gj[k] -= shift[k % 3];
  }
  free(f0);
  *frac = g;
  *weight = w;
  return FE_TIME_BLOCKS;
}

/* The mean positions of the sampler under the input's own operations. */
static void check_symmetry(const fe_run *run, const fe_phase *ph, const fe_sampler *sp,
                           const double h[3][3], double thermal_a, fe_symcheck_result *out,
                           double *drift) {
  int n = ph->cell->natoms;
  fe_symcheck_input in;
  memset(&in, 0, sizeof in);
  int *species = malloc((size_t)n * sizeof *species);
  double *frac = mean_frac_centred(ph, sp), *block_frac = NULL, *block_weight = NULL;
  memset(out, 0, sizeof *out);
  out->kept = 1;
  out->deviation_a = out->bound_a = NAN;
  *drift = 0.0;
  if (species && frac) {
    for (int i = 0; i < n; i++) species[i] = species_index(ph, ph->cell->numbers[i]);
    in.natoms = n;
    in.species = species;
    in.frac = frac;
    memcpy(in.h, h, sizeof in.h);
    mean_noise(ph, sp, species, h, in.sigma2, drift);
    in.symprec_a = run->o.symprec;
    in.thermal_a = thermal_a;
    in.nblocks = block_frac_centred(ph, sp, &block_frac, &block_weight);
    in.block_frac = block_frac;
    in.block_weight = block_weight;
    in.nn_distance_a = ph->nn_distance_a * cbrt(fabs(nacre_cell_volume(h) /
                                                     nacre_cell_volume(ph->cell->cell)));
    fe_symmetry_check(ph, &in, out);
  }
  free(species);
  free(frac);
  free(block_frac);
  free(block_weight);
}

/* Whether the crystal a sampler saw is still the input's: its mean cell
 * has the input's shape (volume aside), its mean positions sit on the
 * input's sites, and placed in the input's cell shape they are mapped onto
 * themselves by the input's operations within their noise. Shape and
 * positions are judged apart, so that the noise of a short NPT mean cell
 * does not read as lost symmetry. */
static void check_crystal(const fe_run *run, const fe_phase *ph, const fe_sampler *sp,
                          const double mean_cell[3][3], crystal_check *c) {
  memset(c, 0, sizeof *c);
  double v_in = fabs(nacre_cell_volume(ph->cell->cell)), v = fabs(nacre_cell_volume(mean_cell));
  double f = cbrt(v / v_in), h[3][3];
  for (int a = 0; a < 3; a++)
    for (int b = 0; b < 3; b++) h[a][b] = f * ph->cell->cell[a][b];
  /* rows: a_mean = F a_in, F = h_meanᵀ (h_inᵀ)⁻¹; strain ½(F + Fᵀ) − I */
  double ht[3][3], hti[3][3], mt[3][3], F[3][3];
  nacre_mat3_transpose(h, ht);
  nacre_mat3_transpose(mean_cell, mt);
  c->strain = NAN;
  if (!nacre_mat3_inverse(ht, hti)) {
    nacre_mat3_mul(mt, hti, F);
    c->strain = 0.0;
    for (int a = 0; a < 3; a++)
      for (int b = 0; b < 3; b++)
        c->strain = fmax(c->strain, fabs(0.5 * (F[a][b] + F[b][a]) - (a == b)));
  }
  c->displacement_a = site_displacement(ph, sp, h);
  double u2 = 0.0;
  for (size_t k = 0; k < 3 * (size_t)ph->cell->natoms; k++) {
    double m = sp->xsum[k] / sp->nx;
    u2 += sp->x2sum[k] / sp->nx - m * m;
  }
  c->thermal_a = sp->nx > 0 ? sqrt(u2 / ph->cell->natoms) : 0.0;
  check_symmetry(run, ph, sp, h, c->thermal_a, &c->sym, &c->drift);
  /* the drift ratio's own scatter is some √(2/(3N)) per estimate */
  double drift_limit = 2.0 + 4.0 * sqrt(2.0 / (3.0 * ph->cell->natoms));
  double limit = run->o.max_msd_fraction * ph->nn_distance_a;
  /* how far the halves' means lie apart (RMS over atoms): a drift within
   * the thermal displacement may be a mode slower than the run */
  double halves_a = 0.0;
  {
    int *all = calloc((size_t)ph->cell->natoms, sizeof *all);
    double fh;
    if (all) halves_a = sqrt(part_difference(sp, all, 0, ph->cell->natoms, h, 3u, 12u, &fh) /
                             ph->cell->natoms);
    free(all);
  }
  if (!(c->displacement_a <= limit)) {
    c->changed = 1;
    snprintf(c->why, sizeof c->why,
             "the mean positions lie %.3f Å (RMS) from the input's sites "
             "(limit %.3f Å)",
             c->displacement_a, limit);
  } else if (!(c->strain <= FE_MAX_SHAPE_STRAIN)) {
    c->changed = 1;
    snprintf(c->why, sizeof c->why,
             "the mean cell is strained by %.3f against the input's shape "
             "(limit %.2f)",
             c->strain, FE_MAX_SHAPE_STRAIN);
  } else if (!c->sym.kept && !c->sym.inconclusive) {
    c->changed = 1;
    snprintf(c->why, sizeof c->why,
             "the mean positions lost the input's symmetry: operation %d of %d "
             "maps them onto themselves within %.4f Å RMS (bound %.4f Å) and "
             "%.4f Å at worst (bound %.4f Å), the bounds being the symmetry "
             "tolerance plus their noise; beyond the thermal displacement "
             "%.4f Å RMS (%.1f times it for one atom)",
             c->sym.worst_op + 1, ph->nsymops, c->sym.deviation_a, c->sym.bound_a,
             c->sym.atom_deviation_a, c->sym.atom_bound_a, c->thermal_a,
             FE_SYM_THERMAL_ATOM_FACTOR);
  } else if (!(c->drift <= drift_limit) && !(halves_a <= c->thermal_a)) {
    c->changed = 1;
    snprintf(c->why, sizeof c->why,
             "the mean positions drift: those of the two halves of the run differ "
             "%.1f times as much (in variance) as those of its quarters (limit %.1f), "
             "by %.4f Å RMS, beyond the thermal displacement %.4f Å",
             c->drift, drift_limit, halves_a, c->thermal_a);
  } else if (!c->sym.kept) {
    c->inconclusive = 1;
    snprintf(c->why, sizeof c->why,
             "the mean positions break the input's symmetry beyond their measured "
             "noise but within the thermal displacement: operation %d of %d maps "
             "them onto themselves within %.4f Å RMS (noise bound %.4f Å, thermal "
             "displacement %.4f Å) and %.4f Å at worst (bound %.4f Å), which a mode "
             "slower than the run can leave in its means; a longer run (--steps, "
             "--reference-steps) decides",
             c->sym.worst_op + 1, ph->nsymops, c->sym.deviation_a, c->sym.bound_a,
             c->thermal_a, c->sym.atom_deviation_a, c->sym.atom_bound_a);
  } else if (!(c->drift <= drift_limit)) {
    c->inconclusive = 1;
    snprintf(c->why, sizeof c->why,
             "the mean positions of the two halves of the run differ %.1f times as "
             "much (in variance) as those of its quarters (limit %.1f), by %.4f Å "
             "RMS, within the thermal displacement %.4f Å: a mode slower than the "
             "run or the start of a transformation; a longer run (--steps, "
             "--reference-steps) decides",
             c->drift, drift_limit, halves_a, c->thermal_a);
  }
}

/* ---------------------------------------------------------------- */
/* The crystal's reference                                            */
/* ---------------------------------------------------------------- */

/* The mean cell of a short anisotropic NPT run carries random shears of a
 * few 0.1 % that cost F ½ C ε² V: the deformation D from the input cell h
 * to the mean cell (rows: h_mean = h D) is averaged over the point group
 * of the input, D_sym = (1/n) Σ S⁻¹ D S with the Cartesian operations S =
 * h⁻¹ Wᵀ h (W on fractional columns), which keeps the strains the
 * crystal's symmetry allows (a, c/a, ...) and removes the others and any
 * rotation. The cell is left as it is where the analysis fails. */
static void symmetrize_mean_cell(const fe_run *run, const fe_phase *ph, double cell[3][3]) {
  nacre_symmetry *sym = NULL;
  double hinv[3][3], d[3][3], dsum[3][3] = {{0}};
  if (nacre_mat3_inverse(ph->cell->cell, hinv) ||
      nacre_symmetry_analyze_flags(ph->cell, run->o.symprec,
                                   NACRE_SYM_SPGLIB_ORIGIN | NACRE_SYM_NO_PERMS, &sym, NULL))
    return;
  nacre_mat3_mul(hinv, cell, d);
  for (int k = 0; k < sym->nops; k++) {
    double wt[3][3], tmp[3][3], sop[3][3], sinv[3][3], t2[3][3];
    for (int a = 0; a < 3; a++)
      for (int b = 0; b < 3; b++) wt[a][b] = sym->rot[k][b][a];
    nacre_mat3_mul(hinv, wt, tmp);
    nacre_mat3_mul(tmp, ph->cell->cell, sop);
    if (nacre_mat3_inverse(sop, sinv)) continue;
    nacre_mat3_mul(sinv, d, tmp);
    nacre_mat3_mul(tmp, sop, t2);
    for (int a = 0; a < 3; a++)
      for (int b = 0; b < 3; b++) dsum[a][b] += t2[a][b] / sym->nops;
  }
  if (sym->nops > 0) nacre_mat3_mul(ph->cell->cell, dsum, cell);
  nacre_symmetry_free(sym);
}

/* NPT at (T0, P0) from the input cell: the mean cell, and whether the
 * crystal stayed solid. Leaves the last positions scaled into the mean
 * cell in *s. */
static nacre_status solid_npt(const fe_run *run, const fe_task *t,
                              nacre_calc *calc, nacre_structure *s,
                              fe_reference_result *res, nacre_error *err) {
  const fe_phase *ph = &run->ph[t->phase];
  long neq = (long)run->reference_steps / 4, nprod = (long)run->reference_steps;
  nacre_md_options mo;
  int aniso = run->o.anisotropic != 0;
  md_options(run, t->phase, t->temperature_k, NACRE_MD_BUSSI,
             aniso ? NACRE_MD_CRESCALE_ANISO : NACRE_MD_CRESCALE_ISO,
             t->pressure_gpa, 0, task_seed(t, "npt"), &mo);
  fe_sampler sp;
  nacre_status st = sampler_init(&sp, run, neq, nprod, mo.thermo_every, 4, s->natoms, err);
  sp.record_cell = 1;
  if (!st) st = sampler_frames(&sp, ph, nprod, mo.thermo_every, err);
  mo.observer = sampler_observe;
  mo.observer_user = &sp;
  nacre_md *md = NULL;
  if (!st) st = nacre_md_new(calc, s, NULL, ph->masses, &mo, &md, err);
  if (!st) st = md_advance(md, neq + nprod, "reference NPT", run, &sp, err);
  nacre_phase_report rep;
  if (!st) st = classify(&sp, &rep, err);
  if (!st) {
    double cell[3][3];
    for (int a = 0; a < 3; a++)
      for (int b = 0; b < 3; b++) cell[a][b] = sp.cell_sum[a][b] / sp.ncell;
    if (aniso) symmetrize_mean_cell(run, ph, cell);
    const nacre_structure *last = nacre_md_structure(md);
    double *frac = malloc(3 * (size_t)s->natoms * sizeof *frac);
    if (!frac) st = nacre_error_set(err, NACRE_ERR_NOMEM, "positions");
    if (!st) st = nacre_structure_get_frac(last, frac, err);
    if (!st) {
      memcpy(s->cell, cell, sizeof s->cell);
      /* unwrapped fractional coordinates keep atoms where they were */
      for (int i = 0; i < s->natoms; i++)
        nacre_cell_frac_to_cart(cell, &frac[3 * (size_t)i], &s->positions[3 * (size_t)i]);
    }
    free(frac);
    snprintf(res->verdict, sizeof res->verdict, "%s", nacre_phase_verdict_name(rep.verdict));
    snprintf(res->reason, sizeof res->reason, "NPT: %.500s", rep.reason);
    if (rep.verdict == NACRE_PHASE_LIQUID) {
      snprintf(res->status, sizeof res->status, "melted");
      snprintf(res->message, sizeof res->message,
               "melted in the reference NPT run at %g K, %g GPa: %.500s",
               t->temperature_k, t->pressure_gpa, rep.reason);
    }
  }
  nacre_md_free(md);
  sampler_free(&sp);
  return st;
}

/* NVT in the mean cell with the centre fixed: sites, springs, U0. */
static nacre_status solid_nvt(const fe_run *run, const fe_task *t,
                              nacre_calc *calc, nacre_structure *s,
                              fe_reference_result *res, nacre_error *err) {
  const fe_phase *ph = &run->ph[t->phase];
  long neq = (long)run->reference_steps / 4, nprod = (long)run->reference_steps;
  nacre_md_options mo;
  md_options(run, t->phase, t->temperature_k, NACRE_MD_LANGEVIN,
             NACRE_MD_BAROSTAT_NONE, 0.0, 1, task_seed(t, "nvt"), &mo);
  fe_sampler sp;
  int n = s->natoms;
  nacre_status st = sampler_init(&sp, run, neq, nprod, mo.thermo_every, 4, n, err);
  if (!st) st = sampler_positions(&sp, n, err);
  if (!st) st = sampler_frames(&sp, ph, nprod, mo.thermo_every, err);
  mo.observer = sampler_observe;
  mo.observer_user = &sp;
  nacre_md *md = NULL;
  if (!st) st = nacre_md_new(calc, s, NULL, ph->masses, &mo, &md, err);
  if (!st) st = md_advance(md, neq + nprod, "reference NVT", run, &sp, err);
  nacre_phase_report rep;
  if (!st) st = classify(&sp, &rep, err);
  if (st) {
    nacre_md_free(md);
    sampler_free(&sp);
    return st;
  }
  /* sites x̄ and per-species ⟨|x − x̄|²⟩ */
  memcpy(res->cell, s->cell, sizeof res->cell);
  res->natoms = n;
  res->positions = malloc(3 * (size_t)n * sizeof(double));
  if (!res->positions) st = nacre_error_set(err, NACRE_ERR_NOMEM, "sites");
  double msd[FE_MAX_SPECIES] = {0};
  int count[FE_MAX_SPECIES] = {0};
  for (int i = 0; !st && i < n; i++) {
    double u2 = 0.0;
    for (int c = 0; c < 3; c++) {
      size_t k = 3 * (size_t)i + c;
      double m = sp.xsum[k] / sp.nx;
      res->positions[k] = sp.x0[k] + m;
      u2 += sp.x2sum[k] / sp.nx - m * m;
    }
    int sidx = species_index(ph, s->numbers[i]);
    msd[sidx] += u2;
    count[sidx]++;
  }
  double kt = NACRE_BOLTZMANN_EV_K * t->temperature_k;
  res->nspecies = ph->nspecies;
  for (int k = 0; k < ph->nspecies; k++) {
    res->species_z[k] = ph->species_z[k];
    res->msd_a2[k] = count[k] ? msd[k] / count[k] : NAN;
    /* equipartition: the Einstein crystal gets the crystal's ⟨u²⟩ */
    res->k_ev_a2[k] = 3.0 * kt / res->msd_a2[k];
  }
  res->measured_pressure_gpa = mean_of(sp.series[SERIES_PRESSURE], sp.n);
  res->volume_per_atom_a3 = fabs(nacre_cell_volume(s->cell)) / n;
  if (!res->status[0]) {
    snprintf(res->verdict, sizeof res->verdict, "%s", nacre_phase_verdict_name(rep.verdict));
    snprintf(res->reason, sizeof res->reason, "NVT: %.500s", rep.reason);
  }
  /* is it still the crystal we were given? */
  double rms = 0.0;
  for (int k = 0; k < ph->nspecies; k++) rms = fmax(rms, sqrt(res->msd_a2[k]));
  crystal_check cc;
  memset(&cc, 0, sizeof cc);
  if (!st) check_crystal(run, ph, &sp, s->cell, &cc);
  res->rms_site_displacement_a = st ? NAN : cc.displacement_a;
  res->symmetry_deviation_a = st ? NAN : cc.sym.deviation_a;
  res->symmetry_bound_a = st ? NAN : cc.sym.bound_a;
  double limit = run->o.max_msd_fraction * ph->nn_distance_a;
  if (!st && !res->status[0]) {
    if (rep.verdict == NACRE_PHASE_LIQUID || !(rms <= limit)) {
      snprintf(res->status, sizeof res->status, "melted");
      snprintf(res->message, sizeof res->message,
               "melted in the reference run at %g K: RMS displacement %.3f Å "
               "(limit %.3f Å, %.2f of the nearest-neighbour distance); %.500s",
               t->temperature_k, rms, limit, run->o.max_msd_fraction, rep.reason);
    } else if (cc.changed) {
      snprintf(res->status, sizeof res->status, "transformed");
      snprintf(res->message, sizeof res->message,
               "transformed in the reference run at %g K: %s", t->temperature_k, cc.why);
    } else if (cc.inconclusive) {
      snprintf(res->status, sizeof res->status, "inconclusive");
      snprintf(res->message, sizeof res->message,
               "integrated, but the crystal check of the reference run at %g K is "
               "inconclusive: %s",
               t->temperature_k, cc.why);
    }
  }
  nacre_md_free(md);
  sampler_free(&sp);
  if (st) return st;
  /* U0 = U(sites) */
  nacre_structure *sites = nacre_structure_copy(s, err);
  if (!sites) return err ? err->status : NACRE_ERR_NOMEM;
  memcpy(sites->positions, res->positions, 3 * (size_t)n * sizeof(double));
  nacre_result r;
  st = nacre_result_init(&r, n, err);
  if (!st) st = nacre_calc_compute(calc, sites, NACRE_WANT_ENERGY, &r, err);
  if (!st) res->lattice_energy_ev = r.energy;
  nacre_result_free(&r);
  nacre_structure_free(sites);
  return st;
}

/* Σ w ln(ν/THz) and Σ w over the modes of a mesh, per atom (acoustic
 * modes at Γ left out); the count of imaginary modes. */
static void mesh_log_sum(const nacre_phonon_mesh *m, double *lnnu, double *modes,
                         int *imaginary) {
  double s = 0.0, c = 0.0;
  *imaginary = 0;
  for (int q = 0; q < m->nq; q++)
    for (int b = 0; b < m->nbands; b++) {
      double nu = m->freq_thz[(size_t)q * m->nbands + b];
      if (nu < -NACRE_PHONON_CUTOFF_THZ) *imaginary += m->weight[q];
      if (!(nu > NACRE_PHONON_CUTOFF_THZ)) continue;
      s += m->weight[q] * log(nu);
      c += m->weight[q];
    }
  double norm = (double)m->ngrid * m->natoms;
  *lnnu = s / norm;
  *modes = c / norm;
}

/* The classical harmonic free energy per atom of a mesh is
 * k_BT [Σ ln ν + n ln(h·THz / k_BT)] per atom; the finite-size correction
 * is its dense-mesh value minus that of the wave vectors the N-atom cell
 * holds (its Γ point when the cell is the unit, the Γ-centred M1×M2×M3
 * mesh of the unit cell for a diagonal supercell M). The force constants
 * come from the simulated cell itself, with the input's sites scaled into
 * the reference cell, so both sums see the same crystal. */
static void finite_size_phonons(const fe_run *run, const fe_phase *ph,
                                const double mean_cell[3][3],
                                fe_reference_result *res) {
  res->fs_lnnu_cell = res->fs_modes_cell = NAN;
  res->fs_lnnu_dense = res->fs_modes_dense = NAN;
  int diagonal = 1;
  for (int a = 0; a < 3; a++)
    for (int b = 0; b < 3; b++)
      if (a != b && ph->supercell[a][b]) diagonal = 0;
  /* the unit cell (or the simulated cell) in the reference cell */
  const nacre_structure *src = diagonal ? ph->unit : ph->cell;
  nacre_structure *u = nacre_structure_copy(src, NULL);
  double *frac = u ? malloc(3 * (size_t)u->natoms * sizeof *frac) : NULL;
  nacre_phonon *phon = NULL;
  nacre_phonon_mesh *mc = NULL, *md = NULL;
  nacre_calc *calc = nacre_calc_new(run->pot, -1.0, NULL);
  nacre_error e;
  nacre_error_clear(&e);
  nacre_status st = u && frac && calc ? NACRE_OK : NACRE_ERR_NOMEM;
  if (!st) st = nacre_structure_get_frac(u, frac, &e);
  if (!st) {
    double inv[3][3];
    if (diagonal) { /* unit = M⁻¹ · cell */
      for (int a = 0; a < 3; a++)
        for (int b = 0; b < 3; b++) inv[a][b] = mean_cell[a][b] / ph->supercell[a][a];
      memcpy(u->cell, inv, sizeof inv);
    } else {
      memcpy(u->cell, mean_cell, sizeof u->cell);
    }
    nacre_structure_set_frac(u, frac);
    nacre_phonon_options po;
    nacre_phonon_options_init(&po);
    memset(po.supercell, 0, sizeof po.supercell);
    for (int a = 0; a < 3; a++) po.supercell[a][a] = diagonal ? ph->supercell[a][a] : 1;
    st = nacre_phonon_new(u, NULL, &po, &phon, &e);
  }
  if (!st) st = nacre_phonon_compute_forces(phon, calc, run->ctx, NULL, NULL, &e);
  if (!st) st = nacre_phonon_produce_force_constants(phon, &e);
  int cmesh[3], dmesh[3];
  for (int a = 0; a < 3; a++) cmesh[a] = diagonal ? ph->supercell[a][a] : 1;
  if (!st) {
    /* at least 4 times the cell's own points, about 50 per Å⁻¹ */
    nacre_phonon_mesh_for_density(u->cell, 50.0, dmesh);
    for (int a = 0; a < 3; a++)
      if (dmesh[a] < 4 * cmesh[a]) dmesh[a] = 4 * cmesh[a];
    st = nacre_phonon_mesh_run(phon, cmesh, 0, run->ctx, &mc, &e);
  }
  if (!st) st = nacre_phonon_mesh_run(phon, dmesh, 0, run->ctx, &md, &e);
  if (!st) {
    int ic, id;
    double lc, nc, ld, nd;
    mesh_log_sum(mc, &lc, &nc, &ic);
    mesh_log_sum(md, &ld, &nd, &id);
    memcpy(res->fs_mesh, dmesh, sizeof dmesh);
    if (ic || id) {
      snprintf(res->fs_note, sizeof res->fs_note,
               "no finite-size correction: the harmonic phonons of the "
               "reference cell have imaginary modes (%d of the cell's, %d of "
               "the dense mesh's)",
               ic, id);
    } else {
      res->fs_lnnu_cell = lc;
      res->fs_modes_cell = nc;
      res->fs_lnnu_dense = ld;
      res->fs_modes_dense = nd;
    }
  } else {
    snprintf(res->fs_note, sizeof res->fs_note,
             "no finite-size correction: phonons failed (%.200s)", e.message);
  }
  nacre_phonon_mesh_free(mc);
  nacre_phonon_mesh_free(md);
  nacre_phonon_free(phon);
  nacre_calc_free(calc);
  free(frac);
  nacre_structure_free(u);
}

static nacre_status solid_reference(const fe_run *run, const fe_task *t,
                                    nacre_error *err) {
  const fe_phase *ph = &run->ph[t->phase];
  fe_reference_result res;
  memset(&res, 0, sizeof res);
  nacre_structure *s = nacre_structure_copy(ph->cell, err);
  nacre_calc *calc = s ? nacre_calc_new(run->pot, -1.0, err) : NULL;
  nacre_status st = calc ? NACRE_OK : (err ? err->status : NACRE_ERR_NOMEM);
  if (!st && !run->o.fixed_cell) st = solid_npt(run, t, calc, s, &res, err);
  if (!st && !res.status[0]) st = solid_nvt(run, t, calc, s, &res, err);
  if (!st && res.status[0] && !res.positions) {
    /* melted in NPT: nothing more to learn */
    memcpy(res.cell, s->cell, sizeof res.cell);
    res.natoms = s->natoms;
    res.positions = malloc(3 * (size_t)s->natoms * sizeof(double));
    if (res.positions)
      memcpy(res.positions, s->positions, 3 * (size_t)s->natoms * sizeof(double));
  }
  int integrable = !res.status[0] || !strcmp(res.status, "inconclusive");
  if (!st && integrable) {
    if (!res.status[0]) snprintf(res.status, sizeof res.status, "ok");
    if (run->o.finite_size_correction)
      finite_size_phonons(run, ph, res.cell, &res);
    else
      res.fs_lnnu_cell = res.fs_modes_cell = res.fs_lnnu_dense = res.fs_modes_dense = NAN;
  }
  if (!st) st = fe_write_reference(t->path, t->key, &res, err);
  fe_reference_result_free(&res);
  nacre_calc_free(calc);
  nacre_structure_free(s);
  return st;
}

/* ---------------------------------------------------------------- */
/* The liquid's reference                                             */
/* ---------------------------------------------------------------- */

static nacre_status liquid_reference(const fe_run *run, const fe_task *t,
                                     nacre_error *err) {
  const fe_phase *ph = &run->ph[t->phase];
  fe_reference_result res;
  memset(&res, 0, sizeof res);
  nacre_structure *s = nacre_structure_copy(ph->cell, err);
  nacre_calc *calc = s ? nacre_calc_new(run->pot, -1.0, err) : NULL;
  nacre_status st = calc ? NACRE_OK : (err ? err->status : NACRE_ERR_NOMEM);
  double tmelt = run->o.melt_temperature_k > 0 ? run->o.melt_temperature_k
                                               : 2.5 * t->temperature_k;
  long nmelt = (long)run->reference_steps / 2;
  long neq = (long)run->reference_steps / 4, nprod = (long)run->reference_steps;
  nacre_md_options mo;
  nacre_md *md = NULL;
  fe_sampler sp;
  memset(&sp, 0, sizeof sp);
  nacre_phase_report rep;
  /* melt at fixed volume */
  md_options(run, t->phase, tmelt, NACRE_MD_BUSSI, NACRE_MD_BAROSTAT_NONE, 0.0, 0,
             task_seed(t, "melt"), &mo);
  if (!st) st = sampler_init(&sp, run, nmelt / 2, nmelt, mo.thermo_every, 4, s->natoms, err);
  if (!st) st = sampler_frames(&sp, ph, nmelt / 2, mo.thermo_every, err);
  mo.observer = sampler_observe;
  mo.observer_user = &sp;
  if (!st) st = nacre_md_new(calc, s, NULL, ph->masses, &mo, &md, err);
  if (!st) st = md_advance(md, nmelt, "melting", run, &sp, err);
  if (!st) st = classify(&sp, &rep, err);
  if (!st && rep.verdict != NACRE_PHASE_LIQUID) {
    snprintf(res.status, sizeof res.status, "not-liquid");
    snprintf(res.message, sizeof res.message,
             "did not melt at %g K (fixed volume, %ld steps): %.500s; raise "
             "--melt-temperature",
             tmelt, nmelt, rep.reason);
  }
  nacre_structure *hot = NULL;
  if (!st) hot = nacre_structure_copy(nacre_md_structure(md), err);
  if (!st && !hot) st = err ? err->status : NACRE_ERR_NOMEM;
  nacre_md_free(md);
  md = NULL;
  sampler_free(&sp);
  memset(&sp, 0, sizeof sp);
  /* NPT at (T0, P0), or NVT in the cell as given */
  if (!st && !res.status[0]) {
    md_options(run, t->phase, t->temperature_k, NACRE_MD_BUSSI,
               run->o.fixed_cell ? NACRE_MD_BAROSTAT_NONE : NACRE_MD_CRESCALE_ISO,
               t->pressure_gpa, 0, task_seed(t, "npt"), &mo);
    st = sampler_init(&sp, run, neq, nprod, mo.thermo_every, 4, s->natoms, err);
    if (!st) st = sampler_frames(&sp, ph, nprod, mo.thermo_every, err);
    mo.observer = sampler_observe;
    mo.observer_user = &sp;
    if (!st) st = nacre_md_new(calc, hot, NULL, ph->masses, &mo, &md, err);
    if (!st) st = md_advance(md, neq + nprod, "liquid NPT", run, &sp, err);
    if (!st) st = classify(&sp, &rep, err);
    if (!st) {
      snprintf(res.verdict, sizeof res.verdict, "%s", nacre_phase_verdict_name(rep.verdict));
      snprintf(res.reason, sizeof res.reason, "NPT: %.500s", rep.reason);
      if (rep.verdict == NACRE_PHASE_SOLID) {
        snprintf(res.status, sizeof res.status, "not-liquid");
        snprintf(res.message, sizeof res.message,
                 "the liquid crystallised (or froze) in the reference NPT run "
                 "at %g K, %g GPa: %.500s",
                 t->temperature_k, t->pressure_gpa, rep.reason);
      }
    }
    if (!st) {
      /* the last configuration scaled to the mean volume */
      const nacre_structure *last = nacre_md_structure(md);
      double vbar = mean_of(sp.series[SERIES_VOLUME], sp.n);
      double v = fabs(nacre_cell_volume(last->cell)), f = cbrt(vbar / v);
      res.natoms = last->natoms;
      res.positions = malloc(3 * (size_t)last->natoms * sizeof(double));
      if (!res.positions) st = nacre_error_set(err, NACRE_ERR_NOMEM, "snapshot");
      for (int a = 0; !st && a < 3; a++)
        for (int b = 0; b < 3; b++) res.cell[a][b] = f * last->cell[a][b];
      for (int k = 0; !st && k < 3 * last->natoms; k++)
        res.positions[k] = f * last->positions[k];
      res.volume_per_atom_a3 = vbar / last->natoms;
      res.measured_pressure_gpa = mean_of(sp.series[SERIES_PRESSURE], sp.n);
    }
  }
  if (!st && res.status[0] && !res.positions) {
    memcpy(res.cell, s->cell, sizeof res.cell);
    res.natoms = s->natoms;
    res.positions = malloc(3 * (size_t)s->natoms * sizeof(double));
    if (res.positions)
      memcpy(res.positions, s->positions, 3 * (size_t)s->natoms * sizeof(double));
  }
  if (!st && !res.status[0]) snprintf(res.status, sizeof res.status, "ok");
  if (!st) st = fe_write_reference(t->path, t->key, &res, err);
  nacre_md_free(md);
  sampler_free(&sp);
  nacre_structure_free(hot);
  fe_reference_result_free(&res);
  nacre_calc_free(calc);
  nacre_structure_free(s);
  return st;
}

/* ---------------------------------------------------------------- */
/* λ windows                                                          */
/* ---------------------------------------------------------------- */

/* σ of the Uhlenbeck–Ford reference: given, or half the mean spacing. */
static double uf_sigma(const fe_run *run, const fe_reference_result *ref) {
  return run->o.uf_sigma_a > 0 ? run->o.uf_sigma_a
                               : 0.5 * cbrt(ref->volume_per_atom_a3);
}

static nacre_status uf_potential(const fe_run *run, const fe_task *t,
                                 const fe_reference_result *ref,
                                 nacre_potential **out, nacre_error *err) {
  double kt = NACRE_BOLTZMANN_EV_K * t->temperature_k;
  return nacre_uf_new(kt, run->o.uf_p, uf_sigma(run, ref), 0.0, out, err);
}

static nacre_status window(const fe_run *run, const fe_task *t,
                           nacre_error *err) {
  const fe_phase *ph = &run->ph[t->phase];
  const fe_task *dep = &run->tasks[t->depends];
  fe_reference_result ref;
  memset(&ref, 0, sizeof ref);
  nacre_status st = fe_read_reference(dep->path, &ref, err);
  if (st) return st;
  nacre_structure *s = nacre_structure_copy(ph->cell, err);
  if (!s) {
    fe_reference_result_free(&ref);
    return err ? err->status : NACRE_ERR_NOMEM;
  }
  memcpy(s->cell, ref.cell, sizeof s->cell);
  memcpy(s->positions, ref.positions, 3 * (size_t)s->natoms * sizeof(double));
  int n = s->natoms;
  nacre_potential *uf = NULL;
  nacre_calc *calc = NULL;
  fe_mix mix;
  memset(&mix, 0, sizeof mix);
  mix.lambda = t->lambda;
  nacre_md_springs springs;
  memset(&springs, 0, sizeof springs);
  double *k_atoms = NULL;
  nacre_md_options mo;
  md_options(run, t->phase, t->temperature_k, NACRE_MD_LANGEVIN, NACRE_MD_BAROSTAT_NONE,
             0.0, t->kind == FE_EINSTEIN_WINDOW, task_seed(t, "window"), &mo);
  long neq = (long)run->equilibration, nprod = run->o.steps;
  fe_sampler sp;
  memset(&sp, 0, sizeof sp);
  if (t->kind != FE_EINSTEIN_WINDOW) st = uf_potential(run, t, &ref, &uf, err);
  if (!st && t->kind == FE_EINSTEIN_WINDOW) {
    /* U_λ = (1 − λ) U + λ (U0 + Σ ½ k |x − x0|²), the centre fixed */
    k_atoms = malloc((size_t)n * sizeof *k_atoms);
    if (!k_atoms) st = nacre_error_set(err, NACRE_ERR_NOMEM, "springs");
    for (int i = 0; !st && i < n; i++)
      k_atoms[i] = ref.k_ev_a2[species_index(ph, s->numbers[i])];
    springs.natoms = n;
    springs.sites = ref.positions;
    springs.k_ev_a2 = k_atoms;
    springs.lambda = t->lambda;
    mo.extra = nacre_md_springs_apply;
    mo.extra_user = &springs;
    if (!st) calc = nacre_calc_new(run->pot, -1.0, err);
  } else if (!st && t->kind == FE_UF_WINDOW) {
    /* U_λ = (1 − λ) U + λ U_UF */
    calc = nacre_calc_new(run->pot, -1.0, err);
    mix.ref = calc ? nacre_calc_new(uf, -1.0, err) : NULL;
    if (mix.ref) st = nacre_result_init(&mix.ref_r, n, err);
    mo.extra = fe_mix_apply;
    mo.extra_user = &mix;
  } else if (!st) {
    /* U_λ = (1 − λ) U_UF: the ideal gas at λ = 1 */
    calc = nacre_calc_new(uf, -1.0, err);
    mo.extra = fe_mix_apply;
    mo.extra_user = &mix;
  }
  if (!st && (!calc || (t->kind == FE_UF_WINDOW && !mix.ref)))
    st = err ? err->status : NACRE_ERR_NOMEM;
  if (!st) st = sampler_init(&sp, run, neq, nprod, mo.thermo_every, 3, n, err);
  if (!st) {
    if (t->kind == FE_EINSTEIN_WINDOW) {
      sp.springs = &springs;
      sp.springs_offset_ev = ref.lattice_energy_ev;
    } else {
      sp.mix = &mix;
    }
  }
  mo.observer = sampler_observe;
  mo.observer_user = &sp;
  nacre_md *md = NULL;
  if (!st) st = nacre_md_new(calc, s, NULL, ph->masses, &mo, &md, err);
  if (!st) st = md_advance(md, neq + nprod, "λ window", run, &sp, err);
  if (!st) {
    fe_window_result w;
    memset(&w, 0, sizeof w);
    w.lambda = t->lambda;
    w.samples = sp.n;
    nacre_block_average(sp.series[SERIES_INTEGRAND], sp.n, &w.mean_ev, &w.stderr_ev);
    w.sys_mean_ev = mean_of(sp.series[SERIES_SYS], sp.n);
    w.ref_mean_ev = mean_of(sp.series[SERIES_REF], sp.n);
    st = fe_write_window(t->path, t->key, &w, err);
  }
  nacre_md_free(md);
  sampler_free(&sp);
  if (mix.ref) {
    nacre_result_free(&mix.ref_r);
    nacre_calc_free(mix.ref);
  }
  nacre_calc_free(calc);
  nacre_potential_free(uf);
  free(k_atoms);
  nacre_structure_free(s);
  fe_reference_result_free(&ref);
  return st;
}

/* ---------------------------------------------------------------- */
/* NPT points of the grid                                             */
/* ---------------------------------------------------------------- */

/* The volume under stochastic cell rescaling relaxes in the barostat time
 * τ_p (Bernetti & Bussi, JCP 153, 114107 (2020)), an exponential
 * autocorrelation whose mean over a run of length T has variance
 * var(V)·2τ_p/T; blocking a run of a few τ_p cannot reach that plateau and
 * gave ∫V dP error bars three to four times too small (27-atom Cu, 2000
 * steps, τ_p 250 steps). A series' error is kept at least that of its part
 * linear in V: cov(X, V)²/var(V) · 2τ_p/T. */
static void volume_error_floor(const fe_sampler *sp, double tau_fs, double t_fs, int series,
                               double *stderr_mean) {
  long n = sp->n;
  if (n < 2 || !(t_fs > 0)) return;
  const double *v = sp->series[SERIES_VOLUME], *x = sp->series[series];
  double mv = mean_of(v, n), mx = mean_of(x, n), cvv = 0.0, cvx = 0.0;
  for (long i = 0; i < n; i++) {
    cvv += (v[i] - mv) * (v[i] - mv);
    cvx += (v[i] - mv) * (x[i] - mx);
  }
  if (!(cvv > 0)) return;
  double slow = cvx * cvx / cvv / n; /* variance of X's part linear in V */
  double floor2 = slow * fmin(1.0, 2.0 * tau_fs / t_fs);
  if (!(*stderr_mean * *stderr_mean >= floor2)) *stderr_mean = sqrt(floor2);
}

static nacre_status scan(const fe_run *run, const fe_task *t,
                         nacre_error *err) {
  const fe_phase *ph = &run->ph[t->phase];
  int liquid = ph->kind == NACRE_FE_LIQUID;
  nacre_structure *s = nacre_structure_copy(ph->cell, err);
  if (!s) return err ? err->status : NACRE_ERR_NOMEM;
  nacre_status st = NACRE_OK;
  if (t->depends >= 0) { /* a liquid starts from its reference snapshot */
    fe_reference_result ref;
    memset(&ref, 0, sizeof ref);
    st = fe_read_reference(run->tasks[t->depends].path, &ref, err);
    if (!st) {
      memcpy(s->cell, ref.cell, sizeof s->cell);
      memcpy(s->positions, ref.positions, 3 * (size_t)s->natoms * sizeof(double));
    }
    fe_reference_result_free(&ref);
  }
  nacre_calc *calc = st ? NULL : nacre_calc_new(run->pot, -1.0, err);
  if (!st && !calc) st = err ? err->status : NACRE_ERR_NOMEM;
  int fixed = run->o.fixed_cell;
  nacre_md_barostat baro = fixed                               ? NACRE_MD_BAROSTAT_NONE
                           : liquid || run->o.anisotropic == 0 ? NACRE_MD_CRESCALE_ISO
                                                               : NACRE_MD_CRESCALE_ANISO;
  nacre_md_options mo;
  md_options(run, t->phase, t->temperature_k, NACRE_MD_BUSSI, baro, t->pressure_gpa, 0,
             task_seed(t, "scan"), &mo);
  long neq = (long)run->npt_equilibration, nprod = run->o.steps;
  fe_sampler sp;
  memset(&sp, 0, sizeof sp);
  if (!st) st = sampler_init(&sp, run, neq, nprod, mo.thermo_every, 4, s->natoms, err);
  if (!st) st = sampler_frames(&sp, ph, nprod, mo.thermo_every, err);
  if (!st && !liquid) st = sampler_positions(&sp, s->natoms, err);
  sp.record_cell = 1;
  sp.pressure_ev_a3 = fixed ? 0.0 : t->pressure_gpa * NACRE_GPA_TO_EV_A3;
  mo.observer = sampler_observe;
  mo.observer_user = &sp;
  nacre_md *md = NULL;
  if (!st) st = nacre_md_new(calc, s, NULL, ph->masses, &mo, &md, err);
  if (!st) st = md_advance(md, neq + nprod, "NPT point", run, &sp, err);
  nacre_phase_report rep;
  if (!st) st = classify(&sp, &rep, err);
  if (!st) {
    fe_scan_result r;
    memset(&r, 0, sizeof r);
    r.temperature_k = t->temperature_k;
    r.pressure_gpa = t->pressure_gpa;
    r.samples = sp.n;
    nacre_block_average(sp.series[SERIES_ENERGY], sp.n, &r.energy_ev, &r.energy_stderr_ev);
    nacre_block_average(sp.series[SERIES_VOLUME], sp.n, &r.volume_a3, &r.volume_stderr_a3);
    nacre_block_average(sp.series[SERIES_ENTHALPY], sp.n, &r.enthalpy_ev, &r.enthalpy_stderr_ev);
    if (baro != NACRE_MD_BAROSTAT_NONE) {
      double t_fs = (double)sp.n * mo.thermo_every * mo.timestep_fs;
      volume_error_floor(&sp, run->tau_p, t_fs, SERIES_VOLUME, &r.volume_stderr_a3);
      volume_error_floor(&sp, run->tau_p, t_fs, SERIES_ENTHALPY, &r.enthalpy_stderr_ev);
      volume_error_floor(&sp, run->tau_p, t_fs, SERIES_ENERGY, &r.energy_stderr_ev);
    }
    nacre_block_average(sp.series[SERIES_PRESSURE], sp.n, &r.measured_pressure_gpa,
                        &r.measured_pressure_stderr_gpa);
    snprintf(r.verdict, sizeof r.verdict, "%s", nacre_phase_verdict_name(rep.verdict));
    r.valid = 1;
    if (liquid && rep.verdict == NACRE_PHASE_SOLID) {
      r.valid = 0;
      snprintf(r.reason, sizeof r.reason, "crystallised: %.500s", rep.reason);
    } else if (!liquid && rep.verdict == NACRE_PHASE_LIQUID) {
      r.valid = 0;
      snprintf(r.reason, sizeof r.reason, "melted: %.500s", rep.reason);
    } else if (!liquid) {
      double cell[3][3];
      for (int a = 0; a < 3; a++)
        for (int b = 0; b < 3; b++) cell[a][b] = sp.cell_sum[a][b] / sp.ncell;
      crystal_check cc;
      check_crystal(run, ph, &sp, cell, &cc);
      r.symmetry_deviation_a = cc.sym.deviation_a;
      r.symmetry_bound_a = cc.sym.bound_a;
      snprintf(r.crystal_check, sizeof r.crystal_check, "%s",
               cc.changed ? "transformed" : cc.inconclusive ? "inconclusive" : "ok");
      if (cc.changed) {
        r.valid = 0;
        snprintf(r.reason, sizeof r.reason, "transformed: %s", cc.why);
      } else if (cc.inconclusive) {
        snprintf(r.reason, sizeof r.reason, "inconclusive: %s", cc.why);
      } else {
        snprintf(r.reason, sizeof r.reason, "%s", rep.reason);
      }
    } else {
      snprintf(r.reason, sizeof r.reason, "%s", rep.reason);
    }
    st = fe_write_scan(t->path, t->key, &r, err);
  }
  nacre_md_free(md);
  sampler_free(&sp);
  nacre_calc_free(calc);
  nacre_structure_free(s);
  return st;
}

nacre_status fe_task_run(const fe_run *run, int k, nacre_error *err) {
  const fe_task *t = &run->tasks[k];
  switch (t->kind) {
  case FE_SOLID_REFERENCE: return solid_reference(run, t, err);
  case FE_LIQUID_REFERENCE: return liquid_reference(run, t, err);
  case FE_EINSTEIN_WINDOW:
  case FE_IDEAL_WINDOW:
  case FE_UF_WINDOW: return window(run, t, err);
  case FE_SCAN: return scan(run, t, err);
  }
  return nacre_error_set(err, NACRE_ERR_INVALID, "unknown task kind");
}

/* ---------------------------------------------------------------- */
/* Phases                                                             */
/* ---------------------------------------------------------------- */

/* Shortest interatomic distance through periodic images. */
static double nearest_distance(const nacre_structure *s) {
  double best = INFINITY;
  for (int i = 0; i < s->natoms; i++)
    for (int j = i; j < s->natoms; j++) {
      double d[3];
      for (int c = 0; c < 3; c++)
        d[c] = s->positions[3 * (size_t)j + c] - s->positions[3 * (size_t)i + c];
      if (i == j) {
        /* the atom's own images: the shortest lattice vector */
        double h[3];
        nacre_cell_heights(s->cell, h);
        for (int c = 0; c < 3; c++) best = fmin(best, h[c]);
        continue;
      }
      nacre_cell_minimum_image(s->cell, s->pbc, d);
      best = fmin(best, sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]));
    }
  return best;
}

static void supercell_for_length(const double cell[3][3], double len, int m[3][3]) {
  double h[3];
  nacre_cell_heights(cell, h);
  memset(m, 0, 9 * sizeof(int));
  for (int k = 0; k < 3; k++) {
    int n = len > 0 ? (int)ceil(len / h[k] - 1e-9) : 1;
    m[k][k] = n < 1 ? 1 : n;
  }
}

nacre_status fe_phase_prepare(const nacre_fe_options *o,
                              const nacre_fe_phase *in, fe_phase *out,
                              nacre_error *err) {
  memset(out, 0, sizeof *out);
  snprintf(out->name, sizeof out->name, "%s", in->name);
  out->kind = in->kind;
  const nacre_structure *s = in->structure;
  if (s->natoms < 1 || !s->pbc[0] || !s->pbc[1] || !s->pbc[2])
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "%s: free energies need a cell periodic in all "
                           "three directions with at least one atom",
                           in->name);
  int m[3][3], zero = 1;
  for (int a = 0; a < 3; a++)
    for (int b = 0; b < 3; b++) {
      m[a][b] = o->supercell[a][b];
      zero &= m[a][b] == 0;
    }
  if (zero) supercell_for_length(s->cell, o->min_length_a, m);
  memcpy(out->supercell, m, sizeof m);
  out->unit = nacre_structure_copy(s, err);
  if (!out->unit) return err ? err->status : NACRE_ERR_NOMEM;
  free(out->unit->fixed);
  out->unit->fixed = NULL;
  nacre_status st = nacre_structure_supercell(s, m, &out->cell, err);
  if (st) return nacre_error_prefix(err, "%s: ", in->name);
  free(out->cell->fixed);
  out->cell->fixed = NULL;
  int n = out->cell->natoms;
  out->masses = malloc((size_t)n * sizeof *out->masses);
  if (!out->masses) return nacre_error_set(err, NACRE_ERR_NOMEM, "masses");
  for (int i = 0; i < n; i++) {
    int z = out->cell->numbers[i];
    const nacre_element *e = nacre_element_by_z(z);
    out->masses[i] = e ? e->mass_amu : 1.0;
    int k = 0;
    while (k < out->nspecies && out->species_z[k] != z) k++;
    if (k == out->nspecies) {
      if (out->nspecies == FE_MAX_SPECIES)
        return nacre_error_set(err, NACRE_ERR_UNSUPPORTED,
                               "%s: at most %d elements", in->name,
                               FE_MAX_SPECIES);
      out->species_z[out->nspecies++] = z;
    }
  }
  out->nn_distance_a = nearest_distance(out->cell);
  if (in->kind == NACRE_FE_SOLID) {
    nacre_status sst = fe_symops_prepare(out, o->symprec, err);
    if (sst) return sst;
  }
  /* identity of the simulated cell */
  char buf[128];
  uint64_t h = nacre_fnv1a(NACRE_FNV1A_OFFSET, in->kind == NACRE_FE_SOLID ? "solid" : "liquid");
  for (int a = 0; a < 3; a++)
    for (int b = 0; b < 3; b++) {
      snprintf(buf, sizeof buf, "%.10g,", out->cell->cell[a][b]);
      h = nacre_fnv1a(h, buf);
    }
  for (int i = 0; i < n; i++) {
    snprintf(buf, sizeof buf, "%d:%.8f,%.8f,%.8f;", out->cell->numbers[i],
             out->cell->positions[3 * (size_t)i], out->cell->positions[3 * (size_t)i + 1],
             out->cell->positions[3 * (size_t)i + 2]);
    h = nacre_fnv1a(h, buf);
  }
  out->hash = h;
  return NACRE_OK;
}

/* The compressibility the barostat is told (its coupling; stochastic cell
 * rescaling samples NPT whatever its value, but relaxes the volume in
 * τ_p · β_true/β): the option, or the static one of the simulated cell,
 * β = −(1/V) dV/dP from the pressures at volumes ±1 % (positions scaled),
 * kept within 1e-4 to 2 per GPa. */
nacre_status fe_phase_compressibility(const nacre_potential *pot,
                                      const nacre_fe_options *o, fe_phase *ph,
                                      nacre_error *err) {
  ph->compressibility_per_gpa = o->compressibility_per_gpa;
  if (o->compressibility_per_gpa > 0) return NACRE_OK;
  nacre_calc *calc = nacre_calc_new(pot, -1.0, err);
  nacre_structure *s = nacre_structure_copy(ph->cell, err);
  nacre_status st = calc && s ? NACRE_OK : (err ? err->status : NACRE_ERR_NOMEM);
  nacre_result r;
  memset(&r, 0, sizeof r);
  if (!st) st = nacre_result_init(&r, ph->cell->natoms, err);
  double p[2] = {0, 0}, eps = 0.01;
  for (int k = 0; k < 2 && !st; k++) {
    double f = cbrt(1.0 + (k ? eps : -eps));
    for (int a = 0; a < 3; a++)
      for (int b = 0; b < 3; b++) s->cell[a][b] = f * ph->cell->cell[a][b];
    for (int i = 0; i < 3 * s->natoms; i++) s->positions[i] = f * ph->cell->positions[i];
    st = nacre_calc_compute(calc, s, NACRE_WANT_ENERGY | NACRE_WANT_STRESS, &r, err);
    if (!st) p[k] = -(r.stress[0] + r.stress[1] + r.stress[2]) / 3.0 / NACRE_GPA_TO_EV_A3;
  }
  nacre_result_free(&r);
  nacre_structure_free(s);
  nacre_calc_free(calc);
  if (st) return nacre_error_prefix(err, "%s: the static compressibility: ", ph->name);
  double beta = -2.0 * eps / (p[1] - p[0]);
  if (!isfinite(beta) || beta < 1e-4) beta = beta > 0 ? 1e-4 : 0.01;
  if (beta > 2.0) beta = 2.0;
  ph->compressibility_per_gpa = beta;
  return NACRE_OK;
}
