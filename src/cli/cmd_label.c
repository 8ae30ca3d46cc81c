/* cmd_label.c — `nacre label STRUCTURES... --code abinit|qe|vasp -o OUT`:
 * labels structures with a DFT code, resumably, and prints a summary. */
#define _POSIX_C_SOURCE 200809L /* setenv */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "nacre/label.h"

static const char *help =
    "Usage: nacre label STRUCTURES... --code abinit|qe|vasp|potential:SPEC\n"
    "                   -o LABELLED.extxyz [options]\n"
    "\n"
    "Runs a DFT single point on every structure (extended XYZ files, all\n"
    "frames, .gz too; POSCAR/CONTCAR and CIF files) and appends energy (eV;\n"
    "with smearing the free energy F = E - TS, of which the forces are the\n"
    "gradient), forces (eV/Å) and stress (eV/Å^3, ASE sign: positive =\n"
    "tensile) to LABELLED.extxyz, one complete frame per write, with info\n"
    "keys label_code, label_version, label_scf_steps, label_wall_s and\n"
    "label_cpu_s (s), label_cell and label_kgrid (see --cell); other info\n"
    "keys of an input frame (kind, config_type, ...) are kept.\n"
    "Placeholders of a template: ABINIT {PP_DIRPATH} {PSEUDOS} {NTYPAT}\n"
    "{ZNUCL} {NATOM} {TYPAT} {RPRIM} {XCART} {NGKPT} {NBAND} {ECUT}\n"
    "{PAWECUTDG} {TSMEAR} {TOLDFE} {NSTEP} {EXTRA} (Ha, Å); QE {PSEUDO_DIR}\n"
    "{TAG} {NATOM} {NTYP} {ECUTWFC} {ECUTRHO} {DEGAUSS} {CONV_THR} {MAXSTEP}\n"
    "{SPECIES} {RPRIM} {SYMBOL_XYZ} {NGKPT} (Ry, Å); VASP INCAR {ENCUT}\n"
    "{SIGMA} {EDIFF} {NELM} (eV).\n"
    "\n"
    "Resumable: structures already in the output (info key label_id =\n"
    "index-hash of the input structure) are skipped, so a killed run loses\n"
    "at most the structures being computed. Failures (SCF not converged, code\n"
    "error, time-out) are never written to the output; they go to\n"
    "LABELLED.extxyz.failed (id, status, reason) and are not retried unless\n"
    "--retry-failed. Set-up errors stop the run and are not recorded: the\n"
    "inputs are written once for each set of elements before any run\n"
    "(template, pseudopotentials), and a command the shell cannot start\n"
    "(status 127 or 126) ends it. Five failed runs in a row (not SCF\n"
    "non-convergence) also stop it; they are recorded, for --retry-failed.\n"
    "\n"
    "Options:\n"
    "  --code NAME        abinit (PAW PBE, PseudoDojo JTH datasets found in\n"
    "                     the pseudo folder), qe (pw.x), vasp, or\n"
    "                     potential:SPEC: any nacre potential (as -p takes it\n"
    "                     in nacre eval) labels in this process, a known\n"
    "                     truth in seconds for testing loops (required)\n"
    "  -o, --output FILE  labelled extended XYZ, appended (required)\n"
    "  --template FILE    input template with {PLACEHOLDERS} (ABINIT input,\n"
    "                     pw.x input or INCAR); default: built-in. An option\n"
    "                     below given explicitly must have its placeholder.\n"
    "  --ecut EV          plane-wave cutoff in eV (default: ABINIT 653.1 =\n"
    "                     24 Ha, QE 1088.5 = 80 Ry, VASP 400)\n"
    "  --dens-factor F    density cutoff (ABINIT pawecutdg, QE ecutrho) as a\n"
    "                     multiple of --ecut (default: ABINIT 2, QE 8)\n"
    "  --kspacing K       k-point spacing in 1/Å including 2π (VASP KSPACING\n"
    "                     convention), Γ-centred grid; default 0.25\n"
    "  --cell MODE        the cell the code is given: auto (default) uses the\n"
    "                     Niggli-reduced cell when its grid at --kspacing has\n"
    "                     fewer k-points than the input cell's (a skewed cell\n"
    "                     can need several times more), input keeps the\n"
    "                     input cell, niggli always reduces. Energy, forces\n"
    "                     and stress are those of the same atoms in the same\n"
    "                     frame; the output keeps the input cell and records\n"
    "                     label_cell (input or niggli) and label_kgrid\n"
    "  --smearing EV      Methfessel-Paxton width in eV (default 0.2721 =\n"
    "                     0.01 Ha)\n"
    "  --scf-tol EV       SCF energy tolerance per cell in eV (default\n"
    "                     2.72e-7 = 1e-8 Ha)\n"
    "  --max-scf N        SCF step limit (default 100)\n"
    "  --command CMD      command prefix, run with /bin/sh in each label's\n"
    "                     directory (default abinit, pw.x, vasp_std; nacre for\n"
    "                     potential:SPEC), e.g.\n"
    "                     'mpirun -np 2 abinit'; nacre appends the input name\n"
    "  --pseudo-dir DIR   pseudopotential folder (ABINIT default\n"
    "                     /usr/share/abinit/psp, QE /usr/share/espresso/pseudo,\n"
    "                     VASP: folder with SYMBOL/POTCAR, required)\n"
    "  --pseudo-files L   per-element files, e.g. 'Na=Na.xml,Li=li.paw' or\n"
    "                     for VASP 'Na=Na_pv'\n"
    "  --workdir DIR      where per-label directories are made (default .)\n"
    "  --prepare DIR      do not run: write DIR/LABEL_ID/ (inputs and an\n"
    "                     executable run.sh) for every structure not yet in\n"
    "                     -o OUTPUT (optional here), and DIR/jobs.txt, for a\n"
    "                     cluster's queue or 'xargs -P'\n"
    "  --collect DIR      do not run: read the outputs left in DIR/LABEL_ID/\n"
    "                     by prepared runs and append the converged ones to\n"
    "                     OUTPUT (SCF failures to OUTPUT.failed); missing or\n"
    "                     incomplete outputs stay pending for a later collect.\n"
    "                     A potential:SPEC job runs 'nacre label' (--command\n"
    "                     names the program, default nacre) on the structure\n"
    "  --fail-fraction F  with potential:SPEC only: this share of the\n"
    "                     structures (chosen by their hash, the same ones\n"
    "                     every time) fails as an SCF that did not converge:\n"
    "                     DFT failures for tests of the loops that label\n"
    "                     (default 0)\n"
    "  --keep             keep every label's directory (failed ones are\n"
    "                     always kept)\n"
    "  --timeout S        wall-clock limit per label in seconds (default: none)\n"
    "  -j, --jobs N       labels run at the same time (default 1)\n"
    "  --retry-failed     label again the structures listed in the .failed file\n"
    "  --json             print the summary as JSON (keys in doc/label.md)\n"
    "  -q, --quiet        no progress lines (default: one per finished label\n"
    "                     on stderr, with labels per hour and time to go)\n"
    "  -v, --verbose      also log the command run for every label\n"
    "  -h, --help         this text\n"
    "\n"
    "Stopping: Ctrl-C or SIGTERM stops the DFT runs and removes their\n"
    "directories; each run is in a process group of its own, stopped with\n"
    "nacre label even when that is killed with SIGKILL (a watchdog process\n"
    "removes its directory then). A full disk stops the run with the\n"
    "system's reason; the output keeps only complete frames.\n"
    "\n"
    "Threads: unless they are set already, OMP_NUM_THREADS and\n"
    "OPENBLAS_NUM_THREADS are set to 1 for the DFT processes. Parallelism\n"
    "comes from --jobs and from an MPI --command; a threaded BLAS in ABINIT\n"
    "keeps a second core busy waiting and gives no speed-up.\n"
    "\n"
    "Exit status: 0 when every structure is labelled (now or before), 1 when\n"
    "some failed or on errors, 2 on usage errors.\n";

