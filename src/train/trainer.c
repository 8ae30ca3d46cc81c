/* trainer.c — the training driver: features for a data set, the epoch loop
 * with Adam or L-BFGS, validation tracking and early stopping, and
 * checkpoints that let a killed run resume where it stopped. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "nacre/io.h"
#include "nacre/train.h"
#include "train_internal.h"

nacre_status nacre_features_compute_all(const nacre_featurizer *feat,
                                        int nspecies, const int *species_z,
                                        const nacre_dataset *d,
                                        nacre_features *fs, nacre_error *err) {
  nacre_status status = NACRE_OK;
  memset(fs, 0, (size_t)d->n * sizeof *fs);
#pragma omp parallel for schedule(dynamic, 1)
  for (int q = 0; q < d->n; q++) {
    if (status) continue;
    nacre_error lerr;
    nacre_error_clear(&lerr);
    nacre_status st = feat->compute(feat->self, d->items[q].s, nspecies,
                                    species_z, &fs[q], &lerr);
    if (st) {
#pragma omp critical(nacre_features_all_error)
      if (!status) {
        status = st;
        if (err) {
          *err = lerr;
          nacre_error_prefix(err, "%s: ",
                             d->items[q].source ? d->items[q].source : "sample");
        }
      }
    }
  }
  if (status)
    for (int q = 0; q < d->n; q++) nacre_features_free(&fs[q]);
  return status;
}

void nacre_train_options_init(nacre_train_options *o) {
  memset(o, 0, sizeof *o);
  o->weights.energy = 1.0;
  o->weights.force = 0.1;
  o->weights.stress = 0.0;
  o->weights.l2 = 1e-6;
  o->optimizer = NACRE_OPT_LBFGS;
  o->epochs = 10000;
  o->batch_size = 16;
  o->lr = 3e-3;
  o->lr_decay = 0.995;
  o->lr_min = 1e-5;
  o->lbfgs_history = 20;
  o->patience = 1000;
  o->seed = 1;
  o->checkpoint_every = 10;
  o->checkpoint_interval_s = 30;
}

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* ---- checkpoints ---- */

typedef struct train_state {
  int epoch, best_epoch, since_best;
  double best_loss, elapsed_s;
  double *w, *best;
  nacre_adam adam;
  nacre_lbfgs *lb; /* NULL for Adam */
} train_state;

#define CKPT_MAGIC "nacre-train-checkpoint 1"

static nacre_status checkpoint_write(const char *path, const train_state *s,
                                     int nparams, int optimizer,
                                     nacre_error *err) {
  nacre_atomic_file af;
  nacre_status st = nacre_atomic_open(&af, path, err);
  if (st) return st;
  FILE *fp = af.fp;
  fprintf(fp, "%s\nnparams %d optimizer %d\n", CKPT_MAGIC, nparams, optimizer);
  fprintf(fp, "epoch %d best_epoch %d since_best %d best_loss %.17g elapsed %.17g adam_t %ld\n",
          s->epoch, s->best_epoch, s->since_best, s->best_loss, s->elapsed_s,
          s->adam.t);
  for (int k = 0; k < nparams; k++)
    fprintf(fp, "%.17g %.17g %.17g %.17g\n", s->w[k], s->best[k],
            s->adam.m ? s->adam.m[k] : 0.0, s->adam.v ? s->adam.v[k] : 0.0);
  if (s->lb) { /* L-BFGS history, so that a resumed run takes the same steps */
    const nacre_lbfgs *o = s->lb;
    fprintf(fp, "lbfgs %d %d %d %d %.17g\n", o->m, o->k, o->count, o->have_f, o->f);
    for (int k = 0; k < nparams; k++) fprintf(fp, "%.17g\n", o->g[k]);
    for (int q = 0; q < o->m; q++) {
      fprintf(fp, "%.17g\n", o->rho[q]);
      for (int k = 0; k < nparams; k++)
        fprintf(fp, "%.17g %.17g\n", o->s[(size_t)q * nparams + k], o->y[(size_t)q * nparams + k]);
    }
  }
  return nacre_atomic_commit(&af, err);
}

/* Returns 1 when a checkpoint was loaded, 0 when there is none, negative
 * with err set when it exists but does not fit. */
