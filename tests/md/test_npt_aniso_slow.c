// labels: slow nosan
/* test_npt_aniso_slow.c — test_npt_aniso.c over five times as many steps. */
#define ANISO_STEPS 200000L
#include "test_npt_aniso.c"
