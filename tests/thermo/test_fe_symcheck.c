/* test_fe_symcheck.c — whether the mean positions of a crystal's run keep
 * the input's symmetry (src/thermo/fe_symcheck.c): each of the input's
 * space-group operations, found once on the exact input, maps the noisy
 * mean positions onto themselves within their noise.
 *   Operations: fcc (conventional 4-atom cell, 4×4×4), bcc (2-atom, 4×4×4)
 *     and hcp (2-atom, 4×4×3) keep their exact sites (error 0 to 1e-9 Å)
 *     under all 192 + 3, 96 + 3 and 24 + 3 operations (the unit's group and
 *     its lattice translations in the supercell's basis).
 *   Noise: mean positions with Gaussian noise of σ = 0.03 Å per coordinate
 *     (256-atom Lennard-Jones argon at T* = 0.75 shows 0.044 Å after 2000
 *     NVT steps of 5 fs; the check scales with σ), 20 draws of each
 *     crystal, are kept every time; the largest error over its bound stays
 *     below 0.9. spglib read such positions as P1.
 *   Transformations are caught at the same noise: alternate (001) planes
 *     of fcc shifted by ±0.08 Å along x (a displacive distortion with every
 *     atom within 0.1 Å of its site), hcp's two sublattices shifted against
 *     each other by 0.15 Å along c (±0.075 Å; 0.1 Å is at the edge of what
 *     the bound resolves at this noise), one atom of 256 moved 0.6 Å (a
 *     defect), and a liquid (positions uniform in the cell).
 *   Noise that is underestimated fivefold is caught too (what a run whose
 *     sites drift looks like against its half-split noise). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "builders.h"
#include "nacre/sym.h"
#include "testing.h"
#include "thermo/fe_internal.h"

typedef struct crystal {
  fe_phase ph;
  double *frac; /* exact sites, fractional */
  int *species;
} crystal;

static void crystal_make(crystal *c, const char *kind, double a, const int rep[3]) {
  static const int one[3] = {1, 1, 1};
  nacre_error err;
  memset(c, 0, sizeof *c);
  snprintf(c->ph.name, sizeof c->ph.name, "%s", kind);
  c->ph.unit = build_bulk(kind, 18, a, one);
  for (int k = 0; k < 3; k++) c->ph.supercell[k][k] = rep[k];
  CHECK_OK(nacre_structure_supercell(c->ph.unit, c->ph.supercell, &c->ph.cell, &err), &err);
  CHECK_OK(fe_symops_prepare(&c->ph, NACRE_SYMPREC_DEFAULT, &err), &err);
  int n = c->ph.cell->natoms;
  c->frac = malloc(3 * (size_t)n * sizeof *c->frac);
  c->species = calloc((size_t)n, sizeof *c->species);
  CHECK_OK(nacre_structure_get_frac(c->ph.cell, c->frac, &err), &err);
}

static void crystal_free(crystal *c) {
  nacre_structure_free(c->ph.unit);
  nacre_structure_free(c->ph.cell);
  fe_symops_free(&c->ph);
  free(c->frac);
  free(c->species);
}

/* The check of positions frac (fractional) with noise sigma (Å), the
 * means of nblocks blocks of equal weight (NULL: none) and the thermal
 * displacement thermal_a (0: none). */
static fe_symcheck_result run_check_full(const crystal *c, const double *frac, double sigma,
                                         const double *blocks, int nblocks, double thermal_a) {
  fe_symcheck_input in;
  memset(&in, 0, sizeof in);
  in.natoms = c->ph.cell->natoms;
  in.species = c->species;
  in.frac = frac;
  memcpy(in.h, c->ph.cell->cell, sizeof in.h);
  in.sigma2[0] = sigma * sigma;
  in.symprec_a = NACRE_SYMPREC_DEFAULT;
  in.nn_distance_a = 2.5;
  double *w = nblocks ? malloc((size_t)nblocks * sizeof *w) : NULL;
  for (int b = 0; b < nblocks; b++) w[b] = 1.0 / nblocks;
  in.nblocks = nblocks;
  in.block_frac = blocks;
  in.block_weight = w;
  in.thermal_a = thermal_a;
  fe_symcheck_result r;
  fe_symmetry_check(&c->ph, &in, &r);
  free(w);
  return r;
}

