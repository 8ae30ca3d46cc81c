/* space.c — SISSO's feature space (Ouyang et al., Phys. Rev. Materials 2,
 * 083802 (2018), sec. II.A): rung r holds rung r−1 and every operator
 * applied to it, with at least one operand new in rung r−1. Rungs below the
 * last are built here and stored, deduplicated up to affine maps; the last
 * rung is only ever enumerated (fit_space_stream), never stored, so that
 * memory does not grow with it. */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "space.h"

static const struct {
  fit_opx op;
  unsigned mask;
} op_masks[] = {
    {FIT_X_ADD, NACRE_FIT_OP_ADD},       {FIT_X_SUB, NACRE_FIT_OP_SUB},
    {FIT_X_ABSDIFF, NACRE_FIT_OP_ABSDIFF}, {FIT_X_MUL, NACRE_FIT_OP_MUL},
    {FIT_X_DIV, NACRE_FIT_OP_DIV},       {FIT_X_RDIV, NACRE_FIT_OP_DIV},
    {FIT_X_EXP, NACRE_FIT_OP_EXP},       {FIT_X_LOG, NACRE_FIT_OP_LOG},
    {FIT_X_SQRT, NACRE_FIT_OP_SQRT},     {FIT_X_SQUARE, NACRE_FIT_OP_SQUARE},
    {FIT_X_CUBE, NACRE_FIT_OP_CUBE},     {FIT_X_INV, NACRE_FIT_OP_INV},
};

static int is_binary(fit_opx op) { return op >= FIT_X_ADD && op <= FIT_X_RDIV; }

/* ---- units ----------------------------------------------------------- */

static int unit_equal(const nacre_fit_unit *a, const nacre_fit_unit *b) {
  return !memcmp(a->exp6, b->exp6, sizeof a->exp6);
}

static int unit_dimensionless(const nacre_fit_unit *a) {
  for (int k = 0; k < NACRE_FIT_MAX_BASE_UNITS; k++)
    if (a->exp6[k]) return 0;
  return 1;
}

/* out = a·pa + b·pb (exponents), each factor a ratio num/den; 0 when an
 * exponent leaves the representable range or is not a multiple of 1/6. */
static int unit_combine(const nacre_fit_unit *a, int num_a, int den_a,
                        const nacre_fit_unit *b, int num_b,
                        nacre_fit_unit *out) {
  for (int k = 0; k < NACRE_FIT_MAX_BASE_UNITS; k++) {
    int e = a->exp6[k] * num_a;
    if (e % den_a) return 0;
    e /= den_a;
    if (b) e += b->exp6[k] * num_b;
    if (e > 120 || e < -120) return 0;
    out->exp6[k] = (signed char)e;
  }
  return 1;
}

/* ---- nodes ----------------------------------------------------------- */

int fit_node_make(const fit_space *s, fit_opx op, int32_t a, int32_t b,
                  fit_node *out) {
  const fit_node *na = &s->nodes[a], *nb = is_binary(op) ? &s->nodes[b] : NULL;
  int c = 1 + na->complexity + (nb ? nb->complexity : 0);
  if (s->max_complexity > 0 && c > s->max_complexity) return 0;
  out->op = (uint8_t)op;
  out->rung = (uint8_t)(1 + (nb && nb->rung > na->rung ? nb->rung : na->rung));
  out->complexity = (uint16_t)c;
  out->a = a;
  out->b = nb ? b : -1;
  switch (op) {
  case FIT_X_ADD:
  case FIT_X_SUB:
  case FIT_X_ABSDIFF:
    if (!unit_equal(&na->unit, &nb->unit)) return 0;
    out->unit = na->unit;
    return 1;
  case FIT_X_MUL: return unit_combine(&na->unit, 1, 1, &nb->unit, 1, &out->unit);
  case FIT_X_DIV: return unit_combine(&na->unit, 1, 1, &nb->unit, -1, &out->unit);
  case FIT_X_RDIV: return unit_combine(&nb->unit, 1, 1, &na->unit, -1, &out->unit);
  case FIT_X_EXP:
  case FIT_X_LOG:
    /* exp(ln x) and ln(exp x) give back x */
    if (!unit_dimensionless(&na->unit)) return 0;
    if ((op == FIT_X_EXP && na->op == FIT_X_LOG) ||
        (op == FIT_X_LOG && na->op == FIT_X_EXP))
      return 0;
    out->unit = na->unit;
    return 1;
  case FIT_X_SQRT:
    if (na->op == FIT_X_SQUARE) return 0; /* sqrt(x^2) = |x| */
    return unit_combine(&na->unit, 1, 2, NULL, 0, &out->unit);
  case FIT_X_SQUARE:
    if (na->op == FIT_X_SQRT) return 0;
    return unit_combine(&na->unit, 2, 1, NULL, 0, &out->unit);
  case FIT_X_CUBE: return unit_combine(&na->unit, 3, 1, NULL, 0, &out->unit);
  case FIT_X_INV:
    if (na->op == FIT_X_INV) return 0;
    return unit_combine(&na->unit, -1, 1, NULL, 0, &out->unit);
  default: return 0;
  }
}

