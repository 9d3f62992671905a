//! Route specifications declared by a guest, and their validation.
//!
//! These are the host's own types for what a guest's `routes()` returned
//! (the runtime converts the WIT values into them once, when an app loads):
//! the host validates them, routes on them and documents them.

use std::collections::HashSet;
use std::fmt;

use crate::constraints::Constraints;
use crate::template::template_params;
use crate::value::{List, Value};

/// An HTTP method a route can be declared for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)] // the HTTP methods of the same names
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

    /// The method named `name` on the wire (`"GET"`); `None` for methods
    /// no route can declare.
    pub fn from_name(name: &str) -> Option<Method> {
        Some(match name {
            "GET" => Method::Get,
            "POST" => Method::Post,
            "PUT" => Method::Put,
            "PATCH" => Method::Patch,
            "DELETE" => Method::Delete,
            "HEAD" => Method::Head,
            "OPTIONS" => Method::Options,
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
    /// A `{name}` segment of the path template.
    Path,
    /// A key of the query string.
    Query,
    /// A request header (names are lower-case).
    Header,
    /// A cookie of the `Cookie` header.
    Cookie,
    /// A field of a form body (urlencoded or multipart); its error `loc`
    /// starts with `body`, as FastAPI writes it.
    Form,
}

impl ParamSource {
    /// The first element of an error's `loc`, as FastAPI writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            ParamSource::Path => "path",
            ParamSource::Query => "query",
            ParamSource::Header => "header",
            ParamSource::Cookie => "cookie",
            ParamSource::Form => "body",
        }
    }
}

/// The type a parameter's text is parsed into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamKind {
    /// `int`: a 64-bit integer.
    Int,
    /// `float`: a 64-bit float.
    Float,
    /// `bool`.
    Bool,
    /// `str`: the text as it is.
    Text,
    /// `uuid.UUID`: passed as canonical hyphenated lower-case text.
    Uuid,
    /// `datetime.datetime`, passed as ISO 8601 text (see [`crate::temporal`]).
    Datetime,
    /// `datetime.date`, passed as `YYYY-MM-DD`.
    Date,
    /// `datetime.time`, passed as `HH:MM:SS[.ffffff][+HH:MM]`.
    Time,
    /// `datetime.timedelta`, passed as `[-]P<d>DT<s>.<us>S`.
    Timedelta,
    /// `decimal.Decimal`, passed as `[-]<digits>E<exponent>` (see [`crate::decimal`]).
    Decimal,
    /// `bytes` from a form: a file's content, or a text field's bytes.
    Bytes,
    /// `UploadFile`: a file part of a multipart form (name, type, content).
    File,
}

impl ParamKind {
    /// Whether the guest gets this kind's values as text.
    pub fn is_textual(self) -> bool {
        matches!(
            self,
            ParamKind::Text
                | ParamKind::Uuid
                | ParamKind::Datetime
                | ParamKind::Date
                | ParamKind::Time
                | ParamKind::Timedelta
                | ParamKind::Decimal
        )
    }

    fn accepts(self, value: &Value, repeated: bool) -> bool {
        let upload = matches!(self, ParamKind::Bytes | ParamKind::File);
        match (value, repeated) {
            (Value::None, _) => true,
            (Value::List(list), true) => match list {
                List::Int(_) => self == ParamKind::Int,
                List::Float(_) => self == ParamKind::Float,
                List::Bool(_) => self == ParamKind::Bool,
                List::Text(_) => self.is_textual(),
                List::Upload(_) => upload,
            },
            (Value::Int(_), false) => self == ParamKind::Int,
            (Value::Float(_), false) => self == ParamKind::Float,
            (Value::Bool(_), false) => self == ParamKind::Bool,
            (Value::Text(_), false) => self.is_textual(),
            (Value::Upload(_), false) => upload,
            _ => false,
        }
    }
}

/// One declared parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamSpec {
    /// The wire name: path segment, query key or (lower-case) header name.
    pub name: String,
    /// Where the text is read from.
    pub source: ParamSource,
    /// What the text is parsed into.
    pub kind: ParamKind,
    /// Whether a request without it is refused (422 `missing`).
    pub required: bool,
    /// The value passed when an optional parameter is absent.
    pub default: Value,
    /// What the parameter means, for the OpenAPI document.
    pub description: Option<String>,
    /// The schema's title in the OpenAPI document (default: the wire name
    /// in title case).
    pub title: Option<String>,
    /// Every value is taken (`?q=a&q=b`, each line of a header) and the
    /// guest gets a list; a query or header parameter only.
    pub repeated: bool,
    /// A repeated parameter the guest takes as a set: documented with
    /// `uniqueItems` (the values are passed as they came).
    pub unique: bool,
    /// What each value must meet beyond its type.
    pub constraints: Constraints,
    /// Keywords merged into its documented schema (JSON object text).
    pub schema_extra: Option<String>,
}

