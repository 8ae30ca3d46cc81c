/* studytest.c — the active-learning studies against a known truth (see
 * studytest.h). */
#include "studytest.h"

#include <string.h>
#include <unistd.h>

#include "iotest.h"
#include "nacre/io.h"
#include "nacre/learn.h"
#include "nacre/md.h"
#include "nacre/nn.h"
#include "testing.h"

/* The truth's energy, forces and stress of s, appended to d with its class. */
static void add_labelled(nacre_calc *calc, const nacre_structure *s, const char *cls,
                         nacre_dataset *d) {
  nacre_error err;
  nacre_result r;
  nacre_result_init(&r, s->natoms, &err);
  CHECK_OK(nacre_calc_compute(calc, s, NACRE_WANT_ALL, &r, &err), &err);
  nacre_sample sm;
  memset(&sm, 0, sizeof sm);
  sm.s = nacre_structure_copy(s, &err);
  sm.energy = r.energy;
  sm.forces = malloc(3 * (size_t)s->natoms * sizeof *sm.forces);
  memcpy(sm.forces, r.forces, 3 * (size_t)s->natoms * sizeof *sm.forces);
  memcpy(sm.stress, r.stress, sizeof sm.stress);
  sm.has = NACRE_LABEL_ENERGY | NACRE_LABEL_FORCES | NACRE_LABEL_STRESS;
  sm.info = calloc(2, sizeof *sm.info);
  sm.info[0] = strdup("config_type");
  sm.info[1] = strdup(cls);
  sm.ninfo = 1;
  nacre_dataset_take(d, &sm, &err);
  nacre_result_free(&r);
}

/* Truth-driven NPT MD from m's structure, else from s (see studytest_md),
 * labelled, appended to d. */
static void md_snapshots(const nacre_potential *truth, const nacre_structure *s,
                         const studytest_md *m, nacre_dataset *d) {
  nacre_error err;
  nacre_structure *own = NULL;
  if (m->structure) {
    CHECK_OK(nacre_read_structure(m->structure, &own, &err), &err);
    if (!own) return;
    s = own;
  }
  nacre_calc *calc = nacre_calc_new(truth, -1, &err);
  nacre_md_options o;
  nacre_md_options_init(&o);
  o.timestep_fs = 2;
  o.temperature_k = m->temperature_k;
  o.thermostat = NACRE_MD_BUSSI;
  o.barostat = NACRE_MD_CRESCALE_ISO;
  o.pressure_gpa = m->pressure_gpa;
  o.seed = m->seed;
  o.thermo_every = 10;
  nacre_md *md = NULL;
  CHECK_OK(nacre_md_new(calc, s, NULL, NULL, &o, &md, &err), &err);
  nacre_md_outcome out;
  if (md && m->skip) CHECK_OK(nacre_md_run(md, m->skip, NULL, &out, &err), &err);
  char cls[32];
  snprintf(cls, sizeof cls, "md-%.0fK-%.0fGPa", m->temperature_k, m->pressure_gpa);
  for (int k = 0; k < m->count && md; k++) {
    CHECK_OK(nacre_md_run(md, m->every, NULL, &out, &err), &err);
    nacre_structure *f = nacre_structure_copy(nacre_md_structure(md), &err);
    nacre_structure_wrap(f);
    add_labelled(calc, f, cls, d);
    nacre_structure_free(f);
  }
  nacre_md_free(md);
  nacre_calc_free(calc);
  nacre_structure_free(own);
}

