from fasterapi import FastAPI

import attrs
from dateutil import parser, relativedelta

app = FastAPI()


@attrs.define
class Point:
    x: int
    y: int = attrs.field(default=0)


@app.get("/points")
def point(x: int, y: int = 0):
    return {"point": attrs.asdict(Point(x, y)), "fields": [f.name for f in attrs.fields(Point)]}


@app.get("/parse")
def parse(when: str, months: int = 1):
    moment = parser.parse(when)
    return {"parsed": moment.isoformat(), "later": (moment + relativedelta.relativedelta(months=months)).isoformat()}


CASES = [
    ("GET", "/points?x=1&y=2", {}, None),
    ("GET", "/points?x=5", {}, None),
    ("GET", "/parse?when=2032-01-31", {}, None),
    ("GET", "/parse?when=Jan%2031%202032%2010:00&months=13", {}, None),
]
