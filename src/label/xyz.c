/* xyz.c — the small extended-XYZ reader and writer the labeller needs for
 * its input structures (Lattice, species and pos columns). Labels in the
 * input are ignored: they are what the labeller produces. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "label_internal.h"

/* Column offsets of species and pos in a Properties value such as
 * "species:S:1:pos:R:3:forces:R:3"; returns 0 on success. */
static int xyz_columns(const char *props, int *species_col, int *pos_col,
                       int *ncols) {
  *species_col = *pos_col = -1;
  char buf[1024];
  size_t n = strcspn(props, " \t\"\n");
  if (n >= sizeof buf) return -1;
  memcpy(buf, props, n);
  buf[n] = '\0';
  int col = 0;
  char *save = NULL;
  for (char *name = strtok_r(buf, ":", &save); name;
       name = strtok_r(NULL, ":", &save)) {
    char *type = strtok_r(NULL, ":", &save);
    char *count = type ? strtok_r(NULL, ":", &save) : NULL;
    int c = count ? atoi(count) : 0;
    if (c < 1) return -1;
    if (!strcmp(name, "species")) *species_col = col;
    if (!strcmp(name, "pos")) *pos_col = col;
    col += c;
  }
  *ncols = col;
  return *species_col < 0 || *pos_col < 0 ? -1 : 0;
}

nacre_status nacre_label_read_xyz(const char *path, nacre_structure ***out,
                                  int *n, nacre_error *err) {
  *out = NULL;
  *n = 0;
  char *text;
  nacre_status st = label_read_file(path, &text, NULL, err);
  if (st) return st;
  int cap = 0, line = 1;
  char *p = text;
  nacre_structure **list = NULL;
  while (!st) {
    while (*p == '\n' || *p == ' ' || *p == '\r') {
      if (*p == '\n') line++;
      p++;
    }
    if (!*p) break;
    char *end;
    long natoms = strtol(p, &end, 10);
    char *eol = strchr(p, '\n');
    if (end == p || natoms < 1 || natoms > 10000000 || !eol) {
      st = nacre_error_set(err, NACRE_ERR_PARSE, "%s:%d: expected an atom count",
                           path, line);
      break;
    }
    char *comment = eol + 1;
    char *ceol = strchr(comment, '\n');
    if (!ceol) {
      st = nacre_error_set(err, NACRE_ERR_PARSE, "%s:%d: missing comment line",
                           path, line + 1);
      break;
    }
    *ceol = '\0';
    nacre_structure *s = nacre_structure_new((int)natoms, err);
    if (!s) {
      st = NACRE_ERR_NOMEM;
      break;
    }
    if (*n == cap) {
      cap = cap ? 2 * cap : 16;
      nacre_structure **bigger = realloc(list, sizeof *list * (size_t)cap);
      if (!bigger) {
        nacre_structure_free(s);
        st = nacre_error_set(err, NACRE_ERR_NOMEM, "%s: structures", path);
        break;
      }
      list = bigger;
    }
    list[(*n)++] = s;
    const char *lat = strstr(comment, "Lattice=\"");
    const char *lp = lat ? lat + 9 : NULL;
    double c[9];
    if (!lp || label_read_doubles(&lp, c, 9, 0) != 9) {
      st = nacre_error_set(err, NACRE_ERR_PARSE,
                           "%s:%d: no Lattice=\"9 numbers\" (periodic cells "
                           "only)",
                           path, line + 1);
      break;
    }
    memcpy(&s->cell[0][0], c, sizeof c);
    const char *props = strstr(comment, "Properties=");
    int sc = 0, pc = 1, ncols = 4;
    if (props && xyz_columns(props + 11, &sc, &pc, &ncols)) {
      st = nacre_error_set(err, NACRE_ERR_PARSE,
                           "%s:%d: Properties lacks species or pos", path,
                           line + 1);
      break;
    }
    char *q = ceol + 1;
    line += 2;
    for (long i = 0; i < natoms && !st; i++, line++) {
      char *aeol = strchr(q, '\n');
      if (aeol) *aeol = '\0';
      /* split into whitespace tokens */
      char *tok[64];
      int nt = 0;
      char *save = NULL;
      for (char *t = strtok_r(q, " \t\r", &save); t && nt < 64;
           t = strtok_r(NULL, " \t\r", &save))
        tok[nt++] = t;
      if (nt < ncols || pc + 2 >= nt) {
        st = nacre_error_set(err, NACRE_ERR_PARSE,
                             "%s:%d: atom line has %d columns, expected %d",
                             path, line, nt, ncols);
        break;
      }
      s->numbers[i] = nacre_element_z(tok[sc]);
      if (!s->numbers[i]) {
        st = nacre_error_set(err, NACRE_ERR_PARSE, "%s:%d: unknown element '%s'",
                             path, line, tok[sc]);
        break;
      }
      for (int k = 0; k < 3; k++) {
        char *e2;
        s->positions[3 * i + k] = strtod(tok[pc + k], &e2);
        if (e2 == tok[pc + k] || *e2) {
          st = nacre_error_set(err, NACRE_ERR_PARSE,
                               "%s:%d: bad coordinate '%s'", path, line,
                               tok[pc + k]);
          break;
        }
      }
      if (!aeol && i < natoms - 1) {
        st = nacre_error_set(err, NACRE_ERR_PARSE,
                             "%s:%d: file ends inside a frame", path, line);
        break;
      }
      q = aeol ? aeol + 1 : q + strlen(q);
    }
    if (!st) st = nacre_structure_check(s, err);
    if (st) nacre_error_prefix(err, "%s frame %d: ", path, *n - 1);
    p = q;
  }
  free(text);
  if (st) {
    for (int k = 0; k < *n; k++) nacre_structure_free(list[k]);
    free(list);
    *n = 0;
    return st;
  }
  *out = list;
  return NACRE_OK;
}

