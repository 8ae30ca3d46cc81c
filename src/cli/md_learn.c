/* md_learn.c — `nacre md STRUCTURE --learn CONFIG`: reads the learning
 * configuration and the structure, runs on-the-fly learning MD, prints
 * what share of the steps needed the labeller, the time against labelling
 * every step, and the errors on the check frames. A second run with the
 * same arguments resumes a killed one from DIR/otf.db. */
#include <cjson/cJSON.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "md_learn.h"
#include "nacre/io.h"
#include "nacre/learn.h"

static void add_real(cJSON *o, const char *key, double v) {
  if (isfinite(v)) cJSON_AddNumberToObject(o, key, v);
  else cJSON_AddNullToObject(o, key);
}

static void print_json(const md_learn_args *a, const nacre_learn_md_report *r) {
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "outcome", nacre_md_outcome_name(r->outcome));
  cJSON_AddNumberToObject(o, "steps", (double)r->steps);
  cJSON_AddNumberToObject(o, "evaluations", (double)r->evaluations);
  cJSON_AddNumberToObject(o, "above_threshold", (double)r->above_threshold);
  cJSON_AddNumberToObject(o, "screened_out", (double)r->screened_out);
  cJSON_AddNumberToObject(o, "labelled", (double)r->labelled);
  cJSON_AddNumberToObject(o, "label_failures", (double)r->label_failures);
  cJSON_AddNumberToObject(o, "labelled_fraction", r->labelled_fraction);
  cJSON_AddNumberToObject(o, "initial_labels", r->initial_labels);
  cJSON_AddNumberToObject(o, "retrainings", r->retrainings);
  cJSON_AddNumberToObject(o, "wall_s", r->wall_s);
  cJSON_AddNumberToObject(o, "label_wall_s", r->label_s);
  cJSON_AddNumberToObject(o, "train_wall_s", r->train_s);
  cJSON_AddNumberToObject(o, "train_wait_wall_s", r->train_wait_s);
  add_real(o, "label_wall_s_per_label", r->label_s_per_step);
  add_real(o, "all_labelled_wall_s", r->all_labelled_s);
  add_real(o, "speedup", r->speedup);
  cJSON_AddNumberToObject(o, "check_structures", r->check_n);
  add_real(o, "trajectory_energy_rmse_per_atom_ev", r->check_run_e_rmse);
  add_real(o, "trajectory_force_rmse_ev_a", r->check_run_f_rmse);
  add_real(o, "check_energy_rmse_per_atom_ev", r->check_e_rmse);
  add_real(o, "check_force_rmse_ev_a", r->check_f_rmse);
  cJSON_AddStringToObject(o, "output", a->dir);
  char *t = cJSON_Print(o);
  if (t) printf("%s\n", t);
  free(t);
  cJSON_Delete(o);
}

static void print_human(const md_learn_args *a, const nacre_learn_md_report *r) {
  char b1[64], b2[64];
  printf("on-the-fly learning MD: %s (%s), %s\n", cli_count(r->steps, "step", b1),
         nacre_md_outcome_name(r->outcome), cli_count(r->evaluations, "force evaluation", b2));
  printf("  labelled            %ld (%.2f %% of evaluations; %ld above the threshold, "
         "%ld screened out as near-duplicates, %ld failed)\n",
         r->labelled, 100 * r->labelled_fraction, r->above_threshold, r->screened_out,
         r->label_failures);
  printf("  committee           %d initial labels, %d retrainings\n", r->initial_labels,
         r->retrainings);
  printf("  time                %.1f s (labels %.1f s, training %.1f s, waiting for "
         "training %.1f s); every step labelled: %.1f s, speed-up %.2f\n",
         r->wall_s, r->label_s, r->train_s, r->train_wait_s, r->all_labelled_s, r->speedup);
  if (r->check_n) {
    printf("  trajectory          on %d check frames: E %.2f meV/atom, F %.1f meV/Å RMSE\n",
           r->check_n, 1e3 * r->check_run_e_rmse, 1e3 * r->check_run_f_rmse);
    printf("  final committee     on the same frames: E %.2f meV/atom, F %.1f meV/Å RMSE\n",
           1e3 * r->check_e_rmse, 1e3 * r->check_f_rmse);
  }
  printf("  files               %s/otf.db, committee.json, labels.extxyz, final.extxyz\n",
         a->dir);
}

typedef struct progress {
  const md_learn_args *a;
  double last_s;
} progress;

/* A complete line on standard error every 5 s. */
static void on_progress(void *user, long step, const nacre_learn_md_report *r) {
  progress *p = user;
  double now = nacre_now_s();
  if (now - p->last_s < 5.0 && step < p->a->steps) return;
  p->last_s = now;
  fprintf(stderr, "nacre md --learn: step %ld/%ld, %ld labelled (%ld screened out), "
          "%d retrainings\n", step, p->a->steps, r->labelled, r->screened_out,
          r->retrainings);
}

int md_learn_run(const md_learn_args *a) {
  nacre_error err;
  nacre_error_clear(&err);
  nacre_learn_config *c = NULL;
  if (nacre_learn_config_read(a->config, &c, &err)) return cli_fail("md", &err);
  nacre_structure *s = NULL;
  if (nacre_read_structure(a->structure, &s, &err)) {
    nacre_learn_config_free(c);
    return cli_fail("md", &err);
  }
  omp_set_num_threads(a->jobs);
  nacre_learn_md_options o;
  nacre_learn_md_options_init(&o);
  o.md = a->opt;
  o.steps = a->steps;
  o.retrain_every = a->retrain_every;
  o.retrain_lag = a->retrain_lag;
  o.screen = a->screen;
  o.label_delay_s = a->label_delay_s;
  if (a->checkpoint_every > 0) o.checkpoint_every = a->checkpoint_every;
  progress prog = {a, nacre_now_s()};
  if (!a->quiet) {
    o.progress = on_progress;
    o.progress_user = &prog;
  }
  nacre_ctx ctx;
  cli_ctx_init(&ctx, 0);
  nacre_learn_md_report rep;
  cli_catch_interrupts(&ctx, 1);
  nacre_status st = nacre_learn_md_run(c, s, &o, a->dir, &ctx, &rep, &err);
  cli_catch_interrupts(&ctx, 0);
  int rc = CLI_OK;
  if (st) rc = cli_fail("md", &err);
  else if (a->json) print_json(a, &rep);
  else if (!a->quiet) print_human(a, &rep);
  else printf("%s/committee.json\n", a->dir);
  if (!st && rep.outcome != NACRE_MD_COMPLETED) rc = CLI_FAILED;
  nacre_structure_free(s);
  nacre_learn_config_free(c);
  return rc;
}
