/* bench_thermo.c — speed of the thermo layer and Ewald, each beside the same
 * computation by pymatgen in the same run (timed inside Python, imports
 * excluded; skipped when /usr/bin/python3 lacks pymatgen):
 *   a convex hull of 10,000 entries in 4 elements (energies above the hull
 *     of every entry included);
 *   the Cu Kα powder pattern (0–90°) of a 200-atom cell (hcp Mg 5×5×4,
 *     rattled by 0.05 Å, so that every reflection is computed);
 *   the Ewald energy of a 216-atom rattled rocksalt cell;
 *   the orderings of NASICON (Na3Zr2Si2PO12 from Na4Zr2P3O12: Na on 6b and
 *     18e at 3/4, Si/P on 18e at 2/3 and 1/3) in the 42-atom primitive
 *     cell (420 assignments) and in supercells of 2 cells (2.7 million),
 *     ranked by Ewald energy.
 *   bench_thermo [--no-pymatgen] [--threads N]   (default 1 OpenMP thread)
 * Prints wall and CPU seconds and the ratio pymatgen/nacre; note the load. */
#include <cjson/cJSON.h>
#include <math.h>
#include <omp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nacre/pot.h"
#include "nacre/sym.h"
#include "nacre/thermo.h"

#include "bench_util.h"

/* ---- JSON text helpers ---------------------------------------------- */

typedef struct {
  char *b;
  size_t len, cap;
} text;

static void put(text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(text *t, const char *fmt, ...) {
  for (;;) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(t->b + t->len, t->cap - t->len, fmt, ap);
    va_end(ap);
    if (n >= 0 && (size_t)n < t->cap - t->len) {
      t->len += (size_t)n;
      return;
    }
    t->cap = 2 * t->cap + (size_t)n + 1024;
    t->b = realloc(t->b, t->cap);
  }
}

static void put_structure(text *t, const nacre_structure *s) {
  put(t, "\"cell\": [");
  for (int i = 0; i < 3; i++)
    put(t, "%s[%.17g, %.17g, %.17g]", i ? ", " : "", s->cell[i][0], s->cell[i][1],
        s->cell[i][2]);
  put(t, "], \"numbers\": [");
  for (int i = 0; i < s->natoms; i++) put(t, "%s%d", i ? ", " : "", s->numbers[i]);
  put(t, "], \"positions\": [");
  for (int i = 0; i < s->natoms; i++)
    put(t, "%s[%.17g, %.17g, %.17g]", i ? ", " : "", s->positions[3 * i],
        s->positions[3 * i + 1], s->positions[3 * i + 2]);
  put(t, "]");
}

/* ---- structures -------------------------------------------------------- */

static nacre_structure *from_sites(int sg, const double abc[3], const double ang[3],
                                   int nsites, const int *z, const double (*f)[3]) {
  int(*rot)[3][3] = malloc(NACRE_SG_MAX_OPS * sizeof *rot);
  double(*tr)[3] = malloc(NACRE_SG_MAX_OPS * sizeof *tr);
  double *pos = malloc(3 * (size_t)nsites * NACRE_SG_MAX_OPS * sizeof *pos);
  int *num = malloc((size_t)nsites * NACRE_SG_MAX_OPS * sizeof *num), nops, n = 0;
  nacre_sg_operations(nacre_sg_default_hall(sg), rot, tr, &nops, NULL);
  for (int k = 0; k < nsites; k++)
    for (int o = 0; o < nops; o++) {
      double y[3];
      for (int a = 0; a < 3; a++) {
        y[a] = tr[o][a];
        for (int b = 0; b < 3; b++) y[a] += rot[o][a][b] * f[k][b];
        y[a] -= floor(y[a]);
      }
      int dup = 0;
      for (int m = 0; m < n && !dup; m++) {
        dup = 1;
        for (int a = 0; a < 3; a++) {
          double d = y[a] - pos[3 * m + a];
          if (fabs(d - round(d)) > 1e-6) dup = 0;
        }
      }
      if (dup) continue;
      memcpy(&pos[3 * n], y, sizeof y);
      num[n++] = z[k];
    }
  nacre_structure *s = nacre_structure_new(n, NULL);
  nacre_cell_from_lengths_angles(abc, ang, s->cell);
  for (int i = 0; i < n; i++) s->numbers[i] = num[i];
  nacre_structure_set_frac(s, pos);
  free(rot);
  free(tr);
  free(pos);
  free(num);
  return s;
}

