"""Dependencies and routers, run natively: the plan made at declaration,
what a request runs, and in which order."""

from typing import Annotated, Optional

import pytest

from fasterapi import APIRouter, Depends, FasterAPI, Header, HTTPException, Query


def call(app, index, args, validate_only=False, failed=()):
    return app.dispatch(index, list(args), "GET", "/", "", [], b"", validate_only, failed)


def test_dependency_parameters_are_route_parameters_grouped_by_dependant():
    app = FasterAPI()

    def common(q: Optional[str] = None, skip: int = 0):
        return {"q": q, "skip": skip}

    def token(x_token: str = Header()):
        return x_token

    def user(tok: Annotated[str, Depends(token)], name: str = "anon"):
        return (tok, name)

    @app.get("/items")
    def items(limit: int, c: dict = Depends(common), u=Depends(user)):
        return [limit, c, u]

    route = app.routes[0]
    # FastAPI's flat order: the handler's own, then each dependency's (its own, then its dependencies').
    assert [(p.name, p.source, p.group) for p in route.params] == [
        ("limit", "query", 3), ("q", "query", 0), ("skip", "query", 0), ("name", "query", 2), ("x-token", "header", 1)]
    response = call(app, 0, [5, "a", 2, "bob", "t"])
    assert response.status_code == 200
    assert response.body == b'[5,{"q":"a","skip":2},["t","bob"]]'


def test_each_dependency_runs_once_unless_use_cache_is_false():
    app = FasterAPI()
    calls = []

    def counted():
        calls.append(1)
        return len(calls)

    @app.get("/n")
    def n(a=Depends(counted), b=Depends(counted), c=Depends(counted, use_cache=False)):
        return [a, b, c]

    assert call(app, 0, []).body == b"[1,1,2]"


def test_yield_dependencies_close_in_reverse_and_see_the_handlers_exception():
    app = FasterAPI()
    log = []

    def outer():
        log.append("open outer")
        try:
            yield "o"
        finally:
            log.append("close outer")

    def inner(o=Depends(outer)):
        log.append("open inner")
        try:
            yield o + "i"
        except ValueError:
            log.append("inner saw ValueError")
            raise HTTPException(status_code=400, detail="converted")
        finally:
            log.append("close inner")

    @app.get("/ok")
    def ok(v=Depends(inner)):
        return v

    @app.get("/fail")
    def fail(v=Depends(inner)):
        raise ValueError("boom")

    assert call(app, 0, []).body == b'"oi"'
    assert log == ["open outer", "open inner", "close inner", "close outer"]
    log.clear()
    response = call(app, 1, [])
    assert (response.status_code, response.body) == (400, b'{"detail":"converted"}')
    assert log == ["open outer", "open inner", "inner saw ValueError", "close inner", "close outer"]


def test_a_swallowed_exception_is_a_500_as_in_fastapi():
    app = FasterAPI()

    def swallowing():
        try:
            yield
        except HTTPException:
            pass

    @app.get("/x")
    def x(_=Depends(swallowing)):
        raise HTTPException(status_code=418)

    assert call(app, 0, []).status_code == 500


def test_class_dependencies_and_decorator_dependencies():
    app = FasterAPI(dependencies=[Depends(lambda: order.append("app"))])
    order = []

    class Pager:
        def __init__(self, page: int = 1, size: int = Query(10, le=50)):
            self.page, self.size = page, size

    def check(x_key: str = Header()):
        order.append("check")
        if x_key != "k":
            raise HTTPException(status_code=400, detail="bad key")

    @app.get("/p", dependencies=[Depends(check)])
    def pages(p: Annotated[Pager, Depends()]):
        order.append("handler")
        return [p.page, p.size]

    # Decorator dependencies come first, as FastAPI puts them.
    assert [p.name for p in app.routes[0].params] == ["x-key", "page", "size"]
    assert call(app, 0, ["k", 2, 20]).body == b"[2,20]"
    assert order == ["app", "check", "handler"]
    assert call(app, 0, ["nope", 2, 20]).status_code == 400


def test_after_refused_parameters_dependencies_with_good_ones_still_run():
    app = FasterAPI()
    ran = []

    def token(x_token: str = Header()):
        ran.append("token")
        raise HTTPException(status_code=400, detail="X-Token header invalid")

    def paging(skip: int = 0):
        ran.append("paging")
        return skip

    @app.get("/x")
    def x(s=Depends(paging), t=Depends(token)):
        return "never"

    paging_group = app.routes[0].params[0].group
    # The host refused `skip` (paging's group): token still runs and answers.
    response = call(app, 0, [None, "nope"], validate_only=True, failed=[paging_group])
    assert (response.status_code, ran) == (400, ["token"])
    ran.clear()
    token_group = app.routes[0].params[1].group
    assert call(app, 0, [3, None], validate_only=True, failed=[token_group]).status_code == 204
    assert ran == ["paging"]


def test_routers_carry_prefix_tags_and_dependencies_into_the_app():
    calls = []
    app = FasterAPI(dependencies=[Depends(lambda: calls.append("app"))])
    router = APIRouter(prefix="/items", tags=["items"], dependencies=[Depends(lambda: calls.append("router"))])
    inner = APIRouter()

    @inner.get("/{item_id}", tags=["one"])
    def read_item(item_id: int):
        calls.append("handler")
        return item_id

    router.include_router(inner, prefix="/v1")
    app.include_router(router, prefix="/api", tags=["api"], dependencies=[Depends(lambda: calls.append("include"))])
    route = app.routes[0]
    assert (route.path, route.docs.tags) == ("/api/items/v1/{item_id}", ["api", "items", "one"])
    assert call(app, 0, [7]).body == b"7"
    assert calls == ["app", "include", "router", "handler"]
    with pytest.raises(ValueError, match="must not end with '/'"):
        APIRouter(prefix="/items/")
    with pytest.raises(TypeError, match="does not support: callbacks"):
        APIRouter(callbacks=[])


def test_options_fasterapi_does_not_support_fail_the_build():
    with pytest.raises(TypeError, match="does not support: swagger_ui_parameters"):
        FasterAPI(swagger_ui_parameters={})
    with pytest.raises(TypeError, match="serves no ReDoc page"):
        FasterAPI(redoc_url="/redoc")
    with pytest.raises(ValueError, match="must start with '/'"):
        FasterAPI(docs_url="docs")
    assert (FasterAPI(openapi_url=None, redoc_url=None).openapi_url, FasterAPI().docs_url) == (None, "/docs")
    app = FasterAPI()
    with pytest.raises(TypeError, match="route decorator.* does not support: operation_id"):
        @app.get("/x", operation_id="x")
        def x():
            return 1


def test_function_scope_closes_before_the_answer():
    app = FasterAPI()
    closed = []

    def session():
        yield "s"
        closed.append("session")

    @app.get("/s")
    def read(value: str = Depends(session, scope="function")):
        return {"value": value, "closed": list(closed)}

    answer = app.dispatch(0, [], "GET", "/s", "", [], b"")
    assert (answer.body, closed) == (b'{"value":"s","closed":[]}', ["session"])
    with pytest.raises(ValueError, match="is \"request\" or \"function\""):
        Depends(session, scope="app")
