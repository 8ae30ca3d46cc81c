/* test_fe_crystal_check.c — nacre free-energy tells a healthy crystal from
 * one that left its structure, on Lennard-Jones argon (ε = 0.010323 eV, σ =
 * 3.405 Å, shifted with the tail), by the checks of its reference run and
 * NPT points (the input's own symmetry operations applied to the noisy mean
 * positions, the drift of those means, the cell's shape):
 *   Healthy: fcc, 256 atoms, at T* = 0.75 (89.8 K) and P* = 0.7493 (0.0314
 *     GPa, on the melting line: van der Hoef, JCP 113, 8142 (2000)), 2000
 *     NVT steps of 5 fs — where spglib read the mean positions as P1 at
 *     any tolerance up to 0.6 Å — is "ok", its NPT point valid, and the
 *     mean positions' symmetry error below its bound (measured: 0.69 and
 *     0.83 of it with the halves' noise, seeds 11 and 12).
 *   Transformed: bcc, 128 atoms, at 40 K (bcc is not stable for
 *     Lennard-Jones: its sites move away within the run; the input's
 *     operation 75 maps the mean positions onto themselves only within
 *     0.56 Å RMS, 1.8 times the bound and 1.5 times the thermal
 *     displacement, beyond what a mode slower than the run leaves) is
 *     "transformed", not "inconclusive", with a message, and has no G. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iotest.h"
#include "mdtest.h"
#include "testing.h"

static char tmp[1024];

static cJSON *run(const char *name, const char *poscar, const char *args) {
  char out[1200];
  snprintf(out, sizeof out, "%s/%s.json", tmp, name);
  int rc = mdtest_system("OMP_NUM_THREADS=1 '%s' free-energy %s "
                         "-p lj:epsilon=0.010323,sigma=3.405,cutoff=11.9175,tail=1 "
                         "--supercell 4,4,4 --pressure 0.0314 --timestep 5 --steps 2000 "
                         "--lambda-points 2 -j 2 -q --json -o %s/%s %s > %s 2> %s/%s.err",
                         NACRE_CLI, poscar, tmp, name, args, out, tmp, name);
  CHECK(rc == 0, "%s: nacre free-energy exits 0 (%d)", name, rc);
  char *text = test_read_all(out, NULL);
  cJSON *j = text ? cJSON_Parse(text) : NULL;
  CHECK(j != NULL, "%s: JSON on standard output", name);
  free(text);
  return j;
}

static const cJSON *phase0(const cJSON *j) {
  return cJSON_GetArrayItem(cJSON_GetObjectItem(j, "phases"), 0);
}

static const char *status_of(const cJSON *ph) {
  const cJSON *s = cJSON_GetObjectItem(ph, "status");
  return cJSON_IsString(s) ? s->valuestring : "?";
}

static double num(const cJSON *o, const char *k) {
  const cJSON *x = cJSON_GetObjectItem(o, k);
  return cJSON_IsNumber(x) ? x->valuedouble : NAN;
}

static void test_healthy_fcc(void) {
  char poscar[1100];
  snprintf(poscar, sizeof poscar, "%s/fcc.vasp", tmp);
  test_write_text(poscar, "Ar fcc\n5.30\n1 0 0\n0 1 0\n0 0 1\nAr\n4\nDirect\n"
                          "0 0 0\n0 0.5 0.5\n0.5 0 0.5\n0.5 0.5 0\n");
  cJSON *j = run("fcc", poscar, "--temperatures 89.8 --seed 11");
  if (!j) return;
  const cJSON *ph = phase0(j), *ref = cJSON_GetObjectItem(ph, "reference");
  const cJSON *msg = cJSON_GetObjectItem(ph, "message");
  CHECK(!strcmp(status_of(ph), "ok"), "fcc at T* 0.75: ok (%s: %s)", status_of(ph),
        cJSON_IsString(msg) ? msg->valuestring : "");
  double dev = num(ref, "symmetry_deviation_a"), bound = num(ref, "symmetry_bound_a");
  printf("fcc: symmetry error %.4f Å RMS, bound %.4f Å\n", dev, bound);
  CHECK(dev < bound && bound < 0.3, "fcc: symmetry error %.4f Å below its bound %.4f Å", dev,
        bound);
  CHECK(num(ref, "space_group_number") == 225, "fcc: the input is Fm-3m");
  const cJSON *pt = cJSON_GetArrayItem(cJSON_GetObjectItem(ph, "points"), 0);
  CHECK(cJSON_IsTrue(cJSON_GetObjectItem(pt, "valid")), "fcc: the NPT point is valid");
  CHECK(isfinite(num(pt, "gibbs_energy_per_atom_ev")), "fcc: G known");
  cJSON_Delete(j);
}

static void test_bcc_transforms(void) {
  char poscar[1100];
  snprintf(poscar, sizeof poscar, "%s/bcc.vasp", tmp);
  test_write_text(poscar, "Ar bcc\n4.21\n1 0 0\n0 1 0\n0 0 1\nAr\n2\nDirect\n"
                          "0 0 0\n0.5 0.5 0.5\n");
  cJSON *j = run("bcc", poscar, "--temperatures 40 --seed 11");
  if (!j) return;
  const cJSON *ph = phase0(j), *msg = cJSON_GetObjectItem(ph, "message");
  CHECK(!strcmp(status_of(ph), "transformed"), "bcc at 40 K: transformed (%s: %s)",
        status_of(ph), cJSON_IsString(msg) ? msg->valuestring : "");
  CHECK(cJSON_IsString(msg) && strlen(msg->valuestring) > 20, "with a message");
  CHECK(cJSON_IsNull(cJSON_GetObjectItem(cJSON_GetObjectItem(ph, "reference"),
                                         "gibbs_energy_per_atom_ev")),
        "and no G");
  cJSON_Delete(j);
}

int main(void) {
  snprintf(tmp, sizeof tmp, "%s", mdtest_tmpdir());
  test_healthy_fcc();
  test_bcc_transforms();
  mdtest_cleanup(tmp);
  TEST_DONE();
}
