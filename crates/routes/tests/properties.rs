//! Random input through everything that parses request text: no panic,
//! and every answer is either arguments of the route's arity or errors.

use std::borrow::Cow;

use fasterapi_routes::constraints::{Number, Pattern};
use fasterapi_routes::extract::{Form, FormValue, Headers};
use fasterapi_routes::router::{Lookup, Router};
use fasterapi_routes::spec::{Method, ParamKind, ParamSource, ParamSpec, RouteSpec};
use fasterapi_routes::value::{Upload, Value};
use proptest::prelude::*;

fn route() -> RouteSpec {
    let mut params = vec![ParamSpec::required("id", ParamSource::Path, ParamKind::Int)];
    let kinds = [
        ("f", ParamKind::Float),
        ("b", ParamKind::Bool),
        ("t", ParamKind::Text),
        ("i", ParamKind::Int),
        ("dt", ParamKind::Datetime),
        ("d", ParamKind::Date),
        ("tm", ParamKind::Time),
        ("td", ParamKind::Timedelta),
        ("dec", ParamKind::Decimal),
    ];
    for (name, kind) in kinds {
        params.push(ParamSpec { required: false, ..ParamSpec::required(name, ParamSource::Query, kind) });
        params.push(ParamSpec { required: false, ..ParamSpec::required(name, ParamSource::Header, kind) });
    }
    let mut bounded = ParamSpec::required("n", ParamSource::Query, ParamKind::Float);
    bounded.constraints.gt = Some(Number::Int(0));
    bounded.constraints.multiple_of = Some(Number::Float(0.5));
    bounded.required = false;
    let mut patterned = ParamSpec::required("p", ParamSource::Cookie, ParamKind::Text);
    patterned.constraints.pattern = Some(Pattern::new("^[a-z]+$").unwrap());
    patterned.constraints.min_length = Some(2);
    let mut listed = ParamSpec::required("l", ParamSource::Query, ParamKind::Int);
    listed.repeated = true;
    let mut field = ParamSpec::required("fo", ParamSource::Form, ParamKind::Float);
    field.constraints.le = Some(Number::Float(2.5));
    let upload = ParamSpec::required("up", ParamSource::Form, ParamKind::File);
    let mut texts = ParamSpec::required("fo", ParamSource::Form, ParamKind::Bytes);
    texts.repeated = true;
    texts.name = "many".into();
    let mut money = ParamSpec::required("m", ParamSource::Query, ParamKind::Decimal);
    money.constraints.max_digits = Some(5);
    money.constraints.decimal_places = Some(2);
    money.constraints.multiple_of = Some(Number::Float(0.05));
    money.constraints.gt = Some(Number::Int(-3));
    money.required = false;
    listed.constraints.max_length = Some(3);
    params.extend([bounded, patterned, listed, field, upload, texts, money]);
    RouteSpec::new(Method::Get, "/items/{id}/{*rest}", "h", {
        params.push(ParamSpec::required("rest", ParamSource::Path, ParamKind::Text));
        params
    })
}

/// Every header, the `Cookie` header too, has the same text.
struct Every<'a>(&'a str);

impl<'a> Headers<'a> for Every<'a> {
    fn first(&self, _: &str) -> Option<Cow<'a, str>> {
        Some(Cow::Borrowed(self.0))
    }
    fn all(&self, _: &str) -> Vec<Cow<'a, str>> {
        vec![Cow::Borrowed(self.0); 2]
    }
    fn entries(&self) -> Vec<(Cow<'a, str>, Cow<'a, str>)> {
        vec![(Cow::Borrowed("x-any"), Cow::Borrowed(self.0))]
    }
}

proptest! {
    #[test]
    fn any_path_query_and_header_text_is_parsed_or_refused(
        path in "/items/[ -~]{0,12}/[ -~]{0,20}",
        query in proptest::option::of("[ -~]{0,80}"),
        header in "[ -~]{0,20}",
    ) {
        let routes = [route()];
        fasterapi_routes::spec::validate_routes(&routes).unwrap();
        let router = Router::new(&routes).unwrap();
        // Most such paths match; the others are a 404, which is fine too.
        if let Lookup::Found { route, params } = router.lookup(Some(Method::Get), &path) {
            let form = Form {
                fields: vec![
                    ("fo".into(), FormValue::Text(header.clone())),
                    ("up".into(), FormValue::Text(header.clone())),
                    ("many".into(), FormValue::File(Upload { data: header.clone().into_bytes(), ..Upload::default() })),
                ],
            };
            let args = fasterapi_routes::extract::arguments::<Value>(
                &routes[route], &params, query.as_deref(), &Every(&header), Some(&form),
            );
            match args {
                Ok(args) => prop_assert_eq!(args.len(), routes[route].params.len()),
                Err(errors) => prop_assert!(!errors.is_empty()),
            }
        }
    }

    #[test]
    fn lax_parsers_never_panic(text in "\\PC{0,60}") {
        let _ = fasterapi_lax::parse_int(&text);
        let _ = fasterapi_lax::parse_float(&text);
        let _ = fasterapi_lax::parse_bool(&text);
        let _ = fasterapi_routes::template::template_params(&text);
    }
}
