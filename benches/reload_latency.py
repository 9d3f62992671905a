#!/usr/bin/env python3
"""Time from a component file change to the first request served by the new
version (median of 20), for a Rust and a Python app, with the release host.

Usage: benches/reload_latency.py   (after `make host examples`)
"""

import http.client
import os
import re
import shutil
import socket
import statistics
import subprocess
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FASTERAPI = ROOT / "target/release/fasterapi"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(port: int, path: str) -> str:
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        connection.request("GET", path)
        return connection.getresponse().read().decode()
    except OSError:
        return ""


def build(source: Path, out: Path) -> None:
    env = dict(os.environ, CARGO_TARGET_DIR=str(ROOT / "target/guests"))
    subprocess.run([str(FASTERAPI), "build", str(source), "-o", str(out)], check=True, env=env,
                   stderr=subprocess.DEVNULL)


def measure(name: str, versions: list, path: str, rounds: int = 20) -> None:
    work = Path(tempfile.mkdtemp(prefix=f"reload-{name}-"))
    target = work / "app.wasm"
    shutil.copy(versions[0][0], target)
    port = free_port()
    (work / "fasterapi.toml").write_text(
        f'[server]\nlisten = "127.0.0.1:{port}"\n[[app]]\nname = "{name}"\ntenant = "t"\ncomponent = "app.wasm"\n')
    server = subprocess.Popen([str(FASTERAPI), "serve", str(work / "fasterapi.toml")], stderr=subprocess.PIPE,
                              text=True)
    threading.Thread(target=lambda: [None for _ in server.stderr], daemon=True).start()
    while get(port, path) != versions[0][1]:
        time.sleep(0.05)
    delays = []
    for round_ in range(rounds):
        component, answer = versions[(round_ + 1) % 2]
        tmp = work / "app.wasm.tmp"
        shutil.copy(component, tmp)
        started = time.perf_counter()
        os.rename(tmp, target)
        while get(port, path) != answer:
            time.sleep(0.001)
        delays.append(time.perf_counter() - started)
    server.terminate()
    server.wait()
    print(f"{name}: file change -> new version served: median {statistics.median(delays) * 1000:.0f} ms, "
          f"first (uncached compile) {delays[0] * 1000:.0f} ms, max {max(delays) * 1000:.0f} ms over {rounds}")


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="reload-build-"))
    rust = [(work / "a.wasm", "a"), (work / "b.wasm", "b")]
    build(ROOT / "tests/guests/version-a", rust[0][0])
    build(ROOT / "tests/guests/version-b", rust[1][0])
    measure("rust", rust, "/version")
    python = []
    for version in ("a", "b"):
        source = work / f"py-{version}"
        source.mkdir()
        (source / "app.py").write_text(
            "from fasterapi import FasterAPI, PlainTextResponse\napp = FasterAPI()\n\n"
            f"@app.get('/version', response_class=PlainTextResponse)\ndef version():\n    return {version!r}\n")
        build(source, work / f"py-{version}.wasm")
        python.append((work / f"py-{version}.wasm", version))
    measure("python", python, "/version")


if __name__ == "__main__":
    main()
