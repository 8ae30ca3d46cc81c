/* test_motif.c — random crystals built from a motif of a minimum
 * (src/search/motif.c):
 *   - from D0_3 Li3Sn, a Li12Sn4 child has 12 Li and 4 Sn, the parent's
 *     volume per atom (1e-9 relative), the random structures' minimum
 *     distances, and as many atoms as its name claims copies whose
 *     neighbours lie at exactly the motif's distances (1e-9 Å: the
 *     copies are rigid images);
 *   - from bcc Na compressed to 13 Å³/atom (about 120 GPa), where the
 *     covalent distances asked (0.9 of 2 r_cov, 2.99 Å) exceed bcc's own
 *     nearest neighbours (2.56 Å), the child keeps 0.7 of the
 *     close-packing distance at its density and the parent's density;
 *   - in a search (Lennard-Jones argon crystal, random engine), --motifs 1
 *     builds the newcomers after the first generation from motifs and
 *     --motifs 0 none; a resume that asks another share is refused
 *     naming frac_motif. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "nacre/search.h"
#include "search/operators.h"
#include "builders.h"
#include "testing.h"

static double pair_distance(const nacre_structure *s, int i, int j) {
  double d[3];
  for (int k = 0; k < 3; k++)
    d[k] = s->positions[3 * j + k] - s->positions[3 * i + k];
  nacre_cell_minimum_image(s->cell, s->pbc, d);
  return sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
}

static int count_of(const nacre_structure *s, int z) {
  int n = 0;
  for (int i = 0; i < s->natoms; i++) n += s->numbers[i] == z;
  return n;
}

/* Atoms of c with a neighbour at each distance of the list (1e-9 Å). */
static int atoms_with_shell(const nacre_structure *c, const double *shell,
                            int nshell) {
  int n = 0;
  for (int i = 0; i < c->natoms; i++) {
    int all = 1;
    for (int k = 0; k < nshell && all; k++) {
      int found = 0;
      for (int j = 0; j < c->natoms && !found; j++)
        found = j != i && fabs(pair_distance(c, i, j) - shell[k]) < 1e-9;
      all = found;
    }
    n += all;
  }
  return n;
}

static void check_d03(void) {
  nacre_structure *p = build_d03_li3sn();
  nacre_composition comp;
  nacre_random_options o;
  nacre_composition_parse("Li12Sn4", &comp, NULL);
  nacre_random_options_init(&o);
  int made = 0;
  for (int t = 0; t < 10; t++) {
    nacre_rng rng;
    nacre_rng_init(&rng, 21, (uint64_t)t);
    nacre_structure *c = NULL;
    char op[24] = "";
    nacre_error err;
    nacre_status st = op_motif(p, &comp, &o, &rng, &c, op, &err);
    CHECK(st == NACRE_OK || st == NACRE_ERR_NOT_CONVERGED, "draw %d: %s", t,
          err.message);
    if (st) continue;
    made++;
    CHECK(count_of(c, 3) == 12 && count_of(c, 50) == 4, "draw %d: %d Li, %d Sn",
          t, count_of(c, 3), count_of(c, 50));
    CHECK_CLOSE(fabs(nacre_structure_volume(c)) / 16,
                fabs(nacre_structure_volume(p)) / 16, 1e-9 * 18, "volume/atom");
    double worst = INFINITY;
    for (int i = 0; i < 16; i++)
      for (int j = i + 1; j < 16; j++)
        worst = fmin(worst, pair_distance(c, i, j) /
                                nacre_random_min_distance(&o, c->numbers[i],
                                                          c->numbers[j]));
    CHECK(worst >= 1 - 1e-9, "draw %d: closest pair %.3f of d_min", t, worst);
    /* D0_3's first shells: Sn 4a has 8 Li at √3/4 a; Li 8c has 4 Sn + 4 Li
     * there; Li 4b has 8 Li. Every motif is 9 atoms with its neighbours at
     * √3/4 a = 2.858 Å (the next shell, at a/2, is 1.155 times further). */
    int copies = 0, size = 0;
    sscanf(op, "motif:%dx%d", &copies, &size);
    CHECK(copies >= 1 && size == 9, "draw %d: %s (a 9-atom motif)", t, op);
    double shell[8];
    for (int k = 0; k < 8; k++) shell[k] = sqrt(3.0) / 4 * 6.6;
    CHECK(atoms_with_shell(c, shell, 1) >= copies,
          "draw %d: %d copies claimed, %d centres found", t, copies,
          atoms_with_shell(c, shell, 1));
    nacre_structure_free(c);
  }
  CHECK(made >= 8, "%d of 10 motif crystals of D0_3 made", made);
  nacre_structure_free(p);
}

