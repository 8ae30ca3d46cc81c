/* extxyz_kv.c — the key=value comment line of extended XYZ (ASE layout):
 * keys and values separated by '=', values bare, "double quoted" (with \"
 * and \\ escapes) or bracketed ({...} or [...]); a bare key means "T". */
#include "extxyz.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

void nacre_xyz_kv_free(xyz_kv *kv) {
  for (int k = 0; k < kv->n; k++) {
    free(kv->key[k]);
    free(kv->value[k]);
  }
  free(kv->key);
  free(kv->value);
  memset(kv, 0, sizeof *kv);
}

static int push(xyz_kv *kv, char *key, char *value) {
  if (kv->n == kv->cap) {
    int cap = kv->cap ? 2 * kv->cap : 16;
    char **k2 = realloc(kv->key, (size_t)cap * sizeof *k2);
    if (k2) kv->key = k2;
    char **v2 = realloc(kv->value, (size_t)cap * sizeof *v2);
    if (v2) kv->value = v2;
    if (!k2 || !v2) return -1;
    kv->cap = cap;
  }
  kv->key[kv->n] = key;
  kv->value[kv->n] = value;
  kv->n++;
  return 0;
}

/* Reads one word (bare, quoted or bracketed) starting at *p into a new
 * string; stops bare words at whitespace and, for keys, at '='. */
static char *read_word(const char **p, int is_key, const char **why) {
  const char *s = *p;
  size_t n = strlen(s);
  char *out = malloc(n + 1), *o = out;
  if (!out) return (*why = "out of memory"), NULL;
  if (*s == '"') {
    for (s++; *s && *s != '"'; s++) {
      if (*s == '\\' && (s[1] == '"' || s[1] == '\\')) s++;
      *o++ = *s;
    }
    if (*s != '"') {
      free(out);
      return (*why = "unterminated quote"), NULL;
    }
    s++;
  } else if (!is_key && (*s == '{' || *s == '[')) {
    char close = *s == '{' ? '}' : ']';
    for (s++; *s && *s != close; s++) *o++ = *s;
    if (*s != close) {
      free(out);
      return (*why = "unterminated bracket"), NULL;
    }
    s++;
  } else {
    while (*s && !isspace((unsigned char)*s) && !(is_key && *s == '='))
      *o++ = *s++;
  }
  *o = '\0';
  *p = s;
  return out;
}

static const char *skip_space(const char *s) {
  while (isspace((unsigned char)*s)) s++;
  return s;
}

int nacre_xyz_kv_parse(const char *line, xyz_kv *kv, const char **why) {
  const char *p = skip_space(line);
  while (*p) {
    if (*p == '=') return (*why = "'=' without a key"), -1;
    char *key = read_word(&p, 1, why), *value;
    if (!key) return -1;
    p = skip_space(p);
    if (*p == '=') {
      p = skip_space(p + 1);
      value = read_word(&p, 0, why);
    } else {
      value = malloc(2);
      if (value) strcpy(value, "T");
      else *why = "out of memory";
    }
    if (!value || push(kv, key, value)) {
      free(key);
      free(value);
      if (value) *why = "out of memory";
      return -1;
    }
    p = skip_space(p);
  }
  return 0;
}

int nacre_xyz_kv_find(const xyz_kv *kv, const char *key, int ignore_case) {
  for (int k = kv->n - 1; k >= 0; k--) /* the last occurrence wins */
    if (ignore_case ? !strcasecmp(kv->key[k], key) : !strcmp(kv->key[k], key))
      return k;
  return -1;
}

int nacre_xyz_numbers(const char *s, double *out, int max) {
  char *copy = malloc(strlen(s) + 1);
  if (!copy) return -1;
  strcpy(copy, s);
  for (char *c = copy; *c; c++)
    if (*c == ',' || *c == '[' || *c == ']' || *c == '{' || *c == '}') *c = ' ';
  char *tok[16];
  int n = nacre_io_split(copy, tok, 16);
  int ok = n <= max;
  for (int k = 0; ok && k < n; k++) ok = !nacre_io_double(tok[k], &out[k]);
  free(copy);
  return ok ? n : -1;
}

int nacre_xyz_bool(const char *s, int *out) {
  static const char *yes[] = {"T", "True", "true", "TRUE", "1"};
  static const char *no[] = {"F", "False", "false", "FALSE", "0"};
  for (int k = 0; k < 5; k++) {
    if (!strcmp(s, yes[k])) return (*out = 1), 0;
    if (!strcmp(s, no[k])) return (*out = 0), 0;
  }
  return -1;
}
