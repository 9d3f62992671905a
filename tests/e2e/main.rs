//! End-to-end tests: the real `fasterapi` binary serving components built
//! from source in this run, spoken to over real HTTP on loopback.

mod admin;
mod bench_app;
mod cli;
mod dev;
mod fastapi_parity;
mod fleet;
mod guest_failures;
mod hostile;
mod http;
mod inprocess;
mod new_project;
mod oci;
mod openapi;
mod outbound;
mod params;
mod python_app;
mod reload;
mod support;
mod tenants;
mod wasi_http;
