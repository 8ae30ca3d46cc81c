/* test_cli.c — the commands of the thermo layer and Ewald: nacre hull,
 * nacre ewald (and, as they come, xrd, order, transitions).
 *   hull: a CSV of a binary gives the same formation energies, energies
 *     above the hull, stable set and voltages in --json as the library;
 *     --csv and --plot write their files; extended XYZ input with energies
 *     forms enthalpies at --pressure; malformed input exits 1 naming file
 *     and line, usage errors exit 2.
 *   ewald: rocksalt from a CIF gives the Madelung constant 1.747565 in
 *     --json; a missing charge exits 1 naming the element.
 *   xrd: rocksalt peaks in --json as the library computes them; --compare
 *     with the pattern's own peaks matches all; a malformed peak list exits
 *     1 naming its line.
 *   order: rocksalt with half the Na vacant in 1–2 cells lists as many
 *     orderings as the library; a fraction above 1 is a usage error; the
 *     same rocksalt written as a disordered CIF (Na at 0.5 occupancy, and
 *     Na 0.333 / K 0.667 sharing the site) needs no --substitute: the rules
 *     come from the occupancies (0.667 taken as 2/3) and give the counts of
 *     the explicit rules; a file without partial occupancy and without
 *     --substitute is refused naming it.
 *   long lines: a comment line longer than a reader's buffer in a peak
 *     list or a hull table is refused naming its line (its tail was read
 *     as a line of its own: a phantom peak or entry, without a word);
 *   transitions: two LJ structures over three pressures in --json;
 *     descending pressures exit 1; at --temperature with --fvib tables (by
 *     name and by index) gibbs_energy_per_atom_ev = enthalpy + F_vib(T)
 *     (1e-12), a structure without a table exits 1 naming it, and
 *     --temperature alone is a usage error.
 *   Every command's --help names its options. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "iotest.h"
#include "nacre/io.h"
#include "nacre/thermo.h"
#include "testing.h"

static char *run(const char *args, int *status) {
  char cmd[8192];
  snprintf(cmd, sizeof cmd, "%s %s 2>%s", NACRE_CLI, args,
           test_tmp_path("stderr.txt"));
  FILE *p = popen(cmd, "r");
  if (!p) return NULL;
  size_t cap = 1 << 16, len = 0, got;
  char *buf = malloc(cap);
  while ((got = fread(buf + len, 1, cap - len - 1, p)) > 0) {
    len += got;
    if (len + 1 >= cap) buf = realloc(buf, cap *= 2);
  }
  buf[len] = '\0';
  int rc = pclose(p);
  *status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  return buf;
}

static char *stderr_text(void) { return test_read_all(test_tmp_path("stderr.txt"), NULL); }

static double num(const cJSON *o, const char *k) {
  const cJSON *x = cJSON_GetObjectItem(o, k);
  return cJSON_IsNumber(x) ? x->valuedouble : NAN;
}

static void test_hull(void) {
  char csv[4096], args[16384];
  snprintf(csv, sizeof csv, "%s", test_tmp_path("lisn.csv"));
  test_write_text(csv,
                  "# a toy Li-Sn set\n"
                  "name,formula,energy_per_atom_ev\n"
                  "Li,Li,-1.9\nSn,Sn,-3.8\nLiSn,LiSn,-3.15\n"
                  "Li5Sn2,Li5Sn2,-2.8929\nLi22Sn5,Li22Sn5,-2.6518\n"
                  "Li3Sn,Li3Sn,-2.63\n");
  double amounts[6][2] = {{1, 0}, {0, 1}, {1, 1}, {5, 2}, {22, 5}, {3, 1}};
  double epa[6] = {-1.9, -3.8, -3.15, -2.8929, -2.6518, -2.63}, e[6];
  for (int i = 0; i < 6; i++) e[i] = epa[i] * (amounts[i][0] + amounts[i][1]);
  nacre_hull *h = NULL;
  CHECK_OK(nacre_hull_new(2, 6, &amounts[0][0], e, &h, NULL), NULL);
  int st;
  char outcsv[4096], svg[4096]; /* test_tmp_path reuses its buffer */
  snprintf(outcsv, sizeof outcsv, "%s", test_tmp_path("out.csv"));
  snprintf(svg, sizeof svg, "%s", test_tmp_path("hull.svg"));
  snprintf(args, sizeof args, "hull %s --json --voltage Li --csv %s --plot %s",
           csv, outcsv, svg);
  char *out = run(args, &st);
  cJSON *j = out ? cJSON_Parse(out) : NULL;
  CHECK(st == 0 && j, "nacre hull --json runs (status %d)", st);
  if (j && h) {
    const cJSON *ents = cJSON_GetObjectItem(j, "entries");
    CHECK(cJSON_GetArraySize(ents) == 6, "6 entries");
    for (int i = 0; i < 6; i++) {
      const cJSON *x = cJSON_GetArrayItem(ents, i);
      const nacre_hull_point *p = nacre_hull_entry(h, i);
      CHECK_CLOSE(num(x, "formation_energy_per_atom_ev"), p->formation_per_atom_ev,
                  1e-12, "formation energy as the library");
      CHECK_CLOSE(num(x, "energy_above_hull_per_atom_ev"),
                  p->e_above_hull_per_atom_ev, 1e-12, "above hull as the library");
      CHECK(cJSON_IsTrue(cJSON_GetObjectItem(x, "stable")) == p->stable,
            "stable flag of entry %d", i);
    }
    const cJSON *v = cJSON_GetObjectItem(j, "voltage");
    CHECK(cJSON_GetArraySize(v) == 2, "two voltage steps");
    /* Li5Sn2 against Sn: −(3.5·f(Li5Sn2))/2.5 per Li */
    double f = nacre_hull_entry(h, 3)->formation_per_atom_ev;
    CHECK_CLOSE(num(cJSON_GetArrayItem(v, 0), "voltage_v"), -3.5 * f / 2.5, 1e-9,
                "first plateau");
  }
  cJSON_Delete(j);
  free(out);
  char *t = test_read_all(outcsv, NULL);
  CHECK(t && strstr(t, "energy_above_hull_per_atom_ev") && strstr(t, "Li22Sn5"),
        "--csv writes the table");
  free(t);
  t = test_read_all(svg, NULL);
  CHECK(t && strstr(t, "<svg") && strstr(t, "Li5Sn2") && strstr(t, "</svg>"),
        "--plot writes an SVG naming the stable phases");
  free(t);
  /* extended XYZ with energies at a pressure: H = E + PV */
  char xyz[4096];
  snprintf(xyz, sizeof xyz, "%s", test_tmp_path("e.xyz"));
  test_write_text(xyz,
                  "1\nLattice=\"3 0 0 0 3 0 0 0 3\" Properties=species:S:1:pos:R:3 "
                  "energy=-1.0 pbc=\"T T T\" name=A\nNa 0 0 0\n"
                  "1\nLattice=\"4 0 0 0 4 0 0 0 4\" Properties=species:S:1:pos:R:3 "
                  "energy=-2.0 pbc=\"T T T\" name=B\nK 0 0 0\n"
                  "2\nLattice=\"3 0 0 0 3 0 0 0 6\" Properties=species:S:1:pos:R:3 "
                  "energy=-3.5 pbc=\"T T T\" name=AB\nNa 0 0 0\nK 0 0 3\n");
  snprintf(args, sizeof args, "hull %s --pressure 10 --json", xyz);
  out = run(args, &st);
  j = out ? cJSON_Parse(out) : NULL;
  CHECK(st == 0 && j, "hull of an extxyz file (status %d)", st);
  if (j) {
    const cJSON *ab = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "entries"), 2);
    double pv = 10 * NACRE_GPA_TO_EV_A3;
    double hab = (-3.5 + pv * 54) / 2, ha = -1 + pv * 27, hb = -2 + pv * 64;
    CHECK_CLOSE(num(ab, "formation_energy_per_atom_ev"), hab - 0.5 * (ha + hb),
                1e-9, "formation enthalpy at 10 GPa");
  }
  cJSON_Delete(j);
  free(out);
  /* errors */
  test_write_text(csv, "formula,energy_ev\nLi,-1.9\nSn,abc\n");
  snprintf(args, sizeof args, "hull %s", csv);
  free(run(args, &st));
  char *err = stderr_text();
  CHECK(st == 1 && err && strstr(err, "lisn.csv:3"),
        "a bad number: status 1 and file:line (%d, %s)", st, err ? err : "");
  free(err);
  test_write_text(csv, "formula,energy_ev\nLiSn,-1.9\nSn,-3\n");
  free(run(args, &st));
  err = stderr_text();
  CHECK(st == 1 && err && strstr(err, "pure element"),
        "a missing reference: status 1 (%d, %s)", st, err ? err : "");
  free(err);
  free(run("hull --frobnicate x.csv", &st));
  CHECK(st == 2, "unknown option: status 2 (%d)", st);
  nacre_hull_free(h);
}

