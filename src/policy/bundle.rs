//! The policy bundle: the Cedar schema, one `.cedar` file per concern and the region data,
//! validated strictly at load. Every policy carries `@id` (the stable id users and the audit
//! log see) and `@reason` (the sentence shown to a person). The bundle digest covers every
//! file, so each decision names exactly the rules that made it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use cedar_policy::{
    EntityId, EntityTypeName, EntityUid, PolicyId, PolicySet, Schema, SlotId, ValidationMode,
    Validator,
};
use sha2::{Digest, Sha256};

use super::decide::ModelFacts;
use super::packs::{Citation, ClauseKind, LicensePack};
use crate::domain::{CountryCode, Sha256Digest};

/// The bundle shipped with the binary, used when the configured directory has no schema.
const EMBEDDED: &[(&str, &str)] = &[
    (
        "schema.cedarschema",
        include_str!("../../policies/schema.cedarschema"),
    ),
    (
        "embargo.cedar",
        include_str!("../../policies/embargo.cedar"),
    ),
    (
        "end-user-carve-out.cedar",
        include_str!("../../policies/end-user-carve-out.cedar"),
    ),
    (
        "license-acceptance.cedar",
        include_str!("../../policies/license-acceptance.cedar"),
    ),
    (
        "license-terms.cedar",
        include_str!("../../policies/license-terms.cedar"),
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
        "templates/domicile.cedar",
        include_str!("../../policies/templates/domicile.cedar"),
    ),
    (
        "templates/territory.cedar",
        include_str!("../../policies/templates/territory.cedar"),
    ),
    (
        "regions/eu.txt",
        include_str!("../../policies/regions/eu.txt"),
    ),
    (
        "regions/embargo.txt",
        include_str!("../../policies/regions/embargo.txt"),
    ),
    (
        "regions/kr.txt",
        include_str!("../../policies/regions/kr.txt"),
    ),
    (
        "regions/uk.txt",
        include_str!("../../policies/regions/uk.txt"),
    ),
    (
        "regions/iso3166-1-alpha2.txt",
        include_str!("../../policies/regions/iso3166-1-alpha2.txt"),
    ),
    (
        "licenses/hunyuan/license.toml",
        include_str!("../../policies/licenses/hunyuan/license.toml"),
    ),
    (
        "licenses/llama-3.1/license.toml",
        include_str!("../../policies/licenses/llama-3.1/license.toml"),
    ),
    (
        "licenses/llama-3.2/license.toml",
        include_str!("../../policies/licenses/llama-3.2/license.toml"),
    ),
    (
        "licenses/llama-4/license.toml",
        include_str!("../../policies/licenses/llama-4/license.toml"),
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
    /// Policy id → the sentence a person reads.
    reasons: BTreeMap<String, String>,
    /// Policy id → which clause of the model's license it enforces (`@cites`, and every
    /// pack's own rule).
    cites: BTreeMap<String, ClauseKind>,
    /// License id → its pack.
    packs: BTreeMap<String, LicensePack>,
    /// Region name → member codes (`EU` → the member states and territories).
    pub(crate) regions: BTreeMap<String, BTreeSet<String>>,
    digest: Sha256Digest,
    pub(crate) prepared: super::decide::Prepared,
    /// Every file as loaded (name, text), sorted by name: what mirrors receive.
    sources: Vec<(String, String)>,
}

/// The names of the entries of `folder` that `keep` accepts, sorted.
fn sorted_names(
    folder: &Path,
    keep: impl Fn(&str, &Path) -> bool,
) -> Result<Vec<String>, BundleError> {
    let entries = std::fs::read_dir(folder).map_err(|e| BundleError::Read {
        file: folder.display().to_string(),
        message: e.to_string(),
    })?;
    let mut names: Vec<String> = entries
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            keep(&name, &e.path()).then_some(name)
        })
        .collect();
    names.sort();
    Ok(names)
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

/// The policies of a bundle as they are read: static rules from `*.cedar`, templates from
/// `templates/*.cedar`, and each license pack's rule linked from its predicate's template.
#[derive(Default)]
struct Rules {
    policies: PolicySet,
    /// Policy id → the sentence a person reads.
    reasons: BTreeMap<String, String>,
    cites: BTreeMap<String, ClauseKind>,
    /// Policy id → the file and line it comes from.
    sources: BTreeMap<String, (String, usize)>,
    /// Predicate → the id of the template that enforces it.
    templates: BTreeMap<String, PolicyId>,
}

