"""``fasterapi.exceptions``, where FastAPI keeps its exceptions."""

from typing import Any, Sequence

from ._responses import HTTPException

__all__ = ["HTTPException", "RequestValidationError"]


class RequestValidationError(Exception):
    """FastAPI's 422 as an exception. The host answers parameter errors
    itself, so a handler for it cannot be registered yet (the build says
    so); the class exists for apps that import it."""

    def __init__(self, errors: Sequence[Any]) -> None:
        super().__init__(errors)
        self._errors = list(errors)

    def errors(self) -> Sequence[Any]:
        return self._errors
