/* test_cli.c — `nacre phonon` end to end with Debian's Cu EAM (skipped
 * without lammps-data): the JSON summary (frequencies at X equal the
 * library's, the verdict, thermodynamics, files), the files in -o (their
 * headers, band.yaml's point count, FORCE_CONSTANTS read back with
 * --read-fc giving the same frequencies), the soft-mode structure of bcc
 * Cu, the warning for an unrelaxed structure, the quasi-harmonic mode (its
 * JSON and qha.csv), and the exit codes (0, 1 for a failure, 2 for usage
 * errors). */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "iotest.h"
#include "nacre/io.h"
#include "nacre/phonon.h"
#include "testing.h"

#define CU_EAM "/usr/share/lammps/potentials/Cu_u3.eam"

static int run(const char *args, const char *out) {
  char cmd[4096];
  snprintf(cmd, sizeof cmd, "%s phonon %s > %s 2>&1", NACRE_CLI, args, test_tmp_path(out));
  int rc = system(cmd);
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static cJSON *json_of(const char *out) {
  char *text = test_read_all(test_tmp_path(out), NULL);
  cJSON *j = text ? cJSON_Parse(text) : NULL;
  if (!j) printf("not JSON: %.300s\n", text ? text : "(none)");
  free(text);
  return j;
}

static double x_frequency(const cJSON *j, int band) {
  const cJSON *q = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "qpoints"), 0);
  const cJSON *f = cJSON_GetArrayItem(cJSON_GetObjectItem(q, "frequency_thz"), band);
  return f ? f->valuedouble : NAN;
}

static nacre_structure *cubic(const char *kind, double a) {
  nacre_structure *s = nacre_structure_new(1, NULL);
  double h = 0.5 * a;
  double fcc[3][3] = {{0, h, h}, {h, 0, h}, {h, h, 0}};
  double bcc[3][3] = {{-h, h, h}, {h, -h, h}, {h, h, -h}};
  memcpy(s->cell, strcmp(kind, "fcc") ? bcc : fcc, sizeof s->cell);
  s->numbers[0] = 29;
  return s;
}

