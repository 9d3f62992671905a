from fasterapi import APIRouter, FastAPI, HTTPException, Request, Response, status
from fasterapi.responses import HTMLResponse, JSONResponse, ORJSONResponse, PlainTextResponse, RedirectResponse
from fasterapi.encoders import jsonable_encoder
from fasterapi.exception_handlers import http_exception_handler
from datetime import date


app = FastAPI()


class UnicornException(Exception):
    def __init__(self, name: str):
        self.name = name


@app.exception_handler(UnicornException)
async def unicorn_exception_handler(request: Request, exc: UnicornException):
    return JSONResponse(status_code=418,
                        content={"message": f"Oops! {exc.name} did something. There goes a rainbow...",
                                 "path": request.url.path})


@app.exception_handler(HTTPException)
async def logged_http_exception(request: Request, exc: HTTPException):
    if exc.status_code == 409:
        return PlainTextResponse(f"conflict: {exc.detail}", status_code=409)
    return await http_exception_handler(request, exc)


@app.get("/unicorns/{name}")
async def read_unicorn(name: str):
    if name == "yolo":
        raise UnicornException(name=name)
    if name == "twin":
        raise HTTPException(status_code=409, detail="two of them")
    if name == "ghost":
        raise HTTPException(status_code=404, detail="Unicorn not found", headers={"X-Error": "gone"})
    return {"unicorn_name": name}


@app.get("/cookie", status_code=status.HTTP_200_OK)
def cookie(response: Response, flavour: str = "choc"):
    response.set_cookie(key="fakesession", value="fake-cookie-session-value")
    response.set_cookie("flavour", flavour, max_age=60, httponly=True, samesite="strict", secure=True, path="/x")
    response.headers["X-Cat"] = "meow"
    if flavour == "none":
        response.status_code = status.HTTP_201_CREATED
    return {"message": "Come to the dark side, we have cookies"}


@app.get("/direct")
def direct():
    answer = JSONResponse({"a": 1}, headers={"X-A": "1"})
    answer.set_cookie("c", "3")
    return answer


@app.get("/redirect")
def redirect(to: str = "/docs"):
    return RedirectResponse(to)


@app.get("/redirect-class", response_class=RedirectResponse, status_code=302)
def redirect_class():
    return "https://example.com/some path?x=1"


@app.get("/orjson", response_class=ORJSONResponse)
def fast_json():
    return [{"when": date(2032, 4, 23)}]


@app.get("/page", response_class=HTMLResponse)
def page():
    return "<h1>Hi</h1>"


@app.get("/encoded")
def encoded():
    return {"encoded": jsonable_encoder({"when": date(2032, 4, 23), "tags": {"a"}})}


pages = APIRouter(prefix="/pages", default_response_class=HTMLResponse)


@pages.get("/home")
def home():
    return "<h1>Home</h1>"


@pages.get("/data", response_class=JSONResponse)
def data():
    return {"a": 1}


notes = APIRouter(prefix="/notes")


@notes.get("/first")
def first_note():
    return "plain words"


app.include_router(pages)
app.include_router(notes, default_response_class=PlainTextResponse)


CASES = [
    ("GET", "/unicorns/yolo", {}, None),
    ("GET", "/unicorns/bob", {}, None),
    ("GET", "/unicorns/twin", {}, None),
    ("GET", "/unicorns/ghost", {}, None),
    ("GET", "/cookie", {}, None),
    ("GET", "/cookie?flavour=none", {}, None),
    ("GET", "/direct", {}, None),
    ("GET", "/redirect", {}, None),
    ("GET", "/redirect?to=/a%20b?c=d", {}, None),
    ("GET", "/redirect-class", {}, None),
    ("GET", "/orjson", {}, None),
    ("GET", "/page", {}, None),
    ("GET", "/encoded", {}, None),
    ("GET", "/pages/home", {}, None),
    ("GET", "/pages/data", {}, None),
    ("GET", "/notes/first", {}, None),
]
