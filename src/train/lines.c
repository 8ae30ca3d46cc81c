/* lines.c — the line reader of nacre's text model and committee files
 * (model.c, fit.c). Every other reader of the library reads through io's
 * (src/io/ioutil.h); this one goes with the text model format. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "train_internal.h"

int train_lines_open(train_lines *L, const char *path) {
  memset(L, 0, sizeof *L);
  L->path = path;
  L->fp = fopen(path, "r");
  return L->fp != NULL;
}

void train_lines_close(train_lines *L) {
  if (L->fp) fclose(L->fp);
  free(L->buf);
  L->fp = NULL;
  L->buf = NULL;
}

const char *train_lines_next(train_lines *L) {
  if (!L->fp) return NULL;
  ssize_t n = getline(&L->buf, &L->cap, L->fp);
  if (n < 0) return NULL;
  L->line++;
  while (n > 0 && (L->buf[n - 1] == '\n' || L->buf[n - 1] == '\r'))
    L->buf[--n] = 0;
  return L->buf;
}

/* Parses up to `max` doubles from text; returns how many were read and sets
 * *rest to what follows them. */
int train_parse_doubles(const char *text, double *out, int max,
                        const char **rest) {
  int k = 0;
  const char *p = text;
  while (k < max) {
    char *end;
    errno = 0;
    double v = strtod(p, &end);
    if (end == p || errno == ERANGE || !isfinite(v)) break;
    out[k++] = v;
    p = end;
  }
  if (rest) *rest = p;
  return k;
}