impl Rules {
    fn claim(&mut self, id: &str, file: &str, line: usize) -> Result<(), BundleError> {
        if let Some((other, _)) = self.sources.get(id) {
            return Err(BundleError::Invalid {
                file: file.to_owned(),
                line,
                message: format!("policy id `{id}` is already used in {other}"),
            });
        }
        self.sources.insert(id.to_owned(), (file.to_owned(), line));
        Ok(())
    }

    /// Reads one `.cedar` file: rules with `@id` and `@reason`, or, under `templates/`,
    /// templates with `@predicate`.
    fn add_file(&mut self, file: &str, text: &str) -> Result<(), BundleError> {
        let parsed: PolicySet =
            text.parse()
                .map_err(|e: cedar_policy::ParseErrors| BundleError::Invalid {
                    file: file.to_owned(),
                    line: first_label_line(text, &e),
                    message: e.to_string(),
                })?;
        let line_of_text = |needle: String| text.find(&needle).map_or(1, |o| line_of(text, o));
        let invalid = |line: usize, message: String| BundleError::Invalid {
            file: file.to_owned(),
            line,
            message,
        };
        let cites_of = |annotation: Option<&str>, line: usize| {
            match annotation {
            None => Ok(None),
            Some(value) => ClauseKind::of_annotation(value).map(Some).ok_or_else(|| {
                invalid(
                    line,
                    format!("@cites(\"{value}\") names no clause (expected regional_clause or monthly_active_users)"),
                )
            }),
        }
        };
        if let Some(name) = file.strip_prefix("templates/") {
            if parsed.policies().next().is_some() {
                return Err(invalid(1, format!("`{name}` may hold templates only")));
            }
            for template in parsed.templates() {
                if template.effect() != cedar_policy::Effect::Forbid {
                    return Err(invalid(
                        1,
                        format!("`{name}`: a clause template must forbid"),
                    ));
                }
                let predicate = template
                    .annotation("predicate")
                    .ok_or_else(|| invalid(1, "a template has no @predicate annotation".into()))?;
                let line = line_of_text(format!("@predicate(\"{predicate}\")"));
                let id = format!("template.{predicate}");
                self.claim(&id, file, line)?;
                if let Some(kind) = cites_of(template.annotation("cites"), line)? {
                    self.cites.insert(id.clone(), kind);
                }
                let id = PolicyId::new(&id);
                self.policies
                    .add_template(template.new_id(id.clone()))
                    .map_err(|e| invalid(line, e.to_string()))?;
                self.templates.insert(predicate.to_owned(), id);
            }
            return Ok(());
        }
        if parsed.templates().next().is_some() {
            return Err(invalid(1, "templates belong under templates/".into()));
        }
        for policy in parsed.policies() {
            let id_text = policy.annotation("id").map(str::to_owned);
            let line = id_text
                .as_ref()
                .map_or(1, |id| line_of_text(format!("@id(\"{id}\")")));
            let id =
                id_text.ok_or_else(|| invalid(line, "a policy has no @id annotation".into()))?;
            let reason = policy
                .annotation("reason")
                .ok_or_else(|| invalid(line, format!("policy `{id}` has no @reason annotation")))?;
            self.claim(&id, file, line)?;
            self.reasons.insert(id.clone(), reason.to_owned());
            if let Some(kind) = cites_of(policy.annotation("cites"), line)? {
                self.cites.insert(id.clone(), kind);
            }
            self.policies
                .add(policy.new_id(PolicyId::new(&id)))
                .map_err(|e| invalid(line, e.to_string()))?;
        }
        Ok(())
    }

