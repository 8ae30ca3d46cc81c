/* test_failures.c — the loops that label go on when labels fail. The
 * labeller is Debian's Cu_u3.eam with fail_fraction 0.3: three structures
 * in ten (by their hash, the same ones every time) fail as an SCF that
 * did not converge, which is how a DFT label most often fails. Checked:
 * - `nacre learn` (a committee of two 6-6 networks, six random Cu4
 *   crystals, two iterations of NVT MD at 700 K): the run finishes with a
 *   committee file; some labels failed and some did not, in the initial
 *   set and later; each failure is in the run file with its reason; no
 *   failed structure is in the training or test data, and training + test
 *   = the labels counted; its model.json records its training data (a
 *   squeezed cell is reported outside it);
 * - `nacre md --learn` (every step unsure, no screen): labelled + failed =
 *   above the threshold with both > 0; a failed step runs on the
 *   committee and the run completes; its committee.json records its
 *   training data too.
 * Skips without Cu_u3.eam. */
#include <sqlite3.h>
#include <string.h>
#include <unistd.h>

#include "builders.h"
#include "iotest.h"
#include "nacre/io.h"
#include "nacre/label.h"
#include "nacre/learn.h"
#include "nacre/pot.h"
#include "testing.h"

#define EAM "/usr/share/lammps/potentials/Cu_u3.eam"

static const char *config_text =
    "{\"seed\": 3,\n"
    " \"initial\": {\"random\": {\"composition\": \"Cu4\", \"count\": 6}},\n"
    " \"label\": {\"code\": \"potential:" EAM "\", \"fail_fraction\": 0.3},\n"
    " \"committee\": {\"size\": 2, \"hidden\": [6, 6], \"epochs\": 40, \"warm_epochs\": 20},\n"
    " \"selection\": {\"max_per_iteration\": 6, \"random_per_iteration\": 1,"
    " \"min_distance\": 0.0005},\n"
    " \"test\": {\"fraction\": 0.3, \"max\": 2},\n"
    " \"stages\": [{\"name\": \"md\", \"max_iterations\": 2, \"accurate_fraction\": 0.99,\n"
    "   \"tasks\": [{\"name\": \"nvt 700 K\", \"type\": \"md\", \"ensemble\": \"nvt\",\n"
    "     \"structures\": \"cu8.vasp\", \"temperatures_k\": [700], \"steps\": 100,\n"
    "     \"every\": 10, \"timestep_fs\": 2}]}]}\n";

/* Failed rows of the run file and whether each has the SCF reason. */
static long failed_rows(const char *db, const char *sql, int *all_have_reason) {
  sqlite3 *h = NULL;
  long n = 0;
  *all_have_reason = 1;
  if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(h, sql, -1, &q, NULL) == SQLITE_OK) {
      while (sqlite3_step(q) == SQLITE_ROW) {
        const char *m = (const char *)sqlite3_column_text(q, 0);
        n++;
        if (!m || !strstr(m, "SCF not converged")) *all_have_reason = 0;
      }
      sqlite3_finalize(q);
    }
  }
  sqlite3_close(h);
  return n;
}

/* A model the loops wrote records its training data: fcc Cu at its
 * lattice constant lies inside (only checked to be known), squeezed to 60 %
 * of it (atoms 1.5 Å apart, nearer than any labelled structure) outside. */
static void records_domain(const char *model, const char *what) {
  nacre_potential *p = NULL;
  nacre_error err;
  CHECK_OK(nacre_potential_load(model, &p, &err), &err);
  if (!p) return;
  int n[3] = {1, 1, 1};
  nacre_structure *squeezed = build_bulk("fcc", 29, 0.6 * 3.615, n);
  nacre_calc *c = nacre_calc_new(p, 1, &err);
  nacre_result r;
  CHECK_OK(nacre_result_init(&r, squeezed->natoms, &err), &err);
  CHECK_OK(nacre_calc_compute(c, squeezed, NACRE_WANT_ALL, &r, &err), &err);
  CHECK(r.domain.known && nacre_domain_report_outside(&r.domain),
        "%s records its training data: a cell squeezed to 60 %% lies outside it", what);
  nacre_result_free(&r);
  nacre_calc_free(c);
  nacre_structure_free(squeezed);
  nacre_potential_free(p);
}

