//! Outbound HTTP from a guest (`wasi:http/outgoing-handler`), deny by
//! default: a local upstream started by the test is called through the
//! grants of `allowed_outbound_hosts`, under the app's outbound limits, and
//! the admin API and the cloud metadata address stay out of reach.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener};
use std::time::{Duration, Instant};

use crate::support::{Connection, Server, guest};
use crate::tenants::manifest;

/// A tiny HTTP/1.1 upstream on loopback, keeping connections alive:
/// `/ok`, `/slow` (answers after 5 s), `/big` (2 MiB), `/redirect` (302 to
/// `/ok`), `/seen` (the request line, its `x-from` header and its body),
/// `/connection` (which of the upstream's connections it came on).
fn upstream() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for (number, stream) in listener.incoming().map_while(Result::ok).enumerate() {
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut stream = stream;
                while let Some((status, extra, body)) = answer(&mut reader, number) {
                    let head = format!(
                        "HTTP/1.1 {status}\r\ncontent-type: text/plain\r\ncontent-length: {}\r\n{extra}\r\n",
                        body.len()
                    );
                    if stream.write_all(head.as_bytes()).and_then(|()| stream.write_all(&body)).is_err() {
                        return;
                    }
                }
            });
        }
    });
    addr
}

/// Reads one request from `reader` and makes its answer; `None` once the
/// connection closes.
fn answer(
    reader: &mut BufReader<std::net::TcpStream>,
    connection: usize,
) -> Option<(&'static str, String, Vec<u8>)> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let request_line = line.trim().to_owned();
    let target = request_line.split_whitespace().nth(1).unwrap_or("/").to_owned();
    let path = target.split('?').next().unwrap_or("/").to_owned();
    let (mut from, mut length) = (String::new(), 0usize);
    while line != "\r\n" && !line.is_empty() {
        line.clear();
        reader.read_line(&mut line).ok()?;
        let lower = line.to_ascii_lowercase();
        if let Some(value) = lower.strip_prefix("x-from:") {
            from = value.trim().to_owned();
        }
        if let Some(value) = lower.strip_prefix("content-length:") {
            length = value.trim().parse().unwrap_or(0);
        }
    }
    let mut sent = vec![0; length];
    std::io::Read::read_exact(reader, &mut sent).ok()?;
    Some(match path.as_str() {
        "/seen" => {
            let seen = format!("{request_line} from={from} body={}", String::from_utf8_lossy(&sent));
            ("200 OK", String::new(), seen.into_bytes())
        }
        "/connection" => ("200 OK", String::new(), connection.to_string().into_bytes()),
        "/ok" => ("200 OK", String::new(), b"upstream ok".to_vec()),
        "/slow" => {
            std::thread::sleep(Duration::from_secs(5));
            ("200 OK", String::new(), b"late".to_vec())
        }
        "/big" => ("200 OK", String::new(), vec![b'b'; 2 << 20]),
        "/redirect" => ("302 Found", "location: /ok\r\n".into(), Vec::new()),
        _ => ("404 Not Found", String::new(), b"no".to_vec()),
    })
}

/// A port nothing listens on: below 1024, where no test (nor the server's
/// own listeners on port 0) can bind, and no service of this machine does.
fn closed_port() -> u16 {
    1
}

fn serve(name: &str, upstream: SocketAddr, closed: u16) -> Server {
    let wstd = guest("tests/guests/wasi-http-wstd");
    let text = format!(
        r#"
[server.admin]
listen = "127.0.0.1:0"

[[app]]
name = "granted"
tenant = "a"
component = "{wstd}"
route = "/granted"
allowed_outbound_hosts = ["http://127.0.0.1:{port}", "http://127.0.0.1:{closed}"]
limits = {{ outbound_timeout = "1s", max_outbound_response = "1MiB" }}

[[app]]
name = "denied"
tenant = "a"
component = "{wstd}"
route = "/denied"

[[app]]
name = "everything"
tenant = "b"
component = "{wstd}"
route = "/everything"
allowed_outbound_hosts = ["*://*:*"]
"#,
        wstd = wstd.display(),
        port = upstream.port(),
    );
    Server::start_env(&manifest(name, &text), &[], &[("FASTERAPI_ADMIN_TOKEN", "outbound-test-token")])
}

