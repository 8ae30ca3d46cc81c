/* nn_internal.h — what the files of the network model share inside pot:
 * whole-file text reading with line numbers, strict number parsing, and
 * the JSON form of one model (used by model and committee files). */
#ifndef NACRE_POT_NN_INTERNAL_H
#define NACRE_POT_NN_INTERNAL_H

#include "nacre/nn.h"

/* A file read whole and split into NUL-terminated lines (CR removed). */
typedef struct nn_text {
  char *text;
  char **line;
  int nlines;
} nn_text;

nacre_status nn_text_read(const char *path, nn_text *t, nacre_error *err);
void nn_text_free(nn_text *t);
int nn_blank(const char *s);
/* Parses whitespace-separated numbers filling the whole string: returns
 * how many (at most max), or −1 when a token is not entirely a finite
 * number ("0.5abc", "0.5.3", "1e") or there are more than max. */
int nn_parse_doubles(const char *s, double *v, int max);
/* One integer filling the whole string (surrounding blanks allowed). */
int nn_parse_int(const char *s, int *v);

/* The first bytes of a file (NUL-terminated); 0 on failure with err set. */
nacre_status nn_read_head(const char *path, char *head, size_t cap,
                          size_t *len, nacre_error *err);

/* Writes text to path atomically (temporary file, then rename). */
nacre_status nn_write_text(const char *path, const char *text,
                           nacre_error *err);

/* JSON form of one model (an object of the "nacre-nn" format) and back;
 * `where` names the object in messages ("member 2"), may be NULL. */
struct cJSON;
struct cJSON *nn_model_to_json(const nacre_nn_model *m);
nacre_status nn_model_from_json(const char *path, const char *where,
                                const struct cJSON *o, nacre_nn_model *m,
                                nacre_error *err);
/* Parses a whole JSON file; syntax errors name FILE:LINE:COLUMN. */
nacre_status nn_json_parse_file(const char *path, struct cJSON **root,
                                nacre_error *err);

/* The retired nacre-train text formats (nn_legacy.c). */
nacre_status nn_legacy_read(const char *path, nacre_nn_model ***models,
                            int *k, nacre_error *err);

#endif
