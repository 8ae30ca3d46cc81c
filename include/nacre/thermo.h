/* nacre/thermo.h — thermodynamic and structural analysis of what a search
 * found: convex hulls of formation energy in any number of elements (at a
 * pressure through enthalpies, at a temperature through vibrational free
 * energies), intercalation voltages along a hull, powder X-ray diffraction
 * patterns, symmetry-distinct orderings of partially occupied sites,
 * transition pressures, free energies of crystals and liquids by
 * thermodynamic integration, and the SVG plots of them.
 *
 * Hulls work on plain arrays: entry i has amounts[i·nelements + k] atoms of
 * element k (any positive scale: a formula or a cell) and a total energy
 * E_i (eV; an enthalpy H = E + PV at a pressure, or a free energy). Per
 * atom: x_ik = amount/N_i, e_i = E_i/N_i. The elemental references μ_k
 * are the lowest e_i among entries of pure element k; the formation energy
 * is f_i = e_i − Σ_k x_ik μ_k. The hull is the lower convex hull of the
 * points (x_i, f_i), built by Qhull (reentrant libqhull_r); the energy
 * above it is e_i − e_hull(x_i) ≥ 0, and the decomposition gives the hull
 * phases (vertices of the facet below x_i) with their atom fractions. The
 * conventions (one lowest entry per composition, entries of positive
 * formation energy never on the hull, facets through the hull's own
 * vertices only) are those of pymatgen's PhaseDiagram (Ong et al., Chem.
 * Mater. 20, 1798 (2008)), so both agree to rounding. */
#ifndef NACRE_THERMO_H
#define NACRE_THERMO_H

#include "nacre/core.h"
#include "nacre/opt.h"
#include "nacre/pot.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Convex hulls                                                          */
/* ------------------------------------------------------------------ */

#define NACRE_HULL_MAX_ELEMENTS 10

typedef struct nacre_hull nacre_hull;

/* What the hull says about an entry or a composition. */
typedef struct nacre_hull_point {
  double formation_per_atom_ev;  /* f (for a bare composition: the hull's) */
  double hull_per_atom_ev;       /* formation energy of the hull there */
  double e_above_hull_per_atom_ev; /* f − hull (0 for a bare composition) */
  int stable;                    /* 1: a vertex of the hull */
  int ndecomp;                   /* phases it decomposes into */
  int decomp_entry[NACRE_HULL_MAX_ELEMENTS];
  double decomp_fraction[NACRE_HULL_MAX_ELEMENTS]; /* atom fractions, sum 1 */
} nacre_hull_point;

/* Builds the hull. Every element needs at least one pure entry (error
 * naming the missing element index otherwise); nelements ≤
 * NACRE_HULL_MAX_ELEMENTS; amounts ≥ 0 with at least one atom per entry;
 * energies finite. */
nacre_status nacre_hull_new(int nelements, int nentries, const double *amounts,
                            const double *energies_ev, nacre_hull **out,
                            nacre_error *err);
void nacre_hull_free(nacre_hull *h);
int nacre_hull_nelements(const nacre_hull *h);
int nacre_hull_nentries(const nacre_hull *h);
/* μ_k (eV/atom) and the entry that sets it. */
double nacre_hull_reference_ev(const nacre_hull *h, int element);
int nacre_hull_reference_entry(const nacre_hull *h, int element);
/* Entry i (0..nentries−1). */
const nacre_hull_point *nacre_hull_entry(const nacre_hull *h, int i);
/* Atom fractions of entry i (nelements values). */
const double *nacre_hull_fractions(const nacre_hull *h, int i);
/* The hull at a composition (atom fractions or amounts, any scale):
 * formation energy of the hull and the phases it decomposes into. */
nacre_status nacre_hull_at(const nacre_hull *h, const double *amounts,
                           nacre_hull_point *out, nacre_error *err);
/* The stable entries (hull vertices), in entry order. */
int nacre_hull_nstable(const nacre_hull *h);
int nacre_hull_stable(const nacre_hull *h, int k);
/* The lower facets: simplices of nelements stable entries. */
int nacre_hull_nfacets(const nacre_hull *h);
const int *nacre_hull_facet(const nacre_hull *h, int f);

/* ------------------------------------------------------------------ */
/* Voltages along a hull                                                 */
/* ------------------------------------------------------------------ */

/* One step of an intercalation profile: between x_start and x_end ions
 * per host formula unit the same hull phases coexist and the voltage is
 * V = −[E(x_end) − E(x_start) − (x_end − x_start) μ_ion] / ((x_end −
 * x_start) z), in volts for ions of charge z (E per host formula unit on
 * the hull, μ_ion the ion's elemental reference; Aydinol et al., Phys.
 * Rev. B 56, 1354 (1997)). */
typedef struct nacre_voltage_step {
  double x_start, x_end;
  double voltage_v;
  int nphases;                          /* hull phases along the step */
  int phases[NACRE_HULL_MAX_ELEMENTS];  /* entry indices */
} nacre_voltage_step;

/* The profile of inserting element `ion` into the host composition
 * `host_amounts` (atoms per host formula unit; none of `ion`) from x = 0
 * up to x_max ions per host formula unit (≤ 0: up to the last hull phase
 * before the pure ion, where the voltage drops to 0). Steps are malloc'd
 * (caller frees) in increasing x, neighbours with the same voltage merged;
 * `charge` (e per ion, usually 1) divides the energy. */
