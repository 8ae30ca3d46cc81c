/* evaluate.c — predictions of any potential (committees included) over a
 * data set with error figures, and the SVG parity plot. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nacre/io.h"
#include "nacre/pot.h"
#include "nacre/train.h"

static int in_class(const nacre_sample *sm, int all, const char *cls) {
  if (all) return 1;
  const char *c = nacre_sample_class(sm);
  return cls ? c && !strcmp(c, cls) : !c;
}

void nacre_errors_compute(const nacre_dataset *d, const double *e_pred,
                          const double *f_pred, const double (*sp)[6],
                          int all, const char *cls, nacre_errors *errs) {
  double esq = 0, eab = 0, fsq = 0, fab = 0, ssq = 0, sab = 0;
  long ne = 0, nf = 0, ns = 0, off = 0;
  int nq = 0;
  for (int q = 0; q < d->n; off += 3L * d->items[q].s->natoms, q++) {
    const nacre_sample *sm = &d->items[q];
    if (!in_class(sm, all, cls)) continue;
    nq++;
    int na = sm->s->natoms;
    if ((sm->has & NACRE_LABEL_ENERGY) && na) {
      double de = (e_pred[q] - sm->energy) / na;
      esq += de * de;
      eab += fabs(de);
      ne++;
    }
    if ((sm->has & NACRE_LABEL_FORCES) && f_pred)
      for (int k = 0; k < 3 * na; k++) {
        double df = f_pred[off + k] - sm->forces[k];
        fsq += df * df;
        fab += fabs(df);
        nf++;
      }
    if ((sm->has & NACRE_LABEL_STRESS) && sp)
      for (int v = 0; v < 6; v++) {
        double ds = (sp[q][v] - sm->stress[v]) * NACRE_EV_A3_TO_GPA;
        ssq += ds * ds;
        sab += fabs(ds);
        ns++;
      }
  }
  memset(errs, 0, sizeof *errs);
  errs->nstructures = nq;
  errs->nforce_components = nf;
  errs->nstress_components = ns;
  if (ne) errs->e_rmse = sqrt(esq / ne), errs->e_mae = eab / ne;
  if (nf) errs->f_rmse = sqrt(fsq / nf), errs->f_mae = fab / nf;
  if (ns) errs->s_rmse = sqrt(ssq / ns), errs->s_mae = sab / ns;
}

nacre_status nacre_potential_evaluate(const nacre_potential *p, const nacre_dataset *d,
                                      double *e_pred, double *f_pred, double (*s_pred)[6],
                                      double *e_dev, double *f_dev,
                                      nacre_domain_counts *domain, nacre_errors *errs,
                                      nacre_error *err) {
  int n = d->n, maxat = 1;
  long *off = malloc((size_t)(n + 1) * sizeof *off);
  double *fbuf = NULL;
  double (*sp)[6] = s_pred ? s_pred : malloc((size_t)(n ? n : 1) * sizeof *sp);
  nacre_domain_report *dom = calloc((size_t)(n ? n : 1), sizeof *dom);
  if (!off || !sp || !dom) {
    free(off);
    free(dom);
    if (!s_pred) free(sp);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  }
  off[0] = 0;
  for (int q = 0; q < n; q++) {
    off[q + 1] = off[q] + 3L * d->items[q].s->natoms;
    if (d->items[q].s->natoms > maxat) maxat = d->items[q].s->natoms;
  }
  if (!f_pred && !(f_pred = fbuf = malloc((size_t)(off[n] ? off[n] : 1) * sizeof *fbuf))) {
    free(off);
    free(dom);
    if (!s_pred) free(sp);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  }
  nacre_status status = NACRE_OK;
#pragma omp parallel
  {
    nacre_error lerr;
    nacre_error_clear(&lerr);
    nacre_calc *c = nacre_calc_new(p, 0.0, &lerr);
    nacre_result r;
    nacre_status lst = c ? nacre_result_init(&r, maxat, &lerr) : lerr.status;
#pragma omp for schedule(dynamic, 1)
    for (int q = 0; q < n; q++) {
      if (lst || status) continue;
      const nacre_sample *sm = &d->items[q];
      lst = nacre_potential_supports(p, sm->s, &lerr);
      if (!lst) lst = nacre_calc_compute(c, sm->s, NACRE_WANT_ALL, &r, &lerr);
      if (lst) {
        nacre_error_prefix(&lerr, "%s: ", sm->source ? sm->source : "sample");
        continue;
      }
      e_pred[q] = r.energy;
      memcpy(f_pred + off[q], r.forces, 3 * (size_t)sm->s->natoms * sizeof(double));
      memcpy(sp[q], r.stress, sizeof sp[q]);
      if (e_dev) e_dev[q] = r.committee_energy_dev_per_atom;
      if (f_dev) f_dev[q] = r.committee_size ? r.committee_force_dev_max : 0.0;
      dom[q] = r.domain;
    }
    if (lst) {
#pragma omp critical(nacre_potential_eval_error)
      if (!status) {
        status = lst;
        if (err) *err = lerr;
      }
    }
    if (c) nacre_result_free(&r);
    nacre_calc_free(c);
  }
  if (!status && errs)
    nacre_errors_compute(d, e_pred, f_pred, (const double(*)[6])sp, 1, NULL, errs);
  if (!status && domain) { /* in sample order, whatever the threads did */
    memset(domain, 0, sizeof *domain);
    for (int q = 0; q < n; q++) nacre_domain_counts_record(domain, &dom[q]);
  }
  free(off);
  free(fbuf);
  free(dom);
  if (!s_pred) free(sp);
  return status;
}

