//! Path templates: `/users/{id}`, `/files/{*rest}`, `{{` and `}}` for
//! literal braces (matchit's syntax). The host validates guest route tables
//! with it and the Rust guest SDK's macros check handler paths at compile
//! time with the same rules.

use std::fmt;

/// Why a path template is malformed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError {
    /// What is wrong, and where.
    pub reason: String,
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.reason)
    }
}

impl std::error::Error for TemplateError {}

/// The parameter names of a template, in order (`{*rest}` gives `rest`).
pub fn template_params(template: &str) -> Result<Vec<String>, TemplateError> {
    let error = |reason: String| TemplateError { reason };
    let mut names = Vec::new();
    let mut chars = template.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        match c {
            '{' | '}' if chars.peek().map(|&(_, next)| next) == Some(c) => {
                chars.next();
            }
            '}' => return Err(error(format!("unmatched '}}' at byte {start}"))),
            '{' => {
                let rest = &template[start + 1..];
                let end = rest.find('}').ok_or_else(|| error(format!("unclosed '{{' at byte {start}")))?;
                let name = rest[..end].strip_prefix('*').unwrap_or(&rest[..end]);
                if name.is_empty() || !name.chars().all(|c| c.is_alphanumeric() || c == '_') {
                    return Err(error(format!("'{{{}}}' is not a valid parameter name", &rest[..end])));
                }
                names.push(name.to_owned());
                for _ in 0..=end {
                    chars.next();
                }
            }
            _ => {}
        }
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_names_are_found() {
        assert_eq!(template_params("/users/{id}/files/{*rest}").unwrap(), ["id", "rest"]);
        assert_eq!(template_params("/a/{{literal}}").unwrap(), Vec::<String>::new());
        assert!(template_params("/a/{id").is_err());
        assert!(template_params("/a/{}").is_err());
        assert!(template_params("/a/{a-b}").is_err());
        assert!(template_params("/a/b}").is_err());
    }
}
