/* cmd_xrd.c — `nacre xrd STRUCTURE`: the powder X-ray diffraction pattern
 * of a structure (peaks with 2θ, d, hkl families and intensities; a
 * broadened profile) and its agreement with a measured peak list. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "nacre/io.h"
#include "nacre/sym.h"
#include "nacre/thermo.h"

static const char *const CMD = "xrd";

/* Kα lines, Å (Bearden, Rev. Mod. Phys. 39, 78 (1967)); Kα is the 2:1
 * weighted mean of Kα1 and Kα2. */
static const struct {
  const char *name;
  double ka, ka1, ka2;
} ANODES[] = {
    {"Cu", 1.54184, 1.54056, 1.54439}, {"Mo", 0.71073, 0.70930, 0.71359},
    {"Co", 1.79026, 1.78896, 1.79285}, {"Fe", 1.93735, 1.93604, 1.93998},
    {"Cr", 2.29100, 2.28970, 2.29361}, {"Ag", 0.560885, 0.559421, 0.563813},
};

static void help(void) {
  printf(
      "Usage: nacre xrd STRUCTURE [options]\n"
      "\n"
      "Kinematic powder X-ray diffraction pattern of STRUCTURE (POSCAR, extxyz,\n"
      "CIF, ...; path@N picks frame N): every reflection in the limiting\n"
      "sphere, atomic scattering factors of Doyle & Turner (Mott-Bethe),\n"
      "Lorentz-polarisation factor, reflections at one angle added\n"
      "(multiplicities), optional Debye-Waller factors; peaks with 2theta\n"
      "(degrees), d (Å), hkl families with multiplicities, intensity (largest\n"
      "100). Agrees with pymatgen's XRDCalculator.\n"
      "\n"
      "Options:\n"
      "  --wavelength W        Å, or an anode line: CuKa (default), CuKa1,\n"
      "                        CuKa2, MoKa, CoKa, FeKa, CrKa, AgKa (and their\n"
      "                        Ka1/Ka2)\n"
      "  --doublet             the Ka1/Ka2 doublet of the anode (Cu unless\n"
      "                        --wavelength names another), Ka2 at half\n"
      "                        intensity\n"
      "  --two-theta MIN:MAX   range in degrees (default 0:90)\n"
      "  --b-factor EL=B,...   Debye-Waller B in Å^2 per element (default 0)\n"
      "  --symprec A           tolerance in Å for the hkl families (default 0.01)\n"
      "  --symmetrize          make the structure exactly symmetric within\n"
      "                        --symprec first (a relaxed structure's\n"
      "                        equivalent reflections then fall on one angle)\n"
      "  --fwhm DEG            peak width of the profile (default 0.1)\n"
      "  --shape S             gaussian (default), lorentzian or pseudo-voigt\n"
      "                        (half each)\n"
      "  --step DEG            profile step (default 0.02)\n"
      "  --compare PEAKS       measured peaks (2theta, intensity per line):\n"
      "                        matched peaks, mean shift, overlap and profile\n"
      "                        similarity (1 = identical)\n"
      "  --tolerance DEG       largest 2theta difference of a match (default 0.2)\n"
      "  --csv FILE            peaks: two_theta_deg, d_a, intensity, hkl,\n"
      "                        multiplicity, line\n"
      "  --profile-csv FILE    the profile: two_theta_deg, intensity\n"
      "  --plot FILE.svg       sticks, profile and measured peaks\n"
      "  --json                machine-readable output\n"
      "  -q, --quiet           only the peaks of intensity >= 1\n"
      "  -h, --help            this text\n"
      "\n"
      "Example:\n"
      "  nacre xrd rank01.cif --plot xrd.svg --compare measured.txt\n");
}

typedef struct args {
  const char *path, *compare, *csv, *profile_csv, *plot, *anode, *bfac;
  double wavelength, fwhm, step, tolerance, eta;
  double tt[2];
  int doublet, json, quiet, have_wavelength, symmetrize;
  double symprec;
} args;

