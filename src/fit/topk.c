/* topk.c — the bounded list of the best screened candidates (fit_topk in
 * score.h). */
#include <stdlib.h>
#include <string.h>

#include "score.h"

int fit_topk_init(fit_topk *t, int cap) {
  memset(t, 0, sizeof *t);
  t->cap = cap;
  t->buf = malloc(2 * (size_t)cap * sizeof *t->buf);
  return t->buf != NULL;
}

void fit_topk_free(fit_topk *t) {
  free(t->buf);
  memset(t, 0, sizeof *t);
}

int fit_entry_cmp(const fit_entry *a, const fit_entry *b) {
  int k = fit_key_cmp(a->key, b->key);
  if (k) return k;
  if (a->c.node.complexity != b->c.node.complexity)
    return a->c.node.complexity < b->c.node.complexity ? -1 : 1;
  return a->c.seq < b->c.seq ? -1 : a->c.seq > b->c.seq;
}

static int cmp_entry(const void *a, const void *b) {
  return fit_entry_cmp(a, b);
}

/* Fingerprint first, so that each family is one run, its simplest
 * member first: members of a family have the same score up to rounding,
 * which must not decide between x·y and x/(1/y). */
static int cmp_fp(const void *pa, const void *pb) {
  const fit_entry *a = pa, *b = pb;
  if (a->fp != b->fp) return a->fp < b->fp ? -1 : 1;
  if (a->c.node.complexity != b->c.node.complexity)
    return a->c.node.complexity < b->c.node.complexity ? -1 : 1;
  return a->c.seq < b->c.seq ? -1 : a->c.seq > b->c.seq;
}

int fit_topk_accepts(const fit_topk *t, const double key[3],
                     const fit_candidate *c) {
  if (!t->full) return 1;
  fit_entry e;
  memcpy(e.key, key, sizeof e.key);
  e.c = *c;
  return fit_entry_cmp(&e, &t->bar) < 0;
}

static void compact(fit_topk *t) {
  qsort(t->buf, (size_t)t->n, sizeof *t->buf, cmp_fp);
  int m = 0;
  for (int k = 0; k < t->n; k++)
    if (!m || t->buf[k].fp != t->buf[m - 1].fp) t->buf[m++] = t->buf[k];
  qsort(t->buf, (size_t)m, sizeof *t->buf, cmp_entry);
  if (m >= t->cap) {
    m = t->cap;
    t->full = 1;
    t->bar = t->buf[m - 1];
  }
  t->n = m;
}

int fit_topk_push(fit_topk *t, const fit_entry *e) {
  if (t->n == 2 * t->cap) compact(t);
  t->buf[t->n++] = *e;
  return 1;
}

void fit_topk_finish(fit_topk *t) { compact(t); }
