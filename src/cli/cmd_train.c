/* cmd_train.c — `nacre train DATA... -o MODEL`: fit a Behler-Parrinello
 * neural-network potential (or a committee of them). Parses options,
 * calls nacre_fit, prints per-epoch errors; the science is in src/train. */
#include <cjson/cJSON.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "nacre/train.h"

static void help(void) {
  printf(
      "Usage: nacre train [options] DATA... -o MODEL\n"
      "\n"
      "Fits per-species neural networks on descriptors of each atom so that\n"
      "energies (per atom), forces and optionally stress match the labels.\n"
      "DATA: MAISE data folders, DeePMD-kit folders, or (with the io module)\n"
      "extended XYZ / OUTCAR files; see 'nacre data --help'. An extended-XYZ\n"
    "info key config_weight (a number >= 0) weights that structure in the\n"
    "loss: 2 counts it twice, 0 leaves it out (RMSE figures are unweighted).\n"
      "\n"
      "Prints train and validation RMSE per epoch: energy in meV/atom, forces\n"
      "in meV/Å, stress in GPa, with the wall time. MODEL is written in\n"
      "nacre's text model format (a committee file with --ensemble).\n"
      "\n"
      "Options:\n"
      "  -o, --output MODEL     model file to write (required)\n"
      "  --hidden N1,N2,...     hidden layer sizes (default 10,10)\n"
      "  --activation NAME      tanh (default), sigmoid, softplus, silu\n"
      "  --descriptors SPEC     descriptor set, e.g.\n"
      "                         maise:rc=6      MAISE's 30-function G2+G4 basis\n"
      "                                         scaled to cutoff 6 Å\n"
      "                         basis:FILE      a MAISE basis file\n"
      "                         model:FILE      the descriptors of a MAISE/nn model\n"
      "                         radial:rc=6,n=12,eta_min=0.01,eta_max=1.4\n"
      "                                         G2 only (rc in Å, eta in 1/Å^2)\n"
      "                         default: maise:rc=R, R = 4.5 x mean covalent\n"
      "                         radius of the elements in 0.5 Å steps (Cu-Ag: 6)\n"
      "  --optimizer NAME       lbfgs (full batch, default) or adam\n"
      "  --epochs N             maximum epochs (default 10000; an L-BFGS epoch\n"
      "                         is one iteration, an Adam epoch one pass)\n"
      "  --batch N              Adam mini-batch size in structures (default 16)\n"
      "  --lr X                 Adam learning rate (default 0.003)\n"
      "  --lr-decay X           Adam: rate multiplied by X each epoch (0.995)\n"
      "  --weights e=A,f=B,s=C  loss weights on energy per atom (eV/atom)^2,\n"
      "                         force components (eV/Å)^2, stress (GPa)^2\n"
      "                         (default e=1,f=0.1,s=0)\n"
      "  --l2 X                 L2 regularisation on weights (default 1e-6)\n"
      "  --split T,V            train and validation fractions; the rest is\n"
      "                         the test set (default 0.8,0.1)\n"
      "  --seed S               seed of split, weights, batches (default 1)\n"
      "  --patience N           stop after max(N, B) epochs without a\n"
      "                         better validation loss, B the epoch of the\n"
      "                         best so far: never before epoch 2B\n"
      "                         (default 1000; 0 = never). Either way the\n"
      "                         weights of the best validation loss (the\n"
      "                         epochs marked *) are the ones written\n"
      "  --time-limit S         stop training after S seconds of wall time\n"
      "  --ensemble K           train K models with seeds S..S+K-1 into one\n"
      "                         committee file (default 1)\n"
      "  --from MODEL           start from a model of a subset of the\n"
      "                         elements (repeatable): stratified training\n"
      "  --freeze-from          with --from: train only the new cross-species\n"
      "                         weights, as MAISE does\n"
      "  --nn-json PATH         also write the model in the nn module's JSON\n"
      "                         format (fast evaluation; needs maise:/bp:\n"
      "                         descriptors); with --ensemble, PATH.K per member\n"
      "  --maise PATH           also write MAISE's model format (two tanh hidden\n"
      "                         layers); with --ensemble, PATH.K per member\n"
      "  --checkpoint PATH      checkpoint file (default MODEL.ckpt), written\n"
      "                         atomically every 10 epochs but at most every\n"
      "                         30 s; an existing one is resumed exactly (Adam\n"
      "                         moments, L-BFGS history); removed at the end.\n"
      "                         Ctrl-C or SIGTERM stops at the end of the\n"
      "                         epoch and writes it (exit status 1)\n"
      "  --keep-checkpoint      keep the checkpoint after success\n"
      "  --print-every N        print every N-th epoch (default 10; first and\n"
      "                         last are always printed)\n"
      "  --threads N            OpenMP threads (default: all)\n"
      "  --json                 final summary as JSON on stdout\n"
      "  -v, --verbose          log progress details on stderr\n"
      "  -h, --help             this text\n");
}

