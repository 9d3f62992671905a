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
import decimal
import dataclasses
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
    if typing.get_origin(tp) is typing.Annotated:
        return _annotated_validator(tp)
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        return _dataclass_validator(tp)
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
        tp._plan()
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
        schema = json_schema(inner, defs)
        # pydantic flattens a union in a union (an optional Decimal).
        branches = schema["anyOf"] if list(schema) == ["anyOf"] else [schema]
        return {"anyOf": [*branches, {"type": "null"}]}
    if tp is Any or tp is object:
        return {}
    if tp is decimal.Decimal and _SERIALIZATION[0]:
        return {"type": "string"}
    if typing.get_origin(tp) is typing.Annotated:
        base, info, _ = _annotated(tp)
        schema = json_schema(base, defs)
        if info is not None:
            from ._constraints import add_schema_keywords
            add_schema_keywords(schema, info.constraints)
        return schema
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        return _dataclass_model(tp)._schema(defs)
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (list, List):
        return {"type": "array", "items": json_schema(args[0] if args else Any, defs)}
    if origin in (dict, Dict):
        values = json_schema(args[1], defs) if len(args) == 2 and args[1] is not Any else True
        return {"type": "object", "additionalProperties": values}
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
    """pydantic gives a field no title when it is a model, optional or not
    (a union with other members has one)."""
    branches = schema.get("anyOf", ())
    return "$ref" in schema or (len(branches) == 2 and {"type": "null"} in branches
                                and any("$ref" in s for s in branches))


def schema_document(tp: Any, mode: str = "validation") -> dict:
    """``tp``'s schema with the ``$defs`` it uses: what the host documents.
    ``mode="serialization"`` describes what a response carries (pydantic's
    output schema: a ``Decimal`` is a string)."""
    defs: Dict[str, dict] = {}
    _SERIALIZATION[0] = mode == "serialization"
    try:
        schema = json_schema(tp, defs)
    finally:
        _SERIALIZATION[0] = False
    if defs:
        schema["$defs"] = defs
    return schema


# Set while an output schema is written.
_SERIALIZATION = [False]


def title(name: str) -> str:
    """pydantic's title of a field name: ``user_id`` -> ``User Id``."""
    return name.title().replace("_", " ")


class FieldInfo:
    """What ``Field(...)`` declares of a model field: its default (or
    factory), aliases, constraints and documentation."""

    DOC_ONLY = ("examples", "json_schema_extra", "deprecated")

    def __init__(self, default: Any = _MISSING, *, default_factory: Optional[Callable[[], Any]] = None,
                 alias: Optional[str] = None, validation_alias: Optional[str] = None,
                 serialization_alias: Optional[str] = None, title: Optional[str] = None,
                 description: Optional[str] = None, gt: Any = None, ge: Any = None, lt: Any = None, le: Any = None,
                 multiple_of: Any = None, min_length: Optional[int] = None, max_length: Optional[int] = None,
                 pattern: Optional[str] = None, max_digits: Optional[int] = None,
                 decimal_places: Optional[int] = None, exclude: bool = False, **options: Any) -> None:
        unknown = sorted(set(options) - set(self.DOC_ONLY))
        if unknown:
            raise TypeError(f"Field() got an option FasterAPI does not support: {unknown[0]}")
        for name, value in (("validation_alias", validation_alias), ("serialization_alias", serialization_alias)):
            if value is not None and not isinstance(value, str):
                raise TypeError(f"Field({name}=...) takes a str in FasterAPI, not {value!r}")
        if default is ...:
            default = _MISSING
        if default is not _MISSING and default_factory is not None:
            raise TypeError("cannot give both default and default_factory")
        self.default = default
        self.default_factory = default_factory
        self.alias = alias
        self.validation_alias = validation_alias or alias
        self.serialization_alias = serialization_alias or alias
        self.title = title
        self.description = description
        self.exclude = exclude
        self.examples = options.get("examples")
        self.json_schema_extra = options.get("json_schema_extra")
        self.deprecated = options.get("deprecated")
        given = {"gt": gt, "ge": ge, "lt": lt, "le": le, "multiple_of": multiple_of, "min_length": min_length,
                 "max_length": max_length, "pattern": pattern, "max_digits": max_digits,
                 "decimal_places": decimal_places}
        self.constraints = {k: v for k, v in given.items() if v is not None}
        self.annotation: Any = None  # set once the field belongs to a model

    def is_required(self) -> bool:
        return self.default is _MISSING and self.default_factory is None

    def __repr__(self) -> str:
        return f"FieldInfo(annotation={self.annotation!r}, required={self.is_required()})"


