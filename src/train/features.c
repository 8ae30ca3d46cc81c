/* features.c — descriptor features stored sparsely per (centre, neighbour
 * atom) pair, the assembler that turns per-image derivatives into that
 * storage, and the built-in radial (G2) descriptor set. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nacre/neigh.h"
#include "nacre/train.h"
#include "train_internal.h"

void nacre_features_free(nacre_features *f) {
  if (!f) return;
  free(f->g);
  free(f->offsets);
  free(f->nbr);
  free(f->dg);
  free(f->vir);
  memset(f, 0, sizeof *f);
}

size_t nacre_features_bytes(const nacre_features *f) {
  return (size_t)f->natoms * f->dim * (sizeof(double) + 6 * sizeof(float)) +
         (size_t)(f->natoms + 1) * sizeof(size_t) +
         f->nentries * (sizeof(int) + 3 * (size_t)f->dim * sizeof(float));
}

/* ---- assembler ---- */

nacre_status train_fasm_begin(train_fasm *A, nacre_features *f, int natoms,
                              int dim, nacre_error *err) {
  memset(f, 0, sizeof *f);
  memset(A, 0, sizeof *A);
  A->f = f;
  f->natoms = natoms;
  f->dim = dim;
  size_t n = natoms > 0 ? (size_t)natoms : 1;
  f->g = calloc(n * (size_t)dim, sizeof *f->g);
  f->vir = calloc(n * 6 * (size_t)dim, sizeof *f->vir);
  f->offsets = calloc(n + 1, sizeof *f->offsets);
  A->slot = malloc(n * sizeof *A->slot);
  A->cap = 4 * n;
  f->nbr = malloc(A->cap * sizeof *f->nbr);
  f->dg = malloc(A->cap * 3 * (size_t)dim * sizeof *f->dg);
  if (!f->g || !f->vir || !f->offsets || !A->slot || !f->nbr || !f->dg) {
    train_fasm_abort(A);
    return nacre_error_set(err, NACRE_ERR_NOMEM,
                           "cannot allocate features of %d atoms", natoms);
  }
  for (size_t k = 0; k < n; k++) A->slot[k] = -1;
  A->centre = -1;
  return NACRE_OK;
}

void train_fasm_abort(train_fasm *A) {
  free(A->slot);
  A->slot = NULL;
  nacre_features_free(A->f);
}

nacre_status train_fasm_centre(train_fasm *A, int i, nacre_error *err) {
  nacre_features *f = A->f;
  if (i != A->centre + 1)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "feature centres must come in order (%d after %d)",
                           i, A->centre);
  if (A->centre >= 0)
    for (size_t e = f->offsets[A->centre]; e < f->nentries; e++)
      A->slot[f->nbr[e]] = -1;
  A->centre = i;
  f->offsets[i] = f->nentries;
  return NACRE_OK;
}

float *train_fasm_entry(train_fasm *A, int j, nacre_error *err) {
  nacre_features *f = A->f;
  if (A->slot[j] >= 0) return f->dg + (size_t)A->slot[j] * 3 * f->dim;
  if (f->nentries == A->cap) {
    size_t cap = 2 * A->cap;
    int *nb = realloc(f->nbr, cap * sizeof *nb);
    if (nb) f->nbr = nb;
    float *dg = nb ? realloc(f->dg, cap * 3 * (size_t)f->dim * sizeof *dg) : NULL;
    if (!dg) {
      nacre_error_set(err, NACRE_ERR_NOMEM, "cannot grow descriptor derivatives");
      return NULL;
    }
    f->dg = dg;
    A->cap = cap;
  }
  size_t e = f->nentries++;
  f->nbr[e] = j;
  A->slot[j] = (long)e;
  float *p = f->dg + e * 3 * (size_t)f->dim;
  memset(p, 0, 3 * (size_t)f->dim * sizeof *p);
  return p;
}

void train_fasm_end(train_fasm *A) {
  nacre_features *f = A->f;
  for (int k = A->centre + 1; k <= f->natoms; k++) f->offsets[k] = f->nentries;
  free(A->slot);
  A->slot = NULL;
}

/* ---- radial descriptors ---- */

nacre_status train_species_index(const nacre_structure *s, int nspecies,
                                 const int *species_z, int nmax, int **spc,
                                 nacre_error *err) {
  int n = s->natoms;
  int *x = malloc((size_t)(n > 0 ? n : 1) * sizeof *x);
  if (!x) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  for (int a = 0; a < n; a++) {
    x[a] = -1;
    for (int k = 0; k < nspecies; k++)
      if (species_z[k] == s->numbers[a]) x[a] = k;
    if (x[a] < 0 || x[a] >= nmax) {
      free(x);
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "element Z=%d is not one of the model's species",
                             s->numbers[a]);
    }
  }
  *spc = x;
  return NACRE_OK;
}

typedef struct radial {
  double rc;
  int n_eta, nspecies;
  double eta[64];
} radial;

