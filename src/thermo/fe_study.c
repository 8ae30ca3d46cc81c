/* fe_study.c — a free-energy study: the list of tasks of every phase
 * (references, λ windows, NPT points of the grid) with their dependencies
 * and keys, running them in this process or in worker processes, resuming
 * from the results already in the run directory, and assembling the
 * reference free energies, the G(T, P) tables (Gibbs–Helmholtz along
 * isobars, ∫V dP along the reference isotherm), the lowest phase and the
 * crossings. nacre/thermo.h states the method. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fe_internal.h"
#include "nacre/phonon.h"
#include "nacre/procpool.h"
#include "nacre/sym.h"

const char *nacre_fe_phase_kind_name(nacre_fe_phase_kind k) {
  return k == NACRE_FE_LIQUID ? "liquid" : "solid";
}

void nacre_fe_options_init(nacre_fe_options *o) {
  memset(o, 0, sizeof *o);
  o->lambda_points = 10;
  o->steps = 10000;
  o->equilibration = -1;
  o->reference_steps = -1;
  o->sample_every = 5;
  o->timestep_fs = 1.0;
  o->anisotropic = -1;
  o->min_length_a = 10.0;
  o->uf_p = 50.0;
  o->finite_size_correction = 1;
  o->max_msd_fraction = 0.25;
  o->symprec = NACRE_SYMPREC_DEFAULT;
  o->seed = 1;
  o->jobs = 1;
}

/* ---------------------------------------------------------------- */
/* Building the run                                                   */
/* ---------------------------------------------------------------- */

static int grid_index(const double *x, int n, double v) {
  for (int k = 0; k < n; k++)
    if (fabs(x[k] - v) <= 1e-9 * fmax(1.0, fabs(v))) return k;
  return -1;
}

static nacre_status check_grid(const char *what, const double *x, int n,
                               double min, nacre_error *err) {
  if (n < 1) return nacre_error_set(err, NACRE_ERR_INVALID, "no %s", what);
  for (int k = 0; k < n; k++) {
    if (!isfinite(x[k]) || x[k] < min)
      return nacre_error_set(err, NACRE_ERR_INVALID, "%s: %g is not allowed", what, x[k]);
    if (k && !(x[k] > x[k - 1]))
      return nacre_error_set(err, NACRE_ERR_INVALID, "%s must ascend (%g after %g)",
                             what, x[k], x[k - 1]);
  }
  return NACRE_OK;
}

static nacre_status check_options(const nacre_fe_options *o, nacre_error *err) {
  if (!o->output_dir || !o->output_dir[0])
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "a free-energy study needs an output directory");
  if (o->lambda_points < 2 || o->lambda_points > FE_MAX_WINDOWS)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "λ points must be 2 to %d (got %d)", FE_MAX_WINDOWS,
                           o->lambda_points);
  if (o->steps < 10 || o->sample_every < 1 || o->steps < o->sample_every * 4L)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "steps must be at least 10 and four sampling "
                           "intervals (got %ld steps, sampling every %d)",
                           o->steps, o->sample_every);
  if (!(o->timestep_fs > 0) || !(o->compressibility_per_gpa >= 0) ||
      !(o->uf_p > 0) || !(o->max_msd_fraction > 0) || !(o->symprec > 0) ||
      o->jobs < 1 || o->jobs > NACRE_PROCPOOL_MAX)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "time step, compressibility, UF p, MSD fraction and "
                           "symmetry tolerance must be positive, jobs 1 to %d",
                           NACRE_PROCPOOL_MAX);
  nacre_status st = check_grid("temperatures (K)", o->temperatures_k, o->ntemperatures, 1e-9, err);
  if (!st) st = check_grid("pressures (GPa)", o->pressures_gpa, o->npressures, -1e9, err);
  if (!st && o->fixed_cell && o->npressures != 1)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "a fixed cell has no pressure grid (one pressure, got %d)",
                           o->npressures);
  return st;
}

/* The settings every task's result depends on, as text. */
static void settings_text(const fe_run *run, char *buf, size_t len) {
  const nacre_fe_options *o = &run->o;
  char desc[512];
  nacre_potential_describe(run->pot, desc, sizeof desc);
  snprintf(buf, len,
           "pot=%s|%s dt=%.17g tau_t=%.17g tau_p=%.17g beta=%.17g steps=%ld "
           "eq=%.17g,%.17g ref=%.17g every=%d seed=%llu aniso=%d fixed=%d melt=%.17g "
           "ufp=%.17g ufs=%.17g msd=%.17g symprec=%.17g fs=%d",
           o->potential_spec ? o->potential_spec : "", desc, o->timestep_fs,
           run->tau_t, run->tau_p, o->compressibility_per_gpa, o->steps,
           run->equilibration, run->npt_equilibration, run->reference_steps, o->sample_every,
           (unsigned long long)o->seed, o->anisotropic, o->fixed_cell,
           o->melt_temperature_k, o->uf_p, o->uf_sigma_a, o->max_msd_fraction,
           o->symprec, o->finite_size_correction);
}

static fe_task *add_task(fe_run *run, fe_task_kind kind, int phase, int depends,
                         double t_k, double p_gpa, double lambda, int window,
                         int it, int ip) {
  fe_task *t = &run->tasks[run->ntasks];
  memset(t, 0, sizeof *t);
  t->kind = kind;
  t->phase = phase;
  t->depends = depends;
  t->temperature_k = t_k;
  t->pressure_gpa = p_gpa;
  t->lambda = lambda;
  t->window = window;
  t->it = it;
  t->ip = ip;
  const fe_phase *ph = &run->ph[phase];
  static const char *const names[] = {"solid-reference", "liquid-reference",
                                      "einstein", "ideal-uf", "uf", "point"};
  snprintf(t->key, sizeof t->key, "%s %s %016llx T=%.10g P=%.10g lambda=%.17g settings=%s",
           names[kind], ph->name, (unsigned long long)ph->hash, t_k, p_gpa,
           lambda, run->settings_hash);
  switch (kind) {
  case FE_SOLID_REFERENCE:
  case FE_LIQUID_REFERENCE:
    snprintf(t->path, sizeof t->path, "%s/reference.json", ph->dir);
    break;
  case FE_EINSTEIN_WINDOW:
  case FE_IDEAL_WINDOW:
  case FE_UF_WINDOW:
    snprintf(t->path, sizeof t->path, "%s/%s_%02d.json", ph->dir, names[kind], window);
    break;
  case FE_SCAN:
    snprintf(t->path, sizeof t->path, "%s/point_T%.10g_P%.10g.json", ph->dir, t_k, p_gpa);
    break;
  }
  run->ntasks++;
  return t;
}

