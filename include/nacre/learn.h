/* nacre/learn.h — active learning: the concurrent-learning loop of DP-GEN
 * (Zhang et al., Comput. Phys. Commun. 253, 107206 (2020)) over nacre's own
 * parts. Each iteration trains a committee of K networks that differ only
 * in their random seeds (warm-started from the previous iteration's), lets
 * the committee drive exploration tasks (MD runs and structure searches),
 * sorts every configuration met by the committee's maximal force deviation
 *
 *   σ_f = max_i sqrt(⟨|F_i − ⟨F_i⟩|²⟩)        (DP-GEN's max_devi_f)
 *
 * into accurate (σ_f < lo), candidate (lo ≤ σ_f < hi) and failed (σ_f ≥ hi,
 * unphysical), screens the candidates by structural similarity (fingerprint
 * distance to the training set and to each other, farthest-point sampling
 * of at most M), adds a small random sample of end points whatever their
 * deviation (a committee can agree on a systematic error), labels them with
 * a nacre label driver (DFT, or a potential as a known truth), and
 * retrains. A stage of tasks ends when every task's accurate fraction
 * reaches its threshold, or at its label budget or iteration limit.
 *
 * Everything the loop knows lives in one SQLite run file (DIR/learn.db):
 * the configuration, every iteration's phase, the task statistics, every
 * selected structure with its label or failure. Each phase commits in one
 * transaction, so a run killed at any moment (kill -9 included) resumes
 * losing only the phase in flight; labels already computed are kept by the
 * label driver's own journal and are not paid for twice.
 *
 * Units: eV, Å, fs, K, GPa; deviations eV/Å (forces), eV/atom (energy). */
#ifndef NACRE_LEARN_H
#define NACRE_LEARN_H

#include "nacre/core.h"
#include "nacre/label.h"
#include "nacre/md.h"
#include "nacre/search.h" /* nacre_fingerprint */
#include "nacre/train.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Selection                                                            */
/* ------------------------------------------------------------------ */

typedef enum nacre_learn_class {
  NACRE_LEARN_ACCURATE = 0, /* σ < lo */
  NACRE_LEARN_CANDIDATE,    /* lo ≤ σ < hi */
  NACRE_LEARN_FAILED        /* σ ≥ hi, or not finite */
} nacre_learn_class;

typedef struct nacre_learn_selection {
  double lo_ev_a, hi_ev_a;   /* trust bounds on σ_f, eV/Å (0.05, 0.35) */
  double relative_ev_a;      /* > 0: the relative deviation of DP-GEN,
                                σ_i / (|⟨F_i⟩| + relative_ev_a), maximised
                                over atoms, takes σ_f's place and lo, hi
                                are dimensionless (for the large forces of
                                high pressure); 0: absolute (default) */
  int max_per_iteration;     /* M: candidates labelled per iteration (20) */
  double min_distance;       /* fingerprint (cosine) distance below which a
                                candidate repeats a training structure or
                                another pick (0.003) */
  int random_per_iteration;  /* end points labelled whatever σ_f (1) */
} nacre_learn_selection;

void nacre_learn_selection_init(nacre_learn_selection *s);
nacre_learn_class nacre_learn_classify(const nacre_learn_selection *s,
                                       double sigma);
/* The deviation the selection compares: σ_f of r (a committee's result
 * with forces), or its relative form when s->relative_ev_a > 0. NAN when r
 * holds no committee deviations. */
double nacre_learn_deviation(const nacre_learn_selection *s,
                             const nacre_result *r);

/* Farthest-point sampling with a similarity screen: from the candidates
 * cand[0..ncand) picks, one at a time, the candidate farthest (fingerprint
 * distance, nacre_fingerprint_distance) from everything in ref[0..nref)
 * and every earlier pick, while that distance is at least min_distance and
 * fewer than max are picked. chosen (room for ncand) receives the picks in
 * order; returns how many, -1 when out of memory. Ties go to the lower
 * index, so the result is reproducible. */
int nacre_learn_farthest_points(const nacre_fingerprint *const *ref, int nref,
                                const nacre_fingerprint *const *cand,
                                int ncand, int max, double min_distance,
                                int *chosen);

