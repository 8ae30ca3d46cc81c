/* files.c — phonon results in the files people use: phonopy's band.yaml
 * and mesh.yaml (the subset phonopy-bandplot and phonopy's loaders read),
 * CSV tables with units in the column names, and an SVG of the bands with
 * the density of states beside them. Every file is written to a temporary
 * name and renamed when complete. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "phonon_internal.h"

typedef struct out_file {
  FILE *f;
  char tmp[4096];
  const char *path;
} out_file;

static nacre_status out_open(out_file *o, const char *path, nacre_error *err) {
  o->path = path;
  snprintf(o->tmp, sizeof o->tmp, "%s.tmp", path);
  o->f = fopen(o->tmp, "w");
  if (!o->f) return nacre_error_set(err, NACRE_ERR_IO, "cannot write %s", o->tmp);
  return NACRE_OK;
}

static nacre_status out_close(out_file *o, nacre_error *err) {
  int bad = ferror(o->f);
  if (fclose(o->f) || bad || rename(o->tmp, o->path)) {
    remove(o->tmp);
    return nacre_error_set(err, NACRE_ERR_IO, "writing %s failed", o->path);
  }
  return NACRE_OK;
}

static const char *symbol(int z) {
  const nacre_element *e = nacre_element_by_z(z);
  return e ? e->symbol : "X";
}

/* The header phonopy writes before its phonon list. */
static void yaml_structure(FILE *f, const nacre_phonon *ph) {
  const nacre_structure *u = ph->unit;
  fprintf(f, "reciprocal_lattice:\n");
  for (int r = 0; r < 3; r++)
    fprintf(f, "- [ %12.8f, %12.8f, %12.8f ] # %c*\n", ph->cell_recip[r][0], ph->cell_recip[r][1],
            ph->cell_recip[r][2], 'a' + r);
  fprintf(f, "natom: %d\nlattice:\n", u->natoms);
  for (int r = 0; r < 3; r++)
    fprintf(f, "- [ %21.15f, %21.15f, %21.15f ] # %c\n", u->cell[r][0], u->cell[r][1],
            u->cell[r][2], 'a' + r);
  double *frac = malloc(3 * (size_t)u->natoms * sizeof *frac);
  if (frac) nacre_structure_get_frac(u, frac, NULL);
  fprintf(f, "points:\n");
  for (int i = 0; i < u->natoms; i++) {
    fprintf(f, "- symbol: %-2s # %d\n", symbol(u->numbers[i]), i + 1);
    if (frac)
      fprintf(f, "  coordinates: [ %18.15f, %18.15f, %18.15f ]\n", frac[3 * i], frac[3 * i + 1],
              frac[3 * i + 2]);
    fprintf(f, "  mass: %.6f\n", ph->mass[i]);
  }
  free(frac);
  fprintf(f, "supercell_matrix:\n");
  for (int r = 0; r < 3; r++) /* phonopy's matrix is the transpose of nacre's */
    fprintf(f, "- [ %d, %d, %d ]\n", ph->m[0][r], ph->m[1][r], ph->m[2][r]);
}

static const char *yaml_label(const char *label) {
  return strcmp(label, "G") ? label : "$\\Gamma$";
}

static void yaml_eigenvector(FILE *f, const double *e, int nb, int k, int natoms) {
  fprintf(f, "    eigenvector:\n");
  for (int i = 0; i < natoms; i++) {
    fprintf(f, "    - # atom %d\n", i + 1);
    for (int c = 0; c < 3; c++) {
      size_t at = 2 * ((size_t)(3 * i + c) * nb + k);
      fprintf(f, "      - [ %17.14f, %17.14f ]\n", e[at], e[at + 1]);
    }
  }
}

