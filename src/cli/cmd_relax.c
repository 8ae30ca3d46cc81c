/* cmd_relax.c — `nacre relax`: relax a structure's atoms and/or cell with a
 * potential under a pressure or target stress; prints each step and a
 * summary, writes the final structure and optionally a trajectory. */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "nacre/io.h"
#include "nacre/opt.h"
#include "nacre/pot.h"
#include "nacre/sym.h"

static const char *const CMD = "relax";

static void help(void) {
  printf(
      "Usage: nacre relax STRUCTURE -p SPEC [options]\n"
      "\n"
      "Relaxes the atoms and/or the cell of STRUCTURE (POSCAR, extxyz, CIF, ...;\n"
      "path@N picks frame N) by minimising the enthalpy H = E + PV, and prints\n"
      "each step (step, H/atom, max force, max residual stress, volume/atom).\n"
      "\n"
      "Options:\n"
      "  -p, --potential SPEC potential file or inline spec (required), e.g.\n"
      "                       lj:epsilon=0.0104,sigma=3.4,cutoff=8.5,shift=1;\n"
      "                       it must know every element of STRUCTURE\n"
      "  --pressure GPA       hydrostatic pressure in GPa (default 0)\n"
      "  --stress XX,YY,ZZ,YZ,XZ,XY\n"
      "                       target stress tensor in GPa, ASE sign (positive =\n"
      "                       tensile): the stress the relaxed cell should show.\n"
      "                       A pressure P is the stress -P,-P,-P,0,0,0. Not with\n"
      "                       --pressure. With --keep-symmetry the target is\n"
      "                       averaged over the space group (a warning says by\n"
      "                       how much) and the stress targeted is reported.\n"
      "  --fmax F             converged when every atomic force <= F eV/Å\n"
      "                       (default 0.01)\n"
      "  --smax S             ... and every residual stress component <= S GPa\n"
      "                       (default 0.01)\n"
      "  --max-steps N        at most N optimiser steps (force evaluations;\n"
      "                       default 1000)\n"
      "  --mode MODE          full (atoms and cell, default), atoms (cell fixed),\n"
      "                       cell (fractional coordinates fixed), fixed-volume,\n"
      "                       fixed-shape (isotropic scaling of the cell)\n"
      "  --method M           lbfgs (default) or fire\n"
      "  --max-step A         largest move of an atom per step in Å (default 0.2)\n"
      "  --keep-symmetry      symmetrise forces and stress with the space group\n"
      "                       found at the start, so the group never drops\n"
      "  --symprec A          symmetry tolerance in Å for --keep-symmetry and the\n"
      "                       summary (default %g)\n"
      "  -o, --output OUT     write the final structure; the format follows the\n"
      "                       name (POSCAR/CONTCAR, *.vasp, *.xyz/*.extxyz, *.cif)\n"
      "  --trajectory FILE    append every accepted step to FILE as extended XYZ\n"
      "                       (energy, forces, stress, enthalpy)\n"
      "  --json               print the steps and the summary as one JSON object;\n"
      "                       for a committee potential it holds the final\n"
      "                       structure's committee_force_deviation_max_ev_a and\n"
      "                       committee_energy_deviation_per_atom_ev, and for a\n"
      "                       model that records its training data\n"
      "                       outside_training_domain (evaluations outside it\n"
      "                       are counted in one warning on standard error)\n"
      "  -q, --quiet          print only the summary\n"
      "  -h, --help           this help\n"
      "\n"
      "The relaxation stops early, with a named outcome, on overlapping atoms\n"
      "(overlap, bad-start), a cell that explodes (exploded) or collapses beyond\n"
      "any physical state (collapsed: two atoms closer than 0.3 of their\n"
      "covalent radii, or a volume per atom below 0.03 of the covalent spheres'\n"
      "or 0.1 Å^3), or a non-finite energy (numeric). --json keys:\n"
      "doc/relax-json.md.\n"
      "\n"
      "Exit status: 0 converged, 1 not converged or failed (the last structure is\n"
      "still written), 2 usage error.\n",
      NACRE_SYMPREC_DEFAULT);
}

typedef struct progress_state {
  int quiet, json;
  FILE *traj;
  cJSON *steps;
  nacre_error err;
  int traj_failed;
} progress_state;

