//! The one place WIT values meet the route model: a guest's declared routes
//! become [`RouteSpec`]s once, at load, and parsed request parameters are
//! built straight into WIT values ([`ArgValue`] for `param-value`).

use fasterapi_routes::constraints::{Choices, Constraints, Number, Pattern};
use fasterapi_routes::middleware::{CorsPolicy, GzipPolicy, Middleware, TrustedHostPolicy};
use fasterapi_routes::spec::{
    ApiInfo, AppPaths, BodySpec, Method, ParamKind, ParamModel, ParamSource, ParamSpec, RouteDocs, RouteSpec,
};
use fasterapi_routes::value::{ArgValue, List, Upload, Value};

use crate::bindings::types as wit;

/// A parameter parsed from request text goes to the guest as this.
impl ArgValue for wit::ParamValue {
    fn int(value: i64) -> Self {
        wit::ParamValue::Int(value)
    }
    fn float(value: f64) -> Self {
        wit::ParamValue::Float(value)
    }
    fn bool(value: bool) -> Self {
        wit::ParamValue::Boolean(value)
    }
    fn text(value: String) -> Self {
        wit::ParamValue::Text(value)
    }
    fn none() -> Self {
        wit::ParamValue::None
    }
    fn list(values: List) -> Self {
        match values {
            List::Int(v) => wit::ParamValue::Ints(v),
            List::Float(v) => wit::ParamValue::Floats(v),
            List::Bool(v) => wit::ParamValue::Booleans(v),
            List::Text(v) => wit::ParamValue::Texts(v),
            List::Upload(v) => wit::ParamValue::Files(v.into_iter().map(upload_to_wit).collect()),
        }
    }
    fn upload(upload: Upload) -> Self {
        wit::ParamValue::File(upload_to_wit(upload))
    }
}

fn upload_to_wit(upload: Upload) -> wit::Upload {
    wit::Upload { filename: upload.filename, content_type: upload.content_type, data: upload.data }
}

fn upload_from_wit(upload: wit::Upload) -> Upload {
    Upload { filename: upload.filename, content_type: upload.content_type, data: upload.data }
}

/// The WIT form of a request method (for handlers that read the raw request).
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

/// The middleware an app declared, outermost first.
pub(crate) fn middleware_from_wit(middleware: Vec<wit::Middleware>) -> Vec<Middleware> {
    middleware
        .into_iter()
        .map(|layer| match layer {
            wit::Middleware::Cors(cors) => Middleware::Cors(CorsPolicy {
                allow_origins: cors.allow_origins,
                allow_origin_regex: cors.allow_origin_regex,
                allow_methods: cors.allow_methods,
                allow_headers: cors.allow_headers,
                allow_credentials: cors.allow_credentials,
                allow_private_network: cors.allow_private_network,
                expose_headers: cors.expose_headers,
                max_age: cors.max_age,
            }),
            wit::Middleware::Gzip(gzip) => Middleware::Gzip(GzipPolicy {
                minimum_size: gzip.minimum_size,
                compress_level: gzip.compress_level,
                exclude_content_types: gzip.exclude_content_types,
            }),
            wit::Middleware::TrustedHost(hosts) => Middleware::TrustedHost(TrustedHostPolicy {
                allowed_hosts: hosts.allowed_hosts,
                www_redirect: hosts.www_redirect,
            }),
        })
        .collect()
}

/// Where the app's documentation is served.
pub(crate) fn paths_from_wit(info: &mut wit::AppInfo) -> AppPaths {
    AppPaths {
        openapi: info.openapi_url.take(),
        docs: info.docs_url.take(),
        root_path: std::mem::take(&mut info.root_path),
    }
}

pub(crate) fn info_from_wit(info: wit::AppInfo) -> ApiInfo {
    ApiInfo { title: info.title, version: info.version, description: info.description }
}

/// The route's spec; a pattern that is not a regular expression is refused.
pub(crate) fn route_from_wit(route: wit::Route) -> Result<RouteSpec, String> {
    let params = route
        .params
        .into_iter()
        .map(param_from_wit)
        .collect::<Result<_, _>>()
        .map_err(|reason| format!("route {} {}: {reason}", method_from_wit(route.method), route.path))?;
    Ok(RouteSpec {
        method: method_from_wit(route.method),
        path: route.path,
        params,
        models: route
            .models
            .into_iter()
            .map(|m| ParamModel {
                fields: m.fields.into_iter().map(|i| i as usize).collect(),
                forbid_extra: m.forbid_extra,
            })
            .collect(),
        param_groups: route.param_groups,
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
            security: route.docs.security,
            responses: route.docs.responses,
        },
    })
}

