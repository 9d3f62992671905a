"""``FasterAPI``: FastAPI-style route declarations, turned into a typed route
table for the host, and the dispatch of requests the host already validated."""

import collections.abc
import contextlib
import copy
import datetime
import decimal
import enum
from http import HTTPStatus
from http.cookies import _unquote
from urllib.parse import parse_qsl, quote, unquote
import inspect
import json
import re
import sys
import traceback
import types
import typing
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from . import log
from ._errors import error
from ._constraints import add_schema_keywords, constrained
from ._model import (_MISSING as _MISSING_FIELD, BaseModel, _dump, _unwrap_optional, attributes_validator, json_schema,
                     response_serializer, schema_document, title, validator)
from ._depends import (Call, Const, Depends, Exits, SecurityBase, SecurityScopes, Security, argument, invoke,
                       run, solve)
from ._files import UploadFile
from ._params import DECIMAL_CONSTRAINTS, NUMERIC_CONSTRAINTS, TEXT_CONSTRAINTS, ParamInfo, Required
from ._responses import (HTTPException, JSONResponse, PlainTextResponse, Response, StreamingResponse, _content_type,
                         dumps)
from .encoders import jsonable_encoder
from .sse import SSE_EVENT_SCHEMA, EventSourceResponse, ServerSentEvent, event_bytes, format_sse_event
from .background import BackgroundTasks
from .exceptions import RequestValidationError
from .middleware import Middleware

# Python types the host can parse natively, and their WIT `param-type`.
SCALAR_KINDS = {bool: "bool", int: "int", float: "float", str: "str", uuid.UUID: "uuid",
                datetime.datetime: "datetime", datetime.date: "date", datetime.time: "time",
                datetime.timedelta: "timedelta", decimal.Decimal: "decimal", bytes: "bytes"}
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
# The host's own answers an app can handle (`exception_handler(404)`).
_HOST_STATUSES = (404, 405)
# An option left out (``response_model``: the return annotation's).
_DEFAULT: Any = object()


@dataclass
class ParamSpec:
    """One path, query, header or cookie parameter, as declared to the host."""

    arg: str  # the handler's argument name
    name: str  # the wire name (also the error `loc`)
    source: str  # "path", "query", "header" or "cookie"
    kind: str  # "int", "float", "bool" or "str"
    required: bool
    default: Any = None
    description: Optional[str] = None
    repeated: bool = False  # `list[T]`: every value, as a list
    constraints: Dict[str, Any] = field(default_factory=dict)
    convert: Optional[Callable[[Any], Any]] = None  # the host's value -> the handler's
    title: Optional[str] = None  # the schema's title in /openapi.json (default: from the wire name)
    unique: bool = False  # a `set[T]`: documented with uniqueItems
    group: int = 0  # which dependant declared it (FastAPI lists errors by dependant)
    schema_extra: Optional[Dict[str, Any]] = None  # json_schema_extra, merged into its documented schema


@dataclass
class BodyParam:
    """A handler argument filled from the JSON body."""

    arg: str
    annotation: Any
    required: bool
    default: Any = None
    name: str = ""  # its key in an embedded body (the alias, or the argument's name)
    constraints: Dict[str, Any] = field(default_factory=dict)
    embed: bool = False
    check: Any = None  # the validator, constraints included (set once declared)


@dataclass
class Body:
    """The JSON body of a route: one argument is the whole body; several (or
    one with ``Body(embed=True)``) are the keys of a JSON object, as in FastAPI."""

    params: List[BodyParam] = field(default_factory=list)

    @property
    def embedded(self) -> bool:
        return len(self.params) > 1 or self.params[0].embed

    @property
    def required(self) -> bool:
        return any(p.required for p in self.params)


@dataclass
class RouteDocs:
    """What ``/openapi.json`` says of a route (the decorator's options)."""

    summary: Optional[str] = None
    description: Optional[str] = None
    tags: List[str] = field(default_factory=list)
    deprecated: bool = False
    include_in_schema: bool = True
    response_model: Any = None
    # `responses=`: more documented answers, by status code (or "4XX", "default").
    responses: Dict[Any, Dict[str, Any]] = field(default_factory=dict)


