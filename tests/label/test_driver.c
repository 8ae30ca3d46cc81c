/* test_driver.c — everything around the DFT codes, without running one:
 * template rendering (unknown and unused placeholders are errors),
 * k-point grids, structure identities, the input writers, the external
 * command runner (exit codes, time limit), and resumable batches driven by
 * a stand-in "code" that copies recorded outputs: skipping done labels,
 * repairing a frame cut by a kill, recording failures and never writing
 * them as labels; set-up errors that stop a batch. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "label/label_internal.h"
#include "nacre/io.h"
#include "nacre/label.h"
#include "testing.h"

static nacre_structure *na2(double shift) {
  nacre_structure *s = nacre_structure_new(2, NULL);
  const double cell[3][3] = {{3.05, 0.03, 0}, {0, 3.02, 0.04}, {0.02, 0, 3.04}};
  memcpy(s->cell, cell, sizeof cell);
  s->numbers[0] = s->numbers[1] = 11;
  const double x[6] = {0, 0, 0, 1.55 + shift, 1.49, 1.53};
  memcpy(s->positions, x, sizeof x);
  return s;
}

static void test_render(void) {
  const char *keys[] = {"A", "BB_2"};
  const char *vals[] = {"1", "two"};
  char *out;
  nacre_error err;
  CHECK_OK(nacre_label_render("x {A} y {BB_2} {A} {not} {}", "t", keys, vals,
                              2, NULL, &out, &err),
           &err);
  CHECK(!strcmp(out, "x 1 y two 1 {not} {}"), "rendered '%s'", out);
  free(out);
  CHECK(nacre_label_render("a\nb {C}\n", "tmpl", keys, vals, 2, NULL, &out,
                           &err) == NACRE_ERR_PARSE &&
            strstr(err.message, "tmpl:2") && strstr(err.message, "{C}"),
        "unknown placeholder names file:line: %s", err.message);
  int required[2] = {0, 1};
  CHECK(nacre_label_render("{A}", "tmpl", keys, vals, 2, required, &out,
                           &err) == NACRE_ERR_INVALID &&
            strstr(err.message, "{BB_2}"),
        "an option whose placeholder is missing is an error: %s", err.message);
}

static void test_kgrid(void) {
  /* cubic a = 3 Å: |b| 2π = 2.0944 /Å; spacing 0.25 → ceil(8.38) = 9 */
  double cell[3][3] = {{3, 0, 0}, {0, 3, 0}, {0, 0, 3}};
  int n[3];
  nacre_label_kgrid(cell, 0.25, n);
  CHECK(n[0] == 9 && n[1] == 9 && n[2] == 9, "cubic 3 Å: %d %d %d", n[0], n[1], n[2]);
  /* exact multiple: a = 2π/(4·0.5) → 4, not 5 */
  double a = 2 * NACRE_PI / 2.0;
  double c2[3][3] = {{a, 0, 0}, {0, 2 * a, 0}, {0, 0, 100}};
  nacre_label_kgrid(c2, 0.5, n);
  CHECK(n[0] == 4 && n[1] == 2 && n[2] == 1, "exact multiples: %d %d %d", n[0],
        n[1], n[2]);
}

static void test_identity(void) {
  nacre_structure *a = na2(0), *b = na2(0), *c = na2(1e-4);
  CHECK(nacre_label_structure_hash(a) == nacre_label_structure_hash(b),
        "same structure, same hash");
  CHECK(nacre_label_structure_hash(a) != nacre_label_structure_hash(c),
        "a 1e-4 Å move changes the hash");
  b->positions[3] += 1e-9; /* below the printed precision */
  CHECK(nacre_label_structure_hash(a) == nacre_label_structure_hash(b),
        "1e-9 Å noise does not");
  char id[40];
  nacre_label_id(7, a, id);
  CHECK(!strncmp(id, "7-", 2) && strlen(id) == 18, "id '%s'", id);
  nacre_structure_free(a), nacre_structure_free(b), nacre_structure_free(c);
}

