//! The expected-decision table (`policies/tests/*.toml`): each case states a licensee, a
//! model, the signals and the decision the bundle must reach; a case with `countries`
//! expands to one decision per listed domicile. `modelgate policy test` and CI run it.

use serde::Deserialize;

use super::bundle::PolicyBundle;
use super::decide::{Action, LicenseeFacts, ModelFacts, Outcome, Signals};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Table {
    #[serde(rename = "case")]
    pub cases: Vec<Case>,
}

fn yes() -> bool {
    true
}

fn download() -> Action {
    Action::Download
}

/// One row of the table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    pub name: String,
    #[serde(default = "download")]
    pub action: Action,
    /// `text` or `multimodal`.
    pub model: String,
    /// The user's domicile (ignored when `countries` is given).
    #[serde(default)]
    pub domicile: String,
    /// One decision per domicile in this list.
    #[serde(default)]
    pub countries: Vec<String>,
    /// Set when the user accepted on behalf of an organisation.
    pub organisation_country: Option<String>,
    /// A partner account (its country is `organisation_country`, else `domicile`).
    #[serde(default)]
    pub partner: bool,
    #[serde(default = "yes")]
    pub accepted: bool,
    #[serde(default)]
    pub revoked: bool,
    #[serde(default)]
    pub signals: Signals,
    pub expect: Outcome,
    /// A policy id that must be among the reasons.
    pub policy: Option<String>,
}

/// The result of one expanded case.
#[derive(Debug, Clone)]
pub struct CaseResult {
    pub name: String,
    pub expected: Outcome,
    pub actual: Option<Outcome>,
    pub policies: Vec<String>,
    pub passed: bool,
    pub problem: Option<String>,
}

impl Case {
    fn expand(&self) -> Vec<(String, LicenseeFacts)> {
        let domiciles: Vec<String> = if self.countries.is_empty() {
            vec![self.domicile.clone()]
        } else {
            self.countries.clone()
        };
        domiciles
            .into_iter()
            .map(|domicile| {
                let mut facts = LicenseeFacts::from_attestation(
                    &domicile,
                    self.organisation_country.as_deref(),
                    self.accepted,
                    self.revoked,
                );
                if self.partner {
                    facts.kind = "partner".into();
                }
                let label = if self.countries.is_empty() {
                    self.name.clone()
                } else {
                    format!("{} [{domicile}]", self.name)
                };
                (label, facts)
            })
            .collect()
    }
}

/// Parses a table.
pub fn parse_table(text: &str) -> Result<Table, String> {
    toml::from_str(text).map_err(|e| e.to_string())
}

/// Runs every case of `table` against `bundle`.
pub fn run_table(bundle: &PolicyBundle, table: &Table) -> Vec<CaseResult> {
    let mut results = Vec::new();
    for case in &table.cases {
        let model = ModelFacts {
            id: format!("demo/{}", case.model),
            multimodal: case.model == "multimodal",
            license: "llama-3.2".into(),
        };
        for (name, licensee) in case.expand() {
            let outcome = bundle.decide(&licensee, case.action, &model, &case.signals);
            let result = match outcome {
                Ok(decision) => {
                    let policies: Vec<String> =
                        decision.reasons.iter().map(|r| r.policy.clone()).collect();
                    let policy_ok = case.policy.as_ref().is_none_or(|p| policies.contains(p));
                    let passed = decision.outcome == case.expect && policy_ok;
                    let problem = (!policy_ok).then(|| {
                        format!(
                            "expected policy `{}` among the reasons",
                            case.policy.clone().unwrap_or_default()
                        )
                    });
                    CaseResult {
                        name,
                        expected: case.expect,
                        actual: Some(decision.outcome),
                        policies,
                        passed,
                        problem,
                    }
                }
                Err(e) => CaseResult {
                    name,
                    expected: case.expect,
                    actual: None,
                    policies: Vec::new(),
                    passed: false,
                    problem: Some(e.to_string()),
                },
            };
            results.push(result);
        }
    }
    results
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn repo_policies() -> &'static Path {
        Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/policies"))
    }

    #[test]
    fn the_shipped_table_passes_against_the_shipped_bundle() {
        let bundle = PolicyBundle::load(repo_policies()).expect("bundle");
        let text =
            std::fs::read_to_string(repo_policies().join("tests/decisions.toml")).expect("table");
        let results = run_table(&bundle, &parse_table(&text).expect("parse"));
        assert!(
            results.len() > 100,
            "every EU state expands into its own case"
        );
        let failures: Vec<_> = results.iter().filter(|r| !r.passed).collect();
        assert!(failures.is_empty(), "{failures:#?}");
    }

    #[test]
    fn a_wrong_expectation_is_reported() {
        let bundle = PolicyBundle::embedded().expect("bundle");
        let table = parse_table("[[case]]\nname = \"x\"\ndomicile = \"FR\"\nmodel = \"multimodal\"\nexpect = \"allow\"\n").expect("parse");
        let results = run_table(&bundle, &table);
        assert!(!results[0].passed);
        assert_eq!(results[0].actual, Some(Outcome::Deny));
    }
}
