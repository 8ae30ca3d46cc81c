/* test_fingerprint.c — fingerprints are invariant under rotation,
 * translation, atom permutation and supercell choice (similarity 1 to
 * rounding), tell fcc, hcp, bcc and diamond apart, survive a small rattle,
 * and round-trip through their packed form; the duplicate test uses them
 * together with enthalpy, volume and space group. */
#include <string.h>

#include "builders.h"
#include "nacre/search.h"
#include "testing.h"

static double sim(const nacre_structure *a, const nacre_structure *b) {
  nacre_fingerprint *fa, *fb;
  nacre_error err;
  if (nacre_fingerprint_new(a, NULL, &fa, &err) ||
      nacre_fingerprint_new(b, NULL, &fb, &err)) {
    printf("fingerprint failed: %s\n", err.message);
    return -3;
  }
  double s = nacre_fingerprint_similarity(fa, fb);
  nacre_fingerprint_free(fa);
  nacre_fingerprint_free(fb);
  return s;
}

static void check_invariances(const nacre_structure *s, const char *name) {
  nacre_error err;
  /* rotation */
  nacre_structure *r = nacre_structure_copy(s, &err);
  double rot[3][3];
  build_random_rotation(rot, 7);
  build_rotate(r, rot);
  CHECK_CLOSE(sim(s, r), 1.0, 1e-9, name);
  /* translation (then wrapped) */
  nacre_structure *t = nacre_structure_copy(s, &err);
  for (int i = 0; i < t->natoms; i++) {
    t->positions[3 * i] += 0.37;
    t->positions[3 * i + 1] -= 1.91;
    t->positions[3 * i + 2] += 2.5;
  }
  nacre_structure_wrap(t);
  CHECK_CLOSE(sim(s, t), 1.0, 1e-9, name);
  /* permutation: reverse the atom order */
  nacre_structure *p = nacre_structure_copy(s, &err);
  for (int i = 0; i < s->natoms; i++) {
    int j = s->natoms - 1 - i;
    p->numbers[i] = s->numbers[j];
    memcpy(p->positions + 3 * i, s->positions + 3 * j, sizeof(double) * 3);
  }
  CHECK_CLOSE(sim(s, p), 1.0, 1e-9, name);
  /* non-diagonal supercell */
  int m[3][3] = {{2, 0, 0}, {0, 1, 0}, {1, 0, 1}};
  nacre_structure *sc = NULL;
  CHECK_OK(nacre_structure_supercell(s, m, &sc, &err), &err);
  if (sc) CHECK_CLOSE(sim(s, sc), 1.0, 1e-9, name);
  nacre_structure_free(r);
  nacre_structure_free(t);
  nacre_structure_free(p);
  nacre_structure_free(sc);
}