@dataclass
class Route:
    """One declared route."""

    method: str
    path: str  # matchit syntax: `{name}`, `{*name}`
    endpoint: Callable[..., Any]
    status_code: int
    response_class: type
    params: List[ParamSpec] = field(default_factory=list)
    body: Optional[Body] = None
    # The keys that get the raw request (the handler's or a dependency's `Request` argument).
    request_keys: Tuple[str, ...] = ()
    # The keys that get the response to adjust (a `Response` argument: status, headers, cookies).
    response_keys: Tuple[str, ...] = ()
    # The keys that get the request's `BackgroundTasks` (one object for all).
    background_keys: Tuple[str, ...] = ()
    docs: RouteDocs = field(default_factory=RouteDocs)
    # The handler with its dependencies, planned at declaration; `None`
    # when it has none (the handler is called directly).
    plan: Optional[Call] = None
    group: int = 0  # while declaring: the group of the parameters being added
    # Typed parameters only (set once built): dispatched without assembling anything.
    simple: bool = False
    # The handler's parameters are exactly `arg_names`, in order, all positional.
    positional: bool = False
    # The security schemes its dependencies use: (name, scheme, scopes), for /openapi.json.
    security: List[Tuple[str, Dict[str, Any], List[str]]] = field(default_factory=list)
    # The handler's argument names of `params`, in order (set once built).
    arg_names: Tuple[str, ...] = ()
    # (position, converter) for arguments the host passes as text but the
    # handler gets as objects (UUID, Enum members); empty for most routes.
    converters: Tuple[Tuple[int, Callable[[Any], Any]], ...] = ()
    # Parameter models (`Annotated[FilterParams, Query()]`): (argument, model
    # class, its fields), built from the fields' own parameters.
    models: Tuple[Tuple[str, type, Tuple[str, ...]], ...] = ()
    # The same models as the host sees them: (indexes into `params`, extra="forbid").
    param_models: Tuple[Tuple[Tuple[int, ...], bool], ...] = ()
    # The result as its `response_model` validates, filters and dumps it.
    serialize: Optional[Callable[[Any], Any]] = None
    # A generator handler's answer, streamed: "jsonl" (JSON Lines, FastAPI's
    # default), "sse" (EventSourceResponse) or "raw" (its response class's).
    stream: Optional[str] = None
    # A streamed item as its annotation (`-> Iterator[Item]`) validates and dumps it.
    item_serialize: Optional[Callable[[Any], Any]] = None
    item_type: Any = None

    def __post_init__(self) -> None:
        media_type = getattr(self.response_class, "media_type", None)
        charset = getattr(self.response_class, "charset", "utf-8")
        self.content_type = _content_type(media_type, charset) if media_type else None

    @property
    def name(self) -> str:
        return self.endpoint.__name__

    @property
    def media_type(self) -> str:
        """The media type of a successful answer; empty for a class with
        none (a redirect), whose answer FastAPI documents without content,
        and for a stream of items (documented by ``extra_responses``)."""
        if self.stream in ("jsonl", "sse"):
            return ""
        return getattr(self.response_class, "media_type", None) or ""

    def respond(self, content: Any) -> Response:
        """The route's answer for what the handler returned: its response
        class at its status. For the built-in classes the object is filled
        in directly: one Python ``__init__`` less on every request."""
        if self.serialize is not None:
            content = self.serialize(content)
        cls = self.response_class
        if cls.__init__ is not Response.__init__:
            return cls(content, status_code=self.status_code)
        response = cls.__new__(cls)
        response.status_code = self.status_code
        response.body = response.render(content)
        response.headers = {"content-type": self.content_type} if self.content_type else {}
        return response

    def body_schema(self) -> Optional[dict]:
        """The JSON Schema of the body (with ``$defs``), if the route takes one:
        an embedded body is FastAPI's ``Body_<operation id>`` object."""
        if self.body is None:
            return None
        defs: Dict[str, dict] = {}
        if not self.body.embedded:
            schema = _body_field_schema(self.body.params[0], defs)
        else:
            name = f"Body_{_operation_id(self)}"
            properties = {p.name: _body_field_schema(p, defs) for p in self.body.params}
            body = {"properties": properties, "type": "object"}
            required = [p.name for p in self.body.params if p.required]
            if required:
                body["required"] = required
            body["title"] = name
            defs[name] = body
            schema = {"$ref": f"#/$defs/{name}"}
        if defs:
            schema["$defs"] = defs
        return schema

    def extra_responses(self) -> Optional[dict]:
        """The ``responses=`` answers as FastAPI documents them (a ``model``
        as the schema of the route's media type, a description from the
        status when none is given), with the models they use in ``$defs``."""
        answers: Dict[str, dict] = {}
        defs: Dict[str, dict] = {}
        if self.stream in ("jsonl", "sse"):
            answers[str(self.status_code)] = self._stream_answer(defs)
        if not self.docs.responses and not answers:
            return None
        for code, answer in self.docs.responses.items():
            if not isinstance(answer, dict):
                raise TypeError(f"{self.name}: responses[{code!r}] must be a dict, not {answer!r}")
            answer = copy.deepcopy(answer)
            model = answer.pop("model", None)
            key = "default" if str(code).upper() == "DEFAULT" else str(code).upper()
            if model is not None:
                schema = schema_document(model, "serialization")
                defs.update(schema.pop("$defs", {}))
                if "$ref" not in schema:
                    schema["title"] = title(f"Response_{code}_{_operation_id(self)}")
                media = answer.setdefault("content", {}).setdefault(self.media_type or "application/json", {})
                media.setdefault("schema", {}).update(schema)
            success = "Successful Response" if key == str(self.status_code) else None
            answer["description"] = answer.get("description") or success or _status_text(key)
            answers[key] = _merged(answers.get(key, {}), answer)
        return {"responses": answers, "$defs": defs} if defs else {"responses": answers}

    def _stream_answer(self, defs: Dict[str, dict]) -> dict:
        """The success answer of a stream of items, as FastAPI documents it:
        each item's schema (``itemSchema``), in an event's ``data`` for SSE."""
        item_schema: dict = {}
        if self.item_type is not None:
            item_schema = schema_document(self.item_type, "serialization")
            defs.update(item_schema.pop("$defs", {}))
        if self.stream == "jsonl":
            return {"description": "Successful Response", "content": {"application/jsonl": {"itemSchema": item_schema}}}
        event = copy.deepcopy(SSE_EVENT_SCHEMA)
        if self.item_type is not None:
            event["required"] = ["data"]
            event["properties"]["data"] = {"type": "string", "contentMediaType": "application/json",
                                           "contentSchema": item_schema}
        return {"description": "Successful Response", "content": {"text/event-stream": {"itemSchema": event}}}

    def streamed(self, items: Any) -> Response:
        """A generator handler's items as its streamed answer."""
        if self.stream == "raw":
            return self.response_class(items, status_code=self.status_code)
        if self.stream == "jsonl":
            return StreamingResponse(_each(items, lambda item: self._item_json(item).encode() + b"\n"),
                                     status_code=self.status_code, media_type="application/jsonl")
        response = EventSourceResponse(_each(items, self._event), status_code=self.status_code)
        response.headers["x-accel-buffering"] = "no"  # so that Nginx does not buffer the events
        return response

    def _item_json(self, item: Any) -> str:
        """One streamed item as JSON, as FastAPI writes it (validated and
        compact with an item type, ``json.dumps``' own spacing without)."""
        if self.item_serialize is not None:
            return dumps(self.item_serialize(item))
        return json.dumps(_finite(jsonable_encoder(item)))

    def _event(self, item: Any) -> bytes:
        if isinstance(item, ServerSentEvent):
            return event_bytes(item, lambda data: json.dumps(_finite(jsonable_encoder(data))))
        return format_sse_event(data_str=self._item_json(item))

    def response_schema(self) -> Optional[dict]:
        """The JSON Schema of a successful answer, if declared (``response_model``)."""
        model = self.docs.response_model
        if model is None:
            return None
        schema = schema_document(model, "serialization")
        if "$ref" not in schema:  # FastAPI names the response field after the operation
            schema["title"] = title(f"Response_{_operation_id(self)}")
        return schema


_STATUS_RANGES = {"1XX": "Information", "2XX": "Success", "3XX": "Redirection", "4XX": "Client Error",
                  "5XX": "Server Error", "default": "Default Response"}


