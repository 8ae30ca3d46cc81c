/* test_stop.c — nacre label stopped from outside: with SIGTERM and with
 * SIGKILL in the middle of a run (a stand-in VASP command that sleeps), the
 * DFT process group is gone within seconds and no work directory is left
 * (SIGKILL: the watchdog process does it); and a full disk or a file-size
 * limit while a frame is appended leaves the output with its complete
 * frames only, the error naming the system's reason (before: "append
 * failed: Is a directory" and a torn frame). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "label/label_internal.h"
#include "testing.h"

static void nap(double s) {
  struct timespec t = {(time_t)s, (long)((s - (time_t)s) * 1e9)};
  nanosleep(&t, NULL);
}

/* Directories named nacre-label-* in dir. */
static int work_dirs(const char *dir) {
  DIR *d = opendir(dir);
  int n = 0;
  for (struct dirent *e; d && (e = readdir(d));)
    n += !strncmp(e->d_name, "nacre-label-", 12);
  if (d) closedir(d);
  return n;
}

/* Processes running "sleep MARK". */
static int processes_with(const char *mark) {
  DIR *d = opendir("/proc");
  int n = 0;
  for (struct dirent *e; d && (e = readdir(d));) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    char path[300], buf[4096];
    snprintf(path, sizeof path, "/proc/%s/cmdline", e->d_name);
    int fd = open(path, O_RDONLY);
    if (fd < 0) continue;
    ssize_t len = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (len <= 0) continue;
    buf[len] = '\0';
    size_t first = strlen(buf);
    n += !strcmp(buf, "sleep") && (ssize_t)first + 1 < len &&
         !strcmp(buf + first + 1, mark);
  }
  if (d) closedir(d);
  return n;
}

/* Starts nacre label on a 2-atom Na cell with a VASP stand-in that sleeps
 * `mark` seconds (a number no other process uses); returns its pid once
 * the stand-in runs. */
static pid_t start_label(const char *dir, const char *mark) {
  char path[600], cmd[300];
  snprintf(path, sizeof path, "%s/Na_pv", dir);
  mkdir(path, 0755);
  snprintf(path, sizeof path, "%s/Na_pv/POTCAR", dir);
  label_write_file(path, "Na\n", NULL);
  snprintf(path, sizeof path, "%s/in.xyz", dir);
  label_write_file(path,
                   "2\nLattice=\"3 0 0 0 3 0 0 0 3\" "
                   "Properties=species:S:1:pos:R:3\nNa 0 0 0\nNa 1.5 1.5 1.5\n",
                   NULL);
  snprintf(cmd, sizeof cmd, "sleep %s; true", mark);
  pid_t pid = fork();
  if (pid == 0) {
    if (chdir(dir)) _exit(99);
    int nul = open("/dev/null", O_WRONLY);
    dup2(nul, 1), dup2(nul, 2);
    execl(NACRE_CLI, "nacre", "label", "in.xyz", "--code", "vasp",
          "--pseudo-dir", dir, "--command", cmd, "-o", "out.xyz", (char *)NULL);
    _exit(98);
  }
  for (int k = 0; k < 200 && !processes_with(mark); k++) nap(0.05);
  return pid;
}

static void stop_with(int sig, const char *mark) {
  char dir[] = "/tmp/nacre-test-stopXXXXXX";
  CHECK(mkdtemp(dir) != NULL, "mkdtemp");
  pid_t pid = start_label(dir, mark);
  CHECK(processes_with(mark) == 1 && work_dirs(dir) == 1,
        "signal %d: the stand-in runs (%d) in its work directory (%d)", sig,
        processes_with(mark), work_dirs(dir));
  kill(pid, sig);
  int status;
  waitpid(pid, &status, 0);
  int left = 1, dirs = 1;
  for (int k = 0; k < 400 && (left || dirs); k++) { /* up to 20 s */
    left = processes_with(mark);
    dirs = work_dirs(dir);
    if (left || dirs) nap(0.05);
  }
  CHECK(left == 0, "signal %d: the DFT run stopped with nacre label", sig);
  CHECK(dirs == 0, "signal %d: no work directory left", sig);
  if (sig == SIGTERM)
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 1,
          "SIGTERM: nacre label exits 1 (interrupted)");
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  CHECK(system(cmd) == 0, "cleanup");
}

/* In a child with RLIMIT_FSIZE just above the file's size and SIGXFSZ
 * ignored, appending a frame fails part way: the file keeps its size. */
