/* svg.c — standalone SVG line plots (see svg.h). */
#include "svg.h"

#include <math.h>

enum { W = 720, PH = 180, ML = 90, MR = 20, MT = 40, GAP = 30, MB = 50 };

static void range(const double *v, int n, double *lo, double *hi) {
  *lo = INFINITY;
  *hi = -INFINITY;
  for (int k = 0; k < n; k++)
    if (isfinite(v[k])) {
      if (v[k] < *lo) *lo = v[k];
      if (v[k] > *hi) *hi = v[k];
    }
  if (!(*hi >= *lo)) *lo = *hi = 0.0;
  if (*hi - *lo < 1e-12 * (fabs(*hi) + 1e-300)) {
    double pad = fabs(*hi) > 0 ? 1e-3 * fabs(*hi) : 1.0;
    *lo -= pad;
    *hi += pad;
  }
}

static void escape(FILE *fp, const char *s) {
  for (; s && *s; s++) {
    if (*s == '<') fputs("&lt;", fp);
    else if (*s == '>') fputs("&gt;", fp);
    else if (*s == '&') fputs("&amp;", fp);
    else fputc(*s, fp);
  }
}

static void panel(FILE *fp, const svg_series *p, double x0, double x1,
                  int top, int last, const char *xlabel) {
  double y0, y1;
  range(p->y, p->n, &y0, &y1);
  int pw = W - ML - MR;
  fprintf(fp, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" "
              "stroke=\"#444\"/>\n",
          ML, top, pw, PH);
  for (int t = 0; t <= 4; t++) {
    double fy = t / 4.0, vy = y0 + fy * (y1 - y0);
    double py = top + PH - fy * PH;
    fprintf(fp, "<text x=\"%d\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\">%.6g</text>\n",
            ML - 4, py + 4, vy);
    if (last) {
      double vx = x0 + fy * (x1 - x0), px = ML + fy * pw;
      fprintf(fp, "<text x=\"%.1f\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\">%.6g</text>\n",
              px, top + PH + 15, vx);
    }
  }
  fprintf(fp, "<text x=\"14\" y=\"%d\" font-size=\"12\" transform=\"rotate(-90 14 %d)\" "
              "text-anchor=\"middle\">",
          top + PH / 2, top + PH / 2);
  escape(fp, p->label);
  fprintf(fp, "</text>\n<polyline fill=\"none\" stroke=\"#1f5fa8\" stroke-width=\"1\" points=\"");
  for (int k = 0; k < p->n; k++) {
    if (!isfinite(p->y[k]) || !isfinite(p->x[k])) continue;
    double px = ML + (p->x[k] - x0) / (x1 - x0) * pw;
    double py = top + PH - (p->y[k] - y0) / (y1 - y0) * PH;
    fprintf(fp, "%.2f,%.2f ", px, py);
  }
  fprintf(fp, "\"/>\n");
  if (last) {
    fprintf(fp, "<text x=\"%d\" y=\"%d\" font-size=\"12\" text-anchor=\"middle\">",
            ML + pw / 2, top + PH + 35);
    escape(fp, xlabel);
    fprintf(fp, "</text>\n");
  }
}

void svg_plot(FILE *fp, const char *title, const char *xlabel,
              const svg_series *panels, int npanels) {
  int h = MT + npanels * PH + (npanels - 1) * GAP + MB;
  double x0 = INFINITY, x1 = -INFINITY;
  for (int k = 0; k < npanels; k++) {
    double lo, hi;
    range(panels[k].x, panels[k].n, &lo, &hi);
    if (lo < x0) x0 = lo;
    if (hi > x1) x1 = hi;
  }
  if (!(x1 > x0)) x1 = x0 + 1.0;
  fprintf(fp, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
              "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
              "font-family=\"sans-serif\">\n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
              "<text x=\"%d\" y=\"24\" font-size=\"14\" text-anchor=\"middle\">",
          W, h, W / 2);
  escape(fp, title);
  fprintf(fp, "</text>\n");
  for (int k = 0; k < npanels; k++)
    panel(fp, &panels[k], x0, x1, MT + k * (PH + GAP), k == npanels - 1, xlabel);
  fprintf(fp, "</svg>\n");
}
