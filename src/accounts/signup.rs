//! Sign-up with a proven address. A sign-up is throttled per client address and answered
//! the same whether or not the address already has an account (an Argon2 hash either way;
//! the mail says which). A new account's address is unverified until the link mailed to it
//! is followed; while `auth.require_verified_email` holds, such an account may sign in but
//! not declare, mint API tokens, accept a license or get a grant. Each sign-up's link
//! carries the password chosen with it: signing up again for a still-unverified address
//! mails a new link, and following a link sets its password and ends every session, so
//! whoever squatted an address before its owner signed up loses it to the owner. Mail to
//! one recipient is limited (`mail.max_per_recipient` an hour).

use std::net::IpAddr;

use serde_json::json;
use sha2::{Digest, Sha256};

use crate::accounts::AccountError;
use crate::auth::password;
use crate::db::{accounts, audit, now_ms};
use crate::domain::{Email, Role};
use crate::i18n::Lang;
use crate::ledger::event::{EventKind, Outcome};
use crate::random::{new_id, random_hex};
use crate::state::AppState;

/// The portal page a verification link opens.
pub const VERIFY_PATH: &str = "/verify-email";

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn throttled(state: &AppState, client_ip: Option<IpAddr>) -> Result<(), AccountError> {
    state
        .signups
        .count(client_ip)
        .map_err(|wait| AccountError::TooManyAttempts {
            retry_after_secs: wait.as_secs().max(1),
        })
}

/// Where links in mail point: `server.public_url`, else this listener's own address (never
/// a request's `Host` or forwarded headers, which whoever signs up chooses).
pub fn link_base(state: &AppState, listener: std::net::SocketAddr) -> String {
    if state.settings.server.public_url.is_empty() {
        format!("http://{listener}")
    } else {
        state.settings.public_url(listener.port())
    }
}

/// The one answer every sign-up gets: what the person does next (`confirm-email` or
/// `sign-in`) and a sentence saying so.
pub fn next_step(state: &AppState) -> &'static str {
    match state.mailer.is_configured() {
        true => "confirm-email",
        false => "sign-in",
    }
}

/// Refuses `Err(EmailNotVerified)` when verified addresses are required and `verified_at`
/// is unset.
pub fn require_verified_email(
    state: &AppState,
    verified_at: Option<i64>,
) -> Result<(), AccountError> {
    if state.settings.auth.verified_email_required() && verified_at.is_none() {
        return Err(AccountError::EmailNotVerified);
    }
    Ok(())
}

/// Signs up `email` with `password` from `client_ip`. `Ok` means "if the address is new,
/// an account now exists and a link was mailed to it; if not, its owner was told by mail";
/// the caller cannot tell which. `base_url` is where links in the mail point.
pub async fn sign_up(
    state: &AppState,
    email: &Email,
    password: String,
    client_ip: Option<IpAddr>,
    base_url: &str,
    lang: Lang,
) -> Result<(), AccountError> {
    throttled(state, client_ip)?;
    let hash = password::hash_password(password).await?;
    let id = new_id();
    let mut tx = state.db.begin_write().await?;
    let created = accounts::insert_user(
        &mut tx,
        &id,
        email.as_str(),
        &hash,
        Role::User.as_str(),
        None,
    )
    .await?;
    let pending = match created {
        true => Some(id.clone()),
        // Taken: by an account whose address is still unproven, another link goes out.
        false => accounts::user_by_email_in(&mut tx, email.as_str())
            .await?
            .filter(|user| user.email_verified_at.is_none())
            .map(|user| user.id),
    };
    if created {
        audit::append(
            &mut tx,
            &audit::NewEvent {
                kind: EventKind::AccountCreated,
                actor: Some(id.clone()),
                subject: Some(id.clone()),
                outcome: Some(Outcome::Created),
                data: json!({ "user_id": id, "email": email.as_str(), "role": Role::User.as_str() }),
            },
        )
        .await?;
    }
    let mut link = None;
    if let (Some(user_id), true) = (&pending, state.mailer.is_configured()) {
        let link_url = new_link(
            state,
            &mut tx,
            user_id,
            email.as_str(),
            Some(&hash),
            base_url,
        );
        link = Some(link_url.await?);
    }
    tx.commit().await?;
    if created {
        tracing::info!(user.id = %id, "account signed up");
    }
    if !state.mailer.is_configured() {
        return Ok(());
    }
    let (subject, body) = match link {
        Some(link) => verification_mail(&link, state, lang),
        None => (
            lang.text("mail-taken-subject"),
            lang.text_with(
                "mail-taken-body",
                &[("signin", format!("{base_url}/signin").into())],
            ),
        ),
    };
    send_later(state, email.as_str(), subject, body);
    Ok(())
}

