/* nn_potential.c — the Behler-Parrinello potential: per atom, descriptor →
 * network → dE/dG → forces and stress by the chain rule, fused so every
 * pair and triplet is visited once per pass and no dG/dx tensor is stored.
 *
 * Per centre atom i (neighbours j, k within Rc, sorted by species):
 *  pass 1  G2 from each pair, G4 from each triplet j<k (the ordered sum is
 *          twice the j<k sum); the triplet quantities that cost most (the
 *          Gaussians exp(−η r_jk²), fc(r_jk), cos θ) are cached per atom.
 *  network E_i and c = dE_i/dG (the normalisation scale folded in).
 *  pass 2  for each triplet, Σ_g c_g ∂T_g/∂(r_ij, r_ik, r_jk, cos θ) is
 *          reduced to three sums over the functions, then turned into the
 *          derivatives of E_i with respect to the neighbour vectors r_ij.
 * These per-entry vectors g_e = ∂E_i/∂r_e are stored for a block of atoms
 * (fixed size), then scattered in entry order, F_i += g_e, F_j −= g_e; the
 * virial per atom is Σ_e r_e ⊗ g_e, summed over atoms in order. So the
 * results do not depend on the number of threads.
 *
 * The triplet loops run over k for fixed j with branch-free polynomial
 * exp and cos so the compiler vectorises them. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nacre/nn.h"
#include "nn_internal.h"

typedef struct {
  nacre_nn_model *m;
  double rc, rc2, pi_rc;
  int S, dim, ng2, ng4, neta4, nzl;
  int *zl_int;    /* integer ζ per (ζ, λ) pair, or −1 */
  double *zl_pref; /* 2·2^{1−ζ} per (ζ, λ) pair */
  double rep_r2max;                    /* largest (R_a + R_b)², Å² */
} nn_pot;

typedef struct {
  size_t cap_atoms, cap_entries;
  double *eatom; /* natoms, eV */
  double *vir;   /* 6 per atom: Σ_e r_e ⊗ g_e, Voigt order */
  double *gent;  /* 3 per neighbour-list entry of the current block of
                    atoms (from entry gbase on): ∂E_i/∂r_e */
  int *spc;      /* model species per atom */
  int *dom_out;  /* per atom: 1 when outside the training domain */
  double *dom_exc; /* per atom: largest excess over the domain */
  double *dom_ratio; /* per atom: smallest r / shortest training distance */
} nn_workspace;

/* On x86-64 with GCC the triplet passes are also compiled for AVX2+FMA
 * (with contraction into fused multiply-adds allowed)
 * and picked at run time (the library is built for the baseline ISA). */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && \
    !defined(__SANITIZE_ADDRESS__)
#define NN_CLONES                                                      \
  __attribute__((target_clones("arch=x86-64-v3", "default"),           \
                 optimize("fp-contract=fast")))
#else
#define NN_CLONES
#endif

/* ------------------------------------------------------------------ */
/* Vectorisable elementary functions                                  */
/* ------------------------------------------------------------------ */

/* exp(x) for −700 ≤ x ≤ 0 (smaller x are clamped): x = n ln2 + r with
 * |r| ≤ ln2/2, exp(r) by its Taylor series to r^13 (relative error below
 * 2e-16), 2^n assembled in the exponent bits. */
static inline double exp_neg(double x) {
  const double shifter = 6755399441055744.0; /* 1.5·2^52 */
  /* clamp without a comparison (float compares block vectorisation) */
  double low = 0.5 - copysign(0.5, x + 700.0);
  x += low * (-700.0 - x);
  double t = x * 1.4426950408889634 + shifter;
  double n = t - shifter;
  double r = x - n * 6.93147180369123816490e-01 - n * 1.90821492927058770002e-10;
  double p = 1.0 / 6227020800.0;
  p = p * r + 1.0 / 479001600.0;
  p = p * r + 1.0 / 39916800.0;
  p = p * r + 1.0 / 3628800.0;
  p = p * r + 1.0 / 362880.0;
  p = p * r + 1.0 / 40320.0;
  p = p * r + 1.0 / 5040.0;
  p = p * r + 1.0 / 720.0;
  p = p * r + 1.0 / 120.0;
  p = p * r + 1.0 / 24.0;
  p = p * r + 1.0 / 6.0;
  p = p * r + 0.5;
  p = p * r + 1.0;
  p = p * r + 1.0;
  uint64_t bits;
  memcpy(&bits, &t, sizeof bits);
  bits = (bits - 0x4338000000000000ull + 1023ull) << 52;
  double scale;
  memcpy(&scale, &bits, sizeof scale);
  return p * scale;
}

/* sin(v) and cos(v) for |v| ≤ π/2 by Taylor series (error < 1e-16). */
static inline double sin_small(double v) {
  double v2 = v * v;
  double p = -1.0 / 51090942171709440000.0;
  p = p * v2 + 1.0 / 121645100408832000.0;
  p = p * v2 - 1.0 / 355687428096000.0;
  p = p * v2 + 1.0 / 1307674368000.0;
  p = p * v2 - 1.0 / 6227020800.0;
  p = p * v2 + 1.0 / 39916800.0;
  p = p * v2 - 1.0 / 362880.0;
  p = p * v2 + 1.0 / 5040.0;
  p = p * v2 - 1.0 / 120.0;
  p = p * v2 + 1.0 / 6.0;
  return v - v * v2 * p;
}
static inline double cos_small(double v) {
  double v2 = v * v;
  double p = 1.0 / 1124000727777607680000.0;
  p = p * v2 - 1.0 / 2432902008176640000.0;
  p = p * v2 + 1.0 / 6402373705728000.0;
  p = p * v2 - 1.0 / 20922789888000.0;
  p = p * v2 + 1.0 / 87178291200.0;
  p = p * v2 - 1.0 / 479001600.0;
  p = p * v2 + 1.0 / 3628800.0;
  p = p * v2 - 1.0 / 40320.0;
  p = p * v2 + 1.0 / 720.0;
  p = p * v2 - 1.0 / 24.0;
  p = p * v2 + 0.5;
  return 1.0 - v2 * p;
}

/* ------------------------------------------------------------------ */
/* Per-thread scratch                                                 */
/* ------------------------------------------------------------------ */