static fe_symcheck_result run_check(const crystal *c, const double *frac, double sigma) {
  fe_symcheck_input in;
  memset(&in, 0, sizeof in);
  in.natoms = c->ph.cell->natoms;
  in.species = c->species;
  in.frac = frac;
  memcpy(in.h, c->ph.cell->cell, sizeof in.h);
  in.sigma2[0] = sigma * sigma;
  in.symprec_a = NACRE_SYMPREC_DEFAULT;
  in.nn_distance_a = 2.5;
  fe_symcheck_result r;
  fe_symmetry_check(&c->ph, &in, &r);
  return r;
}

/* Exact sites plus Gaussian noise of sigma Å per Cartesian coordinate. */
static double *noisy(const crystal *c, double sigma, uint64_t seed) {
  int n = c->ph.cell->natoms;
  double *f = malloc(3 * (size_t)n * sizeof *f), recip[3][3];
  nacre_cell_reciprocal(c->ph.cell->cell, recip);
  nacre_rng rng;
  nacre_rng_init(&rng, seed, 0);
  for (int i = 0; i < n; i++) {
    double d[3], df[3];
    for (int k = 0; k < 3; k++) d[k] = sigma * nacre_rng_normal(&rng);
    nacre_cell_cart_to_frac(recip, d, df);
    for (int k = 0; k < 3; k++) f[3 * i + k] = c->frac[3 * i + k] + df[k];
  }
  return f;
}

/* Moves atom i by d (Å, Cartesian). */
static void move(const crystal *c, double *f, int i, const double d[3]) {
  double recip[3][3], df[3];
  nacre_cell_reciprocal(c->ph.cell->cell, recip);
  nacre_cell_cart_to_frac(recip, d, df);
  for (int k = 0; k < 3; k++) f[3 * i + k] += df[k];
}

static void test_exact_and_noise(const char *kind, double a, const int rep[3], int nops) {
  crystal c;
  crystal_make(&c, kind, a, rep);
  CHECK(c.ph.nsymops == nops, "%s: %d operations (expected %d)", kind, c.ph.nsymops, nops);
  fe_symcheck_result r = run_check(&c, c.frac, 0.0);
  CHECK(r.kept, "%s: exact sites keep their symmetry", kind);
  CHECK(r.deviation_a < 1e-9 && r.atom_deviation_a < 1e-9,
        "%s: exact sites map onto themselves (%.2e Å RMS, %.2e Å at worst)", kind,
        r.deviation_a, r.atom_deviation_a);
  double worst = 0.0;
  for (int seed = 1; seed <= 20; seed++) {
    double *f = noisy(&c, 0.03, (uint64_t)seed);
    r = run_check(&c, f, 0.03);
    CHECK(r.kept, "%s, noise draw %d: kept (operation %d: %.4f Å RMS, bound %.4f; "
          "%.4f Å at worst, bound %.4f)", kind, seed, r.worst_op, r.deviation_a,
          r.bound_a, r.atom_deviation_a, r.atom_bound_a);
    worst = fmax(worst, r.excess);
    free(f);
  }
  CHECK(worst < 0.9, "%s: largest error over its bound %.3f (< 0.9)", kind, worst);
  printf("%s: %d atoms, %d operations, largest error/bound over 20 noise draws %.3f\n", kind,
         c.ph.cell->natoms, c.ph.nsymops, worst);
  /* a fivefold underestimate of the noise */
  double *f = noisy(&c, 0.03, 99);
  r = run_check(&c, f, 0.006);
  CHECK(!r.kept, "%s: noise five times its estimate is caught (%.3f of the bound)", kind,
        r.excess);
  free(f);
  crystal_free(&c);
}

