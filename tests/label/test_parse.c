/* test_parse.c — the output readers of the ABINIT, QE and VASP drivers on
 * recorded outputs (tests/data/label): values and units against the
 * human-readable copies the codes print themselves (ABINIT's eV/Å forces and
 * GPa stress, pw.x's kbar column, VASP's external pressure), the stress sign
 * convention (ASE: positive = tensile), convergence flags, and failure
 * cases: unconverged SCF, truncated outputs (every prefix), missing stress;
 * and a mutation fuzzer (bytes, lines and numbers changed): never a crash,
 * never an OK result holding a non-finite number. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "label/label_internal.h"
#include "nacre/io.h"
#include "nacre/label.h"
#include "testing.h"

static char *load(const char *rel) {
  char *text = NULL;
  nacre_error err;
  if (label_read_file(test_source_path(rel), &text, NULL, &err)) {
    printf("cannot read %s: %s\n", rel, err.message);
    exit(1);
  }
  return text;
}

static double pressure_gpa(const nacre_label_result *r) {
  return -(r->stress_ev_a3[0] + r->stress_ev_a3[1] + r->stress_ev_a3[2]) /
         3 * NACRE_EV_A3_TO_GPA;
}

typedef nacre_status (*parser)(const char *, const char *, int,
                               nacre_label_result *, nacre_error *);

/* Every prefix of a good output (a run killed at any moment) must give a
 * parse error or "not converged" — never a crash, and never OK unless the
 * prefix holds all the numbers. Returns the number of OK prefixes. */
static int truncation_sweep(parser parse, const char *text, int natoms,
                            size_t step, size_t *first_ok) {
  size_t len = strlen(text);
  char *copy = malloc(len + 1);
  int ok = 0;
  *first_ok = len + 1;
  for (size_t cut = 0; cut < len; cut += step) {
    memcpy(copy, text, cut);
    copy[cut] = '\0';
    nacre_label_result r;
    nacre_label_result_init(&r);
    nacre_error err;
    nacre_status st = parse(copy, "prefix", natoms, &r, &err);
    CHECK(st == NACRE_OK || st == NACRE_ERR_PARSE ||
              st == NACRE_ERR_NOT_CONVERGED,
          "prefix of %zu bytes: unexpected status %s", cut,
          nacre_status_name(st));
    if (st == NACRE_OK) {
      ok++;
      if (cut < *first_ok) *first_ok = cut;
    }
    nacre_label_result_clear(&r);
  }
  free(copy);
  return ok;
}

/* Text with 1-3 random edits: a byte replaced, a line deleted or repeated,
 * a number replaced by nan / inf / 1e999 / "-" / "1.2.3" / a 20-digit
 * integer. Returns malloc'd text. */
static char *mutate(const char *text, nacre_rng *rng) {
  size_t len = strlen(text);
  char *t = malloc(len + 1);
  memcpy(t, text, len + 1);
  int edits = 1 + nacre_rng_int(rng, 3);
  for (int e = 0; e < edits && len > 0; e++) {
    size_t at = (size_t)nacre_rng_int(rng, (int)len);
    size_t ls = at, le = at; /* the line holding `at`: [ls, le) */
    while (ls > 0 && t[ls - 1] != '\n') ls--;
    while (le < len && t[le] != '\n') le++;
    if (le < len) le++;
    int kind = nacre_rng_int(rng, 4);
    if (kind == 0) {
      const char pool[] = "0123456789.-+eEdD \t\nxX=:";
      t[at] = pool[nacre_rng_int(rng, (int)sizeof pool - 1)];
    } else if (kind == 1) { /* delete the line */
      memmove(t + ls, t + le, len - le + 1);
      len -= le - ls;
    } else if (kind == 2) { /* repeat the line */
      char *u = malloc(len + (le - ls) + 1);
      memcpy(u, t, le);
      memcpy(u + le, t + ls, le - ls);
      memcpy(u + le + (le - ls), t + le, len - le + 1);
      free(t);
      t = u;
      len += le - ls;
    } else { /* replace the number at or after `at` */
      size_t a = at;
      while (a < len && !(t[a] >= '0' && t[a] <= '9')) a++;
      if (a == len) continue;
      size_t b = a;
      while (b < len && strchr("0123456789.eEdD+-", t[b])) b++;
      const char *bad[] = {"nan", "inf", "1e999", "-", "1.2.3",
                           "99999999999999999999"};
      const char *w = bad[nacre_rng_int(rng, 6)];
      size_t wl = strlen(w);
      char *u = malloc(len - (b - a) + wl + 1);
      memcpy(u, t, a);
      memcpy(u + a, w, wl);
      memcpy(u + a + wl, t + b, len - b + 1);
      free(t);
      t = u;
      len = len - (b - a) + wl;
    }
  }
  return t;
}

