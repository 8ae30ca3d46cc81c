/* lines.c — the line reader and small parsing helpers shared by every io/
 * parser (see ioutil.h). */
#include "ioutil.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

void nacre_io_lines_init_file(nacre_io_lines *r, FILE *fp, const char *name) {
  memset(r, 0, sizeof *r);
  r->fp = fp;
  r->name = name ? name : "(stream)";
}

void nacre_io_lines_init_text(nacre_io_lines *r, const char *text, size_t len,
                              const char *name) {
  memset(r, 0, sizeof *r);
  r->text = text ? text : "";
  r->text_len = text ? len : 0;
  r->name = name ? name : "(text)";
}

nacre_status nacre_io_lines_open_gz(nacre_io_lines *r, const char *path,
                                    nacre_error *err) {
  memset(r, 0, sizeof *r);
  r->name = path;
  gzFile gz;
  if (!strcmp(path, "-")) {
    int fd = dup(0);
    gz = fd >= 0 ? gzdopen(fd, "rb") : NULL;
    if (!gz && fd >= 0) close(fd);
  } else {
    gz = gzopen(path, "rb");
  }
  if (!gz)
    return nacre_error_set(err, NACRE_ERR_IO, "%s: cannot open: %s", path,
                           errno ? strerror(errno) : "zlib failure");
  gzbuffer(gz, 1 << 17);
  r->gz = gz;
  return NACRE_OK;
}

void nacre_io_lines_close(nacre_io_lines *r) {
  if (r->gz) gzclose((gzFile)r->gz);
  free(r->buf);
  r->gz = NULL;
  r->buf = NULL;
  r->len = r->cap = 0;
}

/* fgets over the text in memory; a NUL byte ends the copy early, as it
 * does for fgets, so that it is reported the same way. */
static char *text_chunk(nacre_io_lines *r, char *dst, int n) {
  if (r->text_pos >= r->text_len || n < 2) return NULL;
  size_t k = 0;
  while (k + 1 < (size_t)n && r->text_pos < r->text_len) {
    char c = r->text[r->text_pos++];
    dst[k++] = c;
    if (c == '\n') break;
  }
  dst[k] = '\0';
  return dst;
}

/* Reads up to n-1 bytes of the next line into dst (fgets semantics). */
static char *read_chunk(nacre_io_lines *r, char *dst, int n) {
  if (r->text) return text_chunk(r, dst, n);
  if (r->gz) return gzgets((gzFile)r->gz, dst, n);
  return fgets(dst, n, r->fp);
}

static int grow(nacre_io_lines *r, nacre_error *err) {
  size_t cap = r->cap ? 2 * r->cap : 256;
  if (cap > NACRE_IO_MAX_LINE + 2) {
    nacre_io_fail(err, r->name, r->lineno, "line longer than %u bytes",
                  NACRE_IO_MAX_LINE);
    return -1;
  }
  char *b = realloc(r->buf, cap);
  if (!b) {
    nacre_error_set(err, NACRE_ERR_NOMEM, "%s:%ld: out of memory", r->name,
                    r->lineno);
    return -1;
  }
  r->buf = b;
  r->cap = cap;
  return 0;
}

static int at_eof(const nacre_io_lines *r) {
  if (r->text) return r->text_pos >= r->text_len;
  return r->gz ? gzeof((gzFile)r->gz) : feof(r->fp);
}

static int read_error(nacre_io_lines *r, nacre_error *err) {
  if (r->text) return 0;
  if (r->gz) {
    int zerr;
    gzerror((gzFile)r->gz, &zerr);
    if (zerr == Z_OK || zerr == Z_STREAM_END) return 0;
    nacre_io_fail(err, r->name, r->lineno, "corrupt compressed data");
    return -1;
  }
  if (!ferror(r->fp)) return 0;
  nacre_error_set(err, NACRE_ERR_IO, "%s:%ld: read error", r->name, r->lineno);
  return -1;
}

int nacre_io_lines_next(nacre_io_lines *r, nacre_error *err) {
  if (r->eof) return 0;
  r->len = 0;
  r->lineno++;
  int any = 0;
  for (;;) {
    if (r->cap - r->len < 2 && grow(r, err)) return -1;
    size_t avail = r->cap - r->len;
    if (!read_chunk(r, r->buf + r->len, (int)avail)) break;
    any = 1;
    size_t got = strlen(r->buf + r->len);
    r->len += got;
    if (r->len && r->buf[r->len - 1] == '\n') break;
    if (got + 1 < avail && !at_eof(r)) {
      nacre_io_fail(err, r->name, r->lineno, "NUL byte (binary data)");
      return -1;
    }
    if (at_eof(r)) break;
  }
  if (read_error(r, err)) return -1;
  if (!any) {
    r->eof = 1;
    r->lineno--;
    if (r->buf) r->buf[0] = '\0';
    return 0;
  }
  while (r->len && (r->buf[r->len - 1] == '\n' || r->buf[r->len - 1] == '\r'))
    r->buf[--r->len] = '\0';
  return 1;
}