/// The JSON body a route takes; the guest parses it.
#[derive(Debug, Clone, PartialEq)]
pub struct BodySpec {
    /// Whether a request must have a body.
    pub required: bool,
    /// The media type documented for the body (`application/json`).
    pub media_type: String,
    /// The body's JSON Schema, as the guest declared it (JSON text).
    pub schema: Option<String>,
}

/// What the OpenAPI document says of a route; serving ignores it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RouteDocs {
    /// The operation's summary (default: the handler's name as a title).
    pub summary: Option<String>,
    /// The operation's description (a handler's doc comment or docstring).
    pub description: Option<String>,
    /// Tags that group operations in `/docs`.
    pub tags: Vec<String>,
    /// Whether the operation is marked deprecated.
    pub deprecated: bool,
    /// False hides the route from the document.
    pub include_in_schema: bool,
    /// The status code of a successful answer.
    pub status: u16,
    /// The media type of a successful answer; empty when its body is not
    /// documented (a redirect).
    pub response_media_type: String,
    /// The JSON Schema of a successful answer (JSON text); `None` is any value.
    pub response_schema: Option<String>,
    /// Security schemes and requirements (JSON text, see the WIT `route-docs`).
    pub security: Option<String>,
    /// More documented answers (JSON text, see the WIT `route-docs`).
    pub responses: Option<String>,
}

/// Where an app's documentation is served below its mount, and the prefix a
/// proxy in front may leave on its paths (FastAPI's `openapi_url`,
/// `docs_url` and `root_path`).
#[derive(Debug, Clone, PartialEq)]
pub struct AppPaths {
    /// The OpenAPI document's path; `None`: not served, nor the docs page.
    pub openapi: Option<String>,
    /// Swagger UI's path; `None`: not served.
    pub docs: Option<String>,
    /// The prefix a proxy in front strips: the document's `servers` and the
    /// docs page's URLs start with it, and a request path that still
    /// carries it is routed without it (as Starlette does).
    pub root_path: String,
}

impl Default for AppPaths {
    fn default() -> Self {
        AppPaths {
            openapi: Some("/openapi.json".into()),
            docs: Some("/docs".into()),
            root_path: String::new(),
        }
    }
}

/// What the OpenAPI document says of an app as a whole.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ApiInfo {
    /// The API's title (default: the app's name).
    pub title: Option<String>,
    /// The API's version (default: `0.1.0`).
    pub version: Option<String>,
    /// What the API is for.
    pub description: Option<String>,
}

/// A parameter model: parameters of one source the handler takes as one
/// object (FastAPI's `Annotated[Model, Query()]`), which changes two errors:
/// a missing field's `input` is the source's keys, and other keys can be
/// forbidden.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ParamModel {
    /// Indexes into the route's `params`.
    pub fields: Vec<usize>,
    /// Any other key of the source is a 422 `extra_forbidden`.
    pub forbid_extra: bool,
}

/// One route of an app.
#[derive(Debug, Clone, PartialEq)]
pub struct RouteSpec {
    /// The method it answers.
    pub method: Method,
    /// A matchit path template.
    pub path: String,
    /// Its parameters, in the order the guest receives them.
    pub params: Vec<ParamSpec>,
    /// Parameter models grouping some of `params`.
    pub models: Vec<ParamModel>,
    /// The dependant (FastAPI's `Depends`) each parameter belongs to, in
    /// FastAPI's order of validation; empty when the route has none.
    pub param_groups: Vec<u32>,
    /// The body it takes, if any.
    pub body: Option<BodySpec>,
    /// The handler's name, for logs.
    pub name: String,
    /// Whether the guest reads the raw request (all headers, the body).
    pub raw_request: bool,
    /// What the OpenAPI document says of it.
    pub docs: RouteDocs,
}

