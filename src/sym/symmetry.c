/* symmetry.c — space-group analysis through spglib: group, Hall setting,
 * point group, Pearson symbol, Wyckoff positions with multiplicities and
 * site symmetries, standard cells, and the tolerance scan. */
#include "sym_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

nacre_status sym_cell_from_structure(const nacre_structure *s, int capacity,
                                     sym_cell *c, nacre_error *err) {
  memset(c, 0, sizeof *c);
  if (s->natoms <= 0)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "symmetry of a structure with no atoms");
  if (!s->pbc[0] || !s->pbc[1] || !s->pbc[2])
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "symmetry analysis needs a structure periodic "
                           "along a, b and c (pbc %d %d %d)",
                           s->pbc[0], s->pbc[1], s->pbc[2]);
  if (capacity < s->natoms) capacity = s->natoms;
  c->frac = malloc((size_t)capacity * sizeof *c->frac);
  c->types = malloc((size_t)capacity * sizeof *c->types);
  if (!c->frac || !c->types) {
    sym_cell_clear(c);
    return nacre_error_set(err, NACRE_ERR_NOMEM,
                           "cannot allocate %d atoms for spglib", capacity);
  }
  nacre_status st = nacre_structure_get_frac(s, &c->frac[0][0], err);
  if (st) {
    sym_cell_clear(c);
    return st;
  }
  nacre_mat3_transpose(s->cell, c->lattice);
  memcpy(c->types, s->numbers, (size_t)s->natoms * sizeof *c->types);
  c->natoms = s->natoms;
  return NACRE_OK;
}

void sym_cell_clear(sym_cell *c) {
  free(c->frac);
  free(c->types);
  memset(c, 0, sizeof *c);
}

static nacre_status spglib_failure(nacre_error *err, const char *what,
                                   double symprec) {
  SpglibError code = spg_get_error_code();
  return nacre_error_set(err, NACRE_ERR_EXTERNAL,
                         "spglib %s failed at symprec %g Å: %s", what, symprec,
                         code == SPGLIB_SUCCESS ? "no result"
                                                : spg_get_error_message(code));
}

nacre_status sym_dataset(const nacre_structure *s, double symprec,
                         SpglibDataset **out, nacre_error *err) {
  *out = NULL;
  if (!(symprec > 0.0) || !isfinite(symprec))
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "symmetry tolerance must be positive (got %g Å)",
                           symprec);
  sym_cell c;
  nacre_status st = sym_cell_from_structure(s, s->natoms, &c, err);
  if (st) return st;
  SpglibDataset *ds = spg_get_dataset(c.lattice, c.frac, c.types, c.natoms,
                                      symprec);
  sym_cell_clear(&c);
  if (!ds || ds->spacegroup_number < 1 || ds->n_operations < 1) {
    if (ds) spg_free_dataset(ds);
    return spglib_failure(err, "space-group search", symprec);
  }
  *out = ds;
  return NACRE_OK;
}

/* Pearson symbol: crystal family (a m o t h c), lattice letter (P; C for
 * every one-face centring A, B or C, the traditional letter of the
 * crystallographic literature, e.g. oC8, mC4; I, F, R) and the atoms of the
 * conventional cell; rhombohedral lattices count the primitive
 * (rhombohedral) cell, whose hexagonal triple cell spglib returns as the
 * standard one (so As, A7, is hR2). Villars & Calvert, Pearson's Handbook,
 * writes the same symbols (its S is the newer IUCr letter for C). */
static void pearson_symbol(int sg_number, const char *international,
                           int n_std_atoms, char *out, size_t len) {
  char family = sg_number <= 2     ? 'a'
                : sg_number <= 15  ? 'm'
                : sg_number <= 74  ? 'o'
                : sg_number <= 142 ? 't'
                : sg_number <= 194 ? 'h'
                                   : 'c';
  char letter = international[0];
  int count = n_std_atoms;
  if (letter == 'A' || letter == 'B') letter = 'C';
  if (letter == 'R') count = n_std_atoms / 3;
  snprintf(out, len, "%c%c%d", family, letter, count);
}

