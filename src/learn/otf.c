/* otf.c — on-the-fly learning MD: a committee drives the dynamics; a force
 * evaluation whose deviation reaches the threshold, and whose structure is
 * no near-duplicate of the labelled data (fingerprint distance: the screen
 * that made on-the-fly learning of sodium interfaces faster than ab initio
 * MD), is labelled and that step is integrated on the labeller's energy,
 * forces and stress; after every N new labels the committee is retrained
 * (warm-started) and the run goes on from its exact MD state (positions,
 * velocities, thermostat and barostat variables, random streams).
 *
 * Kill-safety: every label is appended to the run file (otf.db) as soon as
 * it is made, and a checkpoint (MD state, committee, counters) is written
 * every checkpoint_every steps and after every retraining; the dynamics
 * always go on from the state just written (a new MD object reads it), so
 * a resumed run restarts from the last checkpoint and replays the steps
 * after it exactly; the labels an earlier session made on them are taken
 * from the run file instead of being paid for twice. Frames spread over the run are labelled as it
 * passes them ("check" labels, never trained on) and measure at the end
 * both the forces the trajectory used and the final committee. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "learn_internal.h"
#include "nacre/io.h"
#include "nacre/nn.h"
#include "nacre/procpool.h"

void nacre_learn_md_options_init(nacre_learn_md_options *o) {
  memset(o, 0, sizeof *o);
  nacre_md_options_init(&o->md);
  o->steps = 1000;
  o->retrain_every = 5;
  o->threshold_ev_a = NAN;
  o->screen = 1;
  o->check_samples = 10;
  o->checkpoint_every = 50;
}

typedef struct otf {
  const nacre_learn_config *c;
  const nacre_learn_md_options *o;
  const nacre_ctx *ctx;
  nacre_error *err;
  nacre_learn_md_report *rep;
  otf_db *db;
  nacre_dataset *data;          /* the committee's training data */
  nacre_fingerprint **fp;       /* fingerprints of data's structures */
  int nfp, cap_fp;
  nacre_fingerprint_options fo;
  nacre_nn_model **models;      /* the committee */
  char *committee_text;         /* its file's text, for the checkpoint */
  char committee[1200];         /* its file */
  nacre_learn_selection sel;    /* lo = the threshold */
  double screen_hi_ev_a;        /* σ_f from which a step is labelled even
                                   when it is a near-duplicate */
  otf_label *journal;           /* labels an earlier session made after */
  int njournal, next;           /* the checkpoint, replayed in order */
  long last_label;              /* row id of the newest label made or replayed */
  int restart_index;            /* data index the last evaluation ran on */
  int new_labels;               /* since the last training began */
  int retrain;                  /* asks the MD loop to stop and retrain (or
                                   swap the background committee in) */
  nacre_procpool *bg;           /* the background retraining's worker */
  int bg_n;                     /* it trains on data[0, bg_n); -1: none */
  long bg_swap;                 /* step at which its committee comes in */
  int silent;                   /* evaluations that are not the run's */
  int restarting;               /* the next evaluation repeats the last one */
  long step;                    /* MD step now */
  long check_every;
  double wall0_s;               /* wall time of earlier sessions */
  double t0;                    /* this session's start */
  nacre_status st;              /* an error met inside an MD callback */
} otf;

/* ---- labels ---- */

static void pause_s(double d) {
  struct timespec ts = {(time_t)d, (long)(1e9 * (d - floor(d)))};
  while (nanosleep(&ts, &ts) && errno == EINTR) {
  }
}

/* One call of the labeller (and the study's delay) into sm. */
static nacre_status label_one(otf *T, const nacre_structure *s, nacre_sample *sm) {
  if (T->o->label_delay_s > 0) pause_s(T->o->label_delay_s);
  nacre_label_result r;
  nacre_label_result_init(&r);
  nacre_status st = nacre_label_run(&T->c->label, s, &r, T->ctx, T->err);
  if (!st) {
    size_t nf = 3 * (size_t)s->natoms;
    if (!(sm->forces = malloc(nf * sizeof *sm->forces))) {
      st = nacre_error_set(T->err, NACRE_ERR_NOMEM, "label");
    } else {
      sm->energy = r.energy_ev;
      memcpy(sm->forces, r.forces_ev_a, nf * sizeof *sm->forces);
      memcpy(sm->stress, r.stress_ev_a3, sizeof sm->stress);
      sm->has = NACRE_LABEL_ENERGY | NACRE_LABEL_FORCES | NACRE_LABEL_STRESS;
    }
  }
  nacre_label_result_clear(&r);
  return st;
}

/* Same atoms at the same places (within 1e-6 Å) in the same cell. */
static int same_structure(const nacre_structure *a, const nacre_structure *b) {
  if (a->natoms != b->natoms) return 0;
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++)
      if (fabs(a->cell[i][j] - b->cell[i][j]) > 1e-6) return 0;
  for (int i = 0; i < a->natoms; i++) {
    if (a->numbers[i] != b->numbers[i]) return 0;
    for (int d = 0; d < 3; d++)
      if (fabs(a->positions[3 * i + d] - b->positions[3 * i + d]) > 1e-6) return 0;
  }
  return 1;
}

