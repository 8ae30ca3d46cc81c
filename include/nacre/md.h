/* nacre/md.h — molecular dynamics: velocity Verlet on any nacre potential,
 * the NVE, NVT and NPT ensembles, constraints, an extra energy term,
 * statistics and exact restarts; trajectory analysis (radial distribution,
 * mean-square displacement and diffusion, velocity autocorrelation and
 * vibrational density of states, Lindemann index, solid/liquid verdict).
 *
 * Units: positions Å, velocities Å/fs, masses amu, time fs, energies eV,
 * temperatures K, pressures and stresses GPa at this interface (ASE sign:
 * stress positive is tensile, P = −tr σ / 3). Kinetic energy ½ m v² is
 * m[amu] v²[Å²/fs²] · NACRE_AMU_A2_FS2_EV / 2 in eV.
 *
 * One step (Trotter splitting, symmetric in time):
 *   T(dt/2) · B(dt/2) · S · A(dt/2) O(dt) A(dt/2) · force · B(dt/2) · T(dt/2)
 * B: velocity kick by the forces; A: drift of the positions; O: the
 * Langevin friction and noise (BAOAB, Leimkuhler & Matthews, Appl. Math.
 * Res. Express 2013, 34); T: a global thermostat (Bussi–Donadio–Parrinello
 * stochastic velocity rescaling, JCP 126, 014101 (2007); Nosé–Hoover chains,
 * Martyna, Tuckerman, Tobias & Klein, Mol. Phys. 87, 1117 (1996)); S: the
 * stochastic cell rescaling barostat (Bernetti & Bussi, JCP 153, 114107
 * (2020); anisotropic: Del Tatto, Raiteri, Bernetti & Bussi, Appl. Sci. 12,
 * 1139 (2022)), which scales positions x → M x, momenta p → M^{-T} p and
 * the cell; or Andersen's piston (JCP 72, 2384 (1980); src/md/piston.c), a
 * deterministic barostat whose kinetic energy ½ W ε̇² joins the conserved
 * quantity, for the NPH ensemble (no thermostat: the enthalpy is conserved).
 * Without a thermostat or barostat the step is velocity Verlet.
 *
 * Conserved quantity: E_pot + E_kin (+ P V in NPT, P = −tr τ / 3 for target
 * stress τ) minus every energy the thermostat and barostat put in (the
 * effective energy of Bussi et al.); Nosé–Hoover adds its chain energy, the
 * piston its kinetic energy (with no thermostat: the enthalpy). Its
 * drift measures the integration error.
 *
 * Positions are never wrapped: they stay continuous in time (unwrapped), so
 * displacements and mean-square displacements need no unwrapping and
 * reference sites (springs) stay meaningful.
 *
 * Degrees of freedom: 3 per mobile coordinate (fixed coordinates excluded)
 * minus 3 when the total momentum is conserved (no Langevin noise and no
 * fixed atoms) or held at zero (fix_com). T = 2 E_kin / (N_f k_B).
 *
 * Restarts: nacre_md_state_write writes everything the dynamics depends on
 * (positions, velocities, cell, thermostat and barostat variables, random
 * streams, statistics) in hexadecimal floating point; a run read back with
 * nacre_md_state_read continues bit for bit as if never stopped, provided
 * the same options and thread count. For that the neighbour list is rebuilt
 * from scratch at every multiple of checkpoint_every, so that forces at a
 * checkpoint are summed in the order a resumed run will use. */
#ifndef NACRE_MD_H
#define NACRE_MD_H

#include <stdio.h>

#include "nacre/core.h"
#include "nacre/pot.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum nacre_md_thermostat {
  NACRE_MD_THERMOSTAT_NONE = 0, /* NVE (or NPH with a barostat) */
  NACRE_MD_BUSSI,               /* stochastic velocity rescaling */
  NACRE_MD_LANGEVIN,            /* BAOAB Langevin dynamics */
  NACRE_MD_NOSE_HOOVER          /* Nosé–Hoover chain */
} nacre_md_thermostat;

typedef enum nacre_md_barostat {
  NACRE_MD_BAROSTAT_NONE = 0,   /* fixed cell */
  NACRE_MD_CRESCALE_ISO,        /* stochastic cell rescaling, shape kept */
  NACRE_MD_CRESCALE_ANISO,      /* the same for all six strain components */
  NACRE_MD_PISTON_ISO,          /* Andersen's piston, no noise: with no
                                   thermostat the NPH ensemble (enthalpy
                                   conserved); the cell keeps its shape */
  NACRE_MD_PISTON_Z             /* the same acting only on the length along
                                   the normal of the first two cell vectors
                                   (z for a and b in the xy plane): the long
                                   axis of a coexistence box */
} nacre_md_barostat;

