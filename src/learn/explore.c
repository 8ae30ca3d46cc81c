/* explore.c — exploration tasks driven by the committee: MD runs (NVT or
 * NPT, every structure × temperature × pressure of a task) sampled every N
 * steps, and random-structure searches whose relaxed minima are sampled.
 * Each configuration met gets the committee's deviation, and the task its
 * accurate / candidate / failed counts. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "learn_internal.h"
#include "nacre/io.h"
#include "nacre/md.h"

void learn_configs_free(learn_configs *c) {
  for (int k = 0; k < c->n; k++) nacre_structure_free(c->items[k].s);
  free(c->items);
  memset(c, 0, sizeof *c);
}

/* Takes a wrapped copy of s. */
static nacre_status configs_add(learn_configs *c, const nacre_structure *s,
                                double deviation, int task, int end_point,
                                double pressure_gpa, double energy,
                                nacre_error *err) {
  if (c->n == c->cap) {
    int cap = c->cap ? 2 * c->cap : 64;
    learn_config *it = realloc(c->items, (size_t)cap * sizeof *it);
    if (!it) return nacre_error_set(err, NACRE_ERR_NOMEM, "configurations");
    c->items = it;
    c->cap = cap;
  }
  nacre_structure *copy = nacre_structure_copy(s, err);
  if (!copy) return err ? err->status : NACRE_ERR_NOMEM;
  nacre_structure_wrap(copy);
  double h = (energy + pressure_gpa * NACRE_GPA_TO_EV_A3 * nacre_structure_volume(s)) /
             (double)s->natoms;
  c->items[c->n++] =
      (learn_config){copy, deviation, task, end_point, pressure_gpa, isfinite(h) ? h : NAN};
  return NACRE_OK;
}

static void count(const nacre_learn_selection *sel, double dev,
                  nacre_learn_task_stats *st) {
  st->configurations++;
  switch (nacre_learn_classify(sel, dev)) {
  case NACRE_LEARN_ACCURATE: st->accurate++; break;
  case NACRE_LEARN_CANDIDATE: st->candidate++; break;
  default: st->failed++; break;
  }
  if (isfinite(dev) && (!isfinite(st->max_deviation) || dev > st->max_deviation))
    st->max_deviation = dev;
}

/* A trajectory whose configurations all lie above hi for this many samples
 * in a row has left physical space; it is stopped (DP-GEN keeps such runs
 * going, only to discard what follows). */
#define MD_FAILED_IN_A_ROW 5

/* Gaussian displacement (Å) of the rattled copy of a search minimum. */
#define SEARCH_RATTLE_A 0.05

typedef struct md_watch {
  const nacre_learn_selection *sel;
  learn_configs *out;
  nacre_learn_task_stats *stats;
  int task, failed_in_a_row;
  double pressure_gpa;
  nacre_status st;
  nacre_error *err;
} md_watch;

static int md_observe(void *user, const nacre_md *md, const nacre_md_thermo *th) {
  md_watch *w = user;
  if (th->step == 0) return 0; /* the starting structure is the input */
  double dev = nacre_learn_deviation(w->sel, nacre_md_result(md));
  count(w->sel, dev, w->stats);
  w->st = configs_add(w->out, nacre_md_structure(md), dev, w->task, 0, w->pressure_gpa,
                      nacre_md_result(md)->energy, w->err);
  if (w->st) return 1;
  w->failed_in_a_row = nacre_learn_classify(w->sel, dev) == NACRE_LEARN_FAILED
                           ? w->failed_in_a_row + 1
                           : 0;
  return w->failed_in_a_row >= MD_FAILED_IN_A_ROW;
}

