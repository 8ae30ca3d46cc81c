/* crowding.c — a fitness that penalises crowding in fingerprint space:
 * each parent pays for the lower parents of its own funnel, so the bottoms
 * of all funnels rank before the second-best of the most crowded one
 * (fitness sharing by niche count, Goldberg & Richardson 1987, with the
 * niches the funnels of nacre_fingerprint_funnels). */
#include <stdlib.h>

#include "crowding.h"

nacre_status search_crowding_penalty(const nacre_fingerprint *const *fp,
                                     long m, double weight, double *score,
                                     nacre_error *err) {
  if (m < 1 || !(weight > 0)) return NACRE_OK;
  int *funnel = malloc(sizeof *funnel * (size_t)m),
      *below = calloc((size_t)m, sizeof *below);
  if (!funnel || !below) {
    free(funnel);
    free(below);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  }
  nacre_fingerprint_funnels(fp, m, NACRE_FUNNEL_DISTANCE, funnel);
  for (long i = 0; i < m; i++) score[i] += weight * below[funnel[i]]++;
  free(funnel);
  free(below);
  return NACRE_OK;
}
