/* test_phonopy.c — phonons of Cu (Cu_u3.eam) against phonopy with forces
 * from LAMMPS, an independent calculator (tests/phonon/phonopy_lammps.py:
 * phonopy chooses the displacements, LAMMPS computes the forces, phonopy
 * makes the force constants, frequencies, DOS and thermal properties).
 *
 * fcc Cu, a = 3.615 Å, 4×4×4 supercell of the primitive cell:
 *  - the same number of displacements (1);
 *  - force constants equal to 1e-6 eV/Å² (nacre's EAM and LAMMPS agree on
 *    forces to ~1e-10 eV/Å here, so the force constants agree to ~1e-8);
 *  - frequencies at Γ, X, L, W, K within 1e-3 THz (the bound; the
 *    measured difference is printed);
 *  - F_vib at 300 and 1000 K within 0.05 meV/atom, S and C_v within 1e-4 k_B
 *    (20×20×20 mesh, the same cutoff for the acoustic modes at Γ);
 *  - the tetrahedron DOS within 1e-4 of its maximum (same mesh, same
 *    tetrahedra).
 * bcc Cu (a = 2.87 Å, the volume per atom of fcc) is dynamically unstable:
 * phonopy and nacre agree on the frequencies at N, H and P within 1e-3 THz,
 * the lowest at N is imaginary, and nacre's verdict is "unstable" with the
 * most unstable mode at a point equivalent to N.
 * Skips when Debian's phonopy, LAMMPS or Cu_u3.eam is absent. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "iotest.h"
#include "nacre/phonon.h"
#include "testing.h"

#define CU_EAM "/usr/share/lammps/potentials/Cu_u3.eam"

static nacre_structure *cubic_primitive(const char *kind, double a) {
  nacre_structure *s = nacre_structure_new(1, NULL);
  double h = 0.5 * a;
  double fcc[3][3] = {{0, h, h}, {h, 0, h}, {h, h, 0}};
  double bcc[3][3] = {{-h, h, h}, {h, -h, h}, {h, h, -h}};
  memcpy(s->cell, strcmp(kind, "fcc") ? bcc : fcc, sizeof s->cell);
  s->numbers[0] = 29;
  return s;
}

/* Runs the reference script; returns its JSON output or NULL. */
static cJSON *phonopy_reference(const nacre_structure *s, const double (*q)[3], int nq,
                                const char *tag) {
  cJSON *cfg = cJSON_CreateObject();
  cJSON *sym = cJSON_AddArrayToObject(cfg, "symbols");
  cJSON_AddItemToArray(sym, cJSON_CreateString("Cu"));
  cJSON *cell = cJSON_AddArrayToObject(cfg, "cell");
  for (int r = 0; r < 3; r++) cJSON_AddItemToArray(cell, cJSON_CreateDoubleArray(s->cell[r], 3));
  double zero[3] = {0, 0, 0};
  cJSON *frac = cJSON_AddArrayToObject(cfg, "frac");
  cJSON_AddItemToArray(frac, cJSON_CreateDoubleArray(zero, 3));
  int sc[3][3] = {{4, 0, 0}, {0, 4, 0}, {0, 0, 4}};
  cJSON *m = cJSON_AddArrayToObject(cfg, "supercell");
  for (int r = 0; r < 3; r++) cJSON_AddItemToArray(m, cJSON_CreateIntArray(sc[r], 3));
  cJSON_AddNumberToObject(cfg, "displacement", 0.01);
  cJSON_AddStringToObject(cfg, "pair", "pair_style eam\npair_coeff 1 1 " CU_EAM);
  cJSON *qs = cJSON_AddArrayToObject(cfg, "qpoints");
  for (int k = 0; k < nq; k++) cJSON_AddItemToArray(qs, cJSON_CreateDoubleArray(q[k], 3));
  int mesh[3] = {20, 20, 20};
  cJSON_AddItemToObject(cfg, "mesh", cJSON_CreateIntArray(mesh, 3));
  double temps[3] = {0, 300, 1000}, dos[3] = {0, 8, 0.05};
  cJSON_AddItemToObject(cfg, "temperatures", cJSON_CreateDoubleArray(temps, 3));
  cJSON_AddNumberToObject(cfg, "cutoff_thz", NACRE_PHONON_CUTOFF_THZ);
  cJSON_AddItemToObject(cfg, "dos", cJSON_CreateDoubleArray(dos, 3));
  char cfgname[64], outname[64];
  snprintf(cfgname, sizeof cfgname, "%s.json", tag);
  snprintf(outname, sizeof outname, "%s.out.json", tag);
  char cfgpath[4096], outpath[4096];
  snprintf(cfgpath, sizeof cfgpath, "%s", test_tmp_path(cfgname));
  snprintf(outpath, sizeof outpath, "%s", test_tmp_path(outname));
  char *text = cJSON_Print(cfg);
  test_write_text(cfgpath, text);
  free(text);
  cJSON_Delete(cfg);
  char cmd[9000];
  snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s %s %s",
           test_source_path("tests/phonon/phonopy_lammps.py"), cfgpath, outpath);
  if (system(cmd) != 0) {
    printf("reference run failed: %s\n", cmd);
    return NULL;
  }
  char *out = test_read_all(outpath, NULL);
  cJSON *o = out ? cJSON_Parse(out) : NULL;
  free(out);
  return o;
}

