/* nn_json.c — nacre's JSON model format (doc/nn-format.md): one model per
 * file ("nacre-nn"), or a committee file ("nacre-committee") whose members
 * are such models. Doubles are written with 17 significant digits so every
 * model reads back bit for bit; errors name the file and the key. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "nacre/nn.h"
#include "nn_internal.h"

int nacre_nn_probe_json(const char *head, size_t len) {
  (void)len;
  while (*head && isspace((unsigned char)*head)) head++;
  return *head == '{' && strstr(head, "\"nacre-nn\"") != NULL &&
         !strstr(head, "\"nacre-committee\"");
}

/* ------------------------------------------------------------------ */
/* Writing                                                            */
/* ------------------------------------------------------------------ */

/* cJSON's own printing keeps 15 digits when they come within an epsilon;
 * 17 read back exactly. */
static cJSON *json_number(double v) {
  char buf[40];
  snprintf(buf, sizeof buf, "%.17g", v);
  return cJSON_CreateRaw(buf);
}

static void add_number(cJSON *o, const char *key, double v) {
  cJSON_AddItemToObject(o, key, json_number(v));
}

static cJSON *number_array(const double *v, size_t n) {
  cJSON *a = cJSON_CreateArray();
  for (size_t k = 0; a && k < n; k++) cJSON_AddItemToArray(a, json_number(v[k]));
  return a;
}

static void add_opt_number(cJSON *o, const char *key, double v) {
  if (v >= 0.0) add_number(o, key, v);
}

static void add_range(cJSON *o, const char *key, double lo, double hi) {
  if (!isfinite(lo) || !isfinite(hi)) return;
  double v[2] = {lo, hi};
  cJSON_AddItemToObject(o, key, number_array(v, 2));
}

static const char *symbol(int z) { return nacre_element_by_z(z)->symbol; }

static cJSON *descriptor_json(const nacre_nn_descriptor *d) {
  cJSON *o = cJSON_CreateObject();
  add_number(o, "cutoff_a", d->cutoff);
  cJSON *g2 = cJSON_AddArrayToObject(o, "g2");
  for (int g = 0; g < d->ng2; g++) {
    cJSON *f = cJSON_CreateObject();
    add_number(f, "eta_per_a2", d->g2[g].eta);
    add_number(f, "rs_a", d->g2[g].rs);
    cJSON_AddItemToArray(g2, f);
  }
  cJSON *g4 = cJSON_AddArrayToObject(o, "g4");
  for (int g = 0; g < d->ng4; g++) {
    cJSON *f = cJSON_CreateObject();
    add_number(f, "eta_per_a2", d->g4[g].eta);
    add_number(f, "zeta", d->g4[g].zeta);
    add_number(f, "lambda", d->g4[g].lambda);
    cJSON_AddItemToArray(g4, f);
  }
  return o;
}

static const char *domain_source_name(nacre_nn_domain_source s) {
  switch (s) {
  case NACRE_NN_DOMAIN_DATA: return "training data";
  case NACRE_NN_DOMAIN_MAISE: return "MAISE input component range";
  case NACRE_NN_DOMAIN_NORMALIZATION: return "estimated from the normalization";
  default: return "unknown";
  }
}

static cJSON *domain_json(const nacre_nn_model *m) {
  const nacre_nn_domain *d = &m->domain;
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "source", domain_source_name(d->source));
  add_range(o, "volume_per_atom_a3", d->volume_min, d->volume_max);
  add_range(o, "pressure_gpa", d->pressure_min_gpa, d->pressure_max_gpa);
  int any = 0;
  for (int a = 0; a < m->nspecies; a++)
    for (int b = 0; b < m->nspecies; b++) any |= d->pair_min[a][b] > 0;
  if (any) {
    cJSON *pm = cJSON_AddArrayToObject(o, "pair_min_distance_a");
    for (int a = 0; a < m->nspecies; a++)
      cJSON_AddItemToArray(pm, number_array(d->pair_min[a], (size_t)m->nspecies));
  }
  cJSON *sp = cJSON_AddArrayToObject(o, "species");
  size_t D = (size_t)m->desc.dim;
  for (int s = 0; s < m->nspecies; s++) {
    cJSON *e = cJSON_CreateObject();
    cJSON_AddStringToObject(e, "species", symbol(m->z[s]));
    if (d->atoms[s] >= 0) add_number(e, "atoms", (double)d->atoms[s]);
    /* a species without training atoms has an empty range (min > max) */
    int empty = d->g_min[s * D] > d->g_max[s * D];
    if (!empty) {
      cJSON_AddItemToObject(e, "min", number_array(d->g_min + s * D, D));
      cJSON_AddItemToObject(e, "max", number_array(d->g_max + s * D, D));
    }
    cJSON_AddItemToArray(sp, e);
  }
  return o;
}

