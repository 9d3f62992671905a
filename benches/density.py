#!/usr/bin/env python3
"""Density: many distinct apps in one host.

Generates N distinct Rust apps and M distinct Python apps (the same shape,
different code and routes), builds them once (kept under target/density/),
then serves them from one host and reports, per run:

- time to ready (every app answers) and the host's CPU time until then
  (compilation, with a cold cache; loading, with a warm one),
- the host's RSS with every app loaded and idle, per app, and after every
  app answered once and its warm instances were released,
- the disk the compile caches use,
- the first-request latency of apps that were idle,
- deploy-to-first-answer of a new app (one the host has never seen) through
  the admin API and through a manifest edit, Rust and Python.

Runs: Rust apps alone (cold cache, then a restart), Python apps alone (cold,
then a restart), then both together on the warm cache.

Usage: benches/density.py [--rust N] [--python M] [--host PATH] [--quick]
  --quick: N = 20, M = 5 (the test mode `make test` runs, so it cannot rot).
  Defaults: N = 1000, M = 200 (`make bench-density`).
"""

import argparse
import hashlib
import http.client
import json
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "target/density"
IDLE_RELEASE = "2s"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(port, method, path, body=None, headers=None, timeout=30):
    """(status, body) or (None, error text) when nothing answered."""
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read().decode(errors="replace")
    except OSError as err:
        return None, str(err)


# --- the apps -----------------------------------------------------------------

def rust_source(i: int) -> str:
    """App i: its own routes and constants, so that its code differs."""
    return f'''use fasterapi::{{Json, get}};
use serde_json::{{Value, json}};

#[get("/users/{{id}}")]
fn user(id: i64) -> Json<Value> {{
    Json(json!({{ "app": {i}, "id": id, "score": id.wrapping_mul({2 * i + 3}) % {i + 97} }}))
}}

#[get("/r{i}/hello")]
fn hello() -> String {{
    format!("hello from app {{}}", {i})
}}

fasterapi::app!(user, hello);
'''


def python_source(i: int) -> str:
    return f'''from fasterapi import FasterAPI

app = FasterAPI()


@app.get("/users/{{user_id}}")
async def get_user(user_id: int):
    return {{"app": {i}, "id": user_id, "score": (user_id * {2 * i + 3}) % {i + 97}}}


@app.get("/r{i}/hello")
async def hello():
    return "hello from app {i}"
'''


def write_if_changed(path: Path, text: str) -> None:
    if not path.exists() or path.read_text() != text:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def build_rust(count: int) -> list:
    """Apps r0..r{count-1} as members of one cargo workspace: one cargo run
    builds them all (the SDK once), both cores busy."""
    source = WORK / "rust"
    members = [f"r{i}" for i in range(count)]
    sdk = ROOT / "guest-sdk"
    for i, name in enumerate(members):
        write_if_changed(source / name / "Cargo.toml", f'''[package]
name = "density-{name}"
version = "0.1.0"
edition = "2024"
publish = false

[lib]
crate-type = ["cdylib"]

[dependencies]
fasterapi = {{ path = "{sdk}" }}
serde_json = "1"
''')
        write_if_changed(source / name / "src/lib.rs", rust_source(i))
    write_if_changed(source / "Cargo.toml", "[workspace]\nresolver = \"3\"\nmembers = [\n"
                     + "".join(f'  "{m}",\n' for m in members) + ''']

# As a Rust app's template: small, fast components.
[profile.release]
opt-level = "s"
lto = true
strip = true
panic = "abort"
codegen-units = 1
''')
    lock = ROOT / "examples/hello-rust/Cargo.lock"
    if not (source / "Cargo.lock").exists():
        shutil.copy(lock, source / "Cargo.lock")
    started = time.monotonic()
    subprocess.run(["cargo", "build", "--quiet", "--release", "--target", "wasm32-wasip2", "--workspace"],
                   cwd=source, check=True, env=dict(os.environ, CARGO_TARGET_DIR=str(WORK / "rust-target")))
    out = WORK / "rust-target/wasm32-wasip2/release"
    built = [out / f"density_{name}.wasm" for name in members]
    print(f"built {count} Rust apps in {time.monotonic() - started:.1f} s", flush=True)
    return built


def sdk_stamp() -> str:
    digest = hashlib.sha256()
    for file in sorted((ROOT / "python/fasterapi").rglob("*.py")):
        digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