static void write_traj(progress_state *ps, const nacre_relax_step *st,
                       const nacre_structure *s) {
  nacre_frame f;
  nacre_frame_init(&f);
  f.s = (nacre_structure *)s;
  f.has = NACRE_FRAME_ENERGY | NACRE_FRAME_FORCES | NACRE_FRAME_STRESS;
  f.energy = st->energy;
  f.forces = (double *)st->forces;
  memcpy(f.stress, st->stress, sizeof f.stress);
  char buf[64];
  snprintf(buf, sizeof buf, "%.10f", st->enthalpy);
  nacre_status rc = nacre_frame_set_info(&f, "enthalpy", buf, &ps->err);
  snprintf(buf, sizeof buf, "%d", st->step);
  if (!rc) rc = nacre_frame_set_info(&f, "step", buf, &ps->err);
  if (!rc) rc = nacre_xyz_write(ps->traj, &f, &ps->err);
  if (rc) ps->traj_failed = 1;
  f.s = NULL; /* borrowed, not ours to free */
  f.forces = NULL;
  nacre_frame_clear(&f);
}

static int on_step(void *user, const nacre_relax_step *st,
                   const nacre_structure *s) {
  progress_state *ps = user;
  double n = s->natoms > 0 ? s->natoms : 1;
  if (ps->json) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "step", st->step);
    cJSON_AddNumberToObject(o, "enthalpy_per_atom_ev", st->enthalpy / n);
    cJSON_AddNumberToObject(o, "fmax_ev_a", st->fmax);
    cJSON_AddNumberToObject(o, "smax_gpa", st->smax_gpa);
    cJSON_AddNumberToObject(o, "volume_per_atom_a3", st->volume / n);
    cJSON_AddItemToArray(ps->steps, o);
  } else if (!ps->quiet) {
    if (st->step == 0)
      printf("%5s %16s %11s %11s %12s\n", "step", "H/atom (eV)",
             "fmax (eV/Å)", "smax (GPa)", "V/atom (Å^3)");
    printf("%5d %16.8f %11.3e %11.3e %12.5f\n", st->step, st->enthalpy / n,
           st->fmax, st->smax_gpa, st->volume / n);
    fflush(stdout);
  }
  if (ps->traj && !ps->traj_failed) write_traj(ps, st, s);
  return 0;
}

typedef struct args {
  const char *structure, *potential, *output, *trajectory;
  int json, quiet, have_pressure, have_stress;
  double symprec;
  nacre_relax_options opt;
} args;

