/* nn_model.c — the neural-network model: life cycle, MAISE's model file
 * reader (layout in ../shared/data/maise/SPEC.md) and nacre's own JSON
 * model format (doc/nn-format.md), both read with file:line messages. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "nacre/nn.h"

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

nacre_nn_model *nacre_nn_model_new(void) {
  nacre_nn_model *m = calloc(1, sizeof *m);
  if (!m) return NULL;
  m->prov.train_energy_rmse = m->prov.test_energy_rmse = -1.0;
  m->prov.train_force_rmse = m->prov.test_force_rmse = -1.0;
  m->prov.train_energies = m->prov.test_energies = -1;
  m->prov.train_forces = m->prov.test_forces = -1;
  return m;
}

void nacre_nn_model_free(nacre_nn_model *m) {
  if (!m) return;
  nacre_nn_descriptor_free(&m->desc);
  free(m->input_min);
  free(m->input_scale);
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
  return NACRE_OK;
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
  for (int s = 0; s < NACRE_NN_MAX_SPECIES; s++) m->net[s].weights = NULL;
  size_t nin = (size_t)src->nspecies * (size_t)src->desc.dim;
  m->input_min = malloc(nin * sizeof(double));
  m->input_scale = malloc(nin * sizeof(double));
  int ok = m->input_min && m->input_scale;
  if (ok) {
    memcpy(m->input_min, src->input_min, nin * sizeof(double));
    memcpy(m->input_scale, src->input_scale, nin * sizeof(double));
  }
  for (int s = 0; ok && s < src->nspecies; s++) {
    m->net[s].weights = malloc(src->net[s].nweights * sizeof(double));
    ok = m->net[s].weights != NULL;
    if (ok)
      memcpy(m->net[s].weights, src->net[s].weights,
             src->net[s].nweights * sizeof(double));
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

/* ------------------------------------------------------------------ */
/* Whole-file reading                                                 */
/* ------------------------------------------------------------------ */

typedef struct {
  char *text;
  char **line; /* pointers into text, NUL-terminated lines */
  int nlines;
} text_file;

static void text_free(text_file *t) {
  free(t->text);
  free(t->line);
}

