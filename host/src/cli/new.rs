//! `fasterapi new rust|python NAME`: a ready project (guest code, a manifest,
//! a README and a test) that builds and serves with no edits.

use std::path::{Path, PathBuf};

use anyhow::Result;

use crate::config::AppName;

/// Why a project could not be created.
#[derive(Debug, thiserror::Error)]
pub enum NewError {
    #[error("'{0}' is not a project name: use letters, digits, '-' and '_'")]
    BadName(String),
    #[error("{0} already exists: pick another name or directory")]
    Exists(PathBuf),
    #[error("cannot write {path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },
}

/// Creates project `name` in the current directory.
pub fn run(language: Language, name: &str) -> Result<()> {
    let dir = create(language, name, Path::new("."))?;
    eprintln!("created {}: cd {name} && fasterapi dev", dir.display());
    Ok(())
}

/// The guest language of a new project.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Language {
    Rust,
    Python,
}

/// The Rust guest SDK for the new project's `Cargo.toml` (the SDK is not on
/// crates.io yet): `$FASTERAPI_RUST_SDK`, else the SDK of the checkout this
/// binary was built from.
fn rust_sdk() -> PathBuf {
    if let Some(dir) = std::env::var_os("FASTERAPI_RUST_SDK") {
        return dir.into();
    }
    let checkout = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join("guest-sdk");
    checkout.canonicalize().unwrap_or(checkout)
}

/// Creates project `name` in `parent/name`; returns its directory.
fn create(language: Language, name: &str, parent: &Path) -> Result<PathBuf, NewError> {
    AppName::new(name).map_err(|_| NewError::BadName(name.to_owned()))?;
    let dir = parent.join(name);
    if dir.exists() {
        return Err(NewError::Exists(dir));
    }
    let files = match language {
        Language::Rust => rust_files(name),
        Language::Python => python_files(name),
    };
    for (file, contents) in files {
        let path = dir.join(&file);
        let parent = path.parent().unwrap_or(&dir).to_owned();
        std::fs::create_dir_all(&parent)
            .and_then(|()| std::fs::write(&path, contents))
            .map_err(|source| NewError::Write { path, source })?;
    }
    Ok(dir)
}

fn manifest(name: &str) -> String {
    format!(
        r#"# `fasterapi dev` builds {name}.wasm, serves this app and rebuilds on every save;
# `fasterapi serve fasterapi.toml` serves the last build.
[server]
listen = "127.0.0.1:8080"

[[app]]
name = "{name}"
tenant = "default"
component = "{name}.wasm"

[app.config]
greeting = "Hello"
"#
    )
}

fn readme(name: &str, test: &str) -> String {
    format!(
        r#"# {name}

A FasterAPI app.

```sh
fasterapi dev                         # build, serve on http://127.0.0.1:8080, rebuild on save
curl http://127.0.0.1:8080/hello/world
open http://127.0.0.1:8080/docs       # the API's interactive docs
{test}                                # run its test
```

Edit the handlers and save: `fasterapi dev` rebuilds the component and the
server swaps it in without a restart. To build and serve by hand:
`fasterapi build . -o {name}.wasm`, then `fasterapi serve fasterapi.toml`
(which also reloads when `{name}.wasm` changes).
"#
    )
}

