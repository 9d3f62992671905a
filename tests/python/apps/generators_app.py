from fasterapi import BaseModel, FastAPI
from fasterapi.sse import EventSourceResponse, ServerSentEvent
from fasterapi.responses import StreamingResponse
from collections.abc import AsyncIterable, Iterable


class Item(BaseModel):
    name: str
    description: str | None = None


items = [
    Item(name="Plumbus", description="A multi-purpose household device."),
    Item(name="Portal Gun", description="A portal opening device."),
    Item(name="Meeseeks Box", description="A box that summons a Meeseeks."),
]

app = FastAPI()


@app.get("/items/stream")
async def stream_items() -> AsyncIterable[Item]:
    for item in items:
        yield item


@app.get("/items/stream-no-annotation")
def stream_items_no_annotation():
    for item in items:
        yield {"name": item.name, "note": "ünïcode", "price": 1.5}


@app.get("/items/sse", response_class=EventSourceResponse)
async def sse_items() -> AsyncIterable[Item]:
    for item in items:
        yield item


@app.get("/events", response_class=EventSourceResponse)
def events(n: int = 2) -> Iterable[ServerSentEvent]:
    yield ServerSentEvent(comment="starting")
    for i in range(n):
        yield ServerSentEvent(data={"tick": i}, event="tick", id=str(i), retry=1000)
    yield ServerSentEvent(raw_data="line one\nline two", event="done")
    yield "plain string"


@app.get("/raw", response_class=StreamingResponse)
def raw():
    yield b"abc"
    yield b"def"


CASES = [
    ("GET", "/items/stream", {}, None),
    ("GET", "/items/stream-no-annotation", {}, None),
    ("GET", "/items/sse", {}, None),
    ("GET", "/events", {}, None),
    ("GET", "/events?n=0", {}, None),
    ("GET", "/events?n=x", {}, None),
    ("GET", "/raw", {}, None),
]
