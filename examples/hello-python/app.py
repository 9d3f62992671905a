"""The smallest FasterAPI app in Python."""

from fasterapi import FasterAPI

app = FasterAPI()


@app.get("/users/{user_id}")
def get_user(user_id: int):
    return {"id": user_id, "name": "Alice"}
