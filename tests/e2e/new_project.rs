//! `fasterapi new`: projects of both languages build, serve and pass their
//! own test with no edits.

use std::path::Path;
use std::process::Command;

use crate::support::{Server, fasterapi, root, scratch};

/// Creates a project with `fasterapi new` under the run's scratch directory.
pub fn new_project(language: &str, name: &str) -> std::path::PathBuf {
    let parent = scratch().join("new");
    std::fs::create_dir_all(&parent).unwrap();
    let _ = std::fs::remove_dir_all(parent.join(name));
    let output = fasterapi().args(["new", language, name]).current_dir(&parent).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    parent.join(name)
}

fn build_and_serve(dir: &Path, name: &str) -> Server {
    let output = fasterapi()
        .args(["build", ".", "-o", &format!("{name}.wasm")])
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", root().join("target/guests"))
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let server = Server::start(&dir.join("fasterapi.toml"));
    assert_eq!(server.get("/hello/world?excited=true").text(), r#"{"message":"Hello, world!"}"#);
    let created = server.post_json("/items", r#"{"name":"pen","price":"1.5"}"#);
    assert_eq!((created.status, created.text()), (201, r#"{"name":"pen","price":1.5}"#.to_owned()));
    server
}

#[test]
fn a_new_rust_project_builds_serves_and_passes_its_test() {
    let dir = new_project("rust", "new-rust");
    assert!(dir.join("README.md").is_file());
    let _server = build_and_serve(&dir, "new-rust");
    let test = Command::new(env!("CARGO"))
        .args(["test", "--quiet"])
        .current_dir(&dir)
        .env("CARGO_TARGET_DIR", root().join("target/new-projects"))
        .output()
        .unwrap();
    assert!(test.status.success(), "{}", String::from_utf8_lossy(&test.stderr));
}

#[test]
fn a_new_python_project_builds_serves_and_passes_its_test() {
    let dir = new_project("python", "new-python");
    let _server = build_and_serve(&dir, "new-python");
    let test = Command::new("python3").arg("test_app.py").current_dir(&dir).output().unwrap();
    assert!(test.status.success(), "{}", String::from_utf8_lossy(&test.stderr));
    assert!(String::from_utf8_lossy(&test.stdout).contains("2 passed, 0 failed"));
}

#[test]
fn new_refuses_an_existing_directory_and_a_bad_name() {
    let dir = new_project("python", "new-twice");
    let again =
        fasterapi().args(["new", "python", "new-twice"]).current_dir(dir.parent().unwrap()).output().unwrap();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
    let bad = fasterapi().args(["new", "rust", "a/b"]).output().unwrap();
    assert!(String::from_utf8_lossy(&bad.stderr).contains("is not a project name"));
}