typedef struct {
  int maxn;
  size_t maxt; /* triplets: maxn(maxn−1)/2 */
  /* neighbours within Rc, species-sorted */
  double *x, *y, *z, *r, *fc, *dfc, *ir, *dfcr; /* ir = 1/r, dfcr = fc'/r */
  int *sp;
  size_t *ent;
  double *A;  /* neta4 × maxn: exp(−η_n r_j²) */
  double *E2; /* ng2 × maxn: exp(−η (r_j − Rs)²) */
  double *gx, *gy, *gz;
  /* triplet cache over the atom's triplets j < k with r_jk < Rc, packed
   * row after row (row j holds rowcnt[j] entries), field-major */
  double *tX;  /* neta4 × maxt */
  double *tc, *tf3, *td3, *tr3; /* cos θ, fc(r_jk), fc'(r_jk)/r_jk, r_jk */
  int *tk;     /* the neighbour k of each packed triplet */
  int *rowcnt; /* maxn */
  /* row temporaries (maxn), indexed by packed position */
  double *F, *XF, *P, *dP, *b, *pw, *base, *sv, *se, *scs;
  double *kx, *ky, *kz, *kr, *kfc, *kir, *kdfcr, *ka, *kgx, *kgy, *kgz;
  double *G, *xin, *dx, *c, *w1, *w2;
} nn_scratch;

static void scratch_free(nn_scratch *s) {
  free(s->x);
  free(s->tX);
  free(s->F);
  free(s->G);
  free(s->sp);
  free(s->ent);
  free(s->tk);
  free(s->rowcnt);
}

static int scratch_init(nn_scratch *s, const nn_pot *p, int maxn) {
  memset(s, 0, sizeof *s);
  if (maxn < 2) maxn = 2;
  s->maxn = maxn;
  s->maxt = (size_t)maxn * (size_t)(maxn - 1) / 2;
  size_t n = (size_t)maxn;
  size_t nA = (size_t)(p->neta4 > 0 ? p->neta4 : 1);
  size_t nG2 = (size_t)(p->ng2 > 0 ? p->ng2 : 1);
  size_t nZ = (size_t)(p->nzl > 0 ? p->nzl : 1);
  size_t nb = 11 * n + nA * n + nG2 * n;
  s->x = malloc(nb * sizeof(double));
  s->tX = malloc((nA + 4) * s->maxt * sizeof(double));
  s->F = malloc((18 * n + nA * n + 2 * nZ * n) * sizeof(double));
  s->tk = malloc(s->maxt * sizeof(int));
  s->rowcnt = malloc(n * sizeof(int));
  size_t wsz = 0;
  for (int k = 0; k < p->S; k++) {
    size_t w = nacre_nn_network_work_size(&p->m->net[k]);
    if (w > wsz) wsz = w;
  }
  s->G = malloc((4 * (size_t)p->dim + 2 * wsz) * sizeof(double));
  s->sp = malloc(n * sizeof(int));
  s->ent = malloc(n * sizeof(size_t));
  if (!s->x || !s->tX || !s->F || !s->G || !s->sp || !s->ent || !s->tk ||
      !s->rowcnt) {
    scratch_free(s);
    return 0;
  }
  double *q = s->x;
  s->y = q += n;
  s->z = q += n;
  s->r = q += n;
  s->fc = q += n;
  s->dfc = q += n;
  s->gx = q += n;
  s->gy = q += n;
  s->gz = q += n;
  s->ir = q += n;
  s->dfcr = q += n;
  s->A = q += n;
  s->E2 = q + nA * n;
  q = s->tX + nA * s->maxt;
  s->tc = q;
  s->tf3 = q += s->maxt;
  s->td3 = q += s->maxt;
  s->tr3 = q += s->maxt;
  q = s->F;
  s->b = q += n;
  s->pw = q += n;
  s->base = q += n;
  s->sv = q += n;
  s->se = q += n;
  s->scs = q += n;
  s->kx = q += n;
  s->ky = q += n;
  s->kz = q += n;
  s->kr = q += n;
  s->kfc = q += n;
  s->kir = q += n;
  s->kdfcr = q += n;
  s->ka = q += n;
  s->kgx = q += n;
  s->kgy = q += n;
  s->kgz = q += n;
  s->XF = q += n;
  s->P = q += nA * n;
  s->dP = q + nZ * n;
  q = s->G;
  s->xin = q += p->dim;
  s->dx = q += p->dim;
  s->c = q += p->dim;
  s->w1 = q += p->dim;
  s->w2 = q + wsz;
  return 1;
}

/* ------------------------------------------------------------------ */
/* Pieces of the per-atom evaluation                                  */
/* ------------------------------------------------------------------ */

/* Gathers the neighbours of atom i within Rc, sorted by model species
 * (stable, so the order is the neighbour list's). Returns the count. */
static int gather_neighbours(const nn_pot *p, const nacre_structure *st,
                             const nacre_neighbor_list *nl, const int *spc,
                             int i, nn_scratch *s) {
  int n = 0;
  for (int sp = 0; sp < p->S; sp++) {
    for (size_t e = nl->offsets[i]; e < nl->offsets[i + 1]; e++) {
      if (spc[nl->j[e]] != sp) continue;
      double d[3];
      nacre_nl_vector(nl, st, i, e, d);
      double r2 = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
      if (!(r2 < p->rc2) || !(r2 > 0.0)) continue;
      s->x[n] = d[0];
      s->y[n] = d[1];
      s->z[n] = d[2];
      s->r[n] = sqrt(r2);
      s->sp[n] = sp;
      s->ent[n] = e;
      n++;
    }
  }
  return n;
}

