/* fit.c — the fitting workflow: split (or given validation and test
 * sets), descriptors once, normalisation, reference energies, the
 * training domain, ensemble training with stratified starts, the identity
 * that checkpoints are checked against, and the models' provenance. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fit_internal.h"

void nacre_fit_options_init(nacre_fit_options *o) {
  memset(o, 0, sizeof *o);
  nacre_train_options_init(&o->train);
  o->nhidden = 2;
  o->hidden[0] = o->hidden[1] = 10;
  o->act = NACRE_NN_TANH;
  o->frac_train = 0.8;
  o->frac_valid = 0.1;
  o->seed = 1;
  o->ensemble = 1;
}

nacre_status nacre_fit_options_maise_compatible(const nacre_fit_options *o,
                                                nacre_error *err) {
  if (o->nhidden != 2 || o->act != NACRE_NN_TANH)
    return nacre_error_set(err, NACRE_ERR_UNSUPPORTED,
                           "MAISE model files hold two tanh hidden layers; "
                           "this network has %d hidden layer%s of %s",
                           o->nhidden, o->nhidden == 1 ? "" : "s",
                           nacre_nn_activation_name(o->act));
  if (!o->maise_repulsion)
    return nacre_error_set(err, NACRE_ERR_UNSUPPORTED,
                           "MAISE adds its short-range repulsion to every "
                           "model file: the model must be trained with it");
  if (o->baseline && o->baseline[0])
    return nacre_error_set(err, NACRE_ERR_UNSUPPORTED,
                           "MAISE model files hold no baseline (--baseline %s)",
                           o->baseline);
  return NACRE_OK;
}

void nacre_default_descriptors(int nspecies, const int *species_z, char *spec,
                               size_t len) {
  double rsum = 0;
  int cnt = 0;
  for (int k = 0; k < nspecies; k++) {
    const nacre_element *el = nacre_element_by_z(species_z[k]);
    if (el && el->covalent_radius > 0) {
      rsum += el->covalent_radius;
      cnt++;
    }
  }
  double rc = cnt ? 4.5 * rsum / cnt : 6.0;
  rc = round(2 * rc) / 2; /* 0.5 Å steps */
  if (rc < 4) rc = 4;
  if (rc > 8) rc = 8;
  snprintf(spec, len, "maise:rc=%g", rc);
}

/* ---- identity of a run (FNV-1a over bytes) ---- */

static uint64_t fnv(uint64_t h, const void *p, size_t n) {
  const unsigned char *b = p;
  for (size_t k = 0; k < n; k++) {
    h ^= b[k];
    h *= 1099511628211ull;
  }
  return h;
}

static uint64_t hash_samples(uint64_t h, const nacre_dataset *d, const int *idx,
                             int n) {
  for (int q = 0; q < n; q++) {
    const nacre_sample *sm = &d->items[idx ? idx[q] : q];
    const nacre_structure *s = sm->s;
    double w = nacre_sample_weight(sm);
    h = fnv(h, &s->natoms, sizeof s->natoms);
    h = fnv(h, s->numbers, (size_t)s->natoms * sizeof *s->numbers);
    h = fnv(h, s->positions, 3 * (size_t)s->natoms * sizeof *s->positions);
    h = fnv(h, s->cell, sizeof s->cell);
    h = fnv(h, s->pbc, sizeof s->pbc);
    h = fnv(h, &sm->has, sizeof sm->has);
    h = fnv(h, &w, sizeof w);
    if (sm->has & NACRE_LABEL_ENERGY) h = fnv(h, &sm->energy, sizeof sm->energy);
    if (sm->has & NACRE_LABEL_FORCES)
      h = fnv(h, sm->forces, 3 * (size_t)s->natoms * sizeof *sm->forces);
    if (sm->has & NACRE_LABEL_STRESS) h = fnv(h, sm->stress, sizeof sm->stress);
  }
  return h;
}

/* Everything that changes the trajectory of member k (not the epoch
 * limit, patience, time limit or thread count, which a resume may
 * change). */
