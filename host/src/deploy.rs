//! `fasterapi deploy`: a small HTTP/1.1 client for the admin API.

use anyhow::{Context, Result, bail};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HOST};
use hyper_util::rt::TokioIo;

use crate::admin::APP_HEADER;

/// PUTs `component` as app `name` with manifest entry `app` to the admin API
/// at `admin` (`http://host:port`); returns the server's answer.
pub async fn deploy(admin: &str, token: &str, name: &str, app: &str, component: Vec<u8>) -> Result<String> {
    let authority = admin.strip_prefix("http://").unwrap_or(admin).trim_end_matches('/');
    let stream = tokio::net::TcpStream::connect(authority)
        .await
        .with_context(|| format!("cannot reach the admin API at {admin}"))?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(connection);
    let request = Request::put(format!("/apps/{name}"))
        .header(HOST, authority)
        .header(AUTHORIZATION, format!("Bearer {token}"))
        .header(CONTENT_TYPE, "application/wasm")
        .header(APP_HEADER, app)
        .body(Full::new(Bytes::from(component)))?;
    let response = sender.send_request(request).await.context("the admin API did not answer")?;
    let status = response.status();
    let body = response.into_body().collect().await?.to_bytes();
    let text = String::from_utf8_lossy(&body).into_owned();
    if !status.is_success() {
        bail!("the admin API refused the deploy ({status}): {text}");
    }
    Ok(text)
}
