"""``BaseModel``: the part of pydantic that FastAPI users rely on for JSON bodies.

pydantic cannot run inside the component, so this is a small, pure-Python
validator with pydantic's (v2, lax mode) behaviour for JSON input:

- field types: ``str``, ``int``, ``float``, ``bool``, ``Optional[X]``,
  ``list[X]``, ``dict[str, X]``, nested models, ``Any``;
- defaults (mutable ones copied per instance); a field without a default is
  required, ``Optional`` or not, as in pydantic v2; extra fields are ignored;
- lax coercion: ``"3.5"`` and ``true`` are floats, ``1.0`` and ``"7"`` are
  ints, ``"yes"`` and ``1`` are bools, ``5`` is *not* a str;
- every error at once, with pydantic's ``type`` and ``loc``: ``missing``,
  ``int_parsing``, ``int_type``, ``int_from_float``, ``float_parsing``,
  ``float_type``, ``bool_parsing``, ``bool_type``, ``string_type``,
  ``list_type``, ``dict_type``, ``model_attributes_type``;
- ``model_dump()``, ``model_dump_json()``, ``model_validate()``.

Not supported: validators, ``Field(...)`` constraints, unions other than
``Optional``, aliases, tuples, sets, dates.
"""

import copy
import inspect
import json
import typing
from typing import Any, Callable, Dict, List, Optional, Tuple

from . import _lax, _types
from ._errors import ValidationError, error

_MISSING = object()


def _unwrap_optional(tp: Any) -> Tuple[Any, bool]:
    """``Optional[X]`` -> ``(X, True)``; anything else -> ``(tp, False)``."""
    if typing.get_origin(tp) is typing.Union or _is_union_type(tp):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1 and len(typing.get_args(tp)) == 2:
            return args[0], True
    return tp, False


def _is_union_type(tp: Any) -> bool:
    union_type = getattr(__import__("types"), "UnionType", None)
    return union_type is not None and isinstance(tp, union_type)


def validate(tp: Any, value: Any, loc: tuple, errors: List[dict]) -> Any:
    """Validates and coerces ``value`` as type ``tp``, appending errors at ``loc``."""
    return validator(tp)(value, loc, errors)


Validator = Callable[[Any, tuple, List[dict]], Any]
_VALIDATORS: Dict[Any, Validator] = {}


def validator(tp: Any) -> Validator:
    """The validation function of type ``tp``, built once per type: the type
    introspection is paid when a route or model is declared, not per request."""
    found = _VALIDATORS.get(tp)
    if found is None:
        found = _VALIDATORS[tp] = _build_validator(tp)
    return found


def _build_validator(tp: Any) -> Validator:
    inner, optional = _unwrap_optional(tp)
    if optional:
        check = validator(inner)
        return lambda value, loc, errors: None if value is None else check(value, loc, errors)
    if tp is Any or tp is object:
        return lambda value, loc, errors: value
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (list, List):
        item = validator(args[0] if args else Any)
        return lambda value, loc, errors: _validate_list(item, value, loc, errors)
    if origin in (dict, Dict):
        item = validator(args[1] if len(args) == 2 else Any)
        return lambda value, loc, errors: _validate_dict(item, value, loc, errors)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        _VALIDATORS[tp] = tp._validate  # a recursive model refers to itself
        tp._field_validators()
        return tp._validate
    check = _SCALARS.get(tp) or _types.validator_for(tp, validator)
    if check is None:
        raise TypeError(f"fasterapi.BaseModel does not support fields of type {tp!r}")
    return check


def _validate_str(value: Any, loc: tuple, errors: List[dict]) -> Any:
    if isinstance(value, str):
        return value
    errors.append(error("string_type", loc, value))
    return value


def _validate_int(value: Any, loc: tuple, errors: List[dict]) -> Any:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        errors.append(error("int_from_float", loc, value))
    elif isinstance(value, str):
        try:
            return _lax.parse_int(value)
        except ValueError:
            errors.append(error("int_parsing", loc, value))
    else:
        errors.append(error("int_type", loc, value))
    return value


def _validate_float(value: Any, loc: tuple, errors: List[dict]) -> Any:
    if isinstance(value, (bool, int, float)):
        try:
            return float(value)
        except OverflowError:
            # An int too large for a float: pydantic says it is not a number.
            errors.append(error("float_type", loc, value))
            return None
    if isinstance(value, str):
        try:
            return _lax.parse_float(value)
        except ValueError:
            errors.append(error("float_parsing", loc, value))
    else:
        errors.append(error("float_type", loc, value))
    return value


def _validate_bool(value: Any, loc: tuple, errors: List[dict]) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        if value in (0, 1):
            return bool(value)
        errors.append(error("bool_parsing", loc, value))
    elif isinstance(value, str):
        try:
            return _lax.parse_bool(value)
        except ValueError:
            errors.append(error("bool_parsing", loc, value))
    else:
        errors.append(error("bool_type", loc, value))
    return value


