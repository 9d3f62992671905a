from fasterapi import FastAPI, HTTPException, Request
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


CASES = [
    ("GET", "/predict?x=2", {}, None),
    ("GET", "/predict?x=oops", {}, None),
    ("GET", "/state", {}, None),
]