/* Option values with a range: the parse error or the range is named. */
static int positive(const char *cmd, const char *a, const char *v,
                    double *out) {
  if (cli_parse_double(cmd, a, v, out)) return CLI_USAGE;
  return *out > 0 ? CLI_OK : cli_usage(cmd, "%s must be > 0, got '%s'", a, v);
}
static int non_negative(const char *cmd, const char *a, const char *v,
                        double *out) {
  if (cli_parse_double(cmd, a, v, out)) return CLI_USAGE;
  return *out >= 0 ? CLI_OK
                   : cli_usage(cmd, "%s must be >= 0, got '%s'", a, v);
}
static int at_least_one(const char *cmd, const char *a, const char *v,
                        double *out) {
  if (cli_parse_double(cmd, a, v, out)) return CLI_USAGE;
  return *out >= 1 ? CLI_OK
                   : cli_usage(cmd, "%s must be >= 1, got '%s'", a, v);
}
static int positive_int(const char *cmd, const char *a, const char *v,
                        int *out) {
  if (cli_parse_int(cmd, a, v, out)) return CLI_USAGE;
  return *out >= 1 ? CLI_OK
                   : cli_usage(cmd, "%s must be >= 1, got '%s'", a, v);
}

static int print_json(const nacre_label_options *opt,
                      const nacre_label_request *req,
                      const nacre_label_summary *sum, nacre_status st) {
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "code", nacre_label_code_name(opt->code));
  if (opt->potential) cJSON_AddStringToObject(o, "potential", opt->potential);
  if (req->output) cJSON_AddStringToObject(o, "output", req->output);
  cJSON_AddNumberToObject(o, "structures", sum->total);
  if (req->mode == NACRE_LABEL_MODE_PREPARE) {
    cJSON_AddStringToObject(o, "dir", req->dir);
    cJSON_AddNumberToObject(o, "prepared", sum->prepared);
    cJSON_AddNumberToObject(o, "skipped", sum->skipped);
  } else {
    cJSON_AddNumberToObject(o, "labelled_now", sum->done);
    cJSON_AddNumberToObject(o, "skipped", sum->skipped);
    cJSON_AddNumberToObject(o, "failed", sum->failed);
    cJSON_AddNumberToObject(o, "failed_not_converged", sum->not_converged);
    cJSON_AddNumberToObject(o, "failed_run", sum->run_failed);
    cJSON_AddNumberToObject(o, "failed_parse", sum->parse_failed);
    if (req->mode == NACRE_LABEL_MODE_COLLECT)
      cJSON_AddNumberToObject(o, "pending", sum->pending);
    cJSON_AddNumberToObject(o, "wall_s", sum->wall_s);
    cJSON_AddNumberToObject(o, "wall_per_atom_s",
                            sum->atoms > 0 ? sum->wall_s / sum->atoms : 0);
  }
  cJSON_AddBoolToObject(o, "complete", st == NACRE_OK && !sum->failed);
  char *text = cJSON_Print(o);
  if (text) puts(text);
  free(text);
  cJSON_Delete(o);
  return text ? CLI_OK : CLI_FAILED;
}

