//! The middleware an app asks the host to run around it (FastAPI's
//! `app.add_middleware`): plain policies, checked here; the host's trigger
//! applies them to requests and answers.

use regex::Regex;

/// One middleware, as Starlette's of the same name behaves.
#[derive(Debug, Clone, PartialEq)]
pub enum Middleware {
    /// `CORSMiddleware`.
    Cors(CorsPolicy),
    /// `GZipMiddleware`.
    Gzip(GzipPolicy),
    /// `TrustedHostMiddleware`.
    TrustedHost(TrustedHostPolicy),
}

/// Which cross-origin requests browsers may make.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CorsPolicy {
    /// Origins allowed (`*`: any).
    pub allow_origins: Vec<String>,
    /// A regular expression a whole origin may match instead.
    pub allow_origin_regex: Option<String>,
    /// Methods a preflight may ask for.
    pub allow_methods: Vec<String>,
    /// Headers a preflight may ask for (`*`: any).
    pub allow_headers: Vec<String>,
    /// Whether credentials (cookies) may be sent.
    pub allow_credentials: bool,
    /// Whether a public site may reach this private-network one.
    pub allow_private_network: bool,
    /// Headers scripts may read.
    pub expose_headers: Vec<String>,
    /// How long browsers may cache a preflight, in seconds.
    pub max_age: u32,
}

/// Which answers are compressed.
#[derive(Debug, Clone, PartialEq)]
pub struct GzipPolicy {
    /// Bodies shorter than this many bytes are sent as they are.
    pub minimum_size: u32,
    /// 0 (none) to 9 (best).
    pub compress_level: u32,
    /// Media types never compressed (`image/*` covers a family).
    pub exclude_content_types: Vec<String>,
}

/// Which hosts the app answers for.
#[derive(Debug, Clone, PartialEq)]
pub struct TrustedHostPolicy {
    /// Host names, `*.example.com` wildcards, or `*`.
    pub allowed_hosts: Vec<String>,
    /// Redirect `example.com` to `www.example.com` when only the latter is allowed.
    pub www_redirect: bool,
}

/// Why a middleware cannot be run.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum MiddlewareError {
    /// `allow_origin_regex` is not a regular expression.
    #[error("CORS allow_origin_regex {pattern:?} is not a regular expression: {reason}")]
    OriginRegex {
        /// The pattern given.
        pattern: String,
        /// What the regex compiler said.
        reason: String,
    },
    /// A wildcard host other than `*` or a leading `*.`.
    #[error("trusted host {0:?}: domain wildcard patterns must be like '*.example.com'")]
    HostPattern(String),
    /// A compression level past 9.
    #[error("gzip compress level {0} is not between 0 and 9")]
    CompressLevel(u32),
}

impl CorsPolicy {
    /// The origin regex, compiled to match a whole origin (Python's `fullmatch`).
    pub fn origin_regex(&self) -> Result<Option<Regex>, MiddlewareError> {
        let Some(pattern) = &self.allow_origin_regex else { return Ok(None) };
        Regex::new(&format!("^(?:{pattern})$"))
            .map(Some)
            .map_err(|err| MiddlewareError::OriginRegex { pattern: pattern.clone(), reason: err.to_string() })
    }
}

impl Middleware {
    /// Checks a policy as Starlette checks it when the middleware is added.
    pub fn validate(&self) -> Result<(), MiddlewareError> {
        match self {
            Middleware::Cors(cors) => cors.origin_regex().map(drop),
            Middleware::Gzip(gzip) if gzip.compress_level > 9 => {
                Err(MiddlewareError::CompressLevel(gzip.compress_level))
            }
            Middleware::Gzip(_) => Ok(()),
            Middleware::TrustedHost(hosts) => hosts
                .allowed_hosts
                .iter()
                .find(|pattern| !valid_host_pattern(pattern))
                .map_or(Ok(()), |bad| Err(MiddlewareError::HostPattern(bad.clone()))),
        }
    }
}

fn valid_host_pattern(pattern: &str) -> bool {
    let rest = pattern.get(1..).unwrap_or("");
    !rest.contains('*') && (!pattern.starts_with('*') || pattern == "*" || pattern.starts_with("*."))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policies_are_checked_as_starlette_checks_them() {
        let cors = |regex: &str| {
            Middleware::Cors(CorsPolicy { allow_origin_regex: Some(regex.into()), ..CorsPolicy::default() })
        };
        assert_eq!(cors(r"https://.*\.example\.org").validate(), Ok(()));
        assert!(matches!(cors("(").validate(), Err(MiddlewareError::OriginRegex { .. })));
        let hosts = |list: &[&str]| {
            Middleware::TrustedHost(TrustedHostPolicy {
                allowed_hosts: list.iter().map(|h| h.to_string()).collect(),
                www_redirect: true,
            })
        };
        assert_eq!(hosts(&["*", "example.com", "*.example.com"]).validate(), Ok(()));
        assert_eq!(hosts(&["ex*.com"]).validate(), Err(MiddlewareError::HostPattern("ex*.com".into())));
        assert_eq!(
            hosts(&["*example.com"]).validate(),
            Err(MiddlewareError::HostPattern("*example.com".into()))
        );
        let gzip = Middleware::Gzip(GzipPolicy {
            minimum_size: 1,
            compress_level: 10,
            exclude_content_types: vec![],
        });
        assert_eq!(gzip.validate(), Err(MiddlewareError::CompressLevel(10)));
    }

    #[test]
    fn the_origin_regex_matches_whole_origins() {
        let policy =
            CorsPolicy { allow_origin_regex: Some(r"https://.*\.example\.org".into()), ..Default::default() };
        let regex = policy.origin_regex().unwrap().unwrap();
        assert!(regex.is_match("https://a.example.org"));
        assert!(!regex.is_match("https://a.example.org.evil.com"));
    }
}
