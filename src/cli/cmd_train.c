/* cmd_train.c — `nacre train DATA... -o MODEL`: fit a Behler-Parrinello
 * neural-network potential (or a committee of them). Parses options into
 * a nacre_train_job, calls nacre_train_files, prints the epochs and the
 * result; the science is in src/train. */
#include <cjson/cJSON.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "nacre/train.h"

#define CMD "train"

static void help(void) {
  printf(
      "Usage: nacre train [options] DATA... -o MODEL\n"
      "       nacre train --convert OLD_MODEL -o MODEL\n"
      "\n"
      "Fits per-species neural networks on Behler-Parrinello descriptors of\n"
      "each atom so that energies (per atom), forces and optionally stress\n"
      "match the labels. DATA: extended XYZ or OUTCAR files, MAISE data\n"
      "folders, DeePMD-kit folders (see 'nacre data --help'). An extended-XYZ\n"
      "info key config_weight (a number >= 0) weights that structure in the\n"
      "loss: 2 counts it twice, 0 leaves it out (RMSE figures are unweighted).\n"
      "\n"
      "Without --valid and --test, DATA is shuffled (--seed) and split by\n"
      "--fractions; with either, all of DATA trains and the given files\n"
      "validate (early stopping, the weights kept) and test, unsplit.\n"
      "\n"
      "Prints train and validation RMSE per epoch: energy in meV/atom, forces\n"
      "in meV/Å, stress in GPa, with the wall time. MODEL is a nacre JSON\n"
      "model (doc/nn-format.md; with --ensemble K, a committee file of K\n"
      "models) that every command reads with --potential MODEL; it records\n"
      "the range of its training data, and eval, relax and search warn when\n"
      "structures leave it.\n"
      "\n"
      "Options:\n"
      "  -o, --output MODEL     model file to write (required)\n"
      "  --valid FILE           validation data (no split of DATA)\n"
      "  --test FILE            test data (no split of DATA)\n"
      "  --fractions T,V        train and validation fractions of DATA; the\n"
      "                         rest is the test set (default 0.8,0.1)\n"
      "  --hidden N1,N2,...     hidden layer sizes (default 10,10)\n"
      "  --activation NAME      hidden layers: tanh (default), sigmoid,\n"
      "                         softplus, silu; the output is linear\n"
      "  --descriptors SPEC     symmetry functions:\n"
      "                         maise:rc=R      MAISE's 30-function G2+G4 basis\n"
      "                                         scaled to cutoff R (Å)\n"
      "                         radial:rc=R,n=N,eta_min=A,eta_max=B\n"
      "                                         N radial functions only (R in\n"
      "                                         Å, eta in 1/Å^2, geometric)\n"
      "                         basis:FILE      a MAISE basis file\n"
      "                         model:FILE      the descriptors of a model file\n"
      "                         default: maise:rc=R, R = 4.5 x mean covalent\n"
      "                         radius of the elements in 0.5 Å steps (Cu-Ag: 6)\n"
      "  --optimizer NAME       lbfgs (full batch, default) or adam\n"
      "  --epochs N             maximum epochs, N >= 1 (default 10000; an\n"
      "                         L-BFGS epoch is one iteration, an Adam epoch\n"
      "                         one pass)\n"
      "  --batch N              Adam mini-batch size in structures, >= 1\n"
      "                         (default 16)\n"
      "  --lr X                 Adam learning rate, > 0 (default 0.003)\n"
      "  --lr-decay X           Adam: rate multiplied by X in (0, 1] each epoch\n"
      "                         (default 0.995)\n"
      "  --weights e=A,f=B,s=C  loss weights on energy per atom (eV/atom)^2,\n"
      "                         force components (eV/Å)^2, stress (GPa)^2\n"
      "                         (default e=1,f=0.1,s=0)\n"
      "  --l2 X                 L2 regularisation on weights, >= 0 (default\n"
      "                         1e-6)\n"
      "  --seed S               seed of split, weights, batches (default 1)\n"
      "  --patience N           stop after max(N, B) epochs without a\n"
      "                         better validation loss, B the epoch of the\n"
      "                         best so far: never before epoch 2B\n"
      "                         (default 1000; 0 = never). Either way the\n"
      "                         weights of the best validation loss (the\n"
      "                         epochs marked *) are the ones written\n"
      "  --time-limit T         stop training after T of wall time: 90, 90s,\n"
      "                         30m, 2h (default: none)\n"
      "  --ensemble K           train K >= 1 models with seeds S..S+K-1 into\n"
      "                         one committee file (default 1)\n"
      "  --from MODEL           start from a model of a subset of the\n"
      "                         elements (repeatable): stratified training\n"
      "  --freeze-from          with --from: train only the new cross-species\n"
      "                         weights, as MAISE does\n"
      "  --baseline SPEC        a potential added under the networks, e.g.\n"
      "                         zbl:r_inner=1.1,r_outer=1.7 (the ZBL\n"
      "                         screened-Coulomb repulsion, Å): the networks\n"
      "                         fit the labels minus its energy, forces and\n"
      "                         stress, and the model file records it, so\n"
      "                         that it is always evaluated with it\n"
      "  --maise PATH           also write MAISE's model format; with\n"
      "                         --ensemble, PATH.K per member. MAISE adds its\n"
      "                         short-range repulsion to every model file, so\n"
      "                         the model is trained with it (in every file\n"
      "                         written); needs two tanh hidden layers\n"
      "                         (checked before training)\n"
      "  --checkpoint PATH      checkpoint file (default MODEL.ckpt), written\n"
      "                         atomically after the first epoch and then\n"
      "                         every --checkpoint-interval; an existing one\n"
      "                         is resumed exactly (Adam moments, L-BFGS\n"
      "                         history) when it was written for the same data\n"
      "                         and settings, and refused otherwise; removed\n"
      "                         at the end. Ctrl-C or SIGTERM stops at the end\n"
      "                         of the epoch and writes it (exit status 1)\n"
      "  --checkpoint-interval T  wall time between checkpoints: 90, 30s, 5m\n"
      "                         (default 30s; 0 = every epoch)\n"
      "  --keep-checkpoint      keep the checkpoint after success\n"
      "  --convert MODEL        rewrite MODEL (the retired nacre-train text\n"
      "                         format, a MAISE model, a committee) as nacre\n"
      "                         JSON in -o, without training\n"
      "  --print-every N        print every N-th epoch, N >= 1 (default 10;\n"
      "                         first and last are always printed)\n"
      "  -j, --jobs N           OpenMP threads, N >= 1 (default: all)\n"
      "  --json                 final summary as JSON on stdout\n"
      "  -q, --quiet            print only errors and the final result\n"
      "  -v, --verbose          log progress details on stderr\n"
      "  -h, --help             this text\n"
      "\n"
      "Exit status: 0 success; 1 failure or interrupted (resume it); 2 usage\n"
      "error.\n");
}

