/* model.c — setting up the network model that training fits (pot's
 * nacre_nn_model): architecture, input normalisation, reference energies,
 * the training domain; and its predictions from stored features. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fit_internal.h"
#include "nacre/neigh.h"

nacre_status train_model_new(int nspecies, const int *species_z,
                             nacre_nn_descriptor *desc, int nhidden,
                             const int *hidden, nacre_nn_activation act,
                             nacre_nn_model **out, nacre_error *err) {
  *out = NULL;
  if (nspecies < 1 || nspecies > NACRE_NN_MAX_SPECIES)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "a model needs 1 to %d species, got %d",
                           NACRE_NN_MAX_SPECIES, nspecies);
  if (nhidden < 0 || nhidden > NACRE_NN_MAX_LAYERS - 2)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "0 to %d hidden layers, got %d",
                           NACRE_NN_MAX_LAYERS - 2, nhidden);
  if (desc->nspecies != nspecies)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "descriptors laid out for %d species, model has %d",
                           desc->nspecies, nspecies);
  nacre_nn_model *m = nacre_nn_model_new();
  if (!m) return nacre_error_set(err, NACRE_ERR_NOMEM, "model");
  m->nspecies = nspecies;
  memcpy(m->z, species_z, (size_t)nspecies * sizeof *species_z);
  m->desc = *desc;
  memset(desc, 0, sizeof *desc);
  nacre_status st = nacre_nn_model_alloc_inputs(m, err);
  for (int s = 0; s < nspecies && !st; s++) {
    nacre_nn_network *n = &m->net[s];
    n->nlayers = nhidden + 2;
    n->size[0] = m->desc.dim;
    for (int l = 0; l < nhidden; l++) {
      n->size[1 + l] = hidden[l];
      n->act[l] = act;
    }
    n->size[nhidden + 1] = 1;
    n->act[nhidden] = NACRE_NN_LINEAR;
    st = nacre_nn_network_init(n, err);
  }
  if (st) {
    nacre_nn_model_free(m);
    return st;
  }
  *out = m;
  return NACRE_OK;
}

void train_model_set_normalization(nacre_nn_model *m,
                                   const train_features *const *f,
                                   const nacre_structure *const *s, int n) {
  int D = m->desc.dim, S = m->nspecies;
  double *mn = m->input_min, *sc = m->input_scale;
  double *mx = malloc((size_t)S * D * sizeof *mx);
  if (!mx) return;
  for (int k = 0; k < S * D; k++) {
    mn[k] = INFINITY;
    mx[k] = -INFINITY;
  }
  for (int q = 0; q < n; q++) {
    if (!f[q]) continue;
    for (int i = 0; i < f[q]->natoms; i++) {
      int sp = nacre_nn_model_species(m, s[q]->numbers[i]);
      if (sp < 0) continue;
      const double *g = f[q]->g + (size_t)i * D;
      for (int c = 0; c < D; c++) {
        if (g[c] < mn[sp * D + c]) mn[sp * D + c] = g[c];
        if (g[c] > mx[sp * D + c]) mx[sp * D + c] = g[c];
      }
    }
  }
  for (int k = 0; k < S * D; k++) {
    if (!isfinite(mn[k])) { /* species absent */
      mn[k] = 0;
      sc[k] = 1;
    } else if (mx[k] - mn[k] > 1e-10 * (1 + fabs(mx[k]))) {
      sc[k] = 1.0 / (mx[k] - mn[k]);
    } else {
      sc[k] = 1;
    }
  }
  free(mx);
}

/* The shortest distance between atoms of each species pair over the
 * listed samples (within the descriptor cutoff: farther pairs do not
 * matter to the model). */
static nacre_status measure_pair_min(nacre_nn_model *m, const nacre_dataset *d,
                                     const int *idx, int n, nacre_error *err) {
  nacre_neighbor_list *nl = nacre_nl_new(m->desc.cutoff, 0.0, err);
  if (!nl) return err ? err->status : NACRE_ERR_NOMEM;
  double (*pm)[NACRE_NN_MAX_SPECIES] = m->domain.pair_min;
  for (int a = 0; a < m->nspecies; a++)
    for (int b = 0; b < m->nspecies; b++) pm[a][b] = INFINITY;
  nacre_status st = NACRE_OK;
  for (int q = 0; q < n && !st; q++) {
    const nacre_structure *s = d->items[idx ? idx[q] : q].s;
    if ((st = nacre_nl_update(nl, s, NULL, err))) break;
    for (int i = 0; i < s->natoms; i++) {
      int a = nacre_nn_model_species(m, s->numbers[i]);
      for (size_t e = nl->offsets[i]; a >= 0 && e < nl->offsets[i + 1]; e++) {
        int b = nacre_nn_model_species(m, s->numbers[nl->j[e]]);
        double v[3];
        nacre_nl_vector(nl, s, i, e, v);
        double r = sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
        if (b >= 0 && r > 0 && r < pm[a][b]) pm[a][b] = pm[b][a] = r;
      }
    }
  }
  nacre_nl_free(nl);
  for (int a = 0; a < m->nspecies; a++)
    for (int b = 0; b < m->nspecies; b++)
      if (!isfinite(pm[a][b])) pm[a][b] = 0; /* no such pair: unknown */
  return st;
}

