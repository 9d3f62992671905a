//! `fasterapi deploy NAME FILE.wasm`: uploads a component to a running
//! server's admin API (a small HTTP/1.1 client).

use std::path::Path;

use anyhow::{Context, Result, bail};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HOST};
use hyper_util::rt::TokioIo;

use fasterapi_oci::ImageRef;

use crate::admin::APP_HEADER;
use crate::config::manifest;

/// Deploys `component` as app `name` with manifest entry `app`; the token
/// comes from `$FASTERAPI_ADMIN_TOKEN`.
pub fn run(name: &str, component: &Path, admin: &str, app: &str) -> Result<()> {
    let (bytes, app) = match component.to_str().filter(|text| ImageRef::is_reference(text)) {
        // The server pulls it: the entry names it, nothing is uploaded.
        Some(reference) => (Vec::new(), with_component(app, reference)?),
        None => {
            let bytes =
                std::fs::read(component).with_context(|| format!("cannot read {}", component.display()))?;
            (bytes, app.to_owned())
        }
    };
    let app = app.as_str();
    let token = std::env::var("FASTERAPI_ADMIN_TOKEN")
        .context("set FASTERAPI_ADMIN_TOKEN to the server's admin token")?;
    let answer = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?
        .block_on(deploy(admin, &token, name, app, bytes))?;
    eprintln!("deployed {name}: {answer}");
    Ok(())
}

/// The manifest entry `app` (an inline table, maybe empty) with its
/// component set to `reference`.
fn with_component(app: &str, reference: &str) -> Result<String> {
    let mut entry = manifest::inline_entry(app).map_err(|reason| anyhow::anyhow!("--app {reason}"))?;
    entry.insert("component".into(), reference.into());
    Ok(toml::Value::Table(entry).to_string())
}

/// PUTs `component` as app `name` with manifest entry `app` to the admin API
/// at `admin` (`http://host:port`); returns the server's answer.
async fn deploy(admin: &str, token: &str, name: &str, app: &str, component: Vec<u8>) -> Result<String> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reference_joins_the_entry() {
        let reference = "oci://localhost:5000/apps/shop:1";
        let entry = with_component(r#"{ tenant = "acme", route = "/acme" }"#, reference).unwrap();
        let table: toml::Table = toml::from_str(&format!("app = {entry}")).unwrap();
        assert_eq!(table["app"]["component"].as_str(), Some(reference));
        assert_eq!(table["app"]["tenant"].as_str(), Some("acme"));
        let bare: toml::Table =
            toml::from_str(&format!("app = {}", with_component("", reference).unwrap())).unwrap();
        assert_eq!(bare["app"]["component"].as_str(), Some(reference));
        assert!(with_component("not toml", reference).is_err());
    }
}
