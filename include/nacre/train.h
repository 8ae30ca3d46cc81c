/* nacre/train.h — training neural-network potentials: labelled data sets
 * (read through nacre/io.h: extended XYZ, OUTCAR, MAISE and DeePMD-kit
 * folders),
 * descriptor features stored sparsely per neighbour, the per-species
 * multilayer perceptron with the derivatives training needs, the loss on
 * energies, forces and stress, and the optimisers (Adam, L-BFGS).
 *
 * Units: energies eV (totals), forces eV/Å, stress eV/Å^3 inside (GPa at
 * interfaces), Voigt order xx yy zz yz xz xy, ASE sign (positive = tensile).
 * Every reader converts its file's convention at the boundary. */
#ifndef NACRE_TRAIN_H
#define NACRE_TRAIN_H

#include <stdio.h>

#include "nacre/core.h"
#include "nacre/io.h" /* nacre_npy, the readers */

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
 * it), a DeePMD folder (type.raw present) or, when the io module provides
 * it, an extended XYZ / OUTCAR file. */
nacre_status nacre_dataset_read(nacre_dataset *d, const char *path,
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

/* ------------------------------------------------------------------ */
/* Descriptor features, stored sparsely                                  */
/* ------------------------------------------------------------------ */

/* Features of one structure: descriptors G (natoms × dim) and their
 * derivatives kept per (centre i, neighbour atom j) pair (periodic images
 * of j merged; j = i included): dG_i/dr_j, layout [entry][xyz][dim]; and per
 * centre the symmetrised strain derivative V_i = Σ_images sym(r ⊗ dG_i/dr)
 * (dim × 6, Voigt), so that the stress is σ = (1/V) Σ_i (∂E_i/∂G_i)·V_i. */
typedef struct nacre_features {
  int natoms, dim;
  double *g;        /* natoms*dim */
  size_t *offsets;  /* natoms+1: entries of centre i */
  int *nbr;         /* atom j of each entry */
  float *dg;        /* nentries*3*dim, ∂G_i/∂r_j (units of G per Å) */
  float *vir;       /* natoms*6*dim, layout [i][voigt][dim] */
  size_t nentries;
} nacre_features;

void nacre_features_free(nacre_features *f); /* frees members, zeroes */
size_t nacre_features_bytes(const nacre_features *f);

/* A descriptor set: turns a structure into features. `self` is owned by
 * whoever built the featurizer (free with `free_self` when set). */
typedef struct nacre_featurizer {
  int dim;
  double cutoff;  /* Å */
  nacre_status (*compute)(const void *self, const nacre_structure *s,
                          int nspecies, const int *species_z,
                          nacre_features *out, nacre_error *err);
  void *self;
  void (*free_self)(void *self);
  char spec[4096]; /* text that rebuilds it (saved in model files) */
} nacre_featurizer;

/* Built-in radial descriptors (Behler G2, JCP 134, 074106 (2011), eq. 6):
 * G_i = Σ_j exp(−η (r_ij − rs)²) fc(r_ij), fc = ½[cos(π r/rc)+1], one block
 * of n_eta functions per neighbour species (relative to the centre as in
 * MAISE: block d holds neighbours of species (s_j − s_i) mod nspecies).
 * η spaced geometrically from eta_min to eta_max (Å⁻²), rs = 0. */
nacre_status nacre_featurizer_radial(double cutoff, int n_eta, double eta_min,
                                     double eta_max, int nspecies,
                                     nacre_featurizer *out, nacre_error *err);
/* Behler-Parrinello G2 + G4 descriptors of the nn module (MAISE layout).
 * Spec forms:
 *   maise:rc=R      MAISE's 30-function basis (8 G2 + 22 G4, that of its
 *                   Cu-Ag examples) with its parameters scaled to cutoff R
 *                   (Å): η = n/s², s = R/11.338
 *   basis:PATH      a MAISE `basis` file
 *   model:PATH      the descriptors of a MAISE or nacre nn model file
 *   bp:rc=R;g2=η:rs,...;g4=η:ζ:λ,...   explicit (η in Å⁻², rs, R in Å);
 *                   the form saved in model files. */
/* Rebuilds a featurizer from its spec text. */
nacre_status nacre_featurizer_from_spec(const char *spec, int nspecies,
                                        nacre_featurizer *out,
                                        nacre_error *err);
void nacre_featurizer_free(nacre_featurizer *f);

/* ------------------------------------------------------------------ */
/* Multilayer perceptron (one per species)                                */
/* ------------------------------------------------------------------ */

typedef enum nacre_activation {
  NACRE_ACT_TANH = 0,
  NACRE_ACT_SIGMOID,
  NACRE_ACT_SOFTPLUS,
  NACRE_ACT_SILU
} nacre_activation;

#define NACRE_MLP_MAX_LAYERS 8

/* Architecture: sizes[0] inputs, sizes[1..nlayers-2] hidden, sizes[nlayers-1]
 * = 1 (linear output). Weight vector layout (MAISE order): all biases
 * layer by layer, then each weight matrix W_k [out][in] row-major. */
typedef struct nacre_mlp {
  int nlayers;
  int sizes[NACRE_MLP_MAX_LAYERS];
  nacre_activation act;
  int nweights;
  int bias_off[NACRE_MLP_MAX_LAYERS];   /* offset of b_k (k = 1..nlayers-1) */
  int weight_off[NACRE_MLP_MAX_LAYERS]; /* offset of W_k */
} nacre_mlp;

nacre_status nacre_mlp_init(nacre_mlp *m, int nlayers, const int *sizes,
                            nacre_activation act, nacre_error *err);
/* Scratch doubles needed by the evaluation routines below. */
int nacre_mlp_scratch_size(const nacre_mlp *m);
/* E = net(x) and dE/dx (dim sizes[0]); dedx may be NULL. */
double nacre_mlp_eval(const nacre_mlp *m, const double *w, const double *x,
                      double *dedx, double *scratch);
/* Accumulates into grad (nweights) the gradient with respect to w of
 *   alpha·E(x) + (∂E/∂x)·c        (c may be NULL: energy term only)
 * — the energy term and the force/stress term of the loss in one reverse
 * pass over the forward and tangent computations. */
void nacre_mlp_backward(const nacre_mlp *m, const double *w, const double *x,
                        double alpha, const double *c, double *grad,
                        double *scratch);
/* Glorot-uniform weights, zero biases, from the seeded stream. */
void nacre_mlp_randomize(const nacre_mlp *m, double *w, nacre_rng *rng);
const char *nacre_activation_name(nacre_activation a);
int nacre_activation_parse(const char *name, nacre_activation *out);

/* ------------------------------------------------------------------ */
/* The model being trained                                               */
/* ------------------------------------------------------------------ */

#define NACRE_TRAIN_MAX_SPECIES 8

typedef struct nacre_train_model {
  int nspecies;
  int species_z[NACRE_TRAIN_MAX_SPECIES];
  nacre_mlp mlp;          /* same architecture for every species */
  int dim;                /* = mlp.sizes[0] */
  double *gmin;           /* nspecies*dim: x = (G − gmin)·grange */
  double *grange;         /* nspecies*dim */
  double e_ref[NACRE_TRAIN_MAX_SPECIES]; /* eV per atom of each species */
  int nparams;            /* nspecies * mlp.nweights */
  double *w;              /* nparams, species-major */
  nacre_featurizer feat;  /* owned */
} nacre_train_model;

/* Allocates a model (weights zero, gmin 0, grange 1). Takes ownership of
 * *feat (zeroed on return). */
nacre_status nacre_train_model_new(nacre_train_model **out, int nspecies,
                                   const int *species_z, int nhidden,
                                   const int *hidden, nacre_activation act,
                                   nacre_featurizer *feat, nacre_error *err);
void nacre_train_model_free(nacre_train_model *m);
/* Index of element z in the model, or −1. */
int nacre_train_model_species(const nacre_train_model *m, int z);
/* Sets gmin/grange from the minimum and maximum of each component over the
 * centres of each species in the given features (range 1/(max−min); a
 * component that never varies gets range 1). */
void nacre_train_model_set_normalization(nacre_train_model *m,
                                         const nacre_features *const *f,
                                         const nacre_structure *const *s,
                                         int n);
/* Least-squares per-species reference energies from the energies (eV) and
 * compositions of the labelled samples (ridge 1e-8 to keep it defined). */
nacre_status nacre_train_model_fit_reference(nacre_train_model *m,
                                             const nacre_dataset *d,
                                             const int *idx, int n,
                                             nacre_error *err);
/* Writes / reads nacre's text model format (featurizer spec, architecture,
 * normalisation, reference energies, weights at 17 significant digits).
 * Write is atomic (temporary file then rename). */
nacre_status nacre_train_model_write(const nacre_train_model *m,
                                     const char *path, nacre_error *err);
nacre_status nacre_train_model_read(const char *path,
                                    nacre_train_model **out, nacre_error *err);

/* Energy (eV), forces (3N eV/Å, may be NULL) and stress (eV/Å^3, may be
 * NULL) of a structure from its features with weights w. */
nacre_status nacre_train_model_predict(const nacre_train_model *m,
                                       const double *w,
                                       const nacre_structure *s,
                                       const nacre_features *f, double *energy,
                                       double *forces, double stress[6],
                                       nacre_error *err);

/* ------------------------------------------------------------------ */
/* Loss                                                                  */
/* ------------------------------------------------------------------ */

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

/* Loss and (when grad != NULL) its gradient with respect to m->w-shaped
 * parameters w over the listed samples. OpenMP over structures; the
 * reduction is done in fixed blocks in a fixed order, so results do not
 * depend on the number of threads. */
nacre_status nacre_train_loss(const nacre_train_model *m, const double *w,
                              const nacre_dataset *d,
                              const nacre_features *const *f, const int *idx,
                              int n, const nacre_loss_weights *lw,
                              double *loss, double *grad, nacre_errors *errs,
                              nacre_error *err);

/* ------------------------------------------------------------------ */
/* Optimisers                                                            */
/* ------------------------------------------------------------------ */

/* Adam (Kingma & Ba, arXiv:1412.6980, algorithm 1). */
typedef struct nacre_adam {
  int n;
  double lr, beta1, beta2, eps;
  long t;
  double *m, *v;
} nacre_adam;

nacre_status nacre_adam_init(nacre_adam *a, int n, double lr,
                             nacre_error *err);
void nacre_adam_free(nacre_adam *a);
void nacre_adam_step(nacre_adam *a, double *x, const double *grad);

/* L-BFGS (Nocedal, Math. Comp. 35, 773 (1980)): two-loop recursion and a
 * backtracking line search with the Armijo condition (c1 = 1e-4). */
typedef nacre_status (*nacre_objective)(void *user, const double *x,
                                        double *f, double *grad,
                                        nacre_error *err);

typedef struct nacre_lbfgs {
  int n, m;        /* dimension, history length */
  int k, count;    /* next slot, pairs held */
  double *s, *y, *rho, *alpha; /* m*n, m*n, m, m */
  double *d, *xn, *gn;         /* direction, trial point, trial gradient */
  double f;        /* value at the current point */
  double *g;       /* gradient at the current point */
  int have_f;
} nacre_lbfgs;

nacre_status nacre_lbfgs_init(nacre_lbfgs *o, int n, int m, nacre_error *err);
void nacre_lbfgs_free(nacre_lbfgs *o);
/* One iteration: direction, line search, update of x (n) in place. Returns
 * NACRE_ERR_NOT_CONVERGED when no decrease could be found (a stationary
 * point to working precision). */
nacre_status nacre_lbfgs_step(nacre_lbfgs *o, double *x, nacre_objective fn,
                              void *user, nacre_error *err);

/* ------------------------------------------------------------------ */
/* Training driver                                                       */
/* ------------------------------------------------------------------ */

/* Features of every sample (OpenMP over structures); fs holds d->n
 * entries. Samples with elements outside the model fail with their
 * source named. */
nacre_status nacre_features_compute_all(const nacre_featurizer *feat,
                                        int nspecies, const int *species_z,
                                        const nacre_dataset *d,
                                        nacre_features *fs, nacre_error *err);

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
  int checkpoint_every;  /* epochs between checkpoints ... */
  double checkpoint_interval_s; /* ... and at least this much wall time
                                   (default 30 s; the last epoch and a stop
                                   are always written) */
  const unsigned char *trainable; /* NULL, or nparams flags: 0 = frozen */
} nacre_train_options;

