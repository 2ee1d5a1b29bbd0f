//! The registry's bearer tokens, Docker token-auth style. Asking for
//! `repository:<name>:pull` makes the policy decide for the signed-in account, exactly as
//! `POST /v1/models/{id}/access` does (audited, same caps): an allow returns the download
//! grant itself as the token (grants carry expiry, revocation and the allowance); a deny,
//! a review or an account that must act first (declare, accept, verify its address) returns
//! a short-lived *refusal token* that the registry answers with `DENIED` and the rule or
//! case, since registry clients show the registry's message, not the token server's. A
//! token asked for nothing (the `/v2/` check, `_catalog`) only names the account.
//!
//! A grant is bound to one revision; a pull of another revision of the same repository
//! uses a grant the holder's account already holds for it, re-checked, or else is decided
//! again for the account (`grant_for_revision`), so an older tag or a revision published
//! after the token was issued gets the same scrutiny.

use serde::{Deserialize, Serialize};

use super::names::repository_of;
use super::RegistryError;
use crate::access::grant::{self, BlobRequest};
use crate::access::{request_access, AccessAnswer, AccessError};
use crate::auth::jwt::now_secs;
use crate::db::grants::GrantRow;
use crate::db::now_ms;
use crate::domain::{ModelId, Sha256Digest};
use crate::error::ApiError;
use crate::policy::{Action, Outcome};
use crate::state::AppState;

/// How long a token that opens nothing (a refusal, an identity) lives, in seconds (the
/// token spec's minimum is 60).
const REGISTRY_TOKEN_SECS: u64 = 300;

/// Why a pull is refused, as the policy (or the account's state) decided when the token
/// was asked for; the registry's `DENIED` carries it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refusal {
    /// `deny`, `review` or `refused` (the account must act first).
    pub outcome: String,
    /// The gateway's error code: `access-denied`, `review-pending`, `license-not-accepted`…
    pub code: String,
    /// For people: what decided, with the rule ids.
    pub message: String,
    /// The policy rules that decided.
    #[serde(default)]
    pub rules: Vec<String>,
    /// The decision's audit event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision_id: Option<String>,
    /// The open review case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_case: Option<String>,
}

impl Refusal {
    /// The refusal of a decision that did not allow: its reasons with their rule ids, and
    /// for a review the open case.
    pub fn of_answer(answer: &AccessAnswer, model: &ModelId) -> Self {
        let decision = &answer.decision;
        let rules = decision.rule_ids();
        let reasons = decision.reasons_text();
        let revision = &answer.inputs.revision.digest;
        let (code, message, review_case) = match decision.outcome {
            Outcome::Review => {
                let case = answer.case.as_ref().map(|c| c.id.clone());
                let message = format!(
                    "access to {model} (revision sha256:{revision}) waits for a compliance \
                     review (case {}); pull again once it is approved: {reasons}",
                    case.as_deref().unwrap_or("?")
                );
                ("review-pending", message, case)
            }
            _ => (
                "access-denied",
                format!(
                    "modelgate denied access to {model} (revision sha256:{revision}): {reasons}"
                ),
                None,
            ),
        };
        Refusal {
            outcome: decision.outcome.as_str().into(),
            code: code.into(),
            message,
            rules,
            decision_id: Some(answer.decision_event_id.clone()),
            review_case,
        }
    }

    /// A refusal for an error the account can act on.
    pub fn of_error(error: &ApiError) -> Self {
        Refusal {
            outcome: "refused".into(),
            code: error.code().into(),
            message: error.to_string(),
            rules: Vec::new(),
            decision_id: None,
            review_case: None,
        }
    }
}

/// The claims of a registry token that is not a grant.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct RegistryClaims {
    iss: String,
    aud: String,
    /// The account.
    sub: String,
    iat: u64,
    nbf: u64,
    exp: u64,
    /// The model a refusal is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    model: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    refusal: Option<Refusal>,
}

/// A token issued by the token endpoint.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    pub token: String,
    /// Seconds until it expires.
    pub expires_in: u64,
    /// Unix seconds.
    pub issued_at: u64,
    /// The repository it decided on, if any.
    pub repository: Option<String>,
    /// Set when the token refuses the pull.
    pub refusal: Option<Refusal>,
    /// The decision's audit event, when a decision was made.
    pub decision_id: Option<String>,
}