static void size_limit(const char *path) {
  const char *frame1 = "1\nLattice=\"3 0 0 0 3 0 0 0 3\" Properties=species:"
                       "S:1:pos:R:3 label_id=0-a\nNa 0 0 0\n";
  nacre_error err;
  unlink(path);
  CHECK_OK(nacre_label_append(path, frame1, strlen(frame1), &err), &err);
  char big[5000];
  memset(big, 'x', sizeof big);
  big[sizeof big - 1] = '\n';
  pid_t pid = fork();
  if (pid == 0) {
    signal(SIGXFSZ, SIG_IGN);
    struct rlimit rl = {strlen(frame1) + 100, strlen(frame1) + 100};
    setrlimit(RLIMIT_FSIZE, &rl);
    nacre_error e;
    nacre_status st = nacre_label_append(path, big, sizeof big, &e);
    _exit(st == NACRE_ERR_IO && strstr(e.message, strerror(EFBIG)) ? 0 : 1);
  }
  int status;
  waitpid(pid, &status, 0);
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
        "a write past the size limit fails naming '%s'", strerror(EFBIG));
  struct stat sb;
  CHECK(stat(path, &sb) == 0 && (size_t)sb.st_size == strlen(frame1),
        "the part written is cut back: %ld bytes, %zu expected",
        (long)sb.st_size, strlen(frame1));
  char **ids;
  int n;
  CHECK_OK(nacre_label_scan_done(path, 0, &ids, &n, &err), &err);
  CHECK(n == 1, "the output reads as its one complete frame");
  nacre_label_free_ids(ids, n);
}

static void full_disk(void) {
  nacre_error err;
  nacre_status st = nacre_label_append("/dev/full", "x\n", 2, &err);
  CHECK(st == NACRE_ERR_IO && strstr(err.message, strerror(ENOSPC)),
        "a full disk is named: %s", err.message);
  char dir[] = "/tmp/nacre-test-fullXXXXXX";
  CHECK(mkdtemp(dir) != NULL, "mkdtemp");
  char path[300];
  snprintf(path, sizeof path, "%s/out.xyz", dir);
  size_limit(path);
  /* a directory in the way: its own reason, not another call's */
  st = nacre_label_append(dir, "x\n", 2, &err);
  CHECK(st == NACRE_ERR_IO && strstr(err.message, strerror(EISDIR)),
        "a directory named as such: %s", err.message);
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  CHECK(system(cmd) == 0, "cleanup");
}

/* A labelling worker that dies (here its DFT stand-in kills it) is a
 * failed label recorded with the reason; the batch ends with an error
 * once no worker is left, and no work directory remains. */
static void dead_workers(void) {
  char dir[] = "/tmp/nacre-test-deadXXXXXX";
  CHECK(mkdtemp(dir) != NULL, "mkdtemp");
  char path[600], cmd[2000];
  snprintf(path, sizeof path, "%s/Na_pv", dir);
  mkdir(path, 0755);
  snprintf(path, sizeof path, "%s/Na_pv/POTCAR", dir);
  label_write_file(path, "Na\n", NULL);
  snprintf(path, sizeof path, "%s/in.xyz", dir);
  const char *frame = "2\nLattice=\"3 0 0 0 3 0 0 0 3\" "
                      "Properties=species:S:1:pos:R:3\nNa 0 0 0\nNa 1.5 1.5 %.2f\n";
  FILE *f = fopen(path, "w");
  for (int k = 0; k < 3; k++) fprintf(f, frame, 1.4 + 0.05 * k);
  fclose(f);
  snprintf(cmd, sizeof cmd,
           "cd '%s' && %s label in.xyz --code vasp --pseudo-dir . --command "
           "'kill -KILL $PPID' -j 2 -o out.xyz > sum.txt 2> err.txt",
           dir, NACRE_CLI);
  int rc = system(cmd);
  CHECK(WIFEXITED(rc) && WEXITSTATUS(rc) == 1, "dead workers: exit 1");
  snprintf(cmd, sizeof cmd,
           "cd '%s' && test $(grep -c 'died while working' out.xyz.failed) = 2 "
           "&& grep -q 'every labelling worker has died' err.txt && "
           "test ! -e out.xyz",
           dir);
  CHECK(system(cmd) == 0, "two failures recorded with the reason, then the "
                          "batch stops naming it");
  for (int k = 0; k < 400 && work_dirs(dir); k++) nap(0.05); /* 20 s */
  CHECK(work_dirs(dir) == 0, "no work directory left by the dead workers");
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  CHECK(system(cmd) == 0, "cleanup");
}

int main(void) {
  full_disk();
  dead_workers();
  stop_with(SIGTERM, "93.417");
  stop_with(SIGKILL, "94.173");
  TEST_DONE();
}
