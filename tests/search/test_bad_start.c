/* test_bad_start.c — one distance rule for the search and its relaxations:
 * the relaxer's collapse check follows the run's minimum distances
 * (nacre_search_collapse_radii), so a child the operators leave at 0.75 of
 * the minimum distance is relaxed, not thrown away as a bad start.
 *
 * In reduced units (LJ, σ = 1, minimum distance 0.8 σ) the covalent radii
 * of argon (1.06 Å) put the old collapse check at 0.3 × 2.12 = 0.636 σ,
 * above the operators' floor of 0.6 σ: an Ar13 icosahedron with one atom
 * 0.6 σ from the centre is a bad start for a relaxer without the rule and
 * relaxes with it; at 0.2 σ (below 0.3 × 0.8 = 0.24 σ) it is still one.
 * An LJ13 search with every engine's children (budget 60) ends without a
 * single bad start. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nacre/search.h"
#include "testing.h"

#define LJ "lj:epsilon=1,sigma=1,cutoff=10"

/* Ar13 icosahedron, centre–vertex distance r; atom 1 moved to distance d
 * from the centre along its own direction. */
static nacre_structure *icosahedron(double r, double d) {
  nacre_structure *s = nacre_structure_new(13, NULL);
  if (!s) return NULL;
  const double phi = (1.0 + sqrt(5.0)) / 2.0, norm = sqrt(1.0 + phi * phi);
  int k = 1;
  for (int axis = 0; axis < 3; axis++)
    for (int a = -1; a <= 1; a += 2)
      for (int b = -1; b <= 1; b += 2, k++) {
        double v[3];
        v[axis] = 0;
        v[(axis + 1) % 3] = a * 1.0;
        v[(axis + 2) % 3] = b * phi;
        for (int x = 0; x < 3; x++)
          s->positions[3 * k + x] = (k == 1 ? d : r) * v[x] / norm;
      }
  for (int i = 0; i < 13; i++) s->numbers[i] = 18;
  for (int x = 0; x < 3; x++) s->pbc[x] = 0;
  return s;
}

static void relax_one(nacre_search_relaxer *rel, double d,
                      nacre_search_relaxed *out) {
  nacre_structure *s = icosahedron(1.1, d);
  nacre_error err;
  memset(out, 0, sizeof *out);
  CHECK(s, "icosahedron built");
  if (!s) return;
  CHECK_OK(nacre_search_relax_potential(rel, s, 0.0, out, &err), &err);
  nacre_structure_free(s);
}

int main(void) {
  nacre_error err;
  nacre_random_options o;
  nacre_random_options_init(&o);
  nacre_structure *s = icosahedron(1.1, 1.1);
  double radii[13];
  /* no explicit distance: the covalent radii and the check as before */
  double f = nacre_search_collapse_radii(s, &o, radii);
  CHECK_CLOSE(radii[0], nacre_covalent_radius(18), 1e-12, "covalent radius");
  CHECK_CLOSE(f, 0.3, 1e-12, "default collapse fraction");
  /* a small --dmin-factor lowers it below the operators' floor */
  o.distance_factor = 0.2;
  f = nacre_search_collapse_radii(s, &o, radii);
  CHECK_CLOSE(f, 0.9 * 0.75 * 0.2, 1e-12, "fraction under factor 0.2");
  /* reduced units: 0.8 σ is the reference, 0.24 σ the collapse distance */
  nacre_random_options_init(&o);
  CHECK_OK(nacre_random_options_set_distance(&o, 18, 18, 0.8, &err), &err);
  f = nacre_search_collapse_radii(s, &o, radii);
  CHECK_CLOSE(radii[12], 0.4, 1e-12, "half the explicit distance");
  CHECK_CLOSE(f, 0.3, 1e-12, "fraction with the explicit distance");
  nacre_structure_free(s);

  nacre_search_relaxer *rel = NULL;
  nacre_search_relax_settings rs = {1e-4, 0.01, 2000};
  CHECK_OK(nacre_search_relaxer_new(LJ, &rs, &rel, &err), &err);
  if (!rel) TEST_DONE();
  nacre_search_relaxed out;
  relax_one(rel, 0.6, &out);
  CHECK(!out.ok && !strcmp(out.outcome, "bad-start"),
        "covalent radii: 0.6 σ is a bad start (%s)", out.outcome);
  nacre_search_relaxer_set_distances(rel, &o);
  relax_one(rel, 0.6, &out);
  CHECK(out.ok && !strcmp(out.outcome, "converged") && out.energy < -30,
        "the search's rule: 0.6 σ relaxes (%s, E = %.4f ε)", out.outcome,
        out.energy);
  relax_one(rel, 0.2, &out);
  CHECK(!out.ok && !strcmp(out.outcome, "bad-start"),
        "the search's rule: 0.2 σ is still a bad start (%s)", out.outcome);
  nacre_search_relaxer_free(rel);

  /* a search: nacre_search_run gives a fresh relaxer its rule */
  nacre_search_relax_settings loose = {1e-2, 0.01, 1000};
  CHECK_OK(nacre_search_relaxer_new(LJ, &loose, &rel, &err), &err);
  char dir[] = "/tmp/nacre-bad-start-XXXXXX";
  if (!rel || !mkdtemp(dir)) TEST_SKIP("no relaxer or temporary directory");
  char path[256];
  snprintf(path, sizeof path, "%s/run.db", dir);
  nacre_search_config c;
  nacre_search_config_init(&c);
  nacre_composition_parse("Ar13", &c.composition, NULL);
  c.cluster = 1;
  c.seed = 3;
  c.population = 20;
  c.budget = 60;
  snprintf(c.potential, sizeof c.potential, LJ);
  c.random.volume_per_atom = 1.2;
  nacre_random_options_set_distance(&c.random, 18, 18, 0.8, NULL);
  nacre_run *r;
  CHECK_OK(nacre_run_create(path, &c, &r, &err), &err);
  CHECK_OK(nacre_search_run(r, nacre_search_relax_potential, rel, NULL, NULL,
                            NULL, &err), &err);
  long pending, done, failed;
  nacre_search_failures fl;
  CHECK_OK(nacre_run_counts(r, &pending, &done, &failed, &err), &err);
  CHECK_OK(nacre_run_failures(r, &fl, &err), &err);
  char text[256];
  nacre_search_failures_format(&fl, text, sizeof text);
  CHECK(done + failed == 60 && failed == 0,
        "LJ13, 60 relaxations: %ld minima, %ld failed (%s)", done, failed,
        text);
  nacre_run_close(r);
  nacre_search_relaxer_free(rel);
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  if (system(cmd) != 0) printf("could not remove %s\n", dir);
  TEST_DONE();
}
