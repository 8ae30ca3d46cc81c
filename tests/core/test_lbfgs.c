/* test_lbfgs.c — the one L-BFGS two-loop recursion (core, used by opt's
 * relaxation and train's optimiser) against the dense BFGS inverse-Hessian
 * updates it stands for: starting from H0 = γ I (γ = sᵀy/yᵀy of the
 * newest pair), H ← (I − ρ s yᵀ) H (I − ρ y sᵀ) + ρ s sᵀ for each stored
 * pair from the oldest, d = −H g (Nocedal & Wright, eqs. 6.17 and 7.19).
 * Pairs come from a random symmetric positive-definite matrix A (y = A s),
 * in a ring buffer that has wrapped; the directions agree to 1e-12
 * relative, the newest secant condition H y = s holds, and no pairs give
 * d = −g. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nacre/core.h"
#include "testing.h"

enum { N = 7, M = 5 };

static void bfgs_update(double H[N][N], const double *s, const double *y) {
  double rho = 0, Hy[N], yHy = 0;
  for (int k = 0; k < N; k++) rho += s[k] * y[k];
  rho = 1 / rho;
  for (int i = 0; i < N; i++) {
    Hy[i] = 0;
    for (int k = 0; k < N; k++) Hy[i] += H[i][k] * y[k];
  }
  for (int k = 0; k < N; k++) yHy += y[k] * Hy[k];
  /* expanded form of (I − ρ s yᵀ) H (I − ρ y sᵀ) + ρ s sᵀ, H symmetric */
  for (int i = 0; i < N; i++)
    for (int j = 0; j < N; j++)
      H[i][j] += -rho * (s[i] * Hy[j] + Hy[i] * s[j]) +
                 (rho * rho * yHy + rho) * s[i] * s[j];
}

int main(void) {
  nacre_rng rng;
  nacre_rng_init(&rng, 7, 0);
  double B[N][N], A[N][N];
  for (int i = 0; i < N; i++)
    for (int j = 0; j < N; j++) B[i][j] = nacre_rng_uniform(&rng) - 0.5;
  for (int i = 0; i < N; i++) /* A = BᵀB + I */
    for (int j = 0; j < N; j++) {
      A[i][j] = i == j;
      for (int k = 0; k < N; k++) A[i][j] += B[k][i] * B[k][j];
    }
  /* 8 pairs into a ring of 5: slots hold pairs 3..7, the newest (7) in
   * slot 2, so head = 3 */
  double sbuf[M][N], ybuf[M][N], rho[M], alpha[M];
  double all_s[8][N], all_y[8][N];
  for (int p = 0; p < 8; p++) {
    for (int k = 0; k < N; k++) all_s[p][k] = nacre_rng_uniform(&rng) - 0.5;
    for (int i = 0; i < N; i++) {
      all_y[p][i] = 0;
      for (int k = 0; k < N; k++) all_y[p][i] += A[i][k] * all_s[p][k];
    }
    int slot = p % M;
    memcpy(sbuf[slot], all_s[p], sizeof sbuf[slot]);
    memcpy(ybuf[slot], all_y[p], sizeof ybuf[slot]);
    double sy = 0;
    for (int k = 0; k < N; k++) sy += all_s[p][k] * all_y[p][k];
    rho[slot] = 1 / sy;
  }
  const double *sp[M], *yp[M];
  for (int k = 0; k < M; k++) sp[k] = sbuf[k], yp[k] = ybuf[k];
  double g[N], d[N];
  for (int k = 0; k < N; k++) g[k] = nacre_rng_uniform(&rng) - 0.5;

  for (int count = 1; count <= M; count++) {
    nacre_lbfgs_direction(N, M, count, 3, sp, yp, rho, alpha, g, d);
    /* dense reference over pairs 8 − count .. 7 */
    const double *sn = all_s[7], *yn = all_y[7];
    double sy = 0, yy = 0;
    for (int k = 0; k < N; k++) sy += sn[k] * yn[k], yy += yn[k] * yn[k];
    double H[N][N];
    for (int i = 0; i < N; i++)
      for (int j = 0; j < N; j++) H[i][j] = i == j ? sy / yy : 0;
    for (int p = 8 - count; p < 8; p++) bfgs_update(H, all_s[p], all_y[p]);
    double err = 0, scale = 0, sec = 0;
    for (int i = 0; i < N; i++) {
      double di = 0, hy = 0;
      for (int k = 0; k < N; k++) di -= H[i][k] * g[k], hy += H[i][k] * yn[k];
      err = fmax(err, fabs(d[i] - di));
      scale = fmax(scale, fabs(di));
      sec = fmax(sec, fabs(hy - sn[i]));
    }
    CHECK(err <= 1e-12 * scale, "%d pairs: two-loop = dense BFGS (|Δd| %.2e of %.2e)",
          count, err, scale);
    CHECK(sec < 1e-12, "%d pairs: the dense H meets H y = s of the newest (%.2e)", count,
          sec);
  }
  nacre_lbfgs_direction(N, M, 0, 3, sp, yp, rho, alpha, g, d);
  double dev = 0;
  for (int k = 0; k < N; k++) dev = fmax(dev, fabs(d[k] + g[k]));
  CHECK(dev == 0, "no pairs: d = -g");
  TEST_DONE();
}