/* 1 when v is finite, within max_abs and not constant. The sum is finite
 * exactly when every value is (|v| ≤ max_abs keeps it from overflowing). */
static int values_valid(const double *v, int n, double max_abs) {
  double lo = v[0], hi = v[0], sum = 0;
  for (int i = 0; i < n; i++) {
    sum += v[i];
    lo = v[i] < lo ? v[i] : lo;
    hi = v[i] > hi ? v[i] : hi;
  }
  if (!isfinite(sum) || !isfinite(lo) || !isfinite(hi)) return 0;
  double big = fmax(fabs(lo), fabs(hi));
  if (big > max_abs) return 0;
  return hi - lo > 1e-10 * big;
}

int fit_node_values(const fit_space *s, const fit_node *c, double *out) {
  const int n = s->nrows;
  const double *a = s->values + (size_t)c->a * n;
  const double *b = c->b >= 0 ? s->values + (size_t)c->b * n : NULL;
  switch ((fit_opx)c->op) {
  case FIT_X_ADD: for (int i = 0; i < n; i++) out[i] = a[i] + b[i]; break;
  case FIT_X_SUB: for (int i = 0; i < n; i++) out[i] = a[i] - b[i]; break;
  case FIT_X_ABSDIFF: for (int i = 0; i < n; i++) out[i] = fabs(a[i] - b[i]); break;
  case FIT_X_MUL: for (int i = 0; i < n; i++) out[i] = a[i] * b[i]; break;
  case FIT_X_DIV: for (int i = 0; i < n; i++) out[i] = a[i] / b[i]; break;
  case FIT_X_RDIV: for (int i = 0; i < n; i++) out[i] = b[i] / a[i]; break;
  case FIT_X_EXP: for (int i = 0; i < n; i++) out[i] = exp(a[i]); break;
  case FIT_X_LOG: for (int i = 0; i < n; i++) out[i] = log(a[i]); break;
  case FIT_X_SQRT: for (int i = 0; i < n; i++) out[i] = sqrt(a[i]); break;
  case FIT_X_SQUARE: for (int i = 0; i < n; i++) out[i] = a[i] * a[i]; break;
  case FIT_X_CUBE: for (int i = 0; i < n; i++) out[i] = a[i] * a[i] * a[i]; break;
  case FIT_X_INV: for (int i = 0; i < n; i++) out[i] = 1.0 / a[i]; break;
  default: return 0;
  }
  /* log and sqrt of negative values are NaN, division by zero infinite:
   * the validity check catches both. */
  return values_valid(out, n, s->max_abs);
}

int fit_candidate_values(const fit_space *s, const fit_candidate *c,
                         double *out) {
  if (c->stored >= 0) {
    memcpy(out, s->values + (size_t)c->stored * s->nrows,
           (size_t)s->nrows * sizeof *out);
    return 1;
  }
  return fit_node_values(s, &c->node, out);
}