static void test_inputs(void) {
  nacre_structure *s = na2(0);
  nacre_label_options opt;
  nacre_label_options_init(&opt, NACRE_LABEL_ABINIT);
  char *text = NULL;
  nacre_error err;
  if (access("/usr/share/abinit/psp/Pseudodojo_paw_pbe_standard/Na.xml", R_OK) == 0) {
    CHECK_OK(nacre_abinit_input(&opt, s, &text, &err), &err);
    /* Na JTH: 9 valence electrons; nband = ceil(0.6·18) + 4 = 15; ecut
     * 24 Ha; k: |b| ≈ 2π/3.05 → ceil(2.06/0.25) = 9 */
    CHECK(text && strstr(text, "nband 15\n"), "nband 15");
    CHECK(text && strstr(text, "ecut 24.0000 "), "default ecut 24 Ha");
    CHECK(text && strstr(text, "ngkpt 9 9 9\n"), "ngkpt 9 9 9");
    CHECK(text && strstr(text, "Pseudodojo_paw_pbe_standard/Na.xml"),
          "PseudoDojo Na found");
    CHECK(text && !strstr(text, "usexcnhat"), "no usexcnhat for JTH");
    free(text);
    /* a user template without {ECUT} while --ecut is given */
    char path[] = "/tmp/nacre-test-tmplXXXXXX";
    int fd = mkstemp(path);
    const char *t = "natom {NATOM}\nxcart\n{XCART}\necut 10\n";
    CHECK(write(fd, t, strlen(t)) == (ssize_t)strlen(t), "write template");
    close(fd);
    opt.template_path = path;
    CHECK_OK(nacre_abinit_input(&opt, s, &text, &err), &err);
    CHECK(text && strstr(text, "natom 2\n"), "user template rendered");
    free(text);
    opt.ecut_ev = 300;
    CHECK(nacre_abinit_input(&opt, s, &text, &err) == NACRE_ERR_INVALID &&
              strstr(err.message, "{ECUT}"),
          "--ecut with a template lacking {ECUT}: %s", err.message);
    unlink(path);
    opt.template_path = NULL;
    opt.ecut_ev = 0;
    /* Li has no PseudoDojo PAW here: the AtomPAW file, with usexcnhat 0
     * (mixing it with JTH Na aborts otherwise); nband from 9 + 3 electrons
     * = ceil(7.2) + 4 = 12 */
    s->numbers[1] = 3;
    CHECK_OK(nacre_abinit_input(&opt, s, &text, &err), &err);
    CHECK(text && strstr(text, "Pseudodojo_paw_pbe_standard/Na.xml, li.PBE.atompaw.paw") &&
              strstr(text, "usexcnhat 0") && strstr(text, "znucl 11 3\n") &&
              strstr(text, "typat 1 2\n") && strstr(text, "nband 12\n"),
          "Na+Li input");
    free(text);
    /* an element without any dataset */
    s->numbers[1] = 55;
    CHECK(nacre_abinit_input(&opt, s, &text, &err) == NACRE_ERR_IO &&
              strstr(err.message, "Cs"),
          "missing dataset named: %s", err.message);
    s->numbers[1] = 11;
  } else {
    printf("note: abinit-data absent, ABINIT input checks skipped\n");
  }
  /* QE: pseudopotential chosen from a folder (override for Na, which the
   * Debian set lacks) and units Ry */
  nacre_label_options_init(&opt, NACRE_LABEL_QE);
  opt.pseudo_dir = "/nonexistent";
  opt.pseudo_files = "Na=Na.pbe-spn-kjpaw.UPF";
  opt.ecut_ev = 40 * NACRE_RYDBERG_EV;
  CHECK_OK(nacre_qe_input(&opt, s, &text, &err), &err);
  CHECK(text && strstr(text, "ecutwfc = 40.0000\n") &&
            strstr(text, "ecutrho = 320.0000\n"),
        "QE cutoffs in Ry (8x density)");
  CHECK(text && strstr(text, "Na 22.9898 Na.pbe-spn-kjpaw.UPF"), "species line");
  CHECK(text && strstr(text, "  Na 1.5500000000 1.4900000000 1.5300000000"),
        "positions in Å");
  free(text);
  /* VASP: POSCAR groups species, POTCARs concatenated from a folder */
  char dir[] = "/tmp/nacre-test-vaspXXXXXX";
  CHECK(mkdtemp(dir) != NULL, "mkdtemp");
  char pot[256], path[300];
  snprintf(pot, sizeof pot, "%s/pots", dir);
  mkdir(pot, 0755);
  snprintf(path, sizeof path, "%s/Na_pv", pot);
  mkdir(path, 0755);
  snprintf(path, sizeof path, "%s/Na_pv/POTCAR", pot);
  label_write_file(path, "PAW_PBE Na_pv fake\nEnd of Dataset\n", &err);
  nacre_label_options_init(&opt, NACRE_LABEL_VASP);
  opt.pseudo_dir = pot;
  CHECK_OK(nacre_vasp_write_inputs(&opt, s, dir, &err), &err);
  snprintf(path, sizeof path, "%s/POTCAR", dir);
  char *potcar = NULL;
  label_read_file(path, &potcar, NULL, &err);
  CHECK(potcar && !strcmp(potcar, "PAW_PBE Na_pv fake\nEnd of Dataset\n"),
        "POTCAR from Na_pv");
  free(potcar);
  snprintf(path, sizeof path, "%s/INCAR", dir);
  char *incar = NULL;
  label_read_file(path, &incar, NULL, &err);
  CHECK(incar && strstr(incar, "ENCUT = 400.00\n") && strstr(incar, "ISIF = 2"),
        "INCAR defaults");
  free(incar);
  snprintf(path, sizeof path, "%s/KPOINTS", dir);
  char *kp = NULL;
  label_read_file(path, &kp, NULL, &err);
  CHECK(kp && strstr(kp, "Gamma\n 9 9 9\n"), "KPOINTS Γ 9 9 9");
  free(kp);
  char cmd[400];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  CHECK(system(cmd) == 0, "cleanup");
  nacre_structure_free(s);
}

