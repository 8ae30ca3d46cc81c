/* lammpsrun.h — running Debian's LAMMPS (`lmp`, serially or under mpirun)
 * on a nacre structure and reading back its energy, forces and stress in
 * nacre's frame and units. */
#ifndef NACRE_TEST_LAMMPSRUN_H
#define NACRE_TEST_LAMMPSRUN_H

#include "nacre/core.h"

/* LAMMPS' metal-units pressure factor nktv2p, bar per eV/Å^3 (LAMMPS
 * src/update.cpp; an older CODATA value than NACRE_EV_A3_TO_GPA, 8e-8
 * relative apart). */
#define LAMMPS_BAR_PER_EV_A3 1.6021765e6

typedef struct lammps_result {
  double energy;    /* eV */
  double *forces;   /* 3·natoms eV/Å, nacre's frame (allocated by the run) */
  double stress[6]; /* eV/Å^3, ASE sign, nacre's frame */
} lammps_result;

/* 1 when `lmp` runs; with package non-NULL, 1 only when `lmp -h` lists
 * that package (e.g. "KIM"). */
int lammps_available(const char *package);
/* 1 when `mpirun` can start 2 ranks of `lmp` here (as root too). */
int lammps_mpi_available(void);

/* `run 0` of LAMMPS on s in a fresh temporary folder: the input is
 * before_read (units, `kim init ...`), read_data of s (written by
 * nacre_lammps_data_write with type_z), after_read (pair style,
 * `kim interactions ...`). nranks 0: serial lmp; N: mpirun -np N.
 * Returns 0 and fills out (free out->forces) or −1 with a message. */
int lammps_run0(const nacre_structure *s, const int *type_z, int ntypes,
                const char *before_read, const char *after_read, int nranks,
                lammps_result *out);

/* Runs the LAMMPS input `script` (with `data.lmp` holding s) in a fresh
 * temporary folder and returns the log's text followed by what the run
 * wrote to standard output and error (malloc'd), or NULL. */
char *lammps_run_script(const nacre_structure *s, const int *type_z, int ntypes,
                        const char *script, int nranks);

#endif