/* How a run ended. */
typedef enum nacre_md_outcome {
  NACRE_MD_COMPLETED = 0,  /* all steps done */
  NACRE_MD_EXPLODED,       /* non-finite forces, or the conserved quantity
                              left its start by more than max_drift */
  NACRE_MD_COLLAPSED,      /* NPT volume left [V0/max_volume_ratio,
                              V0·max_volume_ratio] */
  NACRE_MD_STOPPED,        /* the observer asked to stop */
  NACRE_MD_INTERRUPTED     /* ctx->interrupt was raised */
} nacre_md_outcome;

const char *nacre_md_outcome_name(nacre_md_outcome o);
const char *nacre_md_thermostat_name(nacre_md_thermostat t);
const char *nacre_md_barostat_name(nacre_md_barostat b);
/* "none", "bussi", "langevin", "nose-hoover" (also "nh", "csvr"). */
nacre_status nacre_md_thermostat_parse(const char *text,
                                       nacre_md_thermostat *out,
                                       nacre_error *err);
/* "none", "iso" (or "isotropic"), "aniso" (or "anisotropic", "tri"),
 * "piston-iso", "piston-z" (or "z"). */
nacre_status nacre_md_barostat_parse(const char *text, nacre_md_barostat *out,
                                     nacre_error *err);

/* Thermodynamic state after a step. Pressure and stress include the kinetic
 * part (−Σ m v⊗v / V). */
typedef struct nacre_md_thermo {
  long step;
  double time_fs;
  double potential_energy_ev;  /* including the extra term, if any */
  double kinetic_energy_ev;
  double temperature_k;
  double conserved_ev;         /* see the header comment */
  double volume_a3;
  double pressure_gpa;         /* −tr σ / 3 */
  double stress_gpa[6];        /* Voigt xx yy zz yz xz xy, ASE sign */
  double enthalpy_ev;          /* E_pot + E_kin + P V: P the target pressure
                                  with a barostat, else the instantaneous one */
  double committee_force_deviation_max_ev_a; /* σ_f of a committee (DP-GEN's
                                                max force deviation); NAN
                                                for other potentials */
  double committee_energy_deviation_per_atom_ev; /* NAN unless a committee */
  int outside_domain;          /* the potential reports the structure outside
                                  its training data */
  int has_stress;              /* stress and pressure are valid */
} nacre_md_thermo;

typedef struct nacre_md nacre_md;

/* An extra energy term, called after every evaluation of the potential
 * with the potential's result r (energy eV, forces eV/Å, stress eV/Å^3 when
 * `want` has NACRE_WANT_STRESS). It may change r in place: add a bias, or
 * mix U_λ = (1 − λ) U + λ U_ref (see nacre_md_springs). Returns NACRE_OK or
 * an error that stops the run. */
typedef nacre_status (*nacre_md_extra_fn)(void *user,
                                          const nacre_structure *s,
                                          unsigned want, nacre_result *r,
                                          nacre_error *err);

/* Called after every step whose number is a multiple of thermo_every (and
 * after the starting evaluation, step 0). Returns non-zero to stop the run
 * (outcome STOPPED). */
typedef int (*nacre_md_observer_fn)(void *user, const nacre_md *md,
                                    const nacre_md_thermo *thermo);

/* Called after every step whose number is a multiple of checkpoint_every:
 * the right moment for nacre_md_state_write. Non-zero stops the run. */
typedef int (*nacre_md_checkpoint_fn)(void *user, const nacre_md *md);

