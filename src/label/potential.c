/* potential.c — the labeller that is a nacre potential ("--code
 * potential:SPEC"): energy, forces and stress of the potential, in this
 * process, so that a loop that labels (nacre label, active learning) runs
 * in seconds against a known truth. Every label converges; a structure
 * with an element the potential does not know is refused before anything
 * is written, as a DFT code's missing pseudopotential is. label_version
 * records the potential's SPEC. With fail_fraction > 0 a fixed share of
 * the structures fails as a DFT code's unconverged SCF does.
 *
 * Prepared to run elsewhere (nacre label --prepare, nacre learn
 * --prepare), its job is nacre itself: the structure in structure.extxyz
 * (numbers that read back exactly) and `nacre label` with the same SPEC
 * writing label.extxyz, or label.extxyz.failed when the label failed; so
 * the results collected are those a label in this process gives. */
#define _XOPEN_SOURCE 700 /* realpath */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "label_internal.h"
#include "nacre/io.h"
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

/* ---- prepared to run elsewhere ---- */

/* Appends text to b in single quotes for /bin/sh. */
static void shell_quote(label_buf *b, const char *text) {
  label_buf_printf(b, "'");
  for (const char *p = text; *p; p++)
    if (*p == '\'') label_buf_printf(b, "'\\''");
    else label_buf_printf(b, "%c", *p);
  label_buf_printf(b, "'");
}

static nacre_status pot_write_inputs(const nacre_label_options *opt,
                                     const nacre_structure *s, const char *dir,
                                     const char *prefix, char *command,
                                     size_t command_len, nacre_error *err) {
  if (!opt->potential || !opt->potential[0])
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "the potential labeller needs a potential SPEC");
  char path[1200];
  snprintf(path, sizeof path, "%s/structure.extxyz", dir);
  nacre_status st = nacre_write_structure(path, s, NACRE_FORMAT_EXTXYZ, err);
  if (st) return st;
  /* the job runs in its own folder: a potential file named relative to
   * this one's working directory is given by its absolute path */
  char abs[PATH_MAX], spec[PATH_MAX + 16];
  const char *name = opt->potential;
  if (name[0] != '/' && nacre_file_exists(name) && realpath(name, abs))
    name = abs;
  snprintf(spec, sizeof spec, "potential:%s", name);
  label_buf b = {0};
  label_buf_printf(&b, "%s label structure.extxyz --code ", prefix);
  shell_quote(&b, spec);
  label_buf_printf(&b, " -o label.extxyz -q");
  if (opt->fail_fraction > 0)
    label_buf_printf(&b, " --fail-fraction %.17g", opt->fail_fraction);
  if (b.failed || !b.s || b.len >= command_len)
    st = nacre_error_set(err, b.failed ? NACRE_ERR_NOMEM : NACRE_ERR_INVALID,
                         "the command of a prepared label is too long");
  else
    snprintf(command, command_len, "%s", b.s);
  label_buf_free(&b);
  return st;
}

/* The failure a prepared job recorded (label.extxyz.failed: "id<TAB>
 * status<TAB>reason"); NACRE_ERR_IO when it recorded none. */
static nacre_status pot_collect_failure(const char *dir, nacre_label_result *r,
                                        nacre_error *err) {
  char path[1200];
  snprintf(path, sizeof path, "%s/label.extxyz.failed", dir);
  char *text = NULL;
  if (label_read_file(path, &text, NULL, NULL))
    return nacre_error_set(err, NACRE_ERR_IO, "%s: no label.extxyz (not run yet?)",
                           dir);
  char *status = strchr(text, '\t');
  char *reason = status ? strchr(status + 1, '\t') : NULL;
  if (!reason) {
    free(text);
    return nacre_error_set(err, NACRE_ERR_PARSE, "%s: unreadable failure line", path);
  }
  *reason++ = '\0';
  reason[strcspn(reason, "\n")] = '\0';
  snprintf(r->message, sizeof r->message, "%.250s", reason);
  nacre_status st = !strcmp(status + 1, nacre_status_name(NACRE_ERR_NOT_CONVERGED))
                        ? NACRE_ERR_NOT_CONVERGED
                        : NACRE_ERR_EXTERNAL;
  free(text);
  return nacre_error_set(err, st, "%s", r->message);
}

static nacre_status pot_collect(const nacre_label_options *opt,
                                const nacre_structure *s, const char *dir,
                                nacre_label_result *r, nacre_error *err) {
  (void)opt;
  char path[1200];
  snprintf(path, sizeof path, "%s/label.extxyz", dir);
  if (!nacre_file_exists(path)) return pot_collect_failure(dir, r, err);
  nacre_frame f;
  nacre_frame_init(&f);
  nacre_status st = nacre_read_frame(path, &f, err);
  unsigned need = NACRE_FRAME_ENERGY | NACRE_FRAME_FORCES | NACRE_FRAME_STRESS;
  if (!st && (!f.s || f.s->natoms != s->natoms || (f.has & need) != need))
    st = nacre_error_set(err, NACRE_ERR_PARSE,
                         "%s: expected a labelled frame of %d atoms", path, s->natoms);
  if (!st) st = label_result_forces(r, s->natoms, path, err);
  if (!st) {
    r->energy_ev = f.energy;
    r->free_energy_ev = f.has & NACRE_FRAME_FREE_ENERGY ? f.free_energy : f.energy;
    memcpy(r->forces_ev_a, f.forces, sizeof(double) * 3 * (size_t)s->natoms);
    memcpy(r->stress_ev_a3, f.stress, sizeof r->stress_ev_a3);
    r->has_energy = r->has_forces = r->has_stress = 1;
    r->converged = 1;
    const char *v = nacre_frame_get_info(&f, "label_version");
    snprintf(r->code_version, sizeof r->code_version, "%s", v ? v : "");
    const char *w = nacre_frame_get_info(&f, "label_wall_s");
    r->wall_s = w ? atof(w) : 0;
  }
  nacre_frame_clear(&f);
  return st;
}

const label_code_ops label_potential_ops = {
    .code = NACRE_LABEL_POTENTIAL,
    .name = "potential",
    .command = "nacre",
    .output = "label.extxyz",
    .write_inputs = pot_write_inputs,
    .collect = pot_collect,
    .open = pot_open,
    .close = pot_close,
    .check = pot_check,
    .compute = pot_compute,
};
