/* model.c — the fitted model: descriptors (formulas over named columns)
 * and one predictor (linear, threshold, libsvm SVC, ranking score); its
 * JSON file, the rule for people, and predictions on new rows. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <libsvm/svm.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fit_internal.h"

static const char *const predictor_names[] = {"linear", "threshold", "svc", "rank"};

static char **copy_strings(int n, char *const *src) {
  char **out = calloc((size_t)(n > 0 ? n : 1), sizeof *out);
  if (!out) return NULL;
  for (int k = 0; k < n; k++) {
    out[k] = strdup(src && src[k] ? src[k] : "");
    if (!out[k]) {
      for (int e = 0; e < k; e++) free(out[e]);
      free(out);
      return NULL;
    }
  }
  return out;
}

nacre_fit_model *fit_model_new(const char *method, nacre_fit_predictor p,
                               int ncolumns, char *const *columns,
                               char *const *units, int ndesc) {
  nacre_fit_model *m = calloc(1, sizeof *m);
  if (!m) return NULL;
  m->method = strdup(method);
  m->predictor = p;
  m->ncolumns = ncolumns;
  m->columns = copy_strings(ncolumns, columns);
  m->column_units = copy_strings(ncolumns, units);
  m->ndesc = ndesc;
  size_t nd = (size_t)(ndesc > 0 ? ndesc : 1);
  m->desc = calloc(nd, sizeof *m->desc);
  m->expr = calloc(nd, sizeof *m->expr);
  m->mean = calloc(nd, sizeof *m->mean);
  m->scale = malloc(nd * sizeof *m->scale);
  m->coef = calloc(nd, sizeof *m->coef);
  if (!m->method || !m->columns || !m->column_units || !m->desc || !m->expr ||
      !m->mean || !m->scale || !m->coef) {
    nacre_fit_model_free(m);
    return NULL;
  }
  for (int k = 0; k < ndesc; k++) m->scale[k] = 1;
  return m;
}

nacre_status fit_model_set_descriptor(nacre_fit_model *m, int k,
                                      const char *formula, nacre_error *err) {
  free(m->desc[k]);
  nacre_fit_expr_free(m->expr[k]);
  m->expr[k] = NULL;
  m->desc[k] = strdup(formula);
  if (!m->desc[k]) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  return nacre_fit_expr_parse(formula, m->ncolumns, (const char *const *)m->columns,
                              &m->expr[k], err);
}

nacre_status fit_model_set_target(nacre_fit_model *m, const char *target,
                                  int nclass, const double *classes) {
  free(m->target);
  m->target = target ? strdup(target) : NULL;
  free(m->classes);
  m->classes = NULL;
  m->nclass = nclass;
  m->classification = nclass > 0;
  if (nclass > 0) {
    m->classes = malloc((size_t)nclass * sizeof *m->classes);
    if (!m->classes) return NACRE_ERR_NOMEM;
    memcpy(m->classes, classes, (size_t)nclass * sizeof *classes);
  }
  return (target && !m->target) ? NACRE_ERR_NOMEM : NACRE_OK;
}

void fit_svm_free(struct svm_model *s) {
  if (!s) return;
  if (s->SV) free(s->SV[0]);
  free(s->SV);
  if (s->sv_coef) free(s->sv_coef[0]);
  free(s->sv_coef);
  free(s->rho);
  free(s->label);
  free(s->nSV);
  free(s);
}

/* Our own copy with dense support vectors (indices 1..dim), so that it
 * outlives the training problem and can be rebuilt from JSON. SV[0] is the
 * block that holds every vector, sv_coef[0] the block of coefficients. */
static struct svm_model *svm_alloc(int nr_class, int l, int dim) {
  struct svm_model *s = calloc(1, sizeof *s);
  if (!s) return NULL;
  const size_t nl = (size_t)(l > 0 ? l : 1), nc = (size_t)(nr_class > 1 ? nr_class - 1 : 1);
  s->nr_class = nr_class;
  s->l = l;
  s->SV = calloc(nl, sizeof *s->SV);
  s->sv_coef = calloc(nc, sizeof *s->sv_coef);
  if (s->SV) s->SV[0] = calloc(nl * (size_t)(dim + 1), sizeof **s->SV);
  if (s->sv_coef) s->sv_coef[0] = calloc(nc * nl, sizeof **s->sv_coef);
  s->rho = calloc((size_t)(nr_class * (nr_class - 1) / 2 + 1), sizeof *s->rho);
  s->label = calloc((size_t)nr_class, sizeof *s->label);
  s->nSV = calloc((size_t)nr_class, sizeof *s->nSV);
  if (!s->SV || !s->SV[0] || !s->sv_coef || !s->sv_coef[0] || !s->rho ||
      !s->label || !s->nSV) {
    fit_svm_free(s);
    return NULL;
  }
  struct svm_node *block = s->SV[0];
  for (int i = 0; i < l; i++) {
    s->SV[i] = block + (size_t)i * (dim + 1);
    for (int k = 0; k < dim; k++) s->SV[i][k].index = k + 1;
    s->SV[i][dim].index = -1;
  }
  for (size_t c = 1; c < nc; c++) s->sv_coef[c] = s->sv_coef[0] + c * nl;
  return s;
}

