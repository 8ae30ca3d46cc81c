/* nacre_driver.c — a KIM portable-model driver (KIM API 2) for nacre's
 * potentials: Behler–Parrinello networks in nacre's JSON format or MAISE's,
 * and committees of them. A portable model built on it (`nacre kim MODEL`)
 * has one parameter file, the model file, loaded with
 * nacre_potential_load; `pair_style kim` + `kim interactions` then run the
 * network in LAMMPS, serially or with MPI domain decomposition.
 *
 * What the simulator hands over and what comes back:
 *  - particles, contributing (atoms of this domain) and padding (ghosts and
 *    periodic images), with one full neighbour list per contributing
 *    particle of cutoff Rc, the network's cutoff (also the influence
 *    distance: a contributing atom's energy depends on particles within Rc);
 *  - partialEnergy E = Σ_{i contributing} E_i, partialParticleEnergy E_i
 *    (0 for padding), partialForces −∂E/∂x_k on every particle (padding
 *    included: the simulator adds them to the atoms they stand for), and
 *    partialVirial ∂E/∂ε = Σ_pairs r_ij ⊗ ∂E/∂r_ij (eV, Voigt xx yy zz yz xz
 *    xy; V·σ with nacre's and ASE's stress sign).
 * The evaluation is nacre_particle_calc_compute (nacre/pot.h). The model
 * works in Å and eV and converts to the units the simulator asks for.
 * Steps whose atoms leave the model's training domain are reported on
 * standard error (each MPI rank for its own atoms). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "KIM_ModelDriverHeaders.h"
#include "nacre/pot.h"

#define NACRE_KIM_MAX_SPECIES 16

typedef struct nacre_kim_model {
  nacre_potential *pot;
  nacre_particle_calc *calc;
  double length_factor;  /* simulator length unit per Å */
  double energy_factor;  /* simulator energy unit per eV */
  double cutoff;         /* influence distance and list cutoff, simulator units */
  int will_not_request_padding_lists;
  int nspecies;
  int z[NACRE_KIM_MAX_SPECIES]; /* species code k → atomic number */
  long warned_outside;  /* evaluations outside the training domain at the
                           last warning */
  /* Scratch reused between calls (grown, never shrunk). */
  size_t cap_particles, cap_entries;
  int *numbers;
  double *positions;   /* Å */
  double *forces;      /* eV/Å */
  double *energies;    /* eV */
  size_t *offsets;
  int *neighbors;
} nacre_kim_model;

#define LOG_CREATE(obj, msg)                                                   \
  KIM_ModelDriverCreate_LogEntry(obj, KIM_LOG_VERBOSITY_error, msg, __LINE__, \
                                 __FILE__)
#define LOG_COMPUTE(obj, msg)                                                  \
  KIM_ModelComputeArguments_LogEntry(obj, KIM_LOG_VERBOSITY_error, msg,       \
                                     __LINE__, __FILE__)

/* Never a silent extrapolation: one line on standard error (and in the KIM
 * log) when steps leave the model's training domain, again when ten times
 * as many have, and a summary when the model is destroyed. */
static void warn_outside(nacre_kim_model *m, int final) {
  nacre_domain_counts d;
  nacre_particle_calc_domain_counts(m->calc, &d);
  if (d.outside == 0 || (!final && d.outside < 10 * m->warned_outside + 1 &&
                         m->warned_outside > 0))
    return;
  if (!final) m->warned_outside = d.outside;
  char msg[1024];
  if (nacre_domain_counts_message(&d, "evaluations", msg, sizeof msg))
    fprintf(stderr, "nacre_driver: warning: %s\n", msg);
}

static void model_free(nacre_kim_model *m) {
  if (!m) return;
  nacre_particle_calc_free(m->calc);
  nacre_potential_free(m->pot);
  free(m->numbers);
  free(m->positions);
  free(m->forces);
  free(m->energies);
  free(m->offsets);
  free(m->neighbors);
  free(m);
}

