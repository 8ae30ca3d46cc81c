/* test_tribes.c — multi-tribe evolution (--tribes, --tribe-restart):
 *  1. the replay on hand-made candidates: slots split 4/3/3 among three
 *     tribes of a population of 10; a tribe whose lowest enthalpy per atom
 *     does not fall by more than 1e-5 eV/atom in G generations starts
 *     again at the next generation, one that keeps improving does not; a
 *     generation with a pending candidate ends the replay;
 *  2. an LJ13 search in the auto mix with two tribes that stagnate once
 *     they hold the icosahedron (−44.326801 ε, the Cambridge Cluster
 *     Database): every parent of a tribe's candidate is a minimum that
 *     tribe found since its last restart (by its own candidate or a
 *     duplicate of it), a restart is a generation of the tribe made only of
 *     random structures, and their count is the progress line's and the
 *     report's;
 *  3. killed with SIGKILL in the middle of a generation and resumed, the
 *     run makes the same candidates from the same parents, with the same
 *     enthalpies, as the uninterrupted one;
 *  4. the setting is stored and a resume that changes it is refused; more
 *     tribes than the population, and tribes in a composition range, are
 *     refused with messages that say so. */
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "nacre/search.h"
#include "search/tribes.h"
#include "testing.h"

#define LJ "lj:epsilon=1,sigma=1,cutoff=10"
#define LJ13_MIN (-44.326801) /* ε, Cambridge Cluster Database */
#define POP 10
#define BUDGET 240

/* 1. the replay */
static void check_replay(void) {
  nacre_search_config cfg;
  nacre_search_config_init(&cfg);
  cfg.population = POP;
  cfg.tribes = 3;
  cfg.tribe_restart = 2;
  search_tribes tr;
  /* six generations; tribe 0 improves every generation, tribe 1 never
   * after its first, tribe 2 only by 5e-6 eV/atom (below the threshold) */
  enum { NG = 6 };
  static nacre_candidate c[NG * POP];
  nacre_structure *one = nacre_structure_new(1, NULL);
  for (int g = 0; g < NG; g++)
    for (int s = 0; s < POP; s++) {
      nacre_candidate *x = &c[g * POP + s];
      memset(x, 0, sizeof *x);
      x->id = g * POP + s;
      x->generation = g;
      x->status = NACRE_CANDIDATE_DONE;
      x->relaxed = one;
      x->duplicate_of = -1;
      x->enthalpy = s < 4 ? -1.0 - 0.01 * g : s < 7 ? -2.0 : -3.0 - 5e-6 * g;
    }
  search_tribes_replay(&tr, &cfg, c, NG * POP, 0);
  CHECK(tr.n == 3 && search_tribe_first_slot(&tr, 1) == 4 &&
            search_tribe_first_slot(&tr, 2) == 7 &&
            search_tribe_first_slot(&tr, 3) == 10 &&
            search_tribe_of_slot(&tr, 3) == 0 &&
            search_tribe_of_slot(&tr, 4) == 1 &&
            search_tribe_of_slot(&tr, 9) == 2,
        "slots 0-3, 4-6, 7-9 for three tribes of 10");
  /* tribes 1 and 2: best set at generation 0, no gain at 1 and 2: a
   * restart after generation 2 (epoch 3), again after 3, 4 (epoch 6) */
  search_tribes_replay(&tr, &cfg, c, NG * POP, 3);
  CHECK(tr.epoch[0] == 0 && tr.epoch[1] == 3 && tr.epoch[2] == 3 &&
            tr.restarts == 2,
        "before generation 3: epochs %d %d %d (0 3 3), %ld restarts (2)",
        tr.epoch[0], tr.epoch[1], tr.epoch[2], tr.restarts);
  search_tribes_replay(&tr, &cfg, c, NG * POP, NG);
  CHECK(tr.epoch[0] == 0 && tr.epoch[1] == 6 && tr.epoch[2] == 6 &&
            tr.restarts == 4 && tr.stall[0] == 0,
        "before generation 6: epochs %d %d %d (0 6 6), %ld restarts (4)",
        tr.epoch[0], tr.epoch[1], tr.epoch[2], tr.restarts);
  c[2 * POP + 5].status = NACRE_CANDIDATE_PENDING;
  search_tribes_replay(&tr, &cfg, c, NG * POP, NG);
  CHECK(tr.epoch[1] == 0 && tr.restarts == 0,
        "a pending candidate in generation 2 ends the replay there (%ld)",
        tr.restarts);
  cfg.tribes = 1;
  search_tribes_replay(&tr, &cfg, c, NG * POP, NG);
  CHECK(tr.n == 1 && tr.restarts == 0, "one tribe never restarts");
  nacre_structure_free(one);
}

static void config(nacre_search_config *c) {
  nacre_search_config_init(c);
  nacre_composition_parse("Ar13", &c->composition, NULL);
  c->cluster = 1;
  c->seed = 5;
  c->population = POP;
  c->budget = BUDGET;
  c->tribes = 2;
  c->tribe_restart = 3;
  snprintf(c->potential, sizeof c->potential, LJ);
  c->random.volume_per_atom = 1.2;
  c->relax.fmax_ev_a = 1e-3;
  c->relax.max_steps = 2000;
  nacre_random_options_set_distance(&c->random, 18, 18, 0.8, NULL);
}

