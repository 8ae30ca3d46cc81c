/* md_output.c — the files of `nacre md` (see md_output.h). */
#include "md_output.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "nacre/io.h"

void md_input_free(md_input *in) {
  nacre_structure_free(in->s);
  free(in->velocities);
  free(in->masses);
  memset(in, 0, sizeof *in);
}

static nacre_status column_values(const nacre_column *c, int ncomp, int n,
                                  const char *path, double **out,
                                  nacre_error *err) {
  if (c->ncomp != ncomp || !c->real)
    return nacre_error_set(err, NACRE_ERR_PARSE,
                           "%s: column '%s' should hold %d real number%s per "
                           "atom",
                           path, c->name, ncomp, ncomp > 1 ? "s" : "");
  *out = malloc((size_t)n * ncomp * sizeof(double));
  if (!*out) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  memcpy(*out, c->real, (size_t)n * ncomp * sizeof(double));
  return NACRE_OK;
}

nacre_status md_input_read(const char *spec, md_input *in, nacre_error *err) {
  memset(in, 0, sizeof *in);
  nacre_frame f;
  nacre_frame_init(&f);
  nacre_status st = nacre_read_frame(spec, &f, err);
  if (st) return st;
  int n = f.s->natoms;
  const nacre_column *mom = nacre_frame_get_column(&f, "momenta");
  const nacre_column *vel = nacre_frame_get_column(&f, "velocities");
  const nacre_column *mas = nacre_frame_get_column(&f, "masses");
  if (mas) st = column_values(mas, 1, n, spec, &in->masses, err);
  if (!st && mom) {
    st = column_values(mom, 3, n, spec, &in->velocities, err);
    in->velocity_source = "momenta";
    for (int i = 0; !st && i < n; i++) {
      double m = 0.0;
      if (in->masses) {
        m = in->masses[i];
      } else {
        const nacre_element *e = nacre_element_by_z(f.s->numbers[i]);
        m = e ? e->mass_amu : 0.0;
      }
      if (!(m > 0.0)) {
        st = nacre_error_set(err, NACRE_ERR_INVALID,
                             "%s: atom %d has momenta but no valid mass", spec,
                             i + 1);
        break;
      }
      for (int c = 0; c < 3; c++)
        in->velocities[3 * i + c] /= m * sqrt(NACRE_AMU_A2_FS2_EV);
    }
  } else if (!st && vel) {
    st = column_values(vel, 3, n, spec, &in->velocities, err);
    in->velocity_source = "velocities";
  }
  if (!st) {
    in->s = f.s;
    f.s = NULL;
  }
  nacre_frame_clear(&f);
  if (st) md_input_free(in);
  return st;
}

static int custom_masses(const nacre_md *md) {
  const nacre_structure *s = nacre_md_structure(md);
  const double *m = nacre_md_masses(md);
  for (int i = 0; i < s->natoms; i++) {
    const nacre_element *e = nacre_element_by_z(s->numbers[i]);
    if (!e || e->mass_amu != m[i]) return 1;
  }
  return 0;
}

nacre_status md_write_frame(FILE *fp, const nacre_md *md,
                            const nacre_md_thermo *th, int write_masses,
                            nacre_error *err) {
  const nacre_structure *s = nacre_md_structure(md);
  const nacre_result *r = nacre_md_result(md);
  const double *v = nacre_md_velocities(md), *m = nacre_md_masses(md);
  nacre_frame f;
  nacre_frame_init(&f);
  f.s = (nacre_structure *)s; /* borrowed */
  f.has = NACRE_FRAME_ENERGY | NACRE_FRAME_FORCES;
  f.energy = th->potential_energy_ev;
  f.forces = r->forces;
  if (th->has_stress) {
    f.has |= NACRE_FRAME_STRESS;
    memcpy(f.stress, r->stress, sizeof f.stress);
  }
  nacre_column *col;
  nacre_status st = nacre_frame_add_column(&f, "momenta", 'R', 3, &col, err);
  for (int i = 0; !st && i < s->natoms; i++)
    for (int c = 0; c < 3; c++)
      col->real[3 * i + c] = m[i] * sqrt(NACRE_AMU_A2_FS2_EV) * v[3 * i + c];
  if (!st && (write_masses || custom_masses(md))) {
    st = nacre_frame_add_column(&f, "masses", 'R', 1, &col, err);
    for (int i = 0; !st && i < s->natoms; i++) col->real[i] = m[i];
  }
  char buf[64];
  snprintf(buf, sizeof buf, "%ld", th->step);
  if (!st) st = nacre_frame_set_info(&f, "step", buf, err);
  snprintf(buf, sizeof buf, "%.10g", th->time_fs);
  if (!st) st = nacre_frame_set_info(&f, "time_fs", buf, err);
  snprintf(buf, sizeof buf, "%.10g", th->temperature_k);
  if (!st) st = nacre_frame_set_info(&f, "temperature_k", buf, err);
  if (!st) st = nacre_xyz_write(fp, &f, err);
  f.s = NULL;
  f.forces = NULL;
  nacre_frame_clear(&f);
  return st;
}

