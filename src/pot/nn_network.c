/* nn_network.c — the feed-forward network of one species, the one
 * implementation that evaluation and training share: forward pass,
 * derivative of the output with respect to the inputs, and the weight
 * gradients training needs. Weight layout in nacre/nn.h.
 *
 * Layers k = 1..L−1: a_k = W_k h_{k−1} + b_k, h_k = f_k(a_k), h_0 = x,
 * E = h_{L−1}. Forces and stress are linear in ∂E/∂x, so their loss terms
 * need ∂/∂w of the directional derivative φ = (∂E/∂x)·c. φ comes from the
 * tangent recursion ḣ_0 = c, ȧ_k = W_k ḣ_{k−1}, ḣ_k = f'_k(a_k) ȧ_k,
 * φ = ḣ_{L−1}, and its weight gradient from one reverse pass through both
 * recursions (forward-over-reverse differentiation; Griewank & Walther,
 * "Evaluating Derivatives", 2nd ed., ch. 5). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nacre/nn.h"

static const char *const act_names[] = {"linear", "tanh", "sigmoid",
                                        "softplus", "silu"};
#define NACT ((int)(sizeof act_names / sizeof act_names[0]))

const char *nacre_nn_activation_name(nacre_nn_activation a) {
  return (unsigned)a < (unsigned)NACT ? act_names[a] : "?";
}

int nacre_nn_activation_parse(const char *name, nacre_nn_activation *out) {
  for (int k = 0; k < NACT; k++)
    if (!strcmp(name, act_names[k])) {
      *out = (nacre_nn_activation)k;
      return 0;
    }
  return -1;
}

nacre_status nacre_nn_network_init(nacre_nn_network *net, nacre_error *err) {
  if (net->nlayers < 2 || net->nlayers > NACRE_NN_MAX_LAYERS)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "nn network: %d layers (2 to %d supported)",
                           net->nlayers, NACRE_NN_MAX_LAYERS);
  size_t off = 0;
  for (int l = 0; l < net->nlayers; l++)
    if (net->size[l] < 1 || net->size[l] > 100000)
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "nn network: layer %d has %d nodes", l,
                             net->size[l]);
  if (net->size[net->nlayers - 1] != 1)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "nn network: the output layer must have one node "
                           "(has %d)",
                           net->size[net->nlayers - 1]);
  for (int l = 0; l + 1 < net->nlayers; l++) {
    if ((unsigned)net->act[l] >= (unsigned)NACT)
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "nn network: unknown activation %d",
                             (int)net->act[l]);
    net->woffset[l] = off;
    off += (size_t)net->size[l + 1] * (size_t)(net->size[l] + 1);
    if (off > 100000000)
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "nn network: more than 1e8 weights");
  }
  free(net->weights);
  net->nweights = off;
  net->weights = calloc(off, sizeof(double));
  if (!net->weights) return nacre_error_set(err, NACRE_ERR_NOMEM, "nn weights");
  return NACRE_OK;
}

void nacre_nn_network_free(nacre_nn_network *net) {
  if (!net) return;
  free(net->weights);
  net->weights = NULL;
  net->nweights = 0;
}

/* f(a), f'(a) and (when fpp) f''(a). */
static inline double activate(nacre_nn_activation act, double a, double *fp,
                              double *fpp) {
  double f, d1, d2;
  switch (act) {
  case NACRE_NN_TANH: {
    double t = tanh(a);
    f = t;
    d1 = 1 - t * t;
    d2 = -2 * t * d1;
    break;
  }
  case NACRE_NN_SIGMOID: {
    double s = 1 / (1 + exp(-a));
    f = s;
    d1 = s * (1 - s);
    d2 = d1 * (1 - 2 * s);
    break;
  }
  case NACRE_NN_SOFTPLUS: {
    double s = 1 / (1 + exp(-a));
    f = a > 30 ? a : log1p(exp(a));
    d1 = s;
    d2 = s * (1 - s);
    break;
  }
  case NACRE_NN_SILU: {
    double s = 1 / (1 + exp(-a));
    f = a * s;
    d1 = s + a * s * (1 - s);
    d2 = s * (1 - s) * (2 + a * (1 - 2 * s));
    break;
  }
  default:
    f = a;
    d1 = 1;
    d2 = 0;
  }
  *fp = d1;
  if (fpp) *fpp = d2;
  return f;
}

/* ------------------------------------------------------------------ */
/* Evaluation (the potential's path)                                  */
/* ------------------------------------------------------------------ */

