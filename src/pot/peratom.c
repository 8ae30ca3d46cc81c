/* peratom.c — per-atom energies and virials, their serial sums, and the
 * element lookup shared by the potentials that gather forces per atom
 * (see peratom.h). */
#include "peratom.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int nacre_pot_grow(void *p, size_t count, size_t size) {
  void *old, *q;
  memcpy(&old, p, sizeof old);
  q = realloc(old, (count ? count : 1) * size);
  if (!q) return -1;
  memcpy(p, &q, sizeof q);
  return 0;
}

nacre_status nacre_pot_peratom_reserve(pot_peratom *a, int n,
                                       const char *model, nacre_error *err) {
  if (n <= a->capacity) return NACRE_OK;
  size_t c = (size_t)n;
  if (nacre_pot_grow(&a->energy, c, sizeof(double)) ||
      nacre_pot_grow(&a->virial, 6 * c, sizeof(double)))
    return nacre_error_set(err, NACRE_ERR_NOMEM, "%s workspace for %d atoms",
                           model, n);
  a->capacity = n;
  return NACRE_OK;
}

void nacre_pot_peratom_release(pot_peratom *a) {
  free(a->energy);
  free(a->virial);
  a->energy = a->virial = NULL;
  a->capacity = 0;
}

void *nacre_pot_peratom_new(const void *model) {
  (void)model;
  return calloc(1, sizeof(pot_peratom));
}

void nacre_pot_peratom_free(void *workspace) {
  if (!workspace) return;
  nacre_pot_peratom_release(workspace);
  free(workspace);
}

void nacre_pot_peratom_finish(const pot_peratom *a, const nacre_structure *s,
                              unsigned want, nacre_result *r) {
  int n = s->natoms;
  int stress = (want & NACRE_WANT_STRESS) != 0;
  double energy = 0.0, vir[6] = {0, 0, 0, 0, 0, 0};
  for (int i = 0; i < n; i++) {
    energy += a->energy[i];
    if (stress)
      for (int c = 0; c < 6; c++) vir[c] += a->virial[6 * (size_t)i + c];
  }
  r->energy = energy;
  if (want & NACRE_WANT_ATOM_ENERGIES)
    memcpy(r->atom_energies, a->energy, (size_t)n * sizeof(double));
  if (stress) {
    double vol = fabs(nacre_cell_volume(s->cell));
    for (int c = 0; c < 6; c++) r->stress[c] = vol > 0.0 ? vir[c] / vol : 0.0;
  }
}

nacre_status nacre_pot_species_index(const nacre_structure *s,
                                     const int *index_of_z, int *out,
                                     const char *model, const char *what,
                                     nacre_error *err) {
  for (int i = 0; i < s->natoms; i++) {
    int z = s->numbers[i];
    out[i] = !index_of_z                     ? 0
             : (z >= 0 && z <= NACRE_MAX_Z) ? index_of_z[z]
                                            : -1;
    if (out[i] < 0)
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "%s has no %s for Z=%d (atom %d)", model, what,
                             z, i + 1);
  }
  return NACRE_OK;
}
