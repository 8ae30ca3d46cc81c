/* labelcheck.c — finite-difference checks of DFT labels. */
#include "labelcheck.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "builders.h"
#include "testing.h"

int labelcheck_have(const char *program) {
  const char *path = getenv("PATH");
  if (!path) return 0;
  char *copy = strdup(path), *save = NULL;
  int found = 0;
  for (char *dir = strtok_r(copy, ":", &save); dir && !found;
       dir = strtok_r(NULL, ":", &save)) {
    char full[1024];
    snprintf(full, sizeof full, "%s/%s", dir, program);
    found = access(full, X_OK) == 0;
  }
  free(copy);
  return found;
}

nacre_status labelcheck_run(const nacre_label_options *opt,
                            const nacre_structure *s, nacre_label_result *r) {
  nacre_ctx ctx;
  nacre_ctx_init(&ctx);
  nacre_error err;
  nacre_error_clear(&err);
  nacre_status st = nacre_label_run(opt, s, r, &ctx, &err);
  if (st) printf("labelcheck: label failed: %s\n", err.message);
  return st;
}

static double energy(const nacre_label_options *opt, const nacre_structure *s) {
  nacre_label_result r;
  nacre_label_result_init(&r);
  double e = labelcheck_run(opt, s, &r) == NACRE_OK ? r.energy_ev : NAN;
  nacre_label_result_clear(&r);
  return e;
}

double labelcheck_force_fd(const nacre_label_options *opt,
                           const nacre_structure *s0, int coord, double h) {
  nacre_structure *s = nacre_structure_copy(s0, NULL);
  double x = s->positions[coord];
  s->positions[coord] = x + h;
  double ep = energy(opt, s);
  s->positions[coord] = x - h;
  double em = energy(opt, s);
  nacre_structure_free(s);
  return -(ep - em) / (2 * h);
}

double labelcheck_stress_fd(const nacre_label_options *opt,
                            const nacre_structure *s0, int k, double h) {
  double e[2];
  for (int sgn = 0; sgn < 2; sgn++) {
    double eps[6] = {0, 0, 0, 0, 0, 0};
    eps[k] = sgn ? -h : h;
    nacre_structure *s = nacre_structure_copy(s0, NULL);
    build_strain(s, eps);
    e[sgn] = energy(opt, s);
    nacre_structure_free(s);
  }
  double vol = fabs(nacre_cell_volume(s0->cell));
  return (e[0] - e[1]) / (2 * h) / vol / (k < 3 ? 1.0 : 2.0);
}

nacre_structure *labelcheck_cell2(int z, const double cell[3][3],
                                  const double x2[3]) {
  nacre_structure *s = nacre_structure_new(2, NULL);
  memcpy(s->cell, cell, sizeof s->cell);
  s->numbers[0] = s->numbers[1] = z;
  memcpy(s->positions + 3, x2, 3 * sizeof(double));
  return s;
}

/* ---- the finite-difference suite (tests label.fd and label.fd_full) ---- */

static void check(const char *what, const nacre_label_options *opt,
                  const nacre_structure *s, int full, double tol_f,
                  double tol_diag_gpa, double tol_shear_gpa) {
  nacre_label_result r;
  nacre_label_result_init(&r);
  if (labelcheck_run(opt, s, &r)) {
    CHECK(0, "%s: reference label failed", what);
    return;
  }
  for (int coord = 3; coord < (full ? 5 : 4); coord++) {
    double fd = labelcheck_force_fd(opt, s, coord, 0.01);
    printf("%s: F[%d] analytic %.6f, finite difference %.6f eV/A\n", what,
           coord, r.forces_ev_a[coord], fd);
    CHECK_CLOSE(r.forces_ev_a[coord], fd, tol_f, "force = -dE/dx");
  }
  const int comps[4] = {0, 3, 2, 5}; /* quick: xx and yz only */
  for (int c = 0; c < (full ? 4 : 2); c++) {
    int k = comps[c];
    double fd = labelcheck_stress_fd(opt, s, k, 0.005);
    printf("%s: stress[%d] analytic %.4f, finite difference %.4f GPa\n", what,
           k, r.stress_ev_a3[k] * NACRE_EV_A3_TO_GPA, fd * NACRE_EV_A3_TO_GPA);
    CHECK_CLOSE(r.stress_ev_a3[k] * NACRE_EV_A3_TO_GPA,
                fd * NACRE_EV_A3_TO_GPA, k < 3 ? tol_diag_gpa : tol_shear_gpa,
                "stress = (1/V) dE/deps");
    /* sign: these cells are compressed; ASE stress is negative */
    if (k < 3) CHECK(fd < 0 && r.stress_ev_a3[k] < 0, "compressed: sigma < 0");
  }
  nacre_label_result_clear(&r);
}

int labelcheck_fd_suite(int full) {
  int ran = 0;
  if (labelcheck_have("abinit") &&
      access("/usr/share/abinit/psp/Pseudodojo_paw_pbe_standard/Na.xml", R_OK) == 0) {
    const double cell[3][3] = {{3.05, 0.03, 0}, {0, 3.02, 0.04}, {0.02, 0, 3.04}};
    const double x2[3] = {1.62, 1.45, 1.53}; /* forces ~0.3 eV/Å */
    nacre_structure *s = labelcheck_cell2(11, cell, x2);
    nacre_label_options opt;
    nacre_label_options_init(&opt, NACRE_LABEL_ABINIT);
    opt.ecut_ev = 20 * NACRE_HARTREE_EV;
    opt.ecut_dens_factor = 2.4; /* pawecutdg 48 Ha */
    opt.kspacing = 0.6; /* 4 4 4, unchanged by the ±0.5 % strains */
    opt.scf_tol_ev = 1e-11 * NACRE_HARTREE_EV;
    opt.workdir = "/tmp";
    check("ABINIT Na2", &opt, s, full, 2e-3, 0.6, 0.1);
    nacre_structure_free(s);
    ran++;
  } else {
    printf("note: abinit not installed, ABINIT finite-difference checks skipped\n");
  }
  if (labelcheck_have("pw.x") &&
      access("/usr/share/espresso/pseudo/Li.pbesol-s-kjpaw_psl.0.2.1.UPF", R_OK) == 0) {
    const double cell[3][3] = {{2.60, 0.03, 0}, {0, 2.56, 0.04}, {0.02, 0, 2.58}};
    const double x2[3] = {1.40, 1.22, 1.30};
    nacre_structure *s = labelcheck_cell2(3, cell, x2);
    nacre_label_options opt;
    nacre_label_options_init(&opt, NACRE_LABEL_QE);
    opt.ecut_ev = 80 * NACRE_RYDBERG_EV; /* ecutrho 640 Ry */
    opt.kspacing = 0.7; /* 4 4 4 */
    opt.scf_tol_ev = 1e-11 * NACRE_RYDBERG_EV;
    opt.workdir = "/tmp";
    check("QE Li2", &opt, s, full, 2e-3, 0.25, 0.25);
    nacre_structure_free(s);
    ran++;
  } else {
    printf("note: pw.x not installed, QE finite-difference checks skipped\n");
  }
  return ran;
}
