/* svg.c — the small SVG writer behind thermo's plots (hulls, voltages,
 * transitions, XRD patterns): panels mapping data onto pixels, axes with
 * "nice" ticks, lines, markers and escaped text. Internal to thermo/. */
#include <math.h>
#include <string.h>

#include "thermo_internal.h"

double svg_px(const svg_panel *p, double x) {
  double span = p->x1 - p->x0;
  return p->left + (span != 0.0 ? (x - p->x0) / span : 0.5) * p->width;
}

double svg_py(const svg_panel *p, double y) {
  double span = p->y1 - p->y0;
  return p->top + p->height - (span != 0.0 ? (y - p->y0) / span : 0.5) * p->height;
}

double svg_tick_step(double lo, double hi, int target) {
  double span = hi - lo;
  if (!(span > 0.0) || !isfinite(span)) return 1.0;
  double raw = span / (target > 0 ? target : 5);
  double mag = pow(10.0, floor(log10(raw)));
  double f = raw / mag;
  return mag * (f < 1.5 ? 1.0 : f < 3.5 ? 2.0 : f < 7.5 ? 5.0 : 10.0);
}

void svg_nice_range(double *lo, double *hi, int target) {
  if (!(*hi > *lo)) {
    double c = *lo, d = fabs(c) > 0 ? 0.1 * fabs(c) : 1.0;
    *lo = c - d;
    *hi = c + d;
  }
  double step = svg_tick_step(*lo, *hi, target);
  *lo = floor(*lo / step + 1e-9) * step;
  *hi = ceil(*hi / step - 1e-9) * step;
}

void svg_begin(FILE *fp, double width, double height) {
  fprintf(fp,
          "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
          "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" "
          "height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" "
          "font-family=\"Helvetica, Arial, sans-serif\">\n"
          "<rect x=\"0\" y=\"0\" width=\"%.0f\" height=\"%.0f\" fill=\"white\"/>\n",
          width, height, width, height, width, height);
}

void svg_end(FILE *fp) { fprintf(fp, "</svg>\n"); }

void svg_text(FILE *fp, double px, double py, const char *anchor, int size,
              const char *color, const char *text) {
  fprintf(fp,
          "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" font-size=\"%d\" "
          "fill=\"%s\">",
          px, py, anchor, size, color);
  for (const char *c = text; *c; c++) switch (*c) {
      case '<': fputs("&lt;", fp); break;
      case '>': fputs("&gt;", fp); break;
      case '&': fputs("&amp;", fp); break;
      case '"': fputs("&quot;", fp); break;
      default: fputc(*c, fp);
    }
  fputs("</text>\n", fp);
}

void svg_line_px(FILE *fp, double x0, double y0, double x1, double y1,
                 const char *color, double width, const char *dash) {
  fprintf(fp,
          "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
          "stroke=\"%s\" stroke-width=\"%.2f\"%s%s%s/>\n",
          x0, y0, x1, y1, color, width, dash ? " stroke-dasharray=\"" : "",
          dash ? dash : "", dash ? "\"" : "");
}

void svg_axes(FILE *fp, const svg_panel *p, const char *xfmt, const char *yfmt,
              const char *xlabel, const char *ylabel) {
  fprintf(fp,
          "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
          "fill=\"none\" stroke=\"black\" stroke-width=\"1\"/>\n",
          p->left, p->top, p->width, p->height);
  char buf[64];
  if (xfmt) {
    double step = svg_tick_step(p->x0, p->x1, 6);
    for (double t = ceil(p->x0 / step - 1e-9) * step; t <= p->x1 + 1e-9 * step;
         t += step) {
      double x = svg_px(p, t), y = p->top + p->height;
      svg_line_px(fp, x, y, x, y - 5, "black", 1, NULL);
      snprintf(buf, sizeof buf, xfmt, fabs(t) < 1e-12 * step ? 0.0 : t);
      svg_text(fp, x, y + 16, "middle", 12, "black", buf);
    }
  }
  if (yfmt) {
    double step = svg_tick_step(p->y0, p->y1, 5);
    for (double t = ceil(p->y0 / step - 1e-9) * step; t <= p->y1 + 1e-9 * step;
         t += step) {
      double y = svg_py(p, t);
      svg_line_px(fp, p->left, y, p->left + 5, y, "black", 1, NULL);
      snprintf(buf, sizeof buf, yfmt, fabs(t) < 1e-12 * step ? 0.0 : t);
      svg_text(fp, p->left - 6, y + 4, "end", 12, "black", buf);
    }
  }
  if (xlabel)
    svg_text(fp, p->left + p->width / 2, p->top + p->height + 36, "middle", 14,
             "black", xlabel);
  if (ylabel) {
    fprintf(fp,
            "<g transform=\"translate(%.1f,%.1f) rotate(-90)\">\n",
            p->left - 56, p->top + p->height / 2);
    svg_text(fp, 0, 0, "middle", 14, "black", ylabel);
    fputs("</g>\n", fp);
  }
}

void svg_polyline(FILE *fp, const svg_panel *p, const double *x,
                  const double *y, int n, const char *color, double width,
                  const char *dash) {
  if (n < 2) return;
  fputs("<polyline fill=\"none\" points=\"", fp);
  for (int i = 0; i < n; i++)
    fprintf(fp, "%s%.2f,%.2f", i ? " " : "", svg_px(p, x[i]), svg_py(p, y[i]));
  fprintf(fp, "\" stroke=\"%s\" stroke-width=\"%.2f\"%s%s%s/>\n", color, width,
          dash ? " stroke-dasharray=\"" : "", dash ? dash : "",
          dash ? "\"" : "");
}

void svg_circle(FILE *fp, double px, double py, double r, const char *fill,
                const char *stroke) {
  fprintf(fp,
          "<circle cx=\"%.2f\" cy=\"%.2f\" r=\"%.1f\" fill=\"%s\" "
          "stroke=\"%s\"/>\n",
          px, py, r, fill, stroke ? stroke : "none");
}
