/* random_crystal.c — random crystals with a chosen space group: Wyckoff
 * combinations that hold a composition exactly, a lattice of the crystal
 * system, free parameters drawn under minimum distances. Every loop is
 * bounded: failure comes back as a status with the reason, never as a
 * stall. Fractional coordinates refer to the conventional cell of the
 * standard setting. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nacre/sym.h"

/* ------------------------------------------------------------------ */
/* Options                                                               */
/* ------------------------------------------------------------------ */

void nacre_random_options_init(nacre_random_options *o) {
  memset(o, 0, sizeof *o);
  o->volume_spread = 0.1;
  o->distance_factor = 0.7;
  o->max_length_ratio = 3.0;
  o->max_lattice_tries = 40;
  o->max_site_tries = 60;
  o->max_combination_tries = 20;
  o->prefer_general = 1;
  o->verify_symmetry = 1;
}

nacre_status nacre_random_options_set_distance(nacre_random_options *o, int za,
                                               int zb, double dmin,
                                               nacre_error *err) {
  if (!(dmin >= 0.0) || !isfinite(dmin))
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "minimum distance %g Å must be ≥ 0", dmin);
  for (int k = 0; k < o->npairs; k++)
    if ((o->pair_z[k][0] == za && o->pair_z[k][1] == zb) ||
        (o->pair_z[k][0] == zb && o->pair_z[k][1] == za)) {
      o->pair_dmin[k] = dmin;
      return NACRE_OK;
    }
  if (o->npairs == 16)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "more than 16 pair distances given");
  o->pair_z[o->npairs][0] = za;
  o->pair_z[o->npairs][1] = zb;
  o->pair_dmin[o->npairs++] = dmin;
  return NACRE_OK;
}

double nacre_random_min_distance(const nacre_random_options *o, int za,
                                 int zb) {
  for (int k = 0; k < o->npairs; k++)
    if ((o->pair_z[k][0] == za && o->pair_z[k][1] == zb) ||
        (o->pair_z[k][0] == zb && o->pair_z[k][1] == za))
      return o->pair_dmin[k];
  return o->distance_factor *
         (nacre_covalent_radius(za) + nacre_covalent_radius(zb));
}

double nacre_estimate_volume_per_atom(const nacre_composition *c,
                                      double pressure_gpa) {
  double v = 0.0;
  int n = 0;
  for (int k = 0; k < c->nspecies; k++) {
    double r = nacre_covalent_radius(c->z[k]);
    v += c->count[k] * 2.2 * 4.0 / 3.0 * NACRE_PI * r * r * r;
    n += c->count[k];
  }
  v /= n > 0 ? n : 1;
  /* Murnaghan: V/V0 = (1 + B0' P / B0)^(−1/B0') with B0 = 50 GPa, B0' = 4. */
  if (pressure_gpa > 0) v *= pow(1.0 + 4.0 * pressure_gpa / 50.0, -0.25);
  return v;
}

/* ------------------------------------------------------------------ */
/* Wyckoff combinations                                                  */
/* ------------------------------------------------------------------ */

typedef struct choose_state {
  const nacre_spacegroup *g;
  const nacre_composition *c;
  nacre_rng *rng;
  int prefer_general;
  int *site_wyckoff, *site_species, nsites_max, nsites;
  int fixed_bit[64];      /* bit of each dof-0 Wyckoff index, or −1 */
  uint64_t *failed;       /* open-addressing set of failed states */
  size_t failed_cap;
  long nodes, node_limit;
} choose_state;

static uint64_t state_key(int species, int remaining, uint64_t used) {
  uint64_t k = (uint64_t)species * 0x9E3779B97F4A7C15ull ^
               (uint64_t)remaining * 0xC2B2AE3D27D4EB4Full ^
               used * 0x165667B19E3779F9ull;
  return k ? k : 1;
}

static int failed_has(const choose_state *s, uint64_t key) {
  size_t i = key % s->failed_cap;
  while (s->failed[i]) {
    if (s->failed[i] == key) return 1;
    i = (i + 1) % s->failed_cap;
  }
  return 0;
}

