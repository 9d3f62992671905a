from fasterapi import BaseModel, FastAPI, HTTPException, Request
from typing import Optional

app = FastAPI()


class Note(BaseModel):
    title: str
    body: str = ""
    priority: int = 1


async def lookup(key: str) -> Optional[str]:
    return {"a": "apple", "b": "banana"}.get(key)


@app.get("/fruit/{key}")
async def fruit(key: str):
    value = await lookup(key)
    if value is None:
        raise HTTPException(404, f"no fruit for {key}")
    return {"key": key, "value": value}


@app.post("/notes", status_code=201)
async def create_note(note: Note, notify: bool = False):
    return {"title": note.title.upper(), "priority": note.priority, "notify": notify}


@app.get("/sync-and-async")
def sync_handler(n: int = 2):
    return {"double": n * 2}


@app.post("/echo")
async def echo(request: Request):
    data = await request.json()
    return {"method": request.method, "keys": sorted(data)}


JSON = {"content-type": "application/json"}

CASES = [
    ("GET", "/fruit/a", {}, None),
    ("GET", "/fruit/b", {}, None),
    ("GET", "/fruit/z", {}, None),
    ("POST", "/notes", JSON, '{"title":"hi"}'),
    ("POST", "/notes?notify=true", JSON, '{"title":"hi","priority":"3"}'),
    ("POST", "/notes?notify=maybe", JSON, '{"priority":"x"}'),
    ("GET", "/sync-and-async", {}, None),
    ("GET", "/sync-and-async?n=21", {}, None),
    ("GET", "/sync-and-async?n=2.5", {}, None),
    ("POST", "/echo", JSON, '{"b":1,"a":2}'),
    ("GET", "/echo", {}, None),
]
