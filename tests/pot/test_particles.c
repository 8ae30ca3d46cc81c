/* test_particles.c — nacre_particle_calc (the seam for LAMMPS through KIM)
 * against the periodic calculator. A periodic cell is unfolded the way an
 * MD engine does it: its atoms are contributing particles, every periodic
 * image within the cutoff is a padding particle, and each atom's list names
 * the particles within the cutoff. Then
 *  - the energy, the per-atom energies, the forces (a padding particle's
 *    force added to the atom it images) and ∂E/∂ε / V equal the periodic
 *    calculator's energy, atom energies, forces and stress (1e-10 eV, eV/Å,
 *    eV/Å³: only the order of the sums differs);
 *  - split into two "domains" (each with its own padding: every particle of
 *    the other domain too) the two evaluations add up to the same;
 *  - for the two-species MAISE Na-Sn model and a committee of networks as
 *    for the Na model;
 *  - the training-domain counts judge the contributing atoms only: a cell
 *    inside the Na model's domain counts no evaluation outside (its padding
 *    particles, with no neighbours, would look outside), a compressed one
 *    counts every evaluation outside;
 *  - potentials whose energies are not local are refused, and malformed
 *    lists (a padding particle with a list, a neighbour out of range) are
 *    rejected with a message. */
#include <string.h>

#include "builders.h"
#include "nacre/pot.h"
#include "testing.h"

typedef struct {
  nacre_particles pt;
  int *numbers, *contributing, *neighbors, *owner;
  double *positions;
  size_t *offsets;
} unfolded;

static void unfolded_free(unfolded *u) {
  free(u->numbers);
  free(u->contributing);
  free(u->neighbors);
  free(u->owner);
  free(u->positions);
  free(u->offsets);
}

/* Particles of s: atoms first (contributing where in_domain[i]), then the
 * images (j, S) the periodic list holds, then — as padding — the atoms of
 * s not in the domain. owner[k] is the atom particle k stands for. */
static int unfold(const nacre_structure *s, const nacre_neighbor_list *nl,
                  const int *in_domain, unfolded *u) {
  int n = s->natoms;
  size_t cap = (size_t)n + nl->nentries;
  u->numbers = malloc(cap * sizeof(int));
  u->contributing = calloc(cap, sizeof(int));
  u->owner = malloc(cap * sizeof(int));
  u->positions = malloc(3 * cap * sizeof(double));
  u->offsets = calloc(cap + 1, sizeof(size_t));
  u->neighbors = malloc((nl->nentries + 1) * sizeof(int));
  int *image_of = malloc((nl->nentries + 1) * sizeof(int));
  if (!u->numbers || !u->contributing || !u->owner || !u->positions ||
      !u->offsets || !u->neighbors || !image_of)
    return 1;
  int np = n;
  for (int i = 0; i < n; i++) {
    u->numbers[i] = s->numbers[i];
    u->owner[i] = i;
    u->contributing[i] = in_domain[i];
    memcpy(&u->positions[3 * i], &s->positions[3 * i], 3 * sizeof(double));
  }
  /* One padding particle per distinct (j, S) with S != 0. */
  for (size_t e = 0; e < nl->nentries; e++) {
    const int *S = &nl->shift[3 * e];
    image_of[e] = -1;
    if (!S[0] && !S[1] && !S[2]) {
      image_of[e] = nl->j[e];
      continue;
    }
    for (size_t f = 0; f < e && image_of[e] < 0; f++) {
      const int *T = &nl->shift[3 * f];
      if (nl->j[f] == nl->j[e] && T[0] == S[0] && T[1] == S[1] && T[2] == S[2])
        image_of[e] = image_of[f];
    }
    if (image_of[e] >= 0) continue;
    int j = nl->j[e];
    u->numbers[np] = s->numbers[j];
    u->owner[np] = j;
    for (int a = 0; a < 3; a++)
      u->positions[3 * np + a] = s->positions[3 * j + a] + S[0] * s->cell[0][a] +
                                 S[1] * s->cell[1][a] + S[2] * s->cell[2][a];
    image_of[e] = np++;
  }
  size_t ne = 0;
  for (int i = 0; i < np; i++) {
    u->offsets[i] = ne;
    if (i < n && in_domain[i])
      for (size_t e = nl->offsets[i]; e < nl->offsets[i + 1]; e++)
        u->neighbors[ne++] = image_of[e];
  }
  u->offsets[np] = ne;
  free(image_of);
  u->pt = (nacre_particles){.n = np,
                            .numbers = u->numbers,
                            .positions = u->positions,
                            .contributing = u->contributing,
                            .offsets = u->offsets,
                            .neighbors = u->neighbors};
  return 0;
}

