/* bench_phonon.c — the cost of finite-displacement phonons, one thread:
 *
 *  na128      bcc Na (conventional cell, a = 4.23 Å) in a 4×4×4 supercell
 *             (128 atoms) with nn_Na_d3_v0: the symmetry-irreducible
 *             displacements, the force constants, the band path, the
 *             default mesh with its DOS and thermodynamics.
 *  lowsym200  a 200-atom cell without symmetry (bcc Na 5×5×4, every atom
 *             moved by a seeded 0.05 Å Gaussian: P1) as its own supercell
 *             (21 × 21 × 17 Å), nn_Na_d3_v0: 200 atoms × 3 directions × ±
 *             = 1,200 displaced supercells, the force constants, the
 *             default mesh and thermodynamics (no band path: 600 bands).
 *
 * For each: the number of displaced supercells, CPU seconds per supercell
 * (energy and forces of the displaced supercell) beside the CPU seconds of
 * one bare energy-and-forces evaluation of the undisplaced supercell
 * measured in the same run (their ratio is the overhead of the phonon
 * machinery around the potential), CPU and wall time of the
 * force constants from the forces, of the mesh, and in total; the memory the
 * library states for the force constants and forces
 * (nacre_phonon_memory_bytes) and the process's peak resident memory. CPU
 * times of one thread are what compare across runs on a shared machine; the
 * load average is printed with them.
 *
 *   bench_phonon [na128|lowsym200|all]     (default all) */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_util.h"
#include "nacre/phonon.h"
#include "nacre/pot.h"
#include "nacre/sym.h"

static void print_load(void) {
  double l[3] = {0, 0, 0};
  if (getloadavg(l, 3) == 3) printf("(load average %.1f %.1f %.1f)\n", l[0], l[1], l[2]);
}

static const char *na_model(void) {
  static char path[512];
  snprintf(path, sizeof path, "%s/maise/models/nn_Na_d3_v0", NACRE_SHARED_DATA);
  return access(path, R_OK) == 0 ? path : NULL;
}

/* n1 × n2 × n3 conventional bcc cells of Na, a in Å. */
static nacre_structure *bcc_na(double a, int n1, int n2, int n3) {
  nacre_structure *s = nacre_structure_new(2 * n1 * n2 * n3, NULL);
  if (!s) return NULL;
  int i = 0;
  for (int c = 0; c < n3; c++)
    for (int b = 0; b < n2; b++)
      for (int x = 0; x < n1; x++)
        for (int k = 0; k < 2; k++, i++) {
          s->numbers[i] = 11;
          s->positions[3 * i] = (x + 0.5 * k) * a;
          s->positions[3 * i + 1] = (b + 0.5 * k) * a;
          s->positions[3 * i + 2] = (c + 0.5 * k) * a;
        }
  s->cell[0][0] = n1 * a, s->cell[1][1] = n2 * a, s->cell[2][2] = n3 * a;
  return s;
}

typedef struct {
  double cpu, wall;
} stopwatch;

static stopwatch start(void) { return (stopwatch){bench_cpu_now(), bench_now()}; }

static stopwatch lap(stopwatch t0) {
  return (stopwatch){bench_cpu_now() - t0.cpu, bench_now() - t0.wall};
}

/* CPU seconds of one energy-and-forces evaluation of s with a fresh
 * calculator (the neighbour list built once, then at least 3 evaluations and
 * 0.5 CPU s), the baseline a displaced supercell is compared with. */
static double one_evaluation_cpu_s(const nacre_potential *pot, const nacre_structure *s,
                                   nacre_error *err) {
  nacre_calc *c = nacre_calc_new(pot, -1.0, err);
  nacre_result r;
  if (!c || nacre_result_init(&r, s->natoms, err)) {
    nacre_calc_free(c);
    return NAN;
  }
  const unsigned want = NACRE_WANT_ENERGY | NACRE_WANT_FORCES;
  double cpu = NAN;
  if (!nacre_calc_compute(c, s, want, &r, err)) {
    int reps = 0;
    double c0 = bench_cpu_now();
    while (reps < 3 || bench_cpu_now() - c0 < 0.5) {
      if (nacre_calc_compute(c, s, want, &r, err)) break;
      reps++;
    }
    if (reps >= 3) cpu = (bench_cpu_now() - c0) / reps;
  }
  nacre_result_free(&r);
  nacre_calc_free(c);
  return cpu;
}

/* One phonon calculation of unit in the supercell m; the band path when
 * path is not NULL. */
