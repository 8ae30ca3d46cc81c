/* test_pointgroup.c — point groups of clusters: the order of every group
 * against the textbook value (e.g. Cotton, Chemical Applications of Group
 * Theory, character tables: |D_nh| = 4n, |O_h| = 48, |I_h| = 120), closure
 * and orthogonality of the operations, the orbit sizes of their sites
 * (O_h: 1, 6, 8, 12, 24, 24, 48 — the point-group analogue of the Wyckoff
 * positions of Pm-3m's origin; I_h: 1, 12, 20, 30, 60, 120), and refusal
 * of unknown symbols. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nacre/sym.h"
#include "testing.h"

static int expected_order(const char *s) {
  static const struct { const char *s; int order; } fixed[] = {
      {"C1", 1}, {"Ci", 2}, {"Cs", 2}, {"T", 12}, {"Th", 24}, {"Td", 24},
      {"O", 24}, {"Oh", 48}, {"I", 60}, {"Ih", 120}};
  for (size_t k = 0; k < sizeof fixed / sizeof fixed[0]; k++)
    if (!strcmp(s, fixed[k].s)) return fixed[k].order;
  int n = atoi(s + 1);
  const char *suffix = s + 1 + (n >= 10 ? 2 : 1);
  if (s[0] == 'S') return n;
  if (s[0] == 'C') return *suffix ? 2 * n : n;
  return *suffix ? 4 * n : 2 * n; /* D_n: 2n; D_nh, D_nd: 4n */
}

/* Largest |RᵀR − 1| over the operations and whether every product of two
 * operations is one of them. */
static void check_group(const nacre_pointgroup *g) {
  double worst = 0;
  for (int k = 0; k < g->nops; k++)
    for (int i = 0; i < 3; i++)
      for (int j = 0; j < 3; j++) {
        double d = -(i == j);
        for (int m = 0; m < 3; m++) d += g->rot[k][m][i] * g->rot[k][m][j];
        worst = fmax(worst, fabs(d));
      }
  CHECK(worst < 1e-12, "%s: operations orthogonal to %.2e", g->symbol, worst);
  int closed = 1;
  for (int a = 0; a < g->nops && closed; a++)
    for (int b = 0; b < g->nops && closed; b++) {
      double p[3][3];
      for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
          p[i][j] = 0;
          for (int m = 0; m < 3; m++) p[i][j] += g->rot[a][i][m] * g->rot[b][m][j];
        }
      int found = 0;
      for (int k = 0; k < g->nops && !found; k++) {
        double d = 0;
        for (int i = 0; i < 3; i++)
          for (int j = 0; j < 3; j++) d = fmax(d, fabs(p[i][j] - g->rot[k][i][j]));
        found = d < 1e-9;
      }
      closed = found;
    }
  CHECK(closed, "%s: closed under products", g->symbol);
}

/* The orbit sizes of g's sites, sorted. */
static void orbit_sizes(const nacre_pointgroup *g, int *out) {
  for (int s = 0; s < g->nsites; s++) out[s] = g->site[s].orbit;
  for (int i = 1; i < g->nsites; i++)
    for (int j = i; j > 0 && out[j] < out[j - 1]; j--) {
      int t = out[j];
      out[j] = out[j - 1];
      out[j - 1] = t;
    }
}

int main(void) {
  nacre_error err;
  int n;
  const char *const *all = nacre_pointgroup_symbols(&n);
  CHECK(n == 42, "42 default groups (got %d)", n);
  const char *extra[] = {"C1", "D12h", "C11v", "S12"};
  for (int k = 0; k < n + 4; k++) {
    const char *s = k < n ? all[k] : extra[k - n];
    nacre_pointgroup *g = NULL;
    CHECK_OK(nacre_pointgroup_new(s, &g, &err), &err);
    if (!g) continue;
    CHECK(g->nops == expected_order(s), "|%s| = %d (expected %d)", s, g->nops,
          expected_order(s));
    check_group(g);
    /* the general position: one atom per operation */
    CHECK(g->site[g->nsites - 1].orbit == g->nops, "%s: general orbit %d", s,
          g->site[g->nsites - 1].orbit);
    nacre_pointgroup_free(g);
  }
  {
    nacre_pointgroup *g = NULL;
    CHECK_OK(nacre_pointgroup_new("Oh", &g, &err), &err);
    int sz[NACRE_POINTGROUP_MAX_SITES], want[] = {1, 6, 8, 12, 24, 24, 48};
    orbit_sizes(g, sz);
    CHECK(g->nsites == 7, "Oh: 7 kinds of site (got %d)", g->nsites);
    for (int s = 0; s < 7 && g->nsites == 7; s++)
      CHECK(sz[s] == want[s], "Oh: site orbit %d (expected %d)", sz[s], want[s]);
    nacre_pointgroup_free(g);
  }
  {
    nacre_pointgroup *g = NULL;
    CHECK_OK(nacre_pointgroup_new("Ih", &g, &err), &err);
    int sz[NACRE_POINTGROUP_MAX_SITES], want[] = {1, 12, 20, 30, 60, 120};
    orbit_sizes(g, sz);
    CHECK(g->nsites == 6, "Ih: 6 kinds of site (got %d)", g->nsites);
    for (int s = 0; s < 6 && g->nsites == 6; s++)
      CHECK(sz[s] == want[s], "Ih: site orbit %d (expected %d)", sz[s], want[s]);
    /* the twelve vertices of the icosahedron, (0, ±1, ±φ) and their cyclic
     * permutations, are one orbit */
    double phi = 0.5 * (1 + sqrt(5.0)), v[3] = {0, 1, phi}, img[120][3];
    int m = nacre_pointgroup_orbit(g, v, 1e-9, img);
    CHECK(m == 12, "Ih: icosahedron vertices form an orbit of %d", m);
    nacre_pointgroup_free(g);
  }
  {
    /* C3v: the axis is fixed by every operation, so a point on it is an
     * orbit of one, at any height */
    nacre_pointgroup *g = NULL;
    CHECK_OK(nacre_pointgroup_new("C3v", &g, &err), &err);
    int axis = 0;
    for (int s = 0; s < g->nsites; s++)
      axis += g->site[s].dim == 1 && g->site[s].orbit == 1;
    CHECK(axis == 1, "C3v: one line of orbits of one (got %d)", axis);
    nacre_pointgroup_free(g);
  }
  const char *bad[] = {"Q3", "C1v", "D2v", "S3", "C13", "Oh2", "", "C3vv"};
  for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
    nacre_pointgroup *g = NULL;
    nacre_status st = nacre_pointgroup_new(bad[k], &g, &err);
    CHECK(st == NACRE_ERR_INVALID && !g && strstr(err.message, bad[k]),
          "'%s' refused with its name (%s)", bad[k], err.message);
  }
  TEST_DONE();
}
