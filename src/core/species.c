/* species.c — the element table, Z = 1..103.
 *
 * Masses: IUPAC standard atomic weights, conventional values for elements
 * with an interval (CIAAW 2013/2015; for elements without a standard weight,
 * the mass of the longest-lived isotope) — the same values ASE uses.
 * Covalent radii: B. Cordero et al., "Covalent radii revisited", Dalton
 * Trans. 2008, 2832 (single-bond radii; C sp3, Mn/Fe/Co low spin). Cordero
 * gives no value beyond Cm (Z = 96); Bk..Lr reuse the Cm radius. */
#include "nacre/core.h"

#include <ctype.h>
#include <string.h>

static const nacre_element elements[NACRE_MAX_Z] = {
    {1, "H", 1.008, 0.31},           {2, "He", 4.002602, 0.28},
    {3, "Li", 6.94, 1.28},           {4, "Be", 9.0121831, 0.96},
    {5, "B", 10.81, 0.84},           {6, "C", 12.011, 0.76},
    {7, "N", 14.007, 0.71},          {8, "O", 15.999, 0.66},
    {9, "F", 18.998403163, 0.57},    {10, "Ne", 20.1797, 0.58},
    {11, "Na", 22.98976928, 1.66},   {12, "Mg", 24.305, 1.41},
    {13, "Al", 26.9815385, 1.21},    {14, "Si", 28.085, 1.11},
    {15, "P", 30.973761998, 1.07},   {16, "S", 32.06, 1.05},
    {17, "Cl", 35.45, 1.02},         {18, "Ar", 39.948, 1.06},
    {19, "K", 39.0983, 2.03},        {20, "Ca", 40.078, 1.76},
    {21, "Sc", 44.955908, 1.70},     {22, "Ti", 47.867, 1.60},
    {23, "V", 50.9415, 1.53},        {24, "Cr", 51.9961, 1.39},
    {25, "Mn", 54.938044, 1.39},     {26, "Fe", 55.845, 1.32},
    {27, "Co", 58.933194, 1.26},     {28, "Ni", 58.6934, 1.24},
    {29, "Cu", 63.546, 1.32},        {30, "Zn", 65.38, 1.22},
    {31, "Ga", 69.723, 1.22},        {32, "Ge", 72.630, 1.20},
    {33, "As", 74.921595, 1.19},     {34, "Se", 78.971, 1.20},
    {35, "Br", 79.904, 1.20},        {36, "Kr", 83.798, 1.16},
    {37, "Rb", 85.4678, 2.20},       {38, "Sr", 87.62, 1.95},
    {39, "Y", 88.90584, 1.90},       {40, "Zr", 91.224, 1.75},
    {41, "Nb", 92.90637, 1.64},      {42, "Mo", 95.95, 1.54},
    {43, "Tc", 97.90721, 1.47},      {44, "Ru", 101.07, 1.46},
    {45, "Rh", 102.90550, 1.42},     {46, "Pd", 106.42, 1.39},
    {47, "Ag", 107.8682, 1.45},      {48, "Cd", 112.414, 1.44},
    {49, "In", 114.818, 1.42},       {50, "Sn", 118.710, 1.39},
    {51, "Sb", 121.760, 1.39},       {52, "Te", 127.60, 1.38},
    {53, "I", 126.90447, 1.39},      {54, "Xe", 131.293, 1.40},
    {55, "Cs", 132.90545196, 2.44},  {56, "Ba", 137.327, 2.15},
    {57, "La", 138.90547, 2.07},     {58, "Ce", 140.116, 2.04},
    {59, "Pr", 140.90766, 2.03},     {60, "Nd", 144.242, 2.01},
    {61, "Pm", 144.91276, 1.99},     {62, "Sm", 150.36, 1.98},
    {63, "Eu", 151.964, 1.98},       {64, "Gd", 157.25, 1.96},
    {65, "Tb", 158.92535, 1.94},     {66, "Dy", 162.500, 1.92},
    {67, "Ho", 164.93033, 1.92},     {68, "Er", 167.259, 1.89},
    {69, "Tm", 168.93422, 1.90},     {70, "Yb", 173.054, 1.87},
    {71, "Lu", 174.9668, 1.87},      {72, "Hf", 178.49, 1.75},
    {73, "Ta", 180.94788, 1.70},     {74, "W", 183.84, 1.62},
    {75, "Re", 186.207, 1.51},       {76, "Os", 190.23, 1.44},
    {77, "Ir", 192.217, 1.41},       {78, "Pt", 195.084, 1.36},
    {79, "Au", 196.966569, 1.36},    {80, "Hg", 200.592, 1.32},
    {81, "Tl", 204.38, 1.45},        {82, "Pb", 207.2, 1.46},
    {83, "Bi", 208.98040, 1.48},     {84, "Po", 208.98243, 1.40},
    {85, "At", 209.98715, 1.50},     {86, "Rn", 222.01758, 1.50},
    {87, "Fr", 223.01974, 2.60},     {88, "Ra", 226.02541, 2.21},
    {89, "Ac", 227.02775, 2.15},     {90, "Th", 232.0377, 2.06},
    {91, "Pa", 231.03588, 2.00},     {92, "U", 238.02891, 1.96},
    {93, "Np", 237.04817, 1.90},     {94, "Pu", 244.06421, 1.87},
    {95, "Am", 243.06138, 1.80},     {96, "Cm", 247.07035, 1.69},
    {97, "Bk", 247.07031, 1.69},     {98, "Cf", 251.07959, 1.69},
    {99, "Es", 252.0830, 1.69},      {100, "Fm", 257.09511, 1.69},
    {101, "Md", 258.09843, 1.69},    {102, "No", 259.1010, 1.69},
    {103, "Lr", 262.110, 1.69},
};

const nacre_element *nacre_element_by_z(int z) {
  if (z < 1 || z > NACRE_MAX_Z) return NULL;
  return &elements[z - 1];
}

double nacre_covalent_radius(int z) {
  const nacre_element *e = nacre_element_by_z(z);
  return e && e->covalent_radius > 0 ? e->covalent_radius : 1.5;
}

static int match_symbol(char c0, char c1) {
  for (int i = 0; i < NACRE_MAX_Z; i++) {
    const char *sym = elements[i].symbol;
    if (sym[0] == c0 && sym[1] == c1) return i + 1;
  }
  return 0;
}

int nacre_element_z(const char *symbol) {
  if (!symbol || !isalpha((unsigned char)symbol[0])) return 0;
  size_t n = strlen(symbol);
  if (n > 2) return 0;
  char c0 = (char)toupper((unsigned char)symbol[0]);
  char c1 = n == 2 ? (char)tolower((unsigned char)symbol[1]) : '\0';
  if (n == 2 && !isalpha((unsigned char)symbol[1])) return 0;
  return match_symbol(c0, c1);
}

int nacre_element_z_prefix(const char *s, size_t *len) {
  if (len) *len = 0;
  if (!s || !isalpha((unsigned char)s[0])) return 0;
  char c0 = (char)toupper((unsigned char)s[0]);
  /* Prefer the two-letter symbol ("Na" before "N") only when the second
   * character is lower case; "NA" alone is read as sodium too. */
  if (isalpha((unsigned char)s[1])) {
    int z = match_symbol(c0, (char)tolower((unsigned char)s[1]));
    if (z && (islower((unsigned char)s[1]) || !isalpha((unsigned char)s[2]))) {
      if (len) *len = 2;
      return z;
    }
  }
  int z = match_symbol(c0, '\0');
  if (z && len) *len = 1;
  return z;
}