static void test_exec(void) {
  nacre_ctx ctx;
  nacre_ctx_init(&ctx);
  int code;
  nacre_error err;
  CHECK_OK(nacre_label_exec("echo hi; exit 3", "/tmp", "/dev/null", 0, &ctx,
                            &code, &err),
           &err);
  CHECK(code == 3, "exit status passed through (%d)", code);
  nacre_status st =
      nacre_label_exec("sleep 20", "/tmp", "/dev/null", 0.3, &ctx, &code, &err);
  CHECK(st == NACRE_ERR_EXTERNAL && strstr(err.message, "time limit"),
        "time limit kills the command: %s", err.message);
  CHECK(code == 128 + 15, "killed by SIGTERM (%d)", code);
}

static int count_frames(const char *path) {
  char **ids;
  int n;
  nacre_error err;
  if (nacre_label_scan_done(path, 0, &ids, &n, &err)) return -1;
  nacre_label_free_ids(ids, n);
  return n;
}

static void test_batch(void) {
  char dir[] = "/tmp/nacre-test-batchXXXXXX";
  CHECK(mkdtemp(dir) != NULL, "mkdtemp");
  char out[300], failed[300], good[1200], bad[1200];
  snprintf(out, sizeof out, "%s/out.xyz", dir);
  snprintf(failed, sizeof failed, "%s/out.xyz.failed", dir);
  /* stand-in codes: copy a recorded output into place (the driver appends
   * the input name, which `true` swallows) */
  snprintf(good, sizeof good, "cp '%s' label.abo; true",
           test_source_path("tests/data/label/abinit-na2.abo"));
  snprintf(bad, sizeof bad, "cp '%s' label.abo; true",
           test_source_path("tests/data/label/abinit-na2-unconverged.abo"));
  nacre_label_options opt;
  nacre_label_options_init(&opt, NACRE_LABEL_ABINIT);
  opt.workdir = dir;
  opt.pseudo_dir = getenv("NACRE_TEST_PSP"); /* NULL: default */
  if (access("/usr/share/abinit/psp/Pseudodojo_paw_pbe_standard/Na.xml", R_OK) &&
      !opt.pseudo_dir) {
    printf("note: abinit-data absent, batch checks skipped\n");
    return;
  }
  opt.command = good;
  nacre_structure *s[4] = {na2(0), na2(0.01), na2(0.02), na2(0.03)};
  nacre_ctx ctx;
  nacre_ctx_init(&ctx);
  nacre_label_summary sum;
  nacre_error err;
  CHECK_OK(nacre_label_batch(&opt, s, NULL, 3, out, failed, 2, 0, &sum, &ctx, &err), &err);
  CHECK(sum.done == 3 && sum.failed == 0 && count_frames(out) == 3,
        "3 labelled (%d), 3 frames", sum.done);
  CHECK_OK(nacre_label_batch(&opt, s, NULL, 3, out, failed, 1, 0, &sum, &ctx, &err), &err);
  CHECK(sum.done == 0 && sum.skipped == 3 && count_frames(out) == 3,
        "rerun: all 3 skipped, nothing appended");

  /* a kill in the middle of a write leaves half a frame: the next run cuts
   * it off and labels that structure again */
  char **before, **after;
  int nbefore, nafter;
  nacre_label_scan_done(out, 0, &before, &nbefore, &err);
  char *text;
  size_t len;
  label_read_file(out, &text, &len, &err);
  free(text);
  CHECK(truncate(out, (off_t)(len - 40)) == 0, "truncate");
  CHECK(count_frames(out) == -1, "scan without repair reports the cut frame");
  CHECK_OK(nacre_label_batch(&opt, s, NULL, 3, out, failed, 1, 0, &sum, &ctx, &err), &err);
  CHECK(sum.done == 1 && sum.skipped == 2, "one relabelled (%d), two skipped (%d)",
        sum.done, sum.skipped);
  nacre_label_scan_done(out, 0, &after, &nafter, &err);
  CHECK(nafter == 3 && nbefore == 3 && !strcmp(before[0], after[0]) &&
            !strcmp(before[1], after[1]) && !strcmp(before[2], after[2]),
        "repaired file holds the same 3 labels in the same order");
  nacre_label_free_ids(before, nbefore);
  nacre_label_free_ids(after, nafter);

  /* damage that a kill cannot make is reported, never cut: a copy of the
   * output with a stray line after frame 1, and one whose first count is
   * too large (its atom lines run to the end, over the other frames) */
  {
    char *good = NULL, **dids = NULL;
    size_t glen = 0;
    int dn = 0;
    label_read_file(out, &good, &glen, &err);
    char *second = good ? strstr(strchr(good, '\n') + 1, "\n2\n") : NULL;
    CHECK(second != NULL, "frame 2 found in the output");
    if (second) {
      size_t at = (size_t)(second - good) + 1;
      char bad1[300], bad2[300], blank[300];
      snprintf(bad1, sizeof bad1, "%s/stray.xyz", dir);
      snprintf(bad2, sizeof bad2, "%s/count.xyz", dir);
      snprintf(blank, sizeof blank, "%s/blank.xyz", dir);
      FILE *f = fopen(bad1, "w");
      fwrite(good, 1, at, f);
      fputs("this line is not a frame\n", f);
      fwrite(good + at, 1, glen - at, f);
      fclose(f);
      f = fopen(bad2, "w");
      fputs("40", f);
      fwrite(good + 1, 1, glen - 1, f);
      fclose(f);
      f = fopen(blank, "w"); /* blank lines between frames are fine */
      fwrite(good, 1, at, f);
      fputs("\n  \n", f);
      fwrite(good + at, 1, glen - at, f);
      fclose(f);
      const char *bad[2] = {bad1, bad2};
      for (int b = 0; b < 2; b++) {
        struct stat st0, st1;
        stat(bad[b], &st0);
        nacre_status rs = nacre_label_scan_done(bad[b], 1, &dids, &dn, &err);
        stat(bad[b], &st1);
        CHECK(rs == NACRE_ERR_PARSE && st1.st_size == st0.st_size,
              "damaged output %d: error (%s), file left whole", b, err.message);
      }
      CHECK_OK(nacre_label_scan_done(blank, 1, &dids, &dn, &err), &err);
      CHECK(dn == 3, "blank lines between frames: 3 ids (%d)", dn);
      nacre_label_free_ids(dids, dn);
    }
    free(good);
  }

  /* an unconverged SCF is recorded as a failure, never as a label */
  opt.command = bad;
  CHECK_OK(nacre_label_batch(&opt, s, NULL, 4, out, failed, 1, 0, &sum, &ctx, &err), &err);
  CHECK(sum.failed == 1 && sum.not_converged == 1 && count_frames(out) == 3,
        "structure 4 failed as not converged, output still 3 frames");
  char *flog = NULL;
  label_read_file(failed, &flog, NULL, &err);
  CHECK(flog && strstr(flog, "\tnot converged\tSCF not converged after 3 steps\n"),
        "failure log line: %s", flog ? flog : "(none)");
  free(flog);
  CHECK_OK(nacre_label_batch(&opt, s, NULL, 4, out, failed, 1, 0, &sum, &ctx, &err), &err);
  CHECK(sum.failed == 0 && sum.skipped == 4, "failed ones are not retried");
  opt.command = good;
  CHECK_OK(nacre_label_batch(&opt, s, NULL, 4, out, failed, 1, 1, &sum, &ctx, &err), &err);
  CHECK(sum.done == 1 && count_frames(out) == 4, "--retry-failed labels it");

  /* frames read back: energy and forces of the recorded run */
  char **ids;
  int n;
  CHECK_OK(nacre_label_scan_done(out, 0, &ids, &n, &err), &err);
  char want[40];
  nacre_label_id(3, s[3], want);
  CHECK(n == 4 && !strcmp(ids[3], want), "last id %s", n == 4 ? ids[3] : "?");
  nacre_label_free_ids(ids, n);
  /* read back with the io module's extended-XYZ reader: the labels of
   * the recorded run (etotal −95.939640279 Ha; strten xx −1.3522955643e-3
   * Ha/Bohr^3 = −39.786 GPa; fcart) and the provenance keys */
  nacre_xyz_reader *rd = nacre_xyz_open(out, &err);
  nacre_frame f;
  nacre_frame_init(&f);
  int eof = 0, frames = 0;
  while (rd && nacre_xyz_next(rd, &f, &eof, &err) == NACRE_OK) {
    frames++;
    CHECK_CLOSE(f.energy, -95.939640279 * NACRE_HARTREE_EV, 1e-6, "energy read back");
    CHECK_CLOSE(f.stress[0] * NACRE_EV_A3_TO_GPA, -39.7859024, 1e-5, "stress xx read back (GPa)");
    CHECK_CLOSE(f.forces[3], -0.04921151817769, 1e-7, "force read back");
    const char *v = nacre_frame_get_info(&f, "label_version");
    const char *c = nacre_frame_get_info(&f, "label_code");
    const char *steps = nacre_frame_get_info(&f, "label_scf_steps");
    CHECK(v && !strcmp(v, "ABINIT 9.6.2") && c && !strcmp(c, "abinit") &&
              steps && !strcmp(steps, "8"),
          "provenance keys");
  }
  CHECK(frames == 4 && eof, "4 frames read back (%d): %s", frames, eof ? "" : err.message);
  nacre_frame_clear(&f);
  if (rd) nacre_xyz_close(rd);
  for (int k = 0; k < 4; k++) nacre_structure_free(s[k]);
  char cmd[400];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  CHECK(system(cmd) == 0, "cleanup");
}

