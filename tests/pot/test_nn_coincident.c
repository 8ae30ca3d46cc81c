/* test_nn_coincident.c — a network potential refuses two atoms at one
 * position instead of dropping the pair from their descriptors (issue: two
 * Na atoms at one place gave E = -2.58 eV and zero forces with
 * nn_Na_d3_v0, where LJ, Morse and EAM give no finite result): through
 * nacre_calc_compute directly (the route of the Python, ASE and KIM
 * bindings, which read no file), for a network and a committee of two,
 * the error names both atoms; the same pair 1 Å apart evaluates
 * (control). */
#include <string.h>

#include "nacre/nn.h"
#include "nacre/pot.h"
#include "nnbuild.h"
#include "testing.h"

#define RADIAL "radial:rc=4,n=4,eta_min=0.1,eta_max=1.2"

static nacre_structure *pair(double dx) {
  nacre_structure *s = nacre_structure_new(2, NULL);
  s->cell[0][0] = s->cell[1][1] = s->cell[2][2] = 6.0;
  s->numbers[0] = s->numbers[1] = 11;
  s->positions[0] = 1.0;
  s->positions[3] = 1.0 + dx;
  return s;
}

static nacre_status compute(nacre_potential *p, const nacre_structure *s,
                            nacre_error *err) {
  nacre_calc *c = nacre_calc_new(p, 0.5, err);
  nacre_result r;
  nacre_result_init(&r, s->natoms, err);
  nacre_status st = c ? nacre_calc_compute(c, s, NACRE_WANT_ALL, &r, err) : NACRE_ERR_NOMEM;
  nacre_result_free(&r);
  nacre_calc_free(c);
  return st;
}

int main(void) {
  const int z[1] = {11}, hidden[2] = {6, 5};
  const double ref[1] = {-1.3};
  nacre_nn_model *m1 = nnbuild_random(RADIAL, 1, z, 2, hidden, 1, 0.5, ref);
  nacre_nn_model *m2 = nnbuild_random(RADIAL, 1, z, 2, hidden, 2, 0.5, ref);
  nacre_error err;
  nacre_potential *net = NULL, *a = NULL, *b = NULL, *committee = NULL;
  CHECK_OK(nacre_nn_potential_new(m1, &net, &err), &err);
  CHECK_OK(nacre_nn_potential_new(nacre_nn_model_copy(m1, NULL), &a, &err), &err);
  CHECK_OK(nacre_nn_potential_new(m2, &b, &err), &err);
  nacre_potential *members[2] = {a, b};
  CHECK_OK(nacre_committee_new(members, 2, &committee, &err), &err);
  nacre_structure *same = pair(0.0), *apart = pair(1.0);
  nacre_potential *pots[2] = {net, committee};
  const char *names[2] = {"network", "committee"};
  for (int k = 0; k < 2; k++) {
    nacre_error_clear(&err);
    CHECK(compute(pots[k], same, &err) == NACRE_ERR_INVALID &&
              strstr(err.message, "atoms 1 and 2") && strstr(err.message, "same position"),
          "%s: two atoms at one place refused: %s", names[k], err.message);
    nacre_error_clear(&err);
    CHECK_OK(compute(pots[k], apart, &err), &err);
  }
  nacre_structure_free(same);
  nacre_structure_free(apart);
  nacre_potential_free(committee);
  nacre_potential_free(net);
  TEST_DONE();
}