static nacre_phonon *nacre_phonons(const nacre_structure *s, const nacre_potential *pot) {
  nacre_error err;
  nacre_phonon_options o;
  nacre_phonon_options_init(&o);
  for (int k = 0; k < 3; k++) o.supercell[k][k] = 4;
  nacre_phonon *ph = NULL;
  nacre_calc *calc = nacre_calc_new(pot, -1, &err);
  CHECK_OK(nacre_phonon_new(s, NULL, &o, &ph, &err), &err);
  if (ph) CHECK_OK(nacre_phonon_compute_forces(ph, calc, NULL, NULL, NULL, &err), &err);
  if (ph) CHECK_OK(nacre_phonon_produce_force_constants(ph, &err), &err);
  nacre_calc_free(calc);
  return ph;
}

static double item(const cJSON *arr, int k) {
  const cJSON *v = cJSON_GetArrayItem(arr, k);
  return v ? v->valuedouble : NAN;
}

/* Largest |Δ| over the q-points; *lowest gets the frequency of q-point
 * `low_q`'s first band. */
static double compare_frequencies(const nacre_phonon *ph, const cJSON *ref, const double (*q)[3],
                                  const char *const *names, int nq) {
  const cJSON *freqs = cJSON_GetObjectItem(ref, "frequencies_thz");
  double worst = 0;
  nacre_error err;
  for (int k = 0; k < nq; k++) {
    double f[3];
    CHECK_OK(nacre_phonon_at_q(ph, q[k], f, NULL, NULL, &err), &err);
    const cJSON *r = cJSON_GetArrayItem(freqs, k);
    printf("  %-2s nacre %10.6f %10.6f %10.6f  phonopy %10.6f %10.6f %10.6f THz\n", names[k], f[0],
           f[1], f[2], item(r, 0), item(r, 1), item(r, 2));
    for (int b = 0; b < 3; b++) {
      double d = fabs(f[b] - item(r, b));
      worst = isfinite(d) ? fmax(worst, d) : INFINITY;
    }
  }
  return worst;
}

