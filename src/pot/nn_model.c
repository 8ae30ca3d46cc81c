/* nn_model.c — the neural-network model: life cycle, its weights as one
 * parameter vector (for training), its training domain, and the reading
 * of model files whatever their format (JSON in nn_json.c, MAISE in
 * nn_maise.c, the retired nacre-train text format in nn_legacy.c). */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nacre/io.h"
#include "nacre/nn.h"
#include "nn_internal.h"

/* MAISE's per-element short-range distances, Å (MAISE src/util.c,
 * `mindist`, indexed by Z; 1.0 where MAISE sets no specific value). */
static const struct {
  int z;
  double r;
} maise_mindist[] = {{3, 1.040},  {4, 0.773},  {5, 0.584},  {6, 0.499},
                     {11, 1.266}, {12, 1.114}, {19, 1.610}, {20, 1.366},
                     {21, 1.123}, {29, 0.895}, {46, 0.979}, {47, 1.030},
                     {78, 0.984}};

double nacre_nn_maise_mindist(int z) {
  for (size_t k = 0; k < sizeof maise_mindist / sizeof maise_mindist[0]; k++)
    if (maise_mindist[k].z == z) return maise_mindist[k].r;
  return 1.0;
}

void nacre_nn_model_set_maise_repulsion(nacre_nn_model *m) {
  for (int s = 0; s < m->nspecies; s++)
    m->repulsion_radius[s] = nacre_nn_maise_mindist(m->z[s]);
  m->repulsion = 1;
  m->repulsion_u = 100.0; /* MAISE default UREP */
}

nacre_nn_model *nacre_nn_model_new(void) {
  nacre_nn_model *m = calloc(1, sizeof *m);
  if (!m) return NULL;
  m->prov.train_energy_rmse = m->prov.test_energy_rmse = -1.0;
  m->prov.train_force_rmse = m->prov.test_force_rmse = -1.0;
  m->prov.train_energies = m->prov.test_energies = -1;
  m->prov.train_forces = m->prov.test_forces = -1;
  m->domain.volume_min = m->domain.volume_max = NAN;
  m->domain.pressure_min_gpa = m->domain.pressure_max_gpa = NAN;
  for (int s = 0; s < NACRE_NN_MAX_SPECIES; s++) m->domain.atoms[s] = -1;
  return m;
}

void nacre_nn_domain_free(nacre_nn_domain *d) {
  free(d->g_min);
  free(d->g_max);
  d->g_min = d->g_max = NULL;
  d->source = NACRE_NN_DOMAIN_NONE;
}

void nacre_nn_model_free(nacre_nn_model *m) {
  if (!m) return;
  nacre_nn_descriptor_free(&m->desc);
  free(m->input_min);
  free(m->input_scale);
  nacre_nn_domain_free(&m->domain);
  for (int s = 0; s < NACRE_NN_MAX_SPECIES; s++) nacre_nn_network_free(&m->net[s]);
  free(m);
}

int nacre_nn_model_species(const nacre_nn_model *m, int z) {
  for (int s = 0; s < m->nspecies; s++)
    if (m->z[s] == z) return s;
  return -1;
}

nacre_status nacre_nn_model_check(const nacre_nn_model *m, nacre_error *err) {
  if (m->nspecies < 1 || m->nspecies > NACRE_NN_MAX_SPECIES)
    return nacre_error_set(err, NACRE_ERR_INVALID, "nn model: %d species",
                           m->nspecies);
  if (m->desc.nspecies != m->nspecies || m->desc.dim < 1)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "nn model: descriptor not initialised for %d "
                           "species",
                           m->nspecies);
  if (!m->input_min || !m->input_scale)
    return nacre_error_set(err, NACRE_ERR_INVALID, "nn model: no normalisation");
  for (int s = 0; s < m->nspecies; s++) {
    if (!nacre_element_by_z(m->z[s]))
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "nn model: species %d has atomic number %d",
                             s + 1, m->z[s]);
    for (int t = 0; t < s; t++)
      if (m->z[t] == m->z[s])
        return nacre_error_set(err, NACRE_ERR_INVALID,
                               "nn model: element Z=%d listed twice", m->z[s]);
    const nacre_nn_network *n = &m->net[s];
    if (!n->weights || n->nlayers < 2 || n->size[0] != m->desc.dim ||
        n->size[n->nlayers - 1] != 1)
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "nn model: network of species %d takes %d inputs "
                             "but the descriptor has %d",
                             s + 1, n->nlayers > 0 ? n->size[0] : 0,
                             m->desc.dim);
    for (size_t w = 0; w < n->nweights; w++)
      if (!isfinite(n->weights[w]))
        return nacre_error_set(err, NACRE_ERR_INVALID,
                               "nn model: weight %zu of species %d is not "
                               "finite",
                               w + 1, s + 1);
    if (!isfinite(m->ref_energy[s]))
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "nn model: reference energy of species %d is not "
                             "finite",
                             s + 1);
  }
  size_t nin = (size_t)m->nspecies * (size_t)m->desc.dim;
  for (size_t l = 0; l < nin; l++)
    if (!isfinite(m->input_min[l]) || !isfinite(m->input_scale[l]))
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "nn model: normalisation entry %zu not finite",
                             l + 1);
  if (m->repulsion && !(m->repulsion_u >= 0.0))
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "nn model: repulsion strength %g eV", m->repulsion_u);
  if (m->domain.source != NACRE_NN_DOMAIN_NONE && (!m->domain.g_min || !m->domain.g_max))
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "nn model: domain without descriptor ranges");
  return NACRE_OK;
}

