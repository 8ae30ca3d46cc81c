/* state.c — the complete state of a run as text, doubles in hexadecimal
 * floating point (C99 %a), so that a run read back continues bit for bit.
 *
 *   nacre-md-state 1
 *   natoms N
 *   option NAME VALUE          (the options that change the dynamics)
 *   step S
 *   cell 9 values
 *   heat H / conserved0 / volume0 / force_calls / outside_samples
 *   chain J XI VXI             (Nosé–Hoover, one line per thermostat)
 *   piston RATE MASS           (Andersen's piston: dε/dt in 1/fs, W in eV fs²)
 *   rng NAME s0 s1 s2 s3 HAS_SPARE SPARE
 *   block STAT LEVEL N SUM SUMSQ PENDING HAS_PENDING   (levels in use)
 *   drift N MEAN_T MEAN_Y M2_T C_TY
 *   atom I Z MASS X Y Z VX VY VZ   (N lines)
 *   end */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "md_internal.h"

static const char *const stat_names[MD_NSTATS] = {"T", "P", "V", "E", "ETOT",
                                                  "H"};

/* The options a resumed run must share with the one that wrote the state:
 * name, value as text (exact). */
typedef struct {
  const char *name;
  char value[96];
} option_text;

static int options_text(const nacre_md_options *o, option_text *t) {
  int n = 0;
#define OPT_D(nm, v) (t[n].name = nm, snprintf(t[n].value, sizeof t[n].value, "%a", (double)(v)), n++)
#define OPT_S(nm, v) (t[n].name = nm, snprintf(t[n].value, sizeof t[n].value, "%s", v), n++)
  OPT_D("timestep_fs", o->timestep_fs);
  OPT_D("temperature_k", o->temperature_k);
  OPT_S("thermostat", nacre_md_thermostat_name(o->thermostat));
  if (o->thermostat) OPT_D("thermostat_tau_fs", o->thermostat_tau_fs);
  if (o->thermostat == NACRE_MD_NOSE_HOOVER)
    OPT_D("nose_hoover_chain", o->nose_hoover_chain);
  OPT_S("barostat", nacre_md_barostat_name(o->barostat));
  if (o->barostat) {
    OPT_D("barostat_tau_fs", o->barostat_tau_fs);
    OPT_D("compressibility_per_gpa", o->compressibility_per_gpa);
    if (o->use_target_stress) {
      static const char *const sn[6] = {"stress_xx_gpa", "stress_yy_gpa",
                                        "stress_zz_gpa", "stress_yz_gpa",
                                        "stress_xz_gpa", "stress_xy_gpa"};
      for (int k = 0; k < 6; k++) OPT_D(sn[k], o->target_stress_gpa[k]);
    } else {
      OPT_D("pressure_gpa", o->pressure_gpa);
    }
  }
  OPT_D("fix_com", o->fix_com);
  t[n].name = "seed";
  snprintf(t[n].value, sizeof t[n].value, "%" PRIu64, o->seed);
  n++;
  OPT_D("thermo_every", o->thermo_every);
  OPT_D("equilibration_steps", (double)o->equilibration_steps);
#undef OPT_D
#undef OPT_S
  return n;
}

static void write_rng(FILE *fp, const char *name, const nacre_rng *r) {
  fprintf(fp, "rng %s %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %d %a\n",
          name, r->s[0], r->s[1], r->s[2], r->s[3], r->has_spare, r->spare);
}