static int parse_wavelength(args *g, const char *v) {
  char *end;
  double w = strtod(v, &end);
  if (end != v && !*end) {
    if (!(w > 0)) return cli_usage(CMD, "--wavelength must be positive (Å)");
    g->wavelength = w;
    g->have_wavelength = 1;
    return CLI_OK;
  }
  for (size_t k = 0; k < sizeof ANODES / sizeof ANODES[0]; k++) {
    size_t n = strlen(ANODES[k].name);
    if (strncmp(v, ANODES[k].name, n) || strncmp(v + n, "Ka", 2)) continue;
    const char *line = v + n + 2;
    g->anode = ANODES[k].name;
    if (!*line) g->wavelength = ANODES[k].ka;
    else if (!strcmp(line, "1")) g->wavelength = ANODES[k].ka1;
    else if (!strcmp(line, "2")) g->wavelength = ANODES[k].ka2;
    else break;
    return CLI_OK;
  }
  return cli_usage(CMD, "--wavelength: '%s' is neither a number of Å nor a "
                        "line like CuKa, CuKa1, MoKa",
                   v);
}

static int parse_args(int argc, char **argv, args *g) {
  memset(g, 0, sizeof *g);
  g->wavelength = NACRE_CU_KA_A;
  g->fwhm = 0.1;
  g->step = 0.02;
  g->tolerance = 0.2;
  g->tt[1] = 90;
  g->symprec = NACRE_SYMPREC_DEFAULT;
  int rc = CLI_OK;
  for (int k = 1; k < argc && rc == CLI_OK; k++) {
    const char *a = argv[k], *v = k + 1 < argc ? argv[k + 1] : NULL;
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      help();
      return -1;
    } else if (!strcmp(a, "--wavelength")) {
      CLI_NEED_VALUE(CMD);
      rc = parse_wavelength(g, v);
    } else if (!strcmp(a, "--doublet")) {
      g->doublet = 1;
    } else if (!strcmp(a, "--symmetrize")) {
      g->symmetrize = 1;
    } else if (!strcmp(a, "--two-theta")) {
      CLI_NEED_VALUE(CMD);
      char buf[64];
      snprintf(buf, sizeof buf, "%s", v);
      char *colon = strchr(buf, ':');
      if (colon) *colon = ',';
      if (!colon || cli_parse_list(CMD, a, buf, 2, g->tt)) rc = CLI_USAGE;
      else if (!(g->tt[0] >= 0 && g->tt[1] > g->tt[0] && g->tt[1] < 180))
        rc = cli_usage(CMD, "--two-theta needs 0 <= MIN < MAX < 180");
    } else if (!strcmp(a, "--b-factor")) {
      CLI_NEED_VALUE(CMD);
      g->bfac = v;
    } else if (!strcmp(a, "--symprec")) {
      CLI_NEED_VALUE(CMD);
      if (cli_parse_double(CMD, a, v, &g->symprec) || !(g->symprec > 0))
        rc = cli_usage(CMD, "--symprec needs a positive number of Å");
    } else if (!strcmp(a, "--fwhm")) {
      CLI_NEED_VALUE(CMD);
      if (cli_parse_double(CMD, a, v, &g->fwhm) || !(g->fwhm > 0))
        rc = cli_usage(CMD, "--fwhm needs a positive number of degrees");
    } else if (!strcmp(a, "--shape")) {
      CLI_NEED_VALUE(CMD);
      if (!strcmp(v, "gaussian")) g->eta = 0;
      else if (!strcmp(v, "lorentzian")) g->eta = 1;
      else if (!strcmp(v, "pseudo-voigt")) g->eta = 0.5;
      else rc = cli_usage(CMD, "--shape: gaussian, lorentzian or pseudo-voigt");
    } else if (!strcmp(a, "--step")) {
      CLI_NEED_VALUE(CMD);
      if (cli_parse_double(CMD, a, v, &g->step) || !(g->step > 0))
        rc = cli_usage(CMD, "--step needs a positive number of degrees");
    } else if (!strcmp(a, "--compare")) {
      CLI_NEED_VALUE(CMD);
      g->compare = v;
    } else if (!strcmp(a, "--tolerance")) {
      CLI_NEED_VALUE(CMD);
      if (cli_parse_double(CMD, a, v, &g->tolerance) || !(g->tolerance > 0))
        rc = cli_usage(CMD, "--tolerance needs a positive number of degrees");
    } else if (!strcmp(a, "--csv")) {
      CLI_NEED_VALUE(CMD);
      g->csv = v;
    } else if (!strcmp(a, "--profile-csv")) {
      CLI_NEED_VALUE(CMD);
      g->profile_csv = v;
    } else if (!strcmp(a, "--plot")) {
      CLI_NEED_VALUE(CMD);
      g->plot = v;
    } else if (!strcmp(a, "--json")) {
      g->json = 1;
    } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
      g->quiet = 1;
    } else if (a[0] == '-' && a[1]) {
      rc = cli_usage(CMD, "unknown option '%s'", a);
    } else if (!g->path) {
      g->path = a;
    } else {
      rc = cli_usage(CMD, "more than one STRUCTURE ('%s', '%s')", g->path, a);
    }
  }
  if (rc != CLI_OK) return rc;
  if (!g->path) return cli_usage(CMD, "no STRUCTURE given");
  if (g->doublet && g->have_wavelength)
    return cli_usage(CMD, "--doublet takes an anode line (--wavelength CuKa), "
                          "not a number");
  return CLI_OK;
}

