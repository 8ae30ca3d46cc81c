/* motif.c — random crystals built from a motif of a good minimum: copies
 * of one of its coordination polyhedra (an atom and its first shell),
 * turned at random, placed at random in a random cell of the minimum's
 * density, the rest of the atoms at random places. A newcomer then starts
 * from a local environment the potential already found good instead of
 * from independent atoms (the fragment idea of ab initio random structure
 * searching: Pickard & Needs, J. Phys.: Condens. Matter 23, 053201
 * (2011), sec. 3.4). See operators.h. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "operators.h"

#define MOTIF_MAX 32 /* atoms of one motif */

typedef struct motif {
  int n;
  int z[MOTIF_MAX];
  double r[MOTIF_MAX][3]; /* Cartesian, from the central atom */
} motif;

/* The vector from atom i to the image (a, b, c) of the shortest image of
 * atom j. */
static void image_vector(const nacre_structure *s, int i, int j, int a, int b,
                         int c, double d[3]) {
  for (int k = 0; k < 3; k++)
    d[k] = s->positions[3 * j + k] - s->positions[3 * i + k];
  nacre_cell_minimum_image(s->cell, s->pbc, d);
  for (int k = 0; k < 3; k++)
    d[k] += a * s->cell[0][k] + b * s->cell[1][k] + c * s->cell[2][k];
}

/* Atom i of s with its first shell: every image of every atom closer than
 * 1.1 times the nearest (bcc's second shell lies at 1.155). Images count
 * one by one, so a small cell's motif is whole. */
static void cut_motif(const nacre_structure *s, int i, motif *m) {
  double dmin = INFINITY, d[3];
  for (int pass = 0; pass < 2; pass++) {
    m->n = 1;
    m->z[0] = s->numbers[i];
    memset(m->r[0], 0, sizeof m->r[0]);
    for (int j = 0; j < s->natoms; j++)
      for (int a = -1; a <= 1; a++)
        for (int b = -1; b <= 1; b++)
          for (int c = -1; c <= 1; c++) {
            image_vector(s, i, j, a, b, c, d);
            double r = sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
            if (r < 1e-8) continue; /* the atom itself */
            if (pass == 0) dmin = fmin(dmin, r);
            else if (r < 1.1 * dmin && m->n < MOTIF_MAX) {
              m->z[m->n] = s->numbers[j];
              memcpy(m->r[m->n++], d, sizeof d);
            }
          }
  }
}

/* The minimum distance of a pair in a cell of the given density scale
 * (nacre_search_density_scale): the random structures' own, or, once the
 * cell is denser than a close packing of covalent spheres, 0.7 of the
 * close-packing distance at that density, whichever is shorter. The
 * search rejects relaxed minima below 0.8 of it (distance_rule.c); a
 * start stays a little below that, as random crystals stay at 0.7 of the
 * covalent distances, so that starts at high pressure are not held to
 * distances no phase has there. */
static double pair_min(const nacre_random_options *o, double scale, int za,
                       int zb) {
  double dr = nacre_random_min_distance(o, za, zb);
  if (scale >= 1) return dr;
  double ref = nacre_covalent_radius(za) + nacre_covalent_radius(zb);
  return fmin(dr, 0.7 * scale * ref);
}

/* Whether a point of element z at Cartesian x keeps its distances to the
 * first m atoms of s. */
static int place_ok(const nacre_structure *s, int m, int z, const double x[3],
                    const nacre_random_options *o, double scale) {
  for (int j = 0; j < m; j++) {
    double d[3];
    for (int k = 0; k < 3; k++) d[k] = s->positions[3 * j + k] - x[k];
    nacre_cell_minimum_image(s->cell, s->pbc, d);
    double dm = pair_min(o, scale, z, s->numbers[j]);
    if (d[0] * d[0] + d[1] * d[1] + d[2] * d[2] < dm * dm) return 0;
  }
  return 1;
}

static void random_rotation(nacre_rng *rng, double r[3][3]) {
  /* uniform rotation from a unit quaternion (Shoemake 1992) */
  double q[4], n = 0;
  for (int k = 0; k < 4; k++) {
    q[k] = nacre_rng_normal(rng);
    n += q[k] * q[k];
  }
  n = sqrt(n);
  double a = q[0] / n, b = q[1] / n, c = q[2] / n, d = q[3] / n;
  double m[3][3] = {{a * a + b * b - c * c - d * d, 2 * (b * c - a * d),
                     2 * (b * d + a * c)},
                    {2 * (b * c + a * d), a * a - b * b + c * c - d * d,
                     2 * (c * d - a * b)},
                    {2 * (b * d - a * c), 2 * (c * d + a * b),
                     a * a - b * b - c * c + d * d}};
  memcpy(r, m, sizeof m);
}

/* A random cell of volume v: lengths within a factor 2 of each other,
 * angles in [60°, 120°], not flatter than a third of the box of its
 * lengths. */
static int random_cell(double v, nacre_rng *rng, double cell[3][3]) {
  for (int t = 0; t < 100; t++) {
    double abc[3], ang[3];
    for (int k = 0; k < 3; k++) {
      abc[k] = exp((nacre_rng_uniform(rng) - 0.5) * log(2.0));
      ang[k] = 60 + 60 * nacre_rng_uniform(rng);
    }
    if (nacre_cell_from_lengths_angles(abc, ang, cell)) continue;
    double v1 = fabs(nacre_cell_volume(cell));
    if (!(v1 > abc[0] * abc[1] * abc[2] / 3)) continue;
    double sc = cbrt(v / v1);
    for (int i = 0; i < 3; i++)
      for (int j = 0; j < 3; j++) cell[i][j] *= sc;
    return 1;
  }
  return 0;
}

