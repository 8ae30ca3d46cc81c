/* ioutil.h — private helpers shared by the io/ parsers: a line reader over a
 * FILE* or a zlib stream (any line length, line numbers for messages), a
 * whitespace tokenizer, strict number parsing, growable arrays (so that a
 * count read from a file never drives an allocation larger than what the
 * file actually holds), and atomic writes. Not part of the public API. */
#ifndef NACRE_IO_IOUTIL_H
#define NACRE_IO_IOUTIL_H

#include <stdio.h>

#include "nacre/io.h"

/* Longest line accepted (bytes); a longer one is a parse error. */
#define NACRE_IO_MAX_LINE (64u << 20)
/* Most atoms any reader accepts in one structure. */
#define NACRE_IO_MAX_ATOMS 50000000

typedef struct nacre_io_lines {
  FILE *fp;         /* exactly one of fp and gz is set */
  void *gz;         /* gzFile */
  const char *name; /* for messages */
  char *buf;        /* current line, '\n' and '\r' stripped */
  size_t len, cap;
  long lineno;      /* 1-based number of the current line */
  int eof;
} nacre_io_lines;

void nacre_io_lines_init_file(nacre_io_lines *r, FILE *fp, const char *name);
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
int nacre_io_int(const char *s, long lo, long hi, int *out);
/* Does s start with prefix after leading whitespace? */
int nacre_io_starts(const char *s, const char *prefix);
/* Copies s into buf (n bytes) for a message, ending in "..." when cut. */
const char *nacre_io_quote(const char *s, char *buf, size_t n);

/* A growable array of doubles / bytes. */
typedef struct nacre_io_dbuf {
  double *v;
  size_t n, cap;
} nacre_io_dbuf;
nacre_status nacre_io_dbuf_push(nacre_io_dbuf *b, const double *x, size_t k,
                                nacre_error *err);
void nacre_io_dbuf_free(nacre_io_dbuf *b);

#endif
