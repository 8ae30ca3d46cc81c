/* test_eam.c — EAM: forces and stress against finite differences for
 * synthetic two-element tables and for LAMMPS' files (funcfl, setfl,
 * Finnis-Sinclair, two funcfl files combined) on distorted triclinic cells, a cell thinner than the
 * cutoff and a cluster; invariances; identical results for 1 and several
 * threads; the linear extension of F beyond the ρ table; loader errors.
 * (Agreement with LAMMPS itself is test_lammps.c.) */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "builders.h"
#include "potcheck.h"
#include "testing.h"

#define POTDIR "/usr/share/lammps/potentials"

/* Two elements (Cu, Ag) from smooth analytic functions: ρ_a(r) =
 * f_a e^{−β(r/re−1)} (rc−r)^4, r·φ_ab = r A_ab e^{−α(r/re−1)} (rc−r)^4,
 * F_a(ρ) = −c_a sqrt(ρ) + 0.05 ρ². */
static nacre_potential *synthetic(int fs) {
  enum { NRHO = 400, NR = 600 };
  const double drho = 0.05, dr = 0.01, rc = 5.5, re = 2.6;
  static double frho[2 * NRHO], rhor[4 * NR], z2r[4 * NR];
  const double f[2] = {1.0, 1.3}, c[2] = {2.0, 1.6};
  for (int a = 0; a < 2; a++)
    for (int k = 0; k < NRHO; k++) {
      double rho = k * drho;
      frho[a * NRHO + k] = -c[a] * sqrt(rho) + 0.05 * rho * rho;
    }
  for (int a = 0; a < 2; a++)
    for (int b = 0; b < 2; b++)
      for (int k = 0; k < NR; k++) {
        double r = k * dr, t = r < rc ? pow(rc - r, 4) / pow(rc, 4) : 0.0;
        /* Finnis-Sinclair: the density a gives to b depends on b too */
        double fab = f[a] * (fs ? (a == b ? 1.0 : 0.7) : 1.0);
        rhor[(a * 2 + b) * NR + k] = fab * exp(-6.0 * (r / re - 1.0)) * t;
        double A = (a == b) ? (a ? 0.5 : 0.4) : 0.45;
        z2r[(a * 2 + b) * NR + k] = r * A * exp(-9.0 * (r / re - 1.0)) * t;
      }
  nacre_eam_tables t = {0};
  t.nelements = 2;
  t.z[0] = 29;
  t.z[1] = 47;
  t.nrho = NRHO;
  t.drho = drho;
  t.nr = NR;
  t.dr = dr;
  t.cutoff = rc;
  t.rhomax = (NRHO - 1) * drho;
  t.frho = frho;
  t.rhor = rhor;
  t.z2r = z2r;
  nacre_potential *p = NULL;
  nacre_error err;
  CHECK_OK(nacre_eam_new(&t, &p, &err), &err);
  return p;
}

static void mix(nacre_structure *s, int z1, uint64_t seed) {
  nacre_rng rng;
  nacre_rng_init(&rng, seed, 0);
  for (int i = 0; i < s->natoms; i++)
    if (nacre_rng_uniform(&rng) < 0.4) s->numbers[i] = z1;
}

/* FD forces/stress and invariance on a triclinic cell, a small cell and a
 * cluster. */
static void fd_suite(const char *name, const nacre_potential *p, const char *kind,
                     int z0, int z1, double a, double ftol, double stol) {
  int n2[3] = {2, 2, 2}, n1[3] = {1, 1, 1};
  nacre_structure *s = build_bulk(kind, z0, a, n2);
  if (z1) mix(s, z1, 7);
  build_rattle(s, 0.08, 1);
  double eps[6] = {0.03, -0.02, 0.01, 0.02, -0.01, 0.015};
  build_strain(s, eps);
  double fmax;
  double ferr = potcheck_force_fd(p, s, 1e-5, &fmax);
  CHECK(ferr < ftol, "%s: forces vs finite differences (triclinic, %d atoms): %g eV/Å (max force %g)",
        name, s->natoms, ferr, fmax);
  double serr = potcheck_stress_fd(p, s, 1e-6);
  CHECK(serr < stol, "%s: stress vs finite strain (triclinic): %g eV/Å^3", name, serr);
  double inv = potcheck_invariance(p, s, 5);
  CHECK(inv < 1e-11, "%s: invariance (translation, rotation, permutation, supercells): %g eV/atom",
        name, inv);
  printf("%-28s FD force %.1e eV/Å  FD stress %.1e eV/Å^3  invariance %.1e eV/atom\n",
         name, ferr, serr, inv);
  nacre_structure_free(s);

  s = build_bulk(kind, z0, a, n1);
  if (z1) s->numbers[0] = z1;
  build_rattle(s, 0.05, 2);
  double eps2[6] = {0.04, 0.0, -0.03, 0.03, 0.02, -0.02};
  build_strain(s, eps2);
  ferr = potcheck_force_fd(p, s, 1e-5, &fmax);
  CHECK(ferr < ftol, "%s: forces vs finite differences (cell thinner than the cutoff): %g eV/Å",
        name, ferr);
  serr = potcheck_stress_fd(p, s, 1e-6);
  CHECK(serr < stol, "%s: stress vs finite strain (cell thinner than the cutoff): %g eV/Å^3",
        name, serr);
  nacre_structure_free(s);

  s = build_bulk(kind, z0, a, n1);
  s->pbc[0] = s->pbc[1] = s->pbc[2] = 0;
  if (z1) s->numbers[1] = z1;
  build_rattle(s, 0.1, 3);
  ferr = potcheck_force_fd(p, s, 1e-5, &fmax);
  CHECK(ferr < ftol, "%s: forces vs finite differences (cluster): %g eV/Å", name, ferr);
  nacre_structure_free(s);
}

