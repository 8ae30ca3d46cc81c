/* bench_io.c — throughput of the extended XYZ writer and streaming reader,
 * the POSCAR and CIF readers, on synthetic frames (forces, stress, energy).
 *   bench_io [natoms] [nframes]     (defaults 1000 atoms, 200 frames)
 * Prints MB/s and atoms/s; files go to /tmp and are removed. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "nacre/io.h"

#include "bench_util.h"

static nacre_frame make_frame(int natoms) {
  nacre_frame f;
  nacre_frame_init(&f);
  f.s = nacre_structure_new(natoms, NULL);
  nacre_rng rng;
  nacre_rng_init(&rng, 1, 0);
  double a = 2.5 * cbrt(natoms);
  for (int k = 0; k < 3; k++) f.s->cell[k][k] = a;
  f.forces = malloc(3 * (size_t)natoms * sizeof *f.forces);
  for (int i = 0; i < natoms; i++) {
    f.s->numbers[i] = i % 3 ? 11 : 17;
    for (int k = 0; k < 3; k++) {
      f.s->positions[3 * i + k] = a * nacre_rng_uniform(&rng);
      f.forces[3 * i + k] = nacre_rng_normal(&rng);
    }
  }
  f.energy = -3.2 * natoms;
  f.has = NACRE_FRAME_ENERGY | NACRE_FRAME_FORCES | NACRE_FRAME_STRESS;
  return f;
}

static long file_size(const char *path) {
  FILE *fp = fopen(path, "rb");
  if (!fp) return 0;
  fseek(fp, 0, SEEK_END);
  long n = ftell(fp);
  fclose(fp);
  return n;
}

static void bench_xyz(const nacre_frame *f, int nframes) {
  char path[256];
  snprintf(path, sizeof path, "/tmp/bench_io_%ld.xyz", (long)getpid());
  double t0 = bench_now();
  FILE *fp = fopen(path, "w");
  for (int k = 0; k < nframes; k++) nacre_xyz_write(fp, f, NULL);
  fclose(fp);
  double tw = bench_now() - t0;
  double mb = file_size(path) / 1e6;
  t0 = bench_now();
  nacre_xyz_reader *r = nacre_xyz_open(path, NULL);
  nacre_frame g;
  nacre_frame_init(&g);
  int n = 0, eof = 0;
  while (!nacre_xyz_next(r, &g, &eof, NULL)) n++;
  nacre_xyz_close(r);
  double tr = bench_now() - t0;
  long atoms = (long)n * f->s->natoms;
  printf("extxyz  %d frames x %d atoms, %.1f MB: write %.1f MB/s, read %.1f MB/s "
         "(%.2g atoms/s)\n", n, f->s->natoms, mb, mb / tw, mb / tr, atoms / tr);
  nacre_frame_clear(&g);
  remove(path);
}

static void bench_single(const nacre_frame *f, const char *ext, int repeats) {
  char path[256];
  snprintf(path, sizeof path, "/tmp/bench_io_%ld.%s", (long)getpid(), ext);
  nacre_write_structure(path, f->s, NACRE_FORMAT_AUTO, NULL);
  double mb = file_size(path) / 1e6;
  double t0 = bench_now();
  for (int k = 0; k < repeats; k++) {
    nacre_structure *s = NULL;
    nacre_read_structure(path, &s, NULL);
    nacre_structure_free(s);
  }
  double tr = bench_now() - t0;
  printf("%-7s %d atoms, %.2f MB: read %.1f MB/s (%.2g atoms/s)\n", ext,
         f->s->natoms, mb, mb * repeats / tr, (double)f->s->natoms * repeats / tr);
  remove(path);
}

int main(int argc, char **argv) {
  int natoms = argc > 1 ? atoi(argv[1]) : 1000;
  int nframes = argc > 2 ? atoi(argv[2]) : 200;
  if (natoms < 1 || nframes < 1) {
    fprintf(stderr, "usage: bench_io [natoms] [nframes]\n");
    return 2;
  }
  nacre_frame f = make_frame(natoms);
  bench_xyz(&f, nframes);
  bench_single(&f, "vasp", 20);
  bench_single(&f, "cif", 20);
  nacre_frame_clear(&f);
  return 0;
}
