/* model.c — the model being trained: species, per-species networks,
 * input normalisation, reference energies, the featurizer; prediction from
 * features; nacre's text model format. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nacre/train.h"
#include "train_internal.h"

nacre_status nacre_train_model_new(nacre_train_model **out, int nspecies,
                                   const int *species_z, int nhidden,
                                   const int *hidden, nacre_activation act,
                                   nacre_featurizer *feat, nacre_error *err) {
  *out = NULL;
  if (nspecies < 1 || nspecies > NACRE_TRAIN_MAX_SPECIES)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "a model needs 1 to %d species, got %d",
                           NACRE_TRAIN_MAX_SPECIES, nspecies);
  if (nhidden < 0 || nhidden > NACRE_MLP_MAX_LAYERS - 2)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "0 to %d hidden layers, got %d",
                           NACRE_MLP_MAX_LAYERS - 2, nhidden);
  nacre_train_model *m = calloc(1, sizeof *m);
  if (!m) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  int sizes[NACRE_MLP_MAX_LAYERS];
  sizes[0] = feat->dim;
  for (int k = 0; k < nhidden; k++) sizes[1 + k] = hidden[k];
  sizes[nhidden + 1] = 1;
  nacre_status st = nacre_mlp_init(&m->mlp, nhidden + 2, sizes, act, err);
  if (st) {
    free(m);
    return st;
  }
  m->nspecies = nspecies;
  memcpy(m->species_z, species_z, (size_t)nspecies * sizeof *species_z);
  m->dim = feat->dim;
  m->nparams = nspecies * m->mlp.nweights;
  m->gmin = calloc((size_t)nspecies * m->dim, sizeof *m->gmin);
  m->grange = malloc((size_t)nspecies * m->dim * sizeof *m->grange);
  m->w = calloc((size_t)m->nparams, sizeof *m->w);
  if (!m->gmin || !m->grange || !m->w) {
    nacre_train_model_free(m);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  }
  for (int k = 0; k < nspecies * m->dim; k++) m->grange[k] = 1;
  m->feat = *feat;
  memset(feat, 0, sizeof *feat);
  *out = m;
  return NACRE_OK;
}

void nacre_train_model_free(nacre_train_model *m) {
  if (!m) return;
  nacre_featurizer_free(&m->feat);
  free(m->gmin);
  free(m->grange);
  free(m->w);
  free(m);
}

int nacre_train_model_species(const nacre_train_model *m, int z) {
  for (int k = 0; k < m->nspecies; k++)
    if (m->species_z[k] == z) return k;
  return -1;
}

void nacre_train_model_set_normalization(nacre_train_model *m,
                                         const nacre_features *const *f,
                                         const nacre_structure *const *s,
                                         int n) {
  int D = m->dim, S = m->nspecies;
  double *mx = malloc((size_t)S * D * sizeof *mx);
  if (!mx) return;
  for (int k = 0; k < S * D; k++) {
    m->gmin[k] = INFINITY;
    mx[k] = -INFINITY;
  }
  for (int q = 0; q < n; q++) {
    if (!f[q]) continue;
    for (int i = 0; i < f[q]->natoms; i++) {
      int sp = nacre_train_model_species(m, s[q]->numbers[i]);
      if (sp < 0) continue;
      const double *g = f[q]->g + (size_t)i * D;
      for (int c = 0; c < D; c++) {
        if (g[c] < m->gmin[sp * D + c]) m->gmin[sp * D + c] = g[c];
        if (g[c] > mx[sp * D + c]) mx[sp * D + c] = g[c];
      }
    }
  }
  for (int k = 0; k < S * D; k++) {
    if (!isfinite(m->gmin[k])) { /* species absent */
      m->gmin[k] = 0;
      m->grange[k] = 1;
    } else if (mx[k] - m->gmin[k] > 1e-10 * (1 + fabs(mx[k]))) {
      m->grange[k] = 1.0 / (mx[k] - m->gmin[k]);
    } else {
      m->grange[k] = 1;
    }
  }
  free(mx);
}

