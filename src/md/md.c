/* md.c — a molecular-dynamics run: set-up (masses, degrees of freedom,
 * starting velocities, checks), the time step of nacre/md.h, thermodynamic
 * quantities and the guards that end an exploding run. Thermostats live in
 * thermostat.c, barostats in barostat.c, statistics in stats.c, restarts in
 * state.c. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "md_internal.h"

/* ---------------------------------------------------------------- */
/* Names and options                                                  */
/* ---------------------------------------------------------------- */

const char *nacre_md_outcome_name(nacre_md_outcome o) {
  switch (o) {
  case NACRE_MD_COMPLETED: return "completed";
  case NACRE_MD_EXPLODED: return "exploded";
  case NACRE_MD_COLLAPSED: return "collapsed";
  case NACRE_MD_STOPPED: return "stopped";
  case NACRE_MD_INTERRUPTED: return "interrupted";
  }
  return "unknown";
}

static const md_thermostat_ops *const thermostats[] = {
    [NACRE_MD_THERMOSTAT_NONE] = &md_thermostat_none,
    [NACRE_MD_BUSSI] = &md_thermostat_bussi,
    [NACRE_MD_LANGEVIN] = &md_thermostat_langevin,
    [NACRE_MD_NOSE_HOOVER] = &md_thermostat_nose_hoover};

static const md_barostat_ops *const barostats[] = {
    [NACRE_MD_BAROSTAT_NONE] = NULL,
    [NACRE_MD_CRESCALE_ISO] = &md_barostat_iso,
    [NACRE_MD_CRESCALE_ANISO] = &md_barostat_aniso,
    [NACRE_MD_PISTON_ISO] = &md_barostat_piston_iso,
    [NACRE_MD_PISTON_Z] = &md_barostat_piston_z};

const char *nacre_md_thermostat_name(nacre_md_thermostat t) {
  return (unsigned)t <= NACRE_MD_NOSE_HOOVER ? thermostats[t]->name : "?";
}

const char *nacre_md_barostat_name(nacre_md_barostat b) {
  if (b == NACRE_MD_BAROSTAT_NONE) return "none";
  return (unsigned)b <= NACRE_MD_PISTON_Z ? barostats[b]->name : "?";
}

nacre_status nacre_md_thermostat_parse(const char *text,
                                       nacre_md_thermostat *out,
                                       nacre_error *err) {
  static const struct {
    const char *name;
    nacre_md_thermostat t;
  } names[] = {{"none", NACRE_MD_THERMOSTAT_NONE}, {"bussi", NACRE_MD_BUSSI},
               {"csvr", NACRE_MD_BUSSI}, {"langevin", NACRE_MD_LANGEVIN},
               {"nose-hoover", NACRE_MD_NOSE_HOOVER},
               {"nh", NACRE_MD_NOSE_HOOVER}};
  for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
    if (!strcmp(text, names[k].name)) {
      *out = names[k].t;
      return NACRE_OK;
    }
  return nacre_error_set(err, NACRE_ERR_INVALID,
                         "unknown thermostat '%s' (expected bussi, langevin, "
                         "nose-hoover or none)",
                         text);
}

nacre_status nacre_md_barostat_parse(const char *text, nacre_md_barostat *out,
                                     nacre_error *err) {
  if (!strcmp(text, "none"))
    *out = NACRE_MD_BAROSTAT_NONE;
  else if (!strcmp(text, "iso") || !strcmp(text, "isotropic"))
    *out = NACRE_MD_CRESCALE_ISO;
  else if (!strcmp(text, "aniso") || !strcmp(text, "anisotropic") ||
           !strcmp(text, "tri"))
    *out = NACRE_MD_CRESCALE_ANISO;
  else if (!strcmp(text, "piston-iso"))
    *out = NACRE_MD_PISTON_ISO;
  else if (!strcmp(text, "piston-z") || !strcmp(text, "z"))
    *out = NACRE_MD_PISTON_Z;
  else
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "unknown barostat '%s' (expected iso, aniso, "
                           "piston-iso, piston-z or none)",
                           text);
  return NACRE_OK;
}

