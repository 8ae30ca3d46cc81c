/* nacre/sym.h — crystal symmetry through spglib: space group, Hall number,
 * point group, Pearson symbol, Wyckoff positions, standard cells,
 * symmetrisation, and a tolerance scan; the Wyckoff positions of every
 * space group and random crystals of a chosen group. The only module that
 * calls spglib. Tolerances are distances in Å. */
#ifndef NACRE_SYM_H
#define NACRE_SYM_H

#include "nacre/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The symmetry tolerance of every command and library default, Å. */
#define NACRE_SYMPREC_DEFAULT 0.01

typedef struct nacre_symmetry {
  int sg_number;             /* 1..230 */
  char international[32];    /* Hermann–Mauguin short symbol, e.g. "Fm-3m" */
  char hall_symbol[32];
  int hall_number;           /* 1..530 */
  char point_group[8];       /* e.g. "m-3m" */
  char crystal_system[16];   /* "cubic", "hexagonal", "trigonal", ... */
  char pearson[16];          /* e.g. "cF4", "hR3", "oC8" (C for every
                                one-face-centred lattice) */
  double symprec;            /* tolerance used, Å */
  /* Operations in the input cell: x_frac' = rot · x_frac + trans */
  int nops;
  int (*rot)[3][3];
  double (*trans)[3];
  /* Per atom of the input structure */
  int natoms;
  int *equivalent;           /* index of the representative atom of the
                                orbit under the whole space group */
  char *wyckoff;             /* Wyckoff letter per atom ('a'..) */
  char (*site_symmetry)[8];  /* site-symmetry symbol per atom */
  int *multiplicity;         /* Wyckoff multiplicity per atom (conventional
                                cell) */
  /* Private: atom permutations of the analysed structure kept for
   * nacre_symmetry_symmetrize_forces (NULL when not kept). */
  struct nacre_sym_perms *perms;
  /* Transformation to the standard setting (spglib): x_std = P x + p */
  double transformation[3][3];
  double origin_shift[3];
} nacre_symmetry;

/* Analyses s with tolerance symprec (Å). Wyckoff letters are fixed only up
 * to the Euclidean normalizer of the group (spinel's Mg is 8a or 8b
 * depending on the origin); nacre takes the origin, among those spglib
 * reaches, whose letters read in atom order come first alphabetically, so
 * that the first atoms get the earliest letters. That costs up to seven
 * more spglib searches; flags below skip it. */
nacre_status nacre_symmetry_analyze(const nacre_structure *s, double symprec,
                                    nacre_symmetry **out, nacre_error *err);
enum {
  NACRE_SYM_SPGLIB_ORIGIN = 1u, /* keep spglib's origin and letters */
  NACRE_SYM_NO_PERMS = 2u       /* keep no atom permutations */
};
nacre_status nacre_symmetry_analyze_flags(const nacre_structure *s,
                                          double symprec, unsigned flags,
                                          nacre_symmetry **out,
                                          nacre_error *err);
void nacre_symmetry_free(nacre_symmetry *sym);
/* Standard conventional or primitive cell (spglib's standardisation:
 * idealised lattice in spglib's standard orientation, e.g. a along x and c
 * along z for hexagonal cells; positions wrapped into the cell). R groups
 * give the hexagonal triple cell as conventional and the rhombohedral cell
 * as primitive. */
nacre_status nacre_symmetry_standardize(const nacre_structure *s,
                                        double symprec, int to_primitive,
                                        nacre_structure **out,
                                        nacre_error *err);
/* Makes a nearly symmetric structure exactly symmetric within symprec:
 * the cell becomes spglib's ideal lattice (same cell choice) turned to the
 * orientation nearest the input (polar decomposition), and each atom the
 * average of its images under the whole group, taken in the primitive cell
 * with the exact translations of the Hall-symbol table, then unfolded. Atom
 * order, wrapping and orientation are kept; atoms move by about the
 * deviation from symmetry. */
nacre_status nacre_symmetry_symmetrize(nacre_structure *s, double symprec,
                                       nacre_error *err);
/* Highest-order group over tolerances 1e-5 .. 0.1 Å; fills the analysis at
 * the smallest tolerance giving that group. */