static void test_transformations(void) {
  static const int rep[3] = {4, 4, 4}, rep_hcp[3] = {4, 4, 3};
  crystal c;
  crystal_make(&c, "fcc", 5.3, rep);
  int n = c.ph.cell->natoms;
  /* alternate (001) planes ±0.08 Å along x */
  double *f = noisy(&c, 0.03, 7);
  for (int i = 0; i < n; i++) {
    double z = c.ph.cell->positions[3 * i + 2];
    int plane = (int)lround(z / (5.3 / 2));
    double d[3] = {plane % 2 ? 0.08 : -0.08, 0, 0};
    move(&c, f, i, d);
  }
  fe_symcheck_result r = run_check(&c, f, 0.03);
  CHECK(!r.kept, "fcc with shifted planes: caught (%.3f of the bound)", r.excess);
  free(f);
  /* one atom 0.6 Å off its site */
  f = noisy(&c, 0.03, 8);
  double d[3] = {0.6 / sqrt(3), 0.6 / sqrt(3), 0.6 / sqrt(3)};
  move(&c, f, 17, d);
  r = run_check(&c, f, 0.03);
  CHECK(!r.kept, "fcc with one atom moved 0.6 Å: caught (%.3f of the bound)", r.excess);
  free(f);
  /* a liquid: uniform positions */
  f = malloc(3 * (size_t)n * sizeof *f);
  nacre_rng rng;
  nacre_rng_init(&rng, 5, 0);
  for (int k = 0; k < 3 * n; k++) f[k] = nacre_rng_uniform(&rng);
  r = run_check(&c, f, 0.03);
  CHECK(!r.kept, "uniform positions: caught (%.3f of the bound)", r.excess);
  free(f);
  crystal_free(&c);
  /* hcp: the second sublattice 0.1 Å along c */
  crystal_make(&c, "hcp", 3.8, rep_hcp);
  n = c.ph.cell->natoms;
  f = noisy(&c, 0.03, 9);
  for (int i = 0; i < n; i++)
  {
    double x = c.frac[3 * i + 2] * 3;
    double dz[3] = {0, 0, x - floor(x) > 0.5 ? 0.075 : -0.075};
    move(&c, f, i, dz);
  }
  r = run_check(&c, f, 0.03);
  CHECK(!r.kept, "hcp with shifted sublattices: caught (%.3f of the bound)", r.excess);
  free(f);
  crystal_free(&c);
}

/* Thermal displacement: an error beyond the noise bound but within the
 * RMS thermal displacement (one atom: three times it) is inconclusive, one
 * beyond it lost; without a thermal displacement the check is two-way. */
static void test_thermal_verdict(void) {
  static const int rep[3] = {4, 4, 4};
  crystal c;
  crystal_make(&c, "fcc", 5.3, rep);
  int n = c.ph.cell->natoms;
  double *f = noisy(&c, 0.03, 7);
  for (int i = 0; i < n; i++) {
    double z = c.ph.cell->positions[3 * i + 2];
    int plane = (int)lround(z / (5.3 / 2));
    double d[3] = {plane % 2 ? 0.08 : -0.08, 0, 0};
    move(&c, f, i, d);
  }
  fe_symcheck_result r = run_check_full(&c, f, 0.03, NULL, 0, 0.30);
  CHECK(!r.kept && r.inconclusive,
        "shifted planes (±0.08 Å), thermal displacement 0.30 Å: inconclusive (%.4f Å RMS)",
        r.deviation_a);
  r = run_check_full(&c, f, 0.03, NULL, 0, 0.05);
  CHECK(!r.kept && !r.inconclusive,
        "shifted planes, thermal displacement 0.05 Å: lost (%.4f Å RMS)", r.deviation_a);
  r = run_check_full(&c, f, 0.03, NULL, 0, 0.0);
  CHECK(!r.kept && !r.inconclusive, "shifted planes, no thermal displacement given: lost");
  free(f);
  f = noisy(&c, 0.03, 8);
  double d[3] = {0.6 / sqrt(3), 0.6 / sqrt(3), 0.6 / sqrt(3)};
  move(&c, f, 17, d);
  r = run_check_full(&c, f, 0.03, NULL, 0, 0.15);
  CHECK(!r.kept && !r.inconclusive,
        "one atom moved 0.6 Å, thermal displacement 0.15 Å: lost (beyond three of it)");
  free(f);
  f = noisy(&c, 0.03, 3);
  r = run_check_full(&c, f, 0.03, NULL, 0, 0.30);
  CHECK(r.kept && !r.inconclusive, "noise alone with a thermal displacement: kept");
  free(f);
  crystal_free(&c);
}

