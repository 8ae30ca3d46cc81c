/* nn_network.c — the feed-forward network of one species: forward pass,
 * and backward pass giving the derivative of the output with respect to the
 * inputs and (for training) the weights. Weight layout in nacre/nn.h. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nacre/nn.h"

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
    if (net->act[l] != NACRE_NN_LINEAR && net->act[l] != NACRE_NN_TANH)
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "nn network: unknown activation %d",
                             (int)net->act[l]);
    net->woffset[l] = off;
    off += (size_t)net->size[l + 1] * (size_t)(net->size[l] + 1);
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

size_t nacre_nn_network_work_size(const nacre_nn_network *net) {
  size_t n = 0;
  for (int l = 1; l < net->nlayers; l++) n += (size_t)net->size[l];
  return n;
}

/* work holds layers 1 … nlayers−1 after activation, one after another. */
double nacre_nn_network_forward(const nacre_nn_network *net, const double *x,
                                double *work) {
  const double *in = x;
  double *out = work;
  for (int l = 0; l + 1 < net->nlayers; l++) {
    int nin = net->size[l], nout = net->size[l + 1];
    const double *W = net->weights + net->woffset[l];
    const double *b = W + (size_t)nout * nin;
    for (int m = 0; m < nout; m++) {
      const double *row = W + (size_t)m * nin;
      double s = 0.0;
      for (int k = 0; k < nin; k++) s += row[k] * in[k];
      s += b[m];
      out[m] = net->act[l] == NACRE_NN_TANH ? tanh(s) : s;
    }
    in = out;
    out += nout;
  }
  return in[0];
}

void nacre_nn_network_backward(const nacre_nn_network *net, const double *x,
                               const double *work, double *work2, double *dx,
                               double *dw, double scale) {
  size_t total = nacre_nn_network_work_size(net);
  /* work2 holds dE/d(pre-activation) per layer, same layout as work */
  size_t pos = total;
  int L = net->nlayers;
  pos -= 1;
  work2[pos] = net->act[L - 2] == NACRE_NN_TANH
                   ? scale * (1.0 - work[pos] * work[pos])
                   : scale;
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
    if (net->act[l - 1] == NACRE_NN_TANH)
      for (int k = 0; k < nin; k++)
        dprev[k] *= 1.0 - in[k] * in[k];
    pos -= (size_t)nin;
  }
}