nacre_status nacre_symmetry_scan(const nacre_structure *s,
                                 nacre_symmetry **out, nacre_error *err);
/* Symmetrises Cartesian forces (3N) and a Voigt stress (eV/Å^3) with the
 * operations of sym, which must describe s (same atom order): F_j ←
 * (1/|G|) Σ_g C_g F_{g^-1 j}, σ ← (1/|G|) Σ_g C_g σ C_g^T with the Cartesian
 * rotations C = A R A^-1, A = (a b c) as columns. forces or stress may be
 * NULL. The sum runs as an average over one operation per rotation
 * followed by one over the pure translations of the cell (the group is
 * their product), which costs (rotations + translations)·N instead of
 * |G|·N. Uses the permutations kept by the analysis (valid while the
 * structure keeps its symmetry, as in a symmetry-constrained relaxation),
 * else matches atoms afresh. In a supercell whose lattice lacks some of the crystal's
 * rotations, spglib's operations of that cell, and so this average, cover
 * only the subgroup that keeps the cell. */
nacre_status nacre_symmetry_symmetrize_forces(const nacre_symmetry *sym,
                                              const nacre_structure *s,
                                              double *forces, double stress[6],
                                              nacre_error *err);

/* Atom permutation of each operation of sym on s: map[k*natoms + i] is the
 * atom that operation k carries atom i onto (nearest image of the same
 * element within a few symprec; the result must be a permutation). map
 * holds sym->nops * s->natoms ints, caller-allocated. */
nacre_status nacre_symmetry_atom_map(const nacre_symmetry *sym,
                                     const nacre_structure *s, int *map,
                                     nacre_error *err);

/* Fractional coordinates of the input cell → those of the standard
 * conventional setting, x_std = P x + p, wrapped into [0, 1). */
void nacre_symmetry_to_standard(const nacre_symmetry *sym,
                                const double frac[3], double std_frac[3]);

/* The tolerances (Å) that nacre_symmetry_scan tries, ascending. */
#define NACRE_SYMMETRY_SCAN_NTOL 9
double nacre_symmetry_scan_tolerance(int k); /* k in 0..NTOL-1 */

/* The space group of s alone, without Wyckoff positions, permutations or
 * origin choice (cheaper than nacre_symmetry_analyze): its number, short
 * Hermann–Mauguin symbol and Pearson symbol. symbol (32 bytes) and pearson
 * (16 bytes) may be NULL. */
nacre_status nacre_symmetry_identify(const nacre_structure *s, double symprec,
                                     int *number, char *symbol, char *pearson,
                                     nacre_error *err);

/* ------------------------------------------------------------------ */
/* Space groups and Wyckoff positions                                    */
/* ------------------------------------------------------------------ */

typedef enum nacre_crystal_system {
  NACRE_TRICLINIC = 0,
  NACRE_MONOCLINIC,
  NACRE_ORTHORHOMBIC,
  NACRE_TETRAGONAL,
  NACRE_TRIGONAL,
  NACRE_HEXAGONAL,
  NACRE_CUBIC
} nacre_crystal_system;

/* One Wyckoff position: the points x = origin + Σ_k p_k basis[k] for free
 * parameters p_k (k < dof) together with their images under the group.
 * Derived from the operations: the site-symmetry group of a point is the set
 * of operations that fix it modulo lattice translations; its fixed points
 * form an affine subspace; subspaces related by a group operation form one
 * Wyckoff position. */
typedef struct nacre_wyckoff {
  int multiplicity;     /* points in the conventional cell = |G| / |site| */
  int dof;              /* free parameters, 0..3 */
  int site_order;       /* number of operations fixing a point (with the
                           centring translations counted in |G|) */
  double origin[3];     /* fractional */
  double basis[3][3];   /* rows 0..dof-1: integer directions, fractional */
} nacre_wyckoff;

typedef struct nacre_spacegroup {
  int number;                   /* 1..230 */
  int hall_number;              /* spglib Hall number of the setting used */
  char symbol[32];              /* Hermann–Mauguin short symbol */
  char centering;               /* P A B C I F R */
  nacre_crystal_system system;
  int nops;                     /* operations in the conventional cell,
                                   centring translations included */
  int (*rot)[3][3];             /* x' = rot · x + trans (fractional) */
  double (*trans)[3];
  int nwyckoff;                 /* general position last */
  nacre_wyckoff *wyckoff;       /* sorted by multiplicity, then dof */
} nacre_spacegroup;