static int model_dim(const nacre_fit_model *m) { return m->ndesc; }

nacre_status fit_model_take_svm(nacre_fit_model *m, const struct svm_model *src,
                                nacre_error *err) {
  const int dim = model_dim(m);
  struct svm_model *s = svm_alloc(src->nr_class, src->l, dim);
  if (!s) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  s->param = src->param;
  s->param.nr_weight = 0;
  s->param.weight_label = NULL;
  s->param.weight = NULL;
  s->probA = s->probB = NULL;
  s->sv_indices = NULL;
  s->free_sv = 0;
  for (int i = 0; i < src->l; i++)
    for (const struct svm_node *p = src->SV[i]; p->index != -1; p++)
      if (p->index >= 1 && p->index <= dim) s->SV[i][p->index - 1].value = p->value;
  for (int c = 0; c < src->nr_class - 1; c++)
    memcpy(s->sv_coef[c], src->sv_coef[c], (size_t)src->l * sizeof(double));
  memcpy(s->rho, src->rho, (size_t)(src->nr_class * (src->nr_class - 1) / 2) * sizeof(double));
  memcpy(s->label, src->label, (size_t)src->nr_class * sizeof(int));
  memcpy(s->nSV, src->nSV, (size_t)src->nr_class * sizeof(int));
  fit_svm_free(m->svm);
  m->svm = s;
  return NACRE_OK;
}

void nacre_fit_model_free(nacre_fit_model *m) {
  if (!m) return;
  for (int k = 0; k < m->ncolumns; k++) {
    if (m->columns) free(m->columns[k]);
    if (m->column_units) free(m->column_units[k]);
  }
  for (int k = 0; k < m->ndesc; k++) {
    if (m->desc) free(m->desc[k]);
    if (m->expr) nacre_fit_expr_free(m->expr[k]);
  }
  free(m->method);
  free(m->target);
  free(m->columns);
  free(m->column_units);
  free(m->desc);
  free(m->expr);
  free(m->mean);
  free(m->scale);
  free(m->coef);
  free(m->classes);
  fit_svm_free(m->svm);
  free(m);
}

nacre_fit_predictor nacre_fit_model_predictor(const nacre_fit_model *m) { return m->predictor; }
const char *nacre_fit_model_method(const nacre_fit_model *m) { return m->method; }
int nacre_fit_model_descriptors(const nacre_fit_model *m) { return m->ndesc; }
const char *nacre_fit_model_descriptor(const nacre_fit_model *m, int k) {
  return k >= 0 && k < m->ndesc ? m->desc[k] : NULL;
}
const char *nacre_fit_model_target(const nacre_fit_model *m) { return m->target; }

/* ---- linear SVC boundary in raw units -------------------------------- */

/* For a two-class linear SVC: f(d) = w·d + b in the descriptors' own units;
 * libsvm predicts label[0] where f > 0. Returns 0 for other models. */
static int svc_boundary(const nacre_fit_model *m, double *w, double *b) {
  const struct svm_model *s = m->svm;
  if (!s || s->nr_class != 2 || s->param.kernel_type != LINEAR) return 0;
  double bb = -s->rho[0];
  for (int k = 0; k < m->ndesc; k++) {
    double ws = 0;
    for (int i = 0; i < s->l; i++) ws += s->sv_coef[0][i] * s->SV[i][k].value;
    w[k] = ws / m->scale[k];
    bb -= ws * m->mean[k] / m->scale[k];
  }
  *b = bb;
  return 1;
}

int fit_model_svc_boundary(const nacre_fit_model *m, double *w, double *b,
                           double *label_positive, double *label_negative) {
  if (!svc_boundary(m, w, b)) return 0;
  *label_positive = m->svm->label[0];
  *label_negative = m->svm->label[1];
  return 1;
}