static void failed_add(choose_state *s, uint64_t key) {
  size_t i = key % s->failed_cap, probes = 0;
  while (s->failed[i] && probes++ < s->failed_cap) i = (i + 1) % s->failed_cap;
  if (!s->failed[i]) s->failed[i] = key;
}

/* One node of the depth-first search: a species with atoms left to place,
 * the fixed positions used so far, and its candidate Wyckoff positions in
 * the order they are tried. */
typedef struct choose_frame {
  int species, remaining;
  uint64_t used, key;
  int n, next;
  int order[64];
} choose_frame;

/* Enters the node (species, remaining, used): 1 when the composition is
 * complete, 0 when the node fails at once (a known failure, the node limit,
 * no room for another site), 2 when it was pushed as frame f. Candidates are
 * drawn in a weighted random order (Efraimidis–Spirakis keys u^(1/w)). */
static int choose_enter(choose_state *s, int species, int remaining,
                        uint64_t used, choose_frame *f) {
  while (remaining == 0) {
    if (species + 1 == s->c->nspecies) return 1;
    species++;
    remaining = s->c->count[species];
  }
  uint64_t key = state_key(species, remaining, used);
  if (failed_has(s, key) || ++s->nodes > s->node_limit) return 0;
  if (s->nsites >= s->nsites_max) return 0;
  double keyv[64];
  int n = 0;
  for (int w = 0; w < s->g->nwyckoff && w < 64; w++) {
    const nacre_wyckoff *wy = &s->g->wyckoff[w];
    if (wy->multiplicity > remaining) continue;
    if (wy->dof == 0 && (used >> s->fixed_bit[w] & 1u)) continue;
    double weight = s->prefer_general ? wy->multiplicity * (1.0 + wy->dof) : 1;
    double u = nacre_rng_uniform(s->rng);
    keyv[n] = log(u > 0 ? u : 1e-300) / weight;
    f->order[n++] = w;
  }
  for (int i = 1; i < n; i++) /* sort by key, descending */
    for (int j = i; j > 0 && keyv[j] > keyv[j - 1]; j--) {
      double tk = keyv[j];
      keyv[j] = keyv[j - 1];
      keyv[j - 1] = tk;
      int to = f->order[j];
      f->order[j] = f->order[j - 1];
      f->order[j - 1] = to;
    }
  f->species = species;
  f->remaining = remaining;
  f->used = used;
  f->key = key;
  f->n = n;
  f->next = 0;
  return 2;
}

/* Depth-first search for sites whose multiplicities make up the
 * composition, on an explicit stack (a node per site placed, so at most
 * nsites_max + 1 frames): 1 found (s->site_* filled), 0 not, -1 no memory.
 * A failed node is remembered; the node limit ends the search. */
static int fill(choose_state *s, int species, int remaining, uint64_t used) {
  choose_frame *stack = malloc(sizeof *stack * ((size_t)s->nsites_max + 1));
  if (!stack) return -1;
  int depth = 0, found = 0;
  int r = choose_enter(s, species, remaining, used, &stack[0]);
  if (r == 1) found = 1;
  if (r == 2) depth = 1;
  while (depth > 0 && !found) {
    choose_frame *f = &stack[depth - 1];
    if (f->next == f->n) { /* every candidate failed */
      failed_add(s, f->key);
      depth--;
      if (depth > 0) s->nsites--; /* the parent's site led here */
      if (s->nodes > s->node_limit) break;
      continue;
    }
    int w = f->order[f->next++];
    const nacre_wyckoff *wy = &s->g->wyckoff[w];
    uint64_t used2 = f->used;
    if (wy->dof == 0) used2 |= (uint64_t)1 << s->fixed_bit[w];
    s->site_wyckoff[s->nsites] = w;
    s->site_species[s->nsites] = f->species;
    s->nsites++;
    r = choose_enter(s, f->species, f->remaining - wy->multiplicity, used2,
                     &stack[depth]);
    if (r == 1) {
      found = 1;
    } else if (r == 2) {
      depth++;
    } else {
      s->nsites--;
      if (s->nodes > s->node_limit) break;
    }
  }
  free(stack);
  return found;
}