cJSON *nn_model_to_json(const nacre_nn_model *m) {
  cJSON *root = cJSON_CreateObject();
  if (!root) return NULL;
  cJSON_AddStringToObject(root, "format", "nacre-nn");
  add_number(root, "version", NACRE_NN_FORMAT_VERSION);
  cJSON *sp = cJSON_AddArrayToObject(root, "species");
  for (int s = 0; s < m->nspecies; s++) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "symbol", symbol(m->z[s]));
    add_number(o, "z", m->z[s]);
    add_number(o, "reference_energy_ev", m->ref_energy[s]);
    cJSON_AddItemToArray(sp, o);
  }
  cJSON *desc = cJSON_AddObjectToObject(root, "descriptor");
  cJSON_AddStringToObject(desc, "type", "behler-parrinello");
  cJSON_AddStringToObject(desc, "cutoff_function", "cosine");
  cJSON_AddStringToObject(desc, "layout", "maise");
  cJSON *pairs = cJSON_AddArrayToObject(desc, "pairs");
  for (int a = 0; a < m->nspecies; a++)
    for (int b = a; b < m->nspecies; b++) {
      cJSON *p = descriptor_json(&m->desc);
      cJSON *sym = cJSON_CreateArray();
      cJSON_AddItemToArray(sym, cJSON_CreateString(symbol(m->z[a])));
      cJSON_AddItemToArray(sym, cJSON_CreateString(symbol(m->z[b])));
      cJSON_AddItemToObjectCS(p, "pair", sym);
      cJSON_AddItemToArray(pairs, p);
    }
  add_number(desc, "dim", m->desc.dim);
  cJSON *norm = cJSON_AddArrayToObject(root, "normalization");
  size_t D = (size_t)m->desc.dim;
  for (int s = 0; s < m->nspecies; s++) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "species", symbol(m->z[s]));
    cJSON_AddItemToObject(o, "min", number_array(m->input_min + s * D, D));
    cJSON_AddItemToObject(o, "scale", number_array(m->input_scale + s * D, D));
    cJSON_AddItemToArray(norm, o);
  }
  cJSON *nets = cJSON_AddArrayToObject(root, "networks");
  for (int s = 0; s < m->nspecies; s++) {
    const nacre_nn_network *n = &m->net[s];
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "species", symbol(m->z[s]));
    cJSON *layers = cJSON_AddArrayToObject(o, "layers");
    for (int l = 0; l < n->nlayers; l++)
      cJSON_AddItemToArray(layers, json_number(n->size[l]));
    cJSON *acts = cJSON_AddArrayToObject(o, "activations");
    for (int l = 0; l + 1 < n->nlayers; l++)
      cJSON_AddItemToArray(acts, cJSON_CreateString(nacre_nn_activation_name(n->act[l])));
    cJSON_AddStringToObject(o, "weight_layout",
                            "per layer: W[out][in] row-major, then b[out]");
    cJSON_AddItemToObject(o, "weights", number_array(n->weights, n->nweights));
    cJSON_AddItemToArray(nets, o);
  }
  cJSON *rep = cJSON_AddObjectToObject(root, "repulsion");
  cJSON_AddBoolToObject(rep, "enabled", m->repulsion != 0);
  add_number(rep, "u_ev", m->repulsion_u);
  cJSON *rad = cJSON_AddObjectToObject(rep, "radius_a");
  for (int s = 0; s < m->nspecies; s++)
    add_number(rad, symbol(m->z[s]), m->repulsion_radius[s]);
  if (m->baseline[0]) cJSON_AddStringToObject(root, "baseline", m->baseline);
  if (m->domain.source != NACRE_NN_DOMAIN_NONE)
    cJSON_AddItemToObject(root, "domain", domain_json(m));
  cJSON *pv = cJSON_AddObjectToObject(root, "provenance");
  const nacre_nn_provenance *p = &m->prov;
  cJSON_AddStringToObject(pv, "model_id", p->model_id);
  cJSON_AddStringToObject(pv, "source", p->source);
  cJSON_AddStringToObject(pv, "code", p->code);
  cJSON_AddStringToObject(pv, "trained_on", p->trained_on);
  cJSON_AddStringToObject(pv, "dataset", p->dataset);
  add_opt_number(pv, "train_energies", (double)p->train_energies);
  add_opt_number(pv, "test_energies", (double)p->test_energies);
  add_opt_number(pv, "train_forces", (double)p->train_forces);
  add_opt_number(pv, "test_forces", (double)p->test_forces);
  add_opt_number(pv, "train_energy_rmse_ev_atom", p->train_energy_rmse);
  add_opt_number(pv, "test_energy_rmse_ev_atom", p->test_energy_rmse);
  add_opt_number(pv, "train_force_rmse_ev_a", p->train_force_rmse);
  add_opt_number(pv, "test_force_rmse_ev_a", p->test_force_rmse);
  return root;
}