/* Solves the small symmetric system A x = b (Gaussian elimination with
 * partial pivoting); n ≤ NACRE_TRAIN_MAX_SPECIES. */
static int solve_small(int n, double A[][NACRE_TRAIN_MAX_SPECIES], double *b) {
  for (int c = 0; c < n; c++) {
    int p = c;
    for (int r = c + 1; r < n; r++)
      if (fabs(A[r][c]) > fabs(A[p][c])) p = r;
    if (fabs(A[p][c]) < 1e-300) return -1;
    for (int k = 0; k < n; k++) {
      double t = A[c][k]; A[c][k] = A[p][k]; A[p][k] = t;
    }
    double t = b[c]; b[c] = b[p]; b[p] = t;
    for (int r = c + 1; r < n; r++) {
      double f = A[r][c] / A[c][c];
      for (int k = c; k < n; k++) A[r][k] -= f * A[c][k];
      b[r] -= f * b[c];
    }
  }
  for (int c = n - 1; c >= 0; c--) {
    for (int k = c + 1; k < n; k++) b[c] -= A[c][k] * b[k];
    b[c] /= A[c][c];
  }
  return 0;
}

/* Minimises Σ_s (E_s − Σ_k n_sk e_k)² / N_s² (per-atom residuals) with a
 * small ridge, so that the networks only learn what the composition does
 * not explain. */
nacre_status nacre_train_model_fit_reference(nacre_train_model *m,
                                             const nacre_dataset *d,
                                             const int *idx, int n,
                                             nacre_error *err) {
  int S = m->nspecies;
  double A[NACRE_TRAIN_MAX_SPECIES][NACRE_TRAIN_MAX_SPECIES] = {{0}};
  double b[NACRE_TRAIN_MAX_SPECIES] = {0};
  int used = 0;
  for (int q = 0; q < n; q++) {
    const nacre_sample *sm = &d->items[idx ? idx[q] : q];
    int na = sm->s->natoms;
    if (!(sm->has & NACRE_LABEL_ENERGY) || na == 0) continue;
    double cnt[NACRE_TRAIN_MAX_SPECIES] = {0};
    for (int a = 0; a < na; a++) {
      int sp = nacre_train_model_species(m, sm->s->numbers[a]);
      if (sp < 0)
        return nacre_error_set(err, NACRE_ERR_INVALID,
                               "%s: element Z=%d is not in the model",
                               sm->source ? sm->source : "sample",
                               sm->s->numbers[a]);
      cnt[sp] += 1.0 / na;
    }
    for (int r = 0; r < S; r++) {
      b[r] += cnt[r] * sm->energy / na;
      for (int c = 0; c < S; c++) A[r][c] += cnt[r] * cnt[c];
    }
    used++;
  }
  if (!used) {
    for (int k = 0; k < S; k++) m->e_ref[k] = 0;
    return NACRE_OK;
  }
  for (int r = 0; r < S; r++) A[r][r] += 1e-8 * used;
  if (solve_small(S, A, b))
    return nacre_error_set(err, NACRE_ERR_NUMERIC,
                           "reference energies: singular composition matrix");
  for (int k = 0; k < S; k++) m->e_ref[k] = b[k];
  return NACRE_OK;
}

/* ---- prediction from features ---- */

