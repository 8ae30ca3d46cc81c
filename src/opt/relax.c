/* relax.c — variable-cell relaxation: the generalized coordinates (atoms in
 * the undeformed frame, scaled log-strain of the cell), the enthalpy
 * gradient, the checks that end a hopeless candidate (overlap, exploded
 * cell, NaN), and the two steppers (L-BFGS with a trust radius, FIRE).
 * See include/nacre/opt.h for the coordinates and sign conventions. */
#include "nacre/opt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logstrain.h"
#include "nacre/sym.h"

/* Default cell factor c = 1.5·√N: the curvature of H along a scaled cell
 * coordinate is ~3 V B / c² ∝ N / c², so c ∝ √N keeps it level with the
 * atoms' curvature as N grows; 1.5 came out best (fewest force calls) on the
 * bench_relax sets (Na NN and Cu EAM, 8 and 16 atoms). */
#define DEFAULT_CELL_FACTOR 1.5
/* L-BFGS: inverse-Hessian guess before any curvature pair, Å²/eV. */
#define LBFGS_ALPHA0 10.0
/* FIRE parameters of Bitzek et al. (2006), time in units where mass = 1. */
#define FIRE_DT0 0.1
#define FIRE_DTMAX 1.0
#define FIRE_NMIN 5
#define FIRE_FINC 1.1
#define FIRE_FDEC 0.5
#define FIRE_ASTART 0.1
#define FIRE_FA 0.99
/* L-BFGS rejects a step that raises H only while the step is larger than
 * this (Å): smaller rises are rounding or a pair crossing an unshifted
 * cutoff, and rejecting them would stall the run. */
#define ACCEPT_ANY_MOVE 1e-3
/* Smallest trust radius (Å) before a run of failed steps ends the search. */
#define MIN_TRUST 1e-4

typedef enum {
  EVAL_OK = 0,
  EVAL_NUMERIC,
  EVAL_OVERLAP,
  EVAL_EXPLODED,
  EVAL_COLLAPSED
} eval_code;

/* Values at one point of the path. */
typedef struct point {
  double energy, enthalpy, volume, pressure_gpa, fmax, smax_gpa;
  double stress[6];
} point;

typedef struct relax_state {
  nacre_calc *calc;
  nacre_structure *s;
  const nacre_relax_options *opt;
  const nacre_ctx *ctx;
  int n, ndof;
  int atoms_free, cell_free;
  int periodic;          /* periodic in all three directions */
  double cell0[3][3];
  double tau[3][3];      /* target stress, eV/Å^3 */
  double pressure;       /* −tr τ / 3, eV/Å^3 */
  int hydrostatic;       /* τ ∝ I: H = E + PV is an exact potential */
  double cf;             /* cell factor */
  unsigned char *fixed;  /* 3N, 1 = atom coordinate held */
  nacre_result r;
  nacre_symmetry *sym;
  double target_change;  /* GPa: largest change of the target by the group */
  double *scratch;       /* 3N */
  double *radius;        /* N covalent radii, Å */
  double sphere_volume;  /* mean (4π/3) r³ over the atoms, Å^3 */
  char failure[200];
} relax_state;

const char *nacre_relax_outcome_name(nacre_relax_outcome o) {
  switch (o) {
  case NACRE_RELAX_CONVERGED: return "converged";
  case NACRE_RELAX_NOT_CONVERGED: return "max-steps";
  case NACRE_RELAX_BAD_START: return "bad-start";
  case NACRE_RELAX_OVERLAP: return "overlap";
  case NACRE_RELAX_EXPLODED: return "exploded";
  case NACRE_RELAX_COLLAPSED: return "collapsed";
  case NACRE_RELAX_NUMERIC: return "numeric";
  case NACRE_RELAX_STOPPED: return "stopped";
  case NACRE_RELAX_INTERRUPTED: return "interrupted";
  }
  return "?";
}

/* For people: how a relaxation ended. */
static const char *outcome_text(nacre_relax_outcome o) {
  switch (o) {
  case NACRE_RELAX_BAD_START: return "bad start (overlapping atoms)";
  case NACRE_RELAX_OVERLAP: return "atoms overlap";
  case NACRE_RELAX_EXPLODED: return "exploded cell";
  case NACRE_RELAX_COLLAPSED: return "collapsed";
  case NACRE_RELAX_NUMERIC: return "numerical failure";
  default: return nacre_relax_outcome_name(o);
  }
}