void nacre_md_options_init(nacre_md_options *o) {
  memset(o, 0, sizeof *o);
  o->timestep_fs = 1.0;
  o->temperature_k = 300.0;
  o->thermostat = NACRE_MD_THERMOSTAT_NONE;
  o->thermostat_tau_fs = 100.0;
  o->nose_hoover_chain = 3;
  o->barostat = NACRE_MD_BAROSTAT_NONE;
  o->barostat_tau_fs = 1000.0;
  o->compressibility_per_gpa = 0.01;
  o->seed = 1;
  o->thermo_every = 1;
  o->max_drift_ev_atom = 1.0;
  o->max_volume_ratio = 5.0;
  o->min_distance_a = 0.5;
}

static nacre_status check_options(const nacre_md_options *o,
                                  const nacre_structure *s, nacre_error *err) {
  if (!(o->timestep_fs > 0.0) || !isfinite(o->timestep_fs))
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "the time step must be positive (got %g fs)",
                           o->timestep_fs);
  if (!(o->temperature_k >= 0.0) || !isfinite(o->temperature_k))
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "the temperature must be >= 0 K (got %g K)",
                           o->temperature_k);
  if ((unsigned)o->thermostat > NACRE_MD_NOSE_HOOVER ||
      (unsigned)o->barostat > NACRE_MD_PISTON_Z)
    return nacre_error_set(err, NACRE_ERR_INVALID, "unknown thermostat or "
                                                   "barostat");
  int thermostatted = o->thermostat != NACRE_MD_THERMOSTAT_NONE;
  int piston = o->barostat == NACRE_MD_PISTON_ISO || o->barostat == NACRE_MD_PISTON_Z;
  if ((thermostatted || (o->barostat && !piston)) && !(o->temperature_k > 0.0))
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "a thermostat or barostat needs a temperature "
                           "above 0 K");
  if (thermostatted &&
      (!(o->thermostat_tau_fs > 0.0) || !isfinite(o->thermostat_tau_fs)))
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "the thermostat time constant must be positive "
                           "(got %g fs)",
                           o->thermostat_tau_fs);
  if (o->thermostat == NACRE_MD_NOSE_HOOVER &&
      (o->nose_hoover_chain < 1 || o->nose_hoover_chain > MD_MAX_CHAIN))
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "Nosé–Hoover chain length must be 1..%d (got %d)",
                           MD_MAX_CHAIN, o->nose_hoover_chain);
  if (o->thermo_every < 1 || o->checkpoint_every < 0 ||
      o->equilibration_steps < 0)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "thermo interval must be >= 1 and checkpoint "
                           "interval and equilibration >= 0");
  if (o->barostat) {
    if (!s->pbc[0] || !s->pbc[1] || !s->pbc[2])
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "a barostat needs a cell periodic in all three "
                             "directions");
    if (s->fixed)
      for (int k = 0; k < 3 * s->natoms; k++)
        if (s->fixed[k])
          return nacre_error_set(err, NACRE_ERR_INVALID,
                                 "a barostat cannot be used with fixed atoms "
                                 "(atom %d is fixed)",
                                 k / 3 + 1);
    if (!(o->barostat_tau_fs > 0.0) || !(o->compressibility_per_gpa > 0.0) ||
        !isfinite(o->barostat_tau_fs + o->compressibility_per_gpa))
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "the barostat needs a positive time constant and "
                             "compressibility (got %g fs, %g 1/GPa)",
                             o->barostat_tau_fs, o->compressibility_per_gpa);
    if (o->use_target_stress && o->barostat != NACRE_MD_CRESCALE_ANISO) {
      const double *t = o->target_stress_gpa;
      if (t[3] != 0.0 || t[4] != 0.0 || t[5] != 0.0 || t[0] != t[1] ||
          t[1] != t[2])
        return nacre_error_set(err, NACRE_ERR_INVALID,
                               "a non-hydrostatic target stress needs the "
                               "anisotropic barostat (aniso)");
    }
  }
  for (int k = 0; k < 6; k++)
    if (!isfinite(o->target_stress_gpa[k]) || !isfinite(o->pressure_gpa))
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "the target pressure or stress is not finite");
  if (!(o->max_drift_ev_atom > 0.0) || !(o->max_volume_ratio > 1.0) ||
      !(o->min_distance_a >= 0.0))
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "max drift must be > 0, max volume ratio > 1 and "
                           "minimum distance >= 0");
  return NACRE_OK;
}

/* ---------------------------------------------------------------- */
/* Small pieces of the dynamics                                       */
/* ---------------------------------------------------------------- */

