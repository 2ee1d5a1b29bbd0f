//! `modelgate review list|show|approve|deny`: the review queue for compliance staff at the
//! command line, on the same database and with the same audit events as the API.

use std::process::ExitCode;

use crate::access::review::{decide_case, Verdict};
use crate::config::Settings;
use crate::db::accounts;
use crate::db::reviews::{self, ReviewRow};
use crate::domain::rfc3339;
use crate::domain::{Email, Role};
use crate::startup::open_state;

#[derive(Debug, clap::Subcommand)]
pub enum ReviewCommand {
    /// List cases, oldest first.
    List {
        /// `open`, `approved` or `denied`; all when absent.
        #[arg(long)]
        state: Option<String>,
    },
    /// Show one case with the inputs that opened it.
    Show { id: String },
    /// Approve a case: later decisions for that user and model no longer hold on the signals.
    Approve {
        id: String,
        /// Why (kept in the case and the audit log).
        #[arg(long)]
        note: String,
        /// The email of the compliance or admin account deciding.
        #[arg(long)]
        by: Email,
    },
    /// Deny a case: later decisions for that user and model are denied.
    Deny {
        id: String,
        #[arg(long)]
        note: String,
        #[arg(long)]
        by: Email,
    },
}

fn print_case(case: &ReviewRow) {
    println!(
        "{}  {:<8}  {}  {}  opened {}",
        case.id,
        case.state,
        case.model_id,
        case.email,
        rfc3339(case.opened_at)
    );
}

pub async fn run(settings: Settings, command: ReviewCommand) -> anyhow::Result<ExitCode> {
    let (state, _) = open_state(&settings).await?;
    let db = &state.db;
    let (id, verdict, note, by) = match command {
        ReviewCommand::List { state: wanted } => {
            for case in reviews::list(db, wanted.as_deref(), None).await? {
                print_case(&case);
            }
            return Ok(ExitCode::SUCCESS);
        }
        ReviewCommand::Show { id } => {
            let Some(case) = reviews::find(db, &id).await? else {
                eprintln!("no review case `{id}`");
                return Ok(ExitCode::from(1));
            };
            println!(
                "{}",
                serde_json::to_string_pretty(&crate::access::review::ReviewCase::of(&case))?
            );
            return Ok(ExitCode::SUCCESS);
        }
        ReviewCommand::Approve { id, note, by } => (id, Verdict::Approve, note, by),
        ReviewCommand::Deny { id, note, by } => (id, Verdict::Deny, note, by),
    };
    let staff = accounts::user_by_email(db, by.as_str())
        .await?
        .filter(|u| u.role == Role::Compliance.as_str() || u.role == Role::Admin.as_str())
        .ok_or_else(|| anyhow::anyhow!("`{by}` is not a compliance or admin account"))?;
    let (case, entry) = decide_case(db, &id, verdict, (&staff.id, &staff.email), &note)
        .await
        .map_err(|e| anyhow::anyhow!("{}", crate::error::ApiError::from(e)))?;
    print_case(&case);
    println!("audit entry: {entry}");
    Ok(ExitCode::SUCCESS)
}
