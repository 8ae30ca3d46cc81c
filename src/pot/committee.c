/* committee.c — a committee of trained models (nacre train) as a
 * potential: the mean energy, forces and stress of its members. The
 * members' spread is available through nacre_committee_predict. */
#include <stdlib.h>
#include <string.h>

#include "nacre/pot.h"
#include "nacre/train.h"

#define COMMITTEE_HEAD "nacre-train-committee"
#define MODEL_HEAD "nacre-train-model"

static nacre_status committee_compute(const void *model, const nacre_structure *s,
                                      const nacre_neighbor_list *nl, unsigned want,
                                      nacre_result *r, void *workspace,
                                      nacre_error *err) {
  (void)nl; /* the descriptors build their own list */
  (void)workspace;
  const nacre_committee *c = model;
  nacre_committee_result cr;
  double stress[6];
  nacre_status st = nacre_committee_predict(
      c, s, (want & NACRE_WANT_FORCES) ? r->forces : NULL, stress, &cr, err);
  if (st) return st;
  r->energy = cr.energy;
  if (want & NACRE_WANT_STRESS) memcpy(r->stress, stress, sizeof stress);
  if ((want & NACRE_WANT_ATOM_ENERGIES) && r->atom_energies)
    for (int i = 0; i < s->natoms; i++) r->atom_energies[i] = cr.energy / s->natoms;
  return NACRE_OK;
}

static void committee_free(void *model) { nacre_committee_free(model); }

static void committee_describe(const void *model, char *buf, size_t len) {
  const nacre_committee *c = model;
  const nacre_train_model *m = c->models[0];
  char arch[64] = "";
  size_t o = 0;
  for (int k = 0; k < m->mlp.nlayers && o < sizeof arch; k++)
    o += (size_t)snprintf(arch + o, sizeof arch - o, "%s%d", k ? "-" : "", m->mlp.sizes[k]);
  snprintf(buf, len, "committee of %d network%s %s (%s), descriptors %.48s%s, cutoff %g Å",
           c->k, c->k > 1 ? "s" : "", arch, nacre_activation_name(m->mlp.act), m->feat.spec,
           strlen(m->feat.spec) > 48 ? "..." : "", m->feat.cutoff);
}

static const nacre_potential_ops committee_ops = {
    "committee", committee_compute, NULL, NULL, committee_free, committee_describe};

nacre_status nacre_committee_potential_new(nacre_committee *c,
                                           nacre_potential **out,
                                           nacre_error *err) {
  *out = NULL;
  const nacre_train_model *m = c->models[0];
  double rc = m->feat.cutoff;
  for (int k = 1; k < c->k; k++)
    if (c->models[k]->feat.cutoff > rc) rc = c->models[k]->feat.cutoff;
  *out = nacre_potential_wrap(&committee_ops, c, rc, m->species_z, m->nspecies, err);
  if (!*out) {
    nacre_committee_free(c);
    return err ? err->status : NACRE_ERR_NOMEM;
  }
  return NACRE_OK;
}

const nacre_committee *nacre_committee_of_potential(const nacre_potential *p) {
  return strcmp(nacre_potential_kind(p), "committee") ? NULL : nacre_potential_model(p);
}

static int committee_probe(const char *path, const char *head, size_t len) {
  (void)path;
  return (len >= strlen(COMMITTEE_HEAD) && !strncmp(head, COMMITTEE_HEAD, strlen(COMMITTEE_HEAD))) ||
         (len >= strlen(MODEL_HEAD) && !strncmp(head, MODEL_HEAD, strlen(MODEL_HEAD)));
}

static nacre_status committee_load(const char *path, nacre_potential **out, nacre_error *err) {
  nacre_committee *c;
  nacre_status st = nacre_committee_read(path, &c, err);
  if (st) return st;
  return nacre_committee_potential_new(c, out, err);
}

const nacre_potential_loader nacre_committee_loader = {"nacre-train", committee_probe,
                                                       committee_load};
