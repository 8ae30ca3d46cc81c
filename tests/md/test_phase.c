// labels: nosan
/* test_phase.c — the solid/liquid verdict of `nacre analyze phase` on Cu
 * with Cu_u3.eam: 108 atoms, NPT at 0 GPa (stochastic cell rescaling, Bussi
 * thermostat) for 20 ps from fcc, the first 5 ps left out. At 300 K the run
 * is solid (no diffusion, crystal-like RDF, Lindemann index below 0.1); at
 * 2000 K (1.5 times the potential's melting point) the crystal melts and the
 * run is liquid (D > 0.1 Å²/ps, g_min/g_max above the Wendt–Abraham 0.14,
 * Lindemann index above 0.1). Label nosan: 40 ps of MD; md.analysis covers
 * the same code under the sanitizers. Skips without Cu_u3.eam. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mdtest.h"
#include "testing.h"

static const char *dir;

static cJSON *phase_of(const char *pot, int t) {
  int rc = mdtest_system(
      "cd %s && OMP_NUM_THREADS=1 '%s' md cu.xyz --potential '%s' --ensemble npt "
      "--pressure 0 --tau-p 500 --temperature %d --steps 20000 --trajectory "
      "t%d.xyz --every 50 --seed %d -q > /dev/null && '%s' analyze phase t%d.xyz "
      "--first 100 --json > p%d.json",
      dir, NACRE_CLI, pot, t, t, t, NACRE_CLI, t, t);
  CHECK(rc == 0, "%d K: md or analyze failed", t);
  char path[512];
  snprintf(path, sizeof path, "%s/p%d.json", dir, t);
  FILE *f = fopen(path, "r");
  char buf[4096] = "";
  if (f) {
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
  }
  cJSON *j = cJSON_Parse(buf);
  const char *why = j ? cJSON_GetStringValue(cJSON_GetObjectItem(j, "reason")) : NULL;
  printf("%5d K: %s\n", t, why ? why : "(no verdict)");
  return j;
}

static double num(const cJSON *j, const char *k) {
  return j ? cJSON_GetNumberValue(cJSON_GetObjectItem(j, k)) : NAN;
}

static const char *str(const cJSON *j, const char *k) {
  const char *s = j ? cJSON_GetStringValue(cJSON_GetObjectItem(j, k)) : NULL;
  return s ? s : "?";
}

int main(void) {
  const char *pot = mdtest_cu_u3();
  if (!pot) TEST_SKIP("Cu_u3.eam (Debian lammps-data) not installed");
  dir = mdtest_tmpdir();
  nacre_structure *s = mdtest_cu_fcc(3, 3.615);
  char path[512];
  snprintf(path, sizeof path, "%s/cu.xyz", dir);
  FILE *f = fopen(path, "w");
  fprintf(f, "%d\nLattice=\"%.17g 0 0 0 %.17g 0 0 0 %.17g\" "
             "Properties=species:S:1:pos:R:3 pbc=\"T T T\"\n",
          s->natoms, s->cell[0][0], s->cell[1][1], s->cell[2][2]);
  for (int i = 0; i < s->natoms; i++)
    fprintf(f, "Cu %.17g %.17g %.17g\n", s->positions[3 * i], s->positions[3 * i + 1],
            s->positions[3 * i + 2]);
  fclose(f);
  nacre_structure_free(s);
  cJSON *solid = phase_of(pot, 300), *liquid = phase_of(pot, 2000);
  CHECK(!strcmp(str(solid, "phase"), "solid"), "300 K: %s", str(solid, "phase"));
  CHECK(num(solid, "lindemann") < 0.1, "300 K: Lindemann %g", num(solid, "lindemann"));
  CHECK(fabs(num(solid, "diffusion_a2_ps")) < 0.01, "300 K: D %g", num(solid, "diffusion_a2_ps"));
  CHECK(!strcmp(str(liquid, "phase"), "liquid"), "2000 K: %s", str(liquid, "phase"));
  CHECK(num(liquid, "lindemann") > 0.1, "2000 K: Lindemann %g", num(liquid, "lindemann"));
  CHECK(num(liquid, "diffusion_a2_ps") > 0.1, "2000 K: D %g", num(liquid, "diffusion_a2_ps"));
  cJSON_Delete(solid);
  cJSON_Delete(liquid);
  mdtest_cleanup(dir);
  TEST_DONE();
}