/* Three tiny LJ searches at 1 GPa: nacre hull reads their run files (best
 * minimum of each with --top 1), at the runs' pressure, named by the
 * runs' compositions. */
static void test_hull_runs(void) {
  const char *lj = "lj:epsilon=0.0104,sigma=3.4,cutoff=8.5,shift=1";
  const char *comps[3] = {"Ar2", "Kr2", "Ar1Kr1"};
  char dbs[3][4096], args[24576];
  int st;
  for (int k = 0; k < 3; k++) {
    char name[32], out[4096];
    snprintf(name, sizeof name, "%s.db", comps[k]);
    snprintf(dbs[k], sizeof dbs[k], "%s", test_tmp_path(name));
    snprintf(name, sizeof name, "%s.out", comps[k]);
    snprintf(out, sizeof out, "%s", test_tmp_path(name));
    snprintf(args, sizeof args,
             "search --composition %s --potential %s --pressure 1 --budget 4 "
             "--population 4 --db %s -o %s -q",
             comps[k], lj, dbs[k], out);
    free(run(args, &st));
    CHECK(st == 0, "search %s (%d)", comps[k], st);
  }
  snprintf(args, sizeof args, "hull %s %s %s --top 1 --json", dbs[0], dbs[1], dbs[2]);
  char *out = run(args, &st);
  cJSON *j = out ? cJSON_Parse(out) : NULL;
  CHECK(st == 0 && j, "hull of three run files (%d)", st);
  if (j) {
    CHECK_CLOSE(num(j, "pressure_gpa"), 1.0, 1e-12, "the runs' pressure");
    const cJSON *e = cJSON_GetObjectItem(j, "entries");
    CHECK(cJSON_GetArraySize(e) == 3, "one minimum per run");
    const cJSON *f = cJSON_GetObjectItem(cJSON_GetArrayItem(e, 2), "formula");
    CHECK(cJSON_IsString(f) && !strcmp(f->valuestring, "ArKr"),
          "named by the run's composition (%s)", cJSON_IsString(f) ? f->valuestring : "");
  }
  cJSON_Delete(j);
  free(out);
  /* a run at another pressure cannot join without --pressure */
  char other[4096], oout[4096];
  snprintf(other, sizeof other, "%s", test_tmp_path("Ar2p0.db"));
  snprintf(oout, sizeof oout, "%s", test_tmp_path("Ar2p0.out"));
  snprintf(args, sizeof args,
           "search --composition Ar2 --potential %s --budget 2 --population 2 --db %s "
           "-o %s -q",
           lj, other, oout);
  free(run(args, &st));
  snprintf(args, sizeof args, "hull %s %s %s", other, dbs[1], dbs[2]);
  free(run(args, &st));
  char *err = stderr_text();
  CHECK(st == 1 && err && strstr(err, "--pressure"),
        "runs at different pressures need --pressure (%d)", st);
  free(err);
}

