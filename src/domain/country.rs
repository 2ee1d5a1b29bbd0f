//! `CountryCode`: an ISO 3166-1 alpha-2 code from the list in
//! `policies/regions/iso3166-1-alpha2.txt`, never free text.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use super::DomainError;

const ISO_LIST: &str = include_str!("../../policies/regions/iso3166-1-alpha2.txt");

/// Every assigned code with its English name.
pub fn countries() -> &'static BTreeMap<&'static str, &'static str> {
    static LIST: OnceLock<BTreeMap<&'static str, &'static str>> = OnceLock::new();
    LIST.get_or_init(|| {
        ISO_LIST
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .filter_map(|l| l.split_once('\t'))
            .collect()
    })
}

/// An assigned ISO 3166-1 alpha-2 code, upper case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CountryCode([u8; 2]);

impl CountryCode {
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("??")
    }

    /// The country's English name.
    pub fn name(&self) -> &'static str {
        countries().get(self.as_str()).copied().unwrap_or("")
    }
}

impl FromStr for CountryCode {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let upper = s.trim().to_ascii_uppercase();
        match countries().get_key_value(upper.as_str()) {
            Some((code, _)) => {
                let b = code.as_bytes();
                Ok(CountryCode([b[0], b[1]]))
            }
            None => Err(DomainError::Country(s.chars().take(20).collect())),
        }
    }
}

impl TryFrom<String> for CountryCode {
    type Error = DomainError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl From<CountryCode> for String {
    fn from(value: CountryCode) -> Self {
        value.as_str().to_owned()
    }
}

impl fmt::Display for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_is_complete_and_codes_parse_case_insensitively() {
        assert_eq!(countries().len(), 249);
        assert_eq!("gr".parse::<CountryCode>().map(|c| c.name()), Ok("Greece"));
        assert_eq!(
            "AX".parse::<CountryCode>().map(|c| c.to_string()),
            Ok("AX".to_string())
        );
    }

    #[test]
    fn pseudo_codes_and_free_text_are_refused() {
        for bad in [
            "EU",
            "UK",
            "EL",
            "XK",
            "",
            "Germany",
            "D",
            "DEU",
            "'; DROP TABLE users; --",
        ] {
            assert!(bad.parse::<CountryCode>().is_err(), "{bad}");
        }
    }
}
