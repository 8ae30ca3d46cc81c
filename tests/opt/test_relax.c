/* test_relax.c — variable-cell relaxation with Lennard-Jones, checked
 * against independent direct lattice sums:
 *  - the log-strain chain rule (∂H/∂Λ through exp) against finite differences;
 *  - perturbed, strained fcc (L-BFGS and FIRE) returns to fcc with the
 *    nearest-neighbour distance that zeroes the lattice-sum pressure for the
 *    chosen cutoff, at 0 and 2 GPa; hcp returns to hcp with zero lattice-sum
 *    gradient in a and c; diamond and bcc (fixed shape, since LJ does not
 *    hold them against shear) reach their lattice-sum lattice constants;
 *  - dH/dP = V by central differences of relaxed enthalpies;
 *  - an anisotropic target stress is reached and the cell is not rotated;
 *  - a non-periodic dimer relaxes to the pair minimum 2^(1/6) σ;
 *  - the modes hold what they promise (cell, fractional coordinates,
 *    volume, shape);
 *  - bad starts end with a status: overlap, exploded cell, NaN; the
 *    progress callback and ctx interrupt stop the run;
 *  - keep-symmetry relaxations keep the space group. */
#include <string.h>

#include "builders.h"
#include "nacre/opt.h"
#include "nacre/sym.h"
#include "opt/logstrain.h"
#include "testing.h"

#define EPS_LJ 0.0104 /* eV */
#define SIG_LJ 3.4    /* Å */
#define RC_LJ 8.5     /* Å */

/* ---- independent lattice sums --------------------------------------- */

/* Σ over all images j ≠ i within rc of atom 0 of the lattice given by
 * `cell` (rows, Å) and `basis` (fractional): returns per-atom energy (eV,
 * unshifted LJ, averaged over basis atoms) and, in *virial, the per-atom
 * ½ Σ r V'(r) (eV). Brute force over a box of translations. */
static double lattice_sum(const double cell[3][3], const double (*basis)[3],
                          int nb, double *virial, double *dwdc_zz) {
  double e = 0.0, w = 0.0, wzz = 0.0;
  int nmax = 6;
  for (int a = 0; a < nb; a++)
    for (int b = 0; b < nb; b++)
      for (int i = -nmax; i <= nmax; i++)
        for (int j = -nmax; j <= nmax; j++)
          for (int k = -nmax; k <= nmax; k++) {
            double f[3] = {basis[b][0] - basis[a][0] + i, basis[b][1] - basis[a][1] + j,
                           basis[b][2] - basis[a][2] + k};
            double d[3];
            for (int c = 0; c < 3; c++)
              d[c] = f[0] * cell[0][c] + f[1] * cell[1][c] + f[2] * cell[2][c];
            double r = sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
            if (r < 1e-9 || r >= RC_LJ) continue;
            double sr6 = pow(SIG_LJ / r, 6);
            double v = 4 * EPS_LJ * (sr6 * sr6 - sr6);
            double rdv = -4 * EPS_LJ * (12 * sr6 * sr6 - 6 * sr6); /* r V'(r) */
            e += 0.5 * v;
            w += 0.5 * rdv;
            wzz += 0.5 * rdv * d[2] * d[2] / (r * r);
          }
  if (virial) *virial = w / nb;
  if (dwdc_zz) *dwdc_zz = wzz / nb;
  return e / nb;
}

/* Lattice constant a (conventional cubic cell of `nb` atoms) at which the
 * lattice-sum pressure equals p_gpa: ½Σ r V'(r) per atom = −3 P v. */
static double cubic_lattice_constant(const double (*basis)[3], int nb,
                                     double p_gpa, double lo, double hi) {
  double p = p_gpa * NACRE_GPA_TO_EV_A3;
  for (int it = 0; it < 200; it++) {
    double a = 0.5 * (lo + hi), w;
    double cell[3][3] = {{a, 0, 0}, {0, a, 0}, {0, 0, a}};
    lattice_sum(cell, basis, nb, &w, NULL);
    double f = w + 3.0 * p * a * a * a / nb; /* > 0: stress tensile */
    if (f > 0) hi = a; else lo = a;
  }
  return 0.5 * (lo + hi);
}

