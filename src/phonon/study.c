/* study.c — one phonon study as `nacre phonon` runs it: the residual
 * forces and stress of the structure, force constants (computed or read),
 * frequencies at chosen q, the band structure, the mesh with its density of
 * states and thermodynamics, the stability verdict and the soft-mode
 * structure, and the files. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "phonon_internal.h"

void nacre_phonon_study_options_init(nacre_phonon_study_options *o) {
  memset(o, 0, sizeof *o);
  nacre_phonon_options_init(&o->phonon);
  o->mesh_density = 40;
  o->path = "auto";
  o->path_points = 51;
  o->dos_method = NACRE_DOS_TETRAHEDRON;
  o->sigma_thz = 0.1;
  o->imaginary_tolerance_thz = NACRE_PHONON_IMAGINARY_TOL_THZ;
  o->max_modes = 10;
  o->soft_mode_amplitude_a = 0.1;
}

void nacre_phonon_study_free(nacre_phonon_study *s) {
  if (!s) return;
  nacre_phonon_free(s->ph);
  free(s->qpoint_freq_thz), free(s->qpoint_velocity), free(s->qpoint_eigvec);
  nacre_band_path_free(s->path);
  nacre_phonon_bands_free(s->bands);
  nacre_phonon_mesh_free(s->mesh);
  nacre_phonon_dos_free(s->dos);
  free(s->thermo);
  nacre_phonon_stability_free(s->stability);
  nacre_structure_free(s->soft_mode);
  free(s);
}

static nacre_status residual(nacre_phonon_study *s, const nacre_structure *unit, nacre_calc *calc,
                             double pressure_gpa, nacre_error *err) {
  nacre_result r;
  nacre_status st = nacre_result_init(&r, unit->natoms, err);
  if (!st) st = nacre_calc_compute(calc, unit, NACRE_WANT_ALL, &r, err);
  if (!st) {
    s->residual_fmax_ev_a = 0;
    for (int i = 0; i < unit->natoms; i++) {
      const double *f = &r.forces[3 * i];
      s->residual_fmax_ev_a =
          fmax(s->residual_fmax_ev_a, sqrt(f[0] * f[0] + f[1] * f[1] + f[2] * f[2]));
    }
    for (int k = 0; k < 6; k++)
      s->residual_stress_gpa[k] = r.stress[k] * NACRE_EV_A3_TO_GPA + (k < 3 ? pressure_gpa : 0);
    s->energy_per_atom_ev = r.energy / unit->natoms;
  }
  nacre_result_free(&r);
  return st;
}

static nacre_status force_constants(nacre_phonon_study *s, nacre_calc *calc,
                                    const nacre_phonon_study_options *o, const nacre_ctx *ctx,
                                    nacre_error *err) {
  if (o->force_constants_in)
    return nacre_phonon_read_force_constants(s->ph, o->force_constants_in, err);
  double t0 = nacre_now_s();
  const nacre_potential *pot = nacre_calc_potential(calc);
  if (nacre_committee_size(pot) > 1) {
    nacre_status st = nacre_phonon_compute_committee(s->ph, pot, ctx, o->progress,
                                                     o->progress_user, &s->committee, err);
    s->forces_wall_s = nacre_now_s() - t0;
    return st;
  }
  nacre_status st =
      nacre_phonon_compute_forces(s->ph, calc, ctx, o->progress, o->progress_user, err);
  s->forces_wall_s = nacre_now_s() - t0;
  if (!st) st = nacre_phonon_produce_force_constants(s->ph, err);
  return st;
}

static nacre_status qpoints(nacre_phonon_study *s, const nacre_phonon_study_options *o,
                            nacre_error *err) {
  int nb = nacre_phonon_nbands(s->ph), n = o->nqpoints;
  s->nqpoints = n;
  s->qpoint_freq_thz = malloc((size_t)n * nb * sizeof(double));
  if (o->group_velocities) s->qpoint_velocity = malloc((size_t)n * nb * 3 * sizeof(double));
  if (o->eigenvectors) s->qpoint_eigvec = malloc((size_t)n * 2 * nb * nb * sizeof(double));
  if (!s->qpoint_freq_thz || (o->group_velocities && !s->qpoint_velocity) ||
      (o->eigenvectors && !s->qpoint_eigvec))
    return nacre_error_set(err, NACRE_ERR_NOMEM, "frequencies at %d q-points", n);
  nacre_status st = NACRE_OK;
  for (int k = 0; !st && k < n; k++)
    st =
        nacre_phonon_at_q(s->ph, o->qpoints[k], &s->qpoint_freq_thz[(size_t)k * nb],
                          s->qpoint_eigvec ? &s->qpoint_eigvec[(size_t)k * 2 * nb * nb] : NULL,
                          s->qpoint_velocity ? &s->qpoint_velocity[(size_t)k * nb * 3] : NULL, err);
  return st;
}

static nacre_status mesh_and_thermo(nacre_phonon_study *s, const nacre_phonon_study_options *o,
                                    const nacre_ctx *ctx, nacre_error *err) {
  int mesh[3];
  memcpy(mesh, o->mesh, sizeof mesh);
  if (!mesh[0] && !mesh[1] && !mesh[2]) {
    if (!(o->mesh_density > 0)) return NACRE_OK;
    nacre_phonon_mesh_for_density(s->ph->unit->cell, o->mesh_density, mesh);
  }
  nacre_status st = nacre_phonon_mesh_run(s->ph, mesh, 1, ctx, &s->mesh, err);
  if (st) return st;
  double lo = 0, hi = 0;
  for (size_t k = 0; k < (size_t)s->mesh->nq * s->mesh->nbands; k++)
    lo = fmin(lo, s->mesh->freq_thz[k]), hi = fmax(hi, s->mesh->freq_thz[k]);
  double step = o->dos_step_thz > 0 ? o->dos_step_thz : (hi - lo > 0 ? (hi - lo) / 200 : 0.01);
  double pad = o->dos_method == NACRE_DOS_GAUSSIAN ? 4 * o->sigma_thz : step;
  st = nacre_phonon_dos_run(s->mesh, o->dos_method, o->sigma_thz, step * floor((lo - pad) / step),
                            hi + pad, step, &s->dos, err);
  if (st) return st;
  int nt = o->temperatures_k ? o->ntemperatures : 101;
  s->thermo = malloc((size_t)(nt > 0 ? nt : 1) * sizeof *s->thermo);
  if (!s->thermo) return nacre_error_set(err, NACRE_ERR_NOMEM, "thermodynamics");
  s->nthermo = nt;
  for (int k = 0; k < nt; k++)
    nacre_phonon_thermo_at(s->mesh, o->temperatures_k ? o->temperatures_k[k] : 10.0 * k,
                           &s->thermo[k]);
  return NACRE_OK;
}

static nacre_status soft_mode(nacre_phonon_study *s, const nacre_phonon_study_options *o,
                              nacre_error *err) {
  if (!o->follow_soft_mode || !s->stability || !s->stability->nmodes) return NACRE_OK;
  /* the most unstable mode whose q a small supercell holds */
  nacre_status st = NACRE_OK;
  for (int k = 0; k < s->stability->nmodes; k++) {
    const nacre_phonon_mode *m = &s->stability->modes[k];
    nacre_error e1;
    st = nacre_phonon_modulate(s->ph, m->q, m->band, o->soft_mode_amplitude_a, 8, &s->soft_mode,
                               s->soft_mode_supercell, &e1);
    if (!st) return NACRE_OK;
  }
  (void)err; /* no commensurate unstable mode: the caller sees soft_mode NULL */
  return NACRE_OK;
}