static nacre_status text_read(const char *path, text_file *t, nacre_error *err) {
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
    text_free(t);
    return nacre_error_set(err, NACRE_ERR_IO, "%s: read error", path);
  }
  t->text[len] = '\0';
  int n = 1;
  for (size_t k = 0; k < len; k++) n += t->text[k] == '\n';
  t->line = malloc((size_t)n * sizeof(char *));
  if (!t->line) {
    text_free(t);
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

static int blank(const char *s) {
  while (*s && isspace((unsigned char)*s)) s++;
  return *s == '\0';
}

/* Parses up to max doubles; returns how many, −1 on a non-number. */
static int parse_doubles(const char *s, double *v, int max) {
  int n = 0;
  for (;;) {
    while (*s && isspace((unsigned char)*s)) s++;
    if (!*s) return n;
    if (n == max) return -1;
    char *end;
    errno = 0;
    double x = strtod(s, &end);
    if (end == s || !isfinite(x) || (*end && !isspace((unsigned char)*end)))
      return -1;
    v[n++] = x;
    s = end;
  }
}

/* ------------------------------------------------------------------ */
/* MAISE model files                                                  */
/* ------------------------------------------------------------------ */

int nacre_nn_probe_maise(const char *head, size_t len) {
  (void)len;
  return strstr(head, "neural network general information") != NULL;
}

/* "|  key   |  value  |" → key and value trimmed; 0 if not such a line. */
static int banner_kv(const char *line, char *key, size_t klen, char *val,
                     size_t vlen) {
  const char *a = strchr(line, '|');
  if (!a) return 0;
  const char *b = strchr(a + 1, '|');
  if (!b) return 0;
  const char *c = strchr(b + 1, '|');
  if (!c) c = b + 1 + strlen(b + 1);
  const char *ks = a + 1, *ke = b;
  while (ks < ke && isspace((unsigned char)*ks)) ks++;
  while (ke > ks && isspace((unsigned char)ke[-1])) ke--;
  const char *vs = b + 1, *ve = c;
  while (vs < ve && isspace((unsigned char)*vs)) vs++;
  while (ve > vs && isspace((unsigned char)ve[-1])) ve--;
  snprintf(key, klen, "%.*s", (int)(ke - ks), ks);
  snprintf(val, vlen, "%.*s", (int)(ve - vs), vs);
  return 1;
}

static nacre_status maise_basis(const char *path, text_file *t, int at,
                                int nspecies, nacre_nn_descriptor *d,
                                nacre_error *err) {
  /* at: index of the "B2A Scaling" line */
  int ln = at + 1;
  double v[16];
  if (ln >= t->nlines || parse_doubles(t->line[ln], v, 2) != 2)
    return nacre_error_set(err, NACRE_ERR_PARSE,
                           "%s:%d: expected the B2A and scaling factors", path,
                           ln + 1);
  double s = v[0] * v[1];
  if (!(s > 0.0))
    return nacre_error_set(err, NACRE_ERR_PARSE, "%s:%d: scaling %g must be > 0",
                           path, ln + 1, s);
  /* rows "index type iRc iRs in1 in2 ik iz il" */
  int rows[512][9], nrows = 0;
  int rows_line[512];
  ln++;
  for (; ln < t->nlines; ln++) {
    const char *L = t->line[ln];
    if (blank(L)) {
      if (nrows) break;
      continue;
    }
    int r[9], nc = 0;
    const char *p = L;
    char *end;
    while (nc < 10) {
      while (*p && isspace((unsigned char)*p)) p++;
      if (!*p) break;
      long x = strtol(p, &end, 10);
      if (end == p || (*end && !isspace((unsigned char)*end))) {
        nc = -1;
        break;
      }
      if (nc < 9) r[nc] = (int)x;
      nc++;
      p = end;
    }
    if (nc == -1) {
      if (nrows == 0) continue; /* the column header line */
      return nacre_error_set(err, NACRE_ERR_PARSE,
                             "%s:%d: expected a symmetry-function row of 9 "
                             "integers",
                             path, ln + 1);
    }
    if (nc != 9)
      return nacre_error_set(err, NACRE_ERR_PARSE,
                             "%s:%d: symmetry-function row has %d numbers, "
                             "expected 9",
                             path, ln + 1, nc);
    if (nrows == 512)
      return nacre_error_set(err, NACRE_ERR_PARSE,
                             "%s:%d: more than 512 symmetry functions", path,
                             ln + 1);
    memcpy(rows[nrows], r, sizeof r);
    rows_line[nrows] = ln + 1;
    nrows++;
  }
  if (nrows == 0)
    return nacre_error_set(err, NACRE_ERR_PARSE,
                           "%s:%d: no symmetry-function rows after B2A", path,
                           at + 1);
  /* parameter lists Rc Rs n1 n2 k z l */
  static const char *names[7] = {"Rc", "Rs", "n1", "n2", "k", "z", "l"};
  double par[7][64];
  int npar[7];
  for (int q = 0; q < 7; q++) {
    while (ln < t->nlines && blank(t->line[ln])) ln++;
    if (ln >= t->nlines)
      return nacre_error_set(err, NACRE_ERR_PARSE,
                             "%s:%d: missing the '%s' parameter line", path,
                             ln + 1, names[q]);
    char name[16];
    int cnt, used;
    if (sscanf(t->line[ln], "%15s %d%n", name, &cnt, &used) != 2 ||
        strcmp(name, names[q]) || cnt < 1 || cnt > 64 ||
        parse_doubles(t->line[ln] + used, par[q], 64) != cnt)
      return nacre_error_set(err, NACRE_ERR_PARSE,
                             "%s:%d: expected '%s COUNT values…' with COUNT "
                             "values",
                             path, ln + 1, names[q]);
    npar[q] = cnt;
    ln++;
  }
  for (; ln < t->nlines; ln++)
    if (strstr(t->line[ln], "B2A"))
      return nacre_error_set(err, NACRE_ERR_UNSUPPORTED,
                             "%s:%d: per-species basis blocks are not "
                             "supported (one shared basis expected)",
                             path, ln + 1);
  d->nspecies = nspecies;
  d->g2 = calloc((size_t)nrows, sizeof *d->g2);
  d->g4 = calloc((size_t)nrows, sizeof *d->g4);
  if (!d->g2 || !d->g4) return nacre_error_set(err, NACRE_ERR_NOMEM, "%s", path);
  double rc = -1.0;
  int seen4 = 0;
  for (int n = 0; n < nrows; n++) {
    int *r = rows[n];
    for (int q = 0; q < 7; q++)
      if (r[2 + q] < 0 || r[2 + q] >= npar[q])
        return nacre_error_set(err, NACRE_ERR_PARSE,
                               "%s:%d: index %d of '%s' out of range (%d "
                               "values)",
                               path, rows_line[n], r[2 + q], names[q], npar[q]);
    double rcn = par[0][r[2]] * s;
    if (rc < 0.0) rc = rcn;
    if (fabs(rcn - rc) > 1e-12 * rc)
      return nacre_error_set(err, NACRE_ERR_UNSUPPORTED,
                             "%s:%d: symmetry functions with different "
                             "cutoffs are not supported",
                             path, rows_line[n]);
    if (r[1] == 2) {
      if (seen4)
        return nacre_error_set(err, NACRE_ERR_UNSUPPORTED,
                               "%s:%d: G2 rows must precede G4 rows", path,
                               rows_line[n]);
      d->g2[d->ng2].eta = par[2][r[4]] / (s * s);
      d->g2[d->ng2].rs = par[1][r[3]] * s;
      d->ng2++;
    } else if (r[1] == 4) {
      seen4 = 1;
      d->g4[d->ng4].eta = par[3][r[5]] / (s * s);
      d->g4[d->ng4].zeta = par[5][r[7]];
      d->g4[d->ng4].lambda = par[6][r[8]];
      d->ng4++;
    } else {
      return nacre_error_set(err, NACRE_ERR_UNSUPPORTED,
                             "%s:%d: symmetry function type %d is not "
                             "supported (only 2 and 4)",
                             path, rows_line[n], r[1]);
    }
  }
  d->cutoff = rc;
  nacre_status st = nacre_nn_descriptor_init(d, err);
  if (st) return nacre_error_prefix(err, "%s: ", path);
  return NACRE_OK;
}

static nacre_status maise_parse(const char *path, text_file *t,
                                nacre_nn_model *m, nacre_error *err) {
  int nspc = -1, nl = -1, nw = -1, arch[NACRE_NN_MAX_LAYERS] = {0}, narch = -1;
  int zline = -1, range_at = -1, weights_at = -1, basis_at = -1;
  char key[128], val[256];
  for (int ln = 0; ln < t->nlines; ln++) {
    const char *L = t->line[ln];
    if (strstr(L, "input component range") && range_at < 0) {
      range_at = ln;
      continue;
    }
    if (strstr(L, "neural network weights") && weights_at < 0) {
      weights_at = ln;
      continue;
    }
    if (strstr(L, "B2A") && basis_at < 0) {
      basis_at = ln;
      break;
    }
    if (range_at >= 0 || !banner_kv(L, key, sizeof key, val, sizeof val))
      continue;
    nacre_nn_provenance *p = &m->prov;
    if (!strcmp(key, "number of species")) {
      if (sscanf(val, "%d", &nspc) != 1 || nspc < 1 ||
          nspc > NACRE_NN_MAX_SPECIES)
        return nacre_error_set(err, NACRE_ERR_PARSE,
                               "%s:%d: number of species '%s' (1 to %d "
                               "supported)",
                               path, ln + 1, val, NACRE_NN_MAX_SPECIES);
    } else if (!strcmp(key, "species types")) {
      zline = ln;
      double z[NACRE_NN_MAX_SPECIES + 1];
      int nz = parse_doubles(val, z, NACRE_NN_MAX_SPECIES);
      if (nz < 1 || (nspc > 0 && nz != nspc))
        return nacre_error_set(err, NACRE_ERR_PARSE,
                               "%s:%d: species types '%s' do not match the "
                               "number of species %d",
                               path, ln + 1, val, nspc);
      for (int s = 0; s < nz; s++) {
        m->z[s] = (int)z[s];
        if (z[s] != m->z[s] || !nacre_element_by_z(m->z[s]))
          return nacre_error_set(err, NACRE_ERR_PARSE,
                                 "%s:%d: species type %g is not an atomic "
                                 "number",
                                 path, ln + 1, z[s]);
      }
    } else if (!strcmp(key, "number of layers")) {
      if (sscanf(val, "%d", &nl) != 1 || nl < 2 || nl > NACRE_NN_MAX_LAYERS)
        return nacre_error_set(err, NACRE_ERR_PARSE,
                               "%s:%d: number of layers '%s'", path, ln + 1,
                               val);
    } else if (!strcmp(key, "architecture")) {
      double a[NACRE_NN_MAX_LAYERS + 1];
      narch = parse_doubles(val, a, NACRE_NN_MAX_LAYERS);
      if (narch < 2 || (nl > 0 && narch != nl))
        return nacre_error_set(err, NACRE_ERR_PARSE,
                               "%s:%d: architecture '%s' does not list %d "
                               "layer sizes",
                               path, ln + 1, val, nl);
      for (int l = 0; l < narch; l++) {
        arch[l] = (int)a[l];
        if (a[l] != arch[l] || arch[l] < 1)
          return nacre_error_set(err, NACRE_ERR_PARSE,
                                 "%s:%d: bad layer size %g", path, ln + 1, a[l]);
      }
    } else if (!strcmp(key, "number of weights")) {
      if (sscanf(val, "%d", &nw) != 1 || nw < 1)
        return nacre_error_set(err, NACRE_ERR_PARSE,
                               "%s:%d: number of weights '%s'", path, ln + 1,
                               val);
    } else if (!strcmp(key, "model unique ID")) {
      snprintf(p->model_id, sizeof p->model_id, "%.63s", val);
    } else if (!strcmp(key, "maise version")) {
      snprintf(p->code, sizeof p->code, "%.63s", val);
    } else if (!strcmp(key, "trained on")) {
      snprintf(p->trained_on, sizeof p->trained_on, "%.63s", val);
    } else if (!strcmp(key, "train energy data")) {
      p->train_energies = atol(val);
    } else if (!strcmp(key, "test  energy data")) {
      p->test_energies = atol(val);
    } else if (!strcmp(key, "train force  data")) {
      p->train_forces = atol(val);
    } else if (!strcmp(key, "test  force  data")) {
      p->test_forces = atol(val);
    } else if (!strcmp(key, "total structures")) {
      snprintf(p->dataset, sizeof p->dataset, "%.200s structures", val);
    } else if (!strncmp(key, "train energy error", 18)) {
      p->train_energy_rmse = atof(val);
    } else if (!strncasecmp(key, "test  energy error", 18)) {
      p->test_energy_rmse = atof(val);
    } else if (!strncmp(key, "train force  error", 18)) {
      p->train_force_rmse = atof(val);
    } else if (!strncasecmp(key, "test  force  error", 18)) {
      p->test_force_rmse = atof(val);
    }
  }
  if (nspc < 0 || zline < 0 || nl < 0 || narch < 0 || nw < 0)
    return nacre_error_set(err, NACRE_ERR_PARSE,
                           "%s: header lacks number of species, species "
                           "types, number of layers, architecture or number "
                           "of weights",
                           path);
  if (range_at < 0 || weights_at < 0 || basis_at < 0)
    return nacre_error_set(err, NACRE_ERR_PARSE,
                           "%s: missing the '%s' section", path,
                           range_at < 0     ? "input component range"
                           : weights_at < 0 ? "neural network weights"
                                            : "B2A Scaling (basis)");
  m->nspecies = nspc;
  size_t per = 0;
  for (int l = 0; l + 1 < nl; l++)
    per += (size_t)(arch[l] + 1) * (size_t)arch[l + 1];
  if ((size_t)nw != per * (size_t)nspc)
    return nacre_error_set(err, NACRE_ERR_PARSE,
                           "%s: number of weights %d does not match the "
                           "architecture (%zu for %d species)",
                           path, nw, per * (size_t)nspc, nspc);
  nacre_status st = maise_basis(path, t, basis_at, nspc, &m->desc, err);
  if (st) return st;
  int D = m->desc.dim;
  if (arch[0] != D)
    return nacre_error_set(err, NACRE_ERR_PARSE,
                           "%s: architecture has %d inputs, the basis gives "
                           "%d for %d species",
                           path, arch[0], D, nspc);
  /* input component range: NSPC×D rows "min max range" */
  size_t nin = (size_t)nspc * (size_t)D;
  m->input_min = malloc(nin * sizeof(double));
  m->input_scale = malloc(nin * sizeof(double));
  if (!m->input_min || !m->input_scale)
    return nacre_error_set(err, NACRE_ERR_NOMEM, "%s", path);
  int ln = range_at + 1;
  size_t got = 0;
  for (; ln < weights_at && got < nin; ln++) {
    const char *L = t->line[ln];
    if (blank(L) || strstr(L, "---") || strstr(L, "minimum")) continue;
    double v[3];
    if (parse_doubles(L, v, 3) != 3)
      return nacre_error_set(err, NACRE_ERR_PARSE,
                             "%s:%d: expected 'minimum maximum range'", path,
                             ln + 1);
    m->input_min[got] = v[0];
    m->input_scale[got] = v[2];
    got++;
  }
  if (got != nin)
    return nacre_error_set(err, NACRE_ERR_PARSE,
                           "%s:%d: %zu input-range rows, expected %zu", path,
                           ln + 1, got, nin);
  /* weights, species-major; per species all biases first then matrices */
  double *w = malloc((size_t)nw * sizeof(double));
  if (!w) return nacre_error_set(err, NACRE_ERR_NOMEM, "%s", path);
  got = 0;
  for (ln = weights_at + 1; ln < basis_at && got < (size_t)nw; ln++) {
    const char *L = t->line[ln];
    if (blank(L) || strstr(L, "---")) continue;
    if (parse_doubles(L, &w[got], 1) != 1) {
      free(w);
      return nacre_error_set(err, NACRE_ERR_PARSE,
                             "%s:%d: expected one weight per line", path,
                             ln + 1);
    }
    got++;
  }
  if (got != (size_t)nw) {
    free(w);
    return nacre_error_set(err, NACRE_ERR_PARSE,
                           "%s:%d: %zu weights, the header says %d", path,
                           ln + 1, got, nw);
  }
  for (int s = 0; s < nspc && !st; s++) {
    nacre_nn_network *net = &m->net[s];
    net->nlayers = nl;
    for (int l = 0; l < nl; l++) net->size[l] = arch[l];
    for (int l = 0; l + 1 < nl; l++)
      net->act[l] = l + 2 < nl ? NACRE_NN_TANH : NACRE_NN_LINEAR;
    st = nacre_nn_network_init(net, err);
    if (st) break;
    const double *src = w + (size_t)s * per;
    size_t pos = 0;
    for (int l = 0; l + 1 < nl; l++) { /* biases */
      double *b = net->weights + net->woffset[l] + (size_t)arch[l + 1] * arch[l];
      for (int k = 0; k < arch[l + 1]; k++) b[k] = src[pos++];
    }
    for (int l = 0; l + 1 < nl; l++) { /* W_l[m][n] */
      double *W = net->weights + net->woffset[l];
      size_t cnt = (size_t)arch[l + 1] * arch[l];
      for (size_t k = 0; k < cnt; k++) W[k] = src[pos++];
    }
  }
  free(w);
  if (st) return st;
  for (int s = 0; s < nspc; s++)
    m->repulsion_radius[s] = nacre_nn_maise_mindist(m->z[s]);
  m->repulsion = 1;
  m->repulsion_u = 100.0; /* MAISE default UREP */
  const char *base = strrchr(path, '/');
  snprintf(m->prov.source, sizeof m->prov.source, "MAISE model file %s",
           base ? base + 1 : path);
  return nacre_nn_model_check(m, err);
}

nacre_status nacre_nn_descriptor_read_maise_basis(const char *path,
                                                 int nspecies,
                                                 nacre_nn_descriptor *d,
                                                 nacre_error *err) {
  memset(d, 0, sizeof *d);
  text_file t;
  nacre_status st = text_read(path, &t, err);
  if (st) return st;
  int at = 0;
  while (at < t.nlines && !strstr(t.line[at], "B2A")) at++;
  if (at == t.nlines)
    st = nacre_error_set(err, NACRE_ERR_PARSE,
                         "%s:1: no 'B2A Scaling' line: not a MAISE basis",
                         path);
  else
    st = maise_basis(path, &t, at, nspecies, d, err);
  text_free(&t);
  if (st) nacre_nn_descriptor_free(d);
  return st;
}

nacre_status nacre_nn_model_read_maise(const char *path, nacre_nn_model **out,
                                       nacre_error *err) {
  *out = NULL;
  text_file t;
  nacre_status st = text_read(path, &t, err);
  if (st) return st;
  nacre_nn_model *m = nacre_nn_model_new();
  if (!m) {
    text_free(&t);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "%s", path);
  }
  st = maise_parse(path, &t, m, err);
  text_free(&t);
  if (st) {
    nacre_nn_model_free(m);
    return st;
  }
  *out = m;
  return NACRE_OK;
}

