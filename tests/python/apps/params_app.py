from fasterapi import FastAPI, Header, Path, Query
from typing import Optional

app = FastAPI()


@app.get("/path/{i}/{f}/{b}/{s}")
def path_types(i: int, f: float, b: bool, s: str):
    return {"i": i, "f": f, "b": b, "s": s}


@app.get("/query")
def query_types(i: int, f: float, b: bool, s: str):
    return {"i": i, "f": f, "b": b, "s": s}


@app.get("/defaults")
def defaults(limit: int = 10, ratio: float = 0.5, flag: bool = True, name: str = "anon",
             q: Optional[str] = None, page: Optional[int] = None):
    return {"limit": limit, "ratio": ratio, "flag": flag, "name": name, "q": q, "page": page}


@app.get("/aliases")
def aliases(item_query: str = Query("none", alias="item-query"), size: int = Query(3)):
    return {"item_query": item_query, "size": size}


@app.get("/headers")
def headers(x_token: str = Header(), x_count: int = Header(default=1), x_flag: Optional[bool] = Header(default=None)):
    return {"token": x_token, "count": x_count, "flag": x_flag}


@app.get("/mixed/{item_id}")
def mixed(item_id: int = Path(), limit: int = Query(), x_key: str = Header()):
    return {"item_id": item_id, "limit": limit, "key": x_key}


@app.get("/files/{file_path:path}")
def files(file_path: str):
    return {"file_path": file_path}


CASES = [
    ("GET", "/path/1/2.5/true/hello", {}, None),
    ("GET", "/path/-3/-0.5/off/x%20y", {}, None),
    ("GET", "/path/1.0/1e3/YES/caf%C3%A9", {}, None),
    ("GET", "/path/1_000/inf/0/s", {}, None),
    ("GET", "/path/x/y/z/s", {}, None),
    ("GET", "/path/1.5/1/2/s", {}, None),
    ("GET", "/path/%201%20/%201.5%20/t/s", {}, None),
    ("GET", "/query?i=1&f=2&b=true&s=x", {}, None),
    ("GET", "/query?i=+7&f=.5&b=n&s=", {}, None),
    ("GET", "/query", {}, None),
    ("GET", "/query?i=a&f=b&b=c", {}, None),
    ("GET", "/query?i=1&i=2&f=1&b=1&s=last&s=wins", {}, None),
    ("GET", "/query?i=&f=&b=&s=", {}, None),
    ("GET", "/query?i=0x10&f=1e&b=%20true&s=a", {}, None),
    ("GET", "/defaults", {}, None),
    ("GET", "/defaults?limit=5&ratio=2&flag=false&name=bob&q=find&page=3", {}, None),
    ("GET", "/defaults?limit=x&page=y", {}, None),
    ("GET", "/defaults?q=a+b%2Bc", {}, None),
    ("GET", "/aliases?item-query=abc&size=4", {}, None),
    ("GET", "/aliases?item_query=ignored", {}, None),
    ("GET", "/aliases?size=big", {}, None),
    ("GET", "/headers", {"x-token": "secret"}, None),
    ("GET", "/headers", {"X-Token": "t", "X-Count": "5", "X-Flag": "yes"}, None),
    ("GET", "/headers", {}, None),
    ("GET", "/headers", {"x-token": "t", "x-count": "many", "x-flag": "perhaps"}, None),
    ("GET", "/mixed/5?limit=2", {"x-key": "k"}, None),
    ("GET", "/mixed/abc?limit=z", {}, None),
    ("GET", "/mixed/1", {"x-key": "k"}, None),
    ("GET", "/files/a/b/c.txt", {}, None),
    ("GET", "/files/with%20space.txt", {}, None),
    ("GET", "/nowhere", {}, None),
    ("POST", "/query?i=1&f=1&b=1&s=x", {}, None),
]
