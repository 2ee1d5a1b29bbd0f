//! `decide`: one access question in, `allow | deny | review` out, with the policy ids that
//! decided, a sentence a person understands for each, and the bundle digest. The licensee
//! rule of DESIGN §3 is applied here: the organisation when the user accepted on its
//! behalf, otherwise the individual.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use cedar_policy::{
    Authorizer, Context, Decision as CedarDecision, Entities, Entity, EntityId, EntityTypeName,
    EntityUid, Request, RestrictedExpression, Schema,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::bundle::PolicyBundle;

/// What the principal asks to do with a model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Download,
    Validate,
    /// Running the reference inference on a prompt (`POST …/generate`).
    Generate,
    Mirror,
}

impl Action {
    /// Whether an allow hands out the weights themselves (a download grant): not for
    /// `generate`, which runs the model inside the gateway.
    pub fn opens_blobs(self) -> bool {
        match self {
            Action::Download | Action::Validate | Action::Mirror => true,
            Action::Generate => false,
        }
    }

    /// The action's name, as in the Cedar schema and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Download => "download",
            Action::Validate => "validate",
            Action::Generate => "generate",
            Action::Mirror => "mirror",
        }
    }
}

/// Who the licensee is, from the current attestation (or the partner record).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Signals {
    /// GeoIP country, `EU` for a continent-level European answer, empty when unknown.
    #[serde(default)]
    pub geo_country: String,
    #[serde(default)]
    pub anonymous_proxy: bool,
    /// `none`, `open`, `approved` or `denied`: the review case for this licensee and model
    /// (a verdict counts only while the declaration it was made on stands).
    #[serde(default = "no_review")]
    pub review: String,
    /// The declaration differs from the one a denied or open case was made on.
    #[serde(default)]
    pub declaration_changed: bool,
    /// Compliance staff denied this licensee another model, and nothing was decided for
    /// this one on the current declaration.
    #[serde(default)]
    pub denied_for_another_model: bool,
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
            declaration_changed: false,
            denied_for_another_model: false,
        }
    }
}

/// The outcome of a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
#[schema(as = DecisionOutcome)]
pub enum Outcome {
    Allow,
    Deny,
    Review,
}

impl From<Outcome> for crate::ledger::event::Outcome {
    /// A decision's outcome as its audit event records it.
    fn from(outcome: Outcome) -> Self {
        match outcome {
            Outcome::Allow => crate::ledger::event::Outcome::Allow,
            Outcome::Deny => crate::ledger::event::Outcome::Deny,
            Outcome::Review => crate::ledger::event::Outcome::Review,
        }
    }
}

impl Outcome {
    /// `allow`, `deny` or `review`, as serialized.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Allow => "allow",
            Outcome::Deny => "deny",
            Outcome::Review => "review",
        }
    }
}

/// One policy that contributed, with its sentence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(as = PolicyReason)]
pub struct Reason {
    /// The policy's `@id`.
    pub policy: String,
    /// What it means, in a sentence.
    pub message: String,
}

/// The rule that denies a licensee who has not accepted the current license version.
pub const ACCEPTANCE_RULE: &str = "license.acceptance-required";

/// A decision and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Decision {
    pub outcome: Outcome,
    pub reasons: Vec<Reason>,
    /// The digest of the policy bundle that decided.
    pub bundle_digest: String,
}

impl Decision {
    /// The reasons for people, each with its rule id: `sentence [rule]; …`.
    pub fn reasons_text(&self) -> String {
        self.reasons
            .iter()
            .map(|r| format!("{} [{}]", r.message, r.policy))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// The ids of the rules that decided.
    pub fn rule_ids(&self) -> Vec<String> {
        self.reasons.iter().map(|r| r.policy.clone()).collect()
    }
}

/// Why a question could not be put to the policies (a bug or a malformed fact, never a
/// verdict).
#[derive(Debug, thiserror::Error)]
#[error("policy evaluation failed: {0}")]
pub struct DecideError(pub(crate) String);

/// The one end-user entity every question carries (for the carve-out).
const END_USER: &str = "end-user";

/// Policy id reported when nothing permitted the request.
pub const NO_PERMIT: &str = "default.deny";

/// What every decision reuses, built once per bundle: the entity type names, the fixed
/// entity uids and the region entities (parsing and validating these per decision would
/// cost more than evaluating the policies).
#[derive(Debug, Clone)]
pub(crate) struct Prepared {
    model_type: EntityTypeName,
    licensee: EntityUid,
    end_user: EntityUid,
    actions: Vec<(&'static str, EntityUid)>,
    base: Entities,
}

fn action_uid(name: &str) -> Result<EntityUid, DecideError> {
    let action: EntityTypeName = "Action"
        .parse()
        .map_err(|e: cedar_policy::ParseErrors| DecideError(e.to_string()))?;
    Ok(EntityUid::from_type_name_and_id(
        action,
        EntityId::new(name),
    ))
}

impl Prepared {
    pub(crate) fn new(
        schema: &Schema,
        regions: &BTreeMap<String, BTreeSet<String>>,
    ) -> Result<Self, DecideError> {
        let type_name = |name: &str| -> Result<EntityTypeName, DecideError> {
            name.parse()
                .map_err(|e: cedar_policy::ParseErrors| DecideError(e.to_string()))
        };
        let regions: Vec<_> = regions
            .iter()
            .map(|(name, members)| json!({ "uid": { "type": "Region", "id": name }, "attrs": { "members": members }, "parents": [] }))
            .collect();
        let base = Entities::from_json_value(json!(regions), Some(schema))
            .map_err(|e| DecideError(e.to_string()))?;
        let actions = [
            "download",
            "validate",
            "generate",
            "mirror",
            "needs_review",
            "use_product",
        ]
        .into_iter()
        .map(|name| Ok((name, action_uid(name)?)))
        .collect::<Result<Vec<_>, DecideError>>()?;
        Ok(Prepared {
            model_type: type_name("Model")?,
            licensee: EntityUid::from_type_name_and_id(
                type_name("Licensee")?,
                EntityId::new("licensee"),
            ),
            end_user: EntityUid::from_type_name_and_id(
                type_name("EndUser")?,
                EntityId::new(END_USER),
            ),
            actions,
            base,
        })
    }