nacre_status train_forward(const nacre_train_model *m, const double *w,
                           const nacre_structure *s, const nacre_features *f,
                           train_scratch *ws, double *energy, double *forces,
                           double stress[6], nacre_error *err) {
  int n = s->natoms, D = m->dim;
  if (f->natoms != n || f->dim != D)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "features of %d atoms × %d do not match the "
                           "structure (%d) or model (%d)",
                           f->natoms, f->dim, n, D);
  double e = 0;
  for (int i = 0; i < n; i++) {
    int sp = nacre_train_model_species(m, s->numbers[i]);
    if (sp < 0)
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "element Z=%d is not in the model", s->numbers[i]);
    ws->spc[i] = sp;
    const double *g = f->g + (size_t)i * D, *mn = m->gmin + (size_t)sp * D,
                 *rg = m->grange + (size_t)sp * D;
    double *x = ws->x + (size_t)i * D, *dedg = ws->dedg + (size_t)i * D;
    for (int c = 0; c < D; c++) x[c] = (g[c] - mn[c]) * rg[c];
    e += nacre_mlp_eval(&m->mlp, w + (size_t)sp * m->mlp.nweights, x,
                        (forces || stress) ? dedg : NULL, ws->mlp) +
         m->e_ref[sp];
    if (forces || stress)
      for (int c = 0; c < D; c++) dedg[c] *= rg[c];
  }
  *energy = e;
  if (forces) {
    memset(forces, 0, 3 * (size_t)n * sizeof *forces);
    for (int i = 0; i < n; i++) {
      const double *dedg = ws->dedg + (size_t)i * D;
      for (size_t q = f->offsets[i]; q < f->offsets[i + 1]; q++) {
        const float *dg = f->dg + q * 3 * (size_t)D;
        double *F = forces + 3 * (size_t)f->nbr[q];
        for (int k = 0; k < 3; k++) {
          double sum = 0;
          for (int c = 0; c < D; c++) sum += dedg[c] * dg[k * D + c];
          F[k] -= sum;
        }
      }
    }
  }
  if (stress) {
    double vol = fabs(nacre_cell_volume(s->cell));
    for (int v = 0; v < 6; v++) stress[v] = 0;
    for (int i = 0; i < n; i++) {
      const double *dedg = ws->dedg + (size_t)i * D;
      const float *vir = f->vir + (size_t)i * 6 * D;
      for (int v = 0; v < 6; v++) {
        double sum = 0;
        for (int c = 0; c < D; c++) sum += dedg[c] * vir[v * D + c];
        stress[v] += sum;
      }
    }
    for (int v = 0; v < 6; v++) stress[v] = vol > 0 ? stress[v] / vol : 0;
  }
  return NACRE_OK;
}

nacre_status train_scratch_init(train_scratch *ws, const nacre_train_model *m,
                                int natoms, nacre_error *err) {
  memset(ws, 0, sizeof *ws);
  size_t n = natoms > 0 ? (size_t)natoms : 1;
  ws->natoms = natoms;
  ws->spc = malloc(n * sizeof *ws->spc);
  ws->x = malloc(n * (size_t)m->dim * sizeof *ws->x);
  ws->dedg = malloc(n * (size_t)m->dim * sizeof *ws->dedg);
  ws->c = malloc((size_t)m->dim * sizeof *ws->c);
  ws->forces = malloc(3 * n * sizeof *ws->forces);
  ws->u = malloc(3 * n * sizeof *ws->u);
  ws->mlp = malloc((size_t)nacre_mlp_scratch_size(&m->mlp) * sizeof *ws->mlp);
  if (!ws->spc || !ws->x || !ws->dedg || !ws->c || !ws->forces || !ws->u ||
      !ws->mlp) {
    train_scratch_free(ws);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  }
  return NACRE_OK;
}

void train_scratch_free(train_scratch *ws) {
  free(ws->spc);
  free(ws->x);
  free(ws->dedg);
  free(ws->c);
  free(ws->forces);
  free(ws->u);
  free(ws->mlp);
  memset(ws, 0, sizeof *ws);
}

nacre_status nacre_train_model_predict(const nacre_train_model *m,
                                       const double *w,
                                       const nacre_structure *s,
                                       const nacre_features *f, double *energy,
                                       double *forces, double stress[6],
                                       nacre_error *err) {
  train_scratch ws;
  nacre_status st = train_scratch_init(&ws, m, s->natoms, err);
  if (st) return st;
  st = train_forward(m, w ? w : m->w, s, f, &ws, energy, forces, stress, err);
  train_scratch_free(&ws);
  return st;
}

