//! The `fasterapi` command's errors, and the compiled-component cache.

use std::process::Output;

use crate::support::{Server, fasterapi, guest, root, scratch};

fn serve_error(args: &[&std::ffi::OsStr]) -> String {
    let output: Output = fasterapi().arg("serve").args(args).output().expect("run fasterapi");
    assert!(!output.status.success(), "expected a failure");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    stderr
        .lines()
        .find(|l| l.starts_with("error:"))
        .unwrap_or_else(|| panic!("no error line in:\n{stderr}"))
        .to_owned()
}

fn write_file(name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let dir = scratch().join("files");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn serve_names_what_is_wrong_with_the_file() {
    let missing = serve_error(&["/no/such/app.wasm".as_ref()]);
    assert_eq!(missing, "error: /no/such/app.wasm: no such file");

    let text = write_file("text.wasm", b"hello, not wasm");
    assert!(serve_error(&[text.as_os_str()]).contains("not a WebAssembly file"));

    let core = write_file("core.wasm", b"\0asm\x01\0\0\0");
    assert!(serve_error(&[core.as_os_str()]).contains("a core WebAssembly module, not a component"));

    let no_handle = guest("tests/guests/no-handle");
    let error = serve_error(&[no_handle.as_os_str()]);
    assert!(error.contains("the export `handle` is missing"), "{error}");

    let bad_routes = guest("tests/guests/bad-routes");
    let error = serve_error(&[bad_routes.as_os_str()]);
    let expected = "route GET /bad: parameter 'q': gt, ge, lt, le and multiple_of apply to int, float and Decimal parameters";
    assert!(error.contains(expected), "{error}");
}

#[test]
fn serve_says_when_the_port_is_taken() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let app = guest("examples/hello-rust");
    let error = serve_error(&[app.as_os_str(), "--listen".as_ref(), addr.as_ref()]);
    assert_eq!(error, format!("error: cannot listen on {addr}: the address is already in use"));
}

#[test]
fn build_errors_are_one_clear_line() {
    let output = fasterapi().args(["build", "/no/such/dir"]).output().unwrap();
    assert!(!output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("error: /no/such/dir: no such file or directory")
    );

    let output = fasterapi().arg("build").arg(root().join("wit")).output().unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("not a guest project"));
}

#[test]
fn a_missing_wasm_target_names_the_rustup_command() {
    // A toolchain without wasm32-wasip2: a rustc whose sysroot has no targets.
    let bin = crate::support::scratch().join("no-wasm-target");
    std::fs::create_dir_all(&bin).unwrap();
    let rustc = bin.join("rustc");
    std::fs::write(&rustc, format!("#!/bin/sh\necho {}\n", bin.display())).unwrap();
    std::fs::set_permissions(&rustc, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    let output =
        fasterapi().arg("build").arg(root().join("examples/hello-rust")).env("PATH", path).output().unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("run `rustup target add wasm32-wasip2`"), "{stderr}");
}

#[test]
fn a_python_error_names_the_file_and_line() {
    let dir = crate::support::scratch().join("python-syntax-error");
    std::fs::create_dir_all(&dir).unwrap();
    let app =
        "from fasterapi import FastAPI\n\napp = FastAPI()\n\n\n@app.get(\"/\")\ndef root(:\n    return {}\n";
    std::fs::write(dir.join("app.py"), app).unwrap();
    let output = fasterapi().arg("build").arg(&dir).output().unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    let headline = format!("error: {}/app.py:7: SyntaxError: invalid syntax", dir.display());
    assert!(stderr.contains(&headline), "{stderr}");
    assert!(stderr.contains("def root(:"), "the offending line is shown: {stderr}");
    assert!(
        !stderr.contains("componentize_py") && !stderr.contains("Caused by"),
        "no tool internals: {stderr}"
    );
}

#[test]
fn a_package_without_a_pure_python_wheel_is_named() {
    let dir = crate::support::scratch().join("python-native-package");
    std::fs::create_dir_all(&dir).unwrap();
    let app = "from fasterapi import FastAPI\n\napp = FastAPI()\n";
    std::fs::write(dir.join("app.py"), app).unwrap();
    std::fs::write(dir.join("requirements.txt"), "numpy\n").unwrap();
    let output = fasterapi().arg("build").arg(&dir).output().unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("cannot install the app's Python packages: numpy has no pure-Python wheel"),
        "{stderr}"
    );
}

