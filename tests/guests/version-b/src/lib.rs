//! Version "b" of an app that the hot-reload tests swap back and forth.

use fasterapi::get;

#[get("/version")]
fn version() -> &'static str {
    "b"
}

fasterapi::app!(version);
