/* loss.c — the training loss on energies per atom, forces and stress, its
 * gradient with respect to every network weight, and the error figures.
 *
 * With E = Σ_i E_i(x_i), F_j = −Σ_i (∂E_i/∂G_i)·∂G_i/∂r_j and
 * σ = (1/V) Σ_i (∂E_i/∂G_i)·V_i, the loss is linear in E_i and in ∂E_i/∂G_i,
 * so dL/dw = Σ_i ∂/∂w [α E_i + (∂E_i/∂x_i)·c_i] with
 *   α   = ∂L/∂E,
 *   c_i = range ⊙ ( −Σ_j (∂L/∂F_j)·∂G_i/∂r_j + (1/V) Σ_v (∂L/∂σ_v) V_iv ),
 * which nacre_nn_network_weight_gradient evaluates in one pass per atom.
 *
 * OpenMP over structures: they are grouped into at most TRAIN_BLOCKS
 * blocks fixed by n alone; each block sums its structures in order and the
 * blocks are added in order, so the result does not depend on the number
 * of threads or on scheduling. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fit_internal.h"

#define TRAIN_BLOCKS 128

enum { ACC_LOSS, ACC_ESQ, ACC_EABS, ACC_FSQ, ACC_FABS, ACC_SSQ, ACC_SABS, ACC_N };

/* Loss and gradient contributions of one structure. */
static nacre_status structure_loss(const nacre_nn_model *m, const double *w,
                                   const nacre_sample *sm,
                                   const train_features *f,
                                   const nacre_loss_weights *lw0,
                                   const double inv[3], const double cnt[3],
                                   train_scratch *ws,
                                   double *acc, double *grad,
                                   nacre_error *err) {
  const nacre_structure *s = sm->s;
  int n = s->natoms, D = m->desc.dim;
  /* the sample's weight scales its three terms and their gradients */
  double sw = nacre_sample_weight(sm);
  nacre_loss_weights lwv = {lw0->energy * sw, lw0->force * sw,
                            lw0->stress * sw, lw0->l2};
  const nacre_loss_weights *lw = &lwv;
  /* inv: 1 / the weighted counts of energies, force and stress
   * components (0 when that count is 0); cnt: the plain counts */
  double ke = inv[0], kf = inv[1], ks = inv[2];
  int use_e = (sm->has & NACRE_LABEL_ENERGY) && n > 0;
  int use_f = (sm->has & NACRE_LABEL_FORCES) && cnt[1] > 0;
  int use_s = (sm->has & NACRE_LABEL_STRESS) && cnt[2] > 0 && s->pbc[0] &&
              s->pbc[1] && s->pbc[2];
  double energy, stress[6];
  nacre_status st = train_forward(m, w, s, f, ws, &energy,
                                  use_f ? ws->forces : NULL,
                                  use_s ? stress : NULL, err);
  if (st) return st;
  double alpha = 0;
  if (use_e) {
    double de = (energy - sm->energy) / n;
    acc[ACC_LOSS] += lw->energy * de * de * ke;
    acc[ACC_ESQ] += de * de;
    acc[ACC_EABS] += fabs(de);
    alpha = lw->energy * 2 * de / n * ke;
  }
  if (use_f) {
    for (int k = 0; k < 3 * n; k++) {
      double df = ws->forces[k] - sm->forces[k];
      acc[ACC_LOSS] += lw->force * df * df * kf;
      acc[ACC_FSQ] += df * df;
      acc[ACC_FABS] += fabs(df);
      ws->u[k] = lw->force * 2 * df * kf;
    }
  }
  double t[6] = {0};
  if (use_s) {
    double vol = fabs(nacre_cell_volume(s->cell));
    for (int v = 0; v < 6; v++) {
      double ds = (stress[v] - sm->stress[v]) * NACRE_EV_A3_TO_GPA;
      acc[ACC_LOSS] += lw->stress * ds * ds * ks;
      acc[ACC_SSQ] += ds * ds;
      acc[ACC_SABS] += fabs(ds);
      t[v] = lw->stress * 2 * ds * ks * NACRE_EV_A3_TO_GPA / vol;
    }
  }
  if (!grad) return NACRE_OK;
  int need_c = (use_f && lw->force != 0) || (use_s && lw->stress != 0);
  if (!need_c && alpha == 0) return NACRE_OK;
  for (int i = 0; i < n; i++) {
    int sp = ws->spc[i];
    double *c = ws->c;
    if (need_c) {
      memset(c, 0, (size_t)D * sizeof *c);
      if (use_f)
        for (size_t q = f->offsets[i]; q < f->offsets[i + 1]; q++) {
          const float *dg = f->dg + q * 3 * (size_t)D;
          const double *u = ws->u + 3 * (size_t)f->nbr[q];
          for (int k = 0; k < 3; k++)
            for (int d = 0; d < D; d++) c[d] -= u[k] * dg[k * D + d];
        }
      if (use_s) {
        const float *vir = f->vir + (size_t)i * 6 * D;
        for (int v = 0; v < 6; v++)
          for (int d = 0; d < D; d++) c[d] += t[v] * vir[v * D + d];
      }
      const double *rg = m->input_scale + (size_t)sp * D;
      for (int d = 0; d < D; d++) c[d] *= rg[d];
    }
    size_t off = ws->off[sp];
    nacre_nn_network_weight_gradient(&m->net[sp], w + off, ws->x + (size_t)i * D,
                                     alpha, need_c ? c : NULL, grad + off,
                                     ws->net);
  }
  return NACRE_OK;
}

