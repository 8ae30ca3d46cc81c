/* nacre/train.h — training neural-network potentials: labelled data sets
 * (read through nacre/io.h: extended XYZ, OUTCAR, MAISE and DeePMD-kit
 * folders), fitting pot's network model (nacre/nn.h) and committees of
 * them to energies, forces and stress, the errors of any potential on
 * labelled data, and the train and test commands as library calls. How
 * training works inside (sparse descriptor features, loss gradients, Adam
 * and L-BFGS, checkpoints) is private to src/train.
 *
 * Units: energies eV (totals), forces eV/Å, stress eV/Å^3 inside (GPa at
 * interfaces), Voigt order xx yy zz yz xz xy, ASE sign (positive = tensile).
 * Every reader converts its file's convention at the boundary. */
#ifndef NACRE_TRAIN_H
#define NACRE_TRAIN_H

#include <stdio.h>

#include "nacre/core.h"
#include "nacre/io.h" /* nacre_npy, the readers */
#include "nacre/nn.h"
#include "nacre/pot.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Labelled data sets                                                    */
/* ------------------------------------------------------------------ */

enum {
  NACRE_LABEL_ENERGY = 1u, /* energy (eV, total) */
  NACRE_LABEL_FORCES = 4u, /* forces (eV/Å) */
  NACRE_LABEL_STRESS = 8u, /* stress (eV/Å^3, ASE sign) */
  NACRE_LABEL_WEIGHT = 16u /* a loss weight other than 1 */
};

/* One labelled structure. Owns s, forces and source. */
typedef struct nacre_sample {
  nacre_structure *s;
  unsigned has;      /* NACRE_LABEL_* bits */
  double energy;     /* eV, total */
  double *forces;    /* 3*natoms eV/Å when has & NACRE_LABEL_FORCES */
  double stress[6];  /* eV/Å^3, Voigt, ASE sign */
  char *source;      /* where it came from ("DATA/000/045", "x.xyz@3") */
  double weight;     /* loss weight (≥ 0) when has & NACRE_LABEL_WEIGHT,
                        else 1: extended XYZ info key config_weight */
  int ninfo;         /* the other extended XYZ info keys of the frame
                        (kind, config_type, label_id, ...), carried through
                        filter, split and merge: */
  char **info;       /* 2*ninfo strings, key, value, key, value, ... */
} nacre_sample;

/* The value of one of the sample's info keys, or NULL. */
const char *nacre_sample_get_info(const nacre_sample *s, const char *key);
/* Its config_type, else its kind (nacre generate), else NULL: the class of
 * structure reports name. */
const char *nacre_sample_class(const nacre_sample *s);

/* The distinct classes (nacre_sample_class) of d's samples in order of
 * first appearance and how many samples each has; *unclassified receives
 * the number without a class. *names (strings borrowed from the samples)
 * and *counts are malloc'd. Returns the number of classes, -1 when out of
 * memory. */
struct nacre_dataset;
int nacre_dataset_classes(const struct nacre_dataset *d, const char ***names,
                          int **counts, int *unclassified);

/* The loss weight of a sample: its weight, or 1 when it has none. */
static inline double nacre_sample_weight(const nacre_sample *s) {
  return (s->has & NACRE_LABEL_WEIGHT) ? s->weight : 1.0;
}

typedef struct nacre_dataset {
  int n, capacity;
  nacre_sample *items;
} nacre_dataset;

nacre_dataset *nacre_dataset_new(nacre_error *err);
void nacre_dataset_free(nacre_dataset *d);
/* Appends a sample, taking ownership of its pointers (the caller's copy is
 * zeroed). On failure the sample's memory is freed. */
nacre_status nacre_dataset_take(nacre_dataset *d, nacre_sample *sample,
                                nacre_error *err);
/* Appends a deep copy of src->items[i]. */
nacre_status nacre_dataset_append_copy(nacre_dataset *d,
                                       const nacre_dataset *src, int i,
                                       nacre_error *err);
