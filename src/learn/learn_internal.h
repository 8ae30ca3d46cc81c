/* learn_internal.h — the pieces of the active-learning loop shared by its
 * files: the run file (rundb.c), exploration (explore.c) and the loop
 * (learn.c). */
#ifndef NACRE_LEARN_INTERNAL_H
#define NACRE_LEARN_INTERNAL_H

#include "nacre/learn.h"

typedef struct learn_db learn_db;

/* Creates the run file with the configuration's text, or opens it and
 * refuses it when it holds another configuration. */
nacre_status learn_db_open(const char *path, const char *config_text,
                           int readonly, learn_db **out, nacre_error *err);
void learn_db_close(learn_db *db);
nacre_status learn_db_begin(learn_db *db, nacre_error *err);
nacre_status learn_db_commit(learn_db *db, nacre_error *err);
void learn_db_rollback(learn_db *db);

/* The newest iteration; *found 0 when none. */
nacre_status learn_db_last_iteration(learn_db *db, nacre_learn_iteration *it,
                                     int *found, nacre_error *err);
/* Inserts or replaces an iteration row. */
nacre_status learn_db_put_iteration(learn_db *db, const nacre_learn_iteration *it,
                                    nacre_error *err);
nacre_status learn_db_put_task(learn_db *db, const nacre_learn_task_stats *t,
                               nacre_error *err);
nacre_status learn_db_set_stage(learn_db *db, int stage, const char *outcome,
                                nacre_error *err);
/* The outcome of a stage, "" while it runs. */
nacre_status learn_db_stage_outcome(learn_db *db, int stage, char out[24],
                                    nacre_error *err);
nacre_status learn_db_set_setting(learn_db *db, const char *key,
                                  const char *value, nacre_error *err);
/* "" when absent. */
nacre_status learn_db_get_setting(learn_db *db, const char *key, char *out,
                                  size_t n, nacre_error *err);

/* A structure to label: kind "initial", "candidate" or "random"; status
 * "pending" until labelled or failed. */
nacre_status learn_db_add_structure(learn_db *db, int iter, int stage,
                                    int task, const char *kind,
                                    double deviation,
                                    const nacre_structure *s, nacre_error *err);
/* A labelled structure from the initial data files. */
nacre_status learn_db_add_labelled(learn_db *db, int iter,
                                   const nacre_sample *sm, const char *role,
                                   nacre_error *err);

typedef struct learn_pending {
  int n;
  long *id;
  char (*kind)[16];
  nacre_structure **s;
} learn_pending;
void learn_pending_free(learn_pending *p);
/* The pending structures of an iteration in id order. */
nacre_status learn_db_pending(learn_db *db, int iter, learn_pending *out,
                              nacre_error *err);
/* Stores a label (role "train" or "test"). */
nacre_status learn_db_set_label(learn_db *db, long id, const char *role,
                                const nacre_sample *sm, double wall_s,
                                nacre_error *err);
nacre_status learn_db_set_failed(learn_db *db, long id, const char *reason,
                                 nacre_error *err);
/* Every labelled structure of the role ("train", "test"; NULL: both) into a new data
 * set; iter ≥ 0 restricts to that iteration and kind (may be NULL). */
nacre_status learn_db_labelled(learn_db *db, const char *role, int iter,
                               const char *kind, nacre_dataset **out,
                               nacre_error *err);
/* Count of structures with the given status (and, with stage ≥ 0, of that
 * stage; role NULL: any). */
nacre_status learn_db_count(learn_db *db, int stage, const char *status,
                            const char *role, int *n, nacre_error *err);
nacre_status learn_db_report(learn_db *db, int nstages,
                             nacre_learn_report *rep, nacre_error *err);

/* The initial structures to label: every frame of c->initial's files, then
 * c->random_count random symmetric crystals (seeded by c->seed). *out is a
 * malloc'd array (free each structure, then the array). */
nacre_status learn_initial_structures(const nacre_learn_config *c,
                                      nacre_structure ***out, int *n,
                                      nacre_error *err);

/* ---- exploration (explore.c) ---- */

/* A configuration an exploration met, with its deviation. */
typedef struct learn_config {
  nacre_structure *s;
  double deviation;
  int task;
  int end_point;  /* last frame of an MD run, or a relaxed minimum */
  double pressure_gpa; /* of the run or search that met it */
  double enthalpy;     /* the committee's (E + PV) / N there, eV/atom; NAN
                          when it failed */
} learn_config;

typedef struct learn_configs {
  int n, cap;
  learn_config *items;
} learn_configs;
void learn_configs_free(learn_configs *c);

/* Runs task t of the stage with the committee in file `committee`,
 * appending what it met to out and filling its statistics. work: a folder
 * for the searches' run files. */
nacre_status learn_explore_task(const nacre_learn_config *c,
                                const nacre_learn_task *t, int task_index,
                                const char *committee, const char *work,
                                uint64_t seed, learn_configs *out,
                                nacre_learn_task_stats *stats,
                                const nacre_ctx *ctx, nacre_error *err);

/* ---- the run file of on-the-fly learning MD (otfdb.c) ---- */

typedef struct otf_db otf_db;

/* One label of the run, in the order made. */
typedef struct otf_label {
  long id;
  char kind[8];       /* "initial", "md" (a step of the run), "check" */
  long evaluation;    /* the force evaluation it belongs to (-1: initial) */
  long step;          /* MD step (0 for initial structures) */
  int failed;         /* the labeller failed: message says why */
  nacre_sample sm;    /* the structure, and unless failed its label */
  double run_energy;  /* check frames: the energy (eV) and forces (3N, */
  double *run_forces; /* eV/Å) the run used there; NULL otherwise */
  char *message;
  double wall_s;      /* the label's wall time */
} otf_label;
void otf_label_clear(otf_label *l);

/* The last checkpoint: labels up to id last_label are in the data (or
 * counted), the MD state (NULL before the first step) and the committee
 * JSON that drives it. restart_index: the data index of the label the
 * last evaluation ran on (-1: none), used again when the run restarts. */
typedef struct otf_state {
  long last_label;
  int restart_index;
  long step, evaluations, above, screened, labelled, failures;
  int retrainings, new_labels, done;
  double train_s, wall_s;
  char *md_state, *committee;
  int bg_n;                 /* a background retraining in flight trains on
                               this many structures; -1: none */
  long bg_swap;             /* and comes in at this step */
  double train_wait_s;
} otf_state;
void otf_state_clear(otf_state *s);

/* Opens (creates) the run file; settings are key, value pairs stored on
 * the first open and compared on every later one (a difference is an
 * error naming the key and both values). */
nacre_status otf_db_open(const char *path, const char *const *settings,
                         int nsettings, otf_db **out, nacre_error *err);
void otf_db_close(otf_db *db);
/* Appends a label; *id receives its row id. */
nacre_status otf_db_add_label(otf_db *db, const otf_label *l, long *id,
                              nacre_error *err);
/* Every label in the order made (a malloc'd array: clear each, free it). */
nacre_status otf_db_labels(otf_db *db, otf_label **out, int *n,
                           nacre_error *err);
nacre_status otf_db_drop_labels_after(otf_db *db, long id, nacre_error *err);
nacre_status otf_db_put_state(otf_db *db, const otf_state *s,
                              nacre_error *err);
nacre_status otf_db_get_state(otf_db *db, otf_state *s, int *found,
                              nacre_error *err);

#endif
