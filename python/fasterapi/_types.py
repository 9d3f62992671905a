"""pydantic's validation, JSON Schema and JSON serialization of the field
types beyond ``str``/``int``/``float``/``bool``/lists/dicts/models that
``_model`` handles itself. ``_model`` asks here before it gives up on a type.

Checked against pydantic 2.14 (tests/test_types.py). Dates, times and
durations follow pydantic-core's use of the ``speedate`` parser, error
messages included; URLs and e-mail addresses are simplified (see their
classes)."""

import datetime as _dt
import decimal
import enum
import math
import re
import types
import typing
import urllib.parse
import uuid
from typing import Any, Callable, Dict, List, Optional

from . import _lax

Validator = Callable[[Any, tuple, List[dict]], Any]

_MESSAGES = {
    "enum": "Input should be {expected}",
    "literal_error": "Input should be {expected}",
    "set_type": "Input should be a valid set",
    "frozen_set_type": "Input should be a valid frozenset",
    "tuple_type": "Input should be a valid tuple",
    "list_type": "Input should be a valid list",
    "dict_type": "Input should be a valid dictionary",
    "set_item_not_hashable": "Set items should be hashable",
    "missing": "Field required",
    "model_type": "Input should be a valid dictionary or instance of {class_name}",
    "too_long": "{field_type} should have at most {max_length} item{s} after validation, not {actual_length}",
    "datetime_type": "Input should be a valid datetime",
    "datetime_parsing": "Input should be a valid datetime, {error}",
    "datetime_from_date_parsing": "Input should be a valid datetime or date, {error}",
    "date_type": "Input should be a valid date",
    "date_parsing": "Input should be a valid date in the format YYYY-MM-DD, {error}",
    "date_from_datetime_parsing": "Input should be a valid date or datetime, {error}",
    "date_from_datetime_inexact": "Datetimes provided to dates should have zero time - e.g. be exact dates",
    "time_type": "Input should be a valid time",
    "time_parsing": "Input should be in a valid time format, {error}",
    "time_delta_type": "Input should be a valid timedelta",
    "time_delta_parsing": "Input should be a valid timedelta, {error}",
    "uuid_type": "UUID input should be a string, bytes or UUID object",
    "uuid_parsing": "Input should be a valid UUID, {error}",
    "decimal_type": "Decimal input should be an integer, float, string or Decimal object",
    "decimal_parsing": "Input should be a valid decimal",
    "finite_number": "Input should be a finite number",
    "bytes_type": "Input should be a valid bytes",
    "string_type": "Input should be a valid string",
    "url_type": "URL input should be a string or URL",
    "url_parsing": "Input should be a valid URL, {error}",
    "url_scheme": "URL scheme should be {expected_schemes}",
    "url_too_long": "URL should have at most {max_length} characters",
    "value_error": "value is not a valid email address: {reason}",
}


def _error(kind: str, loc: tuple, value: Any, **ctx: Any) -> dict:
    """An error object with pydantic's message; ``ctx`` as pydantic's JSON has it."""
    entry = {"type": kind, "loc": list(loc), "msg": _MESSAGES[kind].format(s="", **ctx), "input": value}
    if ctx:
        entry["ctx"] = ctx
    return entry


def _expected(values: list) -> str:
    """pydantic's list of choices: ``'a', 'b' or 'c'``."""
    texts = [repr(v) for v in values]
    return texts[0] if len(texts) == 1 else ", ".join(texts[:-1]) + " or " + texts[-1]


# --- enums and literals -----------------------------------------------------

def _enum_validator(cls: type) -> Validator:
    members = {m.value: m for m in cls}
    expected = _expected(list(members))
    parse = _lax.parse_int if issubclass(cls, int) else _lax.parse_float if issubclass(cls, float) else None

    def check(value: Any, loc: tuple, errors: List[dict]) -> Any:
        if isinstance(value, cls):
            return value
        key = value
        if parse is not None and isinstance(value, str):  # an int or float enum reads numbers in text
            try:
                key = parse(value)
            except ValueError:
                key = None
        try:
            found = members.get(key)
        except TypeError:  # unhashable
            found = None
        if found is None or isinstance(key, str) != isinstance(found.value, str):
            errors.append(_error("enum", loc, value, expected=expected))
            return value
        return found
    return check


def _literal_validator(values: tuple) -> Validator:
    texts = {v: v for v in values if isinstance(v, str)}
    others = {v: v for v in values if not isinstance(v, str)}
    expected = _expected(list(values))

    def check(value: Any, loc: tuple, errors: List[dict]) -> Any:
        try:
            found = (texts if isinstance(value, str) else others).get(value, check)
        except TypeError:
            found = check
        if found is check:
            errors.append(_error("literal_error", loc, value, expected=expected))
            return value
        return found
    return check


_JSON_TYPE = {str: "string", int: "integer", float: "number", bool: "boolean", type(None): "null"}


def _values_schema(values: list) -> dict:
    """``enum`` (or ``const``) with the JSON type all the values share."""
    schema: Dict[str, Any] = {"const": values[0]} if len(values) == 1 else {"enum": values}
    kinds = {_JSON_TYPE.get(type(v)) for v in values}
    if len(kinds) == 1 and None not in kinds:
        schema["type"] = kinds.pop()
    return schema


def _enum_schema(cls: type, defs: Dict[str, dict]) -> dict:
    name = cls.__name__
    if name not in defs:
        values = [m.value for m in cls]
        schema = {"enum": values, "title": name}
        kinds = {_JSON_TYPE.get(type(v)) for v in values}
        if len(kinds) == 1 and None not in kinds:
            schema["type"] = kinds.pop()
        doc = cls.__doc__
        if doc and doc != "An enumeration.":
            schema["description"] = _cleandoc(doc)
        defs[name] = schema
    return {"$ref": f"#/$defs/{name}"}


def _cleandoc(doc: str) -> str:
    lines = doc.expandtabs().splitlines()
    indent = min((len(l) - len(l.lstrip()) for l in lines[1:] if l.strip()), default=0)
    lines = [lines[0].strip()] + [l[indent:].rstrip() for l in lines[1:]]
    while lines and not lines[-1]:
        lines.pop()
    while lines and not lines[0]:
        lines.pop(0)
    return "\n".join(lines)


