//! A route's declared parameters, pulled out of a request's parts and
//! parsed, or every validation error in FastAPI's order.

use std::borrow::Cow;

use crate::models;
use crate::params::{self, ErrorKind, Loc, ValidationError};
use crate::spec::{ParamKind, ParamSource, ParamSpec, RouteSpec};
use crate::value::{ArgValue, List, Upload};

/// A form body's fields in request order, as the host parsed them
/// (urlencoded or multipart).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Form {
    /// (field name, value).
    pub fields: Vec<(String, FormValue)>,
}

/// One field of a form.
#[derive(Debug, Clone, PartialEq)]
pub enum FormValue {
    /// A text field.
    Text(String),
    /// A file part.
    File(Upload),
}

impl Form {
    fn values<'f>(&'f self, name: &'f str) -> impl Iterator<Item = &'f FormValue> + 'f {
        self.fields.iter().filter(move |(n, _)| n == name).map(|(_, v)| v)
    }
}

/// A request's headers, as the extractor reads them. Values are text,
/// already decoded (Starlette decodes Latin-1); names are lower-case.
pub trait Headers<'h> {
    /// The first value of header `name`.
    fn first(&self, name: &str) -> Option<Cow<'h, str>>;
    /// Every value of header `name`, one per header line, in order.
    fn all(&self, name: &str) -> Vec<Cow<'h, str>>;
    /// Every header line as (name, value), in request order (for parameter
    /// models, which see the headers as a whole).
    fn entries(&self) -> Vec<(Cow<'h, str>, Cow<'h, str>)>;
}

/// Header lines as (lower-case name, value) pairs: for tests and tools.
impl<'h> Headers<'h> for [(&'h str, &'h str)] {
    fn first(&self, name: &str) -> Option<Cow<'h, str>> {
        self.iter().find(|(n, _)| *n == name).map(|(_, v)| Cow::Borrowed(*v))
    }
    fn all(&self, name: &str) -> Vec<Cow<'h, str>> {
        self.iter().filter(|(n, _)| *n == name).map(|(_, v)| Cow::Borrowed(*v)).collect()
    }
    fn entries(&self) -> Vec<(Cow<'h, str>, Cow<'h, str>)> {
        self.iter().map(|(n, v)| (Cow::Borrowed(*n), Cow::Borrowed(*v))).collect()
    }
}

/// The typed arguments of `route`, in declaration order, or every validation
/// error in FastAPI's order (path, query, header, cookie, then form
/// parameters).
///
/// `query` is the raw query string; `form` the parsed form body of a route
/// that takes one (`None`: its fields are all absent).
pub fn arguments<'h, V: ArgValue>(
    route: &RouteSpec,
    path_params: &matchit::Params<'_, '_>,
    query: Option<&str>,
    headers: &(impl Headers<'h> + ?Sized),
    form: Option<&Form>,
) -> Result<Vec<V>, Vec<ValidationError>> {
    let (args, errors) = extract(route, path_params, query, headers, form);
    if errors.is_empty() { Ok(args) } else { Err(errors.into_iter().map(|(_, e)| e).collect()) }
}

/// What a route with dependencies passes its guest when some parameters
/// were refused: every argument (`none` for a refused one) and the groups
/// (dependants) that had a refused parameter, so that the guest runs the
/// dependencies FastAPI would still run.
pub fn partial_arguments<'h, V: ArgValue>(
    route: &RouteSpec,
    path_params: &matchit::Params<'_, '_>,
    query: Option<&str>,
    headers: &(impl Headers<'h> + ?Sized),
    form: Option<&Form>,
) -> (Vec<V>, Vec<u32>) {
    let (args, errors) = extract(route, path_params, query, headers, form);
    let mut failed: Vec<u32> = errors.iter().map(|(group, _)| *group).collect();
    failed.dedup();
    (args, failed)
}

