//! The policy bundle: the Cedar schema, one `.cedar` file per concern and the region data,
//! validated strictly at load. Every policy carries `@id` (the stable id users and the audit
//! log see) and `@reason` (the sentence shown to a person). The bundle digest covers every
//! file, so each decision names exactly the rules that made it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use cedar_policy::{PolicyId, PolicySet, Schema, ValidationMode, Validator};
use sha2::{Digest, Sha256};

use crate::domain::{CountryCode, Sha256Digest};

/// The bundle shipped with the binary, used when the configured directory has no schema.
const EMBEDDED: &[(&str, &str)] = &[
    (
        "schema.cedarschema",
        include_str!("../../policies/schema.cedarschema"),
    ),
    (
        "end-user-carve-out.cedar",
        include_str!("../../policies/end-user-carve-out.cedar"),
    ),
    (
        "eu-multimodal.cedar",
        include_str!("../../policies/eu-multimodal.cedar"),
    ),
    (
        "license-acceptance.cedar",
        include_str!("../../policies/license-acceptance.cedar"),
    ),
    (
        "partner-distribution.cedar",
        include_str!("../../policies/partner-distribution.cedar"),
    ),
    ("review.cedar", include_str!("../../policies/review.cedar")),
    (
        "revocation.cedar",
        include_str!("../../policies/revocation.cedar"),
    ),
    (
        "regions/eu.txt",
        include_str!("../../policies/regions/eu.txt"),
    ),
    (
        "regions/iso3166-1-alpha2.txt",
        include_str!("../../policies/regions/iso3166-1-alpha2.txt"),
    ),
];

/// Why a bundle cannot be used; names the file and, where known, the line.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    #[error("cannot read `{file}`: {message}")]
    Read { file: String, message: String },
    #[error("{file}:{line}: {message}")]
    Invalid {
        file: String,
        line: usize,
        message: String,
    },
    #[error("{0}")]
    Missing(String),
}

/// A loaded, validated policy bundle.
#[derive(Debug, Clone)]
pub struct PolicyBundle {
    pub(crate) schema: Schema,
    pub(crate) policies: PolicySet,
    /// Policy id → the sentence a person reads.
    reasons: BTreeMap<String, String>,
    /// Policy id → the license clause it enforces (`@clause`), where it names one.
    clauses: BTreeMap<String, String>,
    /// Region name → member codes (`EU` → the member states and territories).
    pub(crate) regions: BTreeMap<String, BTreeSet<String>>,
    digest: Sha256Digest,
    pub(crate) prepared: super::decide::Prepared,
    /// Every file as loaded (name, text), sorted by name: what mirrors receive.
    sources: Vec<(String, String)>,
}

fn line_of(source: &str, offset: usize) -> usize {
    source[..offset.min(source.len())].matches('\n').count() + 1
}

fn first_label_line(source: &str, diagnostic: &dyn miette::Diagnostic) -> usize {
    diagnostic
        .labels()
        .and_then(|mut labels| labels.next())
        .map(|label| line_of(source, label.offset()))
        .unwrap_or(1)
}

impl PolicyBundle {
    /// Loads `dir` (schema, `*.cedar`, `regions/*.txt`), or the embedded bundle when `dir`
    /// has no `schema.cedarschema`.
    pub fn load(dir: &Path) -> Result<PolicyBundle, BundleError> {
        if !dir.join("schema.cedarschema").is_file() {
            return Self::from_files(
                EMBEDDED
                    .iter()
                    .map(|(n, s)| ((*n).to_owned(), (*s).to_owned()))
                    .collect(),
            );
        }
        let mut files = Vec::new();
        let read = |path: &Path, name: String| {
            std::fs::read_to_string(path)
                .map(|text| (name.clone(), text))
                .map_err(|e| BundleError::Read {
                    file: name,
                    message: e.to_string(),
                })
        };
        files.push(read(
            &dir.join("schema.cedarschema"),
            "schema.cedarschema".into(),
        )?);
        for (sub, extension) in [("", "cedar"), ("regions", "txt")] {
            let folder = dir.join(sub);
            let entries = std::fs::read_dir(&folder).map_err(|e| BundleError::Read {
                file: folder.display().to_string(),
                message: e.to_string(),
            })?;
            let mut names: Vec<String> = entries
                .flatten()
                .filter_map(|e| e.file_name().into_string().ok())
                .filter(|n| n.ends_with(&format!(".{extension}")))
                .collect();
            names.sort();
            for name in names {
                let relative = if sub.is_empty() {
                    name.clone()
                } else {
                    format!("{sub}/{name}")
                };
                files.push(read(&folder.join(&name), relative)?);
            }
        }
        Self::from_files(files)
    }

