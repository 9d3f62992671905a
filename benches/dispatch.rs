//! Micro-benchmarks of the per-request path, each through the public API of
//! the crate it measures:
//! - `fasterapi-routes`: router lookup, typed parameters;
//! - `fasterapi-runtime`: a guest call in a fresh instance and on a warm one;
//! - `fasterapi-host`'s trigger: a whole request without the socket
//!   (app choice, routing, typed parameters, WIT conversion, warm call,
//!   response).
//!
//! The components come from `make examples` (`target/components/`); a
//! missing one is skipped with a note.

use std::hint::black_box;
use std::path::Path;
use std::sync::Arc;

use bytes::Bytes;
use criterion::{Criterion, criterion_group, criterion_main};
use fasterapi_host::config::{AppConfig, Manifest};
use fasterapi_host::trigger::{App, Dispatcher, Mount, Mounted, TypedApp};
use fasterapi_routes::router::{Lookup, Router};
use fasterapi_routes::spec::Method;
use fasterapi_routes::value::Value;
use fasterapi_runtime::bindings::types as wit;
use fasterapi_runtime::capabilities::{Capabilities, Identity};
use fasterapi_runtime::{Guest, GuestConfig, InstanceMode, Runtime, RuntimeConfig};
use http_body_util::Full;

fn component(name: &str) -> Option<(AppConfig, Vec<u8>)> {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/components").join(format!("{name}.wasm"));
    let Ok(bytes) = std::fs::read(&path) else {
        eprintln!("skipping {name}: {} is missing (run `make examples`)", path.display());
        return None;
    };
    let config = Manifest::single_app(&path).apps.remove(0);
    Some((config, bytes))
}

fn guest(
    runtime: &Runtime,
    config: &AppConfig,
    bytes: &[u8],
    mode: InstanceMode,
    tokio: &tokio::runtime::Runtime,
) -> Option<Guest> {
    let guest_config = GuestConfig {
        identity: Identity { app: config.name.as_str().into(), tenant: config.tenant.as_str().into() },
        capabilities: Capabilities::default(),
        limits: config.limits.for_instances(),
        instances: Some(mode),
        observer: Arc::new(()),
    };
    match tokio.block_on(Guest::load(runtime, guest_config, bytes)) {
        Ok(guest) => Some(guest),
        Err(err) => {
            eprintln!("skipping {}: {err} (a stale build? run `make examples`)", config.name);
            None
        }
    }
}

/// `GET /users/123` as the guest receives it: route index and typed argument.
fn get_user_request(guest: &Guest) -> wit::Request {
    let route =
        guest.routes().iter().position(|r| r.path == "/users/{user_id}").expect("GET /users/{user_id}");
    wit::Request {
        route: route as u32,
        args: vec![wit::ParamValue::Int(123)],
        body: Vec::new(),
        content_type: None,
        validate_only: false,
        failed_groups: Vec::new(),
        param_errors: None,
        raw: None,
    }
}

fn routes_benches(c: &mut Criterion, guest: &Guest) {
    let router = Router::new(guest.routes()).expect("a valid table");
    c.bench_function("router lookup /users/123", |b| {
        b.iter(|| match router.lookup(Some(Method::Get), black_box("/users/123")) {
            Lookup::Found { route, .. } => route,
            _ => unreachable!(),
        })
    });
    let route = guest.routes().iter().find(|r| r.path == "/items" && r.body.is_none()).expect("GET /items");
    let params = matchit::Params::new();
    c.bench_function("typed params ?q=pen&limit=5", |b| {
        b.iter(|| {
            fasterapi_routes::extract::arguments::<Value>(
                route,
                &params,
                Some(black_box("q=pen&limit=5")),
                &[][..],
                None,
            )
        })
    });
}

fn benches(c: &mut Criterion) {
    let tokio = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("tokio");
    let cache_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench-cache");
    let config = RuntimeConfig { cache_dir: Some(cache_dir), ..RuntimeConfig::default() };
    let runtime = Runtime::new(&config).expect("runtime");
    for name in ["bench-rust", "bench-python"] {
        let Some((config, bytes)) = component(name) else { continue };
        let Some(fresh) = guest(&runtime, &config, &bytes, InstanceMode::PerRequest, &tokio) else {
            continue;
        };
        if name == "bench-rust" {
            routes_benches(c, &fresh);
        }
        let request = get_user_request(&fresh);
        c.bench_function(&format!("{name}: instantiate + call GET /users/123"), |b| {
            b.to_async(&tokio).iter(|| async { fresh.call(&request).await.expect("call").response })
        });
        let Some(warm) = guest(&runtime, &config, &bytes, InstanceMode::Reuse, &tokio) else { continue };
        c.bench_function(&format!("{name}: warm call GET /users/123"), |b| {
            b.to_async(&tokio).iter(|| async { warm.call(&request).await.expect("call").response })
        });
        let mut reuse = config.clone();
        reuse.instances = Some(InstanceMode::Reuse);
        let app =
            tokio.block_on(TypedApp::load(&runtime, &reuse, Capabilities::default(), &bytes)).expect("load");
        let dispatcher = Dispatcher::default();
        dispatcher.replace(vec![Arc::new(Mounted::new(
            App::Typed(Box::new(app)),
            Mount::default(),
            reuse.docs,
        ))]);
        c.bench_function(
            &format!("{name}: whole request GET /users/123, warm (host overhead included)"),
            |b| {
                b.to_async(&tokio).iter(|| async {
                    let request =
                        hyper::Request::get("/users/123").body(Full::new(Bytes::new())).expect("request");
                    let response = dispatcher.handle(request).await;
                    assert_eq!(response.status(), 200);
                })
            },
        );
    }
}

criterion_group!(dispatch, benches);
criterion_main!(dispatch);
