/* procpool.c — forked worker processes, one socketpair each (see
 * nacre/procpool.h). Frames: request = tag (int64), length (uint64), bytes;
 * answer = tag, status (int32), length, bytes (the answer, or the error
 * message when the status is not OK). */
#include "nacre/procpool.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <omp.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

/* Messages above this are a broken protocol, not data. */
#define FRAME_MAX ((uint64_t)1 << 34)

struct nacre_procpool {
  int n;
  int own_group;
  pid_t pid[NACRE_PROCPOOL_MAX];
  int fd[NACRE_PROCPOOL_MAX];
  long task[NACRE_PROCPOOL_MAX];
};

void nacre_procpool_options_init(nacre_procpool_options *o) {
  memset(o, 0, sizeof *o);
  o->workers = 1;
  o->single_thread = 1;
}

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

/* Reads a length and that many bytes into a malloc'd buffer. */
static int read_blob(int fd, void **data, size_t *len) {
  uint64_t n;
  *data = NULL;
  *len = 0;
  if (read_all(fd, &n, sizeof n) || n > FRAME_MAX) return -1;
  if (n == 0) return 0;
  *data = malloc((size_t)n);
  if (!*data || read_all(fd, *data, (size_t)n)) {
    free(*data);
    *data = NULL;
    return -1;
  }
  *len = (size_t)n;
  return 0;
}

static void worker_main(int fd, nacre_procpool_fn fn, void *user,
                        int single_thread) {
  if (single_thread) omp_set_num_threads(1);
  for (;;) {
    int64_t tag;
    void *req;
    size_t len;
    if (read_all(fd, &tag, sizeof tag)) _exit(0); /* parent closed */
    if (read_blob(fd, &req, &len)) _exit(1);
    void *reply = NULL;
    size_t rlen = 0;
    nacre_error err;
    nacre_error_clear(&err);
    int32_t status = fn(user, req, len, &reply, &rlen, &err);
    free(req);
    if (status != NACRE_OK) {
      free(reply);
      reply = NULL;
      rlen = strlen(err.message) + 1;
    }
    uint64_t n = rlen;
    const void *body = status == NACRE_OK ? reply : (const void *)err.message;
    if (write_all(fd, &tag, sizeof tag) ||
        write_all(fd, &status, sizeof status) || write_all(fd, &n, sizeof n) ||
        (n && write_all(fd, body, rlen)))
      _exit(1);
    free(reply);
  }
}

static void kill_worker(nacre_procpool *p, int k) {
  if (p->pid[k] <= 0) return;
  kill(p->own_group ? -p->pid[k] : p->pid[k], SIGKILL);
}

void nacre_procpool_free(nacre_procpool *p, int abandon) {
  if (!p) return;
  for (int k = 0; k < p->n; k++) {
    if (p->pid[k] <= 0) continue;
    if (abandon) kill_worker(p, k);
    close(p->fd[k]);
    while (waitpid(p->pid[k], NULL, 0) < 0 && errno == EINTR) {
    }
  }
  free(p);
}

nacre_status nacre_procpool_new(const nacre_procpool_options *o,
                                nacre_procpool_fn fn, void *user,
                                nacre_procpool **out, nacre_error *err) {
  *out = NULL;
  if (o->workers < 1 || o->workers > NACRE_PROCPOOL_MAX)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "worker processes (%d) must be in 1..%d",
                           o->workers, NACRE_PROCPOOL_MAX);
  nacre_procpool *p = calloc(1, sizeof *p);
  if (!p) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  p->own_group = o->own_group;
  pid_t parent = getpid();
  for (int k = 0; k < o->workers; k++) {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
      int e = errno;
      nacre_procpool_free(p, 1);
      return nacre_error_set(err, NACRE_ERR_IO, "socketpair: %s", strerror(e));
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
      int e = errno;
      close(sv[0]);
      close(sv[1]);
      nacre_procpool_free(p, 1);
      return nacre_error_set(err, NACRE_ERR_IO, "fork: %s", strerror(e));
    }
    if (pid == 0) {
#ifdef __linux__
      /* die with the parent, even after kill -9 */
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != parent) _exit(1);
#endif
      if (o->own_group) setpgid(0, 0);
      close(sv[0]);
      for (int j = 0; j < k; j++) close(p->fd[j]);
      worker_main(sv[1], fn, user, o->single_thread);
      _exit(0);
    }
    if (o->own_group) setpgid(pid, pid); /* no race with a kill below */
    close(sv[1]);
    p->pid[k] = pid;
    p->fd[k] = sv[0];
    p->task[k] = -1;
    p->n = k + 1;
  }
  *out = p;
  return NACRE_OK;
}

