/* gen.c — reproducible starting structures for a high-pressure sodium data
 * set: crystal prototypes (bcc, fcc, hcp, cI16, oP8) and random cells at a
 * volume taken from an equation of state, then strained and rattled.
 * Structure k depends only on (seed, k), so a data set can be regenerated
 * or extended without changing the structures already labelled. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "label_internal.h"

/* Vinet equation of state, P(V) = 3 B0 (1 − x) / x² · exp(1.5 (B0' − 1)
 * (1 − x)), x = (V/V0)^(1/3) (Vinet et al., J. Phys. C 19, L467 (1986)).
 * V0 and B0 are near PBE bcc Na (37 Å^3, 7.4 GPa); B0' = 4.3 makes V = 14
 * Å^3/atom give 46.2 GPa, as the PAW PBE labels here (46.5 GPa). It only
 * sets starting volumes: labels carry the computed stress. */
static double na_vinet_p(double v) {
  const double v0 = 37.0, b0 = 7.4, bp = 4.3;
  double x = cbrt(v / v0);
  return 3 * b0 * (1 - x) / (x * x) * exp(1.5 * (bp - 1) * (1 - x));
}

double nacre_label_na_volume(double p_gpa) {
  double lo = 4.0, hi = 37.0; /* P(lo) > 1000 GPa, P(hi) = 0 */
  if (p_gpa <= 0) return 37.0;
  for (int it = 0; it < 100; it++) {
    double mid = 0.5 * (lo + hi);
    if (na_vinet_p(mid) > p_gpa) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

enum { KIND_BCC, KIND_FCC, KIND_HCP, KIND_CI16, KIND_OP8, KIND_RANDOM, NKIND };
static const char *const kind_names[NKIND] = {"bcc", "fcc", "hcp",
                                              "cI16", "oP8", "random"};
static const int kind_atoms[NKIND] = {1, 1, 2, 8, 8, 1};

/* Length of the shortest lattice vector (|n_i| ≤ 2 suffices for the
 * moderately skewed cells made here), Å. */
static double shortest_vector(const double cell[3][3]) {
  double best = INFINITY;
  for (int i = -2; i <= 2; i++)
    for (int j = -2; j <= 2; j++)
      for (int k = -2; k <= 2; k++) {
        if (!i && !j && !k) continue;
        double v[3];
        for (int c = 0; c < 3; c++)
          v[c] = i * cell[0][c] + j * cell[1][c] + k * cell[2][c];
        best = fmin(best, sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]));
      }
  return best;
}

static nacre_structure *from_frac(int natoms, const double cell[3][3],
                                  const double (*frac)[3], nacre_error *err) {
  nacre_structure *s = nacre_structure_new(natoms, err);
  if (!s) return NULL;
  memcpy(s->cell, cell, sizeof s->cell);
  for (int i = 0; i < natoms; i++) {
    s->numbers[i] = 11;
    nacre_cell_frac_to_cart(cell, frac[i], s->positions + 3 * i);
  }
  return s;
}

