// labels: slow
/* test_study.c — how well active learning does against the known truth,
 * and against uniform sampling with as many labels. Runs
 * examples/learn-cu-eam.json (Cu_u3.eam as the labeller; or reads the
 * finished run in $NACRE_LEARN_STUDY_DIR), then measures the final
 * committee on an independent set the loop never saw — EAM NPT MD snapshots
 * of the 300 K solid and the 1500 K liquid at 0 and 20 GPa (seeds the
 * loop does not use) and relaxed minima of an EAM random search for Cu8 —
 * and a baseline committee trained with the same settings on the same
 * number of structures drawn uniformly from EAM MD runs over the example's
 * temperatures and pressures. Checks the targets: ≤ 5 meV/atom,
 * ≤ 100 meV/Å, ≤ 0.5 GPa on the independent set, and a lower force error
 * than the baseline. Prints every figure. Skips without Cu_u3.eam. */
#include <string.h>
#include <unistd.h>

#include "iotest.h"
#include "nacre/io.h"
#include "nacre/learn.h"
#include "nacre/md.h"
#include "nacre/nn.h"
#include "testing.h"

#define EAM "/usr/share/lammps/potentials/Cu_u3.eam"

/* EAM NPT MD from s: `count` snapshots `every` steps apart after `skip`
 * steps, labelled by the EAM, appended to d. */
static void md_snapshots(const nacre_potential *eam, const nacre_structure *s,
                         double t_k, double p_gpa, long skip, int every, int count,
                         uint64_t seed, nacre_dataset *d) {
  nacre_error err;
  nacre_calc *calc = nacre_calc_new(eam, -1, &err);
  nacre_md_options o;
  nacre_md_options_init(&o);
  o.timestep_fs = 2;
  o.temperature_k = t_k;
  o.thermostat = NACRE_MD_BUSSI;
  o.barostat = NACRE_MD_CRESCALE_ISO;
  o.pressure_gpa = p_gpa;
  o.seed = seed;
  o.thermo_every = 10;
  nacre_md *md = NULL;
  CHECK_OK(nacre_md_new(calc, s, NULL, NULL, &o, &md, &err), &err);
  nacre_md_outcome out;
  if (md && skip) CHECK_OK(nacre_md_run(md, skip, NULL, &out, &err), &err);
  nacre_result r;
  nacre_result_init(&r, s->natoms, &err);
  for (int k = 0; k < count && md; k++) {
    CHECK_OK(nacre_md_run(md, every, NULL, &out, &err), &err);
    nacre_sample sm;
    memset(&sm, 0, sizeof sm);
    sm.s = nacre_structure_copy(nacre_md_structure(md), &err);
    nacre_structure_wrap(sm.s);
    CHECK_OK(nacre_calc_compute(calc, sm.s, NACRE_WANT_ALL, &r, &err), &err);
    sm.energy = r.energy;
    sm.forces = malloc(3 * (size_t)s->natoms * sizeof *sm.forces);
    memcpy(sm.forces, r.forces, 3 * (size_t)s->natoms * sizeof *sm.forces);
    memcpy(sm.stress, r.stress, sizeof sm.stress);
    sm.has = NACRE_LABEL_ENERGY | NACRE_LABEL_FORCES | NACRE_LABEL_STRESS;
    char cls[32];
    snprintf(cls, sizeof cls, "md-%.0fK-%.0fGPa", t_k, p_gpa);
    sm.info = calloc(2, sizeof *sm.info);
    sm.info[0] = strdup("config_type");
    sm.info[1] = strdup(cls);
    sm.ninfo = 1;
    nacre_dataset_take(d, &sm, &err);
  }
  nacre_result_free(&r);
  nacre_md_free(md);
  nacre_calc_free(calc);
}

/* Relaxed minima of an EAM random search for Cu8 at 0 GPa, labelled. */
static void search_minima(const nacre_potential *eam, const char *dir, nacre_dataset *d) {
  nacre_search_job job;
  nacre_search_job_init(&job);
  nacre_error err;
  CHECK_OK(nacre_composition_parse("Cu8", &job.config.composition, &err), &err);
  job.config.engine = NACRE_ENGINE_RANDOM;
  job.config.seed = 424242;
  job.config.budget = 12;
  job.config.jobs = 1;
  snprintf(job.config.potential, sizeof job.config.potential, "%s", EAM);
  snprintf(job.config.output_dir, sizeof job.config.output_dir, "%s", dir);
  char db[700];
  snprintf(db, sizeof db, "%s/truth-search.db", dir);
  unlink(db);
  job.db = db;
  nacre_run *run = NULL;
  nacre_ctx ctx;
  nacre_ctx_init(&ctx);
  CHECK_OK(nacre_search_job_run(&job, NULL, &ctx, &run, NULL, &err), &err);
  nacre_candidate *c = NULL;
  long n = 0;
  if (run) CHECK_OK(nacre_run_load_done(run, &c, &n, &err), &err);
  nacre_calc *calc = nacre_calc_new(eam, -1, &err);
  for (long k = 0; k < n; k++) {
    const nacre_structure *s = c[k].relaxed;
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
    sm.info[1] = strdup("search-minimum");
    sm.ninfo = 1;
    nacre_dataset_take(d, &sm, &err);
    nacre_result_free(&r);
  }
  nacre_calc_free(calc);
  nacre_candidates_free(c, n);
  if (run) nacre_run_close(run);
}

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
    printf("  %-16s %3d: E %.2f meV/atom, F %.1f meV/Å, σ %.3f GPa\n", names[k], counts[k],
           1e3 * e.e_rmse, 1e3 * e.f_rmse, e.s_rmse);
  }
  free(names);
  free(counts);
  free(ep);
  free(fp);
  free(sp);
}

