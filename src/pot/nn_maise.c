/* nn_maise.c — MAISE's model files side by side: the reader (layout and
 * evaluation rules in ../shared/data/maise/SPEC.md), the writer, the
 * descriptor `basis` block, and MAISE's default 30-function basis. Every
 * number is parsed strictly and every count is checked both ways, so a
 * damaged file is refused with FILE:LINE and the reason. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "nacre/io.h"
#include "nacre/nn.h"
#include "nn_internal.h"

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

static nacre_status maise_basis(const char *path, nn_text *t, int at,
                                int nspecies, nacre_nn_descriptor *d,
                                nacre_error *err) {
  /* at: index of the "B2A Scaling" line */
  int ln = at + 1;
  double v[16];
  if (ln >= t->nlines || nn_parse_doubles(t->line[ln], v, 2) != 2)
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
    if (nn_blank(L)) {
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
    while (ln < t->nlines && nn_blank(t->line[ln])) ln++;
    if (ln >= t->nlines)
      return nacre_error_set(err, NACRE_ERR_PARSE,
                             "%s:%d: missing the '%s' parameter line", path,
                             ln + 1, names[q]);
    char name[16];
    int cnt, used;
    if (sscanf(t->line[ln], "%15s %d%n", name, &cnt, &used) != 2 ||
        strcmp(name, names[q]) || cnt < 1 || cnt > 64 ||
        nn_parse_doubles(t->line[ln] + used, par[q], 64) != cnt)
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

/* A banner value "0.000807  eV/atom": one number, then at most a unit. */
static nacre_status maise_value(const char *path, int ln, const char *val,
                                double *out, nacre_error *err) {
  char num[64];
  size_t n = strcspn(val, " \t");
  const char *rest = val + n;
  while (*rest == ' ' || *rest == '\t') rest++;
  double v;
  if (n == 0 || n >= sizeof num || (*rest && !isalpha((unsigned char)*rest)))
    goto bad;
  memcpy(num, val, n);
  num[n] = '\0';
  if (nn_parse_doubles(num, &v, 1) != 1) goto bad;
  *out = v;
  return NACRE_OK;
bad:
  return nacre_error_set(err, NACRE_ERR_PARSE,
                         "%s:%d: '%s' is not a number (with an optional unit)",
                         path, ln + 1, val);
}

static nacre_status maise_count(const char *path, int ln, const char *val,
                                long *out, nacre_error *err) {
  int v;
  if (nn_parse_int(val, &v) || v < 0)
    return nacre_error_set(err, NACRE_ERR_PARSE,
                           "%s:%d: '%s' is not a count", path, ln + 1, val);
  *out = v;
  return NACRE_OK;
}

static nacre_status maise_parse(const char *path, nn_text *t,
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
      if (nn_parse_int(val, &nspc) || nspc < 1 ||
          nspc > NACRE_NN_MAX_SPECIES)
        return nacre_error_set(err, NACRE_ERR_PARSE,
                               "%s:%d: number of species '%s' (1 to %d "
                               "supported)",
                               path, ln + 1, val, NACRE_NN_MAX_SPECIES);
    } else if (!strcmp(key, "species types")) {
      zline = ln;
      double z[NACRE_NN_MAX_SPECIES + 1];
      int nz = nn_parse_doubles(val, z, NACRE_NN_MAX_SPECIES);
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
      if (nn_parse_int(val, &nl) || nl < 2 || nl > NACRE_NN_MAX_LAYERS)
        return nacre_error_set(err, NACRE_ERR_PARSE,
                               "%s:%d: number of layers '%s'", path, ln + 1,
                               val);
    } else if (!strcmp(key, "architecture")) {
      double a[NACRE_NN_MAX_LAYERS + 1];
      narch = nn_parse_doubles(val, a, NACRE_NN_MAX_LAYERS);
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
      if (nn_parse_int(val, &nw) || nw < 1)
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
      if (maise_count(path, ln, val, &p->train_energies, err)) return err->status;
    } else if (!strcmp(key, "test  energy data")) {
      if (maise_count(path, ln, val, &p->test_energies, err)) return err->status;
    } else if (!strcmp(key, "train force  data")) {
      if (maise_count(path, ln, val, &p->train_forces, err)) return err->status;
    } else if (!strcmp(key, "test  force  data")) {
      if (maise_count(path, ln, val, &p->test_forces, err)) return err->status;
    } else if (!strcmp(key, "total structures")) {
      snprintf(p->dataset, sizeof p->dataset, "%.200s structures", val);
    } else if (!strncmp(key, "train energy error", 18)) {
      if (maise_value(path, ln, val, &p->train_energy_rmse, err)) return err->status;
    } else if (!strncasecmp(key, "test  energy error", 18)) {
      if (maise_value(path, ln, val, &p->test_energy_rmse, err)) return err->status;
    } else if (!strncmp(key, "train force  error", 18)) {
      if (maise_value(path, ln, val, &p->train_force_rmse, err)) return err->status;
    } else if (!strncasecmp(key, "test  force  error", 18)) {
      if (maise_value(path, ln, val, &p->test_force_rmse, err)) return err->status;
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
  if ((st = nacre_nn_model_alloc_inputs(m, err)) ||
      (st = nacre_nn_domain_alloc(m, err)))
    return st;
  int ln = range_at + 1;
  size_t got = 0;
  for (; ln < weights_at; ln++) {
    const char *L = t->line[ln];
    if (nn_blank(L) || strstr(L, "---") || strstr(L, "minimum") ||
        strstr(L, "neural network weights"))
      continue;
    double v[3];
    if (nn_parse_doubles(L, v, 3) != 3)
      return nacre_error_set(err, NACRE_ERR_PARSE,
                             "%s:%d: expected 'minimum maximum range'", path,
                             ln + 1);
    if (got == nin)
      return nacre_error_set(err, NACRE_ERR_PARSE,
                             "%s:%d: more input-range rows than the %zu "
                             "(species × components) the header implies",
                             path, ln + 1, nin);
    m->input_min[got] = v[0];
    m->input_scale[got] = v[2];
    m->domain.g_min[got] = v[0];
    m->domain.g_max[got] = v[1];
    got++;
  }
  if (got != nin)
    return nacre_error_set(err, NACRE_ERR_PARSE,
                           "%s:%d: %zu input-range rows, expected %zu", path,
                           ln + 1, got, nin);
  m->domain.source = NACRE_NN_DOMAIN_MAISE;
  for (int s = 0; s < nspc; s++) m->domain.atoms[s] = -1;
  /* weights, species-major; per species all biases first then matrices */
  double *w = malloc((size_t)nw * sizeof(double));
  if (!w) return nacre_error_set(err, NACRE_ERR_NOMEM, "%s", path);
  got = 0;
  for (ln = weights_at + 1; ln < basis_at; ln++) {
    const char *L = t->line[ln];
    if (nn_blank(L) || strstr(L, "---")) continue;
    double x;
    if (nn_parse_doubles(L, &x, 1) != 1) {
      free(w);
      return nacre_error_set(err, NACRE_ERR_PARSE,
                             "%s:%d: expected one weight per line", path,
                             ln + 1);
    }
    if (got == (size_t)nw) {
      free(w);
      return nacre_error_set(err, NACRE_ERR_PARSE,
                             "%s:%d: more weights than the %d the header "
                             "says",
                             path, ln + 1, nw);
    }
    w[got++] = x;
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
  nacre_nn_model_set_maise_repulsion(m);
  /* MAISE declares pairs closer than its repulsion range unphysical */
  for (int a = 0; a < nspc; a++)
    for (int b = 0; b < nspc; b++)
      m->domain.pair_min[a][b] = m->repulsion_radius[a] + m->repulsion_radius[b];
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
  nn_text t;
  nacre_status st = nn_text_read(path, &t, err);
  if (st) return st;
  int at = 0;
  while (at < t.nlines && !strstr(t.line[at], "B2A")) at++;
  if (at == t.nlines)
    st = nacre_error_set(err, NACRE_ERR_PARSE,
                         "%s:1: no 'B2A Scaling' line: not a MAISE basis",
                         path);
  else
    st = maise_basis(path, &t, at, nspecies, d, err);
  nn_text_free(&t);
  if (st) nacre_nn_descriptor_free(d);
  return st;
}

nacre_status nacre_nn_model_read_maise(const char *path, nacre_nn_model **out,
                                       nacre_error *err) {
  *out = NULL;
  nn_text t;
  nacre_status st = nn_text_read(path, &t, err);
  if (st) return st;
  nacre_nn_model *m = nacre_nn_model_new();
  if (!m) {
    nn_text_free(&t);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "%s", path);
  }
  st = maise_parse(path, &t, m, err);
  nn_text_free(&t);
  if (st) {
    nacre_nn_model_free(m);
    return st;
  }
  *out = m;
  return NACRE_OK;
}


/* ------------------------------------------------------------------ */
/* MAISE's default basis                                              */
/* ------------------------------------------------------------------ */

/* MAISE's Cu-Ag basis (examples/04-prs/basis of MAISE's distribution, as
 * described in ../shared/data/maise/SPEC.md): parameters in units of
 * s = B2A·scaling with Rc = 11.338 s. G4 rows give (η index, ζ index, λ). */
static const double maise_n1[8] = {0.001, 0.01, 0.02, 0.035, 0.06, 0.1, 0.2, 0.4};
static const double maise_n2[7] = {0.0001, 0.003, 0.008, 0.015, 0.025, 0.045, 0.08};
static const double maise_zeta[4] = {1, 2, 4, 16};
static const int maise_g4[22][3] = {
    {0, 0, -1}, {0, 0, 1}, {0, 1, -1}, {0, 1, 1}, {1, 0, -1}, {1, 0, 1}, {1, 1, -1},
    {1, 1, 1},  {2, 0, 1}, {2, 1, 1},  {3, 0, 1}, {3, 1, 1},  {3, 2, 1}, {3, 3, 1},
    {4, 0, 1},  {4, 1, 1}, {4, 2, 1},  {4, 3, 1}, {5, 0, 1},  {5, 1, 1}, {5, 2, 1},
    {5, 3, 1}};
#define MAISE_RC_UNITS 11.338

nacre_status nacre_nn_descriptor_maise_default(double rc, int nspecies,
                                               nacre_nn_descriptor *d,
                                               nacre_error *err) {
  memset(d, 0, sizeof *d);
  if (!(rc > 0.5 && rc < 50))
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "maise:rc=%g: cutoff out of range (0.5 to 50 Å)", rc);
  double s = rc / MAISE_RC_UNITS;
  d->nspecies = nspecies;
  d->cutoff = rc;
  d->ng2 = 8;
  d->ng4 = 22;
  d->g2 = malloc(8 * sizeof *d->g2);
  d->g4 = malloc(22 * sizeof *d->g4);
  if (!d->g2 || !d->g4) {
    nacre_nn_descriptor_free(d);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "MAISE basis");
  }
  for (int k = 0; k < 8; k++) {
    d->g2[k].eta = maise_n1[k] / (s * s);
    d->g2[k].rs = 0;
  }
  for (int k = 0; k < 22; k++) {
    d->g4[k].eta = maise_n2[maise_g4[k][0]] / (s * s);
    d->g4[k].zeta = maise_zeta[maise_g4[k][1]];
    d->g4[k].lambda = maise_g4[k][2];
  }
  nacre_status st = nacre_nn_descriptor_init(d, err);
  if (st) nacre_nn_descriptor_free(d);
  return st;
}

