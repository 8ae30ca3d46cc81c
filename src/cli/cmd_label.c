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
    "                     directory (default abinit, pw.x, vasp_std), e.g.\n"
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
    "                     incomplete outputs stay pending for a later collect\n"
    "  --keep             keep every label's directory (failed ones are\n"
    "                     always kept)\n"
    "  --timeout S        wall-clock limit per label in seconds (default: none)\n"
    "  -j, --jobs N       labels run at the same time (default 1)\n"
    "  --retry-failed     label again the structures listed in the .failed file\n"
    "  --json             print the summary as JSON\n"
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

/* The last n lines of the failure log: this run's failures and why. */
static void print_failures(const char *path, int n) {
  FILE *fp = fopen(path, "r");
  if (!fp) return;
  char **lines = calloc((size_t)n, sizeof *lines);
  char buf[1024];
  long k = 0;
  while (lines && fgets(buf, sizeof buf, fp)) {
    free(lines[k % n]);
    lines[k % n] = strdup(buf);
    k++;
  }
  fclose(fp);
  long first = k > n ? k - n : 0;
  for (long i = first; lines && i < k; i++) {
    char *l = lines[i % n];
    if (!l) continue;
    for (char *c = l; *c; c++)
      if (*c == '\t') *c = ' ';
    printf("failed: %s", l);
  }
  for (int i = 0; lines && i < n; i++) free(lines[i]);
  free(lines);
}

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

