/* nacre/phonon.h — lattice dynamics by finite displacements and harmonic
 * thermodynamics.
 *
 * The unit cell is the structure as given (any cell; give the primitive cell
 * for unfolded bands). A supercell S = M · cell (rows, M an integer matrix,
 * chosen from a minimum width or given) holds N·|det M| atoms; atom j of
 * the supercell is unit atom j / ncells in the lattice cell j % ncells,
 * with the lattice cells ordered as phonopy orders them (a fastest), so
 * that FORCE_CONSTANTS files drop into phonopy (whose DIM matrix is the
 * transpose of M; the same matrix when M is diagonal).
 *
 * Force constants Φ_αβ(i, j) = ∂²E / ∂u_α(i) ∂u_β(j) (eV/Å²) are kept in
 * phonopy's compact form: i over the N unit atoms (supercell atom
 * i·ncells), j over the supercell. They come from the forces of the
 * symmetry-irreducible displaced supercells: each displacement u of atom a
 * and the forces F(j) it causes (minus the forces of the undisplaced
 * supercell) give F(j) = −Φ(a, j)ᵀ u; the site symmetry of a turns the few
 * displacements into a full set solved by least squares, the space group
 * carries a's rows onto the other atoms of its orbit, and the result is
 * made symmetric in (i, j) and to obey the acoustic sum rule
 * Σ_j Φ(i, j) = 0 (Parlinski, Li & Kawazoe, PRL 78, 4063 (1997); Togo &
 * Tanaka, Scr. Mater. 108, 1 (2015)).
 *
 * Wave vectors q are in reduced coordinates of the unit cell's reciprocal
 * lattice (no 2π: the phase of an atom at fractional x is exp(2πi q·x)).
 * The dynamical matrix follows phonopy's convention
 *   D_αβ(p, p'; q) = Σ_j∈p' Φ_αβ(p, j) / √(m_p m_p')
 *                    · (1/n_pj) Σ_images exp(2πi q·(x_j + L − x_p)),
 * the images being the n_pj shortest equivalent vectors in the supercell
 * (Wigner–Seitz boundary shared equally). Frequencies ν = √λ/2π are in THz;
 * an eigenvalue λ < 0 gives the imaginary frequency as a negative number,
 * as phonopy writes it. Thermodynamic quantities are per atom of the unit
 * cell. */
#ifndef NACRE_PHONON_H
#define NACRE_PHONON_H

#include "nacre/core.h"
#include "nacre/pot.h"