/* ------------------------------------------------------------------ */
/* Writer                                                             */
/* ------------------------------------------------------------------ */

nacre_status nacre_nn_model_maise_compatible(const nacre_nn_model *m,
                                             nacre_error *err) {
  const nacre_nn_network *n0 = &m->net[0];
  if (m->baseline[0])
    return nacre_error_set(err, NACRE_ERR_UNSUPPORTED,
                           "MAISE model files hold no baseline (this model "
                           "adds '%s')",
                           m->baseline);
  for (int s = 0; s < m->nspecies; s++) {
    const nacre_nn_network *n = &m->net[s];
    if (n->nlayers != 4 || n->act[0] != NACRE_NN_TANH ||
        n->act[1] != NACRE_NN_TANH || n->act[2] != NACRE_NN_LINEAR)
      return nacre_error_set(err, NACRE_ERR_UNSUPPORTED,
                             "MAISE model files hold two tanh hidden layers "
                             "and a linear output (4 layers); species %d has "
                             "%d layers (%s hidden)",
                             s + 1, n->nlayers,
                             nacre_nn_activation_name(n->act[0]));
    for (int l = 0; l < 4; l++)
      if (n->size[l] != n0->size[l])
        return nacre_error_set(err, NACRE_ERR_UNSUPPORTED,
                               "MAISE model files need one architecture for "
                               "every species");
  }
  if (m->desc.ng2 + m->desc.ng4 > 512)
    return nacre_error_set(err, NACRE_ERR_UNSUPPORTED,
                           "MAISE model files hold at most 512 symmetry "
                           "functions (%d here)",
                           m->desc.ng2 + m->desc.ng4);
  int rep_ok = m->repulsion && m->repulsion_u == 100.0;
  for (int s = 0; rep_ok && s < m->nspecies; s++)
    rep_ok = m->repulsion_radius[s] == nacre_nn_maise_mindist(m->z[s]);
  if (!rep_ok)
    return nacre_error_set(err, NACRE_ERR_UNSUPPORTED,
                           "MAISE adds its short-range repulsion (U = 100 eV, "
                           "its per-element radii) to every model file, and "
                           "this model does not include it: the MAISE file "
                           "would give other energies (train with the "
                           "repulsion on: nacre train --maise)");
  return NACRE_OK;
}

