/* test_loop.c — the active-learning loop end to end with a known truth:
 * Debian's Cu_u3.eam labels (through the potential labeller) and a small
 * committee learns Cu from six random crystals by NVT MD at 700 K.
 * Checked: the run finishes and leaves a committee file that loads; the
 * task fractions add up and fewer structures are labelled than were met;
 * the final committee reproduces the EAM on an independent set (EAM MD
 * snapshots at 700 K, another seed) within 10 meV/atom and 0.25 eV/Å —
 * tolerances of a committee of two 6-6 networks trained for seconds —
 * and better than the first committee did; the test set is never trained
 * on; a run killed (SIGKILL) while exploring, training and labelling and
 * resumed each time ends with the very committee file of an uninterrupted
 * run; the JSON report's keys are those of doc/learn.md. Skips without Cu_u3.eam. */
#include <cjson/cJSON.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "builders.h"
#include "iotest.h"
#include "learntest.h"
#include "nacre/io.h"
#include "nacre/learn.h"
#include "nacre/md.h"
#include "testing.h"

#define EAM "/usr/share/lammps/potentials/Cu_u3.eam"

static const char *config_text =
    "{\"seed\": 3,\n"
    " \"initial\": {\"random\": {\"composition\": \"Cu4\", \"count\": 6}},\n"
    " \"label\": {\"code\": \"potential:" EAM "\"},\n"
    " \"committee\": {\"size\": 2, \"hidden\": [6, 6], \"epochs\": 80, \"warm_epochs\": 40},\n"
    " \"selection\": {\"max_per_iteration\": 5, \"random_per_iteration\": 1,"
    " \"min_distance\": 0.0005},\n"
    " \"test\": {\"fraction\": 0.3, \"max\": 4},\n"
    " \"stages\": [{\"name\": \"md\", \"max_iterations\": 4, \"accurate_fraction\": 0.9,\n"
    "   \"tasks\": [{\"name\": \"nvt 700 K\", \"type\": \"md\", \"ensemble\": \"nvt\",\n"
    "     \"structures\": \"cu8.vasp\", \"temperatures_k\": [700], \"steps\": 150,\n"
    "     \"every\": 10, \"timestep_fs\": 2}]}]}\n";

static nacre_learn_config *config(const char *dir) {
  nacre_learn_config *c = NULL;
  nacre_error err;
  CHECK_OK(nacre_learn_config_parse(config_text, "loop.json", dir, &c, &err), &err);
  return c;
}

/* Starts `nacre learn` on cfg into dir and kills it (SIGKILL) as soon as
 * the run file shows iteration `iter` in `phase`; 1 when it was killed, 0
 * when it ended first. */
static int run_and_kill(const char *cfg, const char *dir, int iter, const char *phase) {
  pid_t pid = fork();
  if (pid == 0) {
    int fd = open("/dev/null", O_WRONLY);
    dup2(fd, 1);
    dup2(fd, 2);
    execl(NACRE_CLI, NACRE_CLI, "learn", cfg, "-o", dir, (char *)NULL);
    _exit(127);
  }
  int killed = 0;
  for (;;) {
    int status;
    if (waitpid(pid, &status, WNOHANG) == pid) break;
    nacre_learn_report r;
    nacre_error err;
    if (!nacre_learn_report_read(dir, &r, &err)) {
      const nacre_learn_iteration *last =
          r.niterations ? &r.iterations[r.niterations - 1] : NULL;
      int hit = last && (last->iteration > iter ||
                         (last->iteration == iter && !strcmp(last->phase, phase)));
      nacre_learn_report_free(&r);
      if (hit) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        killed = 1;
        break;
      }
    }
    usleep(20000);
  }
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

/* Every key `nacre learn --report DIR --json` prints is named in
 * doc/learn.md, and every key in the first cells of the tables of its
 * JSON section is printed. */
static void collect(const cJSON *j, char keys[][48], int *n) {
  for (const cJSON *it = j->child; it; it = it->next) {
    if (it->string) {
      int seen = 0;
      for (int k = 0; k < *n; k++) seen |= !strcmp(keys[k], it->string);
      if (!seen && *n < 128) snprintf(keys[(*n)++], 48, "%s", it->string);
    }
    if (cJSON_IsObject(it) || cJSON_IsArray(it)) collect(it, keys, n);
  }
}

