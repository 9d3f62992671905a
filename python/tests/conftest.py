import os
import sys
from pathlib import Path

# The SDK is imported from the source tree, under CPython; with
# FASTERAPI_SDK=installed, from the installed package (`make test` runs the
# tests both ways, the second after installing the wheel).
if os.environ.get("FASTERAPI_SDK") != "installed":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
