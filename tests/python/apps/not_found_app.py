from fasterapi import FastAPI, HTTPException, Request
from fasterapi.responses import HTMLResponse, JSONResponse


app = FastAPI()


@app.exception_handler(404)
async def custom_404_handler(request: Request, exc: HTTPException):
    return HTMLResponse(f"<h1>Nothing at {request.url.path}: {exc.detail}</h1>", status_code=404)


@app.exception_handler(405)
async def custom_405_handler(request: Request, exc: HTTPException):
    return JSONResponse({"detail": exc.detail, "allow": exc.headers["Allow"], "method": request.method},
                        status_code=405, headers={"Allow": exc.headers["Allow"]})


@app.get("/items/{item_id}")
def read_item(item_id: int):
    if item_id == 0:
        raise HTTPException(status_code=404, detail="Item missing")
    return {"item_id": item_id}


CASES = [
    ("GET", "/nothing/here", {}, None),
    ("GET", "/items/7", {}, None),
    ("GET", "/items/0", {}, None),
    ("DELETE", "/items/7", {}, None),
    ("GET", "/items/x", {}, None),
]