    fn action(&self, name: &str) -> Result<EntityUid, DecideError> {
        self.actions
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, uid)| uid.clone())
            .ok_or_else(|| DecideError(format!("unknown action `{name}`")))
    }
}

fn string(value: &str) -> RestrictedExpression {
    RestrictedExpression::new_string(value.to_owned())
}

impl PolicyBundle {
    fn model_uid(&self, model: &ModelFacts) -> EntityUid {
        EntityUid::from_type_name_and_id(self.prepared.model_type.clone(), EntityId::new(&model.id))
    }

    fn entities(
        &self,
        licensee: &LicenseeFacts,
        model: &ModelFacts,
    ) -> Result<Entities, DecideError> {
        let error = |e: &dyn std::fmt::Display| DecideError(e.to_string());
        let licensee = Entity::new(
            self.prepared.licensee.clone(),
            HashMap::from([
                ("kind".to_owned(), string(&licensee.kind)),
                ("country".to_owned(), string(&licensee.country)),
                (
                    "accepted_current_license".to_owned(),
                    RestrictedExpression::new_bool(licensee.accepted_current_license),
                ),
                (
                    "entitlement_revoked".to_owned(),
                    RestrictedExpression::new_bool(licensee.entitlement_revoked),
                ),
            ]),
            HashSet::new(),
        )
        .map_err(|e| error(&e))?;
        let model = Entity::new(
            self.model_uid(model),
            HashMap::from([
                (
                    "multimodal".to_owned(),
                    RestrictedExpression::new_bool(model.multimodal),
                ),
                ("license".to_owned(), string(&model.license)),
            ]),
            HashSet::new(),
        )
        .map_err(|e| error(&e))?;
        let end_user = Entity::new_no_attrs(self.prepared.end_user.clone(), HashSet::new());
        self.prepared
            .base
            .clone()
            .add_entities([licensee, model, end_user], Some(&self.schema))
            .map_err(|e| error(&e))
    }

    fn ask(
        &self,
        action: &str,
        model: &ModelFacts,
        signals: &Signals,
        entities: &Entities,
    ) -> Result<(bool, Vec<String>), DecideError> {
        let context = Context::from_pairs([
            ("geo_country".to_owned(), string(&signals.geo_country)),
            (
                "anonymous_proxy".to_owned(),
                RestrictedExpression::new_bool(signals.anonymous_proxy),
            ),
            ("review".to_owned(), string(&signals.review)),
            (
                "declaration_changed".to_owned(),
                RestrictedExpression::new_bool(signals.declaration_changed),
            ),
            (
                "denied_for_another_model".to_owned(),
                RestrictedExpression::new_bool(signals.denied_for_another_model),
            ),
        ])
        .map_err(|e| DecideError(e.to_string()))?;
        let request = Request::new(
            self.prepared.licensee.clone(),
            self.prepared.action(action)?,
            self.model_uid(model),
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
        let (allowed, ids) = self.ask(action.as_str(), model, signals, &entities)?;
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

    /// Why a person should look at `licensee` getting `model` under `signals` before weights
    /// flow (empty: no reason): the `needs_review` question alone. Blob requests on a grant
    /// ask it again with the request's own location.
    pub fn review_reasons(
        &self,
        licensee: &LicenseeFacts,
        model: &ModelFacts,
        signals: &Signals,
    ) -> Result<Vec<Reason>, DecideError> {
        let entities = self.entities(licensee, model)?;
        let (needs_review, ids) = self.ask("needs_review", model, signals, &entities)?;
        Ok(if needs_review {
            self.reasons(ids)
        } else {
            Vec::new()
        })
    }

    /// Whether an end user of a product built with `model` may use it (the carve-out).
    pub fn end_user_may_use(&self, model: &ModelFacts) -> Result<bool, DecideError> {
        let entities = self.entities(
            &LicenseeFacts::from_attestation("", None, false, false),
            model,
        )?;
        let request = Request::new(
            self.prepared.end_user.clone(),
            self.prepared.action("use_product")?,
            self.model_uid(model),
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
