//! A loaded guest: its compiled component, ready to instantiate, the routes
//! and info it declared, and the instances its requests run in (fresh per
//! request, or a pool of warm ones).

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use fasterapi_routes::middleware::Middleware;
use fasterapi_routes::spec::{ApiInfo, AppPaths, RouteSpec};
use wasmtime::Store;

use crate::bindings::types as wit;
use crate::bindings::{App as Instance, AppPre};
use crate::cache::Origin;
use crate::capabilities::log::LogRate;
use crate::capabilities::{Capabilities, Identity};
use crate::compiled::Compiled;
use crate::declared::{info_from_wit, middleware_from_wit, paths_from_wit, route_from_wit};
use crate::engine::Runtime;
use crate::instances::{Pool, Warm, classify, describe_trap, keep, take, warm_pool};
use crate::state::{HostState, new_store, start_request_clock};

/// The exports every FasterAPI component must have.
const REQUIRED_EXPORTS: [&str; 6] = ["routes", "handle", "info", "run-background", "next-chunk", "wrap"];

/// The longest a component may take, at load, to start an instance and
/// declare its routes and info; the app's timeout if that is shorter.
pub const DECLARE_DEADLINE: Duration = Duration::from_secs(10);

/// How instances are used for an app's requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InstanceMode {
    /// A fresh instance per request: nothing survives between requests.
    PerRequest,
    /// Warm instances serve many requests in turn: a guest's memory (globals,
    /// caches, Python module state) survives from one request to the next.
    Reuse,
}

impl InstanceMode {
    /// The mode as the manifest and the command line spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            InstanceMode::PerRequest => "per-request",
            InstanceMode::Reuse => "reuse",
        }
    }
}

impl FromStr for InstanceMode {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "per-request" => Ok(InstanceMode::PerRequest),
            "reuse" => Ok(InstanceMode::Reuse),
            other => Err(format!("unknown mode '{other}': expected \"per-request\" or \"reuse\"")),
        }
    }
}

/// The limits every instance of a guest runs under.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct InstanceLimits {
    /// The largest linear memory one instance may grow to, in bytes.
    pub memory: usize,
    /// The longest one call may run; then it traps (`CallError::Timeout`).
    pub timeout: Duration,
    /// The most warm instances kept between requests (`Reuse`): the app's
    /// concurrency, as no more can be busy at once.
    pub max_warm: usize,
    /// How long a warm instance is kept unused before it is released.
    pub keep_warm: Duration,
}

/// Told of what happens to a guest's instances (the host's metrics).
pub trait Observer: Send + Sync {
    /// An instance is being created.
    fn instantiated(&self) {}

    /// An outbound HTTP call to `destination` (a host name) ended with
    /// `outcome` (its status code, or the `wasi:http` error) after `elapsed`.
    fn outbound(&self, _destination: &str, _outcome: &str, _elapsed: Duration) {}
}

/// An observer that notes nothing.
impl Observer for () {}

/// Everything a guest is loaded with besides its bytes.
pub struct GuestConfig {
    /// Its app's name and tenant.
    pub identity: Identity,
    /// What its instances may import.
    pub capabilities: Capabilities,
    /// Its instances' limits.
    pub limits: InstanceLimits,
    /// Fresh or warm instances; `None` takes the guest's own preference
    /// (its `info()`), else per request.
    pub instances: Option<InstanceMode>,
    /// Told of instantiations.
    pub observer: Arc<dyn Observer>,
}

/// What every store of a guest shares.
pub(crate) struct GuestShared {
    pub(crate) identity: Identity,
    pub(crate) log_rate: LogRate,
    pub(crate) capabilities: Capabilities,
    pub(crate) limits: InstanceLimits,
}

/// Why a component cannot be served.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The bytes do not start with the WebAssembly magic number.
    #[error("not a WebAssembly file (no \\0asm header)")]
    NotWasm,
    /// A core module: built for the wrong target.
    #[error(
        "a core WebAssembly module, not a component: build the guest for wasm32-wasip2 (`fasterapi build DIR`)"
    )]
    CoreModule,
    /// Cranelift (or the cache) could not produce machine code.
    #[error("cannot compile the component: {0:#}")]
    Compile(wasmtime::Error),
    /// An export of the world is missing.
    #[error("does not implement the FasterAPI world: the export `{0}` is missing")]
    MissingExport(&'static str),
    /// Imports the host does not provide, or exports of the wrong type.
    #[error("does not implement the FasterAPI world: {0:#}")]
    World(wasmtime::Error),
    /// `routes()` or `info()` trapped.
    #[error("trapped while declaring its routes or info: {0}")]
    RoutesTrapped(String),
    /// Starting an instance and `routes()` and `info()` took longer than
    /// [`DECLARE_DEADLINE`] (or the app's timeout, if shorter).
    #[error("did not declare its routes and info within {0:?} (does `routes()` or `info()` block?)")]
    DeclareTimeout(Duration),
    /// A declared route cannot be served as declared (a bad pattern).
    #[error("declares a route the host cannot serve: {0}")]
    BadRoute(String),
}