void nacre_sample_clear(nacre_sample *sample);
/* Total number of atoms. */
long nacre_dataset_natoms(const nacre_dataset *d);

/* Reads every labelled structure under a MAISE data folder: each directory
 * holding POSCAR.0 and dat.dat (energy on line 1, "in kB" stress in VASP
 * order xx yy zz xy yz zx with compressive positive, then the OUTCAR
 * POSITION/TOTAL-FORCE block; older sets carry that block in frc.dat).
 * Directories are visited in sorted order so the result is reproducible. */
nacre_status nacre_dataset_read_maise(nacre_dataset *d, const char *dir,
                                      nacre_error *err);
/* Reads a DeePMD-kit system folder (type.raw, type_map.raw, set.NNN/ with
 * box.npy, coord.npy, energy.npy, force.npy, virial.npy). DeePMD's virial
 * is W = −V σ (eV) in the ASE stress sign convention. */
nacre_status nacre_dataset_read_deepmd(nacre_dataset *d, const char *dir,
                                       nacre_error *err);
/* Reads a path of any supported kind: a MAISE folder (POSCAR.0 found below
 * it), a DeePMD folder (type.raw present), an extended XYZ or an OUTCAR
 * file. */
nacre_status nacre_dataset_read(nacre_dataset *d, const char *path,
                                nacre_error *err);
/* nacre_dataset_read of each path in turn. */
nacre_status nacre_dataset_read_paths(nacre_dataset *d,
                                      const char *const *paths, int n,
                                      nacre_error *err);

/* Writes every sample as extended XYZ (ASE-compatible: energy, stress in
 * eV/Å^3 ASE sign as a 3x3 "stress" key, forces as a column). */
nacre_status nacre_dataset_write_extxyz(const nacre_dataset *d, FILE *fp,
                                        nacre_error *err);

/* Same, to a file written atomically (temporary file, then rename). */
nacre_status nacre_dataset_save_extxyz(const nacre_dataset *d,
                                       const char *path, nacre_error *err);

/* Summary figures of a data set. */
typedef struct nacre_dataset_stats {
  int nstructures;
  long natoms;
  int min_atoms, max_atoms;
  int nspecies;
  int species_z[16];      /* in increasing Z */
  long species_count[16]; /* atoms of each species */
  int n_energy, n_forces, n_stress;
  double e_per_atom_min, e_per_atom_max;     /* eV/atom */
  double force_max;                          /* max |F| component, eV/Å */
  double pressure_min_gpa, pressure_max_gpa; /* −tr σ / 3 */
  double volume_per_atom_min, volume_per_atom_max; /* Å^3 */
} nacre_dataset_stats;

nacre_status nacre_dataset_stats_compute(const nacre_dataset *d,
                                         nacre_dataset_stats *st,
                                         nacre_error *err);

/* Filters: a sample is kept when every limit that is set holds. */
typedef struct nacre_dataset_filter {
  double e_per_atom_max;    /* eV/atom; NAN = no limit */
  double e_above_min_max;   /* eV/atom above the lowest energy per atom of
                               the set; NAN = no limit (MAISE's EMAX) */
  double force_max;         /* max |F| component eV/Å; NAN = no limit */
  double pressure_max_gpa;  /* |P| ≤ this; NAN = no limit */
  int min_atoms, max_atoms; /* 0 = no limit */
  unsigned require;         /* NACRE_LABEL_* bits that must be present */
  const int *species_z;     /* when nspecies > 0: only these elements */
  int nspecies;
  const char *classes;      /* comma-separated classes (nacre_sample_class);
                               NULL = any */
  int exclude_classes;      /* 0: keep only those classes; 1: drop them */
} nacre_dataset_filter;

void nacre_dataset_filter_init(nacre_dataset_filter *f);
/* Writes to idx (room for d->n ints) the indices of the samples that pass
 * f, in order, and returns how many. */
int nacre_dataset_filter_select(const nacre_dataset *d,
                                const nacre_dataset_filter *f, int *idx);
