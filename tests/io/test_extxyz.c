/* test_extxyz.c — extended XYZ: a hand-written three-frame fixture read
 * frame by frame (REF_ labels, virial → stress = −virial/V, stress as 6
 * Voigt values, quoted values with escapes, bare keys, extra I/L/S
 * columns, a plain comment line); write → read round trips keep every
 * label, column and info key (1e-10); "path@N" selects frames from either
 * end; a .xyz.gz copy reads the same frames through zlib. */
#include <string.h>
#include <zlib.h>

#include "builders.h"
#include "iotest.h"
#include "nacre/io.h"
#include "testing.h"

static const char *fixture(void) {
  return test_source_path("tests/data/io/labels.extxyz");
}

static void check_frame0(const nacre_frame *f) {
  CHECK(f->s && f->s->natoms == 3, "frame 0 has 3 atoms");
  if (!f->s || f->s->natoms != 3) return;
  CHECK(f->s->numbers[1] == 17, "species");
  CHECK((f->has & NACRE_FRAME_ENERGY) && f->energy == -10.5,
        "REF_energy read as the energy");
  CHECK((f->has & NACRE_FRAME_FORCES) && f->forces[5] == -0.3,
        "REF_forces read as the forces");
  /* virial diag (1.6, 3.2, 6.4) eV over V = 64 Å^3, stress = −virial/V */
  CHECK_CLOSE(f->stress[0], -0.025, 1e-15, "stress xx from virial");
  CHECK_CLOSE(f->stress[1], -0.05, 1e-15, "stress yy from virial");
  CHECK_CLOSE(f->stress[2], -0.1, 1e-15, "stress zz from virial");
  const nacre_column *tags = nacre_frame_get_column(f, "tags");
  const nacre_column *mask = nacre_frame_get_column(f, "mask");
  const nacre_column *label = nacre_frame_get_column(f, "label");
  CHECK(tags && tags->type == 'I' && tags->real[1] == -2, "I column");
  CHECK(mask && mask->type == 'L' && mask->real[0] == 1 && mask->real[1] == 0,
        "L column");
  CHECK(label && label->type == 'S' && !strcmp(label->str[2], "third"),
        "S column");
  const char *ct = nacre_frame_get_info(f, "config_type");
  CHECK(ct && !strcmp(ct, "two words"), "quoted value with a space");
  const char *bulk = nacre_frame_get_info(f, "is_bulk");
  CHECK(bulk && !strcmp(bulk, "T"), "bare key means T");
  CHECK(nacre_frame_get_info(f, "REF_energy") == NULL,
        "a used REF_ key is not kept as info");
}

static void check_frame1(const nacre_frame *f) {
  CHECK(f->s && f->s->natoms == 2, "frame 1 has 2 atoms");
  if (!f->s || f->s->natoms != 2) return;
  CHECK(f->s->pbc[0] && f->s->pbc[1] && !f->s->pbc[2], "pbc T T F");
  CHECK(f->s->cell[1][0] == 0.5, "Lattice rows");
  CHECK(f->energy == -1.25 && f->free_energy == -1.5 &&
            (f->has & NACRE_FRAME_FREE_ENERGY),
        "energy and free_energy");
  CHECK(f->stress[3] == 0.4 && f->stress[5] == 0.6,
        "6-value stress in Voigt order");
  const char *ref = nacre_frame_get_info(f, "REF_energy");
  CHECK(ref && !strcmp(ref, "-9.0"), "REF_energy kept when energy is given");
  const char *title = nacre_frame_get_info(f, "title");
  CHECK(title && !strcmp(title, "a \"quoted\" word"), "escaped quotes");
}

static void check_frame2(const nacre_frame *f) {
  CHECK(f->s && f->s->natoms == 2 && f->s->numbers[0] == 8, "plain XYZ frame");
  if (!f->s) return;
  CHECK(!f->s->pbc[0] && !f->s->pbc[1] && !f->s->pbc[2], "no Lattice: pbc F");
  CHECK(f->has == 0, "no labels");
  CHECK(nacre_frame_get_info(f, "plain"), "plain comment words kept as keys");
}

