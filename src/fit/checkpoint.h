/* checkpoint.h — the state of a descriptor search between two blocks of
 * the stream, in a JSON file: the settings it was started with, where it
 * stands (dimension, stage, next j, next deepening step), the deepening
 * operands appended to the space, and each training part's subspace,
 * current best list and deepened features. Private to src/fit. */
#ifndef NACRE_FIT_CHECKPOINT_H
#define NACRE_FIT_CHECKPOINT_H

#include "score.h"

enum { FIT_STAGE_STREAM = 0, FIT_STAGE_DEEPEN = 1 };

typedef struct fit_ckpt_set {
  int nsub;
  fit_entry *sub;           /* the subspace, passes in order */
  int pass_end[3];          /* nsub after passes 1, 2, 3 */
  int nbest;
  fit_entry *best;          /* the current pass's list */
  int ndeepened;
  uint64_t *deepened;
} fit_ckpt_set;

typedef struct fit_ckpt {
  char *settings;           /* canonical text of every setting */
  int pass;                 /* dimension being screened, 1-based */
  int stage;
  long long next_j;         /* stream: every j below is done */
  int deepen_level, deepen_set; /* deepen: the next step */
  long long nappended;
  fit_node *appended;       /* deepening operands, in order */
  int nsets;
  fit_ckpt_set *sets;
  long long candidates, valid;
  int complete;
} fit_ckpt;

nacre_status fit_ckpt_write(const char *path, const fit_ckpt *c, nacre_error *err);
nacre_status fit_ckpt_read(const char *path, fit_ckpt *c, nacre_error *err);
void fit_ckpt_free(fit_ckpt *c);

#endif