nacre_status nacre_md_state_write(const nacre_md *md, FILE *fp,
                                  nacre_error *err) {
  option_text opts[32];
  int nopt = options_text(&md->opt, opts);
  fprintf(fp, "nacre-md-state 1\nnatoms %d\n", md->n);
  for (int k = 0; k < nopt; k++)
    fprintf(fp, "option %s %s\n", opts[k].name, opts[k].value);
  fprintf(fp, "step %ld\ncell", md->step);
  for (int a = 0; a < 3; a++)
    for (int b = 0; b < 3; b++) fprintf(fp, " %a", md->s->cell[a][b]);
  fprintf(fp, "\nheat %a\nconserved0 %a\nvolume0 %a\nforce_calls %ld\n"
              "outside_samples %ld\n",
          md->heat, md->conserved0, md->volume0, md->force_calls,
          md->outside_samples);
  for (int j = 0; j < md->chain; j++)
    fprintf(fp, "chain %d %a %a\n", j, md->xi[j], md->vxi[j]);
  if (md->piston_mass > 0.0)
    fprintf(fp, "piston %a %a\n", md->piston_rate, md->piston_mass);
  write_rng(fp, "thermostat", &md->rng_thermostat);
  write_rng(fp, "barostat", &md->rng_barostat);
  for (int k = 0; k < MD_NSTATS; k++) {
    const md_blocking *b = &md->stats[k];
    for (int l = 0; l < MD_BLOCK_LEVELS && b->n[l] > 0; l++)
      fprintf(fp, "block %s %d %ld %a %a %a %d\n", stat_names[k], l, b->n[l],
              b->sum[l], b->sumsq[l], b->pending[l], b->has_pending[l]);
  }
  const md_line *d = &md->drift;
  fprintf(fp, "drift %ld %a %a %a %a\n", d->n, d->mean_t, d->mean_y, d->m2_t,
          d->c_ty);
  for (int i = 0; i < md->n; i++) {
    const double *x = &md->s->positions[3 * (size_t)i], *v = &md->v[3 * (size_t)i];
    fprintf(fp, "atom %d %d %a %a %a %a %a %a %a\n", i + 1, md->s->numbers[i],
            md->mass[i], x[0], x[1], x[2], v[0], v[1], v[2]);
  }
  fprintf(fp, "end\n");
  if (ferror(fp))
    return nacre_error_set(err, NACRE_ERR_IO, "writing the MD state failed");
  return NACRE_OK;
}

/* ---------------------------------------------------------------- */
/* Reading                                                            */
/* ---------------------------------------------------------------- */

typedef struct {
  FILE *fp;
  const char *name;
  int line;
  char *buf;
  size_t cap;
  char *tok[16];
  int ntok;
} reader;

/* Next line split into tokens; 0 at the end of the file. */
static int next_line(reader *r) {
  size_t len = 0;
  for (;;) {
    if (len + 2 >= r->cap) {
      size_t cap = r->cap ? 2 * r->cap : 512;
      char *b = realloc(r->buf, cap);
      if (!b) return 0;
      r->buf = b;
      r->cap = cap;
    }
    if (!fgets(r->buf + len, (int)(r->cap - len), r->fp)) {
      if (len == 0) return 0;
      break;
    }
    len += strlen(r->buf + len);
    if (len > 0 && r->buf[len - 1] == '\n') break;
  }
  r->line++;
  r->ntok = 0;
  char *save = NULL;
  for (char *t = strtok_r(r->buf, " \t\r\n", &save); t && r->ntok < 16;
       t = strtok_r(NULL, " \t\r\n", &save))
    r->tok[r->ntok++] = t;
  return 1;
}

static nacre_status bad(reader *r, nacre_error *err, const char *what) {
  return nacre_error_set(err, NACRE_ERR_PARSE, "%s:%d: %s", r->name, r->line,
                         what);
}

static int num(const char *s, double *out) {
  char *end;
  *out = strtod(s, &end);
  return end != s && !*end;
}

static int lnum(const char *s, long *out) {
  char *end;
  *out = strtol(s, &end, 10);
  return end != s && !*end;
}

static int u64num(const char *s, uint64_t *out) {
  char *end;
  *out = strtoull(s, &end, 10);
  return end != s && !*end;
}

/* Expects "KEY v..." with n values (doubles). */
static nacre_status expect(reader *r, const char *key, int n, double *v,
                           nacre_error *err) {
  if (!next_line(r) || r->ntok != n + 1 || strcmp(r->tok[0], key)) {
    char msg[96];
    snprintf(msg, sizeof msg, "expected '%s' with %d value%s", key, n,
             n == 1 ? "" : "s");
    return bad(r, err, msg);
  }
  for (int k = 0; k < n; k++)
    if (!num(r->tok[1 + k], &v[k])) return bad(r, err, "bad number");
  return NACRE_OK;
}

