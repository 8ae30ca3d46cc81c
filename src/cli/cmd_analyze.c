/* cmd_analyze.c — `nacre analyze rdf|msd|vacf|lindemann|phase|plot`:
 * trajectory analysis of any extxyz trajectory (nacre's, ASE's, ...) or
 * LAMMPS text dump, and SVG plots of `nacre md` logs. The analysis lives in
 * src/md; here files are read and results printed or written. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "nacre/io.h"
#include "nacre/md.h"
#include "svg.h"

static const char *const CMD = "analyze";

static void help(void) {
  printf(
      "Usage: nacre analyze WHAT TRAJECTORY [options]\n"
      "       nacre analyze plot LOG.csv -o PLOT.svg [--columns A,B,...]\n"
      "\n"
      "WHAT:\n"
      "  rdf        partial radial distribution functions g_ab(r) and\n"
      "             coordination numbers n_ab(r) (b neighbours of an a atom\n"
      "             within r), first coordination shell\n"
      "  msd        mean-square displacement per species (every frame a time\n"
      "             origin, unwrapped positions) and diffusion coefficients\n"
      "             D = slope/6 in Å²/ps (1 Å²/ps = 1e-4 cm²/s)\n"
      "  vacf       velocity autocorrelation and vibrational density of states\n"
      "             (THz; velocities from the trajectory or from positions)\n"
      "  lindemann  Lindemann index of the first-shell pairs\n"
      "  phase      solid/liquid verdict from diffusion and the RDF\n"
      "  plot       time series of a `nacre md --log` CSV as an SVG figure\n"
      "\n"
      "TRAJECTORY: extended XYZ (momenta or velocities columns are used; ASE\n"
      "momenta are converted) or a LAMMPS text dump (dump custom with id,\n"
      "type or element, x y z / xu yu zu / xs ys zs, optional vx vy vz in\n"
      "metal units). Positions may be wrapped: they are unwrapped between\n"
      "consecutive frames (atoms must move less than half a cell per frame).\n"
      "\n"
      "Options:\n"
      "  --first N            skip the first N frames read (equilibration)\n"
      "  --stride K           read every K-th frame of the file (default 1)\n"
      "  --frame-time FS      time between frames of the file, fs (default:\n"
      "                       the frames' time_fs, or a dump's TIMESTEP times\n"
      "                       --timestep)\n"
      "  --timestep FS        MD time step of a LAMMPS dump, fs\n"
      "  --types A,B,...      elements of LAMMPS atom types 1, 2, ...\n"
      "  --rmax A             rdf: largest distance, Å (default: half the\n"
      "                       smallest cell height, at most 8 Å)\n"
      "  --bins N             rdf: number of bins (default 200)\n"
      "  --origin-stride S    msd: a time origin every S frames (default 1)\n"
      "  --fit-start FS       msd: fit D from this lag (default 10 %% of the\n"
      "  --fit-end FS         longest) to this lag (default 50 %%), fs\n"
      "  --max-lag N          vacf: longest lag in frames (default half)\n"
      "  --vdos FILE          vacf: also write the density of states (CSV)\n"
      "  --cutoff A           lindemann: pair cutoff, Å (default: the first\n"
      "                       minimum of g(r))\n"
      "  --columns A,B,...    plot: CSV columns (default temperature_k,\n"
      "                       pressure_gpa,volume_a3,energy_ev)\n"
      "  -o, --output FILE    the table (CSV, full precision) or the SVG plot\n"
      "  --json               results as JSON on standard output\n"
      "  -h, --help           this help\n"
      "\n"
      "Examples:\n"
      "  nacre analyze rdf md.xyz --first 20 -o rdf.csv\n"
      "  nacre analyze msd md.xyz --first 20 --json\n"
      "  nacre analyze vacf md.xyz --vdos vdos.csv\n"
      "  nacre analyze phase md.xyz --first 20\n"
      "  nacre analyze msd dump.lammpstrj --types Cu --timestep 1\n"
      "  nacre analyze plot md.csv -o md.svg\n");
}

typedef struct an_args {
  const char *what, *input, *output, *vdos, *columns;
  int first, stride, bins, origin_stride, max_lag, json, ntypes;
  int type_z[64];
  double frame_time, timestep, rmax, fit_start, fit_end, cutoff;
} an_args;

static int parse_types(const char *v, an_args *a) {
  char buf[1024];
  snprintf(buf, sizeof buf, "%s", v);
  a->ntypes = 0;
  char *save = NULL;
  for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
    int z = nacre_element_z(t);
    if (!z || a->ntypes == 64)
      return cli_usage(CMD, "--types expects element symbols, got '%s'", t);
    a->type_z[a->ntypes++] = z;
  }
  return 0;
}

static int parse_option(an_args *a, const char *o, const char *v, int *k) {
  static const char *const flags[] = {"--json"};
  if (!strcmp(o, flags[0])) {
    a->json = 1;
    return 0;
  }
  if (!v) return cli_usage(CMD, "%s needs a value, or is unknown", o);
  (*k)++;
  int rc = 0;
  if (!strcmp(o, "--first")) rc = cli_parse_int(CMD, o, v, &a->first);
  else if (!strcmp(o, "--stride")) rc = cli_parse_int(CMD, o, v, &a->stride);
  else if (!strcmp(o, "--frame-time")) rc = cli_parse_double(CMD, o, v, &a->frame_time);
  else if (!strcmp(o, "--timestep")) rc = cli_parse_double(CMD, o, v, &a->timestep);
  else if (!strcmp(o, "--types")) rc = parse_types(v, a);
  else if (!strcmp(o, "--rmax")) rc = cli_parse_double(CMD, o, v, &a->rmax);
  else if (!strcmp(o, "--bins")) rc = cli_parse_int(CMD, o, v, &a->bins);
  else if (!strcmp(o, "--origin-stride")) rc = cli_parse_int(CMD, o, v, &a->origin_stride);
  else if (!strcmp(o, "--fit-start")) rc = cli_parse_double(CMD, o, v, &a->fit_start);
  else if (!strcmp(o, "--fit-end")) rc = cli_parse_double(CMD, o, v, &a->fit_end);
  else if (!strcmp(o, "--max-lag")) rc = cli_parse_int(CMD, o, v, &a->max_lag);
  else if (!strcmp(o, "--vdos")) a->vdos = v;
  else if (!strcmp(o, "--cutoff")) rc = cli_parse_double(CMD, o, v, &a->cutoff);
  else if (!strcmp(o, "--columns")) a->columns = v;
  else if (!strcmp(o, "-o") || !strcmp(o, "--output")) a->output = v;
  else return cli_usage(CMD, "unknown option '%s'", o);
  return rc ? CLI_USAGE : 0;
}

static int parse_args(int argc, char **argv, an_args *a) {
  memset(a, 0, sizeof *a);
  a->stride = 1;
  a->bins = 200;
  a->origin_stride = 1;
  for (int k = 1; k < argc; k++) {
    const char *o = argv[k], *v = k + 1 < argc ? argv[k + 1] : NULL;
    if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
      help();
      return -1;
    }
    int rc = 0;
    if (o[0] == '-' && o[1]) rc = parse_option(a, o, v, &k);
    else if (!a->what) a->what = o;
    else if (!a->input) a->input = o;
    else rc = cli_usage(CMD, "unexpected argument '%s'", o);
    if (rc) return rc;
  }
  static const char *const whats[] = {"rdf", "msd", "vacf", "lindemann", "phase", "plot"};
  int ok = 0;
  for (size_t k = 0; a->what && k < sizeof whats / sizeof *whats; k++) ok |= !strcmp(a->what, whats[k]);
  if (!ok)
    return cli_usage(CMD, "expected rdf, msd, vacf, lindemann, phase or plot%s%s",
                     a->what ? ", got " : "", a->what ? a->what : "");
  if (!a->input) return cli_usage(CMD, "no input file given");
  if (a->first < 0 || a->stride < 1 || a->bins < 2 || a->origin_stride < 1 ||
      a->max_lag < 0 || a->frame_time < 0 || a->timestep < 0 || a->rmax < 0 ||
      a->cutoff < 0)
    return cli_usage(CMD, "--first, --max-lag must be >= 0, --stride, "
                          "--origin-stride >= 1, --bins >= 2, lengths and "
                          "times positive");
  if (!strcmp(a->what, "plot") && !a->output)
    return cli_usage(CMD, "plot needs -o FILE.svg");
  return 0;
}

/* ---------------------------------------------------------------- */
/* Reading a trajectory                                               */
/* ---------------------------------------------------------------- */

