from fasterapi import BaseModel, FastAPI, Header, HTTPException, Query
from typing import List, Optional

app = FastAPI()

CATALOG = {1: {"name": "pen", "price": 1.5}, 2: {"name": "ink", "price": 4.0}}


class LineItem(BaseModel):
    product_id: int
    quantity: int = 1


class Order(BaseModel):
    customer: str
    items: List[LineItem]
    coupon: Optional[str] = None


@app.get("/products")
def list_products(max_price: Optional[float] = None, sort: str = Query("name")):
    products = [dict(id=k, **v) for k, v in CATALOG.items()]
    if max_price is not None:
        products = [p for p in products if p["price"] <= max_price]
    return sorted(products, key=lambda p: p[sort] if sort in ("name", "price") else p["id"])


@app.get("/products/{product_id}")
def get_product(product_id: int):
    if product_id not in CATALOG:
        raise HTTPException(status_code=404, detail="Product not found")
    return CATALOG[product_id]


@app.post("/orders", status_code=201)
def place_order(order: Order, x_customer_tier: str = Header(default="basic")):
    total = 0.0
    for line in order.items:
        if line.product_id not in CATALOG:
            raise HTTPException(status_code=400, detail=f"unknown product {line.product_id}")
        total += CATALOG[line.product_id]["price"] * line.quantity
    if order.coupon == "HALF":
        total /= 2
    return {"customer": order.customer, "tier": x_customer_tier, "lines": len(order.items), "total": total}


JSON = {"content-type": "application/json"}

CASES = [
    ("GET", "/products", {}, None),
    ("GET", "/products?max_price=2", {}, None),
    ("GET", "/products?max_price=cheap", {}, None),
    ("GET", "/products?sort=price", {}, None),
    ("GET", "/products/1", {}, None),
    ("GET", "/products/9", {}, None),
    ("GET", "/products/one", {}, None),
    ("POST", "/orders", JSON, '{"customer":"ann","items":[{"product_id":1,"quantity":2},{"product_id":2}]}'),
    ("POST", "/orders", dict(JSON, **{"x-customer-tier": "gold"}),
     '{"customer":"bob","items":[{"product_id":"2","quantity":"3"}],"coupon":"HALF"}'),
    ("POST", "/orders", JSON, '{"customer":"cy","items":[{"product_id":7}]}'),
    ("POST", "/orders", JSON, '{"items":[{"quantity":2},{"product_id":"x"}]}'),
    ("POST", "/orders", JSON, '{"customer":"dee","items":{}}'),
    ("POST", "/orders", JSON, '{"customer":"eve","items":[]}'),
    ("DELETE", "/orders", {}, None),
]
