"""FastAPI's default exception handlers, for apps that handle an exception
themselves and then fall back to the default answer."""

from typing import Any

from ._responses import HTTPException, JSONResponse, Response


async def http_exception_handler(request: Any, exc: HTTPException) -> Response:
    """``{"detail": ...}`` with the exception's status and headers, as FastAPI answers it."""
    return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers or None)