/* index of v in list (appended when absent) */
static int list_index(double *list, int *n, double v) {
  for (int k = 0; k < *n; k++)
    if (list[k] == v) return k;
  list[*n] = v;
  return (*n)++;
}

static void banner(FILE *fp, const char *title) {
  int pad = 75 - (int)strlen(title);
  fprintf(fp, "-----------------------------------------------------------------------------\n");
  fprintf(fp, "|%*s%s%*s|\n", pad / 2, "", title, pad - pad / 2, "");
  fprintf(fp, "-----------------------------------------------------------------------------\n");
}

static void row(FILE *fp, const char *key, const char *val) {
  fprintf(fp, "|  %-21s|  %-49s|\n", key, val);
}

static void row_number(FILE *fp, const char *key, double v, const char *unit) {
  char buf[64], t[NACRE_DOUBLE_TEXT];
  nacre_format_double(v, t);
  snprintf(buf, sizeof buf, "%s%s%s", t, unit ? "  " : "", unit ? unit : "");
  row(fp, key, buf);
}

/* MAISE's per-species weight order: all biases (b0, b1, b2), then W0, W1,
 * W2 row-major. The input minimum is folded into b0 (MAISE measures inputs
 * from 0) and the reference energy into b2. */
static void maise_weights(const nacre_nn_model *m, int s, double *out) {
  const nacre_nn_network *n = &m->net[s];
  int D = m->desc.dim;
  const double *mn = m->input_min + (size_t)s * D, *sc = m->input_scale + (size_t)s * D;
  size_t pos = 0;
  for (int l = 0; l < 3; l++) {
    int no = n->size[l + 1], ni = n->size[l];
    const double *W = n->weights + n->woffset[l], *b = W + (size_t)no * ni;
    for (int o = 0; o < no; o++) {
      double v = b[o];
      if (l == 0) { /* W0 (G − min)·r + b0 = W0 (G·r) + (b0 − W0 (min·r)) */
        double shift = 0;
        for (int c = 0; c < D; c++) shift += W[(size_t)o * ni + c] * mn[c] * sc[c];
        v -= shift;
      }
      if (l == 2) v += m->ref_energy[s];
      out[pos++] = v;
    }
  }
  for (int l = 0; l < 3; l++) {
    size_t cnt = (size_t)n->size[l + 1] * n->size[l];
    memcpy(out + pos, n->weights + n->woffset[l], cnt * sizeof *out);
    pos += cnt;
  }
}

