/* builders.c — test structure builders. */
#include "builders.h"

#include <stdlib.h>

#include "nacre/sym.h"

#include <math.h>
#include <string.h>

nacre_structure *build_bulk(const char *kind, int z, double a, const int n[3]) {
  static const double sc[][3] = {{0, 0, 0}};
  static const double bcc[][3] = {{0, 0, 0}, {0.5, 0.5, 0.5}};
  static const double fcc[][3] = {
      {0, 0, 0}, {0, 0.5, 0.5}, {0.5, 0, 0.5}, {0.5, 0.5, 0}};
  static const double dia[][3] = {
      {0, 0, 0},          {0, 0.5, 0.5},      {0.5, 0, 0.5},
      {0.5, 0.5, 0},      {0.25, 0.25, 0.25}, {0.25, 0.75, 0.75},
      {0.75, 0.25, 0.75}, {0.75, 0.75, 0.25}};
  static const double hcp[][3] = {{1.0 / 3, 2.0 / 3, 0.25},
                                  {2.0 / 3, 1.0 / 3, 0.75}};
  const double(*basis)[3];
  int nb;
  double cell[3][3] = {{a, 0, 0}, {0, a, 0}, {0, 0, a}};
  if (!strcmp(kind, "sc")) { basis = sc; nb = 1; }
  else if (!strcmp(kind, "bcc")) { basis = bcc; nb = 2; }
  else if (!strcmp(kind, "fcc")) { basis = fcc; nb = 4; }
  else if (!strcmp(kind, "diamond")) { basis = dia; nb = 8; }
  else if (!strcmp(kind, "hcp")) {
    basis = hcp;
    nb = 2;
    double c = a * sqrt(8.0 / 3.0);
    double h[3][3] = {{a, 0, 0}, {-0.5 * a, 0.5 * sqrt(3.0) * a, 0}, {0, 0, c}};
    memcpy(cell, h, sizeof cell);
  } else return NULL;
  nacre_structure *u = nacre_structure_new(nb, NULL);
  if (!u) return NULL;
  memcpy(u->cell, cell, sizeof cell);
  for (int i = 0; i < nb; i++) {
    u->numbers[i] = z;
    nacre_cell_frac_to_cart(cell, basis[i], &u->positions[3 * i]);
  }
  int m[3][3] = {{n[0], 0, 0}, {0, n[1], 0}, {0, 0, n[2]}};
  nacre_structure *s = NULL;
  nacre_structure_supercell(u, m, &s, NULL);
  nacre_structure_free(u);
  return s;
}

void build_rattle(nacre_structure *s, double sigma, uint64_t seed) {
  nacre_rng rng;
  nacre_rng_init(&rng, seed, 0);
  for (int i = 0; i < 3 * s->natoms; i++)
    s->positions[i] += sigma * nacre_rng_normal(&rng);
}

void build_strain(nacre_structure *s, const double eps[6]) {
  double f[3][3];
  nacre_mat3_from_voigt(eps, f);
  for (int k = 0; k < 3; k++) f[k][k] += 1.0;
  nacre_mat3_mul(s->cell, f, s->cell);
  for (int i = 0; i < s->natoms; i++) {
    double x[3] = {s->positions[3 * i], s->positions[3 * i + 1],
                   s->positions[3 * i + 2]};
    for (int c = 0; c < 3; c++)
      s->positions[3 * i + c] = x[0] * f[0][c] + x[1] * f[1][c] + x[2] * f[2][c];
  }
}