fn rust_files(name: &str) -> Vec<(String, String)> {
    let sdk = rust_sdk();
    vec![
        (
            "Cargo.toml",
            format!(
                r#"[package]
name = "{name}"
version = "0.1.0"
edition = "2024"
publish = false

[lib]
crate-type = ["cdylib", "rlib"]

[dependencies]
fasterapi = {{ path = "{sdk}" }}
serde_json = "1"

[profile.release]
opt-level = "s"
lto = true
strip = true
panic = "abort"

[workspace]
"#,
                sdk = sdk.display()
            ),
        ),
        (
            "src/lib.rs",
            r#"//! A FasterAPI app: each handler is a plain function with typed arguments.

use fasterapi::{Json, get, model, post};
use serde_json::{Value, json};

/// `GET /hello/{name}?excited=true`
#[get("/hello/{name}")]
pub fn hello(name: String, #[default(false)] excited: bool) -> Json<Value> {
    let greeting = fasterapi::config::get("greeting").unwrap_or_else(|| "Hello".into());
    let mark = if excited { "!" } else { "." };
    Json(json!({ "message": format!("{greeting}, {name}{mark}") }))
}

/// A JSON body, validated like a pydantic model.
#[model]
pub struct Item {
    pub name: String,
    pub price: f64,
}

/// `POST /items` with `{"name": "pen", "price": 1.5}`
#[post("/items", status = 201)]
pub fn create_item(Json(item): Json<Item>) -> Json<Value> {
    Json(json!({ "name": item.name, "price": item.price }))
}

fasterapi::app!(hello, create_item);

#[cfg(all(test, not(target_family = "wasm")))]
mod tests {
    use super::*;

    #[test]
    fn create_item_echoes_the_item() {
        let Json(answer) = create_item(Json(Item { name: "pen".into(), price: 1.5 }));
        assert_eq!(answer, json!({ "name": "pen", "price": 1.5 }));
    }
}
"#
            .to_owned(),
        ),
        ("fasterapi.toml", manifest(name)),
        ("README.md", readme(name, "cargo test")),
        (".gitignore", "target/\n*.wasm\n.fasterapi/\n".to_owned()),
    ]
    .into_iter()
    .map(|(file, contents)| (file.to_owned(), contents))
    .collect()
}

fn python_files(name: &str) -> Vec<(String, String)> {
    vec![
        (
            "app.py",
            r#""""A FasterAPI app: handlers written as for FastAPI."""

from fasterapi import BaseModel, FasterAPI, config

app = FasterAPI()


class Item(BaseModel):
    name: str
    price: float


@app.get("/hello/{name}")
def hello(name: str, excited: bool = False):
    greeting = config.get("greeting", "Hello")
    return {"message": f"{greeting}, {name}{'!' if excited else '.'}"}


@app.post("/items", status_code=201)
def create_item(item: Item):
    return {"name": item.name, "price": item.price}
"#
            .to_owned(),
        ),
        (
            "test_app.py",
            r#""""The app's tests. With the Python package installed (`pip install
fasterapi`), `pytest` sends them through the real host, in-process
(TestClient: routing, typed parameters, the sandbox). With the `fasterapi`
binary alone, `python3 test_app.py` runs the handlers under CPython with the
SDK copy in vendor/."""

import json
import os
import sys

try:
    from fasterapi.testclient import TestClient
except ImportError:
    TestClient = None
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "vendor"))

from app import app  # noqa: E402

if TestClient is not None:
    client = TestClient(app)

    def test_hello():
        response = client.get("/hello/world", params={"excited": "true"})
        assert (response.status_code, response.json()) == (200, {"message": "Hello, world!"})
        assert client.get("/hello/world", params={"excited": "maybe"}).status_code == 422

    def test_create_item_validates_the_body():
        created = client.post("/items", json={"name": "pen", "price": "1.5"})
        assert (created.status_code, created.json()) == (201, {"name": "pen", "price": 1.5})
        assert client.post("/items", json={"name": "pen"}).status_code == 422

else:

    def call(method, path_index, args, body=b""):
        headers = [("content-type", b"application/json")]
        return app.dispatch(path_index, args, method, "/", "", headers, body)

    def test_hello():
        answer = call("GET", 0, ["world", True])
        assert json.loads(answer.body) == {"message": "Hello, world!"}

    def test_create_item_validates_the_body():
        created = call("POST", 1, [], b'{"name": "pen", "price": "1.5"}')
        assert (created.status_code, json.loads(created.body)) == (201, {"name": "pen", "price": 1.5})
        refused = call("POST", 1, [], b'{"name": "pen"}')
        assert refused.status_code == 422


if __name__ == "__main__":
    test_hello()
    test_create_item_validates_the_body()
    print("2 passed, 0 failed")
"#
            .to_owned(),
        ),
        ("fasterapi.toml", manifest(name)),
        ("README.md", readme(name, "python3 test_app.py")),
        (".gitignore", "*.wasm\n.fasterapi/\n__pycache__/\n".to_owned()),
    ]
    .into_iter()
    .map(|(file, contents)| (file.to_owned(), contents))
    // A copy of the SDK, so that the test (and an editor) can import it under CPython.
    .chain(
        crate::build::python_sdk()
            .iter()
            .map(|(file, source)| (format!("vendor/fasterapi/{file}"), source.to_string())),
    )
    .collect()
}
