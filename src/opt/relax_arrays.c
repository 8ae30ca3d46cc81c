/* relax_arrays.c — nacre_relax on plain arrays, so that bindings (Python's
 * nacre.relax) need not mirror nacre_structure or the option structs. */
#include <stdio.h>
#include <string.h>

#include "nacre/opt.h"

nacre_status nacre_relax_arrays(nacre_calc *c, int natoms, double *cell,
                                const int *pbc, const int *numbers,
                                double *positions, const char *mode,
                                double pressure_gpa, double fmax,
                                double smax_gpa, int max_steps,
                                double symprec, nacre_relax_summary *out,
                                nacre_error *err) {
  if (natoms <= 0 || !cell || !pbc || !numbers || !positions || !out)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "nacre_relax_arrays: %d atoms without cell, pbc, "
                           "numbers, positions or summary",
                           natoms);
  nacre_relax_options opt;
  nacre_relax_options_init(&opt);
  if (mode && mode[0]) {
    nacre_status st = nacre_relax_mode_parse(mode, &opt.mode, err);
    if (st) return st;
  }
  opt.pressure_gpa = pressure_gpa;
  if (fmax > 0.0) opt.fmax = fmax;
  if (smax_gpa > 0.0) opt.smax_gpa = smax_gpa;
  if (max_steps > 0) opt.max_steps = max_steps;
  if (symprec > 0.0) {
    opt.keep_symmetry = 1;
    opt.symprec = symprec;
  }
  nacre_structure *s = nacre_structure_new(natoms, err);
  if (!s) return err ? err->status : NACRE_ERR_NOMEM;
  for (int a = 0; a < 3; a++) {
    s->pbc[a] = pbc[a] != 0;
    for (int b = 0; b < 3; b++) s->cell[a][b] = cell[3 * a + b];
  }
  memcpy(s->numbers, numbers, (size_t)natoms * sizeof(int));
  memcpy(s->positions, positions, 3 * (size_t)natoms * sizeof(double));
  nacre_relax_result res;
  nacre_status st = nacre_relax(c, s, &opt, NULL, &res, err);
  if (st == NACRE_OK) {
    for (int a = 0; a < 3; a++)
      for (int b = 0; b < 3; b++) cell[3 * a + b] = s->cell[a][b];
    memcpy(positions, s->positions, 3 * (size_t)natoms * sizeof(double));
    memset(out, 0, sizeof *out);
    out->outcome = (int)res.outcome;
    snprintf(out->outcome_name, sizeof out->outcome_name, "%s",
             nacre_relax_outcome_name(res.outcome));
    snprintf(out->message, sizeof out->message, "%s", res.message);
    out->steps = res.steps;
    out->force_calls = res.force_calls;
    out->energy = res.energy;
    out->enthalpy = res.enthalpy;
    out->volume = res.volume;
    out->pressure_gpa = res.pressure_gpa;
    memcpy(out->stress, res.stress, sizeof out->stress);
    out->fmax = res.fmax;
    out->smax_gpa = res.smax_gpa;
  }
  nacre_structure_free(s);
  return st;
}
