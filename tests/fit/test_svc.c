/* test_svc.c — support-vector classification: `nacre fit svc` and
 * `nacre fit predict` give the same labels, row by row, as libsvm's own
 * svm-train and svm-predict (Debian's libsvm-tools) on the same data and
 * parameters, for the RBF and the linear kernel, and the same number of
 * support vectors (skipped with a message when the tools are absent); a
 * linear SVC on two features recovers a known boundary 0.203·t1 + t2 ≤
 * 0.322 (data with a gap of ±0.005 around it) and prints it as that
 * inequality; the grid search picks a C whose CV accuracy is the best. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "iotest.h"
#include "nacre/fit.h"
#include "testing.h"

static int have(const char *prog) {
  char cmd[256];
  snprintf(cmd, sizeof cmd, "command -v %s >/dev/null 2>&1", prog);
  return system(cmd) == 0;
}

static int run(const char *cmd) {
  int rc = system(cmd);
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

/* A private copy of a temporary path (test_tmp_path reuses its buffer). */
static const char *path(const char *name) {
  static char store[8][1024];
  static int next;
  char *p = store[next++ % 8];
  snprintf(p, 1024, "%s", test_tmp_path(name));
  return p;
}

/* A nonlinear boundary: label 1 inside
 * an ellipse, with 5 % of the labels flipped. Train and test parts go to
 * CSV and libsvm's sparse format (%.17g: both read the same doubles). */
static void write_sets(int ntrain, int ntest) {
  nacre_rng rng;
  nacre_rng_init(&rng, 4, 0);
  FILE *tc = fopen(path("train.csv"), "w"), *ts = fopen(path("train.svm"), "w");
  FILE *pc = fopen(path("test.csv"), "w"), *ps = fopen(path("test.svm"), "w");
  fprintf(tc, "a,b,c,label\n");
  fprintf(pc, "a,b,c,label\n");
  for (int i = 0; i < ntrain + ntest; i++) {
    double a = 4 * nacre_rng_uniform(&rng) - 2, b = 4 * nacre_rng_uniform(&rng) - 2;
    double c = nacre_rng_normal(&rng);
    int label = a * a / 2 + b * b + 0.3 * c < 1.2 ? 1 : -1;
    if (nacre_rng_uniform(&rng) < 0.05) label = -label;
    FILE *fc = i < ntrain ? tc : pc, *fs = i < ntrain ? ts : ps;
    fprintf(fc, "%.17g,%.17g,%.17g,%d\n", a, b, c, label);
    fprintf(fs, "%d 1:%.17g 2:%.17g 3:%.17g\n", label, a, b, c);
  }
  fclose(tc);
  fclose(ts);
  fclose(pc);
  fclose(ps);
}

static int count_sv(const char *model_path) {
  FILE *f = fopen(model_path, "r");
  char line[256];
  int n = -1;
  while (f && fgets(line, sizeof line, f))
    if (!strncmp(line, "total_sv ", 9)) n = atoi(line + 9);
  if (f) fclose(f);
  return n;
}

static void compare_with_libsvm(const char *kernel, int t, double cost, double gamma) {
  char cmd[4096];
  snprintf(cmd, sizeof cmd,
           "%s fit svc %s --target label --features a,b,c --kernel %s --cost %g --gamma %g "
           "--no-standardize --folds 0 -q -o %s > /dev/null",
           NACRE_CLI, path("train.csv"), kernel, cost, gamma,
           path("model.json"));
  CHECK(run(cmd) == 0, "%s: nacre fit svc runs", kernel);
  snprintf(cmd, sizeof cmd, "%s fit predict %s %s -o %s -q", NACRE_CLI,
           path("model.json"), path("test.csv"), path("pred.csv"));
  CHECK(run(cmd) == 0, "%s: nacre fit predict runs", kernel);
  snprintf(cmd, sizeof cmd, "svm-train -q -s 0 -t %d -c %g -g %g %s %s", t, cost, gamma,
           path("train.svm"), path("libsvm.model"));
  CHECK(run(cmd) == 0, "%s: svm-train runs", kernel);
  snprintf(cmd, sizeof cmd, "svm-predict -q %s %s %s", path("test.svm"),
           path("libsvm.model"), path("libsvm.out"));
  CHECK(run(cmd) == 0, "%s: svm-predict runs", kernel);
  FILE *a = fopen(path("pred.csv"), "r"), *b = fopen(path("libsvm.out"), "r");
  char la[512], lb[64];
  int rows = 0, differ = 0;
  if (a && fgets(la, sizeof la, a)) /* header */
    while (fgets(la, sizeof la, a) && fgets(lb, sizeof lb, b)) {
      const char *comma = strrchr(la, ',');
      if (atof(comma + 1) != atof(lb)) differ++;
      rows++;
    }
  if (a) fclose(a);
  if (b) fclose(b);
  CHECK(rows == 200 && differ == 0, "%s: %d of %d labels differ from svm-predict's", kernel,
        differ, rows);
  char *json = test_read_all(path("model.json"), NULL);
  cJSON *j = cJSON_Parse(json ? json : "");
  cJSON *svc = cJSON_GetObjectItem(j, "svc");
  int ours = svc ? cJSON_GetArraySize(cJSON_GetObjectItem(svc, "support_vectors")) : -1;
  int theirs = count_sv(path("libsvm.model"));
  CHECK(ours == theirs && ours > 0, "%s: %d support vectors, svm-train %d", kernel, ours, theirs);
  printf("%s kernel: %d test labels as svm-predict, %d support vectors as svm-train\n", kernel,
         rows - differ, ours);
  cJSON_Delete(j);
  free(json);
}

