/* nn_legacy.c — the text format that `nacre train` wrote before its models
 * became nacre JSON models ("nacre-train-model 1", and committees
 * "nacre-train-committee K" followed by K models). Read for one more
 * release so that existing models keep working; nothing writes it. Layout:
 *
 *   nacre-train-model 1
 *   descriptors SPEC          (bp:... or radial:..., see nn_spec.c)
 *   species N SYM...
 *   layers L n0 n1 ... 1
 *   activation tanh|sigmoid|softplus|silu   (hidden layers; output linear)
 *   reference_energies_eV e1 ... eN
 *   normalization N*n0  # comment
 *   min range                 (N*n0 lines: x = (G − min)·range)
 *   weights P  # comment
 *   w                         (P lines; per species all biases layer by
 *                              layer, then each W[out][in] row-major)
 *
 * Numbers are parsed strictly and every count is checked both ways. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nacre/nn.h"
#include "nn_internal.h"

#define MODEL_MAGIC "nacre-train-model 1"
#define COMMITTEE_MAGIC "nacre-train-committee"

int nacre_nn_probe_legacy(const char *head, size_t len) {
  (void)len;
  return !strncmp(head, MODEL_MAGIC, strlen(MODEL_MAGIC)) ||
         !strncmp(head, COMMITTEE_MAGIC, strlen(COMMITTEE_MAGIC));
}

typedef struct {
  const char *path;
  nn_text *t;
  int ln; /* next line, 0-based */
  nacre_error *err;
} reader;

/* The next line; at the end NULL, and messages then name the line after
 * the last, the one that is missing. */
static const char *next_line(reader *r) {
  if (r->ln < r->t->nlines) return r->t->line[r->ln++];
  r->ln = r->t->nlines + 1;
  return NULL;
}

static nacre_status fail(reader *r, const char *what) {
  return nacre_error_set(r->err, NACRE_ERR_PARSE, "%s:%d: %s", r->path, r->ln,
                         what);
}

/* "KEY COUNT" with an optional "# comment": the count, strictly. */
static int keyed_count(const char *line, const char *key, int *n) {
  size_t k = strlen(key);
  if (strncmp(line, key, k) || line[k] != ' ') return -1;
  char buf[64];
  const char *hash = strchr(line + k, '#');
  size_t len = hash ? (size_t)(hash - line - k) : strlen(line + k);
  if (len >= sizeof buf) return -1;
  memcpy(buf, line + k, len);
  buf[len] = '\0';
  return nn_parse_int(buf, n);
}

/* Whitespace-separated integers after "KEY ", at most max. */
static int int_list(const char *s, int *v, int max) {
  double d[NACRE_NN_MAX_LAYERS + 2];
  int n = nn_parse_doubles(s, d, max);
  for (int k = 0; k < n; k++) {
    if (d[k] != (int)d[k]) return -1;
    v[k] = (int)d[k];
  }
  return n;
}

static nacre_status read_header(reader *r, nacre_nn_model *m, int *nl,
                                int *sizes, nacre_nn_activation *act) {
  const char *ln = next_line(r);
  if (!ln || strcmp(ln, MODEL_MAGIC))
    return fail(r, "expected '" MODEL_MAGIC "'");
  if (!(ln = next_line(r)) || strncmp(ln, "descriptors ", 12) || !ln[12])
    return fail(r, "expected 'descriptors SPEC'");
  char spec[4096];
  snprintf(spec, sizeof spec, "%s", ln + 12);
  if (!(ln = next_line(r)) || strncmp(ln, "species ", 8))
    return fail(r, "expected 'species N SYMBOLS'");
  char buf[256];
  snprintf(buf, sizeof buf, "%s", ln + 8);
  char *save = NULL, *tok = strtok_r(buf, " \t", &save);
  int ns;
  if (!tok || nn_parse_int(tok, &ns) || ns < 1 || ns > NACRE_NN_MAX_SPECIES)
    return fail(r, "expected 'species N SYMBOLS' with 1 <= N <= 8");
  m->nspecies = ns;
  for (int s = 0; s < ns; s++) {
    tok = strtok_r(NULL, " \t", &save);
    if (!tok || !(m->z[s] = nacre_element_z(tok)))
      return fail(r, "expected one element symbol per species");
  }
  if (strtok_r(NULL, " \t", &save)) return fail(r, "more element symbols than species");
  if (!(ln = next_line(r)) || strncmp(ln, "layers ", 7) ||
      int_list(ln + 7, sizes, NACRE_NN_MAX_LAYERS + 1) < 3 || sizes[0] < 2 ||
      sizes[0] > NACRE_NN_MAX_LAYERS ||
      int_list(ln + 7, sizes, NACRE_NN_MAX_LAYERS + 1) != sizes[0] + 1)
    return fail(r, "expected 'layers L' and L layer sizes");
  *nl = sizes[0];
  memmove(sizes, sizes + 1, (size_t)*nl * sizeof *sizes);
  if (!(ln = next_line(r)) || strncmp(ln, "activation ", 11) ||
      nacre_nn_activation_parse(ln + 11, act) || *act == NACRE_NN_LINEAR)
    return fail(r, "expected 'activation tanh|sigmoid|softplus|silu'");
  nacre_status st = nacre_nn_descriptor_from_spec(spec, ns, &m->desc, r->err);
  if (st) return nacre_error_prefix(r->err, "%s:2: ", r->path);
  if (m->desc.dim != sizes[0])
    return nacre_error_set(r->err, NACRE_ERR_PARSE,
                           "%s:%d: %d inputs but the descriptors give %d", r->path,
                           r->ln - 1, sizes[0], m->desc.dim);
  return NACRE_OK;
}

