//! `Sha256Digest`: a SHA-256 digest, always 64 lowercase hex characters.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::DomainError;

/// A SHA-256 digest. Parses `hex` or `sha256:hex`; displays as bare lowercase hex.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Sha256Digest([u8; 32]);

impl Sha256Digest {
    /// Wraps raw digest bytes, e.g. the output of `sha2::Sha256::finalize`.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Sha256Digest(bytes)
    }

    /// The raw 32 bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Lowercase hex, 64 characters.
    pub fn hex(&self) -> String {
        hex::encode(self.0)
    }

    /// The OCI-style reference `sha256:<hex>`.
    pub fn reference(&self) -> String {
        format!("sha256:{}", self.hex())
    }

    /// Digest of a byte slice.
    pub fn of(bytes: &[u8]) -> Self {
        use sha2::Digest;
        Sha256Digest(sha2::Sha256::digest(bytes).into())
    }
}

impl FromStr for Sha256Digest {
    type Err = DomainError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let hex_part = s.strip_prefix("sha256:").unwrap_or(s);
        let valid = hex_part.len() == 64
            && hex_part
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if !valid {
            return Err(DomainError::Digest(s.chars().take(80).collect()));
        }
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(hex_part, &mut bytes).map_err(|_| DomainError::Digest(s.into()))?;
        Ok(Sha256Digest(bytes))
    }
}

impl TryFrom<String> for Sha256Digest {
    type Error = DomainError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl From<Sha256Digest> for String {
    fn from(value: Sha256Digest) -> Self {
        value.hex()
    }
}

impl fmt::Display for Sha256Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.hex())
    }
}

impl fmt::Debug for Sha256Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "sha256:{}", self.hex())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_bare_and_prefixed_hex() {
        let hex = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        let bare: Sha256Digest = hex.parse().expect("bare");
        let prefixed: Sha256Digest = format!("sha256:{hex}").parse().expect("prefixed");
        assert_eq!(bare, prefixed);
        assert_eq!(bare, Sha256Digest::of(b""));
        assert_eq!(bare.hex(), hex);
    }

    #[test]
    fn rejects_uppercase_short_long_and_non_hex() {
        for bad in [
            "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
            "e3b0c442",
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b8550",
            "g3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "md5:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "",
        ] {
            assert!(
                bad.parse::<Sha256Digest>().is_err(),
                "{bad} should be rejected"
            );
        }
    }
}