/* Builds the operations and Wyckoff positions of space group `number`.
 * Fractional coordinates refer to the conventional cell of the standard
 * setting (spglib's first Hall setting of each space-group type: unique
 * axis b, origin choice 1, hexagonal axes for rhombohedral groups). */
nacre_status nacre_spacegroup_new(int number, nacre_spacegroup **out,
                                  nacre_error *err);
void nacre_spacegroup_free(nacre_spacegroup *g);
const char *nacre_crystal_system_name(nacre_crystal_system s);
/* The images of fractional point x under the group, wrapped into [0,1) and
 * with coincident points (within tol, fractional) merged: writes at most
 * max points to out (3 per point) and returns their number (which may exceed
 * max: then only max were written). */
int nacre_spacegroup_orbit(const nacre_spacegroup *g, const double x[3],
                           double tol, double *out, int max);

/* ------------------------------------------------------------------ */
/* Compositions                                                          */
/* ------------------------------------------------------------------ */

#define NACRE_MAX_SPECIES 8
/* Atoms in a composition at most: random crystals place every atom against
 * all others (quadratic), and searches relax whole cells, so larger cells
 * are refused up front rather than left to run for hours. */
#define NACRE_MAX_ATOMS 1000

typedef struct nacre_composition {
  int nspecies;
  int z[NACRE_MAX_SPECIES];
  int count[NACRE_MAX_SPECIES];
} nacre_composition;

/* Parses "Na16", "Li12Sn4", "MgO" (count 1 when omitted); an element
 * given twice ("NaNa") adds up (Na2). More than NACRE_MAX_ATOMS atoms are
 * refused. */
nacre_status nacre_composition_parse(const char *text, nacre_composition *c,
                                     nacre_error *err);
int nacre_composition_natoms(const nacre_composition *c);
void nacre_composition_format(const nacre_composition *c, char *buf,
                              size_t buflen);

/* ------------------------------------------------------------------ */
/* Random structures                                                     */
/* ------------------------------------------------------------------ */

typedef struct nacre_random_options {
  double volume_per_atom;   /* Å^3; ≤ 0: estimated from covalent radii and
                               pressure (nacre_estimate_volume_per_atom) */
  double volume_spread;     /* relative: volume drawn in [1−s, 1+s]·V (0.1) */
  double pressure_gpa;      /* used by the volume estimate (0) */
  double distance_factor;   /* d_min(A,B) = factor·(r_A + r_B) (0.7) */
  /* Explicit minimum distances (Å) for pairs of atomic numbers, set with
   * nacre_random_options_set_distance; other pairs use the factor. */
  int npairs;
  int pair_z[16][2];
  double pair_dmin[16];
  double max_length_ratio;  /* longest/shortest lattice vector (3) */
  int max_lattice_tries;    /* lattices drawn per Wyckoff combination (40) */
  int max_site_tries;       /* free-parameter draws per Wyckoff site (60) */
  int max_combination_tries;/* Wyckoff combinations per space group (20) */
  int prefer_general;       /* weight Wyckoff choice toward more atoms per
                               site (1) */
  int verify_symmetry;      /* check the group with spglib and retry when the
                               structure came out more symmetric (1) */
} nacre_random_options;

void nacre_random_options_init(nacre_random_options *o);
nacre_status nacre_random_options_set_distance(nacre_random_options *o, int za,
                                               int zb, double dmin,
                                               nacre_error *err);
double nacre_random_min_distance(const nacre_random_options *o, int za, int zb);
/* Rough target volume per atom: mean of 2.2·(4/3)π r_cov^3 over the atoms,
 * compressed by a Murnaghan equation with B0 = 50 GPa, B0' = 4 (a starting
 * guess only; relaxation finds the real volume). */
double nacre_estimate_volume_per_atom(const nacre_composition *c,
                                      double pressure_gpa);