typedef struct reader {
  nacre_xyz_reader *xyz;
  nacre_dump_reader *dump;
} reader;

static int is_dump(const char *path) {
  FILE *f = fopen(path, "r");
  char line[64] = "";
  if (f) {
    if (!fgets(line, sizeof line, f)) line[0] = '\0';
    fclose(f);
  }
  return !strncmp(line, "ITEM: TIMESTEP", 14);
}

/* The velocities of a frame in Å/fs (NULL when it has none). */
static nacre_status frame_velocities(const nacre_frame *f, double **out,
                                     nacre_error *err) {
  *out = NULL;
  const nacre_column *mom = nacre_frame_get_column(f, "momenta");
  const nacre_column *vel = nacre_frame_get_column(f, "velocities");
  const nacre_column *mas = nacre_frame_get_column(f, "masses");
  const nacre_column *c = mom ? mom : vel;
  if (!c) return NACRE_OK;
  int n = f->s->natoms;
  if (c->ncomp != 3 || !c->real)
    return nacre_error_set(err, NACRE_ERR_PARSE, "column %s is not 3 reals", c->name);
  double *v = malloc(3 * (size_t)n * sizeof(double));
  if (!v) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  for (int i = 0; i < n; i++) {
    double scale = 1.0;
    if (mom) {
      const nacre_element *e = nacre_element_by_z(f->s->numbers[i]);
      double m = mas && mas->real ? mas->real[i] : (e ? e->mass_amu : 0.0);
      scale = m > 0 ? 1.0 / (m * sqrt(NACRE_AMU_A2_FS2_EV)) : 0.0;
    }
    for (int k = 0; k < 3; k++) v[3 * i + k] = scale * c->real[3 * i + k];
  }
  *out = v;
  return NACRE_OK;
}

