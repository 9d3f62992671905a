"""pydantic's lax conversions of text into int, float and bool.

The same rules as the host's (`guest-sdk/lax`), checked against pydantic 2.14:
``" 42 "``, ``"+1"``, ``"1_000"`` and ``"1.0"`` are ints; ``"1."``, ``"1e3"``
and non-ASCII digits are not.
"""

_TRUE = frozenset(("1", "on", "t", "true", "y", "yes"))
_FALSE = frozenset(("0", "off", "f", "false", "n", "no"))


def parse_int(text: str) -> int:
    """Parses ``text`` as pydantic's lax int; raises ValueError."""
    stripped = text.strip()
    whole, dot, fraction = stripped.rpartition(".")
    if dot and fraction and set(fraction) == {"0"}:
        stripped = whole
    if not stripped.isascii() or "." in stripped:
        raise ValueError(text)
    return int(stripped)


def parse_float(text: str) -> float:
    """Parses ``text`` as pydantic's lax float (Python's ``float()``); raises ValueError."""
    if not text.isascii():
        raise ValueError(text)
    return float(text)


def parse_bool(text: str) -> bool:
    """Parses ``text`` as pydantic's lax bool (any case, no trimming); raises ValueError."""
    lowered = text.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError(text)
