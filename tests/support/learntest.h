/* learntest.h — what the active-learning tests share: an independent set of
 * snapshots from MD driven and labelled by a classical potential (the known
 * truth), and a model's errors on such a set. */
#ifndef NACRE_TEST_LEARNTEST_H
#define NACRE_TEST_LEARNTEST_H

#include "nacre/pot.h"
#include "nacre/train.h"

/* `frames` snapshots of Bussi NVT MD (2 fs steps, seed 99) of s at
 * temperature_k driven by the potential `truth`, `steps` steps apart, each
 * labelled with its energy, forces and stress. */
nacre_dataset *learntest_truth_set(const char *truth, const nacre_structure *s,
                                   double temperature_k, int frames, int steps);

/* The errors of the potential `model` on d (NaN RMSEs when it does not load). */
nacre_errors learntest_errors(const char *model, const nacre_dataset *d);

#endif
