//! `decide`: one access question in, `allow | deny | review` out, with the policy ids that
//! decided, a sentence a person understands for each, and the bundle digest. The licensee
//! rule of DESIGN §3 is applied here: the organisation when the user accepted on its
//! behalf, otherwise the individual.

use std::collections::HashSet;

use cedar_policy::{Authorizer, Context, Decision as CedarDecision, Entities, EntityUid, Request};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::bundle::PolicyBundle;

/// What the principal asks to do with a model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Download,
    Validate,
    Mirror,
}

impl Action {
    fn cedar_name(self) -> &'static str {
        match self {
            Action::Download => "download",
            Action::Validate => "validate",
            Action::Mirror => "mirror",
        }
    }
}

/// Who the licensee is, from the current attestation (or the partner record).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LicenseeFacts {
    /// `individual`, `organisation` or `partner`.
    pub kind: String,
    /// Domicile, or the organisation's principal place of business.
    pub country: String,
    pub accepted_current_license: bool,
    pub entitlement_revoked: bool,
}

impl LicenseeFacts {
    /// The licensee rule: the organisation when acting on its behalf, else the individual.
    pub fn from_attestation(
        domicile: &str,
        organisation_country: Option<&str>,
        accepted: bool,
        revoked: bool,
    ) -> Self {
        let (kind, country) = match organisation_country {
            Some(org) => ("organisation", org),
            None => ("individual", domicile),
        };
        LicenseeFacts {
            kind: kind.into(),
            country: country.into(),
            accepted_current_license: accepted,
            entitlement_revoked: revoked,
        }
    }
}

/// Facts about the model revision, from its signed manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelFacts {
    pub id: String,
    pub multimodal: bool,
    pub license: String,
}

/// Signals about the request; never a verdict on their own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signals {
    /// GeoIP country, `EU` for a continent-level European answer, empty when unknown.
    #[serde(default)]
    pub geo_country: String,
    #[serde(default)]
    pub anonymous_proxy: bool,
    /// `none`, `approved` or `denied`: the review outcome for this licensee and model.
    #[serde(default = "no_review")]
    pub review: String,
}

fn no_review() -> String {
    "none".into()
}

impl Default for Signals {
    fn default() -> Self {
        Signals {
            geo_country: String::new(),
            anonymous_proxy: false,
            review: no_review(),
        }
    }
}

/// The outcome of a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Allow,
    Deny,
    Review,
}

/// One policy that contributed, with its sentence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reason {
    pub policy: String,
    pub message: String,
}

/// A decision and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    pub outcome: Outcome,
    pub reasons: Vec<Reason>,
    pub bundle_digest: String,
}

/// Why a question could not be put to the policies (a bug or a malformed fact, never a
/// verdict).
#[derive(Debug, thiserror::Error)]
#[error("policy evaluation failed: {0}")]
pub struct DecideError(String);

/// The one end-user entity every question carries (for the carve-out).
const END_USER: &str = "end-user";

/// Policy id reported when nothing permitted the request.
pub const NO_PERMIT: &str = "default.deny";

impl PolicyBundle {
    fn entities(
        &self,
        licensee: &LicenseeFacts,
        model: &ModelFacts,
    ) -> Result<Entities, DecideError> {
        let regions: Vec<_> = self
            .regions
            .iter()
            .map(|(name, members)| json!({ "uid": { "type": "Region", "id": name }, "attrs": { "members": members }, "parents": [] }))
            .collect();
        let mut all = regions;
        all.push(
            json!({ "uid": { "type": "Licensee", "id": "licensee" }, "parents": [], "attrs": {
            "kind": licensee.kind, "country": licensee.country,
            "accepted_current_license": licensee.accepted_current_license,
            "entitlement_revoked": licensee.entitlement_revoked } }),
        );
        all.push(
            json!({ "uid": { "type": "EndUser", "id": END_USER }, "parents": [], "attrs": {} }),
        );
        all.push(
            json!({ "uid": { "type": "Model", "id": model.id }, "parents": [], "attrs": {
            "multimodal": model.multimodal, "license": model.license } }),
        );
        Entities::from_json_value(json!(all), Some(&self.schema))
            .map_err(|e| DecideError(e.to_string()))
    }