/* The time of frame `index` of the file (fs), or NAN when unknown. */
static double frame_time(const an_args *a, const nacre_frame *f, long index) {
  if (a->frame_time > 0) return index * a->frame_time;
  const char *t = nacre_frame_get_info(f, "time_fs");
  if (t) return strtod(t, NULL);
  const char *ts = nacre_frame_get_info(f, "timestep");
  if (ts && a->timestep > 0) return strtod(ts, NULL) * a->timestep;
  return NAN;
}

static nacre_status check_frame(const nacre_traj *t, const nacre_frame *f,
                                const char *path, long index,
                                nacre_error *err) {
  if (f->s->natoms != t->natoms)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "%s: frame %ld has %d atoms, the first %d", path,
                           index + 1, f->s->natoms, t->natoms);
  for (int i = 0; i < t->natoms; i++)
    if (f->s->numbers[i] != t->numbers[i])
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "%s: frame %ld changes the element of atom %d",
                             path, index + 1, i + 1);
  return NACRE_OK;
}

static nacre_status read_trajectory(const an_args *a, nacre_traj **out,
                                    int *times_known, nacre_error *err) {
  *out = NULL;
  *times_known = 1;
  reader r = {NULL, NULL};
  int dump = is_dump(a->input);
  if (dump) r.dump = nacre_lammps_dump_open(a->input, a->type_z, a->ntypes, err);
  else r.xyz = nacre_xyz_open(a->input, err);
  if (!r.dump && !r.xyz) return err->status;
  nacre_frame f;
  nacre_frame_init(&f);
  nacre_traj *t = NULL;
  nacre_status st = NACRE_OK;
  for (long index = 0;; index++) {
    int eof = 0;
    long step;
    st = dump ? nacre_lammps_dump_next(r.dump, &f, &step, &eof, err)
              : nacre_xyz_next(r.xyz, &f, &eof, err);
    if (eof) {
      st = NACRE_OK;
      break;
    }
    if (st) break;
    if (index % a->stride) continue;
    if (!t && !(t = nacre_traj_new(f.s->natoms, f.s->numbers, f.s->pbc, err))) {
      st = err->status;
      break;
    }
    if ((st = check_frame(t, &f, a->input, index, err))) break;
    double *v = NULL;
    if ((st = frame_velocities(&f, &v, err))) break;
    double time = frame_time(a, &f, index);
    if (!isfinite(time)) {
      *times_known = 0;
      time = (double)index;
    }
    st = nacre_traj_append(t, f.s->cell, f.s->positions, v, time, err);
    free(v);
    if (st) break;
  }
  nacre_frame_clear(&f);
  if (r.xyz) nacre_xyz_close(r.xyz);
  if (r.dump) nacre_lammps_dump_close(r.dump);
  if (!st && !t) st = nacre_error_set(err, NACRE_ERR_PARSE, "%s: no frames", a->input);
  if (!st && a->first >= t->nframes)
    st = nacre_error_set(err, NACRE_ERR_INVALID,
                         "%s: --first %d skips all %d frames", a->input,
                         a->first, t->nframes);
  if (st) {
    nacre_traj_free(t);
    return st;
  }
  nacre_traj_unwrap(t);
  *out = t;
  return NACRE_OK;
}

