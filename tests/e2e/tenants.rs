//! Multi-tenant hosting: one manifest, apps of two tenants (Rust and
//! Python) mounted by prefix and Host header, scoped capabilities, and
//! hostile guests that must cost only their own requests.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::support::{Connection, Server, guest, scratch};

/// Writes `manifest` (with `{bench}`, `{python}`, `{tenant}` replaced by the
/// components) into a fresh directory and returns its path.
pub fn manifest(name: &str, manifest: &str) -> PathBuf {
    let dir = scratch().join("manifests").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut text = manifest.to_owned();
    for (placeholder, dir) in [
        ("{bench}", "examples/bench-rust"),
        ("{python}", "examples/bench-python"),
        ("{tenant}", "tests/guests/tenant"),
        ("{python_kv}", "tests/guests/python-kv"),
        ("{python_background}", "tests/guests/python-background"),
        ("{python_stream}", "tests/guests/python-stream"),
        ("{python_outbound}", "tests/guests/python-outbound"),
    ] {
        if text.contains(placeholder) {
            text = text.replace(placeholder, &guest(dir).to_string_lossy());
        }
    }
    let path = dir.join("fasterapi.toml");
    std::fs::write(&path, text).unwrap();
    path
}

const THREE_APPS: &str = r#"
[server]
header_read_timeout = "1s"

[server.limits]
timeout = "1s"
memory = "64MiB"

[[app]]
name = "users"
tenant = "acme"
component = "{bench}"
route = "/acme"

[[app]]
name = "py"
tenant = "acme"
component = "{python}"
route = "/py"

[[app]]
name = "hostile"
tenant = "globex"
component = "{tenant}"
host = "globex.test"

[app.limits]
max_concurrency = 2
"#;

pub fn get_host(server: &Server, host: &str, path: &str) -> crate::support::HttpResponse {
    server.send("GET", path, &[("host", host)], b"")
}

