/* test_invariants.c — properties every phonon calculation must have, with
 * Debian's Cu EAM (or a Lennard-Jones stand-in when lammps-data is absent):
 *  - acoustic modes vanish at Γ (≤ 1e-6 THz) after the sum rule, also for
 *    a rattled, symmetry-less cell;
 *  - frequencies do not depend on the atom order or on a rotation of the
 *    whole structure (1e-7 THz), nor on the basis chosen for the same
 *    supercell lattice (4×4×4 given as another integer matrix, 1e-9 THz);
 *  - a conventional cell (4 atoms, 2×2×2) and the primitive cell with the
 *    same supercell given as a non-diagonal matrix: the conventional
 *    frequencies at q are the primitive ones at q, q+G1, q+G2, q+G3. The
 *    two settings displace along different directions ([100] of each
 *    cell), so they differ by the O(u²) anharmonic term of the finite
 *    differences: within 2e-5 THz at u = 0.002 Å, about 25 times less than
 *    at 0.01 Å;
 *  - group velocities equal the central difference of the frequencies
 *    (1e-5 THz·Å);
 *  - thermodynamics: S = −∂F/∂T and C_v = ∂E/∂T by finite differences,
 *    F = E − TS, C_v → 3 k_B, and F − F_classical → Σ(hν)²/24k_BT at high
 *    T (1 %);
 *  - FORCE_CONSTANTS written and read back gives the same frequencies;
 *  - the structure displaced along the unstable mode of bcc Cu at N
 *    lowers the energy by ½ λ Σ m u² (harmonic, within 1 % at 0.004 Å);
 *  - clear errors: an element the potential lacks, a supercell over the
 *    memory limit. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "builders.h"
#include "iotest.h"
#include "nacre/phonon.h"
#include "testing.h"

#define CU_EAM "/usr/share/lammps/potentials/Cu_u3.eam"

static nacre_potential *pot;

static double displacement = 0.01;

static nacre_phonon *phonons(const nacre_structure *s, const int m[3][3], nacre_phonon_pm pm) {
  nacre_error err;
  nacre_phonon_options o;
  nacre_phonon_options_init(&o);
  o.displacement_a = displacement;
  memcpy(o.supercell, m, sizeof o.supercell);
  o.plus_minus = pm;
  nacre_phonon *ph = NULL;
  nacre_calc *calc = nacre_calc_new(pot, -1, &err);
  CHECK_OK(nacre_phonon_new(s, NULL, &o, &ph, &err), &err);
  if (ph) CHECK_OK(nacre_phonon_compute_forces(ph, calc, NULL, NULL, NULL, &err), &err);
  if (ph) CHECK_OK(nacre_phonon_produce_force_constants(ph, &err), &err);
  nacre_calc_free(calc);
  return ph;
}

static void freqs(const nacre_phonon *ph, const double q[3], double *f) {
  nacre_error err;
  CHECK_OK(nacre_phonon_at_q(ph, q, f, NULL, NULL, &err), &err);
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static nacre_structure *fcc_primitive(double a) {
  nacre_structure *s = nacre_structure_new(1, NULL);
  double h = 0.5 * a, c[3][3] = {{0, h, h}, {h, 0, h}, {h, h, 0}};
  memcpy(s->cell, c, sizeof c);
  s->numbers[0] = 29;
  return s;
}

static const int diag4[3][3] = {{4, 0, 0}, {0, 4, 0}, {0, 0, 4}};

/* A rattled two-atom hcp cell: no symmetry but the identity. */
static void check_low_symmetry(void) {
  int n1[3] = {1, 1, 1};
  nacre_structure *s = build_bulk("hcp", 29, 2.556, n1);
  build_rattle(s, 0.03, 7);
  int m[3][3] = {{3, 0, 0}, {0, 3, 0}, {0, 0, 2}};
  nacre_phonon *ph = phonons(s, m, NACRE_PHONON_PM_AUTO);
  if (!ph) goto done;
  CHECK(nacre_phonon_noperations(ph) == 2 && nacre_phonon_ndisplacements(ph) == 6,
        "rattled hcp: %d operations, %d displacements (expected P-1: two identical "
        "atoms keep the inversion through their midpoint; one orbit × 3 directions × ±)",
        nacre_phonon_noperations(ph), nacre_phonon_ndisplacements(ph));
  double g[3] = {0, 0, 0}, f0[6];
  freqs(ph, g, f0);
  double worst = fmax(fmax(fabs(f0[0]), fabs(f0[1])), fabs(f0[2]));
  printf("rattled hcp: acoustic modes at Γ %.1e THz (sum rule violated by %.1e eV/Å² "
         "before)\n",
         worst, nacre_phonon_sum_rule_violation(ph));
  CHECK(worst <= 1e-6, "acoustic modes at Γ: %g THz", worst);

  /* the same atoms in reverse order, and the whole structure rotated */
  nacre_structure *r = nacre_structure_copy(s, NULL);
  for (int c = 0; c < 3; c++) {
    double t = r->positions[c];
    r->positions[c] = r->positions[3 + c];
    r->positions[3 + c] = t;
  }
  double rot[3][3];
  build_random_rotation(rot, 3);
  nacre_structure *t = nacre_structure_copy(s, NULL);
  build_rotate(t, rot);
  nacre_phonon *pr = phonons(r, m, NACRE_PHONON_PM_AUTO);
  nacre_phonon *pt = phonons(t, m, NACRE_PHONON_PM_AUTO);
  double q[3] = {0.17, -0.23, 0.31}, a[6], b[6], c[6], d = 0;
  freqs(ph, q, a);
  if (pr) freqs(pr, q, b);
  if (pt) freqs(pt, q, c);
  for (int k = 0; k < 6; k++) d = fmax(d, fmax(fabs(a[k] - b[k]), fabs(a[k] - c[k])));
  printf("rattled hcp: atom order and rotation change frequencies by %.1e THz\n", d);
  CHECK(pr && pt && d <= 1e-7, "atom order / rotation: %g THz", d);
  nacre_phonon_free(pr);
  nacre_phonon_free(pt);
  nacre_structure_free(r);
  nacre_structure_free(t);
done:
  nacre_phonon_free(ph);
  nacre_structure_free(s);
}

