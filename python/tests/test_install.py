"""`pip install ./python` works offline (no index, build isolation on: the
backend needs nothing beyond the standard library), records the libnacre
named by NACRE_LIBRARY at install time, and the installed package finds it
with NACRE_LIBRARY unset."""
import os
import subprocess
import sys

import pytest

from conftest import REPO


def test_pip_install_offline(tmp_path):
    if subprocess.run([sys.executable, "-m", "pip", "--version"],
                      capture_output=True).returncode != 0:
        pytest.skip("pip is not available for %s (python3-pip)" % sys.executable)
    import nacre
    lib = os.path.abspath(nacre.library_path())
    if not os.path.isabs(nacre.library_path()) or not os.path.exists(lib):
        pytest.skip("libnacre was loaded by soname; nothing to record")
    target = tmp_path / "site"
    env = dict(os.environ, NACRE_LIBRARY=lib, PIP_NO_INDEX="1",
               PIP_DISABLE_PIP_VERSION_CHECK="1")
    out = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps",
                          "--target", str(target),
                          os.path.join(REPO, "python")],
                         capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    assert (target / "nacre" / "ase.py").exists()
    env = {k: v for k, v in os.environ.items() if k != "NACRE_LIBRARY"}
    env["PYTHONPATH"] = str(target)
    probe = ("import nacre; print(nacre.library_path()); "
             "p = nacre.Potential('lj:epsilon=1,sigma=1,cutoff=2.5'); "
             "print(p.energy([[0, 0, 0], [1.2, 0, 0]], [18, 18], None, False))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True,
                         text=True, env=env, cwd=str(tmp_path), timeout=60)
    assert out.returncode == 0, out.stderr
    path, energy = out.stdout.split()
    assert path == lib
    r6 = 1.2 ** -6
    assert abs(float(energy) - 4 * (r6 * r6 - r6)) < 1e-14
