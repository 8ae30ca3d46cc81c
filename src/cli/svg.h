/* svg.h — line plots as standalone SVG files: panels stacked vertically,
 * sharing the x axis, each with its own y range and label. Output only. */
#ifndef NACRE_CLI_SVG_H
#define NACRE_CLI_SVG_H

#include <stdio.h>

typedef struct svg_series {
  const double *x, *y; /* n points; non-finite y values are skipped */
  int n;
  const char *label;   /* y-axis label of the panel */
} svg_series;

/* Writes npanels panels (one series each) with the common x label. */
void svg_plot(FILE *fp, const char *title, const char *xlabel,
              const svg_series *panels, int npanels);

#endif