/* The random sample of end points (relaxed search minima, last frames of
 * MD runs), which every iteration labels whatever their deviation: of the
 * n end points, group[k] says which task and pressure end point k belongs
 * to and enthalpy[k] is the committee's enthalpy per atom there (eV/atom;
 * not finite: never drawn). Leaving out the end points marked in taken
 * (already selected; may be NULL), each group offers its lowest-enthalpy
 * quarter, at least one, counted on the whole group (a group of n_g end
 * points offers its ceil(n_g / 4) lowest untaken ones); up to count are
 * drawn uniformly without replacement from what the groups offer (seeded).
 * out (room for count) receives indices; returns how many, -1 when out of
 * memory. */
int nacre_learn_random_sample(int n, const double *enthalpy, const int *group,
                              const char *taken, int count, uint64_t seed,
                              int *out);

/* ------------------------------------------------------------------ */
/* The run's configuration (a JSON file, doc/learn.md)                  */
/* ------------------------------------------------------------------ */

typedef enum nacre_learn_task_kind {
  NACRE_LEARN_TASK_MD = 0,
  NACRE_LEARN_TASK_SEARCH
} nacre_learn_task_kind;

#define NACRE_LEARN_MAX_LIST 16

typedef struct nacre_learn_task {
  char name[64];
  nacre_learn_task_kind kind;
  /* md: every structure × temperature × pressure is one run */
  char ensemble[8];          /* "nvt" or "npt" */
  int nstructures;
  char **structures;         /* paths (absolute or relative to the cwd) */
  int ntemperatures, npressures;
  double temperatures_k[NACRE_LEARN_MAX_LIST];
  double pressures_gpa[NACRE_LEARN_MAX_LIST];
  long steps;                /* per run */
  int every;                 /* a configuration every N steps */
  double timestep_fs;
  /* search: a random-structure search per pressure; its relaxed minima
   * are the configurations */
  char composition[64];
  int budget;                /* relaxations per pressure */
  double accurate_fraction;  /* this task's convergence threshold */
} nacre_learn_task;

typedef struct nacre_learn_stage {
  char name[64];
  int ntasks;
  nacre_learn_task *tasks;
  int max_iterations;        /* iterations of the stage at most (10) */
  int label_budget;          /* labels of the stage at most (0: none) */
} nacre_learn_stage;

typedef struct nacre_learn_config {
  char *text;                /* the file's text as read (stored in the run) */
  char path[1024];
  uint64_t seed;
  /* initial data */
  int ndata;
  char **data;               /* labelled files (nacre_dataset_read) */
  int ninitial;
  char **initial;            /* structure files to label first */
  char random_composition[64]; /* random symmetric crystals to label first */
  int random_count;
  double random_pressure_gpa;
  /* labelling */
  nacre_label_options label; /* strings point into the config */
  char label_code[1100];     /* as the file gives it */
  char label_potential[1100], label_command[1024], label_pseudo_dir[1024],
      label_pseudo_files[512], label_template[1024]; /* what label points to */
  int label_jobs;            /* labels at a time (1) */
  /* committee */
  nacre_fit_options fit;     /* fit.ensemble = K (4) */
  int warm_epochs;           /* epochs of a warm-started retraining */
  int final_epochs;          /* epochs of the final committee's training
                                (warm-started); 0: fit.train.epochs
                                (nacre_learn_final_epochs) */
  /* selection */
  nacre_learn_selection select;
  /* independent test set */
  double test_fraction;      /* of the labelled candidates (0.1) */
  int test_max;              /* size at most (50) */
  int nstages;
  nacre_learn_stage *stages;
  /* Labels run elsewhere (a cluster's queue), set by the caller: not part
   * of the stored configuration, so it may change from one command of a
   * run to the next. NACRE_LABEL_MODE_RUN labels here (default; a batch
   * prepared earlier is collected first and what is missing labelled
   * here); PREPARE and COLLECT (the same mode, under the names of nacre
   * label) collect what a prepared batch has finished, go on while they
   * can, and at the next labels write their jobs under
   * label_dir/iterNNN/ (nacre_label_prepare_batch) and stop. */
  nacre_label_mode label_mode;
  char label_dir[1024];
} nacre_learn_config;

/* Reads and checks a configuration file: every key known (an unknown key
 * is an error naming it), every value in range, relative paths resolved
 * against the file's folder. */
