/* test_analysis.c — `nacre analyze` against an independent numpy computation
 * (tests/md/analysis_reference.py: every pair and periodic image by brute
 * force, its own unwrapping and least-squares fit) on three trajectories of
 * hot Cu (108 atoms, 2500 K, positions wrapped into the cell so that
 * unwrapping is exercised):
 *  - written by ASE (a nacre run read and rewritten by ase.io with wrapped
 *    positions and ASE momenta);
 *  - written by LAMMPS (fix nvt on a triclinic cell, dump custom id type x y
 *    z vx vy vz, read with --types Cu --timestep 1);
 *  - the ASE trajectory with every third atom renamed Ag, for the partial
 *    g_ab(r) and n_ab(r) of two species (Ag–Ag, Ag–Cu, Cu–Cu) and the MSD
 *    per species.
 * g(r) (total and partial), coordination numbers n(r), MSD(τ) agree within
 * 1e-10 (absolute; g ~ 1, n ~ 10, MSD ~ 10 Å²), D within 1e-10 relative and
 * the normalised VACF within 1e-10, with rmax beyond half the cell height
 * (images counted more than once). Skips without ASE (/usr/bin/python3);
 * the LAMMPS part skips without LAMMPS. */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builders.h"
#include "mdtest.h"
#include "testing.h"

static const char *dir;

typedef struct {
  char names[32][48];
  int ncol, nrow;
  double *v;
} table;

static int read_csv(const char *path, table *t) {
  memset(t, 0, sizeof *t);
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  char line[16384];
  if (!fgets(line, sizeof line, f)) {
    fclose(f);
    return -1;
  }
  line[strcspn(line, "\r\n")] = '\0';
  char *save = NULL;
  for (char *s = strtok_r(line, ",", &save); s && t->ncol < 32; s = strtok_r(NULL, ",", &save))
    snprintf(t->names[t->ncol++], sizeof t->names[0], "%s", s);
  int cap = 0;
  while (fgets(line, sizeof line, f)) {
    if (t->nrow == cap) {
      cap = cap ? 2 * cap : 256;
      t->v = realloc(t->v, (size_t)cap * t->ncol * sizeof(double));
    }
    char *p = line;
    for (int c = 0; c < t->ncol; c++) {
      t->v[(size_t)t->nrow * t->ncol + c] = strtod(p, &p);
      if (*p == ',') p++;
    }
    t->nrow++;
  }
  fclose(f);
  return 0;
}

/* Largest |a − b| over the columns of `ref` (matched by name). */
static double compare(const char *what, const char *mine, const char *ref,
                      int relative) {
  table a, b;
  if (read_csv(mine, &a) || read_csv(ref, &b)) {
    CHECK(0, "%s: cannot read %s or %s", what, mine, ref);
    return INFINITY;
  }
  double worst = 0.0;
  int matched = 0;
  CHECK(a.nrow == b.nrow, "%s: %d rows vs %d in the reference", what, a.nrow, b.nrow);
  for (int cb = 0; cb < b.ncol; cb++) {
    int ca = 0;
    while (ca < a.ncol && strcmp(a.names[ca], b.names[cb])) ca++;
    if (ca == a.ncol) {
      CHECK(0, "%s: column %s missing", what, b.names[cb]);
      continue;
    }
    matched++;
    for (int r = 0; r < a.nrow && r < b.nrow; r++) {
      double x = a.v[(size_t)r * a.ncol + ca], y = b.v[(size_t)r * b.ncol + cb];
      double d = fabs(x - y) / (relative ? fmax(fabs(y), 1e-300) : 1.0);
      if (!(d <= worst)) worst = d;
    }
  }
  printf("  %-34s %d columns × %d rows: max |nacre − numpy| %.2e%s\n", what,
         matched, b.nrow, worst, relative ? " (relative)" : "");
  free(a.v);
  free(b.v);
  return worst;
}

static double json_number(const char *path, const char *key) {
  FILE *f = fopen(path, "r");
  if (!f) return NAN;
  char buf[8192];
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  buf[n] = '\0';
  fclose(f);
  char pat[128];
  snprintf(pat, sizeof pat, "\"%s\":", key);
  char *p = strstr(buf, pat);
  return p ? strtod(p + strlen(pat), NULL) : NAN;
}