typedef struct nacre_md_options {
  double timestep_fs;          /* > 0 */
  double temperature_k;        /* thermostat target, and the temperature of
                                  the Maxwell–Boltzmann start */
  nacre_md_thermostat thermostat;
  double thermostat_tau_fs;    /* Bussi relaxation time, Nosé–Hoover period,
                                  Langevin 1/γ */
  int nose_hoover_chain;       /* chain length, 1..10 */
  nacre_md_barostat barostat;
  double pressure_gpa;         /* hydrostatic target, when !use_target_stress */
  int use_target_stress;
  double target_stress_gpa[6]; /* Voigt, ASE sign (positive tensile) */
  double barostat_tau_fs;      /* relaxation time of the volume; the
                                  piston's oscillation period */
  double compressibility_per_gpa; /* β_T of the cell equations: with τ it
                                     sets the coupling strength; the
                                     sampled distribution does not depend
                                     on it */
  int fix_com;                 /* keep the centre of mass where it is */
  uint64_t seed;               /* every random stream of the run */
  int thermo_every;            /* observer, statistics and stress every N
                                  steps (stress every step with a barostat) */
  int checkpoint_every;        /* checkpoint callback every N steps, 0 none */
  long equilibration_steps;    /* statistics start after this step */
  double max_drift_ev_atom;    /* EXPLODED when |conserved − start| / N
                                  exceeds it (eV/atom) */
  double max_volume_ratio;     /* COLLAPSED beyond it (NPT) */
  double min_distance_a;       /* the start is refused when two atoms are
                                  closer (Å) */
  nacre_md_extra_fn extra;     /* may be NULL */
  void *extra_user;
  nacre_md_observer_fn observer; /* may be NULL */
  void *observer_user;
  nacre_md_checkpoint_fn checkpoint; /* may be NULL */
  void *checkpoint_user;
} nacre_md_options;

/* Defaults: 1 fs, 300 K, NVE; τ_T 100 fs, chain 3; τ_P 1000 fs, β_T 0.01
 * GPa⁻¹ (1/100 GPa); pressure 0; seed 1; thermo every step; no
 * checkpoints; no equilibration; max drift 1 eV/atom; volume ratio 5;
 * minimum distance 0.5 Å. */
void nacre_md_options_init(nacre_md_options *o);

/* Starts a run on a copy of s with calculator c (borrowed: it must outlive
 * the run). velocities (3N, Å/fs) may be NULL: Maxwell–Boltzmann at
 * options->temperature_k from the seed, total momentum zero (or only the
 * mobile atoms moving), scaled to exactly that temperature. masses (N, amu)
 * may be NULL: the element table. Fixed coordinates are s->fixed. The
 * potential is evaluated once here (step 0). Errors: invalid options
 * (timestep ≤ 0, temperature < 0, a barostat on a non-periodic cell or with
 * fixed atoms), elements the potential lacks, overlapping atoms, non-finite
 * forces. */
nacre_status nacre_md_new(nacre_calc *c, const nacre_structure *s,
                          const double *velocities, const double *masses,
                          const nacre_md_options *o, nacre_md **out,
                          nacre_error *err);
void nacre_md_free(nacre_md *md);

/* Runs nsteps more steps (or until an outcome other than COMPLETED).
 * Returns NACRE_OK when the run ended in any outcome except INTERRUPTED
 * (NACRE_ERR_INTERRUPTED) or an error of the potential or a callback. On
 * EXPLODED and COLLAPSED the state is put back to the last good step. */
nacre_status nacre_md_run(nacre_md *md, long nsteps, const nacre_ctx *ctx,
                          nacre_md_outcome *outcome, nacre_error *err);

/* Accessors: valid until the next step. */
long nacre_md_step(const nacre_md *md);
const nacre_structure *nacre_md_structure(const nacre_md *md); /* unwrapped */
const double *nacre_md_velocities(const nacre_md *md);        /* 3N, Å/fs */
const double *nacre_md_masses(const nacre_md *md);            /* N, amu */
const nacre_result *nacre_md_result(const nacre_md *md);      /* last force
                                                                 evaluation */
int nacre_md_degrees_of_freedom(const nacre_md *md);
void nacre_md_get_thermo(const nacre_md *md, nacre_md_thermo *out);
const nacre_md_options *nacre_md_get_options(const nacre_md *md);
/* Why the last run stopped early, for people ("" when it completed). */
const char *nacre_md_message(const nacre_md *md);

/* ---- Statistics over the sampled steps (after equilibration) ---- */

typedef struct nacre_md_estimate {
  double mean;
  double stderr_mean;   /* by Flyvbjerg–Petersen blocking: the largest
                           estimate over block sizes with ≥ 16 blocks */
  long samples;
} nacre_md_estimate;

typedef struct nacre_md_summary {
  nacre_md_estimate temperature_k, pressure_gpa, volume_per_atom_a3,
      energy_per_atom_ev /* potential */, total_energy_per_atom_ev,
      enthalpy_per_atom_ev;
  double drift_ev_atom_ps;  /* least-squares slope of the conserved
                               quantity per atom over every thermo step */
  long steps;               /* steps taken since step 0 */
  long force_calls;
  long outside_domain_samples; /* thermo steps the potential reported
                                  outside its training data (a warning is
                                  logged at the first) */
} nacre_md_summary;

void nacre_md_get_summary(const nacre_md *md, nacre_md_summary *out);