static void learn_loop(const char *dir, nacre_learn_config *c) {
  char out[700], db[800], tr[800], te[800], model[800];
  snprintf(out, sizeof out, "%s/run", dir);
  nacre_ctx ctx;
  nacre_ctx_init(&ctx);
  nacre_error err;
  nacre_learn_report rep;
  CHECK_OK(nacre_learn_run(c, out, NULL, NULL, &ctx, &rep, &err), &err);
  CHECK(rep.finished, "the run finished");
  int failed0 = 0, failed_later = 0, labelled_later = 0;
  for (int k = 0; k < rep.niterations; k++) {
    const nacre_learn_iteration *it = &rep.iterations[k];
    printf("iteration %d: %d selected, %d labelled, %d failed\n", it->iteration,
           it->selected, it->labelled, it->label_failures);
    if (it->iteration == 0) failed0 = it->label_failures;
    else failed_later += it->label_failures, labelled_later += it->labelled;
  }
  CHECK(failed0 > 0 && rep.iterations[0].labelled > 0 &&
            failed0 + rep.iterations[0].labelled == 6,
        "initial crystals: %d labelled + %d failed = 6", rep.iterations[0].labelled, failed0);
  CHECK(failed_later > 0 && labelled_later > 0,
        "later iterations: %d labelled, %d failed", labelled_later, failed_later);
  snprintf(db, sizeof db, "%s/learn.db", out);
  int reason = 0;
  long rows = failed_rows(db, "SELECT message FROM structures WHERE status='failed'", &reason);
  CHECK(rows == failed0 + failed_later && reason,
        "%ld failures in the run file, each with its reason", rows);
  snprintf(model, sizeof model, "%s/model.json", out);
  records_domain(model, "nacre learn's model.json");
  /* no failed structure among the data: each labelled one labels again */
  snprintf(tr, sizeof tr, "%s/train.extxyz", out);
  snprintf(te, sizeof te, "%s/test.extxyz", out);
  nacre_dataset *d = nacre_dataset_new(&err);
  CHECK_OK(nacre_dataset_read(d, tr, &err), &err);
  int ntrain = d->n;
  CHECK_OK(nacre_dataset_read(d, te, &err), &err);
  CHECK(d->n == rep.labels, "%d training + %d test = %d labels", ntrain, d->n - ntrain,
        rep.labels);
  int refail = 0;
  for (int k = 0; k < d->n; k++) {
    nacre_label_result r;
    nacre_label_result_init(&r);
    if (nacre_label_run(&c->label, d->items[k].s, &r, &ctx, &err)) refail++;
    nacre_label_result_clear(&r);
  }
  CHECK(refail == 0, "no structure of the data is one that fails (%d)", refail);
  nacre_dataset_free(d);
  nacre_learn_report_free(&rep);
}

static void md_learn(const char *dir, nacre_learn_config *c, const nacre_structure *s) {
  char out[700];
  snprintf(out, sizeof out, "%s/otf", dir);
  nacre_learn_md_options o;
  nacre_learn_md_options_init(&o);
  o.md.timestep_fs = 2;
  o.md.temperature_k = 700;
  o.md.thermostat = NACRE_MD_BUSSI;
  o.steps = 30;
  o.threshold_ev_a = 0; /* every step is unsure */
  o.screen = 0;
  o.retrain_every = 8;
  o.check_samples = 3;
  nacre_ctx ctx;
  nacre_ctx_init(&ctx);
  nacre_error err;
  nacre_learn_md_report r;
  CHECK_OK(nacre_learn_md_run(c, s, &o, out, &ctx, &r, &err), &err);
  printf("md --learn: %ld evaluations, %ld labelled, %ld failed, %d retrainings\n",
         r.evaluations, r.labelled, r.label_failures, r.retrainings);
  CHECK(r.outcome == NACRE_MD_COMPLETED && r.steps == 30, "md --learn completes");
  CHECK(r.labelled > 0 && r.label_failures > 0 &&
            r.labelled + r.label_failures == r.above_threshold && r.above_threshold == 31,
        "md --learn: %ld labelled + %ld failed = %ld evaluations above the threshold",
        r.labelled, r.label_failures, r.above_threshold);
  char db[800];
  snprintf(db, sizeof db, "%s/otf.db", out);
  int reason = 0;
  long rows = failed_rows(db, "SELECT message FROM labels WHERE status='failed'", &reason);
  CHECK(rows >= r.label_failures && reason, "md --learn: %ld failures in the run file, each "
        "with its reason", rows);
  char model[800];
  snprintf(model, sizeof model, "%s/committee.json", out);
  records_domain(model, "md --learn's committee.json");
}

int main(void) {
  if (access(EAM, R_OK)) TEST_SKIP("%s (Debian lammps-data) not installed", EAM);
  int n[3] = {2, 1, 1};
  nacre_structure *cu8 = build_bulk("fcc", 29, 3.615, n);
  nacre_error err;
  char dir[600], pos[700];
  snprintf(dir, sizeof dir, "%s", test_tmp_path(""));
  snprintf(pos, sizeof pos, "%s/cu8.vasp", dir);
  CHECK_OK(nacre_write_structure(pos, cu8, NACRE_FORMAT_AUTO, &err), &err);
  nacre_learn_config *c = NULL;
  CHECK_OK(nacre_learn_config_parse(config_text, "fail.json", dir, &c, &err), &err);
  if (!c) TEST_DONE();
  learn_loop(dir, c);
  md_learn(dir, c, cu8);
  nacre_learn_config_free(c);
  nacre_structure_free(cu8);
  test_tmp_cleanup();
  TEST_DONE();
}
