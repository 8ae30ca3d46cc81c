/* test_eval.c — `nacre eval`: the JSON output (energy, per-atom energies,
 * forces, stress in GPa, pressure, species; vocabulary keys) equals a direct library
 * evaluation of the same structure to printing precision; the table output
 * names the quantities with units; exit codes 0/1/2 for success, failure
 * (unreadable potential) and usage errors; --help documents every option,
 * the network model formats it reads and committees. */
#include <cjson/cJSON.h>
#include <math.h>
#include <sys/wait.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builders.h"
#include "nacre/pot.h"
#include "testing.h"

static char *run_capture(const char *cmd, int *status) {
  FILE *p = popen(cmd, "r");
  if (!p) return NULL;
  size_t cap = 1 << 16, len = 0;
  char *buf = malloc(cap);
  size_t got;
  while ((got = fread(buf + len, 1, cap - len - 1, p)) > 0) {
    len += got;
    if (len + 1 >= cap) buf = realloc(buf, cap *= 2);
  }
  buf[len] = '\0';
  int rc = pclose(p);
  *status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  return buf;
}

static void write_poscar(const char *path, const nacre_structure *s) {
  FILE *f = fopen(path, "w");
  fprintf(f, "test\n1.0\n");
  for (int r = 0; r < 3; r++)
    fprintf(f, "%.17g %.17g %.17g\n", s->cell[r][0], s->cell[r][1], s->cell[r][2]);
  fprintf(f, "Cu Ag\n%d %d\nCartesian\n", s->natoms - 2, 2);
  for (int pass = 0; pass < 2; pass++)
    for (int i = 0; i < s->natoms; i++)
      if ((s->numbers[i] == 47) == pass)
        fprintf(f, "%.17g %.17g %.17g\n", s->positions[3 * i], s->positions[3 * i + 1],
                s->positions[3 * i + 2]);
  fclose(f);
}

