/* codescan.h — reading nacre's own sources in tests that check who calls
 * what (spglib only from sym, the clocks only from core). */
#ifndef NACRE_CODESCAN_H
#define NACRE_CODESCAN_H

/* The text of the C file at path with comments and string literals removed
 * (newlines of // comments kept); malloc'd, NULL when unreadable. */
char *test_code_of(const char *path);

/* Calls visit(path, code, user) for every .c and .h file under
 * NACRE_SOURCE_DIR/src, code as test_code_of gives it; returns the number
 * of files read (a file that cannot be read fails a CHECK). */
int test_scan_sources(void (*visit)(const char *path, const char *code, void *user),
                      void *user);

/* 1 when code calls the function name: the word followed by '(' (spaces
 * allowed), not a longer identifier that contains it. */
int test_code_calls(const char *code, const char *name);

#endif
