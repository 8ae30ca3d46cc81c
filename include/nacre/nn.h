/* nacre/nn.h — Behler-Parrinello neural-network potentials: the descriptor
 * (radial G2 and angular G4 symmetry functions), the per-species network,
 * the model that ties them together, its file formats (nacre's JSON format,
 * MAISE model files read and written, the retired nacre-train text format
 * read), and the potential built from a model. This is the one network
 * implementation: evaluation and training (src/train) share it.
 *
 * The pieces are separate so a trainer can reuse them:
 *  - nacre_nn_descriptor_atom() gives the descriptor of one atom and, per
 *    neighbour, its derivative with respect to the neighbour vector r_ij;
 *  - nacre_nn_network_eval() / _weight_gradient() evaluate one network with
 *    any weight vector and give dE/dx (inputs) and the weight gradient of
 *    α·E + (∂E/∂x)·c (energy, force and stress terms of a loss);
 *  - the potential (nacre_nn_potential_new) is the fast, threaded path used
 *    for energies, forces and stress of whole structures.
 *
 * Per-atom energy (Behler & Parrinello, PRL 98, 146401 (2007)):
 *   E_i = e_ref[s_i] + NN_{s_i}(x_i),  x_i,l = (G_i,l − min_{s_i,l})·scale_{s_i,l}
 *   E   = Σ_i E_i + E_rep (optional short-range repulsion, see below).
 *
 * Symmetry functions (Behler, JCP 134, 074106 (2011), eqs. 5, 8, 25):
 *   fc(r)  = ½[cos(π r/Rc) + 1] for r < Rc, else 0
 *   G2     = Σ_j exp(−η (r_ij − Rs)²) fc(r_ij)
 *   G4     = 2^{1−ζ} Σ_{j≠k} (1 + λ cos θ_jik)^ζ
 *                    exp(−η (r_ij² + r_ik² + r_jk²)) fc(r_ij) fc(r_ik) fc(r_jk)
 * with the sum over ordered pairs of distinct neighbour entries (periodic
 * images count separately), j and k restricted to a species block.
 *
 * Descriptor layout (MAISE's, for any number of species S). Species are
 * relative to the centre: d = (s_nbr − s_centre) mod S. For d = 0 … S−1 the
 * vector holds, in order: G2(d), then G4(0,d), then (if d > 0) G4(d,d),
 * G4(1,d), …, G4(d−1,d). So one species: [G2 0][G4 00]; two species:
 * [G2 0][G4 00][G2 1][G4 01][G4 11]; dim = S·ng2 + S(S+1)/2·ng4. Within a
 * block the functions follow the order of the g2/g4 arrays.
 *
 * Units: Å, eV; η in Å⁻², Rs and Rc in Å. */
#ifndef NACRE_NN_H
#define NACRE_NN_H

#include "nacre/pot.h"

