//! Accounts made by operators, and sessions: checking a password (throttled per account
//! and client address) and opening a session token. The API, the portal and the CLI all
//! come through here.

use serde_json::json;

use crate::accounts::AccountError;
use crate::auth::password;
use crate::db::accounts;
use crate::domain::{ClientInfo, Email, Role};
use crate::ledger::event::{EventKind, Outcome};
use crate::random::new_id;
use crate::state::AppState;

/// Creates an account with `role` and a verified address; used by `admin create` and the
/// demo (sign-ups go through `accounts::sign_up`).
pub async fn create_account(
    state: &AppState,
    email: &Email,
    password: String,
    role: Role,
) -> Result<String, AccountError> {
    let hash = password::hash_password(password).await?;
    let id = new_id();
    let mut tx = state.db.begin_write().await?;
    // Created by an operator (or the demo), who vouches for the address.
    let verified_at = Some(crate::db::now_ms());
    if !accounts::insert_user(
        &mut tx,
        &id,
        email.as_str(),
        &hash,
        role.as_str(),
        verified_at,
    )
    .await?
    {
        return Err(AccountError::EmailTaken);
    }
    crate::db::audit::append(
        &mut tx,
        &crate::db::audit::NewEvent {
            kind: EventKind::AccountCreated,
            actor: Some(id.clone()),
            subject: Some(id.clone()),
            outcome: Some(Outcome::Created),
            data: json!({ "user_id": id, "email": email.as_str(), "role": role.as_str() }),
        },
    )
    .await?;
    tx.commit().await?;
    tracing::info!(user.id = %id, user.role = %role, "account created");
    Ok(id)
}

/// A new session: the signed token and the account it is for.
pub struct SignedIn {
    pub token: String,
    pub expires_ms: i64,
    pub user: accounts::UserRow,
}

/// Checks `email` and `password` and opens a session. Throttled per account and per IP;
/// the answer takes as long whether or not the account exists.
pub async fn sign_in(
    state: &AppState,
    client: &ClientInfo,
    email: &str,
    password: String,
) -> Result<SignedIn, AccountError> {
    let email = email.trim().to_lowercase();
    if email.len() > 254 {
        // No such account can exist; and a throttle key stays small.
        return Err(AccountError::InvalidCredentials);
    }
    let ip = client.ip;
    if let Err(wait) = state.throttle.begin_attempt(&email, ip) {
        return Err(AccountError::TooManyAttempts {
            retry_after_secs: wait.as_secs().max(1),
        });
    }
    let user = accounts::user_by_email(&state.db, &email).await?;
    let matches =
        password::verify_password(password, user.as_ref().map(|u| u.password_hash.clone())).await;
    let user = match user {
        Some(user) if matches && user.disabled_at.is_none() => user,
        _ => return Err(AccountError::InvalidCredentials),
    };
    state.throttle.succeeded(&email, ip);
    open_session(state, client, user).await
}

/// Opens a session for `user`, whose credentials were just checked (or who was just
/// created with them): the signed token and its record.
async fn open_session(
    state: &AppState,
    client: &ClientInfo,
    user: accounts::UserRow,
) -> Result<SignedIn, AccountError> {
    let session_id = new_id();
    let (token, expires) = state
        .session_keys
        .issue(&user.id, &session_id)
        .map_err(AccountError::internal)?;
    let expires_ms = i64::try_from(expires).unwrap_or(i64::MAX / 1000) * 1000;
    accounts::insert_session(
        &state.db,
        &session_id,
        &user.id,
        expires_ms,
        client.ip.map(|i| i.to_string()).as_deref(),
        client.user_agent.as_deref(),
    )
    .await?;
    Ok(SignedIn {
        token,
        expires_ms,
        user,
    })
}
