"""The component's side of the WIT world: exports an app's routes and runs
its handlers. Only importable inside a component built by componentize-py."""

import json
import traceback
from typing import Any, List, Optional

from wit_world import WitWorld as _World
from wit_world.imports import fasterapi_http_types as wit

from . import log
from ._app import FasterAPI, Route, documented_schemas
from ._responses import Response, StreamingResponse
from .middleware import Middleware

_METHODS = {m.name: m for m in wit.Method}
_SOURCES = {"path": wit.ParamSource.PATH, "query": wit.ParamSource.QUERY, "header": wit.ParamSource.HEADER,
            "cookie": wit.ParamSource.COOKIE, "form": wit.ParamSource.FORM}
_KINDS = {"int": wit.ParamType.INT, "float": wit.ParamType.FLOAT, "bool": wit.ParamType.BOOLEAN,
          "str": wit.ParamType.TEXT, "uuid": wit.ParamType.UUID, "bytes": wit.ParamType.BYTES,
          "file": wit.ParamType.FILE, "datetime": wit.ParamType.DATETIME, "date": wit.ParamType.DATE,
          "time": wit.ParamType.TIME, "timedelta": wit.ParamType.TIMEDELTA, "decimal": wit.ParamType.DECIMAL}
# Kinds the host passes as text (canonical forms the handler's types are built from).
_TEXT_KINDS = ("str", "uuid", "datetime", "date", "time", "timedelta", "decimal")


def _value(kind: str, value: Any, repeated: bool = False) -> wit.ParamValue:
    if value is None:
        return wit.ParamValue_None_()
    if kind == "bytes":
        if repeated:
            return wit.ParamValue_Files([wit.Upload(filename=None, content_type=None, data=v) for v in value])
        return wit.ParamValue_File(wit.Upload(filename=None, content_type=None, data=value))
    if repeated:
        if kind in _TEXT_KINDS:
            return wit.ParamValue_Texts(list(value))
        return {"int": wit.ParamValue_Ints, "float": wit.ParamValue_Floats,
                "bool": wit.ParamValue_Booleans}[kind](list(value))
    if isinstance(value, int) and not isinstance(value, bool) and kind == "str":
        return wit.ParamValue_Int(value)  # the default of a Literal of ints
    if kind in _TEXT_KINDS:
        return wit.ParamValue_Text(value)
    return {"int": wit.ParamValue_Int, "float": wit.ParamValue_Float, "bool": wit.ParamValue_Boolean}[kind](value)


_BOUNDS = {"gt": wit.Constraint_Gt, "ge": wit.Constraint_Ge, "lt": wit.Constraint_Lt, "le": wit.Constraint_Le,
           "multiple_of": wit.Constraint_MultipleOf}
_LIMITS = {"min_length": wit.Constraint_MinLength, "max_length": wit.Constraint_MaxLength,
           "pattern": wit.Constraint_Pattern, "max_digits": wit.Constraint_MaxDigits,
           "decimal_places": wit.Constraint_DecimalPlaces}


def _constraints(constraints: dict) -> List[Any]:
    """The WIT form of a parameter's constraints; a bound keeps its type (``1`` vs ``1.0``)."""
    out = []
    for key, value in constraints.items():
        if key == "choices":
            values = [wit.ParamValue_Int(v) if isinstance(v, int) else wit.ParamValue_Text(v) for v in value["values"]]
            out.append(wit.Constraint_OneOf(wit.Choices(values=values, literal=value["literal"], name=value["name"],
                                                        description=value["description"])))
        elif key in _BOUNDS:
            number = wit.Number_Int(value) if isinstance(value, int) else wit.Number_Float(float(value))
            out.append(_BOUNDS[key](number))
        else:
            out.append(_LIMITS[key](value))
    return out


def _json(schema: Optional[dict]) -> Optional[str]:
    return None if schema is None else json.dumps(schema)


def _route(route: Route, schemas: tuple, exception_handlers: bool = False) -> wit.Route:
    body_schema, response_schema, extra_responses = schemas
    params = [
        wit.ParamSpec(name=p.name, source=_SOURCES[p.source], kind=_KINDS[p.kind], required=p.required,
                      default=None if p.required else _value(p.kind, p.default, p.repeated),
                      description=p.description, title=p.title, repeated=p.repeated, unique=p.unique,
                      constraints=_constraints(p.constraints), schema_extra=_json(p.schema_extra))
        for p in route.params
    ]
    body = None
    if route.body is not None:
        body = wit.BodySpec(required=route.body.required, media_type="application/json",
                            schema=_json(body_schema))
    d = route.docs
    security = None
    if route.security:
        security = json.dumps({"schemes": {name: scheme for name, scheme, _ in route.security},
                               "requirements": [{name: scopes} for name, _, scopes in route.security]})
    docs = wit.RouteDocs(summary=d.summary, description=d.description, tags=d.tags, deprecated=d.deprecated,
                         security=security,
                         include_in_schema=d.include_in_schema, status=route.status_code,
                         response_media_type=route.media_type, response_schema=_json(response_schema),
                         responses=_json(extra_responses))
    models = [wit.ParamModel(fields=list(fields), forbid_extra=forbid) for fields, forbid in route.param_models]
    groups = [p.group for p in route.params] if route.plan is not None else []
    return wit.Route(method=_METHODS[route.method], path=route.path, params=params, models=models,
                     param_groups=groups, body=body,
                     name=route.name, raw_request=bool(route.request_keys) or bool(exception_handlers), docs=docs)


_HEADERS: dict = {}


def _header(name: str, value: str) -> wit.Header:
    """A response header, reused for the common ones (content types): one
    record built less per request."""
    header = _HEADERS.get((name, value))
    if header is None:
        header = wit.Header(name=name, value=value.encode("latin-1"))
        if len(_HEADERS) < 256:
            _HEADERS[(name, value)] = header
    return header