/* The journal's next label when it is the one this run asks for (same
 * kind, evaluation and wrapped structure s): moved into *l, 1. When the
 * run has passed the journal's next label without asking for it, the run
 * left the earlier session's path (a different rounding in a retraining):
 * the rest of the journal is dropped, with a warning. */
static int journal_take(otf *T, const char *kind, long evaluation,
                        const nacre_structure *s, otf_label *l) {
  if (T->next >= T->njournal) return 0;
  otf_label *j = &T->journal[T->next];
  if (j->evaluation > evaluation) return 0;
  if (j->evaluation == evaluation && !strcmp(j->kind, kind) && same_structure(j->sm.s, s)) {
    *l = *j;
    memset(j, 0, sizeof *j);
    T->next++;
    T->last_label = l->id;
    return 1;
  }
  nacre_log(T->ctx, NACRE_LOG_WARN,
            "the resumed run left the path of the interrupted one at evaluation %ld: "
            "its %d later labels are dropped and made again where needed",
            evaluation, T->njournal - T->next);
  T->st = otf_db_drop_labels_after(T->db, T->last_label, T->err);
  for (int k = T->next; k < T->njournal; k++) otf_label_clear(&T->journal[k]);
  T->njournal = T->next;
  return 0;
}

/* The label of s for (kind, evaluation), replayed from the journal or
 * made now and appended to the run file; a failure is recorded with its
 * reason (l->failed). run: the result the MD used there (check frames). */
static nacre_status get_label(otf *T, const char *kind, long evaluation,
                              const nacre_structure *s, const nacre_result *run,
                              otf_label *l) {
  memset(l, 0, sizeof *l);
  nacre_structure *w = nacre_structure_copy(s, T->err);
  if (!w) return T->err->status;
  nacre_structure_wrap(w);
  if (journal_take(T, kind, evaluation, w, l)) {
    nacre_structure_free(w);
    T->rep->label_s += l->wall_s;
    return NACRE_OK;
  }
  if (T->st) {
    nacre_structure_free(w);
    return T->st;
  }
  snprintf(l->kind, sizeof l->kind, "%s", kind);
  l->evaluation = evaluation;
  l->step = T->step;
  l->sm.s = w;
  double t0 = nacre_now_s();
  nacre_status st = label_one(T, w, &l->sm);
  l->wall_s = nacre_now_s() - t0;
  T->rep->label_s += l->wall_s;
  if (st == NACRE_ERR_INTERRUPTED || st == NACRE_ERR_NOMEM) return st;
  if (st) {
    nacre_log(T->ctx, NACRE_LOG_WARN, "a label failed and is left out: %s", T->err->message);
    l->failed = 1;
    l->message = strdup(T->err->message);
    nacre_error_clear(T->err);
  }
  if (run) {
    size_t nf = 3 * (size_t)s->natoms;
    l->run_energy = run->energy;
    if ((l->run_forces = malloc(nf * sizeof *l->run_forces)))
      memcpy(l->run_forces, run->forces, nf * sizeof *l->run_forces);
  }
  if ((run && !l->run_forces) || (l->failed && !l->message))
    return nacre_error_set(T->err, NACRE_ERR_NOMEM, "label");
  st = otf_db_add_label(T->db, l, &l->id, T->err);
  if (!st) T->last_label = l->id;
  return st;
}

static nacre_status add_fingerprint(otf *T, const nacre_structure *s) {
  if (T->nfp == T->cap_fp) {
    int cap = T->cap_fp ? 2 * T->cap_fp : 64;
    nacre_fingerprint **f = realloc(T->fp, (size_t)cap * sizeof *f);
    if (!f) return nacre_error_set(T->err, NACRE_ERR_NOMEM, "fingerprints");
    T->fp = f;
    T->cap_fp = cap;
  }
  nacre_status st = nacre_fingerprint_new(s, &T->fo, &T->fp[T->nfp], T->err);
  if (!st) T->nfp++;
  return st;
}

/* A labelled sample into the training data (taking it). */
static nacre_status add_to_data(otf *T, nacre_sample *sm) {
  nacre_status st = add_fingerprint(T, sm->s);
  if (!st) st = nacre_dataset_take(T->data, sm, T->err);
  return st;
}

/* ---- the committee ---- */

static char *read_text(const char *path, nacre_error *err) {
  FILE *f = fopen(path, "rb");
  char *t = NULL;
  long n = -1;
  if (f && !fseek(f, 0, SEEK_END) && (n = ftell(f)) >= 0 && !fseek(f, 0, SEEK_SET) &&
      (t = malloc((size_t)n + 1)) && fread(t, 1, (size_t)n, f) == (size_t)n) {
    t[n] = 0;
  } else {
    free(t);
    t = NULL;
    nacre_error_set(err, NACRE_ERR_IO, "%s: %s", path, errno ? strerror(errno) : "cannot read");
  }
  if (f) fclose(f);
  return t;
}