/* ---------------------------------------------------------------- */
/* Output                                                             */
/* ---------------------------------------------------------------- */

static const char *sym(int z) {
  const nacre_element *e = nacre_element_by_z(z);
  return e ? e->symbol : "X";
}

static FILE *open_table(const char *path, nacre_error *err) {
  FILE *f = fopen(path, "w");
  if (!f) nacre_error_set(err, NACRE_ERR_IO, "cannot write %s: %s", path, strerror(errno));
  return f;
}

static void print_json(cJSON *o) {
  char *text = cJSON_Print(o);
  if (text) puts(text);
  free(text);
  cJSON_Delete(o);
}

static int do_rdf(const an_args *a, const nacre_traj *t, nacre_error *err) {
  double rmax = a->rmax;
  if (!(rmax > 0)) {
    double h[3];
    nacre_cell_heights((const double(*)[3])(t->cells + 9 * (size_t)a->first), h);
    rmax = 8.0;
    for (int k = 0; k < 3; k++)
      if (t->pbc[k] && 0.5 * h[k] < rmax) rmax = 0.5 * h[k];
  }
  nacre_rdf *r;
  if (nacre_rdf_compute(t, rmax, a->bins, a->first, 1, &r, err)) return cli_fail(CMD, err);
  int ns = r->nspecies;
  if (a->output) {
    FILE *f = open_table(a->output, err);
    if (!f) {
      nacre_rdf_free(r);
      return cli_fail(CMD, err);
    }
    fprintf(f, "r_a,g_total");
    for (int x = 0; x < ns; x++)
      for (int y = 0; y < ns; y++) fprintf(f, ",g_%s_%s", sym(r->species[x]), sym(r->species[y]));
    for (int x = 0; x < ns; x++)
      for (int y = 0; y < ns; y++) fprintf(f, ",n_%s_%s", sym(r->species[x]), sym(r->species[y]));
    fputc('\n', f);
    for (int k = 0; k < r->nbins; k++) {
      fprintf(f, "%.17g,%.17g", (k + 0.5) * r->dr, r->g_total[k]);
      for (int p = 0; p < ns * ns; p++) fprintf(f, ",%.17g", r->g[(size_t)p * r->nbins + k]);
      for (int p = 0; p < ns * ns; p++)
        fprintf(f, ",%.17g", r->coordination[(size_t)p * r->nbins + k]);
      fputc('\n', f);
    }
    fclose(f);
  }
  if (a->json) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "frames", r->nframes);
    cJSON_AddNumberToObject(o, "rmax_a", r->rmax);
    cJSON_AddNumberToObject(o, "bins", r->nbins);
    cJSON_AddNumberToObject(o, "first_shell_a", r->first_shell_a);
    cJSON_AddNumberToObject(o, "first_shell_coordination", r->first_shell_coordination);
    cJSON_AddNumberToObject(o, "peak_g", r->peak_g);
    cJSON_AddNumberToObject(o, "first_minimum_g", r->first_shell_g);
    print_json(o);
  } else {
    printf("%s: %d frame%s, r < %.3f Å in %d bins\n", a->input, r->nframes,
           r->nframes == 1 ? "" : "s", r->rmax, r->nbins);
    printf("  first shell: up to %.3f Å, %.3f neighbours; g(peak) %.3f, "
           "g(minimum) %.3f\n",
           r->first_shell_a, r->first_shell_coordination, r->peak_g, r->first_shell_g);
  }
  nacre_rdf_free(r);
  return CLI_OK;
}

