/* cmd_md.c — `nacre md`: molecular dynamics of one structure with a
 * potential in the NVE, NVT or NPT ensemble; writes an extxyz trajectory, a
 * CSV thermo log and checkpoints, resumes from a checkpoint bit for bit, and
 * prints (or --json) means with standard errors. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "md_learn.h"
#include "md_output.h"
#include "nacre/io.h"
#include "nacre/md.h"
#include "nacre/pot.h"

static const char *const CMD = "md";

static void help(void) {
  printf(
      "Usage: nacre md STRUCTURE --potential SPEC [options]\n"
      "\n"
      "Molecular dynamics of STRUCTURE (POSCAR, extxyz, CIF, ...; path@N picks\n"
      "frame N) with velocity Verlet. Starting velocities come from the input\n"
      "when it has them (extxyz `momenta` as ASE writes them, or `velocities` in\n"
      "Å/fs; per-atom `masses` in amu are used too), otherwise from a\n"
      "Maxwell-Boltzmann distribution at --temperature (zero total momentum,\n"
      "scaled to exactly that temperature). Positions stay unwrapped.\n"
      "\n"
      "Potential:\n"
      "  -p, --potential SPEC the potential (required): a model file, an inline\n"
      "                       spec or committee:A,B,... (see nacre eval --help);\n"
      "                       with a committee the log has its deviations\n"
      "\n"
      "On-the-fly learning (instead of --potential):\n"
      "  --learn CONFIG       a committee trained on the initial data of the\n"
      "                       nacre learn configuration CONFIG (doc/learn.md)\n"
      "                       drives the run; a step whose force deviation\n"
      "                       reaches selection.lo_ev_a and whose structure\n"
      "                       is no near-duplicate of the labelled data\n"
      "                       (fingerprint distance below\n"
      "                       selection.min_distance) is labelled and\n"
      "                       integrated on the labeller's forces; prints the\n"
      "                       share of labelled steps, the time against\n"
      "                       labelling every step, and the errors of the\n"
      "                       trajectory and of the final committee on check\n"
      "                       frames (labelled, never trained on)\n"
      "  --learn-dir DIR      its files: otf.db (the run file: the same command\n"
      "                       resumes a killed run from it), committee.json,\n"
      "                       labels.extxyz, final.extxyz (default md-learn);\n"
      "                       --checkpoint-every N: steps between its\n"
      "                       checkpoints (default 50)\n"
      "  --retrain-every N    new labels between retrainings (default 5)\n"
      "  --retrain-lag N      retrain in a background worker process while the\n"
      "                       run goes on with the current committee; the new\n"
      "                       committee comes in N steps after its retraining\n"
      "                       began (the run waits for it there if it is late),\n"
      "                       so the path, and a resume, depend on the steps\n"
      "                       alone (default 0: the run stops and retrains)\n"
      "  --no-screen          label every step above the threshold\n"
      "  --label-delay S      add S seconds to every label (a slow labeller\n"
      "                       for studies; default 0)\n"
      "\n"
      "Ensemble:\n"
      "  --ensemble E         nve (default), nvt, npt or nph (constant enthalpy\n"
      "                       and pressure: a deterministic piston barostat and\n"
      "                       no thermostat; the temperature follows, e.g. to\n"
      "                       the melting point in a solid-liquid box)\n"
      "  --temperature K      target temperature, K (default 300); also the\n"
      "                       starting temperature without input velocities\n"
      "                       (nve, nph: only that)\n"
      "  --thermostat T       bussi (stochastic velocity rescaling, default for\n"
      "                       nvt/npt), langevin (BAOAB) or nose-hoover (chain)\n"
      "  --tau-t FS           thermostat time constant, fs (default 100): Bussi\n"
      "                       relaxation time, Langevin 1/friction, Nosé-Hoover\n"
      "                       period\n"
      "  --chain N            Nosé-Hoover chain length (default 3)\n"
      "  --pressure GPA       npt, nph: hydrostatic pressure, GPa (default 0)\n"
      "  --stress XX,YY,ZZ,YZ,XZ,XY\n"
      "                       npt: target stress, GPa, ASE sign (positive =\n"
      "                       tensile); implies --barostat aniso\n"
      "  --barostat B         npt: iso (isotropic stochastic cell rescaling,\n"
      "                       default), aniso (all six strain components) or z\n"
      "                       (the piston below with the thermostat);\n"
      "                       nph: iso (Andersen's piston, the shape kept,\n"
      "                       default) or z (the piston moves only the length\n"
      "                       along the normal of the first two cell vectors:\n"
      "                       the long axis of a coexistence box)\n"
      "  --tau-p FS           barostat time constant, fs (default 1000); nph: the\n"
      "                       period of the piston's oscillation\n"
      "  --compressibility B  estimated compressibility, 1/GPa (default 0.01):\n"
      "                       with --tau-p it sets how fast the cell responds;\n"
      "                       the sampled volumes do not depend on it (nph with\n"
      "                       z: the inverse longitudinal modulus 1/C33)\n"
      "  --fix-com            keep the centre of mass fixed (forces and\n"
      "                       velocities projected)\n"
      "  Fixed atoms: POSCAR selective dynamics (F flags) hold coordinates.\n"
      "\n"
      "Run:\n"
      "  --timestep FS        time step, fs (default 1)\n"
      "  --steps N            number of steps of the whole run (default 1000;\n"
      "                       with --resume the run continues up to N)\n"
      "  --seed S             seed of every random stream (default 1)\n"
      "  --equilibration N    steps left out of the averages (default 0)\n"
      "  -j, --jobs N         OpenMP threads (default 1)\n"
      "  --time-limit T       stop at the first checkpoint after T of wall time\n"
      "                       (90, 90s, 30m, 2h; needs --checkpoint)\n"
      "\n"
      "Output:\n"
      "  --trajectory FILE    extxyz frames: positions, momenta (ASE units),\n"
      "                       forces, energy, stress, cell, step, time_fs\n"
      "  --every N            trajectory interval in steps (default 100)\n"
      "  --log FILE           CSV time series: step, time_fs, temperature_k,\n"
      "                       energy_ev (potential), kinetic_energy_ev,\n"
      "                       conserved_energy_ev, pressure_gpa, volume_a3,\n"
      "                       stress_xx_gpa ... stress_xy_gpa, enthalpy_ev; with\n"
      "                       a committee also committee_force_deviation_max_ev_a\n"
      "                       and committee_energy_deviation_per_atom_ev\n"
      "  --thermo-every N     log and statistics interval in steps (default 10)\n"
      "  --checkpoint FILE    restart file, written atomically at the end and\n"
      "                       on the way (see the next two options)\n"
      "  --checkpoint-every N steps between the moments a checkpoint may be\n"
      "                       written (default 1000); a run resumed from one\n"
      "                       continues bit for bit\n"
      "  --checkpoint-interval T\n"
      "                       wall time between checkpoints (90, 30s, 5m; default\n"
      "                       0: at every --checkpoint-every steps)\n"
      "  --resume             continue from --checkpoint bit for bit (same\n"
      "                       options and thread count); trajectory and log are\n"
      "                       cut back to the checkpoint and continued\n"
      "  -o, --output FILE    the final structure (extxyz keeps the momenta)\n"
      "  --json               summary as JSON on standard output\n"
      "  -q, --quiet          only errors and the final summary\n"
      "  -h, --help           this help\n"
      "\n"
      "Summary: means and standard errors (blocking) of temperature, pressure,\n"
      "volume, energy and enthalpy per atom; drift of the conserved quantity in\n"
      "eV/atom/ps; steps per second; µs per atom-step.\n"
      "Exit status: 0 completed, 1 failed, exploded or interrupted (the last good\n"
      "state is written to -o), 2 usage error.\n"
      "\n"
      "Examples:\n"
      "  nacre md Cu.vasp -p Cu_u3.eam --ensemble nvt --temperature 600 \\\n"
      "    --steps 10000 --trajectory md.xyz --log md.csv\n"
      "  nacre md Cu.vasp -p Cu_u3.eam --ensemble npt --pressure 10 \\\n"
      "    --temperature 300 --steps 20000 --checkpoint md.chk\n"
      "  nacre md half-melted.extxyz -p lj:... --ensemble nph --barostat z \\\n"
      "    --timestep 5 --steps 100000 --log coex.csv   (T settles at T_m)\n");
}

typedef struct md_args {
  const char *structure, *potential, *trajectory, *log, *checkpoint, *output;
  const char *ensemble;
  const char *learn, *learn_dir;
  int retrain_every, no_screen, set_checkpoint_every;
  long retrain_lag;
  double label_delay_s;
  int every, thermo_every, checkpoint_every, resume, json, quiet, jobs;
  int have_thermostat, have_barostat, have_pressure, have_stress;
  long steps;
  double time_limit_s, checkpoint_interval_s;
  nacre_md_options opt;
} md_args;

static int parse_long(const char *opt, const char *v, long min, long *out) {
  char *end;
  errno = 0;
  long x = strtol(v, &end, 10);
  if (end == v || *end || errno || x < min)
    return cli_usage(CMD, "%s expects an integer >= %ld, got '%s'", opt, min, v);
  *out = x;
  return 0;
}

static int parse_int_min(const char *opt, const char *v, int min, int *out) {
  long x = 0;
  int rc = parse_long(opt, v, min, &x);
  if (!rc && x > 2147483647L) return cli_usage(CMD, "%s is too large", opt);
  if (!rc) *out = (int)x;
  return rc;
}

/* Options of the ensemble; the rest in parse_args. Returns 1 when a was
 * one of them (rc set), 0 otherwise. */
