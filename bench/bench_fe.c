/* bench_fe.c — the cost of a complete solid free energy (nacre_fe_study_run:
 * reference NPT and NVT, Frenkel–Ladd windows, one NPT point, the harmonic
 * finite-size correction) for 256 atoms of bcc Na with nn_Na_d3_v0, and its
 * ratio to plain NVT molecular dynamics of the same cell measured in the same
 * run (the overhead of the springs, sampling, phase checks and files).
 *
 *   bench_fe [--steps S] [--lambda-points N] [--jobs J]
 *
 * S sampled steps per window (default 1000; production runs use 10,000), N
 * windows (default 6). Prints the wall and CPU time of the study, the MD
 * steps it ran, µs per atom-step, the ratio to plain MD, and the wall time a
 * study with the defaults of nacre free-energy (10 windows of 10,000 steps)
 * would take at the measured speed. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_util.h"
#include "nacre/md.h"
#include "nacre/pot.h"
#include "nacre/thermo.h"

static void print_load(void) {
  double l[3] = {0, 0, 0};
  if (getloadavg(l, 3) == 3) printf("(load average %.1f %.1f %.1f)\n", l[0], l[1], l[2]);
}

/* bcc Na, a = 4.23 Å, 4×4×8 conventional cells: 256 atoms. */
static nacre_structure *bcc_na(void) {
  nacre_structure *s = nacre_structure_new(256, NULL);
  if (!s) return NULL;
  int i = 0;
  for (int c = 0; c < 8; c++)
    for (int b = 0; b < 4; b++)
      for (int a = 0; a < 4; a++)
        for (int k = 0; k < 2; k++, i++) {
          s->numbers[i] = 11;
          s->positions[3 * i] = (a + 0.5 * k) * 4.23;
          s->positions[3 * i + 1] = (b + 0.5 * k) * 4.23;
          s->positions[3 * i + 2] = (c + 0.5 * k) * 4.23;
        }
  s->cell[0][0] = s->cell[1][1] = 4 * 4.23;
  s->cell[2][2] = 8 * 4.23;
  return s;
}

/* Plain NVT (Langevin, as the windows) for `steps` steps: wall and CPU µs
 * per atom-step. */
static int plain_md(const nacre_potential *pot, const nacre_structure *s, long steps,
                    double *wall_us, double *cpu_us) {
  nacre_error err;
  nacre_calc *calc = nacre_calc_new(pot, -1.0, &err);
  nacre_md_options mo;
  nacre_md_options_init(&mo);
  mo.temperature_k = 200.0;
  mo.thermostat = NACRE_MD_LANGEVIN;
  mo.thermostat_tau_fs = 100.0;
  mo.fix_com = 1;
  mo.seed = 1;
  nacre_md *md = NULL;
  nacre_ctx ctx;
  nacre_ctx_init(&ctx);
  if (!calc || nacre_md_new(calc, s, NULL, NULL, &mo, &md, &err)) {
    printf("  plain MD failed: %s\n", err.message);
    nacre_calc_free(calc);
    return 1;
  }
  nacre_md_outcome outcome;
  double w0 = bench_now(), c0 = bench_cpu_now();
  nacre_status st = nacre_md_run(md, steps, &ctx, &outcome, &err);
  *wall_us = 1e6 * (bench_now() - w0) / ((double)steps * s->natoms);
  *cpu_us = 1e6 * (bench_cpu_now() - c0) / ((double)steps * s->natoms);
  nacre_md_free(md);
  nacre_calc_free(calc);
  return st != NACRE_OK;
}

/* MD steps of a solid study with one grid point at T0: reference NPT and
 * NVT (each reference_steps plus a quarter), the windows and the point
 * (steps plus their equilibrations). */
static double study_steps(long steps, int windows) {
  double eq = steps / 5.0, ref = 2.0 * steps;
  double npt_eq = fmax(eq, 1000.0); /* four barostat times of 250 steps */
  return 2.0 * (ref + ref / 4) + windows * (steps + eq) + steps + npt_eq;
}