/// Why one request could not be answered by the guest.
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    /// No instance could be had: the host's instance pool is exhausted.
    #[error("cannot instantiate: {0:#}")]
    Instantiate(wasmtime::Error),
    /// The guest trapped (a panic, `unreachable`, out of memory or stack).
    #[error("guest trapped: {trap}")]
    Trap {
        /// The trap, in one line.
        trap: String,
        /// What the guest wrote to stderr before trapping.
        stderr: String,
    },
    /// The call ran past the guest's timeout.
    #[error("the request ran past its {0:?} timeout")]
    Timeout(Duration),
}

/// The exports that answer a request.
enum Export<'a> {
    /// `handle`: a request a route matched.
    Handle(&'a wit::Request),
    /// `wrap`: the app's middleware around an answer the host made.
    Wrap(&'a wit::RawRequest, &'a wit::Response),
}

impl Export<'_> {
    async fn call(
        &self,
        instance: &Instance,
        store: &mut Store<HostState>,
    ) -> wasmtime::Result<wit::Response> {
        match self {
            Export::Handle(request) => instance.call_handle(store, request).await,
            Export::Wrap(request, answer) => instance.call_wrap(store, request, answer).await,
        }
    }
}

/// What a call gave: the guest's answer, and the instance that gave it when
/// the answer goes on after it is sent.
pub struct Reply {
    /// The guest's answer.
    pub response: wit::Response,
    /// Set when `response.stream` or `response.background` asks for more.
    /// (Boxed: the common reply stays small as it moves through futures.)
    pub held: Option<Box<Held>>,
    /// The error lines the guest logged while answering (a Python
    /// handler's exception with its traceback), for a test client to show.
    pub errors: Vec<String>,
}

/// The instance that answered, held past its answer: to stream the rest of
/// the body (`next-chunk`, FastAPI's `StreamingResponse`) or to run the work
/// it left (`run-background`, FastAPI's `BackgroundTasks`). Each call runs
/// under the app's timeout, by the wall clock as a request does; a warm
/// instance goes back to its pool when done, a failed one is dropped.
pub struct Held {
    warm: Warm<Instance>,
    /// Where the instance goes back once done (`Reuse`); `None` drops it.
    pool: Option<Pool<Instance>>,
    shared: Arc<GuestShared>,
}

impl Held {
    /// Runs the work the answer left, then gives the instance back.
    pub async fn run_background(mut self) -> Result<(), CallError> {
        let timeout = self.shared.limits.timeout;
        start_request_clock(&mut self.warm.store);
        let call = self.warm.instance.call_run_background(&mut self.warm.store);
        match tokio::time::timeout(timeout, call).await {
            Err(_) => Err(CallError::Timeout(timeout)),
            Ok(Err(err)) => Err(classify(err, &self.warm.store, timeout)),
            Ok(Ok(())) => {
                self.release();
                Ok(())
            }
        }
    }

    /// The next chunk of the body; `None` once it is complete (then
    /// [`Held::release`] the instance).
    pub async fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, CallError> {
        let timeout = self.shared.limits.timeout;
        start_request_clock(&mut self.warm.store);
        let call = self.warm.instance.call_next_chunk(&mut self.warm.store);
        match tokio::time::timeout(timeout, call).await {
            Err(_) => Err(CallError::Timeout(timeout)),
            Ok(Err(err)) => Err(classify(err, &self.warm.store, timeout)),
            Ok(Ok(chunk)) => Ok(chunk),
        }
    }

    /// Gives a warm instance back to its pool (a fresh one is dropped).
    pub fn release(self) {
        if let Some(pool) = &self.pool {
            keep(pool, self.warm, self.shared.limits.max_warm);
        }
    }
}

