/* test_crowding.c — the crowding term of the parents' fitness
 * (--crowding W): each parent pays W for every lower parent of its own
 * funnel, so the bottoms of all funnels keep their fitness.
 *
 * Fingerprints made by hand as in test_funnels.c (two bins holding
 * (cos θ, sin θ); 6° apart is cosine distance 0.00274, 12° 0.01093): the
 * penalties are exact multiples of W. Then the setting in a run: stored,
 * refused when a resume contradicts it, and a search with it runs and
 * differs from one without. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nacre/search.h"
#include "search/crowding.h"
#include "testing.h"

static nacre_fingerprint *at_angle(double deg) {
  double t = deg * M_PI / 180.0;
  double buf[] = {1, 2, 10, 5, 18, 1, cos(t), sin(t)};
  nacre_fingerprint *fp = NULL;
  nacre_error err;
  CHECK_OK(nacre_fingerprint_unpack(buf, 8, &fp, &err), &err);
  return fp;
}

static void config(nacre_search_config *c, double crowding) {
  nacre_search_config_init(c);
  nacre_composition_parse("Ar13", &c->composition, NULL);
  c->cluster = 1;
  c->seed = 4;
  c->population = 10;
  c->budget = 30;
  c->frac_symmetric = 0;
  c->crowding = crowding;
  snprintf(c->potential, sizeof c->potential, "lj:epsilon=1,sigma=1,cutoff=10");
  c->random.volume_per_atom = 1.2;
  nacre_random_options_set_distance(&c->random, 18, 18, 0.8, NULL);
}

/* Runs a search into path; the parents of every candidate joined by ';'. */
static void run_search(const char *path, const nacre_search_config *c,
                       nacre_search_relaxer *rel, char *parents, size_t n) {
  nacre_error err;
  nacre_run *r;
  unlink(path);
  parents[0] = '\0';
  CHECK_OK(nacre_run_create(path, c, &r, &err), &err);
  if (!r) return;
  CHECK_OK(nacre_search_run(r, nacre_search_relax_potential, rel, NULL, NULL,
                            NULL, &err), &err);
  nacre_candidate *cand;
  long nc;
  CHECK_OK(nacre_run_load_done(r, &cand, &nc, &err), &err);
  size_t used = 0;
  for (long k = 0; k < nc && used < n; k++)
    used += (size_t)snprintf(parents + used, n - used, "%s;", cand[k].parents);
  nacre_candidates_free(cand, nc);
  nacre_run_close(r);
}

int main(void) {
  /* A 0°, B 12°, C 6° (funnel A), D 18° (funnel B), G 2° (funnel A),
   * E 40° (its own) */
  const double angle[6] = {0, 12, 6, 18, 2, 40};
  const double expect[6] = {0, 0, 1, 1, 2, 0}; /* × W */
  nacre_fingerprint *fp[6];
  for (int k = 0; k < 6; k++) fp[k] = at_angle(angle[k]);
  double score[6] = {0, 0.1, 0.2, 0.3, 0.4, 0.5};
  nacre_error err;
  CHECK_OK(search_crowding_penalty((const nacre_fingerprint *const *)fp, 6,
                                   0.25, score, &err), &err);
  for (int k = 0; k < 6; k++)
    CHECK(fabs(score[k] - (0.1 * k + 0.25 * expect[k])) < 1e-15,
          "minimum %d: penalised score %.17g (expected %.17g)", k, score[k],
          0.1 * k + 0.25 * expect[k]);
  double same[6] = {0};
  CHECK_OK(search_crowding_penalty((const nacre_fingerprint *const *)fp, 6, 0,
                                   same, &err), &err);
  for (int k = 0; k < 6; k++) CHECK(same[k] == 0, "weight 0 changes nothing");
  for (int k = 0; k < 6; k++) nacre_fingerprint_free(fp[k]);

  char dir[] = "/tmp/nacre-crowding-XXXXXX";
  if (!mkdtemp(dir)) TEST_SKIP("no temporary directory");
  char path[256];
  snprintf(path, sizeof path, "%s/run.db", dir);
  nacre_search_relaxer *rel = NULL;
  nacre_search_relax_settings rs = {1e-2, 0.01, 1000};
  CHECK_OK(nacre_search_relaxer_new("lj:epsilon=1,sigma=1,cutoff=10", &rs,
                                    &rel, &err), &err);
  if (!rel) TEST_DONE();
  nacre_search_config c;
  static char with[20000], without[20000];
  config(&c, 2.0);
  run_search(path, &c, rel, with, sizeof with);
  /* stored, and a resume that contradicts it is refused */
  nacre_run *r;
  CHECK_OK(nacre_run_open(path, &r, &err), &err);
  if (r) {
    CHECK(nacre_run_config(r)->crowding == 2.0, "crowding stored (%g)",
          nacre_run_config(r)->crowding);
    nacre_search_config asked = *nacre_run_config(r);
    asked.crowding = 0;
    const char *conflict = NULL;
    nacre_status st = nacre_run_apply(r, &asked, &conflict, &err);
    CHECK(st == NACRE_ERR_INVALID && conflict && !strcmp(conflict, "crowding"),
          "resume without crowding refused (%s)", conflict ? conflict : "-");
    nacre_run_close(r);
  }
  config(&c, 0.0);
  run_search(path, &c, rel, without, sizeof without);
  CHECK(with[0] && without[0] && strcmp(with, without) != 0,
        "crowding changes the parents chosen");
  nacre_search_relaxer_free(rel);
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  if (system(cmd) != 0) printf("could not remove %s\n", dir);
  TEST_DONE();
}
