/* test_fe_cli.c — nacre free-energy as users meet it, on a small
 * Lennard-Jones (argon) crystal of 32 atoms with short runs.
 *   --json prints one object whose every key, at every level, is named in
 *     doc/free-energy.md; the files of the run directory exist.
 *   Killed with SIGKILL while its tasks run, then --resume: the resumed
 *     run reruns exactly the tasks without a result file (at most the one
 *     in progress is lost with -j 1) and ends with the numbers of an
 *     uninterrupted run (1e-12 eV/atom: every task's random stream comes
 *     from the seed and the task alone).
 *   -j 2 gives the numbers of -j 1 (1e-12 eV/atom).
 *   A resume with another --steps is refused naming --steps; a new run
 *     into a used directory is refused naming --resume; an unknown phase
 *     kind and a missing --temperatures are usage errors (exit 2).
 *   The crystal at 250 K (three times its melting point) is reported
 *     "melted" with a message, exit 0, and has no G. */
#include <cjson/cJSON.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "iotest.h"
#include "mdtest.h"
#include "testing.h"

static char tmp[1024], poscar[1100];
static const char *POT = "lj:epsilon=0.010323,sigma=3.405,cutoff=8.5,tail=1";

/* Runs nacre free-energy with the common settings and ARGS; standard
 * output into DIR.out, errors into DIR.err; returns the exit status. */
static int fe(const char *dir, const char *args) {
  return mdtest_system("OMP_NUM_THREADS=1 '%s' free-energy %s -p %s --supercell 2,2,2 "
                       "--timestep 5 --steps 1500 --lambda-points 4 --seed 7 -q -o %s/%s %s "
                       "> %s/%s.out 2> %s/%s.err",
                       NACRE_CLI, poscar, POT, tmp, dir, args, tmp, dir, tmp, dir);
}

static char *text_of(const char *dir, const char *ext) {
  char path[1200];
  snprintf(path, sizeof path, "%s/%s.%s", tmp, dir, ext);
  return test_read_all(path, NULL);
}

static cJSON *json_of(const char *dir) {
  char *o = text_of(dir, "out");
  cJSON *j = o ? cJSON_Parse(o) : NULL;
  if (!j) printf("%s: not JSON:\n%s\n", dir, o ? o : "(none)");
  free(o);
  return j;
}

static const cJSON *phase0(const cJSON *j) {
  return cJSON_GetArrayItem(cJSON_GetObjectItem(j, "phases"), 0);
}

static double num(const cJSON *o, const char *k) {
  const cJSON *x = cJSON_GetObjectItem(o, k);
  return cJSON_IsNumber(x) ? x->valuedouble : NAN;
}

static double point_g(const cJSON *j, int k, double *se) {
  const cJSON *p = cJSON_GetArrayItem(cJSON_GetObjectItem(phase0(j), "points"), k);
  if (se) *se = num(p, "gibbs_energy_per_atom_stderr_ev");
  return num(p, "gibbs_energy_per_atom_ev");
}

/* Every key of o and below is quoted in the documentation. */
static void keys_documented(const cJSON *o, const char *doc) {
  for (const cJSON *it = o->child; it; it = it->next) {
    if (it->string) {
      char quoted[128];
      snprintf(quoted, sizeof quoted, "`%s`", it->string);
      CHECK(strstr(doc, quoted) != NULL, "doc/free-energy.md names the key %s", it->string);
    }
    if (cJSON_IsObject(it) || cJSON_IsArray(it)) keys_documented(it, doc);
  }
}

static int count_results(const char *dir) {
  char cmd[1400];
  snprintf(cmd, sizeof cmd, "ls %s/%s/Ar/*.json 2>/dev/null | wc -l", tmp, dir);
  FILE *p = popen(cmd, "r");
  int n = 0;
  if (p) {
    if (fscanf(p, "%d", &n) != 1) n = 0;
    pclose(p);
  }
  return n;
}

static void test_json_and_files(const cJSON *j) {
  char path[1200];
  snprintf(path, sizeof path, "%s/doc/free-energy.md", NACRE_SOURCE_DIR);
  char *doc = test_read_all(path, NULL);
  CHECK(doc != NULL, "doc/free-energy.md exists");
  if (doc) keys_documented(j, doc);
  free(doc);
  static const char *const files[] = {"summary.json", "settings.json", "relative.csv",
                                      "crossings.csv", "gibbs.svg", "Ar/gibbs.csv",
                                      "Ar/reference.json", "Ar/einstein_00.json"};
  for (size_t k = 0; k < sizeof files / sizeof *files; k++) {
    struct stat st;
    snprintf(path, sizeof path, "%s/full/%s", tmp, files[k]);
    CHECK(stat(path, &st) == 0 && st.st_size > 0, "file %s written", files[k]);
  }
  const cJSON *ph = phase0(j);
  CHECK(!strcmp(cJSON_GetObjectItem(ph, "status")->valuestring, "ok"), "status ok");
  CHECK(num(j, "tasks_total") == 8 && num(j, "tasks_done") == 8, "8 tasks done");
}