static int parse_ensemble_option(md_args *a, const char *o, const char *v,
                                 int *k, int *rc) {
  nacre_md_options *p = &a->opt;
  nacre_error err;
#define VALUE()                                                                \
  do {                                                                         \
    if (!v) {                                                                  \
      *rc = cli_usage(CMD, "%s needs a value", o);                             \
      return 1;                                                                \
    }                                                                          \
    (*k)++;                                                                    \
  } while (0)
  if (!strcmp(o, "--ensemble")) {
    VALUE();
    a->ensemble = v;
  } else if (!strcmp(o, "--temperature")) {
    VALUE();
    if (cli_parse_double(CMD, o, v, &p->temperature_k)) *rc = CLI_USAGE;
  } else if (!strcmp(o, "--thermostat")) {
    VALUE();
    if (nacre_md_thermostat_parse(v, &p->thermostat, &err))
      *rc = cli_usage(CMD, "%s", err.message);
    a->have_thermostat = 1;
  } else if (!strcmp(o, "--barostat")) {
    VALUE();
    if (nacre_md_barostat_parse(v, &p->barostat, &err))
      *rc = cli_usage(CMD, "%s", err.message);
    a->have_barostat = 1;
  } else if (!strcmp(o, "--tau-t")) {
    VALUE();
    if (cli_parse_double(CMD, o, v, &p->thermostat_tau_fs)) *rc = CLI_USAGE;
  } else if (!strcmp(o, "--tau-p")) {
    VALUE();
    if (cli_parse_double(CMD, o, v, &p->barostat_tau_fs)) *rc = CLI_USAGE;
  } else if (!strcmp(o, "--compressibility")) {
    VALUE();
    if (cli_parse_double(CMD, o, v, &p->compressibility_per_gpa)) *rc = CLI_USAGE;
  } else if (!strcmp(o, "--chain")) {
    VALUE();
    *rc = parse_int_min(o, v, 1, &p->nose_hoover_chain);
  } else if (!strcmp(o, "--pressure")) {
    VALUE();
    if (cli_parse_double(CMD, o, v, &p->pressure_gpa)) *rc = CLI_USAGE;
    a->have_pressure = 1;
  } else if (!strcmp(o, "--stress")) {
    VALUE();
    if (cli_parse_list(CMD, o, v, 6, p->target_stress_gpa)) *rc = CLI_USAGE;
    p->use_target_stress = a->have_stress = 1;
  } else if (!strcmp(o, "--fix-com")) {
    p->fix_com = 1;
  } else {
    return 0;
  }
#undef VALUE
  return 1;
}

