"""``TestClient``: requests to a FasterAPI app in this process, through the
real host (router, typed parameters, limits, sandbox), without a socket.

    from fasterapi.testclient import TestClient
    from app import app

    client = TestClient(app)

    def test_user():
        response = client.get("/users/123")
        assert response.status_code == 200
        assert response.json() == {"id": 123, "name": "Alice"}

Shaped like Starlette's: an ``httpx.Client`` whose base URL is
``http://testserver``. ``app`` is the ``FasterAPI`` object of your module
(its file is built into a component once per content, cached), a path to a
built ``.wasm``, or a ``fasterapi.toml``.
"""

import hashlib
import os
import sys
import tempfile
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple, Union

import httpx

from . import _native
from ._cli import componentize_py_env

__all__ = ["TestClient", "ServerError"]


class ServerError(RuntimeError):
    """A request the app answered with 500 while ``raise_server_exceptions``
    is on. Starlette re-raises the handler's exception; here the handler ran
    in the sandbox, so this carries its traceback (``traceback``) as text,
    and the response the app gave (``response``)."""

    def __init__(self, message: str, traceback: Optional[str], response: httpx.Response) -> None:
        super().__init__(message if traceback is None else f"{message}\n\n{traceback}")
        self.traceback = traceback
        self.response = response


def _cache_dir() -> Path:
    """The host's cache directory (it resolves the environment)."""
    found = _native.cache_dir()
    if found is None:
        raise RuntimeError("no cache directory: set FASTERAPI_CACHE_DIR (or HOME)")
    return Path(found)


def _sources(root: Path) -> List[Path]:
    """The files a build of ``root``'s app depends on."""
    skip = {".venv", "venv", "__pycache__", ".git", ".fasterapi", "target", "node_modules"}
    found = []
    for path in sorted(root.rglob("*")):
        if any(part in skip for part in path.relative_to(root).parts):
            continue
        if path.is_file() and (path.suffix == ".py" or path.name in ("requirements.txt", "pyproject.toml")):
            found.append(path)
    return found


def build(source: Union[str, Path]) -> Path:
    """The component of the app in ``source`` (a ``.py`` file), built once
    per content of its directory and of the SDK, and cached."""
    source = Path(source).resolve()
    digest = hashlib.sha256()
    sdk = Path(__file__).resolve().parent
    for path in _sources(source.parent) + _sources(sdk):
        digest.update(str(path).encode() + b"\0" + path.read_bytes())
    out = _cache_dir() / "testclient" / f"{source.stem}-{digest.hexdigest()[:24]}.wasm"
    if out.exists():
        os.utime(out)  # used now: the host's cache, bounded by size, evicts it last
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_suffix(f".tmp{os.getpid()}")
        with componentize_py_env():
            status = _native.main(["fasterapi", "build", str(source), "-o", str(tmp)])
        if status != 0:
            raise RuntimeError(f"fasterapi build {source} failed (its errors are above)")
        os.replace(tmp, out)
    return out


def _component(app: Any) -> Path:
    if isinstance(app, (str, os.PathLike)):
        return Path(app)
    source = getattr(app, "defined_in", None)
    if not source:
        raise TypeError("TestClient(app) takes a FasterAPI app defined in a module file, "
                        "a path to a .wasm component, or a fasterapi.toml")
    return build(source)


class _Transport(httpx.BaseTransport):
    def __init__(self, host: "_native.Host", raise_server_exceptions: bool):
        self.host = host
        self.raise_server_exceptions = raise_server_exceptions

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        headers: List[Tuple[bytes, bytes]] = list(request.headers.raw)
        body = request.read()
        status, answer_headers, content, error = self.host.request(
            request.method, request.url.raw_path.decode("ascii"), headers, body)
        response = httpx.Response(status, headers=[(name.encode(), value) for name, value in answer_headers],
                                  content=content, request=request)
        if status == 500 and self.raise_server_exceptions:
            raise ServerError(f"{request.method} {request.url.raw_path.decode()} answered 500: "
                              f"{content.decode(errors='replace')}", error, response)
        return response


class TestClient(httpx.Client):
    """Requests to ``app`` served in-process by the FasterAPI host."""

    __test__ = False  # not a pytest test class

    def __init__(self, app: Any, base_url: str = "http://testserver", raise_server_exceptions: bool = True,
                 config: Optional[Dict[str, str]] = None, kv: bool = False,
                 cookies: Optional[httpx._types.CookieTypes] = None,
                 headers: Optional[Dict[str, str]] = None, follow_redirects: bool = True) -> None:
        self._kv_dir = tempfile.TemporaryDirectory(prefix="fasterapi-kv-") if kv else None
        component = _component(app)
        self.host = _native.Host(str(component), config=dict(config or {}),
                                 kv_dir=self._kv_dir.name if self._kv_dir else None)
        super().__init__(base_url=base_url, transport=_Transport(self.host, raise_server_exceptions),
                         cookies=cookies, headers={"user-agent": "testclient", **(headers or {})},
                         follow_redirects=follow_redirects)

    def __enter__(self) -> "TestClient":
        super().__enter__()
        return self

    def __exit__(self, *args: Any) -> None:
        super().__exit__(*args)
        if self._kv_dir is not None:
            self._kv_dir.cleanup()