nacre_status nacre_wyckoff_choose(const nacre_spacegroup *g,
                                  const nacre_composition *c, nacre_rng *rng,
                                  int prefer_general, int *site_wyckoff,
                                  int *site_species, int nsites_max,
                                  int *nsites, nacre_error *err) {
  *nsites = 0;
  if (c->nspecies < 1)
    return nacre_error_set(err, NACRE_ERR_INVALID, "empty composition");
  if (g->nwyckoff > 64)
    return nacre_error_set(err, NACRE_ERR_UNSUPPORTED,
                           "space group %d has %d Wyckoff positions (> 64)",
                           g->number, g->nwyckoff);
  choose_state s = {0};
  s.g = g;
  s.c = c;
  s.rng = rng;
  s.prefer_general = prefer_general;
  s.site_wyckoff = site_wyckoff;
  s.site_species = site_species;
  s.nsites_max = nsites_max;
  int nfixed = 0;
  for (int w = 0; w < g->nwyckoff; w++)
    s.fixed_bit[w] = g->wyckoff[w].dof == 0 ? nfixed++ : -1;
  s.failed_cap = 1u << 16;
  s.failed = calloc(s.failed_cap, sizeof *s.failed);
  if (!s.failed) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  s.node_limit = 200000;
  int ok = fill(&s, 0, c->count[0], 0);
  free(s.failed);
  if (ok < 0) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  if (ok) {
    *nsites = s.nsites;
    return NACRE_OK;
  }
  char comp[128], mult[256];
  nacre_composition_format(c, comp, sizeof comp);
  size_t used = 0;
  mult[0] = '\0';
  for (int w = 0; w < g->nwyckoff && used < sizeof mult; w++) {
    int k = snprintf(mult + used, sizeof mult - used, "%s%d%s", w ? " " : "",
                     g->wyckoff[w].multiplicity,
                     g->wyckoff[w].dof ? "" : "(fixed)");
    if (k < 0) break;
    used += (size_t)k;
  }
  if (s.nodes > s.node_limit)
    return nacre_error_set(err, NACRE_ERR_NOT_CONVERGED,
                           "space group %d (%s): no Wyckoff combination for %s "
                           "found in %ld steps (multiplicities %s)",
                           g->number, g->symbol, comp, s.node_limit, mult);
  return nacre_error_set(err, NACRE_ERR_INVALID,
                         "space group %d (%s) cannot hold %s: Wyckoff "
                         "multiplicities are %s",
                         g->number, g->symbol, comp, mult);
}

/* ------------------------------------------------------------------ */
/* Lattices                                                              */
/* ------------------------------------------------------------------ */

static double log_uniform(nacre_rng *rng, double lo, double hi) {
  return lo * exp(nacre_rng_uniform(rng) * log(hi / lo));
}

/* Conventional cell of the crystal system with volume `volume` (Å^3). */
static nacre_status random_lattice(nacre_crystal_system sys, double volume,
                                   double ratio, nacre_rng *rng,
                                   double cell[3][3]) {
  if (ratio < 1.0) ratio = 1.0;
  double abc[3] = {1, 1, 1}, ang[3] = {90, 90, 90};
  for (int tries = 0; tries < 100; tries++) {
    for (int k = 0; k < 3; k++) abc[k] = log_uniform(rng, 1.0, ratio);
    ang[0] = ang[1] = ang[2] = 90.0;
    switch (sys) {
    case NACRE_TRICLINIC:
      for (int k = 0; k < 3; k++) ang[k] = 60.0 + 60.0 * nacre_rng_uniform(rng);
      break;
    case NACRE_MONOCLINIC:
      ang[1] = 60.0 + 60.0 * nacre_rng_uniform(rng);
      break;
    case NACRE_ORTHORHOMBIC:
      break;
    case NACRE_TETRAGONAL:
      abc[1] = abc[0];
      break;
    case NACRE_TRIGONAL:
    case NACRE_HEXAGONAL:
      abc[1] = abc[0];
      ang[2] = 120.0;
      break;
    case NACRE_CUBIC:
      abc[1] = abc[2] = abc[0];
      break;
    }
    double lo = fmin(abc[0], fmin(abc[1], abc[2]));
    double hi = fmax(abc[0], fmax(abc[1], abc[2]));
    if (hi / lo > ratio * (1 + 1e-12)) continue;
    if (nacre_cell_from_lengths_angles(abc, ang, cell)) continue;
    double v = nacre_cell_volume(cell);
    /* Reject flat triclinic/monoclinic cells: V ≥ 0.5 abc. */
    if (!(v > 0.5 * abc[0] * abc[1] * abc[2])) continue;
    double s = cbrt(volume / v);
    for (int i = 0; i < 3; i++)
      for (int j = 0; j < 3; j++) cell[i][j] *= s;
    return NACRE_OK;
  }
  return NACRE_ERR_NOT_CONVERGED;
}