/* fc, exp(−η r²) for the G4 Gaussians, G2 terms; accumulates G2. */
static void pair_terms(const nn_pot *p, int n, int si, nn_scratch *s,
                       double *G) {
  const nacre_nn_descriptor *d = &p->m->desc;
  for (int j = 0; j < n; j++) {
    double r = s->r[j], a = p->pi_rc * r;
    s->fc[j] = 0.5 * (cos(a) + 1.0);
    s->dfc[j] = -0.5 * p->pi_rc * sin(a);
    s->ir[j] = 1.0 / r;
    s->dfcr[j] = s->dfc[j] / r;
    for (int q = 0; q < p->neta4; q++)
      s->A[(size_t)q * s->maxn + j] = exp(-d->eta4[q] * r * r);
    int base = d->g2_offset[(s->sp[j] - si + p->S) % p->S];
    for (int g = 0; g < p->ng2; g++) {
      double u = r - d->g2[g].rs;
      double e = exp(-d->g2[g].eta * u * u);
      s->E2[(size_t)g * s->maxn + j] = e;
      G[base + g] += e * s->fc[j];
    }
  }
}

/* Row j of the triplet loop, pass 1: packs the k > j with 0 < r_jk < Rc
 * (about half of them in a crystal) and fills the cache for them and the
 * row temporaries F (cutoff product) and XF (Gaussian·F). Returns the
 * packed count. The packing and gathers are scalar; the rest vectorises. */
static inline __attribute__((always_inline)) int
triplet_row_geometry(const nn_pot *p, int n, int j, size_t off, nn_scratch *s) {
  const nacre_nn_descriptor *d = &p->m->desc;
  const double xj = s->x[j], yj = s->y[j], zj = s->z[j], rj = s->r[j];
  const double fcj = s->fc[j], rc2 = p->rc2, pi_rc = p->pi_rc;
  int *tk = s->tk + off;
  double *tr3 = s->tr3 + off;
  int mc = 0;
  for (int k = j + 1; k < n; k++) {
    double dx = s->x[k] - xj, dy = s->y[k] - yj, dz = s->z[k] - zj;
    double r2 = dx * dx + dy * dy + dz * dz;
    if (r2 < rc2 && r2 > 0.0) {
      tk[mc] = k;
      tr3[mc] = sqrt(r2);
      mc++;
    }
  }
  double *kx = s->kx, *ky = s->ky, *kz = s->kz, *kr = s->kr, *kfc = s->kfc;
  for (int t = 0; t < mc; t++) {
    int k = tk[t];
    kx[t] = s->x[k];
    ky[t] = s->y[k];
    kz[t] = s->z[k];
    kr[t] = s->r[k];
    kfc[t] = s->fc[k];
  }
  double *tc = s->tc + off, *tf3 = s->tf3 + off, *td3 = s->td3 + off;
  double *F = s->F;
#pragma omp simd
  for (int t = 0; t < mc; t++) {
    double r3 = tr3[t];
    double cs = (xj * kx[t] + yj * ky[t] + zj * kz[t]) / (rj * kr[t]);
    /* fc(r3) = ½(1 + cos(π r3/Rc)) = ½(1 − sin(v)), v = π(r3/Rc − ½) */
    double v = pi_rc * r3 - 0.5 * NACRE_PI;
    double f3 = 0.5 * (1.0 - sin_small(v));
    tc[t] = cs;
    tf3[t] = f3;
    td3[t] = -0.5 * pi_rc * cos_small(v) / r3; /* fc'(r3)/r3 */
    F[t] = fcj * kfc[t] * f3;
  }
  for (int q = 0; q < p->neta4; q++) {
    const double eta = d->eta4[q], Aj = s->A[(size_t)q * s->maxn + j];
    const double *A = s->A + (size_t)q * s->maxn;
    double *X = s->tX + (size_t)q * s->maxt + off;
    double *XF = s->XF + (size_t)q * s->maxn, *ka = s->ka;
    for (int t = 0; t < mc; t++) ka[t] = A[tk[t]];
#pragma omp simd
    for (int t = 0; t < mc; t++) {
      double r3 = tr3[t];
      double x = Aj * ka[t] * exp_neg(-eta * r3 * r3);
      X[t] = x;
      XF[t] = x * F[t];
    }
  }
  return mc;
}

/* P_zl = 2·2^{1−ζ}(1 + λ cos)^ζ for each (ζ, λ) over a row of length m;
 * dP_zl = ∂P/∂cos when want_d. */
static inline __attribute__((always_inline)) void
angular_powers(const nn_pot *p, const double *cs, int m, int want_d,
               nn_scratch *s) {
  const nacre_nn_descriptor *d = &p->m->desc;
  for (int q = 0; q < p->nzl; q++) {
    double lam = d->zl_lambda[q], zeta = d->zl_zeta[q], pref = p->zl_pref[q];
    double *P = s->P + (size_t)q * s->maxn, *dP = s->dP + (size_t)q * s->maxn;
    double *b = s->b, *pw = s->pw, *base = s->base;
    int e = p->zl_int[q];
#pragma omp simd
    for (int k = 0; k < m; k++) b[k] = 1.0 + lam * cs[k];
    if (e >= 1) { /* b^(ζ−1) by repeated squaring */
      int ex = e - 1;
      for (int k = 0; k < m; k++) {
        pw[k] = 1.0;
        base[k] = b[k];
      }
      while (ex) {
        if (ex & 1) {
#pragma omp simd
          for (int k = 0; k < m; k++) pw[k] *= base[k];
        }
        ex >>= 1;
        if (ex) {
#pragma omp simd
          for (int k = 0; k < m; k++) base[k] *= base[k];
        }
      }
    } else {
      for (int k = 0; k < m; k++) pw[k] = b[k] > 0.0 ? pow(b[k], zeta - 1.0) : 0.0;
    }
#pragma omp simd
    for (int k = 0; k < m; k++) P[k] = pref * pw[k] * b[k];
    if (want_d) {
      double f = pref * zeta * lam;
#pragma omp simd
      for (int k = 0; k < m; k++) dP[k] = f * pw[k];
    }
  }
}

/* Packed positions [seg[s], seg[s+1]) of a row hold the neighbours k of
 * model species s (neighbours are species-sorted, packing keeps order). */
static inline void row_segments(const nn_scratch *s, const int *tk, int mc,
                                int S, int *seg) {
  int t = 0;
  for (int sp = 0; sp < S; sp++) {
    seg[sp] = t;
    while (t < mc && s->sp[tk[t]] == sp) t++;
  }
  seg[S] = mc;
}