static nacre_status md_run_one(const nacre_learn_config *c,
                               const nacre_learn_task *t, int task_index,
                               nacre_calc *calc, const nacre_structure *s,
                               double temperature, double pressure,
                               uint64_t seed, learn_configs *out,
                               nacre_learn_task_stats *stats,
                               const nacre_ctx *ctx, nacre_error *err) {
  nacre_md_options o;
  nacre_md_options_init(&o);
  o.timestep_fs = t->timestep_fs;
  o.temperature_k = temperature;
  o.thermostat = NACRE_MD_BUSSI;
  if (!strcmp(t->ensemble, "npt")) {
    o.barostat = NACRE_MD_CRESCALE_ISO;
    o.pressure_gpa = pressure;
  }
  o.seed = seed;
  o.thermo_every = t->every;
  o.max_drift_ev_atom = 1e3; /* a thermostatted run; an explosion is caught
                                by non-finite forces and the deviation */
  md_watch w = {&c->select, out, stats, task_index, 0, pressure, NACRE_OK, err};
  o.observer = md_observe;
  o.observer_user = &w;
  nacre_md *md = NULL;
  nacre_status st = nacre_md_new(calc, s, NULL, NULL, &o, &md, err);
  if (st) return st;
  size_t before = (size_t)out->n;
  nacre_md_outcome outcome;
  st = nacre_md_run(md, t->steps, ctx, &outcome, err);
  if (!st) st = w.st;
  /* the last configuration sampled is the run's end point */
  if (!st && (size_t)out->n > before) out->items[out->n - 1].end_point = 1;
  if (!st && outcome != NACRE_MD_COMPLETED && outcome != NACRE_MD_STOPPED)
    nacre_log(ctx, NACRE_LOG_INFO, "md task %s at %g K, %g GPa ended early: %s",
              t->name, temperature, pressure, nacre_md_outcome_name(outcome));
  nacre_md_free(md);
  return st;
}

static nacre_status explore_md(const nacre_learn_config *c,
                               const nacre_learn_task *t, int task_index,
                               const nacre_potential *pot, uint64_t seed,
                               learn_configs *out, nacre_learn_task_stats *stats,
                               const nacre_ctx *ctx, nacre_error *err) {
  nacre_calc *calc = nacre_calc_new(pot, -1.0, err);
  if (!calc) return err ? err->status : NACRE_ERR_NOMEM;
  nacre_status st = NACRE_OK;
  int run = 0;
  for (int i = 0; i < t->nstructures && !st; i++) {
    nacre_structure *s = NULL;
    if ((st = nacre_read_structure(t->structures[i], &s, err))) break;
    for (int a = 0; a < t->ntemperatures && !st; a++)
      for (int b = 0; b < t->npressures && !st; b++, run++) {
        double p = !strcmp(t->ensemble, "npt") ? t->pressures_gpa[b] : 0;
        if (strcmp(t->ensemble, "npt") && b > 0) continue; /* NVT: one pressure */
        st = md_run_one(c, t, task_index, calc, s, t->temperatures_k[a], p,
                        seed + 7919u * (uint64_t)run, out, stats, ctx, err);
        /* a run the committee cannot even start (atoms on top of each
         * other, non-finite forces) counts as one failed configuration */
        if (st && st != NACRE_ERR_INTERRUPTED && st != NACRE_ERR_NOMEM &&
            st != NACRE_ERR_IO) {
          nacre_log(ctx, NACRE_LOG_WARN, "md task %s: %s", t->name, err->message);
          stats->configurations++;
          stats->failed++;
          nacre_error_clear(err);
          st = NACRE_OK;
        }
      }
    nacre_structure_free(s);
  }
  nacre_calc_free(calc);
  return st;
}

