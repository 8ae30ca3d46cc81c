/* bench_otf.c — does the similarity screen of on-the-fly learning MD pay?
 * Fcc Cu32 (a = 3.615 Å) in NVT (Bussi) at 1200 K, 1 fs steps, labelled by
 * Debian's Cu_u3.eam through the potential labeller with a fixed delay per
 * label (a slow labeller, as DFT is), driven by a committee of two 8-8
 * networks started from ten random Cu8 crystals and retrained every 3
 * labels — once with the screen and once without it, for several seeds
 * (the configuration's seed and the MD's). After every retraining the
 * committee is measured on an independent set (30 frames of EAM-driven MD
 * at 1200 K from another seed, 40 fs apart after 500 fs): the learning
 * curve, error against the labels the committee was trained on.
 *
 * Prints per run the labels, the share of labelled steps, the wall time,
 * the estimated time of labelling every step (evaluations × the measured
 * time of one label) and the speed-up against it, and the final errors;
 * then per seed the comparison at equal error: the labels each mode
 * needed to first reach the force error both reach, and the error of the
 * run without the screen after as many labels as the screened run used.
 *
 * usage: bench_otf [--seed FIRST] [--seeds N] [--steps N] [--delay S] [--dir DIR] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench_util.h"
#include "nacre/io.h"
#include "nacre/learn.h"
#include "nacre/md.h"
#include "nacre/train.h"

#define EAM "/usr/share/lammps/potentials/Cu_u3.eam"
#define MAXPTS 256

typedef struct curve {
  int n;
  int labels[MAXPTS];
  double e_mev[MAXPTS], f_mev[MAXPTS];
} curve;

typedef struct watch {
  const char *dir;
  const nacre_dataset *truth;
  curve *c;
  int retrainings;  /* seen so far; -1 before the first step */
  long labelled;    /* at the step before */
} watch;

static nacre_structure *fcc_cu32(void) {
  nacre_structure *s = nacre_structure_new(32, NULL);
  const double a = 3.615, basis[4][3] = {{0, 0, 0}, {0, .5, .5}, {.5, 0, .5}, {.5, .5, 0}};
  int k = 0;
  for (int x = 0; x < 2; x++)
    for (int y = 0; y < 2; y++)
      for (int z = 0; z < 2; z++)
        for (int b = 0; b < 4; b++, k++) {
          s->numbers[k] = 29;
          s->positions[3 * k] = a * (x + basis[b][0]);
          s->positions[3 * k + 1] = a * (y + basis[b][1]);
          s->positions[3 * k + 2] = a * (z + basis[b][2]);
        }
  for (int q = 0; q < 3; q++) {
    s->cell[q][q] = 2 * a;
    s->pbc[q] = 1;
  }
  return s;
}

/* EAM-driven NVT MD frames, labelled by the EAM. */
static nacre_dataset *truth_set(const nacre_structure *s, int frames, int every, int skip) {
  nacre_error err;
  nacre_potential *eam = NULL;
  nacre_dataset *d = nacre_dataset_new(&err);
  if (nacre_potential_load(EAM, &eam, &err)) return NULL;
  nacre_calc *calc = nacre_calc_new(eam, -1, &err);
  nacre_md_options o;
  nacre_md_options_init(&o);
  o.timestep_fs = 1;
  o.temperature_k = 1200;
  o.thermostat = NACRE_MD_BUSSI;
  o.seed = 987654;
  nacre_md *md = NULL;
  nacre_md_outcome out;
  nacre_result r;
  nacre_result_init(&r, s->natoms, &err);
  if (nacre_md_new(calc, s, NULL, NULL, &o, &md, &err) || nacre_md_run(md, skip, NULL, &out, &err))
    return NULL;
  for (int k = 0; k < frames; k++) {
    if (nacre_md_run(md, every, NULL, &out, &err)) return NULL;
    nacre_sample sm;
    memset(&sm, 0, sizeof sm);
    sm.s = nacre_structure_copy(nacre_md_structure(md), &err);
    nacre_calc_compute(calc, sm.s, NACRE_WANT_ALL, &r, &err);
    sm.energy = r.energy;
    sm.forces = malloc(3 * (size_t)s->natoms * sizeof *sm.forces);
    memcpy(sm.forces, r.forces, 3 * (size_t)s->natoms * sizeof *sm.forces);
    memcpy(sm.stress, r.stress, sizeof sm.stress);
    sm.has = NACRE_LABEL_ENERGY | NACRE_LABEL_FORCES | NACRE_LABEL_STRESS;
    nacre_dataset_take(d, &sm, &err);
  }
  nacre_result_free(&r);
  nacre_md_free(md);
  nacre_calc_free(calc);
  nacre_potential_free(eam);
  return d;
}