nacre_status nacre_hull_voltage_profile(const nacre_hull *h,
                                        const double *host_amounts, int ion,
                                        double charge, double x_max,
                                        nacre_voltage_step **steps,
                                        int *nsteps, nacre_error *err);

/* ------------------------------------------------------------------ */
/* Vibrational free energies and temperature-dependent hulls             */
/* ------------------------------------------------------------------ */

/* A table of F_vib(T) per atom (eV/atom) at one or several pressures
 * (harmonic: one pressure; quasi-harmonic: one row per (T, P)). Read from a
 * CSV file with a header naming at least the columns temperature_k and
 * vibrational_free_energy_per_atom_ev, optionally pressure_gpa; '#' starts
 * a comment: `nacre phonon`'s thermal.csv as it is (doc/phonon-files.md),
 * or several of them with a pressure_gpa column. Values are interpolated
 * linearly in T (and P); outside the table's range they are an error,
 * never extrapolated. */
typedef struct nacre_fvib_table nacre_fvib_table;

nacre_status nacre_fvib_table_read(const char *path, nacre_fvib_table **out,
                                   nacre_error *err);
/* From arrays: n rows of T (K), P (GPa; NULL: one pressure, 0) and F
 * (eV/atom). */
nacre_status nacre_fvib_table_new(int n, const double *temperature_k,
                                  const double *pressure_gpa,
                                  const double *free_energy_per_atom_ev,
                                  nacre_fvib_table **out, nacre_error *err);
void nacre_fvib_table_free(nacre_fvib_table *t);
/* F_vib per atom at (T, P); P is ignored by a one-pressure table. */
nacre_status nacre_fvib_table_eval(const nacre_fvib_table *t,
                                   double temperature_k, double pressure_gpa,
                                   double *free_energy_per_atom_ev,
                                   nacre_error *err);
/* 1 for `nacre phonon`'s quasi-harmonic qha.csv (a header naming
 * gibbs_energy_per_atom_ev, read by nacre_qha_table_read): its value is
 * G(T, P) = E + F_vib + PV per atom at V(P, T), the whole free energy,
 * not an F_vib to add to an energy. */
int nacre_fvib_table_is_gibbs(const nacre_fvib_table *t);
/* Temperature range the table covers, K. */
void nacre_fvib_table_range(const nacre_fvib_table *t, double *t_min_k,
                            double *t_max_k);

/* The hull at each temperature of a grid: entry i's energy becomes E_i +
 * N_i F_vib,i(T, P), or N_i G_i(T, P) with a quasi-harmonic table
 * (tables[i] NULL: no vibrational term, allowed only when allow_missing is
 * set). stable[t·nentries + i] and
 * e_above_hull_per_atom_ev[t·nentries + i] are caller-allocated (either may
 * be NULL). */
nacre_status nacre_hull_temperature_scan(
    int nelements, int nentries, const double *amounts,
    const double *energies_ev, const nacre_fvib_table *const *tables,
    int allow_missing, double pressure_gpa, int ntemperatures,
    const double *temperatures_k, int *stable,
    double *e_above_hull_per_atom_ev, nacre_error *err);

/* ------------------------------------------------------------------ */
/* Powder X-ray diffraction                                              */
/* ------------------------------------------------------------------ */

/* Kinematic powder pattern: every reciprocal-lattice vector g = hkl within
 * the limiting sphere gives a reflection at sin θ = λ|g|/2 with intensity
 * |F|² · LP, F = Σ_j f_j(s) exp(−B_j s²) exp(2πi hkl·x_j), s = sin θ/λ,
 * LP = (1 + cos² 2θ)/(sin² θ cos θ); reflections at the same 2θ (within
 * 1e-5°) add up, so multiplicities are counted, not assumed. Atomic
 * scattering factors f(s) = Z − 8π²a0 s² Σ_i a_i exp(−b_i s²) from the
 * electron-scattering fits of Doyle & Turner (see xrd.c), the formalism
 * and constants of pymatgen's XRDCalculator (De Graef & McHenry,
 * Structure of Materials, ch. 11–12), so patterns agree with it. */

/* Bearden, Rev. Mod. Phys. 39, 78 (1967): Cu Kα1, Kα2 and their 2:1
 * weighted mean, Å. */
#define NACRE_CU_KA1_A 1.54056
#define NACRE_CU_KA2_A 1.54439
#define NACRE_CU_KA_A 1.54184

typedef struct nacre_xrd_options {
  double wavelength_a;      /* one wavelength (Cu Kα, 1.54184) */
  int doublet;              /* 1: two lines, wavelength_a ignored */
  double wavelength1_a, wavelength2_a; /* doublet (Cu Kα1, Kα2) */
  double ratio21;           /* I(line 2)/I(line 1) (0.5) */
  double two_theta_min_deg, two_theta_max_deg; /* (0, 90) */
  const double *b_factors_a2; /* Debye–Waller B per atom, Å² (NULL: 0) */
  double symprec;           /* Å, for the hkl families (0.01) */
  int symmetrize;           /* 1: first make the structure exactly
                               symmetric within symprec, so reflections
                               that a relaxation left a hair apart fall on
                               one angle (0) */
} nacre_xrd_options;

