/* test_otf.c — on-the-fly learning MD with a known truth: Debian's
 * Cu_u3.eam labels (through the potential labeller) while a committee of
 * two 6-6 networks, first trained on four random Cu4 crystals, drives an
 * 8-atom fcc cell in NVT (Bussi) at 900 K, 2 fs steps. Checked:
 * - the counts add up: evaluations = steps + 1; labelled + screened out +
 *   failed = above the threshold; some steps and not all are labelled;
 * - against the truth: on the run's check frames (labelled by the EAM,
 *   never trained on) the energies and forces the trajectory ran on and
 *   those of the final committee, and on an independent set (EAM-driven
 *   MD at 900 K from another seed) those of the final committee, are
 *   within the tolerances below — 2.5 to 4 times the errors measured, for a
 *   committee of two small networks trained for seconds;
 * - the similarity screen pays: without it no step is turned away and
 *   more steps are labelled, for errors within the same tolerances;
 * - kill -9 during the initial labels, during the MD and at a later step,
 *   resumed each time, ends with the very committee file, labels and
 *   counts of an uninterrupted run; a finished run run again changes
 *   nothing; a resume with another --steps is refused, naming it;
 * - a labeller that fails (Ag_u3.eam has no Cu) at every step: each
 *   failure is recorded in the run file with its reason and counted, the
 *   step runs on the committee, and the run completes on its data file;
 * - `nacre md --learn --json` prints exactly keys doc/learn.md names.
 * Background retraining and NPT: learn.otf_modes. Under the sanitizers
 * (some five times slower) the run without the screen and the kill in the
 * initial labels are left out: the rest keeps every code path. Tolerances,
 * configuration and the command's runner: otftest.h. Skips without
 * Cu_u3.eam. */
#include "builders.h"
#include "learntest.h"
#include "nacre/io.h"
#include "nacre/learn.h"
#include "nacre/md.h"
#include "otftest.h"

static void run(const nacre_learn_config *c, const nacre_structure *s, int screen,
                const char *dir, const nacre_dataset *truth, nacre_learn_md_report *rep) {
  nacre_learn_md_options o;
  nacre_learn_md_options_init(&o);
  o.md.timestep_fs = 2;
  o.md.temperature_k = 900;
  o.md.thermostat = NACRE_MD_BUSSI;
  o.md.seed = 11;
  o.steps = 150;
  o.retrain_every = 4;
  o.screen = screen;
  o.check_samples = 6;
  nacre_ctx ctx;
  nacre_ctx_init(&ctx);
  nacre_error err;
  CHECK_OK(nacre_learn_md_run(c, s, &o, dir, &ctx, rep, &err), &err);
  char model[800];
  snprintf(model, sizeof model, "%s/committee.json", dir);
  nacre_errors t = learntest_errors(model, truth);
  printf("screen %s: %ld steps, %ld evaluations, %ld above threshold, %ld screened out, "
         "%ld labelled (%.1f %%), %d retrainings; check frames: trajectory E %.2f meV/atom "
         "F %.0f meV/Å, final committee E %.2f meV/atom F %.0f meV/Å; independent set: "
         "E %.2f meV/atom F %.0f meV/Å; all-labelled %.2f s vs %.2f s\n",
         screen ? "on" : "off", rep->steps, rep->evaluations, rep->above_threshold,
         rep->screened_out, rep->labelled, 100 * rep->labelled_fraction, rep->retrainings,
         1e3 * rep->check_run_e_rmse, 1e3 * rep->check_run_f_rmse, 1e3 * rep->check_e_rmse,
         1e3 * rep->check_f_rmse, 1e3 * t.e_rmse, 1e3 * t.f_rmse, rep->all_labelled_s,
         rep->wall_s);
  CHECK(rep->steps == 150 && rep->outcome == NACRE_MD_COMPLETED, "all 150 steps run");
  CHECK(rep->evaluations == 151, "%ld evaluations = steps + 1", rep->evaluations);
  CHECK(rep->labelled > 0 && rep->labelled < rep->evaluations, "%ld of %ld steps labelled",
        rep->labelled, rep->evaluations);
  CHECK(rep->labelled + rep->screened_out + rep->label_failures == rep->above_threshold,
        "labelled + screened out + failed = above the threshold");
  CHECK(rep->initial_labels == 4, "four initial labels");
  CHECK(rep->check_n == 6, "six check frames");
  CHECK(rep->check_run_e_rmse <= TRAJ_E && rep->check_run_f_rmse <= TRAJ_F,
        "trajectory on the check frames: E %.4f eV/atom <= %g, F %.3f eV/Å <= %g",
        rep->check_run_e_rmse, TRAJ_E, rep->check_run_f_rmse, TRAJ_F);
  CHECK(rep->check_e_rmse <= CHECK_E && rep->check_f_rmse <= CHECK_F,
        "final committee on the check frames: E %.4f eV/atom <= %g, F %.3f eV/Å <= %g",
        rep->check_e_rmse, CHECK_E, rep->check_f_rmse, CHECK_F);
  CHECK(t.e_rmse <= TRUTH_E && t.f_rmse <= TRUTH_F,
        "final committee on the independent set: E %.4f eV/atom <= %g, F %.3f eV/Å <= %g",
        t.e_rmse, TRUTH_E, t.f_rmse, TRUTH_F);
  CHECK_CLOSE(rep->all_labelled_s, rep->evaluations * rep->label_s_per_step, 1e-9,
              "all-labelled time = evaluations x label time");
  CHECK_CLOSE(rep->speedup, rep->all_labelled_s / rep->wall_s, 1e-12, "speed-up");
}

