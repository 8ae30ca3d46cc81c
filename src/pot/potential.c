/* potential.c — the potential wrapper, results, and the calculator that
 * owns a neighbour list and workspace for repeated evaluations. */
#include "nacre/pot.h"
#include "pot_internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct nacre_potential {
  const nacre_potential_ops *ops;
  void *model;
  double cutoff;
  int nspecies;
  int species[NACRE_MAX_Z];
  char note[512];
};

struct nacre_calc {
  const nacre_potential *pot;
  nacre_neighbor_list *nl;
  void *workspace;
  long force_calls, energy_calls;
  nacre_domain_counts domain;
  nacre_domain_report last_domain;
};

nacre_status nacre_result_init(nacre_result *r, int natoms, nacre_error *err) {
  memset(r, 0, sizeof *r);
  size_t n = natoms > 0 ? (size_t)natoms : 1;
  r->forces = calloc(3 * n, sizeof(double));
  r->atom_energies = calloc(n, sizeof(double));
  r->atom_force_dev = calloc(n, sizeof(double));
  r->atom_outside = calloc(n, 1);
  if (!r->forces || !r->atom_energies || !r->atom_force_dev || !r->atom_outside) {
    nacre_result_free(r);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "result for %d atoms", natoms);
  }
  r->natoms = natoms;
  return NACRE_OK;
}

void nacre_result_free(nacre_result *r) {
  if (!r) return;
  free(r->forces);
  free(r->atom_energies);
  free(r->atom_force_dev);
  free(r->atom_outside);
  r->forces = r->atom_energies = r->atom_force_dev = NULL;
  r->atom_outside = NULL;
  r->natoms = 0;
}

double nacre_result_pressure_gpa(const nacre_result *r) {
  return -(r->stress[0] + r->stress[1] + r->stress[2]) / 3.0 *
         NACRE_EV_A3_TO_GPA;
}

nacre_potential *nacre_potential_wrap(const nacre_potential_ops *ops,
                                      void *model, double cutoff,
                                      const int *species_z, int nspecies,
                                      nacre_error *err) {
  if (!(cutoff > 0.0) || nspecies < 0 || nspecies > NACRE_MAX_Z) {
    nacre_error_set(err, NACRE_ERR_INVALID,
                    "potential %s: bad cutoff %g or species count %d",
                    ops->kind, cutoff, nspecies);
    if (ops->model_free) ops->model_free(model);
    return NULL;
  }
  nacre_potential *p = calloc(1, sizeof *p);
  if (!p) {
    nacre_error_set(err, NACRE_ERR_NOMEM, "potential");
    if (ops->model_free) ops->model_free(model);
    return NULL;
  }
  p->ops = ops;
  p->model = model;
  p->cutoff = cutoff;
  p->nspecies = nspecies;
  for (int k = 0; k < nspecies; k++) p->species[k] = species_z[k];
  return p;
}

void nacre_potential_free(nacre_potential *p) {
  if (!p) return;
  if (p->ops->model_free) p->ops->model_free(p->model);
  free(p);
}

const char *nacre_potential_note(const nacre_potential *p) {
  return p->note[0] ? p->note : NULL;
}

void nacre_potential_set_note(nacre_potential *p, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(p->note, sizeof p->note, fmt, ap);
  va_end(ap);
}

double nacre_potential_cutoff(const nacre_potential *p) { return p->cutoff; }
const char *nacre_potential_kind(const nacre_potential *p) {
  return p->ops->kind;
}
const void *nacre_potential_model(const nacre_potential *p) { return p->model; }
int nacre_potential_nspecies(const nacre_potential *p) { return p->nspecies; }
const int *nacre_potential_species(const nacre_potential *p) {
  return p->species;
}

void nacre_potential_describe(const nacre_potential *p, char *buf,
                              size_t buflen) {
  if (buflen == 0) return;
  buf[0] = '\0';
  if (p->ops->describe)
    p->ops->describe(p->model, buf, buflen);
  else
    snprintf(buf, buflen, "%s (cutoff %.4g Å)", p->ops->kind, p->cutoff);
}