static void test_ewald(void) {
  char cif[4096], args[8192];
  snprintf(cif, sizeof cif, "%s", test_tmp_path("nacl.cif"));
  test_write_text(cif,
                  "data_NaCl\n_cell_length_a 5.64\n_cell_length_b 5.64\n"
                  "_cell_length_c 5.64\n_cell_angle_alpha 90\n_cell_angle_beta 90\n"
                  "_cell_angle_gamma 90\nloop_\n_symmetry_equiv_pos_as_xyz\nx,y,z\n"
                  "x,y+1/2,z+1/2\nx+1/2,y,z+1/2\nx+1/2,y+1/2,z\nloop_\n"
                  "_atom_site_label\n_atom_site_type_symbol\n_atom_site_fract_x\n"
                  "_atom_site_fract_y\n_atom_site_fract_z\nNa1 Na 0 0 0\n"
                  "Cl1 Cl 0.5 0.5 0.5\n");
  int st;
  snprintf(args, sizeof args, "ewald %s --charges Na=1,Cl=-1 --json --per-site", cif);
  char *out = run(args, &st);
  cJSON *j = out ? cJSON_Parse(out) : NULL;
  CHECK(st == 0 && j, "nacre ewald --json runs (%d)", st);
  if (j) {
    CHECK_CLOSE(num(j, "madelung_constant"), 1.747564594633, 1e-9,
                "Madelung constant of rocksalt");
    CHECK(cJSON_GetArraySize(cJSON_GetObjectItem(j, "site_potentials_v")) == 8,
          "8 site potentials");
  }
  cJSON_Delete(j);
  free(out);
  snprintf(args, sizeof args, "ewald %s --charges Na=1", cif);
  free(run(args, &st));
  char *err = stderr_text();
  CHECK(st == 1 && err && strstr(err, "Cl"), "missing charge: status 1 naming Cl");
  free(err);
}