/* ---- the rule for people --------------------------------------------- */

static void term(char *buf, size_t len, size_t *o, double c, const char *d,
                 int first) {
  if (*o >= len) return;
  const char *sign = c < 0 ? (first ? "−" : " − ") : (first ? "" : " + ");
  int w = snprintf(buf + *o, len - *o, "%s%.6g·[%s]", sign, fabs(c), d);
  if (w > 0) *o += (size_t)w;
}

void nacre_fit_model_rule(const nacre_fit_model *m, char *buf, size_t len) {
  size_t o = 0;
  buf[0] = '\0';
  const char *target = m->target ? m->target : "y";
  switch (m->predictor) {
  case NACRE_FIT_PREDICT_LINEAR: {
    int w = snprintf(buf, len, "%s = %.6g", target, m->intercept);
    o = w > 0 ? (size_t)w : 0;
    for (int k = 0; k < m->ndesc; k++) term(buf, len, &o, m->coef[k], m->desc[k], 0);
    break;
  }
  case NACRE_FIT_PREDICT_THRESHOLD:
    snprintf(buf, len, "%s = %g if %s ≤ %.6g, else %g", target,
             m->thr.class_below, m->desc[0], m->thr.threshold, m->thr.class_above);
    break;
  case NACRE_FIT_PREDICT_SVC: {
    double w[64], b, lp, ln;
    if (m->ndesc <= 64 && fit_model_svc_boundary(m, w, &b, &lp, &ln)) {
      /* Normalized like the NASICON rule 0.203·t1 + t2 ≤ 0.322: the last
       * coefficient becomes 1 and the side with f ≤ 0 is stated. */
      int last = m->ndesc - 1;
      double s = fabs(w[last]) > 0 ? 1.0 / fabs(w[last]) : 1.0;
      double below_label = ln; /* f ≤ 0 */
      if (w[last] < 0) { /* multiply by −1: f ≤ 0 ⇔ −f ≥ 0 */
        s = -s;
      }
      int wr = snprintf(buf, len, "%s = %g if ", target, s > 0 ? below_label : lp);
      o = wr > 0 ? (size_t)wr : 0;
      for (int k = 0; k < m->ndesc; k++) term(buf, len, &o, w[k] * s, m->desc[k], k == 0);
      if (o < len)
        snprintf(buf + o, len - o, " ≤ %.6g, else %g", -b * s, s > 0 ? lp : below_label);
    } else if (m->svm) {
      snprintf(buf, len, "%s by an %s SVC (C %g, γ %g, %d support vectors)", target,
               m->svm->param.kernel_type == RBF ? "RBF" : "linear", m->svm->param.C,
               m->svm->param.gamma, m->svm->l);
    }
    break;
  }
  case NACRE_FIT_PREDICT_RANK: {
    int w = snprintf(buf, len, "rank by ");
    o = w > 0 ? (size_t)w : 0;
    for (int k = 0; k < m->ndesc; k++) term(buf, len, &o, m->coef[k], m->desc[k], k == 0);
    if (o < len) snprintf(buf + o, len - o, " (lower %s first)", target);
    break;
  }
  }
}

/* ---- JSON ------------------------------------------------------------ */

static cJSON *number_array(const double *v, int n) {
  cJSON *a = cJSON_CreateArray();
  for (int k = 0; a && k < n; k++) cJSON_AddItemToArray(a, cJSON_CreateNumber(v[k]));
  return a;
}

static cJSON *svm_json(const struct svm_model *s, int dim) {
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "kernel", s->param.kernel_type == RBF ? "rbf" : "linear");
  cJSON_AddNumberToObject(o, "cost", s->param.C);
  cJSON_AddNumberToObject(o, "gamma", s->param.gamma);
  double *tmp = malloc((size_t)(s->l + s->nr_class * s->nr_class + dim + 1) * sizeof *tmp);
  if (!tmp) {
    cJSON_Delete(o);
    return NULL;
  }
  for (int c = 0; c < s->nr_class; c++) tmp[c] = s->label[c];
  cJSON_AddItemToObject(o, "labels", number_array(tmp, s->nr_class));
  for (int c = 0; c < s->nr_class; c++) tmp[c] = s->nSV[c];
  cJSON_AddItemToObject(o, "n_support", number_array(tmp, s->nr_class));
  cJSON_AddItemToObject(o, "rho", number_array(s->rho, s->nr_class * (s->nr_class - 1) / 2));
  cJSON *sv = cJSON_AddArrayToObject(o, "support_vectors");
  for (int i = 0; i < s->l; i++) {
    for (int k = 0; k < dim; k++) tmp[k] = s->SV[i][k].value;
    cJSON_AddItemToArray(sv, number_array(tmp, dim));
  }
  cJSON *dc = cJSON_AddArrayToObject(o, "dual_coef");
  for (int c = 0; c < s->nr_class - 1; c++)
    cJSON_AddItemToArray(dc, number_array(s->sv_coef[c], s->l));
  free(tmp);
  return o;
}

