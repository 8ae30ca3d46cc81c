/* test_lammps_data.c — LAMMPS data writer: the written box is LAMMPS'
 * restricted triclinic form of the cell (a along x, b in xy, lengths and
 * angles kept), the returned R is orthogonal and maps every position and
 * cell vector onto what the file holds, left-handed cells are mirrored to
 * lz > 0, types follow first appearance or the given order, and elements
 * without a type are refused. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "builders.h"
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
  TEST_DONE();
}
