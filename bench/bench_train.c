/* bench_train.c — training benchmarks (figures, not tests).
 *
 *   bench_train cuag [--minutes M] [--optimizer lbfgs|adam]
 *     MAISE's 424 Cu-Ag DFT structures (../shared/data/maise/examples/
 *     04-prs/DATA.tar.gz, extracted into a temporary folder), 90/10 split,
 *     MAISE's 82-component descriptors and a 82-10-10-1 network; prints the
 *     test error against wall time, the time per epoch per 1000 structures
 *     and the peak memory.
 *
 * The Na closed loop against MAISE's nn_Na_d3_v0 is bench_train_na (it
 * needs the nn module). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nacre/pot.h"
#include "nacre/train.h"

#include "bench_train_util.h"

static int bench_cuag(double minutes, nacre_optimizer opt) {
  const char *tgz = NACRE_SHARED_DATA "/maise/examples/04-prs/DATA.tar.gz";
  if (access(tgz, R_OK)) {
    printf("SKIP: %s absent\n", tgz);
    return 0;
  }
  char dir[] = "/tmp/nacre_bench_cuag_XXXXXX";
  if (!mkdtemp(dir)) return 1;
  char cmd[1024];
  snprintf(cmd, sizeof cmd, "tar xzf '%s' -C '%s'", tgz, dir);
  if (system(cmd)) {
    fprintf(stderr, "tar failed\n");
    return 1;
  }
  char path[600];
  snprintf(path, sizeof path, "%s/DATA", dir);
  nacre_error err;
  nacre_dataset *d = nacre_dataset_new(&err);
  if (nacre_dataset_read(d, path, &err)) {
    fprintf(stderr, "%s\n", err.message);
    return 1;
  }
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd)) fprintf(stderr, "could not remove %s\n", dir);
  nacre_dataset_stats st;
  nacre_dataset_stats_compute(d, &st, &err);
  char spec[4096];
  nacre_default_descriptors(st.nspecies, st.species_z, spec, sizeof spec);
  printf("Cu-Ag (MAISE 04-prs), descriptors %s, optimiser %s, limit %.1f min\n", spec,
         opt == NACRE_OPT_ADAM ? "adam" : "lbfgs", minutes);
  nacre_loss_weights lw = {1, 0.1, 0, 1e-6};
  nacre_nn_model *m;
  train_features *fs;
  int rc = train_and_report(d, spec, 0.9, 0.0, minutes, opt, lw, &m, NULL, NULL, &fs);
  if (!rc) {
    for (int q = 0; q < d->n; q++) train_features_free(&fs[q]);
    free(fs);
    nacre_nn_model_free(m);
  }
  nacre_dataset_free(d);
  return rc;
}

int main(int argc, char **argv) {
  if (argc < 2 || strcmp(argv[1], "cuag")) {
    fprintf(stderr, "usage: bench_train cuag [--minutes M] [--optimizer lbfgs|adam]\n");
    return 2;
  }
  double minutes = 10;
  nacre_optimizer opt = NACRE_OPT_LBFGS;
  for (int k = 2; k + 1 < argc; k += 2) {
    if (!strcmp(argv[k], "--minutes")) minutes = atof(argv[k + 1]);
    else if (!strcmp(argv[k], "--optimizer"))
      opt = !strcmp(argv[k + 1], "adam") ? NACRE_OPT_ADAM : NACRE_OPT_LBFGS;
  }
  return bench_cuag(minutes, opt);
}
