/* load.c — turns a potential SPEC into a potential: inline classical forms
 * ("lj:...") or files whose format is recognised from their content. Each
 * family registers itself in one of the two tables below. */
#include "nacre/nn.h"
#include "nacre/pot.h"
#include "spec.h"

#include <stdio.h>
#include <string.h>

static nacre_status load_lj(const char *spec, nacre_potential **out,
                            nacre_error *err) {
  pot_spec sp;
  double eps, sigma, rc;
  nacre_status st = pot_spec_parse(spec, &sp, err);
  if (!st) st = pot_spec_require(&sp, "epsilon", &eps, err);
  if (!st) st = pot_spec_require(&sp, "sigma", &sigma, err);
  if (!st) st = pot_spec_require(&sp, "cutoff", &rc, err);
  if (st) return st;
  int shift = pot_spec_get(&sp, "shift", 0.0, NULL) != 0.0;
  st = pot_spec_check_unused(&sp, err);
  if (st) return st;
  return nacre_lj_new(eps, sigma, rc, shift, out, err);
}

typedef struct {
  const char *prefix;
  nacre_status (*load)(const char *spec, nacre_potential **out,
                       nacre_error *err);
} inline_loader;

static const inline_loader inline_loaders[] = {
    {"lj:", load_lj},
};

extern const nacre_potential_loader nacre_committee_loader; /* committee.c */

static const nacre_potential_loader *const file_loaders[] = {
    &nacre_nn_maise_loader,
    &nacre_nn_json_loader,
    &nacre_committee_loader,
    NULL,
};

nacre_status nacre_potential_load(const char *spec, nacre_potential **out,
                                  nacre_error *err) {
  *out = NULL;
  for (size_t k = 0; k < sizeof inline_loaders / sizeof inline_loaders[0]; k++) {
    size_t n = strlen(inline_loaders[k].prefix);
    if (!strncmp(spec, inline_loaders[k].prefix, n))
      return inline_loaders[k].load(spec, out, err);
  }
  FILE *f = fopen(spec, "rb");
  if (!f) {
    if (strchr(spec, ':'))
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "unknown potential kind in '%s' (inline kinds: "
                             "lj, morse, gupta)",
                             spec);
    return nacre_error_set(err, NACRE_ERR_IO, "cannot open potential file %s",
                           spec);
  }
  char head[4096];
  size_t len = fread(head, 1, sizeof head - 1, f);
  head[len] = '\0';
  fclose(f);
  for (size_t k = 0; file_loaders[k]; k++)
    if (file_loaders[k]->probe(spec, head, len))
      return file_loaders[k]->load(spec, out, err);
  return nacre_error_set(err, NACRE_ERR_PARSE,
                         "%s: not a potential format nacre recognises (EAM "
                         ".eam/.eam.alloy/.eam.fs, MAISE model, nacre model)",
                         spec);
}
