#!/usr/bin/python3
"""Independent reference for `nacre analyze`: radial distribution functions,
coordination numbers, mean-square displacements, diffusion coefficients and
normalised velocity autocorrelations computed with numpy by brute force
(every pair, every periodic image), from an extended XYZ file read by ASE or
a LAMMPS text dump read by the small parser below.

usage: analysis_reference.py FILE OUTDIR --rmax R --bins N --first F
                             [--types Cu,...] [--timestep FS]
Writes OUTDIR/ref_rdf.csv, ref_msd.csv, ref_vacf.csv and ref.json."""
import argparse
import json
import os

import numpy as np


def read_dump(path, types):
    """Frames of a LAMMPS dump: (cell rows, positions relative to the box
    origin, velocities in Å/fs, timestep), atoms sorted by id."""
    frames = []
    lines = open(path).read().split("\n")
    k = 0
    while k < len(lines):
        if not lines[k].startswith("ITEM: TIMESTEP"):
            k += 1
            continue
        step = int(lines[k + 1])
        n = int(lines[k + 3])
        head = lines[k + 4].split()
        tri = "xy" in head
        b = np.array([[float(v) for v in lines[k + 5 + d].split()] for d in range(3)])
        if tri:
            xy, xz, yz = b[0, 2], b[1, 2], b[2, 2]
            xlo = b[0, 0] - min(0.0, xy, xz, xy + xz)
            xhi = b[0, 1] - max(0.0, xy, xz, xy + xz)
            ylo = b[1, 0] - min(0.0, yz)
            yhi = b[1, 1] - max(0.0, yz)
        else:
            xy = xz = yz = 0.0
            xlo, xhi, ylo, yhi = b[0, 0], b[0, 1], b[1, 0], b[1, 1]
        zlo, zhi = b[2, 0], b[2, 1]
        cell = np.array([[xhi - xlo, 0, 0], [xy, yhi - ylo, 0], [xz, yz, zhi - zlo]])
        cols = lines[k + 8].split()[2:]
        rows = np.array([[float(v) for v in lines[k + 9 + i].split()] for i in range(n)])
        rows = rows[np.argsort(rows[:, cols.index("id")])]
        x = rows[:, [cols.index(c) for c in ("x", "y", "z")]] - np.array([xlo, ylo, zlo])
        v = rows[:, [cols.index(c) for c in ("vx", "vy", "vz")]] * 1e-3
        z = [types[int(t) - 1] for t in rows[:, cols.index("type")]]
        frames.append((cell, x, v, step, z))
        k += 9 + n
    return frames


def read_xyz(path):
    from ase.io import read
    from ase import units
    frames = []
    for a in read(path, ":"):
        v = a.get_velocities() * units.fs  # Å/(ASE time) -> Å/fs
        frames.append((np.array(a.cell), a.get_positions(), v,
                       float(a.info["time_fs"]), a.get_chemical_symbols()))
    return frames


def unwrap(frames):
    out = [frames[0][1].copy()]
    prev = frames[0][1] @ np.linalg.inv(frames[0][0])
    acc = prev.copy()
    for cell, x, *_ in frames[1:]:
        f = x @ np.linalg.inv(cell)
        d = f - prev
        d -= np.floor(d + 0.5)
        acc = acc + d
        prev = f
        out.append(acc @ cell)
    return out