/* NPT at 20 GPa: the cell follows the labels' and the committee's stress. */
static void failing_labeller(const char *tmp, const nacre_structure *s,
                             const nacre_dataset *truth) {
  char data[700], cfg[700], dir[700], db[800];
  snprintf(data, sizeof data, "%s/eam900.extxyz", tmp);
  snprintf(cfg, sizeof cfg, "%s/fail.json", tmp);
  snprintf(dir, sizeof dir, "%s/fail", tmp);
  nacre_error err;
  CHECK_OK(nacre_dataset_save_extxyz(truth, data, &err), &err);
  test_write_text(cfg, "{\"seed\": 5, \"initial\": {\"data\": \"eam900.extxyz\"},\n"
                       " \"label\": {\"code\": \"potential:" AG "\"},\n"
                       " \"committee\": {\"size\": 2, \"hidden\": [6, 6], \"epochs\": 30},\n"
                       " \"stages\": [{\"tasks\": [{\"type\": \"md\", \"structures\": "
                       "\"eam900.extxyz\"}]}]}\n");
  nacre_learn_config *c = NULL;
  CHECK_OK(nacre_learn_config_read(cfg, &c, &err), &err);
  if (!c) return;
  nacre_learn_md_options o;
  nacre_learn_md_options_init(&o);
  o.md.timestep_fs = 2;
  o.md.temperature_k = 900;
  o.md.thermostat = NACRE_MD_BUSSI;
  o.steps = 20;
  o.threshold_ev_a = 0; /* every step is unsure */
  o.screen = 0;
  o.check_samples = 2;
  nacre_ctx ctx;
  nacre_ctx_init(&ctx);
  nacre_learn_md_report r;
  CHECK_OK(nacre_learn_md_run(c, s, &o, dir, &ctx, &r, &err), &err);
  CHECK(r.outcome == NACRE_MD_COMPLETED && r.steps == 20, "the run completes");
  CHECK(r.label_failures == 21 && r.labelled == 0 && r.above_threshold == 21,
        "21 evaluations, 21 failed labels, none labelled (%ld, %ld)", r.label_failures,
        r.labelled);
  CHECK(r.check_n == 0 && isnan(r.check_e_rmse), "no check frame could be labelled");
  snprintf(db, sizeof db, "%s/otf.db", dir);
  sqlite3 *h = NULL;
  long failed = -1;
  char why[400] = "";
  if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(h, "SELECT count(*), max(message) FROM labels WHERE status='failed'",
                           -1, &q, NULL) == SQLITE_OK) {
      if (sqlite3_step(q) == SQLITE_ROW) {
        failed = sqlite3_column_int64(q, 0);
        const char *m = (const char *)sqlite3_column_text(q, 1);
        snprintf(why, sizeof why, "%s", m ? m : "");
      }
      sqlite3_finalize(q);
    }
  }
  sqlite3_close(h);
  CHECK(failed == 23 && strstr(why, "Cu"), "23 failures in the run file (21 steps, 2 check "
        "frames: %ld), with the reason: %s", failed, why);
  nacre_learn_config_free(c);
}

/* ---- the command, killed and resumed ---- */