static const double fcc_basis[4][3] = {{0, 0, 0}, {0, .5, .5}, {.5, 0, .5}, {.5, .5, 0}};
static const double bcc_basis[2][3] = {{0, 0, 0}, {.5, .5, .5}};
static const double dia_basis[8][3] = {{0, 0, 0}, {0, .5, .5}, {.5, 0, .5}, {.5, .5, 0},
                                       {.25, .25, .25}, {.25, .75, .75}, {.75, .25, .75},
                                       {.75, .75, .25}};

/* Sorted distances from atom i to its k nearest neighbours (k ≤ 16). */
static void nearest(const nacre_structure *s, int i, int k, double *out) {
  for (int m = 0; m < k; m++) out[m] = INFINITY;
  for (int j = 0; j < s->natoms; j++)
    for (int a = -2; a <= 2; a++)
      for (int b = -2; b <= 2; b++)
        for (int c = -2; c <= 2; c++) {
          double d[3];
          for (int x = 0; x < 3; x++)
            d[x] = s->positions[3 * j + x] - s->positions[3 * i + x] +
                   a * s->cell[0][x] + b * s->cell[1][x] + c * s->cell[2][x];
          double r = sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
          if (r < 1e-6 || r >= out[k - 1]) continue;
          int m = k - 1;
          while (m > 0 && out[m - 1] > r) {
            out[m] = out[m - 1];
            m--;
          }
          out[m] = r;
        }
}

/* ---- helpers ------------------------------------------------------ */

/* Space-group number at symprec 1e-3 Å (-1 when the analysis fails). */
static int space_group(const nacre_structure *s) {
  nacre_symmetry *sym = NULL;
  nacre_error err;
  int sg = nacre_symmetry_analyze(s, 1e-3, &sym, &err) ? -1 : sym->sg_number;
  nacre_symmetry_free(sym);
  return sg;
}

static nacre_potential *lj;

static nacre_relax_result relax(nacre_structure *s, nacre_relax_options *o) {
  nacre_error err;
  nacre_relax_result r;
  nacre_calc *c = nacre_calc_new(lj, -1.0, &err);
  CHECK_OK(nacre_relax(c, s, o, NULL, &r, &err), &err);
  nacre_calc_free(c);
  return r;
}

static nacre_structure *perturbed(const char *kind, double a, int n, double rattle,
                                  uint64_t seed) {
  int nn[3] = {n, n, n};
  nacre_structure *s = build_bulk(kind, 18, a, nn);
  if (rattle > 0) build_rattle(s, rattle, seed);
  double eps[6] = {0.03, -0.02, 0.01, 0.02, -0.01, 0.015};
  build_strain(s, eps);
  return s;
}

static void tight(nacre_relax_options *o) {
  nacre_relax_options_init(o);
  o->fmax = 1e-5;
  o->smax_gpa = 1e-5;
  o->max_steps = 2000;
}

/* ---- tests -------------------------------------------------------- */

static void test_logstrain(void) {
  /* Property: <∂H/∂Λ, E> = d/dt <S, exp(Λ + tE)>, central differences,
   * h = 1e-5: truncation ~h² ≈ 1e-10. */
  double lam[3][3] = {{0.1, 0.05, -0.02}, {0.05, -0.08, 0.03}, {-0.02, 0.03, 0.02}};
  double s[3][3] = {{1.0, 0.3, 0.2}, {0.3, -0.5, 0.4}, {0.2, 0.4, 0.7}};
  double e[3][3] = {{0.2, -0.1, 0.4}, {-0.1, 0.3, 0.1}, {0.4, 0.1, -0.6}};
  double grad[3][3], lp[3][3], lm[3][3], gp[3][3], gm[3][3], h = 1e-5;
  nacre_opt_sym3_exp_grad(lam, s, grad);
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) {
      lp[i][j] = lam[i][j] + h * e[i][j];
      lm[i][j] = lam[i][j] - h * e[i][j];
    }
  nacre_opt_sym3_exp(lp, gp);
  nacre_opt_sym3_exp(lm, gm);
  double fd = 0, an = 0;
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) {
      fd += s[i][j] * (gp[i][j] - gm[i][j]) / (2 * h);
      an += grad[i][j] * e[i][j];
    }
  CHECK_CLOSE(an, fd, 1e-9, "log-strain chain rule vs finite differences");
  /* exp of a diagonal-plus-degenerate matrix against the scalar exp */
  double d[3][3] = {{0.3, 0, 0}, {0, 0.3, 0}, {0, 0, -0.2}}, g[3][3];
  nacre_opt_sym3_exp(d, g);
  CHECK_CLOSE(g[0][0], exp(0.3), 1e-14, "exp of a diagonal log-strain");
  CHECK_CLOSE(g[2][2], exp(-0.2), 1e-14, "exp of a diagonal log-strain");
}