void nacre_train_options_init(nacre_train_options *o);

typedef struct nacre_train_epoch {
  int epoch;
  double elapsed_s;      /* wall time since the start of this run */
  double lr;
  nacre_errors train, valid;
  int have_valid;
  int is_best;
  const double *weights; /* current weights (nparams), valid during the call */
} nacre_train_epoch;

/* Called after every epoch; returning non-zero stops training. */
typedef int (*nacre_train_progress)(void *user, const nacre_train_epoch *ep);

/* Trains m->w on the samples listed in `train`, tracking the validation
 * samples; m->w ends at the weights of the best validation loss (the last
 * ones without validation). When o->checkpoint names an existing
 * checkpoint of the same model shape, training resumes from it; the
 * checkpoint holds the weights, the best weights, and the Adam moments or
 * the L-BFGS history, so a resumed run takes exactly the steps an
 * uninterrupted one would. */
nacre_status nacre_train_run(nacre_train_model *m, const nacre_dataset *d,
                             const nacre_features *const *f, const int *train,
                             int ntrain, const int *valid, int nvalid,
                             const nacre_train_options *o,
                             nacre_train_progress cb, void *user,
                             const nacre_ctx *ctx, nacre_error *err);

/* ------------------------------------------------------------------ */
/* Committees and the whole fitting workflow                              */
/* ------------------------------------------------------------------ */

