/* engine.c — the search loop: generations of candidates made by the
 * random, evolutionary and swarm engines from one shared pool, relaxed in
 * this process, in forked workers or on MPI ranks (transport.h), stored in
 * the run database.
 *
 * Reproducibility: candidate `id` draws all its random numbers from stream
 * (seed, id), and generation g is built from the pool of generations < g
 * only; results are folded into the pool in id order after the whole
 * generation is relaxed. The pool therefore depends on the seed and the
 * population size, not on the number of workers or on timing, and a resumed
 * run regenerates exactly the candidates a killed one had not finished. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crowding.h"
#include "dedup.h"
#include "operators.h"
#include "run_internal.h"
#include "transport.h"
#include "tribes.h"

const char *nacre_run_stop_reason(const nacre_run *r) { return r->stop_reason; }

typedef struct engine {
  nacre_run *run;
  const nacre_search_config *cfg;
  nacre_random_options random; /* cfg->random at the run's pressure */
  op_modes modes;              /* the soft-mode mutation's modes */
  const nacre_ctx *ctx;
  nacre_candidate *c;   /* index = id */
  int *particle;
  int *nsoft;           /* soft-mode children made from each id so far */
  long n, cap;
  long *unique;         /* ids of unique minima in order found */
  double *unique_h;     /* and their enthalpies per atom (dedup_fold_h) */
  long nunique;
  /* Niches for the parents: the minima folded again by the per-atom
   * enthalpy window and the pair distribution alone (niche_options), each
   * niche represented by its lowest minimum, niche_rep[niche_of[id]]. On
   * clusters the duplicate test tells apart minima that differ by a
   * surface atom (dh_rel, overlap); breeding from every one of them would
   * fill the parents with near copies of the best. */
  long *niche_rep, nniche;
  long *niche_of;       /* per candidate: its niche, −1 before it is folded */
  nacre_duplicate_options niche_options;
  long folded;          /* candidates [0, folded) are in the pool */
  /* the random crystals' groups; with cfg->primitive_cells a centred
   * group is there twice: composition in its conventional cell
   * (group_primitive 0) and in its primitive one (1) */
  nacre_spacegroup **groups;
  int *group_primitive;
  int ngroups;
  nacre_pointgroup **pgroups; /* clusters: groups that hold the composition */
  int npgroups;
  /* per-generation caches */
  long *sel;            /* distinct minima by enthalpy */
  long *nsel_list;      /* niche representatives, parents by penalised
                           rank first */
  long nsel;
  /* Multi-tribe evolution (tribes.h): each tribe's niches since its epoch
   * (the lowest minimum it found in each) in tmin[toff[t] .. toff[t] +
   * tn[t]), its parents by penalised rank first (tnsel[t] of them). */
  search_tribes tribes;
  long *tmin;
  long toff[NACRE_MAX_TRIBES], tn[NACRE_MAX_TRIBES], tnsel[NACRE_MAX_TRIBES];
  /* What the candidate being made draws from: its tribe's parents and
   * minima, or the whole pool's (sel, unique). */
  const long *par, *all;
  long npar, nall;
  long *pbest, *pcur;   /* per particle: best and latest finished ids */
  int nparticles;
  /* basin- and minima-hopping walkers (slot = walker), replayed from the
   * run */
  long *wcur, *wbest;   /* current minimum and best of each walker */
  int *wstall;          /* hops since the walker's best improved */
  double *wediff;       /* acceptance threshold, eV (total) */
  double *wekin;        /* minima hopping: the escape's kinetic energy, eV */
  long restarts;        /* walkers started again from the pool */
  double spread;        /* mean fingerprint distance between parents */
  int nfunnels;         /* funnels of the lowest minima, and their sizes */
  int funnel_minima[NACRE_SPREAD_MINIMA];
  long last_new_low;    /* id of the last new distinct low minimum */
  long gbest;
  double best_h;        /* eV/atom over all finished */
  int best_sg;
  char best_pearson[16];
  search_tally tally;
} engine;

static double h_atom(const nacre_candidate *c) { return dedup_h_atom(c); }

static void engine_free(engine *e) {
  nacre_candidates_free(e->c, e->n);
  free(e->particle);
  free(e->nsoft);
  free(e->unique);
  free(e->unique_h);
  free(e->niche_rep);
  free(e->niche_of);
  free(e->nsel_list);
  for (int k = 0; k < e->ngroups; k++) nacre_spacegroup_free(e->groups[k]);
  free(e->groups);
  free(e->group_primitive);
  for (int k = 0; k < e->npgroups; k++) nacre_pointgroup_free(e->pgroups[k]);
  free(e->pgroups);
  free(e->sel);
  free(e->tmin);
  free(e->pbest);
  free(e->pcur);
  free(e->wcur);
  free(e->wbest);
  free(e->wstall);
  free(e->wediff);
  free(e->wekin);
}

static nacre_status ensure_capacity(engine *e, long n, nacre_error *err) {
  if (n <= e->cap) return NACRE_OK;
  long cap = e->cap ? e->cap : 64;
  while (cap < n) cap *= 2;
  nacre_candidate *c = realloc(e->c, sizeof *c * (size_t)cap);
  if (!c) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  e->c = c;
  int *p = realloc(e->particle, sizeof *p * (size_t)cap);
  if (!p) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  e->particle = p;
  int *ns = realloc(e->nsoft, sizeof *ns * (size_t)cap);
  if (!ns) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  e->nsoft = ns;
  long *u = realloc(e->unique, sizeof *u * (size_t)cap);
  if (!u) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  e->unique = u;
  double *uh = realloc(e->unique_h, sizeof *uh * (size_t)cap);
  if (!uh) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  e->unique_h = uh;
  long *nr = realloc(e->niche_rep, sizeof *nr * (size_t)cap);
  if (!nr) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  e->niche_rep = nr;
  long *no = realloc(e->niche_of, sizeof *no * (size_t)cap);
  if (!no) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  e->niche_of = no;
  for (long k = e->cap; k < cap; k++) {
    e->niche_of[k] = -1;
    memset(&e->c[k], 0, sizeof e->c[k]);
    e->c[k].duplicate_of = -1;
    e->particle[k] = -1;
    e->nsoft[k] = 0;
  }
  e->cap = cap;
  return NACRE_OK;
}

/* Whether group g can hold the composition, in its conventional cell or
 * (primitive 1) in its primitive one; sw has room for the conventional
 * cell's sites. */
