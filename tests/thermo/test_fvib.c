/* test_fvib.c — F_vib tables and temperature-dependent hulls
 * (src/thermo/fvib.c).
 *   Interpolation: linear data are reproduced exactly (1e-12) in T and, for
 *     a quasi-harmonic table, in P; outside the range is an error, never
 *     an extrapolation.
 *   CSV: nacre phonon's thermal.csv layout (temperature_k,
 *     vibrational_free_energy_per_atom_ev, other columns, optional
 *     pressure_gpa, comments) reads back; malformed files give errors
 *     naming file and line.
 *   nacre phonon's qha.csv is read as G(T, P), replacing the energy, and
 *     gives the same crossing.
 *   A hand-worked crossing: AB (E_f −0.10 eV/atom, no F_vib) and its
 *     polymorph AB' (E_f −0.08, F_vib = −1e-4 T eV/atom) swap at 200 K, so
 *     on a 0:500:50 grid AB is stable 0–200 K (the tie at 200 K goes to
 *     the first entry) and AB' 250–500 K. */
#include <string.h>

#include "iotest.h"
#include "nacre/thermo.h"
#include "testing.h"

static void test_interpolation(void) {
  double t[6] = {0, 100, 200, 0, 100, 200}, p[6] = {0, 0, 0, 10, 10, 10};
  double f[6];
  for (int i = 0; i < 6; i++) f[i] = 0.01 - 2e-4 * t[i] + 1e-3 * p[i];
  nacre_fvib_table *tab = NULL;
  nacre_error err;
  CHECK_OK(nacre_fvib_table_new(6, t, p, f, &tab, &err), &err);
  double v;
  CHECK_OK(nacre_fvib_table_eval(tab, 150, 2.5, &v, &err), &err);
  CHECK_CLOSE(v, 0.01 - 2e-4 * 150 + 1e-3 * 2.5, 1e-12, "bilinear in T and P");
  CHECK(nacre_fvib_table_eval(tab, 250, 5, &v, &err) == NACRE_ERR_INVALID &&
            strstr(err.message, "250"),
        "T beyond the table refused: %s", err.message);
  CHECK(nacre_fvib_table_eval(tab, 50, 11, &v, &err) == NACRE_ERR_INVALID,
        "P beyond the table refused");
  nacre_fvib_table_free(tab);
}

static void test_csv(void) {
  const char *path = test_tmp_path("fvib.csv");
  test_write_text(path,
                  "# F_vib of LiSn, columns as nacre phonon's thermal.csv\n"
                  "temperature_k, vibrational_free_energy_per_atom_ev, entropy_per_atom_kb\n"
                  "0, 0.030, 0\n"
                  "300, -0.010, 1  # room temperature\n"
                  "\n"
                  "600, -0.080, 2\n");
  nacre_fvib_table *tab = NULL;
  nacre_error err;
  CHECK_OK(nacre_fvib_table_read(path, &tab, &err), &err);
  if (tab) {
    double v, lo, hi;
    CHECK_OK(nacre_fvib_table_eval(tab, 450, 123, &v, &err), &err);
    CHECK_CLOSE(v, -0.045, 1e-12, "one pressure: P ignored, linear in T");
    nacre_fvib_table_range(tab, &lo, &hi);
    CHECK(lo == 0 && hi == 600, "range 0-600 K (%g-%g)", lo, hi);
  }
  nacre_fvib_table_free(tab);
  test_write_text(path,
                  "temperature_k,vibrational_free_energy_per_atom_ev\n0,0.1\n300,x\n");
  CHECK(nacre_fvib_table_read(path, &tab, &err) == NACRE_ERR_PARSE &&
            strstr(err.message, ":3:"),
        "bad number named with its line: %s", err.message);
  test_write_text(path, "temperature,free_energy\n0,0.1\n");
  CHECK(nacre_fvib_table_read(path, &tab, &err) == NACRE_ERR_PARSE &&
            strstr(err.message, "temperature_k"),
        "missing columns named: %s", err.message);
  test_write_text(path, "temperature_k,vibrational_free_energy_per_atom_ev\n0,0.1,3\n");
  CHECK(nacre_fvib_table_read(path, &tab, &err) == NACRE_ERR_PARSE,
        "a row with too many fields refused");
}