static const char *const mode_names[] = {"full", "atoms", "cell",
                                         "fixed-volume", "fixed-shape"};

const char *nacre_relax_mode_name(nacre_relax_mode m) {
  return (unsigned)m < 5 ? mode_names[m] : "?";
}

nacre_status nacre_relax_mode_parse(const char *text, nacre_relax_mode *out,
                                    nacre_error *err) {
  for (int k = 0; k < 5; k++)
    if (!strcmp(text, mode_names[k])) {
      *out = (nacre_relax_mode)k;
      return NACRE_OK;
    }
  return nacre_error_set(err, NACRE_ERR_INVALID,
                         "unknown relaxation mode '%s' (expected full, atoms, "
                         "cell, fixed-volume or fixed-shape)",
                         text);
}

void nacre_relax_options_init(nacre_relax_options *o) {
  memset(o, 0, sizeof *o);
  o->method = NACRE_RELAX_LBFGS;
  o->mode = NACRE_RELAX_FULL;
  o->fmax = 0.01;
  o->smax_gpa = 0.01;
  o->max_steps = 1000;
  o->max_step = 0.2;
  o->cell_factor = 0.0;
  o->symprec = NACRE_SYMPREC_DEFAULT;
  o->lbfgs_memory = 20;
  o->min_distance = 0.5;
  o->max_volume_per_atom = 1000.0;
  o->min_volume_per_atom = 0.1;
  o->max_stretch = 5.0;
  o->collapse_distance = 0.3;
  o->collapse_volume = 0.03;
}

/* ---- coordinates -------------------------------------------------- */

static void cell_coords(const relax_state *st, const double *x,
                        double lam[3][3]) {
  const double *c = x + 3 * st->n;
  for (int a = 0; a < 3; a++)
    for (int b = 0; b < 3; b++) lam[a][b] = c[3 * a + b] / st->cf;
}

/* Puts the structure at x: cell = cell0·G, r_i = q_i·G with G = exp(Λ). */
static void apply_coords(relax_state *st, const double *x, double g[3][3]) {
  double lam[3][3];
  cell_coords(st, x, lam);
  nacre_opt_sym3_exp(lam, g);
  nacre_mat3_mul(st->cell0, g, st->s->cell);
  for (int i = 0; i < st->n; i++) {
    const double *q = x + 3 * i;
    for (int b = 0; b < 3; b++)
      st->s->positions[3 * i + b] = q[0] * g[0][b] + q[1] * g[1][b] + q[2] * g[2][b];
  }
}

/* Largest move of an atom or of a cell "pseudo-atom" (a row of c·Λ). */
static double max_move(const relax_state *st, const double *d) {
  double m = 0.0;
  for (int i = 0; i < st->n + 3; i++) {
    double v = d[3 * i] * d[3 * i] + d[3 * i + 1] * d[3 * i + 1] +
               d[3 * i + 2] * d[3 * i + 2];
    if (v > m) m = v;
  }
  return sqrt(m);
}

static double dot(const double *a, const double *b, int n) {
  double v = 0.0;
  for (int k = 0; k < n; k++) v += a[k] * b[k];
  return v;
}

/* ---- evaluation ---------------------------------------------------- */

/* Shortest distance between atoms (Å) and the smallest ratio of a
 * distance to the sum of the pair's covalent radii, over the neighbour
 * list of the last evaluation. */
static double min_pair_distance(const relax_state *st, double *ratio) {
  const nacre_neighbor_list *nl = nacre_calc_neighbor_list(st->calc);
  double m2 = INFINITY, q2 = INFINITY;
  *ratio = INFINITY;
  if (!nl || nl->natoms != st->n) return INFINITY;
  for (int i = 0; i < st->n; i++)
    for (size_t e = nl->offsets[i]; e < nl->offsets[i + 1]; e++) {
      double d[3];
      nacre_nl_vector(nl, st->s, i, e, d);
      double r2 = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
      if (r2 < m2) m2 = r2;
      double rr = st->radius[i] + st->radius[nl->j[e]];
      if (r2 < q2 * rr * rr) q2 = r2 / (rr * rr);
    }
  *ratio = sqrt(q2);
  return sqrt(m2);
}