static void node_format(const fit_space *s, const fit_node *c, fit_text *out) {
  if (c->op == FIT_X_PRIMARY) {
    fit_text_name(s->names[c->a], out);
    return;
  }
  fit_text *ta = malloc(2 * sizeof *ta);
  if (!ta) {
    snprintf(out->s, sizeof out->s, "?");
    return;
  }
  fit_text *tb = ta + 1;
  node_format(s, &s->nodes[c->a], ta);
  if (c->b >= 0) node_format(s, &s->nodes[c->b], tb);
  switch ((fit_opx)c->op) {
  case FIT_X_ADD: fit_text_binary('+', ta, tb, out); break;
  case FIT_X_SUB: fit_text_binary('-', ta, tb, out); break;
  case FIT_X_ABSDIFF: fit_text_binary('|', ta, tb, out); break;
  case FIT_X_MUL: fit_text_binary('*', ta, tb, out); break;
  case FIT_X_DIV: fit_text_binary('/', ta, tb, out); break;
  case FIT_X_RDIV: fit_text_binary('/', tb, ta, out); break;
  case FIT_X_EXP: fit_text_unary("exp", ta, out); break;
  case FIT_X_LOG: fit_text_unary("ln", ta, out); break;
  case FIT_X_SQRT: fit_text_unary("sqrt", ta, out); break;
  case FIT_X_SQUARE: fit_text_unary("^2", ta, out); break;
  case FIT_X_CUBE: fit_text_unary("^3", ta, out); break;
  case FIT_X_INV: fit_text_unary("inv", ta, out); break;
  default: snprintf(out->s, sizeof out->s, "?"); break;
  }
  free(ta);
}

void fit_candidate_format(const fit_space *s, const fit_candidate *c,
                          fit_text *out) {
  node_format(s, c->stored >= 0 ? &s->nodes[c->stored] : &c->node, out);
}

/* ---- fingerprints ---------------------------------------------------- */

static uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

uint64_t fit_fingerprint(const double *v, int n) {
  double mean = 0;
  for (int i = 0; i < n; i++) mean += v[i];
  mean /= n;
  double norm = 0, dir = 0;
  for (int i = 0; i < n; i++) {
    double d = v[i] - mean;
    norm += d * d;
    /* a fixed direction that no feature is orthogonal to by accident
     * fixes the sign of a */
    dir += d * ((double)(mix64((uint64_t)i + 1) >> 11) * 0x1p-53 - 0.5);
  }
  norm = sqrt(norm);
  if (!(norm > 0)) return 2;
  double scale = (dir >= 0 ? 1e9 : -1e9) / norm;
  uint64_t h = 0x9e3779b97f4a7c15ull;
  for (int i = 0; i < n; i++)
    h = mix64(h ^ (uint64_t)llround((v[i] - mean) * scale));
  return h < 2 ? h + 2 : h; /* 0 and 1 mark empty and deleted slots */
}

/* Open-addressing set of fingerprints. */
typedef struct fp_set {
  uint64_t *slot;
  size_t mask;
  size_t n;
} fp_set;

static int fp_set_init(fp_set *h, size_t expect) {
  size_t cap = 64;
  while (cap < 2 * expect) cap *= 2;
  h->slot = calloc(cap, sizeof *h->slot);
  h->mask = cap - 1;
  h->n = 0;
  return h->slot != NULL;
}

/* Inserts; 1 when new, 0 when present, −1 out of memory. */
static int fp_set_add(fp_set *h, uint64_t fp) {
  if (2 * (h->n + 1) > h->mask + 1) {
    fp_set bigger;
    if (!fp_set_init(&bigger, h->n + 1)) return -1;
    for (size_t k = 0; k <= h->mask; k++)
      if (h->slot[k]) fp_set_add(&bigger, h->slot[k]);
    free(h->slot);
    *h = bigger;
  }
  size_t k = (size_t)mix64(fp) & h->mask;
  while (h->slot[k]) {
    if (h->slot[k] == fp) return 0;
    k = (k + 1) & h->mask;
  }
  h->slot[k] = fp;
  h->n++;
  return 1;
}

/* ---- enumeration ----------------------------------------------------- */

/* Candidates of rung g: unary operators on each feature j new in rung g−1,
 * binary operators on pairs (i < j) with j new. seq orders them as a
 * serial loop would. */
static long long rung_total(const fit_space *s, int g) {
  long long lo = s->rung_start[g - 1], hi = s->rung_start[g], t = 0;
  for (long long j = lo; j < hi; j++) t += s->nun + j * s->nbin;
  return t;
}

/* End of the stored rungs (features appended later as deepening operands
 * lie beyond it and are not part of Φ_R). */
