/* fe_internal.h — what the files of the free-energy study share: the run
 * (phases, options, the list of tasks and their dependencies), the task
 * results as they are stored in the run directory, and the functions that
 * run one task (fe_tasks.c), read and write results (fe_files.c) and
 * assemble tables (fe_study.c). Internal to thermo/. */
#ifndef NACRE_FE_INTERNAL_H
#define NACRE_FE_INTERNAL_H

#include "nacre/md.h"
#include "nacre/thermo.h"

#define FE_MAX_WINDOWS 64
#define FE_MAX_SPECIES 8

typedef enum fe_task_kind {
  FE_SOLID_REFERENCE = 0, /* NPT to the mean cell, NVT for sites and springs */
  FE_LIQUID_REFERENCE,    /* melt, NPT to the mean volume */
  FE_EINSTEIN_WINDOW,     /* potential ↔ springs at one λ */
  FE_IDEAL_WINDOW,        /* Uhlenbeck–Ford ↔ ideal gas at one λ */
  FE_UF_WINDOW,           /* potential ↔ Uhlenbeck–Ford at one λ */
  FE_SCAN                 /* NPT (NVT with a fixed cell) at one (T, P) */
} fe_task_kind;

typedef struct fe_task {
  fe_task_kind kind;
  int phase;
  int window;           /* λ index (windows) */
  int it, ip;           /* grid indices (scans; the reference's for refs) */
  double temperature_k, pressure_gpa, lambda;
  double weight;        /* quadrature weight of the window */
  int depends;          /* task that must be done first, −1 none */
  char path[1024];      /* result file */
  char key[512];        /* what the result depends on */
  int done, running;
} fe_task;

/* One phase as simulated. */
typedef struct fe_phase {
  char name[64];
  nacre_fe_phase_kind kind;
  nacre_structure *unit;  /* the input structure, owned */
  int supercell[3][3];    /* cell = supercell · unit */
  nacre_structure *cell;  /* the simulated cell (supercell), owned */
  double *masses;         /* amu, per atom */
  char dir[800];
  uint64_t hash;          /* of the simulated cell, for keys and resume */
  int nspecies, species_z[FE_MAX_SPECIES];
  int space_group;        /* of the input, at symprec (0 unknown) */
  double nn_distance_a;   /* nearest-neighbour distance of the input */
  double compressibility_per_gpa; /* the barostat's coupling */
  /* the input's space-group operations on the simulated cell's fractional
   * columns, x' = W x + t, and the unit's lattice translations (W = I) */
  int nsymops;
  double (*symops_rot)[3][3];
  double (*symops_trans)[3];
} fe_phase;

typedef struct fe_run {
  const nacre_potential *pot;
  nacre_fe_options o;     /* grids point into the copies below */
  double *temperatures_k, *pressures_gpa;
  int it0, ip0;           /* the reference on the grid */
  int nphases;
  fe_phase *ph;
  int ntasks;
  fe_task *tasks;
  int nlambda;
  double lambda_x[FE_MAX_WINDOWS], lambda_w[FE_MAX_WINDOWS]; /* Gauss–Legendre */
  double fluid_x[FE_MAX_WINDOWS], fluid_w[FE_MAX_WINDOWS];   /* the same
                                  crowded towards the reference (λ → 1) */
  double equilibration, npt_equilibration, reference_steps, tau_t, tau_p;
  char settings_hash[17]; /* hex FNV-1a of the settings every task uses */
  double deadline;        /* nacre_now_s() at the time limit, 0: none */
  const nacre_ctx *ctx;
} fe_run;

/* ---- results of tasks, as stored ---- */

typedef struct fe_reference_result {
  char status[32];        /* "ok", "melted", "transformed", "not-liquid" */
  char message[1024];
  double cell[3][3];
  int natoms;
  double *positions;      /* 3N: Einstein sites (crystal) or a snapshot
                             (liquid), owned */
  double volume_per_atom_a3;
  double measured_pressure_gpa;  /* NVT mean (crystal), NPT mean (liquid) */
  double lattice_energy_ev;      /* U(sites), crystals */
  int nspecies, species_z[FE_MAX_SPECIES];
  double msd_a2[FE_MAX_SPECIES], k_ev_a2[FE_MAX_SPECIES];
  double symmetry_deviation_a, symmetry_bound_a; /* the mean positions
                             under the input's worst-kept operation */
  double rms_site_displacement_a;
  char verdict[16];
  char reason[1024];
  /* harmonic phonons of the reference cell for the finite-size
   * correction: per atom, the weighted Σ ln(ν/THz) and the number of
   * modes over the supercell's own wave vectors (3N − 3 modes) and over a
   * dense mesh; NAN when not computed or when modes are imaginary */
  double fs_lnnu_cell, fs_modes_cell, fs_lnnu_dense, fs_modes_dense;
  int fs_mesh[3];
  char fs_note[256];
} fe_reference_result;

typedef struct fe_window_result {
  double lambda;
  double mean_ev, stderr_ev;     /* integrand ⟨U_ref − U_sys⟩ (whole cell) */
  double sys_mean_ev, ref_mean_ev;
  long samples;
} fe_window_result;

typedef struct fe_scan_result {
  double temperature_k, pressure_gpa;
  double energy_ev, energy_stderr_ev;        /* ⟨U⟩ */
  double volume_a3, volume_stderr_a3;
  double enthalpy_ev, enthalpy_stderr_ev;    /* ⟨U + P V⟩ (NVT: ⟨U⟩) */
  double measured_pressure_gpa, measured_pressure_stderr_gpa;
  long samples;
  char verdict[16];                          /* solid, liquid, unclear */
  double symmetry_deviation_a, symmetry_bound_a; /* crystals, as above */
  int valid;                                 /* the phase stayed itself */
  char crystal_check[16];                    /* crystals: ok, inconclusive,
                                                transformed */
  char reason[1024];
} fe_scan_result;

