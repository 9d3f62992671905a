"""The benchmark app of `benches/peers/fastapi_app.py`, endpoint for endpoint,
for FasterAPI: the same source but for the import lines."""

from typing import Optional

from fasterapi import BaseModel, FasterAPI, PlainTextResponse

app = FasterAPI()


class Item(BaseModel):
    name: str
    price: float


@app.get("/plaintext", response_class=PlainTextResponse)
async def plaintext():
    return "Hello, World!"


@app.get("/users/{user_id}")
async def get_user(user_id: int):
    return {"id": user_id, "name": "Alice"}


@app.get("/items")
async def list_items(q: Optional[str] = None, limit: int = 10):
    return {"q": q, "limit": limit}


@app.post("/items", status_code=201)
async def create_item(item: Item):
    return {"id": 1, "name": item.name, "price": item.price}
