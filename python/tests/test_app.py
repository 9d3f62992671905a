import json
from typing import Optional

import pytest

from fasterapi import (BaseModel, Cookie, FasterAPI, Header, Path, HTTPException, PlainTextResponse, Query, Request,
                       Response)

app = FasterAPI()


class Item(BaseModel):
    name: str
    price: float


@app.get("/users/{user_id}")
def get_user(user_id: int, verbose: bool = False, x_token: Optional[str] = Header(None)):
    return {"id": user_id, "verbose": verbose, "token": x_token}


@app.get("/search")
def search(q: str = Query("all", alias="query"), limit: int = 10, ratio: float = 1):
    return [q, limit, ratio]


@app.post("/items", status_code=201)
async def create_item(item: Item):
    return item


@app.get("/text", response_class=PlainTextResponse)
def text():
    return "hi"


@app.get("/fail/{code}")
def fail(code: int):
    if code == 500:
        raise RuntimeError("boom")
    raise HTTPException(code, "nope", headers={"X-Why": "test"})


@app.put("/raw")
async def raw(request: Request):
    return Response(await request.body(), status_code=202, media_type="application/octet-stream")


@app.get("/files/{path:path}")
def files(path: str):
    return path


def call(index, args=(), body=b"", headers=()):
    return app.dispatch(index, list(args), "GET", "/", "", list(headers), body)


def test_route_table_is_typed():
    specs = {r.name: r for r in app.routes}
    params = [(p.name, p.source, p.kind, p.required, p.default) for p in specs["get_user"].params]
    assert params == [("user_id", "path", "int", True, None), ("verbose", "query", "bool", False, False),
                      ("x-token", "header", "str", False, None)]
    assert [(p.name, p.default) for p in specs["search"].params] == [("query", "all"), ("limit", 10),
                                                                       ("ratio", 1.0)]
    assert specs["create_item"].body.required and specs["create_item"].params == []
    assert specs["files"].path == "/files/{*path}"


def test_dispatch_passes_typed_args():
    response = call(0, [7, True, None])
    assert (response.status_code, json.loads(response.body)) == (200, {"id": 7, "verbose": True, "token": None})
    assert call(1, ["x", 1, 2.5]).body == b'["x",1,2.5]'


def test_bodies_and_async_handlers():
    ok = call(2, body=b'{"name":"a","price":"2"}', headers=[("content-type", b"application/json")])
    assert (ok.status_code, ok.body) == (201, b'{"name":"a","price":2.0}')
    bad = call(2, body=b'{"name":', headers=[("content-type", b"application/json")])
    assert json.loads(bad.body)["detail"][0]["loc"] == ["body", 8]
    assert json.loads(call(2).body)["detail"] == [
        {"type": "missing", "loc": ["body"], "msg": "Field required", "input": None}]


def test_responses_and_exceptions():
    text = call(3)
    assert (text.body, text.headers["content-type"]) == (b"hi", "text/plain; charset=utf-8")
    denied = call(4, [403])
    assert (denied.status_code, denied.body, denied.headers["x-why"]) == (403, b'{"detail":"nope"}', "test")
    crashed = call(4, [500])
    assert (crashed.status_code, crashed.body) == (500, b"Internal Server Error")
    raw = app.dispatch(5, [], "PUT", "/raw", "", [], b"\x00\x01")
    assert (raw.status_code, raw.body) == (202, b"\x00\x01")


def test_validate_only_checks_just_the_body():
    json_header = [("content-type", b"application/json")]
    bad = app.dispatch(2, [], "POST", "/items", "", json_header, b"{}", validate_only=True)
    assert [e["loc"] for e in json.loads(bad.body)["detail"]] == [["body", "name"], ["body", "price"]]
    good = app.dispatch(2, [], "POST", "/items", "", json_header, b'{"name":"a","price":1}', validate_only=True)
    assert good.status_code == 204


def test_bad_declarations_are_refused():
    bad = FasterAPI()
    with pytest.raises(ValueError, match="cannot have a default"):
        bad.get("/x/{a}")(lambda a=None: a)

    def listing(ids: list[dict] = Query([])):
        return ids

    with pytest.raises(ValueError, match="must be a list of int, float, bool, str, bytes, UUID, datetime"):
        bad.get("/z")(listing)

    def bounded_flag(flag: bool = Query(ge=1)):
        return flag

    with pytest.raises(ValueError, match="ge applies to int, float and Decimal parameters, not bool"):
        bad.get("/f")(bounded_flag)

    def bounded_list(ids: list[int] = Query([], ge=1)):
        return ids

    with pytest.raises(ValueError, match="a list parameter takes min_length and max_length only, not ge"):
        bad.get("/l")(bounded_list)

    def digits_of_a_float(price: float = Query(max_digits=3)):
        return price

    with pytest.raises(ValueError, match="max_digits applies to Decimal parameters, not float"):
        bad.get("/d")(digits_of_a_float)
    with pytest.raises(TypeError, match="does not support: embed"):
        Query(embed=True)
    with pytest.raises(ValueError, match="not a regular expression"):
        Query(pattern="(")
    with pytest.raises(ValueError, match="no argument"):
        bad.get("/y/{missing}")(lambda: None)