static long long stored_end(const fit_space *s) {
  return s->rung_start[s->rung > 0 ? s->rung : 1];
}

long long fit_space_stream_total(const fit_space *s) {
  return stored_end(s) + (s->rung >= 1 ? rung_total(s, s->rung) : 0);
}

typedef struct stream_shared {
  volatile int stop;
  long long done;
} stream_shared;

/* When progress was last reported, and where the pass started (time and
 * candidates), across the blocks of one stream. */
typedef struct progress_clock {
  double last, start;
  long long start_done;
} progress_clock;

static nacre_status stream_rung(const fit_space *s, int g, long long lo, long long hi,
                                const fit_visitor *v, const nacre_ctx *ctx,
                                double deadline, int pass, double t0,
                                void (*progress)(void *, const nacre_fit_progress *),
                                void *progress_user, progress_clock *clock,
                                long long done_before, long long total,
                                long long *examined, long long *valid) {
  (void)g;
  const uint64_t width = (uint64_t)s->rung_start[g] + 1, base = (uint64_t)stored_end(s);
  stream_shared sh = {0, done_before};
  long long nvalid = 0;
  int nomem = 0;
  int nthreads = ctx && ctx->nthreads > 0 ? ctx->nthreads : omp_get_max_threads();
  progress_clock own = {nacre_now_s(), nacre_now_s(), done_before};
  if (!clock) clock = &own;
#pragma omp parallel num_threads(nthreads) reduction(+ : nvalid)
  {
    int tid = omp_get_thread_num();
    void *state = v->make_state(v->user, tid);
    double *buf = malloc((size_t)s->nrows * sizeof *buf);
    if (!state || !buf) {
#pragma omp atomic write
      nomem = 1;
    }
#pragma omp for schedule(dynamic, 1)
    for (long long j = lo; j < hi; j++) {
      if (sh.stop || nomem) continue;
      fit_candidate c;
      c.stored = -1;
      long long count = 0;
      for (int u = 0; u < s->nun; u++) {
        count++;
        if (!fit_node_make(s, s->un[u], (int32_t)j, -1, &c.node)) continue;
        if (!fit_node_values(s, &c.node, buf)) continue;
        c.seq = base + ((uint64_t)j * width) * 16 + (uint64_t)s->un[u];
        v->visit(state, &c, buf);
        nvalid++;
      }
      for (long long i = 0; i < j; i++)
        for (int k = 0; k < s->nbin; k++) {
          count++;
          if (!fit_node_make(s, s->bin[k], (int32_t)i, (int32_t)j, &c.node)) continue;
          if (!fit_node_values(s, &c.node, buf)) continue;
          c.seq = base + ((uint64_t)j * width + (uint64_t)i + 1) * 16 + (uint64_t)s->bin[k];
          v->visit(state, &c, buf);
          nvalid++;
        }
      long long done;
#pragma omp atomic capture
      done = sh.done += count;
      if (tid == 0) {
        double now = nacre_now_s();
        if ((deadline > 0 && now > deadline) || nacre_ctx_interrupted(ctx)) sh.stop = 1;
        if (progress && now - clock->last >= 1.0) {
          nacre_fit_progress p = {pass, done, total, now - t0,
                                  (done - clock->start_done) / fmax(now - clock->start, 1e-9)};
          progress(progress_user, &p);
          clock->last = now;
        }
      } else if (deadline > 0 && (j & 63) == 0 && nacre_now_s() > deadline) {
        sh.stop = 1;
      }
    }
    free(buf);
    if (state) v->free_state(v->user, state);
  }
  *examined = sh.done - done_before;
  *valid = nvalid;
  if (nomem) return NACRE_ERR_NOMEM;
  return sh.stop ? NACRE_ERR_INTERRUPTED : NACRE_OK;
}