static int group_holds(const nacre_spacegroup *g, const nacre_composition *c,
                       int primitive, nacre_rng *rng, int *sw, int nmax) {
  nacre_composition conv = *c;
  nacre_error tmp;
  int nsites;
  if (primitive &&
      nacre_spacegroup_conventional_composition(g, c, &conv, &tmp))
    return 0;
  return nacre_wyckoff_choose(g, &conv, rng, 1, sw, sw + nmax, nmax, &nsites,
                              &tmp) == NACRE_OK;
}

/* Groups of the selection that can hold the composition: each in its
 * conventional cell, and each centred one (with primitive_cells) in its
 * primitive cell as well. */
static nacre_status feasible_groups(engine *e, nacre_error *err) {
  int *list = NULL, nlist = 0;
  nacre_status st = nacre_spacegroup_list_parse(e->cfg->groups, &list, &nlist, err);
  if (st) return st;
  e->groups = calloc(2 * (size_t)nlist, sizeof *e->groups);
  e->group_primitive = calloc(2 * (size_t)nlist, sizeof *e->group_primitive);
  int nmax = 4 * nacre_composition_natoms(&e->cfg->composition);
  int *sw = malloc(sizeof(int) * 2 * (size_t)nmax);
  if (!e->groups || !e->group_primitive || !sw) {
    free(list);
    free(sw);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  }
  nacre_rng rng;
  nacre_rng_init(&rng, e->cfg->seed, UINT64_MAX);
  for (int k = 0; k < nlist && !st; k++) {
    nacre_spacegroup *g, *copy = NULL;
    if ((st = nacre_spacegroup_new(list[k], &g, err))) break;
    const nacre_composition *c = &e->cfg->composition;
    int conv = group_holds(g, c, 0, &rng, sw, nmax);
    int prim = e->cfg->primitive_cells &&
               nacre_spacegroup_lattice_points(g) > 1 &&
               group_holds(g, c, 1, &rng, sw, nmax);
    if (conv && prim && (st = nacre_spacegroup_new(list[k], &copy, err))) {
      nacre_spacegroup_free(g);
      break;
    }
    if (conv || prim) {
      e->group_primitive[e->ngroups] = !conv;
      e->groups[e->ngroups++] = g;
    } else {
      nacre_spacegroup_free(g);
    }
    if (copy) {
      e->group_primitive[e->ngroups] = 1;
      e->groups[e->ngroups++] = copy;
    }
  }
  free(list);
  free(sw);
  if (st) return st;
  if (!e->ngroups) {
    char comp[128];
    nacre_composition_format(&e->cfg->composition, comp, sizeof comp);
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "none of the space groups %s can hold %s",
                           e->cfg->groups, comp);
  }
  return NACRE_OK;
}

/* Point groups of the selection that can hold the cluster's composition
 * (only when symmetric clusters are asked for). */
static nacre_status feasible_pointgroups(engine *e, nacre_error *err) {
  if (!(e->cfg->frac_symmetric > 0)) return NACRE_OK;
  nacre_pointgroup **list;
  int n;
  nacre_status st = nacre_pointgroup_list_parse(e->cfg->point_groups, &list,
                                                &n, err);
  if (st) return st;
  for (int k = 0; k < n; k++) {
    if (nacre_pointgroup_holds(list[k], &e->cfg->composition))
      list[e->npgroups++] = list[k];
    else
      nacre_pointgroup_free(list[k]);
  }
  e->pgroups = list;
  if (e->npgroups) return NACRE_OK;
  char comp[128];
  nacre_composition_format(&e->cfg->composition, comp, sizeof comp);
  return nacre_error_set(err, NACRE_ERR_INVALID,
                         "none of the point groups %s can hold %s",
                         e->cfg->point_groups, comp);
}

/* ---- candidates ---- */

/* A random cluster: with the symmetry of a point group drawn from the
 * feasible ones for a share frac_symmetric of them (no draw at all when
 * the share is 0, so runs made before it stay reproducible); one that
 * cannot be placed falls back to no symmetry. */
static nacre_status random_cluster_start(engine *e, nacre_rng *rng,
                                         nacre_structure **out, char *op,
                                         nacre_error *err) {
  const nacre_search_config *cfg = e->cfg;
  if (e->npgroups && nacre_rng_uniform(rng) < cfg->frac_symmetric) {
    const nacre_pointgroup *g = e->pgroups[nacre_rng_int(rng, e->npgroups)];
    nacre_error tmp;
    nacre_status st = nacre_random_symmetric_cluster(
        &cfg->composition, g, &e->random, 0, rng, out, &tmp);
    if (st == NACRE_ERR_NOMEM)
      return nacre_error_set(err, st, "%s", tmp.message);
    if (!st) {
      snprintf(op, 24, "random:%s", g->symbol);
      return NACRE_OK;
    }
  }
  strcpy(op, "random");
  return nacre_random_cluster(&cfg->composition, &e->random, 0, rng, out, err);
}

static long pick_parent(const engine *e, nacre_rng *rng);

/* A random crystal from a motif of a parent of the pool, for a share
 * frac_motif of the random newcomers once the pool has minima (no draw at
 * 0); 1 when *out was made. */
static int motif_start(engine *e, nacre_rng *rng, nacre_structure **out,
                       char *op) {
  const nacre_search_config *cfg = e->cfg;
  if (!(cfg->frac_motif > 0) || e->npar < 1 ||
      !(nacre_rng_uniform(rng) < cfg->frac_motif))
    return 0;
  nacre_error tmp;
  return op_motif(e->c[pick_parent(e, rng)].relaxed, &cfg->composition,
                  &e->random, rng, out, op, &tmp) == NACRE_OK;
}

static nacre_status random_start(engine *e, nacre_rng *rng,
                                 nacre_structure **out, char *op,
                                 nacre_error *err) {
  const nacre_search_config *cfg = e->cfg;
  if (cfg->cluster) return random_cluster_start(e, rng, out, op, err);
  if (motif_start(e, rng, out, op)) return NACRE_OK;
  nacre_status st = NACRE_ERR_NOT_CONVERGED;
  for (int t = 0; t < 30 && st; t++) {
    int k = nacre_rng_int(rng, e->ngroups);
    const nacre_spacegroup *g = e->groups[k];
    if (e->group_primitive[k]) {
      st = nacre_random_crystal_primitive(g, &cfg->composition, &e->random,
                                          rng, out, NULL, err);
      if (!st) snprintf(op, 24, "random:%d/primitive", g->number);
    } else {
      st = nacre_random_crystal(g, &cfg->composition, &e->random, rng, out,
                                NULL, err);
      if (!st) snprintf(op, 24, "random:%d", g->number);
    }
    if (st == NACRE_ERR_NOMEM) return st;
  }
  if (st) nacre_error_prefix(err, "no random structure in 30 tries: ");
  return st;
}

