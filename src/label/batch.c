/* batch.c — labelling many structures: resumable batches run here, up to
 * `jobs` labels at a time in the workers of a process pool (nacre/
 * procpool.h: each worker labels the structure it is sent and answers
 * with the result; a worker that dies is a failed label, not a failed
 * batch), and batches prepared for a cluster's queue and collected
 * afterwards. This process alone writes the output and the failure log
 * (journal.c); one label is run.c's. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "label_internal.h"
#include "nacre/procpool.h"

/* The set-up of every distinct set of elements among the structures to
 * label (todo[i] set) is checked once before any label: a DFT code's
 * inputs are written into a scratch directory (template,
 * pseudopotentials), a labeller of this process checks that it knows the
 * elements. A failure stops the batch before anything is written and is
 * not recorded against a structure. */
static nacre_status check_setup(const label_session *ls,
                                const nacre_label_options *opt,
                                nacre_structure *const *structures,
                                const char *todo, int n, nacre_error *err) {
  typedef struct {
    unsigned long long bits[2]; /* elements 1..127 */
  } element_set;
  element_set *seen = NULL;
  int nseen = 0;
  nacre_status st = NACRE_OK;
  for (int i = 0; i < n && !st; i++) {
    if (!todo[i]) continue;
    element_set e = {{0, 0}};
    for (int a = 0; a < structures[i]->natoms; a++) {
      int z = structures[i]->numbers[a] & 127;
      e.bits[z >> 6] |= 1ULL << (z & 63);
    }
    int known = 0;
    for (int k = 0; k < nseen && !known; k++)
      known = seen[k].bits[0] == e.bits[0] && seen[k].bits[1] == e.bits[1];
    if (known) continue;
    element_set *grown = realloc(seen, sizeof *seen * (size_t)(nseen + 1));
    if (!grown) {
      st = nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
      break;
    }
    seen = grown;
    seen[nseen++] = e;
    nacre_error e2;
    nacre_error_clear(&e2);
    if (label_check_setup(ls, opt, structures[i], &e2)) {
      char id[40];
      nacre_label_id(i, structures[i], id);
      st = nacre_error_set(err, e2.status,
                           "cannot label structure %s with %s: %s", id,
                           ls->ops->name, e2.message);
    }
  }
  free(seen);
  return st;
}

/* What the jobs of a batch share. */
typedef struct batch {
  const nacre_label_options *opt;
  nacre_structure *const *structures;
  const nacre_label_keys *keys;
  const char *output, *failed_log;
  label_session session;
  label_ids done, failed;
  nacre_label_summary *summary;
  const nacre_ctx *ctx;
  int todo, finished, run_failures;
  double t0;
  int fatal;               /* a status that stops the batch */
  nacre_error fatal_err;
} batch;

static void set_fatal(batch *b, nacre_status st, const nacre_error *e) {
  if (b->fatal) return;
  b->fatal = st;
  b->fatal_err = *e;
}

/* A converged label: its frame appended to the output. */
static void record_label(batch *b, int i, const char *id,
                         const nacre_label_result *r) {
  char *text = NULL;
  size_t len = 0;
  int k = 0;
  nacre_error e;
  nacre_error_clear(&e);
  nacre_status ws = nacre_label_frame_text(
      b->structures[i], b->keys ? &b->keys[i] : NULL, r,
      b->session.ops->name, id, &text, &len, &e);
  if (!ws) ws = nacre_label_append(b->output, text, len, &e);
  if (ws) {
    set_fatal(b, ws, &e);
  } else {
    b->run_failures = 0;
    b->summary->done++;
    b->summary->wall_s += r->wall_s;
    b->summary->atoms += b->structures[i]->natoms;
    k = ++b->finished;
  }
  free(text);
  if (k) {
    double el = nacre_now_s() - b->t0, rate = el > 0 ? 3600.0 * k / el : 0;
    char scf[48] = "";
    if (r->scf_steps > 0)
      snprintf(scf, sizeof scf, ", %d SCF step%s", r->scf_steps,
               r->scf_steps == 1 ? "" : "s");
    nacre_log(b->ctx, NACRE_LOG_INFO,
              "label %d/%d %s: %d atom%s, %.1f s%s; %.1f labels/h, %.1f h "
              "to go",
              k, b->todo, id, b->structures[i]->natoms,
              b->structures[i]->natoms == 1 ? "" : "s", r->wall_s, scf, rate,
              rate > 0 ? (b->todo - k) / rate : 0);
  }
}

