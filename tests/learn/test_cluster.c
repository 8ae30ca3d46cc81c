/* test_cluster.c — `nacre learn` with labels run elsewhere (--prepare /
 * --collect JOBS), against a local run of the same configuration. The
 * labeller is Debian's Cu_u3.eam with fail_fraction 0.3 (three structures
 * in ten fail as an SCF that did not converge); its prepared jobs run
 * `nacre label` in their own folders, as a cluster's queue would (here
 * through xargs). Checked:
 * - --prepare stops at the first labelling with the six initial crystals
 *   prepared (jobs.txt, run.sh), recorded in the run file as pending and
 *   as prepared under JOBS/iter000, and says so (pending_labels 6);
 * - a restart without the outputs keeps them pending and says so;
 *   with half the outputs, the other half stays pending and nothing is
 *   stored in the run file yet;
 * - killed (SIGKILL) after a collect, in the training and in the
 *   exploration that follow, and resumed, the run goes on;
 * - the prepared/collected run ends with the very committee file
 *   (byte for byte), training and test data (every number) and label and
 *   failure counts of the local run, and each failure is recorded with
 *   its reason;
 * - a command without --prepare/--collect labels here what a prepared
 *   batch did not finish, and ends with the same committee too;
 * - collecting from another folder than the one prepared is refused,
 *   naming both;
 * - killed (SIGKILL) in the middle of a --prepare (held at a known point:
 *   the fourth job's run.sh is a named pipe nobody reads, so the command
 *   waits there with three jobs written) and in the middle of a --collect
 *   (held at a failed job whose failure file is such a pipe, after the
 *   jobs before it are in the label journal), then resumed, the run ends
 *   with the very committee file, data and counts of the local run; after
 *   the first kill nothing is recorded as prepared, after the second
 *   nothing is stored in the run file yet.
 * Skips without Cu_u3.eam. */
#include <cjson/cJSON.h>
#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "builders.h"
#include "iotest.h"
#include "nacre/io.h"
#include "nacre/learn.h"
#include "testing.h"

#define EAM "/usr/share/lammps/potentials/Cu_u3.eam"

static char config_text[4096];

static void make_config(void) {
  snprintf(config_text, sizeof config_text,
           "{\"seed\": 3,\n"
           " \"initial\": {\"random\": {\"composition\": \"Cu4\", \"count\": 6}},\n"
           " \"label\": {\"code\": \"potential:" EAM "\", \"fail_fraction\": 0.3,\n"
           "   \"command\": \"%s\"},\n"
           " \"committee\": {\"size\": 2, \"hidden\": [6, 6], \"epochs\": 40,"
           " \"warm_epochs\": 20},\n"
           " \"selection\": {\"max_per_iteration\": 6, \"random_per_iteration\": 1,"
           " \"min_distance\": 0.0005},\n"
           " \"test\": {\"fraction\": 0.3, \"max\": 2},\n"
           " \"stages\": [{\"name\": \"md\", \"max_iterations\": 2,"
           " \"accurate_fraction\": 0.99,\n"
           "   \"tasks\": [{\"name\": \"nvt 700 K\", \"type\": \"md\", \"ensemble\": \"nvt\",\n"
           "     \"structures\": \"cu8.vasp\", \"temperatures_k\": [700], \"steps\": 100,\n"
           "     \"every\": 10, \"timestep_fs\": 2}]}]}\n",
           NACRE_CLI);
}

/* `nacre learn CFG -o OUT [MODE JOBS] --json` with its JSON report parsed
 * (NULL when it printed none) and its exit status. */