nacre_status nacre_potential_supports(const nacre_potential *p,
                                      const nacre_structure *s,
                                      nacre_error *err) {
  if (p->nspecies == 0) return NACRE_OK;
  for (int i = 0; i < s->natoms; i++) {
    int ok = 0;
    for (int k = 0; k < p->nspecies && !ok; k++) ok = p->species[k] == s->numbers[i];
    if (!ok) {
      const nacre_element *e = nacre_element_by_z(s->numbers[i]);
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "the %s potential has no parameters for %s "
                             "(atom %d)",
                             p->ops->kind, e ? e->symbol : "?", i + 1);
    }
  }
  return NACRE_OK;
}

nacre_calc *nacre_calc_new(const nacre_potential *p, double skin,
                           nacre_error *err) {
  nacre_calc *c = calloc(1, sizeof *c);
  if (!c) {
    nacre_error_set(err, NACRE_ERR_NOMEM, "calculator");
    return NULL;
  }
  c->pot = p;
  double sk = skin < 0.0 ? 1.0 : skin;
  c->nl = p->ops->half_list ? nacre_nl_new_half(p->cutoff, sk, err)
                            : nacre_nl_new(p->cutoff, sk, err);
  if (!c->nl) {
    free(c);
    return NULL;
  }
  if (p->ops->workspace_new) {
    c->workspace = p->ops->workspace_new(p->model);
    if (!c->workspace) {
      nacre_nl_free(c->nl);
      free(c);
      nacre_error_set(err, NACRE_ERR_NOMEM, "potential workspace");
      return NULL;
    }
  }
  return c;
}

void nacre_calc_free(nacre_calc *c) {
  if (!c) return;
  if (c->workspace && c->pot->ops->workspace_free)
    c->pot->ops->workspace_free(c->workspace);
  nacre_nl_free(c->nl);
  free(c);
}

const nacre_potential *nacre_calc_potential(const nacre_calc *c) {
  return c->pot;
}
const nacre_neighbor_list *nacre_calc_neighbor_list(const nacre_calc *c) {
  return c->nl;
}
void nacre_calc_reset_neighbors(nacre_calc *c) { nacre_nl_invalidate(c->nl); }
long nacre_calc_force_calls(const nacre_calc *c) { return c->force_calls; }
long nacre_calc_energy_calls(const nacre_calc *c) { return c->energy_calls; }

void nacre_calc_domain_counts(const nacre_calc *c, nacre_domain_counts *out) {
  *out = c->domain;
}

nacre_domain_report nacre_calc_last_domain(const nacre_calc *c) {
  return c->last_domain;
}

void nacre_calc_reset_domain_counts(nacre_calc *c) {
  memset(&c->domain, 0, sizeof c->domain);
}

static int all_finite(const double *v, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!isfinite(v[i])) return 0;
  return 1;
}

static void result_clear(nacre_result *r, int natoms, unsigned want) {
  size_t n = (size_t)natoms;
  r->energy = 0.0;
  memset(r->stress, 0, sizeof r->stress);
  if (want & NACRE_WANT_FORCES) memset(r->forces, 0, 3 * n * sizeof(double));
  if (want & NACRE_WANT_ATOM_ENERGIES)
    memset(r->atom_energies, 0, n * sizeof(double));
  r->committee_size = 0;
  r->committee_energy_dev_per_atom = 0.0;
  r->committee_force_dev_max = 0.0;
  memset(&r->domain, 0, sizeof r->domain);
  if (r->atom_outside) memset(r->atom_outside, 0, n);
}

nacre_status pot_compute(const nacre_potential *p, const nacre_structure *s,
                         const nacre_neighbor_list *nl, unsigned want,
                         nacre_result *r, void *workspace, nacre_error *err) {
  result_clear(r, s->natoms, want);
  return p->ops->compute(p->model, s, nl, want, r, workspace, err);
}

void *pot_workspace_new(const nacre_potential *p, int *ok) {
  *ok = 1;
  if (!p->ops->workspace_new) return NULL;
  void *ws = p->ops->workspace_new(p->model);
  *ok = ws != NULL;
  return ws;
}

void pot_workspace_free(const nacre_potential *p, void *ws) {
  if (ws && p->ops->workspace_free) p->ops->workspace_free(ws);
}