int main(void) {
  int n[3] = {2, 1, 1};
  nacre_structure *s = build_bulk("fcc", 29, 3.615, n);
  s->numbers[6] = s->numbers[7] = 47; /* Ag last, as the POSCAR lists them */
  build_rattle(s, 0.05, 3);
  double eps[6] = {0.01, -0.02, 0.015, 0.01, 0.0, -0.01};
  build_strain(s, eps);
  char path[] = "/tmp/nacre_eval_XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0) TEST_SKIP("cannot create a temporary file");
  write_poscar(path, s);

  const char *spec = "morse:D=0.3429,alpha=1.3588,r0=2.866,cutoff=6.0,shift=1";
  nacre_potential *p = NULL;
  nacre_error err;
  CHECK_OK(nacre_potential_load(spec, &p, &err), &err);
  nacre_calc *c = nacre_calc_new(p, 0.0, &err);
  nacre_result r;
  nacre_result_init(&r, s->natoms, &err);
  CHECK_OK(nacre_calc_compute(c, s, NACRE_WANT_ALL | NACRE_WANT_ATOM_ENERGIES, &r, &err), &err);

  char cmd[1024];
  int status;
  snprintf(cmd, sizeof cmd, "%s eval %s --potential %s --json --per-atom", NACRE_CLI, path, spec);
  char *out = run_capture(cmd, &status);
  CHECK(status == 0, "eval --json exits 0 (got %d)", status);
  cJSON *j = cJSON_Parse(out ? out : "");
  CHECK(j != NULL, "eval --json prints valid JSON");
  if (j) {
    /* JSON numbers carry 17 significant digits: 1e-12 relative is tight */
    double e = cJSON_GetObjectItem(j, "energy_ev")->valuedouble;
    CHECK_CLOSE(e, r.energy, 1e-12 * fabs(r.energy), "JSON energy (eV)");
    CHECK_CLOSE(cJSON_GetObjectItem(j, "energy_per_atom_ev")->valuedouble, r.energy / s->natoms,
                1e-12, "JSON energy_per_atom_ev");
    CHECK(cJSON_GetObjectItem(j, "natoms")->valueint == s->natoms, "JSON natoms");
    cJSON *sp = cJSON_GetObjectItem(j, "species");
    CHECK(cJSON_GetArraySize(sp) == s->natoms &&
              !strcmp(cJSON_GetArrayItem(sp, 0)->valuestring, "Cu") &&
              !strcmp(cJSON_GetArrayItem(sp, 7)->valuestring, "Ag"),
          "JSON species");
    double df = 0.0, ds = 0.0, da = 0.0;
    cJSON *f = cJSON_GetObjectItem(j, "forces_ev_a");
    for (int i = 0; i < s->natoms; i++)
      for (int k = 0; k < 3; k++)
        df = fmax(df, fabs(cJSON_GetArrayItem(cJSON_GetArrayItem(f, i), k)->valuedouble -
                           r.forces[3 * i + k]));
    cJSON *st = cJSON_GetObjectItem(j, "stress_gpa");
    for (int k = 0; k < 6; k++)
      ds = fmax(ds, fabs(cJSON_GetArrayItem(st, k)->valuedouble - r.stress[k] * NACRE_EV_A3_TO_GPA));
    cJSON *ae = cJSON_GetObjectItem(j, "atom_energies_ev");
    for (int i = 0; i < s->natoms; i++)
      da = fmax(da, fabs(cJSON_GetArrayItem(ae, i)->valuedouble - r.atom_energies[i]));
    CHECK(df < 1e-12, "JSON forces (eV/Å) match the library: %g", df);
    CHECK(ds < 1e-12, "JSON stress_gpa (GPa, ASE sign) matches the library: %g", ds);
    CHECK(da < 1e-12, "JSON atom_energies match the library: %g", da);
    CHECK_CLOSE(cJSON_GetObjectItem(j, "pressure_gpa")->valuedouble, nacre_result_pressure_gpa(&r),
                1e-12, "JSON pressure_gpa (positive = compressive)");
    cJSON_Delete(j);
  }
  free(out);

  snprintf(cmd, sizeof cmd, "%s eval %s --potential %s", NACRE_CLI, path, spec);
  out = run_capture(cmd, &status);
  CHECK(status == 0 && strstr(out, "energy") && strstr(out, "eV") && strstr(out, "GPa") &&
            strstr(out, "eV/Å"),
        "table output names energy (eV), stress/pressure (GPa), forces (eV/Å)");
  free(out);

  snprintf(cmd, sizeof cmd, "%s eval %s 2>/dev/null", NACRE_CLI, path);
  free(run_capture(cmd, &status));
  CHECK(status == 2, "missing --potential is a usage error (exit %d)", status);
  snprintf(cmd, sizeof cmd, "%s eval %s --potential /nonexistent.eam 2>&1", NACRE_CLI, path);
  out = run_capture(cmd, &status);
  CHECK(status == 1 && strstr(out, "/nonexistent.eam"), "unreadable potential: exit 1 naming it (%d)",
        status);
  free(out);
  snprintf(cmd, sizeof cmd, "%s eval --help", NACRE_CLI);
  out = run_capture(cmd, &status);
  CHECK(status == 0 && strstr(out, "--potential") && strstr(out, "--json") &&
            strstr(out, "--per-atom") && strstr(out, "GPa"),
        "--help documents every option");
  /* the network formats a potential file may hold, and committees */
  CHECK(out && strstr(out, "nacre JSON") && strstr(out, "MAISE models") &&
            strstr(out, "committee files") && strstr(out, "committee:SPEC1,SPEC2"),
        "--help lists the network model formats and committees");
  free(out);

  remove(path);
  nacre_result_free(&r);
  nacre_calc_free(c);
  nacre_potential_free(p);
  nacre_structure_free(s);
  TEST_DONE();
}