/// A route table the host refuses to serve, naming the route and why.
#[derive(Debug, thiserror::Error, PartialEq)]
#[allow(missing_docs)] // each message says what the variant means
pub enum SpecError {
    #[error("route {method} {path}: the path must start with '/'")]
    RelativePath { method: Method, path: String },
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
    #[error("route {method} {path}: {reason}")]
    Constraint { method: Method, path: String, reason: String },
    #[error("route {method} {path}: a parameter model {reason}")]
    Model { method: Method, path: String, reason: &'static str },
}

impl ParamSpec {
    /// A required parameter with no description.
    pub fn required(name: &str, source: ParamSource, kind: ParamKind) -> ParamSpec {
        ParamSpec {
            name: name.into(),
            source,
            kind,
            required: true,
            default: Value::None,
            description: None,
            title: None,
            repeated: false,
            unique: false,
            schema_extra: None,
            constraints: Constraints::default(),
        }
    }
}

impl ParamSpec {
    /// Why the parameter's constraints or repetition do not fit it, if they do not.
    fn constraint_problem(&self) -> Option<&'static str> {
        let c = &self.constraints;
        let numeric = matches!(self.kind, ParamKind::Int | ParamKind::Float | ParamKind::Decimal);
        if c.has_numeric() && (!numeric || self.repeated) {
            return Some("gt, ge, lt, le and multiple_of apply to int, float and Decimal parameters");
        }
        if (c.max_digits.is_some() || c.decimal_places.is_some())
            && (self.kind != ParamKind::Decimal || self.repeated)
        {
            return Some("max_digits and decimal_places apply to Decimal parameters");
        }
        if c.pattern.is_some() && (self.kind != ParamKind::Text || self.repeated) {
            return Some("pattern applies to str parameters");
        }
        let lengths = c.min_length.is_some() || c.max_length.is_some();
        if lengths && self.kind != ParamKind::Text && !self.repeated {
            return Some("min_length and max_length apply to str and list parameters");
        }
        if self.repeated
            && !matches!(self.source, ParamSource::Query | ParamSource::Header | ParamSource::Form)
        {
            return Some("only query, header and form parameters can be lists");
        }
        if self.kind == ParamKind::File && self.source != ParamSource::Form {
            return Some("file parameters come from a form");
        }
        if let Some(choices) = &c.choices {
            let fits =
                |v: &Value| matches!((self.kind, v), (ParamKind::Int, Value::Int(_)) | (ParamKind::Text, _));
            if c.has_numeric()
                || c.has_text()
                || choices.values.is_empty()
                || !choices.values.iter().all(fits)
            {
                return Some("choices are ints (of an int parameter) or texts, not empty, and stand alone");
            }
        }
        None
    }
}

impl RouteSpec {
    /// Whether the route reads a form body (it has form parameters).
    pub fn takes_form(&self) -> bool {
        self.params.iter().any(|p| p.source == ParamSource::Form)
    }

    /// Whether the form must be multipart (it has bytes or file parameters).
    pub fn takes_files(&self) -> bool {
        self.params.iter().any(|p| matches!(p.kind, ParamKind::Bytes | ParamKind::File))
    }

    /// A route without body, raw request or docs beyond the defaults
    /// (included in the schema, status 200, JSON).
    pub fn new(method: Method, path: &str, name: &str, params: Vec<ParamSpec>) -> RouteSpec {
        RouteSpec {
            method,
            path: path.into(),
            params,
            models: Vec::new(),
            param_groups: Vec::new(),
            body: None,
            name: name.into(),
            raw_request: false,
            docs: RouteDocs {
                include_in_schema: true,
                status: 200,
                response_media_type: "application/json".into(),
                ..RouteDocs::default()
            },
        }
    }