static nacre_status write_json(cJSON *root, const char *path, nacre_error *err) {
  char *text = root ? cJSON_Print(root) : NULL;
  cJSON_Delete(root);
  if (!text) return nacre_error_set(err, NACRE_ERR_NOMEM, "%s", path);
  size_t n = strlen(text);
  char *t2 = realloc(text, n + 2);
  if (!t2) {
    free(text);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "%s", path);
  }
  t2[n] = '\n';
  t2[n + 1] = '\0';
  nacre_status st = nn_write_text(path, t2, err);
  free(t2);
  return st;
}

nacre_status nacre_nn_model_write(const nacre_nn_model *m, const char *path,
                                  nacre_error *err) {
  nacre_status st = nacre_nn_model_check(m, err);
  if (st) return st;
  return write_json(nn_model_to_json(m), path, err);
}

nacre_status nacre_nn_committee_write(const nacre_nn_model *const *models,
                                      int k, const char *path,
                                      nacre_error *err) {
  for (int q = 0; q < k; q++) {
    nacre_status st = nacre_nn_model_check(models[q], err);
    if (st) return nacre_error_prefix(err, "member %d: ", q + 1);
  }
  cJSON *root = cJSON_CreateObject();
  if (!root) return nacre_error_set(err, NACRE_ERR_NOMEM, "%s", path);
  cJSON_AddStringToObject(root, "format", "nacre-committee");
  add_number(root, "version", 1);
  cJSON *mem = cJSON_AddArrayToObject(root, "members");
  for (int q = 0; q < k; q++) cJSON_AddItemToArray(mem, nn_model_to_json(models[q]));
  return write_json(root, path, err);
}

/* ------------------------------------------------------------------ */
/* Reading                                                            */
/* ------------------------------------------------------------------ */

/* Every error names the file, the member (in committee files) and the
 * key. */
typedef struct {
  const char *path, *where;
  nacre_error *err;
} jctx;

static nacre_status jfail(const jctx *c, const char *what, const char *fmt,
                          const char *key) {
  char msg[256];
  snprintf(msg, sizeof msg, fmt, key);
  return nacre_error_set(c->err, NACRE_ERR_PARSE, "%s: %s%s%s: %s", c->path,
                         c->where ? c->where : "", c->where ? ": " : "", what,
                         msg);
}

static nacre_status jnum(const jctx *c, const cJSON *o, const char *where,
                         const char *key, double *v) {
  const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, key);
  if (!cJSON_IsNumber(x) || !isfinite(x->valuedouble))
    return jfail(c, where, "missing or non-numeric '%s'", key);
  *v = x->valuedouble;
  return NACRE_OK;
}

static nacre_status jarray(const jctx *c, const cJSON *o, const char *where,
                           const char *key, double *v, size_t n) {
  const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, key);
  if (!cJSON_IsArray(a) || (size_t)cJSON_GetArraySize(a) != n) {
    char msg[128];
    snprintf(msg, sizeof msg, "'%%s' must be an array of %zu numbers", n);
    return jfail(c, where, msg, key);
  }
  size_t k = 0;
  const cJSON *x;
  cJSON_ArrayForEach(x, a) {
    if (!cJSON_IsNumber(x) || !isfinite(x->valuedouble))
      return jfail(c, where, "non-numeric entry in '%s'", key);
    v[k++] = x->valuedouble;
  }
  return NACRE_OK;
}

