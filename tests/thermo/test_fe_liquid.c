/* test_fe_liquid.c — the liquid's path (src/thermo/fe_tasks.c through
 * nacre free-energy): ideal gas → Uhlenbeck–Ford fluid → potential, on a
 * small Lennard-Jones (argon) liquid, 32 atoms, T* = 1.09 (130 K), P* =
 * 0.75 (0.0314 GPa), cutoff 2.5σ shifted with the tail.
 *   Two reference fluids, Uhlenbeck–Ford p = 50 and p = 25 (σ half the mean
 *   spacing), share nothing but the liquid: both legs of the integration
 *   change (the fluid's excess free energy is 0.061 against 0.039
 *   eV/atom, the integral to the potential −0.085 against −0.063), and G
 *   must not: equal within four combined standard errors plus 0.2
 *   meV/atom (the reference NPT runs' own volumes, outside the error bars:
 *   the two runs' V0 differ by 3 % in a 32-atom liquid; G = F(V0) + P0 V0
 *   is stationary in V0, so that costs a few 0.1 meV at most).
 *   The liquid is "ok", its NPT point valid, and G(T0, P0) there equals
 *   the reference's G within its error (the grid and the reference
 *   agree). */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iotest.h"
#include "mdtest.h"
#include "testing.h"

static char tmp[1024];

static double num(const cJSON *o, const char *k) {
  const cJSON *x = cJSON_GetObjectItem(o, k);
  return cJSON_IsNumber(x) ? x->valuedouble : NAN;
}

static cJSON *run(int uf_p) {
  char out[1200], dir[1100];
  snprintf(dir, sizeof dir, "%s/uf%d", tmp, uf_p);
  snprintf(out, sizeof out, "%s.json", dir);
  int rc = mdtest_system("OMP_NUM_THREADS=1 '%s' free-energy %s/Ar.vasp --phase liquid "
                         "-p lj:epsilon=0.010323,sigma=3.405,cutoff=8.5,tail=1 "
                         "--supercell 2,2,2 --temperatures 130 --pressure 0.0314 --timestep 5 "
                         "--steps 2000 --lambda-points 6 --uf-p %d --seed 5 -j 2 -q --json "
                         "-o %s > %s",
                         NACRE_CLI, tmp, uf_p, dir, out);
  CHECK(rc == 0, "uf-p %d: nacre free-energy exits 0 (%d)", uf_p, rc);
  FILE *f = fopen(out, "r");
  char *buf = calloc(1 << 20, 1);
  size_t len = f && buf ? fread(buf, 1, (1 << 20) - 1, f) : 0;
  if (f) fclose(f);
  cJSON *j = len ? cJSON_Parse(buf) : NULL;
  free(buf);
  CHECK(j != NULL, "uf-p %d: JSON", uf_p);
  return j;
}

int main(void) {
  snprintf(tmp, sizeof tmp, "%s", mdtest_tmpdir());
  char poscar[1100];
  snprintf(poscar, sizeof poscar, "%s/Ar.vasp", tmp);
  test_write_text(poscar, "Ar fcc\n5.40\n1 0 0\n0 1 0\n0 0 1\nAr\n4\nDirect\n"
                          "0 0 0\n0 0.5 0.5\n0.5 0 0.5\n0.5 0.5 0\n");
  double g[2], se[2], ex[2];
  static const int ufp[2] = {50, 25};
  for (int k = 0; k < 2; k++) {
    g[k] = se[k] = ex[k] = NAN;
    cJSON *j = run(ufp[k]);
    const cJSON *ph = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "phases"), 0);
    const cJSON *ref = cJSON_GetObjectItem(ph, "reference");
    const cJSON *st = cJSON_GetObjectItem(ph, "status");
    CHECK(cJSON_IsString(st) && !strcmp(st->valuestring, "ok"), "uf-p %d: status ok", ufp[k]);
    CHECK(num(ref, "uf_p") == ufp[k], "uf-p %d: the reference fluid used", ufp[k]);
    g[k] = num(ref, "gibbs_energy_per_atom_ev");
    se[k] = num(ref, "gibbs_energy_per_atom_stderr_ev");
    ex[k] = num(ref, "uf_excess_free_energy_per_atom_ev");
    const cJSON *pt = cJSON_GetArrayItem(cJSON_GetObjectItem(ph, "points"), 0);
    CHECK(cJSON_IsTrue(cJSON_GetObjectItem(pt, "valid")), "uf-p %d: the NPT point is valid",
          ufp[k]);
    CHECK_CLOSE(num(pt, "gibbs_energy_per_atom_ev"), g[k], 1e-9,
                "the grid's G at (T0, P0) is the reference's");
    printf("uf-p %d: G = %.6f ± %.6f eV/atom (UF excess %.4f)\n", ufp[k], g[k], se[k], ex[k]);
    cJSON_Delete(j);
  }
  CHECK(ex[0] - ex[1] > 0.01, "the two reference fluids differ (%.4f eV/atom)", ex[0] - ex[1]);
  double s = sqrt(se[0] * se[0] + se[1] * se[1]);
  CHECK(fabs(g[0] - g[1]) <= 4.0 * s + 2e-4,
        "G from two reference fluids: %.3f meV/atom apart (tolerance %.3f)",
        1e3 * fabs(g[0] - g[1]), 1e3 * (4.0 * s + 2e-4));
  mdtest_cleanup(tmp);
  TEST_DONE();
}
