/* md_output.h — the files of `nacre md`: the starting structure with its
 * velocities and masses, extxyz trajectory frames, the CSV thermo log and
 * the checkpoint (a header with the output files' lengths, then the state of
 * nacre_md_state_write). Formatting only; the dynamics is in src/md. */
#ifndef NACRE_CLI_MD_OUTPUT_H
#define NACRE_CLI_MD_OUTPUT_H

#include <stdio.h>

#include "nacre/md.h"

/* ASE's momenta are in amu·Å per ASE time unit √(amu·Å²/eV) = 10.18 fs:
 * v [Å/fs] = p / (m · √NACRE_AMU_A2_FS2_EV). */

typedef struct md_input {
  nacre_structure *s;
  double *velocities; /* 3N Å/fs, or NULL */
  double *masses;     /* N amu, or NULL */
  const char *velocity_source; /* "momenta", "velocities" or NULL */
} md_input;

/* Reads spec (path[@frame]); velocities from a `momenta` column (ASE units)
 * or a `velocities` column (Å/fs), masses from a `masses` column. */
nacre_status md_input_read(const char *spec, md_input *in, nacre_error *err);
void md_input_free(md_input *in);

/* One extxyz frame: positions (unwrapped), momenta (ASE units), forces,
 * energy and, when computed this step, the potential's stress; masses when
 * they differ from the element table; info step, time_fs, temperature_k. */
nacre_status md_write_frame(FILE *fp, const nacre_md *md,
                            const nacre_md_thermo *th, int write_masses,
                            nacre_error *err);

/* The CSV log: header and one row per thermo step. */
void md_log_header(FILE *fp, int committee);
void md_log_row(FILE *fp, const nacre_md_thermo *th, int committee);

/* Checkpoint: written atomically (temporary file, fsync, rename). */
nacre_status md_checkpoint_write(const char *path, const nacre_md *md,
                                 const char *potential, long traj_bytes,
                                 long log_bytes, nacre_error *err);
/* Restores md from path; refuses a checkpoint of another potential. */
nacre_status md_checkpoint_read(const char *path, nacre_md *md,
                                 const char *potential, long *traj_bytes,
                                 long *log_bytes, nacre_error *err);

#endif
