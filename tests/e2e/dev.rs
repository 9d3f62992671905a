//! `fasterapi dev`: a `fasterapi new` project of each language is built and
//! served; an edit of its source is rebuilt and swapped in while the server
//! keeps answering; a broken edit keeps the last good build serving and
//! names the error; an edit of the manifest reconfigures the app.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::new_project::new_project;
use crate::support::{Server, fasterapi, root, scratch};

fn start_dev(dir: &Path) -> Server {
    let mut command = fasterapi();
    command
        .arg("dev")
        .arg(dir)
        .args(["--listen", "127.0.0.1:0", "--cache-dir"])
        .arg(scratch().join("cache"))
        .env("CARGO_TARGET_DIR", root().join("target/guests"));
    Server::spawn(command)
}

/// Polls until `path` answers `expected`; returns how long it took.
fn wait_for_answer(server: &Server, path: &str, expected: &str) -> Duration {
    let started = Instant::now();
    loop {
        let answer = server.get(path);
        if answer.status == 200 && answer.text() == expected {
            return started.elapsed();
        }
        assert!(started.elapsed() < Duration::from_secs(180), "still {answer:?}:\n{}", server.log());
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn edit(file: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(file).unwrap();
    assert!(text.contains(from), "{} has no {from:?}", file.display());
    std::fs::write(file, text.replacen(from, to, 1)).unwrap();
}

/// Edits the greeting code, then breaks it and edits the manifest at
/// once, checking the answers after each.
fn exercise(server: &Server, dir: &Path, source: &Path, code: (&str, &str), broken: &str, error: &str) {
    assert_eq!(server.get("/hello/world").text(), r#"{"message":"Hello, world."}"#);
    edit(source, code.0, code.1);
    let took = wait_for_answer(server, "/hello/world", r#"{"message":"Hello, dear world."}"#);
    eprintln!("{}: edit to new answer in {took:.2?}", dir.display());
    assert!(server.log().contains("new version serving"), "{}", server.log());

    // A broken edit and, right behind it, a manifest edit: the build fails,
    // the last good build keeps serving, and the new settings still apply.
    let good = std::fs::read_to_string(source).unwrap();
    std::fs::write(source, format!("{good}\n{broken}\n")).unwrap();
    edit(&dir.join("fasterapi.toml"), "greeting = \"Hello\"", "greeting = \"Howdy\"");
    server.wait_for_log("build failed");
    assert!(server.log().contains(error), "the build error names the file and line:\n{}", server.log());
    wait_for_answer(server, "/hello/world", r#"{"message":"Howdy, dear world."}"#);
    std::fs::write(source, good).unwrap();
}

#[test]
fn dev_rebuilds_and_swaps_a_rust_project_on_save() {
    let dir = new_project("rust", "dev-rust");
    let server = start_dev(&dir);
    let source = dir.join("src/lib.rs");
    exercise(
        &server,
        &dir,
        &source,
        ("{greeting}, {name}", "{greeting}, dear {name}"),
        "fn broken( {",
        "src/lib.rs:",
    );
    assert!(dir.join("dev-rust.wasm").is_file(), "the build goes where the manifest expects it");
}

#[test]
fn dev_rebuilds_and_swaps_a_python_project_on_save() {
    let dir = new_project("python", "dev-python");
    let server = start_dev(&dir);
    let source = dir.join("app.py");
    exercise(
        &server,
        &dir,
        &source,
        ("{greeting}, {name}", "{greeting}, dear {name}"),
        "def broken(:",
        "app.py:",
    );
    assert!(server.log().contains("SyntaxError: invalid syntax"), "{}", server.log());
}

#[test]
fn dev_names_a_directory_that_is_not_a_project() {
    let empty = scratch().join("dev-empty");
    std::fs::create_dir_all(&empty).unwrap();
    let output = fasterapi().arg("dev").arg(&empty).output().unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("not a guest project (expected a Cargo.toml for a Rust guest or an app.py"),
        "{stderr}"
    );
}
