from fasterapi import BackgroundTasks, FastAPI, HTTPException, Request
from contextlib import asynccontextmanager


def fake_answer_to_everything_ml_model(x: float):
    return x * 42


ml_models = {}


@asynccontextmanager
async def lifespan(app: FastAPI):
    # Load the ML model
    ml_models["answer_to_everything"] = fake_answer_to_everything_ml_model
    app.state.greeting = "hello"
    yield {"started": True, "models": 1}
    # Clean up the ML models and release the resources
    ml_models.clear()


app = FastAPI(lifespan=lifespan)


@app.get("/predict")
async def predict(x: float):
    if "answer_to_everything" not in ml_models:
        raise HTTPException(503, "model not loaded")
    result = ml_models["answer_to_everything"](x)
    return {"result": result}


@app.get("/state")
def state(request: Request):
    return {"started": request.state.started, "models": request.state.models,
            "greeting": request.app.state.greeting}


notifications = []


def write_notification(email: str, message=""):
    notifications.append(f"notification for {email}: {message}")


@app.post("/send-notification/{email}")
async def send_notification(email: str, background_tasks: BackgroundTasks, urgent: bool = False):
    background_tasks.add_task(write_notification, email, message="some notification")
    return {"message": "Notification sent in the background", "urgent": urgent}


CASES = [
    ("GET", "/predict?x=2", {}, None),
    ("GET", "/predict?x=oops", {}, None),
    ("GET", "/state", {}, None),
    ("POST", "/send-notification/ann@example.com", {}, None),
    ("POST", "/send-notification/ann@example.com?urgent=maybe", {}, None),
]
