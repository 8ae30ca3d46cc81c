/* checkpoint.c — the descriptor search's checkpoint file (checkpoint.h):
 * JSON written atomically (temporary file, then rename); 64-bit sequence
 * numbers and fingerprints as hexadecimal strings, doubles with 17
 * significant digits, so a resumed search continues bit for bit. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "checkpoint.h"

static cJSON *u64_json(uint64_t v) {
  char buf[24];
  snprintf(buf, sizeof buf, "%016" PRIx64, v);
  return cJSON_CreateString(buf);
}

static cJSON *node_json(const fit_node *n) {
  cJSON *a = cJSON_CreateArray();
  cJSON_AddItemToArray(a, cJSON_CreateNumber(n->op));
  cJSON_AddItemToArray(a, cJSON_CreateNumber(n->rung));
  cJSON_AddItemToArray(a, cJSON_CreateNumber(n->complexity));
  cJSON_AddItemToArray(a, cJSON_CreateNumber(n->a));
  cJSON_AddItemToArray(a, cJSON_CreateNumber(n->b));
  for (int k = 0; k < NACRE_FIT_MAX_BASE_UNITS; k++)
    cJSON_AddItemToArray(a, cJSON_CreateNumber(n->unit.exp6[k]));
  return a;
}

static cJSON *entry_json(const fit_entry *e) {
  cJSON *o = cJSON_CreateObject();
  cJSON *k = cJSON_AddArrayToObject(o, "key");
  for (int i = 0; i < 3; i++) cJSON_AddItemToArray(k, cJSON_CreateNumber(e->key[i]));
  cJSON_AddItemToObject(o, "node", node_json(&e->c.node));
  cJSON_AddNumberToObject(o, "stored", (double)e->c.stored);
  cJSON_AddItemToObject(o, "seq", u64_json(e->c.seq));
  cJSON_AddItemToObject(o, "fp", u64_json(e->fp));
  return o;
}

static cJSON *entries_json(const fit_entry *e, int n) {
  cJSON *a = cJSON_CreateArray();
  for (int k = 0; k < n; k++) cJSON_AddItemToArray(a, entry_json(&e[k]));
  return a;
}

nacre_status fit_ckpt_write(const char *path, const fit_ckpt *c, nacre_error *err) {
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "format", "nacre-fit-checkpoint");
  cJSON_AddNumberToObject(o, "version", 1);
  cJSON_AddItemToObject(o, "settings", cJSON_Parse(c->settings));
  cJSON_AddNumberToObject(o, "pass", c->pass);
  cJSON_AddStringToObject(o, "stage", c->stage == FIT_STAGE_STREAM ? "stream" : "deepen");
  cJSON_AddNumberToObject(o, "next_j", (double)c->next_j);
  cJSON_AddNumberToObject(o, "deepen_level", c->deepen_level);
  cJSON_AddNumberToObject(o, "deepen_set", c->deepen_set);
  cJSON_AddNumberToObject(o, "candidates", (double)c->candidates);
  cJSON_AddNumberToObject(o, "valid", (double)c->valid);
  cJSON_AddBoolToObject(o, "complete", c->complete);
  cJSON *ap = cJSON_AddArrayToObject(o, "appended");
  for (long long k = 0; k < c->nappended; k++) cJSON_AddItemToArray(ap, node_json(&c->appended[k]));
  cJSON *sets = cJSON_AddArrayToObject(o, "sets");
  for (int s = 0; s < c->nsets; s++) {
    const fit_ckpt_set *cs = &c->sets[s];
    cJSON *so = cJSON_CreateObject();
    cJSON_AddItemToObject(so, "subspace", entries_json(cs->sub, cs->nsub));
    cJSON *pe = cJSON_AddArrayToObject(so, "pass_end");
    for (int k = 0; k < 3; k++) cJSON_AddItemToArray(pe, cJSON_CreateNumber(cs->pass_end[k]));
    cJSON_AddItemToObject(so, "best", entries_json(cs->best, cs->nbest));
    cJSON *dp = cJSON_AddArrayToObject(so, "deepened");
    for (int k = 0; k < cs->ndeepened; k++) cJSON_AddItemToArray(dp, u64_json(cs->deepened[k]));
    cJSON_AddItemToArray(sets, so);
  }
  char *text = cJSON_PrintUnformatted(o);
  cJSON_Delete(o);
  if (!text) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory writing %s", path);
  size_t len = strlen(path) + 16;
  char *tmp = malloc(len);
  if (!tmp) {
    free(text);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  }
  snprintf(tmp, len, "%s.tmpXXXXXX", path);
  int fd = mkstemp(tmp);
  if (fd >= 0) fchmod(fd, 0666 & ~fit_umask()); /* as fopen would */
  FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
  int ok = f && fputs(text, f) >= 0 && fputc('\n', f) != EOF;
  if (f) ok = fclose(f) == 0 && ok;
  else if (fd >= 0) close(fd);
  free(text);
  if (!ok || rename(tmp, path)) {
    int e = errno;
    if (fd >= 0) unlink(tmp);
    free(tmp);
    return nacre_error_set(err, NACRE_ERR_IO, "cannot write checkpoint %s: %s", path,
                           strerror(e));
  }
  free(tmp);
  return NACRE_OK;
}

