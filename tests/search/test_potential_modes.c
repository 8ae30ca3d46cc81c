/* test_potential_modes.c — the potential's own normal modes for the
 * soft-mode mutation (nacre_potential_normal_modes, --soft-modes
 * potential), with Debian's Cu_u3.eam (a Lennard-Jones stand-in without
 * lammps-data):
 *  - against the phonon layer, an independent construction (symmetry-
 *    reduced displacements, force constants, dynamical matrix), the
 *    frequencies ν = 15.633 √λ at Γ of the cell taken as its own
 *    supercell: a rattled 8-atom fcc cell (no symmetry: both are central
 *    differences of the same displacements, ±0.01 Å) to 1e-9 THz
 *    (measured 7e-14); 8-atom bcc Cu (2×2×1 cubic cells, which hold the N
 *    point of bcc) at ±0.002 Å to 2e-4 THz (measured 9e-5: the phonon
 *    layer's symmetrised least squares and plain central differences keep
 *    different O(u²) anharmonic errors; at 0.01 Å they differ by 1e-3 THz
 *    on the unstable mode);
 *  - bcc Cu is unstable at N: the softest mode is negative, and a
 *    displacement of 0.004 Å along it lowers the energy by ½ λ Σ m u²
 *    (harmonic, within 1 %), which checks the displacement patterns
 *    (u = e/√m);
 *  - rigid translations are exact zeros (≤ 1e-9 of the largest |λ|);
 *  - a search whose configuration asks for the potential's modes calls
 *    them and makes soft-mode children from them; stored in the run file
 *    (soft_modes 1), refused on resume with the springs (conflict
 *    "soft_modes"), and refused to start without a source. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "iotest.h"
#include "mdtest.h"
#include "nacre/phonon.h"
#include "nacre/search.h"
#include "searchtest.h"
#include "testing.h"

static nacre_structure *bcc_cu(void) {
  nacre_structure *s = nacre_structure_new(8, NULL);
  double a = 2.87;
  int i = 0;
  for (int y = 0; y < 2; y++)
    for (int x = 0; x < 2; x++)
      for (int k = 0; k < 2; k++, i++) {
        s->numbers[i] = 29;
        s->positions[3 * i] = (x + 0.5 * k) * a;
        s->positions[3 * i + 1] = (y + 0.5 * k) * a;
        s->positions[3 * i + 2] = 0.5 * k * a;
      }
  s->cell[0][0] = s->cell[1][1] = 2 * a, s->cell[2][2] = a;
  return s;
}

static double thz(double lambda) {
  return (lambda < 0 ? -1 : 1) * NACRE_PHONON_THZ * sqrt(fabs(lambda));
}

/* Sorted copy of the modes without the three rigid translations (the
 * three smallest |λ|), for comparison with the phonon layer's frequencies
 * whose acoustic modes at Γ are the three (near-)zeros. */
static void drop_translations(const double *w, int n3, double *out) {
  int skip[3] = {-1, -1, -1};
  for (int t = 0; t < 3; t++) {
    int best = -1;
    for (int k = 0; k < n3; k++)
      if (k != skip[0] && k != skip[1] && (best < 0 || fabs(w[k]) < fabs(w[best]))) best = k;
    skip[t] = best;
  }
  int j = 3;
  out[0] = out[1] = out[2] = 0;
  for (int k = 0; k < n3; k++)
    if (k != skip[0] && k != skip[1] && k != skip[2]) out[j++] = w[k];
}