# --- unions -----------------------------------------------------------------

def _is_union(tp: Any) -> bool:
    return typing.get_origin(tp) is typing.Union or isinstance(tp, getattr(types, "UnionType", ()))


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and hasattr(tp, "_validate") and hasattr(tp, "__fields__")


def _tag(tp: Any) -> str:
    """The name pydantic gives a union member in an error's ``loc``."""
    if tp is Any or tp is object:
        return "any"
    if tp in _TAGS:
        return _TAGS[tp]
    if _is_union(tp):
        args = typing.get_args(tp)
        rest = [a for a in args if a is not type(None)]
        inner = _tag(rest[0]) if len(rest) == 1 else "union[" + ",".join(_tag(a) for a in rest) + "]"
        return f"nullable[{inner}]" if len(rest) < len(args) else inner
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is typing.Literal:
        return "literal[" + ",".join(repr(v) for v in args) + "]"
    if origin in (list, set, frozenset):
        return f"{origin.__name__}[{_tag(args[0]) if args else 'any'}]"
    if origin is dict:
        return f"dict[{_tag(args[0])},{_tag(args[1])}]"
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return f"tuple[{_tag(args[0])}, ...]"
        return "tuple[" + ", ".join(_tag(a) for a in args if a != ()) + "]"
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        for base, prefix in ((str, "str-"), (int, "int-"), (float, "float-")):
            if issubclass(tp, base):
                return f"{prefix}enum[{tp.__name__}]"
        return f"enum[{tp.__name__}]"
    return getattr(tp, "__name__", repr(tp))


def _rank(tp: Any) -> Callable[[Any], int]:
    """How well a value fits ``tp`` in pydantic's smart unions: 3 exact,
    2 strict (an int as a float), 1 lax (converted), 0 a model from a dict
    (pydantic prefers even a lax dict to it)."""
    if tp is float:
        return lambda v: 3 if type(v) is float else 2 if type(v) is int else 1
    if tp in (int, str, bool, bytes):
        return lambda v: 3 if type(v) is tp else 1
    if tp is Any or tp is object:
        return lambda v: 3
    if _is_model(tp):
        return lambda v: 3 if isinstance(v, tp) else 0
    origin, args = typing.get_origin(tp) or tp, typing.get_args(tp)
    if origin is typing.Literal:
        return lambda v: 3 if any(type(v) is type(a) and v == a for a in args) else 1
    if origin in (list, set, frozenset, tuple):
        variadic = origin is not tuple or (len(args) == 2 and args[1] is Ellipsis)
        item = _rank(args[0]) if args and variadic else (lambda v: 3)  # fixed tuples: the container decides
        return lambda v: min((item(x) for x in v), default=3) if type(v) is origin else 2 if type(v) is list else 1
    if origin is dict:
        item = _rank(args[1]) if args else (lambda v: 3)
        return lambda v: min((item(x) for x in v.values()), default=3) if type(v) is dict else 1
    if isinstance(tp, type):
        return lambda v: 3 if isinstance(v, tp) else 1
    return lambda v: 1


def _member(tp: Any, validator: Callable[[Any], Validator]) -> Validator:
    """A union member's validator; a model's says ``model_type`` as pydantic's does."""
    check = validator(tp)
    if not _is_model(tp):
        return check

    def model(value: Any, loc: tuple, errors: List[dict]) -> Any:
        if isinstance(value, (dict, tp)):
            return check(value, loc, errors)
        errors.append(_error("model_type", loc, value, class_name=tp.__name__))
        return value
    return model


def _union_validator(tp: Any, validator: Callable[[Any], Validator]) -> Validator:
    args = typing.get_args(tp)
    nullable = type(None) in args
    choices = [(_member(a, validator), _tag(a), _rank(a)) for a in args if a is not type(None)]

    def check(value: Any, loc: tuple, errors: List[dict]) -> Any:
        if value is None and nullable:
            return None
        best, best_rank, failures = None, -1, []
        for check_one, tag, rank in choices:
            found: List[dict] = []
            result = check_one(value, loc + (tag,), found)
            if found:
                failures.extend(found)
                continue
            fit = rank(value)
            if fit == 3:
                return result
            if fit > best_rank:
                best, best_rank = result, fit
        if best_rank >= 0:
            return best
        errors.extend(failures)
        return value
    return check


# --- containers -------------------------------------------------------------

_SEQUENCES = (list, tuple, set, frozenset)


def _collection_validator(kind: type, item: Validator) -> Validator:
    """``set``/``frozenset``/``tuple[X, ...]``/``list``: JSON arrays (and
    Python sequences and sets) item by item."""
    error_type = {set: "set_type", frozenset: "frozen_set_type", tuple: "tuple_type", list: "list_type"}[kind]
    hashed = kind in (set, frozenset)

    def check(value: Any, loc: tuple, errors: List[dict]) -> Any:
        if not isinstance(value, _SEQUENCES):
            errors.append(_error(error_type, loc, value))
            return value
        before = len(errors)
        items = []
        for i, v in enumerate(value):
            count = len(errors)
            items.append(item(v, loc + (i,), errors))
            if hashed and len(errors) == count and not _hashable(items[-1]):
                errors.append(_error("set_item_not_hashable", loc + (i,), v))
        return kind(items) if len(errors) == before else value
    return check


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def _fixed_tuple_validator(items: List[Validator]) -> Validator:
    size = len(items)

    def check(value: Any, loc: tuple, errors: List[dict]) -> Any:
        if not isinstance(value, _SEQUENCES):
            errors.append(_error("tuple_type", loc, value))
            return value
        values = list(value)
        if len(values) > size:
            errors.append(_error("too_long", loc, value, field_type="Tuple", max_length=size,
                                 actual_length=len(values)))
            if size != 1:
                errors[-1]["msg"] = errors[-1]["msg"].replace(" item after", " items after")
            return value
        before = len(errors)
        out = []
        for i, validate in enumerate(items):
            if i < len(values):
                out.append(validate(values[i], loc + (i,), errors))
            else:
                errors.append(_error("missing", loc + (i,), value))
        return tuple(out) if len(errors) == before else value
    return check


def _dict_validator(value: Any, loc: tuple, errors: List[dict]) -> Any:
    if isinstance(value, dict):
        return dict(value)
    errors.append(_error("dict_type", loc, value))
    return value


