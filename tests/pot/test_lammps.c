/* test_lammps.c — EAM (funcfl, setfl, Finnis-Sinclair), Lennard-Jones and Morse
 * against LAMMPS itself (Debian's `lmp`): perturbed triclinic supercells and
 * a cell smaller than the cutoff are written with nacre_lammps_data_write,
 * evaluated by pair_style eam / eam/alloy / eam/fs / lj/cut / morse with
 * `run 0`,
 * and LAMMPS' energy, forces (dump, full precision) and pressure tensor are
 * rotated back and compared: energy within 1e-8 eV/atom, forces within
 * 1e-6 eV/Å, stress within 1e-5 GPa. LAMMPS' pressure tensor (bar, metal
 * units) is positive under compression: σ_nacre = −P.
 * Skips when LAMMPS or its potential files are absent. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "builders.h"
#include "nacre/io.h"
#include "nacre/pot.h"
#include "testing.h"

#define POTDIR "/usr/share/lammps/potentials"

typedef struct {
  double energy;      /* eV */
  double *forces;     /* eV/Å, nacre frame */
  double stress[6];   /* eV/Å^3, ASE sign, nacre frame */
} lmp_out;

static int file_exists(const char *p) { return access(p, R_OK) == 0; }

/* Runs LAMMPS on s with the given pair commands; 0 on success. */
static int run_lammps(const nacre_structure *s, const char *pair_cmds,
                      const int *type_z, int ntypes, lmp_out *out) {
  char dir[] = "/tmp/nacre_lmp_XXXXXX";
  if (!mkdtemp(dir)) return -1;
  char path[512], cmd[1024];
  double R[3][3];
  nacre_error err;
  snprintf(path, sizeof path, "%s/data.lmp", dir);
  FILE *f = fopen(path, "w");
  if (!f || nacre_lammps_data_write(f, s, type_z, ntypes, R, &err)) {
    printf("writing %s failed: %s\n", path, err.message);
    if (f) fclose(f);
    return -1;
  }
  fclose(f);
  snprintf(path, sizeof path, "%s/in.lmp", dir);
  f = fopen(path, "w");
  if (!f) return -1;
  fprintf(f,
          "units metal\natom_style atomic\nboundary p p p\n"
          "read_data data.lmp\n%s\n"
          "thermo_style custom step pe pxx pyy pzz pyz pxz pxy\n"
          "thermo_modify format float %%.17g norm no\n"
          "dump d all custom 1 forces.dump id fx fy fz\n"
          "dump_modify d sort id format float %%.17g\n"
          "run 0\n",
          pair_cmds);
  fclose(f);
  snprintf(cmd, sizeof cmd,
           "cd %s && lmp -nocite -in in.lmp -log log.lammps -screen none "
           ">/dev/null 2>&1",
           dir);
  int rc = system(cmd);
  int ok = rc == 0;
  /* thermo line after the header */
  snprintf(path, sizeof path, "%s/log.lammps", dir);
  f = fopen(path, "r");
  char line[4096];
  int got_thermo = 0;
  double p[6];
  while (ok && f && fgets(line, sizeof line, f)) {
    if (strstr(line, "Step") && strstr(line, "PotEng")) {
      long step;
      if (fgets(line, sizeof line, f) &&
          sscanf(line, "%ld %lf %lf %lf %lf %lf %lf %lf", &step, &out->energy,
                 &p[0], &p[1], &p[2], &p[3], &p[4], &p[5]) == 8)
        got_thermo = 1;
      break;
    }
  }
  if (f) fclose(f);
  if (!got_thermo) {
    printf("LAMMPS failed (see %s/log.lammps)\n", dir);
    return -1;
  }
  /* stress: σ' = −P in eV/Å^3 with LAMMPS' own metal-units factor
   * nktv2p = 1.6021765e6 bar per eV/Å^3 (update.cpp; an older CODATA value
   * than nacre's, 8e-8 relative apart), then σ = R σ' Rᵀ */
  double sl[6], m[3][3], t[3][3], u[3][3], rt[3][3];
  for (int k = 0; k < 6; k++) sl[k] = -p[k] / 1.6021765e6;
  nacre_mat3_from_voigt(sl, m);
  nacre_mat3_transpose(R, rt);
  nacre_mat3_mul(R, m, t);
  nacre_mat3_mul(t, rt, u);
  nacre_voigt_from_mat3(u, out->stress);
  /* forces */
  snprintf(path, sizeof path, "%s/forces.dump", dir);
  f = fopen(path, "r");
  int n = 0, in_atoms = 0;
  while (f && fgets(line, sizeof line, f)) {
    int id;
    double fl[3];
    if (!strncmp(line, "ITEM:", 5)) {
      in_atoms = !strncmp(line, "ITEM: ATOMS", 11);
      continue;
    }
    if (!in_atoms ||
        sscanf(line, "%d %lf %lf %lf", &id, &fl[0], &fl[1], &fl[2]) != 4)
      continue;
    if (id < 1 || id > s->natoms) break;
    for (int k = 0; k < 3; k++)
      out->forces[3 * (id - 1) + k] =
          fl[0] * R[k][0] + fl[1] * R[k][1] + fl[2] * R[k][2];
    n++;
  }
  if (f) fclose(f);
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  if (system(cmd)) return -1;
  return n == s->natoms ? 0 : -1;
}