static int is_flag(const char *o) {
  return !strcmp(o, "--resume") || !strcmp(o, "--json") || !strcmp(o, "-q") ||
         !strcmp(o, "--quiet") || !strcmp(o, "--no-screen");
}

static int parse_run_option(md_args *a, const char *o, const char *v, int *k,
                            int *rc) {
  static const char *const with_value[] = {
      "-p", "--potential", "--timestep", "--steps", "--seed", "--equilibration",
      "-j", "--jobs", "--threads", "--time-limit", "--checkpoint-interval",
      "--trajectory", "--every",
      "--log", "--thermo-every", "--checkpoint", "--checkpoint-every", "-o",
      "--output", "--learn", "--learn-dir", "--retrain-every", "--label-delay",
      "--retrain-lag"};
  int known = is_flag(o);
  for (size_t n = 0; !known && n < sizeof with_value / sizeof *with_value; n++)
    known = !strcmp(o, with_value[n]);
  if (!known) return 0;
  if (!is_flag(o)) {
    if (!v) {
      *rc = cli_usage(CMD, "%s needs a value", o);
      return 1;
    }
    (*k)++;
  }
  long x = 0;
  if (!strcmp(o, "-p") || !strcmp(o, "--potential")) a->potential = v;
  else if (!strcmp(o, "--timestep")) {
    if (cli_parse_double(CMD, o, v, &a->opt.timestep_fs)) *rc = CLI_USAGE;
  } else if (!strcmp(o, "--steps")) *rc = parse_long(o, v, 0, &a->steps);
  else if (!strcmp(o, "--seed")) {
    *rc = parse_long(o, v, 0, &x);
    a->opt.seed = (uint64_t)x;
  } else if (!strcmp(o, "--equilibration"))
    *rc = parse_long(o, v, 0, &a->opt.equilibration_steps);
  else if (!strcmp(o, "-j") || !strcmp(o, "--jobs") || !strcmp(o, "--threads"))
    *rc = parse_int_min(o, v, 1, &a->jobs);
  else if (!strcmp(o, "--time-limit")) {
    if (cli_parse_duration(CMD, o, v, &a->time_limit_s)) *rc = CLI_USAGE;
  } else if (!strcmp(o, "--checkpoint-interval")) {
    if (cli_parse_duration(CMD, o, v, &a->checkpoint_interval_s)) *rc = CLI_USAGE;
  } else if (!strcmp(o, "--trajectory")) a->trajectory = v;
  else if (!strcmp(o, "--every")) *rc = parse_int_min(o, v, 1, &a->every);
  else if (!strcmp(o, "--log")) a->log = v;
  else if (!strcmp(o, "--thermo-every"))
    *rc = parse_int_min(o, v, 1, &a->thermo_every);
  else if (!strcmp(o, "--checkpoint")) a->checkpoint = v;
  else if (!strcmp(o, "--checkpoint-every"))
    *rc = parse_int_min(o, v, 1, &a->checkpoint_every), a->set_checkpoint_every = 1;
  else if (!strcmp(o, "-o") || !strcmp(o, "--output")) a->output = v;
  else if (!strcmp(o, "--learn")) a->learn = v;
  else if (!strcmp(o, "--learn-dir")) a->learn_dir = v;
  else if (!strcmp(o, "--retrain-every")) *rc = parse_int_min(o, v, 1, &a->retrain_every);
  else if (!strcmp(o, "--retrain-lag")) *rc = parse_long(o, v, 0, &a->retrain_lag);
  else if (!strcmp(o, "--label-delay")) {
    if (cli_parse_double(CMD, o, v, &a->label_delay_s) || a->label_delay_s < 0)
      *rc = cli_usage(CMD, "--label-delay must be a number of seconds >= 0");
  } else if (!strcmp(o, "--no-screen")) a->no_screen = 1;
  else if (!strcmp(o, "--resume")) a->resume = 1;
  else if (!strcmp(o, "--json")) a->json = 1;
  else a->quiet = 1; /* -q, --quiet */
  return 1;
}

