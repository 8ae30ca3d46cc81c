/* run.c — one label: a DFT code's inputs written into a fresh directory,
 * its command run (exec.c) and its output read back, or a labeller of this
 * process asked directly; sessions hold a labeller open for a batch. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "label_internal.h"

nacre_status label_session_open(label_session *ls,
                                const nacre_label_options *opt,
                                nacre_error *err) {
  memset(ls, 0, sizeof *ls);
  ls->ops = label_code(opt->code);
  if (!ls->ops)
    return nacre_error_set(err, NACRE_ERR_INVALID, "unknown label code %d",
                           (int)opt->code);
  return ls->ops->open ? ls->ops->open(opt, &ls->state, err) : NACRE_OK;
}

void label_session_close(label_session *ls) {
  if (ls->ops && ls->ops->close) ls->ops->close(ls->state);
  memset(ls, 0, sizeof *ls);
}

nacre_status nacre_label_prepare(const nacre_label_options *opt,
                                 const nacre_structure *s, const char *dir,
                                 char *command, size_t command_len,
                                 nacre_error *err) {
  nacre_status st = nacre_structure_check(s, err);
  if (st) return st;
  const label_code_ops *ops = label_code(opt->code);
  if (!ops)
    return nacre_error_set(err, NACRE_ERR_INVALID, "unknown DFT code %d",
                           (int)opt->code);
  if (!ops->write_inputs)
    return nacre_error_set(err, NACRE_ERR_UNSUPPORTED,
                           "the %s labeller has no inputs to prepare",
                           ops->name);
  label_settings set;
  label_resolve(opt, &set);
  if (ops->compute) /* a labeller of this process: the structure as it is */
    return ops->write_inputs(opt, s, dir, set.command, command, command_len,
                             err);
  nacre_structure *dft = NULL; /* s, or s in its Niggli-reduced cell */
  int kgrid[3], reduced;
  st = nacre_label_dft_structure(opt, s, &dft, kgrid, &reduced, err);
  if (!st)
    st = ops->write_inputs(opt, dft, dir, set.command, command, command_len,
                           err);
  nacre_structure_free(dft);
  return st;
}

/* The output of a code that groups atoms by species, back in input order. */
static nacre_status input_order(const nacre_structure *s,
                                nacre_label_result *r, nacre_error *err) {
  int z[NACRE_MAX_Z], nz = label_species(s, z), k = 0;
  double *f = malloc(sizeof(double) * 3 * (size_t)(s->natoms ? s->natoms : 1));
  if (!f) return nacre_error_set(err, NACRE_ERR_NOMEM, "forces");
  for (int t = 0; t < nz; t++)
    for (int i = 0; i < s->natoms; i++)
      if (s->numbers[i] == z[t])
        memcpy(f + 3 * i, r->forces_ev_a + 3 * k++, 3 * sizeof(double));
  free(r->forces_ev_a);
  r->forces_ev_a = f;
  return NACRE_OK;
}

nacre_status nacre_label_collect(const nacre_label_options *opt,
                                 const nacre_structure *s, const char *dir,
                                 nacre_label_result *r, nacre_error *err) {
  const label_code_ops *ops = label_code(opt->code);
  if (ops && ops->collect) return ops->collect(opt, s, dir, r, err);
  if (!ops || !ops->parse)
    return nacre_error_set(err, NACRE_ERR_UNSUPPORTED,
                           "the %s labeller leaves no output to collect",
                           ops ? ops->name : "unknown");
  char path[1200];
  snprintf(path, sizeof path, "%s/%s", dir, ops->output);
  char *text = NULL;
  nacre_status st = label_read_file(path, &text, NULL, err);
  if (st)
    return nacre_error_set(err, NACRE_ERR_IO, "%s: no %s (not run yet?)", dir,
                           ops->output);
  st = ops->parse(text, path, s->natoms, r, err);
  free(text);
  /* the grid and cell the inputs were written with (prepare's choice) */
  nacre_structure *dft = NULL;
  nacre_error e2;
  nacre_status dst = nacre_label_dft_structure(opt, s, &dft, r->kgrid,
                                               &r->niggli_cell, &e2);
  if (opt->relax && (st == NACRE_OK || st == NACRE_ERR_NOT_CONVERGED)) {
    nacre_status rs =
        dst ? nacre_error_set(err, dst, "%s", e2.message)
        : ops->relaxed
            ? ops->relaxed(dir, dft, &r->relaxed, &r->relax_steps,
                           &r->relax_converged, err)
            : nacre_error_set(err, NACRE_ERR_UNSUPPORTED,
                              "the %s driver cannot relax", ops->name);
    if (rs && !st) st = rs;
  }
  if (!dst) nacre_structure_free(dft);
  if (ops->species_order && r->has_forces) {
    nacre_status os = input_order(s, r, err);
    if (!st) st = os;
  }
  return st;
}

/* A labeller of this process: no directory, no command. */
static nacre_status run_here(const label_session *ls,
                             const nacre_structure *s, nacre_label_result *r,
                             nacre_error *err) {
  double t0 = nacre_now_s();
  nacre_status st = ls->ops->check(ls->state, s, err);
  if (st) {
    r->setup_error = 1;
    snprintf(r->message, sizeof r->message, "%.250s",
             err ? err->message : nacre_status_name(st));
    return st;
  }
  st = ls->ops->compute(ls->state, s, r, err);
  r->wall_s = nacre_now_s() - t0;
  return st;
}

