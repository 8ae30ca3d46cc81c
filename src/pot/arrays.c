/* arrays.c — nacre_calc_compute_arrays: the calculator on plain arrays, so
 * that bindings need not mirror nacre_structure or nacre_result. */
#include <stdlib.h>
#include <string.h>

#include "nacre/pot.h"

nacre_status nacre_calc_compute_arrays(nacre_calc *c, int natoms,
                                       const double *cell, const int *pbc,
                                       const int *numbers,
                                       const double *positions,
                                       double *energy, double *forces,
                                       double *stress, double *atom_energies,
                                       double *atom_force_dev,
                                       nacre_result_extras *extras,
                                       nacre_error *err) {
  if (natoms < 0 || (natoms > 0 && (!numbers || !positions)) || !cell || !pbc)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "nacre_calc_compute_arrays: %d atoms without "
                           "numbers, positions, cell or pbc",
                           natoms);
  if (stress && !(pbc[0] && pbc[1] && pbc[2]))
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "stress needs a cell periodic along a, b and c "
                           "(pbc %d %d %d)",
                           pbc[0] != 0, pbc[1] != 0, pbc[2] != 0);
  /* A view of the caller's arrays: the calculator only reads a structure. */
  nacre_structure s = {.natoms = natoms,
                       .numbers = (int *)numbers,
                       .positions = (double *)positions};
  for (int a = 0; a < 3; a++) {
    s.pbc[a] = pbc[a] != 0;
    for (int b = 0; b < 3; b++) s.cell[a][b] = cell[3 * a + b];
  }
  nacre_status st = nacre_structure_check(&s, err);
  if (st) return st;
  unsigned want = NACRE_WANT_ENERGY;
  if (forces) want |= NACRE_WANT_FORCES;
  if (stress) want |= NACRE_WANT_STRESS;
  if (atom_energies) want |= NACRE_WANT_ATOM_ENERGIES;
  nacre_result r;
  st = nacre_result_init(&r, natoms, err);
  if (st) return st;
  st = nacre_calc_compute(c, &s, want, &r, err);
  if (st == NACRE_OK) {
    size_t n = (size_t)natoms;
    if (energy) *energy = r.energy;
    if (forces) memcpy(forces, r.forces, 3 * n * sizeof(double));
    if (stress) memcpy(stress, r.stress, sizeof r.stress);
    if (atom_energies) memcpy(atom_energies, r.atom_energies, n * sizeof(double));
    if (atom_force_dev) {
      int have = r.committee_size > 0 && forces;
      for (size_t i = 0; i < n; i++) atom_force_dev[i] = have ? r.atom_force_dev[i] : 0.0;
    }
    if (extras) {
      const nacre_domain_report *d = &r.domain;
      *extras = (nacre_result_extras){
          .committee_size = r.committee_size,
          .committee_energy_dev_per_atom = r.committee_energy_dev_per_atom,
          .committee_force_dev_max = r.committee_force_dev_max,
          .domain_known = d->known,
          .outside_training_domain = d->known && nacre_domain_report_outside(d),
          .atoms_outside = d->atoms_outside,
          .atoms_too_close = d->atoms_too_close,
          .distance_ratio = d->distance_ratio,
          .volume_outside = d->volume_outside,
          .excess = d->excess};
    }
  }
  nacre_result_free(&r);
  return st;
}
