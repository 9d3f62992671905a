from fasterapi import FastAPI, Request
from fasterapi.responses import JSONResponse


app = FastAPI()


@app.middleware("http")
async def add_process_time_header(request: Request, call_next):
    response = await call_next(request)
    response.headers["X-Process-Time"] = "0.001"
    return response


@app.middleware("http")
async def gate(request: Request, call_next):
    if request.headers.get("x-block") == "yes":
        return JSONResponse({"blocked": request.url.path}, status_code=403)
    response = await call_next(request)
    response.headers["X-Seen-Path"] = request.url.path
    response.headers["X-Seen-Query"] = request.url.query
    return response


@app.get("/items/{item_id}")
def read_item(item_id: int, q: str = ""):
    return {"item_id": item_id, "q": q}


@app.post("/items")
async def create_item(request: Request):
    return {"size": len(await request.body())}


CASES = [
    ("GET", "/items/1?q=a", {}, None),
    ("GET", "/items/x", {}, None),
    ("GET", "/missing", {}, None),
    ("DELETE", "/items/1", {}, None),
    ("GET", "/items/1", {"x-block": "yes"}, None),
    ("GET", "/missing", {"x-block": "yes"}, None),
    ("POST", "/items", {"content-type": "application/json"}, '{"a": 1}'),
    ("GET", "/items/1/", {}, None),
]
