/* cif_symop.c — symmetry operations in the "x,y+1/2,-z+1/2" notation of
 * International Tables / CIF (_symmetry_equiv_pos_as_xyz,
 * _space_group_symop_operation_xyz): each component is a sum of ±x, ±y,
 * ±z (optionally with an integer factor, "2x" or "2*x") and constants
 * (integers, fractions "1/2" or decimals "0.5"). */
#include "cif.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int axis_of(char c) {
  c = (char)tolower((unsigned char)c);
  return c == 'x' ? 0 : c == 'y' ? 1 : c == 'z' ? 2 : -1;
}

static const char *skip_space(const char *s) {
  while (isspace((unsigned char)*s)) s++;
  return s;
}

/* An unsigned number "3", "0.5", "1/2" at s; NULL when there is none. */
static const char *read_number(const char *s, double *v) {
  if (!isdigit((unsigned char)*s) && *s != '.') return NULL;
  char *end;
  *v = strtod(s, &end);
  if (end == s) return NULL;
  s = skip_space(end);
  if (*s == '/') {
    s = skip_space(s + 1);
    if (!isdigit((unsigned char)*s)) return NULL;
    double d = strtod(s, &end);
    if (!(d > 0.0)) return NULL;
    *v /= d;
    s = end;
  }
  return isfinite(*v) ? s : NULL;
}

/* One signed term; returns the rest of the component or NULL. */
static const char *read_term(const char *s, int row[3], double *t) {
  double sign = 1.0, v = 1.0;
  s = skip_space(s);
  if (*s == '+' || *s == '-') {
    sign = *s == '-' ? -1.0 : 1.0;
    s = skip_space(s + 1);
  }
  const char *after = read_number(s, &v);
  int have_number = after != NULL;
  if (have_number) s = skip_space(after);
  if (*s == '*') s = skip_space(s + 1);
  int ax = axis_of(*s);
  if (ax < 0) {
    if (!have_number) return NULL;
    *t += sign * v;
    return s;
  }
  if (fabs(v - round(v)) > 1e-9 || fabs(v) > 6) return NULL;
  row[ax] += (int)(sign * round(v));
  return s + 1;
}

static int parse_component(const char *s, const char *end, int row[3],
                           double *t) {
  char buf[128];
  size_t n = (size_t)(end - s);
  if (n >= sizeof buf) return -1;
  memcpy(buf, s, n);
  buf[n] = '\0';
  const char *p = skip_space(buf);
  if (!*p) return -1;
  row[0] = row[1] = row[2] = 0;
  *t = 0.0;
  while (*(p = skip_space(p)))
    if (!(p = read_term(p, row, t))) return -1;
  return 0;
}

int nacre_cif_parse_symop(const char *s, int rot[3][3], double trans[3]) {
  const char *p = s;
  for (int i = 0; i < 3; i++) {
    const char *end = strchr(p, ',');
    if (i < 2 && !end) return -1;
    if (i == 2) {
      if (end) return -1;
      end = p + strlen(p);
    }
    if (parse_component(p, end, rot[i], &trans[i])) return -1;
    p = end + 1;
  }
  return 0;
}

static void format_translation(double t, char *buf, size_t n) {
  static const int dens[] = {2, 3, 4, 6, 8, 12};
  for (int k = 0; k < 6; k++) {
    double num = t * dens[k];
    if (fabs(num - round(num)) < 1e-9) {
      long a = lround(num);
      if (a % dens[k] == 0) {
        snprintf(buf, n, "%+ld", a / dens[k]);
        return;
      }
      snprintf(buf, n, "%+ld/%d", a, dens[k]);
      return;
    }
  }
  snprintf(buf, n, "%+.17g", t);
}

void nacre_cif_format_symop(const int rot[3][3], const double trans[3], char *buf,
                      size_t n) {
  size_t used = 0;
  buf[0] = '\0';
  for (int i = 0; i < 3; i++) {
    char comp[128] = "";
    size_t c = 0;
    for (int j = 0; j < 3; j++) {
      int r = rot[i][j];
      if (!r) continue;
      const char *sign = r < 0 ? "-" : c ? "+" : "";
      if (abs(r) == 1)
        c += (size_t)snprintf(comp + c, sizeof comp - c, "%s%c", sign, "xyz"[j]);
      else
        c += (size_t)snprintf(comp + c, sizeof comp - c, "%s%d*%c", sign,
                              abs(r), "xyz"[j]);
    }
    /* an integer translation is a lattice vector: written as none */
    if (fabs(trans[i] - round(trans[i])) > 1e-9 || c == 0) {
      char t[40];
      format_translation(trans[i], t, sizeof t);
      snprintf(comp + c, sizeof comp - c, "%s", c ? t : (t[0] == '+' ? t + 1 : t));
    }
    used += (size_t)snprintf(buf + used, used < n ? n - used : 0, "%s%s",
                             i ? ", " : "", comp);
  }
}