/* Largest difference between the frequencies of the conventional cell at q
 * and the primitive cell's at the four q + G it folds. */
static double conventional_vs_primitive(const nacre_structure *s, double u) {
  int n1[3] = {1, 1, 1};
  nacre_structure *conv = build_bulk("fcc", 29, 3.615, n1);
  int d2[3][3] = {{2, 0, 0}, {0, 2, 0}, {0, 0, 2}};
  int nd[3][3] = {{-2, 2, 2}, {2, -2, 2}, {2, 2, -2}};
  displacement = u;
  nacre_phonon *pc = phonons(conv, d2, NACRE_PHONON_PM_AUTO);
  nacre_phonon *pp = phonons(s, nd, NACRE_PHONON_PM_AUTO);
  displacement = 0.01;
  double worst = INFINITY;
  if (pc && pp) {
    double qc[3] = {0.13, 0.29, -0.41}, fc[12], fp[12];
    freqs(pc, qc, fc);
    /* Cartesian k = qc/a; conventional reciprocal vectors G = (1,0,0),
     * (0,1,0), (0,0,1)/a; primitive q_j = k·a_j */
    static const double shift[4][3] = {{0, 0, 0}, {1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
    for (int g = 0; g < 4; g++) {
      double k[3], qp[3];
      for (int c = 0; c < 3; c++) k[c] = qc[c] + shift[g][c];
      for (int j = 0; j < 3; j++)
        qp[j] = (k[0] * s->cell[j][0] + k[1] * s->cell[j][1] + k[2] * s->cell[j][2]) / 3.615;
      freqs(pp, qp, &fp[3 * g]);
    }
    qsort(fc, 12, sizeof *fc, cmp_double);
    qsort(fp, 12, sizeof *fp, cmp_double);
    worst = 0;
    for (int k = 0; k < 12; k++) worst = fmax(worst, fabs(fc[k] - fp[k]));
  }
  nacre_phonon_free(pc), nacre_phonon_free(pp);
  nacre_structure_free(conv);
  return worst;
}

static void check_supercell_settings(void) {
  nacre_structure *s = fcc_primitive(3.615);
  int other[3][3] = {{4, 0, 0}, {4, 4, 0}, {0, -4, 4}}; /* same lattice as 4·I */
  nacre_phonon *a = phonons(s, diag4, NACRE_PHONON_PM_AUTO);
  nacre_phonon *b = phonons(s, other, NACRE_PHONON_PM_AUTO);
  double q[3] = {0.31, 0.12, -0.27}, fa[3], fb[3], d = 0;
  if (a && b) {
    freqs(a, q, fa), freqs(b, q, fb);
    for (int k = 0; k < 3; k++) d = fmax(d, fabs(fa[k] - fb[k]));
  }
  printf("fcc: the 4×4×4 supercell given by another basis changes frequencies by %.1e "
         "THz\n",
         d);
  CHECK(a && b && d <= 1e-9, "supercell basis: %g THz", d);

  double coarse = conventional_vs_primitive(s, 0.01);
  double fine = conventional_vs_primitive(s, 0.002);
  printf("fcc: conventional 2×2×2 and primitive with the same supercell agree to %.1e "
         "THz at u = 0.01 Å, %.1e THz at 0.002 Å\n",
         coarse, fine);
  CHECK(fine <= 2e-5 && coarse / fine > 15,
        "conventional vs primitive: %g THz at "
        "0.002 Å, %g at 0.01 Å",
        fine, coarse);
  nacre_phonon_free(a), nacre_phonon_free(b);

  nacre_structure_free(s);
}

static void check_velocity_and_files(void) {
  nacre_structure *s = fcc_primitive(3.615);
  nacre_phonon *ph = phonons(s, diag4, NACRE_PHONON_PM_BOTH);
  if (!ph) goto done;
  nacre_error err;
  double q[3] = {0.21, 0.07, 0.33}, f[3], v[9];
  CHECK_OK(nacre_phonon_at_q(ph, q, f, NULL, v, &err), &err);
  double recip[3][3], worst = 0;
  nacre_cell_reciprocal(s->cell, recip);
  for (int c = 0; c < 3; c++) {
    /* step h along Cartesian axis c: Δq_j = h·a_j[c] */
    double h = 1e-5, qp[3], qm[3], fp[3], fm[3];
    for (int j = 0; j < 3; j++) qp[j] = q[j] + h * s->cell[j][c], qm[j] = q[j] - h * s->cell[j][c];
    freqs(ph, qp, fp), freqs(ph, qm, fm);
    for (int b = 0; b < 3; b++) worst = fmax(worst, fabs((fp[b] - fm[b]) / (2 * h) - v[3 * b + c]));
  }
  printf("fcc: group velocities match the difference quotient to %.1e THz·Å\n", worst);
  CHECK(worst <= 1e-5, "group velocity vs finite difference: %g THz·Å", worst);

  const char *path = test_tmp_path("FORCE_CONSTANTS");
  CHECK_OK(nacre_phonon_write_force_constants(ph, path, &err), &err);
  nacre_phonon *back = NULL;
  CHECK_OK(nacre_phonon_new(s, NULL, NULL, &back, &err), &err);
  CHECK(back && nacre_phonon_read_force_constants(back, path, &err) == NACRE_ERR_INVALID,
        "a FORCE_CONSTANTS of another supercell is refused: %s", err.message);
  nacre_phonon_free(back);
  nacre_phonon_options o;
  nacre_phonon_options_init(&o);
  memcpy(o.supercell, diag4, sizeof o.supercell);
  CHECK_OK(nacre_phonon_new(s, NULL, &o, &back, &err), &err);
  if (back) {
    CHECK_OK(nacre_phonon_read_force_constants(back, path, &err), &err);
    double g[3];
    freqs(back, q, g);
    double d = fmax(fmax(fabs(g[0] - f[0]), fabs(g[1] - f[1])), fabs(g[2] - f[2]));
    CHECK(d < 1e-8, "FORCE_CONSTANTS round trip changes frequencies by %g THz", d);
    nacre_phonon_free(back);
  }
  test_write_text(path, "1 64\n1 1\n1 0 0\n0 1 x\n");
  CHECK_OK(nacre_phonon_new(s, NULL, &o, &back, &err), &err);
  CHECK(back && nacre_phonon_read_force_constants(back, path, &err) == NACRE_ERR_PARSE &&
            strstr(err.message, ":4:"),
        "malformed FORCE_CONSTANTS names its line: %s", err.message);
  nacre_phonon_free(back);

  /* thermodynamics */
  int mesh[3] = {20, 20, 20};
  nacre_phonon_mesh *m = NULL;
  CHECK_OK(nacre_phonon_mesh_run(ph, mesh, 0, NULL, &m, &err), &err);
  if (m) {
    double T = 300, dT = 0.01;
    nacre_phonon_thermo t, tp, tm, hot;
    nacre_phonon_thermo_at(m, T, &t);
    nacre_phonon_thermo_at(m, T + dT, &tp);
    nacre_phonon_thermo_at(m, T - dT, &tm);
    double kb = NACRE_BOLTZMANN_EV_K;
    double s_fd =
        -(tp.vibrational_free_energy_per_atom_ev - tm.vibrational_free_energy_per_atom_ev) /
        (2 * dT) / kb;
    double cv_fd =
        (tp.vibrational_energy_per_atom_ev - tm.vibrational_energy_per_atom_ev) / (2 * dT) / kb;
    CHECK_CLOSE(t.entropy_per_atom_kb, s_fd, 1e-6, "S = -dF/dT");
    CHECK_CLOSE(t.heat_capacity_per_atom_kb, cv_fd, 1e-6, "C_v = dE/dT");
    CHECK_CLOSE(t.vibrational_free_energy_per_atom_ev,
                t.vibrational_energy_per_atom_ev - T * kb * t.entropy_per_atom_kb, 1e-12,
                "F = E - TS");
    nacre_phonon_thermo_at(m, 1e5, &hot);
    printf("fcc: at 1e5 K C_v = %.6f k_B, F - F_classical = %.2e eV/atom\n",
           hot.heat_capacity_per_atom_kb, hot.quantum_correction_per_atom_ev);
    /* the three acoustic modes at Γ are left out: C_v → 3 (1 − 1/8000) */
    CHECK_CLOSE(hot.heat_capacity_per_atom_kb, 3.0 * (1 - 1.0 / 8000), 1e-5, "C_v at 1e5 K");
    double nu2 = 0; /* Σ (hν)² over the modes summed, per atom */
    for (int iq = 0; iq < m->nq; iq++)
      for (int b = 0; b < m->nbands; b++) {
        double nu = m->freq_thz[(size_t)iq * m->nbands + b];
        if (nu > NACRE_PHONON_CUTOFF_THZ)
          nu2 += m->weight[iq] * pow(nu * NACRE_THZ_TO_EV, 2) / ((double)m->ngrid * m->natoms);
      }
    CHECK_CLOSE(hot.quantum_correction_per_atom_ev, nu2 / (24 * kb * 1e5),
                0.01 * nu2 / (24 * kb * 1e5), "F - F_cl at 1e5 K");
    nacre_phonon_mesh_free(m);
  }
done:
  nacre_phonon_free(ph);
  nacre_structure_free(s);
}

/* Energy along bcc Cu's unstable mode at N against ½ λ Σ m u². */
static void check_soft_mode(void) {
  nacre_structure *s = nacre_structure_new(1, NULL);
  double h = 1.435, c[3][3] = {{-h, h, h}, {h, -h, h}, {h, h, -h}};
  memcpy(s->cell, c, sizeof c);
  s->numbers[0] = 29;
  nacre_phonon *ph = phonons(s, diag4, NACRE_PHONON_PM_AUTO);
  nacre_error err;
  nacre_structure *d = NULL;
  int m[3][3];
  double q[3] = {0, 0, 0.5}, amp = 0.004;
  if (ph) CHECK_OK(nacre_phonon_modulate(ph, q, 0, amp, 8, &d, m, &err), &err);
  if (d) {
    CHECK(m[0][0] == 1 && m[1][1] == 1 && m[2][2] == 2 && d->natoms == 2,
          "N needs a 1×1×2 supercell, got %d %d %d", m[0][0], m[1][1], m[2][2]);
    /* the ideal sites in nacre_phonon_modulate's order: cell t of the
     * 1×1×2 supercell is T = (0, 0, t) */
    nacre_structure *ideal = nacre_structure_copy(d, &err);
    for (int j = 0; j < d->natoms; j++)
      for (int k = 0; k < 3; k++) ideal->positions[3 * j + k] = j * s->cell[2][k];
    double f[3], e0 = 0, e1 = 0, mu2 = 0, umax = 0;
    freqs(ph, q, f);
    nacre_calc *calc = nacre_calc_new(pot, -1, &err);
    nacre_result r;
    nacre_result_init(&r, d->natoms, &err);
    if (!nacre_calc_compute(calc, ideal, NACRE_WANT_ENERGY, &r, &err)) e0 = r.energy;
    if (!nacre_calc_compute(calc, d, NACRE_WANT_ENERGY, &r, &err)) e1 = r.energy;
    for (int j = 0; j < d->natoms; j++) {
      double u2 = 0;
      for (int k = 0; k < 3; k++) {
        double u = d->positions[3 * j + k] - ideal->positions[3 * j + k];
        u2 += u * u;
      }
      mu2 += 63.546 * u2;
      umax = fmax(umax, sqrt(u2));
    }
    double lambda = -pow(f[0] / NACRE_PHONON_THZ, 2);
    double expect = 0.5 * lambda * mu2;
    printf("bcc N mode: amplitude %.4f Å, ΔE %.3e eV, harmonic %.3e eV\n", umax, e1 - e0, expect);
    CHECK_CLOSE(umax, amp, 1e-12, "largest displacement");
    CHECK(e1 < e0 && fabs((e1 - e0) - expect) < 0.01 * fabs(expect),
          "energy along the soft mode %g eV, harmonic %g eV", e1 - e0, expect);
    nacre_result_free(&r);
    nacre_calc_free(calc);
    nacre_structure_free(ideal);
    nacre_structure_free(d);
  }
  nacre_phonon_free(ph);
  nacre_structure_free(s);
}

static void check_errors(void) {
  nacre_error err;
  nacre_structure *s = fcc_primitive(3.615);
  s->numbers[0] = 11; /* Na: not in Cu_u3.eam */
  nacre_phonon *ph = NULL;
  CHECK_OK(nacre_phonon_new(s, NULL, NULL, &ph, &err), &err);
  nacre_calc *calc = nacre_calc_new(pot, -1, &err);
  if (ph && strcmp(nacre_potential_kind(pot), "lj"))
    CHECK(nacre_phonon_compute_forces(ph, calc, NULL, NULL, NULL, &err) != NACRE_OK &&
              strstr(err.message, "Na"),
          "an element the potential lacks is named: %s", err.message);
  nacre_phonon_free(ph);
  nacre_calc_free(calc);
  nacre_phonon_options o;
  nacre_phonon_options_init(&o);
  o.min_length_a = 60;
  o.max_memory_gb = 0.001;
  ph = NULL;
  CHECK(nacre_phonon_new(s, NULL, &o, &ph, &err) == NACRE_ERR_INVALID &&
            strstr(err.message, "GB") && strstr(err.message, "atoms"),
        "a supercell over the memory limit is refused with its size: %s", err.message);
  nacre_phonon_free(ph);
  nacre_structure_free(s);
}

int main(void) {
  nacre_error err;
  if (access(CU_EAM, R_OK) == 0) {
    CHECK_OK(nacre_potential_load(CU_EAM, &pot, &err), &err);
  } else {
    printf("%s absent: Lennard-Jones copper stand-in\n", CU_EAM);
    CHECK_OK(nacre_lj_new(0.4093, 2.338, 6.0, 1, &pot, &err), &err);
  }
  if (!pot) TEST_DONE();
  check_low_symmetry();
  check_supercell_settings();
  check_velocity_and_files();
  if (!strcmp(nacre_potential_kind(pot), "eam")) check_soft_mode();
  check_errors();
  nacre_potential_free(pot);
  test_tmp_cleanup();
  TEST_DONE();
}
