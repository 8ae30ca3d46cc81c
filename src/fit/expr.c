/* expr.c — formulas over named columns: the parser and evaluator that
 * model files and `nacre fit predict` use, and the printing rules that the
 * feature space follows, so that every printed descriptor parses back to
 * the same numbers (x^2 is x·x, x^3 is x·x·x and 1/x a division, exactly as
 * the space computes them). */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fit_internal.h"

/* Postfix program. */
typedef enum {
  I_COL, I_CONST, I_NEG, I_ADD, I_SUB, I_MUL, I_DIV, I_POW, I_EXP, I_LN,
  I_SQRT, I_CBRT, I_ABS
} instr_op;

typedef struct instr {
  instr_op op;
  int col;
  double value;
} instr;

struct nacre_fit_expr {
  int n, cap;
  instr *code;
  int depth; /* largest stack depth */
};

typedef struct parser {
  const char *text, *p;
  int nnames;
  const char *const *names;
  nacre_fit_expr *e;
  nacre_error *err;
  int failed;
} parser;

static const char *const function_names[] = {"exp", "ln", "log", "sqrt",
                                             "cbrt", "abs", NULL};

/* A name printed bare: an ASCII identifier (dots allowed after the first
 * character) that is not a function name. */
int fit_name_is_bare(const char *name) {
  if (!(isalpha((unsigned char)name[0]) || name[0] == '_')) return 0;
  for (const char *q = name; *q; q++)
    if (!(isalnum((unsigned char)*q) || *q == '_' || *q == '.')) return 0;
  for (int k = 0; function_names[k]; k++)
    if (!strcmp(name, function_names[k])) return 0;
  return 1;
}

static void emit(parser *ps, instr_op op, int col, double value) {
  if (ps->failed) return;
  nacre_fit_expr *e = ps->e;
  if (e->n == e->cap) {
    int cap = e->cap ? 2 * e->cap : 16;
    instr *c = realloc(e->code, (size_t)cap * sizeof *c);
    if (!c) {
      nacre_error_set(ps->err, NACRE_ERR_NOMEM, "out of memory");
      ps->failed = 1;
      return;
    }
    e->code = c;
    e->cap = cap;
  }
  e->code[e->n++] = (instr){op, col, value};
}

static void fail(parser *ps, const char *what) {
  if (ps->failed) return;
  ps->failed = 1;
  nacre_error_set(ps->err, NACRE_ERR_PARSE,
                  "formula '%s': %s at character %d", ps->text, what,
                  (int)(ps->p - ps->text) + 1);
}

static void skip_space(parser *ps) {
  while (*ps->p == ' ' || *ps->p == '\t') ps->p++;
}

/* Accepts an ASCII operator or its typographic form (· × for *, − for -). */
static int accept_op(parser *ps, char op) {
  skip_space(ps);
  const char *p = ps->p;
  if (*p == op) {
    ps->p++;
    return 1;
  }
  if (op == '*' && (!strncmp(p, "\xC2\xB7", 2) || !strncmp(p, "\xC3\x97", 2))) {
    ps->p += 2;
    return 1;
  }
  if (op == '-' && !strncmp(p, "\xE2\x88\x92", 3)) {
    ps->p += 3;
    return 1;
  }
  return 0;
}

static void parse_sum(parser *ps);

