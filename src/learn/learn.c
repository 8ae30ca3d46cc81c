/* learn.c — the active-learning loop: a state machine over the iterations
 * stored in the run file. Iteration 0 labels the initial structures; each
 * later iteration trains the committee (warm-started), explores with it,
 * selects and labels; a last iteration trains the final committee on
 * everything. Every phase reads what it needs from the run file and
 * commits its results and the next phase in one transaction, so a killed
 * run resumes at the phase it was in. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "learn_internal.h"
#include "nacre/io.h"
#include "nacre/nn.h"
#include "nacre/sym.h"

typedef struct loop {
  const nacre_learn_config *c;
  const char *dir;
  learn_db *db;
  nacre_learn_progress_fn progress;
  void *user;
  const nacre_ctx *ctx;
  nacre_error *err;
  int waiting;           /* labels prepared to run elsewhere are pending */
} loop;

static nacre_status make_dir(const char *path, nacre_error *err) {
  if (mkdir(path, 0777) && errno != EEXIST)
    return nacre_error_set(err, NACRE_ERR_IO, "%s: %s", path, strerror(errno));
  return NACRE_OK;
}

static void committee_path(const loop *L, int iter, char *out, size_t n) {
  snprintf(out, n, "%s/committees/iter%03d.json", L->dir, iter);
}

static void say(loop *L, const nacre_learn_iteration *it, const char *what) {
  if (L->progress) L->progress(L->user, it, what);
}

/* ---- iteration 0: the initial data ---- */

/* Appends s to the list (taking it). */
static nacre_status push(nacre_structure ***list, int *n, nacre_structure *s,
                         nacre_error *err) {
  nacre_structure **x = realloc(*list, ((size_t)*n + 1) * sizeof *x);
  if (!x) {
    nacre_structure_free(s);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "initial structures");
  }
  *list = x;
  x[(*n)++] = s;
  return NACRE_OK;
}

nacre_status learn_initial_structures(const nacre_learn_config *c,
                                      nacre_structure ***out, int *n,
                                      nacre_error *err) {
  *out = NULL;
  *n = 0;
  nacre_status st = NACRE_OK;
  for (int f = 0; f < c->ninitial && !st; f++) {
    nacre_structure **s = NULL;
    int ns = 0;
    st = nacre_label_read_inputs(c->initial[f], &s, &ns, NULL, err);
    for (int k = 0; k < ns; k++)
      if (st) nacre_structure_free(s[k]);
      else st = push(out, n, s[k], err);
    free(s);
  }
  if (!st && c->random_count) {
    nacre_composition comp;
    st = nacre_composition_parse(c->random_composition, &comp, err);
    nacre_random_options ro;
    nacre_random_options_init(&ro);
    ro.pressure_gpa = c->random_pressure_gpa;
    for (int k = 0; k < c->random_count && !st; k++) {
      nacre_rng rng;
      nacre_rng_init(&rng, c->seed, 1000u + (uint64_t)k);
      nacre_structure *s = NULL;
      st = nacre_random_crystal_any(NULL, 0, &comp, &ro, &rng, &s, NULL, err);
      if (!st) st = push(out, n, s, err);
    }
  }
  if (st) {
    for (int k = 0; k < *n; k++) nacre_structure_free((*out)[k]);
    free(*out);
    *out = NULL;
    *n = 0;
  }
  return st;
}

static nacre_status start(loop *L) {
  const nacre_learn_config *c = L->c;
  nacre_error *err = L->err;
  nacre_dataset *d = nacre_dataset_new(err);
  if (!d) return err->status;
  nacre_status st = nacre_dataset_read_paths(d, (const char *const *)c->data, c->ndata, err);
  nacre_structure **s = NULL;
  int ns = 0;
  if (!st) st = learn_db_begin(L->db, err);
  if (st) {
    nacre_dataset_free(d);
    return st;
  }
  for (int k = 0; k < d->n && !st; k++)
    st = learn_db_add_labelled(L->db, 0, &d->items[k], "train", err);
  if (!st) st = learn_initial_structures(c, &s, &ns, err);
  for (int k = 0; k < ns; k++) {
    if (!st) st = learn_db_add_structure(L->db, 0, -1, -1, "initial", NAN, s[k], err);
    nacre_structure_free(s[k]);
  }
  free(s);
  nacre_learn_iteration it;
  memset(&it, 0, sizeof it);
  it.stage = -1;
  it.test_e_rmse = it.test_f_rmse = it.test_s_rmse = NAN;
  it.sample_e_rmse = it.sample_f_rmse = it.accurate_fraction = NAN;
  snprintf(it.phase, sizeof it.phase, "label");
  if (!st) st = learn_db_put_iteration(L->db, &it, err);
  if (!st) st = learn_db_commit(L->db, err);
  else learn_db_rollback(L->db);
  nacre_dataset_free(d);
  return st;
}