/* Places a copy of m turned by rot at Cartesian centre c, if every atom
 * fits the quota left and the distances; returns the atoms placed. */
static int place_motif(nacre_structure *s, int filled, const motif *m,
                       const double rot[3][3], const double c[3],
                       const nacre_composition *comp, int *left,
                       const nacre_random_options *o, double scale) {
  int need[NACRE_MAX_SPECIES] = {0};
  for (int a = 0; a < m->n; a++)
    for (int k = 0; k < comp->nspecies; k++)
      if (comp->z[k] == m->z[a] && ++need[k] > left[k]) return 0;
  int at = filled;
  for (int a = 0; a < m->n; a++) {
    double x[3];
    for (int i = 0; i < 3; i++)
      x[i] = c[i] + rot[i][0] * m->r[a][0] + rot[i][1] * m->r[a][1] +
             rot[i][2] * m->r[a][2];
    if (!place_ok(s, at, m->z[a], x, o, scale)) return 0;
    s->numbers[at] = m->z[a];
    memcpy(s->positions + 3 * at++, x, sizeof x);
  }
  for (int k = 0; k < comp->nspecies; k++) left[k] -= need[k];
  return m->n;
}

/* Keeps the centre and its nearest neighbours, at most `most` atoms (a
 * cell of few atoms takes part of a polyhedron: Ar8's fcc motif is the
 * centre and 4 of its 12 neighbours). */
static void trim_motif(motif *m, int most) {
  for (int i = 2; i < m->n; i++) /* insertion sort by distance */
    for (int j = i; j > 1; j--) {
      double rj = m->r[j][0] * m->r[j][0] + m->r[j][1] * m->r[j][1] +
                  m->r[j][2] * m->r[j][2],
             rk = m->r[j - 1][0] * m->r[j - 1][0] +
                  m->r[j - 1][1] * m->r[j - 1][1] +
                  m->r[j - 1][2] * m->r[j - 1][2];
      if (rk <= rj) break;
      int z = m->z[j];
      double r[3];
      memcpy(r, m->r[j], sizeof r);
      m->z[j] = m->z[j - 1];
      memcpy(m->r[j], m->r[j - 1], sizeof r);
      m->z[j - 1] = z;
      memcpy(m->r[j - 1], r, sizeof r);
    }
  if (m->n > most) m->n = most;
}

nacre_status op_motif(const nacre_structure *a, const nacre_composition *comp,
                      const nacre_random_options *o, nacre_rng *rng,
                      nacre_structure **out, char *op, nacre_error *err) {
  *out = NULL;
  int n = nacre_composition_natoms(comp);
  if (a->natoms < 2 || !(a->pbc[0] && a->pbc[1] && a->pbc[2]))
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "motif: needs a periodic minimum of 2 atoms or more");
  motif m;
  cut_motif(a, nacre_rng_int(rng, a->natoms), &m);
  trim_motif(&m, n / 2 + 1);
  nacre_structure *s = nacre_structure_new(n, err);
  if (!s) return NACRE_ERR_NOMEM;
  s->pbc[0] = s->pbc[1] = s->pbc[2] = 1;
  /* the minimum's density, as it relaxed at the run's pressure */
  double v = fabs(nacre_structure_volume(a)) / a->natoms * n;
  if (!random_cell(v, rng, s->cell)) {
    nacre_structure_free(s);
    return nacre_error_set(err, NACRE_ERR_NOT_CONVERGED, "motif: no cell");
  }
  double r3 = 0;
  for (int k = 0; k < comp->nspecies; k++) {
    double r = nacre_covalent_radius(comp->z[k]);
    r3 += comp->count[k] * r * r * r;
  }
  double scale = r3 > 0 ? cbrt(v / (4.0 * sqrt(2.0) * r3)) : 1.0;
  int left[NACRE_MAX_SPECIES], filled = 0, copies = 0;
  for (int k = 0; k < comp->nspecies; k++) left[k] = comp->count[k];
  /* copies of the motif, up to half of the atoms, each tried at 50 places */
  for (int fails = 0; fails < 50 && filled + m.n <= (n + 1) / 2 + m.n / 2;) {
    double rot[3][3], f[3], c[3];
    random_rotation(rng, rot);
    for (int k = 0; k < 3; k++) f[k] = nacre_rng_uniform(rng);
    nacre_cell_frac_to_cart(s->cell, f, c);
    int placed = place_motif(s, filled, &m, rot, c, comp, left, o, scale);
    if (placed) {
      filled += placed;
      copies++;
      fails = 0;
    } else {
      fails++;
    }
  }
  /* the rest at random places */
  for (int k = 0; k < comp->nspecies; k++)
    for (; left[k] > 0; left[k]--) {
      int ok = 0;
      for (int t = 0; t < 500 && !ok; t++) {
        double f[3] = {nacre_rng_uniform(rng), nacre_rng_uniform(rng),
                       nacre_rng_uniform(rng)},
               x[3];
        nacre_cell_frac_to_cart(s->cell, f, x);
        if ((ok = place_ok(s, filled, comp->z[k], x, o, scale))) {
          s->numbers[filled] = comp->z[k];
          memcpy(s->positions + 3 * filled++, x, sizeof x);
        }
      }
      if (!ok) {
        nacre_structure_free(s);
        return nacre_error_set(err, NACRE_ERR_NOT_CONVERGED,
                               "motif: no room for the remaining atoms");
      }
    }
  if (!copies) {
    nacre_structure_free(s);
    return nacre_error_set(err, NACRE_ERR_NOT_CONVERGED,
                           "motif: no copy of the %d-atom motif fits", m.n);
  }
  nacre_structure_wrap(s);
  snprintf(op, 24, "motif:%dx%d", copies, m.n);
  *out = s;
  return NACRE_OK;
}