static void print_table(const nacre_label_options *opt,
                        const nacre_label_request *req,
                        const nacre_label_summary *sum) {
  const char *code = nacre_label_code_name(opt->code);
  char n1[64];
  if (req->mode == NACRE_LABEL_MODE_PREPARE) {
    printf("label (%s): %s: %d prepared under %s, %d skipped (done or "
           "failed in %s)\n",
           code, cli_count(sum->total, "structure", n1), sum->prepared,
           req->dir, sum->skipped, req->output ? req->output : "no output given");
    printf("run them, e.g. 'xargs -P 2 -I ID sh %s/ID/run.sh < %s/jobs.txt' "
           "or as an array job,\nthen read them back with the same command "
           "and --collect %s -o OUTPUT\n",
           req->dir, req->dir, req->dir);
    return;
  }
  printf("label (%s): %s: %d labelled now, %d skipped (done or failed "
         "before), %d failed",
         code, cli_count(sum->total, "structure", n1), sum->done, sum->skipped,
         sum->failed);
  if (sum->failed)
    printf(" (%d SCF not converged, %d run errors, %d unreadable outputs; "
           "see %s.failed)",
           sum->not_converged, sum->run_failed, sum->parse_failed, req->output);
  printf("\n");
  if (req->mode == NACRE_LABEL_MODE_COLLECT)
    printf("collect: %d pending (not run yet or still running; collect again "
           "later)\n",
           sum->pending);
  if (sum->done)
    printf("time: %.1f s in all, %.2f s per structure, %.2f s per atom (wall, "
           "summed over labels)\n",
           sum->wall_s, sum->wall_s / sum->done,
           sum->atoms > 0 ? sum->wall_s / sum->atoms : 0);
  if (sum->failed) { /* this run's failures and why */
    char log[4200], **lines = NULL;
    int n = 0;
    snprintf(log, sizeof log, "%s.failed", req->output);
    nacre_error e;
    if (!nacre_label_failures(log, sum->failed, &lines, &n, &e))
      for (int k = 0; k < n; k++) printf("failed: %s\n", lines[k]);
    nacre_label_free_ids(lines, n);
  }
}

