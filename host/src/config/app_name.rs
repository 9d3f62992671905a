//! App names: what the manifest, the admin API, `fasterapi new` and
//! `fasterapi dev` all accept as the name of an app or project.

use std::fmt;

/// A valid app name: ASCII letters, digits, `-` and `_`, not empty. It is
/// safe as a file name (deployed apps are stored under it) and as a URL
/// path segment (`/apps/NAME`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct AppName(String);

/// A name that is not a valid [`AppName`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not an app name: use letters, digits, '-' and '_'")]
pub struct InvalidAppName(pub String);

impl AppName {
    /// Checks `name`.
    pub fn new(name: &str) -> Result<AppName, InvalidAppName> {
        let valid =
            !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if valid { Ok(AppName(name.to_owned())) } else { Err(InvalidAppName(name.to_owned())) }
    }

    /// A name made from any text (a directory's name): every other character
    /// becomes `-`; empty text gives `app`.
    pub fn sanitized(text: &str) -> AppName {
        let name: String = text
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '-' })
            .collect();
        AppName(if name.is_empty() { "app".into() } else { name })
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AppName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::ops::Deref for AppName {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl PartialEq<str> for AppName {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked_and_sanitized() {
        assert_eq!(AppName::new("shop-v2_a").unwrap().as_str(), "shop-v2_a");
        for bad in ["", "a b", "../x", "café", "a/b"] {
            assert_eq!(AppName::new(bad), Err(InvalidAppName(bad.into())));
        }
        assert_eq!(AppName::sanitized("my app").as_str(), "my-app");
        assert_eq!(AppName::sanitized("").as_str(), "app");
    }
}