nacre_status fit_space_stream(const fit_space *s, const fit_visitor *v,
                              const nacre_ctx *ctx, double deadline, int pass,
                              double t0,
                              void (*progress)(void *, const nacre_fit_progress *),
                              void *progress_user, long long *examined,
                              long long *valid) {
  *examined = *valid = 0;
  /* The stored features are candidates too (Φ_R contains Φ_{R−1}). */
  void *state = v->make_state(v->user, 0);
  if (!state) return NACRE_ERR_NOMEM;
  const long long end = stored_end(s);
  for (long long k = 0; k < end; k++) {
    fit_candidate c = {s->nodes[k], k, (uint64_t)k};
    v->visit(state, &c, s->values + (size_t)k * s->nrows);
  }
  v->free_state(v->user, state);
  *examined = *valid = end;
  if (s->rung < 1) return NACRE_OK;
  long long ex = 0, va = 0;
  nacre_status st = stream_rung(s, s->rung, s->rung_start[s->rung - 1], s->rung_start[s->rung],
                                v, ctx, deadline, pass, t0, progress, progress_user, NULL, end,
                                fit_space_stream_total(s), &ex, &va);
  *examined += ex;
  *valid += va;
  return st;
}

long long fit_space_first_j(const fit_space *s) {
  return s->rung > 0 ? s->rung_start[s->rung - 1] : 0;
}
long long fit_space_end_j(const fit_space *s) { return s->rung > 0 ? s->rung_start[s->rung] : 0; }

/* Candidates of the last rung for j < upto (the stored features
 * included). */
static long long done_before_j(const fit_space *s, long long upto) {
  const long long lo = fit_space_first_j(s);
  if (upto <= lo) return stored_end(s);
  return stored_end(s) + (upto - lo) * s->nun + s->nbin * ((upto - 1 + lo) * (upto - lo) / 2);
}

nacre_status fit_space_stream_blocks(const fit_space *s, const fit_visitor *v,
                                     const nacre_ctx *ctx, double deadline, int pass,
                                     double t0,
                                     void (*progress)(void *, const nacre_fit_progress *),
                                     void *progress_user, long long from_j,
                                     int (*between)(void *, long long), void *between_user,
                                     long long *examined, long long *valid) {
  *examined = *valid = 0;
  const long long lo = fit_space_first_j(s), hi = fit_space_end_j(s);
  if (from_j <= lo || s->rung < 1) {
    /* the stored features are candidates too (Φ_R contains Φ_{R−1}) */
    void *state = v->make_state(v->user, 0);
    if (!state) return NACRE_ERR_NOMEM;
    const long long end = stored_end(s);
    for (long long k = 0; k < end; k++) {
      fit_candidate c = {s->nodes[k], k, (uint64_t)k};
      v->visit(state, &c, s->values + (size_t)k * s->nrows);
    }
    v->free_state(v->user, state);
    *examined = *valid = end;
    from_j = lo;
    if (s->rung < 1) return between ? (between(between_user, hi) ? NACRE_ERR_INTERRUPTED : NACRE_OK)
                                    : NACRE_OK;
  }
  const long long total = fit_space_stream_total(s);
  /* a 32nd of the stream a block, between 10^5 and 4·10^6 candidates: the
   * merge between blocks costs nothing next to them */
  long long block = total / 32;
  block = block < 100000 ? 100000 : block > 4000000 ? 4000000 : block;
  progress_clock clock = {nacre_now_s(), nacre_now_s(), done_before_j(s, from_j)};
  for (long long j0 = from_j; j0 < hi;) {
    long long j1 = j0 + 1, cands = s->nun + j0 * s->nbin;
    while (j1 < hi && cands < block) cands += s->nun + j1++ * s->nbin;
    long long ex = 0, va = 0;
    nacre_status st = stream_rung(s, s->rung, j0, j1, v, ctx, deadline, pass, t0, progress,
                                  progress_user, &clock, done_before_j(s, j0), total, &ex, &va);
    *examined += ex;
    *valid += va;
    if (st) return st;
    if (between && between(between_user, j1)) return NACRE_ERR_INTERRUPTED;
    if (progress) { /* every block ends with a report */
      double now = nacre_now_s();
      long long done = done_before_j(s, j1);
      nacre_fit_progress p = {pass, done, total, now - t0,
                              (done - clock.start_done) / fmax(now - clock.start, 1e-9)};
      progress(progress_user, &p);
      clock.last = now;
    }
    if (nacre_ctx_interrupted(ctx)) return NACRE_ERR_INTERRUPTED;
    j0 = j1;
  }
  return NACRE_OK;
}

