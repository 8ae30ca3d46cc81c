/* fit_internal.h — the insides of network training, shared by the files of
 * src/train and by the tests (not part of the public API): descriptor
 * features stored sparsely, the model set-up, predictions from features,
 * the loss and its gradient, the optimisers and the epoch loop. The model
 * trained is the one network model of pot (nacre_nn_model); its weights
 * are one parameter vector (nacre_nn_model_get_params). */
#ifndef NACRE_TRAIN_FIT_INTERNAL_H
#define NACRE_TRAIN_FIT_INTERNAL_H

#include "nacre/nn.h"
#include "nacre/train.h"

/* ------------------------------------------------------------------ */
/* Features                                                           */
/* ------------------------------------------------------------------ */

/* Features of one structure: descriptors G (natoms × dim) and their
 * derivatives kept per (centre i, neighbour atom j) pair (periodic images
 * of j merged; j = i included): dG_i/dr_j, layout [entry][xyz][dim]; and per
 * centre the symmetrised strain derivative V_i = Σ_images sym(r ⊗ dG_i/dr)
 * (dim × 6, Voigt), so that the stress is σ = (1/V) Σ_i (∂E_i/∂G_i)·V_i.
 * For a model with MAISE's repulsion, its (weight-free) energy, forces and
 * stress are kept too. */
typedef struct train_features {
  int natoms, dim;
  double *g;        /* natoms*dim */
  size_t *offsets;  /* natoms+1: entries of centre i */
  int *nbr;         /* atom j of each entry */
  float *dg;        /* nentries*3*dim, ∂G_i/∂r_j (units of G per Å) */
  float *vir;       /* natoms*6*dim, layout [i][voigt][dim] */
  size_t nentries;
  int has_rep;
  double rep_energy;      /* eV */
  double *rep_forces;     /* 3*natoms eV/Å */
  double rep_stress[6];   /* eV/Å^3 */
} train_features;

void train_features_free(train_features *f); /* frees members, zeroes */
size_t train_features_bytes(const train_features *f);
/* Features of s for model m (its descriptor, species and repulsion). */
nacre_status train_features_compute(const nacre_nn_model *m,
                                    const nacre_structure *s,
                                    train_features *out, nacre_error *err);
/* Every sample of d (OpenMP over structures); fs holds d->n entries.
 * Samples with elements outside the model fail with their source named. */
nacre_status train_features_compute_all(const nacre_nn_model *m,
                                        const nacre_dataset *d,
                                        train_features *fs, nacre_error *err);

/* ------------------------------------------------------------------ */
/* Model set-up                                                       */
/* ------------------------------------------------------------------ */

/* A model of these species with descriptor *desc (taken over and zeroed),
 * the same network for every species: desc->dim inputs, nhidden hidden
 * layers of act, a linear output; weights zero, input min 0, scale 1. */
nacre_status train_model_new(int nspecies, const int *species_z,
                             nacre_nn_descriptor *desc, int nhidden,
                             const int *hidden, nacre_nn_activation act,
                             nacre_nn_model **out, nacre_error *err);
/* Input normalisation from the minimum and maximum of each component over
 * the centres of each species in the given features (scale 1/(max−min);
 * a component that never varies gets scale 1). */
void train_model_set_normalization(nacre_nn_model *m,
                                   const train_features *const *f,
                                   const nacre_structure *const *s, int n);
/* The training domain (nacre/nn.h) of the listed samples: descriptor
 * ranges per species, volume per atom and (from labelled stress) pressure
 * ranges. */
nacre_status train_model_measure_domain(nacre_nn_model *m,
                                        const nacre_dataset *d,
                                        const train_features *const *f,
                                        const int *idx, int n,
                                        nacre_error *err);
/* Least-squares per-species reference energies from the energies (eV)
 * and compositions of the labelled samples (ridge 1e-8 to keep it
 * defined); the repulsion energy is taken off first. */
nacre_status train_model_fit_reference(nacre_nn_model *m,
                                       const nacre_dataset *d,
                                       const train_features *const *f,
                                       const int *idx, int n,
                                       nacre_error *err);
/* Glorot-uniform weights for every species in turn (w: nparams). */
void train_model_randomize(const nacre_nn_model *m, double *w, nacre_rng *rng);

/* ------------------------------------------------------------------ */
/* Predictions from features                                          */
/* ------------------------------------------------------------------ */

/* Per-structure working memory of the forward pass and the loss. */
typedef struct train_scratch {
  int natoms;
  size_t off[NACRE_NN_MAX_SPECIES]; /* parameter offset of each species */
  int *spc;       /* species index of each atom */
  double *x;      /* natoms*dim normalised inputs */
  double *dedg;   /* natoms*dim ∂E_i/∂G_i */
  double *c;      /* dim: direction for the force/stress term */
  double *forces; /* 3*natoms */
  double *u;      /* 3*natoms: ∂L/∂F */
  double *net;    /* network scratch (nacre_nn_network_scratch_size) */
} train_scratch;