def _merged(base: dict, update: dict) -> dict:
    """``base`` updated with ``update`` deeply, as FastAPI's ``deep_dict_update``."""
    out = dict(base)
    for key, value in update.items():
        out[key] = _merged(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def _finite(value: Any) -> Any:
    """Infinite and NaN floats as ``None``, as FastAPI sends them in a stream."""
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return None
    if isinstance(value, list):
        return [_finite(v) for v in value]
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    return value


def _each(items: Any, convert: Callable[[Any], bytes]) -> Any:
    """``items`` (a generator or an async one) with ``convert`` applied to each."""
    if hasattr(items, "__aiter__"):
        async def converted() -> Any:
            async for item in items:
                yield convert(item)
        return converted()
    return (convert(item) for item in items)


def _status_text(key: str) -> str:
    """FastAPI's description of a documented answer that gives none."""
    if key in _STATUS_RANGES:
        return _STATUS_RANGES[key]
    try:
        return HTTPStatus(int(key)).phrase
    except ValueError:
        return "Additional Response"


def documented_schemas(routes: Sequence[Route]) -> List[Tuple[Optional[dict], Optional[dict], Optional[dict]]]:
    """Each route's body and response schemas and its ``responses=``
    answers, with models named as FastAPI names them: one documented both
    ways whose two schemas differ is ``Name-Input`` in bodies and
    ``Name-Output`` in answers."""
    bodies = [route.body_schema() for route in routes]
    answers = [route.response_schema() for route in routes]
    extras = [route.extra_responses() for route in routes]
    shown = [route.docs.include_in_schema for route in routes]
    inputs = {k: v for s, on in zip(bodies, shown) if s and on for k, v in s.get("$defs", {}).items()}
    outputs = {k: v for s, on in zip(answers + extras, shown + shown) if s and on
               for k, v in s.get("$defs", {}).items()}
    split: set = set()
    while True:
        # A model that refers to a split one differs too.
        more = {name for name in (inputs.keys() & outputs.keys()) - split
                if _suffixed(inputs[name], split, "Input") != _suffixed(outputs[name], split, "Output")}
        if not more:
            break
        split |= more
    if split:
        bodies = [_suffixed(s, split, "Input") for s in bodies]
        answers = [_suffixed(s, split, "Output") for s in answers]
        extras = [_suffixed(s, split, "Output") for s in extras]
    return list(zip(bodies, answers, extras))


def _suffixed(schema: Any, names: set, suffix: str) -> Any:
    """``schema`` with the models in ``names`` renamed ``Name-<suffix>`` (definitions and references)."""
    if isinstance(schema, list):
        return [_suffixed(s, names, suffix) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {}
    for key, value in schema.items():
        if key == "$ref" and value.startswith("#/$defs/") and value[8:] in names:
            value = f"{value}-{suffix}"
        elif key == "$defs":
            value = {(f"{k}-{suffix}" if k in names else k): _suffixed(v, names, suffix) for k, v in value.items()}
        else:
            value = _suffixed(value, names, suffix)
        out[key] = value
    return out


class State:
    """Starlette's ``State``: attributes set freely (``app.state.db = ...``)."""

    def __init__(self, values: Optional[Dict[str, Any]] = None) -> None:
        self.__dict__.update(values or {})


class Request:
    """The raw request, for handlers that declare a ``Request`` argument."""

    def __init__(self, method: str, path: str, query: str, headers: List[Tuple[str, bytes]], body: bytes,
                 app: Any = None):
        # `request.app.state` and the lifespan's state (`request.state`), as in Starlette.
        self.app = app
        self.state = State(app.lifespan_state if app is not None else None)
        self.method = method
        self.path = path
        self.query = query
        self.headers = {name: value.decode("latin-1") for name, value in reversed(headers)}
        self._body = body

    @property
    def url(self) -> "URL":
        """The request's URL: ``path`` (decoded), ``query``, ``str(url)``."""
        return URL(self.headers.get("host", ""), self.path, self.query)

    @property
    def query_params(self) -> Dict[str, str]:
        """The query string's values (the last of a repeated key), as Starlette reads them."""
        return dict(parse_qsl(self.query, keep_blank_values=True))

    @property
    def cookies(self) -> Dict[str, str]:
        """The ``Cookie`` header's cookies, as Starlette parses them."""
        cookies: Dict[str, str] = {}
        for chunk in self.headers.get("cookie", "").split(";"):
            key, _, value = chunk.partition("=") if "=" in chunk else ("", "", chunk)
            key, value = key.strip(), value.strip()
            if key or value:
                cookies[key] = _unquote(value)
        return cookies

    async def body(self) -> bytes:
        return self._body

    async def json(self) -> Any:
        return json.loads(self._body)


class URL:
    """A request's URL, as much of Starlette's ``URL`` as a handler reads."""

    def __init__(self, host: str, raw_path: str, query: str) -> None:
        self.scheme = "http"
        self.netloc = self.hostname = host
        self.path = unquote(raw_path)
        self.query = query

    def __str__(self) -> str:
        query = f"?{self.query}" if self.query else ""
        return f"{self.scheme}://{self.netloc}{quote(self.path)}{query}"


class _Declares:
    """The route decorators apps and routers share, as in FastAPI: each
    declares a route through the class's own ``add_api_route`` (the app
    builds it at once, a router keeps it for ``include_router``)."""

    add_api_route: Callable[..., None]

    def api_route(self, path: str, *, methods: List[str], **options: Any) -> Callable:
        """Declares a handler for ``path`` and ``methods``. The handler's
        docstring (up to a form feed) is its description in ``/docs``."""
        def decorator(endpoint: Callable) -> Callable:
            self.add_api_route(path, endpoint, methods=methods, **options)
            return endpoint
        return decorator

    def get(self, path: str, **options: Any) -> Callable:
        """Declares a GET handler."""
        return self.api_route(path, methods=["GET"], **options)

    def post(self, path: str, **options: Any) -> Callable:
        """Declares a POST handler."""
        return self.api_route(path, methods=["POST"], **options)

    def put(self, path: str, **options: Any) -> Callable:
        """Declares a PUT handler."""
        return self.api_route(path, methods=["PUT"], **options)

    def patch(self, path: str, **options: Any) -> Callable:
        """Declares a PATCH handler."""
        return self.api_route(path, methods=["PATCH"], **options)

    def delete(self, path: str, **options: Any) -> Callable:
        """Declares a DELETE handler."""
        return self.api_route(path, methods=["DELETE"], **options)

    def include_router(self, router: "APIRouter", *, prefix: str = "", tags: Optional[List[str]] = None,
                       dependencies: Optional[Sequence[Depends]] = None, deprecated: Optional[bool] = None,
                       include_in_schema: bool = True, responses: Optional[Dict[Any, Dict[str, Any]]] = None,
                       default_response_class: Any = _DEFAULT, **options: Any) -> None:
        """Declares every route of ``router`` here, under ``prefix``, with
        ``tags``, ``dependencies`` and ``responses`` before the router's
        own, as FastAPI does; a route without a response class of its own
        (or its router's) gets ``default_response_class``."""
        _refuse("include_router", options)
        _check_prefix(prefix)
        for path, endpoint, declared in router.declared:
            merged = dict(declared)
            merged["responses"] = {**(responses or {}), **declared["responses"]}
            merged["tags"] = [*(tags or []), *declared["tags"]]
            merged["dependencies"] = [*(dependencies or []), *declared["dependencies"]]
            merged["deprecated"] = declared["deprecated"] or bool(deprecated)
            merged["include_in_schema"] = declared["include_in_schema"] and include_in_schema
            if "response_class" not in merged and default_response_class is not _DEFAULT:
                merged["response_class"] = default_response_class
            self.add_api_route(prefix + path, endpoint, **merged)


def _refuse(where: str, options: Dict[str, Any]) -> None:
    """An option FasterAPI does not support fails the build, never ignored."""
    if options:
        raise TypeError(f"{where}() got an option FasterAPI does not support: {sorted(options)[0]}")


def _check_prefix(prefix: str) -> None:
    if prefix and (not prefix.startswith("/") or prefix.endswith("/")):
        raise ValueError(f"a path prefix must start with '/' and must not end with '/': {prefix!r}")


class APIRouter(_Declares):
    """A group of routes declared apart from the app (another module, say)
    and added to it with ``app.include_router(router)``, as in FastAPI."""

    def __init__(self, *, prefix: str = "", tags: Optional[List[str]] = None,
                 dependencies: Optional[Sequence[Depends]] = None, deprecated: Optional[bool] = None,
                 include_in_schema: bool = True, responses: Optional[Dict[Any, Dict[str, Any]]] = None,
                 default_response_class: Any = _DEFAULT, **options: Any) -> None:
        _refuse("APIRouter", options)
        _check_prefix(prefix)
        self.responses = dict(responses or {})
        self.default_response_class = default_response_class
        self.prefix = prefix
        self.tags = list(tags or [])
        self.dependencies = list(dependencies or [])
        self.deprecated = deprecated
        self.include_in_schema = include_in_schema
        # (path with the prefix, endpoint, options with the router's own merged in)
        self.declared: List[Tuple[str, Callable, Dict[str, Any]]] = []

    def add_api_route(self, path: str, endpoint: Callable, *, tags: Optional[List[str]] = None,
                      dependencies: Optional[Sequence[Depends]] = None, deprecated: bool = False,
                      include_in_schema: bool = True, responses: Optional[Dict[Any, Dict[str, Any]]] = None,
                      **options: Any) -> None:
        if not self.prefix and not path:
            raise ValueError(f"{endpoint.__name__}: prefix and path cannot be both empty")
        if "response_class" not in options and self.default_response_class is not _DEFAULT:
            options["response_class"] = self.default_response_class
        options.update(tags=[*self.tags, *(tags or [])], dependencies=[*self.dependencies, *(dependencies or [])],
                       responses={**self.responses, **(responses or {})},
                       deprecated=deprecated or bool(self.deprecated),
                       include_in_schema=include_in_schema and self.include_in_schema)
        self.declared.append((self.prefix + path, endpoint, options))


class FasterAPI(_Declares):
    """An app: routes declared with decorators, as in FastAPI.

    >>> app = FasterAPI()
    >>> @app.get("/users/{user_id}")
    ... def get_user(user_id: int):
    ...     return {"id": user_id}
    """

    def __init__(self, *, title: str = "FastAPI", version: str = "0.1.0",
                 description: Optional[str] = None, instances: str = "reuse",
                 dependencies: Optional[Sequence[Depends]] = None, lifespan: Optional[Callable[[Any], Any]] = None,
                 on_startup: Optional[Sequence[Callable[[], Any]]] = None,
                 on_shutdown: Optional[Sequence[Callable[[], Any]]] = None,
                 openapi_url: Optional[str] = "/openapi.json", docs_url: Optional[str] = "/docs",
                 redoc_url: Optional[str] = _DEFAULT, root_path: str = "", default_response_class: Any = _DEFAULT,
                 **options: Any) -> None:
        _refuse("FastAPI", options)
        # The response class of a route that names none (nor its router);
        # `_DEFAULT` is JSON, and lets a generator handler stream JSON Lines.
        self.default_response_class = default_response_class
        # The module that made the app: what `TestClient(app)` builds.
        self.defined_in: Optional[str] = sys._getframe(1).f_globals.get("__file__")
        if on_shutdown:
            _refuse_shutdown()
        if redoc_url is not _DEFAULT and redoc_url is not None:
            raise TypeError("FastAPI(redoc_url=...): FasterAPI serves no ReDoc page (Swagger UI is at docs_url); "
                            "leave redoc_url out or set it to None")
        for name, url in (("openapi_url", openapi_url), ("docs_url", docs_url)):
            if url is not None and not url.startswith("/"):
                raise ValueError(f"FastAPI({name}=...) must start with '/', not {url!r}")
        if root_path and (not root_path.startswith("/") or root_path.endswith("/")):
            raise ValueError(f"FastAPI(root_path=...) must start with '/' and not end with '/': {root_path!r}")
        # Where the host serves the document and Swagger UI (None: not at all), below `root_path`.
        self.openapi_url = openapi_url
        self.docs_url = docs_url
        self.root_path = root_path
        if instances not in ("reuse", "per-request"):
            raise ValueError(f'instances must be "reuse" or "per-request", not {instances!r}')
        self.title = title
        self.version = version
        self.description = description
        # How the host runs this app when its manifest does not say: warm
        # instances, as a fresh CPython costs ~0.5 ms a request.
        self.instances = instances
        # Run before every route's own dependencies, as FastAPI(dependencies=...).
        self.dependencies = list(dependencies or [])
        self.routes: List[Route] = []
        # `@app.exception_handler(...)`: exception class or status code -> handler.
        self.exception_handlers: Dict[Any, Callable[..., Any]] = {}
        # What the host runs around the app, outermost first (`add_middleware`).
        self.user_middleware: List[Middleware] = []
        # `@app.middleware("http")` functions, outermost first (run by the guest).
        self.http_middleware: List[Callable[..., Any]] = []
        self.state = State()
        # Run once per instance, before its first request (`_start`).
        self.on_startup: List[Callable[[], Any]] = list(on_startup or [])
        self.lifespan = lifespan
        self.lifespan_state: Dict[str, Any] = {}
        self._started = False
        # Set by `dispatch` when its answer goes on after it is sent (a
        # stream, background work): checked once per request, by the world.
        self.answer_goes_on = False

    def on_event(self, event_type: str) -> Callable:
        """``@app.on_event("startup")``: runs once per instance, before its
        first request. ``"shutdown"`` fails the build: the host drops an
        instance without notice, so it would never run."""
        if event_type == "shutdown":
            _refuse_shutdown()
        if event_type != "startup":
            raise ValueError(f'on_event() takes "startup", not {event_type!r}')

        def decorator(handler: Callable[[], Any]) -> Callable[[], Any]:
            self.on_startup.append(handler)
            return handler
        return decorator

    def _start(self) -> None:
        """Starts this instance of the app: the lifespan up to its ``yield``
        (what it yields is every request's ``request.state``), or without
        one the startup handlers, as FastAPI does. The part after ``yield``
        never runs: the host drops an instance without notice."""
        if self.lifespan is None:
            for handler in self.on_startup:
                _call(handler, {})
        else:
            lifespan = self.lifespan
            if inspect.isasyncgenfunction(lifespan):
                lifespan = contextlib.asynccontextmanager(lifespan)
            elif inspect.isgeneratorfunction(lifespan):
                lifespan = contextlib.contextmanager(lifespan)
            manager = lifespan(self)
            state = run(manager.__aenter__()) if hasattr(manager, "__aenter__") else manager.__enter__()
            self.lifespan_state = dict(state or {})
        self._started = True

    def add_middleware(self, middleware_class: type, *args: Any, **options: Any) -> None:
        """Adds a middleware around the app (the last added runs outermost,
        as in Starlette). The host runs ``CORSMiddleware``,
        ``GZipMiddleware`` and ``TrustedHostMiddleware`` natively; another
        class fails the build."""
        if not (isinstance(middleware_class, type) and issubclass(middleware_class, Middleware)):
            raise TypeError(f"add_middleware({getattr(middleware_class, '__name__', middleware_class)}): FasterAPI "
                            "runs CORSMiddleware, GZipMiddleware and TrustedHostMiddleware (from "
                            "fasterapi.middleware.*); other middleware is not supported yet")
        self.user_middleware.insert(0, middleware_class(None, *args, **options))

    def middleware(self, middleware_type: str) -> Callable:
        """``@app.middleware("http")``: ``async def f(request, call_next)``
        runs around every answer of the app — its handlers' and the host's
        own (404, 405, 422, docs), which the host passes through the guest.
        The last declared runs outermost, as in Starlette."""
        if middleware_type != "http":
            raise ValueError(f'@app.middleware() takes "http", not {middleware_type!r}')

        def decorator(dispatch: Callable[..., Any]) -> Callable[..., Any]:
            self.http_middleware.insert(0, dispatch)
            return dispatch
        return decorator

    def through_middleware(self, parts: Tuple[Any, ...], inner: Callable[[], Response]) -> Response:
        """``inner()``'s answer with the app's HTTP middleware around it;
        a middleware that raises is a logged 500, as Starlette answers it."""
        def call_next_from(depth: int) -> Callable[[Any], Any]:
            async def call_next(request: Any) -> Response:
                if depth == len(self.http_middleware):
                    return inner()
                return await self.http_middleware[depth](request, call_next_from(depth + 1))
            return call_next
        try:
            return run(call_next_from(0)(Request(*parts, self)))
        except Exception:
            log.error("an HTTP middleware raised", traceback=traceback.format_exc())
            return PlainTextResponse("Internal Server Error", status_code=500)

    def add_api_route(self, path: str, endpoint: Callable, *, methods: List[str], status_code: Optional[int] = None,
                      response_class: Any = _DEFAULT, response_model: Any = _DEFAULT,
                      summary: Optional[str] = None, description: Optional[str] = None,
                      tags: Optional[List[str]] = None, deprecated: bool = False,
                      include_in_schema: bool = True, dependencies: Optional[Sequence[Depends]] = None,
                      response_model_include: Any = None, response_model_exclude: Any = None,
                      response_model_by_alias: bool = True, response_model_exclude_unset: bool = False,
                      response_model_exclude_defaults: bool = False, response_model_exclude_none: bool = False,
                      responses: Optional[Dict[Any, Dict[str, Any]]] = None, **options: Any) -> None:
        """Declares ``endpoint`` for ``path`` and ``methods``. Its result is
        validated and filtered by ``response_model`` (by default its return
        annotation), dumped with the ``response_model_*`` options, as in FastAPI."""
        _refuse(f"{endpoint.__name__}: the route decorator", options)
        if response_class is _DEFAULT:
            response_class = self.default_response_class
        stream, item_type = _stream_of(endpoint, response_class, response_model)
        if response_class is _DEFAULT:
            response_class = JSONResponse
        if stream is not None:
            response_model = None
        elif response_model is _DEFAULT:
            response_model = _return_annotation(endpoint)
        item_serialize = None if item_type is None else response_serializer(
            item_type, response_model_include, response_model_exclude, response_model_by_alias,
            response_model_exclude_unset, response_model_exclude_defaults, response_model_exclude_none)
        serialize = None
        if response_model is not None:
            try:
                serialize = response_serializer(
                    response_model, response_model_include, response_model_exclude, response_model_by_alias,
                    response_model_exclude_unset, response_model_exclude_defaults, response_model_exclude_none)
            except TypeError as exc:
                raise TypeError(f"{endpoint.__name__}: its response model {response_model!r} is not supported "
                                f"({exc}); declare response_model=None to send the result as it is") from None
        docs = RouteDocs(summary, description or _docstring(endpoint), list(tags or []),
                         deprecated, include_in_schema, response_model, dict(responses or {}))
        for method in methods:
            route = _build_route(method.upper(), path, endpoint, status_code, response_class,
                                 [*self.dependencies, *(dependencies or [])])
            route.docs = docs
            route.serialize = serialize
            route.stream, route.item_type, route.item_serialize = stream, item_type, item_serialize
            route.simple = route.simple and stream is None
            self.routes.append(route)

    def dispatch(self, index: int, args: List[Any], method: str, path: str, query: str,
                 headers: List[Tuple[str, bytes]], body: bytes, validate_only: bool = False,
                 failed_groups: Sequence[int] = (), param_errors: Optional[str] = None) -> Response:
        """Runs route ``index`` with the host's typed ``args`` (in declaration order).

        With ``validate_only`` (the host rejected some parameters), the
        handler does not run: the dependencies whose parameters were all
        good do (``failed_groups`` names the others), as in FastAPI, and one
        that raises answers; then only the body is validated: 422 with its
        errors, or 204. An app with a ``RequestValidationError`` handler
        gets the host's errors (``param_errors``, JSON) and answers them all.
        """
        if not self._started:
            try:
                self._start()
            except Exception:
                log.error("the app's startup failed", traceback=traceback.format_exc())
                return PlainTextResponse("Internal Server Error", status_code=500)
        route = self.routes[index]
        if route.simple and not validate_only:
            # The common route (typed parameters only): nothing to convert or assemble.
            try:
                # Positionally when the signature takes them in that order: no keyword dict to build.
                result = route.endpoint(*args) if route.positional else route.endpoint(**dict(zip(route.arg_names, args)))
                if type(result) is _COROUTINE:
                    result = run(result)
                return self._noted(result) if isinstance(result, Response) else route.respond(result)
            except Exception as exc:
                return self._failure(route, exc, (method, path, query, headers, body))
        if args:  # a validate-only call of a route without dependencies has none
            for position, convert in route.converters:
                if args[position] is not None:
                    args[position] = convert(args[position])
        kwargs = dict(zip(route.arg_names, args))
        for arg, model, fields in route.models if args else ():
            instance = model.__new__(model)
            instance.__dict__.update({name: kwargs.pop(f"{arg}.{name}") for name in fields})
            kwargs[arg] = instance
        if route.request_keys:
            request = Request(method, path, query, headers, body, self)
            for key in route.request_keys:
                kwargs[key] = request
        tasks = None
        if route.background_keys:
            tasks = BackgroundTasks()
            for key in route.background_keys:
                kwargs[key] = tasks
        sub_response = None
        if route.response_keys:
            # What the handler sets on it joins the answer, as in FastAPI.
            sub_response = Response()
            sub_response.status_code = None
            for key in route.response_keys:
                kwargs[key] = sub_response
        if validate_only and args and route.plan is not None:
            try:
                _solve_valid_dependencies(route.plan, kwargs, set(failed_groups))
            except Exception as exc:
                return self._failure(route, exc, (method, path, query, headers, body))
        if route.body is not None:
            try:
                values, errors = _read_body(route.body, headers, body)
            except HTTPException as exc:
                return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)
            if errors or param_errors:
                refused = json.loads(param_errors) if param_errors else []
                return self._invalid(route, [*refused, *errors], (method, path, query, headers, body))
            kwargs.update(values)
        if validate_only:
            if param_errors:
                return self._invalid(route, json.loads(param_errors), (method, path, query, headers, body))
            return Response(status_code=204)
        try:
            result = _call(route.endpoint, kwargs) if route.plan is None else _solve_plan(route.plan, kwargs)
            if isinstance(result, Response):
                response = result
            else:
                response = route.streamed(result) if route.stream else route.respond(result)
                if sub_response is not None:
                    response = _adjusted(response, sub_response)
            if tasks is not None and tasks.tasks and response.background is None:
                response.background = tasks  # as FastAPI attaches them
            return self._noted(response)
        except Exception as exc:
            return self._failure(route, exc, (method, path, query, headers, body))

    @property
    def wraps_host_answers(self) -> bool:
        """Whether the host's own answers go through the guest (``wrap``):
        for the app's HTTP middleware, or its handlers of a 404 or a 405
        (FastAPI hands an unmatched path's 404 to ``exception_handler(404)``)."""
        return bool(self.http_middleware) or any(code in self.exception_handlers for code in _HOST_STATUSES)

    def host_answer(self, answer: Response, parts: Tuple[Any, ...]) -> Response:
        """One of the host's own answers as the app answers it: a 404 or a
        405 by the app's handler for that status, if it has one."""
        if answer.status_code not in _HOST_STATUSES or answer.status_code not in self.exception_handlers:
            return answer
        headers = {"Allow": answer.headers["allow"]} if "allow" in answer.headers else None
        return self._failure(None, HTTPException(answer.status_code, headers=headers), parts)

    @property
    def handles_validation_errors(self) -> bool:
        """Whether the app answers its 422s (the host sends it refused parameters' errors)."""
        return RequestValidationError in self.exception_handlers

    def _noted(self, response: Response) -> Response:
        """``response``, noting whether it goes on after it is sent."""
        if response.background is not None or response.streaming:
            self.answer_goes_on = True
        return response

    def _invalid(self, route: Route, errors: List[dict], parts: Tuple[Any, ...]) -> Response:
        """The answer to a request that failed validation: FastAPI's 422, or
        the app's ``RequestValidationError`` handler's."""
        if RequestValidationError not in self.exception_handlers:
            return JSONResponse({"detail": errors}, status_code=422)
        return self._failure(route, RequestValidationError(errors, body=_parsed(parts[4])), parts)

    def _failure(self, route: Optional[Route], exc: Exception, parts: Tuple[Any, ...]) -> Response:
        """The answer to an exception: the app's handler for it, if any
        (``@app.exception_handler``), else FastAPI's own."""
        handler = self._handler_for(exc) if self.exception_handlers else None
        if handler is None:
            return _default_answer(route, exc)
        try:
            answer = handler(Request(*parts, self), exc)
            return run(answer) if type(answer) is _COROUTINE else answer
        except Exception as again:
            return _default_answer(route, again)

    def _handler_for(self, exc: Exception) -> Optional[Callable[..., Any]]:
        """The handler of ``exc``: by its status code for an ``HTTPException``,
        else by the nearest class it inherits (as Starlette looks it up)."""
        if isinstance(exc, HTTPException) and exc.status_code in self.exception_handlers:
            return self.exception_handlers[exc.status_code]
        return next((self.exception_handlers[cls] for cls in type(exc).__mro__ if cls in self.exception_handlers),
                    None)

    def exception_handler(self, key: Any) -> Callable:
        """Declares the handler of an exception class (or of an
        ``HTTPException`` status code): ``handler(request, exc)`` answers."""
        def decorator(handler: Callable) -> Callable:
            self.add_exception_handler(key, handler)
            return handler
        return decorator

    def add_exception_handler(self, key: Any, handler: Callable) -> None:
        """As ``@app.exception_handler(key)``."""
        if not (isinstance(key, int) or (isinstance(key, type) and issubclass(key, Exception))):
            raise TypeError(f"an exception handler is for an Exception class or a status code, not {key!r}")
        self.exception_handlers[key] = handler


_STREAM_ORIGINS = (collections.abc.AsyncIterable, collections.abc.AsyncIterator, collections.abc.AsyncGenerator,
                   collections.abc.Iterable, collections.abc.Iterator, collections.abc.Generator)


def _stream_of(endpoint: Callable, response_class: Any, response_model: Any) -> Tuple[Optional[str], Any]:
    """How a generator handler's items are streamed, as FastAPI decides it:
    JSON Lines with the default response class, events with an
    ``EventSourceResponse``, the class's own way otherwise; and the item
    type its return annotation names (``-> Iterator[Item]``), if any."""
    if not (inspect.isgeneratorfunction(endpoint) or inspect.isasyncgenfunction(endpoint)):
        return None, None
    if isinstance(response_class, type) and issubclass(response_class, EventSourceResponse):
        stream = "sse"
    elif response_class is _DEFAULT:
        stream = "jsonl"
    else:
        return "raw", None
    annotation = _return_annotation(endpoint) if response_model is _DEFAULT else None
    item = None
    if typing.get_origin(annotation) in _STREAM_ORIGINS:
        args = typing.get_args(annotation)
        item = args[0] if args else Any
    if item is ServerSentEvent:
        item = None  # a transport wrapper, not the data's type
    return stream, item


def _return_annotation(endpoint: Callable) -> Any:
    """The handler's return annotation as its default response model
    (none for a ``Response`` class or ``None``, as in FastAPI)."""
    try:
        annotation = typing.get_type_hints(endpoint, include_extras=True).get("return")
    except Exception as exc:
        raise TypeError(f"{endpoint.__name__}: cannot read its return annotation: {exc}") from None
    if annotation is None or annotation is type(None):
        return None
    if isinstance(annotation, type) and issubclass(annotation, Response):
        return None
    return annotation


def _refuse_shutdown() -> None:
    raise TypeError("shutdown handlers are not supported: the host drops an instance without notice, so they "
                    "would never run (a lifespan's code after `yield` does not run either)")


def _adjusted(response: Response, sub: Response) -> Response:
    """The answer with what the handler set on its ``Response`` argument."""
    if sub.status_code:
        response.status_code = sub.status_code
    response.headers.update(sub.headers)
    if sub.cookie_headers:
        response.cookie_headers = [*response.cookie_headers, *sub.cookie_headers]
    return response


def _default_answer(route: Optional[Route], exc: Exception) -> Response:
    """The answer to what a handler or dependency raised: an
    ``HTTPException``'s, or (a bug) a 500 for this request only, as
    Starlette answers it, logged with its traceback (call it in the
    ``except`` block)."""
    if isinstance(exc, HTTPException):
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)
    if isinstance(exc, RequestValidationError):
        return JSONResponse({"detail": exc.errors()}, status_code=422)
    where = f"handler {route.name}" if route is not None else "an exception handler"
    log.error(f"{where} raised", traceback=traceback.format_exc())
    return PlainTextResponse("Internal Server Error", status_code=500)


