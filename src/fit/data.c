/* data.c — features and target taken from a table, with their units; the
 * operator list of the feature space as text. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fit_internal.h"

/* ---- units ----------------------------------------------------------- */

static int base_index(nacre_fit_unit_table *t, const char *name, size_t len) {
  for (int k = 0; k < t->n; k++)
    if (strlen(t->names[k]) == len && !strncmp(t->names[k], name, len)) return k;
  if (t->n == NACRE_FIT_MAX_BASE_UNITS || len >= sizeof t->names[0]) return -1;
  memcpy(t->names[t->n], name, len);
  t->names[t->n][len] = '\0';
  return t->n++;
}

nacre_status nacre_fit_unit_parse(const char *text, nacre_fit_unit_table *table,
                                  nacre_fit_unit *out, nacre_error *err) {
  memset(out, 0, sizeof *out);
  const char *p = text ? text : "";
  int sign = 1;
  while (*p) {
    while (*p == ' ' || *p == '*') p++;
    if (!*p) break;
    if (*p == '/') {
      sign = -1; /* everything after '/' is in the denominator */
      p++;
      continue;
    }
    const char *start = p;
    while (*p && *p != ' ' && *p != '*' && *p != '/' && *p != '^') p++;
    size_t len = (size_t)(p - start);
    int power = 1;
    if (*p == '^') {
      char *end;
      long v = strtol(p + 1, &end, 10);
      if (end == p + 1 || v == 0 || v > 12 || v < -12)
        return nacre_error_set(err, NACRE_ERR_PARSE,
                               "unit '%s': bad power after '^'", text);
      power = (int)v;
      p = end;
    }
    if (len == 1 && *start == '1') continue; /* "1" or "1/s" */
    if (!len)
      return nacre_error_set(err, NACRE_ERR_PARSE, "unit '%s': empty factor", text);
    int b = base_index(table, start, len);
    if (b < 0)
      return nacre_error_set(err, NACRE_ERR_PARSE,
                             "unit '%s': more than %d base units or a name "
                             "longer than 15 bytes",
                             text, NACRE_FIT_MAX_BASE_UNITS);
    int e = out->exp6[b] + 6 * sign * power;
    if (e > 120 || e < -120)
      return nacre_error_set(err, NACRE_ERR_PARSE, "unit '%s': power too large", text);
    out->exp6[b] = (signed char)e;
  }
  return NACRE_OK;
}