static cJSON *learn(const char *tmp, const char *cfg, const char *out, const char *mode,
                    const char *jobs, int *rc) {
  char cmd[4200], json[800], log[800];
  snprintf(json, sizeof json, "%s/last.json", tmp);
  snprintf(log, sizeof log, "%s/last.err", tmp);
  snprintf(cmd, sizeof cmd, "%s learn %s -o %s %s %s --json > %s 2> %s", NACRE_CLI, cfg,
           out, mode ? mode : "", mode ? jobs : "", json, log);
  int st = system(cmd);
  *rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  char *text = test_read_all(json, NULL);
  cJSON *j = text ? cJSON_Parse(text) : NULL;
  free(text);
  return j;
}

static double num(const cJSON *j, const char *key) {
  const cJSON *v = j ? cJSON_GetObjectItemCaseSensitive(j, key) : NULL;
  return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static const char *str(const cJSON *j, const char *key) {
  const cJSON *v = j ? cJSON_GetObjectItemCaseSensitive(j, key) : NULL;
  return cJSON_IsString(v) ? v->valuestring : "";
}

/* Runs lines [from, to) of JOBS/jobs.txt (to < 0: to the end) as the
 * queue would. */
static int run_jobs(const char *jobs, int from, int to) {
  char last[16] = "$", cmd[3000];
  if (to >= 0) snprintf(last, sizeof last, "%d", to);
  snprintf(cmd, sizeof cmd, "sed -n '%d,%sp' %s/jobs.txt | xargs -P 2 -I ID sh %s/ID/run.sh",
           from + 1, last, jobs, jobs);
  return system(cmd);
}

/* One count from the run file. */
static long db_count(const char *run, const char *sql) {
  char path[800];
  snprintf(path, sizeof path, "%s/learn.db", run);
  sqlite3 *h = NULL;
  long n = -1;
  if (sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(h, sql, -1, &q, NULL) == SQLITE_OK) {
      if (sqlite3_step(q) == SQLITE_ROW) n = sqlite3_column_int64(q, 0);
      sqlite3_finalize(q);
    }
  }
  sqlite3_close(h);
  return n;
}

/* Starts `nacre learn CFG -o OUT --collect JOBS` and kills it (SIGKILL) as
 * soon as the run file shows iteration iter in phase; 1 when killed. */
static int collect_and_kill(const char *cfg, const char *out, const char *jobs, int iter,
                            const char *phase) {
  pid_t pid = fork();
  if (pid == 0) {
    int fd = open("/dev/null", O_WRONLY);
    dup2(fd, 1);
    dup2(fd, 2);
    execl(NACRE_CLI, NACRE_CLI, "learn", cfg, "-o", out, "--collect", jobs, (char *)NULL);
    _exit(127);
  }
  for (;;) {
    int status;
    if (waitpid(pid, &status, WNOHANG) == pid) return 0;
    nacre_learn_report r;
    nacre_error err;
    if (!nacre_learn_report_read(out, &r, &err)) {
      const nacre_learn_iteration *last =
          r.niterations ? &r.iterations[r.niterations - 1] : NULL;
      int hit = last && last->iteration == iter && !strcmp(last->phase, phase);
      nacre_learn_report_free(&r);
      if (hit) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        return 1;
      }
    }
    usleep(5000);
  }
}

/* Runs the batch waiting under pending_dir and collects, until the run
 * finishes (at most `rounds` times); the last report. */
static cJSON *finish_collecting(const char *tmp, const char *cfg, const char *out,
                                const char *jobs, cJSON *j, int rounds) {
  for (int k = 0; k < rounds && j && !cJSON_IsTrue(cJSON_GetObjectItem(j, "finished")); k++) {
    char dir[1200];
    snprintf(dir, sizeof dir, "%s", str(j, "pending_dir"));
    if (dir[0]) run_jobs(dir, 0, -1);
    cJSON_Delete(j);
    int rc;
    j = learn(tmp, cfg, out, "--collect", jobs, &rc);
    CHECK(rc == 0, "--collect exits 0 (%d)", rc);
  }
  return j;
}