    /// Reads one `licenses/<id>/license.toml` and links its regional clause's template.
    fn add_pack(
        &mut self,
        file: &str,
        text: &str,
        regions: &BTreeMap<String, BTreeSet<String>>,
    ) -> Result<LicensePack, BundleError> {
        let invalid = |message: String| BundleError::Invalid {
            file: file.to_owned(),
            line: 1,
            message,
        };
        let pack = LicensePack::parse(text).map_err(invalid)?;
        let folder = file
            .strip_prefix("licenses/")
            .and_then(|rest| rest.strip_suffix("/license.toml"))
            .unwrap_or_default();
        if folder != pack.id {
            return Err(invalid(format!(
                "the pack's id `{}` differs from its folder `{folder}`",
                pack.id
            )));
        }
        let Some(clause) = &pack.regional_clause else {
            return Ok(pack);
        };
        if let Some(unknown) = clause.regions.iter().find(|r| !regions.contains_key(*r)) {
            return Err(invalid(format!(
                "region `{unknown}` has no file regions/{}.txt",
                unknown.to_lowercase()
            )));
        }
        let template = self
            .templates
            .get(&clause.predicate)
            .cloned()
            .ok_or_else(|| {
                invalid(format!(
                    "no template has @predicate(\"{}\") (templates/*.cedar)",
                    clause.predicate
                ))
            })?;
        self.claim(&clause.rule, file, 1)?;
        let license = EntityUid::from_type_name_and_id(
            "License"
                .parse::<EntityTypeName>()
                .map_err(|e| invalid(e.to_string()))?,
            EntityId::new(&pack.id),
        );
        self.policies
            .link(
                template,
                PolicyId::new(&clause.rule),
                std::collections::HashMap::from([(SlotId::resource(), license)]),
            )
            .map_err(|e| invalid(e.to_string()))?;
        self.reasons
            .insert(clause.rule.clone(), clause.reason.clone());
        self.cites.insert(clause.rule.clone(), ClauseKind::Regional);
        Ok(pack)
    }
}