/* Sets the loss weight (config_weight) of the samples that pass f to
 * weight (>= 0); the others keep theirs. *nset (may be NULL) gets how many
 * were set. */
nacre_status nacre_dataset_set_weight(nacre_dataset *d,
                                      const nacre_dataset_filter *f,
                                      double weight, int *nset,
                                      nacre_error *err);
/* Returns a new data set with copies of the samples kept. */
nacre_status nacre_dataset_filter_apply(const nacre_dataset *d,
                                        const nacre_dataset_filter *f,
                                        nacre_dataset **out, nacre_error *err);

/* A reproducible random permutation of 0..n-1 (Fisher-Yates on
 * nacre_rng stream 0 of seed); `perm` holds n ints. */
void nacre_permutation(int n, uint64_t seed, int *perm);
/* Splits indices 0..n-1 into train/validation/test by fractions (the test
 * part gets the rounding remainder) after a seeded shuffle. Each output
 * array has room for n ints; counts are returned. */
void nacre_split_indices(int n, double frac_train, double frac_valid,
                         uint64_t seed, int *train, int *ntrain, int *valid,
                         int *nvalid, int *test, int *ntest);
/* Splits by a hash of each sample's info key `key` (e.g. label_id) mixed
 * with the seed instead of a shuffle: u = hash in [0, 1) puts a sample in
 * train (u < frac_train), valid (< frac_train + frac_valid) or test. A
 * sample keeps its part when the set grows or is reordered, so a test
 * set stays unseen across retrainings. NACRE_ERR_INVALID names the first
 * sample without the key. Outputs as nacre_split_indices (sorted). */
nacre_status nacre_split_by_key(const nacre_dataset *d, const char *key,
                                double frac_train, double frac_valid,
                                uint64_t seed, int *train, int *ntrain,
                                int *valid, int *nvalid, int *test,
                                int *ntest, nacre_error *err);
/* Copies the samples listed in idx into a new data set. */
nacre_status nacre_dataset_subset(const nacre_dataset *d, const int *idx,
                                  int n, nacre_dataset **out,
                                  nacre_error *err);
/* Splits d by fractions (train, validation, test; normalised to sum 1)
 * with a seeded shuffle, or by a hash of the info key by_key when it is
 * not NULL (nacre_split_by_key), and writes PREFIX.train.xyz,
 * PREFIX.valid.xyz and PREFIX.test.xyz; counts[3] receives their sizes. */
nacre_status nacre_dataset_split_write(const nacre_dataset *d,
                                       const char *prefix,
                                       const double fractions[3],
                                       uint64_t seed, const char *by_key,
                                       int counts[3], nacre_error *err);

/* ------------------------------------------------------------------ */
/* Fitting network potentials                                            */
/* ------------------------------------------------------------------ */

/* The model fitted is pot's network model (nacre/nn.h): per-species
 * networks on Behler-Parrinello descriptors, written as nacre JSON. */

/* L = we·mean_s ((E_s − E*_s)/N_s)² + wf·mean_components (F − F*)²
 *   + ws·mean_components (σ − σ*)²[GPa²] + l2·Σ w² (weights, not biases).
 * Energies in eV/atom, forces eV/Å, stress in GPa in the loss. The means
 * are weighted by each sample's weight (nacre_sample_weight), so a weight
 * of 2 counts a structure twice and 0 leaves it out; the error figures
 * (RMSE, MAE) are unweighted. */
typedef struct nacre_loss_weights {
  double energy, force, stress, l2;
} nacre_loss_weights;

/* Errors of a set of structures (RMSE and MAE). */
typedef struct nacre_errors {
  int nstructures;
  long nforce_components, nstress_components;
  double e_rmse, e_mae;   /* eV/atom */
  double f_rmse, f_mae;   /* eV/Å */
  double s_rmse, s_mae;   /* GPa */
  double loss;
} nacre_errors;

typedef enum nacre_optimizer {
  NACRE_OPT_LBFGS = 0, /* full batch, one iteration per epoch */
  NACRE_OPT_ADAM       /* mini-batches, one pass over the data per epoch */
} nacre_optimizer;

