from fasterapi import BaseModel, Cookie, FastAPI, Field, Header, Query
from typing import Annotated, Literal, Optional

app = FastAPI()


class FilterParams(BaseModel):
    limit: int = Field(100, gt=0, le=100)
    offset: int = Field(0, ge=0)
    order_by: Literal["created_at", "updated_at"] = "created_at"
    tags: list[str] = []


class CommonHeaders(BaseModel):
    host: str
    save_data: bool
    if_modified_since: Optional[str] = None
    x_tag: list[str] = []


class Cookies(BaseModel):
    session_id: str
    fatebook_tracker: Optional[str] = None


@app.get("/items")
def read_items(filter_query: Annotated[FilterParams, Query()]):
    return filter_query


@app.get("/headers")
def read_headers(headers: Annotated[CommonHeaders, Header()]):
    return headers


@app.get("/cookies")
def read_cookies(cookies: Annotated[Cookies, Cookie()]):
    return cookies


CASES = [
    ("GET", "/items", {}, None),
    ("GET", "/items?limit=10&offset=5&order_by=updated_at&tags=a&tags=b", {}, None),
    ("GET", "/items?limit=0&offset=-1&order_by=name", {}, None),
    ("GET", "/items?limit=101&offset=x", {}, None),
    ("GET", "/headers", {"host": "example.com", "save-data": "yes", "if-modified-since": "never", "x-tag": "t"}, None),
    ("GET", "/headers", {"host": "example.com", "save-data": "maybe"}, None),
    ("GET", "/cookies", {"cookie": "session_id=abc; fatebook_tracker=t"}, None),
    ("GET", "/cookies", {"cookie": "fatebook_tracker=t; session_id="}, None),
]