/* The residual stress the mode relaxes, GPa. */
static double residual_smax(const relax_state *st, const double m[3][3]) {
  double t = (m[0][0] + m[1][1] + m[2][2]) / 3.0, v = 0.0;
  switch (st->opt->mode) {
  case NACRE_RELAX_ATOMS:
    return 0.0;
  case NACRE_RELAX_FIXED_SHAPE:
    return fabs(t) * NACRE_EV_A3_TO_GPA;
  case NACRE_RELAX_FIXED_VOLUME:
    for (int a = 0; a < 3; a++)
      for (int b = 0; b < 3; b++)
        v = fmax(v, fabs(m[a][b] - (a == b ? t : 0.0)));
    return v * NACRE_EV_A3_TO_GPA;
  default:
    for (int a = 0; a < 3; a++)
      for (int b = 0; b < 3; b++) v = fmax(v, fabs(m[a][b]));
    return v * NACRE_EV_A3_TO_GPA;
  }
}

/* Evaluates H and its gradient g at x; p gets the values. Hard errors return
 * a status; a hopeless point returns NACRE_OK with *code set. */
static nacre_status evaluate(relax_state *st, const double *x, double *grad,
                             point *p, eval_code *code, nacre_error *err) {
  int n = st->n;
  double g[3][3];
  *code = EVAL_OK;
  apply_coords(st, x, g);
  double vol = fabs(nacre_cell_volume(st->s->cell)), h[3];
  nacre_cell_heights(st->s->cell, h);
  double hmin = fmin(h[0], fmin(h[1], h[2]));
  double vpa = vol / (n > 0 ? n : 1);
  double lam[3][3], w[3], q[3][3];
  cell_coords(st, x, lam);
  nacre_opt_sym3_eigen(lam, w, q);
  double stretch = exp(fmax(fabs(w[0]), fmax(fabs(w[1]), fabs(w[2]))));
  if (st->cell_free && !(stretch <= st->opt->max_stretch)) {
    snprintf(st->failure, sizeof st->failure,
             "the cell stretched or shrank by a factor %.3g along a principal "
             "axis (limit %.3g)",
             stretch, st->opt->max_stretch);
    *code = EVAL_EXPLODED;
    return NACRE_OK;
  }
  if (st->periodic && (vpa < st->opt->min_volume_per_atom ||
                       vpa < st->opt->collapse_volume * st->sphere_volume)) {
    snprintf(st->failure, sizeof st->failure,
             "volume per atom %.4g Å^3 (collapsed below %.3g Å^3, %.3g of the "
             "covalent-sphere volume %.4g Å^3)",
             vpa, fmax(st->opt->min_volume_per_atom,
                       st->opt->collapse_volume * st->sphere_volume),
             st->opt->collapse_volume, st->sphere_volume);
    *code = EVAL_COLLAPSED;
    return NACRE_OK;
  }
  if (st->periodic && (!isfinite(vol) || vpa > st->opt->max_volume_per_atom ||
      !(hmin > 1e-3 * cbrt(vol)))) {
    snprintf(st->failure, sizeof st->failure,
             "volume per atom %.4g Å^3 (allowed %.3g..%.3g), thinnest cell "
             "width %.3g Å",
             vpa, st->opt->min_volume_per_atom, st->opt->max_volume_per_atom,
             hmin);
    *code = EVAL_EXPLODED;
    return NACRE_OK;
  }
  nacre_error e2;
  nacre_error_clear(&e2);
  nacre_status cs = nacre_calc_compute(st->calc, st->s, NACRE_WANT_ALL, &st->r, &e2);
  if (cs == NACRE_ERR_NOMEM) return nacre_error_set(err, cs, "%s", e2.message);
  double ratio, dmin = min_pair_distance(st, &ratio);
  if (dmin < st->opt->min_distance) {
    snprintf(st->failure, sizeof st->failure,
             "two atoms %.3g Å apart (minimum %.3g Å)", dmin,
             st->opt->min_distance);
    *code = EVAL_OVERLAP;
    return NACRE_OK;
  }
  if (ratio < st->opt->collapse_distance) {
    snprintf(st->failure, sizeof st->failure,
             "two atoms at %.3g of the sum of their %s radii (collapsed "
             "below %.3g; shortest distance %.3g Å)",
             ratio, st->opt->collapse_radii ? "reference" : "covalent",
             st->opt->collapse_distance, dmin);
    *code = EVAL_COLLAPSED;
    return NACRE_OK;
  }
  if (cs != NACRE_OK) {
    snprintf(st->failure, sizeof st->failure, "%.190s", e2.message);
    *code = EVAL_NUMERIC;
    return NACRE_OK;
  }
  double *f = st->r.forces;
  double m[3][3], sig[3][3];
  if (st->sym) {
    nacre_status ss = nacre_symmetry_symmetrize_forces(st->sym, st->s, f,
                                                       st->r.stress, err);
    if (ss) return ss;
  }
  nacre_mat3_from_voigt(st->r.stress, sig);
  for (int a = 0; a < 3; a++)
    for (int b = 0; b < 3; b++) m[a][b] = sig[a][b] - st->tau[a][b];

  /* atoms: ∂H/∂q_i = −F_i·G (G symmetric) */
  double fmax2 = 0.0;
  for (int i = 0; i < n; i++) {
    double *fi = f + 3 * i;
    for (int k = 0; k < 3; k++)
      if (st->fixed && st->fixed[3 * i + k]) fi[k] = 0.0;
    double f2 = fi[0] * fi[0] + fi[1] * fi[1] + fi[2] * fi[2];
    if (f2 > fmax2) fmax2 = f2;
    for (int b = 0; b < 3; b++)
      grad[3 * i + b] = st->atoms_free ? -(fi[0] * g[0][b] + fi[1] * g[1][b] +
                                           fi[2] * g[2][b])
                                       : 0.0;
  }
  /* cell: ∂H/∂G = sym(V G⁻¹ (σ − τ)), then through exp to Λ, then 1/c */
  double *gc = grad + 3 * n;
  if (st->cell_free) {
    double ginv[3][3], a[3][3], s3[3][3], lam[3][3], gl[3][3];
    nacre_mat3_inverse(g, ginv);
    nacre_mat3_mul(ginv, m, a);
    for (int i = 0; i < 3; i++)
      for (int j = 0; j < 3; j++) s3[i][j] = 0.5 * vol * (a[i][j] + a[j][i]);
    cell_coords(st, x, lam);
    nacre_opt_sym3_exp_grad(lam, s3, gl);
    double t = (gl[0][0] + gl[1][1] + gl[2][2]) / 3.0;
    for (int i = 0; i < 3; i++)
      for (int j = 0; j < 3; j++) {
        double v = gl[i][j];
        if (st->opt->mode == NACRE_RELAX_FIXED_VOLUME)
          v -= i == j ? t : 0.0;
        else if (st->opt->mode == NACRE_RELAX_FIXED_SHAPE)
          v = i == j ? t : 0.0;
        gc[3 * i + j] = v / st->cf;
      }
  } else {
    for (int k = 0; k < 9; k++) gc[k] = 0.0;
  }
  p->energy = st->r.energy;
  p->volume = st->periodic ? vol : 0.0;
  p->enthalpy = st->r.energy + st->pressure * vol;
  p->pressure_gpa = nacre_result_pressure_gpa(&st->r);
  p->fmax = sqrt(fmax2);
  p->smax_gpa = residual_smax(st, m);
  memcpy(p->stress, st->r.stress, sizeof p->stress);
  if (!isfinite(p->enthalpy)) {
    snprintf(st->failure, sizeof st->failure, "non-finite enthalpy");
    *code = EVAL_NUMERIC;
  }
  return NACRE_OK;
}

