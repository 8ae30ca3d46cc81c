/* committee.c — phonons with a committee of potentials: each member's
 * forces on the same displaced supercells give that member's force
 * constants; the committee's force constants come from the members' mean
 * forces (what the committee potential itself returns), and the members'
 * spread around them measures how far the potentials disagree on the
 * curvature of the energy. Force constants are linear in the forces (least
 * squares, orbit expansion, index symmetrisation and the sum rule), so the
 * committee's force constants are also the members' mean. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "phonon_internal.h"

/* Progress over the members: member k's displacements count as the k-th
 * share of the whole. */
typedef struct member_progress {
  nacre_phonon_progress_fn fn;
  void *user;
  int member, members;
} member_progress;

static int progress_of_member(void *user, const char *what, int done, int total) {
  member_progress *p = user;
  (void)what;
  return p->fn ? p->fn(p->user, "displacements", p->member * total + done, p->members * total)
               : 0;
}

/* The forces of member k on every displaced supercell, in a phonon object
 * of its own (the same supercell and displacements as ph). */
static nacre_status member_forces(const nacre_phonon *ph, const nacre_potential *member,
                                  const nacre_ctx *ctx, member_progress *mp, nacre_phonon **out,
                                  nacre_error *err) {
  *out = NULL;
  nacre_calc *calc = nacre_calc_new(member, -1.0, err);
  if (!calc) return err && err->status ? err->status : NACRE_ERR_NOMEM;
  nacre_phonon *pm = NULL;
  nacre_status st = nacre_phonon_new(ph->unit, ph->mass, &ph->opt, &pm, err);
  if (!st && pm->ndisp != ph->ndisp)
    st = nacre_error_set(err, NACRE_ERR_INVALID, "committee member: %d displacements, not %d",
                         pm->ndisp, ph->ndisp);
  if (!st) st = nacre_phonon_compute_forces(pm, calc, ctx, progress_of_member, mp, err);
  if (!st) st = nacre_phonon_produce_force_constants(pm, err);
  nacre_calc_free(calc);
  if (st) {
    nacre_phonon_free(pm);
    return st;
  }
  *out = pm;
  return NACRE_OK;
}

nacre_status nacre_phonon_compute_committee(nacre_phonon *ph, const nacre_potential *committee,
                                            const nacre_ctx *ctx,
                                            nacre_phonon_progress_fn progress,
                                            void *progress_user,
                                            nacre_phonon_committee_spread *spread,
                                            nacre_error *err) {
  memset(spread, 0, sizeof *spread);
  int K = nacre_committee_size(committee);
  if (K < 2)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "phonon committee: the potential is not a committee of two or more");
  nacre_status st = nacre_potential_supports(committee, ph->unit, err);
  if (st) return st;
  size_t nf = (size_t)3 * ph->nsuper, nfc = (size_t)ph->n * ph->nsuper * 9;
  int first = ph->opt.subtract_residual ? -1 : 0;
  /* running sums of the forces and Welford's mean and M2 of the force
     constants */
  double *fsum = calloc((size_t)(ph->ndisp - first) * nf, sizeof *fsum);
  double *fc_mean = calloc(nfc, sizeof *fc_mean), *fc_m2 = calloc(nfc, sizeof *fc_m2);
  if (!fsum || !fc_mean || !fc_m2) {
    free(fsum), free(fc_mean), free(fc_m2);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "phonon committee: %d members", K);
  }
  for (int k = 0; !st && k < K; k++) {
    member_progress mp = {progress, progress_user, k, K};
    nacre_phonon *pm = NULL;
    st = member_forces(ph, nacre_committee_member(committee, k), ctx, &mp, &pm, err);
    if (st) {
      nacre_error_prefix(err, "committee member %d: ", k + 1);
      break;
    }
    for (int d = first; d < ph->ndisp; d++) {
      const double *f = d < 0 ? pm->residual : &pm->forces[(size_t)d * nf];
      double *acc = &fsum[(size_t)(d - first) * nf];
      for (size_t c = 0; c < nf; c++) acc[c] += f[c];
    }
    for (size_t c = 0; c < nfc; c++) {
      double delta = pm->fc[c] - fc_mean[c];
      fc_mean[c] += delta / (k + 1);
      fc_m2[c] += delta * (pm->fc[c] - fc_mean[c]);
    }
    nacre_phonon_free(pm);
  }
  /* the committee's forces: the members' mean, as the committee returns them */
  for (int d = first; !st && d < ph->ndisp; d++) {
    double *acc = &fsum[(size_t)(d - first) * nf];
    for (size_t c = 0; c < nf; c++) acc[c] /= K;
    st = nacre_phonon_set_forces(ph, d, acc, err);
  }
  if (!st) st = nacre_phonon_produce_force_constants(ph, err);
  if (!st) {
    double sum2 = 0, dev2 = 0;
    for (size_t c = 0; c < nfc; c++) {
      double dev = sqrt(fc_m2[c] / K); /* population deviation, as σ_f */
      spread->force_constant_deviation_max_ev_a2 =
          fmax(spread->force_constant_deviation_max_ev_a2, dev);
      dev2 += dev * dev;
      sum2 += ph->fc[c] * ph->fc[c];
    }
    spread->members = K;
    spread->force_constant_deviation_rms_ev_a2 = sqrt(dev2 / nfc);
    spread->force_constant_rms_ev_a2 = sqrt(sum2 / nfc);
  }
  free(fsum), free(fc_mean), free(fc_m2);
  return st;
}
