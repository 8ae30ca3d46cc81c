/* mdtest.c — MD test helpers (see mdtest.h). */
#include "mdtest.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "builders.h"
#include "nacre/io.h"

const char *mdtest_cu_u3(void) {
  static const char *p = "/usr/share/lammps/potentials/Cu_u3.eam";
  return access(p, R_OK) == 0 ? p : NULL;
}

int mdtest_have_lammps(void) {
  return system("lmp -h >/dev/null 2>&1") == 0;
}

const char *mdtest_tmpdir(void) {
  static char dir[64];
  snprintf(dir, sizeof dir, "/tmp/nacre_md_XXXXXX");
  return mkdtemp(dir);
}

int mdtest_system(const char *fmt, ...) {
  char cmd[4096];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(cmd, sizeof cmd, fmt, ap);
  va_end(ap);
  int rc = system(cmd);
  if (rc == -1 || !WIFEXITED(rc)) return -1;
  return WEXITSTATUS(rc);
}

void mdtest_cleanup(const char *dir) {
  if (dir && !strncmp(dir, "/tmp/nacre_md_", 14) && !getenv("NACRE_KEEP_TMP"))
    mdtest_system("rm -rf '%s'", dir);
}

int mdtest_lammps_run(const char *dir, const nacre_structure *s,
                      const double *velocities, const char *script,
                      double R[3][3]) {
  char path[512];
  nacre_error err;
  snprintf(path, sizeof path, "%s/data.lmp", dir);
  FILE *f = fopen(path, "w");
  if (!f || nacre_lammps_data_write(f, s, NULL, 0, R, &err)) {
    printf("writing %s failed\n", path);
    if (f) fclose(f);
    return -1;
  }
  if (velocities) {
    /* Å/fs → Å/ps, rotated like the positions */
    fprintf(f, "\nVelocities\n\n");
    for (int i = 0; i < s->natoms; i++) {
      const double *v = &velocities[3 * i];
      double w[3];
      for (int k = 0; k < 3; k++)
        w[k] = 1000.0 * (v[0] * R[0][k] + v[1] * R[1][k] + v[2] * R[2][k]);
      fprintf(f, "%d %.17g %.17g %.17g\n", i + 1, w[0], w[1], w[2]);
    }
  }
  fclose(f);
  snprintf(path, sizeof path, "%s/in.lmp", dir);
  f = fopen(path, "w");
  if (!f) return -1;
  fputs(script, f);
  fclose(f);
  int rc = mdtest_system("cd '%s' && OMP_NUM_THREADS=1 lmp -nocite -in in.lmp "
                         "-log log.lammps -screen none >/dev/null 2>&1",
                         dir);
  if (rc != 0) printf("LAMMPS failed (exit %d), see %s/log.lammps\n", rc, dir);
  return rc == 0 ? 0 : -1;
}

double *mdtest_lammps_thermo(const char *log, int *rows, int *cols) {
  FILE *f = fopen(log, "r");
  if (!f) return NULL;
  char line[8192];
  double *out = NULL;
  int n = 0, cap = 0, nc = 0, in_table = 0;
  while (fgets(line, sizeof line, f)) {
    if (!strncmp(line, "Step", 4) || strstr(line, "   Step ") == line) {
      in_table = 1;
      n = 0;
      nc = 0;
      char *save = NULL;
      for (char *t = strtok_r(line, " \t\n", &save); t; t = strtok_r(NULL, " \t\n", &save))
        nc++;
      continue;
    }
    if (!in_table) continue;
    if (!strncmp(line, "Loop time", 9)) {
      in_table = 0;
      continue;
    }
    double v[64];
    int k = 0;
    char *p = line, *end;
    while (k < nc && k < 64) {
      v[k] = strtod(p, &end);
      if (end == p) break;
      p = end;
      k++;
    }
    if (k != nc) continue; /* warnings inside the table */
    if (n == cap) {
      cap = cap ? 2 * cap : 256;
      double *o = realloc(out, (size_t)cap * nc * sizeof(double));
      if (!o) break;
      out = o;
    }
    memcpy(out + (size_t)n * nc, v, (size_t)nc * sizeof(double));
    n++;
  }
  fclose(f);
  *rows = n;
  *cols = nc;
  return out;
}

int mdtest_read_dump(const char *path, int natoms, int ncol, double *out) {
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  char line[4096];
  int got = 0, in_atoms = 0;
  while (fgets(line, sizeof line, f)) {
    if (!strncmp(line, "ITEM:", 5)) {
      in_atoms = !strncmp(line, "ITEM: ATOMS", 11);
      if (in_atoms) got = 0;
      continue;
    }
    if (!in_atoms) continue;
    char *p = line, *end;
    long id = strtol(p, &end, 10);
    if (end == p || id < 1 || id > natoms) continue;
    p = end;
    for (int k = 0; k < ncol; k++) {
      out[(id - 1) * ncol + k] = strtod(p, &end);
      p = end;
    }
    got++;
  }
  fclose(f);
  return got == natoms ? 0 : -1;
}

nacre_structure *mdtest_cu_fcc(int n, double a) {
  int r[3] = {n, n, n};
  return build_bulk("fcc", 29, a, r);
}

void mdtest_blocked_mean(const double *x, long n, double *mean, double *se) {
  double s = 0.0;
  for (long i = 0; i < n; i++) s += x[i];
  *mean = n ? s / n : NAN;
  *se = NAN;
  double *b = malloc((size_t)(n > 0 ? n : 1) * sizeof(double));
  if (!b) return;
  memcpy(b, x, (size_t)n * sizeof(double));
  long m = n;
  double best = 0.0;
  while (m >= 16) {
    double mu = 0.0, v = 0.0;
    for (long i = 0; i < m; i++) mu += b[i];
    mu /= m;
    for (long i = 0; i < m; i++) v += (b[i] - mu) * (b[i] - mu);
    double e = sqrt(v / (m - 1) / m);
    if (e > best) best = e;
    for (long i = 0; i < m / 2; i++) b[i] = 0.5 * (b[2 * i] + b[2 * i + 1]);
    m /= 2;
  }
  *se = best;
  free(b);
}

void mdtest_series_add(mdtest_series *s, double x) {
  if (s->n == s->cap) {
    long cap = s->cap ? 2 * s->cap : 1024;
    double *p = realloc(s->x, (size_t)cap * sizeof(double));
    if (!p) return;
    s->x = p;
    s->cap = cap;
  }
  s->x[s->n++] = x;
}

void mdtest_series_free(mdtest_series *s) {
  free(s->x);
  s->x = NULL;
  s->n = s->cap = 0;
}

void mdtest_batch_mean(const double *x, long n, int nb, double *mean,
                       double *se) {
  long len = n / nb;
  double s = 0.0, s2 = 0.0;
  for (int b = 0; b < nb; b++) {
    double m = 0.0;
    for (long i = 0; i < len; i++) m += x[b * len + i];
    m /= len > 0 ? len : 1;
    s += m;
    s2 += m * m;
  }
  *mean = s / nb;
  double var = (s2 - nb * (*mean) * (*mean)) / (nb - 1);
  *se = sqrt(var > 0.0 ? var / nb : 0.0);
}