static int all_finite(const nacre_label_result *r, int natoms) {
  int ok = isfinite(r->energy_ev) && isfinite(r->free_energy_ev);
  for (int k = 0; k < 6; k++) ok &= isfinite(r->stress_ev_a3[k]) != 0;
  for (int k = 0; r->forces_ev_a && k < 3 * natoms; k++)
    ok &= isfinite(r->forces_ev_a[k]) != 0;
  return ok;
}

/* `n` mutated copies of a good output: each must parse as OK with finite
 * numbers, or fail with a status and a message. */
static void mutation_fuzz(parser parse, const char *text, int natoms, int n,
                          uint64_t seed, const char *what) {
  /* NACRE_FUZZ_ROUNDS overrides n for a long run (as in tests/io) */
  if (getenv("NACRE_FUZZ_ROUNDS")) n = atoi(getenv("NACRE_FUZZ_ROUNDS"));
  if (getenv("NACRE_FUZZ_SEED"))
    seed += strtoull(getenv("NACRE_FUZZ_SEED"), NULL, 10);
  nacre_rng rng;
  nacre_rng_init(&rng, seed, 0);
  int bad_status = 0, garbage = 0, silent = 0, ok = 0;
  for (int i = 0; i < n; i++) {
    char *t = mutate(text, &rng);
    nacre_label_result r;
    nacre_label_result_init(&r);
    nacre_error err;
    nacre_error_clear(&err);
    nacre_status st = parse(t, "fuzz", natoms, &r, &err);
    if (st == NACRE_OK) {
      ok++;
      garbage += !all_finite(&r, natoms);
    } else if (st == NACRE_ERR_PARSE || st == NACRE_ERR_NOT_CONVERGED) {
      silent += !err.message[0];
    } else {
      bad_status++;
    }
    nacre_label_result_clear(&r);
    free(t);
  }
  CHECK(bad_status == 0, "%s fuzz: %d unexpected statuses", what, bad_status);
  CHECK(garbage == 0, "%s fuzz: %d OK results with non-finite numbers", what,
        garbage);
  CHECK(silent == 0, "%s fuzz: %d failures without a message", what, silent);
  CHECK(ok > 0 && ok < n, "%s fuzz: %d of %d mutants parse (some edits "
        "must be harmless, some fatal)", what, ok, n);
}

