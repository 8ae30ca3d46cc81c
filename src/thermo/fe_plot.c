/* fe_plot.c — the figures of a free-energy study: G(T) of every phase
 * relative to one of them at each pressure, with bands of two standard
 * errors and the crossings marked (gibbs.svg), and the phase of lowest G
 * on the (P, T) grid (phase_map.svg). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "fe_internal.h"
#include "thermo_internal.h"

static const char *const colors[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd",
                                     "#ff7f0e", "#8c564b", "#e377c2", "#17becf"};
#define NCOLORS 8

/* The phase G is measured from at pressure index ip: the first with
 * values there. */
static int baseline(const nacre_fe_study *s, int ip) {
  for (int p = 0; p < s->nphases; p++) {
    double lo = 0;
    if (!s->phases[p].points) continue;
    for (int it = 0; it < s->ntemperatures; it++)
      if (s->phases[p].points[it * s->npressures + ip].valid) return p;
    (void)lo;
  }
  return -1;
}

static void gibbs_panel(FILE *fp, const nacre_fe_study *s, int ip, double top,
                        double height) {
  int ref = baseline(s, ip);
  const int nsamp = 120;
  double t0 = s->temperatures_k[0], t1 = s->temperatures_k[s->ntemperatures - 1];
  if (!(t1 > t0)) t1 = t0 + 1.0;
  double ylo = INFINITY, yhi = -INFINITY;
  static double x[121], y[121], e[121];
  /* ranges first */
  for (int p = 0; ref >= 0 && p < s->nphases; p++)
    for (int k = 0; k <= nsamp; k++) {
      double t = t0 + (t1 - t0) * k / nsamp, g, sg, gr, sr;
      if (nacre_fe_gibbs_at(s, p, ip, t, &g, &sg, NULL) ||
          nacre_fe_gibbs_at(s, ref, ip, t, &gr, &sr, NULL))
        continue;
      double d = 1e3 * (g - gr), band = p == ref ? 2e3 * sr : 2e3 * hypot(sg, sr);
      ylo = fmin(ylo, d - band);
      yhi = fmax(yhi, d + band);
    }
  if (!(yhi >= ylo)) ylo = -1, yhi = 1;
  svg_nice_range(&ylo, &yhi, 5);
  svg_panel pn = {t0, t1, ylo, yhi, 90, top, 560, height};
  char title[160];
  snprintf(title, sizeof title, "P = %g GPa", s->pressures_gpa[ip]);
  svg_axes(fp, &pn, "%g", "%g", "temperature (K)",
           ref >= 0 ? "G − G_ref (meV/atom)" : NULL);
  svg_text(fp, pn.left + 8, top + 16, "start", 12, "black", title);
  for (int p = 0; ref >= 0 && p < s->nphases; p++) {
    int n = 0;
    for (int k = 0; k <= nsamp; k++) {
      double t = t0 + (t1 - t0) * k / nsamp, g, sg, gr, sr;
      if (nacre_fe_gibbs_at(s, p, ip, t, &g, &sg, NULL) ||
          nacre_fe_gibbs_at(s, ref, ip, t, &gr, &sr, NULL))
        continue;
      x[n] = t;
      y[n] = 1e3 * (g - gr);
      e[n] = p == ref ? 2e3 * sr : 2e3 * hypot(sg, sr);
      n++;
    }
    if (n < 2) continue;
    const char *c = colors[p % NCOLORS];
    /* the band of two standard errors */
    fprintf(fp, "<polygon fill=\"%s\" fill-opacity=\"0.18\" stroke=\"none\" points=\"", c);
    for (int k = 0; k < n; k++) fprintf(fp, "%.2f,%.2f ", svg_px(&pn, x[k]), svg_py(&pn, y[k] + e[k]));
    for (int k = n - 1; k >= 0; k--) fprintf(fp, "%.2f,%.2f ", svg_px(&pn, x[k]), svg_py(&pn, y[k] - e[k]));
    fputs("\"/>\n", fp);
    svg_polyline(fp, &pn, x, y, n, c, 2.0,
                 s->phases[p].kind == NACRE_FE_LIQUID ? "6,3" : NULL);
    /* the grid points */
    for (int it = 0; it < s->ntemperatures; it++) {
      double g, sg, gr, sr, t = s->temperatures_k[it];
      if (!s->phases[p].points[it * s->npressures + ip].valid) continue;
      if (nacre_fe_gibbs_at(s, p, ip, t, &g, &sg, NULL) ||
          nacre_fe_gibbs_at(s, ref, ip, t, &gr, &sr, NULL))
        continue;
      svg_circle(fp, svg_px(&pn, t), svg_py(&pn, 1e3 * (g - gr)), 2.5, c, NULL);
    }
  }
  for (int k = 0; k < s->ncrossings; k++) {
    const nacre_fe_crossing *c = &s->crossings[k];
    if (c->pressure_index != ip) continue;
    double px = svg_px(&pn, c->temperature_k);
    svg_line_px(fp, px, pn.top, px, pn.top + pn.height, "#555555", 1.0, "3,3");
    char lab[96];
    snprintf(lab, sizeof lab, "%.0f ± %.0f K", c->temperature_k,
             isfinite(c->temperature_stderr_k) ? c->temperature_stderr_k : 0.0);
    svg_text(fp, px + 3, pn.top + pn.height - 6, "start", 10, "#555555", lab);
  }
  /* legend */
  for (int p = 0; p < s->nphases; p++) {
    double ly = top + 16 + 16 * p;
    const char *c = colors[p % NCOLORS];
    svg_line_px(fp, 665, ly - 4, 690, ly - 4, c, 2.0,
                s->phases[p].kind == NACRE_FE_LIQUID ? "6,3" : NULL);
    char lab[96];
    snprintf(lab, sizeof lab, "%s%s", s->phases[p].name,
             strcmp(s->phases[p].status, "ok") ? " (no G)" : "");
    svg_text(fp, 696, ly, "start", 12, "black", lab);
  }
}