FastAPI = FasterAPI  # so an app's source can stay as it is under FastAPI


def _parsed(body: bytes) -> Any:
    """The body as a ``RequestValidationError`` carries it: parsed JSON, or the bytes."""
    try:
        return json.loads(body) if body else None
    except ValueError:
        return body


def _docstring(endpoint: Callable) -> Optional[str]:
    """The docstring as FastAPI shows it: dedented, cut at a form feed."""
    doc = inspect.getdoc(endpoint)
    return doc.split("\f")[0].strip() or None if doc else None


def _solve_plan(plan: Call, values: Dict[str, Any]) -> Any:
    """The handler's result with its dependencies solved; ``yield``
    dependencies are closed before the answer is made, the handler's
    exception thrown into them."""
    exits = Exits()
    try:
        result = solve(plan, values, {}, exits)
    except BaseException as error:
        exits.close(error)
        raise
    exits.close(None)
    return result


def _solve_valid_dependencies(plan: Call, values: Dict[str, Any], failed: set) -> None:
    """For a request whose parameters the host refused: runs, as FastAPI
    does, each dependency whose parameters (and its own dependencies') were
    all good, in order; one that raises answers instead of the 422."""
    exits = Exits()
    try:
        _solve_valid(plan, values, failed, {}, exits, root=True)
    except BaseException as error:
        exits.close(error)
        raise
    exits.close(None)
    return None


