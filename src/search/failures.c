/* failures.c — failed candidates counted by reason, for the progress line,
 * the report and summary.json. */
#include <stdio.h>
#include <string.h>

#include "nacre/search.h"

void nacre_search_failures_add(nacre_search_failures *f, const char *reason,
                               long count) {
  if (!reason || !reason[0]) reason = "unknown";
  f->total += count;
  int k;
  for (k = 0; k < f->n && strcmp(f->reason[k], reason); k++) {
  }
  if (k == f->n) {
    if (f->n == NACRE_SEARCH_MAX_REASONS - 1) reason = "other";
    for (k = 0; k < f->n && strcmp(f->reason[k], reason); k++) {
    }
    if (k == f->n) {
      snprintf(f->reason[k], sizeof f->reason[k], "%s", reason);
      f->count[k] = 0;
      f->n++;
    }
  }
  f->count[k] += count;
}

void nacre_search_failures_format(const nacre_search_failures *f, char *buf,
                                  size_t n) {
  if (!n) return;
  buf[0] = '\0';
  int done[NACRE_SEARCH_MAX_REASONS] = {0};
  size_t used = 0;
  for (int r = 0; r < f->n && used < n; r++) {
    int best = -1;
    for (int k = 0; k < f->n; k++)
      if (!done[k] && (best < 0 || f->count[k] > f->count[best])) best = k;
    done[best] = 1;
    int w = snprintf(buf + used, n - used, "%s%s %ld", r ? ", " : "",
                     f->reason[best], f->count[best]);
    if (w < 0) break;
    used += (size_t)w;
  }
}