/* ---- nacre's text model format ---- */

#define MODEL_MAGIC "nacre-train-model 1"

void train_model_write_body(const nacre_train_model *m, FILE *fp) {
  fprintf(fp, "%s\n", MODEL_MAGIC);
  fprintf(fp, "descriptors %s\n", m->feat.spec);
  fprintf(fp, "species %d", m->nspecies);
  for (int k = 0; k < m->nspecies; k++) {
    const nacre_element *el = nacre_element_by_z(m->species_z[k]);
    fprintf(fp, " %s", el ? el->symbol : "X");
  }
  fprintf(fp, "\nlayers %d", m->mlp.nlayers);
  for (int k = 0; k < m->mlp.nlayers; k++) fprintf(fp, " %d", m->mlp.sizes[k]);
  fprintf(fp, "\nactivation %s\nreference_energies_eV", nacre_activation_name(m->mlp.act));
  for (int k = 0; k < m->nspecies; k++) fprintf(fp, " %.17g", m->e_ref[k]);
  fprintf(fp, "\nnormalization %d  # per species and component: min range; x = (G - min)*range\n",
          m->nspecies * m->dim);
  for (int k = 0; k < m->nspecies * m->dim; k++)
    fprintf(fp, "%.17g %.17g\n", m->gmin[k], m->grange[k]);
  fprintf(fp, "weights %d  # per species: biases layer by layer, then W[out][in]\n",
          m->nparams);
  for (int k = 0; k < m->nparams; k++) fprintf(fp, "%.17g\n", m->w[k]);
}

nacre_status nacre_train_model_write(const nacre_train_model *m,
                                     const char *path, nacre_error *err) {
  nacre_atomic_file af;
  nacre_status st = nacre_atomic_open(&af, path, err);
  if (st) return st;
  train_model_write_body(m, af.fp);
  return nacre_atomic_commit(&af, err);
}