/* NPH: no thermostat, Andersen's piston (iso unless z was asked for). */
static int resolve_nph(md_args *a) {
  nacre_md_options *p = &a->opt;
  if (a->have_stress)
    return cli_usage(CMD, "nph takes a hydrostatic --pressure, not --stress");
  p->thermostat = NACRE_MD_THERMOSTAT_NONE;
  if (!a->have_barostat || p->barostat == NACRE_MD_CRESCALE_ISO)
    p->barostat = NACRE_MD_PISTON_ISO;
  else if (p->barostat == NACRE_MD_CRESCALE_ANISO || !p->barostat)
    return cli_usage(CMD, "nph takes --barostat iso or z");
  return 0;
}

/* The ensemble decides the thermostat and barostat left unset. */
static int resolve_ensemble(md_args *a) {
  nacre_md_options *p = &a->opt;
  const char *e = a->ensemble ? a->ensemble : "nve";
  int nve = !strcmp(e, "nve"), nvt = !strcmp(e, "nvt"), npt = !strcmp(e, "npt");
  int nph = !strcmp(e, "nph");
  if (!nve && !nvt && !npt && !nph)
    return cli_usage(CMD, "--ensemble expects nve, nvt, npt or nph, got '%s'", e);
  if ((nve || nph) && a->have_thermostat && p->thermostat)
    return cli_usage(CMD, "--thermostat makes no sense with --ensemble %s", e);
  if (nph) return resolve_nph(a);
  if (!npt && (a->have_pressure || a->have_stress ||
               (a->have_barostat && p->barostat)))
    return cli_usage(CMD, "--pressure, --stress and --barostat need --ensemble "
                          "npt or nph");
  if (npt && p->barostat == NACRE_MD_PISTON_ISO)
    return cli_usage(CMD, "--barostat piston-iso is the piston of --ensemble nph; npt "
                          "takes iso, aniso or z");
  if (npt && p->barostat == NACRE_MD_PISTON_Z && a->have_stress)
    return cli_usage(CMD, "--barostat z takes a hydrostatic --pressure, not --stress");
  if (a->have_pressure && a->have_stress)
    return cli_usage(CMD, "give either --pressure or --stress, not both");
  if (!nve && !a->have_thermostat) p->thermostat = NACRE_MD_BUSSI;
  if (npt && !p->thermostat)
    return cli_usage(CMD, "npt needs a thermostat (bussi, langevin or "
                          "nose-hoover)");
  if (npt && !a->have_barostat)
    p->barostat = a->have_stress ? NACRE_MD_CRESCALE_ANISO : NACRE_MD_CRESCALE_ISO;
  if (npt && !p->barostat)
    return cli_usage(CMD, "npt needs a barostat (iso or aniso)");
  return 0;
}

static int check_args(md_args *a) {
  if (!a->structure) return cli_usage(CMD, "no STRUCTURE given");
  if (a->learn && (a->potential || a->checkpoint || a->resume || a->trajectory || a->log ||
                   a->output || a->time_limit_s > 0 || a->checkpoint_interval_s > 0 ||
                   a->every != 100 || a->thermo_every != 10))
    return cli_usage(CMD, "--learn trains its own committee, writes into --learn-dir and "
                          "resumes from it by itself: no --potential, --checkpoint, --resume, "
                          "--checkpoint-interval, --time-limit, --trajectory, --every, --log, "
                          "--thermo-every or -o with it");
  if (!a->learn && (a->learn_dir || a->retrain_every || a->no_screen || a->label_delay_s > 0 ||
                    a->retrain_lag))
    return cli_usage(CMD, "--learn-dir, --retrain-every, --retrain-lag, --no-screen and "
                          "--label-delay "
                          "go with --learn");
  if (!a->potential && !a->learn) return cli_usage(CMD, "--potential is required");
  if (!(a->opt.timestep_fs > 0.0))
    return cli_usage(CMD, "--timestep must be positive (got %g fs)",
                     a->opt.timestep_fs);
  if (!(a->opt.temperature_k >= 0.0))
    return cli_usage(CMD, "--temperature must be >= 0 K (got %g K)",
                     a->opt.temperature_k);
  if (!(a->opt.thermostat_tau_fs > 0.0) || !(a->opt.barostat_tau_fs > 0.0) ||
      !(a->opt.compressibility_per_gpa > 0.0))
    return cli_usage(CMD, "--tau-t, --tau-p and --compressibility must be "
                          "positive");
  if (a->resume && !a->checkpoint)
    return cli_usage(CMD, "--resume needs --checkpoint FILE");
  if (a->time_limit_s > 0.0 && !a->checkpoint)
    return cli_usage(CMD, "--time-limit needs --checkpoint FILE");
  return resolve_ensemble(a);
}

