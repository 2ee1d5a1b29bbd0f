//! `decide`: one access question in, `allow | deny | review` out, with the policy ids that
//! decided, a sentence a person understands for each, and the bundle digest. The licensee
//! rule of DESIGN §3 is applied here: the organisation when the user accepted on its
//! behalf, otherwise the individual.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use cedar_policy::{
    ActionConstraint, Authorizer, Context, Decision as CedarDecision, Entities, Entity, EntityId,
    EntityTypeName, EntityUid, Policy, PolicySet, Request, ResourceConstraint,
    RestrictedExpression, Schema,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::bundle::PolicyBundle;
use super::packs::{Citation, LicensePack, Reach};
use crate::domain::UserBand;

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
    /// The declaring person's own domicile (the embargo reaches it too).
    #[serde(default)]
    pub domicile: String,
    /// Where the licensee declared it will use or deploy models (empty: not declared).
    #[serde(default)]
    pub deployment_territories: Vec<String>,
    /// The declared monthly-active-users band (`None`: not declared).
    #[serde(default)]
    pub monthly_active_users: Option<UserBand>,
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
            domicile: domicile.into(),
            deployment_territories: Vec::new(),
            monthly_active_users: None,
            accepted_current_license: accepted,
            entitlement_revoked: revoked,
        }
    }
}

