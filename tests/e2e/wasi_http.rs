//! Standard `wasi:http` components, none built with FasterAPI's SDK: one
//! built with `wstd` (Rust), one with componentize-py's own `wasi:http`
//! bindings. Each is mounted like a typed app — by prefix or by host —
//! streams bodies both ways, and is held to its app's limits.

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

use crate::reload::Load;
use crate::support::{Server, guest, root, scratch};
use crate::tenants::manifest;

/// A WIT directory for the `wasi:http/proxy` world, laid out as the README
/// says: the `wasi:http` package on top, the packages it uses in `deps/`,
/// all from the repository's `wit/deps`.
fn wasi_http_wit() -> PathBuf {
    let dir = scratch().join("wasi-http-wit");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("deps")).unwrap();
    let from = root().join("wit/deps");
    std::fs::copy(from.join("http.wit"), dir.join("http.wit")).unwrap();
    for package in ["io", "clocks", "random", "cli", "filesystem", "sockets"] {
        std::fs::copy(from.join(format!("{package}.wit")), dir.join(format!("deps/{package}.wit"))).unwrap();
    }
    dir
}

/// The componentize-py app, built once per run with componentize-py itself.
fn python_component() -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let out = scratch().join("components/wasi-http-python.wasm");
            std::fs::create_dir_all(out.parent().unwrap()).unwrap();
            let componentize_py = fasterapi_host::build::componentize_py().expect("componentize-py");
            let output = Command::new(componentize_py)
                .arg("-d")
                .arg(wasi_http_wit())
                .args(["-w", "wasi:http/proxy", "componentize", "app", "-o"])
                .arg(&out)
                .current_dir(root().join("tests/guests/wasi-http-python"))
                .output()
                .expect("run componentize-py");
            assert!(output.status.success(), "componentize-py: {}", String::from_utf8_lossy(&output.stderr));
            out
        })
        .clone()
}

/// The JavaScript app, built once per run with jco and componentize-js
/// from npm (the exact versions of its package-lock.json). Their engine is
/// built for WASI 0.2.10: the WIT is `wit/deps` said at that version.
fn js_component() -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let work = scratch().join("wasi-http-js");
            std::fs::create_dir_all(work.join("wit/deps")).unwrap();
            for file in ["package.json", "package-lock.json", "app.js"] {
                std::fs::copy(root().join("tests/guests/wasi-http-js").join(file), work.join(file)).unwrap();
            }
            let at_0_2_10 = |text: String| {
                let text = text.replace("@0.2.12", "@0.2.10");
                let mut lines: Vec<&str> =
                    text.lines().filter(|l| !l.contains("@unstable(feature = network-error-code)")).collect();
                if let Some(at) = lines.iter().position(|l| l.contains("@since(version = 0.2.12)")) {
                    lines.drain(at..at + 2); // `exit-with-code`, new in 0.2.12
                }
                lines.join("\n")
            };
            let from = root().join("wit/deps");
            let read = |name: &str| std::fs::read_to_string(from.join(format!("{name}.wit"))).unwrap();
            std::fs::write(work.join("wit/http.wit"), at_0_2_10(read("http"))).unwrap();
            for package in ["io", "clocks", "random", "cli", "filesystem", "sockets"] {
                std::fs::write(work.join(format!("wit/deps/{package}.wit")), at_0_2_10(read(package)))
                    .unwrap();
            }
            let run = |program: &str, args: &[&str]| {
                let output = Command::new(program).args(args).current_dir(&work).output();
                let output =
                    output.unwrap_or_else(|err| panic!("{program} (node.js and npm are needed): {err}"));
                assert!(
                    output.status.success(),
                    "{program} {args:?}: {}",
                    String::from_utf8_lossy(&output.stderr)
                );
            };
            run("npm", &["ci", "--no-audit", "--no-fund"]);
            let out = scratch().join("components/wasi-http-js.wasm");
            let out_text = out.to_string_lossy().into_owned();
            run(
                "npx",
                &[
                    "jco",
                    "componentize",
                    "app.js",
                    "--wit",
                    "wit",
                    "--world-name",
                    "wasi:http/proxy",
                    "-o",
                    &out_text,
                ],
            );
            out
        })
        .clone()
}

/// Both components: wstd's under `/wstd`, the Python one for `py.test`.
fn serve_both(name: &str, limits: &str) -> Server {
    let text = format!(
        r#"
[server.limits]
{limits}

[[app]]
name = "wstd"
tenant = "a"
component = "{wstd}"
route = "/wstd"

[[app]]
name = "python"
tenant = "b"
component = "{python}"
host = "py.test"
kind = "wasi-http"
"#,
        wstd = guest("tests/guests/wasi-http-wstd").display(),
        python = python_component().display(),
    );
    Server::start(&manifest(name, &text))
}