/* Per-atom B factors from "EL=B,...". */
static nacre_status b_factors(const char *text, const nacre_structure *s,
                              double *b, nacre_error *err) {
  for (int i = 0; i < s->natoms; i++) b[i] = 0;
  char buf[1024];
  snprintf(buf, sizeof buf, "%s", text);
  char *save = NULL;
  for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
    char *eq = strchr(t, '='), *end;
    if (!eq) return nacre_error_set(err, NACRE_ERR_INVALID, "--b-factor: '%s' is not EL=B", t);
    *eq = '\0';
    int z = nacre_element_z(t);
    double v = strtod(eq + 1, &end);
    if (!z || *end || end == eq + 1 || !(v >= 0))
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "--b-factor: bad element or B in '%s=%s'", t, eq + 1);
    for (int i = 0; i < s->natoms; i++)
      if (s->numbers[i] == z) b[i] = v;
  }
  return NACRE_OK;
}

static void hkl_text(const nacre_xrd_peak *pk, char *buf, size_t n) {
  size_t len = 0;
  buf[0] = '\0';
  for (int f = 0; f < pk->nfamilies && len < n; f++)
    len += (size_t)snprintf(buf + len, n - len, "%s(%d %d %d)x%d", f ? " " : "",
                            pk->hkl[f][0], pk->hkl[f][1], pk->hkl[f][2],
                            pk->multiplicity[f]);
}

static nacre_status write_peaks_csv(const char *path, const nacre_xrd_pattern *p,
                                    nacre_error *err) {
  FILE *fp = fopen(path, "w");
  if (!fp) return nacre_error_set(err, NACRE_ERR_IO, "cannot write %s", path);
  fprintf(fp, "two_theta_deg,d_a,intensity,hkl,multiplicity,line\n");
  for (int k = 0; k < p->npeaks; k++) {
    const nacre_xrd_peak *pk = &p->peaks[k];
    int mult = 0;
    for (int f = 0; f < pk->nfamilies; f++) mult += pk->multiplicity[f];
    fprintf(fp, "%.6f,%.6f,%.4f,%d %d %d,%d,%d\n", pk->two_theta_deg, pk->d_a,
            pk->intensity, pk->nfamilies ? pk->hkl[0][0] : 0,
            pk->nfamilies ? pk->hkl[0][1] : 0, pk->nfamilies ? pk->hkl[0][2] : 0,
            mult, pk->line + 1);
  }
  int bad = ferror(fp);
  if (fclose(fp) || bad) return nacre_error_set(err, NACRE_ERR_IO, "error writing %s", path);
  return NACRE_OK;
}

