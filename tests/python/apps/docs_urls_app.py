from fasterapi import FastAPI


app = FastAPI(title="Behind a proxy", docs_url="/documentation", openapi_url="/api/openapi.json", redoc_url=None,
              root_path="/proxy")


@app.get("/items/{item_id}")
def read_item(item_id: int):
    return {"item_id": item_id}


CASES = [
    ("GET", "/items/1", {}, None),
    ("GET", "/proxy/items/2", {}, None),
    ("GET", "/proxy/items/x", {}, None),
    ("GET", "/openapi.json", {}, None),
    ("GET", "/docs", {}, None),
    ("GET", "/redoc", {}, None),
]
