/* label_internal.h — what the files of src/label share (not exported):
 * the operations table of the labellers (one row per code: abinit.c,
 * qe.c, vasp.c, potential.c; looked up in code.c), the pieces of the
 * driver (exec.c runs a command, run.c one label, journal.c the output
 * and failure files, batch.c whole batches) and small helpers. */
#ifndef NACRE_LABEL_INTERNAL_H
#define NACRE_LABEL_INTERNAL_H

#include <stddef.h>

#include "nacre/label.h"

/* A growing string. */
typedef struct label_buf {
  char *s;
  size_t len, cap;
  int failed; /* an allocation failed */
} label_buf;

void label_buf_printf(label_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void label_buf_free(label_buf *b);

/* Whole file as a NUL-terminated malloc'd string. */
nacre_status label_read_file(const char *path, char **text, size_t *len,
                             nacre_error *err);
/* Writes text to path (plain, not atomic: used inside a label's own
 * directory). */
nacre_status label_write_file(const char *path, const char *text,
                              nacre_error *err);

/* Distinct atomic numbers of s in order of first appearance; returns the
 * count (≤ NACRE_MAX_Z). */
int label_species(const nacre_structure *s, int *z);

/* Appends the three cell vectors of s (Å), one "  x y z" row each, without a
 * final newline. */
void label_buf_cell(label_buf *b, const nacre_structure *s);

/* (Re)allocates r->forces_ev_a for natoms atoms and sets r->natoms; name is
 * the output file named in the error. */
nacre_status label_result_forces(nacre_label_result *r, int natoms,
                                 const char *name, nacre_error *err);

/* Pseudopotential folder: opt->pseudo_dir when set, else the environment
 * variable env_name when set and not empty, else fallback (may be NULL). */
const char *label_pseudo_dir(const nacre_label_options *opt,
                             const char *env_name, const char *fallback);

/* Looks up "Sym=file" in a comma-separated override list; copies the file
 * into out (size outlen) and returns 1 when found. */
int label_pseudo_override(const char *list, const char *symbol, char *out,
                          size_t outlen);

/* Built-in templates. */
extern const char label_abinit_template[];
extern const char label_qe_template[];
extern const char label_vasp_incar_template[];

/* Defaults resolved for a code. */
typedef struct label_settings {
  double ecut_ev, ecut_dens_factor, kspacing, smearing_ev, scf_tol_ev;
  int max_scf;
  const char *command;
} label_settings;
void label_resolve(const nacre_label_options *opt, label_settings *set);

/* ---- the operations table: one row per labeller ---- */

typedef struct label_code_ops {
  nacre_label_code code;
  const char *name;          /* "abinit" */
  const char *alias[2];      /* other names accepted, NULL-padded */
  /* A DFT code run as a command in a directory of its own: */
  const char *command;       /* default command prefix */
  double ecut_ev, ecut_dens_factor; /* converged defaults for metals */
  const char *output;        /* the file its results are read from */
  /* Writes the inputs of s (in the cell the code is given) into dir and
   * the full command line, prefix included, into command. */
  nacre_status (*write_inputs)(const nacre_label_options *opt,
                               const nacre_structure *s, const char *dir,
                               const char *prefix, char *command,
                               size_t command_len, nacre_error *err);
  /* The parser of `output` (nacre/label.h describes the statuses). */
  nacre_status (*parse)(const char *text, const char *name, int natoms,
                        nacre_label_result *r, nacre_error *err);
  int species_order;         /* the output lists atoms grouped by species */
  /* With opt->relax: the relaxed structure a run left in dir (atoms in
   * the order of `given`, the structure the code was given), its ionic
   * steps and whether the code's criteria were met. */
  nacre_status (*relaxed)(const char *dir, const nacre_structure *given,
                          nacre_structure **out, int *steps, int *converged,
                          nacre_error *err);
  /* Reads the results a prepared run left in dir, for a code whose output
   * is not one file for `parse` (NULL: `output` read and parsed). */
  nacre_status (*collect)(const nacre_label_options *opt,
                          const nacre_structure *s, const char *dir,
                          nacre_label_result *r, nacre_error *err);
  /* A labeller that runs in this process (compute set): open makes its
   * state once per batch, check refuses structures it cannot label
   * (before anything is written), compute labels one. It may also write
   * inputs, for a batch prepared to run elsewhere; it is given the
   * structure as it is (no cell reduction: no k-points). */
  nacre_status (*open)(const nacre_label_options *opt, void **state,
                       nacre_error *err);
  void (*close)(void *state);
  nacre_status (*check)(void *state, const nacre_structure *s,
                        nacre_error *err);
  nacre_status (*compute)(void *state, const nacre_structure *s,
                          nacre_label_result *r, nacre_error *err);
} label_code_ops;

extern const label_code_ops label_abinit_ops, label_qe_ops, label_vasp_ops,
    label_potential_ops;
/* The row of a code, NULL when unknown. */
const label_code_ops *label_code(nacre_label_code code);

/* A labeller ready for a batch: its row and, for one that runs in this
 * process, its state. */
typedef struct label_session {
  const label_code_ops *ops;
  void *state;
} label_session;
nacre_status label_session_open(label_session *ls,
                                const nacre_label_options *opt,
                                nacre_error *err);
void label_session_close(label_session *ls);
/* nacre_label_run with an open session. */
nacre_status label_run(const label_session *ls,
                       const nacre_label_options *opt,
                       const nacre_structure *s, nacre_label_result *r,
                       const nacre_ctx *ctx, nacre_error *err);
/* The set-up check of a batch for one structure: its inputs written into
 * a scratch directory (DFT codes) or the labeller's own check. */
nacre_status label_check_setup(const label_session *ls,
                               const nacre_label_options *opt,
                               const nacre_structure *s, nacre_error *err);

/* ---- running commands (exec.c) ---- */

/* nacre_label_exec; with remove_dir_on_orphan the watchdog also removes
 * dir after stopping the group when this process has died. */
nacre_status label_exec(const char *command, const char *dir,
                        const char *log_path, double timeout_s,
                        int remove_dir_on_orphan, const nacre_ctx *ctx,
                        int *exit_code, nacre_error *err);
/* rm -r of a label's directory (no shell, symbolic links not followed). */
void label_remove_tree(const char *dir);

/* ---- the output and failure files (journal.c) ---- */

/* A set of label ids for membership tests (sorted copies). */
typedef struct label_ids {
  char **id;
  int n;
} label_ids;
int label_ids_has(const label_ids *s, const char *id);
void label_ids_free(label_ids *s);
/* Ids already labelled (output, its incomplete last frame cut off) and
 * failed (failed_log, may be NULL); either file may be absent. */
nacre_status label_known_ids(const char *output, const char *failed_log,
                             label_ids *done, label_ids *failed,
                             nacre_error *err);
/* The failure log's line "id<TAB>status<TAB>reason\n" (tabs and newlines
 * of the reason become spaces) in line[600], the reason alone in
 * msg[400]; returns the line's length. */
int label_failure_line(const char *id, nacre_status st, const char *reason,
                       char line[600], char msg[400]);

#endif
