from fasterapi import Depends, FastAPI

from .dependencies import get_query_token, get_token_header
from .internal import admin
from .routers import items, users

app = FastAPI(dependencies=[Depends(get_query_token)])


app.include_router(users.router)
app.include_router(items.router)
app.include_router(
    admin.router,
    prefix="/admin",
    tags=["admin"],
    dependencies=[Depends(get_token_header)],
    responses={418: {"description": "I'm a teapot"}},
)


@app.get("/")
async def root():
    return {"message": "Hello Bigger Applications!"}


TOKEN = {"x-token": "fake-super-secret-token"}
CASES = [
    ("GET", "/?token=jessica", {}, None),
    ("GET", "/", {}, None),
    ("GET", "/?token=monica", {}, None),
    ("GET", "/users/?token=jessica", {}, None),
    ("GET", "/users/me?token=jessica", {}, None),
    ("GET", "/users/foo?token=jessica", {}, None),
    ("GET", "/users/foo", {}, None),
    ("GET", "/items/?token=jessica", TOKEN, None),
    ("GET", "/items/?token=jessica", {}, None),
    ("GET", "/items/plumbus?token=jessica", TOKEN, None),
    ("GET", "/items/bar?token=jessica", TOKEN, None),
    ("GET", "/items/plumbus?token=jessica", {"x-token": "invalid"}, None),
    ("GET", "/items/plumbus", {"x-token": "invalid"}, None),
    ("PUT", "/items/plumbus?token=jessica", TOKEN, None),
    ("PUT", "/items/bar?token=jessica", TOKEN, None),
    ("POST", "/admin/?token=jessica", TOKEN, None),
    ("POST", "/admin/?token=jessica", {}, None),
    ("POST", "/admin", {}, None),
]
