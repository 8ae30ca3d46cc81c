/* mdtest.h — what the MD tests share: Debian's LAMMPS run in a scratch
 * directory on a nacre structure (with velocities), its thermo table and
 * dumps read back, the Cu fcc cell with Cu_u3.eam, and running `nacre`. */
#ifndef NACRE_TEST_MDTEST_H
#define NACRE_TEST_MDTEST_H

#include "nacre/core.h"
#include "nacre/pot.h"

/* Path of Debian's Cu_u3.eam, or NULL when lammps-data is absent. */
const char *mdtest_cu_u3(void);
/* 1 when `lmp` runs. */
int mdtest_have_lammps(void);
/* A fresh scratch directory (static storage; removed by mdtest_cleanup). */
const char *mdtest_tmpdir(void);
void mdtest_cleanup(const char *dir);

/* Writes s as dir/data.lmp (velocities in Å/fs may be NULL: then none;
 * masses from the element table, one type per element in order of first
 * appearance), the script as dir/in.lmp, and runs LAMMPS there (log in
 * dir/log.lammps). R receives the rotation with x_lammps = x · R. Returns 0
 * on success. */
int mdtest_lammps_run(const char *dir, const nacre_structure *s,
                      const double *velocities, const char *script,
                      double R[3][3]);

/* The thermo table of the last run in a LAMMPS log: *rows × *cols values
 * (malloc'd, caller frees), *cols from the header line. NULL on failure. */
double *mdtest_lammps_thermo(const char *log, int *rows, int *cols);

/* The last frame of a custom dump sorted by id, ncol values per atom after
 * the id: out[natoms × ncol]. Returns 0 on success. */
int mdtest_read_dump(const char *path, int natoms, int ncol, double *out);

/* fcc Cu, conventional cell a = 3.615 Å repeated n×n×n. */
nacre_structure *mdtest_cu_fcc(int n, double a);

/* Runs a shell command, returns its exit status (−1 if it did not run). */
int mdtest_system(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Mean of x[0..n) and its standard error by repeated halving (blocking,
 * the largest estimate over block lengths with >= 16 blocks). */
void mdtest_blocked_mean(const double *x, long n, double *mean, double *se);

/* Mean of x[0..n) and its standard error from nb contiguous batch means
 * (for series whose correlation time is a sizeable part of the run). */
void mdtest_batch_mean(const double *x, long n, int nb, double *mean,
                       double *se);

/* A growing series of doubles. */
typedef struct mdtest_series {
  double *x;
  long n, cap;
} mdtest_series;
void mdtest_series_add(mdtest_series *s, double x);
void mdtest_series_free(mdtest_series *s);

#endif
