//! A hostile tenant, or an anonymous client, against the host: each attack
//! must cost only its own requests while a bystander tenant keeps getting
//! every answer (issue 12's findings, one test each).

use std::time::{Duration, Instant};

use crate::admin::{TOKEN, admin, deploy};
use crate::support::{Connection, Server, fasterapi, guest, request_bytes, scratch};
use crate::tenants::{Bystander, KV, Redis, get_host, manifest, rss_mib};

/// A bystander at `/acme` (max_concurrency 2, for the slot attacks) and a
/// hostile tenant at host `globex.test`, with short timeouts.
const TWO_TENANTS: &str = r#"
[server]
body_read_timeout = "1s"
max_header_size = "16KiB"

[server.admin]
listen = "127.0.0.1:0"

[server.limits]
timeout = "1s"
memory = "64MiB"

[[app]]
name = "users"
tenant = "acme"
component = "{bench}"
route = "/acme"

[app.limits]
max_concurrency = 2

[[app]]
name = "hostile"
tenant = "globex"
component = "{tenant}"
host = "globex.test"
"#;

fn start(name: &str) -> Server {
    Server::start_env(&manifest(name, TWO_TENANTS), &[], &[("FASTERAPI_ADMIN_TOKEN", TOKEN)])
}

#[test]
fn a_guest_waiting_in_a_host_call_is_stopped_at_its_timeout() {
    let server = start("hostile-sleep");
    let bystander = Bystander::start(&server);
    // Sleeping is a host call (wasi:io/poll): no epoch tick reaches it.
    let started = Instant::now();
    let sleeping = get_host(&server, "globex.test", "/sleep?ms=8000");
    let took = started.elapsed();
    assert_eq!((sleeping.status, sleeping.text()), (504, r#"{"detail":"Gateway Timeout"}"#.to_owned()));
    assert!(took < Duration::from_secs(3), "504 after {took:?} with a 1 s timeout");
    assert_eq!(get_host(&server, "globex.test", "/ok").text(), "ok");
    bystander.finish();
}

#[test]
fn slow_bodies_get_408_and_hold_no_slot() {
    let server = start("hostile-slow-body");
    // Four clients promise 100 bytes and send one, against max_concurrency = 2.
    let mut slow: Vec<Connection> = (0..4)
        .map(|_| {
            let mut connection = server.connect();
            let head = "POST /acme/items HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{";
            connection.write_raw(head.as_bytes());
            connection
        })
        .collect();
    std::thread::sleep(Duration::from_millis(200));
    let ready = server.get("/acme/users/3");
    assert_eq!((ready.status, ready.text()), (200, r#"{"id":3,"name":"Alice"}"#.to_owned()));
    let started = Instant::now();
    for connection in &mut slow {
        let answer = connection.read_response();
        assert_eq!(answer.status, 408);
        assert_eq!(answer.header("connection"), Some("close"));
    }
    assert!(started.elapsed() < Duration::from_secs(3), "408 after {:?}", started.elapsed());
}

#[test]
fn a_head_over_max_header_size_is_431_even_in_one_write() {
    let server = start("hostile-head");
    let big = "a".repeat(40 << 10);
    let mut connection = server.connect();
    connection.write_raw(&request_bytes("GET", "/acme/users/1", &[("x-big", &big)], b""));
    let answer = connection.read_response();
    assert_eq!(answer.status, 431);
    assert_eq!(server.get("/acme/users/1").status, 200);
}

#[test]
fn answers_http_cannot_carry_are_500_without_harm() {
    let server = start("hostile-answers");
    let bystander = Bystander::start(&server);
    let many = get_host(&server, "globex.test", "/headers?n=30000");
    assert_eq!(many.status, 500);
    assert!(server.wait_for_log("headers are over the limit").contains("hostile"));
    for code in [101, 103, 600] {
        let odd = get_host(&server, "globex.test", &format!("/status?code={code}"));
        assert_eq!(odd.status, 500, "status {code}");
    }
    assert!(server.wait_for_log("not a final HTTP status").contains("status 101"));
    let fine = get_host(&server, "globex.test", "/headers?n=3");
    assert_eq!((fine.status, fine.header("x-h2")), (200, Some("v")));
    bystander.finish();
}

#[test]
fn a_body_of_200k_wrong_items_is_a_422_within_the_guests_memory() {
    let server = start("hostile-422");
    let bystander = Bystander::start(&server);
    let body = format!("[{}1]", "1,".repeat(199_999));
    let headers = [("host", "globex.test"), ("content-type", "application/json")];
    let answer = server.send("POST", "/tags", &headers, body.as_bytes());
    assert_eq!(answer.status, 422, "{}", answer.text());
    let detail = answer.json()["detail"].as_array().cloned().unwrap_or_default();
    assert_eq!(detail.len(), 10_000, "the 422 lists the first 10,000 errors");
    assert_eq!(detail[9_999]["loc"], serde_json::json!(["body", 9_999]));
    assert_eq!(detail[0]["type"], "string_type");
    let fine = server.send("POST", "/tags", &headers, br#"["a","b"]"#);
    assert_eq!((fine.status, fine.text()), (200, "2".to_owned()));
    bystander.finish();
}

#[test]
fn the_sandbox_exposes_no_environment_files_or_sockets() {
    let server = start("hostile-sandbox");
    // The host's own environment holds the admin token: the guest sees none of it.
    let seen = get_host(&server, "globex.test", &format!("/sandbox?port={}", server.addr.port())).json();
    assert_eq!((seen["env"].as_u64(), seen["args"].as_u64()), (Some(0), Some(0)), "{seen}");
    assert_eq!((seen["root"].as_bool(), seen["cwd"].as_bool()), (Some(false), Some(false)), "{seen}");
    assert!(seen["tcp"].as_str().is_some_and(|e| e.contains("denied")), "connected to the host: {seen}");
    assert_eq!(seen["time"], true, "clocks are part of the sandbox");
}

#[test]
fn a_component_whose_routes_block_is_refused_and_the_registry_stays_responsive() {
    let server = start("hostile-routes-hang");
    let addr = server.admin_addr();
    let hanging = guest("tests/guests/routes-hang");
    let deploying = std::thread::spawn(move || {
        let started = Instant::now();
        let answer = deploy(addr, "hang", &hanging, r#"{ tenant = "t", route = "/hang" }"#);
        (answer, started.elapsed())
    });
    std::thread::sleep(Duration::from_millis(300));
    let started = Instant::now();
    assert_eq!(admin(addr, "GET", "/health", &[], b"").json()["status"], "ok");
    assert_eq!(admin(addr, "GET", "/apps", &[], b"").json().as_array().map(Vec::len), Some(2));
    assert!(started.elapsed() < Duration::from_secs(1), "health took {:?}", started.elapsed());
    let (answer, took) = deploying.join().unwrap();
    assert_eq!(answer.status, 400, "{}", answer.text());
    assert!(answer.text().contains("did not declare its routes and info within"), "{}", answer.text());
    // The smaller of the app's timeout (1 s) and the load deadline.
    assert!(took < Duration::from_secs(5), "refused after {took:?}");
    assert_eq!(server.get("/acme/users/1").status, 200);
}

#[test]
fn concurrent_deploys_never_brick_the_data_dir() {
    let path = manifest("hostile-deploy-storm", TWO_TENANTS);
    let mut server = Server::start_env(&path, &[], &[("FASTERAPI_ADMIN_TOKEN", TOKEN)]);
    let addr = server.admin_addr();
    let component = guest("examples/bench-rust");
    let storm: Vec<_> = (0..20)
        .map(|i| {
            let component = component.clone();
            std::thread::spawn(move || {
                // Even clients all claim /same; odd ones a route of their own.
                let route = if i % 2 == 0 { "/same".to_owned() } else { format!("/own{i}") };
                let entry = format!(
                    r#"{{ tenant = "t{i}", route = "{route}", limits = {{ max_concurrency = 8 }} }}"#
                );
                (i, deploy(addr, &format!("storm{i}"), &component, &entry).status)
            })
        })
        .collect();
    let results: Vec<(usize, u16)> = storm.into_iter().map(|t| t.join().unwrap()).collect();
    let same_ok = results.iter().filter(|(i, status)| i % 2 == 0 && *status == 200).count();
    let own_ok = results.iter().filter(|(i, status)| i % 2 == 1 && *status == 200).count();
    assert_eq!(same_ok, 1, "{results:?}");
    assert_eq!(own_ok, 10, "{results:?}");
    assert!(results.iter().all(|(_, status)| [200, 400].contains(status)), "{results:?}");
    let listed = admin(addr, "GET", "/apps", &[], b"").json();
    assert_eq!(listed.as_array().map(Vec::len), Some(13), "{listed}");
    // A later deploy and removal still work, and so does a restart.
    assert_eq!(deploy(addr, "late", &component, r#"{ route = "/late" }"#).status, 200);
    assert_eq!(admin(addr, "DELETE", "/apps/late", &[], b"").status, 200);
    server.kill();
    let server = Server::start_env(&path, &[], &[("FASTERAPI_ADMIN_TOKEN", TOKEN)]);
    assert_eq!(server.get("/same/users/1").status, 200);
    assert_eq!(server.get("/own1/users/1").status, 200);
    assert_eq!(
        admin(server.admin_addr(), "GET", "/apps", &[], b"").json().as_array().map(Vec::len),
        Some(13)
    );
}

#[test]
fn limits_out_of_range_are_located_errors_not_panics() {
    let path =
        manifest("hostile-limits", &TWO_TENANTS.replace("timeout = \"1s\"", "timeout = \"500000000000y\""));
    let output = fasterapi().arg("serve").arg(&path).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("server.limits.timeout") && stderr.contains("maximum"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");

    let root_twice =
        TWO_TENANTS.replace("route = \"/acme\"", "route = \"/\"").replace("host = \"globex.test\"", "");
    let output = fasterapi().arg("serve").arg(manifest("hostile-root", &root_twice)).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("the root route is already claimed"), "{stderr}");

    let server = start("hostile-limits-deploy");
    let entry = r#"{ route = "/x", limits = { timeout = "500000000000y" } }"#;
    let refused = deploy(server.admin_addr(), "x", &guest("examples/bench-rust"), entry);
    assert_eq!(refused.status, 400);
    assert!(refused.text().contains("maximum"), "{}", refused.text());
    assert_eq!(server.get("/acme/users/1").status, 200);
}

#[test]
fn the_admin_api_wants_a_long_token_beyond_loopback_and_any_case_of_bearer() {
    let exposed = TWO_TENANTS.replace("listen = \"127.0.0.1:0\"", "listen = \"0.0.0.0:0\"");
    let output = fasterapi()
        .arg("serve")
        .arg(manifest("hostile-admin-exposed", &exposed))
        .args(["--listen", "127.0.0.1:0"])
        .env("FASTERAPI_ADMIN_TOKEN", "short")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("beyond loopback") && stderr.contains("at least 32 bytes"), "{stderr}");

    let server = start("hostile-admin-bearer");
    let addr = server.admin_addr();
    let lower = format!("bearer {TOKEN}");
    let answer = Connection::open(addr).send("GET", "/apps", &[("authorization", &lower)], b"");
    assert_eq!(answer.status, 200);
}

#[test]
fn no_tenant_can_take_another_tenants_instances() {
    let sized = TWO_TENANTS
        .replace("[server]\n", "[server]\nmax_instances = 40\n")
        .replace("host = \"globex.test\"\n", "host = \"globex.test\"\n\n[app.limits]\nmax_concurrency = 8\n");
    let server =
        Server::start_env(&manifest("hostile-pool", &sized), &[], &[("FASTERAPI_ADMIN_TOKEN", TOKEN)]);
    // 2 + 8 apps' slots, 8 for a version being replaced, 16 for loading: 34 of 40.
    let entry = r#"{ route = "/more", limits = { max_concurrency = 8 } }"#;
    let refused = deploy(server.admin_addr(), "more", &guest("examples/bench-rust"), entry);
    assert_eq!(refused.status, 400);
    assert!(refused.text().contains("needs 42 instances and the host has 40"), "{}", refused.text());
    // The hostile tenant holds every instance it may, waiting; the bystander
    // does not notice.
    let bystander = Bystander::start(&server);
    let addr = server.addr;
    let flood: Vec<_> = (0..24)
        .map(|_| {
            std::thread::spawn(move || {
                Connection::open(addr).send("GET", "/sleep?ms=5000", &[("host", "globex.test")], b"").status
            })
        })
        .collect();
    let statuses: Vec<u16> = flood.into_iter().map(|t| t.join().unwrap()).collect();
    assert!(statuses.iter().all(|s| [503, 504].contains(s)), "{statuses:?}");
    assert!(statuses.iter().filter(|s| **s == 504).count() <= 8, "{statuses:?}");
    bystander.finish();
}

#[test]
fn guest_logs_cannot_forge_host_lines_or_flood_the_log() {
    let server = start("hostile-logs");
    assert_eq!(get_host(&server, "globex.test", "/log-forge").text(), "logged");
    let log = server.wait_for_log("FORGED admin token");
    let forged: Vec<&str> = log.lines().filter(|line| line.contains("FORGED")).collect();
    assert_eq!(forged.len(), 1, "{forged:?}");
    let line = forged[0];
    assert!(line.contains("app=hostile") && line.contains(r"hello\n2026"), "{line}");
    assert!(line.contains(r#"key_FORGED-KEY="value\nFORGED-VALUE""#), "{line}");
    assert!(!log.contains('\u{1b}') && !log.contains('\u{7}'), "raw control bytes reached the log");

    let before = server.log().len();
    assert_eq!(get_host(&server, "globex.test", "/log-flood?lines=20000").text(), "flooded");
    let grown = server.wait_for_log("the rest is dropped").len() - before;
    assert!(grown < 200 << 10, "20 MB of guest log grew the host log by {grown} bytes");
}

#[test]
fn wasi_handles_are_bounded_by_the_apps_memory() {
    let server = start("hostile-handles");
    let bystander = Bystander::start(&server);
    let rss_before = rss_mib(&server);
    // 64 MiB of memory allows 16,384 handles.
    assert_eq!(get_host(&server, "globex.test", "/pollables?n=1000").text(), "kept 1000");
    let statuses: Vec<u16> =
        (0..10).map(|_| get_host(&server, "globex.test", "/pollables?n=100000").status).collect();
    assert!(statuses.iter().all(|s| *s == 500), "{statuses:?}");
    assert!(rss_mib(&server) < rss_before + 100, "host RSS {} MiB, was {rss_before} MiB", rss_mib(&server));
    bystander.finish();
}

/// Fills the `acme` tenant's kv up to its quota (1 KiB, 3 keys) through
/// both of its apps; `globex` keeps its own quota.
fn check_kv_quota(server: &Server) {
    let put = |path: &str| server.send("PUT", path, &[], b"");
    assert_eq!(put("/acme/kv/a?value=1").status, 200);
    assert_eq!(put("/acme2/kv/b?value=2").status, 200);
    let big = "x".repeat(1100);
    let over = put(&format!("/acme/kv/c?value={big}"));
    assert_ne!(over.status, 200);
    assert!(over.text().contains("kv quota") || server.log().contains("kv quota"), "{}", over.text());
    assert_eq!(put("/acme/kv/c?value=3").status, 200);
    let fourth = put("/acme2/kv/d?value=4");
    assert_ne!(fourth.status, 200, "a fourth key over kv_keys = 3");
    // Deleting makes room; overwriting a key costs only the difference.
    assert_eq!(put("/acme/kv/a?value=11").status, 200);
    assert_eq!(put("/globex/kv/a?value=1").status, 200);
    assert_eq!(server.get("/acme/kv").json(), serde_json::json!(["a", "b", "c"]));
}

#[test]
fn kv_quotas_hold_per_tenant_on_both_backends() {
    let limits = "[server.limits]\nkv_bytes = \"1KiB\"\nkv_keys = 3\n";
    let server = Server::start(&manifest("hostile-kv-redb", &format!("{limits}{KV}")));
    check_kv_quota(&server);
    let redis = Redis::start();
    let text = format!(
        "[server.kv]\nbackend = \"redis\"\nurl = \"redis://127.0.0.1:{}/0\"\n{limits}{KV}",
        redis.port
    );
    let server = Server::start(&manifest("hostile-kv-redis", &text));
    check_kv_quota(&server);
}

#[test]
fn the_host_that_picks_the_tenant_is_unambiguous() {
    let server = start("hostile-host-headers");
    let mut twice = server.connect();
    twice.write_raw(b"GET /ok HTTP/1.1\r\nhost: globex.test\r\nhost: other.test\r\n\r\n");
    assert_eq!(twice.read_response().status, 400);
    let mut absolute = server.connect();
    absolute.write_raw(b"GET http://globex.test/ok HTTP/1.1\r\nhost: other.test\r\n\r\n");
    assert_eq!(absolute.read_response().status, 400);
    let mut agreeing = server.connect();
    agreeing.write_raw(b"GET http://globex.test/ok HTTP/1.1\r\nhost: globex.test\r\n\r\n");
    assert_eq!(agreeing.read_response().text(), "ok");
    // An app that must not share a browser origin cannot be mounted by prefix.
    let shared_origin = TWO_TENANTS.replace("route = \"/acme\"", "route = \"/acme\"\nisolate_origin = true");
    let output = fasterapi().arg("serve").arg(manifest("hostile-origin", &shared_origin)).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("app.isolate_origin") && stderr.contains("needs a `host`"), "{stderr}");
}

#[test]
fn an_oversized_upload_is_413_and_streamed_not_buffered() {
    let server = start("hostile-upload");
    let rss_before = rss_mib(&server);
    let mut upload = Connection::open(server.admin_addr());
    let head = format!(
        "PUT /apps/big HTTP/1.1\r\nhost: x\r\nauthorization: Bearer {TOKEN}\r\ntransfer-encoding: chunked\r\n\r\n"
    );
    upload.write_raw(head.as_bytes());
    let chunk = [b"100000\r\n".as_slice(), &vec![0u8; 1 << 20], b"\r\n"].concat();
    let mut peak = rss_before;
    for i in 0..300 {
        if std::io::Write::write_all(upload.stream(), &chunk).is_err() {
            break; // answered and closed early
        }
        if i % 32 == 0 {
            peak = peak.max(rss_mib(&server));
        }
    }
    let _ = std::io::Write::write_all(upload.stream(), b"0\r\n\r\n");
    assert_eq!(upload.read_response().status, 413);
    assert!(peak < rss_before + 128, "host RSS peaked at {peak} MiB (was {rss_before} MiB)");
    let uploads = scratch().join("manifests/hostile-upload/.fasterapi/deployed/.uploads");
    let left = std::fs::read_dir(&uploads).map(|d| d.count()).unwrap_or(0);
    assert_eq!(left, 0, "a refused upload left files in {}", uploads.display());
}

#[test]
fn malformed_requests_get_a_400_before_the_close() {
    let server = start("hostile-malformed");
    for raw in [
        b"GARBAGE\r\n\r\n".as_slice(),
        b"GET /acme/users/1 HTTP/9.9\r\nhost: x\r\n\r\n",
        b"GET /acme/users/1 HTTP/1.1\r\nbad header line\r\n\r\n",
    ] {
        let mut connection = server.connect();
        connection.write_raw(raw);
        let answer = connection.read_response();
        assert_eq!(answer.status, 400, "{}", String::from_utf8_lossy(raw));
        assert_eq!(answer.header("connection"), Some("close"));
    }
    assert_eq!(server.get("/acme/users/1").status, 200);
}
