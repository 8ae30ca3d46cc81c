/* test_ase.c — interoperability with ASE (an established reader/writer of
 * the same formats), through the Debian /usr/bin/python3 and
 * tests/io/ase_interop.py; skipped (77) when ASE is missing.
 *   nacre → ASE: extended XYZ frames (cell, pbc, positions, numbers,
 *     energy, free_energy, forces, stress, R/I/L/S columns, info), POSCAR
 *     with selective dynamics and interleaved species, P1 CIF and a CIF
 *     with symmetry operations, all read by ase.io.read and compared
 *     (1e-10; CIF through lengths/angles to 1e-8).
 *   ASE → nacre: files written by ase.io.write read by nacre and compared
 *     with what ASE put in them.
 *   Both read the OUTCAR fixtures: same frames, energies, forces, stress;
 *   rutile written by nacre_cif_write_symmetric (16 operations, 2 sites)
 *   is expanded by ASE to the same 6 atoms as nacre's reader. */
#include <cjson/cJSON.h>
#include <string.h>

#include "builders.h"
#include "io/cif.h"
#include "iotest.h"
#include "nacre/io.h"
#include "testing.h"

#define TOL 1e-10

static cJSON *run_python(const char *args) {
  char cmd[16384];
  const char *json = test_tmp_path("ase_out.json");
  char jpath[4200];
  snprintf(jpath, sizeof jpath, "%s", json);
  snprintf(cmd, sizeof cmd, "/usr/bin/python3 -W ignore %s %s",
           test_source_path("tests/io/ase_interop.py"), args);
  int rc = system(cmd);
  CHECK(rc == 0, "python: %s", cmd);
  if (rc) return NULL;
  char *text = test_read_all(strstr(args, "read ") == args ? jpath : "", NULL);
  if (!text) return NULL;
  cJSON *j = cJSON_Parse(text);
  free(text);
  return j;
}

/* Reads every frame of the given "path[:format]" specs through ASE. */
static cJSON *ase_read(const char *specs) {
  char args[12000];
  snprintf(args, sizeof args, "read %s %s", test_tmp_path("ase_out.json"),
           specs);
  return run_python(args);
}

static double num(const cJSON *a, int i) {
  const cJSON *x = cJSON_GetArrayItem(a, i);
  return cJSON_IsNumber(x) ? x->valuedouble : NAN;
}

static double num2(const cJSON *a, int i, int k) {
  return num(cJSON_GetArrayItem(a, i), k);
}

static void compare_structure(const nacre_structure *s, const cJSON *d,
                              double tol, const char *what) {
  const cJSON *numbers = cJSON_GetObjectItem(d, "numbers");
  const cJSON *cell = cJSON_GetObjectItem(d, "cell");
  const cJSON *pos = cJSON_GetObjectItem(d, "positions");
  const cJSON *pbc = cJSON_GetObjectItem(d, "pbc");
  CHECK(cJSON_GetArraySize(numbers) == s->natoms, "%s: atom count", what);
  if (cJSON_GetArraySize(numbers) != s->natoms) return;
  double dc = 0, dp = 0;
  int same = 1;
  for (int i = 0; i < 3; i++) {
    for (int k = 0; k < 3; k++) dc = fmax(dc, fabs(num2(cell, i, k) - s->cell[i][k]));
    same &= cJSON_IsTrue(cJSON_GetArrayItem(pbc, i)) == (s->pbc[i] != 0);
  }
  for (int i = 0; i < s->natoms; i++) {
    same &= (int)num(numbers, i) == s->numbers[i];
    for (int k = 0; k < 3; k++)
      dp = fmax(dp, fabs(num2(pos, i, k) - s->positions[3 * i + k]));
  }
  CHECK(dc <= tol, "%s: cell differs by %.3g", what, dc);
  CHECK(!isnan(dp) && dp <= tol, "%s: positions differ by %.3g", what, dp);
  CHECK(same, "%s: numbers and pbc", what);
}