impl LicenseeFacts {
    /// A partner at its admin-recorded place of business, which is also where its mirror
    /// deploys (its territory of use).
    pub fn partner(country: &str, accepted: bool, revoked: bool) -> Self {
        LicenseeFacts {
            kind: "partner".into(),
            deployment_territories: vec![country.into()],
            ..Self::from_attestation(country, None, accepted, revoked)
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
    /// The clause of the model's license the rule enforces (id, version, title).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clause: Option<Citation>,
}

impl Reason {
    /// The reason with its sentence and its clause's title in `lang` (where the bundle's
    /// own words are the shipped ones; rule ids and license ids stay as they are).
    pub fn in_lang(&self, lang: crate::i18n::Lang) -> Reason {
        Reason {
            policy: self.policy.clone(),
            message: lang.rule_reason(&self.policy, &self.message),
            clause: self.clause.as_ref().map(|clause| Citation {
                title: lang.clause_title(&clause.message_id(), &clause.title),
                ..clause.clone()
            }),
        }
    }
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
/// entity uids, the region and license entities, and the policies each question can need
/// (parsing and validating these per decision would cost more than evaluating the policies).
#[derive(Debug, Clone)]
pub(crate) struct Prepared {
    model_type: EntityTypeName,
    license_type: EntityTypeName,
    licensee: EntityUid,
    end_user: EntityUid,
    actions: Vec<ActionPolicies>,
    /// The regions, every pack's license and the end user (and the schema's actions).
    base: Entities,
}

/// One action's policies, split by the license of the model asked about: Cedar evaluates
/// every policy of the set it is given, so a question gets only those whose scope can
/// include it (a pack's clause, linked with `resource in License::"<id>"`, is left out of
/// every other license's questions).
#[derive(Debug, Clone)]
struct ActionPolicies {
    name: &'static str,
    uid: EntityUid,
    /// For a model under each pack's license.
    by_license: HashMap<String, PolicySet>,
    /// For a model under a license without a pack.
    unpacked: PolicySet,
}

/// Whether `policy`'s action scope can include the action asked about (`may_name`:
/// whether a uid in an action scope can match it).
fn action_can_match(policy: &Policy, may_name: &dyn Fn(&EntityUid) -> bool) -> bool {
    match policy.action_constraint() {
        ActionConstraint::Any => true,
        ActionConstraint::Eq(uid) => may_name(&uid),
        ActionConstraint::In(uids) => uids.iter().any(may_name),
    }
}

/// Whether `policy`'s resource scope can include a model whose `resource in u` is
/// impossible for every `u` that `outside` names (a model is `in` its own license and
/// nothing else).
fn resource_can_match(policy: &Policy, outside: &dyn Fn(&EntityUid) -> bool) -> bool {
    match policy.resource_constraint() {
        ResourceConstraint::In(uid) | ResourceConstraint::IsIn(_, uid) => !outside(&uid),
        ResourceConstraint::Any | ResourceConstraint::Eq(_) | ResourceConstraint::Is(_) => true,
    }
}

/// The policies of `candidates` whose resource scope can include a model that `outside`
/// describes (see `resource_can_match`).
fn set_for_models(
    candidates: &[Policy],
    outside: &dyn Fn(&EntityUid) -> bool,
) -> Result<PolicySet, DecideError> {
    let mut set = PolicySet::new();
    for policy in candidates.iter().filter(|p| resource_can_match(p, outside)) {
        set.add(policy.clone())
            .map_err(|e| DecideError(e.to_string()))?;
    }
    Ok(set)
}

/// `policy` (linked, if it is a template's link) for a set that is only ever asked about
/// `action`: when its scope names `action` itself, or any action, the scope test is always
/// true there, so it becomes `action` (any) and Cedar does not build and test it again on
/// every evaluation. A scope that names `action` only through a group is left as written.
fn with_action_answered(policy: &Policy, action: &EntityUid) -> Result<Policy, DecideError> {
    let error = |e: &dyn std::fmt::Display| DecideError(format!("policy `{}`: {e}", policy.id()));
    let answered = action_can_match(policy, &|uid| uid == action);
    let mut body = policy.to_json().map_err(|e| error(&e))?;
    if answered {
        body["action"] = json!({ "op": "All" });
    }
    Policy::from_json(Some(policy.id().clone()), body).map_err(|e| error(&e))
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
        policies: &PolicySet,
        regions: &BTreeMap<String, BTreeSet<String>>,
        packs: &BTreeMap<String, LicensePack>,
    ) -> Result<Self, DecideError> {
        let type_name = |name: &str| -> Result<EntityTypeName, DecideError> {
            name.parse()
                .map_err(|e: cedar_policy::ParseErrors| DecideError(e.to_string()))
        };
        let mut entities: Vec<_> = regions
            .iter()
            .map(|(name, members)| json!({ "uid": { "type": "Region", "id": name }, "attrs": { "members": members }, "parents": [] }))
            .collect();
        // Every pack's license, whatever the model asked about: a rule may name one
        // (`License::"x".version`, `License::"x" has …`) and must see it as it is.
        entities.extend(
            packs
                .values()
                .map(|pack| license_json(Some(pack), &pack.id, regions)),
        );
        // The one end user every question carries (for the carve-out), the same each time.
        entities.push(
            json!({ "uid": { "type": "EndUser", "id": END_USER }, "attrs": {}, "parents": [] }),
        );
        let base = Entities::from_json_value(json!(entities), Some(schema))
            .map_err(|e| DecideError(e.to_string()))?;
        let names = [
            "download",
            "validate",
            "generate",
            "mirror",
            "needs_review",
            "use_product",
        ];
        let uids = names
            .into_iter()
            .map(action_uid)
            .collect::<Result<Vec<_>, DecideError>>()?;
        let license_type = type_name("License")?;
        let license_uid =
            |id: &str| EntityUid::from_type_name_and_id(license_type.clone(), EntityId::new(id));
        let pack_licenses: Vec<EntityUid> = packs.keys().map(|id| license_uid(id)).collect();
        let mut actions = Vec::new();
        for (name, uid) in names.into_iter().zip(&uids) {
            // A scope can name the action itself, a group the schema puts it in, or an action
            // this code does not know (kept: it may be a group).
            let groups: Vec<&EntityUid> = base.ancestors(uid).into_iter().flatten().collect();
            let may_name = |u: &EntityUid| u == uid || groups.contains(&u) || !uids.contains(u);
            // The action's policies, as static policies with its scope test answered, once;
            // each license's set then takes those whose resource scope can meet its models.
            let candidates = policies
                .policies()
                .filter(|p| action_can_match(p, &may_name))
                .map(|p| with_action_answered(p, uid))
                .collect::<Result<Vec<_>, DecideError>>()?;
            let mut by_license = HashMap::new();
            for (id, own) in packs.keys().zip(&pack_licenses) {
                let other_license = |u: &EntityUid| u.type_name() == &license_type && u != own;
                by_license.insert(id.clone(), set_for_models(&candidates, &other_license)?);
            }
            let a_pack = |u: &EntityUid| pack_licenses.contains(u);
            let unpacked = set_for_models(&candidates, &a_pack)?;
            actions.push(ActionPolicies {
                name,
                uid: uid.clone(),
                by_license,
                unpacked,
            });
        }
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
            license_type,
            actions,
            base,
        })
    }