nacre_status nacre_learn_config_read(const char *path,
                                     nacre_learn_config **out,
                                     nacre_error *err);
/* The same from text; dir resolves relative paths. */
nacre_status nacre_learn_config_parse(const char *text, const char *name,
                                      const char *dir,
                                      nacre_learn_config **out,
                                      nacre_error *err);
void nacre_learn_config_free(nacre_learn_config *c);
/* Epochs of the final committee's training: final_epochs, or the first
 * training's epochs when it is 0. */
int nacre_learn_final_epochs(const nacre_learn_config *c);

/* ------------------------------------------------------------------ */
/* The loop                                                             */
/* ------------------------------------------------------------------ */

/* One task of one iteration. */
typedef struct nacre_learn_task_stats {
  int iteration, stage, task;
  char name[64];
  long configurations, accurate, candidate, failed;
  double max_deviation;      /* largest finite σ met */
} nacre_learn_task_stats;

/* One iteration, as the report prints it. */
typedef struct nacre_learn_iteration {
  int iteration, stage, stage_iteration;
  char phase[16];            /* train, explore, label, done */
  int ntrain, ntest;         /* data the committee was trained on; test set */
  double test_e_rmse, test_f_rmse, test_s_rmse; /* eV/atom, eV/Å, GPa of
                                the committee mean on the test set (NAN
                                without one) */
  int selected, labelled, label_failures;
  int nsample;               /* the random sample labelled this iteration */
  double sample_e_rmse, sample_f_rmse; /* its committee error (eV/atom,
                                eV/Å; NAN when none) */
  double accurate_fraction;  /* the smallest over the tasks (NAN: none) */
  double label_s, train_s, explore_s; /* wall time of each phase */
  int converged;             /* every task reached its threshold */
} nacre_learn_iteration;

typedef struct nacre_learn_report {
  int niterations;
  nacre_learn_iteration *iterations;
  int ntasks;
  nacre_learn_task_stats *tasks;
  int nstages;
  char (*stage_outcome)[24]; /* converged, label-budget, max-iterations, or
                                "" while running */
  int labels;                /* labelled structures in all */
  int label_failures;
  int finished;              /* the final committee is written */
  char model[1100];          /* DIR/model.json */
  int pending_labels;        /* labels prepared to run elsewhere whose
                                results are not collected yet: the run
                                waits for them */
  char pending_dir[1100];    /* where they were prepared ("" when none) */
} nacre_learn_report;

void nacre_learn_report_free(nacre_learn_report *r);

/* Progress after every phase. */
typedef void (*nacre_learn_progress_fn)(void *user,
                                        const nacre_learn_iteration *it,
                                        const char *what);

/* Runs (or resumes) the loop of config c in output folder dir (made when
 * missing): run file dir/learn.db, committees dir/committees/iterNNN.json,
 * label journal dir/labels/, the final committee dir/model.json, the
 * training and test sets dir/train.extxyz and dir/test.extxyz. A run file
 * made by another configuration is refused. *rep (may be NULL) receives
 * the report. With c->label_mode PREPARE or COLLECT it returns NACRE_OK
 * unfinished, rep->pending_labels > 0, when it waits for labels run
 * elsewhere under rep->pending_dir. */
nacre_status nacre_learn_run(const nacre_learn_config *c, const char *dir,
                             nacre_learn_progress_fn progress, void *user,
                             const nacre_ctx *ctx, nacre_learn_report *rep,
                             nacre_error *err);
/* The report of the run in dir (also while it runs). */
nacre_status nacre_learn_report_read(const char *dir, nacre_learn_report *rep,
                                     nacre_error *err);
/* The report as JSON (doc/learn.md); *json malloc'd. */
nacre_status nacre_learn_report_json(const nacre_learn_report *rep,
                                     char **json, nacre_error *err);

/* ------------------------------------------------------------------ */
/* On-the-fly learning MD                                               */
/* ------------------------------------------------------------------ */