/* text into path, atomically (temporary file, then rename). */
static nacre_status write_text(const char *path, const char *text, nacre_error *err) {
  char tmp[1300];
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  FILE *f = fopen(tmp, "wb");
  int ok = f && fputs(text, f) >= 0;
  if (f && fclose(f)) ok = 0;
  if (!ok || rename(tmp, path)) {
    remove(tmp);
    return nacre_error_set(err, NACRE_ERR_IO, "%s: %s", path, strerror(errno));
  }
  return NACRE_OK;
}

/* A committee fitted on data[0, n), warm-started from the current one:
 * the retraining's own seed comes from its index. */
static nacre_status fit_committee(otf *T, int n, int index, nacre_nn_model ***models,
                                  double *wall_s) {
  nacre_fit_options fo = T->c->fit;
  if (T->models) {
    fo.warm = (const nacre_nn_model *const *)T->models;
    fo.nwarm = fo.ensemble;
    fo.train.epochs = T->c->warm_epochs;
  }
  fo.seed = T->c->seed + 100u * (uint64_t)index;
  nacre_dataset *none = nacre_dataset_new(T->err);
  if (!none) return T->err->status;
  int all = T->data->n;
  T->data->n = n;
  nacre_fit_report fr;
  double t0 = nacre_now_s();
  *models = NULL;
  nacre_status st = nacre_fit(T->data, NULL, none, &fo, NULL, NULL, T->ctx, models, &fr, T->err);
  *wall_s = nacre_now_s() - t0;
  T->data->n = all;
  nacre_dataset_free(none);
  return st;
}

static void free_models(otf *T) {
  if (!T->models) return;
  for (int k = 0; k < T->c->fit.ensemble; k++) nacre_nn_model_free(T->models[k]);
  free(T->models);
  T->models = NULL;
}

/* models become the committee: its file and the checkpoint's text. */
static nacre_status adopt(otf *T, nacre_nn_model **models) {
  free_models(T);
  T->models = models;
  nacre_status st = nacre_nn_committee_write((const nacre_nn_model *const *)T->models,
                                             T->c->fit.ensemble, T->committee, T->err);
  free(T->committee_text);
  T->committee_text = NULL;
  if (!st && !(T->committee_text = read_text(T->committee, T->err))) st = T->err->status;
  return st;
}

/* Retraining in the foreground, on all the data. */
static nacre_status train(otf *T) {
  nacre_nn_model **models = NULL;
  double wall_s = 0;
  nacre_status st = fit_committee(T, T->data->n, T->rep->retrainings, &models, &wall_s);
  T->rep->train_s += wall_s;
  if (!st) st = adopt(T, models);
  T->new_labels = 0;
  T->retrain = 0;
  return st;
}

/* ---- retraining in the background ----
 * A worker process forked when the retraining starts holds a copy of the
 * data and committee of that moment; it fits the new committee on the
 * first bg_n structures (single-threaded: the dynamics keep the rest of
 * the machine) and answers with the committee file's text and its
 * training time. The dynamics go on with the current committee and take
 * the new one at step bg_swap, waiting for it there when it is late: the
 * step where it comes in depends on the steps alone, never on the clock,
 * and the checkpoint keeps (bg_n, bg_swap), so a resumed run fits the same
 * committee again and swaps it in at the same step. */

typedef struct bg_request {
  int n, index;
} bg_request;

static nacre_status bg_work(void *user, const void *req, size_t len, void **reply,
                            size_t *reply_len, nacre_error *err) {
  otf *T = user;
  bg_request r;
  if (len != sizeof r) return nacre_error_set(err, NACRE_ERR_INVALID, "retraining request");
  memcpy(&r, req, sizeof r);
  T->err = err;
  nacre_nn_model **models = NULL;
  double wall_s = 0;
  nacre_status st = fit_committee(T, r.n, r.index, &models, &wall_s);
  char path[1300];
  snprintf(path, sizeof path, "%s.next", T->committee);
  if (!st)
    st = nacre_nn_committee_write((const nacre_nn_model *const *)models, T->c->fit.ensemble,
                                  path, err);
  char *text = st ? NULL : read_text(path, err);
  remove(path);
  if (!st && !text) st = err->status;
  if (st) return st;
  size_t n = strlen(text);
  char *out = malloc(sizeof wall_s + n);
  if (!out) {
    free(text);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "retraining reply");
  }
  memcpy(out, &wall_s, sizeof wall_s);
  memcpy(out + sizeof wall_s, text, n);
  free(text);
  *reply = out;
  *reply_len = sizeof wall_s + n;
  return NACRE_OK;
}

/* Starts the background retraining on data[0, n), to come in at step swap. */
static nacre_status bg_start(otf *T, int n, long swap) {
  nacre_procpool_options po;
  nacre_procpool_options_init(&po);
  po.workers = 1;
  po.single_thread = 1;
  nacre_status st = nacre_procpool_new(&po, bg_work, T, &T->bg, T->err);
  bg_request r = {n, T->rep->retrainings + 1};
  if (!st) st = nacre_procpool_submit(T->bg, 0, 0, &r, sizeof r, T->err);
  if (st) return st;
  T->bg_n = n;
  T->bg_swap = swap;
  nacre_log(T->ctx, NACRE_LOG_INFO, "step %ld: retraining on %d structures in the background, "
            "in use from step %ld", T->step, n, swap);
  return NACRE_OK;
}

