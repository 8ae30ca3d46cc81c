/* fe_files.c — the run directory of a free-energy study: one JSON file
 * per finished task (each carrying the key of what it depends on, so a
 * resumed run reuses exactly the results its settings would produce),
 * settings.json (checked on resume, naming the option that differs), and
 * the tables of the result: gibbs.csv per phase (read by nacre hull like
 * nacre phonon's qha.csv), relative.csv, crossings.csv and summary.json.
 * Every file is written atomically. Formats: doc/free-energy.md. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fe_internal.h"
#include "thermo_internal.h"

nacre_status fe_mkdir(const char *path, nacre_error *err) {
  if (mkdir(path, 0777) == 0 || errno == EEXIST) {
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) return NACRE_OK;
    return nacre_error_set(err, NACRE_ERR_IO, "%s exists and is not a directory",
                           path);
  }
  return nacre_error_set(err, NACRE_ERR_IO, "cannot create %s: %s", path,
                         strerror(errno));
}

/* ---------------------------------------------------------------- */
/* JSON helpers                                                       */
/* ---------------------------------------------------------------- */

static nacre_status write_json(const char *path, cJSON *root, nacre_error *err) {
  char *text = root ? cJSON_Print(root) : NULL;
  cJSON_Delete(root);
  if (!text) return nacre_error_set(err, NACRE_ERR_NOMEM, "%s", path);
  char *tmp;
  FILE *fp = thermo_file_open(path, &tmp, err);
  if (!fp) {
    free(text);
    return err ? err->status : NACRE_ERR_IO;
  }
  fputs(text, fp);
  fputc('\n', fp);
  free(text);
  return thermo_file_commit(fp, path, tmp, err);
}

static cJSON *read_json(const char *path, nacre_error *err) {
  FILE *fp = fopen(path, "rb");
  if (!fp) {
    nacre_error_set(err, NACRE_ERR_IO, "cannot open %s: %s", path, strerror(errno));
    return NULL;
  }
  size_t cap = 1 << 16, n = 0;
  char *buf = malloc(cap);
  while (buf) {
    n += fread(buf + n, 1, cap - n - 1, fp);
    if (n < cap - 1) break;
    char *b = realloc(buf, 2 * cap);
    if (!b) {
      free(buf);
      buf = NULL;
      break;
    }
    buf = b;
    cap *= 2;
  }
  int bad = ferror(fp);
  fclose(fp);
  if (!buf || bad) {
    free(buf);
    nacre_error_set(err, NACRE_ERR_IO, "cannot read %s", path);
    return NULL;
  }
  buf[n] = '\0';
  cJSON *root = cJSON_Parse(buf);
  free(buf);
  if (!root || !cJSON_IsObject(root)) {
    cJSON_Delete(root);
    nacre_error_set(err, NACRE_ERR_PARSE,
                    "%s is not a JSON object (a file cut short? remove it to "
                    "compute it again)",
                    path);
    return NULL;
  }
  return root;
}

/* A number (null and absent read as NAN). */
static double num(const cJSON *o, const char *key) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static void str(const cJSON *o, const char *key, char *buf, size_t len) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  snprintf(buf, len, "%s", cJSON_IsString(v) ? v->valuestring : "");
}

static cJSON *number_array(const double *x, int n) {
  cJSON *a = cJSON_CreateArray();
  for (int k = 0; a && k < n; k++) cJSON_AddItemToArray(a, cJSON_CreateNumber(x[k]));
  return a;
}

/* n numbers of array key into x; 0 on success. */
static int read_array(const cJSON *o, const char *key, double *x, int n) {
  const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, key);
  if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) != n) return -1;
  int k = 0;
  const cJSON *v;
  cJSON_ArrayForEach(v, a) x[k++] = cJSON_IsNumber(v) ? v->valuedouble : NAN;
  return 0;
}

static cJSON *result_object(const char *key, const char *kind) {
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "key", key);
  cJSON_AddStringToObject(o, "kind", kind);
  return o;
}

int fe_result_exists(const char *path, const char *key, nacre_error *err) {
  if (!nacre_file_exists(path)) return 0;
  cJSON *o = read_json(path, err);
  if (!o) return -1;
  char stored[512];
  str(o, "key", stored, sizeof stored);
  cJSON_Delete(o);
  if (strcmp(stored, key)) {
    nacre_error_set(err, NACRE_ERR_INVALID,
                    "%s was computed with other settings (%s; now %s): use "
                    "another output directory or remove the file",
                    path, stored, key);
    return -1;
  }
  return 1;
}

/* ---------------------------------------------------------------- */
/* Task results                                                       */
/* ---------------------------------------------------------------- */

