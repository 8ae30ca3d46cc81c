/* load.c — turns a potential SPEC into a potential: inline classical forms
 * ("lj:...") or files whose format is recognised from their content. Each
 * family registers itself in one of the two tables below. */
#include "nacre/nn.h"
#include "nacre/pot.h"
#include "pot_internal.h"
#include "spec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static nacre_status load_lj(const char *spec, nacre_potential **out,
                            nacre_error *err) {
  pot_spec sp;
  double eps, sigma, rc;
  nacre_status st = nacre_pot_spec_parse(spec, &sp, err);
  if (!st) st = nacre_pot_spec_require(&sp, "epsilon", &eps, err);
  if (!st) st = nacre_pot_spec_require(&sp, "sigma", &sigma, err);
  if (!st) st = nacre_pot_spec_require(&sp, "cutoff", &rc, err);
  if (st) return st;
  int tail = nacre_pot_spec_get(&sp, "tail", 0.0, NULL) != 0.0;
  /* tail=1 means the full potential in the mean-field sense, which needs
   * the shifted form: the cut, unshifted potential has impulsive forces at
   * rc that no force loop sees, so its pressure would miss half the
   * virial tail (see lj.c) */
  int shift_given = 0;
  int shift = nacre_pot_spec_get(&sp, "shift", tail ? 1.0 : 0.0, &shift_given) != 0.0;
  st = nacre_pot_spec_check_unused(&sp, err);
  if (st) return st;
  if (tail && !shift)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "lj: tail=1 needs the shifted potential (shift=0 given in "
                           "'%s'): the cut potential's pressure would miss half the "
                           "virial tail",
                           spec);
  return nacre_lj_new_tail(eps, sigma, rc, shift, tail, out, err);
}

/* uf:epsilon=E,p=P,sigma=S[,cutoff=RC] */
static nacre_status load_uf(const char *spec, nacre_potential **out,
                            nacre_error *err) {
  pot_spec sp;
  double eps, p, sigma;
  nacre_status st = nacre_pot_spec_parse(spec, &sp, err);
  if (!st) st = nacre_pot_spec_require(&sp, "epsilon", &eps, err);
  if (!st) st = nacre_pot_spec_require(&sp, "p", &p, err);
  if (!st) st = nacre_pot_spec_require(&sp, "sigma", &sigma, err);
  if (st) return st;
  double rc = nacre_pot_spec_get(&sp, "cutoff", 0.0, NULL);
  st = nacre_pot_spec_check_unused(&sp, err);
  if (st) return st;
  return nacre_uf_new(eps, p, sigma, rc, out, err);
}

/* morse:D=E,alpha=A,r0=R,cutoff=RC[,shift=1] */
static nacre_status load_morse(const char *spec, nacre_potential **out,
                               nacre_error *err) {
  pot_spec sp;
  double d, alpha, r0, rc;
  nacre_status st = nacre_pot_spec_parse(spec, &sp, err);
  if (!st) st = nacre_pot_spec_require(&sp, "D", &d, err);
  if (!st) st = nacre_pot_spec_require(&sp, "alpha", &alpha, err);
  if (!st) st = nacre_pot_spec_require(&sp, "r0", &r0, err);
  if (!st) st = nacre_pot_spec_require(&sp, "cutoff", &rc, err);
  if (st) return st;
  int shift = nacre_pot_spec_get(&sp, "shift", 0.0, NULL) != 0.0;
  st = nacre_pot_spec_check_unused(&sp, err);
  if (st) return st;
  return nacre_morse_new(d, alpha, r0, rc, shift, out, err);
}

/* gupta:A=..,xi=..,p=..,q=..,r0=..,cutoff=..[,rmin=..] — one parameter set
 * for every element; rmin (default: cutoff, a hard cutoff) starts MAISE's
 * cosine taper. */
