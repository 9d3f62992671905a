"""The SDK's BaseModel against real pydantic: validators, aliases, extra
keys, dumping options, copies and dataclasses. Each case is declared once
for both libraries and must validate, fail, dump and document the same."""

import dataclasses
import json
from typing import Annotated, Any, Dict, List, Optional

import pydantic
import pytest

import fasterapi
from fasterapi import _model


def both(declare):
    """The classes ``declare(lib)`` makes with pydantic and with the SDK."""
    return declare(pydantic), declare(fasterapi)


def outcome(model, data, **dump):
    """What validating ``data`` gives, as FastAPI would send it: the JSON
    dump, or the errors (``ctx`` as FastAPI's encoder writes an exception)."""
    try:
        value = model.model_validate(data)
    except (pydantic.ValidationError, fasterapi.ValidationError) as exc:
        errors = exc.errors(include_url=False) if isinstance(exc, pydantic.ValidationError) else exc.errors()
        return "errors", [_sent(e) for e in errors]
    return "value", value.model_dump(mode="json", **dump)


def _sent(entry):
    """An error as FastAPI sends it: ``loc`` a list, an exception in ``ctx`` as ``{}``."""
    entry = {**entry, "loc": list(entry["loc"])}
    if "ctx" in entry:
        entry["ctx"] = {k: {} if isinstance(v, Exception) else v for k, v in entry["ctx"].items()}
    return entry


def same(pair, *inputs, **dump):
    theirs, ours = pair
    for data in inputs:
        assert outcome(ours, data, **dump) == outcome(theirs, data, **dump), data
    assert ours.model_json_schema() == theirs.model_json_schema()


def declare_validated(lib):
    def even(value):
        if value % 2:
            raise ValueError("must be even")
        return value

    def shout(value):
        return value.upper() if isinstance(value, str) else value

    class Item(lib.BaseModel):
        name: str
        count: Annotated[int, lib.AfterValidator(even)] = 0
        code: Annotated[str, lib.BeforeValidator(shout)] = "A"
        tags: List[str] = []

        @lib.field_validator("name")
        @classmethod
        def no_spaces(cls, value):
            if " " in value:
                raise ValueError("no spaces")
            assert value != "x", "not x"
            return value.title()

        @lib.field_validator("tags", mode="before")
        @classmethod
        def split(cls, value):
            return value.split(",") if isinstance(value, str) else value

        @lib.field_validator("code")
        @classmethod
        def differs(cls, value, info):
            if value == info.data.get("name", "").upper():
                raise ValueError("code equals name")
            return value

        @lib.model_validator(mode="before")
        @classmethod
        def renamed(cls, data):
            if isinstance(data, dict) and "title" in data:
                data = {**data, "name": data["title"]}
            return data

        @lib.model_validator(mode="after")
        def not_four(self):
            if self.count == 4:
                raise ValueError("not four")
            return self
    return Item


def test_validators_like_pydantic():
    same(both(declare_validated),
         {"name": "ok"}, {"name": "a b"}, {"name": "x"}, {"name": "ok", "count": 3}, {"name": "ok", "count": "6"},
         {"name": "ok", "count": 4}, {"name": "ok", "code": "b"}, {"name": "ok", "code": "ok"},
         {"title": "ok"}, {"name": "ok", "tags": "a,b"}, {"name": 5, "count": "z"}, [1])


def declare_aliased(lib):
    class Config(lib.BaseModel):
        model_config = lib.ConfigDict(extra="forbid", populate_by_name=True)
        item_name: str = lib.Field(alias="itemName")
        size: int = lib.Field(3, serialization_alias="Size", exclude=False)
        secret: str = lib.Field("s", exclude=True)
    return Config


def test_aliases_and_extra_forbid():
    pair = both(declare_aliased)
    same(pair, {"itemName": "a"}, {"item_name": "a"}, {"name": "a"}, {"itemName": "a", "other": 1}, {})
    same(pair, {"itemName": "a", "size": 4}, by_alias=True)


def declare_allowing(lib):
    class Open(lib.BaseModel):
        model_config = lib.ConfigDict(extra="allow", str_strip_whitespace=True)
        name: str
    return Open


def test_extra_allow_keeps_other_keys():
    pair = both(declare_allowing)
    same(pair, {"name": " a ", "more": [1, 2]}, {"name": "a"})
    assert pair[1].model_validate({"name": "a", "more": 1}).more == 1