static int checkpoint_read(const char *path, train_state *s, int nparams,
                           int optimizer, nacre_error *err) {
  FILE *fp = fopen(path, "r");
  if (!fp) return 0;
  char magic[64] = {0};
  int np = -1, opt = -1, ok = 1;
  long t = 0;
  if (!fgets(magic, sizeof magic, fp) || strncmp(magic, CKPT_MAGIC, strlen(CKPT_MAGIC)) ||
      fscanf(fp, " nparams %d optimizer %d", &np, &opt) != 2 || np != nparams ||
      opt != optimizer)
    ok = 0;
  if (ok && fscanf(fp, " epoch %d best_epoch %d since_best %d best_loss %lf elapsed %lf adam_t %ld",
                   &s->epoch, &s->best_epoch, &s->since_best, &s->best_loss,
                   &s->elapsed_s, &t) != 6)
    ok = 0;
  for (int k = 0; ok && k < nparams; k++) {
    double a, b, c, d;
    if (fscanf(fp, "%lf %lf %lf %lf", &a, &b, &c, &d) != 4) {
      ok = 0;
      break;
    }
    s->w[k] = a;
    s->best[k] = b;
    if (s->adam.m) {
      s->adam.m[k] = c;
      s->adam.v[k] = d;
    }
  }
  if (ok && s->lb) {
    nacre_lbfgs *o = s->lb;
    int m, kk, cnt, hf;
    if (fscanf(fp, " lbfgs %d %d %d %d %lf", &m, &kk, &cnt, &hf, &o->f) != 5 || m != o->m ||
        kk < 0 || kk >= m || cnt < 0 || cnt > m)
      ok = 0;
    else {
      o->k = kk;
      o->count = cnt;
      o->have_f = hf;
    }
    for (int k = 0; ok && k < nparams; k++)
      if (fscanf(fp, "%lf", &o->g[k]) != 1) ok = 0;
    for (int q = 0; ok && q < o->m; q++) {
      if (fscanf(fp, "%lf", &o->rho[q]) != 1) ok = 0;
      for (int k = 0; ok && k < nparams; k++)
        if (fscanf(fp, "%lf %lf", &o->s[(size_t)q * nparams + k], &o->y[(size_t)q * nparams + k]) != 2)
          ok = 0;
    }
  }
  fclose(fp);
  if (!ok) {
    nacre_error_set(err, NACRE_ERR_PARSE,
                    "%s: not a checkpoint of this model and optimiser "
                    "(%d parameters, optimiser %d); remove it to start afresh",
                    path, nparams, optimizer);
    return -1;
  }
  s->adam.t = t;
  return 1;
}

/* ---- the epoch loop ---- */

typedef struct objective_ctx {
  const nacre_train_model *m;
  const nacre_dataset *d;
  const nacre_features *const *f;
  const int *idx;
  int n;
  const nacre_loss_weights *lw;
  const unsigned char *mask;
} objective_ctx;

static nacre_status objective(void *user, const double *x, double *fx,
                              double *g, nacre_error *err) {
  objective_ctx *c = user;
  nacre_status st =
      nacre_train_loss(c->m, x, c->d, c->f, c->idx, c->n, c->lw, fx, g, NULL, err);
  if (!st && c->mask)
    for (int k = 0; k < c->m->nparams; k++)
      if (!c->mask[k]) g[k] = 0;
  if (!st && !isfinite(*fx))
    return nacre_error_set(err, NACRE_ERR_NUMERIC, "loss is not finite");
  return st;
}

