/* relax_binding.c — relaxation of search candidates with a loaded potential
 * through the opt module (nacre_relax), as a nacre_search_relax_fn. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nacre/pot.h"
#include "nacre/search.h"

#include "nacre/opt.h"

struct nacre_search_relaxer {
  nacre_potential *pot;
  nacre_calc *calc;     /* made on first use, in the process that relaxes */
  double fmax, smax_gpa;
  int max_steps;
  long force_calls;
  int has_distances;    /* 1: the collapse check follows `distances` */
  nacre_random_options distances;
  double *radii;        /* collapse radii of the structure being relaxed */
  int nradii;
};

nacre_status nacre_search_relaxer_new(const char *potential_spec,
                                      const nacre_search_relax_settings *rs,
                                      nacre_search_relaxer **out,
                                      nacre_error *err) {
  *out = NULL;
  if (!(rs->fmax_ev_a > 0) || !(rs->smax_gpa > 0) || rs->max_steps < 1)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "relaxation settings: fmax %g eV/Å, smax %g GPa "
                           "and max-steps %d must be positive",
                           rs->fmax_ev_a, rs->smax_gpa, rs->max_steps);
  nacre_search_relaxer *r = calloc(1, sizeof *r);
  if (!r) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  nacre_status st = nacre_potential_load(potential_spec, &r->pot, err);
  if (st) {
    free(r);
    return st;
  }
  r->fmax = rs->fmax_ev_a;
  r->smax_gpa = rs->smax_gpa;
  r->max_steps = rs->max_steps;
  *out = r;
  return NACRE_OK;
}

nacre_status nacre_search_relaxer_check(const nacre_search_relaxer *r,
                                        const nacre_composition *c,
                                        nacre_error *err) {
  int n = nacre_potential_nspecies(r->pot);
  const int *z = nacre_potential_species(r->pot);
  if (n == 0) return NACRE_OK; /* any element */
  char missing[128] = "", known[128] = "";
  size_t used = 0;
  for (int k = 0; k < c->nspecies; k++) {
    int found = 0;
    for (int j = 0; j < n && !found; j++) found = z[j] == c->z[k];
    if (found) continue;
    const nacre_element *e = nacre_element_by_z(c->z[k]);
    used += (size_t)snprintf(missing + used, sizeof missing - used, "%s%s",
                             used ? ", " : "", e ? e->symbol : "?");
    if (used >= sizeof missing) break;
  }
  if (!missing[0]) return NACRE_OK;
  used = 0;
  for (int j = 0; j < n && used < sizeof known; j++) {
    const nacre_element *e = nacre_element_by_z(z[j]);
    used += (size_t)snprintf(known + used, sizeof known - used, "%s%s",
                             j ? ", " : "", e ? e->symbol : "?");
  }
  char comp[128];
  nacre_composition_format(c, comp, sizeof comp);
  return nacre_error_set(err, NACRE_ERR_INVALID,
                         "the potential knows %s, not %s of the composition %s",
                         known, missing, comp);
}

void nacre_search_relaxer_free(nacre_search_relaxer *r) {
  if (!r) return;
  nacre_calc_free(r->calc);
  nacre_potential_free(r->pot);
  free(r->radii);
  free(r);
}

nacre_status nacre_search_relaxer_modes(void *user, const nacre_structure *s,
                                        double *eigenvalues, double *vectors,
                                        nacre_error *err) {
  const nacre_search_relaxer *r = user;
  return nacre_potential_normal_modes(r->pot, s, 0, eigenvalues, vectors, err);
}

nacre_status nacre_search_relaxer_escape(void *user, nacre_structure *s,
                                         double ekin_ev, uint64_t seed,
                                         nacre_escape_info *info,
                                         nacre_error *err) {
  nacre_search_relaxer *r = user;
  nacre_status st = nacre_potential_supports(r->pot, s, err);
  if (st) return st;
  if (!r->calc && !(r->calc = nacre_calc_new(r->pot, -1, err)))
    return err ? err->status : NACRE_ERR_NOMEM;
  nacre_escape_options o;
  nacre_escape_options_init(&o);
  nacre_rng rng;
  nacre_rng_init(&rng, seed, 0);
  st = nacre_search_escape(r->calc, s, ekin_ev, &o, &rng, info, err);
  r->force_calls += info->force_calls;
  return st;
}

long nacre_search_relaxer_force_calls(const nacre_search_relaxer *r) {
  return r->force_calls;
}

void nacre_search_relaxer_set_distances(nacre_search_relaxer *r,
                                        const nacre_random_options *o) {
  r->distances = *o;
  r->has_distances = 1;
}