/* Prototype cell with volume v Å^3 per atom. */
static nacre_structure *prototype(int kind, double v, nacre_rng *rng,
                                  int max_atoms, nacre_error *err) {
  double cell[3][3] = {{0}};
  double frac[16][3] = {{0}};
  switch (kind) {
  case KIND_BCC: { /* primitive, conventional a³ = 2v */
    double a = cbrt(2 * v);
    double rows[3][3] = {{-1, 1, 1}, {1, -1, 1}, {1, 1, -1}};
    for (int i = 0; i < 3; i++)
      for (int j = 0; j < 3; j++) cell[i][j] = 0.5 * a * rows[i][j];
    return from_frac(1, cell, frac, err);
  }
  case KIND_FCC: { /* primitive, a³ = 4v */
    double a = cbrt(4 * v);
    double rows[3][3] = {{0, 1, 1}, {1, 0, 1}, {1, 1, 0}};
    for (int i = 0; i < 3; i++)
      for (int j = 0; j < 3; j++) cell[i][j] = 0.5 * a * rows[i][j];
    return from_frac(1, cell, frac, err);
  }
  case KIND_HCP: { /* ideal c/a = sqrt(8/3), (√3/2) a² c = 2v */
    double ca = sqrt(8.0 / 3.0);
    double a = cbrt(2 * v / (0.5 * sqrt(3.0) * ca));
    cell[0][0] = a;
    cell[1][0] = -0.5 * a, cell[1][1] = 0.5 * sqrt(3.0) * a;
    cell[2][2] = ca * a;
    double f[2][3] = {{1.0 / 3, 2.0 / 3, 0.25}, {2.0 / 3, 1.0 / 3, 0.75}};
    return from_frac(2, cell, (const double(*)[3])f, err);
  }
  case KIND_CI16: {
    /* I-43d 16c (x,x,x), x ≈ 0.045 (cI16 Na/Li, McMahon et al., PNAS 104,
     * 17297 (2007)); the primitive bcc cell holds 8 atoms. Orbit checked
     * with spglib: space group 220. */
    double x = 0.045;
    double orbit[8][3] = {{x, x, x},
                          {-x + .5, -x, x + .5},
                          {-x, x + .5, -x + .5},
                          {x + .5, -x + .5, -x},
                          {x + .25, x + .25, x + .25},
                          {-x + .25, -x + .75, x + .75},
                          {-x + .75, x + .75, -x + .25},
                          {x + .75, -x + .25, -x + .75}};
    double a = cbrt(16 * v);
    double prim[3][3] = {{-1, 1, 1}, {1, -1, 1}, {1, 1, -1}};
    for (int i = 0; i < 3; i++)
      for (int j = 0; j < 3; j++) cell[i][j] = 0.5 * a * prim[i][j];
    nacre_structure *s = nacre_structure_new(8, err);
    if (!s) return NULL;
    memcpy(s->cell, cell, sizeof cell);
    for (int i = 0; i < 8; i++) {
      s->numbers[i] = 11;
      for (int k = 0; k < 3; k++) s->positions[3 * i + k] = a * orbit[i][k];
    }
    nacre_structure_wrap(s);
    return s;
  }
  case KIND_OP8: {
    /* Pnma 4c (x, 1/4, z) twice, MnP-type proportions (a:b:c = 5.26 :
     * 3.17 : 5.92, Mn 0.005 0.197, P 0.188 0.569): an oP8-like start, to be
     * relaxed or labelled as is. */
    double ra = 5.26, rb = 3.17, rc = 5.92;
    double scale = cbrt(8 * v / (ra * rb * rc));
    cell[0][0] = ra * scale, cell[1][1] = rb * scale, cell[2][2] = rc * scale;
    double xz[2][2] = {{0.005, 0.197}, {0.188, 0.569}};
    double f[8][3];
    for (int t = 0; t < 2; t++) {
      double x0 = xz[t][0], z0 = xz[t][1];
      double ops[4][3] = {{x0, 0.25, z0},
                          {-x0 + .5, 0.75, z0 + .5},
                          {-x0, 0.75, -z0},
                          {x0 + .5, 0.25, -z0 + .5}};
      memcpy(f[4 * t], ops, sizeof ops);
    }
    nacre_structure *s = from_frac(8, cell, (const double(*)[3])f, err);
    if (s) nacre_structure_wrap(s);
    return s;
  }
  default: { /* random cell: 1..min(max_atoms, 4) atoms, angles 60–120° */
    int cap = max_atoms < 4 ? max_atoms : 4;
    int n = 1 + nacre_rng_int(rng, cap > 0 ? cap : 1);
    double dmin = 0.8 * 0.5 * sqrt(3.0) * cbrt(2 * v); /* 0.8 × bcc d_nn */
    if (dmin < 1.8) dmin = 1.8; /* Na PAW spheres (0.85 Å) must not overlap */
    for (int attempt = 0; attempt < 1000; attempt++) {
      double abc[3], ang[3];
      for (int k = 0; k < 3; k++) {
        abc[k] = 0.7 + 0.6 * nacre_rng_uniform(rng);
        ang[k] = 60 + 60 * nacre_rng_uniform(rng);
      }
      if (nacre_cell_from_lengths_angles(abc, ang, cell)) continue;
      double vol = fabs(nacre_cell_volume(cell));
      if (!(vol > 0.3 * abc[0] * abc[1] * abc[2])) continue; /* too flat */
      double f3 = cbrt(n * v / vol);
      for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) cell[i][j] *= f3;
      if (shortest_vector(cell) < dmin) continue;
      /* sequential insertion: each atom gets 200 tries to sit dmin away
       * from the ones already placed (and from its own images) */
      nacre_structure *s = from_frac(n, cell, (const double(*)[3])frac, err);
      if (!s) return NULL;
      int ok = 1;
      int pbc[3] = {1, 1, 1};
      for (int i = 1; i < n && ok; i++) {
        ok = 0;
        for (int t = 0; t < 200 && !ok; t++) {
          double f[3];
          for (int k = 0; k < 3; k++) f[k] = nacre_rng_uniform(rng);
          nacre_cell_frac_to_cart(cell, f, s->positions + 3 * i);
          ok = 1;
          for (int j = 0; j < i && ok; j++) {
            double d[3];
            for (int k = 0; k < 3; k++)
              d[k] = s->positions[3 * j + k] - s->positions[3 * i + k];
            nacre_cell_minimum_image(s->cell, pbc, d);
            ok = sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]) >= dmin;
          }
        }
      }
      if (ok) return s;
      nacre_structure_free(s);
    }
    nacre_error_set(err, NACRE_ERR_NUMERIC,
                    "no random cell found at %.2f Å^3/atom", v);
    return NULL;
  }
  }
}