/* ------------------------------------------------------------------ */
/* Distance checks                                                       */
/* ------------------------------------------------------------------ */

typedef struct dist_checker {
  double cell[3][3], recip[3][3];
  int pbc[3];
  int nimages;
  double (*images)[3]; /* lattice translations that can bring atoms within
                          dmax, the zero vector first */
} dist_checker;

static nacre_status checker_init(dist_checker *dc, const double cell[3][3],
                                 const int pbc[3], double dmax) {
  memcpy(dc->cell, cell, sizeof dc->cell);
  memcpy(dc->pbc, pbc, sizeof dc->pbc);
  dc->images = NULL;
  dc->nimages = 0;
  if (nacre_cell_reciprocal(cell, dc->recip)) return NACRE_ERR_NUMERIC;
  double h[3];
  nacre_cell_heights(cell, h);
  int r[3];
  for (int k = 0; k < 3; k++)
    r[k] = pbc[k] ? (int)ceil(dmax / h[k] + 0.5) : 0;
  size_t n = (size_t)(2 * r[0] + 1) * (2 * r[1] + 1) * (2 * r[2] + 1);
  dc->images = malloc(sizeof *dc->images * n);
  if (!dc->images) return NACRE_ERR_NOMEM;
  dc->images[0][0] = dc->images[0][1] = dc->images[0][2] = 0.0;
  dc->nimages = 1;
  for (int a = -r[0]; a <= r[0]; a++)
    for (int b = -r[1]; b <= r[1]; b++)
      for (int c = -r[2]; c <= r[2]; c++) {
        if (!a && !b && !c) continue;
        double f[3] = {a, b, c};
        nacre_cell_frac_to_cart(cell, f, dc->images[dc->nimages++]);
      }
  return NACRE_OK;
}

static void checker_free(dist_checker *dc) { free(dc->images); }

/* Smallest distance between the periodic images of fractional points a, b
 * is at least dmin? (Exact: |f'_k| ≤ |d|/h_k bounds the images needed.) */
static int far_enough(const dist_checker *dc, const double *fa,
                      const double *fb, double dmin, int same_atom) {
  double f[3], d[3];
  for (int k = 0; k < 3; k++) {
    f[k] = fb[k] - fa[k];
    if (dc->pbc[k]) f[k] -= floor(f[k] + 0.5);
  }
  nacre_cell_frac_to_cart(dc->cell, f, d);
  double d2min = dmin * dmin;
  for (int i = same_atom ? 1 : 0; i < dc->nimages; i++) {
    double x = d[0] + dc->images[i][0], y = d[1] + dc->images[i][1],
           z = d[2] + dc->images[i][2];
    if (x * x + y * y + z * z < d2min) return 0;
  }
  return 1;
}

/* ------------------------------------------------------------------ */
/* Random crystals                                                       */
/* ------------------------------------------------------------------ */

/* The space group spglib finds for s (0 when it finds none). */
static int found_group(const nacre_structure *s) {
  int number = 0;
  if (nacre_symmetry_identify(s, 1e-3, &number, NULL, NULL, NULL)) return 0;
  return number;
}

static void order_sites_by_dof(const nacre_spacegroup *g, int nsites, int *sw,
                               int *ss) {
  for (int i = 1; i < nsites; i++)
    for (int j = i; j > 0 && g->wyckoff[sw[j]].dof < g->wyckoff[sw[j - 1]].dof;
         j--) {
      int t = sw[j];
      sw[j] = sw[j - 1];
      sw[j - 1] = t;
      t = ss[j];
      ss[j] = ss[j - 1];
      ss[j - 1] = t;
    }
}

