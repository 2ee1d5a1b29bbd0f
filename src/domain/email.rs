//! `Email`: an account's email address, trimmed and lower-cased so one mailbox is one account.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::DomainError;

/// A plausible email address: `local@domain.tld`, at most 254 bytes, no spaces or controls.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for Email {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let value = s.trim().to_lowercase();
        let valid = value.len() <= 254
            && !value.chars().any(|c| c.is_whitespace() || c.is_control())
            && match value.split_once('@') {
                Some((local, domain)) => {
                    !local.is_empty()
                        && !domain.contains('@')
                        && domain.contains('.')
                        && !domain.starts_with('.')
                        && !domain.ends_with('.')
                }
                None => false,
            };
        if valid {
            Ok(Email(value))
        } else {
            Err(DomainError::Email(s.chars().take(100).collect()))
        }
    }
}

impl TryFrom<String> for Email {
    type Error = DomainError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl From<Email> for String {
    fn from(value: Email) -> Self {
        value.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_and_validates() {
        assert_eq!(
            "  Ada@Example.ORG ".parse::<Email>().map(String::from),
            Ok("ada@example.org".to_string())
        );
        for bad in [
            "",
            "ada",
            "ada@",
            "@x.org",
            "ada@x",
            "a b@x.org",
            "a@b@x.org",
            "ada@.org",
        ] {
            assert!(bad.parse::<Email>().is_err(), "{bad}");
        }
    }
}
