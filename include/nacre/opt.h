/* nacre/opt.h — local relaxation: FIRE and L-BFGS minimisation of the
 * enthalpy with the atoms and/or the cell free, under a hydrostatic pressure
 * or a full target stress, optionally keeping the space group.
 *
 * Coordinates. The cell is cell = cell0 · exp(Λ) with Λ a symmetric 3x3
 * log-strain relative to the cell at the start (symmetric: no rigid
 * rotations); atoms are r_i = q_i · exp(Λ), so q_i are positions in the
 * undeformed frame. The optimiser sees the vector (q_1 … q_N, c·Λ) with
 * c = cell_factor (default 1.5·√N for N atoms) so that the curvature of H
 * along cell coordinates stays comparable to that along atom coordinates
 * (it scales as N/c²).
 *
 * Objective. With target stress τ (ASE sign: positive tensile, eV/Å^3) the
 * cell gradient is ∂H/∂ε = V (σ − τ) for an infinitesimal strain ε of the
 * current cell, σ the potential's stress. A hydrostatic pressure P is
 * τ = −P·I and then H = E + P V exactly, so ∂H/∂ε = V (σ + P I). At
 * convergence σ = τ: `target_stress` is the stress the relaxed cell shows.
 * The enthalpy reported is E + P V with P = −tr τ / 3.
 *
 * Outcome. nacre_relax returns NACRE_OK whenever the relaxation ran, even if
 * the candidate was bad: the outcome (converged, out of steps, overlapping
 * atoms, exploded cell, numerical failure) is in result->outcome so that a
 * structure search can discard the candidate and go on. Error statuses are
 * reserved for invalid arguments, memory, an unsupported element, and an
 * interrupt through ctx (NACRE_ERR_INTERRUPTED, structure left at the last
 * evaluated state). */
#ifndef NACRE_OPT_H
#define NACRE_OPT_H

#include "nacre/core.h"
#include "nacre/pot.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum nacre_relax_method {
  NACRE_RELAX_LBFGS = 0, /* line-search-free L-BFGS with a trust radius */
  NACRE_RELAX_FIRE       /* Bitzek et al., PRL 97, 170201 (2006) */
} nacre_relax_method;

typedef enum nacre_relax_mode {
  NACRE_RELAX_FULL = 0,       /* atoms and cell */
  NACRE_RELAX_ATOMS,          /* atoms only, cell fixed */
  NACRE_RELAX_CELL,           /* cell only, fractional coordinates fixed */
  NACRE_RELAX_FIXED_VOLUME,   /* atoms and cell shape at constant volume */
  NACRE_RELAX_FIXED_SHAPE     /* atoms and volume (isotropic scaling) */
} nacre_relax_mode;

typedef enum nacre_relax_outcome {
  NACRE_RELAX_CONVERGED = 0,
  NACRE_RELAX_NOT_CONVERGED,  /* ran out of steps */
  NACRE_RELAX_BAD_START,      /* atoms closer than min_distance at the start */
  NACRE_RELAX_OVERLAP,        /* atoms collapsed onto each other later */
  NACRE_RELAX_EXPLODED,       /* volume per atom above its limit or cell
                                 stretch out of range */
  NACRE_RELAX_COLLAPSED,      /* compressed beyond any physical state: two
                                 atoms closer than collapse_distance ×
                                 (r_A + r_B) or the volume per atom below
                                 collapse_volume × the mean covalent-sphere
                                 volume (r: covalent radii) or below
                                 min_volume_per_atom */
  NACRE_RELAX_NUMERIC,        /* the potential returned NaN/Inf */
  NACRE_RELAX_STOPPED,        /* the progress callback asked to stop */
  NACRE_RELAX_INTERRUPTED     /* ctx->interrupt was raised */
} nacre_relax_outcome;

/* One word per outcome, as JSON and the search record it: "converged",
 * "max-steps", "bad-start", "overlap", "exploded", "collapsed", "numeric",
 * "stopped", "interrupted". */
const char *nacre_relax_outcome_name(nacre_relax_outcome o);
const char *nacre_relax_mode_name(nacre_relax_mode m);
/* Parses "full", "atoms", "cell", "fixed-volume", "fixed-shape". */
nacre_status nacre_relax_mode_parse(const char *text, nacre_relax_mode *out,
                                    nacre_error *err);

/* What the progress callback sees after each accepted evaluation. */
typedef struct nacre_relax_step {
  int step;                 /* 0 = the starting structure */
  double energy;            /* eV */
  double enthalpy;          /* E + P V, eV */
  double volume;            /* Å^3 */
  double pressure_gpa;      /* −tr σ / 3 */
  double fmax;              /* largest atomic force, eV/Å (after symmetry) */
  double smax_gpa;          /* largest |σ − τ| component the mode relaxes */
  const double *forces;     /* 3N, eV/Å */
  const double *stress;     /* 6, eV/Å^3, ASE sign */
} nacre_relax_step;

/* Returns non-zero to stop the relaxation (outcome STOPPED). */
typedef int (*nacre_relax_progress_fn)(void *user,
                                       const nacre_relax_step *step,
                                       const nacre_structure *s);

