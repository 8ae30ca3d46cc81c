/* bench_relax.c — relaxation efficiency.
 *
 * 1. The MAISE comparison of ../shared/data/maise/relax-bench: 16 Na atoms
 *    from a strained, displaced bcc start, model nn_Na_d3_v0, at 0 and 50
 *    GPa. MAISE (BFGS, |ΔH| < 1e-8 eV) needed 162 force + 220 energy calls
 *    (0 GPa) and 288 + 360 (50 GPa) for H = −20.97018597 eV and 73.30824112
 *    eV, 8.8 s and 76.7 s CPU on one thread (relax-bench/README.md).
 * 2. Steps and force calls over 100 random structures, the kind a search
 *    produces (random cell and positions with a minimum distance), with the
 *    Na model and with an EAM (Cu, Foiles–Baskes–Daw u3 from LAMMPS' data).
 *
 * Usage: bench_relax [--high-pressure] [EAM_FILE] (default
 * /usr/share/lammps/potentials/Cu_u3.eam from the Debian package
 * lammps-data); --high-pressure adds 100 random Na cells at 50 GPa (minutes). Prints "skipped" for
 * the parts whose potential or data cannot be loaded. Timings depend on the
 * machine and its load; OMP_NUM_THREADS=1 compares with MAISE's one thread
 * (CPU time is printed next to the wall time; ms/call is CPU per force call).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nacre/io.h"
#include "nacre/opt.h"
#include "nacre/pot.h"

#include "bench_util.h"

static void maise_case(const nacre_potential *pot, const char *poscar,
                       double p_gpa, double h_maise, long fc_maise,
                       long ec_maise, double cpu_maise) {
  static const struct {
    const char *name;
    nacre_relax_method method;
    double fmax, smax;
  } runs[] = {{"L-BFGS", NACRE_RELAX_LBFGS, 1e-3, 1e-3},
              {"L-BFGS", NACRE_RELAX_LBFGS, 1e-2, 1e-2},
              {"FIRE", NACRE_RELAX_FIRE, 1e-3, 1e-3}};
  printf("\n%s at %g GPa — MAISE: H %.8f eV (%.8f eV/atom), %ld force + %ld "
         "energy calls, %.1f s\n",
         poscar, p_gpa, h_maise, h_maise / 16, fc_maise, ec_maise, cpu_maise);
  printf("  %-7s %8s %8s %6s %6s %6s %15s %12s %9s %8s %9s\n", "method", "fmax",
         "smax", "steps", "force", "energy", "H (eV)", "ΔH/atom", "wall (s)",
         "CPU (s)", "ms/call");
  for (size_t k = 0; k < sizeof runs / sizeof runs[0]; k++) {
    nacre_error err;
    nacre_structure *s = NULL;
    if (nacre_read_structure(poscar, &s, &err)) {
      printf("  skipped: %s\n", err.message);
      return;
    }
    nacre_calc *c = nacre_calc_new(pot, -1.0, &err);
    nacre_relax_options o;
    nacre_relax_options_init(&o);
    o.method = runs[k].method;
    o.pressure_gpa = p_gpa;
    o.fmax = runs[k].fmax;
    o.smax_gpa = runs[k].smax;
    o.max_steps = 2000;
    nacre_relax_result r;
    double t0 = bench_now();
    double c0 = bench_cpu_now();
    nacre_status st = c ? nacre_relax(c, s, &o, NULL, &r, &err) : NACRE_ERR_NOMEM;
    double wall = bench_now() - t0, cpu = bench_cpu_now() - c0;
    if (st)
      printf("  %-7s failed: %s\n", runs[k].name, err.message);
    else
      printf("  %-7s %8.0e %8.0e %6d %6ld %6ld %15.8f %+12.2e %9.3f %8.3f %9.1f  %s\n",
             runs[k].name, o.fmax, o.smax_gpa, r.steps, r.force_calls,
             r.energy_calls, r.enthalpy, (r.enthalpy - h_maise) / s->natoms,
             wall, cpu, 1e3 * cpu / (double)r.force_calls,
             nacre_relax_outcome_name(r.outcome));
    nacre_calc_free(c);
    nacre_structure_free(s);
  }
}

/* A random P1 crystal: lengths within ±30 %, angles 60..120°, volume per
 * atom v0 · U(0.8, 1.2), positions uniform with pairwise distance ≥ dmin. */
static nacre_structure *random_crystal(int natoms, int z, double v0,
                                       double dmin, nacre_rng *rng) {
  nacre_structure *s = nacre_structure_new(natoms, NULL);
  if (!s) return NULL;
  for (int attempt = 0; attempt < 1000; attempt++) {
    double abc[3], ang[3];
    for (int k = 0; k < 3; k++) {
      abc[k] = 0.7 + 0.6 * nacre_rng_uniform(rng);
      ang[k] = 60.0 + 60.0 * nacre_rng_uniform(rng);
    }
    if (nacre_cell_from_lengths_angles(abc, ang, s->cell)) continue;
    double v = nacre_cell_volume(s->cell);
    if (!(v > 0.3 * abc[0] * abc[1] * abc[2])) continue; /* too flat */
    double scale = cbrt(natoms * v0 * (0.8 + 0.4 * nacre_rng_uniform(rng)) / v);
    for (int a = 0; a < 3; a++)
      for (int b = 0; b < 3; b++) s->cell[a][b] *= scale;
    int placed = 0;
    for (int tries = 0; tries < 2000 && placed < natoms; tries++) {
      double f[3] = {nacre_rng_uniform(rng), nacre_rng_uniform(rng),
                     nacre_rng_uniform(rng)}, x[3];
      nacre_cell_frac_to_cart(s->cell, f, x);
      int ok = 1;
      for (int j = 0; j < placed && ok; j++) {
        double d[3] = {x[0] - s->positions[3 * j], x[1] - s->positions[3 * j + 1],
                       x[2] - s->positions[3 * j + 2]};
        nacre_cell_minimum_image(s->cell, s->pbc, d);
        ok = d[0] * d[0] + d[1] * d[1] + d[2] * d[2] >= dmin * dmin;
      }
      if (!ok) continue;
      memcpy(&s->positions[3 * placed], x, sizeof x);
      s->numbers[placed++] = z;
    }
    if (placed == natoms) return s;
  }
  nacre_structure_free(s);
  return NULL;
}