/* Linear-ranking roulette over the penalised parent list (the
 * candidate's tribe's). */
static long pick_parent(const engine *e, nacre_rng *rng) {
  long m = e->npar;
  double total = 0.5 * m * (m + 1), u = nacre_rng_uniform(rng) * total;
  for (long r = 0; r < m; r++) {
    u -= (double)(m - r);
    if (u < 0) return e->par[r];
  }
  return e->par[m - 1];
}

typedef enum slot_kind {
  SLOT_RANDOM,
  SLOT_HEREDITY,
  SLOT_MUTATION,
  SLOT_SWARM,
  SLOT_HOP,
  SLOT_ESCAPE
} slot_kind;

/* What slot `slot` of generation gen makes. With tribes, slot and p are
 * the slot within its tribe and the tribe's size, and a tribe's first
 * generation since its epoch is random. */
static slot_kind slot_of(const engine *e, int gen, int slot) {
  const nacre_search_config *cfg = e->cfg;
  int p = cfg->population;
  if (e->tribes.n > 1) {
    int t = search_tribe_of_slot(&e->tribes, slot);
    if (gen == e->tribes.epoch[t]) return SLOT_RANDOM;
    slot -= search_tribe_first_slot(&e->tribes, t);
    p = search_tribe_first_slot(&e->tribes, t + 1) -
        search_tribe_first_slot(&e->tribes, t);
  }
  if (gen == 0 || e->nall == 0 || e->npar == 0 ||
      cfg->engine == NACRE_ENGINE_RANDOM)
    return SLOT_RANDOM;
  if (cfg->engine == NACRE_ENGINE_SWARM) return SLOT_SWARM;
  if (cfg->engine == NACRE_ENGINE_BASIN_HOPPING) return SLOT_HOP;
  if (cfg->engine == NACRE_ENGINE_MINIMA_HOPPING) return SLOT_ESCAPE;
  double fh = cfg->frac_heredity, fm = cfg->frac_mutation, fs = 0.0, fb = 0.0;
  if (cfg->engine == NACRE_ENGINE_AUTO) {
    /* Clusters: swarm moves between unaligned clusters help little; half
     * of the random newcomers' share goes to basin-hopping walkers (more
     * walkers took slots from heredity, which is what crosses LJ38's
     * funnels: bench/README.md). */
    fh = cfg->cluster ? 0.5 : 0.4;
    fm = cfg->cluster ? 0.3 : 0.2;
    /* Walkers (walker_share, default 0.1): clusters' take the random
     * newcomers' slots, crystals' the swarm's 0.2, whose pull toward the
     * best re-finds it in most of its moves while a walker steps around
     * the minimum it sits on (bench/README.md, Li12Sn4). */
    fb = cfg->walker_share >= 0 ? cfg->walker_share : 0.1;
    fs = cfg->cluster ? 0.0 : 0.2 - fb;
  }
  int nh = (int)lround(fh * p), nm = (int)lround(fm * p),
      ns = (int)lround(fs * p), nb = (int)lround(fb * p);
  if (slot < nh) return e->nall >= 2 ? SLOT_HEREDITY : SLOT_MUTATION;
  if (slot < nh + nm) return SLOT_MUTATION;
  if (slot < nh + nm + ns) return SLOT_SWARM;
  if (slot < nh + nm + ns + nb)
    return cfg->auto_minima_hopping ? SLOT_ESCAPE : SLOT_HOP;
  return SLOT_RANDOM;
}

/* A soft-mode child of `parent` (candidate id): the parent's next soft
 * mutation takes its next softest mode. */
static void count_soft_child(engine *e, long id, long parent) {
  if (parent >= 0 && parent < id && !strcmp(e->c[id].op, "soft-mode"))
    e->nsoft[parent]++;
}

/* The velocity of the particle whose latest finished structure is `cur`:
 * the move that made cur's start from its predecessor, recomputed from the
 * stored structures (so a resumed run moves on exactly as an uninterrupted
 * one). NULL when cur did not come from a move (a new or regenerated
 * particle) or the velocity cannot be had. */
static double *swarm_velocity(const engine *e, long cur) {
  const nacre_candidate *c = &e->c[cur];
  if (strcmp(c->op, "move") || !c->start) return NULL;
  char *end;
  long prev = strtol(c->parents, &end, 10);
  if (end == c->parents || prev < 0 || prev >= cur || !e->c[prev].relaxed)
    return NULL;
  double *v = malloc(sizeof(double) * 3 * (size_t)c->start->natoms);
  nacre_error tmp;
  if (v && op_swarm_velocity(e->c[prev].relaxed, c->start, v, &tmp)) {
    free(v);
    v = NULL;
  }
  return v;
}

/* USPEX's corrected particle swarm (Lyakhov, Oganov, Stokes & Zhu, Comput.
 * Phys. Commun. 184, 1172 (2013); the USPEX manual's PSO section): a
 * particle moves by one variation operator instead of a velocity. It
 * mutates itself with weight w, or breeds (heredity) with its personal
 * best or with the swarm's best with weights c1 r1 Dp and c2 r2 Dg, where
 * Dp and Dg are its fingerprint cosine distances to them: the further a
 * particle is from a best, the likelier it moves toward it; a particle at
 * both bests only mutates. */
static nacre_status swarm_operator_move(engine *e, long id, long cur, long pb,
                                        nacre_rng *rng, nacre_error *err) {
  const nacre_search_config *cfg = e->cfg;
  nacre_candidate *c = &e->c[id], *x = &e->c[cur];
  long g = e->gbest;
  const nacre_fingerprint *fx = x->fp, *fp = e->c[pb].fp, *fg = e->c[g].fp;
  double dp = fx && fp ? nacre_fingerprint_distance(fx, fp) : 0,
         dg = fx && fg ? nacre_fingerprint_distance(fx, fg) : 0;
  double wm = cfg->swarm_inertia,
         wp = cfg->swarm_c1 * nacre_rng_uniform(rng) * dp,
         wg = cfg->swarm_c2 * nacre_rng_uniform(rng) * dg;
  double u = nacre_rng_uniform(rng) * (wm + wp + wg);
  nacre_status st;
  if (wp + wg > 0 && u < wp + wg) {
    long best = u < wp ? pb : g;
    st = op_heredity(x->relaxed, e->c[best].relaxed, &cfg->composition,
                     &e->random, &e->modes, rng, &c->start, c->op, err);
    snprintf(c->parents, sizeof c->parents, "%ld,%ld", cur, best);
  } else {
    st = op_mutate(x->relaxed, e->nsoft[cur], &e->random, &e->modes, rng,
                   &c->start, c->op, err);
    if (!st) count_soft_child(e, id, cur);
    snprintf(c->parents, sizeof c->parents, "%ld", cur);
  }
  return st;
}

