/* transport_fork.c — search workers as a core process pool
 * (nacre/procpool.h): the request is (id, pressure, structure), the answer
 * (reply, relaxed structure), both packed as bytes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nacre/procpool.h"
#include "transport.h"

typedef struct fork_transport {
  search_transport base;
  nacre_procpool *pool;
  nacre_search_relax_fn relax;
  void *user;
  long task[NACRE_PROCPOOL_MAX];
} fork_transport;

/* ---- structures as bytes: natoms, pbc[3], cell, numbers, positions ---- */

static size_t packed_size(const nacre_structure *s) {
  return 4 * sizeof(int) + sizeof s->cell +
         (size_t)s->natoms * (sizeof(int) + 3 * sizeof(double));
}

static char *pack(char *p, const nacre_structure *s) {
  int head[4] = {s->natoms, s->pbc[0], s->pbc[1], s->pbc[2]};
  memcpy(p, head, sizeof head);
  p += sizeof head;
  memcpy(p, s->cell, sizeof s->cell);
  p += sizeof s->cell;
  memcpy(p, s->numbers, sizeof(int) * (size_t)s->natoms);
  p += sizeof(int) * (size_t)s->natoms;
  memcpy(p, s->positions, sizeof(double) * 3 * (size_t)s->natoms);
  return p + sizeof(double) * 3 * (size_t)s->natoms;
}

/* The structure packed at p (n bytes left), or NULL when they do not hold
 * one. */
static nacre_structure *unpack(const char *p, size_t n) {
  int head[4];
  if (n < sizeof head) return NULL;
  memcpy(head, p, sizeof head);
  if (head[0] < 0 || head[0] > 10000000) return NULL;
  nacre_structure *s = nacre_structure_new(head[0], NULL);
  if (!s) return NULL;
  if (n < packed_size(s)) {
    nacre_structure_free(s);
    return NULL;
  }
  p += sizeof head;
  memcpy(s->pbc, head + 1, sizeof s->pbc);
  memcpy(s->cell, p, sizeof s->cell);
  p += sizeof s->cell;
  memcpy(s->numbers, p, sizeof(int) * (size_t)s->natoms);
  p += sizeof(int) * (size_t)s->natoms;
  memcpy(s->positions, p, sizeof(double) * 3 * (size_t)s->natoms);
  return s;
}

/* ---- the worker ---- */

typedef struct request_head {
  long id;
  double pressure_gpa;
} request_head;

static nacre_status work(void *user, const void *req, size_t len,
                         void **reply, size_t *reply_len, nacre_error *err) {
  const fork_transport *t = user;
  request_head h;
  if (len < sizeof h)
    return nacre_error_set(err, NACRE_ERR_PARSE, "short request");
  memcpy(&h, req, sizeof h);
  nacre_structure *s = unpack((const char *)req + sizeof h, len - sizeof h);
  if (!s) return nacre_error_set(err, NACRE_ERR_PARSE, "bad structure");
  search_reply r;
  memset(&r, 0, sizeof r);
  r.id = h.id;
  nacre_error e;
  nacre_error_clear(&e);
  r.status = t->relax(t->user, s, h.pressure_gpa, &r.out, &e);
  snprintf(r.message, sizeof r.message, "%s", e.message);
  size_t n = sizeof r + packed_size(s);
  char *buf = malloc(n);
  if (!buf) {
    nacre_structure_free(s);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  }
  memcpy(buf, &r, sizeof r);
  pack(buf + sizeof r, s);
  nacre_structure_free(s);
  *reply = buf;
  *reply_len = n;
  return NACRE_OK;
}

/* ---- the transport ---- */

static void fork_describe(const search_transport *base, int k, char *buf,
                          size_t n) {
  const fork_transport *t = (const fork_transport *)base;
  snprintf(buf, n, "worker %d (pid %d)", k, nacre_procpool_pid(t->pool, k));
}

static nacre_status fork_send(search_transport *base, int k, long id,
                              const nacre_structure *s, double pressure_gpa,
                              nacre_error *err) {
  fork_transport *t = (fork_transport *)base;
  request_head h = {id, pressure_gpa};
  size_t n = sizeof h + packed_size(s);
  char *buf = malloc(n);
  if (!buf) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  memcpy(buf, &h, sizeof h);
  pack(buf + sizeof h, s);
  nacre_status st = nacre_procpool_submit(t->pool, k, id, buf, n, err);
  free(buf);
  if (st) return st;
  base->task[k] = id;
  return NACRE_OK;
}

static nacre_status fork_recv(search_transport *base, int timeout_ms, int *k,
                              search_reply *rep, nacre_structure **s,
                              nacre_error *err) {
  fork_transport *t = (fork_transport *)base;
  *k = -1;
  *s = NULL;
  nacre_procpool_result res;
  nacre_status st = nacre_procpool_wait(t->pool, timeout_ms, &res, err);
  if (st) return st;
  if (res.worker < 0) return NACRE_OK;
  base->task[res.worker] = -1;
  if (res.status != NACRE_OK || res.reply_len < sizeof *rep) {
    free(res.reply);
    char who[64];
    fork_describe(base, res.worker, who, sizeof who);
    return nacre_error_set(err, NACRE_ERR_EXTERNAL,
                           "%s could not relax candidate %ld: %s", who, res.tag,
                           res.message);
  }
  memcpy(rep, res.reply, sizeof *rep);
  *s = unpack((const char *)res.reply + sizeof *rep,
              res.reply_len - sizeof *rep);
  free(res.reply);
  if (!*s || rep->id != res.tag)
    return nacre_error_set(err, NACRE_ERR_EXTERNAL,
                           "worker %d answered candidate %ld with a broken "
                           "message",
                           res.worker, res.tag);
  *k = res.worker;
  return NACRE_OK;
}

static void fork_close(search_transport *base, int abandon) {
  fork_transport *t = (fork_transport *)base;
  nacre_procpool_free(t->pool, abandon);
  free(t);
}

nacre_status search_fork_new(int nworkers, nacre_search_relax_fn relax,
                             void *user, search_transport **out,
                             nacre_error *err) {
  *out = NULL;
  fork_transport *t = calloc(1, sizeof *t);
  if (!t) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  t->relax = relax;
  t->user = user;
  nacre_procpool_options o;
  nacre_procpool_options_init(&o);
  o.workers = nworkers;
  nacre_status st = nacre_procpool_new(&o, work, t, &t->pool, err);
  if (st) {
    free(t);
    return st;
  }
  for (int k = 0; k < nworkers; k++) t->task[k] = -1;
  t->base.nworkers = nworkers;
  t->base.task = t->task;
  t->base.send = fork_send;
  t->base.recv = fork_recv;
  t->base.describe = fork_describe;
  t->base.close = fork_close;
  *out = &t->base;
  return NACRE_OK;
}
