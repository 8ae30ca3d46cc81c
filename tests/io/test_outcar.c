/* test_outcar.c — VASP OUTCAR: a hand-written two-step relaxation (ISIF=3)
 * gives two frames with the lattice, positions and forces of each step,
 * energy = energy(sigma->0) and free_energy = TOTEN (electronic-step
 * energies ignored), species from TITEL/POTCAR and "ions per type", and
 * stress converted from VASP's "in kB" line (xx yy zz xy yz zx, positive
 * = compressive) to eV/Å^3 in nacre's order and sign: σ_nacre = −0.1 ·
 * value / 160.2176634. A copy cut inside step 2 yields step 1 only. */
#include <string.h>

#include "iotest.h"
#include "nacre/io.h"
#include "testing.h"

#define KB (0.1 / 160.21766340) /* eV/Å^3 per kB */

static const char *two_steps(void) {
  return test_source_path("tests/data/io/OUTCAR_NaCl_2steps");
}

static void check_step1(const nacre_frame *f) {
  CHECK(f->s && f->s->natoms == 4, "4 atoms");
  if (!f->s || f->s->natoms != 4) return;
  CHECK(f->s->numbers[0] == 11 && f->s->numbers[1] == 11 &&
            f->s->numbers[2] == 17 && f->s->numbers[3] == 17,
        "species Na Na Cl Cl");
  CHECK_CLOSE(f->s->cell[0][0], 5.6, 1e-12, "lattice");
  CHECK_CLOSE(f->s->positions[3], 2.8, 1e-12, "position of atom 2");
  CHECK_CLOSE(f->forces[6], 0.1, 1e-12, "force x of atom 3");
  CHECK_CLOSE(f->forces[11], -0.3, 1e-12, "force z of atom 4");
  CHECK_CLOSE(f->energy, -13.10172839, 1e-12, "energy = energy(sigma->0)");
  CHECK_CLOSE(f->free_energy, -13.12345678, 1e-12, "free energy = TOTEN");
  CHECK(f->has == (NACRE_FRAME_ENERGY | NACRE_FRAME_FREE_ENERGY |
                   NACRE_FRAME_FORCES | NACRE_FRAME_STRESS),
        "all labels present");
  /* in kB: 12.34567 10 8 (xx yy zz) 1 (xy) 2 (yz) 3 (zx) */
  CHECK_CLOSE(f->stress[0], -12.34567 * KB, 1e-15, "stress xx");
  CHECK_CLOSE(f->stress[1], -10.0 * KB, 1e-15, "stress yy");
  CHECK_CLOSE(f->stress[2], -8.0 * KB, 1e-15, "stress zz");
  CHECK_CLOSE(f->stress[3], -2.0 * KB, 1e-15, "stress yz");
  CHECK_CLOSE(f->stress[4], -3.0 * KB, 1e-15, "stress xz");
  CHECK_CLOSE(f->stress[5], -1.0 * KB, 1e-15, "stress xy");
}

static void check_step2(const nacre_frame *f) {
  CHECK(f->s && f->s->natoms == 4, "4 atoms in step 2");
  if (!f->s || f->s->natoms != 4) return;
  CHECK_CLOSE(f->s->cell[0][1], 0.01, 1e-12, "lattice of step 2 (a_y)");
  CHECK_CLOSE(f->s->cell[1][2], 0.02, 1e-12, "lattice of step 2 (b_z)");
  CHECK_CLOSE(f->s->positions[2], -0.003, 1e-12, "position of step 2");
  CHECK_CLOSE(f->energy, -13.19561728, 1e-12, "energy of step 2");
  CHECK_CLOSE(f->free_energy, -13.20123456, 1e-12, "TOTEN of step 2");
  CHECK_CLOSE(f->stress[0], 2.5 * KB, 1e-15, "tensile xx of step 2");
  CHECK_CLOSE(f->stress[5], 0.1 * KB, 1e-15, "xy of step 2");
}