static int append(char *buf, size_t len, size_t *o, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int append(char *buf, size_t len, size_t *o, const char *fmt, ...) {
  if (*o >= len) return 0;
  va_list ap;
  va_start(ap, fmt);
  int w = vsnprintf(buf + *o, len - *o, fmt, ap);
  va_end(ap);
  if (w > 0) *o += (size_t)w;
  return 1;
}

static void power_text(int e6, char *buf, size_t len) {
  if (e6 == 6) buf[0] = '\0';
  else if (e6 % 6 == 0) snprintf(buf, len, "^%d", e6 / 6);
  else if (e6 % 3 == 0) snprintf(buf, len, "^(%d/2)", e6 / 3);
  else if (e6 % 2 == 0) snprintf(buf, len, "^(%d/3)", e6 / 2);
  else snprintf(buf, len, "^(%d/6)", e6);
}

void nacre_fit_unit_format(const nacre_fit_unit *u,
                           const nacre_fit_unit_table *table, char *buf,
                           size_t len) {
  size_t o = 0;
  buf[0] = '\0';
  int nnum = 0, nden = 0;
  char pw[16];
  for (int k = 0; k < table->n; k++)
    if (u->exp6[k] > 0) {
      power_text(u->exp6[k], pw, sizeof pw);
      append(buf, len, &o, "%s%s%s", nnum++ ? "*" : "", table->names[k], pw);
    }
  for (int k = 0; k < table->n; k++)
    if (u->exp6[k] < 0) {
      power_text(-u->exp6[k], pw, sizeof pw);
      append(buf, len, &o, "%s%s%s%s", nden++ ? "*" : (nnum ? "/" : "1/"),
             table->names[k], pw, "");
    }
}

/* ---- operators ------------------------------------------------------- */

static const struct {
  const char *name;
  unsigned mask;
} op_names[] = {
    {"+", NACRE_FIT_OP_ADD},       {"-", NACRE_FIT_OP_SUB},
    {"|-|", NACRE_FIT_OP_ABSDIFF}, {"*", NACRE_FIT_OP_MUL},
    {"/", NACRE_FIT_OP_DIV},       {"exp", NACRE_FIT_OP_EXP},
    {"log", NACRE_FIT_OP_LOG},     {"sqrt", NACRE_FIT_OP_SQRT},
    {"^2", NACRE_FIT_OP_SQUARE},   {"^3", NACRE_FIT_OP_CUBE},
    {"^-1", NACRE_FIT_OP_INV},     {"ln", NACRE_FIT_OP_LOG},
    {"inv", NACRE_FIT_OP_INV},     {"all", NACRE_FIT_OP_ALL},
};

nacre_status nacre_fit_ops_parse(const char *text, unsigned *mask,
                                 nacre_error *err) {
  *mask = 0;
  char *copy = strdup(text);
  if (!copy) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  for (char *save = NULL, *tok = strtok_r(copy, ",", &save); tok;
       tok = strtok_r(NULL, ",", &save)) {
    while (*tok == ' ') tok++;
    size_t l = strlen(tok);
    while (l && tok[l - 1] == ' ') tok[--l] = '\0';
    unsigned m = 0;
    for (size_t k = 0; k < sizeof op_names / sizeof *op_names; k++)
      if (!strcmp(tok, op_names[k].name)) m = op_names[k].mask;
    if (!m) {
      nacre_error_set(err, NACRE_ERR_INVALID,
                      "unknown operator '%s' (known: +, -, |-|, *, /, exp, "
                      "log, sqrt, ^2, ^3, ^-1, all)",
                      tok);
      free(copy);
      return NACRE_ERR_INVALID;
    }
    *mask |= m;
  }
  free(copy);
  if (!*mask) return nacre_error_set(err, NACRE_ERR_INVALID, "no operators in '%s'", text);
  return NACRE_OK;
}

void nacre_fit_ops_format(unsigned mask, char *buf, size_t len) {
  size_t o = 0;
  buf[0] = '\0';
  int n = 0;
  for (size_t k = 0; k < 11; k++)
    if (mask & op_names[k].mask) append(buf, len, &o, "%s%s", n++ ? "," : "", op_names[k].name);
}

/* ---- data ------------------------------------------------------------ */

void nacre_fit_data_free(nacre_fit_data *d) {
  if (!d) return;
  for (int k = 0; k < d->nfeatures; k++) {
    if (d->names) free(d->names[k]);
    if (d->units) free(d->units[k]);
  }
  free(d->names);
  free(d->units);
  free(d->x);
  free(d->target);
  free(d->y);
  free(d->source);
  free(d);
}

/* Unit text of column `name` in "COL=UNIT,..." (malloc'd; "" if absent). */
static char *unit_of(const char *units, const char *name) {
  if (!units) return strdup("");
  size_t nl = strlen(name);
  for (const char *p = units; *p;) {
    const char *comma = strchr(p, ',');
    size_t l = comma ? (size_t)(comma - p) : strlen(p);
    const char *eq = memchr(p, '=', l);
    if (eq && (size_t)(eq - p) == nl && !strncmp(p, name, nl)) {
      size_t ul = l - nl - 1;
      char *u = malloc(ul + 1);
      if (u) {
        memcpy(u, eq + 1, ul);
        u[ul] = '\0';
      }
      return u;
    }
    p += l + (comma ? 1 : 0);
  }
  return strdup("");
}

/* Every "COL=UNIT" entry must name a feature column. */
static nacre_status check_units(const char *units, const nacre_fit_data *d,
                                nacre_error *err) {
  if (!units) return NACRE_OK;
  for (const char *p = units; *p;) {
    const char *comma = strchr(p, ',');
    size_t l = comma ? (size_t)(comma - p) : strlen(p);
    const char *eq = memchr(p, '=', l);
    if (!eq)
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "units: '%.*s' is not COLUMN=UNIT", (int)l, p);
    int found = 0;
    for (int k = 0; k < d->nfeatures; k++)
      if (strlen(d->names[k]) == (size_t)(eq - p) &&
          !strncmp(d->names[k], p, (size_t)(eq - p)))
        found = 1;
    if (!found)
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "units: '%.*s' is not one of the feature columns",
                             (int)(eq - p), p);
    p += l + (comma ? 1 : 0);
  }
  return NACRE_OK;
}