static void jstr(const cJSON *o, const char *key, char *buf, size_t len) {
  const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, key);
  if (cJSON_IsString(x)) snprintf(buf, len, "%s", x->valuestring);
}

static int jopt(const cJSON *o, const char *key, double *v) {
  const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, key);
  if (!cJSON_IsNumber(x) || !isfinite(x->valuedouble)) return 0;
  *v = x->valuedouble;
  return 1;
}

static nacre_status json_descriptor(const jctx *c, const cJSON *o,
                                    const char *where, nacre_nn_descriptor *d) {
  nacre_status st = jnum(c, o, where, "cutoff_a", &d->cutoff);
  if (st) return st;
  const cJSON *g2 = cJSON_GetObjectItemCaseSensitive(o, "g2");
  const cJSON *g4 = cJSON_GetObjectItemCaseSensitive(o, "g4");
  if (!cJSON_IsArray(g2) || !cJSON_IsArray(g4))
    return jfail(c, where, "'%s' needs arrays g2 and g4", "descriptor");
  d->ng2 = cJSON_GetArraySize(g2);
  d->ng4 = cJSON_GetArraySize(g4);
  d->g2 = calloc((size_t)d->ng2 + 1, sizeof *d->g2);
  d->g4 = calloc((size_t)d->ng4 + 1, sizeof *d->g4);
  if (!d->g2 || !d->g4) return nacre_error_set(c->err, NACRE_ERR_NOMEM, "%s", c->path);
  int k = 0;
  const cJSON *f;
  cJSON_ArrayForEach(f, g2) {
    if ((st = jnum(c, f, where, "eta_per_a2", &d->g2[k].eta)) ||
        (st = jnum(c, f, where, "rs_a", &d->g2[k].rs)))
      return st;
    k++;
  }
  k = 0;
  cJSON_ArrayForEach(f, g4) {
    if ((st = jnum(c, f, where, "eta_per_a2", &d->g4[k].eta)) ||
        (st = jnum(c, f, where, "zeta", &d->g4[k].zeta)) ||
        (st = jnum(c, f, where, "lambda", &d->g4[k].lambda)))
      return st;
    k++;
  }
  return NACRE_OK;
}

static int same_descriptor(const nacre_nn_descriptor *a,
                           const nacre_nn_descriptor *b) {
  if (a->cutoff != b->cutoff || a->ng2 != b->ng2 || a->ng4 != b->ng4) return 0;
  for (int g = 0; g < a->ng2; g++)
    if (a->g2[g].eta != b->g2[g].eta || a->g2[g].rs != b->g2[g].rs) return 0;
  for (int g = 0; g < a->ng4; g++)
    if (a->g4[g].eta != b->g4[g].eta || a->g4[g].zeta != b->g4[g].zeta ||
        a->g4[g].lambda != b->g4[g].lambda)
      return 0;
  return 1;
}

static int json_species_index(const nacre_nn_model *m, const cJSON *o,
                              const char *key) {
  const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, key);
  if (!cJSON_IsString(x)) return -1;
  return nacre_nn_model_species(m, nacre_element_z(x->valuestring));
}

static nacre_status json_species(const jctx *c, const cJSON *root,
                                 nacre_nn_model *m) {
  const cJSON *sp = cJSON_GetObjectItemCaseSensitive(root, "species");
  int ns = cJSON_IsArray(sp) ? cJSON_GetArraySize(sp) : 0;
  if (ns < 1 || ns > NACRE_NN_MAX_SPECIES)
    return jfail(c, "species", "'%s' must list 1 to 8 species", "species");
  m->nspecies = ns;
  int s = 0;
  const cJSON *o;
  cJSON_ArrayForEach(o, sp) {
    double z = 0.0;
    nacre_status st = jnum(c, o, "species", "z", &z);
    if (st) return st;
    m->z[s] = (int)z;
    if (z != m->z[s] || !nacre_element_by_z(m->z[s]))
      return jfail(c, "species", "'%s' is not an atomic number", "z");
    if ((st = jnum(c, o, "species", "reference_energy_ev", &m->ref_energy[s])))
      return st;
    s++;
  }
  return NACRE_OK;
}

