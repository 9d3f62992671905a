"""The field types of ``fasterapi._types`` side by side with pydantic 2:
the same values (as pydantic's JSON mode writes them), the same errors
(type, loc, msg, ctx, input, as FastAPI sends them) and the same schemas."""

import datetime
import decimal
import enum
import uuid
from typing import Any, Dict, FrozenSet, List, Literal, Optional, Set, Tuple, Union

import pytest

pydantic = pytest.importorskip("pydantic")
from fastapi.encoders import jsonable_encoder  # noqa: E402

import fasterapi  # noqa: E402
from fasterapi import _types  # noqa: E402


class Color(str, enum.Enum):
    """The colours."""

    RED = "red"
    GREEN = "green"


class Size(enum.IntEnum):
    SMALL = 1
    LARGE = 2


class Mixed(enum.Enum):
    A = "a"
    B = 2
    C = 3.5


class Ratio(float, enum.Enum):
    HALF = 0.5


SubM = type("Sub", (fasterapi.BaseModel,), {"__annotations__": {"a": int}, "__module__": __name__})
SubP = type("Sub", (pydantic.BaseModel,), {"__annotations__": {"a": int}, "__module__": __name__})

# The SDK's types that pydantic spells differently.
PYDANTIC = {fasterapi._types.HttpUrl: pydantic.HttpUrl, fasterapi._types.AnyUrl: pydantic.AnyUrl,
            fasterapi._types.EmailStr: pydantic.EmailStr, SubM: SubP}


def pydantic_type(tp: Any) -> Any:
    """``tp`` with the SDK's types swapped for pydantic's."""
    if tp in PYDANTIC:
        return PYDANTIC[tp]
    args = getattr(tp, "__args__", None)
    origin = getattr(tp, "__origin__", None)
    if not args or origin is Literal:
        return tp
    swapped = tuple(pydantic_type(a) for a in args)
    if origin is Union or type(tp).__name__ == "UnionType":
        return Union[swapped]
    return tp.__class_getitem__(swapped) if hasattr(tp, "__class_getitem__") else origin[swapped]


def models(tp: Any) -> tuple:
    """A one-field model ``x: tp`` of each, both named ``Model``."""
    sdk = type("Model", (fasterapi.BaseModel,), {"__annotations__": {"x": tp}, "__module__": __name__})
    real = type("Model", (pydantic.BaseModel,), {"__annotations__": {"x": pydantic_type(tp)}, "__module__": __name__})
    return sdk, real


def plain(errors: list) -> list:
    """Errors as FastAPI's JSON has them, less the ``url``."""
    return [{k: e[k] for k in ("type", "loc", "msg", "input", "ctx") if k in e} for e in jsonable_encoder(errors)]


def outcomes(tp: Any, value: Any) -> tuple:
    sdk, real = models(tp)
    try:
        expected = ("ok", real.model_validate({"x": value}).model_dump(mode="json")["x"])
    except pydantic.ValidationError as caught:
        expected = ("errors", plain(caught.errors(include_url=False)))
    try:
        found = ("ok", _types.to_json(sdk.model_validate({"x": value}).x))
    except fasterapi.ValidationError as caught:
        found = ("errors", plain(caught.errors()))
    return found, expected


def same(tp: Any, inputs: list) -> None:
    mismatches = []
    for value in inputs:
        found, expected = outcomes(tp, value)
        if found != expected:
            mismatches.append((value, found, expected))
    assert not mismatches, "\n".join(f"{v!r}:\n  sdk      {f}\n  pydantic {e}" for v, f, e in mismatches)


def same_schema(tp: Any) -> None:
    sdk, real = models(tp)
    mine, theirs = sdk.model_json_schema(), real.model_json_schema()
    assert mine == theirs


def test_union_with_a_reference_has_a_title():
    sdk, real = models(Union[str, Color])
    assert sdk.model_json_schema() == real.model_json_schema()


TYPES = [
    Color, Size, Mixed, Ratio, Literal["a", "b"], Literal[1, 2, "x"], Literal[True], Literal["a"],
    Union[int, str], Union[int, str, None], Union[float, int], Union[bool, float], Union[str, Color],
    Union[List[int], SubM, Literal["a", "b"], bool, float, Dict[str, int], Color], Union[Size, Mixed],
    Set[int], FrozenSet[str], Tuple[int, ...], Tuple[int, str], Tuple[int], Tuple[()], tuple, set, frozenset,
    list, dict, Tuple[int, List[str]], Set[Color], Optional[Set[int]],
    datetime.datetime, datetime.date, datetime.time, datetime.timedelta,
    uuid.UUID, decimal.Decimal, bytes, _types.HttpUrl, _types.AnyUrl, _types.EmailStr,
    Union[datetime.date, str], Union[uuid.UUID, int], Union[decimal.Decimal, float],
]


