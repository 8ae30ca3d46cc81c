/* cmd_test.c — `nacre test MODEL DATA...`: errors of a trained model (or
 * committee) on labelled data, the worst structures, parity data (CSV) and
 * a parity plot (SVG). */
#include <cjson/cJSON.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "nacre/pot.h"
#include "nacre/train.h"

static void help(void) {
  printf(
      "Usage: nacre test [options] MODEL DATA...\n"
      "\n"
      "Evaluates MODEL (a model or committee file written by 'nacre train',\n"
      "or any potential nacre loads: MAISE or nn JSON models, EAM files,\n"
      "inline specs such as lj:...) on every structure of DATA (formats as for 'nacre data') and\n"
      "reports RMSE and MAE of the energy per atom (meV/atom), force\n"
      "components (meV/Å) and stress components (GPa), the same by class\n"
      "when the frames name more than one (extended XYZ info key config_type,\n"
      "else kind), and the structures with the largest energy errors. For a\n"
      "committee the prediction is the mean of its members, and the largest\n"
      "energy deviation per atom and atomic force deviation are reported.\n"
      "\n"
      "Options:\n"
      "  --csv PREFIX     write PREFIX.energy.csv (source, atoms, reference and\n"
      "                   predicted eV/atom, committee deviations) and\n"
      "                   PREFIX.forces.csv (source, atom, component, reference\n"
      "                   and predicted eV/Å)\n"
      "  --plot FILE.svg  parity plot of energies and forces (SVG)\n"
      "  --worst N        list the N worst structures (default 5), with their\n"
      "                   config_type or kind info key when they have one\n"
      "  --threads N      OpenMP threads (default: all)\n"
      "  --json           machine-readable report on stdout\n"
      "  -h, --help       this text\n");
}

static int cmp_desc(const void *a, const void *b, void *ctx) {
  const double *err = ctx;
  double x = err[*(const int *)a], y = err[*(const int *)b];
  return (x < y) - (x > y);
}

/* insertion sort by descending error (n is small in practice) */
static void sort_worst(int *idx, int n, const double *err) {
  for (int i = 1; i < n; i++) {
    int v = idx[i], j = i;
    while (j > 0 && cmp_desc(&idx[j - 1], &v, (void *)err) > 0) {
      idx[j] = idx[j - 1];
      j--;
    }
    idx[j] = v;
  }
}

