//! A loaded `wasi:http` component (the standard `wasi:http/proxy` world):
//! one handler for every request, with bodies streamed both ways. It runs
//! under the same limits as a typed guest — memory, the wall-clock timeout
//! (for the whole exchange, body included), fresh or warm instances — and
//! may call out through the same `wasi:http/outgoing-handler` grants.

use std::sync::Arc;

use bytes::Bytes;
use wasmtime::Store;
use wasmtime_wasi_http::WasiHttpView;
use wasmtime_wasi_http::p2::bindings::ProxyPre;
use wasmtime_wasi_http::p2::bindings::http::types::Scheme;
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;

use crate::cache::Origin;
use crate::capabilities::log::LogRate;
use crate::compiled::{Compiled, World};
use crate::engine::Runtime;
use crate::guest::{CallError, GuestConfig, GuestShared, InstanceLimits, InstanceMode, LoadError, Observer};
use crate::instances::{Pool, Warm, classify, keep, take, warm_pool};
use crate::state::{HostState, new_store, start_request_clock};

type Proxy = wasmtime_wasi_http::p2::bindings::Proxy;

/// What a `wasi:http` call gave: the answer's head with its body still
/// streaming from the guest, and the handler's end.
pub struct ProxyReply {
    /// The answer; its body streams while the handler runs.
    pub response: http::Response<HyperOutgoingBody>,
    /// Resolves when the handler returns (the body is complete), fails, or
    /// runs past the timeout (its instance is then dropped, and the body cut).
    pub done: tokio::task::JoinHandle<Result<(), CallError>>,
}

/// A `wasi:http` component ready to serve.
pub struct ProxyGuest {
    shared: Arc<GuestShared>,
    engine: wasmtime::Engine,
    pre: ProxyPre<HostState>,
    mode: InstanceMode,
    warm: Pool<Proxy>,
    observer: Arc<dyn Observer>,
    hash: String,
    origin: Origin,
}

impl ProxyGuest {
    /// Readies a compiled `wasi:http` component: checks that the host
    /// provides everything it imports.
    pub fn from_compiled(
        runtime: &Runtime,
        config: GuestConfig,
        compiled: Compiled,
    ) -> Result<ProxyGuest, LoadError> {
        if compiled.world() != World::WasiHttp {
            return Err(LoadError::MissingExport("wasi:http/incoming-handler@0.2.x"));
        }
        let Compiled { component, hash, origin, .. } = compiled;
        let instance_pre = runtime.linker.instantiate_pre(&component).map_err(LoadError::World)?;
        let pre = ProxyPre::new(instance_pre).map_err(LoadError::World)?;
        let GuestConfig { identity, capabilities, limits, instances, observer } = config;
        let shared = Arc::new(GuestShared { identity, log_rate: LogRate::default(), capabilities, limits });
        let mode = instances.unwrap_or(InstanceMode::PerRequest);
        Ok(ProxyGuest {
            warm: warm_pool(mode, &shared.limits),
            shared,
            engine: runtime.engine.clone(),
            pre,
            mode,
            observer,
            hash,
            origin,
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

    /// Hands `request` to the component's `incoming-handler` and waits for
    /// the answer's head. The handler runs on its own task, within the
    /// app's timeout by the wall clock, while the body streams.
    pub async fn handle<B>(&self, request: http::Request<B>) -> Result<ProxyReply, CallError>
    where
        B: http_body::Body<Data = Bytes> + Send + 'static,
        B::Error: Into<wasmtime_wasi_http::Error>,
    {
        let mut warm = self.instance().await?;
        let (sender, receiver) = tokio::sync::oneshot::channel();
        let state = warm.store.data_mut();
        let mut http = state.http();
        let resources = http
            .new_incoming_request(Scheme::Http, request)
            .and_then(|request| Ok((request, http.new_response_outparam(sender)?)));
        let (request, out) =
            resources.map_err(|err| CallError::Trap { trap: format!("{err:#}"), stderr: String::new() })?;
        let timeout = self.shared.limits.timeout;
        let pool = (self.mode == InstanceMode::Reuse).then(|| self.warm.clone());
        let max_warm = self.shared.limits.max_warm;
        let done = tokio::spawn(async move {
            let handler = warm.instance.wasi_http_incoming_handler();
            let call = handler.call_handle(&mut warm.store, request, out);
            match tokio::time::timeout(timeout, call).await {
                Err(_) => Err(CallError::Timeout(timeout)),
                Ok(Err(err)) => Err(classify(err, &warm.store, timeout)),
                Ok(Ok(())) => {
                    warm.calls += 1;
                    if let Some(pool) = pool {
                        keep(&pool, warm, max_warm);
                    }
                    Ok(())
                }
            }
        });
        match receiver.await {
            Ok(Ok(response)) => Ok(ProxyReply { response, done }),
            Ok(Err(code)) => {
                // The handler answered with an error code: its own 500.
                let _ = done.await;
                Err(CallError::Trap {
                    trap: format!("the handler answered with an error: {code:?}"),
                    stderr: String::new(),
                })
            }
            Err(_) => match done.await {
                Ok(Ok(())) => Err(CallError::Trap {
                    trap: "the handler returned without setting a response".into(),
                    stderr: String::new(),
                }),
                Ok(Err(err)) => Err(err),
                Err(join) => Err(CallError::Trap { trap: join.to_string(), stderr: String::new() }),
            },
        }
    }

    /// A warm instance (`Reuse`) or a fresh one, its request clock started.
    async fn instance(&self) -> Result<Warm<Proxy>, CallError> {
        if self.mode == InstanceMode::Reuse
            && let Some(mut warm) = take(&self.warm)
        {
            start_request_clock(&mut warm.store);
            return Ok(warm);
        }
        let mut store: Store<HostState> = new_store(&self.engine, &self.shared);
        self.observer.instantiated();
        match self.pre.instantiate_async(&mut store).await {
            Ok(instance) => Ok(Warm::new(store, instance)),
            Err(err) => Err(classify(err, &store, self.shared.limits.timeout)),
        }
    }
}