/* Pass 1 over all triplets: fills the cache and accumulates G4. */
NN_CLONES static void triplets_pass1(const nn_pot *p, int n, int si,
                                     nn_scratch *s, double *G) {
  const nacre_nn_descriptor *d = &p->m->desc;
  size_t off = 0;
  int seg[NACRE_NN_MAX_SPECIES + 1];
  if (p->ng4 == 0) return; /* radial-only descriptor */
  for (int j = 0; j + 1 < n; j++) {
    int mc = triplet_row_geometry(p, n, j, off, s);
    s->rowcnt[j] = mc;
    angular_powers(p, s->tc + off, mc, 0, s);
    row_segments(s, s->tk + off, mc, p->S, seg);
    int dj = (s->sp[j] - si + p->S) % p->S;
    for (int sk = 0; sk < p->S; sk++) {
      int a = seg[sk], len = seg[sk + 1] - seg[sk];
      if (len <= 0) continue;
      int base = d->g4_offset[dj][(sk - si + p->S) % p->S];
      for (int g = 0; g < p->ng4; g++) {
        const double *P = s->P + (size_t)d->g4_zl[g] * s->maxn + a;
        const double *XF = s->XF + (size_t)d->g4_eta[g] * s->maxn + a;
        double sum = 0.0;
#pragma omp simd reduction(+ : sum)
        for (int k = 0; k < len; k++) sum += P[k] * XF[k];
        G[base + g] += sum;
      }
    }
    off += (size_t)mc;
  }
}

/* Pass 2: derivatives of E_i with respect to the neighbour vectors, added
 * into gx, gy, gz; c = dE_i/dG. */
NN_CLONES static void triplets_pass2(const nn_pot *p, int n, int si,
                                     const double *c, nn_scratch *s) {
  const nacre_nn_descriptor *d = &p->m->desc;
  size_t off = 0;
  int seg[NACRE_NN_MAX_SPECIES + 1];
  if (p->ng4 == 0) return;
  for (int j = 0; j + 1 < n; j++) {
    int m = s->rowcnt[j];
    const int *tk = s->tk + off;
    angular_powers(p, s->tc + off, m, 1, s);
    row_segments(s, tk, m, p->S, seg);
    double *sv = s->sv, *se = s->se, *sc = s->scs;
    int dj = (s->sp[j] - si + p->S) % p->S;
    for (int k = 0; k < m; k++) sv[k] = se[k] = sc[k] = 0.0;
    for (int sk = 0; sk < p->S; sk++) {
      int a = seg[sk], len = seg[sk + 1] - seg[sk];
      if (len <= 0) continue;
      int base = d->g4_offset[dj][(sk - si + p->S) % p->S];
      for (int g = 0; g < p->ng4; g++) {
        double cg = c[base + g];
        if (cg == 0.0) continue;
        int q = d->g4_eta[g];
        double ceta = cg * d->eta4[q];
        const double *P = s->P + (size_t)d->g4_zl[g] * s->maxn + a;
        const double *dP = s->dP + (size_t)d->g4_zl[g] * s->maxn + a;
        const double *X = s->tX + (size_t)q * s->maxt + off + a;
        double *svk = sv + a, *sek = se + a, *sck = sc + a;
#pragma omp simd
        for (int k = 0; k < len; k++) {
          double px = P[k] * X[k];
          svk[k] += cg * px;
          sek[k] += ceta * px;
          sck[k] += cg * dP[k] * X[k];
        }
      }
    }
    double *kx = s->kx, *ky = s->ky, *kz = s->kz, *kir = s->kir;
    double *kfc = s->kfc, *kdfcr = s->kdfcr;
    for (int t = 0; t < m; t++) {
      int k = tk[t];
      kx[t] = s->x[k];
      ky[t] = s->y[k];
      kz[t] = s->z[k];
      kir[t] = s->ir[k];
      kfc[t] = s->fc[k];
      kdfcr[t] = s->dfcr[k];
    }
    /* ∂T/∂r1 = P X (fc1' fc2 fc3 − 2η r1 F) etc.; ∂cos/∂r_ij = r_ik/(r1 r2)
     * − cos r_ij/r1²; r_jk = r_ik − r_ij. Below aj = (∂f/∂r1)/r1 −
     * (∂f/∂cos)·cos/r1², cjk = (∂f/∂cos)/(r1 r2), a3 = (∂f/∂r3)/r3. */
    const double xj = s->x[j], yj = s->y[j], zj = s->z[j];
    const double fcj = s->fc[j], dfcrj = s->dfcr[j], irj = s->ir[j];
    const double *tc = s->tc + off, *tf3 = s->tf3 + off, *td3 = s->td3 + off;
    double *kgx = s->kgx, *kgy = s->kgy, *kgz = s->kgz;
    double gxj = 0.0, gyj = 0.0, gzj = 0.0;
#pragma omp simd reduction(+ : gxj, gyj, gzj)
    for (int k = 0; k < m; k++) {
      double f3 = tf3[k], cs = tc[k], fk = kfc[k], ik = kir[k];
      double F = fcj * fk * f3;
      double Ac = F * sc[k];
      double base = -2.0 * F * se[k];
      double aj = base + sv[k] * dfcrj * fk * f3 - Ac * cs * irj * irj;
      double ak = base + sv[k] * fcj * kdfcr[k] * f3 - Ac * cs * ik * ik;
      double a3 = base + sv[k] * fcj * fk * td3[k];
      double cjk = Ac * irj * ik;
      double dx = kx[k] - xj, dy = ky[k] - yj, dz = kz[k] - zj;
      gxj += aj * xj + cjk * kx[k] - a3 * dx;
      gyj += aj * yj + cjk * ky[k] - a3 * dy;
      gzj += aj * zj + cjk * kz[k] - a3 * dz;
      kgx[k] = ak * kx[k] + cjk * xj + a3 * dx;
      kgy[k] = ak * ky[k] + cjk * yj + a3 * dy;
      kgz[k] = ak * kz[k] + cjk * zj + a3 * dz;
    }
    for (int t = 0; t < m; t++) {
      int k = tk[t];
      s->gx[k] += kgx[t];
      s->gy[k] += kgy[t];
      s->gz[k] += kgz[t];
    }
    s->gx[j] += gxj;
    s->gy[j] += gyj;
    s->gz[j] += gzj;
    off += (size_t)m;
  }
}

