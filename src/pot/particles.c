/* particles.c — evaluation on particles whose neighbour lists the caller
 * supplies: the seam through which an MD engine that owns the domain
 * decomposition and the ghost atoms (LAMMPS through KIM) runs a nacre
 * potential.
 *
 * The particles are taken as a cluster without periodic images (every image
 * is a particle of its own) and the potential's ordinary compute runs on
 * them with the caller's lists, padding particles given none. For a
 * potential whose atomic energy E_i depends only on the entries of i's own
 * list and whose forces are the exact gradient of Σ_i E_i (Behler–
 * Parrinello networks, committees of them), a particle without a list has
 * a constant energy and exerts no force, so
 *   E = Σ_{i contributing} E_i,   F_k = −∂E/∂x_k for every particle k,
 * exactly. Because E depends on relative positions only, the strain
 * derivative is the moment of the forces about any origin:
 *   ∂E/∂ε = Σ_pairs r_ij ⊗ ∂E/∂r_ij = −Σ_k (x_k − x_0) ⊗ F_k,
 * which for a periodic system covered once by the contributing particles is
 * V·σ (KIM's partialVirial). */
#include <stdlib.h>
#include <string.h>

#include "nacre/pot.h"
#include "pot_internal.h"

struct nacre_particle_calc {
  const nacre_potential *pot;
  void *workspace;
  int cap;              /* particles the result holds */
  size_t cap_entries;   /* entries `zero_shift` covers */
  nacre_result r;
  int *zero_shift;      /* 3 per entry, all zero: no periodic images */
  nacre_domain_counts domain; /* of the contributing atoms, all calls */
};

/* Potentials whose atomic energies are local in the sense above: networks,
 * and committees whose members all are (a committee's atomic energy is
 * the mean of its members'). */
static int energies_are_local(const nacre_potential *p) {
  const char *kind = nacre_potential_kind(p);
  if (!strcmp(kind, "nn")) return 1;
  int k = nacre_committee_size(p);
  if (k <= 0) return 0;
  for (int q = 0; q < k; q++)
    if (!energies_are_local(nacre_committee_member(p, q))) return 0;
  return 1;
}

nacre_particle_calc *nacre_particle_calc_new(const nacre_potential *p,
                                             nacre_error *err) {
  if (!energies_are_local(p)) {
    nacre_error_set(err, NACRE_ERR_UNSUPPORTED,
                    "the %s potential cannot be evaluated on particles with "
                    "given neighbour lists (its atomic energies depend on "
                    "more than the atom's own neighbours); neural-network "
                    "models and committees of them can",
                    nacre_potential_kind(p));
    return NULL;
  }
  nacre_particle_calc *pc = calloc(1, sizeof *pc);
  if (!pc) {
    nacre_error_set(err, NACRE_ERR_NOMEM, "particle calculator");
    return NULL;
  }
  pc->pot = p;
  int ok;
  pc->workspace = pot_workspace_new(p, &ok);
  if (!ok) {
    free(pc);
    nacre_error_set(err, NACRE_ERR_NOMEM, "potential workspace");
    return NULL;
  }
  return pc;
}

void nacre_particle_calc_free(nacre_particle_calc *pc) {
  if (!pc) return;
  pot_workspace_free(pc->pot, pc->workspace);
  nacre_result_free(&pc->r);
  free(pc->zero_shift);
  free(pc);
}

static nacre_status reserve(nacre_particle_calc *pc, int n, size_t entries,
                            nacre_error *err) {
  if (n > pc->cap) {
    int cap = n + n / 4 + 64;
    nacre_result_free(&pc->r);
    pc->cap = 0;
    nacre_status st = nacre_result_init(&pc->r, cap, err);
    if (st) return st;
    pc->cap = cap;
  }
  if (entries > pc->cap_entries || !pc->zero_shift) {
    size_t cap = entries + entries / 4 + 256;
    free(pc->zero_shift);
    pc->zero_shift = calloc(3 * cap, sizeof(int));
    pc->cap_entries = pc->zero_shift ? cap : 0;
    if (!pc->zero_shift)
      return nacre_error_set(err, NACRE_ERR_NOMEM,
                             "neighbour list of %zu entries", entries);
  }
  return NACRE_OK;
}