static void run_free(fe_run *run) {
  for (int p = 0; p < run->nphases; p++) {
    nacre_structure_free(run->ph[p].cell);
    nacre_structure_free(run->ph[p].unit);
    fe_symops_free(&run->ph[p]);
    free(run->ph[p].masses);
  }
  free(run->ph);
  free(run->tasks);
  free(run->temperatures_k);
  free(run->pressures_gpa);
}

static nacre_status build_run(const nacre_potential *pot,
                              const nacre_fe_phase *phases, int nphases,
                              const nacre_fe_options *o, const nacre_ctx *ctx,
                              fe_run *run, nacre_error *err) {
  memset(run, 0, sizeof *run);
  run->pot = pot;
  run->ctx = ctx;
  run->o = *o;
  nacre_status st = check_options(o, err);
  if (st) return st;
  if (nphases < 1 || nphases > 64)
    return nacre_error_set(err, NACRE_ERR_INVALID, "1 to 64 phases (got %d)", nphases);
  for (int p = 0; p < nphases; p++)
    for (int q = 0; q < p; q++)
      if (!strcmp(phases[p].name, phases[q].name))
        return nacre_error_set(err, NACRE_ERR_INVALID, "two phases are named '%s'",
                               phases[p].name);
  run->temperatures_k = malloc((size_t)o->ntemperatures * sizeof(double));
  run->pressures_gpa = malloc((size_t)o->npressures * sizeof(double));
  if (!run->temperatures_k || !run->pressures_gpa)
    return nacre_error_set(err, NACRE_ERR_NOMEM, "grids");
  memcpy(run->temperatures_k, o->temperatures_k, (size_t)o->ntemperatures * sizeof(double));
  memcpy(run->pressures_gpa, o->pressures_gpa, (size_t)o->npressures * sizeof(double));
  run->o.temperatures_k = run->temperatures_k;
  run->o.pressures_gpa = run->pressures_gpa;
  double t0 = o->reference_temperature_k > 0 ? o->reference_temperature_k : o->temperatures_k[0];
  run->it0 = grid_index(run->temperatures_k, o->ntemperatures, t0);
  run->ip0 = grid_index(run->pressures_gpa, o->npressures, o->reference_pressure_gpa);
  if (run->it0 < 0)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "the reference temperature %g K is not on the "
                           "temperature grid",
                           t0);
  if (run->ip0 < 0)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "the reference pressure %g GPa is not on the "
                           "pressure grid",
                           o->reference_pressure_gpa);
  run->o.anisotropic = o->anisotropic < 0 ? 1 : o->anisotropic != 0;
  run->equilibration = o->equilibration >= 0 ? (double)o->equilibration : (double)(o->steps / 5);
  run->reference_steps = o->reference_steps >= 0 ? (double)o->reference_steps : 2.0 * o->steps;
  if (run->reference_steps < 4.0 * o->sample_every)
    return nacre_error_set(err, NACRE_ERR_INVALID, "reference steps too few (%g)",
                           run->reference_steps);
  run->tau_t = o->thermostat_tau_fs > 0 ? o->thermostat_tau_fs : 100.0 * o->timestep_fs;
  run->tau_p = o->barostat_tau_fs > 0 ? o->barostat_tau_fs : 250.0 * o->timestep_fs;
  /* the NPT points start from the input cell: by default they equilibrate
   * for at least four barostat times (the volume's offset decays as
   * e^(−t/τ_p) with the barostat's compressibility the phase's own) */
  run->npt_equilibration = run->equilibration;
  if (o->equilibration < 0 && !o->fixed_cell)
    run->npt_equilibration = fmax(run->equilibration, ceil(4.0 * run->tau_p / o->timestep_fs));
  run->nlambda = o->lambda_points;
  st = nacre_gauss_legendre(run->nlambda, run->lambda_x, run->lambda_w, err);
  if (st) return st;
  /* The fluid integrands rise steeply as λ → 1, where the reference (the
   * Uhlenbeck–Ford fluid, the ideal gas) lets atoms overlap that the
   * potential (the fluid) keeps apart: λ = 1 − (1 − v)³ with v on the
   * Gauss–Legendre nodes crowds the windows there, and the Jacobian
   * 3(1 − v)² flattens the rise. */
  for (int k = 0; k < run->nlambda; k++) {
    double v = run->lambda_x[k], u = 1.0 - v;
    run->fluid_x[k] = 1.0 - u * u * u;
    run->fluid_w[k] = 3.0 * u * u * run->lambda_w[k];
  }
  char text[2048];
  settings_text(run, text, sizeof text);
  snprintf(run->settings_hash, sizeof run->settings_hash, "%016llx",
           (unsigned long long)nacre_fnv1a(NACRE_FNV1A_OFFSET, text));
  st = fe_mkdir(o->output_dir, err);
  if (st) return st;
  run->ph = calloc((size_t)nphases, sizeof *run->ph);
  if (!run->ph) return nacre_error_set(err, NACRE_ERR_NOMEM, "phases");
  run->nphases = nphases;
  for (int p = 0; p < nphases && !st; p++) {
    for (const char *c = phases[p].name; *c && !st; c++)
      if (*c == '/' || *c == ',' || (unsigned char)*c < 32)
        st = nacre_error_set(err, NACRE_ERR_INVALID,
                             "phase name '%s' may not hold '/', ',' or control "
                             "characters",
                             phases[p].name);
    if (!st) st = fe_phase_prepare(&run->o, &phases[p], &run->ph[p], err);
    if (!st) st = nacre_potential_supports(pot, run->ph[p].cell, err);
    if (!st) st = fe_phase_compressibility(pot, &run->o, &run->ph[p], err);
    if (st) break;
    snprintf(run->ph[p].dir, sizeof run->ph[p].dir, "%s/%s", o->output_dir, phases[p].name);
    st = fe_mkdir(run->ph[p].dir, err);
  }
  if (st) return st;
  int nt = o->ntemperatures, np = o->npressures;
  run->tasks = calloc((size_t)nphases * (1 + 2 * run->nlambda + (size_t)nt * np), sizeof *run->tasks);
  if (!run->tasks) return nacre_error_set(err, NACRE_ERR_NOMEM, "tasks");
  double t0k = run->temperatures_k[run->it0], p0 = run->pressures_gpa[run->ip0];
  for (int p = 0; p < nphases; p++) {
    int liquid = run->ph[p].kind == NACRE_FE_LIQUID;
    int ref = run->ntasks;
    add_task(run, liquid ? FE_LIQUID_REFERENCE : FE_SOLID_REFERENCE, p, -1, t0k, p0, 0, 0,
             run->it0, run->ip0);
    const double *lx = liquid ? run->fluid_x : run->lambda_x;
    const double *lw = liquid ? run->fluid_w : run->lambda_w;
    for (int k = 0; k < run->nlambda; k++)
      add_task(run, liquid ? FE_UF_WINDOW : FE_EINSTEIN_WINDOW, p, ref, t0k, p0, lx[k], k,
               run->it0, run->ip0)->weight = lw[k];
    for (int k = 0; liquid && k < run->nlambda; k++)
      add_task(run, FE_IDEAL_WINDOW, p, ref, t0k, p0, lx[k], k, run->it0, run->ip0)->weight = lw[k];
    for (int it = 0; it < nt; it++)
      for (int ip = 0; ip < np; ip++)
        add_task(run, FE_SCAN, p, liquid ? ref : -1, run->temperatures_k[it],
                 run->pressures_gpa[ip], 0, 0, it, ip);
  }
  return fe_settings_check(run, err);
}

