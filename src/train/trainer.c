/* trainer.c — the training driver: the epoch loop with Adam or L-BFGS,
 * validation tracking and early stopping, and checkpoints that let a
 * killed run resume where it stopped (and refuse a resume with other data
 * or settings). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fit_internal.h"
#include "nacre/io.h"

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
  o->checkpoint_interval_s = 30;
}

/* ---- checkpoints ---- */

typedef struct train_state {
  int epoch, best_epoch, since_best;
  double best_loss, elapsed_s;
  double *w, *best;
  train_adam adam;
  train_lbfgs *lb; /* NULL for Adam */
} train_state;

/* Version 2 records what the run was for (hashes of the data and of the
 * settings), so that a resume with other data or settings is refused. */
#define CKPT_MAGIC "nacre-train-checkpoint 2"

static nacre_status checkpoint_write(const char *path, const train_state *s,
                                     int nparams, int optimizer,
                                     const train_identity *id,
                                     nacre_error *err) {
  nacre_atomic_file af;
  nacre_status st = nacre_atomic_open(&af, path, err);
  if (st) return st;
  FILE *fp = af.fp;
  fprintf(fp, "%s\nnparams %d optimizer %d\n", CKPT_MAGIC, nparams, optimizer);
  fprintf(fp, "data %016llx settings %016llx\n",
          (unsigned long long)(id ? id->data : 0),
          (unsigned long long)(id ? id->settings : 0));
  fprintf(fp, "epoch %d best_epoch %d since_best %d best_loss %.17g elapsed %.17g adam_t %ld\n",
          s->epoch, s->best_epoch, s->since_best, s->best_loss, s->elapsed_s,
          s->adam.t);
  for (int k = 0; k < nparams; k++)
    fprintf(fp, "%.17g %.17g %.17g %.17g\n", s->w[k], s->best[k],
            s->adam.m ? s->adam.m[k] : 0.0, s->adam.v ? s->adam.v[k] : 0.0);
  if (s->lb) { /* L-BFGS history, so that a resumed run takes the same steps */
    const train_lbfgs *o = s->lb;
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
                           int optimizer, const train_identity *id,
                           nacre_error *err) {
  FILE *fp = fopen(path, "r");
  if (!fp) return 0;
  char magic[64] = {0};
  int np = -1, opt = -1, ok = 1;
  long t = 0;
  unsigned long long hd = 0, hs = 0;
  if (!fgets(magic, sizeof magic, fp) || strncmp(magic, CKPT_MAGIC, strlen(CKPT_MAGIC))) {
    fclose(fp);
    nacre_error_set(err, NACRE_ERR_PARSE,
                    "%s: not a checkpoint of this version of nacre train "
                    "(expected '%s'); remove it to start afresh",
                    path, CKPT_MAGIC);
    return -1;
  }
  if (fscanf(fp, " nparams %d optimizer %d data %llx settings %llx", &np, &opt,
             &hd, &hs) != 4 || np != nparams || opt != optimizer)
    ok = 0;
  if (ok && id && (hd != id->data || hs != id->settings)) {
    fclose(fp);
    nacre_error_set(err, NACRE_ERR_INVALID,
                    "%s was written for other %s%s%s than this run's (its "
                    "record %016llx/%016llx, this run %016llx/%016llx): "
                    "resuming would mix two trainings. Rerun with the data "
                    "and options of the interrupted run, or remove the "
                    "checkpoint to start afresh",
                    path, hd != id->data ? "training data" : "",
                    hd != id->data && hs != id->settings ? " and " : "",
                    hs != id->settings ? "settings (descriptors, network, "
                                         "loss, optimiser, seed or split)"
                                       : "",
                    hd, hs, (unsigned long long)id->data,
                    (unsigned long long)id->settings);
    return -1;
  }
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
    train_lbfgs *o = s->lb;
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
  const nacre_nn_model *m;
  const nacre_dataset *d;
  const train_features *const *f;
  const int *idx;
  int n;
  const nacre_loss_weights *lw;
  const unsigned char *mask;
} objective_ctx;

static nacre_status objective(void *user, const double *x, double *fx,
                              double *g, nacre_error *err) {
  objective_ctx *c = user;
  nacre_status st =
      train_loss(c->m, x, c->d, c->f, c->idx, c->n, c->lw, fx, g, NULL, err);
  if (!st && c->mask)
    for (size_t k = 0; k < nacre_nn_model_nparams(c->m); k++)
      if (!c->mask[k]) g[k] = 0;
  if (!st && !isfinite(*fx))
    return nacre_error_set(err, NACRE_ERR_NUMERIC, "loss is not finite");
  return st;
}

nacre_status train_run(nacre_nn_model *m, const train_set *tset,
                       const train_set *vset, const nacre_train_options *o,
                       const unsigned char *trainable,
                       const train_identity *id, nacre_train_progress cb,
                       void *user, const nacre_ctx *ctx, nacre_error *err) {
  int P = (int)nacre_nn_model_nparams(m);
  const nacre_dataset *d = tset->d;
  const train_features *const *f = tset->f;
  const int *train = tset->idx;
  int ntrain = tset->n, nvalid = vset ? vset->n : 0;
  nacre_status st = NACRE_OK;
  train_state S;
  memset(&S, 0, sizeof S);
  train_lbfgs lb;
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
  nacre_nn_model_get_params(m, S.w);
  memcpy(S.best, S.w, (size_t)P * sizeof *S.best);
  S.best_loss = INFINITY;
  if (o->optimizer == NACRE_OPT_ADAM) {
    if ((st = train_adam_init(&S.adam, P, o->lr, err))) goto done;
  } else {
    if ((st = train_lbfgs_init(&lb, P, o->lbfgs_history, err))) goto done;
    S.lb = &lb;
  }
  if (o->checkpoint) {
    int r = checkpoint_read(o->checkpoint, &S, P, (int)o->optimizer, id, err);
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
  objective_ctx oc = {m, d, f, train, ntrain, &o->weights, trainable};
  double t0 = nacre_now_s() - S.elapsed_s, last_ckpt_s = S.elapsed_s;
  int written = 0;
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
        for (int k = 0; k < nb; k++) batch[k] = train ? train[perm[b0 + k]] : perm[b0 + k];
        double L;
        st = train_loss(m, S.w, d, f, batch, nb, &o->weights, &L, g, NULL, err);
        if (!st && !isfinite(L))
          st = nacre_error_set(err, NACRE_ERR_NUMERIC, "loss is not finite at epoch %d",
                               S.epoch + 1);
        if (!st && trainable)
          for (int k = 0; k < P; k++)
            if (!trainable[k]) g[k] = 0;
        if (!st) train_adam_step(&S.adam, S.w, g);
      }
    } else {
      st = train_lbfgs_step(&lb, S.w, objective, &oc, err);
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
    if ((st = train_loss(m, S.w, d, f, train, ntrain, &eval_w, NULL, NULL,
                               &ep.train, err)))
      break;
    double score = ep.train.loss;
    if (nvalid > 0) {
      if ((st = train_loss(m, S.w, vset->d, vset->f, vset->idx, nvalid, &eval_w,
                           NULL, NULL, &ep.valid, err)))
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
    S.elapsed_s = nacre_now_s() - t0;
    ep.elapsed_s = S.elapsed_s;
    ep.weights = S.w;
    int stop = cb ? cb(user, &ep) : 0;
    /* the first epoch of a run is saved at once, later ones every
     * checkpoint_interval_s of wall time, the last and a stop always */
    if (o->checkpoint && (!written || S.elapsed_s - last_ckpt_s >= o->checkpoint_interval_s ||
                          S.epoch >= o->epochs || stop)) {
      if ((st = checkpoint_write(o->checkpoint, &S, P, (int)o->optimizer, id, err))) break;
      last_ckpt_s = S.elapsed_s;
      written = 1;
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
    nacre_status wst = checkpoint_write(o->checkpoint, &S, P, (int)o->optimizer, id, &werr);
    if (wst) {
      st = wst;
      if (err) *err = werr;
    }
  }
  nacre_nn_model_set_params(m, isfinite(S.best_loss) ? S.best : S.w);
done:
  free(g);
  free(perm);
  free(batch);
  free(S.w);
  free(S.best);
  train_adam_free(&S.adam);
  train_lbfgs_free(&lb);
  return st;
}