double md_kinetic_energy(const nacre_md *md) {
  double k = 0.0;
  for (int i = 0; i < md->n; i++) {
    const double *v = &md->v[3 * (size_t)i];
    k += md->mass[i] * (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
  }
  return 0.5 * NACRE_AMU_A2_FS2_EV * k;
}

void md_pressure_tensor(const nacre_md *md, double p[3][3]) {
  double vol = fabs(nacre_cell_volume(md->s->cell));
  double kin[3][3] = {{0}};
  for (int i = 0; i < md->n; i++) {
    const double *v = &md->v[3 * (size_t)i];
    double m = md->mass[i] * NACRE_AMU_A2_FS2_EV;
    for (int a = 0; a < 3; a++)
      for (int b = a; b < 3; b++) kin[a][b] += m * v[a] * v[b];
  }
  double sig[3][3];
  nacre_mat3_from_voigt(md->r.stress, sig);
  for (int a = 0; a < 3; a++)
    for (int b = a; b < 3; b++) {
      p[a][b] = -sig[a][b] + kin[a][b] / vol;
      p[b][a] = p[a][b];
    }
}

void md_remove_com_velocity(nacre_md *md) {
  double p[3] = {0, 0, 0}, m = 0.0;
  for (int i = 0; i < md->n; i++) {
    for (int c = 0; c < 3; c++) p[c] += md->mass[i] * md->v[3 * (size_t)i + c];
    m += md->mass[i];
  }
  for (int i = 0; i < md->n; i++)
    for (int c = 0; c < 3; c++) md->v[3 * (size_t)i + c] -= p[c] / m;
}

/* Projects the forces so that the centre of mass feels none:
 * F_i −= m_i / M Σ_j F_j (the constraint force of a fixed centre). */
static void remove_com_force(nacre_md *md) {
  double f[3] = {0, 0, 0}, m = 0.0;
  for (int i = 0; i < md->n; i++) {
    for (int c = 0; c < 3; c++) f[c] += md->r.forces[3 * (size_t)i + c];
    m += md->mass[i];
  }
  for (int i = 0; i < md->n; i++)
    for (int c = 0; c < 3; c++)
      md->r.forces[3 * (size_t)i + c] -= md->mass[i] / m * f[c];
}

static void kick(nacre_md *md, double dt) {
  const double *f = md->r.forces;
  double *v = md->v;
  for (int i = 0; i < md->n; i++) {
    double h = dt * md->inv_mass[i];
    size_t k = 3 * (size_t)i;
    v[k] += h * f[k];
    v[k + 1] += h * f[k + 1];
    v[k + 2] += h * f[k + 2];
  }
}

static void drift(nacre_md *md, double dt) {
  double *x = md->s->positions;
  const double *v = md->v;
  size_t n3 = 3 * (size_t)md->n;
  for (size_t k = 0; k < n3; k++) x[k] += dt * v[k];
}

/* x → M x, v → M^{-T} v, cell rows h → h Mᵀ (M symmetric here, but the
 * general form is kept). */
static nacre_status deform(nacre_md *md, const double m[3][3],
                           nacre_error *err) {
  double minv[3][3], mt[3][3];
  if (nacre_mat3_inverse(m, minv))
    return nacre_error_set(err, NACRE_ERR_NUMERIC,
                           "barostat: singular cell deformation");
  nacre_mat3_transpose(m, mt);
  for (int i = 0; i < md->n; i++) {
    double *x = &md->s->positions[3 * (size_t)i], *v = &md->v[3 * (size_t)i];
    double xn[3], vn[3];
    for (int c = 0; c < 3; c++) {
      xn[c] = x[0] * mt[0][c] + x[1] * mt[1][c] + x[2] * mt[2][c];
      vn[c] = v[0] * minv[0][c] + v[1] * minv[1][c] + v[2] * minv[2][c];
    }
    memcpy(x, xn, sizeof xn);
    memcpy(v, vn, sizeof vn);
  }
  double h[3][3];
  nacre_mat3_mul(md->s->cell, mt, h);
  memcpy(md->s->cell, h, sizeof h);
  return NACRE_OK;
}

/* The potential (and the extra term) at the current positions; fixed
 * coordinates feel no force, a fixed centre of mass none in total. */
static nacre_status evaluate(nacre_md *md, unsigned want, nacre_error *err) {
  nacre_status st = nacre_calc_compute(md->calc, md->s, want, &md->r, err);
  if (!st && md->opt.extra)
    st = md->opt.extra(md->opt.extra_user, md->s, want, &md->r, err);
  if (st) return st;
  md->want = want;
  md->force_calls++;
  size_t n3 = 3 * (size_t)md->n;
  for (size_t k = 0; k < n3; k++)
    if (!isfinite(md->r.forces[k]))
      return nacre_error_set(err, NACRE_ERR_NUMERIC,
                             "non-finite force on atom %zu", k / 3 + 1);
  if (!isfinite(md->r.energy))
    return nacre_error_set(err, NACRE_ERR_NUMERIC, "non-finite energy");
  if (md->mobile)
    for (size_t k = 0; k < n3; k++)
      if (!md->mobile[k]) md->r.forces[k] = 0.0;
  if (md->opt.fix_com) remove_com_force(md);
  return NACRE_OK;
}

static int is_thermo_step(const nacre_md *md, long step) {
  return step % md->opt.thermo_every == 0;
}

/* One step of nacre/md.h's splitting, from md->step to md->step + 1. */
static nacre_status md_step(nacre_md *md, nacre_error *err) {
  const double dt = md->opt.timestep_fs;
  const md_thermostat_ops *t = md->thermostat;
  if (t->half) t->half(md, 0.5 * dt);
  kick(md, 0.5 * dt);
  if (md->barostat) {
    double m[3][3];
    md->barostat->begin(md, dt, m);
    nacre_status st = deform(md, m, err);
    if (st) return st;
  }
  if (t->noise) {
    drift(md, 0.5 * dt);
    t->noise(md, dt);
    drift(md, 0.5 * dt);
  } else {
    drift(md, dt);
  }
  long next = md->step + 1;
  /* a fresh neighbour list where a checkpoint may be written (the end of a
   * run included), so a resumed run sums the forces in the same order */
  if ((md->opt.checkpoint_every > 0 && next % md->opt.checkpoint_every == 0) ||
      next == md->run_end)
    nacre_calc_reset_neighbors(md->calc);
  unsigned want = NACRE_WANT_ENERGY | NACRE_WANT_FORCES;
  if (md->barostat || is_thermo_step(md, next)) want |= NACRE_WANT_STRESS;
  nacre_status st = evaluate(md, want, err);
  if (st) return st;
  if (md->barostat) md->barostat->end(md, dt);
  kick(md, 0.5 * dt);
  if (t->half) t->half(md, 0.5 * dt);
  if (md->opt.fix_com) md_remove_com_velocity(md);
  md->step = next;
  return NACRE_OK;
}

/* ---------------------------------------------------------------- */
/* Thermodynamics                                                     */
/* ---------------------------------------------------------------- */

static double conserved(const nacre_md *md, double kinetic, double volume) {
  double c = md->r.energy + kinetic + md->heat;
  if (md->barostat) c += md->p0 * volume;
  if (md->thermostat->energy) c += md->thermostat->energy(md);
  return c;
}

void nacre_md_get_thermo(const nacre_md *md, nacre_md_thermo *th) {
  memset(th, 0, sizeof *th);
  th->step = md->step;
  th->time_fs = md->step * md->opt.timestep_fs;
  th->potential_energy_ev = md->r.energy;
  th->kinetic_energy_ev = md_kinetic_energy(md);
  th->temperature_k = md->ndof > 0 ? 2.0 * th->kinetic_energy_ev /
                                         (md->ndof * NACRE_BOLTZMANN_EV_K)
                                   : 0.0;
  th->volume_a3 = fabs(nacre_cell_volume(md->s->cell));
  th->conserved_ev = conserved(md, th->kinetic_energy_ev, th->volume_a3);
  th->has_stress = (md->want & NACRE_WANT_STRESS) != 0;
  double pv = md->p0 * th->volume_a3;
  if (th->has_stress) {
    double p[3][3], sig[3][3];
    md_pressure_tensor(md, p);
    for (int a = 0; a < 3; a++)
      for (int b = 0; b < 3; b++) sig[a][b] = -p[a][b] * NACRE_EV_A3_TO_GPA;
    nacre_voigt_from_mat3(sig, th->stress_gpa);
    th->pressure_gpa = (p[0][0] + p[1][1] + p[2][2]) / 3.0 * NACRE_EV_A3_TO_GPA;
    if (!md->barostat) pv = th->pressure_gpa * NACRE_GPA_TO_EV_A3 * th->volume_a3;
  } else {
    th->pressure_gpa = NAN;
    for (int k = 0; k < 6; k++) th->stress_gpa[k] = NAN;
    if (!md->barostat) pv = NAN;
  }
  th->enthalpy_ev = th->potential_energy_ev + th->kinetic_energy_ev + pv;
  /* committees report their spread through the calculator's result */
  int committee = md->r.committee_size > 0;
  th->committee_force_deviation_max_ev_a =
      committee && md->r.committee_force_dev_max >= 0.0 ? md->r.committee_force_dev_max
                                                        : NAN;
  th->committee_energy_deviation_per_atom_ev =
      committee ? md->r.committee_energy_dev_per_atom : NAN;
  th->outside_domain = nacre_domain_report_outside(&md->r.domain);
}

static void sample(nacre_md *md, const nacre_md_thermo *th,
                   const nacre_ctx *ctx) {
  double n = md->n;
  if (th->outside_domain) {
    if (!md->outside_samples)
      nacre_log(ctx, NACRE_LOG_WARN,
                "step %ld: the structure is outside the training data of the "
                "potential (%d atoms outside); results from here on are "
                "extrapolations",
                th->step, md->r.domain.atoms_outside);
    md->outside_samples++;
  }
  md_line_add(&md->drift, th->time_fs * 1e-3, th->conserved_ev / n);
  if (md->step <= md->opt.equilibration_steps) return;
  md_blocking_add(&md->stats[MD_STAT_T], th->temperature_k);
  if (th->has_stress) md_blocking_add(&md->stats[MD_STAT_P], th->pressure_gpa);
  md_blocking_add(&md->stats[MD_STAT_V], th->volume_a3 / n);
  md_blocking_add(&md->stats[MD_STAT_E], th->potential_energy_ev / n);
  md_blocking_add(&md->stats[MD_STAT_ETOT],
                  (th->potential_energy_ev + th->kinetic_energy_ev) / n);
  if (isfinite(th->enthalpy_ev))
    md_blocking_add(&md->stats[MD_STAT_H], th->enthalpy_ev / n);
}

void nacre_md_get_summary(const nacre_md *md, nacre_md_summary *out) {
  memset(out, 0, sizeof *out);
  md_blocking_estimate(&md->stats[MD_STAT_T], &out->temperature_k);
  md_blocking_estimate(&md->stats[MD_STAT_P], &out->pressure_gpa);
  md_blocking_estimate(&md->stats[MD_STAT_V], &out->volume_per_atom_a3);
  md_blocking_estimate(&md->stats[MD_STAT_E], &out->energy_per_atom_ev);
  md_blocking_estimate(&md->stats[MD_STAT_ETOT], &out->total_energy_per_atom_ev);
  md_blocking_estimate(&md->stats[MD_STAT_H], &out->enthalpy_per_atom_ev);
  out->drift_ev_atom_ps = md_line_slope(&md->drift);
  out->steps = md->step;
  out->force_calls = md->force_calls;
  out->outside_domain_samples = md->outside_samples;
}

/* ---------------------------------------------------------------- */
/* Set-up                                                             */
/* ---------------------------------------------------------------- */

void nacre_md_free(nacre_md *md) {
  if (!md) return;
  nacre_structure_free(md->s);
  free(md->v);
  free(md->mass);
  free(md->inv_mass);
  free(md->mobile);
  free(md->good_x);
  free(md->good_v);
  nacre_result_free(&md->r);
  free(md);
}

static nacre_status check_distances(const nacre_structure *s, double dmin,
                                    nacre_error *err) {
  if (!(dmin > 0.0) || s->natoms < 2) return NACRE_OK;
  nacre_neighbor_list *nl = nacre_nl_new(dmin, 0.0, err);
  if (!nl) return err ? err->status : NACRE_ERR_NOMEM;
  nacre_status st = nacre_nl_update(nl, s, NULL, err);
  for (int i = 0; !st && i < s->natoms; i++)
    for (size_t e = nl->offsets[i]; e < nl->offsets[i + 1]; e++) {
      double d[3];
      nacre_nl_vector(nl, s, i, e, d);
      double r = sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
      if (r < dmin) {
        st = nacre_error_set(err, NACRE_ERR_INVALID,
                             "atoms %d and %d are %.4g Å apart (closer than "
                             "%g Å): overlapping atoms",
                             i + 1, nl->j[e] + 1, r, dmin);
        break;
      }
    }
  nacre_nl_free(nl);
  return st;
}

static nacre_status setup_masses(nacre_md *md, const double *masses,
                                 nacre_error *err) {
  for (int i = 0; i < md->n; i++) {
    double m;
    if (masses) {
      m = masses[i];
    } else {
      const nacre_element *e = nacre_element_by_z(md->s->numbers[i]);
      m = e ? e->mass_amu : 0.0;
    }
    if (!(m > 0.0) || !isfinite(m))
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "atom %d has no valid mass (%g amu)", i + 1, m);
    md->mass[i] = m;
    md->inv_mass[i] = 1.0 / (m * NACRE_AMU_A2_FS2_EV);
  }
  return NACRE_OK;
}

