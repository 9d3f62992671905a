"""A test guest whose handlers fail in the ways Python handlers fail."""

from fasterapi import FasterAPI, HTTPException, log

app = FasterAPI()


@app.get("/ok")
def ok():
    return {"ok": True}


@app.get("/boom")
def boom():
    raise RuntimeError("the handler failed on purpose")


@app.get("/teapot")
async def teapot():
    raise HTTPException(status_code=418, detail={"reason": "short and stout"}, headers={"X-Tea": "earl grey"})


@app.get("/log")
def write_log():
    log.info("python says hello", user="alice")
    return "logged"
