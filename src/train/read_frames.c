/* read_frames.c — labelled files read through the io module (extended XYZ,
 * VASP OUTCAR), turned into samples. */
#include <math.h>
#include <stdio.h>

#include "nacre/train.h"
#include "train_internal.h"

nacre_status train_read_file(nacre_dataset *d, const char *path,
                             nacre_error *err) {
  (void)d;
  return nacre_error_set(err, NACRE_ERR_UNSUPPORTED,
                         "%s: extended XYZ and OUTCAR data need the io module",
                         path);
}
