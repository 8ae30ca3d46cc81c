/* mlp.c — the per-species multilayer perceptron of a Behler-Parrinello
 * potential and the derivatives training needs.
 *
 * Layers k = 1..L−1: a_k = W_k h_{k−1} + b_k, h_k = f(a_k) for hidden layers,
 * E = a_{L−1} (linear output), h_0 = x. Forces and stress are linear in
 * ∂E/∂x, so their loss terms need ∂/∂w of the directional derivative
 * φ = (∂E/∂x)·c. φ is computed by the tangent recursion ḣ_0 = c,
 * ȧ_k = W_k ḣ_{k−1}, ḣ_k = f'(a_k) ȧ_k, φ = W_{L−1} ḣ_{L−2}, and its weight
 * gradient by one reverse pass through both recursions (forward-over-
 * reverse differentiation; see Griewank & Walther, "Evaluating
 * Derivatives", 2nd ed., ch. 5). */
#include <math.h>
#include <string.h>

#include "nacre/train.h"

static const char *act_names[] = {"tanh", "sigmoid", "softplus", "silu"};

const char *nacre_activation_name(nacre_activation a) {
  return (unsigned)a < 4 ? act_names[a] : "?";
}

int nacre_activation_parse(const char *name, nacre_activation *out) {
  for (int k = 0; k < 4; k++)
    if (!strcmp(name, act_names[k])) {
      *out = (nacre_activation)k;
      return 0;
    }
  return -1;
}

nacre_status nacre_mlp_init(nacre_mlp *m, int nlayers, const int *sizes,
                            nacre_activation act, nacre_error *err) {
  memset(m, 0, sizeof *m);
  if (nlayers < 2 || nlayers > NACRE_MLP_MAX_LAYERS)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "a network needs 2 to %d layers, got %d",
                           NACRE_MLP_MAX_LAYERS, nlayers);
  if (sizes[nlayers - 1] != 1)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "the output layer must have one unit, got %d",
                           sizes[nlayers - 1]);
  if ((unsigned)act > NACRE_ACT_SILU)
    return nacre_error_set(err, NACRE_ERR_INVALID, "unknown activation %d",
                           (int)act);
  m->nlayers = nlayers;
  m->act = act;
  long off = 0;
  for (int k = 0; k < nlayers; k++) {
    if (sizes[k] < 1 || sizes[k] > 100000)
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "layer %d has %d units", k, sizes[k]);
    m->sizes[k] = sizes[k];
  }
  for (int k = 1; k < nlayers; k++) {
    m->bias_off[k] = (int)off;
    off += sizes[k];
  }
  for (int k = 1; k < nlayers; k++) {
    m->weight_off[k] = (int)off;
    off += (long)sizes[k] * sizes[k - 1];
    if (off > 100000000L)
      return nacre_error_set(err, NACRE_ERR_INVALID, "network too large");
  }
  m->nweights = (int)off;
  return NACRE_OK;
}

/* Per hidden/output layer: a, h, f', f'', ȧ, ḣ, bar_h, bar_ḣ, bar_a, bar_ȧ;
 * plus h_0 and ḣ_0 views. */
int nacre_mlp_scratch_size(const nacre_mlp *m) {
  int n = 0;
  for (int k = 0; k < m->nlayers; k++) n += m->sizes[k];
  return 10 * n + 16;
}

typedef struct layer_bufs {
  double *a, *h, *fp, *fpp, *ad, *hd, *bh, *bhd, *ba, *bad;
} layer_bufs;

static void carve(const nacre_mlp *m, double *scratch,
                  layer_bufs L[NACRE_MLP_MAX_LAYERS]) {
  double *p = scratch;
  for (int k = 0; k < m->nlayers; k++) {
    int n = m->sizes[k];
    L[k].a = p; p += n;
    L[k].h = p; p += n;
    L[k].fp = p; p += n;
    L[k].fpp = p; p += n;
    L[k].ad = p; p += n;
    L[k].hd = p; p += n;
    L[k].bh = p; p += n;
    L[k].bhd = p; p += n;
    L[k].ba = p; p += n;
    L[k].bad = p; p += n;
  }
}

/* f(a), f'(a), f''(a) */
static inline void activate(nacre_activation act, double a, double *f,
                            double *fp, double *fpp) {
  switch (act) {
  case NACRE_ACT_TANH: {
    double t = tanh(a);
    *f = t;
    *fp = 1 - t * t;
    *fpp = -2 * t * (1 - t * t);
    break;
  }
  case NACRE_ACT_SIGMOID: {
    double s = 1 / (1 + exp(-a));
    *f = s;
    *fp = s * (1 - s);
    *fpp = s * (1 - s) * (1 - 2 * s);
    break;
  }
  case NACRE_ACT_SOFTPLUS: {
    double s = 1 / (1 + exp(-a));
    *f = a > 30 ? a : log1p(exp(a));
    *fp = s;
    *fpp = s * (1 - s);
    break;
  }
  default: { /* SiLU: a·σ(a) */
    double s = 1 / (1 + exp(-a));
    *f = a * s;
    *fp = s + a * s * (1 - s);
    *fpp = s * (1 - s) * (2 + a * (1 - 2 * s));
    break;
  }
  }
}

