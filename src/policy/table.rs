//! The expected-decision tables (`policies/tests/*.toml`, and each license pack's
//! `policies/licenses/<id>/decisions.toml`): each case states a licensee, a model, the
//! signals and the decision the bundle must reach; a case with `countries` expands to one
//! decision per listed country, put where `vary` says (the domicile, the organisation's
//! country, the territory of use or the location). `modelgate policy test` and CI run them.

use serde::Deserialize;

use super::bundle::PolicyBundle;
use super::decide::{Action, LicenseeFacts, ModelFacts, Outcome, Signals};
use crate::domain::UserBand;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Table {
    /// The license of the models of every case (default: the pack's own for a pack's
    /// table, else `llama-3.2`).
    pub license: Option<String>,
    #[serde(rename = "case")]
    pub cases: Vec<Case>,
}

/// The license a table outside any pack tests by default.
pub const DEFAULT_LICENSE: &str = "llama-3.2";

/// Which fact a case's `countries` vary.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Vary {
    #[default]
    Domicile,
    Organisation,
    Territory,
    Location,
}

fn small_user_base() -> String {
    UserBand::UpTo1m.as_str().into()
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
    /// The model's license (default: the table's).
    pub license: Option<String>,
    /// The user's domicile.
    #[serde(default)]
    pub domicile: String,
    /// One decision per country in this list, put where `vary` says.
    #[serde(default)]
    pub countries: Vec<String>,
    #[serde(default)]
    pub vary: Vary,
    /// The declared territories of use or deployment.
    #[serde(default)]
    pub territories: Vec<String>,
    /// The declared monthly-active-users band, `none` for no answer (default `up_to_1m`).
    #[serde(default = "small_user_base")]
    pub monthly_active_users: String,
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
    /// One (label, licensee, signals) per country, or the case itself without `countries`.
    pub fn expand(&self) -> Result<Vec<(String, LicenseeFacts, Signals)>, String> {
        let band = match self.monthly_active_users.as_str() {
            "none" => None,
            band => Some(band.parse::<UserBand>().map_err(|e| e.to_string())?),
        };
        let countries: Vec<Option<&String>> = if self.countries.is_empty() {
            vec![None]
        } else {
            self.countries.iter().map(Some).collect()
        };
        Ok(countries
            .into_iter()
            .map(|country| {
                let mut domicile = self.domicile.clone();
                let mut organisation = self.organisation_country.clone();
                let mut territories = self.territories.clone();
                let mut signals = self.signals.clone();
                if let Some(country) = country {
                    match self.vary {
                        Vary::Domicile => domicile = country.clone(),
                        Vary::Organisation => organisation = Some(country.clone()),
                        Vary::Territory => territories = vec![country.clone()],
                        Vary::Location => signals.geo_country = country.clone(),
                    }
                }
                let mut facts = if self.partner {
                    // A partner's country is its organisation's, else the domicile given.
                    let country = organisation.as_deref().unwrap_or(&domicile);
                    LicenseeFacts::partner(country, self.accepted, self.revoked)
                } else {
                    let mut facts = LicenseeFacts::from_attestation(
                        &domicile,
                        organisation.as_deref(),
                        self.accepted,
                        self.revoked,
                    );
                    facts.deployment_territories = territories;
                    facts
                };
                facts.monthly_active_users = band;
                let label = match country {
                    None => self.name.clone(),
                    Some(country) => format!("{} [{country}]", self.name),
                };
                (label, facts, signals)
            })
            .collect())
    }
}

/// Parses a table.
pub fn parse_table(text: &str) -> Result<Table, String> {
    toml::from_str(text).map_err(|e| e.to_string())
}

/// Runs every case of `table` against `bundle`; models are under `default_license` where
/// neither the table nor the case names one.
pub fn run_table(bundle: &PolicyBundle, table: &Table, default_license: &str) -> Vec<CaseResult> {
    let mut results = Vec::new();
    for case in &table.cases {
        let license = case
            .license
            .as_deref()
            .or(table.license.as_deref())
            .unwrap_or(default_license);
        let model = ModelFacts {
            id: format!("demo/{}", case.model),
            multimodal: case.model == "multimodal",
            license: license.into(),
        };
        let expanded = match case.expand() {
            Ok(expanded) => expanded,
            Err(problem) => {
                results.push(CaseResult {
                    name: case.name.clone(),
                    expected: case.expect,
                    actual: None,
                    policies: Vec::new(),
                    passed: false,
                    problem: Some(problem),
                });
                continue;
            }
        };
        for (name, licensee, signals) in expanded {
            let result = match bundle.decide(&licensee, case.action, &model, &signals) {
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

/// Every expected-decision table of the bundle in `dir`: `tests/*.toml` (default license
/// `llama-3.2`) and each pack's `licenses/<id>/decisions.toml` (default: that license), as
/// (file, default license), sorted.
pub fn table_files(dir: &std::path::Path) -> std::io::Result<Vec<(std::path::PathBuf, String)>> {
    let mut files = Vec::new();
    let tests = dir.join("tests");
    if tests.is_dir() {
        for entry in std::fs::read_dir(&tests)?.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "toml") {
                files.push((path, DEFAULT_LICENSE.to_owned()));
            }
        }
    }
    let licenses = dir.join("licenses");
    if licenses.is_dir() {
        for entry in std::fs::read_dir(&licenses)?.flatten() {
            let path = entry.path().join("decisions.toml");
            if path.is_file() {
                files.push((path, entry.file_name().to_string_lossy().into_owned()));
            }
        }
    }
    files.sort();
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn repo_policies() -> &'static Path {
        Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/policies"))
    }

    #[test]
    fn every_shipped_table_passes_against_the_shipped_bundle() {
        let bundle = PolicyBundle::load(repo_policies()).expect("bundle");
        let files = table_files(repo_policies()).expect("tables");
        for pack in bundle.packs().keys() {
            assert!(
                files.iter().any(|(_, license)| license == pack),
                "the pack `{pack}` has no decisions.toml"
            );
        }
        for (file, license) in files {
            let text = std::fs::read_to_string(&file).expect("table");
            let results = run_table(&bundle, &parse_table(&text).expect("parse"), &license);
            let is_pack =
                file.parent().and_then(Path::parent) == Some(&repo_policies().join("licenses"));
            assert!(
                !is_pack || results.len() > 200,
                "{}: every EU state expands into its own case",
                file.display()
            );
            let failures: Vec<_> = results.iter().filter(|r| !r.passed).collect();
            assert!(failures.is_empty(), "{}: {failures:#?}", file.display());
        }
    }

    #[test]
    fn a_wrong_expectation_is_reported() {
        let bundle = PolicyBundle::embedded().expect("bundle");
        let table = parse_table("[[case]]\nname = \"x\"\ndomicile = \"FR\"\nmodel = \"multimodal\"\nexpect = \"allow\"\n").expect("parse");
        let results = run_table(&bundle, &table, DEFAULT_LICENSE);
        assert!(!results[0].passed);
        assert_eq!(results[0].actual, Some(Outcome::Deny));
    }
}