static void test_fcc(nacre_relax_method method, double p_gpa) {
  double a0 = cubic_lattice_constant(fcc_basis, 4, p_gpa, 4.8, 6.0);
  nacre_structure *s = perturbed("fcc", 5.3, 2, 0.08, 11);
  nacre_relax_options o;
  tight(&o);
  o.method = method;
  o.pressure_gpa = p_gpa;
  nacre_relax_result r = relax(s, &o);
  const char *m = method == NACRE_RELAX_FIRE ? "FIRE" : "L-BFGS";
  CHECK(r.outcome == NACRE_RELAX_CONVERGED, "%s fcc at %g GPa: %s", m, p_gpa, r.message);
  double abc[3], ang[3];
  nacre_cell_lengths_angles(s->cell, abc, ang);
  /* smax 1e-5 GPa over a bulk modulus of a few GPa: strain error ~1e-5, so
   * lengths to 2e-4 Å and angles to 2e-3° */
  for (int k = 0; k < 3; k++) {
    CHECK_CLOSE(abc[k], 2 * a0, 3e-4, "fcc cell length = 2 a0 (lattice sum)");
    CHECK_CLOSE(ang[k], 90.0, 3e-3, "fcc cell angle");
  }
  double nn[13];
  for (int i = 0; i < s->natoms; i += 7) {
    nearest(s, i, 13, nn);
    CHECK_CLOSE(nn[0], a0 / sqrt(2.0), 2e-4, "fcc nearest neighbour distance");
    CHECK_CLOSE(nn[11], a0 / sqrt(2.0), 2e-4, "fcc 12th neighbour distance");
    CHECK_CLOSE(nn[12], a0, 2e-4, "fcc second shell");
  }
  CHECK_CLOSE(r.pressure_gpa, p_gpa, 2e-5, "final pressure = target");
  int sg = space_group(s);
  CHECK(sg == 225, "relaxed fcc is Fm-3m (225): %d", sg);
  printf("%s fcc %g GPa: a0 %.6f Å (lattice sum), %d steps, %ld force calls\n", m,
         p_gpa, a0, r.steps, r.force_calls);
  nacre_structure_free(s);
}

static void test_hcp(void) {
  /* Property: the relaxed hcp cell is hexagonal and zeroes the gradient of
   * the independent lattice sum with respect to a and c. */
  nacre_structure *s = perturbed("hcp", 3.75, 2, 0.06, 5);
  nacre_relax_options o;
  tight(&o);
  nacre_relax_result r = relax(s, &o);
  CHECK(r.outcome == NACRE_RELAX_CONVERGED, "hcp: %s", r.message);
  double abc[3], ang[3];
  nacre_cell_lengths_angles(s->cell, abc, ang);
  CHECK_CLOSE(abc[0], abc[1], 3e-4, "hcp a = b");
  CHECK_CLOSE(ang[0], 90.0, 3e-3, "hcp alpha");
  CHECK_CLOSE(ang[1], 90.0, 3e-3, "hcp beta");
  CHECK_CLOSE(ang[2], 120.0, 3e-3, "hcp gamma");
  double a = abc[0] / 2, c = abc[2] / 2;
  static const double hb[2][3] = {{1.0 / 3, 2.0 / 3, 0.25}, {2.0 / 3, 1.0 / 3, 0.75}};
  double w, wzz;
  double cell[3][3] = {{a, 0, 0}, {-0.5 * a, 0.5 * sqrt(3.0) * a, 0}, {0, 0, c}};
  lattice_sum(cell, hb, 2, &w, &wzz);
  /* per-atom virial components in eV; σ = W/v; smax 1e-5 GPa · v ≈ 2e-6 eV */
  double v = 0.5 * sqrt(3.0) * a * a * c / 2;
  CHECK(fabs(w) / v * NACRE_EV_A3_TO_GPA < 1e-3 && fabs(wzz) / v * NACRE_EV_A3_TO_GPA < 1e-3,
        "hcp lattice-sum stress at relaxed a, c: tr %g, zz %g GPa", w / v * NACRE_EV_A3_TO_GPA,
        wzz / v * NACRE_EV_A3_TO_GPA);
  int sg = space_group(s);
  CHECK(sg == 194, "relaxed hcp is P6_3/mmc (194): %d", sg);
  printf("hcp: a %.5f Å, c/a %.5f, %d steps\n", a, c / a, r.steps);
  nacre_structure_free(s);
}

