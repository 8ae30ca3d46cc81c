/* job.c — the train and test commands as library calls: read the files,
 * fit or evaluate, write the models (checking that every file written
 * reloads to the trained model) and the parity files. The command-line
 * layer only parses options into these jobs and prints. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nacre/io.h"
#include "nacre/nn.h"
#include "nacre/pot.h"
#include "nacre/train.h"

/* ------------------------------------------------------------------ */
/* train                                                              */
/* ------------------------------------------------------------------ */

void nacre_train_job_init(nacre_train_job *job) {
  memset(job, 0, sizeof *job);
  nacre_fit_options_init(&job->fit);
}

static nacre_status read_sets(const char *const *paths, int n, nacre_dataset **out,
                              nacre_error *err) {
  *out = nacre_dataset_new(err);
  if (!*out) return err ? err->status : NACRE_ERR_NOMEM;
  for (int k = 0; k < n; k++) {
    nacre_status st = nacre_dataset_read(*out, paths[k], err);
    if (st) return st;
  }
  return NACRE_OK;
}

/* Energy, forces and stress of s by model m's own potential. */
static nacre_status model_efs(const nacre_nn_model *m, const nacre_structure *s,
                              nacre_result *r, nacre_error *err) {
  nacre_nn_model *c = nacre_nn_model_copy(m, err);
  nacre_potential *p = NULL;
  nacre_status st = c ? nacre_nn_potential_new(c, &p, err) : NACRE_ERR_NOMEM;
  nacre_calc *calc = st ? NULL : nacre_calc_new(p, 0.0, err);
  if (!st && !calc) st = err ? err->status : NACRE_ERR_NOMEM;
  if (!st) st = nacre_result_init(r, s->natoms, err);
  if (!st) st = nacre_calc_compute(calc, s, NACRE_WANT_ALL, r, err);
  nacre_calc_free(calc);
  nacre_potential_free(p);
  return st;
}

/* Every file written must give the trained model's energies, forces and
 * stress: reread it and compare on up to 8 training structures (1e-10
 * eV/atom, eV/Å, eV/Å^3; the formats keep every digit that matters). */
#define EXPORT_TOLERANCE 1e-10

static nacre_status verify_export(const nacre_nn_model *m, const char *path,
                                  const nacre_dataset *d, nacre_error *err) {
  nacre_nn_model *back = NULL;
  nacre_status st = nacre_nn_model_read(path, &back, err);
  if (st) return nacre_error_prefix(err, "rereading what was written: ");
  double worst = 0.0;
  for (int q = 0; q < d->n && q < 8 && !st; q++) {
    const nacre_structure *s = d->items[q].s;
    nacre_result a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    st = model_efs(m, s, &a, err);
    if (!st) st = model_efs(back, s, &b, err);
    if (!st) {
      worst = fmax(worst, fabs(a.energy - b.energy) / (s->natoms ? s->natoms : 1));
      for (int k = 0; k < 3 * s->natoms; k++) worst = fmax(worst, fabs(a.forces[k] - b.forces[k]));
      for (int v = 0; v < 6; v++) worst = fmax(worst, fabs(a.stress[v] - b.stress[v]));
    }
    nacre_result_free(&a);
    nacre_result_free(&b);
  }
  nacre_nn_model_free(back);
  if (!st && !(worst <= EXPORT_TOLERANCE))
    st = nacre_error_set(err, NACRE_ERR_NUMERIC,
                         "%s: the file written gives results that differ from "
                         "the trained model's by %.3g (tolerance %g)",
                         path, worst, EXPORT_TOLERANCE);
  return st;
}

static void member_path(char *buf, size_t len, const char *path, int k, int K) {
  if (K > 1)
    snprintf(buf, len, "%s.%d", path, k);
  else
    snprintf(buf, len, "%s", path);
}

