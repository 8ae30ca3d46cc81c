/* bench_search.c — success rate of the structure search over seeds, mean
 * relaxations to the first hit of the known minimum, and relaxations per
 * hour.
 *
 *   bench_search CASE [--seeds N] [--first-seed K] [--budget N]
 *                     [--population N] [--jobs N]
 *                     [--engine E] [--swarm-move velocity|operators]
 *                     [--potential SPEC] [--tol MEV]
 *                     [--full 0|1] [--pearson P] [--window MEV]
 *                     [--natoms N] [--dmin D] [--symmetric F]
 *                     [--point-groups LIST] [--stop-pearson 0|1]
 *                     [--crowding W] [--walkers basin-hopping|minima-hopping]
 *                     [--motifs F] [--primitive 0|1] [--keep DIR]
 *                     [--supercell-mutations F] [--walker-share F]
 *
 * Cases (targets):
 *   lj13, lj38, lj55, lj75
 *                     Lennard-Jones clusters, ε = σ = 1: global minima of the
 *                     Cambridge Cluster Database, −44.326801, −173.928427,
 *                     −279.248470, −397.492331 (Marks decahedron) ε (hit:
 *                     within 1e-4 ε in total).
 *   lj8, lj16         LJ argon crystal (ε = 0.0104 eV, σ = 3.4 Å, rc = 8.5 Å)
 *                     at 0 GPa: target the lower of relaxed fcc and hcp in the
 *                     same number of atoms (hit: within 0.1 meV/atom).
 *   cu8               Cu with an EAM file given by --potential (e.g. LAMMPS'
 *                     Cu_u3.eam): target relaxed fcc (hit: 1 meV/atom).
 *   na8, na16         Na with the MAISE model given by --potential: target the
 *                     lowest of relaxed bcc, fcc, hcp (hit: 1 meV/atom).
 *   li12sn4           Li12Sn4 with --potential (MAISE nn_LiSn_d3_v0): target
 *                     relaxed D0_3 Li3Sn (cF16), the lowest physical minimum
 *                     that model has at this composition (hit: 1 meV/atom);
 *                     targets from the seeds themselves when no reference
 *                     relaxes.
 * Options: --tol T (hit tolerance, meV/atom), --full 1 (run the whole budget
 * after the first hit, to see whether anything lower turns up), --pearson P
 * [--window W] (also count the first relaxation giving a minimum with
 * nacre's Pearson symbol P within W meV/atom (20) of the target, e.g. hR16
 * for a 16-atom rhombohedral cell; implies --full 1), --natoms N (the
 * case's element with N atoms per cell instead, no reference: the target
 * is the best over the seeds; for relaxations per hour against cell size),
 * --dmin D (the minimum distance of the case's element pair, Å or σ),
 * --symmetric F and --point-groups LIST (clusters: the share of random
 * clusters with a point group's symmetry and the groups drawn from;
 * crystals: the share of heredity and mutation children that keep a common
 * subgroup of their parents' space groups; the search's defaults
 * otherwise), --stop-pearson 1 (with --pearson: a seed stops once it has
 * both the target and a --pearson minimum, looked up every --population
 * relaxations, so the count to the first one is exact and the rest of the
 * budget is not spent), --crowding W (the search's crowding weight),
 * --walkers E (the walkers of the auto mix of clusters), --trace N (the
 * pool's diversity every N relaxations: distinct minima, fingerprint
 * spread, funnels, walker restarts, relaxations since a new low minimum),
 * --tribes N and --tribe-restart G (the search's multi-tribe evolution),
 * --motifs F (the search's share of motif newcomers), --primitive 0|1
 * (crystals: whether random crystals of centred groups may hold the
 * composition in their primitive cell, --primitive-cells; the search's
 * default 0), --supercell-mutations F and --walker-share F (the search's
 * share of crystal mutations made in a random supercell of the parent's
 * primitive cell, and of the auto mix's walkers), --keep DIR (keep each seed's run file as DIR/runSEED.db, to
 * see which operators made what: sqlite3 or nacre search --report).
 * With --jobs 1 the CPU time per relaxation is printed too. Relaxations
 * to fmax 0.001 eV/Å, smax 0.01 GPa, 2000 steps.
 * Needs the opt module; prints a skip line otherwise. Timings depend on the
 * machine's load. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "nacre/search.h"

#include "bench_util.h"

typedef struct bench_case {
  const char *name, *composition, *potential;
  int cluster;
  double target_total;  /* NAN: from references or seeds */
  double tol_atom;      /* eV/atom */
  const char *refs;     /* reference lattices "fcc,hcp,bcc" */
  int z;
  double dmin, volume;  /* Å, Å^3/atom; 0 = defaults */
} bench_case;

