/* symmetrize.c — making nearly symmetric structures exactly symmetric, and
 * projecting forces and stress onto the symmetric subspace: atom
 * permutations of the operations, exact translations from the Hall-symbol
 * table, the ideal lattice metric in the input orientation, and group
 * averages (the Reynolds projector (1/|G|) Σ_g g·x). */
#include "sym_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Matching tolerance for atom images, in units of the symmetry tolerance:
 * an operation found by spglib moves each atom to within symprec of its
 * image, and the exact operations differ from spglib's by about as much. */
#define MAP_TOL_FACTOR 5.0

static void frac_diff_cart(const double cell[3][3], const double a[3],
                           const double b[3], double d[3]) {
  double f[3];
  for (int c = 0; c < 3; c++) {
    f[c] = a[c] - b[c];
    f[c] -= round(f[c]);
  }
  nacre_cell_frac_to_cart(cell, f, d);
}

static void apply_op(const int r[3][3], const double t[3], const double f[3],
                     double y[3]) {
  for (int a = 0; a < 3; a++)
    y[a] = r[a][0] * f[0] + r[a][1] * f[1] + r[a][2] * f[2] + t[a];
}

/* Atoms binned by fractional coordinates on a g[0]×g[1]×g[2] grid whose
 * bins are at least `width` Å across (face to face), so that a point within
 * width of an atom lies in the atom's bin or a neighbouring one. */
typedef struct atom_grid {
  int g[3];
  int *start; /* g0*g1*g2 + 1 offsets into atoms */
  int *atoms; /* atom indices sorted by bin */
  double *wrapped; /* fractional coordinates in [0, 1), 3*natoms */
} atom_grid;

static int grid_bin(const atom_grid *grid, const double f[3], int b[3]) {
  for (int a = 0; a < 3; a++) {
    b[a] = (int)floor(f[a] * grid->g[a]);
    if (b[a] < 0) b[a] = 0;
    if (b[a] >= grid->g[a]) b[a] = grid->g[a] - 1;
  }
  return (b[0] * grid->g[1] + b[1]) * grid->g[2] + b[2];
}

static void grid_free(atom_grid *grid) {
  free(grid->start);
  free(grid->atoms);
  free(grid->wrapped);
}

static nacre_status grid_build(atom_grid *grid, const double cell[3][3],
                               const double *frac, int natoms, double width,
                               nacre_error *err) {
  memset(grid, 0, sizeof *grid);
  double h[3];
  nacre_cell_heights(cell, h);
  /* about one atom per bin, never narrower than width */
  double w = fmax(width, cbrt(fabs(nacre_cell_volume(cell)) / natoms));
  long nbins = 1;
  for (int a = 0; a < 3; a++) {
    double ga = floor(h[a] / w);
    grid->g[a] = ga < 1.0 ? 1 : ga > 64.0 ? 64 : (int)ga;
    nbins *= grid->g[a];
  }
  grid->start = calloc((size_t)nbins + 1, sizeof *grid->start);
  grid->atoms = malloc((size_t)natoms * sizeof *grid->atoms);
  grid->wrapped = malloc(3 * (size_t)natoms * sizeof *grid->wrapped);
  int *bin = malloc((size_t)natoms * sizeof *bin);
  if (!grid->start || !grid->atoms || !grid->wrapped || !bin) {
    free(bin);
    grid_free(grid);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "atom grid");
  }
  for (int i = 0; i < natoms; i++) {
    double *f = &grid->wrapped[3 * i];
    for (int a = 0; a < 3; a++) {
      f[a] = frac[3 * i + a] - floor(frac[3 * i + a]);
      if (f[a] >= 1.0) f[a] = 0.0;
    }
    int b[3];
    bin[i] = grid_bin(grid, f, b);
    grid->start[bin[i] + 1]++;
  }
  for (long k = 0; k < nbins; k++) grid->start[k + 1] += grid->start[k];
  int *fill = malloc((size_t)nbins * sizeof *fill);
  if (!fill) {
    free(bin);
    grid_free(grid);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "atom grid");
  }
  memcpy(fill, grid->start, (size_t)nbins * sizeof *fill);
  for (int i = 0; i < natoms; i++) grid->atoms[fill[bin[i]]++] = i;
  free(fill);
  free(bin);
  return NACRE_OK;
}

