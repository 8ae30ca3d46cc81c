/* composition.c — chemical compositions of a cell ("Na16", "Li12Sn4"):
 * parsing, counting and formatting. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nacre/sym.h"

nacre_status nacre_composition_parse(const char *text, nacre_composition *c,
                                     nacre_error *err) {
  memset(c, 0, sizeof *c);
  const char *p = text;
  if (!p || !*p)
    return nacre_error_set(err, NACRE_ERR_INVALID, "empty composition");
  while (*p) {
    size_t len = 0;
    int z = nacre_element_z_prefix(p, &len);
    if (!z || !isupper((unsigned char)*p))
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "composition '%s': expected an element symbol at "
                             "'%s'",
                             text, p);
    p += len;
    long n = 1;
    if (isdigit((unsigned char)*p)) {
      char *end;
      n = strtol(p, &end, 10);
      p = end;
    }
    if (n <= 0 || n > 100000)
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "composition '%s': count %ld out of range", text,
                             n);
    int k;
    for (k = 0; k < c->nspecies && c->z[k] != z; k++) {
    }
    if (k == c->nspecies) {
      if (c->nspecies == NACRE_MAX_SPECIES)
        return nacre_error_set(err, NACRE_ERR_INVALID,
                               "composition '%s': more than %d elements", text,
                               NACRE_MAX_SPECIES);
      c->z[c->nspecies++] = z;
    }
    c->count[k] += (int)n;
    if (nacre_composition_natoms(c) > NACRE_MAX_ATOMS)
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "composition '%s': more than %d atoms (the "
                             "largest cell nacre generates and searches)",
                             text, NACRE_MAX_ATOMS);
  }
  return NACRE_OK;
}

int nacre_composition_natoms(const nacre_composition *c) {
  int n = 0;
  for (int k = 0; k < c->nspecies; k++) n += c->count[k];
  return n;
}

void nacre_composition_format(const nacre_composition *c, char *buf,
                              size_t buflen) {
  size_t used = 0;
  if (buflen) buf[0] = '\0';
  for (int k = 0; k < c->nspecies && used < buflen; k++) {
    const nacre_element *e = nacre_element_by_z(c->z[k]);
    int w = snprintf(buf + used, buflen - used, "%s%d", e ? e->symbol : "X",
                     c->count[k]);
    if (w < 0) break;
    used += (size_t)w;
  }
}

