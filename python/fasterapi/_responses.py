"""Responses and ``HTTPException``, as in FastAPI/Starlette."""

import functools
import enum
import json
import datetime
import decimal
import uuid
from email.utils import format_datetime
from http.cookies import SimpleCookie
from typing import Any, Dict, List, Mapping, Optional, Union
from urllib.parse import quote

from ._aio import run


class Response:
    """A complete response; returned as is."""

    media_type: Optional[str] = None
    charset = "utf-8"
    # `Set-Cookie` values, one header each (a response has none until set_cookie).
    cookie_headers: List[str] = []
    # Work to run once the answer is sent (a `BackgroundTask` or `BackgroundTasks`).
    background: Any = None
    # Whether the body is made as it is sent (`StreamingResponse`).
    streaming = False

    def __init__(self, content: Any = None, status_code: int = 200,
                 headers: Optional[Mapping[str, str]] = None, media_type: Optional[str] = None,
                 background: Any = None) -> None:
        self.status_code = status_code
        if background is not None:
            self.background = background
        if media_type is not None:
            self.media_type = media_type
        self.body = self.render(content)
        self.headers: Dict[str, str] = {k.lower(): v for k, v in headers.items()} if headers else {}
        if self.media_type is not None and "content-type" not in self.headers:
            self.headers["content-type"] = _content_type(self.media_type, self.charset)

    def render(self, content: Any) -> bytes:
        if content is None:
            return b""
        if isinstance(content, bytes):
            return content
        return str(content).encode(self.charset)

    def set_cookie(self, key: str, value: str = "", max_age: Optional[int] = None,
                   expires: Union[datetime.datetime, str, int, None] = None, path: Optional[str] = "/",
                   domain: Optional[str] = None, secure: bool = False, httponly: bool = False,
                   samesite: Optional[str] = "lax") -> None:
        """Adds a ``Set-Cookie`` header, written as Starlette writes it."""
        cookie: SimpleCookie = SimpleCookie()
        cookie[key] = value
        morsel = cookie[key]
        if max_age is not None:
            morsel["max-age"] = max_age
        if expires is not None:
            morsel["expires"] = format_datetime(expires, usegmt=True) if isinstance(expires, datetime.datetime) \
                else expires
        if path is not None:
            morsel["path"] = path
        if domain is not None:
            morsel["domain"] = domain
        if secure:
            morsel["secure"] = True
        if httponly:
            morsel["httponly"] = True
        if samesite is not None:
            if samesite.lower() not in ("strict", "lax", "none"):
                raise ValueError("samesite must be either 'strict', 'lax' or 'none'")
            morsel["samesite"] = samesite
        self.cookie_headers = [*self.cookie_headers, cookie.output(header="").strip()]

    def delete_cookie(self, key: str, path: str = "/", domain: Optional[str] = None, secure: bool = False,
                      httponly: bool = False, samesite: Optional[str] = "lax") -> None:
        """Expires cookie ``key`` at once."""
        self.set_cookie(key, max_age=0, expires=0, path=path, domain=domain, secure=secure, httponly=httponly,
                        samesite=samesite)


@functools.lru_cache(maxsize=64)
def _content_type(media_type: str, charset: str) -> str:
    """``text/*`` types get a charset, as Starlette adds it."""
    if media_type.startswith("text/") and "charset=" not in media_type:
        return f"{media_type}; charset={charset}"
    return media_type


def _encode_default(value: Any) -> Any:
    """What ``json`` cannot encode by itself: models, sets, enums, UUIDs, dates, times,
    durations, decimals and bytes, as FastAPI's
    ``jsonable_encoder`` turns them into JSON."""
    dump = getattr(value, "model_dump", None)
    if dump is not None:
        return dump()
    if isinstance(value, (set, frozenset)):
        return list(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, (datetime.date, datetime.time)):  # datetime too
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    if isinstance(value, decimal.Decimal):
        return int(value) if value.as_tuple().exponent >= 0 else float(value)
    if isinstance(value, bytes):
        return value.decode()
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


