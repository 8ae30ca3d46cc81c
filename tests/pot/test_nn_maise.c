/* test_nn_maise.c — agreement with MAISE itself: energies, forces and stress
 * of nn_Na_d3_v0 on the six structures of
 * ../shared/data/maise/fixtures/nn_Na_d3_v0.extxyz, which hold MAISE's own
 * results (maise.3.0.00, CELL_FRC). Tolerances from the issue: energy
 * 1e-6 eV/atom, forces 1e-5 eV/Å, stress 1e-4 GPa. Also the repulsion term
 * against its closed form on a compressed dimer, and that it switches off. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nacre/io.h"
#include "nacre/nn.h"
#include "testing.h"

int main(void) {
  char model[4096], fixture[4096];
  const char *pm = test_shared_path("maise/models/nn_Na_d3_v0");
  if (!pm) TEST_SKIP("MAISE reference data absent");
  snprintf(model, sizeof model, "%s", pm);
  const char *pf = test_shared_path("maise/fixtures/nn_Na_d3_v0.extxyz");
  if (!pf) TEST_SKIP("MAISE fixture absent");
  snprintf(fixture, sizeof fixture, "%s", pf);
  nacre_error err;
  nacre_potential *pot = NULL;
  /* `nacre eval` path: format detected from the content */
  CHECK_OK(nacre_potential_load(model, &pot, &err), &err);
  if (!pot) TEST_DONE();
  CHECK(!strcmp(nacre_potential_kind(pot), "nn"), "MAISE model detected as nn");
  nacre_calc *calc = nacre_calc_new(pot, -1.0, &err);
  nacre_xyz_reader *xr = nacre_xyz_open(fixture, &err);
  CHECK(xr != NULL, "open %s: %s", fixture, err.message);
  if (!xr || !calc) TEST_DONE();
  nacre_frame fr;
  nacre_frame_init(&fr);
  int nframes = 0, eof = 0;
  double worst_e = 0, worst_f = 0, worst_s = 0;
  while (nacre_xyz_next(xr, &fr, &eof, &err) == NACRE_OK) {
    int n = fr.s->natoms;
    const char *config = nacre_frame_get_info(&fr, "config");
    if (!config) config = "?";
    CHECK((fr.has & (NACRE_FRAME_ENERGY | NACRE_FRAME_FORCES | NACRE_FRAME_STRESS)) ==
              (NACRE_FRAME_ENERGY | NACRE_FRAME_FORCES | NACRE_FRAME_STRESS),
          "%s: fixture has energy, forces and stress", config);
    nacre_result r;
    nacre_result_init(&r, n, &err);
    CHECK_OK(nacre_calc_compute(calc, fr.s, NACRE_WANT_ALL, &r, &err), &err);
    double de = fabs(r.energy - fr.energy) / n, df = 0, ds = 0;
    for (int k = 0; k < 3 * n; k++) df = fmax(df, fabs(r.forces[k] - fr.forces[k]));
    for (int k = 0; k < 6; k++)
      ds = fmax(ds, fabs(r.stress[k] - fr.stress[k]) * NACRE_EV_A3_TO_GPA);
    CHECK(de <= 1e-6, "%s: energy off by %.3g eV/atom", config, de);
    CHECK(df <= 1e-5, "%s: forces off by %.3g eV/Å", config, df);
    CHECK(ds <= 1e-4, "%s: stress off by %.3g GPa", config, ds);
    worst_e = fmax(worst_e, de);
    worst_f = fmax(worst_f, df);
    worst_s = fmax(worst_s, ds);
    nacre_result_free(&r);
    nframes++;
  }
  CHECK(eof, "fixture read to the end: %s", eof ? "" : err.message);
  nacre_frame_clear(&fr);
  nacre_xyz_close(xr);
  CHECK(nframes == 6, "six fixture structures read (%d)", nframes);
  printf("vs MAISE: max |dE| %.2e eV/atom, max |dF| %.2e eV/Å, max |dσ| %.2e GPa\n",
         worst_e, worst_f, worst_s);
  nacre_calc_free(calc);
  nacre_potential_free(pot);

  /* Repulsion: Na dimer at r = 2.0 Å < R = 2·1.266 Å. With and without the
   * term the energies differ by 2·U·fc_R(r)·R/r (both ends). */
  nacre_nn_model *m = NULL;
  CHECK_OK(nacre_nn_model_read(model, &m, &err), &err);
  if (!m) TEST_DONE();
  CHECK(m->repulsion == 1 && m->repulsion_u == 100.0, "repulsion on by default (U = 100 eV)");
  nacre_nn_model *off = nacre_nn_model_copy(m, &err);
  off->repulsion = 0;
  nacre_potential *pon = NULL, *poff = NULL;
  CHECK_OK(nacre_nn_potential_new(m, &pon, &err), &err);
  CHECK_OK(nacre_nn_potential_new(off, &poff, &err), &err);
  nacre_structure *d = nacre_structure_new(2, NULL);
  d->numbers[0] = d->numbers[1] = 11;
  d->pbc[0] = d->pbc[1] = d->pbc[2] = 0;
  d->positions[3] = 2.0;
  double e[2];
  nacre_potential *ps[2] = {pon, poff};
  for (int k = 0; k < 2; k++) {
    nacre_calc *c = nacre_calc_new(ps[k], -1.0, &err);
    nacre_result r;
    nacre_result_init(&r, 2, &err);
    CHECK_OK(nacre_calc_compute(c, d, NACRE_WANT_ENERGY, &r, &err), &err);
    e[k] = r.energy;
    nacre_result_free(&r);
    nacre_calc_free(c);
  }
  double R = 2 * 1.266, rr = 2.0;
  double expect = 2 * 100.0 * 0.5 * (cos(NACRE_PI * rr / R) + 1) * R / rr;
  CHECK_CLOSE(e[0] - e[1], expect, 1e-9, "repulsion of a Na dimer at 2 Å (eV)");
  nacre_structure_free(d);
  nacre_potential_free(pon);
  nacre_potential_free(poff);
  TEST_DONE();
}