static nacre_status write_outputs(const nacre_train_job *job, nacre_nn_model **ms,
                                  int K, const nacre_dataset *d, nacre_error *err) {
  nacre_status st = K == 1 ? nacre_nn_model_write(ms[0], job->output, err)
                           : nacre_nn_committee_write((const nacre_nn_model *const *)ms, K,
                                                      job->output, err);
  if (!st && K == 1) st = verify_export(ms[0], job->output, d, err);
  char p[4200];
  for (int k = 0; k < K && !st; k++) {
    if (job->json_copy) {
      member_path(p, sizeof p, job->json_copy, k, K);
      st = nacre_nn_model_write(ms[k], p, err);
      if (!st) st = verify_export(ms[k], p, d, err);
    }
    if (!st && job->maise) {
      member_path(p, sizeof p, job->maise, k, K);
      st = nacre_nn_model_write_maise(ms[k], p, err);
      if (!st) st = verify_export(ms[k], p, d, err);
    }
  }
  return st;
}

static void remove_checkpoints(const char *ckpt, int K) {
  if (K == 1) {
    remove(ckpt);
    return;
  }
  char p[4200];
  for (int k = 0; k < K; k++) {
    snprintf(p, sizeof p, "%s.%d", ckpt, k);
    remove(p);
  }
}

nacre_status nacre_train_files(const nacre_train_job *job,
                               const nacre_train_callbacks *cb,
                               const nacre_ctx *ctx, nacre_train_summary *out,
                               nacre_error *err) {
  memset(out, 0, sizeof *out);
  nacre_fit_options o = job->fit;
  if (!job->output || job->ndata < 1)
    return nacre_error_set(err, NACRE_ERR_INVALID, "training needs data and an output file");
  if (job->maise) {
    o.maise_repulsion = 1; /* MAISE evaluates every model file with it */
    nacre_status st = nacre_fit_options_maise_compatible(&o, err);
    if (st) return nacre_error_prefix(err, "--maise %s: ", job->maise);
  }
  nacre_dataset *d = NULL, *valid = NULL, *test = NULL;
  nacre_nn_model **from = calloc((size_t)(job->nfrom ? job->nfrom : 1), sizeof *from);
  nacre_nn_model **ms = NULL;
  char ckbuf[4096];
  int K = o.ensemble > 0 ? o.ensemble : 1;
  nacre_status st = from ? read_sets(job->data, job->ndata, &d, err)
                         : nacre_error_set(err, NACRE_ERR_NOMEM, "models");
  if (!st && job->valid) st = read_sets(&job->valid, 1, &valid, err);
  if (!st && job->test) st = read_sets(&job->test, 1, &test, err);
  for (int k = 0; k < job->nfrom && !st; k++) { /* member 0 of a committee */
    nacre_nn_model **fm;
    int fk;
    if (!(st = nacre_nn_models_read(job->from[k], &fm, &fk, err))) {
      from[k] = fm[0];
      for (int q = 1; q < fk; q++) nacre_nn_model_free(fm[q]);
      free(fm);
    }
  }
  if (st) goto done;
  o.from = (const nacre_nn_model *const *)from;
  o.nfrom = job->nfrom;
  if (!o.train.checkpoint) {
    if (strlen(job->output) + 6 > sizeof ckbuf) {
      st = nacre_error_set(err, NACRE_ERR_INVALID, "output path too long");
      goto done;
    }
    snprintf(ckbuf, sizeof ckbuf, "%s.ckpt", job->output);
    o.train.checkpoint = ckbuf;
  }
  snprintf(out->checkpoint, sizeof out->checkpoint, "%s", o.train.checkpoint);
  out->ensemble = K;
  out->nsources = job->ndata + (job->valid != NULL) + (job->test != NULL);
  const nacre_dataset *all[3] = {d, valid, test};
  for (int q = 0; q < 3; q++)
    if (all[q]) {
      out->nstructures += all[q]->n;
      out->natoms += nacre_dataset_natoms(all[q]);
    }
  if (cb && cb->ready) cb->ready(cb->user, out);
  st = nacre_fit(d, valid, test, &o, cb ? cb->epoch : NULL, cb ? cb->user : NULL, ctx,
                 &ms, &out->fit, err);
  if (!st) st = write_outputs(job, ms, K, d, err);
  if (!st && !job->keep_checkpoint) remove_checkpoints(o.train.checkpoint, K);
done:
  for (int k = 0; ms && k < K; k++) nacre_nn_model_free(ms[k]);
  free(ms);
  for (int k = 0; from && k < job->nfrom; k++) nacre_nn_model_free(from[k]);
  free(from);
  nacre_dataset_free(d);
  nacre_dataset_free(valid);
  nacre_dataset_free(test);
  return st;
}