/* Maxwell–Boltzmann velocities at temperature T with zero total momentum
 * (when no atom is fixed), scaled to exactly T. */
static void maxwell_boltzmann(nacre_md *md) {
  nacre_rng rng;
  nacre_rng_init(&rng, md->opt.seed, 0);
  double kt = NACRE_BOLTZMANN_EV_K * md->opt.temperature_k;
  for (int i = 0; i < md->n; i++) {
    double sd = sqrt(kt * md->inv_mass[i]);
    for (int c = 0; c < 3; c++) md->v[3 * (size_t)i + c] = sd * nacre_rng_normal(&rng);
  }
  if (md->mobile) {
    for (size_t k = 0; k < 3 * (size_t)md->n; k++)
      if (!md->mobile[k]) md->v[k] = 0.0;
  } else if (md->n > 1) {
    md_remove_com_velocity(md);
  }
  double k = md_kinetic_energy(md);
  double want = 0.5 * md->ndof * kt;
  double scale = k > 0.0 ? sqrt(want / k) : 0.0;
  for (size_t j = 0; j < 3 * (size_t)md->n; j++) md->v[j] *= scale;
}

static nacre_status setup_velocities(nacre_md *md, const double *velocities,
                                     nacre_error *err) {
  if (!velocities) {
    maxwell_boltzmann(md);
    return NACRE_OK;
  }
  for (size_t k = 0; k < 3 * (size_t)md->n; k++) {
    if (!isfinite(velocities[k]))
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "atom %zu has a non-finite velocity", k / 3 + 1);
    md->v[k] = md->mobile && !md->mobile[k] ? 0.0 : velocities[k];
  }
  if (md->opt.fix_com) md_remove_com_velocity(md);
  return NACRE_OK;
}

