//! API tokens (`mg_…`): minted only from a signed-in session, shown once, stored as a
//! hash, revocable.

use serde::Deserialize;
use serde_json::json;

use super::bounded_text;
use crate::accounts::AccountError;
use crate::auth::api_tokens::{self, Scope};
use crate::auth::Principal;
use crate::db::{accounts, now_ms};
use crate::domain::Role;
use crate::ledger::event::{EventKind, Outcome};
use crate::random::new_id;
use crate::state::AppState;

/// The body of `POST /v1/me/tokens`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTokenBody {
    /// A name to tell the token apart (1-200 characters).
    pub name: String,
    /// `read`, `download`, `accept` or `admin`; `read` and `download` when left out.
    #[serde(default = "default_scopes")]
    #[schema(value_type = Vec<Scope>, default = json!(["read", "download"]))]
    pub scopes: Vec<String>,
    /// Days until the token expires (1-3650); never when left out.
    pub expires_in_days: Option<u32>,
}

fn default_scopes() -> Vec<String> {
    vec!["read".into(), "download".into()]
}

/// A freshly minted API token; `secret` is shown once and stored only as a hash.
pub struct MintedToken {
    pub id: String,
    pub name: String,
    pub secret: String,
    pub scopes: Vec<Scope>,
    pub expires_at: Option<i64>,
}

/// Checks `body` and records a new API token for the signed-in session's account.
pub async fn mint_token(
    state: &AppState,
    who: &Principal,
    body: NewTokenBody,
) -> Result<MintedToken, AccountError> {
    who.require_session()?;
    crate::accounts::require_verified_email(state, who.email_verified_at)?;
    let name = bounded_text("name", &body.name)?;
    let mut scopes = body
        .scopes
        .iter()
        .map(|s| s.parse::<Scope>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(AccountError::Invalid)?;
    scopes.sort();
    scopes.dedup();
    if scopes.is_empty() {
        return Err(AccountError::Invalid(
            "a token needs at least one scope".into(),
        ));
    }
    if scopes.contains(&Scope::Admin) && !matches!(who.role, Role::Admin | Role::Compliance) {
        return Err(AccountError::NotAllowed(
            "only admin and compliance accounts may hold the `admin` scope".into(),
        ));
    }
    let expires_at = body
        .expires_in_days
        .map(|days| now_ms() + i64::from(days.clamp(1, 3650)) * 86_400_000);
    let (secret, hash) = api_tokens::generate();
    let id = new_id();
    let scopes_json = serde_json::to_string(&scopes).map_err(AccountError::internal)?;
    let mut tx = state.db.begin_write().await?;
    accounts::insert_api_token(
        &mut tx,
        &id,
        &who.user_id,
        &name,
        &hash,
        &scopes_json,
        expires_at,
    )
    .await?;
    crate::db::audit::append(
        &mut tx,
        &crate::db::audit::NewEvent {
            kind: EventKind::TokenCreated,
            actor: Some(who.user_id.clone()),
            subject: Some(id.clone()),
            outcome: Some(Outcome::Created),
            data: json!({ "token": id, "name": name, "scopes": scopes, "expires_at": expires_at }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(MintedToken {
        id,
        name,
        secret,
        scopes,
        expires_at,
    })
}

/// Revokes the account's live token `id`, with its audit event.
pub async fn revoke_api_token(
    state: &AppState,
    who: &Principal,
    id: &str,
) -> Result<(), AccountError> {
    who.require_session()?;
    let mut tx = state.db.begin_write().await?;
    if accounts::revoke_api_token(&mut tx, &who.user_id, id).await? {
        crate::db::audit::append(
            &mut tx,
            &crate::db::audit::NewEvent {
                kind: EventKind::TokenRevoked,
                actor: Some(who.user_id.clone()),
                subject: Some(id.to_string()),
                outcome: Some(Outcome::Revoked),
                data: json!({ "token": id }),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    } else {
        Err(AccountError::TokenNotFound(id.chars().take(64).collect()))
    }
}