typedef struct progress {
  int every, json, epochs;
} progress;

static int on_epoch(void *user, int member, const nacre_train_epoch *ep) {
  progress *p = user;
  FILE *out = p->json ? stderr : stdout;
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
    if (*end || end == eq + 1 || v < 0) return -1;
    *eq = 0;
    if (!strcmp(t, "e")) w->energy = v;
    else if (!strcmp(t, "f")) w->force = v;
    else if (!strcmp(t, "s")) w->stress = v;
    else return -1;
  }
  return 0;
}

static int run(int argc, char **argv) {
  nacre_fit_options o;
  nacre_fit_options_init(&o);
  const char *out = NULL, *ckpt = NULL, *nnjson = NULL, *maise = NULL;
  char **inputs = calloc((size_t)argc, sizeof *inputs);
  const char **from = calloc((size_t)argc, sizeof *from);
  int nin = 0, nfrom = 0, json = 0, verbose = 0, every = 10, threads = 0, keep = 0, rc = CLI_OK;
  for (int k = 1; k < argc && rc == CLI_OK; k++) {
    const char *a = argv[k], *v = k + 1 < argc ? argv[k + 1] : NULL;
#define NEED CLI_NEED_VALUE("train")
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      help();
      free(inputs);
      free(from);
      return CLI_OK;
    } else if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
      NEED out = v;
    } else if (!strcmp(a, "--hidden")) {
      NEED int n = 0;
      char buf[256];
      snprintf(buf, sizeof buf, "%s", v);
      for (char *t = strtok(buf, ","); t && rc == CLI_OK; t = strtok(NULL, ",")) {
        if (n == NACRE_MLP_MAX_LAYERS - 2 || cli_parse_int("train", a, t, &o.hidden[n]) ||
            o.hidden[n] < 1)
          rc = cli_usage("train", "--hidden expects up to %d positive sizes, got '%s'",
                         NACRE_MLP_MAX_LAYERS - 2, v);
        n++;
      }
      o.nhidden = n;
    } else if (!strcmp(a, "--activation")) {
      NEED if (nacre_activation_parse(v, &o.act)) rc =
          cli_usage("train", "unknown activation '%s'", v);
    } else if (!strcmp(a, "--descriptors")) {
      NEED snprintf(o.descriptors, sizeof o.descriptors, "%s", v);
    } else if (!strcmp(a, "--optimizer")) {
      NEED if (!strcmp(v, "lbfgs")) o.train.optimizer = NACRE_OPT_LBFGS;
      else if (!strcmp(v, "adam")) o.train.optimizer = NACRE_OPT_ADAM;
      else rc = cli_usage("train", "--optimizer is lbfgs or adam, got '%s'", v);
    } else if (!strcmp(a, "--epochs")) {
      NEED if (cli_parse_int("train", a, v, &o.train.epochs) || o.train.epochs < 1) rc = CLI_USAGE;
    } else if (!strcmp(a, "--batch")) {
      NEED if (cli_parse_int("train", a, v, &o.train.batch_size) || o.train.batch_size < 1) rc =
          CLI_USAGE;
    } else if (!strcmp(a, "--lr")) {
      NEED if (cli_parse_double("train", a, v, &o.train.lr)) rc = CLI_USAGE;
    } else if (!strcmp(a, "--lr-decay")) {
      NEED if (cli_parse_double("train", a, v, &o.train.lr_decay)) rc = CLI_USAGE;
    } else if (!strcmp(a, "--weights")) {
      NEED if (parse_weights(v, &o.train.weights)) rc =
          cli_usage("train", "--weights expects e=A,f=B,s=C with non-negative numbers, got '%s'", v);
    } else if (!strcmp(a, "--l2")) {
      NEED if (cli_parse_double("train", a, v, &o.train.weights.l2)) rc = CLI_USAGE;
    } else if (!strcmp(a, "--split")) {
      NEED double f[2];
      if (cli_parse_list("train", a, v, 2, f)) rc = CLI_USAGE;
      else if (f[0] <= 0 || f[1] < 0 || f[0] + f[1] > 1) rc =
          cli_usage("train", "--split T,V needs T > 0, V >= 0, T + V <= 1");
      o.frac_train = f[0];
      o.frac_valid = f[1];
    } else if (!strcmp(a, "--seed")) {
      NEED int s;
      if (cli_parse_int("train", a, v, &s)) rc = CLI_USAGE;
      o.seed = (uint64_t)s;
    } else if (!strcmp(a, "--patience")) {
      NEED if (cli_parse_int("train", a, v, &o.train.patience)) rc = CLI_USAGE;
    } else if (!strcmp(a, "--time-limit")) {
      NEED if (cli_parse_double("train", a, v, &o.train.time_limit_s)) rc = CLI_USAGE;
    } else if (!strcmp(a, "--ensemble")) {
      NEED if (cli_parse_int("train", a, v, &o.ensemble) || o.ensemble < 1) rc = CLI_USAGE;
    } else if (!strcmp(a, "--from")) {
      NEED from[nfrom++] = v;
    } else if (!strcmp(a, "--freeze-from")) {
      o.freeze_from = 1;
    } else if (!strcmp(a, "--checkpoint")) {
      NEED ckpt = v;
    } else if (!strcmp(a, "--nn-json")) {
      NEED nnjson = v;
    } else if (!strcmp(a, "--maise")) {
      NEED maise = v;
    } else if (!strcmp(a, "--keep-checkpoint")) {
      keep = 1;
    } else if (!strcmp(a, "--print-every")) {
      NEED if (cli_parse_int("train", a, v, &every) || every < 1) rc = CLI_USAGE;
    } else if (!strcmp(a, "--threads")) {
      NEED if (cli_parse_int("train", a, v, &threads) || threads < 1) rc = CLI_USAGE;
    } else if (!strcmp(a, "--json")) {
      json = 1;
    } else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
      verbose = 1;
    } else if (a[0] == '-' && a[1]) {
      rc = cli_usage("train", "unknown option '%s'", a);
    } else {
      inputs[nin++] = argv[k];
    }