static void test_cubic_fixed_shape(const char *kind, const double (*basis)[3], int nb,
                                   double guess) {
  /* Ideal positions (held by symmetry), cell scaled isotropically: the
   * fixed-shape relaxation reaches the lattice-sum lattice constant. LJ
   * holds neither bcc nor diamond against shear, so the shape stays fixed. */
  double a0 = cubic_lattice_constant(basis, nb, 0.0, 0.8 * guess, 1.3 * guess);
  int one[3] = {1, 1, 1};
  nacre_structure *s = build_bulk(kind, 18, guess, one);
  nacre_relax_mode mode = NACRE_RELAX_FIXED_SHAPE;
  nacre_relax_options o;
  tight(&o);
  o.mode = mode;
  nacre_relax_result r = relax(s, &o);
  CHECK(r.outcome == NACRE_RELAX_CONVERGED, "%s: %s", kind, r.message);
  double abc[3], ang[3];
  nacre_cell_lengths_angles(s->cell, abc, ang);
  for (int k = 0; k < 3; k++) {
    CHECK_CLOSE(abc[k], a0, 2e-4, kind);
    CHECK_CLOSE(ang[k], 90.0, 3e-3, kind);
  }
  printf("%s (%s): a0 %.6f Å (lattice sum), %d steps\n", kind,
         nacre_relax_mode_name(mode), a0, r.steps);
  nacre_structure_free(s);
}

static void test_dh_dp(void) {
  /* Property: dH/dP = V for the relaxed enthalpy H(P) = min E + PV. Central
   * difference with δ = 0.05 GPa: error δ²/6 · d³H/dP³ ~ 1e-6 relative. */
  double p = 1.0, dp = 0.05, hp[3], vol = 0;
  for (int k = 0; k < 3; k++) {
    nacre_structure *s = perturbed("fcc", 5.3, 1, 0.05, 3);
    nacre_relax_options o;
    tight(&o);
    o.fmax = 1e-6;
    o.smax_gpa = 1e-6;
    o.pressure_gpa = p + (k - 1) * dp;
    nacre_relax_result r = relax(s, &o);
    CHECK(r.outcome == NACRE_RELAX_CONVERGED, "dH/dP run %d: %s", k, r.message);
    hp[k] = r.enthalpy;
    if (k == 1) vol = r.volume;
    nacre_structure_free(s);
  }
  double dhdp = (hp[2] - hp[0]) / (2 * dp * NACRE_GPA_TO_EV_A3);
  CHECK_CLOSE(dhdp, vol, 1e-4 * vol, "dH/dP = V (Å^3)");
  printf("dH/dP %.6f Å^3, V %.6f Å^3\n", dhdp, vol);
}