nacre_status fe_write_reference(const char *path, const char *key,
                                const fe_reference_result *r,
                                nacre_error *err) {
  cJSON *o = result_object(key, "reference");
  cJSON_AddStringToObject(o, "status", r->status);
  cJSON_AddStringToObject(o, "message", r->message);
  cJSON_AddStringToObject(o, "verdict", r->verdict);
  cJSON_AddStringToObject(o, "reason", r->reason);
  cJSON_AddNumberToObject(o, "natoms", r->natoms);
  cJSON_AddItemToObject(o, "cell_a", number_array(&r->cell[0][0], 9));
  cJSON_AddItemToObject(o, "positions_a", number_array(r->positions, 3 * r->natoms));
  cJSON_AddNumberToObject(o, "volume_per_atom_a3", r->volume_per_atom_a3);
  cJSON_AddNumberToObject(o, "measured_pressure_gpa", r->measured_pressure_gpa);
  cJSON_AddNumberToObject(o, "lattice_energy_ev", r->lattice_energy_ev);
  double z[FE_MAX_SPECIES];
  for (int k = 0; k < r->nspecies; k++) z[k] = r->species_z[k];
  cJSON_AddItemToObject(o, "species_z", number_array(z, r->nspecies));
  cJSON_AddItemToObject(o, "msd_a2", number_array(r->msd_a2, r->nspecies));
  cJSON_AddItemToObject(o, "spring_constants_ev_a2", number_array(r->k_ev_a2, r->nspecies));
  cJSON_AddNumberToObject(o, "symmetry_deviation_a", r->symmetry_deviation_a);
  cJSON_AddNumberToObject(o, "symmetry_bound_a", r->symmetry_bound_a);
  cJSON_AddNumberToObject(o, "rms_site_displacement_a", r->rms_site_displacement_a);
  cJSON *fs = cJSON_AddObjectToObject(o, "finite_size_phonons");
  cJSON_AddNumberToObject(fs, "cell_ln_frequency_per_atom", r->fs_lnnu_cell);
  cJSON_AddNumberToObject(fs, "cell_modes_per_atom", r->fs_modes_cell);
  cJSON_AddNumberToObject(fs, "dense_ln_frequency_per_atom", r->fs_lnnu_dense);
  cJSON_AddNumberToObject(fs, "dense_modes_per_atom", r->fs_modes_dense);
  double mesh[3] = {r->fs_mesh[0], r->fs_mesh[1], r->fs_mesh[2]};
  cJSON_AddItemToObject(fs, "dense_mesh", number_array(mesh, 3));
  cJSON_AddStringToObject(fs, "note", r->fs_note);
  return write_json(path, o, err);
}

void fe_reference_result_free(fe_reference_result *r) {
  free(r->positions);
  r->positions = NULL;
}

nacre_status fe_read_reference(const char *path, fe_reference_result *r,
                               nacre_error *err) {
  memset(r, 0, sizeof *r);
  cJSON *o = read_json(path, err);
  if (!o) return err ? err->status : NACRE_ERR_IO;
  str(o, "status", r->status, sizeof r->status);
  str(o, "message", r->message, sizeof r->message);
  str(o, "verdict", r->verdict, sizeof r->verdict);
  str(o, "reason", r->reason, sizeof r->reason);
  r->natoms = (int)num(o, "natoms");
  nacre_status st = NACRE_OK;
  if (!(r->natoms > 0) || r->natoms > 10000000)
    st = nacre_error_set(err, NACRE_ERR_PARSE, "%s: no natoms", path);
  if (!st) r->positions = malloc(3 * (size_t)r->natoms * sizeof(double));
  if (!st && !r->positions) st = nacre_error_set(err, NACRE_ERR_NOMEM, "%s", path);
  if (!st && (read_array(o, "cell_a", &r->cell[0][0], 9) ||
              read_array(o, "positions_a", r->positions, 3 * r->natoms)))
    st = nacre_error_set(err, NACRE_ERR_PARSE, "%s: cell or positions missing", path);
  r->volume_per_atom_a3 = num(o, "volume_per_atom_a3");
  r->measured_pressure_gpa = num(o, "measured_pressure_gpa");
  r->lattice_energy_ev = num(o, "lattice_energy_ev");
  const cJSON *zs = cJSON_GetObjectItemCaseSensitive(o, "species_z");
  r->nspecies = cJSON_IsArray(zs) ? cJSON_GetArraySize(zs) : 0;
  if (r->nspecies > FE_MAX_SPECIES) r->nspecies = FE_MAX_SPECIES;
  double z[FE_MAX_SPECIES] = {0};
  if (!st && r->nspecies &&
      (read_array(o, "species_z", z, r->nspecies) ||
       read_array(o, "msd_a2", r->msd_a2, r->nspecies) ||
       read_array(o, "spring_constants_ev_a2", r->k_ev_a2, r->nspecies)))
    st = nacre_error_set(err, NACRE_ERR_PARSE, "%s: species arrays broken", path);
  for (int k = 0; k < r->nspecies; k++) r->species_z[k] = (int)z[k];
  r->symmetry_deviation_a = num(o, "symmetry_deviation_a");
  r->symmetry_bound_a = num(o, "symmetry_bound_a");
  r->rms_site_displacement_a = num(o, "rms_site_displacement_a");
  const cJSON *fs = cJSON_GetObjectItemCaseSensitive(o, "finite_size_phonons");
  r->fs_lnnu_cell = num(fs, "cell_ln_frequency_per_atom");
  r->fs_modes_cell = num(fs, "cell_modes_per_atom");
  r->fs_lnnu_dense = num(fs, "dense_ln_frequency_per_atom");
  r->fs_modes_dense = num(fs, "dense_modes_per_atom");
  double mesh[3] = {0, 0, 0};
  read_array(fs, "dense_mesh", mesh, 3);
  for (int k = 0; k < 3; k++) r->fs_mesh[k] = (int)mesh[k];
  str(fs, "note", r->fs_note, sizeof r->fs_note);
  cJSON_Delete(o);
  if (st) fe_reference_result_free(r);
  return st;
}

