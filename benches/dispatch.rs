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
use fasterapi_host::limits::Limits;
use fasterapi_host::manifest::InstanceMode;
use fasterapi_host::router::Lookup;
use fasterapi_host::runtime::bindings::types as wit;
use fasterapi_host::runtime::{App, Runtime, RuntimeConfig};

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
    let context = AppContext { instances: mode, ..AppContext::bare(name, Limits::default()) };
    match tokio.block_on(App::load(runtime, context, &bytes)) {
        Ok(app) => Some(Arc::new(app)),
        Err(err) => {
            eprintln!("skipping {name}: {err} (a stale build? run `make examples`)");
            None
        }
    }
}

fn get_user_request(app: &App) -> wit::Request {
    let route = app.routes().iter().position(|r| r.path == "/users/{user_id}").expect("GET /users/{user_id}");
    wit::Request {
        route: route as u32,
        args: vec![wit::ParamValue::Int(123)],
        method: wit::Method::Get,
        path: "/users/123".into(),
        query: String::new(),
        headers: Vec::new(),
        body: Vec::new(),
        validate_only: false,
    }
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
                b.iter(|| {
                    match app
                        .router()
                        .lookup(Some(fasterapi_host::spec::Method::Get), black_box("/users/123"))
                    {
                        Lookup::Found { route, .. } => route,
                        _ => unreachable!(),
                    }
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
        let request = get_user_request(&app);
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
        let headers = hyper::HeaderMap::new();
        c.bench_function(
            &format!("{name}: route + typed params + warm call (host overhead included)"),
            |b| {
                b.to_async(&tokio).iter(|| async {
                    let Lookup::Found { route, params } = warm
                        .router()
                        .lookup(Some(fasterapi_host::spec::Method::Get), black_box("/users/123"))
                    else {
                        unreachable!()
                    };
                    let args =
                        fasterapi_host::extract::arguments(&warm.routes()[route], &params, None, &headers);
                    black_box(args.expect("valid"));
                    warm.handle(&runtime, &request).await.expect("call")
                })
            },
        );
    }
}

criterion_group!(dispatch, benches);
criterion_main!(dispatch);