static void setup_dof(nacre_md *md) {
  md->nfixed = 0;
  if (md->s->fixed) {
    for (int k = 0; k < 3 * md->n; k++) md->nfixed += md->s->fixed[k] != 0;
  }
  int conserved_momentum =
      md->opt.fix_com || (md->thermostat->conserves_momentum && !md->nfixed);
  md->ndof = 3 * md->n - md->nfixed - (conserved_momentum && md->n > 1 ? 3 : 0);
  if (md->ndof < 1) md->ndof = 1;
}

static void setup_targets(nacre_md *md) {
  double t[6];
  for (int k = 0; k < 6; k++)
    t[k] = md->opt.use_target_stress
               ? md->opt.target_stress_gpa[k] * NACRE_GPA_TO_EV_A3
               : (k < 3 ? -md->opt.pressure_gpa * NACRE_GPA_TO_EV_A3 : 0.0);
  nacre_mat3_from_voigt(t, md->target);
  md->p0 = -(t[0] + t[1] + t[2]) / 3.0;
  md->kt = NACRE_BOLTZMANN_EV_K * md->opt.temperature_k;
}

static void save_good(nacre_md *md) {
  size_t n3 = 3 * (size_t)md->n;
  memcpy(md->good_x, md->s->positions, n3 * sizeof(double));
  memcpy(md->good_v, md->v, n3 * sizeof(double));
  memcpy(md->good_cell, md->s->cell, sizeof md->good_cell);
  md->good_piston_rate = md->piston_rate;
  md->good_step = md->step;
}