void nacre_xrd_options_init(nacre_xrd_options *o);

#define NACRE_XRD_MAX_FAMILIES 6

typedef struct nacre_xrd_peak {
  double two_theta_deg;
  double d_a;               /* interplanar spacing, Å */
  double intensity;         /* largest peak = 100 */
  double intensity_raw;     /* Σ |F|² LP, electrons² */
  int line;                 /* 0: the (first) wavelength, 1: the second */
  int nfamilies;            /* hkl families at this angle (at most
                               NACRE_XRD_MAX_FAMILIES kept) */
  int hkl[NACRE_XRD_MAX_FAMILIES][3]; /* representative of each family */
  int multiplicity[NACRE_XRD_MAX_FAMILIES]; /* reflections in it */
} nacre_xrd_peak;

typedef struct nacre_xrd_pattern {
  int npeaks;
  nacre_xrd_peak *peaks;    /* ascending 2θ */
  double wavelength_a[2];
  int nlines;
  int sg_number;            /* group whose Laue class made the families */
} nacre_xrd_pattern;

/* Peaks whose scaled intensity exceeds 1e-3 (systematic absences that
 * cancel only to rounding are dropped, as pymatgen does). Elements up to
 * Z = 98. */
nacre_status nacre_xrd_pattern_compute(const nacre_structure *s,
                                       const nacre_xrd_options *o,
                                       nacre_xrd_pattern **out,
                                       nacre_error *err);
void nacre_xrd_pattern_free(nacre_xrd_pattern *p);
/* X-ray form factor of element z at s = sin θ/λ (1/Å); NAN beyond Z = 98. */
double nacre_xrd_form_factor(int z, double s_inv_a);

/* Broadened profile on 2θ = t0, t0 + step, ... ≤ t1: each peak a
 * unit-area pseudo-Voigt η·Lorentzian + (1−η)·Gaussian of FWHM fwhm_deg
 * (η = 0: Gaussian) times its intensity; scaled so the maximum is 100.
 * *y is malloc'd (*n points). */
nacre_status nacre_xrd_profile(const nacre_xrd_pattern *p, double t0_deg,
                               double t1_deg, double step_deg,
                               double fwhm_deg, double eta, double **y,
                               int *n, nacre_error *err);

/* Agreement of a computed pattern with measured peaks (2θ, I): peaks are
 * matched strongest first to the nearest unmatched computed peak within
 * tol_deg. overlap = Σ_matched min(I_exp, I_calc) / max(Σ I_exp,
 * Σ I_calc) (intensities scaled to 100 each; 1 = the same peaks),
 * profile_similarity = cosine similarity of both patterns broadened with
 * fwhm_deg (Gaussian) over the measured range. */
typedef struct nacre_xrd_match {
  int nmatched, nexp_unmatched, ncalc_unmatched; /* calc: peaks ≥ 5 in the
                                                   measured range unmatched */
  double mean_abs_shift_deg;   /* over matched peaks */
  double overlap;
  double profile_similarity;
  int *match;                  /* per measured peak: index of the computed
                                  peak or −1 (malloc'd; free) */
} nacre_xrd_match;

nacre_status nacre_xrd_compare(const nacre_xrd_pattern *p,
                               const double *exp_two_theta_deg,
                               const double *exp_intensity, int nexp,
                               double tol_deg, double fwhm_deg,
                               nacre_xrd_match *out, nacre_error *err);

/* A measured peak list: two numbers per line, 2θ (degrees) and intensity,
 * separated by a comma, blanks or a tab; '#' starts a comment; a first
 * line that is not numeric is a header. *t and *i are malloc'd. */
nacre_status nacre_xrd_read_peaks(const char *path, double **two_theta_deg,
                                  double **intensity, int *n,
                                  nacre_error *err);

/* The pattern as sticks with hkl labels on the strongest peaks, the
 * profile when y is not NULL (n points from t0 by step), and measured
 * peaks (may be NULL) drawn downwards for comparison. */
nacre_status nacre_xrd_svg(const char *path, const nacre_xrd_pattern *p,
                           const double *y, int n, double t0_deg,
                           double step_deg, const double *exp_two_theta_deg,
                           const double *exp_intensity, int nexp,
                           const char *title, nacre_error *err);

/* ------------------------------------------------------------------ */
/* Orderings of partially occupied sites                                 */
/* ------------------------------------------------------------------ */

/* Symmetry-distinct orderings (derivative superstructures) of a parent
 * crystal whose sites carry several species or vacancies: every supercell
 * of 1..N parent cells up to the parent's rotations (Hermite normal forms,
 * Hart & Forcade, Phys. Rev. B 77, 224115 (2008)), and in each every
 * assignment of species to the disordered sites that is the
 * lexicographically smallest of its orbit under the supercell's
 * operations (the parent's space-group operations that keep the supercell
 * lattice, times its internal translations), so no two orderings are
 * equivalent. Assignments invariant under an internal translation are
 * smaller-cell orderings and are left to their own cell size. The parent
 * is reduced to its primitive cell first. */

#define NACRE_ORDER_MAX_SPECIES 8 /* = NACRE_SITE_MAX_SPECIES */

