from fasterapi import FastAPI, Query
from enum import Enum, IntEnum
from typing import Literal, Optional
import uuid


class ModelName(str, Enum):
    alexnet = "alexnet"
    resnet = "resnet"
    lenet = "lenet"


class Size(Enum):
    """How big a thing is."""
    small = "s"
    large = "l"


class Level(IntEnum):
    low = 1
    high = 2



app = FastAPI()


@app.get("/models/{model_name}")
def get_model(model_name: ModelName, size: Size = Size.small, level: Level = Level.low,
              order: Literal["asc", "desc"] = "asc", page: Literal[1, 2] = 1):
    if model_name is ModelName.alexnet:
        return {"model_name": model_name, "message": "Deep Learning FTW!", "size": size, "level": level,
                "order": order, "page": page}
    return {"model_name": model_name.value, "size": size.value, "level": int(level), "order": order}


@app.get("/things/{thing_id}")
def get_thing(thing_id: uuid.UUID, parent: Optional[uuid.UUID] = None,
              tags: list[uuid.UUID] = Query([])):
    return {"thing_id": thing_id, "version": thing_id.version, "parent": parent, "tags": tags}


@app.get("/picks")
def picks(models: list[ModelName] = Query([ModelName.lenet]), levels: Optional[list[Level]] = Query(None),
          orders: list[Literal["asc", "desc"]] = Query(["asc"])):
    return {"models": models, "levels": levels, "orders": orders}


CASES = [
    ("GET", "/picks", {}, None),
    ("GET", "/picks?models=alexnet&models=resnet&levels=2&levels=1.0&orders=desc", {}, None),
    ("GET", "/picks?models=vgg&models=lenet&models=x&levels=3&orders=up", {}, None),
    ("GET", "/models/alexnet", {}, None),
    ("GET", "/models/lenet?size=l&level=2&order=desc", {}, None),
    ("GET", "/models/resnet?level=1.0&size=s", {}, None),
    ("GET", "/models/vgg", {}, None),
    ("GET", "/models/AlexNet?size=small&level=3&order=up&page=2", {}, None),
    ("GET", "/models/lenet?level=x&page=1", {}, None),
    ("GET", "/models/lenet?level=%202%20", {}, None),
    ("GET", "/things/12345678-1234-5678-1234-567812345678", {}, None),
    ("GET", "/things/12345678123456781234567812345678?parent=urn:uuid:12345678-1234-5678-1234-567812345678", {}, None),
    ("GET", "/things/%7B12345678-1234-5678-1234-567812345678%7D?tags=a3bb189e-8bf9-3888-9912-ace4e6543002", {}, None),
    ("GET", "/things/abc", {}, None),
    ("GET", "/things/12345678-1234-5678-1234-56781234567g?parent=", {}, None),
    ("GET", "/things/12345678-1234-5678-1234-5678123456789?tags=x&tags=A3BB189E-8BF9-3888-9912-ACE4E6543002", {}, None),
    ("GET", "/things/12345678-1234-5678-123456781234567-8", {}, None),
]