static void json_documented(const char *run) {
  char cmd[1600], outp[800];
  snprintf(outp, sizeof outp, "%s/report.json", run);
  snprintf(cmd, sizeof cmd, "%s learn --report %s --json > %s", NACRE_CLI, run, outp);
  CHECK(system(cmd) == 0, "%s", cmd);
  char *text = test_read_all(outp, NULL);
  cJSON *j = text ? cJSON_Parse(text) : NULL;
  CHECK(j != NULL, "nacre learn --report --json prints JSON");
  char *doc = test_read_all(test_source_path("doc/learn.md"), NULL);
  CHECK(doc != NULL, "doc/learn.md");
  if (!j || !doc) {
    free(text);
    free(doc);
    cJSON_Delete(j);
    return;
  }
  static char keys[128][48];
  int n = 0;
  collect(j, keys, &n);
  for (int k = 0; k < n; k++) {
    char q[64];
    snprintf(q, sizeof q, "`%s`", keys[k]);
    CHECK(strstr(doc, q) != NULL, "key %s is documented in doc/learn.md", keys[k]);
  }
  const char *sec = strstr(doc, "## `nacre learn --report");
  CHECK(sec != NULL, "doc/learn.md has the JSON section");
  /* the section ends at the next heading of its level */
  char *next = sec ? strstr(sec + 3, "\n## ") : NULL;
  if (next) next[1] = 0;
  for (const char *line = sec; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
    if (strncmp(line, "| `", 3)) continue;
    const char *end = strstr(line + 1, "|");
    for (const char *a = strchr(line, '`'); a && a < end; a = strchr(a, '`')) {
      const char *b = strchr(a + 1, '`');
      if (!b || b > end) break;
      char key[64];
      snprintf(key, sizeof key, "%.*s", (int)(b - a - 1), a + 1);
      int seen = 0;
      for (int k = 0; k < n; k++) seen |= !strcmp(keys[k], key);
      CHECK(seen, "documented key %s is printed", key);
      a = b + 1;
    }
  }
  free(text);
  free(doc);
  cJSON_Delete(j);
}

