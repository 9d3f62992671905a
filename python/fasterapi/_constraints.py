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


def _digits_and_places(value: Decimal) -> tuple:
    """(digits, decimal places) of a Decimal as written, as pydantic counts them."""
    _, digits, exponent = value.as_tuple()
    if not isinstance(exponent, int):
        return 0, 0
    if exponent >= 0:
        return len(digits) + exponent, 0
    return max(len(digits), -exponent), -exponent


def _digits_problem(value: Decimal, c: Dict[str, Any]) -> Optional[tuple]:
    """``max_digits``, ``decimal_places`` and the whole digits they leave:
    broken only when the value breaks them both as written and normalized."""
    most, places = c.get("max_digits"), c.get("decimal_places")
    forms = (_digits_and_places(value), _digits_and_places(value.normalize()))

    def breaks(test: Any) -> bool:
        return all(test(d, p) for d, p in forms)
    if most is not None and breaks(lambda d, p: d > most):
        return ("decimal_max_digits", f"Decimal input should have no more than {most} digit{'s' if most != 1 else ''} "
                "in total", {"max_digits": most})
    if places is not None and breaks(lambda d, p: p > places):
        return ("decimal_max_places", f"Decimal input should have no more than {places} decimal "
                f"place{'s' if places != 1 else ''}", {"decimal_places": places})
    if most is not None and places is not None:
        whole = max(most - places, 0)
        if breaks(lambda d, p: d - p > whole):
            return ("decimal_whole_digits", f"Decimal input should have no more than {whole} "
                    f"digit{'s' if whole != 1 else ''} before the decimal point", {"whole_digits": whole})
    return None


def _problem(value: Any, c: Dict[str, Any], pattern: Optional[re.Pattern]) -> Optional[tuple]:
    if isinstance(value, Decimal) and ("max_digits" in c or "decimal_places" in c):
        problem = _digits_problem(value, c)
        if problem is not None:
            return problem
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