/// Records a fresh verification link for `user_id` in `tx` (a sign-up's carries its
/// password); returns its URL.
async fn new_link(
    state: &AppState,
    tx: &mut crate::db::WriteTx,
    user_id: &str,
    email: &str,
    password_hash: Option<&str>,
    base_url: &str,
) -> Result<String, AccountError> {
    let token = random_hex(32);
    let ttl_secs = state.settings.auth.verification_ttl_secs;
    let ttl_ms = i64::try_from(ttl_secs.saturating_mul(1000)).unwrap_or(i64::MAX);
    let token_hash = token_hash(&token);
    let link = accounts::NewVerification {
        token_hash: &token_hash,
        user_id,
        email,
        password_hash,
        expires_at: now_ms().saturating_add(ttl_ms),
    };
    accounts::insert_email_verification(tx, &link).await?;
    Ok(format!("{base_url}{VERIFY_PATH}?token={token}"))
}

/// The mail with a verification link, in the language the person signed up in.
fn verification_mail(link: &str, state: &AppState, lang: Lang) -> (String, String) {
    let hours = state.settings.auth.verification_ttl_secs / 3600;
    (
        lang.text("mail-verify-subject"),
        lang.text_with(
            "mail-verify-body",
            &[("link", link.into()), ("hours", hours.into())],
        ),
    )
}

/// Sends off the request path, so an answer takes as long whether or not mail went out; a
/// failure is logged (the person can ask for another link).
fn send_later(state: &AppState, to: &str, subject: String, body: String) {
    let mailer = state.mailer.clone();
    let to = to.to_owned();
    tokio::spawn(async move {
        if let Err(e) = mailer.send(&to, &subject, body).await {
            tracing::error!(error = %e, "sending mail failed");
        }
    });
}

/// Follows a verification link: marks the address verified (and sets the password of the
/// sign-up that sent it, ending every session). `InvalidVerificationLink`
/// for an unknown, used or expired one (or one sent to an address the account no longer
/// has).
pub async fn verify_email(state: &AppState, token: &str) -> Result<(), AccountError> {
    let token = token.trim();
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(AccountError::InvalidVerificationLink);
    }
    let mut tx = state.db.begin_write().await?;
    let Some(verified) =
        accounts::use_email_verification(&mut tx, &token_hash(token), now_ms()).await?
    else {
        return Err(AccountError::InvalidVerificationLink);
    };
    let user_id = verified.user_id;
    audit::append(
        &mut tx,
        &audit::NewEvent {
            kind: EventKind::AccountVerified,
            actor: Some(user_id.clone()),
            subject: Some(user_id.clone()),
            outcome: Some(Outcome::Verified),
            data: json!({ "user_id": user_id, "password_set": verified.password_set }),
        },
    )
    .await?;
    tx.commit().await?;
    tracing::info!(user.id = %user_id, "email address verified");
    Ok(())
}

/// Mails a new link to `email` when it belongs to an account whose address is not yet
/// verified; answers the same in every case. Throttled with sign-ups.
pub async fn resend_verification(
    state: &AppState,
    email: &str,
    client_ip: Option<IpAddr>,
    base_url: &str,
    lang: Lang,
) -> Result<(), AccountError> {
    throttled(state, client_ip)?;
    let email = email.trim().to_lowercase();
    let Some(user) = accounts::user_by_email(&state.db, &email).await? else {
        return Ok(());
    };
    if user.email_verified_at.is_some() || !state.mailer.is_configured() {
        return Ok(());
    }
    let mut tx = state.db.begin_write().await?;
    let link = new_link(state, &mut tx, &user.id, &user.email, None, base_url).await?;
    tx.commit().await?;
    let (subject, body) = verification_mail(&link, state, lang);
    send_later(state, &user.email, subject, body);
    Ok(())
}
