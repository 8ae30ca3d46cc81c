/* displacements.c — the symmetry-irreducible displacements: for the first
 * atom of each orbit, the fewest directions (along lattice vectors, face
 * and body diagonals, in the unit cell's basis) whose images under the
 * atom's site symmetry span three dimensions, as phonopy chooses them; a
 * direction's opposite is added unless a site operation already maps it
 * onto its opposite (or as the option says). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "phonon_internal.h"

static const int directions[][3] = {{1, 0, 0},  {0, 1, 0},  {0, 0, 1},  {1, 1, 0},  {1, 0, 1},
                                    {0, 1, 1},  {1, -1, 0}, {1, 0, -1}, {0, 1, -1}, {1, 1, 1},
                                    {1, 1, -1}, {1, -1, 1}, {-1, 1, 1}};
enum { NDIRECTIONS = sizeof directions / sizeof directions[0] };

static void rotate(const int r[3][3], const int d[3], int out[3]) {
  for (int a = 0; a < 3; a++) out[a] = r[a][0] * d[0] + r[a][1] * d[1] + r[a][2] * d[2];
}

static long det3(const int a[3], const int b[3], const int c[3]) {
  return (long)a[0] * (b[1] * c[2] - b[2] * c[1]) - (long)a[1] * (b[0] * c[2] - b[2] * c[0]) +
         (long)a[2] * (b[0] * c[1] - b[1] * c[0]);
}

/* Directions for an atom with site operations site[0..ns): writes up to 3
 * into out and returns how many. */
static int choose_directions(const nacre_phonon *ph, const int *site, int ns, int out[3][3]) {
  /* one direction whose images span space */
  for (int d = 0; d < NDIRECTIONS; d++)
    for (int i = 0; i < ns; i++)
      for (int j = i + 1; j < ns; j++) {
        int a[3], b[3];
        rotate(ph->rot[site[i]], directions[d], a);
        rotate(ph->rot[site[j]], directions[d], b);
        if (det3(directions[d], a, b)) {
          memcpy(out[0], directions[d], sizeof out[0]);
          return 1;
        }
      }
  /* two directions */
  for (int d = 0; d < NDIRECTIONS; d++)
    for (int i = 0; i < ns; i++)
      for (int e = 0; e < NDIRECTIONS; e++) {
        int a[3];
        rotate(ph->rot[site[i]], directions[d], a);
        if (det3(directions[d], a, directions[e])) {
          memcpy(out[0], directions[d], sizeof out[0]);
          memcpy(out[1], directions[e], sizeof out[1]);
          return 2;
        }
      }
  memcpy(out, directions, 3 * sizeof out[0]);
  return 3;
}

static int has_opposite(const nacre_phonon *ph, const int *site, int ns, const int d[3]) {
  for (int i = 0; i < ns; i++) {
    int a[3];
    rotate(ph->rot[site[i]], d, a);
    if (a[0] == -d[0] && a[1] == -d[1] && a[2] == -d[2]) return 1;
  }
  return 0;
}

static void cartesian(const nacre_phonon *ph, const int d[3], double sign, double u[3]) {
  double norm = 0;
  for (int c = 0; c < 3; c++) {
    u[c] = 0;
    for (int k = 0; k < 3; k++) u[c] += d[k] * ph->unit->cell[k][c];
    norm += u[c] * u[c];
  }
  double f = sign * ph->opt.displacement_a / sqrt(norm);
  for (int c = 0; c < 3; c++) u[c] *= f;
}

nacre_status phonon_displacements_build(nacre_phonon *ph, nacre_error *err) {
  int *site = malloc((size_t)ph->nops * sizeof *site);
  ph->disp_atom = malloc(6 * (size_t)ph->n * sizeof *ph->disp_atom);
  ph->disp = malloc(6 * (size_t)ph->n * sizeof *ph->disp);
  if (!site || !ph->disp_atom || !ph->disp) {
    free(site);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "phonon displacements");
  }
  ph->ndisp = 0;
  for (int a = 0; a < ph->n; a++) {
    if (ph->orbit[a] != a) continue;
    int ns = 0;
    for (int k = 0; k < ph->nops; k++)
      if (ph->perm[k * ph->n + a] == a) site[ns++] = k;
    int dirs[3][3];
    int nd = choose_directions(ph, site, ns, dirs);
    for (int d = 0; d < nd; d++) {
      int minus =
          ph->opt.plus_minus == NACRE_PHONON_PM_BOTH ||
          (ph->opt.plus_minus == NACRE_PHONON_PM_AUTO && !has_opposite(ph, site, ns, dirs[d]));
      for (int s = 0; s < 1 + minus; s++) {
        ph->disp_atom[ph->ndisp] = a;
        cartesian(ph, dirs[d], s ? -1.0 : 1.0, ph->disp[ph->ndisp]);
        ph->ndisp++;
      }
    }
  }
  free(site);
  return NACRE_OK;
}
