"""Outbound HTTP from a Python guest with `fasterapi.http` (requests' shape)."""

from fasterapi import FasterAPI, http

app = FasterAPI()


@app.get("/fetch")
def fetch(url: str, follow: bool = False):
    try:
        r = http.get(url, params={"q": "1"}, headers={"x-from": "python"}, timeout=2, follow_redirects=follow)
    except http.Denied as err:
        return {"denied": str(err)}
    except http.RequestException as err:
        return {"error": type(err).__name__, "message": str(err)}
    return {"status": r.status_code, "text": r.text, "type": r.headers.get("Content-Type"), "ok": r.ok}


@app.get("/checked")
def checked(url: str):
    try:
        http.get(url).raise_for_status()
    except http.HTTPError as err:
        return {"raised": str(err), "status": err.response.status_code}
    return {"raised": None}


@app.post("/send")
def send(url: str):
    r = http.post(url, json={"name": "Alice", "n": 1})
    return {"status": r.status_code, "echo": r.text}


@app.get("/many")
def many(url: str, n: int):
    """Calls `url` `n` times in one request: the app's `outbound_requests` caps it."""
    done = 0
    for _ in range(n):
        try:
            http.get(url)
        except http.ConnectionError as err:
            return {"done": done, "error": str(err)}
        done += 1
    return {"done": done, "error": None}