void md_log_header(FILE *fp, int committee) {
  fprintf(fp, "step,time_fs,temperature_k,energy_ev,kinetic_energy_ev,"
              "conserved_energy_ev,pressure_gpa,volume_a3,stress_xx_gpa,"
              "stress_yy_gpa,stress_zz_gpa,stress_yz_gpa,stress_xz_gpa,"
              "stress_xy_gpa,enthalpy_ev%s\n",
          committee ? ",committee_force_deviation_max_ev_a,"
                      "committee_energy_deviation_per_atom_ev"
                    : "");
}

void md_log_row(FILE *fp, const nacre_md_thermo *th, int committee) {
  fprintf(fp, "%ld,%.10g,%.8g,%.12g,%.12g,%.12g,%.8g,%.10g", th->step,
          th->time_fs, th->temperature_k, th->potential_energy_ev,
          th->kinetic_energy_ev, th->conserved_ev, th->pressure_gpa,
          th->volume_a3);
  for (int k = 0; k < 6; k++) fprintf(fp, ",%.8g", th->stress_gpa[k]);
  fprintf(fp, ",%.12g", th->enthalpy_ev);
  if (committee)
    fprintf(fp, ",%.6g,%.6g", th->committee_force_deviation_max_ev_a,
            th->committee_energy_deviation_per_atom_ev);
  fputc('\n', fp);
}

#define CHECKPOINT_HEAD "nacre-md-checkpoint 1"

nacre_status md_checkpoint_write(const char *path, const nacre_md *md,
                                 const char *potential, long traj_bytes,
                                 long log_bytes, nacre_error *err) {
  nacre_atomic_file af;
  nacre_status st = nacre_atomic_open(&af, path, err);
  if (st) return st;
  fprintf(af.fp, "%s\npotential %s\ntrajectory_bytes %ld\nlog_bytes %ld\n",
          CHECKPOINT_HEAD, potential, traj_bytes, log_bytes);
  st = nacre_md_state_write(md, af.fp, err);
  if (st) {
    nacre_atomic_abort(&af);
    return nacre_error_prefix(err, "%s: ", path);
  }
  return nacre_atomic_commit(&af, err);
}

static int read_line(FILE *fp, char *buf, size_t len) {
  if (!fgets(buf, (int)len, fp)) return 0;
  buf[strcspn(buf, "\r\n")] = '\0';
  return 1;
}

nacre_status md_checkpoint_read(const char *path, nacre_md *md,
                                const char *potential, long *traj_bytes,
                                long *log_bytes, nacre_error *err) {
  FILE *fp = fopen(path, "r");
  if (!fp)
    return nacre_error_set(err, NACRE_ERR_IO, "cannot open checkpoint %s",
                           path);
  char line[1024];
  nacre_status st = NACRE_OK;
  if (!read_line(fp, line, sizeof line) || strcmp(line, CHECKPOINT_HEAD)) {
    st = nacre_error_set(err, NACRE_ERR_PARSE,
                         "%s:1: not a nacre md checkpoint", path);
  } else if (!read_line(fp, line, sizeof line) ||
             strncmp(line, "potential ", 10)) {
    st = nacre_error_set(err, NACRE_ERR_PARSE, "%s:2: expected 'potential'",
                         path);
  } else if (strcmp(line + 10, potential)) {
    st = nacre_error_set(err, NACRE_ERR_INVALID,
                         "%s was written with the potential '%s', this run "
                         "uses '%s'",
                         path, line + 10, potential);
  } else if (!read_line(fp, line, sizeof line) ||
             sscanf(line, "trajectory_bytes %ld", traj_bytes) != 1 ||
             !read_line(fp, line, sizeof line) ||
             sscanf(line, "log_bytes %ld", log_bytes) != 1) {
    st = nacre_error_set(err, NACRE_ERR_PARSE,
                         "%s:3: expected trajectory_bytes and log_bytes", path);
  } else {
    st = nacre_md_state_read(md, fp, path, err);
  }
  fclose(fp);
  return st;
}
