"""Calling other services over HTTP, in the shape of `requests` / `httpx`::

    from fasterapi import http

    r = http.get("https://api.example.com/users", params={"page": 2}, timeout=5)
    r.raise_for_status()
    users = r.json()

    r = http.post("https://api.example.com/users", json={"name": "Alice"},
                  headers={"authorization": "Bearer abc"})

Inside the FasterAPI host a call goes through the standard
`wasi:http/outgoing-handler`, and the host denies every destination the app
is not granted in its manifest entry (`allowed_outbound_hosts`): such a call
raises `http.Denied`, a `ConnectionError`. Redirects are answers like any
other unless `follow_redirects=True` (as in httpx). Run natively (tests of
the app outside the host), the same calls go through `urllib`.
"""

from __future__ import annotations

import json as _json
from typing import Any, Iterable, Mapping
from urllib.parse import urlencode, urljoin, urlsplit

# Imported now, while the component is built (pre-initialized): at run time
# only what was imported then is there.
try:
    from componentize_py_types import Err as _Err
    from wit_world.imports import outgoing_handler as _outgoing
    from wit_world.imports import streams as _streams
    from wit_world.imports import wasi_http_types as _t
except ImportError:  # natively: `urllib` instead
    _t = None

__all__ = [
    "ConnectionError",
    "Denied",
    "HTTPError",
    "InvalidURL",
    "RequestException",
    "Response",
    "Timeout",
    "delete",
    "get",
    "head",
    "patch",
    "post",
    "put",
    "request",
]

_MAX_REDIRECTS = 20
_CHUNK = 4096


class RequestException(OSError):
    """Any failure of a call (`requests.RequestException`)."""

    def __init__(self, message: str = "", response: "Response | None" = None):
        super().__init__(message)
        self.response = response


class ConnectionError(RequestException):  # noqa: A001 - the name requests uses
    """The connection could not be made or broke (DNS, refused, TLS, a limit)."""


class Denied(ConnectionError):
    """The host refused the destination: not in `allowed_outbound_hosts`, or
    an address it keeps private (its admin API, cloud metadata)."""


class Timeout(RequestException):
    """The connection or the answer took longer than allowed."""


class InvalidURL(RequestException, ValueError):
    """Not an absolute `http://` or `https://` URL."""


class HTTPError(RequestException):
    """A 4xx or 5xx answer, raised by `Response.raise_for_status()`."""


class Headers(dict):
    """Response headers: a dict whose lookups ignore case."""

    def __init__(self, pairs: Iterable[tuple[str, str]] = ()):
        super().__init__()
        for name, value in pairs:
            key = name.lower()
            super().__setitem__(key, f"{self[key]}, {value}" if key in self else value)

    def __getitem__(self, name: str) -> str:
        return super().__getitem__(name.lower())

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and super().__contains__(name.lower())

    def get(self, name: str, default: Any = None) -> Any:
        return super().get(name.lower(), default)


class Response:
    """An answer: `status_code`, `headers`, `content`, `text`, `json()`."""

    def __init__(self, status_code: int, headers: Headers, content: bytes, url: str):
        self.status_code = status_code
        self.headers = headers
        self.content = content
        self.url = url

    @property
    def ok(self) -> bool:
        return self.status_code < 400

    @property
    def is_redirect(self) -> bool:
        return self.status_code in (301, 302, 303, 307, 308) and "location" in self.headers

    @property
    def encoding(self) -> str:
        content_type = self.headers.get("content-type", "")
        for part in content_type.split(";")[1:]:
            key, _, value = part.strip().partition("=")
            if key.lower() == "charset" and value:
                return value.strip('"')
        return "utf-8"

    @property
    def text(self) -> str:
        return self.content.decode(self.encoding, errors="replace")

    def json(self, **kwargs: Any) -> Any:
        return _json.loads(self.content, **kwargs)

    def raise_for_status(self) -> "Response":
        if 400 <= self.status_code < 600:
            kind = "Client" if self.status_code < 500 else "Server"
            raise HTTPError(f"{self.status_code} {kind} Error for url: {self.url}", response=self)
        return self

    def __repr__(self) -> str:
        return f"<Response [{self.status_code}]>"


def request(
    method: str,
    url: str,
    *,
    params: Mapping[str, Any] | Iterable[tuple[str, Any]] | None = None,
    headers: Mapping[str, str] | None = None,
    data: bytes | str | Mapping[str, Any] | None = None,
    json: Any = None,
    timeout: float | None = None,
    follow_redirects: bool = False,
) -> Response:
    """Makes one call and reads the whole answer."""
    method = method.upper()
    url = _with_params(url, params)
    sent_headers = {name.lower(): str(value) for name, value in (headers or {}).items()}
    body = _body(data, json, sent_headers)
    for _ in range(_MAX_REDIRECTS + 1):
        if body or method in ("POST", "PUT", "PATCH"):
            sent_headers["content-length"] = str(len(body))
        else:
            sent_headers.pop("content-length", None)
        response = _send(method, url, sent_headers, body, timeout)
        if not (follow_redirects and response.is_redirect):
            return response
        url = urljoin(url, response.headers["location"])
        if response.status_code == 303 or (response.status_code in (301, 302) and method == "POST"):
            method, body = "GET", b""
            sent_headers.pop("content-type", None)
    raise RequestException(f"more than {_MAX_REDIRECTS} redirects from {url}")


def get(url: str, **kwargs: Any) -> Response:
    return request("GET", url, **kwargs)


def head(url: str, **kwargs: Any) -> Response:
    return request("HEAD", url, **kwargs)


