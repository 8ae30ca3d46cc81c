/* fit.c — the fitting workflow (split, descriptors, normalisation,
 * reference energies, ensemble training, stratified starts) and committees
 * of models: file format and mean/deviation predictions. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nacre/train.h"
#include "train_internal.h"

#define COMMITTEE_MAGIC "nacre-train-committee"

void nacre_committee_free(nacre_committee *c) {
  if (!c) return;
  for (int k = 0; k < c->k; k++) nacre_train_model_free(c->models[k]);
  free(c->models);
  free(c);
}

nacre_status nacre_committee_write(const nacre_committee *c, const char *path,
                                   nacre_error *err) {
  nacre_atomic_file af;
  nacre_status st = nacre_atomic_open(&af, path, err);
  if (st) return st;
  fprintf(af.fp, "%s %d\n", COMMITTEE_MAGIC, c->k);
  for (int k = 0; k < c->k; k++) train_model_write_body(c->models[k], af.fp);
  return nacre_atomic_commit(&af, err);
}

nacre_status nacre_committee_read(const char *path, nacre_committee **out,
                                  nacre_error *err) {
  *out = NULL;
  train_lines L;
  if (!train_lines_open(&L, path))
    return nacre_error_set(err, NACRE_ERR_IO, "%s: cannot open: %s", path,
                           strerror(errno));
  nacre_committee *c = calloc(1, sizeof *c);
  nacre_status st = NACRE_OK;
  int k = 1;
  if (!c) {
    train_lines_close(&L);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  }
  char first[64] = {0};
  FILE *probe = fopen(path, "r");
  if (probe) {
    if (!fgets(first, sizeof first, probe)) first[0] = 0;
    fclose(probe);
  }
  if (!strncmp(first, COMMITTEE_MAGIC, strlen(COMMITTEE_MAGIC))) {
    const char *ln = train_lines_next(&L);
    if (sscanf(ln + strlen(COMMITTEE_MAGIC), "%d", &k) != 1 || k < 1 || k > 1000) {
      st = nacre_error_set(err, NACRE_ERR_PARSE, "%s:1: expected '%s K' with 1 <= K <= 1000",
                           path, COMMITTEE_MAGIC);
      goto done;
    }
  }
  c->models = calloc((size_t)k, sizeof *c->models);
  if (!c->models) {
    st = nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
    goto done;
  }
  for (int q = 0; q < k && !st; q++) {
    st = train_model_read_body(&L, &c->models[q], err);
    if (!st) c->k++;
  }
done:
  train_lines_close(&L);
  if (st) {
    nacre_committee_free(c);
    return st;
  }
  *out = c;
  return NACRE_OK;
}

nacre_status nacre_committee_predict(const nacre_committee *c,
                                     const nacre_structure *s, double *forces,
                                     double stress[6],
                                     nacre_committee_result *res,
                                     nacre_error *err) {
  int n = s->natoms, K = c->k;
  nacre_features f;
  memset(&f, 0, sizeof f);
  double *fk = malloc(3 * (size_t)(n ? n : 1) * (size_t)K * sizeof *fk);
  double *ek = malloc((size_t)K * sizeof *ek), (*sk)[6] = malloc((size_t)K * sizeof *sk);
  nacre_status st = NACRE_OK;
  if (!fk || !ek || !sk) {
    st = nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
    goto done;
  }
  const char *spec = NULL;
  for (int k = 0; k < K && !st; k++) {
    const nacre_train_model *m = c->models[k];
    if (!spec || strcmp(spec, m->feat.spec)) { /* members share descriptors */
      nacre_features_free(&f);
      st = m->feat.compute(m->feat.self, s, m->nspecies, m->species_z, &f, err);
      spec = m->feat.spec;
    }
    if (!st)
      st = nacre_train_model_predict(m, NULL, s, &f, &ek[k], fk + 3 * (size_t)n * k, sk[k], err);
  }
  if (st) goto done;
  memset(res, 0, sizeof *res);
  double emean = 0;
  for (int k = 0; k < K; k++) emean += ek[k] / K;
  double evar = 0;
  for (int k = 0; k < K; k++) evar += (ek[k] - emean) * (ek[k] - emean) / K;
  res->energy = emean;
  res->energy_dev_per_atom = n ? sqrt(evar) / n : 0;
  for (int i = 0; i < n; i++) {
    double mean[3] = {0}, dev = 0;
    for (int k = 0; k < K; k++)
      for (int a = 0; a < 3; a++) mean[a] += fk[3 * (size_t)n * k + 3 * i + a] / K;
    for (int k = 0; k < K; k++)
      for (int a = 0; a < 3; a++) {
        double d = fk[3 * (size_t)n * k + 3 * i + a] - mean[a];
        dev += d * d / K;
      }
    if (sqrt(dev) > res->force_dev_max) res->force_dev_max = sqrt(dev);
    if (forces)
      for (int a = 0; a < 3; a++) forces[3 * i + a] = mean[a];
  }
  for (int v = 0; v < 6; v++) {
    double mean = 0, var = 0;
    for (int k = 0; k < K; k++) mean += sk[k][v] / K;
    for (int k = 0; k < K; k++) var += (sk[k][v] - mean) * (sk[k][v] - mean) / K;
    if (sqrt(var) > res->stress_dev_max) res->stress_dev_max = sqrt(var);
    if (stress) stress[v] = mean;
  }
