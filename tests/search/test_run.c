/* test_run.c — the search loop and its run database: the pool depends only
 * on the seed (same in-process and with 2 or 3 worker processes); a run killed with
 * SIGKILL in the middle of a generation resumes to exactly the pool of an
 * uninterrupted run; a run is locked against a second writer; every engine
 * produces its operators; swarm particles keep w times their previous move
 * (PSO inertia, also after a resume), or with operator moves breed with the
 * right best or mutate (also after a resume); basin-hopping walkers resume
 * to the same hops; a parent's successive soft-mode
 * children take its successive softest modes; clusters work. Relaxation here is a short
 * deterministic steepest descent on a Lennard-Jones potential (the real
 * relaxer lives in opt/). */
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nacre/pot.h"
#include "nacre/search.h"
#include "searchtest.h"
#include "testing.h"

typedef struct lj_user {
  nacre_potential *pot;
} lj_user;

static nacre_status sd_relax(void *user, nacre_structure *s, double p_gpa,
                             nacre_search_relaxed *out, nacre_error *err) {
  return test_sd_relax(((lj_user *)user)->pot, s, p_gpa, out, err);
}

static void config(nacre_search_config *c, const char *comp, nacre_engine eng,
                   int jobs) {
  nacre_search_config_init(c);
  nacre_composition_parse(comp, &c->composition, NULL);
  c->engine = eng;
  c->seed = 7;
  c->population = 6;
  c->budget = 18;
  c->jobs = jobs;
  c->pressure_gpa = 1.0;
  snprintf(c->groups, sizeof c->groups, "1-230");
  snprintf(c->potential, sizeof c->potential, "lj:epsilon=0.0104,sigma=3.4");
  c->random.volume_per_atom = 45.0;
  nacre_random_options_set_distance(&c->random, 18, 18, 3.0, NULL);
}

/* A pure swarm of 4 Ar8 particles that are never regenerated. */
static void swarm_config(nacre_search_config *c, int budget) {
  config(c, "Ar8", NACRE_ENGINE_SWARM, 1);
  c->population = 4;
  c->budget = budget;
  c->swarm_regenerate = 0;
}

typedef struct summary {
  long n;
  double h[64];
  long dup[64];
  char op[64][24];
  char engine[64][16];
} summary;

static void summarize(const char *path, summary *sm) {
  nacre_run *r;
  nacre_error err;
  memset(sm, 0, sizeof *sm);
  if (nacre_run_open_readonly(path, &r, &err)) {
    printf("open %s: %s\n", path, err.message);
    return;
  }
  nacre_candidate *c;
  long n;
  if (!nacre_run_load_done(r, &c, &n, &err)) {
    sm->n = n;
    for (long k = 0; k < n && k < 64; k++) {
      sm->h[k] = c[k].enthalpy;
      sm->dup[k] = c[k].duplicate_of;
      snprintf(sm->op[k], 24, "%s", c[k].op);
      snprintf(sm->engine[k], 16, "%s", c[k].engine);
    }
    nacre_candidates_free(c, n);
  }
  nacre_run_close(r);
}

static int same(const summary *a, const summary *b) {
  if (a->n != b->n) return 0;
  for (long k = 0; k < a->n && k < 64; k++)
    if (a->h[k] != b->h[k] || a->dup[k] != b->dup[k] || strcmp(a->op[k], b->op[k]))
      return 0;
  return 1;
}

static int run_search(const char *path, const nacre_search_config *c,
                      lj_user *u, nacre_search_progress_fn prog) {
  nacre_run *r;
  nacre_error err;
  unlink(path);
  if (nacre_run_create(path, c, &r, &err)) {
    printf("create: %s\n", err.message);
    return 1;
  }
  nacre_status st = nacre_search_run(r, sd_relax, u, prog, NULL, NULL, &err);
  if (st) printf("search: %s\n", err.message);
  nacre_run_close(r);
  return st != NACRE_OK;
}