static nacre_status json_descriptors(const jctx *c, const cJSON *root,
                                     nacre_nn_model *m) {
  int ns = m->nspecies;
  const cJSON *desc = cJSON_GetObjectItemCaseSensitive(root, "descriptor");
  const cJSON *pairs = cJSON_GetObjectItemCaseSensitive(desc, "pairs");
  const cJSON *layout = cJSON_GetObjectItemCaseSensitive(desc, "layout");
  if (!cJSON_IsString(layout) || strcmp(layout->valuestring, "maise"))
    return jfail(c, "descriptor", "'%s' must be \"maise\"", "layout");
  if (!cJSON_IsArray(pairs) || cJSON_GetArraySize(pairs) != ns * (ns + 1) / 2)
    return jfail(c, "descriptor", "'%s' must hold one entry per species pair",
                 "pairs");
  m->desc.nspecies = ns;
  int first = 1;
  const cJSON *o;
  cJSON_ArrayForEach(o, pairs) {
    nacre_nn_descriptor d = {0};
    nacre_status st = json_descriptor(c, o, "descriptor.pairs", first ? &m->desc : &d);
    if (!st && !first && !same_descriptor(&m->desc, &d))
      st = nacre_error_set(c->err, NACRE_ERR_UNSUPPORTED,
                           "%s: descriptor.pairs: different symmetry "
                           "functions per species pair are not supported "
                           "by this version's evaluator",
                           c->path);
    nacre_nn_descriptor_free(&d);
    if (st) return st;
    first = 0;
  }
  if (nacre_nn_descriptor_init(&m->desc, c->err))
    return nacre_error_prefix(c->err, "%s: ", c->path);
  return NACRE_OK;
}

static nacre_status json_normalization(const jctx *c, const cJSON *root,
                                       nacre_nn_model *m) {
  size_t D = (size_t)m->desc.dim;
  nacre_status st = nacre_nn_model_alloc_inputs(m, c->err);
  if (st) return st;
  const cJSON *norm = cJSON_GetObjectItemCaseSensitive(root, "normalization");
  if (!cJSON_IsArray(norm) || cJSON_GetArraySize(norm) != m->nspecies)
    return jfail(c, "normalization", "'%s' needs one entry per species",
                 "normalization");
  int seen[NACRE_NN_MAX_SPECIES] = {0};
  const cJSON *o;
  cJSON_ArrayForEach(o, norm) {
    int k = json_species_index(m, o, "species");
    if (k < 0 || seen[k]++)
      return jfail(c, "normalization", "'%s' names an unknown or repeated "
                   "species", "species");
    if ((st = jarray(c, o, "normalization", "min", m->input_min + k * D, D)) ||
        (st = jarray(c, o, "normalization", "scale", m->input_scale + k * D, D)))
      return st;
  }
  return NACRE_OK;
}

static nacre_status json_networks(const jctx *c, const cJSON *root,
                                  nacre_nn_model *m) {
  const cJSON *nets = cJSON_GetObjectItemCaseSensitive(root, "networks");
  if (!cJSON_IsArray(nets) || cJSON_GetArraySize(nets) != m->nspecies)
    return jfail(c, "networks", "'%s' needs one network per species",
                 "networks");
  int seen[NACRE_NN_MAX_SPECIES] = {0};
  const cJSON *o;
  cJSON_ArrayForEach(o, nets) {
    int k = json_species_index(m, o, "species");
    if (k < 0 || seen[k]++)
      return jfail(c, "networks", "'%s' names an unknown or repeated species",
                   "species");
    nacre_nn_network *n = &m->net[k];
    const cJSON *layers = cJSON_GetObjectItemCaseSensitive(o, "layers");
    const cJSON *acts = cJSON_GetObjectItemCaseSensitive(o, "activations");
    int nl = cJSON_IsArray(layers) ? cJSON_GetArraySize(layers) : 0;
    if (nl < 2 || nl > NACRE_NN_MAX_LAYERS || !cJSON_IsArray(acts) ||
        cJSON_GetArraySize(acts) != nl - 1)
      return jfail(c, "networks", "'%s' needs 2 to 16 layer sizes and one "
                   "activation per layer after the input", "layers");
    n->nlayers = nl;
    int l = 0;
    const cJSON *x;
    cJSON_ArrayForEach(x, layers) {
      if (!cJSON_IsNumber(x) || x->valuedouble != (int)x->valuedouble)
        return jfail(c, "networks", "'%s' entries must be integers", "layers");
      n->size[l++] = (int)x->valuedouble;
    }
    l = 0;
    cJSON_ArrayForEach(x, acts) {
      if (!cJSON_IsString(x) || nacre_nn_activation_parse(x->valuestring, &n->act[l]))
        return jfail(c, "networks", "'%s' entries must be \"linear\", \"tanh\", "
                     "\"sigmoid\", \"softplus\" or \"silu\"", "activations");
      l++;
    }
    nacre_status st = nacre_nn_network_init(n, c->err);
    if (st) return nacre_error_prefix(c->err, "%s: ", c->path);
    if ((st = jarray(c, o, "networks", "weights", n->weights, n->nweights)))
      return st;
  }
  return NACRE_OK;
}

