"""Background tasks: work that runs after the answer is sent, in the same
instance, under the app's timeout (FastAPI's `BackgroundTasks`)."""

from fasterapi import BackgroundTasks, Depends, FastAPI, kv

app = FastAPI()


def write_notification(email: str, message: str = "") -> None:
    kv.set(f"sent:{email}", message)


async def audit(email: str) -> None:
    kv.set(f"audit:{email}", "checked")


def audited(email: str, background_tasks: BackgroundTasks) -> str:
    background_tasks.add_task(audit, email)
    return email


@app.post("/notify/{email}")
def notify(background_tasks: BackgroundTasks, email: str = Depends(audited)):
    background_tasks.add_task(write_notification, email, message="some notification")
    return {"message": "Notification sent in the background"}


@app.get("/sent")
def sent():
    return {"sent": kv.list("sent:"), "audited": kv.list("audit:")}


def forever() -> None:
    while True:
        pass


@app.post("/forever")
def start_forever(background_tasks: BackgroundTasks):
    background_tasks.add_task(forever)
    return {"started": True}
