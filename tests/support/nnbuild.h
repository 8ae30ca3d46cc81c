/* nnbuild.h — network models with random weights for tests: any
 * descriptor set (nacre_nn_descriptor_from_spec), the same tanh network for
 * every species, Glorot weights from a seed, a given input scale and
 * reference energies. */
#ifndef NACRE_TEST_NNBUILD_H
#define NACRE_TEST_NNBUILD_H

#include "nacre/nn.h"

/* NULL on failure (message on stderr). ref may be NULL (zero). */
nacre_nn_model *nnbuild_random(const char *descriptors, int nspecies,
                               const int *z, int nhidden, const int *hidden,
                               uint64_t seed, double input_scale,
                               const double *ref);

#endif