typedef struct progress {
  int every, json, quiet, epochs;
} progress;

static void on_ready(void *user, const nacre_train_summary *s) {
  progress *p = user;
  if (p->quiet) return;
  FILE *out = p->json ? stderr : stdout;
  int nt = omp_get_max_threads();
  fprintf(out, "%d structure%s (%ld atom%s) from %d source%s; %d thread%s\n",
          s->nstructures, s->nstructures == 1 ? "" : "s", s->natoms,
          s->natoms == 1 ? "" : "s", s->nsources, s->nsources == 1 ? "" : "s", nt,
          nt == 1 ? "" : "s");
  fprintf(out, "model epoch   time_s  train: E meV/at  F meV/Å  S GPa   valid: E meV/at  "
               "F meV/Å  S GPa\n");
  fflush(out);
}

static int on_epoch(void *user, int member, const nacre_train_epoch *ep) {
  progress *p = user;
  FILE *out = p->json ? stderr : stdout;
  if (p->quiet) return 0;
  if (ep->epoch == 1 || ep->epoch % p->every == 0 || ep->epoch == p->epochs) {
    fprintf(out, "%3d %6d %8.1f  %9.3f %9.2f %8.4f", member, ep->epoch, ep->elapsed_s,
            1e3 * ep->train.e_rmse, 1e3 * ep->train.f_rmse, ep->train.s_rmse);
    if (ep->have_valid)
      fprintf(out, "  %9.3f %9.2f %8.4f%s", 1e3 * ep->valid.e_rmse, 1e3 * ep->valid.f_rmse,
              ep->valid.s_rmse, ep->is_best ? " *" : "");
    fputc('\n', out);
    fflush(out);
  }
  return 0;
}