/* ---- deepening: one more operator level on chosen features ---------- */

static nacre_status grow_storage_checked(fit_space *s, long long need, double max_bytes,
                                         nacre_error *err);

long long fit_space_append(fit_space *s, const fit_node *node, const double *values,
                           double max_bytes, nacre_error *err) {
  if (grow_storage_checked(s, s->nstored + 1, max_bytes, err)) return -1;
  s->nodes[s->nstored] = *node;
  memcpy(s->values + (size_t)s->nstored * s->nrows, values, (size_t)s->nrows * sizeof *values);
  return s->nstored++;
}

nacre_status fit_space_stream_deepen(const fit_space *s, const long long *js, int nj,
                                     int level, const fit_visitor *v, const nacre_ctx *ctx,
                                     double deadline, long long *examined,
                                     long long *valid) {
  const long long partners = stored_end(s);
  const uint64_t width = (uint64_t)s->nstored + 1;
  const uint64_t base = 0x4000000000000000ull + ((uint64_t)level << 52);
  volatile int stop = 0;
  long long nexam = 0, nvalid = 0;
  int nomem = 0;
  int nthreads = ctx && ctx->nthreads > 0 ? ctx->nthreads : omp_get_max_threads();
#pragma omp parallel num_threads(nthreads) reduction(+ : nexam, nvalid)
  {
    void *state = v->make_state(v->user, omp_get_thread_num());
    double *buf = malloc((size_t)s->nrows * sizeof *buf);
    if (!state || !buf) {
#pragma omp atomic write
      nomem = 1;
    }
#pragma omp for schedule(dynamic, 1)
    for (int jj = 0; jj < nj; jj++) {
      if (stop || nomem) continue;
      const long long j = js[jj];
      fit_candidate c;
      c.stored = -1;
      for (int u = 0; u < s->nun; u++) {
        nexam++;
        if (!fit_node_make(s, s->un[u], (int32_t)j, -1, &c.node)) continue;
        if (!fit_node_values(s, &c.node, buf)) continue;
        c.seq = base + ((uint64_t)jj * width) * 16 + (uint64_t)s->un[u];
        v->visit(state, &c, buf);
        nvalid++;
      }
      /* partners: the stored rungs, then the chosen features before j */
      for (long long k = 0; k < partners + jj; k++) {
        const long long i = k < partners ? k : js[k - partners];
        for (int b = 0; b < s->nbin; b++) {
          nexam++;
          if (!fit_node_make(s, s->bin[b], (int32_t)i, (int32_t)j, &c.node)) continue;
          if (!fit_node_values(s, &c.node, buf)) continue;
          c.seq = base + ((uint64_t)jj * width + (uint64_t)k + 1) * 16 + (uint64_t)s->bin[b];
          v->visit(state, &c, buf);
          nvalid++;
        }
      }
      if ((deadline > 0 && nacre_now_s() > deadline) || nacre_ctx_interrupted(ctx)) stop = 1;
    }
    free(buf);
    if (state) v->free_state(v->user, state);
  }
  *examined = nexam;
  *valid = nvalid;
  if (nomem) return NACRE_ERR_NOMEM;
  return stop ? NACRE_ERR_INTERRUPTED : NACRE_OK;
}

/* ---- building the stored rungs --------------------------------------- */

typedef struct built {
  fit_node node;
  uint64_t seq, fp;
} built;

typedef struct build_list {
  built *item;
  long long n, cap;
  int nomem, nrows;
} build_list;

static void *build_make(void *user, int thread) {
  build_list *lists = user;
  return &lists[thread];
}
static void build_free(void *user, void *state) { (void)user; (void)state; }

static void build_visit(void *state, const fit_candidate *c, const double *v) {
  build_list *l = state;
  if (l->nomem) return;
  if (l->n == l->cap) {
    long long cap = l->cap ? 2 * l->cap : 1024;
    built *b = realloc(l->item, (size_t)cap * sizeof *b);
    if (!b) {
      l->nomem = 1;
      return;
    }
    l->item = b;
    l->cap = cap;
  }
  l->item[l->n++] = (built){c->node, c->seq, fit_fingerprint(v, l->nrows)};
}

