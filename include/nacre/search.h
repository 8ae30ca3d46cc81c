/* nacre/search.h — global structure search: space groups with their Wyckoff
 * positions derived from the symmetry operations, random symmetric crystals
 * and random clusters, structure fingerprints and duplicate detection, the
 * run database (SQLite) and the search engines (random, evolutionary,
 * particle swarm) sharing one pool of candidates. Space groups, their
 * Wyckoff positions and random symmetric crystals are in nacre/sym.h.
 *
 * Units: Å, Å^3, eV; pressure in GPa. */
#ifndef NACRE_SEARCH_H
#define NACRE_SEARCH_H

#include "nacre/core.h"
#include "nacre/pot.h"
#include "nacre/sym.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Random crystals of a space group, compositions and minimum distances
 * are in nacre/sym.h. */

/* A random cluster: atoms in a sphere whose volume is N·V_atom, in a
 * non-periodic box with `vacuum` Å (≥ 0; 10 when ≤ 0) around it. */
nacre_status nacre_random_cluster(const nacre_composition *c,
                                  const nacre_random_options *o, double vacuum,
                                  nacre_rng *rng, nacre_structure **out,
                                  nacre_error *err);
/* A random cluster with the symmetry of point group g: each element's
 * atoms split at random into orbits of g's sites (an orbit holds one
 * element; the origin at most one atom), each orbit through a random
 * point of its site's subspace within the sphere, all at the minimum
 * distances; same sphere and box as nacre_random_cluster. An error when g
 * cannot hold the composition (nacre_pointgroup_holds). */
nacre_status nacre_random_symmetric_cluster(const nacre_composition *c,
                                            const nacre_pointgroup *g,
                                            const nacre_random_options *o,
                                            double vacuum, nacre_rng *rng,
                                            nacre_structure **out,
                                            nacre_error *err);
/* Whether the orbit sizes of g's sites add up to every element's count. */
int nacre_pointgroup_holds(const nacre_pointgroup *g,
                           const nacre_composition *c);
/* ------------------------------------------------------------------ */
/* Fingerprints and duplicates                                           */
/* ------------------------------------------------------------------ */

/* Oganov–Valle-style fingerprint: for every species pair (A ≤ B) the
 * Gaussian-smeared pair distribution
 *   F_AB(R) = Σ_{i∈A} Σ_{j∈B} g(R − R_ij) / (4π R_ij² Δ N_A N_B / V) − 1
 * on bins of width Δ up to rmax (Oganov & Valle, J. Chem. Phys. 130, 104504
 * (2009), eq. 3). For clusters (no periodic direction) V is replaced by the
 * volume of the sphere of radius rmax, which keeps the same invariances. */
typedef struct nacre_fingerprint {
  int nspecies;
  int z[NACRE_MAX_SPECIES];
  int npairs;               /* nspecies (nspecies+1)/2 */
  int nbins;
  double rmax, bin;         /* Å */
  double *weight;           /* npairs: N_A N_B / Σ N_A N_B */
  double *f;                /* npairs * nbins */
  /* Clusters only (no periodic direction; 0 and NULL for crystals): the
   * overlap-matrix fingerprint of Sadeghi et al., J. Chem. Phys. 139,
   * 184118 (2013), one number per atom. Each atom carries a normalised
   * s-type Gaussian of width w_i; the overlap matrix is
   *   S_ij = (2 w_i w_j / (w_i² + w_j²))^{3/2} exp(−r_ij² / (2 (w_i² + w_j²)))
   * and its eigenvalues, largest first, are invariant under rotation,
   * translation and permutation but, unlike the pair distribution above,
   * see how the atoms' neighbourhoods fit together (a surface atom moved
   * to another site changes them). w_i is proportional to the covalent
   * radius of atom i's element, scaled so that the mean of the widths is
   * half the cluster's mean nearest-neighbour distance (scale-free: a
   * uniformly expanded copy has the same eigenvalues). Clusters of more
   * than NACRE_OVERLAP_MAX_ATOMS atoms (more than a search makes) get none:
   * the matrix grows as N², its eigenvalues as N³. */
  int noverlap;
  double *overlap;
} nacre_fingerprint;
#define NACRE_OVERLAP_MAX_ATOMS 1000

typedef struct nacre_fingerprint_options {
  double rmax;      /* in units of (V/N)^{1/3} (3; about 10 Å for Na) */
  int nbins;        /* bins (120) */
  double sigma;     /* Gaussian width relative to rmax (0.015) */
} nacre_fingerprint_options;

void nacre_fingerprint_options_init(nacre_fingerprint_options *o);
nacre_status nacre_fingerprint_new(const nacre_structure *s,
                                   const nacre_fingerprint_options *o,
                                   nacre_fingerprint **out, nacre_error *err);
void nacre_fingerprint_free(nacre_fingerprint *fp);
/* Weighted normalised dot product (cosine similarity) in [−1, 1]; 1 =
 * identical. Fingerprints of different species or binning give −2. */
double nacre_fingerprint_similarity(const nacre_fingerprint *a,
                                    const nacre_fingerprint *b);
/* Cosine distance (1 − similarity)/2 of Oganov & Valle, in [0, 1]. */
double nacre_fingerprint_distance(const nacre_fingerprint *a,
                                  const nacre_fingerprint *b);
/* Diversity of a set of minima: the mean cosine distance over the pairs of
 * fp[0..n) (0 for fewer than two). The search reports it for the
 * NACRE_SPREAD_MINIMA lowest distinct minima. */
#define NACRE_SPREAD_MINIMA 20
/* The most tribes of a multi-tribe search (nacre_search_config.tribes). */
#define NACRE_MAX_TRIBES 64
double nacre_fingerprint_spread(const nacre_fingerprint *const *fp, long n);
/* Funnel occupancy of a set of minima fp[0..n), lowest enthalpy first: in
 * that order each minimum joins the funnel of the lowest funnel bottom
 * within cosine distance `distance` of it, or else is the bottom of a new
 * funnel (structural neighbours of a low minimum stand for the minima its
 * funnel leads down to). funnel[i] gets the funnel of minimum i, numbered
 * in order of their bottoms (0: the lowest minimum's); returns the number
 * of funnels. The search reports it for the NACRE_SPREAD_MINIMA lowest
 * distinct minima at NACRE_FUNNEL_DISTANCE: LJ38's truncated octahedron
 * lies 0.018–0.053 from the icosahedral minima, which lie within 0.002 of
 * their own funnel's neighbours. */
#define NACRE_FUNNEL_DISTANCE 0.01
int nacre_fingerprint_funnels(const nacre_fingerprint *const *fp, long n,
                              double distance, int *funnel);
