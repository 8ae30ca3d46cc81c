/* table.c — the small CSV tables read outside io (fit's data, nacre
 * phonon's tables, hull entries): a header of column names and rows of
 * text cells, kept with the file line of each row so that every complaint
 * about a value names file, line and column. Numbers are parsed only when
 * a column is used. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nacre/core.h"

struct nacre_table {
  char *source;
  int ncols, nrows;
  char **names;   /* ncols */
  char **cells;   /* nrows × ncols, row-major, each a NUL-terminated copy */
  int *lines;     /* nrows */
  char *pool;     /* storage of every cell and name */
};

void nacre_table_free(nacre_table *t) {
  if (!t) return;
  free(t->source);
  free(t->names);
  free(t->cells);
  free(t->lines);
  free(t->pool);
  free(t);
}

/* Splits one line into fields written NUL-terminated into `out` (which has
 * room for the line), pointers in fields[]. Double quotes group text with
 * commas; "" inside quotes is a quote; a '#' outside quotes starts a
 * comment that runs to the end of the line. Returns the number of fields, or −1
 * for an unterminated quote. */
static int split_fields(const char *line, size_t len, char *out,
                        size_t *used, char ***fields, int *cap) {
  int n = 0;
  size_t k = 0, o = 0;
  for (;;) {
    if (n == *cap) {
      *cap = *cap ? 2 * *cap : 16;
      char **f = realloc(*fields, (size_t)*cap * sizeof *f);
      if (!f) return -2;
      *fields = f;
    }
    while (k < len && (line[k] == ' ' || line[k] == '\t')) k++;
    (*fields)[n++] = out + o;
    if (k < len && line[k] == '"') {
      k++;
      for (;;) {
        if (k >= len) return -1;
        if (line[k] == '"') {
          if (k + 1 < len && line[k + 1] == '"') {
            out[o++] = '"';
            k += 2;
            continue;
          }
          k++;
          break;
        }
        out[o++] = line[k++];
      }
      while (k < len && line[k] != ',' && line[k] != '#') k++;
    } else {
      size_t start = o;
      while (k < len && line[k] != ',' && line[k] != '#') out[o++] = line[k++];
      while (o > start && (out[o - 1] == ' ' || out[o - 1] == '\t')) o--;
    }
    out[o++] = '\0';
    if (k >= len || line[k] == '#') break; /* '#' starts a comment */
    k++; /* the comma */
  }
  *used = o;
  return n;
}

static int skip_line(const char *p, size_t len) {
  size_t k = 0;
  while (k < len && (p[k] == ' ' || p[k] == '\t')) k++;
  return k == len || p[k] == '#';
}