def test_route_docs_come_from_options_and_docstrings():
    docs_app = FasterAPI(title="Shop", version="2.0", description="Sells things.")

    @docs_app.post("/items", status_code=201, summary="Create an item", tags=["items"], response_model=Item)
    def create(item: Item, dry_run: bool = Query(False, description="Only validate")):
        """Stores an item.

        Answers the stored item.
        \f
        Not shown: internal notes.
        """
        return item

    @docs_app.get("/hidden", include_in_schema=False, deprecated=True)
    def hidden():
        return "x"

    create_route, hidden_route = docs_app.routes
    assert create_route.docs.summary == "Create an item"
    assert create_route.docs.tags == ["items"]
    assert create_route.docs.description == "Stores an item.\n\nAnswers the stored item."
    assert create_route.params[0].description == "Only validate"
    assert create_route.body_schema() == {"$ref": "#/$defs/Item", "$defs": {"Item": Item.model_json_schema()}}
    assert create_route.response_schema()["$ref"] == "#/$defs/Item"
    assert create_route.media_type == "application/json"
    assert hidden_route.docs.include_in_schema is False
    assert hidden_route.docs.deprecated is True
    assert hidden_route.docs.description is None
    plain = FasterAPI()
    plain.get("/t", response_class=PlainTextResponse)(lambda: "t")
    assert plain.routes[0].media_type == "text/plain"


def test_lists_cookies_and_constraints_are_declared_to_the_host():
    declared = FasterAPI()

    @declared.get("/s/{id}")
    def search(id: int = Path(ge=1), q: list[str] = Query(["a"]), n: float = Query(1, gt=0, multiple_of=0.5),
               session: Optional[str] = Cookie(None, min_length=2, pattern="^[a-z]+$")):
        return q

    specs = {p.arg: p for p in declared.routes[0].params}
    assert (specs["id"].source, specs["id"].constraints) == ("path", {"ge": 1})
    assert (specs["q"].repeated, specs["q"].kind, specs["q"].default) == (True, "str", ["a"])
    assert (specs["n"].default, specs["n"].constraints) == (1.0, {"gt": 0, "multiple_of": 0.5})
    assert (specs["session"].source, specs["session"].required) == ("cookie", False)
    assert specs["session"].constraints == {"min_length": 2, "pattern": "^[a-z]+$"}


def test_response_parameter_cookies_and_exception_handlers():
    from fasterapi import status
    from fasterapi.exceptions import RequestValidationError
    from fasterapi.responses import JSONResponse, RedirectResponse

    handlers = FasterAPI()

    class Boom(Exception):
        pass

    @handlers.exception_handler(Boom)
    def on_boom(request, exc):
        return JSONResponse({"path": request.url.path}, status_code=status.HTTP_418_IM_A_TEAPOT)

    @handlers.get("/boom")
    def boom():
        raise Boom()

    @handlers.get("/cookie")
    def cookie(response: Response):
        response.set_cookie("a", "1", max_age=5, httponly=True)
        response.status_code = 201
        return {}

    @handlers.get("/go")
    def go():
        return RedirectResponse("/a b")

    answer = handlers.dispatch(0, [], "GET", "/boom", "", [("host", b"h")], b"")
    assert (answer.status_code, answer.body) == (418, b'{"path":"/boom"}')
    answer = handlers.dispatch(1, [], "GET", "/cookie", "", [], b"")
    assert (answer.status_code, answer.cookie_headers) == (201, ["a=1; HttpOnly; Max-Age=5; Path=/; SameSite=lax"])
    answer = handlers.dispatch(2, [], "GET", "/go", "", [], b"")
    assert (answer.status_code, answer.headers["location"], answer.body) == (307, "/a%20b", b"")
    assert not handlers.handles_validation_errors

    @handlers.exception_handler(RequestValidationError)
    def on_invalid(request, exc):
        return JSONResponse({"errors": len(exc.errors()), "body": exc.body}, status_code=400)

    @handlers.post("/items")
    def create(item: dict, n: int = 0):
        return item

    assert handlers.handles_validation_errors
    refused = '[{"type": "int_parsing", "loc": ["query", "n"]}]'
    answer = handlers.dispatch(3, [], "POST", "/items", "n=x", [("content-type", b"application/json")], b"[1]",
                               validate_only=True, param_errors=refused)
    assert (answer.status_code, answer.body) == (400, b'{"errors":2,"body":[1]}')
    answer = handlers.dispatch(3, [0], "POST", "/items", "", [("content-type", b"application/json")], b'"x"')
    assert (answer.status_code, answer.body) == (400, b'{"errors":1,"body":"x"}')
    assert FasterAPI().title == "FastAPI"


def test_startup_runs_once_per_instance_before_the_first_request():
    app = FasterAPI()
    started = []

    @app.on_event("startup")
    async def connect():
        started.append("db")
        app.state.db = "connected"

    @app.get("/db")
    def db():
        return {"db": app.state.db}

    assert started == []  # not at build time: a component's snapshot would keep it
    for _ in range(2):
        answer = app.dispatch(0, [], "GET", "/db", "", [], b"")
        assert (answer.status_code, answer.body) == (200, b'{"db":"connected"}')
    assert started == ["db"]
    with pytest.raises(TypeError, match="shutdown handlers are not supported"):
        app.on_event("shutdown")
    with pytest.raises(TypeError, match="shutdown handlers are not supported"):
        FasterAPI(on_shutdown=[connect])


def test_a_failed_startup_is_a_500_and_retried():
    attempts = []

    def lifespan(app):
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("database down")
        yield {"ready": True}

    app = FasterAPI(lifespan=lifespan)

    @app.get("/ready")
    def ready(request: Request):
        return {"ready": request.state.ready}

    assert app.dispatch(0, [], "GET", "/ready", "", [], b"").status_code == 500
    answer = app.dispatch(0, [], "GET", "/ready", "", [], b"")
    assert (answer.status_code, answer.body, len(attempts)) == (200, b'{"ready":true}', 2)
