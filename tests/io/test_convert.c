/* test_convert.c — `nacre convert`: exit codes (0 success, 1 failure with
 * "file:line: reason" on stderr, 2 usage), --help, conversion between
 * formats keeping the structure (1e-10), all frames with labels for an
 * extended XYZ output, IN@N selection, OUTCAR input. */
#include <errno.h>
#include <string.h>
#include <sys/wait.h>

#include "iotest.h"
#include "nacre/io.h"
#include "testing.h"

static char errfile[4200];

static int nacre_cli(const char *args) {
  char cmd[16384];
  snprintf(cmd, sizeof cmd, "%s %s >/dev/null 2>%s", NACRE_CLI, args, errfile);
  int rc = system(cmd);
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static int stderr_has(const char *text) {
  char *s = test_read_all(errfile, NULL);
  int has = s && strstr(s, text);
  free(s);
  return has;
}

static const char *src(const char *name) {
  static char buf[4][4200];
  static int k;
  char rel[256];
  snprintf(rel, sizeof rel, "tests/data/%s", name);
  k = (k + 1) % 4;
  snprintf(buf[k], sizeof buf[k], "%s", test_source_path(rel));
  return buf[k];
}

static const char *tmp(const char *name) {
  static char buf[4][4200];
  static int k;
  k = (k + 1) % 4;
  snprintf(buf[k], sizeof buf[k], "%s", test_tmp_path(name));
  return buf[k];
}

static int count_frames(const char *path) {
  nacre_xyz_reader *r = nacre_xyz_open(path, NULL);
  int n = 0, eof = 0;
  nacre_frame f;
  nacre_frame_init(&f);
  while (r && !nacre_xyz_next(r, &f, &eof, NULL)) n++;
  nacre_frame_clear(&f);
  nacre_xyz_close(r);
  return n;
}

/* A full disk (here a file-size limit, ulimit -f, with SIGXFSZ ignored as
 * a full disk raises none): the message names the system's reason, not
 * just "write failed", and neither the output nor a temporary is left. */
static void full_disk(void) {
  const char *in = tmp("big.xyz");
  FILE *fp = fopen(in, "w");
  fprintf(fp, "200\nLattice=\"30 0 0 0 30 0 0 0 30\" Properties=species:S:1:pos:R:3\n");
  for (int i = 0; i < 200; i++)
    fprintf(fp, "Na %.6f %.6f %.6f\n", 3.0 * (i % 10), 3.0 * (i / 10 % 10),
            3.0 * (i / 100));
  fclose(fp);
  char args[9000];
  snprintf(args, sizeof args,
           "sh -c \"trap '' XFSZ; ulimit -f 2; exec %s convert '%s' '%s'\" "
           ">/dev/null 2>%s",
           NACRE_CLI, in, tmp("out.vasp"), errfile);
  int rc = system(args);
  CHECK(WIFEXITED(rc) && WEXITSTATUS(rc) == 1, "full disk: exit 1");
  CHECK(stderr_has(strerror(EFBIG)), "full disk: the reason '%s' is named",
        strerror(EFBIG));
  snprintf(args, sizeof args, "ls '%s' | grep -q 'out.vasp'",
           test_tmp_path(""));
  CHECK(system(args) != 0, "no output and no temporary file left");
}

int main(void) {
  snprintf(errfile, sizeof errfile, "%s", test_tmp_path("stderr.txt"));
  char args[9000];
  CHECK(nacre_cli("convert --help") == 0, "--help exits 0");
  full_disk();
  CHECK(nacre_cli("convert") == 2 && stderr_has("expected IN and OUT"),
        "missing files: usage error 2");
  CHECK(nacre_cli("convert --bogus a b") == 2, "unknown option: 2");
  snprintf(args, sizeof args, "convert -f nope %s %s", src("io/POSCAR_vasp4"), tmp("x"));
  CHECK(nacre_cli(args) == 2, "bad --format: 2");

  /* POSCAR → CIF → POSCAR */
  snprintf(args, sizeof args, "convert %s %s", src("io/POSCAR_volume"), tmp("si.cif"));
  CHECK(nacre_cli(args) == 0, "POSCAR → CIF");
  snprintf(args, sizeof args, "convert %s %s", tmp("si.cif"), tmp("POSCAR"));
  CHECK(nacre_cli(args) == 0, "CIF → POSCAR");
  nacre_structure *a = NULL, *b = NULL;
  nacre_read_structure(src("io/POSCAR_volume"), &a, NULL);
  nacre_read_structure(tmp("POSCAR"), &b, NULL);
  if (a) {
    free(a->fixed); /* CIF carries no selective dynamics */
    a->fixed = NULL;
  }
  test_check_same_structure(a, b, 1e-10, "POSCAR → CIF → POSCAR (cubic cell)");
  nacre_structure_free(a);
  nacre_structure_free(b);

  /* every frame with labels; one frame with @N */
  snprintf(args, sizeof args, "convert %s %s", src("io/labels.extxyz"), tmp("all.xyz"));
  CHECK(nacre_cli(args) == 0 && stderr_has("3 frames"), "extxyz → extxyz, all frames");
  CHECK(count_frames(tmp("all.xyz")) == 3, "3 frames written");
  nacre_frame f;
  nacre_frame_init(&f);
  snprintf(args, sizeof args, "%s@0", tmp("all.xyz"));
  CHECK(nacre_read_frame(args, &f, NULL) == NACRE_OK && f.energy == -10.5 &&
            nacre_frame_get_column(&f, "label"),
        "labels and columns kept");
  snprintf(args, sizeof args, "convert %s@1 %s", src("io/labels.extxyz"), tmp("one.vasp"));
  CHECK(nacre_cli(args) == 0, "frame 1 → POSCAR");
  nacre_structure *s = NULL;
  nacre_read_structure(tmp("one.vasp"), &s, NULL);
  CHECK(s && s->natoms == 2 && s->numbers[0] == 14, "frame 1 selected");
  nacre_structure_free(s);

  /* a multi-frame input into one structure: frame 0 with a note, never
   * silently the last */
  snprintf(args, sizeof args, "convert %s %s", src("io/labels.extxyz"), tmp("first.vasp"));
  CHECK(nacre_cli(args) == 0 && stderr_has("holds 3 frames; frame 0"),
        "multi-frame to POSCAR: a note names the frames");
  nacre_structure *s0 = NULL, *s1 = NULL;
  snprintf(args, sizeof args, "%s@0", src("io/labels.extxyz"));
  nacre_read_structure(args, &s0, NULL);
  nacre_read_structure(tmp("first.vasp"), &s1, NULL);
  test_check_same_structure(s0, s1, 1e-10, "frame 0 written, not the last");
  nacre_structure_free(s0);
  nacre_structure_free(s1);
  snprintf(args, sizeof args, "convert -q %s %s", src("io/labels.extxyz"), tmp("q.vasp"));
  CHECK(nacre_cli(args) == 0 && !stderr_has("n"), "-q: nothing on stderr");
  snprintf(args, sizeof args, "convert %s %s", src("io/POSCAR_vasp4"), tmp("one.xyz"));
  CHECK(nacre_cli(args) == 0 && stderr_has("1 frame written") &&
            !stderr_has("1 frames"),
        "one frame: \"1 frame\", not \"1 frames\"");

  snprintf(args, sizeof args, "convert %s %s", src("io/OUTCAR_NaCl_2steps"), tmp("relax.extxyz"));
  CHECK(nacre_cli(args) == 0, "OUTCAR → extxyz");
  CHECK(count_frames(tmp("relax.extxyz")) == 2, "both ionic steps");
  snprintf(args, sizeof args, "%s@-1", tmp("relax.extxyz"));
  CHECK(nacre_read_frame(args, &f, NULL) == NACRE_OK &&
            fabs(f.free_energy + 13.20123456) < 1e-12,
        "last step's TOTEN");
  nacre_frame_clear(&f);

  /* failures */
  snprintf(args, sizeof args, "convert %s %s", src("malformed/bad_counts.poscar"), tmp("y.xyz"));
  CHECK(nacre_cli(args) == 1 && stderr_has("bad_counts.poscar:6: expected 2 atom counts"),
        "parse error: exit 1 with file:line");
  snprintf(args, sizeof args, "convert %s %s", src("io/POSCAR_vasp4"), tmp("out.unknown"));
  CHECK(nacre_cli(args) == 1 && stderr_has("cannot tell the output format"),
        "unknown output format: 1");
  snprintf(args, sizeof args, "convert %s %s", tmp("missing.vasp"), tmp("z.xyz"));
  CHECK(nacre_cli(args) == 1 && stderr_has("cannot open"), "missing input: 1");
  test_tmp_cleanup();
  TEST_DONE();
}