static nacre_status check_lists(const nacre_particles *pt, nacre_error *err) {
  if (pt->n < 0 || (pt->n > 0 && (!pt->numbers || !pt->positions ||
                                  !pt->contributing || !pt->offsets)))
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "particles: %d particles without numbers, "
                           "positions, contributing flags or list offsets",
                           pt->n);
  if (pt->n > 0 && pt->offsets[0] != 0)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "particles: the lists must start at entry 0");
  for (int i = 0; i < pt->n; i++) {
    size_t b = pt->offsets[i], e = pt->offsets[i + 1];
    if (e < b)
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "particles: list offsets decrease at particle %d",
                             i);
    if (!pt->contributing[i] && e != b)
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "particles: padding particle %d has a "
                             "neighbour list (leave it empty)",
                             i);
    for (size_t k = b; k < e; k++)
      if (pt->neighbors[k] < 0 || pt->neighbors[k] >= pt->n)
        return nacre_error_set(err, NACRE_ERR_INVALID,
                               "particles: particle %d has neighbour %d, "
                               "outside 0..%d",
                               i, pt->neighbors[k], pt->n - 1);
  }
  return NACRE_OK;
}

/* The training-domain report of the contributing atoms. Padding particles
 * have no neighbours, so their descriptors (all zero) would count as
 * outside: only the per-atom flags of contributing atoms are counted. The
 * closest-distance figures come from atoms with neighbours and stand; the
 * excess over descriptor ranges cannot be split by atom and is left out. */
static void record_domain(nacre_particle_calc *pc, const nacre_particles *pt) {
  const nacre_result *r = &pc->r;
  if (!r->domain.known) return;
  nacre_domain_report d = {.known = 1,
                           .atoms_too_close = r->domain.atoms_too_close,
                           .distance_ratio = r->domain.distance_ratio};
  for (int i = 0; i < pt->n; i++)
    d.atoms_outside += pt->contributing[i] && r->atom_outside[i];
  nacre_domain_counts_record(&pc->domain, &d);
}

void nacre_particle_calc_domain_counts(const nacre_particle_calc *pc,
                                       nacre_domain_counts *out) {
  *out = pc->domain;
}

nacre_status nacre_particle_calc_compute(nacre_particle_calc *pc,
                                         const nacre_particles *pt,
                                         double *energy, double *forces,
                                         double *atom_energies,
                                         double dedstrain[6],
                                         nacre_error *err) {
  nacre_status st = check_lists(pt, err);
  if (st) return st;
  int n = pt->n;
  size_t nentries = n > 0 ? pt->offsets[n] : 0;
  st = reserve(pc, n, nentries, err);
  if (st) return st;
  /* A cluster: no cell, no periodic direction. */
  nacre_structure s = {.natoms = n,
                       .numbers = (int *)pt->numbers,
                       .positions = (double *)pt->positions};
  st = nacre_potential_supports(pc->pot, &s, err);
  if (st) return st;
  nacre_neighbor_list nl = {.natoms = n,
                            .cutoff = nacre_potential_cutoff(pc->pot),
                            .offsets = (size_t *)pt->offsets,
                            .j = (int *)pt->neighbors,
                            .shift = pc->zero_shift,
                            .nentries = nentries,
                            .capacity = nentries};
  size_t nn = (size_t)n;
  int want_forces = forces || dedstrain;
  unsigned want = NACRE_WANT_ENERGY | NACRE_WANT_ATOM_ENERGIES |
                  (want_forces ? NACRE_WANT_FORCES : 0u);
  nacre_result *r = &pc->r;
  st = pot_compute(pc->pot, &s, &nl, want, r, pc->workspace, err);
  if (st) return st;
  record_domain(pc, pt);
  double e = 0.0;
  for (int i = 0; i < n; i++)
    if (pt->contributing[i]) e += r->atom_energies[i];
  if (energy) *energy = e;
  if (atom_energies)
    for (int i = 0; i < n; i++)
      atom_energies[i] = pt->contributing[i] ? r->atom_energies[i] : 0.0;
  if (forces) memcpy(forces, r->forces, 3 * nn * sizeof(double));
  if (dedstrain) {
    /* Moments about the first particle keep the sums small. */
    double w[6] = {0, 0, 0, 0, 0, 0};
    for (int k = 0; k < n; k++) {
      double d[3];
      const double *f = &r->forces[3 * k];
      for (int a = 0; a < 3; a++)
        d[a] = pt->positions[3 * k + a] - pt->positions[a];
      w[0] -= d[0] * f[0];
      w[1] -= d[1] * f[1];
      w[2] -= d[2] * f[2];
      w[3] -= 0.5 * (d[1] * f[2] + d[2] * f[1]);
      w[4] -= 0.5 * (d[0] * f[2] + d[2] * f[0]);
      w[5] -= 0.5 * (d[0] * f[1] + d[1] * f[0]);
    }
    memcpy(dedstrain, w, sizeof w);
  }
  return NACRE_OK;
}
