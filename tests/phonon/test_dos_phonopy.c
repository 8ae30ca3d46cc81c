/* test_dos_phonopy.c — the total and the species-projected densities of
 * states, tetrahedron and Gaussian, against phonopy's on the same force
 * constants (tests/phonon/phonopy_dos.py reads nacre's FORCE_CONSTANTS;
 * the force constants themselves are checked against phonopy + LAMMPS in
 * test_phonopy). A two-element cell whose projections differ: L1_2 "Cu3Au"
 * (a = 3.615 Å, Au at the corner, Cu on the faces) with one Lennard-Jones
 * interaction for every pair (σ = 2.277 Å, ε = 0.415 eV, cutoff 5.5 Å), so
 * that only the masses (63.546 and 196.97 amu) tell the species apart;
 * 3×3×3 supercell (108 atoms), 8×8×8 mesh, 0.02 THz steps.
 * phonopy is given nacre's conversion to THz (CODATA 2018; its own differs
 * in the 7th digit, which alone moves the DOS by 2e-6 of its peak).
 *  - tetrahedron (linear tetrahedra, Blöchl et al.):
 *    the total DOS and each species' projection within 1e-8 of the largest
 *    total (measured 3e-10);
 *  - Gaussian (σ = 0.15 THz): total and projections within 1e-8 of the
 *    largest (measured 3e-9; the force constants pass through text);
 *  - sum rules of nacre's own result: the projections add up to the total
 *    (1e-12 of the largest), and each species' Gaussian projection integrates
 *    to 3 × its atoms in the cell (1e-4, the grid extends 6 σ past the
 *    extreme frequencies).
 * Skips when Debian's phonopy is absent. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "iotest.h"
#include "nacre/phonon.h"
#include "testing.h"

#define SIGMA_THZ 0.15

static nacre_structure *l12(double a) {
  nacre_structure *s = nacre_structure_new(4, NULL);
  static const double frac[4][3] = {{0, 0, 0}, {0.5, 0.5, 0}, {0.5, 0, 0.5}, {0, 0.5, 0.5}};
  for (int i = 0; i < 4; i++) {
    s->numbers[i] = i ? 29 : 79;
    for (int c = 0; c < 3; c++) s->positions[3 * i + c] = frac[i][c] * a;
  }
  for (int k = 0; k < 3; k++) s->cell[k][k] = a;
  return s;
}

static double item(const cJSON *arr, int k) {
  const cJSON *v = cJSON_GetArrayItem(arr, k);
  return v ? v->valuedouble : NAN;
}

static cJSON *reference(const nacre_phonon *ph, const nacre_structure *s, const int mesh[3],
                        const double grid[3]) {
  nacre_error err;
  char fc[4096], cfgpath[4096], outpath[4096];
  snprintf(fc, sizeof fc, "%s", test_tmp_path("FORCE_CONSTANTS"));
  snprintf(cfgpath, sizeof cfgpath, "%s", test_tmp_path("dos.json"));
  snprintf(outpath, sizeof outpath, "%s", test_tmp_path("dos.out.json"));
  CHECK_OK(nacre_phonon_write_force_constants(ph, fc, &err), &err);
  cJSON *cfg = cJSON_CreateObject();
  cJSON *sym = cJSON_AddArrayToObject(cfg, "symbols");
  cJSON *frac = cJSON_AddArrayToObject(cfg, "frac");
  for (int i = 0; i < s->natoms; i++) {
    cJSON_AddItemToArray(sym, cJSON_CreateString(s->numbers[i] == 79 ? "Au" : "Cu"));
    double f[3];
    for (int c = 0; c < 3; c++) f[c] = s->positions[3 * i + c] / s->cell[c][c];
    cJSON_AddItemToArray(frac, cJSON_CreateDoubleArray(f, 3));
  }
  cJSON_AddItemToObject(cfg, "masses", cJSON_CreateDoubleArray(nacre_phonon_masses(ph), 4));
  cJSON *cell = cJSON_AddArrayToObject(cfg, "cell");
  for (int r = 0; r < 3; r++) cJSON_AddItemToArray(cell, cJSON_CreateDoubleArray(s->cell[r], 3));
  int m[3][3];
  nacre_phonon_supercell_matrix(ph, m);
  cJSON *sc = cJSON_AddArrayToObject(cfg, "supercell");
  for (int r = 0; r < 3; r++) cJSON_AddItemToArray(sc, cJSON_CreateIntArray(m[r], 3));
  cJSON_AddStringToObject(cfg, "force_constants", fc);
  cJSON_AddItemToObject(cfg, "mesh", cJSON_CreateIntArray(mesh, 3));
  cJSON_AddItemToObject(cfg, "dos", cJSON_CreateDoubleArray(grid, 3));
  cJSON_AddNumberToObject(cfg, "sigma_thz", SIGMA_THZ);
  cJSON_AddNumberToObject(cfg, "thz_factor", NACRE_PHONON_THZ);
  char *text = cJSON_Print(cfg);
  test_write_text(cfgpath, text);
  free(text);
  cJSON_Delete(cfg);
  char cmd[16384];
  snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s %s %s",
           test_source_path("tests/phonon/phonopy_dos.py"), cfgpath, outpath);
  if (system(cmd) != 0) {
    CHECK(0, "the phonopy reference ran: %s", cmd);
    return NULL;
  }
  char *out = test_read_all(outpath, NULL);
  cJSON *o = out ? cJSON_Parse(out) : NULL;
  free(out);
  return o;
}

/* nacre's DOS by `method` against phonopy's block `name`, differences
 * relative to the largest total DOS within tol; and nacre's sum rules. */