/* ---- reading --------------------------------------------------------- */

typedef struct rd {
  const char *path;
  nacre_error *err;
  int bad;
} rd;

static void fail(rd *r, const char *what) {
  if (!r->bad)
    nacre_error_set(r->err, NACRE_ERR_PARSE, "checkpoint %s: %s", r->path, what);
  r->bad = 1;
}

static double num(rd *r, const cJSON *o, const char *key) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  if (!cJSON_IsNumber(v)) {
    fail(r, "a number is missing");
    return 0;
  }
  return v->valuedouble;
}

static uint64_t u64(rd *r, const cJSON *v) {
  if (!cJSON_IsString(v)) {
    fail(r, "a 64-bit value is missing");
    return 0;
  }
  return strtoull(v->valuestring, NULL, 16);
}

static void node_read(rd *r, const cJSON *a, fit_node *n) {
  if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) != 5 + NACRE_FIT_MAX_BASE_UNITS) {
    fail(r, "malformed feature");
    return;
  }
  double v[5 + NACRE_FIT_MAX_BASE_UNITS];
  int k = 0;
  const cJSON *x;
  cJSON_ArrayForEach(x, a) v[k++] = cJSON_IsNumber(x) ? x->valuedouble : 0;
  n->op = (uint8_t)v[0];
  n->rung = (uint8_t)v[1];
  n->complexity = (uint16_t)v[2];
  n->a = (int32_t)v[3];
  n->b = (int32_t)v[4];
  for (k = 0; k < NACRE_FIT_MAX_BASE_UNITS; k++) n->unit.exp6[k] = (signed char)v[5 + k];
}

static fit_entry *entries_read(rd *r, const cJSON *a, int *n) {
  *n = cJSON_IsArray(a) ? cJSON_GetArraySize(a) : 0;
  if (!cJSON_IsArray(a)) fail(r, "a list of features is missing");
  fit_entry *e = calloc((size_t)*n + 1, sizeof *e);
  if (!e) {
    fail(r, "out of memory");
    return NULL;
  }
  int k = 0;
  const cJSON *x;
  cJSON_ArrayForEach(x, a) {
    const cJSON *key = cJSON_GetObjectItemCaseSensitive(x, "key");
    int i = 0;
    const cJSON *kv;
    if (cJSON_IsArray(key) && cJSON_GetArraySize(key) == 3)
      cJSON_ArrayForEach(kv, key) e[k].key[i++] = cJSON_IsNumber(kv) ? kv->valuedouble : 0;
    else fail(r, "malformed key");
    node_read(r, cJSON_GetObjectItemCaseSensitive(x, "node"), &e[k].c.node);
    e[k].c.stored = (long long)num(r, x, "stored");
    e[k].c.seq = u64(r, cJSON_GetObjectItemCaseSensitive(x, "seq"));
    e[k].fp = u64(r, cJSON_GetObjectItemCaseSensitive(x, "fp"));
    k++;
  }
  return e;
}