static int cmp_built(const void *pa, const void *pb) {
  const built *a = pa, *b = pb;
  if (a->node.complexity != b->node.complexity)
    return a->node.complexity < b->node.complexity ? -1 : 1;
  return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static nacre_status grow_storage(fit_space *s, long long need, double max_bytes,
                                 int rung, nacre_error *err) {
  double bytes = (double)need * ((double)s->nrows * 8.0 + sizeof(fit_node));
  if (bytes > max_bytes)
    return nacre_error_set(
        err, NACRE_ERR_INVALID,
        "the stored rungs 0..%d would hold %lld features in %.2f GB, above "
        "the limit of %.2f GB: lower --rung, restrict --ops or "
        "--max-complexity, give units, or raise --max-memory",
        rung, need, bytes / 1e9, max_bytes / 1e9);
  fit_node *nodes = realloc(s->nodes, (size_t)need * sizeof *nodes);
  if (nodes) s->nodes = nodes;
  double *values = realloc(s->values, (size_t)need * (size_t)s->nrows * sizeof *values);
  if (values) s->values = values;
  if (!nodes || !values)
    return nacre_error_set(err, NACRE_ERR_NOMEM,
                           "out of memory storing %lld features", need);
  s->capacity = need;
  return NACRE_OK;
}

/* Room for `need` features, growing by half again so that appends stay
 * cheap; the memory limit applies to what is stored. */
static nacre_status grow_storage_checked(fit_space *s, long long need, double max_bytes,
                                         nacre_error *err) {
  if (need <= s->capacity) return NACRE_OK;
  long long cap = need + need / 2;
  double bytes = (double)need * ((double)s->nrows * 8.0 + sizeof(fit_node));
  if (bytes > max_bytes)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "%lld stored features would need %.2f GB, above the limit of "
                           "%.2f GB (--max-memory)",
                           need, bytes / 1e9, max_bytes / 1e9);
  fit_node *nodes = realloc(s->nodes, (size_t)cap * sizeof *nodes);
  if (nodes) s->nodes = nodes;
  double *values = realloc(s->values, (size_t)cap * (size_t)s->nrows * sizeof *values);
  if (values) s->values = values;
  if (!nodes || !values)
    return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory storing %lld features", need);
  s->capacity = cap;
  return NACRE_OK;
}

/* Builds rung g from the stored rungs below it. */
static nacre_status build_rung(fit_space *s, int g, fp_set *seen,
                               double max_bytes, const nacre_ctx *ctx,
                               nacre_error *err) {
  int nthreads = ctx && ctx->nthreads > 0 ? ctx->nthreads : omp_get_max_threads();
  build_list *lists = calloc((size_t)nthreads, sizeof *lists);
  if (!lists) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  for (int t = 0; t < nthreads; t++) lists[t].nrows = s->nrows;
  fit_visitor v = {build_make, build_free, build_visit, lists};
  s->rung_start[g] = s->nstored;
  /* enumerate rung g: the features new in rung g−1 are
   * [rung_start[g−1], rung_start[g]) */
  long long examined = 0, valid = 0;
  nacre_status st = stream_rung(s, g, s->rung_start[g - 1], s->rung_start[g], &v, ctx, 0, 0, 0,
                                NULL, NULL, NULL, 0, rung_total(s, g), &examined, &valid);
  s->built_candidates += examined;
  long long total = 0;
  for (int t = 0; t < nthreads; t++) {
    if (lists[t].nomem) st = NACRE_ERR_NOMEM;
    total += lists[t].n;
  }
  built *all = st == NACRE_OK ? malloc((size_t)(total ? total : 1) * sizeof *all) : NULL;
  if (st == NACRE_OK && !all) st = NACRE_ERR_NOMEM;
  if (st == NACRE_OK) {
    long long o = 0;
    for (int t = 0; t < nthreads; t++) {
      if (lists[t].n) memcpy(all + o, lists[t].item, (size_t)lists[t].n * sizeof *all);
      o += lists[t].n;
    }
  }
  for (int t = 0; t < nthreads; t++) free(lists[t].item);
  free(lists);
  if (st != NACRE_OK) {
    free(all);
    if (st == NACRE_ERR_INTERRUPTED) return nacre_error_set(err, st, "interrupted");
    return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory building rung %d", g);
  }
  /* the simplest (then first) of each family is kept */
  qsort(all, (size_t)total, sizeof *all, cmp_built);
  long long kept = 0;
  for (long long k = 0; k < total; k++) {
    int r = fp_set_add(seen, all[k].fp);
    if (r < 0) {
      free(all);
      return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
    }
    if (r) all[kept++] = all[k];
  }
  st = grow_storage(s, s->nstored + kept, max_bytes, g, err);
  if (st) {
    free(all);
    return st;
  }
  const long long first = s->nstored;
  for (long long k = 0; k < kept; k++) s->nodes[first + k] = all[k].node;
#pragma omp parallel for num_threads(nthreads) schedule(static)
  for (long long k = 0; k < kept; k++)
    fit_node_values(s, &s->nodes[first + k],
                    s->values + (size_t)(first + k) * s->nrows);
  s->nstored += kept;
  s->rung_start[g + 1] = s->nstored;
  free(all);
  return NACRE_OK;
}

