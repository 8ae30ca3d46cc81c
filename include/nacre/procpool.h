/* nacre/procpool.h — a pool of forked worker processes (part of core). Each
 * worker runs one function on requests the parent sends as byte messages
 * and answers with a byte message; the parent hands a request to an idle
 * worker and waits for whichever answers first. Workers share nothing with
 * the parent after the fork, so the function may use library state that is
 * not thread-safe, or start external programs.
 *
 * Typical use (the search relaxes candidates, a labeller runs DFT codes):
 *
 *   nacre_procpool *p;
 *   nacre_procpool_new(&opt, work, user, &p, &err);
 *   while (work left or some worker busy) {
 *     int k = nacre_procpool_idle(p);
 *     if (k >= 0 && work left) nacre_procpool_submit(p, k, tag, req, n, &err);
 *     else nacre_procpool_wait(p, 500, &res, &err);  // res.worker < 0: none
 *   }
 *   nacre_procpool_free(p, 0);
 *
 * Robustness: a worker that dies is reported by nacre_procpool_wait with the
 * tag it held; workers die with the parent (Linux: a parent-death signal),
 * so a killed run leaves none behind. */
#ifndef NACRE_PROCPOOL_H
#define NACRE_PROCPOOL_H

#include <stddef.h>

#include "nacre/core.h"

#ifdef __cplusplus
extern "C" {
#endif

#define NACRE_PROCPOOL_MAX 256 /* workers at most */

/* The work of a worker: answers request req (len bytes) with *reply
 * (malloc'd, *reply_len bytes, freed by the pool; may be NULL with length
 * 0), or returns a non-OK status with err set, which the parent receives
 * instead of an answer. Runs in the worker process. */
typedef nacre_status (*nacre_procpool_fn)(void *user, const void *req,
                                          size_t len, void **reply,
                                          size_t *reply_len, nacre_error *err);

typedef struct nacre_procpool_options {
  int workers;        /* 1..NACRE_PROCPOOL_MAX (1) */
  int single_thread;  /* workers run OpenMP regions on one thread: the
                         workers are the parallelism (1) */
  int own_group;      /* each worker leads its own process group and is
                         killed as a group when abandoned: for work that
                         starts external programs (0) */
} nacre_procpool_options;

void nacre_procpool_options_init(nacre_procpool_options *o);

typedef struct nacre_procpool nacre_procpool;

/* Forks the workers. fn and user are what each worker calls. */
nacre_status nacre_procpool_new(const nacre_procpool_options *o,
                                nacre_procpool_fn fn, void *user,
                                nacre_procpool **out, nacre_error *err);
int nacre_procpool_size(const nacre_procpool *p);
/* Worker k's process id, for messages. */
int nacre_procpool_pid(const nacre_procpool *p, int k);
/* The tag worker k holds, or −1 when it is idle. */
long nacre_procpool_task(const nacre_procpool *p, int k);
/* An idle worker, or −1 when all are busy. */
int nacre_procpool_idle(const nacre_procpool *p);
/* Number of busy workers. */
int nacre_procpool_busy(const nacre_procpool *p);

/* Hands request (tag ≥ 0, len bytes) to idle worker k. NACRE_ERR_EXTERNAL
 * when the worker is gone. */
nacre_status nacre_procpool_submit(nacre_procpool *p, int k, long tag,
                                   const void *req, size_t len,
                                   nacre_error *err);

typedef struct nacre_procpool_result {
  int worker;           /* −1: nothing came within the timeout */
  long tag;             /* the request's tag */
  nacre_status status;  /* of the worker's function */
  void *reply;          /* status OK: the answer (caller frees) */
  size_t reply_len;
  char message[NACRE_ERROR_MESSAGE_MAX]; /* status not OK: its message */
} nacre_procpool_result;

/* Waits up to timeout_ms (< 0: until one answers) for a busy worker's
 * answer; that worker is idle again. Returns NACRE_OK with res->worker = −1
 * when nothing came (or nothing is busy), NACRE_ERR_EXTERNAL naming the
 * worker, its pid and the tag when a worker died or broke the protocol. */
nacre_status nacre_procpool_wait(nacre_procpool *p, int timeout_ms,
                                 nacre_procpool_result *res, nacre_error *err);

/* Ends the pool and frees p. abandon = 0: idle workers exit, busy ones
 * finish their request first (the answer is dropped); abandon = 1: every
 * worker (its process group with own_group) is killed at once. */
void nacre_procpool_free(nacre_procpool *p, int abandon);

#ifdef __cplusplus
}
#endif
#endif