/* ---------------------------------------------------------------- */
/* Running the tasks                                                  */
/* ---------------------------------------------------------------- */

static const char *task_name(const fe_run *run, const fe_task *t, char *buf, size_t len) {
  const char *ph = run->ph[t->phase].name;
  switch (t->kind) {
  case FE_SOLID_REFERENCE:
  case FE_LIQUID_REFERENCE:
    snprintf(buf, len, "%s reference at %g K, %g GPa", ph, t->temperature_k, t->pressure_gpa);
    break;
  case FE_EINSTEIN_WINDOW:
  case FE_UF_WINDOW:
  case FE_IDEAL_WINDOW:
    snprintf(buf, len, "%s %s window %d (λ = %.4f)", ph,
             t->kind == FE_EINSTEIN_WINDOW ? "Einstein" : t->kind == FE_UF_WINDOW ? "UF" : "ideal-gas",
             t->window + 1, t->lambda);
    break;
  case FE_SCAN:
    snprintf(buf, len, "%s at %g K, %g GPa", ph, t->temperature_k, t->pressure_gpa);
    break;
  }
  return buf;
}

/* 1: the task may start (its dependency is done and found the phase
 * fit); 0: not yet; −1: never (the phase failed its reference).
 * ref_ok[k]: 1 reference k found its phase fit, −1 not, 0 not known. */
static int ready(const fe_run *run, const int *ref_ok, const fe_task *t) {
  if (t->done || t->running) return 0;
  if (t->depends < 0) return 1;
  if (!run->tasks[t->depends].done) return 0;
  return ref_ok[t->depends] > 0 ? 1 : -1;
}

static int is_reference(const fe_task *t) {
  return t->kind == FE_SOLID_REFERENCE || t->kind == FE_LIQUID_REFERENCE;
}

/* After reference k is done: whether its phase may be integrated; the
 * tasks that depend on a failed one leave the count. */
static nacre_status reference_done(const fe_run *run, int k, int *ref_ok,
                                   nacre_fe_study *s, nacre_error *err) {
  fe_reference_result r;
  nacre_status st = fe_read_reference(run->tasks[k].path, &r, err);
  if (st) return st;
  ref_ok[k] = !strcmp(r.status, "ok") || !strcmp(r.status, "inconclusive") ? 1 : -1;
  if (ref_ok[k] > 0 && r.message[0])
    nacre_log(run->ctx, NACRE_LOG_WARN, "%s: %s", run->ph[run->tasks[k].phase].name, r.message);
  if (ref_ok[k] < 0) {
    nacre_log(run->ctx, NACRE_LOG_WARN, "%s: %s", run->ph[run->tasks[k].phase].name,
              r.message);
    for (int j = 0; j < run->ntasks; j++)
      if (run->tasks[j].depends == k && !run->tasks[j].done) s->tasks_total--;
  }
  fe_reference_result_free(&r);
  return NACRE_OK;
}

static nacre_status pool_work(void *user, const void *req, size_t len,
                              void **reply, size_t *reply_len, nacre_error *err) {
  const fe_run *run = user;
  int k;
  if (len != sizeof k) return nacre_error_set(err, NACRE_ERR_PARSE, "bad request");
  memcpy(&k, req, sizeof k);
  *reply = NULL;
  *reply_len = 0;
  return fe_task_run(run, k, err);
}

static int out_of_time(const fe_run *run, double t_start) {
  return run->o.time_limit_s > 0 && nacre_now_s() - t_start > run->o.time_limit_s;
}

/* Runs the tasks not yet done, in this process or on a pool of workers,
 * always the first ready task in list order (references first). */
static nacre_status run_tasks(fe_run *run, nacre_fe_study *s,
                              nacre_fe_progress_fn progress, void *user,
                              double t_start, nacre_error *err) {
  int *ref_ok = calloc((size_t)run->ntasks, sizeof *ref_ok);
  if (!ref_ok) return nacre_error_set(err, NACRE_ERR_NOMEM, "tasks");
  nacre_status st = NACRE_OK;
  s->tasks_total = run->ntasks;
  for (int k = 0; k < run->ntasks && !st; k++) {
    fe_task *t = &run->tasks[k];
    int e = fe_result_exists(t->path, t->key, err);
    if (e < 0) st = err ? err->status : NACRE_ERR_IO;
    t->done = e == 1;
    if (t->done) s->tasks_done++;
  }
  for (int k = 0; k < run->ntasks && !st; k++)
    if (run->tasks[k].done && is_reference(&run->tasks[k]))
      st = reference_done(run, k, ref_ok, s, err);
  nacre_procpool *pool = NULL;
  if (!st && run->o.jobs > 1) {
    nacre_procpool_options po;
    nacre_procpool_options_init(&po);
    po.workers = run->o.jobs;
    po.single_thread = 1;
    st = nacre_procpool_new(&po, pool_work, run, &pool, err);
  }
  char what[256];
  while (!st) {
    if (nacre_ctx_interrupted(run->ctx)) {
      snprintf(s->outcome, sizeof s->outcome, "interrupted");
      break;
    }
    if (out_of_time(run, t_start)) {
      snprintf(s->outcome, sizeof s->outcome, "time-limit");
      break;
    }
    int next = -1, pending = 0, busy = pool ? nacre_procpool_busy(pool) : 0;
    for (int k = 0; k < run->ntasks; k++) {
      int r = ready(run, ref_ok, &run->tasks[k]);
      if (r > 0 && next < 0) next = k;
      if (r >= 0 && !run->tasks[k].done && !run->tasks[k].running) pending++;
    }
    if (!busy && next < 0) break; /* all done, or only tasks that never run */
    int finished = -1;
    nacre_status task_status = NACRE_OK;
    char message[NACRE_ERROR_MESSAGE_MAX] = "";
    if (!pool) {
      finished = next;
      task_status = fe_task_run(run, next, err);
      if (task_status && err) snprintf(message, sizeof message, "%s", err->message);
    } else {
      int w = nacre_procpool_idle(pool);
      if (w >= 0 && next >= 0) {
        run->tasks[next].running = 1;
        st = nacre_procpool_submit(pool, w, next, &next, sizeof next, err);
        continue;
      }
      nacre_procpool_result res;
      st = nacre_procpool_wait(pool, 500, &res, err);
      if (st || res.worker < 0) continue;
      free(res.reply);
      finished = (int)res.tag;
      run->tasks[finished].running = 0;
      task_status = res.status;
      snprintf(message, sizeof message, "%s", res.message);
    }
    (void)pending;
    fe_task *t = &run->tasks[finished];
    if (task_status == NACRE_ERR_INTERRUPTED) {
      snprintf(s->outcome, sizeof s->outcome, "%s",
               out_of_time(run, t_start) ? "time-limit" : "interrupted");
      break;
    }
    if (task_status) {
      st = nacre_error_set(err, task_status, "%s: %s", task_name(run, t, what, sizeof what),
                           message);
      break;
    }
    t->done = 1;
    s->tasks_run++;
    s->tasks_done++;
    if (is_reference(t)) st = reference_done(run, finished, ref_ok, s, err);
    if (progress) progress(user, s->tasks_done, s->tasks_total, task_name(run, t, what, sizeof what));
  }
  if (pool) nacre_procpool_free(pool, 1);
  for (int k = 0; k < run->ntasks; k++) run->tasks[k].running = 0;
  free(ref_ok);
  return st;
}

