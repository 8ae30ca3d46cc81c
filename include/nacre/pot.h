/* nacre/pot.h — the potential interface, the calculator that evaluates a
 * potential with a reusable neighbour list, and the loaders.
 *
 * Results: energy (eV), forces (eV/Å, = −∂E/∂r), stress (eV/Å^3 inside the
 * library, Voigt order xx yy zz yz xz xy, ASE sign: σ = (1/V) ∂E/∂ε, positive
 * is tensile, pressure P = −tr σ / 3), virial W = −V σ (eV). */
#ifndef NACRE_POT_H
#define NACRE_POT_H

#include "nacre/core.h"
#include "nacre/neigh.h"

#ifdef __cplusplus
extern "C" {
#endif

enum {
  NACRE_WANT_ENERGY = 1u,
  NACRE_WANT_FORCES = 2u,
  NACRE_WANT_STRESS = 4u,
  NACRE_WANT_ATOM_ENERGIES = 8u,
  NACRE_WANT_ALL = 7u /* energy + forces + stress */
};

/* Whether a structure lies in the data a potential was fitted to. Filled
 * by potentials that know it (neural networks with a recorded domain, see
 * nacre/nn.h; a committee combines its members); known = 0 otherwise. */
typedef struct nacre_domain_report {
  int known;          /* 1: the potential checked this evaluation */
  int atoms_outside;  /* atoms with a descriptor component outside the
                         training range or a neighbour closer than any
                         pair of the training data */
  int atoms_too_close; /* of them, those with such a neighbour */
  double distance_ratio; /* smallest r / (shortest training distance of
                            that species pair); 0 when not checked */
  int volume_outside; /* 1: volume per atom outside the training range */
  double excess;      /* largest distance outside a descriptor range, in
                         units of that range's width (0 inside) */
} nacre_domain_report;

/* 1 when the report puts the structure outside the domain. */
int nacre_domain_report_outside(const nacre_domain_report *d);

typedef struct nacre_result {
  int natoms;              /* size the arrays were allocated for */
  double energy;           /* eV */
  double *forces;          /* 3*natoms, eV/Å */
  double stress[6];        /* eV/Å^3, Voigt xx yy zz yz xz xy, ASE sign */
  double *atom_energies;   /* natoms, eV (sums to energy) */
  /* Committee potentials (nacre_committee_new) fill these; for other
   * potentials committee_size is 0 and the deviations are 0. */
  int committee_size;      /* K members */
  double committee_energy_dev_per_atom; /* eV/atom: standard deviation of
                                           the members' energies / N */
  double committee_force_dev_max; /* eV/Å: σ_f = max_i sqrt(<|F_i − <F_i>|²>)
                                     over members k (DP-GEN's max_devi_f);
                                     −1 when forces were not asked for */
  double *atom_force_dev;  /* natoms, eV/Å: sqrt(<|F_i − <F_i>|²>) per atom
                              (with forces) */
  nacre_domain_report domain;
  unsigned char *atom_outside; /* natoms: 1 for the atoms domain.atoms_outside
                                  counts (with domain.known) */
} nacre_result;

/* Allocates forces, atom energies and atom force deviations for natoms. */
nacre_status nacre_result_init(nacre_result *r, int natoms, nacre_error *err);
void nacre_result_free(nacre_result *r);
double nacre_result_pressure_gpa(const nacre_result *r);

/* What an implementation provides. `model` is immutable after loading, so
 * one potential can be shared by many threads; per-evaluation scratch space
 * lives in a workspace that each calculator owns. */
typedef struct nacre_potential_ops {
  const char *kind; /* "lj", "eam", "nn", ... */
  /* Fill r->energy and, as `want` asks, forces, stress, atom energies.
   * Forces/stress/atom_energies are zeroed by the caller beforehand. The
   * neighbour list is up to date, built with at least the potential's
   * cutoff; entries beyond the cutoff must be ignored. */
  nacre_status (*compute)(const void *model, const nacre_structure *s,
                          const nacre_neighbor_list *nl, unsigned want,
                          nacre_result *r, void *workspace, nacre_error *err);
  void *(*workspace_new)(const void *model); /* may be NULL */
  void (*workspace_free)(void *workspace);   /* may be NULL */
  void (*model_free)(void *model);
  /* Human-readable one-line description (may be NULL). */
  void (*describe)(const void *model, char *buf, size_t buflen);
  /* 1: compute also accepts a half neighbour list (each pair once,
   * nl->half) and is fastest with one, so the calculator builds that; it
   * must still accept a full list. */
  int half_list;
} nacre_potential_ops;

typedef struct nacre_potential nacre_potential;

/* Wraps an implementation. species_z lists the atomic numbers the model
 * knows (nspecies 0 = any element). Takes ownership of model. */
nacre_potential *nacre_potential_wrap(const nacre_potential_ops *ops,
                                      void *model, double cutoff,
                                      const int *species_z, int nspecies,
                                      nacre_error *err);
/* A note from loading (e.g. a deprecated file format), or NULL. The
 * library prints nothing; commands show it to the user. */
const char *nacre_potential_note(const nacre_potential *p);
void nacre_potential_set_note(nacre_potential *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void nacre_potential_free(nacre_potential *p);
double nacre_potential_cutoff(const nacre_potential *p);
const char *nacre_potential_kind(const nacre_potential *p);
const void *nacre_potential_model(const nacre_potential *p);
int nacre_potential_nspecies(const nacre_potential *p);
const int *nacre_potential_species(const nacre_potential *p);
void nacre_potential_describe(const nacre_potential *p, char *buf,
                              size_t buflen);
/* NACRE_OK when the potential can evaluate every element of s. */
nacre_status nacre_potential_supports(const nacre_potential *p,
                                      const nacre_structure *s,
                                      nacre_error *err);

/* Loads a potential from a SPEC: an inline form
 *   committee:SPEC1,SPEC2,...   a committee of any potentials (each SPEC a
 *                               file or inline form; inline forms with
 *                               commas of their own go in a committee
 *                               file instead)
 *   lj:epsilon=E,sigma=S,cutoff=RC[,shift=1][,tail=1]   (tail=1 implies
 *                               shift=1; shift=0,tail=1 is refused)
 *   uf:epsilon=E,p=P,sigma=S[,cutoff=RC]
 *   morse:D=E,alpha=A,r0=R,cutoff=RC[,shift=1]
 *   gupta:A=..,xi=..,p=..,q=..,r0=..,cutoff=..[,rmin=..]
 *   eam:FILE1,FILE2,...   (funcfl files combined as pair_style eam does)
 *   zbl:r_inner=A,r_outer=B   the ZBL repulsion (nacre_zbl_new)
 *   SPEC+KIND:...         the sum of two potentials, the second inline
 *                         (a baseline under a network: MODEL+zbl:...)
 * or a file whose format is detected from its content (EAM funcfl/setfl/fs,
 * MAISE models, nacre models and committee files). */
nacre_status nacre_potential_load(const char *spec, nacre_potential **out,
                                  nacre_error *err);

/* The sum of k (2 to 8) potentials, which it takes over (also on
 * failure): energies, forces, stresses and per-atom energies added; the
 * first term's domain report and committee deviations are the sum's. Its
 * cutoff is the largest, its elements those every term knows. */
nacre_status nacre_sum_new(nacre_potential **terms, int k,
                           nacre_potential **out, nacre_error *err);
/* Term k of a sum (p itself for k = 0 when p is not a sum; else NULL). */
const nacre_potential *nacre_sum_term(const nacre_potential *p, int k);

/* The universal screened-Coulomb repulsion of Ziegler, Biersack and
 * Littmark (1985) between atoms of atomic numbers zi and zj at r Å, times
 * a switch from 1 at r_inner to 0 at r_outer (quintic smoothstep, C²):
 * V in eV, *dvdr in eV/Å; 0 at and beyond r_outer. */
double nacre_zbl_pair(int zi, int zj, double r, double r_inner,
                      double r_outer, double *dvdr);
/* The pair potential Σ_{i<j} nacre_zbl_pair for any elements
 * ("zbl:r_inner=A,r_outer=B"), a short-range baseline under networks. */
nacre_status nacre_zbl_new(double r_inner, double r_outer,
                           nacre_potential **out, nacre_error *err);

/* A file-format loader; probe() looks at the first bytes of a file. */
typedef struct nacre_potential_loader {
  const char *name;
  int (*probe)(const char *path, const char *head, size_t headlen);
  nacre_status (*load)(const char *path, nacre_potential **out,
                       nacre_error *err);
} nacre_potential_loader;

/* ------------------------------------------------------------------ */
/* Calculator: potential + neighbour list + workspace, one per thread      */
/* ------------------------------------------------------------------ */

typedef struct nacre_calc nacre_calc;

/* skin: Verlet skin in Å (negative: default 1.0 Å). */
nacre_calc *nacre_calc_new(const nacre_potential *p, double skin,
                           nacre_error *err);
void nacre_calc_free(nacre_calc *c);
/* r must have been initialised for at least s->natoms atoms. Rejects
 * non-finite results with NACRE_ERR_NUMERIC. */
nacre_status nacre_calc_compute(nacre_calc *c, const nacre_structure *s,
                                unsigned want, nacre_result *r,
                                nacre_error *err);
const nacre_potential *nacre_calc_potential(const nacre_calc *c);
const nacre_neighbor_list *nacre_calc_neighbor_list(const nacre_calc *c);
/* Forces a neighbour-list rebuild at the next evaluation (a run that must
 * sum forces in the same order as one restarted here uses it). */
void nacre_calc_reset_neighbors(nacre_calc *c);
/* Counters: evaluations with and without forces. */
long nacre_calc_force_calls(const nacre_calc *c);
long nacre_calc_energy_calls(const nacre_calc *c);

/* What a result carries beyond energy, forces and stress, in plain fields
 * of a fixed layout (for bindings). */
typedef struct nacre_result_extras {
  int committee_size;                   /* 0: not a committee */
  double committee_energy_dev_per_atom; /* eV/atom */
  double committee_force_dev_max;       /* eV/Å (σ_f, DP-GEN's max_devi_f) */
  int domain_known;                     /* 1: the potential checked it */
  int outside_training_domain;          /* nacre_domain_report_outside */
  int atoms_outside;
  int atoms_too_close;
  double distance_ratio;                /* 0 when not checked */
  int volume_outside;
  double excess;
} nacre_result_extras;

/* The same evaluation on plain arrays, for callers that do not build a
 * nacre_structure (bindings: Python, Fortran, Julia). cell[9] holds the
 * rows a, b, c (Å; all zero is accepted for a cluster periodic in no
 * direction), pbc[3] 1 for periodic, numbers[natoms] atomic numbers,
 * positions[3*natoms] Cartesian Å. Outputs are written when not NULL:
 * *energy (eV), forces[3*natoms] (eV/Å), stress[6] (eV/Å^3, Voigt, ASE
 * sign; needs all three directions periodic), atom_energies[natoms] (eV),
 * atom_force_dev[natoms] (eV/Å, committees with forces; 0 otherwise),
 * *extras (committee deviations, training-domain report). The evaluation
 * counts in nacre_calc_domain_counts as nacre_calc_compute's do. */
nacre_status nacre_calc_compute_arrays(nacre_calc *c, int natoms,
                                       const double *cell, const int *pbc,
                                       const int *numbers,
                                       const double *positions,
                                       double *energy, double *forces,
                                       double *stress, double *atom_energies,
                                       double *atom_force_dev,
                                       nacre_result_extras *extras,
                                       nacre_error *err);

/* Evaluations outside the potential's training domain, counted by the
 * calculator since it was made (or last reset): a command warns once per
 * run from these (nacre_domain_counts_message). */
typedef struct nacre_domain_counts {
  int known;             /* 1 when the potential reports its domain */
  long evaluations;      /* evaluations checked */
  long outside;          /* of them, outside the domain */
  long atoms_outside;    /* sum over evaluations of the atoms outside */
  long atoms_too_close;  /* of them, with a neighbour closer than any pair
                            of the training data */
  double min_distance_ratio; /* smallest r / shortest training distance
                                seen (0: none checked) */
  long volume_outside;   /* evaluations with the volume per atom outside */
  double max_excess;     /* largest excess seen (units of a range width) */
} nacre_domain_counts;

void nacre_calc_domain_counts(const nacre_calc *c, nacre_domain_counts *out);
/* The domain report of the calculator's last evaluation. */
nacre_domain_report nacre_calc_last_domain(const nacre_calc *c);
void nacre_calc_reset_domain_counts(nacre_calc *c);
/* Adds b into a (counts from several calculators or processes). */
void nacre_domain_counts_add(nacre_domain_counts *a,
                             const nacre_domain_counts *b);
/* Adds one evaluation's report. */
void nacre_domain_counts_record(nacre_domain_counts *a,
                                const nacre_domain_report *r);
/* One warning line for the counts ("3 of 10 evaluations (structures) lie
 * outside the training data of the potential: ..."), with `what` naming
 * the unit counted ("structures", "evaluations"). Returns 0 and writes
 * nothing when nothing was outside. */
int nacre_domain_counts_message(const nacre_domain_counts *c,
                                const char *what, char *buf, size_t len);

/* ------------------------------------------------------------------ */
/* Committees of potentials                                              */
/* ------------------------------------------------------------------ */

/* A potential whose energy, forces and stress are the means of K member
 * potentials of any kinds (networks, EAM, ...), and whose results carry
 * the members' spread (nacre_result's committee fields: σ_f as DP-GEN
 * defines it, per-atom force deviations, energy deviation per atom). Each
 * member is evaluated on its own path with its own workspace; the
 * neighbour list (the largest member cutoff) is shared. The domain report
 * is outside when any member's is. Kind "committee". Takes ownership of
 * the members (also on failure). */
nacre_status nacre_committee_new(nacre_potential **members, int k,
                                 nacre_potential **out, nacre_error *err);
/* Members of a committee potential (0 / NULL for other potentials). */
int nacre_committee_size(const nacre_potential *p);
const nacre_potential *nacre_committee_member(const nacre_potential *p,
                                              int k);
/* A committee file naming its members by SPEC (paths relative to the
 * committee file's folder, or inline forms), written atomically. */
nacre_status nacre_committee_write_specs(const char *path,
                                         const char *const *specs, int k,
                                         nacre_error *err);

/* ------------------------------------------------------------------ */
/* Particles with given neighbour lists (MD engines: LAMMPS through KIM) */
/* ------------------------------------------------------------------ */

/* Particles as an MD engine that owns the domain decomposition hands them
 * over: the atoms of its domain ("contributing": their energies count) and
 * padding particles (ghost atoms and periodic images standing for atoms
 * counted elsewhere). There are no periodic images beyond the particles
 * themselves. Each contributing particle i has a full list of neighbours
 * (indices of particles, each pair seen from both ends) holding every
 * particle within the potential's cutoff (more are ignored):
 * neighbors[offsets[i] .. offsets[i+1]−1]. Padding particles have empty
 * ranges (offsets[i+1] == offsets[i]). */
typedef struct nacre_particles {
  int n;                    /* particles, contributing and padding */
  const int *numbers;       /* n atomic numbers */
  const double *positions;  /* 3n, Cartesian Å */
  const int *contributing;  /* n flags: 1 = energy counted, 0 = padding */
  const size_t *offsets;    /* n + 1 */
  const int *neighbors;     /* offsets[n] particle indices */
} nacre_particles;

/* An evaluator of one potential on such particles, with its own scratch
 * space (one per thread). NACRE_ERR_UNSUPPORTED for potentials whose atomic
 * energies depend on more than the atom's own neighbours (EAM's embedding
 * density of a neighbour, for one); Behler–Parrinello networks qualify. */
typedef struct nacre_particle_calc nacre_particle_calc;
nacre_particle_calc *nacre_particle_calc_new(const nacre_potential *p,
                                             nacre_error *err);
void nacre_particle_calc_free(nacre_particle_calc *pc);
/* E = Σ_{i contributing} E_i (eV); forces[3n] = −∂E/∂x_k on every particle,
 * padding included (eV/Å; the engine adds a padding particle's force to
 * the atom it stands for); atom_energies[n] = E_i, 0 for padding (eV);
 * dedstrain[6] = ∂E/∂ε = Σ_pairs r_ij ⊗ ∂E/∂r_ij (eV, Voigt xx yy zz yz
 * xz xy), which is V·σ (ASE sign) for a periodic system whose atoms are
 * each contributing once, KIM's partialVirial, and −W of nacre_result's
 * virial convention. Any output may be NULL. */
nacre_status nacre_particle_calc_compute(nacre_particle_calc *pc,
                                         const nacre_particles *pt,
                                         double *energy, double *forces,
                                         double *atom_energies,
                                         double dedstrain[6],
                                         nacre_error *err);
/* Evaluations whose contributing atoms lay outside the potential's training
 * domain, since pc was made (as nacre_calc_domain_counts; volume and
 * descriptor excess are not judged on particle sets). */
void nacre_particle_calc_domain_counts(const nacre_particle_calc *pc,
                                       nacre_domain_counts *out);

/* A KIM portable model (KIM API 2) for the model file at model_path: the
 * folder dir (created if needed) receives a copy of the model file, the
 * CMakeLists.txt with which kim-api-collections-management builds the item
 * on the driver nacre_driver (kim/nacre_driver in nacre's sources,
 * share/nacre/kim/nacre_driver once installed), and a README with the
 * LAMMPS commands. The model must load and be one nacre_particle_calc
 * accepts. name: the item's name, a C identifier. */
nacre_status nacre_kim_model_write(const char *model_path, const char *name,
                                   const char *dir, nacre_error *err);
/* 1 when name can name a KIM item (a C identifier, under 128 characters). */
int nacre_kim_name_valid(const char *name);
/* "nacre_" + the model file's base name without extension, other
 * characters than letters and digits as '_'. */
void nacre_kim_default_name(const char *model_path, char *buf, size_t len);

/* ------------------------------------------------------------------ */
/* Classical potentials                                                  */
/* ------------------------------------------------------------------ */

/* V(r) = 4ε[(σ/r)^12 − (σ/r)^6] for r < rc; shift subtracts V(rc). */
nacre_status nacre_lj_new(double epsilon, double sigma, double cutoff,
                          int shift, nacre_potential **out, nacre_error *err);
/* The same with tail = 1: plus the mean-field energy of the pairs beyond
 * rc (and, when shifted, of the shift inside it) for a uniform pair
 * density, E_tail = (N²/V) c(ε, σ, rc), and its pressure E_tail/V; with
 * shift = 1 this is the full potential in the sense of the usual
 * long-range corrections (lj.c); with shift = 0 the pressure misses the
 * impulsive forces at rc (half the virial tail in a uniform fluid), which
 * is why the inline SPEC "lj:...,tail=1" always shifts. Needs a cell
 * periodic in all directions. */
nacre_status nacre_lj_new_tail(double epsilon, double sigma, double cutoff,
                               int shift, int tail, nacre_potential **out,
                               nacre_error *err);

/* The Uhlenbeck–Ford model (Paula Leite, Freitas, Azevedo & de Koning,
 * JCP 145, 194101 (2016)), a reference fluid whose free energy thermo
 * integrates from the ideal gas:
 *   V(r) = −p ε ln(1 − exp(−r²/σ²)),
 * repulsive, logarithmically divergent at r = 0, ε usually k_B T. Cut and
 * shifted at cutoff (≤ 0: where p ε e^{−r²/σ²} falls below 1e-10 p ε,
 * 4.8 σ). Inline SPEC: "uf:epsilon=E,p=P,sigma=S[,cutoff=RC]". */
nacre_status nacre_uf_new(double epsilon, double p, double sigma,
                          double cutoff, nacre_potential **out,
                          nacre_error *err);


/* V(r) = D[e^{−2α(r−r0)} − 2e^{−α(r−r0)}] for r < rc (minimum −D at r0);
 * shift subtracts V(rc). D in eV, α in 1/Å, r0 and rc in Å. */
nacre_status nacre_morse_new(double d_ev, double alpha, double r0,
                             double cutoff, int shift, nacre_potential **out,
                             nacre_error *err);

/* Gupta / RGL second-moment tight binding (Cleri & Rosato, PRB 48, 22
 * (1993)) for the pair of elements (a, b):
 *   E_i = Σ_j A e^{−p(r/r0−1)} fc(r) − sqrt(Σ_j ξ² e^{−2q(r/r0−1)} fc(r)),
 * with fc = 1 below rmin, ½[1 + cos(π(r−rmin)/(cutoff−rmin))] between rmin
 * and cutoff (MAISE's taper), 0 beyond. rmin >= cutoff: hard cutoff. */
typedef struct nacre_gupta_params {
  double a_ev;   /* A, eV */
  double xi_ev;  /* ξ, eV */
  double p, q;   /* dimensionless */
  double r0;     /* Å */
  double rmin;   /* start of the taper, Å */
  double cutoff; /* Å */
} nacre_gupta_params;

/* nspecies 0: one parameter set for every element (params[0]). Otherwise
 * params holds nspecies×nspecies sets, symmetric, for species_z. */
nacre_status nacre_gupta_new(int nspecies, const int *species_z,
                             const nacre_gupta_params *params,
                             nacre_potential **out, nacre_error *err);
/* MAISE's classical model file ("Gupta potential" table, see gupta.c). */
nacre_status nacre_gupta_load_maise(const char *path, nacre_potential **out,
                                    nacre_error *err);

/* Embedded-atom method, E = Σ_i F_a(ρ_i) + ½ Σ_i Σ_j φ_ab(r_ij),
 * ρ_i = Σ_j ρ_{b→a}(r_ij), evaluated from tables exactly as LAMMPS'
 * pair_style eam/alloy/fs does (its cubic Hermite splines, clamping and
 * linear extension of F beyond the ρ table; see eam.c). */
typedef struct nacre_eam_tables {
  int nelements;
  int z[NACRE_MAX_Z];   /* atomic number of each element */
  int nrho;             /* F tabulated at ρ = k·drho, k = 0..nrho−1 */
  double drho;
  int nr;               /* ρ and r·φ tabulated at r = k·dr, k = 0..nr−1 */
  double dr;            /* Å */
  double cutoff;        /* Å */
  double rhomax;        /* F is extended linearly beyond this ρ */
  const double *frho;   /* nelements × nrho: F_a, eV */
  /* nelements × nelements × nr: rhor[(a·nel + b)·nr + k] is the density
   * an atom of element b feels from a neighbour of element a at r_k
   * (setfl: independent of b). */
  const double *rhor;
  /* nelements × nelements × nr, symmetric: r·φ_ab(r), eV·Å */
  const double *z2r;
} nacre_eam_tables;

/* Copies the tables. */
nacre_status nacre_eam_new(const nacre_eam_tables *t, nacre_potential **out,
                           nacre_error *err);
/* LAMMPS/DYNAMO files: funcfl (.eam, one element, resampled as pair_style
 * eam does), setfl (.eam.alloy) and Finnis-Sinclair (.eam.fs). */
nacre_status nacre_eam_load_funcfl(const char *path, nacre_potential **out,
                                   nacre_error *err);
/* Several funcfl files, one element each, combined as pair_style eam does
 * (common grid; cross pair r·φ_ab = 27.2·0.529·Z_a Z_b). Inline SPEC:
 * "eam:FILE1,FILE2,...". */
nacre_status nacre_eam_load_funcfl_files(const char *const *paths, int n,
                                         nacre_potential **out,
                                         nacre_error *err);
nacre_status nacre_eam_load_setfl(const char *path, int finnis_sinclair,
                                  nacre_potential **out, nacre_error *err);
extern const nacre_potential_loader nacre_eam_funcfl_loader;
extern const nacre_potential_loader nacre_eam_setfl_loader;
extern const nacre_potential_loader nacre_eam_fs_loader;
extern const nacre_potential_loader nacre_gupta_maise_loader;
extern const nacre_potential_loader nacre_committee_file_loader;

/* ------------------------------------------------------------------ */
/* Ewald summation of point charges (src/pot/ewald.c)                    */
/* ------------------------------------------------------------------ */

/* e²/(4πε0) in eV·Å (CODATA 2018: e, ε0). */
#define NACRE_COULOMB_EV_A 14.399645478425668

typedef struct nacre_ewald_options {
  /* ε: both sums stop where their terms have fallen to ~ε of the first
   * ones (r_c = √(−ln ε)/α, G_c = 2α√(−ln ε)); default 1e-12 */
  double accuracy;
  double alpha;         /* splitting parameter, 1/Å; ≤ 0: balanced from N
                           and V (nacre_ewald_balanced_alpha), or from
                           real_cutoff_a when that is set */
  double real_cutoff_a; /* Å; ≤ 0: from alpha and accuracy */
} nacre_ewald_options;

void nacre_ewald_options_init(nacre_ewald_options *o);
/* α = √π (N/V²)^(1/6), 1/Å: equal work in real and reciprocal space. */
double nacre_ewald_balanced_alpha(int natoms, double volume_a3);

typedef struct nacre_ewald_result {
  double energy_ev;       /* real + reciprocal + self + charged */
  double real_ev, reciprocal_ev, self_ev;
  double charged_ev;      /* −kπQ²/(2Vα²): uniform neutralising background */
  double total_charge;    /* Q, e */
  double stress[6];       /* eV/Å^3, Voigt, ASE sign */
  double alpha;           /* used, 1/Å */
  double real_cutoff_a;   /* Å */
  double reciprocal_cutoff; /* |G| bound, 1/Å (G includes the 2π) */
  long nvectors;          /* reciprocal vectors summed (half of G space) */
} nacre_ewald_result;

/* Ewald energy of charges (e, one per atom) in the fully periodic cell of
 * s. forces (3N, eV/Å) and site_potentials_v (N, volts: φ_i = ∂E/∂q_i, so
 * that E = ½ Σ q_i φ_i) may be NULL. o may be NULL (defaults). */
nacre_status nacre_ewald(const nacre_structure *s, const double *charges,
                         const nacre_ewald_options *o, nacre_ewald_result *res,
                         double *forces, double *site_potentials_v,
                         nacre_error *err);

/* The Ewald energy as a quadratic form: m (N×N, row-major, eV/e²,
 * caller-allocated) with E = ½ Σ_ij q_i q_j m_ij for every choice of
 * charges on the sites of s (the background term included), so that many
 * charge assignments on one lattice (site orderings, vacancies as q = 0)
 * cost O(N²) each after one matrix. */
nacre_status nacre_ewald_matrix(const nacre_structure *s,
                                const nacre_ewald_options *o, double *m,
                                nacre_error *err);

/* Madelung constant in the convention of Johnson & Templeton, J. Chem.
 * Phys. 34, 2004 (1961): M = −E_fu · r0 / k with E_fu the Ewald energy per
 * formula unit (formula units: the gcd of the counts of each distinct
 * element and charge), r0 the shortest distance between a positive and a
 * negative charge and k = NACRE_COULOMB_EV_A. With charges ±1: rocksalt
 * 1.747565, CsCl 1.762675; CaF2 with +2/−1: 5.03878. */
typedef struct nacre_madelung {
  double madelung_constant;
  double energy_per_formula_unit_ev;
  double nearest_distance_a; /* r0 */
  int formula_units;
} nacre_madelung;

nacre_status nacre_ewald_madelung(const nacre_structure *s,
                                  const double *charges,
                                  const nacre_ewald_options *o,
                                  nacre_madelung *out, nacre_error *err);

/* Per-atom charges from per-element ones (z[k] carries q[k]); an element of
 * s without a charge is an error naming it. */
nacre_status nacre_ewald_site_charges(const nacre_structure *s, const int *z,
                                      const double *q, int n, double *charges,
                                      nacre_error *err);

/* Ewald as a potential: charges by element, the real-space cutoff (Å; the
 * neighbour-list cutoff) and accuracy ε fix α = √(−ln ε)/cutoff once, so
 * the energy is a smooth function of the positions and cell. Inline SPEC:
 * "ewald:Na=1,Cl=-1[,cutoff=10][,accuracy=1e-8]". */
nacre_status nacre_ewald_potential_new(const int *z, const double *charges,
                                       int n, double cutoff, double accuracy,
                                       nacre_potential **out,
                                       nacre_error *err);
nacre_status nacre_ewald_load_spec(const char *spec, nacre_potential **out,
                                   nacre_error *err);

/* ------------------------------------------------------------------ */
/* One structure file under one potential (nacre eval)                    */
/* ------------------------------------------------------------------ */

typedef struct nacre_evaluation {
  nacre_structure *s;  /* the structure read */
  nacre_potential *p;  /* the potential loaded */
  nacre_result r;      /* energy, forces, stress (and per-atom energies,
                          a committee's deviations) */
  nacre_domain_counts domain; /* whether it lies outside the potential's
                                 training data (nacre_domain_counts_message) */
} nacre_evaluation;

/* Reads `structure` (a path, "path@N" for frame N), loads `potential` (a
 * SPEC as nacre_potential_load takes it), checks that the potential knows
 * every element, and evaluates with `want` (NACRE_WANT_*). *out is filled
 * on success and empty otherwise; free it with nacre_evaluation_free. */
nacre_status nacre_evaluate_file(const char *structure, const char *potential,
                                 unsigned want, nacre_evaluation *out,
                                 nacre_error *err);
void nacre_evaluation_free(nacre_evaluation *e);

#ifdef __cplusplus
}
#endif
#endif