static nacre_status json_repulsion(const jctx *c, const cJSON *root,
                                   nacre_nn_model *m) {
  const cJSON *base = cJSON_GetObjectItemCaseSensitive(root, "baseline");
  if (base) {
    if (!cJSON_IsString(base) || !base->valuestring[0] ||
        strlen(base->valuestring) >= sizeof m->baseline)
      return jfail(c, "baseline",
                   "'%s' must be a potential SPEC of under 256 characters",
                   "baseline");
    snprintf(m->baseline, sizeof m->baseline, "%s", base->valuestring);
  }
  const cJSON *rep = cJSON_GetObjectItemCaseSensitive(root, "repulsion");
  if (!rep) return NACRE_OK;
  const cJSON *en = cJSON_GetObjectItemCaseSensitive(rep, "enabled");
  if (!cJSON_IsBool(en))
    return jfail(c, "repulsion", "'%s' must be true or false", "enabled");
  m->repulsion = cJSON_IsTrue(en);
  nacre_status st = jnum(c, rep, "repulsion", "u_ev", &m->repulsion_u);
  if (st) return st;
  const cJSON *rad = cJSON_GetObjectItemCaseSensitive(rep, "radius_a");
  for (int k = 0; k < m->nspecies; k++)
    if ((st = jnum(c, rad, "repulsion.radius_a", symbol(m->z[k]),
                   &m->repulsion_radius[k])))
      return st;
  return NACRE_OK;
}

static nacre_status json_range(const jctx *c, const cJSON *o, const char *key,
                               double *lo, double *hi) {
  if (!cJSON_GetObjectItemCaseSensitive(o, key)) return NACRE_OK;
  double v[2];
  nacre_status st = jarray(c, o, "domain", key, v, 2);
  if (st) return st;
  if (v[0] > v[1]) return jfail(c, "domain", "'%s' must be [min, max]", key);
  *lo = v[0];
  *hi = v[1];
  return NACRE_OK;
}

/* The training domain; files without one get the estimate from the
 * normalisation. */
