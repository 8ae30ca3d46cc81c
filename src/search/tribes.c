/* tribes.c — multi-tribe evolution (tribes.h): islands of the population
 * that breed apart, so that one funnel's minima cannot take every parent
 * slot, and restarts of the tribes that stagnate, so that the budget goes
 * on fresh random structures instead of a funnel already explored (the
 * multi-tribe evolution of MAISE's cluster searches; island models with
 * restarts, e.g. Cantú-Paz, "Efficient and Accurate Parallel Genetic
 * Algorithms", Kluwer 2000). The state is a function of the stored
 * candidates only, so a resumed run restarts the tribes an uninterrupted
 * one restarts. */
#include "tribes.h"

#include <math.h>

#include "dedup.h"

/* A new lowest enthalpy of a tribe must lie this far below the old one
 * (eV/atom; the search's --stall uses the same). */
#define TRIBE_IMPROVEMENT 1e-5

int search_tribe_first_slot(const search_tribes *tr, int t) {
  int q = tr->population / tr->n, r = tr->population % tr->n;
  return t * q + (t < r ? t : r);
}

int search_tribe_of_slot(const search_tribes *tr, int slot) {
  int t = 0;
  while (t + 1 < tr->n && slot >= search_tribe_first_slot(tr, t + 1)) t++;
  return t;
}

/* Generation g of tribe t: its lowest enthalpy and whether a restart
 * follows it. */
static void tribe_generation(search_tribes *tr, int t, int g, double low,
                             int restart) {
  if (g == tr->epoch[t] || low < tr->best[t] - TRIBE_IMPROVEMENT) {
    tr->best[t] = low;
    tr->stall[t] = 0;
  } else {
    tr->stall[t]++;
  }
  if (restart > 0 && tr->stall[t] >= restart) {
    tr->epoch[t] = g + 1;
    tr->stall[t] = 0;
    tr->best[t] = INFINITY;
    tr->restarts++;
  }
}

void search_tribes_replay(search_tribes *tr, const nacre_search_config *cfg,
                          const nacre_candidate *c, long n, int gen) {
  int p = cfg->population;
  tr->population = p;
  tr->n = cfg->tribes > 1 ? cfg->tribes : 1;
  if (tr->n > p) tr->n = p;
  tr->restarts = 0;
  for (int t = 0; t < tr->n; t++) {
    tr->epoch[t] = 0;
    tr->stall[t] = 0;
    tr->best[t] = INFINITY;
  }
  if (tr->n < 2) return;
  for (int g = 0; g < gen; g++) {
    long from = (long)g * p;
    if (from + p > n) return;
    for (long id = from; id < from + p; id++)
      if (c[id].status == NACRE_CANDIDATE_PENDING) return;
    for (int t = 0; t < tr->n; t++) {
      double low = INFINITY;
      for (long id = from + search_tribe_first_slot(tr, t);
           id < from + search_tribe_first_slot(tr, t + 1); id++)
        if (c[id].status == NACRE_CANDIDATE_DONE && c[id].relaxed &&
            dedup_h_atom(&c[id]) < low)
          low = dedup_h_atom(&c[id]);
      tribe_generation(tr, t, g, low, cfg->tribe_restart);
    }
  }
}
