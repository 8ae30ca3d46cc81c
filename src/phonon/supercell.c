/* supercell.c — the phonon supercell: its matrix (given, or the smallest
 * diagonal one of a minimum width), its lattice cells in phonopy's order,
 * and exact integer arithmetic on lattice points modulo the supercell. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nacre/sym.h"
#include "phonon_internal.h"

void nacre_phonon_options_init(nacre_phonon_options *o) {
  memset(o, 0, sizeof *o);
  o->min_length_a = 10.0;
  o->displacement_a = 0.01;
  o->plus_minus = NACRE_PHONON_PM_AUTO;
  o->symprec = NACRE_SYMPREC_DEFAULT;
  o->subtract_residual = 1;
  o->max_memory_gb = 0.0;
}

void nacre_phonon_supercell_for_length(const double cell[3][3], double min_length_a, int m[3][3]) {
  double h[3];
  nacre_cell_heights(cell, h);
  memset(m, 0, 9 * sizeof(int));
  for (int k = 0; k < 3; k++) {
    int n = h[k] > 0 ? (int)ceil(min_length_a / h[k] - 1e-9) : 1;
    m[k][k] = n < 1 ? 1 : n;
  }
}

static int floor_div(long a, long b) { /* b > 0 */
  long q = a / b;
  if (a % b != 0 && a < 0) q--;
  return (int)q;
}

/* T − n·m with n = ⌊T m⁻¹⌋: the representative of T inside the supercell
 * parallelepiped. */
static void reduce_point(const nacre_phonon *ph, const int t[3], int out[3]) {
  int n[3];
  for (int k = 0; k < 3; k++) {
    long y = 0;
    for (int i = 0; i < 3; i++) y += (long)t[i] * ph->adj[i][k];
    n[k] = floor_div(y, ph->det);
  }
  for (int c = 0; c < 3; c++)
    out[c] = t[c] - n[0] * ph->m[0][c] - n[1] * ph->m[1][c] - n[2] * ph->m[2][c];
}

static int box_slot(const nacre_phonon *ph, const int r[3]) {
  int b[3];
  for (int c = 0; c < 3; c++) {
    b[c] = r[c] - ph->box_lo[c];
    if (b[c] < 0 || b[c] >= ph->box_n[c]) return -1;
  }
  return b[0] + ph->box_n[0] * (b[1] + ph->box_n[1] * b[2]);
}

int phonon_cell_of(const nacre_phonon *ph, const int t[3]) {
  int r[3];
  reduce_point(ph, t, r);
  int s = box_slot(ph, r);
  return s < 0 ? -1 : ph->cell_index[s];
}

int phonon_map_atom(const nacre_phonon *ph, int k, int fix, int j) {
  int i = j / ph->ncells;
  const int *t = ph->cells[j % ph->ncells];
  const int(*r)[3] = ph->rot[k];
  const int *si = ph->shift[k * ph->n + i], *sf = ph->shift[k * ph->n + fix];
  int u[3];
  for (int a = 0; a < 3; a++)
    u[a] = si[a] - sf[a] + r[a][0] * t[0] + r[a][1] * t[1] + r[a][2] * t[2];
  return ph->perm[k * ph->n + i] * ph->ncells + phonon_cell_of(ph, u);
}

static void adjugate(const int m[3][3], int adj[3][3]) {
  adj[0][0] = m[1][1] * m[2][2] - m[1][2] * m[2][1];
  adj[0][1] = m[0][2] * m[2][1] - m[0][1] * m[2][2];
  adj[0][2] = m[0][1] * m[1][2] - m[0][2] * m[1][1];
  adj[1][0] = m[1][2] * m[2][0] - m[1][0] * m[2][2];
  adj[1][1] = m[0][0] * m[2][2] - m[0][2] * m[2][0];
  adj[1][2] = m[0][2] * m[1][0] - m[0][0] * m[1][2];
  adj[2][0] = m[1][0] * m[2][1] - m[1][1] * m[2][0];
  adj[2][1] = m[0][1] * m[2][0] - m[0][0] * m[2][1];
  adj[2][2] = m[0][0] * m[1][1] - m[0][1] * m[1][0];
}

/* Adds the lattice points of the box [lo, lo + n) in a-fastest order,
 * keeping the first point of each class modulo the supercell. */
static int add_cells(nacre_phonon *ph, const int lo[3], const int n[3], int count) {
  for (int c = 0; c < n[2]; c++)
    for (int b = 0; b < n[1]; b++)
      for (int a = 0; a < n[0] && count < ph->ncells; a++) {
        int t[3] = {lo[0] + a, lo[1] + b, lo[2] + c}, r[3];
        reduce_point(ph, t, r);
        int s = box_slot(ph, r);
        if (s < 0 || ph->cell_index[s] >= 0) continue;
        ph->cell_index[s] = count;
        memcpy(ph->cells[count++], t, sizeof t);
      }
  return count;
}