static nacre_status write_file(nacre_phonon_study *s, const char *dir, const char *name,
                               nacre_status st, nacre_error *err) {
  if (!st && s->nfiles < 8) snprintf(s->files[s->nfiles++], sizeof s->files[0], "%s", name);
  return st ? nacre_error_prefix(err, "%s/%s: ", dir, name) : NACRE_OK;
}

static nacre_status write_files(nacre_phonon_study *s, const char *dir, nacre_error *err) {
  if (mkdir(dir, 0777) && errno != EEXIST)
    return nacre_error_set(err, NACRE_ERR_IO, "cannot create directory %s: %s", dir,
                           strerror(errno));
  char path[4096];
  nacre_status st = NACRE_OK;
#define OUT(name) (snprintf(path, sizeof path, "%s/%s", dir, name), path)
  st = write_file(s, dir, "FORCE_CONSTANTS",
                  nacre_phonon_write_force_constants(s->ph, OUT("FORCE_CONSTANTS"), err), err);
  if (!st && s->bands)
    st = write_file(s, dir, "band.yaml",
                    nacre_phonon_write_band_yaml(s->ph, s->bands, OUT("band.yaml"), err), err);
  if (!st && s->bands)
    st = write_file(s, dir, "bands.csv",
                    nacre_phonon_write_bands_csv(s->bands, OUT("bands.csv"), err), err);
  if (!st && s->mesh)
    st = write_file(s, dir, "mesh.yaml",
                    nacre_phonon_write_mesh_yaml(s->ph, s->mesh, OUT("mesh.yaml"), err), err);
  if (!st && s->dos)
    st =
        write_file(s, dir, "dos.csv", nacre_phonon_write_dos_csv(s->dos, OUT("dos.csv"), err), err);
  if (!st && s->thermo)
    st = write_file(s, dir, "thermal.csv",
                    nacre_phonon_write_thermal_csv(s->thermo, s->nthermo, OUT("thermal.csv"), err),
                    err);
  if (!st && (s->bands || s->dos)) {
    char title[160], formula[96];
    nacre_structure_formula(s->ph->unit, formula, sizeof formula);
    snprintf(title, sizeof title, "%s (%s)", formula, s->ph->space_group);
    st = write_file(s, dir, "phonon.svg",
                    nacre_phonon_write_svg(s->bands, s->dos, title, OUT("phonon.svg"), err), err);
  }
#undef OUT
  return st;
}

