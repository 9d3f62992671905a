"""Streamed answers (FastAPI's `StreamingResponse`): sent chunk by chunk as
the guest makes them, cut when the guest stalls, fails or sends too much."""

from fasterapi import FastAPI
from fasterapi.responses import StreamingResponse

app = FastAPI()


@app.get("/count")
def count(n: int = 3):
    return StreamingResponse((f"line {i}\n" for i in range(n)), media_type="text/plain")


@app.get("/stuck")
def stuck():
    def lines():
        yield "first\n"
        while True:
            pass
    return StreamingResponse(lines(), media_type="text/plain")


@app.get("/broken")
def broken():
    def lines():
        yield "first\n"
        raise RuntimeError("the stream broke on purpose")
    return StreamingResponse(lines(), media_type="text/plain")


@app.get("/big")
def big():
    return StreamingResponse(b"x" * 1000 for _ in range(100))
