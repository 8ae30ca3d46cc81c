/* test_nn_fd.c — the checks every potential passes, for the one- and
 * multi-species MAISE models (Na, Li-Sn, Na-Sn, Cu-Ag):
 *  - forces = −∂E/∂r and stress = (1/V)∂E/∂ε by central finite differences
 *    on rattled, strained triclinic cells, cells smaller than the cutoff
 *    (one and two atoms, many periodic images), clusters, and a compressed
 *    cell where MAISE's repulsion is active;
 *  - invariance under translation, rotation, permutation, supercells;
 *  - the fused potential's energy equals the plain reference evaluation
 *    (nacre_nn_descriptor_atom + network) atom by atom;
 *  - the energy-only path gives the same energy as the full path;
 *  - results independent of the thread count (1 vs 2 threads, 1e-10);
 *  - the same for a synthetic three-species model (non-integer ζ, one
 *    hidden layer);
 *  - the network's backward pass (dE/dx and dE/dw, for training) against
 *    finite differences. */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builders.h"
#include "nacre/nn.h"
#include "potcheck.h"
#include "testing.h"

static nacre_potential *load(const char *name, nacre_nn_model **copy) {
  char rel[256];
  snprintf(rel, sizeof rel, "maise/models/%s", name);
  const char *path = test_shared_path(rel);
  if (!path) return NULL;
  nacre_error err;
  nacre_nn_model *m = NULL;
  CHECK_OK(nacre_nn_model_read(path, &m, &err), &err);
  if (!m) return NULL;
  *copy = nacre_nn_model_copy(m, &err);
  nacre_potential *p = NULL;
  CHECK_OK(nacre_nn_potential_new(m, &p, &err), &err);
  return p;
}

/* Σ_i E_i by the reference descriptor and the network, no repulsion. */
static double reference_energy(const nacre_nn_model *m, const nacre_structure *s) {
  nacre_error err;
  nacre_neighbor_list *nl = nacre_nl_new(m->desc.cutoff, 0.0, &err);
  nacre_nl_update(nl, s, NULL, &err);
  size_t maxn = 0;
  for (int i = 0; i < s->natoms; i++)
    if (nl->offsets[i + 1] - nl->offsets[i] > maxn) maxn = nl->offsets[i + 1] - nl->offsets[i];
  double *rij = malloc(3 * (maxn + 1) * sizeof(double));
  int *sp = malloc((maxn + 1) * sizeof(int));
  int D = m->desc.dim;
  double *G = malloc((size_t)D * sizeof(double)), *x = malloc((size_t)D * sizeof(double));
  double *work = malloc(4096 * sizeof(double));
  double E = 0.0;
  for (int i = 0; i < s->natoms; i++) {
    int n = 0, si = nacre_nn_model_species(m, s->numbers[i]);
    for (size_t e = nl->offsets[i]; e < nl->offsets[i + 1]; e++, n++) {
      nacre_nl_vector(nl, s, i, e, &rij[3 * n]);
      sp[n] = nacre_nn_model_species(m, s->numbers[nl->j[e]]);
    }
    nacre_nn_descriptor_atom(&m->desc, si, n, rij, sp, G, NULL);
    for (int l = 0; l < D; l++)
      x[l] = (G[l] - m->input_min[si * D + l]) * m->input_scale[si * D + l];
    E += nacre_nn_network_forward(&m->net[si], x, work) + m->ref_energy[si];
  }
  free(rij);
  free(sp);
  free(G);
  free(x);
  free(work);
  nacre_nl_free(nl);
  return E;
}

static void assign_species(nacre_structure *s, int za, int zb, uint64_t seed) {
  nacre_rng rng;
  nacre_rng_init(&rng, seed, 1);
  for (int i = 0; i < s->natoms; i++) s->numbers[i] = nacre_rng_uniform(&rng) < 0.5 ? za : zb;
  s->numbers[0] = za;
  s->numbers[1] = zb;
}

static void compute(const nacre_potential *p, const nacre_structure *s, unsigned want,
                    nacre_result *r) {
  nacre_error err;
  nacre_calc *c = nacre_calc_new(p, -1.0, &err);
  nacre_result_init(r, s->natoms, &err);
  CHECK_OK(nacre_calc_compute(c, s, want, r, &err), &err);
  nacre_calc_free(c);
}

