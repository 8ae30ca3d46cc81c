/* test_cli.c — `nacre generate` and `nacre label` end to end, with a
 * stand-in DFT command that copies a recorded ABINIT output: exit codes,
 * reproducible generation, labelled frames and the JSON summary, resuming
 * (nothing relabelled), and a failing run recorded as such (exit 1). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "label/label_internal.h"
#include "testing.h"

static int sh(const char *fmt, const char *a, const char *b) {
  char cmd[4096];
  snprintf(cmd, sizeof cmd, fmt, a, b);
  int rc = system(cmd);
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

int main(void) {
  if (access("/usr/share/abinit/psp/Pseudodojo_paw_pbe_standard/Na.xml", R_OK))
    TEST_SKIP("abinit-data (Na PAW dataset) not installed");
  char dir[] = "/tmp/nacre-test-cliXXXXXX";
  CHECK(mkdtemp(dir) != NULL, "mkdtemp");
  CHECK(chdir(dir) == 0, "chdir");
  CHECK(sh("%s generate --recipe na-hp --seed 3 --count 5 --max-atoms 2 -o a.xyz > /dev/null", NACRE_CLI, "") == 0,
        "generate exit 0");
  CHECK(sh("%s generate --recipe na-hp --seed 3 --count 5 --max-atoms 2 -o b.xyz > /dev/null && cmp -s a.xyz b.xyz", NACRE_CLI, "") == 0,
        "same seed, same file");
  CHECK(sh("%s generate --recipe nope -o c.xyz 2> /dev/null", NACRE_CLI, "") == 2,
        "unknown recipe: usage error 2");
  CHECK(sh("%s generate --recipe na-hp --min-atoms 8 --max-atoms 2 -o c.xyz 2>&1 | grep -q 'above --max-atoms'", NACRE_CLI, "") == 0,
        "--min-atoms above --max-atoms is named");
  CHECK(sh("%s generate --recipe na-hp --eos 37,4 -o c.xyz 2>&1 | grep -q 'expects 3'", NACRE_CLI, "") == 0,
        "--eos with two numbers is named");
  CHECK(sh("%s generate --recipe na-hp --eos 37,4,0.5 -o c.xyz 2> /dev/null", NACRE_CLI, "") == 2,
        "--eos with B0' <= 1: usage error 2");
  CHECK(sh("%s generate --recipe na-hp --count 3 --min-atoms 9 --max-atoms 9 -o c.xyz 2>&1 | grep -q 'no structure kind'", NACRE_CLI, "") == 0,
        "no kind with 9 atoms is named");
  /* a structure with 2 atoms, labelled by the stand-in (recorded Na2) */
  label_write_file("in.xyz",
                   "2\nLattice=\"3.05 0.03 0 0 3.02 0.04 0.02 0 3.04\" "
                   "Properties=species:S:1:pos:R:3 config_type=rattled "
                   "label_code=old\nNa 0 0 0\nNa 1.55 1.49 1.53\n"
                   "2\nLattice=\"3.05 0.03 0 0 3.02 0.04 0.02 0 3.04\" "
                   "Properties=species:S:1:pos:R:3\nNa 0 0 0\nNa 1.56 1.49 1.53\n",
                   NULL);
  const char *good = test_source_path("tests/data/label/abinit-na2.abo");
  CHECK(sh("%s label in.xyz --code abinit --command \"cp '%s' label.abo; true\" -o out.xyz --json > s1.json 2> p1.txt",
           NACRE_CLI, good) == 0,
        "label exit 0");
  CHECK(sh("grep -q 'label 2/2 1-.*: 2 atoms, .* labels/h' p1.txt", "", "") == 0,
        "a progress line per label on stderr");
  CHECK(sh("test $(grep -c 'config_type=rattled' out.xyz) = 1 && "
           "test $(grep -c 'label_code=abinit' out.xyz) = 2 && "
           "! grep -q 'label_code=old' out.xyz", "", "") == 0,
        "input info keys kept in the labelled frame, label keys replaced");
  char *json = NULL;
  label_read_file("s1.json", &json, NULL, NULL);
  CHECK(json && strstr(json, "\"labelled_now\":\t2") && strstr(json, "\"failed\":\t0"),
        "JSON summary: %s", json ? json : "");
  free(json);
  CHECK(sh("%s label in.xyz --code abinit --command false -o out.xyz --json -q > s2.json 2> p2.txt && test ! -s p2.txt", NACRE_CLI, "") == 0,
        "rerun: nothing to do, exit 0 (the failing command is never run), "
        "nothing on stderr with -q");
  label_read_file("s2.json", &json, NULL, NULL);
  CHECK(json && strstr(json, "\"skipped\":\t2"), "both skipped");
  free(json);
  const char *bad = test_source_path("tests/data/label/abinit-na2-unconverged.abo");
  CHECK(sh("%s label in.xyz --code abinit --command \"cp '%s' label.abo; true\" -o out2.xyz 2> err.txt > sum.txt",
           NACRE_CLI, bad) == 1,
        "unconverged SCF: exit 1");
  char *out2 = NULL;
  CHECK(access("out2.xyz", F_OK) != 0, "no labelled frame written for an unconverged SCF");
  label_read_file("out2.xyz.failed", &out2, NULL, NULL);
  CHECK(out2 && strstr(out2, "not converged"), "failure recorded with its reason");
  free(out2);
  /* --prepare / --collect: runs done elsewhere (test_source_path reuses
   * one buffer: the good output's path is fetched again) */
  char goodp[4096], badp[4096];
  snprintf(badp, sizeof badp, "%s", bad);
  snprintf(goodp, sizeof goodp, "%s", test_source_path("tests/data/label/abinit-na2.abo"));
  CHECK(sh("%s label in.xyz --code abinit --command \"cp '%s' label.abo; true\" "
           "--prepare jobs > /dev/null && test $(wc -l < jobs/jobs.txt) = 2 && "
           "test -x jobs/$(head -1 jobs/jobs.txt)/run.sh && "
           "test -s jobs/$(head -1 jobs/jobs.txt)/label.abi",
           NACRE_CLI, goodp) == 0,
        "--prepare: two directories with input and executable run.sh, listed in jobs.txt");
  CHECK(sh("d=jobs/$(head -1 jobs/jobs.txt); sed 's/^cp .*/env > env.txt/' $d/run.sh > "
           "$d/env.sh && OMP_NUM_THREADS=3 OPENBLAS_NUM_THREADS= sh $d/env.sh && "
           "grep -qx OMP_NUM_THREADS=3 $d/env.txt && grep -qx OPENBLAS_NUM_THREADS=1 "
           "$d/env.txt%s",
           "", "") == 0,
        "run.sh: one BLAS thread unless the job sets it, the job's setting kept");
  CHECK(sh("sh jobs/$(head -1 jobs/jobs.txt)/run.sh && "
           "%s label in.xyz --code abinit --collect jobs -o c.xyz --json > c1.json 2> /dev/null",
           NACRE_CLI, "") == 0,
        "--collect after one of two runs: exit 0");
  label_read_file("c1.json", &json, NULL, NULL);
  CHECK(json && strstr(json, "\"labelled_now\":\t1") && strstr(json, "\"pending\":\t1"),
        "one labelled, one pending: %s", json ? json : "");
  free(json);
  CHECK(sh("cp '%s' jobs/$(tail -1 jobs/jobs.txt)/label.abo && "
           "%s label in.xyz --code abinit --collect jobs -o c.xyz --json > c2.json 2> /dev/null",
           badp, NACRE_CLI) == 1,
        "--collect of an unconverged run: exit 1");
  label_read_file("c2.json", &json, NULL, NULL);
  CHECK(json && strstr(json, "\"skipped\":\t1") &&
            strstr(json, "\"failed_not_converged\":\t1") && strstr(json, "\"pending\":\t0"),
        "the labelled one skipped, the unconverged one recorded: %s", json ? json : "");
  free(json);
  CHECK(sh("test $(grep -c label_code=abinit c.xyz) = 1 && grep -q 'label_cell=input label_kgrid=' c.xyz && grep -q 'not converged' c.xyz.failed && "
           "%s label in.xyz --code abinit --prepare jobs2 -o c.xyz > /dev/null && "
           "test ! -s jobs2/jobs.txt", NACRE_CLI, "") == 0,
        "a new --prepare with -o skips what is labelled or failed");
  CHECK(sh("%s label in.xyz --code abinit --prepare a --collect b -o x.xyz 2> /dev/null",
           NACRE_CLI, "") == 2,
        "--prepare with --collect: usage error");
  CHECK(sh("%s label in.xyz --code abinit --cell reduced -o x.xyz 2>&1 | "
           "grep -q 'auto, input or niggli' && test ! -e x.xyz",
           NACRE_CLI, "") == 0,
        "--cell with an unknown mode: usage error naming the modes");
  CHECK(sh("%s label in.xyz --code abinit --cell niggli --prepare jobs3 > /dev/null && "
           "test -s jobs3/jobs.txt",
           NACRE_CLI, "") == 0,
        "--cell niggli accepted");
  CHECK(chdir("/tmp") == 0, "chdir back");
  CHECK(sh("rm -rf '%s'", dir, "") == 0, "cleanup");
  TEST_DONE();
}
