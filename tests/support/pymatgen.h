/* pymatgen.h — running tests/support/pymatgen_ref.py with the Debian
 * /usr/bin/python3 (python3-pymatgen), the reference for the Ewald, hull
 * and XRD tests; skipped (77) where pymatgen is not installed. */
#ifndef NACRE_TEST_PYMATGEN_H
#define NACRE_TEST_PYMATGEN_H

#include "nacre/core.h"

/* 1 when /usr/bin/python3 can import pymatgen. */
int test_have_pymatgen(void);
/* Runs `pymatgen_ref.py WHAT` on the JSON text `input`; returns the JSON
 * text it wrote (malloc'd) or NULL (with a message) on failure. */
char *test_pymatgen(const char *what, const char *input);
/* JSON text of a structure: {"cell", "numbers", "positions"} plus, when
 * charges is not NULL, "charges" (malloc'd). `extra` (may be NULL) is
 * appended inside the object as is (e.g. "\"wavelength_a\": 1.5406"). */
char *test_structure_json(const nacre_structure *s, const double *charges,
                          const char *extra);

#endif