# One encoder for every response: `json.dumps` with options builds a new one per call.
_JSON = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"), default=_encode_default)


def _c_encoder() -> Any:
    """CPython's C encoder with ``_JSON``'s options, made once: ``encode``
    makes a new one per call, which costs more than encoding a small body."""
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:
        return None
    try:
        return make(None, _encode_default, json.encoder.encode_basestring, None, ":", ",", False, False, False)
    except TypeError:  # another CPython's signature
        return None


_C_ENCODE = _c_encoder()


def dumps(content: Any) -> str:
    """``content`` as compact JSON, as FastAPI renders a response."""
    if _C_ENCODE is None or isinstance(content, str):
        return _JSON.encode(content)
    return "".join(_C_ENCODE(content, 0))


class JSONResponse(Response):
    """Compact JSON, as FastAPI renders it (models and sets included)."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return dumps(content).encode("utf-8")


class ORJSONResponse(JSONResponse):
    """FastAPI's orjson-rendered JSON: the same compact JSON here."""


class UJSONResponse(JSONResponse):
    """FastAPI's ujson-rendered JSON: the same compact JSON here."""


class StreamingResponse(Response):
    """A body sent as it is made: ``content`` is an iterable or an async
    iterable (a generator, say) of ``str`` or ``bytes``. The host sends the
    status and headers at once, then pulls the chunks one by one (WIT
    ``response.stream``, export ``next-chunk``), each under the app's timeout."""

    streaming = True

    def __init__(self, content: Any, status_code: int = 200, headers: Optional[Mapping[str, str]] = None,
                 media_type: Optional[str] = None, background: Any = None) -> None:
        super().__init__(b"", status_code=status_code, headers=headers, media_type=media_type,
                         background=background)
        if hasattr(content, "__aiter__"):
            self.chunks = content.__aiter__()
        elif hasattr(content, "__iter__") and not isinstance(content, (str, bytes)):
            self.chunks = iter(content)
        else:
            raise TypeError(f"StreamingResponse takes an iterable or an async iterable, not {type(content).__name__}")

    def next_chunk(self) -> Optional[bytes]:
        """The next chunk, as bytes; ``None`` at the end."""
        try:
            chunk = run(self.chunks.__anext__()) if hasattr(self.chunks, "__anext__") else next(self.chunks)
        except (StopIteration, StopAsyncIteration):
            return None
        return chunk if isinstance(chunk, bytes) else str(chunk).encode(self.charset)


class RedirectResponse(Response):
    """A redirect to ``url`` (307 unless told), its ``Location`` quoted as Starlette quotes it."""

    def __init__(self, url: Any, status_code: int = 307, headers: Optional[Mapping[str, str]] = None,
                 background: Any = None) -> None:
        super().__init__(b"", status_code=status_code, headers=headers, background=background)
        self.headers["location"] = quote(str(url), safe=":/%#?=@[]!$&'()*+,;")


class PlainTextResponse(Response):
    """``text/plain; charset=utf-8``."""

    media_type = "text/plain"


class HTMLResponse(Response):
    """``text/html; charset=utf-8``."""

    media_type = "text/html"


class HTTPException(Exception):
    """Answers ``{"detail": detail}`` with ``status_code`` (and ``headers``)."""

    def __init__(self, status_code: int, detail: Any = None,
                 headers: Optional[Mapping[str, str]] = None) -> None:
        super().__init__(status_code, detail)
        self.status_code = status_code
        self.detail = detail if detail is not None else _REASONS.get(status_code, "")
        self.headers = dict(headers or {})


_REASONS = {
    400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
    405: "Method Not Allowed", 409: "Conflict", 418: "I'm a Teapot", 422: "Unprocessable Entity",
    429: "Too Many Requests", 500: "Internal Server Error", 503: "Service Unavailable",
}