nacre_status nacre_convert_model(const char *in, const char *out,
                                 nacre_error *err) {
  nacre_nn_model **ms;
  int k;
  nacre_status st = nacre_nn_models_read(in, &ms, &k, err);
  if (st) return st;
  st = k == 1 ? nacre_nn_model_write(ms[0], out, err)
              : nacre_nn_committee_write((const nacre_nn_model *const *)ms, k, out, err);
  for (int q = 0; q < k; q++) nacre_nn_model_free(ms[q]);
  free(ms);
  return st;
}

/* ------------------------------------------------------------------ */
/* test                                                               */
/* ------------------------------------------------------------------ */

void nacre_test_job_init(nacre_test_job *job) {
  memset(job, 0, sizeof *job);
  job->worst = 5;
}

void nacre_test_report_free(nacre_test_report *rep) {
  nacre_dataset_free(rep->data);
  free(rep->classes);
  free(rep->worst);
  memset(rep, 0, sizeof *rep);
}

typedef struct predictions {
  double *e, *f, *edev, *fdev;
  double (*s)[6];
} predictions;

static void predictions_free(predictions *p) {
  free(p->e);
  free(p->f);
  free(p->edev);
  free(p->fdev);
  free(p->s);
}

static nacre_status predict(const nacre_potential *pot, const nacre_dataset *d,
                            predictions *p, nacre_domain_counts *dom,
                            nacre_errors *errs, nacre_error *err) {
  size_t n = d->n ? (size_t)d->n : 1, nat = (size_t)nacre_dataset_natoms(d);
  p->e = malloc(n * sizeof *p->e);
  p->f = malloc(3 * (nat ? nat : 1) * sizeof *p->f);
  p->edev = calloc(n, sizeof *p->edev);
  p->fdev = calloc(n, sizeof *p->fdev);
  p->s = malloc(n * sizeof *p->s);
  if (!p->e || !p->f || !p->edev || !p->fdev || !p->s)
    return nacre_error_set(err, NACRE_ERR_NOMEM, "predictions");
  return nacre_potential_evaluate(pot, d, p->e, p->f, p->s, p->edev, p->fdev, dom, errs, err);
}

static int cmp_worst(const void *a, const void *b) {
  const nacre_test_worst *x = a, *y = b;
  if (x->energy_error != y->energy_error) return x->energy_error < y->energy_error ? 1 : -1;
  return x->index - y->index;
}

static nacre_status worst_list(const nacre_dataset *d, const predictions *p, int nworst,
                               nacre_test_report *rep, nacre_error *err) {
  int n = d->n;
  nacre_test_worst *all = malloc((size_t)(n ? n : 1) * sizeof *all);
  if (!all) return nacre_error_set(err, NACRE_ERR_NOMEM, "worst list");
  for (int q = 0; q < n; q++) {
    const nacre_sample *sm = &d->items[q];
    all[q].index = q;
    all[q].energy_error = (sm->has & NACRE_LABEL_ENERGY) && sm->s->natoms
                              ? fabs(p->e[q] - sm->energy) / sm->s->natoms
                              : 0;
    if (p->edev[q] > rep->max_energy_dev) rep->max_energy_dev = p->edev[q];
    if (p->fdev[q] > rep->max_force_dev) rep->max_force_dev = p->fdev[q];
  }
  qsort(all, (size_t)n, sizeof *all, cmp_worst);
  rep->nworst = nworst < n ? nworst : n;
  rep->worst = all;
  return NACRE_OK;
}

