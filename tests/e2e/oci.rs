//! Components from an OCI registry: a real registry (the CNCF distribution
//! server, Debian's `docker-registry`) on loopback, `fasterapi push`, hosts
//! pulling by tag and by digest, refusals, a registry that is down at start
//! and during a reload, deploys by reference, and htpasswd auth.

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;

use crate::admin::TOKEN;
use crate::reload::wait_for;
use crate::support::{Connection, Server, fasterapi, guest, scratch};

/// A registry on a free loopback port, serving `dir`; stopped when dropped.
pub struct OciRegistry {
    child: Child,
    pub addr: SocketAddr,
    dir: PathBuf,
}

impl OciRegistry {
    /// A registry storing under `scratch/name`, anonymous, or with basic
    /// auth for `(user, password)`.
    pub fn start(name: &str, auth: Option<(&str, &str)>) -> OciRegistry {
        let dir = scratch().join(name);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let mut config = format!(
            "version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: {}\n",
            dir.join("storage").display()
        );
        if let Some((user, password)) = auth {
            let output = Command::new("htpasswd")
                .args(["-Bbn", user, password])
                .output()
                .expect("htpasswd is not installed: run `make setup` (apt-get install apache2-utils)");
            std::fs::write(dir.join("htpasswd"), output.stdout).unwrap();
            let htpasswd = dir.join("htpasswd");
            config.push_str(&format!(
                "auth:\n  htpasswd:\n    realm: fasterapi-test\n    path: {}\n",
                htpasswd.display()
            ));
        }
        std::fs::write(dir.join("config.yml"), config).unwrap();
        OciRegistry::serve(dir, free_port())
    }