static int parse_args(int argc, char **argv, md_args *a) {
  memset(a, 0, sizeof *a);
  nacre_md_options_init(&a->opt);
  a->steps = 1000;
  a->every = 100;
  a->thermo_every = 10;
  a->checkpoint_every = 1000;
  a->jobs = 1;
  int rc = 0;
  for (int k = 1; k < argc && !rc; k++) {
    const char *o = argv[k], *v = k + 1 < argc ? argv[k + 1] : NULL;
    if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
      help();
      return -1;
    }
    if (parse_ensemble_option(a, o, v, &k, &rc) ||
        parse_run_option(a, o, v, &k, &rc))
      continue;
    if (o[0] == '-' && o[1])
      rc = cli_usage(CMD, "unknown option '%s'", o);
    else if (!a->structure)
      a->structure = o;
    else
      rc = cli_usage(CMD, "more than one structure given ('%s', '%s')",
                     a->structure, o);
  }
  return rc ? rc : check_args(a);
}

/* ---------------------------------------------------------------- */
/* The run and its callbacks                                          */
/* ---------------------------------------------------------------- */

typedef struct md_session {
  md_args *a;
  FILE *traj, *log;
  int committee, tty;
  char potential[512];
  double t0, last_progress, last_checkpoint;
  long step0, checkpoint_step;
  int time_limited;
  nacre_error err;   /* a failed write */
  int failed;
} md_session;

static void progress(md_session *ss, const nacre_md_thermo *th, int last) {
  if (ss->a->quiet || ss->a->json) return;
  double t = nacre_now_s();
  if (!last && t - ss->last_progress < (ss->tty ? 0.2 : 10.0)) return;
  ss->last_progress = t;
  long done = th->step - ss->step0;
  double rate = t > ss->t0 ? done / (t - ss->t0) : 0.0;
  double eta = rate > 0 ? (ss->a->steps - th->step) / rate : 0.0;
  fprintf(stderr,
          "%sstep %ld/%ld  T %.1f K  P %.3f GPa  E_pot %.6f eV  %.1f steps/s  "
          "ETA %.0f s%s",
          ss->tty ? "\r" : "", th->step, ss->a->steps, th->temperature_k,
          th->pressure_gpa, th->potential_energy_ev, rate, eta,
          ss->tty ? (last ? "\n" : "   ") : "\n");
  fflush(stderr);
}

static int on_thermo(void *user, const nacre_md *md, const nacre_md_thermo *th) {
  md_session *ss = user;
  md_args *a = ss->a;
  if (ss->log && th->step % a->thermo_every == 0)
    md_log_row(ss->log, th, ss->committee);
  if (ss->traj && th->step % a->every == 0 &&
      md_write_frame(ss->traj, md, th, 0, &ss->err)) {
    nacre_error_prefix(&ss->err, "writing %s: ", a->trajectory);
    ss->failed = 1;
    return 1;
  }
  progress(ss, th, 0);
  return 0;
}

static long file_bytes(FILE *f, const char *name, md_session *ss) {
  if (!f) return 0;
  if (fflush(f) || fsync(fileno(f))) {
    nacre_error_set(&ss->err, NACRE_ERR_IO, "writing %s: %s", name,
                    strerror(errno));
    ss->failed = 1;
    return -1;
  }
  return ftell(f);
}

static int write_checkpoint(md_session *ss, const nacre_md *md) {
  md_args *a = ss->a;
  long tb = file_bytes(ss->traj, a->trajectory, ss);
  long lb = file_bytes(ss->log, a->log, ss);
  if (tb < 0 || lb < 0) return -1;
  if (md_checkpoint_write(a->checkpoint, md, ss->potential, tb, lb, &ss->err)) {
    ss->failed = 1;
    return -1;
  }
  ss->last_checkpoint = nacre_now_s();
  ss->checkpoint_step = nacre_md_step(md);
  return 0;
}

/* At every --checkpoint-every steps: a checkpoint when --checkpoint-interval
 * has passed (or at each call without one, or when the time limit is
 * reached, which then stops the run). */
