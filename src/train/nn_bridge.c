/* nn_bridge.c — the nn module's Behler-Parrinello descriptors as a
 * training featurizer (per-neighbour derivatives assembled into the sparse
 * per-atom-pair storage), the default descriptor set, and the export of a
 * trained model to the nn module's model (JSON) and to MAISE's file. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nacre/neigh.h"
#include "nacre/nn.h"
#include "nacre/train.h"
#include "train_internal.h"

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

void train_default_descriptors(double rc, char *spec, size_t len) {
  snprintf(spec, len, "maise:rc=%g", rc);
}

static nacre_status maise_default(double rc, int nspecies, nacre_nn_descriptor *d,
                                  nacre_error *err) {
  memset(d, 0, sizeof *d);
  double s = rc / MAISE_RC_UNITS;
  d->nspecies = nspecies;
  d->cutoff = rc;
  d->ng2 = 8;
  d->ng4 = 22;
  d->g2 = malloc(8 * sizeof *d->g2);
  d->g4 = malloc(22 * sizeof *d->g4);
  if (!d->g2 || !d->g4) {
    nacre_nn_descriptor_free(d);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
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

/* "bp:rc=R;g2=η:rs,...;g4=η:ζ:λ,..." */
static nacre_status parse_bp(const char *spec, int nspecies, nacre_nn_descriptor *d,
                             nacre_error *err) {
  memset(d, 0, sizeof *d);
  const char *p = spec + 3;
  char *end;
  if (strncmp(p, "rc=", 3)) goto bad;
  d->cutoff = strtod(p + 3, &end);
  p = end;
  if (strncmp(p, ";g2=", 4)) goto bad;
  p += 4;
  size_t cap2 = 16, cap4 = 16;
  d->g2 = malloc(cap2 * sizeof *d->g2);
  d->g4 = malloc(cap4 * sizeof *d->g4);
  if (!d->g2 || !d->g4) goto nomem;
  while (*p && *p != ';') {
    if ((size_t)d->ng2 == cap2) {
      cap2 *= 2;
      void *q = realloc(d->g2, cap2 * sizeof *d->g2);
      if (!q) goto nomem;
      d->g2 = q;
    }
    nacre_nn_g2 *g = &d->g2[d->ng2];
    g->eta = strtod(p, &end);
    if (end == p || *end != ':') goto bad;
    p = end + 1;
    g->rs = strtod(p, &end);
    if (end == p) goto bad;
    p = end;
    d->ng2++;
    if (*p == ',') p++;
  }
  if (strncmp(p, ";g4=", 4)) goto bad;
  p += 4;
  while (*p) {
    if ((size_t)d->ng4 == cap4) {
      cap4 *= 2;
      void *q = realloc(d->g4, cap4 * sizeof *d->g4);
      if (!q) goto nomem;
      d->g4 = q;
    }
    nacre_nn_g4 *g = &d->g4[d->ng4];
    g->eta = strtod(p, &end);
    if (end == p || *end != ':') goto bad;
    p = end + 1;
    g->zeta = strtod(p, &end);
    if (end == p || *end != ':') goto bad;
    p = end + 1;
    g->lambda = strtod(p, &end);
    if (end == p) goto bad;
    p = end;
    d->ng4++;
    if (*p == ',') p++;
    else if (*p) goto bad;
  }
  d->nspecies = nspecies;
  nacre_status st = nacre_nn_descriptor_init(d, err);
  if (st) nacre_nn_descriptor_free(d);
  return st;
bad:
  nacre_nn_descriptor_free(d);
  return nacre_error_set(err, NACRE_ERR_PARSE,
                         "descriptor spec '%.60s...' is not "
                         "bp:rc=R;g2=eta:rs,...;g4=eta:zeta:lambda,...",
                         spec);
nomem:
  nacre_nn_descriptor_free(d);
  return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
}

