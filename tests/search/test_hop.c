/* test_hop.c — the basin-hopping engine and the saturation stop: walkers
 * find the icosahedral global minimum of LJ13 (−44.326801 ε, the Cambridge
 * Cluster Database) with the real relaxer; every walker's next hop starts
 * from a new minimum that lies below its current one (downhill moves are
 * always accepted) and never from one it refused above the threshold;
 * the auto mix of clusters uses the walkers; a run with --saturation N
 * stops once N relaxations found no new low minimum, and its report
 * agrees. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "nacre/search.h"
#include "testing.h"

#define LJ13_MIN (-44.326801) /* ε, Cambridge Cluster Database */

static void config(nacre_search_config *c, nacre_engine eng, int budget) {
  nacre_search_config_init(c);
  nacre_composition_parse("Ar13", &c->composition, NULL);
  c->engine = eng;
  c->cluster = 1;
  c->seed = 3;
  c->population = 4;
  c->budget = budget;
  snprintf(c->potential, sizeof c->potential,
           "lj:epsilon=1,sigma=1,cutoff=10");
  c->random.volume_per_atom = 1.2;
  c->relax.fmax_ev_a = 1e-3;
  c->relax.max_steps = 2000;
  nacre_random_options_set_distance(&c->random, 18, 18, 0.8, NULL);
}

static int run(const char *path, const nacre_search_config *c,
               nacre_search_relaxer *rel, char *stop, size_t nstop) {
  unlink(path);
  nacre_run *r;
  nacre_error err;
  if (nacre_run_create(path, c, &r, &err)) {
    printf("create: %s\n", err.message);
    return 1;
  }
  nacre_status st = nacre_search_run(r, nacre_search_relax_potential, rel,
                                     NULL, NULL, NULL, &err);
  if (st) printf("search: %s\n", err.message);
  snprintf(stop, nstop, "%s", nacre_run_stop_reason(r));
  nacre_run_close(r);
  return st != NACRE_OK;
}

/* The finished minima of a run by candidate id (NULL: failed or pending);
 * *n ids. Caller frees *cand with nacre_candidates_free and *byid. */
static int load(const char *path, nacre_candidate **cand, long *ncand,
                const nacre_candidate ***byid, long *n) {
  nacre_run *r;
  nacre_error err;
  if (nacre_run_open_readonly(path, &r, &err)) return 1;
  nacre_status st = nacre_run_load_done(r, cand, ncand, &err);
  nacre_run_close(r);
  if (st) return 1;
  *n = 0;
  for (long i = 0; i < *ncand; i++)
    if ((*cand)[i].id + 1 > *n) *n = (*cand)[i].id + 1;
  *byid = calloc((size_t)(*n > 0 ? *n : 1), sizeof **byid);
  if (!*byid) return 1;
  for (long i = 0; i < *ncand; i++) (*byid)[(*cand)[i].id] = &(*cand)[i];
  return 0;
}

/* Checks the finished hops of every walker (slot = id mod population)
 * against the acceptance rule. Returns the number of violations; counts
 * in *downhill the hops below their parent that a later hop of the walker
 * followed. */
static int check_walkers(const nacre_candidate *const *c, long n, int pop,
                         int *downhill, int *hops) {
  int bad = 0;
  *downhill = *hops = 0;
  for (int k = 0; k < pop; k++) {
    long prev = -1;
    for (long id = k; id < n; id += pop) {
      if (!c[id]) { /* failed: never a walker's position */
        if (prev >= 0) prev = -2;
        continue;
      }
      if (strcmp(c[id]->engine, "basin-hopping")) continue;
      (*hops)++;
      long p = atol(c[id]->parents);
      if (p < 0 || p >= id || !c[p]) {
        bad++;
        continue;
      }
      if (prev >= 0) {
        long pp = atol(c[prev]->parents);
        int restart = p != pp && p != prev;
        int below = c[prev]->enthalpy < c[pp]->enthalpy - 1e-9;
        if (below && !restart) {
          bad += p != prev;
          (*downhill)++;
        }
      }
      prev = id;
    }
  }
  return bad;
}