/* What the command line asks for; inputs points into argv. */
typedef struct label_args {
  nacre_label_options opt;
  nacre_label_request req;
  int json, verbose, quiet;
  const char *prepare, *collect;
  const char **inputs;
} label_args;

/* CLI_OK, a usage error, or -1 after --help. */
static int parse_args(int argc, char **argv, label_args *la) {
  const char *cmd = "label";
  nacre_label_options *o = &la->opt;
  nacre_label_request *r = &la->req;
  int rc = CLI_OK;
  for (int k = 1; k < argc && rc == CLI_OK; k++) {
    const char *a = argv[k];
    const char *v = k + 1 < argc ? argv[k + 1] : NULL;
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      fputs(help, stdout);
      return -1;
    } else if (!strcmp(a, "--code")) {
      CLI_NEED_VALUE(cmd)
      nacre_error e;
      if (nacre_label_options_set_code(o, v, &e))
        rc = cli_usage(cmd, "--code: %s", e.message);
    } else if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
      CLI_NEED_VALUE(cmd)
      r->output = v;
    } else if (!strcmp(a, "--template")) {
      CLI_NEED_VALUE(cmd)
      o->template_path = v;
    } else if (!strcmp(a, "--ecut")) {
      CLI_NEED_VALUE(cmd)
      rc = positive(cmd, a, v, &o->ecut_ev);
    } else if (!strcmp(a, "--dens-factor")) {
      CLI_NEED_VALUE(cmd)
      rc = at_least_one(cmd, a, v, &o->ecut_dens_factor);
    } else if (!strcmp(a, "--kspacing")) {
      CLI_NEED_VALUE(cmd)
      rc = positive(cmd, a, v, &o->kspacing);
    } else if (!strcmp(a, "--cell")) {
      CLI_NEED_VALUE(cmd)
      int c = nacre_label_cell_from_name(v);
      if (c < 0)
        rc = cli_usage(cmd, "--cell must be auto, input or niggli, not '%s'",
                       v);
      else
        o->cell = (nacre_label_cell)c;
    } else if (!strcmp(a, "--smearing")) {
      CLI_NEED_VALUE(cmd)
      rc = positive(cmd, a, v, &o->smearing_ev);
    } else if (!strcmp(a, "--scf-tol")) {
      CLI_NEED_VALUE(cmd)
      rc = positive(cmd, a, v, &o->scf_tol_ev);
    } else if (!strcmp(a, "--max-scf")) {
      CLI_NEED_VALUE(cmd)
      rc = positive_int(cmd, a, v, &o->max_scf);
    } else if (!strcmp(a, "--command")) {
      CLI_NEED_VALUE(cmd)
      o->command = v;
    } else if (!strcmp(a, "--pseudo-dir")) {
      CLI_NEED_VALUE(cmd)
      o->pseudo_dir = v;
    } else if (!strcmp(a, "--pseudo-files")) {
      CLI_NEED_VALUE(cmd)
      o->pseudo_files = v;
    } else if (!strcmp(a, "--workdir")) {
      CLI_NEED_VALUE(cmd)
      o->workdir = v;
    } else if (!strcmp(a, "--prepare")) {
      CLI_NEED_VALUE(cmd)
      la->prepare = v;
    } else if (!strcmp(a, "--collect")) {
      CLI_NEED_VALUE(cmd)
      la->collect = v;
    } else if (!strcmp(a, "--fail-fraction")) {
      CLI_NEED_VALUE(cmd)
      rc = non_negative(cmd, a, v, &o->fail_fraction);
      if (rc == CLI_OK && o->fail_fraction > 1)
        rc = cli_usage(cmd, "--fail-fraction must be at most 1, got '%s'", v);
    } else if (!strcmp(a, "--keep")) {
      o->keep_files = 1;
    } else if (!strcmp(a, "--timeout")) {
      CLI_NEED_VALUE(cmd)
      rc = non_negative(cmd, a, v, &o->timeout_s);
    } else if (!strcmp(a, "-j") || !strcmp(a, "--jobs") ||
               !strcmp(a, "--threads")) {
      CLI_NEED_VALUE(cmd)
      rc = positive_int(cmd, a, v, &r->jobs);
    } else if (!strcmp(a, "--retry-failed")) {
      r->retry_failed = 1;
    } else if (!strcmp(a, "--json")) {
      la->json = 1;
    } else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
      la->verbose = 1;
    } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
      la->quiet = 1;
    } else if (a[0] == '-' && a[1]) {
      rc = cli_usage(cmd, "unknown option '%s'", a);
    } else {
      la->inputs[r->ninputs++] = a;
    }
  }
  if (rc == CLI_OK && !o->code) rc = cli_usage(cmd, "--code is required");
  if (rc == CLI_OK && o->fail_fraction > 0 && o->code != NACRE_LABEL_POTENTIAL)
    rc = cli_usage(cmd, "--fail-fraction goes with --code potential:SPEC only");
  if (rc == CLI_OK && la->prepare && la->collect)
    rc = cli_usage(cmd, "--prepare and --collect exclude each other");
  if (rc == CLI_OK && !r->output && !la->prepare)
    rc = cli_usage(cmd, "-o OUTPUT is required");
  if (rc == CLI_OK && !r->ninputs)
    rc = cli_usage(cmd, "no structure files given");
  return rc;
}

