//! `Principal`: who is asking and how, authenticated from a bearer token: a session JWT or
//! an API token (`mg_…`), with the account loaded (so role changes and disabling apply at
//! once). The web layer's extractor (`web::extract`) reads the token from the request.
//! A role check is one line in a handler: `who.authorize(&[Role::Admin], Scope::Admin)?`.

use crate::auth::api_tokens::{hash_token, Scope, TOKEN_PREFIX};
use crate::auth::jwt::{SessionKeys, TokenError};
use crate::db::accounts::{self, UserRow};
use crate::db::Db;
use crate::domain::Role;
use crate::error::ApiError;

/// How the request proved who it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    Session {
        session_id: String,
    },
    ApiToken {
        token_id: String,
        scopes: Vec<Scope>,
    },
}

/// An authenticated account.
#[derive(Debug, Clone)]
pub struct Principal {
    pub user_id: String,
    pub email: String,
    pub role: Role,
    pub credential: Credential,
    /// When the account's address was proven (`None`: not yet).
    pub email_verified_at: Option<i64>,
}

/// Why an authenticated account may not do what it asked.
#[derive(Debug, thiserror::Error)]
pub enum Denied {
    #[error("the `{0}` role may not do this")]
    Role(Role),
    #[error("this API token lacks the `{0}` scope")]
    Scope(Scope),
    #[error("API tokens are managed from a signed-in session only")]
    SessionOnly,
}

impl From<Denied> for ApiError {
    fn from(denied: Denied) -> Self {
        ApiError::Forbidden(denied.to_string())
    }
}

/// Every role; for routes any signed-in account may use.
pub const ANY_ROLE: &[Role] = &[Role::User, Role::Compliance, Role::Admin, Role::Partner];

impl Principal {
    /// Allows the request when the account has one of `roles` and, for an API token, the
    /// token carries `scope`. Sessions carry every scope of their role.
    pub fn authorize(&self, roles: &[Role], scope: Scope) -> Result<(), Denied> {
        if !roles.contains(&self.role) {
            return Err(Denied::Role(self.role));
        }
        if let Credential::ApiToken { scopes, .. } = &self.credential {
            if !scopes.contains(&scope) {
                return Err(Denied::Scope(scope));
            }
        }
        Ok(())
    }

    /// Allows only a signed-in session (not an API token): for minting and revoking tokens.
    pub fn require_session(&self) -> Result<(), Denied> {
        match self.credential {
            Credential::Session { .. } => Ok(()),
            Credential::ApiToken { .. } => Err(Denied::SessionOnly),
        }
    }

    fn from_user(user: UserRow, credential: Credential) -> Result<Principal, ApiError> {
        if user.disabled_at.is_some() {
            return Err(ApiError::InvalidToken("account is disabled".into()));
        }
        let role = user.role.parse().map_err(ApiError::internal)?;
        Ok(Principal {
            user_id: user.id,
            email: user.email,
            role,
            credential,
            email_verified_at: user.email_verified_at,
        })
    }
}

/// Authenticates a bearer `token`: a session JWT (checked with `session_keys`) or an API token
/// (`mg_…`).
pub async fn authenticate(
    db: &Db,
    session_keys: &SessionKeys,
    token: &str,
) -> Result<Principal, ApiError> {
    if token.starts_with(TOKEN_PREFIX) {
        let (row, user) = accounts::api_token_by_hash(db, &hash_token(token))
            .await?
            .ok_or_else(|| {
                ApiError::InvalidToken("API token is unknown, revoked or expired".into())
            })?;
        let scopes = serde_json::from_str(&row.scopes).map_err(ApiError::internal)?;
        return Principal::from_user(
            user,
            Credential::ApiToken {
                token_id: row.id,
                scopes,
            },
        );
    }
    let claims = session_keys
        .verify(token)
        .map_err(|e| ApiError::InvalidToken(e.to_string()))?;
    if !accounts::session_is_active(db, &claims.sid, &claims.sub).await? {
        return Err(ApiError::InvalidToken(TokenError::Revoked.to_string()));
    }
    let user = accounts::user_by_id(db, &claims.sub)
        .await?
        .ok_or_else(|| ApiError::InvalidToken("account no longer exists".into()))?;
    Principal::from_user(
        user,
        Credential::Session {
            session_id: claims.sid,
        },
    )
}