int main(void) {
#ifdef _OPENMP
  omp_set_num_threads(1); /* 13 atoms: threads would only wait on each other */
#endif
  char dir[] = "/tmp/nacre-test-hop-XXXXXX";
  if (!mkdtemp(dir)) return 1;
  char path[256];
  snprintf(path, sizeof path, "%s/run.db", dir);
  nacre_search_relax_settings rs = {1e-3, 0.01, 2000};
  nacre_search_relaxer *rel;
  nacre_error err;
  nacre_status st = nacre_search_relaxer_new("lj:epsilon=1,sigma=1,cutoff=10",
                                             &rs, &rel, &err);
  if (st == NACRE_ERR_UNSUPPORTED) {
    printf("SKIP: %s\n", err.message);
    return 77;
  }
  CHECK_OK(st, &err);
  char stop[96];

  /* 1. basin hopping alone finds LJ13's icosahedron */
  nacre_search_config c;
  config(&c, NACRE_ENGINE_BASIN_HOPPING, 160);
  CHECK(run(path, &c, rel, stop, sizeof stop) == 0, "basin-hopping run");
  nacre_candidate *cand;
  const nacre_candidate **byid;
  long ncand, n;
  if (load(path, &cand, &ncand, &byid, &n) == 0) {
    double best = INFINITY;
    int nhop = 0, nstep = 0, nsurf = 0;
    for (long i = 0; i < ncand; i++) {
      if (cand[i].energy < best) best = cand[i].energy;
      nstep += !strcmp(cand[i].op, "hop-step");
      nsurf += !strcmp(cand[i].op, "hop-surface");
      nhop += !strcmp(cand[i].engine, "basin-hopping");
    }
    CHECK(fabs(best - LJ13_MIN) < 1e-4,
          "LJ13: lowest minimum %.6f, the icosahedron %.6f (within 1e-4 ε)",
          best, LJ13_MIN);
    CHECK(nhop >= 140 && nstep > 20 && nsurf > 20,
          "the candidates after the first generation hop (%d of 156 finished: "
          "%d steps, %d surface moves)", nhop, nstep, nsurf);
    int down, hops;
    int bad = check_walkers(byid, n, c.population, &down, &hops);
    CHECK(bad == 0 && down >= 10,
          "walkers move to every lower minimum (%d violations in %d hops; %d "
          "downhill moves)", bad, hops, down);
    nacre_candidates_free(cand, ncand);
    free(byid);
  }

  /* 2. the auto mix of clusters has walkers among its operators */
  config(&c, NACRE_ENGINE_AUTO, 40);
  c.population = 10;
  CHECK(run(path, &c, rel, stop, sizeof stop) == 0, "auto run");
  if (load(path, &cand, &ncand, &byid, &n) == 0) {
    int nhop = 0;
    for (long i = 0; i < ncand; i++)
      nhop += !strcmp(cand[i].engine, "basin-hopping");
    /* population 10: one walker slot (10 %) in each of generations 1-3 */
    CHECK(nhop >= 2 && nhop <= 3,
          "auto cluster mix: %d finished hops of 3 in 30 candidates", nhop);
    nacre_candidates_free(cand, ncand);
    free(byid);
  }

  /* 3. saturation */
  nacre_run *r;
  config(&c, NACRE_ENGINE_AUTO, 4000);
  c.saturation = 40;
  CHECK(run(path, &c, rel, stop, sizeof stop) == 0, "saturating run");
  CHECK(!strncmp(stop, "saturated", 9), "stopped by saturation: %s", stop);
  if (nacre_run_open_readonly(path, &r, &err) == NACRE_OK) {
    nacre_search_report *rep;
    CHECK_OK(nacre_search_report_new(r, &rep, &err), &err);
    long total = rep->relaxed + rep->failed;
    CHECK(total < 4000 && rep->since_new_low >= 40 &&
              rep->since_new_low < 40 + c.population,
          "%ld relaxations, the last %ld without a new low minimum (≥ 40, "
          "< 40 + one generation)", total, rep->since_new_low);
    CHECK(rep->spread > 0 && rep->spread < 1,
          "fingerprint spread of the lowest minima %.4f in (0, 1)",
          rep->spread);
    nacre_search_report_free(rep);
    nacre_run_close(r);
  }
  /* a bad setting is named */
  config(&c, NACRE_ENGINE_BASIN_HOPPING, 10);
  c.hop_restart = 0;
  CHECK(nacre_search_config_check(&c, &err) == NACRE_ERR_INVALID &&
            strstr(err.message, "restart"),
        "hop_restart 0 refused: %s", err.message);

  nacre_search_relaxer_free(rel);
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  if (system(cmd) != 0) printf("could not remove %s\n", dir);
  TEST_DONE();
}
