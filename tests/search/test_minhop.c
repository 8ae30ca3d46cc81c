/* test_minhop.c — minima hopping: the MD escape and the engine.
 *  1. The escape from LJ13's icosahedron (−44.326801 ε, the Cambridge
 *     Cluster Database): the same seed gives the same end point bit for
 *     bit; the centre of mass stays (1e-9 Å); velocity Verlet keeps the
 *     total energy to 5 % of the kinetic energy given; three minima of the
 *     potential energy are passed; softening lowers the curvature along
 *     the start velocity but never below the lowest non-zero normal mode
 *     of the finite-difference Hessian (nacre_potential_normal_modes): the
 *     rigid rotations, zero modes, are kept out of the velocity.
 *  2. A tiny kinetic energy relaxes back to the icosahedron; 5 ε per atom
 *     leaves it for another minimum in at least half of eight seeds.
 *  3. The same in a periodic cell (fcc Ar, 32 atoms): the centre of mass
 *     stays and the curvature stays above the lowest optical mode at Γ.
 *  4. The engine: minima-hopping walkers alone find the icosahedron from
 *     random starts; a run stopped half way and resumed makes the same
 *     escapes and minima as the uninterrupted run (the walkers' kinetic
 *     energies are replayed from the run); the auto mix of clusters uses
 *     them as its walkers with auto_minima_hopping; without an escape set
 *     the run is refused with a message that says so. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "nacre/pot.h"
#include "nacre/search.h"
#include "testing.h"

#define LJ "lj:epsilon=1,sigma=1,cutoff=10"
#define LJ13_MIN (-44.326801) /* ε, Cambridge Cluster Database */

static nacre_structure *icosahedron(void) {
  nacre_structure *s = nacre_structure_new(13, NULL);
  const double phi = 0.5 * (1 + sqrt(5.0)), r = 1.1 / sqrt(1 + phi * phi);
  int k = 1;
  for (int a = -1; a <= 1; a += 2)
    for (int b = -1; b <= 1; b += 2)
      for (int c = 0; c < 3; c++, k++) {
        double v[3];
        v[c] = 0;
        v[(c + 1) % 3] = a;
        v[(c + 2) % 3] = b * phi;
        for (int x = 0; x < 3; x++) s->positions[3 * k + x] = r * v[x];
      }
  for (int i = 0; i < 13; i++) {
    s->numbers[i] = 18;
    for (int x = 0; x < 3; x++) s->positions[3 * i + x] += 10;
  }
  for (int x = 0; x < 3; x++) {
    s->cell[x][x] = 20;
    s->pbc[x] = 0;
  }
  return s;
}

static void centre(const nacre_structure *s, double c[3]) {
  c[0] = c[1] = c[2] = 0;
  for (int i = 0; i < s->natoms; i++)
    for (int x = 0; x < 3; x++) c[x] += s->positions[3 * i + x] / s->natoms;
}

/* The lowest eigenvalue above the rigid zero modes, as a Cartesian
 * curvature (eV/Å²; one species of mass m). */
static double lowest_mode(const nacre_potential *p, const nacre_structure *s,
                          int zeros, double m) {
  int n3 = 3 * s->natoms;
  double *ev = malloc(sizeof(double) * (size_t)n3),
         *vec = malloc(sizeof(double) * (size_t)n3 * (size_t)n3);
  nacre_error err;
  double low = NAN;
  if (nacre_potential_normal_modes(p, s, 0, ev, vec, &err) == NACRE_OK)
    low = ev[zeros] * m;
  free(ev);
  free(vec);
  return low;
}

static double relax(nacre_search_relaxer *rel, nacre_structure *s) {
  nacre_search_relaxed out;
  nacre_error err;
  if (nacre_search_relax_potential(rel, s, 0, &out, &err)) return NAN;
  return out.energy;
}

/* Escapes from s0 (a minimum with rigid zero modes `zeros`) and checks
 * what every escape must keep. Returns the end point. */