static void test_target_stress(void) {
  /* Property: the relaxed cell shows the requested stress (ASE sign), and
   * the deformation from the start is symmetric (no rigid rotation). */
  nacre_structure *s = perturbed("fcc", 5.3, 1, 0.05, 7);
  double cell0[3][3];
  memcpy(cell0, s->cell, sizeof cell0);
  nacre_relax_options o;
  tight(&o);
  o.use_target_stress = 1;
  double tau[6] = {0.1, -0.2, -0.05, 0.03, -0.02, 0.04};
  memcpy(o.target_stress_gpa, tau, sizeof tau);
  nacre_relax_result r = relax(s, &o);
  CHECK(r.outcome == NACRE_RELAX_CONVERGED, "target stress: %s", r.message);
  /* the stress of the returned structure, recomputed independently */
  nacre_error err;
  nacre_calc *c = nacre_calc_new(lj, -1, &err);
  nacre_result res;
  nacre_result_init(&res, s->natoms, &err);
  CHECK_OK(nacre_calc_compute(c, s, NACRE_WANT_ALL, &res, &err), &err);
  for (int k = 0; k < 6; k++)
    CHECK_CLOSE(res.stress[k] * NACRE_EV_A3_TO_GPA, tau[k], 1e-5, "stress component = target");
  double inv[3][3], m[3][3];
  nacre_mat3_inverse(cell0, inv);
  nacre_mat3_mul(inv, s->cell, m);
  for (int a = 0; a < 3; a++)
    for (int b = 0; b < a; b++)
      CHECK_CLOSE(m[a][b], m[b][a], 1e-12, "deformation symmetric (no rotation)");
  nacre_result_free(&res);
  nacre_calc_free(c);
  nacre_structure_free(s);
}

static void test_modes(void) {
  nacre_relax_options o;
  double abc0[3], ang0[3], abc[3], ang[3];
  /* atoms only: the cell does not move, forces vanish */
  nacre_structure *s = perturbed("fcc", 5.3, 1, 0.1, 21);
  double cell0[3][3];
  memcpy(cell0, s->cell, sizeof cell0);
  tight(&o);
  o.mode = NACRE_RELAX_ATOMS;
  nacre_relax_result r = relax(s, &o);
  CHECK(r.outcome == NACRE_RELAX_CONVERGED && r.fmax <= 1e-5, "atoms mode: %s", r.message);
  CHECK(!memcmp(cell0, s->cell, sizeof cell0), "atoms mode keeps the cell bit for bit");
  nacre_structure_free(s);

  /* selective dynamics: a held coordinate does not move in atoms mode */
  s = perturbed("fcc", 5.3, 1, 0.1, 25);
  nacre_structure_alloc_fixed(s, NULL);
  s->fixed[0] = s->fixed[1] = s->fixed[2] = 1; /* atom 0 */
  s->fixed[5] = 1;                             /* z of atom 1 */
  double x0[6];
  memcpy(x0, s->positions, sizeof x0);
  r = relax(s, &o);
  CHECK(r.outcome == NACRE_RELAX_CONVERGED, "atoms mode with fixed atoms: %s", r.message);
  CHECK(!memcmp(x0, s->positions, 3 * sizeof(double)) && x0[5] == s->positions[5] &&
            x0[3] != s->positions[3],
        "fixed coordinates held, free ones moved");
  nacre_structure_free(s);

  /* cell only: fractional coordinates fixed */
  s = perturbed("fcc", 5.3, 1, 0.1, 22);
  double f0[12], f1[12];
  nacre_structure_get_frac(s, f0, NULL);
  o.mode = NACRE_RELAX_CELL;
  o.pressure_gpa = 0.5;
  r = relax(s, &o);
  CHECK(r.outcome == NACRE_RELAX_CONVERGED, "cell mode: %s", r.message);
  nacre_structure_get_frac(s, f1, NULL);
  double df = 0;
  for (int k = 0; k < 12; k++) df = fmax(df, fabs(f1[k] - f0[k] - floor(f1[k] - f0[k] + 0.5)));
  CHECK(df < 1e-12, "cell mode keeps fractional coordinates (max change %g)", df);
  double resid = 0;
  for (int k = 0; k < 6; k++)
    resid = fmax(resid, fabs(r.stress[k] * NACRE_EV_A3_TO_GPA + (k < 3 ? 0.5 : 0.0)));
  CHECK(resid <= 1e-5, "cell mode stress = -P I (residual %g GPa)", resid);
  nacre_structure_free(s);

  /* fixed volume: V constant, deviatoric stress relaxed, shape changes */
  s = perturbed("fcc", 5.3, 1, 0.1, 23);
  double v0 = nacre_structure_volume(s);
  nacre_cell_lengths_angles(s->cell, abc0, ang0);
  o.mode = NACRE_RELAX_FIXED_VOLUME;
  o.pressure_gpa = 0.0;
  r = relax(s, &o);
  CHECK(r.outcome == NACRE_RELAX_CONVERGED, "fixed-volume mode: %s", r.message);
  CHECK_CLOSE(nacre_structure_volume(s), v0, 1e-10 * v0, "fixed volume");
  nacre_cell_lengths_angles(s->cell, abc, ang);
  CHECK_CLOSE(abc[0], abc[1], 2e-4, "fixed volume: shape relaxed to cubic (a = b)");
  CHECK_CLOSE(abc[1], abc[2], 2e-4, "fixed volume: shape relaxed to cubic (b = c)");
  double t = (r.stress[0] + r.stress[1] + r.stress[2]) / 3;
  double dev = fmax(fabs(r.stress[0] - t), fmax(fabs(r.stress[3]), fabs(r.stress[5])));
  CHECK(dev * NACRE_EV_A3_TO_GPA <= 1e-5, "fixed volume: deviatoric stress %g GPa",
        dev * NACRE_EV_A3_TO_GPA);
  nacre_structure_free(s);

  /* fixed shape: cell = λ · cell0, pressure reaches the target */
  s = perturbed("fcc", 5.3, 1, 0.1, 24);
  memcpy(cell0, s->cell, sizeof cell0);
  o.mode = NACRE_RELAX_FIXED_SHAPE;
  o.pressure_gpa = 1.0;
  r = relax(s, &o);
  CHECK(r.outcome == NACRE_RELAX_CONVERGED, "fixed-shape mode: %s", r.message);
  double lam = s->cell[0][0] / cell0[0][0], dmax = 0;
  for (int a = 0; a < 3; a++)
    for (int b = 0; b < 3; b++) dmax = fmax(dmax, fabs(s->cell[a][b] - lam * cell0[a][b]));
  CHECK(dmax < 1e-12, "fixed shape: cell = %g · start (max deviation %g Å)", lam, dmax);
  CHECK_CLOSE(r.pressure_gpa, 1.0, 1e-5, "fixed shape: pressure = target");
  nacre_structure_free(s);
}