/* The data of an extended-XYZ file without the labels' timings. */
static char *data_text(const char *path) {
  char *t = test_read_all(path, NULL);
  if (!t) return NULL;
  static const char *const keys[] = {"label_wall_s=", "label_cpu_s="};
  for (int k = 0; k < 2; k++)
    for (char *p = strstr(t, keys[k]); p; p = strstr(p + 1, keys[k])) {
      char *v = p + strlen(keys[k]);
      while (*v && *v != ' ' && *v != '\n') *v++ = '#';
    }
  return t;
}

static int same_text(char *a, char *b) {
  int same = a && b && !strcmp(a, b);
  free(a);
  free(b);
  return same;
}

static void same_as_local(const char *local, const char *run, const char *what) {
  char a[800], b[800];
  snprintf(a, sizeof a, "%s/model.json", local);
  snprintf(b, sizeof b, "%s/model.json", run);
  size_t na = 0, nb = 0;
  char *x = test_read_all(a, &na), *y = test_read_all(b, &nb);
  CHECK(x && y && na == nb && !memcmp(x, y, na), "%s: the local run's committee file", what);
  free(x);
  free(y);
  const char *sets[2] = {"train", "test"};
  for (int k = 0; k < 2; k++) {
    snprintf(a, sizeof a, "%s/%s.extxyz", local, sets[k]);
    snprintf(b, sizeof b, "%s/%s.extxyz", run, sets[k]);
    CHECK(same_text(data_text(a), data_text(b)), "%s: the local run's %s.extxyz", what,
          sets[k]);
  }
  nacre_learn_report ra, rb;
  nacre_error err;
  CHECK_OK(nacre_learn_report_read(local, &ra, &err), &err);
  CHECK_OK(nacre_learn_report_read(run, &rb, &err), &err);
  CHECK(ra.labels == rb.labels && ra.label_failures == rb.label_failures &&
            ra.niterations == rb.niterations && rb.finished,
        "%s: %d labels, %d failed in %d iterations (local %d, %d in %d)", what, rb.labels,
        rb.label_failures, rb.niterations, ra.labels, ra.label_failures, ra.niterations);
  nacre_learn_report_free(&ra);
  nacre_learn_report_free(&rb);
}

/* Starts `nacre learn CFG -o OUT MODE JOBS`, waits until `ready` is a
 * regular file and a little longer (the command then waits on a named pipe
 * that nobody opens), and kills it (SIGKILL); 1 when it was still running,
 * 0 when it ended first. */
static int run_until_held(const char *cfg, const char *out, const char *mode,
                          const char *jobs, const char *ready) {
  pid_t pid = fork();
  if (pid == 0) {
    int fd = open("/dev/null", O_WRONLY);
    dup2(fd, 1);
    dup2(fd, 2);
    execl(NACRE_CLI, NACRE_CLI, "learn", cfg, "-o", out, mode, jobs, (char *)NULL);
    _exit(127);
  }
  int status;
  for (int k = 0; k < 60000; k++) {
    if (waitpid(pid, &status, WNOHANG) == pid) return 0;
    struct stat sb;
    if (!stat(ready, &sb) && S_ISREG(sb.st_mode)) break;
    usleep(5000);
  }
  usleep(300000);
  if (waitpid(pid, &status, WNOHANG) == pid) return 0;
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
  return 1;
}

/* The job ids of JOBS_DIR/jobs.txt, at most max. */
static int job_ids(const char *jobs_dir, char ids[][40], int max) {
  char path[1200];
  snprintf(path, sizeof path, "%s/jobs.txt", jobs_dir);
  char *text = test_read_all(path, NULL);
  int n = 0;
  for (char *line = text ? strtok(text, "\n") : NULL; line && n < max;
       line = strtok(NULL, "\n"))
    snprintf(ids[n++], 40, "%s", line);
  free(text);
  return n;
}

