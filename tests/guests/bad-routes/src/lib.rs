//! A test guest whose route table the host must refuse: a text parameter
//! with a numeric bound (the SDK passes it on; the host checks the table).

use fasterapi::get;

#[get("/fine")]
fn fine() -> &'static str {
    "fine"
}

#[get("/bad")]
fn bad(#[query(ge = 1)] q: String) -> String {
    q
}

fasterapi::app!(fine, bad);
