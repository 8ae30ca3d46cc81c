/* bench_fit.c — the descriptor search's speed and memory.
 *   bench_fit space [--rows N] [--seconds S] [--jobs J]
 *       a rung-3 space from 10 primary features (N rows, default 100;
 *       regression on a synthetic target): screens for S seconds (default
 *       60) with 1 and with J threads (default 2) and prints the stored
 *       rungs, the size of rung 3, candidates per second (wall and per CPU
 *       second), the two-thread speed-up measured in the same run, the
 *       stated memory bound and the peak resident memory.
 *   bench_fit perovskite [--deepen L] [--rung R] [--sis-size S] [--jobs J]
 *       the rediscovery on ../shared/data/perovskite/abx3_train.csv from
 *       the six primary features (errors score, 1-D, 5-fold CV of the
 *       whole method): the descriptor, its accuracies, CPU and wall time.
 * The load average is printed with every figure: the machine is shared. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nacre/fit.h"

#include "bench_util.h"

static double load_average(void) {
  double l = -1;
  FILE *f = fopen("/proc/loadavg", "r");
  if (f) {
    if (fscanf(f, "%lf", &l) != 1) l = -1;
    fclose(f);
  }
  return l;
}

static const char *arg(int argc, char **argv, const char *name, const char *def) {
  for (int k = 2; k + 1 < argc; k++)
    if (!strcmp(argv[k], name)) return argv[k + 1];
  return def;
}

static int bench_space(int argc, char **argv) {
  const int n = atoi(arg(argc, argv, "--rows", "100"));
  const double seconds = atof(arg(argc, argv, "--seconds", "60"));
  const int jobs = atoi(arg(argc, argv, "--jobs", "2"));
  enum { P = 10 };
  static char *names[P] = {"f0", "f1", "f2", "f3", "f4", "f5", "f6", "f7", "f8", "f9"};
  static char *units[P] = {"", "", "", "", "", "", "", "", "", ""};
  double *x = malloc((size_t)P * n * sizeof *x), *y = malloc((size_t)n * sizeof *y);
  nacre_rng rng;
  nacre_rng_init(&rng, 1, 0);
  for (int k = 0; k < P; k++)
    for (int i = 0; i < n; i++) x[k * n + i] = 0.5 + 2 * nacre_rng_uniform(&rng);
  for (int i = 0; i < n; i++)
    y[i] = x[i] * x[n + i] / (x[2 * n + i] + x[3 * n + i]) + 0.1 * nacre_rng_normal(&rng);
  nacre_fit_data d = {n, P, names, units, x, "y", y, "synthetic"};
  nacre_fit_sis_options o;
  nacre_fit_sis_options_init(&o);
  o.rung = 3;
  o.dim = 1;
  o.folds = 0;
  o.sis_size = 100;
  o.time_limit_s = seconds;
  long long counts[4];
  nacre_error err;
  double t0 = bench_now();
  if (nacre_fit_space_count(&d, &o, NULL, counts, &err)) {
    fprintf(stderr, "%s\n", err.message);
    return 1;
  }
  printf("rung-3 space from %d primary features, %d rows: stored Φ0 %lld, Φ1 %lld, Φ2 %lld "
         "(built in %.1f s); rung 3: %.3g candidates\n",
         P, n, counts[0], counts[1], counts[2], bench_now() - t0, (double)counts[3]);
  double rate[2] = {0, 0};
  for (int pass = 0; pass < 2; pass++) {
    nacre_ctx ctx;
    nacre_ctx_init(&ctx);
    ctx.log = NULL;
    ctx.nthreads = pass ? jobs : 1;
    nacre_fit_sis_result r;
    double c0 = bench_cpu_now();
    if (nacre_fit_sis(&d, &o, &ctx, &r, &err)) {
      fprintf(stderr, "%s\n", err.message);
      return 1;
    }
    double cpu = bench_cpu_now() - c0;
    rate[pass] = r.features_per_s;
    printf("%d thread%s: %.3g candidates in %.1f s wall, %.1f s CPU: %.3g per s wall, %.3g per "
           "CPU s (load %.1f)\n",
           ctx.nthreads, ctx.nthreads == 1 ? "" : "s", (double)r.candidates, r.wall_s, cpu,
           r.features_per_s, r.candidates / cpu, load_average());
    printf("  stated memory bound %.3f GB; %s\n", r.memory_bound_bytes / 1e9,
           r.complete ? "space exhausted" : "time limit reached (the space is streamed)");
    nacre_fit_sis_result_free(&r);
  }
  printf("speed-up with %d threads: %.2f (same run; the load changes it)\n", jobs,
         rate[1] / rate[0]);
  long kb = bench_vm_hwm_kb();
  printf("peak resident memory: %.1f MB (the bound plus the program itself)\n",
         kb * 1024 / 1e6);
  printf("exhausting rung 3 at %.3g candidates per s would take %.1f h\n", rate[1],
         counts[3] / rate[1] / 3600);
  free(x);
  free(y);
  return 0;
}

static int bench_perovskite(int argc, char **argv) {
  const char *path = NACRE_SHARED_DATA "/perovskite/abx3_train.csv";
  if (access(path, R_OK)) {
    printf("../shared/data/perovskite/abx3_train.csv is absent\n");
    return 77;
  }
  nacre_table *t = NULL;
  nacre_fit_data *d = NULL;
  nacre_error err;
  if (nacre_table_read(path, &t, &err) ||
      nacre_fit_data_from_table(t, "nA,nB,nX,rA,rB,rX", "is_perovskite", "rA=Å,rB=Å,rX=Å", 1, &d,
                                &err)) {
    fprintf(stderr, "%s\n", err.message);
    return 1;
  }
  nacre_fit_sis_options o;
  nacre_fit_sis_options_init(&o);
  o.task = NACRE_FIT_CLASSIFICATION;
  o.class_score = NACRE_FIT_SCORE_ERRORS;
  o.rung = atoi(arg(argc, argv, "--rung", "3"));
  o.deepen = atoi(arg(argc, argv, "--deepen", "1"));
  o.sis_size = atoi(arg(argc, argv, "--sis-size", "200"));
  o.dim = 1;
  o.folds = 5;
  nacre_ctx ctx;
  nacre_ctx_init(&ctx);
  ctx.nthreads = atoi(arg(argc, argv, "--jobs", "2"));
  double l0 = load_average();
  nacre_fit_sis_result r;
  if (nacre_fit_sis(d, &o, &ctx, &r, &err)) {
    fprintf(stderr, "%s\n", err.message);
    return 1;
  }
  char rule[4096];
  nacre_fit_model_rule(r.dims[0].model, rule, sizeof rule);
  printf("rung %d, deepen %d, S %d, 5-fold: %s\n", o.rung, o.deepen, o.sis_size, rule);
  printf("accuracy: training %.2f %%, CV of the method %.2f %%, CV with the descriptor fixed "
         "%.2f %%\n",
         100 * (1 - r.dims[0].train_error), 100 * (1 - r.dims[0].cv_error),
         100 * (1 - r.dims[0].cv_error_fixed));
  printf("%.3g candidates, %.1f s wall, %.1f s CPU, %d threads, load %.1f → %.1f, memory "
         "bound %.3f GB, peak resident %.1f MB\n",
         (double)r.candidates, r.wall_s, r.cpu_s, ctx.nthreads, l0, load_average(),
         r.memory_bound_bytes / 1e9, bench_vm_hwm_kb() * 1024 / 1e6);
  nacre_fit_sis_result_free(&r);
  nacre_fit_data_free(d);
  nacre_table_free(t);
  return 0;
}

int main(int argc, char **argv) {
  const char *what = argc > 1 ? argv[1] : "";
  if (!strcmp(what, "space")) return bench_space(argc, argv);
  if (!strcmp(what, "perovskite")) return bench_perovskite(argc, argv);
  fprintf(stderr, "usage: bench_fit space [--rows N] [--seconds S] [--jobs J]\n"
                  "       bench_fit perovskite [--rung R] [--deepen L] [--sis-size S] "
                  "[--jobs J]\n");
  return 2;
}