static double *dup_doubles(const double *src, size_t n) {
  if (!src) return NULL;
  double *d = malloc((n ? n : 1) * sizeof(double));
  if (d) memcpy(d, src, n * sizeof(double));
  return d;
}

nacre_nn_model *nacre_nn_model_copy(const nacre_nn_model *src, nacre_error *err) {
  nacre_nn_model *m = nacre_nn_model_new();
  if (!m) {
    nacre_error_set(err, NACRE_ERR_NOMEM, "nn model copy");
    return NULL;
  }
  *m = *src;
  memset(&m->desc, 0, sizeof m->desc);
  m->input_min = m->input_scale = NULL;
  m->domain.g_min = m->domain.g_max = NULL;
  for (int s = 0; s < NACRE_NN_MAX_SPECIES; s++) m->net[s].weights = NULL;
  size_t nin = (size_t)src->nspecies * (size_t)src->desc.dim;
  m->input_min = dup_doubles(src->input_min, nin);
  m->input_scale = dup_doubles(src->input_scale, nin);
  int ok = (!src->input_min || m->input_min) && (!src->input_scale || m->input_scale);
  if (ok && src->domain.g_min) {
    m->domain.g_min = dup_doubles(src->domain.g_min, nin);
    m->domain.g_max = dup_doubles(src->domain.g_max, nin);
    ok = m->domain.g_min && m->domain.g_max;
  }
  for (int s = 0; ok && s < src->nspecies; s++) {
    m->net[s].weights = dup_doubles(src->net[s].weights, src->net[s].nweights);
    ok = m->net[s].weights != NULL;
  }
  if (!ok) {
    nacre_nn_model_free(m);
    nacre_error_set(err, NACRE_ERR_NOMEM, "nn model copy");
    return NULL;
  }
  if (nacre_nn_descriptor_copy(&src->desc, &m->desc, err)) {
    nacre_nn_model_free(m);
    return NULL;
  }
  return m;
}

nacre_status nacre_nn_model_alloc_inputs(nacre_nn_model *m, nacre_error *err) {
  size_t nin = (size_t)m->nspecies * (size_t)m->desc.dim;
  free(m->input_min);
  free(m->input_scale);
  m->input_min = calloc(nin ? nin : 1, sizeof(double));
  m->input_scale = malloc((nin ? nin : 1) * sizeof(double));
  if (!m->input_min || !m->input_scale)
    return nacre_error_set(err, NACRE_ERR_NOMEM, "nn model inputs");
  for (size_t l = 0; l < nin; l++) m->input_scale[l] = 1.0;
  return NACRE_OK;
}

/* ------------------------------------------------------------------ */
/* The weights as one parameter vector                                */
/* ------------------------------------------------------------------ */

size_t nacre_nn_model_param_offset(const nacre_nn_model *m, int s) {
  size_t off = 0;
  for (int t = 0; t < s; t++) off += m->net[t].nweights;
  return off;
}

size_t nacre_nn_model_nparams(const nacre_nn_model *m) {
  return nacre_nn_model_param_offset(m, m->nspecies);
}

void nacre_nn_model_get_params(const nacre_nn_model *m, double *w) {
  for (int s = 0; s < m->nspecies; s++) {
    memcpy(w, m->net[s].weights, m->net[s].nweights * sizeof *w);
    w += m->net[s].nweights;
  }
}

void nacre_nn_model_set_params(nacre_nn_model *m, const double *w) {
  for (int s = 0; s < m->nspecies; s++) {
    memcpy(m->net[s].weights, w, m->net[s].nweights * sizeof *w);
    w += m->net[s].nweights;
  }
}