nacre_status fit_space_build(fit_space *s, const nacre_fit_data *d,
                             const nacre_fit_sis_options *o,
                             const nacre_ctx *ctx, nacre_error *err) {
  memset(s, 0, sizeof *s);
  s->nrows = d->nrows;
  s->nprimary = d->nfeatures;
  s->names = d->names;
  s->max_complexity = o->max_complexity;
  s->max_abs = o->max_abs_value > 0 ? o->max_abs_value : 1e10;
  s->rung = o->rung;
  if (o->rung < 0 || o->rung > 3)
    return nacre_error_set(err, NACRE_ERR_INVALID, "rung %d: 0 to 3 are possible", o->rung);
  for (size_t k = 0; k < sizeof op_masks / sizeof *op_masks; k++) {
    if (!(o->ops & op_masks[k].mask)) continue;
    if (is_binary(op_masks[k].op)) s->bin[s->nbin++] = op_masks[k].op;
    else s->un[s->nun++] = op_masks[k].op;
  }
  nacre_status st = grow_storage(s, d->nfeatures, o->max_memory_bytes, 0, err);
  if (st) return st;
  fp_set seen;
  if (!fp_set_init(&seen, 1024)) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  /* rung 0: the primary features, constant or repeated columns dropped */
  for (int k = 0; k < d->nfeatures; k++) {
    fit_node *nd = &s->nodes[s->nstored];
    memset(nd, 0, sizeof *nd);
    nd->op = FIT_X_PRIMARY;
    nd->a = k;
    nd->b = -1;
    st = nacre_fit_unit_parse(d->units ? d->units[k] : "", &s->units, &nd->unit, err);
    if (st) {
      nacre_error_prefix(err, "column '%s': ", d->names[k]);
      free(seen.slot);
      return st;
    }
    const double *col = d->x + (size_t)k * d->nrows;
    if (!values_valid(col, d->nrows, INFINITY)) {
      nacre_log(ctx, NACRE_LOG_INFO, "feature '%s' is constant: left out", d->names[k]);
      continue;
    }
    if (fp_set_add(&seen, fit_fingerprint(col, d->nrows)) == 0) {
      nacre_log(ctx, NACRE_LOG_INFO,
                "feature '%s' is an affine copy of an earlier column: left out",
                d->names[k]);
      continue;
    }
    memcpy(s->values + (size_t)s->nstored * d->nrows, col, (size_t)d->nrows * sizeof *col);
    s->nstored++;
  }
  s->rung_start[0] = 0;
  s->rung_start[1] = s->nstored;
  if (!s->nstored) {
    free(seen.slot);
    return nacre_error_set(err, NACRE_ERR_INVALID, "every feature column is constant");
  }
  for (int g = 1; g < o->rung; g++) {
    st = build_rung(s, g, &seen, o->max_memory_bytes, ctx, err);
    if (st) {
      free(seen.slot);
      return st;
    }
    nacre_log(ctx, NACRE_LOG_INFO, "rung %d: %lld features stored", g,
              s->rung_start[g + 1] - s->rung_start[g]);
  }
  free(seen.slot);
  return NACRE_OK;
}

void fit_space_free(fit_space *s) {
  free(s->nodes);
  free(s->values);
  memset(s, 0, sizeof *s);
}