/* Set-up errors stop a batch and are not recorded against structures: a
 * template error (found before any run), a command that does not exist
 * (shell status 127). Runs that fail for another reason are recorded, but
 * NACRE_LABEL_MAX_RUN_FAILURES of them in a row stop the batch; an SCF
 * that does not converge is the structure's and does not count. */
static void test_setup_errors(void) {
  char dir[] = "/tmp/nacre-test-setupXXXXXX";
  CHECK(mkdtemp(dir) != NULL, "mkdtemp");
  nacre_label_options opt;
  nacre_label_options_init(&opt, NACRE_LABEL_ABINIT);
  opt.workdir = dir;
  opt.pseudo_dir = getenv("NACRE_TEST_PSP");
  if (access("/usr/share/abinit/psp/Pseudodojo_paw_pbe_standard/Na.xml", R_OK) &&
      !opt.pseudo_dir) {
    printf("note: abinit-data absent, set-up error checks skipped\n");
    return;
  }
  enum { N = 8 };
  nacre_structure *s[N];
  for (int k = 0; k < N; k++) s[k] = na2(0.01 * k);
  char out[300], failed[300], tmpl[300], marker[300], cmd[1400];
  snprintf(out, sizeof out, "%s/out.xyz", dir);
  snprintf(failed, sizeof failed, "%s/out.xyz.failed", dir);
  snprintf(tmpl, sizeof tmpl, "%s/bad.tmpl", dir);
  snprintf(marker, sizeof marker, "%s/ran", dir);
  FILE *f = fopen(tmpl, "w");
  CHECK(f != NULL, "template file");
  if (!f) return;
  fputs("natom {NATOM}\nnoise {NOT_A_KEY}\n", f);
  fclose(f);
  nacre_ctx ctx;
  nacre_ctx_init(&ctx);
  nacre_label_summary sum;
  nacre_error err;

  snprintf(cmd, sizeof cmd, "touch '%s'; true", marker);
  opt.command = cmd;
  opt.template_path = tmpl;
  nacre_status st = nacre_label_batch(&opt, s, NULL, N, out, failed, 2, 0,
                                      &sum, &ctx, &err);
  CHECK(st == NACRE_ERR_PARSE && strstr(err.message, "NOT_A_KEY") &&
            strstr(err.message, "structure 0-"),
        "template error stops the batch: %s", err.message);
  CHECK(access(marker, F_OK) != 0 && access(failed, F_OK) != 0 &&
            sum.failed == 0,
        "... before any run, nothing recorded");
  opt.template_path = NULL;

  opt.command = "nacre-test-no-such-program";
  st = nacre_label_batch(&opt, s, NULL, N, out, failed, 1, 0, &sum, &ctx, &err);
  CHECK(st == NACRE_ERR_EXTERNAL && strstr(err.message, "command not found"),
        "missing command stops the batch: %s", err.message);
  CHECK(sum.failed == 0 && access(failed, F_OK) != 0,
        "... and is not recorded as a failed structure");

  /* structure 0 does not converge, then every run fails: the batch stops
   * after the limit, with the failures recorded */
  char bad[1200];
  snprintf(bad, sizeof bad, "cp '%s' label.abo; true",
           test_source_path("tests/data/label/abinit-na2-unconverged.abo"));
  opt.command = bad;
  CHECK_OK(nacre_label_batch(&opt, s, NULL, 1, out, failed, 1, 0, &sum, &ctx, &err),
           &err);
  CHECK(sum.not_converged == 1, "structure 0 not converged");
  opt.command = "false";
  st = nacre_label_batch(&opt, s, NULL, N, out, failed, 1, 0, &sum, &ctx, &err);
  CHECK(st == NACRE_ERR_EXTERNAL && sum.run_failed == NACRE_LABEL_MAX_RUN_FAILURES &&
            sum.skipped == 1 && strstr(err.message, "in a row"),
        "%d failed runs in a row stop the batch (%d run errors, %d skipped): %s",
        NACRE_LABEL_MAX_RUN_FAILURES, sum.run_failed, sum.skipped, err.message);
  char *flog = NULL;
  label_read_file(failed, &flog, NULL, &err);
  int lines = 0;
  for (const char *p = flog; p && *p; p++) lines += *p == '\n';
  CHECK(lines == 1 + NACRE_LABEL_MAX_RUN_FAILURES, "failure log has %d lines", lines);
  free(flog);
  /* fixed: --retry-failed labels them all */
  char good[1200];
  snprintf(good, sizeof good, "cp '%s' label.abo; true",
           test_source_path("tests/data/label/abinit-na2.abo"));
  opt.command = good;
  CHECK_OK(nacre_label_batch(&opt, s, NULL, N, out, failed, 2, 1, &sum, &ctx, &err),
           &err);
  CHECK(sum.done == N && count_frames(out) == N, "retry labels all %d (%d)", N,
        sum.done);
  for (int k = 0; k < N; k++) nacre_structure_free(s[k]);
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  CHECK(system(cmd) == 0, "cleanup");
}