def _solve_valid(call: Call, values: Dict[str, Any], failed: set, cache: Dict[Any, Any], exits: Exits,
                 root: bool = False) -> Tuple[bool, Any]:
    """(whether ``call`` could run, its value): its dependencies are solved
    first, each on its own, so one whose parameters were good runs even when
    its dependant's were not."""
    good = call.group not in failed
    kwargs: Dict[str, Any] = {}
    for keyword, source in call.args:
        if isinstance(source, Call):
            ran, value = _solve_valid(source, values, failed, cache, exits)
            good &= ran
        else:
            value = argument(source, values)
        if keyword is not None:
            kwargs[keyword] = value
    if not good or root:
        return False, None
    return True, invoke(call, kwargs, cache, exits)


def _takes_in_order(endpoint: Callable, names: Tuple[str, ...]) -> bool:
    """Whether ``endpoint`` takes exactly ``names``, in that order, all positionally."""
    try:
        parameters = list(inspect.signature(endpoint).parameters.values())
    except (TypeError, ValueError):
        return False
    return tuple(p.name for p in parameters) == names and all(
        p.kind is p.POSITIONAL_OR_KEYWORD for p in parameters)


def _call(endpoint: Callable, kwargs: Dict[str, Any]) -> Any:
    """Calls a ``def`` or an ``async def`` handler to completion."""
    result = endpoint(**kwargs)
    return result if type(result) is not _COROUTINE else run(result)


