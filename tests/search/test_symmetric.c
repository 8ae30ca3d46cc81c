/* test_symmetric.c — symmetric random clusters in the search: with the
 * point group I_h alone, 13 atoms can only fill the centre and the twelve
 * five-fold axes, so every random start is an icosahedron and relaxes (the
 * real relaxer keeps the symmetry) to the global minimum of LJ13,
 * −44.326801 ε (Cambridge Cluster Database; to 1e-6 ε, far below the
 * 0.3 ε gap to the next minimum); with the share 0 no start is symmetric
 * and the pool is the one of a run without the option (runs stored before
 * it existed resume unchanged); a group list that cannot hold the
 * composition is refused with both named. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nacre/search.h"
#include "testing.h"

#define LJ13_MIN (-44.326801) /* ε, Cambridge Cluster Database */

static void config(nacre_search_config *c, const char *formula, double share,
                   const char *groups) {
  nacre_search_config_init(c);
  nacre_composition_parse(formula, &c->composition, NULL);
  c->engine = NACRE_ENGINE_RANDOM;
  c->cluster = 1;
  c->seed = 5;
  c->population = 10;
  c->budget = 10;
  c->frac_symmetric = share;
  snprintf(c->point_groups, sizeof c->point_groups, "%s", groups);
  snprintf(c->potential, sizeof c->potential,
           "lj:epsilon=1,sigma=1,cutoff=10");
  c->random.volume_per_atom = 1.2;
  c->relax.fmax_ev_a = 1e-4;
  c->relax.max_steps = 2000;
  nacre_random_options_set_distance(&c->random, 18, 18, 0.8, NULL);
}

/* Runs the search; the finished candidates in *cand (free with
 * nacre_candidates_free). */
static nacre_status run(const char *path, const nacre_search_config *c,
                        nacre_search_relaxer *rel, nacre_candidate **cand,
                        long *n, nacre_error *err) {
  unlink(path);
  *cand = NULL;
  *n = 0;
  nacre_run *r;
  nacre_status st = nacre_run_create(path, c, &r, err);
  if (st) return st;
  st = nacre_search_run(r, nacre_search_relax_potential, rel, NULL, NULL,
                        NULL, err);
  if (!st) st = nacre_run_load_done(r, cand, n, err);
  nacre_run_close(r);
  return st;
}

int main(void) {
  char dir[] = "/tmp/nacre-symmetric-XXXXXX";
  if (!mkdtemp(dir)) TEST_SKIP("no temporary directory");
  char path[256];
  snprintf(path, sizeof path, "%s/run.db", dir);
  nacre_error err;
  nacre_search_relaxer *rel = NULL;
  nacre_search_relax_settings rs = {1e-4, 0.01, 2000};
  CHECK_OK(nacre_search_relaxer_new("lj:epsilon=1,sigma=1,cutoff=10", &rs,
                                    &rel, &err), &err);
  if (!rel) TEST_DONE();
  nacre_search_config c;
  nacre_candidate *cand;
  long n;
  /* I_h only: icosahedra, the global minimum every time */
  config(&c, "Ar13", 1.0, "Ih");
  CHECK_OK(run(path, &c, rel, &cand, &n, &err), &err);
  CHECK(n == 10, "10 relaxed (got %ld)", n);
  for (long k = 0; k < n; k++) {
    CHECK(!strcmp(cand[k].op, "random:Ih"), "candidate %ld made by %s",
          cand[k].id, cand[k].op);
    CHECK(fabs(cand[k].energy - LJ13_MIN) < 1e-6,
          "candidate %ld: E = %.6f ε (global minimum %.6f)", cand[k].id,
          cand[k].energy, LJ13_MIN);
  }
  nacre_candidates_free(cand, n);
  /* without symmetry the random starts seldom are icosahedra */
  config(&c, "Ar13", 0.0, "Ih");
  CHECK_OK(run(path, &c, rel, &cand, &n, &err), &err);
  int plain = 0, at_min = 0;
  for (long k = 0; k < n; k++) {
    plain += !strcmp(cand[k].op, "random");
    at_min += fabs(cand[k].energy - LJ13_MIN) < 1e-6;
  }
  CHECK(plain == n && n > 0, "share 0: %d of %ld plain random", plain, n);
  CHECK(at_min < n, "share 0: %d of %ld at the minimum", at_min, n);
  nacre_candidates_free(cand, n);
  /* the default list: many groups, each start made by one of them */
  config(&c, "Ar13", 1.0, "all");
  c.budget = c.population = 20;
  CHECK_OK(run(path, &c, rel, &cand, &n, &err), &err);
  int symmetric = 0;
  for (long k = 0; k < n; k++) {
    nacre_pointgroup *g = NULL;
    nacre_error tmp;
    if (!strncmp(cand[k].op, "random:", 7) &&
        nacre_pointgroup_new(cand[k].op + 7, &g, &tmp) == NACRE_OK)
      symmetric++;
    nacre_pointgroup_free(g);
  }
  CHECK(symmetric >= n - 2 && n >= 18,
        "share 1, all groups: %d of %ld starts of a point group", symmetric, n);
  nacre_candidates_free(cand, n);
  /* refused: no group of the list holds 5 atoms; a bad symbol */
  config(&c, "Ar5", 1.0, "Ih,Oh");
  nacre_status st = run(path, &c, rel, &cand, &n, &err);
  CHECK(st == NACRE_ERR_INVALID && strstr(err.message, "Ih,Oh") &&
            strstr(err.message, "Ar5"),
        "Ar5 in Ih,Oh refused: %s", err.message);
  nacre_candidates_free(cand, n);
  config(&c, "Ar13", 0.5, "Ih,Q7");
  st = nacre_search_config_check(&c, &err);
  CHECK(st == NACRE_ERR_INVALID && strstr(err.message, "Q7"),
        "bad point group refused: %s", err.message);
  config(&c, "Ar13", 1.5, "Ih");
  st = nacre_search_config_check(&c, &err);
  CHECK(st == NACRE_ERR_INVALID && strstr(err.message, "1.5"),
        "share 1.5 refused: %s", err.message);
  nacre_search_relaxer_free(rel);
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  if (system(cmd) != 0) printf("could not remove %s\n", dir);
  TEST_DONE();
}
