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
        match self.inner.method {
            M::Get => "GET",
            M::Post => "POST",
            M::Put => "PUT",
            M::Patch => "PATCH",
            M::Delete => "DELETE",
            M::Head => "HEAD",
            M::Options => "OPTIONS",
        }
    }

    /// The raw (percent-encoded) path.
    pub fn path(&self) -> &str {
        &self.inner.path
    }

    /// The raw query string, without `?`.
    pub fn query(&self) -> &str {
        &self.inner.query
    }

    /// The first value of a header (name matched case-insensitively).
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        self.inner.headers.iter().find(|h| h.name.eq_ignore_ascii_case(name)).map(|h| h.value.as_slice())
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