static int need_times(int known) {
  if (known) return 0;
  return cli_usage(CMD, "the frames carry no time: give --frame-time FS (or "
                        "--timestep FS for a LAMMPS dump)");
}

static int do_msd(const an_args *a, const nacre_traj *t, int known,
                  nacre_error *err) {
  if (need_times(known)) return CLI_USAGE;
  nacre_msd *m;
  if (nacre_msd_compute(t, a->first, a->origin_stride, a->fit_start, a->fit_end,
                        &m, err))
    return cli_fail(CMD, err);
  if (a->output) {
    FILE *f = open_table(a->output, err);
    if (!f) {
      nacre_msd_free(m);
      return cli_fail(CMD, err);
    }
    fprintf(f, "lag_fs,msd_total_a2");
    for (int s = 0; s < m->nspecies; s++) fprintf(f, ",msd_%s_a2", sym(m->species[s]));
    fputc('\n', f);
    for (int k = 0; k < m->nlags; k++) {
      fprintf(f, "%.17g,%.17g", m->lag_fs[k], m->msd_total[k]);
      for (int s = 0; s < m->nspecies; s++)
        fprintf(f, ",%.17g", m->msd[(size_t)s * m->nlags + k]);
      fputc('\n', f);
    }
    fclose(f);
  }
  if (a->json) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "lags", m->nlags);
    cJSON_AddNumberToObject(o, "fit_start_fs", m->fit_start_fs);
    cJSON_AddNumberToObject(o, "fit_end_fs", m->fit_end_fs);
    cJSON_AddNumberToObject(o, "diffusion_a2_ps", m->diffusion_total_a2_ps);
    cJSON *d = cJSON_AddObjectToObject(o, "diffusion_by_species_a2_ps");
    for (int s = 0; s < m->nspecies; s++)
      cJSON_AddNumberToObject(d, sym(m->species[s]), m->diffusion_a2_ps[s]);
    cJSON_AddNumberToObject(o, "msd_max_a2", m->msd_total[m->nlags - 1]);
    print_json(o);
  } else {
    printf("%s: MSD over %d lags (%.4g fs); D fitted over %.4g–%.4g fs:\n",
           a->input, m->nlags, m->lag_fs[m->nlags - 1], m->fit_start_fs, m->fit_end_fs);
    for (int s = 0; s < m->nspecies; s++)
      printf("  %-3s D = %.5g Å²/ps (%.4g cm²/s)\n", sym(m->species[s]),
             m->diffusion_a2_ps[s], 1e-4 * m->diffusion_a2_ps[s]);
    printf("  all D = %.5g Å²/ps; MSD at the longest lag %.4g Å²\n",
           m->diffusion_total_a2_ps, m->msd_total[m->nlags - 1]);
  }
  nacre_msd_free(m);
  return CLI_OK;
}

