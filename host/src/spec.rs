//! Route specifications declared by a guest, and their validation.
//!
//! These are the host's own types for what the guest's `routes()` returned;
//! the runtime converts the WIT values into them once, when an app loads.

use std::collections::HashSet;
use std::fmt;

use crate::params::Value;

/// An HTTP method a route can be declared for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
    Head,
    Options,
}

impl Method {
    /// The method's name as it appears on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
            Method::Head => "HEAD",
            Method::Options => "OPTIONS",
        }
    }

    /// The method of an HTTP request; `None` for methods no route can declare.
    pub fn from_http(method: &hyper::Method) -> Option<Method> {
        Some(match *method {
            hyper::Method::GET => Method::Get,
            hyper::Method::POST => Method::Post,
            hyper::Method::PUT => Method::Put,
            hyper::Method::PATCH => Method::Patch,
            hyper::Method::DELETE => Method::Delete,
            hyper::Method::HEAD => Method::Head,
            hyper::Method::OPTIONS => Method::Options,
            _ => return None,
        })
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a parameter is read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ParamSource {
    Path,
    Query,
    Header,
}

impl ParamSource {
    /// The first element of an error's `loc`, as FastAPI writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            ParamSource::Path => "path",
            ParamSource::Query => "query",
            ParamSource::Header => "header",
        }
    }
}

/// The type a parameter's text is parsed into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamKind {
    Int,
    Float,
    Bool,
    Text,
}

impl ParamKind {
    fn accepts(self, value: &Value) -> bool {
        matches!(
            (self, value),
            (_, Value::None)
                | (ParamKind::Int, Value::Int(_))
                | (ParamKind::Float, Value::Float(_))
                | (ParamKind::Bool, Value::Bool(_))
                | (ParamKind::Text, Value::Text(_))
        )
    }
}

/// One declared parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamSpec {
    /// The wire name: path segment, query key or (lower-case) header name.
    pub name: String,
    pub source: ParamSource,
    pub kind: ParamKind,
    pub required: bool,
    /// The value passed when an optional parameter is absent.
    pub default: Value,
    /// What the parameter means, for the OpenAPI document.
    pub description: Option<String>,
}

/// The JSON body a route takes; the guest parses it.
#[derive(Debug, Clone, PartialEq)]
pub struct BodySpec {
    pub required: bool,
    pub media_type: String,
    /// The body's JSON Schema, as the guest declared it (JSON text).
    pub schema: Option<String>,
}

/// What the OpenAPI document says of a route; serving ignores it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RouteDocs {
    pub summary: Option<String>,
    pub description: Option<String>,
    pub tags: Vec<String>,
    pub deprecated: bool,
    /// False hides the route from the document.
    pub include_in_schema: bool,
    /// The status code of a successful answer.
    pub status: u16,
    pub response_media_type: String,
    /// The JSON Schema of a successful answer (JSON text); `None` is any value.
    pub response_schema: Option<String>,
}

/// What the OpenAPI document says of an app as a whole.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ApiInfo {
    pub title: Option<String>,
    pub version: Option<String>,
    pub description: Option<String>,
}

/// One route of an app.
#[derive(Debug, Clone, PartialEq)]
pub struct RouteSpec {
    pub method: Method,
    /// A matchit path template.
    pub path: String,
    pub params: Vec<ParamSpec>,
    pub body: Option<BodySpec>,
    /// The handler's name, for logs.
    pub name: String,
    /// Whether the guest reads the raw request (all headers, the body).
    pub raw_request: bool,
    pub docs: RouteDocs,
}

/// A route table the host refuses to serve.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum SpecError {
    #[error("route {method} {path}: the path must start with '/'")]
    RelativePath { method: Method, path: String },
    #[error("route {method} {path} is declared twice")]
    Duplicate { method: Method, path: String },
    #[error("route {method} {path}: parameter '{name}' is declared twice")]
    DuplicateParam { method: Method, path: String, name: String },
    #[error("route {method} {path}: the template has {{{name}}} but no path parameter declares it")]
    UndeclaredPathParam { method: Method, path: String, name: String },
    #[error("route {method} {path}: path parameter '{name}' is not in the template")]
    PathParamNotInTemplate { method: Method, path: String, name: String },
    #[error("route {method} {path}: path parameter '{name}' must be required")]
    OptionalPathParam { method: Method, path: String, name: String },
    #[error("route {method} {path}: the default of '{name}' does not have the parameter's type")]
    DefaultType { method: Method, path: String, name: String },
    #[error("route {method} {path}: {reason}")]
    Template { method: Method, path: String, reason: String },
}