nacre_status train_model_measure_domain(nacre_nn_model *m,
                                        const nacre_dataset *d,
                                        const train_features *const *f,
                                        const int *idx, int n,
                                        nacre_error *err) {
  nacre_status st = nacre_nn_domain_alloc(m, err);
  if (st) return st;
  nacre_nn_domain *dom = &m->domain;
  int D = m->desc.dim;
  double vmin = INFINITY, vmax = -INFINITY, pmin = INFINITY, pmax = -INFINITY;
  for (int q = 0; q < n; q++) {
    int k = idx ? idx[q] : q;
    const nacre_sample *sm = &d->items[k];
    const nacre_structure *s = sm->s;
    for (int i = 0; i < s->natoms; i++) {
      int sp = nacre_nn_model_species(m, s->numbers[i]);
      if (sp < 0) continue;
      dom->atoms[sp]++;
      const double *g = f[k]->g + (size_t)i * D;
      double *lo = dom->g_min + (size_t)sp * D, *hi = dom->g_max + (size_t)sp * D;
      for (int c = 0; c < D; c++) {
        if (g[c] < lo[c]) lo[c] = g[c];
        if (g[c] > hi[c]) hi[c] = g[c];
      }
    }
    if (!(s->pbc[0] && s->pbc[1] && s->pbc[2]) || s->natoms == 0) continue;
    double v = fabs(nacre_cell_volume(s->cell)) / s->natoms;
    vmin = fmin(vmin, v);
    vmax = fmax(vmax, v);
    if (sm->has & NACRE_LABEL_STRESS) {
      double p = -(sm->stress[0] + sm->stress[1] + sm->stress[2]) / 3 * NACRE_EV_A3_TO_GPA;
      pmin = fmin(pmin, p);
      pmax = fmax(pmax, p);
    }
  }
  if ((st = measure_pair_min(m, d, idx, n, err))) return st;
  if (vmin <= vmax) {
    dom->volume_min = vmin;
    dom->volume_max = vmax;
  }
  if (pmin <= pmax) {
    dom->pressure_min_gpa = pmin;
    dom->pressure_max_gpa = pmax;
  }
  return NACRE_OK;
}

/* Solves the small system A x = b (Gaussian elimination with partial
 * pivoting); n ≤ NACRE_NN_MAX_SPECIES. */