def _arg(value: wit.ParamValue) -> Any:
    return None if isinstance(value, wit.ParamValue_None_) else value.value


def _middleware(layer: Middleware) -> wit.Middleware:
    """A middleware as the host runs it."""
    o = layer.options
    if layer.kind == "cors":
        return wit.Middleware_Cors(wit.CorsPolicy(**o))
    if layer.kind == "gzip":
        return wit.Middleware_Gzip(wit.GzipPolicy(**o))
    return wit.Middleware_TrustedHost(wit.TrustedHostPolicy(**o))


def _from_wit(answer: wit.Response) -> Response:
    """An answer the host made, as a ``Response`` a middleware can change."""
    response = Response(answer.body, status_code=answer.status)
    for header in answer.headers:
        value = header.value.decode("latin-1")
        if header.name == "set-cookie":
            response.cookie_headers = [*response.cookie_headers, value]
        else:
            response.headers[header.name] = value
    return response


def world_for(app: FasterAPI) -> type:
    """The ``WitWorld`` class componentize-py exports, serving ``app``."""
    if not isinstance(app, FasterAPI):
        raise TypeError(f"`app` must be a fasterapi.FasterAPI, not {type(app).__name__}")
    schemas = documented_schemas(app.routes)
    # An exception handler or an HTTP middleware gets the request: every route then reads it.
    raw = bool(app.exception_handlers or app.http_middleware)
    routes: List[wit.Route] = [_route(r, s, raw) for r, s in zip(app.routes, schemas)]
    instances = {"reuse": wit.InstanceMode.REUSE, "per-request": wit.InstanceMode.PER_REQUEST}[app.instances]
    info = wit.AppInfo(title=app.title, version=app.version, description=app.description, instances=instances,
                       handles_validation_errors=app.handles_validation_errors,
                       middleware=[_middleware(m) for m in app.user_middleware],
                       openapi_url=app.openapi_url, docs_url=app.docs_url, root_path=app.root_path,
                       http_middleware=app.wraps_host_answers)
    methods = [r.method for r in app.routes]
    pending: List[Any] = [None]  # the background work of the last answer
    # Looked up once: the request path is the hot path.
    dispatch, wraps = app.dispatch, bool(app.http_middleware)

    def _through_middleware(req: wit.Request, method: str, path: str, query: str, headers: list) -> Any:
        parts = (method, path, query, headers, req.body)
        args = [_arg(v) for v in req.args]
        return app.through_middleware(parts, lambda: app.dispatch(req.route, args, *parts, req.validate_only,
                                                                  req.failed_groups, req.param_errors))

    def _with_more(response: Any, headers: list) -> wit.Response:
        # An answer that goes on: its stream, or its background work, kept for the host's call back.
        stream = response.streaming
        pending[0] = response if stream else response.background
        return wit.Response(status=response.status_code, headers=headers, body=response.body,
                            background=not stream, stream=stream)

    class WitWorld(_World):
        def routes(self) -> List[wit.Route]:
            return routes

        def info(self) -> wit.AppInfo:
            return info

        def handle(self, req: wit.Request) -> wit.Response:
            raw = req.raw
            if raw is None:
                # Only a handler that takes a Request reads these.
                method, path, query = methods[req.route], "", ""
                headers = [] if req.content_type is None else [("content-type", req.content_type.encode("latin-1"))]
            else:
                method, path, query = raw.method.name, raw.path, raw.query
                headers = [(h.name, h.value) for h in raw.headers]
            if wraps:
                response = _through_middleware(req, method, path, query, headers)
            else:
                response = dispatch(req.route, [_arg(v) for v in req.args], method, path, query, headers,
                                    req.body, req.validate_only, req.failed_groups, req.param_errors)
            headers = [_header(k, v) for k, v in response.headers.items()]
            if response.cookie_headers:
                headers.extend(_header("set-cookie", cookie) for cookie in response.cookie_headers)
            if app.answer_goes_on:
                app.answer_goes_on = False
                return _with_more(response, headers)
            # The common answer, complete: nothing is left for later.
            return wit.Response(status=response.status_code, headers=headers, body=response.body,
                                background=False, stream=False)

        def wrap(self, req: wit.RawRequest, answer: wit.Response) -> wit.Response:
            # One of the host's own answers, through the app's HTTP middleware.
            parts = (req.method.name, req.path, req.query, [(h.name, h.value) for h in req.headers], b"")
            def host_answer() -> Response:
                return app.host_answer(_from_wit(answer), parts)
            response = app.through_middleware(parts, host_answer) if app.http_middleware else host_answer()
            headers = [_header(k, v) for k, v in response.headers.items()]
            headers.extend(_header("set-cookie", cookie) for cookie in response.cookie_headers)
            return wit.Response(status=response.status_code, headers=headers, body=response.body,
                                background=False, stream=False)

        def next_chunk(self) -> Optional[bytes]:
            # The streamed answer's next chunk; at its end, its background work.
            response = pending[0]
            if not isinstance(response, StreamingResponse):
                return None
            try:
                chunk = response.next_chunk()
            except Exception:
                pending[0] = None
                log.error("a streamed answer's iterator raised", traceback=traceback.format_exc())
                raise
            if chunk is None:
                pending[0] = response.background
                self.run_background()
            return chunk

        def run_background(self) -> None:
            # The work the last answer left (the host calls back the instance that gave it).
            work, pending[0] = pending[0], None
            if work is None:
                return
            try:
                work()
            except Exception:
                log.error("a background task raised", traceback=traceback.format_exc())

    return WitWorld