/* ---- Restart ---- */

/* Text, hexadecimal floats; the options that change the dynamics are
 * stored too, and state_read refuses a state written with others (named in
 * the message). */
nacre_status nacre_md_state_write(const nacre_md *md, FILE *fp,
                                  nacre_error *err);
/* Restores a run made by nacre_md_new with the same structure size,
 * calculator and options: replaces positions, velocities, cell, step,
 * thermostat and barostat variables, random streams and statistics, then
 * evaluates the potential (with a fresh neighbour list). name is used in
 * messages. */
nacre_status nacre_md_state_read(nacre_md *md, FILE *fp, const char *name,
                                 nacre_error *err);

/* ---- Extra terms ---- */

/* Harmonic springs to reference sites mixed with the potential:
 *   U_λ = (1 − λ) U + λ Σ_i ½ k_i |x_i − x0_i|²,
 * the Einstein crystal of Frenkel–Ladd integration at λ = 1. Use with
 * nacre_md_options.extra = nacre_md_springs_apply, extra_user = springs.
 * The spring stress is not included (use with a fixed cell). */
typedef struct nacre_md_springs {
  int natoms;
  const double *sites;  /* 3N reference positions, Å (unwrapped) */
  const double *k_ev_a2; /* N spring constants, eV/Å² */
  double lambda;        /* 0 = the potential, 1 = the springs */
  /* filled by every evaluation: */
  double potential_ev;  /* U */
  double springs_ev;    /* Σ ½ k |x − x0|² */
} nacre_md_springs;

nacre_status nacre_md_springs_apply(void *springs, const nacre_structure *s,
                                    unsigned want, nacre_result *r,
                                    nacre_error *err);

/* ---- Trajectory analysis ---- */

/* A trajectory in memory: nframes frames of the same natoms atoms. Positions
 * may be wrapped or not; nacre_traj_unwrap makes them continuous. */
typedef struct nacre_traj {
  int natoms, nframes, capacity;
  int *numbers;           /* natoms */
  int pbc[3];
  double *cells;          /* 9 per frame */
  double *positions;      /* 3N per frame, Å */
  double *velocities;     /* 3N per frame, Å/fs, or NULL */
  double *times_fs;       /* per frame */
} nacre_traj;

nacre_traj *nacre_traj_new(int natoms, const int *numbers, const int pbc[3],
                           nacre_error *err);
void nacre_traj_free(nacre_traj *t);
/* Appends a frame (copies); velocities may be NULL (then for every frame). */
nacre_status nacre_traj_append(nacre_traj *t, const double cell[3][3],
                               const double *positions,
                               const double *velocities, double time_fs,
                               nacre_error *err);
/* Removes jumps by whole cell vectors between consecutive frames: each
 * fractional displacement is reduced to [−½, ½) (atoms must move less than
 * half a cell between frames), then positions are rebuilt from the
 * accumulated fractional coordinates and each frame's cell. */
void nacre_traj_unwrap(nacre_traj *t);

/* Partial radial distribution functions g_ab(r) on nbins bins of [0, rmax):
 *   g_ab(r_k) = ⟨ V h_ab(k) / (N_a (N_b − δ_ab) · 4π/3 (r_{k+1}³ − r_k³)) ⟩
 * averaged over frames, h_ab(k) the ordered pairs (i of a, j ≠ i of b, all
 * periodic images) at distance in bin k; the coordination number n_ab(r_k)
 * = ⟨Σ_{k' ≤ k} h_ab(k') / N_a⟩ (b neighbours of an a atom within r_{k+1}).
 * Species a, b index `species` (distinct atomic numbers in order of first
 * appearance). */
typedef struct nacre_rdf {
  int nspecies;
  int species[8];        /* atomic numbers */
  int nbins;
  double rmax, dr;
  int nframes;
  double *g;             /* nspecies² × nbins: g[(a·ns + b)·nbins + k] */
  double *coordination;  /* nspecies² × nbins, cumulative */
  double *g_total;       /* nbins: all pairs together */
  double first_shell_a;  /* upper edge of the bin of the first minimum of
                            g_total after its highest peak (lowest 3-bin
                            average within 1.6 times the peak distance) */
  double first_shell_coordination; /* mean neighbours within first_shell_a */
  double first_shell_g;  /* g_total in that bin */
  double peak_g;         /* g_total at its highest peak */
} nacre_rdf;

/* Frames first, first+stride, ... (unwrapping not needed). */
nacre_status nacre_rdf_compute(const nacre_traj *t, double rmax, int nbins,
                               int first, int stride, nacre_rdf **out,
                               nacre_error *err);