static void compare_labels(const nacre_frame *f, const cJSON *d,
                           const char *what) {
  const cJSON *e = cJSON_GetObjectItem(d, "energy");
  const cJSON *fe = cJSON_GetObjectItem(d, "free_energy");
  const cJSON *st = cJSON_GetObjectItem(d, "stress");
  const cJSON *fo = cJSON_GetObjectItem(d, "forces");
  CHECK(!(f->has & NACRE_FRAME_ENERGY) == !cJSON_IsNumber(e), "%s: energy presence", what);
  if (cJSON_IsNumber(e)) CHECK_CLOSE(f->energy, e->valuedouble, TOL, "energy");
  if (cJSON_IsNumber(fe)) CHECK_CLOSE(f->free_energy, fe->valuedouble, TOL, "free energy");
  CHECK(!(f->has & NACRE_FRAME_STRESS) == !cJSON_IsArray(st), "%s: stress presence", what);
  for (int k = 0; cJSON_IsArray(st) && k < 6; k++)
    CHECK_CLOSE(f->stress[k], num(st, k), TOL, "stress (Voigt, ASE sign)");
  CHECK(!(f->has & NACRE_FRAME_FORCES) == !cJSON_IsArray(fo), "%s: forces presence", what);
  double df = 0;
  for (int i = 0; cJSON_IsArray(fo) && i < f->s->natoms; i++)
    for (int k = 0; k < 3; k++)
      df = fmax(df, fabs(num2(fo, i, k) - f->forces[3 * i + k]));
  CHECK(!isnan(df) && df <= TOL, "%s: forces differ by %.3g", what, df);
}

static void compare_column(const nacre_column *c, const cJSON *arr, int natoms,
                           const char *what) {
  int same = cJSON_GetArraySize(arr) == natoms;
  for (int i = 0; same && i < natoms; i++) {
    for (int k = 0; k < c->ncomp; k++) {
      const cJSON *x = cJSON_GetArrayItem(arr, i);
      if (c->ncomp > 1) x = cJSON_GetArrayItem(x, k);
      double v = c->type == 'S' ? 0 : c->real[i * c->ncomp + k];
      if (c->type == 'S') same &= cJSON_IsString(x) && !strcmp(x->valuestring, c->str[i * c->ncomp + k]);
      else if (c->type == 'L') same &= cJSON_IsBool(x) && (cJSON_IsTrue(x) == (v != 0));
      else same &= cJSON_IsNumber(x) && fabs(x->valuedouble - v) <= TOL;
    }
  }
  CHECK(same, "%s: column %s read by ASE", what, c->name);
}

static void compare_info(const nacre_frame *f, const cJSON *d, const char *what) {
  const cJSON *info = cJSON_GetObjectItem(d, "info");
  for (int k = 0; k < f->ninfo; k++) {
    const cJSON *x = cJSON_GetObjectItem(info, f->info[k].key);
    CHECK(x != NULL, "%s: info %s reaches ASE", what, f->info[k].key);
    if (cJSON_IsString(x))
      CHECK(!strcmp(x->valuestring, f->info[k].value), "%s: info %s", what, f->info[k].key);
    else if (cJSON_IsNumber(x))
      CHECK_CLOSE(x->valuedouble, atof(f->info[k].value), TOL, f->info[k].key);
  }
}

static nacre_frame sample_frame(void) {
  nacre_frame f;
  nacre_frame_init(&f);
  int n[3] = {1, 1, 1};
  f.s = build_bulk("fcc", 29, 3.6, n);
  build_rattle(f.s, 0.1, 9);
  f.s->numbers[1] = 79;
  nacre_rng rng;
  nacre_rng_init(&rng, 77, 0);
  f.forces = malloc(3 * f.s->natoms * sizeof *f.forces);
  for (int k = 0; k < 3 * f.s->natoms; k++) f.forces[k] = nacre_rng_normal(&rng);
  for (int k = 0; k < 6; k++) f.stress[k] = 0.01 * nacre_rng_normal(&rng);
  f.energy = -3.0 / 7.0;
  f.free_energy = -0.5;
  f.has = NACRE_FRAME_ENERGY | NACRE_FRAME_FREE_ENERGY | NACRE_FRAME_FORCES |
          NACRE_FRAME_STRESS;
  nacre_column *c;
  nacre_frame_add_column(&f, "velocities", 'R', 3, &c, NULL);
  for (int k = 0; k < 3 * f.s->natoms; k++) c->real[k] = nacre_rng_normal(&rng);
  nacre_frame_add_column(&f, "tags", 'I', 1, &c, NULL);
  for (int k = 0; k < f.s->natoms; k++) c->real[k] = 10 - 3 * k;
  nacre_frame_add_column(&f, "flag", 'L', 1, &c, NULL);
  for (int k = 0; k < f.s->natoms; k++) c->real[k] = k % 2;
  nacre_frame_add_column(&f, "site", 'S', 1, &c, NULL);
  for (int k = 0; k < f.s->natoms; k++) {
    c->str[k] = malloc(16);
    snprintf(c->str[k], 16, "s%d", k);
  }
  nacre_frame_set_info(&f, "config_type", "two words", NULL);
  nacre_frame_set_info(&f, "step", "12", NULL);
  return f;
}