static void parse_name_or_call(parser *ps) {
  const char *start = ps->p;
  size_t len;
  char name[256];
  if (*ps->p == '`') {
    const char *close = strchr(ps->p + 1, '`');
    if (!close) {
      fail(ps, "unterminated `name`");
      return;
    }
    start = ps->p + 1;
    len = (size_t)(close - start);
    ps->p = close + 1;
  } else {
    while (isalnum((unsigned char)*ps->p) || *ps->p == '_' || *ps->p == '.')
      ps->p++;
    len = (size_t)(ps->p - start);
    skip_space(ps);
    if (*ps->p == '(') {
      instr_op op;
      if (len == 3 && !strncmp(start, "exp", 3)) op = I_EXP;
      else if ((len == 2 && !strncmp(start, "ln", 2)) ||
               (len == 3 && !strncmp(start, "log", 3))) op = I_LN;
      else if (len == 4 && !strncmp(start, "sqrt", 4)) op = I_SQRT;
      else if (len == 4 && !strncmp(start, "cbrt", 4)) op = I_CBRT;
      else if (len == 3 && !strncmp(start, "abs", 3)) op = I_ABS;
      else {
        fail(ps, "unknown function");
        return;
      }
      ps->p++;
      parse_sum(ps);
      if (!accept_op(ps, ')')) fail(ps, "expected ')'");
      emit(ps, op, 0, 0);
      return;
    }
  }
  if (len >= sizeof name) {
    fail(ps, "name too long");
    return;
  }
  memcpy(name, start, len);
  name[len] = '\0';
  for (int k = 0; k < ps->nnames; k++)
    if (!strcmp(ps->names[k], name)) {
      emit(ps, I_COL, k, 0);
      return;
    }
  if (!ps->failed) {
    ps->failed = 1;
    nacre_error_set(ps->err, NACRE_ERR_INVALID,
                    "formula '%s': no column named '%s'", ps->text, name);
  }
}

static void parse_atom(parser *ps) {
  skip_space(ps);
  char c = *ps->p;
  if (c == '(') {
    ps->p++;
    parse_sum(ps);
    if (!accept_op(ps, ')')) fail(ps, "expected ')'");
  } else if (c == '|') {
    ps->p++;
    parse_sum(ps);
    if (!accept_op(ps, '|')) fail(ps, "expected closing '|'");
    emit(ps, I_ABS, 0, 0);
  } else if (isdigit((unsigned char)c) || c == '.') {
    char *end;
    double v = strtod(ps->p, &end);
    if (end == ps->p) {
      fail(ps, "bad number");
      return;
    }
    ps->p = end;
    emit(ps, I_CONST, 0, v);
  } else if (isalpha((unsigned char)c) || c == '_' || c == '`') {
    parse_name_or_call(ps);
  } else {
    fail(ps, c ? "unexpected character" : "unexpected end");
  }
}

static void parse_unary(parser *ps);

/* Right-associative power; the exponent may carry a sign (x^-1). */
static void parse_power(parser *ps) {
  parse_atom(ps);
  if (accept_op(ps, '^')) {
    int start = ps->e->n;
    parse_unary(ps);
    if (ps->failed) return;
    /* A constant exponent (possibly negated) is folded, so that x^2 and
     * x^3 can be evaluated by multiplication as the space does. */
    nacre_fit_expr *e = ps->e;
    if (e->n - start == 1 && e->code[start].op == I_CONST) {
      double v = e->code[start].value;
      e->n = start;
      emit(ps, I_POW, 0, v);
    } else if (e->n - start == 2 && e->code[start].op == I_CONST &&
               e->code[start + 1].op == I_NEG) {
      double v = -e->code[start].value;
      e->n = start;
      emit(ps, I_POW, 0, v);
    } else {
      emit(ps, I_POW, 1, 0); /* col = 1: exponent on the stack */
    }
  }
}

static void parse_unary(parser *ps) {
  if (accept_op(ps, '-')) {
    parse_unary(ps);
    emit(ps, I_NEG, 0, 0);
  } else {
    if (accept_op(ps, '+')) {}
    parse_power(ps);
  }
}

static void parse_product(parser *ps) {
  parse_unary(ps);
  for (;;) {
    if (accept_op(ps, '*')) {
      parse_unary(ps);
      emit(ps, I_MUL, 0, 0);
    } else if (accept_op(ps, '/')) {
      parse_unary(ps);
      emit(ps, I_DIV, 0, 0);
    } else {
      return;
    }
    if (ps->failed) return;
  }
}

