// labels: slow nosan
/* test_compressibility_slow.c — test_compressibility.c over four times as many steps. */
#define BETA_STEPS 400000L
#include "test_compressibility.c"