static void nacre_to_ase_xyz(void) {
  nacre_frame frames[3];
  nacre_error err;
  nacre_error_clear(&err);
  frames[0] = sample_frame();
  for (int k = 1; k < 3; k++) {
    nacre_frame_init(&frames[k]);
    char spec[4200];
    snprintf(spec, sizeof spec, "%s@%d",
             test_source_path("tests/data/io/labels.extxyz"), k - 1);
    CHECK_OK(nacre_read_frame(spec, &frames[k], &err), &err);
  }
  char path[4200];
  snprintf(path, sizeof path, "%s", test_tmp_path("nacre.extxyz"));
  FILE *fp = fopen(path, "w");
  for (int k = 0; k < 3; k++) CHECK_OK(nacre_xyz_write(fp, &frames[k], &err), &err);
  fclose(fp);
  cJSON *j = ase_read(path);
  const cJSON *list = cJSON_GetArrayItem(j, 0);
  CHECK(cJSON_GetArraySize(list) == 3, "ASE reads 3 frames written by nacre");
  for (int k = 0; k < 3 && k < cJSON_GetArraySize(list); k++) {
    const cJSON *d = cJSON_GetArrayItem(list, k);
    compare_structure(frames[k].s, d, TOL, "nacre extxyz → ASE");
    compare_labels(&frames[k], d, "nacre extxyz → ASE");
    compare_info(&frames[k], d, "nacre extxyz → ASE");
    const cJSON *arrays = cJSON_GetObjectItem(d, "arrays");
    for (int c = 0; c < frames[k].ncolumns; c++)
      compare_column(&frames[k].columns[c],
                     cJSON_GetObjectItem(arrays, frames[k].columns[c].name),
                     frames[k].s->natoms, "nacre extxyz → ASE");
  }
  cJSON_Delete(j);
  for (int k = 0; k < 3; k++) nacre_frame_clear(&frames[k]);
}

static void nacre_to_ase_poscar_cif(void) {
  int n[3] = {1, 1, 2};
  nacre_structure *s = build_bulk("bcc", 26, 2.87, n);
  build_rattle(s, 0.05, 4);
  double eps[6] = {0.01, 0.02, 0.03, 0.04, 0.05, 0.06};
  build_strain(s, eps);
  s->numbers[1] = 27; /* Fe Co Fe Fe: species interleaved */
  nacre_structure_alloc_fixed(s, NULL);
  memset(s->fixed + 3, 1, 3); /* atom 1 fixed in x, y and z */
  nacre_error err;
  nacre_error_clear(&err);
  char poscar[4200], cif[4200], specs[9000];
  snprintf(poscar, sizeof poscar, "%s", test_tmp_path("nacre.vasp"));
  snprintf(cif, sizeof cif, "%s", test_tmp_path("nacre.cif"));
  CHECK_OK(nacre_write_structure(poscar, s, NACRE_FORMAT_AUTO, &err), &err);
  CHECK_OK(nacre_write_structure(cif, s, NACRE_FORMAT_AUTO, &err), &err);
  snprintf(specs, sizeof specs, "%s:vasp %s", poscar, cif);
  cJSON *j = ase_read(specs);
  const cJSON *p = cJSON_GetArrayItem(cJSON_GetArrayItem(j, 0), 0);
  compare_structure(s, p, TOL, "nacre POSCAR → ASE");
  const cJSON *fixed = cJSON_GetObjectItem(p, "fixed");
  CHECK(num(fixed, 1) == 1 && num(fixed, 0) == 0 && num(fixed, 2) == 0,
        "selective dynamics F F F → ASE FixAtoms");
  /* CIF: ASE builds the cell from lengths and angles in the same standard
   * orientation as nacre; compare with nacre's own reading */
  nacre_structure *back = NULL;
  CHECK_OK(nacre_read_structure(cif, &back, &err), &err);
  const cJSON *c = cJSON_GetArrayItem(cJSON_GetArrayItem(j, 1), 0);
  if (back) compare_structure(back, c, 1e-8, "nacre CIF → ASE");
  nacre_structure_free(back);
  cJSON_Delete(j);
  nacre_structure_free(s);
}