/* ---- labelling ---- */

/* The test set takes a labelled candidate when a hash of its id falls
 * below the fraction, until it is full: a fixed sample never trained on. */
static int goes_to_test(const loop *L, const char *label_id, int ntest) {
  if (ntest >= L->c->test_max || L->c->test_fraction <= 0) return 0;
  char key[80];
  snprintf(key, sizeof key, "%s/%llu", label_id, (unsigned long long)L->c->seed);
  uint64_t h = nacre_fnv1a(NACRE_FNV1A_OFFSET, key);
  return (double)(h >> 11) / 9007199254740992.0 < L->c->test_fraction;
}

/* Committee errors (E per atom, F) on d; NAN when d is empty. */
static nacre_status committee_errors(const char *committee, const nacre_dataset *d,
                                     nacre_errors *e, nacre_error *err) {
  memset(e, 0, sizeof *e);
  e->e_rmse = e->f_rmse = e->s_rmse = NAN;
  if (!d->n) return NACRE_OK;
  nacre_potential *pot = NULL;
  nacre_status st = nacre_potential_load(committee, &pot, err);
  if (st) return st;
  long natoms = nacre_dataset_natoms(d);
  double *ep = malloc((size_t)d->n * sizeof *ep);
  double *fp = malloc(3 * (size_t)natoms * sizeof *fp);
  double(*sp)[6] = malloc((size_t)d->n * sizeof *sp);
  if (!ep || !fp || !sp) st = nacre_error_set(err, NACRE_ERR_NOMEM, "errors");
  if (!st) st = nacre_potential_evaluate(pot, d, ep, fp, sp, NULL, NULL, NULL, e, err);
  free(ep);
  free(fp);
  free(sp);
  nacre_potential_free(pot);
  return st;
}

/* The reason a label failed, from the driver's failure log. */
static void failure_reason(const char *log, const char *id, char *out, size_t n) {
  snprintf(out, n, "not labelled");
  FILE *fp = fopen(log, "r");
  if (!fp) return;
  char line[2048];
  size_t len = strlen(id);
  while (fgets(line, sizeof line, fp))
    if (!strncmp(line, id, len) && line[len] == '\t') {
      line[strcspn(line, "\n")] = 0;
      for (char *q = line + len + 1; *q; q++)
        if (*q == '\t') *q = ' ';
      snprintf(out, n, "%s", line + len + 1);
    }
  fclose(fp);
}

/* ---- labels run elsewhere ---- */

static void journal_paths(const char *dir, int iter, char out[1200], char failed[1300]) {
  snprintf(out, 1200, "%s/labels/iter%03d.extxyz", dir, iter);
  snprintf(failed, 1300, "%s.failed", out);
}

/* The run-file setting that records where an iteration's labels were
 * prepared. */
static void prepared_key(int iter, char key[32]) {
  snprintf(key, 32, "prepared_iter%03d", iter);
}

/* Pending structures of iteration iter whose label id is neither in the
 * journal nor in its failure log: the labels a prepared batch still owes. */
static nacre_status labels_owed(learn_db *db, const char *dir, int iter, int *owed,
                                nacre_error *err) {
  *owed = 0;
  char out[1200], failed[1300];
  journal_paths(dir, iter, out, failed);
  learn_pending p;
  nacre_status st = learn_db_pending(db, iter, &p, err);
  char **done = NULL, **bad = NULL;
  int ndone = 0, nbad = 0;
  if (!st) st = nacre_label_scan_done(out, 0, &done, &ndone, err);
  if (!st) st = nacre_label_failures(failed, 1 << 30, &bad, &nbad, err);
  for (int k = 0; k < p.n && !st; k++) {
    char id[40];
    nacre_label_id(k, p.s[k], id);
    size_t len = strlen(id);
    int known = 0;
    for (int q = 0; q < ndone && !known; q++) known = !strcmp(done[q], id);
    for (int q = 0; q < nbad && !known; q++)
      known = !strncmp(bad[q], id, len) && bad[q][len] == ' ';
    *owed += !known;
  }
  nacre_label_free_ids(done, ndone);
  nacre_label_free_ids(bad, nbad);
  learn_pending_free(&p);
  return st;
}

/* Labels of iteration it through a prepared batch: collects the batch
 * prepared before (a run in this mode or a local one), or prepares one;
 * sets L->waiting while results are owed. A local run labels what the
 * batch did not finish. */