static void test_cluster(void) {
  /* Property: a non-periodic LJ dimer relaxes (atoms mode) to the pair
   * minimum r = 2^(1/6) σ; fmax 1e-6 eV/Å over the curvature 57ε/r0² ≈
   * 0.04 eV/Å² gives |Δr| < 3e-5 Å. Clusters have no volume or PV term. */
  nacre_structure *d = nacre_structure_new(2, NULL);
  d->numbers[0] = d->numbers[1] = 18;
  d->pbc[0] = d->pbc[1] = d->pbc[2] = 0;
  d->positions[3] = 3.2;
  d->positions[4] = 1.1;
  nacre_relax_options o;
  tight(&o);
  o.fmax = 1e-6;
  o.mode = NACRE_RELAX_ATOMS;
  o.pressure_gpa = 5.0;
  nacre_relax_result r = relax(d, &o);
  CHECK(r.outcome == NACRE_RELAX_CONVERGED, "dimer: %s", r.message);
  double dx = d->positions[3] - d->positions[0], dy = d->positions[4] - d->positions[1],
         dz = d->positions[5] - d->positions[2];
  CHECK_CLOSE(sqrt(dx * dx + dy * dy + dz * dz), pow(2.0, 1.0 / 6.0) * SIG_LJ, 3e-5,
              "dimer bond = 2^(1/6) sigma");
  CHECK_CLOSE(r.enthalpy, r.energy, 0.0, "cluster: H = E (no PV)");
  nacre_structure_free(d);
}

/* A potential that is fine until the volume shrinks below 90 % of 100 Å^3
 * per atom, then NaN: E = ½ k (V/N − 100)², pulled inward by the pressure. */
