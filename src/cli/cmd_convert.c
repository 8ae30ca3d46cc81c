/* cmd_convert.c — `nacre convert IN[@N] OUT`: structure and frame file
 * conversion between POSCAR, extended XYZ, CIF, LAMMPS data (and from
 * OUTCAR): parse, nacre_convert, print what was written. */
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
      "  *.cif                                CIF (written in P1; read with\n"
      "                                       its symmetry operations or the\n"
      "                                       space group it names)\n"
      "  *.lmp, *.lammps, *.data, data.*      LAMMPS data (read: atomic,\n"
      "                                       charge, molecular or full style,\n"
      "                                       elements from the Masses comments\n"
      "                                       or masses; written: atomic style,\n"
      "                                       restricted triclinic box)\n"
      "  OUTCAR*                              VASP OUTCAR (input only)\n"
      "\n"
      "IN@N picks frame N (0-based; negative counts from the end) of a\n"
      "multi-frame file (extended XYZ, OUTCAR). Without @N, an extended XYZ\n"
      "OUT receives every frame of IN with energies, forces (eV/Å) and stress\n"
      "(eV/Å^3, positive = tensile); a single-structure OUT receives frame 0,\n"
      "the first, with a note on stderr naming how many frames IN holds.\n"
      "OUT is written atomically (temporary file, then rename). POSCAR keeps\n"
      "selective dynamics and atom order (a species that reappears opens a\n"
      "new block); CIF stores lengths and angles, so the cell comes back with\n"
      "a along x and b in the xy plane, as LAMMPS data does. Positions in Å,\n"
      "Cartesian inside.\n"
      "\n"
      "Options:\n"
      "  -f, --format FMT  output format: poscar, extxyz, cif or lammps\n"
      "                    (default: from OUT's name)\n"
      "  -q, --quiet       no note on stderr (errors only)\n"
      "  -h, --help        this text\n"
      "\n"
      "Exit status: 0 success; 1 failure (the message names file, line and\n"
      "problem); 2 usage error.\n");
}

static int parse_format(const char *text, nacre_format *fmt) {
  static const nacre_format all[] = {NACRE_FORMAT_POSCAR, NACRE_FORMAT_EXTXYZ,
                                     NACRE_FORMAT_CIF, NACRE_FORMAT_LAMMPS_DATA};
  for (int k = 0; k < 4; k++)
    if (!strcmp(text, nacre_format_name(all[k]))) return (*fmt = all[k]), 0;
  if (!strcmp(text, "lammps")) return (*fmt = NACRE_FORMAT_LAMMPS_DATA), 0;
  return -1;
}

static int run(int argc, char **argv) {
  const char *files[2];
  int nfiles = 0, quiet = 0;
  nacre_format fmt = NACRE_FORMAT_AUTO;
  for (int k = 1; k < argc; k++) {
    const char *a = argv[k];
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      help();
      return CLI_OK;
    } else if (!strcmp(a, "-f") || !strcmp(a, "--format")) {
      if (++k == argc || parse_format(argv[k], &fmt))
        return cli_usage("convert", "%s expects poscar, extxyz, cif or lammps",
                         a);
    } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
      quiet = 1;
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
  nacre_error err;
  nacre_error_clear(&err);
  nacre_convert_report rep;
  if (nacre_convert(files[0], files[1], fmt, &rep, &err))
    return cli_fail("convert", &err);
  if (quiet) return CLI_OK;
  char count[64];
  if (rep.frame < 0) {
    fprintf(stderr, "nacre convert: %s written to %s\n",
            cli_count(rep.frames_written, "frame", count), files[1]);
  } else if (rep.frames_read > 1 && !strchr(files[0], '@')) {
    fprintf(stderr,
            "nacre convert: note: %s holds %s; frame 0 (the first) written "
            "to %s (%s@N for frame N)\n",
            files[0], cli_count(rep.frames_read, "frame", count), files[1],
            files[0]);
  }
  return CLI_OK;
}

const nacre_command nacre_cmd_convert = {
    "convert",
    "convert structures between POSCAR, extended XYZ, CIF, LAMMPS data, OUTCAR",
    run};
