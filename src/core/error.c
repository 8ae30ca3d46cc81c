/* error.c — status codes, the caller-owned error object and the logging
 * context. */
#include "nacre/core.h"

#include <stdio.h>
#include <string.h>

void nacre_error_clear(nacre_error *err) {
  if (!err) return;
  err->status = NACRE_OK;
  err->message[0] = '\0';
}

nacre_status nacre_error_set(nacre_error *err, nacre_status status,
                             const char *fmt, ...) {
  if (!err) return status;
  err->status = status;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err->message, sizeof err->message, fmt, ap);
  va_end(ap);
  return status;
}

nacre_status nacre_error_prefix(nacre_error *err, const char *fmt, ...) {
  if (!err) return NACRE_ERR_INVALID;
  char prefix[NACRE_ERROR_MESSAGE_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(prefix, sizeof prefix, fmt, ap);
  va_end(ap);
  char joined[2 * NACRE_ERROR_MESSAGE_MAX];
  snprintf(joined, sizeof joined, "%s%s", prefix, err->message);
  memcpy(err->message, joined, NACRE_ERROR_MESSAGE_MAX - 1);
  err->message[NACRE_ERROR_MESSAGE_MAX - 1] = '\0';
  return err->status;
}

const char *nacre_status_name(nacre_status status) {
  switch (status) {
  case NACRE_OK: return "ok";
  case NACRE_ERR_NOMEM: return "out of memory";
  case NACRE_ERR_IO: return "I/O error";
  case NACRE_ERR_PARSE: return "parse error";
  case NACRE_ERR_INVALID: return "invalid input";
  case NACRE_ERR_UNSUPPORTED: return "unsupported";
  case NACRE_ERR_NUMERIC: return "numerical failure";
  case NACRE_ERR_NOT_CONVERGED: return "not converged";
  case NACRE_ERR_EXTERNAL: return "external program failed";
  case NACRE_ERR_INTERRUPTED: return "interrupted";
  }
  return "unknown status";
}

void nacre_ctx_init(nacre_ctx *ctx) {
  memset(ctx, 0, sizeof *ctx);
  ctx->log_level = NACRE_LOG_INFO;
}

void nacre_log(const nacre_ctx *ctx, nacre_log_level level, const char *fmt,
               ...) {
  if (!ctx || !ctx->log || level > ctx->log_level) return;
  char msg[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  ctx->log(ctx->log_user, level, msg);
}

int nacre_ctx_interrupted(const nacre_ctx *ctx) {
  return ctx && ctx->interrupt && *ctx->interrupt;
}