static void check_compressed_na(void) {
  /* bcc Na at 13 Å^3/atom: a = 26^(1/3) Å, nearest neighbours √3/2 a =
   * 2.56 Å, 16 atoms in a 2x2x2 supercell */
  nacre_structure *p = nacre_structure_new(16, NULL);
  double a = cbrt(26.0), frac[48];
  for (int k = 0, x = 0; x < 2; x++)
    for (int y = 0; y < 2; y++)
      for (int z = 0; z < 2; z++)
        for (int b = 0; b < 2; b++, k++) {
          frac[3 * k] = (x + 0.5 * b) / 2;
          frac[3 * k + 1] = (y + 0.5 * b) / 2;
          frac[3 * k + 2] = (z + 0.5 * b) / 2;
          p->numbers[k] = 11;
        }
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) p->cell[i][j] = i == j ? 2 * a : 0;
  nacre_structure_set_frac(p, frac);
  nacre_composition comp;
  nacre_random_options o;
  nacre_composition_parse("Na16", &comp, NULL);
  nacre_random_options_init(&o);
  o.distance_factor = 0.9; /* 0.9 × 2 × 1.66 = 2.99 Å: more than bcc has */
  int made = 0;
  for (int t = 0; t < 6; t++) {
    nacre_rng rng;
    nacre_rng_init(&rng, 22, (uint64_t)t);
    nacre_structure *c = NULL;
    char op[24] = "";
    nacre_error err;
    if (op_motif(p, &comp, &o, &rng, &c, op, &err)) continue;
    made++;
    double scale = fmin(1, nacre_search_density_scale(c)), worst = INFINITY;
    for (int i = 0; i < 16; i++)
      for (int j = i + 1; j < 16; j++)
        worst = fmin(worst, pair_distance(c, i, j));
    double want = 0.7 * scale * 2 * nacre_covalent_radius(11);
    CHECK(worst >= want - 1e-9 && scale < 1,
          "Na at 13 Å³/atom: closest %.3f Å, rule %.3f Å (scale %.3f)", worst,
          want, scale);
    CHECK_CLOSE(fabs(nacre_structure_volume(c)) / 16, 13.0, 1e-9 * 13,
                "Na volume/atom");
    nacre_structure_free(c);
  }
  CHECK(made >= 3, "%d of 6 compressed Na motif crystals made", made);
  nacre_structure_free(p);
}

static void config(nacre_search_config *c, double motifs) {
  nacre_search_config_init(c);
  nacre_composition_parse("Ar8", &c->composition, NULL);
  c->engine = NACRE_ENGINE_RANDOM;
  c->seed = 3;
  c->population = 6;
  c->budget = 18;
  c->frac_motif = motifs;
  snprintf(c->potential, sizeof c->potential,
           "lj:epsilon=0.0104,sigma=3.4,cutoff=8.5");
  c->random.volume_per_atom = 45;
  nacre_random_options_set_distance(&c->random, 18, 18, 3.0, NULL);
}

static int motif_children(const char *path, double motifs,
                          nacre_search_relaxer *rel) {
  nacre_search_config c;
  config(&c, motifs);
  unlink(path);
  nacre_run *r;
  nacre_error err;
  if (nacre_run_create(path, &c, &r, &err)) return -1;
  int n = -1;
  nacre_candidate *cand;
  long nc;
  if (!nacre_search_run(r, nacre_search_relax_potential, rel, NULL, NULL, NULL,
                        &err) &&
      !nacre_run_load_done(r, &cand, &nc, &err)) {
    n = 0;
    for (long k = 0; k < nc; k++) {
      int is = !strncmp(cand[k].op, "motif:", 6);
      n += is;
      CHECK(!is || cand[k].generation > 0, "motif in generation %d",
            cand[k].generation);
    }
    nacre_candidates_free(cand, nc);
  }
  nacre_run_close(r);
  return n;
}

static void check_search(void) {
  char dir[] = "/tmp/nacre-motif-XXXXXX", path[256];
  if (!mkdtemp(dir)) return;
  snprintf(path, sizeof path, "%s/run.db", dir);
  nacre_search_relaxer *rel;
  nacre_search_relax_settings rs = {0.01, 0.01, 500};
  nacre_error err;
  CHECK_OK(nacre_search_relaxer_new("lj:epsilon=0.0104,sigma=3.4,cutoff=8.5",
                                    &rs, &rel, &err),
           &err);
  int with = motif_children(path, 1.0, rel);
  /* the rest fall back to plain random crystals: Ar8's motif (5 atoms over
   * 7.4 Å) overlaps its own images in many of the random 360 Å^3 cells */
  CHECK(with >= 6, "--motifs 1: %d of the 12 later newcomers from motifs", with);
  /* resuming with another share is refused, naming it */
  nacre_search_config c;
  config(&c, 0.5);
  nacre_run *r;
  const char *conflict = NULL;
  CHECK_OK(nacre_run_open(path, &r, &err), &err);
  nacre_status st = nacre_run_apply(r, &c, &conflict, &err);
  CHECK(st == NACRE_ERR_INVALID && conflict && !strcmp(conflict, "frac_motif"),
        "resume with frac_motif 0.5 over 1 refused naming frac_motif (%s)",
        conflict ? conflict : "none");
  nacre_run_close(r);
  int without = motif_children(path, 0.0, rel);
  CHECK(without == 0, "--motifs 0: %d from motifs", without);
  nacre_search_relaxer_free(rel);
  unlink(path);
  rmdir(dir);
}

int main(void) {
  check_d03();
  check_compressed_na();
  check_search();
  TEST_DONE();
}