typedef struct nacre_train_options {
  nacre_loss_weights weights;
  nacre_optimizer optimizer;
  int epochs;            /* upper limit of epochs */
  int batch_size;        /* Adam: structures per mini-batch */
  double lr;             /* Adam: initial learning rate */
  double lr_decay;       /* Adam: lr ← lr·decay after each epoch */
  double lr_min;         /* Adam: floor of the schedule */
  int lbfgs_history;     /* L-BFGS: (s, y) pairs kept */
  int patience;          /* stop after max(patience, best epoch) epochs
                            without a new best validation loss, i.e. not
                            before twice the epoch of the best (0: never) */
  double time_limit_s;   /* stop after this wall time (0: none) */
  uint64_t seed;         /* mini-batch order: stream `epoch` of this seed */
  const char *checkpoint; /* path, or NULL; written atomically */
  double checkpoint_interval_s; /* checkpoints: after the first epoch, then
                                   every this much wall time (default 30 s;
                                   0: every epoch); the last epoch and a
                                   stop are always written */
} nacre_train_options;

void nacre_train_options_init(nacre_train_options *o);

typedef struct nacre_train_epoch {
  int epoch;
  double elapsed_s;      /* wall time since the start of this run */
  double lr;
  nacre_errors train, valid;
  int have_valid;
  int is_best;
  const double *weights; /* current parameters (nacre_nn_model_get_params
                            layout), valid during the call */
} nacre_train_epoch;

/* Called after every epoch; returning non-zero stops training. */
typedef int (*nacre_train_progress)(void *user, const nacre_train_epoch *ep);

typedef struct nacre_fit_options {
  nacre_train_options train;
  int nhidden;
  int hidden[NACRE_NN_MAX_LAYERS - 2];
  nacre_nn_activation act; /* hidden layers; the output is linear */
  char descriptors[4096];  /* nacre_nn_descriptor_from_spec text; "" =
                              nacre_default_descriptors */
  double frac_train, frac_valid; /* the rest is the test set; used only
                                    when no validation or test set is
                                    given */
  uint64_t seed;         /* split, initial weights, batch order */
  int ensemble;          /* committee size K ≥ 1; member k uses seed + k */
  /* Stratified training (MAISE): start from models of subsets of the
   * species (e.g. the elements). Each network whose centre species is in
   * a `from` model takes that model's weights on the components they share
   * (the leading, same-species block of the descriptor); other input
   * weights start at zero. With freeze_from, only those new weights are
   * trained. */
  const nacre_nn_model *const *from;
  int nfrom;
  int freeze_from;
  /* Include MAISE's short-range repulsion in the model (the networks fit
   * the rest), so that a MAISE model file, which MAISE always evaluates
   * with it, reproduces the model exactly. */
  int maise_repulsion;
  /* A baseline potential SPEC under the networks ("zbl:r_inner=1.1,
   * r_outer=1.7"; NULL = none): the networks fit the labels minus its
   * energy, forces and stress, and the model records it, so that it is
   * always evaluated with it. */
  const char *baseline;
  /* Warm start (retraining on grown data, as active learning does): member
   * k < nwarm starts from warm[k] (a model of the same elements, descriptor
   * dimension and layers) — its weights, input normalisation and reference
   * energies — instead of random weights; the training domain is measured
   * on the new data. NULL entries start as usual. */
  const nacre_nn_model *const *warm;
  int nwarm;
} nacre_fit_options;

void nacre_fit_options_init(nacre_fit_options *o);
/* NACRE_OK when the options can give a model that a MAISE file holds
 * exactly (two tanh hidden layers, MAISE's repulsion, at most 512
 * functions); checked before any training. */
nacre_status nacre_fit_options_maise_compatible(const nacre_fit_options *o,
                                                nacre_error *err);