#undef NEED
  }
  if (rc == CLI_OK && !nin) rc = cli_usage("train", "no DATA given");
  if (rc == CLI_OK && !out) rc = cli_usage("train", "-o MODEL is required");
  if (rc == CLI_OK && o.freeze_from && !nfrom) rc = cli_usage("train", "--freeze-from needs --from");
  nacre_error err;
  nacre_error_clear(&err);
  nacre_dataset *d = NULL;
  nacre_committee **fromc = calloc((size_t)(nfrom ? nfrom : 1), sizeof *fromc);
  const nacre_train_model **fromm = calloc((size_t)(nfrom ? nfrom : 1), sizeof *fromm);
  nacre_committee *c = NULL;
  nacre_fit_report rep;
  memset(&rep, 0, sizeof rep);
  char ckbuf[4096];
  if (rc != CLI_OK) goto done;
  if (threads) omp_set_num_threads(threads);
  d = nacre_dataset_new(&err);
  for (int k = 0; k < nin && d && rc == CLI_OK; k++)
    if (nacre_dataset_read(d, inputs[k], &err)) rc = cli_fail("train", &err);
  for (int k = 0; k < nfrom && rc == CLI_OK; k++) {
    if (nacre_committee_read(from[k], &fromc[k], &err)) rc = cli_fail("train", &err);
    else fromm[k] = fromc[k]->models[0];
  }
  if (rc != CLI_OK) goto done;
  o.from = fromm;
  o.nfrom = nfrom;
  if (!ckpt) {
    snprintf(ckbuf, sizeof ckbuf, "%s.ckpt", out);
    ckpt = ckbuf;
  }
  o.train.checkpoint = ckpt;
  nacre_ctx ctx;
  cli_ctx_init(&ctx, verbose);
  FILE *txt = json ? stderr : stdout;
  fprintf(txt, "%d structures (%ld atoms) from %d source%s; %d thread%s\n", d->n,
          nacre_dataset_natoms(d), nin, nin > 1 ? "s" : "", omp_get_max_threads(),
          omp_get_max_threads() > 1 ? "s" : "");
  fprintf(txt, "model epoch   time_s  train: E meV/at  F meV/Å  S GPa   valid: E meV/at  F meV/Å  "
               "S GPa\n");
  progress pr = {every, json, o.train.epochs};
  cli_catch_interrupts(&ctx, 1);
  nacre_status fst = nacre_fit(d, &o, on_epoch, &pr, &ctx, &c, &rep, &err);
  cli_catch_interrupts(&ctx, 0);
  if (fst == NACRE_ERR_INTERRUPTED) {
    fprintf(stderr, "nacre train: %s; the checkpoint %s%s is kept: run the same "
                    "command to resume\n",
            err.message, ckpt, o.ensemble > 1 ? ".K" : "");
    rc = CLI_FAILED;
    goto done;
  }
  if (fst) {
    rc = cli_fail("train", &err);
    goto done;
  }
  if (nacre_committee_write(c, out, &err)) {
    rc = cli_fail("train", &err);
    goto done;
  }
  for (int k = 0; k < c->k && (nnjson || maise); k++) {
    char p[4200];
    if (nnjson) {
      if (c->k > 1) snprintf(p, sizeof p, "%s.%d", nnjson, k);
      else snprintf(p, sizeof p, "%s", nnjson);
      if (nacre_train_model_write_nn(c->models[k], p, &err)) {
        rc = cli_fail("train", &err);
        goto done;
      }
    }
    if (maise) {
      if (c->k > 1) snprintf(p, sizeof p, "%s.%d", maise, k);
      else snprintf(p, sizeof p, "%s", maise);
      if (nacre_train_model_write_maise(c->models[k], p, &err)) {
        rc = cli_fail("train", &err);
        goto done;
      }
    }
  }
  if (!keep) {
    remove(ckpt);
    for (int k = 0; k < o.ensemble && o.ensemble > 1; k++) {
      char p[4200];
      snprintf(p, sizeof p, "%s.%d", ckpt, k);
      remove(p);
    }
  }
  if (json) {
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "model", out);
    cJSON_AddNumberToObject(j, "ensemble", c->k);
    cJSON_AddStringToObject(j, "descriptors", c->models[0]->feat.spec);
    cJSON_AddNumberToObject(j, "train_structures", rep.ntrain);
    cJSON_AddNumberToObject(j, "valid_structures", rep.nvalid);
    cJSON_AddNumberToObject(j, "test_structures", rep.ntest);
    cJSON_AddNumberToObject(j, "train_seconds", rep.seconds);
    cJSON_AddNumberToObject(j, "descriptor_seconds", rep.features_seconds);
    cJSON_AddNumberToObject(j, "descriptor_bytes", (double)rep.features_bytes);
    const nacre_errors *e[3] = {&rep.train, &rep.valid, &rep.test};
    const char *nm[3] = {"train", "valid", "test"};
    for (int k = 0; k < 3; k++) {
      cJSON *s = cJSON_AddObjectToObject(j, nm[k]);
      cJSON_AddNumberToObject(s, "energy_rmse_mev_atom", 1e3 * e[k]->e_rmse);
      cJSON_AddNumberToObject(s, "energy_mae_mev_atom", 1e3 * e[k]->e_mae);
      cJSON_AddNumberToObject(s, "force_rmse_mev_a", 1e3 * e[k]->f_rmse);
      cJSON_AddNumberToObject(s, "force_mae_mev_a", 1e3 * e[k]->f_mae);
      cJSON_AddNumberToObject(s, "stress_rmse_gpa", e[k]->s_rmse);
    }
    char *t = cJSON_Print(j);
    printf("%s\n", t);
    free(t);
    cJSON_Delete(j);
  } else {
    printf("descriptors %.60s%s (%d components): %.2f s, %.2f MB stored\n",
           c->models[0]->feat.spec, strlen(c->models[0]->feat.spec) > 60 ? "..." : "",
           c->models[0]->dim, rep.features_seconds, rep.features_bytes / 1e6);
    printf("split: %d train, %d validation, %d test; training %.1f s\n", rep.ntrain, rep.nvalid,
           rep.ntest, rep.seconds);
    if (rep.ntest)
      printf("test: energy RMSE %.3f meV/atom (MAE %.3f), forces RMSE %.1f meV/Å (MAE %.1f), "
             "stress RMSE %.3f GPa\n",
             1e3 * rep.test.e_rmse, 1e3 * rep.test.e_mae, 1e3 * rep.test.f_rmse,
             1e3 * rep.test.f_mae, rep.test.s_rmse);
    printf("wrote %s\n", out);
  }
done:
  nacre_dataset_free(d);
  for (int k = 0; k < nfrom; k++) nacre_committee_free(fromc[k]);
  free(fromc);
  free(fromm);
  nacre_committee_free(c);
  free(rep.test_idx);
  free(inputs);
  free(from);
  return rc;
}

const nacre_command nacre_cmd_train = {"train", "fit a neural-network potential (or a committee) to data", run};