/* Root-mean-square difference of the overlap-matrix eigenvalues of two
 * clusters, sqrt(Σ_k (λ_k − λ'_k)² / N) (Sadeghi et al. 2013, eq. 4); −1
 * when either fingerprint has none (a crystal, or one stored before them)
 * or their atom counts differ. */
double nacre_fingerprint_overlap_distance(const nacre_fingerprint *a,
                                          const nacre_fingerprint *b);
/* Flat serialisation for storage: the array of doubles (header + data;
 * the overlap eigenvalues, when present, after their count). */
size_t nacre_fingerprint_size(const nacre_fingerprint *fp);
void nacre_fingerprint_pack(const nacre_fingerprint *fp, double *buf);
nacre_status nacre_fingerprint_unpack(const double *buf, size_t n,
                                      nacre_fingerprint **out,
                                      nacre_error *err);

typedef struct nacre_duplicate_options {
  double similarity;    /* same when similarity ≥ this (0.95, as MAISE) */
  double dh_ev_atom;    /* and |ΔH| per atom ≤ this (0.005 eV) */
  double dv_rel;        /* and |ΔV|/V ≤ this (0.05) */
  double strict;        /* different space groups count as the same only
                           when similarity ≥ strict (0.995) */
  /* Clusters (fingerprints with overlap eigenvalues on both sides): the
   * enthalpy window is also relative, |ΔH| ≤ dh_rel × |H| (1e-4: 0.04 ε for
   * LJ75, whatever the unit of energy; 0 turns it off), and the overlap
   * distance must be ≤ overlap (0.002; 0 turns it off). Distinct LJ75
   * minima lie 0.01 ε apart in total energy and within cosine distance
   * 0.01 of each other, where the per-atom window and the pair distribution
   * alone merge them. */
  double dh_rel;
  double overlap;
} nacre_duplicate_options;

void nacre_duplicate_options_init(nacre_duplicate_options *o);
/* A minimum as seen by the duplicate test. sg ≤ 0: unknown. */
typedef struct nacre_minimum_key {
  const nacre_fingerprint *fp;
  double h_atom;        /* enthalpy per atom, eV */
  double v_atom;        /* volume per atom, Å^3 */
  int sg;
} nacre_minimum_key;

int nacre_is_duplicate(const nacre_minimum_key *a, const nacre_minimum_key *b,
                       const nacre_duplicate_options *o);

/* ------------------------------------------------------------------ */
/* Structure analysis for the pool                                       */
/* ------------------------------------------------------------------ */

/* Space group (0 for clusters or when spglib fails), its short symbol and
 * the Pearson symbol ("cF4", "hR3"; "c" for clusters: "cluster13") found with
 * tolerance symprec (Å). */
void nacre_search_classify(const nacre_structure *s, double symprec, int *sg,
                           char symbol[16], char pearson[16]);

/* Text form of a structure for the run database (lossless: %.17g). */
char *nacre_structure_to_text(const nacre_structure *s);
nacre_status nacre_structure_from_text(const char *text,
                                       nacre_structure **out,
                                       nacre_error *err);

/* ------------------------------------------------------------------ */
/* The search                                                            */
/* ------------------------------------------------------------------ */

typedef enum nacre_engine {
  NACRE_ENGINE_RANDOM = 0,  /* AIRSS-like: random symmetric structures */
  NACRE_ENGINE_EVOLUTION,   /* USPEX/MAISE-like: heredity, mutations */
  NACRE_ENGINE_SWARM,       /* CALYPSO-like particle swarm */
  NACRE_ENGINE_AUTO,        /* the others feeding one pool */
  NACRE_ENGINE_BASIN_HOPPING, /* walkers hopping from minimum to minimum */
  NACRE_ENGINE_MINIMA_HOPPING /* walkers escaping their minimum by MD */
} nacre_engine;
#define NACRE_ENGINE_COUNT 6

const char *nacre_engine_name(nacre_engine e);
nacre_status nacre_engine_parse(const char *text, nacre_engine *out,
                                nacre_error *err);

/* What a relaxation reports. The structure is relaxed in place. */
typedef struct nacre_search_relaxed {
  int ok;               /* 1: a usable local minimum (converged or close) */
  double energy;        /* eV */
  double enthalpy;      /* E + PV, eV */
  int steps;
  char outcome[32];     /* "converged", "not-converged", "overlap", ... */
  /* The potential's training domain, for potentials that record one
   * (networks): evaluations of this relaxation checked and outside it,
   * and whether the last one (the relaxed structure) was outside. */
  long domain_checked, domain_outside;
  int domain_outside_at_end;
  /* A committee potential's disagreement on the relaxed structure:
   * σ_f = max_i sqrt(<|F_i − <F_i>|²>) (eV/Å) and the energy deviation per
   * atom (eV/atom); committee_size 0 for other potentials. */
  int committee_size;
  double committee_force_dev_max, committee_energy_dev_per_atom;
} nacre_search_relaxed;

/* Relaxes s at the pressure of the run. Called in worker processes when
 * jobs > 1, so it must not rely on state shared with the parent after the
 * fork. A non-OK status stops the search (an unusable candidate is
 * reported through out->ok = 0 instead). */
typedef nacre_status (*nacre_search_relax_fn)(void *user, nacre_structure *s,
                                              double pressure_gpa,
                                              nacre_search_relaxed *out,
                                              nacre_error *err);

/* How the search relaxes each candidate (L-BFGS, atoms and cell, or atoms
 * only for clusters). */
typedef struct nacre_search_relax_settings {
  double fmax_ev_a;           /* force tolerance, eV/Å (0.01) */
  double smax_gpa;            /* stress tolerance, GPa (0.01) */
  int max_steps;              /* optimiser steps at most (1000) */
} nacre_search_relax_settings;

/* Everything a run is: stored whole in the run file when it is created and
 * read back on resume, so a resumed run relaxes, ranks and deduplicates as
 * the original did. The defaults are those of nacre_search_config_init,
 * nowhere else. */
