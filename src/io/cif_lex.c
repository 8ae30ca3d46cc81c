/* cif_lex.c — CIF 1.1 tokens: tags (_name), loop_, data_ headers, values
 * (bare, 'single' or "double" quoted — a quote closes only when followed by
 * whitespace — and ;-delimited text fields, returned as "?"), with #
 * comments skipped. */
#include "cif.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void nacre_cif_lex_init(cif_lex *lx, FILE *fp, const char *name) {
  memset(lx, 0, sizeof *lx);
  nacre_io_lines_init_file(&lx->in, fp, name);
}

void nacre_cif_lex_free(cif_lex *lx) {
  nacre_io_lines_close(&lx->in);
  free(lx->text);
}

static int set_text(cif_lex *lx, const char *s, size_t n, nacre_error *err) {
  if (n + 1 > lx->cap) {
    char *t = realloc(lx->text, n + 1);
    if (!t) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory"), -1;
    lx->text = t;
    lx->cap = n + 1;
  }
  memcpy(lx->text, s, n);
  lx->text[n] = '\0';
  return 0;
}

/* Skips a text field whose opening ';' starts the current line. */
static int skip_text_field(cif_lex *lx, nacre_error *err) {
  long start = lx->in.lineno;
  int got;
  while ((got = nacre_io_lines_next(&lx->in, err)) == 1)
    if (lx->in.buf[0] == ';') {
      lx->pos = 1;
      return 0;
    }
  if (got == 0)
    nacre_io_fail(err, lx->in.name, start, "text field (;) never closed");
  return -1;
}

static int classify(const char *t) {
  if (t[0] == '_') return CIF_TAG;
  if (!strcasecmp(t, "loop_")) return CIF_LOOP;
  if (!strncasecmp(t, "data_", 5)) return CIF_DATA;
  if (!strncasecmp(t, "save_", 5) || !strcasecmp(t, "global_") ||
      !strcasecmp(t, "stop_"))
    return CIF_OTHER;
  return CIF_VALUE;
}

static int quoted(cif_lex *lx, const char *p, nacre_error *err) {
  char q = *p;
  const char *s = p + 1, *e = s;
  for (;; e++) {
    if (!*e) {
      nacre_io_fail_at(err, &lx->in, "unterminated %c-quoted string", q);
      return -1;
    }
    if (*e == q && (!e[1] || isspace((unsigned char)e[1]))) break;
  }
  if (set_text(lx, s, (size_t)(e - s), err)) return -1;
  lx->pos = (size_t)(e + 1 - lx->in.buf);
  return CIF_VALUE;
}

int nacre_cif_lex_next(cif_lex *lx, nacre_error *err) {
  if (lx->pushed) {
    lx->pushed = 0;
    return lx->kind;
  }
  for (;;) {
    if (!lx->in.buf || lx->pos >= lx->in.len) {
      int got = nacre_io_lines_next(&lx->in, err);
      if (got <= 0) return lx->kind = got < 0 ? CIF_ERROR : CIF_END;
      lx->pos = 0;
      if (lx->in.buf[0] == ';') {
        if (skip_text_field(lx, err)) return lx->kind = CIF_ERROR;
        lx->line = lx->in.lineno;
        if (set_text(lx, "?", 1, err)) return lx->kind = CIF_ERROR;
        return lx->kind = CIF_VALUE;
      }
    }
    const char *p = lx->in.buf + lx->pos;
    while (*p && isspace((unsigned char)*p)) p++;
    lx->pos = (size_t)(p - lx->in.buf);
    if (!*p || *p == '#') {
      lx->pos = lx->in.len;
      continue;
    }
    lx->line = lx->in.lineno;
    if (*p == '\'' || *p == '"') {
      int k = quoted(lx, p, err);
      return lx->kind = k < 0 ? CIF_ERROR : k;
    }
    const char *e = p;
    while (*e && !isspace((unsigned char)*e)) e++;
    if (set_text(lx, p, (size_t)(e - p), err)) return lx->kind = CIF_ERROR;
    lx->pos = (size_t)(e - lx->in.buf);
    return lx->kind = classify(lx->text);
  }
}

void nacre_cif_lex_unread(cif_lex *lx) { lx->pushed = 1; }
