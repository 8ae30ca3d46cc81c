/* symmetrize.c — making nearly symmetric structures exactly symmetric, and
 * projecting forces and stress onto the symmetric subspace: atom
 * permutations of the operations, the whole group with exact translations
 * from the Hall-symbol table, the ideal lattice metric in the input
 * orientation, and group
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

static void apply_op(const double r[3][3], const double t[3],
                     const double f[3], double y[3]) {
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
static nacre_status map_atoms(int nops, const double (*rot)[3][3],
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
  double(*rot)[3][3] = malloc((size_t)sym->nops * sizeof *rot);
  nacre_status st = NACRE_OK;
  if (!frac || !rot) {
    st = nacre_error_set(err, NACRE_ERR_NOMEM, "atom mapping");
    goto done;
  }
  for (int k = 0; k < sym->nops; k++)
    for (int i = 0; i < 3; i++)
      for (int j = 0; j < 3; j++) rot[k][i][j] = sym->rot[k][i][j];
  st = nacre_structure_get_frac(s, frac, err);
  if (!st)
    st = map_atoms(sym->nops, (const double(*)[3][3])rot,
                   (const double(*)[3])sym->trans, s->cell, frac, s->numbers,
                   s->natoms, MAP_TOL_FACTOR * sym->symprec, map, err);
done:
  free(frac);
  free(rot);
  return st;
}

/* ---- the whole group, exactly, in the primitive cell ---- */

/* Every operation of the space group modulo the lattice of a cell whose
 * fractional coordinates x map to the standard setting as x_s = P x + p,
 * built from the exact operations of the Hall-symbol table: (W, w) reads
 * R = P^-1 W P and t = P^-1 (W p + w + n − p) for the lattice vectors n of
 * the standard cell that are distinct in this cell. |G| = (table
 * operations) × |det P|. Used on the primitive cell, whose lattice every
 * rotation keeps (a skewed supercell keeps only some, so its operations do
 * not permute its atoms). */
