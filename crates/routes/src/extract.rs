//! A route's declared parameters, pulled out of a request's parts and
//! parsed, or every validation error in FastAPI's order.

use std::borrow::Cow;

use crate::params::{self, ErrorKind, ValidationError};
use crate::spec::{ParamSource, RouteSpec};
use crate::value::ArgValue;

/// The typed arguments of `route`, in declaration order, or every validation
/// error in FastAPI's order (path, then query, then header parameters).
///
/// `query` is the raw query string; `header` gives a header's first value by
/// lower-case name, already decoded to text (Starlette decodes Latin-1).
pub fn arguments<'h, V: ArgValue>(
    route: &RouteSpec,
    path_params: &matchit::Params<'_, '_>,
    query: Option<&str>,
    header: impl Fn(&str) -> Option<Cow<'h, str>>,
) -> Result<Vec<V>, Vec<ValidationError>> {
    let mut args = Vec::with_capacity(route.params.len());
    let mut errors = Vec::new();
    for param in &route.params {
        let text: Option<Cow<'_, str>> = match param.source {
            ParamSource::Path => path_params.get(&param.name).map(Cow::Borrowed),
            ParamSource::Query => query.and_then(|q| last_query_value(q, &param.name)),
            ParamSource::Header => header(&param.name),
        };
        let parsed = match text {
            Some(text) => params::parse(param.kind, &text).map_err(|kind| (kind, Some(text))),
            None if param.required => Err((ErrorKind::Missing, None)),
            None => Ok(V::from_value(&param.default)),
        };
        match parsed {
            Ok(value) => args.push(value),
            Err((kind, input)) => {
                errors.push(ValidationError::new(kind, param.source, &param.name, input.as_deref()))
            }
        }
    }
    if errors.is_empty() {
        Ok(args)
    } else {
        // Stable: declaration order is kept within each source.
        errors.sort_by_key(|e| source_rank(e.loc.0));
        Err(errors)
    }
}

fn source_rank(loc: &str) -> u8 {
    match loc {
        "path" => 0,
        "query" => 1,
        _ => 2,
    }
}

/// The last value of `key` in a query string (Starlette keeps the last),
/// decoded as a form: `+` is a space, `%XX` is UTF-8 (invalid bytes replaced).
fn last_query_value<'q>(query: &'q str, key: &str) -> Option<Cow<'q, str>> {
    form_urlencoded::parse(query.as_bytes()).filter(|(k, _)| k == key).last().map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{Method, ParamKind, ParamSpec};
    use crate::value::Value;

    fn spec(name: &str, source: ParamSource, kind: ParamKind, required: bool, default: Value) -> ParamSpec {
        ParamSpec { name: name.into(), source, kind, required, default, description: None }
    }

    fn route() -> RouteSpec {
        RouteSpec {
            method: Method::Get,
            path: "/users/{user_id}".into(),
            params: vec![
                spec("x-token", ParamSource::Header, ParamKind::Text, true, Value::None),
                spec("limit", ParamSource::Query, ParamKind::Int, false, Value::Int(10)),
                spec("user_id", ParamSource::Path, ParamKind::Int, true, Value::None),
                spec("q", ParamSource::Query, ParamKind::Text, false, Value::None),
                spec("ratio", ParamSource::Query, ParamKind::Float, false, Value::Float(0.5)),
            ],
            body: None,
            name: "get_user".into(),
            raw_request: false,
            docs: Default::default(),
        }
    }

    fn run(
        path: &str,
        query: Option<&str>,
        headers: &[(&'static str, &'static str)],
    ) -> Result<Vec<Value>, Vec<ValidationError>> {
        let mut tree = matchit::Router::new();
        tree.insert("/users/{user_id}", ()).unwrap();
        let matched = tree.at(path).unwrap();
        // The first value of each header, as the trigger passes it.
        let header = |name: &str| headers.iter().find(|(n, _)| *n == name).map(|(_, v)| Cow::Borrowed(*v));
        arguments(&route(), &matched.params, query, header)
    }

    #[test]
    fn parses_every_source_with_defaults() {
        let args = run("/users/7", Some("q=a+b%21&limit=3&limit=5"), &[("x-token", "t")]).unwrap();
        assert_eq!(
            args,
            [
                Value::Text("t".into()),
                Value::Int(5),
                Value::Int(7),
                Value::Text("a b!".into()),
                Value::Float(0.5)
            ]
        );
        let args = run("/users/7", None, &[("x-token", "t"), ("x-token", "u")]).unwrap();
        assert_eq!(args[0], Value::Text("t".into()));
        assert_eq!(args[1], Value::Int(10));
        assert_eq!(args[3], Value::None);
    }

    #[test]
    fn reports_all_errors_in_fastapi_order() {
        let errors = run("/users/abc", Some("limit=x&ratio=y"), &[]).unwrap_err();
        let got: Vec<_> = errors.iter().map(|e| (e.kind, e.loc.0, e.loc.1.as_str())).collect();
        assert_eq!(
            got,
            [
                ("int_parsing", "path", "user_id"),
                ("int_parsing", "query", "limit"),
                ("float_parsing", "query", "ratio"),
                ("missing", "header", "x-token"),
            ]
        );
        assert_eq!(errors[0].input.as_deref(), Some("abc"));
        assert_eq!(errors[3].input, None);
    }

    #[test]
    fn empty_query_value_is_present_not_missing() {
        let errors = run("/users/1", Some("limit="), &[("x-token", "t")]).unwrap_err();
        assert_eq!(errors[0].kind, "int_parsing");
        assert_eq!(errors[0].input.as_deref(), Some(""));
    }
}