/* Relaxed minima of a random search of the truth, labelled, appended to d. */
static void search_minima(const studytest_spec *sp, const nacre_potential *truth,
                          double pressure_gpa, const char *dir, nacre_dataset *d) {
  nacre_search_job job;
  nacre_search_job_init(&job);
  nacre_error err;
  CHECK_OK(nacre_composition_parse(sp->search_composition, &job.config.composition, &err),
           &err);
  job.config.engine = NACRE_ENGINE_RANDOM;
  job.config.seed = 424242;
  job.config.budget = sp->search_budget;
  job.config.jobs = 1;
  job.config.pressure_gpa = pressure_gpa;
  snprintf(job.config.potential, sizeof job.config.potential, "%s", sp->truth);
  snprintf(job.config.output_dir, sizeof job.config.output_dir, "%s", dir);
  char db[800];
  snprintf(db, sizeof db, "%s/truth-search-%.0f.db", dir, pressure_gpa);
  unlink(db);
  job.db = db;
  nacre_run *run = NULL;
  nacre_ctx ctx;
  nacre_ctx_init(&ctx);
  CHECK_OK(nacre_search_job_run(&job, NULL, &ctx, &run, NULL, &err), &err);
  nacre_candidate *c = NULL;
  long n = 0;
  if (run) CHECK_OK(nacre_run_load_done(run, &c, &n, &err), &err);
  nacre_calc *calc = nacre_calc_new(truth, -1, &err);
  char cls[32];
  snprintf(cls, sizeof cls, "minimum-%.0fGPa", pressure_gpa);
  for (long k = 0; k < n; k++) add_labelled(calc, c[k].relaxed, cls, d);
  nacre_calc_free(calc);
  nacre_candidates_free(c, n);
  if (run) nacre_run_close(run);
}

/* p's errors on d, in all and per class, printed. */
static void report(const char *name, const nacre_potential *p, const nacre_dataset *d,
                   nacre_errors *all) {
  nacre_error err;
  long na = nacre_dataset_natoms(d);
  double *ep = malloc((size_t)d->n * sizeof *ep), *fp = malloc(3 * (size_t)na * sizeof *fp);
  double(*sp)[6] = malloc((size_t)d->n * sizeof *sp);
  CHECK_OK(nacre_potential_evaluate(p, d, ep, fp, sp, NULL, NULL, NULL, all, &err), &err);
  const char **names = NULL;
  int *counts = NULL, un = 0;
  int nc = nacre_dataset_classes(d, &names, &counts, &un);
  printf("%s: all %d: E %.2f meV/atom, F %.1f meV/Å, σ %.3f GPa\n", name, d->n,
         1e3 * all->e_rmse, 1e3 * all->f_rmse, all->s_rmse);
  for (int k = 0; k < nc; k++) {
    nacre_errors e;
    nacre_errors_compute(d, ep, fp, (const double(*)[6])sp, 0, names[k], &e);
    printf("  %-18s %3d: E %.2f meV/atom, F %.1f meV/Å, σ %.3f GPa\n", names[k], counts[k],
           1e3 * e.e_rmse, 1e3 * e.f_rmse, e.s_rmse);
  }
  free(names);
  free(counts);
  free(ep);
  free(fp);
  free(sp);
}

/* The loop's figures per stage: labels, configurations met and their
 * accurate / candidate / failed shares, iterations and outcome. */
static void print_stages(const nacre_learn_report *rep) {
  for (int s = 0; s < rep->nstages; s++) {
    long conf = 0, acc = 0, cand = 0, fail = 0;
    int labels = 0, iters = 0;
    double label_s = 0, train_s = 0, explore_s = 0;
    for (int k = 0; k < rep->niterations; k++) {
      const nacre_learn_iteration *it = &rep->iterations[k];
      if (it->stage != s) continue;
      iters++;
      labels += it->labelled;
      label_s += it->label_s;
      train_s += it->train_s;
      explore_s += it->explore_s;
    }
    for (int k = 0; k < rep->ntasks; k++) {
      const nacre_learn_task_stats *t = &rep->tasks[k];
      if (t->stage != s) continue;
      conf += t->configurations;
      acc += t->accurate;
      cand += t->candidate;
      fail += t->failed;
    }
    double n = conf ? (double)conf : 1;
    printf("  stage %d: %s after %d iterations, %d labels; %ld configurations: accurate "
           "%.1f %%, candidate %.1f %%, failed %.1f %%; wall: labels %.0f s, training %.0f s, "
           "exploration %.0f s\n",
           s, rep->stage_outcome[s], iters, labels, conf, 100 * acc / n, 100 * cand / n,
           100 * fail / n, label_s, train_s, explore_s);
  }
  for (int k = 0; k < rep->niterations; k++) {
    const nacre_learn_iteration *it = &rep->iterations[k];
    printf("  iteration %2d (stage %d): train %3d, test %2d, test E %.2f meV/atom F %.1f meV/Å "
           "σ %.3f GPa; accurate %.1f %%; labelled %d\n",
           it->iteration, it->stage, it->ntrain, it->ntest, 1e3 * it->test_e_rmse,
           1e3 * it->test_f_rmse, it->test_s_rmse, 100 * it->accurate_fraction, it->labelled);
  }
}