static void bp_spec(const nacre_nn_descriptor *d, char *spec, size_t len) {
  char a[NACRE_DOUBLE_TEXT], b[NACRE_DOUBLE_TEXT], c[NACRE_DOUBLE_TEXT];
  nacre_format_double(d->cutoff, a);
  size_t o = (size_t)snprintf(spec, len, "bp:rc=%s;g2=", a);
  for (int k = 0; k < d->ng2 && o < len; k++) {
    nacre_format_double(d->g2[k].eta, a);
    nacre_format_double(d->g2[k].rs, b);
    o += (size_t)snprintf(spec + o, len - o, "%s%s:%s", k ? "," : "", a, b);
  }
  if (o < len) o += (size_t)snprintf(spec + o, len - o, ";g4=");
  for (int k = 0; k < d->ng4 && o < len; k++) {
    nacre_format_double(d->g4[k].eta, a);
    nacre_format_double(d->g4[k].zeta, b);
    nacre_format_double(d->g4[k].lambda, c);
    o += (size_t)snprintf(spec + o, len - o, "%s%s:%s:%s", k ? "," : "", a, b, c);
  }
}

typedef struct bp_feat {
  nacre_nn_descriptor d;
} bp_feat;

static void bp_free(void *self) {
  bp_feat *b = self;
  if (!b) return;
  nacre_nn_descriptor_free(&b->d);
  free(b);
}

static nacre_status bp_compute(const void *self, const nacre_structure *s, int nspecies,
                               const int *species_z, nacre_features *out, nacre_error *err) {
  const nacre_nn_descriptor *D = &((const bp_feat *)self)->d;
  int n = s->natoms, dim = D->dim;
  nacre_status st = NACRE_OK;
  if (nspecies != D->nspecies)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "descriptors built for %d species, model has %d", D->nspecies,
                           nspecies);
  int *spc;
  st = train_species_index(s, nspecies, species_z, nspecies, &spc, err);
  if (st) return st;
  nacre_neighbor_list *nl = nacre_nl_new(D->cutoff, 0.0, err);
  double *rij = NULL, *dG = NULL;
  int *nsp = NULL, *nj = NULL;
  train_fasm A;
  int fasm_open = 0;
  if (!nl) {
    free(spc);
    return err ? err->status : NACRE_ERR_NOMEM;
  }
  if ((st = nacre_nl_update(nl, s, NULL, err))) goto done;
  size_t maxn = 1;
  for (int i = 0; i < n; i++)
    if (nl->offsets[i + 1] - nl->offsets[i] > maxn) maxn = nl->offsets[i + 1] - nl->offsets[i];
  rij = malloc(3 * maxn * sizeof *rij);
  nsp = malloc(maxn * sizeof *nsp);
  nj = malloc(maxn * sizeof *nj);
  dG = malloc(maxn * (size_t)dim * 3 * sizeof *dG);
  if (!rij || !nsp || !nj || !dG) {
    st = nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory for descriptors");
    goto done;
  }
  if ((st = train_fasm_begin(&A, out, n, dim, err))) goto done;
  fasm_open = 1;
  for (int i = 0; i < n; i++) {
    if ((st = train_fasm_centre(&A, i, err))) goto done;
    int cnt = 0;
    for (size_t e = nl->offsets[i]; e < nl->offsets[i + 1]; e++) {
      double r[3];
      nacre_nl_vector(nl, s, i, e, r);
      double d2 = r[0] * r[0] + r[1] * r[1] + r[2] * r[2];
      if (d2 >= D->cutoff * D->cutoff || d2 == 0) continue;
      memcpy(&rij[3 * cnt], r, sizeof r);
      nsp[cnt] = spc[nl->j[e]];
      nj[cnt] = nl->j[e];
      cnt++;
    }
    nacre_nn_descriptor_atom(D, spc[i], cnt, rij, nsp, out->g + (size_t)i * dim, dG);
    float *vir = out->vir + (size_t)i * 6 * dim;
    if (!train_fasm_entry(&A, i, err)) {
      st = NACRE_ERR_NOMEM;
      goto done;
    }
    for (int q = 0; q < cnt; q++) {
      float *dj = train_fasm_entry(&A, nj[q], err);
      if (!dj) {
        st = NACRE_ERR_NOMEM;
        goto done;
      }
      float *di = out->dg + out->offsets[i] * 3 * (size_t)dim; /* self entry comes first */
      const double *g = dG + (size_t)q * dim * 3, *r = &rij[3 * q];
      for (int l = 0; l < dim; l++) {
        double gx = g[3 * l], gy = g[3 * l + 1], gz = g[3 * l + 2];
        dj[l] += (float)gx;
        dj[dim + l] += (float)gy;
        dj[2 * dim + l] += (float)gz;
        di[l] -= (float)gx;
        di[dim + l] -= (float)gy;
        di[2 * dim + l] -= (float)gz;
        /* sym(r ⊗ ∂G/∂r), Voigt xx yy zz yz xz xy */
        vir[l] += (float)(r[0] * gx);
        vir[dim + l] += (float)(r[1] * gy);
        vir[2 * dim + l] += (float)(r[2] * gz);
        vir[3 * dim + l] += (float)(0.5 * (r[1] * gz + r[2] * gy));
        vir[4 * dim + l] += (float)(0.5 * (r[0] * gz + r[2] * gx));
        vir[5 * dim + l] += (float)(0.5 * (r[0] * gy + r[1] * gx));
      }
    }
  }
  train_fasm_end(&A);
  fasm_open = 0;