static int parse_args(int argc, char **argv, args *a) {
  memset(a, 0, sizeof *a);
  nacre_relax_options_init(&a->opt);
  a->symprec = NACRE_SYMPREC_DEFAULT;
  for (int i = 1; i < argc; i++) {
    const char *o = argv[i];
    int more = i + 1 < argc;
#define NEED_VALUE()                                                           \
  do {                                                                         \
    if (!more) return cli_usage(CMD, "%s needs a value", o);                   \
  } while (0)
    if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
      help();
      return -1;
    } else if (!strcmp(o, "-p") || !strcmp(o, "--potential")) {
      NEED_VALUE();
      a->potential = argv[++i];
    } else if (!strcmp(o, "--pressure")) {
      NEED_VALUE();
      if (cli_parse_double(CMD, o, argv[++i], &a->opt.pressure_gpa)) return CLI_USAGE;
      a->have_pressure = 1;
    } else if (!strcmp(o, "--stress")) {
      NEED_VALUE();
      if (cli_parse_list(CMD, o, argv[++i], 6, a->opt.target_stress_gpa)) return CLI_USAGE;
      a->opt.use_target_stress = a->have_stress = 1;
    } else if (!strcmp(o, "--fmax")) {
      NEED_VALUE();
      if (cli_parse_double(CMD, o, argv[++i], &a->opt.fmax)) return CLI_USAGE;
    } else if (!strcmp(o, "--smax")) {
      NEED_VALUE();
      if (cli_parse_double(CMD, o, argv[++i], &a->opt.smax_gpa)) return CLI_USAGE;
    } else if (!strcmp(o, "--max-steps") || !strcmp(o, "--steps")) {
      NEED_VALUE();
      if (cli_parse_int(CMD, o, argv[++i], &a->opt.max_steps)) return CLI_USAGE;
    } else if (!strcmp(o, "--max-step")) {
      NEED_VALUE();
      if (cli_parse_double(CMD, o, argv[++i], &a->opt.max_step)) return CLI_USAGE;
    } else if (!strcmp(o, "--symprec")) {
      NEED_VALUE();
      if (cli_parse_double(CMD, o, argv[++i], &a->symprec)) return CLI_USAGE;
    } else if (!strcmp(o, "--mode")) {
      NEED_VALUE();
      nacre_error err;
      if (nacre_relax_mode_parse(argv[++i], &a->opt.mode, &err))
        return cli_usage(CMD, "%s", err.message);
    } else if (!strcmp(o, "--method")) {
      NEED_VALUE();
      const char *m = argv[++i];
      if (!strcmp(m, "lbfgs"))
        a->opt.method = NACRE_RELAX_LBFGS;
      else if (!strcmp(m, "fire"))
        a->opt.method = NACRE_RELAX_FIRE;
      else
        return cli_usage(CMD, "--method expects lbfgs or fire, got '%s'", m);
    } else if (!strcmp(o, "--keep-symmetry")) {
      a->opt.keep_symmetry = 1;
    } else if (!strcmp(o, "-o") || !strcmp(o, "--output")) {
      NEED_VALUE();
      a->output = argv[++i];
    } else if (!strcmp(o, "--trajectory")) {
      NEED_VALUE();
      a->trajectory = argv[++i];
    } else if (!strcmp(o, "--json")) {
      a->json = 1;
    } else if (!strcmp(o, "-q") || !strcmp(o, "--quiet")) {
      a->quiet = 1;
    } else if (o[0] == '-' && o[1]) {
      return cli_usage(CMD, "unknown option '%s'", o);
    } else if (!a->structure) {
      a->structure = o;
    } else {
      return cli_usage(CMD, "more than one structure given ('%s', '%s')",
                       a->structure, o);
    }
#undef NEED_VALUE
  }
  if (!a->structure) return cli_usage(CMD, "no STRUCTURE given");
  if (!a->potential) return cli_usage(CMD, "--potential is required");
  if (a->have_pressure && a->have_stress)
    return cli_usage(CMD, "give either --pressure or --stress, not both");
  if (!(a->opt.fmax > 0) || !(a->opt.smax_gpa > 0) || a->opt.max_steps < 0 ||
      !(a->opt.max_step > 0) || !(a->symprec > 0))
    return cli_usage(CMD, "--fmax, --smax, --max-step and --symprec must be "
                          "positive and --max-steps non-negative");
  a->opt.symprec = a->symprec;
  return 0;
}

/* The final structure's committee deviations and training-domain status
 * (JSON keys of doc/vocabulary.md), when the potential reports them. */
static void add_final_checks(cJSON *o, const nacre_result *f) {
  if (!f) return;
  if (f->committee_size) {
    cJSON_AddNumberToObject(o, "committee_size", f->committee_size);
    cJSON_AddNumberToObject(o, "committee_force_deviation_max_ev_a", f->committee_force_dev_max);
    cJSON_AddNumberToObject(o, "committee_energy_deviation_per_atom_ev",
                            f->committee_energy_dev_per_atom);
  }
  if (f->domain.known)
    cJSON_AddBoolToObject(o, "outside_training_domain", nacre_domain_report_outside(&f->domain));
}