def build_python(count: int, host: Path) -> list:
    """Apps p0..p{count-1}, two builds at a time; a build is redone when its
    source or the Python SDK changed."""
    stamp = sdk_stamp()
    started = time.monotonic()

    def build(i: int) -> Path:
        source = WORK / "python" / f"p{i}"
        write_if_changed(source / "app.py", python_source(i))
        out = WORK / "python-wasm" / f"p{i}-{stamp}.wasm"
        if not out.exists() or out.stat().st_mtime < (source / "app.py").stat().st_mtime:
            out.parent.mkdir(parents=True, exist_ok=True)
            subprocess.run([str(host), "build", str(source), "-o", str(out)], check=True,
                           stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        return out

    with ThreadPoolExecutor(2) as pool:
        built = list(pool.map(build, range(count)))
    print(f"built {count} Python apps in {time.monotonic() - started:.1f} s", flush=True)
    return built


# --- the host -----------------------------------------------------------------

def app_entry(name: str, component: Path) -> str:
    return f'[[app]]\nname = "{name}"\ntenant = "{name}"\nroute = "/{name}"\ncomponent = "{component}"\n'


def manifest(port: int, admin_port: int, token_file: Path, data: Path, apps: list) -> str:
    head = f'''[server]
listen = "127.0.0.1:{port}"
data_dir = "{data}"

[server.admin]
listen = "127.0.0.1:{admin_port}"
token_file = "{token_file}"

# Small tenants: four requests in flight each, so that the host's instance
# pool (reserved for every app's max_concurrency) holds them all.
[server.limits]
max_concurrency = 4
memory = "64MiB"
keep_warm = "{IDLE_RELEASE}"
'''
    return head + "\n".join(app_entry(name, component) for name, component in apps)


def proc_status(pid: int) -> dict:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "RssAnon", "RssFile", "RssShmem", "VmHWM"):
            fields[key] = int(value.split()[0]) * 1024
    return fields


def cpu_seconds(pid: int) -> float:
    stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")


def shmem() -> int:
    """System-wide shared memory (memfd copy-on-write images live there)."""
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("Shmem:"):
            return int(line.split()[1]) * 1024
    return 0


