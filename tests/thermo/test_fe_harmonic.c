/* test_fe_harmonic.c — the harmonic limit of the crystal's free energy
 * (src/thermo/fe_study.c, fe_tasks.c through nacre free-energy).
 *   Cu with Debian's Cu_u3.eam (27-atom cell, 3×3×3 primitive cells) at
 *   40 K, where the crystal is nearly harmonic: G(T0, 0 GPa) from the
 *   Einstein crystal and Frenkel–Ladd windows equals nacre phonon's
 *   harmonic E0 + classical F_vib of a dense mesh to 1 meV/atom (the
 *   anharmonic and thermal-expansion terms at 40 K are some 0.02 meV/atom,
 *   the statistical error some 0.05), and the 27-atom F without the
 *   finite-size correction equals the harmonic F of the cell's own wave
 *   vectors (phonon on the 3×3×3 mesh) to the same tolerance. The λ
 *   integral, ∫⟨U − U_E⟩, is positive and below 5 meV/atom.
 *   Gibbs–Helmholtz: G on 40:80:20 K from the reference at 40 K and from one
 *   at 80 K agree within four combined standard errors plus 0.1 meV/atom
 *   (the reference cells' own sampling error, not in the error bars).
 *   --quantum-correction on resume reruns no task and adds to each G exactly
 *   nacre phonon's harmonic quantum − classical F (its default supercell and
 *   mesh) at that temperature (1e-6 eV/atom, the printed precision); the
 *   correction is positive and falls with T (zero-point energy minus the
 *   classical limit).
 * Skips when lammps-data (Cu_u3.eam) is absent. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iotest.h"
#include "mdtest.h"
#include "nacre/thermo.h"
#include "testing.h"

static cJSON *run_json(const char *args) {
  char cmd[8192];
  snprintf(cmd, sizeof cmd, "%s %s", NACRE_CLI, args);
  FILE *p = popen(cmd, "r");
  if (!p) return NULL;
  size_t cap = 1 << 20, len = 0, got;
  char *buf = malloc(cap);
  while ((got = fread(buf + len, 1, cap - len - 1, p)) > 0) len += got;
  buf[len] = '\0';
  int rc = pclose(p);
  cJSON *j = rc == 0 ? cJSON_Parse(buf) : NULL;
  if (!j) printf("%s -> exit %d\n%s\n", cmd, rc, buf);
  free(buf);
  return j;
}

static double num(const cJSON *o, const char *k) {
  const cJSON *x = cJSON_GetObjectItem(o, k);
  return cJSON_IsNumber(x) ? x->valuedouble : NAN;
}

/* E0 + classical F_vib per atom from nacre phonon's JSON at one T. */
static double harmonic_f(const char *poscar, const char *pot, const char *mesh) {
  char args[4096];
  snprintf(args, sizeof args,
           "phonon %s -p %s --supercell 3,3,3 --temperatures 40 %s --path none --json 2>/dev/null",
           poscar, pot, mesh);
  cJSON *j = run_json(args);
  if (!j) return NAN;
  const cJSON *th = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "thermodynamics"), 0);
  double f = num(j, "energy_per_atom_ev") + num(th, "classical_free_energy_per_atom_ev");
  cJSON_Delete(j);
  return f;
}