nacre_status nacre_calc_compute(nacre_calc *c, const nacre_structure *s,
                                unsigned want, nacre_result *r,
                                nacre_error *err) {
  if (r->natoms < s->natoms)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "result sized for %d atoms, structure has %d",
                           r->natoms, s->natoms);
  nacre_status st = nacre_potential_supports(c->pot, s, err);
  if (st) return st;
  st = nacre_nl_update(c->nl, s, NULL, err);
  if (st) return st;
  size_t n = (size_t)s->natoms;
  st = pot_compute(c->pot, s, c->nl, want, r, c->workspace, err);
  if (st) return st;
  nacre_domain_counts_record(&c->domain, &r->domain);
  c->last_domain = r->domain;
  if (want & (NACRE_WANT_FORCES | NACRE_WANT_STRESS))
    c->force_calls++;
  else
    c->energy_calls++;
  if (!isfinite(r->energy) ||
      ((want & NACRE_WANT_FORCES) && !all_finite(r->forces, 3 * n)) ||
      ((want & NACRE_WANT_STRESS) && !all_finite(r->stress, 6)))
    return nacre_error_set(err, NACRE_ERR_NUMERIC,
                           "%s potential returned a non-finite energy, force "
                           "or stress",
                           c->pot->ops->kind);
  return NACRE_OK;
}

/* ------------------------------------------------------------------ */
/* Training-domain counts                                             */
/* ------------------------------------------------------------------ */

int nacre_domain_report_outside(const nacre_domain_report *d) {
  return d->known &&
         (d->atoms_outside > 0 || d->volume_outside);
}

void nacre_domain_counts_record(nacre_domain_counts *a,
                                const nacre_domain_report *r) {
  if (!r->known) return;
  a->known = 1;
  a->evaluations++;
  a->outside += nacre_domain_report_outside(r);
  a->atoms_outside += r->atoms_outside;
  a->atoms_too_close += r->atoms_too_close;
  if (r->distance_ratio > 0 && (a->min_distance_ratio == 0 || r->distance_ratio < a->min_distance_ratio))
    a->min_distance_ratio = r->distance_ratio;
  a->volume_outside += r->volume_outside != 0;
  if (r->excess > a->max_excess) a->max_excess = r->excess;
}

void nacre_domain_counts_add(nacre_domain_counts *a,
                             const nacre_domain_counts *b) {
  a->known |= b->known;
  a->evaluations += b->evaluations;
  a->outside += b->outside;
  a->atoms_outside += b->atoms_outside;
  a->atoms_too_close += b->atoms_too_close;
  if (b->min_distance_ratio > 0 &&
      (a->min_distance_ratio == 0 || b->min_distance_ratio < a->min_distance_ratio))
    a->min_distance_ratio = b->min_distance_ratio;
  a->volume_outside += b->volume_outside;
  if (b->max_excess > a->max_excess) a->max_excess = b->max_excess;
}

int nacre_domain_counts_message(const nacre_domain_counts *c,
                                const char *what, char *buf, size_t len) {
  if (!c->known || c->outside == 0) return 0;
  size_t o = (size_t)snprintf(
      buf, len,
      "outside the training data of the potential (results there are "
      "extrapolations): %ld of %ld %s;",
      c->outside, c->evaluations, what);
  const char *sep = " ";
  long beyond = c->atoms_outside - c->atoms_too_close;
  if (c->atoms_too_close > 0 && o < len) {
    o += (size_t)snprintf(buf + o, len - o,
                          "%s%ld atom%s closer to a neighbour than the shortest "
                          "distance the potential knows (down to %.3g of it)",
                          sep, c->atoms_too_close, c->atoms_too_close == 1 ? "" : "s",
                          c->min_distance_ratio);
    sep = "; ";
  }
  if (beyond > 0 && o < len) {
    o += (size_t)snprintf(buf + o, len - o,
                          "%s%ld %satom%s with descriptors beyond the training "
                          "range (up to %.3g range widths)",
                          sep, beyond, c->atoms_too_close ? "other " : "",
                          beyond == 1 ? "" : "s", c->max_excess);
    sep = "; ";
  }
  if (c->volume_outside > 0 && o < len)
    snprintf(buf + o, len - o, "%svolume per atom outside the training range in %ld",
             sep, c->volume_outside);
  return 1;
}