static int grow_particles(nacre_kim_model *m, size_t n) {
  if (n <= m->cap_particles) return 0;
  size_t cap = n + n / 4 + 64;
  int *numbers = realloc(m->numbers, cap * sizeof(int));
  if (numbers) m->numbers = numbers;
  double *positions = realloc(m->positions, 3 * cap * sizeof(double));
  if (positions) m->positions = positions;
  double *forces = realloc(m->forces, 3 * cap * sizeof(double));
  if (forces) m->forces = forces;
  double *energies = realloc(m->energies, cap * sizeof(double));
  if (energies) m->energies = energies;
  size_t *offsets = realloc(m->offsets, (cap + 1) * sizeof(size_t));
  if (offsets) m->offsets = offsets;
  if (!numbers || !positions || !forces || !energies || !offsets) return 1;
  m->cap_particles = cap;
  return 0;
}

static int grow_entries(nacre_kim_model *m, size_t n) {
  if (n <= m->cap_entries) return 0;
  size_t cap = n + n / 4 + 256;
  int *neighbors = realloc(m->neighbors, cap * sizeof(int));
  if (!neighbors) return 1;
  m->neighbors = neighbors;
  m->cap_entries = cap;
  return 0;
}

/* ------------------------------------------------------------------ */
/* Compute                                                            */
/* ------------------------------------------------------------------ */

static int compute(KIM_ModelCompute const *const mc,
                   KIM_ModelComputeArguments const *const args) {
  nacre_kim_model *m = NULL;
  KIM_ModelCompute_GetModelBufferPointer(mc, (void **)&m);
  int *nparticles = NULL, *codes = NULL, *contributing = NULL;
  double *coords = NULL, *energy = NULL, *forces = NULL, *pe = NULL,
         *virial = NULL;
  if (KIM_ModelComputeArguments_GetArgumentPointerInteger(
          args, KIM_COMPUTE_ARGUMENT_NAME_numberOfParticles, &nparticles) ||
      KIM_ModelComputeArguments_GetArgumentPointerInteger(
          args, KIM_COMPUTE_ARGUMENT_NAME_particleSpeciesCodes, &codes) ||
      KIM_ModelComputeArguments_GetArgumentPointerInteger(
          args, KIM_COMPUTE_ARGUMENT_NAME_particleContributing,
          &contributing) ||
      KIM_ModelComputeArguments_GetArgumentPointerDouble(
          args, KIM_COMPUTE_ARGUMENT_NAME_coordinates, &coords) ||
      KIM_ModelComputeArguments_GetArgumentPointerDouble(
          args, KIM_COMPUTE_ARGUMENT_NAME_partialEnergy, &energy) ||
      KIM_ModelComputeArguments_GetArgumentPointerDouble(
          args, KIM_COMPUTE_ARGUMENT_NAME_partialForces, &forces) ||
      KIM_ModelComputeArguments_GetArgumentPointerDouble(
          args, KIM_COMPUTE_ARGUMENT_NAME_partialParticleEnergy, &pe) ||
      KIM_ModelComputeArguments_GetArgumentPointerDouble(
          args, KIM_COMPUTE_ARGUMENT_NAME_partialVirial, &virial)) {
    LOG_COMPUTE(args, "nacre: cannot get the compute arguments");
    return 1;
  }
  int n = *nparticles;
  if (n < 0 || grow_particles(m, (size_t)n)) {
    LOG_COMPUTE(args, "nacre: out of memory for the particles");
    return 1;
  }
  double to_a = 1.0 / m->length_factor;
  for (int i = 0; i < n; i++) {
    if (codes[i] < 0 || codes[i] >= m->nspecies) {
      LOG_COMPUTE(args, "nacre: unknown species code");
      return 1;
    }
    m->numbers[i] = m->z[codes[i]];
    for (int a = 0; a < 3; a++) m->positions[3 * i + a] = coords[3 * i + a] * to_a;
  }
  /* The simulator's full lists, as one array (only contributing particles
   * have one: padding particles' lists are never asked for). */
  size_t ne = 0;
  for (int i = 0; i < n; i++) {
    m->offsets[i] = ne;
    if (!contributing[i]) continue;
    int count = 0;
    int const *list = NULL;
    if (KIM_ModelComputeArguments_GetNeighborList(args, 0, i, &count, &list)) {
      LOG_COMPUTE(args, "nacre: cannot get a neighbour list");
      return 1;
    }
    if (grow_entries(m, ne + (size_t)count)) {
      LOG_COMPUTE(args, "nacre: out of memory for the neighbour lists");
      return 1;
    }
    memcpy(m->neighbors + ne, list, (size_t)count * sizeof(int));
    ne += (size_t)count;
  }
  m->offsets[n] = ne;

  nacre_particles pt = {.n = n,
                        .numbers = m->numbers,
                        .positions = m->positions,
                        .contributing = contributing,
                        .offsets = m->offsets,
                        .neighbors = m->neighbors};
  double e = 0.0, w[6];
  nacre_error err;
  nacre_error_clear(&err);
  if (nacre_particle_calc_compute(m->calc, &pt, &e, forces ? m->forces : NULL,
                                  pe ? m->energies : NULL, virial ? w : NULL,
                                  &err)) {
    LOG_COMPUTE(args, err.message);
    return 1;
  }
  warn_outside(m, 0);
  double ef = m->energy_factor, ff = m->energy_factor * to_a;
  if (energy) *energy = e * ef;
  if (pe)
    for (int i = 0; i < n; i++) pe[i] = contributing[i] ? m->energies[i] * ef : 0.0;
  if (forces)
    for (int k = 0; k < 3 * n; k++) forces[k] = m->forces[k] * ff;
  if (virial)
    for (int q = 0; q < 6; q++) virial[q] = w[q] * ef;
  return 0;
}

