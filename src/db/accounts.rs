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

const USER_COLUMNS: &str = "id, email, password_hash, role, created_at, disabled_at";
const TOKEN_COLUMNS: &str =
    "id, user_id, name, scopes, created_at, expires_at, last_used_at, revoked_at";

/// Inserts a user; `Ok(false)` when the email is taken.
#[tracing::instrument(skip_all)]
pub async fn insert_user(
    conn: &mut sqlx::AnyConnection,
    id: &str,
    email: &str,
    password_hash: &str,
    role: &str,
) -> Result<bool, sqlx::Error> {
    let result = sqlx::query(
        "INSERT INTO users (id, email, password_hash, role, created_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (email) DO NOTHING",
    )
    .bind(id)
    .bind(email)
    .bind(password_hash)
    .bind(role)
    .bind(now_ms())
    .execute(conn)
    .await?;
    Ok(result.rows_affected() == 1)
}

#[tracing::instrument(skip_all)]
pub async fn user_by_email(db: &Db, email: &str) -> Result<Option<UserRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {USER_COLUMNS} FROM users WHERE email = $1"
    ))
    .bind(email)
    .fetch_optional(&db.pool)
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
