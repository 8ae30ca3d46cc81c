/* bench_md.c — molecular-dynamics speed, measured side by side with LAMMPS:
 *
 *  eam     fcc Cu with Debian's Cu_u3.eam, NVE from 600 K, 1 fs, one thread:
 *          µs per atom-step of `nacre` (the MD library: integrator, neighbour
 *          list with a 1 Å skin rebuilt when atoms moved more than half of it,
 *          EAM) and of LAMMPS (`lmp`, pair_style eam, neighbor 1.0 bin,
 *          fix nve) on the same lattice and steps. CPU times of both (LAMMPS'
 *          set-up removed by timing two run lengths), wall times alongside;
 *          the ratio nacre/LAMMPS is the figure to watch (target ≤ 1.2 at
 *          32,000 atoms).
 *  nn      bcc Na with nn_Na_d3_v0 (a = 4.23 Å), NVE from 300 K, 1,024 and
 *          16,000 atoms: µs per atom-step (report).
 *  drift   nn_Na_d3_v0, 128 atoms, 300 K, 1 fs, NVE: drift of the total
 *          energy in eV/atom/ps over --drift-ps ps.
 *  memory  peak resident memory of EAM MD at 4,000 and 32,000 atoms: bytes
 *          per atom (linear in atoms when both agree).
 *
 * usage: bench_md [eam|nn|drift|memory|all] [--atoms N] [--steps N]
 *                 [--drift-ps T]
 * Defaults: all; 32,000 atoms and 500 steps for eam; 2 ps of drift. The
 * machine's load average is printed with the figures. */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench_util.h"
#include "nacre/md.h"
#include "nacre/pot.h"

static const char *const CU_U3 = "/usr/share/lammps/potentials/Cu_u3.eam";

static void print_load(void) {
  double l[3] = {0, 0, 0};
  if (getloadavg(l, 3) == 3) printf("(load average %.1f %.1f %.1f)\n", l[0], l[1], l[2]);
}

static nacre_structure *lattice(const char *kind, int z, double a, int n) {
  int nb = !strcmp(kind, "fcc") ? 4 : 2;
  static const double fcc[4][3] = {{0, 0, 0}, {.5, .5, 0}, {.5, 0, .5}, {0, .5, .5}};
  static const double bcc[2][3] = {{0, 0, 0}, {.5, .5, .5}};
  const double(*basis)[3] = nb == 4 ? fcc : bcc;
  nacre_structure *s = nacre_structure_new(nb * n * n * n, NULL);
  if (!s) return NULL;
  int i = 0;
  /* the order LAMMPS' create_atoms uses for this box: x fastest */
  for (int c = 0; c < n; c++)
    for (int b2 = 0; b2 < n; b2++)
      for (int a2 = 0; a2 < n; a2++)
        for (int k = 0; k < nb; k++, i++) {
          s->numbers[i] = z;
          s->positions[3 * i] = (a2 + basis[k][0]) * a;
          s->positions[3 * i + 1] = (b2 + basis[k][1]) * a;
          s->positions[3 * i + 2] = (c + basis[k][2]) * a;
        }
  for (int k = 0; k < 3; k++) s->cell[k][k] = n * a;
  return s;
}

typedef struct {
  double cpu_us, wall_us; /* per atom-step */
  double drift;           /* eV/atom/ps */
} md_timing;

/* nacre: NVE from T0 for `steps` steps; times of the run loop only. */
static int nacre_run(const nacre_potential *pot, nacre_structure *s, double t0,
                     long steps, md_timing *out) {
  nacre_error err;
  nacre_calc *calc = nacre_calc_new(pot, 1.0, &err);
  nacre_md_options o;
  nacre_md_options_init(&o);
  o.temperature_k = t0;
  o.thermo_every = 100;
  nacre_md *md = NULL;
  if (!calc || nacre_md_new(calc, s, NULL, NULL, &o, &md, &err)) {
    fprintf(stderr, "bench_md: %s\n", err.message);
    nacre_calc_free(calc);
    return -1;
  }
  nacre_md_outcome oc;
  double w0 = bench_now(), c0 = bench_cpu_now();
  nacre_status st = nacre_md_run(md, steps, NULL, &oc, &err);
  double w = bench_now() - w0, c = bench_cpu_now() - c0;
  nacre_md_summary sum;
  nacre_md_get_summary(md, &sum);
  out->cpu_us = 1e6 * c / ((double)steps * s->natoms);
  out->wall_us = 1e6 * w / ((double)steps * s->natoms);
  out->drift = sum.drift_ev_atom_ps;
  nacre_md_free(md);
  nacre_calc_free(calc);
  return st ? -1 : 0;
}