typedef struct nacre_search_config {
  nacre_composition composition; /* a variable-composition run: one atom of
                                    each element of the range */
  /* Variable composition ("" : the composition above, fixed): the elements
   * of the range, comma-separated ("Li,Sn", two to four), and the atoms per
   * cell, min_natoms..max_natoms; every mix of the elements within those
   * bounds, the pure elements included, is searched at once and ranked by
   * its distance to the convex hull of the pool (see
   * src/search/varcomp.c and nacre_run_set_hull). */
  char composition_range[64];
  int min_natoms, max_natoms;
  double pressure_gpa;        /* the only copy of the run's pressure; the
                                 random options' pressure_gpa is ignored */
  int cluster;                /* 0D search: atoms in a sphere, no cell */
  nacre_engine engine;
  uint64_t seed;
  int budget;                 /* relaxations in total (100) */
  double time_limit_s;        /* wall-clock limit of this invocation (0:
                                 none); the run can be resumed */
  int stall_generations;      /* stop after this many generations without a
                                 lower enthalpy (0: never) */
  /* Saturation: stop once this many relaxations have brought neither a
   * new lowest minimum nor a new distinct minimum among the
   * NACRE_SATURATION_RANK lowest (0: never). Checked after each
   * generation. */
  int saturation;
#define NACRE_SATURATION_RANK 10
  int population;             /* candidates per generation (20) */
  int jobs;                   /* worker processes (1: relax in-process) */
  char groups[256];           /* space-group selection ("1-230") */
  /* Clusters: this share of the random clusters (0.5; 0 in runs stored
   * before it existed) has the symmetry of a point group drawn from
   * point_groups (Schoenflies symbols, comma-separated, or "all":
   * nacre_pointgroup_symbols) among those that can hold the composition;
   * the rest have none. Crystals: this share of the heredity and mutation
   * children keeps a common subgroup of the parents' space groups (whole
   * Wyckoff orbits spliced; orbit representatives moved and the cell
   * strained within the parent's group or an axial subgroup of it), where
   * the parents have one; the rest are cut atom by atom. */
  double frac_symmetric;
  char point_groups[256];
  /* Crystals: this share of the random newcomers after the first
   * generation is built from a motif of a pool minimum (one of its
   * coordination polyhedra, copies placed at random in a random cell of
   * its density; the rest of the atoms random) instead of from atoms
   * alone (0; no random number is drawn for the choice at 0). */
  double frac_motif;
  /* Crystals: 1: the random crystals of a centred space group hold the
   * composition in their conventional cell or, as often, in their
   * primitive cell (the conventional cell then holds it once per lattice
   * point: nacre_random_crystal_primitive), as random structure searches
   * count atoms per cell; 0 (default; runs stored before it): only in the
   * conventional cell, which leaves out every crystal of a centred group
   * whose primitive cell has all the atoms (R-3m Li12Sn4 in 16 atoms). */
  int primitive_cells;
  /* Crystals: this share of the mutations (and of the basin-hopping
   * walkers' hops) is made in a random supercell of the parent's primitive
   * cell with the search's atoms, drawn uniformly among the sublattices of
   * that index (Hermite normal forms), when the primitive cell is smaller
   * than the parent's cell: the parent is the same crystal there, but a
   * swap, a soft mode or a displacement can break translations its own
   * cell keeps, so ordered superstructures of a good minimum (another
   * stacking of its layers, an antisite pair in another cell) become one
   * mutation away. A swap there exchanges a pair of unlike nearest
   * neighbours; a parent that is its own primitive cell gets the same
   * moves in its own cell. 0.5 by default (runs stored before it: 0, and
   * no random number is drawn for the choice). Fixed-composition searches
   * only. */
  double frac_supercell_mutation;
  /* The auto mix's share of each generation for basin-hopping (or minima-
   * hopping) walkers, at most 0.2; a negative value: the default, 0.1.
   * Clusters' walkers take their share from the random newcomers' 0.2,
   * crystals' from the swarm's 0.2 (crystal runs stored before it: 0, the
   * swarm's whole share; cluster runs: the default). */
  double walker_share;
  char potential[1024];       /* description recorded in the run */
  char output_dir[1024];      /* where reports go unless asked elsewhere
                                 ("": search-results next to the caller) */
  nacre_search_relax_settings relax;
  nacre_random_options random;
  nacre_fingerprint_options fingerprint;
  nacre_duplicate_options duplicate;
  double symprec;             /* Å, for the space group of minima
                                 (NACRE_SYMPREC_DEFAULT, 0.01) */
  /* Relaxed minima with two atoms closer than this many times their
   * reference distance are rejected as unphysical (status failed, outcome
   * "too-close"): machine-learned potentials can have spurious deep
   * minima at distances outside their training data. Reference: the
   * explicit minimum distance of the pair when one was set
   * (nacre_random_options_set_distance), else the sum of the covalent
   * radii, scaled down with the structure's density once it is denser than
   * a close packing of covalent spheres (nacre_search_distance_ratio), so
   * the rule holds at any pressure. 0 disables the check (0.8). */
  double min_relaxed_factor;
  /* Evolutionary operators: shares of a generation after the first. */
  double frac_heredity;       /* cut-and-splice crossover (0.5) */
  double frac_mutation;       /* strain, displacement, swap, soft mode (0.3) */
  /* (the rest are random newcomers) */
  int elite;                  /* best unique minima kept as parents (4) */
  double similarity_penalty;  /* fitness penalty for near-duplicates (0.5) */
  /* Crowding: the parents are grouped into funnels as
   * nacre_fingerprint_funnels groups minima (NACRE_FUNNEL_DISTANCE), and a
   * parent's fitness is penalised by crowding × the parents of its own
   * funnel that are lower than it, so that one crowded funnel does not
   * take every parent slot from the others (0: off). */
  double crowding;
  /* Multi-tribe evolution (tribes.h): the population is split into
   * `tribes` tribes of consecutive slots that breed only from the minima
   * they found themselves since they last started; a tribe whose lowest
   * enthalpy has not fallen in `tribe_restart` generations starts again
   * from random structures (its minima stay in the pool and the results).
   * 1: one population, no restarts (default). */
  int tribes;                 /* 1 .. NACRE_MAX_TRIBES, at most population */
  int tribe_restart;          /* generations without a lower tribe best (20) */
  /* Particle swarm. Velocity moves (CALYPSO): v' = w v + c1 r1 (pbest − x)
   * + c2 r2 (gbest − x), x' = x + v' on the atoms (v: the particle's
   * previous move). Operator moves (USPEX's corrected PSO): a mutation of
   * x with weight w, or heredity of x with pbest or gbest with weights
   * c1 r1 Dp and c2 r2 Dg (fingerprint distances to them). */
  int swarm_operators;        /* 0: velocity moves, 1: operator moves (0) */
  /* Basin hopping (Wales & Doye, J. Phys. Chem. A 101, 5111 (1997)): each
   * walker steps from its current minimum (op_hop) and moves to the new
   * minimum when its enthalpy is less than ediff above the current one;
   * ediff falls by a factor hop_ediff_factor on each acceptance and rises
   * by it on each rejection, the acceptance rule of minima hopping
   * (Goedecker, J. Chem. Phys. 120, 9911 (2004)). A walker whose best has
   * not improved in hop_restart hops starts again from a parent of the
   * pool. */
  double hop_ediff_ev_atom;   /* ediff at a walker's start, eV/atom (0.01) */
  double hop_ediff_factor;    /* (1.05) */
  int hop_restart;            /* hops without a lower best (30) */
  /* Minima hopping (Goedecker 2004): a walker escapes its minimum by MD
   * (nacre_search_escape) at a kinetic energy that rises by 5 % when the
   * relaxation comes back to the walker's minimum or to one the pool
   * already holds and falls by 5 % when it finds a new one; the ediff
   * rule above decides whether the walker moves.
   * hop_ekin_ev_atom is the kinetic energy per atom at a walker's start;
   * 0: 5 % of |E|/N of its start minimum. */
  double hop_ekin_ev_atom;
  /* The walkers of the auto mix (clusters: 10 % of each generation):
   * basin hopping (0, default) or minima hopping (1). */
  int auto_minima_hopping;
  /* Normal modes the soft-mode mutation follows: the bond-hardness spring
   * model (NACRE_SOFT_MODES_SPRINGS, default), or the potential's own
   * modes at Γ of the parent's cell (NACRE_SOFT_MODES_POTENTIAL: a
   * finite-difference Hessian, 6N evaluations per mutation; the run needs
   * nacre_run_set_soft_modes, which nacre_search_job_run does). */
  int soft_modes;
#define NACRE_SWARM_OPERATOR_W 1.0 /* USPEX's mutation weight (PSO_softMut) */
  double swarm_regenerate;    /* share of particles regenerated (0.4) */
  double swarm_inertia;       /* w, weight of the previous move (0.5) or of
                                 a mutation (operator moves: 1) */
  double swarm_c1, swarm_c2;  /* attraction to personal/global best (1, 1) */
} nacre_search_config;