static int converged(const relax_state *st, const point *p) {
  int fok = !st->atoms_free || p->fmax <= st->opt->fmax;
  int sok = !st->cell_free || p->smax_gpa <= st->opt->smax_gpa;
  return fok && sok;
}

/* Reports an accepted point; returns 1 when the caller asked to stop. */
static int report(relax_state *st, int step, const point *p) {
  if (!st->opt->progress) return 0;
  nacre_relax_step rs = {step, p->energy, p->enthalpy, p->volume,
                         p->pressure_gpa, p->fmax, p->smax_gpa,
                         st->r.forces, st->r.stress};
  return st->opt->progress(st->opt->progress_user, &rs, st->s);
}

static nacre_relax_outcome outcome_of(eval_code c, int at_start) {
  switch (c) {
  case EVAL_OVERLAP: return at_start ? NACRE_RELAX_BAD_START : NACRE_RELAX_OVERLAP;
  case EVAL_EXPLODED: return NACRE_RELAX_EXPLODED;
  case EVAL_COLLAPSED:
    return at_start ? NACRE_RELAX_BAD_START : NACRE_RELAX_COLLAPSED;
  case EVAL_NUMERIC: return NACRE_RELAX_NUMERIC;
  default: return NACRE_RELAX_CONVERGED;
  }
}

