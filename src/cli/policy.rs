//! `modelgate policy check` (validate the bundle) and `modelgate policy test` (run the
//! expected-decision table, one line per case, exit 1 on any mismatch).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

use crate::config::Settings;
use crate::policy::table::{parse_table, run_table};
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
}

pub fn run(settings: Settings, command: PolicyCommand) -> anyhow::Result<ExitCode> {
    match command {
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
            Ok(ExitCode::SUCCESS)
        }
        PolicyCommand::Test { dir } => {
            let dir = dir.unwrap_or(settings.policy.dir);
            let bundle = PolicyBundle::load(&dir)?;
            let tests = dir.join("tests");
            let mut files: Vec<PathBuf> = std::fs::read_dir(&tests)
                .with_context(|| format!("reading `{}`", tests.display()))?
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "toml"))
                .collect();
            files.sort();
            anyhow::ensure!(
                !files.is_empty(),
                "no expected-decision tables in `{}`",
                tests.display()
            );
            let (mut passed, mut failed) = (0, 0);
            for file in files {
                let text = std::fs::read_to_string(&file)
                    .with_context(|| format!("reading `{}`", file.display()))?;
                let table =
                    parse_table(&text).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
                for result in run_table(&bundle, &table) {
                    let actual = result
                        .actual
                        .map_or("error".to_string(), |o| format!("{o:?}").to_lowercase());
                    let expected = format!("{:?}", result.expected).to_lowercase();
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