static int on_checkpoint(void *user, const nacre_md *md) {
  md_session *ss = user;
  md_args *a = ss->a;
  if (!a->checkpoint) return 0;
  double t = nacre_now_s();
  int limit = a->time_limit_s > 0.0 && t - ss->t0 >= a->time_limit_s;
  if (!limit && a->checkpoint_interval_s > 0.0 &&
      t - ss->last_checkpoint < a->checkpoint_interval_s)
    return 0;
  if (write_checkpoint(ss, md)) return 1;
  if (limit) ss->time_limited = 1;
  return limit;
}

/* Opens an output for a fresh run (truncated) or a resumed one (cut back to
 * the checkpoint's length, then appended). */
static FILE *open_output(const char *path, int resume, long bytes,
                         nacre_error *err) {
  if (!path) return NULL;
  if (resume) {
    struct stat st;
    if (stat(path, &st) || st.st_size < bytes) {
      nacre_error_set(err, NACRE_ERR_IO,
                      "%s is shorter than the checkpoint says (%ld bytes): "
                      "it cannot be continued",
                      path, bytes);
      return NULL;
    }
    if (truncate(path, bytes)) {
      nacre_error_set(err, NACRE_ERR_IO, "cannot cut %s back: %s", path,
                      strerror(errno));
      return NULL;
    }
  }
  FILE *f = fopen(path, resume ? "a" : "w");
  if (!f)
    nacre_error_set(err, NACRE_ERR_IO, "cannot open %s for writing: %s", path,
                    strerror(errno));
  return f;
}

/* ---------------------------------------------------------------- */
/* Summary                                                            */
/* ---------------------------------------------------------------- */

typedef struct md_report {
  nacre_md_outcome outcome;
  int time_limited;  /* stopped at --time-limit: outcome "time-limit" */
  const char *message;
  double wall_s;
  long steps_run;
} md_report;

static void add_estimate(cJSON *o, const char *key, const char *se_key,
                         const nacre_md_estimate *e) {
  cJSON_AddNumberToObject(o, key, e->mean);
  cJSON_AddNumberToObject(o, se_key, e->stderr_mean);
}

static void print_json(const md_args *a, const nacre_md *md,
                       const md_report *rep) {
  const nacre_structure *s = nacre_md_structure(md);
  nacre_md_summary sum;
  nacre_md_get_summary(md, &sum);
  char formula[256];
  nacre_structure_formula(s, formula, sizeof formula);
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "structure", a->structure);
  cJSON_AddStringToObject(o, "formula", formula);
  cJSON_AddNumberToObject(o, "natoms", s->natoms);
  cJSON_AddStringToObject(o, "ensemble", a->ensemble ? a->ensemble : "nve");
  cJSON_AddStringToObject(o, "thermostat", nacre_md_thermostat_name(a->opt.thermostat));
  cJSON_AddStringToObject(o, "barostat", nacre_md_barostat_name(a->opt.barostat));
  cJSON_AddStringToObject(o, "outcome", rep->time_limited
                                             ? "time-limit"
                                             : nacre_md_outcome_name(rep->outcome));
  if (rep->message && *rep->message) cJSON_AddStringToObject(o, "message", rep->message);
  cJSON_AddNumberToObject(o, "steps", (double)sum.steps);
  cJSON_AddNumberToObject(o, "timestep_fs", a->opt.timestep_fs);
  cJSON_AddNumberToObject(o, "time_fs", sum.steps * a->opt.timestep_fs);
  cJSON_AddNumberToObject(o, "degrees_of_freedom", nacre_md_degrees_of_freedom(md));
  cJSON_AddNumberToObject(o, "samples", (double)sum.temperature_k.samples);
  add_estimate(o, "temperature_k", "temperature_stderr_k", &sum.temperature_k);
  add_estimate(o, "pressure_gpa", "pressure_stderr_gpa", &sum.pressure_gpa);
  add_estimate(o, "volume_per_atom_a3", "volume_per_atom_stderr_a3",
               &sum.volume_per_atom_a3);
  add_estimate(o, "energy_per_atom_ev", "energy_per_atom_stderr_ev",
               &sum.energy_per_atom_ev);
  add_estimate(o, "total_energy_per_atom_ev", "total_energy_per_atom_stderr_ev",
               &sum.total_energy_per_atom_ev);
  add_estimate(o, "enthalpy_per_atom_ev", "enthalpy_per_atom_stderr_ev",
               &sum.enthalpy_per_atom_ev);
  cJSON_AddNumberToObject(o, "drift_ev_atom_ps", sum.drift_ev_atom_ps);
  cJSON_AddBoolToObject(o, "outside_training_domain", sum.outside_domain_samples > 0);
  double sps = rep->wall_s > 0 ? rep->steps_run / rep->wall_s : 0.0;
  cJSON_AddNumberToObject(o, "steps_per_s", sps);
  cJSON_AddNumberToObject(o, "us_per_atom_step",
                          rep->steps_run > 0 ? 1e6 * rep->wall_s /
                                                   ((double)rep->steps_run * s->natoms)
                                             : 0.0);
  cJSON_AddNumberToObject(o, "wall_s", rep->wall_s);
  char *text = cJSON_Print(o);
  if (text) puts(text);
  free(text);
  cJSON_Delete(o);
}