/* Wyckoff multiplicity of every input atom: the number of atoms of the
 * conventional standard cell in its crystallographic orbit. Both the input
 * atoms and the standard-cell atoms are mapped by spglib onto one primitive
 * cell, which ties an orbit of the input to atoms of the standard cell. */
static nacre_status wyckoff_multiplicities(const SpglibDataset *ds,
                                           int *multiplicity,
                                           nacre_error *err) {
  int n = ds->n_atoms;
  int *orbit_of_prim = malloc((size_t)n * sizeof *orbit_of_prim);
  if (!orbit_of_prim)
    return nacre_error_set(err, NACRE_ERR_NOMEM, "Wyckoff multiplicities");
  for (int p = 0; p < n; p++) orbit_of_prim[p] = -1;
  for (int i = 0; i < n; i++) {
    int p = ds->mapping_to_primitive[i];
    if (p >= 0 && p < n) orbit_of_prim[p] = ds->crystallographic_orbits[i];
  }
  nacre_status st = NACRE_OK;
  for (int i = 0; i < n && !st; i++) {
    int count = 0;
    for (int j = 0; j < ds->n_std_atoms; j++) {
      int p = ds->std_mapping_to_primitive[j];
      if (p >= 0 && p < n && orbit_of_prim[p] == ds->crystallographic_orbits[i])
        count++;
    }
    if (count == 0)
      st = nacre_error_set(err, NACRE_ERR_EXTERNAL,
                           "atom %d has no image in spglib's standard cell", i);
    multiplicity[i] = count;
  }
  free(orbit_of_prim);
  return st;
}

static nacre_symmetry *symmetry_alloc(int nops, int natoms) {
  nacre_symmetry *sym = calloc(1, sizeof *sym);
  if (!sym) return NULL;
  sym->nops = nops;
  sym->natoms = natoms;
  sym->rot = malloc((size_t)nops * sizeof *sym->rot);
  sym->trans = malloc((size_t)nops * sizeof *sym->trans);
  sym->equivalent = malloc((size_t)natoms * sizeof *sym->equivalent);
  sym->wyckoff = malloc((size_t)natoms + 1);
  sym->site_symmetry = malloc((size_t)natoms * sizeof *sym->site_symmetry);
  sym->multiplicity = malloc((size_t)natoms * sizeof *sym->multiplicity);
  if (!sym->rot || !sym->trans || !sym->equivalent || !sym->wyckoff ||
      !sym->site_symmetry || !sym->multiplicity) {
    nacre_symmetry_free(sym);
    return NULL;
  }
  return sym;
}

void nacre_symmetry_free(nacre_symmetry *sym) {
  if (!sym) return;
  free(sym->rot);
  free(sym->trans);
  free(sym->equivalent);
  free(sym->wyckoff);
  free(sym->site_symmetry);
  free(sym->multiplicity);
  sym_perms_free(sym->perms);
  free(sym);
}