static const char *write_nacl(void) {
  static char cif[4096];
  snprintf(cif, sizeof cif, "%s", test_tmp_path("nacl.cif"));
  test_write_text(cif,
                  "data_NaCl\n_cell_length_a 5.64\n_cell_length_b 5.64\n"
                  "_cell_length_c 5.64\n_cell_angle_alpha 90\n_cell_angle_beta 90\n"
                  "_cell_angle_gamma 90\nloop_\n_symmetry_equiv_pos_as_xyz\nx,y,z\n"
                  "x,y+1/2,z+1/2\nx+1/2,y,z+1/2\nx+1/2,y+1/2,z\nloop_\n"
                  "_atom_site_label\n_atom_site_type_symbol\n_atom_site_fract_x\n"
                  "_atom_site_fract_y\n_atom_site_fract_z\nNa1 Na 0 0 0\n"
                  "Cl1 Cl 0.5 0.5 0.5\n");
  return cif;
}

static void test_xrd(void) {
  const char *cif = write_nacl();
  char args[16384], peaks[4096];
  snprintf(peaks, sizeof peaks, "%s", test_tmp_path("peaks.txt"));
  int st;
  snprintf(args, sizeof args, "xrd %s --json", cif);
  char *out = run(args, &st);
  cJSON *j = out ? cJSON_Parse(out) : NULL;
  CHECK(st == 0 && j, "nacre xrd --json runs (%d)", st);
  nacre_structure *s = NULL;
  nacre_xrd_pattern *p = NULL;
  if (j && !nacre_read_structure(cif, &s, NULL) &&
      !nacre_xrd_pattern_compute(s, NULL, &p, NULL)) {
    const cJSON *pk = cJSON_GetObjectItem(j, "peaks");
    CHECK(cJSON_GetArraySize(pk) == p->npeaks, "as many peaks as the library");
    char text[4096] = "2theta intensity\n";
    for (int k = 0; k < p->npeaks && k < cJSON_GetArraySize(pk); k++) {
      CHECK_CLOSE(num(cJSON_GetArrayItem(pk, k), "two_theta_deg"),
                  p->peaks[k].two_theta_deg, 1e-12, "peak position");
      snprintf(text + strlen(text), sizeof text - strlen(text), "%.4f %.3f\n",
               p->peaks[k].two_theta_deg, p->peaks[k].intensity);
    }
    test_write_text(peaks, text);
    snprintf(args, sizeof args, "xrd %s --compare %s --json", cif, peaks);
    char *o2 = run(args, &st);
    cJSON *j2 = o2 ? cJSON_Parse(o2) : NULL;
    const cJSON *c = cJSON_GetObjectItem(j2, "comparison");
    CHECK(st == 0 && c && num(c, "matched") == p->npeaks && num(c, "overlap") > 0.999,
          "--compare with its own peaks matches them all");
    cJSON_Delete(j2);
    free(o2);
  }
  nacre_xrd_pattern_free(p);
  nacre_structure_free(s);
  cJSON_Delete(j);
  free(out);
  test_write_text(peaks, "2theta intensity\n27.4 10\n31.7 oops\n");
  snprintf(args, sizeof args, "xrd %s --compare %s", cif, peaks);
  free(run(args, &st));
  char *err = stderr_text();
  CHECK(st == 1 && err && strstr(err, "peaks.txt:3"),
        "a malformed peak list names its line (%d, %s)", st, err ? err : "");
  free(err);
}