nacre_status nacre_table_parse(const char *text, size_t len,
                                   const char *source, nacre_table **out,
                                   nacre_error *err) {
  *out = NULL;
  nacre_table *t = calloc(1, sizeof *t);
  char **fields = NULL;
  int fcap = 0;
  if (!t) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  t->source = strdup(source ? source : "(text)");
  t->pool = malloc(len + 1);
  if (!t->source || !t->pool) goto nomem;
  size_t pool_used = 0, cells_cap = 0;
  int lines_cap = 0, line_no = 0;
  const char *p = text, *end = text + len;
  /* A UTF-8 byte-order mark is not part of the first name. */
  if (len >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3)) p += 3;
  while (p < end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
    line_no++;
    const char *line = p;
    p += l + (nl ? 1 : 0);
    if (l && line[l - 1] == '\r') l--;
    if (skip_line(line, l)) continue;
    size_t used = 0;
    int n = split_fields(line, l, t->pool + pool_used, &used, &fields, &fcap);
    if (n == -2) goto nomem;
    if (n < 0) {
      nacre_error_set(err, NACRE_ERR_PARSE, "%s:%d: unterminated quote",
                      t->source, line_no);
      goto fail;
    }
    pool_used += used; /* at most l + 1: n fields hold n − 1 commas */
    if (!t->names) {
      t->ncols = n;
      t->names = malloc((size_t)n * sizeof *t->names);
      if (!t->names) goto nomem;
      for (int c = 0; c < n; c++) {
        t->names[c] = fields[c];
        if (!fields[c][0]) {
          nacre_error_set(err, NACRE_ERR_PARSE,
                          "%s:%d: column %d of the header has no name",
                          t->source, line_no, c + 1);
          goto fail;
        }
        for (int e = 0; e < c; e++)
          if (!strcmp(t->names[e], fields[c])) {
            nacre_error_set(err, NACRE_ERR_PARSE,
                            "%s:%d: column name '%s' appears twice",
                            t->source, line_no, fields[c]);
            goto fail;
          }
      }
      continue;
    }
    if (n != t->ncols) {
      nacre_error_set(err, NACRE_ERR_PARSE,
                      "%s:%d: %d fields where the header has %d", t->source,
                      line_no, n, t->ncols);
      goto fail;
    }
    if ((size_t)(t->nrows + 1) * (size_t)t->ncols > cells_cap) {
      cells_cap = cells_cap ? 2 * cells_cap : 64 * (size_t)t->ncols;
      char **c = realloc(t->cells, cells_cap * sizeof *c);
      if (!c) goto nomem;
      t->cells = c;
    }
    if (t->nrows == lines_cap) {
      lines_cap = lines_cap ? 2 * lines_cap : 64;
      int *li = realloc(t->lines, (size_t)lines_cap * sizeof *li);
      if (!li) goto nomem;
      t->lines = li;
    }
    memcpy(t->cells + (size_t)t->nrows * t->ncols, fields,
           (size_t)n * sizeof *fields);
    t->lines[t->nrows++] = line_no;
  }
  free(fields);
  if (!t->names) {
    nacre_error_set(err, NACRE_ERR_PARSE, "%s: no header line (empty file)",
                    t->source);
    nacre_table_free(t);
    return NACRE_ERR_PARSE;
  }
  *out = t;
  return NACRE_OK;
nomem:
  nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory reading %s",
                  source ? source : "(text)");
fail:
  free(fields);
  nacre_table_free(t);
  return err ? err->status : NACRE_ERR_PARSE;
}

nacre_status nacre_table_read(const char *path, nacre_table **out,
                                  nacre_error *err) {
  *out = NULL;
  FILE *f = fopen(path, "rb");
  if (!f)
    return nacre_error_set(err, NACRE_ERR_IO, "cannot open %s: %s", path,
                           strerror(errno));
  size_t cap = 1 << 16, len = 0, got;
  char *buf = malloc(cap);
  while (buf && (got = fread(buf + len, 1, cap - len, f)) > 0) {
    len += got;
    if (len == cap) {
      char *b = realloc(buf, 2 * cap);
      if (!b) free(buf);
      buf = b;
      cap *= 2;
    }
  }
  int bad = ferror(f);
  fclose(f);
  if (!buf)
    return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory reading %s",
                           path);
  if (bad) {
    free(buf);
    return nacre_error_set(err, NACRE_ERR_IO, "error reading %s", path);
  }
  if (memchr(buf, '\0', len)) {
    free(buf);
    return nacre_error_set(err, NACRE_ERR_PARSE,
                           "%s: binary data (a NUL byte), not a CSV file", path);
  }
  nacre_status s = nacre_table_parse(buf, len, path, out, err);
  free(buf);
  return s;
}

int nacre_table_rows(const nacre_table *t) { return t->nrows; }
int nacre_table_columns(const nacre_table *t) { return t->ncols; }
const char *nacre_table_source(const nacre_table *t) { return t->source; }

const char *nacre_table_name(const nacre_table *t, int col) {
  return col >= 0 && col < t->ncols ? t->names[col] : NULL;
}

int nacre_table_find(const nacre_table *t, const char *name) {
  for (int c = 0; c < t->ncols; c++)
    if (!strcmp(t->names[c], name)) return c;
  return -1;
}

const char *nacre_table_cell(const nacre_table *t, int row, int col) {
  if (row < 0 || row >= t->nrows || col < 0 || col >= t->ncols) return NULL;
  return t->cells[(size_t)row * t->ncols + col];
}

