/* report.c — the report of an active-learning run as JSON (doc/learn.md):
 * the iteration table, the task statistics, the stages' outcomes. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>

#include "nacre/learn.h"

/* null for a figure that does not exist (NAN) */
static void add_real(cJSON *o, const char *key, double v) {
  if (isfinite(v)) cJSON_AddNumberToObject(o, key, v);
  else cJSON_AddNullToObject(o, key);
}

static double fraction(long part, long whole) {
  return whole > 0 ? (double)part / (double)whole : NAN;
}

nacre_status nacre_learn_report_json(const nacre_learn_report *rep, char **json,
                                     nacre_error *err) {
  *json = NULL;
  cJSON *root = cJSON_CreateObject();
  cJSON *its = cJSON_AddArrayToObject(root, "iterations");
  for (int k = 0; k < rep->niterations; k++) {
    const nacre_learn_iteration *it = &rep->iterations[k];
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToArray(its, o);
    cJSON_AddNumberToObject(o, "iteration", it->iteration);
    cJSON_AddNumberToObject(o, "stage", it->stage);
    cJSON_AddNumberToObject(o, "stage_iteration", it->stage_iteration);
    cJSON_AddStringToObject(o, "phase", it->phase);
    cJSON_AddNumberToObject(o, "train_structures", it->ntrain);
    cJSON_AddNumberToObject(o, "test_structures", it->ntest);
    add_real(o, "test_energy_rmse_per_atom_ev", it->test_e_rmse);
    add_real(o, "test_force_rmse_ev_a", it->test_f_rmse);
    add_real(o, "test_stress_rmse_gpa", it->test_s_rmse);
    add_real(o, "accurate_fraction", it->accurate_fraction);
    cJSON_AddBoolToObject(o, "converged", it->converged);
    cJSON_AddNumberToObject(o, "selected", it->selected);
    cJSON_AddNumberToObject(o, "labelled", it->labelled);
    cJSON_AddNumberToObject(o, "label_failures", it->label_failures);
    cJSON_AddNumberToObject(o, "sample_structures", it->nsample);
    add_real(o, "sample_energy_rmse_per_atom_ev", it->sample_e_rmse);
    add_real(o, "sample_force_rmse_ev_a", it->sample_f_rmse);
    cJSON_AddNumberToObject(o, "label_wall_s", it->label_s);
    cJSON_AddNumberToObject(o, "train_wall_s", it->train_s);
    cJSON_AddNumberToObject(o, "explore_wall_s", it->explore_s);
  }
  cJSON *tasks = cJSON_AddArrayToObject(root, "tasks");
  for (int k = 0; k < rep->ntasks; k++) {
    const nacre_learn_task_stats *t = &rep->tasks[k];
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToArray(tasks, o);
    cJSON_AddNumberToObject(o, "iteration", t->iteration);
    cJSON_AddNumberToObject(o, "stage", t->stage);
    cJSON_AddNumberToObject(o, "task", t->task);
    cJSON_AddStringToObject(o, "name", t->name);
    cJSON_AddNumberToObject(o, "configurations", (double)t->configurations);
    add_real(o, "accurate_fraction", fraction(t->accurate, t->configurations));
    add_real(o, "candidate_fraction", fraction(t->candidate, t->configurations));
    add_real(o, "failed_fraction", fraction(t->failed, t->configurations));
    add_real(o, "committee_force_deviation_max_ev_a", t->max_deviation);
  }
  cJSON *stages = cJSON_AddArrayToObject(root, "stages");
  for (int s = 0; s < rep->nstages; s++) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToArray(stages, o);
    cJSON_AddNumberToObject(o, "stage", s);
    cJSON_AddStringToObject(o, "outcome", rep->stage_outcome[s]);
  }
  cJSON_AddNumberToObject(root, "labels", rep->labels);
  cJSON_AddNumberToObject(root, "label_failures", rep->label_failures);
  cJSON_AddBoolToObject(root, "finished", rep->finished);
  cJSON_AddStringToObject(root, "model", rep->model);
  cJSON_AddNumberToObject(root, "pending_labels", rep->pending_labels);
  cJSON_AddStringToObject(root, "pending_dir", rep->pending_dir);
  *json = cJSON_Print(root);
  cJSON_Delete(root);
  return *json ? NACRE_OK : nacre_error_set(err, NACRE_ERR_NOMEM, "report");
}
