/* test_duplicates.c — the duplicate test on Lennard-Jones clusters, whose
 * distinct minima lie far closer in energy than a per-atom window of a few
 * meV and whose pair distributions nearly coincide.
 *
 * LJ15: the LJ13 icosahedron with an atom on two of its faces. Two far
 * apart faces (opposite, or at the second-largest angle) give two distinct
 * minima: relaxed to 1e-6 ε/σ their energies differ by far more than the
 * relaxation's precision (an independent proof that they are different
 * minima), yet by less than 0.005 per atom, and their pair-distribution
 * similarity is above 0.95, so energy window and pair distribution alone
 * would merge them; the overlap-matrix fingerprint must keep them apart.
 * The same minimum relaxed from another, symmetry-equivalent pair of faces
 * (an independent relaxation at the search's default 0.01 ε/σ), and a
 * rotated, permuted copy, must be merged. The decisions must not change
 * when the energies are in other units: the same clusters with argon's
 * ε = 0.0104 eV and σ = 3.4 Å. Crystals, and clusters beyond
 * NACRE_OVERLAP_MAX_ATOMS, carry no overlap eigenvalues. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "builders.h"
#include "nacre/search.h"
#include "testing.h"

static const double phi = 1.6180339887498949;

/* The icosahedron's 12 vertices (0, ±1, ±φ) and cyclic, unit radius. */
static void ico_vertices(double v[12][3]) {
  int n = 0;
  for (int c = 0; c < 3; c++)
    for (int s1 = -1; s1 <= 1; s1 += 2)
      for (int s2 = -1; s2 <= 1; s2 += 2) {
        double p[3] = {0, s1 * 1.0, s2 * phi};
        double r = sqrt(1 + phi * phi);
        for (int k = 0; k < 3; k++) v[n][(k + c) % 3] = p[k] / r;
        n++;
      }
}

/* The 20 faces: triples of vertices pairwise at the edge length. */
static int ico_faces(const double v[12][3], int f[20][3]) {
  double edge = 2.0 / sqrt(1 + phi * phi);
  int n = 0;
  for (int a = 0; a < 12; a++)
    for (int b = a + 1; b < 12; b++)
      for (int c = b + 1; c < 12; c++) {
        int ok = 1;
        int t[3] = {a, b, c};
        for (int i = 0; i < 3 && ok; i++)
          for (int j = i + 1; j < 3; j++) {
            double d2 = 0;
            for (int k = 0; k < 3; k++) {
              double x = v[t[i]][k] - v[t[j]][k];
              d2 += x * x;
            }
            if (fabs(sqrt(d2) - edge) > 1e-9) ok = 0;
          }
        if (ok && n < 20) memcpy(f[n++], t, sizeof t);
      }
  return n;
}

static void face_normal(const double v[12][3], const int f[3], double n[3]) {
  double r = 0;
  for (int k = 0; k < 3; k++) {
    n[k] = v[f[0]][k] + v[f[1]][k] + v[f[2]][k];
    r += n[k] * n[k];
  }
  for (int k = 0; k < 3; k++) n[k] /= sqrt(r);
}

/* Icosahedron of radius 1.09 σ, one atom 1.7 σ out along each face
 * normal given; then relaxed. */
static nacre_structure *lj15(const double n1[3], const double n2[3],
                             double sigma, nacre_search_relaxer *rel,
                             double *energy) {
  double v[12][3];
  ico_vertices(v);
  nacre_error err;
  nacre_structure *s = nacre_structure_new(15, &err);
  if (!s) return NULL;
  memset(s->cell, 0, sizeof s->cell);
  for (int k = 0; k < 3; k++) {
    s->cell[k][k] = 30 * sigma;
    s->pbc[k] = 0;
  }
  for (int i = 0; i < 15; i++) {
    s->numbers[i] = 18;
    for (int k = 0; k < 3; k++) {
      double x = i == 0 ? 0 : i <= 12 ? 1.09 * v[i - 1][k]
                 : i == 13 ? 1.7 * n1[k] : 1.7 * n2[k];
      s->positions[3 * i + k] = sigma * (x + 15);
    }
  }
  nacre_search_relaxed out;
  memset(&out, 0, sizeof out);
  CHECK_OK(nacre_search_relax_potential(rel, s, 0, &out, &err), &err);
  CHECK(out.ok, "LJ15 relaxed (%s)", out.outcome);
  *energy = out.energy;
  return s;
}

static nacre_fingerprint *fingerprint(const nacre_structure *s) {
  nacre_fingerprint *fp = NULL;
  nacre_error err;
  CHECK_OK(nacre_fingerprint_new(s, NULL, &fp, &err), &err);
  return fp;
}