static nacre_status label_elsewhere(loop *L, nacre_learn_iteration *it,
                                    const learn_pending *p, const char *out,
                                    const char *failed) {
  const nacre_learn_config *c = L->c;
  nacre_error *err = L->err;
  char key[32], recorded[1100], jobs[1100];
  prepared_key(it->iteration, key);
  nacre_status st = learn_db_get_setting(L->db, key, recorded, sizeof recorded, err);
  if (st) return st;
  int local = c->label_mode == NACRE_LABEL_MODE_RUN;
  snprintf(jobs, sizeof jobs, "%s/iter%03d", c->label_dir, it->iteration);
  if (!recorded[0]) {
    int prepared = 0, skipped = 0;
    if ((st = make_dir(c->label_dir, err))) return st;
    st = nacre_label_prepare_batch(&c->label, p->s, p->n, jobs, out, failed, &prepared,
                                   &skipped, err);
    if (!st && prepared) st = learn_db_set_setting(L->db, key, jobs, err);
    if (st || !prepared) return st;
    L->waiting = 1;
    char what[1400];
    snprintf(what, sizeof what, "prepared %d label%s under %s (jobs.txt lists them)",
             prepared, prepared == 1 ? "" : "s", jobs);
    say(L, it, what);
    return NACRE_OK;
  }
  if (!local && strcmp(recorded, jobs))
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "the labels of iteration %d were prepared under %s, not %s: "
                           "collect them from there",
                           it->iteration, recorded, jobs);
  nacre_label_summary sum;
  st = nacre_label_collect_batch(&c->label, p->s, NULL, p->n, recorded, out, failed, &sum,
                                 L->ctx, err);
  if (st || !sum.pending) return st;
  char what[1400];
  if (local) {
    snprintf(what, sizeof what, "labelling here the %d label%s prepared under %s and "
             "not finished there", sum.pending, sum.pending == 1 ? "" : "s", recorded);
    say(L, it, what);
    return nacre_label_batch(&c->label, p->s, NULL, p->n, out, failed, c->label_jobs, 0,
                             &sum, L->ctx, err);
  }
  L->waiting = 1;
  snprintf(what, sizeof what, "%d of %d label%s pending under %s (not run yet or still "
           "running)", sum.pending, p->n, p->n == 1 ? "" : "s", recorded);
  say(L, it, what);
  return NACRE_OK;
}

static nacre_status do_label(loop *L, nacre_learn_iteration *it) {
  nacre_error *err = L->err;
  learn_pending p;
  nacre_status st = learn_db_pending(L->db, it->iteration, &p, err);
  if (st) return st;
  char out[1200], failed[1300];
  journal_paths(L->dir, it->iteration, out, failed);
  double t0 = nacre_now_s();
  nacre_label_summary sum;
  memset(&sum, 0, sizeof sum);
  char key[32], recorded[8];
  prepared_key(it->iteration, key);
  if (p.n) st = learn_db_get_setting(L->db, key, recorded, sizeof recorded, err);
  if (!st && p.n && (L->c->label_mode != NACRE_LABEL_MODE_RUN || recorded[0])) {
    st = label_elsewhere(L, it, &p, out, failed);
    if (st || L->waiting) {
      learn_pending_free(&p);
      return st;
    }
  } else if (!st && p.n) {
    say(L, it, "labelling");
    st = nacre_label_batch(&L->c->label, p.s, NULL, p.n, out, failed, L->c->label_jobs,
                           0, &sum, L->ctx, err);
  }
  nacre_dataset *lab = NULL;
  if (!st) {
    lab = nacre_dataset_new(err);
    if (!lab) st = err->status;
    else if (p.n && nacre_file_exists(out)) st = nacre_dataset_read(lab, out, err);
  }
  int ntest = 0;
  if (!st) st = learn_db_count(L->db, -1, "labelled", "test", &ntest, err);
  if (!st) st = learn_db_begin(L->db, err);
  double label_s = 0;
  for (int k = 0; k < p.n && !st; k++) {
    char id[40];
    nacre_label_id(k, p.s[k], id);
    const nacre_sample *sm = NULL;
    for (int q = 0; q < lab->n && !sm; q++) {
      const char *v = nacre_sample_get_info(&lab->items[q], "label_id");
      if (v && !strcmp(v, id)) sm = &lab->items[q];
    }
    if (sm) {
      const char *w = nacre_sample_get_info(sm, "label_wall_s");
      double wall = w ? atof(w) : 0;
      label_s += wall;
      const char *role = "train";
      if (strcmp(p.kind[k], "initial") && goes_to_test(L, id, ntest)) {
        role = "test";
        ntest++;
      }
      st = learn_db_set_label(L->db, p.id[k], role, sm, wall, err);
      it->labelled++;
    } else {
      char why[512];
      failure_reason(failed, id, why, sizeof why);
      st = learn_db_set_failed(L->db, p.id[k], why, err);
      it->label_failures++;
    }
  }
  nacre_dataset_free(lab);
  learn_pending_free(&p);
  if (st) {
    learn_db_rollback(L->db);
    return st;
  }
  /* the committee's error on what it was asked about, in particular the
   * random sample labelled whatever its deviation */
  it->label_s = label_s > 0 ? label_s : nacre_now_s() - t0;
  it->sample_e_rmse = it->sample_f_rmse = NAN;
  if (it->iteration > 0) {
    nacre_dataset *rs = NULL;
    st = learn_db_labelled(L->db, NULL, it->iteration, "random", &rs, err);
    if (!st && rs->n) {
      char cp[1200];
      committee_path(L, it->iteration, cp, sizeof cp);
      nacre_errors e;
      st = committee_errors(cp, rs, &e, err);
      it->nsample = rs->n;
      it->sample_e_rmse = e.e_rmse;
      it->sample_f_rmse = e.f_rmse;
    }
    nacre_dataset_free(rs);
  }
  snprintf(it->phase, sizeof it->phase, "done");
  if (!st) st = learn_db_put_iteration(L->db, it, err);
  if (!st) st = learn_db_commit(L->db, err);
  else learn_db_rollback(L->db);
  if (!st && (it->labelled || it->label_failures)) {
    char what[200];
    snprintf(what, sizeof what, "labelled %d (%d failed)", it->labelled, it->label_failures);
    say(L, it, what);
  }
  return st;
}