/* Radial part of pass 2. */
static void pairs_pass2(const nn_pot *p, int n, int si, const double *c,
                        nn_scratch *s) {
  const nacre_nn_descriptor *d = &p->m->desc;
  for (int j = 0; j < n; j++) {
    int base = d->g2_offset[(s->sp[j] - si + p->S) % p->S];
    double r = s->r[j], fc = s->fc[j], dfc = s->dfc[j], dr = 0.0;
    for (int g = 0; g < p->ng2; g++) {
      double u = r - d->g2[g].rs;
      dr += c[base + g] * s->E2[(size_t)g * s->maxn + j] *
            (dfc - 2.0 * d->g2[g].eta * u * fc);
    }
    dr /= r;
    s->gx[j] += dr * s->x[j];
    s->gy[j] += dr * s->y[j];
    s->gz[j] += dr * s->z[j];
  }
}

/* MAISE's repulsion, entries of atom i: E_i += U fc_R(r) R/r for r < R. */
static double repulsion_atom(const nn_pot *p, const nacre_structure *st,
                             const nacre_neighbor_list *nl, const int *spc,
                             int i, double *gent, size_t gbase) {
  const nacre_nn_model *m = p->m;
  double e = 0.0, U = m->repulsion_u;
  for (size_t k = nl->offsets[i]; k < nl->offsets[i + 1]; k++) {
    double d[3];
    nacre_nl_vector(nl, st, i, k, d);
    double r2 = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
    if (!(r2 < p->rep_r2max) || !(r2 > 0.0)) continue;
    double R = m->repulsion_radius[spc[i]] + m->repulsion_radius[spc[nl->j[k]]];
    double r = sqrt(r2);
    if (!(r < R)) continue;
    double a = NACRE_PI / R;
    double fc = 0.5 * (cos(a * r) + 1.0), dfc = -0.5 * a * sin(a * r);
    e += U * fc * R / r;
    if (gent) {
      double dEdr = U * R * (dfc / r - fc / r2);
      for (int q = 0; q < 3; q++) gent[3 * (k - gbase) + q] += dEdr * d[q] / r;
    }
  }
  return e;
}

/* Smallest r_ij / (shortest distance of that species pair in the training
 * data) over the neighbours gathered (+inf when not known). */
static double closest_ratio(const nacre_nn_model *m, int si, int n,
                            const nn_scratch *s) {
  double q = INFINITY;
  if (m->domain.source == NACRE_NN_DOMAIN_NONE) return q;
  for (int j = 0; j < n; j++) {
    double rmin = m->domain.pair_min[si][s->sp[j]];
    if (rmin > 0.0 && s->r[j] < q * rmin) q = s->r[j] / rmin;
  }
  return q;
}

/* Whole evaluation of one atom; returns E_i. With derivatives, the entries'
 * g vectors are written to ws->gent (entry e at e − gbase) and the atom's
 * virial to ws->vir. */
static double atom_energy(const nn_pot *p, const nacre_structure *st,
                          const nacre_neighbor_list *nl, nn_workspace *ws,
                          int i, int derivs, size_t gbase, nn_scratch *s) {
  const nacre_nn_model *m = p->m;
  int si = ws->spc[i];
  double *G = s->G;
  if (derivs)
    for (size_t e = nl->offsets[i]; e < nl->offsets[i + 1]; e++)
      ws->gent[3 * (e - gbase)] = ws->gent[3 * (e - gbase) + 1] =
          ws->gent[3 * (e - gbase) + 2] = 0.0;
  int n = gather_neighbours(p, st, nl, ws->spc, i, s);
  memset(G, 0, (size_t)p->dim * sizeof(double));
  pair_terms(p, n, si, s, G);
  triplets_pass1(p, n, si, s, G);
  const double *mn = m->input_min + (size_t)si * p->dim;
  const double *sc = m->input_scale + (size_t)si * p->dim;
  for (int l = 0; l < p->dim; l++) s->xin[l] = (G[l] - mn[l]) * sc[l];
  ws->dom_out[i] = nacre_nn_domain_atom_outside(m, si, G, &ws->dom_exc[i]) > 0;
  ws->dom_ratio[i] = closest_ratio(m, si, n, s);
  const nacre_nn_network *net = &m->net[si];
  double E = nacre_nn_network_forward(net, s->xin, s->w1) + m->ref_energy[si];
  if (m->repulsion)
    E += repulsion_atom(p, st, nl, ws->spc, i, derivs ? ws->gent : NULL, gbase);
  if (!derivs) return E;
  nacre_nn_network_backward(net, s->xin, s->w1, s->w2, s->dx, NULL, 1.0);
  for (int l = 0; l < p->dim; l++) s->c[l] = s->dx[l] * sc[l];
  for (int j = 0; j < n; j++) s->gx[j] = s->gy[j] = s->gz[j] = 0.0;
  pairs_pass2(p, n, si, s->c, s);
  triplets_pass2(p, n, si, s->c, s);
  for (int j = 0; j < n; j++) {
    double *g = &ws->gent[3 * (s->ent[j] - gbase)];
    g[0] += s->gx[j];
    g[1] += s->gy[j];
    g[2] += s->gz[j];
  }
  double w[6] = {0, 0, 0, 0, 0, 0};
  for (size_t e = nl->offsets[i]; e < nl->offsets[i + 1]; e++) {
    const double *g = &ws->gent[3 * (e - gbase)];
    if (g[0] == 0.0 && g[1] == 0.0 && g[2] == 0.0) continue;
    double d[3];
    nacre_nl_vector(nl, st, i, e, d);
    w[0] += d[0] * g[0];
    w[1] += d[1] * g[1];
    w[2] += d[2] * g[2];
    w[3] += 0.5 * (d[1] * g[2] + d[2] * g[1]);
    w[4] += 0.5 * (d[0] * g[2] + d[2] * g[0]);
    w[5] += 0.5 * (d[0] * g[1] + d[1] * g[0]);
  }
  memcpy(&ws->vir[6 * (size_t)i], w, sizeof w);
  return E;
}

/* ------------------------------------------------------------------ */
/* Workspace and the compute entry point                              */
/* ------------------------------------------------------------------ */

