/* phonon.c — the phonon object: set-up (supercell, operations,
 * displacements, images), its size and memory, the displaced supercells and
 * their forces from any calculator. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "phonon_internal.h"

void nacre_phonon_free(nacre_phonon *ph) {
  if (!ph) return;
  nacre_structure_free(ph->unit);
  nacre_structure_free(ph->super);
  free(ph->mass);
  free(ph->cells), free(ph->cell_index);
  free(ph->rot), free(ph->cart), free(ph->perm), free(ph->shift);
  free(ph->orbit);
  free(ph->disp_atom), free(ph->disp);
  free(ph->forces), free(ph->have_forces), free(ph->residual);
  free(ph->fc);
  free(ph->img_off), free(ph->img);
  free(ph);
}

static double machine_memory_bytes(void) {
  long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
  return pages > 0 && size > 0 ? (double)pages * (double)size : 16e9;
}

/* Force constants, forces of every displacement, images (about 1.2 per
 * pair) and the supercell. */
static double estimate_bytes(const nacre_phonon *ph) {
  double pairs = (double)ph->n * ph->nsuper;
  return pairs * 9 * sizeof(double) + (double)(ph->ndisp + 1) * 3 * ph->nsuper * sizeof(double) +
         pairs * (sizeof(size_t) + 1.2 * 3 * sizeof(double)) + (double)ph->nsuper * 64;
}

double nacre_phonon_memory_bytes(const nacre_phonon *ph) { return estimate_bytes(ph); }

static nacre_status check_memory(const nacre_phonon *ph, nacre_error *err) {
  double limit =
      ph->opt.max_memory_gb > 0 ? ph->opt.max_memory_gb * 1e9 : 0.75 * machine_memory_bytes();
  double need = estimate_bytes(ph);
  if (need > limit)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "a supercell of %d atoms (%d cells of %d atoms) with %d displacements "
                           "needs about %.1f GB, more than the %.1f GB allowed; choose a smaller "
                           "supercell (--min-length, --supercell) or raise the limit",
                           ph->nsuper, ph->ncells, ph->n, ph->ndisp, need / 1e9, limit / 1e9);
  return NACRE_OK;
}

static nacre_status check_options(const nacre_phonon_options *o, nacre_error *err) {
  if (!(o->displacement_a > 0) || o->displacement_a > 0.5)
    return nacre_error_set(err, NACRE_ERR_INVALID, "displacement %g Å: must be in (0, 0.5] Å",
                           o->displacement_a);
  if (!(o->symprec > 0))
    return nacre_error_set(err, NACRE_ERR_INVALID, "symmetry tolerance %g Å: must be positive",
                           o->symprec);
  return NACRE_OK;
}

static nacre_status copy_unit(nacre_phonon *ph, const nacre_structure *unit, const double *masses,
                              nacre_error *err) {
  nacre_status st = nacre_structure_check(unit, err);
  if (st) return st;
  if (unit->natoms < 1 || !unit->pbc[0] || !unit->pbc[1] || !unit->pbc[2])
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "phonons need a crystal: atoms in a cell periodic "
                           "along a, b and c");
  if (nacre_structure_volume(unit) <= 0)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "the cell is left-handed (negative volume %g Å^3); "
                           "reorder its vectors",
                           nacre_structure_volume(unit));
  if (!(ph->unit = nacre_structure_copy(unit, err))) return err ? err->status : NACRE_ERR_NOMEM;
  ph->n = unit->natoms;
  if (!(ph->mass = malloc((size_t)ph->n * sizeof *ph->mass)))
    return nacre_error_set(err, NACRE_ERR_NOMEM, "phonon masses");
  for (int i = 0; i < ph->n; i++) {
    const nacre_element *e = nacre_element_by_z(unit->numbers[i]);
    ph->mass[i] = masses ? masses[i] : e ? e->mass_amu : 0;
    if (!(ph->mass[i] > 0))
      return nacre_error_set(err, NACRE_ERR_INVALID, "atom %d: mass %g amu must be positive", i + 1,
                             ph->mass[i]);
  }
  return NACRE_OK;
}