static size_t hidden_nodes(const nacre_nn_network *net) {
  size_t n = 0;
  for (int l = 1; l < net->nlayers; l++) n += (size_t)net->size[l];
  return n;
}

/* work: h of layers 1 … L−1, then f'(a) of the same layers */
size_t nacre_nn_network_work_size(const nacre_nn_network *net) {
  return 2 * hidden_nodes(net);
}

double nacre_nn_network_forward(const nacre_nn_network *net, const double *x,
                                double *work) {
  const double *in = x;
  double *out = work, *der = work + hidden_nodes(net);
  for (int l = 0; l + 1 < net->nlayers; l++) {
    int nin = net->size[l], nout = net->size[l + 1];
    const double *W = net->weights + net->woffset[l];
    const double *b = W + (size_t)nout * nin;
    nacre_nn_activation act = net->act[l];
    for (int m = 0; m < nout; m++) {
      const double *row = W + (size_t)m * nin;
      double s = 0.0;
      for (int k = 0; k < nin; k++) s += row[k] * in[k];
      s += b[m];
      out[m] = activate(act, s, &der[m], NULL);
    }
    in = out;
    out += nout;
    der += nout;
  }
  return in[0];
}

void nacre_nn_network_backward(const nacre_nn_network *net, const double *x,
                               const double *work, double *work2, double *dx,
                               double *dw, double scale) {
  size_t total = hidden_nodes(net);
  const double *der = work + total;
  /* work2 holds dE/d(pre-activation) per layer, laid out as work's h */
  size_t pos = total;
  int L = net->nlayers;
  pos -= 1;
  work2[pos] = scale * der[pos];
  for (int l = L - 2; l >= 0; l--) {
    int nin = net->size[l], nout = net->size[l + 1];
    const double *W = net->weights + net->woffset[l];
    const double *delta = work2 + pos; /* nout values */
    const double *in = l == 0 ? x : work + pos - nin;
    if (dw) {
      double *gW = dw + net->woffset[l];
      double *gb = gW + (size_t)nout * nin;
      for (int m = 0; m < nout; m++) {
        double dm = delta[m];
        double *grow = gW + (size_t)m * nin;
        for (int k = 0; k < nin; k++) grow[k] += dm * in[k];
        gb[m] += dm;
      }
    }
    if (l == 0) {
      if (dx) {
        for (int k = 0; k < nin; k++) dx[k] = 0.0;
        for (int m = 0; m < nout; m++) {
          const double *row = W + (size_t)m * nin;
          for (int k = 0; k < nin; k++) dx[k] += delta[m] * row[k];
        }
      }
      break;
    }
    double *dprev = work2 + pos - nin;
    for (int k = 0; k < nin; k++) dprev[k] = 0.0;
    for (int m = 0; m < nout; m++) {
      const double *row = W + (size_t)m * nin;
      for (int k = 0; k < nin; k++) dprev[k] += delta[m] * row[k];
    }
    const double *dprev_der = der + pos - nin;
    for (int k = 0; k < nin; k++) dprev[k] *= dprev_der[k];
    pos -= (size_t)nin;
  }
}

/* ------------------------------------------------------------------ */
/* Training: explicit weights, input derivatives, weight gradients    */
/* ------------------------------------------------------------------ */

/* Per layer: a, h, f', f'', ȧ, ḣ, h̄, ḣ̄, ā, ǡ (layer 0 uses h and ḣ). */
typedef struct layer_bufs {
  double *a, *h, *fp, *fpp, *ad, *hd, *bh, *bhd, *ba, *bad;
} layer_bufs;

size_t nacre_nn_network_scratch_size(const nacre_nn_network *net) {
  size_t n = 0;
  for (int l = 0; l < net->nlayers; l++) n += (size_t)net->size[l];
  return 10 * n + 16;
}

static void carve(const nacre_nn_network *net, double *scratch,
                  layer_bufs L[NACRE_NN_MAX_LAYERS]) {
  double *p = scratch;
  for (int k = 0; k < net->nlayers; k++) {
    size_t n = (size_t)net->size[k];
    double **f[10] = {&L[k].a,  &L[k].h,   &L[k].fp,  &L[k].fpp, &L[k].ad,
                      &L[k].hd, &L[k].bh,  &L[k].bhd, &L[k].ba,  &L[k].bad};
    for (int q = 0; q < 10; q++, p += n) *f[q] = p;
  }
}