static void test_boundary(void) {
  /* the NASICON-style rule: stable (1) where 0.203·t1 + t2 ≤ 0.322 */
  enum { n = 300 };
  double x[2 * n], y[n];
  nacre_rng rng;
  nacre_rng_init(&rng, 8, 0);
  int m = 0;
  while (m < n) {
    double t1 = 2 * nacre_rng_uniform(&rng), t2 = 0.8 * nacre_rng_uniform(&rng) - 0.1;
    double f = 0.203 * t1 + t2 - 0.322;
    if (fabs(f) < 0.005) continue;
    x[m] = t1;
    x[n + m] = t2;
    y[m++] = f <= 0 ? 1 : 0;
  }
  char *names[2] = {"t1", "t2"}, *units[2] = {"", ""};
  nacre_fit_data d = {n, 2, names, units, x, "stable", y, "nasicon"};
  nacre_fit_svc_options o;
  nacre_fit_svc_options_init(&o);
  o.kernel = NACRE_FIT_KERNEL_LINEAR;
  o.cost[0] = 1e4; /* hard margin */
  o.ncost = 1;
  nacre_fit_model *mod = NULL;
  nacre_fit_svc_report rep;
  nacre_error err;
  CHECK_OK(nacre_fit_svc(&d, &o, NULL, &mod, &rep, &err), &err);
  if (!mod) return;
  CHECK(rep.has_boundary, "a linear two-class SVC has a boundary");
  double a = rep.boundary_w[0] / rep.boundary_w[1], c = -rep.boundary_b / rep.boundary_w[1];
  /* the max-margin line lies within the ±0.005 gap: slope and offset to a
   * few 0.01 over t1 ∈ [0, 2] */
  CHECK_CLOSE(a, 0.203, 0.01, "boundary slope (coefficient of t1 with t2's set to 1)");
  CHECK_CLOSE(c, 0.322, 0.006, "boundary offset");
  CHECK(rep.train_accuracy == 1.0, "separable: every training row right (%.4f)",
        rep.train_accuracy);
  char rule[256];
  nacre_fit_model_rule(mod, rule, sizeof rule);
  printf("boundary: %s\n", rule);
  CHECK(strstr(rule, "stable = 1 if 0.2") && strstr(rule, "·[t1] + 1·[t2] ≤ 0.3"),
        "the rule reads like 0.203·t1 + t2 ≤ 0.322: %s", rule);
  nacre_fit_model_free(mod);
}

static void test_grid(void) {
  /* the noisy ellipse: the grid's choice has the best CV accuracy */
  nacre_error err;
  nacre_table *t = NULL;
  nacre_fit_data *d = NULL;
  CHECK_OK(nacre_table_read(path("train.csv"), &t, &err), &err);
  if (t) CHECK_OK(nacre_fit_data_from_table(t, "a,b,c", "label", NULL, 1, &d, &err), &err);
  nacre_table_free(t);
  if (!d) return;
  nacre_fit_svc_options o;
  nacre_fit_svc_options_init(&o);
  nacre_fit_model *m = NULL;
  nacre_fit_svc_report rep;
  CHECK_OK(nacre_fit_svc(d, &o, NULL, &m, &rep, &err), &err);
  double best = 0;
  for (int g = 0; g < rep.ngrid; g++) best = fmax(best, rep.grid_cv_accuracy[g]);
  CHECK(rep.ngrid == 20 && rep.cv_accuracy == best && best > 0.85,
        "20 (C, γ) pairs tried; the chosen one has the best CV accuracy (%.3f of %.3f)",
        rep.cv_accuracy, best);
  printf("RBF grid: C %g, γ %g, CV accuracy %.3f, training %.3f\n", rep.cost, rep.gamma,
         rep.cv_accuracy, rep.train_accuracy);
  nacre_fit_model_free(m);
  nacre_fit_data_free(d);
}

int main(void) {
  test_boundary();
  write_sets(300, 200);
  test_grid();
  if (!have("svm-train") || !have("svm-predict")) {
    printf("SKIP libsvm comparison: svm-train/svm-predict (Debian libsvm-tools) not found\n");
    test_tmp_cleanup();
    TEST_DONE();
  }
  compare_with_libsvm("rbf", 2, 10, 0.5);
  compare_with_libsvm("linear", 0, 1, 1);
  test_tmp_cleanup();
  TEST_DONE();
}