/* A new retraining when enough labels came since the last one began. */
static nacre_status bg_maybe_start(otf *T) {
  if (T->o->retrain_lag <= 0 || T->bg || T->new_labels < T->o->retrain_every) return NACRE_OK;
  T->new_labels = 0;
  return bg_start(T, T->data->n, T->step + T->o->retrain_lag);
}

/* Waits for the background committee and makes it the current one. */
static nacre_status bg_swap_in(otf *T) {
  nacre_procpool_result res;
  double t0 = nacre_now_s();
  nacre_status st = nacre_procpool_wait(T->bg, -1, &res, T->err);
  T->rep->train_wait_s += nacre_now_s() - t0;
  nacre_procpool_free(T->bg, st != NACRE_OK);
  T->bg = NULL;
  T->bg_n = -1;
  T->retrain = 0;
  if (st) return st;
  if (res.worker < 0) return nacre_error_set(T->err, NACRE_ERR_EXTERNAL, "the retraining "
                                             "worker gave no answer");
  if (res.status) {
    free(res.reply);
    return nacre_error_set(T->err, res.status, "retraining: %s", res.message);
  }
  double wall_s = 0;
  char *text = NULL;
  if (res.reply_len > sizeof wall_s && (text = malloc(res.reply_len - sizeof wall_s + 1))) {
    memcpy(&wall_s, res.reply, sizeof wall_s);
    memcpy(text, (char *)res.reply + sizeof wall_s, res.reply_len - sizeof wall_s);
    text[res.reply_len - sizeof wall_s] = 0;
  }
  free(res.reply);
  if (!text) return nacre_error_set(T->err, NACRE_ERR_NOMEM, "retraining reply");
  T->rep->train_s += wall_s;
  T->rep->retrainings++;
  st = write_text(T->committee, text, T->err);
  free(text);
  nacre_nn_model **models = NULL;
  int k = 0;
  if (!st) st = nacre_nn_committee_read(T->committee, &models, &k, T->err);
  if (!st) st = adopt(T, models);
  if (!st) nacre_log(T->ctx, NACRE_LOG_INFO, "step %ld: the committee retrained in the "
                     "background is in use", T->step);
  return st;
}

/* ---- the checkpoint ---- */

static nacre_status put_state(otf *T, const char *md_state, int done) {
  const nacre_learn_md_report *r = T->rep;
  otf_state s = {T->last_label, T->restart_index, T->step, r->evaluations,
                 r->above_threshold, r->screened_out, r->labelled, r->label_failures,
                 r->retrainings, T->new_labels, done, r->train_s,
                 T->wall0_s + nacre_now_s() - T->t0, (char *)md_state,
                 T->committee_text, T->bg ? T->bg_n : -1, T->bg ? T->bg_swap : -1,
                 r->train_wait_s};
  return otf_db_put_state(T->db, &s, T->err);
}

/* The MD state as text (nacre_md_state_write), malloc'd. */
static char *md_state_text(const nacre_md *md, nacre_error *err) {
  char *text = NULL;
  size_t n = 0;
  FILE *f = open_memstream(&text, &n);
  if (!f) {
    nacre_error_set(err, NACRE_ERR_NOMEM, "MD state");
    return NULL;
  }
  nacre_status st = nacre_md_state_write(md, f, err);
  fclose(f);
  if (st) {
    free(text);
    return NULL;
  }
  return text;
}

/* ---- the MD callbacks ---- */

static void use_label(nacre_result *r, const nacre_sample *sm, unsigned want) {
  r->energy = sm->energy;
  memcpy(r->forces, sm->forces, 3 * (size_t)sm->s->natoms * sizeof *r->forces);
  if (want & NACRE_WANT_STRESS) memcpy(r->stress, sm->stress, sizeof r->stress);
}

/* The label the last evaluation ran on, again: a restart evaluates the
 * positions of the last step once more. */
static void restart_evaluation(otf *T, const nacre_structure *s, unsigned want,
                               nacre_result *r) {
  T->restarting = 0;
  if (T->restart_index < 0) return;
  const nacre_sample *sm = &T->data->items[T->restart_index];
  nacre_structure *w = nacre_structure_copy(s, T->err);
  if (!w) return;
  nacre_structure_wrap(w);
  if (same_structure(w, sm->s)) use_label(r, sm, want);
  nacre_structure_free(w);
}

/* After every force evaluation: label the step when the committee is
 * unsure and the structure is new, and run it on the label. */