/* ------------------------------------------------------------------ */
/* nacre JSON format                                                  */
/* ------------------------------------------------------------------ */

int nacre_nn_probe_json(const char *head, size_t len) {
  (void)len;
  while (*head && isspace((unsigned char)*head)) head++;
  return *head == '{' && strstr(head, "\"nacre-nn\"") != NULL;
}

static const char *act_name(nacre_nn_activation a) {
  return a == NACRE_NN_TANH ? "tanh" : "linear";
}

/* Numbers are written with 17 significant digits so every double reads
 * back bit for bit (cJSON's own printing accepts 15 digits when they come
 * within an epsilon). */
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

nacre_status nacre_nn_model_write(const nacre_nn_model *m, const char *path,
                                  nacre_error *err) {
  nacre_status st = nacre_nn_model_check(m, err);
  if (st) return st;
  cJSON *root = cJSON_CreateObject();
  if (!root) return nacre_error_set(err, NACRE_ERR_NOMEM, "%s", path);
  cJSON_AddStringToObject(root, "format", "nacre-nn");
  add_number(root, "version", NACRE_NN_FORMAT_VERSION);
  cJSON *sp = cJSON_AddArrayToObject(root, "species");
  for (int s = 0; s < m->nspecies; s++) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "symbol", nacre_element_by_z(m->z[s])->symbol);
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
      cJSON_AddItemToArray(sym, cJSON_CreateString(nacre_element_by_z(m->z[a])->symbol));
      cJSON_AddItemToArray(sym, cJSON_CreateString(nacre_element_by_z(m->z[b])->symbol));
      cJSON_AddItemToObjectCS(p, "pair", sym);
      cJSON_AddItemToArray(pairs, p);
    }
  add_number(desc, "dim", m->desc.dim);
  cJSON *norm = cJSON_AddArrayToObject(root, "normalization");
  size_t D = (size_t)m->desc.dim;
  for (int s = 0; s < m->nspecies; s++) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "species", nacre_element_by_z(m->z[s])->symbol);
    cJSON_AddItemToObject(o, "min", number_array(m->input_min + s * D, D));
    cJSON_AddItemToObject(o, "scale", number_array(m->input_scale + s * D, D));
    cJSON_AddItemToArray(norm, o);
  }
  cJSON *nets = cJSON_AddArrayToObject(root, "networks");
  for (int s = 0; s < m->nspecies; s++) {
    const nacre_nn_network *n = &m->net[s];
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "species", nacre_element_by_z(m->z[s])->symbol);
    cJSON *layers = cJSON_AddArrayToObject(o, "layers");
    for (int l = 0; l < n->nlayers; l++)
      cJSON_AddItemToArray(layers, json_number(n->size[l]));
    cJSON *acts = cJSON_AddArrayToObject(o, "activations");
    for (int l = 0; l + 1 < n->nlayers; l++)
      cJSON_AddItemToArray(acts, cJSON_CreateString(act_name(n->act[l])));
    cJSON_AddStringToObject(o, "weight_layout", "per layer: W[out][in] row-major, then b[out]");
    cJSON_AddItemToObject(o, "weights", number_array(n->weights, n->nweights));
    cJSON_AddItemToArray(nets, o);
  }
  cJSON *rep = cJSON_AddObjectToObject(root, "repulsion");
  cJSON_AddBoolToObject(rep, "enabled", m->repulsion != 0);
  add_number(rep, "u_ev", m->repulsion_u);
  cJSON *rad = cJSON_AddObjectToObject(rep, "radius_a");
  for (int s = 0; s < m->nspecies; s++)
    add_number(rad, nacre_element_by_z(m->z[s])->symbol,
                            m->repulsion_radius[s]);
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
  char *text = cJSON_Print(root);
  cJSON_Delete(root);
  if (!text) return nacre_error_set(err, NACRE_ERR_NOMEM, "%s", path);
  size_t plen = strlen(path) + 5;
  char *tmp = malloc(plen);
  if (!tmp) {
    free(text);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "%s", path);
  }
  snprintf(tmp, plen, "%s.tmp", path);
  FILE *f = fopen(tmp, "wb");
  int ok = f && fputs(text, f) >= 0 && fputc('\n', f) != EOF;
  if (f && fclose(f)) ok = 0;
  free(text);
  if (!ok || rename(tmp, path)) {
    remove(tmp);
    free(tmp);
    return nacre_error_set(err, NACRE_ERR_IO, "%s: cannot write: %s", path,
                           strerror(errno));
  }
  free(tmp);
  return NACRE_OK;
}