/* ---------------------------------------------------------------- */
/* Assembling the results                                             */
/* ---------------------------------------------------------------- */

static void atoms_springs(const fe_run *run, int p, const fe_reference_result *r,
                          double *k_atoms) {
  const fe_phase *ph = &run->ph[p];
  for (int i = 0; i < ph->cell->natoms; i++) {
    k_atoms[i] = r->k_ev_a2[0];
    for (int q = 0; q < r->nspecies; q++)
      if (r->species_z[q] == ph->cell->numbers[i]) k_atoms[i] = r->k_ev_a2[q];
  }
}

/* The λ integral F_sys − F_ref = ∫ ⟨U_sys − U_ref⟩ dλ per atom from the
 * windows of `kind`; 0 when all are known. */
static int lambda_integral(const fe_run *run, int p, fe_task_kind kind,
                           nacre_fe_window *w, int *nw, double *value,
                           double *stderr_value, nacre_error *err) {
  double n = run->ph[p].cell->natoms, sum = 0.0, var = 0.0;
  int missing = 0;
  *nw = 0;
  for (int k = 0; k < run->ntasks; k++) {
    const fe_task *t = &run->tasks[k];
    if (t->phase != p || t->kind != kind) continue;
    nacre_fe_window *x = &w[(*nw)++];
    x->lambda = t->lambda;
    x->weight = t->weight;
    x->integrand_per_atom_ev = x->integrand_per_atom_stderr_ev = NAN;
    fe_window_result r;
    if (!t->done || fe_read_window(t->path, &r, err)) {
      missing++;
      continue;
    }
    x->integrand_per_atom_ev = -r.mean_ev / n;
    x->integrand_per_atom_stderr_ev = r.stderr_ev / n;
    x->samples = r.samples;
    sum += x->weight * x->integrand_per_atom_ev;
    var += x->weight * x->weight * x->integrand_per_atom_stderr_ev * x->integrand_per_atom_stderr_ev;
  }
  *value = missing ? NAN : sum;
  *stderr_value = missing ? NAN : sqrt(var);
  return missing;
}

static double inv_t2(double t) { return 1.0 / (t * t); }

/* G(T) on the isobar through (T0, G0 ± s0) from the points it0 ± of
 * pressure index ip whose enthalpy is known and valid (the contiguous run
 * around it0). */
static nacre_status isobar_at(const nacre_fe_study *s, const nacre_fe_point *pts,
                              int it0, int ip, double g0, double s0,
                              double temperature_k, double *g, double *sg,
                              nacre_error *err) {
  int np = s->npressures, lo = it0, hi = it0;
  while (lo > 0 && pts[(lo - 1) * np + ip].valid) lo--;
  while (hi < s->ntemperatures - 1 && pts[(hi + 1) * np + ip].valid) hi++;
  int n = hi - lo + 1;
  double x[512] = {0}, h[512], sh[512], c[512];
  if (n > 512) return nacre_error_set(err, NACRE_ERR_INVALID, "temperature grid too long");
  for (int k = 0; k < n; k++) {
    const nacre_fe_point *q = &pts[(lo + k) * np + ip];
    x[k] = q->temperature_k;
    h[k] = q->enthalpy_per_atom_ev;
    sh[k] = q->enthalpy_per_atom_stderr_ev;
  }
  double t0 = s->temperatures_k[it0];
  nacre_status st = nacre_spline_integral_weights(n, x, t0, temperature_k, inv_t2, c, err);
  if (st) return st;
  double integral = 0.0, var = 0.0;
  for (int k = 0; k < n; k++) {
    integral += c[k] * h[k];
    var += c[k] * c[k] * (isfinite(sh[k]) ? sh[k] * sh[k] : 0.0);
  }
  double t = temperature_k;
  *g = t * (g0 / t0 - integral);
  *sg = sqrt((t / t0) * (t / t0) * s0 * s0 + t * t * var);
  return NACRE_OK;
}

/* Quantum − classical harmonic F per atom of a crystal's input structure,
 * at each temperature of the grid (nacre phonon with its defaults). */
static nacre_status quantum_correction(const fe_run *run,
                                       const nacre_structure *unit,
                                       double *qc, nacre_error *err) {
  nacre_phonon_options po;
  nacre_phonon_options_init(&po);
  nacre_phonon *ph = NULL;
  nacre_phonon_mesh *m = NULL;
  nacre_calc *calc = nacre_calc_new(run->pot, -1.0, err);
  nacre_status st = calc ? NACRE_OK : (err ? err->status : NACRE_ERR_NOMEM);
  if (!st) st = nacre_phonon_new(unit, NULL, &po, &ph, err);
  if (!st) st = nacre_phonon_compute_forces(ph, calc, run->ctx, NULL, NULL, err);
  if (!st) st = nacre_phonon_produce_force_constants(ph, err);
  int mesh[3];
  if (!st) {
    nacre_phonon_mesh_for_density(unit->cell, 40.0, mesh);
    st = nacre_phonon_mesh_run(ph, mesh, 0, run->ctx, &m, err);
  }
  for (int it = 0; !st && it < run->o.ntemperatures; it++) {
    nacre_phonon_thermo th;
    nacre_phonon_thermo_at(m, run->temperatures_k[it], &th);
    qc[it] = th.quantum_correction_per_atom_ev;
    if (th.imaginary_fraction > 0.0 && it == 0)
      nacre_log(run->ctx, NACRE_LOG_WARN,
                "quantum correction: %.2g of the modes are imaginary and left "
                "out",
                th.imaginary_fraction);
  }
  nacre_phonon_mesh_free(m);
  nacre_phonon_free(ph);
  nacre_calc_free(calc);
  if (st) nacre_error_prefix(err, "quantum correction (phonons): ");
  return st;
}