static nacre_status explore_search(const nacre_learn_config *c,
                                   const nacre_learn_task *t, int task_index,
                                   const char *committee, const nacre_potential *pot,
                                   const char *work, uint64_t seed,
                                   learn_configs *out, nacre_learn_task_stats *stats,
                                   const nacre_ctx *ctx, nacre_error *err) {
  nacre_calc *calc = nacre_calc_new(pot, -1.0, err);
  if (!calc) return err ? err->status : NACRE_ERR_NOMEM;
  nacre_status st = NACRE_OK;
  for (int b = 0; b < t->npressures && !st; b++) {
    nacre_search_job job;
    nacre_search_job_init(&job);
    nacre_search_config *sc = &job.config;
    if ((st = nacre_composition_parse(t->composition, &sc->composition, err))) break;
    sc->pressure_gpa = t->pressures_gpa[b];
    sc->engine = NACRE_ENGINE_RANDOM;
    sc->seed = seed + 104729u * (uint64_t)b;
    sc->budget = t->budget;
    sc->jobs = 1;
    snprintf(sc->potential, sizeof sc->potential, "%s", committee);
    char db[1200];
    snprintf(db, sizeof db, "%s/task%d-p%d.db", work, task_index, b);
    snprintf(sc->output_dir, sizeof sc->output_dir, "%s", work);
    /* an exploration is redone whole after a kill */
    static const char *const suffix[] = {"", "-wal", "-shm", "-journal"};
    for (int k = 0; k < 4; k++) {
      char f[1300];
      snprintf(f, sizeof f, "%s%s", db, suffix[k]);
      unlink(f);
    }
    job.db = db;
    nacre_run *run = NULL;
    st = nacre_search_job_run(&job, NULL, ctx, &run, NULL, err);
    nacre_candidate *cand = NULL;
    long n = 0;
    if (!st) st = nacre_run_load_done(run, &cand, &n, err);
    nacre_result r;
    if (!st) {
      memset(&r, 0, sizeof r);
      for (long k = 0; k < n && !st; k++) {
        const nacre_structure *s = cand[k].relaxed;
        if (!s) continue;
        /* A minimum's forces vanish for every member (by symmetry, or at
         * each member's own minimum nearby), so its deviation says little:
         * the task is judged on the minimum rattled as at a few hundred
         * K, and the minimum itself is an end point for the random
         * sample. */
        nacre_structure *x = nacre_structure_copy(s, err);
        if (!x) {
          st = err->status;
          break;
        }
        nacre_rng rng;
        nacre_rng_init(&rng, sc->seed, 5000u + (uint64_t)k);
        for (int i = 0; i < 3 * x->natoms; i++)
          x->positions[i] += SEARCH_RATTLE_A * nacre_rng_normal(&rng);
        double dev[2] = {NAN, NAN}, energy[2] = {NAN, NAN};
        const nacre_structure *both[2] = {s, x};
        for (int q = 0; q < 2 && !st; q++) {
          if ((st = nacre_result_init(&r, s->natoms, err))) break;
          if (!nacre_calc_compute(calc, both[q], NACRE_WANT_ALL, &r, err)) {
            dev[q] = nacre_learn_deviation(&c->select, &r);
            energy[q] = r.energy;
          }
          else
            nacre_error_clear(err);
          nacre_result_free(&r);
        }
        count(&c->select, dev[1], stats);
        if (!st) st = configs_add(out, s, dev[0], task_index, 1, sc->pressure_gpa, energy[0], err);
        if (!st) st = configs_add(out, x, dev[1], task_index, 0, sc->pressure_gpa, energy[1], err);
        nacre_structure_free(x);
      }
    }
    nacre_candidates_free(cand, n);
    if (run) nacre_run_close(run);
  }
  nacre_calc_free(calc);
  return st;
}

nacre_status learn_explore_task(const nacre_learn_config *c,
                                const nacre_learn_task *t, int task_index,
                                const char *committee, const char *work,
                                uint64_t seed, learn_configs *out,
                                nacre_learn_task_stats *stats,
                                const nacre_ctx *ctx, nacre_error *err) {
  stats->max_deviation = NAN;
  snprintf(stats->name, sizeof stats->name, "%s", t->name);
  nacre_potential *pot = NULL;
  nacre_status st = nacre_potential_load(committee, &pot, err);
  if (st) return st;
  /* leaving the training data is what exploration is for: the warnings of
   * MD and the search about it are left out unless asked for */
  nacre_ctx quiet = *ctx;
  if (quiet.log_level < NACRE_LOG_DEBUG) quiet.log_level = NACRE_LOG_ERROR;
  if (t->kind == NACRE_LEARN_TASK_MD)
    st = explore_md(c, t, task_index, pot, seed, out, stats, &quiet, err);
  else
    st = explore_search(c, t, task_index, committee, pot, work, seed, out, stats,
                        &quiet, err);
  nacre_potential_free(pot);
  return st;
}
