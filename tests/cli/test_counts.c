/* test_counts.c — counts agree in number across the command line ("1 atom",
 * "2 atoms"): eval, symmetry, relax, convert, generate, data info and label
 * on a one-atom cell (and one structure, one frame, one step where a
 * command counts them) print no "1 atoms", "1 structures", "1 frames" or
 * "1 steps", on standard output or standard error. */
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "iotest.h"
#include "testing.h"

static void no_bad_plural(const char *what, const char *cmd) {
  char full[8000];
  const char *out = test_tmp_path("out.txt");
  snprintf(full, sizeof full, "{ %s; } > '%s' 2>&1", cmd, out);
  int rc = system(full);
  (void)rc;
  char *text = test_read_all(out, NULL);
  regex_t re;
  regcomp(&re, "(^|[^0-9.])1 (atoms|structures|frames|steps|labels)\\b",
          REG_EXTENDED | REG_NEWLINE);
  regmatch_t m;
  int bad = text && regexec(&re, text, 1, &m, 0) == 0;
  CHECK(text && !bad, "%s: no plural after 1%s%.60s", what, bad ? ": " : "",
        bad ? text + m.rm_so : "");
  regfree(&re);
  free(text);
}

int main(void) {
  char dir[4096];
  snprintf(dir, sizeof dir, "%s", test_tmp_path(""));
  char cmd[6000];
  const char *lj = "lj:epsilon=0.0104,sigma=3.4,cutoff=8.5";
  char cell[4200];
  snprintf(cell, sizeof cell, "%s/na1.vasp", dir);
  test_write_text(cell, "Na fcc\n1.0\n0 2.1 2.1\n2.1 0 2.1\n2.1 2.1 0\nNa\n1\n"
                        "Direct\n0 0 0\n");
  snprintf(cmd, sizeof cmd, "%s eval '%s' -p %s", NACRE_CLI, cell, lj);
  no_bad_plural("eval", cmd);
  snprintf(cmd, sizeof cmd, "%s symmetry '%s'", NACRE_CLI, cell);
  no_bad_plural("symmetry", cmd);
  snprintf(cmd, sizeof cmd, "%s relax '%s' -p %s --max-steps 1", NACRE_CLI,
           cell, lj);
  no_bad_plural("relax", cmd);
  snprintf(cmd, sizeof cmd, "cd '%s' && %s convert na1.vasp one.xyz", dir,
           NACRE_CLI);
  no_bad_plural("convert", cmd);
  snprintf(cmd, sizeof cmd,
           "cd '%s' && %s generate --recipe na-hp --count 1 --max-atoms 1 -o "
           "g.xyz",
           dir, NACRE_CLI);
  no_bad_plural("generate", cmd);
  snprintf(cmd, sizeof cmd,
           "cd '%s' && %s label one.xyz --code potential:%s -o l.xyz", dir,
           NACRE_CLI, lj);
  no_bad_plural("label", cmd);
  snprintf(cmd, sizeof cmd, "cd '%s' && %s data info l.xyz && %s data merge "
                            "l.xyz -o m.xyz",
           dir, NACRE_CLI, NACRE_CLI);
  no_bad_plural("data", cmd);
  test_tmp_cleanup();
  TEST_DONE();
}