/* FD forces and stress, invariance, reference energy, energy-only path. */
static void check_structure(const char *what, const nacre_potential *p, const nacre_nn_model *m,
                            const nacre_structure *s, int periodic, int repulsion_off) {
  if (repulsion_off) { /* only the comparison with the reference evaluation */
    nacre_result full;
    compute(p, s, NACRE_WANT_ENERGY, &full);
    double ref = reference_energy(m, s);
    CHECK(fabs(ref - full.energy) / s->natoms < 1e-11,
          "%s: fused %.15g vs reference evaluation %.15g eV", what, full.energy, ref);
    nacre_result_free(&full);
    return;
  }
  double fabsmax;
  /* central differences, h = 1e-5 Å: truncation ~h²·E''' ≈ 1e-10 eV/Å,
   * rounding ~1e-15·|E|/h ≈ 1e-9 eV/Å */
  double ferr = potcheck_force_fd(p, s, 1e-5, &fabsmax);
  CHECK(ferr < 2e-7, "%s: forces vs finite differences %.3g eV/Å (max |F| %.3g)", what, ferr,
        fabsmax);
  if (periodic) {
    double serr = potcheck_stress_fd(p, s, 1e-6);
    /* 1e-8 eV/Å^3 = 1.6e-6 GPa */
    CHECK(serr < 1e-8, "%s: stress vs finite strain %.3g eV/Å^3", what, serr);
    double inv = potcheck_invariance(p, s, 11);
    CHECK(inv < 1e-10, "%s: invariances %.3g eV/atom", what, inv);
  }
  nacre_result full, eonly;
  compute(p, s, NACRE_WANT_ALL | NACRE_WANT_ATOM_ENERGIES, &full);
  compute(p, s, NACRE_WANT_ENERGY, &eonly);
  CHECK(fabs(full.energy - eonly.energy) < 1e-12 * fmax(1.0, fabs(full.energy)),
        "%s: energy-only path %.15g vs full %.15g", what, eonly.energy, full.energy);
  double sum = 0.0;
  for (int i = 0; i < s->natoms; i++) sum += full.atom_energies[i];
  CHECK_CLOSE(sum, full.energy, 1e-10, "atom energies sum to the energy");
  nacre_result_free(&full);
  nacre_result_free(&eonly);
}

static void check_threads(const nacre_potential *p, const nacre_structure *s) {
  nacre_result r1, r2;
  omp_set_num_threads(1);
  compute(p, s, NACRE_WANT_ALL, &r1);
  omp_set_num_threads(2);
  compute(p, s, NACRE_WANT_ALL, &r2);
  omp_set_num_threads(1); /* the finite-difference checks run serially */
  double df = 0, ds = 0;
  for (int k = 0; k < 3 * s->natoms; k++) df = fmax(df, fabs(r1.forces[k] - r2.forces[k]));
  for (int k = 0; k < 6; k++) ds = fmax(ds, fabs(r1.stress[k] - r2.stress[k]));
  CHECK(fabs(r1.energy - r2.energy) <= 1e-10 && df <= 1e-10 && ds <= 1e-12,
        "1 vs 2 threads: |dE| %.3g eV, |dF| %.3g eV/Å, |dσ| %.3g eV/Å^3",
        fabs(r1.energy - r2.energy), df, ds);
  nacre_result_free(&r1);
  nacre_result_free(&r2);
}

/* dE/dx and dE/dw of nacre_nn_network_backward vs central differences. */
static void check_network_gradients(nacre_nn_network *net) {
  int nin = net->size[0];
  size_t nw = net->nweights, wsz = nacre_nn_network_work_size(net);
  double *x = malloc((size_t)nin * sizeof(double)), *dx = malloc((size_t)nin * sizeof(double));
  double *dw = calloc(nw, sizeof(double)), *w1 = malloc(wsz * sizeof(double));
  double *w2 = malloc(wsz * sizeof(double));
  nacre_rng rng;
  nacre_rng_init(&rng, 42, 0);
  for (int l = 0; l < nin; l++) x[l] = nacre_rng_uniform(&rng);
  nacre_nn_network_forward(net, x, w1);
  nacre_nn_network_backward(net, x, w1, w2, dx, dw, 1.0);
  double h = 1e-6, ex = 0, ew = 0;
  for (int l = 0; l < nin; l++) {
    double keep = x[l];
    x[l] = keep + h;
    double ep = nacre_nn_network_forward(net, x, w1);
    x[l] = keep - h;
    double em = nacre_nn_network_forward(net, x, w1);
    x[l] = keep;
    ex = fmax(ex, fabs((ep - em) / (2 * h) - dx[l]));
  }
  for (size_t k = 0; k < nw; k++) {
    double keep = net->weights[k];
    net->weights[k] = keep + h;
    double ep = nacre_nn_network_forward(net, x, w1);
    net->weights[k] = keep - h;
    double em = nacre_nn_network_forward(net, x, w1);
    net->weights[k] = keep;
    ew = fmax(ew, fabs((ep - em) / (2 * h) - dw[k]));
  }
  /* h = 1e-6: truncation ~1e-12 times the third derivative, rounding
   * ~1e-16/1e-6 = 1e-10 */
  CHECK(ex < 1e-8, "network dE/dx vs finite differences: %.3g", ex);
  CHECK(ew < 1e-8, "network dE/dw vs finite differences (%zu weights): %.3g", nw, ew);
  free(x);
  free(dx);
  free(dw);
  free(w1);
  free(w2);
}