/* Which parent sites are disordered and with what: every atom of element
 * site_z (and, when wyckoff is not 0, of that Wyckoff letter) becomes one
 * of nspecies species (atomic numbers; 0 = vacancy) in the given fractions
 * (summing to 1). */
typedef struct nacre_order_rule {
  int site_z;
  char wyckoff;
  int nspecies;
  int z[NACRE_ORDER_MAX_SPECIES];
  double fraction[NACRE_ORDER_MAX_SPECIES];
} nacre_order_rule;

/* Rules from what each atom of parent holds (nacre_cif_read_disordered):
 * the disordered atoms of one element and Wyckoff letter (in parent's
 * symmetry at symprec) that hold the same mixture make one rule, without
 * the letter when they are all the atoms of that element. Fractions are
 * taken as the nearest ratio of small integers (denominator ≤ 24) when it
 * lies within 0.005, as occupancies are printed rounded (0.667 → 2/3).
 * Refused, naming element and letter: atoms of one element and letter
 * holding different mixtures, or some ordered and some not (rules cannot
 * tell them apart), and a parent with no disordered atom. */
nacre_status nacre_order_rules_from_sites(const nacre_structure *parent,
                                          const nacre_site_mix *mix,
                                          double symprec,
                                          nacre_order_rule *rules,
                                          int max_rules, int *nrules,
                                          nacre_error *err);

typedef struct nacre_order_options {
  int min_cells, max_cells;  /* supercell sizes, parent cells (1, 1) */
  int all_compositions;      /* every composition in which each species
                                appears (fractions ignored); the counts of
                                the enumeration literature */
  int exchange_species;      /* also identify orderings that differ by a
                                relabelling of the species (one rule of at
                                most 4 species, every composition): the
                                convention of Hart & Forcade's counts */
  double symprec;            /* Å (0.01) */
  double max_assignments;    /* refuse when the assignments to test exceed
                                this (1e9) */
} nacre_order_options;

void nacre_order_options_init(nacre_order_options *o);

typedef struct nacre_orderings nacre_orderings;

nacre_status nacre_order_enumerate(const nacre_structure *parent,
                                   const nacre_order_rule *rules, int nrules,
                                   const nacre_order_options *o,
                                   const nacre_ctx *ctx, nacre_orderings **out,
                                   nacre_error *err);
void nacre_orderings_free(nacre_orderings *o);
long nacre_orderings_count(const nacre_orderings *o);
/* Orderings with supercells of `cells` parent cells. */
long nacre_orderings_count_cells(const nacre_orderings *o, int cells);
/* Distinct supercells (HNFs up to the parent's rotations) of each size. */
int nacre_orderings_supercells(const nacre_orderings *o, int cells);

typedef struct nacre_ordering_info {
  int cells;        /* parent cells in the supercell */
  int hnf[3][3];    /* supercell rows = hnf · primitive parent rows */
  long degeneracy;  /* equivalent assignments in this supercell (orbit) */
  int natoms;       /* atoms, vacancies left out */
} nacre_ordering_info;

nacre_status nacre_ordering_info_get(const nacre_orderings *o, long k,
                                     nacre_ordering_info *info,
                                     nacre_error *err);
/* Ordering k as a structure: the supercell with its species, vacancies
 * removed. */
nacre_status nacre_ordering_structure(const nacre_orderings *o, long k,
                                      nacre_structure **out, nacre_error *err);
/* Ewald energy (eV, the whole supercell) of every ordering with point
 * charges by element (z[k] carries q[k]); one Ewald matrix per supercell,
 * then ½ qᵀMq per ordering. energies holds count entries. */
nacre_status nacre_orderings_ewald(const nacre_orderings *o, const int *z,
                                   const double *q, int nz, double accuracy,
                                   double *energies, const nacre_ctx *ctx,
                                   nacre_error *err);
/* Ideal configurational entropy of the disorder, in units of k_B: per
 * disordered site of each rule (−Σ x ln x, written to per_site[r]) and per
 * primitive parent cell (Σ over its disordered sites) as the return
 * value. */
double nacre_orderings_mixing_entropy(const nacre_orderings *o,
                                      double *per_site);
/* Primitive parent cell used and its disordered sites per rule. */
const nacre_structure *nacre_orderings_parent(const nacre_orderings *o);
int nacre_orderings_rule_sites(const nacre_orderings *o, int rule);

/* ------------------------------------------------------------------ */
/* Transition pressures                                                  */
/* ------------------------------------------------------------------ */

/* Each structure is relaxed at every pressure of an ascending grid, each
 * relaxation starting from the structure relaxed at the previous pressure
 * (a continuation, so a phase is followed as long as it stays a local
 * minimum). Enthalpies per atom give, between neighbouring pressures where
 * ΔH = H_i − H_j changes sign, the transition pressure by linear
 * interpolation; the lowest-enthalpy phase at each pressure gives the
 * sequence of stable phases. Relaxations that fail (exploded, overlapping
 * atoms, non-finite energies) leave NAN; one that ran out of steps keeps
 * its value and is counted in `unconverged`. */
typedef struct nacre_transition_options {
  nacre_relax_options relax;  /* pressure_gpa is set per grid point */
  double symprec;             /* Å, for the space group of each result */
  int jobs;                   /* structures relaxed in parallel (threads) */
} nacre_transition_options;

