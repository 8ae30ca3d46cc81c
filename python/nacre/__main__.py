"""python3 -m nacre: where the package found libnacre."""
import nacre

print("nacre Python package %s" % nacre.__version__)
print("libnacre %s at %s" % (nacre.library_version(), nacre.library_path()))
