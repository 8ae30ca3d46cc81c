/* gupta.c — Gupta / RGL second-moment tight-binding potential (Cleri &
 * Rosato, PRB 48, 22 (1993)):
 *
 *   E_i = Σ_j A_ab e^{−p_ab(r/r0_ab − 1)} fc(r) − sqrt(ρ_i),
 *   ρ_i = Σ_j ξ_ab² e^{−2q_ab(r/r0_ab − 1)} fc(r),
 *
 * with MAISE's cosine taper fc = ½[1 + cos(π(r − rmin)/(rc − rmin))] between
 * rmin and rc (1 below, 0 beyond); rmin >= rc gives a hard cutoff. Both
 * sums run over all neighbours, so each pair's repulsion enters twice, as
 * in the paper. Forces gathered per atom from the full neighbour list:
 *   dE/dr_ij = 2 d(A e fc)/dr − ½ d(ξ² e fc)/dr (ρ_i^{−½} + ρ_j^{−½}).
 *
 * MAISE model file (../shared/data/maise/models/gp_Cu_d3_vp), as MAISE's
 * cpot.c reads it: a box of "|  label | value |" rows; line 2 names the
 * model ("Gupta potential"); "number of species" and "species types"
 * (atomic numbers) rows; after the "parameters" title and a rule, seven rows
 * per species pair — A (eV), p, B = ξ (eV), q, r0 (Å), Rmin (Å), Rmax (Å) —
 * for the pairs (0,0), then (1,0), (1,1) with two species (MAISE indexes
 * pairs by n²+m², so more than two species are not representable). MAISE
 * labels p and q "(Ang)" but uses them as dimensionless exponents of
 * (r/r0 − 1); Rmin/Rmax are the taper bounds, the cutoff is the largest
 * Rmax. */
#include "nacre/pot.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../io/ioutil.h"
#include "peratom.h"

#define GUPTA_MAX_SPECIES 8

typedef struct {
  int nspecies; /* 0: any element, one parameter set */
  int z[GUPTA_MAX_SPECIES];
  int index_of_z[NACRE_MAX_Z + 1];
  nacre_gupta_params par[GUPTA_MAX_SPECIES * GUPTA_MAX_SPECIES];
  double cutoff;
} gupta_model;

typedef struct {
  pot_peratom atoms; /* per-atom energies and virials */
  int capacity;
  int *species;
  double *inv_sqrt_rho;
} gupta_workspace;

/* taper and its derivative */
static double taper(const nacre_gupta_params *g, double r, double *dfc) {
  *dfc = 0.0;
  if (r <= g->rmin || g->rmin >= g->cutoff) return 1.0;
  double w = g->cutoff - g->rmin, x = NACRE_PI * (r - g->rmin) / w;
  *dfc = -0.5 * sin(x) * NACRE_PI / w;
  return 0.5 * (1.0 + cos(x));
}

/* repulsive pair term A e^{−p(r/r0−1)} fc and the density term
 * ξ² e^{−2q(r/r0−1)} fc, with r-derivatives */
static void gupta_terms(const nacre_gupta_params *g, double r, double *rep,
                        double *drep, double *den, double *dden) {
  double dfc, fc = taper(g, r, &dfc);
  double y = r / g->r0 - 1.0;
  double er = g->a_ev * exp(-g->p * y);
  double ed = g->xi_ev * g->xi_ev * exp(-2.0 * g->q * y);
  *rep = er * fc;
  *drep = er * (dfc - fc * g->p / g->r0);
  *den = ed * fc;
  *dden = ed * (dfc - fc * 2.0 * g->q / g->r0);
}

static void *gupta_workspace_new(const void *model) {
  (void)model;
  return calloc(1, sizeof(gupta_workspace));
}

static void gupta_workspace_free(void *ws) {
  gupta_workspace *w = ws;
  if (!w) return;
  nacre_pot_peratom_release(&w->atoms);
  free(w->species);
  free(w->inv_sqrt_rho);
  free(w);
}

