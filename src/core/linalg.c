/* linalg.c — 3x3 matrix helpers and Voigt notation. */
#include "nacre/core.h"

#include <math.h>

double nacre_mat3_det(const double m[3][3]) {
  return m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
         m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
         m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
}

nacre_status nacre_mat3_inverse(const double m[3][3], double inv[3][3]) {
  double det = nacre_mat3_det(m);
  if (!(fabs(det) > 1e-300) || !isfinite(det)) return NACRE_ERR_NUMERIC;
  double r = 1.0 / det;
  double t[3][3];
  t[0][0] = (m[1][1] * m[2][2] - m[1][2] * m[2][1]) * r;
  t[0][1] = (m[0][2] * m[2][1] - m[0][1] * m[2][2]) * r;
  t[0][2] = (m[0][1] * m[1][2] - m[0][2] * m[1][1]) * r;
  t[1][0] = (m[1][2] * m[2][0] - m[1][0] * m[2][2]) * r;
  t[1][1] = (m[0][0] * m[2][2] - m[0][2] * m[2][0]) * r;
  t[1][2] = (m[0][2] * m[1][0] - m[0][0] * m[1][2]) * r;
  t[2][0] = (m[1][0] * m[2][1] - m[1][1] * m[2][0]) * r;
  t[2][1] = (m[0][1] * m[2][0] - m[0][0] * m[2][1]) * r;
  t[2][2] = (m[0][0] * m[1][1] - m[0][1] * m[1][0]) * r;
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) inv[i][j] = t[i][j];
  return NACRE_OK;
}

void nacre_mat3_mul(const double a[3][3], const double b[3][3],
                    double out[3][3]) {
  double t[3][3];
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++)
      t[i][j] = a[i][0] * b[0][j] + a[i][1] * b[1][j] + a[i][2] * b[2][j];
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) out[i][j] = t[i][j];
}

void nacre_mat3_transpose(const double m[3][3], double out[3][3]) {
  double t[3][3];
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) t[i][j] = m[j][i];
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) out[i][j] = t[i][j];
}

void nacre_voigt_from_mat3(const double m[3][3], double v[6]) {
  v[0] = m[0][0];
  v[1] = m[1][1];
  v[2] = m[2][2];
  v[3] = 0.5 * (m[1][2] + m[2][1]);
  v[4] = 0.5 * (m[0][2] + m[2][0]);
  v[5] = 0.5 * (m[0][1] + m[1][0]);
}

void nacre_mat3_from_voigt(const double v[6], double m[3][3]) {
  m[0][0] = v[0];
  m[1][1] = v[1];
  m[2][2] = v[2];
  m[1][2] = m[2][1] = v[3];
  m[0][2] = m[2][0] = v[4];
  m[0][1] = m[1][0] = v[5];
}