nacre_status fe_write_window(const char *path, const char *key,
                             const fe_window_result *r, nacre_error *err) {
  cJSON *o = result_object(key, "window");
  cJSON_AddNumberToObject(o, "lambda", r->lambda);
  cJSON_AddNumberToObject(o, "integrand_ev", r->mean_ev);
  cJSON_AddNumberToObject(o, "integrand_stderr_ev", r->stderr_ev);
  cJSON_AddNumberToObject(o, "system_energy_ev", r->sys_mean_ev);
  cJSON_AddNumberToObject(o, "reference_energy_ev", r->ref_mean_ev);
  cJSON_AddNumberToObject(o, "samples", (double)r->samples);
  return write_json(path, o, err);
}

nacre_status fe_read_window(const char *path, fe_window_result *r,
                            nacre_error *err) {
  memset(r, 0, sizeof *r);
  cJSON *o = read_json(path, err);
  if (!o) return err ? err->status : NACRE_ERR_IO;
  r->lambda = num(o, "lambda");
  r->mean_ev = num(o, "integrand_ev");
  r->stderr_ev = num(o, "integrand_stderr_ev");
  r->sys_mean_ev = num(o, "system_energy_ev");
  r->ref_mean_ev = num(o, "reference_energy_ev");
  r->samples = (long)num(o, "samples");
  cJSON_Delete(o);
  if (!isfinite(r->mean_ev))
    return nacre_error_set(err, NACRE_ERR_PARSE, "%s: no integrand", path);
  return NACRE_OK;
}

nacre_status fe_write_scan(const char *path, const char *key,
                           const fe_scan_result *r, nacre_error *err) {
  cJSON *o = result_object(key, "point");
  cJSON_AddNumberToObject(o, "temperature_k", r->temperature_k);
  cJSON_AddNumberToObject(o, "pressure_gpa", r->pressure_gpa);
  cJSON_AddNumberToObject(o, "energy_ev", r->energy_ev);
  cJSON_AddNumberToObject(o, "energy_stderr_ev", r->energy_stderr_ev);
  cJSON_AddNumberToObject(o, "volume_a3", r->volume_a3);
  cJSON_AddNumberToObject(o, "volume_stderr_a3", r->volume_stderr_a3);
  cJSON_AddNumberToObject(o, "enthalpy_ev", r->enthalpy_ev);
  cJSON_AddNumberToObject(o, "enthalpy_stderr_ev", r->enthalpy_stderr_ev);
  cJSON_AddNumberToObject(o, "measured_pressure_gpa", r->measured_pressure_gpa);
  cJSON_AddNumberToObject(o, "measured_pressure_stderr_gpa", r->measured_pressure_stderr_gpa);
  cJSON_AddNumberToObject(o, "samples", (double)r->samples);
  cJSON_AddStringToObject(o, "verdict", r->verdict);
  cJSON_AddNumberToObject(o, "symmetry_deviation_a", r->symmetry_deviation_a);
  cJSON_AddNumberToObject(o, "symmetry_bound_a", r->symmetry_bound_a);
  cJSON_AddBoolToObject(o, "valid", r->valid);
  cJSON_AddStringToObject(o, "crystal_check", r->crystal_check);
  cJSON_AddStringToObject(o, "reason", r->reason);
  return write_json(path, o, err);
}