static void print_row(const char *name, const nacre_md_estimate *e,
                      const char *fmt) {
  if (!e->samples) return;
  printf("  %-22s ", name);
  printf(fmt, e->mean);
  printf("  ± ");
  printf(fmt, e->stderr_mean);
  printf("\n");
}

static void print_human(const md_args *a, const nacre_md *md,
                        const md_report *rep) {
  const nacre_structure *s = nacre_md_structure(md);
  nacre_md_summary sum;
  nacre_md_get_summary(md, &sum);
  char formula[256];
  nacre_structure_formula(s, formula, sizeof formula);
  printf("%s (%s, %d atom%s): %s %s", a->structure, formula, s->natoms,
         s->natoms == 1 ? "" : "s", a->ensemble ? a->ensemble : "nve",
         rep->time_limited ? "time-limit" : nacre_md_outcome_name(rep->outcome));
  if (rep->message && *rep->message) printf(" (%s)", rep->message);
  printf("\n  %ld steps of %g fs = %.4g ps; averages over %ld samples after "
         "step %ld (mean ± standard error)\n",
         sum.steps, a->opt.timestep_fs, sum.steps * a->opt.timestep_fs * 1e-3,
         sum.temperature_k.samples, a->opt.equilibration_steps);
  print_row("temperature (K)", &sum.temperature_k, "%12.3f");
  print_row("pressure (GPa)", &sum.pressure_gpa, "%12.5f");
  print_row("volume/atom (Å^3)", &sum.volume_per_atom_a3, "%12.5f");
  print_row("E_pot/atom (eV)", &sum.energy_per_atom_ev, "%12.7f");
  print_row("E_total/atom (eV)", &sum.total_energy_per_atom_ev, "%12.7f");
  print_row("enthalpy/atom (eV)", &sum.enthalpy_per_atom_ev, "%12.7f");
  printf("  drift of the conserved quantity %.3g eV/atom/ps\n",
         sum.drift_ev_atom_ps);
  if (sum.outside_domain_samples > 0)
    printf("  outside the potential's training data at %ld of %ld samples\n",
           sum.outside_domain_samples, sum.temperature_k.samples);
  if (rep->steps_run > 0 && rep->wall_s > 0)
    printf("  %.1f steps/s, %.3g µs/atom-step, %.1f s\n",
           rep->steps_run / rep->wall_s,
           1e6 * rep->wall_s / ((double)rep->steps_run * s->natoms), rep->wall_s);
}

/* ---------------------------------------------------------------- */

typedef struct md_resources {
  md_input in;
  nacre_potential *pot;
  nacre_calc *calc;
  nacre_md *md;
} md_resources;

static void release(md_resources *r, md_session *ss) {
  if (ss->traj) fclose(ss->traj);
  if (ss->log) fclose(ss->log);
  nacre_md_free(r->md);
  nacre_calc_free(r->calc);
  nacre_potential_free(r->pot);
  md_input_free(&r->in);
}

/* Loads everything and positions the run at step 0 or at the checkpoint. */
static nacre_status start(md_args *a, md_resources *r, md_session *ss,
                          const nacre_ctx *ctx, nacre_error *err) {
  nacre_status st = md_input_read(a->structure, &r->in, err);
  if (!st) st = nacre_potential_load(a->potential, &r->pot, err);
  if (st) return st;
  if ((st = nacre_potential_supports(r->pot, r->in.s, err))) return st;
  nacre_potential_describe(r->pot, ss->potential, sizeof ss->potential);
  ss->committee = nacre_committee_size(r->pot) > 0;
  if (!(r->calc = nacre_calc_new(r->pot, -1.0, err))) return err->status;
  a->opt.thermo_every = a->thermo_every;
  for (int g = a->every; g; ) { /* observer steps: gcd of the intervals */
    int t = a->opt.thermo_every % g;
    a->opt.thermo_every = g;
    g = t;
  }
  if (!a->trajectory) a->opt.thermo_every = a->thermo_every;
  a->opt.checkpoint_every = a->checkpoint ? a->checkpoint_every : 0;
  a->opt.observer = on_thermo;
  a->opt.observer_user = ss;
  a->opt.checkpoint = on_checkpoint;
  a->opt.checkpoint_user = ss;
  if (!a->quiet && !a->json && r->in.velocity_source)
    fprintf(stderr, "nacre md: starting velocities from the %s of %s\n",
            r->in.velocity_source, a->structure);
  st = nacre_md_new(r->calc, r->in.s, r->in.velocities, r->in.masses, &a->opt,
                    &r->md, err);
  if (st) return st;
  long tb = 0, lb = 0;
  if (a->resume) {
    if ((st = md_checkpoint_read(a->checkpoint, r->md, ss->potential, &tb, &lb,
                                 err)))
      return st;
    if (!a->quiet && !a->json)
      fprintf(stderr, "nacre md: resuming at step %ld from %s\n",
              nacre_md_step(r->md), a->checkpoint);
  }
  ss->traj = open_output(a->trajectory, a->resume, tb, err);
  if (a->trajectory && !ss->traj) return err->status;
  ss->log = open_output(a->log, a->resume, lb, err);
  if (a->log && !ss->log) return err->status;
  if (ss->log && !a->resume) md_log_header(ss->log, ss->committee);
  (void)ctx;
  return NACRE_OK;
}