/* ---- steppers ------------------------------------------------------ */

/* Shared loop state: the accepted point (x, g, p) and the outcome. */
typedef struct path {
  double *x, *g, *xn, *gn, *d;
  point p, pn;
  int steps;
  nacre_relax_outcome outcome;
} path;

/* Loop condition of the steppers: not converged or stopped yet, steps left,
 * not interrupted (which sets the outcome NACRE_RELAX_INTERRUPTED). */
static int keep_going(relax_state *st, path *w) {
  if (w->outcome != NACRE_RELAX_NOT_CONVERGED) return 0;
  if (w->steps >= st->opt->max_steps) return 0;
  if (nacre_ctx_interrupted(st->ctx)) {
    w->outcome = NACRE_RELAX_INTERRUPTED;
    return 0;
  }
  return 1;
}

/* Evaluates the trial point xn = x + d into (gn, pn) and counts the step;
 * an exploded trial sets the outcome NACRE_RELAX_EXPLODED. */
static nacre_status try_step(relax_state *st, path *w, eval_code *code,
                             nacre_error *err) {
  for (int k = 0; k < st->ndof; k++) w->xn[k] = w->x[k] + w->d[k];
  nacre_status status = evaluate(st, w->xn, w->gn, &w->pn, code, err);
  if (status) return status;
  w->steps++;
  if (*code == EVAL_EXPLODED) w->outcome = NACRE_RELAX_EXPLODED;
  return NACRE_OK;
}

/* Common end-of-step bookkeeping after an accepted step; returns 1 to stop. */
static int after_accept(relax_state *st, path *w) {
  double *t = w->x;
  w->x = w->xn;
  w->xn = t;
  t = w->g;
  w->g = w->gn;
  w->gn = t;
  w->p = w->pn;
  if (report(st, w->steps, &w->p)) {
    w->outcome = NACRE_RELAX_STOPPED;
    return 1;
  }
  if (converged(st, &w->p)) {
    w->outcome = NACRE_RELAX_CONVERGED;
    return 1;
  }
  return 0;
}

/* d = −H g (nacre_lbfgs_direction); without curvature pairs a steepest-
 * descent step of |g|/LBFGS_ALPHA0. */
static void lbfgs_direction(int ndof, int m, int count, int head,
                            double *const *sv, double *const *yv,
                            const double *rho, double *alpha, const double *g,
                            double *d) {
  nacre_lbfgs_direction(ndof, m, count, head, (const double *const *)sv,
                        (const double *const *)yv, rho, alpha, g, d);
  if (count == 0)
    for (int k = 0; k < ndof; k++) d[k] /= LBFGS_ALPHA0;
}

static nacre_status run_lbfgs(relax_state *st, path *w, nacre_error *err) {
  int ndof = st->ndof, m = st->opt->lbfgs_memory > 0 ? st->opt->lbfgs_memory : 20;
  double *mem = calloc((size_t)2 * m * ndof + 2 * (size_t)m, sizeof(double));
  double **sv = calloc((size_t)2 * m, sizeof(double *));
  if (!mem || !sv) {
    free(mem);
    free(sv);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "L-BFGS memory");
  }
  double **yv = sv + m, *rho = mem + (size_t)2 * m * ndof, *alpha = rho + m;
  for (int i = 0; i < m; i++) {
    sv[i] = mem + (size_t)i * ndof;
    yv[i] = mem + (size_t)(m + i) * ndof;
  }
  int count = 0, head = 0;
  double trust = st->opt->max_step;
  nacre_status status = NACRE_OK;
  while (keep_going(st, w)) {
    lbfgs_direction(ndof, m, count, head, sv, yv, rho, alpha, w->g, w->d);
    if (dot(w->d, w->g, ndof) >= 0.0) { /* not downhill: forget curvature */
      count = 0;
      lbfgs_direction(ndof, m, 0, head, sv, yv, rho, alpha, w->g, w->d);
    }
    double mv = max_move(st, w->d);
    if (mv > trust) {
      for (int k = 0; k < ndof; k++) w->d[k] *= trust / mv;
      mv = trust;
    }
    eval_code code;
    status = try_step(st, w, &code, err);
    if (status || code == EVAL_EXPLODED) break;
    int rose = code == EVAL_OK && st->hydrostatic &&
               w->pn.enthalpy > w->p.enthalpy + 1e-11 * fabs(w->p.enthalpy) + 1e-12;
    if (code == EVAL_OK) {
      /* Curvature pair, also from a rejected trial: it is valid information
       * about H along d. */
      double *s = sv[head], *y = yv[head];
      for (int k = 0; k < ndof; k++) {
        s[k] = w->d[k];
        y[k] = w->gn[k] - w->g[k];
      }
      double sy = dot(s, y, ndof);
      if (sy > 1e-12 * sqrt(dot(s, s, ndof) * dot(y, y, ndof)) && sy > 0.0) {
        rho[head] = 1.0 / sy;
        head = (head + 1) % m;
        if (count < m) count++;
      }
    }
    if (code != EVAL_OK) {
      /* Back to the accepted point with a smaller trust radius. */
      trust = 0.5 * mv;
      count = 0;
      if (trust < MIN_TRUST) {
        w->outcome = outcome_of(code, 0);
        break;
      }
      continue;
    }
    if (rose && mv > ACCEPT_ANY_MOVE) {
      /* Backtrack to the minimum of the parabola through H(0), H'(0) = g·d
       * and H(1) (Nocedal & Wright §3.5), kept within [0.1, 0.5] of the
       * step. */
      double gd = dot(w->g, w->d, ndof);
      double curv = w->pn.enthalpy - w->p.enthalpy - gd;
      double t = curv > 0.0 ? -gd / (2.0 * curv) : 0.5;
      trust = fmin(0.5, fmax(0.1, t)) * mv;
      continue;
    }
    trust = fmin(st->opt->max_step, 2.0 * trust);
    if (after_accept(st, w)) break;
  }
  free(mem);
  free(sv);
  return status;
}

