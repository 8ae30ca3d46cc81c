/* structure_text.c — the lossless text form (%.17g) in which the run
 * database stores structures, and its strict reader. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nacre/search.h"

char *nacre_structure_to_text(const nacre_structure *s) {
  size_t cap = 256 + (size_t)s->natoms * 96;
  char *buf = malloc(cap);
  if (!buf) return NULL;
  size_t n = 0;
  n += (size_t)snprintf(buf + n, cap - n, "%d %d %d %d\n", s->natoms,
                        s->pbc[0], s->pbc[1], s->pbc[2]);
  for (int i = 0; i < 3; i++)
    n += (size_t)snprintf(buf + n, cap - n, "%.17g %.17g %.17g\n",
                          s->cell[i][0], s->cell[i][1], s->cell[i][2]);
  for (int i = 0; i < s->natoms; i++)
    n += (size_t)snprintf(buf + n, cap - n, "%d %.17g %.17g %.17g\n",
                          s->numbers[i], s->positions[3 * i],
                          s->positions[3 * i + 1], s->positions[3 * i + 2]);
  return buf;
}

static int next_double(const char **p, double *v) {
  char *end;
  errno = 0;
  *v = strtod(*p, &end);
  if (end == *p || errno || !isfinite(*v)) return 0;
  *p = end;
  return 1;
}

static int next_int(const char **p, int *v) {
  char *end;
  errno = 0;
  long x = strtol(*p, &end, 10);
  if (end == *p || errno || x < -1000000000L || x > 1000000000L) return 0;
  *v = (int)x;
  *p = end;
  return 1;
}

nacre_status nacre_structure_from_text(const char *text,
                                       nacre_structure **out,
                                       nacre_error *err) {
  *out = NULL;
  const char *p = text;
  int natoms, pbc[3];
  if (!text || !next_int(&p, &natoms) || natoms < 0 || natoms > 10000000 ||
      !next_int(&p, &pbc[0]) || !next_int(&p, &pbc[1]) ||
      !next_int(&p, &pbc[2]))
    return nacre_error_set(err, NACRE_ERR_PARSE,
                           "stored structure: bad header");
  nacre_structure *s = nacre_structure_new(natoms, err);
  if (!s) return NACRE_ERR_NOMEM;
  memcpy(s->pbc, pbc, sizeof pbc);
  int ok = 1;
  for (int i = 0; i < 3 && ok; i++)
    for (int j = 0; j < 3 && ok; j++) ok = next_double(&p, &s->cell[i][j]);
  for (int i = 0; i < natoms && ok; i++) {
    ok = next_int(&p, &s->numbers[i]);
    for (int k = 0; k < 3 && ok; k++)
      ok = next_double(&p, &s->positions[3 * i + k]);
  }
  if (!ok) {
    nacre_structure_free(s);
    return nacre_error_set(err, NACRE_ERR_PARSE,
                           "stored structure: truncated or malformed data");
  }
  *out = s;
  return NACRE_OK;
}
