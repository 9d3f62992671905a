"""Differential test: each app in ``apps/`` runs under real FastAPI (TestClient)
and under FasterAPI (built into a component with the real ``fasterapi build``,
served by the real ``fasterapi serve`` on loopback) from the same source, only
the import line differs. Every case in the app's ``CASES`` must get the same
status, media type and body; for a 422, the same errors (type, loc, msg, input).
"""

import gzip
import http.client
import json
import os
import re
import socket
import subprocess
import threading
import time
import types
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

try:  # the Python package, when installed (`make test` installs its wheel)
    from fasterapi.testclient import TestClient as InProcessClient
except ImportError:
    InProcessClient = None

ROOT = Path(__file__).resolve().parents[2]
APPS = sorted((Path(__file__).parent / "apps").glob("*_app.py"))
# Apps in several modules (a package whose `main.py` defines `app`, with
# relative imports), as FastAPI's "bigger applications" are laid out.
PACKAGES = sorted(p for p in (Path(__file__).parent / "packages").iterdir() if (p / "main.py").is_file())
# Apps with third-party packages: a directory with `app.py` and a `requirements.txt`.
PROJECTS = sorted(p for p in (Path(__file__).parent / "projects").glob("*") if (p / "app.py").is_file())
FASTERAPI = Path(os.environ.get("FASTERAPI_BIN", ROOT / "target/debug/fasterapi"))
SCRATCH = ROOT / "target/e2e/python-apps"

# Where each name a FasterAPI app imports lives under FastAPI.
FASTAPI_HOMES = {
    "BaseModel": "pydantic", "Field": "pydantic", "ConfigDict": "pydantic", "field_validator": "pydantic",
    "model_validator": "pydantic", "AfterValidator": "pydantic", "BeforeValidator": "pydantic",
    "PlainValidator": "pydantic", "HttpUrl": "pydantic", "AnyUrl": "pydantic", "EmailStr": "pydantic",
    "JSONResponse": "fastapi.responses", "PlainTextResponse": "fastapi.responses",
    "HTMLResponse": "fastapi.responses", "Response": "fastapi.responses",
}


def fastapi_source(source: str) -> str:
    """The same app for FastAPI: the `from fasterapi import ...` line rewritten
    (and `fasterapi.security`, `.responses`, ... as `fastapi.security`, ...)."""
    source = re.sub(r"^from fasterapi\.([\w.]+) import", r"from fastapi.\1 import", source, flags=re.M)
    match = re.search(r"^from fasterapi import (.+)$", source, re.M)
    assert match, "an app starts with `from fasterapi import ...`"
    names = [n.strip() for n in match.group(1).split(",")]
    lines = [f"from {FASTAPI_HOMES.get(n, 'fastapi')} import {n}" for n in names]
    return source[:match.start()] + "\n".join(lines) + source[match.end():]


def load_fastapi_package(package: Path) -> types.ModuleType:
    """The package's `main` for FastAPI: a copy with every module's
    `from fasterapi import ...` line rewritten, imported from the copy."""
    import importlib
    import shutil
    import sys
    root = SCRATCH / "fastapi-packages"
    copy = root / package.name
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(package, copy, ignore=shutil.ignore_patterns("__pycache__"))
    for module in copy.rglob("*.py"):
        source = module.read_text()
        if re.search(r"^from fasterapi import", source, re.M):
            module.write_text(fastapi_source(source))
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    return importlib.import_module(f"{package.name}.main")


def load_fastapi_app(path: Path) -> types.ModuleType:
    module = types.ModuleType(f"fastapi_{path.stem}")
    exec(compile(fastapi_source(path.read_text()), str(path), "exec"), module.__dict__)
    return module


