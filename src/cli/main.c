/* main.c — `nacre COMMAND [options]`: dispatches to the subcommands
 * registered by the build (one cmd_NAME.c file each). */
#include <stdio.h>
#include <string.h>

#include "cli.h"

#define NACRE_COMMAND(name) extern const nacre_command nacre_cmd_##name;
#include "commands.inc"
#undef NACRE_COMMAND

static const nacre_command *const commands[] = {
#define NACRE_COMMAND(name) &nacre_cmd_##name,
#include "commands.inc"
#undef NACRE_COMMAND
    NULL};

static void usage(FILE *out) {
  fprintf(out,
          "nacre — machine-learning-accelerated crystal structure prediction\n"
          "\n"
          "Usage: nacre COMMAND [options]     (nacre COMMAND --help for "
          "details)\n\nCommands:\n");
  for (int k = 0; commands[k]; k++)
    fprintf(out, "  %-12s %s\n", commands[k]->name, commands[k]->summary);
  fprintf(out,
          "\nUnits: eV, Å, fs, amu, K; pressure and stress in GPa (stress "
          "positive = tensile,\npressure positive = compressive).\n");
}

int main(int argc, char **argv) {
  if (argc < 2) {
    usage(stderr);
    return CLI_USAGE;
  }
  if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
      !strcmp(argv[1], "help")) {
    usage(stdout);
    return CLI_OK;
  }
  if (!strcmp(argv[1], "--version")) {
    printf("nacre 0.1.0\n");
    return CLI_OK;
  }
  for (int k = 0; commands[k]; k++)
    if (!strcmp(argv[1], commands[k]->name))
      return commands[k]->run(argc - 1, argv + 1);
  fprintf(stderr, "nacre: unknown command '%s'\n\n", argv[1]);
  usage(stderr);
  return CLI_USAGE;
}