/* Places the atoms of the chosen sites on one lattice. Returns 1 on success
 * (frac/species filled), 0 when a site found no room. */
static int place_sites(const nacre_spacegroup *g, const nacre_random_options *o, nacre_rng *rng,
                       const dist_checker *dc, const double (*dmin)[NACRE_MAX_SPECIES],
                       int nsites, const int *sw, const int *ss, double *frac,
                       int *species, double *orbit) {
  int n = 0;
  for (int site = 0; site < nsites; site++) {
    const nacre_wyckoff *wy = &g->wyckoff[sw[site]];
    int sp = ss[site], placed = 0;
    int tries = wy->dof == 0 ? 1 : o->max_site_tries;
    for (int t = 0; t < tries && !placed; t++) {
      double x[3];
      for (int k = 0; k < 3; k++) x[k] = wy->origin[k];
      for (int j = 0; j < wy->dof; j++) {
        double p = nacre_rng_uniform(rng);
        for (int k = 0; k < 3; k++) x[k] += p * wy->basis[j][k];
      }
      int m = nacre_spacegroup_orbit(g, x, 1e-7, orbit, wy->multiplicity);
      if (m != wy->multiplicity) continue; /* landed on a special point */
      int ok = 1;
      for (int i = 0; i < m && ok; i++) {
        ok = far_enough(dc, orbit + 3 * i, orbit + 3 * i, dmin[sp][sp], 1);
        for (int j = 0; j < i && ok; j++)
          ok = far_enough(dc, orbit + 3 * i, orbit + 3 * j, dmin[sp][sp], 0);
        for (int j = 0; j < n && ok; j++)
          ok = far_enough(dc, orbit + 3 * i, frac + 3 * j,
                          dmin[sp][species[j]], 0);
      }
      if (!ok) continue;
      memcpy(frac + 3 * n, orbit, sizeof(double) * 3 * m);
      for (int i = 0; i < m; i++) species[n + i] = sp;
      n += m;
      placed = 1;
    }
    if (!placed) return 0;
  }
  return 1;
}