static int finish(md_args *a, md_resources *r, md_session *ss,
                  md_report *rep) {
  int rc = rep->outcome == NACRE_MD_COMPLETED ? CLI_OK : CLI_FAILED;
  if (ss->time_limited) rc = CLI_OK;
  nacre_error err;
  if (ss->failed) rc = cli_fail(CMD, &ss->err);
  if (ss->traj && fflush(ss->traj)) rc = cli_usage(CMD, "writing %s failed", a->trajectory);
  if (ss->log && fflush(ss->log)) rc = cli_usage(CMD, "writing %s failed", a->log);
  if (a->output) {
    nacre_md_thermo th;
    nacre_md_get_thermo(r->md, &th);
    nacre_format fmt = nacre_format_guess(a->output);
    nacre_status st;
    if (fmt == NACRE_FORMAT_EXTXYZ) {
      nacre_atomic_file af;
      st = nacre_atomic_open(&af, a->output, &err);
      if (!st && (st = md_write_frame(af.fp, r->md, &th, 0, &err)))
        nacre_atomic_abort(&af);
      else if (!st)
        st = nacre_atomic_commit(&af, &err);
    } else {
      st = nacre_write_structure(a->output, nacre_md_structure(r->md), fmt, &err);
    }
    if (st) {
      nacre_error_prefix(&err, "writing %s: ", a->output);
      rc = cli_fail(CMD, &err);
    }
  }
  if (a->json)
    print_json(a, r->md, rep);
  else
    print_human(a, r->md, rep);
  return rc;
}

static int run(int argc, char **argv) {
  md_args a;
  int rc = parse_args(argc, argv, &a);
  if (rc) return rc < 0 ? CLI_OK : rc;
  if (a.learn) {
    md_learn_args la = {.structure = a.structure,
                        .config = a.learn,
                        .dir = a.learn_dir ? a.learn_dir : "md-learn",
                        .opt = a.opt,
                        .steps = a.steps,
                        .retrain_every = a.retrain_every ? a.retrain_every : 5,
                        .retrain_lag = a.retrain_lag,
                        .screen = !a.no_screen,
                        .json = a.json,
                        .quiet = a.quiet,
                        .jobs = a.jobs,
                        .checkpoint_every = a.set_checkpoint_every ? a.checkpoint_every : 0,
                        .label_delay_s = a.label_delay_s};
    return md_learn_run(&la);
  }
  omp_set_num_threads(a.jobs);
  nacre_error err;
  nacre_error_clear(&err);
  nacre_ctx ctx;
  cli_ctx_init(&ctx, 0);
  md_resources r;
  memset(&r, 0, sizeof r);
  md_session ss;
  memset(&ss, 0, sizeof ss);
  ss.a = &a;
  ss.tty = isatty(STDERR_FILENO);
  if (start(&a, &r, &ss, &ctx, &err)) {
    rc = cli_fail(CMD, &err);
    release(&r, &ss);
    return rc;
  }
  ss.step0 = ss.checkpoint_step = nacre_md_step(r.md);
  ss.t0 = ss.last_progress = ss.last_checkpoint = nacre_now_s();
  long todo = a.steps - ss.step0;
  md_report rep = {NACRE_MD_COMPLETED, 0, "", 0.0, 0};
  cli_catch_interrupts(&ctx, 1);
  nacre_status st = todo > 0 ? nacre_md_run(r.md, todo, &ctx, &rep.outcome, &err)
                             : NACRE_OK;
  cli_catch_interrupts(&ctx, 0);
  rep.wall_s = nacre_now_s() - ss.t0;
  rep.steps_run = nacre_md_step(r.md) - ss.step0;
  rep.message = nacre_md_message(r.md);
  rep.time_limited = ss.time_limited;
  if (ss.time_limited) rep.message = "stopped at the time limit (resume with --resume)";
  nacre_md_thermo th;
  nacre_md_get_thermo(r.md, &th);
  progress(&ss, &th, 1);
  if (st && st != NACRE_ERR_INTERRUPTED) {
    rc = cli_fail(CMD, &err);
    release(&r, &ss);
    return rc;
  }
  /* a completed run leaves a checkpoint of its end, to be extended */
  if (!st && a.checkpoint && !ss.failed && rep.outcome == NACRE_MD_COMPLETED &&
      ss.checkpoint_step != nacre_md_step(r.md))
    write_checkpoint(&ss, r.md);
  if (st == NACRE_ERR_INTERRUPTED && a.checkpoint)
    fprintf(stderr, "nacre md: interrupted; --resume continues from the last "
                    "checkpoint in %s\n",
            a.checkpoint);
  rc = finish(&a, &r, &ss, &rep);
  release(&r, &ss);
  return rc;
}

const nacre_command nacre_cmd_md = {
    "md", "molecular dynamics: NVE, NVT (Bussi, Langevin, Nosé-Hoover), NPT", run};