#ifdef __cplusplus
extern "C" {
#endif

/* √(eV / (Å² amu)) / 2π in THz (CODATA 2018): ν = NACRE_PHONON_THZ · √λ for
 * an eigenvalue λ of the dynamical matrix in eV/(Å² amu). */
#define NACRE_PHONON_THZ 15.6333042399
/* h · 1 THz in eV (h exact in the SI since 2019). */
#define NACRE_THZ_TO_EV 4.13566769692e-3

/* Which signs of each displacement are computed: both (+u and −u, central
 * differences), plus only, or auto: −u only where no site symmetry maps u
 * onto −u (phonopy's PM = AUTO). */
typedef enum nacre_phonon_pm {
  NACRE_PHONON_PM_AUTO = 0,
  NACRE_PHONON_PM_BOTH,
  NACRE_PHONON_PM_PLUS
} nacre_phonon_pm;

typedef struct nacre_phonon_options {
  int supercell[3][3];   /* rows: supercell = supercell · cell; all zero:
                            the diagonal matrix whose widths reach
                            min_length_a */
  double min_length_a;   /* smallest perpendicular width of the supercell,
                            Å (default 10) */
  double displacement_a; /* amplitude of each displacement, Å (0.01) */
  nacre_phonon_pm plus_minus;
  double symprec;        /* symmetry tolerance, Å (NACRE_SYMPREC_DEFAULT, 0.01) */
  int subtract_residual; /* subtract the forces of the undisplaced
                            supercell (1; one more evaluation) */
  double max_memory_gb;  /* refuse a supercell needing more (0: 3/4 of
                            the machine's memory) */
} nacre_phonon_options;

void nacre_phonon_options_init(nacre_phonon_options *o);

/* Progress of long loops: done of total steps of `what`; return non-zero
 * to stop (NACRE_ERR_INTERRUPTED). */
typedef int (*nacre_phonon_progress_fn)(void *user, const char *what, int done, int total);

typedef struct nacre_phonon nacre_phonon;

/* Prepares the supercell and the symmetry-irreducible displacements of
 * unit (copied). masses_amu: one per unit atom, or NULL for the standard
 * atomic weights. Refuses (NACRE_ERR_INVALID) a supercell whose force
 * constants and forces would need more than max_memory_gb, naming the
 * size. */
nacre_status nacre_phonon_new(const nacre_structure *unit, const double *masses_amu,
                              const nacre_phonon_options *o, nacre_phonon **out, nacre_error *err);
void nacre_phonon_free(nacre_phonon *ph);

/* The supercell matrix M (rows) with widths ≥ min_length (Å) in every
 * direction: diagonal, n_k = ⌈min_length / h_k⌉ for the widths h_k of
 * cell. */
void nacre_phonon_supercell_for_length(const double cell[3][3], double min_length_a, int m[3][3]);

const nacre_structure *nacre_phonon_unit_cell(const nacre_phonon *ph);
const nacre_structure *nacre_phonon_supercell(const nacre_phonon *ph);
void nacre_phonon_supercell_matrix(const nacre_phonon *ph, int m[3][3]);
const double *nacre_phonon_masses(const nacre_phonon *ph); /* amu, N */
int nacre_phonon_natoms(const nacre_phonon *ph);           /* N */
int nacre_phonon_nbands(const nacre_phonon *ph);           /* 3N */
/* Space group of the unit cell ("Fm-3m") and the number of its operations
 * that keep the supercell (those the force constants use). */
const char *nacre_phonon_space_group(const nacre_phonon *ph);
int nacre_phonon_space_group_number(const nacre_phonon *ph);
int nacre_phonon_noperations(const nacre_phonon *ph);
/* Bytes the force constants, forces and dynamical-matrix images take. */
double nacre_phonon_memory_bytes(const nacre_phonon *ph);

/* Displacements: k in 0..ndisplacements−1; atom is the supercell index of
 * the displaced atom, u the displacement (Cartesian, Å). */
int nacre_phonon_ndisplacements(const nacre_phonon *ph);
void nacre_phonon_displacement(const nacre_phonon *ph, int k, int *atom, double u[3]);
/* The supercell with displacement k applied (k = −1: undisplaced); free
 * with nacre_structure_free. For forces from any calculator (a DFT code). */
nacre_status nacre_phonon_displaced_supercell(const nacre_phonon *ph, int k, nacre_structure **out,
                                              nacre_error *err);
/* Forces (3·natoms of the supercell, eV/Å) of displacement k, or of the
 * undisplaced supercell for k = −1. */
nacre_status nacre_phonon_set_forces(nacre_phonon *ph, int k, const double *forces,
                                     nacre_error *err);
/* Evaluates every displaced supercell (and the undisplaced one when
 * subtract_residual) with calc and stores the forces. */
nacre_status nacre_phonon_compute_forces(nacre_phonon *ph, nacre_calc *calc, const nacre_ctx *ctx,
                                         nacre_phonon_progress_fn progress, void *progress_user,
                                         nacre_error *err);
/* Force constants from the stored forces: site-symmetry least squares,
 * orbit expansion, index symmetry and the acoustic sum rule. */
nacre_status nacre_phonon_produce_force_constants(nacre_phonon *ph, nacre_error *err);

/* A committee's force constants and their spread. Each member's forces on
 * the displaced supercells give that member's force constants; ph gets the
 * members' mean forces (the committee's own forces) and their force
 * constants, which equal the members' mean force constants (they are linear
 * in the forces). The spread is the population standard deviation over the
 * members of each element Φ_αβ(i, j), as σ_f is defined for forces. Costs
 * what evaluating the committee costs. */
typedef struct nacre_phonon_committee_spread {
  int members;                               /* K (0: not a committee) */
  double force_constant_deviation_max_ev_a2; /* largest deviation of one element */
  double force_constant_deviation_rms_ev_a2; /* rms of the deviations over all elements */
  double force_constant_rms_ev_a2; /* rms of the committee's force constants, for scale */
} nacre_phonon_committee_spread;

nacre_status nacre_phonon_compute_committee(nacre_phonon *ph, const nacre_potential *committee,
                                            const nacre_ctx *ctx,
                                            nacre_phonon_progress_fn progress,
                                            void *progress_user,
                                            nacre_phonon_committee_spread *spread,
                                            nacre_error *err);

/* Compact force constants, N × natoms(supercell) × 3 × 3, eV/Å²; NULL
 * before they are produced or read. */
const double *nacre_phonon_force_constants(const nacre_phonon *ph);
/* Largest |Σ_j Φ_αβ(i, j)| (eV/Å²) of the force constants as the
 * displacements gave them, before the sum rule was imposed: a measure of
 * numerical noise (and of a structure far from a minimum). */
double nacre_phonon_sum_rule_violation(const nacre_phonon *ph);
/* Largest |F| on the undisplaced supercell (eV/Å; 0 when not computed). */
double nacre_phonon_residual_force(const nacre_phonon *ph);

/* phonopy's FORCE_CONSTANTS text format, compact ("N M" header, then for
 * each pair the 1-based supercell indices and three rows of Φ). Reading
 * checks the sizes against ph and replaces its force constants (as given:
 * no symmetrisation). Atomic write. */
nacre_status nacre_phonon_write_force_constants(const nacre_phonon *ph, const char *path,
                                                nacre_error *err);
nacre_status nacre_phonon_read_force_constants(nacre_phonon *ph, const char *path,
                                               nacre_error *err);

/* Frequencies (THz, ascending, 3N) at q; optionally eigenvectors (3N × 3N
 * complex as interleaved re, im: mode k is column k, element (3p + α)·3N +
 * k, normalised, phonopy's phase convention) and group velocities (3N × 3,
 * Cartesian, THz·Å = 100 m/s). eigvec and velocity may be NULL.
 * Thread-safe. */
nacre_status nacre_phonon_at_q(const nacre_phonon *ph, const double q[3], double *freq_thz,
                               double *eigvec, double *velocity, nacre_error *err);

/* ------------------------------------------------------------------ */
/* Sampling meshes and harmonic thermodynamics                            */
/* ------------------------------------------------------------------ */

/* Frequencies on a Γ-centred mesh q = (n1/N1, n2/N2, n3/N3), reduced to
 * the irreducible points by the point group and time reversal. */
typedef struct nacre_phonon_mesh {
  int mesh[3];
  int ngrid;          /* N1·N2·N3 */
  int nq;             /* irreducible points */
  int nbands;         /* 3N */
  int natoms;         /* N: atoms of the unit cell */
  double recip[3][3]; /* reciprocal rows of the unit cell (no 2π), Å⁻¹ */
  double (*q)[3];     /* nq, reduced */
  int *weight;        /* nq: grid points each stands for (Σ = ngrid) */
  int *grid_map;      /* ngrid: irreducible index of each grid point,
                         grid index n1 + N1 (n2 + N2 n3) */
  double *freq_thz;   /* nq × nbands */
  int nspecies;       /* species of the unit cell, in order of first
                         appearance */
  int *species_z;
  double *projection; /* nq × nbands × nspecies: Σ_{p of species s}
                         |e_p|² (sums to 1 per mode); NULL unless asked */
} nacre_phonon_mesh;

nacre_status nacre_phonon_mesh_run(const nacre_phonon *ph, const int mesh[3], int projections,
                                   const nacre_ctx *ctx, nacre_phonon_mesh **out, nacre_error *err);
void nacre_phonon_mesh_free(nacre_phonon_mesh *m);
/* The Γ-centred mesh whose spacing is at most density points per Å⁻¹
 * along each reciprocal vector (2π excluded): N_k = ⌈density·|b_k|⌉. */
void nacre_phonon_mesh_for_density(const double cell[3][3], double density, int mesh[3]);

/* Modes below this frequency (THz) are left out of thermodynamic sums: the
 * three acoustic modes at Γ, and imaginary modes. */
#define NACRE_PHONON_CUTOFF_THZ 1e-3

/* Harmonic thermodynamics per atom at one temperature:
 *   F    = Σ [hν/2 + k_B T ln(1 − e^{−hν/k_B T})]       (quantum)
 *   F_cl = Σ k_B T ln(hν / k_B T)                        (classical)
 *   E    = Σ hν [1/2 + 1/(e^{hν/k_B T} − 1)],  S = (E − F)/T,
 *   C_v  = Σ k_B x² e^x / (e^x − 1)²,  x = hν/k_B T,
 * each sum over the modes of the mesh above the cutoff, weighted by
 * weight/ngrid and divided by N. At T = 0: F = E = zero-point energy,
 * S = C_v = 0, F_cl = 0. */
typedef struct nacre_phonon_thermo {
  double temperature_k;
  double vibrational_free_energy_per_atom_ev; /* quantum F_vib */
  double classical_free_energy_per_atom_ev;   /* F_cl */
  double quantum_correction_per_atom_ev;      /* F − F_cl */
  double vibrational_energy_per_atom_ev;      /* E_vib, zero point included */
  double entropy_per_atom_kb;
  double heat_capacity_per_atom_kb; /* C_v */
  double zero_point_energy_per_atom_ev;
  double imaginary_fraction; /* share of the modes below
                                −cutoff (left out) */
} nacre_phonon_thermo;

void nacre_phonon_thermo_at(const nacre_phonon_mesh *m, double t_k, nacre_phonon_thermo *out);

/* ------------------------------------------------------------------ */
/* Band paths and band structures                                         */
/* ------------------------------------------------------------------ */

/* A path through the Brillouin zone: segments from start to end, q in
 * reduced coordinates of the unit cell's reciprocal lattice. */
typedef struct nacre_band_path {
  char lattice[8];        /* Setyawan–Curtarolo lattice: "FCC", "BCT2",
                             "MCLC3", "TRI1a", ...; "" for a path given
                             by coordinates */
  char standard_path[64]; /* that lattice's standard path, ASE's spelling
                             ("GXWKGLUWLK,UX": G is Γ, ',' a break) */
  int npoints;            /* the lattice's special points */
  char (*point_label)[8];
  double (*point_q)[3];
  int nsegments;
  double (*start)[3], (*end)[3];
  char (*start_label)[8], (*end_label)[8]; /* "" for coordinates */
} nacre_band_path;

/* spec: "auto" (or NULL) for the standard path of the lattice of unit
 * (space group found with tolerance symprec, Å); a string of its labels
 * ("GXWKGLUWLK|UX": consecutive labels are joined, ',' or '|' breaks the
 * path, Γ may be written G or Γ); or coordinates "x y z; x y z | x y z;
 * ..." (';' joins, '|' breaks). */
nacre_status nacre_band_path_new(const nacre_structure *unit, double symprec, const char *spec,
                                 nacre_band_path **out, nacre_error *err);
void nacre_band_path_free(nacre_band_path *p);

/* Frequencies along a path, points_per_segment points on each segment
 * (both ends included, as phonopy samples). distance is the cumulative
 * length along the path in Å⁻¹ (no 2π), continuing across breaks. */
typedef struct nacre_phonon_bands {
  int nq, nbands, nsegments, points_per_segment;
  double (*q)[3];
  double *distance;
  double *freq_thz; /* nq × nbands */
  double *eigvec;   /* nq × 2·nbands² (nacre_phonon_at_q's layout),
                       NULL unless asked */
  char (*start_label)[8], (*end_label)[8];
} nacre_phonon_bands;

nacre_status nacre_phonon_bands_run(const nacre_phonon *ph, const nacre_band_path *path,
                                    int points_per_segment, int eigenvectors, const nacre_ctx *ctx,
                                    nacre_phonon_bands **out, nacre_error *err);
void nacre_phonon_bands_free(nacre_phonon_bands *b);

/* ------------------------------------------------------------------ */
/* Densities of states                                                    */
/* ------------------------------------------------------------------ */

typedef enum nacre_dos_method {
  NACRE_DOS_TETRAHEDRON = 0, /* linear tetrahedra (Blöchl, Jepsen &
                                Andersen, PRB 49, 16223 (1994)) */
  NACRE_DOS_GAUSSIAN         /* Gaussian smearing of width sigma */
} nacre_dos_method;

/* The density of states on npoints frequencies f_min + k·step (THz), in
 * states per THz per unit cell (integrating to 3N), and when the mesh holds
 * projections (and pdos is not NULL) per species (nspecies × npoints, summing
 * to the total). */
typedef struct nacre_phonon_dos {
  int npoints, nspecies;
  double *freq_thz;
  double *dos;
  double *pdos;
  int *species_z;
} nacre_phonon_dos;

nacre_status nacre_phonon_dos_run(const nacre_phonon_mesh *m, nacre_dos_method method,
                                  double sigma_thz, double fmin_thz, double fmax_thz,
                                  double step_thz, nacre_phonon_dos **out, nacre_error *err);
void nacre_phonon_dos_free(nacre_phonon_dos *d);

/* ------------------------------------------------------------------ */
/* Dynamical stability                                                    */
/* ------------------------------------------------------------------ */

/* A mode at q: frequency (THz, negative when imaginary), band index and
 * eigenvector (2·3N numbers, interleaved re, im; column k of
 * nacre_phonon_at_q's output). */
typedef struct nacre_phonon_mode {
  double q[3];
  int band;
  double frequency_thz;
  double *eigvec;
  char source[8]; /* "mesh", "path" */
  char label[16]; /* on the path: the special point ("N"), or "G-N" inside a segment */
} nacre_phonon_mode;

/* The verdict: stable when no mode (other than the three acoustic modes at
 * Γ) is below −tolerance on the mesh and on the path. The lowest
 * frequencies are over the same modes; `modes` lists the imaginary ones
 * that are local minima (along the path, or among the neighbouring mesh
 * points), most unstable first, each (q, band) once, at most max_modes. */
typedef struct nacre_phonon_stability {
  double tolerance_thz;
  int stable;
  int have_mesh, have_path;
  double lowest_mesh_thz, lowest_mesh_q[3];
  double lowest_path_thz, lowest_path_q[3];
  char lowest_path_label[16]; /* "X", "X–W" (on the segment), ... */
  int nimaginary;             /* imaginary (q, band) found on mesh and path */
  int nmodes;
  nacre_phonon_mode *modes;
} nacre_phonon_stability;

/* Imaginary-frequency tolerance by default, THz: numerical noise of the
 * force constants leaves the acoustic branches near Γ a few hundredths of a
 * THz below zero. */
#define NACRE_PHONON_IMAGINARY_TOL_THZ 0.05

/* mesh or bands may be NULL (not both). */
nacre_status nacre_phonon_stability_run(const nacre_phonon *ph, const nacre_phonon_mesh *mesh,
                                        const nacre_phonon_bands *bands, double tolerance_thz,
                                        int max_modes, nacre_phonon_stability **out,
                                        nacre_error *err);
void nacre_phonon_stability_free(nacre_phonon_stability *s);

/* The unit cell displaced along mode `band` at q in the smallest diagonal
 * supercell commensurate with q (denominators up to max_denominator): atom
 * i in lattice cell T moves by Re[e_i e^{2πi q·(x_i+T)} e^{iφ}]/√m_i,
 * scaled so that the largest displacement is amplitude_a (Å), with the
 * phase φ that maximises the displacement. Relaxing the result (nacre
 * relax) follows the instability to a lower-symmetry structure. The
 * supercell matrix is written to supercell. */
nacre_status nacre_phonon_modulate(const nacre_phonon *ph, const double q[3], int band,
                                   double amplitude_a, int max_denominator, nacre_structure **out,
                                   int supercell[3][3], nacre_error *err);

/* ------------------------------------------------------------------ */
/* Files                                                                  */
/* ------------------------------------------------------------------ */

/* phonopy's band.yaml and mesh.yaml (the keys phonopy-bandplot and
 * phonopy.load read: q-position, distance, labels, band/frequency,
 * eigenvector when computed, weight), CSV tables (units in the column
 * names), and an SVG of the bands with the DOS beside them (either may be
 * NULL). All written atomically. */
nacre_status nacre_phonon_write_band_yaml(const nacre_phonon *ph, const nacre_phonon_bands *b,
                                          const char *path, nacre_error *err);
nacre_status nacre_phonon_write_mesh_yaml(const nacre_phonon *ph, const nacre_phonon_mesh *m,
                                          const char *path, nacre_error *err);
nacre_status nacre_phonon_write_bands_csv(const nacre_phonon_bands *b, const char *path,
                                          nacre_error *err);
nacre_status nacre_phonon_write_dos_csv(const nacre_phonon_dos *d, const char *path,
                                        nacre_error *err);
nacre_status nacre_phonon_write_thermal_csv(const nacre_phonon_thermo *t, int n, const char *path,
                                            nacre_error *err);
nacre_status nacre_phonon_write_svg(const nacre_phonon_bands *b, const nacre_phonon_dos *d,
                                    const char *title, const char *path, nacre_error *err);

/* ------------------------------------------------------------------ */
/* A whole study: what `nacre phonon` runs                                 */
/* ------------------------------------------------------------------ */

typedef struct nacre_phonon_study_options {
  nacre_phonon_options phonon;
  const char *force_constants_in; /* FORCE_CONSTANTS to read instead of
                                     computing displacements (NULL) */
  int mesh[3];                    /* all 0: from mesh_density */
  double mesh_density;            /* points per Å⁻¹ along each reciprocal
                                     vector (40); 0 with mesh 0: no mesh */
  const char *path;               /* band path spec ("auto"); NULL: none */
  int path_points;                /* per segment (51) */
  int nqpoints;                   /* frequencies at these q as well */
  const double (*qpoints)[3];
  int group_velocities;        /* at the q-points */
  int eigenvectors;            /* at the q-points and in band.yaml */
  nacre_dos_method dos_method; /* tetrahedron */
  double sigma_thz;            /* Gaussian width (0.1) */
  double dos_step_thz;         /* 0: a 200th of the frequency range */
  int ntemperatures;
  const double *temperatures_k;   /* NULL: 0, 10, ..., 1000 K */
  double imaginary_tolerance_thz; /* NACRE_PHONON_IMAGINARY_TOL_THZ */
  int max_modes;                  /* imaginary modes listed (10) */
  int follow_soft_mode;           /* build the structure displaced along
                                     the most unstable mode */
  double soft_mode_amplitude_a;   /* its largest displacement (0.1 Å) */
  double pressure_gpa;            /* for the residual-stress check */
  const char *output_dir;         /* write the files here (NULL: none) */
  nacre_phonon_progress_fn progress;
  void *progress_user;
} nacre_phonon_study_options;

void nacre_phonon_study_options_init(nacre_phonon_study_options *o);

typedef struct nacre_phonon_study {
  nacre_phonon *ph;
  /* the unit cell as given: largest force (eV/Å) and stress minus the
     target −P (GPa, Voigt, ASE sign); -1 / 0 when not evaluated */
  double residual_fmax_ev_a;
  double residual_stress_gpa[6];
  double energy_per_atom_ev;
  int nqpoints;
  double *qpoint_freq_thz; /* nqpoints × 3N */
  double *qpoint_velocity; /* nqpoints × 3N × 3, or NULL */
  double *qpoint_eigvec;   /* nqpoints × 2·(3N)², or NULL */
  nacre_band_path *path;
  nacre_phonon_bands *bands;
  nacre_phonon_mesh *mesh;
  nacre_phonon_dos *dos;
  int nthermo;
  nacre_phonon_thermo *thermo;
  nacre_phonon_stability *stability;
  nacre_structure *soft_mode; /* when asked and unstable */
  int soft_mode_supercell[3][3];
  nacre_phonon_committee_spread committee; /* members 0 unless the potential is a
                                             committee (force constants computed) */
  double forces_wall_s; /* evaluating the displaced supercells */
  double total_wall_s;
  int nfiles;
  char files[8][32]; /* names written in output_dir */
} nacre_phonon_study;

/* Force constants (from calc, or read; for a committee potential through
 * nacre_phonon_compute_committee, with the spread), then everything the
 * options ask for; files into output_dir. calc may be NULL when force_constants_in is
 * given. */
nacre_status nacre_phonon_study_run(const nacre_structure *unit, nacre_calc *calc,
                                    const nacre_phonon_study_options *o, const nacre_ctx *ctx,
                                    nacre_phonon_study **out, nacre_error *err);
void nacre_phonon_study_free(nacre_phonon_study *s);

/* ------------------------------------------------------------------ */
/* Quasi-harmonic approximation                                           */
/* ------------------------------------------------------------------ */

/* Relaxes s in place at fixed volume (atoms and cell shape), for the
 * quasi-harmonic volumes. The phonon layer does not relax by itself: the
 * caller binds this to its relaxation (the CLI binds nacre_relax). */
typedef nacre_status (*nacre_phonon_relax_fn)(void *user, nacre_structure *s, nacre_error *err);

typedef struct nacre_qha_options {
  nacre_phonon_options phonon;
  int nvolumes;                /* at least 4 (5 or more advised) */
  const double *volume_ratios; /* V / V_input */
  int ntemperatures;
  const double *temperatures_k; /* NULL: 0, 10, ..., 1000 K */
  int npressures;
  const double *pressures_gpa;    /* NULL: 0 GPa */
  int mesh[3];                    /* all 0: mesh_density */
  double mesh_density;            /* points per Å⁻¹ (40) */
  double imaginary_tolerance_thz; /* volumes with modes below −tol are left out */
  nacre_phonon_relax_fn relax;    /* NULL: cells scaled isotropically only */
  void *relax_user;
  nacre_phonon_progress_fn progress;
  void *progress_user;
} nacre_qha_options;

void nacre_qha_options_init(nacre_qha_options *o);

/* One volume: the scaled (and relaxed) cell's static energy and pressure,
 * whether it is dynamically stable, and its harmonic thermodynamics at each
 * temperature. */
typedef struct nacre_qha_volume {
  double ratio, volume_per_atom_a3, energy_per_atom_ev, pressure_gpa;
  int stable;
  double lowest_frequency_thz; /* on the mesh, acoustic modes at Γ left out */
  nacre_phonon_thermo *thermo; /* ntemperatures */
} nacre_qha_volume;

/* G(P, T) at one temperature and pressure. valid is 0 where V(P, T) falls
 * outside the sampled volumes (no extrapolation); the other fields are then
 * NAN. */
typedef struct nacre_qha_point {
  double temperature_k, pressure_gpa;
  int valid;
  double volume_per_atom_a3;
  double gibbs_energy_per_atom_ev;            /* E + F_vib + PV */
  double energy_per_atom_ev;                  /* static E at V(P, T) */
  double vibrational_free_energy_per_atom_ev; /* F_vib at V(P, T) */
  double bulk_modulus_gpa;                    /* B_T = V ∂²F/∂V² */
  double thermal_expansion_per_k;             /* (1/V) ∂V/∂T at P */
  double entropy_per_atom_kb;                 /* −∂G/∂T at P */
  double heat_capacity_p_per_atom_kb;         /* −T ∂²G/∂T² at P */
} nacre_qha_point;

/* F(V, T) = E(V) + F_vib(V, T) is fitted at each temperature by the
 * third-order Birch–Murnaghan form (a cubic in V^(−2/3), linear least
 * squares over the stable volumes); G(P, T) = min_V F + PV, so V(P, T)
 * solves −∂F/∂V = P. Temperature derivatives are central differences on
 * the temperature grid (α = 0 and S = 0 at 0 K; one-sided at the other
 * end). */
typedef struct nacre_qha {
  int natoms;
  int nvolumes, nused; /* computed, and stable ones fitted */
  nacre_qha_volume *volumes;
  int ntemperatures, npressures;
  double *temperatures_k, *pressures_gpa;
  nacre_qha_point *points; /* ntemperatures × npressures, pressure fastest */
} nacre_qha;

nacre_status nacre_qha_run(const nacre_structure *unit, nacre_calc *calc,
                           const nacre_qha_options *o, const nacre_ctx *ctx, nacre_qha **out,
                           nacre_error *err);
void nacre_qha_free(nacre_qha *q);
/* The table (qha.csv) and the per-volume data (qha_volumes.csv), formats in
 * doc/phonon-files.md. Atomic writes. */
nacre_status nacre_qha_write(const nacre_qha *q, const char *table_path, const char *volumes_path,
                             nacre_error *err);

/* A qha.csv read back, for free energies at temperature in other commands:
 * G and V at any (T, P) inside the table by bilinear interpolation between
 * its grid points. */
typedef struct nacre_qha_table {
  int ntemperatures, npressures;
  double *temperatures_k, *pressures_gpa;
  nacre_qha_point *points; /* as in nacre_qha */
} nacre_qha_table;

nacre_status nacre_qha_table_read(const char *path, nacre_qha_table **out, nacre_error *err);
void nacre_qha_table_free(nacre_qha_table *t);
/* NACRE_ERR_INVALID outside the table or next to a point without a value. */
nacre_status nacre_qha_table_gibbs(const nacre_qha_table *t, double temperature_k,
                                   double pressure_gpa, double *gibbs_per_atom_ev,
                                   double *volume_per_atom_a3, nacre_error *err);

#ifdef __cplusplus
}
#endif
#endif