int nacre_procpool_size(const nacre_procpool *p) { return p->n; }

int nacre_procpool_pid(const nacre_procpool *p, int k) {
  return k >= 0 && k < p->n ? (int)p->pid[k] : -1;
}

long nacre_procpool_task(const nacre_procpool *p, int k) {
  return k >= 0 && k < p->n ? p->task[k] : -1;
}

int nacre_procpool_idle(const nacre_procpool *p) {
  for (int k = 0; k < p->n; k++)
    if (p->task[k] < 0 && p->pid[k] > 0) return k;
  return -1;
}

int nacre_procpool_busy(const nacre_procpool *p) {
  int b = 0;
  for (int k = 0; k < p->n; k++) b += p->task[k] >= 0;
  return b;
}

nacre_status nacre_procpool_submit(nacre_procpool *p, int k, long tag,
                                   const void *req, size_t len,
                                   nacre_error *err) {
  if (k < 0 || k >= p->n || p->task[k] >= 0 || tag < 0)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "worker %d is not idle or tag %ld is negative", k,
                           tag);
  int64_t t = tag;
  uint64_t n = len;
  if (write_all(p->fd[k], &t, sizeof t) || write_all(p->fd[k], &n, sizeof n) ||
      (n && write_all(p->fd[k], req, len)))
    return nacre_error_set(err, NACRE_ERR_EXTERNAL,
                           "worker %d (pid %d) is gone", k, (int)p->pid[k]);
  p->task[k] = tag;
  return NACRE_OK;
}

/* Reads worker k's answer into res. */
static nacre_status read_answer(nacre_procpool *p, int k,
                                nacre_procpool_result *res,
                                nacre_error *err) {
  int64_t tag;
  int32_t status;
  void *body = NULL;
  size_t len = 0;
  if (read_all(p->fd[k], &tag, sizeof tag) ||
      read_all(p->fd[k], &status, sizeof status) ||
      read_blob(p->fd[k], &body, &len) || tag != p->task[k]) {
    free(body);
    long lost = p->task[k];
    kill_worker(p, k);
    close(p->fd[k]);
    while (waitpid(p->pid[k], NULL, 0) < 0 && errno == EINTR) {
    }
    int pid = (int)p->pid[k];
    p->pid[k] = 0;
    p->task[k] = -1;
    return nacre_error_set(err, NACRE_ERR_EXTERNAL,
                           "worker %d (pid %d) died while working on %ld", k,
                           pid, lost);
  }
  res->worker = k;
  res->tag = tag;
  res->status = (nacre_status)status;
  if (status == NACRE_OK) {
    res->reply = body;
    res->reply_len = len;
  } else {
    snprintf(res->message, sizeof res->message, "%.*s", (int)len,
             body ? (const char *)body : "");
    free(body);
  }
  p->task[k] = -1;
  return NACRE_OK;
}

nacre_status nacre_procpool_wait(nacre_procpool *p, int timeout_ms,
                                 nacre_procpool_result *res,
                                 nacre_error *err) {
  memset(res, 0, sizeof *res);
  res->worker = -1;
  res->tag = -1;
  struct pollfd pf[NACRE_PROCPOOL_MAX];
  int map[NACRE_PROCPOOL_MAX], np = 0;
  for (int k = 0; k < p->n; k++)
    if (p->task[k] >= 0) {
      pf[np].fd = p->fd[k];
      pf[np].events = POLLIN;
      pf[np].revents = 0;
      map[np++] = k;
    }
  if (!np) return NACRE_OK;
  int rc = poll(pf, (nfds_t)np, timeout_ms);
  if (rc < 0 && errno != EINTR)
    return nacre_error_set(err, NACRE_ERR_IO, "poll: %s", strerror(errno));
  for (int i = 0; rc > 0 && i < np; i++)
    if (pf[i].revents & (POLLIN | POLLHUP | POLLERR))
      return read_answer(p, map[i], res, err);
  return NACRE_OK;
}
