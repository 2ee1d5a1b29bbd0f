//! `modelgate policy check` (validate the bundle) and `modelgate policy test` (run the
//! expected-decision table, one line per case, exit 1 on any mismatch).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

use crate::access::gather;
use crate::config::Settings;
use crate::domain::{Email, ModelId};
use crate::geo::GeoSignal;
use crate::licensing::documents::LicenseDocuments;
use crate::policy::decide::{Action, Outcome};
use crate::policy::table::{parse_table, run_table, table_files};
use crate::policy::PolicyBundle;

#[derive(Debug, clap::Subcommand)]
pub enum PolicyCommand {
    /// Validate the policy bundle strictly against its schema and print its digest.
    Check {
        /// The bundle directory (default: `policy.dir`).
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// Run every table under `<dir>/tests/` and report each case.
    Test {
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// What would be decided for a user and a model, and why (with the user's review
    /// state); grants nothing and records nothing.
    Explain {
        /// The user's email.
        #[arg(long)]
        user: Email,
        /// The model, `org/name`.
        #[arg(long)]
        model: ModelId,
        #[arg(long, value_enum, default_value = "download")]
        action: ExplainAction,
        /// A client IP to look up in the configured GeoIP database (instead of assuming
        /// `--geo-country` and `--anonymous-proxy`).
        #[arg(long)]
        ip: Option<std::net::IpAddr>,
        /// A GeoIP country to assume (`EU` for a continent-level answer).
        #[arg(long, default_value = "")]
        geo_country: String,
        /// Assume the request comes through an anonymising proxy.
        #[arg(long)]
        anonymous_proxy: bool,
    },
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum ExplainAction {
    Download,
    Validate,
    Generate,
    Mirror,
}

async fn explain(
    settings: Settings,
    user: Email,
    model: ModelId,
    action: Action,
    signals: ExplainSignals,
) -> anyhow::Result<ExitCode> {
    let (state, _) = crate::startup::open_state(&settings).await?;
    let account = crate::db::accounts::user_by_email(&state.db, user.as_str())
        .await?
        .ok_or_else(|| anyhow::anyhow!("no account `{user}`"))?;
    let assumed = signals.ip.is_none().then(|| GeoSignal {
        country: (!signals.geo_country.is_empty())
            .then(|| signals.geo_country.to_ascii_uppercase()),
        anonymous_proxy: signals.anonymous_proxy,
    });
    let inputs = gather(&state, &account.id, &model, None, signals.ip, assumed)
        .await
        .map_err(|e| anyhow::anyhow!("{}", crate::error::ApiError::from(e)))?;
    let decision = state.policy.get().decide(
        &inputs.licensee.facts,
        action,
        &inputs.model,
        &inputs.signals,
    )?;
    let licensee = &inputs.licensee.facts;
    println!("{:?} for {user} to {action:?} {model}", decision.outcome);
    println!(
        "  licensee: {} in {} (accepted current license: {}, terminated: {})",
        licensee.kind,
        licensee.country,
        licensee.accepted_current_license,
        licensee.entitlement_revoked
    );
    println!(
        "  model: {} ({}, license {}, revision sha256:{})",
        inputs.model.id,
        if inputs.model.multimodal {
            "multimodal"
        } else {
            "text"
        },
        inputs.model.license,
        inputs.revision.digest
    );
    println!(
        "  signals: GeoIP country {}, anonymising proxy {}, review {}",
        if inputs.signals.geo_country.is_empty() {
            "unknown"
        } else {
            &inputs.signals.geo_country
        },
        inputs.signals.anonymous_proxy,
        inputs.signals.review
    );
    for reason in &decision.reasons {
        println!("  {}: {}", reason.policy, reason.message);
    }
    println!("  policy bundle sha256:{}", decision.bundle_digest);
    Ok(ExitCode::SUCCESS)
}

/// The signals `explain` assumes: looked up for `--ip`, else as given.
#[derive(Debug)]
struct ExplainSignals {
    ip: Option<std::net::IpAddr>,
    geo_country: String,
    anonymous_proxy: bool,
}

pub fn run(settings: Settings, command: PolicyCommand) -> anyhow::Result<ExitCode> {
    match command {
        PolicyCommand::Explain {
            user,
            model,
            action,
            ip,
            geo_country,
            anonymous_proxy,
        } => {
            let action = match action {
                ExplainAction::Download => Action::Download,
                ExplainAction::Validate => Action::Validate,
                ExplainAction::Generate => Action::Generate,
                ExplainAction::Mirror => Action::Mirror,
            };
            let signals = ExplainSignals {
                ip,
                geo_country,
                anonymous_proxy,
            };
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()?;
            runtime.block_on(explain(settings, user, model, action, signals))
        }
        PolicyCommand::Check { dir } => {
            let dir = dir.unwrap_or(settings.policy.dir);
            let bundle = match PolicyBundle::load(&dir) {
                Ok(bundle) => bundle,
                Err(e) => {
                    eprintln!("INVALID: {e}");
                    return Ok(ExitCode::from(1));
                }
            };
            println!(
                "OK: policy bundle {} (sha256:{})",
                dir.display(),
                bundle.digest()
            );
            for id in bundle.policy_ids() {
                println!("  {id}: {}", bundle.reason(id));
            }
            let mut problems = Vec::new();
            for pack in bundle.packs().values() {
                let folder = dir.join("licenses").join(&pack.id);
                // A pack is complete with its documents and its expected decisions.
                if folder.is_dir() {
                    if let Err(e) = LicenseDocuments::load_dir(&folder) {
                        problems.push(format!("{e:#}"));
                    }
                    match std::fs::read_to_string(folder.join("decisions.toml")) {
                        Ok(text) => {
                            if let Err(e) = parse_table(&text) {
                                problems.push(format!("{}/decisions.toml: {e}", folder.display()));
                            }
                        }
                        Err(_) => problems.push(format!(
                            "{}: the pack has no decisions.toml",
                            folder.display()
                        )),
                    }
                }
                let clause = pack.regional_clause.as_ref().map_or_else(
                    || "no regional clause".to_owned(),
                    |c| {
                        format!(
                            "{} clause on {} ({})",
                            c.predicate,
                            c.regions.join(", "),
                            c.rule
                        )
                    },
                );
                let users = pack
                    .monthly_active_users
                    .as_ref()
                    .map_or_else(String::new, |u| {
                        format!("; over {} monthly active users: review", u.limit)
                    });
                println!("  license {} {}: {clause}{users}", pack.id, pack.version);
            }
            if !problems.is_empty() {
                for problem in problems {
                    eprintln!("INVALID: {problem}");
                }
                return Ok(ExitCode::from(1));
            }
            Ok(ExitCode::SUCCESS)
        }
        PolicyCommand::Test { dir } => {
            let dir = dir.unwrap_or(settings.policy.dir);
            let bundle = PolicyBundle::load(&dir)?;
            let files = table_files(&dir)
                .with_context(|| format!("reading the tables of `{}`", dir.display()))?;
            anyhow::ensure!(
                !files.is_empty(),
                "no expected-decision tables in `{}` (tests/*.toml, licenses/<id>/decisions.toml)",
                dir.display()
            );
            let (mut passed, mut failed) = (0, 0);
            for (file, license) in files {
                let text = std::fs::read_to_string(&file)
                    .with_context(|| format!("reading `{}`", file.display()))?;
                let table =
                    parse_table(&text).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
                for result in run_table(&bundle, &table, &license) {
                    let actual = result.actual.map_or("error", Outcome::as_str);
                    let expected = result.expected.as_str();
                    if result.passed {
                        passed += 1;
                        println!(
                            "ok    {:<6} {} ({})",
                            actual,
                            result.name,
                            result.policies.join(", ")
                        );
                    } else {
                        failed += 1;
                        let problem = result.problem.map(|p| format!("; {p}")).unwrap_or_default();
                        println!(
                            "FAIL  {:<6} {} (expected {expected}, policies: {}{problem})",
                            actual,
                            result.name,
                            result.policies.join(", ")
                        );
                    }
                }
            }
            println!(
                "policy test: {passed} passed, {failed} failed (bundle sha256:{})",
                bundle.digest()
            );
            Ok(if failed == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
    }
}