static int run_case(const char *title, const nacre_structure *unit, int m[3][3], const char *path) {
  printf("%s, nn_Na_d3_v0, 1 thread ", title);
  print_load();
  const char *model = na_model();
  nacre_potential *pot = NULL;
  nacre_error err;
  if (!model || nacre_potential_load(model, &pot, &err)) {
    printf("  skipped: ../shared/data/maise/models/nn_Na_d3_v0 absent\n");
    return 0;
  }
  nacre_calc *calc = nacre_calc_new(pot, -1.0, &err);
  nacre_phonon_options o;
  nacre_phonon_options_init(&o);
  memcpy(o.supercell, m, sizeof o.supercell);
  nacre_phonon *ph = NULL;
  nacre_phonon_mesh *mesh = NULL;
  nacre_band_path *bp = NULL;
  nacre_phonon_bands *bands = NULL;
  nacre_phonon_dos *dos = NULL;
  int rc = -1;
  stopwatch all = start();
  if (!calc || nacre_phonon_new(unit, NULL, &o, &ph, &err)) goto out;
  int nsuper = nacre_phonon_supercell(ph)->natoms;
  int ndisp = nacre_phonon_ndisplacements(ph);
  int nops = nacre_phonon_noperations(ph);
  printf("  %d atoms in the unit cell, %d in the supercell, space group %s (%d operation%s "
         "kept), %d displaced supercell%s (+1 undisplaced)\n",
         nacre_phonon_natoms(ph), nsuper, nacre_phonon_space_group(ph), nops, nops == 1 ? "" : "s",
         ndisp, ndisp == 1 ? "" : "s");
  stopwatch t = start();
  if (nacre_phonon_compute_forces(ph, calc, NULL, NULL, NULL, &err)) goto out;
  stopwatch forces = lap(t);
  t = start();
  if (nacre_phonon_produce_force_constants(ph, &err)) goto out;
  stopwatch fc = lap(t);
  double per_super = forces.cpu / (ndisp + 1);
  double one = one_evaluation_cpu_s(pot, nacre_phonon_supercell(ph), &err);
  printf("  forces: %.4g CPU s per supercell (%.3g CPU µs/atom), %.3g CPU s / %.3g wall s "
         "for all %d\n",
         per_super, 1e6 * per_super / nsuper, forces.cpu, forces.wall, ndisp + 1);
  printf("  one bare evaluation of the supercell (same run): %.4g CPU s; per supercell / one "
         "evaluation = %.2f\n",
         one, per_super / one);
  printf("  force constants from the forces: %.3g CPU s / %.3g wall s (sum-rule violation "
         "before the correction %.2g eV/Å²)\n",
         fc.cpu, fc.wall, nacre_phonon_sum_rule_violation(ph));
  if (path) {
    t = start();
    if (nacre_band_path_new(unit, NACRE_SYMPREC_DEFAULT, path, &bp, &err) ||
        nacre_phonon_bands_run(ph, bp, 51, 0, NULL, &bands, &err))
      goto out;
    stopwatch tb = lap(t);
    printf("  band path %s, %d q-points: %.3g CPU s / %.3g wall s\n", bp->standard_path,
           bands->nq, tb.cpu, tb.wall);
  }
  int grid[3];
  nacre_phonon_mesh_for_density(unit->cell, 40, grid);
  t = start();
  if (nacre_phonon_mesh_run(ph, grid, 1, NULL, &mesh, &err)) goto out;
  double lo = 0, hi = 0;
  for (size_t k = 0; k < (size_t)mesh->nq * mesh->nbands; k++)
    lo = fmin(lo, mesh->freq_thz[k]), hi = fmax(hi, mesh->freq_thz[k]);
  if (nacre_phonon_dos_run(mesh, NACRE_DOS_TETRAHEDRON, 0.1, lo - 0.1, hi + 0.1,
                           (hi - lo) / 200 + 1e-3, &dos, &err))
    goto out;
  nacre_phonon_thermo th;
  for (int k = 0; k <= 100; k++) nacre_phonon_thermo_at(mesh, 10.0 * k, &th);
  stopwatch tm = lap(t);
  nacre_phonon_thermo_at(mesh, 300, &th);
  printf("  mesh %d×%d×%d (%d irreducible q), tetrahedron DOS, thermodynamics at 101 "
         "temperatures: %.3g CPU s / %.3g wall s; F_vib(300 K) = %.3f meV/atom, highest "
         "%.3f THz\n",
         grid[0], grid[1], grid[2], mesh->nq, tm.cpu, tm.wall,
         1e3 * th.vibrational_free_energy_per_atom_ev, hi);
  stopwatch total = lap(all);
  printf("  total: %.3g CPU s / %.3g wall s; memory stated %.2f MB, peak resident %.1f MB\n",
         total.cpu, total.wall, nacre_phonon_memory_bytes(ph) / 1e6, bench_vm_hwm_kb() / 1e3);
  rc = 0;
out:
  if (rc) printf("  failed: %s\n", err.message);
  nacre_phonon_dos_free(dos);
  nacre_phonon_mesh_free(mesh);
  nacre_phonon_bands_free(bands);
  nacre_band_path_free(bp);
  nacre_phonon_free(ph);
  nacre_calc_free(calc);
  nacre_potential_free(pot);
  return rc;
}

static int na128(void) {
  nacre_structure *s = bcc_na(4.23, 1, 1, 1);
  int m[3][3] = {{4, 0, 0}, {0, 4, 0}, {0, 0, 4}};
  int rc = run_case("Na bcc, 4×4×4 conventional cells (128 atoms)", s, m, "auto");
  nacre_structure_free(s);
  return rc;
}

static int lowsym200(void) {
  nacre_structure *s = bcc_na(4.23, 5, 5, 4);
  nacre_rng rng;
  nacre_rng_init(&rng, 1, 0);
  for (int k = 0; k < 3 * s->natoms; k++) s->positions[k] += 0.05 * nacre_rng_normal(&rng);
  int m[3][3] = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
  int rc = run_case("200-atom P1 cell (bcc Na 5×5×4 rattled by 0.05 Å)", s, m, NULL);
  nacre_structure_free(s);
  return rc;
}

int main(int argc, char **argv) {
  const char *what = argc > 1 ? argv[1] : "all";
  if (strcmp(what, "all") && strcmp(what, "na128") && strcmp(what, "lowsym200")) {
    fprintf(stderr, "usage: bench_phonon [na128|lowsym200|all]\n");
    return 2;
  }
  omp_set_num_threads(1);
  int rc = 0;
  if (!strcmp(what, "all") || !strcmp(what, "na128")) rc |= na128();
  if (!strcmp(what, "all") || !strcmp(what, "lowsym200")) rc |= lowsym200();
  return rc ? 1 : 0;
}