static int parse_weights(const char *text, nacre_loss_weights *w) {
  char buf[256];
  snprintf(buf, sizeof buf, "%s", text);
  for (char *t = strtok(buf, ","); t; t = strtok(NULL, ",")) {
    char *eq = strchr(t, '='), *end;
    if (!eq) return -1;
    double v = strtod(eq + 1, &end);
    if (*end || end == eq + 1 || !(v >= 0) || !isfinite(v)) return -1;
    *eq = 0;
    if (!strcmp(t, "e")) w->energy = v;
    else if (!strcmp(t, "f")) w->force = v;
    else if (!strcmp(t, "s")) w->stress = v;
    else return -1;
  }
  return 0;
}

/* An integer option with a lower bound; a usage error says which. */
static int int_at_least(const char *opt, const char *v, int min, int *out) {
  if (cli_parse_int(CMD, opt, v, out)) return CLI_USAGE;
  if (*out < min)
    return cli_usage(CMD, "%s expects an integer >= %d, got %s", opt, min, v);
  return CLI_OK;
}

typedef struct train_cli {
  nacre_train_job job;
  const char **data, **from;
  const char *convert;
  int json, quiet, verbose, every, threads, fractions_given;
} train_cli;

static int parse_hidden(train_cli *c, const char *opt, const char *v) {
  int n = 0, rc = CLI_OK;
  char buf[256];
  snprintf(buf, sizeof buf, "%s", v);
  for (char *t = strtok(buf, ","); t && rc == CLI_OK; t = strtok(NULL, ",")) {
    if (n == NACRE_NN_MAX_LAYERS - 2 || cli_parse_int(CMD, opt, t, &c->job.fit.hidden[n]) ||
        c->job.fit.hidden[n] < 1)
      rc = cli_usage(CMD, "--hidden expects up to %d positive sizes, got '%s'",
                     NACRE_NN_MAX_LAYERS - 2, v);
    n++;
  }
  c->job.fit.nhidden = n;
  return rc;
}

/* One option with its value v (NULL for flags); *used says whether v was
 * consumed. */