static void test_order(void) {
  const char *cif = write_nacl();
  char args[16384];
  int st;
  snprintf(args, sizeof args,
           "order %s --substitute Na:Na=1/2,vac=1/2 --cells 1:2 --charges Na=1,Cl=-1 "
           "--json",
           cif);
  char *out = run(args, &st);
  cJSON *j = out ? cJSON_Parse(out) : NULL;
  CHECK(st == 0 && j, "nacre order --json runs (%d)", st);
  nacre_structure *s = NULL;
  nacre_orderings *o = NULL;
  nacre_order_rule r = {.site_z = 11, .nspecies = 2, .z = {11, 0}, .fraction = {0.5, 0.5}};
  nacre_order_options opt;
  nacre_order_options_init(&opt);
  opt.max_cells = 2;
  if (j && !nacre_read_structure(cif, &s, NULL) &&
      !nacre_order_enumerate(s, &r, 1, &opt, NULL, &o, NULL))
    CHECK(num(j, "orderings") == nacre_orderings_count(o) && nacre_orderings_count(o) > 0,
          "as many orderings as the library (%g, %ld)", num(j, "orderings"),
          nacre_orderings_count(o));
  nacre_orderings_free(o);
  nacre_structure_free(s);
  cJSON_Delete(j);
  free(out);
  snprintf(args, sizeof args, "order %s --substitute Na:Na=1.5,vac=0.5", cif);
  free(run(args, &st));
  CHECK(st == 2, "a fraction above 1: usage error (%d)", st);
}

static cJSON *order_json(const char *args, int want_status) {
  int st;
  char *out = run(args, &st);
  cJSON *j = out ? cJSON_Parse(out) : NULL;
  CHECK(st == want_status && (want_status || j), "nacre %s: exit %d (%d)", args,
        want_status, st);
  free(out);
  return j;
}

static void test_order_disordered(void) {
  const char *head =
      "data_x\n_cell_length_a 5.64\n_cell_length_b 5.64\n_cell_length_c 5.64\n"
      "_cell_angle_alpha 90\n_cell_angle_beta 90\n_cell_angle_gamma 90\n"
      "_space_group_IT_number 225\nloop_\n_atom_site_label\n"
      "_atom_site_type_symbol\n_atom_site_fract_x\n_atom_site_fract_y\n"
      "_atom_site_fract_z\n_atom_site_occupancy\n";
  char text[4096], path[4096], args[16384];
  snprintf(path, sizeof path, "%s", test_tmp_path("disordered.cif"));
  /* half the Na sites vacant, as test_order's explicit rule */
  snprintf(text, sizeof text, "%sNa1 Na 0 0 0 0.5\nCl1 Cl .5 .5 .5 1\n", head);
  test_write_text(path, text);
  snprintf(args, sizeof args, "order %s --cells 1:2 --charges Na=1,Cl=-1 --json", path);
  cJSON *from_file = order_json(args, 0);
  snprintf(args, sizeof args,
           "order %s --substitute Na:Na=1/2,vac=1/2 --cells 1:2 --charges Na=1,Cl=-1 "
           "--json",
           write_nacl());
  cJSON *given = order_json(args, 0);
  const cJSON *rule = cJSON_GetArrayItem(cJSON_GetObjectItem(from_file, "substitute"), 0);
  CHECK(cJSON_IsString(rule) && !strcmp(rule->valuestring, "Na:Na=0.5,vac=0.5"),
        "the rule from the occupancies is printed: %s",
        cJSON_IsString(rule) ? rule->valuestring : "(none)");
  CHECK(from_file && given && num(from_file, "orderings") == num(given, "orderings") &&
            num(given, "orderings") > 0,
        "the occupancies give the orderings of the explicit rule (%g, %g)",
        num(from_file, "orderings"), num(given, "orderings"));
  cJSON_Delete(from_file);
  cJSON_Delete(given);

  /* a mixed site printed with rounded occupancies: 0.333 Na, 0.667 K */
  snprintf(text, sizeof text,
           "%sNa1 Na 0 0 0 0.333\nK1 K 0 0 0 0.667\nCl1 Cl .5 .5 .5 1\n", head);
  test_write_text(path, text);
  snprintf(args, sizeof args, "order %s --cells 3 --json", path);
  from_file = order_json(args, 0);
  snprintf(args, sizeof args, "order %s --cells 3 --json --substitute Na:K=2/3,Na=1/3",
           write_nacl());
  given = order_json(args, 0);
  rule = cJSON_GetArrayItem(cJSON_GetObjectItem(from_file, "substitute"), 0);
  CHECK(cJSON_IsString(rule) && strstr(rule->valuestring, "K:K=0.666667,Na=0.333333"),
        "K stands for the mixed site, fractions 2/3 and 1/3: %s",
        cJSON_IsString(rule) ? rule->valuestring : "(none)");
  CHECK(from_file && given && num(from_file, "orderings") == num(given, "orderings") &&
            num(given, "orderings") > 0,
        "rounded occupancies give the orderings of 2/3 and 1/3 (%g, %g)",
        num(from_file, "orderings"), num(given, "orderings"));
  cJSON_Delete(from_file);
  cJSON_Delete(given);

  snprintf(args, sizeof args, "order %s", write_nacl());
  int st;
  free(run(args, &st));
  char *err = stderr_text();
  CHECK(st == 1 && err && strstr(err, "nacl.cif") && strstr(err, "no partially occupied"),
        "an ordered CIF without --substitute is refused naming it (%d): %s", st,
        err ? err : "");
  free(err);
}