int main(void) {
  if (access(EAM, R_OK)) TEST_SKIP("%s (Debian lammps-data) not installed", EAM);
  int n[3] = {2, 1, 1};
  nacre_structure *cu8 = build_bulk("fcc", 29, 3.615, n);
  nacre_error err;
  char dir[600], out[700], out2[700], model[800];
  snprintf(dir, sizeof dir, "%s", test_tmp_path(""));
  char pos[700];
  snprintf(pos, sizeof pos, "%s/cu8.vasp", dir);
  CHECK_OK(nacre_write_structure(pos, cu8, NACRE_FORMAT_AUTO, &err), &err);
  nacre_learn_config *c = config(dir);
  if (!c) TEST_DONE();

  /* the whole run */
  snprintf(out, sizeof out, "%s/run", dir);
  nacre_ctx ctx;
  nacre_ctx_init(&ctx);
  nacre_learn_report rep;
  CHECK_OK(nacre_learn_run(c, out, NULL, NULL, &ctx, &rep, &err), &err);
  CHECK(rep.finished, "the run finished");
  CHECK(rep.niterations >= 3, "%d iterations", rep.niterations);
  long met = 0;
  for (int k = 0; k < rep.ntasks; k++) {
    const nacre_learn_task_stats *t = &rep.tasks[k];
    /* 15 samples of 150 steps, fewer when a run left physical space */
    CHECK(t->accurate + t->candidate + t->failed == t->configurations &&
              t->configurations > 0 && t->configurations <= 15,
          "iteration %d: %ld + %ld + %ld = %ld configurations (150 steps / 10 at most)",
          t->iteration, t->accurate, t->candidate, t->failed, t->configurations);
    met += t->configurations;
  }
  int labelled_later = 0;
  for (int k = 0; k < rep.niterations; k++) {
    const nacre_learn_iteration *it = &rep.iterations[k];
    CHECK(it->selected <= 5 + 1, "iteration %d: %d selected, at most M + 1", it->iteration,
          it->selected);
    if (it->iteration > 0) labelled_later += it->labelled;
  }
  CHECK(rep.iterations[0].labelled == 6, "the six random crystals labelled first");
  CHECK(labelled_later > 0 && labelled_later < met,
        "%d of %ld configurations met were labelled", labelled_later, met);
  snprintf(model, sizeof model, "%s/model.json", out);
  nacre_dataset *truth = learntest_truth_set(EAM, cu8, 700, 8, 40);
  nacre_errors fin = learntest_errors(model, truth);
  char first[800];
  snprintf(first, sizeof first, "%s/committees/iter001.json", out);
  nacre_errors e1 = learntest_errors(first, truth);
  printf("independent set (%d EAM snapshots at 700 K): first committee E %.2f meV/atom, "
         "F %.0f meV/Å; final E %.2f meV/atom, F %.0f meV/Å; %d labels\n",
         truth->n, 1e3 * e1.e_rmse, 1e3 * e1.f_rmse, 1e3 * fin.e_rmse, 1e3 * fin.f_rmse,
         rep.labels);
  CHECK(fin.e_rmse <= 0.010, "final energy RMSE %.4f eV/atom <= 0.010", fin.e_rmse);
  CHECK(fin.f_rmse <= 0.25, "final force RMSE %.3f eV/Å <= 0.25", fin.f_rmse);
  CHECK(fin.f_rmse < e1.f_rmse, "learning lowered the force error: %.3f -> %.3f",
        e1.f_rmse, fin.f_rmse);

  /* the test set is never trained on */
  char tr[800], te[800];
  snprintf(tr, sizeof tr, "%s/train.extxyz", out);
  snprintf(te, sizeof te, "%s/test.extxyz", out);
  nacre_dataset *dtr = nacre_dataset_new(&err), *dte = nacre_dataset_new(&err);
  CHECK_OK(nacre_dataset_read(dtr, tr, &err), &err);
  CHECK_OK(nacre_dataset_read(dte, te, &err), &err);
  CHECK(dte->n > 0 && dtr->n + dte->n == rep.labels, "%d training + %d test = %d labels",
        dtr->n, dte->n, rep.labels);
  for (int a = 0; a < dte->n; a++)
    for (int b = 0; b < dtr->n; b++)
      CHECK(nacre_label_structure_hash(dte->items[a].s) !=
                nacre_label_structure_hash(dtr->items[b].s),
            "test structure %d is also training structure %d", a, b);
  nacre_dataset_free(dtr);
  nacre_dataset_free(dte);

  json_documented(out);

  /* killed (SIGKILL) while exploring, training and labelling, resumed
   * each time: the same committee as the uninterrupted run */
  char cfgpath[700];
  snprintf(cfgpath, sizeof cfgpath, "%s/loop.json", dir);
  test_write_text(cfgpath, config_text);
  snprintf(out2, sizeof out2, "%s/killed", dir);
  const char *phases[3] = {"explore", "train", "label"};
  const int at[3] = {1, 2, 2};
  for (int k = 0; k < 3; k++) {
    int killed = run_and_kill(cfgpath, out2, at[k], phases[k]);
    printf("kill -9 in iteration %d's %s phase: %s\n", at[k], phases[k],
           killed ? "killed" : "finished before the kill");
  }
  char cmd[2000];
  snprintf(cmd, sizeof cmd, "%s learn %s -o %s -q > /dev/null", NACRE_CLI, cfgpath, out2);
  CHECK(system(cmd) == 0, "resumed to the end: %s", cmd);
  char model2[800];
  snprintf(model2, sizeof model2, "%s/model.json", out2);
  CHECK(same_file(model, model2), "killed and resumed run ends with the same committee file");
  nacre_learn_report rep2;
  CHECK_OK(nacre_learn_report_read(out2, &rep2, &err), &err);
  CHECK(rep2.labels == rep.labels && rep2.niterations == rep.niterations,
        "killed and resumed: %d labels in %d iterations, uninterrupted %d in %d", rep2.labels,
        rep2.niterations, rep.labels, rep.niterations);
  nacre_learn_report_free(&rep2);

  /* another configuration is refused in that folder */
  nacre_learn_config *other = NULL;
  char *t2 = strdup(config_text);
  t2[strlen("{\"seed\": ")] = '4';
  CHECK_OK(nacre_learn_config_parse(t2, "other.json", dir, &other, &err), &err);
  nacre_status st = nacre_learn_run(other, out, NULL, NULL, &ctx, NULL, &err);
  CHECK(st == NACRE_ERR_INVALID && strstr(err.message, "another configuration"),
        "another configuration refused: %s", err.message);
  free(t2);
  nacre_learn_config_free(other);

  nacre_learn_report_free(&rep);
  nacre_dataset_free(truth);
  nacre_learn_config_free(c);
  nacre_structure_free(cu8);
  test_tmp_cleanup();
  TEST_DONE();
}