done:
  if (fasm_open) train_fasm_abort(&A);
  nacre_nl_free(nl);
  free(spc);
  free(rij);
  free(nsp);
  free(nj);
  free(dG);
  return st;
}

static nacre_status featurizer_from_descriptor(nacre_nn_descriptor *d, nacre_featurizer *out,
                                               nacre_error *err) {
  memset(out, 0, sizeof *out);
  bp_feat *b = calloc(1, sizeof *b);
  if (!b) {
    nacre_nn_descriptor_free(d);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  }
  b->d = *d;
  memset(d, 0, sizeof *d);
  out->dim = b->d.dim;
  out->cutoff = b->d.cutoff;
  out->compute = bp_compute;
  out->self = b;
  out->free_self = bp_free;
  bp_spec(&b->d, out->spec, sizeof out->spec);
  return NACRE_OK;
}

nacre_status train_featurizer_from_spec_ext(const char *spec, int nspecies,
                                            nacre_featurizer *out, nacre_error *err) {
  nacre_nn_descriptor d;
  nacre_status st;
  double rc;
  char tail;
  if (sscanf(spec, "maise:rc=%lf%c", &rc, &tail) == 1) {
    if (!(rc > 0.5 && rc < 50))
      return nacre_error_set(err, NACRE_ERR_INVALID, "maise:rc=%g: cutoff out of range", rc);
    st = maise_default(rc, nspecies, &d, err);
  } else if (!strncmp(spec, "basis:", 6)) {
    st = nacre_nn_descriptor_read_maise_basis(spec + 6, nspecies, &d, err);
  } else if (!strncmp(spec, "model:", 6)) {
    nacre_nn_model *m = NULL;
    st = nacre_nn_model_read(spec + 6, &m, err);
    if (!st) {
      st = nacre_nn_descriptor_copy(&m->desc, &d, err);
      if (!st && d.nspecies != nspecies) {
        /* the same functions, laid out for this model's species count */
        d.nspecies = nspecies;
        st = nacre_nn_descriptor_init(&d, err);
      }
    }
    nacre_nn_model_free(m);
  } else if (!strncmp(spec, "bp:", 3)) {
    st = parse_bp(spec, nspecies, &d, err);
  } else {
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "unknown descriptor set '%.80s' (radial:, maise:, basis:, model:, bp:)",
                           spec);
  }
  if (st) return st;
  return featurizer_from_descriptor(&d, out, err);
}

/* ---- export ---- */