static nacre_status on_evaluation(void *user, const nacre_structure *s, unsigned want,
                                  nacre_result *r, nacre_error *err) {
  (void)err;
  otf *T = user;
  if (T->silent) return NACRE_OK;
  if (T->restarting) {
    restart_evaluation(T, s, want, r);
    return NACRE_OK;
  }
  long e = T->rep->evaluations++;
  T->restart_index = -1;
  double dev = nacre_learn_deviation(&T->sel, r);
  if (nacre_learn_classify(&T->sel, dev) == NACRE_LEARN_ACCURATE) return NACRE_OK;
  T->rep->above_threshold++;
  nacre_status st = NACRE_OK;
  /* a near-duplicate is left to the next retraining, unless the
   * committee is so unsure (σ_f ≥ hi) that its forces are no base for a
   * step: a poor first committee would otherwise run the dynamics into
   * the ground on the steps after its first label */
  if (T->o->screen && dev < T->screen_hi_ev_a) {
    nacre_fingerprint *fp = NULL;
    if ((st = nacre_fingerprint_new(s, &T->fo, &fp, T->err))) return T->st = st;
    double dmin = INFINITY;
    for (int k = 0; k < T->nfp; k++) dmin = fmin(dmin, nacre_fingerprint_distance(fp, T->fp[k]));
    nacre_fingerprint_free(fp);
    if (dmin < T->c->select.min_distance) {
      T->rep->screened_out++;
      return NACRE_OK;
    }
  }
  otf_label l;
  if ((st = get_label(T, "md", e, s, NULL, &l))) {
    otf_label_clear(&l);
    return T->st = st;
  }
  if (l.failed) {
    T->rep->label_failures++;
  } else {
    use_label(r, &l.sm, want);
    if ((st = add_to_data(T, &l.sm))) T->st = st;
    T->restart_index = T->data->n - 1;
    T->rep->labelled++;
    if (++T->new_labels >= T->o->retrain_every && T->o->retrain_lag <= 0) T->retrain = 1;
  }
  otf_label_clear(&l);
  return T->st;
}

/* After every step: the check frames, and a stop when it is time to
 * retrain. */
static int on_step(void *user, const nacre_md *md, const nacre_md_thermo *th) {
  otf *T = user;
  T->step = th->step;
  if (T->check_every > 0 && th->step > 0 && th->step % T->check_every == 0) {
    otf_label l;
    nacre_status st = get_label(T, "check", T->rep->evaluations - 1, nacre_md_structure(md),
                                nacre_md_result(md), &l);
    otf_label_clear(&l);
    if (st) T->st = st;
  }
  if (T->bg && th->step >= T->bg_swap) T->retrain = 1;
  else if (!T->st) T->st = bg_maybe_start(T);
  if (T->o->progress) T->o->progress(T->o->progress_user, th->step, T->rep);
  return T->retrain || T->st;
}

/* Every checkpoint_every steps: the checkpoint, and a stop. The run goes
 * on from the state just written, so that an uninterrupted run and one
 * resumed from any checkpoint take the same path bit for bit. */
static int on_checkpoint(void *user, const nacre_md *md) {
  otf *T = user;
  if (T->st) return 1;
  char *text = md_state_text(md, T->err);
  nacre_status st = text ? put_state(T, text, 0) : T->err->status;
  free(text);
  if (st) T->st = st;
  return 1;
}

/* ---- the dynamics ---- */

/* The MD from s0 (state NULL) or from a checkpoint's state, until the
 * steps are done, the committee asks to be retrained, or another outcome:
 * *state_out receives the MD state where it stopped, *end its structure. */
static nacre_status segment(otf *T, const nacre_structure *s0, const char *state,
                            nacre_md_outcome *outcome, char **state_out,
                            nacre_structure **end) {
  nacre_potential *pot = NULL;
  nacre_calc *calc = NULL;
  nacre_md *md = NULL;
  *outcome = NACRE_MD_COMPLETED;
  nacre_status st = nacre_potential_load(T->committee, &pot, T->err);
  if (!st && !(calc = nacre_calc_new(pot, -1.0, T->err))) st = T->err->status;
  nacre_md_options mo = T->o->md;
  mo.thermo_every = 1;
  /* the energy comes from the labeller at labelled steps and from the
   * committee (retrained now and then) at the others, whose zeros differ:
   * the conserved quantity jumps at every switch, and its drift tells
   * nothing about the integration. Blow-ups still end the run (non-finite
   * forces, a collapsing cell). */
  mo.max_drift_ev_atom = INFINITY;
  mo.checkpoint_every = T->o->checkpoint_every;
  mo.extra = on_evaluation;
  mo.extra_user = T;
  mo.observer = on_step;
  mo.observer_user = T;
  mo.checkpoint = on_checkpoint;
  mo.checkpoint_user = T;
  T->silent = state != NULL;
  if (!st) st = nacre_md_new(calc, s0, NULL, NULL, &mo, &md, T->err);
  T->silent = 0;
  if (!st && state) {
    FILE *f = fmemopen((void *)state, strlen(state), "r");
    T->restarting = 1;
    st = f ? nacre_md_state_read(md, f, "the checkpoint in otf.db", T->err)
           : nacre_error_set(T->err, NACRE_ERR_NOMEM, "MD state");
    T->restarting = 0;
    if (f) fclose(f);
  }
  if (!st && T->st) st = T->st;
  if (!st) {
    T->step = nacre_md_step(md);
    if (T->step < T->o->steps) st = nacre_md_run(md, T->o->steps - T->step, T->ctx, outcome, T->err);
    if (!st && T->st) st = T->st;
  }
  if (!st) {
    T->step = nacre_md_step(md);
    if (!(*state_out = md_state_text(md, T->err))) st = T->err->status;
    nacre_structure_free(*end);
    if (!st && !(*end = nacre_structure_copy(nacre_md_structure(md), T->err))) st = T->err->status;
  }
  nacre_md_free(md);
  nacre_calc_free(calc);
  nacre_potential_free(pot);
  return st;
}