/* ---- training ---- */

static nacre_status copy_committee(const char *from, const char *to,
                                   nacre_error *err) {
  nacre_nn_model **m = NULL;
  int k = 0;
  nacre_status st = nacre_nn_committee_read(from, &m, &k, err);
  if (!st) st = nacre_nn_committee_write((const nacre_nn_model *const *)m, k, to, err);
  for (int q = 0; q < k; q++) nacre_nn_model_free(m[q]);
  free(m);
  return st;
}

typedef struct train_watch {
  loop *L;
  const nacre_learn_iteration *it;
} train_watch;

static int train_epoch(void *user, int member, const nacre_train_epoch *ep) {
  (void)member;
  (void)ep;
  train_watch *w = user;
  return nacre_ctx_interrupted(w->L->ctx);
}

static nacre_status do_train(loop *L, nacre_learn_iteration *it) {
  const nacre_learn_config *c = L->c;
  nacre_error *err = L->err;
  double t0 = nacre_now_s();
  nacre_dataset *train = NULL, *test = NULL;
  nacre_status st = learn_db_labelled(L->db, "train", -1, NULL, &train, err);
  if (!st) st = learn_db_labelled(L->db, "test", -1, NULL, &test, err);
  char path[1200], prev[1200];
  committee_path(L, it->iteration, path, sizeof path);
  /* the newest earlier committee, and the data it saw */
  int prev_train = -1;
  prev[0] = 0;
  for (int q = it->iteration - 1; q > 0 && !prev[0]; q--) {
    committee_path(L, q, prev, sizeof prev);
    if (!nacre_file_exists(prev)) prev[0] = 0;
    else prev_train = q;
  }
  int reuse = 0;
  if (!st && prev[0] && it->stage < c->nstages) {
    /* no label since that committee: it is this iteration's too (not for
     * the final committee, which is trained longer) */
    nacre_learn_report rep;
    if (!(st = learn_db_report(L->db, 0, &rep, err))) {
      for (int q = 0; q < rep.niterations; q++)
        if (rep.iterations[q].iteration == prev_train)
          reuse = rep.iterations[q].ntrain == train->n;
      nacre_learn_report_free(&rep);
    }
  }
  nacre_nn_model **warm = NULL, **models = NULL;
  int nwarm = 0;
  if (!st && reuse) {
    say(L, it, "no new labels: the committee is kept");
    st = copy_committee(prev, path, err);
  } else if (!st) {
    nacre_fit_options o = c->fit;
    o.seed = c->seed + 100u * (uint64_t)it->iteration;
    if (prev[0]) {
      if ((st = nacre_nn_committee_read(prev, &warm, &nwarm, err))) goto done;
      o.warm = (const nacre_nn_model *const *)warm;
      o.nwarm = nwarm;
      /* the final committee is trained to convergence: a warm start of
       * warm_epochs after each iteration's few labels leaves the last
       * committee far from the minimum of the loss on all the data */
      o.train.epochs = it->stage >= c->nstages ? nacre_learn_final_epochs(c) : c->warm_epochs;
    }
    say(L, it, prev[0] ? "retraining (warm start)" : "training");
    nacre_fit_report fr;
    train_watch w = {L, it};
    st = nacre_fit(train, NULL, test, &o, train_epoch, &w, L->ctx, &models, &fr, err);
    if (!st && nacre_ctx_interrupted(L->ctx))
      st = nacre_error_set(err, NACRE_ERR_INTERRUPTED, "interrupted");
    if (!st)
      st = nacre_nn_committee_write((const nacre_nn_model *const *)models, o.ensemble,
                                    path, err);
    if (models)
      for (int k = 0; k < o.ensemble; k++) nacre_nn_model_free(models[k]);
    free(models);
  }
  nacre_errors e;
  if (!st) st = committee_errors(path, test, &e, err);
  if (!st) {
    it->ntrain = train->n;
    it->ntest = test->n;
    it->test_e_rmse = e.e_rmse;
    it->test_f_rmse = e.f_rmse;
    it->test_s_rmse = test->n && e.nstress_components ? e.s_rmse : NAN;
    it->train_s = nacre_now_s() - t0;
    snprintf(it->phase, sizeof it->phase, "%s", it->stage >= c->nstages ? "done" : "explore");
    st = learn_db_put_iteration(L->db, it, err);
    char what[200];
    if (test->n)
      snprintf(what, sizeof what, "committee of %d on %d structures; test set of %d: "
               "E %.2f meV/atom, F %.1f meV/Å RMSE", c->fit.ensemble, train->n, test->n,
               1e3 * e.e_rmse, 1e3 * e.f_rmse);
    else
      snprintf(what, sizeof what, "committee of %d on %d structures; no test set yet",
               c->fit.ensemble, train->n);
    if (!st) say(L, it, what);
  }
done:
  for (int k = 0; k < nwarm; k++) nacre_nn_model_free(warm[k]);
  free(warm);
  nacre_dataset_free(train);
  nacre_dataset_free(test);
  return st;
}