nacre_status nacre_train_model_to_nn(const nacre_train_model *m, nacre_nn_model **out,
                                     nacre_error *err) {
  *out = NULL;
  if (m->feat.free_self != bp_free)
    return nacre_error_set(err, NACRE_ERR_UNSUPPORTED,
                           "only models with Behler-Parrinello descriptors (maise:, bp:) "
                           "can be written as nn models; this one uses %.40s",
                           m->feat.spec);
  if (m->mlp.act != NACRE_ACT_TANH && m->mlp.nlayers > 2)
    return nacre_error_set(err, NACRE_ERR_UNSUPPORTED,
                           "nn models have tanh hidden layers; this one uses %s",
                           nacre_activation_name(m->mlp.act));
  if (m->mlp.nlayers > NACRE_NN_MAX_LAYERS || m->nspecies > NACRE_NN_MAX_SPECIES)
    return nacre_error_set(err, NACRE_ERR_UNSUPPORTED, "model too large for the nn module");
  nacre_nn_model *n = nacre_nn_model_new();
  if (!n) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  nacre_status st;
  n->nspecies = m->nspecies;
  for (int s = 0; s < m->nspecies; s++) {
    n->z[s] = m->species_z[s];
    n->ref_energy[s] = m->e_ref[s];
  }
  if ((st = nacre_nn_descriptor_copy(&((const bp_feat *)m->feat.self)->d, &n->desc, err)))
    goto fail;
  size_t nin = (size_t)m->nspecies * m->dim;
  n->input_min = malloc(nin * sizeof(double));
  n->input_scale = malloc(nin * sizeof(double));
  if (!n->input_min || !n->input_scale) {
    st = nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
    goto fail;
  }
  memcpy(n->input_min, m->gmin, nin * sizeof(double));
  memcpy(n->input_scale, m->grange, nin * sizeof(double));
  for (int s = 0; s < m->nspecies; s++) {
    nacre_nn_network *net = &n->net[s];
    net->nlayers = m->mlp.nlayers;
    for (int l = 0; l < net->nlayers; l++) net->size[l] = m->mlp.sizes[l];
    for (int l = 0; l < net->nlayers - 1; l++)
      net->act[l] = l < net->nlayers - 2 ? NACRE_NN_TANH : NACRE_NN_LINEAR;
    if ((st = nacre_nn_network_init(net, err))) goto fail;
    const double *w = m->w + (size_t)s * m->mlp.nweights;
    for (int l = 0; l < net->nlayers - 1; l++) {
      int no = net->size[l + 1], ni = net->size[l];
      double *W = net->weights + net->woffset[l];
      memcpy(W, w + m->mlp.weight_off[l + 1], (size_t)no * ni * sizeof(double));
      memcpy(W + (size_t)no * ni, w + m->mlp.bias_off[l + 1], (size_t)no * sizeof(double));
    }
  }
  snprintf(n->prov.source, sizeof n->prov.source, "nacre train");
  snprintf(n->prov.code, sizeof n->prov.code, "nacre 0.1.0");
  if ((st = nacre_nn_model_check(n, err))) goto fail;
  *out = n;
  return NACRE_OK;
fail:
  nacre_nn_model_free(n);
  return st;
}

