/* common.c — helpers shared by subcommands: error reporting, number
 * parsing, logging to stderr. */
#include <errno.h>
#include <signal.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cli_fail(const char *cmd, const nacre_error *err) {
  fprintf(stderr, "nacre %s: %s\n", cmd,
          err && err->message[0] ? err->message
                                 : nacre_status_name(err ? err->status : 1));
  return CLI_FAILED;
}

int cli_usage(const char *cmd, const char *fmt, ...) {
  fprintf(stderr, "nacre %s: ", cmd);
  va_list ap;
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fprintf(stderr, "\nTry 'nacre %s --help'.\n", cmd);
  return CLI_USAGE;
}

int cli_parse_double(const char *cmd, const char *opt, const char *text,
                     double *out) {
  char *end;
  errno = 0;
  double v = strtod(text, &end);
  if (end == text || *end || errno || !isfinite(v)) {
    cli_usage(cmd, "%s expects a number, got '%s'", opt, text);
    return -1;
  }
  *out = v;
  return 0;
}

int cli_parse_int(const char *cmd, const char *opt, const char *text, int *out) {
  char *end;
  errno = 0;
  long v = strtol(text, &end, 10);
  if (end == text || *end || errno || v < -2147483647L || v > 2147483647L) {
    cli_usage(cmd, "%s expects an integer, got '%s'", opt, text);
    return -1;
  }
  *out = (int)v;
  return 0;
}

int cli_parse_duration(const char *cmd, const char *opt, const char *text,
                       double *seconds) {
  char *end;
  errno = 0;
  double v = strtod(text, &end), mult = 0;
  if (end != text && !errno && isfinite(v) && v >= 0) {
    if (!*end || !strcmp(end, "s")) mult = 1;
    else if (!strcmp(end, "m")) mult = 60;
    else if (!strcmp(end, "h")) mult = 3600;
    else if (!strcmp(end, "d")) mult = 86400;
  }
  if (mult == 0) {
    cli_usage(cmd, "%s expects a wall time such as 90, 90s, 30m or 2h (not "
              "negative), got '%s'", opt, text);
    return -1;
  }
  *seconds = v * mult;
  return 0;
}

int cli_parse_list(const char *cmd, const char *opt, const char *text, int n,
                   double *out) {
  const char *p = text;
  for (int k = 0; k < n; k++) {
    char *end;
    errno = 0;
    double v = strtod(p, &end);
    if (end == p || errno || !isfinite(v) ||
        (k < n - 1 ? *end != ',' : *end != '\0')) {
      cli_usage(cmd, "%s expects %d comma-separated numbers, got '%s'", opt, n,
                text);
      return -1;
    }
    out[k] = v;
    p = end + 1;
  }
  return 0;
}

int cli_parse_grid(const char *cmd, const char *opt, const char *text,
                   int max_points, double **out, int *n) {
  *out = NULL;
  *n = 0;
  double a, b, step;
  char *end;
  if (strchr(text, ':')) {
    errno = 0;
    a = strtod(text, &end);
    if (end == text || *end != ':') goto bad;
    const char *p = end + 1;
    b = strtod(p, &end);
    if (end == p || *end != ':') goto bad;
    p = end + 1;
    step = strtod(p, &end);
    if (end == p || *end || errno || !isfinite(a) || !isfinite(b) ||
        !isfinite(step) || !(step > 0) || b < a)
      goto bad;
    double count = floor((b - a) / step + 1e-9) + 1;
    if (count > max_points) {
      cli_usage(cmd, "%s gives %.0f points (at most %d)", opt, count,
                max_points);
      return -1;
    }
    *out = malloc((size_t)count * sizeof **out);
    if (!*out) goto bad;
    for (int k = 0; k < (int)count; k++) (*out)[k] = a + k * step;
    *n = (int)count;
    return 0;
  }
  int cap = 1;
  for (const char *c = text; *c; c++) cap += *c == ',';
  if (cap > max_points) {
    cli_usage(cmd, "%s lists %d points (at most %d)", opt, cap, max_points);
    return -1;
  }
  *out = malloc((size_t)cap * sizeof **out);
  if (!*out) goto bad;
  const char *p = text;
  for (int k = 0; k < cap; k++) {
    errno = 0;
    double v = strtod(p, &end);
    if (end == p || errno || !isfinite(v) ||
        (k < cap - 1 ? *end != ',' : *end != '\0')) {
      free(*out);
      *out = NULL;
      goto bad;
    }
    (*out)[k] = v;
    p = end + 1;
  }
  *n = cap;
  return 0;
bad:
  cli_usage(cmd, "%s expects START:STOP:STEP (STEP > 0) or a comma list, got "
                 "'%s'", opt, text);
  return -1;
}

static void log_stderr(void *user, nacre_log_level level, const char *msg) {
  (void)user;
  static const char *names[] = {"error", "warning", "info", "debug"};
  fprintf(stderr, "%s: %s\n", names[level], msg);
}

void cli_ctx_init(nacre_ctx *ctx, int verbose) {
  nacre_ctx_init(ctx);
  ctx->log = log_stderr;
  ctx->log_level = verbose ? NACRE_LOG_DEBUG : NACRE_LOG_WARN;
}

static volatile int cli_interrupted = 0;
static void on_interrupt(int sig) {
  (void)sig;
  cli_interrupted = 1;
}

void cli_catch_interrupts(nacre_ctx *ctx, int on) {
  if (on) {
    cli_interrupted = 0;
    ctx->interrupt = &cli_interrupted;
  }
  signal(SIGINT, on ? on_interrupt : SIG_DFL);
  signal(SIGTERM, on ? on_interrupt : SIG_DFL);
}

const char *cli_count(long n, const char *noun, char buf[64]) {
  snprintf(buf, 64, "%ld %s%s", n, noun, n == 1 ? "" : "s");
  return buf;
}