static int compute_arguments_create(
    KIM_ModelCompute const *const mc,
    KIM_ModelComputeArgumentsCreate *const create) {
  (void)mc;
  KIM_ComputeArgumentName optional[] = {
      KIM_COMPUTE_ARGUMENT_NAME_partialEnergy,
      KIM_COMPUTE_ARGUMENT_NAME_partialForces,
      KIM_COMPUTE_ARGUMENT_NAME_partialParticleEnergy,
      KIM_COMPUTE_ARGUMENT_NAME_partialVirial};
  for (size_t k = 0; k < sizeof optional / sizeof optional[0]; k++)
    if (KIM_ModelComputeArgumentsCreate_SetArgumentSupportStatus(
            create, optional[k], KIM_SUPPORT_STATUS_optional))
      return 1;
  return 0;
}

static int compute_arguments_destroy(
    KIM_ModelCompute const *const mc,
    KIM_ModelComputeArgumentsDestroy *const destroy) {
  (void)mc;
  (void)destroy;
  return 0;
}

static int destroy(KIM_ModelDestroy *const d) {
  nacre_kim_model *m = NULL;
  KIM_ModelDestroy_GetModelBufferPointer(d, (void **)&m);
  if (m && m->warned_outside) warn_outside(m, 1);
  model_free(m);
  return 0;
}

/* ------------------------------------------------------------------ */
/* Create                                                             */
/* ------------------------------------------------------------------ */

static int set_units(KIM_ModelDriverCreate *const c, nacre_kim_model *m,
                     KIM_LengthUnit length, KIM_EnergyUnit energy) {
  /* Factors from Å and eV to the requested units. */
  if (KIM_ModelDriverCreate_ConvertUnit(
          KIM_LENGTH_UNIT_A, KIM_ENERGY_UNIT_eV, KIM_CHARGE_UNIT_e,
          KIM_TEMPERATURE_UNIT_K, KIM_TIME_UNIT_ps, length, energy,
          KIM_CHARGE_UNIT_e, KIM_TEMPERATURE_UNIT_K, KIM_TIME_UNIT_ps, 1.0, 0.0,
          0.0, 0.0, 0.0, &m->length_factor) ||
      KIM_ModelDriverCreate_ConvertUnit(
          KIM_LENGTH_UNIT_A, KIM_ENERGY_UNIT_eV, KIM_CHARGE_UNIT_e,
          KIM_TEMPERATURE_UNIT_K, KIM_TIME_UNIT_ps, length, energy,
          KIM_CHARGE_UNIT_e, KIM_TEMPERATURE_UNIT_K, KIM_TIME_UNIT_ps, 0.0, 1.0,
          0.0, 0.0, 0.0, &m->energy_factor))
    return 1;
  return KIM_ModelDriverCreate_SetUnits(c, length, energy,
                                        KIM_CHARGE_UNIT_unused,
                                        KIM_TEMPERATURE_UNIT_unused,
                                        KIM_TIME_UNIT_unused);
}