static nacre_status json_domain(const jctx *c, const cJSON *root,
                                nacre_nn_model *m) {
  const cJSON *dom = cJSON_GetObjectItemCaseSensitive(root, "domain");
  if (!dom) return nacre_nn_domain_from_normalization(m, c->err);
  nacre_status st = nacre_nn_domain_alloc(m, c->err);
  if (st) return st;
  nacre_nn_domain *d = &m->domain;
  const cJSON *src = cJSON_GetObjectItemCaseSensitive(dom, "source");
  if (cJSON_IsString(src) && !strcmp(src->valuestring, "MAISE input component range"))
    d->source = NACRE_NN_DOMAIN_MAISE;
  else if (cJSON_IsString(src) && !strncmp(src->valuestring, "estimated", 9))
    d->source = NACRE_NN_DOMAIN_NORMALIZATION;
  if ((st = json_range(c, dom, "volume_per_atom_a3", &d->volume_min, &d->volume_max)) ||
      (st = json_range(c, dom, "pressure_gpa", &d->pressure_min_gpa, &d->pressure_max_gpa)))
    return st;
  const cJSON *pm = cJSON_GetObjectItemCaseSensitive(dom, "pair_min_distance_a");
  if (pm) {
    if (!cJSON_IsArray(pm) || cJSON_GetArraySize(pm) != m->nspecies)
      return jfail(c, "domain", "'%s' needs one row per species", "pair_min_distance_a");
    int a = 0;
    const cJSON *row;
    cJSON_ArrayForEach(row, pm) {
      double v[NACRE_NN_MAX_SPECIES];
      const cJSON *x;
      int b = 0;
      if (!cJSON_IsArray(row) || cJSON_GetArraySize(row) != m->nspecies)
        return jfail(c, "domain", "'%s' rows need one number per species",
                     "pair_min_distance_a");
      cJSON_ArrayForEach(x, row) {
        if (!cJSON_IsNumber(x) || !(x->valuedouble >= 0))
          return jfail(c, "domain", "'%s' entries must be distances >= 0",
                       "pair_min_distance_a");
        v[b++] = x->valuedouble;
      }
      memcpy(d->pair_min[a++], v, (size_t)m->nspecies * sizeof *v);
    }
  }
  const cJSON *sp = cJSON_GetObjectItemCaseSensitive(dom, "species");
  if (!cJSON_IsArray(sp) || cJSON_GetArraySize(sp) != m->nspecies)
    return jfail(c, "domain", "'%s' needs one entry per species", "species");
  size_t D = (size_t)m->desc.dim;
  const cJSON *o;
  int seen[NACRE_NN_MAX_SPECIES] = {0};
  cJSON_ArrayForEach(o, sp) {
    int k = json_species_index(m, o, "species");
    if (k < 0 || seen[k]++)
      return jfail(c, "domain", "'%s' names an unknown or repeated species",
                   "species");
    double a;
    d->atoms[k] = jopt(o, "atoms", &a) ? (long)a : -1;
    if (!cJSON_GetObjectItemCaseSensitive(o, "min")) continue; /* no atoms */
    if ((st = jarray(c, o, "domain", "min", d->g_min + k * D, D)) ||
        (st = jarray(c, o, "domain", "max", d->g_max + k * D, D)))
      return st;
  }
  return NACRE_OK;
}

static void json_provenance(const cJSON *root, nacre_nn_model *m) {
  const cJSON *pv = cJSON_GetObjectItemCaseSensitive(root, "provenance");
  if (!pv) return;
  nacre_nn_provenance *p = &m->prov;
  jstr(pv, "model_id", p->model_id, sizeof p->model_id);
  jstr(pv, "source", p->source, sizeof p->source);
  jstr(pv, "code", p->code, sizeof p->code);
  jstr(pv, "trained_on", p->trained_on, sizeof p->trained_on);
  jstr(pv, "dataset", p->dataset, sizeof p->dataset);
  double v;
  if (jopt(pv, "train_energies", &v)) p->train_energies = (long)v;
  if (jopt(pv, "test_energies", &v)) p->test_energies = (long)v;
  if (jopt(pv, "train_forces", &v)) p->train_forces = (long)v;
  if (jopt(pv, "test_forces", &v)) p->test_forces = (long)v;
  if (jopt(pv, "train_energy_rmse_ev_atom", &v)) p->train_energy_rmse = v;
  if (jopt(pv, "test_energy_rmse_ev_atom", &v)) p->test_energy_rmse = v;
  if (jopt(pv, "train_force_rmse_ev_a", &v)) p->train_force_rmse = v;
  if (jopt(pv, "test_force_rmse_ev_a", &v)) p->test_force_rmse = v;
}

nacre_status nn_model_from_json(const char *path, const char *where,
                                const cJSON *root, nacre_nn_model *m,
                                nacre_error *err) {
  jctx c = {path, where, err};
  nacre_status st;
  double ver = 0.0;
  const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(root, "format");
  if (!cJSON_IsString(fmt) || strcmp(fmt->valuestring, "nacre-nn"))
    return jfail(&c, "top level", "'%s' must be \"nacre-nn\"", "format");
  if ((st = jnum(&c, root, "top level", "version", &ver))) return st;
  if (ver != 1.0 && ver != 2.0)
    return nacre_error_set(err, NACRE_ERR_UNSUPPORTED,
                           "%s: format version %g (this nacre reads 1 and 2)",
                           path, ver);
  if ((st = json_species(&c, root, m)) || (st = json_descriptors(&c, root, m)) ||
      (st = json_normalization(&c, root, m)) || (st = json_networks(&c, root, m)) ||
      (st = json_repulsion(&c, root, m)) || (st = json_domain(&c, root, m)))
    return st;
  json_provenance(root, m);
  st = nacre_nn_model_check(m, err);
  if (st) return nacre_error_prefix(err, "%s: ", path);
  return NACRE_OK;
}

