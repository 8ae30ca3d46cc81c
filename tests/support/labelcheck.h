/* labelcheck.h — finite-difference consistency checks for DFT labels (any
 * nacre_label driver): a force against the central difference of the
 * energy under a displacement, and the stress against the central
 * difference of the energy under strain. Each DFT run is one SCF, so the
 * caller chooses which components to check. */
#ifndef NACRE_TEST_LABELCHECK_H
#define NACRE_TEST_LABELCHECK_H

#include "nacre/label.h"

/* 1 when `program` is on PATH. */
int labelcheck_have(const char *program);
/* Runs one label, printing the error on failure; returns the status. */
nacre_status labelcheck_run(const nacre_label_options *opt,
                            const nacre_structure *s, nacre_label_result *r);
/* −(E(x+h) − E(x−h))/2h for coordinate `coord` (3·atom + axis), eV/Å;
 * NAN on failure. */
double labelcheck_force_fd(const nacre_label_options *opt,
                           const nacre_structure *s, int coord, double h);
/* (1/V) dE/dε for Voigt component k (shear: dE/dh = 2Vσ, as potcheck),
 * by a central difference with strain step h; eV/Å^3; NAN on failure. */
double labelcheck_stress_fd(const nacre_label_options *opt,
                            const nacre_structure *s, int k, double h);

#endif