nacre_status train_loss(const nacre_nn_model *m, const double *w,
                              const nacre_dataset *d,
                              const train_features *const *f, const int *idx,
                              int n, const nacre_loss_weights *lw,
                              double *loss, double *grad, nacre_errors *errs,
                              nacre_error *err) {
  /* weighted counts normalise the loss; plain counts the error figures */
  double ne = 0, nf = 0, ns = 0, ce = 0, cf = 0, cs = 0;
  int maxat = 1;
  for (int q = 0; q < n; q++) {
    const nacre_sample *sm = &d->items[idx ? idx[q] : q];
    int na = sm->s->natoms;
    if (!f[idx ? idx[q] : q])
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "sample %d has no features", idx ? idx[q] : q);
    if (na > maxat) maxat = na;
    double sw = nacre_sample_weight(sm);
    if ((sm->has & NACRE_LABEL_ENERGY) && na > 0) ne += sw, ce += 1;
    if (sm->has & NACRE_LABEL_FORCES) nf += 3.0 * na * sw, cf += 3.0 * na;
    if ((sm->has & NACRE_LABEL_STRESS) && sm->s->pbc[0] && sm->s->pbc[1] &&
        sm->s->pbc[2])
      ns += 6 * sw, cs += 6;
  }
  const double inv[3] = {ne > 0 ? 1 / ne : 0, nf > 0 ? 1 / nf : 0,
                         ns > 0 ? 1 / ns : 0};
  const double cnt[3] = {ce, cf, cs};
  int nblocks = n < TRAIN_BLOCKS ? n : TRAIN_BLOCKS;
  if (nblocks < 1) nblocks = 1;
  int bs = (n + nblocks - 1) / nblocks;
  size_t P = nacre_nn_model_nparams(m);
  double *bgrad = grad ? calloc((size_t)nblocks * P, sizeof *bgrad) : NULL;
  double *bacc = calloc((size_t)nblocks * ACC_N, sizeof *bacc);
  if ((grad && !bgrad) || !bacc) {
    free(bgrad);
    free(bacc);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory for the loss");
  }
  nacre_status status = NACRE_OK;
#pragma omp parallel
  {
    train_scratch ws;
    nacre_error lerr;
    nacre_error_clear(&lerr);
    nacre_status lst = train_scratch_init(&ws, m, maxat, &lerr);
#pragma omp for schedule(dynamic, 1)
    for (int b = 0; b < nblocks; b++) {
      for (int q = b * bs; q < (b + 1) * bs && q < n && !lst; q++) {
        int i = idx ? idx[q] : q;
        lst = structure_loss(m, w, &d->items[i], f[i], lw, inv, cnt, &ws,
                             bacc + (size_t)b * ACC_N,
                             bgrad ? bgrad + (size_t)b * P : NULL, &lerr);
        if (lst) nacre_error_prefix(&lerr, "%s: ",
                                    d->items[i].source ? d->items[i].source : "sample");
      }
    }
    if (lst) {
#pragma omp critical(nacre_train_loss_error)
      if (!status) {
        status = lst;
        if (err) *err = lerr;
      }
    }
    train_scratch_free(&ws);
  }
  if (status) {
    free(bgrad);
    free(bacc);
    return status;
  }
  double acc[ACC_N] = {0};
  for (int b = 0; b < nblocks; b++)
    for (int k = 0; k < ACC_N; k++) acc[k] += bacc[(size_t)b * ACC_N + k];
  if (grad) {
    memset(grad, 0, P * sizeof *grad);
    for (int b = 0; b < nblocks; b++)
      for (size_t k = 0; k < P; k++) grad[k] += bgrad[(size_t)b * P + k];
  }
  /* L2 on weight matrices (not biases) */
  if (lw->l2 > 0)
    for (int sp = 0; sp < m->nspecies; sp++) {
      const nacre_nn_network *net = &m->net[sp];
      size_t base = nacre_nn_model_param_offset(m, sp);
      for (int l = 0; l + 1 < net->nlayers; l++) {
        size_t w0 = base + net->woffset[l];
        size_t w1 = w0 + (size_t)net->size[l + 1] * (size_t)net->size[l];
        for (size_t k = w0; k < w1; k++) {
          acc[ACC_LOSS] += lw->l2 * w[k] * w[k];
          if (grad) grad[k] += 2 * lw->l2 * w[k];
        }
      }
    }
  free(bgrad);
  free(bacc);
  if (loss) *loss = acc[ACC_LOSS];
  if (errs) {
    memset(errs, 0, sizeof *errs);
    errs->nstructures = n;
    errs->nforce_components = (long)cf;
    errs->nstress_components = (long)cs;
    errs->loss = acc[ACC_LOSS];
    if (ce > 0) {
      errs->e_rmse = sqrt(acc[ACC_ESQ] / ce);
      errs->e_mae = acc[ACC_EABS] / ce;
    }
    if (cf > 0) {
      errs->f_rmse = sqrt(acc[ACC_FSQ] / cf);
      errs->f_mae = acc[ACC_FABS] / cf;
    }
    if (cs > 0) {
      errs->s_rmse = sqrt(acc[ACC_SSQ] / cs);
      errs->s_mae = acc[ACC_SABS] / cs;
    }
  }
  return NACRE_OK;
}
