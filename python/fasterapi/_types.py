"""pydantic's validation, JSON Schema and JSON serialization of the field
types beyond ``str``/``int``/``float``/``bool``/lists/dicts/models that
``_model`` handles itself. ``_model`` asks here before it gives up on a type."""

from typing import Any, Callable, Dict, List, Optional

Validator = Callable[[Any, tuple, List[dict]], Any]


def validator_for(tp: Any, validator: Callable[[Any], Validator]) -> Optional[Validator]:
    """The validator of ``tp`` (``validator`` builds those of its members),
    or ``None`` when ``tp`` is not one of this module's types."""
    return None


def schema_for(tp: Any, defs: Dict[str, dict], json_schema: Callable[[Any, Dict[str, dict]], dict]) -> Optional[dict]:
    """The JSON Schema of ``tp`` as pydantic writes it (``json_schema``
    gives its members'), or ``None`` when ``tp`` is not one of this module's types."""
    return None


def to_json(value: Any) -> Any:
    """A validated value of one of this module's types as pydantic's JSON
    mode serializes it; other values unchanged."""
    return value
