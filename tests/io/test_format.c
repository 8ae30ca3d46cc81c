/* test_format.c — format detection by name (POSCAR, CONTCAR, *.vasp,
 * *.poscar, *.xyz, *.extxyz, *.xyz.gz, *.cif, OUTCAR*) and by content for
 * unhelpful names; "path@N" parsing (a file whose name contains '@' is
 * taken as it is); atomic writes leave no temporary file and keep the old
 * file when writing fails; frame helpers (info, columns, copy). */
#include <string.h>
#include <unistd.h>

#include "builders.h"
#include "iotest.h"
#include "nacre/io.h"
#include "testing.h"

static void by_name(void) {
  static const struct { const char *name; nacre_format fmt; } cases[] = {
      {"POSCAR", NACRE_FORMAT_POSCAR},        {"dir/CONTCAR", NACRE_FORMAT_POSCAR},
      {"POSCAR_relaxed", NACRE_FORMAT_POSCAR}, {"a.vasp", NACRE_FORMAT_POSCAR},
      {"b.poscar", NACRE_FORMAT_POSCAR},      {"t.xyz", NACRE_FORMAT_EXTXYZ},
      {"t.extxyz", NACRE_FORMAT_EXTXYZ},      {"t.XYZ.gz", NACRE_FORMAT_EXTXYZ},
      {"NaCl.cif", NACRE_FORMAT_CIF},         {"run/OUTCAR", NACRE_FORMAT_OUTCAR},
      {"OUTCAR.3", NACRE_FORMAT_OUTCAR},      {"data.lmp", NACRE_FORMAT_LAMMPS_DATA}};
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++)
    CHECK(nacre_format_guess(cases[k].name) == cases[k].fmt, "format of %s",
          cases[k].name);
}

static void by_content(void) {
  static const struct { const char *fixture; nacre_format fmt; } cases[] = {
      {"POSCAR_vasp4", NACRE_FORMAT_POSCAR},
      {"POSCAR_3scale", NACRE_FORMAT_POSCAR},
      {"labels.extxyz", NACRE_FORMAT_EXTXYZ},
      {"rutile_TiO2.cif", NACRE_FORMAT_CIF},
      {"OUTCAR_NaCl_2steps", NACRE_FORMAT_OUTCAR}};
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    char rel[256], path[4200];
    snprintf(rel, sizeof rel, "tests/data/io/%s", cases[k].fixture);
    char *text = test_read_all(test_source_path(rel), NULL);
    snprintf(path, sizeof path, "%s", test_tmp_path("unnamed.txt"));
    test_write_text(path, text ? text : "");
    free(text);
    CHECK(nacre_format_guess(path) == cases[k].fmt, "content of %s",
          cases[k].fixture);
    nacre_structure *s = NULL;
    CHECK(nacre_read_structure(path, &s, NULL) == NACRE_OK && s,
          "read %s under a neutral name", cases[k].fixture);
    nacre_structure_free(s);
  }
  test_write_text(test_tmp_path("junk.txt"), "hello\nworld\n");
  nacre_error err;
  nacre_structure *s = NULL;
  CHECK(nacre_read_structure(test_tmp_path("junk.txt"), &s, &err) ==
                NACRE_ERR_UNSUPPORTED && strstr(err.message, "cannot tell"),
        "unknown content is reported");
}

static void specs(void) {
  char *path;
  int index, has;
  CHECK(!nacre_spec_parse("a.xyz@-2", &path, &index, &has, NULL) &&
            !strcmp(path, "a.xyz") && index == -2 && has,
        "path@N");
  free(path);
  CHECK(!nacre_spec_parse("a.xyz", &path, &index, &has, NULL) && index == -1 && !has,
        "no @N: last frame");
  free(path);
  CHECK(!nacre_spec_parse("a@b.xyz", &path, &index, &has, NULL) &&
            !strcmp(path, "a@b.xyz") && !has,
        "@ not followed by an integer");
  free(path);
  char odd[4200];
  snprintf(odd, sizeof odd, "%s", test_tmp_path("odd.xyz@3"));
  test_write_text(odd, "1\n\nNa 0 0 0\n");
  CHECK(!nacre_spec_parse(odd, &path, &index, &has, NULL) && !has &&
            !strcmp(path, odd),
        "an existing file named x@3 is taken as it is");
  free(path);
}

static void atomic(void) {
  int n[3] = {1, 1, 1};
  nacre_structure *s = build_bulk("sc", 29, 2.5, n);
  char path[4200];
  snprintf(path, sizeof path, "%s", test_tmp_path("atomic.vasp"));
  nacre_error err;
  nacre_error_clear(&err);
  CHECK_OK(nacre_write_structure(path, s, NACRE_FORMAT_AUTO, &err), &err);
  char tmp[4300];
  snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
  CHECK(access(tmp, F_OK) != 0, "no temporary file left after success");
  char *before = test_read_all(path, NULL);
  s->positions[0] = NAN; /* invalid: the write must fail */
  CHECK(nacre_write_structure(path, s, NACRE_FORMAT_AUTO, &err) != NACRE_OK,
        "writing a NaN position fails");
  char *after = test_read_all(path, NULL);
  CHECK(before && after && !strcmp(before, after), "old file kept on failure");
  CHECK(access(tmp, F_OK) != 0, "no temporary file left after failure");
  free(before);
  free(after);
  nacre_structure_free(s);
}

static void frame_helpers(void) {
  nacre_frame f, g;
  nacre_frame_init(&f);
  nacre_frame_init(&g);
  f.s = nacre_structure_new(2, NULL);
  CHECK_OK(nacre_frame_set_info(&f, "k", "v1", NULL), NULL);
  CHECK_OK(nacre_frame_set_info(&f, "k", "v2", NULL), NULL);
  CHECK(f.ninfo == 1 && !strcmp(nacre_frame_get_info(&f, "k"), "v2"),
        "set_info replaces");
  nacre_column *c;
  CHECK_OK(nacre_frame_add_column(&f, "names", 'S', 1, &c, NULL), NULL);
  c->str[0] = strdup("a");
  c->str[1] = strdup("b");
  CHECK(nacre_frame_add_column(&f, "bad", 'Q', 1, NULL, NULL) != NACRE_OK,
        "bad column type refused");
  CHECK_OK(nacre_frame_copy(&g, &f, NULL), NULL);
  nacre_frame_clear(&f);
  const nacre_column *gc = nacre_frame_get_column(&g, "names");
  CHECK(gc && !strcmp(gc->str[1], "b") && nacre_frame_get_info(&g, "k"),
        "deep copy survives the original");
  nacre_frame_clear(&g);
}

int main(void) {
  by_name();
  by_content();
  specs();
  atomic();
  frame_helpers();
  test_tmp_cleanup();
  TEST_DONE();
}