/* A synthetic three-species model (Li, Na, Sn) on the Na descriptor with
 * one non-integer ζ, one hidden layer and random weights: exercises the
 * three-species layout, pow() for ζ = 2.5 and another network depth. */
static nacre_nn_model *synthetic_model(const nacre_nn_model *na) {
  nacre_nn_model *m = nacre_nn_model_new();
  nacre_error err;
  m->nspecies = 3;
  int z[3] = {3, 11, 50};
  CHECK_OK(nacre_nn_descriptor_copy(&na->desc, &m->desc, &err), &err);
  m->desc.nspecies = 3;
  m->desc.g4[5].zeta = 2.5;
  CHECK_OK(nacre_nn_descriptor_init(&m->desc, &err), &err);
  int D = m->desc.dim;
  CHECK(D == 3 * 8 + 6 * 43, "three-species dim %d", D);
  m->input_min = calloc(3 * (size_t)D, sizeof(double));
  m->input_scale = malloc(3 * (size_t)D * sizeof(double));
  nacre_rng rng;
  nacre_rng_init(&rng, 77, 0);
  for (int l = 0; l < 3 * D; l++) m->input_scale[l] = 0.02 + 0.02 * nacre_rng_uniform(&rng);
  for (int s = 0; s < 3; s++) {
    m->z[s] = z[s];
    m->ref_energy[s] = -1.0 - s;
    m->repulsion_radius[s] = nacre_nn_maise_mindist(z[s]);
    nacre_nn_network *net = &m->net[s];
    net->nlayers = 3;
    net->size[0] = D;
    net->size[1] = 6;
    net->size[2] = 1;
    net->act[0] = NACRE_NN_TANH;
    net->act[1] = NACRE_NN_LINEAR;
    CHECK_OK(nacre_nn_network_init(net, &err), &err);
    for (size_t w = 0; w < net->nweights; w++) net->weights[w] = 0.3 * nacre_rng_normal(&rng);
  }
  m->repulsion = 1;
  m->repulsion_u = 100.0;
  CHECK_OK(nacre_nn_model_check(m, &err), &err);
  return m;
}

