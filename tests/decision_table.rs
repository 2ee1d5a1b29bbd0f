//! Every row of the expected-decision tables of the Llama 3.2 pack (a domicile clause) and
//! the Hunyuan pack (a territory-of-use clause), walked through the HTTP API as real users:
//! an account with the row's role, a declaration (domicile, organisation, territories of
//! use, monthly active users), an acceptance of the row's license (or none, or a terminated
//! one), a request from an address a real `.mmdb` file places in the row's GeoIP country, a
//! review decided by compliance staff where the row says so, and for each allow a real
//! grant that downloads a file.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use crate::common;
use crate::common::mmdb::{geoip2_country, Builder};
use crate::common::{spawn_app, Backend, TestApp};
use modelgate::domain::Role;
use modelgate::policy::table::{parse_table, Case};
use modelgate::policy::{LicenseeFacts, Outcome, Signals};
use serde_json::{json, Value};

/// One `/24` per country code: `20.0.<i>.0` plain, `20.1.<i>.0` behind an anonymising proxy;
/// `21.0.0.0/24` is a continent-level European answer.
struct GeoPlan {
    index: BTreeMap<String, u8>,
}

impl GeoPlan {
    fn new(countries: &[String]) -> Self {
        let index = countries
            .iter()
            .enumerate()
            .map(|(i, c)| (c.clone(), u8::try_from(i).unwrap()))
            .collect();
        GeoPlan { index }
    }

    fn database(&self) -> Builder {
        let mut db = Builder::new("GeoIP2-Country");
        for (code, i) in &self.index {
            let continent = if code == "US" { "NA" } else { "EU" };
            db.insert(
                Ipv4Addr::new(20, 0, *i, 0),
                24,
                &geoip2_country(code, continent, false),
            );
            db.insert(
                Ipv4Addr::new(20, 1, *i, 0),
                24,
                &geoip2_country(code, continent, true),
            );
        }
        db.insert(
            Ipv4Addr::new(21, 0, 0, 0),
            24,
            &geoip2_country("", "EU", false),
        );
        db
    }

    /// An address GeoIP places as the row's signals say (none when it has no signal).
    fn address(&self, geo_country: &str, anonymous: bool) -> Option<String> {
        match (geo_country, anonymous) {
            ("", false) => None,
            ("EU", _) => Some("21.0.0.7".into()),
            (code, anonymous) => {
                let i = self.index[code];
                Some(format!("20.{}.{i}.7", u8::from(anonymous)))
            }
        }
    }
}

/// A second Vision model (the demo one again, under another id), for rows about a deny on
/// another model.
const OTHER_VISION: &str = "demo/Llama-3.2-Tiny-Vision-Copy";

/// The packs walked, with the models their rows ask for: (license, text, multimodal).
const PACKS: [(&str, &str, &str); 2] = [
    (
        "llama-3.2",
        "demo/Llama-3.2-Tiny",
        "demo/Llama-3.2-Tiny-Vision",
    ),
    ("hunyuan", "demo/Hunyuan-Tiny", "demo/Hunyuan-Tiny-Vision"),
];

fn model_id(case: &Case, license: &str) -> &'static str {
    let (_, text, vision) = PACKS.iter().find(|(l, _, _)| *l == license).unwrap();
    if case.model == "multimodal" {
        vision
    } else {
        text
    }
}

fn outcome_of(status: u16) -> Outcome {
    match status {
        200 => Outcome::Allow,
        202 => Outcome::Review,
        403 => Outcome::Deny,
        other => panic!("unexpected status {other}"),
    }
}

/// The decision JSON of an access answer, whatever its status.
fn decision_of(body: &Value) -> Value {
    if body["error"].is_object() {
        body["error"]["details"].clone()
    } else {
        body.clone()
    }
}

struct Walker<'a> {
    app: &'a TestApp,
    /// The license of the table being walked.
    license: &'static str,
    admin: String,
    compliance: String,
    plan: GeoPlan,
    users: usize,
}

