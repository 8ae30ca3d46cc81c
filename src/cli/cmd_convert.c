/* cmd_convert.c — `nacre convert IN[@N] OUT`: structure and frame file
 * conversion between POSCAR, extended XYZ, CIF (and from OUTCAR). */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "nacre/io.h"

static void help(void) {
  printf(
      "Usage: nacre convert [options] IN[@N] OUT\n"
      "\n"
      "Reads a structure (or a frame with its labels) from IN and writes it\n"
      "to OUT, each format chosen from the file name (or the content of IN):\n"
      "  POSCAR, CONTCAR, *.vasp, *.poscar   VASP 5 POSCAR (Direct)\n"
      "  *.xyz, *.extxyz (*.xyz.gz to read)  extended XYZ as ASE writes it\n"
      "  *.cif                                CIF, space group P1\n"
      "  OUTCAR*                              VASP OUTCAR (input only)\n"
      "\n"
      "IN@N picks frame N (0-based; negative counts from the end) of a\n"
      "multi-frame file (extended XYZ, OUTCAR). Without @N, an extended XYZ\n"
      "OUT receives every frame of IN with energies, forces (eV/Å) and stress\n"
      "(eV/Å^3, positive = tensile); other outputs receive the last frame.\n"
      "OUT is written atomically (temporary file, then rename). POSCAR keeps\n"
      "selective dynamics and atom order (a species that reappears opens a\n"
      "new block); CIF stores lengths and angles, so the cell comes back with\n"
      "a along x and b in the xy plane. Positions in Å, Cartesian inside.\n"
      "\n"
      "Options:\n"
      "  -f, --format FMT  output format: poscar, extxyz or cif (default: from\n"
      "                    OUT's name)\n"
      "  -h, --help        this text\n"
      "\n"
      "Exit status: 0 success; 1 failure (the message names file, line and\n"
      "problem); 2 usage error.\n");
}

static int parse_format(const char *text, nacre_format *fmt) {
  static const nacre_format all[] = {NACRE_FORMAT_POSCAR, NACRE_FORMAT_EXTXYZ,
                                     NACRE_FORMAT_CIF};
  for (int k = 0; k < 3; k++)
    if (!strcmp(text, nacre_format_name(all[k]))) return (*fmt = all[k]), 0;
  return -1;
}

/* Every frame of an extended XYZ or OUTCAR input, appended to af. */
static nacre_status copy_frames(const char *in, nacre_atomic_file *af,
                                long *count, nacre_error *err) {
  nacre_frame f;
  nacre_frame_init(&f);
  nacre_status st = NACRE_OK;
  *count = 0;
  if (nacre_format_guess(in) == NACRE_FORMAT_OUTCAR) {
    nacre_frame *frames;
    int n;
    if ((st = nacre_outcar_read(in, &frames, &n, err))) return st;
    for (int k = 0; k < n; k++) {
      if (!st && !(st = nacre_xyz_write(af->fp, &frames[k], err))) (*count)++;
      nacre_frame_clear(&frames[k]);
    }
    free(frames);
    return st;
  }
  nacre_xyz_reader *r = nacre_xyz_open(in, err);
  if (!r) return err->status;
  int eof = 0;
  while (!(st = nacre_xyz_next(r, &f, &eof, err)) &&
         !(st = nacre_xyz_write(af->fp, &f, err)))
    (*count)++;
  nacre_frame_clear(&f);
  nacre_xyz_close(r);
  return eof ? NACRE_OK : st;
}

static int convert_all(const char *in, const char *out) {
  nacre_error err;
  nacre_error_clear(&err);
  nacre_atomic_file af;
  long count;
  if (nacre_atomic_open(&af, out, &err)) return cli_fail("convert", &err);
  if (copy_frames(in, &af, &count, &err)) {
    nacre_atomic_abort(&af);
    return cli_fail("convert", &err);
  }
  if (nacre_atomic_commit(&af, &err)) return cli_fail("convert", &err);
  fprintf(stderr, "nacre convert: %ld frame%s written to %s\n", count,
          count == 1 ? "" : "s", out);
  return CLI_OK;
}

static int convert_one(const char *in, const char *out, nacre_format fmt) {
  nacre_error err;
  nacre_error_clear(&err);
  nacre_frame f;
  nacre_frame_init(&f);
  int rc = CLI_OK;
  if (nacre_read_frame(in, &f, &err) || nacre_write_frame(out, &f, fmt, &err))
    rc = cli_fail("convert", &err);
  nacre_frame_clear(&f);
  return rc;
}

static int run(int argc, char **argv) {
  const char *files[2];
  int nfiles = 0;
  nacre_format fmt = NACRE_FORMAT_AUTO;
  for (int k = 1; k < argc; k++) {
    const char *a = argv[k];
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      help();
      return CLI_OK;
    } else if (!strcmp(a, "-f") || !strcmp(a, "--format")) {
      if (++k == argc || parse_format(argv[k], &fmt))
        return cli_usage("convert", "%s expects poscar, extxyz or cif", a);
    } else if (a[0] == '-' && a[1]) {
      return cli_usage("convert", "unknown option '%s'", a);
    } else if (nfiles == 2) {
      return cli_usage("convert", "expected two files, got a third: '%s'", a);
    } else {
      files[nfiles++] = a;
    }
  }
  if (nfiles != 2) return cli_usage("convert", "expected IN and OUT files");
  size_t olen = strlen(files[1]);
  if (olen >= 3 && !strcmp(files[1] + olen - 3, ".gz"))
    return cli_usage("convert", "compressed output is not supported: '%s'",
                     files[1]);
  char *path;
  int index, has_index;
  nacre_error err;
  nacre_error_clear(&err);
  if (nacre_spec_parse(files[0], &path, &index, &has_index, &err))
    return cli_fail("convert", &err);
  nacre_format in_fmt = nacre_format_guess(path);
  free(path);
  nacre_format out_fmt = fmt != NACRE_FORMAT_AUTO ? fmt
                                                  : nacre_format_guess(files[1]);
  if (!has_index && out_fmt == NACRE_FORMAT_EXTXYZ &&
      (in_fmt == NACRE_FORMAT_EXTXYZ || in_fmt == NACRE_FORMAT_OUTCAR))
    return convert_all(files[0], files[1]);
  return convert_one(files[0], files[1], fmt);
}

const nacre_command nacre_cmd_convert = {
    "convert", "convert structures between POSCAR, extended XYZ, CIF, OUTCAR",
    run};