/* Evaluates the domain and adds its results per atom of s. */
static void add_domain(nacre_particle_calc *pc, const nacre_structure *s,
                       const nacre_neighbor_list *nl, const int *in_domain,
                       double *energy, double *forces, double *atom_e,
                       double w[6]) {
  unfolded u;
  memset(&u, 0, sizeof u);
  CHECK(unfold(s, nl, in_domain, &u) == 0, "unfolding failed");
  int np = u.pt.n;
  double e = 0.0, dw[6];
  double *f = calloc(3 * (size_t)np, sizeof(double));
  double *ae = calloc((size_t)np, sizeof(double));
  nacre_error err;
  nacre_error_clear(&err);
  CHECK_OK(nacre_particle_calc_compute(pc, &u.pt, &e, f, ae, dw, &err), &err);
  *energy += e;
  for (int k = 0; k < np; k++) {
    for (int a = 0; a < 3; a++) forces[3 * u.owner[k] + a] += f[3 * k + a];
    if (!u.contributing[k]) CHECK(ae[k] == 0.0, "padding particle %d has energy", k);
    else atom_e[u.owner[k]] += ae[k];
  }
  for (int q = 0; q < 6; q++) w[q] += dw[q];
  free(f);
  free(ae);
  unfolded_free(&u);
}

static void check_structure(const nacre_potential *p, const nacre_structure *s,
                            const char *what) {
  nacre_error err;
  nacre_error_clear(&err);
  nacre_calc *c = nacre_calc_new(p, 0.0, &err);
  nacre_result r;
  CHECK_OK(nacre_result_init(&r, s->natoms, &err), &err);
  CHECK_OK(nacre_calc_compute(c, s, NACRE_WANT_ALL | NACRE_WANT_ATOM_ENERGIES, &r,
                              &err), &err);
  const nacre_neighbor_list *nl = nacre_calc_neighbor_list(c);
  nacre_particle_calc *pc = nacre_particle_calc_new(p, &err);
  CHECK(pc != NULL, "%s: particle calculator: %s", what, err.message);
  if (!pc) return;
  int n = s->natoms;
  int *all = malloc((size_t)n * sizeof(int)), *half = malloc((size_t)n * sizeof(int)),
      *rest = malloc((size_t)n * sizeof(int));
  for (int i = 0; i < n; i++) {
    all[i] = 1;
    half[i] = (i % 3) == 0; /* an uneven, interleaved split */
    rest[i] = !half[i];
  }
  double vol = nacre_structure_volume(s);
  for (int split = 0; split < 2; split++) {
    double e = 0.0, w[6] = {0, 0, 0, 0, 0, 0};
    double *f = calloc(3 * (size_t)n, sizeof(double));
    double *ae = calloc((size_t)n, sizeof(double));
    if (!split) {
      add_domain(pc, s, nl, all, &e, f, ae, w);
    } else {
      add_domain(pc, s, nl, half, &e, f, ae, w);
      add_domain(pc, s, nl, rest, &e, f, ae, w);
    }
    const char *how = split ? "two domains" : "one domain";
    CHECK(fabs(e - r.energy) < 1e-10, "%s, %s: energy %.15g vs periodic %.15g",
          what, how, e, r.energy);
    double df = 0.0, de = 0.0, ds = 0.0;
    for (int k = 0; k < 3 * n; k++) df = fmax(df, fabs(f[k] - r.forces[k]));
    for (int i = 0; i < n; i++) de = fmax(de, fabs(ae[i] - r.atom_energies[i]));
    for (int q = 0; q < 6; q++) ds = fmax(ds, fabs(w[q] / vol - r.stress[q]));
    CHECK(df < 1e-10, "%s, %s: forces differ by %.3g eV/Å", what, how, df);
    CHECK(de < 1e-10, "%s, %s: atom energies differ by %.3g eV", what, how, de);
    CHECK(ds < 1e-10, "%s, %s: dE/dstrain / V differs from the stress by %.3g "
          "eV/Å^3", what, how, ds);
    free(f);
    free(ae);
  }
  free(all);
  free(half);
  free(rest);
  nacre_particle_calc_free(pc);
  nacre_result_free(&r);
  nacre_calc_free(c);
}