/* written: the output file was written (it is named only then). */
static void print_summary(const args *a, const nacre_structure *s,
                          const nacre_relax_result *r,
                          const nacre_symmetry *sym, double wall_s,
                          cJSON *steps, const nacre_result *final,
                          int written) {
  double n = s->natoms > 0 ? s->natoms : 1;
  char formula[256];
  nacre_structure_formula(s, formula, sizeof formula);
  if (a->json) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "file", a->structure);
    cJSON_AddStringToObject(o, "formula", formula);
    cJSON_AddNumberToObject(o, "natoms", s->natoms);
    cJSON_AddStringToObject(o, "outcome", nacre_relax_outcome_name(r->outcome));
    cJSON_AddBoolToObject(o, "converged", r->outcome == NACRE_RELAX_CONVERGED);
    cJSON_AddStringToObject(o, "message", r->message);
    cJSON_AddStringToObject(o, "mode", nacre_relax_mode_name(a->opt.mode));
    cJSON_AddNumberToObject(o, "steps", r->steps);
    cJSON_AddNumberToObject(o, "force_calls", (double)r->force_calls);
    cJSON_AddNumberToObject(o, "energy_calls", (double)r->energy_calls);
    cJSON_AddNumberToObject(o, "enthalpy_per_atom_ev", r->enthalpy / n);
    cJSON_AddNumberToObject(o, "energy_per_atom_ev", r->energy / n);
    cJSON_AddNumberToObject(o, "enthalpy_ev", r->enthalpy);
    cJSON_AddNumberToObject(o, "energy_ev", r->energy);
    cJSON_AddNumberToObject(o, "volume_per_atom_a3", r->volume / n);
    cJSON_AddNumberToObject(o, "pressure_gpa", r->pressure_gpa);
    double sg[6];
    for (int k = 0; k < 6; k++) sg[k] = r->stress[k] * NACRE_EV_A3_TO_GPA;
    cJSON_AddItemToObject(o, "stress_gpa", cJSON_CreateDoubleArray(sg, 6));
    cJSON_AddItemToObject(o, "target_stress_gpa",
                          cJSON_CreateDoubleArray(r->target_stress_gpa, 6));
    cJSON_AddNumberToObject(o, "target_change_gpa", r->target_change_gpa);
    cJSON_AddNumberToObject(o, "fmax_ev_a", r->fmax);
    cJSON_AddNumberToObject(o, "smax_gpa", r->smax_gpa);
    if (sym) {
      cJSON_AddNumberToObject(o, "space_group_number", sym->sg_number);
      cJSON_AddStringToObject(o, "space_group", sym->international);
      cJSON_AddStringToObject(o, "pearson", sym->pearson);
      cJSON_AddNumberToObject(o, "symprec_a", a->symprec);
    }
    add_final_checks(o, final);
    cJSON_AddNumberToObject(o, "wall_s", wall_s);
    if (written) cJSON_AddStringToObject(o, "output", a->output);
    cJSON_AddItemToObject(o, "trajectory_steps", steps);
    char *text = cJSON_Print(o);
    if (text) puts(text);
    free(text);
    cJSON_Delete(o);
    return;
  }
  cJSON_Delete(steps);
  /* a blank line after the step table, none when it was not printed */
  printf("%s%s (%s): %s\n", a->quiet ? "" : "\n", a->structure, formula,
         r->message);
  printf("  enthalpy/atom %.8f eV   energy/atom %.8f eV\n", r->enthalpy / n,
         r->energy / n);
  printf("  volume/atom %.5f Å^3   pressure %.4f GPa\n", r->volume / n,
         r->pressure_gpa);
  if (a->have_stress)
    printf("  target stress %g,%g,%g,%g,%g,%g GPa%s\n", r->target_stress_gpa[0],
           r->target_stress_gpa[1], r->target_stress_gpa[2],
           r->target_stress_gpa[3], r->target_stress_gpa[4],
           r->target_stress_gpa[5],
           r->target_change_gpa > 0 ? " (averaged over the space group)" : "");
  if (sym)
    printf("  space group %s (%d)   Pearson %s   (symprec %g Å)\n",
           sym->international, sym->sg_number, sym->pearson, a->symprec);
  if (final && final->committee_size)
    printf("  committee of %d: largest atomic force deviation %.6f eV/Å, energy "
           "deviation %.6f eV/atom\n",
           final->committee_size, final->committee_force_dev_max,
           final->committee_energy_dev_per_atom);
  char nsteps[64];
  printf("  %s, %ld force calls, %ld energy calls, %.3f s\n",
         cli_count(r->steps, "step", nsteps), r->force_calls, r->energy_calls,
         wall_s);
  if (written) printf("  written to %s\n", a->output);
}

/* The final structure's committee deviations and domain status (into
 * *fin; returns 1 when it holds them), and the warnings of the run: its
 * evaluations outside the potential's training data, a target stress the
 * kept space group forbids. */
static int final_checks(const nacre_potential *pot, nacre_calc *calc,
                        const nacre_structure *s, const nacre_relax_result *r,
                        const nacre_symmetry *sym, nacre_result *fin) {
  nacre_error serr;
  nacre_domain_counts dc;
  nacre_calc_domain_counts(calc, &dc);
  int have_final = !nacre_result_init(fin, s->natoms, &serr);
  if (have_final && nacre_committee_size(pot)) /* the deviations need it */
    have_final = !nacre_calc_compute(calc, s, NACRE_WANT_ALL, fin, &serr);
  else if (have_final) /* the last evaluation: the final structure */
    fin->domain = nacre_calc_last_domain(calc);
  char msg[1024];
  if (nacre_potential_note(pot)) fprintf(stderr, "nacre relax: note: %s\n", nacre_potential_note(pot));
  if (nacre_domain_counts_message(&dc, "evaluations", msg, sizeof msg))
    fprintf(stderr, "nacre relax: warning: %s%s\n", msg,
            have_final && nacre_domain_report_outside(&fin->domain)
                ? "; the final structure is outside too"
                : "");
  if (r->target_change_gpa > 1e-6)
    fprintf(stderr,
            "nacre relax: warning: --keep-symmetry: the target stress was "
            "averaged over the space group %s, which forbids part of it "
            "(components changed by up to %.4g GPa); targeted "
            "%g,%g,%g,%g,%g,%g GPa\n",
            sym ? sym->international : "of the start", r->target_change_gpa,
            r->target_stress_gpa[0], r->target_stress_gpa[1],
            r->target_stress_gpa[2], r->target_stress_gpa[3],
            r->target_stress_gpa[4], r->target_stress_gpa[5]);
  return have_final;
}