/* Old per-species order (all biases layer by layer, then the matrices)
 * into the network's (per layer W then b). */
static void reorder_weights(nacre_nn_network *n, const double *old) {
  size_t pos = 0;
  for (int l = 0; l + 1 < n->nlayers; l++) {
    double *b = n->weights + n->woffset[l] + (size_t)n->size[l + 1] * n->size[l];
    for (int o = 0; o < n->size[l + 1]; o++) b[o] = old[pos++];
  }
  for (int l = 0; l + 1 < n->nlayers; l++) {
    size_t cnt = (size_t)n->size[l + 1] * n->size[l];
    memcpy(n->weights + n->woffset[l], old + pos, cnt * sizeof *old);
    pos += cnt;
  }
}

static nacre_status read_model(reader *r, nacre_nn_model *m) {
  int nl, sizes[NACRE_NN_MAX_LAYERS + 1];
  nacre_nn_activation act;
  nacre_status st = read_header(r, m, &nl, sizes, &act);
  if (st) return st;
  int S = m->nspecies, D = m->desc.dim;
  const char *ln = next_line(r);
  if (!ln || strncmp(ln, "reference_energies_eV", 21) ||
      nn_parse_doubles(ln + 21, m->ref_energy, S) != S)
    return fail(r, "expected 'reference_energies_eV' and one number per species");
  int cnt;
  if (!(ln = next_line(r)) || keyed_count(ln, "normalization", &cnt) || cnt != S * D)
    return fail(r, "expected 'normalization N' with N = species × inputs");
  if ((st = nacre_nn_model_alloc_inputs(m, r->err))) return st;
  for (int k = 0; k < cnt; k++) {
    double v[2];
    if (!(ln = next_line(r)) || nn_parse_doubles(ln, v, 2) != 2)
      return fail(r, "expected 'min range' (two numbers)");
    m->input_min[k] = v[0];
    m->input_scale[k] = v[1];
  }
  for (int s = 0; s < S; s++) {
    nacre_nn_network *n = &m->net[s];
    n->nlayers = nl;
    for (int l = 0; l < nl; l++) n->size[l] = sizes[l];
    for (int l = 0; l + 1 < nl; l++) n->act[l] = l + 2 < nl ? act : NACRE_NN_LINEAR;
    if ((st = nacre_nn_network_init(n, r->err)))
      return nacre_error_prefix(r->err, "%s: ", r->path);
  }
  size_t per = m->net[0].nweights;
  if (!(ln = next_line(r)) || keyed_count(ln, "weights", &cnt) ||
      (size_t)cnt != per * (size_t)S)
    return fail(r, "expected 'weights P' with P matching the layers");
  double *w = malloc((size_t)cnt * sizeof *w);
  if (!w) return nacre_error_set(r->err, NACRE_ERR_NOMEM, "%s", r->path);
  for (int k = 0; k < cnt; k++)
    if (!(ln = next_line(r)) || nn_parse_doubles(ln, &w[k], 1) != 1) {
      free(w);
      return fail(r, ln ? "expected one weight (a number) per line"
                        : "the file ends before the last weight");
    }
  for (int s = 0; s < S; s++) reorder_weights(&m->net[s], w + (size_t)s * per);
  free(w);
  if ((st = nacre_nn_domain_from_normalization(m, r->err))) return st;
  snprintf(m->prov.source, sizeof m->prov.source, "nacre train (nacre-train text format)");
  st = nacre_nn_model_check(m, r->err);
  return st ? nacre_error_prefix(r->err, "%s: ", r->path) : NACRE_OK;
}

nacre_status nn_legacy_read(const char *path, nacre_nn_model ***models, int *k,
                            nacre_error *err) {
  *models = NULL;
  *k = 0;
  nn_text t;
  nacre_status st = nn_text_read(path, &t, err);
  if (st) return st;
  reader r = {path, &t, 0, err};
  int n = 1;
  if (!strncmp(t.line[0], COMMITTEE_MAGIC, strlen(COMMITTEE_MAGIC))) {
    r.ln = 1;
    if (t.line[0][strlen(COMMITTEE_MAGIC)] != ' ' ||
        nn_parse_int(t.line[0] + strlen(COMMITTEE_MAGIC), &n) || n < 1 || n > 1000) {
      nn_text_free(&t);
      return nacre_error_set(err, NACRE_ERR_PARSE,
                             "%s:1: expected '%s K' with 1 <= K <= 1000", path,
                             COMMITTEE_MAGIC);
    }
  }
  nacre_nn_model **ms = calloc((size_t)n, sizeof *ms);
  if (!ms) st = nacre_error_set(err, NACRE_ERR_NOMEM, "%s", path);
  int got = 0;
  for (; !st && got < n; got++) {
    if (!(ms[got] = nacre_nn_model_new()))
      st = nacre_error_set(err, NACRE_ERR_NOMEM, "%s", path);
    else
      st = read_model(&r, ms[got]);
  }
  /* nothing may follow the last model */
  while (!st && r.ln < t.nlines && nn_blank(t.line[r.ln])) r.ln++;
  if (!st && r.ln < t.nlines)
    st = nacre_error_set(err, NACRE_ERR_PARSE,
                         "%s:%d: text after the last of %d model%s", path,
                         r.ln + 1, n, n > 1 ? "s" : "");
  nn_text_free(&t);
  if (st) {
    for (int q = 0; q < got && ms; q++) nacre_nn_model_free(ms[q]);
    free(ms);
    return st;
  }
  *models = ms;
  *k = n;
  return NACRE_OK;
}