/* Nearest atom of element z to fractional point y among the bins around
 * y's bin; -1 when none. *dist gets its distance in Å. */
static int grid_nearest(const atom_grid *grid, const double cell[3][3],
                        const int *numbers, int z, const double y[3],
                        double *dist) {
  double f[3];
  for (int a = 0; a < 3; a++) {
    f[a] = y[a] - floor(y[a]);
    if (f[a] >= 1.0) f[a] = 0.0;
  }
  int b[3];
  grid_bin(grid, f, b);
  int best = -1;
  double best_d2 = INFINITY;
  int span[3];
  for (int a = 0; a < 3; a++) span[a] = grid->g[a] < 3 ? grid->g[a] : 3;
  for (int i0 = 0; i0 < span[0]; i0++)
    for (int i1 = 0; i1 < span[1]; i1++)
      for (int i2 = 0; i2 < span[2]; i2++) {
        int c[3] = {i0, i1, i2}, nb[3];
        for (int a = 0; a < 3; a++)
          nb[a] = grid->g[a] < 3 ? c[a]
                                 : (b[a] + c[a] - 1 + grid->g[a]) % grid->g[a];
        int k = (nb[0] * grid->g[1] + nb[1]) * grid->g[2] + nb[2];
        for (int m = grid->start[k]; m < grid->start[k + 1]; m++) {
          int j = grid->atoms[m];
          if (numbers[j] != z) continue;
          double d[3];
          frac_diff_cart(cell, f, &grid->wrapped[3 * j], d);
          double d2 = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
          if (d2 < best_d2) {
            best_d2 = d2;
            best = j;
          }
        }
      }
  *dist = sqrt(best_d2);
  return best;
}

/* map[k*natoms + i] = image of atom i under operation k (same element,
 * nearest periodic image within tol Å, distances measured in cell). */
static nacre_status map_atoms(int nops, const int (*rot)[3][3],
                              const double (*trans)[3],
                              const double cell[3][3], const double *frac,
                              const int *numbers, int natoms, double tol,
                              int *map, nacre_error *err) {
  atom_grid grid;
  nacre_status st = grid_build(&grid, cell, frac, natoms, tol, err);
  if (st) return st;
  char *used = malloc((size_t)natoms);
  if (!used) {
    grid_free(&grid);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "atom mapping");
  }
  for (int k = 0; k < nops && !st; k++) {
    memset(used, 0, (size_t)natoms);
    for (int i = 0; i < natoms; i++) {
      double y[3], dist;
      apply_op(rot[k], trans[k], &frac[3 * i], y);
      int j = grid_nearest(&grid, cell, numbers, numbers[i], y, &dist);
      if (j < 0 || dist > tol || used[j]) {
        st = nacre_error_set(
            err, NACRE_ERR_NUMERIC,
            "operation %d maps atom %d %s (nearest image %.3g Å, tolerance "
            "%.3g Å)",
            k, i, j >= 0 && used[j] ? "onto an atom already taken"
                                    : "onto no atom",
            j >= 0 ? dist : INFINITY, tol);
        break;
      }
      used[j] = 1;
      map[(size_t)k * natoms + i] = j;
    }
  }
  free(used);
  grid_free(&grid);
  return st;
}

