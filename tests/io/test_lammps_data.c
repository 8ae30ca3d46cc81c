/* test_lammps_data.c — LAMMPS data writer: the written box is LAMMPS'
 * restricted triclinic form of the cell (a along x, b in xy, lengths and
 * angles kept), the returned R is orthogonal and maps every position and
 * cell vector onto what the file holds, left-handed cells are mirrored to
 * lz > 0, types follow first appearance or the given order, and elements
 * without a type are refused. The reader: nacre's own files read back
 * (x·R to 1e-12 Å), a file LAMMPS itself wrote with write_data (atoms
 * wrapped into the box with image flags, a Velocities section, masses
 * without symbols) gives the same atoms to 1e-9 Å, other atom styles and
 * `nacre convert` by name and with -f lammps; malformed files are refused
 * with file:line. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <stdlib.h>
#include <unistd.h>

#include "builders.h"
#include "iotest.h"
#include "nacre/io.h"
#include "testing.h"

typedef struct {
  int natoms, ntypes;
  double lx, ly, lz, xy, xz, yz;
  int type[64];
  double x[64][3];
} parsed;

static int parse(FILE *f, parsed *p) {
  char line[512];
  memset(p, 0, sizeof *p);
  int in_atoms = 0, n = 0;
  rewind(f);
  while (fgets(line, sizeof line, f)) {
    double a, b, c;
    if (strstr(line, " atoms")) sscanf(line, "%d", &p->natoms);
    else if (strstr(line, "atom types")) sscanf(line, "%d", &p->ntypes);
    else if (strstr(line, "xlo xhi")) sscanf(line, "%lf %lf", &a, &p->lx);
    else if (strstr(line, "ylo yhi")) sscanf(line, "%lf %lf", &a, &p->ly);
    else if (strstr(line, "zlo zhi")) sscanf(line, "%lf %lf", &a, &p->lz);
    else if (strstr(line, "xy xz yz")) sscanf(line, "%lf %lf %lf", &p->xy, &p->xz, &p->yz);
    else if (!strncmp(line, "Atoms", 5)) in_atoms = 1;
    else if (in_atoms) {
      int id, t;
      if (sscanf(line, "%d %d %lf %lf %lf", &id, &t, &a, &b, &c) == 5 && id >= 1 && id <= 64) {
        p->type[id - 1] = t;
        p->x[id - 1][0] = a;
        p->x[id - 1][1] = b;
        p->x[id - 1][2] = c;
        n++;
      }
    }
  }
  return n;
}

static void check_structure(const char *what, const nacre_structure *s) {
  FILE *f = tmpfile();
  double R[3][3];
  nacre_error err;
  CHECK_OK(nacre_lammps_data_write(f, s, NULL, 0, R, &err), &err);
  parsed p;
  int n = parse(f, &p);
  fclose(f);
  CHECK(n == s->natoms && p.natoms == s->natoms, "%s: %d atoms written", what, n);
  /* R orthogonal */
  double worst = 0.0;
  for (int a = 0; a < 3; a++)
    for (int b = 0; b < 3; b++) {
      double d = 0.0;
      for (int k = 0; k < 3; k++) d += R[k][a] * R[k][b];
      worst = fmax(worst, fabs(d - (a == b)));
    }
  CHECK(worst < 1e-14, "%s: rotation orthogonal (%g)", what, worst);
  /* cell · R is the box */
  double box[3][3] = {{p.lx, 0, 0}, {p.xy, p.ly, 0}, {p.xz, p.yz, p.lz}};
  worst = 0.0;
  for (int r = 0; r < 3; r++)
    for (int k = 0; k < 3; k++) {
      double v = 0.0;
      for (int m = 0; m < 3; m++) v += s->cell[r][m] * R[m][k];
      worst = fmax(worst, fabs(v - box[r][k]));
    }
  CHECK(worst < 1e-12, "%s: cell·R equals the restricted triclinic box (%g Å)", what, worst);
  CHECK(p.lx > 0 && p.ly > 0 && p.lz > 0, "%s: positive box lengths", what);
  CHECK_CLOSE(p.lx * p.ly * p.lz, fabs(nacre_cell_volume(s->cell)), 1e-9, "box volume");
  worst = 0.0;
  for (int i = 0; i < s->natoms; i++)
    for (int k = 0; k < 3; k++) {
      double v = 0.0;
      for (int m = 0; m < 3; m++) v += s->positions[3 * i + m] * R[m][k];
      worst = fmax(worst, fabs(v - p.x[i][k]));
    }
  CHECK(worst < 1e-12, "%s: positions are x·R (%g Å)", what, worst);
}