/* MD segments between retrainings until the steps are done. */
static nacre_status dynamics(otf *T, const nacre_structure *s0, char **state,
                             nacre_structure **end) {
  nacre_status st = NACRE_OK;
  T->rep->outcome = NACRE_MD_COMPLETED;
  for (;;) {
    nacre_md_outcome outcome;
    char *next = NULL;
    st = segment(T, s0, *state, &outcome, &next, end);
    if (st) {
      free(next);
      break;
    }
    free(*state);
    *state = next;
    if (outcome == NACRE_MD_STOPPED && T->retrain && T->bg) {
      if ((st = bg_swap_in(T)) || (st = bg_maybe_start(T)) || (st = put_state(T, *state, 0)))
        break;
    } else if (outcome == NACRE_MD_STOPPED && T->retrain) {
      nacre_log(T->ctx, NACRE_LOG_INFO, "step %ld: retraining on %d structures", T->step,
                T->data->n);
      T->rep->retrainings++;
      if ((st = train(T)) || (st = put_state(T, *state, 0))) break;
    } else if (outcome == NACRE_MD_STOPPED) {
      continue; /* at a checkpoint: on from it, exactly as a resumed run goes */
    } else if (outcome != NACRE_MD_COMPLETED) {
      T->rep->outcome = outcome;
      break;
    } else {
      /* the last background retraining still comes in: the final
       * committee has seen every label made before it began */
      if (T->bg) st = bg_swap_in(T);
      break;
    }
  }
  T->rep->steps = T->step;
  return st;
}

/* ---- start and resume ---- */

/* The first committee's data: the configuration's data files and its
 * initial structures, labelled (or replayed). */
static nacre_status initial_data(otf *T) {
  const nacre_learn_config *c = T->c;
  nacre_structure **s = NULL;
  int n = 0;
  nacre_status st = learn_initial_structures(c, &s, &n, T->err);
  for (int k = 0; k < n; k++) {
    otf_label l;
    memset(&l, 0, sizeof l);
    if (!st) st = get_label(T, "initial", -1, s[k], NULL, &l);
    if (!st && !l.failed && !(st = add_to_data(T, &l.sm))) T->rep->initial_labels++;
    otf_label_clear(&l);
    nacre_structure_free(s[k]);
  }
  free(s);
  if (!st && T->data->n < 1)
    st = nacre_error_set(T->err, NACRE_ERR_INVALID, "no initial data could be labelled");
  return st;
}

/* The run file's labels: those up to the checkpoint into the data (the
 * check frames and failures only counted), the later ones into the
 * journal. */
static nacre_status load_labels(otf *T, long last_label) {
  otf_label *all = NULL;
  int n = 0;
  nacre_status st = otf_db_labels(T->db, &all, &n, T->err);
  if (st) return st;
  if (!(T->journal = calloc((size_t)n + 1, sizeof *T->journal)))
    st = nacre_error_set(T->err, NACRE_ERR_NOMEM, "labels");
  for (int k = 0; k < n; k++) {
    otf_label *l = &all[k];
    if (st || l->id > last_label) {
      if (!st) T->journal[T->njournal++] = *l;
      else otf_label_clear(l);
      continue;
    }
    T->rep->label_s += l->wall_s;
    T->last_label = l->id;
    if (!strcmp(l->kind, "initial") && !l->failed) T->rep->initial_labels++;
    if (strcmp(l->kind, "check") && !l->failed) st = add_to_data(T, &l->sm);
    otf_label_clear(l);
  }
  free(all);
  return st;
}

