// labels: slow
/* test_fe_lj_coexistence.c — the Lennard-Jones melting temperature at zero
 * pressure from a direct solid–liquid coexistence run (nacre md, NPH),
 * against the crossing of the solid's and the liquid's free energies.
 *   The potential of fe_lj_melting: argon units (ε = 0.010323 eV, σ =
 *   3.405 Å, m = 39.948 amu), cutoff 3σ, shifted, with the mean-field tail.
 *   Free-energy crossing (fe_lj_melting, nacre free-energy, 256 atoms):
 *   T_m = 82.76 ± 0.57 K (T* = 0.6908 ± 0.0048). Literature for the full
 *   potential: T* = 0.687 (Agrawal & Kofke, Mol. Phys. 85, 43 (1995)), 0.692
 *   (Barroso & Ferreira, JCP 116, 7145 (2002)), 0.694 (Mastny & de Pablo,
 *   JCP 127, 104504 (2007)).
 *   Coexistence (the method of Morris & Song, JCP 116, 9352 (2002)): the
 *   crystal's lattice at T0 = 82.76 K and P = 0 from an NPT run of 256
 *   atoms; an elongated box of NX×NX×NZ fcc cells, the lower half that
 *   crystal (held), the upper half melted at 250 K in a length 1.11 times
 *   the crystal's (about the liquid's density); 20 ps of NPT at T0 with
 *   Andersen's piston on the long axis only (Langevin thermostat, the cross
 *   section kept at the crystal's lattice), then NPH with the same piston
 *   and no thermostat. Where both phases are present the temperature of an
 *   NPH box settles at the melting point: a warmer box melts crystal and
 *   cools, a cooler one grows it and warms. T_m is the mean temperature
 *   after NPH_SKIP ps, with its blocking standard error.
 *   Phases: an atom is liquid when it moved more than 2 Å (half the
 *   nearest-neighbour distance) over the 25 ps before a frame (mean-square
 *   displacement: a crystal's atoms stay within ~0.7 Å of their sites, the
 *   liquid's diffuse some 30 Å² in that time); a slab of one fcc cell along
 *   the long axis is crystal when most of its atoms are. Checked at the
 *   start of the averaging window and at the end of the run.
 * Checks: T_m from coexistence equals the free-energy crossing within 2 %
 * (the tolerance; the crossing's own error is 0.7 %), its standard
 * error is below 0.5 %, T* lies within the literature's 0.690 ± 0.025 (as
 * fe_lj_melting), both phases hold between 20 % and 80 % of the slabs at
 * both moments and the crystal's share changed by at most 0.25 (the
 * interfaces stopped moving), and the conserved enthalpy moved by at most
 * 2e-4 eV/atom.
 * Measured (2 cores at load 16-18, 11 minutes of wall time): 1600 atoms,
 * 180 ps of NPH at 10 fs (enthalpy moved 2.8e-6 eV/atom): T_m = 83.35 ±
 * 0.18 K, T* = 0.6957 ± 0.0015, +0.71 % from the free-energy crossing;
 * slabs SSSSSSSLLLLLLLLL at 50 ps, SSSSSSSSLLLLLLLL at 180 ps. A 4×4×16 box
 * (1024 atoms, 150 ps, mean over the last 120) gave 84.17 ± 0.31 K
 * (+1.7 %): a narrow cross section (6.4σ) holds the crystal up, hence
 * 5×5. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mdtest.h"
#include "nacre/io.h"
#include "nacre/thermo.h"
#include "testing.h"

#define NX 5            /* cross section, fcc cells */
#define NZ 16           /* long axis, fcc cells */
#define NPH_PS 180.0    /* NPH run, ps */
#define NPH_SKIP_PS 50.0 /* left out of the mean (the box settles) */
#define DT_FS 10.0      /* 0.0046 LJ time units */
#define FRAME_PS 5.0    /* trajectory interval */
#define WINDOW_PS 25.0  /* displacement window of the phase analysis */

static const char *POT = "lj:epsilon=0.010323,sigma=3.405,cutoff=10.215,tail=1";
static const double T_FE = 82.76, T_FE_SE = 0.57, EPS_K = 119.8;
static char tmp[1024];

