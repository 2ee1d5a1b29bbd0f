//! Declared monthly active users, as bands: licensees answer with a band, never a number,
//! and a license's limit is compared with the band's upper bound (a band that may exceed
//! the limit counts as exceeding it).

use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::DomainError;

/// How many monthly active users the licensee's products and services have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
pub enum UserBand {
    #[serde(rename = "up_to_1m")]
    UpTo1m,
    #[serde(rename = "up_to_10m")]
    UpTo10m,
    #[serde(rename = "up_to_100m")]
    UpTo100m,
    #[serde(rename = "up_to_700m")]
    UpTo700m,
    #[serde(rename = "up_to_1b")]
    UpTo1b,
    #[serde(rename = "over_1b")]
    Over1b,
}

impl UserBand {
    /// Every band, smallest first.
    pub const ALL: [UserBand; 6] = [
        UserBand::UpTo1m,
        UserBand::UpTo10m,
        UserBand::UpTo100m,
        UserBand::UpTo700m,
        UserBand::UpTo1b,
        UserBand::Over1b,
    ];

    /// The name used in the API, the database and the portal form.
    pub fn as_str(self) -> &'static str {
        match self {
            UserBand::UpTo1m => "up_to_1m",
            UserBand::UpTo10m => "up_to_10m",
            UserBand::UpTo100m => "up_to_100m",
            UserBand::UpTo700m => "up_to_700m",
            UserBand::UpTo1b => "up_to_1b",
            UserBand::Over1b => "over_1b",
        }
    }

    /// The most users the band allows (`i64::MAX` for the open band).
    pub fn upper_bound(self) -> i64 {
        match self {
            UserBand::UpTo1m => 1_000_000,
            UserBand::UpTo10m => 10_000_000,
            UserBand::UpTo100m => 100_000_000,
            UserBand::UpTo700m => 700_000_000,
            UserBand::UpTo1b => 1_000_000_000,
            UserBand::Over1b => i64::MAX,
        }
    }
}

impl FromStr for UserBand {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        UserBand::ALL
            .into_iter()
            .find(|band| band.as_str() == s)
            .ok_or_else(|| DomainError::UserBand(s.chars().take(40).collect()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_round_trip_and_grow() {
        for pair in UserBand::ALL.windows(2) {
            assert!(pair[0].upper_bound() < pair[1].upper_bound());
        }
        for band in UserBand::ALL {
            assert_eq!(band.as_str().parse::<UserBand>(), Ok(band));
            assert_eq!(
                serde_json::to_value(band).unwrap(),
                serde_json::json!(band.as_str())
            );
        }
        assert!("700m".parse::<UserBand>().is_err());
    }
}