static nacre_structure *check_escape(nacre_calc *calc, const nacre_potential *p,
                                     const nacre_structure *s0, double ekin,
                                     int zeros, const char *what) {
  nacre_escape_options o;
  nacre_escape_options_init(&o);
  nacre_error err;
  nacre_structure *a = nacre_structure_copy(s0, NULL),
                  *b = nacre_structure_copy(s0, NULL);
  nacre_rng ra, rb;
  nacre_rng_init(&ra, 5, 0);
  nacre_rng_init(&rb, 5, 0);
  nacre_escape_info ia, ib;
  CHECK_OK(nacre_search_escape(calc, a, ekin, &o, &ra, &ia, &err), &err);
  CHECK_OK(nacre_search_escape(calc, b, ekin, &o, &rb, &ib, &err), &err);
  CHECK(!memcmp(a->positions, b->positions,
                sizeof(double) * 3 * (size_t)a->natoms),
        "%s: the same seed gives the same end point", what);
  double dc = 0, c0[3], c1[3];
  if (s0->pbc[0]) { /* periodic: the mean minimum-image displacement */
    double sum[3] = {0, 0, 0};
    for (int i = 0; i < a->natoms; i++) {
      double d[3];
      for (int y = 0; y < 3; y++)
        d[y] = a->positions[3 * i + y] - s0->positions[3 * i + y];
      nacre_cell_minimum_image(a->cell, a->pbc, d);
      for (int y = 0; y < 3; y++) sum[y] += d[y] / a->natoms;
    }
    dc = sqrt(sum[0] * sum[0] + sum[1] * sum[1] + sum[2] * sum[2]);
  } else {
    centre(s0, c0);
    centre(a, c1);
    for (int x = 0; x < 3; x++) dc += (c1[x] - c0[x]) * (c1[x] - c0[x]);
    dc = sqrt(dc);
  }
  CHECK(dc < 1e-9, "%s: the centre of mass moved %.2g Å (limit 1e-9)", what, dc);
  CHECK(ia.drift < 0.05 && ia.retries == 0,
        "%s: total energy kept to %.4f of the kinetic energy (limit 0.05; "
        "%d steps, step %.4g, %d halvings)",
        what, ia.drift, ia.steps, ia.timestep, ia.retries);
  CHECK(ia.minima == 3 && ia.steps < o.max_steps,
        "%s: %d potential minima passed in %d steps", what, ia.minima, ia.steps);
  double low = lowest_mode(p, s0, zeros, 39.948);
  CHECK(ia.curvature_end < ia.curvature_start &&
            ia.curvature_end > (1 - 0.03) * low,
        "%s: softening %.3f -> %.3f eV/Å², above the lowest mode %.3f (−3 %%)",
        what, ia.curvature_start, ia.curvature_end, low);
  nacre_structure_free(b);
  return a;
}

static void config(nacre_search_config *c, int budget) {
  nacre_search_config_init(c);
  nacre_composition_parse("Ar13", &c->composition, NULL);
  c->engine = NACRE_ENGINE_MINIMA_HOPPING;
  c->cluster = 1;
  c->seed = 3;
  c->population = 4;
  c->budget = budget;
  snprintf(c->potential, sizeof c->potential, LJ);
  c->random.volume_per_atom = 1.2;
  c->relax.fmax_ev_a = 1e-3;
  c->relax.max_steps = 2000;
  nacre_random_options_set_distance(&c->random, 18, 18, 0.8, NULL);
}

typedef struct minima {
  long n;
  double h[64];
  char parents[64][48];
} minima;

static void load(const char *path, minima *m) {
  memset(m, 0, sizeof *m);
  nacre_run *r;
  nacre_error err;
  if (nacre_run_open_readonly(path, &r, &err)) return;
  nacre_candidate *c;
  long n;
  if (nacre_run_load_done(r, &c, &n, &err) == NACRE_OK) {
    for (long i = 0; i < n && m->n < 64; i++, m->n++) {
      m->h[m->n] = c[i].enthalpy;
      snprintf(m->parents[m->n], sizeof m->parents[0], "%s", c[i].parents);
    }
    nacre_candidates_free(c, n);
  }
  nacre_run_close(r);
}

