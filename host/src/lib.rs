//! FasterAPI's host: serves HTTP requests from handlers compiled to
//! WebAssembly components.
//!
//! A guest declares its routes and their typed parameters through the WIT
//! world in `wit/`. The host builds a router from them, parses and validates
//! parameters natively (FastAPI's rules and error bodies), and calls the
//! guest with typed values in a fresh, sandboxed instance per request.
//!
//! - [`spec`], [`router`], [`params`], [`extract`]: route tables, matching and
//!   typed parameters, independent of WebAssembly;
//! - [`runtime`]: the wasmtime engine, compile cache and loaded apps;
//! - [`capabilities`]: what guests may import (logging);
//! - [`dispatch`] and [`server`]: the HTTP trigger and listener;
//! - [`openapi`] and [`docs`]: each app's `/openapi.json` and `/docs`;
//! - [`build`]: compiling guest projects; [`cli`]: the `fasterapi` command.

pub mod admin;
pub mod build;
pub mod capabilities;
pub mod cli;
pub mod deploy;
pub mod dev;
pub mod dispatch;
pub mod docs;
pub mod extract;
pub mod limits;
pub mod manifest;
pub mod metrics;
pub mod new;
pub mod openapi;
pub mod params;
pub mod registry;
pub mod router;
pub mod runtime;
pub mod server;
pub mod spec;
