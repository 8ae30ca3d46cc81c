/* test_potential.c — the labeller that is a nacre potential (--code
 * potential:SPEC): a batch of rattled and strained Na cells labelled with
 * a Lennard-Jones potential gives, frame by frame, exactly what the
 * calculator gives for the same structure (energy, forces, stress to 1e-12
 * relative: the frames are written with 17 significant digits), resumes
 * like a DFT batch, and refuses structures with an element the potential
 * does not know before writing anything (no output file, no failure log);
 * nacre label on the command line does the same in well under a second;
 * prepared to run elsewhere, its jobs (nacre label in their folders) give
 * the same frames once collected, and with fail_fraction 1 each one's
 * failure is collected as an unconverged SCF; with fail_fraction the same
 * share of 400 structures fails (within 4 binomial standard deviations),
 * as an unconverged SCF, the same ones every time, and 0 and 1 fail none
 * and all. */
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "builders.h"
#include "label/label_internal.h"
#include "nacre/io.h"
#include "nacre/pot.h"
#include "testing.h"

static const char *lj = "lj:epsilon=0.0104,sigma=3.4,cutoff=8.5";

static nacre_structure *na_cell(int k) {
  int n[3] = {1 + k % 2, 1, 1};
  nacre_structure *s = build_bulk("bcc", 11, 4.23 - 0.05 * k, n);
  double eps[6] = {0.01 * k, -0.005 * k, 0.002, 0.003 * k, 0, -0.004};
  build_strain(s, eps);
  build_rattle(s, 0.05, (uint64_t)(7 + k));
  return s;
}

static void compare_frames(const char *out, nacre_structure *const *s, int n) {
  nacre_potential *p = NULL;
  nacre_error err;
  CHECK_OK(nacre_potential_load(lj, &p, &err), &err);
  nacre_calc *c = nacre_calc_new(p, -1, &err);
  nacre_xyz_reader *r = nacre_xyz_open(out, &err);
  CHECK(r != NULL, "output readable: %s", err.message);
  nacre_frame f;
  nacre_frame_init(&f);
  int eof = 0, k = 0;
  while (r && !nacre_xyz_next(r, &f, &eof, &err)) {
    /* frames appear in label order; the label_id names the structure */
    const char *id = nacre_frame_get_info(&f, "label_id");
    int i = id ? atoi(id) : -1;
    CHECK(i >= 0 && i < n, "label_id %s", id ? id : "(none)");
    if (i < 0 || i >= n) break;
    nacre_result res;
    nacre_result_init(&res, s[i]->natoms, &err);
    CHECK_OK(nacre_calc_compute(c, s[i], NACRE_WANT_ALL, &res, &err), &err);
    CHECK_CLOSE(f.energy, res.energy, 1e-12 * fabs(res.energy), "energy");
    for (int a = 0; a < 3 * s[i]->natoms; a++)
      CHECK_CLOSE(f.forces[a], res.forces[a], 1e-12 * fabs(res.forces[a]) + 1e-15,
                  "force");
    for (int v = 0; v < 6; v++)
      CHECK_CLOSE(f.stress[v], res.stress[v], 1e-12 * fabs(res.stress[v]) + 1e-18,
                  "stress");
    CHECK(!strcmp(nacre_frame_get_info(&f, "label_code"), "potential"),
          "label_code=potential");
    nacre_result_free(&res);
    k++;
  }
  CHECK(k == n, "%d frames of %d", k, n);
  nacre_frame_clear(&f);
  nacre_xyz_close(r);
  nacre_calc_free(c);
  nacre_potential_free(p);
}

/* Runs every job of a prepared folder as a queue would. */
static int run_jobs(const char *pdir) {
  char cmd[2000];
  snprintf(cmd, sizeof cmd, "xargs -I ID sh %s/ID/run.sh < %s/jobs.txt", pdir, pdir);
  return system(cmd);
}

/* Prepared to run elsewhere: each job runs nacre label on the structure in
 * its folder; the collected frames are those of the calculator, and with
 * fail_fraction 1 every job's failure is collected as an unconverged SCF. */