static uint64_t hash_settings(const nacre_fit_options *o, const char *spec,
                              const nacre_nn_model *start, int k,
                              const train_set *tr, const train_set *va) {
  uint64_t h = NACRE_FNV1A_OFFSET;
  h = nacre_fnv1a(h, spec);
  h = fnv(h, &o->nhidden, sizeof o->nhidden);
  h = fnv(h, o->hidden, (size_t)o->nhidden * sizeof *o->hidden);
  h = fnv(h, &o->act, sizeof o->act);
  const nacre_train_options *t = &o->train;
  h = fnv(h, &t->weights, sizeof t->weights);
  h = fnv(h, &t->optimizer, sizeof t->optimizer);
  if (t->optimizer == NACRE_OPT_ADAM) {
    h = fnv(h, &t->batch_size, sizeof t->batch_size);
    h = fnv(h, &t->lr, sizeof t->lr);
    h = fnv(h, &t->lr_decay, sizeof t->lr_decay);
    h = fnv(h, &t->lr_min, sizeof t->lr_min);
  } else {
    h = fnv(h, &t->lbfgs_history, sizeof t->lbfgs_history);
  }
  uint64_t seed = o->seed + (uint64_t)k;
  h = fnv(h, &seed, sizeof seed);
  h = fnv(h, &o->maise_repulsion, sizeof o->maise_repulsion);
  if (o->baseline) h = fnv(h, o->baseline, strlen(o->baseline));
  h = fnv(h, &o->freeze_from, sizeof o->freeze_from);
  /* the starting point: normalisation, references, initial weights */
  size_t nin = (size_t)start->nspecies * start->desc.dim;
  h = fnv(h, start->input_min, nin * sizeof(double));
  h = fnv(h, start->input_scale, nin * sizeof(double));
  h = fnv(h, start->ref_energy, sizeof start->ref_energy);
  for (int s = 0; s < start->nspecies; s++)
    h = fnv(h, start->net[s].weights, start->net[s].nweights * sizeof(double));
  /* which samples train and which validate */
  h = fnv(h, &tr->n, sizeof tr->n);
  if (tr->idx) h = fnv(h, tr->idx, (size_t)tr->n * sizeof *tr->idx);
  int nv = va ? va->n : 0;
  h = fnv(h, &nv, sizeof nv);
  if (nv && va->idx) h = fnv(h, va->idx, (size_t)nv * sizeof *va->idx);
  return h;
}

/* ---- stratified start ---- */

typedef struct member_cb {
  nacre_fit_progress cb;
  void *user;
  int member;
} member_cb;

static int forward_progress(void *user, const nacre_train_epoch *ep) {
  member_cb *mc = user;
  return mc->cb ? mc->cb(mc->user, mc->member, ep) : 0;
}

/* Copies the weights of `from`'s network for species fsp into m's for sp
 * on the leading input components they share; the other input weights
 * are zero and (when mask) marked trainable. w: m's parameters. */
static nacre_status stratified_start(nacre_nn_model *m, double *w, int sp,
                                     const nacre_nn_model *from, int fsp,
                                     unsigned char *mask, nacre_error *err) {
  const nacre_nn_network *a = &m->net[sp], *b = &from->net[fsp];
  if (a->nlayers != b->nlayers)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "--from model has %d layers, this model %d",
                           b->nlayers, a->nlayers);
  for (int k = 1; k < a->nlayers; k++)
    if (a->size[k] != b->size[k] || a->act[k - 1] != b->act[k - 1])
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "--from model has %d units (%s) in layer %d, this "
                             "model %d (%s)",
                             b->size[k], nacre_nn_activation_name(b->act[k - 1]),
                             k, a->size[k], nacre_nn_activation_name(a->act[k - 1]));
  int D = a->size[0], Df = b->size[0];
  if (Df > D)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "--from model has more inputs (%d) than this one (%d)",
                           Df, D);
  size_t off = nacre_nn_model_param_offset(m, sp);
  double *ws = w + off;
  const double *wf = b->weights;
  unsigned char *mk = mask ? mask + off : NULL;
  for (int l = 0; l + 1 < a->nlayers; l++) {
    int no = a->size[l + 1], ni = a->size[l], nif = b->size[l];
    double *W = ws + a->woffset[l], *bb = W + (size_t)no * ni;
    const double *Wf = wf + b->woffset[l], *bf = Wf + (size_t)no * nif;
    for (int o = 0; o < no; o++) {
      bb[o] = bf[o];
      if (mk) mk[a->woffset[l] + (size_t)no * ni + o] = 0;
      for (int i = 0; i < ni; i++) {
        int shared = i < nif;
        W[(size_t)o * ni + i] = shared ? Wf[(size_t)o * nif + i] : 0.0;
        if (mk) mk[a->woffset[l] + (size_t)o * ni + i] = (unsigned char)!shared;
      }
    }
  }
  for (int c = 0; c < D; c++) {
    double *mn = &m->input_min[(size_t)sp * D + c], *rg = &m->input_scale[(size_t)sp * D + c];
    if (c < Df) {
      *mn = from->input_min[(size_t)fsp * Df + c];
      *rg = from->input_scale[(size_t)fsp * Df + c];
    } else {
      /* new (cross-species) inputs measured from 0, as MAISE does, so that
       * they vanish on structures without the other species and the start
       * reproduces the `from` model there exactly */
      double mx = *mn + 1.0 / *rg;
      *mn = 0;
      *rg = mx > 0 ? 1.0 / mx : 1.0;
    }
  }
  m->ref_energy[sp] = from->ref_energy[fsp];
  return NACRE_OK;
}

