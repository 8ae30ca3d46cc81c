/* run_internal.h — the run database shared by rundb.c (storage) and
 * engine.c (the search loop). Not part of the public API. */
#ifndef NACRE_SEARCH_RUN_INTERNAL_H
#define NACRE_SEARCH_RUN_INTERNAL_H

#include <sqlite3.h>

#include "nacre/search.h"

struct nacre_run {
  sqlite3 *db;
  int lock_fd;          /* flock()ed RUN.db.lock; −1 when read-only */
  int readonly;
  nacre_search_config cfg;
  char stop_reason[96]; /* why the last nacre_search_run returned */
  nacre_soft_modes_fn soft_modes; /* NULL: none set (nacre_run_set_soft_modes) */
  void *soft_modes_user;
  nacre_escape_fn escape; /* NULL: none set (nacre_run_set_escape) */
  void *escape_user;
  nacre_search_hull_fn hull; /* NULL: none set (nacre_run_set_hull) */
  void *hull_user;
};

nacre_status run_begin(nacre_run *r, nacre_error *err);
nacre_status run_commit(nacre_run *r, nacre_error *err);
void run_rollback(nacre_run *r);
/* Inserts a pending candidate with its start structure (in the caller's
 * transaction). */
nacre_status run_insert_pending(nacre_run *r, const nacre_candidate *c,
                                int particle, nacre_error *err);
/* Stores the outcome of a relaxation (status done or failed) in its own
 * transaction. */
nacre_status run_store_result(nacre_run *r, const nacre_candidate *c,
                              nacre_error *err);
nacre_status run_store_duplicate(nacre_run *r, long id, long dup_of,
                                 nacre_error *err);
/* Every candidate in id order (pending ones with their start structure,
 * finished ones with both structures and fingerprint); particle per
 * candidate in *particle (may be NULL). */
nacre_status run_load_all(nacre_run *r, nacre_candidate **out, int **particle,
                          long *n, nacre_error *err);
nacre_status run_meta_set(nacre_run *r, const char *key, const char *value,
                          nacre_error *err);

/* Distinct minima of a composition range at most this far above the hull
 * are near it (eV/atom): parents besides each composition's best, what
 * --saturation counts and what the report ranks them by. */
#define SEARCH_NEAR_HULL_EV 0.05

/* Heights above the hull of the run's composition range (run->hull), in
 * eV/atom, of the distinct minima c[ids[k]], k < n, into above[k];
 * *all_pure tells whether every element had a pure minimum among them
 * (when not, each minimum is measured against the lowest of its own
 * composition). varcomp.c. */
nacre_status varcomp_hull_heights(const nacre_run *run, const nacre_candidate *c,
                                  const long *ids, long n, double *above,
                                  int *all_pure, nacre_error *err);

/* The search loop of a variable-composition run (varcomp.c); the
 * arguments are search_run_on's, the transport already made or NULL. */
struct search_transport;
nacre_status varcomp_run_on(nacre_run *run, nacre_search_relax_fn relax,
                            void *relax_user, struct search_transport *t,
                            nacre_search_progress_fn prog, void *prog_user,
                            const nacre_ctx *ctx, nacre_error *err);

#endif
