//! SQL for accounts: users, sessions and API tokens.

use sqlx::FromRow;

use super::{now_ms, Db};

#[derive(Debug, Clone, FromRow)]
pub struct UserRow {
    pub id: String,
    pub email: String,
    pub password_hash: String,
    pub role: String,
    pub created_at: i64,
    pub disabled_at: Option<i64>,
    /// When the account's address was proven by a mailed link (or taken as proven).
    pub email_verified_at: Option<i64>,
}

#[derive(Debug, Clone, FromRow)]
pub struct ApiTokenRow {
    pub id: String,
    pub user_id: String,
    pub name: String,
    pub scopes: String,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

const USER_COLUMNS: &str =
    "id, email, password_hash, role, created_at, disabled_at, email_verified_at";
const TOKEN_COLUMNS: &str =
    "id, user_id, name, scopes, created_at, expires_at, last_used_at, revoked_at";

/// Inserts a user (its address verified at `email_verified_at`, or not yet); `Ok(false)`
/// when the email is taken.
#[tracing::instrument(skip_all)]
pub async fn insert_user(
    conn: &mut sqlx::AnyConnection,
    id: &str,
    email: &str,
    password_hash: &str,
    role: &str,
    email_verified_at: Option<i64>,
) -> Result<bool, sqlx::Error> {
    let result = sqlx::query(
        "INSERT INTO users (id, email, password_hash, role, created_at, email_verified_at)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (email) DO NOTHING",
    )
    .bind(id)
    .bind(email)
    .bind(password_hash)
    .bind(role)
    .bind(now_ms())
    .bind(email_verified_at)
    .execute(conn)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// A verification link to record: for `user_id`'s address `email`, by its token's hash,
/// with the password its sign-up chose (none for a resend).
#[derive(Debug)]
pub struct NewVerification<'a> {
    pub token_hash: &'a str,
    pub user_id: &'a str,
    pub email: &'a str,
    pub password_hash: Option<&'a str>,
    pub expires_at: i64,
}

#[tracing::instrument(skip_all, fields(user.id = %link.user_id))]
pub async fn insert_email_verification(
    conn: &mut sqlx::AnyConnection,
    link: &NewVerification<'_>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO email_verifications
           (token_hash, user_id, email, password_hash, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(link.token_hash)
    .bind(link.user_id)
    .bind(link.email)
    .bind(link.password_hash)
    .bind(now_ms())
    .bind(link.expires_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// What following a verification link did.
#[derive(Debug)]
pub struct Verified {
    pub user_id: String,
    /// The link set the password its sign-up chose (and ended every session).
    pub password_set: bool,
}

/// Uses the unexpired, unused verification link whose token hashes to `token_hash`:
/// marks it used and the account's address verified (when the account still has the
/// address the link was sent to); a sign-up's link also sets the password chosen then and
/// revokes every session and API token. `None` for no such link.
#[tracing::instrument(skip_all)]
pub async fn use_email_verification(
    conn: &mut sqlx::AnyConnection,
    token_hash: &str,
    now: i64,
) -> Result<Option<Verified>, sqlx::Error> {
    let used: Option<(String, String, Option<String>)> = sqlx::query_as(
        "UPDATE email_verifications SET used_at = $2
         WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2
         RETURNING user_id, email, password_hash",
    )
    .bind(token_hash)
    .bind(now)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((user_id, email, password_hash)) = used else {
        return Ok(None);
    };
    let verified = sqlx::query(
        "UPDATE users SET email_verified_at = COALESCE(email_verified_at, $3),
                          password_hash = COALESCE($4, password_hash)
         WHERE id = $1 AND email = $2",
    )
    .bind(&user_id)
    .bind(&email)
    .bind(now)
    .bind(password_hash.as_deref())
    .execute(&mut *conn)
    .await?;
    if verified.rows_affected() != 1 {
        return Ok(None);
    }
    if password_hash.is_some() {
        for table in ["sessions", "api_tokens"] {
            sqlx::query(&format!(
                "UPDATE {table} SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL"
            ))
            .bind(&user_id)
            .bind(now)
            .execute(&mut *conn)
            .await?;
        }
    }
    Ok(Some(Verified {
        user_id,
        password_set: password_hash.is_some(),
    }))
}

pub async fn user_by_email(db: &Db, email: &str) -> Result<Option<UserRow>, sqlx::Error> {
    user_by_email_in(&mut *db.pool.acquire().await?, email).await
}

/// The account with `email`, read on `conn` (a transaction's, or a pooled one).
#[tracing::instrument(skip_all)]
pub async fn user_by_email_in(
    conn: &mut sqlx::AnyConnection,
    email: &str,
) -> Result<Option<UserRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {USER_COLUMNS} FROM users WHERE email = $1"
    ))
    .bind(email)
    .fetch_optional(conn)
    .await
}

#[tracing::instrument(skip_all, fields(user.id = %id))]
pub async fn user_by_id(db: &Db, id: &str) -> Result<Option<UserRow>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await
}

