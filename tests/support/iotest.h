/* iotest.h — helpers for tests that write files: a private temporary
 * directory, small file writers, structure comparison, and a check for the
 * Debian Python with ASE (/usr/bin/python3) used by interoperability tests. */
#ifndef NACRE_TEST_IOTEST_H
#define NACRE_TEST_IOTEST_H

#include "nacre/core.h"

/* Path of `name` inside a temporary directory made on first use (static
 * storage, overwritten by the next call). */
const char *test_tmp_path(const char *name);
/* Removes the temporary directory and everything in it. */
void test_tmp_cleanup(void);
/* Writes text to path; 0 on success. */
int test_write_text(const char *path, const char *text);
/* Reads a whole file into a malloc'd buffer (NUL-terminated); NULL on
 * failure. *len receives the size when len is not NULL. */
char *test_read_all(const char *path, size_t *len);
/* Same atoms, numbers, pbc and fixed flags; cell and positions within tol
 * (Å). Failures are reported through CHECK with `what`. */
void test_check_same_structure(const nacre_structure *a,
                               const nacre_structure *b, double tol,
                               const char *what);
/* 1 when /usr/bin/python3 can import ase. */
int test_have_ase(void);

#endif
