// labels: slow
/* test_study_na.c — active learning against a neural truth: runs
 * examples/learn-na-nn.json (MAISE's nn_Na_d3_v0 as the labeller, Na16 NPT
 * MD at 300 and 1000 K over 0-50 GPa, the model's valid range, and a Na8
 * search at 0 and 50 GPa; or reads the finished run in
 * $NACRE_LEARN_STUDY_DIR), then measures the final committee on an
 * independent set from the same truth — NPT MD snapshots at 300 and 1000 K
 * and 0, 25 and 50 GPa (seeds the loop does not use) and relaxed minima of
 * random searches for Na8 at 0 and 50 GPa — and a baseline trained with the
 * same settings on as many structures drawn uniformly from MD runs of the
 * truth over the example's conditions (studytest.c). Checks the issue's
 * targets, ≤ 5 meV/atom, ≤ 100 meV/Å, ≤ 0.5 GPa, and a lower force error
 * than the baseline. Skips without ../shared/data/maise. */
#include "studytest.h"
#include "testing.h"

int main(void) {
  const char *model = test_shared_path("maise/models/nn_Na_d3_v0");
  if (!model) TEST_SKIP("MAISE's nn_Na_d3_v0 absent");
  char truth[700], config[700], na16[700];
  snprintf(truth, sizeof truth, "%s", model);
  snprintf(config, sizeof config, "%s", test_source_path("examples/learn-na-nn.json"));
  snprintf(na16, sizeof na16, "%s", test_source_path("examples/Na16.poscar"));
  static const studytest_md independent[] = {
      {300, 0, 3000, 200, 6, 7001},  {300, 25, 3000, 200, 6, 7002},
      {300, 50, 3000, 200, 6, 7003}, {1000, 0, 3000, 200, 6, 7004},
      {1000, 25, 3000, 200, 6, 7005}, {1000, 50, 3000, 200, 6, 7006},
  };
  static const double search_p[] = {0, 50}, temps[] = {300, 1000}, press[] = {0, 25, 50};
  studytest_spec sp = {
      .name = "Na, nn_Na_d3_v0",
      .config = config,
      .truth = truth,
      .structure = na16,
      .independent = independent,
      .nindependent = 6,
      .search_composition = "Na8",
      .search_pressures_gpa = search_p,
      .nsearch_pressures = 2,
      .search_budget = 12,
      .baseline_temperatures_k = temps,
      .baseline_pressures_gpa = press,
      .nbaseline_temperatures = 2,
      .nbaseline_pressures = 3,
      .baseline_steps = 2000,
      .max_energy_ev_atom = 0.005,
      .max_force_ev_a = 0.100,
      .max_stress_gpa = 0.5,
  };
  return studytest_run(&sp);
}