nacre_status nacre_random_crystal(const nacre_spacegroup *g,
                                  const nacre_composition *c,
                                  const nacre_random_options *o, nacre_rng *rng,
                                  nacre_structure **out,
                                  nacre_random_info *info, nacre_error *err) {
  *out = NULL;
  int natoms = nacre_composition_natoms(c);
  if (natoms < 1)
    return nacre_error_set(err, NACRE_ERR_INVALID, "empty composition");
  double vatom = o->volume_per_atom > 0
                     ? o->volume_per_atom
                     : nacre_estimate_volume_per_atom(c, o->pressure_gpa);
  double dmin[NACRE_MAX_SPECIES][NACRE_MAX_SPECIES], dmax = 0.0;
  for (int a = 0; a < c->nspecies; a++)
    for (int b = 0; b < c->nspecies; b++) {
      dmin[a][b] = nacre_random_min_distance(o, c->z[a], c->z[b]);
      dmax = fmax(dmax, dmin[a][b]);
    }
  int *sw = malloc(sizeof(int) * 2 * (size_t)natoms);
  int *species = malloc(sizeof(int) * (size_t)natoms);
  double *frac = malloc(sizeof(double) * 3 * (size_t)natoms);
  double *orbit = malloc(sizeof(double) * 3 * (size_t)g->nops);
  if (!sw || !species || !frac || !orbit) {
    free(sw), free(species), free(frac), free(orbit);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  }
  int *ss = sw + natoms;
  nacre_status st = NACRE_ERR_NOT_CONVERGED;
  int lattices = 0, higher = 0, found_sg = 0, nsites = 0;
  char comp[128];
  nacre_composition_format(c, comp, sizeof comp);
  for (int comb = 0; comb < o->max_combination_tries && st; comb++) {
    nacre_status cs = nacre_wyckoff_choose(g, c, rng, o->prefer_general, sw, ss,
                                           natoms, &nsites, err);
    if (cs) {
      st = cs;
      break;
    }
    order_sites_by_dof(g, nsites, sw, ss);
    /* Sites without free parameters on a cubic lattice fix the structure up
     * to its scale: one more symmetric outcome settles the combination. A
     * combination that keeps coming out more symmetric is abandoned too. */
    int all_fixed = 1, combo_lattices = 0, combo_higher = 0;
    for (int k = 0; k < nsites; k++) all_fixed &= g->wyckoff[sw[k]].dof == 0;
    int give_up = all_fixed && g->system == NACRE_CUBIC ? 1 : 4;
    for (int lt = 0; lt < o->max_lattice_tries && st; lt++) {
      if (combo_higher >= give_up && combo_higher == combo_lattices) break;
      combo_lattices++;
      lattices++;
      double volume = natoms * vatom *
                      (1.0 + o->volume_spread * (2 * nacre_rng_uniform(rng) - 1));
      double cell[3][3];
      if (random_lattice(g->system, volume, o->max_length_ratio, rng, cell))
        continue;
      dist_checker dc;
      int pbc[3] = {1, 1, 1};
      if (checker_init(&dc, cell, pbc, dmax)) {
        checker_free(&dc);
        continue;
      }
      int ok = place_sites(g, o, rng, &dc, (const double(*)[NACRE_MAX_SPECIES])dmin,
                           nsites, sw, ss, frac, species, orbit);
      checker_free(&dc);
      if (!ok) continue;
      nacre_structure *s = nacre_structure_new(natoms, err);
      if (!s) {
        st = NACRE_ERR_NOMEM;
        break;
      }
      memcpy(s->cell, cell, sizeof cell);
      /* Atoms grouped by species in composition order. */
      int k = 0;
      double *sorted = malloc(sizeof(double) * 3 * (size_t)natoms);
      if (!sorted) {
        nacre_structure_free(s);
        st = nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
        break;
      }
      for (int sp = 0; sp < c->nspecies; sp++)
        for (int i = 0; i < natoms; i++)
          if (species[i] == sp) {
            s->numbers[k] = c->z[sp];
            memcpy(sorted + 3 * k, frac + 3 * i, sizeof(double) * 3);
            k++;
          }
      nacre_structure_set_frac(s, sorted);
      found_sg = o->verify_symmetry ? found_group(s) : 0;
      free(sorted);
      if (o->verify_symmetry && found_sg != g->number) {
        higher++;
        combo_higher++;
        nacre_structure_free(s);
        continue;
      }
      *out = s;
      st = NACRE_OK;
    }
  }
  free(sw), free(species), free(frac), free(orbit);
  if (info) {
    info->sg_number = g->number;
    info->sg_found = st ? 0 : found_sg;
    info->nsites = nsites;
    info->attempts = lattices;
    info->volume_per_atom = vatom;
  }
  if (st == NACRE_ERR_NOT_CONVERGED) {
    if (higher > 0 && higher * 2 >= lattices)
      return nacre_error_set(err, st,
                             "space group %d (%s), %s: the structures placed "
                             "came out more symmetric (e.g. group %d) in %d of "
                             "%d lattices",
                             g->number, g->symbol, comp, found_sg, higher,
                             lattices);
    return nacre_error_set(err, st,
                           "space group %d (%s), %s: no placement met the "
                           "minimum distances (largest %.3f Å) at %.2f Å^3/atom "
                           "in %d lattices; lower the distance factor or raise "
                           "the volume",
                           g->number, g->symbol, comp, dmax, vatom, lattices);
  }
  return st;
}

/* ------------------------------------------------------------------ */
/* Primitive cells of centred groups                                     */
/* ------------------------------------------------------------------ */

int nacre_spacegroup_lattice_points(const nacre_spacegroup *g) {
  int n = 0;
  for (int op = 0; op < g->nops; op++) {
    int identity = 1;
    for (int i = 0; i < 3; i++)
      for (int j = 0; j < 3; j++) identity &= g->rot[op][i][j] == (i == j);
    n += identity;
  }
  return n > 0 ? n : 1;
}

