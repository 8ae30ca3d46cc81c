/* traj.c — trajectories in memory for analysis: frames of one set of atoms,
 * and unwrapping of positions that jumped by whole cell vectors. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nacre/md.h"

nacre_traj *nacre_traj_new(int natoms, const int *numbers, const int pbc[3],
                           nacre_error *err) {
  if (natoms < 1) {
    nacre_error_set(err, NACRE_ERR_INVALID, "a trajectory needs atoms");
    return NULL;
  }
  nacre_traj *t = calloc(1, sizeof *t);
  if (t) t->numbers = malloc((size_t)natoms * sizeof(int));
  if (!t || !t->numbers) {
    free(t);
    nacre_error_set(err, NACRE_ERR_NOMEM, "trajectory of %d atoms", natoms);
    return NULL;
  }
  t->natoms = natoms;
  memcpy(t->numbers, numbers, (size_t)natoms * sizeof(int));
  for (int k = 0; k < 3; k++) t->pbc[k] = pbc ? pbc[k] : 1;
  return t;
}

void nacre_traj_free(nacre_traj *t) {
  if (!t) return;
  free(t->numbers);
  free(t->cells);
  free(t->positions);
  free(t->velocities);
  free(t->times_fs);
  free(t);
}

static int grow(void *p, size_t count, size_t size) {
  void *old, *q;
  memcpy(&old, p, sizeof old);
  q = realloc(old, count * size);
  if (!q) return -1;
  memcpy(p, &q, sizeof q);
  return 0;
}

nacre_status nacre_traj_append(nacre_traj *t, const double cell[3][3],
                               const double *positions,
                               const double *velocities, double time_fs,
                               nacre_error *err) {
  if (t->nframes > 0 && (velocities != NULL) != (t->velocities != NULL))
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "frame %d %s velocities, the earlier frames %s",
                           t->nframes + 1, velocities ? "has" : "lacks",
                           t->velocities ? "have them" : "do not");
  size_t n3 = 3 * (size_t)t->natoms;
  if (t->nframes == t->capacity) {
    size_t cap = t->capacity ? 2 * (size_t)t->capacity : 64;
    if (grow(&t->cells, cap, 9 * sizeof(double)) ||
        grow(&t->positions, cap, n3 * sizeof(double)) ||
        grow(&t->times_fs, cap, sizeof(double)) ||
        (velocities && grow(&t->velocities, cap, n3 * sizeof(double))))
      return nacre_error_set(err, NACRE_ERR_NOMEM,
                             "trajectory of %d frames of %d atoms",
                             t->nframes + 1, t->natoms);
    t->capacity = (int)cap;
  }
  size_t f = (size_t)t->nframes;
  memcpy(t->cells + 9 * f, cell, 9 * sizeof(double));
  memcpy(t->positions + n3 * f, positions, n3 * sizeof(double));
  if (velocities) memcpy(t->velocities + n3 * f, velocities, n3 * sizeof(double));
  t->times_fs[f] = time_fs;
  t->nframes++;
  return NACRE_OK;
}

/* Fractional coordinates of the positions of frame f. */
static int to_frac(const nacre_traj *t, int f, double *frac) {
  double recip[3][3];
  const double(*cell)[3] = (const double(*)[3])(t->cells + 9 * (size_t)f);
  if (nacre_cell_reciprocal(cell, recip)) return -1;
  for (int i = 0; i < t->natoms; i++)
    nacre_cell_cart_to_frac(recip, &t->positions[3 * ((size_t)f * t->natoms + i)],
                            &frac[3 * i]);
  return 0;
}

void nacre_traj_unwrap(nacre_traj *t) {
  if (t->nframes < 2 || !(t->pbc[0] || t->pbc[1] || t->pbc[2])) return;
  size_t n3 = 3 * (size_t)t->natoms;
  double *prev = malloc(n3 * sizeof(double)), *cur = malloc(n3 * sizeof(double)),
         *acc = malloc(n3 * sizeof(double));
  if (!prev || !cur || !acc || to_frac(t, 0, prev)) {
    free(prev);
    free(cur);
    free(acc);
    return;
  }
  memcpy(acc, prev, n3 * sizeof(double));
  for (int f = 1; f < t->nframes; f++) {
    if (to_frac(t, f, cur)) break;
    for (size_t k = 0; k < n3; k++) {
      double d = cur[k] - prev[k];
      if (t->pbc[k % 3]) d -= floor(d + 0.5);
      acc[k] += d;
    }
    memcpy(prev, cur, n3 * sizeof(double));
    const double(*cell)[3] = (const double(*)[3])(t->cells + 9 * (size_t)f);
    for (int i = 0; i < t->natoms; i++)
      nacre_cell_frac_to_cart(cell, &acc[3 * i],
                              &t->positions[3 * ((size_t)f * t->natoms + i)]);
  }
  free(prev);
  free(cur);
  free(acc);
}
