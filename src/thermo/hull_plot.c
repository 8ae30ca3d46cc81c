/* hull_plot.c — SVG plots of hulls and voltage profiles: a binary hull
 * (formation energy against composition, the hull line through the stable
 * phases, and a lower panel of energies above the hull), a ternary hull (a
 * Gibbs triangle with tie lines of the lower facets, unstable entries
 * coloured by their energy above the hull) and a voltage staircase. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nacre/thermo.h"
#include "thermo_internal.h"

static const char *label_of(const char *const *labels, int i, char *buf,
                            size_t n) {
  if (labels && labels[i]) return labels[i];
  snprintf(buf, n, "%d", i + 1);
  return buf;
}

/* Colour for an energy above the hull: green (0) → orange → red (≥ emax). */
static void above_colour(double e, double emax, char out[16]) {
  double t = emax > 0 ? fmin(1.0, fmax(0.0, e / emax)) : 0.0;
  int r = (int)(60 + 195 * t), g = (int)(170 - 120 * t), b = (int)(80 - 40 * t);
  snprintf(out, 16, "#%02x%02x%02x", r, g, b);
}

static int cmp_x(const void *a, const void *b) {
  const double *x = a, *y = b;
  return (x[0] > y[0]) - (x[0] < y[0]);
}

static void binary(FILE *fp, const nacre_hull *h, const char *const *labels,
                   const char *const *el) {
  int n = nacre_hull_nentries(h);
  double fmin_ = 0.0, fmax_ = 0.0, amax = 0.0;
  for (int i = 0; i < n; i++) {
    const nacre_hull_point *p = nacre_hull_entry(h, i);
    fmin_ = fmin(fmin_, p->formation_per_atom_ev);
    amax = fmax(amax, p->e_above_hull_per_atom_ev * 1000);
  }
  /* show the hull and entries up to a third of the hull's depth above 0,
   * so far-away entries do not flatten the hull */
  double depth = fmax(-fmin_, 0.05);
  fmax_ = depth / 3;
  double y0 = fmin_ - 0.08 * depth, y1 = fmax_;
  svg_nice_range(&y0, &y1, 6);
  svg_panel top = {0, 1, y0, y1, 90, 40, 620, 330};
  char xl[96], buf[32];
  snprintf(xl, sizeof xl, "x in %s(1-x)%s(x)", el ? el[0] : "A",
           el ? el[1] : "B");
  svg_axes(fp, &top, "%.1f", "%.2f", NULL, "formation energy (eV/atom)");
  double zx[2] = {0, 1}, zy[2] = {0, 0};
  svg_polyline(fp, &top, zx, zy, 2, "#999999", 1, "4,3");
  int ns = nacre_hull_nstable(h);
  double *xy = malloc(2 * (size_t)(ns ? ns : 1) * sizeof *xy);
  double *hx = malloc((size_t)(ns ? ns : 1) * sizeof *hx);
  double *hy = malloc((size_t)(ns ? ns : 1) * sizeof *hy);
  if (xy && hx && hy) {
    for (int k = 0; k < ns; k++) {
      int i = nacre_hull_stable(h, k);
      xy[2 * k] = nacre_hull_fractions(h, i)[1];
      xy[2 * k + 1] = nacre_hull_entry(h, i)->formation_per_atom_ev;
    }
    qsort(xy, (size_t)ns, 2 * sizeof *xy, cmp_x);
    for (int k = 0; k < ns; k++) {
      hx[k] = xy[2 * k];
      hy[k] = xy[2 * k + 1];
    }
    svg_polyline(fp, &top, hx, hy, ns, "#1f4e9e", 2, NULL);
  }
  for (int i = 0; i < n; i++) {
    const nacre_hull_point *p = nacre_hull_entry(h, i);
    double f = p->formation_per_atom_ev;
    if (f > y1 || f < y0) continue;
    double x = nacre_hull_fractions(h, i)[1];
    double px = svg_px(&top, x), py = svg_py(&top, f);
    if (p->stable) {
      /* labels of neighbouring stable phases alternate below and above
       * the hull so that close ones stay readable */
      int rank = 0;
      for (int k = 0; k < ns; k++) rank += hx && hx[k] < x - 1e-12;
      svg_circle(fp, px, py, 5, "#1f4e9e", "black");
      svg_text(fp, px, rank % 2 ? py - 10 : py + 18, "middle", 11, "black",
               label_of(labels, i, buf, sizeof buf));
    } else {
      char c[16];
      above_colour(p->e_above_hull_per_atom_ev, 0.1, c);
      svg_circle(fp, px, py, 3, c, NULL);
    }
  }
  /* lower panel: energy above the hull, meV/atom */
  double a1 = fmax(amax * 1.05, 10.0), a0 = 0.0;
  a1 = fmin(a1, 300.0);
  svg_nice_range(&a0, &a1, 4);
  svg_panel bot = {0, 1, a0, a1, 90, 400, 620, 140};
  svg_axes(fp, &bot, "%.1f", "%.0f", xl, "above hull (meV/atom)");
  for (int i = 0; i < n; i++) {
    const nacre_hull_point *p = nacre_hull_entry(h, i);
    double e = p->e_above_hull_per_atom_ev * 1000;
    if (e > a1) continue;
    char c[16];
    above_colour(p->e_above_hull_per_atom_ev, 0.1, c);
    svg_circle(fp, svg_px(&bot, nacre_hull_fractions(h, i)[1]), svg_py(&bot, e),
               p->stable ? 4 : 3, p->stable ? "#1f4e9e" : c, NULL);
  }
  free(xy);
  free(hx);
  free(hy);
}