def declare_nested(lib):
    class Part(lib.BaseModel):
        id: int
        note: Optional[str] = None

    class Order(lib.BaseModel):
        ref: str
        parts: List[Part] = []
        meta: Dict[str, Any] = {}
        total: Optional[float] = None
    return Order


@pytest.mark.parametrize("options", [
    {}, {"exclude_unset": True}, {"exclude_none": True}, {"exclude_defaults": True},
    {"include": {"ref", "parts"}}, {"exclude": {"meta": True, "parts": {"__all__": {"note"}}}},
    {"include": {"parts": {0: {"id"}}}},
])
def test_dump_options_like_pydantic(options):
    data = {"ref": "r", "parts": [{"id": 1}, {"id": "2", "note": "n"}], "meta": {"a": None}}
    same(both(declare_nested), data, {"ref": "r", "total": None}, **options)


def test_fields_set_copy_and_assignment():
    theirs, ours = both(declare_nested)
    for model in (theirs, ours):
        order = model(ref="r")
        assert order.model_fields_set == {"ref"}
        copied = order.model_copy(update={"total": 2.5})
        assert copied.model_fields_set == {"ref", "total"} and copied.total == 2.5 and order.total is None
        copied.meta = {"x": 1}
        assert copied.model_dump(exclude_unset=True) == {"ref": "r", "total": 2.5, "meta": {"x": 1}}
        assert dict(order) == {"ref": "r", "parts": [], "meta": {}, "total": None}
    assert list(ours.model_fields) == list(theirs.model_fields)
    assert [f.is_required() for f in ours.model_fields.values()] == \
        [f.is_required() for f in theirs.model_fields.values()]


def test_dataclass_fields_validate_like_pydantic():
    @dataclasses.dataclass
    class Point:
        x: int
        y: int = 0
        labels: List[str] = dataclasses.field(default_factory=list)

    def declare(lib):
        class Shape(lib.BaseModel):
            origin: Point
            points: List[Point] = []
        return Shape
    pair = both(declare)
    same(pair, {"origin": {"x": "1"}}, {"origin": {"y": 2}, "points": [{"x": 1.5}]}, {"origin": 3})
    assert isinstance(pair[1].model_validate({"origin": {"x": 1}}).origin, Point)


def test_response_serializer_filters_and_reads_attributes():
    theirs, ours = both(declare_nested)

    class Full(fasterapi.BaseModel):
        ref: str
        password: str
    dump = _model.response_serializer(ours)
    assert dump(Full(ref="r", password="p")) == {"ref": "r", "parts": [], "meta": {}, "total": None}
    assert dump({"ref": "r", "password": "p", "total": 1}) == {"ref": "r", "parts": [], "meta": {}, "total": 1.0}
    assert _model.response_serializer(ours, exclude_unset=True)({"ref": "r"}) == {"ref": "r"}
    assert _model.response_serializer(List[ours], exclude={"__all__": {"meta"}})([{"ref": "a"}]) == \
        [{"ref": "a", "parts": [], "total": None}]
    with pytest.raises(fasterapi.ValidationError) as caught:
        dump({"total": "x"})
    assert [(e["type"], e["loc"]) for e in caught.value.errors()] == [
        ("missing", ["response", "ref"]), ("float_parsing", ["response", "total"])]


def test_unsupported_options_fail_loudly():
    with pytest.raises(TypeError, match="frozen"):
        fasterapi.ConfigDict(frozen=True)
    with pytest.raises(TypeError, match="wrap"):
        fasterapi.field_validator("x", mode="wrap")
    assert json.loads(declare_aliased(fasterapi)(itemName="a").model_dump_json(by_alias=True)) == \
        {"itemName": "a", "Size": 3}


def test_decimal_digits_like_pydantic():
    from decimal import Decimal

    def declare(lib):
        class Price(lib.BaseModel):
            amount: Decimal = lib.Field(max_digits=4, decimal_places=2)
            rate: Optional[Decimal] = lib.Field(None, max_digits=3)
        return Price
    values = ["1.5", "12.345", "123.4", "1234", "0.001", "1E+2", "1.500", "100.00", "99.99", "-12.3", "0", "12.30"]
    same(both(declare), *({"amount": v, "rate": r} for v in values for r in (None, "1234", "0.0001", "12.5")))
