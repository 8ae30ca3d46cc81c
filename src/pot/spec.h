/* spec.h — parsing of inline potential specifications
 * ("lj:epsilon=0.0104,sigma=3.4,cutoff=8.5,shift=1"). Internal to pot/. */
#ifndef NACRE_POT_SPEC_H
#define NACRE_POT_SPEC_H

#include "nacre/core.h"

#define SPEC_MAX_KEYS 16

typedef struct {
  const char *kind; /* text before ':' */
  int n;
  char key[SPEC_MAX_KEYS][32];
  double value[SPEC_MAX_KEYS];
  int used[SPEC_MAX_KEYS];
} pot_spec;

/* Parses "kind:k=v,k=v". Values must be finite numbers. */
nacre_status nacre_pot_spec_parse(const char *spec, pot_spec *out, nacre_error *err);
/* Value of key (case-sensitive); *found set to 0 if absent. Marks it used. */
double nacre_pot_spec_get(pot_spec *sp, const char *key, double fallback, int *found);
/* Required key; error naming the spec and the key when absent. */
nacre_status nacre_pot_spec_require(pot_spec *sp, const char *key, double *value,
                              nacre_error *err);
/* Error for any key that no nacre_pot_spec_get/require asked for. */
nacre_status nacre_pot_spec_check_unused(const pot_spec *sp, nacre_error *err);

#endif
