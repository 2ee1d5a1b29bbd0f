//! The `modelgate` command line: global flags (layered over the config file and the
//! environment) and one module per subcommand.

mod admin;
mod audit;
mod config;
mod demo;
mod download;
mod keys;
mod license;
mod migrate;
mod mirror;
mod policy;
mod publish;
mod review;
mod serve;
mod validate;
mod verify;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use figment::value::{Dict, Value};

use crate::config::Settings;

/// Region-aware model licensing and distribution gateway.
#[derive(Debug, Parser)]
#[command(name = "modelgate", version, about)]
pub struct Cli {
    /// Configuration file (default: ./modelgate.toml when present).
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Data directory for the SQLite database, blobs and keys.
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Database URL, `sqlite://…` or `postgres://…`.
    #[arg(long, global = true, value_name = "URL")]
    database_url: Option<String>,
    /// Log filter, e.g. `info` or `modelgate=debug`.
    #[arg(long, global = true, value_name = "FILTER")]
    log_level: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the gateway.
    Serve(serve::ServeArgs),
    /// Apply database migrations and exit.
    Migrate,
    /// Publish a model directory as a new signed revision.
    Publish(publish::PublishArgs),
    /// Verify a downloaded model directory against its model.sig.
    Verify(verify::VerifyArgs),
    /// Run the validation vectors signed in model.sig on a downloaded model's weights.
    Validate(validate::ValidateArgs),
    /// Download a model from a gateway or mirror: signature, access, parallel resumable
    /// parts, every SHA-256 verified.
    Download(download::DownloadArgs),
    /// Demo models.
    #[command(subcommand)]
    Demo(demo::DemoCommand),
    /// Show the resolved configuration.
    #[command(subcommand)]
    Config(config::ConfigCommand),
    /// Publisher and session keys.
    #[command(subcommand)]
    Keys(keys::KeysCommand),
    /// Accounts with staff roles.
    #[command(subcommand)]
    Admin(admin::AdminCommand),
    /// License versions.
    #[command(subcommand)]
    License(license::LicenseCommand),
    /// The policy bundle: validate it, run its expected-decision table.
    #[command(subcommand)]
    Policy(policy::PolicyCommand),
    /// The audit trail: verify an export offline.
    #[command(subcommand)]
    Audit(audit::AuditCommand),
    /// The compliance review queue: list, show, approve, deny.
    #[command(subcommand)]
    Review(review::ReviewCommand),
    /// Partner mirrors: sync from upstream.
    #[command(subcommand)]
    Mirror(mirror::MirrorCommand),
}

impl Cli {
    /// The command-line layer of the configuration.
    fn overrides(&self) -> Dict {
        let mut sections: Dict = Dict::new();
        let mut set = |section: &str, key: &str, value: Value| {
            let entry = sections
                .entry(section.to_string())
                .or_insert_with(|| Value::from(Dict::new()));
            if let Value::Dict(_, dict) = entry {
                dict.insert(key.to_string(), value);
            }
        };
        if let Some(dir) = &self.data_dir {
            set(
                "storage",
                "data_dir",
                Value::from(dir.display().to_string()),
            );
        }
        if let Some(url) = &self.database_url {
            set("database", "url", Value::from(url.clone()));
        }
        if let Some(level) = &self.log_level {
            set("log", "level", Value::from(level.clone()));
        }
        if let Command::Serve(args) = &self.command {
            args.add_overrides(&mut set);
        }
        sections
    }

    /// Loads the settings, sets up logging and runs the subcommand.
    pub fn run(self) -> ExitCode {
        let settings = match Settings::load(self.config.as_deref(), &self.overrides()) {
            Ok(settings) => settings,
            Err(err) => {
                eprintln!("error: {err:#}");
                return ExitCode::from(2);
            }
        };
        crate::telemetry::init(&settings.log);
        let runtime = match tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
        {
            Ok(rt) => rt,
            Err(err) => {
                eprintln!("error: cannot start the async runtime: {err}");
                return ExitCode::from(2);
            }
        };
        let result = match self.command {
            Command::Serve(args) => serve::run(settings, args),
            Command::Migrate => runtime.block_on(migrate::run(settings)),
            Command::Publish(args) => runtime.block_on(publish::run(settings, args)),
            Command::Verify(args) => verify::run(settings, args),
            Command::Validate(args) => validate::run(settings, args),
            Command::Download(args) => runtime.block_on(download::run(args)),
            Command::Demo(cmd) => demo::run(cmd),
            Command::Config(cmd) => config::run(settings, cmd),
            Command::Keys(cmd) => keys::run(settings, cmd),
            Command::Admin(cmd) => runtime.block_on(admin::run(settings, cmd)),
            Command::License(cmd) => runtime.block_on(license::run(settings, cmd)),
            Command::Policy(cmd) => policy::run(settings, cmd),
            Command::Review(cmd) => runtime.block_on(review::run(settings, cmd)),
            Command::Audit(cmd) => runtime.block_on(audit::run(settings, cmd)),
            Command::Mirror(cmd) => runtime.block_on(mirror::run(settings, cmd)),
        };
        match result {
            Ok(code) => code,
            Err(err) => {
                eprintln!("error: {err:#}");
                ExitCode::from(2)
            }
        }
    }
}

/// A byte-counting progress bar labelled `message` on a terminal, nothing otherwise.
pub fn progress_bar(message: &'static str) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let style = indicatif::ProgressStyle::with_template(
        "{msg:>10} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
    )
    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
    indicatif::ProgressBar::new(0)
        .with_style(style)
        .with_message(message)
}