void nacre_transition_options_init(nacre_transition_options *o);

typedef struct nacre_transitions {
  int nstructures, npressures;
  double *pressure_gpa;        /* npressures */
  double *enthalpy_per_atom_ev; /* nstructures × npressures (NAN: failed) */
  double *volume_per_atom_a3;  /* same layout */
  int *space_group;            /* same layout: spglib group of the result */
  int *unconverged;            /* per structure: relaxations out of steps */
  int *lowest;                 /* per pressure: the lowest structure (−1) */
  int ncrossings;
  struct nacre_transition_crossing {
    int from, to;              /* lowest below / above the crossing */
    double pressure_gpa;
  } *crossings;                /* where the lowest structure changes */
  /* Set by nacre_transitions_at_temperature (otherwise NULL and NAN): the
   * free energy each structure is ranked by at temperature_k; lowest,
   * crossings, nacre_transitions_crossings and the plot then use it. */
  double *gibbs_energy_per_atom_ev; /* nstructures × npressures */
  double temperature_k;
} nacre_transitions;

/* Relaxes copies of structures[0..n) over the grid with potential p;
 * progress (may be NULL) is told after each relaxation; ctx may be NULL
 * (an interrupt stops with NACRE_ERR_INTERRUPTED). */
typedef void (*nacre_transition_progress_fn)(void *user, int structure,
                                             int pressure_index, double h_ev,
                                             const char *outcome);
nacre_status nacre_transitions_run(const nacre_potential *p,
                                   nacre_structure *const *structures, int n,
                                   const double *pressures_gpa, int npressures,
                                   const nacre_transition_options *o,
                                   nacre_transition_progress_fn progress,
                                   void *progress_user, const nacre_ctx *ctx,
                                   nacre_transitions **out, nacre_error *err);
void nacre_transitions_free(nacre_transitions *t);
/* The transitions at temperature T: structure i is ranked by
 *   G_i(T, P) = H_i(P) + F_vib,i(T, P)   with a harmonic table (`nacre
 *     phonon`'s thermal.csv: F_vib(T) of the structure as given, the same at
 *     every pressure; or a table with a pressure_gpa column, interpolated),
 *   G_i(T, P) of the table itself   with a quasi-harmonic qha.csv (which
 *     holds E + F_vib + PV at V(P, T) and replaces the relaxed enthalpy),
 *   H_i(P)   where tables[i] is NULL (no vibrational term; the caller decides
 *     whether that is allowed).
 * Fills t->gibbs_energy_per_atom_ev and t->temperature_k and recomputes the
 * lowest structure at each pressure and the crossings. A table that does not
 * cover (T, P) is an error naming the structure (1-based), T and P: tables
 * are never extrapolated. May be called again at another temperature. */
nacre_status nacre_transitions_at_temperature(nacre_transitions *t,
                                              const nacre_fvib_table *const *tables,
                                              double temperature_k, nacre_error *err);
/* Pressure (GPa) where H_i = H_j (G_i = G_j after
 * nacre_transitions_at_temperature) between grid points, by linear
 * interpolation of ΔH; fills up to max values, returns how many there are
 * (0: they never cross on the grid). */
int nacre_transitions_crossings(const nacre_transitions *t, int i, int j,
                                double *pressures_gpa, int max);
/* ΔH(P) = H_i − H_ref per atom (meV/atom) for every structure, with the
 * crossings of the lowest phases marked. */
nacre_status nacre_transitions_svg(const char *path,
                                   const nacre_transitions *t,
                                   const char *const *labels, int reference,
                                   nacre_error *err);

/* ------------------------------------------------------------------ */
/* Free energies by thermodynamic integration                            */
/* ------------------------------------------------------------------ */