/* The status of a run whose command exited with `code`, from what the
 * parser said (st) about its output. */
static nacre_status judge(const label_code_ops *ops, nacre_status st,
                          int code, const char *command, const char *dir,
                          nacre_label_result *r, nacre_error *err) {
  if (st == NACRE_ERR_IO && (code == 126 || code == 127)) {
    /* /bin/sh: 127 command not found, 126 not executable */
    r->setup_error = 1;
    return nacre_error_set(err, NACRE_ERR_EXTERNAL,
                           "'%s' could not be started (shell status %d: %s; "
                           "see %s/label.out)",
                           command, code,
                           code == 127 ? "command not found" : "not executable",
                           dir);
  }
  if (st == NACRE_ERR_IO)
    return nacre_error_set(err, NACRE_ERR_EXTERNAL,
                           "'%s' exited with status %d and wrote no %s (see "
                           "%s/label.out)",
                           command, code, ops->output, dir);
  if (st == NACRE_OK && code != 0)
    return nacre_error_set(err, NACRE_ERR_EXTERNAL,
                           "'%s' exited with status %d (see %s/label.out)",
                           command, code, dir);
  return st;
}

static nacre_status run_command(const label_session *ls,
                                const nacre_label_options *opt,
                                const nacre_structure *s,
                                nacre_label_result *r, const nacre_ctx *ctx,
                                nacre_error *err) {
  char dir[1024];
  snprintf(dir, sizeof dir, "%s/nacre-label-XXXXXX",
           opt->workdir && opt->workdir[0] ? opt->workdir : ".");
  if (!mkdtemp(dir))
    return nacre_error_set(err, NACRE_ERR_IO, "cannot create %s: %s", dir,
                           strerror(errno));
  char command[2048];
  nacre_status st = nacre_label_prepare(opt, s, dir, command, sizeof command,
                                        err);
  if (st) {
    label_remove_tree(dir);
    snprintf(r->message, sizeof r->message, "%.250s",
             err ? err->message : "input");
    r->setup_error = 1;
    return st;
  }
  nacre_log(ctx, NACRE_LOG_DEBUG, "label: running '%s' in %s", command, dir);
  double t0 = nacre_now_s();
  int code = 0;
  st = label_exec(command, dir, "label.out", opt->timeout_s, !opt->keep_files,
                  ctx, &code, err);
  double wall = nacre_now_s() - t0;
  if (!st)
    st = judge(ls->ops, nacre_label_collect(opt, s, dir, r, err), code,
               command, dir, r, err);
  r->wall_s = wall;
  if (st) {
    if (!r->message[0] || st != NACRE_ERR_NOT_CONVERGED)
      snprintf(r->message, sizeof r->message, "%.250s",
               err ? err->message : nacre_status_name(st));
    /* a failure is kept for inspection; an interrupted run says nothing */
    if (st == NACRE_ERR_INTERRUPTED && !opt->keep_files)
      label_remove_tree(dir);
    else if (!opt->keep_files)
      nacre_log(ctx, NACRE_LOG_INFO, "label: kept %s for inspection", dir);
  } else if (!opt->keep_files) {
    label_remove_tree(dir);
  }
  return st;
}

nacre_status label_run(const label_session *ls,
                       const nacre_label_options *opt,
                       const nacre_structure *s, nacre_label_result *r,
                       const nacre_ctx *ctx, nacre_error *err) {
  nacre_label_result_clear(r);
  nacre_status st = nacre_structure_check(s, err);
  if (st) return st;
  if (ls->ops->compute) return run_here(ls, s, r, err);
  return run_command(ls, opt, s, r, ctx, err);
}

nacre_status nacre_label_run(const nacre_label_options *opt,
                             const nacre_structure *s, nacre_label_result *r,
                             const nacre_ctx *ctx, nacre_error *err) {
  label_session ls;
  nacre_status st = label_session_open(&ls, opt, err);
  if (st) {
    nacre_label_result_clear(r);
    r->setup_error = 1;
    snprintf(r->message, sizeof r->message, "%.250s",
             err ? err->message : nacre_status_name(st));
    return st;
  }
  st = label_run(&ls, opt, s, r, ctx, err);
  label_session_close(&ls);
  return st;
}

nacre_status label_check_setup(const label_session *ls,
                               const nacre_label_options *opt,
                               const nacre_structure *s, nacre_error *err) {
  if (ls->ops->compute) return ls->ops->check(ls->state, s, err);
  char dir[1024], command[2048];
  snprintf(dir, sizeof dir, "%s/nacre-label-check-XXXXXX",
           opt->workdir && opt->workdir[0] ? opt->workdir : ".");
  if (!mkdtemp(dir))
    return nacre_error_set(err, NACRE_ERR_IO, "cannot create %s: %s", dir,
                           strerror(errno));
  nacre_status st = nacre_label_prepare(opt, s, dir, command, sizeof command,
                                        err);
  label_remove_tree(dir);
  return st;
}