static void *nn_workspace_new(const void *model) {
  (void)model;
  return calloc(1, sizeof(nn_workspace));
}

static void nn_workspace_free(void *w) {
  nn_workspace *ws = w;
  if (!ws) return;
  free(ws->eatom);
  free(ws->vir);
  free(ws->gent);
  free(ws->spc);
  free(ws->dom_out);
  free(ws->dom_exc);
  free(ws->dom_ratio);
  free(ws);
}

/* Atoms are evaluated in blocks of a fixed size; the per-entry vectors of
 * one block are scattered into the forces (serially, in entry order) before
 * the next block, so memory stays small and the sums do not depend on the
 * number of threads. */
#define NN_BLOCK 512

static nacre_status workspace_fit(nn_workspace *ws, int natoms,
                                  const nacre_neighbor_list *nl, int derivs,
                                  nacre_error *err) {
  size_t na = (size_t)natoms + 1;
  if (ws->cap_atoms < na) {
    free(ws->eatom);
    free(ws->vir);
    free(ws->spc);
    free(ws->dom_out);
    free(ws->dom_exc);
    free(ws->dom_ratio);
    ws->eatom = malloc(na * sizeof(double));
    ws->vir = malloc(6 * na * sizeof(double));
    ws->spc = malloc(na * sizeof(int));
    ws->dom_out = malloc(na * sizeof(int));
    ws->dom_exc = malloc(na * sizeof(double));
    ws->dom_ratio = malloc(na * sizeof(double));
    ws->cap_atoms = na;
    if (!ws->eatom || !ws->vir || !ws->spc || !ws->dom_out || !ws->dom_exc ||
        !ws->dom_ratio) {
      ws->cap_atoms = 0;
      return nacre_error_set(err, NACRE_ERR_NOMEM, "nn workspace (%d atoms)",
                             natoms);
    }
  }
  if (!derivs) return NACRE_OK;
  size_t ne = 1;
  for (int b0 = 0; b0 < natoms; b0 += NN_BLOCK) {
    int b1 = b0 + NN_BLOCK < natoms ? b0 + NN_BLOCK : natoms;
    size_t c = nl->offsets[b1] - nl->offsets[b0];
    if (c > ne) ne = c;
  }
  if (ws->cap_entries < ne) {
    free(ws->gent);
    ws->gent = malloc(3 * ne * sizeof(double));
    ws->cap_entries = ne;
    if (!ws->gent) {
      ws->cap_entries = 0;
      return nacre_error_set(err, NACRE_ERR_NOMEM,
                             "nn workspace (%zu neighbour entries)", ne);
    }
  }
  return NACRE_OK;
}

/* x outside [lo, hi] by more than the margin of its width */
static int beyond(double x, double lo, double hi) {
  if (!isfinite(lo) || !isfinite(hi)) return 0;
  double m = NACRE_NN_DOMAIN_MARGIN * (hi - lo > 0.0 ? hi - lo : fabs(hi) + 1e-9);
  return x < lo - m || x > hi + m;
}

/* Where the structure lies relative to the training domain (nacre/nn.h). */
static void domain_report(const nacre_nn_model *m, const nacre_structure *st,
                          const nn_workspace *ws, nacre_result *res) {
  const nacre_nn_domain *d = &m->domain;
  nacre_domain_report *r = &res->domain;
  if (d->source == NACRE_NN_DOMAIN_NONE) return;
  r->known = 1;
  double ratio = INFINITY;
  for (int i = 0; i < st->natoms; i++) {
    int close = ws->dom_ratio[i] < 1.0 - NACRE_NN_DOMAIN_DISTANCE_TOLERANCE;
    r->atoms_outside += ws->dom_out[i] || close;
    if (res->atom_outside) res->atom_outside[i] = ws->dom_out[i] || close;
    r->atoms_too_close += close;
    if (ws->dom_exc[i] > r->excess) r->excess = ws->dom_exc[i];
    if (ws->dom_ratio[i] < ratio) ratio = ws->dom_ratio[i];
  }
  r->distance_ratio = isfinite(ratio) ? ratio : 0.0;
  int periodic = st->pbc[0] && st->pbc[1] && st->pbc[2] && st->natoms > 0;
  if (periodic) {
    double v = fabs(nacre_cell_volume(st->cell)) / st->natoms;
    r->volume_outside = beyond(v, d->volume_min, d->volume_max);
  }
}

/* Two atoms at one place (files are refused when read, but the library
 * takes any structure) would drop out of each other's descriptors, whose
 * pairs at r = 0 are skipped, and give a finite, wrong energy. */
static nacre_status refuse_coincident(const nacre_structure *st,
                                      const nacre_neighbor_list *nl,
                                      nacre_error *err) {
  const double tol2 = NACRE_COINCIDENT_A * NACRE_COINCIDENT_A;
  for (int i = 0; i < st->natoms; i++)
    for (size_t e = nl->offsets[i]; e < nl->offsets[i + 1]; e++) {
      double d[3];
      nacre_nl_vector(nl, st, i, e, d);
      double r2 = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
      if (r2 < tol2)
        return nacre_error_set(err, NACRE_ERR_INVALID,
                               "atoms %d and %d are at the same position (%.3g Å "
                               "apart): the nn potential is not defined there",
                               i + 1, nl->j[e] + 1, sqrt(r2));
    }
  return NACRE_OK;
}

static nacre_status nn_compute(const void *model, const nacre_structure *st,
                               const nacre_neighbor_list *nl, unsigned want,
                               nacre_result *res, void *workspace,
                               nacre_error *err) {
  const nn_pot *p = model;
  nn_workspace *ws = workspace;
  int natoms = st->natoms;
  int derivs = (want & (NACRE_WANT_FORCES | NACRE_WANT_STRESS)) != 0;
  nacre_status stt = refuse_coincident(st, nl, err);
  if (!stt) stt = workspace_fit(ws, natoms, nl, derivs, err);
  if (stt) return stt;
  int maxn = 0;
  for (int i = 0; i < natoms; i++) {
    ws->spc[i] = nacre_nn_model_species(p->m, st->numbers[i]);
    if (ws->spc[i] < 0)
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "nn model has no species Z=%d (atom %d)",
                             st->numbers[i], i + 1);
    int c = (int)(nl->offsets[i + 1] - nl->offsets[i]);
    if (c > maxn) maxn = c;
  }
  int failed = 0, forces = (want & NACRE_WANT_FORCES) != 0;
  /* small cells: thread start-up costs more than it saves */
