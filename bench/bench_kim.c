/* bench_kim.c — a nacre network in LAMMPS through KIM: µs per atom per MD
 * step of Debian's LAMMPS (pair_style kim, nacre_driver; NVE, 300 K, 2 fs,
 * neighbour skin 1 Å) on 1 and 2 MPI ranks against nacre's own evaluation of
 * energy and forces of the same cell in this process (1 and 2 OpenMP
 * threads): the ratio is what KIM and LAMMPS add per step (neighbour lists,
 * ghost atoms, integration). LAMMPS' "Pair" time is reported too, and
 * `nacre md` (NVE, same cell and steps, --jobs 1 and 2) when the build has
 * it.
 *
 * nacre is installed from this build into a temporary prefix and the model
 * into a temporary KIM collection (`nacre kim`), nothing outside /tmp.
 *
 * usage: bench_kim [MODEL] [--cells N] [--steps S]
 *   MODEL    nacre or MAISE model of Na (default
 *            ../shared/data/maise/models/nn_Na_d3_v0)
 *   --cells  N×N×N conventional bcc cells, a = 4.23 Å (default 8: 1024 atoms)
 *   --steps  MD steps per LAMMPS run (default 40)
 * Wall-clock figures on a shared machine: compare the ratios of one run. */
#include <libgen.h>
#include <limits.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_util.h"
#include "nacre/io.h"
#include "nacre/pot.h"

#define MODEL_NAME "nacre_bench_nn"
#define A_BCC 4.23

static char tmp[64];

