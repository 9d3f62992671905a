//! FasterAPI's route model, independent of HTTP servers and WebAssembly.
//!
//! A guest declares its routes (method, path template, typed parameters,
//! body, docs); this crate checks them, matches requests to them, parses
//! their parameters from request text with pydantic's lax rules into typed
//! values, writes FastAPI's 422 body, and builds the OpenAPI 3.1 document.
//! The host's trigger feeds it request parts and the runtime converts its
//! values to WIT; nothing here knows either.
//!
//! - [`template`]: path templates (`/users/{id}`), shared with the guest
//!   SDK's macros (the only module without the `full` feature);
//! - [`spec`]: route specifications and their validation;
//! - [`value`] and [`params`]: typed values, parsing, validation errors;
//! - [`temporal`] and [`decimal`]: dates, times, durations and decimals,
//!   parsed as pydantic parses them and passed on as canonical text;
//! - [`extract`]: a route's arguments out of a request's path, query and headers;
//! - [`router`]: matchit-based matching with 404/405;
//! - [`middleware`]: the CORS, gzip and trusted-host policies an app asks for;
//! - [`openapi`]: the app's OpenAPI document.
//!
//! ```
//! use fasterapi_routes::router::{Lookup, Router};
//! use fasterapi_routes::spec::{Method, ParamKind, ParamSource, ParamSpec, RouteSpec};
//! use fasterapi_routes::value::Value;
//!
//! let id = ParamSpec::required("id", ParamSource::Path, ParamKind::Int);
//! let routes = vec![RouteSpec::new(Method::Get, "/users/{id}", "get_user", vec![id])];
//! fasterapi_routes::spec::validate_routes(&routes).unwrap();
//! let router = Router::new(&routes).unwrap();
//! let Lookup::Found { route, params } = router.lookup(Some(Method::Get), "/users/42") else {
//!     panic!("no match")
//! };
//! let args: Vec<Value> =
//!     fasterapi_routes::extract::arguments(&routes[route], &params, None, &[][..], None).unwrap();
//! assert_eq!(args, [Value::Int(42)]);
//! ```

#![deny(missing_docs)]

pub mod template;

#[cfg(feature = "full")]
pub mod constraints;
#[cfg(feature = "full")]
pub mod decimal;
#[cfg(feature = "full")]
pub mod extract;
#[cfg(feature = "full")]
pub mod middleware;
#[cfg(feature = "full")]
mod models;
#[cfg(feature = "full")]
pub mod openapi;
#[cfg(feature = "full")]
pub mod params;
#[cfg(feature = "full")]
pub mod router;
#[cfg(feature = "full")]
pub mod spec;
#[cfg(feature = "full")]
pub mod temporal;
#[cfg(feature = "full")]
pub mod value;
