/* plot.c — one SVG figure of a model on a table: for a 1-D classifier the
 * descriptor axis with each class in its own band and the threshold; for
 * two descriptors and classes the plane with the linear boundary; for a
 * regression or ranking the prediction against the target. The axis range
 * covers the 1st to 99th percentile of the values (and the threshold), so
 * a few extreme rows do not squeeze the rest; rows beyond it are drawn as
 * triangles on the edge. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fit_internal.h"

enum { W = 760, H = 420, LEFT = 70, RIGHT = 20, TOP = 60, BOTTOM = 60 };

static const char *const class_colors[] = {"#d62728", "#1f77b4", "#2ca02c", "#9467bd",
                                           "#ff7f0e", "#8c564b"};

typedef struct axis {
  double lo, hi;
} axis;

static int cmp_d(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* 1st to 99th percentile, widened by 5 % and to include `also` (NAN: none). */
static axis robust_axis(int n, const double *v, double also) {
  double *s = malloc((size_t)n * sizeof *s);
  axis a = {0, 1};
  int m = 0;
  if (!s) return a;
  for (int i = 0; i < n; i++)
    if (isfinite(v[i])) s[m++] = v[i];
  if (!m) {
    free(s);
    return a;
  }
  qsort(s, (size_t)m, sizeof *s, cmp_d);
  a.lo = s[(int)(0.01 * (m - 1))];
  a.hi = s[(int)ceil(0.99 * (m - 1))];
  free(s);
  if (isfinite(also)) {
    a.lo = fmin(a.lo, also);
    a.hi = fmax(a.hi, also);
  }
  double pad = a.hi > a.lo ? 0.05 * (a.hi - a.lo) : (fabs(a.lo) > 0 ? 0.1 * fabs(a.lo) : 1);
  a.lo -= pad;
  a.hi += pad;
  return a;
}

static double px(const axis *a, double v) {
  return LEFT + (v - a->lo) / (a->hi - a->lo) * (W - LEFT - RIGHT);
}
static double py(const axis *a, double v) {
  return H - BOTTOM - (v - a->lo) / (a->hi - a->lo) * (H - TOP - BOTTOM);
}

static void text(FILE *f, double x, double y, const char *anchor, int size, const char *t) {
  fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" font-size=\"%d\">", x, y, anchor,
          size);
  for (const char *c = t; *c; c++) switch (*c) {
      case '<': fputs("&lt;", f); break;
      case '>': fputs("&gt;", f); break;
      case '&': fputs("&amp;", f); break;
      default: fputc(*c, f);
    }
  fputs("</text>\n", f);
}

/* Ticks along the x (horizontal) or y axis at "nice" steps. */
static void ticks(FILE *f, const axis *a, int horizontal) {
  double span = a->hi - a->lo, raw = span / 6, mag = pow(10, floor(log10(raw))), r = raw / mag;
  double step = mag * (r < 1.5 ? 1 : r < 3.5 ? 2 : r < 7.5 ? 5 : 10);
  for (double t = ceil(a->lo / step) * step; t <= a->hi + 1e-9 * span; t += step) {
    char lab[32];
    snprintf(lab, sizeof lab, "%g", fabs(t) < 1e-12 * span ? 0.0 : t);
    if (horizontal) {
      double x = px(a, t);
      fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#000\"/>\n", x,
              H - BOTTOM, x, H - BOTTOM + 5);
      text(f, x, H - BOTTOM + 18, "middle", 12, lab);
    } else {
      double y = py(a, t);
      fprintf(f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#000\"/>\n",
              LEFT - 5, y, LEFT, y);
      text(f, LEFT - 8, y + 4, "end", 12, lab);
    }
  }
}

/* A point, or a triangle on the edge when it lies outside. */
static void point(FILE *f, const axis *ax, const axis *ay, double x, double y,
                  const char *color, int hollow) {
  double cx = px(ax, fmin(fmax(x, ax->lo), ax->hi)), cy = py(ay, fmin(fmax(y, ay->lo), ay->hi));
  const char *fill = hollow ? "none" : color;
  if (x < ax->lo || x > ax->hi || y < ay->lo || y > ay->hi) {
    double s = 4;
    fprintf(f, "<path d=\"M%.1f %.1f l%.1f %.1f l%.1f 0 z\" fill=\"%s\" stroke=\"%s\"/>\n",
            cx, cy - s, s, 2 * s, -2 * s, fill, color);
  } else {
    fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\" stroke=\"%s\" "
               "fill-opacity=\"0.6\"/>\n",
            cx, cy, fill, color);
  }
}