static const bench_case cases[] = {
    {"lj13", "Ar13", "lj:epsilon=1,sigma=1,cutoff=10", 1, -44.326801,
     1e-4 / 13, NULL, 18, 0.8, 1.2},
    {"lj38", "Ar38", "lj:epsilon=1,sigma=1,cutoff=10", 1, -173.928427,
     1e-4 / 38, NULL, 18, 0.8, 1.2},
    {"lj55", "Ar55", "lj:epsilon=1,sigma=1,cutoff=10", 1, -279.248470,
     1e-4 / 55, NULL, 18, 0.8, 1.2},
    {"lj75", "Ar75", "lj:epsilon=1,sigma=1,cutoff=10", 1, -397.492331,
     1e-4 / 75, NULL, 18, 0.8, 1.2},
    {"lj8", "Ar8", "lj:epsilon=0.0104,sigma=3.4,cutoff=8.5", 0, NAN, 1e-4,
     "fcc,hcp", 18, 3.0, 45.0},
    {"lj16", "Ar16", "lj:epsilon=0.0104,sigma=3.4,cutoff=8.5", 0, NAN, 1e-4,
     "fcc,hcp", 18, 3.0, 45.0},
    {"cu8", "Cu8", NULL, 0, NAN, 1e-3, "fcc", 29, 2.0, 12.0},
    {"na8", "Na8", NULL, 0, NAN, 1e-3, "bcc,fcc,hcp", 11, 2.7, 38.0},
    {"na16", "Na16", NULL, 0, NAN, 1e-3, "bcc,fcc,hcp", 11, 2.7, 38.0},
    {"li12sn4", "Li12Sn4", NULL, 0, NAN, 1e-3, "d03", 0, 0, 0},
};

/* Ideal lattice with n atoms: conventional cell repeated, nearest-neighbour
 * distance d (Å). */
static nacre_structure *reference(const char *kind, int z, int n, double d) {
  if (!strcmp(kind, "d03")) {
    /* D0_3 Li3Sn (cF16, Fm-3m, BiF3 prototype): Sn on 4a (0,0,0), Li on 4b
     * (1/2,1/2,1/2) and 8c (1/4,1/4,1/4), (3/4,3/4,3/4), each plus the
     * face centrings; conventional cell a = 6.55 Å (relaxation finds the
     * potential's own). */
    if (n != 16) return NULL;
    static const double fc[4][3] = {{0, 0, 0}, {0, .5, .5}, {.5, 0, .5},
                                    {.5, .5, 0}};
    static const double shift[4] = {0.0, 0.5, 0.25, 0.75};
    nacre_structure *s = nacre_structure_new(16, NULL);
    if (!s) return NULL;
    double frac[3 * 16];
    int k = 0;
    for (int w = 0; w < 4; w++)
      for (int p = 0; p < 4; p++, k++) {
        for (int x = 0; x < 3; x++)
          frac[3 * k + x] = fmod(fc[p][x] + shift[w], 1.0);
        s->numbers[k] = w == 0 ? 50 : 3;
      }
    for (int i = 0; i < 3; i++)
      for (int j = 0; j < 3; j++) s->cell[i][j] = i == j ? 6.55 : 0.0;
    nacre_structure_set_frac(s, frac);
    return s;
  }
  double c[3][3] = {{0}}, f[4][3];
  int per;
  if (!strcmp(kind, "fcc")) {
    double a = d * sqrt(2.0);
    per = 4;
    c[0][0] = c[1][1] = c[2][2] = a;
    double ff[4][3] = {{0, 0, 0}, {0, .5, .5}, {.5, 0, .5}, {.5, .5, 0}};
    memcpy(f, ff, sizeof ff);
  } else if (!strcmp(kind, "bcc")) {
    double a = d * 2 / sqrt(3.0);
    per = 2;
    c[0][0] = c[1][1] = c[2][2] = a;
    double ff[2][3] = {{0, 0, 0}, {.5, .5, .5}};
    memcpy(f, ff, sizeof ff);
  } else {
    per = 2;
    double abc[3] = {d, d, d * sqrt(8.0 / 3.0)}, ang[3] = {90, 90, 120};
    nacre_cell_from_lengths_angles(abc, ang, c);
    double ff[2][3] = {{1. / 3, 2. / 3, .25}, {2. / 3, 1. / 3, .75}};
    memcpy(f, ff, sizeof ff);
  }
  if (n % per) return NULL;
  int reps = n / per, m[3] = {1, 1, 1};
  for (int k = 0; reps > 1; k = (k + 1) % 3) {
    if (reps % 2) return NULL;
    m[k] *= 2;
    reps /= 2;
  }
  nacre_structure *s = nacre_structure_new(n, NULL);
  if (!s) return NULL;
  int k = 0;
  double frac[3 * 64];
  if (n > 64) {
    nacre_structure_free(s);
    return NULL;
  }
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) s->cell[i][j] = c[i][j] * m[i];
  for (int a = 0; a < m[0]; a++)
    for (int b = 0; b < m[1]; b++)
      for (int cc = 0; cc < m[2]; cc++)
        for (int p = 0; p < per; p++) {
          frac[3 * k] = (f[p][0] + a) / m[0];
          frac[3 * k + 1] = (f[p][1] + b) / m[1];
          frac[3 * k + 2] = (f[p][2] + cc) / m[2];
          s->numbers[k++] = z;
        }
  nacre_structure_set_frac(s, frac);
  return s;
}