/* The search's distance rule as the relaxation's collapse check: radii
 * and fraction from nacre_search_collapse_radii, and the absolute overlap
 * distance lowered to the collapse distance of the closest pair kind where
 * that is shorter (reduced units). */
static nacre_status apply_distances(nacre_search_relaxer *r,
                                    const nacre_structure *s,
                                    nacre_relax_options *o, nacre_error *err) {
  if (!r->has_distances || s->natoms < 1) return NACRE_OK;
  if (s->natoms > r->nradii) {
    double *p = realloc(r->radii, sizeof *p * (size_t)s->natoms);
    if (!p) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
    r->radii = p;
    r->nradii = s->natoms;
  }
  o->collapse_distance = nacre_search_collapse_radii(s, &r->distances, r->radii);
  o->collapse_radii = r->radii;
  double rmin = INFINITY;
  for (int i = 0; i < s->natoms; i++) rmin = fmin(rmin, r->radii[i]);
  o->min_distance = fmin(o->min_distance, o->collapse_distance * 2.0 * rmin);
  return NACRE_OK;
}

/* A committee's deviations on the relaxed structure: one more evaluation,
 * with forces (σ_f needs them), against the hundreds of the relaxation.
 * NAN where it fails (a structure the relaxation left broken): the
 * candidate fails on its own outcome, the search goes on. */
static void committee_deviations(nacre_search_relaxer *r, const nacre_structure *s,
                                 nacre_search_relaxed *out) {
  out->committee_size = nacre_committee_size(r->pot);
  out->committee_force_dev_max = out->committee_energy_dev_per_atom = NAN;
  if (!out->committee_size) return;
  nacre_result res;
  nacre_error e;
  if (nacre_result_init(&res, s->natoms, &e)) return;
  if (!nacre_calc_compute(r->calc, s, NACRE_WANT_ENERGY | NACRE_WANT_FORCES, &res, &e)) {
    out->committee_force_dev_max = res.committee_force_dev_max;
    out->committee_energy_dev_per_atom = res.committee_energy_dev_per_atom;
  }
  nacre_result_free(&res);
}

nacre_status nacre_search_relax_potential(void *user, nacre_structure *s,
                                          double pressure_gpa,
                                          nacre_search_relaxed *out,
                                          nacre_error *err) {
  memset(out, 0, sizeof *out);
  nacre_search_relaxer *r = user;
  nacre_status st = nacre_potential_supports(r->pot, s, err);
  if (st) return st;
  if (!r->calc && !(r->calc = nacre_calc_new(r->pot, -1, err)))
    return err ? err->status : NACRE_ERR_NOMEM;
  nacre_relax_options o;
  nacre_relax_options_init(&o);
  int periodic = s->pbc[0] && s->pbc[1] && s->pbc[2];
  o.mode = periodic ? NACRE_RELAX_FULL : NACRE_RELAX_ATOMS;
  o.pressure_gpa = pressure_gpa;
  o.fmax = r->fmax;
  o.smax_gpa = r->smax_gpa;
  o.max_steps = r->max_steps;
  if ((st = apply_distances(r, s, &o, err))) return st;
  nacre_relax_result res;
  memset(&res, 0, sizeof res);
  nacre_calc_reset_domain_counts(r->calc);
  st = nacre_relax(r->calc, s, &o, NULL, &res, err);
  if (st) return st;
  nacre_domain_counts dc;
  nacre_calc_domain_counts(r->calc, &dc);
  nacre_domain_report last = nacre_calc_last_domain(r->calc);
  out->domain_checked = dc.evaluations;
  out->domain_outside = dc.outside;
  out->domain_outside_at_end = nacre_domain_report_outside(&last);
  r->force_calls += res.force_calls;
  committee_deviations(r, s, out);
  out->energy = res.energy;
  out->enthalpy = periodic ? res.enthalpy : res.energy;
  out->steps = res.steps;
  snprintf(out->outcome, sizeof out->outcome, "%s",
           nacre_relax_outcome_name(res.outcome));
  switch (res.outcome) {
  case NACRE_RELAX_CONVERGED:
    out->ok = 1;
    break;
  case NACRE_RELAX_NOT_CONVERGED:
    out->ok = res.fmax < 10 * r->fmax;
    break;
  case NACRE_RELAX_STOPPED:
  case NACRE_RELAX_INTERRUPTED:
    return nacre_error_set(err, NACRE_ERR_INTERRUPTED, "relaxation stopped");
  default:
    out->ok = 0;
  }
  return NACRE_OK;
}
