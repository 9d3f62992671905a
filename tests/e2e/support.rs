//! Test support: builds guests from source with the real `fasterapi build`,
//! runs the real `fasterapi serve` on a free loopback port, and speaks raw
//! HTTP/1.1 to it.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The repository's root directory.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("host/ has a parent").to_owned()
}

/// The Python of the test venv (`make venv`): FastAPI, uvicorn and the
/// OpenAPI validator; `FASTERAPI_PYTHON` overrides it.
pub fn python() -> PathBuf {
    match std::env::var_os("FASTERAPI_PYTHON") {
        Some(python) => python.into(),
        None => root().join(".venv/bin/python"),
    }
}

/// The `fasterapi` binary under test.
pub fn fasterapi() -> Command {
    Command::new(env!("CARGO_BIN_EXE_fasterapi"))
}

/// Where this run keeps built components and the compile cache.
pub fn scratch() -> PathBuf {
    root().join("target/e2e")
}

/// Builds the guest project at `dir` (relative to the root) once per run
/// and returns its component.
pub fn guest(dir: &str) -> PathBuf {
    static BUILT: Mutex<Option<HashMap<String, PathBuf>>> = Mutex::new(None);
    let mut built = BUILT.lock().unwrap_or_else(|e| e.into_inner());
    let built = built.get_or_insert_with(HashMap::new);
    if let Some(path) = built.get(dir) {
        return path.clone();
    }
    let name = Path::new(dir).file_name().unwrap().to_string_lossy().into_owned();
    let out = scratch().join("components").join(format!("{name}.wasm"));
    std::fs::create_dir_all(out.parent().unwrap()).unwrap();
    let output = fasterapi()
        .arg("build")
        .arg(root().join(dir))
        .arg("-o")
        .arg(&out)
        .env("CARGO_TARGET_DIR", root().join("target/guests"))
        .output()
        .expect("run fasterapi build");
    assert!(output.status.success(), "building {dir} failed:\n{}", String::from_utf8_lossy(&output.stderr));
    built.insert(dir.to_owned(), out.clone());
    out
}

/// Starts `fasterapi serve` for the guest project at `dir`.
pub fn serve(dir: &str) -> Server {
    Server::start(&guest(dir))
}

/// The address at the start of `text` (a text log line's end, or a JSON
/// one's message).
fn address(text: &str) -> SocketAddr {
    let addr = text.trim_start().split(|c: char| c == '"' || c.is_whitespace()).next().unwrap_or_default();
    addr.parse().unwrap_or_else(|_| panic!("an address: {text}"))
}

/// Prometheus text without the serving host's label (`host="..."`, first
/// on every series), so that tests can name series by their own labels.
pub fn without_host_label(metrics: &str) -> String {
    let mut out = String::new();
    for line in metrics.lines() {
        match line.split_once("{host=\"") {
            Some((name, rest)) => {
                let after = rest.split_once('"').map_or("", |(_, after)| after);
                let after = after.strip_prefix(',').unwrap_or(after);
                out.push_str(name);
                match after.strip_prefix('}') {
                    Some(tail) => out.push_str(tail),
                    None => {
                        out.push('{');
                        out.push_str(after);
                    }
                }
            }
            None => out.push_str(line),
        }
        out.push('\n');
    }
    out
}

/// A running `fasterapi serve`, stopped when dropped.
pub struct Server {
    child: Child,
    pub addr: SocketAddr,
    log: Arc<Mutex<String>>,
}

impl Server {
    /// Serves `component` on a free port, with the run's compile cache.
    pub fn start(component: &Path) -> Server {
        Server::start_with(component, &[])
    }

    /// Like `start`, with extra `serve` arguments.
    pub fn start_with(component: &Path, args: &[&str]) -> Server {
        Server::start_env(component, args, &[])
    }

    /// Like `start_with`, with extra environment variables.
    pub fn start_env(component: &Path, args: &[&str], env: &[(&str, &str)]) -> Server {
        let mut command = fasterapi();
        command.arg("serve").arg(component).args(["--listen", "127.0.0.1:0"]);
        if !args.contains(&"--cache-dir") {
            command.arg("--cache-dir").arg(scratch().join("cache"));
        }
        command.args(args).envs(env.iter().copied());
        Server::spawn(command)
    }

    /// Runs a `fasterapi` command that serves (`serve`, `dev`) and waits
    /// until it listens.
    pub fn spawn(command: Command) -> Server {
        Server::spawn_until(command, "listening on http://")
    }

