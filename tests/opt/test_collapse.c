/* test_collapse.c — a relaxation that compresses beyond any physical state
 * stops with outcome COLLAPSED ("collapsed"), as an exploding one stops with
 * EXPLODED: a one-atom fcc sodium cell on a Lennard-Jones potential whose
 * minimum sits at 0.7 Å (a stand-in for a network outside its training data) would
 * otherwise converge near 0.2 Å^3/atom, as in the report of a 1-atom cell
 * shrinking to 0.24 Å^3/atom at 180 GPa; the same cell with r0 = 3.7 Å
 * converges (control); a start already below the thresholds is a bad
 * start; each threshold can be switched off; radii given by the caller
 * (collapse_radii) replace the covalent ones. */
#include <math.h>
#include <string.h>

#include "builders.h"
#include "nacre/opt.h"
#include "testing.h"

/* One-atom fcc sodium cell of cubic lattice constant a (Å). */
static nacre_structure *fcc_na(double a) {
  nacre_structure *s = nacre_structure_new(1, NULL);
  double prim[3][3] = {{0, a / 2, a / 2}, {a / 2, 0, a / 2}, {a / 2, a / 2, 0}};
  memcpy(s->cell, prim, sizeof prim);
  s->numbers[0] = 11;
  return s;
}

static nacre_relax_result relax(const char *spec, nacre_structure *s,
                                const nacre_relax_options *o) {
  nacre_relax_result r;
  memset(&r, 0, sizeof r);
  nacre_potential *p = NULL;
  nacre_error err;
  CHECK_OK(nacre_potential_load(spec, &p, &err), &err);
  nacre_calc *c = p ? nacre_calc_new(p, -1, &err) : NULL;
  if (c) CHECK_OK(nacre_relax(c, s, o, NULL, &r, &err), &err);
  nacre_calc_free(c);
  nacre_potential_free(p);
  return r;
}

int main(void) {
  /* a deep minimum at 0.7 Å, seen from a cell already compressed to 1.2 Å
   * nearest neighbours (ratio 0.36 to 2 r_Na, 0.064 of the covalent-sphere
   * volume: above the thresholds) */
  const char *crush = "lj:epsilon=1,sigma=0.62,cutoff=1.5,shift=1";
  const double a0 = 1.2 * sqrt(2.0);
  nacre_relax_options o;
  nacre_relax_options_init(&o);
  o.max_steps = 400;
  nacre_structure *s = fcc_na(a0);
  nacre_relax_result r = relax(crush, s, &o);
  double v = fabs(nacre_structure_volume(s));
  CHECK(r.outcome == NACRE_RELAX_COLLAPSED &&
            !strcmp(nacre_relax_outcome_name(r.outcome), "collapsed"),
        "crushing potential: outcome %s (%s)",
        nacre_relax_outcome_name(r.outcome), r.message);
  CHECK(v > 0.03 * 4.0 / 3.0 * NACRE_PI * pow(nacre_covalent_radius(11), 3) &&
            v > 0.1,
        "stopped before leaving the sane range: %.3f Å^3/atom", v);
  CHECK(strstr(r.message, "covalent") != NULL, "message names the rule: %s",
        r.message);
  nacre_structure_free(s);

  /* radii of the caller's length scale replace the covalent ones: 0.15 Å
   * (a potential whose atoms are that small) lets it converge at the 0.7 Å
   * minimum (ratio 2.3); 1.5 Å stops it there (ratio 0.23 < 0.3) and the
   * message names the caller's radii */
  double radius = 0.15;
  o.collapse_radii = &radius;
  o.max_steps = 2000;
  s = fcc_na(a0);
  r = relax(crush, s, &o);
  CHECK(r.outcome == NACRE_RELAX_CONVERGED,
        "radii 0.15 Å: converges (%s)", r.message);
  nacre_structure_free(s);
  radius = 1.5;
  s = fcc_na(a0);
  r = relax(crush, s, &o);
  CHECK(r.outcome == NACRE_RELAX_COLLAPSED && strstr(r.message, "reference"),
        "radii 1.5 Å: collapses (%s)", r.message);
  nacre_structure_free(s);
  o.collapse_radii = NULL;

  /* the thresholds off: it converges deep inside the unphysical range */
  o.collapse_distance = o.collapse_volume = 0;
  o.min_distance = 0.1;
  o.max_steps = 2000;
  s = fcc_na(a0);
  r = relax(crush, s, &o);
  v = fabs(nacre_structure_volume(s));
  CHECK(r.outcome == NACRE_RELAX_CONVERGED && v < 0.5,
        "without the guard it converges at %.3f Å^3/atom (%s)", v,
        nacre_relax_outcome_name(r.outcome));
  nacre_structure_free(s);

  /* control: a Morse minimum at a sodium-like distance converges */
  nacre_relax_options_init(&o);
  s = fcc_na(4.2);
  r = relax("morse:D=0.2,alpha=1.2,r0=3.7,cutoff=8", s, &o);
  CHECK(r.outcome == NACRE_RELAX_CONVERGED, "control converges (%s)",
        r.message);
  nacre_structure_free(s);

  /* a start below the volume threshold is a bad start */
  s = fcc_na(4.2);
  for (int i = 0; i < 3; i++)
    for (int k = 0; k < 3; k++) s->cell[i][k] *= 0.3;
  r = relax("morse:D=0.2,alpha=1.2,r0=3.7,cutoff=8", s, &o);
  CHECK(r.outcome == NACRE_RELAX_BAD_START && r.force_calls <= 1,
        "crushed start: %s after %ld calls", r.message, r.force_calls);
  nacre_structure_free(s);
  TEST_DONE();
}
