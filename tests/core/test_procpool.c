/* test_procpool.c — the worker-process pool: every request is answered
 * once, by the function run in a worker, with its tag; an error status and
 * its message reach the parent; a worker that dies is reported with the tag
 * it held and the others go on; abandoning kills busy workers (with
 * own_group, the programs they started too); workers die with their parent
 * (kill -9 included). */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "nacre/procpool.h"
#include "testing.h"

/* Requests: "rev TEXT" answers TEXT reversed and the worker's pid; "fail"
 * returns an error; "die" exits; "sleep" sleeps 30 s; "spawn" starts
 * `sleep 30` and answers with its pid. */
static nacre_status work(void *user, const void *req, size_t len,
                         void **reply, size_t *reply_len, nacre_error *err) {
  (void)user;
  const char *r = req;
  if (len >= 4 && !memcmp(r, "rev ", 4)) {
    char *out = malloc(len - 4 + 16);
    for (size_t k = 4; k < len; k++) out[len - 1 - k] = r[k];
    int pid = getpid();
    memcpy(out + len - 4, &pid, sizeof pid);
    *reply = out;
    *reply_len = len - 4 + sizeof pid;
    return NACRE_OK;
  }
  if (len == 4 && !memcmp(r, "fail", 4))
    return nacre_error_set(err, NACRE_ERR_NUMERIC, "failed as asked");
  if (len == 3 && !memcmp(r, "die", 3)) _exit(3);
  if (len == 5 && !memcmp(r, "sleep", 5)) sleep(30);
  if (len == 5 && !memcmp(r, "spawn", 5)) {
    pid_t c = fork();
    if (c == 0) {
      execlp("sleep", "sleep", "30", (char *)NULL);
      _exit(127);
    }
    int *out = malloc(sizeof *out);
    *out = (int)c;
    *reply = out;
    *reply_len = sizeof *out;
    return NACRE_OK;
  }
  *reply = NULL;
  *reply_len = 0;
  return NACRE_OK;
}

/* Gone or a zombie within `seconds`. */
static int dies_within(int pid, double seconds) {
  struct timespec nap = {0, 20 * 1000 * 1000};
  for (int t = 0; t < (int)(seconds * 50); t++) {
    if (kill(pid, 0) != 0 && errno == ESRCH) return 1;
    char path[64], stat[256] = "";
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE *f = fopen(path, "r");
    if (f) {
      if (!fgets(stat, sizeof stat, f)) stat[0] = '\0';
      fclose(f);
      const char *p = strrchr(stat, ')');
      if (p && p[1] == ' ' && p[2] == 'Z') return 1;
    }
    nanosleep(&nap, NULL);
  }
  return 0;
}

static nacre_procpool *make(int n, int own_group) {
  nacre_procpool_options o;
  nacre_procpool_options_init(&o);
  o.workers = n;
  o.own_group = own_group;
  nacre_procpool *p = NULL;
  nacre_error err;
  CHECK_OK(nacre_procpool_new(&o, work, NULL, &p, &err), &err);
  return p;
}