nacre_status nacre_phonon_write_band_yaml(const nacre_phonon *ph, const nacre_phonon_bands *b,
                                          const char *path, nacre_error *err) {
  out_file o;
  nacre_status st = out_open(&o, path, err);
  if (st) return st;
  FILE *f = o.f;
  int nb = b->nbands;
  fprintf(f, "nqpoint: %d\nnpath: %d\nsegment_nqpoint:\n", b->nq, b->nsegments);
  for (int s = 0; s < b->nsegments; s++) fprintf(f, "- %d\n", b->points_per_segment);
  if (b->start_label[0][0]) {
    fprintf(f, "labels:\n");
    for (int s = 0; s < b->nsegments; s++)
      fprintf(f, "- [ '%s', '%s' ]\n", yaml_label(b->start_label[s]), yaml_label(b->end_label[s]));
  }
  yaml_structure(f, ph);
  fprintf(f, "\nphonon:\n");
  for (int i = 0; i < b->nq; i++) {
    int s = i / b->points_per_segment, k = i % b->points_per_segment;
    fprintf(f, "- q-position: [ %12.7f, %12.7f, %12.7f ]\n", b->q[i][0], b->q[i][1], b->q[i][2]);
    fprintf(f, "  distance: %12.7f\n", b->distance[i]);
    if (b->start_label[s][0] && (k == 0 || k == b->points_per_segment - 1))
      fprintf(f, "  label: '%s'\n", yaml_label(k == 0 ? b->start_label[s] : b->end_label[s]));
    fprintf(f, "  band:\n");
    for (int m = 0; m < nb; m++) {
      fprintf(f, "  - # %d\n    frequency: %15.10f\n", m + 1, b->freq_thz[(size_t)i * nb + m]);
      if (b->eigvec) yaml_eigenvector(f, &b->eigvec[(size_t)i * 2 * nb * nb], nb, m, ph->n);
    }
    fprintf(f, "\n");
  }
  return out_close(&o, err);
}

nacre_status nacre_phonon_write_mesh_yaml(const nacre_phonon *ph, const nacre_phonon_mesh *m,
                                          const char *path, nacre_error *err) {
  out_file o;
  nacre_status st = out_open(&o, path, err);
  if (st) return st;
  FILE *f = o.f;
  fprintf(f, "mesh: [ %d, %d, %d ]\nnqpoint: %d\n", m->mesh[0], m->mesh[1], m->mesh[2], m->nq);
  yaml_structure(f, ph);
  fprintf(f, "\nphonon:\n");
  for (int iq = 0; iq < m->nq; iq++) {
    fprintf(f, "- q-position: [ %12.7f, %12.7f, %12.7f ]\n  weight: %d\n  band:\n", m->q[iq][0],
            m->q[iq][1], m->q[iq][2], m->weight[iq]);
    for (int k = 0; k < m->nbands; k++)
      fprintf(f, "  - # %d\n    frequency: %15.10f\n", k + 1,
              m->freq_thz[(size_t)iq * m->nbands + k]);
    fprintf(f, "\n");
  }
  return out_close(&o, err);
}

nacre_status nacre_phonon_write_bands_csv(const nacre_phonon_bands *b, const char *path,
                                          nacre_error *err) {
  out_file o;
  nacre_status st = out_open(&o, path, err);
  if (st) return st;
  fprintf(o.f, "distance_per_a,q_a,q_b,q_c,label");
  for (int k = 0; k < b->nbands; k++) fprintf(o.f, ",frequency_%d_thz", k + 1);
  fprintf(o.f, "\n");
  for (int i = 0; i < b->nq; i++) {
    int s = i / b->points_per_segment, k = i % b->points_per_segment;
    const char *label = k == 0                           ? b->start_label[s]
                        : k == b->points_per_segment - 1 ? b->end_label[s]
                                                         : "";
    fprintf(o.f, "%.8f,%.8f,%.8f,%.8f,%s", b->distance[i], b->q[i][0], b->q[i][1], b->q[i][2],
            label);
    for (int m = 0; m < b->nbands; m++)
      fprintf(o.f, ",%.8f", b->freq_thz[(size_t)i * b->nbands + m]);
    fprintf(o.f, "\n");
  }
  return out_close(&o, err);
}

nacre_status nacre_phonon_write_dos_csv(const nacre_phonon_dos *d, const char *path,
                                        nacre_error *err) {
  out_file o;
  nacre_status st = out_open(&o, path, err);
  if (st) return st;
  fprintf(o.f, "frequency_thz,dos_states_per_thz");
  for (int s = 0; d->pdos && s < d->nspecies; s++)
    fprintf(o.f, ",dos_%s_states_per_thz", symbol(d->species_z[s]));
  fprintf(o.f, "\n");
  for (int p = 0; p < d->npoints; p++) {
    fprintf(o.f, "%.6f,%.10g", d->freq_thz[p], d->dos[p]);
    for (int s = 0; d->pdos && s < d->nspecies; s++)
      fprintf(o.f, ",%.10g", d->pdos[(size_t)s * d->npoints + p]);
    fprintf(o.f, "\n");
  }
  return out_close(&o, err);
}