/* A failed label: one line in the failure log; too many failed runs in a
 * row stop the batch. */
static void record_failure(batch *b, const char *id, nacre_status rs,
                           const nacre_label_result *r, const nacre_error *e) {
  char line[600], msg[400];
  int len = label_failure_line(id, rs, r->message[0] ? r->message : e->message,
                               line, msg);
  nacre_label_summary *sum = b->summary;
  b->finished++;
  sum->failed++;
  if (rs == NACRE_ERR_NOT_CONVERGED) sum->not_converged++;
  else if (rs == NACRE_ERR_PARSE) sum->parse_failed++;
  else sum->run_failed++;
  b->run_failures = rs == NACRE_ERR_NOT_CONVERGED ? 0 : b->run_failures + 1;
  nacre_error fe;
  if (b->failed_log &&
      nacre_label_append(b->failed_log, line, (size_t)len, &fe))
    set_fatal(b, fe.status, &fe);
  if (!b->fatal && b->run_failures >= NACRE_LABEL_MAX_RUN_FAILURES) {
    nacre_error_set(&fe, rs,
                    "%d runs in a row failed, the last with: %s; stopped "
                    "(fix the cause, then label the failed structures "
                    "again: nacre label --retry-failed)",
                    b->run_failures, msg);
    set_fatal(b, rs, &fe);
  }
  nacre_log(b->ctx, NACRE_LOG_WARN, "label %s failed: %s", id, msg);
}

/* ---- the workers: one structure in, its label out ---- */

/* What a worker answers: the status, the error, the result with its
 * forces after it. */
typedef struct answer {
  nacre_status status;
  nacre_error err;
  nacre_label_result r; /* forces_ev_a follow the struct */
} answer;

static nacre_status worker_label(void *user, const void *req, size_t len,
                                 void **reply, size_t *reply_len,
                                 nacre_error *err) {
  batch *b = user;
  int i;
  if (len != sizeof i)
    return nacre_error_set(err, NACRE_ERR_INVALID, "label request of %zu bytes",
                           len);
  memcpy(&i, req, sizeof i);
  nacre_label_result r;
  nacre_label_result_init(&r);
  nacre_error e;
  nacre_error_clear(&e);
  nacre_status rs = label_run(&b->session, b->opt, b->structures[i], &r,
                              b->ctx, &e);
  size_t nf = r.forces_ev_a ? 3 * (size_t)r.natoms : 0;
  answer *a = malloc(sizeof *a + nf * sizeof(double));
  if (!a) {
    nacre_label_result_clear(&r);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  }
  a->status = rs;
  a->err = e;
  a->r = r;
  a->r.forces_ev_a = NULL;
  if (nf) memcpy(a + 1, r.forces_ev_a, nf * sizeof(double));
  nacre_label_result_clear(&r);
  *reply = a;
  *reply_len = sizeof *a + nf * sizeof(double);
  return NACRE_OK;
}

/* The answer of a worker for structure i, recorded. */
static void take_answer(batch *b, int i, const nacre_procpool_result *res) {
  char id[40];
  nacre_label_id(i, b->structures[i], id);
  nacre_label_result r;
  nacre_label_result_init(&r);
  nacre_error e;
  nacre_error_clear(&e);
  nacre_status rs;
  const answer *a = res->reply;
  if (res->status != NACRE_OK || res->reply_len < sizeof *a) {
    /* the worker could not answer (it died, or ran out of memory) */
    rs = NACRE_ERR_EXTERNAL;
    nacre_error_set(&e, rs, "the worker labelling it failed: %s",
                    res->message[0] ? res->message : "no answer");
  } else {
    rs = a->status;
    e = a->err;
    r = a->r;
    size_t nf = (res->reply_len - sizeof *a) / sizeof(double);
    if (nf) {
      r.forces_ev_a = malloc(nf * sizeof(double));
      if (r.forces_ev_a) memcpy(r.forces_ev_a, a + 1, nf * sizeof(double));
      else if (!rs) rs = nacre_error_set(&e, NACRE_ERR_NOMEM, "out of memory");
    }
  }
  if (rs == NACRE_OK) record_label(b, i, id, &r);
  else if (rs == NACRE_ERR_INTERRUPTED || r.setup_error) set_fatal(b, rs, &e);
  else record_failure(b, id, rs, &r, &e);
  nacre_label_result_clear(&r);
}