/* The library's options from the command line's. */
static nacre_status xrd_options(const args *g, const nacre_structure *s,
                                double **b, nacre_xrd_options *o,
                                nacre_error *err) {
  nacre_xrd_options_init(o);
  o->wavelength_a = g->wavelength;
  o->two_theta_min_deg = g->tt[0];
  o->two_theta_max_deg = g->tt[1];
  o->symprec = g->symprec;
  o->symmetrize = g->symmetrize;
  if (g->doublet) {
    o->doublet = 1;
    for (size_t k = 0; k < sizeof ANODES / sizeof ANODES[0]; k++)
      if (!strcmp(ANODES[k].name, g->anode ? g->anode : "Cu")) {
        o->wavelength1_a = ANODES[k].ka1;
        o->wavelength2_a = ANODES[k].ka2;
      }
  }
  if (!g->bfac) return NACRE_OK;
  *b = malloc((size_t)(s->natoms ? s->natoms : 1) * sizeof **b);
  if (!*b) return nacre_error_set(err, NACRE_ERR_NOMEM, "B factors");
  o->b_factors_a2 = *b;
  return b_factors(g->bfac, s, *b, err);
}

/* The peak table (unless --json) and the peaks in the JSON document. */
static void report_peaks(const args *g, const nacre_xrd_pattern *p,
                         cJSON *root) {
  cJSON_AddNumberToObject(root, "wavelength_a", p->wavelength_a[0]);
  if (p->nlines == 2) cJSON_AddNumberToObject(root, "wavelength2_a", p->wavelength_a[1]);
  cJSON_AddNumberToObject(root, "space_group_number", p->sg_number);
  cJSON *arr = cJSON_AddArrayToObject(root, "peaks");
  if (!g->json)
    printf("%d peaks, wavelength %.5f Å%s; hkl families from space group %d\n"
           "%10s %10s %10s  %s\n",
           p->npeaks, p->wavelength_a[0], p->nlines == 2 ? " (+ Ka2)" : "",
           p->sg_number, "2theta", "d (Å)", "intensity", "hkl x multiplicity");
  for (int k = 0; k < p->npeaks; k++) {
    const nacre_xrd_peak *pk = &p->peaks[k];
    char h[256];
    hkl_text(pk, h, sizeof h);
    if (!g->json && (!g->quiet || pk->intensity >= 1))
      printf("%10.4f %10.5f %10.3f  %s%s\n", pk->two_theta_deg, pk->d_a,
             pk->intensity, h, pk->line ? "  (Ka2)" : "");
    cJSON *o2 = cJSON_CreateObject();
    cJSON_AddNumberToObject(o2, "two_theta_deg", pk->two_theta_deg);
    cJSON_AddNumberToObject(o2, "d_a", pk->d_a);
    cJSON_AddNumberToObject(o2, "intensity", pk->intensity);
    cJSON_AddNumberToObject(o2, "line", pk->line + 1);
    cJSON *fam = cJSON_AddArrayToObject(o2, "families");
    for (int f = 0; f < pk->nfamilies; f++) {
      cJSON *x = cJSON_CreateObject();
      cJSON_AddItemToObject(x, "hkl", cJSON_CreateIntArray(pk->hkl[f], 3));
      cJSON_AddNumberToObject(x, "multiplicity", pk->multiplicity[f]);
      cJSON_AddItemToArray(fam, x);
    }
    cJSON_AddItemToArray(arr, o2);
  }
}

