//! Hot reload: replacing, adding and removing apps while requests run,
//! without a restart and without a failed request.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::support::{Connection, Server, guest, scratch};

/// Replaces `target` with `source` the way build tools do: write a
/// temporary file, then rename it over the target.
fn replace_file(source: &Path, target: &Path) {
    let tmp = target.with_extension("tmp");
    std::fs::copy(source, &tmp).unwrap();
    std::fs::rename(&tmp, target).unwrap();
}

/// Polls `path` until it answers `want`; returns how long that took.
pub fn wait_for(server: &Server, path: &str, want: &str) -> Duration {
    wait_within(server, path, want, Duration::from_secs(10))
}

/// As [`wait_for`], with room for a first compile of the component while
/// the rest of the suite keeps both cores busy.
fn wait_for_first(server: &Server, path: &str, want: &str) -> Duration {
    wait_within(server, path, want, Duration::from_secs(90))
}

fn wait_within(server: &Server, path: &str, want: &str, limit: Duration) -> Duration {
    let started = Instant::now();
    loop {
        let response = server.get(path);
        if response.status == 200 && response.text() == want {
            return started.elapsed();
        }
        assert!(started.elapsed() < limit, "{path} never answered {want:?} within {limit:?}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Clients that hammer a path and record every answer.
pub struct Load {
    stop: Arc<AtomicBool>,
    answers: Arc<Mutex<Vec<(u16, String)>>>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl Load {
    pub fn start(server: &Server, path: &'static str, clients: usize) -> Load {
        let stop = Arc::new(AtomicBool::new(false));
        let answers = Arc::new(Mutex::new(Vec::new()));
        let threads = (0..clients)
            .map(|_| {
                let (stop, answers, addr) = (stop.clone(), answers.clone(), server.addr);
                std::thread::spawn(move || {
                    let mut connection = Connection::open(addr);
                    while !stop.load(Ordering::Relaxed) {
                        let response = connection.send("GET", path, &[], b"");
                        answers.lock().unwrap().push((response.status, response.text()));
                    }
                })
            })
            .collect();
        Load { stop, answers, threads }
    }

    pub fn finish(self) -> Vec<(u16, String)> {
        self.stop.store(true, Ordering::Relaxed);
        for thread in self.threads {
            thread.join().expect("a client failed (a dropped connection?)");
        }
        Arc::try_unwrap(self.answers).unwrap().into_inner().unwrap()
    }
}

#[test]
fn replacing_a_component_50_times_under_load_drops_nothing() {
    let (a, b) = (guest("tests/guests/version-a"), guest("tests/guests/version-b"));
    let dir = scratch().join("reload");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let swapped = dir.join("swapped.wasm");
    std::fs::copy(&a, &swapped).unwrap();
    let manifest = format!(
        "[[app]]\nname = \"swapped\"\ntenant = \"t1\"\ncomponent = \"swapped.wasm\"\nroute = \"/swap\"\n\n\
         [[app]]\nname = \"steady\"\ntenant = \"t2\"\ncomponent = \"{}\"\nroute = \"/steady\"\n",
        guest("examples/bench-rust").display()
    );
    std::fs::write(dir.join("fasterapi.toml"), manifest).unwrap();
    let server = Server::start(&dir.join("fasterapi.toml"));
    wait_for_first(&server, "/swap/version", "a");
    // Compile each version once before measuring: what is measured is the
    // reload itself, not Cranelift racing the other tests for the CPU.
    replace_file(&b, &swapped);
    wait_for_first(&server, "/swap/version", "b");
    replace_file(&a, &swapped);
    wait_for(&server, "/swap/version", "a");

    let steady = Load::start(&server, "/steady/users/1", 2);
    let swapping = Load::start(&server, "/swap/version", 3);
    let mut delays = Vec::new();
    for round in 0..50 {
        let (component, want) = if round % 2 == 0 { (&b, "b") } else { (&a, "a") };
        replace_file(component, &swapped);
        delays.push(wait_for(&server, "/swap/version", want));
    }
    // A corrupt file and a component that traps in routes() are refused;
    // the last good version ("a") keeps answering.
    std::fs::write(&swapped, b"\0asm garbage").unwrap();
    assert!(server.wait_for_log("new version rejected").contains("new version rejected"));
    replace_file(&guest("tests/guests/routes-trap"), &swapped);
    assert!(server.wait_for_log("trapped while declaring its routes").contains("routes() traps on purpose"));
    assert_eq!(server.get("/swap/version").text(), "a");

    let steady = steady.finish();
    let swapping = swapping.finish();
    assert!(steady.iter().all(|(status, text)| *status == 200 && text == r#"{"id":1,"name":"Alice"}"#));
    let bad: Vec<_> = swapping.iter().filter(|(s, t)| !(*s == 200 && (t == "a" || t == "b"))).collect();
    assert!(bad.is_empty(), "{} bad answers, e.g. {:?}", bad.len(), bad.first());
    delays.sort();
    let median = delays[delays.len() / 2];
    eprintln!("file change to new version: median {median:?}, max {:?}", delays.last().unwrap());
    assert!(*delays.last().unwrap() < Duration::from_secs(1), "a reload took {:?}", delays.last().unwrap());
    assert!(steady.len() > 100 && swapping.len() > 100);
}

#[test]
fn editing_the_manifest_adds_and_removes_apps() {
    let dir = scratch().join("reload-manifest");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let one = format!(
        "[[app]]\nname = \"one\"\ntenant = \"t\"\ncomponent = \"{}\"\nroute = \"/one\"\n",
        guest("tests/guests/version-a").display()
    );
    let two = format!(
        "{one}\n[[app]]\nname = \"two\"\ntenant = \"t\"\ncomponent = \"{}\"\nroute = \"/two\"\n",
        guest("tests/guests/version-b").display()
    );
    let path = dir.join("fasterapi.toml");
    std::fs::write(&path, &one).unwrap();
    let server = Server::start(&path);
    assert_eq!(server.get("/two/version").status, 404);
    std::fs::write(&path, &two).unwrap();
    wait_for(&server, "/two/version", "b");
    // A broken manifest changes nothing.
    std::fs::write(&path, format!("{two}\nbogus = 1\n")).unwrap();
    // (A write is seen in steps: a reload may also reject a half-written file.)
    let log = server.wait_for_log("unknown field");
    assert!(
        log.lines().any(|line| line.contains("reload rejected") && line.contains("unknown field")),
        "{log}"
    );
    assert_eq!(server.get("/two/version").text(), "b");
    std::fs::write(&path, &one).unwrap();
    let started = Instant::now();
    while server.get("/two/version").status != 404 {
        assert!(started.elapsed() < Duration::from_secs(5), "app two was not removed");
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(server.get("/one/version").text(), "a");
}
