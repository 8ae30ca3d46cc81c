/* operations.c — the space-group operations the force constants use: those
 * of the unit cell (through sym) whose rotation keeps the supercell lattice,
 * each with its atom permutation, the lattice cell each atom lands in, and
 * its Cartesian rotation; and the orbits of the unit atoms under them. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nacre/sym.h"
#include "phonon_internal.h"

/* R keeps the supercell lattice {n m} when m R m⁻¹... written for column
 * vectors: R mᵀ = mᵀ K with K = adj(m)ᵀ R mᵀ / det integer. */
static int keeps_supercell(const nacre_phonon *ph, const int r[3][3]) {
  for (int a = 0; a < 3; a++)
    for (int b = 0; b < 3; b++) {
      long s = 0;
      for (int c = 0; c < 3; c++)
        for (int d = 0; d < 3; d++) s += (long)ph->adj[c][a] * r[c][d] * ph->m[b][d];
      if (s % ph->det) return 0;
    }
  return 1;
}

static nacre_status alloc_ops(nacre_phonon *ph, int nops, nacre_error *err) {
  ph->rot = malloc((size_t)nops * sizeof *ph->rot);
  ph->cart = malloc((size_t)nops * sizeof *ph->cart);
  ph->perm = malloc((size_t)nops * ph->n * sizeof *ph->perm);
  ph->shift = malloc((size_t)nops * ph->n * sizeof *ph->shift);
  ph->orbit = malloc((size_t)ph->n * sizeof *ph->orbit);
  if (!ph->rot || !ph->cart || !ph->perm || !ph->shift || !ph->orbit)
    return nacre_error_set(err, NACRE_ERR_NOMEM, "phonon: %d operations", nops);
  return NACRE_OK;
}

/* C = Aᵀ R A⁻ᵀ for cell rows A (Cartesian column vectors r = Aᵀ x). */
static void cartesian_rotation(const double cell[3][3], const int r[3][3], double c[3][3]) {
  double at[3][3], ati[3][3], rd[3][3], t[3][3];
  nacre_mat3_transpose(cell, at);
  nacre_mat3_inverse(at, ati);
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) rd[i][j] = r[i][j];
  nacre_mat3_mul(at, rd, t);
  nacre_mat3_mul(t, ati, c);
}

nacre_status phonon_symmetry_build(nacre_phonon *ph, nacre_error *err) {
  nacre_symmetry *sym = NULL;
  nacre_status st = nacre_symmetry_analyze_flags(
      ph->unit, ph->opt.symprec, NACRE_SYM_SPGLIB_ORIGIN | NACRE_SYM_NO_PERMS, &sym, err);
  if (st) return nacre_error_prefix(err, "phonon symmetry: ");
  int *map = malloc((size_t)sym->nops * ph->n * sizeof *map);
  double *frac = malloc(3 * (size_t)ph->n * sizeof *frac);
  if (!map || !frac) st = nacre_error_set(err, NACRE_ERR_NOMEM, "phonon symmetry");
  if (!st) st = nacre_symmetry_atom_map(sym, ph->unit, map, err);
  if (!st) st = nacre_structure_get_frac(ph->unit, frac, err);
  if (!st) st = alloc_ops(ph, sym->nops, err);
  if (!st) {
    snprintf(ph->space_group, sizeof ph->space_group, "%s", sym->international);
    ph->space_group_number = sym->sg_number;
  }
  int n = ph->n;
  ph->nops = 0;
  for (int k = 0; !st && k < sym->nops; k++) {
    if (!keeps_supercell(ph, sym->rot[k])) continue;
    int o = ph->nops++;
    memcpy(ph->rot[o], sym->rot[k], sizeof ph->rot[o]);
    cartesian_rotation(ph->unit->cell, sym->rot[k], ph->cart[o]);
    for (int i = 0; i < n; i++) {
      int p = map[k * n + i];
      ph->perm[o * n + i] = p;
      for (int a = 0; a < 3; a++) {
        const int *r = sym->rot[k][a];
        double y = r[0] * frac[3 * i] + r[1] * frac[3 * i + 1] + r[2] * frac[3 * i + 2] +
                   sym->trans[k][a] - frac[3 * p + a];
        ph->shift[o * n + i][a] = (int)lround(y);
      }
    }
  }
  /* orbits: the representative is the lowest index reached */
  for (int i = 0; !st && i < n; i++) ph->orbit[i] = i;
  for (int i = 0; !st && i < n; i++)
    for (int k = 0; k < ph->nops; k++) {
      int p = ph->perm[k * n + i];
      if (ph->orbit[p] > ph->orbit[i]) ph->orbit[p] = ph->orbit[i];
    }
  free(map);
  free(frac);
  nacre_symmetry_free(sym);
  return st;
}