nacre_status nacre_spacegroup_conventional_composition(
    const nacre_spacegroup *g, const nacre_composition *c,
    nacre_composition *out, nacre_error *err) {
  int m = nacre_spacegroup_lattice_points(g);
  *out = *c;
  for (int k = 0; k < c->nspecies; k++) out->count[k] = m * c->count[k];
  if (nacre_composition_natoms(out) > NACRE_MAX_ATOMS)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "space group %d (%s): %d atoms in its conventional "
                           "cell, more than %d",
                           g->number, g->symbol, nacre_composition_natoms(out),
                           NACRE_MAX_ATOMS);
  return NACRE_OK;
}

/* Primitive basis of a centred lattice in units of the conventional
 * vectors (rows), ITA Table 5.1.3.1 (R: obverse setting on hexagonal
 * axes, spglib's). 0 for a primitive lattice. */
static int primitive_basis(char centring, double p[3][3]) {
  static const double a[3][3] = {{1, 0, 0}, {0, .5, .5}, {0, -.5, .5}},
                      b[3][3] = {{.5, 0, .5}, {0, 1, 0}, {-.5, 0, .5}},
                      c[3][3] = {{.5, .5, 0}, {-.5, .5, 0}, {0, 0, 1}},
                      i[3][3] = {{-.5, .5, .5}, {.5, -.5, .5}, {.5, .5, -.5}},
                      f[3][3] = {{0, .5, .5}, {.5, 0, .5}, {.5, .5, 0}},
                      r[3][3] = {{2. / 3, 1. / 3, 1. / 3},
                                 {-1. / 3, 1. / 3, 1. / 3},
                                 {-1. / 3, -2. / 3, 1. / 3}};
  const double(*q)[3] = centring == 'A'   ? a
                        : centring == 'B' ? b
                        : centring == 'C' ? c
                        : centring == 'I' ? i
                        : centring == 'F' ? f
                        : centring == 'R' ? r
                                          : NULL;
  if (!q) return 0;
  memcpy(p, q, sizeof a);
  return 1;
}

/* The atoms of conventional cell s in the primitive cell p · s->cell: each
 * lattice point's copy of an atom falls on the same wrapped position and
 * is kept once, in the order of s. */
static nacre_status to_primitive(const nacre_structure *s, const double p[3][3],
                                 int natoms, nacre_structure **out,
                                 nacre_error *err) {
  double cell[3][3], inv[3][3];
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) {
      cell[i][j] = 0;
      for (int k = 0; k < 3; k++) cell[i][j] += p[i][k] * s->cell[k][j];
    }
  if (nacre_mat3_inverse(cell, inv))
    return nacre_error_set(err, NACRE_ERR_NUMERIC, "degenerate primitive cell");
  nacre_structure *t = nacre_structure_new(natoms, err);
  double *frac = malloc(sizeof(double) * 3 * (size_t)natoms);
  if (!t || !frac) {
    nacre_structure_free(t);
    free(frac);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  }
  memcpy(t->cell, cell, sizeof cell);
  int n = 0;
  for (int a = 0; a < s->natoms; a++) {
    double f[3];
    for (int j = 0; j < 3; j++) {
      f[j] = 0;
      for (int k = 0; k < 3; k++) f[j] += s->positions[3 * a + k] * inv[k][j];
      f[j] -= floor(f[j]);
    }
    int seen = 0;
    for (int b = 0; b < n && !seen; b++) {
      double d2 = 0;
      for (int j = 0; j < 3; j++) {
        double d = f[j] - frac[3 * b + j];
        d -= floor(d + 0.5);
        d2 += d * d;
      }
      seen = d2 < 1e-12;
    }
    if (seen) continue;
    if (n == natoms) {
      n++;
      break;
    }
    memcpy(frac + 3 * n, f, sizeof f);
    t->numbers[n++] = s->numbers[a];
  }
  if (n != natoms) {
    nacre_structure_free(t);
    free(frac);
    return nacre_error_set(err, NACRE_ERR_NUMERIC,
                           "primitive cell holds %d distinct atoms, expected "
                           "%d", n, natoms);
  }
  nacre_structure_set_frac(t, frac);
  free(frac);
  nacre_status st = nacre_structure_niggli(t, out, err);
  nacre_structure_free(t);
  return st;
}