void nacre_rdf_free(nacre_rdf *r);

/* Mean-square displacement per species from unwrapped positions with every
 * frame from `first` as a time origin (origins every origin_stride frames):
 *   MSD_a(τ_k) = ⟨|x_i(t0 + τ_k) − x_i(t0)|²⟩ over atoms of a and origins,
 * τ_k = k frames (times from the frames; uniform spacing is required). The
 * diffusion coefficient D_a = slope / 6 of a least-squares line over lags
 * in [fit_start_fs, fit_end_fs] (defaults: 10 % and 50 % of the longest
 * lag when either is ≤ 0). D in Å²/ps (1 Å²/ps = 1e-4 cm²/s). */
typedef struct nacre_msd {
  int nspecies;
  int species[8];
  int nlags;
  double *lag_fs;        /* nlags */
  double *msd;           /* nspecies × nlags, Å² */
  double *msd_total;     /* nlags */
  double diffusion_a2_ps[8];
  double diffusion_total_a2_ps;
  double fit_start_fs, fit_end_fs;
} nacre_msd;

nacre_status nacre_msd_compute(const nacre_traj *unwrapped, int first,
                               int origin_stride, double fit_start_fs,
                               double fit_end_fs, nacre_msd **out,
                               nacre_error *err);
void nacre_msd_free(nacre_msd *m);

/* Velocity autocorrelation C(τ) = ⟨v_i(t0)·v_i(t0 + τ)⟩ (Å²/fs²) with
 * every frame as an origin, up to max_lag frames, and the vibrational
 * density of states g(ν) = 4 ∫_0^τmax C(τ)/C(0) w(τ) cos(2πντ) dτ with a
 * Hann window w (trapezoid rule), normalised to ∫ g dν = 1, on nfreq
 * frequencies up to the Nyquist frequency (THz). Velocities come from the
 * trajectory, or from central differences of unwrapped positions. */
typedef struct nacre_vacf {
  int nlags;
  double *lag_fs;
  double *vacf;          /* nlags, Å²/fs² */
  double *vacf_norm;     /* C(τ) / C(0) */
  int nfreq;
  double *freq_thz;
  double *vdos;          /* per THz */
  int from_positions;    /* velocities were differenced from positions */
} nacre_vacf;

nacre_status nacre_vacf_compute(const nacre_traj *unwrapped, int first,
                                int max_lag, nacre_vacf **out,
                                nacre_error *err);
void nacre_vacf_free(nacre_vacf *v);

/* Lindemann index over the pairs closer than r_cut in frame `first`
 * (minimum image, then followed continuously):
 *   δ = (1/N_p) Σ_pairs sqrt(⟨r²⟩ − ⟨r⟩²) / ⟨r⟩.
 * Solids stay below about 0.1 (Lindemann's criterion). */
nacre_status nacre_lindemann_compute(const nacre_traj *unwrapped, int first,
                                     double r_cut, double *index, int *npairs,
                                     nacre_error *err);

typedef enum nacre_phase_verdict {
  NACRE_PHASE_SOLID = 0,
  NACRE_PHASE_LIQUID,
  NACRE_PHASE_UNCLEAR   /* the criteria disagree */
} nacre_phase_verdict;

const char *nacre_phase_verdict_name(nacre_phase_verdict v);

/* Solid/liquid verdict of a run from diffusion and the RDF: diffusive when
 * D > 0.02 Å²/ps and the mean-square displacement at the longest lag
 * exceeds the square of half the first-shell radius; liquid-like RDF when
 * the Wendt–Abraham ratio g(first minimum) / g(first peak) exceeds 0.14
 * (Wendt & Abraham, PRL 41, 1244 (1978): crystals stay well below, liquids
 * above). Both liquid: LIQUID; both solid: SOLID; else UNCLEAR. The RDF
 * reaches half the smallest cell height (at most 8 Å) over 200 bins, on up
 * to 200 frames; the Lindemann index uses the pairs of the first shell. */
typedef struct nacre_phase_report {
  nacre_phase_verdict verdict;
  double diffusion_a2_ps;
  double msd_max_a2;
  double rdf_ratio;       /* g_min / g_max (Wendt–Abraham) */
  double first_shell_a;
  double lindemann;
  char reason[512];
} nacre_phase_report;

nacre_status nacre_phase_classify(const nacre_traj *unwrapped, int first,
                                  nacre_phase_report *out, nacre_error *err);

#ifdef __cplusplus
}
#endif
#endif