static nacre_status assemble_phase(const fe_run *run, int p,
                                   const nacre_structure *unit,
                                   nacre_fe_study *s, nacre_error *err) {
  const fe_phase *ph = &run->ph[p];
  nacre_fe_phase_result *r = &s->phases[p];
  int nt = s->ntemperatures, np = s->npressures, n = ph->cell->natoms;
  snprintf(r->name, sizeof r->name, "%s", ph->name);
  r->kind = ph->kind;
  r->natoms = n;
  r->space_group_input = ph->space_group;
  double t0 = run->temperatures_k[run->it0], p0 = run->pressures_gpa[run->ip0];
  double kt0 = NACRE_BOLTZMANN_EV_K * t0;
  r->reference_temperature_k = t0;
  r->reference_pressure_gpa = p0;
  r->points = calloc((size_t)nt * np, sizeof *r->points);
  if (!r->points) return nacre_error_set(err, NACRE_ERR_NOMEM, "points");
  for (int it = 0; it < nt; it++)
    for (int ip = 0; ip < np; ip++) {
      nacre_fe_point *q = &r->points[it * np + ip];
      q->temperature_k = run->temperatures_k[it];
      q->pressure_gpa = run->pressures_gpa[ip];
      q->volume_per_atom_a3 = q->enthalpy_per_atom_ev = q->gibbs_energy_per_atom_ev = NAN;
      q->energy_per_atom_ev = q->free_energy_per_atom_ev = q->entropy_per_atom_kb = NAN;
      q->measured_pressure_gpa = NAN;
    }
  /* the reference */
  const fe_task *ref = NULL;
  for (int k = 0; k < run->ntasks && !ref; k++)
    if (run->tasks[k].phase == p &&
        (run->tasks[k].kind == FE_SOLID_REFERENCE || run->tasks[k].kind == FE_LIQUID_REFERENCE))
      ref = &run->tasks[k];
  fe_reference_result rr;
  memset(&rr, 0, sizeof rr);
  int have_ref = ref && ref->done && !fe_read_reference(ref->path, &rr, err);
  snprintf(r->status, sizeof r->status, "%s", have_ref ? rr.status : "incomplete");
  if (have_ref) {
    snprintf(r->message, sizeof r->message, "%s", rr.message);
    memcpy(r->reference_cell, rr.cell, sizeof rr.cell);
    r->reference_volume_per_atom_a3 = rr.volume_per_atom_a3;
  }
  r->free_energy_per_atom_ev = r->gibbs_energy_per_atom_ev = NAN;
  r->free_energy_per_atom_stderr_ev = r->gibbs_energy_per_atom_stderr_ev = NAN;
  r->delta_free_energy_per_atom_ev = r->delta_free_energy_per_atom_stderr_ev = NAN;
  r->reference_free_energy_per_atom_ev = r->lattice_energy_per_atom_ev = NAN;
  r->uf_excess_per_atom_ev = r->uf_excess_per_atom_stderr_ev = NAN;
  r->rms_site_displacement_a = NAN;
  r->symmetry_deviation_a = r->symmetry_bound_a = NAN;
  int ok = have_ref && (!strcmp(rr.status, "ok") || !strcmp(rr.status, "inconclusive"));
  double fref = NAN, fref_err = 0.0;
  /* Δ_N(T) = k_BT [Σ_dense − Σ_cell ln ν + (n_dense − n_cell) ln(h·THz/k_BT)] */
  double fs_dl = NAN, fs_dn = NAN;
  r->finite_size_correction_per_atom_ev = NAN;
  if (ok && ph->kind == NACRE_FE_SOLID && run->o.finite_size_correction) {
    fs_dl = rr.fs_lnnu_dense - rr.fs_lnnu_cell;
    fs_dn = rr.fs_modes_dense - rr.fs_modes_cell;
    snprintf(r->finite_size_note, sizeof r->finite_size_note, "%s", rr.fs_note);
    if (!isfinite(fs_dl) && !rr.fs_note[0])
      snprintf(r->finite_size_note, sizeof r->finite_size_note,
               "no finite-size correction (not computed)");
    if (r->finite_size_note[0]) nacre_log(run->ctx, NACRE_LOG_WARN, "%s: %s", ph->name, r->finite_size_note);
    r->finite_size_correction_per_atom_ev =
        kt0 * (fs_dl + fs_dn * log(NACRE_THZ_TO_EV / kt0));
  }
  if (have_ref && ph->kind == NACRE_FE_SOLID) {
    r->lattice_energy_per_atom_ev = rr.lattice_energy_ev / n;
    r->nspecies = rr.nspecies;
    for (int q = 0; q < rr.nspecies; q++) {
      r->species_z[q] = rr.species_z[q];
      r->spring_constant_ev_a2[q] = rr.k_ev_a2[q];
      r->msd_a2[q] = rr.msd_a2[q];
    }
    r->symmetry_deviation_a = rr.symmetry_deviation_a;
    r->symmetry_bound_a = rr.symmetry_bound_a;
    r->rms_site_displacement_a = rr.rms_site_displacement_a;
    if (ok) {
      double *k_atoms = malloc((size_t)n * sizeof *k_atoms);
      if (!k_atoms) {
        fe_reference_result_free(&rr);
        return nacre_error_set(err, NACRE_ERR_NOMEM, "springs");
      }
      atoms_springs(run, p, &rr, k_atoms);
      fref = (rr.lattice_energy_ev + nacre_einstein_free_energy_ev(n, ph->masses, k_atoms, t0)) / n;
      free(k_atoms);
    }
  } else if (have_ref && ok) {
    nacre_structure *box = nacre_structure_copy(ph->cell, err);
    if (!box) {
      fe_reference_result_free(&rr);
      return err ? err->status : NACRE_ERR_NOMEM;
    }
    memcpy(box->cell, rr.cell, sizeof box->cell);
    double fid = nacre_ideal_gas_free_energy_ev(box, ph->masses, t0) / n;
    nacre_structure_free(box);
    double ex, sex;
    lambda_integral(run, p, FE_IDEAL_WINDOW, r->uf_windows, &r->nuf_windows, &ex, &sex, err);
    r->uf_excess_per_atom_ev = ex;
    r->uf_excess_per_atom_stderr_ev = sex;
    r->uf_p = run->o.uf_p;
    r->uf_sigma_a = run->o.uf_sigma_a > 0 ? run->o.uf_sigma_a : 0.5 * cbrt(rr.volume_per_atom_a3);
    fref = fid + ex;
    fref_err = sex;
  }
  r->reference_free_energy_per_atom_ev = fref;
  if (ok) {
    double d, sd;
    lambda_integral(run, p, ph->kind == NACRE_FE_SOLID ? FE_EINSTEIN_WINDOW : FE_UF_WINDOW,
                    r->windows, &r->nwindows, &d, &sd, err);
    r->delta_free_energy_per_atom_ev = d;
    r->delta_free_energy_per_atom_stderr_ev = sd;
    r->free_energy_per_atom_ev = fref + d;
    r->free_energy_per_atom_stderr_ev = sqrt(sd * sd + fref_err * fref_err);
    double pv = p0 * NACRE_GPA_TO_EV_A3 * rr.volume_per_atom_a3;
    if (run->o.fixed_cell)
      pv = rr.measured_pressure_gpa * NACRE_GPA_TO_EV_A3 * rr.volume_per_atom_a3;
    r->gibbs_energy_per_atom_ev = r->free_energy_per_atom_ev + pv +
                                  (isfinite(r->finite_size_correction_per_atom_ev)
                                       ? r->finite_size_correction_per_atom_ev
                                       : 0.0);
    r->gibbs_energy_per_atom_stderr_ev = r->free_energy_per_atom_stderr_ev;
    if (isfinite(d) && isfinite(r->free_energy_per_atom_ev))
      ; /* complete */
    else
      snprintf(r->status, sizeof r->status, "incomplete");
  } else if (have_ref && ph->kind == NACRE_FE_SOLID) {
    r->nwindows = 0;
  }
  fe_reference_result_free(&rr);
  /* the grid points */
  int fixed = run->o.fixed_cell;
  double nf = ph->kind == NACRE_FE_SOLID ? 3.0 * n - 3.0 : 3.0 * n;
  double cell_dof = fixed ? 0.0 : ph->kind == NACRE_FE_SOLID && run->o.anisotropic ? 6.0 : 1.0;
  for (int k = 0; k < run->ntasks; k++) {
    const fe_task *t = &run->tasks[k];
    if (t->phase != p || t->kind != FE_SCAN || !t->done) continue;
    fe_scan_result sr;
    if (fe_read_scan(t->path, &sr, err)) return err->status;
    nacre_fe_point *q = &r->points[t->it * np + t->ip];
    double kt = NACRE_BOLTZMANN_EV_K * t->temperature_k;
    q->volume_per_atom_a3 = sr.volume_a3 / n;
    q->volume_per_atom_stderr_a3 = sr.volume_stderr_a3 / n;
    q->energy_per_atom_ev = sr.energy_ev / n;
    q->energy_per_atom_stderr_ev = sr.energy_stderr_ev / n;
    /* H = ⟨U + P V⟩ + N_f k_BT / 2 (the kinetic energy exactly) − m k_BT / 2:
     * the NPT average carries k_BT/2 for each of the m cell degrees of
     * freedom the barostat samples (1 iso, 6 aniso: the Gaussian integral
     * over the cell in Δ(T, P) = ∫ dh e^(−(F(h) + PV)/k_BT)), while the
     * reference G = F(V0) + P V0 is the saddle point without them: the
     * difference, −(m/2) k_BT ln k_BT + O(k_BT) per cell, vanishes per atom
     * as 1/N but would make G(T) depend on T0 by some 0.3 meV/atom in a
     * 30-atom cell */
    q->enthalpy_per_atom_ev = sr.enthalpy_ev / n + 0.5 * (nf - cell_dof) * kt / n;
    q->enthalpy_per_atom_stderr_ev = sr.enthalpy_stderr_ev / n;
    q->measured_pressure_gpa = sr.measured_pressure_gpa;
    snprintf(q->verdict, sizeof q->verdict, "%s", sr.verdict);
    snprintf(q->crystal_check, sizeof q->crystal_check, "%s", sr.crystal_check);
    snprintf(q->reason, sizeof q->reason, "%.255s", sr.reason);
    if (!strcmp(sr.crystal_check, "inconclusive"))
      nacre_log(run->ctx, NACRE_LOG_WARN, "%s at %g K, %g GPa: %s", ph->name, t->temperature_k,
                t->pressure_gpa, sr.reason);
    q->valid = sr.valid; /* the run; G is decided below */
  }
  /* quantum correction */
  double *qc = calloc((size_t)nt, sizeof *qc);
  if (!qc) return nacre_error_set(err, NACRE_ERR_NOMEM, "quantum correction");
  if (run->o.quantum_correction && ph->kind == NACRE_FE_SOLID && unit) {
    nacre_status st = quantum_correction(run, unit, qc, err);
    if (st) {
      free(qc);
      return st;
    }
  }
  double qc0 = qc[run->it0];
  for (int it = 0; it < nt; it++)
    for (int ip = 0; ip < np; ip++) {
      nacre_fe_point *q = &r->points[it * np + ip];
      double kt = NACRE_BOLTZMANN_EV_K * q->temperature_k;
      double fs = isfinite(fs_dl) ? kt * (fs_dl + fs_dn * log(NACRE_THZ_TO_EV / kt)) : 0.0;
      q->quantum_correction_per_atom_ev = qc[it];
      q->finite_size_correction_per_atom_ev = fs;
    }
  free(qc);
  /* G along the reference isotherm, then along each isobar; the
   * integration runs on the classical G of the simulated cell, the
   * corrections are added per point */
  int ok_ref = !strcmp(r->status, "ok") || !strcmp(r->status, "inconclusive");
  double gcl0 = r->gibbs_energy_per_atom_ev -
                (isfinite(r->finite_size_correction_per_atom_ev) ? r->finite_size_correction_per_atom_ev : 0.0);
  r->gibbs_energy_per_atom_ev += qc0;
  const nacre_fe_point *q0 = &r->points[run->it0 * np + run->ip0];
  if (!ok_ref || !q0->valid) {
    for (int k = 0; k < nt * np; k++) r->points[k].valid = 0;
    (void)kt0;
    return NACRE_OK;
  }
  double g_t0[512], s_t0[512];
  if (np > 512) return nacre_error_set(err, NACRE_ERR_INVALID, "pressure grid too long");
  {
    int lo = run->ip0, hi = run->ip0;
    while (lo > 0 && r->points[run->it0 * np + lo - 1].valid) lo--;
    while (hi < np - 1 && r->points[run->it0 * np + hi + 1].valid) hi++;
    double x[512], v[512], sv[512], c[512];
    int m = hi - lo + 1;
    for (int k = 0; k < m; k++) {
      const nacre_fe_point *q = &r->points[run->it0 * np + lo + k];
      x[k] = q->pressure_gpa;
      v[k] = q->volume_per_atom_a3 * NACRE_GPA_TO_EV_A3;
      sv[k] = q->volume_per_atom_stderr_a3 * NACRE_GPA_TO_EV_A3;
    }
    for (int ip = 0; ip < np; ip++) {
      g_t0[ip] = s_t0[ip] = NAN;
      if (ip < lo || ip > hi) continue;
      nacre_status st = nacre_spline_integral_weights(m, x, p0, run->pressures_gpa[ip], NULL, c, err);
      if (st) return st;
      double dg = 0.0, var = 0.0;
      for (int k = 0; k < m; k++) {
        dg += c[k] * v[k];
        var += c[k] * c[k] * (isfinite(sv[k]) ? sv[k] * sv[k] : 0.0);
      }
      g_t0[ip] = gcl0 + dg;
      s_t0[ip] = sqrt(r->gibbs_energy_per_atom_stderr_ev * r->gibbs_energy_per_atom_stderr_ev + var);
      if (fixed) { /* the isochore: F, with G = F + P V at the measured P */
        g_t0[ip] = r->free_energy_per_atom_ev;
        s_t0[ip] = r->free_energy_per_atom_stderr_ev;
      }
    }
  }
  /* which points lie on the contiguous valid run of their isobar */
  int *on = calloc((size_t)nt * np, sizeof *on);
  if (!on) return nacre_error_set(err, NACRE_ERR_NOMEM, "points");
  for (int ip = 0; ip < np; ip++) {
    if (!isfinite(g_t0[ip]) || !r->points[run->it0 * np + ip].valid) continue;
    int lo = run->it0, hi = run->it0;
    while (lo > 0 && r->points[(lo - 1) * np + ip].valid) lo--;
    while (hi < nt - 1 && r->points[(hi + 1) * np + ip].valid) hi++;
    for (int it = lo; it <= hi; it++) on[it * np + ip] = 1;
  }
  for (int it = 0; it < nt; it++)
    for (int ip = 0; ip < np; ip++) {
      nacre_fe_point *q = &r->points[it * np + ip];
      if (!on[it * np + ip]) {
        q->valid = 0;
        continue;
      }
      double g, sg;
      nacre_status st = isobar_at(s, r->points, run->it0, ip, g_t0[ip], s_t0[ip],
                                  q->temperature_k, &g, &sg, err);
      if (st) {
        free(on);
        return st;
      }
      double pv = (fixed ? q->measured_pressure_gpa : q->pressure_gpa) * NACRE_GPA_TO_EV_A3 *
                  q->volume_per_atom_a3;
      double fcl = fixed ? g : g - pv;
      double gcl = fixed ? g + pv : g;
      q->entropy_per_atom_kb = (q->enthalpy_per_atom_ev + (fixed ? pv : 0.0) - gcl) /
                               (NACRE_BOLTZMANN_EV_K * q->temperature_k);
      double add = q->quantum_correction_per_atom_ev + q->finite_size_correction_per_atom_ev;
      q->gibbs_energy_per_atom_ev = gcl + add;
      q->free_energy_per_atom_ev = fcl + add;
      q->gibbs_energy_per_atom_stderr_ev = sg;
      q->valid = 1;
    }
  free(on);
  return NACRE_OK;
}

