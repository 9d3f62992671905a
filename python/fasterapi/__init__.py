"""FasterAPI's Python SDK: write handlers as you write FastAPI apps, run them
as sandboxed WebAssembly components.

    from fasterapi import FasterAPI, BaseModel

    app = FasterAPI()

    class Item(BaseModel):
        name: str
        price: float

    @app.get("/users/{user_id}")
    def get_user(user_id: int, verbose: bool = False):
        return {"id": user_id, "name": "Alice"}

    @app.post("/items", status_code=201)
    def create_item(item: Item):
        return {"id": 1, "name": item.name, "price": item.price}

Path, query and header parameters are parsed and validated by the host
before the handler runs; bodies are validated here, like pydantic.
"""

from . import config, kv, log, status
from ._app import APIRouter, FastAPI, FasterAPI, Request
from ._depends import Depends, Security
from ._errors import ValidationError
from .kv import KvError
from ._model import (AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, PlainValidator, ValidationInfo,
                     field_validator, model_validator)
from ._files import UploadFile
from .background import BackgroundTasks
from ._types import AnyUrl, EmailStr, HttpUrl
from ._params import Body, Cookie, File, Form, Header, Path, Query
from ._responses import (HTMLResponse, HTTPException, JSONResponse, PlainTextResponse,
                         Response)

__all__ = [
    "APIRouter", "AfterValidator", "AnyUrl", "BackgroundTasks", "EmailStr", "HttpUrl", "BaseModel", "BeforeValidator", "ConfigDict", "PlainValidator", "ValidationInfo",
    "field_validator", "model_validator", "Body", "Cookie", "Depends", "FastAPI", "Field", "File", "Form", "FasterAPI", "HTMLResponse", "HTTPException", "Header",
    "JSONResponse", "KvError", "Path", "PlainTextResponse", "Query", "Request", "Response", "Security", "UploadFile",
    "ValidationError", "config", "kv", "log", "status",
]