_SCALARS = {str: _validate_str, int: _validate_int, float: _validate_float, bool: _validate_bool}


def _validate_list(item: Validator, value: Any, loc: tuple, errors: List[dict]) -> Any:
    if not isinstance(value, list):
        errors.append(error("list_type", loc, value))
        return value
    return [item(v, loc + (i,), errors) for i, v in enumerate(value)]


def _validate_dict(item: Validator, value: Any, loc: tuple, errors: List[dict]) -> Any:
    if not isinstance(value, dict):
        errors.append(error("dict_type", loc, value))
        return value
    return {key: item(v, loc + (key,), errors) for key, v in value.items()}


def json_schema(tp: Any, defs: Dict[str, dict]) -> dict:
    """The JSON Schema of ``tp`` as pydantic writes it; models go into ``defs``
    and are referenced as ``#/$defs/Name``."""
    inner, optional = _unwrap_optional(tp)
    if optional:
        return {"anyOf": [json_schema(inner, defs), {"type": "null"}]}
    if tp is Any or tp is object:
        return {}
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (list, List):
        return {"type": "array", "items": json_schema(args[0] if args else Any, defs)}
    if origin in (dict, Dict):
        return {"type": "object", "additionalProperties": json_schema(args[1] if len(args) == 2 else Any, defs)}
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return tp._schema(defs)
    if tp in _JSON_TYPES:
        return {"type": _JSON_TYPES[tp]}
    schema = _types.schema_for(tp, defs, json_schema)
    if schema is None:
        raise TypeError(f"no JSON Schema for {tp!r}")
    return schema


_JSON_TYPES = {str: "string", int: "integer", float: "number", bool: "boolean"}


def _is_reference(schema: dict) -> bool:
    """pydantic gives a field no title when it is a model, optional or not."""
    return "$ref" in schema or any("$ref" in s for s in schema.get("anyOf", ()))


def schema_document(tp: Any) -> dict:
    """``tp``'s schema with the ``$defs`` it uses: what the host documents."""
    defs: Dict[str, dict] = {}
    schema = json_schema(tp, defs)
    if defs:
        schema["$defs"] = defs
    return schema


def title(name: str) -> str:
    """pydantic's title of a field name: ``user_id`` -> ``User Id``."""
    return name.title().replace("_", " ")


class FieldInfo:
    """What ``Field(...)`` declares of a model field: its default (or
    factory), constraints and documentation."""

    DOC_ONLY = ("examples", "json_schema_extra", "deprecated")

    def __init__(self, default: Any = _MISSING, *, default_factory: Optional[Callable[[], Any]] = None,
                 title: Optional[str] = None, description: Optional[str] = None, gt: Any = None, ge: Any = None,
                 lt: Any = None, le: Any = None, multiple_of: Any = None, min_length: Optional[int] = None,
                 max_length: Optional[int] = None, pattern: Optional[str] = None, **options: Any) -> None:
        unknown = sorted(set(options) - set(self.DOC_ONLY))
        if unknown:
            raise TypeError(f"Field() got an option FasterAPI does not support: {unknown[0]}")
        if default is ...:
            default = _MISSING
        if default is not _MISSING and default_factory is not None:
            raise TypeError("cannot give both default and default_factory")
        self.default = default
        self.default_factory = default_factory
        self.title = title
        self.description = description
        self.examples = options.get("examples")
        given = {"gt": gt, "ge": ge, "lt": lt, "le": le, "multiple_of": multiple_of, "min_length": min_length,
                 "max_length": max_length, "pattern": pattern}
        self.constraints = {k: v for k, v in given.items() if v is not None}


def Field(default: Any = _MISSING, **options: Any) -> Any:
    """pydantic's ``Field``: a default (or ``default_factory``), constraints
    (``gt``, ``ge``, ``lt``, ``le``, ``multiple_of``, ``min_length``,
    ``max_length``, ``pattern``), ``title``, ``description``, ``examples``."""
    return FieldInfo(default, **options)


