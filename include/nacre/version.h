/* nacre/version.h — the library's version and ABI version.
 *
 * NACRE_ABI_VERSION is the soname's number (libnacre.so.N): it changes
 * whenever a public struct's layout or a function's signature changes, so
 * a program built against one ABI never loads a library of another.
 * Bindings that mirror public structs (the Python package) check
 * nacre_abi_version() at load time. CMake reads these numbers from this
 * file; they are written nowhere else. */
#ifndef NACRE_VERSION_H
#define NACRE_VERSION_H

#ifdef __cplusplus
extern "C" {
#endif

#define NACRE_VERSION_MAJOR 0
#define NACRE_VERSION_MINOR 1
#define NACRE_VERSION_PATCH 0
#define NACRE_VERSION_STRING "0.1.0"
#define NACRE_ABI_VERSION 0

/* Of the library linked at run time, which may differ from the header a
 * program was compiled with. */
const char *nacre_version(void);
int nacre_abi_version(void);

#ifdef __cplusplus
}
#endif
#endif