/* Correlated noise, as a long wave of a short run leaves it: 32 blocks,
 * each the exact sites plus a transverse wave u = a_b sin(2π z/L) x̂ (L the
 * cell's height; a_b of mean 0.04 Å and spread 0.2 Å, the spread of their
 * mean 0.035 Å) plus white noise of 0.005 Å per coordinate in the mean.
 * Against the white noise alone the mirror z → −z finds the whole run's
 * wave (0.057 Å RMS) far beyond its bound; the blocks measure the wave's
 * noise and keep the crystal. Planes shifted by ±0.08 Å in every block
 * are caught all the same. */
static void test_blocked_noise(void) {
  static const int rep[3] = {4, 4, 4};
  enum { NB = 32 };
  crystal c;
  crystal_make(&c, "fcc", 5.3, rep);
  int n = c.ph.cell->natoms;
  size_t n3 = 3 * (size_t)n;
  double recip[3][3], height = 4 * 5.3;
  nacre_cell_reciprocal(c.ph.cell->cell, recip);
  nacre_rng rng;
  nacre_rng_init(&rng, 21, 0);
  double amp[NB], mean_amp = 0.0;
  for (int b = 0; b < NB; b++) mean_amp += (amp[b] = 0.2 * nacre_rng_normal(&rng)) / NB;
  for (int b = 0; b < NB; b++) amp[b] += 0.04 - mean_amp;
  for (int shifted = 0; shifted < 2; shifted++) {
    double *blocks = malloc(NB * n3 * sizeof *blocks), *mean = calloc(n3, sizeof *mean);
    for (int b = 0; b < NB; b++) {
      double *f = noisy(&c, 0.005 * sqrt(NB), (uint64_t)(100 + b));
      for (int i = 0; i < n; i++) {
        double z = c.ph.cell->positions[3 * i + 2];
        int plane = (int)lround(z / (5.3 / 2));
        double u[3] = {amp[b] * sin(2 * M_PI * z / height), 0, 0}, uf[3];
        if (shifted) u[0] += plane % 2 ? 0.08 : -0.08;
        nacre_cell_cart_to_frac(recip, u, uf);
        for (int k = 0; k < 3; k++) f[3 * i + k] += uf[k];
      }
      memcpy(&blocks[(size_t)b * n3], f, n3 * sizeof *f);
      for (size_t k = 0; k < n3; k++) mean[k] += f[k] / NB;
      free(f);
    }
    fe_symcheck_result plain = run_check_full(&c, mean, 0.005, NULL, 0, 0.0);
    fe_symcheck_result blocked = run_check_full(&c, mean, 0.005, blocks, NB, 0.0);
    printf("long wave%s: %.3f of the bound against white noise, %.3f with the blocks "
           "(noise %.1f times the white noise's, %.1f directions)\n",
           shifted ? " and shifted planes" : "", plain.excess, blocked.excess,
           blocked.noise_ratio, blocked.dims);
    if (!shifted) {
      CHECK(!plain.kept, "long wave against white noise alone: beyond the bound (%.3f)",
            plain.excess);
      CHECK(blocked.kept && blocked.excess < 0.9,
            "long wave with the blocks' noise: kept (%.3f of the bound)", blocked.excess);
    } else {
      CHECK(!blocked.kept, "shifted planes under the long wave, with the blocks: caught (%.3f)",
            blocked.excess);
    }
    free(blocks);
    free(mean);
  }
  crystal_free(&c);
}

int main(void) {
  static const int rep[3] = {4, 4, 4}, rep_hcp[3] = {4, 4, 3};
  test_exact_and_noise("fcc", 5.3, rep, 192 + 3);
  test_exact_and_noise("bcc", 4.2, rep, 96 + 3);
  test_exact_and_noise("hcp", 3.8, rep_hcp, 24 + 3);
  test_transformations();
  test_thermal_verdict();
  test_blocked_noise();
  TEST_DONE();
}