static nacre_status apply_from(nacre_nn_model *m, double *w, const nacre_fit_options *o,
                               unsigned char *mask, nacre_error *err) {
  if (mask) memset(mask, 1, nacre_nn_model_nparams(m));
  for (int s = 0; s < m->nspecies; s++)
    for (int q = 0; q < o->nfrom; q++) {
      int fsp = nacre_nn_model_species(o->from[q], m->z[s]);
      if (fsp < 0) continue;
      nacre_status st = stratified_start(m, w, s, o->from[q], fsp, mask, err);
      if (st) return st;
      break;
    }
  return NACRE_OK;
}

/* Species sp's first layer, written for inputs normalised by (mn0, sc0),
 * rewritten for (mn, sc) without changing the network's function: with
 * x0 = (G − mn0)·sc0 and x = (G − mn)·sc, x0 = x·sc0/sc + (mn − mn0)·sc0, so
 * W' = W·diag(sc0/sc) and b' = b + W·((mn − mn0)·sc0). */
static void renormalize_first_layer(const nacre_nn_model *m, double *w, int sp,
                                    const double *mn0, const double *sc0) {
  const nacre_nn_network *a = &m->net[sp];
  int D = a->size[0], no = a->size[1];
  const double *mn = m->input_min + (size_t)sp * D, *sc = m->input_scale + (size_t)sp * D;
  double *W = w + nacre_nn_model_param_offset(m, sp) + a->woffset[0];
  double *b = W + (size_t)no * D;
  for (int o = 0; o < no; o++)
    for (int i = 0; i < D; i++) {
      double *wi = &W[(size_t)o * D + i];
      b[o] += *wi * (mn[i] - mn0[i]) * sc0[i];
      *wi *= sc0[i] / sc[i];
    }
}

/* Member m starts where `warm` ended: every species' network and reference
 * energy. The input normalisation is the one measured on this data (as a
 * fresh start's), the first layer rewritten for it so that the start
 * predicts exactly what `warm` does: data that grew beyond the first
 * committee's (active learning starts from a few random crystals) are not
 * fed to the networks several range widths outside [0, 1]. */
static nacre_status apply_warm(nacre_nn_model *m, double *w,
                               const nacre_nn_model *warm, nacre_error *err) {
  int D = m->desc.dim;
  double *mn = malloc(2 * (size_t)(D > 0 ? D : 1) * sizeof *mn);
  if (!mn) return nacre_error_set(err, NACRE_ERR_NOMEM, "warm start");
  double *sc = mn + D;
  nacre_status st = NACRE_OK;
  for (int s = 0; s < m->nspecies && !st; s++) {
    int fsp = nacre_nn_model_species(warm, m->z[s]);
    if (fsp < 0 || warm->desc.dim != m->desc.dim) {
      st = nacre_error_set(err, NACRE_ERR_INVALID, "warm start: the previous model %s",
                           fsp < 0 ? "lacks an element of the data"
                                   : "has other descriptors");
      break;
    }
    memcpy(mn, m->input_min + (size_t)s * D, (size_t)D * sizeof *mn);
    memcpy(sc, m->input_scale + (size_t)s * D, (size_t)D * sizeof *sc);
    if ((st = stratified_start(m, w, s, warm, fsp, NULL, err))) break;
    /* m now holds warm's normalisation: the first layer is rewritten from
     * it to the measured one, which is put back */
    const double *mn0 = warm->input_min + (size_t)fsp * D;
    const double *sc0 = warm->input_scale + (size_t)fsp * D;
    memcpy(m->input_min + (size_t)s * D, mn, (size_t)D * sizeof *mn);
    memcpy(m->input_scale + (size_t)s * D, sc, (size_t)D * sizeof *sc);
    renormalize_first_layer(m, w, s, mn0, sc0);
  }
  free(mn);
  return st;
}