class Server:
    """`fasterapi serve` on a free loopback port."""

    def __init__(self, component: Path):
        self.process = subprocess.Popen(
            [str(FASTERAPI), "serve", str(component), "--listen", "127.0.0.1:0",
             "--cache-dir", str(ROOT / "target/e2e/cache")],
            stderr=subprocess.PIPE, text=True)
        self.log = []
        ready = threading.Event()
        self.port = None

        def read():
            for line in self.process.stderr:
                self.log.append(line)
                found = re.search(r"listening on http://127\.0\.0\.1:(\d+)", line)
                if found:
                    self.port = int(found.group(1))
                    ready.set()

        threading.Thread(target=read, daemon=True).start()
        if not ready.wait(180):
            self.process.kill()
            raise RuntimeError("fasterapi did not start:\n" + "".join(self.log))

    def request(self, method, path, headers, body):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        if isinstance(body, str):
            body = body.encode()
        # What httpx (FastAPI's TestClient) sends unless told otherwise.
        headers = {"accept-encoding": "gzip, deflate", **headers}
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        cookies = [value for name, value in response.getheaders() if name.lower() == "set-cookie"]
        body = response.read()
        if response.getheader("content-encoding") == "gzip":
            body = gzip.decompress(body)  # as httpx decodes FastAPI's
        result = (response.status, response.getheader("content-type"), body,
                  response.getheader("location"), cookies, _middleware_headers(response.getheaders()))
        connection.close()
        return result

    def stop(self):
        self.process.kill()
        self.process.wait()


class InProcess:
    """The same component through the package's TestClient: answered by the
    host in this process, without a socket, as FastAPI's TestClient does."""

    def __init__(self, component: Path):
        # The served host's compile cache: the component is compiled once.
        os.environ["FASTERAPI_CACHE_DIR"] = str(ROOT / "target/e2e/cache")
        self.client = InProcessClient(str(component), raise_server_exceptions=False, follow_redirects=False)

    def request(self, method, path, headers, body):
        response = self.client.request(method, path, headers=headers, content=body)
        return (response.status_code, response.headers.get("content-type"), response.content,
                response.headers.get("location"), response.headers.get_list("set-cookie"),
                _middleware_headers(response.headers.multi_items()))


def _middleware_headers(headers) -> dict:
    """The headers middleware and handlers set (CORS, `Vary`,
    `Content-Encoding`, `X-...`), by lower-case name."""
    return {name.lower(): value for name, value in headers
            if name.lower().startswith(("access-control-", "x-")) or name.lower() in ("vary", "content-encoding")}


def comparable(status, content_type, body: bytes, location=None, cookies=(), headers=None):
    """What must agree: status, media type, body, where a redirect points
    (its path and query: the host name differs between the two servers),
    the cookies set (an expiry date as such: the clocks differ) and the
    headers middleware sets."""
    if location is not None:
        parts = urlsplit(location)
        location = parts.path + (f"?{parts.query}" if parts.query else "")
    cookies = [re.sub(r"expires=[^;]*", "expires=*", cookie) for cookie in cookies]
    if content_type and content_type.split(";")[0] == "application/json":
        return status, content_type, json.loads(body), location, cookies, headers
    return status, content_type, body.decode("utf-8", "replace"), location, cookies, headers


@pytest.fixture(scope="module", params=APPS + PACKAGES + PROJECTS, ids=[p.stem for p in APPS + PACKAGES + PROJECTS])
def app_pair(request):
    path = request.param
    assert FASTERAPI.exists(), f"{FASTERAPI} is missing: run `cargo build -p fasterapi-host` first"
    SCRATCH.mkdir(parents=True, exist_ok=True)
    component = SCRATCH / f"{path.stem}.wasm"
    source = path if path in PROJECTS else path / "main.py" if path.is_dir() else path
    build = subprocess.run([str(FASTERAPI), "build", str(source), "-o", str(component)],
                           capture_output=True, text=True)
    assert build.returncode == 0, build.stderr
    server = Server(component)
    inprocess = InProcess(component) if InProcessClient is not None else None
    if path in PROJECTS:
        module = load_fastapi_app(path / "app.py")
    else:
        module = load_fastapi_package(path) if path.is_dir() else load_fastapi_app(path)
    # Entered, so that the app's lifespan runs as under a server.
    with TestClient(module.app, raise_server_exceptions=False, follow_redirects=False) as client:
        yield server, client, module.CASES, inprocess
    server.stop()


def test_same_answers_as_fastapi(app_pair):
    server, client, cases, inprocess = app_pair
    mismatches = []
    for method, path, headers, body in cases:
        theirs = client.request(method, path, headers=headers, content=body)
        theirs = comparable(theirs.status_code, theirs.headers.get("content-type"), theirs.content,
                            theirs.headers.get("location"), theirs.headers.get_list("set-cookie"),
                            _middleware_headers(theirs.headers.multi_items()))
        ours = comparable(*server.request(method, path, headers, body))
        if ours != theirs:
            mismatches.append(f"{method} {path} {headers} {body!r}\n  fasterapi: {ours}\n  fastapi:   {theirs}")
        if inprocess is not None:
            ours = comparable(*inprocess.request(method, path, headers, body))
            if ours != theirs:
                mismatches.append(f"{method} {path} {headers} {body!r}\n  TestClient: {ours}\n  fastapi:    {theirs}")
    assert not mismatches, f"{len(mismatches)} of {len(cases)} differ:\n" + "\n".join(mismatches)


