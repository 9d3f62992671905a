//! HTTP/1.1 behaviour: keep-alive, pipelining, concurrency, body limits and
//! graceful shutdown.

use std::time::{Duration, Instant};

use crate::support::{Connection, request_bytes, serve};

const BENCH: &str = "examples/bench-rust";
const TYPED: &str = "tests/guests/typed-api";

#[test]
fn many_requests_on_one_keep_alive_connection() {
    let server = serve(BENCH);
    let mut connection = server.connect();
    for id in 0..300 {
        let response = connection.send("GET", &format!("/users/{id}"), &[], b"");
        assert_eq!(response.status, 200);
        assert_eq!(response.text(), format!(r#"{{"id":{id},"name":"Alice"}}"#));
    }
}

#[test]
fn pipelined_requests_are_answered_in_order() {
    let server = serve(BENCH);
    let mut connection = server.connect();
    let mut batch = Vec::new();
    for id in 0..50 {
        batch.extend(request_bytes("GET", &format!("/users/{id}"), &[], b""));
        batch.extend(request_bytes(
            "POST",
            "/items",
            &[("content-type", "application/json")],
            br#"{"name":"a","price":2}"#,
        ));
    }
    connection.write_raw(&batch);
    for id in 0..50 {
        assert_eq!(connection.read_response().json()["id"], id);
        assert_eq!(connection.read_response().status, 201);
    }
}

#[test]
fn concurrent_clients_all_succeed() {
    let server = serve(BENCH);
    let addr = server.addr;
    let clients: Vec<_> = (0..8)
        .map(|client| {
            std::thread::spawn(move || {
                let mut connection = Connection::open(addr);
                for i in 0..100 {
                    let id = client * 1000 + i;
                    let response = connection.send("GET", &format!("/users/{id}"), &[], b"");
                    assert_eq!(response.json()["id"], id);
                }
            })
        })
        .collect();
    for client in clients {
        client.join().expect("client thread");
    }
}

#[test]
fn oversized_bodies_get_413_and_malformed_requests_400() {
    let server = serve(BENCH);
    // The declared length alone is refused, before the body is read.
    let mut connection = server.connect();
    connection.write_raw(
        b"POST /items HTTP/1.1\r\ncontent-type: application/json\r\ncontent-length: 2097152\r\n\r\n{",
    );
    let response = connection.read_response();
    assert_eq!(response.status, 413);
    assert_eq!(response.text(), r#"{"detail":"Request Entity Too Large"}"#);

    let mut connection = server.connect();
    connection.write_raw(b"GET /users/1 HTTP/1.1\r\ncontent-length: abc\r\n\r\n");
    assert_eq!(connection.read_response().status, 400);
    // Garbage that is not HTTP at all gets the connection closed.
    let mut connection = server.connect();
    connection.write_raw(b"GARBAGE\r\n\r\n");
    let mut rest = Vec::new();
    let _ = std::io::Read::read_to_end(connection.stream(), &mut rest);
    assert!(!String::from_utf8_lossy(&rest).contains("200 OK"));
    // The host keeps serving.
    assert_eq!(server.get("/users/1").status, 200);
}

#[test]
fn sigterm_finishes_in_flight_requests_then_exits_0() {
    let mut server = serve(TYPED);
    let addr = server.addr;
    let in_flight =
        std::thread::spawn(move || Connection::open(addr).send("GET", "/sleep?ms=1500", &[], b""));
    std::thread::sleep(Duration::from_millis(400));
    let stopping = Instant::now();
    server.terminate();
    let response = in_flight.join().expect("in-flight request");
    assert_eq!(response.status, 200);
    assert_eq!(response.text(), "slept 1500 ms");
    let status = server.wait(Duration::from_secs(10)).expect("server exits after draining");
    assert!(status.success(), "exit status {status:?}");
    assert!(stopping.elapsed() < Duration::from_secs(10));
    assert!(std::net::TcpStream::connect(addr).is_err(), "still accepting after shutdown");
}
