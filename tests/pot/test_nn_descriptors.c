/* test_nn_descriptors.c — two-species Behler-Parrinello descriptors against
 * MAISE's own parsed vectors: for every structure of
 * ../shared/data/maise/cuag-parse (Cu-Ag, basis with scaling 1.0, Rc = 6 Å,
 * 8 G2 + 22 G4, 82 components), each component of each atom's descriptor
 * agrees with MAISE's ref/eNNNNNN value to 1e-9 absolute + 1e-10 relative
 * (MAISE prints 16 decimals; its sums run in another order). Also the
 * per-neighbour derivatives of nacre_nn_descriptor_atom against central
 * finite differences. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nacre/io.h"
#include "nacre/nn.h"
#include "testing.h"

/* Neighbour vectors and model species of atom i (Cu = 0, Ag = 1). */
static int neighbours(const nacre_neighbor_list *nl, const nacre_structure *s, int i,
                      double *rij, int *sp) {
  int n = 0;
  for (size_t e = nl->offsets[i]; e < nl->offsets[i + 1]; e++) {
    nacre_nl_vector(nl, s, i, e, &rij[3 * n]);
    sp[n] = s->numbers[nl->j[e]] == 29 ? 0 : 1;
    n++;
  }
  return n;
}

int main(void) {
  char base[4096];
  const char *b = test_shared_path("maise/cuag-parse/basis");
  if (!b) TEST_SKIP("MAISE cuag-parse data absent");
  snprintf(base, sizeof base, "%s", b);
  char *slash = strrchr(base, '/');
  *slash = '\0'; /* base = .../maise/cuag-parse */
  nacre_error err;
  nacre_nn_descriptor d;
  char path[8192];
  snprintf(path, sizeof path, "%s/basis", base);
  CHECK_OK(nacre_nn_descriptor_read_maise_basis(path, 2, &d, &err), &err);
  if (err.status) TEST_DONE();
  CHECK(d.dim == 82 && d.ng2 == 8 && d.ng4 == 22, "Cu-Ag basis: 8 G2 + 22 G4 → 82 (got %d)", d.dim);
  CHECK_CLOSE(d.cutoff, 11.338 * 0.529177249, 1e-12, "cutoff (Å)");

  snprintf(path, sizeof path, "%s/ref/index.dat", base);
  FILE *idx = fopen(path, "r");
  CHECK(idx != NULL, "open %s", path);
  if (!idx) TEST_DONE();
  char name[64], dir[512];
  int nstruct = 0, ncomp = 0, natoms_total = 0;
  double worst = 0.0, worst_rel = 0.0;
  double *rij = malloc(3 * 4096 * sizeof(double)), *G = malloc(82 * sizeof(double));
  int *sp = malloc(4096 * sizeof(int));
  nacre_neighbor_list *nl = nacre_nl_new(d.cutoff, 0.0, &err);
  while (fscanf(idx, "%63s %511s", name, dir) == 2) {
    snprintf(path, sizeof path, "%s/%sPOSCAR.0", base, dir + 2);
    nacre_structure *s = NULL;
    CHECK_OK(nacre_read_structure(path, &s, &err), &err);
    snprintf(path, sizeof path, "%s/ref/%s", base, name);
    FILE *rf = fopen(path, "r");
    CHECK(rf != NULL, "open %s", path);
    if (!s || !rf) {
      if (rf) fclose(rf);
      nacre_structure_free(s);
      continue;
    }
    /* header: flag D N NF ...; NF force-atom indices; data path; then per
     * atom its species and D values */
    char line[1024];
    int flag, D, N, NF;
    CHECK(fgets(line, sizeof line, rf) && sscanf(line, "%d %d %d %d", &flag, &D, &N, &NF) == 4,
          "%s header", name);
    CHECK(D == 82 && N == s->natoms, "%s: %d components, %d atoms", name, D, N);
    if (!fgets(line, sizeof line, rf)) NF = -1; /* force atoms (may be empty) */
    if (!fgets(line, sizeof line, rf)) NF = -1; /* data path */
    CHECK(NF >= 0 && strstr(line, "DATA"), "%s: data path line", name);
    CHECK_OK(nacre_nl_update(nl, s, NULL, &err), &err);
    for (int i = 0; i < N && NF >= 0 && D == 82; i++) {
      int spc;
      if (fscanf(rf, "%d", &spc) != 1) break;
      CHECK(spc == (s->numbers[i] == 29 ? 0 : 1), "%s atom %d species", name, i);
      CHECK(nl->offsets[i + 1] - nl->offsets[i] <= 4096, "neighbour count");
      int n = neighbours(nl, s, i, rij, sp);
      nacre_nn_descriptor_atom(&d, spc, n, rij, sp, G, NULL);
      for (int l = 0; l < D; l++) {
        double ref;
        if (fscanf(rf, "%lf", &ref) != 1) break;
        double diff = fabs(G[l] - ref);
        if (diff > worst) worst = diff;
        if (diff / fmax(1.0, fabs(ref)) > worst_rel) worst_rel = diff / fmax(1.0, fabs(ref));
        if (!(diff <= 1e-9 + 1e-10 * fabs(ref)))
          CHECK(0, "%s atom %d component %d: %.16g vs MAISE %.16g", name, i, l, G[l], ref);
        ncomp++;
      }
      natoms_total++;
    }
    fclose(rf);
    nacre_structure_free(s);
    nstruct++;
  }
  fclose(idx);
  CHECK(nstruct == 136 && natoms_total == 464, "structures compared: %d, atoms %d (expect 136, 464)",
        nstruct, natoms_total);
  printf("%d structures, %d atoms, %d components: max |G − G_MAISE| %.2e (%.2e relative)\n",
         nstruct, natoms_total, ncomp, worst, worst_rel);

  /* derivatives of the reference evaluation: a random Cu-Ag cluster of 7 */
  nacre_rng rng;
  nacre_rng_init(&rng, 5, 0);
  int n = 7, spc[7];
  double x[21], dG[7 * 82 * 3], Gp[82], Gm[82];
  for (int k = 0; k < n; k++) {
    for (int q = 0; q < 3; q++) x[3 * k + q] = 4.0 * (nacre_rng_uniform(&rng) - 0.5);
    spc[k] = nacre_rng_int(&rng, 2);
  }
  nacre_nn_descriptor_atom(&d, 1, n, x, spc, G, dG);
  double h = 1e-5, dmax = 0.0, scale = 0.0;
  for (int k = 0; k < n; k++)
    for (int q = 0; q < 3; q++) {
      double keep = x[3 * k + q];
      x[3 * k + q] = keep + h;
      nacre_nn_descriptor_atom(&d, 1, n, x, spc, Gp, NULL);
      x[3 * k + q] = keep - h;
      nacre_nn_descriptor_atom(&d, 1, n, x, spc, Gm, NULL);
      x[3 * k + q] = keep;
      for (int l = 0; l < 82; l++) {
        double fd = (Gp[l] - Gm[l]) / (2 * h);
        dmax = fmax(dmax, fabs(fd - dG[(k * 82 + l) * 3 + q]));
        scale = fmax(scale, fabs(fd));
      }
    }
  /* central differences at h = 1e-5 Å: truncation ~h²·G''' ≈ 1e-9 */
  CHECK(dmax < 1e-7 * fmax(1.0, scale), "dG/dr_ij vs finite differences: %.3g (scale %.3g)", dmax,
        scale);
  free(rij);
  free(G);
  free(sp);
  nacre_nl_free(nl);
  nacre_nn_descriptor_free(&d);
  TEST_DONE();
}