/* ---- the workflow ---- */

typedef struct fit_data {
  const nacre_dataset *d[3]; /* training data, validation, test */
  train_features *f[3];
  const train_features **fp[3];
  int *idx;                  /* 3·n of d[0]: the split of d[0] */
  train_set set[3];
} fit_data;

static void fit_data_free(fit_data *D) {
  for (int q = 0; q < 3; q++) {
    if (D->f[q] && D->d[q])
      for (int k = 0; k < D->d[q]->n; k++) train_features_free(&D->f[q][k]);
    free(D->f[q]);
    free(D->fp[q]);
  }
  free(D->idx);
}

/* The three sets: a split of d, or d whole and the given sets. */
static nacre_status make_sets(fit_data *D, const nacre_dataset *d,
                              const nacre_dataset *valid,
                              const nacre_dataset *test,
                              const nacre_fit_options *o, nacre_error *err) {
  int n = d->n;
  D->d[0] = d;
  D->idx = malloc(3 * (size_t)(n ? n : 1) * sizeof *D->idx);
  if (!D->idx) return nacre_error_set(err, NACRE_ERR_NOMEM, "split");
  train_set *S = D->set;
  S[0].d = d;
  if (valid || test) {
    S[0].idx = NULL;
    S[0].n = n;
    D->d[1] = valid;
    D->d[2] = test;
    for (int q = 1; q < 3; q++) {
      S[q].d = D->d[q];
      S[q].idx = NULL;
      S[q].n = D->d[q] ? D->d[q]->n : 0;
    }
  } else {
    int *tr = D->idx, *va = D->idx + n, *te = D->idx + 2 * (size_t)n;
    nacre_split_indices(n, o->frac_train, o->frac_valid, o->seed, tr, &S[0].n, va,
                        &S[1].n, te, &S[2].n);
    S[0].idx = tr;
    S[1].idx = va;
    S[2].idx = te;
    S[1].d = S[2].d = d;
  }
  if (S[0].n < 1)
    return nacre_error_set(err, NACRE_ERR_INVALID, "no training structures among %d", n);
  return NACRE_OK;
}

static nacre_status make_features(fit_data *D, const nacre_nn_model *proto,
                                  nacre_fit_report *rep, nacre_error *err) {
  double t0 = nacre_now_s();
  for (int q = 0; q < 3; q++) {
    const nacre_dataset *d = D->d[q];
    if (!d) continue;
    size_t n = d->n ? (size_t)d->n : 1;
    D->f[q] = calloc(n, sizeof *D->f[q]);
    D->fp[q] = calloc(n, sizeof *D->fp[q]);
    if (!D->f[q] || !D->fp[q]) return nacre_error_set(err, NACRE_ERR_NOMEM, "features");
    nacre_status st = train_features_compute_all(proto, d, D->f[q], err);
    if (st) return st;
    for (int k = 0; k < d->n; k++) {
      D->fp[q][k] = &D->f[q][k];
      rep->features_bytes += train_features_bytes(&D->f[q][k]);
    }
  }
  for (int q = 0; q < 3; q++)
    if (D->d[q]) D->set[q].f = (const train_features *const *)D->fp[q];
  for (int q = 1; q < 3; q++)
    if (!D->d[q]) D->set[q].f = D->set[0].f; /* split sets share d's */
  const train_set *tr = &D->set[0];
  for (int k = 0; k < tr->n; k++) {
    const train_features *f = tr->f[tr->idx ? tr->idx[k] : k];
    rep->repulsion_structures += f->has_rep && f->rep_energy > 0;
  }
  rep->features_seconds = nacre_now_s() - t0;
  return NACRE_OK;
}

/* A fresh member k: normalisation, domain, references, random weights,
 * stratified start; *w its parameters, *mask its trainable flags. */