impl Walker<'_> {
    /// Sets up a user as the row describes; returns the session (a partner's token for a
    /// partner row: admins record a partner's place of business, partners cannot).
    async fn user_for(&mut self, case: &Case, facts: &LicenseeFacts) -> String {
        self.users += 1;
        let session = if case.partner {
            let country = facts.country.as_str();
            self.app
                .create_partner(
                    &self.admin,
                    &format!("Row Partner {}", self.users),
                    country,
                    &format!("row{}@example.com", self.users),
                )
                .await
                .0
        } else {
            let session = self
                .app
                .account(&format!("row{}@example.com", self.users), Role::User)
                .await;
            self.declare(&session, &Self::declaration(facts)).await;
            session
        };
        let accepted = if case.accepted || case.revoked {
            Some(self.accept(&session).await)
        } else {
            None
        };
        if let Some(accepted) = accepted.filter(|_| case.revoked) {
            let id = accepted["id"].as_str().unwrap();
            let revoked = self
                .app
                .post_json(
                    &format!("/v1/admin/acceptances/{id}/revoke"),
                    Some(&self.admin),
                    &json!({ "reason": "table row" }),
                )
                .await;
            assert_eq!(revoked.status(), 200);
        }
        session
    }

    /// The declaration behind a row's licensee.
    fn declaration(facts: &LicenseeFacts) -> Value {
        let mut declaration = json!({ "legal_name": "Row", "domicile_country": facts.domicile,
            "on_behalf_of_organisation": false,
            "deployment_territories": facts.deployment_territories,
            "monthly_active_users": facts.monthly_active_users });
        if facts.kind == "organisation" {
            declaration["on_behalf_of_organisation"] = json!(true);
            declaration["organisation_name"] = json!("Row Ltd");
            declaration["organisation_country"] = json!(facts.country);
        }
        declaration
    }

    async fn declare(&self, session: &str, attestation: &Value) {
        let attested = self
            .app
            .put_json("/v1/me/attestation", Some(session), attestation)
            .await;
        assert_eq!(attested.status(), 200);
    }

    /// Accepts the current license for the current declaration; returns the acceptance.
    async fn accept(&self, session: &str) -> Value {
        let digest = self.app.license_digest(self.license).await;
        self.app
            .post_json(
                &format!("/v1/licenses/{}/accept", self.license),
                Some(session),
                &json!({ "digest": digest }),
            )
            .await
            .json()
            .await
            .unwrap()
    }

    /// Opens (and, unless `open`, decides with `verdict`) a real review case for the user
    /// on `model`: a request from an EU address, under the current declaration.
    async fn review_case(
        &self,
        case: &Case,
        session: &str,
        model: &str,
        verdict: Option<&str>,
    ) -> Result<(), String> {
        let eu = self.plan.address("DE", false);
        let (outcome, body) = self.ask_about(case, session, model, eu.as_deref()).await;
        if outcome != Outcome::Review {
            return Err(format!("expected a review first, got {outcome:?}"));
        }
        let Some(verdict) = verdict else {
            return Ok(());
        };
        let id = body["review"]["id"].as_str().unwrap().to_owned();
        let decided = self
            .app
            .post_json(
                &format!("/v1/reviews/{id}/{verdict}"),
                Some(&self.compliance),
                &json!({ "note": "checked the passport" }),
            )
            .await;
        assert_eq!(decided.status(), 200);
        Ok(())
    }

    async fn ask(&self, case: &Case, session: &str, ip: Option<&str>) -> (Outcome, Value) {
        self.ask_about(case, session, model_id(case, self.license), ip)
            .await
    }

    async fn ask_about(
        &self,
        case: &Case,
        session: &str,
        model: &str,
        ip: Option<&str>,
    ) -> (Outcome, Value) {
        let body = json!({ "action": case.action });
        let response = self.app.access(session, model, ip, Some(body)).await;
        let outcome = outcome_of(response.status().as_u16());
        let body: Value = response.json().await.unwrap();
        (outcome, body)
    }

    /// Walks one expanded row; returns a description of the mismatch, if any.
    async fn walk(
        &mut self,
        case: &Case,
        label: &str,
        facts: &LicenseeFacts,
        signals: &Signals,
    ) -> Option<String> {
        let session = self.user_for(case, facts).await;
        let ip = self
            .plan
            .address(&signals.geo_country, signals.anonymous_proxy);
        // The row's review state comes from a real case, opened by a request from an EU
        // address and decided by compliance staff; a changed declaration is a real change
        // made after that case (from a Brazilian domicile, accepted as such, to the row's).
        let verdict = match case.signals.review.as_str() {
            "approved" => Some("approve"),
            "open" => None,
            _ => Some("deny"),
        };
        let model = model_id(case, self.license);
        if case.signals.denied_for_another_model {
            // A real deny on the second Vision model.
            let denied = self
                .review_case(case, &session, OTHER_VISION, Some("deny"))
                .await;
            if let Err(problem) = denied {
                return Some(format!("{label}: {OTHER_VISION}: {problem}"));
            }
        }
        if case.signals.declaration_changed {
            let before = json!({ "legal_name": "Row", "domicile_country": "BR", "on_behalf_of_organisation": false,
                "deployment_territories": facts.deployment_territories, "monthly_active_users": "up_to_1m" });
            self.declare(&session, &before).await;
            self.accept(&session).await;
            if let Err(problem) = self.review_case(case, &session, model, verdict).await {
                return Some(format!("{label}: {problem}"));
            }
            self.declare(&session, &Self::declaration(facts)).await;
        } else if case.signals.review != "none" {
            if let Err(problem) = self.review_case(case, &session, model, verdict).await {
                return Some(format!("{label}: {problem}"));
            }
        }
        let (outcome, body) = self.ask(case, &session, ip.as_deref()).await;
        let decision = decision_of(&body);
        assert_eq!(
            decision["outcome"],
            json!(outcome),
            "{label}: status and body agree"
        );
        if outcome != case.expect {
            return Some(format!(
                "{label}: expected {:?}, got {outcome:?} ({})",
                case.expect, decision["decision"]["reasons"]
            ));
        }
        if let Some(policy) = &case.policy {
            let reasons = decision["decision"]["reasons"].as_array().unwrap();
            if !reasons.iter().any(|r| r["policy"] == policy.as_str()) {
                return Some(format!(
                    "{label}: expected policy {policy} among {reasons:?}"
                ));
            }
        }
        if outcome == Outcome::Allow && !case.action.opens_blobs() {
            if body.get("grant").is_some() {
                return Some(format!(
                    "{label}: a `{}` allow handed out a grant",
                    case.action.as_str()
                ));
            }
        } else if outcome == Outcome::Allow {
            let file = &body["files"][0];
            let fetched = self
                .app
                .client
                .get(file["url"].as_str().unwrap())
                .header("Range", "bytes=0-15")
                .send()
                .await
                .unwrap();
            if fetched.status() != 206 {
                return Some(format!(
                    "{label}: the grant did not open a file ({})",
                    fetched.status()
                ));
            }
        }
        None
    }
}