/* FIRE: Bitzek, Koskinen, Gähler, Moseler, Gumbsch, PRL 97, 170201 (2006),
 * on unit masses in the generalized coordinates. */
static nacre_status run_fire(relax_state *st, path *w, nacre_error *err) {
  int ndof = st->ndof;
  double *v = calloc((size_t)ndof, sizeof(double));
  if (!v) return nacre_error_set(err, NACRE_ERR_NOMEM, "FIRE velocities");
  double dt = FIRE_DT0, a = FIRE_ASTART;
  int npos = 0;
  nacre_status status = NACRE_OK;
  while (keep_going(st, w)) {
    const double *g = w->g;
    double vf = -dot(v, g, ndof);
    if (vf > 0.0) {
      double vn = sqrt(dot(v, v, ndof)), fn = sqrt(dot(g, g, ndof));
      for (int k = 0; k < ndof; k++)
        v[k] = (1.0 - a) * v[k] - a * g[k] / (fn > 0 ? fn : 1.0) * vn;
      if (npos > FIRE_NMIN) {
        dt = fmin(dt * FIRE_FINC, FIRE_DTMAX);
        a *= FIRE_FA;
      }
      npos++;
    } else {
      memset(v, 0, (size_t)ndof * sizeof(double));
      a = FIRE_ASTART;
      dt *= FIRE_FDEC;
      npos = 0;
    }
    for (int k = 0; k < ndof; k++) {
      v[k] -= dt * g[k];
      w->d[k] = dt * v[k];
    }
    double mv = max_move(st, w->d);
    if (mv > st->opt->max_step)
      for (int k = 0; k < ndof; k++) w->d[k] *= st->opt->max_step / mv;
    eval_code code;
    status = try_step(st, w, &code, err);
    if (status || code == EVAL_EXPLODED) break;
    if (code != EVAL_OK) { /* stop, shrink the time step, try again */
      memset(v, 0, (size_t)ndof * sizeof(double));
      dt *= FIRE_FDEC;
      if (dt * dt * sqrt(dot(g, g, ndof)) < MIN_TRUST) { /* next move, Å */
        w->outcome = outcome_of(code, 0);
        break;
      }
      continue;
    }
    if (after_accept(st, w)) break;
  }
  free(v);
  return status;
}

/* ---- driver -------------------------------------------------------- */

