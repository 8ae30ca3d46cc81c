/* otftest.h — what the on-the-fly learning MD tests (learn.otf and
 * learn.otf_modes) share: the known truth and its tolerances, the learning
 * configuration, and the command run (and killed with SIGKILL) as a child
 * process with its JSON summary read back. Static functions: each test
 * includes it once. */
#ifndef NACRE_TEST_OTFTEST_H
#define NACRE_TEST_OTFTEST_H

#include <cjson/cJSON.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "iotest.h"
#include "testing.h"

#define EAM "/usr/share/lammps/potentials/Cu_u3.eam"
#define AG "/usr/share/lammps/potentials/Ag_u3.eam"

/* Under the sanitizers (some five times slower) the tests leave out runs
 * that add no code path. */
#if defined(__SANITIZE_ADDRESS__)
#define LIGHT 1
#else
#define LIGHT 0
#endif

/* Tolerances (RMSE against the EAM): energy eV/atom, force eV/Å. The
 * trajectory's own forces include the first steps, before any retraining. */
#define TRAJ_E 0.02
#define TRAJ_F 0.25
#define CHECK_E 0.008
#define CHECK_F 0.12
#define TRUTH_E 0.010
#define TRUTH_F 0.15

static const char *config_text =
    "{\"seed\": 5,\n"
    " \"initial\": {\"random\": {\"composition\": \"Cu4\", \"count\": 4}},\n"
    " \"label\": {\"code\": \"potential:" EAM "\"},\n"
    " \"committee\": {\"size\": 2, \"hidden\": [6, 6], \"epochs\": 60, \"warm_epochs\": 30},\n"
    " \"selection\": {\"lo_ev_a\": 0.08, \"min_distance\": 0.0005},\n"
    " \"stages\": [{\"tasks\": [{\"type\": \"md\", \"structures\": \"cu8.vasp\"}]}]}\n";

static const char *cli_args[] = {"md", NULL /* structure */, "--learn", NULL /* config */,
                                 "--learn-dir", NULL /* dir */, "--ensemble", "nvt",
                                 "--thermostat", "bussi", "--temperature", "900",
                                 "--timestep", "2", "--seed", "11", "--steps", "80",
                                 "--retrain-every", "3", "--checkpoint-every", "10",
                                 "-j", "1", "--json", NULL /* --retrain-lag */, NULL,
                                 NULL};

/* Runs the command into dir with standard output into out (NULL: none),
 * with --retrain-lag lag when lag is not NULL; with a kill condition, kills
 * it (SIGKILL) when the run file has at least min_labels labels or a
 * checkpoint at min_step or later (min_step < 0: the first checkpoint
 * taken while a background retraining is in flight). Returns 1 when
 * killed, else 0 (and the exit status in *rc). */
static int cli_run(const char *pos, const char *cfg, const char *dir, const char *lag,
                   const char *out, int min_labels, long min_step, int *rc) {
  const size_t nargs = sizeof cli_args / sizeof *cli_args;
  const char *argv[sizeof cli_args / sizeof *cli_args + 1];
  argv[0] = NACRE_CLI;
  for (size_t k = 0; k < nargs; k++) argv[k + 1] = cli_args[k];
  argv[2] = pos;
  argv[4] = cfg;
  argv[6] = dir;
  if (lag) {
    argv[nargs - 2] = "--retrain-lag";
    argv[nargs - 1] = lag;
  }
  pid_t pid = fork();
  if (pid == 0) {
    int fd = open(out ? out : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int nul = open("/dev/null", O_WRONLY);
    dup2(fd, 1);
    dup2(nul, 2);
    execv(NACRE_CLI, (char *const *)argv);
    _exit(127);
  }
  char db[800];
  snprintf(db, sizeof db, "%s/otf.db", dir);
  int status = 0, killed = 0;
  for (;;) {
    if (waitpid(pid, &status, WNOHANG) == pid) break;
    if (min_labels > 0 || min_step != 0) {
      sqlite3 *h = NULL;
      long labels = 0, step = -1, bg = -1;
      if (!access(db, R_OK) && sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
        sqlite3_stmt *q;
        if (sqlite3_prepare_v2(h, "SELECT (SELECT count(*) FROM labels),"
                                  " (SELECT step FROM state WHERE md_state IS NOT NULL),"
                                  " (SELECT bg_n FROM state WHERE md_state IS NOT NULL)",
                               -1, &q, NULL) == SQLITE_OK) {
          if (sqlite3_step(q) == SQLITE_ROW) {
            labels = sqlite3_column_int64(q, 0);
            if (sqlite3_column_type(q, 1) != SQLITE_NULL) step = sqlite3_column_int64(q, 1);
            if (sqlite3_column_type(q, 2) != SQLITE_NULL) bg = sqlite3_column_int64(q, 2);
          }
          sqlite3_finalize(q);
        }
      }
      sqlite3_close(h);
      if ((min_labels > 0 && labels >= min_labels) || (min_step > 0 && step >= min_step) ||
          (min_step < 0 && step > 0 && bg >= 0)) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        killed = 1;
        break;
      }
    }
    usleep(5000);
  }
  if (rc) *rc = killed ? -1 : (WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  return killed;
}

static int same_file(const char *a, const char *b) {
  size_t na = 0, nb = 0;
  char *x = test_read_all(a, &na), *y = test_read_all(b, &nb);
  int same = x && y && na == nb && !memcmp(x, y, na);
  free(x);
  free(y);
  return same;
}

static cJSON *read_json(const char *path) {
  char *text = test_read_all(path, NULL);
  cJSON *j = text ? cJSON_Parse(text) : NULL;
  free(text);
  CHECK(j != NULL, "%s holds JSON", path);
  return j;
}

static double num(const cJSON *j, const char *key) {
  const cJSON *x = cJSON_GetObjectItemCaseSensitive(j, key);
  return cJSON_IsNumber(x) ? x->valuedouble : NAN;
}

/* Every key printed is documented in the section of doc/learn.md. */
static void keys_documented(const cJSON *j) {
  char *doc = test_read_all(test_source_path("doc/learn.md"), NULL);
  const char *sec = doc ? strstr(doc, "## `nacre md --learn") : NULL;
  CHECK(sec != NULL, "doc/learn.md documents nacre md --learn");
  for (const cJSON *it = j ? j->child : NULL; it && sec; it = it->next) {
    char q[80];
    snprintf(q, sizeof q, "`%s`", it->string);
    CHECK(strstr(sec, q) != NULL, "key %s documented under nacre md --learn", it->string);
  }
  free(doc);
}

#endif