static nacre_structure *supercell_rattled(nacre_structure *u, int n0, int n1,
                                          int n2, double sigma) {
  int m[3][3] = {{n0, 0, 0}, {0, n1, 0}, {0, 0, n2}};
  nacre_structure *s = NULL;
  nacre_structure_supercell(u, m, &s, NULL);
  nacre_rng rng;
  nacre_rng_init(&rng, 7, 0);
  for (int i = 0; i < 3 * s->natoms; i++) s->positions[i] += sigma * nacre_rng_normal(&rng);
  nacre_structure_free(u);
  return s;
}

static const char *const SYM4[4] = {"Li", "Sn", "O", "Na"};

/* n entries in 4 elements: the pure elements and random compositions of
 * up to 8 atoms per element with formation energies in [−0.6, 0.3]. */
static void hull_entries(int n, double *amounts, double *e) {
  nacre_rng rng;
  nacre_rng_init(&rng, 2024, 0);
  double mu[4] = {-1.9, -3.8, -4.9, -1.3};
  int m = 0;
  for (int k = 0; k < 4; k++, m++) {
    for (int j = 0; j < 4; j++) amounts[4 * m + j] = j == k;
    e[m] = mu[k];
  }
  while (m < n) {
    double na = 0, r = 0;
    int present = 0;
    for (int j = 0; j < 4; j++) {
      int c = nacre_rng_uniform(&rng) < 0.7 ? 1 + nacre_rng_int(&rng, 8) : 0;
      amounts[4 * m + j] = c;
      na += c;
      r += c * mu[j];
      present += c > 0;
    }
    if (present < 2) continue;
    e[m] = r + na * (-0.6 + 0.9 * nacre_rng_uniform(&rng));
    m++;
  }
}

static double load_average(void) {
  FILE *f = fopen("/proc/loadavg", "r");
  double l = -1;
  if (f) {
    if (fscanf(f, "%lf", &l) != 1) l = -1;
    fclose(f);
  }
  return l;
}

static void report(const char *what, double wall, double cpu, const cJSON *py,
                   const char *extra) {
  printf("%-44s %9.4f s wall %9.4f s CPU", what, wall, cpu);
  const cJSON *sec = cJSON_GetObjectItem(py, "seconds");
  if (cJSON_IsNumber(sec))
    printf("   pymatgen %9.4f s  (x%.1f)", sec->valuedouble, sec->valuedouble / wall);
  printf("%s%s\n", extra ? "  " : "", extra ? extra : "");
}