/* Absolute Gibbs free energies of crystals and liquids with classical
 * nuclei, per atom in eV, kinetic part included (a classical harmonic
 * crystal has F = E0 + k_BT Σ ln(ħω/k_BT) / N), as functions of
 * temperature and pressure; doc/free-energy.md for the method, the files
 * and the keys.
 *
 * Crystal, at the reference (T0, P0): NPT to the mean cell; NVT in it with
 * the centre of mass fixed gives the mean positions (the Einstein sites
 * x0_i) and the mean-square displacements, whence springs k_s = 3 k_BT /
 * ⟨u²⟩_s per species; then Frenkel–Ladd (Frenkel & Ladd, JCP 81, 3188
 * (1984)) along U_λ = (1 − λ) U + λ U_E, U_E = U0 + Σ ½ k_i |x_i − x0_i|²,
 * U0 = U(x0), in NVT windows at the Gauss–Legendre nodes of λ (Langevin
 * thermostat, centre of mass fixed):
 *   F = F_E + ∫_0^1 ⟨U − U_E⟩_λ dλ.
 * Centre-of-mass convention: F is the free energy of the crystal with its
 * centre of mass held fixed, 3N − 3 vibrational degrees of freedom, the
 * convention of nacre phonon's sums (which leave out the three acoustic
 * modes at Γ). The Einstein crystal with fixed centre (Polson, Trizac,
 * Pronk & Frenkel, JCP 112, 5339 (2000)) then has
 *   F_E = U0 + 3 k_BT Σ_i ln(ħω_i / k_BT) + (3/2) k_BT ln(M σ² k_BT / ħ²),
 * ω_i² = k_i / m_i, M = Σ m_i, σ² = Σ (m_i/M)² k_BT / k_i (the variance of
 * the centre of an Einstein crystal along one axis), and equals E0 + k_BT
 * Σ' ln(ħω/k_BT) of the 3N − 3 modes of a harmonic crystal exactly. The
 * free translation of the whole crystal, −k_BT ln(V / (N_t Λ_M³)) (Λ_M the
 * thermal wavelength of the total mass, N_t the lattice translations of
 * the cell), which vanishes per atom as ln N / N, is left out.
 *
 * Liquid, at (T0, P0): melted at fixed volume at the melt temperature,
 * then NPT to its mean volume; the Uhlenbeck–Ford fluid (nacre_uf_new, ε =
 * k_BT) as the reference, whose free energy comes from the ideal gas by a
 * second integration (Paula Leite, Freitas, Azevedo & de Koning, JCP 145,
 * 194101 (2016)):
 *   F = F_id + ∫_0^1 ⟨U_UF⟩_{λ U_UF} dλ + ∫_0^1 ⟨U − U_UF⟩_{(1−λ) U_UF + λ U} dλ,
 * F_id = k_BT Σ_s N_s [ln(N_s Λ_s³ / V) − 1], Λ = h / √(2π m k_BT).
 *
 * G(T0, P0) = F(T0, V0) + P0 V0. Other temperatures along each isobar by
 * Gibbs–Helmholtz, G(T)/T = G(T0)/T0 − ∫_{T0}^{T} H(T')/T'² dT', with
 * H = ⟨U⟩ + P⟨V⟩ + (N_f − m) k_BT/2 from NPT runs on the temperature grid
 * (N_f = 3N − 3 for a crystal, 3N for a liquid; m = 6 cell degrees of
 * freedom under the anisotropic barostat, 1 under the isotropic one, whose
 * k_BT/2 each the saddle-point G = F + P V0 does not hold); other pressures along the
 * isotherm T0 by G(T0, P) = G(T0, P0) + ∫ ⟨V⟩ dP. ⟨H⟩(T) and ⟨V⟩(P) are
 * natural cubic splines through the runs, integrated exactly (8-point
 * Gauss–Legendre per interval), so every G is a linear combination of
 * the run averages and its standard error follows from theirs (blocking,
 * Flyvbjerg & Petersen, JCP 91, 461 (1989)) and the reference's. */

/* Gauss–Legendre rule on (0, 1): n nodes x (ascending) and weights w
 * (Σ w = 1), ∫_0^1 f ≈ Σ w_k f(x_k), exact for polynomials of degree
 * 2n − 1. 1 ≤ n ≤ 200. */
nacre_status nacre_gauss_legendre(int n, double *x, double *w,
                                  nacre_error *err);
/* Mean and standard error of the mean of n correlated samples by
 * Flyvbjerg–Petersen blocking, the block length chosen by the rule of Lee,
 * Conduit, Nemec, López Ríos & Drummond (PRE 83, 066706 (2011)); where no length with at least
 * 16 blocks qualifies, the largest estimate among them. *stderr_mean is
 * NAN for n < 2. */
void nacre_block_average(const double *x, long n, double *mean,
                         double *stderr_mean);
/* Thermal de Broglie wavelength Λ = h / √(2π m k_BT), Å. */
double nacre_thermal_wavelength_a(double mass_amu, double temperature_k);
/* Classical free energy (eV, total) of an Einstein crystal of natoms
 * springs k_i (eV/Å²) and masses m_i (amu) with its centre of mass fixed,
 * U0 excluded: 3 k_BT Σ ln(ħω_i/k_BT) + (3/2) k_BT ln(M σ² k_BT / ħ²). */
double nacre_einstein_free_energy_ev(int natoms, const double *masses_amu,
                                     const double *k_ev_a2,
                                     double temperature_k);
/* Classical ideal-gas free energy (eV, total) of the atoms of s in its
 * volume: k_BT Σ_species N_s [ln(N_s Λ_s³ / V) − 1] (Stirling), masses
 * per atom (amu; NULL: the element table). */
double nacre_ideal_gas_free_energy_ev(const nacre_structure *s,
                                      const double *masses_amu,
                                      double temperature_k);

/* ∫_a^b f(x) g(x) dx for f the natural cubic spline through (x_k, f_k)
 * (linear for two points), as coefficients: the integral is Σ c_k f_k.
 * g may be NULL (g = 1). x ascending, n ≥ 1, a and b inside [x_0,
 * x_{n−1}] (no extrapolation: NACRE_ERR_INVALID naming the value). */
nacre_status nacre_spline_integral_weights(int n, const double *x, double a,
                                           double b, double (*g)(double x),
                                           double *c, nacre_error *err);

typedef enum nacre_fe_phase_kind {
  NACRE_FE_SOLID = 0,
  NACRE_FE_LIQUID
} nacre_fe_phase_kind;

const char *nacre_fe_phase_kind_name(nacre_fe_phase_kind k);

/* One phase of a study: a crystal or a liquid (any starting structure,
 * melted first). The structure is the unit cell or a supercell; the
 * options' supercell makes the cell that is simulated. */