static nacre_status full_group(const SpglibDataset *ds, const double p[3][3],
                               double (**rot_out)[3][3],
                               double (**trans_out)[3], int *nops_out,
                               nacre_error *err) {
  *rot_out = NULL;
  *trans_out = NULL;
  *nops_out = 0;
  const double *origin = ds->origin_shift;
  double p_inv[3][3];
  if (nacre_mat3_inverse(p, p_inv))
    return nacre_error_set(err, NACRE_ERR_NUMERIC,
                           "singular transformation to the standard setting");
  int(*db_rot)[3][3] = malloc(NACRE_SG_MAX_OPS * sizeof *db_rot);
  double(*db_trans)[3] = malloc(NACRE_SG_MAX_OPS * sizeof *db_trans);
  int ndb = 0;
  nacre_status st = NACRE_OK;
  if (!db_rot || !db_trans)
    st = nacre_error_set(err, NACRE_ERR_NOMEM, "space-group table");
  else
    st = nacre_sg_operations(ds->hall_number, db_rot, db_trans, &ndb, err);
  double det = fabs(nacre_mat3_det(p));
  long target = lround(ndb * det);
  if (!st && (target < 1 || fabs(ndb * det - (double)target) > 1e-6))
    st = nacre_error_set(err, NACRE_ERR_NUMERIC,
                         "%d operations × |det P| = %g is not an integer", ndb,
                         ndb * det);
  double(*rot)[3][3] = NULL;
  double(*trans)[3] = NULL;
  if (!st) {
    rot = malloc((size_t)target * sizeof *rot);
    trans = malloc((size_t)target * sizeof *trans);
    if (!rot || !trans)
      st = nacre_error_set(err, NACRE_ERR_NOMEM, "%ld operations", target);
  }
  /* lattice vectors n of the standard cell reaching over the input cell:
   * its corners sit at P·corner in standard coordinates */
  int reach[3] = {0, 0, 0};
  for (int a = 0; a < 3 && !st; a++) {
    double m = 0.0;
    for (int b = 0; b < 3; b++) m += fabs(p[a][b]);
    reach[a] = (int)ceil(m) + 1;
  }
  int n = 0;
  for (int k = 0; k < ndb && !st && n < target; k++) {
    double w[3][3], tmp[3][3], r[3][3];
    for (int i = 0; i < 3; i++)
      for (int j = 0; j < 3; j++) w[i][j] = db_rot[k][i][j];
    nacre_mat3_mul(p_inv, w, tmp);
    nacre_mat3_mul(tmp, p, r);
    double base[3]; /* W p + w − p */
    for (int i = 0; i < 3; i++)
      base[i] = w[i][0] * origin[0] + w[i][1] * origin[1] +
                w[i][2] * origin[2] + db_trans[k][i] - origin[i];
    for (int n0 = -reach[0]; n0 <= reach[0] && n < target; n0++)
      for (int n1 = -reach[1]; n1 <= reach[1] && n < target; n1++)
        for (int n2 = -reach[2]; n2 <= reach[2] && n < target; n2++) {
          double v[3] = {base[0] + n0, base[1] + n1, base[2] + n2}, t[3];
          for (int i = 0; i < 3; i++) {
            t[i] = p_inv[i][0] * v[0] + p_inv[i][1] * v[1] + p_inv[i][2] * v[2];
            t[i] -= floor(t[i]);
          }
          int seen = 0;
          for (int m = 0; m < n && !seen; m++) {
            seen = 1;
            for (int i = 0; i < 3 && seen; i++) {
              double d = t[i] - trans[m][i];
              if (fabs(d - round(d)) > 1e-8) seen = 0;
              for (int j = 0; j < 3 && seen; j++)
                if (fabs(r[i][j] - rot[m][i][j]) > 1e-8) seen = 0;
            }
          }
          if (seen) continue;
          memcpy(rot[n], r, sizeof r);
          memcpy(trans[n], t, sizeof t);
          n++;
        }
  }
  if (!st && n != target)
    st = nacre_error_set(err, NACRE_ERR_NUMERIC,
                         "found %d of the %ld operations of the group in the "
                         "input cell",
                         n, target);
  free(db_rot);
  free(db_trans);
  if (st) {
    free(rot);
    free(trans);
    return st;
  }
  *rot_out = rot;
  *trans_out = trans;
  *nops_out = n;
  return NACRE_OK;
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

/* The primitive cell of the input in input fractional terms: a_prim =
 * (a b c) M, so x_in = M x_prim. M^-1 is an integer matrix of determinant
 * N = atoms / primitive atoms, so M's entries are multiples of 1/N and are
 * rounded to them. */
static nacre_status primitive_matrix(const SpglibDataset *ds,
                                     const double cell[3][3], int nprim,
                                     double m[3][3], nacre_error *err) {
  double cols[3][3], inv[3][3];
  nacre_mat3_transpose(cell, cols);
  if (nacre_mat3_inverse(cols, inv))
    return nacre_error_set(err, NACRE_ERR_INVALID, "singular cell");
  nacre_mat3_mul(inv, ds->primitive_lattice, m);
  double ncells = (double)ds->n_atoms / nprim;
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) m[i][j] = round(m[i][j] * ncells) / ncells;
  if (fabs(fabs(nacre_mat3_det(m)) * ncells - 1.0) > 1e-6)
    return nacre_error_set(err, NACRE_ERR_NUMERIC,
                           "primitive cell of %d atoms does not tile the "
                           "input of %d",
                           nprim, ds->n_atoms);
  return NACRE_OK;
}