static void test_abinit(void) {
  char *text = load("tests/data/label/abinit-na2.abo");
  nacre_label_result r;
  nacre_label_result_init(&r);
  nacre_error err;
  CHECK_OK(nacre_abinit_parse(text, "abinit-na2.abo", 2, &r, &err), &err);
  CHECK(r.converged == 1 && r.scf_steps == 8, "converged in 8 SCF steps (%d, %d)",
        r.converged, r.scf_steps);
  CHECK(!strcmp(r.code_version, "ABINIT 9.6.2"), "version '%s'", r.code_version);
  CHECK_CLOSE(r.wall_s, 2.5, 1e-9, "Proc. 0 wall time (s)");
  CHECK_CLOSE(r.cpu_s, 2.5, 1e-9, "Proc. 0 cpu time (s)");
  /* etotal −95.9396402790 Ha; ABINIT prints etotal_eV... as YAML only in
   * the full file, so the check is the CODATA conversion */
  CHECK_CLOSE(r.energy_ev, -95.939640279 * 27.211386245988, 1e-6,
              "energy eV = etotal Ha × 27.211386");
  CHECK_CLOSE(r.free_energy_ev, r.energy_ev, 0, "free energy = etotal");
  /* ABINIT's own table "cartesian forces (eV/Angstrom) at end" of the same
   * run (14 digits): our Ha/Bohr → eV/Å conversion must reproduce it */
  const double f_ev[6] = {0.04921151817769,  -0.09374826469880,
                          -0.03090198466436, -0.04921151817769,
                          0.09374826469880,  0.03090198466436};
  /* ABINIT 9.6 converts with older CODATA constants (Ha/Bohr in eV/Å
   * differs by 8e-8 relative), hence 2e-7 relative */
  for (int k = 0; k < 6; k++)
    CHECK_CLOSE(r.forces_ev_a[k], f_ev[k], 2e-7 * fabs(f_ev[k]),
                "force vs ABINIT eV/A table");
  /* "-Cartesian components of stress tensor (GPa)" of the same run, 9
   * digits, same sign as strten; pressure 40.982 GPa, positive = the cell
   * pushes out, so the ASE stress is negative (compressed cell) */
  const double s_gpa[6] = {-39.7859024, -41.7988076, -41.3608332,
                           -1.33641971, -0.307186415, -1.68437697};
  for (int k = 0; k < 6; k++)
    CHECK_CLOSE(r.stress_ev_a3[k] * NACRE_EV_A3_TO_GPA, s_gpa[k],
                2e-7 * fabs(s_gpa[k]) + 1e-7, "stress GPa vs ABINIT GPa table");
  CHECK_CLOSE(pressure_gpa(&r), 40.982, 5e-4, "pressure = -tr(stress)/3");
  CHECK(r.stress_ev_a3[0] < 0, "compressed cell: ASE stress negative");
  nacre_label_result_clear(&r);

  /* failure: a missing strten (optstress 0) is a parse error naming it */
  char *nostress = strdup(text);
  char *s = strstr(nostress, "           strten");
  memcpy(s + 11, "xxxxxx", 6);
  nacre_label_result_init(&r);
  CHECK(nacre_abinit_parse(nostress, "nostress.abo", 2, &r, &err) ==
                NACRE_ERR_PARSE &&
            strstr(err.message, "strten"),
        "missing stress reported: %s", err.message);
  nacre_label_result_clear(&r);
  free(nostress);

  /* failure: wrong number of atoms (forces rows) */
  nacre_label_result_init(&r);
  CHECK(nacre_abinit_parse(text, "x.abo", 3, &r, &err) == NACRE_ERR_PARSE,
        "3 atoms expected, 2 force rows: parse error");
  nacre_label_result_clear(&r);

  size_t first_ok;
  mutation_fuzz(nacre_abinit_parse, text, 2, 3000, 1, "ABINIT");
  int ok = truncation_sweep(nacre_abinit_parse, text, 2, 61, &first_ok);
  const char *strten = strstr(text, "           strten");
  CHECK(ok > 0 && first_ok > (size_t)(strten - text),
        "no prefix before strten parses as OK (first OK at %zu, strten at %zu)",
        first_ok, (size_t)(strten - text));
  free(text);

  /* failure: recorded run with nstep 3 — results printed, SCF not
   * converged: must be refused (the result is filled for inspection) */
  text = load("tests/data/label/abinit-na2-unconverged.abo");
  nacre_label_result_init(&r);
  nacre_status st = nacre_abinit_parse(text, "unconv.abo", 2, &r, &err);
  CHECK(st == NACRE_ERR_NOT_CONVERGED, "unconverged ABINIT: %s",
        nacre_status_name(st));
  CHECK(r.converged == 0 && r.scf_steps == 3 && r.has_energy,
        "unconverged: flag 0, 3 steps (%d), numbers kept for inspection",
        r.scf_steps);
  nacre_label_result_clear(&r);
  free(text);
}

