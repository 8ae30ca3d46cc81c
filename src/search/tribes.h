/* tribes.h — multi-tribe evolution with restarts of stagnant tribes, shared
 * by the search loop (engine.c) and the reports (report.c), which replay it
 * from the stored candidates. Not part of the public API. */
#ifndef NACRE_SEARCH_TRIBES_H
#define NACRE_SEARCH_TRIBES_H

#include "nacre/search.h"

/* A generation's slots [0, population) are split into n tribes of
 * consecutive slots, the first population % n tribes one slot larger. A
 * tribe breeds only from the minima its own candidates found since it last
 * started (its epoch); a tribe whose lowest enthalpy per atom since then
 * has not fallen by more than 1e-5 eV/atom in `restart` generations starts
 * again: its next generation is all random structures, and what it found
 * before stays in the pool, the results and the global best. */
typedef struct search_tribes {
  int n;
  int population;
  int epoch[NACRE_MAX_TRIBES];    /* generation each tribe last started at */
  int stall[NACRE_MAX_TRIBES];    /* generations since its lowest fell */
  double best[NACRE_MAX_TRIBES];  /* its lowest enthalpy since, eV/atom */
  long restarts;                  /* restarts of every tribe so far */
} search_tribes;

/* The tribe of a slot, and the first slot of tribe t (t = n: population). */
int search_tribe_of_slot(const search_tribes *tr, int slot);
int search_tribe_first_slot(const search_tribes *tr, int t);

/* The tribes' state before generation `gen`, replayed from c[0..n) (ids in
 * order, id = generation × population + slot) over the generations below
 * gen whose candidates have all finished; tribes ≤ 1 gives one tribe that
 * never restarts. */
void search_tribes_replay(search_tribes *tr, const nacre_search_config *cfg,
                          const nacre_candidate *c, long n, int gen);

#endif