nacre_status fe_read_scan(const char *path, fe_scan_result *r,
                          nacre_error *err) {
  memset(r, 0, sizeof *r);
  cJSON *o = read_json(path, err);
  if (!o) return err ? err->status : NACRE_ERR_IO;
  r->temperature_k = num(o, "temperature_k");
  r->pressure_gpa = num(o, "pressure_gpa");
  r->energy_ev = num(o, "energy_ev");
  r->energy_stderr_ev = num(o, "energy_stderr_ev");
  r->volume_a3 = num(o, "volume_a3");
  r->volume_stderr_a3 = num(o, "volume_stderr_a3");
  r->enthalpy_ev = num(o, "enthalpy_ev");
  r->enthalpy_stderr_ev = num(o, "enthalpy_stderr_ev");
  r->measured_pressure_gpa = num(o, "measured_pressure_gpa");
  r->measured_pressure_stderr_gpa = num(o, "measured_pressure_stderr_gpa");
  r->samples = (long)num(o, "samples");
  str(o, "verdict", r->verdict, sizeof r->verdict);
  r->symmetry_deviation_a = num(o, "symmetry_deviation_a");
  r->symmetry_bound_a = num(o, "symmetry_bound_a");
  r->valid = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "valid"));
  str(o, "crystal_check", r->crystal_check, sizeof r->crystal_check);
  str(o, "reason", r->reason, sizeof r->reason);
  cJSON_Delete(o);
  if (!isfinite(r->enthalpy_ev) || !isfinite(r->volume_a3))
    return nacre_error_set(err, NACRE_ERR_PARSE, "%s: no averages", path);
  return NACRE_OK;
}

/* ---------------------------------------------------------------- */
/* Settings                                                           */
/* ---------------------------------------------------------------- */

/* The settings that change results, keyed by the option that sets them. */
static cJSON *settings_object(const fe_run *run) {
  const nacre_fe_options *o = &run->o;
  cJSON *s = cJSON_CreateObject();
  cJSON_AddStringToObject(s, "--potential", o->potential_spec ? o->potential_spec : "");
  char desc[512];
  nacre_potential_describe(run->pot, desc, sizeof desc);
  cJSON_AddStringToObject(s, "potential_description", desc);
  cJSON_AddNumberToObject(s, "--reference-temperature", run->temperatures_k[run->it0]);
  cJSON_AddNumberToObject(s, "--pressure", run->pressures_gpa[run->ip0]);
  cJSON_AddNumberToObject(s, "--lambda-points", o->lambda_points);
  cJSON_AddNumberToObject(s, "--steps", (double)o->steps);
  cJSON_AddNumberToObject(s, "--equilibration", run->equilibration);
  cJSON_AddNumberToObject(s, "--reference-steps", run->reference_steps);
  cJSON_AddNumberToObject(s, "--sample-every", o->sample_every);
  cJSON_AddNumberToObject(s, "--timestep", o->timestep_fs);
  cJSON_AddNumberToObject(s, "--tau-t", run->tau_t);
  cJSON_AddNumberToObject(s, "--tau-p", run->tau_p);
  cJSON_AddNumberToObject(s, "--compressibility", o->compressibility_per_gpa);
  cJSON_AddStringToObject(s, "--barostat", o->anisotropic ? "aniso" : "iso");
  cJSON_AddBoolToObject(s, "--fixed-cell", o->fixed_cell);
  cJSON_AddBoolToObject(s, "--no-finite-size-correction", !o->finite_size_correction);
  cJSON_AddNumberToObject(s, "--melt-temperature", o->melt_temperature_k);
  cJSON_AddNumberToObject(s, "--uf-p", o->uf_p);
  cJSON_AddNumberToObject(s, "--uf-sigma", o->uf_sigma_a);
  cJSON_AddNumberToObject(s, "--max-msd-fraction", o->max_msd_fraction);
  cJSON_AddNumberToObject(s, "--symprec", o->symprec);
  cJSON_AddNumberToObject(s, "--seed", (double)o->seed);
  cJSON *phases = cJSON_AddObjectToObject(s, "phases");
  for (int p = 0; p < run->nphases; p++) {
    char h[32];
    snprintf(h, sizeof h, "%s %016llx %d atoms",
             run->ph[p].kind == NACRE_FE_SOLID ? "solid" : "liquid",
             (unsigned long long)run->ph[p].hash, run->ph[p].cell->natoms);
    cJSON_AddStringToObject(phases, run->ph[p].name, h);
  }
  return s;
}

