/* test_fe_soft_crystal.c — a short run of a soft crystal is never called
 * "transformed" by the noise of its mean positions alone.
 *   hcp Na, 54 atoms (3×3×3 of the 2-atom cell), MAISE's nn_Na_d3_v0 at 0
 *     GPa and 40 K (inside its training range), reference runs of 2000 steps
 *     of 2 fs (4 ps, a few periods of the cell's slowest modes), seed 1:
 *     before the mapping error was blocked per operation and the verdict
 *     weighed against the thermal displacement, this run ended
 *     "transformed" (operation 23 of P6_3/mmc: 0.085 Å RMS against a bound
 *     of 0.065 Å). The same crystal is dynamically stable in the harmonic
 *     approximation (nacre phonon: no imaginary mode), and other seeds keep
 *     it. It now ends "ok" or "inconclusive" (then with its reason), is
 *     integrated, and its grid point carries its crystal check.
 *   The means of that run break the symmetry by 0.085 Å RMS, well within
 *   one thermal displacement (0.149 Å): what a slow mode leaves in them.
 *   test_fe_crystal_check keeps bcc argon at 40 K "transformed" (its error,
 *   1.5 thermal displacements, is beyond what a slow mode leaves).
 * Skips without ../shared/data/maise/models/nn_Na_d3_v0, and under the
 * sanitizers (the network's MD some five times slower: over the time limit
 * on a loaded machine); there thermo.fe_symcheck covers the blocked noise
 * and the thermal verdict, thermo.fe_crystal_check and thermo.fe_cli the
 * blocks of real runs. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "iotest.h"
#include "mdtest.h"
#include "testing.h"

static double num(const cJSON *o, const char *k) {
  const cJSON *x = cJSON_GetObjectItem(o, k);
  return cJSON_IsNumber(x) ? x->valuedouble : NAN;
}

static const char *text(const cJSON *o, const char *k) {
  const cJSON *x = cJSON_GetObjectItem(o, k);
  return cJSON_IsString(x) ? x->valuestring : "";
}

int main(void) {
  const char *model = test_shared_path("maise/models/nn_Na_d3_v0");
  if (access(model, R_OK)) TEST_SKIP("../shared/data/maise/models/nn_Na_d3_v0 is absent");
#if defined(__SANITIZE_ADDRESS__)
  TEST_SKIP("under the sanitizers: the network's MD is too slow for the time limit");
#endif
  char tmp[1024], poscar[1100], out[1100];
  snprintf(tmp, sizeof tmp, "%s", mdtest_tmpdir());
  snprintf(poscar, sizeof poscar, "%s/hcp.vasp", tmp);
  /* a = 3.77 Å, ideal c/a: the NPT run finds the potential's cell */
  test_write_text(poscar, "Na hcp\n1.0\n3.77 0 0\n-1.885 3.26491 0\n0 0 6.156\nNa\n2\nDirect\n"
                          "0.333333333333 0.666666666667 0.25\n"
                          "0.666666666667 0.333333333333 0.75\n");
  snprintf(out, sizeof out, "%s/hcp.json", tmp);
  int rc = mdtest_system("OMP_NUM_THREADS=1 '%s' free-energy '%s' -p '%s' --supercell 3,3,3 "
                         "--temperatures 40 --timestep 2 --steps 1000 --lambda-points 2 "
                         "--seed 1 -j 2 -q --json -o %s/run > %s 2> %s/err",
                         NACRE_CLI, poscar, model, tmp, out, tmp);
  CHECK(rc == 0, "nacre free-energy exits 0 (%d)", rc);
  char *s = test_read_all(out, NULL);
  cJSON *j = s ? cJSON_Parse(s) : NULL;
  free(s);
  CHECK(j != NULL, "JSON on standard output");
  if (j) {
    const cJSON *ph = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "phases"), 0);
    const cJSON *ref = cJSON_GetObjectItem(ph, "reference");
    const char *status = text(ph, "status");
    printf("hcp Na at 40 K: %s; symmetry error %.4f Å RMS, bound %.4f Å\n  %s\n", status,
           num(ref, "symmetry_deviation_a"), num(ref, "symmetry_bound_a"), text(ph, "message"));
    CHECK(!strcmp(status, "ok") || !strcmp(status, "inconclusive"),
          "hcp Na at 40 K: ok or inconclusive, not '%s' (%s)", status, text(ph, "message"));
    if (!strcmp(status, "inconclusive"))
      CHECK(strstr(text(ph, "message"), "inconclusive") &&
                strstr(text(ph, "message"), "longer run"),
            "an inconclusive check says why and what decides it");
    CHECK(isfinite(num(ref, "gibbs_energy_per_atom_ev")), "the crystal is integrated");
    const cJSON *pt = cJSON_GetArrayItem(cJSON_GetObjectItem(ph, "points"), 0);
    const char *check = text(pt, "crystal_check");
    CHECK(!strcmp(check, "ok") || !strcmp(check, "inconclusive"),
          "its NPT point: crystal_check ok or inconclusive ('%s')", check);
    CHECK(cJSON_IsTrue(cJSON_GetObjectItem(pt, "valid")), "and valid");
    cJSON_Delete(j);
  }
  mdtest_cleanup(tmp);
  TEST_DONE();
}