/* Standard output of a command (malloc'd), NULL when it failed. */
static char *run_output(const char *cmd) {
  FILE *p = popen(cmd, "r");
  if (!p) return NULL;
  size_t cap = 1 << 16, len = 0, got;
  char *buf = malloc(cap);
  while (buf && (got = fread(buf + len, 1, cap - len - 1, p)) > 0) {
    len += got;
    if (len + 1 >= cap) buf = realloc(buf, cap *= 2);
  }
  int rc = pclose(p);
  if (!buf || rc != 0) {
    free(buf);
    return NULL;
  }
  buf[len] = '\0';
  return buf;
}

/* The crystal's mean volume per atom at T0 and P = 0 (256 atoms, NPT). */
static double crystal_volume(void) {
  char poscar[1100], cmd[4096];
  snprintf(poscar, sizeof poscar, "%s/Ar.vasp", tmp);
  FILE *f = fopen(poscar, "w");
  if (!f) return NAN;
  fprintf(f, "Ar fcc\n5.40\n4 0 0\n0 4 0\n0 0 4\nAr\n256\nDirect\n");
  static const double basis[4][3] = {{0, 0, 0}, {0, 0.5, 0.5}, {0.5, 0, 0.5}, {0.5, 0.5, 0}};
  for (int k = 0; k < 4; k++)
    for (int j = 0; j < 4; j++)
      for (int i = 0; i < 4; i++)
        for (int b = 0; b < 4; b++)
          fprintf(f, "%.6f %.6f %.6f\n", (i + basis[b][0]) / 4, (j + basis[b][1]) / 4,
                  (k + basis[b][2]) / 4);
  fclose(f);
  snprintf(cmd, sizeof cmd,
           "'%s' md '%s' -p %s --ensemble npt --barostat aniso --pressure 0 --temperature %.2f "
           "--timestep 10 --steps 4000 --equilibration 1000 --tau-p 2000 --compressibility 0.3 "
           "--seed 2 -j 2 -q --json",
           NACRE_CLI, poscar, POT, T_FE);
  char *out = run_output(cmd);
  cJSON *j = out ? cJSON_Parse(out) : NULL;
  const cJSON *v = cJSON_GetObjectItem(j, "volume_per_atom_a3");
  double vol = cJSON_IsNumber(v) ? v->valuedouble : NAN;
  cJSON_Delete(j);
  free(out);
  return vol;
}

/* The coexistence box: NX×NX×NZ fcc cells of edge a, the lower half held,
 * the upper half's cells 1.11 times longer along z (to be melted). */
static int write_box(const char *path, double a) {
  FILE *f = fopen(path, "w");
  if (!f) return 0;
  int half = NZ / 2;
  double lz = half * a * (1.0 + 1.11);
  fprintf(f, "Ar coexistence\n1.0\n%.10f 0 0\n0 %.10f 0\n0 0 %.10f\nAr\n%d\n"
             "Selective dynamics\nDirect\n",
          NX * a, NX * a, lz, 4 * NX * NX * NZ);
  static const double basis[4][3] = {{0, 0, 0}, {0, 0.5, 0.5}, {0.5, 0, 0.5}, {0.5, 0.5, 0}};
  for (int k = 0; k < NZ; k++)
    for (int j = 0; j < NX; j++)
      for (int i = 0; i < NX; i++)
        for (int b = 0; b < 4; b++) {
          double z = k < half ? (k + basis[b][2]) * a
                              : half * a + (k - half + basis[b][2]) * a * 1.11;
          fprintf(f, "%.10f %.10f %.10f %s\n", (i + basis[b][0]) / NX,
                  (j + basis[b][1]) / NX, z / lz, k < half ? "F F F" : "T T T");
        }
  fclose(f);
  return 1;
}

/* The columns `names` of a CSV log from step `after` on; returns rows. */
static long read_columns(const char *path, const char *const *names, int ncol, long after,
                         double **out) {
  FILE *f = fopen(path, "r");
  if (!f) return 0;
  char line[8192];
  int col[8], step_col = -1;
  for (int c = 0; c < ncol; c++) col[c] = -1;
  if (fgets(line, sizeof line, f)) {
    int k = 0;
    for (char *tok = strtok(line, ",\n"); tok; tok = strtok(NULL, ",\n"), k++) {
      for (int c = 0; c < ncol; c++)
        if (!strcmp(tok, names[c])) col[c] = k;
      if (!strcmp(tok, "step")) step_col = k;
    }
  }
  long n = 0, cap = 0;
  for (int c = 0; c < ncol; c++)
    if (col[c] < 0) step_col = -1;
  while (step_col >= 0 && fgets(line, sizeof line, f)) {
    double v[8] = {NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN}, step = NAN;
    int k = 0;
    for (char *tok = strtok(line, ",\n"); tok; tok = strtok(NULL, ",\n"), k++) {
      for (int c = 0; c < ncol; c++)
        if (k == col[c]) v[c] = atof(tok);
      if (k == step_col) step = atof(tok);
    }
    if (!(step > after)) continue;
    if (n == cap) {
      cap = cap ? 2 * cap : 4096;
      for (int c = 0; c < ncol; c++) out[c] = realloc(out[c], cap * sizeof(double));
    }
    for (int c = 0; c < ncol; c++) out[c][n] = v[c];
    n++;
  }
  fclose(f);
  return n;
}

