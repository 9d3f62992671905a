"""``fasterapi.exceptions``, where FastAPI keeps its exceptions."""

from typing import Any, Sequence

from ._responses import HTTPException

__all__ = ["HTTPException", "RequestValidationError"]


class RequestValidationError(Exception):
    """FastAPI's 422 as an exception: every error the request's parameters
    and body had (the host's and the body's), and the body as parsed. An
    app's ``@app.exception_handler(RequestValidationError)`` answers it."""

    def __init__(self, errors: Sequence[Any], *, body: Any = None) -> None:
        super().__init__(errors)
        self._errors = list(errors)
        self.body = body

    def errors(self) -> Sequence[Any]:
        return self._errors
