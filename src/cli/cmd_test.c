/* cmd_test.c — `nacre test MODEL DATA...`: errors of a potential (a trained
 * model, a committee, any potential spec) on labelled data, by class, the
 * worst structures, parity data (CSV) and plot (SVG). Parses options into
 * a nacre_test_job, calls nacre_test_files, prints. */
#include <cjson/cJSON.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "nacre/pot.h"
#include "nacre/train.h"

#define CMD "test"

static void help(void) {
  printf(
      "Usage: nacre test [options] MODEL DATA...\n"
      "       nacre test [options] -p MODEL DATA...\n"
      "\n"
      "Evaluates MODEL (a model or committee file written by 'nacre train',\n"
      "or any potential nacre loads: MAISE or nacre JSON models, EAM files,\n"
      "inline specs such as lj:..., committee:A,B,...) on every structure of\n"
      "DATA (formats as for 'nacre data') and reports RMSE and MAE of the\n"
      "energy per atom (meV/atom), force components (meV/Å) and stress\n"
      "components (GPa), the same by class when the frames name more than one\n"
      "(extended XYZ info key config_type, else kind), and the structures with\n"
      "the largest energy errors. For a committee the prediction is the mean\n"
      "of its members, and the largest energy deviation per atom and atomic\n"
      "force deviation (σ_f) are reported. Measure on data the model did not\n"
      "see: the test file of 'nacre train --test', or its held-out split.\n"
      "\n"
      "Options:\n"
      "  -p, --potential MODEL  the potential (instead of the first argument)\n"
      "  --csv PREFIX     write PREFIX.energy.csv (source, atoms, reference and\n"
      "                   predicted eV/atom, committee deviations) and\n"
      "                   PREFIX.forces.csv (source, atom, component, reference\n"
      "                   and predicted eV/Å)\n"
      "  --plot FILE.svg  parity plot of energies and forces (SVG): predicted\n"
      "                   against reference and the residuals, with RMSE and MAE\n"
      "  --plot-train DATA  also draw DATA (e.g. the training data) in the\n"
      "                   plot, in its own colour, labelled training\n"
      "  --worst N        list the N worst structures (default 5), with their\n"
      "                   config_type or kind info key when they have one\n"
      "  -j, --jobs N     OpenMP threads (default: all)\n"
      "  --json           machine-readable report on stdout\n"
      "  -h, --help       this text\n");
}

static void add_errors(cJSON *o, const nacre_errors *e) {
  cJSON_AddNumberToObject(o, "energy_rmse_mev_atom", 1e3 * e->e_rmse);
  cJSON_AddNumberToObject(o, "energy_mae_mev_atom", 1e3 * e->e_mae);
  cJSON_AddNumberToObject(o, "force_rmse_mev_a", 1e3 * e->f_rmse);
  cJSON_AddNumberToObject(o, "force_mae_mev_a", 1e3 * e->f_mae);
  cJSON_AddNumberToObject(o, "stress_rmse_gpa", e->s_rmse);
  cJSON_AddNumberToObject(o, "stress_mae_gpa", e->s_mae);
}

static void print_json(const nacre_test_job *job, const nacre_test_report *r) {
  cJSON *j = cJSON_CreateObject();
  cJSON_AddStringToObject(j, "potential", job->potential);
  cJSON_AddNumberToObject(j, "committee_size", r->committee_size);
  cJSON_AddNumberToObject(j, "structures", r->data->n);
  add_errors(j, &r->errors);
  if (r->committee_size) {
    cJSON_AddNumberToObject(j, "committee_energy_deviation_per_atom_ev", r->max_energy_dev);
    cJSON_AddNumberToObject(j, "committee_force_deviation_max_ev_a", r->max_force_dev);
  }
  if (r->domain.known)
    cJSON_AddNumberToObject(j, "outside_training_domain", (double)r->domain.outside);
  if (r->nclasses) {
    cJSON *bc = cJSON_AddArrayToObject(j, "by_class");
    for (int k = 0; k < r->nclasses; k++) {
      cJSON *o = cJSON_CreateObject();
      if (r->classes[k].name) cJSON_AddStringToObject(o, "class", r->classes[k].name);
      else cJSON_AddNullToObject(o, "class");
      cJSON_AddNumberToObject(o, "structures", r->classes[k].errors.nstructures);
      add_errors(o, &r->classes[k].errors);
      cJSON_AddItemToArray(bc, o);
    }
  }
  cJSON *w = cJSON_AddArrayToObject(j, "worst");
  for (int k = 0; k < r->nworst; k++) {
    cJSON *o = cJSON_CreateObject();
    const nacre_sample *sm = &r->data->items[r->worst[k].index];
    cJSON_AddStringToObject(o, "source", sm->source ? sm->source : "");
    cJSON_AddNumberToObject(o, "natoms", sm->s->natoms);
    if (nacre_sample_class(sm)) cJSON_AddStringToObject(o, "class", nacre_sample_class(sm));
    cJSON_AddNumberToObject(o, "energy_error_mev_atom", 1e3 * r->worst[k].energy_error);
    cJSON_AddItemToArray(w, o);
  }
  char *t = cJSON_Print(j);
  printf("%s\n", t);
  free(t);
  cJSON_Delete(j);
}

