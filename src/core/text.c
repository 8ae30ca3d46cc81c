/* text.c — decimal text of numbers for the files nacre writes; whole lines
 * of the small tables read outside io. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nacre/core.h"

/* %.17g always reads back exactly. A double that reads back from 15
 * significant digits lies within half a unit in the last place of that
 * 15-digit decimal, at most 9.4 units of the 17th digit once %.17g has
 * rounded it, so the 16th and 17th digits read 00–10 or 90–99. Only
 * those texts, about a fifth of random doubles, pay for the %.15g try. */
void nacre_format_double(double v, char buf[NACRE_DOUBLE_TEXT]) {
  snprintf(buf, NACRE_DOUBLE_TEXT, "%.17g", v);
  int ndigits = 0, seen = 0, last2 = 0;
  for (const char *p = buf; *p && *p != 'e'; p++) {
    if (*p < '0' || *p > '9' || (!seen && *p == '0')) continue;
    seen = 1;
    ndigits++;
    last2 = (last2 * 10 + (*p - '0')) % 100;
  }
  if (ndigits <= 15) return; /* %g dropped the trailing zeros */
  if (ndigits == 16) last2 = last2 % 10 * 10;
  if (last2 > 10 && last2 < 90) return;
  char t[NACRE_DOUBLE_TEXT];
  snprintf(t, sizeof t, "%.15g", v);
  if (strtod(t, NULL) == v) memcpy(buf, t, sizeof t);
}

int nacre_read_line(FILE *fp, char *buf, size_t n) {
  if (!fgets(buf, (int)n, fp)) return 0;
  size_t len = strlen(buf);
  if (len + 1 < n || buf[len - 1] == '\n') return 1;
  int c = fgetc(fp);
  if (c == EOF) return 1; /* a last line without newline that just fits */
  while (c != EOF && c != '\n') c = fgetc(fp);
  return -1;
}