void nacre_search_config_init(nacre_search_config *c);
/* Checks the settings (ranges, sums of shares); the message names the
 * setting and its value. */
nacre_status nacre_search_config_check(const nacre_search_config *c,
                                       nacre_error *err);

/* How a candidate stands in the run; stored by name. */
typedef enum nacre_candidate_status {
  NACRE_CANDIDATE_PENDING = 0, /* made, not yet relaxed */
  NACRE_CANDIDATE_DONE,        /* relaxed to a usable minimum */
  NACRE_CANDIDATE_FAILED       /* relaxation failed or the minimum was
                                  rejected; the outcome says why */
} nacre_candidate_status;

/* "pending", "done", "failed". */
const char *nacre_candidate_status_name(nacre_candidate_status s);
nacre_status nacre_candidate_status_parse(const char *text,
                                          nacre_candidate_status *out,
                                          nacre_error *err);

/* A candidate as kept in the run database. */
typedef struct nacre_candidate {
  long id;                    /* 0, 1, ... in creation order */
  int generation;
  char engine[16];            /* random, evolution, swarm, basin-hopping */
  char op[24];                /* random, heredity, strain, permute, ... */
  char parents[48];           /* "12,40" or "" */
  nacre_candidate_status status;
  nacre_structure *start;     /* may be NULL when not loaded */
  nacre_structure *relaxed;   /* NULL unless done */
  double energy, enthalpy;    /* eV (total) */
  double volume;              /* Å^3 */
  int sg;
  char sg_symbol[16];
  char pearson[16];
  nacre_fingerprint *fp;
  long duplicate_of;          /* −1: unique minimum; else the id it repeats */
  char outcome[32];
  int steps;
  double created, finished;   /* seconds since the run started */
  /* Of the relaxed structure, with a committee potential (NAN otherwise,
   * and for candidates of run files older than these columns): σ_f, eV/Å,
   * and the energy deviation per atom, eV/atom. */
  double committee_force_dev_max, committee_energy_dev_per_atom;
  /* The potential's training domain (nacre_search_relaxed): -1 unknown
   * (a potential that records none), else whether an evaluation of the
   * relaxation left it, and whether the relaxed structure is outside. */
  int domain_left, domain_end_outside;
} nacre_candidate;

void nacre_candidate_clear(nacre_candidate *c);

/* Failed candidates counted by reason: the outcome word of the
 * relaxation (max-steps, exploded, collapsed, overlap, bad-start, numeric)
 * or of the checks after it (too-close, fingerprint). Reasons beyond the
 * first NACRE_SEARCH_MAX_REASONS - 1 are counted as "other". */
#define NACRE_SEARCH_MAX_REASONS 10
typedef struct nacre_search_failures {
  long total;
  int n;
  char reason[NACRE_SEARCH_MAX_REASONS][24];
  long count[NACRE_SEARCH_MAX_REASONS];
} nacre_search_failures;
void nacre_search_failures_add(nacre_search_failures *f, const char *reason,
                               long count);
/* "too-close 12, max-steps 3" (most frequent first); "" when none. */
void nacre_search_failures_format(const nacre_search_failures *f, char *buf,
                                  size_t n);

/* Relaxations of this session that left the potential's training data
 * (counted from the workers' reports; all zero for potentials that record
 * no domain). */
typedef struct nacre_search_domain {
  long relaxations;          /* relaxations whose potential checked */
  long left;                 /* of them, with an evaluation outside */
  long ended_outside;        /* of them, whose relaxed structure is outside */
  long evaluations, evaluations_outside;
} nacre_search_domain;

/* One warning line ("12 of 200 relaxations left the training data of the
 * potential ..."); 0 and nothing written when none left it. */
int nacre_search_domain_message(const nacre_search_domain *d, char *buf,
                                size_t n);

/* Progress after every finished relaxation. Return non-zero to stop. */
typedef struct nacre_search_progress {
  long finished;              /* relaxations finished, failed ones included */
  long done, budget;          /* usable minima; relaxations in total */
  nacre_search_failures failures;
  nacre_search_domain domain;
  int generation;
  long unique;
  /* Diversity of the pool: nacre_fingerprint_spread of the
   * NACRE_SPREAD_MINIMA lowest distinct minima, and the basin-hopping
   * walkers that started again from the pool. */
  double spread;
  long restarts;
  /* Funnel occupancy of the NACRE_SPREAD_MINIMA lowest distinct minima
   * (nacre_fingerprint_funnels): funnels, and the minima in each, the
   * lowest funnel first. */
  int nfunnels;
  int funnel_minima[NACRE_SPREAD_MINIMA];
  /* Multi-tribe evolution: the tribes, and how often one started again
   * from random structures (nacre_search_config.tribes). */
  int tribes;
  long tribe_restarts;
  long since_new_low;         /* relaxations since the last new low minimum
                                 (see nacre_search_config.saturation) */
  double best_h_atom;         /* eV/atom */
  int best_sg;
  char best_pearson[16];
  double elapsed_s;
  double relax_per_hour;
  /* Variable composition: compositions with a minimum, and of them on
   * the hull of the pool (0 for a fixed composition). */
  int compositions, hull_phases;
  int final;                  /* 1 on the last report of a run, after the
                                 last minima joined the pool: its counts
                                 are those the run file and report give */
} nacre_search_progress;