/* ---- exploration and selection ---- */

/* Indices into cfg of the configurations to label: candidates screened and
 * sampled by fingerprint distance (unless the stage converged), then the
 * random sample of end points, which every iteration labels: a committee
 * that agrees on a systematic error calls everything accurate. */
static nacre_status select_configs(loop *L, const learn_configs *cfg, int budget,
                                   int candidates, uint64_t seed, int *chosen,
                                   char *is_random, int *nchosen) {
  const nacre_learn_config *c = L->c;
  nacre_error *err = L->err;
  *nchosen = 0;
  nacre_dataset *train = NULL;
  nacre_status st = learn_db_labelled(L->db, NULL, -1, NULL, &train, err);
  if (st) return st;
  nacre_fingerprint_options fo;
  nacre_fingerprint_options_init(&fo);
  int nref = train->n, ncand = 0;
  nacre_fingerprint **ref = calloc((size_t)nref + 1, sizeof *ref);
  nacre_fingerprint **cand = calloc((size_t)cfg->n + 1, sizeof *cand);
  int *map = malloc(((size_t)cfg->n + 1) * sizeof *map);
  int *pick = malloc(((size_t)cfg->n + 1) * sizeof *pick);
  if (!ref || !cand || !map || !pick) st = nacre_error_set(err, NACRE_ERR_NOMEM, "selection");
  for (int k = 0; k < nref && !st; k++)
    st = nacre_fingerprint_new(train->items[k].s, &fo, &ref[k], err);
  for (int k = 0; k < cfg->n && !st && candidates; k++) {
    if (nacre_learn_classify(&c->select, cfg->items[k].deviation) != NACRE_LEARN_CANDIDATE)
      continue;
    if (!(st = nacre_fingerprint_new(cfg->items[k].s, &fo, &cand[ncand], err)))
      map[ncand++] = k;
  }
  int max = c->select.max_per_iteration < budget ? c->select.max_per_iteration : budget;
  if (!st) {
    int n = nacre_learn_farthest_points((const nacre_fingerprint *const *)ref, nref,
                                        (const nacre_fingerprint *const *)cand, ncand,
                                        max, c->select.min_distance, pick);
    if (n < 0) st = nacre_error_set(err, NACRE_ERR_NOMEM, "selection");
    for (int q = 0; q < n; q++) {
      chosen[*nchosen] = map[pick[q]];
      is_random[(*nchosen)++] = 0;
    }
  }
  /* the random sample, whatever the deviation below hi: from the lowest-enthalpy
   * quarter of the end points of each task at each pressure (the minima
   * and the coldest runs, where a committee's systematic error decides
   * which structure is stable); an end point already chosen as a
   * candidate gives its place to the next lowest */
  if (!st && c->select.random_per_iteration > 0 && *nchosen < budget) {
    int nend = 0;
    double *h = malloc(((size_t)cfg->n + 1) * sizeof *h);
    int *group = malloc(((size_t)cfg->n + 1) * sizeof *group);
    char *taken = calloc((size_t)cfg->n + 1, 1);
    if (!h || !group || !taken) st = nacre_error_set(err, NACRE_ERR_NOMEM, "selection");
    for (int k = 0; k < cfg->n && !st; k++) {
      const learn_config *x = &cfg->items[k];
      /* a failed end point (σ_f ≥ hi: a run that left physical space) is
       * no structure to learn from, whatever the sample is for */
      if (!x->end_point ||
          nacre_learn_classify(&c->select, x->deviation) == NACRE_LEARN_FAILED)
        continue;
      map[nend] = k;
      h[nend] = x->enthalpy;
      group[nend] = -1;
      for (int j = 0; j < nend && group[nend] < 0; j++) {
        const learn_config *y = &cfg->items[map[j]];
        if (y->task == x->task && y->pressure_gpa == x->pressure_gpa) group[nend] = group[j];
      }
      if (group[nend] < 0) group[nend] = nend;
      for (int j = 0; j < *nchosen; j++) taken[nend] |= chosen[j] == k;
      nend++;
    }
    int want = c->select.random_per_iteration;
    if (want > budget - *nchosen) want = budget - *nchosen;
    int n = st ? 0 : nacre_learn_random_sample(nend, h, group, taken, want, seed, pick);
    if (n < 0) st = nacre_error_set(err, NACRE_ERR_NOMEM, "selection");
    for (int q = 0; q < n; q++) {
      chosen[*nchosen] = map[pick[q]];
      is_random[(*nchosen)++] = 1;
    }
    free(h);
    free(group);
    free(taken);
  }
  for (int k = 0; k < nref; k++) nacre_fingerprint_free(ref ? ref[k] : NULL);
  for (int k = 0; k < ncand; k++) nacre_fingerprint_free(cand[k]);
  free(ref);
  free(cand);
  free(map);
  free(pick);
  nacre_dataset_free(train);
  return st;
}