/* ------------------------------------------------------------------ */
/* Training domain                                                    */
/* ------------------------------------------------------------------ */

nacre_status nacre_nn_domain_alloc(nacre_nn_model *m, nacre_error *err) {
  nacre_nn_domain *d = &m->domain;
  nacre_nn_domain_free(d);
  size_t nin = (size_t)m->nspecies * (size_t)m->desc.dim;
  d->g_min = malloc((nin ? nin : 1) * sizeof(double));
  d->g_max = malloc((nin ? nin : 1) * sizeof(double));
  if (!d->g_min || !d->g_max) {
    nacre_nn_domain_free(d);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "nn model domain");
  }
  for (size_t l = 0; l < nin; l++) {
    d->g_min[l] = INFINITY;
    d->g_max[l] = -INFINITY;
  }
  for (int s = 0; s < NACRE_NN_MAX_SPECIES; s++) d->atoms[s] = 0;
  memset(d->pair_min, 0, sizeof d->pair_min);
  d->volume_min = d->volume_max = NAN;
  d->pressure_min_gpa = d->pressure_max_gpa = NAN;
  d->source = NACRE_NN_DOMAIN_DATA;
  return NACRE_OK;
}

nacre_status nacre_nn_domain_from_normalization(nacre_nn_model *m,
                                                nacre_error *err) {
  nacre_status st = nacre_nn_domain_alloc(m, err);
  if (st) return st;
  size_t nin = (size_t)m->nspecies * (size_t)m->desc.dim;
  for (size_t l = 0; l < nin; l++) {
    double lo = m->input_min[l], sc = m->input_scale[l];
    m->domain.g_min[l] = lo;
    m->domain.g_max[l] = sc > 0.0 ? lo + 1.0 / sc : lo;
  }
  for (int s = 0; s < NACRE_NN_MAX_SPECIES; s++) m->domain.atoms[s] = -1;
  m->domain.source = NACRE_NN_DOMAIN_NORMALIZATION;
  return NACRE_OK;
}

int nacre_nn_domain_atom_outside(const nacre_nn_model *m, int s,
                                 const double *G, double *excess) {
  const nacre_nn_domain *d = &m->domain;
  if (excess) *excess = 0.0;
  if (d->source == NACRE_NN_DOMAIN_NONE || !d->g_min) return 0;
  int D = m->desc.dim, n = 0;
  const double *lo = d->g_min + (size_t)s * D, *hi = d->g_max + (size_t)s * D;
  double worst = 0.0;
  for (int l = 0; l < D; l++) {
    double w = hi[l] - lo[l];
    if (!(w >= 0.0)) continue; /* a species without training atoms */
    /* components that never varied get the margin of a unit width scaled
     * to their size, so that rounding does not count */
    double ww = w > 0.0 ? w : 1e-6 * (1.0 + fabs(hi[l]));
    double out = G[l] > hi[l] ? (G[l] - hi[l]) / ww
                 : G[l] < lo[l] ? (lo[l] - G[l]) / ww
                                : 0.0;
    if (out > NACRE_NN_DOMAIN_MARGIN) n++;
    if (out > worst) worst = out;
  }
  if (excess) *excess = worst;
  return n;
}

/* ------------------------------------------------------------------ */
/* Text files and strict numbers                                      */
/* ------------------------------------------------------------------ */

void nn_text_free(nn_text *t) {
  free(t->text);
  free(t->line);
  memset(t, 0, sizeof *t);
}

nacre_status nn_text_read(const char *path, nn_text *t, nacre_error *err) {
  memset(t, 0, sizeof *t);
  FILE *f = fopen(path, "rb");
  if (!f)
    return nacre_error_set(err, NACRE_ERR_IO, "%s: cannot open: %s", path,
                           strerror(errno));
  size_t cap = 1 << 16, len = 0;
  t->text = malloc(cap + 1);
  while (t->text) {
    size_t got = fread(t->text + len, 1, cap - len, f);
    len += got;
    if (len < cap) break;
    char *bigger = realloc(t->text, 2 * cap + 1);
    if (!bigger) {
      free(t->text);
      t->text = NULL;
      break;
    }
    t->text = bigger;
    cap *= 2;
  }
  int bad = ferror(f);
  fclose(f);
  if (!t->text) return nacre_error_set(err, NACRE_ERR_NOMEM, "%s", path);
  if (bad) {
    nn_text_free(t);
    return nacre_error_set(err, NACRE_ERR_IO, "%s: read error", path);
  }
  t->text[len] = '\0';
  if (memchr(t->text, '\0', len)) {
    nn_text_free(t);
    return nacre_error_set(err, NACRE_ERR_PARSE,
                           "%s: binary data (a NUL byte) in a text file", path);
  }
  int n = 1;
  for (size_t k = 0; k < len; k++) n += t->text[k] == '\n';
  t->line = malloc((size_t)n * sizeof(char *));
  if (!t->line) {
    nn_text_free(t);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "%s", path);
  }
  char *p = t->text;
  t->nlines = 0;
  while (*p || t->nlines == 0) {
    t->line[t->nlines++] = p;
    char *nl = strchr(p, '\n');
    if (!nl) break;
    *nl = '\0';
    if (nl > p && nl[-1] == '\r') nl[-1] = '\0';
    p = nl + 1;
  }
  return NACRE_OK;
}

