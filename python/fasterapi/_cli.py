"""The ``fasterapi`` command of the Python package: the Rust host's CLI,
with the componentize-py installed beside it (a dependency of the package),
so that ``fasterapi build`` needs no Rust toolchain and no download."""

import contextlib
import os
import shutil
import sys
from pathlib import Path
from typing import Iterator

from . import _native


def _componentize_py() -> str:
    beside = Path(sys.executable).parent / "componentize-py"
    return str(beside) if beside.exists() else (shutil.which("componentize-py") or "")


@contextlib.contextmanager
def componentize_py_env() -> Iterator[None]:
    """``$FASTERAPI_COMPONENTIZE_PY`` set to this environment's componentize-py
    while the host builds (unless the user set it)."""
    if os.environ.get("FASTERAPI_COMPONENTIZE_PY") or not _componentize_py():
        yield
        return
    os.environ["FASTERAPI_COMPONENTIZE_PY"] = _componentize_py()
    try:
        yield
    finally:
        os.environ.pop("FASTERAPI_COMPONENTIZE_PY", None)


def main() -> None:
    with componentize_py_env():
        sys.exit(_native.main(["fasterapi", *sys.argv[1:]]))