static nacre_status read_options(reader *r, const nacre_md *md,
                                 nacre_error *err) {
  option_text want[32];
  int n = options_text(&md->opt, want), seen = 0;
  while (next_line(r)) {
    if (r->ntok == 0) continue;
    if (strcmp(r->tok[0], "option")) return NACRE_OK; /* line kept in r */
    if (r->ntok != 3) return bad(r, err, "expected 'option NAME VALUE'");
    int k = 0;
    while (k < n && strcmp(want[k].name, r->tok[1])) k++;
    if (k == n || strcmp(want[k].value, r->tok[2])) {
      double a = NAN, b = NAN;
      num(r->tok[2], &a);
      if (k < n) num(want[k].value, &b);
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "%s was written with %s = %s (%.10g); this run "
                             "has %s: resume with the same settings",
                             r->name, r->tok[1], r->tok[2], a,
                             k < n ? want[k].value : "no such setting");
    }
    seen++;
  }
  (void)seen;
  return bad(r, err, "file ends in the options");
}

static nacre_status read_rng(reader *r, const char *name, nacre_rng *out,
                             nacre_error *err) {
  if (r->ntok != 8 || strcmp(r->tok[0], "rng") || strcmp(r->tok[1], name))
    return bad(r, err, "expected an 'rng' line");
  long has;
  for (int k = 0; k < 4; k++)
    if (!u64num(r->tok[2 + k], &out->s[k])) return bad(r, err, "bad rng state");
  if (!lnum(r->tok[6], &has) || !num(r->tok[7], &out->spare))
    return bad(r, err, "bad rng state");
  out->has_spare = has != 0;
  return NACRE_OK;
}

static nacre_status read_block(reader *r, nacre_md *md, nacre_error *err) {
  int k = 0;
  while (k < MD_NSTATS && strcmp(stat_names[k], r->tok[1])) k++;
  long l, n, has;
  double sum, sumsq, pending;
  if (r->ntok != 8 || k == MD_NSTATS || !lnum(r->tok[2], &l) || l < 0 ||
      l >= MD_BLOCK_LEVELS || !lnum(r->tok[3], &n) || !num(r->tok[4], &sum) ||
      !num(r->tok[5], &sumsq) || !num(r->tok[6], &pending) ||
      !lnum(r->tok[7], &has))
    return bad(r, err, "bad 'block' line");
  md_blocking *b = &md->stats[k];
  b->n[l] = n;
  b->sum[l] = sum;
  b->sumsq[l] = sumsq;
  b->pending[l] = pending;
  b->has_pending[l] = has != 0;
  return NACRE_OK;
}

static nacre_status read_atoms(reader *r, nacre_md *md, nacre_error *err) {
  for (int i = 0; i < md->n; i++) {
    if (i > 0 && !next_line(r)) return bad(r, err, "file ends in the atoms");
    long idx, z;
    double m, x[6];
    if (r->ntok != 10 || strcmp(r->tok[0], "atom") || !lnum(r->tok[1], &idx) ||
        idx != i + 1 || !lnum(r->tok[2], &z) || !num(r->tok[3], &m))
      return bad(r, err, "expected 'atom I Z MASS X Y Z VX VY VZ'");
    for (int k = 0; k < 6; k++)
      if (!num(r->tok[4 + k], &x[k]) || !isfinite(x[k]))
        return bad(r, err, "bad position or velocity");
    if (z != md->s->numbers[i] || m != md->mass[i])
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "%s:%d: atom %d is Z=%ld, %.10g amu in the state "
                             "but Z=%d, %.10g amu in this run",
                             r->name, r->line, i + 1, z, m, md->s->numbers[i],
                             md->mass[i]);
    memcpy(&md->s->positions[3 * (size_t)i], x, 3 * sizeof(double));
    memcpy(&md->v[3 * (size_t)i], x + 3, 3 * sizeof(double));
  }
  return NACRE_OK;
}