nacre_status nacre_symmetry_atom_map(const nacre_symmetry *sym,
                                     const nacre_structure *s, int *map,
                                     nacre_error *err) {
  if (sym->natoms != s->natoms)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "symmetry of %d atoms used on a structure of %d",
                           sym->natoms, s->natoms);
  double *frac = malloc(3 * (size_t)(s->natoms > 0 ? s->natoms : 1) *
                        sizeof *frac);
  if (!frac) return nacre_error_set(err, NACRE_ERR_NOMEM, "atom mapping");
  nacre_status st = nacre_structure_get_frac(s, frac, err);
  if (!st)
    st = map_atoms(sym->nops, (const int(*)[3][3])sym->rot,
                   (const double(*)[3])sym->trans, s->cell, frac, s->numbers,
                   s->natoms, MAP_TOL_FACTOR * sym->symprec, map, err);
  free(frac);
  return st;
}

/* ---- exact operations ---- */

static int rot_equal(const int a[3][3], const int b[3][3]) {
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++)
      if (a[i][j] != b[i][j]) return 0;
  return 1;
}

/* Replaces spglib's translations (found to within symprec) by the exact
 * ones of the Hall-symbol table. In the standard setting x_s = P x + p an
 * operation (R, t) reads (W, w) with W = P R P^-1 and w = P t + p − W p;
 * w is matched, modulo lattice vectors, to the table entry with the same W
 * and mapped back with t = P^-1 (w + W p − p). The lattice vector is kept
 * so that operations of a supercell stay distinct. */
static nacre_status exact_translations(const SpglibDataset *ds,
                                       double (*trans)[3], nacre_error *err) {
  int(*db_rot)[3][3] = malloc(NACRE_SG_MAX_OPS * sizeof *db_rot);
  double(*db_trans)[3] = malloc(NACRE_SG_MAX_OPS * sizeof *db_trans);
  if (!db_rot || !db_trans) {
    free(db_rot);
    free(db_trans);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "space-group table");
  }
  int ndb = 0;
  nacre_status st = nacre_sg_operations(ds->hall_number, db_rot, db_trans,
                                        &ndb, err);
  double p_inv[3][3];
  if (!st && nacre_mat3_inverse(ds->transformation_matrix, p_inv))
    st = nacre_error_set(err, NACRE_ERR_NUMERIC,
                         "singular transformation to the standard setting");
  const double(*p)[3] = ds->transformation_matrix;
  const double *origin = ds->origin_shift;
  for (int k = 0; k < ds->n_operations && !st; k++) {
    double rd[3][3], tmp[3][3], wd[3][3];
    for (int i = 0; i < 3; i++)
      for (int j = 0; j < 3; j++) rd[i][j] = ds->rotations[k][i][j];
    nacre_mat3_mul(p, rd, tmp);
    nacre_mat3_mul(tmp, p_inv, wd);
    int w_rot[3][3];
    for (int i = 0; i < 3; i++)
      for (int j = 0; j < 3; j++) w_rot[i][j] = (int)lround(wd[i][j]);
    double w[3], wp[3];
    for (int i = 0; i < 3; i++) {
      w[i] = origin[i];
      wp[i] = 0.0;
      for (int j = 0; j < 3; j++) {
        w[i] += p[i][j] * ds->translations[k][j];
        wp[i] += wd[i][j] * origin[j];
      }
      w[i] -= wp[i];
    }
    int best = -1;
    double best_dev = INFINITY;
    for (int m = 0; m < ndb; m++) {
      if (!rot_equal(w_rot, (const int(*)[3])db_rot[m])) continue;
      double dev = 0.0;
      for (int c = 0; c < 3; c++) {
        double d = w[c] - db_trans[m][c];
        dev = fmax(dev, fabs(d - round(d)));
      }
      if (dev < best_dev) {
        best_dev = dev;
        best = m;
      }
    }
    /* Table translations with the same rotation differ by centring vectors
     * (at least 1/3 apart), so a match within 1/6 is unambiguous. */
    if (best < 0 || best_dev > 1.0 / 6.0) {
      st = nacre_error_set(err, NACRE_ERR_NUMERIC,
                           "operation %d has no counterpart in the table of "
                           "Hall setting %d (deviation %.3g)",
                           k, ds->hall_number, best_dev);
      break;
    }
    double w_exact[3];
    for (int c = 0; c < 3; c++)
      w_exact[c] = db_trans[best][c] + round(w[c] - db_trans[best][c]) +
                   wp[c] - origin[c];
    for (int i = 0; i < 3; i++)
      trans[k][i] = p_inv[i][0] * w_exact[0] + p_inv[i][1] * w_exact[1] +
                    p_inv[i][2] * w_exact[2];
  }
  free(db_rot);
  free(db_trans);
  return st;
}

