"""`fasterapi.http` run natively (through urllib), against a local server:
the same surface the host's `wasi:http` path gives a component."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from fasterapi import http


class Upstream(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def _answer(self, status, body=b"", headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path.startswith("/redirect"):
            return self._answer(302, headers=[("Location", "/json")])
        if self.path.startswith("/missing"):
            return self._answer(404, b"nope")
        seen = {"path": self.path, "from": self.headers.get("x-from")}
        self._answer(200, json.dumps(seen).encode(), [("Content-Type", "application/json; charset=utf-8")])

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        seen = {"type": self.headers.get("content-type"), "body": body.decode()}
        self._answer(201, json.dumps(seen).encode(), [("Content-Type", "application/json")])


@pytest.fixture(scope="module")
def base():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Upstream)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_get_sends_params_and_headers(base):
    r = http.get(f"{base}/json", params={"q": "a b", "n": 2, "flag": True, "many": [1, 2], "skip": None},
                 headers={"X-From": "test"})
    assert r.status_code == 200 and r.ok
    assert r.json() == {"path": "/json?q=a+b&n=2&flag=true&many=1&many=2", "from": "test"}
    assert r.headers["CONTENT-TYPE"] == "application/json; charset=utf-8"
    assert "content-type" in r.headers and r.encoding == "utf-8"


def test_post_json_and_form(base):
    r = http.post(f"{base}/things", json={"name": "Alice"})
    assert r.status_code == 201
    assert r.json() == {"type": "application/json", "body": '{"name":"Alice"}'}
    r = http.post(f"{base}/things", data={"a": "1", "b": ["x", "y"]})
    assert r.json() == {"type": "application/x-www-form-urlencoded", "body": "a=1&b=x&b=y"}


def test_redirects_are_followed_only_when_asked(base):
    r = http.get(f"{base}/redirect")
    assert r.status_code == 302 and r.is_redirect and r.headers["location"] == "/json"
    r = http.get(f"{base}/redirect", follow_redirects=True)
    assert r.status_code == 200 and r.json()["path"] == "/json"


def test_raise_for_status_carries_the_response(base):
    r = http.get(f"{base}/missing")
    assert r.text == "nope" and not r.ok
    with pytest.raises(http.HTTPError, match="404 Client Error") as raised:
        r.raise_for_status()
    assert raised.value.response is r


def test_bad_urls_and_refused_connections_are_clear_errors():
    with pytest.raises(http.InvalidURL):
        http.get("ftp://example.com/")
    with pytest.raises(http.InvalidURL):
        http.get("/relative")
    with pytest.raises(http.ConnectionError):
        http.get("http://127.0.0.1:9/", timeout=2)