static void check_fcc(const nacre_potential *pot) {
  nacre_structure *s = cubic_primitive("fcc", 3.615);
  static const double q[5][3] = {
      {0, 0, 0}, {0.5, 0, 0.5}, {0.5, 0.5, 0.5}, {0.5, 0.25, 0.75}, {0.375, 0.375, 0.75}};
  static const char *const names[5] = {"Γ", "X", "L", "W", "K"};
  cJSON *ref = phonopy_reference(s, q, 5, "fcc");
  nacre_phonon *ph = nacre_phonons(s, pot);
  CHECK(ref && ph, "fcc: reference and nacre runs");
  if (!ref || !ph) goto done;
  nacre_error err;
  CHECK(nacre_phonon_ndisplacements(ph) == cJSON_GetObjectItem(ref, "ndisplacements")->valueint,
        "fcc: %d displacements, phonopy %d", nacre_phonon_ndisplacements(ph),
        cJSON_GetObjectItem(ref, "ndisplacements")->valueint);

  /* force constants, phonopy's full FORCE_CONSTANTS read into a copy */
  nacre_phonon *copy = NULL;
  nacre_phonon_options o;
  nacre_phonon_options_init(&o);
  for (int k = 0; k < 3; k++) o.supercell[k][k] = 4;
  CHECK_OK(nacre_phonon_new(s, NULL, &o, &copy, &err), &err);
  if (copy) {
    CHECK_OK(
        nacre_phonon_read_force_constants(copy, test_tmp_path("FORCE_CONSTANTS.phonopy"), &err),
        &err);
    const double *a = nacre_phonon_force_constants(ph), *b = nacre_phonon_force_constants(copy);
    double worst = 0;
    for (int k = 0; b && k < 64 * 9; k++) worst = fmax(worst, fabs(a[k] - b[k]));
    printf("fcc: force constants differ from phonopy's by at most %.2e eV/Å²\n", worst);
    CHECK(b && worst < 1e-6, "fcc: force constants differ by %g eV/Å²", worst);
    nacre_phonon_free(copy);
  }

  double df = compare_frequencies(ph, ref, q, names, 5);
  printf("fcc: frequencies at Γ X L W K differ from phonopy's by at most %.2e THz\n", df);
  CHECK(df <= 1e-3, "fcc: frequencies differ by %g THz", df);

  int mesh[3] = {20, 20, 20};
  nacre_phonon_mesh *m = NULL;
  CHECK_OK(nacre_phonon_mesh_run(ph, mesh, 0, NULL, &m, &err), &err);
  const cJSON *fe = cJSON_GetObjectItem(ref, "vibrational_free_energy_per_atom_ev");
  const cJSON *se = cJSON_GetObjectItem(ref, "entropy_per_atom_kb");
  const cJSON *cv = cJSON_GetObjectItem(ref, "heat_capacity_per_atom_kb");
  double temps[3] = {0, 300, 1000};
  for (int k = 0; m && k < 3; k++) {
    nacre_phonon_thermo t;
    nacre_phonon_thermo_at(m, temps[k], &t);
    double dF = 1e3 * fabs(t.vibrational_free_energy_per_atom_ev - item(fe, k));
    printf("fcc: T = %4.0f K  F_vib %.8f eV (phonopy %.8f), |ΔF| %.2e meV/atom, "
           "S %.6f k_B (%.6f), C_v %.6f k_B (%.6f)\n",
           temps[k], t.vibrational_free_energy_per_atom_ev, item(fe, k), dF, t.entropy_per_atom_kb,
           item(se, k), t.heat_capacity_per_atom_kb, item(cv, k));
    CHECK(dF <= 0.05, "fcc: F_vib at %g K differs by %g meV/atom", temps[k], dF);
    CHECK_CLOSE(t.entropy_per_atom_kb, item(se, k), 1e-4, "fcc: S");
    CHECK_CLOSE(t.heat_capacity_per_atom_kb, item(cv, k), 1e-4, "fcc: C_v");
  }

  const cJSON *df_ = cJSON_GetObjectItem(ref, "dos_frequency_thz");
  const cJSON *dd = cJSON_GetObjectItem(ref, "dos_states_per_thz");
  int np = cJSON_GetArraySize(df_);
  nacre_phonon_dos *dos = NULL;
  if (m && np > 1)
    CHECK_OK(nacre_phonon_dos_run(m, NACRE_DOS_TETRAHEDRON, 0, item(df_, 0), item(df_, np - 1),
                                  item(df_, 1) - item(df_, 0), &dos, &err),
             &err);
  if (dos) {
    double worst = 0, top = 0, integral = 0;
    for (int p = 0; p < np && p < dos->npoints; p++) {
      worst = fmax(worst, fabs(dos->dos[p] - item(dd, p)));
      top = fmax(top, item(dd, p));
      integral += dos->dos[p] * (item(df_, 1) - item(df_, 0));
    }
    printf("fcc: tetrahedron DOS differs from phonopy's by %.2e of its maximum %.4f; "
           "∫ DOS = %.4f (3 modes)\n",
           worst / top, top, integral);
    CHECK(dos->npoints == np, "fcc: %d DOS points, phonopy %d", dos->npoints, np);
    CHECK(worst <= 1e-4 * top, "fcc: DOS differs by %g", worst);
    nacre_phonon_dos_free(dos);
  }
  nacre_phonon_mesh_free(m);
done:
  cJSON_Delete(ref);
  nacre_phonon_free(ph);
  nacre_structure_free(s);
}

