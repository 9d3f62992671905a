//! A test guest whose route table the host must refuse: a route is declared twice.

use fasterapi::get;

#[get("/twice")]
fn first() -> &'static str {
    "first"
}

#[get("/twice")]
fn second() -> &'static str {
    "second"
}

fasterapi::app!(first, second);