static void test_kill_resume(const cJSON *full) {
  char cmd[4096];
  snprintf(cmd, sizeof cmd,
           "OMP_NUM_THREADS=1 exec '%s' free-energy %s -p %s --supercell 2,2,2 --timestep 5 "
           "--steps 1500 --lambda-points 4 --seed 7 -q -o %s/killed --temperatures 40:60:10 "
           "> /dev/null 2>&1",
           NACRE_CLI, poscar, POT, tmp);
  pid_t pid = fork();
  if (pid == 0) {
    execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
    _exit(127);
  }
  /* kill once two results are on disk */
  int killed = 0;
  for (int k = 0; k < 60000 && !killed; k++) {
    if (count_results("killed") >= 2) killed = kill(pid, SIGKILL) == 0;
    if (waitpid(pid, NULL, WNOHANG) == pid) {
      pid = -1;
      break;
    }
    usleep(5000);
  }
  if (pid > 0) waitpid(pid, NULL, 0);
  int before = count_results("killed");
  CHECK(killed && before >= 2 && before < 8, "killed with %d of 8 results on disk", before);
  CHECK(fe("killed", "--temperatures 40:60:10 --resume --json") == 0, "resume runs");
  cJSON *j = json_of("killed");
  if (!j) return;
  CHECK(num(j, "tasks_run") == 8 - before,
        "the resume reran only the %d missing tasks (ran %g)", 8 - before, num(j, "tasks_run"));
  for (int k = 0; k < 3; k++)
    CHECK_CLOSE(point_g(j, k, NULL), point_g(full, k, NULL), 1e-12,
                "killed and resumed equals uninterrupted");
  cJSON_Delete(j);
}

static void test_jobs(const cJSON *full) {
  CHECK(fe("jobs2", "--temperatures 40:60:10 -j 2 --json") == 0, "-j 2 runs");
  cJSON *j = json_of("jobs2");
  if (!j) return;
  for (int k = 0; k < 3; k++)
    CHECK_CLOSE(point_g(j, k, NULL), point_g(full, k, NULL), 1e-12, "-j 2 equals -j 1");
  cJSON_Delete(j);
}

static void test_refusals(void) {
  CHECK(fe("full", "--temperatures 40:60:10 --resume --steps 1600") == 1, "other --steps refused");
  char *e = text_of("full", "err");
  CHECK(e && strstr(e, "--steps"), "the refusal names --steps: %s", e ? e : "");
  free(e);
  CHECK(fe("full", "--temperatures 40:60:10") == 1, "a used directory without --resume refused");
  e = text_of("full", "err");
  CHECK(e && strstr(e, "--resume"), "the refusal names --resume: %s", e ? e : "");
  free(e);
  CHECK(fe("bad", "--temperatures 40 --phase gas") == 2, "unknown phase kind: usage error");
  CHECK(mdtest_system("'%s' free-energy %s -p %s -o %s/bad2 > /dev/null 2>&1", NACRE_CLI,
                      poscar, POT, tmp) == 2,
        "missing --temperatures: usage error");
}

static void test_melted(void) {
  CHECK(fe("hot", "--temperatures 250 --json") == 0, "a melting crystal exits 0");
  cJSON *j = json_of("hot");
  if (!j) return;
  const cJSON *ph = phase0(j);
  const cJSON *st = cJSON_GetObjectItem(ph, "status");
  CHECK(cJSON_IsString(st) && !strcmp(st->valuestring, "melted"), "status melted (%s)",
        cJSON_IsString(st) ? st->valuestring : "?");
  CHECK(cJSON_IsString(cJSON_GetObjectItem(ph, "message")), "with a message");
  CHECK(cJSON_IsNull(cJSON_GetObjectItem(cJSON_GetObjectItem(ph, "reference"),
                                         "gibbs_energy_per_atom_ev")),
        "and no G");
  cJSON_Delete(j);
}

int main(void) {
  snprintf(tmp, sizeof tmp, "%s", mdtest_tmpdir());
  snprintf(poscar, sizeof poscar, "%s/Ar.vasp", tmp);
  test_write_text(poscar, "Ar fcc\n5.40\n1 0 0\n0 1 0\n0 0 1\nAr\n4\nDirect\n"
                          "0 0 0\n0 0.5 0.5\n0.5 0 0.5\n0.5 0.5 0\n");
  CHECK(fe("full", "--temperatures 40:60:10 --json") == 0, "the uninterrupted run");
  cJSON *full = json_of("full");
  if (full) {
    test_json_and_files(full);
    test_kill_resume(full);
    test_jobs(full);
  }
  test_refusals();
  test_melted();
  cJSON_Delete(full);
  mdtest_cleanup(tmp);
  TEST_DONE();
}