/* ---- SVG parity plot ---- */

static double nice_step(double range) {
  double e = pow(10, floor(log10(range / 5)));
  double r = range / 5 / e;
  return (r < 1.5 ? 1 : r < 3.5 ? 2 : r < 7.5 ? 5 : 10) * e;
}

/* Range of the finite values of v (and w when not NULL), padded by 5 %. */
static void data_range(const nacre_parity_series *s, int residual, double *lo,
                       double *hi) {
  *lo = INFINITY;
  *hi = -INFINITY;
  for (int q = 0; q < s->nsets; q++)
    for (long k = 0; k < s->set[q].n; k++) {
      double a = s->set[q].ref[k], b = s->set[q].pred[k];
      if (!isfinite(a) || !isfinite(b)) continue;
      if (residual) {
        *hi = fmax(*hi, fabs(b - a));
      } else {
        *lo = fmin(*lo, fmin(a, b));
        *hi = fmax(*hi, fmax(a, b));
      }
    }
  if (residual) *lo = -*hi;
  if (!(*hi > *lo)) {
    double c = isfinite(*lo) ? 0.5 * (*lo + *hi) : 0.0;
    double h = fmax(1e-6, 1e-3 * fabs(c));
    *lo = c - h;
    *hi = c + h;
  }
  double pad = 0.05 * (*hi - *lo);
  *lo -= pad;
  *hi += pad;
}

typedef struct frame {
  double x0, x1, y0, y1;       /* pixels: left, right, bottom, top */
  double xlo, xhi, ylo, yhi;   /* data */
} frame;

static double px(const frame *f, double v) {
  return f->x0 + (v - f->xlo) / (f->xhi - f->xlo) * (f->x1 - f->x0);
}
static double py(const frame *f, double v) {
  return f->y0 - (v - f->ylo) / (f->yhi - f->ylo) * (f->y0 - f->y1);
}

static void axes(FILE *fp, const frame *f) {
  fprintf(fp, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" "
              "stroke=\"black\"/>\n",
          f->x0, f->y1, f->x1 - f->x0, f->y0 - f->y1);
  double step = nice_step(f->xhi - f->xlo);
  for (double v = ceil(f->xlo / step) * step; v <= f->xhi; v += step)
    fprintf(fp, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"black\"/>"
                "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%g</text>\n",
            px(f, v), f->y0, px(f, v), f->y0 + 5, px(f, v), f->y0 + 18, fabs(v) < 1e-9 * step ? 0 : v);
  step = nice_step(f->yhi - f->ylo);
  for (double v = ceil(f->ylo / step) * step; v <= f->yhi; v += step)
    fprintf(fp, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"black\"/>"
                "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%g</text>\n",
            f->x0 - 5, py(f, v), f->x0, py(f, v), f->x0 - 8, py(f, v) + 4,
            fabs(v) < 1e-9 * step ? 0 : v);
}

static const char *const set_colour[2] = {"#1f77b4", "#ff7f0e"};

