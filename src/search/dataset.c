/* dataset.c — reproducible starting structures for a high-pressure sodium
 * data set: crystal prototypes (bcc, fcc, hcp; the 9R and dhcp stackings
 * and the cubic fcc cell of 3–4 atoms; 8-atom supercells, cI16, oP8) and
 * random symmetric crystals at a volume taken from an
 * equation of state, then strained and rattled. Structure k depends only
 * on (seed, k), so a data set can be regenerated or extended without
 * changing the structures already labelled. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nacre/search.h"

/* Vinet equation of state, P(V) = 3 B0 (1 − x) / x² · exp(1.5 (B0' − 1)
 * (1 − x)), x = (V/V0)^(1/3) (Vinet et al., J. Phys. C 19, L467 (1986)). */
double nacre_vinet_pressure(double v, double v0, double b0, double b0p) {
  double x = cbrt(v / v0);
  return 3 * b0 * (1 - x) / (x * x) * exp(1.5 * (b0p - 1) * (1 - x));
}

double nacre_vinet_volume(double p, double v0, double b0, double b0p) {
  if (p <= 0) return v0;
  double lo = 0.05 * v0, hi = v0; /* P(0.05 V0) is far above any use */
  for (int it = 0; it < 100; it++) {
    double mid = 0.5 * (lo + hi);
    if (nacre_vinet_pressure(mid, v0, b0, b0p) > p) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

void nacre_na_hp_options_init(nacre_na_hp_options *o) {
  o->min_atoms = 1;
  o->max_atoms = 8;
  o->p_min_gpa = 0;
  o->p_max_gpa = 150;
  /* V0: PBE (PAW, JTH) bcc Na gives −0.12 GPa at 37.85 Å^3/atom (the
   * convergence study of data/na-hp). B0, B0' fitted to the pressures of
   * the first 101 labelled cells of that set (2.6–210 GPa, rms 1.6 GPa);
   * with no data below 2.6 GPa the fitted B0 (4.35 GPa) is below the
   * true one, so the curve is meant for 5–200 GPa. */
  o->v0 = 37.7;
  o->b0 = 4.35;
  o->b0p = 5.47;
}

/* A kind is drawn uniformly among those whose cell fits the atom-count
 * window, in this order: a kind added later must not change the draws of
 * a window that already had data (new kinds so far have 3–4 atoms, which
 * the 1–2 and 8-atom windows of data/na-hp exclude). */
enum {
  KIND_BCC, KIND_FCC, KIND_HCP, KIND_BCC8, KIND_FCC8, KIND_HCP8, KIND_CI16,
  KIND_OP8, KIND_9R, KIND_DHCP, KIND_FCC4, KIND_RANDOM, NKIND
};
static const char *const kind_names[NKIND] = {
    "bcc", "fcc", "hcp", "bcc-2x2x2", "fcc-2x2x2", "hcp-2x2x1",
    "cI16", "oP8", "9R", "dhcp", "fcc-cubic", "random"};
/* atoms per cell; the random kind takes any count from 1 to 8 */
static const int kind_atoms[NKIND] = {1, 1, 2, 8, 8, 8, 8, 8, 3, 4, 4, 0};
enum { RANDOM_MAX_ATOMS = 8 };

/* Length of the shortest lattice vector, Å: combinations with |n_i| ≤ 2 of
 * the Niggli-reduced vectors (exact for a reduced cell). */
static double shortest_vector(const double cell_in[3][3]) {
  double cell[3][3];
  int m[3][3];
  if (nacre_cell_niggli(cell_in, 1e-8, cell, m))
    memcpy(cell, cell_in, sizeof cell);
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

static nacre_structure *prototype(int kind, double v, nacre_rng *rng,
                                  int min_atoms, int max_atoms,
                                  nacre_error *err);

/* The 1- or 2-atom prototype `base` at volume v repeated diag(n) times. */
static nacre_structure *repeated(int base, const int n[3], double v,
                                 nacre_rng *rng, nacre_error *err) {
  nacre_structure *p = prototype(base, v, rng, 1, 2, err);
  if (!p) return NULL;
  int m[3][3] = {{n[0], 0, 0}, {0, n[1], 0}, {0, 0, n[2]}};
  nacre_structure *s = NULL;
  nacre_structure_supercell(p, m, &s, err);
  nacre_structure_free(p);
  return s;
}

/* A random symmetric crystal (any of the 230 groups that can hold it) of
 * min..max atoms at v Å^3/atom, atoms dmin Å apart. */
static nacre_structure *random_symmetric(double v, double dmin,
                                         nacre_rng *rng, int min_atoms,
                                         int max_atoms, nacre_error *err) {
  int lo = min_atoms, hi = max_atoms < RANDOM_MAX_ATOMS ? max_atoms
                                                        : RANDOM_MAX_ATOMS;
  nacre_composition c = {.nspecies = 1, .z = {11}};
  c.count[0] = lo + nacre_rng_int(rng, hi - lo + 1);
  nacre_random_options o;
  nacre_random_options_init(&o);
  o.volume_per_atom = v;
  o.volume_spread = 0;
  /* the group only shapes the draw; 4 in 5 are distorted anyway */
  o.verify_symmetry = 0;
  if (nacre_random_options_set_distance(&o, 11, 11, dmin, err)) return NULL;
  nacre_structure *s = NULL;
  if (nacre_random_crystal_any(NULL, 0, &c, &o, rng, &s, NULL, err))
    return NULL;
  return s;
}

/* Prototype cell with volume v Å^3 per atom. */
static nacre_structure *prototype(int kind, double v, nacre_rng *rng,
                                  int min_atoms, int max_atoms,
                                  nacre_error *err) {
  double cell[3][3] = {{0}};
  double frac[16][3] = {{0}};
  switch (kind) {
  case KIND_BCC8:
    return repeated(KIND_BCC, (const int[3]){2, 2, 2}, v, rng, err);
  case KIND_FCC8:
    return repeated(KIND_FCC, (const int[3]){2, 2, 2}, v, rng, err);
  case KIND_HCP8:
    return repeated(KIND_HCP, (const int[3]){2, 2, 1}, v, rng, err);
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
  case KIND_FCC4: { /* conventional cube, a³ = 4v */
    double a = cbrt(4 * v);
    cell[0][0] = cell[1][1] = cell[2][2] = a;
    double f[4][3] = {{0, 0, 0}, {0, .5, .5}, {.5, 0, .5}, {.5, .5, 0}};
    return from_frac(4, cell, (const double(*)[3])f, err);
  }
  case KIND_DHCP: {
    /* La type, P6_3/mmc, stacking ABAC: 2a (0,0,0), (0,0,1/2) and 2c
     * (1/3,2/3,1/4), (2/3,1/3,3/4); ideal c = 4 √(2/3) a */
    double ca = 4 * sqrt(2.0 / 3.0);
    double a = cbrt(4 * v / (0.5 * sqrt(3.0) * ca));
    cell[0][0] = a;
    cell[1][0] = -0.5 * a, cell[1][1] = 0.5 * sqrt(3.0) * a;
    cell[2][2] = ca * a;
    double f[4][3] = {{0, 0, 0}, {0, 0, .5}, {1.0 / 3, 2.0 / 3, .25},
                      {2.0 / 3, 1.0 / 3, .75}};
    return from_frac(4, cell, (const double(*)[3])f, err);
  }
  case KIND_9R: {
    /* Sm type, R-3m, stacking ABABCBCAC (the 9R stacking of Na and Li at
     * low temperature): hexagonal 3a (0,0,0) and 6c (0,0,±2/9), ideal
     * c = 9 √(2/3) a, in a primitive cell of 3 atoms. Its vectors are the
     * two hexagonal ones and the centring (2/3,1/3,1/3), not the three
     * rhombohedral ones: those are 22° apart, and a k-spacing grid on
     * them has 2.7× the k-points of this near-reduced cell. */
    double ca = 9 * sqrt(2.0 / 3.0);
    double a = cbrt(9 * v / (0.5 * sqrt(3.0) * ca));
    double hex[3][3] = {{a, 0, 0}, {-0.5 * a, 0.5 * sqrt(3.0) * a, 0},
                        {0, 0, ca * a}};
    double prim[3][3] = {{1, 0, 0}, {0, 1, 0}, {2.0 / 3, 1.0 / 3, 1.0 / 3}};
    nacre_mat3_mul(prim, hex, cell);
    nacre_structure *s = nacre_structure_new(3, err);
    if (!s) return NULL;
    memcpy(s->cell, cell, sizeof cell);
    const double z[3] = {0, 2.0 / 9, -2.0 / 9};
    for (int i = 0; i < 3; i++) {
      s->numbers[i] = 11;
      s->positions[3 * i] = s->positions[3 * i + 1] = 0;
      s->positions[3 * i + 2] = z[i] * ca * a;
    }
    nacre_structure_wrap(s);
    return s;
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
  default: {
    double dmin = 0.8 * 0.5 * sqrt(3.0) * cbrt(2 * v); /* 0.8 × bcc d_nn */
    if (dmin < 1.8) dmin = 1.8; /* Na PAW spheres (0.85 Å) must not overlap */
    return random_symmetric(v, dmin, rng, min_atoms, max_atoms, err);
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

nacre_status nacre_dataset_na_hp(uint64_t seed, int count,
                                 const nacre_na_hp_options *o,
                                 nacre_structure ***out, const char ***kinds,
                                 double **pressures_gpa, nacre_error *err) {
  *out = NULL;
  if (kinds) *kinds = NULL;
  if (pressures_gpa) *pressures_gpa = NULL;
  if (count < 0 || o->min_atoms < 1 || o->max_atoms < o->min_atoms ||
      o->p_max_gpa < o->p_min_gpa || o->p_min_gpa < 0 || !(o->v0 > 0) ||
      !(o->b0 > 0) || !(o->b0p > 1))
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "bad generator settings (count %d, atoms %d..%d, "
                           "pressures %g..%g GPa, EOS V0 %g B0 %g B0' %g)",
                           count, o->min_atoms, o->max_atoms, o->p_min_gpa,
                           o->p_max_gpa, o->v0, o->b0, o->b0p);
  int allowed[NKIND], nallowed = 0;
  for (int k = 0; k < NKIND; k++) {
    int fits = kind_atoms[k] ? kind_atoms[k] >= o->min_atoms &&
                                   kind_atoms[k] <= o->max_atoms
                             : o->min_atoms <= RANDOM_MAX_ATOMS;
    if (fits) allowed[nallowed++] = k;
  }
  if (!nallowed)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "no structure kind has %d..%d atoms (prototypes "
                           "have 1, 2, 3, 4 or 8, random cells 1..%d)",
                           o->min_atoms, o->max_atoms, RANDOM_MAX_ATOMS);
  size_t alloc = (size_t)(count ? count : 1);
  nacre_structure **list = calloc(alloc, sizeof *list);
  const char **names = calloc(alloc, sizeof *names);
  double *press = calloc(alloc, sizeof *press);
  nacre_status st = list && names && press
                        ? NACRE_OK
                        : nacre_error_set(err, NACRE_ERR_NOMEM, "structures");
  for (int k = 0; k < count && !st; k++) {
    nacre_rng rng;
    nacre_rng_init(&rng, seed, (uint64_t)k);
    int kind = allowed[nacre_rng_int(&rng, nallowed)];
    double p = o->p_min_gpa + (o->p_max_gpa - o->p_min_gpa) *
                                  nacre_rng_uniform(&rng);
    double v = nacre_vinet_volume(p, o->v0, o->b0, o->b0p);
    /* one in five stays ideal; the others get up to ±6 % strain and up to
     * 0.1 Å rattle; a distortion that squeezes atoms below 1.8 Å (PAW
     * sphere overlap) is drawn again */
    int ideal = nacre_rng_uniform(&rng) < 0.2;
    double amp = ideal ? 0 : 0.06 * nacre_rng_uniform(&rng);
    double sigma = ideal ? 0 : 0.1 * nacre_rng_uniform(&rng);
    nacre_structure *s = NULL;
    for (int attempt = 0; attempt < 100 && !s; attempt++) {
      s = prototype(kind, v, &rng, o->min_atoms, o->max_atoms, err);
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