static void parse_sum(parser *ps) {
  parse_product(ps);
  for (;;) {
    if (accept_op(ps, '+')) {
      parse_product(ps);
      emit(ps, I_ADD, 0, 0);
    } else if (accept_op(ps, '-')) {
      parse_product(ps);
      emit(ps, I_SUB, 0, 0);
    } else {
      return;
    }
    if (ps->failed) return;
  }
}

static int stack_depth(const nacre_fit_expr *e) {
  int d = 0, best = 0;
  for (int k = 0; k < e->n; k++) {
    switch (e->code[k].op) {
    case I_COL:
    case I_CONST: d++; break;
    case I_ADD:
    case I_SUB:
    case I_MUL:
    case I_DIV: d--; break;
    case I_POW: d -= e->code[k].col; break;
    default: break;
    }
    if (d > best) best = d;
  }
  return d == 1 ? best : -1;
}

nacre_status nacre_fit_expr_parse(const char *text, int nnames,
                                  const char *const *names,
                                  nacre_fit_expr **out, nacre_error *err) {
  *out = NULL;
  nacre_fit_expr *e = calloc(1, sizeof *e);
  if (!e) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  parser ps = {text, text, nnames, names, e, err, 0};
  parse_sum(&ps);
  skip_space(&ps);
  if (!ps.failed && *ps.p) fail(&ps, "unexpected text");
  if (!ps.failed && (e->depth = stack_depth(e)) < 1) fail(&ps, "malformed");
  if (ps.failed) {
    nacre_fit_expr_free(e);
    return err ? err->status : NACRE_ERR_PARSE;
  }
  *out = e;
  return NACRE_OK;
}

void nacre_fit_expr_free(nacre_fit_expr *e) {
  if (!e) return;
  free(e->code);
  free(e);
}

static void eval_pow(double *a, const double *b, double exponent, int n) {
  if (!b && exponent == 2) {
    for (int i = 0; i < n; i++) a[i] = a[i] * a[i];
  } else if (!b && exponent == 3) {
    for (int i = 0; i < n; i++) a[i] = a[i] * a[i] * a[i];
  } else if (!b && exponent == -1) {
    for (int i = 0; i < n; i++) a[i] = 1.0 / a[i];
  } else if (!b && exponent == 0.5) {
    for (int i = 0; i < n; i++) a[i] = sqrt(a[i]);
  } else {
    for (int i = 0; i < n; i++) a[i] = pow(a[i], b ? b[i] : exponent);
  }
}

nacre_status nacre_fit_expr_eval(const nacre_fit_expr *e, int nrows,
                                 const double *x, double *out,
                                 nacre_error *err) {
  if (nrows <= 0) return NACRE_OK;
  double *stack = malloc((size_t)e->depth * (size_t)nrows * sizeof *stack);
  if (!stack) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  int sp = 0; /* entries on the stack */
  const size_t n = (size_t)nrows;
  for (int k = 0; k < e->n; k++) {
    const instr *in = &e->code[k];
    double *top = stack + (size_t)(sp - 1) * n, *below = top - n;
    switch (in->op) {
    case I_COL:
      memcpy(stack + (size_t)sp * n, x + (size_t)in->col * n, n * sizeof *x);
      sp++;
      break;
    case I_CONST:
      for (size_t i = 0; i < n; i++) stack[(size_t)sp * n + i] = in->value;
      sp++;
      break;
    case I_NEG: for (size_t i = 0; i < n; i++) top[i] = -top[i]; break;
    case I_ADD: for (size_t i = 0; i < n; i++) below[i] += top[i]; sp--; break;
    case I_SUB: for (size_t i = 0; i < n; i++) below[i] -= top[i]; sp--; break;
    case I_MUL: for (size_t i = 0; i < n; i++) below[i] *= top[i]; sp--; break;
    case I_DIV: for (size_t i = 0; i < n; i++) below[i] /= top[i]; sp--; break;
    case I_POW:
      if (in->col) {
        eval_pow(below, top, 0, nrows);
        sp--;
      } else {
        eval_pow(top, NULL, in->value, nrows);
      }
      break;
    case I_EXP: for (size_t i = 0; i < n; i++) top[i] = exp(top[i]); break;
    case I_LN: for (size_t i = 0; i < n; i++) top[i] = log(top[i]); break;
    case I_SQRT: for (size_t i = 0; i < n; i++) top[i] = sqrt(top[i]); break;
    case I_CBRT: for (size_t i = 0; i < n; i++) top[i] = cbrt(top[i]); break;
    case I_ABS: for (size_t i = 0; i < n; i++) top[i] = fabs(top[i]); break;
    }
  }
  memcpy(out, stack, n * sizeof *out);
  free(stack);
  return NACRE_OK;
}

