/* transport_fork.c — search workers as forked processes, one socketpair
 * each: the parent writes (id, pressure, structure), the worker relaxes it
 * and writes back (reply, structure). */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <omp.h>

#include "transport.h"

#define FORK_MAX_WORKERS 256

typedef struct fork_transport {
  search_transport base;
  nacre_search_relax_fn relax;
  void *user;
  pid_t pid[FORK_MAX_WORKERS];
  int fd[FORK_MAX_WORKERS];
  long task[FORK_MAX_WORKERS];
} fork_transport;

static int write_all(int fd, const void *buf, size_t n) {
  const char *p = buf;
  while (n) {
    ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return -1;
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

static int read_all(int fd, void *buf, size_t n) {
  char *p = buf;
  while (n) {
    ssize_t r = read(fd, p, n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return -1;
    p += r;
    n -= (size_t)r;
  }
  return 0;
}

static int send_structure(int fd, const nacre_structure *s) {
  int head[4] = {s->natoms, s->pbc[0], s->pbc[1], s->pbc[2]};
  if (write_all(fd, head, sizeof head) || write_all(fd, s->cell, sizeof s->cell) ||
      write_all(fd, s->numbers, sizeof(int) * (size_t)s->natoms) ||
      write_all(fd, s->positions, sizeof(double) * 3 * (size_t)s->natoms))
    return -1;
  return 0;
}

static nacre_structure *recv_structure(int fd) {
  int head[4];
  if (read_all(fd, head, sizeof head) || head[0] < 0 || head[0] > 10000000)
    return NULL;
  nacre_structure *s = nacre_structure_new(head[0], NULL);
  if (!s) return NULL;
  memcpy(s->pbc, head + 1, sizeof s->pbc);
  if (read_all(fd, s->cell, sizeof s->cell) ||
      read_all(fd, s->numbers, sizeof(int) * (size_t)s->natoms) ||
      read_all(fd, s->positions, sizeof(double) * 3 * (size_t)s->natoms)) {
    nacre_structure_free(s);
    return NULL;
  }
  return s;
}

static void worker_main(int fd, nacre_search_relax_fn relax, void *user) {
  /* One thread per worker process: the workers are the parallelism, and
   * libgomp's thread pool does not survive fork() in the child. */
  omp_set_num_threads(1);
  for (;;) {
    long id;
    double pressure;
    if (read_all(fd, &id, sizeof id)) _exit(0);
    if (read_all(fd, &pressure, sizeof pressure)) _exit(1);
    nacre_structure *s = recv_structure(fd);
    if (!s) _exit(1);
    search_reply r;
    memset(&r, 0, sizeof r);
    r.id = id;
    nacre_error err;
    nacre_error_clear(&err);
    r.status = relax(user, s, pressure, &r.out, &err);
    snprintf(r.message, sizeof r.message, "%s", err.message);
    if (write_all(fd, &r, sizeof r) || send_structure(fd, s)) _exit(1);
    nacre_structure_free(s);
  }
}

static void fork_close(search_transport *base, int abandon) {
  fork_transport *t = (fork_transport *)base;
  for (int k = 0; k < base->nworkers; k++) {
    if (t->pid[k] <= 0) continue;
    if (abandon) kill(t->pid[k], SIGKILL);
    close(t->fd[k]);
    while (waitpid(t->pid[k], NULL, 0) < 0 && errno == EINTR) {
    }
    t->pid[k] = 0;
  }
  free(t);
}

static void fork_describe(const search_transport *base, int k, char *buf,
                          size_t n) {
  const fork_transport *t = (const fork_transport *)base;
  snprintf(buf, n, "worker %d (pid %d)", k, (int)t->pid[k]);
}

static nacre_status fork_send(search_transport *base, int k, long id,
                              const nacre_structure *s, double pressure_gpa,
                              nacre_error *err) {
  fork_transport *t = (fork_transport *)base;
  if (write_all(t->fd[k], &id, sizeof id) ||
      write_all(t->fd[k], &pressure_gpa, sizeof pressure_gpa) ||
      send_structure(t->fd[k], s)) {
    char who[64];
    fork_describe(base, k, who, sizeof who);
    return nacre_error_set(err, NACRE_ERR_EXTERNAL, "%s is gone", who);
  }
  base->task[k] = id;
  return NACRE_OK;
}

static nacre_status fork_recv(search_transport *base, int timeout_ms, int *k,
                              search_reply *rep, nacre_structure **s,
                              nacre_error *err) {
  fork_transport *t = (fork_transport *)base;
  *k = -1;
  *s = NULL;
  struct pollfd pf[FORK_MAX_WORKERS];
  int map[FORK_MAX_WORKERS], np = 0;
  for (int w = 0; w < base->nworkers; w++)
    if (base->task[w] >= 0) {
      pf[np].fd = t->fd[w];
      pf[np].events = POLLIN;
      pf[np].revents = 0;
      map[np++] = w;
    }
  if (!np) return NACRE_OK;
  int rc = poll(pf, (nfds_t)np, timeout_ms);
  if (rc < 0 && errno != EINTR)
    return nacre_error_set(err, NACRE_ERR_IO, "poll: %s", strerror(errno));
  for (int i = 0; rc > 0 && i < np; i++) {
    if (!(pf[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
    int w = map[i];
    if (read_all(t->fd[w], rep, sizeof *rep) || !(*s = recv_structure(t->fd[w])) ||
        rep->id != base->task[w]) {
      nacre_structure_free(*s);
      *s = NULL;
      char who[64];
      fork_describe(base, w, who, sizeof who);
      return nacre_error_set(err, NACRE_ERR_EXTERNAL,
                             "%s died while relaxing candidate %ld", who,
                             base->task[w]);
    }
    base->task[w] = -1;
    *k = w;
    return NACRE_OK;
  }
  return NACRE_OK;
}

nacre_status search_fork_new(int nworkers, nacre_search_relax_fn relax,
                             void *user, search_transport **out,
                             nacre_error *err) {
  *out = NULL;
  if (nworkers < 1 || nworkers > FORK_MAX_WORKERS)
    return nacre_error_set(err, NACRE_ERR_INVALID, "jobs (%d) must be in 1..%d",
                           nworkers, FORK_MAX_WORKERS);
  fork_transport *t = calloc(1, sizeof *t);
  if (!t) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  t->relax = relax;
  t->user = user;
  t->base.task = t->task;
  t->base.send = fork_send;
  t->base.recv = fork_recv;
  t->base.describe = fork_describe;
  t->base.close = fork_close;
  for (int k = 0; k < nworkers; k++) {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) {
      fork_close(&t->base, 1);
      return nacre_error_set(err, NACRE_ERR_IO, "socketpair: %s",
                             strerror(errno));
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
      int e = errno;
      close(sv[0]);
      close(sv[1]);
      fork_close(&t->base, 1);
      return nacre_error_set(err, NACRE_ERR_IO, "fork: %s", strerror(e));
    }
    if (pid == 0) {
      close(sv[0]);
      for (int j = 0; j < k; j++) close(t->fd[j]);
      worker_main(sv[1], relax, user);
      _exit(0);
    }
    close(sv[1]);
    t->pid[k] = pid;
    t->fd[k] = sv[0];
    t->task[k] = -1;
    t->base.nworkers = k + 1;
  }
  *out = &t->base;
  return NACRE_OK;
}
