/* cmd_generate.c — `nacre generate --recipe na-hp`: reproducible starting
 * structures for a data set, written as extended XYZ. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "nacre/label.h"
#include "nacre/search.h"

static const char *help =
    "Usage: nacre generate --recipe na-hp -o START.extxyz [options]\n"
    "\n"
    "Writes starting structures for a DFT data set. Structure k depends only\n"
    "on (--seed, k): a larger --count extends a set without changing it.\n"
    "\n"
    "Recipes:\n"
    "  na-hp   sodium 0-150 GPa, kinds drawn uniformly among those with\n"
    "          --min-atoms..--max-atoms atoms: bcc, fcc (1 atom), hcp (2),\n"
    "          the 9R stacking (3), dhcp and the cubic fcc cell (4), the\n"
    "          supercells bcc-2x2x2, fcc-2x2x2, hcp-2x2x1, cI16 and oP8-like\n"
    "          (8), and random symmetric crystals of 1-8 atoms\n"
    "          in any space group that holds them; the volume per atom comes\n"
    "          from a Vinet equation of state (--eos) at a pressure drawn\n"
    "          uniformly from --pressure; 4 in 5 are strained (up to 6 %)\n"
    "          and rattled (up to 0.1 Å); atoms stay >= 1.8 Å apart (Na PAW\n"
    "          spheres).\n"
    "\n"
    "Options:\n"
    "  --recipe NAME       na-hp (required)\n"
    "  -o, --output FILE   extended XYZ (written atomically; info keys kind and\n"
    "                      target_pressure_gpa) (required)\n"
    "  --seed N            random seed (default 1)\n"
    "  --count N           number of structures (default 100)\n"
    "  --min-atoms N       smallest cell (default 1)\n"
    "  --max-atoms N       largest cell (default 8)\n"
    "  --pressure MIN,MAX  pressure range in GPa (default 0,150)\n"
    "  --eos V0,B0,B0'     Vinet equation of state: V0 in Å^3/atom, B0 in GPa\n"
    "                      (default 37.7,4.35,5.47: fitted to PBE labels of\n"
    "                      Na at 2.6-210 GPa; meant for 5-200 GPa)\n"
    "  -h, --help          this text\n";

static int run(int argc, char **argv) {
  const char *cmd = "generate";
  const char *recipe = NULL, *output = NULL;
  int seed = 1, count = 100;
  nacre_na_hp_options o;
  nacre_na_hp_options_init(&o);
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *val = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      fputs(help, stdout);
      return CLI_OK;
    }
    int takes = !strcmp(a, "--recipe") || !strcmp(a, "-o") ||
                !strcmp(a, "--output") || !strcmp(a, "--seed") ||
                !strcmp(a, "--count") || !strcmp(a, "--max-atoms") ||
                !strcmp(a, "--min-atoms") || !strcmp(a, "--pressure") ||
                !strcmp(a, "--eos");
    if (!takes) return cli_usage(cmd, "unknown argument '%s'", a);
    if (!val) return cli_usage(cmd, "%s needs a value", a);
    i++;
    if (!strcmp(a, "--recipe")) recipe = val;
    else if (!strcmp(a, "-o") || !strcmp(a, "--output")) output = val;
    else if (!strcmp(a, "--seed")) {
      if (cli_parse_int(cmd, a, val, &seed)) return CLI_USAGE;
      if (seed < 0) return cli_usage(cmd, "--seed must be >= 0");
    } else if (!strcmp(a, "--count")) {
      if (cli_parse_int(cmd, a, val, &count)) return CLI_USAGE;
      if (count < 1) return cli_usage(cmd, "--count must be >= 1");
    } else if (!strcmp(a, "--max-atoms")) {
      if (cli_parse_int(cmd, a, val, &o.max_atoms)) return CLI_USAGE;
      if (o.max_atoms < 1) return cli_usage(cmd, "--max-atoms must be >= 1");
    } else if (!strcmp(a, "--min-atoms")) {
      if (cli_parse_int(cmd, a, val, &o.min_atoms)) return CLI_USAGE;
      if (o.min_atoms < 1) return cli_usage(cmd, "--min-atoms must be >= 1");
    } else if (!strcmp(a, "--eos")) {
      double e[3];
      if (cli_parse_list(cmd, a, val, 3, e)) return CLI_USAGE;
      if (!(e[0] > 0) || !(e[1] > 0) || !(e[2] > 1))
        return cli_usage(cmd, "--eos expects V0,B0,B0' with V0 > 0, B0 > 0, "
                              "B0' > 1");
      o.v0 = e[0], o.b0 = e[1], o.b0p = e[2];
    } else {
      double pr[2];
      if (cli_parse_list(cmd, a, val, 2, pr)) return CLI_USAGE;
      if (pr[0] < 0 || pr[1] < pr[0])
        return cli_usage(cmd,
                         "--pressure expects MIN,MAX with 0 <= MIN <= MAX");
      o.p_min_gpa = pr[0], o.p_max_gpa = pr[1];
    }
  }
  if (o.min_atoms > o.max_atoms)
    return cli_usage(cmd, "--min-atoms %d is above --max-atoms %d",
                     o.min_atoms, o.max_atoms);
  if (!recipe) return cli_usage(cmd, "--recipe is required");
  if (strcmp(recipe, "na-hp"))
    return cli_usage(cmd, "unknown recipe '%s' (known: na-hp)", recipe);
  if (!output) return cli_usage(cmd, "-o OUTPUT is required");
  nacre_error err;
  nacre_error_clear(&err);
  nacre_structure **list;
  const char **kinds;
  double *press;
  if (nacre_dataset_na_hp((uint64_t)seed, count, &o, &list, &kinds, &press,
                          &err))
    return cli_fail(cmd, &err);
  int rc = CLI_OK;
  if (nacre_label_write_xyz(output, list, count, kinds, press, &err))
    rc = cli_fail(cmd, &err);
  for (int k = 0; k < count; k++) nacre_structure_free(list[k]);
  free(list);
  free(kinds);
  free(press);
  char n1[64];
  if (rc == CLI_OK)
    printf("generate: %s -> %s\n", cli_count(count, "structure", n1), output);
  return rc;
}

const nacre_command nacre_cmd_generate = {
    "generate", "reproducible starting structures for data sets (na-hp)", run};
