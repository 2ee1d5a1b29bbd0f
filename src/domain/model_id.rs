//! `ModelId`: a model's `org/name`, as in Hugging Face repository ids.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::DomainError;

const MAX_PART_LEN: usize = 96;

/// `org/name`; each part is 1..=96 ASCII letters, digits, `.`, `_` or `-`, and does not
/// start with `.` or `-`, so it is always safe in a URL path and a file name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ModelId {
    org: String,
    name: String,
}

impl ModelId {
    /// Builds an id from its two parts, validating both.
    pub fn new(org: &str, name: &str) -> Result<Self, DomainError> {
        format!("{org}/{name}").parse()
    }

    pub fn org(&self) -> &str {
        &self.org
    }

    pub fn name(&self) -> &str {
        &self.name
    }
}

fn valid_part(part: &str) -> bool {
    !part.is_empty()
        && part.len() <= MAX_PART_LEN
        && !part.starts_with(['.', '-'])
        && part
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// Orgs whose ids would collide with the gateway's own routes (`/v1/…`, `/v2/…`, `/api/…`),
/// where the Hub-compatible `/{org}/{name}/resolve/…` could never reach them.
const RESERVED_ORGS: &[&str] = &["v1", "v2", "api"];

impl FromStr for ModelId {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.split_once('/') {
            Some((org, name))
                if valid_part(org) && valid_part(name) && !RESERVED_ORGS.contains(&org) =>
            {
                Ok(ModelId {
                    org: org.into(),
                    name: name.into(),
                })
            }
            _ => Err(DomainError::ModelId(s.chars().take(200).collect())),
        }
    }
}

impl TryFrom<String> for ModelId {
    type Error = DomainError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl From<ModelId> for String {
    fn from(value: ModelId) -> Self {
        value.to_string()
    }
}

impl fmt::Display for ModelId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.org, self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_hub_style_ids() {
        let id: ModelId = "meta-llama/Llama-3.2-1B".parse().expect("valid");
        assert_eq!(id.org(), "meta-llama");
        assert_eq!(id.name(), "Llama-3.2-1B");
        assert_eq!(id.to_string(), "meta-llama/Llama-3.2-1B");
    }

    #[test]
    fn rejects_traversal_and_odd_shapes() {
        for bad in [
            "",
            "a",
            "a/",
            "/b",
            "a/b/c",
            "../b",
            "a/..",
            "a/.hidden",
            "a b/c",
            "a/-x",
            "a\\b/c",
            "v1/models",
            "api/models",
        ] {
            assert!(
                bad.parse::<ModelId>().is_err(),
                "{bad:?} should be rejected"
            );
        }
    }
}