static int set_species(KIM_ModelDriverCreate *const c, nacre_kim_model *m) {
  int ns = nacre_potential_nspecies(m->pot);
  const int *z = nacre_potential_species(m->pot);
  if (ns <= 0 || ns > NACRE_KIM_MAX_SPECIES) {
    LOG_CREATE(c, "nacre: the model must name its elements (1 to 16)");
    return 1;
  }
  m->nspecies = ns;
  for (int k = 0; k < ns; k++) {
    const nacre_element *e = nacre_element_by_z(z[k]);
    if (!e) {
      LOG_CREATE(c, "nacre: the model names an unknown element");
      return 1;
    }
    m->z[k] = z[k];
    if (KIM_ModelDriverCreate_SetSpeciesCode(
            c, KIM_SpeciesName_FromString(e->symbol), k))
      return 1;
  }
  return 0;
}

static int set_routines(KIM_ModelDriverCreate *const c) {
  return KIM_ModelDriverCreate_SetRoutinePointer(
             c, KIM_MODEL_ROUTINE_NAME_ComputeArgumentsCreate,
             KIM_LANGUAGE_NAME_c, 1, (KIM_Function *)compute_arguments_create) ||
         KIM_ModelDriverCreate_SetRoutinePointer(
             c, KIM_MODEL_ROUTINE_NAME_Compute, KIM_LANGUAGE_NAME_c, 1,
             (KIM_Function *)compute) ||
         KIM_ModelDriverCreate_SetRoutinePointer(
             c, KIM_MODEL_ROUTINE_NAME_ComputeArgumentsDestroy,
             KIM_LANGUAGE_NAME_c, 1, (KIM_Function *)compute_arguments_destroy) ||
         KIM_ModelDriverCreate_SetRoutinePointer(
             c, KIM_MODEL_ROUTINE_NAME_Destroy, KIM_LANGUAGE_NAME_c, 1,
             (KIM_Function *)destroy);
}

int nacre_kim_driver_create(KIM_ModelDriverCreate *const c,
                            KIM_LengthUnit const length,
                            KIM_EnergyUnit const energy,
                            KIM_ChargeUnit const charge,
                            KIM_TemperatureUnit const temperature,
                            KIM_TimeUnit const time);

int nacre_kim_driver_create(KIM_ModelDriverCreate *const c,
                            KIM_LengthUnit const length,
                            KIM_EnergyUnit const energy,
                            KIM_ChargeUnit const charge,
                            KIM_TemperatureUnit const temperature,
                            KIM_TimeUnit const time) {
  (void)charge;
  (void)temperature;
  (void)time;
  int nfiles = 0;
  KIM_ModelDriverCreate_GetNumberOfParameterFiles(c, &nfiles);
  if (nfiles < 1) {
    LOG_CREATE(c, "nacre: the portable model has no model file");
    return 1;
  }
  const char *dir = NULL, *base = NULL;
  KIM_ModelDriverCreate_GetParameterFileDirectoryName(c, &dir);
  if (KIM_ModelDriverCreate_GetParameterFileBasename(c, 0, &base)) {
    LOG_CREATE(c, "nacre: cannot get the model file's name");
    return 1;
  }
  char path[4096];
  if (snprintf(path, sizeof path, "%s/%s", dir, base) >= (int)sizeof path) {
    LOG_CREATE(c, "nacre: model file path too long");
    return 1;
  }
  nacre_kim_model *m = calloc(1, sizeof *m);
  if (!m) return 1;
  nacre_error err;
  nacre_error_clear(&err);
  if (nacre_potential_load(path, &m->pot, &err) ||
      !(m->calc = nacre_particle_calc_new(m->pot, &err))) {
    LOG_CREATE(c, err.message);
    model_free(m);
    return 1;
  }
  if (set_units(c, m, length, energy) || set_species(c, m) ||
      set_routines(c) ||
      KIM_ModelDriverCreate_SetModelNumbering(c, KIM_NUMBERING_zeroBased)) {
    LOG_CREATE(c, "nacre: setting up the model failed");
    model_free(m);
    return 1;
  }
  m->cutoff = nacre_potential_cutoff(m->pot) * m->length_factor;
  m->will_not_request_padding_lists = 1;
  KIM_ModelDriverCreate_SetInfluenceDistancePointer(c, &m->cutoff);
  KIM_ModelDriverCreate_SetNeighborListPointers(
      c, 1, &m->cutoff, &m->will_not_request_padding_lists);
  KIM_ModelDriverCreate_SetModelBufferPointer(c, m);
  return 0;
}