/* Lattice cells in phonopy's order: the points of the box [0, extent of the
 * supercell's corners), a fastest, keeping the first point of each class
 * modulo the supercell (phonopy's Supercell, old style). Reduced points
 * T m⁻¹ ∈ [0, 1)³ lie in the box spanned by the corners, which the lookup
 * table covers. */
static nacre_status enumerate_cells(nacre_phonon *ph, nacre_error *err) {
  int zero[3] = {0, 0, 0}, frame[3];
  for (int c = 0; c < 3; c++) {
    int lo = 0, hi = 0;
    for (int k = 0; k < 3; k++) {
      if (ph->m[k][c] < 0)
        lo += ph->m[k][c];
      else
        hi += ph->m[k][c];
    }
    ph->box_lo[c] = lo;
    ph->box_n[c] = hi - lo + 1;
    frame[c] = hi - lo;
  }
  size_t nbox = (size_t)ph->box_n[0] * ph->box_n[1] * ph->box_n[2];
  ph->cell_index = malloc(nbox * sizeof(int));
  ph->cells = malloc((size_t)ph->ncells * sizeof *ph->cells);
  if (!ph->cell_index || !ph->cells)
    return nacre_error_set(err, NACRE_ERR_NOMEM, "phonon supercell: %d cells", ph->ncells);
  for (size_t s = 0; s < nbox; s++) ph->cell_index[s] = -1;
  int count = add_cells(ph, zero, frame, 0);
  if (count < ph->ncells) count = add_cells(ph, ph->box_lo, ph->box_n, count);
  if (count != ph->ncells)
    return nacre_error_set(err, NACRE_ERR_NUMERIC,
                           "phonon supercell: found %d lattice cells, "
                           "expected det = %d",
                           count, ph->ncells);
  return NACRE_OK;
}

nacre_status phonon_supercell_build(nacre_phonon *ph, nacre_error *err) {
  long det = (long)ph->m[0][0] * (ph->m[1][1] * ph->m[2][2] - ph->m[1][2] * ph->m[2][1]) -
             (long)ph->m[0][1] * (ph->m[1][0] * ph->m[2][2] - ph->m[1][2] * ph->m[2][0]) +
             (long)ph->m[0][2] * (ph->m[1][0] * ph->m[2][1] - ph->m[1][1] * ph->m[2][0]);
  if (det <= 0 || det > 1000000)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "supercell matrix has determinant %ld (must be "
                           "positive: rows of a right-handed supercell)",
                           det);
  if ((long)ph->n * det > 2000000)
    return nacre_error_set(err, NACRE_ERR_INVALID, "supercell of %ld atoms is too large",
                           (long)ph->n * det);
  ph->det = ph->ncells = (int)det;
  adjugate(ph->m, ph->adj);
  nacre_status st = enumerate_cells(ph, err);
  if (st) return st;

  ph->nsuper = ph->n * ph->ncells;
  nacre_structure *s = nacre_structure_new(ph->nsuper, err);
  if (!s) return err ? err->status : NACRE_ERR_NOMEM;
  ph->super = s;
  const nacre_structure *u = ph->unit;
  for (int r = 0; r < 3; r++)
    for (int c = 0; c < 3; c++)
      s->cell[r][c] =
          ph->m[r][0] * u->cell[0][c] + ph->m[r][1] * u->cell[1][c] + ph->m[r][2] * u->cell[2][c];
  double *frac = malloc(3 * (size_t)u->natoms * sizeof *frac);
  if (!frac) return nacre_error_set(err, NACRE_ERR_NOMEM, "phonon supercell");
  st = nacre_structure_get_frac(u, frac, err);
  double minv[3][3];
  for (int r = 0; r < 3; r++)
    for (int c = 0; c < 3; c++) minv[r][c] = (double)ph->adj[r][c] / ph->det;
  for (int i = 0; !st && i < ph->n; i++)
    for (int t = 0; t < ph->ncells; t++) {
      int j = i * ph->ncells + t;
      double x[3], y[3];
      for (int c = 0; c < 3; c++) x[c] = frac[3 * i + c] + ph->cells[t][c];
      for (int c = 0; c < 3; c++) {
        y[c] = x[0] * minv[0][c] + x[1] * minv[1][c] + x[2] * minv[2][c];
        y[c] -= floor(y[c]);
        if (y[c] >= 1.0) y[c] = 0.0;
      }
      for (int c = 0; c < 3; c++)
        s->positions[3 * j + c] =
            y[0] * s->cell[0][c] + y[1] * s->cell[1][c] + y[2] * s->cell[2][c];
      s->numbers[j] = u->numbers[i];
    }
  free(frac);
  return st;
}
