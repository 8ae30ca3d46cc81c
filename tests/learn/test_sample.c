/* test_sample.c — the random sample of end points is labelled in every
 * iteration, also in one whose stage has converged: a committee can agree
 * on a systematic error and call everything accurate, and the sample is
 * what measures it. Debian's Cu_u3.eam labels; the trust bounds (lo 50
 * eV/Å) make every configuration accurate, so the only stage converges on
 * its first look. Checked: that iteration is converged, selects no
 * candidate and exactly `random_per_iteration` (2) random end points (the
 * lowest-enthalpy quarter of the eight runs' end points offers two), which
 * are labelled; the committee's error on them is finite and in the report
 * (`--report` table and JSON); the final committee is trained on them.
 * End points whose deviation reaches hi (failed: runs that left physical
 * space) are never drawn for the sample.
 * And the final committee trains for `committee.final_epochs`: with 300
 * instead of 15 (the warm retrainings'), on the same data, its force error
 * on its training data is lower. Skips without Cu_u3.eam. */
#include <cjson/cJSON.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "builders.h"
#include "iotest.h"
#include "learntest.h"
#include "nacre/io.h"
#include "nacre/learn.h"
#include "testing.h"

#define EAM "/usr/share/lammps/potentials/Cu_u3.eam"

static const char *config_format =
    "{\"seed\": 5,\n"
    " \"initial\": {\"random\": {\"composition\": \"Cu4\", \"count\": 4}},\n"
    " \"label\": {\"code\": \"potential:" EAM "\"},\n"
    " \"committee\": {\"size\": 2, \"hidden\": [6, 6], \"epochs\": 30, \"warm_epochs\": 15,"
    " \"final_epochs\": %d},\n"
    " \"selection\": {\"lo_ev_a\": 50, \"hi_ev_a\": 100, \"random_per_iteration\": 2},\n"
    " \"test\": {\"fraction\": 0},\n"
    " \"stages\": [{\"name\": \"md\", \"max_iterations\": 3, \"accurate_fraction\": 0.99,\n"
    "   \"tasks\": [{\"name\": \"nvt 500 K\", \"type\": \"md\", \"ensemble\": \"nvt\",\n"
    "     \"structures\": \"cu8.vasp\", \"temperatures_k\": [300, 400, 500, 600, 700, 800, 900, 1000],\n"
    "     \"steps\": 40,\n"
    "     \"every\": 10, \"timestep_fs\": 2}]}]}\n";

static nacre_learn_config *config(const char *dir, int final_epochs) {
  char text[2048];
  snprintf(text, sizeof text, config_format, final_epochs);
  nacre_learn_config *c = NULL;
  nacre_error err;
  CHECK_OK(nacre_learn_config_parse(text, "sample.json", dir, &c, &err), &err);
  return c;
}

/* Every configuration failed (hi far below any committee's deviation): the
 * runs left "physical space", their end points are no structures to learn
 * from, and the random sample draws none of them. */
static const char *failed_config =
    "{\"seed\": 5,\n"
    " \"initial\": {\"random\": {\"composition\": \"Cu4\", \"count\": 4}},\n"
    " \"label\": {\"code\": \"potential:" EAM "\"},\n"
    " \"committee\": {\"size\": 2, \"hidden\": [6, 6], \"epochs\": 30, \"warm_epochs\": 15},\n"
    " \"selection\": {\"lo_ev_a\": 1e-7, \"hi_ev_a\": 2e-7, \"random_per_iteration\": 2},\n"
    " \"test\": {\"fraction\": 0},\n"
    " \"stages\": [{\"name\": \"md\", \"max_iterations\": 1, \"accurate_fraction\": 0.99,\n"
    "   \"tasks\": [{\"name\": \"nvt\", \"type\": \"md\", \"ensemble\": \"nvt\",\n"
    "     \"structures\": \"cu8.vasp\", \"temperatures_k\": [300, 400, 500, 600, 700, 800, 900, 1000],\n"
    "     \"steps\": 40, \"every\": 10, \"timestep_fs\": 2}]}]}\n";

static void failed_end_points(const char *dir) {
  nacre_learn_config *c = NULL;
  nacre_error err;
  CHECK_OK(nacre_learn_config_parse(failed_config, "failed.json", dir, &c, &err), &err);
  if (!c) return;
  char out[700];
  snprintf(out, sizeof out, "%s/failed", dir);
  nacre_ctx ctx;
  nacre_ctx_init(&ctx);
  nacre_learn_report rep;
  CHECK_OK(nacre_learn_run(c, out, NULL, NULL, &ctx, &rep, &err), &err);
  CHECK(rep.niterations >= 2, "%d iterations", rep.niterations);
  if (rep.niterations >= 2) {
    const nacre_learn_iteration *it = &rep.iterations[1];
    CHECK(it->accurate_fraction == 0, "accurate fraction %g", it->accurate_fraction);
    CHECK(it->selected == 0, "with every configuration failed, %d selected (no candidate, "
          "no random sample)", it->selected);
  }
  nacre_learn_report_free(&rep);
  nacre_learn_config_free(c);
}

/* The final committee's errors on its training data. */
static nacre_errors final_on_train(const char *run) {
  char model[800], train[800];
  snprintf(model, sizeof model, "%s/model.json", run);
  snprintf(train, sizeof train, "%s/train.extxyz", run);
  nacre_error err;
  nacre_dataset *d = nacre_dataset_new(&err);
  CHECK_OK(nacre_dataset_read(d, train, &err), &err);
  nacre_errors e = learntest_errors(model, d);
  nacre_dataset_free(d);
  return e;
}