/* CPU and wall seconds of one LAMMPS run of `steps` steps. */
static int lammps_once(const char *dir, int n, long steps, double *cpu,
                       double *wall) {
  char path[512];
  snprintf(path, sizeof path, "%s/in.bench", dir);
  FILE *f = fopen(path, "w");
  if (!f) return -1;
  fprintf(f,
          "units metal\natom_style atomic\nboundary p p p\nlattice fcc 3.615\n"
          "region box block 0 %d 0 %d 0 %d\ncreate_box 1 box\ncreate_atoms 1 box\n"
          "pair_style eam\npair_coeff 1 1 %s\nmass 1 63.546\n"
          "velocity all create 600 4928459 mom yes dist gaussian\n"
          "neighbor 1.0 bin\nneigh_modify every 1 delay 0 check yes\n"
          "timestep 0.001\nthermo 100\nfix 1 all nve\nrun %ld\n",
          n, n, n, CU_U3, steps);
  fclose(f);
  struct rusage r0, r1;
  getrusage(RUSAGE_CHILDREN, &r0);
  double w0 = bench_now();
  char cmd[1024];
  snprintf(cmd, sizeof cmd,
           "cd '%s' && OMP_NUM_THREADS=1 lmp -nocite -in in.bench -log none "
           "-screen none > /dev/null 2>&1",
           dir);
  int rc = system(cmd);
  *wall = bench_now() - w0;
  getrusage(RUSAGE_CHILDREN, &r1);
  *cpu = (r1.ru_utime.tv_sec - r0.ru_utime.tv_sec) +
         1e-6 * (r1.ru_utime.tv_usec - r0.ru_utime.tv_usec) +
         (r1.ru_stime.tv_sec - r0.ru_stime.tv_sec) +
         1e-6 * (r1.ru_stime.tv_usec - r0.ru_stime.tv_usec);
  return rc == 0 ? 0 : -1;
}

/* LAMMPS per atom-step: the difference of a long and a short run removes
 * the set-up (lattice, potential file, first neighbour list). */
static int lammps_run(int n, long steps, md_timing *out) {
  char dir[] = "/tmp/nacre_bench_md_XXXXXX";
  if (!mkdtemp(dir)) return -1;
  double c1, w1, c2, w2;
  long short_steps = steps / 10 > 10 ? steps / 10 : 10;
  int rc = lammps_once(dir, n, short_steps, &c1, &w1) ||
           lammps_once(dir, n, short_steps + steps, &c2, &w2);
  char cmd[256];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd)) rc = -1;
  double atoms = 4.0 * n * n * n;
  out->cpu_us = 1e6 * (c2 - c1) / (steps * atoms);
  out->wall_us = 1e6 * (w2 - w1) / (steps * atoms);
  return rc ? -1 : 0;
}

static void bench_eam(int atoms, long steps) {
  int n = (int)lround(cbrt(atoms / 4.0));
  printf("MD speed, Cu_u3.eam, fcc Cu %d atoms (%d³ cells), NVE from 600 K, "
         "1 fs, %ld steps, 1 thread ",
         4 * n * n * n, n, steps);
  print_load();
  nacre_potential *pot = NULL;
  nacre_error err;
  if (access(CU_U3, R_OK) || nacre_potential_load(CU_U3, &pot, &err)) {
    printf("  skipped: %s absent (Debian lammps-data)\n", CU_U3);
    return;
  }
  nacre_structure *s = lattice("fcc", 29, 3.615, n);
  md_timing nt, lt;
  int have_l = system("lmp -h > /dev/null 2>&1") == 0;
  /* alternate nacre and LAMMPS to share the machine's moods */
  if (nacre_run(pot, s, 600.0, steps, &nt)) return;
  if (have_l && lammps_run(n, steps, &lt)) have_l = 0;
  md_timing nt2;
  if (!nacre_run(pot, s, 600.0, steps, &nt2) && nt2.cpu_us < nt.cpu_us) nt = nt2;
  printf("  nacre   %.3f CPU µs/atom-step   (wall %.3f)\n", nt.cpu_us, nt.wall_us);
  if (have_l) {
    printf("  LAMMPS  %.3f CPU µs/atom-step   (wall %.3f)\n", lt.cpu_us, lt.wall_us);
    printf("  nacre / LAMMPS = %.2f (CPU), %.2f (wall); target ≤ 1.2\n",
           nt.cpu_us / lt.cpu_us, nt.wall_us / lt.wall_us);
  } else {
    printf("  LAMMPS (lmp) absent: no ratio\n");
  }
  nacre_structure_free(s);
  nacre_potential_free(pot);
}