int fit_expr_uses(const nacre_fit_expr *e, int col) {
  for (int k = 0; k < e->n; k++)
    if (e->code[k].op == I_COL && e->code[k].col == col) return 1;
  return 0;
}

/* ---- printing rules shared with the feature space ------------------ */

static void put(fit_text *out, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

void fit_text_name(const char *name, fit_text *out) {
  put(out, fit_name_is_bare(name) ? "%s" : "`%s`", name);
  out->prec = FIT_PREC_ATOM;
}

/* Formulas stay far below FIT_TEXT_MAX: names are at most FIT_NAME_MAX
 * bytes and a rung-3 feature has at most 8 leaves. */
static void put(fit_text *out, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void put(fit_text *out, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(out->s, sizeof out->s, fmt, ap);
  va_end(ap);
}

static void wrap(const fit_text *a, int need_parens, fit_text *out) {
  put(out, need_parens ? "(%s)" : "%s", a->s);
}

void fit_text_binary(char op, const fit_text *a, const fit_text *b,
                     fit_text *out) {
  fit_text *l = malloc(2 * sizeof *l);
  if (!l) {
    put(out, "?");
    return;
  }
  fit_text *r = l + 1;
  if (op == '|') { /* |a - b|: b is a right operand of '-' */
    wrap(b, b->prec <= FIT_PREC_SUM, r);
    put(out, "|%s - %s|", a->s, r->s);
    out->prec = FIT_PREC_ATOM;
    free(l);
    return;
  }
  int prec = (op == '+' || op == '-') ? FIT_PREC_SUM : FIT_PREC_PRODUCT;
  wrap(a, a->prec < prec, l);
  /* − and / are not associative, and in floating point neither are + and
   * ×: a right operand of equal rank keeps its parentheses, so that the
   * formula is evaluated in the order the space computed it */
  wrap(b, b->prec <= prec, r);
  if (op == '*' || op == '/') put(out, "%s%c%s", l->s, op, r->s);
  else put(out, "%s %c %s", l->s, op, r->s);
  out->prec = prec;
  free(l);
}

void fit_text_unary(const char *fn, const fit_text *a, fit_text *out) {
  fit_text *inner = malloc(sizeof *inner);
  if (!inner) {
    put(out, "?");
    return;
  }
  if (!strcmp(fn, "^2") || !strcmp(fn, "^3")) {
    wrap(a, a->prec < FIT_PREC_ATOM, inner);
    put(out, "%s%s", inner->s, fn);
    out->prec = FIT_PREC_POWER;
  } else if (!strcmp(fn, "inv")) {
    wrap(a, a->prec <= FIT_PREC_PRODUCT, inner);
    put(out, "1/%s", inner->s);
    out->prec = FIT_PREC_PRODUCT;
  } else {
    put(out, "%s(%s)", fn, a->s);
    out->prec = FIT_PREC_ATOM;
  }
  free(inner);
}
