from fasterapi import Cookie, FastAPI, Header, Path, Query
from typing import Annotated, List, Optional

app = FastAPI()


@app.get("/bounded/{item_id}")
def bounded(item_id: int = Path(ge=1, le=1000), limit: int = Query(10, gt=0, le=100, multiple_of=5),
            ratio: float = Query(0.5, ge=0.0, lt=1), name: Optional[str] = Query(None, min_length=2, max_length=5,
                                                                                 pattern="^[a-z]+$")):
    return {"item_id": item_id, "limit": limit, "ratio": ratio, "name": name}


@app.get("/annotated")
def annotated(q: Annotated[str, Query(min_length=3)] = "abc", size: Annotated[int, Query(ge=1, lt=10)] = 1,
              step: Annotated[float, Query(multiple_of=0.25, gt=-1.5)] = 0.5):
    return {"q": q, "size": size, "step": step}


@app.get("/lists")
def lists(q: List[str] = Query(), ids: list[int] = Query([1, 2]), flags: Optional[list[bool]] = Query(None),
          x_tag: Optional[list[str]] = Header(None)):
    return {"q": q, "ids": ids, "flags": flags, "x_tag": x_tag}


@app.get("/sets")
def sets(q: set[int] = Query(), t: Optional[frozenset[str]] = Query(None), h: set[str] = Header(set())):
    return {"q": sorted(q), "t": sorted(t) if t else t, "h": sorted(h)}


@app.get("/cookies")
def cookies(session: str = Cookie(), theme: Optional[str] = Cookie(None), visits: int = Cookie(0, ge=0),
            x_id: Annotated[str, Header(max_length=4)] = "none"):
    return {"session": session, "theme": theme, "visits": visits, "x_id": x_id}


@app.get("/slash/")
def with_slash():
    return {"route": "with slash"}


@app.get("/noslash")
def without_slash(q: int = 0):
    return {"route": "without slash", "q": q}


@app.get("/twice")
def first():
    return {"served": "first"}


@app.get("/twice")
def second():
    return {"served": "second"}


CASES = [
    ("GET", "/bounded/5", {}, None),
    ("GET", "/bounded/0", {}, None),
    ("GET", "/bounded/1001?limit=101", {}, None),
    ("GET", "/bounded/3?limit=7", {}, None),
    ("GET", "/bounded/3?limit=0", {}, None),
    ("GET", "/bounded/3?limit=100&ratio=1", {}, None),
    ("GET", "/bounded/3?ratio=-0.1", {}, None),
    ("GET", "/bounded/3?ratio=0.99&name=abc", {}, None),
    ("GET", "/bounded/3?name=a", {}, None),
    ("GET", "/bounded/3?name=abcdef", {}, None),
    ("GET", "/bounded/3?name=ab1", {}, None),
    ("GET", "/bounded/3?name=", {}, None),
    ("GET", "/bounded/x?limit=y&name=Q", {}, None),
    ("GET", "/bounded/0?limit=3&ratio=2&name=toolong", {}, None),
    ("GET", "/annotated", {}, None),
    ("GET", "/annotated?q=ab&size=10&step=0.3", {}, None),
    ("GET", "/annotated?q=abcd&size=0&step=-1.5", {}, None),
    ("GET", "/annotated?size=9&step=1.75", {}, None),
    ("GET", "/lists?q=a&q=b", {}, None),
    ("GET", "/lists", {}, None),
    ("GET", "/lists?q=x&ids=3&ids=4&flags=yes&flags=off", {}, None),
    ("GET", "/lists?q=x&ids=3&ids=no&ids=5&ids=z&flags=maybe", {}, None),
    ("GET", "/lists?q=", {"x-tag": "one"}, None),
    ("GET", "/sets?q=1&q=1&q=2&t=a&t=a", {}, None),
    ("GET", "/sets?q=x&q=3", {"h": "one"}, None),
    ("GET", "/cookies", {"cookie": "session=abc"}, None),
    ("GET", "/cookies", {"cookie": "session=abc; theme=dark; visits=3"}, None),
    ("GET", "/cookies", {"cookie": "theme=dark; visits=-1"}, None),
    ("GET", "/cookies", {"cookie": "session=a; visits=many"}, None),
    ("GET", "/cookies", {}, None),
    ("GET", "/cookies", {"cookie": 'session="quoted"; session=last'}, None),
    ("GET", "/cookies", {"cookie": "session=s", "x-id": "12345"}, None),
    ("GET", "/slash/", {}, None),
    ("GET", "/slash", {}, None),
    ("GET", "/noslash", {}, None),
    ("GET", "/noslash/?q=3", {}, None),
    ("GET", "/twice", {}, None),
    ("POST", "/twice", {}, None),
]