/* MD driven by a committee that learns as it goes: every force evaluation
 * whose deviation (nacre_learn_deviation) reaches the threshold and whose
 * structure passes the similarity screen (fingerprint distance to every
 * labelled structure at least the configuration's selection.min_distance)
 * is labelled, and that step is integrated on the labeller's energy,
 * forces and stress; after every retrain_every new labels the committee
 * is retrained (warm-started) and the run goes on from its exact MD state
 * (positions, velocities, thermostat and barostat variables, random
 * streams). The first committee is trained on the configuration's data
 * files and its initial structures (labelled first). check_samples
 * frames evenly spread over the run are also labelled as "check" frames,
 * never trained on: at the end they measure the energies and forces the
 * trajectory ran on there, and the final committee.
 *
 * All state is in DIR/otf.db (SQLite): the settings (a resume with other
 * ones is refused, naming them), every label as soon as it is made, and a
 * checkpoint (MD state, committee, counters) every checkpoint_every steps
 * and after every retraining. A run killed at any moment (kill -9
 * included) and started again with the same arguments goes on from the
 * checkpoint; the labels of the steps it replays are taken from the run
 * file, not made again. */
typedef struct nacre_learn_md_report {
  long steps;                /* MD steps done */
  long evaluations;          /* force evaluations of the dynamics (steps + 1;
                                a restart's evaluation of the same positions
                                is not counted) */
  long above_threshold;      /* evaluations with σ_f ≥ the threshold */
  long screened_out;         /* of them, too similar to labelled data */
  long labelled;             /* labelled, integrated on labeller forces */
  long label_failures;       /* labels that failed (committee forces kept) */
  int initial_labels;        /* initial structures labelled */
  int retrainings;
  double labelled_fraction;  /* labelled / evaluations */
  double wall_s;             /* the whole run, initial training included,
                                over every session up to its last checkpoint */
  double label_s, train_s;   /* wall time in labels and in training (a
                                background retraining's own time included) */
  double train_wait_s;       /* wall time the dynamics stood waiting for a
                                background retraining */
  double label_s_per_step;   /* mean wall time of one label */
  double all_labelled_s;     /* the same run labelled at every step:
                                evaluations × label_s_per_step */
  double speedup;            /* all_labelled_s / wall_s */
  int check_n;               /* check frames labelled */
  double check_run_e_rmse, check_run_f_rmse; /* the energies and forces the
                                trajectory ran on there (eV/atom, eV/Å) */
  double check_e_rmse, check_f_rmse; /* the final committee there */
  nacre_md_outcome outcome;
} nacre_learn_md_report;

typedef struct nacre_learn_md_options {
  nacre_md_options md;       /* ensemble, temperature, ...; extra, observer
                                and checkpoint are the loop's own */
  long steps;                /* MD steps (1000) */
  int retrain_every;         /* new labels between retrainings (5) */
  long retrain_lag;          /* 0: the dynamics stop while the committee
                                retrains (default); N > 0: it retrains in a
                                worker process while they go on with the
                                current committee, and the new one comes in
                                N steps after the retraining began (the
                                dynamics wait for it there when it is late),
                                so the path depends on the steps alone */
  double threshold_ev_a;     /* σ_f at which a step is labelled; NAN: the
                                configuration's selection.lo_ev_a */
  int screen;                /* 1: the similarity screen (default); 0: every
                                step above the threshold is labelled */
  int check_samples;         /* check frames over the run (10) */
  int checkpoint_every;      /* steps between checkpoints (50) */
  double label_delay_s;      /* added to every label's time (a slow
                                labeller for studies; 0) */
  /* called after every step with the step and the counts so far (NULL:
   * none) */
  void (*progress)(void *user, long step, const nacre_learn_md_report *r);
  void *progress_user;
} nacre_learn_md_options;

void nacre_learn_md_options_init(nacre_learn_md_options *o);

/* Runs (or resumes) on-the-fly learning MD of s with configuration c (its
 * data, initial structures, labeller, committee and selection settings;
 * its stages are not used) in dir: otf.db, committee.json (the current
 * committee), labels.extxyz (the training data) and final.extxyz (the last
 * structure). */
nacre_status nacre_learn_md_run(const nacre_learn_config *c,
                                const nacre_structure *s,
                                const nacre_learn_md_options *o,
                                const char *dir, const nacre_ctx *ctx,
                                nacre_learn_md_report *rep, nacre_error *err);

#ifdef __cplusplus
}
#endif
#endif