static nacre_status do_explore(loop *L, nacre_learn_iteration *it) {
  const nacre_learn_config *c = L->c;
  nacre_error *err = L->err;
  const nacre_learn_stage *sg = &c->stages[it->stage];
  double t0 = nacre_now_s();
  char committee[1200], work[1200];
  committee_path(L, it->iteration, committee, sizeof committee);
  snprintf(work, sizeof work, "%s/explore", L->dir);
  learn_configs cfg;
  memset(&cfg, 0, sizeof cfg);
  nacre_learn_task_stats *stats = calloc((size_t)sg->ntasks, sizeof *stats);
  if (!stats) return nacre_error_set(err, NACRE_ERR_NOMEM, "exploration");
  uint64_t seed = c->seed + 1000003u * (uint64_t)it->iteration;
  nacre_status st = NACRE_OK;
  it->converged = 1;
  it->accurate_fraction = NAN;
  for (int k = 0; k < sg->ntasks && !st; k++) {
    char what[128];
    snprintf(what, sizeof what, "exploring: %s", sg->tasks[k].name);
    say(L, it, what);
    stats[k].iteration = it->iteration;
    stats[k].stage = it->stage;
    stats[k].task = k;
    st = learn_explore_task(c, &sg->tasks[k], k, committee, work, seed + 31u * (uint64_t)k,
                            &cfg, &stats[k], L->ctx, err);
    double f = stats[k].configurations
                   ? (double)stats[k].accurate / (double)stats[k].configurations
                   : 0;
    if (f < sg->tasks[k].accurate_fraction) it->converged = 0;
    if (!isfinite(it->accurate_fraction) || f < it->accurate_fraction)
      it->accurate_fraction = f;
  }
  int nchosen = 0;
  int *chosen = malloc(((size_t)cfg.n + 1) * sizeof *chosen);
  char *is_random = malloc((size_t)cfg.n + 1);
  if (!st && (!chosen || !is_random)) st = nacre_error_set(err, NACRE_ERR_NOMEM, "selection");
  if (!st) {
    int used = 0, budget = 1 << 30;
    if (sg->label_budget > 0) {
      st = learn_db_count(L->db, it->stage, "labelled", NULL, &used, err);
      budget = sg->label_budget - used;
      if (budget < 0) budget = 0;
    }
    if (!st)
      st = select_configs(L, &cfg, budget, !it->converged, seed, chosen, is_random,
                          &nchosen);
  }
  if (!st) st = learn_db_begin(L->db, err);
  for (int k = 0; k < sg->ntasks && !st; k++) st = learn_db_put_task(L->db, &stats[k], err);
  for (int q = 0; q < nchosen && !st; q++) {
    const learn_config *x = &cfg.items[chosen[q]];
    st = learn_db_add_structure(L->db, it->iteration, it->stage, x->task,
                                is_random[q] ? "random" : "candidate", x->deviation, x->s,
                                err);
  }
  it->selected = nchosen;
  it->explore_s = nacre_now_s() - t0;
  snprintf(it->phase, sizeof it->phase, "%s", nchosen ? "label" : "done");
  if (!st && it->converged) st = learn_db_set_stage(L->db, it->stage, "converged", err);
  if (!st) st = learn_db_put_iteration(L->db, it, err);
  if (!st) st = learn_db_commit(L->db, err);
  else learn_db_rollback(L->db);
  if (!st) {
    char what[200];
    snprintf(what, sizeof what, "explored: %d configurations, smallest accurate fraction "
             "%.1f %%%s, %d selected", cfg.n, 100 * it->accurate_fraction,
             it->converged ? " (converged)" : "", nchosen);
    say(L, it, what);
  }
  free(chosen);
  free(is_random);
  free(stats);
  learn_configs_free(&cfg);
  return st;
}