nacre_status fe_settings_check(const fe_run *run, nacre_error *err) {
  char path[1100];
  snprintf(path, sizeof path, "%s/settings.json", run->o.output_dir);
  cJSON *now = settings_object(run);
  if (!now) return nacre_error_set(err, NACRE_ERR_NOMEM, "settings");
  if (nacre_file_exists(path)) {
    if (!run->o.resume) {
      cJSON_Delete(now);
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "%s holds a free-energy run: continue it with "
                             "--resume, or choose another output directory",
                             run->o.output_dir);
    }
    cJSON *old = read_json(path, err);
    if (!old) {
      cJSON_Delete(now);
      return err ? err->status : NACRE_ERR_IO;
    }
    nacre_status st = NACRE_OK;
    const cJSON *v;
    cJSON_ArrayForEach(v, now) {
      if (!strcmp(v->string, "phases")) continue;
      const cJSON *w = cJSON_GetObjectItemCaseSensitive(old, v->string);
      if (!w || !cJSON_Compare(v, w, 1)) {
        char *a = cJSON_PrintUnformatted(w), *b = cJSON_PrintUnformatted(v);
        st = nacre_error_set(err, NACRE_ERR_INVALID,
                             "the run in %s was made with %s %s; this one asks "
                             "%s (a resumed run must keep every setting but "
                             "the temperature and pressure grids, --jobs and "
                             "--time-limit)",
                             run->o.output_dir, v->string, a ? a : "(none)",
                             b ? b : "?");
        free(a);
        free(b);
        break;
      }
    }
    /* phases: the same name must mean the same cell; new ones may join */
    const cJSON *op = cJSON_GetObjectItemCaseSensitive(old, "phases");
    const cJSON *np = cJSON_GetObjectItemCaseSensitive(now, "phases");
    cJSON_ArrayForEach(v, np) {
      if (st) break;
      const cJSON *w = cJSON_GetObjectItemCaseSensitive(op, v->string);
      if (w && (!cJSON_IsString(w) || strcmp(w->valuestring, v->valuestring)))
        st = nacre_error_set(err, NACRE_ERR_INVALID,
                             "phase '%s' of the run in %s was %s; now it is %s "
                             "(another structure, kind or supercell): give it "
                             "another name",
                             v->string, run->o.output_dir,
                             cJSON_IsString(w) ? w->valuestring : "?", v->valuestring);
    }
    if (!st) { /* keep the phases of the earlier run too */
      cJSON *merged = cJSON_GetObjectItemCaseSensitive(now, "phases");
      cJSON_ArrayForEach(v, op) if (!cJSON_GetObjectItemCaseSensitive(merged, v->string))
          cJSON_AddItemToObject(merged, v->string, cJSON_Duplicate(v, 1));
    }
    cJSON_Delete(old);
    if (st) {
      cJSON_Delete(now);
      return st;
    }
  } else if (run->o.resume) {
    cJSON_Delete(now);
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "--resume: %s holds no free-energy run (no "
                           "settings.json)",
                           run->o.output_dir);
  }
  return write_json(path, now, err);
}

/* ---------------------------------------------------------------- */
/* Tables                                                             */
/* ---------------------------------------------------------------- */

static void fmt(char *buf, double v) {
  if (isfinite(v))
    snprintf(buf, 32, "%.10g", v);
  else
    snprintf(buf, 32, "nan");
}

/* gibbs.csv of one phase: the columns of nacre phonon's qha.csv that
 * nacre_qha_table_read needs first, then the rest. */
static nacre_status write_gibbs(const char *path, const nacre_fe_study *s,
                                const nacre_fe_phase_result *ph, int fixed,
                                nacre_error *err) {
  char *tmp;
  FILE *fp = thermo_file_open(path, &tmp, err);
  if (!fp) return err ? err->status : NACRE_ERR_IO;
  (void)fixed;
  fputs("temperature_k,pressure_gpa,volume_per_atom_a3,gibbs_energy_per_atom_ev,"
        "gibbs_energy_per_atom_stderr_ev,free_energy_per_atom_ev,"
        "enthalpy_per_atom_ev,enthalpy_per_atom_stderr_ev,energy_per_atom_ev,"
        "entropy_per_atom_kb,quantum_correction_per_atom_ev,"
        "finite_size_correction_per_atom_ev,"
        "volume_per_atom_stderr_a3,measured_pressure_gpa,valid\n",
        fp);
  for (int it = 0; it < s->ntemperatures; it++)
    for (int ip = 0; ip < s->npressures; ip++) {
      const nacre_fe_point *q = &ph->points[it * s->npressures + ip];
      double v[14] = {q->temperature_k, q->pressure_gpa, q->volume_per_atom_a3,
                      q->valid ? q->gibbs_energy_per_atom_ev : NAN,
                      q->valid ? q->gibbs_energy_per_atom_stderr_ev : NAN,
                      q->valid ? q->free_energy_per_atom_ev : NAN,
                      q->enthalpy_per_atom_ev, q->enthalpy_per_atom_stderr_ev,
                      q->energy_per_atom_ev,
                      q->valid ? q->entropy_per_atom_kb : NAN,
                      q->quantum_correction_per_atom_ev,
                      q->finite_size_correction_per_atom_ev,
                      q->volume_per_atom_stderr_a3, q->measured_pressure_gpa};
      for (int c = 0; c < 14; c++) {
        char b[32];
        fmt(b, v[c]);
        fprintf(fp, "%s,", b);
      }
      fprintf(fp, "%d\n", q->valid);
    }
  return thermo_file_commit(fp, path, tmp, err);
}