done:
  nacre_features_free(&f);
  free(fk);
  free(ek);
  free(sk);
  return st;
}

/* ---- fitting ---- */

void nacre_fit_options_init(nacre_fit_options *o) {
  memset(o, 0, sizeof *o);
  nacre_train_options_init(&o->train);
  o->nhidden = 2;
  o->hidden[0] = o->hidden[1] = 10;
  o->act = NACRE_ACT_TANH;
  o->frac_train = 0.8;
  o->frac_valid = 0.1;
  o->seed = 1;
  o->ensemble = 1;
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
  train_default_descriptors(rc, spec, len);
}

static double wall_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

typedef struct member_cb {
  nacre_fit_progress cb;
  void *user;
  int member;
} member_cb;

static int forward_progress(void *user, const nacre_train_epoch *ep) {
  member_cb *mc = user;
  return mc->cb ? mc->cb(mc->user, mc->member, ep) : 0;
}

/* Copies the weights of `from` into m's network for species sp on the
 * leading dfrom input components; the other input weights are zero and
 * (when mask) marked trainable. */
static nacre_status stratified_start(nacre_train_model *m, int sp,
                                     const nacre_train_model *from, int fsp,
                                     unsigned char *mask, nacre_error *err) {
  const nacre_mlp *a = &m->mlp, *b = &from->mlp;
  if (a->nlayers != b->nlayers)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "--from model has %d layers, this model %d",
                           b->nlayers, a->nlayers);
  for (int k = 1; k < a->nlayers; k++)
    if (a->sizes[k] != b->sizes[k])
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "--from model has %d units in layer %d, this model %d",
                             b->sizes[k], k, a->sizes[k]);
  int D = a->sizes[0], Df = b->sizes[0];
  if (Df > D)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "--from model has more inputs (%d) than this one (%d)",
                           Df, D);
  double *w = m->w + (size_t)sp * a->nweights;
  const double *wf = from->w + (size_t)fsp * b->nweights;
  unsigned char *mk = mask ? mask + (size_t)sp * a->nweights : NULL;
  for (int k = 1; k < a->nlayers; k++) {
    for (int o = 0; o < a->sizes[k]; o++) {
      w[a->bias_off[k] + o] = wf[b->bias_off[k] + o];
      if (mk) mk[a->bias_off[k] + o] = 0;
    }
    int ni = a->sizes[k - 1], nif = b->sizes[k - 1];
    for (int o = 0; o < a->sizes[k]; o++)
      for (int i = 0; i < ni; i++) {
        int shared = i < nif;
        w[a->weight_off[k] + o * ni + i] = shared ? wf[b->weight_off[k] + o * nif + i] : 0.0;
        if (mk) mk[a->weight_off[k] + o * ni + i] = (unsigned char)!shared;
      }
  }
  for (int c = 0; c < D; c++) {
    double *mn = &m->gmin[(size_t)sp * D + c], *rg = &m->grange[(size_t)sp * D + c];
    if (c < Df) {
      *mn = from->gmin[(size_t)fsp * Df + c];
      *rg = from->grange[(size_t)fsp * Df + c];
    } else {
      /* new (cross-species) inputs measured from 0, as MAISE does, so that
       * they vanish on structures without the other species and the start
       * reproduces the `from` model there exactly */
      double mx = *mn + 1.0 / *rg;
      *mn = 0;
      *rg = mx > 0 ? 1.0 / mx : 1.0;
    }
  }
  m->e_ref[sp] = from->e_ref[fsp];
  return NACRE_OK;
}