nacre_status nacre_phonon_study_run(const nacre_structure *unit, nacre_calc *calc,
                                    const nacre_phonon_study_options *o, const nacre_ctx *ctx,
                                    nacre_phonon_study **out, nacre_error *err) {
  *out = NULL;
  if (!calc && !o->force_constants_in)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "phonons need a potential or force constants to read");
  double t0 = nacre_now_s();
  nacre_phonon_study *s = calloc(1, sizeof *s);
  if (!s) return nacre_error_set(err, NACRE_ERR_NOMEM, "phonon study");
  s->residual_fmax_ev_a = -1;
  nacre_status st =
      calc ? nacre_potential_supports(nacre_calc_potential(calc), unit, err) : NACRE_OK;
  if (!st && calc) st = residual(s, unit, calc, o->pressure_gpa, err);
  if (!st) st = nacre_phonon_new(unit, NULL, &o->phonon, &s->ph, err);
  if (!st) st = force_constants(s, calc, o, ctx, err);
  if (!st && o->nqpoints) st = qpoints(s, o, err);
  if (!st && o->path) st = nacre_band_path_new(unit, o->phonon.symprec, o->path, &s->path, err);
  if (!st && s->path)
    st = nacre_phonon_bands_run(s->ph, s->path, o->path_points, o->eigenvectors, ctx, &s->bands,
                                err);
  if (!st) st = mesh_and_thermo(s, o, ctx, err);
  if (!st && (s->mesh || s->bands))
    st = nacre_phonon_stability_run(s->ph, s->mesh, s->bands, o->imaginary_tolerance_thz,
                                    o->max_modes, &s->stability, err);
  if (!st) st = soft_mode(s, o, err);
  if (!st && o->output_dir) st = write_files(s, o->output_dir, err);
  s->total_wall_s = nacre_now_s() - t0;
  if (st) {
    nacre_phonon_study_free(s);
    return st;
  }
  *out = s;
  return NACRE_OK;
}