/* Rotation part Q of the polar decomposition M = Q U (Higham's iteration
 * Q ← (Q + Q^-T)/2, quadratic for matrices near a rotation). */
static nacre_status polar_rotation(const double m[3][3], double q[3][3]) {
  memcpy(q, m, sizeof(double[3][3]));
  for (int it = 0; it < 100; it++) {
    double inv[3][3], next[3][3], change = 0.0;
    if (nacre_mat3_inverse(q, inv)) return NACRE_ERR_NUMERIC;
    for (int i = 0; i < 3; i++)
      for (int j = 0; j < 3; j++) {
        next[i][j] = 0.5 * (q[i][j] + inv[j][i]);
        change = fmax(change, fabs(next[i][j] - q[i][j]));
      }
    memcpy(q, next, sizeof next);
    if (change < 1e-15) return NACRE_OK;
  }
  return NACRE_ERR_NOT_CONVERGED;
}

/* The ideal lattice of the input's cell choice, (a b c) = (a_s b_s c_s) P
 * with spglib's idealised standard lattice, turned to the orientation
 * closest to the input cell. Rows, Å. */
static nacre_status ideal_cell(const SpglibDataset *ds,
                               const double cell[3][3], double out[3][3],
                               nacre_error *err) {
  double ideal_cols[3][3], input_cols[3][3], ideal_inv[3][3], m[3][3], q[3][3];
  nacre_mat3_mul(ds->std_lattice, ds->transformation_matrix, ideal_cols);
  nacre_mat3_transpose(cell, input_cols);
  if (nacre_mat3_inverse(ideal_cols, ideal_inv))
    return nacre_error_set(err, NACRE_ERR_NUMERIC,
                           "singular standard lattice from spglib");
  nacre_mat3_mul(input_cols, ideal_inv, m);
  if (nacre_mat3_det(m) <= 0.0 || polar_rotation(m, q))
    return nacre_error_set(err, NACRE_ERR_NUMERIC,
                           "cannot orient the ideal lattice along the input "
                           "cell");
  double cols[3][3];
  nacre_mat3_mul(q, ideal_cols, cols);
  nacre_mat3_transpose(cols, out);
  return NACRE_OK;
}

nacre_status nacre_symmetry_symmetrize(nacre_structure *s, double symprec,
                                       nacre_error *err) {
  SpglibDataset *ds;
  nacre_status st = sym_dataset(s, symprec, &ds, err);
  if (st) return st;
  int n = s->natoms, nops = ds->n_operations;
  double(*trans)[3] = malloc((size_t)nops * sizeof *trans);
  int *map = malloc((size_t)nops * (size_t)n * sizeof *map);
  double *frac = malloc(3 * (size_t)n * sizeof *frac);
  double *avg = calloc(3 * (size_t)n, sizeof *avg);
  double cell[3][3];
  if (!trans || !map || !frac || !avg) {
    st = nacre_error_set(err, NACRE_ERR_NOMEM, "symmetrising %d atoms", n);
    goto done;
  }
  if ((st = exact_translations(ds, trans, err))) goto done;
  if ((st = ideal_cell(ds, s->cell, cell, err))) goto done;
  if ((st = nacre_structure_get_frac(s, frac, err))) goto done;
  st = map_atoms(nops, (const int(*)[3][3])ds->rotations,
                 (const double(*)[3])trans, cell, frac, s->numbers, n,
                 MAP_TOL_FACTOR * symprec, map, err);
  if (st) goto done;
  /* x_j ← (1/|G|) Σ_g g(x_{g^-1 j}), each image taken next to x_j. */
  for (int k = 0; k < nops; k++)
    for (int i = 0; i < n; i++) {
      int j = map[(size_t)k * n + i];
      double y[3];
      apply_op(ds->rotations[k], trans[k], &frac[3 * i], y);
      for (int c = 0; c < 3; c++)
        avg[3 * j + c] += y[c] - round(y[c] - frac[3 * j + c]);
    }
  for (int i = 0; i < 3 * n; i++) avg[i] /= nops;
  memcpy(s->cell, cell, sizeof cell);
  nacre_structure_set_frac(s, avg);
done:
  if (st) nacre_error_prefix(err, "symmetrising at %g Å: ", symprec);
  spg_free_dataset(ds);
  free(trans);
  free(map);
  free(frac);
  free(avg);
  return st;
}

