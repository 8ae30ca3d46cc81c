/* test_mpi.c — `mpirun -np 3 nacre search` (builds with -DNACRE_MPI=ON):
 * rank 0 keeps the pool while ranks 1 and 2 relax, and the run must equal
 * the one of `nacre search --jobs 2` with the same seed candidate by
 * candidate (bitwise: same enthalpies, energies, relaxed cells and
 * positions, duplicate links, space groups), since the engine folds results
 * in candidate order whoever relaxed them. Also: a relaxing rank that
 * cannot load the potential makes the job fail at once with a message
 * naming that rank and no run file; a failure on rank 0 (bad potential)
 * and `--help` end every rank without hanging. Skipped (77) without MPI in
 * the build. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "iotest.h"
#include "nacre/search.h"
#include "testing.h"

#ifndef NACRE_MPIEXEC
int main(void) {
  TEST_SKIP("built without MPI (configure with -DNACRE_MPI=ON to test "
            "mpirun -np N nacre search)");
}
#else

static char launcher_flags[128];

/* Runs a shell command with its output in `out`; its exit status. A hung
 * MPI job is killed after two minutes. */
static int sh(const char *cmd, const char *out) {
  char full[8192];
  snprintf(full, sizeof full, "timeout 120 %s >%s 2>&1", cmd, out);
  int rc = system(full);
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static void detect_launcher(void) {
  /* Open MPI refuses root without --allow-run-as-root and more ranks than
   * cores without --oversubscribe; other launchers take neither. */
  char cmd[1024];
  snprintf(cmd, sizeof cmd, "%s --version 2>&1", NACRE_MPIEXEC);
  FILE *p = popen(cmd, "r");
  char line[256];
  int ompi = 0;
  while (p && fgets(line, sizeof line, p))
    if (strstr(line, "Open MPI") || strstr(line, "OpenRTE")) ompi = 1;
  if (p) pclose(p);
  snprintf(launcher_flags, sizeof launcher_flags, "%s",
           ompi ? "--allow-run-as-root --oversubscribe" : "");
}

static const char *ARGS =
    "--composition Ar6 --potential lj:epsilon=0.0104,sigma=3.4,cutoff=8.5 "
    "--volume 40 --budget 30 --population 10 --seed 7 -q";

static void compare_runs(const char *a_db, const char *b_db) {
  nacre_error err;
  nacre_run *a = NULL, *b = NULL;
  CHECK_OK(nacre_run_open_readonly(a_db, &a, &err), &err);
  CHECK_OK(nacre_run_open_readonly(b_db, &b, &err), &err);
  if (!a || !b) {
    nacre_run_close(a);
    nacre_run_close(b);
    return;
  }
  long pa, da, fa, pb, db, fb;
  CHECK_OK(nacre_run_counts(a, &pa, &da, &fa, &err), &err);
  CHECK_OK(nacre_run_counts(b, &pb, &db, &fb, &err), &err);
  CHECK(pa == 0 && da + fa == 30, "MPI run: all 30 relaxed (%ld pending, "
        "%ld done, %ld failed)", pa, da, fa);
  CHECK(pa == pb && da == db && fa == fb,
        "same counts: MPI %ld/%ld/%ld, --jobs 2 %ld/%ld/%ld", pa, da, fa, pb,
        db, fb);
  nacre_candidate *ca = NULL, *cb = NULL;
  long na = 0, nb = 0;
  CHECK_OK(nacre_run_load_done(a, &ca, &na, &err), &err);
  CHECK_OK(nacre_run_load_done(b, &cb, &nb, &err), &err);
  CHECK(na == nb && na > 0, "same finished candidates: %ld vs %ld", na, nb);
  long same = 0;
  for (long k = 0; k < na && k < nb; k++) {
    const nacre_candidate *x = &ca[k], *y = &cb[k];
    const nacre_structure *s = x->relaxed, *t = y->relaxed;
    int eq = x->id == y->id && x->enthalpy == y->enthalpy &&
             x->energy == y->energy && x->duplicate_of == y->duplicate_of &&
             x->sg == y->sg && !strcmp(x->op, y->op) && s && t &&
             s->natoms == t->natoms &&
             !memcmp(s->cell, t->cell, sizeof s->cell) &&
             !memcmp(s->numbers, t->numbers, sizeof(int) * (size_t)s->natoms) &&
             !memcmp(s->positions, t->positions,
                     sizeof(double) * 3 * (size_t)s->natoms);
    if (!eq)
      printf("candidate %ld: MPI H=%.17g dup=%ld sg=%d op=%s, --jobs 2 "
             "H=%.17g dup=%ld sg=%d op=%s\n",
             x->id, x->enthalpy, x->duplicate_of, x->sg, x->op, y->enthalpy,
             y->duplicate_of, y->sg, y->op);
    same += eq;
  }
  CHECK(same == na && na == nb,
        "every candidate bitwise identical (%ld of %ld)", same, na);
  long *oa = malloc(sizeof(long) * (size_t)(na ? na : 1)),
       *ob = malloc(sizeof(long) * (size_t)(nb ? nb : 1));
  long ua = nacre_candidates_rank(ca, na, oa),
       ub = nacre_candidates_rank(cb, nb, ob);
  CHECK(ua == ub && ua >= 2,
        "same number of unique minima, several of them: %ld vs %ld", ua, ub);
  for (long r = 0; r < ua && r < ub; r++)
    CHECK(ca[oa[r]].id == cb[ob[r]].id &&
              ca[oa[r]].enthalpy == cb[ob[r]].enthalpy,
          "pool rank %ld: candidate %ld (H %.10f eV) vs %ld (H %.10f eV)",
          r + 1, ca[oa[r]].id, ca[oa[r]].enthalpy, cb[ob[r]].id,
          cb[ob[r]].enthalpy);
  free(oa);
  free(ob);
  nacre_candidates_free(ca, na);
  nacre_candidates_free(cb, nb);
  nacre_run_close(a);
  nacre_run_close(b);
}

/* A one-element setfl file: enough to load, all tables zero. */
static int write_zero_setfl(const char *path) {
  char text[2048];
  int n = snprintf(text, sizeof text,
                   "zero\nzero\nzero\n1 Ar\n10 0.1 10 0.5 4.0\n"
                   "18 39.948 5.26 fcc\n");
  for (int k = 0; k < 30; k++) n += snprintf(text + n, sizeof text - n, "0\n");
  return test_write_text(path, text);
}

int main(void) {
  detect_launcher();
  char out[1024], cmd[8192], a_db[1024], b_db[1024], dir[1024];
  snprintf(out, sizeof out, "%s", test_tmp_path("out.txt"));
  snprintf(a_db, sizeof a_db, "%s", test_tmp_path("mpi.db"));
  snprintf(b_db, sizeof b_db, "%s", test_tmp_path("jobs.db"));

  /* 1. The same search through MPI ranks and through forked workers. */
  snprintf(dir, sizeof dir, "%s", test_tmp_path("mpi-results"));
  snprintf(cmd, sizeof cmd, "%s %s -np 3 %s search %s --db %s -o %s",
           NACRE_MPIEXEC, launcher_flags, NACRE_CLI, ARGS, a_db, dir);
  int rc = sh(cmd, out);
  CHECK(rc == 0, "mpirun -np 3 nacre search exits 0 (got %d)", rc);
  if (rc) {
    char *text = test_read_all(out, NULL);
    printf("%s\n", text ? text : "");
    free(text);
  }
  snprintf(dir, sizeof dir, "%s", test_tmp_path("jobs-results"));
  snprintf(cmd, sizeof cmd, "%s search %s --jobs 2 --db %s -o %s", NACRE_CLI,
           ARGS, b_db, dir);
  CHECK(sh(cmd, out) == 0, "nacre search --jobs 2 exits 0");
  if (rc == 0) compare_runs(a_db, b_db);

  /* 2. Ranks 1 and 2 start in a directory without the potential file that
   * rank 0 loads (a relative path): every rank must stop, rank 0 saying
   * which ranks failed, and no run file may be made. */
  char here[1024], there[1024], pot[1100];
  snprintf(here, sizeof here, "%s", test_tmp_path("rank0"));
  snprintf(there, sizeof there, "%s", test_tmp_path("others"));
  CHECK(mkdir(here, 0777) == 0 && mkdir(there, 0777) == 0, "made directories");
  snprintf(pot, sizeof pot, "%s/zero.eam.alloy", here);
  CHECK(write_zero_setfl(pot) == 0, "wrote a setfl file");
  snprintf(cmd, sizeof cmd,
           "%s %s -np 1 -wdir %s %s search --composition Ar4 --potential "
           "zero.eam.alloy --db run.db --budget 4 -q : -np 2 -wdir %s %s "
           "search --composition Ar4 --potential zero.eam.alloy --db run.db "
           "--budget 4 -q",
           NACRE_MPIEXEC, launcher_flags, here, NACRE_CLI, there, NACRE_CLI);
  rc = sh(cmd, out);
  CHECK(rc != 0 && rc != 124, "a rank without the potential: the job fails "
        "and does not hang (exit %d)", rc);
  char *text = test_read_all(out, NULL);
  CHECK(text && strstr(text, "2 of 3 ranks could not load the potential") &&
            strstr(text, "rank 1 (") && strstr(text, "zero.eam.alloy"),
        "the error names the failing ranks and the potential: %s",
        text ? text : "(no output)");
  free(text);
  snprintf(pot, sizeof pot, "%s/run.db", here);
  CHECK(access(pot, F_OK) != 0, "no run file made when a rank failed");

  /* 3. Rank 0 fails before the search: the other ranks are released. */
  snprintf(cmd, sizeof cmd,
           "%s %s -np 3 %s search --composition Ar4 --potential "
           "/nonexistent/x.eam --db %s -q",
           NACRE_MPIEXEC, launcher_flags, NACRE_CLI, test_tmp_path("x.db"));
  rc = sh(cmd, out);
  CHECK(rc != 0 && rc != 124, "bad potential on rank 0: the job fails and "
        "does not hang (exit %d)", rc);
  text = test_read_all(out, NULL);
  CHECK(text && strstr(text, "/nonexistent/x.eam"),
        "rank 0 names the potential: %s", text ? text : "(no output)");
  free(text);

  /* 4. --help under mpirun: every rank ends with 0. */
  snprintf(cmd, sizeof cmd, "%s %s -np 3 %s search --help", NACRE_MPIEXEC,
           launcher_flags, NACRE_CLI);
  rc = sh(cmd, out);
  CHECK(rc == 0, "mpirun -np 3 nacre search --help exits 0 (got %d)", rc);
  text = test_read_all(out, NULL);
  CHECK(text && strstr(text, "mpirun -np N"), "--help documents mpirun");
  free(text);

  test_tmp_cleanup();
  TEST_DONE();
}
#endif