static void compare(const char *what, const nacre_potential *pot,
                    const nacre_structure *s, const char *pair_cmds,
                    const int *type_z, int ntypes) {
  lmp_out lo;
  lo.forces = calloc(3 * (size_t)s->natoms, sizeof(double));
  if (run_lammps(s, pair_cmds, type_z, ntypes, &lo)) {
    CHECK(0, "%s: LAMMPS run failed", what);
    free(lo.forces);
    return;
  }
  nacre_error err;
  nacre_calc *c = nacre_calc_new(pot, 0.5, &err);
  nacre_result r;
  nacre_result_init(&r, s->natoms, &err);
  CHECK_OK(nacre_calc_compute(c, s, NACRE_WANT_ALL, &r, &err), &err);
  double de = fabs(r.energy - lo.energy) / s->natoms, df = 0.0, ds = 0.0;
  for (int i = 0; i < 3 * s->natoms; i++)
    if (fabs(r.forces[i] - lo.forces[i]) > df)
      df = fabs(r.forces[i] - lo.forces[i]);
  for (int k = 0; k < 6; k++)
    if (fabs(r.stress[k] - lo.stress[k]) * NACRE_EV_A3_TO_GPA > ds)
      ds = fabs(r.stress[k] - lo.stress[k]) * NACRE_EV_A3_TO_GPA;
  printf("%-40s E %.10f eV/atom  |dE| %.2e eV/atom  |dF| %.2e eV/Å  |dσ| "
         "%.2e GPa\n",
         what, r.energy / s->natoms, de, df, ds);
  CHECK(de < 1e-8, "%s: energy vs LAMMPS differs by %g eV/atom", what, de);
  CHECK(df < 1e-6, "%s: forces vs LAMMPS differ by %g eV/Å", what, df);
  CHECK(ds < 1e-5, "%s: stress vs LAMMPS differs by %g GPa", what, ds);
  nacre_result_free(&r);
  nacre_calc_free(c);
  free(lo.forces);
}

/* perturbed triclinic supercell; elements alternate over `z` by `pattern` */
static nacre_structure *perturbed(const char *kind, int z0, double a,
                                  const int n[3], double rattle,
                                  uint64_t seed) {
  nacre_structure *s = build_bulk(kind, z0, a, n);
  build_rattle(s, rattle, seed);
  double eps[6] = {0.02, -0.015, 0.01, 0.03, -0.02, 0.025};
  build_strain(s, eps);
  return s;
}

static void mix(nacre_structure *s, int z1, double fraction, uint64_t seed) {
  nacre_rng rng;
  nacre_rng_init(&rng, seed, 0);
  for (int i = 0; i < s->natoms; i++)
    if (nacre_rng_uniform(&rng) < fraction) s->numbers[i] = z1;
}

static nacre_potential *load(const char *file) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", POTDIR, file);
  nacre_potential *p = NULL;
  nacre_error err;
  CHECK_OK(nacre_potential_load(path, &p, &err), &err);
  return p;
}

