/* labelcheck.c — finite-difference checks of DFT labels. */
#include "labelcheck.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "builders.h"

int labelcheck_have(const char *program) {
  const char *path = getenv("PATH");
  if (!path) return 0;
  char *copy = strdup(path), *save = NULL;
  int found = 0;
  for (char *dir = strtok_r(copy, ":", &save); dir && !found;
       dir = strtok_r(NULL, ":", &save)) {
    char full[1024];
    snprintf(full, sizeof full, "%s/%s", dir, program);
    found = access(full, X_OK) == 0;
  }
  free(copy);
  return found;
}

nacre_status labelcheck_run(const nacre_label_options *opt,
                            const nacre_structure *s, nacre_label_result *r) {
  nacre_ctx ctx;
  nacre_ctx_init(&ctx);
  nacre_error err;
  nacre_error_clear(&err);
  nacre_status st = nacre_label_run(opt, s, r, &ctx, &err);
  if (st) printf("labelcheck: label failed: %s\n", err.message);
  return st;
}

static double energy(const nacre_label_options *opt, const nacre_structure *s) {
  nacre_label_result r;
  nacre_label_result_init(&r);
  double e = labelcheck_run(opt, s, &r) == NACRE_OK ? r.energy_ev : NAN;
  nacre_label_result_clear(&r);
  return e;
}

double labelcheck_force_fd(const nacre_label_options *opt,
                           const nacre_structure *s0, int coord, double h) {
  nacre_structure *s = nacre_structure_copy(s0, NULL);
  double x = s->positions[coord];
  s->positions[coord] = x + h;
  double ep = energy(opt, s);
  s->positions[coord] = x - h;
  double em = energy(opt, s);
  nacre_structure_free(s);
  return -(ep - em) / (2 * h);
}

double labelcheck_stress_fd(const nacre_label_options *opt,
                            const nacre_structure *s0, int k, double h) {
  double e[2];
  for (int sgn = 0; sgn < 2; sgn++) {
    double eps[6] = {0, 0, 0, 0, 0, 0};
    eps[k] = sgn ? -h : h;
    nacre_structure *s = nacre_structure_copy(s0, NULL);
    build_strain(s, eps);
    e[sgn] = energy(opt, s);
    nacre_structure_free(s);
  }
  double vol = fabs(nacre_cell_volume(s0->cell));
  return (e[0] - e[1]) / (2 * h) / vol / (k < 3 ? 1.0 : 2.0);
}
