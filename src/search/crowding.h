/* crowding.h — the crowding term of the parents' fitness (engine.c). */
#ifndef NACRE_SEARCH_CROWDING_H
#define NACRE_SEARCH_CROWDING_H

#include "nacre/search.h"

/* fp[0..m): minima sorted by enthalpy, lowest first. Groups them into
 * funnels as nacre_fingerprint_funnels does (NACRE_FUNNEL_DISTANCE) and
 * adds to score[i] weight × the minima of i's funnel that come before it.
 * NACRE_ERR_NOMEM when out of memory. */
nacre_status search_crowding_penalty(const nacre_fingerprint *const *fp,
                                     long m, double weight, double *score,
                                     nacre_error *err);

#endif
