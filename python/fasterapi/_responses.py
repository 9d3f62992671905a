"""Responses and ``HTTPException``, as in FastAPI/Starlette."""

import json
from typing import Any, Dict, Mapping, Optional


class Response:
    """A complete response; returned as is."""

    media_type: Optional[str] = None
    charset = "utf-8"

    def __init__(self, content: Any = None, status_code: int = 200,
                 headers: Optional[Mapping[str, str]] = None, media_type: Optional[str] = None) -> None:
        self.status_code = status_code
        if media_type is not None:
            self.media_type = media_type
        self.body = self.render(content)
        self.headers: Dict[str, str] = {k.lower(): v for k, v in (headers or {}).items()}
        if self.media_type is not None and "content-type" not in self.headers:
            content_type = self.media_type
            if content_type.startswith("text/") and "charset=" not in content_type:
                content_type += f"; charset={self.charset}"
            self.headers["content-type"] = content_type

    def render(self, content: Any) -> bytes:
        if content is None:
            return b""
        if isinstance(content, bytes):
            return content
        return str(content).encode(self.charset)


class JSONResponse(Response):
    """Compact JSON, as FastAPI renders it."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=False, allow_nan=False, indent=None,
                          separators=(",", ":")).encode("utf-8")


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
