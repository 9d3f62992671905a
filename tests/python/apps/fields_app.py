from fasterapi import BaseModel, FastAPI, Field
from typing import Annotated, Optional


class Item(BaseModel):
    name: str = Field(min_length=1, max_length=10, description="The item's name")
    price: float = Field(gt=0, description="Price in euros")
    tax: Optional[float] = Field(None, ge=0, le=100)
    tags: list[str] = Field(default_factory=list)
    code: Annotated[str, Field(pattern="^[A-Z]{3}$")] = "ABC"
    quantity: int = Field(1, multiple_of=5, title="How many")


app = FastAPI()


@app.post("/items")
def create_item(item: Item):
    return item


JSON = {"content-type": "application/json"}

CASES = [
    ("POST", "/items", JSON, '{"name": "pen", "price": 1.5}'),
    ("POST", "/items", JSON, '{"name": "pen", "price": 1.5, "tax": 20, "tags": ["a"], "code": "XYZ", "quantity": 10}'),
    ("POST", "/items", JSON, '{"name": "", "price": 0}'),
    ("POST", "/items", JSON, '{"name": "a very long name", "price": -1, "tax": 101, "code": "xyz", "quantity": 7}'),
    ("POST", "/items", JSON, '{"name": "ok", "price": "2", "tax": -0.5, "code": "ABCD", "quantity": "15"}'),
    ("POST", "/items", JSON, '{"name": 5, "price": "x", "quantity": 2.5}'),
    ("POST", "/items", JSON, '{}'),
]