char *nacre_fit_model_json(const nacre_fit_model *m) {
  cJSON *o = cJSON_CreateObject();
  if (!o) return NULL;
  cJSON_AddStringToObject(o, "format", "nacre-fit-model");
  cJSON_AddNumberToObject(o, "version", 1);
  cJSON_AddStringToObject(o, "method", m->method);
  cJSON_AddStringToObject(o, "predictor", predictor_names[m->predictor]);
  cJSON_AddStringToObject(o, "task", m->predictor == NACRE_FIT_PREDICT_RANK ? "ranking"
                                     : m->classification ? "classification" : "regression");
  if (m->target) cJSON_AddStringToObject(o, "target", m->target);
  cJSON *cols = cJSON_AddArrayToObject(o, "columns");
  cJSON *units = cJSON_AddObjectToObject(o, "units");
  for (int k = 0; k < m->ncolumns; k++) {
    cJSON_AddItemToArray(cols, cJSON_CreateString(m->columns[k]));
    if (m->column_units[k][0]) cJSON_AddStringToObject(units, m->columns[k], m->column_units[k]);
  }
  cJSON *desc = cJSON_AddArrayToObject(o, "descriptors");
  for (int k = 0; k < m->ndesc; k++) cJSON_AddItemToArray(desc, cJSON_CreateString(m->desc[k]));
  char rule[4096];
  nacre_fit_model_rule(m, rule, sizeof rule);
  cJSON_AddStringToObject(o, "rule", rule);
  if (m->classification) cJSON_AddItemToObject(o, "classes", number_array(m->classes, m->nclass));
  switch (m->predictor) {
  case NACRE_FIT_PREDICT_LINEAR: {
    cJSON *l = cJSON_AddObjectToObject(o, "linear");
    cJSON_AddNumberToObject(l, "intercept", m->intercept);
    cJSON_AddItemToObject(l, "coefficients", number_array(m->coef, m->ndesc));
    break;
  }
  case NACRE_FIT_PREDICT_THRESHOLD: {
    cJSON *t = cJSON_AddObjectToObject(o, "threshold");
    cJSON_AddNumberToObject(t, "threshold", m->thr.threshold);
    cJSON_AddNumberToObject(t, "class_below", m->thr.class_below);
    cJSON_AddNumberToObject(t, "class_above", m->thr.class_above);
    cJSON_AddNumberToObject(t, "training_errors", m->thr.errors);
    break;
  }
  case NACRE_FIT_PREDICT_SVC: {
    cJSON *st = cJSON_AddObjectToObject(o, "standardization");
    cJSON_AddItemToObject(st, "mean", number_array(m->mean, m->ndesc));
    cJSON_AddItemToObject(st, "scale", number_array(m->scale, m->ndesc));
    if (m->svm) cJSON_AddItemToObject(o, "svc", svm_json(m->svm, m->ndesc));
    double w[64], b, lp, ln;
    if (m->ndesc <= 64 && fit_model_svc_boundary(m, w, &b, &lp, &ln)) {
      cJSON *bd = cJSON_AddObjectToObject(o, "boundary");
      cJSON_AddItemToObject(bd, "weights", number_array(w, m->ndesc));
      cJSON_AddNumberToObject(bd, "bias", b);
      cJSON_AddNumberToObject(bd, "label_positive", lp);
      cJSON_AddNumberToObject(bd, "label_negative", ln);
    }
    break;
  }
  case NACRE_FIT_PREDICT_RANK: {
    cJSON *r = cJSON_AddObjectToObject(o, "rank");
    cJSON_AddItemToObject(r, "weights", number_array(m->coef, m->ndesc));
    break;
  }
  }
  char *text = cJSON_Print(o);
  cJSON_Delete(o);
  return text;
}

/* 1 when path names something other than a regular file (/dev/stdout, a
 * pipe): written in place, since renaming over it would replace it. */
static int special_file(const char *path) {
  struct stat sb;
  return stat(path, &sb) == 0 && !S_ISREG(sb.st_mode);
}