static int do_vacf(const an_args *a, const nacre_traj *t, int known,
                   nacre_error *err) {
  if (need_times(known)) return CLI_USAGE;
  nacre_vacf *v;
  if (nacre_vacf_compute(t, a->first, a->max_lag, &v, err)) return cli_fail(CMD, err);
  FILE *f = NULL;
  int rc = CLI_OK;
  if (a->output && (f = open_table(a->output, err))) {
    fprintf(f, "lag_fs,vacf_a2_fs2,vacf_normalized\n");
    for (int k = 0; k < v->nlags; k++)
      fprintf(f, "%.17g,%.17g,%.17g\n", v->lag_fs[k], v->vacf[k], v->vacf_norm[k]);
    fclose(f);
  } else if (a->output) {
    rc = cli_fail(CMD, err);
  }
  if (a->vdos && (f = open_table(a->vdos, err))) {
    fprintf(f, "frequency_thz,vdos_per_thz\n");
    for (int k = 0; k < v->nfreq; k++) fprintf(f, "%.17g,%.17g\n", v->freq_thz[k], v->vdos[k]);
    fclose(f);
  } else if (a->vdos) {
    rc = cli_fail(CMD, err);
  }
  int peak = 0;
  for (int k = 1; k < v->nfreq; k++)
    if (v->vdos[k] > v->vdos[peak]) peak = k;
  if (a->json) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "lags", v->nlags);
    cJSON_AddBoolToObject(o, "velocities_from_positions", v->from_positions);
    cJSON_AddNumberToObject(o, "vdos_peak_thz", v->freq_thz[peak]);
    print_json(o);
  } else {
    printf("%s: VACF over %d lags (%.4g fs)%s; VDOS up to %.4g THz, highest at "
           "%.4g THz\n",
           a->input, v->nlags, v->lag_fs[v->nlags - 1],
           v->from_positions ? ", velocities from positions" : "",
           v->freq_thz[v->nfreq - 1], v->freq_thz[peak]);
  }
  nacre_vacf_free(v);
  return rc;
}

static int do_lindemann(const an_args *a, const nacre_traj *t, nacre_error *err) {
  double cut = a->cutoff;
  if (!(cut > 0)) {
    nacre_phase_report rep;
    if (nacre_phase_classify(t, a->first, &rep, err)) return cli_fail(CMD, err);
    cut = rep.first_shell_a;
  }
  double idx;
  int np;
  if (nacre_lindemann_compute(t, a->first, cut, &idx, &np, err)) return cli_fail(CMD, err);
  if (a->json) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "lindemann", idx);
    cJSON_AddNumberToObject(o, "pairs", np);
    cJSON_AddNumberToObject(o, "cutoff_a", cut);
    print_json(o);
  } else {
    printf("%s: Lindemann index %.4f over %d pairs closer than %.3f Å\n",
           a->input, idx, np, cut);
  }
  return CLI_OK;
}

static int do_phase(const an_args *a, const nacre_traj *t, int known,
                    nacre_error *err) {
  if (need_times(known)) return CLI_USAGE;
  nacre_phase_report rep;
  if (nacre_phase_classify(t, a->first, &rep, err)) return cli_fail(CMD, err);
  if (a->json) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "phase", nacre_phase_verdict_name(rep.verdict));
    cJSON_AddNumberToObject(o, "diffusion_a2_ps", rep.diffusion_a2_ps);
    cJSON_AddNumberToObject(o, "msd_max_a2", rep.msd_max_a2);
    cJSON_AddNumberToObject(o, "rdf_min_max_ratio", rep.rdf_ratio);
    cJSON_AddNumberToObject(o, "first_shell_a", rep.first_shell_a);
    cJSON_AddNumberToObject(o, "lindemann", rep.lindemann);
    cJSON_AddStringToObject(o, "reason", rep.reason);
    print_json(o);
  } else {
    printf("%s: %s\n  %s\n", a->input, nacre_phase_verdict_name(rep.verdict), rep.reason);
  }
  return CLI_OK;
}

/* ---------------------------------------------------------------- */
/* Plots of md logs                                                   */
/* ---------------------------------------------------------------- */