static void test_qe(void) {
  char *text = load("tests/data/label/qe-li2.pwo");
  nacre_label_result r;
  nacre_label_result_init(&r);
  nacre_error err;
  CHECK_OK(nacre_qe_parse(text, "qe-li2.pwo", 2, &r, &err), &err);
  CHECK(r.converged && r.scf_steps == 6, "converged in 6 (%d)", r.scf_steps);
  CHECK(!strcmp(r.code_version, "QE 6.7MaX"), "version '%s'", r.code_version);
  CHECK_CLOSE(r.wall_s, 1.54, 1e-9, "PWSCF WALL");
  CHECK_CLOSE(r.cpu_s, 0.96, 1e-9, "PWSCF CPU");
  CHECK_CLOSE(r.energy_ev, -29.85138649 * 13.605693122994, 1e-6,
              "energy eV = Ry × 13.6057");
  /* Ry/Bohr → eV/Å: × 13.605693123 / 0.529177210903 = 25.7110336 */
  CHECK_CLOSE(r.forces_ev_a[0], 0.00362504 * 25.7110336, 1e-8, "Fx atom 1");
  CHECK_CLOSE(r.forces_ev_a[4], 0.00833333 * 25.7110336, 1e-8, "Fy atom 2");
  /* pw.x prints the same stress in kbar (positive = compressive) in the
   * right-hand columns: xx 423.50, yy 422.35, zz 417.25, xy 1.82, yz 5.12,
   * xz -0.11 kbar. ASE sign: negated. */
  const double kbar[6] = {423.50, 422.35, 417.25, 5.12, -0.11, 1.82};
  for (int k = 0; k < 6; k++)
    CHECK_CLOSE(r.stress_ev_a3[k] * NACRE_EV_A3_TO_GPA * 10, -kbar[k], 0.006,
                "stress vs pw.x kbar column (2 decimals printed)");
  CHECK_CLOSE(pressure_gpa(&r) * 10, 421.03, 0.01, "P = 421.03 kbar");
  nacre_label_result_clear(&r);

  /* long runs print minutes and hours */
  char *longrun = strdup(text);
  char *tl = strstr(longrun, "0.96s CPU      1.54s WALL");
  memcpy(tl, "1m 2.5s CPU    1h 2m WALL", 25);
  nacre_label_result_init(&r);
  CHECK_OK(nacre_qe_parse(longrun, "long.pwo", 2, &r, &err), &err);
  CHECK_CLOSE(r.cpu_s, 62.5, 1e-9, "1m 2.5s CPU");
  CHECK_CLOSE(r.wall_s, 3720, 1e-9, "1h 2m WALL");
  nacre_label_result_clear(&r);
  free(longrun);

  /* failure: tstress = .false. (no stress block) */
  char *nostress = strdup(text);
  memcpy(strstr(nostress, "total   stress"), "xxxxx", 5);
  nacre_label_result_init(&r);
  CHECK(nacre_qe_parse(nostress, "nostress.pwo", 2, &r, &err) ==
                NACRE_ERR_PARSE && strstr(err.message, "no stress"),
        "missing QE stress reported: %s", err.message);
  nacre_label_result_clear(&r);
  free(nostress);

  size_t first_ok;
  mutation_fuzz(nacre_qe_parse, text, 2, 3000, 2, "pw.x");
  int ok = truncation_sweep(nacre_qe_parse, text, 2, 37, &first_ok);
  const char *stress = strstr(text, "total   stress");
  CHECK(ok > 0 && first_ok > (size_t)(stress - text) + 300,
        "no prefix without the 3 stress rows parses (first OK at %zu)",
        first_ok);
  free(text);

  text = load("tests/data/label/qe-li2-unconverged.pwo");
  nacre_label_result_init(&r);
  nacre_status st = nacre_qe_parse(text, "qe-unconv", 2, &r, &err);
  CHECK(st == NACRE_ERR_NOT_CONVERGED && r.scf_steps == 3 && !r.converged,
        "unconverged pw.x (electron_maxstep 3): %s, %d steps",
        nacre_status_name(st), r.scf_steps);
  nacre_label_result_clear(&r);
  free(text);
}