def Field(default: Any = _MISSING, **options: Any) -> Any:
    """pydantic's ``Field``: a default (or ``default_factory``), ``alias``
    (or ``validation_alias``/``serialization_alias``), constraints (``gt``,
    ``ge``, ``lt``, ``le``, ``multiple_of``, ``min_length``, ``max_length``,
    ``pattern``), ``exclude``, ``title``, ``description``, ``examples``."""
    return FieldInfo(default, **options)


class _Layer:
    """A validator wrapped around a type's: pydantic's ``AfterValidator``,
    ``BeforeValidator`` and ``PlainValidator`` (in ``Annotated``)."""

    mode = ""

    def __init__(self, func: Callable[..., Any]) -> None:
        self.func = func


class AfterValidator(_Layer):
    """Runs ``func(value)`` on the value once its type validated it."""

    mode = "after"


class BeforeValidator(_Layer):
    """Runs ``func(value)`` on the input before its type validates it."""

    mode = "before"


class PlainValidator(_Layer):
    """``func(value)`` validates the input instead of its type."""

    mode = "plain"


_VALIDATOR_MODES = ("before", "after", "plain")


def field_validator(*fields: str, mode: str = "after", check_fields: Optional[bool] = None) -> Callable:
    """pydantic's ``@field_validator("name", mode=...)`` on a classmethod:
    ``(cls, value)`` or ``(cls, value, info)`` returns the value or raises
    ``ValueError``/``AssertionError`` (a ``value_error``/``assertion_error``)."""
    if mode not in _VALIDATOR_MODES:
        raise TypeError(f"field_validator(mode={mode!r}) is not supported: use one of {_VALIDATOR_MODES}")
    if not fields or not all(isinstance(f, str) for f in fields):
        raise TypeError("field_validator() takes the names of the fields it validates")

    def mark(func: Any) -> Any:
        func = func if isinstance(func, classmethod) else classmethod(func)
        func.__fasterapi_field_validator__ = (fields, mode)
        return func
    return mark


def model_validator(*, mode: str) -> Callable:
    """pydantic's ``@model_validator``: ``mode="before"`` on a classmethod
    gets the input (a dict) and returns it; ``mode="after"`` on a method
    gets the validated model and returns it."""
    if mode not in ("before", "after"):
        raise TypeError(f"model_validator(mode={mode!r}) is not supported: use 'before' or 'after'")

    def mark(func: Any) -> Any:
        if mode == "before" and not isinstance(func, classmethod):
            func = classmethod(func)
        func.__fasterapi_model_validator__ = mode
        return func
    return mark


class ValidationInfo:
    """The second argument of a validator: the fields validated so far."""

    def __init__(self, data: Dict[str, Any], field_name: Optional[str]) -> None:
        self.data = data
        self.field_name = field_name