/* Frames of an extended-XYZ journal plus lines of its failure log. */
static int journal_entries(const char *journal) {
  char failed[1200];
  snprintf(failed, sizeof failed, "%s.failed", journal);
  int n = 0;
  char *t = test_read_all(journal, NULL);
  for (char *p = t ? strstr(t, "label_id=") : NULL; p; p = strstr(p + 1, "label_id=")) n++;
  free(t);
  t = test_read_all(failed, NULL);
  for (const char *p = t; p && *p; p++) n += *p == '\n';
  free(t);
  return n;
}

/* Killed in the middle of --prepare and of --collect of iteration 0 and
 * resumed: the local run's result. */
static void kill_prepare_collect(const char *tmp, const char *cfg, const char *local) {
  char run[700], jobs[700], it0[800], path[1400], ready[1400], journal[800];
  snprintf(run, sizeof run, "%s/run3", tmp);
  snprintf(jobs, sizeof jobs, "%s/jobs3", tmp);
  snprintf(it0, sizeof it0, "%s/iter000", jobs);
  snprintf(journal, sizeof journal, "%s/labels/iter000.extxyz", run);
  /* the ids of the initial crystals, from the first prepared run's jobs */
  char ids[8][40];
  char first[800];
  snprintf(first, sizeof first, "%s/jobs/iter000", tmp);
  int n = job_ids(first, ids, 8);
  CHECK(n == 6, "the six initial jobs listed (%d)", n);
  if (n != 6) return;

  /* --prepare held at the fourth job's run.sh */
  mkdir(jobs, 0755);
  mkdir(it0, 0755);
  snprintf(path, sizeof path, "%s/%s", it0, ids[3]);
  mkdir(path, 0755);
  snprintf(path, sizeof path, "%s/%s/run.sh", it0, ids[3]);
  CHECK(mkfifo(path, 0644) == 0, "mkfifo %s", path);
  snprintf(ready, sizeof ready, "%s/%s/structure.extxyz", it0, ids[3]);
  int killed = run_until_held(cfg, run, "--prepare", jobs, ready);
  CHECK(killed, "kill -9 in the middle of --prepare (three jobs written)");
  CHECK(db_count(run, "SELECT count(*) FROM settings WHERE key='prepared_iter000'") == 0 &&
            db_count(run, "SELECT count(*) FROM structures WHERE iter=0 AND "
                          "status='pending'") == 6,
        "after the kill nothing is recorded as prepared, the 6 structures still pending");
  unlink(path);
  test_write_text(path, "#!/bin/sh\n# cut short by a kil"); /* a write cut short */
  int rc;
  cJSON *j = learn(tmp, cfg, run, "--prepare", jobs, &rc);
  CHECK(rc == 0 && num(j, "pending_labels") == 6 && !strcmp(str(j, "pending_dir"), it0),
        "--prepare again after the kill: 6 labels pending under %s (%g)", it0,
        num(j, "pending_labels"));
  cJSON_Delete(j);
  char got[8][40];
  CHECK(job_ids(it0, got, 8) == 6, "jobs.txt lists the 6 jobs after the resumed prepare");
  run_jobs(it0, 0, -1);

  /* --collect held at a failed job (not the first) whose failure file is a
   * pipe, the jobs before it in the journal */
  int held = -1;
  for (int k = n - 1; k >= 1 && held < 0; k--) {
    snprintf(path, sizeof path, "%s/%s/label.extxyz.failed", it0, ids[k]);
    struct stat sb;
    if (!stat(path, &sb)) held = k;
  }
  CHECK(held >= 1, "a failed job after the first to hold the collect at");
  if (held < 1) return;
  char keep[1500];
  snprintf(path, sizeof path, "%s/%s/label.extxyz.failed", it0, ids[held]);
  snprintf(keep, sizeof keep, "%s.kept", path);
  rename(path, keep);
  CHECK(mkfifo(path, 0644) == 0, "mkfifo %s", path);
  pid_t pid = fork();
  if (pid == 0) {
    int fd = open("/dev/null", O_WRONLY);
    dup2(fd, 1);
    dup2(fd, 2);
    execl(NACRE_CLI, NACRE_CLI, "learn", cfg, "-o", run, "--collect", jobs, (char *)NULL);
    _exit(127);
  }
  int status, ended = 0;
  for (int k = 0; k < 60000 && journal_entries(journal) < held; k++) {
    if (waitpid(pid, &status, WNOHANG) == pid) {
      ended = 1;
      break;
    }
    usleep(5000);
  }
  usleep(300000);
  if (!ended && waitpid(pid, &status, WNOHANG) == pid) ended = 1;
  if (!ended) {
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
  }
  CHECK(!ended, "kill -9 in the middle of --collect");
  printf("kill -9 in --prepare at job 4 of 6, in --collect at job %d of 6\n", held + 1);
  CHECK(journal_entries(journal) == held,
        "the %d jobs before the held one are in the label journal (%d)", held,
        journal_entries(journal));
  CHECK(db_count(run, "SELECT count(*) FROM structures WHERE status IN "
                      "('labelled', 'failed')") == 0,
        "nothing stored in the run file yet");
  unlink(path);
  rename(keep, path);
  j = learn(tmp, cfg, run, "--collect", jobs, &rc);
  CHECK(rc == 0, "--collect after the kill exits 0 (%d)", rc);
  j = finish_collecting(tmp, cfg, run, jobs, j, 8);
  CHECK(j && cJSON_IsTrue(cJSON_GetObjectItem(j, "finished")), "the killed run finishes");
  cJSON_Delete(j);
  same_as_local(local, run, "killed in --prepare and --collect, resumed");
}