#pragma omp parallel if (natoms > 8)
  {
    nn_scratch s;
    int ok = scratch_init(&s, p, maxn);
    if (!ok) {
#pragma omp atomic write
      failed = 1;
    }
    for (int b0 = 0; b0 < natoms; b0 += NN_BLOCK) {
      int b1 = b0 + NN_BLOCK < natoms ? b0 + NN_BLOCK : natoms;
      size_t gbase = nl->offsets[b0];
#pragma omp for schedule(dynamic, 4)
      for (int i = b0; i < b1; i++)
        if (ok) ws->eatom[i] = atom_energy(p, st, nl, ws, i, derivs, gbase, &s);
      if (forces) {
#pragma omp single
        { /* F_i += ∂E/∂r_e, F_j −= ∂E/∂r_e (r_e = x_j − x_i + S·cell) */
          for (int i = b0; i < b1; i++)
            for (size_t e = nl->offsets[i]; e < nl->offsets[i + 1]; e++) {
              const double *g = &ws->gent[3 * (e - gbase)];
              double *fi = &res->forces[3 * i], *fj = &res->forces[3 * nl->j[e]];
              for (int q = 0; q < 3; q++) {
                fi[q] += g[q];
                fj[q] -= g[q];
              }
            }
        }
      }
    }
    if (ok) scratch_free(&s);
  }
  if (failed)
    return nacre_error_set(err, NACRE_ERR_NOMEM,
                           "nn scratch for %d neighbours", maxn);
  double E = 0.0;
  for (int i = 0; i < natoms; i++) E += ws->eatom[i];
  res->energy = E;
  if (want & NACRE_WANT_ATOM_ENERGIES)
    memcpy(res->atom_energies, ws->eatom, (size_t)natoms * sizeof(double));
  if (want & NACRE_WANT_STRESS) {
    double w[6] = {0, 0, 0, 0, 0, 0};
    for (int i = 0; i < natoms; i++)
      for (int q = 0; q < 6; q++) w[q] += ws->vir[6 * (size_t)i + q];
    double vol = fabs(nacre_cell_volume(st->cell));
    for (int q = 0; q < 6; q++) res->stress[q] = vol > 0.0 ? w[q] / vol : 0.0;
  }
  domain_report(p->m, st, ws, res);
  return NACRE_OK;
}

static void nn_model_free(void *model) {
  nn_pot *p = model;
  if (!p) return;
  nacre_nn_model_free(p->m);
  free(p->zl_pref);
  free(p->zl_int);
  free(p);
}

static void nn_describe(const void *model, char *buf, size_t buflen) {
  const nn_pot *p = model;
  const nacre_nn_model *m = p->m;
  int len = snprintf(buf, buflen, "Behler-Parrinello NN (");
  for (int s = 0; s < m->nspecies && len >= 0 && (size_t)len < buflen; s++)
    len += snprintf(buf + len, buflen - (size_t)len, "%s%s", s ? "-" : "",
                    nacre_element_by_z(m->z[s])->symbol);
  if (len >= 0 && (size_t)len < buflen)
    snprintf(buf + len, buflen - (size_t)len,
             "), %d inputs (%d G2 + %d G4 per block), cutoff %.4g Å, "
             "repulsion %s%s%s",
             m->desc.dim, m->desc.ng2, m->desc.ng4, m->desc.cutoff,
             m->repulsion ? "on" : "off", m->prov.source[0] ? ", " : "",
             m->prov.source);
}

static const nacre_potential_ops nn_ops = {
    .kind = "nn",
    .compute = nn_compute,
    .workspace_new = nn_workspace_new,
    .workspace_free = nn_workspace_free,
    .model_free = nn_model_free,
    .describe = nn_describe,
};

static nacre_status nn_network_potential_new(nacre_nn_model *m,
                                             nacre_potential **out,
                                             nacre_error *err);

nacre_status nacre_nn_potential_new(nacre_nn_model *m, nacre_potential **out,
                                    nacre_error *err) {
  char baseline[sizeof m->baseline];
  snprintf(baseline, sizeof baseline, "%s", m->baseline);
  nacre_status st = nn_network_potential_new(m, out, err);
  if (st || !baseline[0]) return st;
  nacre_potential *t[2] = {*out, NULL};
  *out = NULL;
  if ((st = nacre_potential_load(baseline, &t[1], err))) {
    nacre_potential_free(t[0]);
    return nacre_error_prefix(err, "the model's baseline '%s': ", baseline);
  }
  return nacre_sum_new(t, 2, out, err);
}

static nacre_status nn_network_potential_new(nacre_nn_model *m,
                                             nacre_potential **out,
                                             nacre_error *err) {
  *out = NULL;
  nacre_status st = nacre_nn_model_check(m, err);
  if (st) {
    nacre_nn_model_free(m);
    return st;
  }
  nn_pot *p = calloc(1, sizeof *p);
  if (p) {
    p->zl_pref = malloc((size_t)(m->desc.nzl + 1) * sizeof(double));
    p->zl_int = malloc((size_t)(m->desc.nzl + 1) * sizeof(int));
  }
  if (!p || !p->zl_pref || !p->zl_int) {
    if (p) {
      free(p->zl_pref);
      free(p->zl_int);
    }
    free(p);
    nacre_nn_model_free(m);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "nn potential");
  }
  p->m = m;
  p->S = m->nspecies;
  p->rc = m->desc.cutoff;
  p->rc2 = p->rc * p->rc;
  p->pi_rc = NACRE_PI / p->rc;
  p->dim = m->desc.dim;
  p->ng2 = m->desc.ng2;
  p->ng4 = m->desc.ng4;
  p->neta4 = m->desc.neta4;
  p->nzl = m->desc.nzl;
  for (int q = 0; q < p->nzl; q++) {
    double z = m->desc.zl_zeta[q];
    p->zl_int[q] = z == floor(z) ? (int)z : -1;
    p->zl_pref[q] = 2.0 * pow(2.0, 1.0 - z); /* ×2: the j<k half */
  }
  double rmax = 0.0;
  for (int s = 0; s < p->S; s++)
    if (m->repulsion_radius[s] > rmax) rmax = m->repulsion_radius[s];
  p->rep_r2max = 4.0 * rmax * rmax;
  double cutoff = p->rc;
  if (m->repulsion && 2.0 * rmax > cutoff) cutoff = 2.0 * rmax;
  *out = nacre_potential_wrap(&nn_ops, p, cutoff, m->z, m->nspecies, err);
  return *out ? NACRE_OK : (err ? err->status : NACRE_ERR_NOMEM);
}