static void killed_and_resumed(const char *tmp, const char *pos, const char *cfg) {
  char a[700], b[700], ja[800], jb[800], fa[800], fb[800];
  snprintf(a, sizeof a, "%s/whole", tmp);
  snprintf(b, sizeof b, "%s/killed", tmp);
  snprintf(ja, sizeof ja, "%s/whole.json", tmp);
  snprintf(jb, sizeof jb, "%s/killed.json", tmp);
  int rc = -1;
  cli_run(pos, cfg, a, NULL, ja, 0, 0, &rc);
  CHECK(rc == 0, "the uninterrupted run exits 0 (%d)", rc);
  /* killed in the initial labels, after some labels of the MD, at step 40 */
  const int at_labels[3] = {2, 9, 0};
  const long at_step[3] = {0, 0, 40};
  for (int k = LIGHT; k < 3; k++) {
    int killed = cli_run(pos, cfg, b, NULL, NULL, at_labels[k], at_step[k], NULL);
    printf("kill -9 at %d labels / step %ld: %s\n", at_labels[k], at_step[k],
           killed ? "killed" : "finished first");
  }
  cli_run(pos, cfg, b, NULL, jb, 0, 0, &rc);
  CHECK(rc == 0, "the resumed run exits 0 (%d)", rc);
  cJSON *x = read_json(ja), *y = read_json(jb);
  static const char *const same[] = {"steps", "evaluations", "above_threshold", "screened_out",
                                     "labelled", "retrainings", "check_structures",
                                     "check_force_rmse_ev_a", "trajectory_force_rmse_ev_a"};
  for (size_t k = 0; k < sizeof same / sizeof *same; k++)
    CHECK(num(x, same[k]) == num(y, same[k]), "%s: uninterrupted %g, killed and resumed %g",
          same[k], num(x, same[k]), num(y, same[k]));
  snprintf(fa, sizeof fa, "%s/committee.json", a);
  snprintf(fb, sizeof fb, "%s/committee.json", b);
  CHECK(same_file(fa, fb), "killed and resumed: the same committee file");
  snprintf(fa, sizeof fa, "%s/labels.extxyz", a);
  snprintf(fb, sizeof fb, "%s/labels.extxyz", b);
  CHECK(same_file(fa, fb), "killed and resumed: the same labels");
  keys_documented(x);
  /* a finished run started again changes nothing */
  snprintf(fa, sizeof fa, "%s/committee.json", a);
  char *before = test_read_all(fa, NULL);
  cli_run(pos, cfg, a, NULL, jb, 0, 0, &rc);
  char *after = test_read_all(fa, NULL);
  cJSON *z = read_json(jb);
  CHECK(rc == 0 && before && after && !strcmp(before, after) &&
            num(z, "labelled") == num(x, "labelled") &&
            num(z, "evaluations") == num(x, "evaluations"),
        "a finished run started again changes nothing");
  free(before);
  free(after);
  cJSON_Delete(x);
  cJSON_Delete(y);
  cJSON_Delete(z);
  /* other settings are refused, and named */
  char cmd[4200], err[800];
  snprintf(err, sizeof err, "%s/refused.txt", tmp);
  snprintf(cmd, sizeof cmd,
           "%s md %s --learn %s --learn-dir %s --ensemble nvt --thermostat bussi "
           "--temperature 900 --timestep 2 --seed 11 --steps 90 2> %s",
           NACRE_CLI, pos, cfg, a, err);
  rc = system(cmd);
  char *msg = test_read_all(err, NULL);
  CHECK(rc != 0 && msg && strstr(msg, "steps 90") && strstr(msg, "other settings"),
        "a resume with --steps 90 is refused naming it: %s", msg ? msg : "");
  free(msg);
  snprintf(cmd, sizeof cmd, "%s md %s --learn %s -p %s 2>/dev/null", NACRE_CLI, pos, cfg, EAM);
  rc = system(cmd);
  CHECK(WEXITSTATUS(rc) == 2, "--learn with --potential is a usage error");
}

/* Background retraining: killed at a checkpoint with a retraining in
 * flight and at a later step, resumed, the uninterrupted run's result. */
int main(void) {
  if (access(EAM, R_OK)) TEST_SKIP("%s (Debian lammps-data) not installed", EAM);
  int n[3] = {2, 1, 1};
  nacre_structure *cu8 = build_bulk("fcc", 29, 3.615, n);
  nacre_error err;
  char dir[600], pos[700], cfg[700], d1[700], d2[700];
  snprintf(dir, sizeof dir, "%s", test_tmp_path(""));
  snprintf(pos, sizeof pos, "%s/cu8.vasp", dir);
  snprintf(cfg, sizeof cfg, "%s/otf.json", dir);
  CHECK_OK(nacre_write_structure(pos, cu8, NACRE_FORMAT_AUTO, &err), &err);
  test_write_text(cfg, config_text);
  nacre_learn_config *c = NULL;
  CHECK_OK(nacre_learn_config_read(cfg, &c, &err), &err);
  if (!c) TEST_DONE();
  nacre_dataset *truth = learntest_truth_set(EAM, cu8, 900, 10, 30);
  nacre_learn_md_report on, off;
  snprintf(d1, sizeof d1, "%s/screen", dir);
  snprintf(d2, sizeof d2, "%s/noscreen", dir);
  run(c, cu8, 1, d1, truth, &on);
  CHECK(on.screened_out > 0, "the screen turned %ld steps away", on.screened_out);
  if (!LIGHT) {
    run(c, cu8, 0, d2, truth, &off);
    CHECK(off.screened_out == 0, "no screen, nothing turned away");
    CHECK(off.labelled > on.labelled, "without the screen more labels: %ld > %ld",
          off.labelled, on.labelled);
  } else {
    printf("under the sanitizers: the run without the screen and the kill in the initial "
           "labels left out\n");
  }
  if (!access(AG, R_OK)) failing_labeller(dir, cu8, truth);
  else printf("skipped the failing labeller: %s not installed\n", AG);
  killed_and_resumed(dir, pos, cfg);
  nacre_dataset_free(truth);
  nacre_learn_config_free(c);
  nacre_structure_free(cu8);
  test_tmp_cleanup();
  TEST_DONE();
}