nacre_status nacre_fit_model_write(const nacre_fit_model *m, const char *path,
                                   nacre_error *err) {
  char *text = nacre_fit_model_json(m);
  if (!text) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  if (special_file(path)) {
    FILE *f = fopen(path, "w");
    int ok = f && fputs(text, f) >= 0 && fputc('\n', f) != EOF;
    if (f) ok = (fclose(f) == 0) && ok;
    free(text);
    return ok ? NACRE_OK : nacre_error_set(err, NACRE_ERR_IO, "cannot write %s", path);
  }
  size_t len = strlen(path) + 16;
  char *tmp = malloc(len);
  if (!tmp) {
    free(text);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  }
  snprintf(tmp, len, "%s.tmpXXXXXX", path);
  int fd = mkstemp(tmp);
  if (fd >= 0) fchmod(fd, 0666 & ~fit_umask()); /* as fopen would */
  FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
  int ok = f && fputs(text, f) >= 0 && fputc('\n', f) != EOF;
  if (f) ok = (fclose(f) == 0) && ok;
  else if (fd >= 0) close(fd);
  free(text);
  if (!ok || rename(tmp, path)) {
    int e = errno;
    if (fd >= 0) unlink(tmp);
    free(tmp);
    return nacre_error_set(err, NACRE_ERR_IO, "cannot write %s: %s", path, strerror(e));
  }
  free(tmp);
  return NACRE_OK;
}

/* ---- reading --------------------------------------------------------- */

typedef struct reader {
  const char *source;
  nacre_error *err;
  int failed;
} reader;

static const cJSON *need(reader *r, const cJSON *o, const char *key, int type) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  int ok = v && ((type == cJSON_Number && cJSON_IsNumber(v)) ||
                 (type == cJSON_String && cJSON_IsString(v)) ||
                 (type == cJSON_Array && cJSON_IsArray(v)) ||
                 (type == cJSON_Object && cJSON_IsObject(v)));
  if (!ok && !r->failed) {
    r->failed = 1;
    nacre_error_set(r->err, NACRE_ERR_PARSE, "%s: missing or malformed key '%s'",
                    r->source, key);
  }
  return ok ? v : NULL;
}

/* Reads exactly n numbers from array key of o into out. */
static void numbers(reader *r, const cJSON *o, const char *key, double *out, int n) {
  const cJSON *a = need(r, o, key, cJSON_Array);
  if (!a) return;
  if (cJSON_GetArraySize(a) != n) {
    if (!r->failed)
      nacre_error_set(r->err, NACRE_ERR_PARSE, "%s: '%s' has %d entries, %d expected",
                      r->source, key, cJSON_GetArraySize(a), n);
    r->failed = 1;
    return;
  }
  int k = 0;
  const cJSON *v;
  cJSON_ArrayForEach(v, a) {
    if (!cJSON_IsNumber(v)) {
      if (!r->failed)
        nacre_error_set(r->err, NACRE_ERR_PARSE, "%s: '%s' holds a non-number",
                        r->source, key);
      r->failed = 1;
      return;
    }
    out[k++] = v->valuedouble;
  }
}

