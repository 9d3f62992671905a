"""FastAPI's validation error objects."""

from typing import Any, List

MESSAGES = {
    "missing": "Field required",
    "int_parsing": "Input should be a valid integer, unable to parse string as an integer",
    "int_type": "Input should be a valid integer",
    "int_from_float": "Input should be a valid integer, got a number with a fractional part",
    "float_parsing": "Input should be a valid number, unable to parse string as a number",
    "float_type": "Input should be a valid number",
    "bool_parsing": "Input should be a valid boolean, unable to interpret input",
    "bool_type": "Input should be a valid boolean",
    "string_type": "Input should be a valid string",
    "list_type": "Input should be a valid list",
    "dict_type": "Input should be a valid dictionary",
    "model_attributes_type": "Input should be a valid dictionary or object to extract fields from",
    "json_invalid": "JSON decode error",
}


def error(kind: str, loc: tuple, value: Any, **ctx: Any) -> dict:
    """One error object: ``{"type", "loc", "msg", "input"}`` (and ``ctx``)."""
    entry = {"type": kind, "loc": list(loc), "msg": MESSAGES[kind], "input": value}
    if ctx:
        entry["ctx"] = ctx
    return entry


class ValidationError(ValueError):
    """Raised by ``BaseModel(...)`` with every error found."""

    def __init__(self, errors: List[dict]):
        super().__init__(f"{len(errors)} validation error(s): {errors}")
        self._errors = errors

    def errors(self) -> List[dict]:
        """The errors, as pydantic's ``ValidationError.errors()`` lists them."""
        return list(self._errors)