int main(void) {
  const char *pot = mdtest_cu_u3();
  if (!pot) TEST_SKIP("Cu_u3.eam absent (install lammps-data)");
  char poscar[1024], dir[1024];
  snprintf(poscar, sizeof poscar, "%s", test_tmp_path("Cu.vasp"));
  test_write_text(poscar,
                  "Cu fcc primitive\n3.615\n0 0.5 0.5\n0.5 0 0.5\n0.5 0.5 0\nCu\n1\n"
                  "Direct\n0 0 0\n");
  snprintf(dir, sizeof dir, "%s", test_tmp_path("fe_cu"));
  mdtest_system("rm -rf '%s'", dir);
  char args[4096];
  snprintf(args, sizeof args,
           "free-energy %s -p %s --temperatures 40:80:20 --supercell 3,3,3 --steps 2000 "
           "--lambda-points 6 --seed 3 -o %s -q --json",
           poscar, pot, dir);
  cJSON *j = run_json(args);
  CHECK(j != NULL, "nacre free-energy ran");
  if (!j) TEST_DONE();
  const cJSON *ph = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "phases"), 0);
  const cJSON *ref = cJSON_GetObjectItem(ph, "reference");
  const cJSON *st = cJSON_GetObjectItem(ph, "status");
  CHECK(cJSON_IsString(st) && !strcmp(st->valuestring, "ok"), "status ok");
  CHECK(num(ph, "natoms") == 27, "27 atoms");
  double g = num(ref, "gibbs_energy_per_atom_ev");
  double f27 = num(ref, "free_energy_per_atom_ev");
  double se = num(ref, "gibbs_energy_per_atom_stderr_ev");
  double dfl = num(ref, "delta_free_energy_per_atom_ev");
  double dense = harmonic_f(poscar, pot, "");
  double own = harmonic_f(poscar, pot, "--mesh 3,3,3");
  printf("G(40 K) = %.6f +- %.6f eV/atom, harmonic (dense mesh) %.6f: %+.3f meV/atom\n", g, se,
         dense, 1e3 * (g - dense));
  printf("F(27 atoms) = %.6f, harmonic of the cell's wave vectors %.6f: %+.3f meV/atom\n", f27,
         own, 1e3 * (f27 - own));
  CHECK_CLOSE(g, dense, 1e-3, "Frenkel-Ladd G equals the harmonic F at 40 K (1 meV/atom)");
  CHECK_CLOSE(f27, own, 1e-3, "27-atom F equals the harmonic F of its own wave vectors");
  CHECK(se > 0 && se < 3e-4, "standard error reported and small (%g eV/atom)", se);
  CHECK(dfl > 0 && dfl < 5e-3, "lambda integral positive and small (%g eV/atom)", dfl);
  const cJSON *pts = cJSON_GetObjectItem(ph, "points");
  const cJSON *p0 = cJSON_GetArrayItem(pts, 0);
  CHECK_CLOSE(num(p0, "gibbs_energy_per_atom_ev"), g, 1e-12,
              "the table's G at T0 is the reference's G");
  /* --quantum-correction: the same study, assembled again */
  snprintf(args, sizeof args,
           "free-energy %s -p %s --temperatures 40:80:20 --supercell 3,3,3 --steps 2000 "
           "--lambda-points 6 --seed 3 -o %s --resume --quantum-correction -q --json",
           poscar, pot, dir);
  cJSON *qj = run_json(args);
  CHECK(qj != NULL, "--resume --quantum-correction ran");
  snprintf(args, sizeof args,
           "phonon %s -p %s --temperatures 40:80:20 --path none --json 2>/dev/null", poscar, pot);
  cJSON *phj = run_json(args);
  const cJSON *qpts = qj ? cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(qj, "phases"), 0), "points") : NULL;
  const cJSON *th = phj ? cJSON_GetObjectItem(phj, "thermodynamics") : NULL;
  CHECK(qj && num(qj, "tasks_run") == 0, "no task reruns for the correction");
  double prev = INFINITY;
  for (int k = 0; qpts && th && k < 3; k++) {
    const cJSON *a = cJSON_GetArrayItem(pts, k), *b = cJSON_GetArrayItem(qpts, k);
    double qc = num(b, "quantum_correction_per_atom_ev");
    double ref_qc = num(cJSON_GetArrayItem(th, k), "quantum_correction_per_atom_ev");
    printf("quantum correction at %g K: %.6f eV/atom (nacre phonon %.6f)\n",
           num(b, "temperature_k"), qc, ref_qc);
    CHECK_CLOSE(qc, ref_qc, 1e-6, "the correction is nacre phonon's quantum - classical F");
    CHECK_CLOSE(num(b, "gibbs_energy_per_atom_ev") - num(a, "gibbs_energy_per_atom_ev"), qc,
                1e-9, "G moves by exactly the correction");
    CHECK(qc > 0 && qc < prev, "the correction is positive and falls with T (%g eV/atom)", qc);
    prev = qc;
  }
  cJSON_Delete(phj);
  cJSON_Delete(qj);
  /* Gibbs–Helmholtz: T0 = 80 K, integrated down to 40 K */
  snprintf(dir, sizeof dir, "%s", test_tmp_path("fe_cu_down"));
  mdtest_system("rm -rf '%s'", dir);
  snprintf(args, sizeof args,
           "free-energy %s -p %s --temperatures 40:80:20 --reference-temperature 80 "
           "--supercell 3,3,3 --steps 2000 --lambda-points 6 --seed 3 -o %s -q --json",
           poscar, pot, dir);
  cJSON *d = run_json(args);
  CHECK(d != NULL, "nacre free-energy from 80 K ran");
  const cJSON *dpts = d ? cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(d, "phases"), 0), "points") : NULL;
  for (int k = 0; dpts && k < 3; k++) {
    const cJSON *a = cJSON_GetArrayItem(pts, k), *b = cJSON_GetArrayItem(dpts, k);
    double ga = num(a, "gibbs_energy_per_atom_ev"), gb = num(b, "gibbs_energy_per_atom_ev");
    double sa = num(a, "gibbs_energy_per_atom_stderr_ev"), sb = num(b, "gibbs_energy_per_atom_stderr_ev");
    printf("G(%g K): from 40 K %.6f +- %.6f, from 80 K %.6f +- %.6f eV/atom\n",
           num(a, "temperature_k"), ga, sa, gb, sb);
    CHECK(fabs(ga - gb) <= 4 * sqrt(sa * sa + sb * sb) + 1e-4,
          "Gibbs-Helmholtz from 40 K and from 80 K agree at %g K (%.3f meV/atom apart)",
          num(a, "temperature_k"), 1e3 * (ga - gb));
  }
  cJSON_Delete(d);
  cJSON_Delete(j);
  TEST_DONE();
}
