/* nacre/core.h — the core layer: status codes and errors, logging context,
 * units and constants, the species table, reproducible random streams,
 * periodic cells and the atomic structure.
 *
 * Conventions (see ARCHITECTURE.md): eV, Å, fs, amu, K; pressure and stress
 * in GPa at interfaces, eV/Å^3 inside. Cells are row vectors (a, b, c are
 * rows of cell[3][3]); positions are Cartesian; species are atomic numbers
 * (indices into the species table). Nothing here holds global mutable
 * state. */
#ifndef NACRE_CORE_H
#define NACRE_CORE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Status codes and errors                                              */
/* ------------------------------------------------------------------ */

typedef enum nacre_status {
  NACRE_OK = 0,
  NACRE_ERR_NOMEM,         /* allocation failed */
  NACRE_ERR_IO,            /* file could not be opened, read or written */
  NACRE_ERR_PARSE,         /* malformed input: message names file:line */
  NACRE_ERR_INVALID,       /* an argument or structure is not acceptable */
  NACRE_ERR_UNSUPPORTED,   /* valid request that this build cannot do */
  NACRE_ERR_NUMERIC,       /* NaN/Inf or other numerical breakdown */
  NACRE_ERR_NOT_CONVERGED, /* an iterative method ran out of steps */
  NACRE_ERR_EXTERNAL,      /* an external program or library failed */
  NACRE_ERR_INTERRUPTED    /* stopped on request (signal, time limit) */
} nacre_status;

#define NACRE_ERROR_MESSAGE_MAX 1024

/* An error object owned by the caller. Functions that fail fill it (when it
 * is not NULL) and return the same status they store. */
typedef struct nacre_error {
  nacre_status status;
  char message[NACRE_ERROR_MESSAGE_MAX];
} nacre_error;