int main(void) {
  if (access(EAM, R_OK)) TEST_SKIP("%s (Debian lammps-data) not installed", EAM);
  int n[3] = {2, 1, 1};
  nacre_structure *cu8 = build_bulk("fcc", 29, 3.615, n);
  nacre_error err;
  char dir[600], out[700], pos[700];
  snprintf(dir, sizeof dir, "%s", test_tmp_path(""));
  snprintf(pos, sizeof pos, "%s/cu8.vasp", dir);
  CHECK_OK(nacre_write_structure(pos, cu8, NACRE_FORMAT_AUTO, &err), &err);
  nacre_learn_config *c = config(dir, 15);
  if (!c) TEST_DONE();
  snprintf(out, sizeof out, "%s/run", dir);
  nacre_ctx ctx;
  nacre_ctx_init(&ctx);
  nacre_learn_report rep;
  CHECK_OK(nacre_learn_run(c, out, NULL, NULL, &ctx, &rep, &err), &err);
  CHECK(rep.finished, "the run finished");
  /* init, the converged iteration, the final training */
  CHECK(rep.niterations == 3, "%d iterations (initial, converged, final)", rep.niterations);
  if (rep.niterations == 3) {
    const nacre_learn_iteration *it = &rep.iterations[1];
    CHECK(it->converged && it->accurate_fraction == 1,
          "iteration 1 converged (accurate fraction %g)", it->accurate_fraction);
    CHECK(it->selected == 2 && it->labelled == 2,
          "the converged iteration selected %d and labelled %d: the random sample of 2",
          it->selected, it->labelled);
    CHECK(it->nsample == 2 && isfinite(it->sample_e_rmse) && isfinite(it->sample_f_rmse) &&
              it->sample_f_rmse > 0,
          "its sample's error is measured: %d structures, E %g eV/atom, F %g eV/Å",
          it->nsample, it->sample_e_rmse, it->sample_f_rmse);
    CHECK(!strcmp(rep.stage_outcome[0], "converged"), "stage outcome %s",
          rep.stage_outcome[0]);
    CHECK(rep.iterations[2].ntrain == 4 + 2, "the final committee trains on %d = 4 + 2",
          rep.iterations[2].ntrain);
    CHECK(rep.labels == 6, "%d labels", rep.labels);
  }
  /* the sample's figures in the report: the table and the JSON */
  char cmd[4000], txt[800], js[800];
  snprintf(txt, sizeof txt, "%s/report.txt", dir);
  snprintf(js, sizeof js, "%s/report.json", dir);
  snprintf(cmd, sizeof cmd, "%s learn --report %s > %s && %s learn --report %s --json > %s",
           NACRE_CLI, out, txt, NACRE_CLI, out, js);
  CHECK(system(cmd) == 0, "%s", cmd);
  char *table = test_read_all(txt, NULL), *json = test_read_all(js, NULL);
  if (table && rep.niterations == 3) {
    /* iteration 1's row ends with the sample's E and F in meV */
    char want[64];
    snprintf(want, sizeof want, "%8.2f  %8.2f\n", 1e3 * rep.iterations[1].sample_e_rmse,
             1e3 * rep.iterations[1].sample_f_rmse);
    CHECK(strstr(table, want) != NULL, "the table shows the sample's error '%s'", want);
  }
  cJSON *j = json ? cJSON_Parse(json) : NULL;
  const cJSON *its = cJSON_GetObjectItem(j, "iterations");
  const cJSON *i1 = cJSON_GetArrayItem(its, 1);
  const cJSON *ns = cJSON_GetObjectItem(i1, "sample_structures");
  const cJSON *sf = cJSON_GetObjectItem(i1, "sample_force_rmse_ev_a");
  CHECK(cJSON_IsNumber(ns) && ns->valueint == 2 && cJSON_IsNumber(sf) &&
            fabs(sf->valuedouble - rep.iterations[1].sample_f_rmse) < 1e-9,
        "the JSON report has the sample of iteration 1");
  cJSON_Delete(j);
  free(table);
  free(json);

  /* the final committee trained longer */
  nacre_learn_config *c2 = config(dir, 300);
  char out2[700];
  snprintf(out2, sizeof out2, "%s/long", dir);
  nacre_learn_report rep2;
  if (c2) CHECK_OK(nacre_learn_run(c2, out2, NULL, NULL, &ctx, &rep2, &err), &err);
  if (c2 && rep2.finished) {
    nacre_errors a = final_on_train(out), b = final_on_train(out2);
    CHECK(rep2.labels == rep.labels && b.f_rmse < 0.9 * a.f_rmse,
          "final_epochs 300 against 15, same %d labels: training force RMSE %.1f meV/Å "
          "against %.1f", rep2.labels, 1e3 * b.f_rmse, 1e3 * a.f_rmse);
  }
  if (c2) nacre_learn_report_free(&rep2);
  failed_end_points(dir);
  nacre_learn_config_free(c2);
  nacre_learn_report_free(&rep);
  nacre_learn_config_free(c);
  nacre_structure_free(cu8);
  test_tmp_cleanup();
  TEST_DONE();
}