typedef struct seen {
  long tribe_restarts;
  int tribes;
  long kill_at; /* > 0: SIGKILL once this many are done */
} seen;

static int on_progress(void *user, const nacre_search_progress *p) {
  seen *s = user;
  s->tribe_restarts = p->tribe_restarts;
  s->tribes = p->tribes;
  if (s->kill_at > 0 && p->done >= s->kill_at) raise(SIGKILL);
  return 0;
}

static int run(const char *path, const nacre_search_config *c,
               nacre_search_relaxer *rel, seen *s) {
  unlink(path);
  nacre_run *r;
  nacre_error err;
  if (nacre_run_create(path, c, &r, &err)) {
    printf("create: %s\n", err.message);
    return 1;
  }
  nacre_status st = nacre_search_run(r, nacre_search_relax_potential, rel,
                                     on_progress, s, NULL, &err);
  if (st) printf("search: %s\n", err.message);
  nacre_run_close(r);
  return st != NACRE_OK;
}

/* Every candidate of the run by id (failed and pending ones: status only). */
typedef struct pool {
  nacre_candidate *done;
  long ndone, n;
  const nacre_candidate *byid[BUDGET];
} pool;

static int load(const char *path, pool *pl) {
  nacre_run *r;
  nacre_error err;
  memset(pl, 0, sizeof *pl);
  if (nacre_run_open_readonly(path, &r, &err)) return 1;
  nacre_status st = nacre_run_load_done(r, &pl->done, &pl->ndone, &err);
  nacre_run_close(r);
  if (st) return 1;
  for (long k = 0; k < pl->ndone; k++)
    if (pl->done[k].id >= 0 && pl->done[k].id < BUDGET) {
      pl->byid[pl->done[k].id] = &pl->done[k];
      if (pl->done[k].id + 1 > pl->n) pl->n = pl->done[k].id + 1;
    }
  return 0;
}

static int tribe_of(long id) { return (int)(id % POP) < POP / 2 ? 0 : 1; }

/* Whether every finished candidate of the tribe's slots in generation g is
 * a random structure. */
static int all_random(const pool *pl, int t, int g) {
  int any = 0;
  for (long id = (long)g * POP; id < (long)(g + 1) * POP && id < pl->n; id++) {
    const nacre_candidate *x = pl->byid[id];
    if (tribe_of(id) != t || !x) continue;
    any = 1;
    if (strcmp(x->engine, "random")) return 0;
  }
  return any;
}

static long rep_of(const pool *pl, long id) {
  long d = pl->byid[id]->duplicate_of;
  return d >= 0 ? d : id;
}

/* 2. parents come from the tribe's own minima since its last restart;
 * returns the restarts seen. */
static long check_parents(const pool *pl, int *bad) {
  long restarts = 0;
  int epoch[2] = {0, 0};
  *bad = 0;
  for (int g = 1; (long)g * POP < pl->n; g++) {
    for (int t = 0; t < 2; t++)
      if (all_random(pl, t, g)) {
        epoch[t] = g;
        restarts++;
      }
    for (long id = (long)g * POP; id < (long)(g + 1) * POP && id < pl->n; id++) {
      const nacre_candidate *x = pl->byid[id];
      if (!x || !x->parents[0]) continue;
      int t = tribe_of(id);
      for (const char *q = x->parents; *q;) {
        char *end;
        long p = strtol(q, &end, 10);
        if (end == q) break;
        q = *end == ',' ? end + 1 : end;
        /* a candidate of tribe t since its epoch found p's minimum (the
         * stored duplicate_of is the minimum's final representative) */
        long rp = p >= 0 && p < pl->n && pl->byid[p] ? rep_of(pl, p) : -2;
        int found = 0;
        for (long j = (long)epoch[t] * POP; j < (long)g * POP && !found; j++)
          found = pl->byid[j] && tribe_of(j) == t && rep_of(pl, j) == rp;
        if (!found) {
          if (*bad < 5)
            printf("candidate %ld (tribe %d, epoch %d): parent %ld not the "
                   "tribe's\n", id, t, epoch[t], p);
          (*bad)++;
        }
      }
    }
  }
  return restarts;
}

static void check_config(void) {
  nacre_search_config c;
  nacre_error err;
  config(&c);
  c.tribes = POP + 1;
  CHECK(nacre_search_config_check(&c, &err) == NACRE_ERR_INVALID &&
            strstr(err.message, "tribes"),
        "more tribes than the population refused: %s", err.message);
  config(&c);
  c.tribe_restart = 0;
  CHECK(nacre_search_config_check(&c, &err) == NACRE_ERR_INVALID,
        "a restart after 0 generations refused: %s", err.message);
  config(&c);
  c.cluster = 0;
  snprintf(c.composition_range, sizeof c.composition_range, "Li,Sn");
  c.min_natoms = 1;
  c.max_natoms = 4;
  CHECK(nacre_search_config_check(&c, &err) == NACRE_ERR_INVALID &&
            strstr(err.message, "one population"),
        "tribes in a composition range refused: %s", err.message);
}

