/* logstrain.c — matrix exponential of a symmetric 3x3 log-strain and the
 * chain rule through it, used by the variable-cell relaxation. */
#include "logstrain.h"

#include <math.h>

void nacre_opt_sym3_eigen(const double a[3][3], double w[3], double q[3][3]) {
  double m[3][3];
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) {
      m[i][j] = 0.5 * (a[i][j] + a[j][i]);
      q[i][j] = i == j;
    }
  /* Cyclic Jacobi (Golub & Van Loan, Matrix Computations, §8.5): each
   * rotation zeroes one off-diagonal element; converges quadratically. */
  for (int sweep = 0; sweep < 50; sweep++) {
    double off = fabs(m[0][1]) + fabs(m[0][2]) + fabs(m[1][2]);
    double scale = fabs(m[0][0]) + fabs(m[1][1]) + fabs(m[2][2]);
    if (off <= 1e-300 || off <= 1e-17 * scale) break;
    for (int p = 0; p < 2; p++)
      for (int r = p + 1; r < 3; r++) {
        if (m[p][r] == 0.0) continue;
        double theta = (m[r][r] - m[p][p]) / (2.0 * m[p][r]);
        double t = (theta >= 0 ? 1.0 : -1.0) /
                   (fabs(theta) + sqrt(theta * theta + 1.0));
        double c = 1.0 / sqrt(t * t + 1.0), s = t * c;
        for (int k = 0; k < 3; k++) { /* m ← m·J */
          double mkp = m[k][p], mkr = m[k][r];
          m[k][p] = c * mkp - s * mkr;
          m[k][r] = s * mkp + c * mkr;
        }
        for (int k = 0; k < 3; k++) { /* m ← Jᵀ·m */
          double mpk = m[p][k], mrk = m[r][k];
          m[p][k] = c * mpk - s * mrk;
          m[r][k] = s * mpk + c * mrk;
        }
        for (int k = 0; k < 3; k++) { /* q ← q·J */
          double qkp = q[k][p], qkr = q[k][r];
          q[k][p] = c * qkp - s * qkr;
          q[k][r] = s * qkp + c * qkr;
        }
      }
  }
  for (int k = 0; k < 3; k++) w[k] = m[k][k];
}

void nacre_opt_sym3_exp(const double lam[3][3], double g[3][3]) {
  double w[3], q[3][3];
  nacre_opt_sym3_eigen(lam, w, q);
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) {
      double v = 0.0;
      for (int k = 0; k < 3; k++) v += q[i][k] * exp(w[k]) * q[j][k];
      g[i][j] = v;
    }
}

void nacre_opt_sym3_exp_grad(const double lam[3][3], const double s[3][3],
                             double out[3][3]) {
  double w[3], q[3][3], t[3][3], u[3][3];
  nacre_opt_sym3_eigen(lam, w, q);
  for (int i = 0; i < 3; i++) /* t = Qᵀ S Q */
    for (int j = 0; j < 3; j++) {
      double v = 0.0;
      for (int a = 0; a < 3; a++)
        for (int b = 0; b < 3; b++) v += q[a][i] * s[a][b] * q[b][j];
      t[i][j] = v;
    }
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) {
      double d = w[i] - w[j], l;
      if (fabs(d) < 1e-8) /* divided difference → derivative, O(d²) exact */
        l = exp(0.5 * (w[i] + w[j])) * (1.0 + d * d / 24.0);
      else
        l = (exp(w[i]) - exp(w[j])) / d;
      u[i][j] = l * t[i][j];
    }
  for (int i = 0; i < 3; i++) /* out = Q U Qᵀ */
    for (int j = 0; j < 3; j++) {
      double v = 0.0;
      for (int a = 0; a < 3; a++)
        for (int b = 0; b < 3; b++) v += q[i][a] * u[a][b] * q[j][b];
      out[i][j] = v;
    }
}
