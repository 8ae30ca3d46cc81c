/* mesh.c — Γ-centred sampling meshes reduced by symmetry, their
 * frequencies, and harmonic thermodynamics over them.
 *
 * A rotation R of the crystal (x' = R x on fractional coordinates) maps
 * the wave vector q onto Rᵀq with the same frequencies, and time reversal
 * maps q onto −q. Rotations that do not map the mesh onto itself (a mesh
 * with fewer points along a direction that symmetry relates to another) are
 * not used. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "phonon_internal.h"

void nacre_phonon_mesh_free(nacre_phonon_mesh *m) {
  if (!m) return;
  free(m->q), free(m->weight), free(m->grid_map), free(m->freq_thz);
  free(m->species_z), free(m->projection);
  free(m);
}

void nacre_phonon_mesh_for_density(const double cell[3][3], double density, int mesh[3]) {
  double recip[3][3];
  nacre_cell_reciprocal(cell, recip);
  for (int k = 0; k < 3; k++) {
    double len =
        sqrt(recip[k][0] * recip[k][0] + recip[k][1] * recip[k][1] + recip[k][2] * recip[k][2]);
    int n = (int)ceil(density * len - 1e-9);
    mesh[k] = n < 1 ? 1 : n;
  }
}

static int grid_index(const int mesh[3], const int n[3]) {
  int w[3];
  for (int c = 0; c < 3; c++) w[c] = ((n[c] % mesh[c]) + mesh[c]) % mesh[c];
  return w[0] + mesh[0] * (w[1] + mesh[1] * w[2]);
}

/* Rᵀ maps the mesh onto itself when N_i R_ji / N_j is an integer. */
static int keeps_mesh(const int r[3][3], const int mesh[3]) {
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++)
      if (r[j][i] && (mesh[i] * r[j][i]) % mesh[j]) return 0;
  return 1;
}

/* Image of grid point n under Rᵀ in grid units: N_i q'_i with
 * q'_i = Σ_j R_ji n_j / N_j (an integer where keeps_mesh holds). */
static void rotate_point(const int r[3][3], const int mesh[3], const int n[3], int out[3]) {
  for (int i = 0; i < 3; i++) {
    long num = 0;
    for (int j = 0; j < 3; j++) num += (long)(mesh[i] * r[j][i] / mesh[j]) * n[j];
    out[i] = (int)num;
  }
}

static nacre_status reduce_mesh(const nacre_phonon *ph, nacre_phonon_mesh *m, nacre_error *err) {
  int *ops = malloc((size_t)(ph->nops > 0 ? ph->nops : 1) * sizeof *ops);
  m->grid_map = malloc((size_t)m->ngrid * sizeof *m->grid_map);
  m->q = malloc((size_t)m->ngrid * sizeof *m->q);
  m->weight = calloc((size_t)m->ngrid, sizeof *m->weight);
  if (!ops || !m->grid_map || !m->q || !m->weight) {
    free(ops);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "mesh of %d points", m->ngrid);
  }
  int nops = 0;
  for (int k = 0; k < ph->nops; k++)
    if (keeps_mesh(ph->rot[k], m->mesh)) ops[nops++] = k;
  for (int g = 0; g < m->ngrid; g++) m->grid_map[g] = -1;
  m->nq = 0;
  for (int g = 0; g < m->ngrid; g++) {
    if (m->grid_map[g] >= 0) continue;
    int n[3] = {g % m->mesh[0], (g / m->mesh[0]) % m->mesh[1], g / (m->mesh[0] * m->mesh[1])};
    int iq = m->nq++;
    for (int c = 0; c < 3; c++) {
      int v = n[c] > m->mesh[c] / 2 ? n[c] - m->mesh[c] : n[c];
      m->q[iq][c] = (double)v / m->mesh[c];
    }
    for (int k = 0; k < nops; k++) {
      int r[3];
      rotate_point(ph->rot[ops[k]], m->mesh, n, r);
      for (int sign = 1; sign >= -1; sign -= 2) {
        int s[3] = {sign * r[0], sign * r[1], sign * r[2]};
        int h = grid_index(m->mesh, s);
        if (m->grid_map[h] < 0) {
          m->grid_map[h] = iq;
          m->weight[iq]++;
        }
      }
    }
    if (m->grid_map[g] < 0) { /* no operations at all */
      m->grid_map[g] = iq;
      m->weight[iq]++;
    }
  }
  free(ops);
  return NACRE_OK;
}

static nacre_status species_list(const nacre_phonon *ph, nacre_phonon_mesh *m, nacre_error *err) {
  m->species_z = malloc((size_t)ph->n * sizeof *m->species_z);
  if (!m->species_z) return nacre_error_set(err, NACRE_ERR_NOMEM, "species");
  m->nspecies = 0;
  for (int i = 0; i < ph->n; i++) {
    int z = ph->unit->numbers[i], k = 0;
    while (k < m->nspecies && m->species_z[k] != z) k++;
    if (k == m->nspecies) m->species_z[m->nspecies++] = z;
  }
  return NACRE_OK;
}

static int species_of(const nacre_phonon_mesh *m, int z) {
  int k = 0;
  while (k < m->nspecies && m->species_z[k] != z) k++;
  return k;
}

