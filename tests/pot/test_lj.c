/* test_lj.c — Lennard-Jones: forces and stress against finite differences
 * on a distorted triclinic cell, a cell smaller than the cutoff and a
 * cluster; invariances; the same result on 1 and 2 threads; the analytic
 * dimer energy and the shift. */
#include <string.h>

#include "builders.h"
#include "potcheck.h"
#include "testing.h"

int main(void) {
  nacre_error err;
  nacre_potential *lj = NULL;
  CHECK_OK(nacre_potential_load("lj:epsilon=0.0104,sigma=3.4,cutoff=8.5,shift=1", &lj, &err), &err);
  if (!lj) TEST_DONE();

  /* dimer: V(r) = 4ε[(σ/r)^12 − (σ/r)^6] − V(rc) */
  nacre_structure *d = nacre_structure_new(2, NULL);
  d->numbers[0] = d->numbers[1] = 18;
  d->pbc[0] = d->pbc[1] = d->pbc[2] = 0;
  d->positions[3] = 3.8;
  double sr = 3.4 / 3.8, src = 3.4 / 8.5;
  double v = 4 * 0.0104 * (pow(sr, 12) - pow(sr, 6)) -
             4 * 0.0104 * (pow(src, 12) - pow(src, 6));
  CHECK_CLOSE(potcheck_energy(lj, d) * 2, v, 1e-14, "shifted LJ dimer energy");
  nacre_structure_free(d);

  int n1[3] = {1, 1, 1}, n2[3] = {2, 2, 2};
  nacre_structure *fcc = build_bulk("fcc", 18, 5.3, n2);
  build_rattle(fcc, 0.1, 1);
  double eps[6] = {0.03, -0.02, 0.01, 0.02, -0.01, 0.015};
  build_strain(fcc, eps);
  double fmax;
  double ferr = potcheck_force_fd(lj, fcc, 1e-5, &fmax);
  /* central differences: error ~ h² E''' ≈ 1e-10 eV/Å at h = 1e-5 Å */
  CHECK(ferr < 1e-7, "forces vs finite differences (triclinic fcc): %g eV/Å", ferr);
  double serr = potcheck_stress_fd(lj, fcc, 1e-6);
  CHECK(serr < 1e-8, "stress vs finite strain (triclinic fcc): %g eV/Å^3", serr);
  double inv = potcheck_invariance(lj, fcc, 3);
  CHECK(inv < 1e-12, "invariance (translation, rotation, permutation, supercells): %g eV/atom", inv);
  /* per-atom sums added serially in atom order: the same bits on any number
   * of threads, so the tolerance is exactly zero */
  double dthr = potcheck_thread_difference(lj, fcc, 1, 2);
  CHECK(dthr == 0.0, "energy, forces, stress identical on 1 and 2 threads: %g", dthr);
  nacre_structure_free(fcc);

  /* one-atom cell far smaller than the 8.5 Å cutoff */
  nacre_structure *small = build_bulk("sc", 18, 3.5, n1);
  double eps2[6] = {0.05, 0.0, -0.03, 0.04, 0.02, -0.03};
  build_strain(small, eps2);
  serr = potcheck_stress_fd(lj, small, 1e-6);
  CHECK(serr < 1e-8, "stress vs finite strain (1-atom cell): %g eV/Å^3", serr);
  nacre_structure_free(small);

  /* cluster */
  nacre_structure *cl = build_bulk("fcc", 18, 5.3, n1);
  cl->pbc[0] = cl->pbc[1] = cl->pbc[2] = 0;
  build_rattle(cl, 0.2, 9);
  ferr = potcheck_force_fd(lj, cl, 1e-5, &fmax);
  CHECK(ferr < 1e-7, "forces vs finite differences (cluster): %g eV/Å", ferr);
  nacre_structure_free(cl);

  nacre_potential *bad = NULL;
  CHECK(nacre_potential_load("lj:epsilon=1,sigma=-1,cutoff=3", &bad, &err) == NACRE_ERR_INVALID,
        "negative sigma refused");
  CHECK(nacre_potential_load("lj:epsilon=1,sigma=1", &bad, &err) == NACRE_ERR_INVALID &&
            strstr(err.message, "cutoff"),
        "missing cutoff named: %s", err.message);
  CHECK(nacre_potential_load("lj:epsilon=1,sigma=1,cutoff=3,foo=2", &bad, &err) == NACRE_ERR_INVALID &&
            strstr(err.message, "foo"),
        "unknown key named: %s", err.message);
  nacre_potential_free(lj);
  TEST_DONE();
}