static nacre_status make_member(const nacre_nn_model *proto, const fit_data *D,
                                const nacre_fit_options *o, int k,
                                nacre_nn_model **out, double **w,
                                unsigned char **mask, nacre_error *err) {
  const train_set *tr = &D->set[0];
  nacre_nn_model *m = nacre_nn_model_copy(proto, err);
  if (!m) return err ? err->status : NACRE_ERR_NOMEM;
  *out = m;
  size_t P = nacre_nn_model_nparams(m);
  *w = malloc((P ? P : 1) * sizeof **w);
  const train_features **ftr = calloc((size_t)tr->n, sizeof *ftr);
  const nacre_structure **str = calloc((size_t)tr->n, sizeof *str);
  if (!*w || !ftr || !str) {
    free(ftr);
    free(str);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "model");
  }
  for (int q = 0; q < tr->n; q++) {
    int i = tr->idx ? tr->idx[q] : q;
    ftr[q] = tr->f[i];
    str[q] = tr->d->items[i].s;
  }
  train_model_set_normalization(m, ftr, str, tr->n);
  free(ftr);
  free(str);
  nacre_status st = train_model_measure_domain(m, tr->d, tr->f, tr->idx, tr->n, err);
  if (!st) st = train_model_fit_reference(m, tr->d, tr->f, tr->idx, tr->n, err);
  if (st) return st;
  nacre_rng rng;
  nacre_rng_init(&rng, o->seed + (uint64_t)k, 1);
  train_model_randomize(m, *w, &rng);
  if (k < o->nwarm && o->warm[k] && (st = apply_warm(m, *w, o->warm[k], err)))
    return st;
  if (o->nfrom > 0) {
    if (o->freeze_from && !(*mask = malloc(P ? P : 1)))
      return nacre_error_set(err, NACRE_ERR_NOMEM, "model");
    if ((st = apply_from(m, *w, o, *mask, err))) return st;
  }
  nacre_nn_model_set_params(m, *w);
  return NACRE_OK;
}

static void provenance(nacre_nn_model *m, const fit_data *D,
                       const nacre_fit_report *rep) {
  nacre_nn_provenance *p = &m->prov;
  snprintf(p->source, sizeof p->source, "nacre train");
  snprintf(p->code, sizeof p->code, "nacre 0.1.0");
  /* no date: the same data and settings give the same file, byte for byte */
  long natoms = 0;
  const train_set *tr = &D->set[0];
  for (int q = 0; q < tr->n; q++) natoms += tr->d->items[tr->idx ? tr->idx[q] : q].s->natoms;
  snprintf(p->dataset, sizeof p->dataset, "%d training structures (%ld atoms)", tr->n, natoms);
  p->train_energies = rep->ntrain;
  p->test_energies = rep->ntest;
  p->train_energy_rmse = rep->train.e_rmse;
  p->train_force_rmse = rep->train.nforce_components ? rep->train.f_rmse : -1;
  p->test_energy_rmse = rep->ntest ? rep->test.e_rmse : -1;
  p->test_force_rmse = rep->ntest && rep->test.nforce_components ? rep->test.f_rmse : -1;
}

/* Errors of member m on the three sets (data terms only). */
static nacre_status member_errors(const nacre_nn_model *m, const fit_data *D,
                                  const nacre_fit_options *o, nacre_errors e[3],
                                  nacre_error *err) {
  nacre_loss_weights lw = o->train.weights;
  lw.l2 = 0;
  double *w = malloc((nacre_nn_model_nparams(m) + 1) * sizeof *w);
  if (!w) return nacre_error_set(err, NACRE_ERR_NOMEM, "weights");
  nacre_nn_model_get_params(m, w);
  nacre_status st = NACRE_OK;
  for (int q = 0; q < 3 && !st; q++) {
    memset(&e[q], 0, sizeof e[q]);
    const train_set *s = &D->set[q];
    if (s->n > 0) st = train_loss(m, w, s->d, s->f, s->idx, s->n, &lw, NULL, NULL, &e[q], err);
  }
  free(w);
  return st;
}