    /// Runs a `fasterapi` command and waits until it logs `marker` followed
    /// by an address, which becomes the server's `addr` (the admin API's,
    /// for a host that is still loading its apps).
    pub fn spawn_until(mut command: Command, marker: &'static str) -> Server {
        let mut child = command
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn fasterapi serve");
        let stderr = child.stderr.take().unwrap();
        let log = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(addr) = line.split(marker).nth(1) {
                    let _ = tx.send(address(addr));
                }
                let mut log = sink.lock().unwrap();
                log.push_str(&line);
                log.push('\n');
            }
        });
        let addr = match rx.recv_timeout(Duration::from_secs(300)) {
            Ok(addr) => addr,
            Err(_) => {
                // Exited (a crash says so here), or still starting after 300 s.
                let exited = child.try_wait().ok().flatten();
                let _ = child.kill();
                panic!("the server did not start (exit: {exited:?}):\n{}", log.lock().unwrap());
            }
        };
        Server { child, addr, log }
    }

    /// The admin API's address, from the log.
    pub fn admin_addr(&self) -> SocketAddr {
        let log = self.wait_for_log("admin API on http://");
        let line =
            log.lines().find_map(|l| l.split("admin API on http://").nth(1)).expect("an admin listener");
        address(line)
    }

    /// Everything the server logged so far.
    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// Waits until the log contains `needle` (logs are written asynchronously).
    pub fn wait_for_log(&self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let log = self.log();
            if log.contains(needle) || Instant::now() > deadline {
                return log;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Kills the server with SIGKILL and waits for it.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Sends SIGTERM.
    pub fn terminate(&self) {
        let status = Command::new("kill").arg("-TERM").arg(self.child.id().to_string()).status();
        assert!(status.is_ok_and(|s| s.success()), "kill -TERM failed");
    }

    /// Waits for the process to exit, at most `timeout`.
    pub fn wait(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    /// A new keep-alive connection.
    pub fn connect(&self) -> Connection {
        Connection::open(self.addr)
    }

    /// One request on a fresh connection.
    pub fn send(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> HttpResponse {
        self.connect().send(method, path, headers, body)
    }

    /// `GET path` on a fresh connection.
    pub fn get(&self, path: &str) -> HttpResponse {
        self.send("GET", path, &[], b"")
    }

    /// `POST path` with a JSON body.
    pub fn post_json(&self, path: &str, body: &str) -> HttpResponse {
        self.send("POST", path, &[("content-type", "application/json")], body.as_bytes())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A parsed HTTP response.
#[derive(Debug, Clone)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// The first value of a header (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|err| panic!("body is not JSON ({err}): {}", self.text()))
    }

    /// `(type, loc)` of every error of a 422 body.
    pub fn errors(&self) -> Vec<(String, serde_json::Value)> {
        assert_eq!(self.status, 422, "not a 422: {}", self.text());
        let json = self.json();
        json["detail"]
            .as_array()
            .expect("detail is a list")
            .iter()
            .map(|e| (e["type"].as_str().unwrap_or_default().to_owned(), e["loc"].clone()))
            .collect()
    }
}

/// One HTTP/1.1 connection.
pub struct Connection {
    reader: BufReader<TcpStream>,
}

impl Connection {
    /// Connects to `addr`.
    pub fn open(addr: SocketAddr) -> Connection {
        let stream = TcpStream::connect(addr).expect("connect");
        stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        Connection { reader: BufReader::new(stream) }
    }

    /// The underlying stream, for raw reads.
    pub fn stream(&mut self) -> &mut TcpStream {
        self.reader.get_mut()
    }

    /// Writes raw bytes.
    pub fn write_raw(&mut self, bytes: &[u8]) {
        self.reader.get_mut().write_all(bytes).expect("write");
    }

    /// Sends one request and reads its response.
    pub fn send(&mut self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> HttpResponse {
        self.write_raw(&request_bytes(method, path, headers, body));
        if method == "HEAD" { self.read_head_response() } else { self.read_response() }
    }

    /// Reads one response.
    pub fn read_response(&mut self) -> HttpResponse {
        self.try_read_response().expect("read body")
    }

    /// Reads one response; an error if its body is cut (the connection
    /// closes before the declared length or the last chunk).
    pub fn try_read_response(&mut self) -> std::io::Result<HttpResponse> {
        let mut response = self.read_head_response();
        if response.header("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
            response.body = self.read_chunked()?;
            return Ok(response);
        }
        let length: usize =
            response.header("content-length").map(|v| v.parse().expect("content-length")).unwrap_or(0);
        response.body = vec![0; length];
        self.reader.read_exact(&mut response.body)?;
        Ok(response)
    }

    /// A chunked body, up to its last chunk.
    fn read_chunked(&mut self) -> std::io::Result<Vec<u8>> {
        let mut body = Vec::new();
        loop {
            let mut line = String::new();
            if self.reader.read_line(&mut line)? == 0 {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
            let size = line.trim().split(';').next().unwrap_or_default();
            let size = usize::from_str_radix(size, 16)
                .map_err(|_| std::io::Error::other(format!("chunk size {line:?}")))?;
            let mut chunk = vec![0; size + 2];
            self.reader.read_exact(&mut chunk)?;
            if size == 0 {
                return Ok(body);
            }
            body.extend_from_slice(&chunk[..size]);
        }
    }

    /// Reads the head of one response: all of a response to HEAD, whose
    /// `content-length` describes a body that is not sent.
    pub fn read_head_response(&mut self) -> HttpResponse {
        let mut head = Vec::new();
        while !head.ends_with(b"\r\n\r\n") {
            let mut line = Vec::new();
            let n = self.reader.read_until(b'\n', &mut line).expect("read response head");
            assert!(n > 0, "connection closed before a response");
            head.extend_from_slice(&line);
        }
        let mut raw_headers = [httparse::EMPTY_HEADER; 64];
        let mut parsed = httparse::Response::new(&mut raw_headers);
        parsed.parse(&head).expect("parse response head");
        let status = parsed.code.expect("status code");
        let headers: Vec<(String, String)> = parsed
            .headers
            .iter()
            .map(|h| (h.name.to_ascii_lowercase(), String::from_utf8_lossy(h.value).into_owned()))
            .collect();
        HttpResponse { status, headers, body: Vec::new() }
    }
}

/// The bytes of an HTTP/1.1 request.
pub fn request_bytes(method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut out = format!("{method} {path} HTTP/1.1\r\n");
    if !headers.iter().any(|(name, _)| name.eq_ignore_ascii_case("host")) {
        out.push_str("host: localhost\r\n");
    }
    for (name, value) in headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    if !body.is_empty() || method == "POST" || method == "PUT" {
        out.push_str(&format!("content-length: {}\r\n", body.len()));
    }
    out.push_str("\r\n");
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}