static void modes_of(const nacre_potential *p, nacre_structure *s, const char *what,
                     double step, double tol, int unstable) {
  nacre_error err;
  int n3 = 3 * s->natoms;
  double *w = malloc(n3 * sizeof *w), *v = malloc((size_t)n3 * n3 * sizeof *v);
  double *wz = malloc(n3 * sizeof *wz);
  CHECK_OK(nacre_potential_normal_modes(p, s, step, w, v, &err), &err);
  double big = 0;
  for (int k = 0; k < n3; k++) big = fmax(big, fabs(w[k]));
  drop_translations(w, n3, wz);
  int zeros = 0;
  for (int k = 0; k < n3; k++) zeros += fabs(w[k]) <= 1e-9 * big;
  CHECK(zeros >= 3, "%s: the translations are exact zeros (%d modes ≤ 1e-9 of the largest)",
        what, zeros);
  /* both ascending; the three smallest |ν| of each (the translations, the
     acoustic modes at Γ) set aside */
  nacre_phonon_options o;
  nacre_phonon_options_init(&o);
  for (int k = 0; k < 3; k++) o.supercell[k][k] = 1;
  o.plus_minus = NACRE_PHONON_PM_BOTH;
  o.displacement_a = step;
  nacre_phonon *ph = NULL;
  nacre_calc *c = nacre_calc_new(p, -1.0, &err);
  double *f = malloc(n3 * sizeof *f), *fz = malloc(n3 * sizeof *fz), worst = INFINITY;
  CHECK_OK(nacre_phonon_new(s, NULL, &o, &ph, &err), &err);
  if (ph && c && !nacre_phonon_compute_forces(ph, c, NULL, NULL, NULL, &err) &&
      !nacre_phonon_produce_force_constants(ph, &err) &&
      !nacre_phonon_at_q(ph, (double[3]){0, 0, 0}, f, NULL, NULL, &err)) {
    drop_translations(f, n3, fz);
    worst = 0;
    for (int k = 3; k < n3; k++) worst = fmax(worst, fabs(thz(wz[k]) - fz[k]));
  }
  printf("%s, ±%g Å: softest %.5f THz, hardest %.5f THz; largest |Δν| from the phonon layer "
         "%.2g THz\n",
         what, step, thz(wz[3]), thz(w[n3 - 1]), worst);
  CHECK(worst <= tol, "%s: frequencies equal the phonon layer's at Γ within %.0e THz (%.2g)",
        what, tol, worst);
  if (unstable) {
    CHECK(w[0] < 0, "%s: the softest mode is unstable (%.5f THz)", what, thz(w[0]));
    /* E(x + u) − E(x) = ½ λ Σ m u² for the mode's displacement pattern */
    double amp = 0.004, largest = 0, mu2 = 0;
    for (int i = 0; i < s->natoms; i++)
      largest = fmax(largest, sqrt(v[3 * i] * v[3 * i] + v[3 * i + 1] * v[3 * i + 1] +
                                   v[3 * i + 2] * v[3 * i + 2]));
    nacre_structure *x = nacre_structure_copy(s, &err);
    for (int k = 0; k < n3; k++) {
      double u = amp * v[k] / largest;
      x->positions[k] += u;
      mu2 += nacre_element_by_z(s->numbers[k / 3])->mass_amu * u * u;
    }
    nacre_result r0, r1;
    nacre_result_init(&r0, s->natoms, &err);
    nacre_result_init(&r1, s->natoms, &err);
    CHECK_OK(nacre_calc_compute(c, s, NACRE_WANT_ENERGY, &r0, &err), &err);
    CHECK_OK(nacre_calc_compute(c, x, NACRE_WANT_ENERGY, &r1, &err), &err);
    double de = r1.energy - r0.energy, want = 0.5 * w[0] * mu2;
    printf("%s: along the softest mode (%.3f Å at most) ΔE = %.4e eV, harmonic %.4e eV\n", what,
           amp, de, want);
    CHECK(fabs(de / want - 1) <= 0.01, "%s: ΔE = ½ λ Σ m u² within 1 %% (%.4e vs %.4e)", what,
          de, want);
    nacre_result_free(&r0);
    nacre_result_free(&r1);
    nacre_structure_free(x);
  }
  nacre_phonon_free(ph);
  nacre_calc_free(c);
  free(w), free(v), free(wz), free(f), free(fz);
}

typedef struct mode_source {
  const nacre_potential *pot;
  int calls;
} mode_source;

static nacre_status counted_modes(void *user, const nacre_structure *s, double *w, double *v,
                                  nacre_error *err) {
  mode_source *m = user;
  m->calls++;
  return nacre_potential_normal_modes(m->pot, s, 0, w, v, err);
}

static nacre_status sd_relax(void *user, nacre_structure *s, double p_gpa,
                             nacre_search_relaxed *out, nacre_error *err) {
  return test_sd_relax(user, s, p_gpa, out, err);
}

