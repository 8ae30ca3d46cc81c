/* test_otf_modes.c — on-the-fly learning MD (Cu_u3.eam labels, the
 * committee and cell of learn.otf, otftest.h) beyond NVT with the dynamics
 * stopped for retraining:
 * - NPT (Bussi, isotropic stochastic cell rescaling, τ_P = 100 fs) at
 *   20 GPa, where the labels' stress drives the cell at labelled steps and
 *   the committee's elsewhere: the run completes, the counts add up, the
 *   cell ends compressed as the EAM compresses Cu there (V/V0 between 0.85
 *   and 0.95; the EAM's own NPT runs of the same length and settings end at
 *   0.905-0.909 for three seeds), and the final committee meets learn.otf's
 *   check-frame tolerances;
 * - the committee retrained in the background (--retrain-lag 8), killed at
 *   a checkpoint taken while a retraining was in flight and at a later
 *   step (under the sanitizers: the first kill only): the resumed run fits
 *   that committee again, swaps it in at the same step and ends with the
 *   uninterrupted run's committee file, labels and counts; the background
 *   run's final committee meets the same check-frame tolerances; its JSON
 *   keys are those doc/learn.md names.
 * Skips without Cu_u3.eam. */
#include "builders.h"
#include "nacre/io.h"
#include "nacre/learn.h"
#include "nacre/md.h"
#include "otftest.h"

static void npt(const nacre_learn_config *c, const nacre_structure *s, const char *tmp) {
  char dir[700], fin[800];
  snprintf(dir, sizeof dir, "%s/npt", tmp);
  nacre_learn_md_options o;
  nacre_learn_md_options_init(&o);
  o.md.timestep_fs = 2;
  o.md.temperature_k = 900;
  o.md.thermostat = NACRE_MD_BUSSI;
  o.md.barostat = NACRE_MD_CRESCALE_ISO;
  o.md.pressure_gpa = 20;
  o.md.barostat_tau_fs = 100;
  o.md.seed = 13;
  o.steps = 150;
  o.retrain_every = 4;
  o.check_samples = 6;
  nacre_ctx ctx;
  nacre_ctx_init(&ctx);
  nacre_error err;
  nacre_learn_md_report r;
  CHECK_OK(nacre_learn_md_run(c, s, &o, dir, &ctx, &r, &err), &err);
  snprintf(fin, sizeof fin, "%s/final.extxyz", dir);
  nacre_structure *end = NULL;
  CHECK_OK(nacre_read_structure(fin, &end, &err), &err);
  double ratio = end ? nacre_cell_volume(end->cell) / nacre_cell_volume(s->cell) : NAN;
  printf("npt 20 GPa: %ld labelled (%ld screened out), %d retrainings, V/V0 %.3f; final "
         "committee on the check frames E %.2f meV/atom, F %.0f meV/Å\n", r.labelled,
         r.screened_out, r.retrainings, ratio, 1e3 * r.check_e_rmse, 1e3 * r.check_f_rmse);
  CHECK(r.outcome == NACRE_MD_COMPLETED && r.evaluations == 151, "npt: 150 steps completed");
  CHECK(r.labelled > 0 && r.labelled + r.screened_out + r.label_failures == r.above_threshold,
        "npt: labelled + screened out + failed = above the threshold");
  CHECK(ratio > 0.85 && ratio < 0.95, "npt: V/V0 = %.3f in (0.85, 0.95)", ratio);
  CHECK(r.check_e_rmse <= CHECK_E && r.check_f_rmse <= CHECK_F,
        "npt: final committee on the check frames: E %.4f eV/atom <= %g, F %.3f eV/Å <= %g",
        r.check_e_rmse, CHECK_E, r.check_f_rmse, CHECK_F);
  nacre_structure_free(end);
}

/* Every label fails: recorded with the reason, counted, and the run goes
 * on with the committee trained on the data file. */
