/* test_bandpath.c — standard band paths against ASE's, for every
 * Setyawan–Curtarolo lattice type (and the variants a few cells reach):
 * the lattice name, the path and every special point (equal up to a
 * rotation of the lattice and a reciprocal lattice vector, to 1e-6) agree
 * with ASE's cell.bandpath() on the same primitive cell, turned to a random
 * orientation. Also: a conventional cell gives the same Cartesian points
 * as its primitive cell, and user paths (labels, coordinates, errors). The
 * ASE comparison is skipped with a message when Debian's ASE or spglib for
 * Python is absent. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builders.h"
#include "iotest.h"
#include "nacre/phonon.h"
#include "nacre/sym.h"
#include "testing.h"

typedef struct lattice_case {
  const char *name;
  char centring; /* P, I, F, C, or R for a rhombohedral primitive cell */
  double abc[3], angles[3];
} lattice_case;

static const lattice_case cases[] = {
    {"CUB", 'P', {3, 3, 3}, {90, 90, 90}},       {"FCC", 'F', {3.6, 3.6, 3.6}, {90, 90, 90}},
    {"BCC", 'I', {3, 3, 3}, {90, 90, 90}},       {"TET", 'P', {3, 3, 4}, {90, 90, 90}},
    {"BCT1", 'I', {4, 4, 3}, {90, 90, 90}},      {"BCT2", 'I', {3, 3, 5}, {90, 90, 90}},
    {"ORC", 'P', {5, 3, 4}, {90, 90, 90}},       {"ORCF1", 'F', {3, 5, 6}, {90, 90, 90}},
    {"ORCF2", 'F', {6, 4, 5}, {90, 90, 90}},     {"ORCI", 'I', {4, 3, 5}, {90, 90, 90}},
    {"ORCC", 'C', {5, 3, 4}, {90, 90, 90}},      {"HEX", 'P', {3, 3, 5}, {90, 90, 120}},
    {"RHL1", 'R', {3, 3, 3}, {70, 70, 70}},      {"RHL2", 'R', {3, 3, 3}, {100, 100, 100}},
    {"MCL", 'P', {3, 4, 5}, {90, 100, 90}},      {"MCLC-a", 'C', {5, 3, 4}, {90, 100, 90}},
    {"MCLC-b", 'C', {3, 5, 4}, {90, 110, 90}},   {"MCLC-c", 'C', {6, 4, 5}, {90, 95, 90}},
    {"MCLC-d", 'C', {4, 6, 5}, {90, 105, 90}},   {"MCLC-e", 'C', {2.5, 6, 4}, {90, 130, 90}},
    {"MCLC-f", 'C', {4, 2.5, 5}, {90, 110, 90}}, {"MCLC-g", 'C', {4, 2.5, 3.5}, {90, 100, 90}},
    {"MCLC-h", 'C', {6, 2, 3}, {90, 120, 90}},   {"TRI-a", 'P', {3, 4, 5}, {78, 84, 97}},
    {"TRI-c", 'P', {3, 4, 5}, {60, 70, 80}},     {"TRI-d", 'P', {3, 4, 5}, {70, 80, 75}},
    {"TRI-b", 'P', {3, 4, 5}, {100, 105, 110}},
};
enum { NCASES = sizeof cases / sizeof cases[0] };

static nacre_structure *conventional(const lattice_case *c) {
  static const double centring_p[][3] = {{0, 0, 0}};
  static const double centring_i[][3] = {{0, 0, 0}, {0.5, 0.5, 0.5}};
  static const double centring_f[][3] = {{0, 0, 0}, {0, 0.5, 0.5}, {0.5, 0, 0.5}, {0.5, 0.5, 0}};
  static const double centring_c[][3] = {{0, 0, 0}, {0.5, 0.5, 0}};
  const double(*pts)[3] = centring_p;
  int n = 1;
  if (c->centring == 'I') pts = centring_i, n = 2;
  if (c->centring == 'F') pts = centring_f, n = 4;
  if (c->centring == 'C') pts = centring_c, n = 2;
  nacre_structure *s = nacre_structure_new(n, NULL);
  nacre_cell_from_lengths_angles(c->abc, c->angles, s->cell);
  for (int i = 0; i < n; i++) {
    s->numbers[i] = 11;
    nacre_cell_frac_to_cart(s->cell, pts[i], &s->positions[3 * i]);
  }
  return s;
}