/// The first repository a list of token scopes asks to pull from (`repository:<name>:pull`;
/// a scope value may hold several, separated by spaces). Other access (push, catalog) is
/// never granted, which the token spec allows: a token may carry less than asked.
pub fn pull_scope(scopes: &[String]) -> Option<String> {
    scopes
        .iter()
        .flat_map(|s| s.split_whitespace())
        .find_map(|scope| {
            let rest = scope.strip_prefix("repository:")?;
            let (name, actions) = rest.rsplit_once(':')?;
            actions
                .split(',')
                .any(|a| a == "pull" || a == "*")
                .then(|| name.to_owned())
        })
}

/// Issues the token for `user_id` asking to pull `repository` (or nothing) from
/// `client_ip`, deciding with the policy when a repository is named.
pub async fn issue_token(
    state: &AppState,
    user_id: &str,
    repository: Option<&str>,
    client_ip: Option<std::net::IpAddr>,
) -> Result<IssuedToken, RegistryError> {
    let now = now_secs();
    let model = match repository {
        Some(name) => super::content::model_of_repository(state, name).await.ok(),
        None => None,
    };
    let Some(model) = model else {
        // Nothing to decide (or a repository that does not exist, which the registry
        // then names): a token that only says who asked.
        return sign_registry_token(state, user_id, None, None, now);
    };
    let answer = match request_access(state, user_id, &model, None, Action::Download, client_ip)
        .await
    {
        Ok(answer) => answer,
        Err(err @ (AccessError::Internal(_) | AccessError::Database(_))) => return Err(err.into()),
        Err(err) => {
            // Something the account must do first: declare, accept, prove its address.
            let refusal = Refusal::of_error(&ApiError::from(err));
            return sign_registry_token(state, user_id, Some(&model), Some(refusal), now);
        }
    };
    if let (Outcome::Allow, Some(grant)) = (answer.decision.outcome, &answer.grant) {
        let expires_in = u64::try_from((grant.row.expires_at - now_ms()) / 1000).unwrap_or(0);
        return Ok(IssuedToken {
            token: grant.token.clone(),
            expires_in: expires_in.max(60),
            issued_at: now,
            repository: Some(repository_of(&model)),
            refusal: None,
            decision_id: Some(answer.decision_event_id.clone()),
        });
    }
    let refusal = Refusal::of_answer(&answer, &model);
    let mut issued = sign_registry_token(state, user_id, Some(&model), Some(refusal), now)?;
    issued.decision_id = Some(answer.decision_event_id);
    Ok(issued)
}

fn sign_registry_token(
    state: &AppState,
    user_id: &str,
    model: Option<&ModelId>,
    refusal: Option<Refusal>,
    now: u64,
) -> Result<IssuedToken, RegistryError> {
    let keys = &state.session_keys;
    let claims = RegistryClaims {
        iss: keys.issuer().to_owned(),
        aud: keys.registry_audience(),
        sub: user_id.to_owned(),
        iat: now,
        nbf: now,
        exp: now + REGISTRY_TOKEN_SECS,
        model: model.map(ToString::to_string),
        refusal: refusal.clone(),
    };
    let token = keys
        .sign(&claims)
        .map_err(|e| RegistryError::Access(AccessError::internal(e)))?;
    Ok(IssuedToken {
        token,
        expires_in: REGISTRY_TOKEN_SECS,
        issued_at: now,
        repository: model.map(repository_of),
        decision_id: None,
        refusal,
    })
}

/// The account a registry token (a grant or one of the registry's own) was issued to,
/// used from `client_ip`; `None` when it is neither, no longer valid, or its account was
/// disabled. For `/v2/` and `_catalog`.
pub async fn account_of(
    state: &AppState,
    token: &str,
    client_ip: Option<std::net::IpAddr>,
) -> Result<Option<String>, RegistryError> {
    let keys = &state.session_keys;
    if let Ok(claims) = keys.verify_for::<RegistryClaims>(token, &keys.registry_audience()) {
        let active = crate::db::accounts::user_by_id(&state.db, &claims.sub)
            .await?
            .is_some_and(|user| user.disabled_at.is_none());
        return Ok(active.then_some(claims.sub));
    }
    let mut request = holder_request();
    request.client_ip = client_ip;
    match grant::check_holder(state, token, &mut request).await {
        Ok(grant) => Ok(Some(grant.user_id)),
        Err(AccessError::Database(e)) => Err(e.into()),
        Err(_) => Ok(None),
    }
}

