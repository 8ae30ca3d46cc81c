/* test_arrays.c — nacre_calc_compute_arrays (the entry point of bindings):
 * on a rattled, strained periodic cell it gives exactly what
 * nacre_calc_compute gives (same code path: equal to the last bit); NULL
 * outputs are skipped; a cluster with an all-zero cell and no periodic
 * direction gives the energy and forces of the same cluster alone in a
 * large periodic box (to 1e-12); for a committee the per-atom force
 * deviations and the extras equal nacre_result's committee fields; stress of
 * a non-periodic structure, a negative atom count and an unknown element are
 * refused with a message. */
#include <string.h>
#include <unistd.h>

#include "builders.h"
#include "nacre/pot.h"
#include "testing.h"

int main(void) {
  nacre_error err;
  nacre_error_clear(&err);
  nacre_potential *pot = NULL;
  CHECK_OK(nacre_potential_load("lj:epsilon=0.2047,sigma=2.330,cutoff=6.0",
                                &pot, &err), &err);
  nacre_calc *calc = nacre_calc_new(pot, -1.0, &err);
  CHECK(calc != NULL, "calculator: %s", err.message);

  const int n3[3] = {2, 2, 2};
  nacre_structure *s = build_bulk("fcc", 29, 3.61, n3);
  build_rattle(s, 0.1, 11);
  const double eps[6] = {0.01, -0.02, 0.005, 0.01, 0.0, -0.01};
  build_strain(s, eps);
  int n = s->natoms;

  nacre_result r;
  CHECK_OK(nacre_result_init(&r, n, &err), &err);
  CHECK_OK(nacre_calc_compute(calc, s, NACRE_WANT_ALL | NACRE_WANT_ATOM_ENERGIES,
                              &r, &err), &err);
  double energy = 0.0, stress[6], *forces = calloc(3 * (size_t)n, sizeof(double));
  double *atom = calloc((size_t)n, sizeof(double));
  CHECK_OK(nacre_calc_compute_arrays(calc, n, &s->cell[0][0], s->pbc, s->numbers,
                                     s->positions, &energy, forces, stress, atom,
                                     NULL, NULL, &err), &err);
  CHECK(energy == r.energy, "energy %.17g vs %.17g", energy, r.energy);
  CHECK(memcmp(forces, r.forces, 3 * (size_t)n * sizeof(double)) == 0,
        "forces differ from nacre_calc_compute");
  CHECK(memcmp(stress, r.stress, sizeof stress) == 0,
        "stress differs from nacre_calc_compute");
  CHECK(memcmp(atom, r.atom_energies, (size_t)n * sizeof(double)) == 0,
        "atom energies differ from nacre_calc_compute");
  double e_only = 0.0;
  CHECK_OK(nacre_calc_compute_arrays(calc, n, &s->cell[0][0], s->pbc, s->numbers,
                                     s->positions, &e_only, NULL, NULL, NULL, NULL,
                                     NULL, &err),
           &err);
  CHECK(e_only == r.energy, "energy alone %.17g vs %.17g", e_only, r.energy);

  /* A cluster: the first 12 atoms, no cell, against a 40 Å box. */
  int nc = 12;
  double zero[9] = {0}, box[9] = {40, 0, 0, 0, 40, 0, 0, 0, 40};
  int none[3] = {0, 0, 0}, all[3] = {1, 1, 1};
  double *shifted = malloc(3 * (size_t)nc * sizeof(double));
  for (int k = 0; k < 3 * nc; k++) shifted[k] = s->positions[k] + 12.0;
  double e_free, e_box, *f_free = calloc(3 * (size_t)nc, sizeof(double)),
                        *f_box = calloc(3 * (size_t)nc, sizeof(double));
  CHECK_OK(nacre_calc_compute_arrays(calc, nc, zero, none, s->numbers, s->positions,
                                     &e_free, f_free, NULL, NULL, NULL, NULL, &err),
           &err);
  CHECK_OK(nacre_calc_compute_arrays(calc, nc, box, all, s->numbers, shifted,
                                     &e_box, f_box, NULL, NULL, NULL, NULL, &err),
           &err);
  CHECK_CLOSE(e_free, e_box, 1e-12, "cluster energy, no cell vs 40 Å box");
  double df = 0.0;
  for (int k = 0; k < 3 * nc; k++) df = fmax(df, fabs(f_free[k] - f_box[k]));
  CHECK(df < 1e-12, "cluster forces differ by %.3g eV/Å", df);

  nacre_status st = nacre_calc_compute_arrays(calc, nc, zero, none, s->numbers,
                                              s->positions, &e_free, NULL, stress,
                                              NULL, NULL, NULL, &err);
  CHECK(st == NACRE_ERR_INVALID && strstr(err.message, "periodic"),
        "stress of a cluster: %s", err.message);
  st = nacre_calc_compute_arrays(calc, -1, box, all, s->numbers, s->positions,
                                 &e_free, NULL, NULL, NULL, NULL, NULL, &err);
  CHECK(st == NACRE_ERR_INVALID, "negative atom count accepted");
  int bad[2] = {29, 0};
  double two[6] = {0, 0, 0, 2.5, 0, 0};
  st = nacre_calc_compute_arrays(calc, 2, box, all, bad, two, &e_free, NULL, NULL,
                                 NULL, NULL, NULL, &err);
  CHECK(st != NACRE_OK, "atomic number 0 accepted");

  /* A committee of two Lennard-Jones potentials (a committee file). */
  char tmp[] = "/tmp/nacre_arrays_XXXXXX";
  int fd = mkstemp(tmp);
  if (fd >= 0) close(fd);
  const char *members[2] = {"lj:epsilon=0.2047,sigma=2.330,cutoff=6.0",
                            "lj:epsilon=0.2200,sigma=2.300,cutoff=6.0"};
  CHECK_OK(nacre_committee_write_specs(tmp, members, 2, &err), &err);
  nacre_potential *com = NULL;
  CHECK_OK(nacre_potential_load(tmp, &com, &err), &err);
  remove(tmp);
  if (com) {
    nacre_calc *cc = nacre_calc_new(com, -1.0, &err);
    nacre_result rc;
    CHECK_OK(nacre_result_init(&rc, n, &err), &err);
    CHECK_OK(nacre_calc_compute(cc, s, NACRE_WANT_ALL, &rc, &err), &err);
    double *dev = calloc((size_t)n, sizeof(double));
    nacre_result_extras x;
    CHECK_OK(nacre_calc_compute_arrays(cc, n, &s->cell[0][0], s->pbc, s->numbers,
                                       s->positions, &energy, forces, NULL, NULL,
                                       dev, &x, &err), &err);
    CHECK(x.committee_size == 2, "committee size %d", x.committee_size);
    CHECK(x.committee_force_dev_max == rc.committee_force_dev_max &&
              rc.committee_force_dev_max > 0.0,
          "force deviation %.17g vs %.17g", x.committee_force_dev_max,
          rc.committee_force_dev_max);
    CHECK(x.committee_energy_dev_per_atom == rc.committee_energy_dev_per_atom,
          "energy deviation %.17g vs %.17g", x.committee_energy_dev_per_atom,
          rc.committee_energy_dev_per_atom);
    CHECK(memcmp(dev, rc.atom_force_dev, (size_t)n * sizeof(double)) == 0,
          "per-atom force deviations differ");
    CHECK(!x.domain_known, "a Lennard-Jones committee claims a training domain");
    free(dev);
    nacre_result_free(&rc);
    nacre_calc_free(cc);
    nacre_potential_free(com);
  }

  free(forces);
  free(atom);
  free(shifted);
  free(f_free);
  free(f_box);
  nacre_result_free(&r);
  nacre_structure_free(s);
  nacre_calc_free(calc);
  nacre_potential_free(pot);
  TEST_DONE();
}
