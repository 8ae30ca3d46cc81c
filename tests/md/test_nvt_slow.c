// labels: slow nosan
/* test_nvt_slow.c — test_nvt.c over ten times as many steps. */
#define NVT_STEPS 400000L
#include "test_nvt.c"