nacre_status nacre_symmetry_symmetrize(nacre_structure *s, double symprec,
                                       nacre_error *err) {
  SpglibDataset *ds;
  nacre_status st = sym_dataset(s, symprec, &ds, err);
  if (st) return st;
  int n = s->natoms, nops = 0, nprim = 0;
  for (int i = 0; i < n; i++)
    if (ds->mapping_to_primitive[i] + 1 > nprim)
      nprim = ds->mapping_to_primitive[i] + 1;
  double(*rot)[3][3] = NULL;
  double(*trans)[3] = NULL;
  int *map = NULL, *rep = malloc((size_t)n * sizeof *rep);
  double *frac = malloc(3 * (size_t)n * sizeof *frac);
  double *pfrac = calloc(3 * (size_t)n, sizeof *pfrac); /* primitive atoms */
  double *avg = calloc(3 * (size_t)n, sizeof *avg);
  int *ptypes = malloc((size_t)n * sizeof *ptypes);
  double cell[3][3], m[3][3], m_inv[3][3], pm[3][3], pcell[3][3];
  if (!rep || !frac || !pfrac || !avg || !ptypes) {
    st = nacre_error_set(err, NACRE_ERR_NOMEM, "symmetrising %d atoms", n);
    goto done;
  }
  if ((st = ideal_cell(ds, s->cell, cell, err))) goto done;
  if ((st = nacre_structure_get_frac(s, frac, err))) goto done;
  if ((st = primitive_matrix(ds, s->cell, nprim, m, err))) goto done;
  nacre_mat3_inverse(m, m_inv);
  /* primitive rows in the ideal metric: (a b c)_ideal M, as rows */
  double mt[3][3];
  nacre_mat3_transpose(m, mt);
  nacre_mat3_mul(mt, cell, pcell);
  /* each primitive atom: the mean of the input atoms folded onto it */
  for (int p = 0; p < nprim; p++) rep[p] = -1;
  int *count = calloc((size_t)nprim, sizeof *count);
  if (!count) {
    st = nacre_error_set(err, NACRE_ERR_NOMEM, "symmetrising %d atoms", n);
    goto done;
  }
  for (int i = 0; i < n; i++) {
    int p = ds->mapping_to_primitive[i];
    double f[3];
    for (int a = 0; a < 3; a++)
      f[a] = m_inv[a][0] * frac[3 * i] + m_inv[a][1] * frac[3 * i + 1] +
             m_inv[a][2] * frac[3 * i + 2];
    if (rep[p] < 0) {
      rep[p] = i;
      ptypes[p] = s->numbers[i];
      memcpy(&avg[3 * p], f, sizeof f); /* reference image */
    }
    for (int a = 0; a < 3; a++)
      pfrac[3 * p + a] += f[a] - round(f[a] - avg[3 * p + a]);
    count[p]++;
  }
  for (int p = 0; p < nprim; p++)
    for (int a = 0; a < 3; a++) pfrac[3 * p + a] /= count[p];
  free(count);
  memset(avg, 0, 3 * (size_t)n * sizeof *avg);
  nacre_mat3_mul(ds->transformation_matrix, m, pm); /* x_s = P M x_prim + p */
  if ((st = full_group(ds, (const double(*)[3])pm, &rot, &trans, &nops, err)))
    goto done;
  map = malloc((size_t)nops * (size_t)nprim * sizeof *map);
  if (!map) {
    st = nacre_error_set(err, NACRE_ERR_NOMEM, "symmetrising %d atoms", n);
    goto done;
  }
  st = map_atoms(nops, (const double(*)[3][3])rot, (const double(*)[3])trans,
                 (const double(*)[3])pcell, pfrac, ptypes, nprim,
                 MAP_TOL_FACTOR * symprec, map, err);
  if (st) goto done;
  /* x_j ← (1/|G|) Σ_g g(x_{g^-1 j}), each image taken next to x_j. */
  for (int k = 0; k < nops; k++)
    for (int i = 0; i < nprim; i++) {
      int j = map[(size_t)k * nprim + i];
      double y[3];
      apply_op((const double(*)[3])rot[k], trans[k], &pfrac[3 * i], y);
      for (int c = 0; c < 3; c++)
        avg[3 * j + c] += y[c] - round(y[c] - pfrac[3 * j + c]);
    }
  for (int i = 0; i < 3 * nprim; i++) avg[i] /= nops;
  /* unfold: each input atom is its primitive atom plus the lattice vector
   * it sat at */
  for (int i = 0; i < n; i++) {
    int p = ds->mapping_to_primitive[i];
    double f[3], x[3];
    for (int a = 0; a < 3; a++)
      f[a] = m_inv[a][0] * frac[3 * i] + m_inv[a][1] * frac[3 * i + 1] +
             m_inv[a][2] * frac[3 * i + 2];
    for (int a = 0; a < 3; a++)
      x[a] = avg[3 * p + a] + round(f[a] - avg[3 * p + a]);
    for (int a = 0; a < 3; a++)
      frac[3 * i + a] = m[a][0] * x[0] + m[a][1] * x[1] + m[a][2] * x[2];
  }
  memcpy(s->cell, cell, sizeof cell);
  nacre_structure_set_frac(s, frac);
done:
  if (st) nacre_error_prefix(err, "symmetrising at %g Å: ", symprec);
  spg_free_dataset(ds);
  free(rot);
  free(trans);
  free(map);
  free(rep);
  free(frac);
  free(pfrac);
  free(avg);
  free(ptypes);
  return st;
}