/* ---- forces and stress ---- */

nacre_status nacre_symmetry_symmetrize_forces(const nacre_symmetry *sym,
                                              const nacre_structure *s,
                                              double *forces, double stress[6],
                                              nacre_error *err) {
  int n = s->natoms;
  if (sym->nops < 1)
    return nacre_error_set(err, NACRE_ERR_INVALID, "symmetry without operations");
  int *map = malloc((size_t)sym->nops * (size_t)(n > 0 ? n : 1) * sizeof *map);
  double *acc = calloc(3 * (size_t)(n > 0 ? n : 1), sizeof *acc);
  nacre_status st = NACRE_OK;
  if (!map || !acc) {
    st = nacre_error_set(err, NACRE_ERR_NOMEM, "symmetrising forces");
    goto done;
  }
  if (forces && (st = nacre_symmetry_atom_map(sym, s, map, err))) goto done;
  /* Cartesian form of a fractional rotation: with A = (a b c) as columns,
   * x = A f, so x' = C x with C = A R A^-1. */
  double a[3][3], a_inv[3][3];
  nacre_mat3_transpose(s->cell, a);
  if (nacre_mat3_inverse(a, a_inv)) {
    st = nacre_error_set(err, NACRE_ERR_INVALID, "singular cell");
    goto done;
  }
  double sigma[3][3], sigma_acc[3][3] = {{0}};
  if (stress) nacre_mat3_from_voigt(stress, sigma);
  for (int k = 0; k < sym->nops; k++) {
    double r[3][3], tmp[3][3], c[3][3];
    for (int i = 0; i < 3; i++)
      for (int j = 0; j < 3; j++) r[i][j] = sym->rot[k][i][j];
    nacre_mat3_mul(a, r, tmp);
    nacre_mat3_mul(tmp, a_inv, c);
    if (forces)
      for (int i = 0; i < n; i++) {
        const double *f = &forces[3 * i];
        double *out = &acc[3 * (size_t)map[(size_t)k * n + i]];
        for (int x = 0; x < 3; x++)
          out[x] += c[x][0] * f[0] + c[x][1] * f[1] + c[x][2] * f[2];
      }
    if (stress) {
      /* σ' = C σ C^T */
      double cs[3][3], ct[3][3], rot_sigma[3][3];
      nacre_mat3_mul(c, sigma, cs);
      nacre_mat3_transpose(c, ct);
      nacre_mat3_mul(cs, ct, rot_sigma);
      for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) sigma_acc[i][j] += rot_sigma[i][j];
    }
  }
  if (forces)
    for (int i = 0; i < 3 * n; i++) forces[i] = acc[i] / sym->nops;
  if (stress) {
    for (int i = 0; i < 3; i++)
      for (int j = 0; j < 3; j++) sigma_acc[i][j] /= sym->nops;
    nacre_voigt_from_mat3(sigma_acc, stress);
  }
done:
  free(map);
  free(acc);
  return st;
}