static nacre_status gupta_reserve(gupta_workspace *w, int n,
                                  nacre_error *err) {
  if (n > w->capacity) {
    size_t c = (size_t)n;
    if (nacre_pot_grow(&w->species, c, sizeof(int)) ||
        nacre_pot_grow(&w->inv_sqrt_rho, c, sizeof(double)))
      return nacre_error_set(err, NACRE_ERR_NOMEM,
                             "Gupta workspace for %d atoms", n);
    w->capacity = n;
  }
  return nacre_pot_peratom_reserve(&w->atoms, n, "Gupta", err);
}

static nacre_status gupta_compute(const void *model, const nacre_structure *s,
                                  const nacre_neighbor_list *nl, unsigned want,
                                  nacre_result *r, void *workspace,
                                  nacre_error *err) {
  const gupta_model *m = model;
  gupta_workspace *w = workspace;
  int n = s->natoms;
  nacre_status st = gupta_reserve(w, n, err);
  /* nspecies 0: one parameter set for any element */
  if (!st)
    st = nacre_pot_species_index(s, m->nspecies ? m->index_of_z : NULL,
                                 w->species, "Gupta potential", "parameters",
                                 err);
  if (st) return st;
  int ns = m->nspecies ? m->nspecies : 1;
  double *energy = w->atoms.energy, *virial = w->atoms.virial;
  const int *sp = w->species;
  const int need_derivs = (want & (NACRE_WANT_FORCES | NACRE_WANT_STRESS)) != 0;

  /* pass 1: band (density) term and repulsion per atom */
#pragma omp parallel for schedule(static)
  for (int i = 0; i < n; i++) {
    double rep = 0.0, rho = 0.0;
    for (size_t e = nl->offsets[i]; e < nl->offsets[i + 1]; e++) {
      const nacre_gupta_params *g = &m->par[sp[i] * ns + sp[nl->j[e]]];
      double d[3];
      nacre_nl_vector(nl, s, i, e, d);
      double r2 = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
      if (r2 >= g->cutoff * g->cutoff) continue;
      double a, da, b, db;
      gupta_terms(g, sqrt(r2), &a, &da, &b, &db);
      rep += a;
      rho += b;
    }
    double root = sqrt(rho);
    energy[i] = rep - root;
    w->inv_sqrt_rho[i] = root > 0.0 ? 1.0 / root : 0.0;
  }

  if (need_derivs) {
#pragma omp parallel for schedule(static)
    for (int i = 0; i < n; i++) {
      double fi[3] = {0, 0, 0}, wi[6] = {0, 0, 0, 0, 0, 0};
      for (size_t e = nl->offsets[i]; e < nl->offsets[i + 1]; e++) {
        int j = nl->j[e];
        const nacre_gupta_params *g = &m->par[sp[i] * ns + sp[j]];
        double d[3];
        nacre_nl_vector(nl, s, i, e, d);
        double r2 = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
        if (r2 >= g->cutoff * g->cutoff) continue;
        double rr = sqrt(r2), a, da, b, db;
        gupta_terms(g, rr, &a, &da, &b, &db);
        double dedr =
            2.0 * da - 0.5 * db * (w->inv_sqrt_rho[i] + w->inv_sqrt_rho[j]);
        double gg = dedr / rr;
        for (int c = 0; c < 3; c++) fi[c] += gg * d[c];
        pot_virial_add_half(wi, gg, d);
      }
      for (int c = 0; c < 6; c++) virial[6 * (size_t)i + c] = wi[c];
      if (want & NACRE_WANT_FORCES)
        for (int c = 0; c < 3; c++) r->forces[3 * (size_t)i + c] = fi[c];
    }
  }

  /* serial sums: the same result for any thread count */
  nacre_pot_peratom_finish(&w->atoms, s, want, r);
  return NACRE_OK;
}