/* K models trained on the same data with different seeds. */
typedef struct nacre_committee {
  int k;
  nacre_train_model **models;
} nacre_committee;

void nacre_committee_free(nacre_committee *c);
/* One model is written as a committee of one. Atomic write. */
nacre_status nacre_committee_write(const nacre_committee *c, const char *path,
                                   nacre_error *err);
/* Reads a committee file or a single-model file. */
nacre_status nacre_committee_read(const char *path, nacre_committee **out,
                                  nacre_error *err);

/* Mean prediction of a committee and its spread: forces and stress are
 * means over members; energy_dev_per_atom is the standard deviation of the
 * members' energies divided by the atom count (eV/atom); force_dev_max is
 * the largest over atoms of sqrt(mean_k |F_k,i − F̄_i|²) (eV/Å, DeePMD-kit's
 * "max_devi_f"). forces/stress may be NULL. */
typedef struct nacre_committee_result {
  double energy;              /* eV */
  double energy_dev_per_atom; /* eV/atom */
  double force_dev_max;       /* eV/Å */
  double stress_dev_max;      /* eV/Å^3, largest component std. deviation */
} nacre_committee_result;

nacre_status nacre_committee_predict(const nacre_committee *c,
                                     const nacre_structure *s, double *forces,
                                     double stress[6],
                                     nacre_committee_result *res,
                                     nacre_error *err);