    /// The uid of action `name` and the policies that can apply to it on a model under
    /// `license`.
    fn action(&self, name: &str, license: &str) -> Result<(EntityUid, &PolicySet), DecideError> {
        self.actions
            .iter()
            .find(|action| action.name == name)
            .map(|action| {
                let policies = action.by_license.get(license).unwrap_or(&action.unpacked);
                (action.uid.clone(), policies)
            })
            .ok_or_else(|| DecideError(format!("unknown action `{name}`")))
    }
}

/// The `License` entity of `pack` (`None`: a license without a pack, whose terms are
/// unknown), with the member codes of the regions its clause names.
fn license_json(
    pack: Option<&LicensePack>,
    id: &str,
    regions: &BTreeMap<String, BTreeSet<String>>,
) -> serde_json::Value {
    let clause = pack.and_then(|p| p.regional_clause.as_ref());
    let members: BTreeSet<&String> = clause
        .iter()
        .flat_map(|c| &c.regions)
        .filter_map(|name| regions.get(name))
        .flatten()
        .collect();
    json!({
        "uid": { "type": "License", "id": id },
        "attrs": {
            "known": pack.is_some(),
            "version": pack.map_or("", |p| p.version.as_str()),
            "clause": clause.map_or("none", |c| c.predicate.as_str()),
            "regions": members,
            "all_models": clause.is_some_and(|c| c.models == Reach::All),
            "max_monthly_active_users": pack
                .and_then(|p| p.monthly_active_users.as_ref())
                .map_or(0, |u| u.limit),
        },
        "parents": [],
    })
}

