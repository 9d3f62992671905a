//! The request as a handler sees it.

use crate::__private::ParamValue;
use crate::bindings;

/// A request the host matched and validated. Handlers that need more than
/// their typed arguments take `&Request`.
#[derive(Debug)]
pub struct Request {
    inner: bindings::Request,
}

impl Request {
    pub(crate) fn from_wit(inner: bindings::Request) -> Self {
        Request { inner }
    }

    /// The HTTP method, upper-case.
    pub fn method(&self) -> &'static str {
        use bindings::fasterapi::http::types::Method as M;
        match self.inner.raw.as_ref().map(|raw| raw.method) {
            Some(M::Get) => "GET",
            Some(M::Post) => "POST",
            Some(M::Put) => "PUT",
            Some(M::Patch) => "PATCH",
            Some(M::Delete) => "DELETE",
            Some(M::Head) => "HEAD",
            Some(M::Options) => "OPTIONS",
            // The host passes the raw request to every handler that can see it.
            None => "",
        }
    }

    /// The raw (percent-encoded) path below the app's mount.
    pub fn path(&self) -> &str {
        self.inner.raw.as_ref().map_or("", |raw| raw.path.as_str())
    }

    /// The raw query string, without `?`.
    pub fn query(&self) -> &str {
        self.inner.raw.as_ref().map_or("", |raw| raw.query.as_str())
    }

    /// The first value of a header (name matched case-insensitively).
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        match &self.inner.raw {
            Some(raw) => {
                raw.headers.iter().find(|h| h.name.eq_ignore_ascii_case(name)).map(|h| h.value.as_slice())
            }
            None if name.eq_ignore_ascii_case("content-type") => {
                self.inner.content_type.as_deref().map(str::as_bytes)
            }
            None => None,
        }
    }

    /// The request body.
    pub fn body(&self) -> &[u8] {
        &self.inner.body
    }

    /// Takes the typed arguments, in the route's declaration order.
    #[doc(hidden)]
    pub fn take_args(&mut self) -> std::vec::IntoIter<ParamValue> {
        std::mem::take(&mut self.inner.args).into_iter()
    }
}