/* The model as an nn-module model (nacre_nn_model, JSON format through
 * nacre_nn_model_write; evaluated by the fast nn potential). Needs bp
 * descriptors and tanh hidden layers. */
struct nacre_nn_model;
nacre_status nacre_train_model_to_nn(const nacre_train_model *m,
                                     struct nacre_nn_model **out,
                                     nacre_error *err);
/* Writes the model in nacre's nn JSON format (nacre_nn_model_write). */
nacre_status nacre_train_model_write_nn(const nacre_train_model *m,
                                        const char *path, nacre_error *err);
/* Writes the model in MAISE's model file format (SPEC.md of the MAISE
 * reference data) with the basis in Å (B2A = scaling = 1). MAISE measures
 * inputs from 0: a non-zero input minimum is folded into the first-layer
 * biases and the reference energies into the output biases, so the file
 * gives the same energies. Note MAISE adds its short-range repulsion
 * (U = 100 eV below its per-element minimum distances) when it evaluates
 * the file. */
nacre_status nacre_train_model_write_maise(const nacre_train_model *m,
                                           const char *path, nacre_error *err);

/* A committee (or a single model) as a potential: energy, forces and
 * stress are the committee means. Takes ownership of c (also on failure).
 * Kind "committee"; files written by nacre_committee_write are recognised
 * by nacre_potential_load. */
struct nacre_potential;
nacre_status nacre_committee_potential_new(nacre_committee *c,
                                           struct nacre_potential **out,
                                           nacre_error *err);
/* The committee behind a potential of kind "committee" (NULL otherwise),
 * e.g. to ask nacre_committee_predict for deviations. */
const nacre_committee *nacre_committee_of_potential(
    const struct nacre_potential *p);