static struct svm_model *svm_from_json(reader *r, const cJSON *o, int dim) {
  const cJSON *labels = need(r, o, "labels", cJSON_Array);
  const cJSON *svs = need(r, o, "support_vectors", cJSON_Array);
  const cJSON *kernel = need(r, o, "kernel", cJSON_String);
  if (r->failed) return NULL;
  int nr_class = cJSON_GetArraySize(labels), l = cJSON_GetArraySize(svs);
  if (nr_class < 2 || nr_class > 1000) {
    r->failed = 1;
    nacre_error_set(r->err, NACRE_ERR_PARSE, "%s: svc has %d labels", r->source, nr_class);
    return NULL;
  }
  struct svm_model *s = svm_alloc(nr_class, l, dim);
  double *tmp = malloc((size_t)(l + nr_class * nr_class + dim + 1) * sizeof *tmp);
  if (!s || !tmp) {
    fit_svm_free(s);
    free(tmp);
    r->failed = 1;
    nacre_error_set(r->err, NACRE_ERR_NOMEM, "out of memory");
    return NULL;
  }
  s->param.svm_type = C_SVC;
  s->param.kernel_type = !strcmp(kernel->valuestring, "rbf") ? RBF : LINEAR;
  const cJSON *g = need(r, o, "gamma", cJSON_Number), *c = need(r, o, "cost", cJSON_Number);
  if (g) s->param.gamma = g->valuedouble;
  if (c) s->param.C = c->valuedouble;
  numbers(r, o, "labels", tmp, nr_class);
  for (int k = 0; k < nr_class && !r->failed; k++) s->label[k] = (int)tmp[k];
  numbers(r, o, "n_support", tmp, nr_class);
  int total = 0;
  for (int k = 0; k < nr_class && !r->failed; k++) total += s->nSV[k] = (int)tmp[k];
  if (!r->failed && total != l) {
    r->failed = 1;
    nacre_error_set(r->err, NACRE_ERR_PARSE, "%s: n_support adds to %d, %d vectors given",
                    r->source, total, l);
  }
  numbers(r, o, "rho", s->rho, nr_class * (nr_class - 1) / 2);
  int i = 0;
  const cJSON *v;
  cJSON_ArrayForEach(v, svs) {
    if (r->failed) break;
    if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) != dim) {
      r->failed = 1;
      nacre_error_set(r->err, NACRE_ERR_PARSE,
                      "%s: support vector %d does not have %d values", r->source, i + 1, dim);
      break;
    }
    int k = 0;
    const cJSON *x;
    cJSON_ArrayForEach(x, v) s->SV[i][k++].value = cJSON_IsNumber(x) ? x->valuedouble : NAN;
    i++;
  }
  const cJSON *dc = need(r, o, "dual_coef", cJSON_Array);
  if (dc && cJSON_GetArraySize(dc) != nr_class - 1 && !r->failed) {
    r->failed = 1;
    nacre_error_set(r->err, NACRE_ERR_PARSE, "%s: dual_coef needs %d rows", r->source,
                    nr_class - 1);
  }
  int row = 0;
  if (dc && !r->failed) cJSON_ArrayForEach(v, dc) {
      if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) != l) {
        r->failed = 1;
        nacre_error_set(r->err, NACRE_ERR_PARSE, "%s: dual_coef row %d needs %d values",
                        r->source, row + 1, l);
        break;
      }
      int k = 0;
      const cJSON *x;
      cJSON_ArrayForEach(x, v) s->sv_coef[row][k++] = cJSON_IsNumber(x) ? x->valuedouble : NAN;
      row++;
    }
  free(tmp);
  if (r->failed) {
    fit_svm_free(s);
    return NULL;
  }
  return s;
}

