"""A test guest for the Python side of host capabilities: kv and config."""

from fasterapi import FasterAPI, KvError, config, kv

app = FasterAPI()


@app.put("/kv/{key}")
def put_value(key: str, value: str):
    kv.set(key, value)
    return "stored"


@app.get("/kv/{key}")
def get_value(key: str):
    value = kv.get(key)
    return {"key": key, "value": None if value is None else value.decode()}


@app.get("/kv")
def list_keys(prefix: str = ""):
    return kv.list(prefix)


@app.delete("/kv/{key}")
def delete_value(key: str):
    return {"deleted": kv.delete(key)}


@app.get("/kv-error")
def kv_error():
    try:
        kv.get("anything")
    except KvError as err:
        return {"kind": err.kind, "reason": err.reason}
    return {"kind": None}


@app.get("/config/{key}")
def read_config(key: str):
    return {"value": config.get(key), "all": config.all()}