nacre_status train_scratch_init(train_scratch *ws, const nacre_nn_model *m,
                                int natoms, nacre_error *err);
void train_scratch_free(train_scratch *ws);
/* Energy, forces (may be NULL), stress (may be NULL) of a structure from
 * its features with parameters w; fills ws->x, ws->dedg (∂E_i/∂G_i) and
 * ws->spc. */
nacre_status train_forward(const nacre_nn_model *m, const double *w,
                           const nacre_structure *s, const train_features *f,
                           train_scratch *ws, double *energy, double *forces,
                           double stress[6], nacre_error *err);
/* The same with its own scratch; w NULL: the model's weights. */
nacre_status train_predict(const nacre_nn_model *m, const double *w,
                           const nacre_structure *s, const train_features *f,
                           double *energy, double *forces, double stress[6],
                           nacre_error *err);

/* ------------------------------------------------------------------ */
/* Loss                                                               */
/* ------------------------------------------------------------------ */

/* Loss (nacre_loss_weights) and, when grad != NULL, its gradient with
 * respect to the parameters w (nparams) over the listed samples (idx NULL:
 * the first n). OpenMP over structures; the reduction is done in fixed
 * blocks in a fixed order, so results do not depend on the number of
 * threads. */
nacre_status train_loss(const nacre_nn_model *m, const double *w,
                        const nacre_dataset *d, const train_features *const *f,
                        const int *idx, int n, const nacre_loss_weights *lw,
                        double *loss, double *grad, nacre_errors *errs,
                        nacre_error *err);

/* ------------------------------------------------------------------ */
/* Optimisers                                                         */
/* ------------------------------------------------------------------ */

/* Adam (Kingma & Ba, arXiv:1412.6980, algorithm 1). */
typedef struct train_adam {
  int n;
  double lr, beta1, beta2, eps;
  long t;
  double *m, *v;
} train_adam;

nacre_status train_adam_init(train_adam *a, int n, double lr, nacre_error *err);
void train_adam_free(train_adam *a);
void train_adam_step(train_adam *a, double *x, const double *grad);

/* L-BFGS (Nocedal, Math. Comp. 35, 773 (1980)): the two-loop recursion of
 * core (nacre_lbfgs_direction) and a backtracking line search with the
 * Armijo condition (c1 = 1e-4). */
typedef nacre_status (*train_objective)(void *user, const double *x, double *f,
                                        double *grad, nacre_error *err);

typedef struct train_lbfgs {
  int n, m;        /* dimension, history length */
  int k, count;    /* next slot, pairs held */
  double *s, *y, *rho, *alpha; /* m*n, m*n, m, m */
  double **sv, **yv;           /* the m rows of s and y */
  double *d, *xn, *gn;         /* direction, trial point, trial gradient */
  double f;        /* value at the current point */
  double *g;       /* gradient at the current point */
  int have_f;
} train_lbfgs;

nacre_status train_lbfgs_init(train_lbfgs *o, int n, int m, nacre_error *err);
void train_lbfgs_free(train_lbfgs *o);
/* One iteration: direction, line search, update of x (n) in place. Returns
 * NACRE_ERR_NOT_CONVERGED when no decrease could be found (a stationary
 * point to working precision). */
nacre_status train_lbfgs_step(train_lbfgs *o, double *x, train_objective fn,
                              void *user, nacre_error *err);

/* ------------------------------------------------------------------ */
/* The epoch loop                                                     */
/* ------------------------------------------------------------------ */

/* What a checkpoint must have been written for: hashes of the data and of
 * the settings that change the trajectory (nacre_fit computes them). */
typedef struct train_identity {
  uint64_t data, settings;
} train_identity;

/* Samples of one data set with their features: all of d's (idx NULL)
 * or the n listed. */
typedef struct train_set {
  const nacre_dataset *d;
  const train_features *const *f; /* d->n entries */
  const int *idx;
  int n;
} train_set;

/* Trains m's weights on `train`, tracking `valid` (may be NULL or empty);
 * m ends at the weights of the best validation loss (the last ones
 * without validation). trainable (NULL or nparams flags, 0 = frozen).
 * When o->checkpoint names an existing checkpoint it is resumed, after
 * checking that it was written for the same identity (id may be NULL: not
 * checked); the checkpoint holds the weights, the best weights, and the
 * Adam moments or the L-BFGS history, so a resumed run takes exactly the
 * steps an uninterrupted one would. */
nacre_status train_run(nacre_nn_model *m, const train_set *train,
                       const train_set *valid, const nacre_train_options *o,
                       const unsigned char *trainable,
                       const train_identity *id, nacre_train_progress cb,
                       void *user, const nacre_ctx *ctx, nacre_error *err);

#endif