@pytest.mark.parametrize("tp", TYPES, ids=repr)
def test_schema_as_pydantic_writes_it(tp):
    same_schema(tp)


def test_optional_enum_schema_and_union_tags():
    same_schema(Optional[Color])
    same_schema(Union[Set[int], Tuple[int, ...], Tuple[int, str], FrozenSet[str], Optional[int], list, dict])


ODD = [None, True, 1, 1.5, "x", "", [1], {"a": 1}]


def test_enums():
    same(Color, ["red", "green", "blue", 1, None, Color.RED, "RED", ["red"], {"a": 1}])
    same(Size, [1, 2, "1", " 2 ", 1.0, 1.5, 3, "x", True, Size.SMALL, None])
    same(Mixed, ["a", 2, 3.5, "2", "x", Mixed.A, 2.0])
    same(Ratio, [0.5, "0.5", 1, "x"])


def test_literals():
    same(Literal["a", "b"], ["a", "b", "c", 1, None, ["a"]])
    same(Literal[1, 2, "x"], [1, 2, "1", True, 2.0, "x", 3, 2.5])
    same(Literal[True], [True, 1, "true", False])
    same(Literal["a"], ["a", "b"])


def test_smart_unions():
    same(Union[int, str], ["1", 1, 1.5, 1.0, None, [1], True])
    same(Union[int, str, None], [None, "a", 1, [1]])
    same(Union[float, int], [1, 1.0, "2", "2.5", True])
    same(Union[bool, float], [1, "1", 0.5, "x"])
    same(Union[int, float], ["1.5", True, "3"])
    same(Union[str, Color], ["red", Color.RED, 1])
    same(Union[Color, str], ["red", "blue"])
    same(Union[List[int], SubM, Literal["a", "b"], bool, float, Dict[str, int], Color],
         [[1, "2"], ["a"], "a", "zz", "green", "1.5", {"a": "1"}, {"a": "x"}, True])
    same(Union[List[float], List[int]], [[1], [1.5], ["1"]])
    same(Union[Dict[str, int], SubM], [{"a": 1}])
    same(Union[Set[int], List[int]], [[1, 1]])
    same(Union[datetime.date, str], ["2020-01-01", 5])
    same(Union[decimal.Decimal, float], ["1.5", 1, 1.5])
    same(Union[uuid.UUID, str], ["12345678123456781234567812345678"])
    same(Union[Size, Mixed], [1, 2, "a", "b"])
    same(Union[List[Optional[int]], Dict[str, List[int]], Tuple[()], List[Union[int, str]]], ["x"])
    same(Union[Tuple[int, ...], Tuple[int, str], Set[int], FrozenSet[str], list, dict, bytes], [None])
    same(Union[datetime.datetime, datetime.time, datetime.timedelta, uuid.UUID, decimal.Decimal], [[1]])


def test_sets_and_tuples():
    same(Set[int], [[1, 2, 1], "ab", {"a": 1}, [1, "x"], [[1]], None, (1,), {1}, frozenset([2])])
    same(FrozenSet[int], [[1, 2, 1], "ab", [1, "x"]])
    same(Tuple[int, ...], [[1, 2], "ab", [1, "x"], {"a": 2}, (1,), []])
    same(Tuple[int, str], [[1, "a"], [1], [1, "a", 3], [], ["x", 2], ["1", "a"], "ab"])
    same(Tuple[int], [[1, 2, 3], [1], ["x"]])
    same(Tuple[()], [[], [1]])
    same(tuple, [[1, "a"], "x"])
    same(set, [[1, "a"], [[1]], [{"a": 1}], "x"])
    same(frozenset, [[1], None])
    same(list, [[1, "a"], "x", (1, 2)])
    same(dict, [{"a": [1]}, "x", []])
    same(Tuple[int, List[str]], [[1, ["a"]], [1, [2]]])
    same(Set[Color], [["red", "red"], ["blue"]])
    same(Optional[Set[int]], [None, [1]])