nacre_status nacre_fit_model_from_json(const char *text, const char *source,
                                       nacre_fit_model **out, nacre_error *err) {
  *out = NULL;
  reader r = {source ? source : "(model)", err, 0};
  cJSON *o = cJSON_Parse(text);
  if (!o) return nacre_error_set(err, NACRE_ERR_PARSE, "%s: not valid JSON", r.source);
  nacre_fit_model *m = NULL;
  const cJSON *fmt = need(&r, o, "format", cJSON_String);
  if (fmt && strcmp(fmt->valuestring, "nacre-fit-model")) {
    r.failed = 1;
    nacre_error_set(err, NACRE_ERR_PARSE, "%s: not a nacre fit model (format '%s')",
                    r.source, fmt->valuestring);
  }
  const cJSON *method = need(&r, o, "method", cJSON_String);
  const cJSON *pred = need(&r, o, "predictor", cJSON_String);
  const cJSON *cols = need(&r, o, "columns", cJSON_Array);
  const cJSON *desc = need(&r, o, "descriptors", cJSON_Array);
  if (r.failed) goto done;
  int p = -1;
  for (int k = 0; k < 4; k++)
    if (!strcmp(pred->valuestring, predictor_names[k])) p = k;
  if (p < 0) {
    r.failed = 1;
    nacre_error_set(err, NACRE_ERR_PARSE, "%s: unknown predictor '%s'", r.source,
                    pred->valuestring);
    goto done;
  }
  int ncol = cJSON_GetArraySize(cols), ndesc = cJSON_GetArraySize(desc);
  if (ndesc < 1 || ndesc > 64) {
    r.failed = 1;
    nacre_error_set(err, NACRE_ERR_PARSE, "%s: %d descriptors (1 to 64 allowed)", r.source, ndesc);
    goto done;
  }
  char **names = calloc((size_t)ncol + 1, sizeof *names), **units = calloc((size_t)ncol + 1, sizeof *units);
  const cJSON *uobj = cJSON_GetObjectItemCaseSensitive(o, "units");
  int k = 0;
  const cJSON *v;
  cJSON_ArrayForEach(v, cols) {
    names[k] = cJSON_IsString(v) ? v->valuestring : "";
    const cJSON *u = uobj ? cJSON_GetObjectItemCaseSensitive(uobj, names[k]) : NULL;
    units[k] = u && cJSON_IsString(u) ? u->valuestring : "";
    k++;
  }
  m = fit_model_new(method->valuestring, (nacre_fit_predictor)p, ncol, names, units, ndesc);
  free(names);
  free(units);
  if (!m) {
    r.failed = 1;
    nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
    goto done;
  }
  k = 0;
  cJSON_ArrayForEach(v, desc) {
    if (r.failed) break;
    if (!cJSON_IsString(v) ||
        fit_model_set_descriptor(m, k, v->valuestring, err) != NACRE_OK) {
      if (!cJSON_IsString(v))
        nacre_error_set(err, NACRE_ERR_PARSE, "%s: descriptor %d is not a string", r.source, k + 1);
      else
        nacre_error_prefix(err, "%s: ", r.source);
      r.failed = 1;
    }
    k++;
  }
  const cJSON *target = cJSON_GetObjectItemCaseSensitive(o, "target");
  const cJSON *classes = cJSON_GetObjectItemCaseSensitive(o, "classes");
  if (!r.failed) {
    int nclass = classes && cJSON_IsArray(classes) ? cJSON_GetArraySize(classes) : 0;
    double cl[256];
    if (nclass > 256) nclass = 256;
    if (nclass) numbers(&r, o, "classes", cl, nclass);
    fit_model_set_target(m, target && cJSON_IsString(target) ? target->valuestring : NULL,
                         nclass, cl);
  }
  if (!r.failed) switch (m->predictor) {
    case NACRE_FIT_PREDICT_LINEAR: {
      const cJSON *l = need(&r, o, "linear", cJSON_Object);
      if (!l) break;
      const cJSON *c0 = need(&r, l, "intercept", cJSON_Number);
      if (c0) m->intercept = c0->valuedouble;
      numbers(&r, l, "coefficients", m->coef, m->ndesc);
      break;
    }
    case NACRE_FIT_PREDICT_THRESHOLD: {
      const cJSON *t = need(&r, o, "threshold", cJSON_Object);
      if (!t) break;
      const cJSON *a = need(&r, t, "threshold", cJSON_Number);
      const cJSON *b = need(&r, t, "class_below", cJSON_Number);
      const cJSON *c = need(&r, t, "class_above", cJSON_Number);
      const cJSON *e = cJSON_GetObjectItemCaseSensitive(t, "training_errors");
      if (a && b && c) {
        m->thr.threshold = a->valuedouble;
        m->thr.class_below = b->valuedouble;
        m->thr.class_above = c->valuedouble;
        m->thr.errors = e && cJSON_IsNumber(e) ? e->valueint : 0;
      }
      break;
    }
    case NACRE_FIT_PREDICT_SVC: {
      const cJSON *st = need(&r, o, "standardization", cJSON_Object);
      if (st) {
        numbers(&r, st, "mean", m->mean, m->ndesc);
        numbers(&r, st, "scale", m->scale, m->ndesc);
      }
      const cJSON *sv = need(&r, o, "svc", cJSON_Object);
      if (sv && !r.failed) m->svm = svm_from_json(&r, sv, m->ndesc);
      break;
    }
    case NACRE_FIT_PREDICT_RANK: {
      const cJSON *rk = need(&r, o, "rank", cJSON_Object);
      if (rk) numbers(&r, rk, "weights", m->coef, m->ndesc);
      break;
    }
    }
done:
  cJSON_Delete(o);
  if (r.failed) {
    nacre_fit_model_free(m);
    return err ? err->status : NACRE_ERR_PARSE;
  }
  *out = m;
  return NACRE_OK;
}

nacre_status nacre_fit_model_read(const char *path, nacre_fit_model **out,
                                  nacre_error *err) {
  *out = NULL;
  FILE *f = fopen(path, "rb");
  if (!f) return nacre_error_set(err, NACRE_ERR_IO, "cannot open %s: %s", path, strerror(errno));
  size_t cap = 1 << 16, len = 0, got;
  char *buf = malloc(cap + 1);
  while (buf && (got = fread(buf + len, 1, cap - len, f)) > 0) {
    len += got;
    if (len == cap) {
      char *b = realloc(buf, 2 * cap + 1);
      if (!b) free(buf);
      buf = b;
      cap *= 2;
    }
  }
  fclose(f);
  if (!buf) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory reading %s", path);
  buf[len] = '\0';
  nacre_status s = nacre_fit_model_from_json(buf, path, out, err);
  free(buf);
  return s;
}