/* ---- forces and stress ---- */

void sym_perms_free(struct nacre_sym_perms *p) {
  if (!p) return;
  free(p->rep_ops);
  free(p->trans_ops);
  free(p->rep_map);
  free(p->trans_map);
  free(p);
}

static int is_identity(const int r[3][3]) {
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++)
      if (r[i][j] != (i == j)) return 0;
  return 1;
}

static int same_rotation(const int a[3][3], const int b[3][3]) {
  return !memcmp(a, b, sizeof(int[3][3]));
}

/* Permutations of the operations listed in ops (count of them). */
static nacre_status map_subset(const nacre_symmetry *sym,
                               const nacre_structure *s, const double *frac,
                               const int *ops, int count, int *map,
                               nacre_error *err) {
  double(*rot)[3][3] = malloc((size_t)count * sizeof *rot);
  double(*trans)[3] = malloc((size_t)count * sizeof *trans);
  nacre_status st = NACRE_OK;
  if (!rot || !trans) {
    st = nacre_error_set(err, NACRE_ERR_NOMEM, "atom permutations");
  } else {
    for (int k = 0; k < count; k++) {
      for (int i = 0; i < 3; i++) {
        for (int j = 0; j < 3; j++) rot[k][i][j] = sym->rot[ops[k]][i][j];
        trans[k][i] = sym->trans[ops[k]][i];
      }
    }
    st = map_atoms(count, (const double(*)[3][3])rot,
                   (const double(*)[3])trans, s->cell, frac, s->numbers,
                   s->natoms, MAP_TOL_FACTOR * sym->symprec, map, err);
  }
  free(rot);
  free(trans);
  return st;
}

nacre_status sym_perms_build(const nacre_symmetry *sym,
                             const nacre_structure *s,
                             struct nacre_sym_perms **out, nacre_error *err) {
  *out = NULL;
  int n = s->natoms;
  if (sym->natoms != n)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "symmetry of %d atoms used on a structure of %d",
                           sym->natoms, n);
  struct nacre_sym_perms *p = calloc(1, sizeof *p);
  double *frac = malloc(3 * (size_t)(n > 0 ? n : 1) * sizeof *frac);
  nacre_status st = NACRE_OK;
  if (!p || !frac ||
      !(p->rep_ops = malloc((size_t)sym->nops * sizeof *p->rep_ops)) ||
      !(p->trans_ops = malloc((size_t)sym->nops * sizeof *p->trans_ops))) {
    st = nacre_error_set(err, NACRE_ERR_NOMEM, "atom permutations");
    goto done;
  }
  p->natoms = n;
  for (int k = 0; k < sym->nops; k++) {
    int seen = 0;
    for (int r = 0; r < p->nrep && !seen; r++)
      seen = same_rotation(sym->rot[k], sym->rot[p->rep_ops[r]]);
    if (!seen) p->rep_ops[p->nrep++] = k;
    if (is_identity(sym->rot[k])) p->trans_ops[p->ntrans++] = k;
  }
  /* operations with one rotation differ by a pure translation, so the
   * group is exactly {translation · representative} */
  if (p->nrep * p->ntrans != sym->nops) {
    st = nacre_error_set(err, NACRE_ERR_INVALID,
                         "%d operations are not %d rotations × %d "
                         "translations",
                         sym->nops, p->nrep, p->ntrans);
    goto done;
  }
  p->rep_map = malloc((size_t)p->nrep * n * sizeof *p->rep_map);
  p->trans_map = malloc((size_t)p->ntrans * n * sizeof *p->trans_map);
  if (!p->rep_map || !p->trans_map) {
    st = nacre_error_set(err, NACRE_ERR_NOMEM, "atom permutations");
    goto done;
  }
  if ((st = nacre_structure_get_frac(s, frac, err))) goto done;
  if ((st = map_subset(sym, s, frac, p->rep_ops, p->nrep, p->rep_map, err)))
    goto done;
  st = map_subset(sym, s, frac, p->trans_ops, p->ntrans, p->trans_map, err);
