/* descriptors_ext.c — what the training module offers when the nn module
 * (Behler-Parrinello G2 + G4 descriptors) is not part of the build: radial
 * descriptors as the default, and clear messages for the rest. The nn
 * bridge (nn_bridge.c) replaces this file. */
#include <math.h>
#include <stdio.h>

#include "nacre/train.h"
#include "train_internal.h"

/* MAISE's G2 exponents n1 = 0.001 … 0.4 in units of s⁻² with s = Rc/11.338
 * (its published Cu-Ag basis: Rc = 11.338 s = 6 Å), spread over 12
 * functions. */
void train_default_descriptors(double rc, char *spec, size_t len) {
  double s = rc / 11.338;
  snprintf(spec, len, "radial:rc=%g,n=12,eta_min=%.4g,eta_max=%.4g", rc,
           0.001 / (s * s), 0.4 / (s * s));
}

nacre_status train_featurizer_from_spec_ext(const char *spec, int nspecies,
                                            nacre_featurizer *out,
                                            nacre_error *err) {
  (void)nspecies;
  (void)out;
  return nacre_error_set(err, NACRE_ERR_UNSUPPORTED,
                         "descriptor set '%.80s' needs the nn module (only "
                         "radial: is available)",
                         spec);
}

nacre_status nacre_train_model_to_nn(const nacre_train_model *m,
                                     struct nacre_nn_model **out,
                                     nacre_error *err) {
  (void)m;
  *out = NULL;
  return nacre_error_set(err, NACRE_ERR_UNSUPPORTED,
                         "writing nn models needs the nn module");
}

nacre_status nacre_train_model_write_maise(const nacre_train_model *m,
                                           const char *path, nacre_error *err) {
  (void)m;
  return nacre_error_set(err, NACRE_ERR_UNSUPPORTED,
                         "%s: writing MAISE models needs the nn module", path);
}
