/* cli.h — the command-line layer: each subcommand lives in cmd_NAME.c and
 * defines `const nacre_command nacre_cmd_NAME`. No physics here: parse
 * options, call the library, format output. */
#ifndef NACRE_CLI_H
#define NACRE_CLI_H

#include <stdio.h>

#include "nacre/core.h"

typedef struct nacre_command {
  const char *name;
  const char *summary; /* one line for `nacre --help` */
  int (*run)(int argc, char **argv); /* argv[0] is the subcommand name */
} nacre_command;

/* Exit codes */
enum { CLI_OK = 0, CLI_FAILED = 1, CLI_USAGE = 2 };

/* "nacre NAME: message" on stderr; returns CLI_FAILED. */
int cli_fail(const char *cmd, const nacre_error *err);
/* Usage error: message plus a pointer to --help; returns CLI_USAGE. */
int cli_usage(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Parses a finite double / an int from an option value, or reports a usage
 * error naming the option. Returns 0 on success. */
int cli_parse_double(const char *cmd, const char *opt, const char *text,
                     double *out);
int cli_parse_int(const char *cmd, const char *opt, const char *text, int *out);
/* Parses a wall time "90", "90s", "30m", "2h" or "1d" into seconds (>= 0);
 * a usage error naming the option otherwise. */
int cli_parse_duration(const char *cmd, const char *opt, const char *text,
                       double *seconds);
/* Parses "a,b,c,..." into n doubles exactly. */
int cli_parse_list(const char *cmd, const char *opt, const char *text, int n,
                   double *out);
/* Parses an inclusive grid "A:B:STEP" (A, A+STEP, ..., up to B within
 * 1e-9 of a step) or a comma list "a,b,c" into a malloc'd array (*out,
 * caller frees) of *n values; at most max_points. Usage error naming the
 * option otherwise. Returns 0 on success. */
int cli_parse_grid(const char *cmd, const char *opt, const char *text,
                   int max_points, double **out, int *n);
/* For option loops `for (...; k < argc && rc == CLI_OK; k++)` with the
 * option text a, its value v (NULL at the end of argv) and the exit code rc:
 * when v is missing, sets rc to a usage error "A needs a value" and leaves
 * the loop; otherwise consumes the value (k++). */
#define CLI_NEED_VALUE(cmd)                                                    \
  if (!v) {                                                                    \
    rc = cli_usage(cmd, "%s needs a value", a);                                \
    break;                                                                     \
  }                                                                            \
  k++;

/* "1 atom", "2 atoms": n and the noun in agreement, in buf (returned). */
const char *cli_count(long n, const char *noun, char buf[64]);

/* on = 1: SIGINT and SIGTERM set a flag that ctx->interrupt points to, so
 * long runs stop cleanly at the next safe point (and can be resumed);
 * on = 0: the default actions again. */
void cli_catch_interrupts(nacre_ctx *ctx, int on);

/* A logging context that prints warnings and errors to stderr (and info
 * when verbose). */
void cli_ctx_init(nacre_ctx *ctx, int verbose);

#endif