/* ---- between iterations ---- */

static nacre_status finish(loop *L, const nacre_learn_iteration *it) {
  nacre_error *err = L->err;
  char from[1200], to[1200];
  committee_path(L, it->iteration, from, sizeof from);
  snprintf(to, sizeof to, "%s/model.json", L->dir);
  nacre_status st = copy_committee(from, to, err);
  const char *roles[2] = {"train", "test"};
  for (int r = 0; r < 2 && !st; r++) {
    nacre_dataset *d = NULL;
    st = learn_db_labelled(L->db, roles[r], -1, NULL, &d, err);
    snprintf(to, sizeof to, "%s/%s.extxyz", L->dir, roles[r]);
    if (!st) st = nacre_dataset_save_extxyz(d, to, err);
    nacre_dataset_free(d);
  }
  if (!st) st = learn_db_set_setting(L->db, "finished", "1", err);
  return st;
}

/* After an iteration is done: the next one, or the end. *finished set at
 * the end. */
static nacre_status next(loop *L, const nacre_learn_iteration *it, int *finished) {
  const nacre_learn_config *c = L->c;
  nacre_error *err = L->err;
  *finished = 0;
  if (it->stage >= c->nstages) {
    *finished = 1;
    return finish(L, it);
  }
  nacre_learn_iteration nx;
  memset(&nx, 0, sizeof nx);
  nx.iteration = it->iteration + 1;
  nx.test_e_rmse = nx.test_f_rmse = nx.test_s_rmse = NAN;
  nx.sample_e_rmse = nx.sample_f_rmse = nx.accurate_fraction = NAN;
  snprintf(nx.phase, sizeof nx.phase, "train");
  nacre_status st = learn_db_begin(L->db, err);
  if (st) return st;
  char outcome[24] = "";
  if (it->stage < 0) {
    nx.stage = 0;
  } else {
    const nacre_learn_stage *sg = &c->stages[it->stage];
    st = learn_db_stage_outcome(L->db, it->stage, outcome, err);
    int used = 0;
    if (!st) st = learn_db_count(L->db, it->stage, "labelled", NULL, &used, err);
    if (!st && !outcome[0]) {
      if (sg->label_budget > 0 && used >= sg->label_budget)
        snprintf(outcome, sizeof outcome, "label-budget");
      else if (it->stage_iteration + 1 >= sg->max_iterations)
        snprintf(outcome, sizeof outcome, "max-iterations");
      if (outcome[0]) st = learn_db_set_stage(L->db, it->stage, outcome, err);
    }
    nx.stage = outcome[0] ? it->stage + 1 : it->stage;
    nx.stage_iteration = outcome[0] ? 0 : it->stage_iteration + 1;
  }
  if (!st) st = learn_db_put_iteration(L->db, &nx, err);
  if (!st) st = learn_db_commit(L->db, err);
  else learn_db_rollback(L->db);
  if (!st && outcome[0]) {
    char what[160];
    snprintf(what, sizeof what, "stage %s ended: %s", c->stages[it->stage].name, outcome);
    say(L, it, what);
  }
  return st;
}