static int read_all(const char *path, nacre_frame frames[3]) {
  nacre_error err;
  nacre_error_clear(&err);
  nacre_xyz_reader *r = nacre_xyz_open(path, &err);
  CHECK(r != NULL, "open %s: %s", path, err.message);
  if (!r) return 0;
  int n = 0, eof = 0;
  nacre_frame f;
  nacre_frame_init(&f);
  nacre_status st;
  while (!(st = nacre_xyz_next(r, &f, &eof, &err))) {
    if (n < 3) nacre_frame_copy(&frames[n], &f, &err);
    n++;
  }
  CHECK(eof, "clean end of %s: %s", path, err.message);
  nacre_frame_clear(&f);
  nacre_xyz_close(r);
  return n;
}

static void compare_columns(const nacre_frame *a, const nacre_frame *b) {
  CHECK(a->ncolumns == b->ncolumns, "%d vs %d columns", a->ncolumns, b->ncolumns);
  for (int c = 0; c < a->ncolumns && c < b->ncolumns; c++) {
    const nacre_column *x = &a->columns[c];
    const nacre_column *y = nacre_frame_get_column(b, x->name);
    CHECK(y && y->type == x->type && y->ncomp == x->ncomp, "column %s", x->name);
    if (!y || y->type != x->type || y->ncomp != x->ncomp) continue;
    int same = 1;
    for (int k = 0; k < a->s->natoms * x->ncomp; k++)
      same &= x->type == 'S' ? !strcmp(x->str[k], y->str[k])
                             : fabs(x->real[k] - y->real[k]) <= 1e-10;
    CHECK(same, "column %s values", x->name);
  }
}

static void compare_frames(const nacre_frame *a, const nacre_frame *b,
                           const char *what) {
  test_check_same_structure(a->s, b->s, 1e-10, what);
  CHECK(a->has == b->has, "%s: label bits %u vs %u", what, a->has, b->has);
  CHECK(fabs(a->energy - b->energy) <= 1e-10 &&
            fabs(a->free_energy - b->free_energy) <= 1e-10,
        "%s: energies", what);
  for (int k = 0; k < 6; k++)
    CHECK(fabs(a->stress[k] - b->stress[k]) <= 1e-10, "%s: stress %d", what, k);
  if (a->forces && b->forces)
    for (int k = 0; k < 3 * a->s->natoms; k++)
      CHECK(fabs(a->forces[k] - b->forces[k]) <= 1e-10, "%s: force %d", what, k);
  compare_columns(a, b);
  CHECK(a->ninfo == b->ninfo, "%s: %d vs %d info keys", what, a->ninfo, b->ninfo);
  for (int k = 0; k < a->ninfo; k++) {
    const char *v = nacre_frame_get_info(b, a->info[k].key);
    CHECK(v && !strcmp(v, a->info[k].value), "%s: info %s", what, a->info[k].key);
  }
}

static void round_trip(nacre_frame frames[3]) {
  nacre_error err;
  nacre_error_clear(&err);
  const char *path = test_tmp_path("rt.extxyz");
  FILE *fp = fopen(path, "w");
  for (int k = 0; k < 3; k++) CHECK_OK(nacre_xyz_write(fp, &frames[k], &err), &err);
  fclose(fp);
  nacre_frame back[3];
  for (int k = 0; k < 3; k++) nacre_frame_init(&back[k]);
  CHECK(read_all(path, back) == 3, "3 frames written and read");
  compare_frames(&frames[0], &back[0], "frame 0 round trip");
  compare_frames(&frames[1], &back[1], "frame 1 round trip");
  compare_frames(&frames[2], &back[2], "frame 2 round trip");
  for (int k = 0; k < 3; k++) nacre_frame_clear(&back[k]);
}

static void random_round_trip(void) {
  int n[3] = {2, 2, 1};
  nacre_frame f;
  nacre_frame_init(&f);
  f.s = build_bulk("hcp", 12, 3.2, n);
  build_rattle(f.s, 0.2, 11);
  nacre_rng rng;
  nacre_rng_init(&rng, 42, 0);
  f.forces = malloc(3 * f.s->natoms * sizeof *f.forces);
  for (int k = 0; k < 3 * f.s->natoms; k++) f.forces[k] = nacre_rng_normal(&rng);
  for (int k = 0; k < 6; k++) f.stress[k] = 0.01 * nacre_rng_normal(&rng);
  f.energy = -1.0 / 3.0;
  f.has = NACRE_FRAME_ENERGY | NACRE_FRAME_FORCES | NACRE_FRAME_STRESS;
  nacre_error err;
  nacre_error_clear(&err);
  const char *path = test_tmp_path("random.xyz");
  CHECK_OK(nacre_write_frame(path, &f, NACRE_FORMAT_AUTO, &err), &err);
  nacre_frame back;
  nacre_frame_init(&back);
  CHECK_OK(nacre_read_frame(path, &back, &err), &err);
  if (back.s) compare_frames(&f, &back, "random frame round trip");
  CHECK(back.energy == f.energy && back.s && back.s->positions[5] == f.s->positions[5],
        "17 significant digits read back exactly");
  nacre_frame_clear(&back);
  nacre_frame_clear(&f);
}