static void background_killed_and_resumed(const char *tmp, const char *pos, const char *cfg) {
  char a[700], b[700], ja[800], jb[800], fa[800], fb[800];
  snprintf(a, sizeof a, "%s/bg-whole", tmp);
  snprintf(b, sizeof b, "%s/bg-killed", tmp);
  snprintf(ja, sizeof ja, "%s/bg-whole.json", tmp);
  snprintf(jb, sizeof jb, "%s/bg-killed.json", tmp);
  int rc = -1;
  cli_run(pos, cfg, a, "8", ja, 0, 0, &rc);
  CHECK(rc == 0, "the uninterrupted background run exits 0 (%d)", rc);
  int killed = cli_run(pos, cfg, b, "8", NULL, 0, -1, NULL);
  CHECK(killed, "killed at a checkpoint with a retraining in flight");
  if (!LIGHT) {
    killed = cli_run(pos, cfg, b, "8", NULL, 0, 60, NULL);
    printf("background: kill -9 at step 60: %s\n", killed ? "killed" : "finished first");
  }
  cli_run(pos, cfg, b, "8", jb, 0, 0, &rc);
  CHECK(rc == 0, "the resumed background run exits 0 (%d)", rc);
  cJSON *x = read_json(ja), *y = read_json(jb);
  printf("background: %g labelled, %g retrainings, training %.2f s, waiting %.2f s, "
         "final committee on the check frames F %.0f meV/Å\n", num(x, "labelled"),
         num(x, "retrainings"), num(x, "train_wall_s"), num(x, "train_wait_wall_s"),
         1e3 * num(x, "check_force_rmse_ev_a"));
  CHECK(num(x, "retrainings") >= 2, "retrained in the background (%g)", num(x, "retrainings"));
  CHECK(num(x, "check_energy_rmse_per_atom_ev") <= CHECK_E &&
            num(x, "check_force_rmse_ev_a") <= CHECK_F,
        "background: final committee on the check frames within E %g, F %g", CHECK_E, CHECK_F);
  static const char *const same[] = {"steps", "evaluations", "above_threshold", "screened_out",
                                     "labelled", "retrainings", "check_structures",
                                     "check_force_rmse_ev_a", "trajectory_force_rmse_ev_a"};
  for (size_t k = 0; k < sizeof same / sizeof *same; k++)
    CHECK(num(x, same[k]) == num(y, same[k]),
          "background %s: uninterrupted %g, killed and resumed %g", same[k], num(x, same[k]),
          num(y, same[k]));
  snprintf(fa, sizeof fa, "%s/committee.json", a);
  snprintf(fb, sizeof fb, "%s/committee.json", b);
  CHECK(same_file(fa, fb), "background, killed and resumed: the same committee file");
  snprintf(fa, sizeof fa, "%s/labels.extxyz", a);
  snprintf(fb, sizeof fb, "%s/labels.extxyz", b);
  CHECK(same_file(fa, fb), "background, killed and resumed: the same labels");
  keys_documented(x);
  cJSON_Delete(x);
  cJSON_Delete(y);
}

int main(void) {
  if (access(EAM, R_OK)) TEST_SKIP("%s (Debian lammps-data) not installed", EAM);
  int n[3] = {2, 1, 1};
  nacre_structure *cu8 = build_bulk("fcc", 29, 3.615, n);
  nacre_error err;
  char dir[600], pos[700], cfg[700];
  snprintf(dir, sizeof dir, "%s", test_tmp_path(""));
  snprintf(pos, sizeof pos, "%s/cu8.vasp", dir);
  snprintf(cfg, sizeof cfg, "%s/otf.json", dir);
  CHECK_OK(nacre_write_structure(pos, cu8, NACRE_FORMAT_AUTO, &err), &err);
  test_write_text(cfg, config_text);
  nacre_learn_config *c = NULL;
  CHECK_OK(nacre_learn_config_read(cfg, &c, &err), &err);
  if (!c) TEST_DONE();
  npt(c, cu8, dir);
  background_killed_and_resumed(dir, pos, cfg);
  nacre_learn_config_free(c);
  nacre_structure_free(cu8);
  test_tmp_cleanup();
  TEST_DONE();
}
