/* potential.c — the labeller that is a nacre potential ("--code
 * potential:SPEC"): energy, forces and stress of the potential, in this
 * process, so that a loop that labels (nacre label, active learning) runs
 * in seconds against a known truth. Every label converges; a structure
 * with an element the potential does not know is refused before anything
 * is written, as a DFT code's missing pseudopotential is. label_version
 * records the potential's SPEC. With fail_fraction > 0 a fixed share of
 * the structures fails as a DFT code's unconverged SCF does. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "label_internal.h"
#include "nacre/pot.h"
#include "nacre/version.h"

typedef struct pot_state {
  nacre_potential *p;
  char version[64];
  nacre_label_options opt; /* the relaxation's settings and relaxer */
} pot_state;

static nacre_status pot_open(const nacre_label_options *opt, void **state,
                             nacre_error *err) {
  *state = NULL;
  if (!opt->potential || !opt->potential[0])
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "the potential labeller needs a potential SPEC");
  pot_state *ps = calloc(1, sizeof *ps);
  if (!ps) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  if (opt->relax && !opt->relax_fn) {
    free(ps);
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "the potential labeller relaxes only through a "
                           "relaxer (relax_fn)");
  }
  ps->opt = *opt;
  nacre_status st = nacre_potential_load(opt->potential, &ps->p, err);
  if (st) {
    free(ps);
    return st;
  }
  snprintf(ps->version, sizeof ps->version, "nacre %s %s", nacre_version(),
           opt->potential);
  *state = ps;
  return NACRE_OK;
}

static void pot_close(void *state) {
  pot_state *ps = state;
  if (!ps) return;
  nacre_potential_free(ps->p);
  free(ps);
}

static nacre_status pot_check(void *state, const nacre_structure *s,
                              nacre_error *err) {
  const pot_state *ps = state;
  return nacre_potential_supports(ps->p, s, err);
}

/* Whether s is one of the fail_fraction of structures that fail: its
 * hash's top 53 bits as a number in [0, 1). */
static int simulated_failure(const pot_state *ps, const nacre_structure *s) {
  if (!(ps->opt.fail_fraction > 0)) return 0;
  double u = (double)(nacre_label_structure_hash(s) >> 11) * 0x1p-53;
  return u < ps->opt.fail_fraction;
}

/* One calculator per label: the potential is shared by the jobs of a
 * batch, each calculator holds its own neighbour list and workspace. */
static nacre_status pot_compute(void *state, const nacre_structure *s0,
                                nacre_label_result *r, nacre_error *err) {
  const pot_state *ps = state;
  if (simulated_failure(ps, s0)) {
    snprintf(r->message, sizeof r->message,
             "SCF not converged (simulated: fail_fraction %g)", ps->opt.fail_fraction);
    return nacre_error_set(err, NACRE_ERR_NOT_CONVERGED, "%s", r->message);
  }
  nacre_result res;
  memset(&res, 0, sizeof res);
  const nacre_structure *s = s0;
  if (ps->opt.relax) {
    /* relaxed first, then labelled where it ended */
    nacre_structure *x = nacre_structure_copy(s0, err);
    if (!x) return err ? err->status : NACRE_ERR_NOMEM;
    nacre_status st = ps->opt.relax_fn(ps->opt.relax_user, ps->p, &ps->opt, x,
                                       &r->relax_steps, &r->relax_converged,
                                       err);
    if (st) {
      nacre_structure_free(x);
      snprintf(r->message, sizeof r->message, "%.250s",
               err ? err->message : nacre_status_name(st));
      return st;
    }
    r->relaxed = x;
    s = x;
  }
  nacre_calc *c = nacre_calc_new(ps->p, -1, err);
  if (!c) return err ? err->status : NACRE_ERR_NOMEM;
  nacre_status st = nacre_result_init(&res, s->natoms, err);
  if (!st) st = nacre_calc_compute(c, s, NACRE_WANT_ALL, &res, err);
  if (!st) st = label_result_forces(r, s->natoms, "potential", err);
  if (!st) {
    r->energy_ev = r->free_energy_ev = res.energy;
    memcpy(r->forces_ev_a, res.forces, sizeof(double) * 3 * (size_t)s->natoms);
    memcpy(r->stress_ev_a3, res.stress, sizeof r->stress_ev_a3);
    r->has_energy = r->has_forces = r->has_stress = 1;
    r->converged = 1;
    snprintf(r->code_version, sizeof r->code_version, "%s", ps->version);
  } else {
    snprintf(r->message, sizeof r->message, "%.250s",
             err ? err->message : nacre_status_name(st));
  }
  nacre_result_free(&res);
  nacre_calc_free(c);
  return st;
}

const label_code_ops label_potential_ops = {
    .code = NACRE_LABEL_POTENTIAL,
    .name = "potential",
    .open = pot_open,
    .close = pot_close,
    .check = pot_check,
    .compute = pot_compute,
};