static void prepared_elsewhere(const char *dir, const nacre_label_options *opt0,
                               nacre_structure *const *s) {
  nacre_label_options opt = *opt0;
  opt.command = NACRE_CLI;
  char pdir[600], out[600], failed[620];
  snprintf(pdir, sizeof pdir, "%s/prep", dir);
  snprintf(out, sizeof out, "%s/collected.xyz", dir);
  snprintf(failed, sizeof failed, "%s.failed", out);
  int prepared = 0, skipped = 0;
  nacre_error err;
  CHECK_OK(nacre_label_prepare_batch(&opt, s, 6, pdir, NULL, NULL, &prepared, &skipped, &err),
           &err);
  CHECK(prepared == 6 && skipped == 0, "6 prepared (%d)", prepared);
  nacre_ctx ctx;
  nacre_ctx_init(&ctx);
  nacre_label_summary sum;
  CHECK_OK(nacre_label_collect_batch(&opt, s, NULL, 6, pdir, out, failed, &sum, &ctx, &err),
           &err);
  CHECK(sum.pending == 6 && sum.done == 0, "before the jobs ran: 6 pending (%d)", sum.pending);
  CHECK(run_jobs(pdir) == 0, "the prepared jobs run");
  CHECK_OK(nacre_label_collect_batch(&opt, s, NULL, 6, pdir, out, failed, &sum, &ctx, &err),
           &err);
  CHECK(sum.done == 6 && sum.failed == 0 && sum.pending == 0, "6 collected (%d)", sum.done);
  compare_frames(out, s, 6);
  /* every job fails */
  opt.fail_fraction = 1;
  snprintf(pdir, sizeof pdir, "%s/prepfail", dir);
  snprintf(out, sizeof out, "%s/collectedfail.xyz", dir);
  snprintf(failed, sizeof failed, "%s.failed", out);
  CHECK_OK(nacre_label_prepare_batch(&opt, s, 6, pdir, NULL, NULL, &prepared, &skipped, &err),
           &err);
  run_jobs(pdir);
  CHECK_OK(nacre_label_collect_batch(&opt, s, NULL, 6, pdir, out, failed, &sum, &ctx, &err),
           &err);
  char *log = NULL;
  size_t len = 0;
  int reason = !label_read_file(failed, &log, &len, &err) &&
               strstr(log, "not converged\tSCF not converged (simulated");
  free(log);
  CHECK(sum.failed == 6 && sum.not_converged == 6 && access(out, F_OK) != 0 && reason,
        "fail_fraction 1: 6 failures collected as unconverged SCFs (%d), none labelled",
        sum.not_converged);
}

static void batch(const char *dir) {
  char out[600], failed[600];
  snprintf(out, sizeof out, "%s/out.xyz", dir);
  snprintf(failed, sizeof failed, "%s/out.xyz.failed", dir);
  nacre_structure *s[6];
  for (int k = 0; k < 6; k++) s[k] = na_cell(k);
  nacre_label_options opt;
  nacre_label_options_init(&opt, 0);
  nacre_error err;
  char spec[200];
  snprintf(spec, sizeof spec, "potential:%s", lj);
  CHECK_OK(nacre_label_options_set_code(&opt, spec, &err), &err);
  CHECK(opt.code == NACRE_LABEL_POTENTIAL && !strcmp(opt.potential, lj),
        "potential:SPEC sets the code and the potential");
  nacre_ctx ctx;
  nacre_ctx_init(&ctx);
  nacre_label_summary sum;
  double t0 = nacre_now_s();
  CHECK_OK(nacre_label_batch(&opt, s, NULL, 6, out, failed, 2, 0, &sum, &ctx,
                             &err),
           &err);
  printf("6 labels with LJ in %.3f s\n", nacre_now_s() - t0);
  CHECK(sum.done == 6 && sum.failed == 0, "6 labelled (%d)", sum.done);
  compare_frames(out, s, 6);
  CHECK_OK(nacre_label_batch(&opt, s, NULL, 6, out, failed, 1, 0, &sum, &ctx,
                             &err),
           &err);
  CHECK(sum.skipped == 6 && sum.done == 0, "rerun: all 6 skipped");
  prepared_elsewhere(dir, &opt, s);
  for (int k = 0; k < 6; k++) nacre_structure_free(s[k]);
}

/* An element outside the potential: EAM Cu (Debian's LAMMPS file) asked
 * to label Na. */