/* Where walker `slot` moves on from: its current minimum, or a parent of
 * the pool when it has none yet or has stagnated (a restart; a parent
 * other than its current minimum where the pool offers one). */
static long walker_from(engine *e, int slot, nacre_rng *rng) {
  long cur = slot < e->nparticles ? e->wcur[slot] : -1;
  long epoch = 0; /* a tribe's walkers start again after its restart */
  if (e->tribes.n > 1)
    epoch = (long)e->tribes.epoch[search_tribe_of_slot(&e->tribes, slot)] *
            e->cfg->population;
  if (cur < epoch || e->wstall[slot] >= e->cfg->hop_restart) {
    long was = cur;
    cur = pick_parent(e, rng);
    for (int t = 0; t < 10 && cur == was; t++) cur = pick_parent(e, rng);
  }
  return cur;
}

/* The next hop of walker `slot` (walker_from). */
static nacre_status hop_start(engine *e, nacre_candidate *c, int slot,
                              nacre_rng *rng, nacre_error *err) {
  long cur = walker_from(e, slot, rng);
  strcpy(c->engine, "basin-hopping");
  snprintf(c->parents, sizeof c->parents, "%ld", cur);
  return op_hop(e->c[cur].relaxed, &e->random, &e->modes, rng, &c->start,
                c->op, err);
}

/* The escape's kinetic energy (eV, total) of a walker that starts at
 * minimum `id`. */
static double ekin_start(const engine *e, long id) {
  int natoms = nacre_composition_natoms(&e->cfg->composition);
  if (e->cfg->hop_ekin_ev_atom > 0) return e->cfg->hop_ekin_ev_atom * natoms;
  return fmax(0.05 * fabs(e->c[id].energy), 1e-4 * natoms);
}

/* The next escape of walker `slot` (walker_from) by MD from its minimum,
 * at the walker's kinetic energy. */
static nacre_status escape_start(engine *e, nacre_candidate *c, int slot,
                                 nacre_rng *rng, nacre_error *err) {
  long cur = walker_from(e, slot, rng);
  strcpy(c->engine, "minima-hopping");
  strcpy(c->op, "md-escape");
  snprintf(c->parents, sizeof c->parents, "%ld", cur);
  double ekin = slot < e->nparticles && cur == e->wcur[slot]
                    ? e->wekin[slot]
                    : ekin_start(e, cur);
  nacre_structure *s = nacre_structure_copy(e->c[cur].relaxed, err);
  if (!s) return NACRE_ERR_NOMEM;
  nacre_escape_info info;
  nacre_status st = e->run->escape(e->run->escape_user, s, ekin,
                                   nacre_rng_u64(rng), &info, err);
  if (st) {
    nacre_structure_free(s);
    return st;
  }
  c->start = s;
  return NACRE_OK;
}

/* The parents and minima the candidate of `slot` draws from: its tribe's,
 * or with one tribe the whole pool's. */
static void use_tribe(engine *e, int slot) {
  if (e->tribes.n < 2) {
    e->par = e->nsel_list;
    e->npar = e->nsel;
    e->all = e->niche_rep;
    e->nall = e->nniche;
    return;
  }
  int t = search_tribe_of_slot(&e->tribes, slot);
  e->par = e->all = e->tmin + e->toff[t];
  e->npar = e->tnsel[t];
  e->nall = e->tn[t];
}

static nacre_status make_candidate(engine *e, long id, int gen, int slot,
                                   nacre_error *err) {
  const nacre_search_config *cfg = e->cfg;
  nacre_candidate *c = &e->c[id];
  nacre_candidate_clear(c);
  c->id = id;
  c->generation = gen;
  c->status = NACRE_CANDIDATE_PENDING;
  nacre_rng rng;
  nacre_rng_init(&rng, cfg->seed, (uint64_t)id);
  use_tribe(e, slot);
  slot_kind kind = slot_of(e, gen, slot);
  e->particle[id] = (cfg->engine == NACRE_ENGINE_SWARM ||
                     cfg->engine == NACRE_ENGINE_AUTO ||
                     cfg->engine == NACRE_ENGINE_BASIN_HOPPING ||
                     cfg->engine == NACRE_ENGINE_MINIMA_HOPPING)
                        ? slot
                        : -1;
  nacre_status st = NACRE_ERR_NOT_CONVERGED;
  nacre_error tmp;
  if (kind == SLOT_HEREDITY) {
    long a = pick_parent(e, &rng), b = a;
    for (int t = 0; t < 20 && b == a; t++) b = pick_parent(e, &rng);
    if (b == a) b = e->all[(nacre_rng_int(&rng, (int)e->nall))];
    st = op_heredity(e->c[a].relaxed, e->c[b].relaxed, &cfg->composition,
                     &e->random, &e->modes, &rng, &c->start, c->op, &tmp);
    strcpy(c->engine, "evolution");
    snprintf(c->parents, sizeof c->parents, "%ld,%ld", a, b);
  } else if (kind == SLOT_MUTATION) {
    long a = pick_parent(e, &rng);
    st = op_mutate(e->c[a].relaxed, e->nsoft[a], &e->random, &e->modes, &rng,
                   &c->start, c->op, &tmp);
    if (!st) count_soft_child(e, id, a);
    strcpy(c->engine, "evolution");
    snprintf(c->parents, sizeof c->parents, "%ld", a);
  } else if (kind == SLOT_HOP) {
    st = hop_start(e, c, slot, &rng, &tmp);
  } else if (kind == SLOT_ESCAPE) {
    st = escape_start(e, c, slot, &rng, &tmp);
  } else if (kind == SLOT_SWARM) {
    long cur = slot < e->nparticles ? e->pcur[slot] : -1;
    long pb = slot < e->nparticles ? e->pbest[slot] : -1;
    strcpy(c->engine, "swarm");
    if (cur >= 0 && nacre_rng_uniform(&rng) >= cfg->swarm_regenerate) {
      if (cfg->swarm_operators) {
        st = swarm_operator_move(e, id, cur, pb, &rng, &tmp);
      } else {
        double *v = swarm_velocity(e, cur);
        st = op_swarm_move(e->c[cur].relaxed, v, e->c[pb].relaxed,
                           e->c[e->gbest].relaxed, cfg->swarm_inertia,
                           cfg->swarm_c1, cfg->swarm_c2, &e->random, &rng,
                           &c->start, &tmp);
        free(v);
        strcpy(c->op, "move");
        snprintf(c->parents, sizeof c->parents, "%ld,%ld,%ld", cur, pb,
                 e->gbest);
      }
    }
  }
  if (st) {
    /* No operator (first generations, regenerated particles) or the child
     * failed the distance checks: a random structure instead. */
    nacre_structure_free(c->start);
    c->start = NULL;
    c->parents[0] = '\0';
    if (kind == SLOT_RANDOM) strcpy(c->engine, "random");
    char op[24];
    st = random_start(e, &rng, &c->start, op, err);
    if (st) return st;
    if (kind == SLOT_HEREDITY || kind == SLOT_MUTATION)
      snprintf(c->op, sizeof c->op, "%.12s/fallback", op);
    else
      snprintf(c->op, sizeof c->op, "%s", op);
  }
  c->created = nacre_epoch_s();
  return NACRE_OK;
}