static void check_errors(const nacre_potential *nn) {
  nacre_error err;
  nacre_error_clear(&err);
  nacre_potential *lj = NULL;
  CHECK_OK(nacre_potential_load("lj:epsilon=0.2,sigma=2.3,cutoff=6", &lj, &err), &err);
  nacre_particle_calc *pc = nacre_particle_calc_new(lj, &err);
  CHECK(!pc && err.status == NACRE_ERR_UNSUPPORTED && strstr(err.message, "lj"),
        "a pair potential was accepted: %s", err.message);
  nacre_potential_free(lj);

  pc = nacre_particle_calc_new(nn, &err);
  int numbers[3] = {11, 11, 11}, contributing[3] = {1, 0, 1};
  double pos[9] = {0, 0, 0, 3.5, 0, 0, 0, 3.5, 0};
  size_t offsets[4] = {0, 2, 3, 4};
  int neighbors[4] = {1, 2, 0, 0};
  nacre_particles pt = {3, numbers, pos, contributing, offsets, neighbors};
  double e;
  nacre_status st = nacre_particle_calc_compute(pc, &pt, &e, NULL, NULL, NULL, &err);
  CHECK(st == NACRE_ERR_INVALID && strstr(err.message, "padding"),
        "a padding particle's list was accepted: %s", err.message);
  size_t offsets2[4] = {0, 2, 2, 3};
  int neighbors2[3] = {1, 2, 7};
  pt.offsets = offsets2;
  pt.neighbors = neighbors2;
  st = nacre_particle_calc_compute(pc, &pt, &e, NULL, NULL, NULL, &err);
  CHECK(st == NACRE_ERR_INVALID && strstr(err.message, "neighbour 7"),
        "a neighbour out of range was accepted: %s", err.message);
  neighbors2[2] = 0;
  double f[9], w[6];
  CHECK_OK(nacre_particle_calc_compute(pc, &pt, &e, f, NULL, w, &err), &err);
  double fs[3] = {f[0] + f[3] + f[6], f[1] + f[4] + f[7], f[2] + f[5] + f[8]};
  CHECK(fabs(fs[0]) + fabs(fs[1]) + fabs(fs[2]) < 1e-12,
        "a cluster's forces do not sum to zero (%g %g %g)", fs[0], fs[1], fs[2]);
  nacre_particle_calc_free(pc);
}

