/* test_demo.c — `make demo` works as README.md says: examples/demo.sh, run
 * with this build's nacre, exits 0, its search ranks fcc (Fm-3m, cF4)
 * first for Cu8 with Debian's Foiles EAM (skipped with a message when
 * lammps-data is absent and the demo falls back to Lennard-Jones), writes
 * the rank01 files it then evaluates, and `nacre symmetry` of rank01.cif
 * finds the group the table lists. Its progress ends on one line with the
 * counts the run holds (not a 40/40 line with the unique count before the
 * last generation joined the pool, then another with the right one). */
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "iotest.h"
#include "testing.h"

int main(void) {
  char out[4096], log[4096]; /* test_tmp_path's buffer is static */
  snprintf(out, sizeof out, "%s", test_tmp_path("demo-out"));
  snprintf(log, sizeof log, "%s", test_tmp_path("demo.log"));
  char cmd[16384];
  snprintf(cmd, sizeof cmd, "bash '%s/examples/demo.sh' '%s' '%s' >'%s' 2>&1",
           NACRE_SOURCE_DIR, NACRE_CLI, out, log);
  int rc = system(cmd);
  char *text = test_read_all(log, NULL);
  CHECK(WIFEXITED(rc) && WEXITSTATUS(rc) == 0 && text, "demo.sh exits 0 (%d):\n%s", rc,
        text ? text : "");
  if (!text) TEST_DONE();
  const char *files[] = {"rank01.cif", "rank01.POSCAR", "minima.extxyz", "summary.json"};
  for (int k = 0; k < 4; k++) {
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", out, files[k]);
    CHECK(access(path, R_OK) == 0, "the demo wrote %s", files[k]);
  }
  /* the budget's last relaxation is reported once, with the final counts */
  int at_end = 0;
  for (const char *p = text; (p = strstr(p, " 40/40 relaxed")); p++) at_end++;
  CHECK(at_end == 1, "one progress line at 40/40 (%d)", at_end);
  const char *end = strstr(text, " 40/40 relaxed"), *sum = strstr(text, "40 relaxed, ");
  const char *u = end ? strstr(end, " unique") : NULL, *su = sum ? strstr(sum, " unique") : NULL;
  while (u && u > end && u[-1] >= '0' && u[-1] <= '9') u--;
  while (su && su > sum && su[-1] >= '0' && su[-1] <= '9') su--;
  CHECK(u && su && atol(u) == atol(su), "the 40/40 line shows the run's %ld unique minima (%ld)",
        su ? atol(su) : -1L, u ? atol(u) : -1L);
  const char *table = strstr(text, "\nrank ");
  if (access("/usr/share/lammps/potentials/Cu_u3.eam", R_OK) != 0) {
    printf("note: Debian's lammps-data is absent; the demo ran with Lennard-Jones, "
           "its ranking is not checked\n");
    free(text);
    TEST_DONE();
  }
  const char *row1 = table ? strstr(table, "\n   1 ") : NULL;
  const char *eol = row1 ? strchr(row1 + 1, '\n') : NULL;
  char first[256] = "";
  if (row1 && eol) snprintf(first, sizeof first, "%.*s", (int)(eol - row1 - 1), row1 + 1);
  CHECK(strstr(first, "Fm-3m(225)") && strstr(first, "cF4"),
        "the demo ranks fcc first: '%s'", first);
  const char *sym = strstr(text, "== nacre symmetry");
  CHECK(sym && strstr(sym, "225  Fm-3m") && strstr(sym, "cF4"),
        "nacre symmetry of rank01.cif finds Fm-3m cF4");
  free(text);
  TEST_DONE();
}
