#!/usr/bin/python3
"""Writes the small NumPy fixtures read by tests/train/test_npy.c and
test_deepmd.c. Run with Debian's interpreter (numpy): /usr/bin/python3
make_fixtures.py inside tests/data/train. The values are simple formulas
that the C tests recompute."""
import os
import numpy as np

os.makedirs("npy", exist_ok=True)
a = np.arange(12, dtype="<f8").reshape(3, 4) * 0.5 - 1.0    # a[i,j] = 2i - 1 + j/2
np.save("npy/f8_c.npy", a)
np.save("npy/f4_be.npy", a.astype(">f4"))
np.save("npy/i8.npy", np.arange(-3, 3, dtype="<i8"))
np.save("npy/i4_3d.npy", np.arange(24, dtype="<i4").reshape(2, 3, 4))
np.save("npy/f8_fortran.npy", np.asfortranarray(a))
np.save("npy/scalar.npy", np.array(2.5))
with open("npy/f8_v2.npy", "wb") as f:
    np.lib.format.write_array(f, a, version=(2, 0))
with open("npy/truncated.npy", "wb") as f:
    data = open("npy/f8_c.npy", "rb").read()
    f.write(data[:-8])
with open("npy/complex.npy", "wb") as f:
    np.save(f, np.zeros(2, dtype=np.complex128))

# A DeePMD-kit system of 3 atoms (types O H H as in its docs' examples
# swapped to Cu Ag Ag) with two sets.
d = "deepmd"
os.makedirs(d + "/set.000", exist_ok=True)
os.makedirs(d + "/set.001", exist_ok=True)
open(d + "/type.raw", "w").write("0\n1\n1\n")
open(d + "/type_map.raw", "w").write("Cu\nAg\n")
def frames(nf, off):
    box = np.array([[4.0 + 0.1 * (f + off), 0, 0, 0.2, 4.0, 0, 0, 0.1, 5.0]
                    for f in range(nf)])
    coord = np.array([[0, 0, 0, 1.0, 1.0, 1.0, 2.0, 2.5, 3.0 + 0.1 * (f + off)]
                      for f in range(nf)])
    energy = np.array([-10.0 - (f + off) for f in range(nf)])
    force = np.array([[0.1 * k + (f + off) for k in range(9)] for f in range(nf)])
    virial = np.array([[1.0, 0.2, 0.3, 0.2, 2.0, 0.4, 0.3, 0.4, 3.0 + (f + off)]
                       for f in range(nf)])
    return box, coord, energy, force, virial
for s, nf, off, dt in (("set.000", 2, 0, "<f8"), ("set.001", 1, 2, "<f4")):
    for name, arr in zip(("box", "coord", "energy", "force", "virial"),
                         frames(nf, off)):
        np.save(f"{d}/{s}/{name}.npy", arr.astype(dt))
