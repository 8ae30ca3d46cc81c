/* lammpsrun.c — see lammpsrun.h. */
#include "lammpsrun.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nacre/io.h"

int lammps_available(const char *package) {
  if (system("command -v lmp >/dev/null 2>&1") != 0) return 0;
  if (!package) return 1;
  char cmd[256];
  snprintf(cmd, sizeof cmd, "lmp -h 2>/dev/null | grep -qw %s", package);
  return system(cmd) == 0;
}

static const char *mpirun_prefix(int nranks, char *buf, size_t len) {
  if (nranks <= 0) return "";
  /* Open MPI refuses root without these; --oversubscribe: more ranks than
   * cores on a small machine. */
  snprintf(buf, len,
           "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 "
           "mpirun --oversubscribe -np %d ",
           nranks);
  return buf;
}

int lammps_mpi_available(void) {
  return system("command -v mpirun >/dev/null 2>&1") == 0 &&
         system("OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 "
                "mpirun --oversubscribe -np 2 true >/dev/null 2>&1") == 0;
}

static char *slurp(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  size_t cap = 1 << 16, len = 0, got;
  char *buf = malloc(cap);
  while (buf && (got = fread(buf + len, 1, cap - len - 1, f)) > 0) {
    len += got;
    if (len + 1 >= cap) {
      char *b = realloc(buf, cap *= 2);
      if (!b) {
        free(buf);
        buf = NULL;
      } else {
        buf = b;
      }
    }
  }
  fclose(f);
  if (buf) buf[len] = '\0';
  return buf;
}

/* Writes data.lmp and in.lmp into a new folder and runs LAMMPS there;
 * returns the folder (static storage) or NULL. R receives the rotation. */
static const char *run_in_tmp(const nacre_structure *s, const int *type_z,
                              int ntypes, const char *script, int nranks,
                              double R[3][3]) {
  static char dir[64];
  snprintf(dir, sizeof dir, "/tmp/nacre_lmp_XXXXXX");
  if (!mkdtemp(dir)) return NULL;
  char path[512], cmd[2048], mpi[256];
  nacre_error err;
  nacre_error_clear(&err);
  snprintf(path, sizeof path, "%s/data.lmp", dir);
  FILE *f = fopen(path, "w");
  if (!f || nacre_lammps_data_write(f, s, type_z, ntypes, R, &err)) {
    printf("writing %s failed: %s\n", path, err.message);
    if (f) fclose(f);
    return NULL;
  }
  fclose(f);
  snprintf(path, sizeof path, "%s/in.lmp", dir);
  f = fopen(path, "w");
  if (!f) return NULL;
  fputs(script, f);
  fclose(f);
  snprintf(cmd, sizeof cmd,
           "cd %s && OMP_NUM_THREADS=1 %slmp -nocite -in in.lmp -log log.lammps "
           "-screen none >screen.txt 2>&1",
           dir, mpirun_prefix(nranks, mpi, sizeof mpi));
  if (system(cmd) != 0) {
    printf("LAMMPS failed in %s; the end of its output:\n", dir);
    snprintf(cmd, sizeof cmd, "tail -n 15 %s/screen.txt %s/log.lammps", dir, dir);
    if (system(cmd)) printf("(no output)\n");
    return NULL;
  }
  return dir;
}

static void remove_dir(const char *dir) {
  char cmd[256];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  if (system(cmd)) printf("could not remove %s\n", dir);
}

char *lammps_run_script(const nacre_structure *s, const int *type_z, int ntypes,
                        const char *script, int nranks) {
  double R[3][3];
  const char *dir = run_in_tmp(s, type_z, ntypes, script, nranks, R);
  if (!dir) return NULL;
  char path[512];
  snprintf(path, sizeof path, "%s/log.lammps", dir);
  char *log = slurp(path);
  snprintf(path, sizeof path, "%s/screen.txt", dir);
  char *screen = slurp(path);
  if (log && screen) { /* the log, then what went to standard error */
    size_t a = strlen(log), b = strlen(screen);
    char *both = realloc(log, a + b + 1);
    if (both) {
      memcpy(both + a, screen, b + 1);
      log = both;
    }
  }
  free(screen);
  remove_dir(dir);
  return log;
}

int lammps_run0(const nacre_structure *s, const int *type_z, int ntypes,
                const char *before_read, const char *after_read, int nranks,
                lammps_result *out) {
  size_t len = strlen(before_read) + strlen(after_read) + 512;
  char *script = malloc(len);
  if (!script) return -1;
  snprintf(script, len,
           "%s\nread_data data.lmp\n%s\n"
           "thermo_style custom step pe pxx pyy pzz pyz pxz pxy\n"
           "thermo_modify format float %%.17g norm no\n"
           "dump d all custom 1 forces.dump id fx fy fz\n"
           "dump_modify d sort id format float %%.17g\n"
           "run 0\n",
           before_read, after_read);
  double R[3][3];
  const char *dir = run_in_tmp(s, type_z, ntypes, script, nranks, R);
  free(script);
  if (!dir) return -1;
  char path[512], line[4096];
  snprintf(path, sizeof path, "%s/log.lammps", dir);
  FILE *f = fopen(path, "r");
  double p[6];
  int got_thermo = 0;
  while (f && fgets(line, sizeof line, f)) {
    if (strstr(line, "Step") && strstr(line, "PotEng")) {
      long step;
      got_thermo = fgets(line, sizeof line, f) &&
                   sscanf(line, "%ld %lf %lf %lf %lf %lf %lf %lf", &step,
                          &out->energy, &p[0], &p[1], &p[2], &p[3], &p[4],
                          &p[5]) == 8;
      break;
    }
  }
  if (f) fclose(f);
  /* σ' = −P (eV/Å^3) in LAMMPS' frame, σ = R σ' Rᵀ in nacre's. */
  double sl[6], m[3][3], t[3][3], u[3][3], rt[3][3];
  for (int k = 0; k < 6; k++) sl[k] = -p[k] / LAMMPS_BAR_PER_EV_A3;
  nacre_mat3_from_voigt(sl, m);
  nacre_mat3_transpose(R, rt);
  nacre_mat3_mul(R, m, t);
  nacre_mat3_mul(t, rt, u);
  nacre_voigt_from_mat3(u, out->stress);
  out->forces = calloc(3 * (size_t)(s->natoms > 0 ? s->natoms : 1), sizeof(double));
  snprintf(path, sizeof path, "%s/forces.dump", dir);
  f = fopen(path, "r");
  int n = 0, in_atoms = 0;
  while (out->forces && f && fgets(line, sizeof line, f)) {
    int id;
    double fl[3];
    if (!strncmp(line, "ITEM:", 5)) {
      in_atoms = !strncmp(line, "ITEM: ATOMS", 11);
      continue;
    }
    if (!in_atoms || sscanf(line, "%d %lf %lf %lf", &id, &fl[0], &fl[1], &fl[2]) != 4)
      continue;
    if (id < 1 || id > s->natoms) break;
    for (int k = 0; k < 3; k++) /* f = f' Rᵀ */
      out->forces[3 * (id - 1) + k] = fl[0] * R[k][0] + fl[1] * R[k][1] + fl[2] * R[k][2];
    n++;
  }
  if (f) fclose(f);
  if (!got_thermo || n != s->natoms) {
    printf("LAMMPS output in %s incomplete (thermo %d, %d of %d forces)\n", dir,
           got_thermo, n, s->natoms);
    free(out->forces);
    out->forces = NULL;
    return -1;
  }
  remove_dir(dir);
  return 0;
}
