/* classify.c — what the pool records about a minimum: its space group and
 * Pearson symbol (found by sym), "cluster13" for clusters. */
#include <stdio.h>

#include "nacre/search.h"

void nacre_search_classify(const nacre_structure *s, double symprec, int *sg,
                           char symbol[16], char pearson[16]) {
  *sg = 0;
  snprintf(symbol, 16, "-");
  if (!(s->pbc[0] && s->pbc[1] && s->pbc[2])) {
    snprintf(pearson, 16, "cluster%d", s->natoms);
    return;
  }
  snprintf(pearson, 16, "?%d", s->natoms);
  int number;
  char sym[32], pe[16];
  if (nacre_symmetry_identify(s, symprec, &number, sym, pe, NULL)) return;
  *sg = number;
  snprintf(symbol, 16, "%.15s", sym);
  snprintf(pearson, 16, "%s", pe);
}