/* The next structure to label after *next (skipping those done or failed
 * before), or −1. */
static int next_todo(batch *b, int n, int *next) {
  while (*next < n) {
    int i = (*next)++;
    char id[40];
    nacre_label_id(i, b->structures[i], id);
    if (label_ids_has(&b->done, id) || label_ids_has(&b->failed, id)) {
      b->summary->skipped++;
      continue;
    }
    return i;
  }
  return -1;
}

/* Hands the structures to the workers until all are labelled, the batch
 * fails or it is interrupted (then the workers are killed, and with them
 * their DFT runs through each run's watchdog). */
static nacre_status run_pool(batch *b, int n, int jobs, nacre_error *err) {
  nacre_procpool_options po;
  nacre_procpool_options_init(&po);
  po.workers = jobs < n ? jobs : (n > 0 ? n : 1);
  po.own_group = 1;
  nacre_procpool *pool = NULL;
  nacre_status st = nacre_procpool_new(&po, worker_label, b, &pool, err);
  if (st) return st;
  int next = 0, pending = -1; /* a structure not handed out yet */
  long held[NACRE_PROCPOOL_MAX];
  for (;;) {
    if (b->fatal || nacre_ctx_interrupted(b->ctx)) break;
    if (pending < 0) pending = next_todo(b, n, &next);
    int k = pending >= 0 ? nacre_procpool_idle(pool) : -1;
    if (k >= 0) {
      nacre_error e;
      if (nacre_procpool_submit(pool, k, pending, &pending, sizeof pending,
                                &e)) {
        set_fatal(b, e.status, &e);
        break;
      }
      pending = -1;
      continue;
    }
    if (!nacre_procpool_busy(pool)) {
      if (pending >= 0) { /* work left and no worker alive */
        nacre_error e;
        nacre_error_set(&e, NACRE_ERR_EXTERNAL,
                        "every labelling worker has died");
        set_fatal(b, e.status, &e);
      }
      break;
    }
    for (int w = 0; w < nacre_procpool_size(pool); w++)
      held[w] = nacre_procpool_task(pool, w);
    nacre_procpool_result res;
    nacre_error e;
    nacre_error_clear(&e);
    nacre_status ws = nacre_procpool_wait(pool, 200, &res, &e);
    if (ws) {
      /* a worker died: the structure it held is a failed label */
      for (int w = 0; w < nacre_procpool_size(pool); w++)
        if (held[w] >= 0 && nacre_procpool_task(pool, w) < 0) {
          res.status = ws;
          res.reply = NULL;
          res.reply_len = 0;
          snprintf(res.message, sizeof res.message, "%s", e.message);
          take_answer(b, (int)held[w], &res);
        }
    } else if (res.worker >= 0) {
      take_answer(b, (int)res.tag, &res);
      free(res.reply);
    }
  }
  /* stopped early: busy workers are killed, their runs stopped by their
   * watchdogs */
  nacre_procpool_free(pool, nacre_procpool_busy(pool) > 0);
  return NACRE_OK;
}

/* Ids known, the session open, the set-up checked. */
static nacre_status batch_start(batch *b, int n, int retry_failed,
                                nacre_error *err) {
  nacre_status st = label_known_ids(b->output,
                                    retry_failed ? NULL : b->failed_log,
                                    &b->done, &b->failed, err);
  if (st) return st;
  char *pending = calloc((size_t)n + 1, 1);
  if (!pending) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  for (int i = 0; i < n; i++) {
    char id[40];
    nacre_label_id(i, b->structures[i], id);
    pending[i] = !label_ids_has(&b->done, id) && !label_ids_has(&b->failed, id);
    b->todo += pending[i];
  }
  st = label_session_open(&b->session, b->opt, err);
  if (!st) st = check_setup(&b->session, b->opt, b->structures, pending, n, err);
  free(pending);
  return st;
}