static int sh(const char *cmd) {
  int rc = system(cmd);
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static nacre_structure *bcc(int n, double rattle) {
  nacre_structure *s = nacre_structure_new(2 * n * n * n, NULL);
  nacre_rng rng;
  nacre_rng_init(&rng, 7, 0);
  int k = 0;
  for (int x = 0; x < n; x++)
    for (int y = 0; y < n; y++)
      for (int z = 0; z < n; z++)
        for (int b = 0; b < 2; b++, k++) {
          s->numbers[k] = 11;
          double r[3] = {x + 0.5 * b, y + 0.5 * b, z + 0.5 * b};
          for (int q = 0; q < 3; q++)
            s->positions[3 * k + q] = A_BCC * r[q] + rattle * nacre_rng_normal(&rng);
        }
  for (int q = 0; q < 3; q++) {
    s->cell[q][q] = A_BCC * n;
    s->pbc[q] = 1;
  }
  return s;
}

/* nacre: µs per atom per energy+forces evaluation (wall; *cpu: process CPU
 * time), after one warm-up evaluation that builds the neighbour list. */
static double nacre_us(const nacre_potential *p, const nacre_structure *s,
                       int threads, double *cpu) {
  omp_set_num_threads(threads);
  nacre_error err;
  nacre_calc *c = nacre_calc_new(p, 1.0, &err);
  nacre_result r;
  nacre_result_init(&r, s->natoms, &err);
  unsigned want = NACRE_WANT_ENERGY | NACRE_WANT_FORCES;
  if (nacre_calc_compute(c, s, want, &r, &err)) {
    fprintf(stderr, "bench_kim: %s\n", err.message);
    exit(1);
  }
  int reps = 0;
  double t0 = bench_now(), c0 = bench_cpu_now(), t;
  do {
    nacre_calc_compute(c, s, want, &r, &err);
    reps++;
  } while ((t = bench_now() - t0) < 1.0 || reps < 3);
  *cpu = (bench_cpu_now() - c0) / reps / s->natoms * 1e6;
  nacre_result_free(&r);
  nacre_calc_free(c);
  return t / reps / s->natoms * 1e6;
}

/* LAMMPS: µs per atom per step (loop wall time), the Pair share, and the
 * CPU time (wall × LAMMPS' "% CPU use", all ranks). */
static int lammps_us(int cells, int steps, int ranks, double *us, double *pair_us,
                     double *cpu_us) {
  char path[256], cmd[1024];
  snprintf(path, sizeof path, "%s/in.bench", tmp);
  FILE *f = fopen(path, "w");
  if (!f) return -1;
  fprintf(f,
          "kim init " MODEL_NAME " metal\n"
          "lattice bcc %.17g\n"
          "region box block 0 %d 0 %d 0 %d\n"
          "create_box 1 box\n"
          "create_atoms 1 box\n"
          "kim interactions Na\n"
          "mass 1 22.98976928\n"
          "velocity all create 300 87287 mom yes rot yes dist gaussian\n"
          "neighbor 1.0 bin\n"
          "timestep 0.002\n"
          "fix 1 all nve\n"
          "thermo %d\n"
          "run %d\n",
          A_BCC, cells, cells, cells, steps, steps);
  fclose(f);
  char mpi[160] = "";
  if (ranks > 1)
    snprintf(mpi, sizeof mpi,
             "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 "
             "mpirun --oversubscribe -np %d ",
             ranks);
  snprintf(cmd, sizeof cmd,
           "cd %s && OMP_NUM_THREADS=1 %slmp -nocite -in in.bench -log log.bench "
           "-screen none >/dev/null 2>&1",
           tmp, mpi);
  if (sh(cmd)) return -1;
  snprintf(path, sizeof path, "%s/log.bench", tmp);
  f = fopen(path, "r");
  if (!f) return -1;
  char line[1024];
  double loop = -1, pair = -1, cpu_use = -1;
  long natoms = 0;
  int nsteps = 0, procs = 0;
  while (fgets(line, sizeof line, f)) {
    if (sscanf(line, "Loop time of %lf on %d procs for %d steps with %ld atoms",
               &loop, &procs, &nsteps, &natoms) == 4)
      continue;
    double avg;
    const char *c = strstr(line, "% CPU use with");
    if (c) {
      const char *b = c;
      while (b > line && b[-1] != ' ') b--;
      cpu_use = atof(b);
    }
    if (!strncmp(line, "Pair ", 5) && sscanf(line, "Pair | %*f | %lf", &avg) == 1)
      pair = avg;
  }
  fclose(f);
  if (loop <= 0 || natoms <= 0 || nsteps <= 0) return -1;
  *us = loop / ((double)nsteps * natoms) * 1e6;
  *pair_us = pair > 0 ? pair / ((double)nsteps * natoms) * 1e6 : -1;
  *cpu_us = cpu_use > 0 ? *us * cpu_use / 100.0 * procs : -1;
  return 0;
}

static double children_cpu_s(void) {
  struct rusage ru;
  getrusage(RUSAGE_CHILDREN, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
         1e-6 * (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

/* `nacre md` of this build on s: µs per atom-step, wall (its own figure)
 * and CPU (of the child process). */
static int nacre_md_us(const nacre_structure *s, const char *model, int steps,
                       int jobs, double *us, double *cpu_us) {
  char exe[PATH_MAX], path[256], cmd[4096];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0) return -1;
  exe[n] = '\0';
  const char *build = dirname(exe);
  snprintf(cmd, sizeof cmd, "%s/nacre md --help >/dev/null 2>&1", build);
  if (sh(cmd)) return -1; /* no md command in this build */
  snprintf(path, sizeof path, "%s/cell.xyz", tmp);
  nacre_error err;
  if (nacre_write_structure(path, s, NACRE_FORMAT_AUTO, &err)) return -1;
  snprintf(cmd, sizeof cmd,
           "%s/nacre md %s -p %s --ensemble nve --temperature 300 --timestep 2 "
           "--steps %d --jobs %d --json -q >%s/md.json 2>/dev/null",
           build, path, model, steps, jobs, tmp);
  double c0 = children_cpu_s();
  if (sh(cmd)) return -1;
  double cpu = children_cpu_s() - c0;
  snprintf(path, sizeof path, "%s/md.json", tmp);
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  char buf[65536];
  size_t len = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[len] = '\0';
  const char *k = strstr(buf, "\"us_per_atom_step\"");
  if (!k || !(k = strchr(k, ':'))) return -1;
  *us = atof(k + 1);
  *cpu_us = cpu / ((double)steps * s->natoms) * 1e6;
  return 0;
}

static int setup_kim(const char *model) {
  char exe[PATH_MAX], cmd[4096];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0) return -1;
  exe[n] = '\0';
  const char *build = dirname(exe);
  snprintf(cmd, sizeof cmd, "cmake --install %s --prefix %s/prefix >%s/log 2>&1",
           build, tmp, tmp);
  if (sh(cmd)) return -1;
  const char *vars[4][2] = {{"KIM_API_MODEL_DRIVERS_DIR", "md"},
                            {"KIM_API_PORTABLE_MODELS_DIR", "pm"},
                            {"KIM_API_SIMULATOR_MODELS_DIR", "sm"},
                            {"KIM_API_CONFIGURATION_FILE", "config"}};
  for (int k = 0; k < 4; k++) {
    char dir[256];
    snprintf(dir, sizeof dir, "%s/kim/%s", tmp, vars[k][1]);
    snprintf(cmd, sizeof cmd, "mkdir -p %s %s/kim/user/%s", dir, tmp, vars[k][1]);
    if (k < 3 && sh(cmd)) return -1;
    setenv(vars[k][0], dir, 1);
  }
  /* The configuration file names the user collection too: without one the
   * KIM API writes a default that creates ~/.kim-api. */
  snprintf(cmd, sizeof cmd,
           "printf 'model-drivers-dir = %s/kim/user/md\\nportable-models-dir = "
           "%s/kim/user/pm\\nsimulator-models-dir = %s/kim/user/sm\\n' >%s/kim/config",
           tmp, tmp, tmp, tmp);
  if (sh(cmd)) return -1;
  snprintf(cmd, sizeof cmd,
           "%s/prefix/bin/nacre kim %s --name " MODEL_NAME
           " --collection environment -o %s/item >%s/log 2>&1",
           tmp, model, tmp, tmp);
  return sh(cmd);
}

int main(int argc, char **argv) {
  const char *model = NACRE_SHARED_DATA "/maise/models/nn_Na_d3_v0";
  int cells = 8, steps = 40;
  for (int k = 1; k < argc; k++) {
    if (!strcmp(argv[k], "--cells") && k + 1 < argc)
      cells = atoi(argv[++k]);
    else if (!strcmp(argv[k], "--steps") && k + 1 < argc)
      steps = atoi(argv[++k]);
    else if (argv[k][0] != '-')
      model = argv[k];
    else {
      fprintf(stderr, "usage: bench_kim [MODEL] [--cells N] [--steps S]\n");
      return 2;
    }
  }
  if (access(model, R_OK) != 0) {
    printf("bench_kim: %s absent\n", model);
    return 77;
  }
  if (sh("lmp -h 2>/dev/null | grep -qw KIM") ||
      sh("command -v kim-api-collections-management >/dev/null 2>&1")) {
    printf("bench_kim: LAMMPS with KIM or kim-api-collections-management absent\n");
    return 77;
  }
  snprintf(tmp, sizeof tmp, "/tmp/nacre_bench_kim_XXXXXX");
  if (!mkdtemp(tmp) || setup_kim(model)) {
    printf("bench_kim: installing nacre or the KIM model into %s failed\n", tmp);
    return 1;
  }
  nacre_error err;
  nacre_potential *p = NULL;
  if (nacre_potential_load(model, &p, &err)) {
    fprintf(stderr, "bench_kim: %s\n", err.message);
    return 1;
  }
  nacre_structure *s = bcc(cells, 0.1);
  double c1, c2, ev1 = nacre_us(p, s, 1, &c1), ev2 = nacre_us(p, s, 2, &c2);
  double l1, p1, lc1, l2, p2, lc2;
  int ok1 = lammps_us(cells, steps, 1, &l1, &p1, &lc1) == 0;
  int ok2 = lammps_us(cells, steps, 2, &l2, &p2, &lc2) == 0;
  double m1, mc1, m2, mc2;
  int md1 = nacre_md_us(s, model, steps, 1, &m1, &mc1) == 0;
  int md2 = md1 && nacre_md_us(s, model, steps, 2, &m2, &mc2) == 0;
  FILE *ld = fopen("/proc/loadavg", "r");
  double load = -1;
  if (ld) {
    if (fscanf(ld, "%lf", &load) != 1) load = -1;
    fclose(ld);
  }
  printf("bcc Na, %d atoms, a = %.2f Å, %d MD steps, %s; load average %.1f\n",
         s->natoms, A_BCC, steps, model, load);
  printf("%-44s %10s %8s %10s %8s\n", "µs per atom-step", "wall", "ratio", "CPU",
         "ratio");
  printf("%-44s %10.1f %8s %10.1f %8s\n", "nacre eval, energy+forces, 1 thread",
         ev1, "1.00", c1, "1.00");
  printf("%-44s %10.1f %8.2f %10.1f %8.2f\n",
         "nacre eval, energy+forces, 2 threads", ev2, ev2 / ev1, c2, c2 / c1);
  if (ok1) {
    printf("%-44s %10.1f %8.2f %10.1f %8.2f\n",
           "LAMMPS + KIM (nacre_driver), 1 rank", l1, l1 / ev1, lc1, lc1 / c1);
    printf("%-44s %10.1f %8.2f\n", "  of which Pair (the KIM model call)", p1,
           p1 / ev1);
  } else {
    printf("LAMMPS, 1 rank: failed\n");
  }
  if (ok2) {
    printf("%-44s %10.1f %8.2f %10.1f %8.2f\n",
           "LAMMPS + KIM (nacre_driver), 2 MPI ranks", l2, l2 / ev1, lc2, lc2 / c1);
    printf("%-44s %10.1f %8.2f\n", "  of which Pair (the KIM model call)", p2,
           p2 / ev1);
  } else {
    printf("LAMMPS, 2 ranks: failed (mpirun absent?)\n");
  }
  if (md1)
    printf("%-44s %10.1f %8.2f %10.1f %8.2f\n", "nacre md (NVE), 1 thread", m1,
           m1 / ev1, mc1, mc1 / c1);
  if (md2)
    printf("%-44s %10.1f %8.2f %10.1f %8.2f\n", "nacre md (NVE), 2 threads", m2,
           m2 / ev1, mc2, mc2 / c1);
  if (!md1) printf("nacre md: not in this build\n");
  if (ok1 && md1)
    printf("LAMMPS + KIM 1 rank / nacre md 1 thread: %.2f wall, %.2f CPU\n",
           l1 / m1, lc1 / mc1);
  if (ok1)
    printf("KIM overhead (LAMMPS 1 rank / nacre 1 thread): %.2f wall, %.2f CPU\n",
           l1 / ev1, lc1 / c1);
  if (ok2) printf("2 ranks / 2 threads (wall): %.2f\n", l2 / ev2);
  nacre_structure_free(s);
  nacre_potential_free(p);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", tmp);
  sh(cmd);
  return ok1 ? 0 : 1;
}