/* ---- predictions ----------------------------------------------------- */

nacre_status fit_model_descriptor_values(const nacre_fit_model *m, int nrows,
                                         const double *cols, double *dvals,
                                         nacre_error *err) {
  for (int k = 0; k < m->ndesc; k++) {
    nacre_status s = nacre_fit_expr_eval(m->expr[k], nrows, cols,
                                         dvals + (size_t)k * nrows, err);
    if (s) return s;
  }
  return NACRE_OK;
}

nacre_status nacre_fit_model_predict_values(const nacre_fit_model *m, int nrows,
                                            const double *dvals, double *pred,
                                            nacre_error *err) {
  const size_t n = (size_t)nrows;
  switch (m->predictor) {
  case NACRE_FIT_PREDICT_LINEAR:
  case NACRE_FIT_PREDICT_RANK:
    for (size_t i = 0; i < n; i++) {
      double v = m->predictor == NACRE_FIT_PREDICT_LINEAR ? m->intercept : 0;
      for (int k = 0; k < m->ndesc; k++) v += m->coef[k] * dvals[k * n + i];
      pred[i] = v;
    }
    return NACRE_OK;
  case NACRE_FIT_PREDICT_THRESHOLD:
    for (size_t i = 0; i < n; i++)
      pred[i] = dvals[i] <= m->thr.threshold ? m->thr.class_below : m->thr.class_above;
    return NACRE_OK;
  case NACRE_FIT_PREDICT_SVC: {
    if (!m->svm) return nacre_error_set(err, NACRE_ERR_INVALID, "model has no SVC");
    struct svm_node *x = malloc((size_t)(m->ndesc + 1) * sizeof *x);
    if (!x) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
      for (int k = 0; k < m->ndesc; k++) {
        x[k].index = k + 1;
        x[k].value = (dvals[k * n + i] - m->mean[k]) / m->scale[k];
      }
      x[m->ndesc].index = -1;
      pred[i] = svm_predict(m->svm, x);
    }
    free(x);
    return NACRE_OK;
  }
  }
  return nacre_error_set(err, NACRE_ERR_INVALID, "unknown predictor");
}

nacre_status nacre_fit_model_predict(const nacre_fit_model *m,
                                     const nacre_table *t, double *pred,
                                     nacre_fit_eval *ev, int *has_target,
                                     nacre_error *err) {
  const int n = nacre_table_rows(t);
  if (has_target) *has_target = 0;
  double *cols = malloc(((size_t)m->ncolumns * n + 1) * sizeof *cols);
  double *dv = malloc(((size_t)m->ndesc * n + 1) * sizeof *dv);
  nacre_status s = NACRE_OK;
  if (!cols || !dv) {
    s = nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
    goto done;
  }
  /* only the columns the descriptors name must be present */
  for (int k = 0; k < m->ncolumns; k++) {
    int used = 0;
    for (int d = 0; d < m->ndesc && !used; d++) used = fit_expr_uses(m->expr[d], k);
    int c = nacre_table_find(t, m->columns[k]);
    if (c < 0) {
      if (!used) {
        for (int i = 0; i < n; i++) cols[(size_t)k * n + i] = NAN;
        continue;
      }
      s = nacre_error_set(err, NACRE_ERR_INVALID,
                          "%s has no column '%s', which the model's descriptors use",
                          nacre_table_source(t), m->columns[k]);
      goto done;
    }
    s = nacre_table_numeric(t, c, cols + (size_t)k * n, err);
    if (s) goto done;
  }
  s = fit_model_descriptor_values(m, n, cols, dv, err);
  if (!s) s = nacre_fit_model_predict_values(m, n, dv, pred, err);
  if (s || !ev || !m->target) goto done;
  int tc = nacre_table_find(t, m->target);
  if (tc < 0) goto done;
  s = nacre_table_numeric(t, tc, cols, err); /* reuse: target values */
  if (s) goto done;
  if (has_target) *has_target = 1;
  if (m->predictor == NACRE_FIT_PREDICT_RANK) {
    nacre_fit_eval_regression(n, pred, cols, ev);
    ev->rmse = ev->mae = ev->max_abs_error = ev->r2 = NAN;
  } else if (m->classification) {
    nacre_fit_eval_classification(n, pred, cols, ev);
  } else {
    nacre_fit_eval_regression(n, pred, cols, ev);
  }
done:
  free(cols);
  free(dv);
  return s;
}