/* The baseline: as many structures as the final committee was trained on,
 * drawn uniformly from truth-driven MD over the example's conditions, fitted
 * with the same settings and as many epochs as the loop's trainings summed
 * (the final committee's included);
 * written to path. */
static void baseline(const studytest_spec *sp, const nacre_learn_config *c,
                     const nacre_learn_report *rep, const nacre_potential *truth,
                     const nacre_structure *s, const char *path, const char *dump) {
  nacre_error err;
  int ntrain = rep->iterations[rep->niterations - 1].ntrain;
  int runs = sp->nbaseline_temperatures * sp->nbaseline_pressures;
  int per = (ntrain + runs - 1) / runs;
  nacre_dataset *pool = nacre_dataset_new(&err);
  for (int a = 0; a < sp->nbaseline_temperatures; a++)
    for (int b = 0; b < sp->nbaseline_pressures; b++) {
      studytest_md m = {sp->baseline_temperatures_k[a],
                        sp->baseline_pressures_gpa[b],
                        100,
                        (int)(sp->baseline_steps / per) + 1,
                        per,
                        9000 + 10 * (uint64_t)a + (uint64_t)b,
                        sp->baseline_structures ? sp->baseline_structures[b] : NULL};
      md_snapshots(truth, s, &m, pool);
    }
  int *idx = malloc((size_t)pool->n * sizeof *idx);
  nacre_permutation(pool->n, 5, idx);
  nacre_dataset *base = NULL;
  CHECK_OK(nacre_dataset_subset(pool, idx, ntrain < pool->n ? ntrain : pool->n, &base, &err),
           &err);
  /* the epochs of the loop's trainings together: the first, the warm
   * starts, the final committee's */
  int trainings = 0, epochs = 0;
  for (int k = 0; k < rep->niterations; k++) {
    const nacre_learn_iteration *it = &rep->iterations[k];
    if (!(it->train_s > 0)) continue;
    epochs += !trainings++                   ? c->fit.train.epochs
              : it->stage >= rep->nstages ? nacre_learn_final_epochs(c)
                                          : c->warm_epochs;
  }
  nacre_fit_options o = c->fit;
  o.train.epochs = epochs;
  nacre_dataset *empty = nacre_dataset_new(&err);
  nacre_nn_model **models = NULL;
  nacre_fit_report fr;
  nacre_ctx ctx;
  nacre_ctx_init(&ctx);
  if (base)
    CHECK_OK(nacre_fit(base, NULL, empty, &o, NULL, NULL, &ctx, &models, &fr, &err), &err);
  if (models)
    CHECK_OK(nacre_nn_committee_write((const nacre_nn_model *const *)models, o.ensemble, path,
                                      &err),
             &err);
  if (dump && base) {
    char f[800];
    snprintf(f, sizeof f, "%s/baseline.extxyz", dump);
    CHECK_OK(nacre_dataset_save_extxyz(base, f, &err), &err);
  }
  printf("baseline: %d structures uniformly from %d MD runs of the truth, %d epochs\n",
         base ? base->n : 0, runs, o.train.epochs);
  if (models)
    for (int k = 0; k < o.ensemble; k++) nacre_nn_model_free(models[k]);
  free(models);
  free(idx);
  nacre_dataset_free(pool);
  nacre_dataset_free(base);
  nacre_dataset_free(empty);
}