nacre_status nacre_nn_repulsion(const nacre_nn_model *m,
                                const nacre_structure *s, double *energy,
                                double *forces, double stress[6],
                                nacre_error *err) {
  int n = s->natoms;
  *energy = 0.0;
  if (forces) memset(forces, 0, 3 * (size_t)n * sizeof *forces);
  if (stress) memset(stress, 0, 6 * sizeof *stress);
  double rmax = 0.0;
  for (int q = 0; q < m->nspecies; q++)
    if (m->repulsion_radius[q] > rmax) rmax = m->repulsion_radius[q];
  if (!m->repulsion || !(rmax > 0.0) || n == 0) return NACRE_OK;
  nacre_neighbor_list *nl = nacre_nl_new(2.0 * rmax, 0.0, err);
  if (!nl) return err ? err->status : NACRE_ERR_NOMEM;
  nacre_status st = nacre_nl_update(nl, s, NULL, err);
  double w[6] = {0, 0, 0, 0, 0, 0}, e = 0.0, U = m->repulsion_u;
  for (int i = 0; !st && i < n; i++) {
    int si = nacre_nn_model_species(m, s->numbers[i]);
    for (size_t k = nl->offsets[i]; si >= 0 && k < nl->offsets[i + 1]; k++) {
      int sj = nacre_nn_model_species(m, s->numbers[nl->j[k]]);
      if (sj < 0) continue;
      double d[3];
      nacre_nl_vector(nl, s, i, k, d);
      double r2 = d[0] * d[0] + d[1] * d[1] + d[2] * d[2], r = sqrt(r2);
      double R = m->repulsion_radius[si] + m->repulsion_radius[sj];
      if (!(r < R) || !(r > 0.0)) continue;
      double a = NACRE_PI / R;
      double fc = 0.5 * (cos(a * r) + 1.0), dfc = -0.5 * a * sin(a * r);
      e += U * fc * R / r;
      double g[3], dEdr = U * R * (dfc / r - fc / r2);
      for (int q = 0; q < 3; q++) g[q] = dEdr * d[q] / r;
      if (forces)
        for (int q = 0; q < 3; q++) {
          forces[3 * i + q] += g[q];
          forces[3 * nl->j[k] + q] -= g[q];
        }
      w[0] += d[0] * g[0];
      w[1] += d[1] * g[1];
      w[2] += d[2] * g[2];
      w[3] += 0.5 * (d[1] * g[2] + d[2] * g[1]);
      w[4] += 0.5 * (d[0] * g[2] + d[2] * g[0]);
      w[5] += 0.5 * (d[0] * g[1] + d[1] * g[0]);
    }
  }
  nacre_nl_free(nl);
  *energy = e;
  double vol = fabs(nacre_cell_volume(s->cell));
  if (stress)
    for (int q = 0; q < 6; q++) stress[q] = vol > 0.0 ? w[q] / vol : 0.0;
  return st;
}

const nacre_nn_model *nacre_nn_potential_model(const nacre_potential *p) {
  if (strcmp(nacre_potential_kind(p), "nn")) return NULL;
  return ((const nn_pot *)nacre_potential_model(p))->m;
}

nacre_status nacre_nn_potential_load(const char *path, nacre_potential **out,
                                     nacre_error *err) {
  *out = NULL;
  nacre_nn_model **ms = NULL;
  int k = 0;
  char head[64];
  size_t len;
  nacre_status st = nn_read_head(path, head, sizeof head, &len, err);
  if (st) return st;
  int legacy = nacre_nn_probe_legacy(head, len);
  if ((st = nacre_nn_models_read(path, &ms, &k, err))) return st;
  nacre_potential **pots = calloc((size_t)k, sizeof *pots);
  int made = 0;
  if (!pots) st = nacre_error_set(err, NACRE_ERR_NOMEM, "%s", path);
  for (int q = 0; q < k; q++) {
    if (st) { /* not handed to a potential */
      nacre_nn_model_free(ms[q]);
      continue;
    }
    if (!(st = nacre_nn_potential_new(ms[q], &pots[q], err))) made++;
  }
  free(ms);
  if (st) {
    for (int q = 0; q < made; q++) nacre_potential_free(pots[q]);
    free(pots);
    return st;
  }
  if (k == 1)
    *out = pots[0];
  else if ((st = nacre_committee_new(pots, k, out, err))) {
    free(pots);
    return st;
  }
  free(pots);
  if (legacy)
    nacre_potential_set_note(*out,
                             "%s: the nacre-train text format is deprecated "
                             "and will not be read by the next release; "
                             "rewrite it as a nacre JSON model with "
                             "'nacre train --convert %s -o MODEL.json'",
                             path, path);
  return NACRE_OK;
}

static int probe_maise(const char *path, const char *head, size_t len) {
  (void)path;
  return nacre_nn_probe_maise(head, len);
}
static int probe_json(const char *path, const char *head, size_t len) {
  (void)path;
  return nacre_nn_probe_json(head, len);
}

const nacre_potential_loader nacre_nn_maise_loader = {
    "maise-nn", probe_maise, nacre_nn_potential_load};
static int probe_legacy(const char *path, const char *head, size_t len) {
  (void)path;
  return nacre_nn_probe_legacy(head, len);
}

const nacre_potential_loader nacre_nn_json_loader = {
    "nacre-nn", probe_json, nacre_nn_potential_load};
const nacre_potential_loader nacre_nn_legacy_loader = {
    "nacre-train", probe_legacy, nacre_nn_potential_load};