typedef struct nacre_relax_options {
  nacre_relax_method method;
  nacre_relax_mode mode;
  double pressure_gpa;         /* hydrostatic, used when !use_target_stress */
  int use_target_stress;
  double target_stress_gpa[6]; /* Voigt, ASE sign (positive tensile) */
  double fmax;                 /* eV/Å; converged when max |F_i| ≤ fmax */
  double smax_gpa;             /* GPa; and max |σ − τ| ≤ smax (cell modes) */
  int max_steps;               /* force evaluations after the first */
  double max_step;             /* Å: largest move of any coordinate per step */
  double cell_factor;          /* ≤ 0: 1.5·√N */
  int keep_symmetry;           /* symmetrise forces/stress with the group */
  double symprec;              /* Å, for keep_symmetry */
  int lbfgs_memory;            /* pairs kept (default 20) */
  double min_distance;         /* Å: closer atoms overlap (0.5); at the
                                  start, a bad start */
  double max_volume_per_atom;  /* Å^3 (1000): beyond, EXPLODED */
  double min_volume_per_atom;  /* Å^3 (0.1): below, COLLAPSED */
  /* COLLAPSED (a bad start at step 0) below these, relative to covalent
   * radii r: a pair closer than collapse_distance × (r_A + r_B) (0.3), a
   * volume per atom below collapse_volume × the mean of (4π/3) r³ (0.03).
   * Real solids stay far above both up to terapascals: sodium's hP4 at 320
   * GPa has 0.56 and 0.33, lithium near 1 TPa about 0.55, hydrogen and
   * carbon more; a 1-atom fcc Na cell crushed to 0.24 Å^3/atom by a
   * network outside its data has 0.21 and 0.0125. ≤ 0 turns a check off. */
  double collapse_distance;
  double collapse_volume;
  /* Radii (N, Å, one per atom of the structure) the collapse checks measure
   * against instead of the covalent radii; NULL: the covalent radii. A
   * caller whose potential has its own length scale (reduced units, a
   * search's explicit minimum distances) gives them so that the checks
   * follow that scale. */
  const double *collapse_radii;
  double max_stretch;          /* largest principal stretch (or 1/shrink)
                                  of the cell from the start (5): beyond, a
                                  runaway (EXPLODED) */
  nacre_relax_progress_fn progress; /* may be NULL */
  void *progress_user;
} nacre_relax_options;

/* Defaults: L-BFGS, full relaxation at 0 GPa, fmax 0.01 eV/Å, smax 0.01
 * GPa, 1000 steps, max_step 0.2 Å, cell_factor 1.5·√N, symprec NACRE_SYMPREC_DEFAULT (0.01 Å), memory 20,
 * min_distance 0.5 Å, volume per atom in [0.1, 1000] Å^3, stretch ≤ 5,
 * collapse_distance 0.3, collapse_volume 0.03. */
void nacre_relax_options_init(nacre_relax_options *o);

typedef struct nacre_relax_result {
  nacre_relax_outcome outcome;
  char message[256];           /* why it stopped, for people */
  int steps;                   /* optimiser steps taken */
  long force_calls;            /* evaluations with forces/stress */
  long energy_calls;           /* evaluations of the energy alone */
  double energy;               /* eV, final structure */
  double enthalpy;             /* eV, E + P V */
  double volume;               /* Å^3 */
  double pressure_gpa;         /* −tr σ / 3 of the final structure */
  double stress[6];            /* eV/Å^3, final (symmetrised if asked) */
  double fmax;                 /* eV/Å */
  double smax_gpa;             /* GPa */
  int sg_start;                /* space group kept when keep_symmetry, else 0 */
  /* The stress targeted, GPa, ASE sign: the target stress, or −P on the
   * diagonal for a pressure. With keep_symmetry the target is first
   * averaged over the group (a stress the group forbids cannot be reached
   * without breaking it); target_change_gpa is the largest change that made
   * to a component (0: the target respected the group). */
  double target_stress_gpa[6];
  double target_change_gpa;
} nacre_relax_result;

/* Relaxes s in place with calculator c. ctx may be NULL. With keep_symmetry
 * the structure is first symmetrised within symprec, and the target stress
 * averaged over the group (reported in res->target_stress_gpa and
 * res->target_change_gpa). */
nacre_status nacre_relax(nacre_calc *c, nacre_structure *s,
                         const nacre_relax_options *opt, const nacre_ctx *ctx,
                         nacre_relax_result *res, nacre_error *err);

/* ------------------------------------------------------------------ */
/* The same on plain arrays, for bindings                                */
/* ------------------------------------------------------------------ */

/* How a relaxation ended, in plain fields (fixed layout for bindings). */
typedef struct nacre_relax_summary {
  int outcome;               /* nacre_relax_outcome */
  char outcome_name[32];     /* "converged", ... (nacre_relax_outcome_name) */
  char message[256];         /* why it stopped */
  int steps;
  long force_calls;
  double energy, enthalpy;   /* eV */
  double volume;             /* Å^3 */
  double pressure_gpa;
  double stress[6];          /* eV/Å^3, ASE sign */
  double fmax;               /* eV/Å */
  double smax_gpa;
} nacre_relax_summary;

/* nacre_relax with default options but those given: cell[9] (rows, Å) and
 * positions[3n] (Cartesian Å) are relaxed in place; mode as
 * nacre_relax_mode_parse reads it (NULL: full); fmax (eV/Å), smax_gpa and
 * max_steps ≤ 0 keep the defaults; symprec > 0 keeps the space group found
 * within symprec Å. NACRE_OK whenever the relaxation ran: how it ended is in
 * out->outcome. */
nacre_status nacre_relax_arrays(nacre_calc *c, int natoms, double *cell,
                                const int *pbc, const int *numbers,
                                double *positions, const char *mode,
                                double pressure_gpa, double fmax,
                                double smax_gpa, int max_steps,
                                double symprec, nacre_relax_summary *out,
                                nacre_error *err);

#ifdef __cplusplus
}
#endif
#endif
