/* thermo_internal.h — helpers shared inside src/thermo: a stable sort of
 * indices by rows of a matrix, and the small SVG writer behind the plots.
 * Internal to thermo/. */
#ifndef NACRE_THERMO_INTERNAL_H
#define NACRE_THERMO_INTERNAL_H

#include <stdio.h>

#include "nacre/core.h"

/* Sorts idx[0..n) stably by the rows x[idx·ncols .. +ncols) under cmp
 * (merge sort; no global state). */
void thermo_sort_indices(int *idx, int n, const double *x, int ncols,
                         int (*cmp)(const double *a, const double *b,
                                    int ncols));

/* X⁻¹ of lower facet f of a hull (nel × nel, row-major; X has the
 * vertices' atom fractions as rows, so λ = x · X⁻¹). */
struct nacre_hull;
const double *thermo_hull_inverse(const struct nacre_hull *h, int f);
/* Formation energy per atom of entry i. */
double thermo_hull_formation(const struct nacre_hull *h, int i);

/* ---- SVG ---------------------------------------------------------- */

/* A plot panel: data ranges mapped onto a pixel box. */
typedef struct svg_panel {
  double x0, x1, y0, y1;       /* data range */
  double left, top, width, height; /* pixel box */
} svg_panel;

double svg_px(const svg_panel *p, double x);
double svg_py(const svg_panel *p, double y);
/* "Nice" tick step for a range (1, 2 or 5 times a power of ten) for about
 * `target` ticks. */
double svg_tick_step(double lo, double hi, int target);
/* Rounds a range outwards to multiples of the tick step. */
void svg_nice_range(double *lo, double *hi, int target);

void svg_begin(FILE *fp, double width, double height);
void svg_end(FILE *fp);
/* Frame, ticks with labels (printf formats) and axis titles. */
void svg_axes(FILE *fp, const svg_panel *p, const char *xfmt, const char *yfmt,
              const char *xlabel, const char *ylabel);
void svg_polyline(FILE *fp, const svg_panel *p, const double *x,
                  const double *y, int n, const char *color, double width,
                  const char *dash);
void svg_circle(FILE *fp, double px, double py, double r, const char *fill,
                const char *stroke);
/* Text with XML special characters escaped; anchor "start", "middle",
 * "end". */
void svg_text(FILE *fp, double px, double py, const char *anchor, int size,
              const char *color, const char *text);
void svg_line_px(FILE *fp, double x0, double y0, double x1, double y1,
                 const char *color, double width, const char *dash);

/* Opens path for an atomic write (path.tmp.PID renamed over path by
 * thermo_file_commit); the error names the file. */
FILE *thermo_file_open(const char *path, char **tmp, nacre_error *err);
nacre_status thermo_file_commit(FILE *fp, const char *path, char *tmp,
                                nacre_error *err);

#endif