class BaseModel:
    """A typed record validated from JSON the way pydantic validates it.

    >>> class Item(BaseModel):
    ...     name: str
    ...     price: float
    >>> Item(name="pen", price="1.5").price
    1.5
    """

    __fields__: Dict[str, Tuple[Any, Any]] = {}
    # A field's Field(...), when it has one.
    __field_info__: Dict[str, FieldInfo] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        hints = typing.get_type_hints(cls, include_extras=True)
        fields, infos = {}, dict(getattr(cls, "__field_info__", {}))
        for name, tp in hints.items():
            if name.startswith("_") or typing.get_origin(tp) is typing.ClassVar:
                continue
            default = cls.__dict__.get(name, _inherited_default(cls, name))
            if typing.get_origin(tp) is typing.Annotated:
                tp, *extras = typing.get_args(tp)
                info = next((e for e in extras if isinstance(e, FieldInfo)), None)
                if info is not None:
                    infos[name] = info
                    if default is _MISSING:
                        default = info.default
            if isinstance(default, FieldInfo):
                infos[name] = default
                default = default.default
            fields[name] = (tp, default)
        cls.__fields__ = fields
        cls.__field_info__ = infos

    def __init__(self, **data: Any) -> None:
        errors: List[dict] = []
        values = type(self)._validate_fields(data, (), errors)
        if errors:
            raise ValidationError(errors)
        self.__dict__.update(values)

    @classmethod
    def model_validate(cls, obj: Any) -> "BaseModel":
        """Validates a dict (e.g. parsed JSON) into an instance."""
        errors: List[dict] = []
        instance = cls._validate(obj, (), errors)
        if errors:
            raise ValidationError(errors)
        return instance

    @classmethod
    def _validate(cls, value: Any, loc: tuple, errors: List[dict]) -> Any:
        if isinstance(value, cls):
            return value
        if not isinstance(value, dict):
            errors.append(error("model_attributes_type", loc, value))
            return value
        count = len(errors)
        values = cls._validate_fields(value, loc, errors)
        if len(errors) > count:
            return value
        instance = cls.__new__(cls)
        instance.__dict__.update(values)
        return instance

    @classmethod
    def _field_validators(cls) -> List[Tuple[str, Validator, Any]]:
        """(name, validator, default) of every field, built on first use."""
        validators = cls.__dict__.get("__validators__")
        if validators is None:
            from ._constraints import constrained  # it builds on this module's validators
            validators = []
            for name, (tp, default) in cls.__fields__.items():
                info = cls.__field_info__.get(name)
                check = validator(tp) if info is None else constrained(validator(tp), info.constraints)
                factory = info.default_factory if info is not None else None
                validators.append((name, check, _Factory(factory) if factory is not None else default))
            cls.__validators__ = validators
        return validators

    @classmethod
    def _validate_fields(cls, data: dict, loc: tuple, errors: List[dict]) -> dict:
        values = {}
        for name, check, default in cls._field_validators():
            if name in data:
                values[name] = check(data[name], loc + (name,), errors)
            elif isinstance(default, _Factory):
                values[name] = default.make()
            elif default is not _MISSING:
                values[name] = copy.deepcopy(default)
            else:
                errors.append(error("missing", loc + (name,), data))
        return values

    @classmethod
    def _schema(cls, defs: Dict[str, dict]) -> dict:
        name = cls.__name__
        if name not in defs:
            defs[name] = {}  # a placeholder, so that recursive models end
            properties = {}
            required = []
            for field, (tp, default) in cls.__fields__.items():
                info = cls.__field_info__.get(field)
                schema = json_schema(tp, defs)
                if info is not None:
                    from ._constraints import add_schema_keywords
                    add_schema_keywords(schema, info.constraints)
                if default is not _MISSING:
                    schema["default"] = _dump(default)
                if not _is_reference(schema):
                    schema["title"] = info.title if info is not None and info.title else title(field)
                if info is not None and info.description:
                    schema["description"] = info.description
                if info is not None and info.examples is not None:
                    schema["examples"] = info.examples
                has_factory = info is not None and info.default_factory is not None
                if default is _MISSING and not has_factory:
                    required.append(field)
                properties[field] = schema
            schema = {"properties": properties, "type": "object"}
            if required:
                schema["required"] = required
            schema["title"] = name
            if cls.__doc__ and cls.__doc__ is not BaseModel.__doc__:
                schema["description"] = inspect.cleandoc(cls.__doc__)
            defs[name] = schema
        return {"$ref": f"#/$defs/{name}"}

    @classmethod
    def model_json_schema(cls) -> dict:
        """The model's JSON Schema, with the models it uses in ``$defs``, as
        pydantic's ``model_json_schema()`` writes it."""
        defs: Dict[str, dict] = {}
        cls._schema(defs)
        schema = defs.pop(cls.__name__)
        if defs:
            schema["$defs"] = defs
        return schema

    def model_dump(self) -> dict:
        """The model as plain dicts, lists and scalars."""
        return {name: _dump(getattr(self, name)) for name in type(self).__fields__}

    def model_dump_json(self) -> str:
        """The model as compact JSON."""
        return json.dumps(self.model_dump(), separators=(",", ":"), ensure_ascii=False)

    def __eq__(self, other: Any) -> bool:
        return type(other) is type(self) and other.model_dump() == self.model_dump()

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in type(self).__fields__)
        return f"{type(self).__name__}({fields})"


class _Factory:
    """A field's ``default_factory``, called for each instance."""

    def __init__(self, make: Callable[[], Any]) -> None:
        self.make = make


def _inherited_default(cls: type, name: str) -> Any:
    for base in cls.__mro__[1:]:
        fields = getattr(base, "__fields__", {})
        if name in fields:
            return fields[name][1]
    return _MISSING


def _dump(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump()
    if isinstance(value, list):
        return [_dump(v) for v in value]
    if isinstance(value, dict):
        return {k: _dump(v) for k, v in value.items()}
    return value
