from fasterapi import BaseModel, Body, FastAPI
from typing import Annotated, Optional


class Item(BaseModel):
    name: str
    price: float


class User(BaseModel):
    username: str
    full_name: Optional[str] = None


app = FastAPI()


@app.put("/items/{item_id}")
def update_item(item_id: int, item: Item, user: User, importance: Annotated[int, Body(gt=0)], q: Optional[str] = None):
    return {"item_id": item_id, "item": item, "user": user, "importance": importance, "q": q}


@app.put("/embed")
def embed(item: Annotated[Item, Body(embed=True)]):
    return {"item": item}


@app.post("/single")
def single(importance: int = Body(ge=1, le=10)):
    return {"importance": importance}


@app.post("/optional")
def optional(item: Item, note: Optional[str] = Body(None, max_length=5), count: int = Body(1, alias="n")):
    return {"item": item, "note": note, "count": count}


@app.post("/text")
def text(message: str = Body(min_length=2, pattern="^[a-z ]+$")):
    return {"message": message}


JSON = {"content-type": "application/json"}

CASES = [
    ("PUT", "/items/5", JSON, '{"item": {"name": "a", "price": 1}, "user": {"username": "u"}, "importance": 5}'),
    ("PUT", "/items/5?q=x", JSON, '{"item": {"name": "a"}, "user": {}, "importance": 0}'),
    ("PUT", "/items/5", JSON, "[1, 2]"),
    ("PUT", "/items/5", JSON, '"text"'),
    ("PUT", "/items/5", {}, None),
    ("PUT", "/items/x", JSON, '{"item": {"name": "a", "price": "cheap"}, "importance": "high"}'),
    ("PUT", "/items/5", JSON, '{"item": {"name": "a", "price": 1}, "user": {"username": "u"}, "importance": 5'),
    ("PUT", "/embed", JSON, '{"item": {"name": "a", "price": 2}}'),
    ("PUT", "/embed", JSON, '{"name": "a", "price": 2}'),
    ("POST", "/single", JSON, "5"),
    ("POST", "/single", JSON, '"7"'),
    ("POST", "/single", JSON, "11"),
    ("POST", "/single", JSON, '"x"'),
    ("POST", "/single", JSON, '{"importance": 5}'),
    ("POST", "/single", {}, None),
    ("POST", "/optional", JSON, '{"item": {"name": "a", "price": 2}}'),
    ("POST", "/optional", JSON, '{"item": {"name": "a", "price": 2}, "note": "hi", "n": 3, "count": 9}'),
    ("POST", "/optional", JSON, '{"item": {"name": "a", "price": 2}, "note": "too long", "n": "x"}'),
    ("POST", "/optional", JSON, '{"name": "a", "price": 2}'),
    ("POST", "/text", JSON, '"hello there"'),
    ("POST", "/text", JSON, '"a"'),
    ("POST", "/text", JSON, '"Hello"'),
    ("POST", "/text", {"content-type": "text/plain"}, "plain text"),
]