static nacre_status write_relative(const char *path, const nacre_fe_study *s,
                                   nacre_error *err) {
  char *tmp;
  FILE *fp = thermo_file_open(path, &tmp, err);
  if (!fp) return err ? err->status : NACRE_ERR_IO;
  fprintf(fp, "temperature_k,pressure_gpa");
  for (int p = 0; p < s->nphases; p++)
    fprintf(fp, ",%s_gibbs_energy_per_atom_ev,%s_gibbs_energy_per_atom_stderr_ev,"
                "%s_delta_gibbs_energy_mev_atom",
            s->phases[p].name, s->phases[p].name, s->phases[p].name);
  fprintf(fp, ",lowest_phase,lowest_certain\n");
  for (int it = 0; it < s->ntemperatures; it++)
    for (int ip = 0; ip < s->npressures; ip++) {
      int idx = it * s->npressures + ip;
      fprintf(fp, "%.10g,%.10g", s->temperatures_k[it], s->pressures_gpa[ip]);
      const nacre_fe_point *r0 = NULL;
      for (int p = 0; p < s->nphases && !r0; p++)
        if (s->phases[p].points && s->phases[p].points[idx].valid) r0 = &s->phases[p].points[idx];
      for (int p = 0; p < s->nphases; p++) {
        const nacre_fe_point *q = s->phases[p].points ? &s->phases[p].points[idx] : NULL;
        char a[32], b[32], c[32];
        fmt(a, q && q->valid ? q->gibbs_energy_per_atom_ev : NAN);
        fmt(b, q && q->valid ? q->gibbs_energy_per_atom_stderr_ev : NAN);
        fmt(c, q && q->valid && r0 ? 1e3 * (q->gibbs_energy_per_atom_ev - r0->gibbs_energy_per_atom_ev) : NAN);
        fprintf(fp, ",%s,%s,%s", a, b, c);
      }
      int low = s->lowest[idx];
      fprintf(fp, ",%s,%d\n", low >= 0 ? s->phases[low].name : "", s->lowest_certain[idx]);
    }
  return thermo_file_commit(fp, path, tmp, err);
}

/* ---------------------------------------------------------------- */
/* Summary JSON                                                       */
/* ---------------------------------------------------------------- */

static void add_num(cJSON *o, const char *key, double v) {
  if (isfinite(v))
    cJSON_AddNumberToObject(o, key, v);
  else
    cJSON_AddNullToObject(o, key);
}