def disk_usage(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def mib(n: float) -> str:
    return f"{n / (1 << 20):.1f} MiB"


class Host:
    """A `fasterapi serve` of a generated manifest."""

    def __init__(self, binary: Path, data: Path, apps: list):
        self.binary, self.data, self.apps = binary, data, apps
        self.port, self.admin_port = free_port(), free_port()
        self.token = secrets.token_hex(32)
        data.mkdir(parents=True, exist_ok=True)
        (data / "token").write_text(self.token)
        self.manifest = data / "fasterapi.toml"
        self.manifest.write_text(manifest(self.port, self.admin_port, data / "token", data / "data", apps))

    def start(self) -> dict:
        """Starts the host; returns time to ready and CPU time until then."""
        shm_before = shmem()
        started = time.monotonic()
        self.process = subprocess.Popen([str(self.binary), "serve", str(self.manifest)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.log = []
        threading.Thread(target=lambda: [self.log.append(line) for line in self.process.stderr],
                         daemon=True).start()
        last = self.apps[-1][0]
        while request(self.port, "GET", f"/{last}/users/1", timeout=5)[0] != 200:
            if self.process.poll() is not None:
                sys.exit("the host exited:\n" + "".join(self.log[-20:]))
            time.sleep(0.05)
        ready = time.monotonic() - started
        return {"ready_s": ready, "cpu_s": cpu_seconds(self.process.pid), "shmem": shmem() - shm_before}

    def rss(self) -> dict:
        return proc_status(self.process.pid)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)

    def first_requests(self, names: list) -> list:
        """Latency (ms) of the first request to each of `names`, idle until now."""
        latencies = []
        for name in names:
            started = time.perf_counter()
            status, body = request(self.port, "GET", f"/{name}/users/7")
            latencies.append((time.perf_counter() - started) * 1000)
            # Each app answers with its own code: its index and its score.
            i = int(name[1:])
            expected = f'{{"app":{i},"id":7,"score":{(7 * (2 * i + 3)) % (i + 97)}}}'
            assert status == 200 and body.replace(" ", "") == expected, (name, status, body, expected)
        return latencies

    def deploy_to_first_answer(self, name: str, component: Path) -> float:
        """Admin API: from the upload's start to the first 200 of the new app (ms)."""
        started = time.perf_counter()
        status, body = request(self.admin_port, "PUT", f"/apps/{name}", body=component.read_bytes(),
                               headers={"Authorization": f"Bearer {self.token}",
                                        "FasterAPI-App": f'{{ tenant = "{name}", route = "/{name}" }}'},
                               timeout=120)
        assert status == 200, (status, body)
        return self.wait_for(name, started)

    def edit_to_first_answer(self, name: str, component: Path) -> float:
        """Manifest edit: from the write to the first 200 of the new app (ms)."""
        text = self.manifest.read_text() + "\n" + app_entry(name, component)
        tmp = self.manifest.with_suffix(".tmp")
        tmp.write_text(text)
        started = time.perf_counter()
        os.replace(tmp, self.manifest)
        return self.wait_for(name, started)

    def wait_for(self, name: str, started: float) -> float:
        while request(self.port, "GET", f"/{name}/users/1", timeout=5)[0] != 200:
            if time.perf_counter() - started > 120:
                sys.exit(f"{name} never answered:\n" + "".join(self.log[-20:]))
            time.sleep(0.005)
        return (time.perf_counter() - started) * 1000


def run(label: str, binary: Path, data: Path, apps: list, baseline: int, fresh: dict = None) -> dict:
    """One host over `apps`; `fresh` names apps to deploy/add anew (kind -> wasm)."""
    shutil.rmtree(data / "data" / "deployed", ignore_errors=True)
    host = Host(binary, data, apps)
    row = {"run": label, "apps": len(apps)}
    try:
        row.update(host.start())
        row["idle_rss"] = host.rss()["VmRSS"]
        row["idle_anon"] = host.rss()["RssAnon"]
        row["rss_per_app"] = (row["idle_rss"] - baseline) / len(apps)
        sample = [name for name, _ in apps[:-1]][:: max(1, len(apps) // 20)][:20]
        latencies = host.first_requests(sample)
        row["first_request_ms"] = statistics.median(latencies)
        row["first_request_max_ms"] = max(latencies)
        host.first_requests([name for name, _ in apps if name not in sample])
        row["touched_rss"] = host.rss()["VmRSS"]
        time.sleep(float(IDLE_RELEASE.rstrip("s")) + 2.5)
        row["released_rss"] = host.rss()["VmRSS"]
        row["rss_detail"] = host.rss()
        for kind, component in (fresh or {}).items():
            row[f"deploy_{kind}_ms"] = host.deploy_to_first_answer(f"new-{kind}-admin", component[0])
            row[f"edit_{kind}_ms"] = host.edit_to_first_answer(f"new-{kind}-edit", component[1])
        row["cache_disk"] = disk_usage(data / "data" / "cache")
    finally:
        host.stop()
    return row


def baseline_rss(binary: Path, component: Path) -> int:
    """RSS of a host with one Rust app loaded from the cache (a restart)."""
    data = Path(tempfile.mkdtemp(prefix="density-base-"))
    for _ in range(2):
        host = Host(binary, data, [("r0", component)])
        host.start()
        rss = host.rss()["VmRSS"]
        host.stop()
    shutil.rmtree(data, ignore_errors=True)
    return rss


def report(rows: list) -> None:
    print()
    print("| run | apps | ready | CPU | idle RSS (anon) | RSS/app | all touched | released | memfd | cache disk "
          "| first request (median / max) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        print(f"| {r['run']} | {r['apps']} | {r['ready_s']:.1f} s | {r['cpu_s']:.1f} s | {mib(r['idle_rss'])} ({mib(r['idle_anon'])}) "
              f"| {r['rss_per_app'] / 1024:.0f} KiB | {mib(r['touched_rss'])} | {mib(r['released_rss'])} "
              f"| {mib(r['shmem'])} | {mib(r['cache_disk'])} "
              f"| {r['first_request_ms']:.1f} / {r['first_request_max_ms']:.1f} ms |")
    print()
    for r in rows:
        for key in sorted(k for k in r if k.startswith(("deploy_", "edit_"))):
            print(f"{r['run']}: {key.replace('_ms', '')} -> first answer {r[key]:.0f} ms")
    print()
    print(json.dumps(rows, indent=1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rust", type=int, default=1000)
    parser.add_argument("--python", type=int, default=200)
    parser.add_argument("--host", type=Path, default=ROOT / "target/release/fasterapi")
    parser.add_argument("--quick", action="store_true", help="N = 20, M = 5: the test mode")
    parser.add_argument("--build-only", action="store_true", help="generate and build the apps, no runs")
    args = parser.parse_args()
    if args.quick:
        args.rust, args.python = 20, 5
    rust = build_rust(args.rust + 2)
    python = build_python(args.python + 2, args.host)
    if args.build_only:
        return
    rust_apps = [(f"r{i}", rust[i]) for i in range(args.rust)]
    python_apps = [(f"p{i}", python[i]) for i in range(args.python)]
    fresh_rust = {"rust": (rust[-2], rust[-1])}
    fresh_python = {"python": (python[-2], python[-1])}
    runs = Path(tempfile.mkdtemp(prefix="density-"))
    try:
        base = baseline_rss(args.host, rust[0])
        print(f"baseline: a host with one Rust app, {mib(base)} RSS", flush=True)
        rows = []
        for label, apps, fresh in (("Rust", rust_apps, fresh_rust), ("Python", python_apps, fresh_python)):
            data = runs / label
            rows.append(run(f"{label} cold", args.host, data, apps, base, fresh))
            print(rows[-1], flush=True)
            rows.append(run(f"{label} restart", args.host, data, apps, base))
            print(rows[-1], flush=True)
        both = runs / "both"
        shutil.copytree(runs / "Python" / "data" / "cache", both / "data" / "cache")
        for compiled in (runs / "Rust" / "data" / "cache").glob("*.cwasm"):
            shutil.copy(compiled, both / "data" / "cache")
        rows.append(run("Rust + Python, warm cache", args.host, both, rust_apps + python_apps, base))
        report(rows)
    finally:
        shutil.rmtree(runs, ignore_errors=True)


if __name__ == "__main__":
    main()