static void gupta_describe(const void *model, char *buf, size_t buflen) {
  const gupta_model *m = model;
  const nacre_gupta_params *g = &m->par[0];
  snprintf(buf, buflen,
           "Gupta (%d species) A=%g eV xi=%g eV p=%g q=%g r0=%g Å "
           "taper %g-%g Å",
           m->nspecies ? m->nspecies : 1, g->a_ev, g->xi_ev, g->p, g->q, g->r0,
           g->rmin < g->cutoff ? g->rmin : g->cutoff, g->cutoff);
}

static const nacre_potential_ops gupta_ops = {
    .kind = "gupta",
    .compute = gupta_compute,
    .workspace_new = gupta_workspace_new,
    .workspace_free = gupta_workspace_free,
    .model_free = free,
    .describe = gupta_describe,
};

nacre_status nacre_gupta_new(int nspecies, const int *species_z,
                             const nacre_gupta_params *params,
                             nacre_potential **out, nacre_error *err) {
  *out = NULL;
  if (nspecies < 0 || nspecies > GUPTA_MAX_SPECIES)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "gupta: %d species (at most %d)", nspecies,
                           GUPTA_MAX_SPECIES);
  int ns = nspecies ? nspecies : 1;
  gupta_model *m = calloc(1, sizeof *m);
  if (!m) return nacre_error_set(err, NACRE_ERR_NOMEM, "gupta");
  m->nspecies = nspecies;
  for (int z = 0; z <= NACRE_MAX_Z; z++) m->index_of_z[z] = -1;
  for (int a = 0; a < nspecies; a++) {
    int z = species_z[a];
    if (z < 1 || z > NACRE_MAX_Z || m->index_of_z[z] >= 0) {
      free(m);
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "gupta: bad or repeated atomic number %d", z);
    }
    m->z[a] = z;
    m->index_of_z[z] = a;
  }
  for (int a = 0; a < ns; a++)
    for (int b = 0; b < ns; b++) {
      const nacre_gupta_params *g = &params[a * ns + b];
      const nacre_gupta_params *h = &params[b * ns + a];
      if (!(g->r0 > 0.0) || !(g->cutoff > 0.0) || !isfinite(g->a_ev) ||
          !isfinite(g->xi_ev) || !isfinite(g->p) || !isfinite(g->q) ||
          !isfinite(g->rmin) || !isfinite(g->cutoff) ||
          memcmp(g, h, sizeof *g)) {
        free(m);
        return nacre_error_set(err, NACRE_ERR_INVALID,
                               "gupta: parameters of pair (%d,%d) need r0 > "
                               "0, cutoff > 0, finite values and symmetry",
                               a + 1, b + 1);
      }
      m->par[a * ns + b] = *g;
      if (g->cutoff > m->cutoff) m->cutoff = g->cutoff;
    }
  *out = nacre_potential_wrap(&gupta_ops, m, m->cutoff, m->z, nspecies, err);
  return *out ? NACRE_OK : (err ? err->status : NACRE_ERR_NOMEM);
}

/* ---------------------------------------------------------------- */
/* MAISE model files                                                  */
/* ---------------------------------------------------------------- */

/* Value field of a "|  label | value |" row: text after the second '|'. */
static const char *row_value(const char *line) {
  const char *p = strchr(line, '|');
  if (!p) return NULL;
  p = strchr(p + 1, '|');
  return p ? p + 1 : NULL;
}

