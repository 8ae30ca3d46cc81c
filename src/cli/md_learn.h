/* md_learn.h — `nacre md --learn CONFIG`: on-the-fly learning MD
 * (nacre_learn_md_run) from the md command's parsed options. */
#ifndef NACRE_CLI_MD_LEARN_H
#define NACRE_CLI_MD_LEARN_H

#include "nacre/md.h"

typedef struct md_learn_args {
  const char *structure, *config, *dir;
  nacre_md_options opt;
  long steps, retrain_lag;
  int retrain_every, screen, json, quiet, jobs, checkpoint_every;
  double label_delay_s;
} md_learn_args;

/* Runs, prints the summary (or --json); returns the exit code. */
int md_learn_run(const md_learn_args *a);

#endif