/* JSON reading helpers: every error names the file and the key path. */
typedef struct {
  const char *path;
  nacre_error *err;
} jctx;

static nacre_status jfail(const jctx *c, const char *what, const char *fmt,
                          const char *key) {
  char msg[256];
  snprintf(msg, sizeof msg, fmt, key);
  return nacre_error_set(c->err, NACRE_ERR_PARSE, "%s: %s: %s", c->path, what,
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

static nacre_status json_model(const jctx *c, const cJSON *root,
                               nacre_nn_model *m) {
  nacre_status st;
  double ver = 0.0;
  const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(root, "format");
  if (!cJSON_IsString(fmt) || strcmp(fmt->valuestring, "nacre-nn"))
    return jfail(c, "top level", "'%s' must be \"nacre-nn\"", "format");
  if ((st = jnum(c, root, "top level", "version", &ver))) return st;
  if (ver != 1.0)
    return nacre_error_set(c->err, NACRE_ERR_UNSUPPORTED,
                           "%s: format version %g (this nacre reads 1)",
                           c->path, ver);
  const cJSON *sp = cJSON_GetObjectItemCaseSensitive(root, "species");
  int ns = cJSON_IsArray(sp) ? cJSON_GetArraySize(sp) : 0;
  if (ns < 1 || ns > NACRE_NN_MAX_SPECIES)
    return jfail(c, "species", "'%s' must list 1 to 8 species", "species");
  m->nspecies = ns;
  int s = 0;
  const cJSON *o;
  cJSON_ArrayForEach(o, sp) {
    double z = 0.0;
    if ((st = jnum(c, o, "species", "z", &z))) return st;
    m->z[s] = (int)z;
    if (z != m->z[s] || !nacre_element_by_z(m->z[s]))
      return jfail(c, "species", "'%s' is not an atomic number", "z");
    if ((st = jnum(c, o, "species", "reference_energy_ev", &m->ref_energy[s])))
      return st;
    s++;
  }
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
  cJSON_ArrayForEach(o, pairs) {
    nacre_nn_descriptor d = {0};
    st = json_descriptor(c, o, "descriptor.pairs", first ? &m->desc : &d);
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
  if ((st = nacre_nn_descriptor_init(&m->desc, c->err)))
    return nacre_error_prefix(c->err, "%s: ", c->path);
  size_t D = (size_t)m->desc.dim;
  m->input_min = calloc((size_t)ns * D, sizeof(double));
  m->input_scale = calloc((size_t)ns * D, sizeof(double));
  if (!m->input_min || !m->input_scale)
    return nacre_error_set(c->err, NACRE_ERR_NOMEM, "%s", c->path);
  const cJSON *norm = cJSON_GetObjectItemCaseSensitive(root, "normalization");
  if (!cJSON_IsArray(norm) || cJSON_GetArraySize(norm) != ns)
    return jfail(c, "normalization", "'%s' needs one entry per species",
                 "normalization");
  int seen[NACRE_NN_MAX_SPECIES] = {0};
  cJSON_ArrayForEach(o, norm) {
    int k = json_species_index(m, o, "species");
    if (k < 0 || seen[k]++)
      return jfail(c, "normalization", "'%s' names an unknown or repeated "
                   "species", "species");
    if ((st = jarray(c, o, "normalization", "min", m->input_min + k * D, D)) ||
        (st = jarray(c, o, "normalization", "scale", m->input_scale + k * D, D)))
      return st;
  }
  const cJSON *nets = cJSON_GetObjectItemCaseSensitive(root, "networks");
  if (!cJSON_IsArray(nets) || cJSON_GetArraySize(nets) != ns)
    return jfail(c, "networks", "'%s' needs one network per species",
                 "networks");
  memset(seen, 0, sizeof seen);
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
      if (cJSON_IsString(x) && !strcmp(x->valuestring, "tanh"))
        n->act[l++] = NACRE_NN_TANH;
      else if (cJSON_IsString(x) && !strcmp(x->valuestring, "linear"))
        n->act[l++] = NACRE_NN_LINEAR;
      else
        return jfail(c, "networks", "'%s' entries must be \"tanh\" or "
                     "\"linear\"", "activations");
    }
    if ((st = nacre_nn_network_init(n, c->err)))
      return nacre_error_prefix(c->err, "%s: ", c->path);
    if ((st = jarray(c, o, "networks", "weights", n->weights, n->nweights)))
      return st;
  }
  const cJSON *rep = cJSON_GetObjectItemCaseSensitive(root, "repulsion");
  if (rep) {
    const cJSON *en = cJSON_GetObjectItemCaseSensitive(rep, "enabled");
    if (!cJSON_IsBool(en))
      return jfail(c, "repulsion", "'%s' must be true or false", "enabled");
    m->repulsion = cJSON_IsTrue(en);
    if ((st = jnum(c, rep, "repulsion", "u_ev", &m->repulsion_u))) return st;
    const cJSON *rad = cJSON_GetObjectItemCaseSensitive(rep, "radius_a");
    for (int k = 0; k < ns; k++) {
      const char *sym = nacre_element_by_z(m->z[k])->symbol;
      if ((st = jnum(c, rad, "repulsion.radius_a", sym,
                     &m->repulsion_radius[k])))
        return st;
    }
  }
  const cJSON *pv = cJSON_GetObjectItemCaseSensitive(root, "provenance");
  if (pv) {
    nacre_nn_provenance *p = &m->prov;
    jstr(pv, "model_id", p->model_id, sizeof p->model_id);
    jstr(pv, "source", p->source, sizeof p->source);
    jstr(pv, "code", p->code, sizeof p->code);
    jstr(pv, "trained_on", p->trained_on, sizeof p->trained_on);
    jstr(pv, "dataset", p->dataset, sizeof p->dataset);
    double v;
    if (!jnum(c, pv, "", "train_energies", &v)) p->train_energies = (long)v;
    if (!jnum(c, pv, "", "test_energies", &v)) p->test_energies = (long)v;
    if (!jnum(c, pv, "", "train_forces", &v)) p->train_forces = (long)v;
    if (!jnum(c, pv, "", "test_forces", &v)) p->test_forces = (long)v;
    if (!jnum(c, pv, "", "train_energy_rmse_ev_atom", &v)) p->train_energy_rmse = v;
    if (!jnum(c, pv, "", "test_energy_rmse_ev_atom", &v)) p->test_energy_rmse = v;
    if (!jnum(c, pv, "", "train_force_rmse_ev_a", &v)) p->train_force_rmse = v;
    if (!jnum(c, pv, "", "test_force_rmse_ev_a", &v)) p->test_force_rmse = v;
    nacre_error_clear(c->err);
  }
  st = nacre_nn_model_check(m, c->err);
  if (st) return nacre_error_prefix(c->err, "%s: ", c->path);
  return NACRE_OK;
}

nacre_status nacre_nn_model_read_json(const char *path, nacre_nn_model **out,
                                      nacre_error *err) {
  *out = NULL;
  text_file t;
  nacre_status st = text_read(path, &t, err);
  if (st) return st;
  /* text_read split the text into lines; rejoin for the JSON parser */
  size_t total = 0;
  for (int k = 0; k < t.nlines; k++) total += strlen(t.line[k]) + 1;
  char *buf = malloc(total + 1), *p = buf;
  if (!buf) {
    text_free(&t);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "%s", path);
  }
  for (int k = 0; k < t.nlines; k++) {
    size_t n = strlen(t.line[k]);
    memcpy(p, t.line[k], n);
    p += n;
    *p++ = '\n';
  }
  *p = '\0';
  text_free(&t);
  const char *end = NULL;
  cJSON *root = cJSON_ParseWithOpts(buf, &end, 0);
  if (!root) {
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
    return nacre_error_set(err, NACRE_ERR_PARSE,
                           "%s:%d:%d: malformed JSON", path, line, col);
  }
  free(buf);
  nacre_nn_model *m = nacre_nn_model_new();
  if (!m) {
    cJSON_Delete(root);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "%s", path);
  }
  jctx c = {path, err};
  st = json_model(&c, root, m);
  cJSON_Delete(root);
  if (st) {
    nacre_nn_model_free(m);
    return st;
  }
  *out = m;
  return NACRE_OK;
}

nacre_status nacre_nn_model_read(const char *path, nacre_nn_model **out,
                                 nacre_error *err) {
  *out = NULL;
  FILE *f = fopen(path, "rb");
  if (!f)
    return nacre_error_set(err, NACRE_ERR_IO, "%s: cannot open: %s", path,
                           strerror(errno));
  char head[4096];
  size_t len = fread(head, 1, sizeof head - 1, f);
  head[len] = '\0';
  fclose(f);
  if (nacre_nn_probe_json(head, len)) return nacre_nn_model_read_json(path, out, err);
  if (nacre_nn_probe_maise(head, len))
    return nacre_nn_model_read_maise(path, out, err);
  return nacre_error_set(err, NACRE_ERR_PARSE,
                         "%s:1: neither a MAISE model nor a nacre-nn JSON "
                         "model",
                         path);
}