/* ---- pool ---- */

static int cmp_h(const engine *e, long a, long b) {
  double ha = h_atom(&e->c[a]), hb = h_atom(&e->c[b]);
  if (ha != hb) return ha < hb ? -1 : 1;
  return a < b ? -1 : (a > b);
}

/* The unique minimum that candidate id is or repeats. */
static long minimum_of(const engine *e, long id) {
  long d = e->c[id].duplicate_of;
  return d >= 0 && d < id ? d : id;
}

/* The walkers' state before candidate `upto`, replayed from the stored
 * hops and escapes in id order: one whose parent is not the walker's
 * current minimum (re)starts the walker there; a finished one is accepted
 * when its enthalpy is less than ediff above the current minimum's.
 * Minima hopping's kinetic energy rises by MH_BETA when an escape comes
 * back to the walker's minimum (not a move: no acceptance test) or to a
 * minimum the pool holds, and falls by it for a new minimum (Goedecker's
 * β = 1.05). */
#define MH_BETA 1.05
static void replay_walkers(engine *e, long upto) {
  const nacre_search_config *cfg = e->cfg;
  int np = e->nparticles;
  int natoms = nacre_composition_natoms(&cfg->composition);
  double ediff0 = cfg->hop_ediff_ev_atom * natoms, f = cfg->hop_ediff_factor;
  e->restarts = 0;
  for (int k = 0; k < np; k++) {
    e->wcur[k] = e->wbest[k] = -1;
    e->wstall[k] = 0;
    e->wediff[k] = ediff0;
    e->wekin[k] = 0;
  }
  for (long id = 0; id < upto; id++) {
    const nacre_candidate *c = &e->c[id];
    int k = e->particle[id];
    int mh = !strcmp(c->engine, "minima-hopping");
    if (k < 0 || k >= np || (!mh && strcmp(c->engine, "basin-hopping")) ||
        !c->parents[0])
      continue;
    long p = atol(c->parents);
    if (p < 0 || p >= id) continue;
    if (p != e->wcur[k]) {
      e->restarts += e->wcur[k] >= 0;
      e->wcur[k] = e->wbest[k] = p;
      e->wstall[k] = 0;
      e->wediff[k] = ediff0;
      e->wekin[k] = ekin_start(e, p);
    }
    e->wstall[k]++;
    if (c->status != NACRE_CANDIDATE_DONE) continue;
    if (mh) {
      if (minimum_of(e, id) == minimum_of(e, p)) {
        e->wekin[k] *= MH_BETA;
        continue;
      }
      if (c->duplicate_of >= 0) e->wekin[k] *= MH_BETA;
      else e->wekin[k] /= MH_BETA;
    }
    if (c->enthalpy - e->c[p].enthalpy < e->wediff[k]) {
      e->wcur[k] = id;
      e->wediff[k] /= f;
    } else {
      e->wediff[k] *= f;
    }
    if (cmp_h(e, id, e->wbest[k]) < 0 &&
        h_atom(c) < h_atom(&e->c[e->wbest[k]]) - 1e-9) {
      e->wbest[k] = id;
      e->wstall[k] = 0;
    }
  }
}

/* nacre_fingerprint_spread of the lowest distinct minima (sel sorted by
 * enthalpy). */
static double lowest_spread(const engine *e, long u) {
  const nacre_fingerprint *fp[NACRE_SPREAD_MINIMA];
  long m = u < NACRE_SPREAD_MINIMA ? u : NACRE_SPREAD_MINIMA;
  for (long k = 0; k < m; k++) fp[k] = e->c[e->sel[k]].fp;
  return nacre_fingerprint_spread(fp, m);
}

/* Funnel occupancy of the lowest distinct minima (sel sorted by
 * enthalpy). */
static void lowest_funnels(engine *e, long u) {
  const nacre_fingerprint *fp[NACRE_SPREAD_MINIMA];
  int funnel[NACRE_SPREAD_MINIMA];
  long m = u < NACRE_SPREAD_MINIMA ? u : NACRE_SPREAD_MINIMA;
  for (long k = 0; k < m; k++) fp[k] = e->c[e->sel[k]].fp;
  e->nfunnels = nacre_fingerprint_funnels(fp, m, NACRE_FUNNEL_DISTANCE, funnel);
  memset(e->funnel_minima, 0, sizeof e->funnel_minima);
  for (long k = 0; k < m; k++) e->funnel_minima[funnel[k]]++;
}

/* Sorts list[0..u) by enthalpy (cmp_h): a merge sort, since the pool of
 * a long cluster search holds tens of thousands of distinct minima. */
static void merge_by_h(const engine *e, long *list, long *tmp, long u) {
  if (u < 2) return;
  long h = u / 2;
  merge_by_h(e, list, tmp, h);
  merge_by_h(e, list + h, tmp, u - h);
  long i = 0, j = h, k = 0;
  while (i < h && j < u)
    tmp[k++] = cmp_h(e, list[j], list[i]) < 0 ? list[j++] : list[i++];
  while (i < h) tmp[k++] = list[i++];
  while (j < u) tmp[k++] = list[j++];
  memcpy(list, tmp, sizeof(long) * (size_t)u);
}

static nacre_status sort_by_h(const engine *e, long *list, long u,
                              nacre_error *err) {
  long *tmp = malloc(sizeof(long) * (size_t)(u > 0 ? u : 1));
  if (!tmp) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  merge_by_h(e, list, tmp, u);
  free(tmp);
  return NACRE_OK;
}

/* The parents among niche representatives list[0..u) (sorted by
 * enthalpy): the better half, at least cfg->elite, reordered by fitness in
 * list[0..*m).
 * Fitness: normalised enthalpy plus a penalty for resembling a better
 * minimum (keeps the parents diverse) and, with crowding, one for each
 * lower parent of its own funnel (crowding.c). */