/* The labels a prepared batch of the iteration in flight still owes. */
static nacre_status report_pending(learn_db *db, const char *dir, nacre_learn_report *rep,
                                   nacre_error *err) {
  rep->pending_labels = 0;
  rep->pending_dir[0] = 0;
  nacre_learn_iteration it;
  int found = 0;
  nacre_status st = learn_db_last_iteration(db, &it, &found, err);
  if (st || !found || strcmp(it.phase, "label")) return st;
  char key[32];
  prepared_key(it.iteration, key);
  st = learn_db_get_setting(db, key, rep->pending_dir, sizeof rep->pending_dir, err);
  if (!st && rep->pending_dir[0])
    st = labels_owed(db, dir, it.iteration, &rep->pending_labels, err);
  return st;
}

nacre_status nacre_learn_run(const nacre_learn_config *c, const char *dir,
                             nacre_learn_progress_fn progress, void *user,
                             const nacre_ctx *ctx, nacre_learn_report *rep,
                             nacre_error *err) {
  if (rep) memset(rep, 0, sizeof *rep);
  if (c->label_mode != NACRE_LABEL_MODE_RUN && !c->label_dir[0])
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "labels run elsewhere need a folder for their jobs");
  static const char *const sub[] = {"", "/committees", "/labels", "/explore"};
  nacre_status st = NACRE_OK;
  for (int k = 0; k < 4 && !st; k++) {
    char p[1200];
    snprintf(p, sizeof p, "%s%s", dir, sub[k]);
    st = make_dir(p, err);
  }
  if (st) return st;
  char dbpath[1200];
  snprintf(dbpath, sizeof dbpath, "%s/learn.db", dir);
  loop L = {c, dir, NULL, progress, user, ctx, err, 0};
  if ((st = learn_db_open(dbpath, c->text, 0, &L.db, err))) return st;
  int finished = 0;
  char fin[8];
  if (!(st = learn_db_get_setting(L.db, "finished", fin, sizeof fin, err)))
    finished = fin[0] == '1';
  while (!st && !finished) {
    if (nacre_ctx_interrupted(ctx)) {
      st = nacre_error_set(err, NACRE_ERR_INTERRUPTED, "interrupted");
      break;
    }
    nacre_learn_iteration it;
    int found = 0;
    if ((st = learn_db_last_iteration(L.db, &it, &found, err))) break;
    if (!found) {
      st = start(&L);
      continue;
    }
    if (!strcmp(it.phase, "label")) st = do_label(&L, &it);
    else if (!strcmp(it.phase, "train")) st = do_train(&L, &it);
    else if (!strcmp(it.phase, "explore")) st = do_explore(&L, &it);
    else st = next(&L, &it, &finished);
    if (L.waiting) break;
  }
  if (!st && rep) {
    st = learn_db_report(L.db, c->nstages, rep, err);
    snprintf(rep->model, sizeof rep->model, "%s/model.json", dir);
    if (!st) st = report_pending(L.db, dir, rep, err);
  }
  learn_db_close(L.db);
  return st;
}

nacre_status nacre_learn_report_read(const char *dir, nacre_learn_report *rep,
                                     nacre_error *err) {
  memset(rep, 0, sizeof *rep);
  char dbpath[1200];
  snprintf(dbpath, sizeof dbpath, "%s/learn.db", dir);
  if (!nacre_file_exists(dbpath))
    return nacre_error_set(err, NACRE_ERR_IO, "%s: no learning run here", dbpath);
  learn_db *db = NULL;
  nacre_status st = learn_db_open(dbpath, NULL, 1, &db, err);
  if (st) return st;
  /* the number of stages from the stored configuration */
  nacre_learn_config *c = NULL;
  int nstages = 0;
  char *text = malloc(1 << 20);
  if (!text) st = nacre_error_set(err, NACRE_ERR_NOMEM, "report");
  if (!st) st = learn_db_get_setting(db, "config", text, 1 << 20, err);
  if (!st && !nacre_learn_config_parse(text, dbpath, dir, &c, NULL)) nstages = c->nstages;
  nacre_learn_config_free(c);
  free(text);
  if (!st) st = learn_db_report(db, nstages, rep, err);
  snprintf(rep->model, sizeof rep->model, "%s/model.json", dir);
  if (!st) st = report_pending(db, dir, rep, err);
  learn_db_close(db);
  return st;
}