static void check_trajectory(const char *name, const char *traj, const char *extra) {
  printf("%s trajectory:\n", name);
  const double rmax = 6.0;
  const int bins = 120, first = 2;
  int rc = mdtest_system("cd %s && /usr/bin/python3 '%s/tests/md/analysis_reference.py' "
                         "%s . --rmax %g --bins %d --first %d %s",
                         dir, NACRE_SOURCE_DIR, traj, rmax, bins, first, extra);
  CHECK(rc == 0, "%s: the numpy reference failed", name);
  rc = mdtest_system("cd %s && '%s' analyze rdf %s --rmax %g --bins %d --first %d %s "
                     "-o rdf.csv > /dev/null && '%s' analyze msd %s --first %d %s "
                     "-o msd.csv --json > msd.json && '%s' analyze vacf %s --first %d "
                     "%s -o vacf.csv > /dev/null",
                     dir, NACRE_CLI, traj, rmax, bins, first, extra, NACRE_CLI, traj,
                     first, extra, NACRE_CLI, traj, first, extra);
  CHECK(rc == 0, "%s: nacre analyze failed", name);
  char a[512], b[512];
  snprintf(a, sizeof a, "%s/rdf.csv", dir);
  snprintf(b, sizeof b, "%s/ref_rdf.csv", dir);
  double d = compare("g(r), g_ab(r), n_ab(r)", a, b, 0);
  CHECK(d <= 1e-10, "%s: RDF differs by %g", name, d);
  snprintf(a, sizeof a, "%s/msd.csv", dir);
  snprintf(b, sizeof b, "%s/ref_msd.csv", dir);
  d = compare("MSD(τ) total and per species", a, b, 0);
  CHECK(d <= 1e-10, "%s: MSD differs by %g Å²", name, d);
  snprintf(a, sizeof a, "%s/vacf.csv", dir);
  snprintf(b, sizeof b, "%s/ref_vacf.csv", dir);
  d = compare("normalised VACF", a, b, 0);
  CHECK(d <= 1e-10, "%s: VACF differs by %g", name, d);
  snprintf(a, sizeof a, "%s/msd.json", dir);
  snprintf(b, sizeof b, "%s/ref.json", dir);
  double dn = json_number(a, "diffusion_a2_ps"), dr = json_number(b, "diffusion_a2_ps");
  printf("  D = %.10g Å²/ps (numpy %.10g)\n", dn, dr);
  CHECK(fabs(dn - dr) <= 1e-10 * fabs(dr) && dr > 0.05,
        "%s: D = %.12g vs %.12g Å²/ps", name, dn, dr);
}

static int ase_trajectory(const char *pot) {
  int rc = mdtest_system(
      "cd %s && OMP_NUM_THREADS=1 '%s' md cu.xyz --potential '%s' --ensemble nvt "
      "--temperature 2500 --steps 2000 --trajectory md.xyz --every 50 -q > /dev/null && "
      "/usr/bin/python3 -c \"\n"
      "from ase.io import read, write\n"
      "frames = read('md.xyz', ':')\n"
      "for a in frames: a.wrap()\n"
      "write('ase.xyz', frames)\n"
      "for a in frames: a.set_chemical_symbols(['Ag' if i %% 3 == 0 else 'Cu' for i in range(len(a))])\n"
      "write('ase2.xyz', frames)\n\"",
      dir, NACRE_CLI, pot);
  return rc;
}

static int lammps_trajectory(const char *pot) {
  nacre_structure *s = mdtest_cu_fcc(3, 3.615);
  const double eps[6] = {0, 0, 0, 0.03, 0, 0.08}; /* yz, xy shear: triclinic */
  build_strain(s, eps);
  char script[2048];
  snprintf(script, sizeof script,
           "units metal\natom_style atomic\nboundary p p p\nread_data data.lmp\n"
           "pair_style eam\npair_coeff 1 1 %s\nmass 1 63.546\n"
           "velocity all create 2500 87287 mom yes dist gaussian\ntimestep 0.001\n"
           "fix 1 all nvt temp 2500 2500 0.1\n"
           "dump d all custom 50 dump.lammpstrj id type x y z vx vy vz\n"
           "dump_modify d format float %%.17g\nrun 2000\n",
           pot);
  double R[3][3];
  int rc = mdtest_lammps_run(dir, s, NULL, script, R);
  nacre_structure_free(s);
  return rc;
}

int main(void) {
  omp_set_num_threads(1);
  if (mdtest_system("/usr/bin/python3 -c 'import ase, numpy' 2>/dev/null") != 0)
    TEST_SKIP("ASE and numpy for /usr/bin/python3 are not installed");
  dir = mdtest_tmpdir();
  const char *pot = mdtest_cu_u3();
  if (!pot) pot = "lj:epsilon=0.415,sigma=2.277,cutoff=5.5,shift=1";
  int rc = mdtest_system("cd %s && /usr/bin/python3 -c \"\n"
                         "from ase.build import bulk\n"
                         "bulk('Cu', 'fcc', a=3.615, cubic=True).repeat(3).write('cu.xyz')\n\"",
                         dir);
  CHECK(rc == 0, "ASE builds the start");
  CHECK(ase_trajectory(pot) == 0, "nacre md + ASE rewrite");
  check_trajectory("ASE-written", "ase.xyz", "");
  check_trajectory("ASE-written, two species (every third atom Ag)", "ase2.xyz", "");
  if (mdtest_cu_u3() && mdtest_have_lammps()) {
    CHECK(lammps_trajectory(pot) == 0, "LAMMPS run");
    check_trajectory("LAMMPS-written", "dump.lammpstrj", "--types Cu --timestep 1");
  } else {
    printf("LAMMPS or Cu_u3.eam absent: the LAMMPS trajectory is skipped\n");
  }
  mdtest_cleanup(dir);
  TEST_DONE();
}