static int parse_option(train_cli *c, const char *a, const char *v, int *used) {
  nacre_fit_options *o = &c->job.fit;
  nacre_train_options *t = &o->train;
  int rc = CLI_OK;
  static const char *const flags[] = {"--freeze-from", "--keep-checkpoint", "--json",
                                      "-q", "--quiet", "-v", "--verbose", NULL};
  static const char *const valued[] = {
      "-o", "--output", "--valid", "--test", "--hidden", "--activation", "--descriptors",
      "--optimizer", "--epochs", "--batch", "--lr", "--lr-decay", "--weights", "--l2",
      "--fractions", "--split", "--seed", "--patience", "--time-limit", "--ensemble",
      "--from", "--checkpoint", "--checkpoint-interval", "--nn-json", "--maise", "--baseline",
      "--convert", "--print-every", "-j", "--jobs", "--threads", NULL};
  *used = 0;
  int known = 0;
  for (int k = 0; flags[k]; k++) known |= !strcmp(a, flags[k]);
  for (int k = 0; valued[k]; k++)
    if (!strcmp(a, valued[k])) known = *used = 1;
  if (!known) return cli_usage(CMD, "unknown option '%s'", a);
  if (*used && !v) return cli_usage(CMD, "%s needs a value", a);
  if (!strcmp(a, "-o") || !strcmp(a, "--output")) c->job.output = v;
  else if (!strcmp(a, "--valid")) c->job.valid = v;
  else if (!strcmp(a, "--test")) c->job.test = v;
  else if (!strcmp(a, "--hidden")) rc = parse_hidden(c, a, v);
  else if (!strcmp(a, "--activation")) {
    if (nacre_nn_activation_parse(v, &o->act) || o->act == NACRE_NN_LINEAR)
      rc = cli_usage(CMD, "--activation is tanh, sigmoid, softplus or silu, got '%s'", v);
  } else if (!strcmp(a, "--descriptors")) {
    snprintf(o->descriptors, sizeof o->descriptors, "%s", v);
  } else if (!strcmp(a, "--optimizer")) {
    if (!strcmp(v, "lbfgs")) t->optimizer = NACRE_OPT_LBFGS;
    else if (!strcmp(v, "adam")) t->optimizer = NACRE_OPT_ADAM;
    else rc = cli_usage(CMD, "--optimizer is lbfgs or adam, got '%s'", v);
  } else if (!strcmp(a, "--epochs")) rc = int_at_least(a, v, 1, &t->epochs);
  else if (!strcmp(a, "--batch")) rc = int_at_least(a, v, 1, &t->batch_size);
  else if (!strcmp(a, "--lr")) {
    if (cli_parse_double(CMD, a, v, &t->lr)) rc = CLI_USAGE;
    else if (!(t->lr > 0)) rc = cli_usage(CMD, "--lr expects a number > 0, got %s", v);
  } else if (!strcmp(a, "--lr-decay")) {
    if (cli_parse_double(CMD, a, v, &t->lr_decay)) rc = CLI_USAGE;
    else if (!(t->lr_decay > 0 && t->lr_decay <= 1))
      rc = cli_usage(CMD, "--lr-decay expects a number in (0, 1], got %s", v);
  } else if (!strcmp(a, "--weights")) {
    if (parse_weights(v, &t->weights))
      rc = cli_usage(CMD, "--weights expects e=A,f=B,s=C with non-negative numbers, got '%s'", v);
  } else if (!strcmp(a, "--l2")) {
    if (cli_parse_double(CMD, a, v, &t->weights.l2)) rc = CLI_USAGE;
    else if (!(t->weights.l2 >= 0)) rc = cli_usage(CMD, "--l2 expects a number >= 0, got %s", v);
  } else if (!strcmp(a, "--fractions") || !strcmp(a, "--split")) {
    double f[2];
    c->fractions_given = 1;
    if (cli_parse_list(CMD, a, v, 2, f)) rc = CLI_USAGE;
    else if (!(f[0] > 0) || !(f[1] >= 0) || f[0] + f[1] > 1)
      rc = cli_usage(CMD, "%s T,V needs T > 0, V >= 0, T + V <= 1, got %s", a, v);
    o->frac_train = f[0];
    o->frac_valid = f[1];
  } else if (!strcmp(a, "--seed")) {
    int s;
    if (!(rc = int_at_least(a, v, 0, &s))) o->seed = (uint64_t)s;
  } else if (!strcmp(a, "--patience")) rc = int_at_least(a, v, 0, &t->patience);
  else if (!strcmp(a, "--time-limit")) {
    if (cli_parse_duration(CMD, a, v, &t->time_limit_s)) rc = CLI_USAGE;
  } else if (!strcmp(a, "--ensemble")) rc = int_at_least(a, v, 1, &o->ensemble);
  else if (!strcmp(a, "--from")) c->from[c->job.nfrom++] = v;
  else if (!strcmp(a, "--freeze-from")) o->freeze_from = 1;
  else if (!strcmp(a, "--checkpoint")) t->checkpoint = v;
  else if (!strcmp(a, "--checkpoint-interval")) {
    if (cli_parse_duration(CMD, a, v, &t->checkpoint_interval_s)) rc = CLI_USAGE;
  } else if (!strcmp(a, "--nn-json")) c->job.json_copy = v;
  else if (!strcmp(a, "--maise")) c->job.maise = v;
  else if (!strcmp(a, "--baseline")) o->baseline = v;
  else if (!strcmp(a, "--convert")) c->convert = v;
  else if (!strcmp(a, "--keep-checkpoint")) c->job.keep_checkpoint = 1;
  else if (!strcmp(a, "--print-every")) rc = int_at_least(a, v, 1, &c->every);
  else if (!strcmp(a, "-j") || !strcmp(a, "--jobs") || !strcmp(a, "--threads"))
    rc = int_at_least(a, v, 1, &c->threads);
  else if (!strcmp(a, "--json")) c->json = 1;
  else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) c->quiet = 1;
  else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) c->verbose = 1;
  else rc = cli_usage(CMD, "unknown option '%s'", a);
  return rc;
}

