/* test_relax_domain.c — `nacre relax` with a network used outside its
 * training data (issue: nn_Na_d3_v0 gave 951 GPa for fcc Na at 10.55
 * Å^3/atom and nothing said so): a one-atom fcc cell started at that volume
 * and relaxed at 100 GPa passes through structures the model never saw, and
 * the run warns once on standard error with the count of evaluations
 * outside; bcc Na at 0 GPa (inside the data) gets no warning and reports
 * outside_training_domain false. Skipped without ../shared/data. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "iotest.h"
#include "testing.h"

static int relax(const char *poscar, const char *model, const char *extra, char **err,
                 cJSON **json) {
  char cmd[4096], out[512], errp[512];
  snprintf(out, sizeof out, "%s", test_tmp_path("relax.json"));
  snprintf(errp, sizeof errp, "%s", test_tmp_path("relax.err"));
  snprintf(cmd, sizeof cmd, "%s relax %s -p %s %s --max-steps 30 --json >%s 2>%s",
           NACRE_CLI, poscar, model, extra, out, errp);
  int rc = system(cmd);
  char *text = test_read_all(out, NULL);
  *json = text ? cJSON_Parse(text) : NULL;
  free(text);
  *err = test_read_all(errp, NULL);
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static int count(const char *text, const char *what) {
  int n = 0;
  for (const char *p = text; p && (p = strstr(p, what)); p++) n++;
  return n;
}

int main(void) {
  char model[512];
  snprintf(model, sizeof model, "%s", test_shared_path("maise/models/nn_Na_d3_v0"));
  FILE *probe = fopen(model, "r");
  if (!probe) {
    printf("skip: %s is absent\n", model);
    return 77;
  }
  fclose(probe);
  char fcc[512], bcc[512];
  snprintf(fcc, sizeof fcc, "%s", test_tmp_path("fcc.vasp"));
  double h = cbrt(4 * 10.55) / 2; /* 10.55 Å^3 per atom */
  char text[512];
  snprintf(text, sizeof text,
           "Na fcc\n1.0\n0 %.10f %.10f\n%.10f 0 %.10f\n%.10f %.10f 0\nNa\n1\nDirect\n0 0 0\n",
           h, h, h, h, h, h);
  test_write_text(fcc, text);
  snprintf(bcc, sizeof bcc, "%s", test_tmp_path("bcc.vasp"));
  test_write_text(bcc, "Na bcc\n4.23\n1 0 0\n0 1 0\n0 0 1\nNa\n2\nDirect\n0 0 0\n.5 .5 .5\n");

  char *err = NULL;
  cJSON *j = NULL;
  int st = relax(fcc, model, "--pressure 100", &err, &j);
  CHECK(st == 0 || st == 1, "the relaxation runs (%d)", st);
  CHECK(err && count(err, "outside the training data") == 1 && strstr(err, "evaluations"),
        "one warning with the count of evaluations: %s", err ? err : "");
  CHECK(cJSON_IsBool(cJSON_GetObjectItem(j, "outside_training_domain")),
        "--json reports outside_training_domain");
  free(err);
  cJSON_Delete(j);

  st = relax(bcc, model, "", &err, &j);
  CHECK(st == 0, "bcc at 0 GPa relaxes (%d)", st);
  CHECK(err && !strstr(err, "outside the training data"), "no warning inside the data: %s",
        err ? err : "");
  CHECK(cJSON_IsFalse(cJSON_GetObjectItem(j, "outside_training_domain")),
        "bcc at 0 GPa: outside_training_domain false");
  free(err);
  cJSON_Delete(j);
  test_tmp_cleanup();
  TEST_DONE();
}
