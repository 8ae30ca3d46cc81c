/* dedup.h — the pool of unique minima: duplicates by fingerprint, enthalpy
 * and volume, folded in candidate order, shared by the search loop and by
 * the reports (which refold what they read, so a live or partial run reads
 * as an uninterrupted one). Not part of the public API. */
#ifndef NACRE_SEARCH_DEDUP_H
#define NACRE_SEARCH_DEDUP_H

#include "nacre/search.h"

/* Told of every duplicate_of that changes (id, new duplicate_of). */
typedef nacre_status (*dedup_store_fn)(void *user, long id, long dup_of,
                                       nacre_error *err);

/* Folds c[idx] (status done, fingerprint and relaxed structure present)
 * into the pool unique[0..*nunique) (indices into c, room for one more):
 * a duplicate of a known minimum points to it; a lower-enthalpy copy
 * becomes the representative instead, and the old one and everything in
 * c[0..idx) that pointed to it point to the new one. store may be NULL. */
nacre_status dedup_fold(nacre_candidate *c, long idx, long *unique,
                        long *nunique, const nacre_duplicate_options *o,
                        dedup_store_fn store, void *user, nacre_error *err);
/* The same, with unique_h[k] the enthalpy per atom of unique[k] (kept up
 * to date here): minima outside the enthalpy window are passed over
 * without a look at their structures, which matters for pools of tens of
 * thousands of minima (long cluster searches). */
nacre_status dedup_fold_h(nacre_candidate *c, long idx, long *unique,
                          double *unique_h, long *nunique,
                          const nacre_duplicate_options *o,
                          dedup_store_fn store, void *user, nacre_error *err);

/* Whether a and b hold the elements in the same proportions (the minima
 * of a variable-composition run are compared only within one
 * composition). */
int dedup_same_proportions(const nacre_structure *a, const nacre_structure *b);

/* Enthalpy per atom of a finished candidate, eV. */
double dedup_h_atom(const nacre_candidate *c);

#endif
