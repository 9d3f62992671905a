//! What an app serves beside its own routes: `GET /openapi.json` and the
//! interactive docs at `GET /docs` (Swagger UI), under the app's mount.
//!
//! Swagger UI's files are built into the binary (`host/assets/swagger-ui`,
//! `make update-swagger-ui`): the docs work offline and never load code
//! from a CDN. Their URLs carry the Swagger UI version, so browsers may cache
//! them for good.

use bytes::Bytes;
use fasterapi_routes::spec::Method;
use hyper::StatusCode;
use hyper::header::{CACHE_CONTROL, HeaderValue};

use fasterapi_routes::spec::AppPaths;

use crate::config::DocsSettings;
use crate::http::{HttpResponse, with_media_type};

/// The Swagger UI release in `host/assets/swagger-ui`.
pub const SWAGGER_UI_VERSION: &str = "5.35.0";

/// Swagger UI's files: (name, media type, bytes).
const ASSETS: [(&str, &str, &[u8]); 3] = [
    (
        "swagger-ui-bundle.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/swagger-ui/swagger-ui-bundle.js"),
    ),
    ("swagger-ui.css", "text/css; charset=utf-8", include_bytes!("../../assets/swagger-ui/swagger-ui.css")),
    ("favicon-32x32.png", "image/png", include_bytes!("../../assets/swagger-ui/favicon-32x32.png")),
];

/// One mounted app's documentation, rendered once when it is mounted.
pub struct DocsSite {
    /// The document, at its path below the mount.
    openapi: Option<(String, Bytes)>,
    /// The Swagger UI page, at its path below the mount.
    page: Option<(String, Bytes)>,
    /// `<docs path>/assets/<version>/`, below the app's mount.
    assets_dir: String,
}

impl DocsSite {
    /// The documentation of an app with OpenAPI document `openapi`,
    /// mounted under `prefix`, at the paths the app chose (`urls`) unless
    /// the manifest turns them off (`settings`). A proxy's `root_path`
    /// goes before the mount in the document's `servers` and the page's URLs.
    pub fn new(
        openapi: &serde_json::Value,
        prefix: Option<&str>,
        settings: DocsSettings,
        urls: &AppPaths,
    ) -> Self {
        let root = format!("{}{}", urls.root_path, prefix.unwrap_or(""));
        let document =
            fasterapi_routes::openapi::mounted(openapi, Some(root.as_str()).filter(|r| !r.is_empty()));
        let openapi_path = urls.openapi.clone().filter(|_| settings.openapi);
        let docs_path = urls.docs.clone().filter(|_| settings.docs && openapi_path.is_some());
        let title = document["info"]["title"].as_str().unwrap_or_default();
        let page = match (&openapi_path, &docs_path) {
            (Some(openapi), Some(docs)) => {
                Some((docs.clone(), Bytes::from(swagger_page(&root, title, openapi, docs))))
            }
            _ => None,
        };
        let assets_dir = format!("{}/assets/{SWAGGER_UI_VERSION}/", docs_path.as_deref().unwrap_or("/docs"));
        let openapi = openapi_path.map(|path| (path, Bytes::from(document.to_string())));
        DocsSite { openapi, page, assets_dir }
    }

    /// The answer for `path` (below the mount) if it is a documentation
    /// URL; `None` lets the request go on to a 404.
    pub fn serve(&self, method: Option<Method>, path: &str) -> Option<HttpResponse> {
        if !matches!(method, Some(Method::Get | Method::Head)) {
            return None;
        }
        if let Some((_, document)) = self.openapi.as_ref().filter(|(at, _)| at == path) {
            return Some(answer(document.clone(), "application/json", "no-cache"));
        }
        let (at, page) = self.page.as_ref()?;
        if at == path {
            return Some(answer(page.clone(), "text/html; charset=utf-8", "no-cache"));
        }
        let name = path.strip_prefix(&self.assets_dir)?;
        let (_, media_type, bytes) = ASSETS.iter().find(|(asset, _, _)| *asset == name)?;
        Some(answer(Bytes::from_static(bytes), media_type, "public, max-age=31536000, immutable"))
    }
}

fn answer(body: Bytes, media_type: &'static str, cache: &'static str) -> HttpResponse {
    let mut response = with_media_type(StatusCode::OK, body, media_type);
    response.headers_mut().insert(CACHE_CONTROL, HeaderValue::from_static(cache));
    response
}

/// The docs page: Swagger UI pointed at the app's document.
fn swagger_page(root: &str, title: &str, openapi_path: &str, docs_path: &str) -> String {
    let assets = escape_html(&format!("{root}{docs_path}/assets/{SWAGGER_UI_VERSION}"));
    let title = escape_html(&format!("{title} - Swagger UI"));
    let openapi_url = serde_json::to_string(&format!("{root}{openapi_path}")).unwrap_or_default();
    format!(
        r##"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="stylesheet" type="text/css" href="{assets}/swagger-ui.css">
<link rel="icon" type="image/png" href="{assets}/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="{assets}/swagger-ui-bundle.js"></script>
<script>
window.ui = SwaggerUIBundle({{
  url: {openapi_url},
  dom_id: "#swagger-ui",
  layout: "BaseLayout",
  deepLinking: true,
  showExtensions: true,
  showCommonExtensions: true,
  presets: [SwaggerUIBundle.presets.apis],
}});
</script>
</body>
</html>
"##
    )
}

fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_points_at_the_mounted_document_and_assets() {
        let page = swagger_page("/py", "Shop <API>", "/openapi.json", "/docs");
        assert!(page.contains(r#"url: "/py/openapi.json""#));
        assert!(page.contains(&format!("/py/docs/assets/{SWAGGER_UI_VERSION}/swagger-ui-bundle.js")));
        assert!(page.contains("Shop &lt;API&gt; - Swagger UI"));
    }

    #[test]
    fn the_app_chooses_the_paths_and_a_proxy_prefix() {
        let urls = AppPaths {
            openapi: Some("/api/openapi.json".into()),
            docs: Some("/documentation".into()),
            root_path: "/proxy".into(),
        };
        let document = serde_json::json!({ "openapi": "3.1.0", "info": { "title": "T" }, "paths": {} });
        let site = DocsSite::new(&document, Some("/py"), DocsSettings::default(), &urls);
        let served = |path: &str| site.serve(Some(Method::Get), path).map(|r| r.status());
        assert_eq!(served("/api/openapi.json"), Some(StatusCode::OK));
        assert_eq!(served("/documentation"), Some(StatusCode::OK));
        assert_eq!(
            served(&format!("/documentation/assets/{SWAGGER_UI_VERSION}/swagger-ui.css")),
            Some(StatusCode::OK)
        );
        assert_eq!((served("/openapi.json"), served("/docs")), (None, None));
        let (_, body) = site.openapi.as_ref().unwrap();
        let served_document: serde_json::Value = serde_json::from_slice(body).unwrap();
        assert_eq!(served_document["servers"], serde_json::json!([{ "url": "/proxy/py" }]));
        let (_, page) = site.page.as_ref().unwrap();
        assert!(String::from_utf8_lossy(page).contains(r#"url: "/proxy/py/api/openapi.json""#));
        let off = AppPaths { docs: None, ..urls };
        let site = DocsSite::new(&document, None, DocsSettings::default(), &off);
        assert_eq!(site.serve(Some(Method::Get), "/documentation").map(|r| r.status()), None);
        assert!(site.serve(Some(Method::Get), "/api/openapi.json").is_some());
    }
}