nacre_status train_model_read_body(train_lines *Lp, nacre_train_model **out,
                                   nacre_error *err) {
  train_lines L = *Lp; /* copied back on return */
  const char *path = L.path;
  nacre_train_model *m = NULL;
  nacre_featurizer feat;
  memset(&feat, 0, sizeof feat);
  *out = NULL;
  const char *ln;
  char spec[4096], act_name[32];
  int nspecies = 0, z[NACRE_TRAIN_MAX_SPECIES], nlayers = 0,
      sizes[NACRE_MLP_MAX_LAYERS];
  nacre_activation act;
  nacre_status st = NACRE_ERR_PARSE;
#define FAIL(...)                                                              \
  do {                                                                         \
    st = nacre_error_set(err, NACRE_ERR_PARSE, __VA_ARGS__);                   \
    goto fail;                                                                 \
  } while (0)
  if (!(ln = train_lines_next(&L)) || strcmp(ln, MODEL_MAGIC))
    FAIL("%s:%d: not a nacre model (expected '%s')", path, L.line, MODEL_MAGIC);
  if (!(ln = train_lines_next(&L)) || strncmp(ln, "descriptors ", 12) ||
      strlen(ln + 12) >= sizeof spec || !ln[12])
    FAIL("%s:%d: expected 'descriptors SPEC'", path, L.line);
  snprintf(spec, sizeof spec, "%s", ln + 12);
  if (!(ln = train_lines_next(&L)) || sscanf(ln, "species %d", &nspecies) != 1 ||
      nspecies < 1 || nspecies > NACRE_TRAIN_MAX_SPECIES)
    FAIL("%s:%d: expected 'species N SYMBOLS' with 1 <= N <= %d", path, L.line,
         NACRE_TRAIN_MAX_SPECIES);
  {
    const char *p = strchr(ln + 8, ' ');
    for (int k = 0; k < nspecies; k++) {
      while (p && *p == ' ') p++;
      size_t len = 0;
      if (!p || !(z[k] = nacre_element_z_prefix(p, &len)))
        FAIL("%s:%d: expected %d element symbols", path, L.line, nspecies);
      p += len;
    }
  }
  if (!(ln = train_lines_next(&L)) || sscanf(ln, "layers %d", &nlayers) != 1 ||
      nlayers < 2 || nlayers > NACRE_MLP_MAX_LAYERS)
    FAIL("%s:%d: expected 'layers N sizes...'", path, L.line);
  {
    const char *p = ln + 6;
    char *end;
    strtol(p, &end, 10);
    p = end;
    for (int k = 0; k < nlayers; k++) {
      long v = strtol(p, &end, 10);
      if (end == p || v < 1) FAIL("%s:%d: expected %d layer sizes", path, L.line, nlayers);
      sizes[k] = (int)v;
      p = end;
    }
  }
  if (!(ln = train_lines_next(&L)) || sscanf(ln, "activation %31s", act_name) != 1 ||
      nacre_activation_parse(act_name, &act))
    FAIL("%s:%d: expected 'activation tanh|sigmoid|softplus|silu'", path, L.line);
  if ((st = nacre_featurizer_from_spec(spec, nspecies, &feat, err))) goto fail;
  if (feat.dim != sizes[0])
    FAIL("%s:%d: %d inputs but the descriptors give %d", path, L.line, sizes[0], feat.dim);
  if ((st = nacre_train_model_new(&m, nspecies, z, nlayers - 2, sizes + 1, act,
                                  &feat, err)))
    goto fail;
  st = NACRE_ERR_PARSE;
  if (!(ln = train_lines_next(&L)) || strncmp(ln, "reference_energies_eV", 21) ||
      train_parse_doubles(ln + 21, m->e_ref, nspecies, NULL) != nspecies)
    FAIL("%s:%d: expected 'reference_energies_eV' and %d numbers", path, L.line,
         nspecies);
  int cnt;
  if (!(ln = train_lines_next(&L)) || sscanf(ln, "normalization %d", &cnt) != 1 ||
      cnt != nspecies * m->dim)
    FAIL("%s:%d: expected 'normalization %d'", path, L.line, nspecies * m->dim);
  for (int k = 0; k < cnt; k++) {
    double v[2];
    if (!(ln = train_lines_next(&L)) || train_parse_doubles(ln, v, 2, NULL) != 2)
      FAIL("%s:%d: expected 'min range'", path, L.line);
    m->gmin[k] = v[0];
    m->grange[k] = v[1];
  }
  if (!(ln = train_lines_next(&L)) || sscanf(ln, "weights %d", &cnt) != 1 ||
      cnt != m->nparams)
    FAIL("%s:%d: expected 'weights %d'", path, L.line, m->nparams);
  for (int k = 0; k < cnt; k++)
    if (!(ln = train_lines_next(&L)) || train_parse_doubles(ln, &m->w[k], 1, NULL) != 1)
      FAIL("%s:%d: expected weight %d of %d", path, L.line + (ln ? 0 : 1), k + 1, cnt);
#undef FAIL
  *Lp = L;
  *out = m;
  return NACRE_OK;
fail:
  *Lp = L;
  nacre_featurizer_free(&feat);
  nacre_train_model_free(m);
  return st;
}

nacre_status nacre_train_model_read(const char *path, nacre_train_model **out,
                                    nacre_error *err) {
  train_lines L;
  if (!train_lines_open(&L, path))
    return nacre_error_set(err, NACRE_ERR_IO, "%s: cannot open: %s", path,
                           strerror(errno));
  nacre_status st = train_model_read_body(&L, out, err);
  train_lines_close(&L);
  return st;
}
