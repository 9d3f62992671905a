//! `oci://REGISTRY/REPOSITORY:TAG` and `oci://REGISTRY/REPOSITORY@sha256:...`.

use std::fmt;
use std::str::FromStr;

/// The scheme that marks a component as an OCI reference.
pub const SCHEME: &str = "oci://";

/// A component's place in a registry: a repository and a tag or a digest
/// (or both: then the digest is what is pulled).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ImageRef(pub(crate) oci_client::Reference);

/// Why a text is not an OCI reference.
#[derive(Debug, thiserror::Error)]
pub enum ReferenceError {
    /// It does not start with `oci://`.
    #[error("'{0}' is not an OCI reference: expected oci://REGISTRY/REPOSITORY:TAG or @sha256:DIGEST")]
    Scheme(String),
    /// The rest does not parse.
    #[error("'{text}' is not a valid OCI reference: {reason}")]
    Invalid {
        /// The text.
        text: String,
        /// Why.
        reason: String,
    },
}

impl ImageRef {
    /// Whether `text` names an OCI artifact rather than a file.
    pub fn is_reference(text: &str) -> bool {
        text.starts_with(SCHEME)
    }

    /// The registry's host (and port).
    pub fn registry(&self) -> &str {
        self.0.resolve_registry()
    }

    /// The digest the reference pins, if it pins one.
    pub fn digest(&self) -> Option<&str> {
        self.0.digest()
    }

    /// The same repository pinned to `digest`.
    pub fn with_digest(&self, digest: &str) -> ImageRef {
        ImageRef(oci_client::Reference::with_digest(
            self.0.registry().to_owned(),
            self.0.repository().to_owned(),
            digest.to_owned(),
        ))
    }

    /// Whether the registry is on this machine (127.0.0.0/8, `localhost`,
    /// `::1`): spoken to over plain HTTP without asking, as docker does.
    pub fn is_loopback(&self) -> bool {
        let registry = self.registry();
        let host = match registry.strip_prefix('[') {
            Some(bracketed) => bracketed.split(']').next().unwrap_or_default(),
            None => registry.rsplit_once(':').map_or(registry, |(host, _port)| host),
        };
        host.eq_ignore_ascii_case("localhost")
            || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
    }
}

impl FromStr for ImageRef {
    type Err = ReferenceError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let Some(rest) = text.strip_prefix(SCHEME) else {
            return Err(ReferenceError::Scheme(text.to_owned()));
        };
        let invalid = |reason: String| ReferenceError::Invalid { text: text.to_owned(), reason };
        // Without a registry the client would assume Docker Hub: say where.
        let Some((registry, _)) = rest.split_once('/') else {
            return Err(invalid("it names no registry (oci://REGISTRY/REPOSITORY:TAG)".to_owned()));
        };
        if !registry.contains(['.', ':']) && registry != "localhost" {
            return Err(invalid(format!(
                "'{registry}' is not a registry host (e.g. ghcr.io, localhost:5000)"
            )));
        }
        let reference = oci_client::Reference::from_str(rest).map_err(|err| {
            let hint = if rest.split(['@', ':']).any(|part| part.chars().any(|c| c.is_ascii_uppercase())) {
                " (repository names are lower-case)"
            } else {
                ""
            };
            invalid(format!("{err}{hint}"))
        })?;
        Ok(ImageRef(reference))
    }
}

impl fmt::Display for ImageRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{SCHEME}{}", self.0.whole())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<ImageRef, ReferenceError> {
        text.parse()
    }

    #[test]
    fn tags_and_digests_parse_and_print_back() {
        let tagged = parse("oci://localhost:5000/apps/hello:1.0").unwrap();
        assert_eq!((tagged.registry(), tagged.digest()), ("localhost:5000", None));
        assert_eq!(tagged.to_string(), "oci://localhost:5000/apps/hello:1.0");
        let digest = format!("sha256:{}", "a".repeat(64));
        let pinned = parse(&format!("oci://ghcr.io/acme/hello@{digest}")).unwrap();
        assert_eq!(pinned.digest(), Some(digest.as_str()));
        assert_eq!(
            tagged.with_digest(&digest).to_string(),
            format!("oci://localhost:5000/apps/hello@{digest}")
        );
    }

    #[test]
    fn bad_references_say_why() {
        assert!(matches!(parse("ghcr.io/acme/hello:1"), Err(ReferenceError::Scheme(_))));
        assert!(matches!(parse("oci://hello"), Err(ReferenceError::Invalid { .. })));
        assert!(matches!(parse("oci://acme/hello:1"), Err(ReferenceError::Invalid { .. })));
        assert!(matches!(
            parse("oci://ghcr.io/acme/hello@sha256:short"),
            Err(ReferenceError::Invalid { .. })
        ));
        assert!(matches!(parse("oci://ghcr.io/Acme/hello:1"), Err(ReferenceError::Invalid { .. })));
    }

    #[test]
    fn loopback_registries_are_known() {
        for loopback in ["localhost:5000", "127.0.0.1:5000", "127.1.2.3", "localhost"] {
            assert!(parse(&format!("oci://{loopback}/a/b:1")).unwrap().is_loopback(), "{loopback}");
        }
        for remote in ["ghcr.io", "10.0.0.1:5000", "localhost.example.com:5000"] {
            assert!(!parse(&format!("oci://{remote}/a/b:1")).unwrap().is_loopback(), "{remote}");
        }
    }
}
