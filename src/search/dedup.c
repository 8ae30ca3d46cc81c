/* dedup.c — folding finished candidates into the pool of unique minima (see
 * dedup.h). The lowest-enthalpy copy of each minimum represents it: with
 * the search's tolerances soft structures stop a little above their
 * minimum, and a later, better-relaxed copy must not be merged into a worse
 * one. */
#include "dedup.h"

#include <math.h>
#include <string.h>

double dedup_h_atom(const nacre_candidate *c) {
  return c->enthalpy / (c->relaxed ? c->relaxed->natoms : 1);
}

static nacre_minimum_key key_of(const nacre_candidate *c) {
  nacre_minimum_key k = {c->fp, dedup_h_atom(c),
                         c->volume / c->relaxed->natoms, c->sg};
  return k;
}

static nacre_status set_dup(nacre_candidate *c, long k, long dup_of,
                            dedup_store_fn store, void *user,
                            nacre_error *err) {
  c[k].duplicate_of = dup_of;
  return store ? store(user, c[k].id, dup_of, err) : NACRE_OK;
}

int dedup_same_proportions(const nacre_structure *a, const nacre_structure *b) {
  if (a->natoms == b->natoms && !memcmp(a->numbers, b->numbers,
                                        (size_t)a->natoms * sizeof *a->numbers))
    return 1;
  for (int i = 0; i < a->natoms + b->natoms; i++) {
    int z = i < a->natoms ? a->numbers[i] : b->numbers[i - a->natoms];
    long na = 0, nb = 0;
    for (int k = 0; k < a->natoms; k++) na += a->numbers[k] == z;
    for (int k = 0; k < b->natoms; k++) nb += b->numbers[k] == z;
    if (na * b->natoms != nb * a->natoms) return 0;
  }
  return 1;
}

nacre_status dedup_fold(nacre_candidate *c, long idx, long *unique,
                        long *nunique, const nacre_duplicate_options *o,
                        dedup_store_fn store, void *user, nacre_error *err) {
  return dedup_fold_h(c, idx, unique, NULL, nunique, o, store, user, err);
}

nacre_status dedup_fold_h(nacre_candidate *c, long idx, long *unique,
                          double *unique_h, long *nunique,
                          const nacre_duplicate_options *o,
                          dedup_store_fn store, void *user, nacre_error *err) {
  nacre_minimum_key key = key_of(&c[idx]);
  long slot = -1;
  for (long k = 0; k < *nunique && slot < 0; k++) {
    /* nacre_is_duplicate's first test, on the cached enthalpy */
    if (unique_h && fabs(unique_h[k] - key.h_atom) > o->dh_ev_atom) continue;
    nacre_minimum_key uk = key_of(&c[unique[k]]);
    if (nacre_is_duplicate(&key, &uk, o) &&
        dedup_same_proportions(c[idx].relaxed, c[unique[k]].relaxed))
      slot = k;
  }
  if (slot < 0) {
    if (unique_h) unique_h[*nunique] = key.h_atom;
    unique[(*nunique)++] = idx;
    return set_dup(c, idx, -1, store, user, err);
  }
  long u = unique[slot], uid = c[u].id;
  if (!(dedup_h_atom(&c[idx]) < dedup_h_atom(&c[u])))
    return set_dup(c, idx, uid, store, user, err);
  nacre_status st = NACRE_OK;
  for (long k = 0; k < idx && !st; k++)
    if (k == u || c[k].duplicate_of == uid)
      st = set_dup(c, k, c[idx].id, store, user, err);
  if (st) return st;
  unique[slot] = idx;
  if (unique_h) unique_h[slot] = key.h_atom;
  return set_dup(c, idx, -1, store, user, err);
}