nacre_status nacre_phonon_new(const nacre_structure *unit, const double *masses_amu,
                              const nacre_phonon_options *o, nacre_phonon **out, nacre_error *err) {
  *out = NULL;
  nacre_phonon_options defaults;
  if (!o) {
    nacre_phonon_options_init(&defaults);
    o = &defaults;
  }
  nacre_status st = check_options(o, err);
  if (st) return st;
  nacre_phonon *ph = calloc(1, sizeof *ph);
  if (!ph) return nacre_error_set(err, NACRE_ERR_NOMEM, "phonon");
  ph->opt = *o;
  st = copy_unit(ph, unit, masses_amu, err);
  if (!st) {
    int zero = 1;
    for (int r = 0; r < 3; r++)
      for (int c = 0; c < 3; c++) zero &= o->supercell[r][c] == 0;
    if (zero)
      nacre_phonon_supercell_for_length(unit->cell, o->min_length_a, ph->m);
    else
      memcpy(ph->m, o->supercell, sizeof ph->m);
    st = phonon_supercell_build(ph, err);
  }
  if (!st) st = phonon_symmetry_build(ph, err);
  if (!st) st = phonon_displacements_build(ph, err);
  if (!st) st = check_memory(ph, err);
  if (!st) {
    size_t per = 3 * (size_t)ph->nsuper;
    ph->forces = calloc((size_t)ph->ndisp * per, sizeof(double));
    ph->have_forces = calloc((size_t)ph->ndisp + 1, 1);
    ph->residual = calloc(per, sizeof(double));
    if (!ph->forces || !ph->have_forces || !ph->residual)
      st = nacre_error_set(err, NACRE_ERR_NOMEM, "forces of %d displaced supercells of %d atoms",
                           ph->ndisp, ph->nsuper);
  }
  if (!st) st = phonon_images_build(ph, err);
  if (st) {
    nacre_phonon_free(ph);
    return st;
  }
  *out = ph;
  return NACRE_OK;
}

const nacre_structure *nacre_phonon_unit_cell(const nacre_phonon *ph) { return ph->unit; }
const nacre_structure *nacre_phonon_supercell(const nacre_phonon *ph) { return ph->super; }
void nacre_phonon_supercell_matrix(const nacre_phonon *ph, int m[3][3]) {
  memcpy(m, ph->m, sizeof ph->m);
}
const double *nacre_phonon_masses(const nacre_phonon *ph) { return ph->mass; }
int nacre_phonon_natoms(const nacre_phonon *ph) { return ph->n; }
int nacre_phonon_nbands(const nacre_phonon *ph) { return 3 * ph->n; }
const char *nacre_phonon_space_group(const nacre_phonon *ph) { return ph->space_group; }
int nacre_phonon_space_group_number(const nacre_phonon *ph) { return ph->space_group_number; }
int nacre_phonon_noperations(const nacre_phonon *ph) { return ph->nops; }
int nacre_phonon_ndisplacements(const nacre_phonon *ph) { return ph->ndisp; }
const double *nacre_phonon_force_constants(const nacre_phonon *ph) { return ph->fc; }
double nacre_phonon_sum_rule_violation(const nacre_phonon *ph) { return ph->sum_rule_violation; }

double nacre_phonon_residual_force(const nacre_phonon *ph) {
  if (!ph->have_residual) return 0;
  double largest = 0;
  for (int j = 0; j < ph->nsuper; j++) {
    const double *f = &ph->residual[3 * j];
    largest = fmax(largest, sqrt(f[0] * f[0] + f[1] * f[1] + f[2] * f[2]));
  }
  return largest;
}

void nacre_phonon_displacement(const nacre_phonon *ph, int k, int *atom, double u[3]) {
  *atom = ph->disp_atom[k] * ph->ncells;
  memcpy(u, ph->disp[k], sizeof ph->disp[k]);
}

nacre_status nacre_phonon_displaced_supercell(const nacre_phonon *ph, int k, nacre_structure **out,
                                              nacre_error *err) {
  *out = NULL;
  if (k < -1 || k >= ph->ndisp)
    return nacre_error_set(err, NACRE_ERR_INVALID, "displacement %d out of range (0..%d)", k,
                           ph->ndisp - 1);
  nacre_structure *s = nacre_structure_copy(ph->super, err);
  if (!s) return err ? err->status : NACRE_ERR_NOMEM;
  if (k >= 0) {
    int j = ph->disp_atom[k] * ph->ncells;
    for (int c = 0; c < 3; c++) s->positions[3 * j + c] += ph->disp[k][c];
  }
  *out = s;
  return NACRE_OK;
}

