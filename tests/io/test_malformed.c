/* test_malformed.c — every file in tests/data/malformed/ is rejected with
 * a parse error whose message names the file and line ("name:line: ...",
 * or "name: ..." for whole-file problems) and contains the expected
 * reason; none crashes or allocates by a forged atom count (the sanitize
 * preset checks the memory side). */
#include <dirent.h>
#include <string.h>

#include "nacre/io.h"
#include "testing.h"

typedef struct bad_case {
  const char *file;
  int line; /* 0: the message has no line number */
  const char *reason;
} bad_case;

static const bad_case cases[] = {
    {"bad_counts.poscar", 6, "expected 2 atom counts, got 'x'"},
    {"bad_counts5.poscar", 7, "expected 2 atom counts, got 'x'"},
    {"vasp4_nospecies.poscar", 6, "VASP 4 file without a species line"},
    {"short_lattice.poscar", 4, "expected 3 numbers for lattice vector b, got 2"},
    {"truncated.poscar", 11, "expected 4 atom positions, file ends after 2"},
    {"nan.poscar", 9, "expected 3 coordinates of atom 1, got 'nan'"},
    {"bad_scale.poscar", 2, "bad scale factor 'abc'"},
    {"unknown_element.poscar", 6, "unknown element 'Xx'"},
    {"bad_flag.poscar", 10, "selective-dynamics flags T/F, got 'X'"},
    {"singular.poscar", 3, "linearly dependent"},
    {"huge_count.poscar", 10, "expected 40000000 atom positions, file ends after 1"},
    {"empty.poscar", 1, "file ends before the comment line"},
    {"bad_count.xyz", 1, "expected the number of atoms"},
    {"short.xyz", 5, "expected 3 atom lines, the file ends after 2"},
    {"bad_lattice.xyz", 2, "Lattice: expected 9 numbers"},
    {"unterminated.xyz", 2, "unterminated quote"},
    {"columns.xyz", 3, "expected 4 columns (from Properties), got 3"},
    {"bad_props.xyz", 2, "type R, I, L or S"},
    {"nopos.xyz", 2, "Properties lacks pos:R:3"},
    {"bad_element.xyz", 3, "unknown element 'Qq'"},
    {"inf.xyz", 3, "pos: bad real value 'inf'"},
    {"virial_nocell.xyz", 2, "virial given without a periodic Lattice"},
    {"huge.xyz", 4, "expected 40000000 atom lines, the file ends after 1"},
    {"second_frame.xyz@1", 5, "pbc: expected 3 of T/F"},
    {"no_cell.cif", 0, "no _cell_length_c"},
    {"bad_op.cif", 11, "bad symmetry operation 'x,y'"},
    {"loop_count.cif", 2, "loop of 5 tags has 7 values"},
    {"bad_coord.cif", 13, "bad fractional coordinate 'abc'"},
    {"bad_angle.cif", 7, "bad _cell_angle_gamma '200'"},
    {"text_field.cif", 4, "text field (;) never closed"},
    {"quote.cif", 3, "unterminated '-quoted string"},
    {"no_atoms.cif", 0, "no atom_site loop"},
    {"OUTCAR_noenergy", 13, "no complete ionic step"},
    {"OUTCAR_badforce", 12, "expected 6 numbers (position and force of atom 2)"},
    {"OUTCAR_nospecies", 7, "species unknown"},
    {"OUTCAR_before_ions", 1, "POSITION block before 'ions per type'"},
    {"OUTCAR_badcounts", 4, "bad 'ions per type' line"},
    /* nonsense that used to be accepted */
    {"OUTCAR_unknown_element", 3, "unknown element in the POTCAR name 'Xx'"},
    {"OUTCAR_nions", 7, "adds up to 4 atoms, NIONS (line 6) says 5"},
    {"OUTCAR_zero_lattice", 9, "lattice vector b is zero"},
    {"empty_frame.xyz", 2, "no atoms"},
    {"same_position.xyz", 5, "atoms 2 and 3 are at the same position"},
    {"same_position.poscar", 10, "atoms 1 and 2 are at the same position"},
};

int main(void) {
  int n = (int)(sizeof cases / sizeof cases[0]);
  for (int k = 0; k < n; k++) {
    char rel[256], spec[4200], where[4300];
    snprintf(rel, sizeof rel, "tests/data/malformed/%s", cases[k].file);
    snprintf(spec, sizeof spec, "%s", test_source_path(rel));
    nacre_frame f;
    nacre_frame_init(&f);
    nacre_error err;
    nacre_error_clear(&err);
    nacre_status st = nacre_read_frame(spec, &f, &err);
    CHECK(st == NACRE_ERR_PARSE, "%s: parse error expected, got %s (%s)",
          cases[k].file, nacre_status_name(st), err.message);
    char *at = strrchr(spec, '@');
    if (at) *at = '\0';
    if (cases[k].line)
      snprintf(where, sizeof where, "%s:%d: ", spec, cases[k].line);
    else
      snprintf(where, sizeof where, "%s: ", spec);
    CHECK(!strncmp(err.message, where, strlen(where)),
          "%s: message starts with file:line (%d): %s", cases[k].file,
          cases[k].line, err.message);
    CHECK(strstr(err.message, cases[k].reason) != NULL,
          "%s: message has '%s': %s", cases[k].file, cases[k].reason,
          err.message);
    nacre_frame_clear(&f);
  }
  /* every corpus file has a row in the table */
  DIR *dir = opendir(test_source_path("tests/data/malformed"));
  int files = 0;
  for (struct dirent *e; dir && (e = readdir(dir));) files += e->d_name[0] != '.';
  if (dir) closedir(dir);
  CHECK(files == n, "%d files in tests/data/malformed, %d in the table", files, n);
  printf("%d malformed files checked\n", n);
  TEST_DONE();
}