done:
  free(frac);
  if (st) {
    sym_perms_free(p);
    return st;
  }
  *out = p;
  return NACRE_OK;
}

nacre_status nacre_symmetry_symmetrize_forces(const nacre_symmetry *sym,
                                              const nacre_structure *s,
                                              double *forces, double stress[6],
                                              nacre_error *err) {
  int n = s->natoms;
  if (sym->nops < 1)
    return nacre_error_set(err, NACRE_ERR_INVALID, "symmetry without operations");
  if (sym->natoms != n)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "symmetry of %d atoms used on a structure of %d",
                           sym->natoms, n);
  struct nacre_sym_perms *fresh = NULL;
  const struct nacre_sym_perms *p = sym->perms;
  nacre_status st = NACRE_OK;
  if (!p) {
    if ((st = sym_perms_build(sym, s, &fresh, err))) return st;
    p = fresh;
  }
  double *acc = calloc(3 * (size_t)(n > 0 ? n : 1), sizeof *acc);
  double *acc2 = calloc(3 * (size_t)(n > 0 ? n : 1), sizeof *acc2);
  if (!acc || !acc2) {
    st = nacre_error_set(err, NACRE_ERR_NOMEM, "symmetrising forces");
    goto done;
  }
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
  /* rotations: F' = (1/|R|) Σ_r C_r F_{r^-1 j}; σ' = (1/|R|) Σ_r C σ C^T
   * (translations leave σ alone) */
  for (int r = 0; r < p->nrep; r++) {
    int k = p->rep_ops[r];
    double rd[3][3], tmp[3][3], c[3][3];
    for (int i = 0; i < 3; i++)
      for (int j = 0; j < 3; j++) rd[i][j] = sym->rot[k][i][j];
    nacre_mat3_mul(a, rd, tmp);
    nacre_mat3_mul(tmp, a_inv, c);
    if (forces)
      for (int i = 0; i < n; i++) {
        const double *f = &forces[3 * i];
        double *out = &acc[3 * (size_t)p->rep_map[(size_t)r * n + i]];
        for (int x = 0; x < 3; x++)
          out[x] += c[x][0] * f[0] + c[x][1] * f[1] + c[x][2] * f[2];
      }
    if (stress) {
      double cs[3][3], ct[3][3], rot_sigma[3][3];
      nacre_mat3_mul(c, sigma, cs);
      nacre_mat3_transpose(c, ct);
      nacre_mat3_mul(cs, ct, rot_sigma);
      for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) sigma_acc[i][j] += rot_sigma[i][j];
    }
  }
  if (forces) {
    /* then translations: F'' = (1/|T|) Σ_T F'_{T^-1 j} */
    for (int q = 0; q < p->ntrans; q++)
      for (int i = 0; i < n; i++) {
        double *out = &acc2[3 * (size_t)p->trans_map[(size_t)q * n + i]];
        for (int x = 0; x < 3; x++) out[x] += acc[3 * i + x];
      }
    double norm = 1.0 / ((double)p->nrep * p->ntrans);
    for (int i = 0; i < 3 * n; i++) forces[i] = acc2[i] * norm;
  }
  if (stress) {
    for (int i = 0; i < 3; i++)
      for (int j = 0; j < 3; j++) sigma_acc[i][j] /= p->nrep;
    nacre_voigt_from_mat3(sigma_acc, stress);
  }
done:
  free(acc);
  free(acc2);
  sym_perms_free(fresh);
  return st;
}