static nacre_status fit_member(nacre_nn_model *proto, const fit_data *D,
                               const nacre_fit_options *o, int k,
                               nacre_fit_progress cb, void *user,
                               const nacre_ctx *ctx, nacre_nn_model **out,
                               nacre_fit_report *rep, nacre_error *err) {
  nacre_nn_model *m = NULL;
  double *w = NULL;
  unsigned char *mask = NULL;
  nacre_status st = make_member(proto, D, o, k, &m, &w, &mask, err);
  *out = m;
  if (st) goto done;
  /* the data as given (the split is a setting) */
  uint64_t hd = hash_samples(NACRE_FNV1A_OFFSET, D->d[0], NULL, D->d[0]->n);
  if (D->d[1]) hd = hash_samples(hd, D->d[1], NULL, D->d[1]->n);
  train_identity id = {hd, hash_settings(o, rep->descriptors, m, k, &D->set[0], &D->set[1])};
  nacre_train_options to = o->train;
  to.seed = o->seed + (uint64_t)k;
  char ckpt[4200];
  if (o->train.checkpoint && o->ensemble > 1) {
    snprintf(ckpt, sizeof ckpt, "%s.%d", o->train.checkpoint, k);
    to.checkpoint = ckpt;
  }
  member_cb mc = {cb, user, k};
  double t1 = nacre_now_s();
  st = train_run(m, &D->set[0], &D->set[1], &to, mask, &id, forward_progress, &mc, ctx, err);
  rep->seconds += nacre_now_s() - t1;
done:
  free(w);
  free(mask);
  return st;
}

nacre_status nacre_fit(const nacre_dataset *d, const nacre_dataset *valid,
                       const nacre_dataset *test, const nacre_fit_options *o,
                       nacre_fit_progress cb, void *user, const nacre_ctx *ctx,
                       nacre_nn_model ***models, nacre_fit_report *rep,
                       nacre_error *err) {
  nacre_dataset_stats stats;
  nacre_status st;
  memset(rep, 0, sizeof *rep);
  *models = NULL;
  if ((st = nacre_dataset_stats_compute(d, &stats, err))) return st;
  if (stats.nspecies < 1 || stats.nspecies > NACRE_NN_MAX_SPECIES)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "the data hold %d elements; 1 to %d are supported",
                           stats.nspecies, NACRE_NN_MAX_SPECIES);
  int S = stats.nspecies, *Z = stats.species_z, K = o->ensemble > 0 ? o->ensemble : 1;
  if (o->descriptors[0])
    snprintf(rep->descriptors, sizeof rep->descriptors, "%s", o->descriptors);
  else
    nacre_default_descriptors(S, Z, rep->descriptors, sizeof rep->descriptors);
  fit_data D;
  memset(&D, 0, sizeof D);
  nacre_nn_model *proto = NULL, **ms = calloc((size_t)K, sizeof *ms);
  nacre_nn_descriptor desc;
  if (!ms) return nacre_error_set(err, NACRE_ERR_NOMEM, "models");
  if ((st = make_sets(&D, d, valid, test, o, err))) goto done;
  rep->ntrain = D.set[0].n;
  rep->nvalid = D.set[1].n;
  rep->ntest = D.set[2].n;
  if ((st = nacre_nn_descriptor_from_spec(rep->descriptors, S, &desc, err))) goto done;
  if ((st = train_model_new(S, Z, &desc, o->nhidden, o->hidden, o->act, &proto, err)))
    goto done;
  rep->dim = proto->desc.dim;
  if (o->maise_repulsion) nacre_nn_model_set_maise_repulsion(proto);
  if (o->baseline && o->baseline[0]) {
    if (strlen(o->baseline) >= sizeof proto->baseline) {
      st = nacre_error_set(err, NACRE_ERR_INVALID,
                           "baseline '%.40s...': at most %zu characters",
                           o->baseline, sizeof proto->baseline - 1);
      goto done;
    }
    snprintf(proto->baseline, sizeof proto->baseline, "%s", o->baseline);
  }
  if ((st = make_features(&D, proto, rep, err))) goto done;
  nacre_log(ctx, NACRE_LOG_INFO, "descriptors %s: %d components, %.2f s, %.1f MB",
            rep->descriptors, rep->dim, rep->features_seconds, rep->features_bytes / 1e6);
  for (int k = 0; k < K && !st; k++)
    st = fit_member(proto, &D, o, k, cb, user, ctx, &ms[k], rep, err);
  if (st) goto done;
  nacre_errors e[3];
  for (int k = K - 1; k >= 0 && !st; k--) { /* member 0 last: its figures */
    st = member_errors(ms[k], &D, o, e, err);
    rep->train = e[0];
    rep->valid = e[1];
    rep->test = e[2];
    if (!st) provenance(ms[k], &D, rep);
  }
done:
  fit_data_free(&D);
  nacre_nn_model_free(proto);
  if (st) {
    for (int k = 0; k < K; k++) nacre_nn_model_free(ms[k]);
    free(ms);
    return st;
  }
  *models = ms;
  return NACRE_OK;
}
