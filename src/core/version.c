/* version.c — the version of the library linked at run time. */
#include "nacre/version.h"

const char *nacre_version(void) { return NACRE_VERSION_STRING; }
int nacre_abi_version(void) { return NACRE_ABI_VERSION; }