/* VASP end to end with a stand-in command that drops a 3-atom OUTCAR into
 * place: POSCAR groups atoms by species (Na Na Li for input Na Li Na), and
 * the forces come back in input order. */
static void test_vasp_order(void) {
  char dir[] = "/tmp/nacre-test-vorderXXXXXX";
  CHECK(mkdtemp(dir) != NULL, "mkdtemp");
  char path[400], cmd[1200];
  nacre_error err;
  for (int k = 0; k < 2; k++) {
    snprintf(path, sizeof path, "%s/%s", dir, k ? "Li_sv" : "Na_pv");
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/%s/POTCAR", dir, k ? "Li_sv" : "Na_pv");
    label_write_file(path, k ? "Li\n" : "Na\n", &err);
  }
  char *text = NULL;
  label_read_file(test_source_path("tests/data/label/vasp-na2.OUTCAR"), &text,
                  NULL, &err);
  /* third row: forces 0.3 0.2 0.1 (rows are in POSCAR order) */
  const char *row2 = "      1.33000      1.25000      1.30000        -0.012345      0.023456     -0.005000\n";
  char *at = strstr(text, row2);
  CHECK(at != NULL, "fixture row");
  label_buf b = {0};
  label_buf_printf(&b, "%.*s%s      0.50000      0.50000      0.50000         0.300000      0.200000      0.100000\n%s",
                   (int)(at - text), text, row2, at + strlen(row2));
  free(text);
  /* the header of a Na2Li run: one POTCAR per species, 2 Na then 1 Li */
  const char *types = " POTCAR:    PAW_PBE Na_pv 19Sep2006\n   ions per type =               2\n";
  char *h = strstr(b.s, types);
  CHECK(h != NULL, "fixture header");
  label_buf b2 = {0};
  if (h)
    label_buf_printf(&b2, "%.*s POTCAR:    PAW_PBE Na_pv 19Sep2006\n POTCAR:    PAW_PBE Li_sv 10Sep2004\n   ions per type =               2   1\n%s",
                     (int)(h - b.s), b.s, h + strlen(types));
  label_buf_free(&b);
  b = b2;
  snprintf(path, sizeof path, "%s/OUTCAR.rec", dir);
  label_write_file(path, b.s, &err);
  label_buf_free(&b);
  nacre_structure *s = nacre_structure_new(3, NULL);
  const double cell[3][3] = {{3, 0, 0}, {0, 3, 0}, {0, 0, 3}};
  memcpy(s->cell, cell, sizeof cell);
  s->numbers[0] = 11, s->numbers[1] = 3, s->numbers[2] = 11;
  s->positions[3] = 1.5, s->positions[6] = 1.5, s->positions[7] = 1.5;
  nacre_label_options opt;
  nacre_label_options_init(&opt, NACRE_LABEL_VASP);
  opt.pseudo_dir = dir;
  opt.workdir = dir;
  opt.keep_files = 1;
  snprintf(cmd, sizeof cmd, "cp '%s/OUTCAR.rec' OUTCAR", dir);
  opt.command = cmd;
  nacre_label_result r;
  nacre_label_result_init(&r);
  nacre_ctx ctx;
  nacre_ctx_init(&ctx);
  CHECK_OK(nacre_label_run(&opt, s, &r, &ctx, &err), &err);
  if (r.has_forces) {
    /* POSCAR rows: atom 0, atom 2 (Na), atom 1 (Li) */
    CHECK_CLOSE(r.forces_ev_a[0], 0.012345, 1e-12, "atom 0 = row 0");
    CHECK_CLOSE(r.forces_ev_a[6], -0.012345, 1e-12, "atom 2 = row 1");
    CHECK_CLOSE(r.forces_ev_a[3], 0.3, 1e-12, "atom 1 (Li) = row 2");
  }
  nacre_label_result_clear(&r);
  snprintf(cmd, sizeof cmd, "cat %s/nacre-label-*/POTCAR", dir);
  FILE *pp = popen(cmd, "r");
  char pot[64] = "";
  size_t got = pp ? fread(pot, 1, sizeof pot - 1, pp) : 0;
  pot[got] = '\0';
  if (pp) pclose(pp);
  CHECK(!strcmp(pot, "Na\nLi\n"), "POTCAR = Na_pv then Li_sv ('%s')", pot);
  snprintf(cmd, sizeof cmd, "grep -A1 -x ' Na Li' %s/nacre-label-*/POSCAR | tail -1", dir);
  pp = popen(cmd, "r");
  char counts[64] = "";
  got = pp ? fread(counts, 1, sizeof counts - 1, pp) : 0;
  counts[got] = '\0';
  if (pp) pclose(pp);
  CHECK(!strcmp(counts, " 2 1\n"), "POSCAR counts '%s'", counts);
  nacre_structure_free(s);
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  CHECK(system(cmd) == 0, "cleanup");
}

