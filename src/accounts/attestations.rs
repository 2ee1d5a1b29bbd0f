//! Declarations (attestations): who the account holder is, where they are domiciled, and
//! the organisation they act for; each new one is kept with the earlier ones as history.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::bounded_text;
use crate::accounts::AccountError;
use crate::auth::api_tokens::Scope;
use crate::auth::{Principal, ANY_ROLE};
use crate::db::licensing::{self, AttestationRow};
use crate::db::now_ms;
use crate::domain::{rfc3339, CountryCode, Role, UserBand};
use crate::ledger::event::{EventKind, Outcome};
use crate::random::new_id;
use crate::state::AppState;

/// A declaration: who the account holder is and whom they act for.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Attestation {
    pub id: String,
    /// The account holder's legal name.
    pub legal_name: String,
    /// ISO 3166-1 alpha-2 code of the holder's domicile.
    #[schema(example = "DE")]
    pub domicile_country: String,
    /// Whether the holder acts for an organisation.
    pub on_behalf_of_organisation: bool,
    /// The organisation's name (`null` when acting as an individual).
    #[schema(required = true)]
    pub organisation_name: Option<String>,
    /// ISO 3166-1 alpha-2 code of the organisation's principal place of business.
    #[schema(required = true)]
    pub organisation_country: Option<String>,
    /// Where the holder (or their organisation) will use or deploy models, ISO 3166-1
    /// alpha-2 codes; empty when not declared. Licenses with a territory-of-use clause ask.
    #[schema(example = json!(["US", "CA"]))]
    pub deployment_territories: Vec<String>,
    /// The band of monthly active users of the licensee's products and services (`null`
    /// when not declared). Licenses with a monthly-active-users limit ask.
    #[schema(required = true)]
    pub monthly_active_users: Option<UserBand>,
    /// When it was declared (RFC 3339).
    pub created_at: String,
}

impl From<&AttestationRow> for Attestation {
    fn from(a: &AttestationRow) -> Self {
        Attestation {
            id: a.id.clone(),
            legal_name: a.legal_name.clone(),
            domicile_country: a.domicile_country.clone(),
            on_behalf_of_organisation: a.on_behalf_of_organisation != 0,
            organisation_name: a.organisation_name.clone(),
            organisation_country: a.organisation_country.clone(),
            deployment_territories: a.territories(),
            monthly_active_users: a.user_band(),
            created_at: rfc3339(a.created_at),
        }
    }
}

/// An attestation as a JSON value, for audit event data and the snapshot kept with an
/// acceptance.
pub fn attestation_json(a: &AttestationRow) -> Value {
    serde_json::to_value(Attestation::from(a)).unwrap_or(Value::Null)
}

/// The body of `PUT /v1/me/attestation`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttestationBody {
    pub legal_name: String,
    pub domicile_country: String,
    pub on_behalf_of_organisation: bool,
    pub organisation_name: Option<String>,
    pub organisation_country: Option<String>,
    /// Territories of use or deployment (ISO codes; omitted or empty: not declared).
    #[serde(default)]
    pub deployment_territories: Vec<String>,
    #[serde(default)]
    pub monthly_active_users: Option<UserBand>,
}

/// Most territories one declaration may name.
pub const MAX_TERRITORIES: usize = 64;

/// Checks and records `body` as the account's current attestation, with its audit event.
pub async fn record_attestation(
    state: &AppState,
    who: &Principal,
    body: AttestationBody,
) -> Result<AttestationRow, AccountError> {
    who.authorize(ANY_ROLE, Scope::Accept)?;
    crate::accounts::require_verified_email(state, who.email_verified_at)?;
    if who.role == Role::Partner {
        return Err(AccountError::NotAllowed(
            "a partner's principal place of business is recorded by the gateway's admins \
             (PUT /v1/admin/partners/{id}); partners cannot declare it themselves"
                .into(),
        ));
    }
    let legal_name = bounded_text("legal_name", &body.legal_name)?;
    let domicile: CountryCode = body.domicile_country.parse()?;
    let (organisation_name, organisation_country) = if body.on_behalf_of_organisation {
        let name = body.organisation_name.as_deref().ok_or_else(|| {
            AccountError::Invalid(
                "`organisation_name` is required when accepting on behalf of an organisation"
                    .into(),
            )
        })?;
        let country = body.organisation_country.as_deref().ok_or_else(|| {
            AccountError::Invalid("`organisation_country` (principal place of business) is required when accepting on behalf of an organisation".into())
        })?;
        (
            Some(bounded_text("organisation_name", name)?),
            Some(country.parse::<CountryCode>()?.to_string()),
        )
    } else if body.organisation_name.is_some() || body.organisation_country.is_some() {
        return Err(AccountError::Invalid(
            "organisation fields are only allowed with `on_behalf_of_organisation: true`".into(),
        ));
    } else {
        (None, None)
    };
    if body.deployment_territories.len() > MAX_TERRITORIES {
        return Err(AccountError::Invalid(format!(
            "`deployment_territories` names at most {MAX_TERRITORIES} countries"
        )));
    }
    let mut territories = body
        .deployment_territories
        .iter()
        .map(|code| code.parse::<CountryCode>().map(|c| c.to_string()))
        .collect::<Result<Vec<_>, _>>()?;
    territories.sort();
    territories.dedup();
    let row = AttestationRow {
        id: new_id(),
        user_id: who.user_id.clone(),
        legal_name,
        domicile_country: domicile.to_string(),
        on_behalf_of_organisation: i64::from(body.on_behalf_of_organisation),
        organisation_name,
        organisation_country,
        created_at: now_ms(),
        deployment_territories: (!territories.is_empty()).then(|| territories.join(",")),
        monthly_active_users: body.monthly_active_users.map(|b| b.as_str().to_owned()),
    };
    let current = licensing::attestations_of(&state.db, &who.user_id)
        .await?
        .into_iter()
        .next();
    if let Some(current) = current.filter(|current| says_the_same(current, &row)) {
        // The same declaration again is not a new declaration: nothing is recorded, so
        // nothing decided on the current one (grants, reviews) starts over.
        return Ok(current);
    }
    let mut tx = state.db.begin_write().await?;
    licensing::insert_attestation(&mut tx, &row).await?;
    crate::db::audit::append(
        &mut tx,
        &crate::db::audit::NewEvent {
            kind: EventKind::AttestationChanged,
            actor: Some(who.user_id.clone()),
            subject: Some(row.id.clone()),
            outcome: Some(Outcome::Recorded),
            data: attestation_json(&row),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(row)
}

/// Whether two declarations state the same facts, word for word.
fn says_the_same(a: &AttestationRow, b: &AttestationRow) -> bool {
    a.legal_name == b.legal_name
        && a.domicile_country == b.domicile_country
        && a.on_behalf_of_organisation == b.on_behalf_of_organisation
        && a.organisation_name == b.organisation_name
        && a.organisation_country == b.organisation_country
        && a.deployment_territories == b.deployment_territories
        && a.monthly_active_users == b.monthly_active_users
}
