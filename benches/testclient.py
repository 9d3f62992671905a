#!/usr/bin/env python3
"""Requests per second through a TestClient, in one process, one core:
FasterAPI's (`fasterapi.testclient`, the bench app served in-process by the
host) next to FastAPI's own (`fastapi.testclient`, Starlette's, on
benches/peers/fastapi_app.py), on the same endpoints, same run.

Run with a Python that has the `fasterapi` wheel and FastAPI installed:
`make bench-testclient` makes one (target/bench-testclient/venv).
"""

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SECONDS = float(os.environ.get("BENCH_SECONDS", "3"))
REQUESTS = [
    ("GET /users/123", "get", "/users/123", None),
    ("GET /items?q=pen&limit=5", "get", "/items?q=pen&limit=5", None),
    ("POST /items", "post", "/items", {"name": "pen", "price": 1.5}),
]


def rate(client, method: str, path: str, body) -> float:
    send = getattr(client, method)
    call = (lambda: send(path, json=body)) if body is not None else (lambda: send(path))
    assert call().status_code in (200, 201)
    for _ in range(200):  # warm up
        call()
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < SECONDS:
        for _ in range(100):
            call()
        count += 100
    return count / (time.perf_counter() - started)


def main() -> None:
    os.sched_setaffinity(0, {0})
    sys.path.insert(0, str(ROOT / "examples/bench-python"))
    sys.path.insert(0, str(ROOT / "benches/peers"))
    from fastapi.testclient import TestClient as FastAPIClient
    from fastapi_app import app as fastapi_app
    from fasterapi.testclient import TestClient
    from app import app as fasterapi_app

    ours, theirs = TestClient(fasterapi_app), FastAPIClient(fastapi_app)
    print("| endpoint | FasterAPI TestClient req/s | FastAPI TestClient req/s | ratio |")
    print("| --- | ---: | ---: | ---: |")
    for label, method, path, body in REQUESTS:
        a, b = rate(ours, method, path, body), rate(theirs, method, path, body)
        print(f"| {label} | {a:,.0f} | {b:,.0f} | {a / b:.2f} |", flush=True)


if __name__ == "__main__":
    main()
