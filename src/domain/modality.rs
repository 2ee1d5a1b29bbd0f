//! `Modality`: whether a model takes text only or also images. A fact recorded in the
//! signed manifest at publish time, never guessed from a model's name.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::DomainError;

/// What a model consumes; multimodal models carry the EU restriction of the license.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Modality {
    Text,
    Multimodal,
}

impl Modality {
    /// The lowercase name used in manifests, the database and the API.
    pub fn as_str(&self) -> &'static str {
        match self {
            Modality::Text => "text",
            Modality::Multimodal => "multimodal",
        }
    }
}

impl FromStr for Modality {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "text" => Ok(Modality::Text),
            "multimodal" => Ok(Modality::Multimodal),
            other => Err(DomainError::Modality(other.into())),
        }
    }
}

impl fmt::Display for Modality {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