nacre_status fe_plot_gibbs(const char *path, const nacre_fe_study *s,
                           nacre_error *err) {
  int npan = s->npressures < 6 ? s->npressures : 6;
  double ph = 260, h = 40 + npan * (ph + 60);
  char *tmp;
  FILE *fp = thermo_file_open(path, &tmp, err);
  if (!fp) return err ? err->status : NACRE_ERR_IO;
  svg_begin(fp, 820, h);
  for (int k = 0; k < npan; k++) {
    int ip = npan == s->npressures ? k : (int)lround((double)k * (s->npressures - 1) / (npan - 1));
    gibbs_panel(fp, s, ip, 30 + k * (ph + 60), ph);
  }
  svg_end(fp);
  return thermo_file_commit(fp, path, tmp, err);
}

nacre_status fe_plot_phase_map(const char *path, const nacre_fe_study *s,
                               nacre_error *err) {
  char *tmp;
  FILE *fp = thermo_file_open(path, &tmp, err);
  if (!fp) return err ? err->status : NACRE_ERR_IO;
  int nt = s->ntemperatures, np = s->npressures;
  double p0 = s->pressures_gpa[0], p1 = s->pressures_gpa[np - 1];
  double t0 = s->temperatures_k[0], t1 = s->temperatures_k[nt - 1];
  double dp = np > 1 ? (p1 - p0) / (np - 1) : 1.0, dt = nt > 1 ? (t1 - t0) / (nt - 1) : 1.0;
  svg_begin(fp, 820, 520);
  svg_panel pn = {p0 - dp / 2, p1 + dp / 2, t0 - dt / 2, t1 + dt / 2, 90, 30, 560, 420};
  for (int it = 0; it < nt; it++)
    for (int ip = 0; ip < np; ip++) {
      int l = s->lowest[it * np + ip];
      if (l < 0) continue;
      /* each point's cell reaches halfway to its neighbours */
      double pa = ip > 0 ? 0.5 * (s->pressures_gpa[ip - 1] + s->pressures_gpa[ip]) : pn.x0;
      double pb = ip < np - 1 ? 0.5 * (s->pressures_gpa[ip] + s->pressures_gpa[ip + 1]) : pn.x1;
      double ta = it > 0 ? 0.5 * (s->temperatures_k[it - 1] + s->temperatures_k[it]) : pn.y0;
      double tb = it < nt - 1 ? 0.5 * (s->temperatures_k[it] + s->temperatures_k[it + 1]) : pn.y1;
      fprintf(fp,
              "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"%s\" "
              "fill-opacity=\"%s\"/>\n",
              svg_px(&pn, pa), svg_py(&pn, tb), svg_px(&pn, pb) - svg_px(&pn, pa),
              svg_py(&pn, ta) - svg_py(&pn, tb), colors[l % NCOLORS],
              s->lowest_certain[it * np + ip] ? "0.75" : "0.3");
    }
  svg_axes(fp, &pn, "%g", "%g", "pressure (GPa)", "temperature (K)");
  for (int p = 0; p < s->nphases; p++) {
    double ly = 46 + 18 * p;
    fprintf(fp, "<rect x=\"665\" y=\"%.1f\" width=\"14\" height=\"12\" fill=\"%s\" fill-opacity=\"0.75\"/>\n",
            ly - 10, colors[p % NCOLORS]);
    svg_text(fp, 685, ly, "start", 12, "black", s->phases[p].name);
  }
  svg_text(fp, 665, 46 + 18 * s->nphases + 10, "start", 10, "#555555",
           "pale: within 2 standard errors");
  svg_end(fp);
  return thermo_file_commit(fp, path, tmp, err);
}
