/* studytest.h — the active-learning studies against a known truth
 * (tests/learn/test_study*.c): run a shipped `nacre learn` example whose
 * labeller is a nacre potential, measure its final committee on an
 * independent set drawn from the same truth (NPT MD snapshots and relaxed
 * random-search minima, seeds the loop does not use), and compare it with a
 * baseline committee trained with the same settings on as many structures
 * sampled uniformly from NPT MD runs over the example's conditions. */
#ifndef NACRE_TEST_STUDYTEST_H
#define NACRE_TEST_STUDYTEST_H

#include <stdint.h>

/* One NPT MD run of the truth (Bussi thermostat, isotropic stochastic cell
 * rescaling, 2 fs steps) from `structure` (NULL: the study's): `count`
 * snapshots `every` steps apart after `skip` steps. */
typedef struct studytest_md {
  double temperature_k, pressure_gpa;
  long skip;
  int every, count;
  uint64_t seed;
  const char *structure;
} studytest_md;

typedef struct studytest_spec {
  const char *name;           /* printed */
  const char *config;         /* the example configuration (a path) */
  const char *truth;          /* the labeller's potential spec */
  const char *structure;      /* the MD tasks' starting structure (a path) */
  const studytest_md *independent; /* the independent MD set */
  int nindependent;
  const char *search_composition; /* relaxed minima of a random search of
                                     the truth, per pressure, join it */
  const double *search_pressures_gpa;
  int nsearch_pressures, search_budget;
  /* the baseline's MD: every temperature × pressure, `baseline_steps`
   * steps after 100, from the pressure's structure (a path; NULL, or a
   * NULL list: the study's structure) */
  const double *baseline_temperatures_k, *baseline_pressures_gpa;
  const char *const *baseline_structures;
  int nbaseline_temperatures, nbaseline_pressures;
  long baseline_steps;
  /* targets on the independent set (the issue's) */
  double max_energy_ev_atom, max_force_ev_a, max_stress_gpa;
} studytest_spec;

/* Runs the study (or reads the finished run in $NACRE_LEARN_STUDY_DIR),
 * prints every figure and checks the targets and that active learning's
 * force error lies below the baseline's. Returns the test's exit status
 * (77 when the truth or the configuration is absent). */
int studytest_run(const studytest_spec *spec);

#endif