static nacre_status nan_compute(const void *model, const nacre_structure *s,
                                const nacre_neighbor_list *nl, unsigned want,
                                nacre_result *r, void *ws, nacre_error *err) {
  (void)model, (void)nl, (void)ws, (void)err;
  double v = fabs(nacre_cell_volume(s->cell)), n = s->natoms, k = 1e-3;
  double x = v / n - 100.0;
  r->energy = v / n < 90.0 ? NAN : 0.5 * k * x * x * n;
  if (want & NACRE_WANT_STRESS) /* σ = (1/V) ∂E/∂ε = k x n / N · δ */
    for (int a = 0; a < 3; a++) r->stress[a] = k * x;
  return NACRE_OK;
}
static const nacre_potential_ops nan_ops = {.kind = "nan-test", .compute = nan_compute};

static void test_bad_starts(void) {
  nacre_relax_options o;
  nacre_relax_options_init(&o);
  /* overlapping atoms */
  nacre_structure *s = perturbed("fcc", 5.3, 1, 0.0, 1);
  s->positions[3] = s->positions[0] + 0.2;
  s->positions[4] = s->positions[1];
  s->positions[5] = s->positions[2];
  nacre_relax_result r = relax(s, &o);
  CHECK(r.outcome == NACRE_RELAX_BAD_START, "overlap -> bad start: %s", r.message);
  CHECK(r.force_calls <= 1, "bad start costs at most one call (%ld)", r.force_calls);
  nacre_structure_free(s);
  /* tension beyond the cutoff: the cell expands without bound */
  s = perturbed("fcc", 5.3, 1, 0.05, 1);
  o.pressure_gpa = -5.0;
  o.max_steps = 100000;
  r = relax(s, &o);
  CHECK(r.outcome == NACRE_RELAX_EXPLODED, "negative pressure -> exploded: %s", r.message);
  CHECK(r.steps < 5000, "explosion detected early (%d steps)", r.steps);
  nacre_structure_free(s);
  /* a runaway shape change: compression by 3 GPa shrinks fcc Ar by ~8 %
   * linearly, beyond a stretch limit of 5 % */
  s = perturbed("fcc", 5.3, 1, 0.0, 1);
  nacre_relax_options_init(&o);
  o.pressure_gpa = 3.0;
  o.max_stretch = 1.05;
  r = relax(s, &o);
  CHECK(r.outcome == NACRE_RELAX_EXPLODED && strstr(r.message, "factor"),
        "stretch limit -> exploded: %s", r.message);
  nacre_structure_free(s);
  /* NaN once compressed: ends with a numerical-failure status */
  nacre_error err;
  nacre_potential *np = nacre_potential_wrap(&nan_ops, NULL, 3.0, NULL, 0, &err);
  nacre_calc *c = nacre_calc_new(np, 0.5, &err);
  s = perturbed("fcc", 4.7, 1, 0.0, 1); /* 26 Å^3/atom: NaN at once */
  nacre_relax_options_init(&o);
  CHECK_OK(nacre_relax(c, s, &o, NULL, &r, &err), &err);
  CHECK(r.outcome == NACRE_RELAX_NUMERIC, "NaN at start -> numeric: %s", r.message);
  nacre_structure_free(s);
  int one[3] = {1, 1, 1};
  s = build_bulk("sc", 18, 4.7, one); /* 104 Å^3/atom, fine */
  o.pressure_gpa = 5.0;               /* drives V below 90 Å^3 */
  o.method = NACRE_RELAX_FIRE;
  CHECK_OK(nacre_relax(c, s, &o, NULL, &r, &err), &err);
  CHECK(r.outcome == NACRE_RELAX_NUMERIC, "NaN during FIRE -> numeric: %s", r.message);
  CHECK(nacre_structure_volume(s) >= 90.0, "structure left at the last good point");
  s->cell[0][0] = s->cell[1][1] = s->cell[2][2] = 4.7;
  o.method = NACRE_RELAX_LBFGS;
  CHECK_OK(nacre_relax(c, s, &o, NULL, &r, &err), &err);
  CHECK(r.outcome == NACRE_RELAX_NUMERIC, "NaN during L-BFGS -> numeric: %s", r.message);
  CHECK(nacre_structure_volume(s) >= 90.0, "structure left at the last good point");
  nacre_structure_free(s);
  nacre_calc_free(c);
  nacre_potential_free(np);
}

static int stop_at_3(void *user, const nacre_relax_step *st, const nacre_structure *s) {
  (void)s;
  *(int *)user = st->step;
  return st->step >= 3;
}