/* The same lattice in a skewed basis: rows a, a + b, 2a + b + c. */
static nacre_structure *skewed(const nacre_structure *s) {
  nacre_structure *k = nacre_structure_copy(s, NULL);
  for (int x = 0; x < 3; x++) {
    k->cell[1][x] = s->cell[0][x] + s->cell[1][x];
    k->cell[2][x] = 2 * s->cell[0][x] + s->cell[1][x] + s->cell[2][x];
  }
  return k;
}

static long npoints(const int n[3]) { return (long)n[0] * n[1] * n[2]; }

/* dft holds the atoms of s: same numbers, positions equal up to lattice
 * vectors of s (integer fractional differences). */
static int same_atoms(const nacre_structure *s, const nacre_structure *dft) {
  double recip[3][3];
  nacre_cell_reciprocal(s->cell, recip);
  for (int i = 0; i < s->natoms; i++) {
    if (s->numbers[i] != dft->numbers[i]) return 0;
    double d[3], f[3];
    for (int x = 0; x < 3; x++)
      d[x] = dft->positions[3 * i + x] - s->positions[3 * i + x];
    nacre_cell_cart_to_frac(recip, d, f);
    for (int x = 0; x < 3; x++)
      if (fabs(f[x] - round(f[x])) > 1e-9) return 0;
  }
  return 1;
}