static void print_text(const nacre_test_job *job, const nacre_test_report *r) {
  const nacre_errors *e = &r->errors;
  int n = r->data->n;
  printf("%d structure%s, potential %s", n, n == 1 ? "" : "s", job->potential);
  if (r->committee_size) printf(" (committee of %d)", r->committee_size);
  printf("\nenergy  RMSE %9.3f  MAE %9.3f meV/atom\n", 1e3 * e->e_rmse, 1e3 * e->e_mae);
  if (e->nforce_components)
    printf("forces  RMSE %9.2f  MAE %9.2f meV/Å\n", 1e3 * e->f_rmse, 1e3 * e->f_mae);
  if (e->nstress_components) printf("stress  RMSE %9.4f  MAE %9.4f GPa\n", e->s_rmse, e->s_mae);
  if (r->committee_size > 1)
    printf("committee: largest energy deviation %.3f meV/atom, largest atomic force "
           "deviation %.1f meV/Å\n",
           1e3 * r->max_energy_dev, 1e3 * r->max_force_dev);
  if (r->nclasses) {
    printf("by class (config_type or kind): structures, RMSE of energy (meV/atom), "
           "forces (meV/Å), stress (GPa)\n");
    for (int k = 0; k < r->nclasses; k++) {
      const nacre_errors *c = &r->classes[k].errors;
      printf("  %-16s %6d %10.3f %9.2f %9.4f\n",
             r->classes[k].name ? r->classes[k].name : "(none)", c->nstructures,
             1e3 * c->e_rmse, 1e3 * c->f_rmse, c->s_rmse);
    }
  }
  if (r->nworst) printf("worst structures (|ΔE| meV/atom):\n");
  for (int k = 0; k < r->nworst; k++) {
    const nacre_sample *sm = &r->data->items[r->worst[k].index];
    const char *cls = nacre_sample_class(sm);
    printf("  %10.3f  %s (%d atom%s%s%s)\n", 1e3 * r->worst[k].energy_error,
           sm->source ? sm->source : "?", sm->s->natoms, sm->s->natoms == 1 ? "" : "s",
           cls ? ", " : "", cls ? cls : "");
  }
}

static int run(int argc, char **argv) {
  nacre_test_job job;
  nacre_test_job_init(&job);
  const char **data = calloc((size_t)argc, sizeof *data);
  int json = 0, threads = 0, rc = data ? CLI_OK : CLI_FAILED;
  for (int k = 1; k < argc && rc == CLI_OK; k++) {
    const char *a = argv[k], *v = k + 1 < argc ? argv[k + 1] : NULL;
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      help();
      free(data);
      return CLI_OK;
    } else if (!strcmp(a, "--json")) {
      json = 1;
    } else if (!strcmp(a, "--csv") || !strcmp(a, "--plot") || !strcmp(a, "--plot-train") ||
               !strcmp(a, "--worst") || !strcmp(a, "-j") || !strcmp(a, "--jobs") ||
               !strcmp(a, "--threads") || !strcmp(a, "-p") || !strcmp(a, "--potential")) {
      CLI_NEED_VALUE(CMD)
      if (!strcmp(a, "--csv")) job.csv_prefix = v;
      else if (!strcmp(a, "--plot")) job.plot = v;
      else if (!strcmp(a, "--plot-train")) job.plot_reference = v;
      else if (!strcmp(a, "-p") || !strcmp(a, "--potential")) job.potential = v;
      else if (!strcmp(a, "--worst")) {
        if (cli_parse_int(CMD, a, v, &job.worst)) rc = CLI_USAGE;
        else if (job.worst < 0) rc = cli_usage(CMD, "--worst expects N >= 0, got %s", v);
      } else if (cli_parse_int(CMD, a, v, &threads)) {
        rc = CLI_USAGE;
      } else if (threads < 1) {
        rc = cli_usage(CMD, "%s expects an integer >= 1, got %s", a, v);
      }
    } else if (a[0] == '-' && a[1]) {
      rc = cli_usage(CMD, "unknown option '%s'", a);
    } else if (!job.potential) {
      job.potential = a;
    } else {
      data[job.ndata++] = a;
    }
  }
  job.data = data;
  if (rc == CLI_OK && (!job.potential || !job.ndata)) rc = cli_usage(CMD, "need MODEL and DATA");
  if (rc == CLI_OK && job.plot_reference && !job.plot)
    rc = cli_usage(CMD, "--plot-train needs --plot");
  if (rc == CLI_OK) {
    if (threads) omp_set_num_threads(threads);
    nacre_error err;
    nacre_error_clear(&err);
    nacre_test_report r;
    if (nacre_test_files(&job, &r, &err)) {
      rc = cli_fail(CMD, &err);
    } else {
      char msg[1024];
      if (r.potential_note[0]) fprintf(stderr, "nacre test: note: %s\n", r.potential_note);
      if (nacre_domain_counts_message(&r.domain, "structures", msg, sizeof msg))
        fprintf(stderr, "nacre test: warning: %s\n", msg);
      if (json) print_json(&job, &r);
      else print_text(&job, &r);
      nacre_test_report_free(&r);
    }
  }
  free(data);
  return rc;
}

const nacre_command nacre_cmd_test = {"test", "errors of a trained model on labelled data, parity CSV and plot", run};
