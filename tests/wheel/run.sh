#!/usr/bin/env bash
# The Python package as a user gets it: build the wheel (maturin; the dev
# profile here, which reuses the test build — `make wheel` builds release),
# install it into a fresh venv, and with no Rust toolchain on PATH create a
# project, build it, and test it with TestClient.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
WORK="$ROOT/target/wheel-test"
VENV_PY="${VENV_PY:-$ROOT/.venv/bin/python}"
rm -rf "$WORK" && mkdir -p "$WORK"

"$VENV_PY" -m pip install --quiet --disable-pip-version-check maturin==1.16.0
(cd "$ROOT/python" && "$(dirname "$VENV_PY")/maturin" build --quiet --profile dev --out "$WORK/wheels")
python3 -m venv "$WORK/venv"
"$WORK/venv/bin/pip" install --quiet --disable-pip-version-check "$WORK"/wheels/fasterapi-*.whl pytest==8.4.2

# Only the venv and the system: no cargo, no rustc, no repository on the path.
clean_env=(env -i HOME="$HOME" PATH="$WORK/venv/bin:/usr/bin:/bin" FASTERAPI_CACHE_DIR="$WORK/cache")
if "${clean_env[@]}" bash -c 'command -v cargo || command -v rustc' >/dev/null; then
    echo "a Rust toolchain is on the clean PATH" >&2; exit 1
fi
cd "$WORK"
"${clean_env[@]}" fasterapi new python demo
cp "$ROOT/tests/wheel/test_new_project.py" demo/
cd demo
"${clean_env[@]}" fasterapi build . -o demo.wasm
test -s demo.wasm
"${clean_env[@]}" python -m pytest -q test_app.py test_new_project.py