static void search(void) {
  nacre_error err;
  nacre_potential *lj = NULL;
  CHECK_OK(nacre_lj_new(0.0104, 3.4, 8.5, 1, &lj, &err), &err);
  nacre_search_config c;
  nacre_search_config_init(&c);
  nacre_composition_parse("Ar6", &c.composition, NULL);
  c.engine = NACRE_ENGINE_EVOLUTION;
  c.seed = 3;
  c.population = 6;
  c.budget = 30;
  c.frac_heredity = 0;
  c.frac_mutation = 1;
  c.soft_modes = NACRE_SOFT_MODES_POTENTIAL;
  snprintf(c.potential, sizeof c.potential, "lj:epsilon=0.0104,sigma=3.4,cutoff=8.5,shift=1");
  c.random.volume_per_atom = 45.0;
  nacre_random_options_set_distance(&c.random, 18, 18, 3.0, NULL);
  char path[4096];
  snprintf(path, sizeof path, "%s", test_tmp_path("modes.db"));
  nacre_run *r = NULL;
  CHECK_OK(nacre_run_create(path, &c, &r, &err), &err);
  if (!r) return;
  nacre_status st = nacre_search_run(r, sd_relax, lj, NULL, NULL, NULL, &err);
  CHECK(st == NACRE_ERR_INVALID && strstr(err.message, "nacre_run_set_soft_modes"),
        "no source of modes: refused (%s)", err.message);
  mode_source src = {lj, 0};
  nacre_run_set_soft_modes(r, counted_modes, &src);
  CHECK_OK(nacre_search_run(r, sd_relax, lj, NULL, NULL, NULL, &err), &err);
  nacre_run_close(r);

  CHECK_OK(nacre_run_open_readonly(path, &r, &err), &err);
  if (!r) return;
  CHECK(nacre_run_config(r)->soft_modes == NACRE_SOFT_MODES_POTENTIAL,
        "the run file keeps soft_modes = potential");
  nacre_candidate *cand = NULL;
  long n = 0, soft = 0;
  CHECK_OK(nacre_run_load_done(r, &cand, &n, &err), &err);
  for (long k = 0; k < n; k++) soft += !strcmp(cand[k].op, "soft-mode");
  printf("search: %ld relaxations, %ld soft-mode children, %d calls of the potential's modes\n",
         n, soft, src.calls);
  CHECK(src.calls > 0 && soft > 0 && soft <= src.calls,
        "soft-mode children come from the potential's modes (%ld children, %d calls)", soft,
        src.calls);
  nacre_candidates_free(cand, n);
  nacre_run_close(r);

  CHECK_OK(nacre_run_open(path, &r, &err), &err);
  if (r) {
    nacre_search_config asked = *nacre_run_config(r);
    asked.soft_modes = NACRE_SOFT_MODES_SPRINGS;
    const char *conflict = NULL;
    st = nacre_run_apply(r, &asked, &conflict, &err);
    CHECK(st == NACRE_ERR_INVALID && conflict && !strcmp(conflict, "soft_modes"),
          "resuming with the springs is refused (conflict %s)", conflict ? conflict : "none");
    nacre_run_close(r);
  }
  nacre_potential_free(lj);
}

int main(void) {
  nacre_error err;
  nacre_potential *pot = NULL;
  const char *eam = mdtest_cu_u3();
  if (eam) CHECK_OK(nacre_potential_load(eam, &pot, &err), &err);
  else CHECK_OK(nacre_lj_new(0.415, 2.277, 5.5, 1, &pot, &err), &err);
  if (!pot) TEST_DONE();
  printf("potential: %s\n", eam ? eam : "Lennard-Jones stand-in (Cu_u3.eam absent)");

  nacre_structure *fcc = mdtest_cu_fcc(1, 3.615);
  nacre_structure *rattled = nacre_structure_new(8, NULL);
  memcpy(rattled->cell, fcc->cell, sizeof fcc->cell);
  rattled->cell[2][2] *= 2;
  nacre_rng rng;
  nacre_rng_init(&rng, 11, 0);
  for (int i = 0; i < 8; i++) {
    rattled->numbers[i] = 29;
    for (int c = 0; c < 3; c++)
      rattled->positions[3 * i + c] = fcc->positions[3 * (i % 4) + c] +
                                      (c == 2 && i >= 4 ? 3.615 : 0) +
                                      0.05 * nacre_rng_normal(&rng);
  }
  modes_of(pot, rattled, "rattled fcc, 8 atoms", 0.01, 1e-9, 0);
  nacre_structure *bcc = bcc_cu();
  modes_of(pot, bcc, "bcc, 8 atoms (holds N)", 0.002, 2e-4, eam != NULL);
  search();

  nacre_structure_free(bcc);
  nacre_structure_free(rattled);
  nacre_structure_free(fcc);
  nacre_potential_free(pot);
  test_tmp_cleanup();
  TEST_DONE();
}
