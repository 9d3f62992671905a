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
    openapi: Option<Bytes>,
    page: Option<Bytes>,
    /// `/docs/assets/<version>/`, below the app's mount.
    assets_dir: String,
}

impl DocsSite {
    /// The documentation of an app with OpenAPI document `openapi`,
    /// mounted under `prefix`.
    pub fn new(openapi: &serde_json::Value, prefix: Option<&str>, settings: DocsSettings) -> Self {
        let document = fasterapi_routes::openapi::mounted(openapi, prefix);
        let openapi = settings.openapi.then(|| Bytes::from(document.to_string()));
        let root = prefix.unwrap_or("");
        let title = document["info"]["title"].as_str().unwrap_or_default();
        let page = (settings.openapi && settings.docs).then(|| Bytes::from(swagger_page(root, title)));
        DocsSite { openapi, page, assets_dir: format!("/docs/assets/{SWAGGER_UI_VERSION}/") }
    }

    /// The answer for `path` (below the mount) if it is a documentation
    /// URL; `None` lets the request go on to a 404.
    pub fn serve(&self, method: Option<Method>, path: &str) -> Option<HttpResponse> {
        if !matches!(method, Some(Method::Get | Method::Head)) {
            return None;
        }
        match path {
            "/openapi.json" => Some(answer(self.openapi.clone()?, "application/json", "no-cache")),
            "/docs" => Some(answer(self.page.clone()?, "text/html; charset=utf-8", "no-cache")),
            _ => {
                self.page.as_ref()?;
                let name = path.strip_prefix(&self.assets_dir)?;
                let (_, media_type, bytes) = ASSETS.iter().find(|(asset, _, _)| *asset == name)?;
                Some(answer(Bytes::from_static(bytes), media_type, "public, max-age=31536000, immutable"))
            }
        }
    }
}

fn answer(body: Bytes, media_type: &'static str, cache: &'static str) -> HttpResponse {
    let mut response = with_media_type(StatusCode::OK, body, media_type);
    response.headers_mut().insert(CACHE_CONTROL, HeaderValue::from_static(cache));
    response
}

/// The `/docs` page: Swagger UI pointed at the app's `/openapi.json`.
fn swagger_page(root: &str, title: &str) -> String {
    let assets = format!("{root}/docs/assets/{SWAGGER_UI_VERSION}");
    let title = escape_html(&format!("{title} - Swagger UI"));
    let openapi_url = serde_json::to_string(&format!("{root}/openapi.json")).unwrap_or_default();
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
        let page = swagger_page("/py", "Shop <API>");
        assert!(page.contains(r#"url: "/py/openapi.json""#));
        assert!(page.contains(&format!("/py/docs/assets/{SWAGGER_UI_VERSION}/swagger-ui-bundle.js")));
        assert!(page.contains("Shop &lt;API&gt; - Swagger UI"));
    }
}