typedef struct nacre_fit_options {
  nacre_train_options train;
  int nhidden;
  int hidden[NACRE_MLP_MAX_LAYERS - 2];
  nacre_activation act;
  char descriptors[4096]; /* featurizer spec; "" = default for the species */
  double frac_train, frac_valid; /* the rest is the test set */
  uint64_t seed;         /* split, initial weights, batch order */
  int ensemble;          /* committee size K ≥ 1; member k uses seed + k */
  /* Stratified training (MAISE): start from models of subsets of the
   * species (e.g. the elements). Each network whose centre species is in
   * a `from` model takes that model's weights on the components they share
   * (the leading, same-species block of the descriptor); other input
   * weights start at zero. With freeze_from, only those new weights are
   * trained. */
  const nacre_train_model *const *from;
  int nfrom;
  int freeze_from;
} nacre_fit_options;

void nacre_fit_options_init(nacre_fit_options *o);

/* What the fit did: the split and the final errors of each member. */
typedef struct nacre_fit_report {
  int ntrain, nvalid, ntest;
  int *test_idx;           /* ntest sample indices (caller frees) */
  nacre_errors train, valid, test; /* committee member 0 */
  double seconds;          /* wall time of training */
  double features_seconds; /* wall time of descriptor computation */
  size_t features_bytes;   /* memory of the stored descriptors */
  int epochs;
} nacre_fit_report;

/* Reads nothing, prints nothing: splits d, computes descriptors once,
 * normalises, fits reference energies, and trains o->ensemble models one
 * after the other. The progress callback receives the member index and
 * each of its epochs; returning non-zero stops that member. With
 * o->train.checkpoint set and K > 1, member k checkpoints to PATH.k. */
typedef int (*nacre_fit_progress)(void *user, int member,
                                  const nacre_train_epoch *ep);
nacre_status nacre_fit(const nacre_dataset *d, const nacre_fit_options *o,
                       nacre_fit_progress cb, void *user, const nacre_ctx *ctx,
                       nacre_committee **out, nacre_fit_report *rep,
                       nacre_error *err);

/* Predictions of a committee for every sample of d (OpenMP over
 * structures): e_pred (d->n, eV), f_pred (3 × total atoms, eV/Å, samples
 * in order; may be NULL), s_pred (d->n × 6, eV/Å^3; may be NULL), res
 * (d->n; may be NULL) and the errors against the labels. */
nacre_status nacre_committee_evaluate(const nacre_committee *c,
                                      const nacre_dataset *d, double *e_pred,
                                      double *f_pred, double (*s_pred)[6],
                                      nacre_committee_result *res,
                                      nacre_errors *errs, nacre_error *err);

/* Same for any potential (MAISE or nn models, EAM, ...): predictions and
 * errors over every sample of d, one calculator per thread. */
nacre_status nacre_potential_evaluate(const struct nacre_potential *p,
                                      const nacre_dataset *d, double *e_pred,
                                      double *f_pred, double (*s_pred)[6],
                                      nacre_errors *errs, nacre_error *err);

/* The error figures of predictions laid out as the two functions above
 * fill them (f_pred and s_pred may be NULL), over the samples whose
 * nacre_sample_class is cls (NULL: the samples without a class), or over
 * every sample when all is set. */
void nacre_errors_compute(const nacre_dataset *d, const double *e_pred,
                          const double *f_pred, const double (*s_pred)[6],
                          int all, const char *cls, nacre_errors *errs);

/* Parity plot as SVG: one panel per series (predicted vs reference with
 * the diagonal), axis labels in the units given. */
typedef struct nacre_parity_series {
  const char *title;  /* "Energy" */
  const char *unit;   /* "eV/atom" */
  long n;
  const double *ref, *pred;
} nacre_parity_series;

nacre_status nacre_parity_svg(const char *path, const nacre_parity_series *s,
                              int nseries, nacre_error *err);

/* Default descriptor spec for a set of elements: MAISE's basis with cutoff
 * 4.5 × the mean covalent radius (Cordero 2008) rounded to 0.5 Å, within
 * [4, 8] Å — 7.5 Å for Na and 6.0 Å for Cu and Cu-Ag, the cutoffs of
 * MAISE's published models. */
void nacre_default_descriptors(int nspecies, const int *species_z, char *spec,
                               size_t len);

#ifdef __cplusplus
}
#endif
#endif
