//! The admin API, on its own (loopback by default) listener, behind a bearer
//! token compared in constant time: list, deploy and remove apps, and
//! Prometheus metrics; and the probes, `/health` and `/ready`, open to all.
//! Without a token there is no admin listener.

use std::sync::Arc;

use hyper::body::Incoming;
use hyper::header::{AUTHORIZATION, HeaderValue, WWW_AUTHENTICATE};
use hyper::{Method, Request, StatusCode};
use subtle::ConstantTimeEq;

use crate::config::AdminConfig;
use crate::http::{Handler, HttpResponse, detail, json, save_limited, with_media_type};
use crate::metrics::METRICS;
use crate::registry::{DeployError, Readiness, Registry};

/// The header carrying a deployed app's manifest entry (a TOML inline table).
pub const APP_HEADER: &str = "fasterapi-app";
/// The largest component the admin API accepts; uploads are streamed to
/// disk, never held in memory whole.
const MAX_COMPONENT: usize = 256 << 20;

/// The shortest token accepted on an address other than loopback.
pub const MIN_EXPOSED_TOKEN: usize = 32;

/// Why the admin API cannot start.
#[derive(Debug, thiserror::Error)]
pub enum AdminTokenError {
    /// The token file cannot be read.
    #[error("cannot read the admin token file: {0}")]
    Read(#[from] std::io::Error),
    /// A short token on an address others can reach.
    #[error(
        "the admin API listens on {0}, beyond loopback: its token must be at least {MIN_EXPOSED_TOKEN} bytes (e.g. `openssl rand -hex 32`)"
    )]
    TooShort(std::net::SocketAddr),
}

/// The admin token: `$FASTERAPI_ADMIN_TOKEN` if set and not empty, else
/// the configured file's contents; `None` (no admin API) if neither gives
/// one. A token for an address beyond loopback must be long.
pub fn token(config: &AdminConfig) -> Result<Option<String>, AdminTokenError> {
    let from_env = std::env::var("FASTERAPI_ADMIN_TOKEN").ok().filter(|t| !t.is_empty());
    let token = match (from_env, &config.token_file) {
        (Some(token), _) => Some(token),
        (None, Some(file)) => {
            Some(std::fs::read_to_string(file)?.trim().to_owned()).filter(|t| !t.is_empty())
        }
        (None, None) => None,
    };
    match token {
        Some(token) if !config.listen.ip().is_loopback() && token.len() < MIN_EXPOSED_TOKEN => {
            Err(AdminTokenError::TooShort(config.listen))
        }
        token => Ok(token),
    }
}

/// The credentials of an `Authorization: Bearer ...` header; the scheme is
/// case-insensitive (RFC 7235).
fn bearer(value: &str) -> Option<&str> {
    let (scheme, credentials) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| credentials.trim_start())
}

/// Serves the admin API's requests.
pub struct Admin {
    registry: Arc<Registry>,
    token: String,
}

impl Admin {
    /// An admin API over `registry`, for clients presenting `token`.
    pub fn new(registry: Arc<Registry>, token: String) -> Self {
        Admin { registry, token }
    }

    /// Answers one admin request.
    pub async fn handle(&self, request: Request<Incoming>) -> HttpResponse {
        if let Some(probe) = self.probe(&request).await {
            return probe;
        }
        if !self.authorized(&request) {
            let mut response = detail(StatusCode::UNAUTHORIZED, "Unauthorized");
            response.headers_mut().insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            return response;
        }
        let path = request.uri().path().to_owned();
        let app = path.strip_prefix("/apps/").filter(|name| !name.is_empty() && !name.contains('/'));
        match (request.method(), path.as_str(), app) {
            (&Method::GET, "/metrics", _) => with_media_type(
                StatusCode::OK,
                METRICS.encode(),
                "application/openmetrics-text; version=1.0.0; charset=utf-8",
            ),
            (&Method::GET, "/apps", _) => {
                json(StatusCode::OK, serde_json::to_vec(&self.registry.list().await).unwrap_or_default())
            }
            (&Method::PUT, _, Some(name)) => {
                let name = name.to_owned();
                self.deploy(&name, request).await
            }
            (&Method::DELETE, _, Some(name)) => match self.registry.remove(name).await {
                Ok(true) => json(StatusCode::OK, serde_json::json!({ "removed": name }).to_string()),
                Ok(false) => detail(StatusCode::NOT_FOUND, "No such app"),
                Err(err) => detail(StatusCode::INTERNAL_SERVER_ERROR, &err.to_string()),
            },
            _ => detail(StatusCode::NOT_FOUND, "Not Found"),
        }
    }

    /// The probes, which need no token (a kubelet has none, and they tell
    /// nothing but whether the host lives and is ready): `GET /health`,
    /// 200 while the process serves; `GET /ready`, 200 once every app of
    /// the manifest is loaded, 503 while loading and while draining.
    async fn probe(&self, request: &Request<Incoming>) -> Option<HttpResponse> {
        let path = request.uri().path();
        if request.method() != Method::GET || !matches!(path, "/health" | "/ready") {
            return None;
        }
        let apps = self.registry.app_count().await;
        let body = |status: &str| serde_json::json!({ "status": status, "apps": apps }).to_string();
        let readiness = self.registry.readiness();
        Some(match (path, readiness) {
            ("/health", _) => json(StatusCode::OK, body("ok")),
            (_, Readiness::Ready) => json(StatusCode::OK, body(readiness.as_str())),
            _ => json(StatusCode::SERVICE_UNAVAILABLE, body(readiness.as_str())),
        })
    }

    fn authorized(&self, request: &Request<Incoming>) -> bool {
        let presented = request
            .headers()
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(bearer)
            .unwrap_or_default();
        presented.as_bytes().ct_eq(self.token.as_bytes()).into()
    }

    async fn deploy(&self, name: &str, request: Request<Incoming>) -> HttpResponse {
        let fragment = match request.headers().get(APP_HEADER).map(|v| v.to_str()) {
            None => String::new(),
            Some(Ok(fragment)) => fragment.to_owned(),
            Some(Err(_)) => return detail(StatusCode::BAD_REQUEST, "the FasterAPI-App header is not text"),
        };
        let upload = match self.registry.upload_path() {
            Ok(path) => path,
            Err(err) => return detail(StatusCode::INTERNAL_SERVER_ERROR, &err.to_string()),
        };
        if let Err(err) = save_limited(request.into_body(), MAX_COMPONENT, &upload).await {
            return detail(err.status(), &format!("cannot read the component: {err}"));
        }
        match self.registry.deploy(name, &fragment, &upload).await {
            Ok(()) => {
                tracing::info!(app = name, "deployed through the admin API");
                json(StatusCode::OK, serde_json::json!({ "deployed": name }).to_string())
            }
            Err(err) => {
                tracing::warn!(app = name, "deploy refused: {err}");
                let status = match err {
                    DeployError::Store { .. } => StatusCode::INTERNAL_SERVER_ERROR,
                    _ => StatusCode::BAD_REQUEST,
                };
                detail(status, &err.to_string())
            }
        }
    }
}

impl Handler for Admin {
    async fn handle(&self, request: Request<Incoming>) -> HttpResponse {
        Admin::handle(self, request).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bearer_scheme_is_case_insensitive() {
        assert_eq!(bearer("Bearer abc"), Some("abc"));
        assert_eq!(bearer("bearer abc"), Some("abc"));
        assert_eq!(bearer("BEARER  abc"), Some("abc"));
        assert_eq!(bearer("Basic abc"), None);
        assert_eq!(bearer("Bearerabc"), None);
    }
}
