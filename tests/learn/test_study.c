// labels: slow
/* test_study.c — how well active learning does against a known truth, and
 * against uniform sampling with as many labels: runs
 * examples/learn-cu-eam.json (Cu_u3.eam as the labeller; or reads the
 * finished run in $NACRE_LEARN_STUDY_DIR), then measures the final
 * committee on an independent set the loop never saw — EAM NPT MD snapshots
 * of the 300 K solid and the 1500 K liquid at 0 and 20 GPa (seeds the loop
 * does not use) and relaxed minima of an EAM random search for Cu8 at 0 GPa —
 * and a baseline committee trained with the same settings on the same
 * number of structures drawn uniformly from EAM MD runs over the example's
 * temperatures and pressures (studytest.c). Checks the targets:
 * ≤ 5 meV/atom, ≤ 100 meV/Å, ≤ 0.5 GPa on the independent set, and a lower
 * force error than the baseline. Prints every figure. Skips without
 * Cu_u3.eam. */
#include <unistd.h>

#include "studytest.h"
#include "testing.h"

#define EAM "/usr/share/lammps/potentials/Cu_u3.eam"

int main(void) {
  if (access(EAM, R_OK)) TEST_SKIP("%s (Debian lammps-data) not installed", EAM);
  char config[700], cu32[700];
  snprintf(config, sizeof config, "%s", test_source_path("examples/learn-cu-eam.json"));
  snprintf(cu32, sizeof cu32, "%s", test_source_path("examples/Cu32.poscar"));
  static const studytest_md independent[] = {
      {300, 0, 1000, 200, 8, 7001, NULL},
      {300, 20, 1000, 200, 8, 7002, NULL},
      {1500, 0, 3000, 200, 8, 7003, NULL},
      {1500, 20, 3000, 200, 8, 7004, NULL},
  };
  static const double search_p[] = {0}, temps[] = {300, 900, 1500}, press[] = {0, 20};
  studytest_spec sp = {
      .name = "Cu, Cu_u3.eam",
      .config = config,
      .truth = EAM,
      .structure = cu32,
      .independent = independent,
      .nindependent = 4,
      .search_composition = "Cu8",
      .search_pressures_gpa = search_p,
      .nsearch_pressures = 1,
      .search_budget = 12,
      .baseline_temperatures_k = temps,
      .baseline_pressures_gpa = press,
      .nbaseline_temperatures = 3,
      .nbaseline_pressures = 2,
      .baseline_steps = 1000,
      .max_energy_ev_atom = 0.005,
      .max_force_ev_a = 0.100,
      .max_stress_gpa = 0.5,
  };
  return studytest_run(&sp);
}
