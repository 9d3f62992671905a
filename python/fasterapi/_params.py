"""``Query()``, ``Header()``, ``Path()`` and ``Body()``: where a parameter comes from."""

from typing import Any, Optional

# FastAPI writes `Query(...)` or `Query()` for a required parameter.
Required: Any = ...


class ParamInfo:
    """The declared source, default and alias of one handler parameter."""

    def __init__(self, source: str, default: Any = Required, *, alias: Optional[str] = None,
                 convert_underscores: bool = True, description: Optional[str] = None,
                 **_docs: Any) -> None:
        self.source = source
        self.default = default
        self.alias = alias
        self.convert_underscores = convert_underscores
        self.description = description  # shown in /openapi.json and /docs

    @property
    def required(self) -> bool:
        return self.default is Required

    def __repr__(self) -> str:
        return f"{self.source.title()}({self.default!r})"


def Query(default: Any = Required, *, alias: Optional[str] = None, **docs: Any) -> Any:
    """A query-string parameter (the default for scalars not in the path)."""
    return ParamInfo("query", default, alias=alias, **docs)


def Header(default: Any = Required, *, alias: Optional[str] = None,
           convert_underscores: bool = True, **docs: Any) -> Any:
    """A header parameter; ``x_token`` reads ``x-token`` unless ``convert_underscores=False``."""
    return ParamInfo("header", default, alias=alias, convert_underscores=convert_underscores, **docs)


def Path(default: Any = Required, *, alias: Optional[str] = None, **docs: Any) -> Any:
    """A path parameter (always required)."""
    return ParamInfo("path", default, alias=alias, **docs)


def Body(default: Any = Required, **docs: Any) -> Any:
    """The JSON body."""
    return ParamInfo("body", default, **docs)
