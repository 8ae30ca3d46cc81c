/* test_cli.c — `nacre fit`: --help documents every action and option;
 * usage errors exit 2 and name the problem; bad data exits 1 with file,
 * line and column; sis writes a model file that `nacre fit predict`
 * applies to new rows with the accuracy (or RMSE) the search reported;
 * predict -o writes the table with a 'predicted' column; linear, rank and
 * svc print JSON with the documented keys. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "iotest.h"
#include "testing.h"

static char *run_capture(const char *cmd, int *status) {
  FILE *p = popen(cmd, "r");
  if (!p) return NULL;
  size_t cap = 1 << 16, len = 0, got;
  char *buf = malloc(cap);
  while ((got = fread(buf + len, 1, cap - len - 1, p)) > 0) {
    len += got;
    if (len + 1 >= cap) buf = realloc(buf, cap *= 2);
  }
  buf[len] = '\0';
  int rc = pclose(p);
  *status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  return buf;
}

static const char *path(const char *name) {
  static char store[8][1024];
  static int next;
  char *p = store[next++ % 8];
  snprintf(p, 1024, "%s", test_tmp_path(name));
  return p;
}

static char *nacre(const char *args, int *status) {
  char cmd[4096];
  snprintf(cmd, sizeof cmd, "%s fit %s 2>&1", NACRE_CLI, args);
  return run_capture(cmd, status);
}

int main(void) {
  int st;
  char args[4096];
  char *out = nacre("--help", &st);
  CHECK(st == 0, "--help exits 0");
  const char *documented[] = {"sis", "svc", "rank", "linear", "predict", "--target",
                              "--features", "--units", "--classify", "--score", "--rung",
                              "--ops", "--deepen", "--dim", "--sis-size", "--max-memory",
                              "--time-limit", "--kernel", "--cost", "--gamma",
                              "--test-fraction", "--intercept", "--folds", "--seed",
                              "--jobs", "--json", "Memory:"};
  for (size_t k = 0; k < sizeof documented / sizeof *documented; k++)
    CHECK(out && strstr(out, documented[k]), "--help documents %s", documented[k]);
  free(out);

  /* a small regression table: y = 2·a/b + 1 */
  FILE *f = fopen(path("reg.csv"), "w");
  fprintf(f, "id,a,b,y\n");
  nacre_rng rng;
  nacre_rng_init(&rng, 2, 0);
  for (int i = 0; i < 40; i++) {
    double a = 1 + nacre_rng_uniform(&rng), b = 1 + nacre_rng_uniform(&rng);
    fprintf(f, "s%d,%.17g,%.17g,%.17g\n", i, a, b, 2 * a / b + 1);
  }
  fclose(f);

  out = nacre("sis", &st);
  CHECK(st == 2 && out && strstr(out, "sis takes one DATA.csv"), "no data: exit 2 (%d)", st);
  free(out);
  snprintf(args, sizeof args, "sis %s", path("reg.csv"));
  out = nacre(args, &st);
  CHECK(st == 2 && out && strstr(out, "--target"), "no target: exit 2, names --target");
  free(out);
  snprintf(args, sizeof args, "sis %s --target y --bogus", path("reg.csv"));
  out = nacre(args, &st);
  CHECK(st == 2 && out && strstr(out, "--bogus"), "unknown option: exit 2, named");
  free(out);
  snprintf(args, sizeof args, "sis %s --target y --rung 7", path("reg.csv"));
  out = nacre(args, &st);
  CHECK(st == 2 && out && strstr(out, "--rung"), "bad rung: exit 2");
  free(out);
  out = nacre("frobnicate", &st);
  CHECK(st == 2, "unknown action: exit 2");
  free(out);

  /* bad data: exit 1, file, line and column named */
  test_write_text(path("bad.csv"), "a,b,y\n1,2,3\n4,x,6\n7,8,9\n");
  snprintf(args, sizeof args, "sis %s --target y", path("bad.csv"));
  out = nacre(args, &st);
  CHECK(st == 1 && out && strstr(out, "bad.csv:3") && strstr(out, "'b'"),
        "text in a numeric column: exit 1 naming bad.csv:3 and 'b' (%s)", out ? out : "");
  free(out);

  /* sis → model → predict */
  snprintf(args, sizeof args,
           "sis %s --target y --features a,b --rung 1 --dim 1 --sis-size 5 --json -q -o %s",
           path("reg.csv"), path("reg.json"));
  out = nacre(args, &st);
  CHECK(st == 0, "sis --json runs (%d): %s", st, out ? out : "");
  cJSON *j = cJSON_Parse(out ? out : "");
  cJSON *dims = cJSON_GetObjectItem(j, "dimensions");
  cJSON *d1 = cJSON_GetArrayItem(dims, 0);
  cJSON *desc = d1 ? cJSON_GetArrayItem(cJSON_GetObjectItem(d1, "descriptors"), 0) : NULL;
  CHECK(desc && !strcmp(desc->valuestring, "a/b"), "the descriptor is a/b (%s)",
        desc ? desc->valuestring : "none");
  const char *keys[] = {"rows", "features", "target", "rung", "candidates", "features_per_s",
                        "memory_bound_gb", "wall_s", "cpu_s", "complete", "subspace"};
  for (size_t k = 0; k < sizeof keys / sizeof *keys; k++)
    CHECK(cJSON_GetObjectItem(j, keys[k]) != NULL, "sis --json has '%s'", keys[k]);
  CHECK(d1 && cJSON_GetObjectItem(d1, "cv_rmse") && cJSON_GetObjectItem(d1, "train_rmse"),
        "each dimension has train_rmse and cv_rmse");
  cJSON_Delete(j);
  free(out);
  snprintf(args, sizeof args, "predict %s %s --json", path("reg.json"), path("reg.csv"));
  out = nacre(args, &st);
  j = cJSON_Parse(out ? out : "");
  cJSON *rmse = cJSON_GetObjectItem(j, "rmse");
  CHECK(st == 0 && rmse && rmse->valuedouble < 1e-12, "predict reproduces y = 2a/b + 1 (RMSE %g)",
        rmse ? rmse->valuedouble : -1);
  CHECK(cJSON_GetArraySize(cJSON_GetObjectItem(j, "predicted")) == 40, "40 predictions");
  cJSON_Delete(j);
  free(out);
  snprintf(args, sizeof args, "predict %s %s -o %s -q", path("reg.json"), path("reg.csv"),
           path("pred.csv"));
  out = nacre(args, &st);
  free(out);
  char *pred = test_read_all(path("pred.csv"), NULL);
  CHECK(st == 0 && pred && !strncmp(pred, "id,a,b,y,predicted\n", 19) && strstr(pred, "\ns39,"),
        "predict -o keeps the columns and adds 'predicted'");
  free(pred);
  /* -o onto a pipe writes into it and leaves it a pipe (renaming a
   * temporary file over it would replace it) */
  const char *fifo = path("out.fifo");
  CHECK(mkfifo(fifo, 0600) == 0, "mkfifo");
  char cmd[4096];
  snprintf(cmd, sizeof cmd, "cat %s > %s &", fifo, path("from_fifo.csv"));
  CHECK(system(cmd) == 0, "reader started");
  snprintf(args, sizeof args, "predict %s %s -o %s -q", path("reg.json"), path("reg.csv"), fifo);
  out = nacre(args, &st);
  free(out);
  struct stat sb;
  CHECK(st == 0 && stat(fifo, &sb) == 0 && S_ISFIFO(sb.st_mode), "the pipe is still a pipe");
  for (int tries = 0; tries < 50; tries++) {
    pred = test_read_all(path("from_fifo.csv"), NULL);
    if (pred && strstr(pred, "\ns39,")) break;
    free(pred);
    pred = NULL;
    usleep(100000);
  }
  CHECK(pred && !strncmp(pred, "id,a,b,y,predicted\n", 19), "the predictions went through the pipe");
  free(pred);
  /* --plot: an SVG with the points and the rule */
  snprintf(args, sizeof args, "predict %s %s -q --plot %s", path("reg.json"), path("reg.csv"),
           path("reg.svg"));
  out = nacre(args, &st);
  free(out);
  char *svg = test_read_all(path("reg.svg"), NULL);
  CHECK(st == 0 && svg && strstr(svg, "<svg") && strstr(svg, "</svg>") && strstr(svg, "<circle") &&
            strstr(svg, "RMSE"),
        "--plot writes an SVG parity plot with its RMSE");
  free(svg);
  /* a table without a column the descriptor needs */
  test_write_text(path("nob.csv"), "a,y\n1,2\n");
  snprintf(args, sizeof args, "predict %s %s", path("reg.json"), path("nob.csv"));
  out = nacre(args, &st);
  CHECK(st == 1 && out && strstr(out, "'b'"), "predict names the missing column 'b'");
  free(out);
  test_write_text(path("notmodel.json"), "{\"format\": \"something\"}");
  snprintf(args, sizeof args, "predict %s %s", path("notmodel.json"), path("reg.csv"));
  out = nacre(args, &st);
  CHECK(st == 1 && out && strstr(out, "not a nacre fit model"), "predict rejects other JSON");
  free(out);

  /* linear, rank, svc: JSON keys */
  snprintf(args, sizeof args, "linear %s --target y --features a,b --intercept --json",
           path("reg.csv"));
  out = nacre(args, &st);
  j = cJSON_Parse(out ? out : "");
  CHECK(st == 0 && cJSON_GetObjectItem(j, "coefficients") && cJSON_GetObjectItem(j, "loo_rmse") &&
            cJSON_GetObjectItem(j, "path") && cJSON_GetObjectItem(j, "loo_errors"),
        "linear --json has coefficients, loo_rmse, loo_errors and path");
  cJSON_Delete(j);
  free(out);
  snprintf(args, sizeof args, "rank %s --target y --features a,b --json", path("reg.csv"));
  out = nacre(args, &st);
  j = cJSON_Parse(out ? out : "");
  cJSON *tau = cJSON_GetObjectItem(j, "test_kendall_tau");
  CHECK(st == 0 && tau && tau->valuedouble > 0.9 && cJSON_GetObjectItem(j, "test_pairwise_accuracy"),
        "rank --json: held-out τ %.3f", tau ? tau->valuedouble : -1);
  cJSON_Delete(j);
  free(out);
  test_write_text(path("cls.csv"), "t1,t2,stable\n0,0,1\n0.1,0.1,1\n0.2,0,1\n1,1,0\n0.9,1.1,0\n"
                                   "1.2,0.8,0\n0.05,0.2,1\n1.1,1.0,0\n");
  snprintf(args, sizeof args, "svc %s --target stable --kernel linear --cost 100 --folds 0 --json",
           path("cls.csv"));
  out = nacre(args, &st);
  j = cJSON_Parse(out ? out : "");
  cJSON *acc = cJSON_GetObjectItem(j, "train_accuracy");
  CHECK(st == 0 && acc && acc->valuedouble == 1 && cJSON_GetObjectItem(j, "boundary") &&
            cJSON_GetObjectItem(j, "rule"),
        "svc --json: boundary, rule, training accuracy 1");
  cJSON_Delete(j);
  free(out);
  test_tmp_cleanup();
  TEST_DONE();
}
