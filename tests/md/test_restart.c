/* test_restart.c — `nacre md` killed with SIGKILL and resumed equals an
 * uninterrupted run bit for bit: trajectory, thermo log, final structure
 * and the JSON summary's averages are byte-identical. NPT with the Bussi
 * thermostat and the anisotropic barostat (random streams, thermostat and
 * barostat state) and NVT with Nosé–Hoover chains and Langevin; 108-atom Cu
 * (Cu_u3.eam; Lennard-Jones without it). The kill lands at a moment set by
 * the clock (after the first checkpoint appeared), so the trajectory and
 * log usually hold frames past the checkpoint that the resumed run must cut
 * back. Also: a resume with another temperature is refused with a message
 * naming the setting. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mdtest.h"
#include "testing.h"

static int same_file(const char *a, const char *b) {
  return mdtest_system("cmp -s '%s' '%s'", a, b) == 0;
}

static void sleep_s(double s) {
  struct timespec t = {(time_t)s, (long)((s - (long)s) * 1e9)};
  nanosleep(&t, NULL);
}

/* Starts `nacre md ARGS` in the background and kills it with SIGKILL some
 * time after the checkpoint file appeared; returns 1 when it was killed
 * before finishing. */
static int run_and_kill(const char *cmd, const char *checkpoint) {
  pid_t pid = fork();
  if (pid == 0) {
    execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
    _exit(127);
  }
  struct stat st;
  int status, killed = 0;
  for (int k = 0; k < 6000; k++) {
    if (waitpid(pid, &status, WNOHANG) == pid) return 0;
    if (stat(checkpoint, &st) == 0) {
      sleep_s(0.03);
      killed = kill(pid, SIGKILL) == 0;
      break;
    }
    sleep_s(0.01);
  }
  waitpid(pid, &status, 0);
  return killed && WIFSIGNALED(status);
}

static void check_case(const char *dir, const char *name, const char *input,
                       const char *pot, const char *ens) {
  char base[2048], cmd[4096], a[512], b[512];
  snprintf(base, sizeof base,
           "OMP_NUM_THREADS=1 exec '%s' md '%s' --potential '%s' %s "
           "--temperature 500 --steps 12000 --every 100 --thermo-every 10 "
           "--checkpoint-every 400 --seed 4 -q --json",
           NACRE_CLI, input, pot, ens);
  /* uninterrupted */
  snprintf(cmd, sizeof cmd,
           "%s --trajectory %s/%s_a.xyz --log %s/%s_a.csv --checkpoint "
           "%s/%s_a.chk -o %s/%s_a.out.xyz > %s/%s_a.json",
           base, dir, name, dir, name, dir, name, dir, name, dir, name);
  CHECK(mdtest_system("%s", cmd) == 0, "%s: uninterrupted run failed", name);
  /* killed, then resumed (possibly several times) */
  char files[1024];
  snprintf(files, sizeof files,
           "--trajectory %s/%s_b.xyz --log %s/%s_b.csv --checkpoint "
           "%s/%s_b.chk -o %s/%s_b.out.xyz",
           dir, name, dir, name, dir, name, dir, name);
  snprintf(cmd, sizeof cmd, "%s %s > /dev/null 2>&1", base, files);
  char chk[512];
  snprintf(chk, sizeof chk, "%s/%s_b.chk", dir, name);
  int killed = run_and_kill(cmd, chk);
  printf("%s: first run %s\n", name, killed ? "killed with SIGKILL" : "finished before the kill");
  if (!killed) unlink(chk); /* test the kill on a fast machine too: again */
  if (!killed) killed = run_and_kill(cmd, chk);
  snprintf(cmd, sizeof cmd, "%s %s --resume > /dev/null 2>&1", base, files);
  if (killed) killed = run_and_kill(cmd, chk); /* a second kill, later */
  snprintf(cmd, sizeof cmd, "%s %s --resume > %s/%s_b.json", base, files, dir, name);
  CHECK(mdtest_system("%s", cmd) == 0, "%s: resumed run failed", name);
  static const char *const ext[] = {".xyz", ".csv", ".out.xyz"};
  for (int k = 0; k < 3; k++) {
    snprintf(a, sizeof a, "%s/%s_a%s", dir, name, ext[k]);
    snprintf(b, sizeof b, "%s/%s_b%s", dir, name, ext[k]);
    CHECK(same_file(a, b), "%s: %s and %s differ", name, a, b);
  }
  /* resuming a completed run changes nothing: the end state it writes is
   * the one the run wrote (forces and stress summed in the same order; the
   * run ends between two checkpoint steps) */
  char c[4096];
  snprintf(c, sizeof c,
           "OMP_NUM_THREADS=1 '%s' md '%s' --potential '%s' %s --temperature "
           "500 --steps 3000 --seed 4 -q --checkpoint-every 400 --checkpoint "
           "%s/%s_c.chk -o %s/%s_c.out.xyz",
           NACRE_CLI, input, pot, ens, dir, name, dir, name);
  CHECK(mdtest_system("%s && cp %s/%s_c.out.xyz %s/%s_c.first && %s --resume "
                      "&& cmp -s %s/%s_c.out.xyz %s/%s_c.first",
                      c, dir, name, dir, name, c, dir, name, dir, name) == 0,
        "%s: resuming the completed run changed its final structure", name);
  /* the summaries agree except for timings */
  CHECK(mdtest_system("grep -v -E 'wall_s|steps_per_s|us_per_atom' %s/%s_a.json > "
                      "%s/a.j && grep -v -E 'wall_s|steps_per_s|us_per_atom' "
                      "%s/%s_b.json > %s/b.j && cmp -s %s/a.j %s/b.j",
                      dir, name, dir, dir, name, dir, dir, dir) == 0,
        "%s: JSON summaries differ", name);
}

