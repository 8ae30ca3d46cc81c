/* cmd_learn.c — `nacre learn CONFIG -o DIR`: active learning (explore with
 * a committee, label what it disagrees on, retrain) as the configuration
 * file describes it; `nacre learn --report DIR` prints a run's iteration
 * table. Parses options, calls nacre_learn_run, prints. */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "nacre/learn.h"
#include "svg.h"

#define CMD "learn"

static const char *help =
    "Usage: nacre learn CONFIG -o DIR [options]\n"
    "       nacre learn --report DIR [--json] [--plot FILE.svg]\n"
    "\n"
    "Active learning (DP-GEN's concurrent learning): trains a committee of\n"
    "K networks that differ in their seeds, explores with it (MD and\n"
    "structure-search tasks in stages), labels the configurations whose\n"
    "maximal committee force deviation lies in [lo, hi) after a similarity\n"
    "screen (fingerprint distance to the training set and to each other,\n"
    "farthest-point sampling of at most M per iteration) plus a random\n"
    "sample of end points, and retrains, warm-started, until every task of\n"
    "a stage is accurate (σ_f < lo) for the stage's fraction of its\n"
    "configurations, or a label budget or iteration limit ends the stage.\n"
    "CONFIG is a JSON file (doc/learn.md; examples/learn-cu-eam.json).\n"
    "\n"
    "DIR holds the run file learn.db (every phase committed: a killed run\n"
    "resumes with the same command, losing only the phase in flight), the\n"
    "committees of every iteration (committees/), the labelling journal\n"
    "(labels/), and at the end the final committee DIR/model.json (any\n"
    "command reads it with --potential; nacre test DIR/model.json DATA),\n"
    "DIR/train.extxyz and DIR/test.extxyz (the independent test set).\n"
    "\n"
    "Options:\n"
    "  -o, --output DIR   the run's folder (required; made when missing)\n"
    "  --report DIR       print the iteration table of a run (also while it\n"
    "                     runs) instead of running\n"
    "  --plot FILE.svg    with --report: test errors, accurate fraction and\n"
    "                     labels per iteration\n"
    "  --prepare JOBS     labels run elsewhere (a cluster's queue): at each\n"
    "                     labelling the run writes JOBS/iterNNN/LABEL_ID/\n"
    "                     (inputs and an executable run.sh, as nacre label\n"
    "                     --prepare) and JOBS/iterNNN/jobs.txt, records them\n"
    "                     in learn.db and stops; the same command again (or\n"
    "                     --collect JOBS, the same mode) reads the finished\n"
    "                     outputs (SCF failures recorded and left out, as\n"
    "                     here), goes on while all are in, and stops again at\n"
    "                     the next labelling. Outputs not there yet stay\n"
    "                     pending and the run says how many. A command without\n"
    "                     --prepare/--collect labels here what a prepared batch\n"
    "                     did not finish.\n"
    "  --collect JOBS     the same as --prepare JOBS (nacre label's names)\n"
    "  -j, --jobs N       labels at a time (overrides the file's label.jobs;\n"
    "                     does not change results) and OpenMP threads\n"
    "  --json             the report as JSON on standard output\n"
    "  -q, --quiet        only errors and the final result\n"
    "  -v, --verbose      details on standard error\n"
    "  -h, --help         this text\n";

typedef struct opts {
  const char *config, *output, *report, *plot, *prepare, *collect;
  int jobs, json, quiet, verbose;
} opts;

