//! `Role`: what an account may do. Least privilege: each role sees only its own routes.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::DomainError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Developers and researchers: attest, accept licenses, download.
    User,
    /// Compliance staff: read acceptances, decisions and the audit trail.
    Compliance,
    /// Publishers: publish models and license versions, manage partners, revoke.
    Admin,
    /// Mirror operators.
    Partner,
}

impl Role {
    pub fn as_str(&self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Compliance => "compliance",
            Role::Admin => "admin",
            Role::Partner => "partner",
        }
    }
}

impl FromStr for Role {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "user" => Ok(Role::User),
            "compliance" => Ok(Role::Compliance),
            "admin" => Ok(Role::Admin),
            "partner" => Ok(Role::Partner),
            other => Err(DomainError::Role(other.chars().take(40).collect())),
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
