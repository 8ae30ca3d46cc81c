/* code.c — the labellers by code: the operations table (one row per code,
 * defined next to its input writer and parser), names, and the settings a
 * code resolves its zero options to. */
#include <stdio.h>
#include <string.h>

#include "label_internal.h"

static const label_code_ops *const table[] = {
    &label_abinit_ops, &label_qe_ops, &label_vasp_ops, &label_potential_ops};
#define NCODES (int)(sizeof table / sizeof table[0])

const label_code_ops *label_code(nacre_label_code code) {
  for (int k = 0; k < NCODES; k++)
    if (table[k]->code == code) return table[k];
  return NULL;
}

const char *nacre_label_code_name(nacre_label_code code) {
  const label_code_ops *ops = label_code(code);
  return ops ? ops->name : NULL;
}

nacre_label_code nacre_label_code_from_name(const char *name) {
  if (!name) return 0;
  for (int k = 0; k < NCODES; k++) {
    if (!strcmp(name, table[k]->name)) return table[k]->code;
    for (int a = 0; a < 2 && table[k]->alias[a]; a++)
      if (!strcmp(name, table[k]->alias[a])) return table[k]->code;
  }
  return 0;
}

nacre_status nacre_label_options_set_code(nacre_label_options *opt,
                                          const char *text, nacre_error *err) {
  static const char prefix[] = "potential:";
  if (!strncmp(text, prefix, sizeof prefix - 1)) {
    if (!text[sizeof prefix - 1])
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "potential: needs a potential SPEC, e.g. "
                             "potential:lj:epsilon=0.0104,sigma=3.4,cutoff=8.5");
    opt->code = NACRE_LABEL_POTENTIAL;
    opt->potential = text + sizeof prefix - 1;
    return NACRE_OK;
  }
  nacre_label_code c = nacre_label_code_from_name(text);
  if (!c || c == NACRE_LABEL_POTENTIAL)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "unknown code '%s' (abinit, qe, vasp or "
                           "potential:SPEC)",
                           text);
  opt->code = c;
  return NACRE_OK;
}

/* Converged defaults for metals (measured for Na and Li on this kind of
 * machine, see data/na-hp/README.md) come from each code's row; the rest
 * are common: k-spacing 0.25 1/Å, Methfessel-Paxton 0.01 Ha, SCF
 * tolerance 1e-8 Ha per cell, 100 SCF steps. */
void label_resolve(const nacre_label_options *opt, label_settings *set) {
  const label_code_ops *ops = label_code(opt->code);
  double ecut = ops ? ops->ecut_ev : 0, dens = ops ? ops->ecut_dens_factor : 0;
  set->ecut_ev = opt->ecut_ev > 0 ? opt->ecut_ev : ecut;
  set->ecut_dens_factor =
      opt->ecut_dens_factor > 0 ? opt->ecut_dens_factor : dens;
  set->kspacing = opt->kspacing > 0 ? opt->kspacing : 0.25;
  set->smearing_ev = opt->smearing_ev > 0 ? opt->smearing_ev
                                          : 0.01 * NACRE_HARTREE_EV;
  set->scf_tol_ev = opt->scf_tol_ev > 0 ? opt->scf_tol_ev
                                        : 1e-8 * NACRE_HARTREE_EV;
  set->max_scf = opt->max_scf > 0 ? opt->max_scf : 100;
  set->command = opt->command && opt->command[0] ? opt->command
                 : ops ? ops->command
                       : NULL;
}