nacre_status nacre_phonon_write_thermal_csv(const nacre_phonon_thermo *t, int n, const char *path,
                                            nacre_error *err) {
  out_file o;
  nacre_status st = out_open(&o, path, err);
  if (st) return st;
  fprintf(o.f, "temperature_k,vibrational_free_energy_per_atom_ev,vibrational_energy_per_atom_ev,"
               "entropy_per_atom_kb,heat_capacity_per_atom_kb,"
               "classical_free_energy_per_atom_ev,quantum_correction_per_atom_ev,"
               "zero_point_energy_per_atom_ev\n");
  for (int k = 0; k < n; k++)
    fprintf(o.f, "%.6g,%.10f,%.10f,%.10f,%.10f,%.10f,%.10f,%.10f\n", t[k].temperature_k,
            t[k].vibrational_free_energy_per_atom_ev, t[k].vibrational_energy_per_atom_ev,
            t[k].entropy_per_atom_kb, t[k].heat_capacity_per_atom_kb,
            t[k].classical_free_energy_per_atom_ev, t[k].quantum_correction_per_atom_ev,
            t[k].zero_point_energy_per_atom_ev);
  return out_close(&o, err);
}

/* ---- SVG: bands on the left, the density of states on the right ---- */

typedef struct plot_box {
  double x0, y0, w, h; /* pixels */
  double fmin, fmax;   /* THz on the vertical axis */
} plot_box;

static double ypix(const plot_box *p, double f) {
  return p->y0 + p->h * (1 - (f - p->fmin) / (p->fmax - p->fmin));
}

static const char *svg_label(const char *label) { return strcmp(label, "G") ? label : "Γ"; }

static double nice_step(double range) {
  double raw = range / 6, mag = pow(10, floor(log10(raw)));
  double r = raw / mag;
  return (r < 1.5 ? 1 : r < 3.5 ? 2 : r < 7.5 ? 5 : 10) * mag;
}

static void svg_axes(FILE *f, const plot_box *p) {
  fprintf(f,
          "<rect x='%.1f' y='%.1f' width='%.1f' height='%.1f' fill='none' "
          "stroke='black'/>\n",
          p->x0, p->y0, p->w, p->h);
  double step = nice_step(p->fmax - p->fmin);
  for (double v = ceil(p->fmin / step) * step; v <= p->fmax + 1e-9; v += step) {
    double y = ypix(p, v);
    fprintf(f, "<line x1='%.1f' y1='%.1f' x2='%.1f' y2='%.1f' stroke='black'/>\n", p->x0 - 5, y,
            p->x0, y);
    fprintf(f, "<text x='%.1f' y='%.1f' text-anchor='end' font-size='12'>%g</text>\n", p->x0 - 8,
            y + 4, fabs(v) < 1e-12 ? 0.0 : v);
  }
  if (p->fmin < 0)
    fprintf(f,
            "<line x1='%.1f' y1='%.1f' x2='%.1f' y2='%.1f' stroke='gray' "
            "stroke-dasharray='4,3'/>\n",
            p->x0, ypix(p, 0), p->x0 + p->w, ypix(p, 0));
}

static void svg_bands(FILE *f, const plot_box *p, const nacre_phonon_bands *b) {
  double dmax = b->distance[b->nq - 1] > 0 ? b->distance[b->nq - 1] : 1;
  int per = b->points_per_segment;
  for (int s = 0; s < b->nsegments; s++) {
    double x0 = p->x0 + p->w * b->distance[s * per] / dmax;
    double x1 = p->x0 + p->w * b->distance[s * per + per - 1] / dmax;
    fprintf(f, "<line x1='%.1f' y1='%.1f' x2='%.1f' y2='%.1f' stroke='#bbb'/>\n", x1, p->y0, x1,
            p->y0 + p->h);
    if (s == 0)
      fprintf(f, "<text x='%.1f' y='%.1f' text-anchor='middle' font-size='13'>%s</text>\n", x0,
              p->y0 + p->h + 18, svg_label(b->start_label[0]));
    char text[40];
    if (s + 1 < b->nsegments && strcmp(b->end_label[s], b->start_label[s + 1]))
      snprintf(text, sizeof text, "%s|%s", svg_label(b->end_label[s]),
               svg_label(b->start_label[s + 1]));
    else
      snprintf(text, sizeof text, "%s", svg_label(b->end_label[s]));
    fprintf(f, "<text x='%.1f' y='%.1f' text-anchor='middle' font-size='13'>%s</text>\n", x1,
            p->y0 + p->h + 18, text);
    for (int k = 0; k < b->nbands; k++) {
      fprintf(f, "<polyline fill='none' stroke='#1f4e9c' stroke-width='1.3' points='");
      for (int i = s * per; i < s * per + per; i++)
        fprintf(f, "%.1f,%.1f ", p->x0 + p->w * b->distance[i] / dmax,
                ypix(p, b->freq_thz[(size_t)i * b->nbands + k]));
      fprintf(f, "'/>\n");
    }
  }
}