/* Symmetric strain ε with |ε_ij| ≤ amp (cell and positions: r' = r(1+ε))
 * and a Gaussian rattle of σ Å. */
static void distort(nacre_structure *s, nacre_rng *rng, double amp,
                    double sigma) {
  double e[3][3];
  for (int i = 0; i < 3; i++)
    for (int j = i; j < 3; j++)
      e[i][j] = e[j][i] = amp * (2 * nacre_rng_uniform(rng) - 1);
  double f[3][3];
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) f[i][j] = (i == j) + e[i][j];
  double cell[3][3];
  nacre_mat3_mul(s->cell, f, cell);
  memcpy(s->cell, cell, sizeof cell);
  for (int a = 0; a < s->natoms; a++) {
    double *x = s->positions + 3 * a, y[3];
    for (int j = 0; j < 3; j++)
      y[j] = x[0] * f[0][j] + x[1] * f[1][j] + x[2] * f[2][j];
    for (int j = 0; j < 3; j++) x[j] = y[j] + sigma * nacre_rng_normal(rng);
  }
  nacre_structure_wrap(s);
}

static double min_distance(const nacre_structure *s) {
  int pbc[3] = {1, 1, 1};
  double best = shortest_vector(s->cell); /* an atom and its images */
  for (int i = 0; i < s->natoms; i++)
    for (int j = i + 1; j < s->natoms; j++) {
      double d[3];
      for (int k = 0; k < 3; k++)
        d[k] = s->positions[3 * j + k] - s->positions[3 * i + k];
      nacre_cell_minimum_image(s->cell, pbc, d);
      best = fmin(best, sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]));
    }
  return best;
}

nacre_status nacre_label_gen_na(uint64_t seed, int count, int max_atoms,
                                double p_min_gpa, double p_max_gpa,
                                nacre_structure ***out, const char ***kinds,
                                double **pressures_gpa, nacre_error *err) {
  *out = NULL;
  if (kinds) *kinds = NULL;
  if (pressures_gpa) *pressures_gpa = NULL;
  if (count < 0 || max_atoms < 1 || p_max_gpa < p_min_gpa || p_min_gpa < 0)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "bad generator settings (count %d, max atoms %d, "
                           "pressures %g..%g GPa)",
                           count, max_atoms, p_min_gpa, p_max_gpa);
  int allowed[NKIND], nallowed = 0;
  for (int k = 0; k < NKIND; k++)
    if (kind_atoms[k] <= max_atoms) allowed[nallowed++] = k;
  nacre_structure **list = calloc((size_t)(count ? count : 1), sizeof *list);
  const char **names = calloc((size_t)(count ? count : 1), sizeof *names);
  double *press = calloc((size_t)(count ? count : 1), sizeof *press);
  nacre_status st = list && names && press ? NACRE_OK
                                           : nacre_error_set(err, NACRE_ERR_NOMEM, "structures");
  for (int k = 0; k < count && !st; k++) {
    nacre_rng rng;
    nacre_rng_init(&rng, seed, (uint64_t)k);
    int kind = allowed[nacre_rng_int(&rng, nallowed)];
    double p = p_min_gpa + (p_max_gpa - p_min_gpa) * nacre_rng_uniform(&rng);
    double v = nacre_label_na_volume(p);
    /* one in five stays ideal; the others get up to ±6 % strain and up to
     * 0.1 Å rattle; a distortion that squeezes atoms below 1.8 Å (PAW
     * sphere overlap) is drawn again */
    int ideal = nacre_rng_uniform(&rng) < 0.2;
    double amp = ideal ? 0 : 0.06 * nacre_rng_uniform(&rng);
    double sigma = ideal ? 0 : 0.1 * nacre_rng_uniform(&rng);
    nacre_structure *s = NULL;
    for (int attempt = 0; attempt < 100 && !s; attempt++) {
      s = prototype(kind, v, &rng, max_atoms, err);
      if (!s) {
        st = err ? err->status : NACRE_ERR_NUMERIC;
        break;
      }
      distort(s, &rng, amp, sigma);
      if (min_distance(s) < 1.8) {
        nacre_structure_free(s);
        s = NULL;
      }
    }
    if (!s && !st)
      st = nacre_error_set(err, NACRE_ERR_NUMERIC,
                           "structure %d: no distortion kept atoms 1.8 Å apart",
                           k);
    list[k] = s;
    names[k] = kind_names[kind];
    press[k] = p;
  }
  if (st) {
    for (int k = 0; list && k < count; k++) nacre_structure_free(list[k]);
    free(list), free(names), free(press);
    return st;
  }
  *out = list;
  if (kinds) *kinds = names;
  else free(names);
  if (pressures_gpa) *pressures_gpa = press;
  else free(press);
  return NACRE_OK;
}