int main(void) {
  if (access(EAM, R_OK)) TEST_SKIP("%s (Debian lammps-data) not installed", EAM);
  int n[3] = {2, 1, 1};
  nacre_structure *cu8 = build_bulk("fcc", 29, 3.615, n);
  nacre_error err;
  char tmp[600], pos[700], cfg[700], local[700], run[700], jobs[700], run2[700], jobs2[700];
  snprintf(tmp, sizeof tmp, "%s", test_tmp_path(""));
  snprintf(pos, sizeof pos, "%s/cu8.vasp", tmp);
  snprintf(cfg, sizeof cfg, "%s/cluster.json", tmp);
  snprintf(local, sizeof local, "%s/local", tmp);
  snprintf(run, sizeof run, "%s/run", tmp);
  snprintf(jobs, sizeof jobs, "%s/jobs", tmp);
  snprintf(run2, sizeof run2, "%s/run2", tmp);
  snprintf(jobs2, sizeof jobs2, "%s/jobs2", tmp);
  CHECK_OK(nacre_write_structure(pos, cu8, NACRE_FORMAT_AUTO, &err), &err);
  make_config();
  test_write_text(cfg, config_text);

  /* the local run */
  int rc;
  cJSON *j = learn(tmp, cfg, local, NULL, NULL, &rc);
  CHECK(rc == 0 && cJSON_IsTrue(cJSON_GetObjectItem(j, "finished")), "the local run finishes");
  cJSON_Delete(j);

  /* prepared: the initial crystals wait, recorded in the run file */
  j = learn(tmp, cfg, run, "--prepare", jobs, &rc);
  char expect[800];
  snprintf(expect, sizeof expect, "%s/iter000", jobs);
  CHECK(rc == 0 && num(j, "pending_labels") == 6 && !strcmp(str(j, "pending_dir"), expect) &&
            !cJSON_IsTrue(cJSON_GetObjectItem(j, "finished")),
        "--prepare: 6 labels pending under %s (%g under %s)", expect, num(j, "pending_labels"),
        str(j, "pending_dir"));
  cJSON_Delete(j);
  CHECK(db_count(run, "SELECT count(*) FROM structures WHERE iter=0 AND status='pending'") == 6,
        "the run file holds the 6 pending structures");
  CHECK(db_count(run, "SELECT count(*) FROM settings WHERE key='prepared_iter000'") == 1,
        "the run file records where they were prepared");
  char path[900];
  snprintf(path, sizeof path, "%s/jobs.txt", expect);
  char *list = test_read_all(path, NULL);
  int lines = 0;
  for (const char *p = list; p && *p; p++) lines += *p == '\n';
  free(list);
  CHECK(lines == 6, "jobs.txt lists 6 jobs (%d)", lines);

  /* restarted without the outputs, then with half of them */
  j = learn(tmp, cfg, run, "--collect", jobs, &rc);
  snprintf(path, sizeof path, "%s/last.err", tmp);
  char *msg = test_read_all(path, NULL);
  CHECK(rc == 0 && num(j, "pending_labels") == 6 && msg && strstr(msg, "6 of 6 labels pending"),
        "a restart without the outputs keeps them pending and says so: %s", msg ? msg : "");
  free(msg);
  cJSON_Delete(j);
  run_jobs(expect, 0, 3);
  j = learn(tmp, cfg, run, "--collect", jobs, &rc);
  CHECK(rc == 0 && num(j, "pending_labels") == 3 && num(j, "labels") == 0 &&
            num(j, "label_failures") == 0,
        "half the outputs: 3 pending (%g), none stored yet (%g labels, %g failures)",
        num(j, "pending_labels"), num(j, "labels"), num(j, "label_failures"));
  cJSON_Delete(j);
  run_jobs(expect, 3, -1);

  /* collected, then killed in the training and the exploration after */
  int k1 = collect_and_kill(cfg, run, jobs, 1, "train");
  int k2 = collect_and_kill(cfg, run, jobs, 1, "explore");
  printf("kill -9 after a collect: in the training %s, in the exploration %s\n",
         k1 ? "killed" : "finished first", k2 ? "killed" : "finished first");
  j = learn(tmp, cfg, run, "--collect", jobs, &rc);
  j = finish_collecting(tmp, cfg, run, jobs, j, 8);
  CHECK(j && cJSON_IsTrue(cJSON_GetObjectItem(j, "finished")) && num(j, "pending_labels") == 0,
        "the prepared run finishes");
  cJSON_Delete(j);
  same_as_local(local, run, "prepared and collected");
  long failed = db_count(run, "SELECT count(*) FROM structures WHERE status='failed'");
  long reasons = db_count(run, "SELECT count(*) FROM structures WHERE status='failed' AND "
                               "message LIKE '%SCF not converged%'");
  CHECK(failed > 0 && reasons == failed, "%ld failures recorded, %ld with their reason",
        failed, reasons);

  /* a batch prepared, half run, then labelled here; another folder refused */
  j = learn(tmp, cfg, run2, "--prepare", jobs2, &rc);
  cJSON_Delete(j);
  snprintf(expect, sizeof expect, "%s/iter000", jobs2);
  run_jobs(expect, 0, 2);
  j = learn(tmp, cfg, run2, "--collect", jobs, &rc);
  snprintf(path, sizeof path, "%s/last.err", tmp);
  msg = test_read_all(path, NULL);
  CHECK(rc == 1 && msg && strstr(msg, jobs2) && strstr(msg, "prepared under"),
        "collecting from another folder is refused, naming the one prepared: %s",
        msg ? msg : "");
  free(msg);
  cJSON_Delete(j);
  j = learn(tmp, cfg, run2, NULL, NULL, &rc);
  CHECK(rc == 0 && cJSON_IsTrue(cJSON_GetObjectItem(j, "finished")),
        "a local command finishes a run whose batch was half run");
  cJSON_Delete(j);
  same_as_local(local, run2, "half prepared, then local");

  kill_prepare_collect(tmp, cfg, local);

  nacre_structure_free(cu8);
  test_tmp_cleanup();
  TEST_DONE();
}