static nacre_status rank_parents(const engine *e, long *list, long u, long *nsel,
                                 nacre_error *err) {
  const nacre_search_config *cfg = e->cfg;
  double *score = malloc(sizeof(double) * (size_t)(u > 0 ? u : 1));
  if (!score) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  long m = (u + 1) / 2;
  if (m < cfg->elite) m = cfg->elite;
  if (m > u) m = u;
  double h0 = m > 0 ? h_atom(&e->c[list[0]]) : 0,
         h1 = m > 0 ? h_atom(&e->c[list[m - 1]]) : 0;
  for (long i = 0; i < m; i++) {
    double sim = 0;
    for (long j = 0; j < i; j++) {
      double s = nacre_fingerprint_similarity(e->c[list[i]].fp,
                                              e->c[list[j]].fp);
      if (s > sim) sim = s;
    }
    score[i] = (h_atom(&e->c[list[i]]) - h0) / (h1 - h0 + 1e-12) +
               cfg->similarity_penalty * pow(sim, 8);
  }
  if (cfg->crowding > 0 && m > 1) {
    const nacre_fingerprint **fp = malloc(sizeof *fp * (size_t)m);
    nacre_status st = fp ? NACRE_OK
                         : nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
    for (long i = 0; fp && i < m; i++) fp[i] = e->c[list[i]].fp;
    if (!st) st = search_crowding_penalty(fp, m, cfg->crowding, score, err);
    free(fp);
    if (st) {
      free(score);
      return st;
    }
  }
  for (long i = 1; i < m; i++)
    for (long j = i; j > 0 && score[j] < score[j - 1]; j--) {
      double t = score[j];
      score[j] = score[j - 1];
      score[j - 1] = t;
      long l = list[j];
      list[j] = list[j - 1];
      list[j - 1] = l;
    }
  *nsel = m;
  free(score);
  return NACRE_OK;
}

/* Each tribe's niches since its epoch, each represented by the lowest
 * minimum the tribe found in it itself (tribes.h) and its parents
 * among them, for generation gen (candidates [0, upto) finished). */
static nacre_status tribe_parents(engine *e, int gen, long upto,
                                  nacre_error *err) {
  search_tribes_replay(&e->tribes, e->cfg, e->c, upto, gen);
  if (e->tribes.n < 2) return NACRE_OK;
  free(e->tmin);
  size_t n = (size_t)(upto > 0 ? upto : 1);
  e->tmin = malloc(sizeof(long) * n);
  size_t nn = (size_t)(e->nniche > 0 ? e->nniche : 1);
  int *seen = malloc(sizeof(int) * nn); /* tribe + 1 that listed niche k */
  long *at = malloc(sizeof(long) * nn); /* where in its list */
  if (!e->tmin || !seen || !at) {
    free(seen);
    free(at);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  }
  memset(seen, 0, sizeof(int) * nn);
  int p = e->cfg->population;
  long off = 0;
  nacre_status st = NACRE_OK;
  for (int t = 0; t < e->tribes.n && !st; t++) {
    long *list = e->tmin + off, u = 0;
    int s0 = search_tribe_first_slot(&e->tribes, t),
        s1 = search_tribe_first_slot(&e->tribes, t + 1);
    for (long g = e->tribes.epoch[t]; g < gen; g++)
      for (long id = g * p + s0; id < g * p + s1 && id < upto; id++) {
        long k = e->c[id].status == NACRE_CANDIDATE_DONE ? e->niche_of[id] : -1;
        if (k < 0) continue;
        if (seen[k] != t + 1) {
          seen[k] = t + 1;
          at[k] = u;
          list[u++] = id;
        } else if (cmp_h(e, id, list[at[k]]) < 0) {
          list[at[k]] = id;
        }
      }
    if ((st = sort_by_h(e, list, u, err))) break;
    e->toff[t] = off;
    e->tn[t] = u;
    st = rank_parents(e, list, u, &e->tnsel[t], err);
    off += u;
  }
  free(seen);
  free(at);
  return st;
}

/* Parent lists, swarm bests, walkers: everything generation `gen` (its
 * first candidate `upto`) is built from. */
static nacre_status prepare_generation(engine *e, int gen, long upto,
                                       nacre_error *err) {
  const nacre_search_config *cfg = e->cfg;
  long u = e->nunique;
  free(e->sel);
  e->sel = malloc(sizeof(long) * (size_t)(u > 0 ? u : 1));
  if (!e->sel) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  for (long k = 0; k < u; k++) e->sel[k] = e->unique[k];
  nacre_status st = sort_by_h(e, e->sel, u, err);
  if (st) return st;
  e->gbest = u > 0 ? e->sel[0] : -1;
  e->spread = lowest_spread(e, u);
  lowest_funnels(e, u);
  free(e->nsel_list);
  e->nsel_list = malloc(sizeof(long) * (size_t)(e->nniche > 0 ? e->nniche : 1));
  if (!e->nsel_list)
    return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  memcpy(e->nsel_list, e->niche_rep, sizeof(long) * (size_t)e->nniche);
  if ((st = sort_by_h(e, e->nsel_list, e->nniche, err))) return st;
  st = rank_parents(e, e->nsel_list, e->nniche, &e->nsel, err);
  if (!st) st = tribe_parents(e, gen, upto, err);
  if (st) return st;
  /* Swarm: personal bests and latest positions per particle. */
  int np = cfg->population;
  free(e->pbest);
  free(e->pcur);
  e->pbest = malloc(sizeof(long) * (size_t)np);
  e->pcur = malloc(sizeof(long) * (size_t)np);
  if (!e->pbest || !e->pcur)
    return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  e->nparticles = np;
  for (int k = 0; k < np; k++) e->pbest[k] = e->pcur[k] = -1;
  for (long id = 0; id < upto; id++) {
    int k = e->particle[id];
    if (k < 0 || k >= np || e->c[id].status != NACRE_CANDIDATE_DONE) continue;
    e->pcur[k] = id;
    if (e->pbest[k] < 0 || cmp_h(e, id, e->pbest[k]) < 0) e->pbest[k] = id;
  }
  free(e->wcur);
  free(e->wbest);
  free(e->wstall);
  free(e->wediff);
  free(e->wekin);
  e->wcur = malloc(sizeof(long) * (size_t)np);
  e->wbest = malloc(sizeof(long) * (size_t)np);
  e->wstall = malloc(sizeof(int) * (size_t)np);
  e->wediff = malloc(sizeof(double) * (size_t)np);
  e->wekin = malloc(sizeof(double) * (size_t)np);
  if (!e->wcur || !e->wbest || !e->wstall || !e->wediff || !e->wekin)
    return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  replay_walkers(e, upto);
  return NACRE_OK;
}

