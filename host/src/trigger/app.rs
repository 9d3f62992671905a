//! A typed app: a guest with the router and OpenAPI document built from the
//! routes it declared, serving requests below its mount.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use fasterapi_routes::openapi::SchemaError;
use fasterapi_routes::params::{ValidationError, validation_body};
use fasterapi_routes::router::{Lookup, Router};
use fasterapi_routes::spec::{Method, SpecError};
use fasterapi_runtime::bindings::types as wit;
use fasterapi_runtime::capabilities::{Capabilities, Identity};
use fasterapi_runtime::{CallError, Compiled, Guest, GuestConfig, Held, Reply, Runtime};
use hyper::body::Body;
use hyper::{Request, StatusCode};
use percent_encoding::percent_decode_str;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::docs::DocsSite;
use super::middleware::{Layers, Seen};
use super::request::{GuestRequestParts, HeaderText};
use super::response::{
    body_timeout, call_failed, count_failure, detail_list, from_guest, unavailable, with_errors,
};
use crate::config::{AppConfig, Limits};
use crate::http::{HttpResponse, ResponseBody, StreamAborted, detail, json, read_limited};
use crate::metrics::{AppMetrics, METRICS};

/// Why an app cannot be served.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The component itself: not a component, not our world, trapped.
    #[error(transparent)]
    Guest(#[from] fasterapi_runtime::LoadError),
    /// The routes it declared cannot be served.
    #[error("declares an invalid route table: {0}")]
    Routes(#[from] SpecError),
    /// A body or response schema it declared is not a JSON Schema.
    #[error("declares an invalid schema: {0}")]
    Schema(#[from] SchemaError),
    /// A middleware policy it declared cannot be run.
    #[error("declares an invalid middleware: {0}")]
    Middleware(#[from] fasterapi_routes::middleware::MiddlewareError),
    /// The manifest's `kind` is not the world the component exports.
    #[error("the manifest says kind = \"{stated}\", but the component is a {found} component")]
    Kind {
        /// What the manifest says.
        stated: &'static str,
        /// What the component exports.
        found: &'static str,
    },
}

/// An app ready to serve: its guest, router, OpenAPI document and limits.
pub struct TypedApp {
    guest: Guest,
    router: Router,
    /// The OpenAPI 3.1 document, built once (without `servers`).
    openapi: serde_json::Value,
    limits: Limits,
    /// One permit per request that may run in the guest at once (and
    /// stays held while work it left behind its answer runs).
    slots: Arc<Semaphore>,
    metrics: Arc<AppMetrics>,
    /// CORS, gzip, trusted hosts: what the app asked to run around it.
    layers: Layers,
}

impl TypedApp {
    /// Loads `config`'s app from `bytes` with `capabilities`: compiles it,
    /// reads its routes, validates them and builds its router and document.
    pub async fn load(
        runtime: &Runtime,
        config: &AppConfig,
        capabilities: Capabilities,
        bytes: &[u8],
    ) -> Result<TypedApp, LoadError> {
        TypedApp::from_compiled(runtime, config, capabilities, Compiled::new(runtime, bytes).await?).await
    }

    /// [`TypedApp::load`] for a component already compiled.
    pub async fn from_compiled(
        runtime: &Runtime,
        config: &AppConfig,
        capabilities: Capabilities,
        compiled: Compiled,
    ) -> Result<TypedApp, LoadError> {
        let (guest_config, metrics) = guest_config(config, capabilities);
        let guest = Guest::from_compiled(runtime, guest_config, compiled).await?;
        fasterapi_routes::spec::validate_routes(guest.routes())?;
        let router = Router::new(guest.routes())?;
        let openapi = fasterapi_routes::openapi::document(&config.name, guest.info(), guest.routes())?;
        let slots = Arc::new(Semaphore::new(config.limits.max_concurrency as usize));
        let layers = Layers::new(guest.middleware())?;
        Ok(TypedApp { guest, router, openapi, limits: config.limits, slots, metrics, layers })
    }

    /// The loaded guest: name, hash, instance mode, routes.
    pub fn guest(&self) -> &Guest {
        &self.guest
    }

    /// The limits it is served under.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Its metrics.
    pub fn metrics(&self) -> &AppMetrics {
        &self.metrics
    }

    /// The app's OpenAPI 3.1 document (without `servers`).
    pub fn openapi(&self) -> &serde_json::Value {
        &self.openapi
    }

    /// Answers one request whose path below the app's mount starts at byte
    /// `below_mount`, through the middleware the app declared (which may
    /// answer first: a CORS preflight, an untrusted host).
    pub(crate) async fn serve<B>(
        &self,
        request: Request<B>,
        below_mount: usize,
        docs: Option<&DocsSite>,
        body_read_timeout: Duration,
    ) -> HttpResponse
    where
        B: Body<Data = Bytes>,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        if self.layers.is_empty() {
            return self.answer(request, below_mount, docs, body_read_timeout).await;
        }
        let seen = Seen::of(&request);
        if let Some(early) = self.layers.answer_early(&seen).await {
            return early;
        }
        let response = self.answer(request, below_mount, docs, body_read_timeout).await;
        self.layers.finish_all(&seen, response).await
    }

    /// The app's own answer: 404/405/422 natively, else the guest's. The
    /// body must arrive within `body_read_timeout` (408); a concurrency slot
    /// is taken only then, when the request is ready to run (503 if none).
    async fn answer<B>(
        &self,
        request: Request<B>,
        below_mount: usize,
        docs: Option<&DocsSite>,
        body_read_timeout: Duration,
    ) -> HttpResponse
    where
        B: Body<Data = Bytes>,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let (parts, body) = request.into_parts();
        let raw_path = match parts.uri.path().get(below_mount..) {
            Some("") | None => "/",
            Some(rest) => without_root_path(rest, &self.guest.paths().root_path),
        };
        let method = Method::from_name(parts.method.as_str());
        // Starlette matches on the percent-decoded path; so do we.
        let path = percent_decode_str(raw_path).decode_utf8_lossy();
        let (index, path_params) = match self.router.lookup(method, &path) {
            Lookup::Found { route, params } => (route, params),
            Lookup::MethodNotAllowed { allow } => {
                return self.hosted(&parts, raw_path, super::response::method_not_allowed(allow)).await;
            }
            Lookup::RedirectSlash => {
                let host = parts.headers.get(hyper::header::HOST).and_then(|h| h.to_str().ok());
                let redirect = super::response::redirect_slash(&parts.uri, host.or(parts.uri.host()));
                return self.hosted(&parts, raw_path, redirect).await;
            }
            // The app's own routes come first: it may serve its own `/docs`.
            Lookup::NotFound => {
                let answer = docs
                    .and_then(|docs| docs.serve(method, &path))
                    .unwrap_or_else(|| detail(StatusCode::NOT_FOUND, "Not Found"));
                return self.hosted(&parts, raw_path, answer).await;
            }
        };
        let route = &self.guest.routes()[index];
        let query = parts.uri.query();
        let headers = HeaderText(&parts.headers);
        // Parameters outside a form are checked before the body is read: a
        // bad query costs neither the body nor a guest call.
        let early = (!route.takes_form()).then(|| {
            fasterapi_routes::extract::arguments::<wit::ParamValue>(
                route,
                &path_params,
                query,
                &headers,
                None,
            )
        });
        // With a body or dependencies, refused parameters still go to the
        // guest: FastAPI adds the body's errors, and runs the dependencies
        // whose parameters were good (one may answer instead).
        let dependencies = !route.param_groups.is_empty();
        // An app with a handler for validation errors answers them all itself.
        let handles = self.guest.handles_validation_errors();
        if let (Some(Err(errors)), false) = (&early, route.body.is_some() || dependencies || handles) {
            return self.hosted(&parts, raw_path, unprocessable(errors)).await;
        }
        let body =
            match tokio::time::timeout(body_read_timeout, read_limited(body, self.limits.max_body)).await {
                Ok(Ok(body)) => body,
                Ok(Err(err)) => {
                    tracing::debug!(app = %self.guest.name(), "{err}");
                    return err.response();
                }
                Err(_) => return body_timeout(),
            };
        let mut form = None;
        let args = match early {
            Some(args) => args,
            None => {
                let content_type =
                    parts.headers.get(hyper::header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
                let parsed = match super::form::parse(content_type, body.clone()).await {
                    Ok(form) => form,
                    Err(err) => {
                        tracing::debug!(app = %self.guest.name(), "form body: {err}");
                        return self
                            .hosted(&parts, raw_path, detail(StatusCode::BAD_REQUEST, &err.detail()))
                            .await;
                    }
                };
                let args =
                    fasterapi_routes::extract::arguments(route, &path_params, query, &headers, Some(&parsed));
                match &args {
                    Err(errors) if !dependencies && !handles => {
                        return self.hosted(&parts, raw_path, unprocessable(errors)).await;
                    }
                    _ => form = Some(parsed),
                }
                args
            }
        };
        let Ok(slot) = self.slots.clone().try_acquire_owned() else { return unavailable() };
        // A route matched, so the method is one a route can declare.
        let method = method.unwrap_or(Method::Get);
        let guest_request =
            GuestRequestParts { index, method, raw_path, query, headers: &parts.headers, body };
        match args {
            Ok(args) => {
                self.call(&route.name, &guest_request.into_wit(route, args, false, Vec::new(), None), slot)
                    .await
            }
            Err(errors) => {
                let (args, failed) = match dependencies {
                    true => fasterapi_routes::extract::partial_arguments(
                        route,
                        &path_params,
                        query,
                        &headers,
                        form.as_ref(),
                    ),
                    false => (Vec::new(), Vec::new()),
                };
                if handles {
                    let detail = serde_json::to_string(&errors).unwrap_or_default();
                    let request = guest_request.into_wit(route, args, true, failed, Some(detail));
                    return self.call(&route.name, &request, slot).await;
                }
                let request = guest_request.into_wit(route, args, true, failed, None);
                let rejected =
                    self.reject_with_guest_errors(&route.name, &errors, &request, dependencies).await;
                self.hosted(&parts, raw_path, rejected).await
            }
        }
    }

    /// An answer the host made itself (404, 405, 422, docs, redirects), sent
    /// through the app's own HTTP middleware when it has some (FastAPI runs
    /// those around every answer of the app).
    async fn hosted(
        &self,
        parts: &hyper::http::request::Parts,
        raw_path: &str,
        answer: HttpResponse,
    ) -> HttpResponse {
        let Some(method) = Method::from_name(parts.method.as_str()).filter(|_| self.guest.http_middleware())
        else {
            return answer;
        };
        let Ok(_slot) = self.slots.try_acquire() else { return unavailable() };
        let request = wit::RawRequest {
            method: fasterapi_runtime::method_to_wit(method),
            path: raw_path.to_owned(),
            query: parts.uri.query().unwrap_or_default().to_owned(),
            headers: super::request::headers_to_wit(&parts.headers),
        };
        let answer = super::response::to_guest(answer).await;
        match self.guest.wrap(&request, &answer).await {
            Ok(response) => from_guest(response, self.limits.max_response).unwrap_or_else(|reason| {
                tracing::error!(app = %self.guest.name(), "invalid response from the app's middleware: {reason}");
                internal_error()
            }),
            Err(err) => self.failed("(middleware)", err),
        }
    }

    /// Runs the handler holding the request's concurrency `slot`. An answer
    /// that goes on after it is sent — a streamed body, background work —
    /// keeps the slot until it is done: a tenant's streams and background
    /// work count against its own concurrency, never another's.
    async fn call(&self, handler: &str, request: &wit::Request, slot: OwnedSemaphorePermit) -> HttpResponse {
        let Reply { mut response, held, errors } = match self.guest.call(request).await {
            Ok(reply) => reply,
            Err(err) => return self.failed(handler, err),
        };
        let first = if response.stream { std::mem::take(&mut response.body) } else { Vec::new() };
        let (stream, background) = (response.stream, response.background);
        let mut http = match from_guest(response, self.limits.max_response) {
            Ok(http) => http,
            Err(reason) => {
                tracing::error!(app = %self.guest.name(), %handler, "invalid response from guest: {reason}");
                return internal_error();
            }
        };
        match held {
            Some(held) if stream => *http.body_mut() = self.stream(handler, first, *held, slot),
            Some(held) if background => self.run_background(handler, *held, slot),
            _ => {}
        }
        with_errors(http, errors)
    }

    /// The rest of a streamed body: chunks pulled from the guest one by one
    /// (each under the app's timeout) and sent as they come; a client that
    /// does not take a chunk within the timeout, a guest that fails, or a
    /// body past `max_response` cuts the answer.
    fn stream(
        &self,
        handler: &str,
        first: Vec<u8>,
        mut held: Held,
        slot: OwnedSemaphorePermit,
    ) -> ResponseBody {
        let (sender, chunks) = tokio::sync::mpsc::channel(4);
        let (app, handler, metrics) =
            (self.guest.name().to_owned(), handler.to_owned(), self.metrics.clone());
        let (max_response, timeout) = (self.limits.max_response, self.limits.timeout);
        tokio::spawn(async move {
            let _slot = slot;
            let mut sent = 0usize;
            let mut chunk = Some(first);
            loop {
                let Some(bytes) = chunk.take() else {
                    held.release();
                    return;
                };
                sent = sent.saturating_add(bytes.len());
                if sent > max_response {
                    let reason = format!("the body passed the app's max_response of {max_response} bytes");
                    tracing::error!(%app, %handler, "{reason}");
                    let _ = sender.send(Err(StreamAborted(reason))).await;
                    return;
                }
                if !bytes.is_empty() {
                    match tokio::time::timeout(timeout, sender.send(Ok(Bytes::from(bytes)))).await {
                        Ok(Ok(())) => {}
                        // The client left, or does not read: the instance is dropped.
                        Ok(Err(_)) | Err(_) => {
                            tracing::debug!(%app, %handler, "the client stopped reading a streamed answer");
                            return;
                        }
                    }
                }
                chunk = match held.next_chunk().await {
                    Ok(next) => next,
                    Err(err) => {
                        count_failure(&metrics, &err);
                        tracing::error!(%app, %handler, "streaming the answer failed: {err}");
                        sent_out(&sender).await;
                        let _ = sender.send(Err(StreamAborted(err.to_string()))).await;
                        return;
                    }
                };
            }
        });
        ResponseBody::stream(chunks)
    }

    /// Runs the work the guest left behind its answer, once it is on its way.
    fn run_background(&self, handler: &str, held: Held, slot: OwnedSemaphorePermit) {
        let (app, handler, metrics) =
            (self.guest.name().to_owned(), handler.to_owned(), self.metrics.clone());
        tokio::spawn(async move {
            let _slot = slot;
            match held.run_background().await {
                Ok(()) => tracing::debug!(%app, %handler, "background work done"),
                Err(err) => {
                    count_failure(&metrics, &err);
                    tracing::error!(%app, %handler, "background work failed: {err}");
                }
            }
        });
    }

    /// The answer to a call that failed.
    fn failed(&self, handler: &str, err: CallError) -> HttpResponse {
        call_failed(self.guest.name(), &self.metrics, handler, err)
    }

    /// A 422 for bad parameters of a route with a body or dependencies:
    /// FastAPI lists the body's errors too, so the guest validates the body
    /// (only) and its errors follow the host's; a dependency that still ran
    /// and raised answers instead, as in FastAPI.
    async fn reject_with_guest_errors(
        &self,
        handler: &str,
        errors: &[ValidationError],
        request: &wit::Request,
        dependencies: bool,
    ) -> HttpResponse {
        // A validate-only call leaves no work behind (its `background` is dropped).
        let body_errors = match self.guest.call(request).await.map(|reply| reply.response) {
            Ok(response) if response.status == 422 => detail_list(&response.body),
            // The body cannot be parsed at all (400), or a dependency
            // answered: FastAPI answers that first.
            Ok(response) if response.status == 400 || (dependencies && response.status != 204) => {
                return from_guest(response, self.limits.max_response).unwrap_or_else(|_| internal_error());
            }
            Ok(_) => Vec::new(),
            Err(err) => {
                tracing::error!(app = %self.guest.name(), %handler, "validating the body failed: {err}");
                Vec::new()
            }
        };
        json(StatusCode::UNPROCESSABLE_ENTITY, validation_body(errors, body_errors))
    }
}

/// What the runtime loads `config`'s guest with, and the app's metrics
/// (which observe its instances).
pub(super) fn guest_config(config: &AppConfig, capabilities: Capabilities) -> (GuestConfig, Arc<AppMetrics>) {
    let metrics = Arc::new(METRICS.app(&config.name));
    let guest_config = GuestConfig {
        identity: Identity { app: config.name.as_str().into(), tenant: config.tenant.as_str().into() },
        capabilities,
        limits: config.limits.for_instances(),
        instances: config.instances,
        observer: metrics.clone(),
    };
    (guest_config, metrics)
}

/// The path without the app's `root_path` when it still carries it (a proxy
/// that did not strip it), as Starlette routes it.
fn without_root_path<'p>(path: &'p str, root_path: &str) -> &'p str {
    match path.strip_prefix(root_path) {
        Some(rest) if !root_path.is_empty() && rest.starts_with('/') => rest,
        _ => path,
    }
}

/// FastAPI's 422 for parameters the host refused (no body errors to add).
fn unprocessable(errors: &[ValidationError]) -> HttpResponse {
    json(StatusCode::UNPROCESSABLE_ENTITY, validation_body(errors, Vec::new()))
}

fn internal_error() -> HttpResponse {
    detail(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error")
}

/// Waits until the server has taken every chunk queued on `sender` and had
/// a moment to write them: hyper drops what it holds when a body fails, and
/// a client must get what the guest sent before it failed. Bounded: a
/// client that does not read is not waited for.
async fn sent_out<T>(sender: &tokio::sync::mpsc::Sender<T>) {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_millis(500);
    while sender.capacity() < sender.max_capacity() && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(1)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
}