static nacre_status symmetry_from_dataset(const SpglibDataset *ds,
                                          double symprec, nacre_symmetry **out,
                                          nacre_error *err) {
  nacre_symmetry *sym = symmetry_alloc(ds->n_operations, ds->n_atoms);
  if (!sym)
    return nacre_error_set(err, NACRE_ERR_NOMEM,
                           "cannot allocate the symmetry of %d atoms",
                           ds->n_atoms);
  sym->sg_number = ds->spacegroup_number;
  sym->hall_number = ds->hall_number;
  sym->symprec = symprec;
  snprintf(sym->international, sizeof sym->international, "%s",
           ds->international_symbol);
  snprintf(sym->hall_symbol, sizeof sym->hall_symbol, "%s", ds->hall_symbol);
  snprintf(sym->point_group, sizeof sym->point_group, "%s",
           ds->pointgroup_symbol);
  snprintf(sym->crystal_system, sizeof sym->crystal_system, "%s",
           nacre_sg_crystal_system(ds->spacegroup_number));
  pearson_symbol(ds->spacegroup_number, ds->international_symbol,
                 ds->n_std_atoms, sym->pearson, sizeof sym->pearson);
  memcpy(sym->rot, ds->rotations, (size_t)ds->n_operations * sizeof *sym->rot);
  memcpy(sym->trans, ds->translations,
         (size_t)ds->n_operations * sizeof *sym->trans);
  for (int i = 0; i < ds->n_atoms; i++) {
    sym->equivalent[i] = ds->crystallographic_orbits[i];
    int w = ds->wyckoffs[i];
    sym->wyckoff[i] = (w >= 0 && w < 26) ? (char)('a' + w) : '?';
    snprintf(sym->site_symmetry[i], sizeof sym->site_symmetry[i], "%s",
             ds->site_symmetry_symbols[i]);
  }
  sym->wyckoff[ds->n_atoms] = '\0';
  memcpy(sym->transformation, ds->transformation_matrix,
         sizeof sym->transformation);
  memcpy(sym->origin_shift, ds->origin_shift, sizeof sym->origin_shift);
  nacre_status st = wyckoff_multiplicities(ds, sym->multiplicity, err);
  if (st) {
    nacre_symmetry_free(sym);
    return st;
  }
  *out = sym;
  return NACRE_OK;
}

/* Wyckoff letters are fixed only up to the Euclidean normalizer of the
 * group: spinel is Mg 8a Al 16d or, with the origin moved by (½,½,½), Mg 8b
 * Al 16c, and spglib's pick depends on where the input sits. nacre settles
 * it: among the origins reached by moving the structure by the half
 * vectors of the standard cell, it takes the one whose letters, read atom by
 * atom in input order, come first alphabetically (so the first atoms get
 * the earliest letters). spglib's choice of origin depends on where the
 * atoms sit in the cell it is given, so the candidates are tried on the
 * input cell itself or, when smaller, on the conventional standard cell
 * (up to eight more spglib searches). Operations are
 * unchanged; origin shift, letters and site symmetries follow the origin
 * chosen. */