static int run(const char *path, const nacre_search_config *c,
               nacre_search_relaxer *rel, int budget_first) {
  unlink(path);
  nacre_run *r;
  nacre_error err;
  nacre_search_config first = *c;
  if (budget_first) first.budget = budget_first;
  if (nacre_run_create(path, &first, &r, &err)) return 1;
  nacre_run_set_escape(r, nacre_search_relaxer_escape, rel);
  nacre_status st = nacre_search_run(r, nacre_search_relax_potential, rel,
                                     NULL, NULL, NULL, &err);
  nacre_run_close(r);
  if (st || !budget_first) return st != NACRE_OK;
  if (nacre_run_open(path, &r, &err)) return 1;
  nacre_run_set_escape(r, nacre_search_relaxer_escape, rel);
  st = nacre_run_set_limits(r, c->budget, 0, 0, &err);
  if (!st)
    st = nacre_search_run(r, nacre_search_relax_potential, rel, NULL, NULL,
                          NULL, &err);
  nacre_run_close(r);
  return st != NACRE_OK;
}

int main(void) {
#ifdef _OPENMP
  omp_set_num_threads(1);
#endif
  nacre_error err;
  nacre_potential *p;
  nacre_status st = nacre_potential_load(LJ, &p, &err);
  if (st == NACRE_ERR_UNSUPPORTED) {
    printf("SKIP: %s\n", err.message);
    return 77;
  }
  CHECK_OK(st, &err);
  nacre_calc *calc = nacre_calc_new(p, -1, &err);
  nacre_search_relax_settings rs = {1e-4, 0.01, 5000};
  nacre_search_relaxer *rel;
  CHECK_OK(nacre_search_relaxer_new(LJ, &rs, &rel, &err), &err);

  /* 1. the escape from the icosahedron */
  nacre_structure *ico = icosahedron();
  double e0 = relax(rel, ico);
  CHECK(fabs(e0 - LJ13_MIN) < 1e-5, "relaxed icosahedron %.6f ε (%.6f)", e0,
        LJ13_MIN);
  nacre_structure *end = check_escape(calc, p, ico, 0.3 * 13, 6, "LJ13");
  nacre_structure_free(end);

  /* 2. tiny and large kinetic energies */
  nacre_escape_options o;
  nacre_escape_options_init(&o);
  nacre_structure *s = nacre_structure_copy(ico, NULL);
  nacre_rng rng;
  nacre_rng_init(&rng, 1, 0);
  nacre_escape_info info;
  CHECK_OK(nacre_search_escape(calc, s, 1e-3, &o, &rng, &info, &err), &err);
  double e = relax(rel, s);
  CHECK(fabs(e - e0) < 1e-6, "1e-3 ε of kinetic energy relaxes back (%.6f)", e);
  nacre_structure_free(s);
  int left = 0;
  for (int seed = 0; seed < 8; seed++) {
    s = nacre_structure_copy(ico, NULL);
    nacre_rng_init(&rng, (uint64_t)seed, 0);
    CHECK_OK(nacre_search_escape(calc, s, 5.0 * 13, &o, &rng, &info, &err), &err);
    e = relax(rel, s);
    left += fabs(e - e0) > 1e-4;
    nacre_structure_free(s);
  }
  CHECK(left >= 4 && e < -30,
        "5 ε per atom left the icosahedron in %d of 8 escapes (1 ε: none; "
        "its basin is deep) and the cluster stayed bound (last %.3f ε)",
        left, e);

  /* 3. a periodic cell: fcc Ar, 2×2×2 conventional cells */
  nacre_structure *fcc = nacre_structure_new(32, NULL);
  const double a = 1.5496; /* LJ fcc lattice constant, σ = 1 */
  const double basis[4][3] = {{0, 0, 0}, {0.5, 0.5, 0}, {0.5, 0, 0.5}, {0, 0.5, 0.5}};
  int k = 0;
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 2; j++)
      for (int l = 0; l < 2; l++)
        for (int b = 0; b < 4; b++, k++) {
          fcc->numbers[k] = 18;
          fcc->positions[3 * k + 0] = a * (i + basis[b][0]);
          fcc->positions[3 * k + 1] = a * (j + basis[b][1]);
          fcc->positions[3 * k + 2] = a * (l + basis[b][2]);
        }
  for (int x = 0; x < 3; x++) fcc->cell[x][x] = 2 * a;
  end = check_escape(calc, p, fcc, 0.1 * 32, 3, "fcc Ar32");
  nacre_structure_free(end);
  nacre_structure_free(fcc);

  /* 4. the engine */
  char dir[] = "/tmp/nacre-test-minhop-XXXXXX";
  if (!mkdtemp(dir)) return 1;
  char pa[256], pb[256];
  snprintf(pa, sizeof pa, "%s/a.db", dir);
  snprintf(pb, sizeof pb, "%s/b.db", dir);
  nacre_search_config c;
  config(&c, 120);
  CHECK(run(pa, &c, rel, 0) == 0, "minima-hopping run");
  minima ma, mb;
  load(pa, &ma);
  double best = INFINITY;
  int nesc = 0;
  for (long i = 0; i < ma.n; i++) {
    best = fmin(best, ma.h[i]);
    nesc += ma.parents[i][0] != '\0';
  }
  CHECK(fabs(best - LJ13_MIN) < 1e-4 && nesc > ma.n / 2,
        "walkers found %.6f (the icosahedron %.6f) with %d escapes in %ld",
        best, LJ13_MIN, nesc, ma.n);
  CHECK(run(pb, &c, rel, 40) == 0, "stopped at 40 and resumed to 120");
  load(pb, &mb);
  int same = ma.n == mb.n;
  for (long i = 0; same && i < ma.n; i++)
    same = fabs(ma.h[i] - mb.h[i]) < 1e-9 && !strcmp(ma.parents[i], mb.parents[i]);
  CHECK(same, "the resumed run made the same %ld minima from the same parents",
        ma.n);
  /* the auto mix of clusters with minima-hopping walkers */
  nacre_search_config ca;
  config(&ca, 60);
  ca.engine = NACRE_ENGINE_AUTO;
  ca.auto_minima_hopping = 1;
  ca.population = 20; /* 10 %: two walker slots */
  CHECK(run(pb, &ca, rel, 0) == 0, "auto mix with minima-hopping walkers");
  nacre_run *ro;
  int nmh = 0, nbh = 0;
  if (nacre_run_open_readonly(pb, &ro, &err) == NACRE_OK) {
    nacre_candidate *cc;
    long nc;
    if (nacre_run_load_done(ro, &cc, &nc, &err) == NACRE_OK) {
      for (long i = 0; i < nc; i++) {
        nmh += !strcmp(cc[i].engine, "minima-hopping");
        nbh += !strcmp(cc[i].engine, "basin-hopping");
      }
      nacre_candidates_free(cc, nc);
    }
    nacre_run_close(ro);
  }
  CHECK(nmh > 0 && nbh == 0, "the auto mix's walkers escaped by MD (%d), none "
        "hopped (%d)", nmh, nbh);
  /* refused without an escape */
  unlink(pa);
  nacre_run *r;
  CHECK_OK(nacre_run_create(pa, &c, &r, &err), &err);
  st = nacre_search_run(r, nacre_search_relax_potential, rel, NULL, NULL, NULL,
                        &err);
  CHECK(st == NACRE_ERR_INVALID && strstr(err.message, "escape"),
        "no escape set: %s", err.message);
  nacre_run_close(r);
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  if (system(cmd) != 0) printf("could not remove %s\n", dir);

  nacre_structure_free(ico);
  nacre_search_relaxer_free(rel);
  nacre_calc_free(calc);
  nacre_potential_free(p);
  TEST_DONE();
}