/* Gibbs triangle: element 0 bottom left, 1 bottom right, 2 on top. */
static void tri_xy(const double *x, double side, double ox, double oy,
                   double *px, double *py) {
  *px = ox + side * (x[1] + 0.5 * x[2]);
  *py = oy - side * (sqrt(3.0) / 2) * x[2];
}

static void ternary(FILE *fp, const nacre_hull *h, const char *const *labels,
                    const char *const *el) {
  const double side = 560, ox = 80, oy = 560;
  double corner[3][3] = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
  double cx[3], cy[3];
  for (int k = 0; k < 3; k++) tri_xy(corner[k], side, ox, oy, &cx[k], &cy[k]);
  for (int k = 0; k < 3; k++)
    svg_line_px(fp, cx[k], cy[k], cx[(k + 1) % 3], cy[(k + 1) % 3], "black", 1.5,
                NULL);
  const char *def[3] = {"A", "B", "C"};
  svg_text(fp, cx[0] - 8, cy[0] + 20, "end", 16, "black", el ? el[0] : def[0]);
  svg_text(fp, cx[1] + 8, cy[1] + 20, "start", 16, "black", el ? el[1] : def[1]);
  svg_text(fp, cx[2], cy[2] - 12, "middle", 16, "black", el ? el[2] : def[2]);
  /* tie lines: edges of the lower facets */
  for (int f = 0; f < nacre_hull_nfacets(h); f++) {
    const int *v = nacre_hull_facet(h, f);
    for (int a = 0; a < 3; a++) {
      double x0, y0, x1, y1;
      tri_xy(nacre_hull_fractions(h, v[a]), side, ox, oy, &x0, &y0);
      tri_xy(nacre_hull_fractions(h, v[(a + 1) % 3]), side, ox, oy, &x1, &y1);
      svg_line_px(fp, x0, y0, x1, y1, "#1f4e9e", 1.2, NULL);
    }
  }
  char buf[32];
  for (int pass = 0; pass < 2; pass++)
    for (int i = 0; i < nacre_hull_nentries(h); i++) {
      const nacre_hull_point *p = nacre_hull_entry(h, i);
      if (p->stable != pass) continue;
      double px, py;
      tri_xy(nacre_hull_fractions(h, i), side, ox, oy, &px, &py);
      const double *x = nacre_hull_fractions(h, i);
      int corner = x[0] == 1.0 || x[1] == 1.0 || x[2] == 1.0;
      if (p->stable) {
        svg_circle(fp, px, py, 5, "#1f4e9e", "black");
        if (!corner) /* the corners carry the element names */
          svg_text(fp, px + 7, py - 7, "start", 11, "black",
                   label_of(labels, i, buf, sizeof buf));
      } else if (p->e_above_hull_per_atom_ev <= 0.2) {
        char c[16];
        above_colour(p->e_above_hull_per_atom_ev, 0.1, c);
        svg_circle(fp, px, py, 3, c, NULL);
      }
    }
  /* legend */
  for (int k = 0; k <= 4; k++) {
    char c[16], t[32];
    above_colour(0.025 * k, 0.1, c);
    svg_circle(fp, 600, 80 + 20 * k, 4, c, NULL);
    snprintf(t, sizeof t, "%s%.0f meV/atom", k == 4 ? ">= " : "", 25.0 * k);
    svg_text(fp, 612, 84 + 20 * k, "start", 11, "black", t);
  }
  svg_text(fp, 600, 64, "start", 12, "black", "above hull");
}