/* A second "ions per type" line with more atoms (a damaged or concatenated
 * file): the species list must follow the new count, never overrun. */
static void recount(void) {
  static const char *head =
      " POTCAR:    PAW_PBE Na_pv 19Sep2006\n"
      "   ions per type =               %d\n"
      "      direct lattice vectors                 reciprocal lattice vectors\n"
      "     4.0 0.0 0.0   0.25 0.0 0.0\n     0.0 4.0 0.0   0.0 0.25 0.0\n"
      "     0.0 0.0 4.0   0.0 0.0 0.25\n"
      " POSITION                                       TOTAL-FORCE (eV/Angst)\n"
      " ---------------------------------------------------------------\n";
  static const char *row = "  %d.0 1.0 1.0   0.1 0.2 0.3\n"; /* x = atom */
  static const char *tail =
      " ---------------------------------------------------------------\n"
      "  FREE ENERGIE OF THE ION-ELECTRON SYSTEM (eV)\n"
      "  ---------------------------------------------------\n"
      "  free  energy   TOTEN  =        -1.5 eV\n\n"
      "  energy  without entropy=  -1.4  energy(sigma->0) =   -1.45\n";
  char text[4096];
  size_t n = 0;
  for (int step = 1; step <= 2; step++) {
    n += (size_t)snprintf(text + n, sizeof text - n, head, 2 * step);
    for (int i = 0; i < 2 * step; i++)
      n += (size_t)snprintf(text + n, sizeof text - n, row, i);
    n += (size_t)snprintf(text + n, sizeof text - n, "%s", tail);
  }
  const char *path = test_tmp_path("OUTCAR_recount");
  test_write_text(path, text);
  nacre_frame *frames = NULL;
  int nf = 0;
  nacre_error err;
  nacre_error_clear(&err);
  CHECK_OK(nacre_outcar_read(path, &frames, &nf, &err), &err);
  CHECK(nf == 2 && frames[0].s->natoms == 2 && frames[1].s->natoms == 4 &&
            frames[1].s->numbers[3] == 11 && frames[1].energy == -1.45,
        "atom count changes with a new 'ions per type'");
  for (int k = 0; k < nf; k++) nacre_frame_clear(&frames[k]);
  free(frames);
}

int main(void) {
  nacre_frame *frames = NULL;
  int n = 0;
  nacre_error err;
  nacre_error_clear(&err);
  CHECK_OK(nacre_outcar_read(two_steps(), &frames, &n, &err), &err);
  CHECK(n == 2, "two ionic steps, got %d", n);
  if (n >= 1) check_step1(&frames[0]);
  if (n >= 2) check_step2(&frames[1]);
  for (int k = 0; k < n; k++) nacre_frame_clear(&frames[k]);
  free(frames);

  const char *cut = test_source_path("tests/data/io/OUTCAR_NaCl_truncated");
  CHECK_OK(nacre_outcar_read(cut, &frames, &n, &err), &err);
  CHECK(n == 1, "truncated file: the complete step only, got %d", n);
  if (n >= 1) check_step1(&frames[0]);
  for (int k = 0; k < n; k++) nacre_frame_clear(&frames[k]);
  free(frames);

  char spec[4200];
  nacre_frame f;
  nacre_frame_init(&f);
  snprintf(spec, sizeof spec, "%s@0", two_steps());
  CHECK_OK(nacre_read_frame(spec, &f, &err), &err);
  check_step1(&f);
  CHECK(nacre_format_guess(two_steps()) == NACRE_FORMAT_OUTCAR, "OUTCAR* name");
  CHECK_OK(nacre_read_frame(two_steps(), &f, &err), &err);
  check_step2(&f); /* no @N: the last step */
  nacre_frame_clear(&f);
  recount();
  test_tmp_cleanup();
  TEST_DONE();
}