typedef struct hit_state {
  double target_atom, tol;
  long first_hit;
  int full;
  /* --stop-pearson: stop once a minimum of this Pearson symbol within
   * window of the target is in the run (looked up every `every` relaxations) */
  nacre_run *run;
  const char *pearson;
  double window;
  long every, checked;
  int pearson_found;
  long trace, traced; /* --trace N: the diversity line every N relaxations */
} hit_state;

static int pearson_in_run(hit_state *h) {
  nacre_candidate *c;
  long n;
  int found = 0;
  nacre_error err;
  if (nacre_run_load_done(h->run, &c, &n, &err)) return 0;
  for (long k = 0; k < n && !found; k++)
    found = !strcmp(c[k].pearson, h->pearson) &&
            c[k].enthalpy / c[k].relaxed->natoms <= h->target_atom + h->window;
  nacre_candidates_free(c, n);
  return found;
}

static int on_progress(void *user, const nacre_search_progress *p) {
  hit_state *h = user;
  int hit = isfinite(h->target_atom) && p->best_h_atom <= h->target_atom + h->tol;
  if (hit && h->first_hit < 0) h->first_hit = p->done;
  if (h->trace > 0 && (p->finished >= h->traced + h->trace || p->final)) {
    h->traced = p->finished;
    printf("  %ld relaxations: best %.6f, %ld distinct, spread %.3f, %d funnels"
           " (lowest %d minima), %ld walker restarts, %ld tribe restarts, "
           "%ld since a new low minimum\n", p->finished, p->best_h_atom,
           p->unique, p->spread, p->nfunnels, p->funnel_minima[0],
           p->restarts, p->tribe_restarts, p->since_new_low);
    fflush(stdout);
  }
  if (h->run && isfinite(h->target_atom) && p->finished >= h->checked + h->every) {
    h->checked = p->finished;
    h->pearson_found = h->pearson_found || pearson_in_run(h);
  }
  if (h->run) return hit && h->pearson_found;
  return hit && !h->full;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: bench_search CASE [--seeds N] [--first-seed K] "
                    "[--budget N] [--population N] [--jobs N] [--engine E] "
                    "[--swarm-move velocity|operators] [--potential SPEC] "
                    "[--tol MEV] [--full 0|1] "
                    "[--pearson P] [--window MEV] [--stop-pearson 0|1] "
                    "[--natoms N] [--dmin D] [--symmetric F] [--crowding W] "
                    "[--walkers E] [--tribes N] [--tribe-restart G] "
                    "[--trace N] [--motifs F] [--primitive 0|1] [--keep DIR]\n");
    return 2;
  }
  const bench_case *bc = NULL;
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++)
    if (!strcmp(argv[1], cases[k].name)) bc = &cases[k];
  if (!bc) {
    fprintf(stderr, "unknown case %s\n", argv[1]);
    return 2;
  }
  int seeds = 5, first_seed = 1, budget = 200, population = 20, jobs = 1;
  const char *potential = bc->potential, *engine = "auto";
  int operators = 0;
  double tol = 0; /* eV/atom; 0: the case's */
  int full = 0;   /* 1: run the whole budget after the first hit */
  const char *pearson = NULL; /* second target: a minimum of this Pearson */
  double window = 0.020;      /* symbol within this of the target, eV/atom */
  int natoms_asked = 0;       /* > 0: this many atoms of the case's element */
  double dmin_asked = 0;      /* > 0: minimum distance instead of the case's */
  double symmetric = -1;      /* ≥ 0: share of symmetric random clusters */
  const char *point_groups = NULL;
  int stop_pearson = 0;       /* 1: a seed ends at its first Pearson hit */
  double crowding = -1;       /* ≥ 0: the search's crowding weight */
  int walkers_mh = 0;         /* the auto mix's walkers: minima hopping */
  long trace = 0;             /* > 0: the diversity line every N relaxations */
  int tribes = 0, tribe_restart = 0; /* > 0: the search's */
  double motifs = -1;         /* ≥ 0: the search's share of motif newcomers */
  const char *keep = NULL;    /* directory that keeps the run files */
  int primitive = -1;         /* ≥ 0: the search's primitive_cells */
  double supercells = -1;     /* ≥ 0: the search's frac_supercell_mutation */
  double walker_share = -1;   /* ≥ 0: the search's walker_share */
  for (int i = 2; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--seeds")) seeds = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--first-seed")) first_seed = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--budget")) budget = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--population")) population = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--jobs")) jobs = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--engine")) engine = argv[i + 1];
    else if (!strcmp(argv[i], "--swarm-move"))
      operators = !strcmp(argv[i + 1], "operators");
    else if (!strcmp(argv[i], "--potential")) potential = argv[i + 1];
    else if (!strcmp(argv[i], "--tol")) tol = atof(argv[i + 1]) * 1e-3;
    else if (!strcmp(argv[i], "--full")) full = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--pearson")) pearson = argv[i + 1];
    else if (!strcmp(argv[i], "--window")) window = atof(argv[i + 1]) * 1e-3;
    else if (!strcmp(argv[i], "--natoms")) natoms_asked = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--dmin")) dmin_asked = atof(argv[i + 1]);
    else if (!strcmp(argv[i], "--symmetric")) symmetric = atof(argv[i + 1]);
    else if (!strcmp(argv[i], "--point-groups")) point_groups = argv[i + 1];
    else if (!strcmp(argv[i], "--stop-pearson")) stop_pearson = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--crowding")) crowding = atof(argv[i + 1]);
    else if (!strcmp(argv[i], "--trace")) trace = atol(argv[i + 1]);
    else if (!strcmp(argv[i], "--tribes")) tribes = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--tribe-restart"))
      tribe_restart = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--motifs")) motifs = atof(argv[i + 1]);
    else if (!strcmp(argv[i], "--keep")) keep = argv[i + 1];
    else if (!strcmp(argv[i], "--primitive")) primitive = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--supercell-mutations"))
      supercells = atof(argv[i + 1]);
    else if (!strcmp(argv[i], "--walker-share"))
      walker_share = atof(argv[i + 1]);
    else if (!strcmp(argv[i], "--walkers"))
      walkers_mh = !strcmp(argv[i + 1], "minima-hopping");
    else {
      fprintf(stderr, "unknown option %s\n", argv[i]);
      return 2;
    }
  }
  if (tol <= 0) tol = bc->tol_atom;
  if (!potential) {
    printf("SKIP %s: give --potential\n", bc->name);
    return 0;
  }
  nacre_error err;
  nacre_search_relaxer *rel;
  nacre_search_relax_settings rs = {0.001, 0.01, 2000};
  if (nacre_search_relaxer_new(potential, &rs, &rel, &err)) {
    printf("SKIP %s: %s\n", bc->name, err.message);
    return 0;
  }
  nacre_search_config cfg;
  nacre_search_config_init(&cfg);
  char formula[32];
  snprintf(formula, sizeof formula, "%s", bc->composition);
  const char *refs_of_case = bc->refs;
  double target_of_case = bc->target_total;
  if (natoms_asked > 0) {
    size_t len = strspn(formula, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");
    snprintf(formula + len, sizeof formula - len, "%d", natoms_asked);
    refs_of_case = NULL;
    target_of_case = NAN;
  }
  if (nacre_composition_parse(formula, &cfg.composition, &err) ||
      nacre_engine_parse(engine, &cfg.engine, &err)) {
    fprintf(stderr, "%s\n", err.message);
    return 1;
  }
  cfg.cluster = bc->cluster;
  if (operators) {
    cfg.swarm_operators = 1;
    cfg.swarm_inertia = NACRE_SWARM_OPERATOR_W;
  }
  if (symmetric >= 0) cfg.frac_symmetric = symmetric;
  if (crowding >= 0) cfg.crowding = crowding;
  if (tribes > 0) cfg.tribes = tribes;
  if (tribe_restart > 0) cfg.tribe_restart = tribe_restart;
  if (motifs >= 0) cfg.frac_motif = motifs;
  if (primitive >= 0) cfg.primitive_cells = primitive;
  if (supercells >= 0) cfg.frac_supercell_mutation = supercells;
  if (walker_share >= 0) cfg.walker_share = walker_share;
  cfg.auto_minima_hopping = walkers_mh;
  if (point_groups)
    snprintf(cfg.point_groups, sizeof cfg.point_groups, "%s", point_groups);
  cfg.budget = budget;
  cfg.population = population;
  cfg.jobs = jobs;
  snprintf(cfg.potential, sizeof cfg.potential, "%s", potential);
  if (bc->volume > 0) cfg.random.volume_per_atom = bc->volume;
  double dmin = dmin_asked > 0 ? dmin_asked : bc->dmin;
  if (dmin > 0)
    nacre_random_options_set_distance(&cfg.random, bc->z, bc->z, dmin, NULL);
  int natoms = nacre_composition_natoms(&cfg.composition);
  double target = isfinite(target_of_case) ? target_of_case / natoms : NAN;
  if (refs_of_case) {
    char refs[64];
    snprintf(refs, sizeof refs, "%s", refs_of_case);
    for (char *k = strtok(refs, ","); k; k = strtok(NULL, ",")) {
      nacre_structure *s = reference(k, bc->z, natoms, bc->dmin / 0.8);
      if (!s) continue;
      nacre_search_relaxed out;
      if (nacre_search_relax_potential(rel, s, 0.0, &out, &err) == NACRE_OK &&
          out.ok) {
        printf("reference %s: %.6f eV/atom\n", k, out.enthalpy / natoms);
        if (!(out.enthalpy / natoms >= target)) target = out.enthalpy / natoms;
      }
      nacre_structure_free(s);
    }
  }
  char tmpdir[] = "/tmp/nacre-bench-XXXXXX";
  const char *dir = keep ? keep : tmpdir;
  if (!keep && !mkdtemp(tmpdir)) return 1;
  if (pearson) full = 1;
  int hits = 0, phits = 0;
  long sum_first = 0, total_relax = 0, psum = 0;
  double total_time = 0, best = INFINITY;
  clock_t cpu0 = clock();
  double *bests = calloc((size_t)seeds, sizeof *bests);
  for (int seed = first_seed; seed < first_seed + seeds; seed++) {
    char path[256];
    snprintf(path, sizeof path, "%s/run%d.db", dir, seed);
    if (keep) remove(path);
    cfg.seed = (uint64_t)seed;
    nacre_run *run;
    if (nacre_run_create(path, &cfg, &run, &err)) {
      fprintf(stderr, "%s\n", err.message);
      return 1;
    }
    nacre_run_set_escape(run, nacre_search_relaxer_escape, rel);
    hit_state hs = {target, tol, -1, full, NULL, pearson, window, 0, 0, 0,
                    trace, 0};
    if (pearson && stop_pearson) {
      hs.run = run;
      hs.every = population;
    }
    double t0 = bench_now();
    nacre_status st = nacre_search_run(run, nacre_search_relax_potential, rel,
                                       on_progress, &hs, NULL, &err);
    double dt = bench_now() - t0;
    if (st) fprintf(stderr, "seed %d: %s\n", seed, err.message);
    long pending, done, failed;
    nacre_run_counts(run, &pending, &done, &failed, &err);
    nacre_candidate *c;
    long n;
    bests[seed - first_seed] = INFINITY;
    long pfirst = -1;
    double ph = NAN;
    if (!nacre_run_load_done(run, &c, &n, &err)) {
      for (long k = 0; k < n; k++) {
        double h = c[k].enthalpy / c[k].relaxed->natoms;
        if (h < bests[seed - first_seed]) bests[seed - first_seed] = h;
        if (pearson && !strcmp(c[k].pearson, pearson) &&
            h <= target + window && (pfirst < 0 || c[k].id < pfirst)) {
          pfirst = c[k].id;
          ph = h;
        }
      }
      nacre_candidates_free(c, n);
    }
    if (pearson) {
      /* candidates are numbered in creation order: id + 1 relaxations had
       * been handed out when it was made */
      if (pfirst >= 0) {
        phits++;
        psum += pfirst + 1;
        printf("seed %d: first %s within %.0f meV/atom: relaxation %ld, "
               "%.6f eV/atom\n", seed, pearson, 1e3 * window, pfirst + 1, ph);
      } else {
        printf("seed %d: no %s within %.0f meV/atom\n", seed, pearson,
               1e3 * window);
      }
    }
    if (bests[seed - first_seed] < best) best = bests[seed - first_seed];
    nacre_run_close(run);
    total_relax += done + failed;
    total_time += dt;
    if (hs.first_hit > 0) {
      hits++;
      sum_first += hs.first_hit;
    }
    printf("seed %d: best %.6f eV/atom, %s after %ld relaxations (%.1f s)\n",
           seed, bests[seed - first_seed], hs.first_hit > 0 ? "hit" : "no hit",
           hs.first_hit > 0 ? hs.first_hit : done, dt);
    fflush(stdout);
  }
  if (!isfinite(target)) { /* target from the seeds themselves */
    hits = 0;
    for (int s = 0; s < seeds; s++) hits += bests[s] <= best + tol;
    printf("target: best over seeds %.6f eV/atom\n", best);
    target = best;
  }
  printf("%s (%s engine%s, symmetric %g of %s, motifs %g, primitive cells %d, supercell mutations %g, walker share %g, crowding %g, budget %d, "
         "population %d, tribes %d (restart %d), jobs %d): success %d/%d, "
         "mean relaxations to first hit %.1f, %.0f relaxations/hour, best "
         "%.6f eV/atom (target %.6f)\n",
         bc->name, engine, operators ? ", swarm operator moves" : "",
         cfg.frac_symmetric, cfg.cluster ? cfg.point_groups : "space groups", cfg.frac_motif, cfg.primitive_cells, cfg.frac_supercell_mutation, cfg.walker_share, cfg.crowding,
         budget,
         population, cfg.tribes, cfg.tribe_restart, jobs, hits, seeds,
         hits && sum_first > 0 ? (double)sum_first / hits : NAN,
         total_time > 0 ? 3600.0 * total_relax / total_time : 0.0, best,
         target);
  if (jobs == 1 && total_relax > 0)
    printf("%s: %d atoms, %.2f ms CPU per relaxation (%ld relaxations)\n",
           bc->name, natoms,
           1e3 * (double)(clock() - cpu0) / CLOCKS_PER_SEC / total_relax,
           total_relax);
  if (pearson)
    printf("%s: %s within %.0f meV/atom of the target found in %d/%d seeds, "
           "mean relaxations to the first %.1f\n", bc->name, pearson,
           1e3 * window, phits, seeds, phits ? (double)psum / phits : NAN);
  free(bests);
  nacre_search_relaxer_free(rel);
  if (!keep) {
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
  }
  return 0;
}