/// A guest ready to serve: instantiated afresh for every request, or from a
/// pool of warm instances.
pub struct Guest {
    shared: Arc<GuestShared>,
    engine: wasmtime::Engine,
    pre: AppPre<HostState>,
    mode: InstanceMode,
    /// Warm instances, only for `Reuse`; at most `limits.max_warm` are kept.
    warm: Pool<Instance>,
    observer: Arc<dyn Observer>,
    hash: String,
    origin: Origin,
    routes: Vec<RouteSpec>,
    info: ApiInfo,
    handles_validation_errors: bool,
    http_middleware: bool,
    middleware: Vec<Middleware>,
    paths: AppPaths,
}

impl Guest {
    /// Compiles (or loads from cache) a component, checks it implements the
    /// world, and reads the routes and info it declares (not yet validated:
    /// what a valid table is belongs to the routes crate).
    pub async fn load(runtime: &Runtime, config: GuestConfig, bytes: &[u8]) -> Result<Guest, LoadError> {
        Guest::from_compiled(runtime, config, Compiled::new(runtime, bytes).await?).await
    }

    /// [`Guest::load`] for a component already compiled.
    pub async fn from_compiled(
        runtime: &Runtime,
        config: GuestConfig,
        compiled: Compiled,
    ) -> Result<Guest, LoadError> {
        let Compiled { component, hash, origin, .. } = compiled;
        let ty = component.component_type();
        if let Some(missing) =
            REQUIRED_EXPORTS.into_iter().find(|e| ty.get_export(&runtime.engine, e).is_none())
        {
            return Err(LoadError::MissingExport(missing));
        }
        let instance_pre = runtime.linker.instantiate_pre(&component).map_err(LoadError::World)?;
        let pre = AppPre::new(instance_pre).map_err(LoadError::World)?;
        let GuestConfig { identity, capabilities, limits, instances, observer } = config;
        let shared = Arc::new(GuestShared { identity, log_rate: LogRate::default(), capabilities, limits });
        let limit = shared.limits.timeout.min(DECLARE_DEADLINE);
        let (routes, mut info) = tokio::time::timeout(limit, declared(&runtime.engine, &shared, &pre))
            .await
            .map_err(|_| LoadError::DeclareTimeout(limit))??;
        let routes =
            routes.into_iter().map(route_from_wit).collect::<Result<_, _>>().map_err(LoadError::BadRoute)?;
        let preferred = info.instances.map(|mode| match mode {
            wit::InstanceMode::PerRequest => InstanceMode::PerRequest,
            wit::InstanceMode::Reuse => InstanceMode::Reuse,
        });
        let (handles_validation_errors, http_middleware) =
            (info.handles_validation_errors, info.http_middleware);
        let middleware = middleware_from_wit(std::mem::take(&mut info.middleware));
        let paths = paths_from_wit(&mut info);
        let mode = instances.or(preferred).unwrap_or(InstanceMode::PerRequest);
        Ok(Guest {
            warm: warm_pool(mode, &shared.limits),
            shared,
            engine: runtime.engine.clone(),
            pre,
            mode,
            observer,
            hash,
            origin,
            routes,
            info: info_from_wit(info),
            handles_validation_errors,
            http_middleware,
            middleware,
            paths,
        })
    }

    /// The app's name.
    pub fn name(&self) -> &str {
        &self.shared.identity.app
    }

    /// SHA-256 of the component's bytes.
    pub fn hash(&self) -> &str {
        &self.hash
    }

    /// Whether the compiled code came from the on-disk cache.
    pub fn origin(&self) -> Origin {
        self.origin
    }

    /// Whether requests run in fresh or reused instances.
    pub fn mode(&self) -> InstanceMode {
        self.mode
    }

    /// The instances' limits.
    pub fn limits(&self) -> &InstanceLimits {
        &self.shared.limits
    }

    /// The route table the guest declared, in its order.
    pub fn routes(&self) -> &[RouteSpec] {
        &self.routes
    }

    /// What the guest says of itself for the OpenAPI document.
    pub fn info(&self) -> &ApiInfo {
        &self.info
    }

    /// Whether the app answers validation failures itself (FastAPI's
    /// `RequestValidationError` handler): the host then sends it every 422.
    pub fn handles_validation_errors(&self) -> bool {
        self.handles_validation_errors
    }

    /// Whether the app runs HTTP middleware of its own: the host then sends
    /// the answers it makes itself through [`Guest::wrap`].
    pub fn http_middleware(&self) -> bool {
        self.http_middleware
    }

    /// Where the app's documentation is served below its mount, and its `root_path`.
    pub fn paths(&self) -> &AppPaths {
        &self.paths
    }

    /// The middleware the app asks the host to run around it, outermost first.
    pub fn middleware(&self) -> &[Middleware] {
        &self.middleware
    }