static int run(int argc, char **argv) {
  args a;
  int rc = parse_args(argc, argv, &a);
  if (rc) return rc < 0 ? CLI_OK : rc;
  nacre_error err;
  nacre_error_clear(&err);
  nacre_structure *s = NULL;
  nacre_potential *pot = NULL;
  nacre_calc *calc = NULL;
  nacre_symmetry *sym = NULL;
  progress_state ps;
  memset(&ps, 0, sizeof ps);
  ps.quiet = a.quiet;
  ps.json = a.json;
  ps.steps = cJSON_CreateArray();
  nacre_ctx ctx;
  cli_ctx_init(&ctx, 0);
  rc = CLI_FAILED;

  if (nacre_read_structure(a.structure, &s, &err) ||
      nacre_potential_load(a.potential, &pot, &err)) {
    cli_fail(CMD, &err);
    goto done;
  }
  /* every element known before anything is written */
  if (nacre_potential_supports(pot, s, &err) ||
      !(calc = nacre_calc_new(pot, -1.0, &err))) {
    nacre_error_prefix(&err, "%s: ", a.structure);
    cli_fail(CMD, &err);
    goto done;
  }
  if (a.trajectory && !(ps.traj = fopen(a.trajectory, "w"))) {
    fprintf(stderr, "nacre relax: cannot open %s for writing\n", a.trajectory);
    goto done;
  }
  a.opt.progress = on_step;
  a.opt.progress_user = &ps;
  cli_catch_interrupts(&ctx, 1);
  double t0 = nacre_now_s();
  nacre_relax_result r;
  nacre_status st = nacre_relax(calc, s, &a.opt, &ctx, &r, &err);
  double wall = nacre_now_s() - t0;
  cli_catch_interrupts(&ctx, 0);
  if (st && st != NACRE_ERR_INTERRUPTED) {
    cli_fail(CMD, &err);
    goto done;
  }
  if (ps.traj_failed)
    fprintf(stderr, "nacre relax: writing %s: %s\n", a.trajectory, ps.err.message);
  nacre_error serr;
  if (nacre_symmetry_analyze(s, a.symprec, &sym, &serr))
    sym = NULL;
  nacre_result fin;
  int have_final = final_checks(pot, calc, s, &r, sym, &fin);
  rc = r.outcome == NACRE_RELAX_CONVERGED ? CLI_OK : CLI_FAILED;
  if (st == NACRE_ERR_INTERRUPTED) fprintf(stderr, "nacre relax: %s\n", err.message);
  nacre_error werr;
  int written = 0;
  if (a.output) {
    if (nacre_write_structure(a.output, s, NACRE_FORMAT_AUTO, &werr)) {
      nacre_error_prefix(&werr, "writing %s: ", a.output);
      rc = cli_fail(CMD, &werr);
    } else {
      written = 1;
    }
  }
  print_summary(&a, s, &r, sym, wall, ps.steps, have_final ? &fin : NULL,
                written);
  nacre_result_free(&fin);
  ps.steps = NULL;

done:
  if (ps.traj && fclose(ps.traj)) {
    fprintf(stderr, "nacre relax: error closing %s\n", a.trajectory);
    rc = CLI_FAILED;
  }
  cJSON_Delete(ps.steps);
  if (sym) nacre_symmetry_free(sym);
  nacre_calc_free(calc);
  nacre_potential_free(pot);
  nacre_structure_free(s);
  return rc;
}

const nacre_command nacre_cmd_relax = {
    "relax", "relax atoms and cell under pressure or stress (FIRE, L-BFGS)", run};