#[test]
fn guests_call_only_what_they_are_granted() {
    let upstream = upstream();
    let closed = closed_port();
    let server = serve("outbound-grants", upstream, closed);
    let fetch = |app: &str, url: &str| server.get(&format!("/{app}/fetch?url={url}"));

    let ok = fetch("granted", &format!("http://{upstream}/ok"));
    assert_eq!((ok.status, ok.text().as_str()), (200, "upstream ok"));
    let first = fetch("granted", &format!("http://{upstream}/connection")).text();
    let second = fetch("granted", &format!("http://{upstream}/connection")).text();
    assert_eq!(first, second, "the app's connection is pooled and reused across its requests");
    let other_app = fetch("everything", &format!("http://{upstream}/connection")).text();
    assert_ne!(other_app, first, "another app never shares it");

    let denied = fetch("denied", &format!("http://{upstream}/ok"));
    assert_eq!(denied.status, 502, "the guest's call failed: {}", denied.text());
    assert!(denied.text().contains("HttpRequestDenied"), "a clear error in the guest: {}", denied.text());
    server.wait_for_log("outbound request denied: the app has no allowed_outbound_hosts");
    let by_name = fetch("granted", &format!("http://localhost:{}/ok", upstream.port()));
    assert_eq!(by_name.status, 502, "a grant of 127.0.0.1 is not one of localhost: {}", by_name.text());

    let redirect = fetch("granted", &format!("http://{upstream}/redirect"));
    assert_eq!(redirect.status, 302, "a redirect is the guest's to follow");

    let started = Instant::now();
    let slow = fetch("granted", &format!("http://{upstream}/slow"));
    assert_eq!(slow.status, 502, "{}", slow.text());
    assert!(slow.text().to_lowercase().contains("timeout"), "{}", slow.text());
    assert!(started.elapsed() < Duration::from_secs(4), "outbound_timeout is 1s");

    let refused = fetch("granted", &format!("http://127.0.0.1:{closed}/ok"));
    assert_eq!(refused.status, 502);
    assert!(refused.text().contains("ConnectionRefused"), "{}", refused.text());

    let mut connection = server.connect();
    connection.write_raw(&crate::support::request_bytes(
        "GET",
        &format!("/granted/fetch?url=http://{upstream}/big"),
        &[],
        b"",
    ));
    let big = connection.try_read_response();
    assert!(
        big.as_ref().is_err() || big.as_ref().is_ok_and(|r| r.status == 502),
        "an answer over max_outbound_response never arrives whole: {:?}",
        big.map(|r| (r.status, r.body.len()))
    );

    let auth = "Bearer outbound-test-token";
    let metrics = crate::support::without_host_label(
        &Connection::open(server.admin_addr())
            .send("GET", "/metrics", &[("authorization", auth)], b"")
            .text(),
    );
    for line in [
        r#"fasterapi_outbound_requests_total{app="granted",destination="127.0.0.1",outcome="200"} 3"#,
        r#"fasterapi_outbound_requests_total{app="granted",destination="127.0.0.1",outcome="HttpResponseTimeout"} 1"#,
        r#"fasterapi_outbound_requests_total{app="granted",destination="localhost",outcome="HttpRequestDenied"} 1"#,
        r#"fasterapi_outbound_request_duration_seconds_count{app="granted"}"#,
    ] {
        assert!(metrics.contains(line), "{line} in\n{metrics}");
    }
}

#[test]
fn the_admin_api_and_cloud_metadata_are_out_of_reach() {
    let upstream = upstream();
    let server = serve("outbound-private", upstream, closed_port());
    let admin = server.admin_addr();
    // Refused before the guest has finished its request: the guest still
    // learns why (not a closed body stream), every time.
    for _ in 0..20 {
        let to_admin = server.get(&format!("/everything/fetch?url=http://{admin}/apps"));
        assert_eq!(to_admin.status, 502, "{}", to_admin.text());
        assert!(to_admin.text().contains("Prohibited"), "{}", to_admin.text());
    }
    let loopback = server.get(&format!("/everything/fetch?url=http://localhost:{}/apps", admin.port()));
    assert_eq!(loopback.status, 502, "not by another name either: {}", loopback.text());

    let started = Instant::now();
    let metadata = server.get("/everything/fetch?url=http://169.254.169.254/latest/meta-data/");
    assert_eq!(metadata.status, 502, "{}", metadata.text());
    assert!(metadata.text().contains("Prohibited"), "{}", metadata.text());
    assert!(started.elapsed() < Duration::from_secs(2), "refused before any connection is tried");

    let ok = server.get(&format!("/everything/fetch?url=http://{upstream}/ok"));
    assert_eq!(ok.text(), "upstream ok", "everything else is granted");
}