nacre_status nacre_fit(const nacre_dataset *d, const nacre_fit_options *o,
                       nacre_fit_progress cb, void *user, const nacre_ctx *ctx,
                       nacre_committee **out, nacre_fit_report *rep,
                       nacre_error *err) {
  nacre_dataset_stats stats;
  nacre_status st;
  memset(rep, 0, sizeof *rep);
  *out = NULL;
  if ((st = nacre_dataset_stats_compute(d, &stats, err))) return st;
  if (stats.nspecies < 1 || stats.nspecies > NACRE_TRAIN_MAX_SPECIES)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "the data hold %d elements; 1 to %d are supported",
                           stats.nspecies, NACRE_TRAIN_MAX_SPECIES);
  int S = stats.nspecies, *Z = stats.species_z, K = o->ensemble > 0 ? o->ensemble : 1;
  char spec[4096];
  if (o->descriptors[0])
    snprintf(spec, sizeof spec, "%s", o->descriptors);
  else
    nacre_default_descriptors(S, Z, spec, sizeof spec);
  int n = d->n;
  int *idx = malloc(3 * (size_t)(n ? n : 1) * sizeof *idx);
  nacre_features *fs = calloc((size_t)(n ? n : 1), sizeof *fs);
  const nacre_features **fp = calloc((size_t)(n ? n : 1), sizeof *fp);
  const nacre_structure **sp = calloc((size_t)(n ? n : 1), sizeof *sp);
  unsigned char *mask = NULL;
  nacre_committee *c = calloc(1, sizeof *c);
  nacre_featurizer feat;
  memset(&feat, 0, sizeof feat);
  if (!idx || !fs || !fp || !sp || !c || !(c->models = calloc((size_t)K, sizeof *c->models))) {
    st = nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
    goto done;
  }
  int *tr = idx, *va = idx + n, *te = idx + 2 * (size_t)n;
  nacre_split_indices(n, o->frac_train, o->frac_valid, o->seed, tr, &rep->ntrain, va,
                      &rep->nvalid, te, &rep->ntest);
  if (rep->ntrain < 1) {
    st = nacre_error_set(err, NACRE_ERR_INVALID, "no training structures among %d", n);
    goto done;
  }
  if ((st = nacre_featurizer_from_spec(spec, S, &feat, err))) goto done;
  double t0 = wall_s();
  if ((st = nacre_features_compute_all(&feat, S, Z, d, fs, err))) goto done;
  rep->features_seconds = wall_s() - t0;
  for (int q = 0; q < n; q++) {
    fp[q] = &fs[q];
    rep->features_bytes += nacre_features_bytes(&fs[q]);
  }
  for (int q = 0; q < rep->ntrain; q++) sp[q] = d->items[tr[q]].s;
  {
    const nacre_features **ftr = calloc((size_t)rep->ntrain, sizeof *ftr);
    if (!ftr) {
      st = nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
      goto done;
    }
    for (int q = 0; q < rep->ntrain; q++) ftr[q] = &fs[tr[q]];
    nacre_log(ctx, NACRE_LOG_INFO, "descriptors %s: %d components, %.2f s, %.1f MB", spec,
              feat.dim, rep->features_seconds, rep->features_bytes / 1e6);
    for (int k = 0; k < K && !st; k++) {
      nacre_featurizer fk;
      if ((st = nacre_featurizer_from_spec(spec, S, &fk, err))) break;
      nacre_train_model *m;
      if ((st = nacre_train_model_new(&m, S, Z, o->nhidden, o->hidden, o->act, &fk, err))) {
        nacre_featurizer_free(&fk);
        break;
      }
      c->models[c->k++] = m;
      nacre_train_model_set_normalization(m, ftr, sp, rep->ntrain);
      if ((st = nacre_train_model_fit_reference(m, d, tr, rep->ntrain, err))) break;
      nacre_rng rng;
      nacre_rng_init(&rng, o->seed + (uint64_t)k, 1);
      for (int s = 0; s < S; s++)
        nacre_mlp_randomize(&m->mlp, m->w + (size_t)s * m->mlp.nweights, &rng);
      if (o->nfrom > 0) {
        if (o->freeze_from && !mask) {
          mask = malloc((size_t)m->nparams);
          if (!mask) {
            st = nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
            break;
          }
        }
        if (mask) memset(mask, 1, (size_t)m->nparams);
        for (int s = 0; s < S && !st; s++)
          for (int q = 0; q < o->nfrom && !st; q++) {
            int fsp = nacre_train_model_species(o->from[q], Z[s]);
            if (fsp >= 0) {
              st = stratified_start(m, s, o->from[q], fsp, mask, err);
              break;
            }
          }
        if (st) break;
      }
      nacre_train_options to = o->train;
      to.seed = o->seed + (uint64_t)k;
      if (mask) to.trainable = mask;
      char ckpt[4200];
      if (o->train.checkpoint && K > 1) {
        snprintf(ckpt, sizeof ckpt, "%s.%d", o->train.checkpoint, k);
        to.checkpoint = ckpt;
      }
      member_cb mc = {cb, user, k};
      double t1 = wall_s();
      st = nacre_train_run(m, d, fp, tr, rep->ntrain, va, rep->nvalid, &to, forward_progress,
                           &mc, ctx, err);
      rep->seconds += wall_s() - t1;
    }
    free(ftr);
  }
  if (st) goto done;
  nacre_loss_weights lw = o->train.weights;
  lw.l2 = 0;
  nacre_train_model *m0 = c->models[0];
  if ((st = nacre_train_loss(m0, m0->w, d, fp, tr, rep->ntrain, &lw, NULL, NULL, &rep->train, err)))
    goto done;
  if (rep->nvalid &&
      (st = nacre_train_loss(m0, m0->w, d, fp, va, rep->nvalid, &lw, NULL, NULL, &rep->valid, err)))
    goto done;
  if (rep->ntest &&
      (st = nacre_train_loss(m0, m0->w, d, fp, te, rep->ntest, &lw, NULL, NULL, &rep->test, err)))
    goto done;
  rep->test_idx = malloc((size_t)(rep->ntest ? rep->ntest : 1) * sizeof *rep->test_idx);
  if (rep->test_idx) memcpy(rep->test_idx, te, (size_t)rep->ntest * sizeof *te);
done:
  nacre_featurizer_free(&feat);
  if (fs)
    for (int q = 0; q < n; q++) nacre_features_free(&fs[q]);
  free(fs);
  free(fp);
  free(sp);
  free(idx);
  free(mask);
  if (st) {
    nacre_committee_free(c);
    return st;
  }
  *out = c;
  return NACRE_OK;
}