static void test_crossing(void) {
  double a[4][2] = {{1, 0}, {0, 1}, {1, 1}, {2, 2}};
  double fe[4] = {0, 0, -0.10, -0.08};
  double e[4];
  for (int i = 0; i < 4; i++) e[i] = (a[i][0] + a[i][1]) * fe[i] - a[i][0] - 2 * a[i][1];
  double tt[2] = {0, 1000}, ff[2] = {0, -0.1};
  nacre_fvib_table *tab = NULL;
  CHECK_OK(nacre_fvib_table_new(2, tt, NULL, ff, &tab, NULL), NULL);
  const nacre_fvib_table *tables[4] = {NULL, NULL, NULL, tab};
  double temps[11];
  for (int k = 0; k < 11; k++) temps[k] = 50.0 * k;
  int stable[44];
  double above[44];
  nacre_error err;
  CHECK(nacre_hull_temperature_scan(2, 4, &a[0][0], e, tables, 0, 0, 11, temps,
                                    stable, above, &err) == NACRE_ERR_INVALID,
        "entries without tables refused unless allowed");
  CHECK_OK(nacre_hull_temperature_scan(2, 4, &a[0][0], e, tables, 1, 0, 11,
                                       temps, stable, above, &err),
           &err);
  for (int k = 0; k < 11; k++) {
    CHECK(stable[4 * k + 2] == (temps[k] <= 200), "AB at %g K: %d", temps[k],
          stable[4 * k + 2]);
    CHECK(stable[4 * k + 3] == (temps[k] > 200), "AB' at %g K: %d", temps[k],
          stable[4 * k + 3]);
    double d = 0.02 - 1e-4 * temps[k];
    CHECK_CLOSE(above[4 * k + (d >= 0 ? 3 : 2)], fabs(d), 1e-12,
                "energy above the hull of the other polymorph");
  }
  nacre_fvib_table_free(tab);
}

/* The same crossing with AB' given by a quasi-harmonic qha.csv (nacre
 * phonon's table of G(T, P) per atom, which replaces the entry's energy):
 * G(AB') = −1.58 − 1e-4 T eV/atom against AB's static −1.60. */
static void test_qha_table(void) {
  const char *path = test_tmp_path("qha.csv");
  char text[4096] =
      "temperature_k,pressure_gpa,volume_per_atom_a3,gibbs_energy_per_atom_ev,"
      "energy_per_atom_ev,vibrational_free_energy_per_atom_ev,bulk_modulus_gpa,"
      "thermal_expansion_per_k,entropy_per_atom_kb,heat_capacity_p_per_atom_kb\n";
  for (int it = 0; it < 2; it++)
    for (int ip = 0; ip < 2; ip++) {
      double tk = 1000.0 * it, g = -1.58 - 1e-4 * tk;
      snprintf(text + strlen(text), sizeof text - strlen(text),
               "%g,%g,20,%.10f,-1.58,%.10f,50,0,0,0\n", tk, 10.0 * ip, g, g + 1.58);
    }
  test_write_text(path, text);
  nacre_fvib_table *tab = NULL;
  nacre_error err;
  CHECK_OK(nacre_fvib_table_read(path, &tab, &err), &err);
  if (!tab) return;
  CHECK(nacre_fvib_table_is_gibbs(tab), "a qha.csv is a table of G");
  double a[4][2] = {{1, 0}, {0, 1}, {1, 1}, {2, 2}};
  double e[4] = {-1, -2, -3.2, 0 /* replaced by G */};
  const nacre_fvib_table *tables[4] = {NULL, NULL, NULL, tab};
  double temps[11];
  for (int k = 0; k < 11; k++) temps[k] = 50.0 * k;
  int stable[44];
  CHECK_OK(nacre_hull_temperature_scan(2, 4, &a[0][0], e, tables, 1, 5.0, 11, temps,
                                       stable, NULL, &err),
           &err);
  for (int k = 0; k < 11; k++)
    CHECK(stable[4 * k + 2] == (temps[k] <= 200) && stable[4 * k + 3] == (temps[k] > 200),
          "qha: AB / AB' at %g K: %d %d", temps[k], stable[4 * k + 2], stable[4 * k + 3]);
  nacre_fvib_table_free(tab);
}

int main(void) {
  test_interpolation();
  test_csv();
  test_crossing();
  test_qha_table();
  test_tmp_cleanup();
  TEST_DONE();
}