/* Crystal share of the slabs at trajectory frame `frame` (displacements
 * over the WINDOW_PS before it); profile gets one letter per slab (S
 * crystal, L liquid). Returns NAN when a frame is missing. */
static double crystal_share(const char *traj, int frame, char *profile) {
  char spec[1300];
  nacre_structure *a = NULL, *b = NULL;
  nacre_error err;
  int back = (int)lround(WINDOW_PS / FRAME_PS);
  snprintf(spec, sizeof spec, "%s@%d", traj, frame - back);
  if (nacre_read_structure(spec, &a, &err)) return NAN;
  snprintf(spec, sizeof spec, "%s@%d", traj, frame);
  if (nacre_read_structure(spec, &b, &err)) {
    nacre_structure_free(a);
    return NAN;
  }
  /* displacements in the later frame's cell from the change of fractional
   * coordinates, so that the piston's strain of the box is no motion */
  int solid[NZ] = {0}, count[NZ] = {0};
  double lz = b->cell[2][2], sa[3], sb[3], *d = malloc(3 * sizeof(double) * b->natoms);
  double mean[3] = {0, 0, 0}, ra[3][3], rb[3][3];
  nacre_cell_reciprocal(a->cell, ra);
  nacre_cell_reciprocal(b->cell, rb);
  for (int i = 0; d && i < b->natoms; i++) {
    nacre_cell_cart_to_frac(ra, &a->positions[3 * i], sa);
    nacre_cell_cart_to_frac(rb, &b->positions[3 * i], sb);
    for (int c = 0; c < 3; c++) sa[c] = sb[c] - sa[c];
    nacre_cell_frac_to_cart(b->cell, sa, &d[3 * i]);
    for (int c = 0; c < 3; c++) mean[c] += d[3 * i + c] / b->natoms;
  }
  for (int i = 0; d && i < b->natoms; i++) {
    const double *x1 = &b->positions[3 * i];
    double d2 = 0.0;
    for (int c = 0; c < 3; c++) d2 += (d[3 * i + c] - mean[c]) * (d[3 * i + c] - mean[c]);
    double fz = x1[2] / lz - floor(x1[2] / lz);
    int slab = (int)(fz * NZ) % NZ;
    count[slab]++;
    solid[slab] += d2 < 4.0;
  }
  int crystal = 0;
  for (int s = 0; s < NZ; s++) {
    int is = 2 * solid[s] > count[s];
    crystal += is;
    profile[s] = is ? 'S' : 'L';
  }
  profile[NZ] = '\0';
  nacre_structure_free(a);
  nacre_structure_free(b);
  if (!d) return NAN;
  free(d);
  return (double)crystal / NZ;
}