typedef struct nacre_fe_phase {
  const char *name;                 /* label in files and tables */
  const nacre_structure *structure;
  nacre_fe_phase_kind kind;
} nacre_fe_phase;

typedef struct nacre_fe_options {
  const double *temperatures_k;  /* ascending grid, K */
  int ntemperatures;
  const double *pressures_gpa;   /* ascending grid, GPa */
  int npressures;
  double reference_temperature_k; /* T0, on the grid (≤ 0: the first) */
  double reference_pressure_gpa;  /* P0, on the grid */
  int lambda_points;             /* Gauss–Legendre nodes per integration (10) */
  long steps;                    /* sampled steps per λ window and per NPT
                                    point of the grid (10000) */
  long equilibration;            /* steps before each of those samples
                                    (< 0: steps / 5, and for the NPT
                                    points at least 4 barostat times) */
  long reference_steps;          /* steps of the reference NPT and of the
                                    NVT that finds the sites, each (< 0:
                                    2 × steps) */
  int sample_every;              /* steps between samples (5) */
  double timestep_fs;            /* (1) */
  double thermostat_tau_fs;      /* Langevin 1/γ and Bussi time (≤ 0: 100
                                    time steps) */
  double barostat_tau_fs;        /* (≤ 0: 250 time steps) */
  double compressibility_per_gpa; /* of the barostat's equations, 1/GPa
                                    (≤ 0, the default: the static
                                    compressibility of each phase's cell) */
  int anisotropic;               /* crystals: −1 default (aniso), 0 iso,
                                    1 aniso; liquids are always iso */
  int supercell[3][3];           /* all zero: from min_length_a */
  double min_length_a;           /* smallest width of the simulated cell
                                    (10 Å; 0: the cell as given) */
  int fixed_cell;                /* the cell as given, no NPT: F(T, V)
                                    along the isochore */
  int finite_size_correction;    /* crystals: add Δ_N(T), the harmonic
                                    free energy of a dense phonon mesh
                                    minus that of the N-atom cell's own
                                    wave vectors, to G (1) */
  double melt_temperature_k;     /* liquids (≤ 0: 2.5 T0) */
  double uf_p;                   /* Uhlenbeck–Ford p (50) */
  double uf_sigma_a;             /* ≤ 0: half the mean atomic spacing */
  int quantum_correction;        /* add the harmonic quantum − classical
                                    F of the crystal's phonons */
  double max_msd_fraction;       /* a crystal whose sites' RMS displacement
                                    exceeds this fraction of its nearest-
                                    neighbour distance is called melted
                                    (0.25) */
  double symprec;                /* Å, for the symmetry check of the mean
                                    structure, plus six standard errors of
                                    the mean positions
                                    (NACRE_SYMPREC_DEFAULT) */
  uint64_t seed;                 /* (1) */
  int jobs;                      /* worker processes (1: in this process) */
  double time_limit_s;           /* 0: none */
  const char *output_dir;        /* run directory (required) */
  int resume;                    /* continue a run in output_dir */
  const char *potential_spec;    /* recorded and checked on resume */
} nacre_fe_options;

void nacre_fe_options_init(nacre_fe_options *o);

/* One (T, P) point of a phase: what the NPT run there measured and the
 * free energy integrated to it. NAN where not valid. */
typedef struct nacre_fe_point {
  double temperature_k, pressure_gpa;
  int valid;                      /* G is known here */
  double volume_per_atom_a3, volume_per_atom_stderr_a3;
  double energy_per_atom_ev, energy_per_atom_stderr_ev; /* ⟨U⟩ */
  double enthalpy_per_atom_ev, enthalpy_per_atom_stderr_ev; /* fixed cell:
                                                              the energy
                                                              U + K */
  double gibbs_energy_per_atom_ev, gibbs_energy_per_atom_stderr_ev;
  double free_energy_per_atom_ev;  /* Helmholtz: G − P V */
  double entropy_per_atom_kb;      /* (H − G) / T */
  double quantum_correction_per_atom_ev; /* included in G when asked */
  double finite_size_correction_per_atom_ev; /* included in G (crystals) */
  double measured_pressure_gpa;    /* ⟨P⟩ of the run */
  char verdict[16];                /* "solid", "liquid", "unclear", "" */
  char crystal_check[16];          /* crystals: "ok", "inconclusive" (the
                                      means break the symmetry or drift
                                      beyond their noise but within the
                                      thermal displacement: G kept, a
                                      longer run decides), "transformed";
                                      "" otherwise */
  char reason[256];                /* why, when not ok */
} nacre_fe_point;

/* One λ window. */
typedef struct nacre_fe_window {
  double lambda, weight;
  double integrand_per_atom_ev, integrand_per_atom_stderr_ev;
  long samples;
} nacre_fe_window;