_COROUTINE = types.CoroutineType


def _read_body(spec: Body, headers: List[Tuple[str, bytes]], body: bytes) -> Tuple[Dict[str, Any], List[dict]]:
    """The body arguments by name, or the errors pydantic would report."""
    value = _MISSING
    if body:
        content_type = next((v for n, v in headers if n == "content-type"), b"").decode("latin-1")
        if _is_json(content_type):
            try:
                value = json.loads(_json_text(body))
            except json.JSONDecodeError as exc:
                return {}, [error("json_invalid", ("body", exc.pos), {}, error=exc.msg)]
            except Exception as exc:
                # Too deeply nested, not UTF-8, ...: FastAPI's answer.
                raise HTTPException(400, "There was an error parsing the body") from exc
        else:
            # FastAPI reads a body without a JSON content type as text.
            value = body.decode("utf-8", errors="replace")
    errors: List[dict] = []
    values: Dict[str, Any] = {}
    if not spec.embedded:
        param = spec.params[0]
        if value is _MISSING:
            if param.required:
                errors.append(error("missing", ("body",), None))
            values[param.arg] = param.default
        else:
            values[param.arg] = param.check(value, ("body",), errors)
        return values, errors
    # Several body arguments: the keys of an object (anything else has none).
    fields = value if isinstance(value, dict) else {}
    for param in spec.params:
        if param.name in fields:
            values[param.arg] = param.check(fields[param.name], ("body", param.name), errors)
        elif param.required:
            errors.append(error("missing", ("body", param.name), None))
        else:
            values[param.arg] = param.default
    return values, errors


_MISSING = object()


def _body_field_schema(param: BodyParam, defs: Dict[str, dict]) -> dict:
    """One body argument's schema: its type's, its constraints, a title
    unless it is a bare model reference, a default unless it is ``None``."""
    schema = json_schema(param.annotation, defs)
    add_schema_keywords(schema, param.constraints)
    if "$ref" not in schema:
        schema["title"] = title(param.name)
    if not param.required and param.default is not None:
        schema["default"] = _dump(param.default)
    return schema


def _operation_id(route: "Route") -> str:
    """FastAPI's default operation id: name and path, non-word characters as ``_``, then the method."""
    path = route.path.replace("{*", "{")
    return re.sub(r"\W", "_", f"{route.name}{path}") + f"_{route.method.lower()}"


# Deeper JSON makes CPython raise RecursionError in FastAPI (a 400); in a
# component the parser's C recursion would run off the wasm stack first.
_MAX_JSON_DEPTH = 900
_JSON_TOKENS = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def _json_text(body: bytes) -> bytes:
    """``body`` as ``json.loads`` takes it: without a UTF-8 BOM (which
    CPython's ``json.loads`` skips for bytes), and refused (as FastAPI
    refuses it) when nested too deeply to parse."""
    if body.startswith(b"\xef\xbb\xbf"):
        body = body[3:]
    if body.count(b"[") + body.count(b"{") > _MAX_JSON_DEPTH:
        depth = deepest = 0
        for token in _JSON_TOKENS.finditer(body):
            bracket = token.group()
            if bracket in (b"[", b"{"):
                depth += 1
                deepest = max(deepest, depth)
            elif bracket in (b"]", b"}"):
                depth -= 1
        if deepest > _MAX_JSON_DEPTH:
            raise RecursionError("JSON nested too deeply")
    return body


def _is_json(content_type: str) -> bool:
    essence = content_type.split(";")[0].strip().lower()
    main, _, sub = essence.partition("/")
    return main == "application" and (sub == "json" or sub.endswith("+json"))


def _template(path: str) -> Tuple[str, List[str]]:
    """FastAPI's path syntax (``{name}``, ``{name:path}``) to matchit's, with the names."""
    names = re.findall(r"\{(\w+)(?::path)?\}", path)
    return re.sub(r"\{(\w+):path\}", r"{*\1}", path), names