static void test_vasp(void) {
  char *text = load("tests/data/label/vasp-na2.OUTCAR");
  nacre_label_result r;
  nacre_label_result_init(&r);
  nacre_error err;
  CHECK_OK(nacre_vasp_parse_outcar(text, "OUTCAR", 2, &r, &err), &err);
  CHECK(r.converged && r.scf_steps == 12, "converged, 12 steps (%d)",
        r.scf_steps);
  CHECK(!strcmp(r.code_version, "VASP 6.3.0"), "version '%s'", r.code_version);
  CHECK_CLOSE(r.energy_ev, -2.61234567, 1e-12, "TOTEN (the final one)");
  CHECK_CLOSE(r.forces_ev_a[1], -0.023456, 1e-12, "Fy atom 1");
  CHECK_CLOSE(r.forces_ev_a[5], -0.005, 1e-12, "Fz atom 2");
  CHECK_CLOSE(r.wall_s, 5.2, 1e-12, "Elapsed time");
  CHECK_CLOSE(r.cpu_s, 5.0, 1e-12, "Total CPU time used");
  /* VASP XX YY ZZ XY YZ ZX = 421 420 418 1.5 2.5 -0.5 kB, compressive
   * positive → Voigt xx yy zz yz xz xy, tensile positive */
  const double kb[6] = {421, 420, 418, 2.5, -0.5, 1.5};
  for (int k = 0; k < 6; k++)
    CHECK_CLOSE(r.stress_ev_a3[k], -kb[k] * 0.1 / 160.2176634, 1e-12,
                "stress order and sign");
  CHECK_CLOSE(pressure_gpa(&r) * 10, 419.67, 0.005, "external pressure kB");
  /* the io module's OUTCAR reader is written independently: same numbers */
  nacre_frame *frames = NULL;
  int nframes = 0;
  nacre_status ost = nacre_outcar_read(
      test_source_path("tests/data/label/vasp-na2.OUTCAR"), &frames, &nframes, &err);
  CHECK(ost == NACRE_OK && nframes >= 1, "io OUTCAR reader: %s",
        ost ? err.message : "ok");
  if (ost == NACRE_OK && nframes >= 1) {
    const nacre_frame *last = &frames[nframes - 1];
    CHECK_CLOSE(last->free_energy, r.free_energy_ev, 1e-9, "TOTEN vs io reader");
    for (int k = 0; k < 6; k++) {
      CHECK_CLOSE(last->forces[k], r.forces_ev_a[k], 1e-9, "forces vs io reader");
      CHECK_CLOSE(last->stress[k], r.stress_ev_a3[k], 1e-9, "stress vs io reader");
    }
  }
  for (int k = 0; k < nframes; k++) nacre_frame_clear(&frames[k]);
  free(frames);

  nacre_label_result vr;
  nacre_label_result_init(&vr);
  char *xml = load("tests/data/label/vasp-na2.vasprun.xml");
  CHECK_OK(nacre_vasp_parse_vasprun(xml, "vasprun.xml", 2, &vr, &err), &err);
  CHECK(vr.converged && vr.scf_steps == 12, "vasprun: 12 scsteps < NELM");
  CHECK_CLOSE(vr.energy_ev, r.energy_ev, 1e-12, "vasprun energy = OUTCAR");
  for (int k = 0; k < 6; k++) {
    CHECK_CLOSE(vr.forces_ev_a[k], r.forces_ev_a[k], 1e-12, "vasprun forces");
    CHECK_CLOSE(vr.stress_ev_a3[k], r.stress_ev_a3[k], 1e-12, "vasprun stress");
  }
  CHECK(!strcmp(vr.code_version, "VASP 6.3.0"), "vasprun version '%s'",
        vr.code_version);
  CHECK_CLOSE(vr.wall_s, 5.2, 1e-12, "vasprun totalsc wall");
  CHECK_CLOSE(vr.cpu_s, 5.0, 1e-12, "vasprun totalsc cpu");
  nacre_label_result_clear(&vr);
  nacre_label_result_clear(&r);

  /* failure: ISIF = 0 (no "in kB" line) */
  char *nostress = strdup(text);
  memcpy(strstr(nostress, "  in kB"), "  xx", 4);
  nacre_label_result_init(&r);
  CHECK(nacre_vasp_parse_outcar(nostress, "OUTCAR", 2, &r, &err) ==
                NACRE_ERR_PARSE && strstr(err.message, "in kB"),
        "missing VASP stress reported: %s", err.message);
  nacre_label_result_clear(&r);
  free(nostress);

  size_t first_ok;
  mutation_fuzz(nacre_vasp_parse_outcar, text, 2, 3000, 3, "OUTCAR");
  mutation_fuzz(nacre_vasp_parse_vasprun, xml, 2, 3000, 4, "vasprun.xml");
  truncation_sweep(nacre_vasp_parse_outcar, text, 2, 29, &first_ok);
  const char *toten = strstr(text, "free  energy   TOTEN");
  CHECK(first_ok > (size_t)(toten - text), "no OUTCAR prefix before TOTEN is OK");
  truncation_sweep(nacre_vasp_parse_vasprun, xml, 2, 23, &first_ok);
  const char *fe = strstr(xml, "<energy>\n   <i name=\"e_fr_energy\">");
  CHECK(first_ok > (size_t)(fe - xml), "no vasprun prefix before the final energy is OK");
  free(xml);
  free(text);

  text = load("tests/data/label/vasp-na2-unconverged.OUTCAR");
  nacre_label_result_init(&r);
  nacre_status st = nacre_vasp_parse_outcar(text, "unconv", 2, &r, &err);
  CHECK(st == NACRE_ERR_NOT_CONVERGED && r.scf_steps == 60,
        "OUTCAR without 'EDIFF is reached' (60 steps): %s",
        nacre_status_name(st));
  nacre_label_result_clear(&r);
  free(text);
}

int main(void) {
  test_abinit();
  test_qe();
  test_vasp();
  TEST_DONE();
}
