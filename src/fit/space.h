/* space.h — the feature space of the descriptor search (SISSO's Φ_R):
 * stored rungs, the enumeration of the last rung, feature values,
 * fingerprints for deduplication and formulas. Private to src/fit. */
#ifndef NACRE_FIT_SPACE_H
#define NACRE_FIT_SPACE_H

#include <stdint.h>

#include "fit_internal.h"

typedef enum fit_opx {
  FIT_X_PRIMARY = 0,
  FIT_X_ADD, FIT_X_SUB, FIT_X_ABSDIFF, FIT_X_MUL, FIT_X_DIV, FIT_X_RDIV,
  FIT_X_EXP, FIT_X_LOG, FIT_X_SQRT, FIT_X_SQUARE, FIT_X_CUBE, FIT_X_INV,
  FIT_X_COUNT
} fit_opx;

/* One feature: an operator applied to stored features a (and b); for a
 * primary feature a is the column. FIT_X_DIV is a/b, FIT_X_RDIV b/a. */
typedef struct fit_node {
  uint8_t op;
  uint8_t rung;
  uint16_t complexity;  /* operators in the expression */
  int32_t a, b;
  nacre_fit_unit unit;
} fit_node;

typedef struct fit_space {
  int nrows;
  int nprimary;
  char *const *names;             /* primary column names (borrowed) */
  nacre_fit_unit_table units;
  int max_complexity;
  double max_abs;
  int rung;                       /* rung of the streamed candidates */
  int nbin, nun;                  /* enabled binary and unary operators */
  fit_opx bin[6], un[6];
  fit_node *nodes;                /* stored features: rungs 0..rung−1,
                                     then deepening operands */
  long long nstored, capacity;
  double *values;                 /* nstored × nrows */
  long long rung_start[5];        /* rung r: [rung_start[r], rung_start[r+1]) */
  long long built_candidates;     /* candidates examined while building */
} fit_space;

/* A candidate as the stream hands it over. */
typedef struct fit_candidate {
  fit_node node;
  long long stored;  /* index when it is a stored feature, else −1 */
  uint64_t seq;      /* enumeration order, for deterministic ties */
} fit_candidate;

/* Visitor of the stream: thread is the per-thread state made by
 * make_state; values are valid (finite, not constant, within max_abs). */
typedef struct fit_visitor {
  void *(*make_state)(void *user, int thread);
  void (*free_state)(void *user, void *state);
  void (*visit)(void *state, const fit_candidate *c, const double *values);
  void *user;
} fit_visitor;


/* Builds the stored rungs 0..o->rung−1 (deduplicated, checked against
 * o->max_memory_bytes). */
nacre_status fit_space_build(fit_space *s, const nacre_fit_data *d,
                             const nacre_fit_sis_options *o,
                             const nacre_ctx *ctx, nacre_error *err);
void fit_space_free(fit_space *s);

/* Candidates of the last rung examined by one stream (stored features
 * included). */
long long fit_space_stream_total(const fit_space *s);

/* Streams every stored feature and every candidate of the last rung
 * through the visitor on ctx's threads. Stops early (returning
 * NACRE_ERR_INTERRUPTED) when ctx's interrupt is raised or `deadline`
 * (bench clock seconds, 0 = none) passes; *examined counts candidates,
 * *valid those handed to visit. progress may be NULL. */
nacre_status fit_space_stream(const fit_space *s, const fit_visitor *v,
                              const nacre_ctx *ctx, double deadline,
                              int pass, double t0,
                              void (*progress)(void *,
                                               const nacre_fit_progress *),
                              void *progress_user, long long *examined,
                              long long *valid);

/* The same in blocks, for checkpoints: the last rung's candidates j in
 * [from_j, fit_space_end_j) (the stored features first when from_j ≤
 * fit_space_first_j) in blocks of about 4 million candidates; each block
 * ends its visitor states (so their results are merged) and then calls
 * between(user, next_j) serially; a nonzero return stops the stream
 * (NACRE_ERR_INTERRUPTED). */
nacre_status fit_space_stream_blocks(const fit_space *s, const fit_visitor *v,
                                     const nacre_ctx *ctx, double deadline, int pass,
                                     double t0,
                                     void (*progress)(void *, const nacre_fit_progress *),
                                     void *progress_user, long long from_j,
                                     int (*between)(void *, long long), void *between_user,
                                     long long *examined, long long *valid);
/* The range of j (features new in rung R − 1) the last rung pairs up. */
long long fit_space_first_j(const fit_space *s);
long long fit_space_end_j(const fit_space *s);

/* Deepening (beyond SISSO's rungs): one more operator level applied to
 * chosen features. fit_space_append stores a feature (an operand for
 * deepening; it does not join Φ_R) and returns its index, or −1 with err
 * set. fit_space_stream_deepen streams, for each chosen stored feature
 * js[k], every unary operator on it and every binary operator between it
 * and the stored rungs or js[0..k−1]. */
long long fit_space_append(fit_space *s, const fit_node *node, const double *values,
                           double max_bytes, nacre_error *err);
nacre_status fit_space_stream_deepen(const fit_space *s, const long long *js, int nj,
                                     int level, const fit_visitor *v, const nacre_ctx *ctx,
                                     double deadline, long long *examined,
                                     long long *valid);

/* Fills a node for op applied to stored features a (and b); 0 when units,
 * domain of the operator or the complexity limit forbid it. */
int fit_node_make(const fit_space *s, fit_opx op, int32_t a, int32_t b,
                  fit_node *out);
/* Values of a node whose operands are stored; 1 when valid. */
int fit_node_values(const fit_space *s, const fit_node *c, double *out);
/* Values of a candidate (copied when stored). */
int fit_candidate_values(const fit_space *s, const fit_candidate *c,
                         double *out);
/* Formula of a candidate. */
void fit_candidate_format(const fit_space *s, const fit_candidate *c,
                          fit_text *out);

/* Hash of a feature up to affine maps v → a·v + b (a ≠ 0): equal for
 * features that any linear model or threshold treats alike. */
uint64_t fit_fingerprint(const double *v, int n);

#endif
