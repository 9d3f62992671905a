//! Random input through everything that parses request text: no panic,
//! and every answer is either arguments of the route's arity or errors.

use std::borrow::Cow;

use fasterapi_routes::router::{Lookup, Router};
use fasterapi_routes::spec::{Method, ParamKind, ParamSource, ParamSpec, RouteSpec};
use fasterapi_routes::value::Value;
use proptest::prelude::*;

fn route() -> RouteSpec {
    let mut params = vec![ParamSpec::required("id", ParamSource::Path, ParamKind::Int)];
    for (name, kind) in
        [("f", ParamKind::Float), ("b", ParamKind::Bool), ("t", ParamKind::Text), ("i", ParamKind::Int)]
    {
        params.push(ParamSpec { required: false, ..ParamSpec::required(name, ParamSource::Query, kind) });
        params.push(ParamSpec { required: false, ..ParamSpec::required(name, ParamSource::Header, kind) });
    }
    RouteSpec::new(Method::Get, "/items/{id}/{*rest}", "h", {
        params.push(ParamSpec::required("rest", ParamSource::Path, ParamKind::Text));
        params
    })
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
            let header = |_: &str| Some(Cow::Borrowed(header.as_str()));
            match fasterapi_routes::extract::arguments::<Value>(&routes[route], &params, query.as_deref(), header) {
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