static int do_plot(const an_args *a) {
  FILE *in = fopen(a->input, "r");
  if (!in) {
    fprintf(stderr, "nacre analyze: cannot open %s\n", a->input);
    return CLI_FAILED;
  }
  char line[8192];
  char *names[64];
  int ncol = 0;
  if (fgets(line, sizeof line, in)) {
    line[strcspn(line, "\r\n")] = '\0';
    char *save = NULL;
    for (char *t = strtok_r(line, ",", &save); t && ncol < 64; t = strtok_r(NULL, ",", &save))
      names[ncol++] = strdup(t);
  }
  const char *want = a->columns ? a->columns : "temperature_k,pressure_gpa,volume_a3,energy_ev";
  int sel[16], nsel = 0, xcol = -1, rc = CLI_OK;
  char wbuf[1024];
  snprintf(wbuf, sizeof wbuf, "%s", want);
  char *save = NULL;
  for (int c = 0; c < ncol; c++)
    if (!strcmp(names[c], "time_fs")) xcol = c;
  for (char *t = strtok_r(wbuf, ",", &save); t && nsel < 16; t = strtok_r(NULL, ",", &save)) {
    int c = 0;
    while (c < ncol && strcmp(names[c], t)) c++;
    if (c == ncol) {
      rc = cli_usage(CMD, "%s has no column '%s'", a->input, t);
      break;
    }
    sel[nsel++] = c;
  }
  double *data = NULL;
  long rows = 0, cap = 0;
  while (rc == CLI_OK && fgets(line, sizeof line, in)) {
    if (rows == cap) {
      cap = cap ? 2 * cap : 1024;
      double *d = realloc(data, (size_t)cap * ncol * sizeof(double));
      if (!d) break;
      data = d;
    }
    char *p = line;
    for (int c = 0; c < ncol; c++) {
      char *end;
      data[(size_t)rows * ncol + c] = strtod(p, &end);
      if (end == p) data[(size_t)rows * ncol + c] = NAN;
      p = strchr(end, ',');
      if (!p) break;
      p++;
    }
    rows++;
  }
  fclose(in);
  if (rc == CLI_OK && rows > 0 && xcol >= 0) {
    double *cols = malloc((size_t)(nsel + 1) * rows * sizeof(double));
    for (long r = 0; r < rows; r++) {
      cols[r] = data[(size_t)r * ncol + xcol] * 1e-3; /* ps */
      for (int s = 0; s < nsel; s++)
        cols[(size_t)(s + 1) * rows + r] = data[(size_t)r * ncol + sel[s]];
    }
    svg_series p[16];
    for (int s = 0; s < nsel; s++)
      p[s] = (svg_series){cols, cols + (size_t)(s + 1) * rows, (int)rows, names[sel[s]]};
    FILE *out = fopen(a->output, "w");
    if (out) {
      svg_plot(out, a->input, "time (ps)", p, nsel);
      if (fclose(out)) rc = CLI_FAILED;
    } else {
      rc = CLI_FAILED;
    }
    if (rc) fprintf(stderr, "nacre analyze: cannot write %s\n", a->output);
    else printf("%s: %ld rows, %d panels → %s\n", a->input, rows, nsel, a->output);
    free(cols);
  } else if (rc == CLI_OK) {
    fprintf(stderr, "nacre analyze: %s has no rows or no time_fs column\n", a->input);
    rc = CLI_FAILED;
  }
  free(data);
  for (int c = 0; c < ncol; c++) free(names[c]);
  return rc;
}

static int run(int argc, char **argv) {
  an_args a;
  int rc = parse_args(argc, argv, &a);
  if (rc) return rc < 0 ? CLI_OK : rc;
  if (!strcmp(a.what, "plot")) return do_plot(&a);
  nacre_error err;
  nacre_error_clear(&err);
  nacre_traj *t;
  int known;
  if (read_trajectory(&a, &t, &known, &err)) return cli_fail(CMD, &err);
  if (!strcmp(a.what, "rdf")) rc = do_rdf(&a, t, &err);
  else if (!strcmp(a.what, "msd")) rc = do_msd(&a, t, known, &err);
  else if (!strcmp(a.what, "vacf")) rc = do_vacf(&a, t, known, &err);
  else if (!strcmp(a.what, "lindemann")) rc = do_lindemann(&a, t, &err);
  else rc = do_phase(&a, t, known, &err);
  nacre_traj_free(t);
  return rc;
}

const nacre_command nacre_cmd_analyze = {
    "analyze", "trajectory analysis: RDF, MSD/diffusion, VACF/VDOS, Lindemann, phase, plots",
    run};