static void check_fcc(void) {
  char in[4096], args[16384], out[4096];
  nacre_error err;
  snprintf(in, sizeof in, "%s", test_tmp_path("fcc.vasp"));
  nacre_structure *s = cubic("fcc", 3.615);
  CHECK_OK(nacre_write_structure(in, s, NACRE_FORMAT_AUTO, &err), &err);
  snprintf(out, sizeof out, "%s", test_tmp_path("fcc_out"));
  snprintf(args, sizeof args,
           "%s -p %s --supercell 4,4,4 --mesh 12,12,12 --qpoints '0.5 0 0.5' "
           "--temperatures 0,300,1000 -o %s --json",
           in, CU_EAM, out);
  CHECK(run(args, "fcc.json") == 0, "fcc run exits 0");
  cJSON *j = json_of("fcc.json");
  if (j) {
    CHECK_CLOSE(x_frequency(j, 2), 7.621056, 1e-5, "JSON frequency at X (LA)");
    const cJSON *st = cJSON_GetObjectItem(j, "stability");
    CHECK(cJSON_IsTrue(cJSON_GetObjectItem(st, "stable")), "fcc Cu stable");
    CHECK(!strcmp(cJSON_GetObjectItem(j, "space_group")->valuestring, "Fm-3m"), "space group");
    const cJSON *t = cJSON_GetObjectItem(j, "thermodynamics");
    CHECK(cJSON_GetArraySize(t) == 3, "three temperatures");
    const cJSON *t300 = cJSON_GetArrayItem(t, 1);
    CHECK(fabs(cJSON_GetObjectItem(t300, "vibrational_free_energy_per_atom_ev")->valuedouble +
               0.0204) < 2e-3,
          "F_vib at 300 K about -0.0204 eV/atom");
    CHECK(cJSON_GetObjectItem(t300, "classical_free_energy_per_atom_ev") != NULL,
          "classical F in the JSON");
    CHECK(cJSON_GetArraySize(cJSON_GetObjectItem(j, "files")) == 7, "seven files listed");
    cJSON_Delete(j);
  }
  static const char *const files[] = {"FORCE_CONSTANTS", "band.yaml",   "bands.csv",
                                      "mesh.yaml",       "dos.csv",     "thermal.csv",
                                      "phonon.svg",      "summary.json"};
  static const char *const heads[] = {"   1   64",
                                      "nqpoint: 510",
                                      "distance_per_a,q_a",
                                      "mesh: [ 12, 12, 12 ]",
                                      "frequency_thz,dos_states_per_thz",
                                      "temperature_k,vibrational_free_energy_per_atom_ev",
                                      "<svg",
                                      "{"};
  for (int k = 0; k < 8; k++) {
    char path[16384];
    snprintf(path, sizeof path, "%s/%s", out, files[k]);
    char *text = test_read_all(path, NULL);
    CHECK(text && !strncmp(text, heads[k], strlen(heads[k])), "%s starts with '%s'", files[k],
          heads[k]);
    if (k == 1 && text) {
      int n = 0;
      for (char *p = text; (p = strstr(p, "- q-position:")); p++) n++;
      CHECK(n == 510, "band.yaml holds %d q-points, expected 10 segments × 51", n);
    }
    free(text);
  }
  /* the force constants read back give the same frequencies */
  snprintf(args, sizeof args,
           "%s --read-fc %s/FORCE_CONSTANTS --supercell 4,4,4 --path none --mesh 4,4,4 "
           "--qpoints '0.5 0 0.5' --json",
           in, out);
  CHECK(run(args, "readfc.json") == 0, "--read-fc run exits 0");
  j = json_of("readfc.json");
  if (j) {
    CHECK_CLOSE(x_frequency(j, 2), 7.621056, 1e-5, "frequency at X from --read-fc");
    cJSON_Delete(j);
  }
  snprintf(args, sizeof args, "%s --read-fc %s/FORCE_CONSTANTS --supercell 3,3,3 --json", in, out);
  CHECK(run(args, "readfc_bad.txt") == 1, "FORCE_CONSTANTS of another supercell: exit 1");
  /* an unrelaxed (strained) cell gets a warning with its stress */
  for (int r = 0; r < 3; r++)
    for (int c = 0; c < 3; c++) s->cell[r][c] *= 1.02;
  snprintf(in, sizeof in, "%s", test_tmp_path("strained.vasp"));
  CHECK_OK(nacre_write_structure(in, s, NACRE_FORMAT_AUTO, &err), &err);
  snprintf(args, sizeof args, "%s -p %s --supercell 3,3,3 --mesh 4,4,4 --path none -q", in, CU_EAM);
  CHECK(run(args, "strained.txt") == 0, "strained run exits 0");
  char *text = test_read_all(test_tmp_path("strained.txt"), NULL);
  CHECK(text && strstr(text, "not relaxed") && strstr(text, "GPa"), "unrelaxed warning: %.300s",
        text ? text : "");
  CHECK(text && strstr(text, ": stable"), "-q prints the verdict line: %.300s", text ? text : "");
  free(text);
  nacre_structure_free(s);
}

static void check_bcc(void) {
  char in[4096], args[16384], out[4096];
  nacre_error err;
  snprintf(in, sizeof in, "%s", test_tmp_path("bcc.vasp"));
  nacre_structure *s = cubic("bcc", 2.87);
  CHECK_OK(nacre_write_structure(in, s, NACRE_FORMAT_AUTO, &err), &err);
  snprintf(out, sizeof out, "%s", test_tmp_path("bcc_out"));
  snprintf(args, sizeof args, "%s -p %s --supercell 4,4,4 --mesh 8,8,8 --follow-soft-mode -o %s",
           in, CU_EAM, out);
  CHECK(run(args, "bcc.txt") == 0, "bcc run exits 0 (an unstable structure is a result)");
  char *text = test_read_all(test_tmp_path("bcc.txt"), NULL);
  CHECK(text && strstr(text, "UNSTABLE") && strstr(text, "soft_mode.vasp"),
        "bcc verdict and soft-mode file: %.400s", text ? text : "");
  free(text);
  char path[16384];
  snprintf(path, sizeof path, "%s/soft_mode.vasp", out);
  nacre_structure *soft = NULL;
  CHECK_OK(nacre_read_structure(path, &soft, &err), &err);
  CHECK(soft && soft->natoms == 2, "soft-mode structure of the N mode holds 2 atoms");
  nacre_structure_free(soft);
  nacre_structure_free(s);
}

