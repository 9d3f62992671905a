from fasterapi import BaseModel, EmailStr, FastAPI, Field, HttpUrl
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import Enum
from typing import Literal, Optional, Union
from uuid import UUID


class Plan(str, Enum):
    """A subscription plan."""

    free = "free"
    pro = "pro"


class Event(BaseModel):
    id: UUID
    title: str
    starts: datetime
    day: date
    at: Optional[time] = None
    lasts: timedelta = timedelta(hours=1)
    price: Decimal = Field(Decimal("0"), ge=0)
    plan: Plan = Plan.free
    kind: Literal["talk", "workshop"] = "talk"
    tags: set[str] = set()
    size: tuple[int, int] = (1, 1)
    key: Union[int, str] = 0
    site: Optional[HttpUrl] = None
    contact: Optional[EmailStr] = None


app = FastAPI()


@app.post("/events")
def create_event(event: Event) -> Event:
    return event


@app.post("/events/echo")
def echo_event(event: Event):
    return {"starts": event.starts, "day": event.day, "lasts": event.lasts, "price": event.price,
            "plan": event.plan, "tags": sorted(event.tags), "key": event.key, "site": str(event.site)}


JSON = {"content-type": "application/json"}
GOOD = ('{"id": "6f1c7f4e-8d7a-4b8e-9a51-1f0f2d3c4b5a", "title": "t", "starts": "2032-04-23T10:20:30Z", '
        '"day": "2032-04-23"')

CASES = [
    ("POST", "/events", JSON, GOOD + '}'),
    ("POST", "/events", JSON, GOOD + ', "at": "10:20", "lasts": "PT2H30M", "price": "19.90", "plan": "pro", '
     '"kind": "workshop", "tags": ["b", "b"], "size": [2, "3"], "key": "7", '
     '"site": "https://example.com", "contact": "Ann <Ann@Example.COM>"}'),
    ("POST", "/events", JSON, GOOD + ', "starts": "2032-04-23T10:20:30.123456789+02:00", "lasts": 90.5, '
     '"key": 7, "price": 3}'),
    ("POST", "/events", JSON, GOOD + ', "starts": 1700000000, "day": "2032-04-23T00:00:00"}'),
    ("POST", "/events/echo", JSON, GOOD + ', "lasts": "P1DT2H", "price": "1.50", "tags": ["x"], "key": "k", '
     '"site": "http://EXAMPLE.com/a?b=c"}'),
    ("POST", "/events", JSON, '{"id": "nope", "title": 1, "starts": "2032-13-01", "day": "2032-04-23T10:00:00", '
     '"at": "25:00", "lasts": "x", "price": "-1", "plan": "gold", "kind": "party", "tags": [[]], '
     '"size": [1], "key": [], "site": "not a url", "contact": "nobody"}'),
    ("POST", "/events", JSON, '{"id": 5, "starts": "", "day": 1.5, "size": [1, 2, 3], "site": "ftp://x.org", '
     '"contact": "a@b"}'),
]