static int parse_args(opts *o, int argc, char **argv) {
  int rc = CLI_OK;
  for (int k = 1; k < argc && rc == CLI_OK; k++) {
    const char *a = argv[k], *v = k + 1 < argc ? argv[k + 1] : NULL;
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      fputs(help, stdout);
      exit(0);
    } else if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
      CLI_NEED_VALUE(CMD);
      o->output = v;
    } else if (!strcmp(a, "--report")) {
      CLI_NEED_VALUE(CMD);
      o->report = v;
    } else if (!strcmp(a, "--prepare")) {
      CLI_NEED_VALUE(CMD);
      o->prepare = v;
    } else if (!strcmp(a, "--collect")) {
      CLI_NEED_VALUE(CMD);
      o->collect = v;
    } else if (!strcmp(a, "--plot")) {
      CLI_NEED_VALUE(CMD);
      o->plot = v;
    } else if (!strcmp(a, "-j") || !strcmp(a, "--jobs") || !strcmp(a, "--threads")) {
      CLI_NEED_VALUE(CMD);
      if (cli_parse_int(CMD, a, v, &o->jobs)) return CLI_USAGE;
      if (o->jobs < 1) return cli_usage(CMD, "%s must be at least 1", a);
    } else if (!strcmp(a, "--json")) {
      o->json = 1;
    } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
      o->quiet = 1;
    } else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
      o->verbose = 1;
    } else if (a[0] == '-' && a[1]) {
      return cli_usage(CMD, "unknown option %s", a);
    } else if (!o->config) {
      o->config = a;
    } else {
      return cli_usage(CMD, "one configuration file only (%s given too)", a);
    }
  }
  if (rc != CLI_OK) return rc;
  if (o->report) {
    if (o->config || o->output)
      return cli_usage(CMD, "--report DIR reads a run: no CONFIG or -o with it");
    return CLI_OK;
  }
  if (o->plot) return cli_usage(CMD, "--plot goes with --report");
  if (o->prepare && o->collect && strcmp(o->prepare, o->collect))
    return cli_usage(CMD, "--prepare and --collect name the same folder (%s, %s)",
                     o->prepare, o->collect);
  if ((o->prepare && strlen(o->prepare) >= 1000) || (o->collect && strlen(o->collect) >= 1000))
    return cli_usage(CMD, "the jobs folder's name is too long");
  if (!o->config) return cli_usage(CMD, "a configuration file is required");
  if (!o->output) return cli_usage(CMD, "-o DIR is required");
  return CLI_OK;
}

static void milli(double v, char *buf, size_t n) {
  if (isfinite(v)) snprintf(buf, n, "%8.2f", 1e3 * v);
  else snprintf(buf, n, "%8s", "-");
}

static void print_table(const nacre_learn_report *r) {
  printf("iter stage phase    train  test  E meV/at  F meV/Å   σ GPa  accurate  "
         "selected labelled failed  sample E  sample F\n");
  for (int k = 0; k < r->niterations; k++) {
    const nacre_learn_iteration *it = &r->iterations[k];
    char e[32], f[32], s[32], se[32], sf[32], acc[32], stage[16];
    milli(it->test_e_rmse, e, sizeof e);
    milli(it->test_f_rmse, f, sizeof f);
    if (isfinite(it->test_s_rmse)) snprintf(s, sizeof s, "%7.3f", it->test_s_rmse);
    else snprintf(s, sizeof s, "%7s", "-");
    milli(it->sample_e_rmse, se, sizeof se);
    milli(it->sample_f_rmse, sf, sizeof sf);
    if (isfinite(it->accurate_fraction))
      snprintf(acc, sizeof acc, "%7.1f%%", 100 * it->accurate_fraction);
    else snprintf(acc, sizeof acc, "%8s", "-");
    if (it->stage < 0) snprintf(stage, sizeof stage, "init");
    else if (it->stage >= r->nstages) snprintf(stage, sizeof stage, "final");
    else snprintf(stage, sizeof stage, "%d.%d", it->stage, it->stage_iteration);
    printf("%4d %5s %-8s %5d %5d %s %s %s  %s  %8d %8d %6d  %s  %s\n", it->iteration,
           stage, it->phase, it->ntrain, it->ntest, e, f, s, acc, it->selected,
           it->labelled, it->label_failures, se, sf);
  }
  if (r->ntasks) {
    printf("\niter task                 configurations  accurate candidate   failed  "
           "max σ_f eV/Å\n");
    for (int k = 0; k < r->ntasks; k++) {
      const nacre_learn_task_stats *t = &r->tasks[k];
      double n = t->configurations > 0 ? (double)t->configurations : NAN;
      printf("%4d %-20.20s %14ld  %7.1f%% %8.1f%% %7.1f%%  %12.4f\n", t->iteration,
             t->name, t->configurations, 100 * t->accurate / n, 100 * t->candidate / n,
             100 * t->failed / n, t->max_deviation);
    }
  }
  printf("\n");
  for (int s = 0; s < r->nstages; s++)
    printf("stage %d: %s\n", s, r->stage_outcome[s][0] ? r->stage_outcome[s] : "running");
  char buf[64], fb[64];
  printf("labels: %s (%s failed)%s%s\n", cli_count(r->labels, "structure", buf),
         cli_count(r->label_failures, "label", fb), r->finished ? "; final committee " : "",
         r->finished ? r->model : "");
  if (r->pending_dir[0])
    printf("waiting for %s prepared under %s\n", cli_count(r->pending_labels, "label", buf),
           r->pending_dir);
}

