from fasterapi import BackgroundTasks, FastAPI
from fasterapi.responses import StreamingResponse


app = FastAPI()


async def fake_video_streamer():
    for i in range(10):
        yield b"some fake video bytes"


@app.get("/video")
async def main():
    return StreamingResponse(fake_video_streamer())


def numbers(n: int):
    for i in range(n):
        yield f"{i}\n"


@app.get("/numbers")
def get_numbers(n: int = 3):
    return StreamingResponse(numbers(n), media_type="text/plain")


@app.get("/report.csv")
def report():
    return StreamingResponse(iter(["name,price\n", "pen,1.5\n", "ink,2\n"]), media_type="text/csv",
                             headers={"Content-Disposition": "attachment; filename=report.csv"})


@app.get("/events")
def events(background_tasks: BackgroundTasks):
    def stream():
        for i in range(3):
            yield f"data: tick {i}\n\n"
    background_tasks.add_task(print, "streamed")
    return StreamingResponse(stream(), media_type="text/event-stream", status_code=201)


@app.get("/empty")
def empty():
    return StreamingResponse(iter([]), media_type="application/octet-stream")


CASES = [
    ("GET", "/video", {}, None),
    ("GET", "/numbers", {}, None),
    ("GET", "/numbers?n=0", {}, None),
    ("GET", "/numbers?n=x", {}, None),
    ("GET", "/report.csv", {}, None),
    ("GET", "/events", {}, None),
    ("GET", "/empty", {}, None),
]