    fn ask(
        &self,
        action: &str,
        model: &ModelFacts,
        signals: &Signals,
        entities: &Entities,
    ) -> Result<(bool, Vec<String>), DecideError> {
        let uid = |t: &str, id: &str| -> Result<EntityUid, DecideError> {
            format!("{t}::{}", json!(id))
                .parse()
                .map_err(|e: cedar_policy::ParseErrors| DecideError(e.to_string()))
        };
        let action_uid = uid("Action", action)?;
        let context = Context::from_json_value(
            json!({ "geo_country": signals.geo_country, "anonymous_proxy": signals.anonymous_proxy, "review": signals.review }),
            Some((&self.schema, &action_uid)),
        )
        .map_err(|e| DecideError(e.to_string()))?;
        let request = Request::new(
            uid("Licensee", "licensee")?,
            action_uid,
            uid("Model", &model.id)?,
            context,
            Some(&self.schema),
        )
        .map_err(|e| DecideError(e.to_string()))?;
        let response = Authorizer::new().is_authorized(&request, &self.policies, entities);
        if let Some(error) = response.diagnostics().errors().next() {
            return Err(DecideError(error.to_string()));
        }
        let mut ids: Vec<String> = response
            .diagnostics()
            .reason()
            .map(ToString::to_string)
            .collect();
        ids.sort();
        Ok((response.decision() == CedarDecision::Allow, ids))
    }

    fn reasons(&self, ids: Vec<String>) -> Vec<Reason> {
        ids.into_iter()
            .map(|id| Reason {
                message: self.reason(&id).to_owned(),
                policy: id,
            })
            .collect()
    }

    /// Decides `action` by `licensee` on `model` under `signals`.
    pub fn decide(
        &self,
        licensee: &LicenseeFacts,
        action: Action,
        model: &ModelFacts,
        signals: &Signals,
    ) -> Result<Decision, DecideError> {
        let entities = self.entities(licensee, model)?;
        let digest = self.digest().hex();
        let (allowed, ids) = self.ask(action.cedar_name(), model, signals, &entities)?;
        if !allowed {
            let reasons = if ids.is_empty() {
                vec![Reason {
                    policy: NO_PERMIT.into(),
                    message: "no policy grants this request".into(),
                }]
            } else {
                self.reasons(ids)
            };
            return Ok(Decision {
                outcome: Outcome::Deny,
                reasons,
                bundle_digest: digest,
            });
        }
        let (needs_review, review_ids) = self.ask("needs_review", model, signals, &entities)?;
        if needs_review {
            return Ok(Decision {
                outcome: Outcome::Review,
                reasons: self.reasons(review_ids),
                bundle_digest: digest,
            });
        }
        let mut ids: HashSet<String> = ids.into_iter().collect();
        if signals.review == "approved" {
            ids.insert("review.approved".into());
        }
        let mut ids: Vec<String> = ids.into_iter().collect();
        ids.sort();
        Ok(Decision {
            outcome: Outcome::Allow,
            reasons: self.reasons(ids),
            bundle_digest: digest,
        })
    }

    /// Whether an end user of a product built with `model` may use it (the carve-out).
    pub fn end_user_may_use(&self, model: &ModelFacts) -> Result<bool, DecideError> {
        let entities = self.entities(
            &LicenseeFacts::from_attestation("", None, false, false),
            model,
        )?;
        let parse = |s: String| {
            s.parse::<EntityUid>()
                .map_err(|e| DecideError(e.to_string()))
        };
        let request = Request::new(
            parse(format!("EndUser::{}", json!(END_USER)))?,
            parse("Action::\"use_product\"".into())?,
            parse(format!("Model::{}", json!(model.id)))?,
            Context::empty(),
            Some(&self.schema),
        )
        .map_err(|e| DecideError(e.to_string()))?;
        Ok(Authorizer::new()
            .is_authorized(&request, &self.policies, &entities)
            .decision()
            == CedarDecision::Allow)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(multimodal: bool) -> ModelFacts {
        ModelFacts {
            id: "demo/m".into(),
            multimodal,
            license: "llama-3.2".into(),
        }
    }

    #[test]
    fn decisions_carry_reasons_in_words_and_the_bundle_digest() {
        let bundle = PolicyBundle::embedded().expect("bundle");
        let licensee = LicenseeFacts::from_attestation("DE", None, true, false);
        let decision = bundle
            .decide(
                &licensee,
                Action::Download,
                &model(true),
                &Signals::default(),
            )
            .expect("decide");
        assert_eq!(decision.outcome, Outcome::Deny);
        assert_eq!(decision.reasons[0].policy, "eu.multimodal-withheld");
        assert!(decision.reasons[0].message.contains("EU"));
        assert_eq!(decision.bundle_digest, bundle.digest().hex());
    }

    #[test]
    fn the_end_user_carve_out_holds_for_multimodal_models() {
        let bundle = PolicyBundle::embedded().expect("bundle");
        assert!(bundle.end_user_may_use(&model(true)).expect("decide"));
    }

    #[test]
    fn model_ids_with_quotes_cannot_break_out_of_the_request() {
        let bundle = PolicyBundle::embedded().expect("bundle");
        let tricky = ModelFacts {
            id: "demo/\"x\\\"".into(),
            multimodal: false,
            license: "l".into(),
        };
        let licensee = LicenseeFacts::from_attestation("US", None, true, false);
        let decision = bundle
            .decide(&licensee, Action::Download, &tricky, &Signals::default())
            .expect("decide");
        assert_eq!(decision.outcome, Outcome::Allow);
    }
}
