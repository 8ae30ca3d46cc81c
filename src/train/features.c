/* features.c — descriptor features for training: the model's symmetry
 * functions (pot's nacre_nn_descriptor_atom, the reference evaluation) of
 * every atom, with their derivatives stored sparsely per (centre,
 * neighbour atom) pair, and MAISE's repulsion when the model has it. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fit_internal.h"
#include "nacre/neigh.h"

void train_features_free(train_features *f) {
  if (!f) return;
  free(f->g);
  free(f->offsets);
  free(f->nbr);
  free(f->dg);
  free(f->vir);
  free(f->rep_forces);
  memset(f, 0, sizeof *f);
}

size_t train_features_bytes(const train_features *f) {
  return (size_t)f->natoms * f->dim * (sizeof(double) + 6 * sizeof(float)) +
         (size_t)(f->natoms + 1) * sizeof(size_t) +
         f->nentries * (sizeof(int) + 3 * (size_t)f->dim * sizeof(float)) +
         (f->rep_forces ? 3 * (size_t)f->natoms * sizeof(double) : 0);
}

/* ---- assembly of the per-pair storage ---- */

/* Builds the storage centre by centre: centre(i) in order, then entry(j)
 * for every neighbour atom j (the 3×dim block ∂G_i/∂r_j to accumulate into,
 * zeroed on first use; valid until the next entry call). */
typedef struct fasm {
  train_features *f;
  long *slot; /* natoms: entry of atom j for the current centre, or −1 */
  size_t cap;
  int centre;
} fasm;

static void fasm_abort(fasm *A) {
  free(A->slot);
  A->slot = NULL;
  train_features_free(A->f);
}

static nacre_status fasm_begin(fasm *A, train_features *f, int natoms, int dim,
                               nacre_error *err) {
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
    fasm_abort(A);
    return nacre_error_set(err, NACRE_ERR_NOMEM,
                           "cannot allocate features of %d atoms", natoms);
  }
  for (size_t k = 0; k < n; k++) A->slot[k] = -1;
  A->centre = -1;
  return NACRE_OK;
}

static void fasm_centre(fasm *A, int i) {
  train_features *f = A->f;
  if (A->centre >= 0)
    for (size_t e = f->offsets[A->centre]; e < f->nentries; e++)
      A->slot[f->nbr[e]] = -1;
  A->centre = i;
  f->offsets[i] = f->nentries;
}

