/* rng.c — reproducible random streams: xoshiro256** (Blackman & Vigna,
 * 2018) seeded through splitmix64 from (seed, stream); FNV-1a string
 * hashes. */
#include "nacre/core.h"

#include <math.h>

static uint64_t splitmix64(uint64_t *x) {
  uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

void nacre_rng_init(nacre_rng *rng, uint64_t seed, uint64_t stream) {
  /* Mix the stream index through splitmix64 separately so that nearby
   * (seed, stream) pairs give unrelated states. */
  uint64_t t = stream;
  uint64_t x = seed ^ splitmix64(&t);
  for (int i = 0; i < 4; i++) rng->s[i] = splitmix64(&x);
  if (!(rng->s[0] | rng->s[1] | rng->s[2] | rng->s[3])) rng->s[0] = 1;
  rng->has_spare = 0;
  rng->spare = 0.0;
}

uint64_t nacre_rng_u64(nacre_rng *rng) {
  uint64_t *s = rng->s;
  uint64_t result = rotl(s[1] * 5, 7) * 9;
  uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return result;
}

double nacre_rng_uniform(nacre_rng *rng) {
  return (double)(nacre_rng_u64(rng) >> 11) * 0x1.0p-53;
}

double nacre_rng_normal(nacre_rng *rng) {
  if (rng->has_spare) {
    rng->has_spare = 0;
    return rng->spare;
  }
  /* Marsaglia polar method */
  double u, v, q;
  do {
    u = 2.0 * nacre_rng_uniform(rng) - 1.0;
    v = 2.0 * nacre_rng_uniform(rng) - 1.0;
    q = u * u + v * v;
  } while (q >= 1.0 || q == 0.0);
  double f = sqrt(-2.0 * log(q) / q);
  rng->spare = v * f;
  rng->has_spare = 1;
  return u * f;
}

int nacre_rng_int(nacre_rng *rng, int n) {
  if (n <= 1) return 0;
  /* Lemire's nearly divisionless bounded integer, with rejection */
  uint64_t bound = (uint64_t)n;
  uint64_t threshold = (0 - bound) % bound;
  for (;;) {
    uint64_t r = nacre_rng_u64(rng);
    if (r >= threshold) return (int)(r % bound);
  }
}

void nacre_rng_unit_vector(nacre_rng *rng, double v[3]) {
  double n2;
  do {
    for (int k = 0; k < 3; k++) v[k] = nacre_rng_normal(rng);
    n2 = v[0] * v[0] + v[1] * v[1] + v[2] * v[2];
  } while (n2 < 1e-12);
  double inv = 1.0 / sqrt(n2);
  for (int k = 0; k < 3; k++) v[k] *= inv;
}

uint64_t nacre_fnv1a(uint64_t h, const char *s) {
  for (; *s; s++) {
    h ^= (unsigned char)*s;
    h *= 1099511628211ull;
  }
  return h;
}
