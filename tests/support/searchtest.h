/* searchtest.h — a stand-in relaxation for search tests: a short,
 * deterministic steepest descent of the atoms on a potential (the real
 * relaxer lives in opt/). */
#ifndef NACRE_TEST_SEARCHTEST_H
#define NACRE_TEST_SEARCHTEST_H

#include "nacre/pot.h"
#include "nacre/search.h"

/* user: a nacre_potential *. 20 steps of at most 0.05 Å along the forces;
 * enthalpy E + PV at the final positions. */
nacre_status test_sd_relax(void *user, nacre_structure *s, double pressure_gpa,
                           nacre_search_relaxed *out, nacre_error *err);

#endif