nacre_status nacre_train_run(nacre_train_model *m, const nacre_dataset *d,
                             const nacre_features *const *f, const int *train,
                             int ntrain, const int *valid, int nvalid,
                             const nacre_train_options *o,
                             nacre_train_progress cb, void *user,
                             const nacre_ctx *ctx, nacre_error *err) {
  int P = m->nparams;
  nacre_status st = NACRE_OK;
  train_state S;
  memset(&S, 0, sizeof S);
  nacre_lbfgs lb;
  memset(&lb, 0, sizeof lb);
  double *g = malloc((size_t)P * sizeof *g);
  int *perm = malloc((size_t)(ntrain > 0 ? ntrain : 1) * sizeof *perm);
  int *batch = malloc((size_t)(ntrain > 0 ? ntrain : 1) * sizeof *batch);
  S.w = malloc((size_t)P * sizeof *S.w);
  S.best = malloc((size_t)P * sizeof *S.best);
  if (!g || !perm || !batch || !S.w || !S.best) {
    st = nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory for training");
    goto done;
  }
  if (ntrain < 1) {
    st = nacre_error_set(err, NACRE_ERR_INVALID, "no training structures");
    goto done;
  }
  memcpy(S.w, m->w, (size_t)P * sizeof *S.w);
  memcpy(S.best, m->w, (size_t)P * sizeof *S.best);
  S.best_loss = INFINITY;
  if (o->optimizer == NACRE_OPT_ADAM) {
    if ((st = nacre_adam_init(&S.adam, P, o->lr, err))) goto done;
  } else {
    if ((st = nacre_lbfgs_init(&lb, P, o->lbfgs_history, err))) goto done;
    S.lb = &lb;
  }
  if (o->checkpoint) {
    int r = checkpoint_read(o->checkpoint, &S, P, (int)o->optimizer, err);
    if (r < 0) {
      st = err ? err->status : NACRE_ERR_PARSE;
      goto done;
    }
    if (r > 0)
      nacre_log(ctx, NACRE_LOG_INFO, "resuming from %s at epoch %d",
                o->checkpoint, S.epoch);
  }
  nacre_loss_weights eval_w = o->weights;
  eval_w.l2 = 0; /* validation loss: data terms only */
  objective_ctx oc = {m, d, f, train, ntrain, &o->weights, o->trainable};
  double t0 = now_s() - S.elapsed_s, last_ckpt_s = S.elapsed_s;
  while (S.epoch < o->epochs) {
    if (nacre_ctx_interrupted(ctx)) {
      st = nacre_error_set(err, NACRE_ERR_INTERRUPTED, "interrupted at epoch %d",
                           S.epoch);
      break;
    }
    double lr = o->lr * pow(o->lr_decay, S.epoch);
    if (lr < o->lr_min) lr = o->lr_min;
    if (o->optimizer == NACRE_OPT_ADAM) {
      S.adam.lr = lr;
      nacre_permutation(ntrain, o->seed + 0x9e3779b97f4a7c15ULL * (uint64_t)(S.epoch + 1),
                        perm);
      int bs = o->batch_size > 0 ? o->batch_size : ntrain;
      for (int b0 = 0; b0 < ntrain && !st; b0 += bs) {
        int nb = ntrain - b0 < bs ? ntrain - b0 : bs;
        for (int k = 0; k < nb; k++) batch[k] = train[perm[b0 + k]];
        double L;
        st = nacre_train_loss(m, S.w, d, f, batch, nb, &o->weights, &L, g, NULL, err);
        if (!st && !isfinite(L))
          st = nacre_error_set(err, NACRE_ERR_NUMERIC, "loss is not finite at epoch %d",
                               S.epoch + 1);
        if (!st && o->trainable)
          for (int k = 0; k < P; k++)
            if (!o->trainable[k]) g[k] = 0;
        if (!st) nacre_adam_step(&S.adam, S.w, g);
      }
    } else {
      st = nacre_lbfgs_step(&lb, S.w, objective, &oc, err);
      if (st == NACRE_ERR_NOT_CONVERGED) { /* stationary point: done */
        nacre_log(ctx, NACRE_LOG_INFO, "L-BFGS converged at epoch %d: %s",
                  S.epoch + 1, err ? err->message : "");
        if (err) nacre_error_clear(err);
        st = NACRE_OK;
        S.epoch = o->epochs - 1; /* report this epoch, then stop */
      }
    }
    if (st) break;
    S.epoch++;
    nacre_train_epoch ep;
    memset(&ep, 0, sizeof ep);
    ep.epoch = S.epoch;
    ep.lr = o->optimizer == NACRE_OPT_ADAM ? lr : 0;
    if ((st = nacre_train_loss(m, S.w, d, f, train, ntrain, &eval_w, NULL, NULL,
                               &ep.train, err)))
      break;
    double score = ep.train.loss;
    if (nvalid > 0) {
      if ((st = nacre_train_loss(m, S.w, d, f, valid, nvalid, &eval_w, NULL, NULL,
                                 &ep.valid, err)))
        break;
      ep.have_valid = 1;
      score = ep.valid.loss;
    }
    if (score < S.best_loss) {
      S.best_loss = score;
      S.best_epoch = S.epoch;
      S.since_best = 0;
      memcpy(S.best, S.w, (size_t)P * sizeof *S.best);
      ep.is_best = 1;
    } else {
      S.since_best++;
    }
    S.elapsed_s = now_s() - t0;
    ep.elapsed_s = S.elapsed_s;
    ep.weights = S.w;
    int stop = cb ? cb(user, &ep) : 0;
    if (o->checkpoint &&
        ((S.epoch % (o->checkpoint_every > 0 ? o->checkpoint_every : 1) == 0 &&
          S.elapsed_s - last_ckpt_s >= o->checkpoint_interval_s) ||
         S.epoch >= o->epochs || stop)) {
      if ((st = checkpoint_write(o->checkpoint, &S, P, (int)o->optimizer, err))) break;
      last_ckpt_s = S.elapsed_s;
    }
    if (stop) break;
    /* Full-batch L-BFGS often holds a validation plateau for hundreds of
     * epochs and then improves again, so the patience grows with the
     * epoch of the best model (the "patience increase" of the Theano
     * early-stopping recipe, factor 2): a run stops at twice the epoch of
     * its best at the earliest. */
    int wait = o->patience > S.best_epoch ? o->patience : S.best_epoch;
    if (o->patience > 0 && S.since_best >= wait) {
      nacre_log(ctx, NACRE_LOG_INFO,
                "early stop: no better validation loss for %d epochs (best at "
                "epoch %d)",
                S.since_best, S.best_epoch);
      break;
    }
    if (o->time_limit_s > 0 && S.elapsed_s >= o->time_limit_s) {
      nacre_log(ctx, NACRE_LOG_INFO, "time limit of %.0f s reached", o->time_limit_s);
      break;
    }
  }
  /* an interrupt is seen between epochs, where the state is whole: it is
   * saved too, so the same run resumes from there */
  if (o->checkpoint && (!st || st == NACRE_ERR_INTERRUPTED)) {
    nacre_error werr;
    nacre_status wst = checkpoint_write(o->checkpoint, &S, P, (int)o->optimizer, &werr);
    if (wst) {
      st = wst;
      if (err) *err = werr;
    }
  }
  memcpy(m->w, isfinite(S.best_loss) ? S.best : S.w, (size_t)P * sizeof *m->w);
done:
  free(g);
  free(perm);
  free(batch);
  free(S.w);
  free(S.best);
  nacre_adam_free(&S.adam);
  nacre_lbfgs_free(&lb);
  return st;
}