/* What to run after a run stopped for labels prepared elsewhere. */
static void print_waiting(const opts *o, const nacre_learn_report *r) {
  const char *jobs = o->prepare ? o->prepare : o->collect;
  char buf[64];
  fprintf(stderr,
          "nacre learn: waiting for %s under %s: run them, e.g.\n"
          "  xargs -P 2 -I ID sh %s/ID/run.sh < %s/jobs.txt\n"
          "or as an array job, then collect them and go on with\n"
          "  nacre learn %s -o %s --collect %s\n",
          cli_count(r->pending_labels, "label", buf), r->pending_dir, r->pending_dir,
          r->pending_dir, o->config, o->output, jobs);
}

static int write_plot(const char *path, const nacre_learn_report *r) {
  int n = r->niterations;
  double *x = calloc((size_t)n + 1, 5 * sizeof *x);
  if (!x) return -1;
  double *e = x + n, *f = e + n, *acc = f + n, *lab = acc + n;
  for (int k = 0; k < n; k++) {
    const nacre_learn_iteration *it = &r->iterations[k];
    x[k] = it->iteration;
    e[k] = 1e3 * it->test_e_rmse;
    f[k] = 1e3 * it->test_f_rmse;
    acc[k] = 100 * it->accurate_fraction;
    lab[k] = it->ntrain + it->ntest;
  }
  svg_series p[4] = {{x, e, n, "test E RMSE, meV/atom"},
                     {x, f, n, "test F RMSE, meV/Å"},
                     {x, acc, n, "accurate, % (smallest task)"},
                     {x, lab, n, "labelled structures"}};
  FILE *fp = fopen(path, "w");
  if (fp) {
    svg_plot(fp, "nacre learn", "iteration", p, 4);
    fclose(fp);
  }
  free(x);
  return fp ? 0 : -1;
}

static int print_report(const opts *o, const nacre_learn_report *r) {
  nacre_error err;
  nacre_error_clear(&err);
  if (o->plot && write_plot(o->plot, r)) {
    fprintf(stderr, "nacre learn: cannot write %s\n", o->plot);
    return CLI_FAILED;
  }
  if (o->json) {
    char *json = NULL;
    if (nacre_learn_report_json(r, &json, &err)) return cli_fail(CMD, &err);
    printf("%s\n", json);
    free(json);
  } else if (!o->quiet) {
    print_table(r);
  } else {
    if (r->finished) printf("%s\n", r->model);
    else if (r->pending_dir[0]) printf("waiting for %d labels under %s\n", r->pending_labels, r->pending_dir);
    else printf("running\n");
  }
  return CLI_OK;
}

static void on_progress(void *user, const nacre_learn_iteration *it, const char *what) {
  const opts *o = user;
  if (o->quiet) return;
  fprintf(stderr, "nacre learn: iteration %d: %s\n", it->iteration, what);
}

static int run(int argc, char **argv) {
  opts o = {0};
  int rc = parse_args(&o, argc, argv);
  if (rc != CLI_OK) return rc;
  nacre_error err;
  nacre_error_clear(&err);
  nacre_learn_report rep;
  if (o.report) {
    if (nacre_learn_report_read(o.report, &rep, &err)) return cli_fail(CMD, &err);
    rc = print_report(&o, &rep);
    nacre_learn_report_free(&rep);
    return rc;
  }
  nacre_learn_config *c = NULL;
  if (nacre_learn_config_read(o.config, &c, &err)) return cli_fail(CMD, &err);
  if (o.prepare || o.collect) {
    c->label_mode = o.prepare ? NACRE_LABEL_MODE_PREPARE : NACRE_LABEL_MODE_COLLECT;
    snprintf(c->label_dir, sizeof c->label_dir, "%s", o.prepare ? o.prepare : o.collect);
  }
  if (o.jobs) {
    c->label_jobs = o.jobs;
    omp_set_num_threads(o.jobs);
  }
  nacre_ctx ctx;
  cli_ctx_init(&ctx, o.verbose);
  cli_catch_interrupts(&ctx, 1);
  nacre_status st = nacre_learn_run(c, o.output, on_progress, &o, &ctx, &rep, &err);
  cli_catch_interrupts(&ctx, 0);
  if (st == NACRE_ERR_INTERRUPTED) {
    fprintf(stderr, "nacre learn: interrupted; run the same command to resume\n");
    rc = CLI_FAILED;
  } else if (st) {
    rc = cli_fail(CMD, &err);
  } else {
    if (rep.pending_labels && !rep.finished && !o.quiet) print_waiting(&o, &rep);
    rc = print_report(&o, &rep);
    nacre_learn_report_free(&rep);
  }
  nacre_learn_config_free(c);
  return rc;
}

const nacre_command nacre_cmd_learn = {
    "learn", "active learning: explore with a committee, label where it disagrees, retrain",
    run};