int main(void) {
#ifdef _OPENMP
  omp_set_num_threads(1); /* 13 atoms: threads would only wait */
#endif
  check_replay();
  check_config();
  nacre_error err;
  nacre_search_relax_settings rs = {1e-3, 0.01, 2000};
  nacre_search_relaxer *rel;
  nacre_status st = nacre_search_relaxer_new(LJ, &rs, &rel, &err);
  if (st == NACRE_ERR_UNSUPPORTED) {
    printf("SKIP: %s\n", err.message);
    return 77;
  }
  CHECK_OK(st, &err);
  char dir[] = "/tmp/nacre-test-tribes-XXXXXX";
  if (!mkdtemp(dir)) return 1;
  char pa[256], pb[256];
  snprintf(pa, sizeof pa, "%s/a.db", dir);
  snprintf(pb, sizeof pb, "%s/b.db", dir);

  /* 2. the uninterrupted run */
  nacre_search_config c;
  config(&c);
  seen sa = {0, 0, 0};
  CHECK(run(pa, &c, rel, &sa) == 0, "two-tribe run");
  pool a;
  if (load(pa, &a) == 0) {
    double best = INFINITY;
    for (long k = 0; k < a.ndone; k++) best = fmin(best, a.done[k].enthalpy);
    CHECK(fabs(best - LJ13_MIN) < 1e-4, "LJ13: lowest %.6f (the icosahedron "
          "%.6f)", best, LJ13_MIN);
    int bad;
    long restarts = check_parents(&a, &bad);
    CHECK(bad == 0, "%d parents outside their tribe's minima since its "
          "restart", bad);
    CHECK(restarts >= 2 && restarts == sa.tribe_restarts && sa.tribes == 2,
          "%ld all-random tribe generations after the first, progress %ld "
          "restarts of %d tribes", restarts, sa.tribe_restarts, sa.tribes);
    nacre_run *r;
    if (nacre_run_open_readonly(pa, &r, &err) == NACRE_OK) {
      nacre_search_report *rep;
      CHECK_OK(nacre_search_report_new(r, &rep, &err), &err);
      if (rep) {
        CHECK(rep->tribe_restarts == restarts && rep->config.tribes == 2,
              "report: %ld restarts (%ld)", rep->tribe_restarts, restarts);
        nacre_search_report_free(rep);
      }
      /* 4. stored, and a resume that changes it is refused */
      nacre_search_config asked = *nacre_run_config(r);
      asked.tribes = 1;
      const char *conflict = NULL;
      nacre_run_close(r);
      CHECK_OK(nacre_run_open(pa, &r, &err), &err);
      if (r) {
        st = nacre_run_apply(r, &asked, &conflict, &err);
        CHECK(st == NACRE_ERR_INVALID && conflict && !strcmp(conflict, "tribes"),
              "a resume with one tribe refused (%s)", conflict ? conflict : "-");
        nacre_run_close(r);
      }
    }

    /* 3. killed in the middle of generation 11, resumed */
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
      seen sk = {0, 0, 115};
      run(pb, &c, rel, &sk);
      _exit(3);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
          "the run was killed (status %d)", status);
    pool part;
    if (load(pb, &part) == 0) {
      CHECK(part.ndone >= 115 && part.ndone < 120,
            "the killed run kept %ld relaxations", part.ndone);
      nacre_candidates_free(part.done, part.ndone);
    }
    seen sb = {0, 0, 0};
    if (nacre_run_open(pb, &r, &err) == NACRE_OK) {
      CHECK_OK(nacre_search_run(r, nacre_search_relax_potential, rel,
                                on_progress, &sb, NULL, &err), &err);
      nacre_run_close(r);
    }
    pool b;
    if (load(pb, &b) == 0) {
      int same = a.ndone == b.ndone && a.n == b.n;
      for (long id = 0; same && id < a.n; id++) {
        const nacre_candidate *x = a.byid[id], *y = b.byid[id];
        same = (!x && !y) ||
               (x && y && x->enthalpy == y->enthalpy &&
                x->duplicate_of == y->duplicate_of &&
                !strcmp(x->parents, y->parents) && !strcmp(x->op, y->op));
        if (!same) printf("candidate %ld differs\n", id);
      }
      CHECK(same && sb.tribe_restarts == sa.tribe_restarts,
            "the resumed run made the same %ld candidates from the same "
            "parents (%ld restarts, %ld uninterrupted)", b.ndone,
            sb.tribe_restarts, sa.tribe_restarts);
      nacre_candidates_free(b.done, b.ndone);
    }
    nacre_candidates_free(a.done, a.ndone);
  }
  nacre_search_relaxer_free(rel);
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  if (system(cmd) != 0) printf("could not remove %s\n", dir);
  TEST_DONE();
}