    /// The bundle compiled into the binary.
    pub fn embedded() -> Result<PolicyBundle, BundleError> {
        Self::from_files(
            EMBEDDED
                .iter()
                .map(|(n, s)| ((*n).to_owned(), (*s).to_owned()))
                .collect(),
        )
    }

    /// A bundle from its files' names and texts, validated like a directory (a mirror gets
    /// its upstream's bundle this way).
    pub fn from_sources(files: &BTreeMap<String, String>) -> Result<PolicyBundle, BundleError> {
        Self::from_files(files.iter().map(|(n, t)| (n.clone(), t.clone())).collect())
    }

    fn from_files(mut files: Vec<(String, String)>) -> Result<PolicyBundle, BundleError> {
        files.sort_by(|a, b| a.0.cmp(&b.0));
        let mut hasher = Sha256::new();
        for (name, text) in &files {
            hasher.update(format!("{name}\0{}\0", text.len()).as_bytes());
            hasher.update(text.as_bytes());
        }
        let digest = Sha256Digest::from_bytes(hasher.finalize().into());

        let (_, schema_src) = files
            .iter()
            .find(|(n, _)| n == "schema.cedarschema")
            .ok_or_else(|| BundleError::Missing("the bundle has no schema.cedarschema".into()))?;
        let (schema, _warnings) =
            Schema::from_cedarschema_str(schema_src).map_err(|e| BundleError::Invalid {
                file: "schema.cedarschema".into(),
                line: first_label_line(schema_src, &e),
                message: e.to_string(),
            })?;

        let mut policies = PolicySet::new();
        let mut reasons = BTreeMap::new();
        let mut clauses = BTreeMap::new();
        let mut sources: BTreeMap<String, (String, usize)> = BTreeMap::new();
        for (file, text) in files.iter().filter(|(n, _)| n.ends_with(".cedar")) {
            let parsed: PolicySet =
                text.parse()
                    .map_err(|e: cedar_policy::ParseErrors| BundleError::Invalid {
                        file: file.clone(),
                        line: first_label_line(text, &e),
                        message: e.to_string(),
                    })?;
            for policy in parsed.policies() {
                let id_text = policy.annotation("id").map(str::to_owned);
                let line = id_text
                    .as_ref()
                    .and_then(|id| text.find(&format!("@id(\"{id}\")")))
                    .map_or(1, |offset| line_of(text, offset));
                let invalid = |message: String| BundleError::Invalid {
                    file: file.clone(),
                    line,
                    message,
                };
                let id = id_text.ok_or_else(|| invalid("a policy has no @id annotation".into()))?;
                let reason = policy
                    .annotation("reason")
                    .ok_or_else(|| invalid(format!("policy `{id}` has no @reason annotation")))?;
                if let Some((other, _)) = sources.get(&id) {
                    return Err(invalid(format!(
                        "policy id `{id}` is already used in {other}"
                    )));
                }
                reasons.insert(id.clone(), reason.to_owned());
                if let Some(clause) = policy.annotation("clause") {
                    clauses.insert(id.clone(), clause.to_owned());
                }
                sources.insert(id.clone(), (file.clone(), line));
                policies
                    .add(policy.new_id(PolicyId::new(&id)))
                    .map_err(|e| invalid(e.to_string()))?;
            }
        }
        if reasons.is_empty() {
            return Err(BundleError::Missing("the bundle has no policies".into()));
        }

        let validation = Validator::new(schema.clone()).validate(&policies, ValidationMode::Strict);
        if let Some(error) = validation.validation_errors().next() {
            let (file, line) = sources
                .get(error.policy_id().to_string().as_str())
                .cloned()
                .unwrap_or_default();
            return Err(BundleError::Invalid {
                file,
                line,
                message: error.to_string(),
            });
        }

        let mut regions = BTreeMap::new();
        for (file, text) in files
            .iter()
            .filter(|(n, _)| n.starts_with("regions/") && n.ends_with(".txt"))
        {
            let name = file.trim_start_matches("regions/").trim_end_matches(".txt");
            if name.starts_with("iso3166") {
                continue;
            }
            let mut members = BTreeSet::new();
            for (index, raw) in text.lines().enumerate() {
                let code = raw.split('#').next().unwrap_or_default().trim();
                if code.is_empty() {
                    continue;
                }
                let parsed: CountryCode =
                    code.parse()
                        .map_err(|e: crate::domain::DomainError| BundleError::Invalid {
                            file: file.clone(),
                            line: index + 1,
                            message: e.to_string(),
                        })?;
                members.insert(parsed.to_string());
            }
            regions.insert(name.to_uppercase(), members);
        }
        if !regions.contains_key("EU") {
            return Err(BundleError::Missing(
                "the bundle has no regions/eu.txt".into(),
            ));
        }
        let prepared = super::decide::Prepared::new(&schema, &regions)
            .map_err(|e| BundleError::Missing(e.to_string()))?;
        Ok(PolicyBundle {
            schema,
            policies,
            reasons,
            clauses,
            regions,
            digest,
            prepared,
            sources: files,
        })
    }