static nacre_status load_gupta(const char *spec, nacre_potential **out,
                               nacre_error *err) {
  pot_spec sp;
  nacre_gupta_params g;
  nacre_status st = nacre_pot_spec_parse(spec, &sp, err);
  if (!st) st = nacre_pot_spec_require(&sp, "A", &g.a_ev, err);
  if (!st) st = nacre_pot_spec_require(&sp, "xi", &g.xi_ev, err);
  if (!st) st = nacre_pot_spec_require(&sp, "p", &g.p, err);
  if (!st) st = nacre_pot_spec_require(&sp, "q", &g.q, err);
  if (!st) st = nacre_pot_spec_require(&sp, "r0", &g.r0, err);
  if (!st) st = nacre_pot_spec_require(&sp, "cutoff", &g.cutoff, err);
  if (st) return st;
  g.rmin = nacre_pot_spec_get(&sp, "rmin", g.cutoff, NULL);
  st = nacre_pot_spec_check_unused(&sp, err);
  if (st) return st;
  return nacre_gupta_new(0, NULL, &g, out, err);
}

/* eam:FILE1,FILE2,... — funcfl files, one element each */
static nacre_status load_eam_funcfl_list(const char *spec,
                                         nacre_potential **out,
                                         nacre_error *err) {
  char buf[4096];
  const char *list = strchr(spec, ':') + 1;
  if (strlen(list) >= sizeof buf || !*list)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "potential spec '%.60s': expected eam:FILE[,FILE...]",
                           spec);
  strcpy(buf, list);
  const char *paths[16];
  int n = 0;
  char *save = NULL;
  for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
    if (n == 16)
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "potential spec '%.60s': at most 16 files", spec);
    paths[n++] = t;
  }
  return nacre_eam_load_funcfl_files(paths, n, out, err);
}

typedef struct {
  const char *prefix;
  nacre_status (*load)(const char *spec, nacre_potential **out,
                       nacre_error *err);
} inline_loader;

static const inline_loader inline_loaders[] = {
    {"lj:", load_lj},
    {"uf:", load_uf},
    {"morse:", load_morse},
    {"gupta:", load_gupta},
    {"eam:", load_eam_funcfl_list},
    {"ewald:", nacre_ewald_load_spec},
    {"zbl:", pot_load_zbl_spec},
    {"committee:", pot_load_committee_spec},
};

static const nacre_potential_loader *const file_loaders[] = {
    &nacre_eam_fs_loader,
    &nacre_eam_funcfl_loader,
    &nacre_eam_setfl_loader,
    &nacre_nn_maise_loader,
    &nacre_committee_file_loader,
    &nacre_nn_json_loader,
    &nacre_gupta_maise_loader,
    &nacre_nn_legacy_loader,
    NULL,
};

/* "A+B": the last '+' followed by an inline kind splits a sum (a file name
 * or a number such as 1e+5 is not followed by one). */
static const char *sum_split(const char *spec) {
  const char *split = NULL;
  for (const char *p = strchr(spec, '+'); p; p = strchr(p + 1, '+'))
    for (size_t k = 0; k < sizeof inline_loaders / sizeof inline_loaders[0];
         k++)
      if (p > spec && !strncmp(p + 1, inline_loaders[k].prefix,
                               strlen(inline_loaders[k].prefix)))
        split = p;
  return split;
}

static nacre_status load_sum(const char *spec, const char *split,
                             nacre_potential **out, nacre_error *err) {
  size_t len = (size_t)(split - spec);
  char *left = malloc(len + 1);
  if (!left) return nacre_error_set(err, NACRE_ERR_NOMEM, "potential spec");
  memcpy(left, spec, len);
  left[len] = '\0';
  nacre_potential *t[2] = {NULL, NULL};
  nacre_status st = nacre_potential_load(left, &t[0], err);
  free(left);
  if (!st) st = nacre_potential_load(split + 1, &t[1], err);
  if (st) {
    nacre_potential_free(t[0]);
    return st;
  }
  return nacre_sum_new(t, 2, out, err);
}

nacre_status nacre_potential_load(const char *spec, nacre_potential **out,
                                  nacre_error *err) {
  *out = NULL;
  const char *split = sum_split(spec);
  if (split) return load_sum(spec, split, out, err);
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
                             "lj, uf, morse, gupta, eam, ewald, zbl, committee)",
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
                         ".eam/.eam.alloy/.eam.fs, MAISE model, nacre model or "
                         "committee)",
                         spec);
}
