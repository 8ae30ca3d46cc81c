/* test_collapse.c — an NPT run whose cell collapses stops with the named
 * outcome "collapsed" (as a relaxation does, opt.collapse), exit status 1
 * and the last good step: 16 Na atoms (bcc, 8.4 Å cell) at 20 GPa on a
 * Lennard-Jones potential whose minimum sits at 1.7 Å (a stand-in for a
 * network used far outside its data) shrink below V0/5 within a thousand
 * steps; the same cell with sigma = 3.2 Å (minimum near the Na-Na
 * distance) completes the run (control). */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "iotest.h"
#include "testing.h"

static cJSON *md(const char *poscar, const char *spec, int *status) {
  char cmd[4096];
  const char *out = test_tmp_path("md.json");
  snprintf(cmd, sizeof cmd,
           "%s md %s -p %s --ensemble npt --pressure 20 --tau-p 100 --steps 3000 "
           "--json >%s 2>/dev/null",
           NACRE_CLI, poscar, spec, out);
  int rc = system(cmd);
  *status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  char *text = test_read_all(out, NULL);
  cJSON *j = text ? cJSON_Parse(text) : NULL;
  free(text);
  return j;
}

int main(void) {
  char poscar[512];
  snprintf(poscar, sizeof poscar, "%s", test_tmp_path("na16.vasp"));
  FILE *f = fopen(poscar, "w");
  fputs("Na bcc\n1.0\n8.4 0 0\n0 8.4 0\n0 0 8.4\nNa\n16\nDirect\n", f);
  for (int c = 0; c < 8; c++)
    for (int b = 0; b < 2; b++)
      fprintf(f, "%g %g %g\n", (c & 1) * 0.5 + b * 0.25, (c >> 1 & 1) * 0.5 + b * 0.25,
              (c >> 2 & 1) * 0.5 + b * 0.25);
  fclose(f);

  int st;
  cJSON *j = md(poscar, "lj:epsilon=0.05,sigma=1.5,cutoff=5,shift=1", &st);
  const cJSON *outcome = cJSON_GetObjectItem(j, "outcome");
  const cJSON *message = cJSON_GetObjectItem(j, "message");
  CHECK(st == 1 && cJSON_IsString(outcome) && !strcmp(outcome->valuestring, "collapsed"),
        "a collapsing NPT run ends 'collapsed' with exit 1 (%d, %s)", st,
        cJSON_IsString(outcome) ? outcome->valuestring : "no outcome");
  CHECK(cJSON_IsString(message) && strstr(message->valuestring, "volume"),
        "the message names the volume: %s",
        cJSON_IsString(message) ? message->valuestring : "(none)");
  cJSON_Delete(j);

  j = md(poscar, "lj:epsilon=0.05,sigma=3.2,cutoff=8,shift=1", &st);
  outcome = cJSON_GetObjectItem(j, "outcome");
  CHECK(st == 0 && cJSON_IsString(outcome) && !strcmp(outcome->valuestring, "completed"),
        "control: a sodium-like minimum completes (%d, %s)", st,
        cJSON_IsString(outcome) ? outcome->valuestring : "no outcome");
  cJSON_Delete(j);
  test_tmp_cleanup();
  TEST_DONE();
}
