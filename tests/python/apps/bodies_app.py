from fasterapi import BaseModel, FastAPI
from typing import Dict, List, Optional

app = FastAPI()


class Dimensions(BaseModel):
    width: int
    height: int


class Product(BaseModel):
    name: str
    price: float
    tags: List[str] = []
    dims: Optional[Dimensions] = None
    stock: Dict[str, int] = {}
    active: bool = False
    note: Optional[str] = None


@app.post("/products", status_code=201)
def create_product(product: Product):
    return product


@app.put("/products/{product_id}")
def replace_product(product_id: int, product: Product):
    return {"id": product_id, "name": product.name, "tags": product.tags, "dims": product.dims}


@app.post("/dims")
def dims(d: Dimensions):
    return {"area": d.width * d.height}


@app.post("/optional-body")
def optional_body(product: Optional[Product] = None):
    return {"got": product is not None}


@app.post("/listing")
def listing(items: List[Dimensions]):
    return [i.width for i in items]


JSON = {"content-type": "application/json"}

CASES = [
    ("POST", "/products", JSON, '{"name":"pen","price":1.5}'),
    ("POST", "/products", JSON, '{"name":"pen","price":"2.5","tags":["a","b"],"dims":{"width":1,"height":2}}'),
    ("POST", "/products", JSON, '{"name":"pen","price":3,"stock":{"a":1,"b":"2"},"active":"yes","extra":1}'),
    ("POST", "/products", JSON, '{"name":"pen","price":true,"active":1,"note":null}'),
    ("POST", "/products", JSON, '{"name":"pen","price":1,"dims":{"width":2.0,"height":"3"}}'),
    ("POST", "/products", JSON, '{}'),
    ("POST", "/products", JSON, '{"name":5,"price":"x"}'),
    ("POST", "/products", JSON, '{"name":null,"price":null}'),
    ("POST", "/products", JSON, '{"name":"a","price":1,"tags":"x"}'),
    ("POST", "/products", JSON, '{"name":"a","price":1,"tags":[1,"b",null]}'),
    ("POST", "/products", JSON, '{"name":"a","price":1,"dims":5}'),
    ("POST", "/products", JSON, '{"name":"a","price":1,"dims":{"width":1.5}}'),
    ("POST", "/products", JSON, '{"name":"a","price":1,"stock":[]}'),
    ("POST", "/products", JSON, '{"name":"a","price":1,"stock":{"x":"z"},"active":"maybe"}'),
    ("POST", "/products", JSON, '{"name":"a","price":1,"active":2}'),
    ("POST", "/products", JSON, '{"name":"a","price":1,"note":5}'),
    ("POST", "/products", JSON, '[1,2]'),
    ("POST", "/products", JSON, '"text"'),
    ("POST", "/products", JSON, 'null'),
    ("POST", "/products", JSON, '{"name":'),
    ("POST", "/products", JSON, '{"a":1,\n"b":}'),
    ("POST", "/products", JSON, "{'single': 1}"),
    ("POST", "/products", JSON, '{"name":"a","price":1} trailing'),
    ("POST", "/products", JSON, ''),
    # Bodies json.loads cannot take (FastAPI: 400) or that overflow a float (422).
    ("POST", "/products", JSON, "[" * 100_000),
    ("POST", "/products", JSON, "[" * 800 + "]" * 800),
    ("POST", "/products", JSON, b'{"name":"\xff","price":1}'),
    ("POST", "/products", JSON, '{"name":"a","price":' + "9" * 400 + "}"),
    ("POST", "/products", JSON, "\ufeff" + '{"name":"a","price":1}'),
    ("POST", "/products", {}, '{"name":"a","price":1}'),
    ("POST", "/products", {"content-type": "text/plain"}, '{"name":"a","price":1}'),
    ("POST", "/products", {"content-type": "application/merge-patch+json"}, '{"name":"a","price":1}'),
    ("PUT", "/products/3", JSON, '{"name":"a","price":1,"dims":{"width":3,"height":4}}'),
    ("PUT", "/products/x", JSON, '{"price":1}'),
    ("POST", "/dims", JSON, '{"width":3,"height":4}'),
    ("POST", "/dims", JSON, '{"width":"3","height":1e2}'),
    ("POST", "/optional-body", JSON, ''),
    ("POST", "/optional-body", JSON, '{"name":"a","price":1}'),
    ("POST", "/optional-body", JSON, '{"name":"a"}'),
    ("POST", "/listing", JSON, '[{"width":1,"height":2},{"width":3,"height":4}]'),
    ("POST", "/listing", JSON, '[{"width":1},5]'),
    ("POST", "/listing", JSON, '{"width":1,"height":2}'),
]
