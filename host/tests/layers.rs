//! Guards the architecture where the compiler cannot: the host's modules
//! import only the layers below them, the lower crates stay free of HTTP
//! and WebAssembly as their charter says (the runtime's only HTTP is the
//! standard `wasi:http` world's, in two modules), and nothing in the project reads
//! outside the repository (the team's folder beside it exists only on its own machines).

use std::path::{Path, PathBuf};

/// The host crate's layers, lowest first (as `host/src/lib.rs` lists them).
const LAYERS: [&str; 11] = [
    "config",
    "metrics",
    "watch",
    "http",
    "trigger",
    "server",
    "registry",
    "admin",
    "inprocess",
    "build",
    "cli",
];

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_owned()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files
}

/// The top-level modules a source file names through `crate::`, including
/// grouped imports (`use crate::{a, b::c}`).
fn crate_imports(source: &str) -> Vec<String> {
    let mut names = Vec::new();
    for (at, _) in source.match_indices("crate::") {
        let rest = &source[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let group = &group[..group.find('}').unwrap_or(group.len())];
            names.extend(group.split(',').map(|item| first_segment(item.trim())));
        } else {
            names.push(first_segment(rest));
        }
    }
    names.retain(|name| !name.is_empty());
    names
}

fn first_segment(path: &str) -> String {
    path.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect()
}

fn rank(module: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| *layer == module)
}

#[test]
fn host_modules_import_only_lower_layers() {
    let src = repo().join("host/src");
    let mut upward = Vec::new();
    for file in rust_files(&src) {
        let relative = file.strip_prefix(&src).unwrap();
        let module = relative
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_owned();
        let Some(own) = rank(&module) else {
            assert!(
                ["lib", "main"].contains(&module.as_str()),
                "{} is in no layer: add it to LAYERS",
                relative.display()
            );
            continue;
        };
        let source = std::fs::read_to_string(&file).unwrap();
        for import in crate_imports(&source) {
            match rank(&import) {
                Some(target) if target > own => {
                    upward.push(format!("{} imports crate::{import}", relative.display()))
                }
                Some(_) => {}
                None => panic!("{} imports crate::{import}, which is in no layer", relative.display()),
            }
        }
    }
    assert!(upward.is_empty(), "imports that run upward:\n{}", upward.join("\n"));
}

fn dependencies(manifest: &str) -> Vec<String> {
    let text = std::fs::read_to_string(repo().join(manifest)).unwrap();
    let table: toml::Table = toml::from_str(&text).unwrap();
    table
        .get("dependencies")
        .and_then(|d| d.as_table())
        .map(|d| d.keys().cloned().collect())
        .unwrap_or_default()
}

#[test]
fn lower_crates_keep_to_their_charter() {
    let http = ["hyper", "hyper-util", "http", "http-body-util"];
    let wasm = ["wasmtime", "wasmtime-wasi", "wit-bindgen"];
    let routes = dependencies("crates/routes/Cargo.toml");
    for forbidden in http.iter().chain(&wasm).chain(&["tokio", "fasterapi-runtime", "fasterapi-host"]) {
        assert!(!routes.iter().any(|d| d == forbidden), "fasterapi-routes depends on {forbidden}");
    }
    let runtime = dependencies("crates/runtime/Cargo.toml");
    for forbidden in ["fasterapi-host", "matchit"] {
        assert!(!runtime.iter().any(|d| d == forbidden), "fasterapi-runtime depends on {forbidden}");
    }
    assert!(dependencies("crates/lax/Cargo.toml").is_empty(), "fasterapi-lax has dependencies");
    // The registry client speaks HTTP only through the OCI client: no server, no engine.
    let oci = dependencies("crates/oci/Cargo.toml");
    for forbidden in
        http.iter().chain(&wasm).chain(&["fasterapi-runtime", "fasterapi-host", "fasterapi-routes"])
    {
        assert!(!oci.iter().any(|d| d == forbidden), "fasterapi-oci depends on {forbidden}");
    }
}

/// The runtime's only HTTP is the standard `wasi:http` world's: hosting a
/// `wasi:http` component (`proxy.rs`) and the outbound capability
/// (`capabilities/outbound/`). The engine, instances, limits, typed guests
/// and the other capabilities name no HTTP crate.
const RUNTIME_HTTP: [&str; 2] = ["crates/runtime/src/proxy.rs", "crates/runtime/src/capabilities/outbound/"];

#[test]
fn the_runtime_speaks_http_only_for_wasi_http() {
    let http =
        ["hyper::", "hyper_util::", "http::", "http_body::", "http_body_util::", "wasmtime_wasi_http::"];
    let mut offenders = Vec::new();
    for file in rust_files(&repo().join("crates/runtime/src")) {
        let relative = file.strip_prefix(repo()).unwrap().to_string_lossy().replace('\\', "/");
        if RUNTIME_HTTP.iter().any(|allowed| relative.starts_with(allowed)) {
            continue;
        }
        let source = std::fs::read_to_string(&file).unwrap();
        for name in http {
            let named = source.match_indices(name).any(|(at, _)| {
                // `http::` inside another path (`fasterapi::http::kv`) is not the crate.
                at == 0 || !source[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == ':')
            });
            if named {
                offenders.push(format!("{relative} names {name}"));
            }
        }
    }
    assert!(offenders.is_empty(), "HTTP outside the runtime's wasi:http modules:\n{}", offenders.join("\n"));
}

/// The team's folder beside the repository, which a user's clone has not;
/// spelled in pieces so that this file does not name it itself.
const OUTSIDE: [&str; 2] = [concat!("..", "/", "shared"), concat!("shared", "/", "peers")];

#[test]
fn nothing_reads_outside_the_repository() {
    let mut offenders = Vec::new();
    let mut pending: Vec<PathBuf> =
        ["host", "crates", "guest-sdk", "python", "examples", "tests", "benches", "wit"]
            .map(|d| repo().join(d))
            .into();
    pending
        .extend(["Makefile", ".ci/run", "Cargo.toml", "README.md", "BENCHMARKS.md"].map(|f| repo().join(f)));
    while let Some(path) = pending.pop() {
        if path.is_dir() {
            let skip = path.file_name().is_some_and(|n| n == "target" || n == "assets" || n == "__pycache__");
            if !skip {
                pending.extend(std::fs::read_dir(&path).unwrap().flatten().map(|e| e.path()));
            }
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&path) else { continue };
        if OUTSIDE.iter().any(|outside| text.contains(outside)) {
            offenders.push(path.strip_prefix(repo()).unwrap_or(&path).display().to_string());
        }
    }
    assert!(offenders.is_empty(), "read {}, which a user's clone does not have: {offenders:?}", OUTSIDE[0]);
}

#[test]
fn the_import_scanner_sees_grouped_and_nested_paths() {
    let source =
        "use crate::config::AppName;\nuse crate::{http::detail, trigger};\nlet m = crate::metrics::METRICS;";
    assert_eq!(crate_imports(source), ["config", "http", "trigger", "metrics"]);
}