static nacre_status vfail(nacre_error *err, const char *name, long line,
                          const char *fmt, va_list ap) {
  char msg[NACRE_ERROR_MESSAGE_MAX];
  vsnprintf(msg, sizeof msg, fmt, ap);
  if (line > 0)
    return nacre_error_set(err, NACRE_ERR_PARSE, "%s:%ld: %s", name, line, msg);
  return nacre_error_set(err, NACRE_ERR_PARSE, "%s: %s", name, msg);
}

nacre_status nacre_io_fail(nacre_error *err, const char *name, long line,
                           const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  nacre_status st = vfail(err, name, line, fmt, ap);
  va_end(ap);
  return st;
}

nacre_status nacre_io_fail_at(nacre_error *err, const nacre_io_lines *r,
                              const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  nacre_status st = vfail(err, r->name, r->lineno, fmt, ap);
  va_end(ap);
  return st;
}

int nacre_io_split(char *s, char **tok, int max) {
  int n = 0;
  while (*s) {
    while (*s && isspace((unsigned char)*s)) s++;
    if (!*s) break;
    if (n < max) tok[n] = s;
    n++;
    while (*s && !isspace((unsigned char)*s)) s++;
    if (*s) *s++ = '\0';
  }
  return n;
}

int nacre_io_double(const char *s, double *out) {
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (end == s || *end || !isfinite(v)) return -1;
  *out = v;
  return 0;
}

/* Length of the number at s ([+-]digits[.digits][(E|D)[+-]digits], at
 * least one digit in the mantissa), 0 when none starts there. */
static size_t number_length(const char *s) {
  size_t k = 0, digits = 0;
  if (s[k] == '+' || s[k] == '-') k++;
  while (isdigit((unsigned char)s[k])) k++, digits++;
  if (s[k] == '.') {
    k++;
    while (isdigit((unsigned char)s[k])) k++, digits++;
  }
  if (!digits) return 0;
  if (strchr("eEdD", s[k]) && s[k]) {
    size_t e = k + 1;
    if (s[e] == '+' || s[e] == '-') e++;
    if (!isdigit((unsigned char)s[e])) return 0; /* "1e": no exponent */
    while (isdigit((unsigned char)s[e])) e++;
    k = e;
  }
  return k;
}

int nacre_io_scan_doubles(const char *s, double *out, int max,
                          const char **rest) {
  int n = 0;
  while (isspace((unsigned char)*s)) s++;
  while (n < max) {
    size_t len = number_length(s);
    /* glued to a letter, a digit or a point: "0.5abc", "0.5.3", "1e" */
    if (!len || len >= 64 || isalnum((unsigned char)s[len]) ||
        s[len] == '.' || s[len] == '_')
      break;
    char tok[64];
    memcpy(tok, s, len);
    tok[len] = '\0';
    for (char *c = tok; *c; c++)
      if (*c == 'd' || *c == 'D') *c = 'E';
    errno = 0;
    double v = strtod(tok, NULL);
    if (!isfinite(v)) break;
    out[n++] = v;
    s += len;
    while (isspace((unsigned char)*s)) s++;
  }
  if (rest) *rest = s;
  return n;
}

int nacre_io_blank(const char *s) {
  while (isspace((unsigned char)*s)) s++;
  return *s == '\0';
}

int nacre_io_int(const char *s, long lo, long hi, int *out) {
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (end == s || *end || errno || v < lo || v > hi) return -1;
  *out = (int)v;
  return 0;
}

int nacre_io_starts(const char *s, const char *prefix) {
  while (isspace((unsigned char)*s)) s++;
  return !strncmp(s, prefix, strlen(prefix));
}

const char *nacre_io_quote(const char *s, char *buf, size_t n) {
  /* control bytes become \xNN: a message must not drive a terminal */
  size_t k = 0;
  for (; *s && k + 1 < n; s++) {
    unsigned char c = (unsigned char)*s;
    if (c < 0x20 || c == 0x7f) {
      if (k + 5 > n) break;
      snprintf(buf + k, n - k, "\\x%02x", c);
      k += 4;
    } else {
      buf[k++] = (char)c;
    }
  }
  buf[k] = '\0';
  if (*s && n >= 4) memcpy(buf + (k + 4 <= n ? k : n - 4), "...", 4);
  return buf;
}

nacre_status nacre_io_dbuf_push(nacre_io_dbuf *b, const double *x, size_t k,
                                nacre_error *err) {
  if (b->n + k > b->cap) {
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->n + k) cap *= 2;
    double *v = realloc(b->v, cap * sizeof *v);
    if (!v) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
    b->v = v;
    b->cap = cap;
  }
  memcpy(b->v + b->n, x, k * sizeof *x);
  b->n += k;
  return NACRE_OK;
}

void nacre_io_dbuf_free(nacre_io_dbuf *b) {
  free(b->v);
  b->v = NULL;
  b->n = b->cap = 0;
}

int nacre_io_path(char *buf, size_t n, nacre_error *err, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int k = vsnprintf(buf, n, fmt, ap);
  va_end(ap);
  if (k >= 0 && (size_t)k < n) return 0;
  nacre_error_set(err, NACRE_ERR_INVALID, "path too long: %.60s...", buf);
  return -1;
}

nacre_status nacre_io_write_failed(nacre_error *err) {
  int e = errno ? errno : EIO;
  return nacre_error_set(err, NACRE_ERR_IO, "write failed: %s", strerror(e));
}