nacre_status nacre_fe_gibbs_at(const nacre_fe_study *s, int phase,
                               int pressure_index, double temperature_k,
                               double *g_per_atom_ev, double *stderr_ev,
                               nacre_error *err) {
  if (phase < 0 || phase >= s->nphases || pressure_index < 0 ||
      pressure_index >= s->npressures)
    return nacre_error_set(err, NACRE_ERR_INVALID, "no such phase or pressure");
  const nacre_fe_phase_result *r = &s->phases[phase];
  int np = s->npressures, it0 = -1;
  for (int it = 0; it < s->ntemperatures; it++)
    if (fabs(s->temperatures_k[it] - r->reference_temperature_k) < 1e-9 * r->reference_temperature_k)
      it0 = it;
  if (!r->points || it0 < 0 || !r->points[it0 * np + pressure_index].valid)
    return nacre_error_set(err, NACRE_ERR_INVALID, "%s has no free energy at %g GPa",
                           r->name, s->pressures_gpa[pressure_index]);
  const nacre_fe_point *q0 = &r->points[it0 * np + pressure_index];
  double g0 = q0->gibbs_energy_per_atom_ev - q0->quantum_correction_per_atom_ev -
              q0->finite_size_correction_per_atom_ev;
  nacre_status st = isobar_at(s, r->points, it0, pressure_index, g0,
                              q0->gibbs_energy_per_atom_stderr_ev, temperature_k,
                              g_per_atom_ev, stderr_ev, err);
  if (st) return st;
  /* the corrections between grid points, linearly (the finite-size one is
   * k_BT (a + b ln k_BT), smooth on the scale of a grid step) */
  int k = 0;
  while (k < s->ntemperatures - 2 && s->temperatures_k[k + 1] < temperature_k) k++;
  const nacre_fe_point *a = &r->points[k * np + pressure_index];
  double add = a->quantum_correction_per_atom_ev + a->finite_size_correction_per_atom_ev;
  if (s->ntemperatures > 1) {
    const nacre_fe_point *b = &r->points[(k + 1) * np + pressure_index];
    double t0 = s->temperatures_k[k], t1 = s->temperatures_k[k + 1];
    double w = (temperature_k - t0) / (t1 - t0);
    add = (1 - w) * add + w * (b->quantum_correction_per_atom_ev + b->finite_size_correction_per_atom_ev);
  }
  *g_per_atom_ev += add;
  return NACRE_OK;
}

