/* test_voltage.c — intercalation voltage profiles along a hull
 * (src/thermo/voltage.c), worked out by hand for a Li–Sn-like binary:
 * μ_Li = −1.9, μ_Sn = −3.8 eV/atom; LixSn phases at x = 1 (f = −0.30),
 * 2.5 (−0.35) and 4.4 (−0.30 eV/atom), an unstable Li3Sn. Per Sn the
 * formation energies are (1+x) f: 0, −0.6, −1.225, −1.62, so the steps are
 * V = 0.6 V (x 0–1), 0.625/1.5 = 0.41667 V (1–2.5) and 0.395/1.9 =
 * 0.20789 V (2.5–4.4), then 0 V (Li plating) beyond. Tolerance 1e-12 V. */
#include <string.h>

#include "nacre/thermo.h"
#include "testing.h"

static nacre_hull *lisn(void) {
  double a[7][2] = {{1, 0}, {0, 1}, {1, 1}, {5, 2}, {22, 5}, {3, 1}, {2, 0}};
  double f[7] = {0, 0, -0.30, -0.35, -0.30, -0.25, 0.01};
  double e[7];
  for (int i = 0; i < 7; i++)
    e[i] = (a[i][0] + a[i][1]) * f[i] - 1.9 * a[i][0] - 3.8 * a[i][1];
  nacre_hull *h = NULL;
  nacre_error err;
  CHECK_OK(nacre_hull_new(2, 7, &a[0][0], e, &h, &err), &err);
  return h;
}

int main(void) {
  nacre_hull *h = lisn();
  if (!h) TEST_DONE();
  double host[2] = {0, 1};
  nacre_voltage_step *s = NULL;
  int n = 0;
  nacre_error err;
  CHECK_OK(nacre_hull_voltage_profile(h, host, 0, 1.0, 0.0, &s, &n, &err), &err);
  CHECK(n == 3, "three steps up to Li22Sn5 (%d)", n);
  double xs[4] = {0, 1, 2.5, 4.4};
  double v[3] = {0.6, 0.625 / 1.5, 0.395 / 1.9};
  for (int k = 0; k < n && k < 3; k++) {
    CHECK_CLOSE(s[k].x_start, xs[k], 1e-9, "step start");
    CHECK_CLOSE(s[k].x_end, xs[k + 1], 1e-9, "step end");
    CHECK_CLOSE(s[k].voltage_v, v[k], 1e-12, "step voltage");
    CHECK(s[k].nphases == 2, "two phases coexist along a step (%d)",
          s[k].nphases);
  }
  free(s);
  /* beyond the last phase: Li plates out at 0 V */
  CHECK_OK(nacre_hull_voltage_profile(h, host, 0, 1.0, 6.0, &s, &n, &err), &err);
  CHECK(n == 4 && fabs(s[3].voltage_v) < 1e-12 && fabs(s[3].x_end - 6) < 1e-12,
        "a fourth step at 0 V up to x = 6 (%d steps)", n);
  free(s);
  /* a doubly charged ion halves the voltages; a host formula unit of Sn2
   * doubles the x values */
  double host2[2] = {0, 2};
  CHECK_OK(nacre_hull_voltage_profile(h, host2, 0, 2.0, 0.0, &s, &n, &err), &err);
  CHECK(n == 3 && fabs(s[0].x_end - 2) < 1e-9 &&
            fabs(s[0].voltage_v - 0.3) < 1e-12,
        "Sn2 host, charge 2: x to 2 at 0.3 V (%d steps)", n);
  free(s);
  /* the host may not hold the ion */
  double bad[2] = {1, 1};
  CHECK(nacre_hull_voltage_profile(h, bad, 0, 1.0, 0.0, &s, &n, &err) ==
            NACRE_ERR_INVALID,
        "a host holding the ion is refused");
  nacre_hull_free(h);
  TEST_DONE();
}