/// Every argument (`none` where refused) and every error with its group, in
/// FastAPI's order.
fn extract<'h, V: ArgValue>(
    route: &RouteSpec,
    path_params: &matchit::Params<'_, '_>,
    query: Option<&str>,
    headers: &(impl Headers<'h> + ?Sized),
    form: Option<&Form>,
) -> (Vec<V>, Vec<(u32, ValidationError)>) {
    let mut args = Vec::with_capacity(route.params.len());
    // Each error with the group (dependant) of its parameter.
    let mut errors: Vec<(u32, ValidationError)> = Vec::new();
    let mut cookies: Option<Vec<(String, String)>> = None;
    let empty = Form::default();
    for (index, param) in route.params.iter().enumerate() {
        let parsed = match param.source {
            ParamSource::Form => form_argument(param, form.unwrap_or(&empty)),
            _ if param.repeated => repeated(param, query, headers),
            source => {
                let text: Option<Cow<'_, str>> = match source {
                    ParamSource::Path => path_params.get(&param.name).map(Cow::Borrowed),
                    ParamSource::Query => query.and_then(|q| last_query_value(q, &param.name)),
                    ParamSource::Header => headers.first(&param.name),
                    ParamSource::Cookie => {
                        cookie(cookies.get_or_insert_with(|| parse_cookies(headers)), &param.name)
                    }
                    ParamSource::Form => None,
                };
                match text {
                    Some(text) => params::parse_checked(param.kind, &param.constraints, &text)
                        .map_err(|refusal| vec![refusal.into_error(loc(param), &text)]),
                    None => absent(param),
                }
            }
        };
        match parsed {
            Ok(value) => args.push(value),
            Err(found) => {
                args.push(V::none());
                errors.extend(found.into_iter().map(|e| (route.group_of(index), e)));
            }
        }
    }
    // Models change a missing field's input and may forbid keys: only then
    // are a source's keys gathered.
    if route.models.iter().any(|m| m.forbid_extra) || (!route.models.is_empty() && !errors.is_empty()) {
        models::check(route, &mut errors, |source| match source {
            ParamSource::Query => models::grouped(
                query
                    .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect::<Vec<_>>())
                    .unwrap_or_default(),
            ),
            ParamSource::Header => {
                models::grouped(headers.entries().into_iter().map(|(n, v)| (n.into_owned(), v.into_owned())))
            }
            ParamSource::Cookie => {
                models::cookie_entries(cookies.get_or_insert_with(|| parse_cookies(headers)))
            }
            ParamSource::Form => models::form_entries(form.unwrap_or(&empty)),
            ParamSource::Path => Vec::new(),
        });
    }
    // FastAPI's order: by dependant, then by source; stable, so
    // declaration order is kept within each.
    errors.sort_by_key(|(group, e)| (*group, e.loc.source));
    (args, errors)
}

/// A form parameter: the last value of its field (every value for a list);
/// an empty text field counts as absent, as in FastAPI.
fn form_argument<V: ArgValue>(param: &ParamSpec, form: &Form) -> Result<V, Vec<ValidationError>> {
    if param.repeated {
        let values: Vec<&FormValue> = form.values(&param.name).collect();
        if values.is_empty() {
            return absent(param);
        }
        return form_list(param, &values).map(V::list);
    }
    match form.values(&param.name).last() {
        None => absent(param),
        Some(FormValue::Text(text)) if text.is_empty() => absent(param),
        Some(value) => form_scalar(param, value),
    }
}

fn form_scalar<V: ArgValue>(param: &ParamSpec, value: &FormValue) -> Result<V, Vec<ValidationError>> {
    let text = match (value, param.kind) {
        (FormValue::File(upload), ParamKind::Bytes | ParamKind::File) => {
            return Ok(V::upload(upload.clone()));
        }
        (FormValue::Text(text), _) => Cow::Borrowed(text.as_str()),
        // A file where a value is declared: its content is the text.
        (FormValue::File(upload), _) => String::from_utf8_lossy(&upload.data),
    };
    params::parse_checked(param.kind, &param.constraints, &text)
        .map_err(|r| vec![r.into_error(loc(param), &text)])
}

fn form_list(param: &ParamSpec, values: &[&FormValue]) -> Result<List, Vec<ValidationError>> {
    let files = matches!(param.kind, ParamKind::Bytes | ParamKind::File);
    if !files {
        let texts: Vec<Cow<'_, str>> = values
            .iter()
            .map(|v| match v {
                FormValue::Text(text) => Cow::Borrowed(text.as_str()),
                FormValue::File(upload) => String::from_utf8_lossy(&upload.data),
            })
            .collect();
        let texts: Vec<&str> = texts.iter().map(|t| t.as_ref()).collect();
        return parse_repeated(param, &texts);
    }
    let mut uploads = Vec::with_capacity(values.len());
    let mut errors = Vec::new();
    for (index, value) in values.iter().enumerate() {
        match form_scalar::<crate::value::Value>(param, value) {
            Ok(crate::value::Value::Upload(upload)) => uploads.push(upload),
            Ok(_) => {}
            Err(found) => errors.extend(found.into_iter().map(|e| e.at(Some(index)))),
        }
    }
    if errors.is_empty() { Ok(List::Upload(uploads)) } else { Err(errors) }
}