/* The range of temperatures where phase p has G at pressure index ip. */
static int valid_range(const nacre_fe_study *s, int p, int ip, double *lo, double *hi) {
  const nacre_fe_phase_result *r = &s->phases[p];
  *lo = INFINITY;
  *hi = -INFINITY;
  if (!r->points) return 0;
  for (int it = 0; it < s->ntemperatures; it++)
    if (r->points[it * s->npressures + ip].valid) {
      *lo = fmin(*lo, s->temperatures_k[it]);
      *hi = fmax(*hi, s->temperatures_k[it]);
    }
  return *hi >= *lo;
}

static double delta_g(const nacre_fe_study *s, int a, int b, int ip, double t,
                      double *sd) {
  double ga, gb, sa, sb;
  if (nacre_fe_gibbs_at(s, a, ip, t, &ga, &sa, NULL) ||
      nacre_fe_gibbs_at(s, b, ip, t, &gb, &sb, NULL))
    return NAN;
  if (sd) *sd = sqrt(sa * sa + sb * sb);
  return ga - gb;
}

static nacre_status find_crossings(nacre_fe_study *s, int fixed, nacre_error *err) {
  int cap = 16;
  s->crossings = malloc((size_t)cap * sizeof *s->crossings);
  if (!s->crossings) return nacre_error_set(err, NACRE_ERR_NOMEM, "crossings");
  if (fixed) return NACRE_OK;
  for (int ip = 0; ip < s->npressures; ip++)
    for (int a = 0; a < s->nphases; a++)
      for (int b = a + 1; b < s->nphases; b++) {
        double la, ha, lb, hb;
        if (!valid_range(s, a, ip, &la, &ha) || !valid_range(s, b, ip, &lb, &hb)) continue;
        double lo = fmax(la, lb), hi = fmin(ha, hb);
        if (!(hi > lo)) continue;
        const int nsamp = 400;
        double prev = delta_g(s, a, b, ip, lo, NULL), tprev = lo;
        for (int k = 1; k <= nsamp; k++) {
          double t = lo + (hi - lo) * k / nsamp, d = delta_g(s, a, b, ip, t, NULL);
          if (isfinite(prev) && isfinite(d) && (prev < 0) != (d < 0) && d != prev) {
            double x0 = tprev, x1 = t, f0 = prev;
            for (int it = 0; it < 60; it++) {
              double xm = 0.5 * (x0 + x1), fm = delta_g(s, a, b, ip, xm, NULL);
              if ((fm < 0) == (f0 < 0)) {
                x0 = xm;
                f0 = fm;
              } else {
                x1 = xm;
              }
            }
            double tx = 0.5 * (x0 + x1), sd = 0.0;
            delta_g(s, a, b, ip, tx, &sd);
            double h = 1e-3 * (hi - lo);
            double slope = (delta_g(s, a, b, ip, fmin(hi, tx + h), NULL) -
                            delta_g(s, a, b, ip, fmax(lo, tx - h), NULL)) /
                           (fmin(hi, tx + h) - fmax(lo, tx - h));
            if (s->ncrossings == cap) {
              cap *= 2;
              nacre_fe_crossing *c = realloc(s->crossings, (size_t)cap * sizeof *c);
              if (!c) return nacre_error_set(err, NACRE_ERR_NOMEM, "crossings");
              s->crossings = c;
            }
            nacre_fe_crossing *c = &s->crossings[s->ncrossings++];
            c->pressure_index = ip;
            c->below = prev < 0 ? a : b; /* ΔG = G_a − G_b < 0: a lower */
            c->above = prev < 0 ? b : a;
            c->temperature_k = tx;
            c->temperature_stderr_k = fabs(slope) > 0 ? sd / fabs(slope) : NAN;
            c->melting = s->phases[a].kind != s->phases[b].kind;
          }
          prev = d;
          tprev = t;
        }
      }
  return NACRE_OK;
}