/* One atom in the primitive cell of conv, same orientation. */
static nacre_structure *primitive(const lattice_case *c, const nacre_structure *conv) {
  static const double mp[3][3] = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
  static const double mi[3][3] = {{-0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0.5, 0.5, -0.5}};
  static const double mf[3][3] = {{0, 0.5, 0.5}, {0.5, 0, 0.5}, {0.5, 0.5, 0}};
  static const double mc[3][3] = {{0.5, 0.5, 0}, {-0.5, 0.5, 0}, {0, 0, 1}};
  const double(*m)[3] = c->centring == 'I'   ? mi
                        : c->centring == 'F' ? mf
                        : c->centring == 'C' ? mc
                                             : mp;
  nacre_structure *s = nacre_structure_new(1, NULL);
  nacre_mat3_mul(m, conv->cell, s->cell);
  s->numbers[0] = 11;
  return s;
}

static void cartesian(const nacre_structure *s, const double q[3], double k[3]) {
  double recip[3][3];
  nacre_cell_reciprocal(s->cell, recip);
  for (int c = 0; c < 3; c++) k[c] = q[0] * recip[0][c] + q[1] * recip[1][c] + q[2] * recip[2][c];
}

/* Cartesian k_a and k_b are the same point up to a rotation of the lattice
 * of prim (its holohedry, from spglib on one atom) and a reciprocal lattice
 * vector. */
static int same_point(const nacre_symmetry *lat, const nacre_structure *prim, const double ka[3],
                      const double kb[3]) {
  for (int o = 0; o < lat->nops; o++) {
    /* reduced reciprocal coordinates transform with Rᵀ for x' = R x */
    double qa[3], qb[3], d[3];
    for (int c = 0; c < 3; c++) {
      qa[c] = ka[0] * prim->cell[c][0] + ka[1] * prim->cell[c][1] + ka[2] * prim->cell[c][2];
      qb[c] = kb[0] * prim->cell[c][0] + kb[1] * prim->cell[c][1] + kb[2] * prim->cell[c][2];
    }
    int ok = 1;
    for (int c = 0; c < 3; c++) {
      d[c] =
          lat->rot[o][0][c] * qa[0] + lat->rot[o][1][c] * qa[1] + lat->rot[o][2][c] * qa[2] - qb[c];
      ok &= fabs(d[c] - round(d[c])) < 1e-8;
    }
    if (ok) return 1;
  }
  return 0;
}

/* The conventional cell's points are the primitive cell's (up to the
 * lattice's symmetry: the conventional axes may come out with other
 * signs). */
static void check_conventional(const nacre_structure *conv, const nacre_structure *prim) {
  nacre_error err;
  nacre_band_path *a = NULL, *b = NULL;
  nacre_symmetry *lat = NULL;
  nacre_structure *bare = nacre_structure_new(1, &err);
  memcpy(bare->cell, prim->cell, sizeof bare->cell);
  bare->numbers[0] = 11;
  CHECK_OK(nacre_symmetry_analyze(bare, 1e-5, &lat, &err), &err);
  CHECK_OK(nacre_band_path_new(conv, 1e-5, "auto", &a, &err), &err);
  CHECK_OK(nacre_band_path_new(prim, 1e-5, "auto", &b, &err), &err);
  if (!a || !b || !lat) goto done;
  CHECK(!strcmp(a->lattice, b->lattice), "conventional %s vs primitive %s", a->lattice, b->lattice);
  for (int k = 0; k < a->npoints && k < b->npoints; k++) {
    double ka[3], kb[3];
    cartesian(conv, a->point_q[k], ka);
    cartesian(prim, b->point_q[k], kb);
    CHECK(same_point(lat, prim, ka, kb), "%s point %s: conventional and primitive cells disagree",
          a->lattice, a->point_label[k]);
  }
done:
  nacre_symmetry_free(lat);
  nacre_structure_free(bare);
  nacre_band_path_free(a);
  nacre_band_path_free(b);
}

static cJSON *case_json(const char *name, const nacre_structure *s, const nacre_band_path *p) {
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "name", name);
  cJSON *cell = cJSON_AddArrayToObject(o, "cell");
  for (int r = 0; r < 3; r++) cJSON_AddItemToArray(cell, cJSON_CreateDoubleArray(s->cell[r], 3));
  cJSON_AddStringToObject(o, "lattice", p->lattice);
  cJSON_AddStringToObject(o, "path", p->standard_path);
  cJSON *pts = cJSON_AddObjectToObject(o, "points");
  for (int k = 0; k < p->npoints; k++)
    cJSON_AddItemToObject(pts, p->point_label[k], cJSON_CreateDoubleArray(p->point_q[k], 3));
  return o;
}