def rdf(frames, rmax, nbins, species):
    dr = rmax / nbins
    sp = sorted(set(species), key=species.index)
    idx = np.array([sp.index(s) for s in species])
    ns = len(sp)
    count = np.array([np.sum(idx == a) for a in range(ns)])
    g = np.zeros((ns, ns, nbins))
    cn = np.zeros((ns, ns, nbins))
    gt = np.zeros(nbins)
    edges = np.arange(nbins + 1) * dr
    shell = 4.0 * np.pi / 3.0 * (edges[1:] ** 3 - edges[:-1] ** 3)
    n = len(species)
    for cell, x, *_ in frames:
        h = np.linalg.norm(np.cross(cell[[1, 2, 0]], cell[[2, 0, 1]]), axis=1)
        h = abs(np.linalg.det(cell)) / h
        reach = [int(np.ceil(rmax / h[k])) + 1 for k in range(3)]
        d0 = x[None, :, :] - x[:, None, :]
        hist = np.zeros((ns, ns, nbins))
        for n0 in range(-reach[0], reach[0] + 1):
            for n1 in range(-reach[1], reach[1] + 1):
                for n2 in range(-reach[2], reach[2] + 1):
                    s = n0 * cell[0] + n1 * cell[1] + n2 * cell[2]
                    r = np.linalg.norm(d0 + s, axis=2)
                    if n0 == n1 == n2 == 0:
                        np.fill_diagonal(r, np.inf)
                    i, j = np.nonzero(r < rmax)
                    k = np.floor(r[i, j] / dr).astype(int)
                    ok = k < nbins
                    np.add.at(hist, (idx[i[ok]], idx[j[ok]], k[ok]), 1.0)
        vol = abs(np.linalg.det(cell))
        for a in range(ns):
            for b in range(ns):
                pairs = count[a] * (count[b] - (a == b))
                if pairs > 0:
                    g[a, b] += vol * hist[a, b] / (pairs * shell)
                cn[a, b] += np.cumsum(hist[a, b]) / count[a]
        gt += vol * hist.sum(axis=(0, 1)) / (n * (n - 1) * shell)
    nf = len(frames)
    return sp, (edges[:-1] + 0.5 * dr), gt / nf, g / nf, cn / nf


def msd(frames, xs, species):
    times = np.array([f[3] for f in frames])
    dt = times[1] - times[0]
    nl = len(xs)
    sp = sorted(set(species), key=species.index)
    idx = np.array([sp.index(s) for s in species])
    out = np.zeros((len(sp), nl))
    tot = np.zeros(nl)
    for k in range(nl):
        d2 = np.array([np.sum((xs[o + k] - xs[o]) ** 2, axis=1) for o in range(nl - k)])
        tot[k] = d2.mean()
        for a in range(len(sp)):
            out[a, k] = d2[:, idx == a].mean()
    lags = np.arange(nl) * dt
    tmax = lags[-1]
    sel = (lags >= 0.1 * tmax - 1e-9) & (lags <= 0.5 * tmax + 1e-9)
    dcoef = np.polyfit(lags[sel], tot[sel], 1)[0] / 6.0 * 1e3
    return sp, lags, tot, out, dcoef


def vacf(frames):
    v = np.array([f[2] for f in frames])
    nf = len(v)
    nl = (nf + 1) // 2
    c = np.array([np.mean(np.sum(v[: nf - k] * v[k:], axis=2)) for k in range(nl)])
    return c / c[0]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("file")
    p.add_argument("outdir")
    p.add_argument("--rmax", type=float, required=True)
    p.add_argument("--bins", type=int, required=True)
    p.add_argument("--first", type=int, default=0)
    p.add_argument("--types", default="")
    p.add_argument("--timestep", type=float, default=1.0)
    a = p.parse_args()
    if open(a.file).readline().startswith("ITEM: TIMESTEP"):
        frames = read_dump(a.file, a.types.split(","))
        frames = [(c, x, v, s * a.timestep, z) for c, x, v, s, z in frames]
    else:
        frames = read_xyz(a.file)
    species = frames[0][4]
    xs = unwrap(frames)[a.first:]
    frames = frames[a.first:]
    sp, r, gt, g, cn = rdf(frames, a.rmax, a.bins, species)
    with open(os.path.join(a.outdir, "ref_rdf.csv"), "w") as f:
        names = [f"g_{x}_{y}" for x in sp for y in sp] + [f"n_{x}_{y}" for x in sp for y in sp]
        f.write("r_a,g_total," + ",".join(names) + "\n")
        for k in range(a.bins):
            vals = [r[k], gt[k]] + list(g[:, :, k].ravel()) + list(cn[:, :, k].ravel())
            f.write(",".join(repr(float(v)) for v in vals) + "\n")
    sp, lags, tot, per, dcoef = msd(frames, xs, species)
    with open(os.path.join(a.outdir, "ref_msd.csv"), "w") as f:
        f.write("lag_fs,msd_total_a2," + ",".join(f"msd_{s}_a2" for s in sp) + "\n")
        for k in range(len(lags)):
            f.write(",".join(repr(float(v)) for v in [lags[k], tot[k]] + list(per[:, k])) + "\n")
    c = vacf(frames)
    with open(os.path.join(a.outdir, "ref_vacf.csv"), "w") as f:
        f.write("vacf_normalized\n")
        for v in c:
            f.write(repr(float(v)) + "\n")
    json.dump({"diffusion_a2_ps": dcoef}, open(os.path.join(a.outdir, "ref.json"), "w"))


main()