fn loc(param: &ParamSpec) -> Loc {
    Loc { source: param.source, name: param.name.clone(), index: None }
}

/// Every value of a repeated query or header parameter, as a list.
fn repeated<'h, V: ArgValue>(
    param: &ParamSpec,
    query: Option<&str>,
    headers: &(impl Headers<'h> + ?Sized),
) -> Result<V, Vec<ValidationError>> {
    let texts: Vec<Cow<'_, str>> = match param.source {
        ParamSource::Query => query
            .map(|q| {
                form_urlencoded::parse(q.as_bytes())
                    .filter(|(k, _)| k == &param.name)
                    .map(|(_, v)| v)
                    .collect()
            })
            .unwrap_or_default(),
        _ => headers.all(&param.name),
    };
    if texts.is_empty() {
        return absent(param);
    }
    let texts: Vec<&str> = texts.iter().map(|t| t.as_ref()).collect();
    parse_repeated(param, &texts).map(V::list)
}

/// Every value of a list parameter, whose length is checked as pydantic
/// checks it: too many values is the only error; too few, only when every
/// value is good.
fn parse_repeated(param: &ParamSpec, texts: &[&str]) -> Result<List, Vec<ValidationError>> {
    let length_error = |violation| {
        let mut error = ValidationError::violation(violation, loc(param), "");
        error.input = serde_json::json!(texts);
        vec![error]
    };
    if let Some(too_long) = params::list_too_long(&param.constraints, texts.len()) {
        return Err(length_error(too_long));
    }
    let list =
        params::parse_list(param.kind, &param.constraints, texts).map_err(|bad| list_errors(param, bad))?;
    match params::list_too_short(&param.constraints, texts.len()) {
        Some(too_short) => Err(length_error(too_short)),
        None => Ok(list),
    }
}

/// An absent parameter: FastAPI's `missing` if it is required, else its default.
fn absent<V: ArgValue>(param: &ParamSpec) -> Result<V, Vec<ValidationError>> {
    if param.required {
        Err(vec![ValidationError::new(ErrorKind::Missing, param.source, &param.name, None)])
    } else {
        Ok(V::from_value(&param.default))
    }
}

/// The 422 entries of a repeated parameter's bad values, located by index.
fn list_errors(param: &ParamSpec, bad: Vec<params::ListError<'_>>) -> Vec<ValidationError> {
    bad.into_iter()
        .map(|(index, refusal, text)| refusal.into_error(loc(param), text).at(Some(index)))
        .collect()
}

/// The last value of `key` in a query string (Starlette keeps the last),
/// decoded as a form: `+` is a space, `%XX` is UTF-8 (invalid bytes replaced).
fn last_query_value<'q>(query: &'q str, key: &str) -> Option<Cow<'q, str>> {
    form_urlencoded::parse(query.as_bytes()).filter(|(k, _)| k == key).last().map(|(_, v)| v)
}

/// The cookies of the first `Cookie` header, as Starlette reads them:
/// `;`-separated `name=value` pairs, trimmed, quotes removed; a later
/// cookie of the same name wins.
fn parse_cookies<'h>(headers: &(impl Headers<'h> + ?Sized)) -> Vec<(String, String)> {
    let Some(header) = headers.first("cookie") else {
        return Vec::new();
    };
    header
        .split(';')
        .filter_map(|chunk| {
            let (name, value) = chunk.split_once('=').unwrap_or(("", chunk));
            let (name, value) = (name.trim(), value.trim());
            (!name.is_empty() || !value.is_empty()).then(|| (name.to_owned(), unquote(value)))
        })
        .collect()
}

fn cookie<'c>(cookies: &'c [(String, String)], name: &str) -> Option<Cow<'c, str>> {
    cookies.iter().rev().find(|(n, _)| n == name).map(|(_, v)| Cow::Borrowed(v.as_str()))
}