static void write_basis(FILE *fp, const nacre_nn_descriptor *D) {
  double rs[512], n1[512], n2[512], z[512], l[512];
  int nrs = 0, nn1 = 0, nn2 = 0, nz = 0, nlm = 0;
  fprintf(fp, "  B2A          Scaling\n  1.0  1.0\n\n  N  GN  Rc  Rs   n1  n2  k   z   l\n\n");
  int nrow = 0;
  for (int g = 0; g < D->ng2; g++) {
    int r[9] = {++nrow, 2, 0, list_index(rs, &nrs, D->g2[g].rs),
                list_index(n1, &nn1, D->g2[g].eta), 0, 0, 0, 0};
    for (int q = 0; q < 9; q++) fprintf(fp, " %3d", r[q]);
    fputc('\n', fp);
  }
  for (int g = 0; g < D->ng4; g++) {
    int r[9] = {++nrow, 4, 0, 0, 0, list_index(n2, &nn2, D->g4[g].eta), 0,
                list_index(z, &nz, D->g4[g].zeta),
                list_index(l, &nlm, D->g4[g].lambda)};
    for (int q = 0; q < 9; q++) fprintf(fp, " %3d", r[q]);
    fputc('\n', fp);
  }
  if (!nrs) rs[nrs++] = 0;
  if (!nn1) n1[nn1++] = 0;
  if (!nn2) n2[nn2++] = 0;
  if (!nz) z[nz++] = 1;
  if (!nlm) l[nlm++] = 1;
  char t[NACRE_DOUBLE_TEXT];
  nacre_format_double(D->cutoff, t);
  fprintf(fp, "\n Rc   1   %s\n", t);
  const char *names[6] = {"Rs", "n1", "n2", "k ", "z ", "l "};
  double one = 1.0;
  const double *lists[6] = {rs, n1, n2, &one, z, l};
  int counts[6] = {nrs, nn1, nn2, 1, nz, nlm};
  for (int q = 0; q < 6; q++) {
    fprintf(fp, " %s   %d", names[q], counts[q]);
    for (int k = 0; k < counts[q]; k++) {
      nacre_format_double(lists[q][k], t);
      fprintf(fp, "   %s", t);
    }
    fputc('\n', fp);
  }
}