fn param_from_wit(param: wit::ParamSpec) -> Result<ParamSpec, String> {
    let source = match param.source {
        wit::ParamSource::Path => ParamSource::Path,
        wit::ParamSource::Query => ParamSource::Query,
        wit::ParamSource::Header => ParamSource::Header,
        wit::ParamSource::Cookie => ParamSource::Cookie,
        wit::ParamSource::Form => ParamSource::Form,
    };
    let constraints = constraints_from_wit(param.constraints)
        .map_err(|reason| format!("parameter '{}': {reason}", param.name))?;
    Ok(ParamSpec {
        // Header names are matched case-insensitively; FastAPI reports them lower-case.
        name: if source == ParamSource::Header { param.name.to_ascii_lowercase() } else { param.name },
        source,
        kind: match param.kind {
            wit::ParamType::Int => ParamKind::Int,
            wit::ParamType::Float => ParamKind::Float,
            wit::ParamType::Boolean => ParamKind::Bool,
            wit::ParamType::Text => ParamKind::Text,
            wit::ParamType::Uuid => ParamKind::Uuid,
            wit::ParamType::Datetime => ParamKind::Datetime,
            wit::ParamType::Date => ParamKind::Date,
            wit::ParamType::Time => ParamKind::Time,
            wit::ParamType::Timedelta => ParamKind::Timedelta,
            wit::ParamType::Decimal => ParamKind::Decimal,
            wit::ParamType::Bytes => ParamKind::Bytes,
            wit::ParamType::File => ParamKind::File,
        },
        required: param.required,
        default: param.default.map(value_from_wit).unwrap_or(Value::None),
        description: param.description,
        title: param.title,
        repeated: param.repeated,
        unique: param.unique,
        constraints,
        schema_extra: param.schema_extra,
    })
}

fn constraints_from_wit(declared: Vec<wit::Constraint>) -> Result<Constraints, String> {
    let number = |n: wit::Number| match n {
        wit::Number::Int(v) => Number::Int(v),
        wit::Number::Float(v) => Number::Float(v),
    };
    let mut c = Constraints::default();
    for constraint in declared {
        match constraint {
            wit::Constraint::Gt(n) => c.gt = Some(number(n)),
            wit::Constraint::Ge(n) => c.ge = Some(number(n)),
            wit::Constraint::Lt(n) => c.lt = Some(number(n)),
            wit::Constraint::Le(n) => c.le = Some(number(n)),
            wit::Constraint::MultipleOf(n) => c.multiple_of = Some(number(n)),
            wit::Constraint::MaxDigits(n) => c.max_digits = Some(n),
            wit::Constraint::DecimalPlaces(n) => c.decimal_places = Some(n),
            wit::Constraint::MinLength(n) => c.min_length = Some(n),
            wit::Constraint::MaxLength(n) => c.max_length = Some(n),
            wit::Constraint::Pattern(p) => {
                c.pattern = Some(Pattern::new(&p).map_err(|e| format!("pattern: {e}"))?)
            }
            wit::Constraint::OneOf(choices) => {
                c.choices = Some(Choices {
                    values: choices.values.into_iter().map(value_from_wit).collect(),
                    literal: choices.literal,
                    name: choices.name,
                    description: choices.description,
                })
            }
        }
    }
    Ok(c)
}

fn value_from_wit(value: wit::ParamValue) -> Value {
    match value {
        wit::ParamValue::None => Value::None,
        wit::ParamValue::Int(v) => Value::Int(v),
        wit::ParamValue::Float(v) => Value::Float(v),
        wit::ParamValue::Boolean(v) => Value::Bool(v),
        wit::ParamValue::Text(v) => Value::Text(v),
        wit::ParamValue::Ints(v) => Value::List(List::Int(v)),
        wit::ParamValue::Floats(v) => Value::List(List::Float(v)),
        wit::ParamValue::Booleans(v) => Value::List(List::Bool(v)),
        wit::ParamValue::Texts(v) => Value::List(List::Text(v)),
        wit::ParamValue::File(v) => Value::Upload(upload_from_wit(v)),
        wit::ParamValue::Files(v) => Value::List(List::Upload(v.into_iter().map(upload_from_wit).collect())),
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