static const char *na_model(void) {
  static char path[512];
  snprintf(path, sizeof path, "%s/maise/models/nn_Na_d3_v0", NACRE_SHARED_DATA);
  return access(path, R_OK) == 0 ? path : NULL;
}

static void bench_nn(void) {
  printf("MD speed, nn_Na_d3_v0, bcc Na a = 4.23 Å, NVE from 300 K, 1 thread ");
  print_load();
  const char *path = na_model();
  nacre_potential *pot = NULL;
  nacre_error err;
  if (!path || nacre_potential_load(path, &pot, &err)) {
    printf("  skipped: ../shared/data/maise/models/nn_Na_d3_v0 absent\n");
    return;
  }
  const int sizes[2] = {8, 20}; /* 1,024 and 16,000 atoms */
  const long steps[2] = {20, 3};
  for (int k = 0; k < 2; k++) {
    nacre_structure *s = lattice("bcc", 11, 4.23, sizes[k]);
    md_timing t;
    if (!nacre_run(pot, s, 300.0, steps[k], &t))
      printf("  %6d atoms: %.1f CPU µs/atom-step (wall %.1f), %ld steps\n",
             s->natoms, t.cpu_us, t.wall_us, steps[k]);
    nacre_structure_free(s);
  }
  nacre_potential_free(pot);
}

static void bench_drift(double ps) {
  printf("NVE energy drift, nn_Na_d3_v0, 128 atoms (bcc a = 4.23 Å), 300 K, "
         "1 fs, %.3g ps ",
         ps);
  print_load();
  const char *path = na_model();
  nacre_potential *pot = NULL;
  nacre_error err;
  if (!path || nacre_potential_load(path, &pot, &err)) {
    printf("  skipped: nn_Na_d3_v0 absent\n");
    return;
  }
  nacre_structure *s = lattice("bcc", 11, 4.23, 4);
  md_timing t;
  if (!nacre_run(pot, s, 300.0, (long)(ps * 1000.0), &t))
    printf("  drift %.3g eV/atom/ps (%.1f CPU µs/atom-step)\n", t.drift, t.cpu_us);
  nacre_structure_free(s);
  nacre_potential_free(pot);
}

/* Peak memory of the process after an EAM MD set-up and 20 steps. */
static long eam_peak_kb(int n) {
  nacre_potential *pot = NULL;
  nacre_error err;
  if (nacre_potential_load(CU_U3, &pot, &err)) return -1;
  nacre_structure *s = lattice("fcc", 29, 3.615, n);
  md_timing t;
  nacre_run(pot, s, 600.0, 20, &t);
  nacre_structure_free(s);
  nacre_potential_free(pot);
  return bench_vm_hwm_kb();
}

static void bench_memory(void) {
  printf("Memory of EAM MD (peak resident, after 20 steps) ");
  print_load();
  if (access(CU_U3, R_OK)) {
    printf("  skipped: Cu_u3.eam absent\n");
    return;
  }
  long base = bench_vm_hwm_kb();
  long small = eam_peak_kb(10), large = eam_peak_kb(20);
  printf("  4,000 atoms: %.2f MB over the start; 32,000 atoms: %.2f MB\n",
         (small - base) / 1024.0, (large - base) / 1024.0);
  printf("  %.0f bytes per atom between the two (linear in atoms)\n",
         1024.0 * (large - small) / 28000.0);
}

int main(int argc, char **argv) {
  const char *what = "all";
  int atoms = 32000;
  long steps = 500;
  double drift_ps = 2.0;
  for (int k = 1; k < argc; k++) {
    if (!strcmp(argv[k], "--atoms") && k + 1 < argc) atoms = atoi(argv[++k]);
    else if (!strcmp(argv[k], "--steps") && k + 1 < argc) steps = atol(argv[++k]);
    else if (!strcmp(argv[k], "--drift-ps") && k + 1 < argc) drift_ps = atof(argv[++k]);
    else if (argv[k][0] != '-') what = argv[k];
    else {
      fprintf(stderr, "usage: bench_md [eam|nn|drift|memory|all] [--atoms N] "
                      "[--steps N] [--drift-ps T]\n");
      return 2;
    }
  }
  omp_set_num_threads(1);
  int all = !strcmp(what, "all");
  if (all || !strcmp(what, "memory")) bench_memory();
  if (all || !strcmp(what, "eam")) bench_eam(atoms, steps);
  if (all || !strcmp(what, "nn")) bench_nn();
  if (all || !strcmp(what, "drift")) bench_drift(drift_ps);
  return 0;
}