/* What the fit did: the split and the final errors of member 0. */
typedef struct nacre_fit_report {
  int ntrain, nvalid, ntest;
  nacre_errors train, valid, test; /* committee member 0 */
  double seconds;          /* wall time of training */
  double features_seconds; /* wall time of descriptor computation */
  size_t features_bytes;   /* memory of the stored descriptors */
  char descriptors[4096];  /* the descriptor set used (its spec) */
  int dim;                 /* descriptor components */
  int repulsion_structures; /* with maise_repulsion: training structures
                               with atoms inside the repulsion range */
} nacre_fit_report;

/* Called after every epoch of member `member`; non-zero stops it. */
typedef int (*nacre_fit_progress)(void *user, int member,
                                  const nacre_train_epoch *ep);

/* Reads nothing, prints nothing: computes descriptors once, normalises,
 * fits reference energies, records the training domain and trains
 * o->ensemble models one after the other into models[0..K−1] (malloc'd
 * array; free each with nacre_nn_model_free). Training data: d split by
 * o->frac_train / o->frac_valid after a seeded shuffle, or, when valid or
 * test is given (may be NULL), all of d for training and those sets as
 * they are. With o->train.checkpoint set, member k of K > 1 checkpoints to
 * PATH.k; a checkpoint written for other data or settings is refused. */
nacre_status nacre_fit(const nacre_dataset *d, const nacre_dataset *valid,
                       const nacre_dataset *test, const nacre_fit_options *o,
                       nacre_fit_progress cb, void *user, const nacre_ctx *ctx,
                       nacre_nn_model ***models, nacre_fit_report *rep,
                       nacre_error *err);

/* Default descriptor spec for a set of elements: MAISE's basis with cutoff
 * 4.5 × the mean covalent radius (Cordero 2008) rounded to 0.5 Å, within
 * [4, 8] Å — 7.5 Å for Na and 6.0 Å for Cu and Cu-Ag, the cutoffs of
 * MAISE's published models. */
void nacre_default_descriptors(int nspecies, const int *species_z, char *spec,
                               size_t len);

/* ------------------------------------------------------------------ */
/* Errors of a potential on labelled data                                */
/* ------------------------------------------------------------------ */

/* Predictions of any potential (networks, committees, EAM, ...) for every
 * sample of d, one calculator per thread: e_pred (d->n, eV), f_pred
 * (3 × total atoms, eV/Å, samples in order; may be NULL), s_pred (d->n ×
 * 6, eV/Å^3; may be NULL), the committee deviations of each sample
 * (e_dev: eV/atom, f_dev: σ_f eV/Å; may be NULL; zero unless p is a
 * committee), the training-domain counts (may be NULL) and the errors
 * against the labels (may be NULL). */
nacre_status nacre_potential_evaluate(const struct nacre_potential *p,
                                      const nacre_dataset *d, double *e_pred,
                                      double *f_pred, double (*s_pred)[6],
                                      double *e_dev, double *f_dev,
                                      nacre_domain_counts *domain,
                                      nacre_errors *errs, nacre_error *err);

/* The error figures of predictions laid out as nacre_potential_evaluate
 * fills them (f_pred and s_pred may be NULL), over the samples whose
 * nacre_sample_class is cls (NULL: the samples without a class), or over
 * every sample when all is set. */
void nacre_errors_compute(const nacre_dataset *d, const double *e_pred,
                          const double *f_pred, const double (*s_pred)[6],
                          int all, const char *cls, nacre_errors *errs);

/* Parity plot as SVG: one column per quantity, predicted against reference
 * with the diagonal above and the residual (predicted − reference) below,
 * axes from the data, RMSE and MAE of each set in the panel. Each quantity
 * holds one or two sets of points (e.g. training and test data, drawn in
 * two colours with a legend). */
typedef struct nacre_parity_set {
  const char *label; /* "training", "test", or NULL for one unnamed set */
  long n;
  const double *ref, *pred;
} nacre_parity_set;

typedef struct nacre_parity_series {
  const char *title;  /* "Energy" */
  const char *unit;   /* "eV/atom" */
  int nsets;          /* 1 or 2 */
  nacre_parity_set set[2];
} nacre_parity_series;