static int die_after_ten(void *user, const nacre_search_progress *p) {
  (void)user;
  if (p->done >= 10) raise(SIGKILL);
  return 0;
}

/* Runs c into `killed` in a child killed after ten relaxations, resumes it
 * here and compares the pool with the uninterrupted run already in `whole`
 * (which must hold `want` candidates). */
static void check_kill_resume(const char *whole, const char *killed,
                              const nacre_search_config *c, lj_user *u,
                              long want, const char *what) {
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    run_search(killed, c, u, die_after_ten);
    _exit(3);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  summary sw, swk;
  summarize(whole, &sw);
  nacre_run *r = NULL;
  nacre_error err;
  nacre_error_clear(&err);
  for (int t = 0; t < 50 && nacre_run_open(killed, &r, &err); t++) usleep(100000);
  CHECK(r != NULL, "killed %s run reopened: %s", what, err.message);
  if (r) {
    CHECK_OK(nacre_search_run(r, sd_relax, u, NULL, NULL, NULL, &err), &err);
    nacre_run_close(r);
  }
  summarize(killed, &swk);
  CHECK(WIFSIGNALED(status) && same(&sw, &swk) && sw.n == want,
        "resumed %s run reproduces the uninterrupted one (%ld vs %ld)", what,
        swk.n, sw.n);
}

/* A move's displacement, computed here from the structures alone: each
 * atom of `child` against the same atom of `from` in from's Niggli cell
 * (fractional, shortest image); M: that cell = M · from's cell. */
static int move_of(const nacre_structure *from, const nacre_structure *child,
                   double *v, int m[3][3]) {
  double red[3][3];
  nacre_structure *r = nacre_structure_copy(from, NULL);
  if (!r || nacre_cell_niggli(from->cell, 1e-5, red, m)) {
    nacre_structure_free(r);
    return 1;
  }
  memcpy(r->cell, red, sizeof red);
  double fr[3 * 64], fc[3 * 64];
  int bad = child->natoms > 64 || nacre_structure_get_frac(r, fr, NULL) ||
            nacre_structure_get_frac(child, fc, NULL);
  for (int i = 0; !bad && i < 3 * child->natoms; i++) {
    v[i] = fc[i] - fr[i];
    v[i] -= floor(v[i] + 0.5);
  }
  nacre_structure_free(r);
  return bad;
}

/* The finished candidates of a run, with at[id] = their index (ids below
 * 256; −1 for the others). Returns 0 on success. */
static int load_indexed(const char *path, nacre_run **r, nacre_candidate **c,
                        long *n, long at[256]) {
  if (nacre_run_open_readonly(path, r, NULL)) return 1;
  if (nacre_run_load_done(*r, c, n, NULL)) {
    nacre_run_close(*r);
    return 1;
  }
  for (long k = 0; k < 256; k++) at[k] = -1;
  for (long k = 0; k < *n; k++)
    if ((*c)[k].id < 256) at[(*c)[k].id] = k;
  return 0;
}

/* Swarm with c1 = c2 = 0 and no regeneration: each move must be w times
 * the particle's previous move (PSO inertia), carried into the Niggli
 * basis of the new position (v_new · M = w · v_old). Returns the number of
 * moves checked; counts mismatching atoms in *bad. */
