// labels: slow nosan
/* test_npt_lammps_slow.c — test_npt_lammps.c over five times as many steps. */
#define NPT_STEPS 100000L
#include "test_npt_lammps.c"