nacre_status fit_ckpt_read(const char *path, fit_ckpt *c, nacre_error *err) {
  memset(c, 0, sizeof *c);
  FILE *f = fopen(path, "rb");
  if (!f)
    return nacre_error_set(err, NACRE_ERR_IO, "cannot open checkpoint %s: %s", path,
                           strerror(errno));
  size_t cap = 1 << 16, len = 0, got;
  char *buf = malloc(cap + 1);
  while (buf && (got = fread(buf + len, 1, cap - len, f)) > 0) {
    len += got;
    if (len == cap) {
      char *b = realloc(buf, 2 * cap + 1);
      if (!b) free(buf);
      buf = b;
      cap *= 2;
    }
  }
  fclose(f);
  if (!buf) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory reading %s", path);
  buf[len] = '\0';
  cJSON *o = cJSON_Parse(buf);
  free(buf);
  rd r = {path, err, 0};
  const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(o, "format");
  if (!o || !cJSON_IsString(fmt) || strcmp(fmt->valuestring, "nacre-fit-checkpoint")) {
    cJSON_Delete(o);
    return nacre_error_set(err, NACRE_ERR_PARSE, "%s is not a nacre fit checkpoint", path);
  }
  c->settings = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(o, "settings"));
  c->pass = (int)num(&r, o, "pass");
  const cJSON *stage = cJSON_GetObjectItemCaseSensitive(o, "stage");
  c->stage = cJSON_IsString(stage) && !strcmp(stage->valuestring, "deepen") ? FIT_STAGE_DEEPEN
                                                                          : FIT_STAGE_STREAM;
  c->next_j = (long long)num(&r, o, "next_j");
  c->deepen_level = (int)num(&r, o, "deepen_level");
  c->deepen_set = (int)num(&r, o, "deepen_set");
  c->candidates = (long long)num(&r, o, "candidates");
  c->valid = (long long)num(&r, o, "valid");
  c->complete = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "complete"));
  const cJSON *ap = cJSON_GetObjectItemCaseSensitive(o, "appended");
  c->nappended = cJSON_IsArray(ap) ? cJSON_GetArraySize(ap) : 0;
  c->appended = calloc((size_t)c->nappended + 1, sizeof *c->appended);
  long long k = 0;
  const cJSON *x;
  if (c->appended) cJSON_ArrayForEach(x, ap) node_read(&r, x, &c->appended[k++]);
  const cJSON *sets = cJSON_GetObjectItemCaseSensitive(o, "sets");
  c->nsets = cJSON_IsArray(sets) ? cJSON_GetArraySize(sets) : 0;
  c->sets = calloc((size_t)c->nsets + 1, sizeof *c->sets);
  if (!c->settings || !c->appended || !c->sets) fail(&r, "out of memory");
  int s = 0;
  if (c->sets) cJSON_ArrayForEach(x, sets) {
      fit_ckpt_set *cs = &c->sets[s++];
      cs->sub = entries_read(&r, cJSON_GetObjectItemCaseSensitive(x, "subspace"), &cs->nsub);
      cs->best = entries_read(&r, cJSON_GetObjectItemCaseSensitive(x, "best"), &cs->nbest);
      const cJSON *pe = cJSON_GetObjectItemCaseSensitive(x, "pass_end");
      int i = 0;
      const cJSON *v;
      if (cJSON_IsArray(pe) && cJSON_GetArraySize(pe) == 3)
        cJSON_ArrayForEach(v, pe) cs->pass_end[i++] = cJSON_IsNumber(v) ? v->valueint : 0;
      else fail(&r, "malformed pass_end");
      const cJSON *dp = cJSON_GetObjectItemCaseSensitive(x, "deepened");
      cs->ndeepened = cJSON_IsArray(dp) ? cJSON_GetArraySize(dp) : 0;
      cs->deepened = calloc((size_t)cs->ndeepened + 1, sizeof *cs->deepened);
      i = 0;
      if (cs->deepened) cJSON_ArrayForEach(v, dp) cs->deepened[i++] = u64(&r, v);
    }
  cJSON_Delete(o);
  if (r.bad) {
    fit_ckpt_free(c);
    return err ? err->status : NACRE_ERR_PARSE;
  }
  return NACRE_OK;
}

void fit_ckpt_free(fit_ckpt *c) {
  for (int s = 0; c->sets && s < c->nsets; s++) {
    free(c->sets[s].sub);
    free(c->sets[s].best);
    free(c->sets[s].deepened);
  }
  free(c->sets);
  free(c->appended);
  free(c->settings);
  memset(c, 0, sizeof *c);
}