int main(void) {
  const char *dir = mdtest_tmpdir();
  if (!dir) TEST_SKIP("no scratch directory");
  const char *pot = mdtest_cu_u3();
  if (!pot) pot = "lj:epsilon=0.415,sigma=2.277,cutoff=5.5,shift=1";
  nacre_structure *s = mdtest_cu_fcc(3, 3.615);
  char input[512];
  snprintf(input, sizeof input, "%s/cu108.xyz", dir);
  FILE *f = fopen(input, "w");
  fprintf(f, "%d\nLattice=\"%.17g 0 0 0 %.17g 0 0 0 %.17g\" "
             "Properties=species:S:1:pos:R:3 pbc=\"T T T\"\n",
          s->natoms, s->cell[0][0], s->cell[1][1], s->cell[2][2]);
  for (int i = 0; i < s->natoms; i++)
    fprintf(f, "Cu %.17g %.17g %.17g\n", s->positions[3 * i],
            s->positions[3 * i + 1], s->positions[3 * i + 2]);
  fclose(f);
  check_case(dir, "npt", input, pot,
             "--ensemble npt --stress -1,-1,-1.5,0,0,0.2 --tau-p 200");
  check_case(dir, "nhc", input, pot, "--ensemble nvt --thermostat nose-hoover");
  check_case(dir, "langevin", input, pot,
             "--ensemble nvt --thermostat langevin --fix-com");
  /* a resume must use the same settings */
  char log[512];
  snprintf(log, sizeof log, "%s/refused.txt", dir);
  int rc = mdtest_system("'%s' md '%s' --potential '%s' --ensemble nvt "
                         "--thermostat langevin --fix-com --temperature 600 "
                         "--steps 3000 --seed 4 --checkpoint %s/langevin_b.chk "
                         "--resume > %s 2>&1",
                         NACRE_CLI, input, pot, dir, log);
  CHECK(rc == 1, "resume with another temperature: exit %d, expected 1", rc);
  CHECK(mdtest_system("grep -q 'temperature_k' %s", log) == 0,
        "the refusal names the temperature (see %s)", log);
  nacre_structure_free(s);
  mdtest_cleanup(dir);
  TEST_DONE();
}