nacre_status nacre_label_batch(const nacre_label_options *opt,
                               nacre_structure *const *structures,
                               const nacre_label_keys *keys, int n,
                               const char *output, const char *failed_log,
                               int jobs, int retry_failed,
                               nacre_label_summary *summary,
                               const nacre_ctx *ctx, nacre_error *err) {
  memset(summary, 0, sizeof *summary);
  summary->total = n;
  batch b;
  memset(&b, 0, sizeof b);
  b.opt = opt, b.structures = structures, b.keys = keys;
  b.output = output, b.failed_log = failed_log;
  b.summary = summary, b.ctx = ctx;
  nacre_error_clear(&b.fatal_err);
  if (jobs < 1) jobs = 1;
  nacre_status st = batch_start(&b, n, retry_failed, err);
  if (!st) {
    b.t0 = nacre_now_s();
    nacre_log(ctx, NACRE_LOG_INFO,
              "label: %d structure%s, %d already done or failed, %d to label "
              "with %d job%s",
              n, n == 1 ? "" : "s", n - b.todo, b.todo, jobs,
              jobs == 1 ? "" : "s");
    st = run_pool(&b, n, jobs, err);
    if (st) {
      /* the pool could not be started: err says why */
    } else if (b.fatal) {
      if (err) *err = b.fatal_err;
      st = (nacre_status)b.fatal;
    } else if (nacre_ctx_interrupted(ctx)) {
      st = nacre_error_set(err, NACRE_ERR_INTERRUPTED, "labelling interrupted");
    }
  }
  label_session_close(&b.session);
  label_ids_free(&b.done);
  label_ids_free(&b.failed);
  return st;
}

/* ---- batches run elsewhere ---- */

static nacre_status need_command_code(const nacre_label_options *opt,
                                      nacre_error *err) {
  const label_code_ops *ops = label_code(opt->code);
  if (!ops)
    return nacre_error_set(err, NACRE_ERR_INVALID, "unknown label code %d",
                           (int)opt->code);
  if (!ops->write_inputs)
    return nacre_error_set(err, NACRE_ERR_UNSUPPORTED,
                           "the %s labeller cannot be prepared to run "
                           "elsewhere",
                           ops->name);
  return NACRE_OK;
}

/* DIR/ID/run.sh runs the label from anywhere (an array job, xargs -P),
 * with one OpenMP/BLAS thread per process unless the job sets them (as
 * nacre label does: a threaded BLAS only spins). */
static nacre_status write_run_script(const char *sub, const char *id,
                                     const char *command, nacre_error *err) {
  char path[1300], script[2600];
  snprintf(path, sizeof path, "%s/run.sh", sub);
  snprintf(script, sizeof script,
           "#!/bin/sh\n# nacre label: structure %s\ncd \"$(dirname \"$0\")\" "
           "|| exit 1\n"
           ": \"${OMP_NUM_THREADS:=1}\" \"${OPENBLAS_NUM_THREADS:=1}\"\n"
           "export OMP_NUM_THREADS OPENBLAS_NUM_THREADS\n"
           "%s >> label.out 2>&1\n",
           id, command);
  nacre_status st = label_write_file(path, script, err);
  if (!st && chmod(path, 0755) != 0)
    st = nacre_error_set(err, NACRE_ERR_IO, "chmod %s: %s", path,
                         strerror(errno));
  return st;
}