int main(void) {
  if (system("command -v lmp >/dev/null 2>&1") != 0)
    TEST_SKIP("LAMMPS (lmp) is not installed");
  if (!file_exists(POTDIR "/Cu_u3.eam"))
    TEST_SKIP("LAMMPS potentials (" POTDIR ", Debian lammps-data) absent");
  char cmds[1024];
  nacre_error err;
  int n3[3] = {3, 3, 3}, n1[3] = {1, 1, 1}, n2[3] = {2, 2, 2};

  /* funcfl */
  nacre_potential *cu = load("Cu_u3.eam");
  if (cu) {
    int tz[1] = {29};
    snprintf(cmds, sizeof cmds, "pair_style eam\npair_coeff 1 1 %s/Cu_u3.eam",
             POTDIR);
    nacre_structure *s = perturbed("fcc", 29, 3.615, n3, 0.08, 11);
    compare("eam Cu_u3 fcc 108 atoms", cu, s, cmds, tz, 1);
    nacre_structure_free(s);
    /* compressed: high densities probe the F(ρ) table further */
    s = perturbed("fcc", 29, 3.3, n2, 0.1, 12);
    compare("eam Cu_u3 fcc compressed 32 atoms", cu, s, cmds, tz, 1);
    nacre_structure_free(s);
    /* a 4-atom cell thinner than twice the cutoff */
    s = perturbed("fcc", 29, 3.615, n1, 0.05, 13);
    compare("eam Cu_u3 fcc 4-atom cell", cu, s, cmds, tz, 1);
    nacre_structure_free(s);
    nacre_potential_free(cu);
  }

  /* two funcfl files with different r spacings (0.01 and 0.0112 Å),
   * resampled onto one grid; Cu-Ag pairs from 27.2·0.529 Z_Cu Z_Ag / r */
  if (file_exists(POTDIR "/Ag_u3.eam")) {
    nacre_potential *cuag = NULL;
    CHECK_OK(nacre_potential_load("eam:" POTDIR "/Cu_u3.eam," POTDIR "/Ag_u3.eam",
                                  &cuag, &err),
             &err);
    if (cuag) {
      int tz[2] = {29, 47};
      snprintf(cmds, sizeof cmds,
               "pair_style eam\npair_coeff 1 1 %s/Cu_u3.eam\n"
               "pair_coeff 2 2 %s/Ag_u3.eam",
               POTDIR, POTDIR);
      nacre_structure *s = perturbed("fcc", 29, 3.8, n3, 0.1, 15);
      mix(s, 47, 0.5, 16);
      compare("eam Cu_u3 + Ag_u3 fcc 108 atoms", cuag, s, cmds, tz, 2);
      nacre_structure_free(s);
      nacre_potential_free(cuag);
    }
  }

  /* setfl, two elements with different grids (nrho 1000, nr 3000) */
  nacre_potential *alcu = load("AlCu.eam.alloy");
  if (alcu) {
    int tz[2] = {13, 29};
    snprintf(cmds, sizeof cmds,
             "pair_style eam/alloy\npair_coeff * * %s/AlCu.eam.alloy Al Cu",
             POTDIR);
    nacre_structure *s = perturbed("fcc", 13, 3.9, n3, 0.1, 21);
    mix(s, 29, 0.4, 22);
    compare("eam/alloy AlCu fcc 108 atoms", alcu, s, cmds, tz, 2);
    nacre_structure_free(s);
    nacre_potential_free(alcu);
  }
  nacre_potential *nialh = load("NiAlH_jea.eam.alloy");
  if (nialh) {
    int tz[3] = {28, 13, 1};
    snprintf(cmds, sizeof cmds,
             "pair_style eam/alloy\npair_coeff * * %s/NiAlH_jea.eam.alloy Ni "
             "Al H",
             POTDIR);
    nacre_structure *s = perturbed("fcc", 28, 3.56, n2, 0.08, 31);
    mix(s, 13, 0.3, 32);
    s->numbers[5] = 1;
    compare("eam/alloy NiAlH fcc 32 atoms", nialh, s, cmds, tz, 3);
    nacre_structure_free(s);
    nacre_potential_free(nialh);
  }

  /* Finnis-Sinclair: element-pair densities */
  nacre_potential *alfe = load("AlFe_mm.eam.fs");
  if (alfe) {
    int tz[2] = {13, 26};
    snprintf(cmds, sizeof cmds,
             "pair_style eam/fs\npair_coeff * * %s/AlFe_mm.eam.fs Al Fe",
             POTDIR);
    nacre_structure *s = perturbed("bcc", 26, 2.87, n3, 0.08, 41);
    mix(s, 13, 0.35, 42);
    compare("eam/fs AlFe bcc 54 atoms", alfe, s, cmds, tz, 2);
    nacre_structure_free(s);
    nacre_potential_free(alfe);
  }
  nacre_potential *fe = load("Fe_mm.eam.fs");
  if (fe) {
    int tz[1] = {26};
    snprintf(cmds, sizeof cmds,
             "pair_style eam/fs\npair_coeff * * %s/Fe_mm.eam.fs Fe", POTDIR);
    nacre_structure *s = perturbed("bcc", 26, 2.85, n1, 0.05, 51);
    compare("eam/fs Fe bcc 2-atom cell", fe, s, cmds, tz, 1);
    nacre_structure_free(s);
    nacre_potential_free(fe);
  }

  /* A small synthetic funcfl file probes the table edges: pairs in the
   * last intervals of the r table (LAMMPS resamples funcfl onto one point
   * fewer than the file holds) and densities far beyond the F(ρ) table
   * (frozen F', linear energy extension beyond rhomax). */
  char eam_path[] = "/tmp/nacre_edge_XXXXXX";
  int fd = mkstemp(eam_path);
  if (fd >= 0) {
    FILE *f = fdopen(fd, "w");
    fprintf(f, "synthetic funcfl for table-edge tests\n29 63.55 3.615 FCC\n"
               "20 0.05 50 0.1 4.9\n");
    for (int k = 0; k < 20; k++) fprintf(f, "%.16e\n", -sqrt(k * 0.05) + 0.3 * k * 0.05);
    for (int k = 0; k < 50; k++) fprintf(f, "%.16e\n", 0.8 * exp(-0.9 * k * 0.1));
    for (int k = 0; k < 50; k++) fprintf(f, "%.16e\n", 0.05 * exp(-0.7 * (k * 0.1 - 2.0)));
    fclose(f);
    nacre_potential *edge = NULL;
    /* loaded explicitly: the temporary name has no .eam extension */
    CHECK_OK(nacre_eam_load_funcfl(eam_path, &edge, &err), &err);
    if (edge) {
      int tz[1] = {29};
      snprintf(cmds, sizeof cmds, "pair_style eam\npair_coeff 1 1 %s", eam_path);
      nacre_structure *s = nacre_structure_new(3, NULL);
      for (int k = 0; k < 3; k++) s->cell[k][k] = 20.0;
      s->cell[1][0] = 1.0;
      for (int i = 0; i < 3; i++) s->numbers[i] = 29;
      double xs[9] = {5, 5, 5, 9.75, 5.1, 5.05, 5.2, 9.83, 5.1};
      memcpy(s->positions, xs, sizeof xs);
      compare("eam synthetic funcfl, r near table end", edge, s, cmds, tz, 1);
      nacre_structure_free(s);
      s = perturbed("fcc", 29, 2.6, n2, 0.08, 81);
      compare("eam synthetic funcfl, rho beyond table", edge, s, cmds, tz, 1);
      nacre_structure_free(s);
      nacre_potential_free(edge);
    }
    remove(eam_path);
  }

  /* Lennard-Jones with the energy shift */
  nacre_potential *lj = NULL;
  CHECK_OK(nacre_potential_load("lj:epsilon=0.0104,sigma=3.4,cutoff=8.5,shift=1",
                                &lj, &err),
           &err);
  if (lj) {
    int tz[1] = {18};
    nacre_structure *s = perturbed("fcc", 18, 5.3, n2, 0.1, 61);
    compare("lj/cut shifted Ar fcc 32 atoms", lj, s,
            "pair_style lj/cut 8.5\npair_coeff 1 1 0.0104 3.4\n"
            "pair_modify shift yes",
            tz, 1);
    nacre_structure_free(s);
    nacre_potential_free(lj);
  }
  /* Morse with the energy shift */
  nacre_potential *mo = NULL;
  CHECK_OK(nacre_potential_load("morse:D=0.3429,alpha=1.3588,r0=2.866,cutoff=7.0,shift=1",
                                &mo, &err),
           &err);
  if (mo) {
    int tz[1] = {29};
    nacre_structure *s = perturbed("fcc", 29, 3.615, n2, 0.1, 71);
    compare("morse shifted Cu fcc 32 atoms", mo, s,
            "pair_style morse 7.0\npair_coeff 1 1 0.3429 1.3588 2.866\n"
            "pair_modify shift yes",
            tz, 1);
    nacre_structure_free(s);
    nacre_potential_free(mo);
  }
  TEST_DONE();
}