    /// Runs one request: in a fresh instance, or in a warm one (`Reuse`),
    /// within the app's timeout by the wall clock — while the guest computes
    /// (epoch interruption) and while it waits in a host call (the call is
    /// dropped, and its instance with it).
    /// The reply carries the instance on when the guest left work to run
    /// after its answer ([`Background`]).
    pub async fn call(&self, request: &wit::Request) -> Result<Reply, CallError> {
        self.bounded(Export::Handle(request)).await
    }

    /// Runs the app's HTTP middleware around an answer the host made itself
    /// for `request` (`wrap`), as [`Guest::call`] runs a request.
    pub async fn wrap(
        &self,
        request: &wit::RawRequest,
        answer: &wit::Response,
    ) -> Result<wit::Response, CallError> {
        self.bounded(Export::Wrap(request, answer)).await.map(|reply| reply.response)
    }

    async fn bounded(&self, export: Export<'_>) -> Result<Reply, CallError> {
        let timeout = self.shared.limits.timeout;
        match tokio::time::timeout(timeout, self.call_unbounded(export)).await {
            Ok(result) => result,
            Err(_) => Err(CallError::Timeout(timeout)),
        }
    }

    async fn call_unbounded(&self, export: Export<'_>) -> Result<Reply, CallError> {
        if self.mode == InstanceMode::Reuse {
            return self.call_warm(export).await;
        }
        let (mut store, instance) = self.instantiate().await?;
        let response =
            export.call(&instance, &mut store).await.map_err(|err| self.call_error(err, &store))?;
        let errors = store.data_mut().take_errors();
        let held = (response.stream || response.background).then(|| {
            Box::new(Held {
                warm: Warm { calls: 1, ..Warm::new(store, instance) },
                pool: None,
                shared: self.shared.clone(),
            })
        });
        Ok(Reply { response, held, errors })
    }

    async fn instantiate(&self) -> Result<(Store<HostState>, Instance), CallError> {
        let mut store = new_store(&self.engine, &self.shared);
        self.observer.instantiated();
        match self.pre.instantiate_async(&mut store).await {
            Ok(instance) => Ok((store, instance)),
            Err(err) => Err(self.call_error(err, &store)),
        }
    }

    /// Runs a request on a warm instance (or a new one when none is free);
    /// the instance goes back to the pool unless it failed or is due for
    /// recycling.
    async fn call_warm(&self, export: Export<'_>) -> Result<Reply, CallError> {
        let warm = take(&self.warm);
        let mut warm = match warm {
            Some(mut warm) => {
                start_request_clock(&mut warm.store);
                warm
            }
            None => {
                let (store, instance) = self.instantiate().await?;
                Warm::new(store, instance)
            }
        };
        let response = export
            .call(&warm.instance, &mut warm.store)
            .await
            .map_err(|err| self.call_error(err, &warm.store))?;
        warm.calls += 1;
        let errors = warm.store.data_mut().take_errors();
        if response.stream || response.background {
            let held = Box::new(Held { warm, pool: Some(self.warm.clone()), shared: self.shared.clone() });
            return Ok(Reply { response, held: Some(held), errors });
        }
        keep(&self.warm, warm, self.shared.limits.max_warm);
        Ok(Reply { response, held: None, errors })
    }

    fn call_error(&self, err: wasmtime::Error, store: &Store<HostState>) -> CallError {
        classify(err, store, self.shared.limits.timeout)
    }
}

/// Starts an instance and calls `routes()` and `info()`.
async fn declared(
    engine: &wasmtime::Engine,
    shared: &Arc<GuestShared>,
    pre: &AppPre<HostState>,
) -> Result<(Vec<wit::Route>, wit::AppInfo), LoadError> {
    let mut store = new_store(engine, shared);
    let instance = pre.instantiate_async(&mut store).await.map_err(LoadError::World)?;
    let declaring = |err: wasmtime::Error, store: &Store<HostState>| {
        LoadError::RoutesTrapped(describe_trap(&err, &store.data().stderr()))
    };
    let routes = instance.call_routes(&mut store).await.map_err(|err| declaring(err, &store))?;
    let info = instance.call_info(&mut store).await.map_err(|err| declaring(err, &store))?;
    Ok((routes, info))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_parse_and_print_as_the_manifest_spells_them() {
        for mode in [InstanceMode::PerRequest, InstanceMode::Reuse] {
            assert_eq!(mode.as_str().parse(), Ok(mode));
        }
        assert!("warm".parse::<InstanceMode>().unwrap_err().contains("expected \"per-request\""));
    }
}
