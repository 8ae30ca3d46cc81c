/* evaluate.c — one structure file under one potential: read, load, check
 * the elements, compute (the library side of nacre eval). */
#include <string.h>

#include "nacre/io.h"
#include "nacre/pot.h"

void nacre_evaluation_free(nacre_evaluation *e) {
  nacre_result_free(&e->r);
  nacre_potential_free(e->p);
  nacre_structure_free(e->s);
  memset(e, 0, sizeof *e);
}

nacre_status nacre_evaluate_file(const char *structure, const char *potential,
                                 unsigned want, nacre_evaluation *out,
                                 nacre_error *err) {
  memset(out, 0, sizeof *out);
  nacre_calc *c = NULL;
  nacre_status st = nacre_read_structure(structure, &out->s, err);
  if (!st) st = nacre_potential_load(potential, &out->p, err);
  if (!st) st = nacre_potential_supports(out->p, out->s, err);
  if (!st && !(c = nacre_calc_new(out->p, 0.0, err)))
    st = err ? err->status : NACRE_ERR_NOMEM;
  if (!st) st = nacre_result_init(&out->r, out->s->natoms, err);
  if (!st) st = nacre_calc_compute(c, out->s, want, &out->r, err);
  if (!st) nacre_calc_domain_counts(c, &out->domain);
  nacre_calc_free(c);
  if (st) nacre_evaluation_free(out);
  return st;
}