static nacre_search_relaxer *relaxer(double eps, double sigma, double fmax) {
  char spec[128];
  snprintf(spec, sizeof spec, "lj:epsilon=%g,sigma=%g,cutoff=%g", eps, sigma,
           10 * sigma);
  nacre_search_relax_settings rs = {fmax, 0.01, 5000};
  nacre_search_relaxer *rel = NULL;
  nacre_error err;
  CHECK_OK(nacre_search_relaxer_new(spec, &rs, &rel, &err), &err);
  if (!rel) return NULL;
  nacre_random_options o;
  nacre_random_options_init(&o);
  nacre_random_options_set_distance(&o, 18, 18, 0.8 * sigma, NULL);
  nacre_search_relaxer_set_distances(rel, &o);
  return rel;
}

static void check_scale(double eps, double sigma, const char *units) {
  double v[12][3];
  int f[20][3];
  ico_vertices(v);
  CHECK(ico_faces(v, f) == 20, "%s: 20 faces", units);
  double nrm[20][3];
  for (int k = 0; k < 20; k++) face_normal(v, f[k], nrm[k]);
  /* face 0 with the face opposite it (cos −1), with the one at the
   * second-largest angle, and another opposite pair */
  int opp = -1, far = -1, other = -1, other_opp = -1;
  double worst = 2;
  for (int k = 1; k < 20; k++) {
    double c = 0;
    for (int d = 0; d < 3; d++) c += nrm[0][d] * nrm[k][d];
    if (c < -1 + 1e-9) opp = k;
    else if (c < worst) worst = c, far = k;
  }
  for (int k = 1; k < 20 && other < 0; k++)
    if (k != opp && k != far) other = k;
  for (int k = 0; k < 20; k++) {
    double c = 0;
    for (int d = 0; d < 3; d++) c += nrm[other][d] * nrm[k][d];
    if (c < -1 + 1e-9) other_opp = k;
  }
  CHECK(opp > 0 && far > 0 && other_opp >= 0, "%s: faces found", units);
  if (opp < 0 || far < 0 || other_opp < 0) return;

  nacre_search_relaxer *tight = relaxer(eps, sigma, 1e-6 * eps / sigma),
                       *loose = relaxer(eps, sigma, 1e-2 * eps / sigma);
  if (!tight || !loose) return;
  double ea, eb, ea2;
  nacre_structure *a = lj15(nrm[0], nrm[opp], sigma, tight, &ea),
                  *b = lj15(nrm[0], nrm[far], sigma, tight, &eb),
                  *a2 = lj15(nrm[other], nrm[other_opp], sigma, loose, &ea2);
  nacre_fingerprint *fa = fingerprint(a), *fb = fingerprint(b),
                    *fa2 = fingerprint(a2);
  /* independent facts: different minima by their energies (relaxed to
   * 1e-6 ε/σ the energy is within ~1e-10 ε of the minimum's), close
   * enough in energy and pair distribution for the per-atom rule */
  printf("%s: E(opposite) %.9f ε, E(far) %.9f ε, E(opposite, other faces, "
         "fmax 0.01) %.9f ε\n", units, ea / eps, eb / eps, ea2 / eps);
  double sim_ab = nacre_fingerprint_similarity(fa, fb);
  double d_ab = nacre_fingerprint_overlap_distance(fa, fb),
         d_aa2 = nacre_fingerprint_overlap_distance(fa, fa2);
  printf("%s: pair similarity %.5f, overlap distances %.2e (distinct) and "
         "%.2e (same minimum)\n", units, sim_ab, d_ab, d_aa2);
  CHECK(fabs(ea - eb) > 1e-5 * eps, "%s: distinct minima (ΔE %.2e ε)", units,
        fabs(ea - eb) / eps);
  CHECK(fabs(ea - eb) / 15 < 0.005 * eps && sim_ab > 0.95,
        "%s: per-atom window and pair distribution cannot tell them apart "
        "(ΔE/N %.2e ε, similarity %.4f)", units, fabs(ea - eb) / 15 / eps,
        sim_ab);
  CHECK(fabs(ea - ea2) < 1e-4 * eps, "%s: the same minimum again (ΔE %.2e ε)",
        units, fabs(ea - ea2) / eps);

  nacre_duplicate_options o;
  nacre_duplicate_options_init(&o);
  nacre_minimum_key ka = {fa, ea / 15, 0, 0}, kb = {fb, eb / 15, 0, 0},
                    ka2 = {fa2, ea2 / 15, 0, 0};
  CHECK(!nacre_is_duplicate(&ka, &kb, &o), "%s: distinct minima kept apart",
        units);
  CHECK(nacre_is_duplicate(&ka, &ka2, &o),
        "%s: the same minimum from other faces merged", units);
  /* a rotated copy in reversed atom order: the same fingerprint */
  nacre_error err;
  nacre_structure *r = nacre_structure_copy(a, &err);
  double rot[3][3];
  build_random_rotation(rot, 3);
  for (int i = 0; i < 15; i++)
    memcpy(r->positions + 3 * i, a->positions + 3 * (14 - i),
           sizeof(double) * 3);
  build_rotate(r, rot);
  nacre_fingerprint *fr = fingerprint(r);
  CHECK(nacre_fingerprint_overlap_distance(fa, fr) < 1e-12,
        "%s: rotated, permuted copy: overlap distance %.2e", units,
        nacre_fingerprint_overlap_distance(fa, fr));
  nacre_minimum_key kr = {fr, ea / 15, 0, 0};
  CHECK(nacre_is_duplicate(&ka, &kr, &o), "%s: rotated copy merged", units);
  /* the relative window alone: 2e-4 of |E| apart is distinct, 5e-5 not */
  kr.h_atom = ka.h_atom * (1 + 2e-4);
  CHECK(!nacre_is_duplicate(&ka, &kr, &o), "%s: 2e-4 of |E| apart: distinct",
        units);
  kr.h_atom = ka.h_atom * (1 + 5e-5);
  CHECK(nacre_is_duplicate(&ka, &kr, &o), "%s: 5e-5 of |E| apart: same",
        units);
  /* a stored fingerprint keeps its overlap eigenvalues */
  size_t n = nacre_fingerprint_size(fa);
  double *buf = malloc(sizeof(double) * n);
  nacre_fingerprint *back = NULL;
  nacre_fingerprint_pack(fa, buf);
  CHECK_OK(nacre_fingerprint_unpack(buf, n, &back, &err), &err);
  if (back)
    CHECK(nacre_fingerprint_overlap_distance(fa, back) == 0.0,
          "%s: unpacked overlap eigenvalues", units);
  nacre_fingerprint *bad = NULL;
  CHECK(nacre_fingerprint_unpack(buf, n - 1, &bad, &err) == NACRE_ERR_PARSE &&
            !bad,
        "%s: a fingerprint missing an eigenvalue is refused", units);
  free(buf);
  nacre_fingerprint_free(back);
  nacre_fingerprint_free(fr);
  nacre_structure_free(r);
  nacre_fingerprint_free(fa);
  nacre_fingerprint_free(fb);
  nacre_fingerprint_free(fa2);
  nacre_structure_free(a);
  nacre_structure_free(b);
  nacre_structure_free(a2);
  nacre_search_relaxer_free(tight);
  nacre_search_relaxer_free(loose);
}