impl RouteSpec {
    /// Checks the route on its own; `validate_routes` checks the table.
    pub fn validate(&self) -> Result<(), SpecError> {
        let (method, path) = (self.method, self.path.clone());
        if !self.path.starts_with('/') {
            return Err(SpecError::RelativePath { method, path });
        }
        let template = template_params(&self.path).map_err(|reason| SpecError::Template {
            method,
            path: path.clone(),
            reason,
        })?;
        let mut seen = HashSet::new();
        for param in &self.params {
            let name = param.name.clone();
            let key = (param.source, param.name.to_ascii_lowercase());
            if !seen.insert(key) {
                return Err(SpecError::DuplicateParam { method, path, name });
            }
            if !param.kind.accepts(&param.default) {
                return Err(SpecError::DefaultType { method, path, name });
            }
            if param.source == ParamSource::Path {
                if !template.contains(&param.name) {
                    return Err(SpecError::PathParamNotInTemplate { method, path, name });
                }
                if !param.required {
                    return Err(SpecError::OptionalPathParam { method, path, name });
                }
            }
        }
        for name in template {
            if !seen.contains(&(ParamSource::Path, name.to_ascii_lowercase())) {
                return Err(SpecError::UndeclaredPathParam { method, path, name });
            }
        }
        Ok(())
    }
}

/// Checks every route and that no method + path is declared twice.
pub fn validate_routes(routes: &[RouteSpec]) -> Result<(), SpecError> {
    let mut seen = HashSet::new();
    for route in routes {
        route.validate()?;
        if !seen.insert((route.method, route.path.as_str())) {
            return Err(SpecError::Duplicate { method: route.method, path: route.path.clone() });
        }
    }
    Ok(())
}

/// The parameter names of a matchit template (`{id}`, `{*rest}`), or why the
/// template is malformed.
pub fn template_params(template: &str) -> Result<Vec<String>, String> {
    let mut names = Vec::new();
    let mut chars = template.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        match c {
            '{' if chars.peek().map(|&(_, c)| c) == Some('{') => {
                chars.next();
            }
            '}' if chars.peek().map(|&(_, c)| c) == Some('}') => {
                chars.next();
            }
            '}' => return Err(format!("unmatched '}}' at byte {start}")),
            '{' => {
                let rest = &template[start + 1..];
                let end = rest.find('}').ok_or_else(|| format!("unclosed '{{' at byte {start}"))?;
                let name = rest[..end].strip_prefix('*').unwrap_or(&rest[..end]);
                if name.is_empty() || !name.chars().all(|c| c.is_alphanumeric() || c == '_') {
                    return Err(format!("'{{{}}}' is not a valid parameter name", &rest[..end]));
                }
                names.push(name.to_owned());
                for _ in 0..=end {
                    chars.next();
                }
            }
            _ => {}
        }
    }
    Ok(names)
}

/// A route `h` with `params` and nothing else, for tests.
#[cfg(test)]
pub(crate) fn route_for_tests(method: Method, path: &str, params: Vec<ParamSpec>) -> RouteSpec {
    RouteSpec {
        method,
        path: path.into(),
        params,
        body: None,
        name: "h".into(),
        raw_request: false,
        docs: RouteDocs::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn param(name: &str, source: ParamSource) -> ParamSpec {
        ParamSpec {
            name: name.into(),
            source,
            kind: ParamKind::Int,
            required: true,
            default: Value::None,
            description: None,
        }
    }

    use super::route_for_tests as route;

    #[test]
    fn template_names_are_found() {
        assert_eq!(template_params("/users/{id}/files/{*rest}").unwrap(), ["id", "rest"]);
        assert_eq!(template_params("/a/{{literal}}").unwrap(), Vec::<String>::new());
        assert!(template_params("/a/{id").is_err());
        assert!(template_params("/a/{}").is_err());
        assert!(template_params("/a/{a-b}").is_err());
    }

    #[test]
    fn a_good_table_passes() {
        let routes = [
            route(Method::Get, "/users/{id}", vec![param("id", ParamSource::Path)]),
            route(Method::Post, "/users/{id}", vec![param("id", ParamSource::Path)]),
            route(Method::Get, "/items", vec![param("limit", ParamSource::Query)]),
        ];
        assert_eq!(validate_routes(&routes), Ok(()));
    }

    #[test]
    fn bad_tables_are_refused() {
        let id = || vec![param("id", ParamSource::Path)];
        let dup = [route(Method::Get, "/u/{id}", id()), route(Method::Get, "/u/{id}", id())];
        assert!(matches!(validate_routes(&dup), Err(SpecError::Duplicate { .. })));

        let undeclared = [route(Method::Get, "/u/{id}", vec![])];
        assert!(matches!(validate_routes(&undeclared), Err(SpecError::UndeclaredPathParam { .. })));

        let stray = [route(Method::Get, "/u", id())];
        assert!(matches!(validate_routes(&stray), Err(SpecError::PathParamNotInTemplate { .. })));

        let twice =
            [route(Method::Get, "/u", vec![param("q", ParamSource::Query), param("q", ParamSource::Query)])];
        assert!(matches!(validate_routes(&twice), Err(SpecError::DuplicateParam { .. })));

        let mut optional = param("id", ParamSource::Path);
        optional.required = false;
        let optional = [route(Method::Get, "/u/{id}", vec![optional])];
        assert!(matches!(validate_routes(&optional), Err(SpecError::OptionalPathParam { .. })));

        let mut typed = param("q", ParamSource::Query);
        typed.default = Value::Text("x".into());
        let typed = [route(Method::Get, "/u", vec![typed])];
        assert!(matches!(validate_routes(&typed), Err(SpecError::DefaultType { .. })));

        let relative = [route(Method::Get, "u", vec![])];
        assert!(matches!(validate_routes(&relative), Err(SpecError::RelativePath { .. })));
    }
}