nacre_status nacre_parity_svg(const char *path, const nacre_parity_series *s,
                              int nseries, nacre_error *err);

/* ------------------------------------------------------------------ */
/* The train and test commands as library calls                          */
/* ------------------------------------------------------------------ */

/* `nacre train`: read the data, fit, write the model (one model: a nacre
 * JSON model; K > 1: a committee file of K models) and any MAISE exports,
 * remove the checkpoints after success (unless kept). */
typedef struct nacre_train_job {
  const char *const *data; /* training data paths (nacre_dataset_read) */
  int ndata;
  const char *valid, *test; /* validation / test data, or NULL */
  const char *const *from;  /* model files for a stratified start */
  int nfrom;
  const char *output;       /* the model file */
  const char *maise;        /* also MAISE model files (PATH, or PATH.k for
                               K > 1), or NULL */
  const char *json_copy;    /* also a copy of the model (PATH or PATH.k),
                               or NULL */
  int keep_checkpoint;
  nacre_fit_options fit;    /* fit.train.checkpoint NULL: OUTPUT.ckpt */
} nacre_train_job;

void nacre_train_job_init(nacre_train_job *job);

/* What the command reports. */
typedef struct nacre_train_summary {
  int nstructures, nsources;   /* all data read (training + given sets) */
  long natoms;
  nacre_fit_report fit;
  int ensemble;
  char checkpoint[4096];       /* path used (member k of K > 1: PATH.k) */
} nacre_train_summary;

typedef struct nacre_train_callbacks {
  void *user;
  /* after the data are read, before descriptors and training (may be
   * NULL); fit figures not yet filled */
  void (*ready)(void *user, const nacre_train_summary *s);
  nacre_fit_progress epoch; /* may be NULL */
} nacre_train_callbacks;

nacre_status nacre_train_files(const nacre_train_job *job,
                               const nacre_train_callbacks *cb,
                               const nacre_ctx *ctx, nacre_train_summary *out,
                               nacre_error *err);
/* Rewrites a model file of any format nacre reads (the retired nacre-train
 * text format, MAISE, JSON; a committee of network models too) as nacre
 * JSON. */
nacre_status nacre_convert_model(const char *in, const char *out,
                                 nacre_error *err);

/* `nacre test`: errors of a potential on labelled data. */
typedef struct nacre_test_job {
  const char *potential;     /* any SPEC nacre_potential_load takes */
  const char *const *data;
  int ndata;
  const char *csv_prefix;    /* PREFIX.energy.csv, PREFIX.forces.csv, or NULL */
  const char *plot;          /* SVG parity plot, or NULL */
  const char *plot_reference; /* optional second data set (e.g. the
                                training data) drawn in the plot in its
                                own colour, or NULL */
  int worst;                 /* structures to list */
} nacre_test_job;

void nacre_test_job_init(nacre_test_job *job);

typedef struct nacre_test_class {
  const char *name;          /* NULL: samples without a class */
  nacre_errors errors;
} nacre_test_class;

typedef struct nacre_test_worst {
  int index;                 /* sample index */
  double energy_error;       /* |ΔE| eV/atom */
} nacre_test_worst;

typedef struct nacre_test_report {
  nacre_dataset *data;       /* the samples (owned by the report) */
  int committee_size;        /* 0: not a committee */
  char potential_note[512];  /* nacre_potential_note, or "" */
  nacre_errors errors;
  double max_energy_dev;     /* committee: largest σ_E/N, eV/atom */
  double max_force_dev;      /* committee: largest σ_f, eV/Å */
  nacre_domain_counts domain;
  int nclasses;              /* 0 unless the samples name two classes or more */
  nacre_test_class *classes;
  int nworst;
  nacre_test_worst *worst;
} nacre_test_report;

nacre_status nacre_test_files(const nacre_test_job *job,
                              nacre_test_report *rep, nacre_error *err);
void nacre_test_report_free(nacre_test_report *rep);

#ifdef __cplusplus
}
#endif
#endif
