/* classify.c — what the pool records about a minimum: space group and
 * Pearson symbol (through spglib), and a lossless text form of structures
 * for the run database. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <spglib.h>

#include "nacre/search.h"

static char pearson_family(int sg) {
  if (sg <= 2) return 'a';
  if (sg <= 15) return 'm';
  if (sg <= 74) return 'o';
  if (sg <= 142) return 't';
  if (sg <= 194) return 'h';
  return 'c';
}

void nacre_search_classify(const nacre_structure *s, double symprec, int *sg,
                           char symbol[16], char pearson[16]) {
  *sg = 0;
  snprintf(symbol, 16, "-");
  if (!(s->pbc[0] && s->pbc[1] && s->pbc[2])) {
    snprintf(pearson, 16, "cluster%d", s->natoms);
    return;
  }
  snprintf(pearson, 16, "?%d", s->natoms);
  double lat[3][3];
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) lat[i][j] = s->cell[j][i];
  double *frac = malloc(sizeof(double) * 3 * (size_t)(s->natoms ? s->natoms : 1));
  if (!frac) return;
  if (nacre_structure_get_frac(s, frac, NULL)) {
    free(frac);
    return;
  }
  SpglibDataset *ds = spg_get_dataset(lat, (double(*)[3])frac, s->numbers,
                                      s->natoms, symprec);
  free(frac);
  if (!ds) return;
  *sg = ds->spacegroup_number;
  snprintf(symbol, 16, "%s", ds->international_symbol);
  char c = ds->international_symbol[0];
  int n = ds->n_std_atoms;
  if (c == 'A' || c == 'B') c = 'C';
  if (c == 'R') n /= 3; /* hR counts the rhombohedral cell */
  snprintf(pearson, 16, "%c%c%d", pearson_family(*sg), c, n);
  spg_free_dataset(ds);
}

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
