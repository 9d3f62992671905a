//! The admin API: auth, listing, deploys under load, refusals, removal,
//! persistence across a restart, metrics, and `fasterapi deploy`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde_json::Value;

use crate::reload::{Load, wait_for};
use crate::support::{Connection, HttpResponse, Server, fasterapi, guest, scratch, without_host_label};

pub const TOKEN: &str = "s3cret-admin-token";

pub fn admin(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> HttpResponse {
    let auth = format!("Bearer {TOKEN}");
    let mut all = vec![("authorization", auth.as_str())];
    all.extend_from_slice(headers);
    Connection::open(addr).send(method, path, &all, body)
}

pub fn deploy(addr: SocketAddr, name: &str, component: &Path, app: &str) -> HttpResponse {
    let bytes = std::fs::read(component).unwrap();
    admin(addr, "PUT", &format!("/apps/{name}"), &[("fasterapi-app", app)], &bytes)
}

fn setup(name: &str) -> PathBuf {
    let dir = scratch().join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let manifest = format!(
        "[server.admin]\nlisten = \"127.0.0.1:0\"\n\n[[app]]\nname = \"steady\"\ntenant = \"t1\"\ncomponent = \"{}\"\nroute = \"/steady\"\n",
        guest("examples/bench-rust").display()
    );
    std::fs::write(dir.join("fasterapi.toml"), manifest).unwrap();
    dir.join("fasterapi.toml")
}

fn start(manifest: &Path) -> Server {
    Server::start_env(manifest, &[], &[("FASTERAPI_ADMIN_TOKEN", TOKEN)])
}

#[test]
fn the_admin_api_refuses_a_missing_or_wrong_token() {
    let server = start(&setup("admin-auth"));
    let addr = server.admin_addr();
    let none = Connection::open(addr).send("GET", "/apps", &[], b"");
    assert_eq!(none.status, 401);
    assert_eq!(none.header("www-authenticate"), Some("Bearer"));
    let wrong = Connection::open(addr).send("GET", "/apps", &[("authorization", "Bearer nope")], b"");
    assert_eq!(wrong.status, 401);
    let put = Connection::open(addr).send("PUT", "/apps/x", &[("authorization", "Bearer nope")], b"\0asm");
    assert_eq!(put.status, 401);
    assert_eq!(admin(addr, "GET", "/health", &[], b"").json()["status"], "ok");
    // The probes need no token (a kubelet has none) and tell nothing more.
    let health = Connection::open(addr).send("GET", "/health", &[], b"");
    assert_eq!((health.status, health.json()["status"].as_str()), (200, Some("ok")));
    let ready = Connection::open(addr).send("GET", "/ready", &[], b"");
    assert_eq!((ready.status, ready.json()["status"].as_str()), (200, Some("ready")));
    assert_eq!(ready.json()["apps"], 1);
    assert_eq!(Connection::open(addr).send("POST", "/ready", &[], b"").status, 401);
}

#[test]
fn no_token_means_no_admin_listener() {
    let server = Server::start(&setup("admin-off"));
    assert!(server.wait_for_log("admin API off").contains("FASTERAPI_ADMIN_TOKEN"));
    assert!(!server.log().contains("admin API on"));
}

#[test]
fn deploys_replace_remove_and_persist_under_load() {
    let manifest = setup("admin-deploys");
    let (a, b) = (guest("tests/guests/version-a"), guest("tests/guests/version-b"));
    let server = start(&manifest);
    let addr = server.admin_addr();
    let app = r#"{ tenant = "t2", route = "/swap" }"#;
    assert_eq!(deploy(addr, "swap", &a, app).status, 200);
    wait_for(&server, "/swap/version", "a");

    let steady = Load::start(&server, "/steady/users/1", 2);
    let swapping = Load::start(&server, "/swap/version", 2);
    let mut delays = Vec::new();
    for round in 0..50 {
        let (component, want) = if round % 2 == 0 { (&b, "b") } else { (&a, "a") };
        let started = Instant::now();
        assert_eq!(deploy(addr, "swap", component, app).status, 200);
        delays.push(started.elapsed() + wait_for(&server, "/swap/version", want));
    }
    // A corrupt upload and a component that traps in routes() are refused
    // with a reason, and nothing changes.
    let corrupt = admin(addr, "PUT", "/apps/swap", &[("fasterapi-app", app)], b"\0asm not really");
    assert_eq!(corrupt.status, 400);
    assert!(corrupt.json()["detail"].as_str().unwrap().contains("compile"), "{}", corrupt.text());
    let trapping = deploy(addr, "swap", &guest("tests/guests/routes-trap"), app);
    assert_eq!(trapping.status, 400);
    assert!(trapping.text().contains("trapped while declaring its routes"), "{}", trapping.text());
    let clash = deploy(addr, "other", &a, r#"{ route = "/swap", tenant = "t3" }"#);
    assert_eq!(clash.status, 400);
    let bad_name = deploy(addr, "a.b", &a, r#"{ route = "/x" }"#);
    assert_eq!(bad_name.status, 400);
    assert!(bad_name.text().contains("not an app name"), "{}", bad_name.text());
    assert_eq!(server.get("/swap/version").text(), "a");

    // Remove it: 404 afterwards; then add it back.
    assert_eq!(admin(addr, "DELETE", "/apps/swap", &[], b"").status, 200);
    assert_eq!(server.get("/swap/version").status, 404);
    assert_eq!(admin(addr, "DELETE", "/apps/swap", &[], b"").status, 404);
    assert_eq!(deploy(addr, "swap", &b, app).status, 200);
    wait_for(&server, "/swap/version", "b");

    let steady = steady.finish();
    assert!(steady.iter().all(|(status, _)| *status == 200), "the steady app failed");
    let swapping = swapping.finish();
    let bad: Vec<_> =
        swapping.iter().filter(|(s, t)| !(*s == 200 && (t == "a" || t == "b")) && *s != 404).collect();
    assert!(bad.is_empty(), "{} bad answers, e.g. {:?}", bad.len(), bad.first());
    delays.sort();
    eprintln!("admin deploy to new version: median {:?}", delays[delays.len() / 2]);

    // GET /apps reports both apps; metrics count requests and reloads.
    let apps = admin(addr, "GET", "/apps", &[], b"").json();
    let swap = apps.as_array().unwrap().iter().find(|a| a["name"] == "swap").expect("swap listed").clone();
    assert_eq!((swap["tenant"].as_str(), swap["route"].as_str()), (Some("t2"), Some("/swap")));
    assert_eq!(swap["source"], "deployed");
    assert_eq!(swap["hash"].as_str().unwrap().len(), 64);
    let steady_info = apps.as_array().unwrap().iter().find(|a| a["name"] == "steady").unwrap().clone();
    assert!(steady_info["requests"].as_u64().unwrap() > 10, "{steady_info}");
    let metrics = without_host_label(&admin(addr, "GET", "/metrics", &[], b"").text());
    assert!(metrics.contains(r#"fasterapi_requests_total{app="steady",status="200"}"#), "{metrics}");
    assert!(metrics.contains(r#"fasterapi_reloads_total{app="swap"}"#), "{metrics}");
    assert!(metrics.contains("fasterapi_instantiations_total"), "{metrics}");

    // A restart keeps the deployed app.
    drop(server);
    let server = start(&manifest);
    assert_eq!(server.get("/swap/version").text(), "b");
    let names: Vec<Value> =
        admin(server.admin_addr(), "GET", "/apps", &[], b"").json().as_array().unwrap().clone();
    assert_eq!(names.len(), 2);
}

#[test]
fn fasterapi_deploy_uses_the_admin_api() {
    let server = start(&setup("admin-cli"));
    let url = format!("http://{}", server.admin_addr());
    let output = fasterapi()
        .args(["deploy", "cli-app"])
        .arg(guest("tests/guests/version-b"))
        .args(["--admin", &url, "--app", r#"{ tenant = "t9", route = "/cli" }"#])
        .env("FASTERAPI_ADMIN_TOKEN", TOKEN)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    wait_for(&server, "/cli/version", "b");
    let refused = fasterapi()
        .args(["deploy", "cli-app"])
        .arg(guest("tests/guests/version-b"))
        .args(["--admin", &url])
        .env("FASTERAPI_ADMIN_TOKEN", "wrong")
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("401"));
}

#[test]
fn a_wasi_http_component_is_deployed_with_its_grants_and_listed_by_kind() {
    let manifest = setup("admin-wasi-http");
    let server = start(&manifest);
    let addr = server.admin_addr();
    let wstd = guest("tests/guests/wasi-http-wstd");
    let typed_kind = r#"{ tenant = "t3", route = "/proxy", kind = "typed" }"#;
    let refused = deploy(addr, "proxy", &wstd, typed_kind);
    assert_eq!(refused.status, 400, "{}", refused.text());
    assert!(refused.text().contains("is a wasi-http component"), "{}", refused.text());
    let bad_grant = r#"{ tenant = "t3", route = "/proxy", allowed_outbound_hosts = ["api.example.com"] }"#;
    let refused = deploy(addr, "proxy", &wstd, bad_grant);
    assert_eq!(refused.status, 400, "{}", refused.text());
    let detail = refused.json()["detail"].as_str().unwrap().to_owned();
    assert!(detail.contains(r#"allowed_outbound_hosts entry "api.example.com": no scheme"#), "{detail}");

    let admin_url = format!("http://{addr}");
    let app = format!(r#"{{ tenant = "t3", route = "/proxy", allowed_outbound_hosts = ["{admin_url}"] }}"#);
    assert_eq!(deploy(addr, "proxy", &wstd, &app).status, 200);
    assert_eq!(server.get("/proxy/").text(), "hello from wstd");
    // Granted by literal address and port, the call reaches the admin API
    // (which wants its token, as from anyone).
    let granted = server.get(&format!("/proxy/fetch?url={admin_url}/apps"));
    assert_eq!(granted.status, 401, "{}", granted.text());

    let apps = admin(addr, "GET", "/apps", &[], b"").json();
    let kinds: Vec<(String, String)> = apps
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["name"].as_str().unwrap().to_owned(), a["kind"].as_str().unwrap().to_owned()))
        .collect();
    assert!(kinds.contains(&("proxy".into(), "wasi-http".into())), "{kinds:?}");
    assert!(kinds.contains(&("steady".into(), "typed".into())), "{kinds:?}");
    assert_eq!(server.get("/proxy/openapi.json").status, 404, "no OpenAPI document for a wasi:http app");
}