static nacre_status class_errors(const nacre_dataset *d, const predictions *p,
                                 nacre_test_report *rep, nacre_error *err) {
  const char **cls = NULL;
  int *ccount = NULL, unclassified = 0;
  int ncls = nacre_dataset_classes(d, &cls, &ccount, &unclassified);
  if (ncls < 0) return nacre_error_set(err, NACRE_ERR_NOMEM, "classes");
  int ngroups = ncls + (unclassified > 0);
  if (ngroups > 1 && ncls > 0) {
    rep->classes = calloc((size_t)ngroups, sizeof *rep->classes);
    if (!rep->classes) {
      free(cls);
      free(ccount);
      return nacre_error_set(err, NACRE_ERR_NOMEM, "classes");
    }
    rep->nclasses = ngroups;
    for (int k = 0; k < ngroups; k++) {
      rep->classes[k].name = k < ncls ? cls[k] : NULL; /* borrowed from rep->data */
      nacre_errors_compute(d, p->e, p->f, (const double(*)[6])p->s, 0,
                           rep->classes[k].name, &rep->classes[k].errors);
    }
  }
  free(cls);
  free(ccount);
  return NACRE_OK;
}

static nacre_status write_csv(const char *prefix, const nacre_dataset *d,
                              const predictions *p, nacre_error *err) {
  char path[4200];
  snprintf(path, sizeof path, "%s.energy.csv", prefix);
  nacre_atomic_file af;
  nacre_status st = nacre_atomic_open(&af, path, err);
  if (st) return st;
  fprintf(af.fp, "source,natoms,reference_energy_per_atom_ev,predicted_energy_per_atom_ev,"
                 "committee_energy_deviation_per_atom_ev,committee_force_deviation_max_ev_a\n");
  for (int q = 0; q < d->n; q++) {
    const nacre_sample *sm = &d->items[q];
    int na = sm->s->natoms ? sm->s->natoms : 1;
    if (sm->has & NACRE_LABEL_ENERGY)
      fprintf(af.fp, "%s,%d,%.10g,%.10g,%.6g,%.6g\n", sm->source ? sm->source : "",
              sm->s->natoms, sm->energy / na, p->e[q] / na, p->edev[q], p->fdev[q]);
  }
  if ((st = nacre_atomic_commit(&af, err))) return st;
  snprintf(path, sizeof path, "%s.forces.csv", prefix);
  if ((st = nacre_atomic_open(&af, path, err))) return st;
  fprintf(af.fp, "source,atom,component,reference_force_ev_a,predicted_force_ev_a\n");
  long off = 0;
  for (int q = 0; q < d->n; q++) {
    const nacre_sample *sm = &d->items[q];
    if (sm->has & NACRE_LABEL_FORCES)
      for (int k = 0; k < 3 * sm->s->natoms; k++)
        fprintf(af.fp, "%s,%d,%c,%.8g,%.8g\n", sm->source ? sm->source : "", k / 3,
                "xyz"[k % 3], sm->forces[k], p->f[off + k]);
    off += 3L * sm->s->natoms;
  }
  return nacre_atomic_commit(&af, err);
}

/* Reference and predicted energies per atom and force components of d. */
typedef struct parity_data {
  double *re, *pe, *rf, *pf;
  long ne, nf;
} parity_data;