/// A placeholder request for a grant check that serves no blob (a manifest, `/v2/`).
fn holder_request() -> BlobRequest<'static> {
    static NONE: std::sync::OnceLock<Sha256Digest> = std::sync::OnceLock::new();
    BlobRequest::new(
        NONE.get_or_init(|| Sha256Digest::from_bytes([0; 32])),
        "GET",
        None,
        None,
    )
}

/// The grant that lets `token` pull from `model`, checked now (expiry, revocation, the
/// holder's standing, the location of a location-bound grant); what the token reveals is
/// noted on `request`. A refusal token for this model is answered with its refusal.
pub async fn authorize_pull(
    state: &AppState,
    token: Option<&str>,
    model: &ModelId,
    request: &mut BlobRequest<'_>,
) -> Result<GrantRow, RegistryError> {
    let token =
        token.ok_or_else(|| RegistryError::Unauthorized("authentication required".into()))?;
    let keys = &state.session_keys;
    if let Ok(claims) = keys.verify_for::<RegistryClaims>(token, &keys.registry_audience()) {
        request.user_id = Some(claims.sub);
        return Err(match claims.refusal {
            Some(refusal) if claims.model.as_deref() == Some(&model.to_string()) => {
                RegistryError::Denied(Box::new(refusal))
            }
            _ => RegistryError::InsufficientScope(repository_of(model)),
        });
    }
    let grant = grant::check_holder(state, token, request).await?;
    if grant.model_id != model.to_string() {
        return Err(RegistryError::InsufficientScope(repository_of(model)));
    }
    Ok(grant)
}

/// The check of a request that serves no blob (a manifest, a tag list, referrers):
/// `authorize_pull` with a placeholder request.
pub async fn authorize_manifest(
    state: &AppState,
    token: Option<&str>,
    model: &ModelId,
    client_ip: Option<std::net::IpAddr>,
) -> Result<GrantRow, RegistryError> {
    let mut request = holder_request();
    request.client_ip = client_ip;
    authorize_pull(state, token, model, &mut request).await
}

/// The grant for revision `revision` (hex) of `model`: `holder` itself when it is for
/// that revision, a grant the holder's account already holds for it that still stands,
/// otherwise the answer of a new decision for the account.
pub async fn grant_for_revision(
    state: &AppState,
    holder: &GrantRow,
    model: &ModelId,
    revision: &str,
    client_ip: Option<std::net::IpAddr>,
) -> Result<GrantRow, RegistryError> {
    if holder.revision_digest == revision {
        return Ok(holder.clone());
    }
    if let Some(held) = grant::held_grant(state, &holder.user_id, revision, client_ip).await? {
        return Ok(held);
    }
    let digest: Sha256Digest = revision
        .parse()
        .map_err(|e| RegistryError::Access(AccessError::internal(e)))?;
    let answer = request_access(
        state,
        &holder.user_id,
        model,
        Some(&digest),
        Action::Download,
        client_ip,
    )
    .await?;
    match (answer.decision.outcome, &answer.grant) {
        (Outcome::Allow, Some(grant)) => Ok(grant.row.clone()),
        _ => Err(RegistryError::Denied(Box::new(Refusal::of_answer(
            &answer, model,
        )))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_pull_scope_names_the_repository() {
        let scopes = |s: &[&str]| s.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            pull_scope(&scopes(&["repository:demo/llama-3.2-tiny:pull"])).as_deref(),
            Some("demo/llama-3.2-tiny")
        );
        assert_eq!(
            pull_scope(&scopes(&["registry:catalog:* repository:a/b:push,pull"])).as_deref(),
            Some("a/b")
        );
        assert_eq!(pull_scope(&scopes(&["repository:a/b:push"])), None);
        assert_eq!(pull_scope(&scopes(&[""])), None);
    }
}