static void species_first(const char *dir) {
  const char *eam = "/usr/share/lammps/potentials/Cu_u3.eam";
  if (access(eam, R_OK)) {
    printf("note: %s absent, the species check is skipped\n", eam);
    return;
  }
  char out[600], failed[600];
  snprintf(out, sizeof out, "%s/na.xyz", dir);
  snprintf(failed, sizeof failed, "%s/na.xyz.failed", dir);
  nacre_structure *s[2] = {na_cell(0), na_cell(1)};
  nacre_label_options opt;
  nacre_label_options_init(&opt, NACRE_LABEL_POTENTIAL);
  opt.potential = eam;
  nacre_ctx ctx;
  nacre_ctx_init(&ctx);
  nacre_label_summary sum;
  nacre_error err;
  nacre_status st = nacre_label_batch(&opt, s, NULL, 2, out, failed, 1, 0,
                                      &sum, &ctx, &err);
  CHECK(st != NACRE_OK && strstr(err.message, "Na"),
        "Na refused by a Cu potential: %s", err.message);
  CHECK(access(out, F_OK) != 0 && access(failed, F_OK) != 0,
        "nothing written before the refusal");
  nacre_structure_free(s[0]);
  nacre_structure_free(s[1]);
}

static void cli(const char *dir) {
  char in[600], cmd[3000];
  snprintf(in, sizeof in, "%s/in.xyz", dir);
  nacre_structure *s[3] = {na_cell(0), na_cell(1), na_cell(2)};
  nacre_error err;
  CHECK_OK(nacre_label_write_xyz(in, s, 3, NULL, NULL, &err), &err);
  snprintf(cmd, sizeof cmd,
           "cd '%s' && %s label in.xyz --code potential:%s -o cli.xyz --json "
           "-q > cli.json 2> cli.err && grep -q '\"labelled_now\":\t3' "
           "cli.json && test ! -s cli.err",
           dir, NACRE_CLI, lj);
  CHECK(system(cmd) == 0, "nacre label --code potential:SPEC: 3 labelled");
  snprintf(cmd, sizeof cmd, "%s/cli.xyz", dir);
  compare_frames(cmd, s, 3);
  snprintf(cmd, sizeof cmd,
           "cd '%s' && %s label in.xyz --code potential: -o x.xyz 2> e.txt; "
           "test $? = 2 && grep -q 'needs a potential SPEC' e.txt",
           dir, NACRE_CLI);
  CHECK(system(cmd) == 0, "potential: without a SPEC is a usage error");
  for (int k = 0; k < 3; k++) nacre_structure_free(s[k]);
}

/* fail_fraction: the share and kind of the simulated failures. */
static void simulated_failures(void) {
  enum { N = 400 };
  const double fr[3] = {0, 0.3, 1};
  for (int f = 0; f < 3; f++) {
    nacre_label_options o;
    nacre_label_options_init(&o, NACRE_LABEL_POTENTIAL);
    o.potential = lj;
    o.fail_fraction = fr[f];
    int failed = 0, again = 0, kind = 1;
    for (int k = 0; k < N; k++) {
      nacre_structure *s = na_cell(k % 7);
      build_rattle(s, 0.02, (uint64_t)(100 + k));
      for (int rep = 0; rep < 2; rep++) {
        nacre_label_result r;
        nacre_label_result_init(&r);
        nacre_error err;
        nacre_ctx ctx;
        nacre_ctx_init(&ctx);
        nacre_status st = nacre_label_run(&o, s, &r, &ctx, &err);
        if (rep == 0 && st) failed++;
        if (rep == 1 && st) again++;
        if (st && (st != NACRE_ERR_NOT_CONVERGED || !strstr(err.message, "SCF not converged")))
          kind = 0;
        nacre_label_result_clear(&r);
      }
      nacre_structure_free(s);
    }
    double sd = sqrt(N * fr[f] * (1 - fr[f]));
    CHECK(fabs(failed - N * fr[f]) <= 4 * sd, "fail_fraction %g: %d of %d failed", fr[f],
          failed, N);
    CHECK(again == failed && kind, "fail_fraction %g: the same ones fail again, as an "
          "unconverged SCF", fr[f]);
  }
}

int main(void) {
  simulated_failures();
  char dir[] = "/tmp/nacre-test-potlabelXXXXXX";
  CHECK(mkdtemp(dir) != NULL, "mkdtemp");
  batch(dir);
  species_first(dir);
  cli(dir);
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  CHECK(system(cmd) == 0, "cleanup");
  TEST_DONE();
}
