/* pot_internal.h — what one potential needs of another inside pot (a
 * committee evaluates its members through these). */
#ifndef NACRE_POT_INTERNAL_H
#define NACRE_POT_INTERNAL_H

#include "nacre/pot.h"

/* The member's compute with r cleared as nacre_calc_compute clears it
 * (energy, stress, domain, committee fields; forces and atom energies
 * when asked for); the neighbour list must hold the member's cutoff. */
nacre_status pot_compute(const nacre_potential *p, const nacre_structure *s,
                         const nacre_neighbor_list *nl, unsigned want,
                         nacre_result *r, void *workspace, nacre_error *err);
/* The member's workspace (NULL when it needs none; *ok = 0 when it needs
 * one and none could be made). */
void *pot_workspace_new(const nacre_potential *p, int *ok);
void pot_workspace_free(const nacre_potential *p, void *ws);

/* "committee:SPEC,SPEC,..." (committee.c). */
nacre_status pot_load_committee_spec(const char *spec, nacre_potential **out,
                                     nacre_error *err);

/* "zbl:r_inner=A,r_outer=B" (zbl.c). */
nacre_status pot_load_zbl_spec(const char *spec, nacre_potential **out,
                               nacre_error *err);

#endif