nacre_status nacre_gupta_load_maise(const char *path, nacre_potential **out,
                                    nacre_error *err) {
  *out = NULL;
  nacre_io_lines in;
  nacre_status st = nacre_io_lines_open_gz(&in, path, err);
  if (st) return st;
  int lineno = 0, nspecies = 0, have_types = 0, in_params = 0, nvals = 0, got;
  int z[2] = {0, 0};
  double v[3 * 7];
  static const char *const labels[7] = {"A", "p", "B", "q", "r0", "Rmin",
                                        "Rmax"};
  while ((got = nacre_io_lines_next(&in, err)) > 0) {
    const char *line = in.buf;
    lineno = (int)in.lineno;
    if (lineno == 2 && !strstr(line, "Gupta")) {
      st = nacre_error_set(err, NACRE_ERR_PARSE,
                           "%s:2: not a MAISE Gupta model (line 2 does not "
                           "say 'Gupta potential')",
                           path);
      break;
    }
    const char *val = row_value(line);
    if (!in_params) {
      if (strstr(line, "number of species") && val) {
        if (sscanf(val, "%d", &nspecies) != 1 || nspecies < 1 ||
            nspecies > 2) {
          st = nacre_error_set(err, NACRE_ERR_PARSE,
                               "%s:%d: need 1 or 2 species (MAISE's layout "
                               "holds no more)",
                               path, lineno);
          break;
        }
      } else if (strstr(line, "species types") && val) {
        if (sscanf(val, "%d %d", &z[0], &z[1]) < nspecies || nspecies == 0) {
          st = nacre_error_set(err, NACRE_ERR_PARSE,
                               "%s:%d: expected %d atomic numbers", path,
                               lineno, nspecies);
          break;
        }
        have_types = 1;
      } else if (strstr(line, "parameters")) {
        in_params = 1;
        if ((got = nacre_io_lines_next(&in, err)) <= 0) break; /* the rule */
        lineno = (int)in.lineno;
      }
      continue;
    }
    int want = nspecies == 1 ? 7 : 21;
    if (nvals >= want) break;
    const char *lab = line;
    while (*lab == '|' || *lab == ' ') lab++;
    size_t ll = strlen(labels[nvals % 7]);
    if (!val || strncmp(lab, labels[nvals % 7], ll) || lab[ll] != ' ' ||
        sscanf(val, "%lf", &v[nvals]) != 1 || !isfinite(v[nvals])) {
      st = nacre_error_set(err, NACRE_ERR_PARSE,
                           "%s:%d: expected the parameter row '%s' with a "
                           "number",
                           path, lineno, labels[nvals % 7]);
      break;
    }
    nvals++;
  }
  nacre_io_lines_close(&in);
  if (got < 0) return err ? err->status : NACRE_ERR_PARSE;
  if (st) return st;
  int want = nspecies == 2 ? 21 : 7;
  if (!have_types || nvals < want)
    return nacre_error_set(err, NACRE_ERR_PARSE,
                           "%s:%d: incomplete Gupta model (species %s, %d of "
                           "%d parameters)",
                           path, lineno, have_types ? "found" : "missing",
                           nvals, want);
  nacre_gupta_params par[4];
  /* MAISE's pair order: (0,0), (1,0), (1,1) */
  static const int slot[3][2] = {{0, 0}, {1, 0}, {1, 1}};
  for (int k = 0; k < want / 7; k++) {
    const double *x = &v[7 * k];
    nacre_gupta_params g = {.a_ev = x[0], .p = x[1], .xi_ev = x[2], .q = x[3],
                            .r0 = x[4], .rmin = x[5], .cutoff = x[6]};
    int a = slot[k][0], b = slot[k][1];
    par[a * nspecies + b] = g;
    par[b * nspecies + a] = g;
  }
  st = nacre_gupta_new(nspecies, z, par, out, err);
  if (st) nacre_error_prefix(err, "%s: ", path);
  return st;
}

static int probe_maise_gupta(const char *path, const char *head, size_t len) {
  (void)path;
  (void)len;
  const char *l2 = strchr(head, '\n');
  if (!l2) return 0;
  const char *end = strchr(l2 + 1, '\n');
  size_t n = end ? (size_t)(end - l2) : strlen(l2);
  char buf[256];
  if (n >= sizeof buf) n = sizeof buf - 1;
  memcpy(buf, l2, n);
  buf[n] = '\0';
  return strstr(buf, "Gupta potential") != NULL && head[0] == '-';
}

const nacre_potential_loader nacre_gupta_maise_loader = {
    "MAISE Gupta model", probe_maise_gupta, nacre_gupta_load_maise};