static nacre_status restore_good(nacre_md *md, nacre_error *err) {
  size_t n3 = 3 * (size_t)md->n;
  memcpy(md->s->positions, md->good_x, n3 * sizeof(double));
  memcpy(md->v, md->good_v, n3 * sizeof(double));
  memcpy(md->s->cell, md->good_cell, sizeof md->good_cell);
  md->piston_rate = md->good_piston_rate;
  md->step = md->good_step;
  nacre_calc_reset_neighbors(md->calc);
  nacre_error e2;
  nacre_status st = evaluate(md, NACRE_WANT_ALL, &e2);
  if (st) nacre_error_set(err, st, "restoring step %ld: %s", md->step, e2.message);
  return st;
}

static nacre_status md_alloc(nacre_md *md, const nacre_structure *s,
                             nacre_error *err) {
  md->n = s->natoms;
  size_t n = (size_t)(md->n > 0 ? md->n : 1);
  md->s = nacre_structure_copy(s, err);
  if (!md->s) return err ? err->status : NACRE_ERR_NOMEM;
  md->v = calloc(3 * n, sizeof(double));
  md->mass = calloc(n, sizeof(double));
  md->inv_mass = calloc(n, sizeof(double));
  md->good_x = calloc(3 * n, sizeof(double));
  md->good_v = calloc(3 * n, sizeof(double));
  if (!md->v || !md->mass || !md->inv_mass || !md->good_x || !md->good_v)
    return nacre_error_set(err, NACRE_ERR_NOMEM, "MD state for %d atoms",
                           md->n);
  if (s->fixed) {
    md->mobile = malloc(3 * n);
    if (!md->mobile)
      return nacre_error_set(err, NACRE_ERR_NOMEM, "MD state for %d atoms",
                             md->n);
    for (size_t k = 0; k < 3 * (size_t)md->n; k++) md->mobile[k] = !s->fixed[k];
  }
  return nacre_result_init(&md->r, md->n, err);
}