int main(int argc, char **argv) {
  int use_py = 1, threads = 1;
  for (int k = 1; k < argc; k++) {
    if (!strcmp(argv[k], "--no-pymatgen")) use_py = 0;
    else if (!strcmp(argv[k], "--threads") && k + 1 < argc) threads = atoi(argv[++k]);
    else {
      fprintf(stderr, "usage: bench_thermo [--no-pymatgen] [--threads N]\n");
      return 2;
    }
  }
  omp_set_num_threads(threads > 0 ? threads : 1);
  if (use_py && (access("/usr/bin/python3", X_OK) ||
                 system("/usr/bin/python3 -c 'import pymatgen.core' >/dev/null 2>&1"))) {
    printf("(pymatgen not found: no baselines)\n");
    use_py = 0;
  }
  printf("load average %.1f at the start, %d OpenMP thread%s\n", load_average(),
         threads, threads == 1 ? "" : "s");
  nacre_error err;
  text in = {0};
  put(&in, "{");

  /* hull */
  enum { NH = 10000 };
  double *amounts = malloc(4 * NH * sizeof *amounts), *e = malloc(NH * sizeof *e);
  hull_entries(NH, amounts, e);
  put(&in, "\"hull\": {\"entries\": [");
  for (int i = 0; i < NH; i++) {
    char f[96] = "";
    for (int k = 0; k < 4; k++)
      if (amounts[4 * i + k] > 0)
        snprintf(f + strlen(f), sizeof f - strlen(f), "%s%g", SYM4[k], amounts[4 * i + k]);
    put(&in, "%s{\"formula\": \"%s\", \"energy_ev\": %.17g}", i ? ", " : "", f, e[i]);
  }
  put(&in, "]}, ");

  /* XRD: hcp Mg 5×5×4, 200 atoms */
  int zmg[1] = {12};
  double fmg[1][3] = {{1.0 / 3, 2.0 / 3, 0.25}}, abc[3] = {3.209, 3.209, 5.211},
         ang[3] = {90, 90, 120};
  nacre_structure *sx =
      supercell_rattled(from_sites(194, abc, ang, 1, zmg, (const double(*)[3])fmg), 5, 5, 4, 0.05);
  put(&in, "\"xrd\": {");
  put_structure(&in, sx);
  put(&in, "}, ");

  /* Ewald: rocksalt 3×3×3 conventional, 216 atoms */
  int znacl[2] = {11, 17};
  double fn[2][3] = {{0, 0, 0}, {0.5, 0.5, 0.5}}, an[3] = {5.64, 5.64, 5.64},
         angn[3] = {90, 90, 90};
  nacre_structure *se =
      supercell_rattled(from_sites(225, an, angn, 2, znacl, (const double(*)[3])fn), 3, 3, 3, 0.05);
  double *q = malloc(se->natoms * sizeof *q);
  for (int i = 0; i < se->natoms; i++) q[i] = se->numbers[i] == 11 ? 1 : -1;
  put(&in, "\"ewald\": {");
  put_structure(&in, se);
  put(&in, ", \"charges\": [");
  for (int i = 0; i < se->natoms; i++) put(&in, "%s%g", i ? ", " : "", q[i]);
  put(&in, "]}, ");

  /* NASICON */
  int zn[6] = {11, 11, 40, 15, 8, 8};
  double fnas[6][3] = {{0, 0, 0},          {0.64, 0, 0.25},
                       {0, 0, 0.1461},     {0.2894, 0, 0.25},
                       {0.1781, -0.0278, 0.1934}, {0.1930, 0.1684, 0.0888}};
  double anas[3] = {8.80, 8.80, 22.76}, angnas[3] = {90, 90, 120};
  nacre_structure *snas = from_sites(167, anas, angnas, 6, zn, (const double(*)[3])fnas);
  nacre_order_rule rules[2] = {
      {.site_z = 11, .nspecies = 2, .z = {11, 0}, .fraction = {0.75, 0.25}},
      {.site_z = 15, .nspecies = 2, .z = {14, 15}, .fraction = {2.0 / 3, 1.0 / 3}}};
  nacre_structure *prim = NULL;
  nacre_symmetry_standardize(snas, NACRE_SYMPREC_DEFAULT, 1, &prim, NULL);
  put(&in, "\"order\": {");
  put_structure(&in, prim);
  put(&in, ", \"occupancy\": [");
  for (int i = 0; i < prim->natoms; i++) {
    const char *sp = prim->numbers[i] == 11   ? "[[\"Na\", 1, 0.75]]"
                     : prim->numbers[i] == 40 ? "[[\"Zr\", 4, 1]]"
                     : prim->numbers[i] == 15
                         ? "[[\"Si\", 4, 0.6666666666666666], [\"P\", 5, 0.3333333333333333]]"
                         : "[[\"O\", -2, 1]]";
    put(&in, "%s%s", i ? ", " : "", sp);
  }
  put(&in, "]}}");

  cJSON *py = NULL;
  if (use_py) {
    char dir[] = "/tmp/nacre_bench_XXXXXX", path_in[128], path_out[128], cmd[1024];
    if (mkdtemp(dir)) {
      snprintf(path_in, sizeof path_in, "%s/in.json", dir);
      snprintf(path_out, sizeof path_out, "%s/out.json", dir);
      FILE *f = fopen(path_in, "w");
      if (f) {
        fputs(in.b, f);
        fclose(f);
      }
      snprintf(cmd, sizeof cmd, "/usr/bin/python3 -W ignore %s/bench/thermo_pymatgen.py %s %s",
               NACRE_SOURCE_DIR, path_in, path_out);
      printf("(pymatgen baselines running...)\n");
      fflush(stdout);
      if (!system(cmd)) {
        f = fopen(path_out, "r");
        if (f) {
          char *buf = malloc(1 << 20);
          size_t n = fread(buf, 1, (1 << 20) - 1, f);
          buf[n] = '\0';
          py = cJSON_Parse(buf);
          free(buf);
          fclose(f);
        }
      }
      remove(path_in);
      remove(path_out);
      rmdir(dir);
    }
  }

  char extra[256];
  double w0 = bench_now(), c0 = bench_cpu_now();
  nacre_hull *h = NULL;
  if (nacre_hull_new(4, NH, amounts, e, &h, &err)) {
    fprintf(stderr, "%s\n", err.message);
    return 1;
  }
  double w1 = bench_now(), c1 = bench_cpu_now();
  snprintf(extra, sizeof extra, "%d stable", nacre_hull_nstable(h));
  report("hull, 10,000 entries, 4 elements", w1 - w0, c1 - c0,
         cJSON_GetObjectItem(py, "hull"), extra);
  nacre_hull_free(h);

  w0 = bench_now();
  c0 = bench_cpu_now();
  nacre_xrd_pattern *p = NULL;
  if (nacre_xrd_pattern_compute(sx, NULL, &p, &err)) {
    fprintf(stderr, "%s\n", err.message);
    return 1;
  }
  w1 = bench_now();
  c1 = bench_cpu_now();
  snprintf(extra, sizeof extra, "%d peaks", p->npeaks);
  report("XRD, 200 atoms, Cu Ka 0-90 deg", w1 - w0, c1 - c0,
         cJSON_GetObjectItem(py, "xrd"), extra);
  nacre_xrd_pattern_free(p);

  w0 = bench_now();
  c0 = bench_cpu_now();
  nacre_ewald_result r;
  if (nacre_ewald(se, q, NULL, &r, NULL, NULL, &err)) {
    fprintf(stderr, "%s\n", err.message);
    return 1;
  }
  w1 = bench_now();
  c1 = bench_cpu_now();
  snprintf(extra, sizeof extra, "E = %.8f eV", r.energy_ev);
  report("Ewald energy, 216 atoms, 1e-12", w1 - w0, c1 - c0,
         cJSON_GetObjectItem(py, "ewald"), extra);

  int zc[5] = {11, 40, 14, 15, 8};
  double qc[5] = {1, 4, 4, 5, -2};
  for (int cells = 1; cells <= 2; cells++) {
    nacre_order_options o;
    nacre_order_options_init(&o);
    o.min_cells = o.max_cells = cells;
    w0 = bench_now();
    c0 = bench_cpu_now();
    nacre_orderings *ord = NULL;
    if (nacre_order_enumerate(snas, rules, 2, &o, NULL, &ord, &err)) {
      fprintf(stderr, "%s\n", err.message);
      return 1;
    }
    double wm = bench_now();
    long n = nacre_orderings_count(ord);
    double *en = malloc((size_t)n * sizeof *en);
    if (nacre_orderings_ewald(ord, zc, qc, 5, 1e-10, en, NULL, &err)) {
      fprintf(stderr, "%s\n", err.message);
      return 1;
    }
    w1 = bench_now();
    c1 = bench_cpu_now();
    double best = INFINITY;
    for (long k = 0; k < n; k++) best = fmin(best, en[k] / cells);
    snprintf(extra, sizeof extra, "%ld orderings (%.3f s enumerating), lowest %.6f eV/cell",
             n, wm - w0, best);
    char what[96];
    snprintf(what, sizeof what, "NASICON orderings + Ewald ranking, %d cell%s", cells,
             cells == 1 ? "" : "s");
    report(what, w1 - w0, c1 - c0, cells == 1 ? cJSON_GetObjectItem(py, "order") : NULL,
           extra);
    free(en);
    nacre_orderings_free(ord);
  }
  printf("load average %.1f at the end\n", load_average());
  cJSON_Delete(py);
  free(in.b);
  free(amounts);
  free(e);
  free(q);
  nacre_structure_free(sx);
  nacre_structure_free(se);
  nacre_structure_free(snas);
  nacre_structure_free(prim);
  return 0;
}