static void check_qha(void) {
  char in[4096], args[16384], out[4096], path[16384];
  nacre_error err;
  snprintf(in, sizeof in, "%s", test_tmp_path("qha.vasp"));
  nacre_structure *s = cubic("fcc", 3.615);
  CHECK_OK(nacre_write_structure(in, s, NACRE_FORMAT_AUTO, &err), &err);
  nacre_structure_free(s);
  snprintf(out, sizeof out, "%s", test_tmp_path("qha_out"));
  snprintf(args, sizeof args,
           "%s -p %s --supercell 3,3,3 --mesh 8,8,8 --volumes 0.96:1.04:0.02 --pressures 0,2 "
           "--temperatures 0:600:100 -o %s --json",
           in, CU_EAM, out);
  CHECK(run(args, "qha.json") == 0, "quasi-harmonic run exits 0");
  cJSON *j = json_of("qha.json");
  if (j) {
    CHECK(cJSON_GetArraySize(cJSON_GetObjectItem(j, "volumes")) == 5, "five volumes");
    CHECK(cJSON_GetArraySize(cJSON_GetObjectItem(j, "points")) == 14,
          "7 temperatures × 2 pressures");
    const cJSON *p = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "points"), 6);
    CHECK(cJSON_GetObjectItem(p, "gibbs_energy_per_atom_ev") &&
              cJSON_GetObjectItem(p, "thermal_expansion_per_k"),
          "points hold G and alpha");
    cJSON_Delete(j);
  }
  snprintf(path, sizeof path, "%s/qha.csv", out);
  char *text = test_read_all(path, NULL);
  const char *head = "temperature_k,pressure_gpa,volume_per_atom_a3,gibbs_energy_per_atom_ev";
  CHECK(text && !strncmp(text, head, strlen(head)), "qha.csv header");
  free(text);
  snprintf(args, sizeof args, "%s -p %s --pressures 0,1", in, CU_EAM);
  CHECK(run(args, "qha_usage.txt") == 2, "--pressures without --volumes: exit 2");
  snprintf(args, sizeof args, "%s -p %s --volumes 0.98,1.0,1.02", in, CU_EAM);
  CHECK(run(args, "qha_usage2.txt") == 2, "three volumes: exit 2");
}

static void check_usage(void) {
  CHECK(run("", "u1.txt") == 2, "no structure: exit 2");
  CHECK(run("x.vasp --bogus", "u2.txt") == 2, "unknown option: exit 2");
  CHECK(run("x.vasp -p " CU_EAM " --plus-minus maybe", "u3.txt") == 2, "bad --plus-minus: 2");
  CHECK(run("x.vasp -p " CU_EAM " --supercell 2,2", "u4.txt") == 2, "bad --supercell: 2");
  CHECK(run("x.vasp -p " CU_EAM " --qpoints '0 0'", "u5.txt") == 2, "bad --qpoints: 2");
  CHECK(run("x.vasp -p " CU_EAM " --temperatures 10:0:5", "u6.txt") == 2, "bad grid: 2");
  CHECK(run("x.vasp", "u7.txt") == 2, "no potential: exit 2");
  CHECK(run("missing.vasp -p " CU_EAM, "u8.txt") == 1, "missing file: exit 1");
  CHECK(run("--help", "help.txt") == 0, "--help exits 0");
  char *text = test_read_all(test_tmp_path("help.txt"), NULL);
  CHECK(text && strstr(text, "THz") && strstr(text, "--min-length") && strstr(text, "k_B"),
        "--help states units and options");
  free(text);
}

int main(void) {
  if (access(CU_EAM, R_OK) != 0) TEST_SKIP("%s (Debian lammps-data) is absent", CU_EAM);
  check_usage();
  check_fcc();
  check_bcc();
  check_qha();
  test_tmp_cleanup();
  TEST_DONE();
}