/* Everything after the options, the first line already in r. */
static nacre_status read_body(reader *r, nacre_md *md, nacre_error *err) {
  double v[9];
  long step;
  if (r->ntok != 2 || strcmp(r->tok[0], "step") || !lnum(r->tok[1], &step) ||
      step < 0)
    return bad(r, err, "expected 'step S'");
  nacre_status st = expect(r, "cell", 9, v, err);
  if (st) return st;
  for (int k = 0; k < 9; k++) md->s->cell[k / 3][k % 3] = v[k];
  if ((st = expect(r, "heat", 1, &md->heat, err)) ||
      (st = expect(r, "conserved0", 1, &md->conserved0, err)) ||
      (st = expect(r, "volume0", 1, &md->volume0, err)) ||
      (st = expect(r, "force_calls", 1, v, err)) ||
      (st = expect(r, "outside_samples", 1, v + 1, err)))
    return st;
  md->force_calls = (long)v[0];
  md->outside_samples = (long)v[1];
  memset(md->stats, 0, sizeof md->stats);
  memset(&md->drift, 0, sizeof md->drift);
  int atoms_read = 0, rngs = 0;
  while (next_line(r)) {
    if (r->ntok == 0) continue;
    const char *k = r->tok[0];
    if (!strcmp(k, "chain")) {
      long j;
      if (r->ntok != 4 || !lnum(r->tok[1], &j) || j < 0 || j >= md->chain ||
          !num(r->tok[2], &md->xi[j]) || !num(r->tok[3], &md->vxi[j]))
        return bad(r, err, "bad 'chain' line");
    } else if (!strcmp(k, "piston")) {
      if (r->ntok != 3 || !(md->piston_mass > 0.0) ||
          !num(r->tok[1], &md->piston_rate) || !num(r->tok[2], &md->piston_mass) ||
          !isfinite(md->piston_rate) || !(md->piston_mass > 0.0))
        return bad(r, err, "bad 'piston' line (or a piston in a run without one)");
    } else if (!strcmp(k, "rng")) {
      st = read_rng(r, rngs == 0 ? "thermostat" : "barostat",
                    rngs == 0 ? &md->rng_thermostat : &md->rng_barostat, err);
      if (st) return st;
      rngs++;
    } else if (!strcmp(k, "block")) {
      if ((st = read_block(r, md, err))) return st;
    } else if (!strcmp(k, "drift")) {
      md_line *d = &md->drift;
      if (r->ntok != 6 || !lnum(r->tok[1], &d->n) || !num(r->tok[2], &d->mean_t) ||
          !num(r->tok[3], &d->mean_y) || !num(r->tok[4], &d->m2_t) ||
          !num(r->tok[5], &d->c_ty))
        return bad(r, err, "bad 'drift' line");
    } else if (!strcmp(k, "atom")) {
      if ((st = read_atoms(r, md, err))) return st;
      atoms_read = 1;
    } else if (!strcmp(k, "end")) {
      if (!atoms_read || rngs != 2)
        return bad(r, err, "'end' before the atoms and random streams");
      md->step = step;
      return NACRE_OK;
    } else {
      return bad(r, err, "unknown line");
    }
  }
  return bad(r, err, "file ends before 'end' (truncated?)");
}

nacre_status nacre_md_state_read(nacre_md *md, FILE *fp, const char *name,
                                 nacre_error *err) {
  reader r = {fp, name ? name : "MD state", 0, NULL, 0, {0}, 0};
  nacre_status st = NACRE_OK;
  double v = 0.0;
  if (!next_line(&r) || r.ntok != 2 || strcmp(r.tok[0], "nacre-md-state") ||
      strcmp(r.tok[1], "1"))
    st = bad(&r, err, "not a nacre MD state (version 1)");
  else if ((st = expect(&r, "natoms", 1, &v, err)))
    ;
  else if (v != md->n)
    st = nacre_error_set(err, NACRE_ERR_INVALID,
                         "%s holds %g atoms, this run %d", r.name, v, md->n);
  else if (!(st = read_options(&r, md, err)))
    st = read_body(&r, md, err);
  free(r.buf);
  if (st) return st;
  return md_after_restore(md, err);
}