void nacre_error_clear(nacre_error *err);
/* Sets status and a printf-style message; returns status. err may be NULL. */
nacre_status nacre_error_set(nacre_error *err, nacre_status status,
                             const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Prepends context ("reading x.cif: ") to an existing message; returns the
 * stored status. */
nacre_status nacre_error_prefix(nacre_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
const char *nacre_status_name(nacre_status status);

/* ------------------------------------------------------------------ */
/* Context: logging and run-wide settings, passed in rather than global   */
/* ------------------------------------------------------------------ */

typedef enum nacre_log_level {
  NACRE_LOG_ERROR = 0,
  NACRE_LOG_WARN = 1,
  NACRE_LOG_INFO = 2,
  NACRE_LOG_DEBUG = 3
} nacre_log_level;

typedef void (*nacre_log_fn)(void *user, nacre_log_level level,
                             const char *message);

typedef struct nacre_ctx {
  nacre_log_fn log;         /* NULL: the library prints nothing */
  void *log_user;
  nacre_log_level log_level; /* messages above this level are dropped */
  int nthreads;              /* OpenMP threads; 0 = runtime default */
  volatile int *interrupt;   /* when non-NULL and *interrupt != 0, long
                                computations stop with NACRE_ERR_INTERRUPTED */
} nacre_ctx;

void nacre_ctx_init(nacre_ctx *ctx);
void nacre_log(const nacre_ctx *ctx, nacre_log_level level, const char *fmt,
               ...) __attribute__((format(printf, 3, 4)));
int nacre_ctx_interrupted(const nacre_ctx *ctx);

/* ------------------------------------------------------------------ */
/* Units and constants                                                   */
/* ------------------------------------------------------------------ */
/* CODATA 2018 (exact SI definitions of e and k_B; Bohr and Hartree from the
 * 2018 adjustment). */
#define NACRE_EV_A3_TO_GPA 160.21766340     /* 1 eV/Å^3 in GPa (e·1e21) */
#define NACRE_GPA_TO_EV_A3 (1.0 / NACRE_EV_A3_TO_GPA)
#define NACRE_KBAR_TO_GPA 0.1               /* 1 kbar = 0.1 GPa */
#define NACRE_GPA_TO_KBAR 10.0
#define NACRE_BOLTZMANN_EV_K 8.617333262e-5 /* k_B in eV/K */
#define NACRE_BOHR_A 0.529177210903         /* Bohr radius in Å */
#define NACRE_HARTREE_EV 27.211386245988    /* Hartree in eV */
#define NACRE_RYDBERG_EV (0.5 * NACRE_HARTREE_EV)
#define NACRE_HA_BOHR3_TO_GPA                                                  \
  (NACRE_HARTREE_EV / (NACRE_BOHR_A * NACRE_BOHR_A * NACRE_BOHR_A) *           \
   NACRE_EV_A3_TO_GPA)
/* Mass·length²/time² conversion: 1 amu·Å²/fs² in eV (amu = 1.66053906660e-27
 * kg, e = 1.602176634e-19 C). Acceleration a[Å/fs²] = F[eV/Å] / (m[amu] ·
 * NACRE_AMU_A2_FS2_EV). */
#define NACRE_AMU_A2_FS2_EV 103.642696562
#define NACRE_PI 3.14159265358979323846

/* ------------------------------------------------------------------ */
/* Species table (elements 1–103)                                        */
/* ------------------------------------------------------------------ */

#define NACRE_MAX_Z 103

typedef struct nacre_element {
  int z;
  const char *symbol;
  double mass_amu;         /* IUPAC standard atomic weight (conventional) */
  double covalent_radius;  /* Å, Cordero et al. 2008 */
} nacre_element;

/* NULL when z is outside 1..NACRE_MAX_Z. */
const nacre_element *nacre_element_by_z(int z);
/* Covalent radius of element z in Å (Cordero et al. 2008); 1.5 Å outside
 * 1..NACRE_MAX_Z, so that distance estimates never see zero. */
double nacre_covalent_radius(int z);
/* Atomic number of a symbol ("Na", case-insensitive first letter rules as
 * in chemistry: "NA" and "na" are accepted); 0 if unknown. */
int nacre_element_z(const char *symbol);
/* Atomic number of the leading element symbol of s (e.g. "Na_pv", "Na1",
 * "Na2+"), writing its length to *len; 0 if none. */
int nacre_element_z_prefix(const char *s, size_t *len);

/* ------------------------------------------------------------------ */
/* Reproducible random streams (xoshiro256**, seeded by splitmix64)       */
/* ------------------------------------------------------------------ */

typedef struct nacre_rng {
  uint64_t s[4];
  int has_spare;
  double spare;
} nacre_rng;

/* Stream `stream` of seed `seed`: distinct streams are independent, so each
 * worker or structure gets its own reproducible stream. */
void nacre_rng_init(nacre_rng *rng, uint64_t seed, uint64_t stream);
uint64_t nacre_rng_u64(nacre_rng *rng);
double nacre_rng_uniform(nacre_rng *rng);        /* [0, 1) */
double nacre_rng_normal(nacre_rng *rng);         /* mean 0, variance 1 */
int nacre_rng_int(nacre_rng *rng, int n);        /* uniform in [0, n) */
void nacre_rng_unit_vector(nacre_rng *rng, double v[3]);

/* FNV-1a 64-bit hash of the bytes of s, continuing from h (start a new hash
 * with NACRE_FNV1A_OFFSET): stable identities of structures and samples. */
#define NACRE_FNV1A_OFFSET 14695981039346656037ull
uint64_t nacre_fnv1a(uint64_t h, const char *s);

/* Seconds on a monotonic clock (CLOCK_MONOTONIC): differences of two calls
 * measure elapsed time, unaffected by changes of the system clock. */
double nacre_now_s(void);
/* Seconds since the Unix epoch (CLOCK_REALTIME): timestamps kept in files. */
double nacre_epoch_s(void);
/* CPU seconds this process has used, all its threads together
 * (CLOCK_PROCESS_CPUTIME_ID). */
double nacre_cpu_s(void);
/* 1 when path names an existing regular file (symbolic links followed). */
int nacre_file_exists(const char *path);

/* One line of a text file into buf (n bytes, the newline kept), as fgets
 * reads it, for the small tables read outside io: 1 on success, 0 at the
 * end of the file, -1 when the line does not fit (the rest of it is
 * skipped, so the caller refuses it rather than read its tail as a line of
 * its own). */
int nacre_read_line(FILE *fp, char *buf, size_t n);

/* ------------------------------------------------------------------ */
/* Tables (CSV)                                                         */
/* ------------------------------------------------------------------ */

typedef struct nacre_table nacre_table;

/* Reads a CSV file: a header line of column names, then one row per line
 * (blank lines are skipped, a '#' outside quotes starts a comment that runs
 * to the end of the line; fields may be double-quoted). Rows with a different number of fields are an error that
 * names file and line. Free with nacre_table_free. */
nacre_status nacre_table_read(const char *path, nacre_table **out,
                              nacre_error *err);
/* Same from text in memory; `source` names it in messages. */
nacre_status nacre_table_parse(const char *text, size_t len,
                               const char *source, nacre_table **out,
                               nacre_error *err);
void nacre_table_free(nacre_table *t);
int nacre_table_rows(const nacre_table *t);
int nacre_table_columns(const nacre_table *t);
const char *nacre_table_source(const nacre_table *t);
const char *nacre_table_name(const nacre_table *t, int col);
/* Column index of `name`, or −1. */
int nacre_table_find(const nacre_table *t, const char *name);
/* Text of a cell as read (unquoted). */
const char *nacre_table_cell(const nacre_table *t, int row, int col);
/* Line of the file that holds row `row` (1-based, header is line 1 or
 * later). */
int nacre_table_line(const nacre_table *t, int row);
/* The value of one cell, a finite number; an empty cell or text is an
 * error naming file, line and column. */
nacre_status nacre_table_number(const nacre_table *t, int row, int col,
                                double *out, nacre_error *err);
/* Values of a numeric column; an empty cell or text is an error naming
 * file, line and column. */
nacre_status nacre_table_numeric(const nacre_table *t, int col,
                                 double *out, nacre_error *err);
/* Column indices of a comma-separated list of names (malloc'd, *n of
 * them); an unknown name is an error listing the columns there are. */
nacre_status nacre_table_select(const nacre_table *t, const char *list,
                                int **cols, int *n, nacre_error *err);

/* Decimal text of v that reads back exactly: %.15g when that reads back
 * (3.2 stays "3.2" where %.17g writes 3.2000000000000002), else %.17g.
 * NaN and the infinities come out as printf writes them. */
#define NACRE_DOUBLE_TEXT 32
void nacre_format_double(double v, char buf[NACRE_DOUBLE_TEXT]);

/* ------------------------------------------------------------------ */
/* Small linear algebra on 3x3 matrices                                   */
/* ------------------------------------------------------------------ */

double nacre_mat3_det(const double m[3][3]);
/* Returns NACRE_ERR_NUMERIC when |det| is below 1e-300. */
nacre_status nacre_mat3_inverse(const double m[3][3], double inv[3][3]);
void nacre_mat3_mul(const double a[3][3], const double b[3][3],
                    double out[3][3]);
void nacre_mat3_transpose(const double m[3][3], double out[3][3]);
/* Symmetric 3x3 <-> Voigt (xx yy zz yz xz xy). */
void nacre_voigt_from_mat3(const double m[3][3], double v[6]);
void nacre_mat3_from_voigt(const double v[6], double m[3][3]);

/* L-BFGS search direction d = −H g by the two-loop recursion (Nocedal &
 * Wright, Numerical Optimization, algorithm 7.4) over the `count` newest of
 * m stored pairs: pair i is (s[i], y[i]) with rho[i] = 1/(s[i]·y[i]), the
 * newest in slot (head − 1) mod m, older ones before it. H⁰ = γ I with
 * γ = sᵀy/yᵀy of the newest pair. count = 0 gives d = −g (the caller
 * scales a first step as it sees fit). alpha holds m doubles of scratch;
 * vectors have n entries. */
void nacre_lbfgs_direction(int n, int m, int count, int head,
                           const double *const *s, const double *const *y,
                           const double *rho, double *alpha, const double *g,
                           double *d);

/* ------------------------------------------------------------------ */
/* Cells                                                                 */
/* ------------------------------------------------------------------ */

double nacre_cell_volume(const double cell[3][3]); /* signed det, Å^3 */
/* Reciprocal rows b_i with a_i·b_j = δ_ij (no 2π). */
nacre_status nacre_cell_reciprocal(const double cell[3][3],
                                   double recip[3][3]);
/* Perpendicular widths: distance between opposite faces, Å. */
void nacre_cell_heights(const double cell[3][3], double h[3]);
void nacre_cell_lengths_angles(const double cell[3][3], double abc[3],
                               double angles_deg[3]);
/* Standard orientation: a along x, b in the xy plane. */
nacre_status nacre_cell_from_lengths_angles(const double abc[3],
                                            const double angles_deg[3],
                                            double cell[3][3]);
void nacre_cell_frac_to_cart(const double cell[3][3], const double frac[3],
                             double cart[3]);
/* recip from nacre_cell_reciprocal. */
void nacre_cell_cart_to_frac(const double recip[3][3], const double cart[3],
                             double frac[3]);
/* Shortest periodic image of d (Cartesian) under the periodic directions;
 * exact for any cell shape (searches neighbouring images of the reduced
 * vector). */
void nacre_cell_minimum_image(const double cell[3][3], const int pbc[3],
                              double d[3]);
/* Niggli-reduced cell (Křivý–Gruber; symprec: tolerance on the metric,
 * Å²) and the integer matrix M with
 * reduced = M · cell. Returns NACRE_ERR_NUMERIC for degenerate cells. */
nacre_status nacre_cell_niggli(const double cell[3][3], double symprec,
                               double reduced[3][3], int m[3][3]);

/* ------------------------------------------------------------------ */
/* Structures                                                            */
/* ------------------------------------------------------------------ */

typedef struct nacre_structure {
  int natoms;
  double cell[3][3];       /* rows a, b, c in Å */
  int pbc[3];              /* 1 = periodic along a, b, c */
  int *numbers;            /* atomic numbers, natoms */
  double *positions;       /* Cartesian Å, 3*natoms */
  unsigned char *fixed;    /* NULL, or 3*natoms flags: 1 = coordinate held
                              fixed (POSCAR selective dynamics "F") */
} nacre_structure;

/* Zeroed cell, pbc = 1 1 1, numbers and positions zero. Free with
 * nacre_structure_free. */
nacre_structure *nacre_structure_new(int natoms, nacre_error *err);
nacre_structure *nacre_structure_copy(const nacre_structure *s,
                                      nacre_error *err);
void nacre_structure_free(nacre_structure *s);
/* Adds the fixed-flags array (all zero) if absent. */
nacre_status nacre_structure_alloc_fixed(nacre_structure *s, nacre_error *err);
/* Wraps positions into the cell along periodic directions ([0,1) frac). */
void nacre_structure_wrap(nacre_structure *s);
/* Fractional coordinates, 3*natoms, caller-allocated. */
nacre_status nacre_structure_get_frac(const nacre_structure *s, double *frac,
                                      nacre_error *err);
void nacre_structure_set_frac(nacre_structure *s, const double *frac);
/* Supercell new_cell = m · cell for any integer matrix with det(m) > 0. */
nacre_status nacre_structure_supercell(const nacre_structure *s,
                                       const int m[3][3],
                                       nacre_structure **out,
                                       nacre_error *err);
/* Same atoms in the Niggli-reduced cell, positions wrapped. */
nacre_status nacre_structure_niggli(const nacre_structure *s,
                                    nacre_structure **out, nacre_error *err);
/* Validity: natoms >= 0, finite numbers, known elements, non-degenerate
 * cell along periodic directions. */
nacre_status nacre_structure_check(const nacre_structure *s, nacre_error *err);
/* Atoms at the same place: 1 when two atoms (through periodic images) lie
 * closer than tol Å, with *i < *j the closest such pair and *distance
 * their distance; 0 when none; -1 when out of memory. O(N log N). */
int nacre_structure_coincident(const nacre_structure *s, double tol, int *i,
                               int *j, double *distance);
/* What one site of a disordered crystal holds: nspecies species (atomic
 * numbers; 0 = a vacancy) with their fractions, summing to 1. An ordered
 * site holds one species with fraction 1. */
#define NACRE_SITE_MAX_SPECIES 8
typedef struct nacre_site_mix {
  int nspecies;
  int z[NACRE_SITE_MAX_SPECIES];
  double fraction[NACRE_SITE_MAX_SPECIES];
} nacre_site_mix;

/* Distance below which a file's atoms count as one position given twice
 * (no structure a user means has atoms this close; H2 is 0.74 Å). */
#define NACRE_COINCIDENT_A 0.01

/* Chemical formula in order of first appearance ("Li12Sn4"). */
void nacre_structure_formula(const nacre_structure *s, char *buf,
                             size_t buflen);
double nacre_structure_volume(const nacre_structure *s);

#ifdef __cplusplus
}
#endif
#endif
