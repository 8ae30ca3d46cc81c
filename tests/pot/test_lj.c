/* test_lj.c — Lennard-Jones: forces and stress against finite differences
 * on a distorted triclinic cell, a cell smaller than the cutoff and a
 * cluster; invariances; the same result on 1 and 2 threads; the analytic
 * dimer energy and the shift; the tail correction: its energy against the
 * formula, its stress against finite strains, its pressure against the
 * usual virial tail, and the fcc lattice energy of the shifted potential
 * with tail against the full lattice sum. */
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

  /* tail correction: E_tail = (N²/V)(8π/3)εσ³[(σ/rc)^9/3 − (σ/rc)^3]
   * (unshifted), plus (N²/V)(2π/3) rc³ V(rc) when shifted */
  {
    const double e0 = 0.0104, s0 = 3.4, rc = 8.5;
    nacre_potential *plain = NULL, *tail = NULL, *stail = NULL;
    CHECK_OK(nacre_potential_load("lj:epsilon=0.0104,sigma=3.4,cutoff=8.5", &plain, &err), &err);
    CHECK_OK(nacre_lj_new_tail(e0, s0, rc, 0, 1, &tail, &err), &err);
    CHECK_OK(nacre_potential_load("lj:epsilon=0.0104,sigma=3.4,cutoff=8.5,shift=1,tail=1", &stail, &err), &err);
    nacre_structure *c = build_bulk("fcc", 18, 5.4, n2);
    build_rattle(c, 0.1, 4);
    /* the inline tail=1 is the shifted potential with the tail; shift=0
     * with it is refused (its pressure would miss the impulsive forces) */
    nacre_potential *itail = NULL, *bad_tail = NULL;
    CHECK_OK(nacre_potential_load("lj:epsilon=0.0104,sigma=3.4,cutoff=8.5,tail=1", &itail, &err), &err);
    CHECK_CLOSE(potcheck_energy(itail, c), potcheck_energy(stail, c), 1e-14,
                "lj:...,tail=1 equals shift=1,tail=1 (eV/atom)");
    CHECK(nacre_potential_load("lj:epsilon=0.0104,sigma=3.4,cutoff=8.5,shift=0,tail=1", &bad_tail,
                               &err) == NACRE_ERR_INVALID &&
              strstr(err.message, "shift"),
          "shift=0,tail=1 refused naming the shift: %s", err.message);
    nacre_potential_free(itail);
    double x3 = pow(s0 / rc, 3), v = nacre_structure_volume(c), n = c->natoms;
    double et = n * n / v * 8 * NACRE_PI / 3 * e0 * pow(s0, 3) * (x3 * x3 * x3 / 3 - x3);
    CHECK_CLOSE((potcheck_energy(tail, c) - potcheck_energy(plain, c)) * n, et, 1e-12,
                "tail energy (N²/V)(8π/3)εσ³[(σ/rc)^9/3 − (σ/rc)^3], eV");
    serr = potcheck_stress_fd(tail, c, 1e-6);
    CHECK(serr < 1e-8, "stress with tail vs finite strain: %g eV/Å^3", serr);
    serr = potcheck_stress_fd(stail, c, 1e-6);
    CHECK(serr < 1e-8, "stress with shift and tail vs finite strain: %g eV/Å^3", serr);
    ferr = potcheck_force_fd(stail, c, 1e-5, &fmax);
    CHECK(ferr < 1e-7, "forces with tail vs finite differences: %g eV/Å", ferr);
    /* with the shift, the pressure it adds is the virial tail
     * (16π/3)ρ²εσ³[(2/3)(σ/rc)^9 − (σ/rc)^3] */
    nacre_calc *ca = nacre_calc_new(stail, -1, &err), *cb = nacre_calc_new(lj, -1, &err);
    nacre_result ra, rb;
    nacre_result_init(&ra, c->natoms, &err);
    nacre_result_init(&rb, c->natoms, &err);
    CHECK_OK(nacre_calc_compute(ca, c, NACRE_WANT_ALL, &ra, &err), &err);
    CHECK_OK(nacre_calc_compute(cb, c, NACRE_WANT_ALL, &rb, &err), &err);
    double rho = n / v;
    double ptail = 16 * NACRE_PI / 3 * rho * rho * e0 * pow(s0, 3) * (2.0 / 3 * x3 * x3 * x3 - x3);
    double dp = -(ra.stress[0] + ra.stress[1] + ra.stress[2] - rb.stress[0] - rb.stress[1] - rb.stress[2]) / 3;
    CHECK_CLOSE(dp, ptail, 1e-15, "pressure of shift + tail = virial tail, eV/Å^3");
    nacre_result_free(&ra);
    nacre_result_free(&rb);
    nacre_calc_free(ca);
    nacre_calc_free(cb);
    nacre_structure_free(c);
    /* fcc at ρσ³ = 1: the full lattice sum is u = ρ²(−14.45392 + 6.06594 ρ²)
     * ε per atom (A6 = 14.45392, A12 = 12.13188, the fcc lattice sums);
     * shifted at 4σ with the tail it is within the uniform-density error
     * of the shells beyond 4σ */
    nacre_potential *full = NULL;
    CHECK_OK(nacre_potential_load("lj:epsilon=1,sigma=1,cutoff=4,shift=1,tail=1", &full, &err), &err);
    nacre_structure *f = build_bulk("fcc", 18, cbrt(4.0), n1);
    double u = potcheck_energy(full, f), uexact = -14.45392093 + 6.065940096;
    CHECK_CLOSE(u, uexact, 2e-3, "fcc lattice energy, shift + tail at 4σ vs the full sum, ε/atom");
    nacre_potential *cut = NULL;
    CHECK_OK(nacre_potential_load("lj:epsilon=1,sigma=1,cutoff=4", &cut, &err), &err);
    CHECK(fabs(potcheck_energy(cut, f) - uexact) > 5 * fabs(u - uexact),
          "the tail brings the cut lattice energy (%.5f) closer to the full sum (%.5f)",
          potcheck_energy(cut, f), uexact);
    f->pbc[0] = 0;
    nacre_calc *cc = nacre_calc_new(full, -1, &err);
    nacre_result rr;
    nacre_result_init(&rr, f->natoms, &err);
    CHECK(nacre_calc_compute(cc, f, NACRE_WANT_ENERGY, &rr, &err) == NACRE_ERR_INVALID &&
              strstr(err.message, "periodic"),
          "tail correction refused for a cell that is not periodic: %s", err.message);
    nacre_result_free(&rr);
    nacre_calc_free(cc);
    nacre_structure_free(f);
    nacre_potential_free(full);
    nacre_potential_free(cut);
    nacre_potential_free(plain);
    nacre_potential_free(tail);
    nacre_potential_free(stail);
  }

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