/* Chooses Wyckoff positions for each species so that the multiplicities sum
 * to the counts exactly (positions without free parameters used at most
 * once). Writes the chosen Wyckoff index per site and its species index;
 * returns NACRE_ERR_INVALID with the reason when the group cannot hold the
 * composition. nsites_max bounds the arrays. */
nacre_status nacre_wyckoff_choose(const nacre_spacegroup *g,
                                  const nacre_composition *c, nacre_rng *rng,
                                  int prefer_general, int *site_wyckoff,
                                  int *site_species, int nsites_max,
                                  int *nsites, nacre_error *err);

/* Information about a generated structure. */
typedef struct nacre_random_info {
  int sg_number;            /* space group requested (0: cluster) */
  int sg_found;             /* spglib's group of the result (0 if unchecked) */
  int nsites;               /* Wyckoff sites used */
  int attempts;             /* lattices tried */
  double volume_per_atom;   /* Å^3 */
} nacre_random_info;

/* A random crystal of composition c in space group g (conventional cell of
 * the standard setting, exactly the requested atoms). Fails with
 * NACRE_ERR_INVALID when the group cannot hold the composition and with
 * NACRE_ERR_NOT_CONVERGED when no placement met the minimum distances within
 * the bounded tries; the message says why. info may be NULL. */
nacre_status nacre_random_crystal(const nacre_spacegroup *g,
                                  const nacre_composition *c,
                                  const nacre_random_options *o, nacre_rng *rng,
                                  nacre_structure **out,
                                  nacre_random_info *info, nacre_error *err);
/* Lattice points per conventional cell of g's setting: 1 (P), 2 (A, B, C,
 * I), 3 (R on hexagonal axes), 4 (F); the operations with the identity
 * rotation counted. */
int nacre_spacegroup_lattice_points(const nacre_spacegroup *g);
/* The composition the conventional cell of g holds when its primitive cell
 * holds c: each count times nacre_spacegroup_lattice_points(g).
 * NACRE_ERR_INVALID when that exceeds NACRE_MAX_ATOMS. */
nacre_status nacre_spacegroup_conventional_composition(
    const nacre_spacegroup *g, const nacre_composition *c,
    nacre_composition *out, nacre_error *err);
/* A random crystal of g whose primitive cell holds composition c, as
 * random structure searches of a fixed number of atoms per cell count
 * them: the conventional cell is generated with c once per lattice point
 * (nacre_random_crystal) and the result is its primitive cell (the
 * centring's standard basis, ITA Table 5.1.3.1: exact, no tolerance),
 * Niggli-reduced, atoms grouped by species in composition order. For a
 * primitive group it is nacre_random_crystal. info, when given, describes
 * the conventional cell's generation. */
nacre_status nacre_random_crystal_primitive(const nacre_spacegroup *g,
                                            const nacre_composition *c,
                                            const nacre_random_options *o,
                                            nacre_rng *rng,
                                            nacre_structure **out,
                                            nacre_random_info *info,
                                            nacre_error *err);
/* Same, drawing the space group uniformly from the list (all groups that
 * can hold the composition are tried before giving up). groups[k] are
 * numbers 1..230; NULL/ngroups 0 means all 230. */
nacre_status nacre_random_crystal_any(const int *groups, int ngroups,
                                      const nacre_composition *c,
                                      const nacre_random_options *o,
                                      nacre_rng *rng, nacre_structure **out,
                                      nacre_random_info *info,
                                      nacre_error *err);
/* Parses a space-group selection "1-230", "225", "75-230,2" into a sorted
 * list of distinct numbers (caller frees *groups). */
nacre_status nacre_spacegroup_list_parse(const char *text, int **groups,
                                         int *ngroups, nacre_error *err);

/* ------------------------------------------------------------------ */
/* Space-group database (spglib's Hall-symbol table, 530 settings)      */
/* ------------------------------------------------------------------ */

#define NACRE_SG_MAX_OPS 192 /* operations of a conventional cell (Fm-3m) */