static void frame(FILE *f, const char *title, const char *subtitle, const char *xlabel,
                  const char *ylabel) {
  fprintf(f,
          "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
          "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
          "viewBox=\"0 0 %d %d\" font-family=\"Helvetica, Arial, sans-serif\">\n"
          "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>\n"
          "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#000\"/>\n",
          W, H, W, H, W, H, LEFT, TOP, W - LEFT - RIGHT, H - TOP - BOTTOM);
  text(f, W / 2.0, 22, "middle", 14, title);
  text(f, W / 2.0, 42, "middle", 12, subtitle);
  text(f, (LEFT + W - RIGHT) / 2.0, H - 18, "middle", 13, xlabel);
  fprintf(f, "<g transform=\"translate(18 %d) rotate(-90)\">", (TOP + H - BOTTOM) / 2);
  text(f, 0, 0, "middle", 13, ylabel);
  fputs("</g>\n", f);
}

static int class_of(const nacre_fit_model *m, double label) {
  for (int c = 0; c < m->nclass; c++)
    if (m->classes[c] == label) return c;
  return 0;
}

/* 1-D classifier: bands by true class, jittered; wrong predictions hollow. */
static void strip(FILE *f, const nacre_fit_model *m, int n, const double *d, const double *y,
                  const double *pred, const char *subtitle) {
  double thr = m->predictor == NACRE_FIT_PREDICT_THRESHOLD ? m->thr.threshold : NAN;
  axis ax = robust_axis(n, d, thr), ay = {-0.5, m->nclass - 0.5};
  char xl[FIT_TEXT_MAX + 32];
  snprintf(xl, sizeof xl, "%s", m->desc[0]);
  frame(f, m->target ? m->target : "class", subtitle, xl, "class (rows jittered)");
  ticks(f, &ax, 1);
  for (int c = 0; c < m->nclass; c++) {
    char lab[32];
    snprintf(lab, sizeof lab, "%g", m->classes[c]);
    text(f, LEFT - 8, py(&ay, c) + 4, "end", 12, lab);
  }
  nacre_rng rng;
  nacre_rng_init(&rng, 1, 0);
  for (int i = 0; i < n; i++) {
    int c = class_of(m, y[i]);
    double jitter = 0.35 * (2 * nacre_rng_uniform(&rng) - 1);
    point(f, &ax, &ay, d[i], c + jitter, class_colors[c % 6], pred[i] != y[i]);
  }
  if (isfinite(thr))
    fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#000\" "
               "stroke-dasharray=\"6 4\"/>\n",
            px(&ax, thr), TOP, px(&ax, thr), H - BOTTOM);
}

/* Two descriptors, classes: the plane and the linear boundary. */
static void plane(FILE *f, const nacre_fit_model *m, int n, const double *d, const double *y,
                  const double *pred, const char *subtitle) {
  axis ax = robust_axis(n, d, NAN), ay = robust_axis(n, d + n, NAN);
  frame(f, m->target ? m->target : "class", subtitle, m->desc[0], m->desc[1]);
  ticks(f, &ax, 1);
  ticks(f, &ay, 0);
  for (int i = 0; i < n; i++) {
    int c = class_of(m, y[i]);
    point(f, &ax, &ay, d[i], d[n + i], class_colors[c % 6], pred[i] != y[i]);
  }
  double w[2], b, lp, ln;
  if (fit_model_svc_boundary(m, w, &b, &lp, &ln) && w[1] != 0) {
    /* w0·x + w1·y + b = 0 across the panel */
    double x0 = ax.lo, x1 = ax.hi, y0 = -(w[0] * x0 + b) / w[1], y1 = -(w[0] * x1 + b) / w[1];
    fprintf(f, "<clipPath id=\"panel\"><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"/>"
               "</clipPath>\n",
            LEFT, TOP, W - LEFT - RIGHT, H - TOP - BOTTOM);
    fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#000\" "
               "stroke-dasharray=\"6 4\" clip-path=\"url(#panel)\"/>\n",
            px(&ax, x0), py(&ay, y0), px(&ax, x1), py(&ay, y1));
  }
}