static nacre_status parity_collect(const nacre_dataset *d, const predictions *p,
                                   parity_data *o, nacre_error *err) {
  size_t n = d->n ? (size_t)d->n : 1, nat = 3 * (size_t)nacre_dataset_natoms(d) + 1;
  o->re = malloc(n * sizeof *o->re);
  o->pe = malloc(n * sizeof *o->pe);
  o->rf = malloc(nat * sizeof *o->rf);
  o->pf = malloc(nat * sizeof *o->pf);
  if (!o->re || !o->pe || !o->rf || !o->pf) return nacre_error_set(err, NACRE_ERR_NOMEM, "plot");
  long off = 0;
  for (int q = 0; q < d->n; q++) {
    const nacre_sample *sm = &d->items[q];
    if ((sm->has & NACRE_LABEL_ENERGY) && sm->s->natoms) {
      o->re[o->ne] = sm->energy / sm->s->natoms;
      o->pe[o->ne++] = p->e[q] / sm->s->natoms;
    }
    if (sm->has & NACRE_LABEL_FORCES)
      for (int k = 0; k < 3 * sm->s->natoms; k++) {
        o->rf[o->nf] = sm->forces[k];
        o->pf[o->nf++] = p->f[off + k];
      }
    off += 3L * sm->s->natoms;
  }
  return NACRE_OK;
}

static void parity_free(parity_data *o) {
  free(o->re);
  free(o->pe);
  free(o->rf);
  free(o->pf);
}

static nacre_status write_plot(const nacre_test_job *job, const nacre_potential *pot,
                               const nacre_dataset *d, const predictions *p,
                               nacre_error *err) {
  parity_data main = {0}, ref = {0};
  predictions rp = {0};
  nacre_dataset *rd = NULL;
  nacre_status st = parity_collect(d, p, &main, err);
  if (!st && job->plot_reference) {
    st = read_sets(&job->plot_reference, 1, &rd, err);
    if (!st) st = predict(pot, rd, &rp, NULL, NULL, err);
    if (!st) st = parity_collect(rd, &rp, &ref, err);
  }
  if (!st) {
    int two = job->plot_reference != NULL;
    nacre_parity_series ps[2] = {{"Energy", "eV/atom", 1 + two, {{0}}},
                                 {"Forces", "eV/Å", 1 + two, {{0}}}};
    const parity_data *sets[2] = {two ? &ref : &main, &main};
    for (int q = 0; q < 1 + two; q++) {
      const char *label = two ? (q ? "test" : "training") : NULL;
      ps[0].set[q] = (nacre_parity_set){label, sets[q]->ne, sets[q]->re, sets[q]->pe};
      ps[1].set[q] = (nacre_parity_set){label, sets[q]->nf, sets[q]->rf, sets[q]->pf};
    }
    st = nacre_parity_svg(job->plot, ps, main.nf || ref.nf ? 2 : 1, err);
  }
  parity_free(&main);
  parity_free(&ref);
  predictions_free(&rp);
  nacre_dataset_free(rd);
  return st;
}

nacre_status nacre_test_files(const nacre_test_job *job, nacre_test_report *rep,
                              nacre_error *err) {
  memset(rep, 0, sizeof *rep);
  nacre_potential *pot = NULL;
  predictions p = {0};
  nacre_status st = nacre_potential_load(job->potential, &pot, err);
  if (!st) {
    const char *note = nacre_potential_note(pot);
    snprintf(rep->potential_note, sizeof rep->potential_note, "%s", note ? note : "");
    rep->committee_size = nacre_committee_size(pot);
    st = read_sets(job->data, job->ndata, &rep->data, err);
  }
  if (!st) st = predict(pot, rep->data, &p, &rep->domain, &rep->errors, err);
  if (!st) st = worst_list(rep->data, &p, job->worst, rep, err);
  if (!st) st = class_errors(rep->data, &p, rep, err);
  if (!st && job->csv_prefix) st = write_csv(job->csv_prefix, rep->data, &p, err);
  if (!st && job->plot) st = write_plot(job, pot, rep->data, &p, err);
  predictions_free(&p);
  nacre_potential_free(pot);
  if (st) nacre_test_report_free(rep);
  return st;
}