    /// Checks the route on its own; `validate_routes` checks the table.
    pub fn validate(&self) -> Result<(), SpecError> {
        let (method, path) = (self.method, self.path.clone());
        if !self.path.starts_with('/') {
            return Err(SpecError::RelativePath { method, path });
        }
        let template = template_params(&self.path).map_err(|err| SpecError::Template {
            method,
            path: path.clone(),
            reason: err.reason,
        })?;
        if !self.param_groups.is_empty() && self.param_groups.len() != self.params.len() {
            let reason = "param-groups must give one group per parameter".into();
            return Err(SpecError::Constraint { method, path, reason });
        }
        let mut seen = HashSet::new();
        for (index, param) in self.params.iter().enumerate() {
            let name = param.name.clone();
            // Two dependencies may each declare a parameter of one name.
            let key = (self.group_of(index), param.source, param.name.to_ascii_lowercase());
            if !seen.insert(key) {
                return Err(SpecError::DuplicateParam { method, path, name });
            }
            let choice = |d: &Value| param.constraints.choices.as_ref().is_some_and(|c| c.values.contains(d));
            if !param.kind.accepts(&param.default, param.repeated) && !choice(&param.default) {
                return Err(SpecError::DefaultType { method, path, name });
            }
            if let Some(reason) = param.constraint_problem() {
                return Err(SpecError::Constraint {
                    method,
                    path,
                    reason: format!("parameter '{name}': {reason}"),
                });
            }
            if param.source == ParamSource::Form && self.body.is_some() {
                return Err(SpecError::Constraint {
                    method,
                    path,
                    reason: format!("parameter '{name}': a route takes a form or a JSON body, not both"),
                });
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
            let lower = name.to_ascii_lowercase();
            if !seen.iter().any(|(_, source, seen)| *source == ParamSource::Path && *seen == lower) {
                return Err(SpecError::UndeclaredPathParam { method, path, name });
            }
        }
        let mut owned: Vec<usize> = self.models.iter().flat_map(|m| m.fields.iter().copied()).collect();
        let count = owned.len();
        owned.sort_unstable();
        owned.dedup();
        let shared = (owned.len() != count).then_some("shares no field with another");
        match shared.or_else(|| self.models.iter().find_map(|model| self.model_problem(model))) {
            Some(reason) => Err(SpecError::Model { method, path, reason }),
            None => Ok(()),
        }
    }

    /// The group (dependant) of parameter `index`: 0 without groups.
    pub fn group_of(&self, index: usize) -> u32 {
        self.param_groups.get(index).copied().unwrap_or(0)
    }

    /// Why a parameter model does not fit the route, if it does not.
    fn model_problem(&self, model: &ParamModel) -> Option<&'static str> {
        let mut sources = model.fields.iter().map(|&i| self.params.get(i).map(|p| p.source));
        let Some(Some(source)) = sources.next() else {
            return Some("needs fields, each a parameter of the route");
        };
        if source == ParamSource::Path {
            return Some("cannot read the path");
        }
        (!sources.all(|other| other == Some(source))).then_some("reads one source")
    }
}

/// Checks every route. A method and path declared twice is legal, as in
/// FastAPI: the first declaration serves.
pub fn validate_routes(routes: &[RouteSpec]) -> Result<(), SpecError> {
    routes.iter().try_for_each(RouteSpec::validate)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn param(name: &str, source: ParamSource) -> ParamSpec {
        ParamSpec::required(name, source, ParamKind::Int)
    }

    fn route(method: Method, path: &str, params: Vec<ParamSpec>) -> RouteSpec {
        RouteSpec::new(method, path, "h", params)
    }

    #[test]
    fn methods_parse_from_their_wire_names() {
        for method in [Method::Get, Method::Post, Method::Put, Method::Patch, Method::Delete, Method::Head] {
            assert_eq!(Method::from_name(method.as_str()), Some(method));
        }
        assert_eq!(Method::from_name("TRACE"), None);
        assert_eq!(Method::from_name("get"), None);
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
        let twice = [route(Method::Get, "/u/{id}", id()), route(Method::Get, "/u/{id}", id())];
        assert_eq!(validate_routes(&twice), Ok(()), "FastAPI serves the first");

        let mut text = ParamSpec::required("q", ParamSource::Query, ParamKind::Text);
        text.constraints.ge = Some(crate::constraints::Number::Int(1));
        let bounded_text = [route(Method::Get, "/u", vec![text])];
        assert!(matches!(validate_routes(&bounded_text), Err(SpecError::Constraint { .. })));

        let undeclared = [route(Method::Get, "/u/{id}", vec![])];
        assert!(matches!(validate_routes(&undeclared), Err(SpecError::UndeclaredPathParam { .. })));

        let stray = [route(Method::Get, "/u", id())];
        assert!(matches!(validate_routes(&stray), Err(SpecError::PathParamNotInTemplate { .. })));

        let twice =
            [route(Method::Get, "/u", vec![param("q", ParamSource::Query), param("q", ParamSource::Query)])];
        assert!(matches!(validate_routes(&twice), Err(SpecError::DuplicateParam { .. })));
        let mut two_dependants = twice[0].clone();
        two_dependants.param_groups = vec![0, 1];
        assert_eq!(two_dependants.validate(), Ok(()), "two dependencies may each declare q");

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