int studytest_run(const studytest_spec *sp) {
  nacre_error err;
  nacre_potential *truth = NULL;
  if (nacre_potential_load(sp->truth, &truth, &err))
    TEST_SKIP("the truth %s does not load: %s", sp->truth, err.message);
  nacre_learn_config *c = NULL;
  CHECK_OK(nacre_learn_config_read(sp->config, &c, &err), &err);
  if (!c) {
    nacre_potential_free(truth);
    TEST_DONE();
  }
  const char *dir = getenv("NACRE_LEARN_STUDY_DIR");
  char out[700], tmp[700], bpath[800];
  snprintf(out, sizeof out, "%s", dir ? dir : test_tmp_path("learn"));
  snprintf(tmp, sizeof tmp, "%s", test_tmp_path(""));
  snprintf(bpath, sizeof bpath, "%s", test_tmp_path("baseline.json"));
  nacre_learn_report rep;
  nacre_ctx ctx;
  nacre_ctx_init(&ctx);
  double t0 = nacre_now_s();
  nacre_status st = nacre_learn_run(c, out, NULL, NULL, &ctx, &rep, &err);
  CHECK_OK(st, &err);
  double wall = nacre_now_s() - t0;
  if (st || !rep.finished) {
    nacre_learn_config_free(c);
    nacre_potential_free(truth);
    TEST_DONE();
  }
  const nacre_learn_iteration *last = &rep.iterations[rep.niterations - 1];
  double phases = 0;
  for (int k = 0; k < rep.niterations; k++)
    phases += rep.iterations[k].label_s + rep.iterations[k].train_s + rep.iterations[k].explore_s;
  printf("%s, active learning: %d iterations, %d labels (%d trained on, %d test), %d failed; "
         "this invocation %.0f s, the run's phases %.0f s\n",
         sp->name, rep.niterations, rep.labels, last->ntrain, last->ntest, rep.label_failures,
         wall, phases);
  print_stages(&rep);

  nacre_structure *start = NULL;
  CHECK_OK(nacre_read_structure(sp->structure, &start, &err), &err);
  nacre_dataset *indep = nacre_dataset_new(&err);
  for (int k = 0; k < sp->nindependent && start; k++)
    md_snapshots(truth, start, &sp->independent[k], indep);
  for (int k = 0; k < sp->nsearch_pressures; k++)
    search_minima(sp, truth, sp->search_pressures_gpa[k], tmp, indep);
  /* $NACRE_LEARN_STUDY_DUMP: a folder that receives the independent set and
   * the baseline's data and committee, for studies of the figures */
  const char *dump = getenv("NACRE_LEARN_STUDY_DUMP");
  if (dump) {
    char f[800];
    snprintf(f, sizeof f, "%s/independent.extxyz", dump);
    CHECK_OK(nacre_dataset_save_extxyz(indep, f, &err), &err);
  }
  if (start) baseline(sp, c, &rep, truth, start, bpath, dump);
  if (dump) {
    char f[800];
    snprintf(f, sizeof f, "%s/baseline.json", dump);
    if (nacre_file_exists(bpath)) {
      nacre_nn_model **m = NULL;
      int k = 0;
      CHECK_OK(nacre_nn_committee_read(bpath, &m, &k, &err), &err);
      if (m) CHECK_OK(nacre_nn_committee_write((const nacre_nn_model *const *)m, k, f, &err), &err);
      for (int q = 0; q < k; q++) nacre_nn_model_free(m[q]);
      free(m);
    }
  }

  nacre_potential *al = NULL, *bl = NULL;
  CHECK_OK(nacre_potential_load(rep.model, &al, &err), &err);
  CHECK_OK(nacre_potential_load(bpath, &bl, &err), &err);
  if (al && bl) {
    nacre_errors ea, eb;
    report("active learning on the independent set", al, indep, &ea);
    report("uniform baseline on the independent set", bl, indep, &eb);
    CHECK(ea.e_rmse <= sp->max_energy_ev_atom, "energy RMSE %.4f eV/atom <= %g", ea.e_rmse,
          sp->max_energy_ev_atom);
    CHECK(ea.f_rmse <= sp->max_force_ev_a, "force RMSE %.4f eV/Å <= %g", ea.f_rmse,
          sp->max_force_ev_a);
    CHECK(ea.s_rmse <= sp->max_stress_gpa, "stress RMSE %.3f GPa <= %g", ea.s_rmse,
          sp->max_stress_gpa);
    CHECK(ea.f_rmse < eb.f_rmse, "active learning %.4f eV/Å below the baseline's %.4f",
          ea.f_rmse, eb.f_rmse);
  }
  nacre_potential_free(al);
  nacre_potential_free(bl);
  nacre_potential_free(truth);
  nacre_dataset_free(indep);
  nacre_structure_free(start);
  nacre_learn_report_free(&rep);
  nacre_learn_config_free(c);
  if (!dir) test_tmp_cleanup();
  TEST_DONE();
}
