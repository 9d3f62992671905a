from typing import Any, Dict, List, Optional

import pytest

from fasterapi import BaseModel, ValidationError


class Dimensions(BaseModel):
    width: int
    height: int


class Product(BaseModel):
    name: str
    price: float
    tags: List[str] = []
    dims: Optional[Dimensions] = None
    stock: Dict[str, int] = {}
    active: bool = False
    extra: Any = None


def errors_of(data):
    with pytest.raises(ValidationError) as caught:
        Product.model_validate(data)
    return [(e["type"], tuple(e["loc"])) for e in caught.value.errors()]


def test_lax_coercion_like_pydantic():
    product = Product.model_validate(
        {"name": "pen", "price": "3.5", "dims": {"width": 1.0, "height": "2"}, "active": "yes", "unknown": 1})
    assert product.price == 3.5
    assert product.dims == Dimensions(width=1, height=2)
    assert product.active is True
    assert product.model_dump() == {"name": "pen", "price": 3.5, "tags": [], "dims": {"width": 1, "height": 2},
                                    "stock": {}, "active": True, "extra": None}
    assert Product(name="a", price=True).price == 1.0


def test_every_error_with_its_loc():
    assert errors_of({"price": "x", "tags": [1, "b"], "dims": {"width": 1.5}, "stock": {"a": "z"},
                      "active": 2}) == [
        ("missing", ("name",)),
        ("float_parsing", ("price",)),
        ("string_type", ("tags", 0)),
        ("int_from_float", ("dims", "width")),
        ("missing", ("dims", "height")),
        ("int_parsing", ("stock", "a")),
        ("bool_parsing", ("active",)),
    ]
    assert errors_of({"name": 5, "price": None, "tags": "x", "stock": []}) == [
        ("string_type", ("name",)), ("float_type", ("price",)), ("list_type", ("tags",)), ("dict_type", ("stock",))]
    assert errors_of([1]) == [("model_type", ())]


def test_missing_reports_the_input_object():
    with pytest.raises(ValidationError) as caught:
        Product.model_validate({"name": "a"})
    assert caught.value.errors() == [
        {"type": "missing", "loc": ["price"], "msg": "Field required", "input": {"name": "a"}}]


def test_mutable_defaults_are_not_shared():
    first, second = Product(name="a", price=1), Product(name="b", price=2)
    first.tags.append("x")
    assert second.tags == []


def test_optional_without_default_is_required():
    class Thing(BaseModel):
        note: Optional[str]

    with pytest.raises(ValidationError):
        Thing()
    assert Thing(note=None).note is None


def test_dump_json_is_compact():
    assert Dimensions(width=1, height=2).model_dump_json() == '{"width":1,"height":2}'


def test_json_schema_matches_pydantic():
    """The schema /openapi.json shows for a body is the one pydantic writes."""
    import pydantic

    class PDimensions(pydantic.BaseModel):
        width: int
        height: int

    class PProduct(pydantic.BaseModel):
        name: str
        price: float
        tags: List[str] = []
        dims: Optional[PDimensions] = None
        stock: Dict[str, int] = {}
        active: bool = False
        extra: Any = None

    ours = Product.model_json_schema()
    theirs = PProduct.model_json_schema()
    theirs["$defs"]["Dimensions"] = theirs["$defs"].pop("PDimensions")
    theirs["title"] = "Product"
    theirs["properties"]["dims"]["anyOf"][0]["$ref"] = "#/$defs/Dimensions"
    theirs["$defs"]["Dimensions"]["title"] = "Dimensions"
    assert ours == theirs