int main(void) {
  if (access(EAM, R_OK)) TEST_SKIP("%s (Debian lammps-data) not installed", EAM);
  nacre_error err;
  nacre_learn_config *c = NULL;
  CHECK_OK(nacre_learn_config_read(test_source_path("examples/learn-cu-eam.json"), &c, &err),
           &err);
  if (!c) TEST_DONE();
  const char *dir = getenv("NACRE_LEARN_STUDY_DIR");
  char out[700];
  snprintf(out, sizeof out, "%s", dir ? dir : test_tmp_path("learn"));
  nacre_learn_report rep;
  nacre_ctx ctx;
  nacre_ctx_init(&ctx);
  double t0 = nacre_now_s();
  CHECK_OK(nacre_learn_run(c, out, NULL, NULL, &ctx, &rep, &err), &err);
  double wall = nacre_now_s() - t0;
  if (!rep.finished) TEST_DONE();
  const nacre_learn_iteration *last = &rep.iterations[rep.niterations - 1];
  int ntrain = last->ntrain;
  printf("active learning: %d iterations, %d labels (%d trained on, %d test), %d failed, "
         "%.0f s\n", rep.niterations, rep.labels, ntrain, last->ntest, rep.label_failures, wall);
  for (int s = 0; s < rep.nstages; s++) printf("  stage %d: %s\n", s, rep.stage_outcome[s]);

  /* the independent set */
  nacre_potential *eam = NULL;
  CHECK_OK(nacre_potential_load(EAM, &eam, &err), &err);
  nacre_structure *cu32 = NULL;
  CHECK_OK(nacre_read_structure(test_source_path("examples/Cu32.poscar"), &cu32, &err), &err);
  nacre_dataset *indep = nacre_dataset_new(&err);
  md_snapshots(eam, cu32, 300, 0, 1000, 200, 8, 7001, indep);
  md_snapshots(eam, cu32, 300, 20, 1000, 200, 8, 7002, indep);
  md_snapshots(eam, cu32, 1500, 0, 3000, 200, 8, 7003, indep);
  md_snapshots(eam, cu32, 1500, 20, 3000, 200, 8, 7004, indep);
  search_minima(eam, test_tmp_path(""), indep);

  /* the baseline: as many structures, uniformly from EAM MD over the
   * example's temperatures and pressures (and the same ten random
   * crystals' share given to MD), same committee settings and epochs */
  nacre_dataset *pool = nacre_dataset_new(&err);
  const double temps[3] = {300, 900, 1500}, press[2] = {0, 20};
  int per = (ntrain + 5) / 6;
  for (int a = 0; a < 3; a++)
    for (int b = 0; b < 2; b++)
      md_snapshots(eam, cu32, temps[a], press[b], 100, 1000 / per + 1, per,
                   9000 + 10 * (uint64_t)a + (uint64_t)b, pool);
  int *idx = malloc((size_t)pool->n * sizeof *idx);
  nacre_permutation(pool->n, 5, idx);
  nacre_dataset *base = NULL;
  CHECK_OK(nacre_dataset_subset(pool, idx, ntrain < pool->n ? ntrain : pool->n, &base, &err),
           &err);
  int trainings = 0;
  for (int k = 0; k < rep.niterations; k++) trainings += rep.iterations[k].train_s > 0;
  nacre_fit_options o = c->fit;
  o.train.epochs = c->fit.train.epochs + (trainings > 1 ? trainings - 1 : 0) * c->warm_epochs;
  nacre_dataset *empty = nacre_dataset_new(&err);
  nacre_nn_model **models = NULL;
  nacre_fit_report fr;
  CHECK_OK(nacre_fit(base, NULL, empty, &o, NULL, NULL, &ctx, &models, &fr, &err), &err);
  char bpath[800];
  snprintf(bpath, sizeof bpath, "%s", test_tmp_path("baseline.json"));
  if (models)
    CHECK_OK(nacre_nn_committee_write((const nacre_nn_model *const *)models, o.ensemble, bpath,
                                      &err),
             &err);
  printf("baseline: %d structures uniformly from EAM MD, %d epochs\n", base->n,
         o.train.epochs);

  nacre_potential *al = NULL, *bl = NULL;
  CHECK_OK(nacre_potential_load(rep.model, &al, &err), &err);
  CHECK_OK(nacre_potential_load(bpath, &bl, &err), &err);
  nacre_errors ea, eb;
  report("active learning on the independent set", al, indep, &ea);
  report("uniform baseline on the independent set", bl, indep, &eb);
  CHECK(ea.e_rmse <= 0.005, "energy RMSE %.4f eV/atom <= 0.005", ea.e_rmse);
  CHECK(ea.f_rmse <= 0.100, "force RMSE %.4f eV/Å <= 0.100", ea.f_rmse);
  CHECK(ea.s_rmse <= 0.5, "stress RMSE %.3f GPa <= 0.5", ea.s_rmse);
  CHECK(ea.f_rmse < eb.f_rmse, "active learning %.4f eV/Å below the baseline's %.4f",
        ea.f_rmse, eb.f_rmse);

  if (models)
    for (int k = 0; k < o.ensemble; k++) nacre_nn_model_free(models[k]);
  free(models);
  free(idx);
  nacre_potential_free(al);
  nacre_potential_free(bl);
  nacre_potential_free(eam);
  nacre_dataset_free(indep);
  nacre_dataset_free(pool);
  nacre_dataset_free(base);
  nacre_dataset_free(empty);
  nacre_structure_free(cu32);
  nacre_learn_report_free(&rep);
  nacre_learn_config_free(c);
  if (!dir) test_tmp_cleanup();
  TEST_DONE();
}