    /// Every file of the bundle (name, text), sorted by name.
    pub fn sources(&self) -> &[(String, String)] {
        &self.sources
    }

    /// SHA-256 over every file of the bundle (name, length, bytes; sorted by name).
    pub fn digest(&self) -> Sha256Digest {
        self.digest
    }

    /// The sentence for a policy id.
    pub fn reason(&self, policy_id: &str) -> &str {
        self.reasons.get(policy_id).map_or("", String::as_str)
    }

    /// The license clause a policy enforces, as its `@clause` annotation names it.
    pub fn clause(&self, policy_id: &str) -> Option<&str> {
        self.clauses.get(policy_id).map(String::as_str)
    }

    /// Every policy id, sorted.
    pub fn policy_ids(&self) -> impl Iterator<Item = &str> {
        self.reasons.keys().map(String::as_str)
    }

    /// Every region with its member codes.
    pub fn regions(&self) -> &BTreeMap<String, BTreeSet<String>> {
        &self.regions
    }

    /// Whether `country` belongs to region `name`.
    pub fn in_region(&self, name: &str, country: &str) -> bool {
        self.regions.get(name).is_some_and(|m| m.contains(country))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files() -> Vec<(String, String)> {
        EMBEDDED
            .iter()
            .map(|(n, s)| ((*n).to_owned(), (*s).to_owned()))
            .collect()
    }

    fn with(name: &str, text: &str) -> Result<PolicyBundle, BundleError> {
        let mut files = files();
        files.retain(|(n, _)| n != name);
        files.push((name.to_owned(), text.to_owned()));
        PolicyBundle::from_files(files)
    }

    /// The English rule messages are what translators translate: they must say what the
    /// rules say, and every shipped rule needs them (the i18n test then asks every language).
    #[test]
    fn every_shipped_rule_has_its_reason_and_clause_as_messages() {
        use crate::i18n::{rule_message_id, Lang};
        let bundle = PolicyBundle::embedded().expect("embedded");
        let mut rules = 0;
        for rule in bundle.policy_ids() {
            rules += 1;
            let reason = Lang::En.try_text(&rule_message_id("reason", rule), &[]);
            assert_eq!(reason.as_deref(), Some(bundle.reason(rule)), "`{rule}`");
            if let Some(clause) = bundle.clause(rule) {
                let message = Lang::En.try_text(&rule_message_id("clause", rule), &[]);
                assert_eq!(message.as_deref(), Some(clause), "the clause of `{rule}`");
            }
        }
        assert!(rules > 10);
    }

    #[test]
    fn the_repository_bundle_equals_the_embedded_one() {
        let repo = PolicyBundle::load(Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/policies")))
            .expect("repo");
        let embedded = PolicyBundle::embedded().expect("embedded");
        assert_eq!(repo.digest(), embedded.digest());
        assert!(repo.policy_ids().any(|id| id == "eu.multimodal-withheld"));
        assert_eq!(repo.regions["EU"].len(), 34);
        assert!(
            repo.in_region("EU", "GR")
                && !repo.in_region("EU", "CH")
                && !repo.in_region("EU", "EU")
        );
    }

    #[test]
    fn errors_name_the_file_and_line() {
        let err = with("extra.cedar", "// intent\n@id(\"x\")\n@reason(\"r\")\npermit (principal, action, resource)\nwhen { principal.no_such_attribute };\n")
            .expect_err("invalid attribute");
        assert!(err.to_string().starts_with("extra.cedar:2:"), "{err}");
        let err = with(
            "extra.cedar",
            "@id(\"x\")\n@reason(\"r\")\npermit (principal, action, resource) when {\n",
        )
        .expect_err("syntax");
        assert!(err.to_string().starts_with("extra.cedar:"), "{err}");
        let err = with(
            "extra.cedar",
            "@reason(\"r\")\npermit (principal, action == Action::\"download\", resource);\n",
        )
        .expect_err("no id");
        assert!(err.to_string().contains("no @id"), "{err}");
        let err = with("extra.cedar", "@id(\"eu.multimodal-withheld\")\n@reason(\"r\")\npermit (principal, action == Action::\"download\", resource);\n")
            .expect_err("duplicate id");
        assert!(err.to_string().contains("already used"), "{err}");
        let err = with("regions/eu.txt", "AT\nBE\nUK\n").expect_err("bad code");
        assert!(err.to_string().starts_with("regions/eu.txt:3:"), "{err}");
    }

    #[test]
    fn the_digest_follows_every_file() {
        let base = PolicyBundle::embedded().expect("bundle").digest();
        let changed = with("regions/eu.txt", "AT\n").expect("valid").digest();
        assert_ne!(base, changed);
    }
}
