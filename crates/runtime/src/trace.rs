//! W3C trace context: the `traceparent` of the request a guest is
//! answering, carried for the call (a task-local), so that the guest's
//! outbound calls forward it and the trace continues downstream.

use std::future::Future;

tokio::task_local! {
    static TRACEPARENT: String;
}

/// `value` if it is a valid `traceparent` header (version `00`: a 32-hex
/// trace id and a 16-hex parent id, neither all zeros, and 2-hex flags).
pub fn parse_traceparent(value: &str) -> Option<&str> {
    let parts: Vec<&str> = value.split('-').collect();
    let hex = |part: &str, len: usize| {
        part.len() == len && part.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    };
    let nonzero = |part: &str| part.bytes().any(|b| b != b'0');
    match parts.as_slice() {
        [version, trace, parent, flags]
            if *version == "00"
                && hex(trace, 32)
                && hex(parent, 16)
                && hex(flags, 2)
                && nonzero(trace)
                && nonzero(parent) =>
        {
            Some(value)
        }
        _ => None,
    }
}

/// Runs `future` (a request's answer) with `traceparent` as its trace context.
pub async fn with_traceparent<F: Future>(traceparent: String, future: F) -> F::Output {
    TRACEPARENT.scope(traceparent, future).await
}

/// The trace context of the request being answered, if it has one.
pub fn current_traceparent() -> Option<String> {
    TRACEPARENT.try_with(Clone::clone).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const VALID: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    #[test]
    fn only_well_formed_traceparents_are_taken() {
        assert_eq!(parse_traceparent(VALID), Some(VALID));
        for bad in [
            "",
            "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\nforged",
        ] {
            assert_eq!(parse_traceparent(bad), None, "{bad:?}");
        }
    }

    #[tokio::test]
    async fn the_context_holds_for_the_call_only() {
        assert_eq!(current_traceparent(), None);
        let inside = with_traceparent(VALID.to_owned(), async { current_traceparent() }).await;
        assert_eq!(inside.as_deref(), Some(VALID));
        assert_eq!(current_traceparent(), None);
    }
}