def _build_route(method: str, path: str, endpoint: Callable, status_code: Optional[int],
                 response_class: type, dependencies: Sequence[Depends] = ()) -> Route:
    if method not in METHODS:
        raise ValueError(f"{endpoint.__name__}: unsupported method {method}")
    template, path_names = _template(path)
    route = Route(method, template, endpoint, status_code or 200, response_class)
    plan = _plan(endpoint, "", list(dependencies), use_cache=False, counter=[0], scopes=[])
    _number_groups(plan, [0])
    _declare(route, plan, path_names)
    if any(isinstance(source, Call) for _, source in plan.args):
        route.plan = plan
    missing = [name for name in path_names if name not in {p.name for p in route.params if p.source == "path"}]
    if missing:
        raise ValueError(f"{endpoint.__name__}: the path has {{{missing[0]}}} but no argument of that name")
    route.arg_names = tuple(spec.arg for spec in route.params)
    route.positional = _takes_in_order(endpoint, route.arg_names)
    route.converters = tuple((i, spec.convert) for i, spec in enumerate(route.params) if spec.convert is not None)
    route.simple = not (route.converters or route.models or route.request_keys or route.response_keys
                        or route.background_keys or route.plan or route.body)
    return route


def _plan(func: Callable, prefix: str, extra: List[Depends], use_cache: bool, counter: List[int],
          scopes: List[str]) -> Call:
    """The call of ``func`` and, recursively, of its dependencies: which
    parameters each declares (keyed by ``prefix`` + name, so that two
    dependencies' parameters of one name stay apart, as in FastAPI), and
    the scopes the ``Security(...)`` above it asked for."""
    call = Call(func, use_cache)
    if isinstance(func, SecurityBase):
        call.security = (func.scheme_name, func.model, list(scopes))
    for depends in extra:
        call.args.append((None, _dependency(depends, None, counter, scopes)))
    try:
        # A class's parameters are its __init__'s; a callable object's, its __call__'s.
        typed = func.__init__ if inspect.isclass(func) else func
        if not inspect.isroutine(typed) and callable(typed):
            typed = type(typed).__call__
        hints = typing.get_type_hints(typed, include_extras=True)
        parameters = inspect.signature(func).parameters.values()
    except (TypeError, ValueError) as exc:
        raise ValueError(f"cannot read the parameters of dependency {func!r}: {exc}") from None
    for parameter in parameters:
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            continue  # FastAPI ignores *args and **kwargs
        annotation, info = _annotation_and_info(hints.get(parameter.name, str), parameter)
        if isinstance(info, Depends):
            call.args.append((parameter.name, _dependency(info, annotation, counter, scopes)))
        elif annotation is SecurityScopes:
            call.args.append((parameter.name, Const(SecurityScopes(scopes))))
        else:
            key = prefix + parameter.name
            call.own.append((parameter.name, key, annotation, info))
            call.args.append((parameter.name, key))
    return call


def _dependency(depends: Depends, annotation: Any, counter: List[int], scopes: List[str]) -> Call:
    """One use of a dependency: its own call, with a fresh key prefix."""
    target = depends.dependency if depends.dependency is not None else annotation
    if target is None or not callable(target):
        raise ValueError(f"Depends() needs a callable or a class annotation, not {target!r}")
    counter[0] += 1
    name = getattr(target, "__name__", type(target).__name__)
    asked = [*scopes, *depends.scopes] if isinstance(depends, Security) else scopes
    return _plan(target, f"{name}#{counter[0]}.", [], depends.use_cache, counter, asked)


def _number_groups(call: Call, next_group: List[int]) -> None:
    """FastAPI validates dependencies first, depth-first, then the
    dependant's own parameters: errors are listed in that order."""
    for _, source in call.args:
        if isinstance(source, Call):
            _number_groups(source, next_group)
    call.group = next_group[0]
    next_group[0] += 1


def _declare(route: Route, call: Call, path_names: List[str]) -> None:
    """Declares the plan's parameters to the host in FastAPI's flat order
    (a function's own, then its dependencies'), which its document follows."""
    route.group = call.group
    if call.security is not None and call.security not in route.security:
        route.security.append(call.security)
    for name, key, annotation, info in call.own:
        if info.source in ("query", "header", "cookie", "form") and _is_model(annotation):
            _add_model_parameters(route, key, annotation, info, path_names)
        else:
            _add_parameter(route, key, annotation, info, path_names, plain=name)
    for _, source in call.args:
        if isinstance(source, Call):
            _declare(route, source, path_names)


def _annotation_and_info(annotation: Any, parameter: inspect.Parameter) -> Tuple[Any, Any]:
    """Splits ``Annotated[T, Query()]`` / ``x: T = Query()`` into the type and
    the marker (a ``ParamInfo`` or a ``Depends``)."""
    markers = (ParamInfo, Depends)
    info = parameter.default if isinstance(parameter.default, markers) else None
    if typing.get_origin(annotation) is typing.Annotated:
        base, *extras = typing.get_args(annotation)
        annotation = base
        info = next((e for e in extras if isinstance(e, markers)), info)
        if isinstance(info, ParamInfo) and parameter.default is not inspect.Parameter.empty \
                and info.default is Required:
            info.default = parameter.default
    if info is None:
        default = Required if parameter.default is inspect.Parameter.empty else parameter.default
        info = ParamInfo("", default)
    return annotation, info


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _add_model_parameters(route: Route, arg: str, model: type, info: ParamInfo, path_names: List[str]) -> None:
    """A parameter model (``Annotated[FilterParams, Query()]``): each field is
    a parameter of the model's source, as FastAPI declares it; the handler
    gets the model built from their values."""
    fields = []
    first = len(route.params)
    for name, (tp, default) in model.__fields__.items():
        field_info = model.__field_info__.get(name)
        options: Dict[str, Any] = dict(field_info.constraints) if field_info else {}
        if field_info is not None and field_info.description:
            options["description"] = field_info.description
        # A model field's title comes from its name, not from the wire name.
        options["title"] = field_info.title if field_info is not None and field_info.title else title(name)
        if field_info is not None and field_info.default_factory is not None:
            default = field_info.default_factory()
        wire = name.replace("_", "-") if info.source == "header" and info.convert_underscores else name
        param_info = ParamInfo(info.source, Required if default is _MISSING_FIELD else default, alias=wire, **options)
        _add_parameter(route, f"{arg}.{name}", tp, param_info, path_names)
        fields.append(name)
    route.models += ((arg, model, tuple(fields)),)
    # For the host: which parameters form the model, and whether it forbids other keys.
    forbid = getattr(model, "model_config", {}).get("extra") == "forbid"
    route.param_models += ((tuple(range(first, len(route.params))), forbid),)


_SEQUENCES = (list, set, frozenset)


def _list_item(annotation: Any) -> Any:
    """``T`` of ``list[T]``, ``set[T]``, ``frozenset[T]`` (or their ``typing``
    names); ``None`` for anything else."""
    if typing.get_origin(annotation) in _SEQUENCES:
        args = typing.get_args(annotation)
        return args[0] if args else str
    return list if annotation in _SEQUENCES else None