/* The match against a measured peak list, printed and in the JSON. */
static void report_comparison(const args *g, const nacre_xrd_match *m,
                              int nexp, cJSON *root) {
  cJSON *c = cJSON_AddObjectToObject(root, "comparison");
  cJSON_AddNumberToObject(c, "measured_peaks", nexp);
  cJSON_AddNumberToObject(c, "matched", m->nmatched);
  cJSON_AddNumberToObject(c, "measured_unmatched", m->nexp_unmatched);
  cJSON_AddNumberToObject(c, "computed_unmatched", m->ncalc_unmatched);
  cJSON_AddNumberToObject(c, "mean_shift_deg", m->mean_abs_shift_deg);
  cJSON_AddNumberToObject(c, "overlap", m->overlap);
  cJSON_AddNumberToObject(c, "profile_similarity", m->profile_similarity);
  if (!g->json)
    printf("\nagainst %s: %d of %d measured peaks matched within %g deg (mean "
           "shift %.4f deg), %d strong computed peaks unmatched; overlap %.3f, "
           "profile similarity %.3f\n",
           g->compare, m->nmatched, nexp, g->tolerance, m->mean_abs_shift_deg,
           m->ncalc_unmatched, m->overlap, m->profile_similarity);
}

static nacre_status write_profile_csv(const args *g, const double *y, int ny,
                                      nacre_error *err) {
  FILE *fp = fopen(g->profile_csv, "w");
  if (!fp)
    return nacre_error_set(err, NACRE_ERR_IO, "cannot write %s", g->profile_csv);
  fprintf(fp, "two_theta_deg,intensity\n");
  for (int i = 0; i < ny; i++) fprintf(fp, "%.4f,%.5f\n", g->tt[0] + i * g->step, y[i]);
  if (fclose(fp))
    return nacre_error_set(err, NACRE_ERR_IO, "error writing %s", g->profile_csv);
  return NACRE_OK;
}

static int run(int argc, char **argv) {
  args g;
  int rc = parse_args(argc, argv, &g);
  if (rc) return rc < 0 ? CLI_OK : rc;
  nacre_error err;
  nacre_error_clear(&err);
  nacre_structure *s = NULL;
  nacre_xrd_pattern *p = NULL;
  double *b = NULL, *y = NULL, *et = NULL, *ei = NULL;
  int ny = 0, nexp = 0;
  nacre_xrd_match m = {0};
  nacre_xrd_options o;
  cJSON *root = cJSON_CreateObject();
  rc = CLI_FAILED;
  if (nacre_read_structure(g.path, &s, &err) || xrd_options(&g, s, &b, &o, &err) ||
      nacre_xrd_pattern_compute(s, &o, &p, &err) ||
      nacre_xrd_profile(p, g.tt[0], g.tt[1], g.step, g.fwhm, g.eta, &y, &ny, &err))
    goto done;
  if (g.compare && (nacre_xrd_read_peaks(g.compare, &et, &ei, &nexp, &err) ||
                    nacre_xrd_compare(p, et, ei, nexp, g.tolerance, g.fwhm, &m, &err)))
    goto done;
  report_peaks(&g, p, root);
  if (g.compare) report_comparison(&g, &m, nexp, root);
  if (g.json) {
    char *text = cJSON_Print(root);
    if (text) printf("%s\n", text);
    free(text);
  }
  if (g.csv && write_peaks_csv(g.csv, p, &err)) goto done;
  if (g.profile_csv && write_profile_csv(&g, y, ny, &err)) goto done;
  if (g.plot) {
    char title[256], formula[128];
    nacre_structure_formula(s, formula, sizeof formula);
    snprintf(title, sizeof title, "%s, lambda = %.5f Å", formula, p->wavelength_a[0]);
    if (nacre_xrd_svg(g.plot, p, y, ny, g.tt[0], g.step, et, ei, nexp, title, &err))
      goto done;
  }
  rc = CLI_OK;
done:
  if (rc != CLI_OK) cli_fail(CMD, &err);
  cJSON_Delete(root);
  free(m.match);
  free(et);
  free(ei);
  free(y);
  free(b);
  nacre_xrd_pattern_free(p);
  nacre_structure_free(s);
  return rc;
}

const nacre_command nacre_cmd_xrd = {
    "xrd", "powder X-ray diffraction pattern and comparison with a measurement",
    run};
