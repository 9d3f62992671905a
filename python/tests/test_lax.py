import math

import pytest

from fasterapi import _lax


@pytest.mark.parametrize("text,want", [("1", 1), (" 1 ", 1), ("+1", 1), ("1_000", 1000), ("1.0", 1), ("-0", 0),
                                       ("99999999999999999999", 99999999999999999999)])
def test_ints_follow_pydantic(text, want):
    assert _lax.parse_int(text) == want


@pytest.mark.parametrize("text", ["1.", "1.5", "1e3", "0x10", "", "٣", "1__0", "_1", "abc"])
def test_bad_ints(text):
    with pytest.raises(ValueError):
        _lax.parse_int(text)


def test_floats_follow_pydantic():
    assert _lax.parse_float(" 1.5 ") == 1.5
    assert _lax.parse_float("1_0.5") == 10.5
    assert _lax.parse_float("-Infinity") == -math.inf
    assert math.isnan(_lax.parse_float("nan"))
    for text in ["1e", "abc", "", "0x1p3", "٣"]:
        with pytest.raises(ValueError):
            _lax.parse_float(text)


def test_bools_follow_pydantic():
    for text in ["true", "True", "yes", "Y", "on", "1", "t"]:
        assert _lax.parse_bool(text) is True
    for text in ["false", "0", "off", "n", "NO", "f"]:
        assert _lax.parse_bool(text) is False
    for text in [" true", "2", "", "maybe"]:
        with pytest.raises(ValueError):
            _lax.parse_bool(text)
