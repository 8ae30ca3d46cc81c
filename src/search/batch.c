/* batch.c — what the fixed-composition engine (engine.c) and the
 * variable-composition one (varcomp.c) share of a generation's life:
 * making the candidates a run does not hold yet, relaxing the pending ones
 * in this process or on a transport's workers, the one rule of a finished
 * relaxation, the counts over a run and the progress filled from them;
 * see transport.h. Each engine keeps its own pool and ranking. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "run_internal.h"
#include "transport.h"

int search_should_stop(nacre_run *run, const nacre_ctx *ctx, double deadline) {
  if (nacre_ctx_interrupted(ctx)) {
    snprintf(run->stop_reason, sizeof run->stop_reason, "interrupted");
    return 1;
  }
  if (deadline > 0 && nacre_now_s() >= deadline) {
    snprintf(run->stop_reason, sizeof run->stop_reason, "time limit");
    return 1;
  }
  return 0;
}

void search_candidate_take_report(nacre_candidate *c, const nacre_search_relaxed *out) {
  int committee = out->committee_size > 0 && isfinite(out->committee_force_dev_max) &&
                  isfinite(out->committee_energy_dev_per_atom);
  c->committee_force_dev_max = committee ? out->committee_force_dev_max : NAN;
  c->committee_energy_dev_per_atom = committee ? out->committee_energy_dev_per_atom : NAN;
  int known = out->domain_checked > 0;
  c->domain_left = known ? out->domain_outside > 0 : -1;
  c->domain_end_outside = known ? out->domain_outside_at_end != 0 : -1;
}

void search_tally_stored(search_tally *t, const nacre_candidate *c) {
  if (c->status != NACRE_CANDIDATE_PENDING) t->finished++;
  if (c->status == NACRE_CANDIDATE_FAILED)
    nacre_search_failures_add(&t->failures, c->outcome, 1);
  if (c->status == NACRE_CANDIDATE_DONE) t->done++;
}

void search_progress_fill(nacre_search_progress *p, const search_tally *t,
                          const nacre_search_config *cfg, int gen, long unique,
                          long since_new_low, int final) {
  memset(p, 0, sizeof *p);
  p->final = final;
  p->finished = t->finished;
  p->done = t->done;
  p->budget = cfg->budget;
  p->failures = t->failures;
  p->domain = t->domain;
  p->generation = gen;
  p->unique = unique;
  p->since_new_low = since_new_low;
  p->elapsed_s = nacre_now_s() - t->t_start;
  p->relax_per_hour = p->elapsed_s > 0 ? 3600.0 * t->finished_now / p->elapsed_s : 0;
}

int search_progress_send(nacre_run *run, nacre_search_progress_fn prog,
                         void *user, const nacre_search_progress *p) {
  if (!prog) return 0;
  if (prog(user, p) && !p->final) {
    snprintf(run->stop_reason, sizeof run->stop_reason, "stopped");
    return 1;
  }
  return 0;
}

nacre_status search_finish_relaxed(nacre_run *run, const nacre_search_config *cfg,
                                   const nacre_random_options *random,
                                   nacre_candidate *c, nacre_structure *s,
                                   const nacre_search_relaxed *out,
                                   search_tally *tally, int *ok,
                                   nacre_error *err) {
  nacre_structure_free(c->relaxed);
  c->relaxed = s;
  c->energy = out->energy;
  c->enthalpy = out->enthalpy;
  c->steps = out->steps;
  snprintf(c->outcome, sizeof c->outcome, "%s", out->outcome);
  c->volume = (s->pbc[0] || s->pbc[1] || s->pbc[2]) ? fabs(nacre_structure_volume(s)) : 0.0;
  int good = out->ok && isfinite(out->enthalpy) && isfinite(out->energy) &&
             nacre_structure_check(s, NULL) == NACRE_OK;
  if (good && cfg->min_relaxed_factor > 0 &&
      nacre_search_distance_ratio(s, random, NULL) < cfg->min_relaxed_factor) {
    good = 0; /* a spurious minimum of the potential at unphysical distances */
    snprintf(c->outcome, sizeof c->outcome, "too-close");
  }
  if (good) {
    nacre_search_classify(s, cfg->symprec, &c->sg, c->sg_symbol, c->pearson);
    nacre_fingerprint_free(c->fp);
    c->fp = NULL;
    nacre_error tmp;
    good = nacre_fingerprint_new(s, &cfg->fingerprint, &c->fp, &tmp) == NACRE_OK;
    if (!good) snprintf(c->outcome, sizeof c->outcome, "fingerprint");
  }
  c->status = good ? NACRE_CANDIDATE_DONE : NACRE_CANDIDATE_FAILED;
  c->finished = nacre_epoch_s();
  search_candidate_take_report(c, out);
  *ok = good;
  nacre_status st = run_store_result(run, c, err);
  if (st) return st;
  tally->finished++;
  tally->finished_now++;
  tally->done += good;
  if (!good) nacre_search_failures_add(&tally->failures, c->outcome, 1);
  nacre_search_domain *domain = &tally->domain;
  if (out->domain_checked > 0) { /* the potential's training data */
    domain->relaxations++;
    domain->left += out->domain_outside > 0;
    domain->ended_outside += out->domain_outside_at_end != 0;
    domain->evaluations += out->domain_checked;
    domain->evaluations_outside += out->domain_outside;
  }
  return NACRE_OK;
}