# --- dates, times and durations (speedate) ---------------------------------

class _Bad(ValueError):
    """A speedate parse error; its text is the one pydantic shows."""


class _YearZero(_Bad):
    """A date speedate reads that Python cannot hold: no fallback, as in pydantic."""


_TOO_SHORT = "input is too short"
_EXTRA = "unexpected extra characters at the end of the input"
_MS_WATERSHED = 20_000_000_000
_UNIX_0000 = -62_167_219_200
_UNIX_0001 = -62_135_596_800  # Python's dates start at year 1, speedate's at 0
_UNIX_9999 = 253_402_300_799
_EPOCH = _dt.datetime(1970, 1, 1)
_I64 = 2 ** 63


def _digit(b: bytes, i: int, what: str) -> int:
    if i < len(b) and 48 <= b[i] <= 57:
        return b[i] - 48
    raise _Bad(what)


def _parse_date(b: bytes) -> tuple:
    """``YYYY-MM-DD`` at the start of ``b``."""
    if len(b) < 10:
        raise _Bad(_TOO_SHORT)
    year = 0
    for i in range(4):
        year = year * 10 + _digit(b, i, "invalid character in year")
    if b[4] != 45:
        raise _Bad("invalid date separator, expected `-`")
    month = _digit(b, 5, "invalid character in month") * 10 + _digit(b, 6, "invalid character in month")
    if b[7] != 45:
        raise _Bad("invalid date separator, expected `-`")
    day = _digit(b, 8, "invalid character in day") * 10 + _digit(b, 9, "invalid character in day")
    if not 1 <= month <= 12:
        raise _Bad("month value is outside expected range of 1-12")
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    days = (31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)[month - 1]
    if not 1 <= day <= days:
        raise _Bad("day value is outside expected range")
    if year == 0:  # speedate has a year 0, Python's dates do not: pydantic fails converting
        raise _YearZero("year 0 is out of range")
    return year, month, day


def _parse_pure_time(b: bytes, at: int) -> tuple:
    """``HH:MM[:SS[.ffffff]]`` at ``at``: (hour, minute, second, micro, end)."""
    if len(b) - at < 5:
        raise _Bad(_TOO_SHORT)
    hour = _digit(b, at, "invalid character in hour") * 10 + _digit(b, at + 1, "invalid character in hour")
    if b[at + 2] != 58:
        raise _Bad("invalid time separator, expected `:`")
    minute = _digit(b, at + 3, "invalid character in minute") * 10 + _digit(b, at + 4, "invalid character in minute")
    if hour > 23:
        raise _Bad("hour value is outside expected range of 0-23")
    if minute > 59:
        raise _Bad("minute value is outside expected range of 0-59")
    end, second, micro = at + 5, 0, 0
    if b[end:end + 1] == b":":
        second = _digit(b, at + 6, "invalid character in second") * 10 + _digit(b, at + 7, "invalid character in second")
        if second > 59:
            raise _Bad("second value is outside expected range of 0-59")
        end = at + 8
        if b[end:end + 1] in (b".", b","):
            end += 1
            start = end
            while end < len(b) and 48 <= b[end] <= 57:
                end += 1
            if end == start:
                raise _Bad("second fraction digits missing after `.`")
            micro = int(b[start:min(end, start + 6)].ljust(6, b"0"))  # past 6 digits: truncated
    return hour, minute, second, micro, end


def _parse_offset(b: bytes, at: int) -> Optional[int]:
    """``Z`` or ``±HH[:]MM`` from ``at`` to the end; seconds east of UTC."""
    if at >= len(b):
        return None
    if b[at] in b"Zz":
        offset, at = 0, at + 1
    else:
        if b[at:at + 1] in (b"+", b"-"):
            sign, at = (1 if b[at] == 43 else -1), at + 1
        elif b[at:at + 3] == "\u2212".encode():
            sign, at = -1, at + 3
        else:
            raise _Bad("invalid timezone sign")
        hours = _digit(b, at, "invalid timezone hour") * 10 + _digit(b, at + 1, "invalid timezone hour")
        at += 3 if b[at + 2:at + 3] == b":" else 2
        if b[at:at + 1] == b"" or not 48 <= b[at] <= 57:
            raise _Bad("invalid timezone minute")
        minutes = _digit(b, at, "invalid timezone minute") * 10 + _digit(b, at + 1, "invalid timezone minute")
        if minutes > 59:
            raise _Bad("timezone minute value is outside expected range of 0-59")
        offset = sign * (hours * 3600 + minutes * 60)
        if abs(offset) >= 86400:
            raise _Bad("timezone offset must be less than 24 hours")
        at += 2
    if at < len(b):
        raise _Bad(_EXTRA)
    return offset


def _zone(offset: Optional[int]) -> Optional[_dt.tzinfo]:
    if offset is None:
        return None
    return _dt.timezone.utc if offset == 0 else _dt.timezone(_dt.timedelta(seconds=offset))


def _parse_time(b: bytes) -> _dt.time:
    hour, minute, second, micro, end = _parse_pure_time(b, 0)
    return _dt.time(hour, minute, second, micro, tzinfo=_zone(_parse_offset(b, end)))


def _parse_datetime_rfc3339(b: bytes) -> _dt.datetime:
    year, month, day = _parse_date(b)
    if b[10:11] not in (b"T", b"t", b" ", b"_"):
        raise _Bad("invalid datetime separator, expected `T`, `t`, `_` or space")
    hour, minute, second, micro, end = _parse_pure_time(b, 11)
    return _dt.datetime(year, month, day, hour, minute, second, micro, tzinfo=_zone(_parse_offset(b, end)))


_INT = re.compile(rb"[-+]?[0-9]+")
_FLOAT = re.compile(rb"[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")


def _number(b: bytes) -> Any:
    """speedate's number in text: an int (i64), a float (with a ``.``), or None."""
    if _INT.fullmatch(b):
        number = int(b)
        return number if -_I64 < number < _I64 else None
    if _FLOAT.fullmatch(b) and len(b.split(b".")[0].lstrip(b"+-")) <= 18:
        return float(b)
    return None


