"""A PEP 517 build backend for the nacre Python package that needs nothing
beyond the standard library, so that `pip install ./python` works offline
(pip's isolated build environment has nothing to download).

The wheel is pure Python (py3-none-any): the package loads libnacre at run
time. When the environment variable NACRE_LIBRARY names a libnacre at
build time (staged installs may name a file not yet in place), or
pkg-config finds an installed nacre, the
library's path is recorded in nacre/_config.py (see nacre/_lib.py for the
order in which the library is looked for).
"""
import base64
import hashlib
import io
import os
import re
import shutil
import subprocess
import tarfile
import time
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NAME = "nacre"
SONAME = "libnacre.so.0"


def _version():
    with open(os.path.join(ROOT, NAME, "__init__.py"), encoding="utf-8") as f:
        m = re.search(r'^__version__ = "([^"]+)"', f.read(), re.M)
    if not m:
        raise RuntimeError("nacre/__init__.py has no __version__")
    return m.group(1)


def _metadata(version):
    return ("Metadata-Version: 2.1\n"
            "Name: %s\n"
            "Version: %s\n"
            "Summary: nacre potentials from Python: energies, forces and "
            "stress on numpy arrays, and an ASE calculator\n"
            "Requires-Python: >=3.8\n"
            "Requires-Dist: numpy\n"
            "Provides-Extra: ase\n"
            "Requires-Dist: ase>=3.22; extra == \"ase\"\n" % (NAME, version))


def _wheel_text():
    return ("Wheel-Version: 1.0\n"
            "Generator: nacre_build\n"
            "Root-Is-Purelib: true\n"
            "Tag: py3-none-any\n")


def _recorded_library():
    path = os.environ.get("NACRE_LIBRARY")
    if path:  # an explicit choice, kept even before the file is in place
        return os.path.abspath(path)
    if shutil.which("pkg-config") is None:
        return None
    try:
        out = subprocess.run(["pkg-config", "--variable=libdir", "nacre"],
                             capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    lib = os.path.join(out.stdout.strip(), SONAME)
    return lib if out.returncode == 0 and os.path.exists(lib) else None


def _config_text():
    lib = _recorded_library()
    return ('"""Written when the package was built (backend/nacre_build.py)."""\n'
            "LIBRARY = %r\n" % lib)


def _package_files():
    pkg = os.path.join(ROOT, NAME)
    for name in sorted(os.listdir(pkg)):
        if name.endswith(".py") and name != "_config.py":
            yield "%s/%s" % (NAME, name), os.path.join(pkg, name)


def _digest(data):
    h = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
    return "sha256=" + h.decode()


def _write_wheel(directory, entries, version):
    """entries: (archive name, bytes). Returns the wheel's file name."""
    dist_info = "%s-%s.dist-info" % (NAME, version)
    entries = list(entries) + [
        ("%s/METADATA" % dist_info, _metadata(version).encode()),
        ("%s/WHEEL" % dist_info, _wheel_text().encode()),
        ("%s/top_level.txt" % dist_info, (NAME + "\n").encode()),
    ]
    record = "".join("%s,%s,%d\n" % (n, _digest(d), len(d)) for n, d in entries)
    record += "%s/RECORD,,\n" % dist_info
    entries.append(("%s/RECORD" % dist_info, record.encode()))
    wheel = "%s-%s-py3-none-any.whl" % (NAME, version)
    stamp = time.localtime(time.time())[:6]
    with zipfile.ZipFile(os.path.join(directory, wheel), "w",
                         zipfile.ZIP_DEFLATED) as z:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
    return wheel


def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def get_requires_for_build_editable(config_settings=None):
    return []


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    entries = []
    for name, path in _package_files():
        with open(path, "rb") as f:
            entries.append((name, f.read()))
    entries.append(("%s/_config.py" % NAME, _config_text().encode()))
    return _write_wheel(wheel_directory, entries, _version())


def build_editable(wheel_directory, config_settings=None,
                   metadata_directory=None):
    """An editable install: a .pth file puts python/ on sys.path; the
    library's recorded path goes to python/nacre/_config.py."""
    with open(os.path.join(ROOT, NAME, "_config.py"), "w",
              encoding="utf-8") as f:
        f.write(_config_text())
    entries = [("__editable__.%s.pth" % NAME, (ROOT + "\n").encode())]
    return _write_wheel(wheel_directory, entries, _version())


def build_sdist(sdist_directory, config_settings=None):
    version = _version()
    base = "%s-%s" % (NAME, version)
    name = base + ".tar.gz"
    with tarfile.open(os.path.join(sdist_directory, name), "w:gz",
                      format=tarfile.PAX_FORMAT) as tar:
        def add(arcname, data):
            info = tarfile.TarInfo("%s/%s" % (base, arcname))
            info.size = len(data)
            info.mtime = int(time.time())
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(data))
        add("PKG-INFO", _metadata(version).encode())
        for rel in ["pyproject.toml", "README.md", "backend/nacre_build.py"]:
            path = os.path.join(ROOT, rel)
            if os.path.exists(path):
                with open(path, "rb") as f:
                    add(rel, f.read())
        for name, path in _package_files():
            with open(path, "rb") as f:
                add(name, f.read())
        tests = os.path.join(ROOT, "tests")
        for t in sorted(os.listdir(tests)) if os.path.isdir(tests) else []:
            if t.endswith(".py"):
                with open(os.path.join(tests, t), "rb") as f:
                    add("tests/" + t, f.read())
    return name