static nacre_status setup_symmetry(relax_state *st, nacre_error *err) {
  nacre_status s = nacre_symmetry_symmetrize(st->s, st->opt->symprec, err);
  if (s) return s;
  s = nacre_symmetry_analyze(st->s, st->opt->symprec, &st->sym, err);
  if (s) return s;
  /* The target stress must respect the group, or it would break it. */
  double tv[6], t0[6];
  nacre_voigt_from_mat3(st->tau, tv);
  memcpy(t0, tv, sizeof t0);
  memset(st->scratch, 0, 3 * (size_t)st->n * sizeof(double));
  s = nacre_symmetry_symmetrize_forces(st->sym, st->s, st->scratch, tv, err);
  if (s) return s;
  for (int k = 0; k < 6; k++)
    st->target_change =
        fmax(st->target_change, fabs(tv[k] - t0[k]) * NACRE_EV_A3_TO_GPA);
  nacre_mat3_from_voigt(tv, st->tau);
  return NACRE_OK;
}

static nacre_status check_options(const nacre_relax_options *o,
                                  const nacre_structure *s, nacre_error *err) {
  if (!(o->fmax > 0.0) || !(o->smax_gpa > 0.0) || o->max_steps < 0 ||
      !(o->max_step > 0.0) || !isfinite(o->pressure_gpa) ||
      !(o->max_stretch > 1.0) ||
      (unsigned)o->mode > NACRE_RELAX_FIXED_SHAPE ||
      (unsigned)o->method > NACRE_RELAX_FIRE)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "relax: need fmax > 0, smax > 0, steps >= 0, "
                           "max_step > 0, max_stretch > 1, a finite pressure "
                           "and a known method and mode");
  for (int k = 0; k < 6; k++)
    if (!isfinite(o->target_stress_gpa[k]))
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "relax: non-finite target stress");
  if (o->mode != NACRE_RELAX_ATOMS && !(s->pbc[0] && s->pbc[1] && s->pbc[2]))
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "relax: the cell can only be relaxed for a "
                           "structure periodic in all three directions "
                           "(use mode atoms)");
  if (o->keep_symmetry && !(o->symprec > 0.0))
    return nacre_error_set(err, NACRE_ERR_INVALID, "relax: symprec must be > 0");
  return NACRE_OK;
}

static void fill_result(const relax_state *st, const path *w,
                        nacre_relax_result *res) {
  res->outcome = w->outcome;
  res->steps = w->steps;
  res->energy = w->p.energy;
  res->enthalpy = w->p.enthalpy;
  res->volume = w->p.volume;
  res->pressure_gpa = w->p.pressure_gpa;
  memcpy(res->stress, w->p.stress, sizeof res->stress);
  res->fmax = w->p.fmax;
  res->smax_gpa = w->p.smax_gpa;
  res->sg_start = st->sym ? st->sym->sg_number : 0;
  double tv[6];
  nacre_voigt_from_mat3(st->tau, tv);
  for (int k = 0; k < 6; k++) res->target_stress_gpa[k] = tv[k] * NACRE_EV_A3_TO_GPA;
  res->target_change_gpa = st->target_change;
  switch (w->outcome) {
  case NACRE_RELAX_CONVERGED:
    snprintf(res->message, sizeof res->message,
             "converged in %d step%s (fmax %.3g eV/Å, smax %.3g GPa)",
             w->steps, w->steps == 1 ? "" : "s", w->p.fmax, w->p.smax_gpa);
    break;
  case NACRE_RELAX_NOT_CONVERGED:
    snprintf(res->message, sizeof res->message,
             "not converged after %d step%s (fmax %.3g eV/Å, smax %.3g "
             "GPa)%s%.120s",
             w->steps, w->steps == 1 ? "" : "s", w->p.fmax, w->p.smax_gpa,
             st->failure[0] ? ": " : "", st->failure);
    break;
  case NACRE_RELAX_STOPPED:
  case NACRE_RELAX_INTERRUPTED:
    snprintf(res->message, sizeof res->message, "%s after %d step%s",
             outcome_text(w->outcome), w->steps, w->steps == 1 ? "" : "s");
    break;
  default:
    snprintf(res->message, sizeof res->message, "%s at step %d: %.180s",
             outcome_text(w->outcome), w->steps, st->failure);
  }
}

