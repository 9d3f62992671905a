//! Micro-benchmarks of the per-request path: router lookup, typed parameter
//! parsing, and a guest call in a fresh instance (instantiate only, and
//! instantiate + call) for the Rust and Python benchmark apps.
//!
//! The components come from `make examples` (`target/components/`); a
//! missing one is skipped with a note.

use std::hint::black_box;
use std::path::Path;
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use fasterapi_host::capabilities::AppContext;
use fasterapi_host::dispatch::GuestRequest;
use fasterapi_host::limits::Limits;
use fasterapi_host::manifest::InstanceMode;
use fasterapi_host::router::Lookup;
use fasterapi_host::runtime::bindings::types as wit;
use fasterapi_host::runtime::{App, Runtime, RuntimeConfig};
use fasterapi_host::spec::Method;

fn load(
    runtime: &Runtime,
    name: &str,
    mode: InstanceMode,
    tokio: &tokio::runtime::Runtime,
) -> Option<Arc<App>> {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/components").join(format!("{name}.wasm"));
    let Ok(bytes) = std::fs::read(&path) else {
        eprintln!("skipping {name}: {} is missing (run `make examples`)", path.display());
        return None;
    };
    let context = AppContext { instances: Some(mode), ..AppContext::bare(name, Limits::default()) };
    match tokio.block_on(App::load(runtime, context, &bytes)) {
        Ok(app) => Some(Arc::new(app)),
        Err(err) => {
            eprintln!("skipping {name}: {err} (a stale build? run `make examples`)");
            None
        }
    }
}

/// `GET /users/123` as the dispatcher would pass it: matched, its
/// parameters parsed, only what the route needs copied.
fn get_user_request(app: &App, headers: &hyper::HeaderMap) -> wit::Request {
    let Lookup::Found { route, params } = app.router().lookup(Some(Method::Get), black_box("/users/123"))
    else {
        unreachable!("GET /users/{{user_id}} is a route of the benchmark app")
    };
    let spec = &app.routes()[route];
    let args = fasterapi_host::extract::arguments(spec, &params, None, headers).expect("valid parameters");
    let request = GuestRequest {
        index: route,
        method: Method::Get,
        raw_path: "/users/123",
        query: None,
        headers,
        body: Default::default(),
    };
    request.into_wit(spec, args, false)
}

fn benches(c: &mut Criterion) {
    let tokio = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("tokio");
    let cache_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench-cache");
    let config = RuntimeConfig { cache_dir: Some(cache_dir), ..RuntimeConfig::default() };
    let runtime = Runtime::new(&config).expect("runtime");
    for name in ["bench-rust", "bench-python"] {
        let Some(app) = load(&runtime, name, InstanceMode::PerRequest, &tokio) else { continue };
        if name == "bench-rust" {
            c.bench_function("router lookup /users/123", |b| {
                b.iter(|| match app.router().lookup(Some(Method::Get), black_box("/users/123")) {
                    Lookup::Found { route, .. } => route,
                    _ => unreachable!(),
                })
            });
            let route =
                app.routes().iter().find(|r| r.path == "/items" && r.body.is_none()).expect("GET /items");
            let headers = hyper::HeaderMap::new();
            let params = matchit::Params::new();
            c.bench_function("typed params ?q=pen&limit=5", |b| {
                b.iter(|| {
                    fasterapi_host::extract::arguments(
                        route,
                        &params,
                        Some(black_box("q=pen&limit=5")),
                        &headers,
                    )
                })
            });
        }
        let headers = hyper::HeaderMap::new();
        let request = get_user_request(&app, &headers);
        c.bench_function(&format!("{name}: instantiate"), |b| {
            b.to_async(&tokio).iter(|| async { app.instantiate(&runtime).await.expect("instantiate") })
        });
        c.bench_function(&format!("{name}: instantiate + call GET /users/123"), |b| {
            b.to_async(&tokio).iter(|| async { app.handle(&runtime, &request).await.expect("call") })
        });
        let Some(warm) = load(&runtime, name, InstanceMode::Reuse, &tokio) else { continue };
        c.bench_function(&format!("{name}: warm call GET /users/123"), |b| {
            b.to_async(&tokio).iter(|| async { warm.handle(&runtime, &request).await.expect("call") })
        });
        c.bench_function(
            &format!("{name}: route + typed params + warm call (host overhead included)"),
            |b| {
                b.to_async(&tokio).iter(|| async {
                    let request = get_user_request(&warm, &headers);
                    warm.handle(&runtime, &request).await.expect("call")
                })
            },
        );
    }
}

criterion_group!(dispatch, benches);
criterion_main!(dispatch);