nacre_status nacre_nn_model_write_maise(const nacre_nn_model *m,
                                        const char *path, nacre_error *err) {
  nacre_status st = nacre_nn_model_check(m, err);
  if (!st) st = nacre_nn_model_maise_compatible(m, err);
  if (st) return nacre_error_prefix(err, "%s: ", path);
  const nacre_nn_network *n0 = &m->net[0];
  int S = m->nspecies, D = m->desc.dim;
  size_t per = n0->nweights;
  double *w = malloc((size_t)S * per * sizeof *w);
  if (!w) return nacre_error_set(err, NACRE_ERR_NOMEM, "%s", path);
  for (int s = 0; s < S; s++) maise_weights(m, s, w + (size_t)s * per);
  nacre_atomic_file af;
  if ((st = nacre_atomic_open(&af, path, err))) {
    free(w);
    return st;
  }
  FILE *fp = af.fp;
  char buf[128];
  const nacre_nn_provenance *p = &m->prov;
  banner(fp, "neural network general information");
  row(fp, "model unique ID", p->model_id[0] ? p->model_id : "nacre");
  snprintf(buf, sizeof buf, "%d", S);
  row(fp, "number of species", buf);
  size_t o = 0;
  for (int s = 0; s < S; s++)
    o += (size_t)snprintf(buf + o, sizeof buf - o, "%s%d", s ? " " : "", m->z[s]);
  row(fp, "species types", buf);
  o = 0;
  for (int s = 0; s < S; s++)
    o += (size_t)snprintf(buf + o, sizeof buf - o, "%s%s", s ? " " : "",
                          nacre_element_by_z(m->z[s])->symbol);
  row(fp, "species names", buf);
  row(fp, "number of layers", "4");
  snprintf(buf, sizeof buf, "%d %d %d %d", n0->size[0], n0->size[1], n0->size[2],
           n0->size[3]);
  row(fp, "architecture", buf);
  snprintf(buf, sizeof buf, "%zu", (size_t)S * per);
  row(fp, "number of weights", buf);
  row(fp, "reference", p->source[0] ? p->source : "nacre");
  banner(fp, "data information");
  if (p->train_energies >= 0) {
    snprintf(buf, sizeof buf, "%ld", p->train_energies);
    row(fp, "train energy data", buf);
  }
  if (p->test_energies >= 0) {
    snprintf(buf, sizeof buf, "%ld", p->test_energies);
    row(fp, "test  energy data", buf);
  }
  banner(fp, "training details");
  row(fp, "maise version", p->code[0] ? p->code : "nacre");
  if (p->trained_on[0]) row(fp, "trained on", p->trained_on);
  banner(fp, "performance");
  if (p->train_energy_rmse >= 0) row_number(fp, "train energy error", p->train_energy_rmse, "eV/atom");
  if (p->test_energy_rmse >= 0) row_number(fp, "test  energy error", p->test_energy_rmse, "eV/atom");
  if (p->train_force_rmse >= 0) row_number(fp, "train force  error", p->train_force_rmse, "eV/Ang");
  if (p->test_force_rmse >= 0) row_number(fp, "test  force  error", p->test_force_rmse, "eV/Ang");
  banner(fp, "input component range");
  fprintf(fp, "        minimum                    maximum                     range\n");
  /* minimum 0 (folded into the biases), the largest value of the training
   * data as MAISE records it, and the scale to 17 digits so that the file
   * reproduces the model exactly */
  for (size_t k = 0; k < (size_t)S * D; k++) {
    double r = m->input_scale[k];
    double mx = m->domain.g_max && isfinite(m->domain.g_max[k]) ? m->domain.g_max[k]
                : r > 0 ? m->input_min[k] + 1.0 / r
                        : m->input_min[k];
    fprintf(fp, "  %20.16f  %24.16f  %24.17g\n", 0.0, mx, r);
  }
  banner(fp, "neural network weights");
  for (size_t k = 0; k < (size_t)S * per; k++) fprintf(fp, "  %.17g\n", w[k]);
  free(w);
  fprintf(fp, "-----------------------------------------------------------------------------\n");
  write_basis(fp, &m->desc);
  return nacre_atomic_commit(&af, err);
}