static void select_frames(void) {
  char spec[4200];
  nacre_frame f;
  nacre_frame_init(&f);
  nacre_error err;
  nacre_error_clear(&err);
  snprintf(spec, sizeof spec, "%s@1", fixture());
  CHECK_OK(nacre_read_frame(spec, &f, &err), &err);
  check_frame1(&f);
  snprintf(spec, sizeof spec, "%s@-3", fixture());
  CHECK_OK(nacre_read_frame(spec, &f, &err), &err);
  check_frame0(&f);
  CHECK_OK(nacre_read_frame(fixture(), &f, &err), &err);
  check_frame2(&f); /* no @N: the last frame, as ASE */
  snprintf(spec, sizeof spec, "%s@3", fixture());
  CHECK(nacre_read_frame(spec, &f, &err) == NACRE_ERR_INVALID &&
            strstr(err.message, "the file has 3"),
        "frame 3 of 3 is an error: %s", err.message);
  snprintf(spec, sizeof spec, "%s@-4", fixture());
  CHECK(nacre_read_frame(spec, &f, &err) == NACRE_ERR_INVALID, "frame -4 of 3");
  nacre_frame_clear(&f);
}

static void gzip_copy(void) {
  size_t len;
  char *text = test_read_all(fixture(), &len);
  const char *path = test_tmp_path("labels.xyz.gz");
  gzFile gz = gzopen(path, "wb");
  CHECK(text && gz && gzwrite(gz, text, (unsigned)len) == (int)len, "gzip copy");
  if (gz) gzclose(gz);
  free(text);
  nacre_frame frames[3];
  for (int k = 0; k < 3; k++) nacre_frame_init(&frames[k]);
  CHECK(nacre_format_guess(path) == NACRE_FORMAT_EXTXYZ, ".xyz.gz is extxyz");
  CHECK(read_all(path, frames) == 3, "3 frames through zlib");
  check_frame0(&frames[0]);
  check_frame1(&frames[1]);
  for (int k = 0; k < 3; k++) nacre_frame_clear(&frames[k]);
}

static void molecule_in_box(void) {
  nacre_frame f, back;
  nacre_frame_init(&f);
  nacre_frame_init(&back);
  f.s = nacre_structure_new(2, NULL);
  f.s->numbers[0] = f.s->numbers[1] = 1;
  f.s->positions[3] = 0.74;
  for (int k = 0; k < 3; k++) {
    f.s->cell[k][k] = 10.0;
    f.s->pbc[k] = 0;
  }
  nacre_error err;
  nacre_error_clear(&err);
  const char *path = test_tmp_path("h2.xyz");
  CHECK_OK(nacre_write_frame(path, &f, NACRE_FORMAT_AUTO, &err), &err);
  CHECK_OK(nacre_read_frame(path, &back, &err), &err);
  if (back.s) compare_frames(&f, &back, "molecule in a box (pbc F, cell kept)");
  nacre_frame_clear(&back);
  nacre_frame_clear(&f);
}

int main(void) {
  nacre_frame frames[3];
  for (int k = 0; k < 3; k++) nacre_frame_init(&frames[k]);
  CHECK(read_all(fixture(), frames) == 3, "three frames in the fixture");
  check_frame0(&frames[0]);
  check_frame1(&frames[1]);
  check_frame2(&frames[2]);
  round_trip(frames);
  for (int k = 0; k < 3; k++) nacre_frame_clear(&frames[k]);
  random_round_trip();
  molecule_in_box();
  select_frames();
  gzip_copy();
  test_tmp_cleanup();
  TEST_DONE();
}
