/* read_frames.c — labelled files read through the io module (extended XYZ,
 * VASP OUTCAR), turned into samples. */
#include <math.h>
#include <stdio.h>

#include "nacre/train.h"
#include "train_internal.h"

nacre_status train_read_file(nacre_dataset *d, const char *path,
                             nacre_error *err) {
  (void)d;
  return nacre_error_set(err, NACRE_ERR_UNSUPPORTED,
                         "%s: extended XYZ and OUTCAR data need the io module",
                         path);
}

nacre_status train_featurizer_from_spec_ext(const char *spec, int nspecies,
                                            nacre_featurizer *out,
                                            nacre_error *err) {
  (void)nspecies;
  (void)out;
  return nacre_error_set(err, NACRE_ERR_UNSUPPORTED,
                         "unknown descriptor set '%s'", spec);
}

/* MAISE's G2 exponents n1 = 0.001 … 0.4 in units of s⁻² with s = Rc/11.338
 * (its published Cu-Ag basis: Rc = 11.338 s = 6 Å), spread over 12
 * functions. */
void train_default_descriptors(double rc, char *spec, size_t len) {
  rc = round(rc * 10) / 10;
  double s = rc / 11.338;
  snprintf(spec, len, "radial:rc=%g,n=12,eta_min=%.4g,eta_max=%.4g", rc,
           0.001 / (s * s), 0.4 / (s * s));
}
