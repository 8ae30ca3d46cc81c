/* test_readme_options.c — the examples of README.md and doc/ speak the
 * vocabulary: every option an example passes to `nacre SUBCOMMAND` (a
 * command line in a code block, continuation lines joined, the comment
 * after " #" dropped) is one that `nacre SUBCOMMAND --help` lists, so no
 * example teaches an old spelling that stays only as a hidden alias
 * (README's hull example passed search's old --time) or an option that no
 * longer exists. `data`, `analyze` and `fit` take the help of their
 * sub-subcommand. The scanner itself is checked on a small text with one
 * wrong option. */
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "iotest.h"
#include "testing.h"

#define MAX_HELPS 64

static struct {
  char key[64];
  char *text;
  int status;
} helps[MAX_HELPS];
static int nhelps;
static int report = 1; /* 0 while the scanner checks itself */

/* `nacre KEY --help`, standard output and error together, cached. */
static const char *help_of(const char *key, int *status) {
  for (int k = 0; k < nhelps; k++)
    if (!strcmp(helps[k].key, key)) {
      *status = helps[k].status;
      return helps[k].text;
    }
  if (nhelps == MAX_HELPS) return NULL;
  char cmd[512];
  const char *out = test_tmp_path("help.txt");
  snprintf(cmd, sizeof cmd, "%s %s --help >'%s' 2>&1", NACRE_CLI, key, out);
  int rc = system(cmd);
  snprintf(helps[nhelps].key, sizeof helps[nhelps].key, "%s", key);
  helps[nhelps].status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  helps[nhelps].text = test_read_all(out, NULL);
  *status = helps[nhelps].status;
  return helps[nhelps++].text;
}

static int word_char(char c) { return isalnum((unsigned char)c) || c == '-' || c == '_'; }

/* 1 when text holds flag as a whole word (not inside a longer option). */
static int has_flag(const char *text, const char *flag) {
  size_t n = strlen(flag);
  for (const char *p = strstr(text, flag); p; p = strstr(p + 1, flag))
    if ((p == text || !word_char(p[-1])) && !word_char(p[n])) return 1;
  return 0;
}

/* An option token of an example: "--name" or "-x", brackets and any
 * "=value" cut off; 0 for anything else (values, negative numbers). */
static int option_of(const char *tok, char *flag, size_t cap) {
  while (*tok == '[') tok++;
  size_t n = 0;
  while (tok[n] && tok[n] != '=' && tok[n] != ']' && n + 1 < cap) n++;
  memcpy(flag, tok, n);
  flag[n] = '\0';
  if (n == 2 && flag[0] == '-' && isalpha((unsigned char)flag[1])) return 1;
  if (n < 3 || strncmp(flag, "--", 2) || !islower((unsigned char)flag[2])) return 0;
  for (size_t i = 2; i < n; i++)
    if (!islower((unsigned char)flag[i]) && !isdigit((unsigned char)flag[i]) && flag[i] != '-')
      return 0;
  return 1;
}

/* Checks one example command line (from "nacre " on); returns the number
 * of options not in the help. where names it in messages. */
static int check_example(const char *line, const char *where) {
  char buf[4096];
  snprintf(buf, sizeof buf, "%s", line);
  char *hash = strstr(buf, " #");
  if (hash) *hash = '\0';
  char *tok[256];
  int ntok = 0;
  for (char *t = strtok(buf, " \t"); t && ntok < 256; t = strtok(NULL, " \t")) tok[ntok++] = t;
  if (ntok < 2) return 0;
  char key[64];
  snprintf(key, sizeof key, "%s", tok[1]);
  int first = 2;
  if ((!strcmp(tok[1], "data") || !strcmp(tok[1], "analyze") || !strcmp(tok[1], "fit")) &&
      ntok > 2 && tok[2][0] != '-') {
    snprintf(key, sizeof key, "%s %s", tok[1], tok[2]);
    first = 3;
  }
  int status = 0;
  const char *help = help_of(key, &status);
  CHECK(help && status == 0, "%s: nacre %s --help exits %d", where, key, status);
  if (!help || status) return 1;
  int missing = 0;
  for (int k = first; k < ntok; k++) {
    char flag[64];
    if (!option_of(tok[k], flag, sizeof flag) || has_flag(help, flag)) continue;
    if (report) CHECK(0, "%s: 'nacre %s' passes %s, which its --help does not list", where, key, flag);
    missing++;
  }
  return missing;
}

/* Every example in the code blocks (indented 4 or fenced) of text. */
static int check_text(const char *text, const char *name, int *examples) {
  int missing = 0, fenced = 0, lineno = 0;
  const char *p = text;
  while (*p) {
    const char *e = strchr(p, '\n');
    size_t len = e ? (size_t)(e - p) : strlen(p);
    lineno++;
    int at = lineno;
    if (!strncmp(p, "```", 3)) fenced = !fenced;
    const char *s = p;
    while (*s == ' ') s++;
    if (!strncmp(s, "$ ", 2)) s += 2;
    if ((fenced || s - p >= 4) && !strncmp(s, "nacre ", 6) && islower((unsigned char)s[6])) {
      char line[4096];
      size_t n = 0;
      for (;;) { /* join continuation lines ending in a backslash */
        size_t l = e ? (size_t)(e - s) : strlen(s);
        while (l && isspace((unsigned char)s[l - 1])) l--;
        int cont = l && s[l - 1] == '\\';
        if (cont) l--;
        if (n + l + 2 >= sizeof line) break;
        memcpy(line + n, s, l);
        n += l;
        line[n++] = ' ';
        if (!cont || !e) break;
        s = e + 1;
        e = strchr(s, '\n');
        lineno++;
      }
      line[n] = '\0';
      char where[256];
      snprintf(where, sizeof where, "%s:%d", name, at);
      missing += check_example(line, where);
      (*examples)++;
    }
    p = e ? e + 1 : p + len;
  }
  return missing;
}

static int check_file(const char *path, const char *name, int *examples) {
  char *text = test_read_all(path, NULL);
  CHECK(text != NULL, "cannot read %s", path);
  int missing = text ? check_text(text, name, examples) : 0;
  free(text);
  return missing;
}

int main(void) {
  /* the scanner: one wrong option in a fenced, continued example */
  int examples = 0;
  report = 0;
  int missing = check_text("```\nnacre eval x.vasp \\\n  --potential lj --no-such-option\n```\n",
                           "scanner", &examples);
  CHECK(examples == 1 && missing == 1, "the scanner finds the wrong option (%d, %d)",
        examples, missing);
  report = 1;
  examples = 0;
  missing = check_file(NACRE_SOURCE_DIR "/README.md", "README.md", &examples);
  DIR *d = opendir(NACRE_SOURCE_DIR "/doc");
  CHECK(d != NULL, "cannot list doc/");
  for (struct dirent *de; d && (de = readdir(d));) {
    size_t n = strlen(de->d_name);
    if (n < 4 || strcmp(de->d_name + n - 3, ".md")) continue;
    char path[4096], name[300];
    snprintf(path, sizeof path, "%s/doc/%s", NACRE_SOURCE_DIR, de->d_name);
    snprintf(name, sizeof name, "doc/%s", de->d_name);
    missing += check_file(path, name, &examples);
  }
  if (d) closedir(d);
  CHECK(examples > 50, "read only %d examples", examples);
  printf("examples: %d; options not in their --help: %d\n", examples, missing);
  for (int k = 0; k < nhelps; k++) free(helps[k].text);
  TEST_DONE();
}