static int solve_small(int n, double A[][NACRE_NN_MAX_SPECIES], double *b) {
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

/* Minimises Σ_s (E_s − E_rep,s − Σ_k n_sk e_k)² / N_s² (per-atom residuals)
 * with a small ridge, so that the networks only learn what the composition
 * does not explain. */
nacre_status train_model_fit_reference(nacre_nn_model *m,
                                       const nacre_dataset *d,
                                       const train_features *const *f,
                                       const int *idx, int n,
                                       nacre_error *err) {
  int S = m->nspecies;
  double A[NACRE_NN_MAX_SPECIES][NACRE_NN_MAX_SPECIES] = {{0}};
  double b[NACRE_NN_MAX_SPECIES] = {0};
  int used = 0;
  for (int q = 0; q < n; q++) {
    int k = idx ? idx[q] : q;
    const nacre_sample *sm = &d->items[k];
    int na = sm->s->natoms;
    if (!(sm->has & NACRE_LABEL_ENERGY) || na == 0) continue;
    double cnt[NACRE_NN_MAX_SPECIES] = {0};
    for (int a = 0; a < na; a++) {
      int sp = nacre_nn_model_species(m, sm->s->numbers[a]);
      if (sp < 0)
        return nacre_error_set(err, NACRE_ERR_INVALID,
                               "%s: element Z=%d is not in the model",
                               sm->source ? sm->source : "sample",
                               sm->s->numbers[a]);
      cnt[sp] += 1.0 / na;
    }
    double e = sm->energy - (f && f[k] && f[k]->has_rep ? f[k]->rep_energy : 0.0);
    for (int r = 0; r < S; r++) {
      b[r] += cnt[r] * e / na;
      for (int c = 0; c < S; c++) A[r][c] += cnt[r] * cnt[c];
    }
    used++;
  }
  if (!used) {
    for (int k = 0; k < S; k++) m->ref_energy[k] = 0;
    return NACRE_OK;
  }
  for (int r = 0; r < S; r++) A[r][r] += 1e-8 * used;
  if (solve_small(S, A, b))
    return nacre_error_set(err, NACRE_ERR_NUMERIC,
                           "reference energies: singular composition matrix");
  for (int k = 0; k < S; k++) m->ref_energy[k] = b[k];
  return NACRE_OK;
}

void train_model_randomize(const nacre_nn_model *m, double *w, nacre_rng *rng) {
  for (int s = 0; s < m->nspecies; s++)
    nacre_nn_network_randomize(&m->net[s], w + nacre_nn_model_param_offset(m, s), rng);
}

/* ---- predictions from features ---- */

nacre_status train_forward(const nacre_nn_model *m, const double *w,
                           const nacre_structure *s, const train_features *f,
                           train_scratch *ws, double *energy, double *forces,
                           double stress[6], nacre_error *err) {
  int n = s->natoms, D = m->desc.dim;
  if (f->natoms != n || f->dim != D)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "features of %d atoms × %d do not match the "
                           "structure (%d) or model (%d)",
                           f->natoms, f->dim, n, D);
  double e = 0;
  for (int i = 0; i < n; i++) {
    int sp = nacre_nn_model_species(m, s->numbers[i]);
    if (sp < 0)
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "element Z=%d is not in the model", s->numbers[i]);
    ws->spc[i] = sp;
    const double *g = f->g + (size_t)i * D, *mn = m->input_min + (size_t)sp * D,
                 *rg = m->input_scale + (size_t)sp * D;
    double *x = ws->x + (size_t)i * D, *dedg = ws->dedg + (size_t)i * D;
    for (int c = 0; c < D; c++) x[c] = (g[c] - mn[c]) * rg[c];
    e += nacre_nn_network_eval(&m->net[sp], w + ws->off[sp], x,
                               (forces || stress) ? dedg : NULL, ws->net) +
         m->ref_energy[sp];
    if (forces || stress)
      for (int c = 0; c < D; c++) dedg[c] *= rg[c];
  }
  *energy = e + (f->has_rep ? f->rep_energy : 0.0);
  if (forces) {
    if (f->has_rep)
      memcpy(forces, f->rep_forces, 3 * (size_t)n * sizeof *forces);
    else
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
    for (int v = 0; v < 6; v++)
      stress[v] = (vol > 0 ? stress[v] / vol : 0) + (f->has_rep ? f->rep_stress[v] : 0.0);
  }
  return NACRE_OK;
}

nacre_status train_scratch_init(train_scratch *ws, const nacre_nn_model *m,
                                int natoms, nacre_error *err) {
  memset(ws, 0, sizeof *ws);
  size_t n = natoms > 0 ? (size_t)natoms : 1, D = (size_t)m->desc.dim, nsc = 1;
  ws->natoms = natoms;
  for (int s = 0; s < m->nspecies; s++) {
    ws->off[s] = nacre_nn_model_param_offset(m, s);
    size_t k = nacre_nn_network_scratch_size(&m->net[s]);
    if (k > nsc) nsc = k;
  }
  ws->spc = malloc(n * sizeof *ws->spc);
  ws->x = malloc(n * D * sizeof *ws->x);
  ws->dedg = malloc(n * D * sizeof *ws->dedg);
  ws->c = malloc(D * sizeof *ws->c);
  ws->forces = malloc(3 * n * sizeof *ws->forces);
  ws->u = malloc(3 * n * sizeof *ws->u);
  ws->net = malloc(nsc * sizeof *ws->net);
  if (!ws->spc || !ws->x || !ws->dedg || !ws->c || !ws->forces || !ws->u || !ws->net) {
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
  free(ws->net);
  memset(ws, 0, sizeof *ws);
}

nacre_status train_predict(const nacre_nn_model *m, const double *w,
                           const nacre_structure *s, const train_features *f,
                           double *energy, double *forces, double stress[6],
                           nacre_error *err) {
  train_scratch ws;
  double *own = NULL;
  if (!w) {
    own = malloc((nacre_nn_model_nparams(m) + 1) * sizeof *own);
    if (!own) return nacre_error_set(err, NACRE_ERR_NOMEM, "weights");
    nacre_nn_model_get_params(m, own);
    w = own;
  }
  nacre_status st = train_scratch_init(&ws, m, s->natoms, err);
  if (!st) st = train_forward(m, w, s, f, &ws, energy, forces, stress, err);
  train_scratch_free(&ws);
  free(own);
  return st;
}
