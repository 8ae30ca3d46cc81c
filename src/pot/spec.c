/* spec.c — inline potential specification parser. */
#include "spec.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

nacre_status nacre_pot_spec_parse(const char *spec, pot_spec *out, nacre_error *err) {
  memset(out, 0, sizeof *out);
  const char *colon = strchr(spec, ':');
  if (!colon)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "potential spec '%s': expected KIND:key=value,...",
                           spec);
  const char *p = colon + 1;
  while (*p) {
    const char *end = strchr(p, ',');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    const char *eq = memchr(p, '=', len);
    if (!eq || eq == p || (size_t)(eq - p) >= sizeof out->key[0])
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "potential spec '%s': '%.*s' is not key=value",
                             spec, (int)len, p);
    if (out->n >= SPEC_MAX_KEYS)
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "potential spec '%s': too many parameters", spec);
    size_t klen = (size_t)(eq - p);
    memcpy(out->key[out->n], p, klen);
    out->key[out->n][klen] = '\0';
    char num[64];
    size_t vlen = len - klen - 1;
    if (vlen == 0 || vlen >= sizeof num)
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "potential spec '%s': bad value for %s", spec,
                             out->key[out->n]);
    memcpy(num, eq + 1, vlen);
    num[vlen] = '\0';
    char *stop;
    errno = 0;
    double v = strtod(num, &stop);
    if (*stop || errno || !isfinite(v))
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "potential spec '%s': '%s' is not a number (for "
                             "%s)",
                             spec, num, out->key[out->n]);
    for (int k = 0; k < out->n; k++)
      if (!strcmp(out->key[k], out->key[out->n]))
        return nacre_error_set(err, NACRE_ERR_INVALID,
                               "potential spec '%s': %s given twice", spec,
                               out->key[k]);
    out->value[out->n++] = v;
    p += len;
    if (*p == ',') p++;
  }
  out->kind = spec;
  return NACRE_OK;
}

double nacre_pot_spec_get(pot_spec *sp, const char *key, double fallback, int *found) {
  for (int k = 0; k < sp->n; k++)
    if (!strcmp(sp->key[k], key)) {
      sp->used[k] = 1;
      if (found) *found = 1;
      return sp->value[k];
    }
  if (found) *found = 0;
  return fallback;
}

nacre_status nacre_pot_spec_require(pot_spec *sp, const char *key, double *value,
                              nacre_error *err) {
  int found;
  *value = nacre_pot_spec_get(sp, key, 0.0, &found);
  if (!found) {
    const char *colon = strchr(sp->kind, ':');
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "potential spec '%s': missing %s=",
                           colon ? sp->kind : "", key);
  }
  return NACRE_OK;
}

nacre_status nacre_pot_spec_check_unused(const pot_spec *sp, nacre_error *err) {
  for (int k = 0; k < sp->n; k++)
    if (!sp->used[k])
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "potential spec '%s': unknown parameter '%s'",
                             sp->kind, sp->key[k]);
  return NACRE_OK;
}