/* Crystals carry no overlap eigenvalues, nor clusters beyond
 * NACRE_OVERLAP_MAX_ATOMS; a cluster at the bound does. */
static void check_sizes(void) {
  nacre_error err;
  int one[3] = {1, 1, 1};
  nacre_structure *fcc = build_bulk("fcc", 18, 5.26, one);
  nacre_fingerprint *fp = fingerprint(fcc);
  CHECK(fp && fp->noverlap == 0 && !fp->overlap, "a crystal: no overlap "
        "eigenvalues");
  nacre_fingerprint_free(fp);
  nacre_structure_free(fcc);
  for (int n = NACRE_OVERLAP_MAX_ATOMS; n <= NACRE_OVERLAP_MAX_ATOMS + 1; n++) {
    nacre_structure *s = nacre_structure_new(n, &err);
    if (!s) return;
    int side = (int)ceil(cbrt((double)n));
    memset(s->cell, 0, sizeof s->cell);
    for (int k = 0; k < 3; k++) {
      s->cell[k][k] = 2.0 * side + 20;
      s->pbc[k] = 0;
    }
    for (int i = 0; i < n; i++) {
      s->numbers[i] = 18;
      s->positions[3 * i] = 1.1 * (i % side);
      s->positions[3 * i + 1] = 1.1 * (i / side % side);
      s->positions[3 * i + 2] = 1.1 * (i / side / side);
    }
    fp = fingerprint(s);
    int want = n <= NACRE_OVERLAP_MAX_ATOMS ? n : 0;
    CHECK(fp && fp->noverlap == want, "%d atoms: %d overlap eigenvalues "
          "(expected %d)", n, fp ? fp->noverlap : -1, want);
    nacre_fingerprint_free(fp);
    nacre_structure_free(s);
  }
}

int main(void) {
  check_sizes();
  check_scale(1.0, 1.0, "reduced units");
  check_scale(0.0104, 3.4, "argon in eV and Å");
  TEST_DONE();
}
