//! A fleet on loopback: one registry, one Redis, three hosts sharing one
//! manifest directory laid out as Kubernetes mounts a ConfigMap, and a
//! client spreading requests round-robin over them. A new version pushed
//! and pinned by the kubelet's `..data` swap reaches every host without a
//! failed request; kv written through one host reads through the others; a
//! host stopped by SIGTERM mid-load finishes what it accepted.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::admin::TOKEN;
use crate::oci::{OciRegistry, push};
use crate::support::{Connection, Server, guest, scratch};
use crate::tenants::Redis;

/// What one request to the fleet came to.
#[derive(Debug, Clone, PartialEq)]
enum Outcome {
    /// The host answered (acknowledged): its status and body.
    Answered(u16, String),
    /// No answer began (refused, or closed before a byte): safe to retry.
    NotTaken,
}

/// One request on a fresh connection, closed after the answer.
fn request(addr: SocketAddr, path: &str) -> Outcome {
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_secs(2)) else {
        return Outcome::NotTaken;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(20)));
    let head = format!("GET {path} HTTP/1.1\r\nhost: fleet\r\nconnection: close\r\n\r\n");
    if stream.write_all(head.as_bytes()).is_err() {
        return Outcome::NotTaken;
    }
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let text = String::from_utf8_lossy(&answer);
    let Some(status) = text.get(9..12).and_then(|s| s.parse().ok()) else {
        return Outcome::NotTaken;
    };
    let body = text.split_once("\r\n\r\n").map(|(_, body)| body.to_owned()).unwrap_or_default();
    Outcome::Answered(status, body)
}

/// A client sending `path` round-robin over `hosts`, moving to the next
/// host when one does not take a request, until stopped.
struct RoundRobin {
    stop: Arc<AtomicBool>,
    answers: Arc<Mutex<Vec<u16>>>,
    retried: Arc<Mutex<u64>>,
    thread: std::thread::JoinHandle<()>,
}

impl RoundRobin {
    fn start(hosts: Vec<SocketAddr>, path: &'static str) -> RoundRobin {
        let stop = Arc::new(AtomicBool::new(false));
        let answers: Arc<Mutex<Vec<u16>>> = Arc::default();
        let retried: Arc<Mutex<u64>> = Arc::default();
        let (s, a, r) = (Arc::clone(&stop), Arc::clone(&answers), Arc::clone(&retried));
        let thread = std::thread::spawn(move || {
            let mut next = 0usize;
            while !s.load(Ordering::Relaxed) {
                loop {
                    next += 1;
                    match request(hosts[next % hosts.len()], path) {
                        Outcome::Answered(status, _) => {
                            a.lock().unwrap().push(status);
                            break;
                        }
                        Outcome::NotTaken => *r.lock().unwrap() += 1,
                    }
                }
            }
        });
        RoundRobin { stop, answers, retried, thread }
    }

    /// Stops; every status answered, and how many requests were not taken.
    fn finish(self) -> (Vec<u16>, u64) {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.join().unwrap();
        let answers = self.answers.lock().unwrap().clone();
        let retried = *self.retried.lock().unwrap();
        (answers, retried)
    }
}

/// A ConfigMap volume as the kubelet lays it out: the file is a link
/// through `..data`, a link to a timestamped directory.
struct ConfigMapDir {
    dir: PathBuf,
    version: usize,
}

impl ConfigMapDir {
    fn new(dir: PathBuf, manifest: &str) -> ConfigMapDir {
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let mut config = ConfigMapDir { dir, version: 0 };
        config.update(manifest);
        symlink("..data/fasterapi.toml", config.dir.join("fasterapi.toml")).unwrap();
        config
    }

    /// The kubelet's atomic update: a new directory, a new link beside
    /// `..data`, renamed over it, then the old directory removed.
    fn update(&mut self, manifest: &str) {
        self.version += 1;
        let name = format!("..2026_11_30_00_00_0{}.000000001", self.version);
        std::fs::create_dir(self.dir.join(&name)).unwrap();
        std::fs::write(self.dir.join(&name).join("fasterapi.toml"), manifest).unwrap();
        let tmp = self.dir.join("..data_tmp");
        symlink(&name, &tmp).unwrap();
        std::fs::rename(&tmp, self.dir.join("..data")).unwrap();
        if self.version > 1 {
            let old = format!("..2026_11_30_00_00_0{}.000000001", self.version - 1);
            std::fs::remove_dir_all(self.dir.join(old)).unwrap();
        }
    }

