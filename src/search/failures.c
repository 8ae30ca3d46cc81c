/* failures.c — failed candidates counted by reason, for the progress line,
 * the report and summary.json; relaxations that left the potential's
 * training data, for one warning. */
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

int nacre_search_domain_message(const nacre_search_domain *d, char *buf,
                                size_t n) {
  if (d->left == 0) return 0;
  snprintf(buf, n,
           "%ld of %ld relaxation%s left the training data of the potential "
           "(%ld of %ld evaluations outside it); %ld relaxed structure%s "
           "outside it: their energies are extrapolations",
           d->left, d->relaxations, d->relaxations == 1 ? "" : "s",
           d->evaluations_outside, d->evaluations, d->ended_outside,
           d->ended_outside == 1 ? " lies" : "s lie");
  return 1;
}
