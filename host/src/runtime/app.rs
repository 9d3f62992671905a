//! A loaded app: its compiled component, ready to instantiate, and the route
//! table it declared.

use std::sync::Arc;

use super::bindings::AppPre;
use super::bindings::types as wit;
use super::{Runtime, cache};
use crate::capabilities::AppContext;
use crate::manifest::InstanceMode;
use crate::params::Value;
use crate::router::Router;
use crate::spec::{
    self, ApiInfo, BodySpec, Method, ParamKind, ParamSource, ParamSpec, RouteDocs, RouteSpec, SpecError,
};

/// The exports every FasterAPI component must have.
const REQUIRED_EXPORTS: [&str; 3] = ["routes", "handle", "info"];

/// Why a component cannot be served.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("not a WebAssembly file (no \\0asm header)")]
    NotWasm,
    #[error(
        "a core WebAssembly module, not a component: build the guest for wasm32-wasip2 (`fasterapi build DIR`)"
    )]
    CoreModule,
    #[error("cannot compile the component: {0:#}")]
    Compile(wasmtime::Error),
    #[error("does not implement the FasterAPI world: the export `{0}` is missing")]
    MissingExport(&'static str),
    #[error("does not implement the FasterAPI world: {0:#}")]
    World(wasmtime::Error),
    #[error("trapped while declaring its routes or info: {0}")]
    RoutesTrapped(String),
    #[error("declares an invalid route table: {0}")]
    Routes(#[from] SpecError),
    #[error("declares an invalid schema: {0}")]
    Schema(#[from] crate::openapi::SchemaError),
}

/// Why one request could not be answered by the guest.
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    #[error("cannot instantiate: {0:#}")]
    Instantiate(wasmtime::Error),
    #[error("guest trapped: {trap}")]
    Trap {
        trap: String,
        /// What the guest wrote to stderr before trapping.
        stderr: String,
    },
    #[error("the request ran past its {0:?} timeout")]
    Timeout(std::time::Duration),
}

/// A reused instance is dropped after this many requests: a guest's memory
/// may grow a little with every call (CPython's does, ~50 bytes).
const RECYCLE_AFTER: u32 = 10_000;

/// An instance kept warm between requests (`instances = "reuse"`).
struct Warm {
    store: wasmtime::Store<super::HostState>,
    instance: super::bindings::App,
    calls: u32,
}

/// An app ready to serve: instantiated afresh for every request, or from a
/// pool of warm instances.
pub struct App {
    context: Arc<AppContext>,
    /// Fresh instances or warm ones: the manifest's choice, else the guest's.
    mode: InstanceMode,
    /// Warm instances, only for `instances = "reuse"`; at most
    /// `max_concurrency` are kept.
    warm: std::sync::Mutex<Vec<Warm>>,
    hash: String,
    origin: cache::Origin,
    pre: AppPre<super::HostState>,
    /// The app's OpenAPI document, built once from its routes.
    openapi: serde_json::Value,
    routes: Vec<RouteSpec>,
    router: Router,
}

impl App {
    /// Compiles (or loads from cache) a component, checks it implements the
    /// world, and reads and validates its route table.
    pub async fn load(runtime: &Runtime, context: AppContext, bytes: &[u8]) -> Result<App, LoadError> {
        check_header(bytes)?;
        let hash = cache::content_hash(bytes);
        // Cranelift takes seconds for a big component: off the async workers,
        // so that requests keep being served while an app (re)loads.
        let (engine, cache, owned, key) =
            (runtime.engine.clone(), runtime.cache.clone(), bytes.to_vec(), hash.clone());
        let (component, origin) = tokio::task::spawn_blocking(move || cache.compile(&engine, &owned, &key))
            .await
            .map_err(|err| LoadError::Compile(wasmtime::Error::msg(err.to_string())))?
            .map_err(LoadError::Compile)?;
        let ty = component.component_type();
        if let Some(missing) =
            REQUIRED_EXPORTS.into_iter().find(|e| ty.get_export(&runtime.engine, e).is_none())
        {
            return Err(LoadError::MissingExport(missing));
        }
        let instance_pre = runtime.linker.instantiate_pre(&component).map_err(LoadError::World)?;
        let pre = AppPre::new(instance_pre).map_err(LoadError::World)?;
        let context = Arc::new(context);
        let mut store = runtime.store(&context);
        let instance = pre.instantiate_async(&mut store).await.map_err(LoadError::World)?;
        let declared = instance
            .call_routes(&mut store)
            .await
            .map_err(|err| LoadError::RoutesTrapped(describe_trap(&err, &store.data().stderr())))?;
        let routes: Vec<RouteSpec> = declared.into_iter().map(route_from_wit).collect();
        spec::validate_routes(&routes)?;
        let router = Router::new(&routes)?;
        let info = instance
            .call_info(&mut store)
            .await
            .map_err(|err| LoadError::RoutesTrapped(describe_trap(&err, &store.data().stderr())))?;
        let preferred = info.instances.map(|mode| match mode {
            wit::InstanceMode::PerRequest => InstanceMode::PerRequest,
            wit::InstanceMode::Reuse => InstanceMode::Reuse,
        });
        let mode = context.instances.or(preferred).unwrap_or(InstanceMode::PerRequest);
        let info = ApiInfo { title: info.title, version: info.version, description: info.description };
        let openapi = crate::openapi::document(&context.name, &info, &routes)?;
        Ok(App { context, mode, warm: Default::default(), hash, origin, pre, openapi, routes, router })
    }

    /// The app's name.
    pub fn name(&self) -> &str {
        &self.context.name
    }

    /// The app's tenant, config, kv grant and limits.
    pub fn context(&self) -> &AppContext {
        &self.context
    }

    /// SHA-256 of the component's bytes.
    pub fn hash(&self) -> &str {
        &self.hash
    }

    /// Whether the compiled code came from the on-disk cache.
    pub fn origin(&self) -> cache::Origin {
        self.origin
    }

    /// Whether requests run in fresh or reused instances.
    pub fn mode(&self) -> InstanceMode {
        self.mode
    }

    /// The app's OpenAPI 3.1 document (without `servers`: see
    /// [`crate::openapi::mounted`]).
    pub fn openapi(&self) -> &serde_json::Value {
        &self.openapi
    }

    /// The route table, in the guest's order.
    pub fn routes(&self) -> &[RouteSpec] {
        &self.routes
    }

    /// The app's router.
    pub fn router(&self) -> &Router {
        &self.router
    }

    /// Creates and drops one instance: the cost of per-request isolation.
    pub async fn instantiate(&self, runtime: &Runtime) -> Result<(), CallError> {
        let mut store = runtime.store(&self.context);
        self.pre.instantiate_async(&mut store).await.map_err(CallError::Instantiate)?;
        Ok(())
    }

    /// Runs one request in a fresh instance.
    pub async fn handle(
        &self,
        runtime: &Runtime,
        request: &wit::Request,
    ) -> Result<wit::Response, CallError> {
        if self.mode == InstanceMode::Reuse {
            return self.handle_warm(runtime, request).await;
        }
        let mut store = runtime.store(&self.context);
        self.context.metrics.instantiation();
        let instance =
            self.pre.instantiate_async(&mut store).await.map_err(|err| self.call_error(err, &store))?;
        instance.call_handle(&mut store, request).await.map_err(|err| self.call_error(err, &store))
    }
}

impl App {
    /// Runs a request on a warm instance (or a new one when none is free);
    /// the instance goes back to the pool unless it failed or is due for
    /// recycling.
    async fn handle_warm(
        &self,
        runtime: &Runtime,
        request: &wit::Request,
    ) -> Result<wit::Response, CallError> {
        let warm = self.warm.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let mut warm = match warm {
            Some(mut warm) => {
                super::arm(&mut warm.store);
                warm
            }
            None => {
                let mut store = runtime.store(&self.context);
                self.context.metrics.instantiation();
                let instance = self
                    .pre
                    .instantiate_async(&mut store)
                    .await
                    .map_err(|err| self.call_error(err, &store))?;
                Warm { store, instance, calls: 0 }
            }
        };
        let response = warm
            .instance
            .call_handle(&mut warm.store, request)
            .await
            .map_err(|err| self.call_error(err, &warm.store))?;
        warm.calls += 1;
        let mut pool = self.warm.lock().unwrap_or_else(|e| e.into_inner());
        if warm.calls < RECYCLE_AFTER && pool.len() < self.context.limits.max_concurrency as usize {
            pool.push(warm);
        }
        Ok(response)
    }

    /// Classifies a failed instantiation or call: a timeout, a trap, or no
    /// instance to be had (the pool is exhausted).
    fn call_error(&self, err: wasmtime::Error, store: &wasmtime::Store<super::HostState>) -> CallError {
        match err.downcast_ref::<wasmtime::Trap>() {
            Some(wasmtime::Trap::Interrupt) => CallError::Timeout(self.context.limits.timeout),
            Some(_) => CallError::Trap { trap: describe_trap(&err, ""), stderr: store.data().stderr() },
            None if err.to_string().contains("pooling allocator") => CallError::Instantiate(err),
            None => CallError::Trap { trap: describe_trap(&err, ""), stderr: store.data().stderr() },
        }
    }
}

/// A one-line description of a trap: its message and the guest's stderr.
fn describe_trap(err: &wasmtime::Error, stderr: &str) -> String {
    let trap = match err.downcast_ref::<wasmtime::Trap>() {
        Some(trap) => trap.to_string(),
        None => format!("{:#}", err).lines().next().unwrap_or_default().to_owned(),
    };
    if stderr.is_empty() { trap } else { format!("{trap} (stderr: {stderr})") }
}

fn check_header(bytes: &[u8]) -> Result<(), LoadError> {
    match bytes.get(..8) {
        Some([0, b'a', b's', b'm', 1, 0, 0, 0]) => Err(LoadError::CoreModule),
        Some([0, b'a', b's', b'm', ..]) => Ok(()),
        _ => Err(LoadError::NotWasm),
    }
}

fn route_from_wit(route: wit::Route) -> RouteSpec {
    RouteSpec {
        method: method_from_wit(route.method),
        path: route.path,
        params: route.params.into_iter().map(param_from_wit).collect(),
        body: route.body.map(|b| BodySpec {
            required: b.required,
            media_type: b.media_type,
            schema: b.schema,
        }),
        name: route.name,
        raw_request: route.raw_request,
        docs: RouteDocs {
            summary: route.docs.summary,
            description: route.docs.description,
            tags: route.docs.tags,
            deprecated: route.docs.deprecated,
            include_in_schema: route.docs.include_in_schema,
            status: route.docs.status,
            response_media_type: route.docs.response_media_type,
            response_schema: route.docs.response_schema,
        },
    }
}

fn param_from_wit(param: wit::ParamSpec) -> ParamSpec {
    let source = match param.source {
        wit::ParamSource::Path => ParamSource::Path,
        wit::ParamSource::Query => ParamSource::Query,
        wit::ParamSource::Header => ParamSource::Header,
    };
    ParamSpec {
        // Header names are matched case-insensitively; FastAPI reports them lower-case.
        name: if source == ParamSource::Header { param.name.to_ascii_lowercase() } else { param.name },
        source,
        kind: match param.kind {
            wit::ParamType::Int => ParamKind::Int,
            wit::ParamType::Float => ParamKind::Float,
            wit::ParamType::Boolean => ParamKind::Bool,
            wit::ParamType::Text => ParamKind::Text,
        },
        required: param.required,
        default: param.default.map(value_from_wit).unwrap_or(Value::None),
        description: param.description,
    }
}

fn value_from_wit(value: wit::ParamValue) -> Value {
    match value {
        wit::ParamValue::None => Value::None,
        wit::ParamValue::Int(v) => Value::Int(v),
        wit::ParamValue::Float(v) => Value::Float(v),
        wit::ParamValue::Boolean(v) => Value::Bool(v),
        wit::ParamValue::Text(v) => Value::Text(v),
    }
}

/// The WIT form of a parsed value, passed to the guest.
pub fn value_to_wit(value: Value) -> wit::ParamValue {
    match value {
        Value::None => wit::ParamValue::None,
        Value::Int(v) => wit::ParamValue::Int(v),
        Value::Float(v) => wit::ParamValue::Float(v),
        Value::Bool(v) => wit::ParamValue::Boolean(v),
        Value::Text(v) => wit::ParamValue::Text(v),
    }
}

fn method_from_wit(method: wit::Method) -> Method {
    match method {
        wit::Method::Get => Method::Get,
        wit::Method::Post => Method::Post,
        wit::Method::Put => Method::Put,
        wit::Method::Patch => Method::Patch,
        wit::Method::Delete => Method::Delete,
        wit::Method::Head => Method::Head,
        wit::Method::Options => Method::Options,
    }
}

/// The WIT form of a request method.
pub fn method_to_wit(method: Method) -> wit::Method {
    match method {
        Method::Get => wit::Method::Get,
        Method::Post => wit::Method::Post,
        Method::Put => wit::Method::Put,
        Method::Patch => wit::Method::Patch,
        Method::Delete => wit::Method::Delete,
        Method::Head => wit::Method::Head,
        Method::Options => wit::Method::Options,
    }
}
