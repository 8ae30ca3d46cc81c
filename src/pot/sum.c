/* sum.c — a potential that is the sum of others: energies, forces,
 * stresses and per-atom energies added. Its use is a baseline under a
 * machine-learned potential ("MODEL+zbl:r_inner=1.1,r_outer=1.7": the ZBL
 * repulsion under a network, whose training then fits the residual). The
 * first term's domain report and committee deviations are the sum's (the
 * baseline is physics, not a fit, so it has neither). Every term runs with
 * its own workspace over the one neighbour list of the calculator, built
 * with the largest cutoff (each term ignores entries beyond its own). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nacre/pot.h"
#include "pot_internal.h"

#define SUM_MAX 8

typedef struct sum_model {
  int k;
  nacre_potential *terms[SUM_MAX];
} sum_model;

typedef struct sum_ws {
  const sum_model *m;
  int cap;
  void *ws[SUM_MAX];
  nacre_result r[SUM_MAX];
} sum_ws;

static void sum_free(void *model) {
  sum_model *m = model;
  if (!m) return;
  for (int q = 0; q < m->k; q++) nacre_potential_free(m->terms[q]);
  free(m);
}

static void ws_free(void *p) {
  sum_ws *w = p;
  if (!w) return;
  for (int q = 0; q < w->m->k; q++) {
    pot_workspace_free(w->m->terms[q], w->ws[q]);
    nacre_result_free(&w->r[q]);
  }
  free(w);
}

static void *ws_new(const void *model) {
  const sum_model *m = model;
  sum_ws *w = calloc(1, sizeof *w);
  if (!w) return NULL;
  w->m = m;
  int ok = 1;
  for (int q = 0; ok && q < m->k; q++)
    w->ws[q] = pot_workspace_new(m->terms[q], &ok);
  if (!ok) {
    ws_free(w);
    return NULL;
  }
  return w;
}

static nacre_status sum_compute(const void *model, const nacre_structure *s,
                                const nacre_neighbor_list *nl, unsigned want,
                                nacre_result *res, void *workspace,
                                nacre_error *err) {
  const sum_model *m = model;
  sum_ws *w = workspace;
  int n = s->natoms;
  if (w->cap < n || w->cap == 0) {
    for (int q = 1; q < m->k; q++) {
      nacre_result_free(&w->r[q]);
      nacre_status st = nacre_result_init(&w->r[q], n, err);
      if (st) {
        w->cap = 0;
        return st;
      }
    }
    w->cap = n > 0 ? n : 1;
  }
  /* the first term straight into res (its domain and committee fields
   * stay), the others added */
  nacre_status st = pot_compute(m->terms[0], s, nl, want, res, w->ws[0], err);
  for (int q = 1; !st && q < m->k; q++) {
    nacre_result *r = &w->r[q];
    st = pot_compute(m->terms[q], s, nl, want, r, w->ws[q], err);
    if (st) {
      nacre_error_prefix(err, "term %d of a sum: ", q + 1);
      break;
    }
    res->energy += r->energy;
    if (want & NACRE_WANT_FORCES)
      for (int i = 0; i < 3 * n; i++) res->forces[i] += r->forces[i];
    if (want & NACRE_WANT_STRESS)
      for (int v = 0; v < 6; v++) res->stress[v] += r->stress[v];
    if (want & NACRE_WANT_ATOM_ENERGIES)
      for (int i = 0; i < n; i++) res->atom_energies[i] += r->atom_energies[i];
  }
  return st;
}

static void sum_describe(const void *model, char *buf, size_t len) {
  const sum_model *m = model;
  size_t used = 0;
  for (int q = 0; q < m->k && used < len; q++) {
    char d[256];
    nacre_potential_describe(m->terms[q], d, sizeof d);
    used += (size_t)snprintf(buf + used, len - used, "%s%s", q ? " + " : "", d);
  }
}

static const nacre_potential_ops sum_ops = {
    .kind = "sum",
    .compute = sum_compute,
    .workspace_new = ws_new,
    .workspace_free = ws_free,
    .model_free = sum_free,
    .describe = sum_describe,
};

nacre_status nacre_sum_new(nacre_potential **terms, int k,
                           nacre_potential **out, nacre_error *err) {
  *out = NULL;
  sum_model *m = k >= 2 && k <= SUM_MAX ? calloc(1, sizeof *m) : NULL;
  if (!m) {
    for (int q = 0; q < k; q++) nacre_potential_free(terms[q]);
    if (k < 2 || k > SUM_MAX)
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "a sum needs 2 to %d potentials, got %d", SUM_MAX,
                             k);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "sum");
  }
  m->k = k;
  memcpy(m->terms, terms, (size_t)k * sizeof *terms);
  /* cutoff: the largest; species: those every term knows */
  double rc = 0.0;
  int z[NACRE_MAX_Z], nz = -1;
  for (int q = 0; q < k; q++) {
    const nacre_potential *t = terms[q];
    if (nacre_potential_cutoff(t) > rc) rc = nacre_potential_cutoff(t);
    int ns = nacre_potential_nspecies(t);
    if (ns == 0) continue;
    const int *sz = nacre_potential_species(t);
    if (nz < 0) {
      nz = ns;
      memcpy(z, sz, (size_t)ns * sizeof *z);
      continue;
    }
    int kept = 0;
    for (int a = 0; a < nz; a++)
      for (int b = 0; b < ns; b++)
        if (z[a] == sz[b]) {
          z[kept++] = z[a];
          break;
        }
    nz = kept;
  }
  if (nz == 0) {
    sum_free(m);
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "the terms of the sum have no element in common");
  }
  *out = nacre_potential_wrap(&sum_ops, m, rc, z, nz < 0 ? 0 : nz, err);
  return *out ? NACRE_OK : (err ? err->status : NACRE_ERR_NOMEM);
}

const nacre_potential *nacre_sum_term(const nacre_potential *p, int k) {
  if (strcmp(nacre_potential_kind(p), "sum")) return k == 0 ? p : NULL;
  const sum_model *m = nacre_potential_model(p);
  return k >= 0 && k < m->k ? m->terms[k] : NULL;
}