#[test]
fn a_second_start_loads_the_compiled_component_from_cache() {
    let app = guest("examples/hello-rust");
    let cache = scratch().join("cache-test");
    let _ = std::fs::remove_dir_all(&cache);
    let cache_arg = cache.to_string_lossy().into_owned();
    for expect_cached in [false, true] {
        let server = Server::start_with(&app, &["--cache-dir", &cache_arg]);
        let log = server.wait_for_log("loaded in");
        assert!(log.contains(&format!("cached={expect_cached}")), "{log}");
        assert_eq!(server.get("/users/5").text(), r#"{"id":5,"name":"Alice"}"#);
    }
    let files: Vec<String> = std::fs::read_dir(&cache)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(files.iter().filter(|f| f.ends_with(".cwasm")).count(), 1, "one compiled artifact: {files:?}");
    assert!(files.iter().any(|f| f == "functions.redb"), "and the compiled functions: {files:?}");
}

/// The `.cwasm` files of a cache directory, by name, with their sizes.
fn cached_components(cache: &std::path::Path) -> Vec<(String, u64)> {
    let mut files: Vec<(String, u64)> = std::fs::read_dir(cache)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".cwasm"))
        .map(|e| (e.file_name().to_string_lossy().into_owned(), e.metadata().unwrap().len()))
        .collect();
    files.sort();
    files
}

#[test]
fn the_cache_size_setting_evicts_the_least_recently_used_across_restarts() {
    let dir = scratch().join("cache-size");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let (a, b, c) =
        (guest("examples/hello-rust"), guest("tests/guests/tenant"), guest("examples/bench-rust"));
    let manifest = dir.join("fasterapi.toml");
    let serve = |server: &str, apps: &[&std::path::Path]| -> String {
        let mut text = format!("[server]\nlisten = \"127.0.0.1:0\"\ndata_dir = \"data\"\n{server}\n");
        for (i, component) in apps.iter().enumerate() {
            let component = component.display();
            text += &format!(
                "[[app]]\nname = \"app{i}\"\ntenant = \"t\"\nroute = \"/app{i}\"\ncomponent = \"{component}\"\n"
            );
        }
        std::fs::write(&manifest, text).unwrap();
        let cache = dir.join("cache");
        let server = Server::start_with(&manifest, &["--cache-dir", &cache.to_string_lossy()]);
        server.wait_for_log("loaded in");
        server.log()
    };
    let cache = dir.join("cache");
    let entry = |app: &std::path::Path| {
        let hash = fasterapi_runtime::cache::content_hash(&std::fs::read(app).unwrap());
        let found = cached_components(&cache).into_iter().find(|(name, _)| name.starts_with(&hash[..32]));
        found.unwrap_or_default()
    };
    let pause = || std::thread::sleep(std::time::Duration::from_millis(1100));
    serve("", &[&a, &b, &c]);
    assert_eq!(cached_components(&cache).len(), 3);
    let sizes = [entry(&a).1, entry(&b).1, entry(&c).1];
    pause();
    // A, the first compiled, is used again: now the most recently used.
    assert!(serve("", &[&a]).contains("cached=true"));
    pause();
    // Room for two (components get three quarters of the size): at start
    // the least recently used, B, goes; B compiled anew then evicts C.
    let mut two = sizes;
    two.sort();
    let size = (two[1] + two[2] + 1024) * 4 / 3 + 4;
    let log = serve(&format!("cache_size = \"{size}\""), &[&b]);
    assert!(log.contains("cached=false"), "B was evicted at start: {log}");
    let left = cached_components(&cache);
    assert_eq!(left.len(), 2, "{left:?}");
    assert!(!entry(&a).0.is_empty(), "A, used in the last run, is kept: {left:?}");
    assert!(!entry(&b).0.is_empty(), "B, just compiled, is kept: {left:?}");
    assert!(entry(&c).0.is_empty(), "C, the least recently used, is evicted: {left:?}");
}
