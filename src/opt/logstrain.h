/* logstrain.h — internal to opt/: the symmetric log-strain cell coordinate
 * G = exp(Λ) and the chain rule from ∂H/∂G to ∂H/∂Λ. */
#ifndef NACRE_OPT_LOGSTRAIN_H
#define NACRE_OPT_LOGSTRAIN_H

/* Eigen-decomposition of a symmetric 3x3 matrix by cyclic Jacobi rotations:
 * a = q · diag(w) · q^T, eigenvectors in the columns of q. */
void nacre_opt_sym3_eigen(const double a[3][3], double w[3], double q[3][3]);
/* exp(Λ) for symmetric Λ. */
void nacre_opt_sym3_exp(const double lam[3][3], double g[3][3]);
/* Given the symmetric gradient S = ∂H/∂G at G = exp(Λ), returns ∂H/∂Λ =
 * Q (L ∘ (Qᵀ S Q)) Qᵀ with L_ij = (e^λi − e^λj)/(λi − λj) (e^λi when
 * λi = λj): the Daleckii–Krein form of the Fréchet derivative of exp, which
 * is self-adjoint for symmetric arguments. */
void nacre_opt_sym3_exp_grad(const double lam[3][3], const double s[3][3],
                             double out[3][3]);

#endif