static cJSON *phase_json(const nacre_fe_study *s, const nacre_fe_phase_result *ph) {
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "name", ph->name);
  cJSON_AddStringToObject(o, "phase", nacre_fe_phase_kind_name(ph->kind));
  cJSON_AddNumberToObject(o, "natoms", ph->natoms);
  cJSON_AddStringToObject(o, "status", ph->status);
  if (ph->message[0]) cJSON_AddStringToObject(o, "message", ph->message);
  cJSON *r = cJSON_AddObjectToObject(o, "reference");
  add_num(r, "temperature_k", ph->reference_temperature_k);
  add_num(r, "pressure_gpa", ph->reference_pressure_gpa);
  add_num(r, "volume_per_atom_a3", ph->reference_volume_per_atom_a3);
  if (ph->kind == NACRE_FE_SOLID) {
    add_num(r, "lattice_energy_per_atom_ev", ph->lattice_energy_per_atom_ev);
    cJSON *k = cJSON_AddArrayToObject(r, "spring_constants_ev_a2");
    cJSON *m = cJSON_AddArrayToObject(r, "msd_a2");
    cJSON *z = cJSON_AddArrayToObject(r, "species");
    for (int q = 0; q < ph->nspecies; q++) {
      cJSON_AddItemToArray(k, cJSON_CreateNumber(ph->spring_constant_ev_a2[q]));
      cJSON_AddItemToArray(m, cJSON_CreateNumber(ph->msd_a2[q]));
      const nacre_element *e = nacre_element_by_z(ph->species_z[q]);
      cJSON_AddItemToArray(z, cJSON_CreateString(e ? e->symbol : "?"));
    }
    add_num(r, "einstein_free_energy_per_atom_ev", ph->reference_free_energy_per_atom_ev);
    cJSON_AddNumberToObject(r, "space_group_number", ph->space_group_input);
    add_num(r, "symmetry_deviation_a", ph->symmetry_deviation_a);
    add_num(r, "symmetry_bound_a", ph->symmetry_bound_a);
    add_num(r, "rms_site_displacement_a", ph->rms_site_displacement_a);
  } else {
    add_num(r, "uf_p", ph->uf_p);
    add_num(r, "uf_sigma_a", ph->uf_sigma_a);
    add_num(r, "ideal_gas_free_energy_per_atom_ev",
            ph->reference_free_energy_per_atom_ev - ph->uf_excess_per_atom_ev);
    add_num(r, "uf_excess_free_energy_per_atom_ev", ph->uf_excess_per_atom_ev);
    add_num(r, "uf_excess_free_energy_per_atom_stderr_ev", ph->uf_excess_per_atom_stderr_ev);
  }
  add_num(r, "delta_free_energy_per_atom_ev", ph->delta_free_energy_per_atom_ev);
  add_num(r, "delta_free_energy_per_atom_stderr_ev", ph->delta_free_energy_per_atom_stderr_ev);
  add_num(r, "free_energy_per_atom_ev", ph->free_energy_per_atom_ev);
  add_num(r, "free_energy_per_atom_stderr_ev", ph->free_energy_per_atom_stderr_ev);
  add_num(r, "finite_size_correction_per_atom_ev", ph->finite_size_correction_per_atom_ev);
  if (ph->finite_size_note[0]) cJSON_AddStringToObject(r, "finite_size_note", ph->finite_size_note);
  add_num(r, "gibbs_energy_per_atom_ev", ph->gibbs_energy_per_atom_ev);
  add_num(r, "gibbs_energy_per_atom_stderr_ev", ph->gibbs_energy_per_atom_stderr_ev);
  cJSON *ws = cJSON_AddArrayToObject(r, "windows");
  for (int pass = 0; pass < 2; pass++) {
    int n = pass ? ph->nuf_windows : ph->nwindows;
    const nacre_fe_window *w = pass ? ph->uf_windows : ph->windows;
    for (int k = 0; k < n; k++) {
      cJSON *x = cJSON_CreateObject();
      cJSON_AddStringToObject(x, "path", pass ? "ideal-uf" : ph->kind == NACRE_FE_SOLID ? "einstein" : "uf");
      add_num(x, "lambda", w[k].lambda);
      add_num(x, "weight", w[k].weight);
      add_num(x, "integrand_per_atom_ev", w[k].integrand_per_atom_ev);
      add_num(x, "integrand_per_atom_stderr_ev", w[k].integrand_per_atom_stderr_ev);
      cJSON_AddNumberToObject(x, "samples", (double)w[k].samples);
      cJSON_AddItemToArray(ws, x);
    }
  }
  cJSON *pts = cJSON_AddArrayToObject(o, "points");
  for (int k = 0; ph->points && k < s->ntemperatures * s->npressures; k++) {
    const nacre_fe_point *q = &ph->points[k];
    cJSON *x = cJSON_CreateObject();
    add_num(x, "temperature_k", q->temperature_k);
    add_num(x, "pressure_gpa", q->pressure_gpa);
    cJSON_AddBoolToObject(x, "valid", q->valid);
    add_num(x, "volume_per_atom_a3", q->volume_per_atom_a3);
    add_num(x, "enthalpy_per_atom_ev", q->enthalpy_per_atom_ev);
    add_num(x, "enthalpy_per_atom_stderr_ev", q->enthalpy_per_atom_stderr_ev);
    add_num(x, "gibbs_energy_per_atom_ev", q->valid ? q->gibbs_energy_per_atom_ev : NAN);
    add_num(x, "gibbs_energy_per_atom_stderr_ev", q->valid ? q->gibbs_energy_per_atom_stderr_ev : NAN);
    add_num(x, "free_energy_per_atom_ev", q->valid ? q->free_energy_per_atom_ev : NAN);
    add_num(x, "entropy_per_atom_kb", q->valid ? q->entropy_per_atom_kb : NAN);
    add_num(x, "quantum_correction_per_atom_ev", q->quantum_correction_per_atom_ev);
    add_num(x, "finite_size_correction_per_atom_ev", q->finite_size_correction_per_atom_ev);
    if (q->verdict[0]) cJSON_AddStringToObject(x, "verdict", q->verdict);
    if (q->crystal_check[0]) cJSON_AddStringToObject(x, "crystal_check", q->crystal_check);
    if (q->reason[0] && strcmp(q->crystal_check, "ok"))
      cJSON_AddStringToObject(x, "reason", q->reason);
    cJSON_AddItemToArray(pts, x);
  }
  return o;
}

