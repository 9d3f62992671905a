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


class Page(BaseModel):
    model_config = {"extra": "forbid"}
    page: int
    size: int = 10
    sort: list[str] = []


class Prefs(BaseModel):
    model_config = {"extra": "forbid"}
    theme: str = "light"


@app.get("/pages")
def read_pages(page: Annotated[Page, Query()]):
    return page


@app.get("/prefs")
def read_prefs(prefs: Annotated[Prefs, Cookie()]):
    return prefs


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
    ("GET", "/cookies", {"cookie": "zz=1; fatebook_tracker=t; zz=2"}, None),
    ("GET", "/cookies", {}, None),
    ("GET", "/items?zz=1&limit=5", {}, None),
    ("GET", "/pages?page=1&sort=a&sort=b", {}, None),
    ("GET", "/pages?size=5&zz=1&zz=2&sort=a", {}, None),
    ("GET", "/pages", {}, None),
    ("GET", "/pages?page=x&yy=3&page=2&zz=", {}, None),
    ("GET", "/prefs", {"cookie": "theme=dark"}, None),
    ("GET", "/prefs", {"cookie": "theme=dark; other=1; more=2"}, None),
]