static int run(int argc, char **argv) {
  const char *csv = NULL, *plot = NULL, *model = NULL;
  char **inputs = calloc((size_t)argc, sizeof *inputs);
  int nin = 0, worst = 5, json = 0, threads = 0, rc = CLI_OK;
  for (int k = 1; k < argc && rc == CLI_OK; k++) {
    const char *a = argv[k], *v = k + 1 < argc ? argv[k + 1] : NULL;
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      help();
      free(inputs);
      return CLI_OK;
    } else if (!strcmp(a, "--csv") || !strcmp(a, "--plot") || !strcmp(a, "--worst") ||
               !strcmp(a, "--threads")) {
      if (!v) {
        rc = cli_usage("test", "%s needs a value", a);
        break;
      }
      k++;
      if (!strcmp(a, "--csv")) csv = v;
      else if (!strcmp(a, "--plot")) plot = v;
      else if (!strcmp(a, "--worst")) {
        if (cli_parse_int("test", a, v, &worst) || worst < 0) rc = CLI_USAGE;
      } else if (cli_parse_int("test", a, v, &threads) || threads < 1) rc = CLI_USAGE;
    } else if (!strcmp(a, "--json")) {
      json = 1;
    } else if (a[0] == '-' && a[1]) {
      rc = cli_usage("test", "unknown option '%s'", a);
    } else if (!model) {
      model = a;
    } else {
      inputs[nin++] = argv[k];
    }
  }
  if (rc == CLI_OK && (!model || !nin)) rc = cli_usage("test", "need MODEL and DATA");
  if (rc != CLI_OK) {
    free(inputs);
    return rc;
  }
  if (threads) omp_set_num_threads(threads);
  nacre_error err;
  nacre_error_clear(&err);
  nacre_committee *c = NULL;
  nacre_potential *pot = NULL;
  nacre_dataset *d = nacre_dataset_new(&err);
  double *e = NULL, *f = NULL, *ser = NULL, *rf = NULL;
  double (*s)[6] = NULL;
  nacre_committee_result *res = NULL;
  int *order = NULL;
  const char **cls = NULL; /* distinct classes of the samples */
  int *ccount = NULL, unclassified = 0;
  FILE *probe = fopen(model, "r");
  char head[32] = "";
  if (probe) {
    if (!fgets(head, sizeof head, probe)) head[0] = 0;
    fclose(probe);
  }
  if (!strncmp(head, "nacre-train-", 12)) {
    if (nacre_committee_read(model, &c, &err)) {
      rc = cli_fail("test", &err);
      goto done;
    }
  } else if (nacre_potential_load(model, &pot, &err)) {
    rc = cli_fail("test", &err);
    goto done;
  }
  for (int k = 0; k < nin && rc == CLI_OK; k++)
    if (nacre_dataset_read(d, inputs[k], &err)) rc = cli_fail("test", &err);
  if (rc != CLI_OK) goto done;
  long nat = nacre_dataset_natoms(d);
  int n = d->n;
  e = malloc((size_t)(n ? n : 1) * sizeof *e);
  f = malloc(3 * (size_t)(nat ? nat : 1) * sizeof *f);
  s = malloc((size_t)(n ? n : 1) * sizeof *s);
  res = malloc((size_t)(n ? n : 1) * sizeof *res);
  ser = malloc((size_t)(n ? n : 1) * sizeof *ser);
  order = malloc((size_t)(n ? n : 1) * sizeof *order);
  if (!e || !f || !s || !res || !ser || !order) {
    nacre_error_set(&err, NACRE_ERR_NOMEM, "out of memory");
    rc = cli_fail("test", &err);
    goto done;
  }
  nacre_errors er;
  memset(res, 0, (size_t)(n ? n : 1) * sizeof *res);
  if (c ? nacre_committee_evaluate(c, d, e, f, s, res, &er, &err)
        : nacre_potential_evaluate(pot, d, e, f, s, &er, &err)) {
    rc = cli_fail("test", &err);
    goto done;
  }
  double edev = 0, fdev = 0;
  for (int q = 0; q < n; q++) {
    const nacre_sample *sm = &d->items[q];
    ser[q] = (sm->has & NACRE_LABEL_ENERGY) && sm->s->natoms
                 ? fabs(e[q] - sm->energy) / sm->s->natoms
                 : 0;
    order[q] = q;
    if (res[q].energy_dev_per_atom > edev) edev = res[q].energy_dev_per_atom;
    if (res[q].force_dev_max > fdev) fdev = res[q].force_dev_max;
  }
  sort_worst(order, n, ser);
  if (worst > n) worst = n;
  /* errors by class (config_type, else kind) when the data name more than
   * one; samples without a class form one more group */
  int ncls = nacre_dataset_classes(d, &cls, &ccount, &unclassified);
  int ngroups = ncls + (unclassified > 0), by_class = cls && ngroups > 1;
  if (csv) {
    char path[4096];
    snprintf(path, sizeof path, "%s.energy.csv", csv);
    FILE *fp = fopen(path, "w");
    if (!fp) {
      nacre_error_set(&err, NACRE_ERR_IO, "%s: cannot write", path);
      rc = cli_fail("test", &err);
      goto done;
    }
    fprintf(fp, "source,natoms,e_ref_ev_atom,e_pred_ev_atom,e_dev_ev_atom,f_dev_max_ev_a\n");
    for (int q = 0; q < n; q++) {
      const nacre_sample *sm = &d->items[q];
      int na = sm->s->natoms ? sm->s->natoms : 1;
      if (sm->has & NACRE_LABEL_ENERGY)
        fprintf(fp, "%s,%d,%.10g,%.10g,%.6g,%.6g\n", sm->source ? sm->source : "", sm->s->natoms,
                sm->energy / na, e[q] / na, res[q].energy_dev_per_atom, res[q].force_dev_max);
    }
    fclose(fp);
    snprintf(path, sizeof path, "%s.forces.csv", csv);
    fp = fopen(path, "w");
    if (!fp) {
      nacre_error_set(&err, NACRE_ERR_IO, "%s: cannot write", path);
      rc = cli_fail("test", &err);
      goto done;
    }
    fprintf(fp, "source,atom,component,f_ref_ev_a,f_pred_ev_a\n");
    long off = 0;
    for (int q = 0; q < n; q++) {
      const nacre_sample *sm = &d->items[q];
      if (sm->has & NACRE_LABEL_FORCES)
        for (int k = 0; k < 3 * sm->s->natoms; k++)
          fprintf(fp, "%s,%d,%c,%.8g,%.8g\n", sm->source ? sm->source : "", k / 3, "xyz"[k % 3],
                  sm->forces[k], f[off + k]);
      off += 3L * sm->s->natoms;
    }
    fclose(fp);
  }
  if (plot) {
    double *re = malloc((size_t)(n ? n : 1) * sizeof *re), *pe = malloc((size_t)(n ? n : 1) * sizeof *pe);
    rf = malloc(3 * (size_t)(nat ? nat : 1) * sizeof *rf);
    double *pf = malloc(3 * (size_t)(nat ? nat : 1) * sizeof *pf);
    long ne = 0, nf = 0, off = 0;
    for (int q = 0; q < n && re && pe && rf && pf; q++) {
      const nacre_sample *sm = &d->items[q];
      if ((sm->has & NACRE_LABEL_ENERGY) && sm->s->natoms) {
        re[ne] = sm->energy / sm->s->natoms;
        pe[ne++] = e[q] / sm->s->natoms;
      }
      if (sm->has & NACRE_LABEL_FORCES)
        for (int k = 0; k < 3 * sm->s->natoms; k++) {
          rf[nf] = sm->forces[k];
          pf[nf++] = f[off + k];
        }
      off += 3L * sm->s->natoms;
    }
    nacre_parity_series ps[2] = {{"Energy", "eV/atom", ne, re, pe},
                                 {"Forces", "eV/Å", nf, rf, pf}};
    if (!re || !pe || !rf || !pf) nacre_error_set(&err, NACRE_ERR_NOMEM, "out of memory");
    else if (!nacre_parity_svg(plot, ps, nf ? 2 : 1, &err)) nacre_error_clear(&err);
    free(re);
    free(pe);
    free(pf);
    if (err.status) {
      rc = cli_fail("test", &err);
      goto done;
    }
  }
  if (json) {
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "model", model);
    cJSON_AddNumberToObject(j, "committee_size", c ? c->k : 1);
    cJSON_AddNumberToObject(j, "structures", n);
    cJSON_AddNumberToObject(j, "energy_rmse_mev_atom", 1e3 * er.e_rmse);
    cJSON_AddNumberToObject(j, "energy_mae_mev_atom", 1e3 * er.e_mae);
    cJSON_AddNumberToObject(j, "force_rmse_mev_a", 1e3 * er.f_rmse);
    cJSON_AddNumberToObject(j, "force_mae_mev_a", 1e3 * er.f_mae);
    cJSON_AddNumberToObject(j, "stress_rmse_gpa", er.s_rmse);
    cJSON_AddNumberToObject(j, "stress_mae_gpa", er.s_mae);
    cJSON_AddNumberToObject(j, "max_energy_deviation_mev_atom", 1e3 * edev);
    cJSON_AddNumberToObject(j, "max_force_deviation_mev_a", 1e3 * fdev);
    if (by_class) {
      cJSON *bc = cJSON_AddArrayToObject(j, "by_class");
      for (int k = 0; k < ngroups; k++) {
        nacre_errors ce;
        nacre_errors_compute(d, e, f, (const double(*)[6])s, 0,
                             k < ncls ? cls[k] : NULL, &ce);
        cJSON *o = cJSON_CreateObject();
        if (k < ncls) cJSON_AddStringToObject(o, "class", cls[k]);
        else cJSON_AddNullToObject(o, "class");
        cJSON_AddNumberToObject(o, "structures", ce.nstructures);
        cJSON_AddNumberToObject(o, "energy_rmse_mev_atom", 1e3 * ce.e_rmse);
        cJSON_AddNumberToObject(o, "force_rmse_mev_a", 1e3 * ce.f_rmse);
        cJSON_AddNumberToObject(o, "stress_rmse_gpa", ce.s_rmse);
        cJSON_AddItemToArray(bc, o);
      }
    }
    cJSON *w = cJSON_AddArrayToObject(j, "worst");
    for (int k = 0; k < worst; k++) {
      cJSON *o = cJSON_CreateObject();
      const nacre_sample *sm = &d->items[order[k]];
      cJSON_AddStringToObject(o, "source", sm->source ? sm->source : "");
      cJSON_AddNumberToObject(o, "natoms", sm->s->natoms);
      if (nacre_sample_class(sm))
        cJSON_AddStringToObject(o, "class", nacre_sample_class(sm));
      cJSON_AddNumberToObject(o, "energy_error_mev_atom", 1e3 * ser[order[k]]);
      cJSON_AddItemToArray(w, o);
    }
    char *t = cJSON_Print(j);
    printf("%s\n", t);
    free(t);
    cJSON_Delete(j);
  } else {
    printf("%d structures, model %s (committee of %d)\n", n, model, c ? c->k : 1);
    printf("energy  RMSE %9.3f  MAE %9.3f meV/atom\n", 1e3 * er.e_rmse, 1e3 * er.e_mae);
    if (er.nforce_components)
      printf("forces  RMSE %9.2f  MAE %9.2f meV/Å\n", 1e3 * er.f_rmse, 1e3 * er.f_mae);
    if (er.nstress_components)
      printf("stress  RMSE %9.4f  MAE %9.4f GPa\n", er.s_rmse, er.s_mae);
    if (c && c->k > 1)
      printf("committee: largest energy deviation %.3f meV/atom, largest atomic force "
             "deviation %.1f meV/Å\n",
             1e3 * edev, 1e3 * fdev);
    if (by_class) {
      printf("by class (config_type or kind): structures, RMSE of energy "
             "(meV/atom), forces (meV/Å), stress (GPa)\n");
      for (int k = 0; k < ngroups; k++) {
        nacre_errors ce;
        nacre_errors_compute(d, e, f, (const double(*)[6])s, 0,
                             k < ncls ? cls[k] : NULL, &ce);
        printf("  %-16s %6d %10.3f %9.2f %9.4f\n",
               k < ncls ? cls[k] : "(none)", ce.nstructures, 1e3 * ce.e_rmse,
               1e3 * ce.f_rmse, ce.s_rmse);
      }
    }
    if (worst) printf("worst structures (|ΔE| meV/atom):\n");
    for (int k = 0; k < worst; k++) {
      const nacre_sample *sm = &d->items[order[k]];
      const char *cls = nacre_sample_class(sm);
      printf("  %10.3f  %s (%d atoms%s%s)\n", 1e3 * ser[order[k]],
             sm->source ? sm->source : "?", sm->s->natoms, cls ? ", " : "",
             cls ? cls : "");
    }
  }
done:
  free(cls);
  free(ccount);
  free(inputs);
  free(e);
  free(f);
  free(s);
  free(res);
  free(ser);
  free(order);
  free(rf);
  nacre_committee_free(c);
  nacre_potential_free(pot);
  nacre_dataset_free(d);
  return rc;
}

const nacre_command nacre_cmd_test = {"test", "errors of a trained model on labelled data, parity CSV and plot", run};
