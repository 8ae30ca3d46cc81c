/* md_internal.h — what the files of src/md share: the state of a run, the
 * operations tables of thermostats and barostats, and the statistics
 * accumulators. Internal to md/. */
#ifndef NACRE_MD_INTERNAL_H
#define NACRE_MD_INTERNAL_H

#include "nacre/md.h"

#define MD_MAX_CHAIN 10

/* Flyvbjerg–Petersen blocking (JCP 91, 461 (1989)) kept online: level l
 * holds the running sums of the means of blocks of 2^l samples and the
 * half-finished block. 40 levels cover 10^12 samples. */
#define MD_BLOCK_LEVELS 40
typedef struct md_blocking {
  long n[MD_BLOCK_LEVELS];
  double sum[MD_BLOCK_LEVELS], sumsq[MD_BLOCK_LEVELS];
  double pending[MD_BLOCK_LEVELS];
  int has_pending[MD_BLOCK_LEVELS];
} md_blocking;

void md_blocking_add(md_blocking *b, double x);
void md_blocking_estimate(const md_blocking *b, nacre_md_estimate *out);

/* Welford-style least-squares line of y(t), for the drift. */
typedef struct md_line {
  long n;
  double mean_t, mean_y, m2_t, c_ty;
} md_line;

void md_line_add(md_line *l, double t, double y);
double md_line_slope(const md_line *l);

enum { MD_STAT_T, MD_STAT_P, MD_STAT_V, MD_STAT_E, MD_STAT_ETOT, MD_STAT_H,
       MD_NSTATS };

typedef struct md_thermostat_ops md_thermostat_ops;
typedef struct md_barostat_ops md_barostat_ops;

struct nacre_md {
  nacre_md_options opt;
  nacre_calc *calc;
  nacre_structure *s;        /* positions unwrapped, current cell */
  int n;
  double *v;                 /* 3N, Å/fs */
  double *mass;              /* N, amu */
  double *inv_mass;          /* N: 1 / (m · NACRE_AMU_A2_FS2_EV), for
                                F [eV/Å] → a [Å/fs²] */
  unsigned char *mobile;     /* 3N: 0 for fixed coordinates, or NULL */
  int nfixed;                /* fixed coordinates */
  int ndof;
  nacre_result r;            /* forces of the current positions */
  unsigned want;             /* of the last evaluation */
  long step;
  long run_end;              /* the step nacre_md_run stops at */
  double kinetic;            /* eV, kept up to date */
  double kt;                 /* k_B T target, eV */
  double target[3][3];       /* target stress tensor, eV/Å^3 */
  double p0;                 /* −tr target / 3, eV/Å^3 */
  /* thermostat */
  const md_thermostat_ops *thermostat;
  nacre_rng rng_thermostat;
  double heat;               /* −(energy put in by thermostat and barostat) */
  int chain;
  double xi[MD_MAX_CHAIN], vxi[MD_MAX_CHAIN], q[MD_MAX_CHAIN];
  /* barostat */
  const md_barostat_ops *barostat;
  nacre_rng rng_barostat;
  double baro_dlambda;       /* the λ = √V increment of the step */
  double baro_shape[3][3];   /* the traceless strain increment of the step */
  double piston_rate;        /* Andersen piston: strain rate dε/dt, 1/fs */
  double piston_mass;        /* its mass W, eV fs² */
  double good_piston_rate;
  /* start, for the explosion checks */
  double conserved0, volume0;
  /* last good state */
  double *good_x, *good_v;
  double good_cell[3][3];
  long good_step;
  /* statistics */
  md_blocking stats[MD_NSTATS];
  md_line drift;
  long force_calls;
  long outside_samples;      /* thermo steps outside the training data */
  char message[256];
};

/* Operations of a thermostat: half(md, dt) acts on the velocities for a
 * time dt at both ends of a step (global thermostats); noise(md, dt) is the
 * O step in the middle of the drift (Langevin); energy(md) is its share of
 * the conserved quantity besides md->heat. Any may be NULL. */
struct md_thermostat_ops {
  const char *name;
  int conserves_momentum;
  void (*init)(nacre_md *md);
  void (*half)(nacre_md *md, double dt);
  void (*noise)(nacre_md *md, double dt);
  double (*energy)(const nacre_md *md);
};

extern const md_thermostat_ops md_thermostat_none, md_thermostat_bussi,
    md_thermostat_langevin, md_thermostat_nose_hoover;

/* Operations of a barostat: init(md) (may be NULL) sets up its variables
 * once the run's cell is known; begin(md, dt, M) draws the deformation M of
 * the step (column-vector convention x → M x) from the current pressure;
 * end(md, dt) completes the effective-energy bookkeeping once the forces at
 * the new positions are known. */
struct md_barostat_ops {
  const char *name;
  void (*init)(nacre_md *md);
  void (*begin)(nacre_md *md, double dt, double m[3][3]);
  void (*end)(nacre_md *md, double dt);
};

extern const md_barostat_ops md_barostat_iso, md_barostat_aniso,
    md_barostat_piston_iso, md_barostat_piston_z;

/* Kinetic energy (eV) of velocities v. */
double md_kinetic_energy(const nacre_md *md);
/* The pressure tensor P = −σ (eV/Å^3) including the kinetic part, from the
 * last evaluation's stress and the current velocities. */
void md_pressure_tensor(const nacre_md *md, double p[3][3]);
/* Removes the centre-of-mass velocity (mass weighted). */
void md_remove_com_velocity(nacre_md *md);
/* After state.c restored a state: evaluates the potential with a fresh
 * neighbour list and keeps the state as the last good one. */
nacre_status md_after_restore(nacre_md *md, nacre_error *err);
/* Gamma(shape, 1) variate (Marsaglia & Tsang, ACM TOMS 26, 363 (2000)). */
double md_gamma(nacre_rng *rng, double shape);

#endif