int main(void) {
  /* tabulated splines are C1: central differences carry an error of about
   * h·(jump of E'') near knots; measured ~3e-9 eV/Å and ~5e-11 eV/Å^3 at
   * h = 1e-5 Å and strain 1e-6, so 1e-7 eV/Å and 1e-9 eV/Å^3 */
  nacre_potential *syn = synthetic(0);
  if (syn) {
    fd_suite("synthetic setfl Cu-Ag", syn, "fcc", 29, 47, 3.8, 1e-7, 1e-9);
    int n3[3] = {3, 3, 3};
    nacre_structure *s = build_bulk("fcc", 29, 3.8, n3);
    mix(s, 47, 3);
    build_rattle(s, 0.1, 4);
    /* energies and virials summed serially in atom order: the same bits on
     * any number of threads, so the tolerance is exactly zero */
    double dthr = potcheck_thread_difference(syn, s, 1, 4);
    CHECK(dthr == 0.0, "energy, forces, stress identical for 1 and 4 threads: %g", dthr);
    nacre_structure_free(s);

    /* far beyond the ρ table F continues linearly with its last slope:
     * the energy stays consistent with the forces */
    nacre_structure *d = build_bulk("fcc", 29, 1.6, (int[3]){1, 1, 1});
    build_rattle(d, 0.02, 5);
    double fmax, ferr = potcheck_force_fd(syn, d, 1e-6, &fmax);
    CHECK(ferr < 1e-5 * (1 + fmax), "forces vs finite differences beyond the ρ table: %g eV/Å (max %g)",
          ferr, fmax);
    nacre_structure_free(d);
    nacre_potential_free(syn);
  }
  nacre_potential *syn_fs = synthetic(1);
  if (syn_fs) {
    fd_suite("synthetic fs Cu-Ag", syn_fs, "fcc", 29, 47, 3.8, 1e-7, 1e-9);
    nacre_potential_free(syn_fs);
  }

  nacre_potential *bad = NULL;
  nacre_error err;
  CHECK(nacre_potential_load("/nonexistent/x.eam", &bad, &err) == NACRE_ERR_IO,
        "missing file reported: %s", err.message);
  char tmp[] = "/tmp/nacre_eam_XXXXXX";
  int fd = mkstemp(tmp);
  if (fd >= 0) {
    char name[64];
    snprintf(name, sizeof name, "%s.eam.alloy", tmp);
    FILE *f = fopen(name, "w");
    fprintf(f, "c1\nc2\nc3\n1 Cu\n10 0.1 10 0.5 4.0\n29 63.5 3.6 fcc\n1 2 3\n4 x 6\n");
    fclose(f);
    CHECK(nacre_potential_load(name, &bad, &err) == NACRE_ERR_PARSE &&
              strstr(err.message, ":8:") && strstr(err.message, "'x'"),
          "malformed setfl names file:line and token: %s", err.message);
    f = fopen(name, "w");
    fprintf(f, "c1\nc2\nc3\n1 Cu\n10 0.1 10 0.5 4.0\n29 63.5 3.6 fcc\n1 2 3\n");
    fclose(f);
    CHECK(nacre_potential_load(name, &bad, &err) == NACRE_ERR_PARSE &&
              strstr(err.message, "ends"),
          "truncated setfl reported: %s", err.message);
    remove(name);
    close(fd);
    remove(tmp);
  }

  if (access(POTDIR "/Cu_u3.eam", R_OK) != 0) {
    printf("SKIP part: LAMMPS potentials (" POTDIR ", Debian lammps-data) absent\n");
    TEST_DONE();
  }
  struct {
    const char *file, *kind;
    int z0, z1;
    double a;
  } files[] = {
      {"Cu_u3.eam", "fcc", 29, 0, 3.615},
      {"AlCu.eam.alloy", "fcc", 13, 29, 3.9},
      {"AlFe_mm.eam.fs", "bcc", 26, 13, 2.87},
      {"eam:" POTDIR "/Cu_u3.eam," POTDIR "/Ag_u3.eam", "fcc", 29, 47, 3.8},
  };
  for (size_t k = 0; k < sizeof files / sizeof files[0]; k++) {
    char path[512];
    if (!strncmp(files[k].file, "eam:", 4))
      snprintf(path, sizeof path, "%s", files[k].file);
    else
      snprintf(path, sizeof path, "%s/%s", POTDIR, files[k].file);
    nacre_potential *p = NULL;
    CHECK_OK(nacre_potential_load(path, &p, &err), &err);
    if (!p) continue;
    CHECK(!strcmp(nacre_potential_kind(p), "eam"), "%s detected as EAM", files[k].file);
    fd_suite(strrchr(files[k].file, '/') ? "Cu_u3.eam + Ag_u3.eam" : files[k].file, p, files[k].kind, files[k].z0, files[k].z1,
             files[k].a, 1e-7, 1e-9);
    nacre_potential_free(p);
  }
  TEST_DONE();
}