static void check_user_paths(void) {
  nacre_error err;
  int n1[3] = {1, 1, 1};
  nacre_structure *fcc = build_bulk("fcc", 29, 3.6, n1);
  nacre_structure *prim = NULL;
  nacre_symmetry_standardize(fcc, 1e-5, 1, &prim, &err);
  nacre_band_path *p = NULL;
  CHECK_OK(nacre_band_path_new(prim, 1e-5, "ΓX|LΓ K", &p, &err), &err);
  if (p) {
    CHECK(p->nsegments == 3, "ΓX|LΓ K: %d segments, expected 3 (ΓX, LΓ, ΓK)", p->nsegments);
    nacre_band_path_free(p);
    p = NULL;
  }
  CHECK_OK(nacre_band_path_new(prim, 1e-5, "GXWK", &p, &err), &err);
  if (p) {
    CHECK(p->nsegments == 3 && !strcmp(p->start_label[2], "W") && !strcmp(p->end_label[2], "K"),
          "GXWK: 3 segments ending W→K");
    nacre_band_path_free(p);
    p = NULL;
  }
  CHECK(nacre_band_path_new(prim, 1e-5, "GXQ", &p, &err) == NACRE_ERR_INVALID &&
            strstr(err.message, "'Q'") && strstr(err.message, "FCC"),
        "unknown label named with the lattice: %s", err.message);
  CHECK_OK(nacre_band_path_new(prim, 1e-5, "0 0 0; 0.5 0 0.5 | 0.5 0.5 0.5; 0 0 0", &p, &err),
           &err);
  if (p) {
    CHECK(p->nsegments == 2 && fabs(p->end[0][2] - 0.5) < 1e-15 &&
              fabs(p->start[1][1] - 0.5) < 1e-15,
          "coordinate path: 2 segments");
    nacre_band_path_free(p);
    p = NULL;
  }
  CHECK(nacre_band_path_new(prim, 1e-5, "0 0 0; 0.5 x", &p, &err) == NACRE_ERR_INVALID,
        "malformed coordinates rejected: %s", err.message);
  nacre_structure_free(prim);
  nacre_structure_free(fcc);
}

int main(void) {
  check_user_paths();
  cJSON *all = cJSON_CreateArray();
  for (int k = 0; k < NCASES; k++) {
    const lattice_case *c = &cases[k];
    nacre_structure *conv = conventional(c), *prim = primitive(c, conv);
    nacre_error err;
    double rot[3][3];
    build_random_rotation(rot, 100 + (uint64_t)k);
    build_rotate(prim, rot);
    build_rotate(conv, rot);
    if (c->centring != 'P' && c->centring != 'R') check_conventional(conv, prim);
    nacre_band_path *p = NULL;
    CHECK_OK(nacre_band_path_new(prim, 1e-5, "auto", &p, &err), &err);
    if (p) {
      printf("%-8s %-6s %s\n", c->name, p->lattice, p->standard_path);
      if (strncmp(c->name, "MCLC", 4) && strncmp(c->name, "TRI", 3))
        CHECK(!strcmp(p->lattice, c->name), "%s found as %s", c->name, p->lattice);
      cJSON_AddItemToArray(all, case_json(c->name, prim, p));
      nacre_band_path_free(p);
    }
    nacre_structure_free(prim);
    nacre_structure_free(conv);
  }
  if (!test_have_ase() || system("/usr/bin/python3 -c 'import spglib' >/dev/null 2>&1") != 0) {
    cJSON_Delete(all);
    if (testing_failed) TEST_DONE();
    TEST_SKIP("Debian's ASE or spglib for /usr/bin/python3 is absent: the "
              "comparison with ASE's band paths did not run");
  }
  const char *path = test_tmp_path("cases.json");
  char *text = cJSON_Print(all);
  test_write_text(path, text);
  free(text);
  cJSON_Delete(all);
  char cmd[4096];
  snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s %s",
           test_source_path("tests/phonon/ase_bandpath.py"), path);
  fflush(stdout);
  CHECK(system(cmd) == 0, "band paths differ from ASE's (see above)");
  test_tmp_cleanup();
  TEST_DONE();
}