static void test_long_lines(void) {
  static char text[20000];
  char args[16384], path[4096];
  int st;
  /* xrd reads 1023 characters at a time: "#" + 1022 x, then "35 100" */
  snprintf(path, sizeof path, "%s", test_tmp_path("long_peaks.txt"));
  memset(text, 0, sizeof text);
  strcpy(text, "2theta intensity\n#");
  memset(text + strlen(text), 'x', 1022);
  strcat(text, "35 100\n27.4 10\n");
  test_write_text(path, text);
  snprintf(args, sizeof args, "xrd %s --compare %s --json", write_nacl(), path);
  free(run(args, &st));
  char *err = stderr_text();
  CHECK(st == 1 && err && strstr(err, "long_peaks.txt:2") && strstr(err, "longer"),
        "a peak list line too long is refused naming it (%d): %s", st, err ? err : "");
  free(err);
  /* a hull table line of any length is read whole: a long comment line is
   * one comment, never split into a comment and a row of its tail */
  snprintf(path, sizeof path, "%s", test_tmp_path("long_hull.csv"));
  memset(text, 0, sizeof text);
  strcpy(text, "name,formula,energy_per_atom_ev\nLi,Li,-1.9\nSn,Sn,-3.8\n#");
  memset(text + strlen(text), 'x', 8190);
  strcat(text, "LiSn,LiSn,-9\n");
  test_write_text(path, text);
  snprintf(args, sizeof args, "hull %s --json", path);
  char *out = run(args, &st);
  CHECK(st == 0 && out && strstr(out, "\"Sn\"") && !strstr(out, "LiSn"),
        "a long comment line of a hull table stays a comment (%d): %s", st,
        out ? out : "");
  free(out);
}