static int run(int argc, char **argv) {
  const char *cmd = "label";
  label_args la;
  memset(&la, 0, sizeof la);
  nacre_label_options_init(&la.opt, 0);
  la.req.jobs = 1;
  la.inputs = calloc((size_t)argc, sizeof *la.inputs);
  if (!la.inputs) return CLI_FAILED;
  int rc = parse_args(argc, argv, &la);
  if (rc) {
    free(la.inputs);
    return rc < 0 ? CLI_OK : rc;
  }
  nacre_label_request *req = &la.req;
  req->inputs = la.inputs;
  req->mode = la.prepare   ? NACRE_LABEL_MODE_PREPARE
              : la.collect ? NACRE_LABEL_MODE_COLLECT
                           : NACRE_LABEL_MODE_RUN;
  req->dir = la.prepare ? la.prepare : la.collect;
  nacre_ctx ctx;
  cli_ctx_init(&ctx, la.verbose);
  if (!la.verbose) ctx.log_level = la.quiet ? NACRE_LOG_WARN : NACRE_LOG_INFO;
  /* read by the DFT processes at start-up, not by this one (its OpenMP
   * and BLAS are initialised already) */
  setenv("OMP_NUM_THREADS", "1", 0);
  setenv("OPENBLAS_NUM_THREADS", "1", 0);
  cli_catch_interrupts(&ctx, 1);
  nacre_error err;
  nacre_error_clear(&err);
  nacre_label_summary sum;
  nacre_status st = nacre_label_files(&la.opt, req, &sum, &ctx, &err);
  if (la.json) print_json(&la.opt, req, &sum, st);
  else if (!st || sum.done || sum.failed || sum.skipped || sum.pending)
    /* (a set-up error before any label leaves nothing to sum up) */
    print_table(&la.opt, req, &sum);
  if (st) rc = cli_fail(cmd, &err);
  else if (sum.failed) rc = CLI_FAILED;
  free(la.inputs);
  return rc;
}

const nacre_command nacre_cmd_label = {
    "label",
    "label structures with ABINIT, QE, VASP or a nacre potential (resumable)",
    run};