nacre_status nacre_phonon_set_forces(nacre_phonon *ph, int k, const double *forces,
                                     nacre_error *err) {
  if (k < -1 || k >= ph->ndisp)
    return nacre_error_set(err, NACRE_ERR_INVALID, "displacement %d out of range (0..%d)", k,
                           ph->ndisp - 1);
  size_t per = 3 * (size_t)ph->nsuper;
  for (size_t c = 0; c < per; c++)
    if (!isfinite(forces[c]))
      return nacre_error_set(err, NACRE_ERR_NUMERIC,
                             "displacement %d: force on atom %zu is not finite", k, c / 3 + 1);
  if (k < 0) {
    memcpy(ph->residual, forces, per * sizeof *forces);
    ph->have_residual = 1;
  } else {
    memcpy(&ph->forces[(size_t)k * per], forces, per * sizeof *forces);
    ph->have_forces[k] = 1;
  }
  return NACRE_OK;
}

/* One displaced supercell (k = −1: undisplaced) evaluated into r. */
static nacre_status evaluate(const nacre_phonon *ph, nacre_calc *calc, int k, nacre_structure *s,
                             nacre_result *r, nacre_error *err) {
  memcpy(s->positions, ph->super->positions, 3 * (size_t)ph->nsuper * sizeof(double));
  if (k >= 0) {
    int j = ph->disp_atom[k] * ph->ncells;
    for (int c = 0; c < 3; c++) s->positions[3 * j + c] += ph->disp[k][c];
  }
  nacre_status st = nacre_calc_compute(calc, s, NACRE_WANT_ENERGY | NACRE_WANT_FORCES, r, err);
  if (st) nacre_error_prefix(err, "phonon: displaced supercell %d: ", k + 1);
  return st;
}

/* Supercells are independent: with several per thread they are shared out
 * among threads (one calculator each; the potential's own loops then run on
 * one thread), otherwise the potential's loops use the threads. */
nacre_status nacre_phonon_compute_forces(nacre_phonon *ph, nacre_calc *calc, const nacre_ctx *ctx,
                                         nacre_phonon_progress_fn progress, void *progress_user,
                                         nacre_error *err) {
  const nacre_potential *pot = nacre_calc_potential(calc);
  nacre_status st = nacre_potential_supports(pot, ph->unit, err);
  if (st) return st;
  int first = ph->opt.subtract_residual ? -1 : 0, total = ph->ndisp - first;
  int nthreads = 1, done = 0, stop = 0;
#ifdef _OPENMP
  nthreads = omp_get_max_threads();
#endif
  int shared = total >= 2 * nthreads && nthreads > 1;
  nacre_error first_err;
  nacre_error_clear(&first_err);
#pragma omp parallel if (shared) num_threads(shared ? nthreads : 1)
  {
    nacre_error e1;
    nacre_error_clear(&e1);
    nacre_calc *mine = shared ? nacre_calc_new(pot, -1.0, &e1) : calc;
    nacre_structure *s = nacre_structure_copy(ph->super, &e1);
    nacre_result r;
    nacre_status ts = mine && s ? nacre_result_init(&r, ph->nsuper, &e1) : NACRE_ERR_NOMEM;
#pragma omp for schedule(dynamic)
    for (int k = first; k < ph->ndisp; k++) {
      if (ts || stop || (ctx && nacre_ctx_interrupted(ctx))) {
        stop = 1;
        continue;
      }
      nacre_status es = evaluate(ph, mine, k, s, &r, &e1);
#pragma omp critical(phonon_forces)
      {
        if (!es) es = nacre_phonon_set_forces(ph, k, r.forces, &e1);
        if (es && !first_err.status) first_err = e1;
        if (es) stop = 1;
        done++;
        if (!es && progress && progress(progress_user, "displacements", done, total)) stop = 1;
      }
    }
    if (ts && !first_err.status) {
#pragma omp critical(phonon_forces)
      if (!first_err.status) first_err = e1, first_err.status = ts;
    }
    if (!ts) nacre_result_free(&r);
    nacre_structure_free(s);
    if (shared) nacre_calc_free(mine);
  }
  if (first_err.status) {
    if (err) *err = first_err;
    return first_err.status;
  }
  if (stop || done < total)
    return nacre_error_set(err, NACRE_ERR_INTERRUPTED, "phonon: stopped after %d of %d supercells",
                           done, total);
  return NACRE_OK;
}