nacre_status nacre_label_write_xyz(const char *path,
                                   nacre_structure *const *s, int n,
                                   const char *const *kinds,
                                   const double *pressures_gpa,
                                   nacre_error *err) {
  char tmp[1100];
  snprintf(tmp, sizeof tmp, "%s.tmpXXXXXX", path);
  int fd = mkstemp(tmp);
  if (fd < 0)
    return nacre_error_set(err, NACRE_ERR_IO, "%s: cannot create: %s", tmp,
                           strerror(errno));
  FILE *fp = fdopen(fd, "w");
  if (!fp) {
    close(fd);
    unlink(tmp);
    return nacre_error_set(err, NACRE_ERR_IO, "%s: fdopen failed", tmp);
  }
  for (int f = 0; f < n; f++) {
    const double *c = &s[f]->cell[0][0];
    fprintf(fp, "%d\nLattice=\"", s[f]->natoms);
    for (int k = 0; k < 9; k++) fprintf(fp, "%s%.10f", k ? " " : "", c[k]);
    fprintf(fp, "\" Properties=species:S:1:pos:R:3");
    if (kinds) fprintf(fp, " kind=%s", kinds[f]);
    if (pressures_gpa) fprintf(fp, " target_pressure_gpa=%.3f", pressures_gpa[f]);
    fprintf(fp, " pbc=\"T T T\"\n");
    for (int i = 0; i < s[f]->natoms; i++) {
      const double *x = s[f]->positions + 3 * i;
      fprintf(fp, "%-2s %16.10f %16.10f %16.10f\n",
              nacre_element_by_z(s[f]->numbers[i])->symbol, x[0], x[1], x[2]);
    }
  }
  int bad = ferror(fp);
  bad |= fflush(fp) != 0;
  bad |= fsync(fileno(fp)) != 0;
  bad |= fclose(fp) != 0;
  if (bad || rename(tmp, path) != 0) {
    unlink(tmp);
    return nacre_error_set(err, NACRE_ERR_IO, "%s: write failed", path);
  }
  return NACRE_OK;
}
