// labels: slow
/* test_rerank_abinit.c — one real ABINIT relaxation through nacre_rerank
 * (skipped when abinit or the Na dataset is absent): a strained, displaced
 * 2-atom bcc Na cell relaxed at 20 GPa with cheap settings (12 Ha, k-spacing
 * 0.5 1/Å; ~1-2 min of CPU). The relaxed structure read from the .abo is
 * checked by an independent single point at it: its pressure is 20 GPa
 * within 0.3 GPa and its forces below 0.05 eV/Å (a wrongly read cell or
 * wrong positions give neither), and the energy rerank reports is that
 * single point's to 1 meV/atom. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "builders.h"
#include "labelcheck.h"
#include "nacre/label.h"
#include "testing.h"

int main(void) {
  if (!labelcheck_have("abinit") ||
      access("/usr/share/abinit/psp/Pseudodojo_paw_pbe_standard/Na.xml", R_OK))
    TEST_SKIP("abinit or its Na PAW dataset (Debian abinit-data) is absent");
  char dir[] = "/tmp/nacre-rerank-abinit-XXXXXX";
  if (!mkdtemp(dir)) TEST_SKIP("no temporary folder");
  const int one[3] = {1, 1, 1};
  nacre_structure *s = build_bulk("bcc", 11, 3.35, one);
  const double eps[6] = {0.03, -0.02, 0.01, 0.0, 0.02, 0.0};
  build_strain(s, eps);
  s->positions[3] += 0.08;
  nacre_label_options opt;
  nacre_label_options_init(&opt, NACRE_LABEL_ABINIT);
  opt.ecut_ev = 12 * NACRE_HARTREE_EV;
  opt.kspacing = 0.5;
  opt.workdir = dir;
  opt.relax_fmax_ev_a = 0.01;
  opt.relax_smax_gpa = 0.1;
  char settings[1024], out[300];
  nacre_rerank_settings(&opt, settings, sizeof settings);
  snprintf(out, sizeof out, "%s/rr.extxyz", dir);
  nacre_rerank_entry e;
  memset(&e, 0, sizeof e);
  e.structure = s;
  snprintf(e.name, sizeof e.name, "bcc");
  nacre_rerank_summary sum;
  nacre_error err;
  CHECK_OK(nacre_rerank(&opt, 20.0, settings, &e, 1, out, &sum, NULL, &err),
           &err);
  CHECK(e.done && e.relax_converged, "relaxed and converged (%s)", e.message);
  if (e.done) {
    printf("ABINIT: %d steps, P %.3f GPa, V %.3f A^3/atom, %.1f s\n",
           e.relax_steps, e.pressure_gpa, e.volume_per_atom_a3, e.wall_s);
    nacre_label_result r;
    nacre_label_result_init(&r);
    CHECK_OK(labelcheck_run(&opt, e.relaxed, &r), &err);
    double p = -(r.stress_ev_a3[0] + r.stress_ev_a3[1] + r.stress_ev_a3[2]) /
               3 * NACRE_EV_A3_TO_GPA;
    CHECK_CLOSE(p, 20.0, 0.3, "pressure of a single point at the end (GPa)");
    double fmax = 0;
    for (int i = 0; i < 3 * s->natoms; i++)
      fmax = fmax > fabs(r.forces_ev_a[i]) ? fmax : fabs(r.forces_ev_a[i]);
    CHECK(fmax < 0.05, "forces of a single point at the end %g eV/A", fmax);
    CHECK_CLOSE(e.energy_per_atom_ev, r.energy_ev / s->natoms, 1e-3,
                "reported energy = a fresh single point (eV/atom)");
    nacre_label_result_clear(&r);
  }
  nacre_rerank_entries_clear(&e, 1);
  nacre_structure_free(s);
  char cmd[400];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  CHECK(system(cmd) == 0, "clean up");
  TEST_DONE();
}