nacre_status nacre_random_crystal_primitive(const nacre_spacegroup *g,
                                            const nacre_composition *c,
                                            const nacre_random_options *o,
                                            nacre_rng *rng,
                                            nacre_structure **out,
                                            nacre_random_info *info,
                                            nacre_error *err) {
  *out = NULL;
  double p[3][3];
  if (!primitive_basis(g->centering, p))
    return nacre_random_crystal(g, c, o, rng, out, info, err);
  nacre_composition conv;
  nacre_status st = nacre_spacegroup_conventional_composition(g, c, &conv, err);
  if (st) return st;
  nacre_structure *s;
  if ((st = nacre_random_crystal(g, &conv, o, rng, &s, info, err))) return st;
  st = to_primitive(s, p, nacre_composition_natoms(c), out, err);
  nacre_structure_free(s);
  return st;
}

nacre_status nacre_random_crystal_any(const int *groups, int ngroups,
                                      const nacre_composition *c,
                                      const nacre_random_options *o,
                                      nacre_rng *rng, nacre_structure **out,
                                      nacre_random_info *info,
                                      nacre_error *err) {
  *out = NULL;
  int all[230];
  if (!groups || ngroups <= 0) {
    for (int k = 0; k < 230; k++) all[k] = k + 1;
    groups = all;
    ngroups = 230;
  }
  int *left = malloc(sizeof(int) * (size_t)ngroups);
  if (!left) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  memcpy(left, groups, sizeof(int) * (size_t)ngroups);
  int nleft = ngroups, nimpossible = 0;
  nacre_status st = NACRE_ERR_INVALID;
  nacre_error last;
  nacre_error_clear(&last);
  while (nleft > 0) {
    int pick = nacre_rng_int(rng, nleft);
    nacre_spacegroup *g;
    st = nacre_spacegroup_new(left[pick], &g, err);
    if (st) break;
    st = nacre_random_crystal(g, c, o, rng, out, info, &last);
    nacre_spacegroup_free(g);
    if (st == NACRE_OK || st == NACRE_ERR_NOMEM) break;
    if (st == NACRE_ERR_INVALID) nimpossible++;
    left[pick] = left[--nleft];
  }
  free(left);
  if (st == NACRE_OK || st == NACRE_ERR_NOMEM) return st;
  char comp[128];
  nacre_composition_format(c, comp, sizeof comp);
  if (nimpossible == ngroups)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "none of the %d space groups can hold %s", ngroups,
                           comp);
  return nacre_error_set(err, NACRE_ERR_NOT_CONVERGED,
                         "no structure of %s generated in %d space groups "
                         "(%d cannot hold it); last: %s",
                         comp, ngroups, nimpossible, last.message);
}

/* ------------------------------------------------------------------ */
/* Space-group lists                                                     */
/* ------------------------------------------------------------------ */

nacre_status nacre_spacegroup_list_parse(const char *text, int **groups,
                                         int *ngroups, nacre_error *err) {
  *groups = NULL;
  *ngroups = 0;
  char on[231] = {0};
  const char *p = text;
  while (*p) {
    char *end;
    long a = strtol(p, &end, 10), b = a;
    if (end == p) goto bad;
    p = end;
    if (*p == '-') {
      p++;
      b = strtol(p, &end, 10);
      if (end == p) goto bad;
      p = end;
    }
    if (a < 1 || b > 230 || a > b) goto bad;
    for (long k = a; k <= b; k++) on[k] = 1;
    if (*p == ',') p++;
    else if (*p) goto bad;
  }
  int n = 0;
  for (int k = 1; k <= 230; k++) n += on[k];
  if (!n) goto bad;
  *groups = malloc(sizeof(int) * (size_t)n);
  if (!*groups) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  for (int k = 1; k <= 230; k++)
    if (on[k]) (*groups)[(*ngroups)++] = k;
  return NACRE_OK;
bad:
  return nacre_error_set(err, NACRE_ERR_INVALID,
                         "space groups '%s': expected numbers 1..230, ranges "
                         "a-b and commas (e.g. \"1-230\" or \"194,225,229\")",
                         text);
}

