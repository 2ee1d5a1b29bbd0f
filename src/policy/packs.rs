//! License packs: one folder per license under `policies/licenses/<id>/` with its documents
//! and `license.toml`, the license's metadata and its clauses as data (the regional
//! clause's predicate, regions and reach; the monthly-active-users limit). The bundle links
//! the generic template of each pack's predicate under the pack's rule id, so a new license
//! is a new folder, not new code.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::{valid_license_id, Modality};

/// `license.toml`: the license's metadata and clause parameters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LicensePack {
    pub id: String,
    pub version: String,
    pub title: String,
    pub modalities: Vec<Modality>,
    /// Who or where the license withholds its models from; `None`: no regional clause.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regional_clause: Option<RegionalClause>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monthly_active_users: Option<UserLimit>,
}

/// A regional clause, enforced by `policies/templates/<predicate>.cedar` under `rule`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionalClause {
    /// The policy id decisions cite (unique in the bundle).
    pub rule: String,
    /// The template that enforces it: `domicile` or `territory` as shipped.
    pub predicate: String,
    /// Region names (files under `policies/regions/`).
    pub regions: Vec<String>,
    pub models: Reach,
    /// The clause as the license names it ("… license, section 4: …").
    pub title: String,
    /// The sentence a person reads when the clause decides.
    pub reason: String,
}

/// Which models of the license a clause reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Reach {
    Multimodal,
    All,
}

/// A monthly-active-users limit above which the license needs a separate agreement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserLimit {
    pub limit: i64,
    pub title: String,
}

/// Which clause of its license a rule enforces (a rule's `@cites` annotation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ClauseKind {
    #[serde(rename = "regional_clause")]
    Regional,
    MonthlyActiveUsers,
}

impl ClauseKind {
    /// The kind an `@cites("…")` annotation names.
    pub fn of_annotation(value: &str) -> Option<Self> {
        match value {
            "regional_clause" => Some(ClauseKind::Regional),
            "monthly_active_users" => Some(ClauseKind::MonthlyActiveUsers),
            _ => None,
        }
    }
}

/// The clause of a license that a decision rests on, as decisions and the portal cite it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(as = ClauseCitation)]
pub struct Citation {
    /// The license id.
    pub license: String,
    /// Which of its clauses.
    pub clause: ClauseKind,
    /// The license version whose clause this is.
    pub version: String,
    /// The clause as the license names it.
    pub title: String,
}

impl Citation {
    /// The message id of the clause's translated title (`clause-<license>-<kind>`, dots as
    /// dashes); shown only while the pack's own title is the English message.
    pub fn message_id(&self) -> String {
        let kind = match self.clause {
            ClauseKind::Regional => "regional",
            ClauseKind::MonthlyActiveUsers => "users",
        };
        format!("clause-{}-{kind}", self.license.replace('.', "-"))
    }
}

/// Longest title or reason, in characters.
const MAX_TEXT: usize = 300;

impl LicensePack {
    /// Parses and checks `license.toml`; the error says what is wrong.
    pub fn parse(text: &str) -> Result<Self, String> {
        let pack: LicensePack = toml::from_str(text).map_err(|e| e.message().to_owned())?;
        pack.check()?;
        Ok(pack)
    }

    fn check(&self) -> Result<(), String> {
        if !valid_license_id(&self.id) {
            return Err(format!(
                "license id `{}` is invalid (expected lowercase letters, digits, `.` and `-`)",
                self.id
            ));
        }
        let text_ok = |text: &str| !text.trim().is_empty() && text.chars().count() <= MAX_TEXT;
        if !text_ok(&self.title) || !text_ok(&self.version) {
            return Err(format!(
                "`title` and `version` must be 1-{MAX_TEXT} characters"
            ));
        }
        if self.modalities.is_empty() {
            return Err("`modalities` must not be empty".into());
        }
        if let Some(clause) = &self.regional_clause {
            let rule_ok = !clause.rule.is_empty()
                && clause.rule.len() <= 80
                && clause
                    .rule
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-._".contains(&b));
            if !rule_ok {
                return Err(format!(
                    "regional_clause.rule `{}` must be lowercase letters, digits, `.`, `-` or `_`",
                    clause.rule
                ));
            }
            if clause.regions.is_empty() {
                return Err("regional_clause.regions must name at least one region".into());
            }
            if !text_ok(&clause.title) || !text_ok(&clause.reason) {
                return Err(format!(
                    "regional_clause.title and .reason must be 1-{MAX_TEXT} characters"
                ));
            }
        }
        if let Some(users) = &self.monthly_active_users {
            if users.limit <= 0 {
                return Err("monthly_active_users.limit must be a positive number".into());
            }
            if !text_ok(&users.title) {
                return Err(format!(
                    "monthly_active_users.title must be 1-{MAX_TEXT} characters"
                ));
            }
        }
        Ok(())
    }

    /// The citation of the clause of `kind`, where the license has one.
    pub fn cite(&self, kind: ClauseKind) -> Option<Citation> {
        let title = match kind {
            ClauseKind::Regional => &self.regional_clause.as_ref()?.title,
            ClauseKind::MonthlyActiveUsers => &self.monthly_active_users.as_ref()?.title,
        };
        Some(Citation {
            license: self.id.clone(),
            clause: kind,
            version: self.version.clone(),
            title: title.clone(),
        })
    }

    /// Whether the license asks where its models will be used (a territory clause).
    pub fn asks_territory(&self) -> bool {
        self.regional_clause
            .as_ref()
            .is_some_and(|c| c.predicate == "territory")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PACK: &str = "id = \"x-1\"\nversion = \"1\"\ntitle = \"X\"\nmodalities = [\"text\"]\n";

    #[test]
    fn packs_parse_strictly() {
        let pack = LicensePack::parse(PACK).expect("minimal pack");
        assert!(pack.regional_clause.is_none() && pack.cite(ClauseKind::Regional).is_none());
        for (extra, problem) in [
            ("surprise = 1\n", "unknown field"),
            ("[monthly_active_users]\nlimit = 0\ntitle = \"t\"\n", "positive"),
            ("[regional_clause]\nrule = \"A\"\npredicate = \"domicile\"\nregions = [\"EU\"]\nmodels = \"all\"\ntitle = \"t\"\nreason = \"r\"\n", "lowercase"),
            ("[regional_clause]\nrule = \"a\"\npredicate = \"domicile\"\nregions = []\nmodels = \"all\"\ntitle = \"t\"\nreason = \"r\"\n", "at least one region"),
            ("[regional_clause]\nrule = \"a\"\npredicate = \"domicile\"\nregions = [\"EU\"]\nmodels = \"some\"\ntitle = \"t\"\nreason = \"r\"\n", "unknown variant"),
        ] {
            let err = LicensePack::parse(&format!("{PACK}{extra}")).expect_err(extra);
            assert!(err.contains(problem), "{extra}: {err}");
        }
    }
}