static nacre_status store_duplicate(void *user, long id, long dup_of,
                                    nacre_error *err) {
  return run_store_duplicate(user, id, dup_of, err);
}

/* Whether the new distinct minimum id ranks among the
 * NACRE_SATURATION_RANK lowest of the pool. */
static int is_low(const engine *e, long id) {
  int below = 0;
  for (long k = 0; k < e->nunique && below < NACRE_SATURATION_RANK; k++)
    below += e->unique[k] != id && cmp_h(e, e->unique[k], id) < 0;
  return below < NACRE_SATURATION_RANK;
}

/* Folds candidate id into the niches (see engine.niche_rep): into the
 * first whose representative the wide rule finds the same, its new
 * representative when lower, or else a niche of its own. */
static void niche_fold(engine *e, long id) {
  const nacre_candidate *c = &e->c[id];
  nacre_minimum_key key = {c->fp, h_atom(c), c->volume / c->relaxed->natoms,
                           c->sg};
  for (long k = 0; k < e->nniche; k++) {
    const nacre_candidate *r = &e->c[e->niche_rep[k]];
    nacre_minimum_key rk = {r->fp, h_atom(r), r->volume / r->relaxed->natoms,
                            r->sg};
    if (!nacre_is_duplicate(&key, &rk, &e->niche_options) ||
        !dedup_same_proportions(c->relaxed, r->relaxed))
      continue;
    e->niche_of[id] = k;
    if (h_atom(c) < rk.h_atom) e->niche_rep[k] = id;
    return;
  }
  e->niche_of[id] = e->nniche;
  e->niche_rep[e->nniche++] = id;
}

/* Folds the finished candidates [from, to) into the pool, in id order, and
 * stores their duplicate_of; and into the niches. */
static nacre_status fold_into_pool(engine *e, long from, long to,
                                   nacre_error *err) {
  nacre_status st = run_begin(e->run, err);
  for (long id = from; id < to && !st; id++) {
    if (e->c[id].status != NACRE_CANDIDATE_DONE) continue;
    long before = e->nunique;
    st = dedup_fold_h(e->c, id, e->unique, e->unique_h, &e->nunique,
                      &e->cfg->duplicate, store_duplicate, e->run, err);
    if (!st && e->nunique > before && is_low(e, id)) e->last_new_low = id;
    if (!st) niche_fold(e, id);
  }
  if (st) {
    run_rollback(e->run);
    return st;
  }
  e->folded = to;
  return run_commit(e->run, err);
}

/* ---- relaxation results ---- */

static nacre_status finish_candidate(engine *e, long id, nacre_structure *s,
                                     const nacre_search_relaxed *out,
                                     nacre_error *err) {
  nacre_candidate *c = &e->c[id];
  int ok;
  nacre_status st = search_finish_relaxed(e->run, e->cfg, &e->random, c, s, out,
                                          &e->tally, &ok, err);
  if (st) return st;
  if (ok) {
    double h = h_atom(c);
    if (e->tally.done == 1 || h < e->best_h) {
      e->best_h = h;
      e->best_sg = c->sg;
      snprintf(e->best_pearson, sizeof e->best_pearson, "%s", c->pearson);
    }
  }
  return NACRE_OK;
}

/* ---- the loop ---- */

typedef struct runner {
  engine *e;
  nacre_search_relax_fn relax;
  void *relax_user;
  nacre_search_progress_fn prog;
  void *prog_user;
  search_transport *t;   /* NULL: relax in this process */
  double deadline;   /* 0: none */
} runner;

static int report_at(runner *r, int gen, int final) {
  engine *e = r->e;
  nacre_search_progress p;
  search_progress_fill(&p, &e->tally, e->cfg, gen, e->nunique,
                       e->folded - 1 - e->last_new_low, final);
  p.spread = e->spread;
  p.restarts = e->restarts;
  p.nfunnels = e->nfunnels;
  memcpy(p.funnel_minima, e->funnel_minima, sizeof p.funnel_minima);
  p.tribes = e->tribes.n;
  p.tribe_restarts = e->tribes.restarts;
  p.best_h_atom = e->best_h;
  p.best_sg = e->best_sg;
  snprintf(p.best_pearson, sizeof p.best_pearson, "%s", e->best_pearson);
  return search_progress_send(e->run, r->prog, r->prog_user, &p);
}

static int report(runner *r, int gen) { return report_at(r, gen, 0); }

typedef struct batch_user {
  runner *r;
  int gen;
} batch_user;

static nacre_status batch_finish(void *user, long id, nacre_structure *s,
                                 const nacre_search_relaxed *out,
                                 nacre_error *err) {
  return finish_candidate(((batch_user *)user)->r->e, id, s, out, err);
}

static int batch_report(void *user) {
  batch_user *u = user;
  return report(u->r, u->gen);
}

/* Relaxes the pending candidates of [from, to) (search_relax_generation;
 * *pending of them). */
static nacre_status relax_generation(runner *r, long from, long to, int gen,
                                     int *pending, int *stopped,
                                     nacre_error *err) {
  engine *e = r->e;
  batch_user u = {r, gen};
  search_batch b = {.run = e->run, .ctx = e->ctx, .deadline = r->deadline,
                    .c = e->c, .pressure_gpa = e->cfg->pressure_gpa,
                    .relax = r->relax, .relax_user = r->relax_user, .t = r->t,
                    .finish = batch_finish, .report = batch_report, .user = &u};
  nacre_status st = search_relax_generation(&b, e->cfg->jobs, from, to, pending,
                                            stopped, err);
  r->t = b.t;
  return st;
}

static nacre_status make_one(void *user, long id, int slot, int *particle,
                             nacre_error *err) {
  batch_user *u = user;
  engine *e = u->r->e;
  nacre_status st = make_candidate(e, id, u->gen, slot, err);
  *particle = e->particle[id];
  return st;
}

