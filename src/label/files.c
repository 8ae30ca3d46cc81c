/* files.c — the library side of nacre label: every input file read (a
 * structure's index counts over all of them, as its label id does), then
 * one batch run, prepared or collected; and the failure log read back for
 * the report. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "label_internal.h"

typedef struct inputs {
  nacre_structure **s;
  nacre_label_keys *keys;
  int n;
} inputs;

static void inputs_free(inputs *in) {
  for (int k = 0; k < in->n; k++) nacre_structure_free(in->s[k]);
  free(in->s);
  nacre_label_keys_free(in->keys, in->n);
  memset(in, 0, sizeof *in);
}

static nacre_status read_all(const nacre_label_request *req, inputs *in,
                             nacre_error *err) {
  memset(in, 0, sizeof *in);
  for (int f = 0; f < req->ninputs; f++) {
    nacre_structure **list;
    nacre_label_keys *keys;
    int n;
    nacre_status st = nacre_label_read_inputs(req->inputs[f], &list, &n, &keys,
                                              err);
    if (st) return st;
    nacre_structure **s = realloc(in->s, sizeof *s * (size_t)(in->n + n + 1));
    if (s) in->s = s;
    nacre_label_keys *k =
        s ? realloc(in->keys, sizeof *k * (size_t)(in->n + n + 1)) : NULL;
    if (k) in->keys = k;
    if (!s || !k) {
      for (int i = 0; i < n; i++) nacre_structure_free(list[i]);
      free(list);
      nacre_label_keys_free(keys, n);
      return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
    }
    if (n) {
      memcpy(in->s + in->n, list, sizeof *list * (size_t)n);
      memcpy(in->keys + in->n, keys, sizeof *keys * (size_t)n);
    }
    in->n += n;
    free(list);
    free(keys); /* the entries now belong to in->keys */
  }
  return NACRE_OK;
}

nacre_status nacre_label_files(const nacre_label_options *opt,
                               const nacre_label_request *req,
                               nacre_label_summary *summary,
                               const nacre_ctx *ctx, nacre_error *err) {
  memset(summary, 0, sizeof *summary);
  if (!req->output && req->mode != NACRE_LABEL_MODE_PREPARE)
    return nacre_error_set(err, NACRE_ERR_INVALID, "no output file given");
  if (req->mode != NACRE_LABEL_MODE_RUN && !req->dir)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "no folder to prepare or collect");
  char failed[4200] = "";
  if (req->output) snprintf(failed, sizeof failed, "%s.failed", req->output);
  inputs in;
  nacre_status st = read_all(req, &in, err);
  if (!st) switch (req->mode) {
    case NACRE_LABEL_MODE_RUN:
      st = nacre_label_batch(opt, in.s, in.keys, in.n, req->output, failed,
                             req->jobs, req->retry_failed, summary, ctx, err);
      break;
    case NACRE_LABEL_MODE_PREPARE:
      summary->total = in.n;
      st = nacre_label_prepare_batch(opt, in.s, in.n, req->dir, req->output,
                                     req->output ? failed : NULL,
                                     &summary->prepared, &summary->skipped,
                                     err);
      break;
    case NACRE_LABEL_MODE_COLLECT:
      st = nacre_label_collect_batch(opt, in.s, in.keys, in.n, req->dir,
                                     req->output, failed, summary, ctx, err);
      break;
    }
  inputs_free(&in);
  return st;
}

nacre_status nacre_label_failures(const char *failed_log, int last,
                                  char ***lines, int *n, nacre_error *err) {
  *lines = NULL;
  *n = 0;
  if (last < 1 || access(failed_log, F_OK) != 0) return NACRE_OK;
  char *text = NULL;
  nacre_status st = label_read_file(failed_log, &text, NULL, err);
  if (st) return st;
  int total = 0;
  for (const char *p = text; *p; p++) total += *p == '\n';
  char **out = calloc((size_t)last, sizeof *out);
  if (!out) {
    free(text);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  }
  int line = 0;
  for (char *p = text; *p;) {
    char *eol = strchr(p, '\n');
    if (!eol) break;
    *eol = '\0';
    if (line++ >= total - last) {
      for (char *c = p; *c; c++)
        if (*c == '\t') *c = ' ';
      if (!(out[*n] = strdup(p))) {
        nacre_label_free_ids(out, *n);
        free(text);
        return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
      }
      (*n)++;
    }
    p = eol + 1;
  }
  free(text);
  *lines = out;
  return NACRE_OK;
}