/// Python's `http.cookies._unquote`: a double-quoted value loses its quotes,
/// and its `\X` and octal `\ooo` escapes are decoded.
fn unquote(value: &str) -> String {
    let Some(inner) = value.strip_prefix('"').and_then(|v| v.strip_suffix('"')).filter(|_| value.len() >= 2)
    else {
        return value.to_owned();
    };
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let digits: Vec<char> = chars.clone().take(3).collect();
        if let [a @ '0'..='3', b @ '0'..='7', c @ '0'..='7'] = digits[..] {
            let code = (a as u32 - 48) * 64 + (b as u32 - 48) * 8 + (c as u32 - 48);
            out.extend(char::from_u32(code));
            chars.nth(2);
            continue;
        }
        match chars.next() {
            Some(next) => out.push(next),
            None => out.push('\\'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{Method, ParamKind, ParamSpec};
    use crate::value::Value;

    fn spec(name: &str, source: ParamSource, kind: ParamKind, required: bool, default: Value) -> ParamSpec {
        ParamSpec { required, default, ..ParamSpec::required(name, source, kind) }
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
            models: Vec::new(),
            param_groups: Vec::new(),
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
        arguments(&route(), &matched.params, query, headers, None)
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
        let got: Vec<_> =
            errors.iter().map(|e| (e.kind, e.loc.source.as_str(), e.loc.name.as_str())).collect();
        assert_eq!(
            got,
            [
                ("int_parsing", "path", "user_id"),
                ("int_parsing", "query", "limit"),
                ("float_parsing", "query", "ratio"),
                ("missing", "header", "x-token"),
            ]
        );
        assert_eq!(errors[0].input, "abc");
        assert_eq!(errors[3].input, serde_json::Value::Null);
    }

    #[test]
    fn empty_query_value_is_present_not_missing() {
        let errors = run("/users/1", Some("limit="), &[("x-token", "t")]).unwrap_err();
        assert_eq!(errors[0].kind, "int_parsing");
        assert_eq!(errors[0].input, "");
    }

    fn lists_cookies_and_constraints() -> RouteSpec {
        let mut ids = spec("id", ParamSource::Query, ParamKind::Int, false, Value::None);
        ids.repeated = true;
        ids.constraints.min_length = Some(2);
        ids.constraints.max_length = Some(3);
        let mut tags = spec("x-tag", ParamSource::Header, ParamKind::Text, true, Value::None);
        tags.repeated = true;
        let session = spec("session", ParamSource::Cookie, ParamKind::Text, true, Value::None);
        let mut name = spec("name", ParamSource::Query, ParamKind::Text, false, Value::Text("anon".into()));
        name.constraints.max_length = Some(3);
        RouteSpec::new(Method::Get, "/s", "h", vec![ids, tags, session, name])
    }

    fn run_other(
        query: &str,
        headers: &[(&'static str, &'static str)],
    ) -> Result<Vec<Value>, Vec<ValidationError>> {
        let mut tree = matchit::Router::new();
        tree.insert("/s", ()).unwrap();
        let matched = tree.at("/s").unwrap();
        arguments(&lists_cookies_and_constraints(), &matched.params, Some(query), headers, None)
    }

    #[test]
    fn repeated_parameters_are_lists_and_cookies_are_read() {
        let headers =
            [("x-tag", "a"), ("x-tag", "b, c"), ("cookie", "a=1; session=\"x\\\"y\"; session=last")];
        let args = run_other("id=1&id=%202&name=bob", &headers).unwrap();
        assert_eq!(args[0], Value::List(crate::value::List::Int(vec![1, 2])));
        assert_eq!(args[1], Value::List(crate::value::List::Text(vec!["a".into(), "b, c".into()])));
        assert_eq!(args[2], Value::Text("last".into()));
        let args = run_other("", &[("x-tag", "a"), ("cookie", "session=\"x\\\"y\\054\"")]).unwrap();
        assert_eq!(
            (&args[0], &args[2], &args[3]),
            (&Value::None, &Value::Text("x\"y,".into()), &Value::Text("anon".into()))
        );
    }

    #[test]
    fn list_items_and_constraints_are_located() {
        let detail = |query: &str| {
            let errors = run_other(query, &[]).unwrap_err();
            let body = String::from_utf8(params::validation_body(&errors, Vec::new())).unwrap();
            serde_json::from_str::<serde_json::Value>(&body).unwrap()["detail"].clone()
        };
        let found = detail("id=1&id=x&id=y&name=long");
        assert_eq!(found[0]["loc"], serde_json::json!(["query", "id", 1]));
        assert_eq!(found[1]["loc"], serde_json::json!(["query", "id", 2]));
        assert_eq!(found[2]["type"], "string_too_long");
        assert_eq!(found[3]["loc"], serde_json::json!(["header", "x-tag"]));
        assert_eq!(found[4]["loc"], serde_json::json!(["cookie", "session"]));
        // Too many values is the only error; too few, only when all are good.
        let found = detail("id=x&id=x&id=x&id=x");
        assert_eq!(
            (&found[0]["type"], &found[0]["input"]),
            (&"too_long".into(), &serde_json::json!(["x", "x", "x", "x"]))
        );
        assert_eq!(
            found[0]["ctx"],
            serde_json::json!({"field_type": "List", "max_length": 3, "actual_length": 4})
        );
        assert_eq!(detail("id=x")[0]["type"], "int_parsing");
        let found = detail("id=1");
        assert_eq!(found[0]["msg"], "List should have at least 2 items after validation, not 1");
    }

    fn modelled(source: ParamSource, forbid_extra: bool) -> RouteSpec {
        let a = spec(
            if source == ParamSource::Header { "x-a" } else { "a" },
            source,
            ParamKind::Int,
            true,
            Value::None,
        );
        let b = spec(
            if source == ParamSource::Header { "x-b" } else { "b" },
            source,
            ParamKind::Int,
            false,
            Value::Int(1),
        );
        let mut route = RouteSpec::new(Method::Get, "/m", "h", vec![a, b]);
        route.models.push(crate::spec::ParamModel { fields: vec![0, 1], forbid_extra });
        route
    }

    fn model_errors(route: &RouteSpec, query: &str, headers: &[(&str, &str)]) -> serde_json::Value {
        let mut tree = matchit::Router::new();
        tree.insert("/m", ()).unwrap();
        let matched = tree.at("/m").unwrap();
        let errors = arguments::<Value>(route, &matched.params, Some(query), headers, None).unwrap_err();
        serde_json::to_value(&errors).unwrap()
    }

    #[test]
    fn a_models_missing_field_shows_the_keys_received() {
        let query = modelled(ParamSource::Query, false);
        let found = model_errors(&query, "b=2&zz=3&zz=4", &[]);
        assert_eq!(found[0]["input"], serde_json::json!({"b": "2", "zz": ["3", "4"]}));
        assert_eq!(model_errors(&query, "", &[])[0]["input"], serde_json::json!({}));
        let headers = modelled(ParamSource::Header, false);
        let found = model_errors(&headers, "", &[("host", "h"), ("x-b", "2")]);
        assert_eq!(found[0]["input"], serde_json::json!({"x_b": "2", "host": "h"}));
        let cookies = modelled(ParamSource::Cookie, false);
        let found = model_errors(&cookies, "", &[("cookie", "zz=1; b=2; zz=3")]);
        assert_eq!(found[0]["input"], serde_json::json!({"b": "2", "zz": "3"}));
    }

    #[test]
    fn a_model_can_forbid_other_keys() {
        let query = modelled(ParamSource::Query, true);
        let found = model_errors(&query, "b=x&zz=1&a=1&yy=2&yy=3", &[]);
        let shape: Vec<(&str, &serde_json::Value)> =
            found.as_array().unwrap().iter().map(|e| (e["type"].as_str().unwrap(), &e["input"])).collect();
        assert_eq!(
            shape,
            [
                ("int_parsing", &serde_json::json!("x")),
                ("extra_forbidden", &serde_json::json!("1")),
                ("extra_forbidden", &serde_json::json!(["2", "3"]))
            ]
        );
        assert_eq!(found[1]["loc"], serde_json::json!(["query", "zz"]));
        assert_eq!(found[1]["msg"], "Extra inputs are not permitted");
        let mut tree = matchit::Router::new();
        tree.insert("/m", ()).unwrap();
        let matched = tree.at("/m").unwrap();
        assert!(arguments::<Value>(&query, &matched.params, Some("a=1"), &[][..], None).is_ok());
        let headers = modelled(ParamSource::Header, true);
        let found = model_errors(&headers, "", &[("x-a", "1"), ("host", "h")]);
        assert_eq!(found[0]["loc"], serde_json::json!(["header", "host"]));
    }

    #[test]
    fn errors_are_listed_by_dependant_then_by_source() {
        // A dependency's header and query, then the handler's query, then a
        // second dependency declaring the same query name.
        let params = vec![
            spec("q", ParamSource::Query, ParamKind::Int, true, Value::None),
            spec("x-a", ParamSource::Header, ParamKind::Int, true, Value::None),
            spec("n", ParamSource::Query, ParamKind::Int, true, Value::None),
            spec("q", ParamSource::Query, ParamKind::Int, true, Value::None),
        ];
        let mut route = RouteSpec::new(Method::Get, "/m", "h", params);
        route.param_groups = vec![0, 0, 2, 1];
        let found = model_errors(&route, "q=x", &[]);
        let locs: Vec<&serde_json::Value> = found.as_array().unwrap().iter().map(|e| &e["loc"]).collect();
        assert_eq!(
            locs,
            [
                &serde_json::json!(["query", "q"]),
                &serde_json::json!(["header", "x-a"]),
                &serde_json::json!(["query", "q"]),
                &serde_json::json!(["query", "n"])
            ]
        );
    }
}
