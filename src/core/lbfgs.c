/* lbfgs.c — the L-BFGS two-loop recursion, shared by the structure
 * relaxation (opt) and the training of networks (train). */
#include "nacre/core.h"

static double dot(const double *a, const double *b, int n) {
  double v = 0.0;
  for (int k = 0; k < n; k++) v += a[k] * b[k];
  return v;
}

/* Nocedal & Wright, Numerical Optimization (2nd ed.), algorithm 7.4, with
 * H_k⁰ = γ I, γ = sᵀy / yᵀy of the newest pair (their eq. 7.20). */
void nacre_lbfgs_direction(int n, int m, int count, int head,
                           const double *const *s, const double *const *y,
                           const double *rho, double *alpha, const double *g,
                           double *d) {
  for (int k = 0; k < n; k++) d[k] = -g[k];
  if (count <= 0) return;
  for (int c = 0; c < count; c++) {
    int i = (head - 1 - c + m) % m;
    alpha[i] = rho[i] * dot(s[i], d, n);
    for (int k = 0; k < n; k++) d[k] -= alpha[i] * y[i][k];
  }
  int newest = (head - 1 + m) % m;
  double gamma = dot(s[newest], y[newest], n) / dot(y[newest], y[newest], n);
  for (int k = 0; k < n; k++) d[k] *= gamma;
  for (int c = count - 1; c >= 0; c--) {
    int i = (head - 1 - c + m) % m;
    double b = rho[i] * dot(y[i], d, n);
    for (int k = 0; k < n; k++) d[k] += (alpha[i] - b) * s[i][k];
  }
}