static void choose_origin(const nacre_structure *s, double symprec,
                          const SpglibDataset *ds, nacre_symmetry *sym) {
  int n = s->natoms;
  /* The candidates run on the smaller of the input cell and spglib's
   * conventional standard cell: x_base = B x + b (B = I, b = 0 for the
   * input; B = P, b = p for the standard cell). */
  int use_std = ds->n_std_atoms < n;
  int nbase = use_std ? ds->n_std_atoms : n;
  double base_lattice[3][3], b_mat[3][3], b_vec[3] = {0, 0, 0}, p_inv[3][3];
  double(*base)[3] = malloc((size_t)nbase * sizeof *base);
  double(*shifted)[3] = malloc((size_t)nbase * sizeof *shifted);
  int *types = malloc((size_t)nbase * sizeof *types);
  int *base_of = malloc((size_t)n * sizeof *base_of); /* input → base atom */
  char *letters = malloc((size_t)n);
  if (!base || !shifted || !types || !base_of || !letters ||
      nacre_mat3_inverse(ds->transformation_matrix, p_inv))
    goto done;
  if (use_std) {
    memcpy(base_lattice, ds->std_lattice, sizeof base_lattice);
    memcpy(b_mat, ds->transformation_matrix, sizeof b_mat);
    memcpy(b_vec, ds->origin_shift, sizeof b_vec);
    memcpy(base, ds->std_positions, (size_t)nbase * sizeof *base);
    memcpy(types, ds->std_types, (size_t)nbase * sizeof *types);
    for (int i = 0; i < n; i++) {
      base_of[i] = -1;
      for (int j = 0; j < nbase && base_of[i] < 0; j++)
        if (ds->std_mapping_to_primitive[j] == ds->mapping_to_primitive[i])
          base_of[i] = j;
      if (base_of[i] < 0) goto done;
    }
  } else {
    nacre_mat3_transpose(s->cell, base_lattice);
    for (int i = 0; i < 3; i++)
      for (int j = 0; j < 3; j++) b_mat[i][j] = i == j;
    if (nacre_structure_get_frac(s, &base[0][0], NULL)) goto done;
    memcpy(types, s->numbers, (size_t)n * sizeof *types);
    for (int i = 0; i < n; i++) base_of[i] = i;
  }
  for (int code = use_std ? 0 : 1; code < 8; code++) {
    double t_std[3] = {0.5 * (code & 1), 0.5 * ((code >> 1) & 1),
                       0.5 * ((code >> 2) & 1)};
    double d[3]; /* the move in base fractional coordinates */
    for (int i = 0; i < 3; i++)
      d[i] = use_std ? t_std[i]
                     : p_inv[i][0] * t_std[0] + p_inv[i][1] * t_std[1] +
                           p_inv[i][2] * t_std[2];
    /* a shift by a lattice vector of the base cell changes nothing */
    int lattice_vector = code > 0;
    for (int k = 0; k < 3; k++)
      if (fabs(d[k] - round(d[k])) > 1e-6) lattice_vector = 0;
    if (lattice_vector) continue;
    for (int i = 0; i < nbase; i++)
      for (int k = 0; k < 3; k++) shifted[i][k] = base[i][k] + d[k];
    SpglibDataset *alt =
        spg_get_dataset(base_lattice, shifted, types, nbase, symprec);
    if (!alt) continue;
    int better = 0;
    if (alt->spacegroup_number == ds->spacegroup_number &&
        alt->hall_number == ds->hall_number && alt->n_atoms == nbase) {
      for (int i = 0; i < n; i++)
        letters[i] = (char)('a' + alt->wyckoffs[base_of[i]]);
      for (int i = 0; i < n; i++)
        if (letters[i] != sym->wyckoff[i]) {
          better = letters[i] < sym->wyckoff[i];
          break;
        }
    }
    if (better) {
      for (int i = 0; i < n; i++) {
        sym->wyckoff[i] = letters[i];
        snprintf(sym->site_symmetry[i], sizeof sym->site_symmetry[i], "%s",
                 alt->site_symmetry_symbols[base_of[i]]);
      }
      /* x_std = P_alt (B x + b + d) + p_alt */
      double(*pa)[3] = alt->transformation_matrix;
      nacre_mat3_mul((const double(*)[3])pa, (const double(*)[3])b_mat,
                     sym->transformation);
      for (int i = 0; i < 3; i++)
        sym->origin_shift[i] = alt->origin_shift[i] +
                               pa[i][0] * (b_vec[0] + d[0]) +
                               pa[i][1] * (b_vec[1] + d[1]) +
                               pa[i][2] * (b_vec[2] + d[2]);
    }
    spg_free_dataset(alt);
  }
done:
  free(base);
  free(shifted);
  free(types);
  free(base_of);
  free(letters);
}

nacre_status nacre_symmetry_analyze(const nacre_structure *s, double symprec,
                                    nacre_symmetry **out, nacre_error *err) {
  return nacre_symmetry_analyze_flags(s, symprec, 0, out, err);
}

nacre_status nacre_symmetry_analyze_flags(const nacre_structure *s,
                                          double symprec, unsigned flags,
                                          nacre_symmetry **out,
                                          nacre_error *err) {
  *out = NULL;
  SpglibDataset *ds;
  nacre_status st = sym_dataset(s, symprec, &ds, err);
  if (st) return st;
  st = symmetry_from_dataset(ds, symprec, out, err);
  if (!st && !(flags & NACRE_SYM_SPGLIB_ORIGIN))
    choose_origin(s, symprec, ds, *out);
  /* keep the permutations for later force symmetrisation */
  if (!st && !(flags & NACRE_SYM_NO_PERMS) &&
      sym_perms_build(*out, s, &(*out)->perms, NULL))
    (*out)->perms = NULL;
  spg_free_dataset(ds);
  return st;
}