def test_the_in_process_test_client_is_compared_too():
    """`make test` installs the package's wheel and sets this: the
    comparison through FasterAPI's TestClient must not be skipped there."""
    if os.environ.get("FASTERAPI_REQUIRE_TESTCLIENT"):
        assert InProcessClient is not None, "fasterapi.testclient is not importable"


def test_enough_cases():
    total = sum(len(load_fastapi_app(path).CASES) for path in APPS)
    assert len(APPS) >= 5 and total >= 100, (len(APPS), total)


def test_same_documented_parameters_as_fastapi(app_pair):
    """Every operation's `parameters` in `/openapi.json` (names, places,
    required flags, schemas with their constraints and defaults), its
    responses (a response model's schema), a form's
    request body and the schemas they reference equal FastAPI's for the
    same source."""
    server, client, _, _ = app_pair
    url = client.app.openapi_url  # where the app serves its document
    theirs = client.get(url).json()["paths"]
    # As the TestClient names the host (a TrustedHostMiddleware allows it).
    status, _, body, *_ = server.request("GET", url, {"host": "testserver"}, None)
    assert status == 200
    ours = json.loads(body)["paths"]
    if json.loads(body).get("servers") != client.get(url).json().get("servers"):
        mismatches = [f"servers\n  fasterapi: {json.loads(body).get('servers')}\n  "
                      f"fastapi:   {client.get(url).json().get('servers')}"]
        assert not mismatches, mismatches
    assert sorted(ours) == sorted(theirs)
    mismatches = []
    documented = [op.get("parameters", []) for ops in theirs.values() for op in ops.values()]
    for path, operations in theirs.items():
        for method, operation in operations.items():
            mine = ours[path].get(method, {}).get("parameters")
            if mine != operation.get("parameters"):
                mismatches.append(f"{method.upper()} {path}\n  fasterapi: {mine}\n  fastapi:   {operation.get('parameters')}")
            mine = ours[path].get(method, {}).get("responses")
            if mine != operation.get("responses"):
                mismatches.append(f"{method.upper()} {path} responses\n  fasterapi: {mine}\n  fastapi:   {operation.get('responses')}")
            documented.append(operation.get("responses"))
            mine = ours[path].get(method, {}).get("security")
            if mine != operation.get("security"):
                mismatches.append(f"{method.upper()} {path} security\n  fasterapi: {mine}\n  fastapi:   {operation.get('security')}")
            # Request bodies: a form's, and FastAPI's `Body_...` objects of several body arguments.
            body_doc = json.dumps(operation.get("requestBody", {}))
            if "form" in body_doc or "Body_" in body_doc or '"title"' in body_doc:
                mine = ours[path].get(method, {}).get("requestBody")
                if mine != operation["requestBody"]:
                    mismatches.append(f"{method.upper()} {path} body\n  fasterapi: {mine}\n  fastapi:   {operation['requestBody']}")
                documented.append(operation["requestBody"])
    if json.loads(body)["info"] != client.get(url).json()["info"]:
        mismatches.append(f"info\n  fasterapi: {json.loads(body)['info']}\n  fastapi:   {client.get(url).json()['info']}")
    theirs_components = client.get(url).json().get("components", {})
    ours_components = json.loads(body).get("components", {})
    if ours_components.get("securitySchemes") != theirs_components.get("securitySchemes"):
        mismatches.append(f"securitySchemes\n  fasterapi: {ours_components.get('securitySchemes')}\n"
                          f"  fastapi:   {theirs_components.get('securitySchemes')}")
    # The schemas those parameters reference (an Enum's) must agree too.
    theirs_schemas = theirs_components.get("schemas", {})
    ours_schemas = ours_components.get("schemas", {})
    for name in re.findall(r"#/components/schemas/(\w+)", json.dumps(documented)):
        if ours_schemas.get(name) != theirs_schemas.get(name):
            mismatches.append(f"schema {name}\n  fasterapi: {ours_schemas.get(name)}\n  fastapi:   {theirs_schemas.get(name)}")
    assert not mismatches, "\n".join(mismatches)