static int cmp_int(const void *a, const void *b) {
  return *(const int *)a - *(const int *)b;
}

static void random_set(const char *label, const nacre_potential *pot, int z,
                       double v0, double dmin, double p_gpa, int natoms) {
  enum { NSTRUCT = 100 };
  int steps[NSTRUCT], calls[NSTRUCT], outcomes[8] = {0}, n = 0;
  double total_wall = 0.0, total_cpu = 0.0;
  nacre_rng rng;
  nacre_rng_init(&rng, 2024, 7);
  nacre_error err;
  nacre_calc *c = nacre_calc_new(pot, -1.0, &err);
  if (!c) {
    printf("%s: skipped: %s\n", label, err.message);
    return;
  }
  for (int k = 0; k < NSTRUCT; k++) {
    nacre_structure *s = random_crystal(natoms, z, v0, dmin, &rng);
    if (!s) continue;
    nacre_relax_options o;
    nacre_relax_options_init(&o);
    o.pressure_gpa = p_gpa;
    o.max_steps = 1000;
    nacre_relax_result r;
    double t0 = bench_now();
    double c0 = bench_cpu_now();
    nacre_status st = nacre_relax(c, s, &o, NULL, &r, &err);
    total_wall += bench_now() - t0;
    total_cpu += bench_cpu_now() - c0;
    if (!st) {
      outcomes[r.outcome]++;
      steps[n] = r.steps;
      calls[n] = (int)r.force_calls;
      n++;
    }
    nacre_structure_free(s);
  }
  nacre_calc_free(c);
  if (n == 0) return;
  long ssum = 0, csum = 0;
  for (int k = 0; k < n; k++) {
    ssum += steps[k];
    csum += calls[k];
  }
  qsort(steps, (size_t)n, sizeof(int), cmp_int);
  qsort(calls, (size_t)n, sizeof(int), cmp_int);
  printf("\n%s: %d random %d-atom cells at %g GPa (fmax 0.01 eV/Å, smax 0.01 "
         "GPa, L-BFGS)\n",
         label, n, natoms, p_gpa);
  printf("  steps: mean %.1f, median %d, 90th percentile %d, max %d\n",
         (double)ssum / n, steps[n / 2], steps[(9 * n) / 10], steps[n - 1]);
  printf("  force calls: mean %.1f, median %d, max %d; energy-only calls 0\n",
         (double)csum / n, calls[n / 2], calls[n - 1]);
  printf("  outcomes:");
  for (int o = 0; o < 8; o++)
    if (outcomes[o]) printf(" %s %d;", nacre_relax_outcome_name((nacre_relax_outcome)o), outcomes[o]);
  printf("\n  wall %.2f s in all (%.3f s per structure), CPU %.2f s\n", total_wall,
         total_wall / n, total_cpu);
}

int main(int argc, char **argv) {
  int high_pressure = argc > 1 && !strcmp(argv[1], "--high-pressure");
  if (high_pressure) {
    argc--;
    argv++;
  }
  const char *data = NACRE_SHARED_DATA "/maise";
  char path[1024], model[1024];
  nacre_error err;
  snprintf(model, sizeof model, "%s/models/nn_Na_d3_v0", data);
  nacre_potential *na = NULL;
  if (nacre_potential_load(model, &na, &err)) {
    printf("MAISE comparison: skipped (%s)\n", err.message);
  } else {
    snprintf(path, sizeof path, "%s/relax-bench/Na16_p0.POSCAR", data);
    maise_case(na, path, 0.0, -20.97018597, 162, 220, 8.8);
    snprintf(path, sizeof path, "%s/relax-bench/Na16_p50.POSCAR", data);
    maise_case(na, path, 50.0, 73.30824112, 288, 360, 76.7);
    /* Na: 37 Å^3/atom at 0 GPa, closest pairs ~3.0 Å after relaxation */
    random_set("Na (nn_Na_d3_v0)", na, 11, 37.0, 2.6, 0.0, 8);
    if (high_pressure) random_set("Na (nn_Na_d3_v0)", na, 11, 14.0, 2.1, 50.0, 8);
    nacre_potential_free(na);
  }
  const char *eam = argc > 1 ? argv[1] : "/usr/share/lammps/potentials/Cu_u3.eam";
  nacre_potential *cu = NULL;
  if (nacre_potential_load(eam, &cu, &err)) {
    printf("\nEAM random set: skipped (%s)\n", err.message);
  } else {
    /* Cu: 11.8 Å^3/atom, nearest neighbours 2.55 Å */
    random_set("Cu (EAM u3)", cu, 29, 11.8, 2.0, 0.0, 8);
    nacre_potential_free(cu);
  }
  return 0;
}