nacre_status nacre_hull_svg(const char *path, const nacre_hull *h,
                            const char *const *labels,
                            const char *const *element_names,
                            nacre_error *err) {
  int nel = nacre_hull_nelements(h);
  if (nel != 2 && nel != 3)
    return nacre_error_set(err, NACRE_ERR_UNSUPPORTED,
                           "hull plots are drawn for two or three elements "
                           "(this hull has %d)",
                           nel);
  char *tmp;
  FILE *fp = thermo_file_open(path, &tmp, err);
  if (!fp) return err ? err->status : NACRE_ERR_IO;
  if (nel == 2) {
    svg_begin(fp, 760, 590);
    binary(fp, h, labels, element_names);
  } else {
    svg_begin(fp, 760, 620);
    ternary(fp, h, labels, element_names);
  }
  svg_end(fp);
  return thermo_file_commit(fp, path, tmp, err);
}

nacre_status nacre_voltage_svg(const char *path, const nacre_voltage_step *s,
                               int nsteps, const char *ion_name,
                               const char *host_name, nacre_error *err) {
  if (nsteps < 1)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "voltage plot: the profile has no steps");
  double x1 = s[nsteps - 1].x_end, v0 = 0.0, v1 = 0.0;
  for (int k = 0; k < nsteps; k++) {
    v0 = fmin(v0, s[k].voltage_v);
    v1 = fmax(v1, s[k].voltage_v);
  }
  double x0 = 0.0;
  svg_nice_range(&x0, &x1, 6);
  svg_nice_range(&v0, &v1, 5);
  char *tmp;
  FILE *fp = thermo_file_open(path, &tmp, err);
  if (!fp) return err ? err->status : NACRE_ERR_IO;
  svg_begin(fp, 700, 440);
  svg_panel p = {x0, x1, v0, v1, 90, 30, 570, 340};
  char xl[96];
  snprintf(xl, sizeof xl, "x in %s(x)%s", ion_name ? ion_name : "ion",
           host_name ? host_name : "host");
  svg_axes(fp, &p, "%g", "%.2f", xl, "voltage (V)");
  double *xs = malloc(2 * (size_t)nsteps * sizeof *xs);
  double *ys = malloc(2 * (size_t)nsteps * sizeof *ys);
  if (xs && ys) {
    for (int k = 0; k < nsteps; k++) {
      xs[2 * k] = s[k].x_start;
      xs[2 * k + 1] = s[k].x_end;
      ys[2 * k] = ys[2 * k + 1] = s[k].voltage_v;
    }
    svg_polyline(fp, &p, xs, ys, 2 * nsteps, "#1f4e9e", 2, NULL);
  }
  free(xs);
  free(ys);
  svg_end(fp);
  return thermo_file_commit(fp, path, tmp, err);
}