static void ase_to_nacre(void) {
  char args[4300];
  snprintf(args, sizeof args, "write %s", test_tmp_path(""));
  CHECK(run_python(args) == NULL, "ASE wrote its files");
  char *text = test_read_all(test_tmp_path("ase.json"), NULL);
  cJSON *j = text ? cJSON_Parse(text) : NULL;
  free(text);
  CHECK(j != NULL, "ase.json");
  if (!j) return;
  nacre_frame f;
  nacre_frame_init(&f);
  nacre_error err;
  nacre_error_clear(&err);
  for (int k = 0; k < 2; k++) {
    char spec[4200];
    snprintf(spec, sizeof spec, "%s@%d", test_tmp_path("ase.extxyz"), k);
    CHECK_OK(nacre_read_frame(spec, &f, &err), &err);
    const cJSON *d = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "extxyz"), k);
    if (!f.s) continue;
    compare_structure(f.s, d, TOL, "ASE extxyz → nacre");
    compare_labels(&f, d, "ASE extxyz → nacre");
    const nacre_column *tags = nacre_frame_get_column(&f, "tags");
    CHECK(tags && tags->type == 'I', "ASE tags column");
    if (tags) compare_column(tags, cJSON_GetObjectItem(cJSON_GetObjectItem(d, "arrays"), "tags"),
                             f.s->natoms, "ASE extxyz → nacre");
    const char *ct = nacre_frame_get_info(&f, "config_type");
    CHECK(ct && !strcmp(ct, "ase written"), "ASE info string");
  }
  CHECK_OK(nacre_read_frame(test_tmp_path("ase.vasp"), &f, &err), &err);
  const cJSON *v = cJSON_GetObjectItem(j, "vasp");
  if (f.s) {
    compare_structure(f.s, v, 1e-9, "ASE POSCAR → nacre");
    CHECK(f.s->fixed && f.s->fixed[3] && f.s->fixed[8] && !f.s->fixed[0] && !f.s->fixed[11],
          "ASE FixAtoms → selective dynamics F");
  }
  CHECK_OK(nacre_read_frame(test_tmp_path("ase.cif"), &f, &err), &err);
  if (f.s) compare_structure(f.s, cJSON_GetObjectItem(j, "cif"), 1e-8, "ASE CIF → nacre");
  nacre_frame_clear(&f);
  cJSON_Delete(j);
}

/* Count of ASE atoms (JSON positions) that have a nacre atom within tol. */
static int match_atoms(const nacre_structure *s, const cJSON *d, double tol) {
  const cJSON *pos = cJSON_GetObjectItem(d, "positions");
  int matched = 0;
  for (int i = 0; s && i < cJSON_GetArraySize(pos); i++)
    for (int a = 0; a < s->natoms; a++) {
      double dmax = 0;
      for (int k = 0; k < 3; k++)
        dmax = fmax(dmax, fabs(num2(pos, i, k) - s->positions[3 * a + k]));
      if (dmax < tol) {
        matched++;
        break;
      }
    }
  return matched;
}