/* A run file with a checkpoint: its counters, data and committee. */
static nacre_status resume(otf *T, const otf_state *S) {
  nacre_learn_md_report *r = T->rep;
  T->step = S->step;
  T->restart_index = S->restart_index;
  T->new_labels = S->new_labels;
  T->wall0_s = S->wall_s;
  r->evaluations = S->evaluations;
  r->above_threshold = S->above;
  r->screened_out = S->screened;
  r->labelled = S->labelled;
  r->label_failures = S->failures;
  r->retrainings = S->retrainings;
  r->train_s = S->train_s;
  r->train_wait_s = S->train_wait_s;
  nacre_status st = load_labels(T, S->last_label);
  int k = 0;
  if (!st && !(T->committee_text = strdup(S->committee)))
    st = nacre_error_set(T->err, NACRE_ERR_NOMEM, "committee");
  if (!st) st = write_text(T->committee, S->committee, T->err);
  if (!st) st = nacre_nn_committee_read(T->committee, &T->models, &k, T->err);
  if (!st && k != T->c->fit.ensemble)
    st = nacre_error_set(T->err, NACRE_ERR_INVALID, "%s: a committee of %d, not %d",
                         T->committee, k, T->c->fit.ensemble);
  if (!st && T->restart_index >= T->data->n)
    st = nacre_error_set(T->err, NACRE_ERR_PARSE, "the run file's checkpoint names label %d "
                         "of %d", T->restart_index, T->data->n);
  if (!st && S->bg_n > T->data->n)
    st = nacre_error_set(T->err, NACRE_ERR_PARSE, "the run file's checkpoint retrains on %d "
                         "structures of %d", S->bg_n, T->data->n);
  /* the retraining in flight at the checkpoint, begun again */
  if (!st && S->bg_n >= 0) st = bg_start(T, S->bg_n, S->bg_swap);
  if (!st)
    nacre_log(T->ctx, NACRE_LOG_INFO, "resuming at step %ld with %d labelled structures",
              T->step, T->data->n);
  return st;
}

/* ---- the end ---- */

/* The check frames: the error of what the run used there and of the final
 * committee. */
static nacre_status final_check(otf *T) {
  otf_label *all = NULL;
  int n = 0;
  nacre_status st = otf_db_labels(T->db, &all, &n, T->err);
  nacre_dataset *d = st ? NULL : nacre_dataset_new(T->err);
  if (!st && !d) st = T->err->status;
  long na = 0;
  for (int k = 0; k < n && !st; k++)
    if (!strcmp(all[k].kind, "check") && !all[k].failed && all[k].run_forces)
      na += all[k].sm.s->natoms;
  double *ep = malloc(((size_t)n + 1) * sizeof *ep), *fp = malloc((3 * (size_t)na + 1) * sizeof *fp);
  if (!st && (!ep || !fp)) st = nacre_error_set(T->err, NACRE_ERR_NOMEM, "check");
  na = 0;
  for (int k = 0; k < n && !st; k++) {
    otf_label *l = &all[k];
    if (strcmp(l->kind, "check") || l->failed || !l->run_forces) continue;
    ep[d->n] = l->run_energy;
    memcpy(fp + 3 * na, l->run_forces, 3 * (size_t)l->sm.s->natoms * sizeof *fp);
    na += l->sm.s->natoms;
    st = nacre_dataset_take(d, &l->sm, T->err);
  }
  nacre_learn_md_report *r = T->rep;
  r->check_n = d && !st ? d->n : 0;
  r->check_e_rmse = r->check_f_rmse = r->check_run_e_rmse = r->check_run_f_rmse = NAN;
  if (!st && d->n) {
    nacre_errors e;
    nacre_errors_compute(d, ep, fp, NULL, 1, NULL, &e);
    r->check_run_e_rmse = e.e_rmse;
    r->check_run_f_rmse = e.f_rmse;
    nacre_potential *p = NULL;
    if (!(st = nacre_potential_load(T->committee, &p, T->err)))
      st = nacre_potential_evaluate(p, d, ep, fp, NULL, NULL, NULL, NULL, &e, T->err);
    if (!st) {
      r->check_e_rmse = e.e_rmse;
      r->check_f_rmse = e.f_rmse;
    }
    nacre_potential_free(p);
  }
  for (int k = 0; k < n; k++) otf_label_clear(&all[k]);
  free(all);
  free(ep);
  free(fp);
  nacre_dataset_free(d);
  return st;
}

static void finish_report(otf *T) {
  nacre_learn_md_report *r = T->rep;
  r->steps = T->step;
  r->wall_s = T->wall0_s + nacre_now_s() - T->t0;
  r->labelled_fraction = r->evaluations ? (double)r->labelled / r->evaluations : 0;
  /* the time of one label from every label the run made */
  long nlab = r->labelled + r->label_failures + r->initial_labels + r->check_n;
  r->label_s_per_step = nlab ? r->label_s / nlab : NAN;
  r->all_labelled_s = r->evaluations * r->label_s_per_step;
  r->speedup = r->wall_s > 0 ? r->all_labelled_s / r->wall_s : NAN;
}

/* The run's settings as the run file keeps them: a resume with other ones
 * is refused. */
static char *settings_text(const nacre_learn_md_options *o, char *buf, size_t n) {
  const nacre_md_options *m = &o->md;
  snprintf(buf, n,
           "steps %ld; retrain_every %d; threshold_ev_a %g; screen %d; check_samples %d; "
           "label_delay_s %g; timestep_fs %g; temperature_k %g; thermostat %s %g %d; "
           "barostat %s %g %g; pressure_gpa %g; stress %d %g %g %g %g %g %g; fix_com %d; "
           "seed %llu",
           o->steps, o->retrain_every, o->threshold_ev_a, o->screen, o->check_samples,
           o->label_delay_s, m->timestep_fs, m->temperature_k,
           nacre_md_thermostat_name(m->thermostat), m->thermostat_tau_fs, m->nose_hoover_chain,
           nacre_md_barostat_name(m->barostat), m->barostat_tau_fs, m->compressibility_per_gpa,
           m->pressure_gpa, m->use_target_stress, m->target_stress_gpa[0],
           m->target_stress_gpa[1], m->target_stress_gpa[2], m->target_stress_gpa[3],
           m->target_stress_gpa[4], m->target_stress_gpa[5], m->fix_com,
           (unsigned long long)m->seed);
  if (o->retrain_lag > 0) {
    size_t len = strlen(buf);
    snprintf(buf + len, n - len, "; retrain_lag %ld", o->retrain_lag);
  }
  return buf;
}