nacre_status nacre_phonon_mesh_run(const nacre_phonon *ph, const int mesh[3], int projections,
                                   const nacre_ctx *ctx, nacre_phonon_mesh **out,
                                   nacre_error *err) {
  *out = NULL;
  if (mesh[0] < 1 || mesh[1] < 1 || mesh[2] < 1 || (double)mesh[0] * mesh[1] * mesh[2] > 1e8)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "mesh %d×%d×%d: each must be at least 1 and the "
                           "total at most 1e8",
                           mesh[0], mesh[1], mesh[2]);
  nacre_phonon_mesh *m = calloc(1, sizeof *m);
  if (!m) return nacre_error_set(err, NACRE_ERR_NOMEM, "mesh");
  memcpy(m->mesh, mesh, sizeof m->mesh);
  m->ngrid = mesh[0] * mesh[1] * mesh[2];
  m->nbands = 3 * ph->n;
  m->natoms = ph->n;
  memcpy(m->recip, ph->cell_recip, sizeof m->recip);
  nacre_status st = reduce_mesh(ph, m, err);
  if (!st) st = species_list(ph, m, err);
  int nb = m->nbands;
  if (!st) {
    m->freq_thz = malloc((size_t)m->nq * nb * sizeof *m->freq_thz);
    if (projections) m->projection = calloc((size_t)m->nq * nb * m->nspecies, sizeof(double));
    if (!m->freq_thz || (projections && !m->projection))
      st = nacre_error_set(err, NACRE_ERR_NOMEM, "frequencies of %d q-points", m->nq);
  }
  int failed = 0;
  nacre_error first;
  nacre_error_clear(&first);
#pragma omp parallel if (m->nq > 1 && !st)
  {
    double *e = projections ? malloc(2 * (size_t)nb * nb * sizeof *e) : NULL;
    nacre_error e1;
#pragma omp for schedule(dynamic)
    for (int iq = 0; iq < (st ? 0 : m->nq); iq++) {
      if (failed || (projections && !e)) {
        failed = 1;
        continue;
      }
      if (ctx && nacre_ctx_interrupted(ctx)) {
        failed = 1;
        continue;
      }
      if (nacre_phonon_at_q(ph, m->q[iq], &m->freq_thz[(size_t)iq * nb], e, NULL, &e1)) {
#pragma omp critical(phonon_mesh_error)
        if (!failed) first = e1;
        failed = 1;
        continue;
      }
      if (!projections) continue;
      double *pr = &m->projection[(size_t)iq * nb * m->nspecies];
      for (int r = 0; r < nb; r++) {
        int s = species_of(m, ph->unit->numbers[r / 3]);
        for (int k = 0; k < nb; k++) {
          double re = e[2 * ((size_t)r * nb + k)], im = e[2 * ((size_t)r * nb + k) + 1];
          pr[(size_t)k * m->nspecies + s] += re * re + im * im;
        }
      }
    }
    free(e);
  }
  if (!st && failed) {
    if (first.message[0]) {
      if (err) *err = first;
      st = first.status;
    } else if (ctx && nacre_ctx_interrupted(ctx)) {
      st = nacre_error_set(err, NACRE_ERR_INTERRUPTED, "phonon mesh interrupted");
    } else {
      st = nacre_error_set(err, NACRE_ERR_NOMEM, "phonon mesh: eigenvectors");
    }
  }
  if (st) {
    nacre_phonon_mesh_free(m);
    return st;
  }
  *out = m;
  return NACRE_OK;
}

void nacre_phonon_thermo_at(const nacre_phonon_mesh *m, double t_k, nacre_phonon_thermo *out) {
  memset(out, 0, sizeof *out);
  out->temperature_k = t_k;
  double kt = NACRE_BOLTZMANN_EV_K * t_k;
  double norm = 1.0 / ((double)m->ngrid * m->natoms);
  double f = 0, fcl = 0, e = 0, cv = 0, zpe = 0, imag = 0;
  for (int iq = 0; iq < m->nq; iq++) {
    double w = m->weight[iq] * norm;
    for (int k = 0; k < m->nbands; k++) {
      double nu = m->freq_thz[(size_t)iq * m->nbands + k];
      if (nu < -NACRE_PHONON_CUTOFF_THZ) imag += m->weight[iq];
      if (nu <= NACRE_PHONON_CUTOFF_THZ) continue;
      double hw = nu * NACRE_THZ_TO_EV;
      zpe += w * 0.5 * hw;
      if (kt <= 0) continue;
      double x = hw / kt;
      double em = exp(-x); /* e^{−x}: stable for large x */
      f += w * (0.5 * hw + kt * log1p(-em));
      fcl += w * kt * log(x);
      e += w * hw * (0.5 + em / (1 - em));
      cv += w * x * x * em / ((1 - em) * (1 - em));
    }
  }
  out->zero_point_energy_per_atom_ev = zpe;
  if (kt <= 0) {
    out->vibrational_free_energy_per_atom_ev = out->vibrational_energy_per_atom_ev = zpe;
  } else {
    out->vibrational_free_energy_per_atom_ev = f;
    out->classical_free_energy_per_atom_ev = fcl;
    out->quantum_correction_per_atom_ev = f - fcl;
    out->vibrational_energy_per_atom_ev = e;
    out->entropy_per_atom_kb = (e - f) / kt;
    out->heat_capacity_per_atom_kb = cv;
  }
  out->imaginary_fraction = imag / ((double)m->ngrid * m->nbands);
}