typedef struct nacre_fe_phase_result {
  char name[64];
  nacre_fe_phase_kind kind;
  int natoms;                     /* of the simulated cell */
  char status[32];                /* "ok", "inconclusive" (integrated;
                                     see message), "melted", "transformed",
                                     "not-liquid", "incomplete", "failed" */
  char message[1024];             /* why, for people */
  /* the reference */
  double reference_temperature_k, reference_pressure_gpa;
  double reference_cell[3][3];
  double reference_volume_per_atom_a3;
  double lattice_energy_per_atom_ev;     /* U0, crystals */
  double spring_constant_ev_a2[8];       /* per species, crystals */
  int species_z[8], nspecies;
  double msd_a2[8];                      /* per species, crystals */
  double reference_free_energy_per_atom_ev; /* F_E (crystal) or F_id + F_UF
                                               excess (liquid) */
  double uf_excess_per_atom_ev, uf_excess_per_atom_stderr_ev;
  double uf_sigma_a, uf_p;
  double delta_free_energy_per_atom_ev, delta_free_energy_per_atom_stderr_ev;
  double free_energy_per_atom_ev, free_energy_per_atom_stderr_ev; /* F(T0, V0)
                                      of the simulated cell (uncorrected) */
  double finite_size_correction_per_atom_ev; /* Δ_N(T0), NAN if none */
  char finite_size_note[256];
  double gibbs_energy_per_atom_ev, gibbs_energy_per_atom_stderr_ev; /* G(T0, P0)
                                      as in the table (corrections in) */
  int space_group_input;                 /* crystals */
  double symmetry_deviation_a, symmetry_bound_a; /* crystals: RMS error
                     of the mean positions of the reference run under the
                     input's operation that keeps them worst, and its bound
                     (symprec plus their noise) */
  double rms_site_displacement_a;        /* of the mean positions from
                                            the (scaled) input sites */
  int nwindows, nuf_windows;
  nacre_fe_window windows[64], uf_windows[64];
  /* the table: ntemperatures × npressures, pressure fastest */
  nacre_fe_point *points;
} nacre_fe_phase_result;

/* Where two phases' G(T) cross at one pressure. */
typedef struct nacre_fe_crossing {
  int pressure_index;
  int below, above;       /* phases lowest just below and above T */
  double temperature_k, temperature_stderr_k;
  int melting;            /* a crystal and a liquid */
} nacre_fe_crossing;

typedef struct nacre_fe_study {
  int nphases;
  nacre_fe_phase_result *phases;
  int ntemperatures, npressures;
  double *temperatures_k, *pressures_gpa;
  int *lowest;            /* ntemperatures × npressures: the phase of
                             lowest G (−1: none known) */
  int *lowest_certain;    /* 1 where the next phase lies more than two
                             standard errors above */
  int ncrossings;
  nacre_fe_crossing *crossings;
  int tasks_total, tasks_done, tasks_run; /* done includes earlier runs */
  char outcome[32];       /* "completed", "interrupted", "time-limit" */
  double wall_s;
} nacre_fe_study;

/* Progress: done of total tasks; `what` names the one that finished. */
typedef void (*nacre_fe_progress_fn)(void *user, int done, int total,
                                     const char *what);

/* Runs (or continues) the study of the phases with potential p: every
 * task (reference runs, λ windows, NPT points) writes its result into
 * output_dir as it finishes, so a killed run loses only the tasks in
 * progress and resume continues; a resume with settings that change a
 * result is refused naming the option. Tasks run on `jobs` worker
 * processes. A phase whose reference run melts or transforms, or whose
 * liquid does not stay liquid, is reported in its status and not
 * integrated. Writes per phase DIR/NAME/gibbs.csv (readable by
 * nacre_fvib_table_read) and the study's DIR/summary.json, relative.csv
 * and plots. On interruption or the time limit returns NACRE_OK with the
 * outcome set and the tables of what is known. */
nacre_status nacre_fe_study_run(const nacre_potential *p,
                                const nacre_fe_phase *phases, int nphases,
                                const nacre_fe_options *o,
                                nacre_fe_progress_fn progress,
                                void *progress_user, const nacre_ctx *ctx,
                                nacre_fe_study **out, nacre_error *err);
void nacre_fe_study_free(nacre_fe_study *s);
/* The study as JSON text (malloc'd; the keys of doc/free-energy.md). */
char *nacre_fe_study_json(const nacre_fe_study *s, const nacre_fe_options *o);
/* G(T) of phase i at pressure index j at any T inside the grid (the
 * spline integral, not an interpolation of the table). */
nacre_status nacre_fe_gibbs_at(const nacre_fe_study *s, int phase,
                               int pressure_index, double temperature_k,
                               double *g_per_atom_ev, double *stderr_ev,
                               nacre_error *err);

/* ------------------------------------------------------------------ */
/* Plots (SVG)                                                           */
/* ------------------------------------------------------------------ */

/* Binary hull: formation energy per atom against the fraction of element
 * 1, hull line and stable phases labelled, with a lower panel of the
 * energies above the hull. Ternary hull: Gibbs triangle with the stable
 * phases and tie lines, unstable entries shaded by their energy above the
 * hull. labels[i] names entry i; element_names[k] element k. */
nacre_status nacre_hull_svg(const char *path, const nacre_hull *h,
                            const char *const *labels,
                            const char *const *element_names,
                            nacre_error *err);
/* Voltage profile: V against x, steps as horizontal segments. */
nacre_status nacre_voltage_svg(const char *path, const nacre_voltage_step *s,
                               int nsteps, const char *ion_name,
                               const char *host_name, nacre_error *err);

#ifdef __cplusplus
}
#endif
#endif