static void test_transitions(void) {
  char a[4096], b[4096], args[16384];
  snprintf(a, sizeof a, "%s", test_tmp_path("fcc.vasp"));
  test_write_text(a, "fcc\n1.0\n5.3 0 0\n0 5.3 0\n0 0 5.3\nAr\n4\nDirect\n"
                     "0 0 0\n0 0.5 0.5\n0.5 0 0.5\n0.5 0.5 0\n");
  snprintf(b, sizeof b, "%s", test_tmp_path("bcc.vasp"));
  test_write_text(b, "bcc\n1.0\n4.2 0 0\n0 4.2 0\n0 0 4.2\nAr\n2\nDirect\n"
                     "0 0 0\n0.5 0.5 0.5\n");
  int st;
  snprintf(args, sizeof args,
           "transitions %s %s -p lj:epsilon=0.0104,sigma=3.4,cutoff=8.5,shift=1 "
           "--pressures 0:2:1 --keep-symmetry --json",
           a, b);
  char *out = run(args, &st);
  cJSON *j = out ? cJSON_Parse(out) : NULL;
  CHECK(st == 0 && j, "nacre transitions --json runs (%d)", st);
  const cJSON *ss = cJSON_GetObjectItem(j, "structures");
  CHECK(cJSON_GetArraySize(ss) == 2 &&
            cJSON_GetArraySize(cJSON_GetObjectItem(cJSON_GetArrayItem(ss, 0),
                                                   "enthalpy_per_atom_ev")) == 3,
        "two structures at three pressures");
  cJSON_Delete(j);
  free(out);
  /* at a temperature: bcc.vasp's G = H + F_vib(500 K) = H − 1 eV/atom from a
   * thermal.csv-style table, fcc.vasp's from a table of zeros given by index */
  char fb[1024], ff[1024];
  snprintf(fb, sizeof fb, "%s", test_tmp_path("bcc_thermal.csv"));
  test_write_text(fb, "# nacre phonon thermal.csv\ntemperature_k,vibrational_free_energy_per_atom_ev\n"
                      "0,0\n1000,-2\n");
  snprintf(ff, sizeof ff, "%s", test_tmp_path("fcc_thermal.csv"));
  test_write_text(ff, "temperature_k,vibrational_free_energy_per_atom_ev\n0,0\n1000,0\n");
  snprintf(args, sizeof args,
           "transitions %s %s -p lj:epsilon=0.0104,sigma=3.4,cutoff=8.5,shift=1 "
           "--pressures 0:2:1 --keep-symmetry --temperature 500 --fvib bcc.vasp=%s --fvib 1=%s "
           "--json",
           a, b, fb, ff);
  out = run(args, &st);
  j = out ? cJSON_Parse(out) : NULL;
  CHECK(st == 0 && j, "nacre transitions --temperature --json runs (%d)", st);
  const cJSON *tk = cJSON_GetObjectItem(j, "temperature_k");
  CHECK(tk && fabs(tk->valuedouble - 500) < 1e-12, "temperature_k is 500");
  ss = cJSON_GetObjectItem(j, "structures");
  double worst = INFINITY;
  for (int i = 0; i < 2 && cJSON_GetArraySize(ss) == 2; i++) {
    const cJSON *o = cJSON_GetArrayItem(ss, i);
    const cJSON *h = cJSON_GetObjectItem(o, "enthalpy_per_atom_ev");
    const cJSON *g = cJSON_GetObjectItem(o, "gibbs_energy_per_atom_ev");
    if (i == 0) worst = 0;
    for (int k = 0; k < 3 && cJSON_GetArraySize(g) == 3; k++)
      worst = fmax(worst, fabs(cJSON_GetArrayItem(g, k)->valuedouble -
                               (cJSON_GetArrayItem(h, k)->valuedouble - (i == 1 ? 1.0 : 0.0))));
  }
  CHECK(worst < 1e-12, "gibbs_energy_per_atom_ev = enthalpy + F_vib (%g eV/atom)", worst);
  cJSON_Delete(j);
  free(out);
  snprintf(args, sizeof args,
           "transitions %s %s -p lj:epsilon=0.0104,sigma=3.4,cutoff=8.5 --pressures 0,1 "
           "--temperature 500 --fvib bcc.vasp=%s",
           a, b, fb);
  free(run(args, &st));
  char *err = stderr_text();
  CHECK(st == 1 && err && strstr(err, "fcc.vasp has no F_vib table"),
        "a structure without a table is refused naming it (%d): %s", st, err ? err : "");
  free(err);
  snprintf(args, sizeof args,
           "transitions %s -p lj:epsilon=0.0104,sigma=3.4,cutoff=8.5 --pressures 0,1 "
           "--temperature 500",
           a);
  free(run(args, &st));
  CHECK(st == 2, "--temperature without --fvib is a usage error (%d)", st);
  snprintf(args, sizeof args,
           "transitions %s -p lj:epsilon=0.0104,sigma=3.4,cutoff=8.5 --pressures 2,1", a);
  free(run(args, &st));
  err = stderr_text();
  CHECK(st == 1 && err && strstr(err, "ascend"), "descending pressures refused (%d)", st);
  free(err);
}

static void test_help(void) {
  static const char *const cmds[][4] = {
      {"hull", "--pressure", "--temperatures", "--voltage"},
      {"ewald", "--charges", "--accuracy", "--per-site"},
      {"xrd", "--wavelength", "--compare", "--fwhm"},
      {"order", "--substitute", "--cells", "--charges"},
      {"transitions", "--pressures", "--reference", "--fvib"},
  };
  for (size_t k = 0; k < sizeof cmds / sizeof cmds[0]; k++) {
    char args[256];
    int st;
    snprintf(args, sizeof args, "%s --help", cmds[k][0]);
    char *out = run(args, &st);
    int ok = st == 0 && out;
    for (int i = 1; i < 4 && ok; i++) ok = strstr(out, cmds[k][i]) != NULL;
    CHECK(ok, "nacre %s --help documents its options", cmds[k][0]);
    free(out);
  }
}

int main(void) {
  test_hull();
  test_hull_runs();
  test_ewald();
  test_xrd();
  test_order();
  test_order_disordered();
  test_long_lines();
  test_transitions();
  test_help();
  test_tmp_cleanup();
  TEST_DONE();
}
