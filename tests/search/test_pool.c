/* test_pool.c — what enters the pool of minima:
 *  1. nacre_search_closest_ratio gives the nearest-neighbour distance over
 *     the reference distance (covalent radii, or an explicit pair distance)
 *     for fcc Cu in its cubic cell, in a strongly skewed cell of the same
 *     lattice (where the plain minimum image is not the shortest vector)
 *     and for a two-atom cluster;
 *  2. relaxed minima with atoms closer than min_relaxed_factor × reference
 *     are rejected (failed, outcome "too-close") and never become the best,
 *     while with the check off the same spurious minimum wins (control);
 *  3. of the copies of one minimum the lowest-enthalpy copy represents it:
 *     every duplicate points to a unique minimum no higher than itself.
 * The relaxations are stand-ins that return prescribed structures and
 * enthalpies, so the expected pool is known exactly. */
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "builders.h"
#include "nacre/search.h"
#include "testing.h"

/* Ar4 fcc (a = 5.26 Å), slightly displaced according to the call number;
 * enthalpy −0.3 eV − 1e-4 eV × call (each later copy a little lower, well
 * inside the 5 meV/atom duplicate window). Every `spurious`-th call instead
 * puts atom 1 at 0.5 Å from atom 0 with enthalpy −100 eV. */
typedef struct fake {
  int calls, spurious;
} fake;

static nacre_status fake_relax(void *user, nacre_structure *s, double p_gpa,
                               nacre_search_relaxed *out, nacre_error *err) {
  (void)p_gpa;
  (void)err;
  fake *f = user;
  int n[3] = {1, 1, 1};
  nacre_structure *b = build_bulk("fcc", 18, 5.26, n);
  memcpy(s->cell, b->cell, sizeof s->cell);
  memcpy(s->positions, b->positions, sizeof(double) * 3 * 4);
  nacre_structure_free(b);
  s->positions[0] += 1e-4 * (f->calls % 7);
  memset(out, 0, sizeof *out);
  out->ok = 1;
  out->enthalpy = out->energy = -0.3 - 1e-4 * f->calls;
  snprintf(out->outcome, sizeof out->outcome, "converged");
  f->calls++;
  if (f->spurious > 0 && f->calls % f->spurious == 0) {
    for (int k = 0; k < 3; k++) s->positions[3 + k] = s->positions[k];
    s->positions[3] += 0.5;
    out->enthalpy = out->energy = -100.0;
  }
  return NACRE_OK;
}

static void config(nacre_search_config *c) {
  nacre_search_config_init(c);
  nacre_composition_parse("Ar4", &c->composition, NULL);
  c->engine = NACRE_ENGINE_RANDOM;
  c->seed = 3;
  c->population = 6;
  c->budget = 12;
  c->jobs = 1;
  snprintf(c->potential, sizeof c->potential, "fake");
  c->random.volume_per_atom = 36.0;
  nacre_random_options_set_distance(&c->random, 18, 18, 3.0, NULL);
}

static int run(const char *path, const nacre_search_config *c, fake *f,
               nacre_candidate **cand, long *n, long *failed) {
  nacre_run *r;
  nacre_error err;
  unlink(path);
  if (nacre_run_create(path, c, &r, &err)) {
    printf("create: %s\n", err.message);
    return 1;
  }
  nacre_status st = nacre_search_run(r, fake_relax, f, NULL, NULL, NULL, &err);
  if (st) printf("search: %s\n", err.message);
  long pending, done;
  if (!st) st = nacre_run_counts(r, &pending, &done, failed, &err);
  if (!st) st = nacre_run_load_done(r, cand, n, &err);
  nacre_run_close(r);
  return st != NACRE_OK;
}

