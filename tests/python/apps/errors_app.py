from fasterapi import FastAPI, HTTPException, JSONResponse, PlainTextResponse, Response
from typing import Optional

app = FastAPI()


@app.get("/items/{item_id}")
def read_item(item_id: int):
    if item_id == 0:
        raise HTTPException(status_code=404, detail="Item not found")
    if item_id < 0:
        raise HTTPException(status_code=400, detail={"error": "negative", "value": item_id},
                            headers={"X-Error": "negative-id"})
    return {"item_id": item_id}


@app.delete("/items/{item_id}", status_code=204)
def delete_item(item_id: int):
    return Response(status_code=204)


@app.post("/created", status_code=201)
def created():
    return {"created": True}


@app.get("/custom")
def custom(code: int = 200):
    return JSONResponse({"code": code}, status_code=code, headers={"X-Custom": "yes"})


@app.get("/text", response_class=PlainTextResponse)
def text(name: str = "world"):
    return f"Hello, {name}!"


@app.get("/string")
def string():
    return "just a string"


@app.get("/none")
def none():
    return None


@app.get("/list")
def listing(n: int = 3):
    return list(range(n))


@app.get("/teapot")
def teapot(reason: Optional[str] = None):
    raise HTTPException(418, reason)


CASES = [
    ("GET", "/items/5", {}, None),
    ("GET", "/items/0", {}, None),
    ("GET", "/items/-2", {}, None),
    ("GET", "/items/zero", {}, None),
    ("DELETE", "/items/5", {}, None),
    ("PUT", "/items/5", {}, None),
    ("POST", "/created", {}, None),
    ("GET", "/created", {}, None),
    ("GET", "/custom", {}, None),
    ("GET", "/custom?code=202", {}, None),
    ("GET", "/custom?code=503", {}, None),
    ("GET", "/text", {}, None),
    ("GET", "/text?name=Zo%C3%AB", {}, None),
    ("GET", "/string", {}, None),
    ("GET", "/none", {}, None),
    ("GET", "/list", {}, None),
    ("GET", "/list?n=0", {}, None),
    ("GET", "/list?n=x", {}, None),
    ("GET", "/teapot", {}, None),
    ("GET", "/teapot?reason=short", {}, None),
    ("GET", "/missing", {}, None),
]