nacre_status nacre_md_new(nacre_calc *c, const nacre_structure *s,
                          const double *velocities, const double *masses,
                          const nacre_md_options *o, nacre_md **out,
                          nacre_error *err) {
  *out = NULL;
  nacre_status st = nacre_structure_check(s, err);
  if (st) return st;
  if (s->natoms < 1)
    return nacre_error_set(err, NACRE_ERR_INVALID, "the structure has no atoms");
  if ((st = check_options(o, s, err))) return st;
  if ((st = nacre_potential_supports(nacre_calc_potential(c), s, err)))
    return st;
  if ((st = check_distances(s, o->min_distance_a, err))) return st;
  nacre_md *md = calloc(1, sizeof *md);
  if (!md) return nacre_error_set(err, NACRE_ERR_NOMEM, "MD run");
  md->opt = *o;
  md->calc = c;
  md->thermostat = thermostats[o->thermostat];
  md->barostat = barostats[o->barostat];
  if ((st = md_alloc(md, s, err)) || (st = setup_masses(md, masses, err))) {
    nacre_md_free(md);
    return st;
  }
  if (md->opt.fix_com && md->mobile) {
    nacre_md_free(md);
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "a fixed centre of mass and fixed atoms exclude "
                           "each other");
  }
  setup_targets(md);
  setup_dof(md);
  nacre_rng_init(&md->rng_thermostat, o->seed, 1);
  nacre_rng_init(&md->rng_barostat, o->seed, 2);
  if (md->thermostat->init) md->thermostat->init(md);
  if (md->barostat && md->barostat->init) md->barostat->init(md);
  if ((st = setup_velocities(md, velocities, err))) {
    nacre_md_free(md);
    return st;
  }
  nacre_calc_reset_neighbors(c);
  if ((st = evaluate(md, NACRE_WANT_ALL, err))) {
    nacre_error_prefix(err, "at the start: ");
    nacre_md_free(md);
    return st;
  }
  md->volume0 = fabs(nacre_cell_volume(md->s->cell));
  md->conserved0 = conserved(md, md_kinetic_energy(md), md->volume0);
  save_good(md);
  nacre_md_thermo th;
  nacre_md_get_thermo(md, &th);
  md_line_add(&md->drift, 0.0, th.conserved_ev / md->n);
  *out = md;
  return NACRE_OK;
}

/* Restarts from state.c: the evaluation at the restored positions. */
nacre_status md_after_restore(nacre_md *md, nacre_error *err) {
  nacre_calc_reset_neighbors(md->calc);
  nacre_status st = evaluate(md, NACRE_WANT_ALL, err);
  if (!st) save_good(md);
  return st;
}