typedef int (*nacre_search_progress_fn)(void *user,
                                        const nacre_search_progress *p);

typedef struct nacre_run nacre_run;

/* Creates a new run database (refuses an existing non-empty one) or opens
 * one to resume (config NULL: read back from the file). The run is locked
 * for this process until nacre_run_close (a second process gets
 * NACRE_ERR_IO: "in use"). */
nacre_status nacre_run_create(const char *path, const nacre_search_config *c,
                              nacre_run **out, nacre_error *err);
nacre_status nacre_run_open(const char *path, nacre_run **out,
                            nacre_error *err);
/* Read-only access for reports while another process may be running. */
nacre_status nacre_run_open_readonly(const char *path, nacre_run **out,
                                     nacre_error *err);
void nacre_run_close(nacre_run *r);
/* The configuration stored in the run. */
const nacre_search_config *nacre_run_config(const nacre_run *r);
/* Resuming with the settings `asked` (the run's own, with the caller's
 * changes): the budget, the time limit, the stall limit, jobs and the
 * potential apply and are stored; any other setting that differs from the
 * run's is refused with NACRE_ERR_INVALID and *conflict (may be NULL) set to
 * its key in the run file ("pressure_gpa", "seed", "fmax_ev_a", ...). The
 * caller checks that a new potential knows the composition's elements. */
nacre_status nacre_run_apply(nacre_run *r, const nacre_search_config *asked,
                             const char **conflict, nacre_error *err);
/* nacre_run_apply changing only these (≤ 0 / < 0: keep). */
nacre_status nacre_run_set_limits(nacre_run *r, int budget,
                                  double time_limit_s, int jobs,
                                  nacre_error *err);

/* Runs (or resumes) the search until the budget, time limit, stall limit,
 * the progress callback or ctx->interrupt stops it. Every finished
 * relaxation is committed before the next is handed out. */
nacre_status nacre_search_run(nacre_run *r, nacre_search_relax_fn relax,
                              void *relax_user, nacre_search_progress_fn prog,
                              void *prog_user, const nacre_ctx *ctx,
                              nacre_error *err);

/* Normal modes for the soft-mode mutation: eigenvalues (3N, ascending)
 * and unit displacement patterns (3N × 3N, mode c at vectors + 3N·c), both
 * caller-allocated, as nacre_soft_modes and nacre_potential_normal_modes
 * give them. */
typedef nacre_status (*nacre_soft_modes_fn)(void *user, const nacre_structure *s,
                                            double *eigenvalues, double *vectors,
                                            nacre_error *err);
/* The source of the modes of a run whose configuration asks for
 * NACRE_SOFT_MODES_POTENTIAL (nacre_search_run refuses to start such a run
 * without one). user must outlive the runs. */
void nacre_run_set_soft_modes(nacre_run *r, nacre_soft_modes_fn fn, void *user);

/* ---- The MD escape of minima hopping ---- */
typedef struct nacre_escape_options {
  int minima;        /* potential-energy minima to pass along the path (3) */
  int soften_steps;  /* curvature-lowering steps on the start velocity (20) */
  int max_steps;     /* MD steps at most (4000) */
} nacre_escape_options;
void nacre_escape_options_init(nacre_escape_options *o);

typedef struct nacre_escape_info {
  int steps, minima, retries; /* MD steps, minima passed, step halvings */
  long force_calls;
  double timestep;            /* √(amu Å²/eV) (10.18 fs) */
  double energy_start, energy_end; /* potential energy, eV */
  double drift;               /* largest |E_total − E_total(0)| / ekin */
  double curvature_start, curvature_end; /* along the start velocity, eV/Å²
                                            (0 without softening) */
} nacre_escape_info;

/* Minima hopping's escape (Goedecker, J. Chem. Phys. 120, 9911 (2004)):
 * from the minimum s, a random velocity without centre-of-mass motion,
 * turned towards low curvature (Schönborn et al., J. Chem. Phys. 130,
 * 144108 (2009)) and scaled to ekin_ev (total, eV); velocity-Verlet MD at
 * constant energy with the cell held fixed, the step 2 % of the mean
 * nearest-neighbour distance for the fastest atom at the start (halved
 * while the total energy drifts by more than ekin/5), until the potential
 * energy has passed o->minima minima or o->max_steps. s then holds the end
 * point (wrapped). */
nacre_status nacre_search_escape(nacre_calc *calc, nacre_structure *s,
                                 double ekin_ev, const nacre_escape_options *o,
                                 nacre_rng *rng, nacre_escape_info *info,
                                 nacre_error *err);
/* The escape as the engine calls it, in the process that makes the
 * candidates; seed picks the random velocity. */
typedef nacre_status (*nacre_escape_fn)(void *user, nacre_structure *s,
                                        double ekin_ev, uint64_t seed,
                                        nacre_escape_info *info,
                                        nacre_error *err);
/* The escape of a run with the minima-hopping engine (nacre_search_run
 * refuses to start such a run without one). user must outlive the runs. */
void nacre_run_set_escape(nacre_run *r, nacre_escape_fn fn, void *user);

/* ---- Variable composition ----
 * The energies above the convex hull of formation enthalpy of n entries
 * of nelements elements: amounts (n × nelements atom counts) and total
 * enthalpies (eV); *above_per_atom_ev (n, caller-allocated) receives each
 * entry's height above the hull, eV/atom (0 on it). Every element has at
 * least one pure entry when it is called. The search layer holds no hull
 * of its own: the caller passes one in (nacre search uses thermo's
 * Qhull hull, nacre_hull_new). */
typedef nacre_status (*nacre_search_hull_fn)(void *user, int nelements,
                                             int n, const double *amounts,
                                             const double *enthalpies_ev,
                                             double *above_per_atom_ev,
                                             nacre_error *err);
/* The hull of a variable-composition run (nacre_search_run refuses to
 * start one without it). user must outlive the runs. */
void nacre_run_set_hull(nacre_run *r, nacre_search_hull_fn fn, void *user);
/* Whether c searches a composition range. */
int nacre_search_config_varcomp(const nacre_search_config *c);
/* Reads a range's elements ("Li,Sn", "Li,Sn,O": two to four distinct
 * elements) into *elements (one atom of each, in the order given). */