int main(void) {
  nacre_error err;
  /* 1. closest ratio */
  const nacre_element *cu = nacre_element_by_z(29);
  CHECK(cu && cu->covalent_radius > 0, "Cu covalent radius known");
  double a = 3.615, rcov2 = 2 * cu->covalent_radius, dnn = a / sqrt(2.0);
  nacre_random_options o;
  nacre_random_options_init(&o);
  int n1[3] = {1, 1, 1};
  nacre_structure *s = build_bulk("fcc", 29, a, n1);
  CHECK_CLOSE(nacre_search_closest_ratio(s, &o), dnn / rcov2, 1e-12,
              "fcc Cu, cubic cell: a/√2 over twice the covalent radius");
  /* one atom in the primitive cell made very skewed: b1, b2, b3 + 3 b1 */
  nacre_structure *p = nacre_structure_new(1, NULL);
  double prim[3][3] = {{0, a / 2, a / 2}, {a / 2, 0, a / 2}, {a / 2, a / 2, 0}};
  for (int k = 0; k < 3; k++) {
    p->cell[0][k] = prim[0][k];
    p->cell[1][k] = prim[1][k];
    p->cell[2][k] = prim[2][k] + 3 * prim[0][k];
  }
  p->numbers[0] = 29;
  CHECK_CLOSE(nacre_search_closest_ratio(p, &o), dnn / rcov2, 1e-12,
              "skewed one-atom cell of the same lattice: same ratio");
  CHECK_OK(nacre_random_options_set_distance(&o, 29, 29, 3.0, &err), &err);
  CHECK_CLOSE(nacre_search_closest_ratio(s, &o), dnn / 3.0, 1e-12,
              "explicit pair distance is the reference when set");
  nacre_structure_free(p);
  nacre_structure_free(s);
  nacre_structure *cl = nacre_structure_new(2, NULL);
  cl->numbers[0] = cl->numbers[1] = 29;
  cl->positions[3] = 1.0;
  cl->pbc[0] = cl->pbc[1] = cl->pbc[2] = 0;
  CHECK_CLOSE(nacre_search_closest_ratio(cl, &o), 1.0 / 3.0, 1e-12,
              "cluster: plain distance, no images");
  nacre_structure_free(cl);

  char dir[] = "/tmp/nacre-pool-XXXXXX";
  if (!mkdtemp(dir)) TEST_SKIP("no temporary directory");
  char path[256];
  snprintf(path, sizeof path, "%s/p.db", dir);
  nacre_search_config c;
  nacre_candidate *cand;
  long n, failed;

  /* 2. spurious close-contact minima */
  config(&c);
  CHECK_CLOSE(c.min_relaxed_factor, 0.8, 0, "check on by default");
  fake f = {0, 3};
  if (!run(path, &c, &f, &cand, &n, &failed)) {
    CHECK(failed == 4 && n == 8, "every third relaxation rejected (%ld failed, "
          "%ld done)", failed, n);
    double best = INFINITY;
    for (long k = 0; k < n; k++)
      if (cand[k].enthalpy < best) best = cand[k].enthalpy;
    CHECK(best > -1.0, "spurious −100 eV minimum not in the pool (best %g)",
          best);
    nacre_candidates_free(cand, n);
  } else {
    CHECK(0, "search with the distance check");
  }
  c.min_relaxed_factor = 0;
  f = (fake){0, 3};
  if (!run(path, &c, &f, &cand, &n, &failed)) {
    double best = INFINITY;
    for (long k = 0; k < n; k++)
      if (cand[k].enthalpy < best) best = cand[k].enthalpy;
    CHECK(failed == 0 && best == -100.0,
          "control: with the check off the spurious minimum wins");
    nacre_candidates_free(cand, n);
  } else {
    CHECK(0, "search without the distance check");
  }

  /* 3. the lowest copy represents a minimum */
  config(&c);
  f = (fake){0, 0};
  if (!run(path, &c, &f, &cand, &n, &failed)) {
    long order[64];
    long m = nacre_candidates_rank(cand, n, order);
    CHECK(n == 12 && m == 1, "all 12 relaxations are one minimum (%ld unique)",
          m);
    if (m == 1) {
      CHECK_CLOSE(cand[order[0]].enthalpy, -0.3 - 1e-4 * 11, 1e-12,
                  "its representative is the lowest copy (the last)");
      for (long k = 0; k < n; k++)
        if (k != order[0])
          CHECK(cand[k].duplicate_of == cand[order[0]].id,
                "candidate %ld points to the representative", k);
    }
    nacre_candidates_free(cand, n);
  } else {
    CHECK(0, "duplicate search");
  }
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  if (system(cmd) != 0) printf("could not remove %s\n", dir);
  TEST_DONE();
}