nacre_status nacre_label_prepare_batch(const nacre_label_options *opt,
                                       nacre_structure *const *structures,
                                       int n, const char *dir,
                                       const char *output,
                                       const char *failed_log,
                                       int *prepared, int *skipped,
                                       nacre_error *err) {
  *prepared = *skipped = 0;
  label_ids done, failed;
  nacre_status st = need_command_code(opt, err);
  if (st) return st;
  if ((st = label_known_ids(output, failed_log, &done, &failed, err)))
    return st;
  if (mkdir(dir, 0755) != 0 && errno != EEXIST)
    st = nacre_error_set(err, NACRE_ERR_IO, "cannot create %s: %s", dir,
                         strerror(errno));
  char list_path[1200];
  snprintf(list_path, sizeof list_path, "%s/jobs.txt", dir);
  FILE *list = st ? NULL : fopen(list_path, "w");
  if (!st && !list)
    st = nacre_error_set(err, NACRE_ERR_IO, "cannot write %s: %s", list_path,
                         strerror(errno));
  for (int i = 0; i < n && !st; i++) {
    char id[40], sub[1200], command[2048];
    nacre_label_id(i, structures[i], id);
    if (label_ids_has(&done, id) || label_ids_has(&failed, id)) {
      (*skipped)++;
      continue;
    }
    snprintf(sub, sizeof sub, "%s/%s", dir, id);
    if (mkdir(sub, 0755) != 0 && errno != EEXIST) {
      st = nacre_error_set(err, NACRE_ERR_IO, "cannot create %s: %s", sub,
                           strerror(errno));
      break;
    }
    st = nacre_label_prepare(opt, structures[i], sub, command, sizeof command,
                             err);
    if (st) {
      nacre_error_prefix(err, "structure %d: ", i);
      break;
    }
    st = write_run_script(sub, id, command, err);
    if (!st) {
      fprintf(list, "%s\n", id);
      (*prepared)++;
    }
  }
  if (list && fclose(list) != 0 && !st)
    st = nacre_error_set(err, NACRE_ERR_IO, "%s: %s", list_path,
                         strerror(errno));
  label_ids_free(&done);
  label_ids_free(&failed);
  return st;
}

nacre_status nacre_label_collect_batch(const nacre_label_options *opt,
                                       nacre_structure *const *structures,
                                       const nacre_label_keys *keys, int n,
                                       const char *dir, const char *output,
                                       const char *failed_log,
                                       nacre_label_summary *summary,
                                       const nacre_ctx *ctx,
                                       nacre_error *err) {
  memset(summary, 0, sizeof *summary);
  summary->total = n;
  label_ids done, failed;
  nacre_status st = need_command_code(opt, err);
  if (st) return st;
  if ((st = label_known_ids(output, failed_log, &done, &failed, err)))
    return st;
  const char *code = nacre_label_code_name(opt->code);
  for (int i = 0; i < n && !st; i++) {
    char id[40], sub[1200];
    nacre_label_id(i, structures[i], id);
    if (label_ids_has(&done, id) || label_ids_has(&failed, id)) {
      summary->skipped++;
      continue;
    }
    snprintf(sub, sizeof sub, "%s/%s", dir, id);
    nacre_label_result r;
    nacre_label_result_init(&r);
    nacre_error e;
    nacre_error_clear(&e);
    nacre_status rs = nacre_label_collect(opt, structures[i], sub, &r, &e);
    if (rs == NACRE_OK) {
      char *text = NULL;
      size_t len = 0;
      st = nacre_label_frame_text(structures[i], keys ? &keys[i] : NULL, &r,
                                  code, id, &text, &len, err);
      if (!st) st = nacre_label_append(output, text, len, err);
      free(text);
      if (!st) {
        summary->done++;
        summary->wall_s += r.wall_s;
        summary->atoms += structures[i]->natoms;
      }
    } else if (rs == NACRE_ERR_IO || rs == NACRE_ERR_PARSE) {
      /* no output yet, or one still being written (or cut by a crash):
       * left for a later collect */
      summary->pending++;
      nacre_log(ctx, NACRE_LOG_INFO, "label %s: pending (%s)", id, e.message);
    } else {
      char line[600], msg[400];
      int len = label_failure_line(id, rs, r.message[0] ? r.message : e.message,
                                   line, msg);
      summary->failed++;
      if (rs == NACRE_ERR_NOT_CONVERGED) summary->not_converged++;
      else summary->run_failed++;
      if (failed_log) st = nacre_label_append(failed_log, line, (size_t)len, err);
      nacre_log(ctx, NACRE_LOG_WARN, "label %s failed: %s", id, msg);
    }
    nacre_label_result_clear(&r);
  }
  label_ids_free(&done);
  label_ids_free(&failed);
  return st;
}