static int check_inertia(const char *path, double w, int *bad, double *vmax) {
  nacre_run *r;
  nacre_candidate *c;
  long n, at[256];
  int checked = 0;
  *bad = 0;
  *vmax = 0;
  if (load_indexed(path, &r, &c, &n, at)) return 0;
  for (long k = 0; k < n; k++) {
    long cur = -1, prev = -1;
    if (strcmp(c[k].op, "move") || sscanf(c[k].parents, "%ld", &cur) != 1 ||
        cur < 0 || cur >= 256 || at[cur] < 0)
      continue;
    const nacre_candidate *cc = &c[at[cur]];
    if (strcmp(cc->op, "move") || sscanf(cc->parents, "%ld", &prev) != 1 ||
        prev < 0 || prev >= 256 || at[prev] < 0)
      continue;
    double vold[3 * 64], vnew[3 * 64];
    int m[3][3], m_unused[3][3];
    if (move_of(c[at[prev]].relaxed, cc->start, vold, m_unused) ||
        move_of(cc->relaxed, c[k].start, vnew, m))
      continue;
    checked++;
    for (int a = 0; a < c[k].start->natoms; a++)
      for (int j = 0; j < 3; j++) {
        double back = 0;
        for (int i = 0; i < 3; i++) back += vnew[3 * a + i] * m[i][j];
        if (fabs(back - w * vold[3 * a + j]) > 1e-9) ++*bad;
        if (fabs(vold[3 * a + j]) > *vmax) *vmax = fabs(vold[3 * a + j]);
      }
  }
  nacre_candidates_free(c, n);
  nacre_run_close(r);
  return checked;
}

/* Operator moves of the swarm (USPEX's corrected PSO), checked against
 * the rule from the stored candidates alone: candidate id is slot id mod
 * pop of its generation, a particle's position is its latest finished
 * candidate of earlier generations, its best the lowest enthalpy among
 * them, the swarm's best the lowest of all earlier finished candidates.
 * A heredity child must have parents "cur,best" with best its particle's
 * or the swarm's best and not cur itself; a mutation child parents "cur".
 * With w = 0 only a particle at both bests may mutate (with Dp = 0 its
 * partner must be the swarm's best, with Dg = 0 its own). Counts
 * violations in *bad; returns the number of moves checked. */
static int check_operator_moves(const char *path, int pop, int w_zero,
                                int *nher, int *nmut, int *bad) {
  nacre_run *r;
  nacre_candidate *c;
  long n, at[256];
  *nher = *nmut = *bad = 0;
  if (load_indexed(path, &r, &c, &n, at)) return 0;
  for (long k = 0; k < n; k++) {
    if (strcmp(c[k].engine, "swarm") || !strncmp(c[k].op, "random", 6)) continue;
    long id = c[k].id, from = (long)c[k].generation * pop;
    long cur = -1, pb = -1, g = -1;
    for (long j = 0; j < from && j < 256; j++) {
      if (at[j] < 0) continue;
      const nacre_candidate *cj = &c[at[j]];
      double hj = cj->enthalpy / cj->relaxed->natoms;
#define BETTER(x) (x < 0 || hj < c[at[x]].enthalpy / c[at[x]].relaxed->natoms)
      if (BETTER(g)) g = j;
      if (j % pop != id - from) continue;
      cur = j;
      if (BETTER(pb)) pb = j;
#undef BETTER
    }
    long a = -1, b = -1;
    int np = sscanf(c[k].parents, "%ld,%ld", &a, &b);
    if (cur < 0 || a != cur) {
      ++*bad;
      continue;
    }
    if (strstr(c[k].op, "heredity")) { /* also sym-heredity:N */
      ++*nher;
      *bad += np != 2 || b == cur || (b != pb && b != g) ||
              (w_zero && cur == pb && b != g) || (w_zero && cur == g && b != pb);
    } else {
      ++*nmut;
      *bad += np != 1 || (w_zero && !(cur == pb && cur == g));
    }
  }
  nacre_candidates_free(c, n);
  nacre_run_close(r);
  return *nher + *nmut;
}

/* Soft-mode children: the child must be the parent moved by some amplitude
 * along the parent's (rank+1)-th softest non-zero mode of the bond model,
 * rank = the parent's earlier soft-mode children, up to lattice vectors
 * (the move may exceed half a thin cell, so the amplitude is found from the
 * atom that moves most, over its 27 nearest images). Returns the number of
 * children checked; *later: those with rank ≥ 1; *bad: failures; children
 * of parents closer than the repair threshold are counted in *repaired. */