static void check_bcc(const nacre_potential *pot) {
  nacre_structure *s = cubic_primitive("bcc", 2.87);
  static const double q[4][3] = {{0, 0, 0.5}, {0.5, -0.5, 0.5}, {0.25, 0.25, 0.25}, {0, 0, 0.25}};
  static const char *const names[4] = {"N", "H", "P", "ΓN"};
  cJSON *ref = phonopy_reference(s, q, 4, "bcc");
  nacre_phonon *ph = nacre_phonons(s, pot);
  CHECK(ref && ph, "bcc: reference and nacre runs");
  if (!ref || !ph) goto done;
  double df = compare_frequencies(ph, ref, q, names, 4);
  printf("bcc: frequencies at N H P differ from phonopy's by at most %.2e THz\n", df);
  CHECK(df <= 1e-3, "bcc: frequencies differ by %g THz", df);
  double fn = item(cJSON_GetArrayItem(cJSON_GetObjectItem(ref, "frequencies_thz"), 0), 0);
  CHECK(fn < -0.1, "bcc: phonopy's lowest frequency at N is %g THz, expected imaginary", fn);

  nacre_error err;
  int mesh[3] = {20, 20, 20};
  nacre_phonon_mesh *m = NULL;
  nacre_band_path *path = NULL;
  nacre_phonon_bands *bands = NULL;
  nacre_phonon_stability *st = NULL;
  CHECK_OK(nacre_phonon_mesh_run(ph, mesh, 0, NULL, &m, &err), &err);
  CHECK_OK(nacre_band_path_new(s, 1e-5, "auto", &path, &err), &err);
  if (path) CHECK_OK(nacre_phonon_bands_run(ph, path, 51, 0, NULL, &bands, &err), &err);
  if (m && bands)
    CHECK_OK(
        nacre_phonon_stability_run(ph, m, bands, NACRE_PHONON_IMAGINARY_TOL_THZ, 10, &st, &err),
        &err);
  if (st) {
    CHECK(!st->stable && st->nmodes > 0, "bcc Cu found stable");
    double fN[3];
    nacre_phonon_at_q(ph, q[0], fN, NULL, NULL, &err);
    if (st->nmodes) {
      const nacre_phonon_mode *md = &st->modes[0];
      double f[3];
      nacre_phonon_at_q(ph, md->q, f, NULL, NULL, &err);
      printf("bcc: verdict unstable, %d imaginary modes; most unstable %.4f THz at q = "
             "(%.3f %.3f %.3f) from the %s; N: %.4f THz; path minimum at %s\n",
             st->nimaginary, md->frequency_thz, md->q[0], md->q[1], md->q[2], md->source, fN[0],
             st->lowest_path_label);
      /* equivalent to N: the same frequencies as N, band by band */
      for (int b = 0; b < 3; b++)
        CHECK_CLOSE(f[b], fN[b], 1e-6, "bcc: most unstable q has N's frequencies");
      CHECK_CLOSE(md->frequency_thz, fN[0], 1e-9, "bcc: most unstable frequency is N's");
    }
    CHECK(!strcmp(st->lowest_path_label, "N"), "bcc: lowest on the path at '%s', expected N",
          st->lowest_path_label);
  }
  nacre_phonon_stability_free(st);
  nacre_phonon_bands_free(bands);
  nacre_band_path_free(path);
  nacre_phonon_mesh_free(m);
done:
  cJSON_Delete(ref);
  nacre_phonon_free(ph);
  nacre_structure_free(s);
}

int main(void) {
  if (access(CU_EAM, R_OK) != 0) TEST_SKIP("%s (Debian lammps-data) is absent", CU_EAM);
  if (system("command -v lmp >/dev/null 2>&1") != 0) TEST_SKIP("LAMMPS (lmp) is not installed");
  if (system("/usr/bin/python3 -c 'import phonopy' >/dev/null 2>&1") != 0)
    TEST_SKIP("Debian's phonopy (python3-phonopy for /usr/bin/python3) is not installed");
  nacre_potential *pot = NULL;
  nacre_error err;
  CHECK_OK(nacre_potential_load(CU_EAM, &pot, &err), &err);
  if (pot) {
    check_fcc(pot);
    check_bcc(pot);
  }
  nacre_potential_free(pot);
  test_tmp_cleanup();
  TEST_DONE();
}
