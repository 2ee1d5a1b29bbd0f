//! Partners: admins create them as `partner` accounts with a contact and a partner token
//! (an API token shown once), and record the partner's principal place of business, which
//! the policy reads for partner licensees. Only admins set or change it (audited); a
//! partner's own token cannot declare it.

use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use crate::auth::{api_tokens, password, Scope};
use crate::db::licensing::{self, AttestationRow};
use crate::db::mirror::{self as store, PartnerRow};
use crate::db::{accounts, audit, now_ms};
use crate::domain::rfc3339;
use crate::domain::{CountryCode, Email, Role};
use crate::error::ApiError;
use crate::ledger::event::{EventKind, Outcome};
use crate::random::{new_id, random_hex};
use crate::state::AppState;

/// What an admin states about a new partner.
#[derive(Debug, Clone)]
pub struct NewPartner {
    pub name: String,
    /// Principal place of business.
    pub country: CountryCode,
    /// The contact address; it is also the partner account's email.
    pub contact: Email,
}

/// The scopes of a partner token: read the catalog, accept the license, request `mirror`
/// grants and download.
const PARTNER_SCOPES: &[Scope] = &[Scope::Read, Scope::Download, Scope::Accept];

/// Creates the partner account, its declaration, its record and its token in one
/// transaction; returns the record and the token (shown once).
pub async fn create_partner(
    state: &AppState,
    new: &NewPartner,
    created_by: Option<&str>,
) -> Result<(PartnerRow, String), ApiError> {
    let name = new.name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(ApiError::BadRequest(
            "`name` must be 1-200 characters".into(),
        ));
    }
    // Partners authenticate with their token only; the password is random and not kept.
    let password_hash = password::hash_password(random_hex(32))
        .await
        .map_err(ApiError::internal)?;
    let user_id = new_id();
    let country = new.country.to_string();
    let (token, token_hash) = api_tokens::generate();
    let token_id = new_id();
    let scopes = serde_json::to_string(PARTNER_SCOPES).map_err(ApiError::internal)?;

    let mut tx = state.db.begin_write().await?;
    if store::partner_name_taken(&mut tx, name).await? {
        return Err(ApiError::Conflict(format!(
            "a partner named `{name}` already exists"
        )));
    }
    let email = new.contact.as_str();
    if !accounts::insert_user(
        &mut tx,
        &user_id,
        email,
        &password_hash,
        Role::Partner.as_str(),
        Some(crate::db::now_ms()),
    )
    .await?
    {
        return Err(ApiError::EmailTaken);
    }
    let attestation = AttestationRow {
        id: new_id(),
        user_id: user_id.clone(),
        legal_name: name.to_owned(),
        domicile_country: country.clone(),
        on_behalf_of_organisation: 1,
        organisation_name: Some(name.to_owned()),
        organisation_country: Some(country.clone()),
        created_at: now_ms(),
        // A partner's territory is its place of business (policy::facts), and partners
        // are not asked about monthly active users.
        deployment_territories: None,
        monthly_active_users: None,
    };
    licensing::insert_attestation(&mut tx, &attestation).await?;
    store::insert_partner(&mut tx, &user_id, name, &country, email, created_by).await?;
    accounts::insert_api_token(
        &mut tx,
        &token_id,
        &user_id,
        "partner token",
        &token_hash,
        &scopes,
        None,
    )
    .await?;
    audit::append(
        &mut tx,
        &audit::NewEvent {
            kind: EventKind::PartnerCreated,
            actor: created_by.map(str::to_owned),
            subject: Some(user_id.clone()),
            outcome: Some(Outcome::Created),
            data: json!({ "partner": name, "partner_id": user_id, "organisation_country": country,
                          "contact": email, "token": token_id }),
        },
    )
    .await?;
    tx.commit().await?;
    let row = store::partner(&state.db, &user_id)
        .await?
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("the new partner is not readable")))?;
    tracing::info!(partner.id = %user_id, partner.country = %country, "partner created");
    Ok((row, token))
}

/// Records `country` as partner `partner_id`'s principal place of business (an admin's
/// audited action): the partner record, a matching declaration (so grants decided on the
/// old one stop) and the audit event, in one transaction.
pub async fn set_partner_country(
    state: &AppState,
    partner_id: &str,
    country: &CountryCode,
    by: &str,
) -> Result<PartnerRow, ApiError> {
    let partner = store::partner(&state.db, partner_id)
        .await?
        .ok_or_else(|| {
            ApiError::NotFound(format!(
                "no partner `{}`",
                partner_id.chars().take(64).collect::<String>()
            ))
        })?;
    let country = country.to_string();
    if partner.country == country {
        return Ok(partner);
    }
    let attestation = AttestationRow {
        id: new_id(),
        user_id: partner.user_id.clone(),
        legal_name: partner.name.clone(),
        domicile_country: country.clone(),
        on_behalf_of_organisation: 1,
        organisation_name: Some(partner.name.clone()),
        organisation_country: Some(country.clone()),
        created_at: now_ms(),
        // A partner's territory is its place of business (policy::facts), and partners
        // are not asked about monthly active users.
        deployment_territories: None,
        monthly_active_users: None,
    };
    let mut tx = state.db.begin_write().await?;
    store::set_partner_country(&mut tx, &partner.user_id, &country).await?;
    licensing::insert_attestation(&mut tx, &attestation).await?;
    audit::append(
        &mut tx,
        &audit::NewEvent {
            kind: EventKind::PartnerUpdated,
            actor: Some(by.to_owned()),
            subject: Some(partner.user_id.clone()),
            outcome: Some(Outcome::Updated),
            data: json!({ "partner": partner.name, "partner_id": partner.user_id,
                          "previous_country": partner.country, "organisation_country": country }),
        },
    )
    .await?;
    tx.commit().await?;
    tracing::info!(partner.id = %partner.user_id, partner.country = %country, "partner's place of business changed");
    store::partner(&state.db, &partner.user_id)
        .await?
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("the partner is not readable")))
}

/// A partner as the admin API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Partner {
    /// The partner account's id.
    pub id: String,
    pub name: String,
    /// ISO 3166-1 alpha-2 code of the principal place of business.
    #[schema(example = "NO")]
    pub country: String,
    /// The contact address (also the partner account's email).
    pub contact: String,
    /// When it was created (RFC 3339).
    pub created_at: String,
    /// Who created it.
    #[schema(required = true)]
    pub created_by: Option<String>,
    /// Whether the partner account is disabled.
    pub disabled: bool,
}

impl From<&PartnerRow> for Partner {
    fn from(row: &PartnerRow) -> Self {
        Partner {
            id: row.user_id.clone(),
            name: row.name.clone(),
            country: row.country.clone(),
            contact: row.contact.clone(),
            created_at: rfc3339(row.created_at),
            created_by: row.created_by.clone(),
            disabled: row.disabled_at.is_some(),
        }
    }
}