nacre_status search_run_on(nacre_run *run, nacre_search_relax_fn relax,
                           void *relax_user, search_transport *t,
                           nacre_search_progress_fn prog, void *prog_user,
                           const nacre_ctx *ctx, nacre_error *err) {
  const nacre_search_config *cfg = &run->cfg;
  nacre_status st = run->readonly ? nacre_error_set(err, NACRE_ERR_INVALID,
                                                    "run opened read-only")
                                  : nacre_search_config_check(cfg, err);
  if (!st && !run->escape &&
      (cfg->engine == NACRE_ENGINE_MINIMA_HOPPING ||
       (cfg->engine == NACRE_ENGINE_AUTO && cfg->auto_minima_hopping)))
    st = nacre_error_set(err, NACRE_ERR_INVALID,
                         "minima hopping needs the potential's MD escape, but "
                         "none was set (nacre_run_set_escape)");
  if (!st && cfg->soft_modes == NACRE_SOFT_MODES_POTENTIAL && !run->soft_modes)
    st = nacre_error_set(err, NACRE_ERR_INVALID,
                         "the run's soft modes come from the potential, but no "
                         "source was set (nacre_run_set_soft_modes)");
  if (st) {
    if (t) t->close(t, 1);
    return st;
  }
  run->stop_reason[0] = '\0';
  if (nacre_search_config_varcomp(cfg))
    return varcomp_run_on(run, relax, relax_user, t, prog, prog_user, ctx, err);
  engine e;
  memset(&e, 0, sizeof e);
  e.run = run;
  e.cfg = cfg;
  e.niche_options = cfg->duplicate;
  e.niche_options.dh_rel = 0;
  e.niche_options.overlap = 0;
  e.random = cfg->random;
  e.random.pressure_gpa = cfg->pressure_gpa;
  if (cfg->soft_modes == NACRE_SOFT_MODES_POTENTIAL)
    e.modes = (op_modes){run->soft_modes, run->soft_modes_user, 0, 0, 0};
  if (!cfg->cluster) { /* crystals: children that keep symmetry */
    e.modes.symmetric = cfg->frac_symmetric;
    e.modes.symprec = cfg->symprec;
    e.modes.supercell = cfg->frac_supercell_mutation;
  }
  e.ctx = ctx;
  e.tally.t_start = nacre_now_s();
  e.last_new_low = -1;
  /* One distance rule: the relaxer's collapse check follows the run's
   * minimum distances, so that no child the operators make is a bad
   * start (reduced units put the covalent radii far off the potential's
   * length scale). */
  if (relax == nacre_search_relax_potential && relax_user)
    nacre_search_relaxer_set_distances(relax_user, &cfg->random);
  runner r = {&e, relax, relax_user, prog, prog_user, t,
              cfg->time_limit_s > 0 ? e.tally.t_start + cfg->time_limit_s : 0};
  if (!cfg->cluster && (st = feasible_groups(&e, err))) goto done;
  if (cfg->cluster && (st = feasible_pointgroups(&e, err))) goto done;
  /* Everything stored so far. */
  nacre_candidate *loaded = NULL;
  int *lp = NULL;
  long nl = 0;
  if ((st = run_load_all(run, &loaded, &lp, &nl, err))) goto done;
  st = ensure_capacity(&e, nl + 1, err);
  for (long k = 0; k < nl && !st; k++) {
    if (loaded[k].id != k) {
      st = nacre_error_set(err, NACRE_ERR_PARSE,
                           "run database: candidate ids are not 0..%ld", nl - 1);
      break;
    }
    e.c[k] = loaded[k];
    e.particle[k] = lp[k];
    memset(&loaded[k], 0, sizeof loaded[k]);
    count_soft_child(&e, k, atol(e.c[k].parents));
    search_tally_stored(&e.tally, &e.c[k]);
    if (e.c[k].status == NACRE_CANDIDATE_DONE) {
      double h = h_atom(&e.c[k]);
      if (e.tally.done == 1 || h < e.best_h) {
        e.best_h = h;
        e.best_sg = e.c[k].sg;
        snprintf(e.best_pearson, sizeof e.best_pearson, "%s", e.c[k].pearson);
      }
    }
  }
  e.n = nl;
  free(loaded);
  free(lp);
  if (st) goto done;
  e.tally.finished_now = 0;
  int p = cfg->population, stall = 0;
  double best_gen = INFINITY;
  int stopped = 0, last_gen = 0;
  for (int gen = 0; !stopped; gen++) {
    last_gen = gen;
    long from = (long)gen * p;
    if (from >= cfg->budget) {
      snprintf(run->stop_reason, sizeof run->stop_reason, "budget");
      break;
    }
    long to = from + p < cfg->budget ? from + p : cfg->budget;
    if ((st = ensure_capacity(&e, to, err))) break;
    if ((st = prepare_generation(&e, gen, from, err))) break;
    int pending;
    batch_user mk = {&r, gen};
    if ((st = search_make_generation(run, e.c, from, to, &e.n, make_one, &mk, err)) ||
        (st = relax_generation(&r, from, to, gen, &pending, &stopped, err)))
      break;
    if (stopped) break;
    if ((st = fold_into_pool(&e, from, to, err))) break;
    /* Stall counter over generations. */
    double b = INFINITY;
    for (long k = 0; k < e.nunique; k++) {
      double h = h_atom(&e.c[e.unique[k]]);
      if (h < b) b = h;
    }
    if (b < best_gen - 1e-5) {
      best_gen = b;
      stall = 0;
    } else {
      stall++;
    }
    if (pending && report(&r, gen)) break;
    if (cfg->saturation > 0 && to - 1 - e.last_new_low >= cfg->saturation) {
      snprintf(run->stop_reason, sizeof run->stop_reason,
               "saturated: no new low minimum in %ld relaxations",
               to - 1 - e.last_new_low);
      break;
    }
    if (cfg->stall_generations > 0 && stall >= cfg->stall_generations) {
      snprintf(run->stop_reason, sizeof run->stop_reason,
               "no improvement in %d generations", stall);
      break;
    }
  }
  /* What finished past the last folded generation (a stop in the middle of
   * one, or a resumed run whose budget is below what it holds) joins the
   * pool in id order too, so the stored pool is an uninterrupted run's. */
  if (!st && e.folded < e.n) st = fold_into_pool(&e, e.folded, e.n, err);
  /* The last word of the progress is the pool as stored: the last fold
   * (a generation's end, or what finished past it) may add minima after
   * the last report of a relaxation. */
  if (!st && e.tally.finished_now > 0) report_at(&r, last_gen, 1);
done:
  if (r.t) r.t->close(r.t, st != NACRE_OK || stopped);
  engine_free(&e);
  if (!st && !strcmp(run->stop_reason, "interrupted"))
    return nacre_error_set(err, NACRE_ERR_INTERRUPTED, "search interrupted");
  return st;
}

nacre_status nacre_search_run(nacre_run *run, nacre_search_relax_fn relax,
                              void *relax_user, nacre_search_progress_fn prog,
                              void *prog_user, const nacre_ctx *ctx,
                              nacre_error *err) {
  return search_run_on(run, relax, relax_user, NULL, prog, prog_user, ctx,
                       err);
}