static int stop(const search_batch *b) {
  return search_should_stop(b->run, b->ctx, b->deadline);
}

static nacre_status relax_here(const search_batch *b, long from, long to,
                               int *stopped, nacre_error *err) {
  for (long id = from; id < to; id++) {
    if (b->c[id].status != NACRE_CANDIDATE_PENDING) continue;
    if (stop(b)) {
      *stopped = 1;
      return NACRE_OK;
    }
    nacre_structure *s = nacre_structure_copy(b->c[id].start, err);
    if (!s) return NACRE_ERR_NOMEM;
    nacre_search_relaxed out;
    memset(&out, 0, sizeof out);
    nacre_status st = b->relax(b->relax_user, s, b->pressure_gpa, &out, err);
    if (st) {
      nacre_structure_free(s);
      return nacre_error_prefix(err, "relaxing candidate %ld: ", id);
    }
    if ((st = b->finish(b->user, id, s, &out, err))) return st;
    if (b->report(b->user)) {
      *stopped = 1;
      return NACRE_OK;
    }
  }
  return NACRE_OK;
}

nacre_status search_relax_batch(const search_batch *b, long from, long to,
                                int *stopped, nacre_error *err) {
  *stopped = 0;
  if (!b->t) return relax_here(b, from, to, stopped, err);
  search_transport *t = b->t;
  long next = from;
  int busy = 0;
  for (;;) {
    /* hand out work */
    for (int k = 0; k < t->nworkers && !*stopped; k++) {
      if (t->task[k] >= 0) continue;
      while (next < to && b->c[next].status != NACRE_CANDIDATE_PENDING) next++;
      if (next >= to) break;
      if (stop(b)) {
        *stopped = 1;
        break;
      }
      nacre_status st = t->send(t, k, next, b->c[next].start, b->pressure_gpa, err);
      if (st) return st;
      next++;
      busy++;
    }
    if (!busy) return NACRE_OK;
    if (*stopped) return NACRE_OK; /* in-flight work stays pending */
    int k;
    search_reply rep;
    nacre_structure *s = NULL;
    nacre_status st = t->recv(t, 500, &k, &rep, &s, err);
    if (st) return st;
    if (k < 0) {
      if (stop(b)) {
        *stopped = 1;
        return NACRE_OK;
      }
      continue;
    }
    busy--;
    if (rep.status != NACRE_OK) {
      nacre_structure_free(s);
      return nacre_error_set(err, (nacre_status)rep.status,
                             "relaxing candidate %ld: %s", rep.id, rep.message);
    }
    if ((st = b->finish(b->user, rep.id, s, &rep.out, err))) return st;
    if (b->report(b->user)) *stopped = 1;
  }
}

nacre_status search_make_generation(nacre_run *run, nacre_candidate *c,
                                    long from, long to, long *n,
                                    search_make_fn make, void *user,
                                    nacre_error *err) {
  if (to <= *n) return NACRE_OK;
  nacre_status st = run_begin(run, err);
  for (long id = from; id < to && !st; id++) {
    if (id < *n) continue;
    int particle = -1;
    st = make(user, id, (int)(id - from), &particle, err);
    if (!st) st = run_insert_pending(run, &c[id], particle, err);
  }
  if (st) {
    run_rollback(run);
    return st;
  }
  if ((st = run_commit(run, err))) return st;
  *n = to;
  return NACRE_OK;
}

nacre_status search_relax_generation(search_batch *b, int jobs, long from,
                                     long to, int *pending, int *stopped,
                                     nacre_error *err) {
  *pending = 0;
  *stopped = 0;
  for (long id = from; id < to; id++) *pending += b->c[id].status == NACRE_CANDIDATE_PENDING;
  if (!*pending) return NACRE_OK;
  nacre_status st = NACRE_OK;
  if (jobs > 1 && !b->t &&
      (st = search_fork_new(jobs, b->relax, b->relax_user, &b->t, err)))
    return st;
  return search_relax_batch(b, from, to, stopped, err);
}