char *nacre_fe_study_json(const nacre_fe_study *s, const nacre_fe_options *o) {
  cJSON *root = cJSON_CreateObject();
  if (!root) return NULL;
  cJSON_AddStringToObject(root, "outcome", s->outcome);
  if (o && o->output_dir) cJSON_AddStringToObject(root, "output", o->output_dir);
  cJSON_AddNumberToObject(root, "tasks_total", s->tasks_total);
  cJSON_AddNumberToObject(root, "tasks_done", s->tasks_done);
  cJSON_AddNumberToObject(root, "tasks_run", s->tasks_run);
  cJSON_AddItemToObject(root, "temperatures_k", number_array(s->temperatures_k, s->ntemperatures));
  cJSON_AddItemToObject(root, "pressures_gpa", number_array(s->pressures_gpa, s->npressures));
  cJSON *ph = cJSON_AddArrayToObject(root, "phases");
  for (int p = 0; p < s->nphases; p++) cJSON_AddItemToArray(ph, phase_json(s, &s->phases[p]));
  cJSON *lo = cJSON_AddArrayToObject(root, "lowest");
  for (int it = 0; it < s->ntemperatures; it++)
    for (int ip = 0; ip < s->npressures; ip++) {
      int idx = it * s->npressures + ip, l = s->lowest[idx];
      cJSON *x = cJSON_CreateObject();
      cJSON_AddNumberToObject(x, "temperature_k", s->temperatures_k[it]);
      cJSON_AddNumberToObject(x, "pressure_gpa", s->pressures_gpa[ip]);
      if (l >= 0)
        cJSON_AddStringToObject(x, "phase", s->phases[l].name);
      else
        cJSON_AddNullToObject(x, "phase");
      cJSON_AddBoolToObject(x, "certain", s->lowest_certain[idx]);
      cJSON_AddItemToArray(lo, x);
    }
  cJSON *cr = cJSON_AddArrayToObject(root, "crossings");
  for (int k = 0; k < s->ncrossings; k++) {
    const nacre_fe_crossing *c = &s->crossings[k];
    cJSON *x = cJSON_CreateObject();
    cJSON_AddNumberToObject(x, "pressure_gpa", s->pressures_gpa[c->pressure_index]);
    cJSON_AddStringToObject(x, "below", s->phases[c->below].name);
    cJSON_AddStringToObject(x, "above", s->phases[c->above].name);
    add_num(x, "temperature_k", c->temperature_k);
    add_num(x, "temperature_stderr_k", c->temperature_stderr_k);
    cJSON_AddBoolToObject(x, "melting", c->melting);
    cJSON_AddItemToArray(cr, x);
  }
  add_num(root, "wall_s", s->wall_s);
  char *text = cJSON_Print(root);
  cJSON_Delete(root);
  return text;
}

static nacre_status write_crossings(const char *path, const nacre_fe_study *s,
                                    nacre_error *err) {
  char *tmp;
  FILE *fp = thermo_file_open(path, &tmp, err);
  if (!fp) return err ? err->status : NACRE_ERR_IO;
  fprintf(fp, "pressure_gpa,below,above,temperature_k,temperature_stderr_k,melting\n");
  for (int k = 0; k < s->ncrossings; k++) {
    const nacre_fe_crossing *c = &s->crossings[k];
    fprintf(fp, "%.10g,%s,%s,%.10g,%.10g,%d\n", s->pressures_gpa[c->pressure_index],
            s->phases[c->below].name, s->phases[c->above].name, c->temperature_k,
            c->temperature_stderr_k, c->melting);
  }
  return thermo_file_commit(fp, path, tmp, err);
}

nacre_status fe_write_tables(const fe_run *run, const nacre_fe_study *s,
                             nacre_error *err) {
  char path[1200];
  nacre_status st = NACRE_OK;
  for (int p = 0; p < s->nphases && !st; p++) {
    if (!s->phases[p].points) continue;
    snprintf(path, sizeof path, "%s/%s", run->ph[p].dir,
             run->o.fixed_cell ? "free_energy.csv" : "gibbs.csv");
    st = write_gibbs(path, s, &s->phases[p],
                     run->o.fixed_cell, err);
  }
  if (!st) {
    snprintf(path, sizeof path, "%s/relative.csv", run->o.output_dir);
    st = write_relative(path, s, err);
  }
  if (!st) {
    snprintf(path, sizeof path, "%s/crossings.csv", run->o.output_dir);
    st = write_crossings(path, s, err);
  }
  if (!st) {
    char *text = nacre_fe_study_json(s, &run->o);
    if (!text) return nacre_error_set(err, NACRE_ERR_NOMEM, "summary");
    char *tmp;
    snprintf(path, sizeof path, "%s/summary.json", run->o.output_dir);
    FILE *fp = thermo_file_open(path, &tmp, err);
    if (fp) {
      fputs(text, fp);
      fputc('\n', fp);
      st = thermo_file_commit(fp, path, tmp, err);
    } else {
      st = err ? err->status : NACRE_ERR_IO;
    }
    free(text);
  }
  if (!st) {
    snprintf(path, sizeof path, "%s/gibbs.svg", run->o.output_dir);
    st = fe_plot_gibbs(path, s, err);
  }
  if (!st && s->npressures > 1) {
    snprintf(path, sizeof path, "%s/phase_map.svg", run->o.output_dir);
    st = fe_plot_phase_map(path, s, err);
  }
  return st;
}