def _takes_info(func: Callable[..., Any]) -> bool:
    """Whether a validator takes ``info`` after the value (as pydantic checks)."""
    try:
        parameters = [p for p in inspect.signature(func).parameters.values()
                      if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        return False
    return len(parameters) >= 2


def _user_error(exc: Exception, loc: tuple, value: Any) -> Optional[dict]:
    """pydantic's error for an exception a validator raised (``None``: not a validation error)."""
    if isinstance(exc, ValidationError):
        return None
    if isinstance(exc, ValueError):
        kind, words = "value_error", "Value error"
    elif isinstance(exc, AssertionError):
        kind, words = "assertion_error", "Assertion failed"
    else:
        return None
    # The exception itself is the context; FastAPI's encoder sends it as {}.
    return {"type": kind, "loc": list(loc), "msg": f"{words}, {exc}", "input": value, "ctx": {"error": {}}}


def _user_call(func: Callable[[Any], Any], value: Any, loc: tuple, reported: Any, errors: List[dict]) -> Any:
    """``func(value)``, or ``_FAILED`` with pydantic's error for the
    ``ValueError``/``AssertionError`` it raised (other exceptions propagate)."""
    try:
        return func(value)
    except Exception as exc:
        found = _user_error(exc, loc, reported)
        if found is None:
            raise
        errors.append(found)
        return _FAILED


def _layered(check: Validator, mode: str, func: Callable[..., Any], field_name: Optional[str]) -> Callable:
    """``check`` with a user validator around it; the result takes the
    fields validated so far (for ``info.data``)."""
    with_info = _takes_info(func)

    def call(value: Any, loc: tuple, errors: List[dict], data: Dict[str, Any], raw: Any) -> Any:
        # pydantic reports the field's input, whatever the validator got.
        if with_info:
            return _user_call(lambda v: func(v, ValidationInfo(data, field_name)), value, loc, raw, errors)
        return _user_call(func, value, loc, raw, errors)

    if mode == "plain":
        return call
    if mode == "before":
        def before(value: Any, loc: tuple, errors: List[dict], data: Dict[str, Any], raw: Any) -> Any:
            changed = call(value, loc, errors, data, raw)
            return value if changed is _FAILED else check(changed, loc, errors, data, raw)
        return before

    def after(value: Any, loc: tuple, errors: List[dict], data: Dict[str, Any], raw: Any) -> Any:
        count = len(errors)
        checked = check(value, loc, errors, data, raw)
        if len(errors) > count:
            return checked
        changed = call(checked, loc, errors, data, raw)
        return value if changed is _FAILED else changed
    return after


_FAILED = object()


def _with_data(check: Validator) -> Callable:
    return lambda value, loc, errors, data, raw: check(value, loc, errors)


def _annotated(tp: Any) -> Tuple[Any, Optional[FieldInfo], List[_Layer]]:
    """``Annotated[T, Field(...), AfterValidator(f), ...]`` -> (T, the Field, the validators)."""
    if typing.get_origin(tp) is not typing.Annotated:
        return tp, None, []
    base, *extras = typing.get_args(tp)
    info = next((e for e in extras if isinstance(e, FieldInfo)), None)
    return base, info, [e for e in extras if isinstance(e, _Layer)]


def _checked(tp: Any, info: Optional[FieldInfo], layers: List[Tuple[str, Callable[..., Any]]],
             field_name: Optional[str]) -> Callable:
    """The validator of ``tp`` with ``info``'s constraints and the user
    validators around it (before ones run last-declared first, as in pydantic)."""
    from ._constraints import constrained  # it builds on this module's validators
    check = validator(tp)
    if info is not None:
        check = constrained(check, info.constraints)
    layered = _with_data(check)
    for mode, func in layers:
        layered = _layered(layered, mode, func, field_name)
    return layered


def _annotated_validator(tp: Any) -> Validator:
    """The validator of an ``Annotated`` type used as an item (``list[Annotated[int, ...]]``)."""
    base, info, layers = _annotated(tp)
    check = _checked(base, info, [(layer.mode, layer.func) for layer in layers], None)
    return lambda value, loc, errors: check(value, loc, errors, {}, value)


_CONFIG_KEYS = ("extra", "populate_by_name", "validate_by_name", "json_schema_extra", "title", "from_attributes",
                "str_strip_whitespace")


def ConfigDict(**config: Any) -> Dict[str, Any]:
    """pydantic's ``model_config = ConfigDict(...)``: ``extra`` ("ignore",
    "forbid", "allow"), ``populate_by_name``, ``json_schema_extra``,
    ``title``, ``from_attributes``, ``str_strip_whitespace``."""
    unknown = sorted(set(config) - set(_CONFIG_KEYS))
    if unknown:
        raise TypeError(f"ConfigDict() got an option FasterAPI does not support: {unknown[0]}")
    if config.get("extra", "ignore") not in ("ignore", "forbid", "allow"):
        raise TypeError(f"extra must be 'ignore', 'forbid' or 'allow', not {config['extra']!r}")
    return dict(config)


class _Plan:
    """How a model validates: per field (name, input keys, check, default),
    the keys it knows, its ``extra`` policy and its model validators."""

    def __init__(self, cls: type) -> None:
        config = cls.model_config
        by_name = config.get("populate_by_name") or config.get("validate_by_name")
        decorated = _decorated_validators(cls)
        self.fields: List[Tuple[str, Tuple[str, ...], Callable, Any]] = []
        for name, (tp, default) in cls.__fields__.items():
            info = cls.__field_info__.get(name)
            layers = [*((layer.mode, layer.func) for layer in cls.__layers__.get(name, ())),
                      *((mode, getattr(cls, attr)) for attr, fields, mode in decorated
                        if name in fields or "*" in fields)]
            check = _checked(tp, info, layers, name)
            alias = info.validation_alias if info is not None else None
            keys = (alias, name) if alias and by_name else (alias or name,)
            factory = info.default_factory if info is not None else None
            self.fields.append((name, keys, check, _Factory(factory) if factory is not None else default))
        self.known = {key for _, keys, _, _ in self.fields for key in keys}
        self.extra = config.get("extra", "ignore")
        self.strip = bool(config.get("str_strip_whitespace"))
        self.before = [getattr(cls, attr) for attr, mode in _model_validators(cls) if mode == "before"]
        self.after = [attr for attr, mode in _model_validators(cls) if mode == "after"]


def _decorated_validators(cls: type) -> List[Tuple[str, Tuple[str, ...], str]]:
    """(attribute, fields, mode) of every ``@field_validator`` of ``cls`` and its bases."""
    found: Dict[str, Tuple[str, Tuple[str, ...], str]] = {}
    for klass in reversed(cls.__mro__):
        for attr, value in vars(klass).items():
            marked = getattr(value, "__fasterapi_field_validator__", None)
            if marked is not None:
                found[attr] = (attr, *marked)
    return list(found.values())


def _model_validators(cls: type) -> List[Tuple[str, str]]:
    found: Dict[str, str] = {}
    for klass in reversed(cls.__mro__):
        for attr, value in vars(klass).items():
            mode = getattr(value, "__fasterapi_model_validator__", None)
            if mode is not None:
                found[attr] = mode
    return list(found.items())


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
    # A field's validators from `Annotated[T, AfterValidator(f), ...]`.
    __layers__: Dict[str, List[_Layer]] = {}
    model_config: Dict[str, Any] = {}
    # Every field's FieldInfo, as pydantic's `Model.model_fields`.
    model_fields: Dict[str, FieldInfo] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        config = {}
        for base in reversed(cls.__mro__[1:]):
            config.update(getattr(base, "model_config", {}))
        cls.model_config = {**config, **ConfigDict(**cls.__dict__.get("model_config", {}))}
        hints = typing.get_type_hints(cls, include_extras=True)
        fields, infos, layers = {}, dict(getattr(cls, "__field_info__", {})), dict(getattr(cls, "__layers__", {}))
        for name, tp in hints.items():
            if name.startswith("_") or name in BaseModel.__annotations__ or typing.get_origin(tp) is typing.ClassVar:
                continue
            default = cls.__dict__.get(name, _inherited_default(cls, name))
            tp, info, extras = _annotated(tp)
            if extras:
                layers[name] = extras
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
        cls.__layers__ = layers
        cls.model_fields = {name: _public_info(tp, default, infos.get(name)) for name, (tp, default) in fields.items()}

    def __init__(self, **data: Any) -> None:
        errors: List[dict] = []
        instance = type(self)._validate(data, (), errors)
        if errors:
            raise ValidationError(errors)
        self.__dict__.update(instance.__dict__)

    def __setattr__(self, name: str, value: Any) -> None:
        self.__dict__[name] = value
        if name in type(self).__fields__:
            self.model_fields_set.add(name)

    @property
    def model_fields_set(self) -> set:
        """The fields given when the model was made (not filled by a default)."""
        found = self.__dict__.get("__pydantic_fields_set__")
        if found is None:
            found = self.__dict__["__pydantic_fields_set__"] = set(type(self).__fields__)
        return found

    @property
    def model_extra(self) -> Optional[Dict[str, Any]]:
        """The input's other keys when ``extra="allow"``."""
        return self.__dict__.get("__pydantic_extra__")

    @classmethod
    def model_validate(cls, obj: Any, *, from_attributes: Optional[bool] = None) -> "BaseModel":
        """Validates a dict (e.g. parsed JSON) into an instance; with
        ``from_attributes``, any object's attributes."""
        errors: List[dict] = []
        instance = _from_attributes(cls._validate, obj, (), errors) if from_attributes else \
            cls._validate(obj, (), errors)
        if errors:
            raise ValidationError(errors)
        return instance

    @classmethod
    def model_validate_json(cls, data: Any) -> "BaseModel":
        return cls.model_validate(json.loads(data))

    @classmethod
    def _validate(cls, value: Any, loc: tuple, errors: List[dict]) -> Any:
        if isinstance(value, cls):
            return value
        plan = cls._plan()
        original = value
        for before in plan.before:
            value = _user_call(before, value, loc, value, errors)
            if value is _FAILED:
                return original
        if not isinstance(value, dict):
            attributes = _attributes(cls, value) if _FROM_ATTRIBUTES[0] else None
            if attributes is None:
                errors.append(cls._type_error(loc, value))
                return value
            value = attributes
        count = len(errors)
        instance = cls.__new__(cls)
        cls._validate_fields(instance, plan, value, loc, errors)
        if len(errors) > count:
            return value
        for attr in plan.after:
            instance = _user_call(lambda model: getattr(model, attr)(), instance, loc, original, errors)
            if instance is _FAILED:
                return value
        return instance

    @classmethod
    def _type_error(cls, loc: tuple, value: Any) -> dict:
        """The error for an input that is not a dict: FastAPI validates with
        ``from_attributes``, which words it otherwise than ``model_validate``."""
        if _FROM_ATTRIBUTES[0]:
            return error("model_attributes_type", loc, value)
        return {"type": "model_type", "loc": list(loc), "msg": f"Input should be a valid dictionary or instance of "
                f"{cls.__name__}", "input": value, "ctx": {"class_name": cls.__name__}}

    @classmethod
    def _plan(cls) -> _Plan:
        """The model's validation plan, built on first use (the types a
        model names may be declared after it)."""
        plan = cls.__dict__.get("__plan__")
        if plan is None:
            plan = _Plan(cls)
            type.__setattr__(cls, "__plan__", plan)
        return plan

    @staticmethod
    def _validate_fields(instance: "BaseModel", plan: _Plan, data: dict, loc: tuple, errors: List[dict]) -> None:
        values: Dict[str, Any] = {}
        given = set()
        for name, keys, check, default in plan.fields:
            key = next((k for k in keys if k in data), None)
            if key is not None:
                value = data[key]
                if plan.strip and type(value) is str:
                    value = value.strip()
                values[name] = check(value, loc + (key,), errors, values, value)
                given.add(name)
            elif isinstance(default, _Factory):
                values[name] = default.make()
            elif default is not _MISSING:
                values[name] = copy.deepcopy(default)
            else:
                errors.append(error("missing", loc + (keys[0],), data))
        if plan.extra == "forbid":
            for key in data:
                if key not in plan.known:
                    errors.append({"type": "extra_forbidden", "loc": [*loc, key],
                                   "msg": "Extra inputs are not permitted", "input": data[key]})
        elif plan.extra == "allow":
            values["__pydantic_extra__"] = {k: v for k, v in data.items() if k not in plan.known}
        values["__pydantic_fields_set__"] = given
        instance.__dict__.update(values)

    @classmethod
    def _schema(cls, defs: Dict[str, dict]) -> dict:
        name = cls.__name__
        if name not in defs:
            defs[name] = {}  # a placeholder, so that recursive models end
            defs[name] = cls._object_schema(defs)
        return {"$ref": f"#/$defs/{name}"}

    @classmethod
    def _object_schema(cls, defs: Dict[str, dict]) -> dict:
        config = cls.model_config
        properties = {}
        required = []
        for field, (tp, default) in cls.__fields__.items():
            info = cls.__field_info__.get(field)
            key = info.validation_alias if info is not None and info.validation_alias else field
            properties[key] = _field_schema(tp, default, info, key, defs)
            if info.is_required() if info is not None else default is _MISSING:
                required.append(key)
        schema: Dict[str, Any] = {}
        if config.get("extra") == "forbid":
            schema["additionalProperties"] = False
        elif config.get("extra") == "allow":
            schema["additionalProperties"] = True
        schema.update(properties=properties)
        if required:
            schema["required"] = required
        schema["title"] = config.get("title", cls.__name__)
        schema["type"] = "object"
        if cls.__doc__ and cls.__doc__ is not BaseModel.__doc__:
            schema["description"] = inspect.cleandoc(cls.__doc__)
        if isinstance(config.get("json_schema_extra"), dict):
            schema.update(config["json_schema_extra"])
        return dict(sorted(schema.items()))

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

    def model_dump(self, *, mode: str = "python", include: Any = None, exclude: Any = None, by_alias: bool = False,
                   exclude_unset: bool = False, exclude_defaults: bool = False, exclude_none: bool = False) -> dict:
        """The model as plain dicts, lists and scalars (``mode="json"``:
        as JSON would carry them), as pydantic's ``model_dump``."""
        options = DumpOptions(mode == "json", by_alias, exclude_unset, exclude_defaults, exclude_none)
        return _dump_model(type(self), self, include, exclude, options)

    def model_dump_json(self, *, indent: Optional[int] = None, **options: Any) -> str:
        """The model as JSON (compact unless ``indent``)."""
        content = self.model_dump(mode="json", **options)
        if indent is None:
            return json.dumps(content, separators=(",", ":"), ensure_ascii=False)
        return json.dumps(content, indent=indent, ensure_ascii=False)

    def model_copy(self, *, update: Optional[Dict[str, Any]] = None, deep: bool = False) -> "BaseModel":
        """A copy, with ``update``'s values set as they are (not validated, as in pydantic)."""
        copied = type(self).__new__(type(self))
        state = copy.deepcopy(self.__dict__) if deep else dict(self.__dict__)
        state["__pydantic_fields_set__"] = set(self.model_fields_set)
        copied.__dict__.update(state)
        for name, value in (update or {}).items():
            setattr(copied, name, value)
        return copied

    def __getattr__(self, name: str) -> Any:
        extra = self.__dict__.get("__pydantic_extra__")
        if extra is not None and name in extra:
            return extra[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __iter__(self) -> Any:
        return iter((name, self.__dict__.get(name)) for name in type(self).__fields__)

    def __eq__(self, other: Any) -> bool:
        return type(other) is type(self) and other.model_dump() == self.model_dump()

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={self.__dict__.get(name)!r}" for name in type(self).__fields__)
        return f"{type(self).__name__}({fields})"


def _public_info(tp: Any, default: Any, info: Optional[FieldInfo]) -> FieldInfo:
    public = copy.copy(info) if info is not None else FieldInfo(default)
    public.annotation = tp
    return public


def _field_schema(tp: Any, default: Any, info: Optional[FieldInfo], key: str, defs: Dict[str, dict]) -> dict:
    """One property of a model's schema, as pydantic writes it."""
    schema = json_schema(tp, defs)
    if info is not None:
        from ._constraints import add_schema_keywords
        add_schema_keywords(schema, info.constraints)
    if default is not _MISSING:
        schema["default"] = _dump(default)
    if not _is_reference(schema):
        schema["title"] = info.title if info is not None and info.title else title(key)
    if info is not None:
        if info.description:
            schema["description"] = info.description
        if info.examples is not None:
            schema["examples"] = info.examples
        if info.deprecated:
            schema["deprecated"] = True
        if isinstance(info.json_schema_extra, dict):
            schema.update(info.json_schema_extra)
    return schema


# Set while a response is validated: objects are read by their attributes
# (FastAPI validates what a handler returns with `from_attributes=True`).
_FROM_ATTRIBUTES = [False]


def _from_attributes(check: Validator, value: Any, loc: tuple, errors: List[dict]) -> Any:
    """``check(value)`` with objects read by their attributes."""
    previous, _FROM_ATTRIBUTES[0] = _FROM_ATTRIBUTES[0], True
    try:
        return check(value, loc, errors)
    finally:
        _FROM_ATTRIBUTES[0] = previous


def attributes_validator(check: Validator) -> Validator:
    """``check`` as FastAPI runs a body's validation: with ``from_attributes``."""
    return lambda value, loc, errors: _from_attributes(check, value, loc, errors)


def _attributes(cls: type, value: Any) -> Optional[Dict[str, Any]]:
    """An object's attributes named as ``cls``'s fields (``None``: not an object with attributes)."""
    if isinstance(value, (str, bytes, int, float, list, tuple, set)) or value is None:
        return None
    found = {}
    for name, keys, _, _ in cls._plan().fields:
        if hasattr(value, name):
            found[keys[0]] = getattr(value, name)
    return found


class DumpOptions(typing.NamedTuple):
    """How a model is dumped (``model_dump``'s flags)."""

    json: bool = False
    by_alias: bool = False
    exclude_unset: bool = False
    exclude_defaults: bool = False
    exclude_none: bool = False


def _dump_model(cls: type, instance: Any, include: Any, exclude: Any, options: DumpOptions) -> dict:
    """``instance`` dumped as a ``cls`` (its declared type: a subclass's
    own fields are left out, as pydantic serializes)."""
    out: Dict[str, Any] = {}
    state = instance.__dict__
    given = state.get("__pydantic_fields_set__") if options.exclude_unset else None
    for name, (tp, default) in cls.__fields__.items():
        info = cls.__field_info__.get(name)
        if (include is not None and _nested(include, name) is None) or (info is not None and info.exclude):
            continue
        below = _nested(exclude, name)
        if below is True:
            continue
        if given is not None and name not in given:
            continue
        value = state.get(name)
        if options.exclude_none and value is None:
            continue
        if options.exclude_defaults and default is not _MISSING and value == default:
            continue
        key = info.serialization_alias if options.by_alias and info is not None and info.serialization_alias \
            else name
        out[key] = serialize(tp, value, _nested(include, name), below or None, options)
    extra = state.get("__pydantic_extra__")
    if extra:
        out.update({k: serialize(Any, v, None, None, options) for k, v in extra.items()
                    if (include is None or _nested(include, k) is not None) and _nested(exclude, k) is not True})
    return out


def _nested(spec: Any, key: Any) -> Any:
    """What ``include``/``exclude`` says below ``key``: ``True`` for all of it, a nested spec, or ``None``."""
    if spec is None:
        return None
    if isinstance(spec, dict):
        below = spec.get(key, spec.get("__all__"))
        return True if below is True or below is ... else below
    return True if spec is True or key in spec else None


def serialize(tp: Any, value: Any, include: Any, exclude: Any, options: DumpOptions) -> Any:
    """``value`` as declared type ``tp`` dumps it: models by their declared
    fields, containers item by item, other values as they are (or as JSON
    carries them)."""
    if value is None:
        return None
    tp, _ = _unwrap_optional(tp)
    if typing.get_origin(tp) is typing.Annotated:
        tp = typing.get_args(tp)[0]
    if isinstance(value, BaseModel):
        declared = tp if isinstance(tp, type) and issubclass(tp, BaseModel) and isinstance(value, tp) else type(value)
        return _dump_model(declared, value, include, exclude, options)
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if isinstance(value, (list, tuple, set, frozenset)):
        item = args[0] if args and origin in (list, List, set, frozenset) else Any
        items = [serialize(args[i] if origin is tuple and len(args) > i and args[-1] is not ... else item, v,
                           _nested(include, i), _nested(exclude, i), options)
                 for i, v in enumerate(value)
                 if _nested(exclude, i) is not True and (include is None or _nested(include, i) is not None)]
        return items if options.json or isinstance(value, list) else type(value)(items)
    if isinstance(value, dict):
        item = args[1] if len(args) == 2 else Any
        return {(_types.to_json(k) if options.json else k): serialize(item, v, _nested(include, k),
                                                                       _nested(exclude, k), options)
                for k, v in value.items() if _nested(exclude, k) is not True
                and (include is None or _nested(include, k) is not None)}
    if _is_dataclass_instance(value):
        return {f: serialize(Any, getattr(value, f), None, None, options) for f in value.__dataclass_fields__}
    return _types.to_json(value) if options.json else value


def _is_dataclass_instance(value: Any) -> bool:
    return hasattr(type(value), "__dataclass_fields__")


def response_serializer(tp: Any, include: Any = None, exclude: Any = None, by_alias: bool = True,
                        exclude_unset: bool = False, exclude_defaults: bool = False,
                        exclude_none: bool = False) -> Callable[[Any], Any]:
    """What FastAPI does with a handler's result for its ``response_model``:
    validates it as ``tp`` (objects read by their attributes), then dumps it
    as JSON carries it, with the route's ``response_model_*`` options.
    Raises ``ValidationError`` (a 500: the handler broke its contract)."""
    check = validator(tp)
    options = DumpOptions(True, by_alias, exclude_unset, exclude_defaults, exclude_none)
    include = set(include) if isinstance(include, (list, tuple, frozenset)) else include
    exclude = set(exclude) if isinstance(exclude, (list, tuple, frozenset)) else exclude

    def dump(value: Any) -> Any:
        errors: List[dict] = []
        checked = _from_attributes(check, value, ("response",), errors)
        if errors:
            raise ValidationError(errors)
        return serialize(tp, checked, include, exclude, options)
    return dump


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
    """A default or value as plain data (models as dicts), for schemas."""
    if isinstance(value, BaseModel):
        return value.model_dump()
    if isinstance(value, list):
        return [_dump(v) for v in value]
    if isinstance(value, dict):
        return {k: _dump(v) for k, v in value.items()}
    return _types.to_json(value)


_DATACLASS_MODELS: Dict[type, type] = {}


def _dataclass_model(tp: type) -> type:
    """A model with a dataclass's fields: how a dataclass body validates and documents itself."""
    model = _DATACLASS_MODELS.get(tp)
    if model is None:
        namespace: Dict[str, Any] = {"__annotations__": {}, "__doc__": _dataclass_doc(tp), "__module__": tp.__module__}
        hints = typing.get_type_hints(tp, include_extras=True)
        for found in dataclasses.fields(tp):
            namespace["__annotations__"][found.name] = hints.get(found.name, Any)
            if found.default is not dataclasses.MISSING:
                namespace[found.name] = found.default
            elif found.default_factory is not dataclasses.MISSING:
                namespace[found.name] = Field(default_factory=found.default_factory)
        model = _DATACLASS_MODELS[tp] = type(tp.__name__, (_DataclassModel,), namespace)
    return model


class _DataclassModel(BaseModel):
    """The model of a dataclass: only its error for a non-dict input differs."""

    @classmethod
    def _type_error(cls, loc: tuple, value: Any) -> dict:
        return {"type": "dataclass_type", "loc": list(loc), "msg": f"Input should be a dictionary or an instance of "
                f"{cls.__name__}", "input": value, "ctx": {"class_name": cls.__name__}}


def _dataclass_doc(tp: type) -> Optional[str]:
    """A dataclass's own docstring (not the signature ``dataclass`` writes when it has none)."""
    doc = tp.__doc__
    return None if doc is None or doc.startswith(f"{tp.__name__}(") else doc


def _dataclass_validator(tp: type) -> Validator:
    """Validates a dataclass's fields as pydantic does, then makes the dataclass."""
    model = _dataclass_model(tp)

    def check(value: Any, loc: tuple, errors: List[dict]) -> Any:
        if isinstance(value, tp):
            return value
        count = len(errors)
        instance = model._validate(value, loc, errors)
        if len(errors) > count:
            return value
        return tp(**{name: instance.__dict__[name] for name in model.__fields__})
    return check