static void fixtures_both_ways(void) {
  const char *names[3] = {"OUTCAR_NaCl_2steps", "OUTCAR_NaCl_truncated", "rutile_TiO2.cif"};
  char specs[13000] = "";
  for (int k = 0; k < 3; k++) {
    char rel[256];
    snprintf(rel, sizeof rel, "tests/data/io/%s", names[k]);
    strcat(specs, test_source_path(rel));
    strcat(specs, k < 2 ? ":vasp-out " : " ");
  }
  cJSON *j = ase_read(specs);
  nacre_error err;
  nacre_error_clear(&err);
  for (int k = 0; k < 2; k++) {
    char rel[256];
    snprintf(rel, sizeof rel, "tests/data/io/%s", names[k]);
    nacre_frame *frames = NULL;
    int n = 0;
    CHECK_OK(nacre_outcar_read(test_source_path(rel), &frames, &n, &err), &err);
    const cJSON *list = cJSON_GetArrayItem(j, k);
    CHECK(n == cJSON_GetArraySize(list), "%s: %d frames, ASE %d", names[k], n,
          cJSON_GetArraySize(list));
    for (int i = 0; i < n && i < cJSON_GetArraySize(list); i++) {
      compare_structure(frames[i].s, cJSON_GetArrayItem(list, i), TOL, "OUTCAR vs ASE");
      compare_labels(&frames[i], cJSON_GetArrayItem(list, i), "OUTCAR vs ASE");
    }
    for (int i = 0; i < n; i++) nacre_frame_clear(&frames[i]);
    free(frames);
  }
  nacre_structure *s = NULL;
  CHECK_OK(nacre_read_structure(test_source_path("tests/data/io/rutile_TiO2.cif"), &s, &err), &err);
  const cJSON *r = cJSON_GetArrayItem(cJSON_GetArrayItem(j, 2), 0);
  /* same atoms, possibly in another order: match each ASE atom */
  int na = cJSON_GetArraySize(cJSON_GetObjectItem(r, "positions"));
  int matched = match_atoms(s, r, 1e-8);
  CHECK(s && na == s->natoms && matched == na,
        "rutile expanded like ASE: %d of %d atoms matched", matched, na);
  nacre_structure_free(s);
  cJSON_Delete(j);
}

static void symmetric_cif_to_ase(void) {
  static const char *ops[16] = {
      "x,y,z", "-x,-y,z", "-y+1/2,x+1/2,z+1/2", "y+1/2,-x+1/2,z+1/2",
      "-x+1/2,y+1/2,-z+1/2", "x+1/2,-y+1/2,-z+1/2", "y,x,-z", "-y,-x,-z",
      "-x,-y,-z", "x,y,-z", "y+1/2,-x+1/2,-z+1/2", "-y+1/2,x+1/2,-z+1/2",
      "x+1/2,-y+1/2,z+1/2", "-x+1/2,y+1/2,z+1/2", "-y,-x,z", "y,x,z"};
  int rot[16][3][3];
  double trans[16][3];
  for (int k = 0; k < 16; k++)
    CHECK(nacre_cif_parse_symop(ops[k], rot[k], trans[k]) == 0, "op %s", ops[k]);
  nacre_structure *s = NULL;
  nacre_error err;
  nacre_error_clear(&err);
  CHECK_OK(nacre_read_structure(test_source_path("tests/data/io/rutile_TiO2.cif"), &s, &err), &err);
  if (!s) return;
  int asym[2] = {0, -1};
  for (int i = 0; i < s->natoms; i++)
    if (s->numbers[i] == 8 && asym[1] < 0) asym[1] = i;
  char path[4200];
  snprintf(path, sizeof path, "%s", test_tmp_path("rutile_sym.cif"));
  FILE *fp = fopen(path, "w");
  CHECK_OK(nacre_cif_write_symmetric(fp, s, "rutile", 136, "P 42/m n m", 16,
                                     (const int(*)[3][3])rot,
                                     (const double(*)[3])trans, 2, asym, &err),
           &err);
  fclose(fp);
  cJSON *j = ase_read(path);
  const cJSON *d = cJSON_GetArrayItem(cJSON_GetArrayItem(j, 0), 0);
  int n = cJSON_GetArraySize(cJSON_GetObjectItem(d, "positions"));
  CHECK(n == 6 && match_atoms(s, d, 1e-8) == 6,
        "ASE expands nacre's symmetric rutile CIF to the same 6 atoms (%d)", n);
  cJSON_Delete(j);
  nacre_structure_free(s);
}

int main(void) {
  if (!test_have_ase())
    TEST_SKIP("/usr/bin/python3 with ase is not available");
  nacre_to_ase_xyz();
  nacre_to_ase_poscar_cif();
  ase_to_nacre();
  fixtures_both_ways();
  symmetric_cif_to_ase();
  if (!getenv("NACRE_KEEP_TMP")) test_tmp_cleanup();
  TEST_DONE();
}
