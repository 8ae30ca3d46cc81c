/* nn_spec.c — descriptor sets named by a short text (nacre train
 * --descriptors, and the files of the retired nacre-train format):
 *   maise:rc=R            MAISE's 30-function basis scaled to cutoff R (Å)
 *   basis:PATH            a MAISE `basis` file
 *   model:PATH            the descriptors of a model file
 *   radial:rc=R,n=N,eta_min=A,eta_max=B
 *                         N radial functions (G2, Rs = 0), η spaced
 *                         geometrically from A to B (Å⁻²)
 *   bp:rc=R;g2=η:rs,...;g4=η:ζ:λ,...
 *                         every function given (η in Å⁻², rs and R in Å)
 * Numbers are parsed strictly. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nacre/nn.h"

/* Strict number at *p up to one of the stop characters (or the end). */
static int spec_number(const char **p, const char *stops, double *v) {
  char *end;
  errno = 0;
  double x = strtod(*p, &end);
  if (end == *p || errno == ERANGE || !isfinite(x) || (*end && !strchr(stops, *end)))
    return -1;
  *v = x;
  *p = end;
  return 0;
}

static nacre_status radial_spec(const char *spec, int nspecies,
                                nacre_nn_descriptor *d, nacre_error *err) {
  const char *p = spec + 7;
  double rc, n, emin, emax;
  if (strncmp(p, "rc=", 3) || (p += 3, spec_number(&p, ",", &rc)) ||
      strncmp(p, ",n=", 3) || (p += 3, spec_number(&p, ",", &n)) ||
      strncmp(p, ",eta_min=", 9) || (p += 9, spec_number(&p, ",", &emin)) ||
      strncmp(p, ",eta_max=", 9) || (p += 9, spec_number(&p, "", &emax)) || *p)
    return nacre_error_set(err, NACRE_ERR_PARSE,
                           "descriptor set '%.80s' is not "
                           "radial:rc=R,n=N,eta_min=A,eta_max=B",
                           spec);
  if (!(rc > 0) || n != floor(n) || n < 1 || n > 64 || !(emin > 0) || !(emax >= emin))
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "radial descriptors '%.80s': need rc > 0, 1 to 64 "
                           "functions, 0 < eta_min <= eta_max",
                           spec);
  int N = (int)n;
  memset(d, 0, sizeof *d);
  d->nspecies = nspecies;
  d->cutoff = rc;
  d->ng2 = N;
  d->g2 = calloc((size_t)N, sizeof *d->g2);
  if (!d->g2) return nacre_error_set(err, NACRE_ERR_NOMEM, "descriptors");
  for (int m = 0; m < N; m++)
    d->g2[m].eta = N == 1 ? emin : emin * pow(emax / emin, (double)m / (N - 1));
  return NACRE_OK;
}

static nacre_status grow(void **arr, size_t *cap, size_t n, size_t size) {
  if (n < *cap) return NACRE_OK;
  size_t c = *cap ? 2 * *cap : 16;
  void *q = realloc(*arr, c * size);
  if (!q) return NACRE_ERR_NOMEM;
  *arr = q;
  *cap = c;
  return NACRE_OK;
}

static nacre_status bp_spec(const char *spec, int nspecies,
                            nacre_nn_descriptor *d, nacre_error *err) {
  memset(d, 0, sizeof *d);
  const char *p = spec + 3;
  size_t cap2 = 0, cap4 = 0;
  if (strncmp(p, "rc=", 3) || (p += 3, spec_number(&p, ";", &d->cutoff)) ||
      strncmp(p, ";g2=", 4))
    goto bad;
  p += 4;
  while (*p && *p != ';') {
    if (grow((void **)&d->g2, &cap2, (size_t)d->ng2, sizeof *d->g2)) goto nomem;
    nacre_nn_g2 *g = &d->g2[d->ng2++];
    if (spec_number(&p, ":", &g->eta) || *p++ != ':' || spec_number(&p, ",;", &g->rs))
      goto bad;
    if (*p == ',') p++;
  }
  if (strncmp(p, ";g4=", 4)) goto bad;
  p += 4;
  while (*p) {
    if (grow((void **)&d->g4, &cap4, (size_t)d->ng4, sizeof *d->g4)) goto nomem;
    nacre_nn_g4 *g = &d->g4[d->ng4++];
    if (spec_number(&p, ":", &g->eta) || *p++ != ':' ||
        spec_number(&p, ":", &g->zeta) || *p++ != ':' ||
        spec_number(&p, ",", &g->lambda))
      goto bad;
    if (*p == ',') p++;
  }
  d->nspecies = nspecies;
  return NACRE_OK;
bad:
  nacre_nn_descriptor_free(d);
  return nacre_error_set(err, NACRE_ERR_PARSE,
                         "descriptor set '%.60s...' is not "
                         "bp:rc=R;g2=eta:rs,...;g4=eta:zeta:lambda,...",
                         spec);
nomem:
  nacre_nn_descriptor_free(d);
  return nacre_error_set(err, NACRE_ERR_NOMEM, "descriptors");
}

nacre_status nacre_nn_descriptor_from_spec(const char *spec, int nspecies,
                                           nacre_nn_descriptor *d,
                                           nacre_error *err) {
  memset(d, 0, sizeof *d);
  nacre_status st;
  if (!strncmp(spec, "maise:", 6)) {
    const char *p = spec + 6;
    double rc;
    if (strncmp(p, "rc=", 3) || (p += 3, spec_number(&p, "", &rc)))
      return nacre_error_set(err, NACRE_ERR_PARSE,
                             "descriptor set '%.80s' is not maise:rc=R", spec);
    return nacre_nn_descriptor_maise_default(rc, nspecies, d, err);
  }
  if (!strncmp(spec, "basis:", 6))
    return nacre_nn_descriptor_read_maise_basis(spec + 6, nspecies, d, err);
  if (!strncmp(spec, "model:", 6)) {
    nacre_nn_model *m = NULL;
    st = nacre_nn_model_read(spec + 6, &m, err);
    if (!st) st = nacre_nn_descriptor_copy(&m->desc, d, err);
    nacre_nn_model_free(m);
    if (st) return st;
    d->nspecies = nspecies; /* the same functions for this species count */
  } else if (!strncmp(spec, "radial:", 7)) {
    if ((st = radial_spec(spec, nspecies, d, err))) return st;
  } else if (!strncmp(spec, "bp:", 3)) {
    if ((st = bp_spec(spec, nspecies, d, err))) return st;
  } else {
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "unknown descriptor set '%.80s' (maise:rc=R, "
                           "radial:..., basis:FILE, model:FILE)",
                           spec);
  }
  st = nacre_nn_descriptor_init(d, err);
  if (st) nacre_nn_descriptor_free(d);
  return st;
}