/* |a − b| over the atoms and cell of two structures with the same atoms. */
static double worst_difference(const nacre_structure *a,
                               const nacre_structure *b) {
  double worst = 0;
  for (int i = 0; i < 3; i++)
    for (int k = 0; k < 3; k++)
      worst = fmax(worst, fabs(a->cell[i][k] - b->cell[i][k]));
  for (int i = 0; i < 3 * a->natoms && a->natoms == b->natoms; i++)
    worst = fmax(worst, fabs(a->positions[i] - b->positions[i]));
  return a->natoms == b->natoms ? worst : INFINITY;
}

/* s in LAMMPS' frame (x·R), the structure a data file of s describes. */
static nacre_structure *rotated(const nacre_structure *s, const double R[3][3]) {
  nacre_structure *t = nacre_structure_copy(s, NULL);
  for (int i = 0; i < s->natoms + 3; i++) {
    const double *x = i < s->natoms ? s->positions + 3 * i : s->cell[i - s->natoms];
    double *y = i < s->natoms ? t->positions + 3 * i : t->cell[i - s->natoms];
    for (int k = 0; k < 3; k++)
      y[k] = x[0] * R[0][k] + x[1] * R[1][k] + x[2] * R[2][k];
  }
  return t;
}

static void reader(const nacre_structure *s) {
  const char *path = test_tmp_path("nacre.data");
  FILE *f = fopen(path, "w");
  double R[3][3];
  nacre_error err;
  CHECK_OK(nacre_lammps_data_write(f, s, NULL, 0, R, &err), &err);
  fclose(f);
  nacre_structure *want = rotated(s, R), *got = NULL;
  CHECK_OK(nacre_read_structure(path, &got, &err), &err);
  if (got) {
    CHECK(!memcmp(got->numbers, want->numbers, sizeof(int) * (size_t)s->natoms),
          "elements read back from the Masses comments");
    CHECK(worst_difference(got, want) < 1e-12, "nacre's file read back: %g Å",
          worst_difference(got, want));
  }
  nacre_structure_free(got);
  got = NULL;
  /* LAMMPS reads it and writes its own (when Debian's lammps is there) */
  char cmd[10000], dir[4096];
  snprintf(dir, sizeof dir, "%s", test_tmp_path(""));
  snprintf(cmd, sizeof cmd,
           "cd '%s' && printf 'units metal\\natom_style atomic\\nboundary p p p\\n"
           "read_data nacre.data\\nvelocity all create 300 4\\n"
           "write_data lmp.data\\n' > in.lmp && lmp -nocite -in in.lmp -log "
           "none -screen none",
           dir);
  if (access("/usr/bin/lmp", X_OK) == 0 && system(cmd) == 0) {
    CHECK_OK(nacre_read_structure(test_tmp_path("lmp.data"), &got, &err), &err);
    if (got) {
      CHECK(!memcmp(got->numbers, want->numbers, sizeof(int) * (size_t)s->natoms),
            "elements of LAMMPS' file from the masses");
      /* LAMMPS wrapped the atoms into its box: the same atoms up to whole
       * cell vectors, which its image flags restore */
      CHECK(worst_difference(got, want) < 1e-9,
            "LAMMPS' write_data read: %g Å", worst_difference(got, want));
    }
    nacre_structure_free(got);
  } else {
    printf("note: Debian's lmp absent, the LAMMPS-written file is not read\n");
  }
  /* convert by name and with -f lammps */
  snprintf(cmd, sizeof cmd,
           "cd '%s' && %s convert nacre.data a.xyz 2>/dev/null && %s convert "
           "a.xyz b.lmp 2>/dev/null && %s convert a.xyz c.txt -f lammps "
           "2>/dev/null && cmp -s b.lmp c.txt",
           dir, NACRE_CLI, NACRE_CLI, NACRE_CLI);
  CHECK(system(cmd) == 0, "nacre convert reads data files and writes -f lammps");
  nacre_structure_free(want);
}

