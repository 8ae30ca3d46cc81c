/* evaluate.c — predictions of a committee or any potential over a data set
 * with error figures, and the SVG parity plot. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nacre/pot.h"
#include "nacre/train.h"
#include "train_internal.h"

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

nacre_status nacre_committee_evaluate(const nacre_committee *c,
                                      const nacre_dataset *d, double *e_pred,
                                      double *f_pred, double (*s_pred)[6],
                                      nacre_committee_result *res,
                                      nacre_errors *errs, nacre_error *err) {
  int n = d->n;
  long *off = malloc((size_t)(n + 1) * sizeof *off);
  double *fbuf = NULL;
  if (!off) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  off[0] = 0;
  for (int q = 0; q < n; q++) off[q + 1] = off[q] + 3L * d->items[q].s->natoms;
  if (!f_pred) {
    fbuf = malloc((size_t)(off[n] ? off[n] : 1) * sizeof *fbuf);
    if (!fbuf) {
      free(off);
      return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
    }
    f_pred = fbuf;
  }
  nacre_status status = NACRE_OK;
  double (*sp)[6] = s_pred ? s_pred : malloc((size_t)(n ? n : 1) * sizeof *sp);
  if (!sp) {
    free(off);
    free(fbuf);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  }
#pragma omp parallel for schedule(dynamic, 1)
  for (int q = 0; q < n; q++) {
    if (status) continue;
    nacre_error lerr;
    nacre_error_clear(&lerr);
    nacre_committee_result r;
    nacre_status st = nacre_committee_predict(c, d->items[q].s, f_pred + off[q], sp[q], &r, &lerr);
    if (st) {
#pragma omp critical(nacre_committee_eval_error)
      if (!status) {
        status = st;
        if (err) {
          *err = lerr;
          nacre_error_prefix(err, "%s: ", d->items[q].source ? d->items[q].source : "sample");
        }
      }
      continue;
    }
    e_pred[q] = r.energy;
    if (res) res[q] = r;
  }
  if (!status && errs)
    nacre_errors_compute(d, e_pred, f_pred, (const double(*)[6])sp, 1, NULL, errs);
  free(off);
  free(fbuf);
  if (!s_pred) free(sp);
  return status;
}

nacre_status nacre_potential_evaluate(const nacre_potential *p, const nacre_dataset *d,
                                      double *e_pred, double *f_pred, double (*s_pred)[6],
                                      nacre_errors *errs, nacre_error *err) {
  int n = d->n, maxat = 1;
  long *off = malloc((size_t)(n + 1) * sizeof *off);
  double *fbuf = NULL;
  double (*sp)[6] = s_pred ? s_pred : malloc((size_t)(n ? n : 1) * sizeof *sp);
  if (!off || !sp) {
    free(off);
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
  free(off);
  free(fbuf);
  if (!s_pred) free(sp);
  return status;
}

/* ---- SVG parity plot ---- */

static double nice_step(double range) {
  double e = pow(10, floor(log10(range / 5)));
  double r = range / 5 / e;
  return (r < 1.5 ? 1 : r < 3.5 ? 2 : r < 7.5 ? 5 : 10) * e;
}

nacre_status nacre_parity_svg(const char *path, const nacre_parity_series *s,
                              int nseries, nacre_error *err) {
  nacre_atomic_file af;
  nacre_status st = nacre_atomic_open(&af, path, err);
  if (st) return st;
  FILE *fp = af.fp;
  const double W = 360, H = 360, ml = 70, mb = 50, mt = 30, mr = 20;
  fprintf(fp,
          "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
          "font-family=\"sans-serif\" font-size=\"12\">\n"
          "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
          W * nseries, H);
  for (int p = 0; p < nseries; p++) {
    double lo = INFINITY, hi = -INFINITY;
    for (long k = 0; k < s[p].n; k++) {
      double a = s[p].ref[k], b = s[p].pred[k];
      if (isfinite(a) && isfinite(b)) {
        lo = fmin(lo, fmin(a, b));
        hi = fmax(hi, fmax(a, b));
      }
    }
    if (!(hi > lo)) {
      lo = (isfinite(lo) ? lo : 0) - 1;
      hi = lo + 2;
    }
    double pad = 0.05 * (hi - lo);
    lo -= pad;
    hi += pad;
    double x0 = p * W + ml, x1 = p * W + W - mr, y0 = H - mb, y1 = mt;
#define PX(v) (x0 + ((v) - lo) / (hi - lo) * (x1 - x0))
#define PY(v) (y0 - ((v) - lo) / (hi - lo) * (y0 - y1))
    fprintf(fp, "<g>\n<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                "fill=\"none\" stroke=\"black\"/>\n",
            x0, y1, x1 - x0, y0 - y1);
    double step = nice_step(hi - lo);
    for (double t = ceil(lo / step) * step; t <= hi; t += step) {
      fprintf(fp, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"black\"/>"
                  "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%g</text>\n",
              PX(t), y0, PX(t), y0 + 5, PX(t), y0 + 18, t);
      fprintf(fp, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"black\"/>"
                  "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%g</text>\n",
              x0 - 5, PY(t), x0, PY(t), x0 - 8, PY(t) + 4, t);
    }
    fprintf(fp, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"gray\" "
                "stroke-dasharray=\"4 3\"/>\n",
            PX(lo), PY(lo), PX(hi), PY(hi));
    for (long k = 0; k < s[p].n; k++) {
      double a = s[p].ref[k], b = s[p].pred[k];
      if (isfinite(a) && isfinite(b))
        fprintf(fp, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"1.8\" fill=\"#1f77b4\" "
                    "fill-opacity=\"0.6\"/>\n",
                PX(a), PY(b));
    }
    fprintf(fp, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">reference %s (%s)</text>\n",
            (x0 + x1) / 2, H - 12, s[p].title, s[p].unit);
    fprintf(fp, "<text transform=\"translate(%.1f,%.1f) rotate(-90)\" text-anchor=\"middle\">"
                "predicted (%s)</text>\n",
            p * W + 16, (y0 + y1) / 2, s[p].unit);
    fprintf(fp, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-weight=\"bold\">%s"
                "</text>\n</g>\n",
            (x0 + x1) / 2, mt - 10.0, s[p].title);
#undef PX
#undef PY
  }
  fprintf(fp, "</svg>\n");
  return nacre_atomic_commit(&af, err);
}