static void svg_dos(FILE *f, const plot_box *p, const nacre_phonon_dos *d) {
  static const char *colors[] = {"#c0392b", "#27ae60", "#8e44ad", "#e67e22", "#16a085"};
  double top = 0;
  for (int k = 0; k < d->npoints; k++) top = fmax(top, d->dos[k]);
  if (!(top > 0)) return;
  int nseries = 1 + (d->pdos && d->nspecies > 1 ? d->nspecies : 0);
  for (int s = 0; s < nseries; s++) {
    const double *y = s == 0 ? d->dos : &d->pdos[(size_t)(s - 1) * d->npoints];
    fprintf(f, "<polyline fill='none' stroke='%s' stroke-width='1.2' points='",
            s == 0 ? "black" : colors[(s - 1) % 5]);
    for (int k = 0; k < d->npoints; k++) {
      if (d->freq_thz[k] < p->fmin || d->freq_thz[k] > p->fmax) continue;
      fprintf(f, "%.1f,%.1f ", p->x0 + p->w * y[k] / (1.05 * top), ypix(p, d->freq_thz[k]));
    }
    fprintf(f, "'/>\n");
    fprintf(f, "<text x='%.1f' y='%.1f' font-size='12' fill='%s'>%s</text>\n", p->x0 + p->w - 40,
            p->y0 + 16 + 15 * s, s == 0 ? "black" : colors[(s - 1) % 5],
            s == 0 ? "total" : symbol(d->species_z[s - 1]));
  }
  fprintf(f, "<text x='%.1f' y='%.1f' text-anchor='middle' font-size='13'>DOS</text>\n",
          p->x0 + p->w / 2, p->y0 + p->h + 18);
}

nacre_status nacre_phonon_write_svg(const nacre_phonon_bands *b, const nacre_phonon_dos *d,
                                    const char *title, const char *path, nacre_error *err) {
  if (!b && !d) return nacre_error_set(err, NACRE_ERR_INVALID, "%s: nothing to plot", path);
  double lo = 0, hi = 0;
  for (int i = 0; b && i < b->nq * b->nbands; i++)
    lo = fmin(lo, b->freq_thz[i]), hi = fmax(hi, b->freq_thz[i]);
  for (int k = 0; !b && d && k < d->npoints; k++)
    if (d->dos[k] > 0) lo = fmin(lo, d->freq_thz[k]), hi = fmax(hi, d->freq_thz[k]);
  double pad = 0.05 * (hi - lo > 0 ? hi - lo : 1);
  hi += pad;
  if (lo < 0) lo -= pad;
  out_file o;
  nacre_status st = out_open(&o, path, err);
  if (st) return st;
  FILE *f = o.f;
  double width = d && b ? 820 : 620, height = 480;
  fprintf(f,
          "<svg xmlns='http://www.w3.org/2000/svg' width='%.0f' height='%.0f' "
          "font-family='sans-serif'>\n<rect width='100%%' height='100%%' fill='white'/>\n",
          width, height);
  fprintf(f, "<text x='%.1f' y='22' text-anchor='middle' font-size='15'>%s</text>\n", width / 2,
          title ? title : "phonons");
  fprintf(f,
          "<text x='18' y='%.1f' font-size='13' transform='rotate(-90 18 %.1f)' "
          "text-anchor='middle'>frequency (THz)</text>\n",
          height / 2, height / 2);
  plot_box pb = {70, 40, b ? 500 : 0, height - 90, lo, hi};
  if (b) {
    svg_axes(f, &pb);
    svg_bands(f, &pb, b);
  }
  if (d) {
    plot_box pd = {b ? 600 : 70, 40, 190, height - 90, lo, hi};
    if (b)
      fprintf(f,
              "<rect x='%.1f' y='%.1f' width='%.1f' height='%.1f' fill='none' "
              "stroke='black'/>\n",
              pd.x0, pd.y0, pd.w, pd.h);
    else
      svg_axes(f, &pd);
    svg_dos(f, &pd, d);
  }
  fprintf(f, "</svg>\n");
  return out_close(&o, err);
}