nacre_status nacre_train_model_write_nn(const nacre_train_model *m, const char *path,
                                        nacre_error *err) {
  nacre_nn_model *n = NULL;
  nacre_status st = nacre_train_model_to_nn(m, &n, err);
  if (st) return st;
  st = nacre_nn_model_write(n, path, err);
  nacre_nn_model_free(n);
  return st;
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

nacre_status nacre_train_model_write_maise(const nacre_train_model *m, const char *path,
                                           nacre_error *err) {
  if (m->feat.free_self != bp_free)
    return nacre_error_set(err, NACRE_ERR_UNSUPPORTED,
                           "%s: MAISE files need Behler-Parrinello descriptors (maise:, bp:)",
                           path);
  if (m->mlp.act != NACRE_ACT_TANH || m->mlp.nlayers != 4)
    return nacre_error_set(err, NACRE_ERR_UNSUPPORTED,
                           "%s: MAISE files hold two tanh hidden layers (NL = 4); this "
                           "model has %d layers (%s)",
                           path, m->mlp.nlayers, nacre_activation_name(m->mlp.act));
  const nacre_nn_descriptor *D = &((const bp_feat *)m->feat.self)->d;
  const nacre_mlp *mp = &m->mlp;
  int dim = m->dim, S = m->nspecies;
  double *w = malloc((size_t)m->nparams * sizeof *w);
  if (!w) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  memcpy(w, m->w, (size_t)m->nparams * sizeof *w);
  for (int s = 0; s < S; s++) {
    double *ws = w + (size_t)s * mp->nweights;
    const double *mn = m->gmin + (size_t)s * dim, *rg = m->grange + (size_t)s * dim;
    /* W0 (G − min)·r + b0 = W0 (G·r) + (b0 − W0 (min·r)) */
    for (int o = 0; o < mp->sizes[1]; o++) {
      const double *W0 = ws + mp->weight_off[1] + (size_t)o * dim;
      double shift = 0;
      for (int c = 0; c < dim; c++) shift += W0[c] * mn[c] * rg[c];
      ws[mp->bias_off[1] + o] -= shift;
    }
    ws[mp->bias_off[mp->nlayers - 1]] += m->e_ref[s];
  }
  nacre_atomic_file af;
  nacre_status st = nacre_atomic_open(&af, path, err);
  if (st) {
    free(w);
    return st;
  }
  FILE *fp = af.fp;
  char buf[128];
  banner(fp, "neural network general information");
  row(fp, "model unique ID", "nacre");
  snprintf(buf, sizeof buf, "%d", S);
  row(fp, "number of species", buf);
  size_t o = 0;
  for (int s = 0; s < S; s++) o += (size_t)snprintf(buf + o, sizeof buf - o, "%s%d", s ? " " : "", m->species_z[s]);
  row(fp, "species types", buf);
  o = 0;
  for (int s = 0; s < S; s++) {
    const nacre_element *el = nacre_element_by_z(m->species_z[s]);
    o += (size_t)snprintf(buf + o, sizeof buf - o, "%s%s", s ? " " : "", el ? el->symbol : "X");
  }
  row(fp, "species names", buf);
  snprintf(buf, sizeof buf, "%d", mp->nlayers);
  row(fp, "number of layers", buf);
  snprintf(buf, sizeof buf, "%d %d %d %d", mp->sizes[0], mp->sizes[1], mp->sizes[2], mp->sizes[3]);
  row(fp, "architecture", buf);
  snprintf(buf, sizeof buf, "%d", m->nparams);
  row(fp, "number of weights", buf);
  row(fp, "reference", "nacre train");
  banner(fp, "training details");
  row(fp, "maise version", "nacre 0.1.0");
  banner(fp, "input component range");
  fprintf(fp, "        minimum                    maximum                     range\n");
  for (int k = 0; k < S * dim; k++) {
    double r = m->grange[k], mx = r > 0 ? m->gmin[k] + 1.0 / r : 0;
    fprintf(fp, "  %20.16f  %24.16f  %24.16f\n", 0.0, mx, r);
  }
  banner(fp, "neural network weights");
  for (int k = 0; k < m->nparams; k++) fprintf(fp, "  %.17g\n", w[k]);
  free(w);
  fprintf(fp, "-----------------------------------------------------------------------------\n");
  /* basis in Å: B2A·scaling = 1 */
  double rs[256], n1[256], n2[256], z[256], l[256];
  int nrs = 0, nn1 = 0, nn2 = 0, nz = 0, nlm = 0;
  int rows[512][9];
  int nrows = 0;
  for (int g = 0; g < D->ng2 && nrows < 512; g++, nrows++) {
    int *r = rows[nrows];
    memset(r, 0, sizeof rows[0]);
    r[0] = nrows + 1;
    r[1] = 2;
    r[3] = list_index(rs, &nrs, D->g2[g].rs);
    r[4] = list_index(n1, &nn1, D->g2[g].eta);
  }
  for (int g = 0; g < D->ng4 && nrows < 512; g++, nrows++) {
    int *r = rows[nrows];
    memset(r, 0, sizeof rows[0]);
    r[0] = nrows + 1;
    r[1] = 4;
    r[5] = list_index(n2, &nn2, D->g4[g].eta);
    r[7] = list_index(z, &nz, D->g4[g].zeta);
    r[8] = list_index(l, &nlm, D->g4[g].lambda);
  }
  if (!nrs) rs[nrs++] = 0;
  if (!nn1) n1[nn1++] = 0;
  if (!nn2) n2[nn2++] = 0;
  if (!nz) z[nz++] = 1;
  if (!nlm) l[nlm++] = 1;
  fprintf(fp, "  B2A          Scaling\n  1.0  1.0\n\n  N  GN  Rc  Rs   n1  n2  k   z   l\n\n");
  for (int k = 0; k < nrows; k++) {
    for (int q = 0; q < 9; q++) fprintf(fp, " %3d", rows[k][q]);
    fputc('\n', fp);
  }
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
  return nacre_atomic_commit(&af, err);
}