int main(int argc, char **argv) {
  long steps = 1000;
  int windows = 6, jobs = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--steps")) steps = atol(argv[i + 1]);
    else if (!strcmp(argv[i], "--lambda-points")) windows = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--jobs")) jobs = atoi(argv[i + 1]);
  }
  printf("Solid free energy, nn_Na_d3_v0, bcc Na 256 atoms (a = 4.23 Å), 200 K, 0 GPa, "
         "%d windows of %ld steps, -j %d, OMP_NUM_THREADS=%s ",
         windows, steps, jobs, getenv("OMP_NUM_THREADS") ? getenv("OMP_NUM_THREADS") : "unset");
  print_load();
  char path[512];
  snprintf(path, sizeof path, "%s/maise/models/nn_Na_d3_v0", NACRE_SHARED_DATA);
  nacre_potential *pot = NULL;
  nacre_error err;
  if (access(path, R_OK) || nacre_potential_load(path, &pot, &err)) {
    printf("  skipped: ../shared/data/maise/models/nn_Na_d3_v0 absent\n");
    return 0;
  }
  nacre_structure *s = bcc_na();
  double md_wall, md_cpu;
  if (plain_md(pot, s, steps / 2, &md_wall, &md_cpu)) return 1;
  printf("  plain NVT MD      %.2f µs/atom-step wall, %.2f CPU\n", md_wall, md_cpu);

  char dir[] = "/tmp/nacre-bench-fe-XXXXXX";
  if (!mkdtemp(dir)) return 1;
  double t = 200.0, p = 0.0;
  nacre_fe_options o;
  nacre_fe_options_init(&o);
  o.temperatures_k = &t;
  o.ntemperatures = 1;
  o.pressures_gpa = &p;
  o.npressures = 1;
  o.lambda_points = windows;
  o.steps = steps;
  o.min_length_a = 0.0;
  o.jobs = jobs;
  o.output_dir = dir;
  o.potential_spec = path;
  nacre_fe_phase ph = {"bcc", s, NACRE_FE_SOLID};
  nacre_ctx ctx;
  nacre_ctx_init(&ctx);
  nacre_fe_study *study = NULL;
  double w0 = bench_now(), c0 = bench_cpu_now();
  nacre_status st = nacre_fe_study_run(pot, &ph, 1, &o, NULL, NULL, &ctx, &study, &err);
  double wall = bench_now() - w0, cpu = bench_cpu_now() - c0;
  if (st) {
    printf("  study failed: %s\n", err.message);
    return 1;
  }
  double nsteps = study_steps(steps, windows);
  const nacre_fe_phase_result *r = &study->phases[0];
  printf("  study             %.1f s wall (%.1f s CPU in this process), %.0f MD steps, "
         "%.2f µs/atom-step wall\n",
         wall, cpu, nsteps, 1e6 * wall / (nsteps * s->natoms));
  printf("  study / plain MD  %.2f (wall per atom-step)\n",
         wall / (nsteps * s->natoms) / (md_wall * 1e-6));
  printf("  G(200 K, 0 GPa)   %.6f ± %.6f eV/atom (%s)\n", r->gibbs_energy_per_atom_ev,
         r->gibbs_energy_per_atom_stderr_ev, r->status);
  printf("  crystal check     symmetry error %.4f Å RMS, bound %.4f Å; NPT point: %s\n",
         r->symmetry_deviation_a, r->symmetry_bound_a,
         r->points && r->points[0].crystal_check[0] ? r->points[0].crystal_check : "?");
  if (r->message[0]) printf("  %s\n", r->message);
  if (r->points && strcmp(r->points[0].crystal_check, "ok") && r->points[0].reason[0])
    printf("  NPT point: %s\n", r->points[0].reason);
  double prod = study_steps(10000, 10);
  printf("  defaults (10 windows of 10,000 steps, %.0f steps): %.0f min wall at this speed\n",
         prod, wall / nsteps * prod / 60.0);
  nacre_fe_study_free(study);
  char cmd[256];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd)) printf("  (could not remove %s)\n", dir);
  nacre_structure_free(s);
  nacre_potential_free(pot);
  return 0;
}