/* Domain counts of one evaluation of s unfolded (all atoms contributing). */
static nacre_domain_counts domain_of(const nacre_potential *p,
                                     const nacre_structure *s) {
  nacre_error err;
  nacre_error_clear(&err);
  nacre_calc *c = nacre_calc_new(p, 0.0, &err);
  nacre_result r;
  nacre_result_init(&r, s->natoms, &err);
  CHECK_OK(nacre_calc_compute(c, s, NACRE_WANT_ENERGY, &r, &err), &err);
  int *all = malloc((size_t)s->natoms * sizeof(int));
  for (int i = 0; i < s->natoms; i++) all[i] = 1;
  unfolded u;
  memset(&u, 0, sizeof u);
  unfold(s, nacre_calc_neighbor_list(c), all, &u);
  nacre_particle_calc *pc = nacre_particle_calc_new(p, &err);
  double e;
  CHECK_OK(nacre_particle_calc_compute(pc, &u.pt, &e, NULL, NULL, NULL, &err), &err);
  nacre_domain_counts d;
  nacre_particle_calc_domain_counts(pc, &d);
  nacre_particle_calc_free(pc);
  unfolded_free(&u);
  free(all);
  nacre_result_free(&r);
  nacre_calc_free(c);
  return d;
}

static void check_domain(const nacre_potential *p) {
  const int n2[3] = {2, 2, 2};
  nacre_structure *s = build_bulk("bcc", 11, 4.23, n2);
  nacre_domain_counts d = domain_of(p, s);
  CHECK(d.known && d.evaluations == 1 && d.outside == 0,
        "bcc Na at 4.23 Å: known %d, %ld of %ld evaluations outside", d.known,
        d.outside, d.evaluations);
  nacre_structure_free(s);
  s = build_bulk("bcc", 11, 2.7, n2); /* neighbours at 2.34 Å */
  d = domain_of(p, s);
  CHECK(d.known && d.outside == 1 && d.atoms_outside == 16,
        "bcc Na at 2.7 Å: %ld evaluations and %ld atoms outside", d.outside,
        d.atoms_outside);
  nacre_structure_free(s);
}

int main(void) {
  char na[1024], nasn[1024]; /* test_shared_path's storage is reused */
  const char *path = test_shared_path("maise/models/nn_Na_d3_v0");
  if (!path) TEST_SKIP("../shared/data/maise is absent");
  snprintf(na, sizeof na, "%s", path);
  path = test_shared_path("maise/models/nn_NaSn_d3_v1");
  snprintf(nasn, sizeof nasn, "%s", path ? path : "");
  nacre_error err;
  nacre_error_clear(&err);
  nacre_potential *p = NULL;
  CHECK_OK(nacre_potential_load(na, &p, &err), &err);
  if (!p) TEST_DONE();

  const int n2[3] = {2, 2, 2};
  nacre_structure *s = build_bulk("bcc", 11, 4.23, n2);
  build_rattle(s, 0.12, 3);
  const double eps[6] = {0.02, -0.01, 0.015, 0.01, -0.02, 0.005};
  build_strain(s, eps);
  check_structure(p, s, "Na16 bcc, rattled, strained");
  nacre_structure_free(s);
  /* A cell much smaller than the 7.5 Å cutoff: many images of each atom. */
  const int n1[3] = {1, 1, 1};
  s = build_bulk("fcc", 11, 5.0, n1);
  build_rattle(s, 0.1, 4);
  check_structure(p, s, "Na4 fcc, one cell");
  nacre_structure_free(s);
  check_errors(p);
  check_domain(p);
  nacre_potential_free(p);

  char spec[2200];
  snprintf(spec, sizeof spec, "committee:%s,%s", na, na);
  CHECK_OK(nacre_potential_load(spec, &p, &err), &err);
  if (p) {
    s = build_bulk("bcc", 11, 4.23, n2);
    build_rattle(s, 0.1, 6);
    check_structure(p, s, "Na16, committee of two networks");
    nacre_structure_free(s);
    nacre_potential_free(p);
  }

  if (nasn[0]) {
    CHECK_OK(nacre_potential_load(nasn, &p, &err), &err);
    s = build_bulk("bcc", 11, 4.5, n2);
    for (int i = 0; i < s->natoms; i += 3) s->numbers[i] = 50;
    build_rattle(s, 0.1, 5);
    check_structure(p, s, "Na11Sn5 on a bcc lattice");
    nacre_structure_free(s);
    nacre_potential_free(p);
  }
  TEST_DONE();
}
