from fasterapi import Depends, FastAPI, Header, HTTPException, Query
from typing import Annotated, Optional


def app_wide(x_app: Optional[str] = Header(None)):
    return x_app


app = FastAPI(dependencies=[Depends(app_wide)])


def common(q: Optional[str] = None, skip: int = 0, limit: int = Query(100, le=100)):
    return {"q": q, "skip": skip, "limit": limit}


CommonDep = Annotated[dict, Depends(common)]


class Pager:
    def __init__(self, page: int = 1, size: int = Query(10, le=50)):
        self.page = page
        self.size = size


def token(x_token: str = Header()):
    if x_token != "secret":
        raise HTTPException(status_code=400, detail="X-Token header invalid")
    return x_token


def user(tok: Annotated[str, Depends(token)], name: str = "anon"):
    return {"token": tok, "name": name}


counter = {"n": 0}


def counted():
    counter["n"] += 1
    return counter["n"]


def converting():
    try:
        yield "c"
    except ValueError:
        raise HTTPException(status_code=400, detail="converted")


def swallowing():
    try:
        yield "s"
    except HTTPException:
        pass


async def doubled(n: int = 1):
    return n * 2


async def resource(label: str = "r"):
    yield f"<{label}>"


@app.get("/items")
def items(commons: CommonDep, pager: Annotated[Pager, Depends()]):
    return {**commons, "page": pager.page, "size": pager.size}


@app.get("/users/me")
def me(u: dict = Depends(user), also: dict = Depends(common), again: CommonDep = None,
       fresh: int = Depends(counted, use_cache=False), fresh2: int = Depends(counted, use_cache=False)):
    return {"user": u, "same": also is again, "fresh_differs": fresh != fresh2}


@app.get("/guarded", dependencies=[Depends(token)])
def guarded():
    return {"ok": True}


@app.get("/convert")
def convert(c: str = Depends(converting), fail: bool = False):
    if fail:
        raise ValueError("boom")
    return {"c": c}


@app.get("/swallow")
def swallow(s: str = Depends(swallowing)):
    raise HTTPException(status_code=418, detail="teapot")


@app.get("/dup")
def dup(q: int, commons: CommonDep):
    return {"q": q, "commons": commons}


@app.get("/async")
async def run_async(v: int = Depends(doubled), r: str = Depends(resource)):
    return {"v": v, "r": r}


CASES = [
    ("GET", "/items", {}, None),
    ("GET", "/items?q=a&skip=1&limit=5&page=2&size=20", {"x-app": "yes"}, None),
    ("GET", "/items?limit=500&size=99&skip=x&page=y", {}, None),
    ("GET", "/users/me", {"x-token": "secret"}, None),
    ("GET", "/users/me?name=bob&skip=x", {}, None),
    ("GET", "/users/me?name=bob", {"x-token": "nope"}, None),
    # The token's own parameter is good, so FastAPI still runs it and its 400 wins over the 422.
    ("GET", "/users/me?skip=x&limit=500", {"x-token": "nope"}, None),
    ("GET", "/users/me?skip=x", {"x-token": "secret"}, None),
    ("GET", "/guarded", {"x-token": "secret"}, None),
    ("GET", "/guarded", {"x-token": "nope"}, None),
    ("GET", "/guarded", {}, None),
    ("GET", "/convert", {}, None),
    ("GET", "/convert?fail=true", {}, None),
    ("GET", "/swallow", {}, None),
    ("GET", "/dup?q=5", {}, None),
    ("GET", "/dup?q=x", {}, None),
    ("GET", "/dup?q=x&skip=y&limit=101", {}, None),
    ("GET", "/dup", {}, None),
    ("GET", "/async?n=4&label=db", {}, None),
    ("GET", "/async?n=z", {}, None),
]