static nacre_status open_run(otf *T, const nacre_structure *s, const char *dir) {
  char path[1200], run[1024];
  snprintf(path, sizeof path, "%s/otf.db", dir);
  char *structure = nacre_structure_to_text(s);
  if (!structure) return nacre_error_set(T->err, NACRE_ERR_NOMEM, "structure");
  const char *kv[] = {"config", T->c->text, "structure", structure,
                      "run", settings_text(T->o, run, sizeof run)};
  nacre_status st = otf_db_open(path, kv, 3, &T->db, T->err);
  free(structure);
  return st;
}

/* Runs (or resumes) the whole thing with T set up. */
static nacre_status run(otf *T, const nacre_structure *s, const char *dir) {
  otf_state S;
  int found = 0;
  char *state = NULL;
  nacre_structure *end = NULL;
  nacre_status st = otf_db_get_state(T->db, &S, &found, T->err);
  if (st) return st;
  if (found) {
    st = resume(T, &S);
    if (!st && S.md_state && !(state = strdup(S.md_state)))
      st = nacre_error_set(T->err, NACRE_ERR_NOMEM, "MD state");
  } else {
    st = load_labels(T, 0); /* a start killed in its initial labels */
    if (!st) st = initial_data(T);
    if (!st) st = train(T);
    if (!st) st = put_state(T, NULL, 0);
  }
  char path[1200];
  int done = found && S.done;
  if (!st && !done && (!state || T->step < T->o->steps)) {
    st = dynamics(T, s, &state, &end);
    if (!st && T->rep->outcome == NACRE_MD_COMPLETED) {
      snprintf(path, sizeof path, "%s/final.extxyz", dir);
      st = nacre_write_structure(path, end, NACRE_FORMAT_AUTO, T->err);
      if (!st) st = put_state(T, state, 0);
    }
  }
  T->rep->steps = T->step;
  if (!st && T->rep->outcome == NACRE_MD_COMPLETED) st = final_check(T);
  if (!st) {
    snprintf(path, sizeof path, "%s/labels.extxyz", dir);
    st = nacre_dataset_save_extxyz(T->data, path, T->err);
  }
  if (!st && !done && T->rep->outcome == NACRE_MD_COMPLETED) st = put_state(T, state, 1);
  if (found) otf_state_clear(&S);
  free(state);
  nacre_structure_free(end);
  return st;
}

nacre_status nacre_learn_md_run(const nacre_learn_config *c, const nacre_structure *s,
                                const nacre_learn_md_options *o, const char *dir,
                                const nacre_ctx *ctx, nacre_learn_md_report *rep,
                                nacre_error *err) {
  memset(rep, 0, sizeof *rep);
  if (mkdir(dir, 0777) && errno != EEXIST)
    return nacre_error_set(err, NACRE_ERR_IO, "%s: %s", dir, strerror(errno));
  otf T;
  memset(&T, 0, sizeof T);
  T.c = c;
  T.o = o;
  T.ctx = ctx;
  T.err = err;
  T.rep = rep;
  T.sel = c->select;
  T.restart_index = -1;
  T.bg_n = -1;
  T.t0 = nacre_now_s();
  if (isfinite(o->threshold_ev_a)) T.sel.lo_ev_a = o->threshold_ev_a;
  T.screen_hi_ev_a = c->select.hi_ev_a;
  T.sel.hi_ev_a = INFINITY; /* every unsure step is labelled, however unsure */
  nacre_fingerprint_options_init(&T.fo);
  T.check_every = o->check_samples > 0 ? o->steps / o->check_samples : 0;
  snprintf(T.committee, sizeof T.committee, "%s/committee.json", dir);
  nacre_status st = NACRE_OK;
  if (!(T.data = nacre_dataset_new(err))) st = err->status;
  if (!st) st = nacre_dataset_read_paths(T.data, (const char *const *)c->data, c->ndata, err);
  for (int k = 0; k < T.data->n && !st; k++) st = add_fingerprint(&T, T.data->items[k].s);
  if (!st) st = open_run(&T, s, dir);
  if (!st) st = run(&T, s, dir);
  finish_report(&T);
  if (T.bg) nacre_procpool_free(T.bg, 1);
  otf_db_close(T.db);
  for (int k = T.next; k < T.njournal; k++) otf_label_clear(&T.journal[k]);
  free(T.journal);
  for (int k = 0; k < T.nfp; k++) nacre_fingerprint_free(T.fp[k]);
  free(T.fp);
  free_models(&T);
  free(T.committee_text);
  nacre_dataset_free(T.data);
  return st;
}