DATETIMES = [
    "2020-01-01", "2020-01-01T10:20", "2020-01-01 10:20:30.1234567Z", "2020-01-01T10:20:30+05:30",
    "2020-01-01T10:20:30-0130", "2020-01-01t10:20:30z", "2020-01-01_10:20:30", "2020-01-01T10:20:30,5",
    "2020", "abc", "1600000000", "1600000000.5", "-1.5", "1e5", ".5", "+10", 1600000000, 1.5e10, 3e10,
    1600000000.25, -1, -1.25, 0, 1e20, -1e20, True, None, [1], "2020-13-01", "2020-02-30", "2020-02-29",
    "2021-02-29", "2020-01-01T25:00", "2020-01-01X10", "2020-01-01T10:2", "2020-01-01T10:20:30.", "",
    "2020-01-01T00:00:00+24:00", "2020-01-01T10:20:60", "2020-01-01T10:60", "xxxxxxxxxxxx", "2020/01/01",
    "2020-01-01T10:20:30 ", "2020-1-01", "20200101", "2020-01-01T10:20:30+01", "2020-01-01T10:20:30+0a:00",
    "2020-01-01T10:20:30+01:60", "2020-01-01T10:20:30Zx", "2020-01-01T", "2020-01-01T10", "9999-12-31T23:59:59",
    "99999999999", "-99999999999", "253402300799", "253402300800", "20000000001", "1700000000000",
    datetime.date(2020, 1, 2), datetime.datetime(2020, 1, 2, 3, 4, 5, 6, tzinfo=datetime.timezone.utc),
    "2020-01-01T10:20:30.000001-00:00", "0000-01-01", "1969-12-31T23:59:59.999999Z",
]


def test_datetime():
    same(datetime.datetime, DATETIMES)


def test_date():
    same(datetime.date, DATETIMES + [86400, 1, "86400", "1.5", 1.5, "86401", 86400.0, "2020-01-01T00:00",
                                     datetime.datetime(2020, 1, 1), datetime.datetime(2020, 1, 1, 1)])


def test_time():
    same(datetime.time, ["10:20", "10:20:30.5", "10:20:30Z", "10:20:30+01:00", "10:20:30-02:30", "25:00", "x",
                         "3600", 3600, 3600.5, 86400, 86399.9999999, -1, "10:20:30.1234567", True, None, "10-20",
                         "10:20:", "10:20:3", "1:20", "10:20 ", "10:20:30.", "10:20:30,25", 0, 0.5, [1],
                         datetime.time(1, 2, 3), "2020-01-01T10:20"])


def test_timedelta():
    same(datetime.timedelta, [
        "PT1H30M", "P1DT0.5S", "P1Y", "P1M", "P1W", "P1Y2M3W4DT5H6M7S", "1 day, 10:00:00", "2 days 01:02:03",
        "10:00", "3600", 3600, 1.5, -1.5, 0, "x", "P", "PT", "-PT1S", "+PT1S", "1d", "1D", "30", "P1.5D",
        "PT1.5H", "P1.5DT1.5H", "PT1H1H", "PTT1H", "P1H", "PT1D", True, None, "00:00:00.1234567", "1:02:03",
        "PT0.0000001S", "-1 day, 23:00:00", "1 days", "1 dayx", "25:00:00", "1d 25:00:00", "10:61",
        "p1d", "P10000000000D", [1], datetime.timedelta(hours=5), "1 day,", "-", "1:2",
    ])


def test_timedelta_serialization():
    for delta in [datetime.timedelta(hours=1, minutes=30), datetime.timedelta(days=1, seconds=0.5),
                  datetime.timedelta(0), datetime.timedelta(seconds=-1), datetime.timedelta(days=-1, seconds=5),
                  datetime.timedelta(microseconds=1), datetime.timedelta(days=400, hours=25),
                  datetime.timedelta(minutes=1, microseconds=10), datetime.timedelta(days=365)]:
        assert _types.to_json(delta) == pydantic.TypeAdapter(datetime.timedelta).dump_python(delta, mode="json")


def test_datetime_serialization():
    zone = datetime.timezone
    for value in [datetime.datetime(2020, 1, 1, tzinfo=zone.utc), datetime.datetime(2020, 1, 1, 1, 2, 3, 400),
                  datetime.datetime(2020, 1, 1, tzinfo=zone(datetime.timedelta(hours=5, minutes=30))),
                  datetime.datetime(2020, 1, 1, tzinfo=zone(datetime.timedelta(hours=-3))),
                  datetime.datetime(2020, 1, 1, tzinfo=zone(datetime.timedelta(seconds=-30))),
                  datetime.time(1, 2, 3, 5, tzinfo=zone.utc), datetime.time(1, 2), datetime.date(5, 1, 1)]:
        assert _types.to_json(value) == pydantic.TypeAdapter(type(value)).dump_python(value, mode="json")