void build_random_rotation(double rot[3][3], uint64_t seed) {
  nacre_rng rng;
  nacre_rng_init(&rng, seed, 1);
  /* Uniform rotation from a random unit quaternion (Shoemake 1992). */
  double u1 = nacre_rng_uniform(&rng), u2 = nacre_rng_uniform(&rng),
         u3 = nacre_rng_uniform(&rng);
  double q0 = sqrt(1 - u1) * sin(2 * NACRE_PI * u2),
         q1 = sqrt(1 - u1) * cos(2 * NACRE_PI * u2),
         q2 = sqrt(u1) * sin(2 * NACRE_PI * u3),
         q3 = sqrt(u1) * cos(2 * NACRE_PI * u3);
  double w = q3, x = q0, y = q1, z = q2;
  rot[0][0] = 1 - 2 * (y * y + z * z);
  rot[0][1] = 2 * (x * y - z * w);
  rot[0][2] = 2 * (x * z + y * w);
  rot[1][0] = 2 * (x * y + z * w);
  rot[1][1] = 1 - 2 * (x * x + z * z);
  rot[1][2] = 2 * (y * z - x * w);
  rot[2][0] = 2 * (x * z - y * w);
  rot[2][1] = 2 * (y * z + x * w);
  rot[2][2] = 1 - 2 * (x * x + y * y);
}

void build_rotate(nacre_structure *s, const double rot[3][3]) {
  double rt[3][3];
  nacre_mat3_transpose(rot, rt);
  nacre_mat3_mul(s->cell, rt, s->cell);
  for (int i = 0; i < s->natoms; i++) {
    double x[3] = {s->positions[3 * i], s->positions[3 * i + 1],
                   s->positions[3 * i + 2]};
    for (int c = 0; c < 3; c++)
      s->positions[3 * i + c] = x[0] * rt[0][c] + x[1] * rt[1][c] + x[2] * rt[2][c];
  }
}

nacre_structure *build_from_sites(int hall, const double abc[3],
                                  const double angles_deg[3], int nsites,
                                  const int *z, const double (*frac)[3]) {
  int(*rot)[3][3] = malloc(NACRE_SG_MAX_OPS * sizeof *rot);
  double(*trans)[3] = malloc(NACRE_SG_MAX_OPS * sizeof *trans);
  int cap = nsites * NACRE_SG_MAX_OPS, n = 0, nops = 0;
  double *pos = malloc(3 * (size_t)cap * sizeof *pos);
  int *num = malloc((size_t)cap * sizeof *num);
  nacre_structure *s = NULL;
  if (!rot || !trans || !pos || !num ||
      nacre_sg_operations(hall, rot, trans, &nops, NULL))
    goto done;
  for (int k = 0; k < nsites; k++)
    for (int o = 0; o < nops; o++) {
      double y[3];
      for (int a = 0; a < 3; a++) {
        y[a] = trans[o][a];
        for (int b = 0; b < 3; b++) y[a] += rot[o][a][b] * frac[k][b];
        y[a] -= floor(y[a]);
        if (y[a] > 1.0 - 1e-9) y[a] = 0.0;
      }
      int dup = 0;
      for (int m = 0; m < n && !dup; m++) {
        dup = 1;
        for (int a = 0; a < 3; a++) {
          double d = y[a] - pos[3 * m + a];
          if (fabs(d - round(d)) > 1e-6) dup = 0;
        }
      }
      if (dup) continue;
      memcpy(&pos[3 * n], y, sizeof y);
      num[n++] = z[k];
    }
  s = nacre_structure_new(n, NULL);
  if (!s) goto done;
  if (nacre_cell_from_lengths_angles(abc, angles_deg, s->cell)) {
    nacre_structure_free(s);
    s = NULL;
    goto done;
  }
  memcpy(s->numbers, num, (size_t)n * sizeof *num);
  nacre_structure_set_frac(s, pos);
done:
  free(rot);
  free(trans);
  free(pos);
  free(num);
  return s;
}

nacre_structure *build_d03_li3sn(void) {
  static const double fc[4][3] = {{0, 0, 0}, {0, .5, .5}, {.5, 0, .5},
                                  {.5, .5, 0}};
  static const double shift[4] = {0.0, 0.5, 0.25, 0.75};
  nacre_structure *s = nacre_structure_new(16, NULL);
  double frac[48];
  for (int w = 0, k = 0; w < 4; w++)
    for (int p = 0; p < 4; p++, k++) {
      for (int x = 0; x < 3; x++) frac[3 * k + x] = fmod(fc[p][x] + shift[w], 1);
      s->numbers[k] = w == 0 ? 50 : 3;
    }
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) s->cell[i][j] = i == j ? 6.6 : 0;
  nacre_structure_set_frac(s, frac);
  return s;
}