#[test]
fn one_process_serves_three_apps_of_two_tenants_by_prefix_and_host() {
    let server = Server::start(&manifest("three", THREE_APPS));
    assert_eq!(server.get("/acme/users/1").text(), r#"{"id":1,"name":"Alice"}"#);
    assert_eq!(server.get("/py/users/2").text(), r#"{"id":2,"name":"Alice"}"#);
    assert_eq!(server.get("/py/items?limit=x").errors(), [("int_parsing".into(), json!(["query", "limit"]))]);
    assert_eq!(get_host(&server, "globex.test", "/ok").text(), "ok");
    assert_eq!(get_host(&server, "GLOBEX.test:8080", "/ok").text(), "ok");
    // Starlette's redirect_slashes, to the same app below its mount.
    let slash = server.get("/acme/users/1/?x=1");
    assert_eq!((slash.status, slash.header("location")), (307, Some("http://localhost/acme/users/1?x=1")));
    let slash = get_host(&server, "globex.test", "/ok/");
    assert_eq!((slash.status, slash.header("location")), (307, Some("http://globex.test/ok")));
    // No app claims these.
    assert_eq!(server.get("/ok").status, 404);
    assert_eq!(server.get("/acmex/users/1").status, 404);
    assert_eq!(get_host(&server, "other.test", "/ok").status, 404);
    let log = server.log();
    for app in ["app=users", "app=py", "app=hostile"] {
        assert!(log.contains(app), "{app} not loaded:\n{log}");
    }
}

/// Requests to the well-behaved tenant, from a background thread, until stopped.
pub struct Bystander {
    stop: Arc<AtomicBool>,
    failures: Arc<AtomicUsize>,
    done: Arc<AtomicUsize>,
    thread: Option<JoinHandle<()>>,
}

impl Bystander {
    pub fn start(server: &Server) -> Bystander {
        let (stop, failures, done) = (Arc::default(), Arc::default(), Arc::default());
        let addr = server.addr;
        let (s, f, d): (Arc<AtomicBool>, Arc<AtomicUsize>, Arc<AtomicUsize>) =
            (Arc::clone(&stop), Arc::clone(&failures), Arc::clone(&done));
        let thread = std::thread::spawn(move || {
            let mut connection = Connection::open(addr);
            while !s.load(Ordering::Relaxed) {
                let response = connection.send("GET", "/acme/users/7", &[], b"");
                if response.status != 200 || response.text() != r#"{"id":7,"name":"Alice"}"# {
                    f.fetch_add(1, Ordering::Relaxed);
                }
                d.fetch_add(1, Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(5));
            }
        });
        Bystander { stop, failures, done, thread: Some(thread) }
    }

    /// Stops and asserts every request succeeded.
    pub fn finish(mut self) {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.take().unwrap().join().expect("bystander thread");
        assert!(self.done.load(Ordering::Relaxed) > 0, "the bystander sent nothing");
        assert_eq!(self.failures.load(Ordering::Relaxed), 0, "well-behaved requests failed");
    }
}

#[test]
fn hostile_guests_cost_only_their_own_requests() {
    let server = Server::start(&manifest("hostile", THREE_APPS));
    let bystander = Bystander::start(&server);

    let started = Instant::now();
    let looping = get_host(&server, "globex.test", "/loop");
    assert_eq!((looping.status, looping.text()), (504, r#"{"detail":"Gateway Timeout"}"#.to_owned()));
    assert!(started.elapsed() < Duration::from_secs(2), "504 after {:?}", started.elapsed());

    let bomb = get_host(&server, "globex.test", "/bomb");
    assert_eq!(bomb.status, 500);
    assert!(server.wait_for_log("memory allocation").contains("memory allocation"));

    // Rust keeps its stack in linear memory: unbounded recursion runs off
    // its end (a trap either way, with the native wasm stack bounded too).
    assert_eq!(get_host(&server, "globex.test", "/recurse").status, 500);
    assert!(server.wait_for_log("handler=recursion").contains("guest trapped"));

    // 100 MB cannot even be built under a 64 MiB memory limit; 20 MB can,
    // but is over the default max_response of 16 MiB.
    assert_eq!(get_host(&server, "globex.test", "/huge").status, 500);
    assert_eq!(get_host(&server, "globex.test", "/huge?mb=20").status, 500);
    assert!(server.wait_for_log("max_response").contains("max_response"));

    assert_eq!(get_host(&server, "globex.test", "/ok").text(), "ok");
    bystander.finish();
    assert!(rss_mib(&server) < 1024, "host RSS {} MiB", rss_mib(&server));
}

pub fn rss_mib(server: &Server) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{}/status", server.pid())).unwrap_or_default();
    let kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0);
    kib / 1024
}

#[test]
fn a_flood_above_max_concurrency_gets_503_for_that_app_only() {
    let server = Server::start(&manifest("flood", THREE_APPS));
    let bystander = Bystander::start(&server);
    let addr = server.addr;
    let flood: Vec<_> = (0..8)
        .map(|_| {
            std::thread::spawn(move || {
                Connection::open(addr).send("GET", "/sleep?ms=600", &[("host", "globex.test")], b"")
            })
        })
        .collect();
    let answers: Vec<_> = flood.into_iter().map(|t| t.join().expect("flood thread")).collect();
    let ok = answers.iter().filter(|r| r.status == 200).count();
    let refused: Vec<_> = answers.iter().filter(|r| r.status == 503).collect();
    assert!((1..=2).contains(&ok), "{ok} of 8 ran with max_concurrency = 2");
    assert_eq!(ok + refused.len(), 8);
    assert!(refused.iter().all(|r| r.header("retry-after") == Some("1")));
    bystander.finish();
}

#[test]
fn a_slow_client_is_disconnected() {
    let server = Server::start(&manifest("slow", THREE_APPS));
    let bystander = Bystander::start(&server);
    let mut slow = server.connect();
    let started = Instant::now();
    let mut closed = false;
    for byte in b"GET /acme/users/1 HTTP/1.1\r\nhost: x\r\n\r\n" {
        if std::io::Write::write_all(slow.stream(), &[*byte]).is_err() {
            closed = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(300));
        if started.elapsed() > Duration::from_secs(4) {
            break;
        }
    }
    let mut rest = Vec::new();
    let _ = std::io::Read::read_to_end(slow.stream(), &mut rest);
    assert!(closed || !String::from_utf8_lossy(&rest).contains("Alice"), "the slow client was served");
    assert!(started.elapsed() < Duration::from_secs(5));
    bystander.finish();
}

pub const KV: &str = r#"
[[app]]
name = "acme-kv"
tenant = "acme"
component = "{tenant}"
route = "/acme"
[app.capabilities]
kv = true
[app.config]
greeting = "hello"

[[app]]
name = "acme-other"
tenant = "acme"
component = "{tenant}"
route = "/acme2"
[app.capabilities]
kv = true

[[app]]
name = "globex-kv"
tenant = "globex"
component = "{tenant}"
route = "/globex"
[app.capabilities]
kv = true

[[app]]
name = "no-grant"
tenant = "initech"
component = "{tenant}"
route = "/initech"
"#;

#[test]
fn kv_is_scoped_to_the_tenant_and_denied_without_a_grant() {
    let server = Server::start(&manifest("kv", KV));
    assert_eq!(server.send("PUT", "/acme/kv/secret?value=acme-only", &[], b"").text(), "stored");
    assert_eq!(server.send("PUT", "/acme/kv/user:1?value=ann", &[], b"").status, 200);
    assert_eq!(server.get("/acme/kv/secret").json()["value"], "acme-only");
    // Another app of the same tenant shares the namespace.
    assert_eq!(server.get("/acme2/kv/secret").json()["value"], "acme-only");
    // Another tenant cannot read or list it, and its writes stay its own.
    assert_eq!(server.get("/globex/kv/secret").json()["value"], json!(null));
    assert_eq!(server.get("/globex/kv").json(), json!([]));
    assert_eq!(server.send("PUT", "/globex/kv/secret?value=globex", &[], b"").status, 200);
    assert_eq!(server.get("/acme/kv/secret").json()["value"], "acme-only");
    assert_eq!(server.get("/acme/kv?prefix=user:").json(), json!(["user:1"]));
    // Without the grant: a clear error.
    let denied = server.get("/initech/kv-error").json();
    assert_eq!(denied["error"], "denied");
    assert!(denied["reason"].as_str().unwrap().contains("[app.capabilities] kv = true"), "{denied}");
    assert_eq!(server.get("/initech/kv/secret").status, 500);
    // Config is per app.
    assert_eq!(server.get("/acme/config/greeting").json()["value"], "hello");
    assert_eq!(server.get("/globex/config/greeting").json()["value"], json!(null));
}

#[test]
fn kv_data_survives_a_kill_9() {
    let path = manifest("durable", KV);
    let mut server = Server::start(&path);
    assert_eq!(server.send("PUT", "/acme/kv/durable?value=still-here", &[], b"").text(), "stored");
    server.kill();
    let server = Server::start(&path);
    assert_eq!(server.get("/acme/kv/durable").json()["value"], "still-here");
}

#[test]
fn manifest_errors_name_the_file_line_and_key() {
    let path = manifest("bad", &KV.replace("route = \"/acme2\"", "route = \"/acme\""));
    let output = crate::support::fasterapi().arg("serve").arg(&path).output().unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    let expected =
        format!("error: {}:16: app.route: route /acme is already claimed by app 'acme-kv'", path.display());
    assert!(stderr.contains(&expected), "{stderr}");
}

/// A real `redis-server` on a free loopback port, stopped when dropped.
pub struct Redis {
    child: std::process::Child,
    pub port: u16,
}

impl Redis {
    pub fn start() -> Redis {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = std::process::Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("redis-server is not installed: run `make setup` (apt-get install redis-server)");
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "redis-server did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        Redis { child, port }
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn the_redis_backend_shares_state_between_hosts_and_keeps_tenants_apart() {
    let redis = Redis::start();
    let text =
        format!("[server.kv]\nbackend = \"redis\"\nurl = \"redis://127.0.0.1:{}/0\"\n{KV}", redis.port);
    let first = Server::start(&manifest("redis-a", &text));
    let second = Server::start(&manifest("redis-b", &text));
    assert_eq!(first.send("PUT", "/acme/kv/shared?value=from-a", &[], b"").text(), "stored");
    assert_eq!(first.send("PUT", "/acme/kv/glob*[x]?value=odd", &[], b"").status, 200);
    // The second host sees the first host's write.
    assert_eq!(second.get("/acme/kv/shared").json()["value"], "from-a");
    assert_eq!(second.get("/acme/kv").json(), json!(["glob*[x]", "shared"]));
    assert_eq!(second.get("/acme/kv?prefix=glob*").json(), json!(["glob*[x]"]));
    // Tenants stay apart on Redis too.
    assert_eq!(second.get("/globex/kv/shared").json()["value"], json!(null));
    assert_eq!(second.get("/globex/kv").json(), json!([]));
    assert_eq!(second.get("/initech/kv-error").json()["error"], "denied");
}

#[test]
fn python_guests_use_kv_and_config_and_share_the_tenant_namespace() {
    let text = r#"
[[app]]
name = "py-kv"
tenant = "acme"
component = "{python_kv}"
route = "/py"
[app.config]
greeting = "hej"
[app.capabilities]
kv = true

[[app]]
name = "rust-kv"
tenant = "acme"
component = "{tenant}"
route = "/rust"
[app.capabilities]
kv = true

[[app]]
name = "py-denied"
tenant = "initech"
component = "{python_kv}"
route = "/denied"
"#;
    let server = Server::start(&manifest("python-kv", text));
    assert_eq!(server.send("PUT", "/py/kv/colour?value=blue", &[], b"").json(), json!("stored"));
    assert_eq!(server.get("/py/kv/colour").json(), json!({"key": "colour", "value": "blue"}));
    // The Rust app of the same tenant reads what the Python app wrote.
    assert_eq!(server.get("/rust/kv/colour").json()["value"], "blue");
    assert_eq!(server.get("/py/kv?prefix=col").json(), json!(["colour"]));
    assert_eq!(server.send("DELETE", "/py/kv/colour", &[], b"").json(), json!({"deleted": true}));
    assert_eq!(server.get("/rust/kv/colour").json()["value"], json!(null));
    assert_eq!(server.get("/py/config/greeting").json(), json!({"value": "hej", "all": {"greeting": "hej"}}));
    let denied = server.get("/denied/kv-error").json();
    assert_eq!(denied["kind"], "denied", "{denied}");
    assert_eq!(server.get("/denied/config/greeting").json()["value"], json!(null));
}

#[test]
fn the_example_manifest_serves_its_apps() {
    let example = std::fs::read_to_string(crate::support::root().join("examples/fasterapi.toml")).unwrap();
    let text = example
        .replace("../target/components/bench-rust.wasm", "{bench}")
        .replace("../target/components/bench-python.wasm", "{python}")
        .replace("../target/components/hello-rust.wasm", &guest("examples/hello-rust").to_string_lossy())
        .replace("listen = \"127.0.0.1:8080\"", "listen = \"127.0.0.1:0\"");
    let server = Server::start(&manifest("example", &text));
    assert_eq!(server.get("/users/123").text(), r#"{"id":123,"name":"Alice"}"#);
    assert_eq!(server.get("/py/users/123").text(), r#"{"id":123,"name":"Alice"}"#);
    assert_eq!(get_host(&server, "hello.localhost:8080", "/users/5").text(), r#"{"id":5,"name":"Alice"}"#);
    assert_eq!(get_host(&server, "hello.localhost", "/").text(), "Hello from FasterAPI!");
}

#[test]
fn reused_instances_keep_state_and_failures_are_discarded() {
    let text = r#"
[server.limits]
timeout = "1s"

[[app]]
name = "fresh"
tenant = "t"
component = "{tenant}"
route = "/fresh"

[[app]]
name = "warm"
tenant = "t"
component = "{tenant}"
route = "/warm"
instances = "reuse"
"#;
    let server = Server::start(&manifest("reuse", text));
    let mut connection = server.connect();
    for _ in 0..3 {
        assert_eq!(connection.send("GET", "/fresh/counter", &[], b"").text(), "1");
    }
    let counts: Vec<u64> =
        (0..5).map(|_| connection.send("GET", "/warm/counter", &[], b"").text().parse().unwrap()).collect();
    assert!(counts.windows(2).all(|w| w[1] == w[0] + 1), "one warm instance served them in turn: {counts:?}");
    // A trap or a timeout discards the instance; the app keeps serving.
    assert_eq!(connection.send("GET", "/warm/bomb", &[], b"").status, 500);
    assert_eq!(connection.send("GET", "/warm/loop", &[], b"").status, 504);
    assert_eq!(connection.send("GET", "/warm/ok", &[], b"").text(), "ok");
}

#[test]
fn idle_warm_instances_are_released_after_keep_warm() {
    let text = r#"
[[app]]
name = "brief"
tenant = "t"
component = "{tenant}"
instances = "reuse"
limits = { keep_warm = "300ms" }
"#;
    let server = Server::start(&manifest("keep-warm", text));
    let mut connection = server.connect();
    let mut count = || -> u64 { connection.send("GET", "/counter", &[], b"").text().parse().unwrap() };
    assert_eq!((count(), count(), count()), (1, 2, 3), "kept warm while in use");
    std::thread::sleep(Duration::from_millis(1200));
    assert_eq!(count(), 1, "released once idle past keep_warm: a new instance answers");
    assert_eq!(count(), 2);
}