#[test]
fn wasi_http_components_answer_under_a_prefix_and_a_host() {
    let server = serve_both("wasi-http-mounts", "");
    let hello = server.get("/wstd/");
    assert_eq!((hello.status, hello.text().as_str()), (200, "hello from wstd"));
    assert_eq!(hello.header("content-type"), Some("text/plain"));
    assert_eq!(server.get("/wstd").text(), "hello from wstd", "the mount itself is the app's `/`");
    assert_eq!(server.get("/elsewhere").status, 404, "nothing is mounted there");

    let seen = server.send("GET", "/wstd/headers?x=1", &[("spin-path-info", "/spoofed")], b"").text();
    assert!(
        seen.contains(r#""path_with_query": "/headers?x=1""#),
        "the app sees the path below its mount: {seen}"
    );
    assert!(seen.contains(r#""spin-path-info": "/headers""#), "{seen}");
    assert!(seen.contains(r#""spin-full-url": "http://localhost/wstd/headers?x=1""#), "{seen}");
    assert!(seen.contains(r#""spin-matched-route": "/wstd/...""#), "{seen}");
    assert!(seen.contains(r#""spin-base-path": "/wstd""#), "{seen}");

    let py = server.send("GET", "/hello", &[("host", "py.test")], b"");
    assert_eq!((py.status, py.text().as_str()), (200, "hello from python"));
    let path = server.send("GET", "/path?a=1", &[("host", "py.test")], b"").text();
    assert!(path.contains("path_with_query=/path?a=1\nspin-path-info=/path"), "{path}");
    assert!(server.log().contains("kind=\"wasi-http\""), "{}", server.log());
}

#[test]
fn wasi_http_bodies_stream_both_ways() {
    let server = serve_both(
        "wasi-http-streams",
        r#"max_body = "8MiB"
max_response = "64MiB""#,
    );
    let body: Vec<u8> = (0..5_000_000u32).map(|i| (i % 251) as u8).collect();
    for (host, path) in [("localhost", "/wstd/echo"), ("py.test", "/echo")] {
        let echoed =
            server.send("POST", path, &[("host", host), ("content-type", "application/x-test")], &body);
        assert_eq!(echoed.status, 200, "{host}{path}");
        assert_eq!(echoed.header("content-type"), Some("application/x-test"));
        assert!(echoed.body == body, "{host}{path}: {} bytes back of {}", echoed.body.len(), body.len());
    }
    let big = server.get("/wstd/big?bytes=50000000");
    assert_eq!((big.status, big.body.len()), (200, 50_000_000));
    assert!(big.body.iter().all(|b| *b == b'x'));
}

#[test]
fn wasi_http_components_are_held_to_their_limits() {
    let server = serve_both(
        "wasi-http-limits",
        r#"timeout = "1s"
memory = "32MiB"
max_body = "1MiB"
max_response = "1MiB"
max_concurrency = 2"#,
    );
    let too_big = server.send("POST", "/wstd/echo", &[], &vec![b'a'; 2 << 20]);
    assert_eq!(too_big.status, 413, "a declared body over max_body never reaches the app");

    let mut connection = server.connect();
    connection.write_raw(&crate::support::request_bytes("GET", "/wstd/big?bytes=4000000", &[], b""));
    let cut = connection.try_read_response();
    assert!(cut.is_err(), "an answer past max_response is cut, not completed");

    assert_eq!(server.get("/wstd/spin").status, 504, "a handler that loops is stopped at the timeout");
    assert_eq!(server.get("/wstd/alloc").status, 500, "a handler that eats memory traps");
    assert_eq!(server.get("/wstd/").status, 200, "the app still answers");

    // Two slots: two spinning requests hold them, a third is refused, and
    // another tenant is served. A loaded machine may take a while to start
    // the two, and a probe sent meanwhile takes a slot from one of them:
    // each try waits longer before its one probe.
    let mut tries = Vec::new();
    for attempt in 1..=5u64 {
        let spinning: Vec<_> = (0..2)
            .map(|_| {
                let mut connection = server.connect();
                connection.write_raw(&crate::support::request_bytes("GET", "/wstd/spin", &[], b""));
                connection
            })
            .collect();
        std::thread::sleep(Duration::from_millis(150 * attempt));
        let probe = server.get("/wstd/");
        let other_tenant = server.send("GET", "/hello", &[("host", "py.test")], b"").status;
        let spun: Vec<u16> =
            spinning.into_iter().map(|mut connection| connection.read_response().status).collect();
        let held = spun == [504, 504];
        tries.push((probe.status, spun));
        if held && probe.status == 503 {
            assert_eq!(probe.header("retry-after"), Some("1"));
            assert_eq!(other_tenant, 200, "another tenant's app is unaffected");
            break;
        }
    }
    let refused = tries.last().is_some_and(|(probe, spun)| *probe == 503 && spun == &[504, 504]);
    assert!(refused, "a third request is refused while two hold the slots (probe, spinning): {tries:?}");
    assert_eq!(server.get("/wstd/").status, 200, "the slots are free again");
}

#[test]
fn a_stated_kind_must_match_the_component() {
    let text = format!(
        "[[app]]\nname = \"wrong\"\ntenant = \"a\"\ncomponent = \"{}\"\nkind = \"typed\"\n",
        guest("tests/guests/wasi-http-wstd").display()
    );
    let path = manifest("wasi-http-kind", &text);
    let output = crate::support::fasterapi()
        .arg("serve")
        .arg(&path)
        .args(["--listen", "127.0.0.1:0"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(r#"the manifest says kind = "typed", but the component is a wasi-http component"#),
        "{stderr}"
    );
}

#[test]
fn wasi_http_components_reload_under_load_without_a_failed_request() {
    let (wstd, python) = (guest("tests/guests/wasi-http-wstd"), python_component());
    let dir = scratch().join("wasi-http-reload");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let swapped = dir.join("swapped.wasm");
    std::fs::copy(&wstd, &swapped).unwrap();
    let manifest = "[[app]]\nname = \"swapped\"\ntenant = \"t\"\ncomponent = \"swapped.wasm\"\nroute = \"/swap\"\ninstances = \"reuse\"\n";
    std::fs::write(dir.join("fasterapi.toml"), manifest).unwrap();
    let server = Server::start(&dir.join("fasterapi.toml"));
    let replace = |component: &PathBuf| {
        let tmp = swapped.with_extension("tmp");
        std::fs::copy(component, &tmp).unwrap();
        std::fs::rename(&tmp, &swapped).unwrap();
    };
    let wait = |want: &str, limit: Duration| {
        let started = std::time::Instant::now();
        while server.get("/swap/hello").text() != want {
            assert!(started.elapsed() < limit, "never answered {want:?}:\n{}", server.log());
            std::thread::sleep(Duration::from_millis(5));
        }
    };
    // Each version compiled once before the load starts.
    replace(&python);
    wait("hello from python", Duration::from_secs(90));
    replace(&wstd);
    wait("hello from wstd", Duration::from_secs(10));

    let load = Load::start(&server, "/swap/hello", 3);
    for round in 0..20 {
        let (component, want) =
            if round % 2 == 0 { (&python, "hello from python") } else { (&wstd, "hello from wstd") };
        replace(component);
        wait(want, Duration::from_secs(10));
    }
    let answers = load.finish();
    let bad: Vec<_> = answers
        .iter()
        .filter(|(status, text)| {
            !(*status == 200 && (text == "hello from wstd" || text == "hello from python"))
        })
        .collect();
    assert!(bad.is_empty(), "{} bad answers of {}, e.g. {:?}", bad.len(), answers.len(), bad.first());
    assert!(answers.len() > 100, "{} answers", answers.len());
}

#[test]
fn a_javascript_component_built_with_jco_answers_too() {
    let text = format!(
        "[[app]]\nname = \"js\"\ntenant = \"c\"\ncomponent = \"{}\"\nroute = \"/js\"\n\n[app.limits]\nmax_body = \"4MiB\"\n",
        js_component().display()
    );
    let server = Server::start(&manifest("wasi-http-js", &text));
    let hello = server.get("/js/hello");
    assert_eq!((hello.status, hello.text().as_str()), (200, "hello from js"), "{}", server.log());
    assert_eq!(hello.header("content-type"), Some("text/plain"));
    let body: Vec<u8> = (0..1_000_000u32).map(|i| (i % 253) as u8).collect();
    let echoed = server.send("POST", "/js/echo", &[("content-type", "application/x-test")], &body);
    assert_eq!((echoed.status, echoed.header("content-type")), (200, Some("application/x-test")));
    assert!(echoed.body == body, "{} bytes back of {}", echoed.body.len(), body.len());
    assert_eq!(server.get("/js/nothing").status, 404);
}
