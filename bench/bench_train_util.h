/* bench_train_util.h — the training loop and report shared by bench_train
 * and bench_train_na. Header only (every bench/bench_*.c is its own
 * executable), so everything here is static. */
#ifndef NACRE_BENCH_TRAIN_UTIL_H
#define NACRE_BENCH_TRAIN_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "nacre/pot.h"
#include "nacre/train.h"
#include "train/fit_internal.h"

/* Learning-curve state: held-out errors are printed every every_s s. */
typedef struct curve {
  const nacre_nn_model *m;
  const nacre_dataset *d;
  const train_features *const *f;
  const int *test;
  int ntest;
  nacre_loss_weights lw;
  double next_print;
  int every_s;
  double best_e, best_f;
  double t_target; /* first time both targets were met, or −1 */
} curve;

static int on_epoch(void *user, const nacre_train_epoch *ep) {
  curve *c = user;
  if (ep->elapsed_s < c->next_print && ep->epoch % 100) return 0;
  c->next_print = ep->elapsed_s + c->every_s;
  nacre_errors te;
  nacre_error err;
  if (train_loss(c->m, ep->weights, c->d, c->f, c->test, c->ntest, &c->lw, NULL, NULL,
                       &te, &err))
    return 1;
  printf("%8.1f %6d   %8.3f %8.2f   %8.3f %8.2f %7.3f\n", ep->elapsed_s, ep->epoch,
         1e3 * ep->train.e_rmse, 1e3 * ep->train.f_rmse, 1e3 * te.e_rmse, 1e3 * te.f_rmse,
         te.s_rmse);
  fflush(stdout);
  if (c->t_target < 0 && te.e_rmse <= 0.010 && te.f_rmse <= 0.150) c->t_target = ep->elapsed_s;
  return 0;
}

/* Splits, computes descriptors, trains; prints the curve and figures. */
static int train_and_report(const nacre_dataset *d, const char *spec, double ftrain,
                            double fvalid, double minutes, nacre_optimizer opt,
                            nacre_loss_weights lw, nacre_nn_model **out, int **test_out,
                            int *ntest_out, train_features **fs_out) {
  nacre_error err;
  nacre_dataset_stats st;
  nacre_dataset_stats_compute(d, &st, &err);
  int n = d->n, *idx = malloc(3 * (size_t)n * sizeof *idx), ntr, nva, nte;
  int *tr = idx, *va = idx + n, *te = idx + 2 * n;
  nacre_split_indices(n, ftrain, fvalid, 1, tr, &ntr, va, &nva, te, &nte);
  nacre_nn_descriptor desc;
  if (nacre_nn_descriptor_from_spec(spec, st.nspecies, &desc, &err)) {
    fprintf(stderr, "%s\n", err.message);
    return 1;
  }
  const int hidden[2] = {10, 10};
  nacre_nn_model *m;
  if (train_model_new(st.nspecies, st.species_z, &desc, 2, hidden, NACRE_NN_TANH, &m, &err)) {
    fprintf(stderr, "%s\n", err.message);
    return 1;
  }
  train_features *fs = calloc((size_t)n, sizeof *fs);
  const train_features **fp = calloc((size_t)n, sizeof *fp);
  double t0 = bench_now();
  if (train_features_compute_all(m, d, fs, &err)) {
    fprintf(stderr, "%s\n", err.message);
    return 1;
  }
  double tf = bench_now() - t0;
  size_t bytes = 0;
  for (int q = 0; q < n; q++) {
    fp[q] = &fs[q];
    bytes += train_features_bytes(&fs[q]);
  }
  const train_features **ftr = calloc((size_t)ntr, sizeof *ftr);
  const nacre_structure **str = calloc((size_t)ntr, sizeof *str);
  for (int q = 0; q < ntr; q++) {
    ftr[q] = &fs[tr[q]];
    str[q] = d->items[tr[q]].s;
  }
  train_model_set_normalization(m, ftr, str, ntr);
  train_model_fit_reference(m, d, fp, tr, ntr, &err);
  size_t P = nacre_nn_model_nparams(m);
  double *w0 = malloc(P * sizeof *w0);
  nacre_rng rng;
  nacre_rng_init(&rng, 1, 1);
  train_model_randomize(m, w0, &rng);
  nacre_nn_model_set_params(m, w0);
  free(w0);
  nacre_train_options o;
  nacre_train_options_init(&o);
  o.optimizer = opt;
  o.epochs = 1000000;
  o.patience = 0;
  o.time_limit_s = 60 * minutes;
  o.weights = lw;
  printf("%d structures (%ld atoms): %d train, %d validation, %d test; %d descriptor "
         "components\n",
         n, nacre_dataset_natoms(d), ntr, nva, nte, m->desc.dim);
  printf("descriptors: %.2f s, %.2f MB stored (sparse per-pair derivatives, float)\n", tf,
         bytes / 1e6);
  printf("  time_s  epoch   train E meV/at  F meV/A   test E meV/at  F meV/A  S GPa\n");
  curve c = {m, d, fp, te, nte, lw, 0, 10, 0, 0, -1};
  c.lw.l2 = 0;
  double t1 = bench_now();
  int last = 0;
  train_set tset = {d, fp, tr, ntr}, vset = {d, fp, va, nva};
  nacre_status s = train_run(m, &tset, &vset, &o, NULL, NULL, on_epoch, &c, NULL, &err);
  double tt = bench_now() - t1;
  if (s) {
    fprintf(stderr, "training: %s\n", err.message);
    return 1;
  }
  nacre_errors e;
  double *wm = malloc(P * sizeof *wm);
  nacre_nn_model_get_params(m, wm);
  train_loss(m, wm, d, fp, te, nte, &c.lw, NULL, NULL, &e, &err);
  /* epochs: rerun of the counter is not kept; estimate from a timed pass */
  double tg0 = bench_now();
  double L;
  double *g = malloc(P * sizeof *g);
  int reps = 5;
  for (int r = 0; r < reps; r++) train_loss(m, wm, d, fp, tr, ntr, &o.weights, &L, g, NULL, &err);
  free(wm);
  double tg = (bench_now() - tg0) / reps;
  free(g);
  (void)last;
  printf("final test: energy RMSE %.3f meV/atom (MAE %.3f), forces RMSE %.1f meV/A (MAE %.1f), "
         "stress RMSE %.3f GPa\n",
         1e3 * e.e_rmse, 1e3 * e.e_mae, 1e3 * e.f_rmse, 1e3 * e.f_mae, e.s_rmse);
  if (c.t_target >= 0)
    printf("targets (test E <= 10 meV/atom and F <= 150 meV/A) first met at %.1f s\n", c.t_target);
  printf("training wall time %.1f s; one full-batch loss+gradient over %d training "
         "structures: %.3f s = %.3f s per 1000 structures (%.3f s per 1000 atoms)\n",
         tt, ntr, tg, tg * 1000.0 / ntr,
         tg * 1000.0 / (double)(nacre_dataset_natoms(d) * ntr / n));
  printf("peak resident memory %.1f MB\n", bench_vm_hwm_kb() / 1024.0);
  free(ftr);
  free(str);
  free(fp);
  *out = m;
  if (test_out) {
    *test_out = malloc((size_t)(nte ? nte : 1) * sizeof(int));
    memcpy(*test_out, te, (size_t)nte * sizeof(int));
    *ntest_out = nte;
  }
  *fs_out = fs;
  free(idx);
  return 0;
}

#endif