int nacre_table_line(const nacre_table *t, int row) {
  return row >= 0 && row < t->nrows ? t->lines[row] : 0;
}

/* 1 when the whole cell is one finite number. */
static int parse_number(const char *s, double *v) {
  char *end;
  errno = 0;
  *v = strtod(s, &end);
  if (end == s || errno == ERANGE) return 0;
  while (*end == ' ' || *end == '\t') end++;
  return *end == '\0' && isfinite(*v);
}

nacre_status nacre_table_number(const nacre_table *t, int row, int col,
                                double *out, nacre_error *err) {
  if (col < 0 || col >= t->ncols || row < 0 || row >= t->nrows)
    return nacre_error_set(err, NACRE_ERR_INVALID, "%s: no cell (%d, %d)",
                           t->source, row + 1, col + 1);
  const char *s = t->cells[(size_t)row * t->ncols + col];
  if (!s[0])
    return nacre_error_set(err, NACRE_ERR_PARSE,
                           "%s:%d: missing value in column '%s' (column %d)",
                           t->source, t->lines[row], t->names[col], col + 1);
  if (!parse_number(s, out))
    return nacre_error_set(err, NACRE_ERR_PARSE,
                           "%s:%d: '%s' in column '%s' (column %d) is not a "
                           "finite number",
                           t->source, t->lines[row], s, t->names[col],
                           col + 1);
  return NACRE_OK;
}

nacre_status nacre_table_numeric(const nacre_table *t, int col, double *out,
                                 nacre_error *err) {
  if (col < 0 || col >= t->ncols)
    return nacre_error_set(err, NACRE_ERR_INVALID, "%s: no column %d",
                           t->source, col + 1);
  for (int r = 0; r < t->nrows; r++) {
    nacre_status st = nacre_table_number(t, r, col, &out[r], err);
    if (st) return st;
  }
  return NACRE_OK;
}

/* "a, b, c" of the columns there are, for messages. */
static void list_columns(const nacre_table *t, char *buf, size_t len) {
  size_t o = 0;
  buf[0] = '\0';
  for (int c = 0; c < t->ncols && o + 8 < len; c++) {
    int w = snprintf(buf + o, len - o, "%s%s", c ? ", " : "", t->names[c]);
    if (w < 0 || (size_t)w >= len - o) {
      snprintf(buf + o, len - o, ", ...");
      break;
    }
    o += (size_t)w;
  }
}

nacre_status nacre_table_select(const nacre_table *t, const char *list,
                                    int **cols, int *n, nacre_error *err) {
  *cols = NULL;
  *n = 0;
  char *copy = strdup(list);
  int *c = malloc((strlen(list) / 2 + 2) * sizeof *c);
  if (!copy || !c) {
    free(copy);
    free(c);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  }
  int k = 0;
  for (char *save = NULL, *tok = strtok_r(copy, ",", &save); tok;
       tok = strtok_r(NULL, ",", &save)) {
    while (*tok == ' ') tok++;
    size_t l = strlen(tok);
    while (l && tok[l - 1] == ' ') tok[--l] = '\0';
    if (!l) continue;
    int col = nacre_table_find(t, tok);
    if (col < 0) {
      char have[512];
      list_columns(t, have, sizeof have);
      nacre_error_set(err, NACRE_ERR_INVALID,
                      "%s has no column '%s' (columns: %s)", t->source, tok,
                      have);
      free(copy);
      free(c);
      return NACRE_ERR_INVALID;
    }
    for (int e = 0; e < k; e++)
      if (c[e] == col) {
        nacre_error_set(err, NACRE_ERR_INVALID, "column '%s' is listed twice",
                        tok);
        free(copy);
        free(c);
        return NACRE_ERR_INVALID;
      }
    c[k++] = col;
  }
  free(copy);
  if (!k) {
    free(c);
    return nacre_error_set(err, NACRE_ERR_INVALID, "no columns in '%s'", list);
  }
  *cols = c;
  *n = k;
  return NACRE_OK;
}