def _add_parameter(route: Route, arg: str, annotation: Any, info: ParamInfo, path_names: List[str],
                   plain: Optional[str] = None) -> None:
    """Declares parameter ``arg`` (a dependency's is keyed with a prefix;
    ``plain`` is its name in the signature, which names it on the wire)."""
    plain = plain or arg
    where = f"{route.endpoint.__name__}({plain})"
    if annotation is Request:
        route.request_keys += (arg,)
        return
    if isinstance(annotation, type) and issubclass(annotation, Response):
        route.response_keys += (arg,)
        return
    if isinstance(annotation, type) and issubclass(annotation, BackgroundTasks):
        route.background_keys += (arg,)
        return
    inner, _ = _unwrap_optional(annotation)
    item = _list_item(inner)
    declared = info.source
    if (item if item is not None else inner) is UploadFile and declared in ("", "form"):
        declared = "file"  # an UploadFile is a file part, marked or not
    repeated = item is not None and declared in ("query", "header", "form", "file")
    value_type = item if repeated else inner
    kind = SCALAR_KINDS.get(value_type)
    if item is list:
        kind = "str"
    if declared == "file" or (declared == "form" and value_type is bytes):
        if value_type not in (bytes, UploadFile):
            raise ValueError(f"{where}: a File() parameter is bytes or UploadFile, not {annotation!r}")
        kind = "bytes" if value_type is bytes else "file"
        declared = "form"
    choices = _choices(where, value_type)
    if choices is not None:
        kind = choices.pop("kind")
    source = declared or ("path" if plain in path_names else "query" if kind else "body")
    if source == "body":
        if any(p.source == "form" for p in route.params):
            raise ValueError(f"{where}: a handler takes form fields or a JSON body, not both")
        param = BodyParam(arg, annotation, info.required, None if info.required else info.default,
                          info.alias or plain, dict(info.constraints), info.embed)
        # Built now, so a component's snapshot holds it.
        param.check = attributes_validator(constrained(validator(annotation), param.constraints))
        route.body = route.body or Body()
        route.body.params.append(param)
        return
    if kind is None:
        types = "int, float, bool, str, bytes, UUID, datetime, date, time, timedelta, Decimal"
        what = f"a list of {types}" if repeated else f"{types}, an Enum or a Literal"
        raise ValueError(f"{where}: a {source} parameter must be {what}, not {annotation!r}")
    if item is not None and not repeated:
        raise ValueError(f"{where}: only query, header and form parameters can be lists (use Query() or Header())")
    if source == "form" and route.body is not None:
        raise ValueError(f"{where}: a handler takes form fields or a JSON body, not both")
    if source == "path" and plain not in path_names:
        raise ValueError(f"{where}: declared Path() but the path has no {{{plain}}}")
    _check_constraints(where, kind, repeated, info.constraints)
    constraints = dict(info.constraints)
    if choices is not None:
        if constraints:
            raise ValueError(f"{where}: an Enum or Literal parameter takes no other constraints")
        constraints["choices"] = choices
    name = info.alias or plain
    if source == "header" and info.alias is None and info.convert_underscores:
        name = plain.replace("_", "-")
    default = None if info.required else info.default
    if repeated:
        default = _list_default(where, kind, [_wire_value(v) for v in default] if default is not None else None)
    elif choices is not None:
        default = _wire_value(default)
        if default is not None and default not in choices["values"]:
            raise ValueError(f"{where}: the default {default!r} is not one of {choices['values']!r}")
    else:
        default = _scalar_default(where, kind, _wire_value(default))
    convert = _converter(value_type)
    if convert is not None and repeated:
        convert = (lambda one: lambda values: [one(v) for v in values])(convert)
    collection = typing.get_origin(inner) or inner
    unique = repeated and collection in (set, frozenset)
    if unique:
        convert = (lambda one, make: lambda values: make(one(values) if one else values))(convert, collection)
    if source == "path" and not info.required:
        raise ValueError(f"{where}: a path parameter cannot have a default")
    # As in FastAPI, `Optional[X]` without a default is still required.
    wire = name.lower() if source == "header" else name
    route.params.append(ParamSpec(arg, wire, source, kind, info.required, default, info.description,
                                  repeated, constraints, convert, info.title, unique, route.group,
                                  info.schema_extra))


KIND_TYPES = {"int": int, "float": float, "bool": bool, "str": str, "uuid": str, "bytes": bytes,
              "file": type(None), "datetime": str, "date": str, "time": str, "timedelta": str, "decimal": str}


def _choices(where: str, tp: Any) -> Optional[Dict[str, Any]]:
    """The values of an ``Enum`` subclass or a ``Literal[...]`` as the host
    checks them, with the parameter kind; ``None`` for other types."""
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        values, literal, name = [m.value for m in tp], False, tp.__name__
        description = tp.__dict__.get("__doc__")
    elif typing.get_origin(tp) is typing.Literal:
        values, literal, name, description = list(typing.get_args(tp)), True, None, None
    else:
        return None
    if values and all(isinstance(v, str) for v in values):
        kind = "str"
    elif values and all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        # An IntEnum parses laxly; a Literal of ints never matches query text (as in FastAPI).
        kind = "str" if literal else "int"
    else:
        raise ValueError(f"{where}: an Enum or Literal parameter has all-str or all-int values, not {values!r}")
    return {"kind": kind, "values": values, "literal": literal, "name": name, "description": description}


def _upload_data(upload: Any) -> bytes:
    return upload.data


def _wire_value(value: Any) -> Any:
    """A default as the host passes it: an Enum member as its value, the
    other types as the canonical text the host passes for them."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return _duration_text(value)
    if isinstance(value, decimal.Decimal):
        sign, digits, exponent = value.as_tuple()
        return f"{'-' if sign else ''}{''.join(map(str, digits))}E{exponent}"
    return value


def _duration_text(value: datetime.timedelta) -> str:
    """``[-]P<days>DT<seconds>.<microseconds>S``, the sign on the magnitude."""
    sign, value = ("-", -value) if value < datetime.timedelta(0) else ("", value)
    return f"{sign}P{value.days}DT{value.seconds}.{value.microseconds:06d}S"


_DURATION = re.compile(r"(-?)P(\d+)DT(\d+)\.(\d{6})S")


def _timedelta(text: str) -> datetime.timedelta:
    sign, days, seconds, micros = _DURATION.fullmatch(text).groups()
    value = datetime.timedelta(days=int(days), seconds=int(seconds), microseconds=int(micros))
    return -value if sign else value


# What the handler gets for the canonical text the host passes.
_FROM_TEXT = {uuid.UUID: uuid.UUID, datetime.datetime: datetime.datetime.fromisoformat,
              datetime.date: datetime.date.fromisoformat, datetime.time: datetime.time.fromisoformat,
              datetime.timedelta: _timedelta, decimal.Decimal: decimal.Decimal}


def _converter(tp: Any) -> Optional[Callable[[Any], Any]]:
    if tp is UploadFile:
        return UploadFile._from_upload
    if tp is bytes:
        return _upload_data
    if tp in _FROM_TEXT:
        return _FROM_TEXT[tp]
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return tp
    return None


def _scalar_default(where: str, kind: str, default: Any) -> Any:
    expected = KIND_TYPES[kind]
    if expected is float and isinstance(default, int) and not isinstance(default, bool):
        default = float(default)
    if default is not None and (not isinstance(default, expected) or (expected is int and isinstance(default, bool))):
        raise ValueError(f"{where}: the default {default!r} is not a {expected.__name__}")
    return default


def _list_default(where: str, kind: str, default: Any) -> Any:
    if default is None:
        return None
    if not isinstance(default, (list, tuple, set, frozenset)):
        raise ValueError(f"{where}: the default {default!r} is not a list")
    return [_scalar_default(where, kind, item) for item in default]


def _check_constraints(where: str, kind: str, repeated: bool, constraints: Dict[str, Any]) -> None:
    """Refuses constraints the host would not apply as FastAPI does."""
    if not constraints:
        return
    if repeated:
        # FastAPI applies a list's constraints to the list: only its length fits.
        other = [k for k in constraints if k not in ("min_length", "max_length")]
        if other:
            raise ValueError(f"{where}: a list parameter takes min_length and max_length only, not {other[0]}")
        return
    numeric = [k for k in NUMERIC_CONSTRAINTS if k in constraints]
    text = [k for k in TEXT_CONSTRAINTS if k in constraints]
    digits = [k for k in DECIMAL_CONSTRAINTS if k in constraints]
    if numeric and kind not in ("int", "float", "decimal"):
        raise ValueError(f"{where}: {numeric[0]} applies to int, float and Decimal parameters, not {kind}")
    if text and kind not in ("str",):
        raise ValueError(f"{where}: {text[0]} applies to str parameters, not {kind}")
    if digits and kind != "decimal":
        raise ValueError(f"{where}: {digits[0]} applies to Decimal parameters, not {kind}")
