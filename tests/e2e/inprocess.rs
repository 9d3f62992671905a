//! The in-process host (the Python TestClient's): requests answered
//! without a socket, through the same router, parameters and sandbox.

use std::collections::BTreeMap;

use fasterapi_host::inprocess::{InProcess, InProcessError, Options};
use fasterapi_host::trigger::GuestError;

use crate::support::{guest, scratch};

fn get(host: &InProcess, uri: &str) -> (u16, String) {
    let request =
        InProcess::build_request("GET", uri, &[(b"host".to_vec(), b"testserver".to_vec())], Vec::new())
            .expect("a valid request");
    let response = host.request(request);
    (response.status().as_u16(), String::from_utf8_lossy(response.body()).into_owned())
}

#[test]
fn a_component_answers_without_a_socket_with_its_config_and_kv() {
    let cache_dir = Some(scratch().join("cache"));
    let options = |kv_dir| Options {
        path: guest("tests/guests/tenant"),
        cache_dir: cache_dir.clone(),
        config: BTreeMap::from([("greeting".to_owned(), "hi".to_owned())]),
        kv_dir,
    };
    let kv = scratch().join("inprocess-kv");
    let _ = std::fs::remove_dir_all(&kv);
    let host = InProcess::open(options(Some(kv))).expect("loads");
    assert_eq!(get(&host, "/ok"), (200, "ok".to_owned()));
    assert_eq!(get(&host, "/config/greeting").1, r#"{"key":"greeting","value":"hi","all":1}"#);
    assert_eq!(get(&host, "/sleep?ms=abc").0, 422, "typed parameters are checked by the host");
    assert_eq!(get(&host, "/nope").0, 404);
    let ok = host.request(InProcess::build_request("GET", "/ok", &[], Vec::new()).unwrap());
    assert!(ok.extensions().get::<GuestError>().is_none(), "an answer that did not fail says no error");
    let trapped = host.request(InProcess::build_request("GET", "/recurse", &[], Vec::new()).unwrap());
    let error = trapped.extensions().get::<GuestError>().map(|e| e.0.clone()).unwrap_or_default();
    assert_eq!(trapped.status().as_u16(), 500);
    assert!(error.starts_with("guest trapped: wasm trap: "), "why it failed: {error}");
    let kv_set = InProcess::build_request("PUT", "/kv/k?value=v", &[], Vec::new()).unwrap();
    assert_eq!(host.request(kv_set).status().as_u16(), 200);
    assert_eq!(get(&host, "/kv/k").1, r#"{"key":"k","value":"v"}"#);

    // A second host in the same process (a test session's many clients).
    let second = InProcess::open(options(None)).expect("a second host loads beside the first");
    assert_eq!(get(&second, "/ok").1, "ok");
    assert_eq!(get(&second, "/kv/k").0, 500, "no kv without a kv directory");
}

#[test]
fn a_manifest_is_served_and_bad_input_is_a_clear_error() {
    let missing = InProcess::open(Options { path: "missing.wasm".into(), ..Options::default() });
    assert!(matches!(missing, Err(InProcessError::Missing(_))));
    let bad = InProcess::build_request("GET", "not a uri", &[], Vec::new());
    assert!(matches!(bad, Err(InProcessError::Request(_))));

    let dir = scratch().join("inprocess-manifest");
    std::fs::create_dir_all(&dir).unwrap();
    let component = guest("examples/hello-rust");
    let manifest = dir.join("fasterapi.toml");
    let text = format!(
        "[[app]]\nname = \"hello\"\ntenant = \"t\"\nroute = \"/h\"\ncomponent = \"{}\"\n",
        component.display()
    );
    std::fs::write(&manifest, text).unwrap();
    let host = InProcess::open(Options {
        path: manifest,
        cache_dir: Some(scratch().join("cache")),
        ..Options::default()
    })
    .expect("loads the manifest");
    assert_eq!(get(&host, "/h/users/5"), (200, r#"{"id":5,"name":"Alice"}"#.to_owned()));
}