static nacre_status check_target(const nacre_table *t, int col,
                                 const double *y, int n, int classify,
                                 nacre_error *err) {
  const char *src = nacre_table_source(t), *name = nacre_table_name(t, col);
  if (n < 2)
    return nacre_error_set(err, NACRE_ERR_INVALID, "%s: %d row%s; at least 2 are needed",
                           src, n, n == 1 ? "" : "s");
  int constant = 1;
  for (int i = 1; i < n; i++)
    if (y[i] != y[0]) constant = 0;
  if (constant)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "%s: the target column '%s' is constant (%g on every "
                           "row, lines %d to %d)%s",
                           src, name, y[0], nacre_table_line(t, 0),
                           nacre_table_line(t, n - 1),
                           classify ? ": one class only" : "");
  if (classify)
    for (int i = 0; i < n; i++)
      if (y[i] != floor(y[i]) || fabs(y[i]) > 1e9)
        return nacre_error_set(err, NACRE_ERR_PARSE,
                               "%s:%d: class label '%s' in column '%s' is not "
                               "an integer",
                               src, nacre_table_line(t, i),
                               nacre_table_cell(t, i, col), name);
  return NACRE_OK;
}

/* Columns that hold numbers: every column other than `skip` with a number
 * in at least one row (malloc'd indices, *n of them). A column of names
 * stays out; a numeric column with a stray word stays in, so that the word
 * is reported rather than the column silently dropped. */
static int *numeric_columns(const nacre_table *t, int skip, int *n) {
  const int nc = nacre_table_columns(t);
  int *cols = malloc(((size_t)nc + 1) * sizeof *cols);
  *n = 0;
  if (!cols) return NULL;
  for (int c = 0; c < nc; c++) {
    if (c == skip) continue;
    for (int r = 0; r < nacre_table_rows(t); r++) {
      const char *cell = nacre_table_cell(t, r, c);
      char *end;
      strtod(cell, &end);
      if (end != cell && !*end) {
        cols[(*n)++] = c;
        break;
      }
    }
  }
  return cols;
}

nacre_status nacre_fit_data_from_table(const nacre_table *t,
                                       const char *features,
                                       const char *target, const char *units,
                                       int classify, nacre_fit_data **out,
                                       nacre_error *err) {
  *out = NULL;
  int tcol = -1;
  if (target) {
    tcol = nacre_table_find(t, target);
    if (tcol < 0)
      return nacre_error_set(err, NACRE_ERR_INVALID, "%s has no target column '%s'",
                             nacre_table_source(t), target);
  }
  int *cols = NULL, ncols = 0;
  nacre_status st = NACRE_OK;
  if (features) {
    st = nacre_table_select(t, features, &cols, &ncols, err);
    if (st) return st;
  } else {
    cols = numeric_columns(t, tcol, &ncols);
    if (!cols) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
    if (!ncols) {
      free(cols);
      return nacre_error_set(err, NACRE_ERR_INVALID, "%s has no numeric feature column",
                             nacre_table_source(t));
    }
  }
  for (int k = 0; k < ncols; k++)
    if (cols[k] == tcol) {
      free(cols);
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "the target column '%s' is also a feature", target);
    }
  const int n = nacre_table_rows(t);
  nacre_fit_data *d = calloc(1, sizeof *d);
  if (!d) {
    free(cols);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  }
  d->nrows = n;
  d->nfeatures = ncols;
  d->names = calloc((size_t)ncols, sizeof *d->names);
  d->units = calloc((size_t)ncols, sizeof *d->units);
  d->x = malloc(((size_t)ncols * n + 1) * sizeof *d->x);
  d->source = strdup(nacre_table_source(t));
  if (!d->names || !d->units || !d->x || !d->source) goto nomem;
  for (int k = 0; k < ncols; k++) {
    const char *name = nacre_table_name(t, cols[k]);
    if (strlen(name) > FIT_NAME_MAX) {
      st = nacre_error_set(err, NACRE_ERR_INVALID,
                           "%s: column name '%.40s...' is longer than %d bytes",
                           d->source, name, FIT_NAME_MAX);
      goto fail;
    }
    d->names[k] = strdup(name);
    d->units[k] = unit_of(units, name);
    if (!d->names[k] || !d->units[k]) goto nomem;
    st = nacre_table_numeric(t, cols[k], d->x + (size_t)k * n, err);
    if (st) goto fail;
  }
  st = check_units(units, d, err);
  if (st) goto fail;
  if (tcol >= 0) {
    d->target = strdup(target);
    d->y = malloc(((size_t)n + 1) * sizeof *d->y);
    if (!d->target || !d->y) goto nomem;
    st = nacre_table_numeric(t, tcol, d->y, err);
    if (!st) st = check_target(t, tcol, d->y, n, classify, err);
    if (st) goto fail;
  }
  free(cols);
  *out = d;
  return NACRE_OK;
nomem:
  st = nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
fail:
  free(cols);
  nacre_fit_data_free(d);
  return st;
}