static int parse_args(train_cli *c, int argc, char **argv) {
  int rc = CLI_OK;
  for (int k = 1; k < argc && rc == CLI_OK; k++) {
    const char *a = argv[k];
    if (a[0] == '-' && a[1]) {
      int used;
      rc = parse_option(c, a, k + 1 < argc ? argv[k + 1] : NULL, &used);
      k += used;
    } else {
      c->data[c->job.ndata++] = a;
    }
  }
  if (rc != CLI_OK) return rc;
  if (!c->job.output) return cli_usage(CMD, "-o MODEL is required");
  if (c->convert) return c->job.ndata ? cli_usage(CMD, "--convert takes no DATA") : CLI_OK;
  if (!c->job.ndata) return cli_usage(CMD, "no DATA given");
  if (c->job.fit.freeze_from && !c->job.nfrom) return cli_usage(CMD, "--freeze-from needs --from");
  if (c->fractions_given && (c->job.valid || c->job.test))
    return cli_usage(CMD, "--fractions splits DATA; with --valid or --test DATA is not split");
  return CLI_OK;
}

static void print_json(const train_cli *c, const nacre_train_summary *s) {
  const nacre_fit_report *r = &s->fit;
  cJSON *j = cJSON_CreateObject();
  cJSON_AddStringToObject(j, "model", c->job.output);
  cJSON_AddNumberToObject(j, "committee_size", s->ensemble);
  cJSON_AddStringToObject(j, "descriptors", r->descriptors);
  cJSON_AddNumberToObject(j, "descriptor_components", r->dim);
  cJSON_AddNumberToObject(j, "train_structures", r->ntrain);
  cJSON_AddNumberToObject(j, "valid_structures", r->nvalid);
  cJSON_AddNumberToObject(j, "test_structures", r->ntest);
  cJSON_AddNumberToObject(j, "wall_s", r->seconds);
  cJSON_AddNumberToObject(j, "descriptor_wall_s", r->features_seconds);
  cJSON_AddNumberToObject(j, "descriptor_bytes", (double)r->features_bytes);
  const nacre_errors *e[3] = {&r->train, &r->valid, &r->test};
  const char *nm[3] = {"train", "valid", "test"};
  for (int k = 0; k < 3; k++) {
    cJSON *o = cJSON_AddObjectToObject(j, nm[k]);
    cJSON_AddNumberToObject(o, "energy_rmse_mev_atom", 1e3 * e[k]->e_rmse);
    cJSON_AddNumberToObject(o, "energy_mae_mev_atom", 1e3 * e[k]->e_mae);
    cJSON_AddNumberToObject(o, "force_rmse_mev_a", 1e3 * e[k]->f_rmse);
    cJSON_AddNumberToObject(o, "force_mae_mev_a", 1e3 * e[k]->f_mae);
    cJSON_AddNumberToObject(o, "stress_rmse_gpa", e[k]->s_rmse);
  }
  char *t = cJSON_Print(j);
  printf("%s\n", t);
  free(t);
  cJSON_Delete(j);
}