/* Forward pass keeping a, h, f', f'' of every layer; returns E. */
static double layers_forward(const nacre_nn_network *net, const double *w,
                            const double *x, layer_bufs *L) {
  int nl = net->nlayers;
  memcpy(L[0].h, x, (size_t)net->size[0] * sizeof *x);
  for (int k = 1; k < nl; k++) {
    int no = net->size[k], ni = net->size[k - 1];
    const double *W = w + net->woffset[k - 1], *b = W + (size_t)no * ni;
    const double *hin = L[k - 1].h;
    nacre_nn_activation act = net->act[k - 1];
    for (int o = 0; o < no; o++) {
      const double *row = W + (size_t)o * ni;
      double s = b[o];
      for (int i = 0; i < ni; i++) s += row[i] * hin[i];
      L[k].a[o] = s;
      L[k].h[o] = activate(act, s, &L[k].fp[o], &L[k].fpp[o]);
    }
  }
  return L[nl - 1].h[0];
}

double nacre_nn_network_eval(const nacre_nn_network *net, const double *w,
                             const double *x, double *dedx, double *scratch) {
  layer_bufs L[NACRE_NN_MAX_LAYERS];
  carve(net, scratch, L);
  double e = layers_forward(net, w, x, L);
  if (!dedx) return e;
  int nl = net->nlayers;
  L[nl - 1].bh[0] = 1.0;
  for (int k = nl - 1; k >= 1; k--) {
    int no = net->size[k], ni = net->size[k - 1];
    const double *W = w + net->woffset[k - 1];
    double *ba = L[k].ba, *bin = k > 1 ? L[k - 1].bh : dedx;
    for (int o = 0; o < no; o++) ba[o] = L[k].fp[o] * L[k].bh[o];
    for (int i = 0; i < ni; i++) bin[i] = 0;
    for (int o = 0; o < no; o++) {
      const double *row = W + (size_t)o * ni;
      double g = ba[o];
      for (int i = 0; i < ni; i++) bin[i] += g * row[i];
    }
  }
  return e;
}

void nacre_nn_network_weight_gradient(const nacre_nn_network *net,
                                      const double *w, const double *x,
                                      double alpha, const double *c,
                                      double *grad, double *scratch) {
  layer_bufs L[NACRE_NN_MAX_LAYERS];
  carve(net, scratch, L);
  layers_forward(net, w, x, L);
  int nl = net->nlayers;
  if (c) { /* tangent recursion */
    memcpy(L[0].hd, c, (size_t)net->size[0] * sizeof *c);
    for (int k = 1; k < nl; k++) {
      int no = net->size[k], ni = net->size[k - 1];
      const double *W = w + net->woffset[k - 1];
      for (int o = 0; o < no; o++) {
        const double *row = W + (size_t)o * ni;
        double s = 0;
        for (int i = 0; i < ni; i++) s += row[i] * L[k - 1].hd[i];
        L[k].ad[o] = s;
        L[k].hd[o] = L[k].fp[o] * s;
      }
    }
  }
  /* reverse pass of J = α E + φ: h̄_{L−1} = α, ḣ̄_{L−1} = 1 */
  L[nl - 1].bh[0] = alpha;
  L[nl - 1].bhd[0] = c ? 1.0 : 0.0;
  for (int k = nl - 1; k >= 1; k--) {
    int no = net->size[k], ni = net->size[k - 1];
    const double *W = w + net->woffset[k - 1];
    double *gW = grad + net->woffset[k - 1], *gb = gW + (size_t)no * ni;
    double *ba = L[k].ba, *bad = L[k].bad;
    for (int o = 0; o < no; o++) {
      bad[o] = L[k].fp[o] * L[k].bhd[o];
      ba[o] = L[k].fp[o] * L[k].bh[o] +
              (c ? L[k].fpp[o] * L[k].ad[o] * L[k].bhd[o] : 0.0);
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

void nacre_nn_network_randomize(const nacre_nn_network *net, double *w,
                                nacre_rng *rng) {
  memset(w, 0, net->nweights * sizeof *w);
  for (int l = 0; l + 1 < net->nlayers; l++) {
    int no = net->size[l + 1], ni = net->size[l];
    /* Glorot & Bengio (2010): U(−√(6/(ni+no)), +√(6/(ni+no))) */
    double lim = sqrt(6.0 / (ni + no));
    double *W = w + net->woffset[l];
    for (size_t q = 0; q < (size_t)no * (size_t)ni; q++)
      W[q] = lim * (2 * nacre_rng_uniform(rng) - 1);
  }
}