int main(void) {
  snprintf(tmp, sizeof tmp, "%s", mdtest_tmpdir());
  double v = crystal_volume();
  CHECK(isfinite(v), "the crystal's NPT run at %.2f K gave its volume", T_FE);
  if (!isfinite(v)) TEST_DONE();
  double a = cbrt(4.0 * v);
  printf("crystal at %.2f K, P = 0: a = %.4f A\n", T_FE, a);
  char box[1100], traj[1100], log[1100];
  snprintf(box, sizeof box, "%s/box.vasp", tmp);
  snprintf(traj, sizeof traj, "%s/nph.xyz", tmp);
  snprintf(log, sizeof log, "%s/nph.csv", tmp);
  CHECK(write_box(box, a), "coexistence box written");
  int rc = mdtest_system("'%s' md '%s' -p %s --ensemble nvt --temperature 250 --timestep 5 "
                         "--steps 1200 --seed 3 -j 2 -q -o %s/melted.extxyz > /dev/null",
                         NACRE_CLI, box, POT, tmp);
  CHECK(rc == 0, "the upper half melted (%d)", rc);
  rc = mdtest_system("'%s' md %s/melted.extxyz -p %s --ensemble npt --barostat z --pressure 0 "
                     "--thermostat langevin --tau-t 500 --temperature %.2f --timestep 10 "
                     "--steps 2000 --tau-p 5000 --compressibility 0.3 --seed 4 -j 2 -q "
                     "-o %s/start.extxyz > /dev/null",
                     NACRE_CLI, tmp, POT, T_FE, tmp);
  CHECK(rc == 0, "the box equilibrated at %.2f K (%d)", T_FE, rc);
  long steps = lround(NPH_PS * 1000.0 / DT_FS), every = lround(FRAME_PS * 1000.0 / DT_FS);
  rc = mdtest_system("'%s' md %s/start.extxyz -p %s --ensemble nph --barostat z --pressure 0 "
                     "--fix-com "
                     "--timestep %g --steps %ld --tau-p 5000 --compressibility 0.3 "
                     "--thermo-every 10 --log %s --trajectory %s --every %ld -j 2 -q "
                     "> /dev/null",
                     NACRE_CLI, tmp, POT, DT_FS, steps, log, traj, every);
  CHECK(rc == 0, "the NPH run completed (%d)", rc);
  if (rc != 0) TEST_DONE();

  static const char *const cols[] = {"temperature_k", "conserved_energy_ev", "stress_zz_gpa"};
  double *x[3] = {NULL, NULL, NULL};
  long n = read_columns(log, cols, 3, lround(NPH_SKIP_PS * 1000.0 / DT_FS), x);
  CHECK(n > 1000, "the NPH log holds its samples (%ld)", n);
  if (n <= 1000) TEST_DONE();
  double t_m, t_se, pzz, pzz_se, cmin = INFINITY, cmax = -INFINITY;
  nacre_block_average(x[0], n, &t_m, &t_se);
  nacre_block_average(x[2], n, &pzz, &pzz_se);
  for (long k = 0; k < n; k++) {
    cmin = fmin(cmin, x[1][k]);
    cmax = fmax(cmax, x[1][k]);
  }
  int natoms = 4 * NX * NX * NZ;
  char p0[NZ + 1], p1[NZ + 1];
  int f0 = (int)lround(NPH_SKIP_PS / FRAME_PS), f1 = (int)lround(NPH_PS / FRAME_PS);
  double s0 = crystal_share(traj, f0, p0), s1 = crystal_share(traj, f1, p1);
  printf("coexistence, %d atoms (%dx%dx%d cells), %.0f ps NPH (mean over the last %.0f ps):\n"
         "  T_m = %.2f +- %.2f K, T* = %.4f +- %.4f; free-energy crossing %.2f +- %.2f K "
         "(%+.2f %%)\n"
         "  -sigma_zz = %.4f +- %.4f GPa; conserved enthalpy moved %.2e eV/atom\n"
         "  slabs at %.0f ps: %s (crystal %.2f); at %.0f ps: %s (crystal %.2f)\n",
         natoms, NX, NX, NZ, NPH_PS, NPH_PS - NPH_SKIP_PS, t_m, t_se, t_m / EPS_K,
         t_se / EPS_K, T_FE, T_FE_SE, 100.0 * (t_m - T_FE) / T_FE, -pzz, pzz_se,
         (cmax - cmin) / natoms, NPH_SKIP_PS, p0, s0, NPH_PS, p1, s1);
  CHECK(fabs(t_m - T_FE) <= 0.02 * T_FE,
        "coexistence T_m %.2f K within 2 %% of the free-energy crossing %.2f K", t_m, T_FE);
  CHECK(t_se <= 0.005 * T_FE, "its standard error %.2f K below 0.5 %%", t_se);
  CHECK_CLOSE(t_m / EPS_K, 0.690, 0.025, "coexistence T* against the literature");
  CHECK(s0 >= 0.2 && s0 <= 0.8 && s1 >= 0.2 && s1 <= 0.8,
        "both phases present (crystal share %.2f, %.2f)", s0, s1);
  CHECK(fabs(s1 - s0) <= 0.25, "the interfaces stopped moving (%.2f -> %.2f)", s0, s1);
  CHECK((cmax - cmin) / natoms <= 2e-4, "conserved enthalpy moved %.2e eV/atom",
        (cmax - cmin) / natoms);
  for (int c = 0; c < 3; c++) free(x[c]);
  mdtest_cleanup(tmp);
  TEST_DONE();
}