/* Prediction against target, with the diagonal. */
static void parity(FILE *f, const nacre_fit_model *m, int n, const double *y, const double *pred,
                   const char *subtitle) {
  double *both = malloc(2 * (size_t)n * sizeof *both);
  if (!both) return;
  memcpy(both, y, (size_t)n * sizeof *y);
  memcpy(both + n, pred, (size_t)n * sizeof *pred);
  axis a = robust_axis(2 * n, both, NAN);
  free(both);
  const char *t = m->target ? m->target : "target";
  char xl[256];
  snprintf(xl, sizeof xl, "%s (table)", t);
  frame(f, t, subtitle, xl, m->predictor == NACRE_FIT_PREDICT_RANK ? "rank score" : "predicted");
  axis ay = a;
  if (m->predictor == NACRE_FIT_PREDICT_RANK) ay = robust_axis(n, pred, NAN);
  ticks(f, &a, 1);
  ticks(f, &ay, 0);
  if (m->predictor != NACRE_FIT_PREDICT_RANK)
    fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#888\"/>\n",
            px(&a, a.lo), py(&ay, a.lo), px(&a, a.hi), py(&ay, a.hi));
  for (int i = 0; i < n; i++) point(f, &a, &ay, y[i], pred[i], class_colors[1], 0);
}

nacre_status nacre_fit_model_plot(const nacre_fit_model *m, const nacre_table *t,
                                  const char *path, nacre_error *err) {
  const int n = nacre_table_rows(t);
  int tc = m->target ? nacre_table_find(t, m->target) : -1;
  if (tc < 0)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "a plot compares with the target: %s has no column '%s'",
                           nacre_table_source(t), m->target ? m->target : "(none)");
  double *y = malloc(((size_t)n + 1) * sizeof *y), *pred = malloc(((size_t)n + 1) * sizeof *pred);
  double *cols = malloc(((size_t)m->ncolumns * n + 1) * sizeof *cols);
  double *d = malloc(((size_t)m->ndesc * n + 1) * sizeof *d);
  nacre_status st = NACRE_OK;
  FILE *f = NULL;
  if (!y || !pred || !cols || !d) {
    st = nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
    goto done;
  }
  st = nacre_table_numeric(t, tc, y, err);
  for (int k = 0; k < m->ncolumns && !st; k++) {
    int c = nacre_table_find(t, m->columns[k]);
    if (c < 0)
      st = nacre_error_set(err, NACRE_ERR_INVALID, "%s has no column '%s'",
                           nacre_table_source(t), m->columns[k]);
    else st = nacre_table_numeric(t, c, cols + (size_t)k * n, err);
  }
  if (!st) st = fit_model_descriptor_values(m, n, cols, d, err);
  if (!st) st = nacre_fit_model_predict_values(m, n, d, pred, err);
  if (st) goto done;
  char rule[1024], subtitle[1200];
  nacre_fit_model_rule(m, rule, sizeof rule);
  nacre_fit_eval ev;
  if (m->classification) {
    nacre_fit_eval_classification(n, pred, y, &ev);
    snprintf(subtitle, sizeof subtitle, "%s — %.1f %% of %d rows right", rule,
             100 * ev.accuracy, n);
  } else {
    nacre_fit_eval_regression(n, pred, y, &ev);
    if (m->predictor == NACRE_FIT_PREDICT_RANK)
      snprintf(subtitle, sizeof subtitle, "Kendall τ %.3f over %d rows", ev.kendall_tau, n);
    else snprintf(subtitle, sizeof subtitle, "RMSE %.4g over %d rows", ev.rmse, n);
  }
  f = fopen(path, "w");
  if (!f) {
    st = nacre_error_set(err, NACRE_ERR_IO, "cannot write %s", path);
    goto done;
  }
  if (m->classification && m->ndesc == 1) strip(f, m, n, d, y, pred, subtitle);
  else if (m->classification && m->ndesc == 2) plane(f, m, n, d, y, pred, subtitle);
  else parity(f, m, n, y, pred, subtitle);
  fputs("</svg>\n", f);
  if (fclose(f)) st = nacre_error_set(err, NACRE_ERR_IO, "cannot write %s", path);
done:
  free(y);
  free(pred);
  free(cols);
  free(d);
  return st;
}