    fn manifest(&self) -> PathBuf {
        self.dir.join("fasterapi.toml")
    }
}

fn manifest(redis: &Redis, web: &str, tenant: &Path, data: &Path) -> String {
    format!(
        "[server]\ndata_dir = \"{}\"\n\n[server.admin]\nlisten = \"127.0.0.1:0\"\n\n[server.kv]\nbackend = \"redis\"\nurl = \"redis://127.0.0.1:{}/0\"\n\n\
         [[app]]\nname = \"web\"\ntenant = \"acme\"\nroute = \"/web\"\ncomponent = \"{web}\"\n\n\
         [[app]]\nname = \"store\"\ntenant = \"acme\"\nroute = \"/store\"\ncomponent = \"{}\"\n[app.capabilities]\nkv = true\n",
        data.display(),
        redis.port,
        tenant.display()
    )
}

#[test]
fn a_fleet_rolls_out_a_new_version_shares_kv_and_drains_on_sigterm() {
    let registry = OciRegistry::start("fleet-registry", None);
    let redis = Redis::start();
    let v1 = push(&guest("examples/hello-rust"), &registry.reference("fleet/web:1"), &[]).unwrap();
    let v2 = push(&guest("examples/bench-rust"), &registry.reference("fleet/web:2"), &[]).unwrap();
    let (tenant, data) = (guest("tests/guests/tenant"), scratch().join("fleet-data"));
    let web = |digest: &str| registry.reference(&format!("fleet/web@{digest}"));
    let mut config =
        ConfigMapDir::new(scratch().join("fleet-config"), &manifest(&redis, &web(&v1), &tenant, &data));
    let mut hosts: Vec<Server> = (0..3)
        .map(|_| Server::start_env(&config.manifest(), &[], &[("FASTERAPI_ADMIN_TOKEN", TOKEN)]))
        .collect();
    let addrs: Vec<SocketAddr> = hosts.iter().map(|host| host.addr).collect();
    for host in &hosts {
        assert_eq!(host.get("/web/").text(), "Hello from FasterAPI!");
    }

    // A rollout: the manifest pins v2, swapped in as the kubelet does.
    let load = RoundRobin::start(addrs.clone(), "/web/users/5");
    std::thread::sleep(Duration::from_millis(300));
    let swapped = Instant::now();
    config.update(&manifest(&redis, &web(&v2), &tenant, &data));
    for host in &hosts {
        while host.get("/web/plaintext").status != 200 {
            assert!(swapped.elapsed() < Duration::from_secs(10), "not rolled out:\n{}", host.log());
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    let rolled_out = swapped.elapsed();
    assert!(rolled_out < Duration::from_secs(2), "every host serves v2 after {rolled_out:?}");
    std::thread::sleep(Duration::from_millis(300));

    // Shared state: written through one host, read through the others.
    assert_eq!(hosts[0].send("PUT", "/store/kv/greeting?value=hi", &[], b"").text(), "stored");
    for host in &hosts[1..] {
        assert_eq!(host.get("/store/kv/greeting").json()["value"], "hi");
    }

    // One host is stopped mid-load: what it accepted, it finishes.
    let leaving = hosts[2].addr;
    let in_flight = std::thread::spawn(move || request(leaving, "/store/sleep?ms=1500"));
    std::thread::sleep(Duration::from_millis(400));
    let admin = hosts[2].admin_addr();
    hosts[2].terminate();
    std::thread::sleep(Duration::from_millis(200));
    let ready = Connection::open(admin).send("GET", "/ready", &[], b"");
    assert_eq!((ready.status, ready.json()["status"].as_str()), (503, Some("draining")));
    assert_eq!(in_flight.join().unwrap(), Outcome::Answered(200, "slept 1500 ms".to_owned()));
    let status = hosts[2].wait(Duration::from_secs(15)).expect("the host exits after draining");
    assert!(status.success(), "{status:?}");
    std::thread::sleep(Duration::from_millis(300));

    let (answers, retried) = load.finish();
    let failed = answers.iter().filter(|status| **status != 200).count();
    assert!(answers.len() > 100, "{} requests answered", answers.len());
    assert_eq!(failed, 0, "{failed} of {} answered requests failed", answers.len());
    eprintln!(
        "fleet: {} requests answered, none failed; {retried} not taken by the stopped host and sent to another; rolled out in {rolled_out:?}",
        answers.len()
    );
    hosts.truncate(2);
}

/// A one-shot upstream that answers with the `traceparent` it was sent.
fn trace_echo() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().map_while(Result::ok) {
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).is_ok_and(|n| n == 1) {
                head.push(byte[0]);
            }
            let head = String::from_utf8_lossy(&head).to_ascii_lowercase();
            let seen = head.lines().find_map(|line| line.strip_prefix("traceparent: ")).unwrap_or("none");
            let answer = format!(
                "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{seen}",
                seen.len()
            );
            let _ = stream.write_all(answer.as_bytes());
        }
    });
    addr
}

