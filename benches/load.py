#!/usr/bin/env python3
"""The load benchmark (`make bench`): in one run, the bare hyper ceiling,
FasterAPI with examples/bench-rust and examples/bench-python in both instance
modes, and FastAPI on uvicorn (benches/peers), each pinned to core 0 and
loaded by wrk pinned to core 1 on the four benchmark endpoints; then GET
/users/123 with the server on all cores. Prints one table (req/s, p50, p99,
and each figure's ratio to FastAPI and to the ceiling) and writes it to
target/bench/results.md.

Environment: BENCH_SECONDS (per endpoint, default 5), BENCH_CONNECTIONS (32).
"""

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PEERS = ROOT / "benches" / "peers"
PEERS_VENV = Path(os.environ.get("PEERS_VENV", Path.home() / ".venv-peers"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "5"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "32"))
OUT = ROOT / "target/bench"
POST_LUA = OUT / "post.lua"
ENDPOINTS = [
    ("GET /plaintext", "/plaintext", None),
    ("GET /users/123", "/users/123", None),
    ("GET /items?q=pen&limit=5", "/items?q=pen&limit=5", None),
    ("POST /items", "/items", POST_LUA),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(port: int, path: str, timeout: float = 120) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(f"GET {path} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n".encode())
                if s.recv(12).startswith(b"HTTP/1.1 200"):
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"server on port {port} did not become ready")


def peers_python() -> Path:
    python = PEERS_VENV / "bin/python"
    if not python.exists():
        print(f"creating {PEERS_VENV} with fastapi and uvicorn[standard] (once)", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(PEERS_VENV)], check=True)
        subprocess.run([str(PEERS_VENV / "bin/pip"), "install", "-q", "fastapi", "uvicorn[standard]"], check=True)
    return python


def servers():
    """(name, command, cwd) of every server under test; `{port}` is filled in."""
    fasterapi = str(ROOT / "target/release/fasterapi")
    components = ROOT / "target/components"
    cache = str(OUT / "cache")
    yield "ceiling (bare hyper)", [str(ROOT / "target/release/ceiling"), "127.0.0.1:{port}"], ROOT
    for app in ("bench-rust", "bench-python"):
        for mode in ("reuse", "per-request"):
            command = [fasterapi, "serve", str(components / f"{app}.wasm"), "--listen", "127.0.0.1:{port}",
                       "--instances", mode, "--no-watch", "--cache-dir", cache]
            yield f"FasterAPI {app.split('-')[1]} {mode}", command, ROOT
    uvicorn = [str(peers_python()), "-m", "uvicorn", "fastapi_app:app", "--host", "127.0.0.1", "--port", "{port}",
               "--workers", "1", "--log-level", "warning"]
    yield "FastAPI + uvicorn", uvicorn, PEERS


def wrk(port: int, path: str, script, cores: str, threads: int = 1) -> dict:
    command = ["taskset", "-c", cores, "wrk", f"-t{threads}", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "--latency"]
    if script:
        command += ["-s", str(script)]
    output = subprocess.run(command + [f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)

    def percentile(p):
        value, unit = re.search(rf"^\s+{p}%\s+([\d.]+)(\w+)", output, re.M).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    return {"rps": rps, "p50": percentile(50), "p99": percentile(99), "errors": int(errors.group(1)) if errors else 0}


def run(pin_server: str, pin_client: str, endpoints, threads: int = 1) -> dict:
    results = {}
    for name, command, cwd in servers():
        port = free_port()
        command = ["taskset", "-c", pin_server] + [part.replace("{port}", str(port)) for part in command]
        process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_ready(port, "/users/1")
            for label, path, script in endpoints:
                results[(name, label)] = wrk(port, path, script, pin_client, threads)
                print(f"  {name:32} {label:26} {results[(name, label)]['rps']:>10,.0f} req/s", file=sys.stderr)
        finally:
            process.terminate()
            process.wait()
    return results


def table(results: dict, endpoints) -> str:
    names = list(dict.fromkeys(name for name, _ in results))
    lines = ["| server | endpoint | req/s | p50 ms | p99 ms | req/s ÷ FastAPI | req/s ÷ ceiling | p99 ÷ FastAPI |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for label, _, _ in endpoints:
        fastapi = results[("FastAPI + uvicorn", label)]
        ceiling = results[("ceiling (bare hyper)", label)]
        for name in names:
            r = results[(name, label)]
            flag = f" ({r['errors']} non-2xx)" if r["errors"] else ""
            lines.append(f"| {name} | {label} | {r['rps']:,.0f}{flag} | {r['p50']:.2f} | {r['p99']:.2f} | "
                         f"{r['rps'] / fastapi['rps']:.2f} | {r['rps'] / ceiling['rps']:.2f} | "
                         f"{r['p99'] / fastapi['p99']:.2f} |")
    return "\n".join(lines)


def main() -> None:
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: apt-get install wrk")
    OUT.mkdir(parents=True, exist_ok=True)
    POST_LUA.write_text('wrk.method = "POST"\nwrk.body = \'{"name":"pen","price":1.5}\'\n'
                        'wrk.headers["Content-Type"] = "application/json"\n')
    print(f"one core each (server 0, wrk 1), {SECONDS}s per endpoint, {CONNECTIONS} connections", file=sys.stderr)
    pinned = run("0", "1", ENDPOINTS)
    print("all cores (server and wrk unpinned), GET /users/123", file=sys.stderr)
    all_cores = run("0,1", "0,1", [ENDPOINTS[1]], threads=2)
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?")
    report = (f"Machine: {os.cpu_count()} cores ({cpu}); wrk -c{CONNECTIONS} -d{SECONDS}s --latency.\n\n"
              f"### Server on core 0, wrk (-t1) on core 1\n\n{table(pinned, ENDPOINTS)}\n\n"
              f"### Server and wrk (-t2) on all cores, GET /users/123\n\n{table(all_cores, [ENDPOINTS[1]])}\n")
    (OUT / "results.md").write_text(report)
    print(report)


if __name__ == "__main__":
    main()
