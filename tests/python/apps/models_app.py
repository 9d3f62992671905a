from fasterapi import AfterValidator, BaseModel, ConfigDict, FastAPI, Field, HTTPException, JSONResponse, field_validator, model_validator
from dataclasses import dataclass, field
from typing import Annotated, Any, Optional, Union


class UserIn(BaseModel):
    username: str
    password: str
    full_name: Optional[str] = None


class UserOut(BaseModel):
    username: str
    full_name: Optional[str] = None


class Item(BaseModel):
    name: str
    description: Optional[str] = None
    price: float
    tax: float = 10.5
    tags: list[str] = []


ITEMS = {
    "foo": {"name": "Foo", "price": 50.2},
    "bar": {"name": "Bar", "description": "The bartenders", "price": 62, "tax": 20.2},
    "baz": {"name": "Baz", "description": None, "price": 50.2, "tax": 10.5, "tags": []},
}


def no_shouting(value: str) -> str:
    if value.isupper():
        raise ValueError("no shouting")
    return value


class Signup(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user_name: Annotated[str, AfterValidator(no_shouting)] = Field(alias="userName")
    password: str
    password_again: str
    age: int = 18

    @field_validator("password")
    @classmethod
    def long_enough(cls, value: str) -> str:
        if len(value) < 4:
            raise ValueError("too short")
        return value

    @field_validator("age")
    @classmethod
    def adult(cls, value: int) -> int:
        assert value >= 18, "adults only"
        return value

    @model_validator(mode="after")
    def passwords_match(self):
        if self.password != self.password_again:
            raise ValueError("passwords do not match")
        return self


@dataclass
class Point:
    x: int
    y: int = 0
    labels: list[str] = field(default_factory=list)


app = FastAPI()


@app.post("/users", response_model=UserOut)
def create_user(user: UserIn) -> Any:
    return user


@app.post("/users/annotated")
def create_user_annotated(user: UserIn) -> UserOut:
    return user


@app.get("/items/{item_id}", response_model=Item, response_model_exclude_unset=True)
def read_item(item_id: str):
    if item_id not in ITEMS:
        raise HTTPException(404, "Item not found")
    return ITEMS[item_id]


@app.get("/items/{item_id}/name", response_model=Item, response_model_include={"name", "description"})
def read_item_name(item_id: str):
    return ITEMS.get(item_id, ITEMS["foo"])


@app.get("/items/{item_id}/public", response_model=Item, response_model_exclude={"tax"},
         response_model_exclude_none=True)
def read_item_public(item_id: str):
    return ITEMS.get(item_id, ITEMS["foo"])


@app.get("/items", response_model=list[Item])
def list_items():
    return list(ITEMS.values())


@app.patch("/items/{item_id}")
def update_item(item_id: str, item: Item) -> Item:
    stored = Item(**ITEMS.get(item_id, ITEMS["foo"]))
    update = item.model_dump(exclude_unset=True)
    return stored.model_copy(update=update)


class Message(BaseModel):
    message: str


@app.get("/documented/{item_id}", response_model=Item,
         responses={404: {"model": Message, "description": "The item was not found"},
                    200: {"content": {"image/png": {}}, "description": "Return the JSON item or an image."},
                    "5XX": {"description": "Server trouble"}, 402: {"model": list[Message]}})
def documented(item_id: str):
    if item_id not in ITEMS:
        return JSONResponse(status_code=404, content={"message": "Item not found"})
    return ITEMS[item_id]


@app.get("/broken", response_model=UserOut)
def broken():
    return {"full_name": "no username"}


@app.get("/either")
def either(kind: str = "user") -> Union[UserOut, Item]:
    return {"username": "u"} if kind == "user" else ITEMS["foo"]


@app.post("/signup", response_model=UserOut)
def signup(form: Signup):
    return {"username": form.user_name}


@app.post("/points")
def points(point: Point) -> Point:
    return point


JSON = {"content-type": "application/json"}

CASES = [
    ("POST", "/users", JSON, '{"username": "u", "password": "secret", "full_name": "U"}'),
    ("POST", "/users", JSON, '{"username": "u", "password": "secret"}'),
    ("POST", "/users/annotated", JSON, '{"username": "u", "password": "secret"}'),
    ("GET", "/items/foo", {}, None),
    ("GET", "/items/bar", {}, None),
    ("GET", "/items/baz", {}, None),
    ("GET", "/items/nope", {}, None),
    ("GET", "/items/bar/name", {}, None),
    ("GET", "/items/baz/public", {}, None),
    ("GET", "/items", {}, None),
    ("PATCH", "/items/bar", JSON, '{"name": "Barz", "price": 3}'),
    ("PATCH", "/items/bar", JSON, '{"name": "Barz", "price": "x"}'),
    ("GET", "/documented/foo", {}, None),
    ("GET", "/documented/nope", {}, None),
    ("GET", "/broken", {}, None),
    ("GET", "/either", {}, None),
    ("GET", "/either?kind=item", {}, None),
    ("POST", "/signup", JSON, '{"userName": "ann", "password": "pass", "password_again": "pass"}'),
    ("POST", "/signup", JSON, '{"userName": "ANN", "password": "pa", "password_again": "pass", "age": 3}'),
    ("POST", "/signup", JSON, '{"userName": "ann", "password": "pass", "password_again": "pasz"}'),
    ("POST", "/signup", JSON, '{"user_name": "ann", "password": "pass", "password_again": "pass", "x": 1}'),
    ("POST", "/points", JSON, '{"x": "3", "labels": ["a"]}'),
    ("POST", "/points", JSON, '{"y": 1.5}'),
    ("POST", "/points", JSON, '[1]'),
]
