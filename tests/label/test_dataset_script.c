/* test_dataset_script.c — scripts/make-na-dataset.sh, the script that
 * regenerates data/na-hp, end to end with nacre and a stand-in DFT command
 * (a recorded ABINIT output of a 2-atom cell, so 2-atom structures only):
 * generate, label, pack (the .gz holds the same frames), the time tables,
 * and a larger COUNT that labels only the new structures. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testing.h"

static int sh(const char *cmd) {
  int rc = system(cmd);
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

int main(void) {
  if (access("/usr/share/abinit/psp/Pseudodojo_paw_pbe_standard/Na.xml", R_OK))
    TEST_SKIP("abinit-data (Na PAW dataset) not installed");
  if (sh("command -v gzip > /dev/null && command -v awk > /dev/null"))
    TEST_SKIP("gzip or awk missing");
  char dir[] = "/tmp/nacre-test-datasetXXXXXX";
  CHECK(mkdtemp(dir) != NULL, "mkdtemp");
  char env[6000], cmd[8000];
  snprintf(env, sizeof env,
           "NACRE='%s' OUT='%s' SEED=5 MIN_ATOMS=2 MAX_ATOMS=2 "
           "COMMAND=\"cp '%s' label.abo; true\"",
           NACRE_CLI, dir, test_source_path("tests/data/label/abinit-na2.abo"));
  const char *script = test_source_path("scripts/make-na-dataset.sh");
  snprintf(cmd, sizeof cmd, "%s COUNT=3 bash '%s' > '%s/run1.log' 2>&1", env,
           script, dir);
  CHECK(sh(cmd) == 0, "first run: exit 0 (log %s/run1.log)", dir);
  snprintf(cmd, sizeof cmd,
           "cd '%s' && test $(grep -c '^2$' na-hp-seed5-min2-max2.xyz) = 3 && "
           "zcat na-hp-seed5-min2-max2.xyz.gz | cmp -s - na-hp-seed5-min2-max2.xyz && "
           "grep -q '^all: 3 structures' run1.log && grep -q '^hcp \\|^random ' run1.log",
           dir);
  CHECK(sh(cmd) == 0, "3 labels, packed, with the time tables");
  snprintf(cmd, sizeof cmd, "%s COUNT=4 bash '%s' > '%s/run2.log' 2>&1", env,
           script, dir);
  CHECK(sh(cmd) == 0, "second run with COUNT=4: exit 0");
  snprintf(cmd, sizeof cmd,
           "cd '%s' && grep -q '1 labelled now, 3 skipped' run2.log && "
           "test $(grep -c '^2$' na-hp-seed5-min2-max2.xyz) = 4 && "
           "zcat na-hp-seed5-min2-max2.xyz.gz | cmp -s - na-hp-seed5-min2-max2.xyz",
           dir);
  CHECK(sh(cmd) == 0, "only the new structure labelled, repacked");
  snprintf(cmd, sizeof cmd, "%s bash '%s' stats | grep -q '^all: 4 structures'",
           env, script);
  CHECK(sh(cmd) == 0, "stats on its own");
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  CHECK(sh(cmd) == 0, "cleanup");
  TEST_DONE();
}