int nn_blank(const char *s) {
  while (*s && isspace((unsigned char)*s)) s++;
  return *s == '\0';
}

int nn_parse_doubles(const char *s, double *v, int max) {
  int n = 0;
  for (;;) {
    while (*s && isspace((unsigned char)*s)) s++;
    if (!*s) return n;
    if (n == max) return -1;
    char *end;
    errno = 0;
    double x = strtod(s, &end);
    if (end == s || errno == ERANGE || !isfinite(x) ||
        (*end && !isspace((unsigned char)*end)))
      return -1;
    v[n++] = x;
    s = end;
  }
}

int nn_parse_int(const char *s, int *v) {
  char *end;
  errno = 0;
  long x = strtol(s, &end, 10);
  if (end == s || errno == ERANGE || x < -2147483647L || x > 2147483647L ||
      !nn_blank(end))
    return -1;
  *v = (int)x;
  return 0;
}

nacre_status nn_read_head(const char *path, char *head, size_t cap,
                          size_t *len, nacre_error *err) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return nacre_error_set(err, NACRE_ERR_IO, "%s: cannot open: %s", path,
                           strerror(errno));
  *len = fread(head, 1, cap - 1, f);
  head[*len] = '\0';
  fclose(f);
  return NACRE_OK;
}

nacre_status nn_write_text(const char *path, const char *text,
                           nacre_error *err) {
  nacre_atomic_file af;
  nacre_status st = nacre_atomic_open(&af, path, err);
  if (st) return st;
  if (fputs(text, af.fp) < 0) {
    nacre_atomic_abort(&af);
    return nacre_error_set(err, NACRE_ERR_IO, "%s: cannot write: %s", path,
                           strerror(errno));
  }
  return nacre_atomic_commit(&af, err);
}

/* ------------------------------------------------------------------ */
/* Reading a model file of any format                                 */
/* ------------------------------------------------------------------ */

nacre_status nacre_nn_models_read(const char *path, nacre_nn_model ***models,
                                  int *k, nacre_error *err) {
  *models = NULL;
  *k = 0;
  char head[4096];
  size_t len;
  nacre_status st = nn_read_head(path, head, sizeof head, &len, err);
  if (st) return st;
  if (nacre_nn_probe_legacy(head, len)) return nn_legacy_read(path, models, k, err);
  nacre_nn_model *m = NULL;
  if (nacre_nn_probe_json(head, len))
    st = nacre_nn_model_read_json(path, &m, err);
  else if (strstr(head, "\"nacre-committee\""))
    return nacre_nn_committee_read(path, models, k, err);
  else if (nacre_nn_probe_maise(head, len))
    st = nacre_nn_model_read_maise(path, &m, err);
  else
    return nacre_error_set(err, NACRE_ERR_PARSE,
                           "%s:1: not a network model (nacre JSON, MAISE or "
                           "nacre-train file)",
                           path);
  if (st) return st;
  *models = malloc(sizeof **models);
  if (!*models) {
    nacre_nn_model_free(m);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "%s", path);
  }
  (*models)[0] = m;
  *k = 1;
  return NACRE_OK;
}

nacre_status nacre_nn_model_read(const char *path, nacre_nn_model **out,
                                 nacre_error *err) {
  *out = NULL;
  nacre_nn_model **ms;
  int k;
  nacre_status st = nacre_nn_models_read(path, &ms, &k, err);
  if (st) return st;
  if (k != 1) {
    for (int q = 0; q < k; q++) nacre_nn_model_free(ms[q]);
    free(ms);
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "%s: a committee of %d models where one model is "
                           "expected",
                           path, k);
  }
  *out = ms[0];
  free(ms);
  return NACRE_OK;
}
