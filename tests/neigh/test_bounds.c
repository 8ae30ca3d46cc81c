/* test_bounds.c — the neighbour list bounds its work and refuses, naming
 * the numbers, what would run for hours or take gigabytes: a cutoff of
 * 10^6 Å, a POSCAR scaled by 0.001, a 2^31 Å lattice vector with a negative
 * (volume) scale that squeezes the other two to 0.006 Å, and 2,000 atoms in
 * a 10 Å cell with a 100 Å cutoff (3.7e10 pair checks). Ordinary lists
 * (fcc with a cutoff of several cells) still build. */
#include <string.h>

#include "builders.h"
#include "iotest.h"
#include "nacre/io.h"
#include "nacre/neigh.h"
#include "testing.h"

static nacre_status build(const nacre_structure *s, double cutoff,
                          nacre_error *err) {
  nacre_neighbor_list *nl = nacre_nl_new(cutoff, 0.0, err);
  if (!nl) return err->status;
  nacre_status st = nacre_nl_update(nl, s, NULL, err);
  nacre_nl_free(nl);
  return st;
}

static nacre_structure *poscar(const char *text) {
  const char *path = test_tmp_path("b.vasp");
  FILE *f = fopen(path, "w");
  fputs(text, f);
  fclose(f);
  nacre_structure *s = NULL;
  nacre_error err;
  CHECK_OK(nacre_read_structure(path, &s, &err), &err);
  return s;
}

int main(void) {
  nacre_error err;
  nacre_structure *s = poscar("Na\n1.0\n4.2 0 0\n0 4.2 0\n0 0 4.2\nNa\n2\n"
                              "Direct\n0 0 0\n.5 .5 .5\n");
  if (s) {
    CHECK(build(s, 1e6, &err) == NACRE_ERR_INVALID &&
              strstr(err.message, "1e+06") && strstr(err.message, "images"),
          "cutoff 1e6 Å refused: %s", err.message);
    CHECK_OK(build(s, 20.0, &err), &err); /* 11^3 images: fine */
  }
  nacre_structure_free(s);
  s = poscar("Na\n0.001\n4.2 0 0\n0 4.2 0\n0 0 4.2\nNa\n1\nDirect\n0 0 0\n");
  if (s) {
    CHECK(build(s, 6.0, &err) == NACRE_ERR_INVALID &&
              strstr(err.message, "0.0042"),
          "POSCAR scale 0.001 refused, naming the widths: %s", err.message);
  }
  nacre_structure_free(s);
  s = poscar("Na\n-100\n4.2 0 0\n0 2147483648 0\n0 0 4.2\nNa\n2\nDirect\n"
             "0 0 0\n.5 .5 .5\n");
  if (s) {
    CHECK(build(s, 6.0, &err) == NACRE_ERR_INVALID &&
              strstr(err.message, "images") && strstr(err.message, "0.0058"),
          "2^31 Å vector with a negative scale refused: %s", err.message);
  }
  nacre_structure_free(s);
  /* many atoms, long cutoff: the pair checks bound */
  nacre_structure *dense = nacre_structure_new(2000, NULL);
  nacre_rng rng;
  nacre_rng_init(&rng, 1, 0);
  for (int k = 0; k < 3; k++) dense->cell[k][k] = 10.0;
  for (int i = 0; i < 2000; i++) {
    dense->numbers[i] = 18;
    for (int k = 0; k < 3; k++)
      dense->positions[3 * i + k] = 10.0 * nacre_rng_uniform(&rng);
  }
  CHECK(build(dense, 100.0, &err) == NACRE_ERR_INVALID &&
            strstr(err.message, "pair checks") && strstr(err.message, "2000"),
        "2,000 atoms with a 100 Å cutoff refused: %s", err.message);
  nacre_structure_free(dense);
  /* ordinary work still builds */
  int n[3] = {4, 4, 4};
  nacre_structure *fcc = build_bulk("fcc", 29, 3.6, n);
  CHECK_OK(build(fcc, 12.0, &err), &err);
  nacre_structure_free(fcc);
  test_tmp_cleanup();
  TEST_DONE();
}