static void print_text(const train_cli *c, const nacre_train_summary *s) {
  const nacre_fit_report *r = &s->fit;
  if (!c->quiet) {
    printf("descriptors %.60s%s (%d components): %.2f s, %.2f MB stored\n", r->descriptors,
           strlen(r->descriptors) > 60 ? "..." : "", r->dim, r->features_seconds,
           r->features_bytes / 1e6);
    printf("data: %d train, %d validation, %d test; training %.1f s\n", r->ntrain, r->nvalid,
           r->ntest, r->seconds);
  }
  if (r->ntest)
    printf("test: energy RMSE %.3f meV/atom (MAE %.3f), forces RMSE %.1f meV/Å (MAE %.1f), "
           "stress RMSE %.3f GPa\n",
           1e3 * r->test.e_rmse, 1e3 * r->test.e_mae, 1e3 * r->test.f_rmse,
           1e3 * r->test.f_mae, r->test.s_rmse);
  printf("wrote %s\n", c->job.output);
}

static int run(int argc, char **argv) {
  for (int k = 1; k < argc; k++)
    if (!strcmp(argv[k], "-h") || !strcmp(argv[k], "--help")) {
      help();
      return CLI_OK;
    }
  train_cli c;
  memset(&c, 0, sizeof c);
  nacre_train_job_init(&c.job);
  c.every = 10;
  c.data = calloc((size_t)argc, sizeof *c.data);
  c.from = calloc((size_t)argc, sizeof *c.from);
  int rc = c.data && c.from ? parse_args(&c, argc, argv) : CLI_FAILED;
  c.job.data = c.data;
  c.job.from = c.from;
  nacre_error err;
  nacre_error_clear(&err);
  if (rc == CLI_OK && c.convert) {
    if (nacre_convert_model(c.convert, c.job.output, &err)) rc = cli_fail(CMD, &err);
    else if (!c.quiet) printf("wrote %s\n", c.job.output);
  } else if (rc == CLI_OK) {
    if (c.threads) omp_set_num_threads(c.threads);
    if (c.job.maise) c.job.fit.maise_repulsion = 1;
  }
  if (rc == CLI_OK && !c.convert && c.job.maise &&
      nacre_fit_options_maise_compatible(&c.job.fit, &err))
    rc = cli_usage(CMD, "--maise %s: %s", c.job.maise, err.message); /* before any training */
  if (rc == CLI_OK && !c.convert) {
    nacre_ctx ctx;
    cli_ctx_init(&ctx, c.verbose);
    progress pr = {c.every, c.json, c.quiet, c.job.fit.train.epochs};
    nacre_train_callbacks cb = {&pr, on_ready, on_epoch};
    nacre_train_summary s;
    cli_catch_interrupts(&ctx, 1);
    nacre_status st = nacre_train_files(&c.job, &cb, &ctx, &s, &err);
    cli_catch_interrupts(&ctx, 0);
    if (st == NACRE_ERR_INTERRUPTED) {
      fprintf(stderr, "nacre train: %s; the checkpoint %s%s is kept: run the same "
                      "command to resume\n",
              err.message, s.checkpoint, s.ensemble > 1 ? ".K" : "");
      rc = CLI_FAILED;
    } else if (st) {
      rc = cli_fail(CMD, &err);
    } else {
      if (c.job.fit.maise_repulsion && s.fit.repulsion_structures > 0 && !c.quiet)
        fprintf(stderr, "nacre train: note: MAISE's repulsion acts in %d training "
                        "structure%s (atoms closer than its per-element distances); "
                        "the networks learned the rest\n",
                s.fit.repulsion_structures, s.fit.repulsion_structures == 1 ? "" : "s");
      if (c.json) print_json(&c, &s);
      else print_text(&c, &s);
    }
  }
  free(c.data);
  free(c.from);
  return rc;
}

const nacre_command nacre_cmd_train = {"train", "fit a neural-network potential (or a committee) to data", run};
