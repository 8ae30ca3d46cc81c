/* test_poscar.c — POSCAR/CONTCAR: write → read round trips keep cell,
 * positions (1e-10 Å), atomic numbers, atom order (interleaved species as
 * repeated blocks) and selective-dynamics flags; hand-written fixtures
 * check VASP 4 species from the comment, a negative scale (target volume),
 * three scale factors with Cartesian coordinates, and POTCAR-style species
 * names. Expected values are worked out by hand from the VASP rules. */
#include <string.h>

#include "builders.h"
#include "iotest.h"
#include "nacre/io.h"
#include "testing.h"

static nacre_structure *read_fixture(const char *name) {
  char rel[256];
  snprintf(rel, sizeof rel, "tests/data/io/%s", name);
  nacre_structure *s = NULL;
  nacre_error err;
  nacre_error_clear(&err);
  CHECK_OK(nacre_read_structure(test_source_path(rel), &s, &err), &err);
  return s;
}

static void round_trip(void) {
  int n[3] = {2, 1, 1};
  nacre_structure *s = build_bulk("fcc", 11, 4.2, n);
  build_rattle(s, 0.1, 5);
  double eps[6] = {0.02, -0.01, 0.03, 0.01, -0.02, 0.015};
  build_strain(s, eps);
  /* interleave species: Na Cl Na Cl ... then a run of two Cl */
  for (int i = 0; i < s->natoms; i++) s->numbers[i] = i % 2 ? 17 : 11;
  s->numbers[s->natoms - 2] = 17;
  nacre_error err;
  nacre_error_clear(&err);
  nacre_structure_alloc_fixed(s, &err);
  s->fixed[0] = s->fixed[4] = s->fixed[3 * s->natoms - 1] = 1;
  const char *path = test_tmp_path("rt.vasp");
  CHECK_OK(nacre_write_structure(path, s, NACRE_FORMAT_AUTO, &err), &err);
  nacre_structure *back = NULL;
  CHECK_OK(nacre_read_structure(path, &back, &err), &err);
  test_check_same_structure(s, back, 1e-10, "POSCAR round trip");
  nacre_structure_free(back);
  /* CONTCAR name, no flags */
  free(s->fixed);
  s->fixed = NULL;
  path = test_tmp_path("CONTCAR");
  CHECK_OK(nacre_write_structure(path, s, NACRE_FORMAT_AUTO, &err), &err);
  CHECK_OK(nacre_read_structure(path, &back, &err), &err);
  test_check_same_structure(s, back, 1e-10, "CONTCAR round trip");
  CHECK(back && !back->fixed, "no selective dynamics written without flags");
  nacre_structure_free(back);
  nacre_structure_free(s);
}

static void vasp4(void) {
  nacre_structure *s = read_fixture("POSCAR_vasp4");
  if (!s) return;
  CHECK(s->natoms == 2 && s->numbers[0] == 11 && s->numbers[1] == 17,
        "VASP 4 species from the comment");
  CHECK_CLOSE(s->cell[0][1], 2.82, 1e-12, "scaled lattice (5.64 × 0.5)");
  CHECK_CLOSE(s->positions[3], 2.82, 1e-12, "direct (0.5,0.5,0.5) → Cartesian x");
  CHECK_CLOSE(nacre_structure_volume(s), 5.64 * 5.64 * 5.64 / 4, 1e-9,
              "fcc primitive volume a^3/4");
  nacre_structure_free(s);
}

static void negative_scale(void) {
  nacre_structure *s = read_fixture("POSCAR_volume");
  if (!s) return;
  CHECK_CLOSE(nacre_structure_volume(s), 160.103007, 1e-9,
              "negative scale is the target volume");
  double a = cbrt(160.103007);
  CHECK_CLOSE(s->positions[3 * 4 + 2], 0.25 * a, 1e-12,
              "Cartesian positions scaled like the lattice");
  CHECK(s->fixed && s->fixed[0] && s->fixed[1] && s->fixed[2] && !s->fixed[3] &&
            s->fixed[3 * 2 + 1] && !s->fixed[3 * 2],
        "selective dynamics: F → fixed");
  CHECK(s->natoms == 8 && s->numbers[7] == 14, "8 Si");
  nacre_structure_free(s);
}

static void three_scales(void) {
  nacre_structure *s = read_fixture("POSCAR_3scale");
  if (!s) return;
  CHECK(s->natoms == 3 && s->numbers[0] == 11 && s->numbers[1] == 17 &&
            s->numbers[2] == 17,
        "species Na_pv and Cl/hash");
  CHECK_CLOSE(s->cell[1][0], 1.0, 1e-14, "b_x scaled by 2");
  CHECK_CLOSE(s->cell[1][1], 3.0, 1e-14, "b_y scaled by 3");
  CHECK_CLOSE(s->cell[2][2], 4.0, 1e-14, "c_z scaled by 4");
  CHECK_CLOSE(s->positions[0], 0.2, 1e-14, "x of a Cartesian position × 2");
  CHECK_CLOSE(s->positions[1], 0.6, 1e-14, "y × 3");
  CHECK_CLOSE(s->positions[2], 1.2, 1e-14, "z × 4");
  nacre_structure_free(s);
}

static void comment_and_stream(void) {
  int n[3] = {1, 1, 1};
  nacre_structure *s = build_bulk("bcc", 3, 3.5, n);
  const char *path = test_tmp_path("stream.poscar");
  FILE *fp = fopen(path, "w");
  nacre_error err;
  nacre_error_clear(&err);
  CHECK_OK(nacre_poscar_write(fp, s, "line one\nline two", &err), &err);
  fclose(fp);
  char *text = test_read_all(path, NULL);
  CHECK(text && !strncmp(text, "line one line two\n", 18),
        "newlines in the comment become spaces");
  free(text);
  fp = fopen(path, "r");
  nacre_structure *back = NULL;
  CHECK_OK(nacre_poscar_read(fp, "stream", &back, &err), &err);
  fclose(fp);
  test_check_same_structure(s, back, 1e-10, "POSCAR through FILE*");
  nacre_structure_free(back);
  nacre_structure_free(s);
}

int main(void) {
  round_trip();
  vasp4();
  negative_scale();
  three_scales();
  comment_and_stream();
  test_tmp_cleanup();
  TEST_DONE();
}
