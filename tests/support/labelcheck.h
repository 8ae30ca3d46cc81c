/* labelcheck.h — finite-difference consistency checks for DFT labels (any
 * nacre_label driver): a force against the central difference of the
 * energy under a displacement, and the stress against the central
 * difference of the energy under strain. Each DFT run is one SCF, so the
 * caller chooses which components to check. */
#ifndef NACRE_TEST_LABELCHECK_H
#define NACRE_TEST_LABELCHECK_H

#include "nacre/label.h"

/* Two atoms of element z: one at the origin, one at x2 (Å), in `cell`. */
nacre_structure *labelcheck_cell2(int z, const double cell[3][3],
                                  const double x2[3]);
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

/* Thermodynamic consistency of the labels with cheap settings
 * (2 atoms, 4x4x4 k): the stress equals (1/V) dE/dε and a force equals
 * −dE/dx, both by central finite differences of the DFT energy, for ABINIT
 * (Na2, PAW, ecutsm 0.5) and pw.x (Li2, PAW). Each check is skipped with a
 * message when the code is not installed. `full`: two force components and
 * the stress components xx, zz, yz, xy (13 SCFs per code); otherwise one
 * force component, xx and yz (7 SCFs per code). Returns the number of
 * codes checked.
 *
 * Tolerances: the SCF is converged to 1e-11 Ha (ABINIT) / 1e-11 Ry (QE),
 * so energy noise adds < 1e-6 eV/Å to a difference over 2h = 0.02 Å. What
 * remains is discretisation, measured here while choosing the settings:
 * - ABINIT forces need a fine PAW double grid (pawecutdg 4·ecut): with
 *   2·ecut at ecut 12 Ha the egg-box error was 0.013 eV/Å (7 %), with 4·ecut
 *   4e-4 eV/Å. Tolerance 2e-3 eV/Å.
 * - ABINIT stress at ecut 20 Ha, pawecutdg 48: xx 0.36 GPa off (0.8 %),
 *   yz 0.014 GPa (at 12 Ha: 0.6 and 0.16 GPa). Tolerance 0.6 GPa on the
 *   diagonal (~1.3 % of 47 GPa), 0.1 GPa off it — a wrong sign, unit (kbar,
 *   Ha/Bohr^3) or Voigt order fails by far more.
 * - pw.x has no ecutsm: at 40 Ry the Pulay stress made the diagonal 12 GPa
 *   off, at 80 Ry 0.03 GPa (xx) and 0.11 GPa (yz). Tolerance 0.25 GPa.
 * Only xx, zz, yz and xy are strained, to keep the run short. */
int labelcheck_fd_suite(int full);

#endif