static void find_lowest(nacre_fe_study *s) {
  int np = s->npressures;
  for (int k = 0; k < s->ntemperatures * np; k++) {
    int best = -1, second = -1;
    for (int p = 0; p < s->nphases; p++) {
      const nacre_fe_point *q = s->phases[p].points ? &s->phases[p].points[k] : NULL;
      if (!q || !q->valid) continue;
      if (best < 0 || q->gibbs_energy_per_atom_ev < s->phases[best].points[k].gibbs_energy_per_atom_ev) {
        second = best;
        best = p;
      } else if (second < 0 || q->gibbs_energy_per_atom_ev <
                                   s->phases[second].points[k].gibbs_energy_per_atom_ev) {
        second = p;
      }
    }
    s->lowest[k] = best;
    s->lowest_certain[k] = 0;
    if (best >= 0 && second < 0) s->lowest_certain[k] = 1;
    if (best >= 0 && second >= 0) {
      const nacre_fe_point *a = &s->phases[best].points[k], *b = &s->phases[second].points[k];
      double sd = hypot(a->gibbs_energy_per_atom_stderr_ev, b->gibbs_energy_per_atom_stderr_ev);
      s->lowest_certain[k] = b->gibbs_energy_per_atom_ev - a->gibbs_energy_per_atom_ev > 2 * sd;
    }
  }
}

void nacre_fe_study_free(nacre_fe_study *s) {
  if (!s) return;
  for (int p = 0; p < s->nphases && s->phases; p++) free(s->phases[p].points);
  free(s->phases);
  free(s->temperatures_k);
  free(s->pressures_gpa);
  free(s->lowest);
  free(s->lowest_certain);
  free(s->crossings);
  free(s);
}

nacre_status nacre_fe_study_run(const nacre_potential *p,
                                const nacre_fe_phase *phases, int nphases,
                                const nacre_fe_options *o,
                                nacre_fe_progress_fn progress,
                                void *progress_user, const nacre_ctx *ctx,
                                nacre_fe_study **out, nacre_error *err) {
  *out = NULL;
  double t_start = nacre_now_s();
  fe_run run;
  nacre_status st = build_run(p, phases, nphases, o, ctx, &run, err);
  nacre_fe_study *s = st ? NULL : calloc(1, sizeof *s);
  if (!st && !s) st = nacre_error_set(err, NACRE_ERR_NOMEM, "study");
  if (st) {
    run_free(&run);
    return st;
  }
  run.deadline = o->time_limit_s > 0 ? t_start + o->time_limit_s : 0.0;
  int nt = run.o.ntemperatures, np = run.o.npressures;
  s->nphases = nphases;
  s->ntemperatures = nt;
  s->npressures = np;
  s->phases = calloc((size_t)nphases, sizeof *s->phases);
  s->temperatures_k = malloc((size_t)nt * sizeof(double));
  s->pressures_gpa = malloc((size_t)np * sizeof(double));
  s->lowest = calloc((size_t)nt * np, sizeof(int));
  s->lowest_certain = calloc((size_t)nt * np, sizeof(int));
  if (!s->phases || !s->temperatures_k || !s->pressures_gpa || !s->lowest || !s->lowest_certain)
    st = nacre_error_set(err, NACRE_ERR_NOMEM, "study");
  if (!st) {
    memcpy(s->temperatures_k, run.temperatures_k, (size_t)nt * sizeof(double));
    memcpy(s->pressures_gpa, run.pressures_gpa, (size_t)np * sizeof(double));
    snprintf(s->outcome, sizeof s->outcome, "completed");
    st = run_tasks(&run, s, progress, progress_user, t_start, err);
  }
  for (int q = 0; q < nphases && !st; q++)
    st = assemble_phase(&run, q, phases[q].structure, s, err);
  if (!st) find_lowest(s);
  if (!st) st = find_crossings(s, run.o.fixed_cell, err);
  s->wall_s = nacre_now_s() - t_start;
  if (!st) st = fe_write_tables(&run, s, err);
  run_free(&run);
  if (st) {
    nacre_fe_study_free(s);
    return st;
  }
  *out = s;
  return NACRE_OK;
}