/* Forward pass storing a, h, f', f'' of every layer; returns E. */
static double forward(const nacre_mlp *m, const double *w, const double *x,
                      layer_bufs *L) {
  int nl = m->nlayers;
  memcpy(L[0].h, x, (size_t)m->sizes[0] * sizeof *x);
  for (int k = 1; k < nl; k++) {
    int no = m->sizes[k], ni = m->sizes[k - 1];
    const double *W = w + m->weight_off[k], *b = w + m->bias_off[k];
    const double *hin = L[k - 1].h;
    for (int o = 0; o < no; o++) {
      const double *row = W + (size_t)o * ni;
      double s = b[o];
      for (int i = 0; i < ni; i++) s += row[i] * hin[i];
      L[k].a[o] = s;
      if (k < nl - 1)
        activate(m->act, s, &L[k].h[o], &L[k].fp[o], &L[k].fpp[o]);
      else
        L[k].h[o] = s;
    }
  }
  return L[nl - 1].h[0];
}

double nacre_mlp_eval(const nacre_mlp *m, const double *w, const double *x,
                      double *dedx, double *scratch) {
  layer_bufs L[NACRE_MLP_MAX_LAYERS];
  carve(m, scratch, L);
  double e = forward(m, w, x, L);
  if (!dedx) return e;
  int nl = m->nlayers;
  /* reverse: bar_h_{L-2} = W_{L-1}ᵀ; bar_a_k = f'(a_k) bar_h_k */
  double *bh = L[nl - 2].bh;
  const double *Wout = w + m->weight_off[nl - 1];
  memcpy(bh, Wout, (size_t)m->sizes[nl - 2] * sizeof *bh);
  for (int k = nl - 2; k >= 1; k--) {
    int no = m->sizes[k], ni = m->sizes[k - 1];
    const double *W = w + m->weight_off[k];
    double *ba = L[k].ba, *bin = k > 1 ? L[k - 1].bh : dedx;
    for (int o = 0; o < no; o++) ba[o] = L[k].fp[o] * L[k].bh[o];
    for (int i = 0; i < ni; i++) bin[i] = 0;
    for (int o = 0; o < no; o++) {
      const double *row = W + (size_t)o * ni;
      double g = ba[o];
      for (int i = 0; i < ni; i++) bin[i] += g * row[i];
    }
  }
  if (nl == 2) memcpy(dedx, Wout, (size_t)m->sizes[0] * sizeof *dedx);
  return e;
}

void nacre_mlp_backward(const nacre_mlp *m, const double *w, const double *x,
                        double alpha, const double *c, double *grad,
                        double *scratch) {
  layer_bufs L[NACRE_MLP_MAX_LAYERS];
  carve(m, scratch, L);
  forward(m, w, x, L);
  int nl = m->nlayers;
  if (c) { /* tangent recursion */
    memcpy(L[0].hd, c, (size_t)m->sizes[0] * sizeof *c);
    for (int k = 1; k < nl - 1; k++) {
      int no = m->sizes[k], ni = m->sizes[k - 1];
      const double *W = w + m->weight_off[k];
      for (int o = 0; o < no; o++) {
        const double *row = W + (size_t)o * ni;
        double s = 0;
        for (int i = 0; i < ni; i++) s += row[i] * L[k - 1].hd[i];
        L[k].ad[o] = s;
        L[k].hd[o] = L[k].fp[o] * s;
      }
    }
  }
  /* output layer (linear): E = W h + b, φ = W ḣ */
  {
    int k = nl - 1, ni = m->sizes[k - 1];
    const double *W = w + m->weight_off[k];
    double *gW = grad + m->weight_off[k];
    grad[m->bias_off[k]] += alpha;
    for (int i = 0; i < ni; i++) {
      gW[i] += alpha * L[k - 1].h[i] + (c ? L[k - 1].hd[i] : 0.0);
      L[k - 1].bh[i] = alpha * W[i];
      L[k - 1].bhd[i] = c ? W[i] : 0.0;
    }
  }
  for (int k = nl - 2; k >= 1; k--) {
    int no = m->sizes[k], ni = m->sizes[k - 1];
    const double *W = w + m->weight_off[k];
    double *gW = grad + m->weight_off[k], *gb = grad + m->bias_off[k];
    double *ba = L[k].ba, *bad = L[k].bad;
    for (int o = 0; o < no; o++) {
      bad[o] = L[k].fp[o] * L[k].bhd[o];
      ba[o] = L[k].fp[o] * L[k].bh[o] + (c ? L[k].fpp[o] * L[k].ad[o] * L[k].bhd[o] : 0.0);
      gb[o] += ba[o];
    }
    const double *hin = L[k - 1].h, *hdin = L[k - 1].hd;
    for (int o = 0; o < no; o++) {
      double *grow = gW + (size_t)o * ni;
      if (c)
        for (int i = 0; i < ni; i++) grow[i] += ba[o] * hin[i] + bad[o] * hdin[i];
      else
        for (int i = 0; i < ni; i++) grow[i] += ba[o] * hin[i];
    }
    if (k > 1) {
      double *bh = L[k - 1].bh, *bhd = L[k - 1].bhd;
      for (int i = 0; i < ni; i++) bh[i] = bhd[i] = 0;
      for (int o = 0; o < no; o++) {
        const double *row = W + (size_t)o * ni;
        for (int i = 0; i < ni; i++) {
          bh[i] += ba[o] * row[i];
          bhd[i] += bad[o] * row[i];
        }
      }
    }
  }
}

void nacre_mlp_randomize(const nacre_mlp *m, double *w, nacre_rng *rng) {
  memset(w, 0, (size_t)m->nweights * sizeof *w);
  for (int k = 1; k < m->nlayers; k++) {
    int no = m->sizes[k], ni = m->sizes[k - 1];
    /* Glorot & Bengio (2010): U(−√(6/(ni+no)), +√(6/(ni+no))) */
    double lim = sqrt(6.0 / (ni + no));
    double *W = w + m->weight_off[k];
    for (long q = 0; q < (long)no * ni; q++)
      W[q] = lim * (2 * nacre_rng_uniform(rng) - 1);
  }
}
