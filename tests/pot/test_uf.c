/* test_uf.c — the Uhlenbeck–Ford model: the dimer energy against
 * V(r) = −pε ln(1 − e^{−r²/σ²}) − V(rc), forces and stress against finite
 * differences (dense and dilute), invariances, the default cutoff, and
 * refusal of bad parameters. */
#include <string.h>

#include "builders.h"
#include "potcheck.h"
#include "testing.h"

int main(void) {
  nacre_error err;
  nacre_potential *uf = NULL;
  const double eps = 0.05, p = 50, sig = 1.2;
  CHECK_OK(nacre_potential_load("uf:epsilon=0.05,p=50,sigma=1.2", &uf, &err), &err);
  if (!uf) TEST_DONE();
  double rc = nacre_potential_cutoff(uf);
  /* default cutoff: p ε e^{−rc²/σ²} = 1e-10 p ε */
  CHECK_CLOSE(rc, sig * sqrt(10 * log(10.0)), 1e-12, "default cutoff 4.8 σ, Å");

  nacre_structure *d = nacre_structure_new(2, NULL);
  d->numbers[0] = d->numbers[1] = 3;
  d->pbc[0] = d->pbc[1] = d->pbc[2] = 0;
  for (int k = 0; k < 3; k++) {
    double r = 0.6 + 0.7 * k;
    d->positions[3] = r;
    double v = -p * eps * log(1 - exp(-r * r / (sig * sig))) +
               p * eps * log(1 - exp(-rc * rc / (sig * sig)));
    CHECK_CLOSE(potcheck_energy(uf, d) * 2, v, 1e-12 * fabs(v) + 1e-15, "UF dimer energy, eV");
  }
  nacre_structure_free(d);

  int n2[3] = {2, 2, 2};
  nacre_structure *c = build_bulk("fcc", 3, 3.0, n2);
  build_rattle(c, 0.3, 5);
  double eps6[6] = {0.02, -0.01, 0.03, 0.01, -0.02, 0.015};
  build_strain(c, eps6);
  double fmax;
  double ferr = potcheck_force_fd(uf, c, 1e-5, &fmax);
  CHECK(ferr < 1e-7 * fmax + 1e-9, "forces vs finite differences: %g eV/Å (|F| up to %g)", ferr, fmax);
  double serr = potcheck_stress_fd(uf, c, 1e-6);
  CHECK(serr < 1e-8, "stress vs finite strain: %g eV/Å^3", serr);
  double inv = potcheck_invariance(uf, c, 7);
  CHECK(inv < 1e-11, "invariance: %g eV/atom", inv);
  CHECK(potcheck_thread_difference(uf, c, 1, 2) == 0.0, "identical on 1 and 2 threads");
  nacre_structure_free(c);

  nacre_potential *bad = NULL;
  CHECK(nacre_potential_load("uf:epsilon=0.05,p=-1,sigma=1", &bad, &err) == NACRE_ERR_INVALID,
        "p <= 0 refused");
  CHECK(nacre_potential_load("uf:epsilon=0.05,sigma=1", &bad, &err) == NACRE_ERR_INVALID &&
            strstr(err.message, "p="),
        "missing p named: %s", err.message);
  nacre_potential_free(uf);
  TEST_DONE();
}