#ifdef __cplusplus
extern "C" {
#endif

#define NACRE_NN_MAX_SPECIES 8
#define NACRE_NN_MAX_LAYERS 16
/* Version of nacre's JSON model format written by nacre_nn_model_write
 * (version 1 files are read too). */
#define NACRE_NN_FORMAT_VERSION 2

/* ------------------------------------------------------------------ */
/* Descriptor                                                         */
/* ------------------------------------------------------------------ */

typedef struct nacre_nn_g2 {
  double eta; /* Å⁻² */
  double rs;  /* Å */
} nacre_nn_g2;

typedef struct nacre_nn_g4 {
  double eta;    /* Å⁻² */
  double zeta;   /* ≥ 1; integer values use exact repeated products */
  double lambda; /* −1 or +1 */
} nacre_nn_g4;

typedef struct nacre_nn_descriptor {
  int nspecies;   /* S: species of the model, the index is a model species */
  double cutoff;  /* Rc, Å, shared by every function and species pair */
  int ng2, ng4;   /* functions per block */
  nacre_nn_g2 *g2;
  nacre_nn_g4 *g4;
  int dim;        /* length of one atom's descriptor */
  /* Derived by nacre_nn_descriptor_init (do not set by hand): */
  int g2_offset[NACRE_NN_MAX_SPECIES];                       /* by d */
  int g4_offset[NACRE_NN_MAX_SPECIES][NACRE_NN_MAX_SPECIES]; /* by (d1,d2) */
  int neta4, nzl;      /* distinct G4 η values and (ζ, λ) pairs */
  double *eta4;        /* neta4 */
  double *zl_zeta, *zl_lambda; /* nzl */
  int *g4_eta, *g4_zl; /* ng4: indices into eta4 and the (ζ, λ) list */
} nacre_nn_descriptor;

/* Takes cutoff, ng2/g2, ng4/g4 and nspecies as set, validates them, and
 * fills the derived fields. The arrays g2/g4 are owned by the descriptor
 * afterwards (freed by nacre_nn_descriptor_free). */
nacre_status nacre_nn_descriptor_init(nacre_nn_descriptor *d, nacre_error *err);
void nacre_nn_descriptor_free(nacre_nn_descriptor *d);
nacre_status nacre_nn_descriptor_copy(const nacre_nn_descriptor *src,
                                      nacre_nn_descriptor *dst,
                                      nacre_error *err);

/* Descriptor of one atom of model species `centre` from its n neighbours:
 * rij[3*n] are the vectors r_j − r_i (Å; entries with |r| ≥ Rc or r = 0 are
 * ignored), species[n] their model species. G[dim] receives the descriptor.
 * dG (may be NULL) receives dG_l/d(r_ij)_a at dG[(j*dim + l)*3 + a], so
 * dG_l/dx_i = −Σ_j dG[j,l,:] and dG_l/dx_j = dG[j,l,:] (for distinct j).
 * A plain reference implementation meant for training and tests; the
 * potential uses a fused path. */
void nacre_nn_descriptor_atom(const nacre_nn_descriptor *d, int centre, int n,
                              const double *rij, const int *species, double *G,
                              double *dG);

/* ------------------------------------------------------------------ */
/* Network                                                            */
/* ------------------------------------------------------------------ */

typedef enum nacre_nn_activation {
  NACRE_NN_LINEAR = 0,
  NACRE_NN_TANH = 1,
  NACRE_NN_SIGMOID = 2,  /* 1/(1 + e^−a) */
  NACRE_NN_SOFTPLUS = 3, /* ln(1 + e^a) */
  NACRE_NN_SILU = 4      /* a/(1 + e^−a) */
} nacre_nn_activation;

/* "linear", "tanh", "sigmoid", "softplus", "silu"; parse returns 0 when
 * the name is one of them. */
const char *nacre_nn_activation_name(nacre_nn_activation a);
int nacre_nn_activation_parse(const char *name, nacre_nn_activation *out);

/* A fully connected feed-forward network with one output (the atomic
 * energy, eV). Layer l (0 = input) has size[l] nodes; layer l+1 computes
 *   h_{l+1} = act[l](W_l h_l + b_l).
 * Weights of the whole network are one flat vector (for a trainer: the
 * gradient has the same layout): for l = 0 … nlayers−2, W_l row-major
 * [size[l+1]][size[l]] at woffset[l], then b_l [size[l+1]]. */
typedef struct nacre_nn_network {
  int nlayers; /* including input and output */
  int size[NACRE_NN_MAX_LAYERS];
  nacre_nn_activation act[NACRE_NN_MAX_LAYERS]; /* act[l]: into layer l+1 */
  size_t woffset[NACRE_NN_MAX_LAYERS];
  size_t nweights;
  double *weights;
} nacre_nn_network;

/* Sets woffset/nweights from nlayers and size, allocates zero weights. */
nacre_status nacre_nn_network_init(nacre_nn_network *net, nacre_error *err);
void nacre_nn_network_free(nacre_nn_network *net);
/* Doubles of work space that forward/backward need. */
size_t nacre_nn_network_work_size(const nacre_nn_network *net);
/* Output for input x[size[0]]; work keeps the layer values for backward. */
double nacre_nn_network_forward(const nacre_nn_network *net, const double *x,
                                double *work);
/* After forward with the same x and work: dE/dx into dx (may be NULL) and
 * dE/dw ADDED, times `scale`, into dw[nweights] (may be NULL). Needs another
 * nacre_nn_network_work_size() doubles in work2. */
void nacre_nn_network_backward(const nacre_nn_network *net, const double *x,
                               const double *work, double *work2, double *dx,
                               double *dw, double scale);

/* Training: the same network with any weight vector w (layout of
 * `weights`). nacre_nn_network_scratch_size() doubles of scratch. */
size_t nacre_nn_network_scratch_size(const nacre_nn_network *net);
/* E = NN(x) and dE/dx into dedx (may be NULL). */
double nacre_nn_network_eval(const nacre_nn_network *net, const double *w,
                             const double *x, double *dedx, double *scratch);
/* Adds to grad (nweights) the gradient with respect to w of
 *   α·E(x) + (∂E/∂x)·c        (c may be NULL: the energy term only),
 * the energy term and the force/stress term of a loss in one reverse pass
 * over the forward and tangent computations. */
void nacre_nn_network_weight_gradient(const nacre_nn_network *net,
                                      const double *w, const double *x,
                                      double alpha, const double *c,
                                      double *grad, double *scratch);
/* Glorot-uniform weight matrices (Glorot & Bengio 2010), zero biases,
 * drawn from rng layer by layer. */
void nacre_nn_network_randomize(const nacre_nn_network *net, double *w,
                                nacre_rng *rng);

/* ------------------------------------------------------------------ */
/* Model                                                              */
/* ------------------------------------------------------------------ */

typedef struct nacre_nn_provenance {
  char model_id[64];
  char source[256];     /* "MAISE model file nn_Na_d3_v0", "nacre train" */
  char code[64];        /* program and version that trained it */
  char trained_on[64];  /* date */
  char dataset[256];    /* description of the data set */
  long train_energies, test_energies, train_forces, test_forces;
  double train_energy_rmse, test_energy_rmse; /* eV/atom, <0 unknown */
  double train_force_rmse, test_force_rmse;   /* eV/Å, <0 unknown */
} nacre_nn_provenance;

/* The data a model was fitted to, so that evaluations outside it can be
 * flagged: the range of every descriptor component over the training
 * atoms of each centre species and, when known, the range of the volume
 * per atom and of the pressure of the training structures. A structure
 * is outside when one of its atoms has a component beyond the range by
 * more than NACRE_NN_DOMAIN_MARGIN of the range's width, or two atoms are
 * closer than (1 − NACRE_NN_DOMAIN_DISTANCE_TOLERANCE) × the shortest
 * distance between atoms of their species in the data, or its volume per
 * atom is beyond its range by NACRE_NN_DOMAIN_MARGIN of the range's width.
 * The pressure range of the labels is recorded for information only: a
 * model's own pressure says more about the model than about the
 * structure. */
#define NACRE_NN_DOMAIN_MARGIN 0.05
#define NACRE_NN_DOMAIN_DISTANCE_TOLERANCE 0.02

typedef enum nacre_nn_domain_source {
  NACRE_NN_DOMAIN_NONE = 0,      /* unknown: nothing is checked */
  NACRE_NN_DOMAIN_DATA,          /* measured on the training data */
  NACRE_NN_DOMAIN_MAISE,         /* MAISE's "input component range" */
  NACRE_NN_DOMAIN_NORMALIZATION  /* estimated from the input normalisation
                                    (files that did not record it) */
} nacre_nn_domain_source;

typedef struct nacre_nn_domain {
  nacre_nn_domain_source source;
  double *g_min, *g_max;  /* nspecies*dim, [s*dim + l]; NULL when unknown */
  long atoms[NACRE_NN_MAX_SPECIES]; /* training atoms per species, −1 unknown */
  /* Å: the shortest distance between atoms of species s and t in the data
   * (MAISE files: the range of MAISE's repulsion, R_s + R_t, below which
   * MAISE declares a pair unphysical); 0 when unknown */
  double pair_min[NACRE_NN_MAX_SPECIES][NACRE_NN_MAX_SPECIES];
  double volume_min, volume_max;    /* Å^3/atom; NAN when unknown */
  double pressure_min_gpa, pressure_max_gpa; /* NAN when unknown */
} nacre_nn_domain;

typedef struct nacre_nn_model {
  int nspecies;
  int z[NACRE_NN_MAX_SPECIES];             /* atomic numbers, model order */
  double ref_energy[NACRE_NN_MAX_SPECIES]; /* eV per atom, added to E_i */
  nacre_nn_descriptor desc;
  /* x = (G − input_min)·input_scale, per centre species: [s*dim + l] */
  double *input_min, *input_scale;
  nacre_nn_network net[NACRE_NN_MAX_SPECIES];
  /* MAISE's short-range repulsion (UREP): for every neighbour entry with
   * r < R = radius[s_i] + radius[s_j],  E_i += U fc_R(r) R / r. */
  int repulsion;                                 /* 0 off, 1 on */
  double repulsion_u;                            /* U, eV */
  double repulsion_radius[NACRE_NN_MAX_SPECIES]; /* Å */
  /* A baseline under the networks: a potential SPEC ("zbl:r_inner=1.1,
   * r_outer=1.7") whose energy, forces and stress are added to theirs
   * (the potential is then the sum, nacre_sum_new); training fits the
   * labels minus the baseline. "" = none. */
  char baseline[256];
  nacre_nn_domain domain;
  nacre_nn_provenance prov;
} nacre_nn_model;

/* Zeroed, repulsion off, domain unknown. */
nacre_nn_model *nacre_nn_model_new(void);
void nacre_nn_model_free(nacre_nn_model *m);
nacre_nn_model *nacre_nn_model_copy(const nacre_nn_model *m, nacre_error *err);
/* Checks sizes agree (dim, network input sizes, one output). */
nacre_status nacre_nn_model_check(const nacre_nn_model *m, nacre_error *err);
/* Model species index of atomic number z, or −1. */
int nacre_nn_model_species(const nacre_nn_model *m, int z);

/* Allocates input_min (zero) and input_scale (one) for nspecies × dim,
 * freeing any earlier ones; desc must be initialised. */
nacre_status nacre_nn_model_alloc_inputs(nacre_nn_model *m, nacre_error *err);
/* The weights of all species as one vector (species in model order, each
 * network's layout): its length, a copy out, and a copy in. */
size_t nacre_nn_model_nparams(const nacre_nn_model *m);
void nacre_nn_model_get_params(const nacre_nn_model *m, double *w);
void nacre_nn_model_set_params(nacre_nn_model *m, const double *w);
/* Offset of species s's network in that vector. */
size_t nacre_nn_model_param_offset(const nacre_nn_model *m, int s);

/* Domain: allocates g_min/g_max (nspecies × dim) set to +inf/−inf, atom
 * counts 0, volume and pressure ranges unknown; source DATA. */
nacre_status nacre_nn_domain_alloc(nacre_nn_model *m, nacre_error *err);
void nacre_nn_domain_free(nacre_nn_domain *d);
/* An estimate from the normalisation (min, min + 1/scale) for files that
 * did not record the domain; source NORMALIZATION. */
nacre_status nacre_nn_domain_from_normalization(nacre_nn_model *m,
                                                nacre_error *err);
/* Components of descriptor G (dim) of an atom of species s outside the
 * domain, and (when excess is not NULL) the largest distance outside in
 * units of the component's width (0 when inside). 0 when unknown. */
int nacre_nn_domain_atom_outside(const nacre_nn_model *m, int s,
                                 const double *G, double *excess);

/* MAISE's short-range minimum distances (Å) by atomic number, used for the
 * repulsion term of MAISE models (MAISE src/util.c `mindist`). */
double nacre_nn_maise_mindist(int z);
/* Switches MAISE's repulsion on as MAISE evaluates every model file:
 * U = 100 eV and its per-element distances. */
void nacre_nn_model_set_maise_repulsion(nacre_nn_model *m);

/* Reads a MAISE model file (see ../shared/data/maise/SPEC.md). The
 * repulsion is switched on with U = 100 eV, as MAISE does by default; the
 * domain comes from the file's input component range. */
nacre_status nacre_nn_model_read_maise(const char *path, nacre_nn_model **out,
                                       nacre_error *err);
/* NACRE_OK when m can be written as a MAISE model file that MAISE (and
 * nacre) evaluate to exactly m's energies: two hidden tanh layers and a
 * linear output for every species with one architecture, one shared basis
 * of at most 512 functions, MAISE's repulsion switched on (MAISE always
 * adds it). Otherwise NACRE_ERR_UNSUPPORTED saying what differs. */
nacre_status nacre_nn_model_maise_compatible(const nacre_nn_model *m,
                                             nacre_error *err);
/* Writes MAISE's model file format with the basis in Å (B2A = scaling =
 * 1). MAISE measures inputs from 0: a non-zero input minimum is folded
 * into the first-layer biases and the reference energies into the output
 * biases, so the file gives the same energies. Atomic write. */
nacre_status nacre_nn_model_write_maise(const nacre_nn_model *m,
                                        const char *path, nacre_error *err);
/* Reads a MAISE descriptor `basis` file (the block that starts at the
 * "B2A Scaling" line) for a model of nspecies species. */
nacre_status nacre_nn_descriptor_read_maise_basis(const char *path,
                                                 int nspecies,
                                                 nacre_nn_descriptor *d,
                                                 nacre_error *err);
/* MAISE's 30-function basis (8 G2 + 22 G4: that of its Cu-Ag examples)
 * scaled to cutoff rc (Å): η = n/s², s = rc/11.338. */
nacre_status nacre_nn_descriptor_maise_default(double rc, int nspecies,
                                               nacre_nn_descriptor *d,
                                               nacre_error *err);
/* Reads nacre's JSON model format (doc/nn-format.md). */
nacre_status nacre_nn_model_read_json(const char *path, nacre_nn_model **out,
                                      nacre_error *err);
/* Detects the format (JSON, MAISE, or the retired nacre-train text format)
 * and reads one model. A committee file is refused (see
 * nacre_nn_models_read). */
nacre_status nacre_nn_model_read(const char *path, nacre_nn_model **out,
                                 nacre_error *err);
/* Reads every network model of a file: one for a model file, K for a
 * committee file of network models (nacre JSON committee, or the retired
 * nacre-train-committee text format). *models is malloc'd; free each with
 * nacre_nn_model_free, then the array. */
nacre_status nacre_nn_models_read(const char *path, nacre_nn_model ***models,
                                  int *k, nacre_error *err);
/* Writes nacre's JSON format (doubles with 17 significant digits, so a
 * model round-trips exactly); written to path.tmp then renamed. */
nacre_status nacre_nn_model_write(const nacre_nn_model *m, const char *path,
                                  nacre_error *err);
/* A committee file ("nacre-committee", doc/nn-format.md) whose members are
 * the K models, embedded. nacre_potential_load makes it a committee
 * potential; nacre_nn_committee_read gives the models back. */
nacre_status nacre_nn_committee_write(const nacre_nn_model *const *models,
                                      int k, const char *path,
                                      nacre_error *err);
nacre_status nacre_nn_committee_read(const char *path, nacre_nn_model ***models,
                                     int *k, nacre_error *err);
/* A descriptor set named by text (nacre train --descriptors):
 *   maise:rc=R      MAISE's 30-function basis scaled to cutoff R (Å)
 *   radial:rc=R,n=N,eta_min=A,eta_max=B
 *                   N radial functions G2 (Rs = 0), η from A to B (Å⁻²)
 *                   spaced geometrically
 *   basis:PATH      a MAISE `basis` file
 *   model:PATH      the descriptors of a model file
 *   bp:rc=R;g2=η:rs,...;g4=η:ζ:λ,...   every function given (the form of
 *                   the retired nacre-train text format)
 * d is initialised for nspecies species. */
nacre_status nacre_nn_descriptor_from_spec(const char *spec, int nspecies,
                                           nacre_nn_descriptor *d,
                                           nacre_error *err);
/* 1 if the first bytes look like a MAISE model / a nacre JSON model / a
 * file of the retired nacre-train text format ("nacre-train-model 1" or
 * "nacre-train-committee K"). */
int nacre_nn_probe_maise(const char *head, size_t len);
int nacre_nn_probe_json(const char *head, size_t len);
int nacre_nn_probe_legacy(const char *head, size_t len);

/* ------------------------------------------------------------------ */
/* Potential                                                          */
/* ------------------------------------------------------------------ */

/* Wraps a model (ownership passes to the potential, also on failure). The
 * potential's cutoff is Rc (or the largest repulsion range if larger).
 * A model with a baseline gives the sum of the network potential and the
 * baseline's (kind "sum", the network its first term). */
nacre_status nacre_nn_potential_new(nacre_nn_model *m, nacre_potential **out,
                                    nacre_error *err);
/* Reads any model file (nacre JSON, MAISE, or the retired nacre-train text
 * format, whose potential carries a deprecation note) into a potential;
 * a committee file gives a committee potential. */
nacre_status nacre_nn_potential_load(const char *path, nacre_potential **out,
                                     nacre_error *err);
/* MAISE's repulsion term alone of m on s: its energy (eV), forces
 * (3N eV/Å, may be NULL) and stress (eV/Å^3, may be NULL), all zero when
 * m's repulsion is off. Training subtracts it from the labels. */
nacre_status nacre_nn_repulsion(const nacre_nn_model *m,
                                const nacre_structure *s, double *energy,
                                double *forces, double stress[6],
                                nacre_error *err);
/* The model behind a potential of kind "nn" (NULL for other kinds). */
const nacre_nn_model *nacre_nn_potential_model(const nacre_potential *p);

/* Loader-table entries for nacre_potential_load. */
extern const nacre_potential_loader nacre_nn_maise_loader;
extern const nacre_potential_loader nacre_nn_json_loader;
extern const nacre_potential_loader nacre_nn_legacy_loader;

#ifdef __cplusplus
}
#endif
#endif
