from fasterapi import BaseModel, Depends, FastAPI, Query, Request
from fasterapi.encoders import jsonable_encoder
from typing import Optional
from fasterapi.exception_handlers import request_validation_exception_handler
from fasterapi.exceptions import RequestValidationError
from fasterapi.responses import JSONResponse, PlainTextResponse


app = FastAPI()


@app.exception_handler(RequestValidationError)
async def validation_exception_handler(request: Request, exc: RequestValidationError):
    if request.url.path.startswith("/text"):
        kinds = ",".join(error["type"] for error in exc.errors())
        return PlainTextResponse(f"{len(exc.errors())} errors: {kinds}", status_code=400)
    if request.url.path.startswith("/default"):
        return await request_validation_exception_handler(request, exc)
    return JSONResponse(status_code=422, content=jsonable_encoder({"detail": exc.errors(), "body": exc.body}))


class Item(BaseModel):
    title: str
    size: int


def pagination(skip: int = 0, limit: int = Query(10, le=100)):
    return {"skip": skip, "limit": limit}


@app.get("/items/{item_id}")
def read_item(item_id: int, q: Optional[str] = Query(None, max_length=3)):
    return {"item_id": item_id, "q": q}


@app.post("/items")
def create_item(item: Item):
    return item


@app.get("/text/{n}")
def text(n: int, flag: bool = False):
    return {"n": n}


@app.post("/default/{n}")
def default(n: int, item: Item):
    return {"n": n, "item": item}


@app.get("/paged")
def paged(page: dict = Depends(pagination), q: int = 0):
    return page


CASES = [
    ("GET", "/items/3", {}, None),
    ("GET", "/items/x", {}, None),
    ("GET", "/items/x?q=long", {}, None),
    ("POST", "/items", {"content-type": "application/json"}, '{"title": "t", "size": 1}'),
    ("POST", "/items", {"content-type": "application/json"}, '{"title": "t", "size": "XL"}'),
    ("POST", "/items", {"content-type": "application/json"}, '{"title"'),
    ("POST", "/items", {}, None),
    ("GET", "/text/x?flag=maybe", {}, None),
    ("GET", "/text/3", {}, None),
    ("POST", "/default/x", {"content-type": "application/json"}, '{"size": "L"}'),
    ("POST", "/default/1", {"content-type": "application/json"}, '{"title": "a", "size": 2}'),
    ("GET", "/paged?limit=500&q=z", {}, None),
    ("GET", "/paged?skip=2", {}, None),
]