#[test]
fn every_log_line_and_metric_names_its_host_and_a_request_keeps_its_trace() {
    let upstream = trace_echo();
    let dir = scratch().join("fleet-observability");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("fasterapi.toml");
    let text = format!(
        "[server.admin]\nlisten = \"127.0.0.1:0\"\n\n[[app]]\nname = \"traced\"\ntenant = \"t\"\ncomponent = \"{}\"\nallowed_outbound_hosts = [\"http://{upstream}\"]\n",
        guest("tests/guests/tenant").display()
    );
    std::fs::write(&path, text).unwrap();
    let args = ["--log-format", "json", "--host-id", "node-7"];
    let server = Server::start_env(&path, &args, &[("FASTERAPI_ADMIN_TOKEN", TOKEN)]);
    let traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    // Forwarded on the guest's outbound call, and on the request's log lines.
    let fetched =
        server.send("GET", &format!("/fetch?url=http://{upstream}/"), &[("traceparent", traceparent)], b"");
    assert_eq!(fetched.json()["body"], traceparent, "{}", fetched.text());
    let untraced = server.get(&format!("/fetch?url=http://{upstream}/"));
    assert_eq!(untraced.json()["body"], "none", "no context, none invented");
    let forged = server.send("GET", "/log-forge", &[("traceparent", "00-zz-forged")], b"");
    assert_eq!(forged.status, 200);
    server.send("GET", "/log-forge", &[("traceparent", traceparent)], b"");
    let log = server.wait_for_log(&format!("\"traceparent\":\"{traceparent}\""));
    let lines: Vec<serde_json::Value> = log
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|_| panic!("not JSON: {line}")))
        .collect();
    assert!(lines.iter().all(|line| line["host"] == "node-7"), "{log}");
    let guest_lines: Vec<&serde_json::Value> =
        lines.iter().filter(|line| line["target"] == "guest").collect();
    assert_eq!(guest_lines.len(), 2, "{log}");
    assert_eq!(guest_lines[0]["span"], serde_json::Value::Null, "an invalid traceparent is not logged");
    assert_eq!(guest_lines[1]["span"]["traceparent"], traceparent);

    let metrics = crate::admin::admin(server.admin_addr(), "GET", "/metrics", &[], b"").text();
    let series: Vec<&str> =
        metrics.lines().filter(|line| !line.starts_with('#') && !line.is_empty()).collect();
    assert!(!series.is_empty() && series.iter().all(|line| line.contains("host=\"node-7\"")), "{metrics}");
}

#[test]
fn the_kubernetes_configmap_holds_a_valid_manifest() {
    let configmap =
        std::fs::read_to_string(crate::support::root().join("deploy/kubernetes/configmap.yaml")).unwrap();
    let (_, block) = configmap.split_once("fasterapi.toml: |\n").expect("a fasterapi.toml key");
    let text: String = block
        .lines()
        .take_while(|line| line.is_empty() || line.starts_with("    "))
        .map(|line| format!("{}\n", line.strip_prefix("    ").unwrap_or(line)))
        .collect();
    let path = scratch().join("configmap-fasterapi.toml");
    std::fs::write(&path, &text).unwrap();
    let manifest =
        fasterapi_host::config::manifest::load(&path).unwrap_or_else(|err| panic!("{err}\n{text}"));
    assert_eq!(manifest.server.listen.to_string(), "0.0.0.0:8080");
    assert!(manifest.apps.iter().all(|app| app.image.is_some()), "its apps come from a registry");
}