/// Whether any account holds `role`.
pub async fn role_exists(db: &Db, role: &str) -> Result<bool, sqlx::Error> {
    let row: Option<(String,)> = sqlx::query_as("SELECT id FROM users WHERE role = $1 LIMIT 1")
        .bind(role)
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.is_some())
}

#[tracing::instrument(skip_all, fields(user.id = %user_id))]
pub async fn insert_session(
    db: &Db,
    id: &str,
    user_id: &str,
    expires_at: i64,
    client_ip: Option<&str>,
    user_agent: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO sessions (id, user_id, created_at, expires_at, client_ip, user_agent) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id)
    .bind(user_id)
    .bind(now_ms())
    .bind(expires_at)
    .bind(client_ip)
    .bind(user_agent)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Whether the session exists, belongs to `user_id` and was not revoked.
pub async fn session_is_active(db: &Db, id: &str, user_id: &str) -> Result<bool, sqlx::Error> {
    let row: Option<(Option<i64>,)> =
        sqlx::query_as("SELECT revoked_at FROM sessions WHERE id = $1 AND user_id = $2")
            .bind(id)
            .bind(user_id)
            .fetch_optional(&db.pool)
            .await?;
    Ok(matches!(row, Some((None,))))
}

pub async fn revoke_session(db: &Db, id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE sessions SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
        .bind(now_ms())
        .bind(id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

#[tracing::instrument(skip_all, fields(user.id = %user_id))]
pub async fn insert_api_token(
    conn: &mut sqlx::AnyConnection,
    id: &str,
    user_id: &str,
    name: &str,
    token_hash: &str,
    scopes: &str,
    expires_at: Option<i64>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO api_tokens (id, user_id, name, token_hash, scopes, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(id)
    .bind(user_id)
    .bind(name)
    .bind(token_hash)
    .bind(scopes)
    .bind(now_ms())
    .bind(expires_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// The live token with this hash and its owner; marks it used.
pub async fn api_token_by_hash(
    db: &Db,
    token_hash: &str,
) -> Result<Option<(ApiTokenRow, UserRow)>, sqlx::Error> {
    let token: Option<ApiTokenRow> = sqlx::query_as(&format!(
        "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL"
    ))
    .bind(token_hash)
    .fetch_optional(&db.pool)
    .await?;
    let Some(token) = token else { return Ok(None) };
    if token.expires_at.is_some_and(|at| at <= now_ms()) {
        return Ok(None);
    }
    let Some(user) = user_by_id(db, &token.user_id).await? else {
        return Ok(None);
    };
    sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
        .bind(now_ms())
        .bind(&token.id)
        .execute(&db.pool)
        .await?;
    Ok(Some((token, user)))
}

pub async fn api_tokens_of(db: &Db, user_id: &str) -> Result<Vec<ApiTokenRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE user_id = $1 ORDER BY created_at, id"
    ))
    .bind(user_id)
    .fetch_all(&db.pool)
    .await
}

/// Revokes the user's token `id`; `Ok(false)` when there is no such live token.
pub async fn revoke_api_token(
    conn: &mut sqlx::AnyConnection,
    user_id: &str,
    id: &str,
) -> Result<bool, sqlx::Error> {
    let result = sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL")
        .bind(now_ms())
        .bind(id)
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(result.rows_affected() == 1)
}