static nacre_status radial_compute(const void *self, const nacre_structure *s,
                                   int nspecies, const int *species_z,
                                   nacre_features *out, nacre_error *err) {
  const radial *R = self;
  int n = s->natoms, dim = R->n_eta * R->nspecies;
  nacre_status st;
  int *spc;
  st = train_species_index(s, nspecies, species_z, R->nspecies, &spc, err);
  if (st) return st;
  nacre_neighbor_list *nl = nacre_nl_new(R->rc, 0.0, err);
  if (!nl) {
    free(spc);
    return err ? err->status : NACRE_ERR_NOMEM;
  }
  if ((st = nacre_nl_update(nl, s, NULL, err))) goto done;
  train_fasm A;
  if ((st = train_fasm_begin(&A, out, n, dim, err))) goto done;
  for (int i = 0; i < n; i++) {
    if ((st = train_fasm_centre(&A, i, err))) { train_fasm_abort(&A); goto done; }
    float *self_d = train_fasm_entry(&A, i, err);
    if (!self_d) { st = NACRE_ERR_NOMEM; train_fasm_abort(&A); goto done; }
    double *g = out->g + (size_t)i * dim;
    float *vir = out->vir + (size_t)i * 6 * dim;
    for (size_t e = nl->offsets[i]; e < nl->offsets[i + 1]; e++) {
      double r[3];
      nacre_nl_vector(nl, s, i, e, r);
      double d = sqrt(r[0] * r[0] + r[1] * r[1] + r[2] * r[2]);
      if (d >= R->rc || d <= 0) continue;
      int j = nl->j[e];
      int blk = ((spc[j] - spc[i]) % R->nspecies + R->nspecies) % R->nspecies;
      double fc = 0.5 * (cos(NACRE_PI * d / R->rc) + 1);
      double dfc = -0.5 * NACRE_PI / R->rc * sin(NACRE_PI * d / R->rc);
      float *dj = train_fasm_entry(&A, j, err);
      if (!dj) { st = NACRE_ERR_NOMEM; train_fasm_abort(&A); goto done; }
      self_d = out->dg + out->offsets[i] * 3 * (size_t)dim; /* may move */
      for (int m = 0; m < R->n_eta; m++) {
        int c = blk * R->n_eta + m;
        double ex = exp(-R->eta[m] * d * d);
        g[c] += ex * fc;
        double dgdr = ex * (dfc - 2 * R->eta[m] * d * fc);
        for (int k = 0; k < 3; k++) {
          double v = dgdr * r[k] / d;
          dj[k * dim + c] += (float)v;
          self_d[k * dim + c] -= (float)v;
        }
        /* sym(r ⊗ ∂G/∂r) in Voigt order xx yy zz yz xz xy */
        double q = dgdr / d;
        vir[0 * dim + c] += (float)(q * r[0] * r[0]);
        vir[1 * dim + c] += (float)(q * r[1] * r[1]);
        vir[2 * dim + c] += (float)(q * r[2] * r[2]);
        vir[3 * dim + c] += (float)(q * r[1] * r[2]);
        vir[4 * dim + c] += (float)(q * r[0] * r[2]);
        vir[5 * dim + c] += (float)(q * r[0] * r[1]);
      }
    }
  }
  train_fasm_end(&A);
  st = NACRE_OK;
done:
  nacre_nl_free(nl);
  free(spc);
  return st;
}

nacre_status nacre_featurizer_radial(double cutoff, int n_eta, double eta_min,
                                     double eta_max, int nspecies,
                                     nacre_featurizer *out, nacre_error *err) {
  memset(out, 0, sizeof *out);
  if (!(cutoff > 0) || n_eta < 1 || n_eta > 64 || !(eta_min > 0) ||
      !(eta_max >= eta_min) || nspecies < 1 || nspecies > NACRE_TRAIN_MAX_SPECIES)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "radial descriptors: need cutoff > 0, 1..64 "
                           "functions, 0 < eta_min <= eta_max, 1..%d species",
                           NACRE_TRAIN_MAX_SPECIES);
  radial *R = calloc(1, sizeof *R);
  if (!R) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  R->rc = cutoff;
  R->n_eta = n_eta;
  R->nspecies = nspecies;
  for (int m = 0; m < n_eta; m++)
    R->eta[m] = n_eta == 1 ? eta_min
                           : eta_min * pow(eta_max / eta_min, (double)m / (n_eta - 1));
  out->dim = n_eta * nspecies;
  out->cutoff = cutoff;
  out->compute = radial_compute;
  out->self = R;
  out->free_self = free;
  char a[NACRE_DOUBLE_TEXT], b[NACRE_DOUBLE_TEXT], c[NACRE_DOUBLE_TEXT];
  nacre_format_double(cutoff, a);
  nacre_format_double(eta_min, b);
  nacre_format_double(eta_max, c);
  snprintf(out->spec, sizeof out->spec, "radial:rc=%s,n=%d,eta_min=%s,eta_max=%s", a,
           n_eta, b, c);
  return NACRE_OK;
}

void nacre_featurizer_free(nacre_featurizer *f) {
  if (!f) return;
  if (f->free_self) f->free_self(f->self);
  memset(f, 0, sizeof *f);
}

nacre_status nacre_featurizer_from_spec(const char *spec, int nspecies,
                                        nacre_featurizer *out,
                                        nacre_error *err) {
  double rc, emin, emax;
  int n;
  if (sscanf(spec, "radial:rc=%lf,n=%d,eta_min=%lf,eta_max=%lf", &rc, &n, &emin,
             &emax) == 4)
    return nacre_featurizer_radial(rc, n, emin, emax, nspecies, out, err);
  return train_featurizer_from_spec_ext(spec, nspecies, out, err);
}
