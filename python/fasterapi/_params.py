"""``Query()``, ``Header()``, ``Cookie()``, ``Path()``, ``Form()``, ``File()`` and ``Body()``: where a
parameter comes from, and the constraints its value must meet."""

import decimal
import re
from typing import Any, Dict, Optional

# FastAPI writes `Query(...)` or `Query()` for a required parameter.
Required: Any = ...

# pydantic's constraints, checked by the host before the handler runs.
NUMERIC_CONSTRAINTS = ("gt", "ge", "lt", "le", "multiple_of")
DECIMAL_CONSTRAINTS = ("max_digits", "decimal_places")
TEXT_CONSTRAINTS = ("min_length", "max_length", "pattern")

# Options that only change the OpenAPI document FastAPI writes. FasterAPI's
# document does not show them yet; they change nothing about serving.
DOC_ONLY = ("examples", "example", "openapi_examples", "deprecated", "include_in_schema",
            "json_schema_extra")


class ParamInfo:
    """The declared source, default, alias and constraints of one handler parameter."""

    def __init__(self, source: str, default: Any = Required, *, alias: Optional[str] = None,
                 convert_underscores: bool = True, description: Optional[str] = None, title: Optional[str] = None,
                 gt: Any = None, ge: Any = None, lt: Any = None, le: Any = None, multiple_of: Any = None,
                 min_length: Optional[int] = None, max_length: Optional[int] = None,
                 max_digits: Optional[int] = None, decimal_places: Optional[int] = None,
                 pattern: Optional[str] = None, regex: Optional[str] = None,
                 default_factory: Any = None, embed: bool = False, **options: Any) -> None:
        unknown = sorted(set(options) - set(DOC_ONLY))
        # Keywords merged into the parameter's schema in /openapi.json.
        self.schema_extra: Optional[Dict[str, Any]] = options.get("json_schema_extra")
        if self.schema_extra is not None and not isinstance(self.schema_extra, dict):
            raise TypeError("json_schema_extra must be a dict (a callable is not supported)")
        if unknown:
            raise TypeError(f"{source.title() or 'Param'}() got an option FasterAPI does not support: {unknown[0]}")
        if default_factory is not None:
            if default is not Required:
                raise TypeError("cannot give both default and default_factory")
            default = default_factory()
        if embed and source != "body":
            raise TypeError(f"{source.title()}() got an option FasterAPI does not support: embed")
        self.embed = embed
        self.source = source
        self.default = default
        self.alias = alias
        self.convert_underscores = convert_underscores
        self.description = description  # shown in /openapi.json and /docs
        self.title = title
        pattern = pattern if pattern is not None else regex
        if pattern is not None:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"pattern {pattern!r} is not a regular expression: {exc}") from None
        given = {"gt": gt, "ge": ge, "lt": lt, "le": le, "multiple_of": multiple_of,
                 "min_length": min_length, "max_length": max_length, "pattern": pattern,
                 "max_digits": max_digits, "decimal_places": decimal_places}
        self.constraints: Dict[str, Any] = {k: v for k, v in given.items() if v is not None}
        if source == "body" and (max_digits is not None or decimal_places is not None):
            raise TypeError("Body() got an option FasterAPI does not support: max_digits/decimal_places")
        for key in NUMERIC_CONSTRAINTS:
            value = self.constraints.get(key)
            if isinstance(value, decimal.Decimal):
                # The host takes int or float bounds; pydantic compares a Decimal exactly.
                value = self.constraints[key] = int(value) if value == value.to_integral_value() else float(value)
            if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
                raise TypeError(f"{key} must be a number, not {value!r}")
        for key in ("min_length", "max_length") + DECIMAL_CONSTRAINTS:
            value = self.constraints.get(key)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
                raise TypeError(f"{key} must be a non-negative int, not {value!r}")

    @property
    def required(self) -> bool:
        return self.default is Required

    def __repr__(self) -> str:
        return f"{self.source.title()}({self.default!r})"


def Query(default: Any = Required, **options: Any) -> Any:
    """A query-string parameter (the default for scalars not in the path)."""
    return ParamInfo("query", default, **options)


def Header(default: Any = Required, *, convert_underscores: bool = True, **options: Any) -> Any:
    """A header parameter; ``x_token`` reads ``x-token`` unless ``convert_underscores=False``."""
    return ParamInfo("header", default, convert_underscores=convert_underscores, **options)


def Cookie(default: Any = Required, **options: Any) -> Any:
    """A cookie of the request's ``Cookie`` header."""
    return ParamInfo("cookie", default, **options)


def Form(default: Any = Required, **options: Any) -> Any:
    """A field of a form body (urlencoded or multipart), parsed by the host."""
    return ParamInfo("form", default, **options)


def File(default: Any = Required, **options: Any) -> Any:
    """A file of a multipart form: ``bytes`` (its content) or ``UploadFile``."""
    return ParamInfo("file", default, **options)


def Path(default: Any = Required, **options: Any) -> Any:
    """A path parameter (always required)."""
    return ParamInfo("path", default, **options)


def Body(default: Any = Required, **options: Any) -> Any:
    """The JSON body."""
    return ParamInfo("body", default, **options)