nacre_status nacre_composition_range_parse(const char *text,
                                           nacre_composition *elements,
                                           nacre_error *err);
/* The reduced formula of the atoms of s ("Li7Sn2", counts divided by
 * their gcd, elements in the order of elements; NULL: by atomic number). */
void nacre_search_reduced_formula(const nacre_structure *s,
                                  const nacre_composition *elements,
                                  char *buf, size_t n);

/* Why the last nacre_search_run stopped: "budget", "time limit",
 * "no improvement in N generations", "stopped", "interrupted". */
const char *nacre_run_stop_reason(const nacre_run *r);

/* Shortest interatomic distance in s divided by its low-density
 * reference (the explicit pair distance of o when set, else the sum of the
 * covalent radii), over all pairs and periodic images; INFINITY for fewer
 * than two atoms. */
double nacre_search_closest_ratio(const nacre_structure *s,
                                  const nacre_random_options *o);

/* The scale s at which spheres of radii s r_i (covalent radii) fill the
 * volume of s as densely as a close packing: s = [V / (4√2 Σ r_i³)]^{1/3};
 * 1 for clusters. */
double nacre_search_density_scale(const nacre_structure *s);

/* The search's distance rule as a relaxation's collapse check reads it
 * (nacre_relax_options.collapse_radii and collapse_distance): radii[i] =
 * ½ ref(Z_i, Z_i), ref the low-density reference of nacre_search_closest_ratio
 * (the explicit distance of the pair, which carries the potential's own
 * length scale, e.g. 0.8 σ in reduced units; else the sum of the covalent
 * radii). Returns the collapse fraction of those radii: 0.3, lowered to 0.9 ×
 * the shortest distance the search's operators leave between two atoms
 * (0.75 × nacre_random_min_distance) where that is smaller, so that a
 * child the operators made is never a bad start. radii has s->natoms
 * entries. */
double nacre_search_collapse_radii(const nacre_structure *s,
                                   const nacre_random_options *o,
                                   double *radii);

/* The closest pair found by nacre_search_distance_ratio. */
typedef struct nacre_close_pair {
  int i, j;              /* atoms */
  double distance;       /* Å */
  double reference;      /* Å: min(1, s) × the low-density reference */
} nacre_close_pair;

/* The rule of nacre_search_config.min_relaxed_factor: the smallest
 * d_ij / (min(1, s) × ref_ij) over all pairs and images, with s of
 * nacre_search_density_scale and ref_ij as in nacre_search_closest_ratio:
 * the covalent reference for open structures, the close-packing
 * nearest-neighbour distance at the structure's own density once it is
 * compressed (see src/search/distance_rule.c for the numbers). pair may be
 * NULL. */
double nacre_search_distance_ratio(const nacre_structure *s,
                                   const nacre_random_options *o,
                                   nacre_close_pair *pair);

/* ---- Relaxation with a potential through the opt module ---- */

typedef struct nacre_search_relaxer nacre_search_relaxer;

/* Loads the potential SPEC (see nacre_potential_load) and prepares
 * variable-cell L-BFGS relaxations (atoms only for clusters) with the
 * settings rs (fmax, smax and max_steps must be positive). Returns
 * NACRE_ERR_UNSUPPORTED when this build lacks opt/. */
nacre_status nacre_search_relaxer_new(const char *potential_spec,
                                      const nacre_search_relax_settings *rs,
                                      nacre_search_relaxer **out,
                                      nacre_error *err);
/* NACRE_ERR_INVALID, naming the elements, when the relaxer's potential
 * cannot evaluate composition c. */
nacre_status nacre_search_relaxer_check(const nacre_search_relaxer *r,
                                        const nacre_composition *c,
                                        nacre_error *err);
void nacre_search_relaxer_free(nacre_search_relaxer *r);
/* A nacre_search_relax_fn; user is the relaxer. A relaxation that ran out
 * of steps still counts as a minimum when its largest force is below
 * 10·fmax. */
nacre_status nacre_search_relax_potential(void *user, nacre_structure *s,
                                          double pressure_gpa,
                                          nacre_search_relaxed *out,
                                          nacre_error *err);
/* A nacre_soft_modes_fn; user is the relaxer: the modes of its potential
 * (nacre_potential_normal_modes). */
nacre_status nacre_search_relaxer_modes(void *user, const nacre_structure *s,
                                        double *eigenvalues, double *vectors,
                                        nacre_error *err);
/* A nacre_escape_fn; user is the relaxer (its potential, default
 * nacre_escape_options). */
nacre_status nacre_search_relaxer_escape(void *user, nacre_structure *s,
                                         double ekin_ev, uint64_t seed,
                                         nacre_escape_info *info,
                                         nacre_error *err);
/* Force evaluations made by this process's relaxer so far. */
long nacre_search_relaxer_force_calls(const nacre_search_relaxer *r);
/* The distance rule (o's minimum distances) the relaxer's collapse check
 * follows from now on (nacre_search_collapse_radii); without one it uses
 * the covalent radii. nacre_search_run sets its run's rule on a relaxer it
 * is given with nacre_search_relax_potential. */
void nacre_search_relaxer_set_distances(nacre_search_relaxer *r,
                                        const nacre_random_options *o);

/* ---- MPI: one rank keeps the pool, the others relax ----
 * In builds configured with -DNACRE_MPI=ON, `mpirun -np N` starts N
 * processes: rank 0 runs the search and alone owns the run file, ranks
 * 1..N−1 load the potential and relax one candidate at a time. The pool is
 * the one of a run with N−1 forked workers (jobs) and the same seed. Every
 * rank calls nacre_search_mpi_init and, at the end, nacre_search_mpi_finish;
 * in between rank 0 calls nacre_search_mpi_start and nacre_search_run_mpi,
 * the others nacre_search_mpi_serve. Without MPI in the build these return
 * NACRE_ERR_UNSUPPORTED. */
typedef struct nacre_search_mpi nacre_search_mpi;

/* What the relaxing ranks need besides the candidates. */
typedef struct nacre_search_mpi_settings {
  char potential[1024];       /* potential SPEC, loaded on every rank */
  nacre_search_relax_settings relax;
  nacre_random_options distances; /* the run's distance rule
                                     (nacre_search_relaxer_set_distances) */
} nacre_search_mpi_settings;

/* 1 when this library was built with MPI. */
int nacre_search_mpi_built(void);
/* The number of processes an MPI launcher (Open MPI, MPICH, PMIx) started
 * this one among, from its environment; 0 when not started by one. */