nacre_status nacre_relax(nacre_calc *c, nacre_structure *s,
                         const nacre_relax_options *opt, const nacre_ctx *ctx,
                         nacre_relax_result *res, nacre_error *err) {
  memset(res, 0, sizeof *res);
  res->outcome = NACRE_RELAX_NOT_CONVERGED;
  nacre_status status = check_options(opt, s, err);
  if (status) return status;
  status = nacre_structure_check(s, err);
  if (status) return status;
  status = nacre_potential_supports(nacre_calc_potential(c), s, err);
  if (status) return status;

  relax_state st;
  memset(&st, 0, sizeof st);
  st.calc = c;
  st.s = s;
  st.opt = opt;
  st.ctx = ctx;
  st.n = s->natoms;
  st.ndof = 3 * s->natoms + 9;
  st.fixed = s->fixed;
  st.atoms_free = opt->mode != NACRE_RELAX_CELL;
  st.cell_free = opt->mode != NACRE_RELAX_ATOMS;
  st.periodic = s->pbc[0] && s->pbc[1] && s->pbc[2];
  st.cf = opt->cell_factor > 0.0 ? opt->cell_factor
                                  : DEFAULT_CELL_FACTOR * sqrt(s->natoms > 0 ? s->natoms : 1);
  if (opt->use_target_stress) {
    double tv[6];
    for (int k = 0; k < 6; k++) tv[k] = opt->target_stress_gpa[k] * NACRE_GPA_TO_EV_A3;
    nacre_mat3_from_voigt(tv, st.tau);
  } else {
    double p = opt->pressure_gpa * NACRE_GPA_TO_EV_A3;
    for (int a = 0; a < 3; a++)
      for (int b = 0; b < 3; b++) st.tau[a][b] = a == b ? -p : 0.0;
  }

  path w;
  memset(&w, 0, sizeof w);
  w.outcome = NACRE_RELAX_NOT_CONVERGED;
  double *buf = calloc((size_t)5 * st.ndof + 4 * (size_t)st.n, sizeof(double));
  status = buf ? nacre_result_init(&st.r, st.n, err)
               : nacre_error_set(err, NACRE_ERR_NOMEM, "relaxation of %d atoms", st.n);
  if (status) {
    free(buf);
    return status;
  }
  w.x = buf;
  w.g = buf + st.ndof;
  w.xn = buf + 2 * (size_t)st.ndof;
  w.gn = buf + 3 * (size_t)st.ndof;
  w.d = buf + 4 * (size_t)st.ndof;
  st.scratch = buf + 5 * (size_t)st.ndof;
  st.radius = st.scratch + 3 * (size_t)st.n;
  for (int i = 0; i < st.n; i++) {
    double r = opt->collapse_radii ? opt->collapse_radii[i]
                                   : nacre_covalent_radius(s->numbers[i]);
    st.radius[i] = r;
    st.sphere_volume += 4.0 / 3.0 * NACRE_PI * r * r * r / st.n;
  }
  long f0 = nacre_calc_force_calls(c), e0 = nacre_calc_energy_calls(c);

  if (opt->keep_symmetry) status = setup_symmetry(&st, err);
  if (!status) {
    double tr = st.tau[0][0] + st.tau[1][1] + st.tau[2][2];
    st.pressure = st.periodic ? -tr / 3.0 : 0.0; /* no volume for clusters */
    st.hydrostatic = 1;
    for (int a = 0; a < 3; a++)
      for (int b = 0; b < 3; b++)
        if (fabs(st.tau[a][b] - (a == b ? tr / 3.0 : 0.0)) > 1e-14)
          st.hydrostatic = 0;
    memcpy(st.cell0, s->cell, sizeof st.cell0);
    memcpy(w.x, s->positions, 3 * (size_t)st.n * sizeof(double));
    eval_code code;
    status = evaluate(&st, w.x, w.g, &w.p, &code, err);
    if (!status) {
      if (code != EVAL_OK)
        w.outcome = outcome_of(code, 1);
      else if (report(&st, 0, &w.p))
        w.outcome = NACRE_RELAX_STOPPED;
      else if (converged(&st, &w.p))
        w.outcome = NACRE_RELAX_CONVERGED;
      else if (opt->method == NACRE_RELAX_FIRE)
        status = run_fire(&st, &w, err);
      else
        status = run_lbfgs(&st, &w, err);
    }
    if (!status) {
      double g[3][3];
      apply_coords(&st, w.x, g); /* back to the last accepted point */
      fill_result(&st, &w, res);
    }
  }
  res->force_calls = nacre_calc_force_calls(c) - f0;
  res->energy_calls = nacre_calc_energy_calls(c) - e0;
  if (!status && w.outcome == NACRE_RELAX_INTERRUPTED)
    status = nacre_error_set(err, NACRE_ERR_INTERRUPTED, "relaxation interrupted after %d steps", w.steps);
  if (st.sym) nacre_symmetry_free(st.sym);
  nacre_result_free(&st.r);
  free(buf);
  return status;
}