static void styles_and_errors(void) {
  static const char *head =
      "title\n\n2 atoms\n1 atom types\n\n0 4 xlo xhi\n0 4 ylo yhi\n0 4 zlo zhi\n"
      "\nMasses\n\n1 22.98976928\n\n";
  struct {
    const char *atoms;
    int ok;
    const char *reason;
  } cases[] = {
      {"Atoms # charge\n\n1 1 0.5 0 0 0\n2 1 -0.5 2 2 2\n", 1, ""},
      {"Atoms # full\n\n1 7 1 0.5 0 0 0\n2 7 1 -0.5 2 2 2\n", 1, ""},
      {"Atoms\n\n1 1 0 0 0\n2 1 2 2 2\n", 1, ""},
      {"Atoms\n\n1 1 0 0 0 7\n2 1 2 2 2 7\n", 0, "without a style"},
      {"Atoms # atomic\n\n1 1 0 0 0\n1 1 2 2 2\n", 0, "once each"},
      {"Atoms # atomic\n\n1 1 0 0 0\n2 3 2 2 2\n", 0, "types 1..1"},
      {"Atoms # atomic\n\n1 1 0 0 0\n", 0, "expected 2 atom lines"},
      {"Atoms # atomic\n\n1 1 0 0 0\n2 1 4 4 4\n", 0, "same position"},
      {"Atoms # ellipsoid\n\n1 1 0 0 0 0 1\n2 1 0 2 2 2 1\n", 0, "not read"},
  };
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    char text[1000];
    snprintf(text, sizeof text, "%s%s", head, cases[k].atoms);
    const char *path = test_tmp_path("case.lmp");
    test_write_text(path, text);
    nacre_structure *s = NULL;
    nacre_error err;
    nacre_error_clear(&err);
    nacre_status st = nacre_read_structure(path, &s, &err);
    if (cases[k].ok)
      CHECK(st == NACRE_OK && s->natoms == 2 && s->numbers[1] == 11 &&
                fabs(s->positions[5] - 2) < 1e-12,
            "case %zu read: %s", k, err.message);
    else
      CHECK(st == NACRE_ERR_PARSE && strstr(err.message, "case.lmp:") &&
                strstr(err.message, cases[k].reason),
            "case %zu refused with '%s': %s", k, cases[k].reason, err.message);
    nacre_structure_free(s);
  }
  /* the image flags of the full style's second atom: z + 4 */
  char text[1000];
  snprintf(text, sizeof text, "%s%s", head,
           "Atoms # full\n\n1 7 1 0.5 0 0 0\n2 7 1 -0.5 2 2 2 0 0 1\n");
  test_write_text(test_tmp_path("img.lmp"), text);
  nacre_structure *s = NULL;
  nacre_error err;
  CHECK_OK(nacre_read_structure(test_tmp_path("img.lmp"), &s, &err), &err);
  CHECK(s && fabs(s->positions[5] - 6) < 1e-12, "image flag nz = 1 adds c");
  nacre_structure_free(s);
  /* a mass that names no element */
  test_write_text(test_tmp_path("mass.lmp"),
                  "t\n\n1 atoms\n1 atom types\n0 4 xlo xhi\n0 4 ylo yhi\n"
                  "0 4 zlo zhi\n\nMasses\n\n1 50.0\n\nAtoms\n\n1 1 0 0 0\n");
  CHECK(nacre_read_structure(test_tmp_path("mass.lmp"), &s, &err) ==
                NACRE_ERR_PARSE && strstr(err.message, "mass.lmp:11") &&
            strstr(err.message, "names no single element"),
        "unknown mass refused: %s", err.message);
}

int main(void) {
  int n2[3] = {2, 1, 1};
  nacre_structure *s = build_bulk("fcc", 29, 3.6, n2);
  s->numbers[1] = 47;
  s->numbers[2] = 47;
  build_rattle(s, 0.1, 1);
  double eps[6] = {0.05, -0.03, 0.02, 0.1, -0.07, 0.08};
  build_strain(s, eps);
  double rot[3][3];
  build_random_rotation(rot, 3);
  build_rotate(s, rot);
  check_structure("rotated triclinic", s);
  reader(s);
  styles_and_errors();

  /* types: first appearance (Cu = 1, Ag = 2) or as given */
  FILE *f = tmpfile();
  parsed p;
  nacre_error err;
  CHECK_OK(nacre_lammps_data_write(f, s, NULL, 0, NULL, &err), &err);
  parse(f, &p);
  fclose(f);
  CHECK(p.ntypes == 2 && p.type[0] == 1 && p.type[1] == 2, "types by first appearance");
  int tz[3] = {47, 13, 29};
  f = tmpfile();
  CHECK_OK(nacre_lammps_data_write(f, s, tz, 3, NULL, &err), &err);
  parse(f, &p);
  fclose(f);
  CHECK(p.ntypes == 3 && p.type[0] == 3 && p.type[1] == 1, "types as given");
  int only_cu[1] = {29};
  f = tmpfile();
  CHECK(nacre_lammps_data_write(f, s, only_cu, 1, NULL, &err) == NACRE_ERR_INVALID &&
            strstr(err.message, "Ag"),
        "element without a type refused: %s", err.message);
  fclose(f);

  /* left-handed cell: swap two cell vectors */
  for (int k = 0; k < 3; k++) {
    double t = s->cell[0][k];
    s->cell[0][k] = s->cell[1][k];
    s->cell[1][k] = t;
  }
  CHECK(nacre_cell_volume(s->cell) < 0, "cell is left-handed");
  check_structure("left-handed", s);
  nacre_structure_free(s);
  test_tmp_cleanup();
  TEST_DONE();
}