static int check_soft_walk(const char *path, const nacre_random_options *o,
                           int *later, int *bad, int *repaired) {
  nacre_run *r;
  nacre_candidate *c;
  long n, at[256];
  int rank[256] = {0}, checked = 0;
  *later = *bad = *repaired = 0;
  /* the ranks need every candidate (a soft-mode child that failed its
   * relaxation still counts for its parent): all must have finished */
  if (load_indexed(path, &r, &c, &n, at)) return 0;
  if (n == 0 || c[n - 1].id != n - 1) {
    printf("soft-mode walk: %ld of %ld candidates finished\n", n,
           n ? c[n - 1].id + 1 : 0);
    nacre_candidates_free(c, n);
    nacre_run_close(r);
    return 0;
  }
  for (long k = 0; k < n; k++) {
    long a = -1;
    if (strcmp(c[k].op, "soft-mode") || sscanf(c[k].parents, "%ld", &a) != 1 ||
        a < 0 || a >= 256)
      continue;
    int my = rank[a]++;
    if (at[a] < 0) continue;
    const nacre_structure *p = c[at[a]].relaxed, *ch = c[k].start;
    /* a parent already closer than the operators' repair threshold (0.75
     * of the minimum distances) may have atoms moved after the mode */
    if (nacre_search_closest_ratio(p, o) < 0.75) {
      ++*repaired;
      continue;
    }
    int na = p->natoms, n3 = 3 * na;
    double *w = malloc(sizeof(double) * n3), *v = malloc(sizeof(double) * n3 * n3);
    if (!nacre_soft_modes(p, w, v, NULL)) {
      int first = 0;
      while (first < n3 && w[first] < 1e-6 * fabs(w[n3 - 1])) first++;
      const double *u = v + (size_t)(first + my % (n3 - first)) * n3;
      int top = 0;
      double un = 0;
      for (int i = 0; i < na; i++) {
        double q = u[3 * i] * u[3 * i] + u[3 * i + 1] * u[3 * i + 1] +
                   u[3 * i + 2] * u[3 * i + 2];
        if (q > un) un = q, top = i;
      }
      double worst_best = INFINITY;
      for (int s27 = 0; s27 < 27; s27++) {
        int sh[3] = {s27 % 3 - 1, s27 / 3 % 3 - 1, s27 / 9 - 1};
        double amp = 0;
        for (int j = 0; j < 3; j++) {
          double dj = ch->positions[3 * top + j] - p->positions[3 * top + j];
          for (int l = 0; l < 3; l++) dj += sh[l] * p->cell[l][j];
          amp += dj * u[3 * top + j] / un;
        }
        double worst = 0;
        for (int i = 0; i < na; i++) {
          double res[3];
          for (int j = 0; j < 3; j++)
            res[j] = ch->positions[3 * i + j] - p->positions[3 * i + j] -
                     amp * u[3 * i + j];
          nacre_cell_minimum_image(p->cell, p->pbc, res);
          worst = fmax(worst, sqrt(res[0] * res[0] + res[1] * res[1] +
                                   res[2] * res[2]));
        }
        if (fabs(amp) > 1e-3) worst_best = fmin(worst_best, worst);
      }
      checked++;
      *later += my > 0;
      if (!(worst_best < 1e-6)) {
        ++*bad;
        printf("soft-mode child %ld of %ld (rank %d) is %.3g Å off the "
               "mode\n", c[k].id, a, my, worst_best);
      }
    }
    free(w), free(v);
  }
  nacre_candidates_free(c, n);
  nacre_run_close(r);
  return checked;
}