int main(void) {
  int one[3] = {1, 1, 1}, two[3] = {2, 2, 2};
  nacre_structure *fcc = build_bulk("fcc", 29, 3.6, one);
  nacre_structure *fcc2 = build_bulk("fcc", 29, 3.6, two);
  nacre_structure *hcp = build_bulk("hcp", 29, 3.6 / sqrt(2.0), one);
  nacre_structure *bcc = build_bulk("bcc", 29, 2.87, one);
  nacre_structure *dia = build_bulk("diamond", 29, 5.0, one);
  check_invariances(fcc, "fcc invariance");
  check_invariances(hcp, "hcp invariance");
  CHECK_CLOSE(sim(fcc, fcc2), 1.0, 1e-9, "fcc 1x1x1 vs 2x2x2");
  /* distinct structures (same nearest-neighbour distance for fcc/hcp) */
  double s_fh = sim(fcc, hcp), s_fb = sim(fcc, bcc), s_fd = sim(fcc, dia);
  printf("similarity fcc-hcp %.4f fcc-bcc %.4f fcc-diamond %.4f\n", s_fh, s_fb,
         s_fd);
  nacre_duplicate_options dup;
  nacre_duplicate_options_init(&dup);
  CHECK(s_fh < dup.similarity, "fcc and hcp differ: %.4f", s_fh);
  CHECK(s_fb < dup.similarity, "fcc and bcc differ: %.4f", s_fb);
  CHECK(s_fd < dup.similarity, "fcc and diamond differ: %.4f", s_fd);
  /* a small rattle (0.02 Å on 2.5 Å bonds) stays the same structure */
  nacre_structure *rat = build_bulk("fcc", 29, 3.6, two);
  build_rattle(rat, 0.02, 3);
  double s_r = sim(fcc, rat);
  CHECK(s_r > 0.99, "rattled fcc similarity %.4f", s_r);
  /* a uniformly compressed copy has the same fingerprint (reduced units) */
  nacre_structure *cmp = build_bulk("fcc", 29, 3.3, one);
  CHECK_CLOSE(sim(fcc, cmp), 1.0, 1e-9, "compressed fcc");

  /* two species: a random Li12Sn4 crystal */
  nacre_composition c;
  nacre_error err;
  nacre_composition_parse("Li12Sn4", &c, &err);
  nacre_random_options o;
  nacre_random_options_init(&o);
  nacre_rng rng;
  nacre_rng_init(&rng, 5, 0);
  nacre_structure *lisn = NULL, *lisn2 = NULL;
  CHECK_OK(nacre_random_crystal_any(NULL, 0, &c, &o, &rng, &lisn, NULL, &err),
           &err);
  CHECK_OK(nacre_random_crystal_any(NULL, 0, &c, &o, &rng, &lisn2, NULL, &err),
           &err);
  if (lisn && lisn2) {
    check_invariances(lisn, "Li12Sn4 invariance");
    double s2 = sim(lisn, lisn2);
    CHECK(s2 < 0.95, "two random Li12Sn4 crystals differ: %.4f", s2);
    /* pack / unpack round trip */
    nacre_fingerprint *fp, *back;
    nacre_fingerprint_new(lisn, NULL, &fp, &err);
    size_t n = nacre_fingerprint_size(fp);
    double *buf = malloc(sizeof(double) * n);
    nacre_fingerprint_pack(fp, buf);
    CHECK_OK(nacre_fingerprint_unpack(buf, n, &back, &err), &err);
    CHECK_CLOSE(nacre_fingerprint_similarity(fp, back), 1.0, 1e-15,
                "unpacked fingerprint");
    nacre_fingerprint *bad = NULL;
    CHECK(nacre_fingerprint_unpack(buf, n - 1, &bad, &err) ==
                  NACRE_ERR_PARSE &&
              bad == NULL,
          "truncated fingerprint refused");
    /* duplicate test: same fingerprint, enthalpy and volume → duplicate;
     * 10 meV/atom apart or 10% in volume → distinct */
    nacre_minimum_key a = {fp, -1.0, 20.0, 5}, b = a;
    CHECK(nacre_is_duplicate(&a, &b, &dup), "identical minima are duplicates");
    b.h_atom = -1.010;
    CHECK(!nacre_is_duplicate(&a, &b, &dup), "10 meV/atom apart: distinct");
    b = a;
    b.v_atom = 22.0;
    CHECK(!nacre_is_duplicate(&a, &b, &dup), "10%% volume apart: distinct");
    b = a;
    b.sg = 12;
    CHECK(nacre_is_duplicate(&a, &b, &dup),
          "identical fingerprints with a different space-group label: same");
    free(buf);
    nacre_fingerprint_free(fp);
    nacre_fingerprint_free(back);
  }
  /* clusters: rotation and permutation invariance */
  nacre_composition_parse("Ar13", &c, &err);
  nacre_structure *cl = NULL;
  CHECK_OK(nacre_random_cluster(&c, &o, 5.0, &rng, &cl, &err), &err);
  if (cl) {
    nacre_structure *r = nacre_structure_copy(cl, &err);
    double rot[3][3];
    build_random_rotation(rot, 11);
    build_rotate(r, rot);
    CHECK_CLOSE(sim(cl, r), 1.0, 1e-9, "cluster rotation");
    nacre_structure_free(r);
    nacre_structure_free(cl);
  }
  nacre_structure_free(lisn);
  nacre_structure_free(lisn2);
  nacre_structure_free(fcc);
  nacre_structure_free(fcc2);
  nacre_structure_free(hcp);
  nacre_structure_free(bcc);
  nacre_structure_free(dia);
  nacre_structure_free(rat);
  nacre_structure_free(cmp);
  TEST_DONE();
}