static void test_cell_choice(void) {
  nacre_structure *s = na2(0.2), *k = skewed(s), *dft;
  nacre_label_options opt;
  nacre_label_options_init(&opt, NACRE_LABEL_ABINIT);
  nacre_error err;
  int grid_s[3], grid_k[3], grid[3], reduced;
  nacre_label_kgrid(s->cell, 0.25, grid_s);
  nacre_label_kgrid(k->cell, 0.25, grid_k);
  CHECK(npoints(grid_k) > 2 * npoints(grid_s),
        "the skewed basis needs more k-points (%ld vs %ld)", npoints(grid_k),
        npoints(grid_s));

  /* auto: the skewed cell is labelled in its reduced cell, whose grid is
   * that of the near-cubic cell it came from; positions move by lattice
   * vectors only */
  CHECK_OK(nacre_label_dft_structure(&opt, k, &dft, grid, &reduced, &err),
           &err);
  CHECK(reduced && npoints(grid) == npoints(grid_s),
        "auto reduces the skewed cell: %d %d %d", grid[0], grid[1], grid[2]);
  CHECK(fabs(nacre_mat3_det(dft->cell) - nacre_mat3_det(k->cell)) < 1e-9,
        "same volume");
  CHECK(same_atoms(k, dft), "same atoms up to lattice vectors");
  nacre_structure_free(dft);
  /* a basis far beyond spglib's own iteration limit: (a, b + 100a, c) */
  nacre_structure *far = nacre_structure_copy(s, NULL);
  for (int x = 0; x < 3; x++) far->cell[1][x] += 100 * s->cell[0][x];
  CHECK_OK(nacre_label_dft_structure(&opt, far, &dft, grid, &reduced, &err),
           &err);
  CHECK(reduced && npoints(grid) == npoints(grid_s) && same_atoms(far, dft),
        "b + 100a reduced too: %d %d %d", grid[0], grid[1], grid[2]);
  nacre_structure_free(dft);
  nacre_structure_free(far);
  /* auto keeps a cell that is reduced already */
  CHECK_OK(nacre_label_dft_structure(&opt, s, &dft, grid, &reduced, &err),
           &err);
  CHECK(!reduced && !memcmp(dft->cell, s->cell, sizeof s->cell) &&
            !memcmp(grid, grid_s, sizeof grid),
        "auto keeps the near-cubic cell");
  nacre_structure_free(dft);
  /* input: never reduced; niggli: always */
  opt.cell = NACRE_LABEL_CELL_INPUT;
  CHECK_OK(nacre_label_dft_structure(&opt, k, &dft, grid, &reduced, &err),
           &err);
  CHECK(!reduced && !memcmp(dft->cell, k->cell, sizeof k->cell) &&
            !memcmp(grid, grid_k, sizeof grid),
        "--cell input keeps the skewed cell");
  nacre_structure_free(dft);
  opt.cell = NACRE_LABEL_CELL_NIGGLI;
  CHECK_OK(nacre_label_dft_structure(&opt, s, &dft, grid, &reduced, &err),
           &err);
  CHECK(reduced && same_atoms(s, dft), "--cell niggli reduces any cell");
  nacre_structure_free(dft);
  CHECK(nacre_label_cell_from_name("niggli") == NACRE_LABEL_CELL_NIGGLI &&
            nacre_label_cell_from_name("auto") == NACRE_LABEL_CELL_AUTO &&
            nacre_label_cell_from_name("reduced") == -1,
        "cell names");

  /* the input written and the frame kept: reduced grid in label.abi, the
   * input cell and label_cell=niggli in the output frame */
  opt.cell = NACRE_LABEL_CELL_AUTO;
  opt.pseudo_dir = getenv("NACRE_TEST_PSP");
  if (access("/usr/share/abinit/psp/Pseudodojo_paw_pbe_standard/Na.xml",
             R_OK) && !opt.pseudo_dir) {
    printf("note: abinit-data absent, cell choice input checks skipped\n");
  } else {
    char dir[] = "/tmp/nacre-test-cellXXXXXX", command[2048], path[1200];
    CHECK(mkdtemp(dir) != NULL, "mkdtemp");
    CHECK_OK(nacre_label_prepare(&opt, k, dir, command, sizeof command, &err),
             &err);
    char *text = NULL, want[64];
    snprintf(path, sizeof path, "%s/label.abi", dir);
    label_read_file(path, &text, NULL, &err);
    snprintf(want, sizeof want, "ngkpt %d %d %d\n", grid_s[0], grid_s[1],
             grid_s[2]);
    CHECK(text && strstr(text, want), "label.abi has the reduced grid");
    free(text);
    /* a recorded output stands in for the run */
    char cmd[2600];
    snprintf(cmd, sizeof cmd, "cp '%s' '%s/label.abo'",
             test_source_path("tests/data/label/abinit-na2.abo"), dir);
    CHECK(system(cmd) == 0, "copy recorded output");
    nacre_label_result r;
    nacre_label_result_init(&r);
    CHECK_OK(nacre_label_collect(&opt, k, dir, &r, &err), &err);
    CHECK(r.niggli_cell && !memcmp(r.kgrid, grid_s, sizeof grid_s),
          "collect reports the reduced cell and its grid");
    size_t len;
    CHECK_OK(nacre_label_frame_text(k, NULL, &r, "abinit", "0-x", &text, &len,
                                    &err),
             &err);
    snprintf(want, sizeof want, "label_kgrid=\"%d %d %d\"", grid_s[0],
             grid_s[1], grid_s[2]);
    CHECK(text && strstr(text, "label_cell=niggli") && strstr(text, want),
          "frame records the cell and grid");
    /* the frame keeps the input (skewed) cell */
    snprintf(path, sizeof path, "%s/frame.xyz", dir);
    if (text) label_write_file(path, text, &err);
    nacre_xyz_reader *rd = nacre_xyz_open(path, &err);
    nacre_frame f;
    nacre_frame_init(&f);
    int eof = 0;
    CHECK(rd && nacre_xyz_next(rd, &f, &eof, &err) == NACRE_OK && !eof,
          "frame reads back");
    double dmax = 0;
    for (int i = 0; f.s && i < 3; i++)
      for (int x = 0; x < 3; x++)
        dmax = fmax(dmax, fabs(f.s->cell[i][x] - k->cell[i][x]));
    CHECK(f.s && dmax < 1e-12, "frame cell is the input cell (%.1e)", dmax);
    nacre_frame_clear(&f);
    if (rd) nacre_xyz_close(rd);
    free(text);
    nacre_label_result_clear(&r);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0, "cleanup");
  }
  nacre_structure_free(s);
  nacre_structure_free(k);
}

int main(void) {
  test_render();
  test_kgrid();
  test_identity();
  test_inputs();
  test_exec();
  test_batch();
  test_setup_errors();
  test_vasp_order();
  test_cell_choice();
  TEST_DONE();
}
