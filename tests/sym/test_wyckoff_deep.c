/* test_wyckoff_deep.c — choosing Wyckoff positions for a large cell needs no
 * deep call stack: 1,000 atoms (NACRE_MAX_ATOMS) in P1 take 1,000 sites, a
 * search 1,000 nodes deep, and it runs in a thread with a 128 KiB stack
 * (a recursive search needed about 0.8 KiB per node and overflowed the
 * stack at 10,000 atoms). Compositions above the limit are refused; an
 * element given twice adds up (NaNa = Na2, documented in nacre search
 * --help). */
#include <pthread.h>
#include <string.h>

#include "nacre/sym.h"
#include "testing.h"

typedef struct job {
  int number;
  const char *composition;
  nacre_status status;
  int nsites, natoms;
} job;

static void *choose(void *arg) {
  job *j = arg;
  nacre_spacegroup *g;
  nacre_error err;
  nacre_composition c;
  j->status = nacre_spacegroup_new(j->number, &g, &err);
  if (j->status) return NULL;
  nacre_composition_parse(j->composition, &c, &err);
  j->natoms = nacre_composition_natoms(&c);
  int *sw = malloc(sizeof(int) * 2 * (size_t)j->natoms);
  nacre_rng rng;
  nacre_rng_init(&rng, 1, 0);
  j->status = nacre_wyckoff_choose(g, &c, &rng, 1, sw, sw + j->natoms,
                                   j->natoms, &j->nsites, &err);
  free(sw);
  nacre_spacegroup_free(g);
  return NULL;
}

static job run_small_stack(int number, const char *composition) {
  job j = {number, composition, NACRE_ERR_INVALID, 0, 0};
  pthread_attr_t a;
  pthread_attr_init(&a);
  pthread_attr_setstacksize(&a, 128 * 1024);
  pthread_t t;
  CHECK(pthread_create(&t, &a, choose, &j) == 0, "thread started");
  pthread_join(t, NULL);
  pthread_attr_destroy(&a);
  return j;
}

int main(void) {
  job j = run_small_stack(1, "Na1000");
  CHECK(j.status == NACRE_OK && j.nsites == 1000,
        "Na1000 in P1: %d sites on a 128 KiB stack (status %d)", j.nsites,
        j.status);
  j = run_small_stack(2, "Na600Cl400");
  CHECK(j.status == NACRE_OK && j.nsites >= 500,
        "Na600Cl400 in P-1: %d sites", j.nsites);
  nacre_composition c;
  nacre_error err;
  CHECK(nacre_composition_parse("Na1001", &c, &err) == NACRE_ERR_INVALID &&
            strstr(err.message, "1000"),
        "Na1001 refused: %s", err.message);
  CHECK(nacre_composition_parse("Na10000", &c, &err) == NACRE_ERR_INVALID,
        "Na10000 refused");
  /* an element given twice adds up, as nacre search --help says */
  CHECK(nacre_composition_parse("NaNa", &c, &err) == NACRE_OK && c.nspecies == 1 &&
            c.count[0] == 2,
        "NaNa is Na2");
  CHECK(nacre_composition_parse("Na600Na401", &c, &err) == NACRE_ERR_INVALID,
        "the limit holds for the sum (Na600Na401)");
  TEST_DONE();
}
