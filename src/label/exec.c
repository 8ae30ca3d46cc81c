/* exec.c — running a DFT code: /bin/sh -c COMMAND in the label's directory,
 * in a process group of its own, with a time limit and the caller's
 * interrupt; and a watchdog so that the group never outlives this process.
 *
 * The watchdog is a small shell that waits on a pipe whose write end only
 * this process holds (close-on-exec, and the watchdog closes every other
 * descriptor). When the run ends, this process writes a line and the
 * watchdog exits; when this process dies — even by SIGKILL, which no
 * handler sees — the pipe reaches end of file and the watchdog stops the
 * group (SIGTERM, SIGKILL after 5 s) and, when asked, removes the label's
 * directory. */
#define _GNU_SOURCE /* pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "label_internal.h"

static int remove_entry(const char *path, const struct stat *sb, int flag,
                        struct FTW *ftw) {
  (void)sb, (void)flag, (void)ftw;
  return remove(path);
}

void label_remove_tree(const char *dir) {
  nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* $1 the process group, $2 the directory to remove ("" for none). */
static const char watchdog_script[] =
    "trap '' INT TERM HUP\n"
    "if read x; then exit 0; fi\n"
    "kill -TERM \"-$1\" 2>/dev/null\n"
    "i=0\n"
    "while kill -0 \"-$1\" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; "
    "i=$((i+1)); done\n"
    "kill -KILL \"-$1\" 2>/dev/null\n"
    "i=0\n"
    "while kill -0 \"-$1\" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; "
    "i=$((i+1)); done\n"
    "[ -n \"$2\" ] && rm -rf \"$2\"\n"
    "exit 0\n";

/* Forks the watchdog of process group `group`; returns its pid (the write
 * end of its pipe in *wfd) or -1. Only async-signal-safe calls between
 * fork and exec: the caller may have other threads. */
static pid_t start_watchdog(pid_t group, const char *remove_dir, int *wfd) {
  int fd[2];
  if (pipe2(fd, O_CLOEXEC) != 0) return -1;
  char pg[32];
  snprintf(pg, sizeof pg, "%ld", (long)group);
  long maxfd = sysconf(_SC_OPEN_MAX);
  if (maxfd < 0 || maxfd > 65536) maxfd = 65536;
  pid_t w = fork();
  if (w < 0) {
    close(fd[0]), close(fd[1]);
    return -1;
  }
  if (w == 0) {
    setsid(); /* a kill of this process's group does not reach it */
    struct sigaction ign;
    memset(&ign, 0, sizeof ign);
    ign.sa_handler = SIG_IGN;
    sigaction(SIGINT, &ign, NULL);
    sigaction(SIGTERM, &ign, NULL);
    sigaction(SIGHUP, &ign, NULL);
    if (dup2(fd[0], 0) < 0) _exit(127); /* dup2 clears close-on-exec */
    for (int k = 3; k < maxfd; k++) close(k);
    int nul = open("/dev/null", O_WRONLY);
    if (nul >= 0) dup2(nul, 1), dup2(nul, 2), close(nul);
    execl("/bin/sh", "sh", "-c", watchdog_script, "nacre-label-watchdog", pg,
          remove_dir ? remove_dir : "", (char *)NULL);
    _exit(127);
  }
  close(fd[0]);
  *wfd = fd[1];
  return w;
}

static void stop_watchdog(pid_t w, int wfd) {
  if (w <= 0) return;
  ssize_t n;
  do n = write(wfd, "done\n", 5);
  while (n < 0 && errno == EINTR);
  close(wfd);
  while (waitpid(w, NULL, 0) < 0 && errno == EINTR) {
  }
}

nacre_status label_exec(const char *command, const char *dir,
                        const char *log_path, double timeout_s,
                        int remove_dir_on_orphan, const nacre_ctx *ctx,
                        int *exit_code, nacre_error *err) {
  *exit_code = -1;
  pid_t parent = getpid();
  /* the command starts only once its watchdog runs: a write on `go` */
  int go[2];
  if (pipe2(go, O_CLOEXEC) != 0)
    return nacre_error_set(err, NACRE_ERR_EXTERNAL, "pipe: %s",
                           strerror(errno));
  pid_t pid = fork();
  if (pid < 0) {
    close(go[0]), close(go[1]);
    return nacre_error_set(err, NACRE_ERR_EXTERNAL, "fork: %s",
                           strerror(errno));
  }
  if (pid == 0) {
    /* child: only async-signal-safe calls until exec */
    setpgid(0, 0);
    /* the shell also dies with the thread that started it */
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(126);
    close(go[1]);
    char c;
    ssize_t n;
    do n = read(go[0], &c, 1);
    while (n < 0 && errno == EINTR);
    if (n != 1) _exit(126); /* the parent died before the watchdog ran */
    close(go[0]);
    if (chdir(dir) != 0) _exit(126);
    int fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd < 0) _exit(126);
    dup2(fd, 1);
    dup2(fd, 2);
    close(fd);
    int nul = open("/dev/null", O_RDONLY);
    if (nul >= 0) dup2(nul, 0), close(nul);
    execl("/bin/sh", "sh", "-c", command, (char *)NULL);
    _exit(127);
  }
  setpgid(pid, pid); /* also from the parent: no race with kill below */
  close(go[0]);
  int wfd = -1;
  pid_t watchdog = start_watchdog(pid, remove_dir_on_orphan ? dir : NULL, &wfd);
  ssize_t gw;
  do gw = write(go[1], "g", 1);
  while (gw < 0 && errno == EINTR);
  close(go[1]);
  if (watchdog < 0)
    nacre_log(ctx, NACRE_LOG_WARN,
              "label: no watchdog for '%s' (%s): if this process is killed "
              "with SIGKILL, the run goes on",
              command, strerror(errno));
  double start = nacre_now_s();
  int status = 0, killed = 0, why = 0; /* why: 1 timeout, 2 interrupt */
  nacre_status st = NACRE_OK;
  for (;;) {
    pid_t w = waitpid(pid, &status, WNOHANG);
    if (w == pid) break;
    if (w < 0 && errno != EINTR) {
      st = nacre_error_set(err, NACRE_ERR_EXTERNAL, "waitpid: %s",
                           strerror(errno));
      kill(-pid, SIGKILL);
      break;
    }
    if (!killed) {
      if (timeout_s > 0 && nacre_now_s() - start > timeout_s) why = 1;
      if (nacre_ctx_interrupted(ctx)) why = 2;
      if (why) {
        kill(-pid, SIGTERM);
        killed = 1;
        start = nacre_now_s();
      }
    } else if (killed == 1 && nacre_now_s() - start > 5.0) {
      kill(-pid, SIGKILL);
      killed = 2;
    }
    struct timespec nap = {0, 20 * 1000 * 1000};
    nanosleep(&nap, NULL);
  }
  /* what the shell left running in the group (a background job, an MPI
   * daemon) goes with it */
  if (killed || why) kill(-pid, SIGKILL);
  stop_watchdog(watchdog, wfd);
  if (st) return st;
  if (WIFEXITED(status)) *exit_code = WEXITSTATUS(status);
  else if (WIFSIGNALED(status)) *exit_code = 128 + WTERMSIG(status);
  if (why == 2)
    return nacre_error_set(err, NACRE_ERR_INTERRUPTED,
                           "'%s' stopped on request", command);
  if (why == 1)
    return nacre_error_set(err, NACRE_ERR_EXTERNAL,
                           "'%s' killed after the time limit of %.0f s",
                           command, timeout_s);
  return NACRE_OK;
}

nacre_status nacre_label_exec(const char *command, const char *dir,
                              const char *log_path, double timeout_s,
                              const nacre_ctx *ctx, int *exit_code,
                              nacre_error *err) {
  return label_exec(command, dir, log_path, timeout_s, 0, ctx, exit_code, err);
}
