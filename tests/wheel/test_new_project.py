"""A project made by `fasterapi new python`, tested with the installed
package's TestClient: requests run in-process through the real host."""

import pytest

from fasterapi.testclient import ServerError, TestClient

from app import app


@pytest.fixture(scope="module")
def client():
    with TestClient(app, config={"greeting": "Hi"}) as client:
        yield client


def test_a_handler_answers_with_its_config(client):
    response = client.get("/hello/world", params={"excited": "true"})
    assert response.status_code == 200
    assert response.json() == {"message": "Hi, world!"}
    assert response.request.url == "http://testserver/hello/world?excited=true"


def test_the_host_checks_typed_parameters(client):
    response = client.get("/hello/world", params={"excited": "maybe"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "excited"]


def test_bodies_missing_routes_and_wrong_methods(client):
    created = client.post("/items", json={"name": "pen", "price": "1.5"})
    assert (created.status_code, created.json()) == (201, {"name": "pen", "price": 1.5})
    assert client.post("/items", json={"name": "pen"}).status_code == 422
    assert client.get("/nope").status_code == 404
    wrong = client.delete("/items")
    assert wrong.status_code == 405 and wrong.headers["allow"] == "POST"


def test_a_built_component_or_a_manifest_is_served_too():
    component = TestClient("demo.wasm")
    assert component.get("/hello/you").json() == {"message": "Hello, you."}
    manifest = TestClient("fasterapi.toml")
    assert manifest.get("/hello/you").status_code == 200


def test_a_missing_file_is_a_clear_error():
    with pytest.raises(RuntimeError, match="no such file"):
        TestClient("missing.wasm")
    assert issubclass(ServerError, RuntimeError)


KV_APP = '''
from fasterapi import FasterAPI, kv

app = FasterAPI()


@app.post("/visits")
def visit():
    count = int(kv.get("visits") or b"0") + 1
    kv.set("visits", str(count))
    return {"visits": count}


@app.get("/boom")
def boom():
    raise ValueError("boom")
'''


def test_kv_grants_a_fresh_store_and_server_errors_raise(tmp_path, monkeypatch, capfd):
    (tmp_path / "kv_app.py").write_text(KV_APP)
    monkeypatch.syspath_prepend(str(tmp_path))
    from kv_app import app as kv_app

    with TestClient(kv_app, kv=True) as client:
        assert [client.post("/visits").json()["visits"] for _ in range(3)] == [1, 2, 3]
        with pytest.raises(ServerError, match="500") as raised:
            client.get("/boom")
        assert "Traceback" in raised.value.traceback and "ValueError: boom" in raised.value.traceback
        assert "ValueError: boom" in str(raised.value)
        assert raised.value.response.status_code == 500
        log = capfd.readouterr().err
        assert "ValueError: boom" in log and "Traceback" in log, log
    with TestClient(kv_app, kv=True, raise_server_exceptions=False) as fresh:
        assert fresh.post("/visits").json() == {"visits": 1}, "a new store for each client"
        assert fresh.get("/boom").status_code == 500
    denied = TestClient(kv_app, raise_server_exceptions=False)
    assert denied.post("/visits").status_code == 500, "no kv without kv=True"