static void test_stop_interrupt(void) {
  nacre_structure *s = perturbed("fcc", 5.3, 1, 0.1, 2);
  nacre_relax_options o;
  tight(&o);
  int last = -1;
  o.progress = stop_at_3;
  o.progress_user = &last;
  nacre_relax_result r = relax(s, &o);
  CHECK(r.outcome == NACRE_RELAX_STOPPED && last == 3, "callback stops at step 3 (%d)", last);
  volatile int flag = 1;
  nacre_ctx ctx;
  nacre_ctx_init(&ctx);
  ctx.interrupt = &flag;
  nacre_error err;
  nacre_calc *c = nacre_calc_new(lj, -1, &err);
  o.progress = NULL;
  nacre_status st = nacre_relax(c, s, &o, &ctx, &r, &err);
  CHECK(st == NACRE_ERR_INTERRUPTED && r.outcome == NACRE_RELAX_INTERRUPTED,
        "interrupt -> NACRE_ERR_INTERRUPTED (%s)", nacre_status_name(st));
  nacre_calc_free(c);
  nacre_structure_free(s);
}

static void test_keep_symmetry(void) {
  /* Property: with keep_symmetry the group found at the start is the group
   * at the end, for structures LJ would destroy (bcc and diamond relax to
   * close packing without it), from starts displaced within symprec, under
   * a group-compatible strain and a uniaxial target stress that would
   * otherwise break the group. */
  const char *kinds[3] = {"bcc", "diamond", "hcp"};
  const int expect[3] = {229, 227, 194};
  double a[3] = {4.3, 7.0, 3.75};
  for (int k = 0; k < 3; k++) {
    for (int variant = 0; variant < 2; variant++) {
      int n1[3] = {1, 1, 1};
      nacre_structure *s = build_bulk(kinds[k], 18, a[k], n1);
      double eps[6] = {0.02, 0.02, k == 2 ? -0.01 : 0.02, 0, 0, 0};
      build_strain(s, eps);
      build_rattle(s, 5e-5, 40 + k); /* well inside symprec 1e-3 Å */
      int sg0 = space_group(s);
      CHECK(sg0 == expect[k], "%s start group %d", kinds[k], sg0);
      nacre_relax_options o;
      tight(&o);
      o.keep_symmetry = 1;
      if (variant == 0) {
        o.pressure_gpa = 0.3;
      } else {
        o.use_target_stress = 1;
        o.target_stress_gpa[0] = 0.05; /* uniaxial: not invariant */
        o.method = NACRE_RELAX_FIRE;
      }
      nacre_relax_result r = relax(s, &o);
      CHECK(r.outcome == NACRE_RELAX_CONVERGED, "%s keep-symmetry: %s", kinds[k], r.message);
      int sg1 = space_group(s);
      CHECK(sg1 == sg0 && r.sg_start == sg0, "%s keeps its group (%s): %d -> %d",
            kinds[k], variant ? "FIRE, uniaxial stress" : "L-BFGS, 0.3 GPa", sg0, sg1);
      nacre_structure_free(s);
    }
  }
}

int main(void) {
  nacre_error err;
  /* energy-shifted so that E is continuous at the cutoff; the shift is a
   * constant per pair and does not change forces, stress or lattice sums'
   * zero-pressure conditions */
  CHECK_OK(nacre_lj_new(EPS_LJ, SIG_LJ, RC_LJ, 1, &lj, &err), &err);
  if (!lj) TEST_DONE();
  test_logstrain();
  test_fcc(NACRE_RELAX_LBFGS, 0.0);
  test_fcc(NACRE_RELAX_FIRE, 0.0);
  test_fcc(NACRE_RELAX_LBFGS, 2.0);
  test_hcp();
  test_cubic_fixed_shape("diamond", dia_basis, 8, 7.0);
  test_cubic_fixed_shape("bcc", bcc_basis, 2, 4.3);
  test_dh_dp();
  test_target_stress();
  test_modes();
  test_cluster();
  test_bad_starts();
  test_stop_interrupt();
  test_keep_symmetry();
  nacre_potential_free(lj);
  TEST_DONE();
}
