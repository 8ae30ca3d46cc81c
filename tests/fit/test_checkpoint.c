/* test_checkpoint.c — a descriptor search stopped by an interrupt (or its
 * time limit) and resumed from its checkpoint ends exactly where an
 * uninterrupted search ends: the same descriptors, the same scores, the
 * same cross-validated errors, bit for bit (rung 3 over 3 features with
 * + − × ÷, two dimensions, one level of deepening, 3 folds). A checkpoint written with
 * other settings is refused and the setting named; files get the mode the
 * umask gives (not mkstemp's 0600). */
#include <string.h>
#include <sys/stat.h>

#include "iotest.h"
#include "nacre/fit.h"
#include "testing.h"

#define N 60
static char *names[3] = {"a", "b", "c"}, *units[3] = {"", "", ""};

static volatile int stop_flag;
static int reports;

static void stop_soon(void *user, const nacre_fit_progress *p) {
  (void)user;
  (void)p;
  if (++reports >= 3) stop_flag = 1; /* after the third block */
}

static void same(const nacre_fit_sis_result *a, const nacre_fit_sis_result *b, const char *what) {
  CHECK(a->ndims == b->ndims, "%s: %d and %d dimensions", what, a->ndims, b->ndims);
  for (int k = 0; k < a->ndims && k < b->ndims; k++) {
    for (int j = 0; j <= k; j++)
      CHECK(!strcmp(nacre_fit_model_descriptor(a->dims[k].model, j),
                    nacre_fit_model_descriptor(b->dims[k].model, j)),
            "%s: dimension %d, descriptor %d: '%s' vs '%s'", what, k + 1, j + 1,
            nacre_fit_model_descriptor(a->dims[k].model, j),
            nacre_fit_model_descriptor(b->dims[k].model, j));
    CHECK(a->dims[k].score[0] == b->dims[k].score[0] && a->dims[k].cv_error == b->dims[k].cv_error &&
              a->dims[k].train_error == b->dims[k].train_error,
          "%s: dimension %d errors equal (%.17g vs %.17g)", what, k + 1, a->dims[k].cv_error,
          b->dims[k].cv_error);
  }
  CHECK(a->nsubspace == b->nsubspace, "%s: subspaces of %d and %d", what, a->nsubspace,
        b->nsubspace);
  for (int k = 0; k < a->nsubspace && k < b->nsubspace; k++)
    CHECK(!strcmp(a->subspace[k].formula, b->subspace[k].formula), "%s: subspace %d", what, k);
}

int main(void) {
  double x[3 * N], y[N];
  nacre_rng rng;
  nacre_rng_init(&rng, 12, 0);
  for (int i = 0; i < 3 * N; i++) x[i] = 0.5 + 2 * nacre_rng_uniform(&rng);
  for (int i = 0; i < N; i++)
    y[i] = x[i] / (x[N + i] + x[2 * N + i]) * x[i] + 0.3 * x[2 * N + i] * x[2 * N + i] +
           0.01 * nacre_rng_normal(&rng);
  nacre_fit_data d = {N, 3, names, units, x, "y", y, "synthetic"};
  nacre_fit_sis_options o;
  nacre_fit_sis_options_init(&o);
  o.rung = 3;
  o.ops = NACRE_FIT_OP_ADD | NACRE_FIT_OP_SUB | NACRE_FIT_OP_MUL | NACRE_FIT_OP_DIV;
  o.dim = 2;
  o.deepen = 1;
  o.sis_size = 10;
  o.folds = 3;
  nacre_error err;
  nacre_fit_sis_result full, resumed;
  CHECK_OK(nacre_fit_sis(&d, &o, NULL, &full, &err), &err);

  char path[1024];
  snprintf(path, sizeof path, "%s", test_tmp_path("sis.ckpt"));
  /* stopped after the third block of the first stream: every block ends
   * with a progress report */
  nacre_ctx ctx;
  nacre_ctx_init(&ctx);
  ctx.interrupt = &stop_flag;
  o.checkpoint_path = path;
  o.progress = stop_soon;
  nacre_fit_sis_result part;
  nacre_status st = nacre_fit_sis(&d, &o, &ctx, &part, &err);
  CHECK(st == NACRE_ERR_INTERRUPTED && strstr(err.message, "--resume"),
        "the stopped search says it can be resumed (%s)", err.message);
  if (st == NACRE_OK) nacre_fit_sis_result_free(&part);
  struct stat sb;
  CHECK(stat(path, &sb) == 0 && (sb.st_mode & 0044), "a checkpoint was written, readable as "
                                                     "the umask allows (mode %o)",
        sb.st_mode & 0777);
  printf("stopped after %d blocks\n", reports);

  /* resumed to the end: the same result */
  stop_flag = 0;
  o.progress = NULL;
  o.resume = 1;
  CHECK_OK(nacre_fit_sis(&d, &o, &ctx, &resumed, &err), &err);
  same(&full, &resumed, "resumed after an interrupt");
  nacre_fit_sis_result_free(&resumed);

  /* a time limit stops it too, leaving a checkpoint to continue from */
  o.resume = 0;
  o.time_limit_s = 1e-3;
  CHECK_OK(nacre_fit_sis(&d, &o, NULL, &part, &err), &err);
  CHECK(!part.complete, "a search cut by its time limit says it is incomplete");
  nacre_fit_sis_result_free(&part);
  o.time_limit_s = 0;
  o.resume = 1;
  CHECK_OK(nacre_fit_sis(&d, &o, NULL, &resumed, &err), &err);
  same(&full, &resumed, "resumed after the time limit");
  CHECK(resumed.complete, "the resumed search is complete");
  nacre_fit_sis_result_free(&resumed);

  /* other settings: refused, the setting named */
  o.sis_size = 12;
  CHECK(nacre_fit_sis(&d, &o, NULL, &resumed, &err) == NACRE_ERR_INVALID &&
            strstr(err.message, "sis_size"),
        "a checkpoint of other settings is refused: %s", err.message);
  o.sis_size = 10;
  y[0] += 1;
  CHECK(nacre_fit_sis(&d, &o, NULL, &resumed, &err) == NACRE_ERR_INVALID &&
            strstr(err.message, "data_hash"),
        "a checkpoint of other data is refused: %s", err.message);
  nacre_fit_sis_result_free(&full);
  test_tmp_cleanup();
  TEST_DONE();
}