    /// Starts the registry of `dir` (its config written) on `port`.
    fn serve(dir: PathBuf, port: u16) -> OciRegistry {
        let addr: SocketAddr = ([127, 0, 0, 1], port).into();
        let child = Command::new("docker-registry")
            .args(["serve", &dir.join("config.yml").display().to_string()])
            .env("REGISTRY_HTTP_ADDR", addr.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("docker-registry is not installed: run `make setup` (apt-get install docker-registry)");
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(addr).is_err() {
            assert!(Instant::now() < deadline, "docker-registry did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        OciRegistry { child, addr, dir }
    }

    /// `oci://ADDR/path`.
    pub fn reference(&self, path: &str) -> String {
        format!("oci://{}/{path}", self.addr)
    }

    /// Stops the registry (its storage stays).
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Starts it again on the same port, with what it stored.
    pub fn restart(mut self) -> OciRegistry {
        self.stop();
        let (dir, port) = (self.dir.clone(), self.addr.port());
        OciRegistry::serve(dir, port)
    }
}

impl Drop for OciRegistry {
    fn drop(&mut self) {
        self.stop();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// `fasterapi push FILE REFERENCE` with `env`; the digest it printed, or its stderr.
pub fn push(file: &Path, reference: &str, env: &[(&str, &str)]) -> Result<String, String> {
    let output = fasterapi().arg("push").arg(file).arg(reference).envs(env.iter().copied()).output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    if output.status.success() {
        assert!(stdout.starts_with("sha256:") && stdout.len() == 71, "a digest: {stdout}");
        Ok(stdout)
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    }
}

/// A manifest directory `scratch/name` with `apps` (TOML) and an admin listener.
fn manifest(name: &str, apps: &str) -> PathBuf {
    let dir = scratch().join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("fasterapi.toml");
    std::fs::write(&path, format!("[server.admin]\nlisten = \"127.0.0.1:0\"\n\n{apps}")).unwrap();
    path
}

fn app(name: &str, component: &str) -> String {
    format!(
        "[[app]]\nname = \"{name}\"\ntenant = \"t\"\nroute = \"/{name}\"\ncomponent = \"{component}\"\n\n"
    )
}

/// Rewrites the manifest at `path` as a rename over it, as editors do.
fn rewrite(path: &Path, text: &str) {
    let next = path.with_extension("next");
    std::fs::write(&next, format!("[server.admin]\nlisten = \"127.0.0.1:0\"\n\n{text}")).unwrap();
    std::fs::rename(next, path).unwrap();
}

fn serve(manifest: &Path, env: &[(&str, &str)]) -> Server {
    let mut all = vec![("FASTERAPI_ADMIN_TOKEN", TOKEN)];
    all.extend_from_slice(env);
    Server::start_env(manifest, &[], &all)
}

#[test]
fn components_are_pushed_and_pulled_by_tag_and_digest() {
    let mut registry = OciRegistry::start("oci-registry", None);
    let (hello, bench) = (guest("examples/hello-rust"), guest("examples/bench-rust"));
    let v1 = push(&hello, &registry.reference("apps/web:v1"), &[]).expect("pushed v1");
    let v2 = push(&bench, &registry.reference("apps/web:v2"), &[]).expect("pushed v2");
    assert_ne!(v1, v2);
    let not_a_component = scratch().join("oci-not-a-component.wasm");
    std::fs::write(&not_a_component, b"\0asm\x01\0\0\0").unwrap();
    let refused = push(&not_a_component, &registry.reference("apps/web:core"), &[]).unwrap_err();
    assert!(refused.contains("not a component"), "{refused}");

    // One app by tag, one by digest.
    let by_digest = registry.reference(&format!("apps/web@{v2}"));
    let path = manifest(
        "oci-host",
        &(app("tagged", &registry.reference("apps/web:v1")) + &app("pinned", &by_digest)),
    );
    let server = serve(&path, &[]);
    assert_eq!(server.get("/tagged/").text(), "Hello from FasterAPI!");
    assert_eq!(server.get("/pinned/plaintext").status, 200);
    assert!(server.log().contains(&format!("digest={v1}")), "a tag is logged with its digest");
    let apps = crate::admin::admin(server.admin_addr(), "GET", "/apps", &[], b"").json();
    assert_eq!(apps[1]["image"].as_str(), Some(by_digest.as_str()));

    // A digest the registry does not have: refused, the old version serves.
    let unknown = registry.reference(&format!("apps/web@sha256:{}", "0".repeat(64)));
    rewrite(&path, &(app("tagged", &registry.reference("apps/web:v1")) + &app("pinned", &unknown)));
    server.wait_for_log("app 'pinned': oci://");
    assert!(server.log().contains("new version rejected"), "{}", server.log());
    assert_eq!(server.get("/pinned/plaintext").status, 200, "the old version keeps serving");

    // A new digest is a hot reload: no restart.
    rewrite(
        &path,
        &(app("tagged", &registry.reference("apps/web:v1"))
            + &app("pinned", &registry.reference(&format!("apps/web@{v1}")))),
    );
    wait_for(&server, "/pinned/", "Hello from FasterAPI!");

    // The registry goes down: a new reference cannot be pulled, the old one serves.
    registry.stop();
    rewrite(
        &path,
        &(app("tagged", &registry.reference("apps/web:v2"))
            + &app("pinned", &registry.reference(&format!("apps/web@{v1}")))),
    );
    let log = server.wait_for_log("app 'tagged': oci://");
    assert!(log.contains("cannot pull"), "{log}");
    assert_eq!(server.get("/tagged/").text(), "Hello from FasterAPI!");

    // A host that has the digests cached starts without the registry.
    // (Every test host shares the run's cache directory.)
    let cached = manifest("oci-cached", &app("a", &registry.reference(&format!("apps/web@{v1}"))));
    let offline = serve(&cached, &[]);
    assert_eq!(offline.get("/a/").text(), "Hello from FasterAPI!");
    drop(offline);

    // Without the cache and without the registry, a host cannot start, and says why.
    let missing = manifest("oci-missing", &app("a", &registry.reference("apps/web:v1")));
    let output = fasterapi().arg("serve").arg(&missing).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains(&format!("error: app 'a': {}: cannot pull", registry.reference("apps/web:v1"))),
        "{stderr}"
    );

    // Deployed by reference through the admin API (and `fasterapi deploy`).
    let registry = registry.restart();
    let deployed = fasterapi()
        .args(["deploy", "ref", &registry.reference(&format!("apps/web@{v2}"))])
        .args(["--admin", &format!("http://{}", server.admin_addr()), "--app", r#"{ route = "/ref" }"#])
        .env("FASTERAPI_ADMIN_TOKEN", TOKEN)
        .output()
        .unwrap();
    assert!(deployed.status.success(), "{}", String::from_utf8_lossy(&deployed.stderr));
    assert_eq!(server.get("/ref/plaintext").status, 200);
    let apps = crate::admin::admin(server.admin_addr(), "GET", "/apps", &[], b"").json();
    let listed = apps.as_array().unwrap().iter().find(|app| app["name"] == "ref").unwrap().clone();
    assert_eq!(listed["source"], "deployed");
    assert_eq!(listed["image"].as_str(), Some(registry.reference(&format!("apps/web@{v2}")).as_str()));
}

#[test]
fn a_registry_with_a_password_needs_credentials() {
    let registry = OciRegistry::start("oci-auth", Some(("ci", "s3cret")));
    let component = guest("examples/hello-rust");
    let reference = registry.reference("private/web:1");
    let refused = push(&component, &reference, &[]).unwrap_err();
    assert!(refused.contains("401") || refused.to_lowercase().contains("unauthorized"), "{refused}");
    let env = [("FASTERAPI_REGISTRY_USERNAME", "ci"), ("FASTERAPI_REGISTRY_PASSWORD", "s3cret")];
    let digest = push(&component, &reference, &env).expect("pushed with credentials from the environment");

    // A host reads them from docker's config.json.
    let docker = scratch().join("oci-auth-docker");
    std::fs::create_dir_all(&docker).unwrap();
    let auth = base64::engine::general_purpose::STANDARD.encode("ci:s3cret");
    let config = format!(r#"{{"auths": {{"{}": {{"auth": "{auth}"}}}}}}"#, registry.addr);
    std::fs::write(docker.join("config.json"), config).unwrap();
    let path =
        manifest("oci-auth-host", &app("private", &registry.reference(&format!("private/web@{digest}"))));
    let docker_dir = docker.display().to_string();
    let server = serve(&path, &[("DOCKER_CONFIG", docker_dir.as_str())]);
    assert_eq!(server.get("/private/").text(), "Hello from FasterAPI!");

    // Without them a pull is refused with the registry's reason.
    let anonymous = manifest("oci-auth-anonymous", &app("private", &reference));
    let output = fasterapi()
        .arg("serve")
        .arg(&anonymous)
        .env("DOCKER_CONFIG", scratch().join("none"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("cannot pull: Not authorized"), "{stderr}");
}

#[test]
fn a_host_loading_its_apps_is_alive_but_not_ready() {
    // A "registry" that accepts connections and never answers: the pull waits.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let path =
        manifest("oci-loading", &app("slow", &format!("oci://{}/apps/web:v1", silent.local_addr().unwrap())));
    let mut command = fasterapi();
    command.arg("serve").arg(&path).env("FASTERAPI_ADMIN_TOKEN", TOKEN);
    let mut host = Server::spawn_until(command, "admin API on http://");
    let health = Connection::open(host.addr).send("GET", "/health", &[], b"");
    assert_eq!(health.status, 200);
    let ready = Connection::open(host.addr).send("GET", "/ready", &[], b"");
    assert_eq!((ready.status, ready.json()["status"].as_str()), (503, Some("loading")));
    host.kill();
}

#[test]
fn a_component_that_does_not_match_its_digest_is_refused() {
    let registry = OciRegistry::start("oci-tampered", None);
    let component = guest("examples/hello-rust");
    let digest = push(&component, &registry.reference("apps/web:1"), &[]).unwrap();
    // The registry's copy of the layer is swapped for other bytes.
    let layer = sha256_hex(&std::fs::read(&component).unwrap());
    let blob = registry
        .dir
        .join("storage/docker/registry/v2/blobs/sha256")
        .join(&layer[..2])
        .join(&layer)
        .join("data");
    std::fs::write(&blob, std::fs::read(guest("examples/bench-rust")).unwrap()).unwrap();

    let path = manifest("oci-tampered-host", &app("web", &registry.reference(&format!("apps/web@{digest}"))));
    let output = fasterapi().arg("serve").arg(&path).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains("cannot pull") && stderr.contains(&format!("Expected sha256:{layer}")),
        "{stderr}"
    );
    assert!(!scratch().join("oci-tampered-host/.fasterapi/cache/oci").exists(), "nothing was cached");
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}