def post(url: str, **kwargs: Any) -> Response:
    return request("POST", url, **kwargs)


def put(url: str, **kwargs: Any) -> Response:
    return request("PUT", url, **kwargs)


def patch(url: str, **kwargs: Any) -> Response:
    return request("PATCH", url, **kwargs)


def delete(url: str, **kwargs: Any) -> Response:
    return request("DELETE", url, **kwargs)


def _with_params(url: str, params: Any) -> str:
    if not params:
        return url
    pairs = list(params.items()) if isinstance(params, Mapping) else list(params)
    flat = [(k, v) for k, value in pairs for v in (value if isinstance(value, (list, tuple)) else [value])]
    query = urlencode([(k, _param(v)) for k, v in flat if v is not None])
    return f"{url}{'&' if '?' in url else '?'}{query}" if query else url


def _param(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _body(data: Any, json: Any, headers: dict[str, str]) -> bytes:
    if json is not None:
        headers.setdefault("content-type", "application/json")
        return _json.dumps(json, separators=(",", ":"), ensure_ascii=False).encode()
    if data is None:
        return b""
    if isinstance(data, Mapping):
        headers.setdefault("content-type", "application/x-www-form-urlencoded")
        return urlencode(list(data.items()), doseq=True).encode()
    return data.encode() if isinstance(data, str) else bytes(data)


def _split(url: str) -> tuple[bool, str, str]:
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or "@" in parts.netloc:
        raise InvalidURL(f"not an http(s) URL: {url!r}")
    path = parts.path or "/"
    return parts.scheme.lower() == "https", parts.netloc, f"{path}?{parts.query}" if parts.query else path


def _send(method: str, url: str, headers: dict[str, str], body: bytes, timeout: float | None) -> Response:
    target = _split(url)
    if not _METHODS:  # not inside the host
        return _send_natively(method, url, headers, body, timeout)
    return _send_in_host(method, url, target, headers, body, timeout)


def _send_in_host(method, url, target, headers, body, timeout) -> Response:
    t, Err = _t, _Err
    https, authority, path = target
    outgoing = t.OutgoingRequest(t.Fields.from_list([(k, v.encode()) for k, v in headers.items()]))
    outgoing.set_method(_METHODS[method]() if method in _METHODS else t.Method_Other(method))
    outgoing.set_scheme(t.Scheme_Https() if https else t.Scheme_Http())
    outgoing.set_authority(authority)
    outgoing.set_path_with_query(path)
    options = t.RequestOptions()
    if timeout is not None:
        nanos = int(timeout * 1_000_000_000)
        options.set_connect_timeout(nanos)
        options.set_first_byte_timeout(nanos)
    outgoing_body = outgoing.body()
    try:
        pending = _outgoing.handle(outgoing, options)
    except Err as err:
        raise _error(err.value, url) from None
    with outgoing_body.write() as stream:
        for start in range(0, len(body), _CHUNK):
            stream.blocking_write_and_flush(body[start : start + _CHUNK])
    t.OutgoingBody.finish(outgoing_body, None)
    with pending.subscribe() as ready:
        ready.block()
    result = pending.get()
    if result is None or isinstance(result, Err):
        raise ConnectionError(f"{url}: the answer was lost")
    answer = result.value
    if isinstance(answer, Err):
        raise _error(answer.value, url)
    answer = answer.value
    names = [(name, value.decode("latin-1")) for name, value in answer.headers().entries()]
    incoming = answer.consume()
    chunks = []
    with incoming.stream() as stream:
        while True:
            try:
                chunks.append(stream.blocking_read(65536))
            except Err as err:
                if isinstance(err.value, _streams.StreamError_Closed):
                    break
                code = t.http_error_code(err.value.value)
                raise (_error(code, url) if code is not None else ConnectionError(f"{url}: the answer broke off"))
    t.IncomingBody.finish(incoming)
    return Response(answer.status(), Headers(names), b"".join(chunks), url)


def _error(code: Any, url: str) -> RequestException:
    name = type(code).__name__.removeprefix("ErrorCode_")
    message = f"{url}: {name}"
    if name in ("HttpRequestDenied", "DestinationIpProhibited"):
        return Denied(f"{message} (not granted by the app's allowed_outbound_hosts)")
    if name.endswith("Timeout"):
        return Timeout(message)
    if name == "HttpRequestUriInvalid":
        return InvalidURL(message)
    return ConnectionError(message)


def _method_classes() -> dict:
    t = _t
    if t is None:
        return {}
    return {
        "GET": t.Method_Get,
        "HEAD": t.Method_Head,
        "POST": t.Method_Post,
        "PUT": t.Method_Put,
        "DELETE": t.Method_Delete,
        "PATCH": t.Method_Patch,
        "OPTIONS": t.Method_Options,
    }


_METHODS = _method_classes()


def _send_natively(method, url, headers, body, timeout) -> Response:
    import socket
    import urllib.error
    import urllib.request

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    call = urllib.request.Request(url, data=body or None, headers=headers, method=method)
    try:
        with opener.open(call, timeout=timeout) as answer:
            return Response(answer.status, Headers(answer.headers.items()), answer.read(), url)
    except urllib.error.HTTPError as answer:
        return Response(answer.code, Headers(answer.headers.items()), answer.read(), url)
    except (socket.timeout, TimeoutError) as err:
        raise Timeout(f"{url}: {err}") from None
    except urllib.error.URLError as err:
        if isinstance(err.reason, (socket.timeout, TimeoutError)):
            raise Timeout(f"{url}: {err.reason}") from None
        raise ConnectionError(f"{url}: {err.reason}") from None