def test_uuid():
    same(uuid.UUID, [
        "12345678-1234-5678-1234-567812345678", "12345678123456781234567812345678",
        "{12345678-1234-5678-1234-567812345678}", "urn:uuid:12345678-1234-5678-1234-567812345678",
        "x", "", 1, None, "12345678-1234-5678-1234-56781234567g", "12345678-1234-5678-1234-5678123456789",
        "ABCDEF78-1234-5678-1234-567812345678", "1234567-81234-5678-1234-567812345678", uuid.UUID(int=5),
        "1234567812345678123456781234567", "12345678-1234-5678-12345678-12345678", "1234-5678",
    ])


def test_decimal_and_bytes():
    same(decimal.Decimal, ["1.5", " 1.5 ", 1, 1.1, "x", "NaN", "inf", "-Infinity", "1e3", None, True, "1_000",
                           "", [1], decimal.Decimal("2.50"), "0.10", -0.0, 10 ** 30, 1e300])
    same(bytes, ["abc", 1, b"x", "é", None, [1]])


def test_urls():
    same(_types.HttpUrl, [
        "https://example.com", "http://EXAMPLE.com:80/a b?q=1#f", "ftp://x.com", "x", "", 1, None, "https://",
        "http://localhost:8000", "https://example.com/path/", "https://user:pw@example.com:8443/x?y#z",
        "example.com", "https://exa mple.com", "HTTPS://Example.COM/A", "https://example.com?",
        "http://[::1]:80/", "https://ex.com/é", "https://é.com", "http://1.2.3.4", "https://example.com:99999",
        "https://example.com:443/", "http://example.com:8080", "  https://example.com  ", "https://example.com/a?b=c d",
        "https://example.com/#frag ment", "http:example.com", "http:/example.com", "https://example.com" + "/a" * 1100,
    ])
    same(_types.AnyUrl, ["ftp://x.com", "x", "mailto:a@b.c", "redis://localhost:6379/0", "file:///tmp/x",
                         "foo:bar", "http://x", "postgres://user:pw@db:5432/app", "https://example.com"])


def test_urls_read_like_pydantics():
    sdk, real = models(_types.HttpUrl)
    value = "https://user:pw@Example.com:8443/x?y=1#z"
    mine, theirs = sdk(x=value).x, real(x=value).x
    assert str(mine) == str(theirs)
    for part in ("scheme", "host", "port", "path", "query", "fragment"):
        assert getattr(mine, part) == getattr(theirs, part), part
    assert sdk(x="https://example.com").x.port == real(x="https://example.com").x.port


def test_emails():
    pytest.importorskip("email_validator")
    same(_types.EmailStr, [
        "a@b.com", "A@Example.COM", "x", "a@b", "", 1, None, "a b@c.com", "John <j@x.com>", "a@@b.com",
        "a@localhost", "é@x.com", ".a@x.com", "a.@x.com", "a@x..com", "a@.x.com", "a@x.com.", "@x.com", "a@",
        "a" * 65 + "@x.com", "a<b@x.com", "a@x_y.com", "a@-x.com", "a@x-.com", "a@x.test", " a@b.com ",
        "first.last+tag@sub.example.org", "a@b.c-d.com", '"John Doe" <jd@x.com>',
    ])


def test_python_objects_are_accepted():
    sdk, _ = models(Set[str])
    assert sdk(x={"a"}).x == {"a"}
    sdk, _ = models(datetime.datetime)
    when = datetime.datetime(2020, 1, 1, 12)
    assert sdk(x=when).x is when
    sdk, _ = models(Color)
    assert sdk(x=Color.GREEN).x is Color.GREEN
    assert sdk(x="green").x is Color.GREEN


def test_containers_of_these_types_serialize():
    value = {"a": (datetime.date(2020, 1, 2), {decimal.Decimal("1.5")}), "b": [Color.RED, uuid.UUID(int=1)]}
    assert _types.to_json(value) == {"a": ["2020-01-02", ["1.5"]],
                                     "b": ["red", "00000000-0000-0000-0000-000000000001"]}
