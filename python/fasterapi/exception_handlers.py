"""FastAPI's default exception handlers, for apps that handle an exception
themselves and then fall back to the default answer."""

from typing import Any

from ._responses import HTTPException, JSONResponse, Response
from .exceptions import RequestValidationError


async def http_exception_handler(request: Any, exc: HTTPException) -> Response:
    """``{"detail": ...}`` with the exception's status and headers, as FastAPI answers it."""
    return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers or None)


async def request_validation_exception_handler(request: Any, exc: RequestValidationError) -> Response:
    """The 422 ``{"detail": [errors]}``, as FastAPI answers it."""
    return JSONResponse({"detail": exc.errors()}, status_code=422)