/// Asks Cedar; whether it allowed, and the ids of the policies that decided. A policy that
/// fails to evaluate is an error, never a policy that did not apply (Cedar skips it: a
/// forbid that errors would otherwise let the request through).
fn authorize(
    request: &Request,
    policies: &PolicySet,
    entities: &Entities,
) -> Result<(bool, Vec<String>), DecideError> {
    let response = Authorizer::new().is_authorized(request, policies, entities);
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

fn string(value: &str) -> RestrictedExpression {
    RestrictedExpression::new_string(value.to_owned())
}

impl PolicyBundle {
    fn model_uid(&self, model: &ModelFacts) -> EntityUid {
        EntityUid::from_type_name_and_id(self.prepared.model_type.clone(), EntityId::new(&model.id))
    }

    fn license_uid(&self, license: &str) -> EntityUid {
        EntityUid::from_type_name_and_id(self.prepared.license_type.clone(), EntityId::new(license))
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
                ("domicile".to_owned(), string(&licensee.domicile)),
                (
                    "deployment_territories".to_owned(),
                    RestrictedExpression::new_set(
                        licensee.deployment_territories.iter().map(|c| string(c)),
                    ),
                ),
                (
                    "accepted_current_license".to_owned(),
                    RestrictedExpression::new_bool(licensee.accepted_current_license),
                ),
                (
                    "entitlement_revoked".to_owned(),
                    RestrictedExpression::new_bool(licensee.entitlement_revoked),
                ),
            ])
            .into_iter()
            .chain(licensee.monthly_active_users.map(|band| {
                (
                    "monthly_active_users".to_owned(),
                    RestrictedExpression::new_long(band.upper_bound()),
                )
            }))
            .collect(),
            HashSet::new(),
        )
        .map_err(|e| error(&e))?;
        let license = self.license_uid(&model.license);
        let model_entity = Entity::new(
            self.model_uid(model),
            HashMap::from([
                (
                    "multimodal".to_owned(),
                    RestrictedExpression::new_bool(model.multimodal),
                ),
                ("license".to_owned(), string(&model.license)),
                (
                    "terms".to_owned(),
                    RestrictedExpression::new_entity_uid(license.clone()),
                ),
            ]),
            HashSet::from([license]),
        )
        .map_err(|e| error(&e))?;
        // Built from typed facts here, so not checked against the schema again.
        let entities = self
            .prepared
            .base
            .clone()
            .add_entities([licensee, model_entity], None)
            .map_err(|e| error(&e))?;
        if self.packs().contains_key(&model.license) {
            return Ok(entities);
        }
        let unknown = license_json(None, &model.license, &self.regions);
        entities
            .add_entities(
                Entities::from_json_value(json!([unknown]), Some(&self.schema))
                    .map_err(|e| error(&e))?,
                Some(&self.schema),
            )
            .map_err(|e| error(&e))
    }

    /// The request context of `signals` (built once per decision: both questions share it).
    fn context(signals: &Signals) -> Result<Context, DecideError> {
        Context::from_pairs([
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
        .map_err(|e| DecideError(e.to_string()))
    }

    fn ask(
        &self,
        action: &str,
        model: &ModelFacts,
        context: &Context,
        entities: &Entities,
    ) -> Result<(bool, Vec<String>), DecideError> {
        let (action, policies) = self.prepared.action(action, &model.license)?;
        // Also built from typed facts (the policies were validated strictly at load).
        let request = Request::new(
            self.prepared.licensee.clone(),
            action,
            self.model_uid(model),
            context.clone(),
            None,
        )
        .map_err(|e| DecideError(e.to_string()))?;
        authorize(&request, policies, entities)
    }

    fn reasons(&self, ids: Vec<String>, model: &ModelFacts) -> Vec<Reason> {
        ids.into_iter()
            .map(|id| Reason {
                message: self.reason(&id).to_owned(),
                clause: self.citation(&id, &model.license),
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
        let context = Self::context(signals)?;
        let digest = self.digest().hex();
        let (allowed, ids) = self.ask(action.as_str(), model, &context, &entities)?;
        if !allowed {
            let reasons = if ids.is_empty() {
                vec![Reason {
                    policy: NO_PERMIT.into(),
                    message: "no policy grants this request".into(),
                    clause: None,
                }]
            } else {
                self.reasons(ids, model)
            };
            return Ok(Decision {
                outcome: Outcome::Deny,
                reasons,
                bundle_digest: digest,
            });
        }
        let (needs_review, review_ids) = self.ask("needs_review", model, &context, &entities)?;
        if needs_review {
            return Ok(Decision {
                outcome: Outcome::Review,
                reasons: self.reasons(review_ids, model),
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
            reasons: self.reasons(ids, model),
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
        let context = Self::context(signals)?;
        let (needs_review, ids) = self.ask("needs_review", model, &context, &entities)?;
        Ok(if needs_review {
            self.reasons(ids, model)
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
        let (action, policies) = self.prepared.action("use_product", &model.license)?;
        let request = Request::new(
            self.prepared.end_user.clone(),
            action,
            self.model_uid(model),
            Context::empty(),
            Some(&self.schema),
        )
        .map_err(|e| DecideError(e.to_string()))?;
        Ok(authorize(&request, policies, &entities)?.0)
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

    /// An individual in `domicile` who accepted and answered the users question.
    fn licensee(domicile: &str) -> LicenseeFacts {
        let mut licensee = LicenseeFacts::from_attestation(domicile, None, true, false);
        licensee.monthly_active_users = Some(UserBand::UpTo1m);
        licensee
    }

    #[test]
    fn decisions_carry_reasons_in_words_and_the_bundle_digest() {
        let bundle = PolicyBundle::embedded().expect("bundle");
        let decision = download(&bundle, "DE", true);
        assert_eq!(decision.outcome, Outcome::Deny);
        assert_eq!(decision.reasons[0].policy, "eu.multimodal-withheld");
        assert!(decision.reasons[0].message.contains("EU"));
        assert_eq!(decision.bundle_digest, bundle.digest().hex());
    }

    #[test]
    fn denies_cite_the_clause_and_unknown_licenses_are_refused() {
        let bundle = PolicyBundle::embedded().expect("bundle");
        let decision = download(&bundle, "FR", true);
        let cited = decision.reasons[0].clause.clone().expect("a citation");
        assert_eq!(
            (cited.license.as_str(), cited.version.as_str()),
            ("llama-3.2", "2024-09-25")
        );
        assert!(cited.title.contains("section 4"), "{cited:?}");
        let unknown = ModelFacts {
            license: "unpacked".into(),
            ..model(false)
        };
        let decision = bundle
            .decide(
                &licensee("FR"),
                Action::Download,
                &unknown,
                &Signals::default(),
            )
            .expect("decide");
        assert_eq!(decision.outcome, Outcome::Deny);
        assert_eq!(decision.reasons[0].policy, "license.terms-unknown");
        assert!(
            bundle.restricts(&unknown),
            "an unknown license binds grants"
        );
    }

    #[test]
    fn a_question_gets_its_own_license_clause_and_no_other() {
        let bundle = PolicyBundle::embedded().expect("bundle");
        let ids = |action: &str, license: &str| -> Vec<String> {
            let (_, policies) = bundle.prepared.action(action, license).expect("action");
            policies.policies().map(|p| p.id().to_string()).collect()
        };
        let llama_3_2 = ids("download", "llama-3.2");
        assert!(
            llama_3_2.contains(&"eu.multimodal-withheld".to_owned()),
            "{llama_3_2:?}"
        );
        assert!(
            !llama_3_2.contains(&"eu.llama-4-withheld".to_owned()),
            "{llama_3_2:?}"
        );
        assert!(!llama_3_2.contains(&"territory.hunyuan-excluded".to_owned()));
        // Rules that are not about one license stay in every set.
        assert!(llama_3_2.contains(&"license.terms-unknown".to_owned()));
        assert!(ids("download", "hunyuan").contains(&"territory.hunyuan-excluded".to_owned()));
        let unpacked = ids("download", "unpacked");
        assert!(unpacked.contains(&"license.terms-unknown".to_owned()));
        assert!(!unpacked
            .iter()
            .any(|id| id.starts_with("eu.") || id.starts_with("territory.")));
        // Each action keeps only the rules whose scope names it.
        assert!(!ids("needs_review", "llama-3.2").contains(&"eu.multimodal-withheld".to_owned()));
    }

    /// The shipped bundle with `edit` applied to its sources.
    fn bundle_with(edit: impl FnOnce(&mut BTreeMap<String, String>)) -> PolicyBundle {
        let mut sources: BTreeMap<String, String> = PolicyBundle::embedded()
            .expect("bundle")
            .sources()
            .iter()
            .cloned()
            .collect();
        edit(&mut sources);
        PolicyBundle::from_sources(&sources).expect("bundle")
    }

    /// A download of a Llama 3.2 model by an individual in `domicile`, decided by `bundle`.
    fn download(bundle: &PolicyBundle, domicile: &str, multimodal: bool) -> Decision {
        bundle
            .decide(
                &licensee(domicile),
                Action::Download,
                &model(multimodal),
                &Signals::default(),
            )
            .expect("decide")
    }

    #[test]
    fn a_rule_that_names_another_license_still_sees_it() {
        let llama_4 = PolicyBundle::embedded().expect("bundle").packs()["llama-4"]
            .version
            .clone();
        let bundle = bundle_with(|sources| {
            sources.insert(
                "operator.cedar".into(),
                format!(
                    r#"@id("operator.while-llama-4-is-current")
@reason("held while the Llama 4 terms are the current ones")
forbid (principal, action == Action::"download", resource)
when {{ License::"llama-4" has version && License::"llama-4".version == "{llama_4}" }};"#
                ),
            );
        });
        let decision = download(&bundle, "US", false);
        assert_eq!(decision.outcome, Outcome::Deny, "{decision:?}");
        assert_eq!(
            decision.reasons[0].policy,
            "operator.while-llama-4-is-current"
        );
    }

    #[test]
    fn a_rule_on_an_action_group_reaches_the_actions_in_it() {
        let bundle = bundle_with(|sources| {
            let schema = sources.get_mut("schema.cedarschema").expect("schema");
            *schema = schema.replace(
                "action download, validate, generate, mirror appliesTo",
                "action mirror appliesTo {\n  principal: [Licensee],\n  resource: [Model],\n  context: Signals,\n};\naction download, validate, generate in [mirror] appliesTo",
            );
            sources.insert(
                "operator.cedar".into(),
                r#"@id("operator.weights-frozen")
@reason("no weights leave while the freeze lasts")
forbid (principal, action in Action::"mirror", resource);"#
                    .into(),
            );
        });
        let decision = download(&bundle, "US", false);
        assert_eq!(decision.outcome, Outcome::Deny, "{decision:?}");
        assert!(decision
            .rule_ids()
            .contains(&"operator.weights-frozen".to_owned()));
    }

    #[test]
    fn a_carve_out_question_whose_rule_fails_is_an_error_not_an_allow() {
        let bundle = bundle_with(|sources| {
            sources.insert(
                "operator.cedar".into(),
                r#"@id("operator.carve-out-reads-a-missing-license")
@reason("a rule that cannot be evaluated")
forbid (principal, action == Action::"use_product", resource)
when { License::"no-such-license".known };"#
                    .into(),
            );
        });
        assert!(bundle.end_user_may_use(&model(true)).is_err());
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
            license: "llama-3.2".into(),
        };
        let licensee = licensee("US");
        let decision = bundle
            .decide(&licensee, Action::Download, &tricky, &Signals::default())
            .expect("decide");
        assert_eq!(decision.outcome, Outcome::Allow);
    }
}
