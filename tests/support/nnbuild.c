/* nnbuild.c — see nnbuild.h. */
#include <stdio.h>
#include <stdlib.h>

#include "nnbuild.h"

nacre_nn_model *nnbuild_random(const char *descriptors, int nspecies,
                               const int *z, int nhidden, const int *hidden,
                               uint64_t seed, double input_scale,
                               const double *ref) {
  nacre_error err;
  nacre_nn_model *m = nacre_nn_model_new();
  if (!m) return NULL;
  m->nspecies = nspecies;
  nacre_status st = nacre_nn_descriptor_from_spec(descriptors, nspecies, &m->desc, &err);
  if (!st) st = nacre_nn_model_alloc_inputs(m, &err);
  nacre_rng rng;
  nacre_rng_init(&rng, seed, 0);
  for (int s = 0; s < nspecies && !st; s++) {
    m->z[s] = z[s];
    m->ref_energy[s] = ref ? ref[s] : 0.0;
    nacre_nn_network *n = &m->net[s];
    n->nlayers = nhidden + 2;
    n->size[0] = m->desc.dim;
    for (int l = 0; l < nhidden; l++) {
      n->size[l + 1] = hidden[l];
      n->act[l] = NACRE_NN_TANH;
    }
    n->size[nhidden + 1] = 1;
    n->act[nhidden] = NACRE_NN_LINEAR;
    st = nacre_nn_network_init(n, &err);
    if (!st) nacre_nn_network_randomize(n, n->weights, &rng);
  }
  if (!st)
    for (int k = 0; k < nspecies * m->desc.dim; k++) m->input_scale[k] = input_scale;
  if (!st) st = nacre_nn_model_check(m, &err);
  if (st) {
    fprintf(stderr, "nnbuild_random: %s\n", err.message);
    nacre_nn_model_free(m);
    return NULL;
  }
  return m;
}