/* The committee file's errors on the independent set, meV/atom and meV/Å. */
static int measure(const char *model, const nacre_dataset *d, double *e_mev, double *f_mev) {
  nacre_error err;
  nacre_potential *p = NULL;
  if (nacre_potential_load(model, &p, &err)) return -1;
  long na = nacre_dataset_natoms(d);
  double *ep = malloc((size_t)d->n * sizeof *ep), *fp = malloc(3 * (size_t)na * sizeof *fp);
  double(*sp)[6] = malloc((size_t)d->n * sizeof *sp);
  nacre_errors e;
  int rc = nacre_potential_evaluate(p, d, ep, fp, sp, NULL, NULL, NULL, &e, &err) ? -1 : 0;
  *e_mev = 1e3 * e.e_rmse;
  *f_mev = 1e3 * e.f_rmse;
  free(ep);
  free(fp);
  free(sp);
  nacre_potential_free(p);
  return rc;
}

/* After every step: a point of the curve when a new committee came in. */
static void on_progress(void *user, long step, const nacre_learn_md_report *r) {
  (void)step;
  watch *w = user;
  if (r->retrainings != w->retrainings && w->c->n < MAXPTS) {
    char model[1200];
    snprintf(model, sizeof model, "%s/committee.json", w->dir);
    int k = w->c->n;
    long trained = w->retrainings < 0 ? 0 : w->labelled;
    w->c->labels[k] = r->initial_labels + (int)trained;
    if (!measure(model, w->truth, &w->c->e_mev[k], &w->c->f_mev[k])) w->c->n++;
    w->retrainings = r->retrainings;
  }
  w->labelled = r->labelled;
}

/* Labels the curve first reached a force error <= f_mev at; -1: never. */
static int labels_to_reach(const curve *c, double f_mev) {
  for (int k = 0; k < c->n; k++)
    if (c->f_mev[k] <= f_mev) return c->labels[k];
  return -1;
}

/* The force error of the last committee trained on at most n labels. */
static double error_at(const curve *c, int n) {
  double f = NAN;
  for (int k = 0; k < c->n && c->labels[k] <= n; k++) f = c->f_mev[k];
  return f;
}

static const char *config_fmt =
    "{\"seed\": %d,\n"
    " \"initial\": {\"random\": {\"composition\": \"Cu8\", \"count\": 10}},\n"
    " \"label\": {\"code\": \"potential:" EAM "\"},\n"
    " \"committee\": {\"size\": 2, \"hidden\": [8, 8], \"epochs\": 300, \"warm_epochs\": 80,\n"
    "   \"weights\": {\"energy\": 1, \"force\": 0.1, \"stress\": 0.01}},\n"
    " \"selection\": {\"lo_ev_a\": 0.05, \"hi_ev_a\": 0.35, \"min_distance\": 0.001},\n"
    " \"stages\": [{\"tasks\": [{\"type\": \"md\", \"structures\": \"Cu32\"}]}]}\n";