int nacre_search_mpi_launched(void);
/* Initialises MPI (MPI_Init); *out gives the rank and size. */
nacre_status nacre_search_mpi_init(nacre_search_mpi **out, nacre_error *err);
int nacre_search_mpi_rank(const nacre_search_mpi *m);
int nacre_search_mpi_size(const nacre_search_mpi *m);
/* Rank 0: sends the settings; every rank loads the potential. Fails on
 * every rank, naming the ranks and hosts, when any rank cannot load it. */
nacre_status nacre_search_mpi_start(nacre_search_mpi *m,
                                    const nacre_search_mpi_settings *s,
                                    nacre_error *err);
/* Ranks > 0: waits for the settings, loads the potential and relaxes
 * candidates until rank 0 finishes. Returns NACRE_ERR_EXTERNAL when rank 0
 * failed (it reports why) and the potential's error when loading failed. */
nacre_status nacre_search_mpi_serve(nacre_search_mpi *m, nacre_error *err);
/* Rank 0: nacre_search_run with ranks 1..N−1 as the workers. */
nacre_status nacre_search_run_mpi(nacre_search_mpi *m, nacre_run *r,
                                  nacre_search_progress_fn prog,
                                  void *prog_user, const nacre_ctx *ctx,
                                  nacre_error *err);
/* Every rank, last: rank 0 releases the other ranks (failed: they return
 * an error from nacre_search_mpi_serve), then MPI_Finalize; frees m. */
void nacre_search_mpi_finish(nacre_search_mpi *m, int failed);

/* All finished candidates (status done) in id order, with relaxed
 * structures and fingerprints; caller frees with nacre_candidates_free. */
nacre_status nacre_run_load_done(nacre_run *r, nacre_candidate **out, long *n,
                                 nacre_error *err);
/* Unique minima sorted by enthalpy per atom (indices into the array). */
long nacre_candidates_rank(const nacre_candidate *c, long n, long *order);
void nacre_candidates_free(nacre_candidate *c, long n);
/* Counts by status. */
nacre_status nacre_run_counts(nacre_run *r, long *pending, long *done,
                              long *failed, nacre_error *err);
/* The failed candidates of the run by reason. */
nacre_status nacre_run_failures(nacre_run *r, nacre_search_failures *f,
                                nacre_error *err);

/* ---- A whole search, as `nacre search` runs it ---------------------- */

typedef struct nacre_search_job {
  /* The settings of a new run, or for a resumed one the run's own with the
   * caller's changes (nacre_search_job_resume starts from the run's). The
   * potential: the spec to load ("" on resume: the run's). */
  nacre_search_config config;
  const char *db;             /* run file ("search.db") */
  int resume;                 /* continue db instead of creating it */
  nacre_search_progress_fn progress; /* may be NULL */
  void *progress_user;
  /* The hull of a variable-composition run (nacre_run_set_hull). */
  nacre_search_hull_fn hull;
  void *hull_user;
} nacre_search_job;

void nacre_search_job_init(nacre_search_job *job);
/* job for resuming the run in db: its settings read (without locking)
 * from the file, an empty potential (the run's unless one is given). */
nacre_status nacre_search_job_resume(nacre_search_job *job, const char *db,
                                     nacre_error *err);
/* Runs the job: loads the potential and checks that it knows every element
 * of the composition before anything is written; a new run file is created
 * only then (refusing one that holds a run; a relative output_dir is made
 * absolute); a resumed run takes the changes nacre_run_apply allows and
 * refuses the others (*conflict names the setting, may be NULL). m: rank 0
 * of an MPI job, or NULL for config.jobs worker processes. *run is the run,
 * open and locked, whenever the search started, also when it then failed
 * or was interrupted (report it, then nacre_run_close); NULL otherwise. */
nacre_status nacre_search_job_run(const nacre_search_job *job,
                                  nacre_search_mpi *m, const nacre_ctx *ctx,
                                  nacre_run **run, const char **conflict,
                                  nacre_error *err);

/* ---- Reports --------------------------------------------------------- */

/* One unique minimum of the ranking. */
typedef struct nacre_search_minimum {
  const nacre_candidate *c;     /* its representative: the lowest-enthalpy
                                   copy */
  const nacre_candidate *first; /* the candidate that found it first */
  long times_found;             /* the representative and its duplicates */
  double h_atom_ev, dh_mev_atom, e_atom_ev, v_atom_a3; /* of c; ΔH to the
                                   best minimum */
  double above_hull_ev;         /* a composition range: height above the
                                   hull of the run's minima, eV/atom; NAN
                                   for a fixed composition */
  /* The group of the symmetrised standard conventional cell (cell, NULL
   * for clusters or when spglib finds none) at the run's symprec: what the
   * files and the table name. */
  nacre_structure *cell;
  int sg;
  char sg_symbol[16], pearson[16];
} nacre_search_minimum;

typedef struct nacre_search_report {
  nacre_search_config config;
  char stop_reason[96];          /* of a search run by this process, or "" */
  long relaxed, failed, pending; /* candidates by status */
  double spread;                 /* nacre_fingerprint_spread of the
                                    NACRE_SPREAD_MINIMA lowest minima */
  /* Their funnels (nacre_fingerprint_funnels): how many, and for each
   * (lowest first) the rank of its bottom in minima (0 = best) and the
   * minima in it. */
  int nfunnels;
  long funnel_bottom[NACRE_SPREAD_MINIMA];
  int funnel_minima[NACRE_SPREAD_MINIMA];
  /* 1: a composition range whose minima are ranked by their height above
   * the hull (the enthalpy per atom breaking ties): its spread, funnels
   * and since_new_low are of the minima nearest the hull. 0: ranked by
   * enthalpy per atom (a fixed composition, or a range read without a
   * hull set, nacre_run_set_hull). */
  int hull_ranked;
  long since_new_low;            /* relaxations after the last that found
                                    one of the NACRE_SATURATION_RANK lowest
                                    minima; with hull_ranked, after the
                                    first finding of the latest distinct
                                    minimum within 50 meV/atom of the hull
                                    (what --saturation counts) */
  long tribe_restarts;           /* tribes started again up to the last
                                    generation made (config.tribes > 1) */
  nacre_search_failures failures;
  /* The potential's training domain over the relaxed candidates of the
   * whole run (every session; all 0 for a potential that records none):
   * those checked, those whose relaxation left it, and the unique minima
   * that lie outside it. */
  long domain_checked, domain_left, minima_outside;
  int committee;                 /* 1: the minima carry a committee's
                                    deviations */
  long nminima;                  /* unique minima, best first */
  nacre_search_minimum *minima;
  nacre_candidate *c;            /* the finished candidates (owned) */
  long n;
} nacre_search_report;

