#!/usr/bin/env python3
"""The wasi:http benchmark (`make bench`, after the load benchmark), in one run:

1. The same third-party component (tests/guests/wasi-http-wstd, built with
   `wstd`) served by `wasmtime serve` (wasmtime-cli =48.0.8, the same
   wasmtime as the host; installed once into target/tools) and by FasterAPI
   with a fresh instance per request and with reused instances: `GET /hello`.
2. Outbound calls: a guest calling a local upstream on every request
   (tests/guests/tenant's `GET /fetch?url=`, through `fasterapi::http`)
   against the ceiling doing the same with hyper's pooled client
   (`GET /proxy?url=`). The upstream is the ceiling's `/plaintext`.

Each server is pinned to core 0 and wrk to core 1 (the upstream shares core
1 with wrk). Prints one table with each figure's ratio to its baseline and
writes it to target/bench/wasi-http.md.

Environment: BENCH_SECONDS (per row, default 5), BENCH_CONNECTIONS (32).
"""

import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import load  # noqa: E402 - the load benchmark's helpers: free_port, wait_ready, wrk

ROOT = load.ROOT
OUT = load.OUT
WASMTIME_VERSION = "48.0.8"
TOOLS = ROOT / "target/tools"
FASTERAPI = ROOT / "target/release/fasterapi"
COMPONENTS = ROOT / "target/components"


def wasmtime() -> Path:
    """wasmtime-cli at the host's wasmtime version, installed once."""
    binary = TOOLS / "bin/wasmtime"
    version = subprocess.run([str(binary), "--version"], capture_output=True, text=True).stdout if binary.exists() else ""
    if WASMTIME_VERSION not in version:
        print(f"installing wasmtime-cli {WASMTIME_VERSION} into {TOOLS} (once; several minutes)", file=sys.stderr)
        subprocess.run(["cargo", "install", "--locked", "wasmtime-cli", "--version", f"={WASMTIME_VERSION}",
                        "--root", str(TOOLS)], check=True)
    return binary


def component(project: str) -> Path:
    out = COMPONENTS / f"{Path(project).name}.wasm"
    env = dict(os.environ, CARGO_TARGET_DIR=str(ROOT / "target/guests"))
    subprocess.run([str(FASTERAPI), "build", str(ROOT / project), "-o", str(out)], check=True, env=env)
    return out


def measure(name: str, command: list, path: str, ready: str, results: list, baseline: str) -> None:
    port = load.free_port()
    command = ["taskset", "-c", "0"] + [part.replace("{port}", str(port)) for part in command]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        load.wait_ready(port, ready)
        result = load.wrk(port, path, None, "1")
        results.append((name, baseline, result))
        print(f"  {name:44} {result['rps']:>10,.0f} req/s", file=sys.stderr)
    finally:
        process.terminate()
        process.wait()


def table(results: list) -> str:
    rps = {name: r["rps"] for name, _, r in results}
    lines = ["| server | req/s | p50 ms | p99 ms | req/s ÷ baseline |", "| --- | ---: | ---: | ---: | ---: |"]
    for name, baseline, r in results:
        flag = f" ({r['errors']} non-2xx)" if r["errors"] else ""
        lines.append(f"| {name} | {r['rps']:,.0f}{flag} | {r['p50']:.2f} | {r['p99']:.2f} | "
                     f"{r['rps'] / rps[baseline]:.2f} |")
    return "\n".join(lines)


def serve_hello(results: list) -> None:
    wstd = component("tests/guests/wasi-http-wstd")
    baseline = "wasmtime serve -Scli (fresh instance per request)"
    serve = [str(wasmtime()), "serve", "-Scli", "--addr", "127.0.0.1:{port}", str(wstd)]
    measure(baseline, serve, "/hello", "/hello", results, baseline)
    for mode in ("per-request", "reuse"):
        command = [str(FASTERAPI), "serve", str(wstd), "--listen", "127.0.0.1:{port}", "--instances", mode,
                   "--no-watch", "--cache-dir", str(OUT / "cache")]
        measure(f"FasterAPI, wasi:http, {mode}", command, "/hello", "/hello", results, baseline)


def call_out(results: list) -> None:
    upstream_port = load.free_port()
    upstream = subprocess.Popen(["taskset", "-c", "1", str(ROOT / "target/release/ceiling"),
                                 f"127.0.0.1:{upstream_port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        load.wait_ready(upstream_port, "/plaintext")
        target = f"http://127.0.0.1:{upstream_port}/plaintext"
        baseline = "ceiling: hyper's pooled client, per request"
        ceiling = [str(ROOT / "target/release/ceiling"), "127.0.0.1:{port}"]
        measure(baseline, ceiling, f"/proxy?url={target}", "/plaintext", results, baseline)
        tenant = component("tests/guests/tenant")
        for mode in ("per-request", "reuse"):
            manifest = OUT / f"outbound-{mode}.toml"
            manifest.write_text(
                f'[[app]]\nname = "caller"\ntenant = "bench"\ncomponent = "{tenant}"\n'
                f'instances = "{mode}"\nallowed_outbound_hosts = ["http://127.0.0.1:{upstream_port}"]\n'
            )
            command = [str(FASTERAPI), "serve", str(manifest), "--listen", "127.0.0.1:{port}", "--no-watch",
                       "--cache-dir", str(OUT / "cache")]
            measure(f"FasterAPI, Rust guest calling out, {mode}", command, f"/fetch?url={target}", "/ok",
                    results, baseline)
    finally:
        upstream.terminate()
        upstream.wait()


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    print(f"wasi:http: server on core 0, wrk on core 1, {load.SECONDS}s per row", file=sys.stderr)
    hello, outbound = [], []
    serve_hello(hello)
    call_out(outbound)
    report = (f"### The same wasi:http component (wstd), GET /hello\n\n{table(hello)}\n\n"
              f"### A guest calling a local upstream on every request\n\n{table(outbound)}\n")
    (OUT / "wasi-http.md").write_text(report)
    print(report)


if __name__ == "__main__":
    main()