def _from_timestamp(seconds: int, micro: int) -> _dt.datetime:
    """speedate's unix timestamp (in milliseconds past 2e10), in UTC."""
    if abs(seconds) > _MS_WATERSHED:
        if seconds <= -_I64:
            raise _Bad("dates before 0000 are not supported as unix timestamps")
        seconds, extra = divmod(seconds, 1000) if seconds >= 0 else (-(-seconds // 1000), -(-seconds % 1000))
        micro += extra * 1000
        if micro < 0:
            seconds, micro = seconds - 1, micro + 1_000_000
    seconds, micro = seconds + micro // 1_000_000, micro % 1_000_000
    if seconds < _UNIX_0000 or seconds < _UNIX_0001:
        raise _Bad("dates before 0000 are not supported as unix timestamps")
    if seconds > _UNIX_9999:
        raise _Bad("dates after 9999 are not supported as unix timestamps")
    return (_EPOCH + _dt.timedelta(seconds=seconds, microseconds=micro)).replace(tzinfo=_dt.timezone.utc)


def _float_timestamp(number: float) -> _dt.datetime:
    """pydantic-core's float timestamp: whole seconds and rounded microseconds."""
    if math.isnan(number):
        raise _Bad("NaN values not permitted")
    if math.isinf(number):
        raise _Bad("dates after 9999 are not supported as unix timestamps" if number > 0 else
                   "dates before 0000 are not supported as unix timestamps")
    whole = math.floor(number)
    return _from_timestamp(whole, round((number - whole) * 1_000_000))


def _text_datetime(b: bytes) -> _dt.datetime:
    """speedate's ``DateTime::parse_bytes``: RFC 3339, else a number."""
    try:
        return _parse_datetime_rfc3339(b)
    except _Bad as problem:
        number = _number(b)
        if number is None:
            raise problem
    if isinstance(number, int):
        return _from_timestamp(number, 0)
    if abs(number) > _MS_WATERSHED:
        number /= 1000
    whole = math.floor(number)
    return _from_timestamp(whole, round((number - whole) * 1_000_000))


def _text_date(b: bytes) -> _dt.date:
    """speedate's ``Date::parse_bytes``: ``YYYY-MM-DD``, else an exact int timestamp."""
    try:
        found = _parse_date(b)
        if len(b) > 10:
            raise _Bad(_EXTRA)
        return _dt.date(*found)
    except _Bad as problem:
        if not _INT.fullmatch(b) or _number(b) is None:
            raise problem
    stamp = _from_timestamp(int(b), 0) if abs(int(b)) <= _MS_WATERSHED else None
    if stamp is None or stamp.time() != _dt.time(0):
        raise _Bad("Timestamp is not an exact date") if stamp is not None else _Bad(_TOO_SHORT)
    return stamp.date()


def _to_datetime(value: Any) -> _dt.datetime:
    """pydantic-core's lax datetime of a non-datetime input; raises _Bad or TypeError."""
    if isinstance(value, str):
        return _text_datetime(value.encode())
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(value)
    if isinstance(value, int) and -_I64 <= value < _I64:
        return _from_timestamp(value, 0)
    return _float_timestamp(float(value))


def _validate_datetime(value: Any, loc: tuple, errors: List[dict]) -> Any:
    if isinstance(value, _dt.datetime):
        return value
    if isinstance(value, _dt.date):
        return _dt.datetime(value.year, value.month, value.day)
    try:
        return _to_datetime(value)
    except TypeError:
        errors.append(_error("datetime_type", loc, value))
    except _Bad as problem:
        if not isinstance(value, str) or isinstance(problem, _YearZero):
            errors.append(_error("datetime_parsing", loc, value, error=str(problem)))
            return value
        try:  # a date is a datetime at midnight
            found = _text_date(value.encode())
            return _dt.datetime(found.year, found.month, found.day)
        except _Bad as date_problem:
            errors.append(_error("datetime_from_date_parsing", loc, value, error=str(date_problem)))
    return value


def _validate_date(value: Any, loc: tuple, errors: List[dict]) -> Any:
    if isinstance(value, _dt.datetime):
        stamp = value
    elif isinstance(value, _dt.date):
        return value
    else:
        try:
            return _text_date(value.encode()) if isinstance(value, str) else _no_date(value)
        except _YearZero as problem:
            errors.append(_error("date_parsing", loc, value, error=str(problem)))
            return value
        except (_Bad, TypeError):
            pass
        try:  # a datetime at midnight is a date
            stamp = _to_datetime(value)
        except TypeError:
            errors.append(_error("date_type", loc, value))
            return value
        except _Bad as problem:
            errors.append(_error("date_from_datetime_parsing", loc, value, error=str(problem)))
            return value
    if stamp.time() != _dt.time(0):
        errors.append(_error("date_from_datetime_inexact", loc, value))
        return value
    return stamp.date()


def _no_date(value: Any) -> Any:
    raise TypeError(value)


def _validate_time(value: Any, loc: tuple, errors: List[dict]) -> Any:
    if isinstance(value, _dt.time):
        return value
    try:
        if isinstance(value, str):
            return _parse_time(value.encode())
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return _number_time(value)
        errors.append(_error("time_type", loc, value))
    except _Bad as problem:
        errors.append(_error("time_parsing", loc, value, error=str(problem)))
    return value


def _number_time(number: Any) -> _dt.time:
    """Seconds since midnight, in UTC, as pydantic-core reads them."""
    if isinstance(number, float) and math.isnan(number):
        raise _Bad("NaN values not permitted")
    if number < 0:
        raise _Bad("time in seconds should be positive")
    if number >= 86400:
        raise _Bad("numeric times may not exceed 86,399 seconds")
    whole = math.floor(number)
    micro = round((number - whole) * 1_000_000)
    whole, micro = whole + micro // 1_000_000, micro % 1_000_000
    if whole >= 86400:
        raise _Bad("numeric times may not exceed 86,399 seconds")
    return _dt.time(whole // 3600, whole // 60 % 60, whole % 60, micro, tzinfo=_dt.timezone.utc)


_U32 = 2 ** 32


def _checked(number: int) -> int:
    if number >= _U32:
        raise _Bad("a numeric value in the duration is too large")
    return number


def _duration_number(b: bytes, at: int) -> tuple:
    """Digits from ``at``: (value, end)."""
    end = at
    while end < len(b) and 48 <= b[end] <= 57:
        end += 1
    if end == at:
        raise _Bad("invalid digit in duration")
    return _checked(int(b[at:end])), end


_DATE_UNITS = {ord("Y"): 365, ord("M"): 30, ord("W"): 7, ord("D"): 1}
_TIME_UNITS = {ord("H"): 3600, ord("M"): 60, ord("S"): 1}


def _parse_iso_duration(b: bytes) -> tuple:
    """The part after ``P``: (days, seconds, microseconds)."""
    day = second = micro = 0
    got_t = fraction_seen = False
    at = 0
    while at < len(b):
        if b[at] == 84:  # T
            if got_t:
                raise _Bad("`t` character repeated in duration")
            got_t = True
            at += 1
            continue
        value, at = _duration_number(b, at)
        fraction = None
        if b[at:at + 1] in (b".", b","):
            start = at = at + 1
            while at < len(b) and 48 <= b[at] <= 57:
                at += 1
            fraction = int(b[start:at]) / 10 ** (at - start) if at > start else 0.0
        if fraction_seen:
            raise _Bad("quantity fraction invalid in duration")
        fraction_seen = fraction is not None
        units = _TIME_UNITS if got_t else _DATE_UNITS
        mult = units.get(b[at] if at < len(b) else -1)
        if mult is None:
            raise _Bad("quantity invalid in time part of duration" if got_t else
                       "quantity invalid in date part of duration")
        if got_t:
            second = _checked(second + _checked(mult * value))
            if fraction is not None:
                extra = fraction * mult
                second = _checked(second + int(extra))
                micro = _checked(micro + round((extra - int(extra)) * 1_000_000))
        else:
            day = _checked(day + _checked(value * mult))
            if fraction is not None:
                extra = fraction * mult
                day = _checked(day + int(extra))
                seconds = (extra - int(extra)) * 86400
                second = _checked(second + int(seconds))
                micro += round((seconds - int(seconds)) * 1_000_000)
        at += 1
    if at < 2:
        raise _Bad(_TOO_SHORT)
    return day, second, micro


def _parse_clock_duration(b: bytes) -> tuple:
    """``[H]H:MM[:SS[.ffffff]]`` with any number of hours."""
    if len(b) < 5:
        raise _Bad(_TOO_SHORT)
    hours, colon, rest = b.partition(b":")
    if not colon:
        raise _Bad("invalid character in hour")
    if len(hours) > 10:
        raise _Bad("durations may not exceed 999,999,999 hours")
    if not all(48 <= c <= 57 for c in hours):
        raise _Bad("invalid character in hour")
    hour = int(hours or b"0")
    if hour > 24 * 10 ** 8:
        raise _Bad("durations may not exceed 999,999,999 hours")
    text = b"00:" + rest[:12]
    _, minute, second, micro, end = _parse_pure_time(text, 0)
    if len(text) > end:
        raise _Bad(_EXTRA)
    return hour // 24, hour % 24 * 3600 + minute * 60 + second, micro


_DAYS = re.compile(rb"( ?[dD])(ays|ay|AYS|AY)?")


def _parse_days_duration(b: bytes) -> tuple:
    """``N d[ays][,] [HH:MM[:SS]]``."""
    if not b:
        raise _Bad(_TOO_SHORT)
    day, at = _duration_number(b, 0)
    found = _DAYS.match(b, at)
    if found is None:
        raise _Bad('"day" identifier in duration not correctly formatted')
    rest = b[found.end():]
    if rest[:1] in (b"a", b"A"):
        raise _Bad('"day" identifier in duration not correctly formatted')
    for prefix in (b", ", b",", b" "):
        if rest.startswith(prefix):
            rest = rest[len(prefix):]
            break
    if not rest:
        return day, 0, 0
    days, second, micro = _parse_clock_duration(rest)
    if days:
        raise _Bad("durations may not exceed 999,999,999 hours")
    return day, second, micro


def _parse_duration(b: bytes) -> _dt.timedelta:
    """speedate's ``Duration::parse_bytes``: ISO 8601, ``1 day, 10:00:00`` or ``HH:MM:SS``."""
    sign = -1 if b[:1] == b"-" else 1
    if b[:1] in (b"-", b"+"):
        b = b[1:]
    if not b:
        raise _Bad(_TOO_SHORT)
    if b[:1] == b"P":
        day, second, micro = _parse_iso_duration(b[1:])
    elif b"d" in b or b"D" in b or len(b) < 5:
        day, second, micro = _parse_days_duration(b)
    else:
        day, second, micro = _parse_clock_duration(b)
    second += micro // 1_000_000
    day += second // 86400
    if day > 999_999_999:
        raise _Bad("durations may not exceed 999,999,999 days")
    return sign * _dt.timedelta(days=day, seconds=second % 86400, microseconds=micro % 1_000_000)


def _validate_timedelta(value: Any, loc: tuple, errors: List[dict]) -> Any:
    if isinstance(value, _dt.timedelta):
        return value
    try:
        if isinstance(value, str):
            return _parse_duration(value.encode())
        if isinstance(value, (int, float)):
            if isinstance(value, float) and not math.isfinite(value):
                raise _Bad("NaN values not permitted" if math.isnan(value) else "a numeric value in the duration is too large")
            return _dt.timedelta(seconds=value)
        errors.append(_error("time_delta_type", loc, value))
    except OverflowError:
        errors.append(_error("time_delta_parsing", loc, value, error="durations may not exceed 999,999,999 days"))
    except _Bad as problem:
        errors.append(_error("time_delta_parsing", loc, value, error=str(problem)))
    return value


# --- UUID, Decimal, bytes ---------------------------------------------------

_HEX = frozenset(b"0123456789abcdefABCDEF")
_GROUPS = (8, 4, 4, 4, 12)


def _uuid_problem(text: str) -> str:
    """The ``uuid`` crate's reason why ``text`` is not a UUID."""
    offset, body, simple = 0, text, True
    if len(text) >= 2 and text[0] == "{" and text[-1] == "}":
        offset, body, simple = 1, text[1:-1], False
    elif text.startswith("urn:uuid:"):
        offset, body, simple = 9, text[9:], False
    for i, c in enumerate(body):
        if c != "-" and (ord(c) > 127 or ord(c) not in _HEX):
            return f"invalid character: found `{c}` at {i + offset}"
    groups = body.split("-")
    if len(groups) == 1 and simple:
        return f"invalid length: found {len(body)}"
    if len(groups) != 5:
        return f"invalid group count: expected 5, found {len(groups)}"
    for i, (group, size) in enumerate(zip(groups, _GROUPS)):
        if len(group) != size:
            return f"invalid group length in group {i}: expected {size}, found {len(group)}"
    return "invalid UUID"


def _parse_uuid(text: str) -> Optional[uuid.UUID]:
    body = text[1:-1] if text[:1] == "{" and text[-1:] == "}" else text[9:] if text.startswith("urn:uuid:") else text
    if len(body) == 36 and all(body[i] == "-" for i in (8, 13, 18, 23)):
        body = body[:8] + body[9:13] + body[14:18] + body[19:23] + body[24:]
    elif len(body) != 32 or body is not text:
        return None
    if len(body) != 32 or not all(ord(c) < 128 and ord(c) in _HEX for c in body):
        return None
    return uuid.UUID(hex=body)


def _validate_uuid(value: Any, loc: tuple, errors: List[dict]) -> Any:
    if isinstance(value, uuid.UUID):
        return value
    if isinstance(value, (bytes, bytearray)) and len(value) == 16:
        return uuid.UUID(bytes=bytes(value))
    if isinstance(value, (bytes, bytearray)):
        value = bytes(value).decode("utf-8", "replace")
    if not isinstance(value, str):
        errors.append(_error("uuid_type", loc, value))
        return value
    found = _parse_uuid(value)
    if found is None:
        errors.append(_error("uuid_parsing", loc, value, error=_uuid_problem(value)))
        return value
    return found


def _validate_decimal(value: Any, loc: tuple, errors: List[dict]) -> Any:
    if isinstance(value, bool) or not isinstance(value, (decimal.Decimal, str, int, float)):
        errors.append(_error("decimal_type", loc, value))
        return value
    try:
        found = value if isinstance(value, decimal.Decimal) else decimal.Decimal(
            value.strip() if isinstance(value, str) else repr(value) if isinstance(value, float) else value)
    except (decimal.InvalidOperation, ValueError):
        errors.append(_error("decimal_parsing", loc, value))
        return value
    if not found.is_finite():
        errors.append(_error("finite_number", loc, value))
        return value
    return found


def _validate_bytes(value: Any, loc: tuple, errors: List[dict]) -> Any:
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode()
    if isinstance(value, bytearray):
        return bytes(value)
    errors.append(_error("bytes_type", loc, value))
    return value


# --- URLs and e-mail addresses ----------------------------------------------

_SPECIAL_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443, "ftp": 21, "file": None}
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
_FORBIDDEN_HOST = frozenset(" #%/:<>?@[\\]^|\t\n\r")
_PRINTABLE = frozenset(chr(c) for c in range(0x21, 0x7F))
_PATH_SAFE = _PRINTABLE - set('"#<>?`{}')
_QUERY_SAFE = _PRINTABLE - set("\"#<>'")
_FRAGMENT_SAFE = _PRINTABLE - set('"<>`')


def _quote(text: str, safe: frozenset) -> str:
    return "".join(c if c in safe else "".join(f"%{b:02X}" for b in c.encode()) for c in text)


def _url_host(host: str) -> str:
    if host.startswith("[") and host.endswith("]"):
        return host.lower()
    if any(c in _FORBIDDEN_HOST for c in host):
        raise _Bad("invalid international domain name")
    host = host.lower()
    if host.isascii():
        return host
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        raise _Bad("invalid international domain name") from None


def _split_port(hostport: str) -> tuple:
    if hostport.startswith("["):
        end = hostport.find("]") + 1
        return hostport[:end], hostport[end + 1:] if hostport[end:end + 1] == ":" else ""
    host, colon, port = hostport.rpartition(":")
    return (host, port) if colon else (hostport, "")


def _normalise_url(text: str) -> str:
    """The URL as pydantic (the WHATWG rules of the ``url`` crate) writes it,
    for the common cases: lower-case scheme and host, IDNA host, default
    port dropped, ``/`` for an empty path, spaces and non-ASCII percent-encoded.
    Simplified: no IPv4 number forms, no ``.``/``..`` path segments, IDNA 2003."""
    text = text.strip("".join(chr(c) for c in range(0x21))).replace("\t", "").replace("\n", "").replace("\r", "")
    if not text:
        raise _Bad("input is empty")
    found = _SCHEME.match(text)
    if found is None:
        raise _Bad("relative URL without a base")
    scheme, rest = found.group()[:-1].lower(), text[found.end():]
    if scheme not in _SPECIAL_PORTS:
        return scheme + ":" + rest
    rest = rest.replace("\\", "/")
    rest = rest[2:] if scheme == "file" and rest.startswith("//") else rest.lstrip("/")
    end = min([i for i in (rest.find("/"), rest.find("?"), rest.find("#")) if i >= 0] or [len(rest)])
    authority, tail = rest[:end], rest[end:]
    userinfo, at, hostport = authority.rpartition("@")
    host, port = _split_port(hostport)
    if port and (not port.isascii() or not port.isdigit() or int(port) > 65535):
        raise _Bad("invalid port number")
    if not host and scheme != "file":
        raise _Bad("empty host")
    port_text = "" if not port or int(port) == _SPECIAL_PORTS[scheme] else f":{int(port)}"
    tail, hash_, fragment = tail.partition("#")
    path, question, query = tail.partition("?")
    url = f"{scheme}://{userinfo}{at}{_url_host(host)}{port_text}{_quote(path or '/', _PATH_SAFE)}"
    return url + question + _quote(query, _QUERY_SAFE) + hash_ + _quote(fragment, _FRAGMENT_SAFE)


class AnyUrl(str):
    """pydantic's ``AnyUrl``: any scheme. The value is the normalised URL
    text (a ``str``, where pydantic has a URL object with the same ``str()``);
    ``scheme``, ``host``, ``port``, ``path``, ``query`` and ``fragment`` as
    pydantic's."""

    allowed_schemes: Optional[tuple] = None
    max_length: Optional[int] = None

    @property
    def scheme(self) -> str:
        return self.split(":", 1)[0]

    def _parts(self) -> Any:
        return urllib.parse.urlsplit(self)

    @property
    def host(self) -> Optional[str]:
        return self._parts().hostname

    @property
    def port(self) -> Optional[int]:
        parts = self._parts()
        return parts.port if parts.port is not None else _SPECIAL_PORTS.get(parts.scheme)

    @property
    def path(self) -> Optional[str]:
        return self._parts().path or None

    @property
    def query(self) -> Optional[str]:
        return self._parts().query or None

    @property
    def fragment(self) -> Optional[str]:
        return self._parts().fragment or None


class HttpUrl(AnyUrl):
    """pydantic's ``HttpUrl``: ``http`` or ``https``, at most 2083 characters."""

    allowed_schemes = ("http", "https")
    max_length = 2083


def _url_validator(cls: type) -> Validator:
    expected = _expected(list(cls.allowed_schemes)) if cls.allowed_schemes else None

    def check(value: Any, loc: tuple, errors: List[dict]) -> Any:
        if isinstance(value, cls):
            return value
        if not isinstance(value, str):
            errors.append(_error("url_type", loc, value))
            return value
        if cls.max_length is not None and len(value) > cls.max_length:
            errors.append(_error("url_too_long", loc, value, max_length=cls.max_length))
            return value
        try:
            url = _normalise_url(value)
        except _Bad as problem:
            errors.append(_error("url_parsing", loc, value, error=str(problem)))
            return value
        if expected is not None and url.split(":", 1)[0] not in cls.allowed_schemes:
            errors.append(_error("url_scheme", loc, value, expected_schemes=expected))
            return value
        return cls(url)
    return check


class EmailStr(str):
    """pydantic's ``EmailStr`` (which uses the ``email-validator`` package):
    ``Name <addr>`` accepted, the domain lower-cased. Simplified: the
    common syntax rules only (no quoted local parts, no IP-literal domains,
    no Unicode normalisation, no per-label length limits)."""


_NAME_CHARS = r"[\w.!#$%&'*+\-/=?^_`{|}~]"
_PRETTY_EMAIL = re.compile(rf"\s*(?:((?:{_NAME_CHARS}+\s+)*{_NAME_CHARS}+)|\"((?:[^\"]|\")+)\")?\s*<(.+)>\s*")
_ATEXT = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-/=?^_`{|}~.")
_CHAR_NAMES = {" ": "SPACE", "\t": "CHARACTER TABULATION", "\x00": "NULL"}
_SPECIAL_DOMAINS = ("arpa", "invalid", "local", "localhost", "onion", "test")


def _bad_chars(chars: set) -> str:
    return ", ".join(sorted(_CHAR_NAMES.get(c, repr(c)) for c in chars))


def _check_dots(part: str, first: str, last: str) -> None:
    if part.startswith("."):
        raise _Bad(first)
    if part.endswith("."):
        raise _Bad(last)
    if ".." in part:
        raise _Bad("An email address cannot have two periods in a row.")


def _email(text: str) -> str:
    """The normalised address, or _Bad with email-validator's reason."""
    if len(text) > 2048:
        raise _Bad("Length must not exceed 2048 characters")
    if "\r" in text or "\n" in text:
        raise _Bad("Carriage return and line feed characters are not allowed")
    pretty = _PRETTY_EMAIL.fullmatch(text)
    email = (pretty.group(3) if pretty else text).strip()
    if "<" in email and not email.endswith(">"):
        raise _Bad("An open angle bracket at the start of the email address has to be followed by a close angle "
                   "bracket at the end.")
    local, at, domain = email.partition("@")
    if not at:
        raise _Bad("An email address must have an @-sign.")
    if not local:
        raise _Bad("There must be something before the @-sign.")
    if not domain:
        raise _Bad("There must be something after the @-sign.")
    bad = {c for c in local if c not in _ATEXT and (c.isascii() or not c.isprintable() or c.isspace())}
    if bad:
        raise _Bad(f"The email address contains invalid characters before the @-sign: {_bad_chars(bad)}.")
    _check_dots(local, "An email address cannot start with a period.",
                "An email address cannot have a period immediately before the @-sign.")
    return local + "@" + _email_domain(domain)


def _email_domain(domain: str) -> str:
    bad = {c for c in domain if not (c.isalnum() or c in "-.") or (c.isascii() and not (c.isalnum() or c in "-."))}
    if bad:
        raise _Bad(f"The part after the @-sign contains invalid characters: {_bad_chars(bad)}.")
    domain = domain.lower()
    _check_dots(domain, "An email address cannot have a period immediately after the @-sign.",
                "An email address cannot end with a period.")
    for label in domain.split("."):
        if label.startswith("-"):
            raise _Bad("An email address cannot have a hyphen immediately after the @-sign." if domain.startswith(label)
                       else "An email address cannot have a period and a hyphen next to each other.")
        if label.endswith("-"):
            raise _Bad("An email address cannot end with a hyphen." if domain.endswith(label)
                       else "An email address cannot have a period and a hyphen next to each other.")
    if "." not in domain:
        raise _Bad("The part after the @-sign is not valid. It should have a period.")
    if domain.rsplit(".", 1)[1] in _SPECIAL_DOMAINS or domain in _SPECIAL_DOMAINS:
        raise _Bad("The part after the @-sign is a special-use or reserved name that cannot be used with email.")
    return domain


def _validate_email(value: Any, loc: tuple, errors: List[dict]) -> Any:
    if not isinstance(value, str):
        errors.append(_error("string_type", loc, value))
        return value
    try:
        return _email(value)
    except _Bad as problem:
        errors.append(_error("value_error", loc, value, reason=str(problem)))
        return value


# --- the hooks --------------------------------------------------------------

_TAGS = {int: "int", str: "str", float: "float", bool: "bool", bytes: "bytes", type(None): "none",
         _dt.datetime: "datetime", _dt.date: "date", _dt.time: "time", _dt.timedelta: "timedelta",
         uuid.UUID: "uuid", decimal.Decimal: "decimal", HttpUrl: "function-wrap[wrap_val()]",
         AnyUrl: "function-wrap[wrap_val()]", EmailStr: "function-after[_validate(), str]",
         list: "list[any]", dict: "dict[any,any]", set: "set[any]", frozenset: "frozenset[any]",
         tuple: "tuple[any, ...]"}

_VALIDATORS = {_dt.datetime: _validate_datetime, _dt.date: _validate_date, _dt.time: _validate_time,
               _dt.timedelta: _validate_timedelta, uuid.UUID: _validate_uuid, decimal.Decimal: _validate_decimal,
               bytes: _validate_bytes, EmailStr: _validate_email, dict: _dict_validator,
               HttpUrl: _url_validator(HttpUrl), AnyUrl: _url_validator(AnyUrl)}

_ANY: Validator = lambda value, loc, errors: value  # noqa: E731


def validator_for(tp: Any, validator: Callable[[Any], Validator]) -> Optional[Validator]:
    """The validator of ``tp`` (``validator`` builds those of its members),
    or ``None`` when ``tp`` is not one of this module's types."""
    found = _VALIDATORS.get(tp)
    if found is not None:
        return found
    if tp in (list, set, frozenset, tuple):
        return _collection_validator(tp, _ANY)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return _enum_validator(tp)
    if _is_union(tp):
        return _union_validator(tp, validator)
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is typing.Literal:
        return _literal_validator(args)
    if origin in (set, frozenset):
        return _collection_validator(origin, validator(args[0]) if args else _ANY)
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return _collection_validator(tuple, validator(args[0]))
        return _fixed_tuple_validator([validator(a) for a in args if a != ()])
    return None


_SCHEMAS = {
    _dt.datetime: {"type": "string", "format": "date-time"}, _dt.date: {"type": "string", "format": "date"},
    _dt.time: {"type": "string", "format": "time"}, _dt.timedelta: {"type": "string", "format": "duration"},
    uuid.UUID: {"type": "string", "format": "uuid"},
    decimal.Decimal: {"anyOf": [{"type": "number"}, {"type": "string"}]},
    bytes: {"type": "string", "format": "binary"},
    HttpUrl: {"type": "string", "format": "uri", "minLength": 1, "maxLength": 2083},
    AnyUrl: {"type": "string", "format": "uri", "minLength": 1},
    EmailStr: {"type": "string", "format": "email"},
    list: {"type": "array", "items": {}}, tuple: {"type": "array", "items": {}},
    set: {"type": "array", "items": {}, "uniqueItems": True},
    frozenset: {"type": "array", "items": {}, "uniqueItems": True},
    dict: {"type": "object", "additionalProperties": True},
}


def schema_for(tp: Any, defs: Dict[str, dict], json_schema: Callable[[Any, Dict[str, dict]], dict]) -> Optional[dict]:
    """The JSON Schema of ``tp`` as pydantic writes it (``json_schema``
    gives its members'), or ``None`` when ``tp`` is not one of this module's types."""
    if tp in _SCHEMAS:
        return _copy(_SCHEMAS[tp])
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return _enum_schema(tp, defs)
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if _is_union(tp):
        members: List[dict] = []
        for schema in [json_schema(a, defs) for a in args if a is not type(None)]:
            for one in schema["anyOf"] if list(schema) == ["anyOf"] else [schema]:
                if one not in members:
                    members.append(one)
        return {"anyOf": members + [{"type": "null"}] * (type(None) in args)}
    if origin is typing.Literal:
        return _values_schema(list(args))
    if origin in (set, frozenset):
        return {"type": "array", "items": json_schema(args[0] if args else Any, defs), "uniqueItems": True}
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return {"type": "array", "items": json_schema(args[0], defs)}
        items = [json_schema(a, defs) for a in args if a != ()]
        schema: Dict[str, Any] = {"type": "array", "minItems": len(items), "maxItems": len(items)}
        if items:
            schema["prefixItems"] = items
        return schema
    return None


def _copy(schema: Any) -> Any:
    """A fresh copy: callers add ``title`` and ``default`` to what they get."""
    if isinstance(schema, dict):
        return {k: _copy(v) for k, v in schema.items()}
    if isinstance(schema, list):
        return [_copy(v) for v in schema]
    return schema


def _offset(value: Any) -> str:
    """pydantic's UTC offset: ``Z``, or ``±HH:MM`` (seconds dropped)."""
    delta = value.utcoffset()
    if delta is None:
        return ""
    seconds = int(delta.total_seconds())
    if seconds == 0:
        return "Z"
    sign, seconds = ("-", -seconds) if seconds < 0 else ("+", seconds)
    return f"{sign}{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


def _clock(value: Any) -> str:
    text = f"{value.hour:02d}:{value.minute:02d}:{value.second:02d}"
    return text + f".{value.microsecond:06d}" if value.microsecond else text


def _duration(value: _dt.timedelta) -> str:
    """pydantic's ISO 8601 duration: ``PT1H30M``, ``P1DT0.5S``, ``-PT1S``."""
    sign = "-" if value < _dt.timedelta(0) else ""
    value = abs(value)
    years, days = divmod(value.days, 365)
    text = sign + "P" + (f"{years}Y" if years else "") + (f"{days}D" if days else "")
    seconds, micro = value.seconds, value.microseconds
    if seconds or micro:
        hours, minutes, secs = seconds // 3600, seconds // 60 % 60, seconds % 60
        text += "T" + (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")
        if micro:
            text += f"{secs}.{micro:06d}".rstrip("0") + "S"
        elif secs:
            text += f"{secs}S"
    elif not value.days:
        text += "T0S"
    return text


def to_json(value: Any) -> Any:
    """A validated value of one of this module's types as pydantic's JSON
    mode serializes it; other values unchanged (containers walked)."""
    kind = type(value)
    if kind in (str, int, float, bool) or value is None:
        return value
    if isinstance(value, enum.Enum):
        return to_json(value.value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, _dt.datetime):
        return value.replace(tzinfo=None).isoformat() + _offset(value)
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, _dt.time):
        return _clock(value) + _offset(value)
    if isinstance(value, _dt.timedelta):
        return _duration(value)
    if isinstance(value, (decimal.Decimal, uuid.UUID)):
        return str(value)
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", "replace")
    if isinstance(value, (list, tuple, set, frozenset)):
        return [to_json(v) for v in value]
    if isinstance(value, dict):
        return {to_json(k): to_json(v) for k, v in value.items()}
    return value