typedef struct nacre_sg_info {
  int number;                /* 1..230 */
  int hall_number;           /* 1..530 */
  char international[32];    /* short Hermann–Mauguin symbol, "Fd-3m" */
  char international_full[32];
  char hall_symbol[32];
  char schoenflies[8];
  char choice[8];            /* setting: origin choice "1"/"2", "H"/"R",
                                monoclinic axis "b", "c1", ... or "" */
  char point_group[8];       /* international point-group symbol */
  char crystal_system[16];
  char centring;             /* 'P', 'A', 'B', 'C', 'I', 'F' or 'R' */
} nacre_sg_info;

/* Description of Hall setting hall_number (1..530). */
nacre_status nacre_sg_type(int hall_number, nacre_sg_info *out,
                           nacre_error *err);
/* Hall number of the standard setting of space group sg_number (1..230):
 * the first of its settings in the table, as spglib uses (unique axis b
 * for monoclinic, origin choice 1, hexagonal axes for R groups); 0 when
 * sg_number is out of range. */
int nacre_sg_default_hall(int sg_number);
/* Operations of the conventional cell of Hall setting hall_number,
 * centring translations included: x' = rot · x + trans (fractional, exact
 * fractions). rot and trans hold NACRE_SG_MAX_OPS entries. */
nacre_status nacre_sg_operations(int hall_number,
                                 int rot[NACRE_SG_MAX_OPS][3][3],
                                 double trans[NACRE_SG_MAX_OPS][3], int *nops,
                                 nacre_error *err);
/* "triclinic", "monoclinic", "orthorhombic", "tetragonal", "trigonal",
 * "hexagonal", "cubic"; "" when sg_number is out of range. */
const char *nacre_sg_crystal_system(int sg_number);

/* ---- point groups of clusters (no lattice; not through spglib) ---- */

#define NACRE_POINTGROUP_MAX_OPS 120  /* I_h */
#define NACRE_POINTGROUP_MAX_SITES 16

/* A kind of site of a point group: the points a subspace holds (the
 * origin, a rotation axis, a mirror plane, or everything), and how many
 * atoms one orbit through a point in general position within it has. */
typedef struct nacre_pointgroup_site {
  double projector[3][3];    /* orthogonal projector onto the subspace */
  int dim;                   /* 0 origin, 1 line, 2 plane, 3 general */
  int orbit;                 /* atoms per orbit */
} nacre_pointgroup_site;

/* A point group as Cartesian orthogonal matrices (x' = rot · x), the
 * principal axis along z (cubic groups: axes along x, y, z; icosahedral:
 * two-fold axes along x, y, z). Sites: one per class of fixed subspaces
 * under conjugation, the origin first and the general position last. */
typedef struct nacre_pointgroup {
  char symbol[8];            /* Schoenflies, e.g. "Oh", "D5h", "Ih" */
  int nops;
  double rot[NACRE_POINTGROUP_MAX_OPS][3][3];
  int nsites;
  nacre_pointgroup_site site[NACRE_POINTGROUP_MAX_SITES];
} nacre_pointgroup;

/* The group of a Schoenflies symbol: C1, Ci, Cs, Cn, Cnv, Cnh, Dn, Dnh,
 * Dnd, S2n (2 ≤ n ≤ 12), T, Td, Th, O, Oh, I, Ih. Free with
 * nacre_pointgroup_free. */
nacre_status nacre_pointgroup_new(const char *symbol, nacre_pointgroup **out,
                                  nacre_error *err);
void nacre_pointgroup_free(nacre_pointgroup *g);
/* The groups a symmetric cluster search draws from by default (every
 * group above with n ≤ 6, and S8, but C1). */
const char *const *nacre_pointgroup_symbols(int *n);
/* "all" (nacre_pointgroup_symbols) or comma-separated Schoenflies
 * symbols, into *groups (each freed with nacre_pointgroup_free, the array
 * with free); groups may be NULL to check the text only. The message names
 * the symbol that is not a group. */
nacre_status nacre_pointgroup_list_parse(const char *text,
                                         nacre_pointgroup ***groups, int *n,
                                         nacre_error *err);
/* The distinct images of x under g (closer than tol counts as one), into
 * images (g->nops rows); returns their number. */
int nacre_pointgroup_orbit(const nacre_pointgroup *g, const double x[3],
                           double tol, double (*images)[3]);

#ifdef __cplusplus
}
#endif
#endif
