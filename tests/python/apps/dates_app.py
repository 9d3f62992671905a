from fasterapi import FastAPI, Path, Query, Header
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Optional


app = FastAPI()


@app.get("/events/{day}")
def events(day: date, start: datetime = Query(), at: Optional[time] = None,
           length: timedelta = timedelta(hours=1), since: datetime = datetime(2020, 1, 1, 12, 30, tzinfo=timezone.utc)):
    return {"day": day, "weekday": day.weekday(), "start": start, "offset": start.utcoffset(), "at": at,
            "length": length, "ends": start + length, "since": since}


@app.get("/when")
def when(x_when: Optional[datetime] = Header(None), until: date = date(2020, 1, 1),
         pause: Optional[timedelta] = None):
    return {"when": x_when, "until": until, "pause": pause,
            "pause_parts": None if pause is None else [pause.days, pause.seconds, pause.microseconds]}


@app.get("/prices/{amount}")
def price(amount: Decimal, tax: Decimal = Query(Decimal("0.10"), max_digits=3, decimal_places=2),
          cap: Optional[Decimal] = Query(None, gt=0, le=1000, multiple_of=0.5)):
    return {"amount": amount, "repr": repr(amount), "tax": repr(tax), "total": amount * (1 + tax), "cap": cap}


@app.get("/blobs")
def blobs(data: bytes, tags: list[bytes] = Query([])):
    return {"len": len(data), "data": data, "tags": [len(t) for t in tags]}


@app.get("/batches")
def batches(ids: list[int] = Query(min_length=2, max_length=3), names: list[str] = Query([], max_length=2),
            days: Optional[list[date]] = Query(None, min_length=1)):
    return {"ids": ids, "names": names, "days": days}


CASES = [
    ("GET", "/events/2032-04-23?start=2032-04-23T10:20:30", {}, None),
    ("GET", "/events/2032-04-23T00:00:00?start=2032-04-23%2010:20:30.4%2B02:30&at=10:20&length=P1DT2H", {}, None),
    ("GET", "/events/1699920000?start=1700000000&at=10:20:30.5Z&length=1%20day,%2010:00:00", {}, None),
    ("GET", "/events/2032-04-23?start=2032-04-23t10:20:30z&length=-PT1.5S&at=23:59:59.1234567", {}, None),
    ("GET", "/events/2032-04-23?start=2032-04-23&length=00:00:00.000001", {}, None),
    ("GET", "/events/1700000000?start=x&at=3600&length=3600", {}, None),
    ("GET", "/events/2032-02-30?start=2032-13-01T00:00:00&at=25:00&length=x", {}, None),
    ("GET", "/events/x?start=2032-04-23T25:00&at=10:20:30%2B25:00", {}, None),
    ("GET", "/events/0000-01-01?start=0000-01-01T00:00:00", {}, None),
    ("GET", "/events/20320423?start=%202032-04-23T10:20:30", {}, None),
    ("GET", "/events/2032-04-23", {}, None),
    ("GET", "/when", {}, None),
    ("GET", "/when", {"X-When": "2032-04-23T10:20:30-01:30"}, None),
    ("GET", "/when?until=2032-04-23T10:00:00&pause=-P1D", {"X-When": "Fri, 23 Apr 2032 10:20:30 GMT"}, None),
    ("GET", "/when?pause=P1Y2M3DT4H5M6.7S&until=1699920000", {}, None),
    ("GET", "/when?pause=&until=", {}, None),
    ("GET", "/prices/1.5", {}, None),
    ("GET", "/prices/1e3?tax=0.1&cap=0.5", {}, None),
    ("GET", "/prices/%201_000%20?tax=1.10&cap=1000", {}, None),
    ("GET", "/prices/-0?tax=0.10", {}, None),
    ("GET", "/prices/x?tax=NaN&cap=inf", {}, None),
    ("GET", "/prices/1?tax=0.123&cap=0", {}, None),
    ("GET", "/prices/1?tax=12.3&cap=0.3", {}, None),
    ("GET", "/prices/1?tax=123&cap=1000.5", {}, None),
    ("GET", "/prices/1?tax=1E%2B2&cap=1E%2B3", {}, None),
    ("GET", "/prices/0.000000001?cap=-1", {}, None),
    ("GET", "/blobs?data=abc&tags=x&tags=%C3%A9", {}, None),
    ("GET", "/blobs?data=%FF", {}, None),
    ("GET", "/blobs", {}, None),
    ("GET", "/batches?ids=1&ids=2", {}, None),
    ("GET", "/batches?ids=1", {}, None),
    ("GET", "/batches?ids=1&ids=2&ids=3&ids=4&names=a&names=b&names=c", {}, None),
    ("GET", "/batches?ids=x&ids=y&ids=z&ids=w", {}, None),
    ("GET", "/batches?ids=x", {}, None),
    ("GET", "/batches?ids=1&ids=2&days=2032-04-23&days=1699920000", {}, None),
    ("GET", "/batches?ids=1&ids=2&days=x", {}, None),
    ("GET", "/batches", {}, None),
]