static int run(int argc, char **argv) {
  const char *cmd = "label";
  nacre_label_options opt;
  nacre_label_options_init(&opt, 0);
  const char *output = NULL;
  int jobs = 1, json = 0, verbose = 0, retry = 0, quiet = 0;
  const char *prepare = NULL, *collect = NULL;
  const char **inputs = calloc((size_t)argc, sizeof *inputs);
  int ninputs = 0;
  if (!inputs) return CLI_FAILED;
  int rc = CLI_OK;
  for (int k = 1; k < argc && rc == CLI_OK; k++) {
    const char *a = argv[k];
    const char *v = k + 1 < argc ? argv[k + 1] : NULL;
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      fputs(help, stdout);
      free(inputs);
      return CLI_OK;
    } else if (!strcmp(a, "--code")) {
      CLI_NEED_VALUE(cmd)
      nacre_error e;
      if (nacre_label_options_set_code(&opt, v, &e))
        rc = cli_usage(cmd, "--code: %s", e.message);
    } else if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
      CLI_NEED_VALUE(cmd)
      output = v;
    } else if (!strcmp(a, "--template")) {
      CLI_NEED_VALUE(cmd)
      opt.template_path = v;
    } else if (!strcmp(a, "--ecut")) {
      CLI_NEED_VALUE(cmd)
      rc = positive(cmd, a, v, &opt.ecut_ev);
    } else if (!strcmp(a, "--dens-factor")) {
      CLI_NEED_VALUE(cmd)
      rc = at_least_one(cmd, a, v, &opt.ecut_dens_factor);
    } else if (!strcmp(a, "--kspacing")) {
      CLI_NEED_VALUE(cmd)
      rc = positive(cmd, a, v, &opt.kspacing);
    } else if (!strcmp(a, "--cell")) {
      CLI_NEED_VALUE(cmd)
      int c = nacre_label_cell_from_name(v);
      if (c < 0)
        rc = cli_usage(cmd, "--cell must be auto, input or niggli, not '%s'",
                       v);
      else
        opt.cell = (nacre_label_cell)c;
    } else if (!strcmp(a, "--smearing")) {
      CLI_NEED_VALUE(cmd)
      rc = positive(cmd, a, v, &opt.smearing_ev);
    } else if (!strcmp(a, "--scf-tol")) {
      CLI_NEED_VALUE(cmd)
      rc = positive(cmd, a, v, &opt.scf_tol_ev);
    } else if (!strcmp(a, "--max-scf")) {
      CLI_NEED_VALUE(cmd)
      rc = positive_int(cmd, a, v, &opt.max_scf);
    } else if (!strcmp(a, "--command")) {
      CLI_NEED_VALUE(cmd)
      opt.command = v;
    } else if (!strcmp(a, "--pseudo-dir")) {
      CLI_NEED_VALUE(cmd)
      opt.pseudo_dir = v;
    } else if (!strcmp(a, "--pseudo-files")) {
      CLI_NEED_VALUE(cmd)
      opt.pseudo_files = v;
    } else if (!strcmp(a, "--workdir")) {
      CLI_NEED_VALUE(cmd)
      opt.workdir = v;
    } else if (!strcmp(a, "--prepare")) {
      CLI_NEED_VALUE(cmd)
      prepare = v;
    } else if (!strcmp(a, "--collect")) {
      CLI_NEED_VALUE(cmd)
      collect = v;
    } else if (!strcmp(a, "--keep")) {
      opt.keep_files = 1;
    } else if (!strcmp(a, "--timeout")) {
      CLI_NEED_VALUE(cmd)
      rc = non_negative(cmd, a, v, &opt.timeout_s);
    } else if (!strcmp(a, "-j") || !strcmp(a, "--jobs")) {
      CLI_NEED_VALUE(cmd)
      rc = positive_int(cmd, a, v, &jobs);
    } else if (!strcmp(a, "--retry-failed")) {
      retry = 1;
    } else if (!strcmp(a, "--json")) {
      json = 1;
    } else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
      verbose = 1;
    } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
      quiet = 1;
    } else if (a[0] == '-' && a[1]) {
      rc = cli_usage(cmd, "unknown option '%s'", a);
    } else {
      inputs[ninputs++] = a;
    }
  }
  if (rc == CLI_OK && !opt.code) rc = cli_usage(cmd, "--code is required");
  if (rc == CLI_OK && prepare && collect)
    rc = cli_usage(cmd, "--prepare and --collect exclude each other");
  if (rc == CLI_OK && !output && !prepare)
    rc = cli_usage(cmd, "-o OUTPUT is required");
  if (rc == CLI_OK && !ninputs) rc = cli_usage(cmd, "no structure files given");
  if (rc != CLI_OK) {
    free(inputs);
    return rc;
  }

  nacre_error err;
  nacre_error_clear(&err);
  nacre_structure **all = NULL;
  nacre_label_keys *all_keys = NULL;
  int nall = 0;
  for (int f = 0; f < ninputs && rc == CLI_OK; f++) {
    nacre_structure **list;
    nacre_label_keys *keys;
    int n;
    if (nacre_label_read_inputs(inputs[f], &list, &n, &keys, &err)) {
      rc = cli_fail(cmd, &err);
      break;
    }
    nacre_structure **bigger = realloc(all, sizeof *all * (size_t)(nall + n + 1));
    if (bigger) all = bigger;
    nacre_label_keys *kbigger =
        bigger ? realloc(all_keys, sizeof *all_keys * (size_t)(nall + n + 1))
               : NULL;
    if (kbigger) all_keys = kbigger;
    if (!bigger || !kbigger) {
      for (int k = 0; k < n; k++) nacre_structure_free(list[k]);
      free(list);
      nacre_label_keys_free(keys, n);
      rc = CLI_FAILED;
      break;
    }
    if (n) {
      memcpy(all + nall, list, sizeof *list * (size_t)n);
      memcpy(all_keys + nall, keys, sizeof *keys * (size_t)n);
    }
    nall += n;
    free(list);
    free(keys); /* the entries now belong to all_keys */
  }
  if (rc == CLI_OK) {
    nacre_ctx ctx;
    cli_ctx_init(&ctx, verbose);
    if (!verbose) ctx.log_level = quiet ? NACRE_LOG_WARN : NACRE_LOG_INFO;
    /* read by the DFT processes at start-up, not by this one (its OpenMP
     * and BLAS are initialised already) */
    setenv("OMP_NUM_THREADS", "1", 0);
    setenv("OPENBLAS_NUM_THREADS", "1", 0);
    cli_catch_interrupts(&ctx, 1);
    char failed_log[4096] = "";
    if (output) snprintf(failed_log, sizeof failed_log, "%s.failed", output);
    if (prepare) {
      int prepared = 0, skipped = 0;
      nacre_status st = nacre_label_prepare_batch(
          &opt, all, nall, prepare, output, output ? failed_log : NULL,
          &prepared, &skipped, &err);
      if (st) {
        rc = cli_fail(cmd, &err);
      } else {
        printf("label (%s): %d structures: %d prepared under %s, %d skipped "
               "(done or failed in %s)\n",
               nacre_label_code_name(opt.code), nall, prepared, prepare,
               skipped, output ? output : "no output given");
        printf("run them, e.g. 'xargs -P 2 -I ID sh %s/ID/run.sh < %s/jobs.txt'"
               " or as an array job,\nthen read them back with the same "
               "command and --collect %s -o OUTPUT\n",
               prepare, prepare, prepare);
      }
      goto done;
    }
    nacre_label_summary sum;
    nacre_status st =
        collect ? nacre_label_collect_batch(&opt, all, all_keys, nall, collect,
                                            output, failed_log, &sum, &ctx, &err)
                : nacre_label_batch(&opt, all, all_keys, nall, output,
                                    failed_log, jobs, retry, &sum, &ctx, &err);
    double per_atom = sum.atoms > 0 ? sum.wall_s / sum.atoms : 0;
    if (json) {
      cJSON *o = cJSON_CreateObject();
      cJSON_AddStringToObject(o, "code", nacre_label_code_name(opt.code));
      cJSON_AddStringToObject(o, "output", output);
      cJSON_AddNumberToObject(o, "structures", sum.total);
      cJSON_AddNumberToObject(o, "labelled_now", sum.done);
      cJSON_AddNumberToObject(o, "skipped_already_done_or_failed", sum.skipped);
      cJSON_AddNumberToObject(o, "failed", sum.failed);
      cJSON_AddNumberToObject(o, "failed_not_converged", sum.not_converged);
      cJSON_AddNumberToObject(o, "failed_run", sum.run_failed);
      cJSON_AddNumberToObject(o, "failed_parse", sum.parse_failed);
      if (collect) cJSON_AddNumberToObject(o, "pending", sum.pending);
      cJSON_AddNumberToObject(o, "wall_s", sum.wall_s);
      cJSON_AddNumberToObject(o, "wall_s_per_atom", per_atom);
      cJSON_AddBoolToObject(o, "complete", st == NACRE_OK);
      char *s = cJSON_Print(o);
      if (s) puts(s);
      free(s);
      cJSON_Delete(o);
    } else if (!st || sum.done || sum.failed || sum.skipped || sum.pending) {
      /* (a set-up error before any label leaves nothing to sum up) */
      printf("label (%s): %d structures: %d labelled now, %d skipped (done or "
             "failed before), %d failed",
             nacre_label_code_name(opt.code), sum.total, sum.done, sum.skipped,
             sum.failed);
      if (sum.failed)
        printf(" (%d SCF not converged, %d run errors, %d unreadable "
               "outputs; see %s)",
               sum.not_converged, sum.run_failed, sum.parse_failed, failed_log);
      printf("\n");
      if (collect)
        printf("collect: %d pending (not run yet or still running; collect "
               "again later)\n",
               sum.pending);
      if (sum.done)
        printf("time: %.1f s in all, %.2f s per structure, %.2f s per atom "
               "(wall, summed over labels)\n",
               sum.wall_s, sum.wall_s / sum.done, per_atom);
      if (sum.failed) print_failures(failed_log, sum.failed);
    }
    if (st) rc = cli_fail(cmd, &err);
    else if (sum.failed) rc = CLI_FAILED;
  }
done:
  for (int k = 0; k < nall; k++) nacre_structure_free(all[k]);
  free(all);
  nacre_label_keys_free(all_keys, nall);
  free(inputs);
  return rc;
}

const nacre_command nacre_cmd_label = {
    "label", "label structures with ABINIT, QE or VASP (resumable)", run};