int main(void) {
  lj_user u;
  nacre_error err;
  CHECK_OK(nacre_lj_new(0.0104, 3.4, 8.5, 1, &u.pot, &err), &err);
  char dir[] = "/tmp/nacre-search-XXXXXX";
  if (!mkdtemp(dir)) TEST_SKIP("no temporary directory");
  char a[256], b[256], k[256], s[256];
  snprintf(a, sizeof a, "%s/a.db", dir);
  snprintf(b, sizeof b, "%s/b.db", dir);
  snprintf(k, sizeof k, "%s/k.db", dir);
  snprintf(s, sizeof s, "%s/s.db", dir);
  nacre_search_config c;

  /* 1. reference run (auto engine, 2 single-threaded worker processes) */
  config(&c, "Ar8", NACRE_ENGINE_AUTO, 2);
  CHECK(run_search(a, &c, &u, NULL) == 0, "reference run");
  summary sa, sb, sk;
  summarize(a, &sa);
  CHECK(sa.n >= 15, "reference run finished %ld of 18 relaxations", sa.n);
  int nher = 0, nmut = 0, nmove = 0, nrand = 0;
  for (long i = 0; i < sa.n; i++) {
    nher += strstr(sa.op[i], "heredity") != NULL; /* also sym-heredity:N */
    nmove += !strcmp(sa.engine[i], "swarm");
    nrand += !strncmp(sa.op[i], "random", 6);
    nmut += !strcmp(sa.op[i], "strain") || !strcmp(sa.op[i], "soft-mode") ||
            !strcmp(sa.op[i], "displacement") || !strcmp(sa.op[i], "swap") ||
            !strncmp(sa.op[i], "sym-mutation", 12);
  }
  CHECK(nher > 0 && nmut > 0 && nmove > 0 && nrand >= 6,
        "auto engine used heredity %d, mutation %d, swarm slots %d, random %d", nher,
        nmut, nmove, nrand);

  /* 2. three worker processes: the same pool */
  config(&c, "Ar8", NACRE_ENGINE_AUTO, 3);
  CHECK(run_search(b, &c, &u, NULL) == 0, "run with 3 workers");
  summarize(b, &sb);
  CHECK(same(&sa, &sb), "3 workers reproduce the 2-worker pool (%ld vs %ld)",
        sb.n, sa.n);

  /* 2b. in-process relaxation (jobs = 1, OpenMP threads): the potentials
   * sum in a thread-count-independent order, so the pool is the same */
  summary s1;
  config(&c, "Ar8", NACRE_ENGINE_AUTO, 1);
  CHECK(run_search(b, &c, &u, NULL) == 0, "run in-process");
  summarize(b, &s1);
  CHECK(same(&sa, &s1), "in-process run reproduces the 2-worker pool");

  /* 3. kill -9 mid-run (2 workers), then resume */
  config(&c, "Ar8", NACRE_ENGINE_AUTO, 2);
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    run_search(k, &c, &u, die_after_ten);
    _exit(3);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
        "the run was killed (status %d)", status);
  summary partial;
  summarize(k, &partial);
  CHECK(partial.n >= 10 && partial.n < 18,
        "killed run kept its %ld finished relaxations", partial.n);
  nacre_run *r = NULL;
  /* give the orphaned workers a moment to see EOF and release the lock */
  for (int t = 0; t < 50; t++) {
    if (nacre_run_open(k, &r, &err) == NACRE_OK) break;
    usleep(100000);
  }
  CHECK(r != NULL, "killed run can be reopened: %s", err.message);
  if (r) {
    CHECK(nacre_run_config(r)->seed == 7 && nacre_run_config(r)->population == 6,
          "configuration read back");
    /* a second writer is refused while the first holds the run */
    nacre_run *r2 = NULL;
    CHECK(nacre_run_open(k, &r2, &err) == NACRE_ERR_IO &&
              strstr(err.message, "in use"),
          "second writer refused: %s", err.message);
    nacre_run_close(r2);
    /* readers may look while it is held */
    nacre_run *ro = NULL;
    CHECK_OK(nacre_run_open_readonly(k, &ro, &err), &err);
    nacre_run_close(ro);
    CHECK_OK(nacre_search_run(r, sd_relax, &u, NULL, NULL, NULL, &err), &err);
    CHECK(!strcmp(nacre_run_stop_reason(r), "budget"), "stopped by budget: %s",
          nacre_run_stop_reason(r));
    nacre_run_close(r);
  }
  summarize(k, &sk);
  CHECK(same(&sa, &sk), "resumed run reproduces the uninterrupted pool");
  /* creating over an existing run is refused */
  CHECK(nacre_run_create(k, &c, &r, &err) == NACRE_ERR_INVALID,
        "existing run not overwritten: %s", err.message);

  /* 4. a time limit stops the run (resumable); lifting it finishes the
   * same pool */
  config(&c, "Ar8", NACRE_ENGINE_AUTO, 2);
  c.time_limit_s = 1e-6;
  CHECK(run_search(s, &c, &u, NULL) == 0, "time-limited run");
  summary st1, st2;
  summarize(s, &st1);
  CHECK(st1.n < 18, "time limit stopped the run early (%ld done)", st1.n);
  if (nacre_run_open(s, &r, &err) == NACRE_OK) {
    CHECK_OK(nacre_run_set_limits(r, 0, 0.0, 0, &err), &err);
    CHECK_OK(nacre_search_run(r, sd_relax, &u, NULL, NULL, NULL, &err), &err);
    nacre_run_close(r);
  }
  summarize(s, &st2);
  CHECK(same(&sa, &st2), "run resumed after its time limit matches the pool");

  /* 5. each engine on its own */
  const nacre_engine engines[4] = {NACRE_ENGINE_RANDOM, NACRE_ENGINE_EVOLUTION,
                                   NACRE_ENGINE_SWARM,
                                   NACRE_ENGINE_BASIN_HOPPING};
  for (int e = 0; e < 4; e++) {
    config(&c, "Ar4Kr4", engines[e], 1);
    nacre_random_options_set_distance(&c.random, 36, 36, 3.0, NULL);
    nacre_random_options_set_distance(&c.random, 18, 36, 3.0, NULL);
    c.budget = 12;
    CHECK(run_search(s, &c, &u, NULL) == 0, "engine %s",
          nacre_engine_name(engines[e]));
    summary se;
    summarize(s, &se);
    int special = 0;
    for (long i = 0; i < se.n; i++)
      special += strncmp(se.op[i], "random", 6) != 0;
    if (engines[e] == NACRE_ENGINE_RANDOM)
      CHECK(special == 0 && se.n > 0, "random engine: only random candidates");
    else
      CHECK(special > 0, "%s engine produced %d non-random candidates",
            nacre_engine_name(engines[e]), special);
  }

  /* 5a. basin-hopping walkers replay their state from the run: killed and
   * resumed, the same hops */
  config(&c, "Ar8", NACRE_ENGINE_BASIN_HOPPING, 1);
  c.population = 4;
  c.budget = 24;
  c.hop_restart = 3;
  CHECK(run_search(s, &c, &u, NULL) == 0, "basin-hopping run");
  c.jobs = 2;
  check_kill_resume(s, k, &c, &u, 24, "basin-hopping");

  /* 5b. swarm inertia: a particle keeps w times its previous move, also
   * across a resume (the velocity is rebuilt from the stored structures) */
  swarm_config(&c, 24);
  c.swarm_c1 = c.swarm_c2 = 0;
  c.swarm_inertia = 0.5;
  CHECK(run_search(s, &c, &u, NULL) == 0, "swarm run without attraction");
  int bad;
  double vmax;
  int nmoves = check_inertia(s, 0.5, &bad, &vmax);
  CHECK(nmoves >= 12 && bad == 0 && vmax > 1e-3,
        "%d second and later moves are 0.5 × the previous one (%d coordinates "
        "differ by > 1e-9; largest previous move %.3g)",
        nmoves, bad, vmax);
  /* killed after 10 relaxations and resumed: the same moves (2 worker
   * processes: a child forked after OpenMP ran here must not use it) */
  c.jobs = 2;
  check_kill_resume(s, k, &c, &u, 24, "swarm");

  /* 5c. operator moves (USPEX's corrected PSO): with w = 0 a particle
   * breeds with a best unless it is both; with c1 = c2 = 0 it only mutates;
   * the default weights mix both, also across a kill and resume */
  swarm_config(&c, 32);
  c.swarm_operators = 1;
  c.swarm_inertia = 0;
  CHECK(run_search(s, &c, &u, NULL) == 0, "swarm run with operator moves, w = 0");
  int nhered, nmutat;
  int nop = check_operator_moves(s, 4, 1, &nhered, &nmutat, &bad);
  printf("operator moves, w = 0: %d heredity, %d mutation\n", nhered, nmutat);
  CHECK(nop == 28 && nhered >= 14 && bad == 0,
        "w = 0: %d operator moves, %d heredity with a best, %d mutations of a "
        "particle at both bests (%d break the rule)", nop, nhered, nmutat, bad);
  c.swarm_inertia = 1;
  c.swarm_c1 = c.swarm_c2 = 0;
  CHECK(run_search(s, &c, &u, NULL) == 0, "swarm run with operator moves, c = 0");
  nop = check_operator_moves(s, 4, 0, &nhered, &nmutat, &bad);
  CHECK(nop == 28 && nhered == 0 && bad == 0,
        "c1 = c2 = 0: all %d operator moves mutate the particle (%d heredity, "
        "%d wrong parents)", nop, nhered, bad);
  c.swarm_c1 = c.swarm_c2 = 4;
  c.budget = 48;
  CHECK(run_search(s, &c, &u, NULL) == 0, "swarm run with operator moves");
  nop = check_operator_moves(s, 4, 0, &nhered, &nmutat, &bad);
  printf("operator moves, w = 1, c1 = c2 = 4: %d heredity, %d mutation\n",
         nhered, nmutat);
  CHECK(nop == 44 && nhered > 0 && nmutat > 0 && bad == 0,
        "w = 1, c1 = c2 = 4: %d heredity and %d mutation moves (%d wrong parents)",
        nhered, nmutat, bad);
  c.jobs = 2;
  check_kill_resume(s, k, &c, &u, 48, "operator-move");

  /* 5d. soft-mode mutations walk up each parent's spectrum */
  config(&c, "Ar8", NACRE_ENGINE_EVOLUTION, 1);
  c.population = 12;
  c.budget = 96;
  c.frac_heredity = 0;
  c.frac_mutation = 0.9;
  CHECK(run_search(s, &c, &u, NULL) == 0, "mutation-only run");
  int later = 0;
  int nrep = 0;
  int nsoft = check_soft_walk(s, &c.random, &later, &bad, &nrep);
  CHECK(nsoft >= 6 && later >= 3 && bad == 0,
        "%d soft-mode children (%d of them later ones of their parent; %d of "
        "compressed parents not checked) move along the parent's next softest "
        "mode (%d do not)",
        nsoft, later, nrep, bad);

  /* 6. a cluster search and the ranking */
  config(&c, "Ar13", NACRE_ENGINE_EVOLUTION, 1);
  c.cluster = 1;
  c.budget = 12;
  c.random.volume_per_atom = 40.0;
  CHECK(run_search(s, &c, &u, NULL) == 0, "cluster search");
  if (nacre_run_open_readonly(s, &r, &err) == NACRE_OK) {
    nacre_candidate *cand;
    long n;
    CHECK_OK(nacre_run_load_done(r, &cand, &n, &err), &err);
    long order[64];
    long m = nacre_candidates_rank(cand, n, order);
    CHECK(m >= 1 && !cand[order[0]].relaxed->pbc[0], "cluster minima ranked");
    for (long i = 1; i < m; i++)
      CHECK(cand[order[i]].enthalpy >= cand[order[i - 1]].enthalpy,
            "ranking sorted by enthalpy");
    nacre_candidates_free(cand, n);
    nacre_run_close(r);
  }
  nacre_potential_free(u.pot);
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  if (system(cmd) != 0) printf("could not remove %s\n", dir);
  TEST_DONE();
}