/// The regions under `regions/` (all but the ISO list): name (the file's, uppercase) →
/// member codes, each checked to be an ISO 3166-1 alpha-2 code.
fn load_regions(
    files: &[(String, String)],
) -> Result<BTreeMap<String, BTreeSet<String>>, BundleError> {
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
        if regions.insert(name.to_uppercase(), members).is_some() {
            return Err(BundleError::Invalid {
                file: file.clone(),
                line: 1,
                message: format!("a second region named `{}`", name.to_uppercase()),
            });
        }
    }
    Ok(regions)
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
        for (sub, extension) in [("", "cedar"), ("templates", "cedar"), ("regions", "txt")] {
            let folder = dir.join(sub);
            if sub == "templates" && !folder.is_dir() {
                continue;
            }
            for name in sorted_names(&folder, |name, path| {
                path.is_file() && name.ends_with(&format!(".{extension}"))
            })? {
                let relative = if sub.is_empty() {
                    name.clone()
                } else {
                    format!("{sub}/{name}")
                };
                files.push(read(&folder.join(&name), relative)?);
            }
        }
        let licenses = dir.join("licenses");
        if licenses.is_dir() {
            for id in sorted_names(&licenses, |_, path| path.join("license.toml").is_file())? {
                let path = licenses.join(&id).join("license.toml");
                files.push(read(&path, format!("licenses/{id}/license.toml"))?);
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

        let mut rules = Rules::default();
        for (file, text) in files.iter().filter(|(n, _)| n.ends_with(".cedar")) {
            rules.add_file(file, text)?;
        }
        if rules.reasons.is_empty() {
            return Err(BundleError::Missing("the bundle has no policies".into()));
        }
        let regions = load_regions(&files)?;
        for required in ["EU", "EMBARGO"] {
            if !regions.contains_key(required) {
                return Err(BundleError::Missing(format!(
                    "the bundle has no regions/{}.txt",
                    required.to_lowercase()
                )));
            }
        }
        let mut packs = BTreeMap::new();
        for (file, text) in files
            .iter()
            .filter(|(n, _)| n.starts_with("licenses/") && n.ends_with("/license.toml"))
        {
            let pack = rules.add_pack(file, text, &regions)?;
            if packs.insert(pack.id.clone(), pack).is_some() {
                return Err(BundleError::Invalid {
                    file: file.clone(),
                    line: 1,
                    message: "a second pack for the same license".into(),
                });
            }
        }

        let Rules {
            policies,
            reasons,
            cites,
            sources,
            ..
        } = rules;
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
        let prepared = super::decide::Prepared::new(&schema, &policies, &regions, &packs)
            .map_err(|e| BundleError::Missing(e.to_string()))?;
        Ok(PolicyBundle {
            schema,
            reasons,
            cites,
            packs,
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

    /// The clause of `license` that rule `policy_id` enforces, where it cites one.
    pub fn citation(&self, policy_id: &str, license: &str) -> Option<Citation> {
        let kind = self.cites.get(policy_id)?;
        self.packs.get(license)?.cite(*kind)
    }

    /// Whether a regional clause of its license reaches `model` (as the rules'
    /// `resource.terms.clause != "none" && (resource.multimodal ||
    /// resource.terms.all_models)`): such grants are bound to the location they were
    /// decided from. A license without a pack counts as restricting.
    pub fn restricts(&self, model: &ModelFacts) -> bool {
        match self.packs.get(&model.license) {
            None => true,
            Some(pack) => pack.regional_clause.as_ref().is_some_and(|clause| {
                model.multimodal || clause.models == super::packs::Reach::All
            }),
        }
    }

    /// The license packs, by license id.
    pub fn packs(&self) -> &BTreeMap<String, LicensePack> {
        &self.packs
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
    /// rules and the packs' clause titles say, and every shipped rule and clause needs them
    /// (the i18n test then asks every language).
    #[test]
    fn every_shipped_rule_and_clause_has_its_messages() {
        use crate::i18n::{rule_message_id, Lang};
        let bundle = PolicyBundle::embedded().expect("embedded");
        let mut rules = 0;
        for rule in bundle.policy_ids() {
            rules += 1;
            let reason = Lang::En.try_text(&rule_message_id("reason", rule), &[]);
            assert_eq!(reason.as_deref(), Some(bundle.reason(rule)), "`{rule}`");
        }
        assert!(rules > 20);
        for pack in bundle.packs().values() {
            for kind in [ClauseKind::Regional, ClauseKind::MonthlyActiveUsers] {
                if let Some(citation) = pack.cite(kind) {
                    let message = Lang::En.try_text(&citation.message_id(), &[]);
                    assert_eq!(
                        message.as_deref(),
                        Some(citation.title.as_str()),
                        "{citation:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn packs_link_their_rules_and_are_checked_against_the_bundle() {
        let bundle = PolicyBundle::embedded().expect("embedded");
        assert_eq!(
            bundle.packs().keys().collect::<Vec<_>>(),
            ["hunyuan", "llama-3.1", "llama-3.2", "llama-4"]
        );
        assert!(bundle
            .policy_ids()
            .any(|id| id == "territory.hunyuan-excluded"));
        let cited = bundle
            .citation("eu.multimodal-withheld", "llama-3.2")
            .expect("cited");
        assert_eq!(
            (cited.license.as_str(), cited.version.as_str()),
            ("llama-3.2", "2024-09-25")
        );
        let pack = |extra: &str| {
            format!("id = \"x\"\nversion = \"1\"\ntitle = \"X\"\nmodalities = [\"text\"]\n{extra}")
        };
        let clause = |rule: &str, predicate: &str, region: &str| {
            format!("[regional_clause]\nrule = \"{rule}\"\npredicate = \"{predicate}\"\nregions = [\"{region}\"]\nmodels = \"all\"\ntitle = \"t\"\nreason = \"r\"\n")
        };
        for (name, text, problem) in [
            (
                "licenses/y/license.toml",
                pack(""),
                "differs from its folder",
            ),
            (
                "licenses/x/license.toml",
                pack(&clause("x.rule", "moon", "EU")),
                "no template",
            ),
            (
                "licenses/x/license.toml",
                pack(&clause("x.rule", "domicile", "MARS")),
                "no file regions/mars.txt",
            ),
            (
                "licenses/x/license.toml",
                pack(&clause("review.pending", "domicile", "EU")),
                "already used",
            ),
        ] {
            let err = with(name, &text).expect_err(problem);
            assert!(err.to_string().contains(problem), "{err}");
        }
        let err = with("regions/EU.txt", "AT\n").expect_err("a second EU");
        assert!(err.to_string().contains("second region"), "{err}");
        let err = with(
            "templates/lenient.cedar",
            "@predicate(\"lenient\")\npermit (principal, action, resource in ?resource);\n",
        )
        .expect_err("a permit template");
        assert!(err.to_string().contains("must forbid"), "{err}");
        let added = with(
            "licenses/x/license.toml",
            &pack(&clause("x.rule", "territory", "KR")),
        )
        .expect("a new pack");
        assert!(added.policy_ids().any(|id| id == "x.rule"));
        let err = with("regions/embargo.txt", "").map(|_| ()).and_then(|_| {
            let mut files = files();
            files.retain(|(n, _)| n != "regions/embargo.txt");
            PolicyBundle::from_files(files).map(|_| ())
        });
        assert!(err
            .expect_err("no embargo list")
            .to_string()
            .contains("embargo.txt"));
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
