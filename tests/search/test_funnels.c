/* test_funnels.c — funnel occupancy of the lowest minima
 * (nacre_fingerprint_funnels): each minimum, lowest first, joins the
 * funnel of the lowest funnel bottom within the distance, never a funnel
 * reached only through another member (no chaining).
 *
 * Fingerprints made by hand: two bins holding (cos θ, sin θ), so that the
 * cosine distance of two of them is (1 − cos Δθ)/2 exactly: 6° apart is
 * 0.00274, 12° 0.01093, 13° 0.01282 (threshold 0.01). Then an LJ13 search:
 * the report's and the progress's funnels count every one of the lowest
 * minima once, and agree with the function applied to the ranked minima. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nacre/search.h"
#include "testing.h"

static nacre_fingerprint *at_angle(double deg) {
  double t = deg * M_PI / 180.0;
  /* nspecies, nbins, rmax, bin, z, weight, f */
  double buf[] = {1, 2, 10, 5, 18, 1, cos(t), sin(t)};
  nacre_fingerprint *fp = NULL;
  nacre_error err;
  CHECK_OK(nacre_fingerprint_unpack(buf, 8, &fp, &err), &err);
  return fp;
}

typedef struct seen {
  int reports, bad;
} seen;

static int on_progress(void *user, const nacre_search_progress *p) {
  seen *s = user;
  int sum = 0;
  for (int f = 0; f < p->nfunnels; f++) sum += p->funnel_minima[f];
  long expect = p->unique < NACRE_SPREAD_MINIMA ? p->unique : NACRE_SPREAD_MINIMA;
  s->reports++;
  /* the progress shows the pool the generation was built from: at most
   * the minima known now */
  if (sum > expect || (p->unique > 0 && p->nfunnels < 1 && p->generation > 0))
    s->bad++;
  return 0;
}

int main(void) {
  /* A 0°, B 12°: two bottoms; C 6°: near both, joins A (the lower);
   * D 18°: joins B; E 40°: a new funnel; F 25°: 7° from D but 13° from B,
   * so a new funnel, not chained through D */
  const double angle[6] = {0, 12, 6, 18, 40, 25};
  const int expect[6] = {0, 1, 0, 1, 2, 3};
  nacre_fingerprint *fp[6];
  for (int k = 0; k < 6; k++) fp[k] = at_angle(angle[k]);
  CHECK_CLOSE(nacre_fingerprint_distance(fp[0], fp[2]),
              0.5 * (1 - cos(6 * M_PI / 180)), 1e-12, "6° apart");
  int funnel[6];
  int nf = nacre_fingerprint_funnels((const nacre_fingerprint *const *)fp, 6,
                                     NACRE_FUNNEL_DISTANCE, funnel);
  CHECK(nf == 4, "4 funnels (got %d)", nf);
  for (int k = 0; k < 6; k++)
    CHECK(funnel[k] == expect[k], "minimum %d in funnel %d (expected %d)", k,
          funnel[k], expect[k]);
  /* a wide distance puts everything in one funnel; 0 makes each its own */
  CHECK(nacre_fingerprint_funnels((const nacre_fingerprint *const *)fp, 6,
                                  0.2, funnel) == 1,
        "one funnel at distance 0.2");
  CHECK(nacre_fingerprint_funnels((const nacre_fingerprint *const *)fp, 6, 0,
                                  funnel) == 6,
        "six funnels at distance 0");
  CHECK(nacre_fingerprint_funnels(NULL, 0, 0.01, funnel) == 0, "none of none");
  for (int k = 0; k < 6; k++) nacre_fingerprint_free(fp[k]);

  /* the search reports them */
  char dir[] = "/tmp/nacre-funnels-XXXXXX";
  if (!mkdtemp(dir)) TEST_SKIP("no temporary directory");
  char path[256];
  snprintf(path, sizeof path, "%s/run.db", dir);
  nacre_error err;
  nacre_search_relaxer *rel = NULL;
  nacre_search_relax_settings rs = {1e-2, 0.01, 1000};
  CHECK_OK(nacre_search_relaxer_new("lj:epsilon=1,sigma=1,cutoff=10", &rs,
                                    &rel, &err), &err);
  if (!rel) TEST_DONE();
  nacre_search_config c;
  nacre_search_config_init(&c);
  nacre_composition_parse("Ar13", &c.composition, NULL);
  c.cluster = 1;
  c.seed = 2;
  c.population = 20;
  c.budget = 40;
  c.frac_symmetric = 0;
  snprintf(c.potential, sizeof c.potential, "lj:epsilon=1,sigma=1,cutoff=10");
  c.random.volume_per_atom = 1.2;
  nacre_random_options_set_distance(&c.random, 18, 18, 0.8, NULL);
  nacre_run *r;
  CHECK_OK(nacre_run_create(path, &c, &r, &err), &err);
  seen s = {0, 0};
  CHECK_OK(nacre_search_run(r, nacre_search_relax_potential, rel, on_progress,
                            &s, NULL, &err), &err);
  CHECK(s.reports > 0 && s.bad == 0, "%d progress reports, %d inconsistent",
        s.reports, s.bad);
  nacre_search_report *rep;
  CHECK_OK(nacre_search_report_new(r, &rep, &err), &err);
  long m = rep->nminima < NACRE_SPREAD_MINIMA ? rep->nminima : NACRE_SPREAD_MINIMA;
  const nacre_fingerprint *lfp[NACRE_SPREAD_MINIMA];
  int lf[NACRE_SPREAD_MINIMA], counts[NACRE_SPREAD_MINIMA] = {0};
  for (long k = 0; k < m; k++) lfp[k] = rep->minima[k].c->fp;
  int n2 = nacre_fingerprint_funnels(lfp, m, NACRE_FUNNEL_DISTANCE, lf);
  for (long k = 0; k < m; k++) counts[lf[k]]++;
  int sum = 0;
  CHECK(m > 2 && rep->nfunnels == n2 && n2 >= 1,
        "report: %d funnels over %ld minima (function: %d)", rep->nfunnels, m,
        n2);
  for (int f = 0; f < rep->nfunnels; f++) {
    sum += rep->funnel_minima[f];
    CHECK(rep->funnel_minima[f] == counts[f] &&
              lf[rep->funnel_bottom[f]] == f &&
              (f == 0 || rep->funnel_bottom[f] > rep->funnel_bottom[f - 1]),
          "funnel %d: %d minima, bottom at rank %ld", f, rep->funnel_minima[f],
          rep->funnel_bottom[f] + 1);
  }
  CHECK(sum == m, "funnels hold %d of the %ld lowest minima", sum, m);
  CHECK(rep->funnel_bottom[0] == 0, "the best minimum is the first bottom");
  nacre_search_report_free(rep);
  nacre_run_close(r);
  nacre_search_relaxer_free(rel);
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  if (system(cmd) != 0) printf("could not remove %s\n", dir);
  TEST_DONE();
}
