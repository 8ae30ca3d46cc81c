/* sgdb.c — the space-group database: Hall settings, their operations and
 * descriptions, read from spglib's tables (International Tables for
 * Crystallography vol. A as encoded by Hall symbols, Hall, Acta Cryst. A37,
 * 517 (1981)). */
#include "nacre/sym.h"

#include <spglib.h>
#include <stdio.h>
#include <string.h>

const char *nacre_sg_crystal_system(int sg_number) {
  if (sg_number < 1 || sg_number > 230) return "";
  if (sg_number <= 2) return "triclinic";
  if (sg_number <= 15) return "monoclinic";
  if (sg_number <= 74) return "orthorhombic";
  if (sg_number <= 142) return "tetragonal";
  if (sg_number <= 167) return "trigonal";
  if (sg_number <= 194) return "hexagonal";
  return "cubic";
}

static void copy_text(char *dst, size_t len, const char *src) {
  snprintf(dst, len, "%s", src);
}

nacre_status nacre_sg_type(int hall_number, nacre_sg_info *out,
                           nacre_error *err) {
  memset(out, 0, sizeof *out);
  if (hall_number < 1 || hall_number > 530)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "Hall number %d outside 1..530", hall_number);
  SpglibSpacegroupType t = spg_get_spacegroup_type(hall_number);
  if (t.number < 1)
    return nacre_error_set(err, NACRE_ERR_EXTERNAL,
                           "spglib has no Hall setting %d", hall_number);
  out->number = t.number;
  out->hall_number = t.hall_number;
  copy_text(out->international, sizeof out->international,
            t.international_short);
  copy_text(out->international_full, sizeof out->international_full,
            t.international_full);
  copy_text(out->hall_symbol, sizeof out->hall_symbol, t.hall_symbol);
  copy_text(out->schoenflies, sizeof out->schoenflies, t.schoenflies);
  copy_text(out->choice, sizeof out->choice, t.choice);
  copy_text(out->point_group, sizeof out->point_group,
            t.pointgroup_international);
  copy_text(out->crystal_system, sizeof out->crystal_system,
            nacre_sg_crystal_system(t.number));
  /* The lattice symbol of this setting is the first letter of the full
   * symbol ("A 1 1 2/n" is C2/c on other axes); R groups keep R even on
   * rhombohedral axes, whose Hall symbol reads "P 3*". */
  out->centring = t.international_full[0];
  return NACRE_OK;
}

int nacre_sg_default_hall(int sg_number) {
  if (sg_number < 1 || sg_number > 230) return 0;
  /* Hall numbers are ordered by space-group number; bisect for the first
   * setting of sg_number. */
  int lo = 1, hi = 530;
  while (lo < hi) {
    int mid = (lo + hi) / 2;
    if (spg_get_spacegroup_type(mid).number < sg_number)
      lo = mid + 1;
    else
      hi = mid;
  }
  return spg_get_spacegroup_type(lo).number == sg_number ? lo : 0;
}

nacre_status nacre_sg_operations(int hall_number,
                                 int rot[NACRE_SG_MAX_OPS][3][3],
                                 double trans[NACRE_SG_MAX_OPS][3], int *nops,
                                 nacre_error *err) {
  *nops = 0;
  if (hall_number < 1 || hall_number > 530)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "Hall number %d outside 1..530", hall_number);
  int n = spg_get_symmetry_from_database(rot, trans, hall_number);
  if (n <= 0 || n > NACRE_SG_MAX_OPS)
    return nacre_error_set(err, NACRE_ERR_EXTERNAL,
                           "spglib returned no operations for Hall number %d",
                           hall_number);
  *nops = n;
  return NACRE_OK;
}