int main(void) {
  nacre_error err;
  /* 1. 40 requests over 3 workers: each answered once, correctly */
  nacre_procpool *p = make(3, 0);
  if (!p) TEST_DONE();
  CHECK(nacre_procpool_size(p) == 3, "three workers");
  int answered[40] = {0}, pids[3] = {0}, npids = 0, wrong = 0;
  long next = 0, got = 0;
  while (got < 40) {
    int k = nacre_procpool_idle(p);
    if (k >= 0 && next < 40) {
      char req[32];
      int n = snprintf(req, sizeof req, "rev %06ld", next);
      CHECK_OK(nacre_procpool_submit(p, k, next, req, (size_t)n, &err), &err);
      CHECK(nacre_procpool_task(p, k) == next, "worker %d holds %ld", k, next);
      next++;
      continue;
    }
    nacre_procpool_result r;
    CHECK_OK(nacre_procpool_wait(p, 5000, &r, &err), &err);
    if (r.worker < 0) break;
    char want[16];
    snprintf(want, sizeof want, "%06ld", r.tag);
    int pid = 0;
    wrong += r.status != NACRE_OK || r.reply_len != 6 + sizeof pid;
    for (int c = 0; !wrong && c < 6; c++) wrong += ((char *)r.reply)[c] != want[5 - c];
    if (!wrong) memcpy(&pid, (char *)r.reply + 6, sizeof pid);
    int known = 0;
    for (int j = 0; j < npids; j++) known |= pids[j] == pid;
    if (!known && npids < 3) pids[npids++] = pid;
    CHECK(pid != getpid() && pid == nacre_procpool_pid(p, r.worker),
          "answered by worker %d in its own process", r.worker);
    if (r.tag >= 0 && r.tag < 40) answered[r.tag]++;
    free(r.reply);
    got++;
  }
  int once = 1;
  for (int k = 0; k < 40; k++) once &= answered[k] == 1;
  CHECK(got == 40 && once && !wrong, "40 answers, each request once (%ld)",
        got);
  CHECK(npids >= 2, "the work was spread over %d workers", npids);

  /* 2. an error status and its message */
  int k = nacre_procpool_idle(p);
  CHECK_OK(nacre_procpool_submit(p, k, 7, "fail", 4, &err), &err);
  nacre_procpool_result r;
  CHECK_OK(nacre_procpool_wait(p, 5000, &r, &err), &err);
  CHECK(r.worker == k && r.tag == 7 && r.status == NACRE_ERR_NUMERIC &&
            !strcmp(r.message, "failed as asked") && !r.reply,
        "error status and message reach the parent (%s)", r.message);

  /* 3. a worker that dies is reported with its tag; the others go on */
  k = nacre_procpool_idle(p);
  int dead_pid = nacre_procpool_pid(p, k);
  CHECK_OK(nacre_procpool_submit(p, k, 99, "die", 3, &err), &err);
  nacre_status st = nacre_procpool_wait(p, 5000, &r, &err);
  CHECK(st == NACRE_ERR_EXTERNAL && strstr(err.message, "99"),
        "death reported with the tag: %s", err.message);
  CHECK(dies_within(dead_pid, 1), "the dead worker was reaped");
  int alive = 0;
  while ((k = nacre_procpool_idle(p)) >= 0 && alive < 2) {
    CHECK_OK(nacre_procpool_submit(p, k, 100 + alive, "rev ab", 6, &err), &err);
    alive++;
  }
  for (int j = 0; j < alive; j++) {
    CHECK_OK(nacre_procpool_wait(p, 5000, &r, &err), &err);
    CHECK(r.worker >= 0 && r.status == NACRE_OK, "survivor %d answers", j);
    free(r.reply);
  }
  CHECK(alive == 2, "two workers left (%d)", alive);
  nacre_procpool_free(p, 0);

  /* 4. abandon kills busy workers, and with own_group what they started */
  p = make(2, 1);
  if (!p) TEST_DONE();
  CHECK_OK(nacre_procpool_submit(p, 0, 1, "spawn", 5, &err), &err);
  CHECK_OK(nacre_procpool_wait(p, 5000, &r, &err), &err);
  int spawned = r.reply ? *(int *)r.reply : -1;
  free(r.reply);
  int busy_pid = nacre_procpool_pid(p, 1);
  CHECK_OK(nacre_procpool_submit(p, 1, 2, "sleep", 5, &err), &err);
  time_t t0 = time(NULL);
  nacre_procpool_free(p, 1);
  CHECK(time(NULL) - t0 < 5, "abandoning does not wait for the sleeper");
  CHECK(dies_within(busy_pid, 2), "the busy worker was killed");
  CHECK(spawned > 0 && dies_within(spawned, 5),
        "the program a worker started died with its group");

  /* 5. workers die with their parent, even after kill -9 */
  int fd[2];
  CHECK(pipe(fd) == 0, "pipe");
  pid_t parent = fork();
  if (parent == 0) {
    close(fd[0]);
    nacre_procpool *q = make(2, 0);
    int w[2] = {nacre_procpool_pid(q, 0), nacre_procpool_pid(q, 1)};
    if (write(fd[1], w, sizeof w) != (ssize_t)sizeof w) _exit(1);
    close(fd[1]);
    pause();
    _exit(0);
  }
  close(fd[1]);
  int w[2] = {0, 0};
  CHECK(read(fd[0], w, sizeof w) == (ssize_t)sizeof w, "worker pids read");
  close(fd[0]);
  kill(parent, SIGKILL);
  waitpid(parent, NULL, 0);
  CHECK(w[0] > 0 && dies_within(w[0], 5) && dies_within(w[1], 5),
        "workers %d and %d died with their killed parent", w[0], w[1]);
  TEST_DONE();
}