int main(void) {
  if (!test_shared_path("maise/models/nn_Na_d3_v0")) TEST_SKIP("MAISE models absent");
  omp_set_num_threads(1); /* small cells: threads would only wait on each other */
  static const struct {
    const char *name;
    int za, zb;
    const char *lattice;
    double a;
  } models[] = {
      {"nn_Na_d3_v0", 11, 11, "bcc", 4.23},
      {"nn_LiSn_d3_v0", 3, 50, "bcc", 3.6},
      {"nn_NaSn_d3_v1", 11, 50, "bcc", 4.0},
      {"nn_CuAg_d3_v0", 29, 47, "fcc", 3.85},
  };
  double eps[6] = {0.03, -0.02, 0.01, 0.02, -0.01, 0.015};
  for (size_t k = 0; k < sizeof models / sizeof models[0]; k++) {
    nacre_nn_model *m = NULL;
    nacre_potential *p = load(models[k].name, &m);
    if (!p) continue;
    /* the reference evaluation has no repulsion: compare without it */
    nacre_nn_model *m_off = nacre_nn_model_copy(m, NULL);
    m_off->repulsion = 0;
    nacre_potential *p_off = NULL;
    nacre_nn_model *m_ref = nacre_nn_model_copy(m_off, NULL);
    CHECK_OK(nacre_nn_potential_new(m_off, &p_off, NULL), NULL);
    char what[128];

    int n2[3] = {2, 2, 1}, n1[3] = {1, 1, 1};
    nacre_structure *s = build_bulk(models[k].lattice, models[k].za, models[k].a,
                                    !strcmp(models[k].lattice, "fcc") ? n1 : n2);
    assign_species(s, models[k].za, models[k].zb, 3 + k);
    build_rattle(s, 0.08, 7 + k);
    build_strain(s, eps);
    snprintf(what, sizeof what, "%s triclinic %d atoms", models[k].name, s->natoms);
    check_structure(what, p_off, m_ref, s, 1, 1);
    check_structure(what, p, m_ref, s, 1, 0);
    if (k == 1) check_network_gradients(&m_ref->net[1]);
    nacre_structure_free(s);
    if (k == 0 || k == 3) { /* thread-count independence on 686 / 32 atoms */
      int n3[3] = {7, 7, 7}, n2b[3] = {2, 2, 2}; /* 686 atoms: two blocks */
      s = build_bulk(models[k].lattice, models[k].za, models[k].a, k == 0 ? n3 : n2b);
      assign_species(s, models[k].za, models[k].zb, 17);
      build_rattle(s, 0.1, 19);
      check_threads(p, s);
      nacre_structure_free(s);
    }

    /* one-atom and two-atom cells, far smaller than the 7.5 Å cutoff */
    double eps2[6] = {0.05, 0.0, -0.03, 0.04, 0.02, -0.03};
    s = build_bulk("sc", models[k].zb, models[k].a * 0.75, n1);
    build_strain(s, eps2);
    snprintf(what, sizeof what, "%s one-atom cell", models[k].name);
    check_structure(what, p, m_ref, s, 1, 0);
    check_structure(what, p_off, m_ref, s, 1, 1);
    nacre_structure_free(s);
    s = build_bulk("bcc", models[k].za, models[k].a * 0.95, n1);
    s->numbers[1] = models[k].zb;
    build_rattle(s, 0.1, 21 + k);
    build_strain(s, eps2);
    snprintf(what, sizeof what, "%s two-atom cell", models[k].name);
    check_structure(what, p, m_ref, s, 1, 0);
    check_structure(what, p_off, m_ref, s, 1, 1);
    nacre_structure_free(s);

    /* cluster */
    s = build_bulk(models[k].lattice, models[k].za, models[k].a, n1);
    nacre_structure *big = NULL;
    int rep[3][3] = {{2, 0, 0}, {0, 2, 0}, {0, 0, 1}};
    nacre_structure_supercell(s, rep, &big, NULL);
    nacre_structure_free(s);
    s = big;
    s->pbc[0] = s->pbc[1] = s->pbc[2] = 0;
    assign_species(s, models[k].za, models[k].zb, 9 + k);
    build_rattle(s, 0.15, 13 + k);
    snprintf(what, sizeof what, "%s cluster of %d", models[k].name, s->natoms);
    check_structure(what, p, m_ref, s, 0, 0);
    check_structure(what, p_off, m_ref, s, 0, 1);
    nacre_structure_free(s);
    nacre_potential_free(p);
    nacre_potential_free(p_off);
    nacre_nn_model_free(m);
    nacre_nn_model_free(m_ref);
  }

  /* three species */
  {
    nacre_nn_model *na = NULL;
    nacre_potential *pna = load("nn_Na_d3_v0", &na);
    if (pna) {
      nacre_nn_model *m3 = synthetic_model(na), *m3ref = nacre_nn_model_copy(m3, NULL);
      nacre_nn_model *m3off = nacre_nn_model_copy(m3, NULL);
      m3off->repulsion = 0;
      nacre_potential *p3 = NULL, *p3off = NULL;
      CHECK_OK(nacre_nn_potential_new(m3, &p3, NULL), NULL);
      CHECK_OK(nacre_nn_potential_new(m3off, &p3off, NULL), NULL);
      int n2[3] = {2, 2, 1}, n1[3] = {1, 1, 1};
      nacre_structure *s = build_bulk("bcc", 3, 3.9, n2);
      static const int z3[3] = {3, 11, 50};
      for (int i = 0; i < s->natoms; i++) s->numbers[i] = z3[i % 3];
      build_rattle(s, 0.1, 33);
      build_strain(s, eps);
      check_structure("three species triclinic", p3, m3ref, s, 1, 0);
      check_structure("three species triclinic", p3off, m3ref, s, 1, 1);
      nacre_structure_free(s);
      s = build_bulk("bcc", 50, 3.0, n1);
      s->numbers[0] = 3;
      build_rattle(s, 0.1, 35);
      check_structure("three species two-atom cell", p3, m3ref, s, 1, 0);
      nacre_structure_free(s);
      nacre_potential_free(p3);
      nacre_potential_free(p3off);
      nacre_nn_model_free(m3ref);
      nacre_potential_free(pna);
      nacre_nn_model_free(na);
    }
  }

  /* repulsion active: Na bcc compressed to nearest neighbours ≈ 2.4 Å < 2.532 */
  nacre_nn_model *m = NULL;
  nacre_potential *p = load("nn_Na_d3_v0", &m);
  if (p) {
    int n1[3] = {1, 1, 1};
    nacre_structure *s = build_bulk("bcc", 11, 2.8, n1);
    build_rattle(s, 0.05, 99);
    double eps[6] = {0.01, -0.02, 0.0, 0.01, 0.0, -0.01};
    build_strain(s, eps);
    nacre_result on;
    compute(p, s, NACRE_WANT_ENERGY, &on);
    CHECK(on.energy > 10.0, "repulsion active in compressed Na (E = %.3g eV)", on.energy);
    nacre_result_free(&on);
    check_structure("Na compressed (repulsion)", p, m, s, 1, 0);
    nacre_structure_free(s);
    nacre_potential_free(p);
    nacre_nn_model_free(m);
  }
  TEST_DONE();
}
