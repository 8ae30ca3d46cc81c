/* transport.h — how the search loop (engine.c) hands candidates to workers
 * and gets relaxed structures back: forked worker processes over
 * socketpairs (transport_fork.c, `--jobs N`) or MPI ranks
 * (transport_mpi.c, builds with NACRE_MPI). Not part of the public API.
 *
 * The loop gives worker k one candidate at a time (send) and waits for any
 * busy worker to answer (recv); results are folded into the pool in id
 * order by the engine, so which worker relaxed what does not matter. */
#ifndef NACRE_SEARCH_TRANSPORT_H
#define NACRE_SEARCH_TRANSPORT_H

#include <stddef.h>

#include "nacre/search.h"

/* A relaxation's outcome as a worker reports it. */
typedef struct search_reply {
  long id;
  int status;                 /* nacre_status of the relax function */
  nacre_search_relaxed out;
  char message[NACRE_ERROR_MESSAGE_MAX];
} search_reply;

typedef struct search_transport search_transport;
struct search_transport {
  int nworkers;
  long *task;                 /* per worker: candidate being relaxed, −1 idle */
  /* Gives idle worker k candidate id, to relax from s at pressure (GPa). */
  nacre_status (*send)(search_transport *t, int k, long id,
                       const nacre_structure *s, double pressure_gpa,
                       nacre_error *err);
  /* Waits up to timeout_ms for one busy worker to answer. On NACRE_OK,
   * *k = −1 means nothing came; otherwise worker k (now idle again)
   * answered with *rep and the relaxed structure *s (caller frees). */
  nacre_status (*recv)(search_transport *t, int timeout_ms, int *k,
                       search_reply *rep, nacre_structure **s,
                       nacre_error *err);
  /* "worker 2 (pid 1234)", "rank 3": for messages. */
  void (*describe)(const search_transport *t, int k, char *buf, size_t n);
  /* Ends the work in flight (dropped: those candidates stay pending) and
   * frees the transport. abandon: the search failed or stopped early. */
  void (*close)(search_transport *t, int abandon);
};

/* nworkers forked processes (1..256) calling relax(user, ...). */
nacre_status search_fork_new(int nworkers, nacre_search_relax_fn relax,
                             void *user, search_transport **out,
                             nacre_error *err);

/* 1 when the run must stop before its next relaxation: the context was
 * interrupted or the deadline (seconds of nacre_now_s, 0: none) passed;
 * the reason is then in run->stop_reason. */
int search_should_stop(nacre_run *run, const nacre_ctx *ctx, double deadline);

/* What relaxing a generation's candidates needs from the loop that owns
 * them (the fixed-composition engine or the variable-composition one). */
typedef struct search_batch {
  nacre_run *run;
  const nacre_ctx *ctx;
  double deadline;      /* as search_should_stop's */
  nacre_candidate *c;   /* the candidates, indexed by id */
  double pressure_gpa;
  nacre_search_relax_fn relax; /* in this process when t is NULL */
  void *relax_user;
  search_transport *t;
  /* takes the relaxed structure s (owned from then on) of candidate id */
  nacre_status (*finish)(void *user, long id, nacre_structure *s,
                         const nacre_search_relaxed *out, nacre_error *err);
  int (*report)(void *user); /* progress after each; 1: stop */
  void *user;
} search_batch;

/* What a relaxation reports beyond energies into its candidate: the
 * committee's deviations on the minimum and the training-domain status. */
void search_candidate_take_report(nacre_candidate *c, const nacre_search_relaxed *out);

/* What both engines count over a run (every session) and in this one. */
typedef struct search_tally {
  long finished;        /* relaxations finished, failed ones included */
  long finished_now;    /* of them in this session */
  long done;            /* usable minima */
  nacre_search_failures failures;
  nacre_search_domain domain; /* this session's training-domain reports */
  double t_start;       /* this session's start (nacre_now_s) */
} search_tally;

/* Counts candidate c as read back from the run file. */
void search_tally_stored(search_tally *t, const nacre_candidate *c);

/* The progress both engines report: the tally's counts, the budget, the
 * generation, the pool's distinct minima and the relaxations since its
 * last new low minimum, the elapsed time and the rate; the engine adds
 * its own fields. */
void search_progress_fill(nacre_search_progress *p, const search_tally *t,
                          const nacre_search_config *cfg, int gen, long unique,
                          long since_new_low, int final);

/* Hands p to prog (none: 0); 1 when it asked a running search to stop
 * (a final report cannot), the run's stop reason then "stopped". */
int search_progress_send(nacre_run *run, nacre_search_progress_fn prog,
                         void *user, const nacre_search_progress *p);

/* A finished relaxation into candidate c, the one rule of both engines:
 * c takes the relaxed structure s (owned from then on) and its figures;
 * it is a minimum (done) when the relaxation converged to a finite,
 * well-formed structure, no closer than cfg->min_relaxed_factor of the
 * minimum distances of `random`, that can be classified and
 * fingerprinted; otherwise failed, its reason counted in the tally. The
 * outcome is stored in the run; the tally counts it and the
 * training-data report. *ok is 1 for a minimum. */
nacre_status search_finish_relaxed(nacre_run *run, const nacre_search_config *cfg,
                                   const nacre_random_options *random,
                                   nacre_candidate *c, nacre_structure *s,
                                   const nacre_search_relaxed *out,
                                   search_tally *tally, int *ok,
                                   nacre_error *err);

/* Relaxes the pending candidates of [from, to), one at a time or on the
 * transport's workers. *stopped is 1 when a limit or the progress callback
 * stopped it early; work in flight then stays pending. */
nacre_status search_relax_batch(const search_batch *b, long from, long to,
                                int *stopped, nacre_error *err);

/* Makes candidate id (slot `slot` of its generation) in c[id], and its
 * swarm particle (−1: none). */
typedef nacre_status (*search_make_fn)(void *user, long id, int slot,
                                       int *particle, nacre_error *err);

/* Makes the candidates of [from, to) that the run does not hold yet (ids
 * from *n on: a killed run may have stored part of a generation, and the
 * rest is made again identically) and stores them pending in one
 * transaction; *n becomes to when any was made. */
nacre_status search_make_generation(nacre_run *run, nacre_candidate *c,
                                    long from, long to, long *n,
                                    search_make_fn make, void *user,
                                    nacre_error *err);

/* Relaxes the pending candidates of [from, to) (search_relax_batch),
 * first forking `jobs` workers into b->t when jobs > 1 and b has no
 * transport yet; *pending: how many were pending. */
nacre_status search_relax_generation(search_batch *b, int jobs, long from,
                                     long to, int *pending, int *stopped,
                                     nacre_error *err);

/* The search loop on the given transport, which it closes before
 * returning (NULL: in-process, or forked workers when the run's jobs > 1;
 * relax is used only then). */
nacre_status search_run_on(nacre_run *run, nacre_search_relax_fn relax,
                           void *relax_user, search_transport *t,
                           nacre_search_progress_fn prog, void *prog_user,
                           const nacre_ctx *ctx, nacre_error *err);

#endif