nacre_status nn_json_parse_file(const char *path, cJSON **root,
                                nacre_error *err) {
  *root = NULL;
  nn_text t;
  nacre_status st = nn_text_read(path, &t, err);
  if (st) return st;
  /* nn_text_read split the text into lines; rejoin for the JSON parser */
  size_t total = 0;
  for (int k = 0; k < t.nlines; k++) total += strlen(t.line[k]) + 1;
  char *buf = malloc(total + 1), *p = buf;
  if (!buf) {
    nn_text_free(&t);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "%s", path);
  }
  for (int k = 0; k < t.nlines; k++) {
    size_t n = strlen(t.line[k]);
    memcpy(p, t.line[k], n);
    p += n;
    *p++ = '\n';
  }
  *p = '\0';
  nn_text_free(&t);
  const char *end = NULL;
  *root = cJSON_ParseWithOpts(buf, &end, 1);
  if (!*root) {
    int line = 1, col = 1;
    for (const char *q = buf; end && q < end && *q; q++) {
      if (*q == '\n') {
        line++;
        col = 1;
      } else {
        col++;
      }
    }
    free(buf);
    return nacre_error_set(err, NACRE_ERR_PARSE, "%s:%d:%d: malformed JSON",
                           path, line, col);
  }
  free(buf);
  return NACRE_OK;
}

nacre_status nacre_nn_model_read_json(const char *path, nacre_nn_model **out,
                                      nacre_error *err) {
  *out = NULL;
  cJSON *root;
  nacre_status st = nn_json_parse_file(path, &root, err);
  if (st) return st;
  nacre_nn_model *m = nacre_nn_model_new();
  if (!m) {
    cJSON_Delete(root);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "%s", path);
  }
  st = nn_model_from_json(path, NULL, root, m, err);
  cJSON_Delete(root);
  if (st) {
    nacre_nn_model_free(m);
    return st;
  }
  *out = m;
  return NACRE_OK;
}

nacre_status nacre_nn_committee_read(const char *path, nacre_nn_model ***models,
                                     int *k, nacre_error *err) {
  *models = NULL;
  *k = 0;
  cJSON *root;
  nacre_status st = nn_json_parse_file(path, &root, err);
  if (st) return st;
  const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(root, "format");
  const cJSON *mem = cJSON_GetObjectItemCaseSensitive(root, "members");
  int n = cJSON_IsArray(mem) ? cJSON_GetArraySize(mem) : 0;
  if (!cJSON_IsString(fmt) || strcmp(fmt->valuestring, "nacre-committee") || n < 1) {
    cJSON_Delete(root);
    return nacre_error_set(err, NACRE_ERR_PARSE,
                           "%s: not a nacre-committee file with members", path);
  }
  nacre_nn_model **ms = calloc((size_t)n, sizeof *ms);
  if (!ms) {
    cJSON_Delete(root);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "%s", path);
  }
  int q = 0;
  const cJSON *o;
  cJSON_ArrayForEach(o, mem) {
    char where[32];
    snprintf(where, sizeof where, "member %d", q + 1);
    if (!cJSON_IsObject(o)) {
      st = nacre_error_set(err, NACRE_ERR_UNSUPPORTED,
                           "%s: %s is not an embedded network model", path, where);
      break;
    }
    if (!(ms[q] = nacre_nn_model_new())) {
      st = nacre_error_set(err, NACRE_ERR_NOMEM, "%s", path);
      break;
    }
    if ((st = nn_model_from_json(path, where, o, ms[q], err))) {
      q++;
      break;
    }
    q++;
  }
  cJSON_Delete(root);
  if (st) {
    for (int r = 0; r < q; r++) nacre_nn_model_free(ms[r]);
    free(ms);
    return st;
  }
  *models = ms;
  *k = n;
  return NACRE_OK;
}