#[test]
fn the_sdks_clients_call_out_in_the_shape_users_know() {
    let upstream = upstream();
    let text = format!(
        r#"
[[app]]
name = "rust"
tenant = "a"
component = "{{tenant}}"
route = "/rust"
allowed_outbound_hosts = ["http://{upstream}"]

[[app]]
name = "python"
tenant = "a"
component = "{{python_outbound}}"
route = "/py"
allowed_outbound_hosts = ["http://{upstream}"]
limits = {{ outbound_requests = 3 }}

[[app]]
name = "python-denied"
tenant = "b"
component = "{{python_outbound}}"
route = "/py-denied"
"#
    );
    let server = Server::start(&manifest("outbound-sdks", &text));
    let json = |method: &str, path: &str| {
        let answer = server.send(method, path, &[], b"");
        assert_eq!(answer.status, 200, "{path}: {}\n{}", answer.text(), server.log());
        answer.json()
    };

    let rust = json("GET", &format!("/rust/fetch?url=http://{upstream}/seen"));
    assert_eq!(rust["status"], 200, "{rust}");
    assert_eq!(rust["body"], "GET /seen HTTP/1.1 from=tenant body=", "{rust}");
    let rust_denied = json("GET", "/rust/fetch?url=http://127.0.0.2:9/x");
    assert_eq!(rust_denied["denied"], true, "{rust_denied}");

    let py = json("GET", &format!("/py/fetch?url=http://{upstream}/seen"));
    assert_eq!(py["status"], 200, "{py}");
    assert_eq!(py["text"], "GET /seen?q=1 HTTP/1.1 from=python body=", "params and headers are sent: {py}");
    assert_eq!(py["type"], "text/plain", "headers are read case-insensitively: {py}");
    let redirect = json("GET", &format!("/py/fetch?url=http://{upstream}/redirect"));
    assert_eq!(redirect["status"], 302, "not followed unless asked: {redirect}");
    let followed = json("GET", &format!("/py/fetch?url=http://{upstream}/redirect&follow=true"));
    assert_eq!(
        (followed["status"].clone(), followed["text"].clone()),
        (200.into(), "upstream ok".into()),
        "{followed}"
    );
    let missing = json("GET", &format!("/py/checked?url=http://{upstream}/missing"));
    assert_eq!(missing["status"], 404, "{missing}");
    assert!(missing["raised"].as_str().unwrap().starts_with("404 Client Error"), "{missing}");
    let sent = json("POST", &format!("/py/send?url=http://{upstream}/seen"));
    assert_eq!(sent["echo"], r#"POST /seen HTTP/1.1 from= body={"name":"Alice","n":1}"#, "{sent}");

    let many = json("GET", &format!("/py/many?url=http://{upstream}/ok&n=5"));
    assert_eq!(many["done"], 3, "outbound_requests = 3 per request: {many}");
    assert!(many["error"].as_str().unwrap().contains("ConnectionLimitReached"), "{many}");
    let again = json("GET", &format!("/py/many?url=http://{upstream}/ok&n=3"));
    assert_eq!(again["done"], 3, "the count starts afresh with every request: {again}");

    let denied = json("GET", &format!("/py-denied/fetch?url=http://{upstream}/seen"));
    assert!(denied["denied"].as_str().unwrap().contains("HttpRequestDenied"), "{denied}");
}

/// A TLS upstream for `localhost`, its certificate signed by a CA made
/// here; returns its address and the CA's PEM.
fn tls_upstream() -> (SocketAddr, String) {
    use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params.distinguished_name.push(rcgen::DnType::CommonName, "FasterAPI test CA");
    let ca = rcgen::CertifiedIssuer::self_signed(ca_params, rcgen::KeyPair::generate().unwrap()).unwrap();
    let key = rcgen::KeyPair::generate().unwrap();
    let cert =
        rcgen::CertificateParams::new(vec!["localhost".to_owned()]).unwrap().signed_by(&key, &ca).unwrap();
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![cert.der().clone()],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        )
        .unwrap();
    let config = std::sync::Arc::new(config);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming().map_while(Result::ok) {
            let config = config.clone();
            std::thread::spawn(move || {
                let Ok(connection) = rustls::ServerConnection::new(config) else { return };
                let mut tls = rustls::StreamOwned::new(connection, stream);
                let mut line = String::new();
                {
                    let mut reader = BufReader::new(&mut tls);
                    while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                        line.clear();
                    }
                }
                let body = "secure ok";
                let head =
                    format!("HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n", body.len());
                let _ = tls.write_all(head.as_bytes()).and_then(|()| tls.write_all(body.as_bytes()));
                let _ = tls.flush();
            });
        }
    });
    (addr, ca.pem())
}

#[test]
fn https_calls_trust_the_configured_ca_and_nothing_else() {
    let (upstream, ca) = tls_upstream();
    let app = |name: &str| {
        format!(
            "[[app]]\nname = \"{name}\"\ntenant = \"a\"\ncomponent = \"{}\"\nroute = \"/{name}\"\nallowed_outbound_hosts = [\"https://localhost:{}\"]\n",
            guest("tests/guests/wasi-http-wstd").display(),
            upstream.port()
        )
    };
    let url = format!("https://localhost:{}/", upstream.port());

    let trusting = manifest("outbound-tls", &format!("[server]\noutbound_ca = \"ca.pem\"\n\n{}", app("tls")));
    std::fs::write(trusting.parent().unwrap().join("ca.pem"), &ca).unwrap();
    let server = Server::start(&trusting);
    let secure = server.get(&format!("/tls/fetch?url={url}"));
    assert_eq!((secure.status, secure.text().as_str()), (200, "secure ok"));
    drop(server);

    let server = Server::start(&manifest("outbound-tls-untrusted", &app("plain")));
    let untrusted = server.get(&format!("/plain/fetch?url={url}"));
    assert_eq!(untrusted.status, 502, "{}", untrusted.text());
    assert!(untrusted.text().contains("TlsCertificateError"), "{}", untrusted.text());
}