static void compare(const nacre_phonon_mesh *m, const cJSON *ref, const char *name,
                    nacre_dos_method method, double tol) {
  const cJSON *f = cJSON_GetObjectItem(ref, "frequency_thz");
  const cJSON *blk = cJSON_GetObjectItem(ref, name);
  const cJSON *tot = cJSON_GetObjectItem(blk, "total");
  const cJSON *spec = cJSON_GetObjectItem(blk, "species");
  int np = cJSON_GetArraySize(f);
  nacre_phonon_dos *d = NULL;
  nacre_error err;
  CHECK_OK(nacre_phonon_dos_run(m, method, SIGMA_THZ, item(f, 0), item(f, np - 1),
                                item(f, 1) - item(f, 0), &d, &err),
           &err);
  if (!d) return;
  CHECK(d->npoints == np && d->nspecies == 2 && d->pdos, "%s: %d points (phonopy %d), 2 species",
        name, d->npoints, np);
  double peak = 0, worst_tot = 0, worst_sp = 0, worst_sum = 0, integral[2] = {0, 0};
  double step = item(f, 1) - item(f, 0);
  for (int p = 0; p < np && p < d->npoints; p++) peak = fmax(peak, d->dos[p]);
  for (int p = 0; p < np && p < d->npoints && d->pdos; p++) {
    worst_tot = fmax(worst_tot, fabs(d->dos[p] - item(tot, p)));
    double sum = 0;
    for (int sp = 0; sp < 2; sp++) {
      double v = d->pdos[(size_t)sp * d->npoints + p];
      worst_sp = fmax(worst_sp, fabs(v - item(cJSON_GetArrayItem(spec, sp), p)));
      sum += v;
      integral[sp] += v * step;
    }
    worst_sum = fmax(worst_sum, fabs(sum - d->dos[p]));
  }
  printf("%s: largest DOS %.5f states/THz; |nacre − phonopy| total %.2g, projections %.2g "
         "(relative %.2g, %.2g); projections − total %.2g; integrals Au %.5f, Cu %.5f\n",
         name, peak, worst_tot, worst_sp, worst_tot / peak, worst_sp / peak, worst_sum,
         integral[0], integral[1]);
  CHECK(worst_tot <= tol * peak, "%s: total DOS within %.0e of its largest (%.2g)", name, tol,
        worst_tot / peak);
  CHECK(worst_sp <= tol * peak, "%s: species projections within %.0e (%.2g)", name, tol,
        worst_sp / peak);
  CHECK(worst_sum <= 1e-12 * peak, "%s: projections add up to the total (%.2g)", name, worst_sum);
  if (method == NACRE_DOS_GAUSSIAN && d->species_z) {
    int z0 = d->species_z[0];
    CHECK_CLOSE(integral[0], z0 == 79 ? 3.0 : 9.0, 1e-4, "Gaussian: first species' states");
    CHECK_CLOSE(integral[1], z0 == 79 ? 9.0 : 3.0, 1e-4, "Gaussian: second species' states");
  }
  nacre_phonon_dos_free(d);
}

int main(void) {
  if (system("/usr/bin/python3 -c 'import phonopy' >/dev/null 2>&1") != 0)
    TEST_SKIP("Debian's phonopy (python3-phonopy for /usr/bin/python3) is not installed");
  nacre_error err;
  nacre_potential *pot = NULL;
  CHECK_OK(nacre_lj_new(0.415, 2.277, 5.5, 1, &pot, &err), &err);
  nacre_calc *calc = pot ? nacre_calc_new(pot, -1.0, &err) : NULL;
  nacre_structure *s = l12(3.615);
  nacre_phonon_options o;
  nacre_phonon_options_init(&o);
  for (int k = 0; k < 3; k++) o.supercell[k][k] = 3;
  nacre_phonon *ph = NULL;
  CHECK_OK(nacre_phonon_new(s, NULL, &o, &ph, &err), &err);
  if (ph && calc) CHECK_OK(nacre_phonon_compute_forces(ph, calc, NULL, NULL, NULL, &err), &err);
  if (ph && calc) CHECK_OK(nacre_phonon_produce_force_constants(ph, &err), &err);
  int mesh[3] = {8, 8, 8};
  nacre_phonon_mesh *m = NULL;
  if (ph && nacre_phonon_force_constants(ph))
    CHECK_OK(nacre_phonon_mesh_run(ph, mesh, 1, NULL, &m, &err), &err);
  if (m) {
    double hi = 0;
    for (size_t k = 0; k < (size_t)m->nq * m->nbands; k++) hi = fmax(hi, m->freq_thz[k]);
    double lo = m->freq_thz[0];
    for (size_t k = 0; k < (size_t)m->nq * m->nbands; k++) lo = fmin(lo, m->freq_thz[k]);
    printf("L1_2 Cu3Au (Lennard-Jones), %s, frequencies %.4f to %.4f THz on the 8×8×8 mesh\n",
           nacre_phonon_space_group(ph), lo, hi);
    CHECK(lo > -1e-3, "the cell is dynamically stable on the mesh (lowest %.4f THz)", lo);
    double grid[3] = {-1.0, ceil(hi + 6 * SIGMA_THZ), 0.02};
    cJSON *ref = reference(ph, s, mesh, grid);
    if (ref) {
      compare(m, ref, "tetrahedron", NACRE_DOS_TETRAHEDRON, 1e-8);
      compare(m, ref, "gaussian", NACRE_DOS_GAUSSIAN, 1e-8);
    }
    cJSON_Delete(ref);
  }
  nacre_phonon_mesh_free(m);
  nacre_phonon_free(ph);
  nacre_structure_free(s);
  nacre_calc_free(calc);
  nacre_potential_free(pot);
  test_tmp_cleanup();
  TEST_DONE();
}