int main(int argc, char **argv) {
  int seeds = 2, first = 1;
  long steps = 500;
  double delay = 0.2;
  const char *base = "bench-otf";
  for (int k = 1; k < argc; k++) {
    if (!strcmp(argv[k], "--seeds") && k + 1 < argc) seeds = atoi(argv[++k]);
    else if (!strcmp(argv[k], "--seed") && k + 1 < argc) first = atoi(argv[++k]);
    else if (!strcmp(argv[k], "--steps") && k + 1 < argc) steps = atol(argv[++k]);
    else if (!strcmp(argv[k], "--delay") && k + 1 < argc) delay = atof(argv[++k]);
    else if (!strcmp(argv[k], "--dir") && k + 1 < argc) base = argv[++k];
    else {
      fprintf(stderr, "usage: bench_otf [--seed FIRST] [--seeds N] [--steps N] [--delay S] "
                      "[--dir DIR]\n");
      return 2;
    }
  }
  if (access(EAM, R_OK)) {
    printf("bench_otf: %s (Debian lammps-data) not installed\n", EAM);
    return 77;
  }
  if (seeds < 1 || seeds > 16 || first < 1 || steps < 10) return 2;
  mkdir(base, 0777);
  nacre_structure *s = fcc_cu32();
  nacre_dataset *truth = truth_set(s, 30, 40, 500);
  if (!truth) return 1;
  printf("on-the-fly learning MD, fcc Cu32 NVT 1200 K, %ld steps of 1 fs, Cu_u3.eam labels "
         "+ %.2f s each, committee of two 8-8 networks retrained every 3 labels; "
         "independent set: %d EAM MD frames (another seed)\n",
         steps, delay, truth->n);
  curve cv[16][2];
  nacre_learn_md_report rep[16][2];
  for (int seed = first; seed < first + seeds; seed++)
    for (int screen = 1; screen >= 0; screen--) {
      char text[2048], dir[600];
      snprintf(text, sizeof text, config_fmt, seed);
      snprintf(dir, sizeof dir, "%s/seed%d-%s", base, seed, screen ? "screen" : "noscreen");
      nacre_learn_config *c = NULL;
      nacre_error err;
      if (nacre_learn_config_parse(text, "bench_otf.json", base, &c, &err)) {
        fprintf(stderr, "bench_otf: %s\n", err.message);
        return 1;
      }
      curve *cu = &cv[seed - first][screen];
      memset(cu, 0, sizeof *cu);
      watch w = {dir, truth, cu, -1, 0};
      nacre_learn_md_options o;
      nacre_learn_md_options_init(&o);
      o.md.timestep_fs = 1;
      o.md.temperature_k = 1200;
      o.md.thermostat = NACRE_MD_BUSSI;
      o.md.seed = (uint64_t)(1000 + seed);
      o.steps = steps;
      o.retrain_every = 3;
      o.screen = screen;
      o.label_delay_s = delay;
      o.progress = on_progress;
      o.progress_user = &w;
      nacre_ctx ctx;
      nacre_ctx_init(&ctx);
      nacre_learn_md_report *r = &rep[seed - first][screen];
      if (nacre_learn_md_run(c, s, &o, dir, &ctx, r, &err)) {
        fprintf(stderr, "bench_otf: %s: %s\n", dir, err.message);
        return 1;
      }
      nacre_learn_config_free(c);
      printf("seed %d, %-9s %s: %ld labelled (%.1f %% of %ld evaluations; %ld screened "
             "out), %d retrainings; wall %.0f s (labels %.0f s, training %.0f s); every "
             "step labelled %.0f s, speed-up %.2f\n",
             seed, screen ? "screen" : "no screen", nacre_md_outcome_name(r->outcome),
             r->labelled, 100 * r->labelled_fraction, r->evaluations, r->screened_out,
             r->retrainings, r->wall_s, r->label_s, r->train_s, r->all_labelled_s, r->speedup);
      printf("  curve (labels: E meV/atom, F meV/Å):");
      for (int k = 0; k < cu->n; k++)
        printf(" %d: %.1f, %.0f;", cu->labels[k], cu->e_mev[k], cu->f_mev[k]);
      printf("\n");
      fflush(stdout);
    }
  printf("\nat equal error (per seed): labels to first reach the force error both runs "
         "reach, and the error without the screen after as many labels as with it\n");
  for (int k = 0; k < seeds; k++) {
    const curve *a = &cv[k][1], *b = &cv[k][0];
    if (!a->n || !b->n) continue;
    double fa = a->f_mev[a->n - 1], fb = b->f_mev[b->n - 1];
    double target = fmax(fa, fb);
    int na = a->labels[a->n - 1];
    printf("seed %d: final F %.0f meV/Å with the screen (%d labels), %.0f without (%d); "
           "to reach %.0f meV/Å: %d labels with the screen, %d without; without the "
           "screen after %d labels: %.0f meV/Å\n",
           first + k, fa, na, fb, b->labels[b->n - 1], target, labels_to_reach(a, target),
           labels_to_reach(b, target), na, error_at(b, na));
  }
  nacre_dataset_free(truth);
  nacre_structure_free(s);
  return 0;
}