/* Ranks the unique minima of run (it may be running in another process:
 * duplicates are refolded in candidate order, so a live or resumed run
 * reads as an uninterrupted one): by enthalpy per atom, or for a
 * composition range with a hull set (nacre_run_set_hull, also on a run
 * opened read-only) by height above that hull. */
nacre_status nacre_search_report_new(nacre_run *run,
                                     nacre_search_report **out,
                                     nacre_error *err);
void nacre_search_report_free(nacre_search_report *r);
/* Writes into dir (made when missing), each file atomically: for the top
 * minima rankNN.cif (the symmetrised standard conventional cell with the
 * group's operations and the asymmetric unit, H, E, V and P as
 * _nacre_*_per_atom_ev / _a3 / _gpa items) and rankNN.POSCAR (the same
 * cell; H, E, V, P and the group on the comment line); minima.extxyz (every
 * unique minimum as relaxed, best first, with energy and the vocabulary's
 * keys in the info line: with a committee its deviations, with a recorded
 * training domain outside_training_domain); summary.json
 * (doc/search-json.md). wall_s > 0 is
 * recorded. *json (may be NULL) receives the summary text (caller frees). */
nacre_status nacre_search_report_write(const nacre_search_report *r,
                                       const char *dir, int top, double wall_s,
                                       char **json, nacre_error *err);

/* ---- Starting structures for data sets -------------------------------- */
/* Vinet equation of state: pressure (GPa) at volume v, and its inverse,
 * the volume at pressure p ≥ 0 (v0 in any volume unit, b0 in GPa). */
double nacre_vinet_pressure(double v, double v0, double b0, double b0p);
double nacre_vinet_volume(double p, double v0, double b0, double b0p);

/* ------------------------------------------------------------------ */
/* Soft modes: the bond-hardness harmonic model                           */
/* ------------------------------------------------------------------ */

/* The springs of a structure at its current geometry, with force
 * constants from bond valences and bond electronegativities (Lyakhov,
 * Oganov & Valle, Comput. Phys. Commun. 181, 1623 (2010)): the cheap
 * model whose softest normal modes the soft-mode mutation follows. Every
 * pair closer than R_i + R_j + 2.5 Å (covalent radii) is a spring at its
 * present length, so the structure is the model's minimum. Periodic along
 * the structure's pbc; clusters have no images. */
typedef struct nacre_bond_model nacre_bond_model;
nacre_status nacre_bond_model_new(const nacre_structure *s,
                                  nacre_bond_model **out, nacre_error *err);
void nacre_bond_model_free(nacre_bond_model *m);
/* Number of springs (pairs with their images, each once). */
size_t nacre_bond_model_springs(const nacre_bond_model *m);
/* E = ½ Σ k (|r| − r0)² (model units, eV/Å² × Å²) at `positions`
 * (Cartesian Å, 3N; the cell of the structure the model was built on). */
double nacre_bond_model_energy(const nacre_bond_model *m,
                               const double *positions);
/* The longitudinal-spring Hessian at `positions` (3N × 3N, row-major,
 * caller-allocated): exact at the model's own geometry, where the
 * transverse (tension) terms vanish. */
void nacre_bond_model_hessian(const nacre_bond_model *m,
                              const double *positions, double *h);
/* Normal modes of the model at s: eigenvalues (3N, ascending, model
 * eV/Å²) and unit eigenvectors (3N × 3N; mode c is vectors[3N·c ..]);
 * both caller-allocated. Translations (and, for clusters, rotations) come
 * first with eigenvalues ≈ 0. */
nacre_status nacre_soft_modes(const nacre_structure *s, double *eigenvalues,
                              double *vectors, nacre_error *err);
/* The normal modes at Γ of the cell of s for potential p: the Hessian by
 * central differences of the forces (±step_a on every coordinate, 6N
 * evaluations; step_a ≤ 0: 0.01 Å), symmetrised and mass-weighted (the dynamical matrix at q =
 * 0 of the cell taken as its own supercell), with the rigid translations
 * (and, for a cluster, rotations) projected out so that they are exact
 * zeros. Eigenvalues λ (3N, ascending) in eV/(Å² amu): ν = 15.633 √λ THz,
 * negative for an unstable mode; vectors are the displacement patterns
 * u_i = e_i / √m_i of the eigenvectors e, normalised (mode c at vectors +
 * 3N·c). Both caller-allocated. */
nacre_status nacre_potential_normal_modes(const nacre_potential *p, const nacre_structure *s,
                                          double step_a, double *eigenvalues, double *vectors,
                                          nacre_error *err);
/* Values of nacre_search_config.soft_modes. */
enum { NACRE_SOFT_MODES_SPRINGS = 0, NACRE_SOFT_MODES_POTENTIAL = 1 };
/* "springs", "potential". */
const char *nacre_soft_modes_name(int soft_modes);
nacre_status nacre_soft_modes_parse(const char *text, int *out, nacre_error *err);

/* Valence electrons of element z by its periodic-table group (groups
 * 13–18: 3–8; lanthanides and actinides 3); 0 outside 1..103. */
int nacre_valence_electrons(int z);

typedef struct nacre_na_hp_options {
  int min_atoms, max_atoms;    /* cells of min..max atoms (1, 8) */
  double p_min_gpa, p_max_gpa; /* target pressures (0, 150) */
  double v0, b0, b0p;          /* Vinet EOS giving the volume per atom
                                  (Å^3, GPa, -): PBE Na, see dataset.c */
} nacre_na_hp_options;
void nacre_na_hp_options_init(nacre_na_hp_options *o);
/* Sodium 0–150 GPa: bcc, fcc (1 atom), hcp (2), the 9R stacking (3),
 * dhcp and the cubic fcc cell (4), 8-atom supercells of bcc, fcc and hcp,
 * cI16 and oP8-like (8) and random symmetric crystals (1–8 atoms,
 * any space group that holds them), each at the EOS volume of a pressure
 * drawn uniformly from [p_min, p_max]; 4 in 5 strained (up to ±6 %) and
 * rattled (up to 0.1 Å); atoms ≥ 1.8 Å apart. Kinds are drawn uniformly
 * among those with min..max atoms. Structure k depends only on (seed, k).
 * *out is a malloc'd array of structures (free each, then the array);
 * `kinds` (may be NULL) receives a malloc'd array of static kind names,
 * `pressures_gpa` (may be NULL) the target pressures. */
nacre_status nacre_dataset_na_hp(uint64_t seed, int count,
                                 const nacre_na_hp_options *o,
                                 nacre_structure ***out, const char ***kinds,
                                 double **pressures_gpa, nacre_error *err);

#ifdef __cplusplus
}
#endif
#endif
