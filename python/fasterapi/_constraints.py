"""pydantic's constraints (``gt``, ``ge``, ``lt``, ``le``, ``multiple_of``,
``min_length``, ``max_length``, ``pattern``) for values the guest validates
(bodies; the host checks parameters): the same order, messages and ``ctx``."""

import re
from decimal import Decimal
from typing import Any, Dict, List, Optional

from ._model import Validator

_BOUNDS = (
    ("le", "less_than_equal", "less than or equal to", lambda v, b: v > b),
    ("lt", "less_than", "less than", lambda v, b: v >= b),
    ("ge", "greater_than_equal", "greater than or equal to", lambda v, b: v < b),
    ("gt", "greater_than", "greater than", lambda v, b: v <= b),
)


def _number(bound: Any) -> str:
    """A bound as pydantic-core writes it in a message: ``2.0`` as ``2``."""
    if isinstance(bound, float) and bound.is_integer() and abs(bound) < 1e16:
        return str(int(bound))
    return str(bound)


def _entry(kind: str, loc: tuple, value: Any, msg: str, ctx: Dict[str, Any]) -> dict:
    return {"type": kind, "loc": list(loc), "msg": msg, "input": value, "ctx": ctx}


def _multiple(value: Any, step: Any) -> bool:
    if step == 0:
        return True
    if isinstance(value, int) and isinstance(step, int):
        return value % step == 0
    if isinstance(value, Decimal) or isinstance(step, Decimal):
        return Decimal(value) % Decimal(step) == 0  # exact, as pydantic checks a Decimal
    rem = value % step
    threshold = abs(value) / 1e9
    return abs(rem) <= threshold or abs(rem - step) <= threshold


def constrained(check: Validator, constraints: Dict[str, Any]) -> Validator:
    """``check`` followed by the constraints, on a value that passed it."""
    if not constraints:
        return check
    pattern: Optional[re.Pattern] = re.compile(constraints["pattern"]) if "pattern" in constraints else None

    def run(given: Any, loc: tuple, errors: List[dict]) -> Any:
        before = len(errors)
        value = check(given, loc, errors)
        if len(errors) > before or value is None:
            return value
        problem = _problem(value, constraints, pattern)
        if problem is not None:
            kind, msg, ctx = problem
            errors.append(_entry(kind, loc, given, msg, ctx))  # pydantic reports the input as given
        return value
    return run


def _problem(value: Any, c: Dict[str, Any], pattern: Optional[re.Pattern]) -> Optional[tuple]:
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        step = c.get("multiple_of")
        if step is not None and not _multiple(value, step):
            return "multiple_of", f"Input should be a multiple of {_number(step)}", {"multiple_of": step}
        for key, kind, words, breaks in _BOUNDS:
            bound = c.get(key)
            if bound is not None and value == value and breaks(value, bound):
                return kind, f"Input should be {words} {_number(bound)}", {key: bound}
    if isinstance(value, str):
        least, most = c.get("min_length"), c.get("max_length")
        if least is not None and len(value) < least:
            return ("string_too_short", f"String should have at least {least} character{'s' if least != 1 else ''}",
                    {"min_length": least})
        if most is not None and len(value) > most:
            return ("string_too_long", f"String should have at most {most} character{'s' if most != 1 else ''}",
                    {"max_length": most})
        if pattern is not None and not pattern.search(value):
            return ("string_pattern_mismatch", f"String should match pattern '{pattern.pattern}'",
                    {"pattern": pattern.pattern})
    return None


_KEYWORDS = {"gt": "exclusiveMinimum", "ge": "minimum", "lt": "exclusiveMaximum", "le": "maximum",
             "multiple_of": "multipleOf", "min_length": "minLength", "max_length": "maxLength", "pattern": "pattern"}


def add_schema_keywords(schema: dict, constraints: Dict[str, Any]) -> None:
    """Adds pydantic's JSON Schema keywords for the constraints to ``schema``
    (to the non-null branch of an ``Optional``, as pydantic places them)."""
    # A Decimal bound is a JSON number, as pydantic writes it.
    keywords = {_KEYWORDS[k]: float(v) if isinstance(v, Decimal) else v for k, v in constraints.items()
                if k in _KEYWORDS}
    if not keywords:
        return
    target = next((s for s in schema.get("anyOf", ()) if s.get("type") != "null"), schema)
    if target.get("type") == "string":  # a Decimal's output schema: no numeric keywords
        keywords = {k: v for k, v in keywords.items() if k in ("minLength", "maxLength", "pattern")}
    target.update(keywords)