static void points(FILE *fp, const frame *f, const nacre_parity_series *s,
                   int residual) {
  for (int q = 0; q < s->nsets; q++)
    for (long k = 0; k < s->set[q].n; k++) {
      double a = s->set[q].ref[k], b = s->set[q].pred[k];
      if (!isfinite(a) || !isfinite(b)) continue;
      fprintf(fp, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"1.8\" fill=\"%s\" "
                  "fill-opacity=\"0.6\"/>\n",
              px(f, a), py(f, residual ? b - a : b), set_colour[q]);
    }
}

/* RMSE and MAE of a set. */
static void set_errors(const nacre_parity_set *s, double *rmse, double *mae) {
  double sq = 0, ab = 0;
  long n = 0;
  for (long k = 0; k < s->n; k++) {
    double d = s->pred[k] - s->ref[k];
    if (!isfinite(d)) continue;
    sq += d * d;
    ab += fabs(d);
    n++;
  }
  *rmse = n ? sqrt(sq / n) : 0;
  *mae = n ? ab / n : 0;
}

static void series_svg(FILE *fp, const nacre_parity_series *s, double xoff) {
  const double W = 400, ml = 72, mr = 20, top = 40, ph = 330, gap = 60, rh = 150;
  frame par = {xoff + ml, xoff + W - mr, top + ph, top, 0, 0, 0, 0};
  data_range(s, 0, &par.xlo, &par.xhi);
  par.ylo = par.xlo;
  par.yhi = par.xhi;
  frame res = {par.x0, par.x1, top + ph + gap + rh, top + ph + gap, par.xlo, par.xhi, 0, 0};
  data_range(s, 1, &res.ylo, &res.yhi);
  fprintf(fp, "<g>\n<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-weight=\"bold\">%s"
              "</text>\n",
          (par.x0 + par.x1) / 2, top - 16, s->title);
  axes(fp, &par);
  fprintf(fp, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"gray\" "
              "stroke-dasharray=\"4 3\"/>\n",
          px(&par, par.xlo), py(&par, par.ylo), px(&par, par.xhi), py(&par, par.yhi));
  points(fp, &par, s, 0);
  for (int q = 0; q < s->nsets; q++) { /* legend with the errors of each set */
    double rmse, mae;
    set_errors(&s->set[q], &rmse, &mae);
    fprintf(fp, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\"/>"
                "<text x=\"%.1f\" y=\"%.1f\">%s%sRMSE %.4g, MAE %.4g %s (%ld)</text>\n",
            par.x0 + 10, par.y1 + 14 + 16 * q, set_colour[q], par.x0 + 18, par.y1 + 18 + 16 * q,
            s->set[q].label ? s->set[q].label : "", s->set[q].label ? ": " : "", rmse, mae,
            s->unit, s->set[q].n);
  }
  fprintf(fp, "<text transform=\"translate(%.1f,%.1f) rotate(-90)\" text-anchor=\"middle\">"
              "predicted (%s)</text>\n",
          xoff + 16, (par.y0 + par.y1) / 2, s->unit);
  axes(fp, &res);
  fprintf(fp, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"gray\" "
              "stroke-dasharray=\"4 3\"/>\n",
          res.x0, py(&res, 0), res.x1, py(&res, 0));
  points(fp, &res, s, 1);
  fprintf(fp, "<text transform=\"translate(%.1f,%.1f) rotate(-90)\" text-anchor=\"middle\">"
              "residual (%s)</text>\n",
          xoff + 16, (res.y0 + res.y1) / 2, s->unit);
  fprintf(fp, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">reference %s (%s)</text>\n"
              "</g>\n",
          (res.x0 + res.x1) / 2, res.y0 + 36, s->title, s->unit);
}

nacre_status nacre_parity_svg(const char *path, const nacre_parity_series *s,
                              int nseries, nacre_error *err) {
  for (int p = 0; p < nseries; p++)
    if (s[p].nsets < 1 || s[p].nsets > 2)
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "parity plot: %d sets in '%s' (1 or 2)", s[p].nsets,
                             s[p].title);
  nacre_atomic_file af;
  nacre_status st = nacre_atomic_open(&af, path, err);
  if (st) return st;
  FILE *fp = af.fp;
  fprintf(fp,
          "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"640\" "
          "font-family=\"sans-serif\" font-size=\"12\">\n"
          "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
          400 * nseries);
  for (int p = 0; p < nseries; p++) series_svg(fp, &s[p], 400.0 * p);
  fprintf(fp, "</svg>\n");
  return nacre_atomic_commit(&af, err);
}