static float *fasm_entry(fasm *A, int j, nacre_error *err) {
  train_features *f = A->f;
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

static void fasm_end(fasm *A) {
  train_features *f = A->f;
  for (int k = A->centre + 1; k <= f->natoms; k++) f->offsets[k] = f->nentries;
  free(A->slot);
  A->slot = NULL;
}

/* ---- features of one structure ---- */

typedef struct nbr_buf {
  double *rij, *dG;
  int *sp, *atom;
} nbr_buf;

/* Descriptor of centre i and its derivatives into the assembler. */
static nacre_status centre_features(const nacre_nn_descriptor *D,
                                    const nacre_structure *s,
                                    const nacre_neighbor_list *nl,
                                    const int *spc, int i, nbr_buf *b,
                                    fasm *A, nacre_error *err) {
  train_features *out = A->f;
  int dim = D->dim, cnt = 0;
  for (size_t e = nl->offsets[i]; e < nl->offsets[i + 1]; e++) {
    double r[3];
    nacre_nl_vector(nl, s, i, e, r);
    double d2 = r[0] * r[0] + r[1] * r[1] + r[2] * r[2];
    if (d2 >= D->cutoff * D->cutoff || d2 == 0) continue;
    memcpy(&b->rij[3 * cnt], r, sizeof r);
    b->sp[cnt] = spc[nl->j[e]];
    b->atom[cnt] = nl->j[e];
    cnt++;
  }
  nacre_nn_descriptor_atom(D, spc[i], cnt, b->rij, b->sp, out->g + (size_t)i * dim, b->dG);
  fasm_centre(A, i);
  float *vir = out->vir + (size_t)i * 6 * dim;
  if (!fasm_entry(A, i, err)) return NACRE_ERR_NOMEM; /* the self entry first */
  for (int q = 0; q < cnt; q++) {
    float *dj = fasm_entry(A, b->atom[q], err);
    if (!dj) return NACRE_ERR_NOMEM;
    float *di = out->dg + out->offsets[i] * 3 * (size_t)dim; /* may have moved */
    const double *g = b->dG + (size_t)q * dim * 3, *r = &b->rij[3 * q];
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
  return NACRE_OK;
}

/* The baseline's energy, forces and stress added to the repulsion's. */
static nacre_status baseline_features(const nacre_nn_model *m,
                                      const nacre_structure *s,
                                      train_features *out, nacre_error *err) {
  nacre_potential *p = NULL;
  nacre_status st = nacre_potential_load(m->baseline, &p, err);
  if (st) return nacre_error_prefix(err, "baseline '%s': ", m->baseline);
  nacre_calc *c = nacre_calc_new(p, 0.0, err);
  nacre_result r;
  memset(&r, 0, sizeof r);
  if (!c) st = err ? err->status : NACRE_ERR_NOMEM;
  if (!st) st = nacre_result_init(&r, s->natoms, err);
  if (!st) st = nacre_calc_compute(c, s, NACRE_WANT_ALL, &r, err);
  if (!st) {
    out->rep_energy += r.energy;
    for (int k = 0; k < 3 * s->natoms; k++) out->rep_forces[k] += r.forces[k];
    for (int v = 0; v < 6; v++) out->rep_stress[v] += r.stress[v];
  }
  nacre_result_free(&r);
  nacre_calc_free(c);
  nacre_potential_free(p);
  return st;
}

/* The terms the networks do not fit: MAISE's repulsion and the baseline. */
static nacre_status repulsion_features(const nacre_nn_model *m,
                                       const nacre_structure *s,
                                       train_features *out, nacre_error *err) {
  out->has_rep = 1;
  out->rep_forces = malloc(3 * (size_t)(s->natoms ? s->natoms : 1) * sizeof(double));
  if (!out->rep_forces) return nacre_error_set(err, NACRE_ERR_NOMEM, "repulsion");
  nacre_status st = nacre_nn_repulsion(m, s, &out->rep_energy, out->rep_forces,
                                       out->rep_stress, err);
  if (!st && m->baseline[0]) st = baseline_features(m, s, out, err);
  return st;
}

nacre_status train_features_compute(const nacre_nn_model *m,
                                    const nacre_structure *s,
                                    train_features *out, nacre_error *err) {
  const nacre_nn_descriptor *D = &m->desc;
  int n = s->natoms, dim = D->dim;
  memset(out, 0, sizeof *out);
  int *spc = malloc((size_t)(n > 0 ? n : 1) * sizeof *spc);
  if (!spc) return nacre_error_set(err, NACRE_ERR_NOMEM, "features");
  for (int a = 0; a < n; a++)
    if ((spc[a] = nacre_nn_model_species(m, s->numbers[a])) < 0) {
      const nacre_element *el = nacre_element_by_z(s->numbers[a]);
      free(spc);
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "element %s (atom %d) is not one of the model's "
                             "species",
                             el ? el->symbol : "?", a + 1);
    }
  nacre_neighbor_list *nl = nacre_nl_new(D->cutoff, 0.0, err);
  nbr_buf b = {0};
  fasm A;
  int open = 0;
  nacre_status st = nl ? nacre_nl_update(nl, s, NULL, err) : (err ? err->status : NACRE_ERR_NOMEM);
  if (st) goto done;
  size_t maxn = 1;
  for (int i = 0; i < n; i++)
    if (nl->offsets[i + 1] - nl->offsets[i] > maxn) maxn = nl->offsets[i + 1] - nl->offsets[i];
  b.rij = malloc(3 * maxn * sizeof *b.rij);
  b.sp = malloc(maxn * sizeof *b.sp);
  b.atom = malloc(maxn * sizeof *b.atom);
  b.dG = malloc(maxn * (size_t)dim * 3 * sizeof *b.dG);
  if (!b.rij || !b.sp || !b.atom || !b.dG) {
    st = nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory for descriptors");
    goto done;
  }
  if ((st = fasm_begin(&A, out, n, dim, err))) goto done;
  open = 1;
  for (int i = 0; i < n && !st; i++) st = centre_features(D, s, nl, spc, i, &b, &A, err);
  if (st) goto done;
  fasm_end(&A);
  open = 0;
  if (m->repulsion || m->baseline[0]) st = repulsion_features(m, s, out, err);
done:
  if (open) fasm_abort(&A);
  if (st) train_features_free(out);
  nacre_nl_free(nl);
  free(spc);
  free(b.rij);
  free(b.sp);
  free(b.atom);
  free(b.dG);
  return st;
}

nacre_status train_features_compute_all(const nacre_nn_model *m,
                                        const nacre_dataset *d,
                                        train_features *fs, nacre_error *err) {
  nacre_status status = NACRE_OK;
  memset(fs, 0, (size_t)d->n * sizeof *fs);
#pragma omp parallel for schedule(dynamic, 1)
  for (int q = 0; q < d->n; q++) {
    if (status) continue;
    nacre_error lerr;
    nacre_error_clear(&lerr);
    nacre_status st = train_features_compute(m, d->items[q].s, &fs[q], &lerr);
    if (st) {
#pragma omp critical(nacre_features_all_error)
      if (!status) {
        status = st;
        if (err) {
          *err = lerr;
          nacre_error_prefix(err, "%s: ",
                             d->items[q].source ? d->items[q].source : "sample");
        }
      }
    }
  }
  if (status)
    for (int q = 0; q < d->n; q++) train_features_free(&fs[q]);
  return status;
}