/* ---- fe_tasks.c ---- */

/* Runs task k and writes its result file. */
nacre_status fe_task_run(const fe_run *run, int k, nacre_error *err);
/* The simulated cell of a phase from the input structure and options. */
nacre_status fe_phase_prepare(const nacre_fe_options *o,
                              const nacre_fe_phase *in, fe_phase *out,
                              nacre_error *err);

/* The barostat's compressibility of a prepared phase: the option, or
 * (option ≤ 0) the static compressibility of its cell. */
nacre_status fe_phase_compressibility(const nacre_potential *pot,
                                      const nacre_fe_options *o, fe_phase *ph,
                                      nacre_error *err);

/* ---- fe_symcheck.c ---- */

/* The mean positions of a run against the input's operations. */
typedef struct fe_symcheck_input {
  int natoms;
  const int *species;     /* per atom: index into sigma2 */
  const double *frac;     /* 3N: mean fractional positions, the common
                             shift from the input's sites removed */
  double h[3][3];         /* the cell they are judged in (input's shape) */
  double sigma2[FE_MAX_SPECIES]; /* per species: variance of one Cartesian
                             coordinate of a mean position, Å² */
  double symprec_a;       /* the input's own tolerance */
  double nn_distance_a;   /* nearest-neighbour distance, for the search */
  /* optional (nblocks 0: none): the means of consecutive stretches of the
   * run, in order, each with the common shift removed as in frac, and
   * their shares of the samples (summing to 1; frac their weighted mean).
   * Each operation's mapping error is then also computed on every block,
   * and its noise measured by blocking, with whatever correlation the
   * atoms' means carry (long waves move neighbours together). */
  int nblocks;
  const double *block_frac;   /* nblocks × 3N */
  const double *block_weight; /* nblocks */
  /* optional (0: none): the RMS thermal displacement of one sample, Å
   * (√⟨|u|²⟩ over atoms). An error beyond the noise bound but within it
   * (the RMS) or three times it (one atom) is what a mode slower than the
   * run leaves in the means: the check is then inconclusive, not lost. */
  double thermal_a;
} fe_symcheck_input;

/* Bounds, each plus symprec: the RMS mapping error of an operation may
 * reach 1.25 + 2.5/√N times its noise expectation (the RMS of 3N noisy
 * coordinates scatters by 1/√(6N), the estimate of the noise as much, and
 * collective modes correlate the atoms' means), and one atom's error five
 * standard deviations of its own (the largest of ~10⁵ atom-operation pairs
 * is under four). */
#define FE_SYM_ATOM_FACTOR 5.0
double fe_sym_rms_factor(int natoms);

#define FE_SYM_THERMAL_ATOM_FACTOR 3.0

typedef struct fe_symcheck_result {
  int kept;               /* every operation within its bounds */
  int inconclusive;       /* not kept, but every operation's errors within
                             the thermal displacement (thermal_a > 0) */
  int worst_op;           /* the operation furthest beyond (or nearest) */
  double excess;          /* its error over its bound (≤ 1 kept) */
  double deviation_a, bound_a;           /* its RMS error and bound */
  double atom_deviation_a, atom_bound_a; /* its worst atom and bound */
  double noise_ratio;     /* its blocked noise over the independent-atom
                             one (1 without blocks) */
  double dims;            /* effective number of independent directions
                             of its error's noise */
} fe_symcheck_result;

/* The operations of the input (ph->unit) at symprec, in the simulated
 * cell; sets ph->space_group (0 where spglib finds none). */
nacre_status fe_symops_prepare(fe_phase *ph, double symprec, nacre_error *err);
void fe_symops_free(fe_phase *ph);
void fe_symmetry_check(const fe_phase *ph, const fe_symcheck_input *in,
                       fe_symcheck_result *out);

/* ---- fe_files.c ---- */

nacre_status fe_mkdir(const char *path, nacre_error *err);
nacre_status fe_write_reference(const char *path, const char *key,
                                const fe_reference_result *r,
                                nacre_error *err);
/* 1 when the file exists with the key; 0 when absent; an error when it
 * holds another key or is broken. */
int fe_result_exists(const char *path, const char *key, nacre_error *err);
nacre_status fe_read_reference(const char *path, fe_reference_result *r,
                               nacre_error *err);
void fe_reference_result_free(fe_reference_result *r);
nacre_status fe_write_window(const char *path, const char *key,
                             const fe_window_result *r, nacre_error *err);
nacre_status fe_read_window(const char *path, fe_window_result *r,
                            nacre_error *err);
nacre_status fe_write_scan(const char *path, const char *key,
                           const fe_scan_result *r, nacre_error *err);
nacre_status fe_read_scan(const char *path, fe_scan_result *r,
                          nacre_error *err);
/* settings.json: written on a new run, checked on resume. */
nacre_status fe_settings_check(const fe_run *run, nacre_error *err);
/* Tables and summary of a finished (or partial) study. */
nacre_status fe_write_tables(const fe_run *run, const nacre_fe_study *s,
                             nacre_error *err);

/* ---- fe_plot.c ---- */

nacre_status fe_plot_gibbs(const char *path, const nacre_fe_study *s,
                           nacre_error *err);
nacre_status fe_plot_phase_map(const char *path, const nacre_fe_study *s,
                               nacre_error *err);

#endif
