/* ioutil.h — the library's one line reader and the parsing helpers that go
 * with it, private to libnacre (not in include/nacre): the io/ formats, the
 * DFT output readers of label/ and the model files of pot/ read through
 * it. A line reader over a FILE*, a zlib stream or a text in memory (any
 * line length, line numbers for messages), a whitespace tokenizer, strict
 * number parsing, growable arrays (so that a count read from a file never
 * drives an allocation larger than what the file actually holds). */
#ifndef NACRE_IO_IOUTIL_H
#define NACRE_IO_IOUTIL_H

#include <stdio.h>

#include "nacre/io.h"

/* Longest line accepted (bytes); a longer one is a parse error. */
#define NACRE_IO_MAX_LINE (64u << 20)
/* Most atoms any reader accepts in one structure. */
#define NACRE_IO_MAX_ATOMS 50000000

typedef struct nacre_io_lines {
  FILE *fp;         /* exactly one of fp, gz and text is set */
  void *gz;         /* gzFile */
  const char *text; /* a text in memory (borrowed), text_len bytes */
  size_t text_len, text_pos;
  const char *name; /* for messages */
  char *buf;        /* current line, '\n' and '\r' stripped */
  size_t len, cap;
  long lineno;      /* 1-based number of the current line */
  int eof;
} nacre_io_lines;

void nacre_io_lines_init_file(nacre_io_lines *r, FILE *fp, const char *name);
/* Lines of text[0..len) (borrowed: kept alive while reading). */
void nacre_io_lines_init_text(nacre_io_lines *r, const char *text, size_t len,
                              const char *name);
/* Opens path through zlib (plain files are read as they are; "-" is stdin). */
nacre_status nacre_io_lines_open_gz(nacre_io_lines *r, const char *path,
                                    nacre_error *err);
void nacre_io_lines_close(nacre_io_lines *r); /* frees buf, closes gz only */
/* 1: a line is in r->buf; 0: end of file; -1: error (err filled). */
int nacre_io_lines_next(nacre_io_lines *r, nacre_error *err);

/* "name:line: reason" with NACRE_ERR_PARSE. */
nacre_status nacre_io_fail(nacre_error *err, const char *name, long line,
                           const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
nacre_status nacre_io_fail_at(nacre_error *err, const nacre_io_lines *r,
                              const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Splits s in place at whitespace; returns the number of tokens found (at
 * most max are stored). */
int nacre_io_split(char *s, char **tok, int max);
/* Strict conversions of a whole token: finite double / int. 0 on success. */
int nacre_io_double(const char *s, double *out);
/* Reads up to max numbers from s: decimal numbers with an optional
 * exponent (E, or Fortran's D), separated by white space or running
 * together as Fortran prints them when a field is full ("-1.5-2.5").
 * Stops at the first text that is not such a number or at a number glued
 * to letters, digits or a point ("0.5abc", "0.5.3", "1e"), or that is not
 * finite; *rest (may be NULL) receives where it stopped, white space
 * skipped. Returns the count read. */
int nacre_io_scan_doubles(const char *s, double *out, int max,
                          const char **rest);
/* 1 when only white space is left in s. */
int nacre_io_blank(const char *s);
int nacre_io_int(const char *s, long lo, long hi, int *out);
/* Does s start with prefix after leading whitespace? */
int nacre_io_starts(const char *s, const char *prefix);
/* Copies s into buf (n bytes) for a message, ending in "..." when cut. */
const char *nacre_io_quote(const char *s, char *buf, size_t n);

/* What every reader checks before it hands a frame out: at least one atom,
 * nacre_structure_check, no two atoms at the same position
 * (NACRE_COINCIDENT_A), finite labels within ±1e6 (eV per atom, eV/Å,
 * eV/Å^3). Errors read "name:line: reason" with the line of the atom
 * concerned when atom k sits on line first_atom_line + k (0: lines not
 * known, the name alone). */
nacre_status nacre_frame_check(const nacre_frame *f, const char *name,
                               long first_atom_line, nacre_error *err);

/* "write failed: REASON" with the errno of the failed write (EIO when
 * none was kept): for writers that find ferror() set. */
nacre_status nacre_io_write_failed(nacre_error *err);

/* snprintf for paths: 0, or -1 (with an error naming the start of the
 * path) when it does not fit in n bytes. */
int nacre_io_path(char *buf, size_t n, nacre_error *err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* A growable array of doubles / bytes. */
typedef struct nacre_io_dbuf {
  double *v;
  size_t n, cap;
} nacre_io_dbuf;
nacre_status nacre_io_dbuf_push(nacre_io_dbuf *b, const double *x, size_t k,
                                nacre_error *err);
void nacre_io_dbuf_free(nacre_io_dbuf *b);

#endif