nacre_status nacre_symmetry_identify(const nacre_structure *s, double symprec,
                                     int *number, char *symbol, char *pearson,
                                     nacre_error *err) {
  *number = 0;
  if (symbol) symbol[0] = '\0';
  if (pearson) pearson[0] = '\0';
  SpglibDataset *ds;
  nacre_status st = sym_dataset(s, symprec, &ds, err);
  if (st) return st;
  *number = ds->spacegroup_number;
  if (symbol) snprintf(symbol, 32, "%s", ds->international_symbol);
  if (pearson)
    pearson_symbol(ds->spacegroup_number, ds->international_symbol,
                   ds->n_std_atoms, pearson, 16);
  spg_free_dataset(ds);
  return NACRE_OK;
}

nacre_status nacre_symmetry_standardize(const nacre_structure *s,
                                        double symprec, int to_primitive,
                                        nacre_structure **out,
                                        nacre_error *err) {
  *out = NULL;
  if (!(symprec > 0.0) || !isfinite(symprec))
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "symmetry tolerance must be positive (got %g Å)",
                           symprec);
  /* A conventional cell holds at most four times the primitive atoms (F
   * centring), and the input holds at least the primitive ones. */
  sym_cell c;
  nacre_status st = sym_cell_from_structure(s, 4 * s->natoms, &c, err);
  if (st) return st;
  int n = spg_standardize_cell(c.lattice, c.frac, c.types, c.natoms,
                               to_primitive ? 1 : 0, 0, symprec);
  if (n <= 0) {
    sym_cell_clear(&c);
    return spglib_failure(err, "standardisation", symprec);
  }
  nacre_structure *std = nacre_structure_new(n, err);
  if (!std) {
    sym_cell_clear(&c);
    return err ? err->status : NACRE_ERR_NOMEM;
  }
  nacre_mat3_transpose(c.lattice, std->cell);
  memcpy(std->numbers, c.types, (size_t)n * sizeof *std->numbers);
  nacre_structure_set_frac(std, &c.frac[0][0]);
  nacre_structure_wrap(std);
  sym_cell_clear(&c);
  *out = std;
  return NACRE_OK;
}

/* Logarithmic steps of about half a decade from 1e-5 to 0.1 Å. */
static const double scan_tolerances[NACRE_SYMMETRY_SCAN_NTOL] = {
    1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1};

double nacre_symmetry_scan_tolerance(int k) {
  if (k < 0 || k >= NACRE_SYMMETRY_SCAN_NTOL) return 0.0;
  return scan_tolerances[k];
}

nacre_status nacre_symmetry_scan(const nacre_structure *s,
                                 nacre_symmetry **out, nacre_error *err) {
  *out = NULL;
  /* Every operation of a group is one of a supergroup found at a larger
   * tolerance, in the same input cell, so the number of operations of the
   * input cell orders the groups found. */
  SpglibDataset *best = NULL;
  double best_tol = 0.0;
  nacre_error last;
  nacre_error_clear(&last);
  for (int k = 0; k < NACRE_SYMMETRY_SCAN_NTOL; k++) {
    SpglibDataset *ds;
    if (sym_dataset(s, scan_tolerances[k], &ds, &last)) {
      if (last.status != NACRE_ERR_EXTERNAL) break; /* input is unusable */
      continue;
    }
    if (!best || ds->n_operations > best->n_operations) {
      if (best) spg_free_dataset(best);
      best = ds;
      best_tol = scan_tolerances[k];
    } else {
      spg_free_dataset(ds);
    }
  }
  if (!best) {
    if (err) *err = last;
    return last.status ? last.status : NACRE_ERR_EXTERNAL;
  }
  spg_free_dataset(best);
  /* the full analysis (origin choice, permutations) at that tolerance */
  return nacre_symmetry_analyze(s, best_tol, out, err);
}

void nacre_symmetry_to_standard(const nacre_symmetry *sym,
                                const double frac[3], double std_frac[3]) {
  for (int i = 0; i < 3; i++) {
    double x = sym->origin_shift[i];
    for (int j = 0; j < 3; j++) x += sym->transformation[i][j] * frac[j];
    x -= floor(x);
    if (x > 1.0 - 1e-10) x = 0.0; /* 0.9999999999 is 0 of the next cell */
    std_frac[i] = fabs(x) < 1e-12 ? 0.0 : x;
  }
}