/* ---------------------------------------------------------------- */
/* The run                                                            */
/* ---------------------------------------------------------------- */

static int volume_out_of_range(const nacre_md *md) {
  double v = fabs(nacre_cell_volume(md->s->cell));
  double r = md->opt.max_volume_ratio;
  return !(v < md->volume0 * r && v > md->volume0 / r);
}

nacre_status nacre_md_run(nacre_md *md, long nsteps, const nacre_ctx *ctx,
                          nacre_md_outcome *outcome, nacre_error *err) {
  *outcome = NACRE_MD_COMPLETED;
  md->message[0] = '\0';
  md->run_end = md->step + nsteps;
  if (md->step == 0 && md->opt.observer) {
    nacre_md_thermo th;
    nacre_md_get_thermo(md, &th);
    if (md->opt.observer(md->opt.observer_user, md, &th)) {
      *outcome = NACRE_MD_STOPPED;
      return NACRE_OK;
    }
  }
  for (long k = 0; k < nsteps; k++) {
    if (nacre_ctx_interrupted(ctx)) {
      *outcome = NACRE_MD_INTERRUPTED;
      snprintf(md->message, sizeof md->message, "interrupted at step %ld",
               md->step);
      return nacre_error_set(err, NACRE_ERR_INTERRUPTED, "%s", md->message);
    }
    nacre_error serr;
    nacre_status st = md_step(md, &serr);
    if (st == NACRE_ERR_NUMERIC) {
      *outcome = NACRE_MD_EXPLODED;
      snprintf(md->message, sizeof md->message,
               "exploded at step %ld (%.160s); back to step %ld", md->step + 1,
               serr.message, md->good_step);
      return restore_good(md, err);
    }
    if (st) {
      if (err) *err = serr;
      return st;
    }
    if (md->barostat && volume_out_of_range(md)) {
      *outcome = NACRE_MD_COLLAPSED;
      snprintf(md->message, sizeof md->message,
               "the volume left [V0/%g, %g V0] at step %ld; back to step %ld",
               md->opt.max_volume_ratio, md->opt.max_volume_ratio, md->step,
               md->good_step);
      return restore_good(md, err);
    }
    if (is_thermo_step(md, md->step)) {
      nacre_md_thermo th;
      nacre_md_get_thermo(md, &th);
      double dev = fabs(th.conserved_ev - md->conserved0) / md->n;
      if (!(dev <= md->opt.max_drift_ev_atom)) {
        *outcome = NACRE_MD_EXPLODED;
        snprintf(md->message, sizeof md->message,
                 "exploded at step %ld: the conserved quantity moved by %.3g "
                 "eV/atom (limit %g); back to step %ld",
                 md->step, dev, md->opt.max_drift_ev_atom, md->good_step);
        return restore_good(md, err);
      }
      sample(md, &th, ctx);
      save_good(md);
      if (md->opt.observer && md->opt.observer(md->opt.observer_user, md, &th)) {
        *outcome = NACRE_MD_STOPPED;
        snprintf(md->message, sizeof md->message, "stopped at step %ld",
                 md->step);
        return NACRE_OK;
      }
    }
    if (md->opt.checkpoint_every > 0 &&
        md->step % md->opt.checkpoint_every == 0 && md->opt.checkpoint &&
        md->opt.checkpoint(md->opt.checkpoint_user, md)) {
      *outcome = NACRE_MD_STOPPED;
      snprintf(md->message, sizeof md->message, "stopped at step %ld",
               md->step);
      return NACRE_OK;
    }
  }
  return NACRE_OK;
}

/* ---------------------------------------------------------------- */
/* Accessors                                                          */
/* ---------------------------------------------------------------- */

long nacre_md_step(const nacre_md *md) { return md->step; }
const nacre_structure *nacre_md_structure(const nacre_md *md) { return md->s; }
const double *nacre_md_velocities(const nacre_md *md) { return md->v; }
const double *nacre_md_masses(const nacre_md *md) { return md->mass; }
const nacre_result *nacre_md_result(const nacre_md *md) { return &md->r; }
int nacre_md_degrees_of_freedom(const nacre_md *md) { return md->ndof; }
const nacre_md_options *nacre_md_get_options(const nacre_md *md) {
  return &md->opt;
}
const char *nacre_md_message(const nacre_md *md) { return md->message; }