async fn every_row_of_the_expected_decision_table_holds_through_the_http_api(backend: Backend) {
    let app = spawn_app(backend).await;
    app.publish_demo().await;
    let (_, demo) = common::demo_models();
    let (text, vision) = (&demo[0], &demo[1]);
    app.publish(&vision.dir, OTHER_VISION, vision.modality)
        .await;
    for (license, text_id, vision_id) in &PACKS[1..] {
        app.publish_under(&text.dir, text_id, text.modality, license)
            .await
            .unwrap();
        app.publish_under(&vision.dir, vision_id, vision.modality, license)
            .await
            .unwrap();
    }
    let mut tables = Vec::new();
    let mut countries = vec!["US".to_owned(), "DE".to_owned()];
    for (license, _, _) in PACKS {
        let text = std::fs::read_to_string(format!(
            "{}/policies/licenses/{license}/decisions.toml",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        let table = parse_table(&text).unwrap();
        for case in &table.cases {
            for (_, _, signals) in case.expand().unwrap() {
                countries.push(signals.geo_country);
            }
        }
        tables.push((license, table));
    }
    countries.retain(|c| !c.is_empty() && c != "EU");
    countries.sort();
    countries.dedup();
    let plan = GeoPlan::new(&countries);
    plan.database().write(&app.geoip_path());
    let mut walker = Walker {
        admin: app.account("admin@example.com", Role::Admin).await,
        compliance: app
            .account("compliance@example.com", Role::Compliance)
            .await,
        app: &app,
        license: "llama-3.2",
        plan,
        users: 0,
    };
    let mut rows = 0;
    let mut failures = Vec::new();
    for (license, table) in &tables {
        walker.license = license;
        for case in &table.cases {
            for (label, facts, signals) in case.expand().unwrap() {
                rows += 1;
                let label = format!("{license}: {label}");
                if let Some(problem) = walker.walk(case, &label, &facts, &signals).await {
                    failures.push(problem);
                }
            }
        }
    }
    assert!(rows > 400, "every EU state is its own row");
    assert!(failures.is_empty(), "{failures:#?}");
}
on_each_backend!(every_row_of_the_expected_decision_table_holds_through_the_http_api);
