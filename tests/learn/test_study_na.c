// labels: slow
/* test_study_na.c — active learning against a neural truth: runs
 * examples/learn-na-nn.json (MAISE's nn_Na_d3_v0 as the labeller: bcc Na16
 * NPT MD at 300 K and 600 K at 0 and 15 GPa, started from bcc cells and a
 * few rattled copies, and a Na8 search at 0 and 15 GPa; or reads the
 * finished run in
 * $NACRE_LEARN_STUDY_DIR), then measures the final committee on an
 * independent set from the same truth — NPT MD snapshots at the same
 * temperatures and pressures (seeds the loop does not use) and relaxed
 * minima of random searches for Na8 at 0 and 15 GPa — and a baseline trained
 * with the same settings on as many structures drawn uniformly from MD runs
 * of the truth over the example's conditions (studytest.c). Checks the
 * issue's targets, ≤ 5 meV/atom, ≤ 100 meV/Å, ≤ 0.5 GPa, and a lower force
 * error than the baseline. Skips without ../shared/data/maise.
 *
 * Why 15 GPa: the model reproduces DFT up to ~55 GPa in static cells, but
 * below Na-Na distances of 2.53 Å its built-in short-range repulsion takes
 * over (forces of 10-20 eV/Å at 2.45 Å); thermal motion reaches them in NPT
 * MD of the model itself at 300 K from about 25 GPa on (3 of 51 frames at
 * 25 GPa, 19 of 51 at 35 GPa, 24 of 51 at 600 K and 25 GPa). */
#include "studytest.h"
#include "testing.h"

int main(void) {
  const char *model = test_shared_path("maise/models/nn_Na_d3_v0");
  if (!model) TEST_SKIP("MAISE's nn_Na_d3_v0 absent");
  char truth[700], config[700], na[2][700];
  snprintf(truth, sizeof truth, "%s", model);
  snprintf(config, sizeof config, "%s", test_source_path("examples/learn-na-nn.json"));
  static const char *const names[2] = {"examples/Na16.poscar", "examples/Na16-15GPa.poscar"};
  for (int k = 0; k < 2; k++) snprintf(na[k], sizeof na[k], "%s", test_source_path(names[k]));
  const char *const starts[2] = {na[0], na[1]};
  const studytest_md independent[] = {
      {300, 0, 1500, 200, 8, 7001, na[0]},
      {300, 15, 1500, 200, 8, 7002, na[1]},
      {600, 0, 1500, 200, 8, 7003, na[0]},
      {600, 15, 1500, 200, 8, 7004, na[1]},
  };
  static const double search_p[] = {0, 15}, temps[] = {300, 600}, press[] = {0, 15};
  studytest_spec sp = {
      .name = "Na, nn_Na_d3_v0",
      .config = config,
      .truth = truth,
      .structure = na[0],
      .independent = independent,
      .nindependent = 4,
      .search_composition = "Na8",
      .search_pressures_gpa = search_p,
      .nsearch_pressures = 2,
      .search_budget = 12,
      .baseline_temperatures_k = temps,
      .baseline_pressures_gpa = press,
      .baseline_structures = starts,
      .nbaseline_temperatures = 2,
      .nbaseline_pressures = 2,
      .baseline_steps = 1000,
      .max_energy_ev_atom = 0.005,
      .max_force_ev_a = 0.100,
      .max_stress_gpa = 0.5,
  };
  return studytest_run(&sp);
}
