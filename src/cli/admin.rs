//! `modelgate admin create --email E [--role R] [--password-stdin]`: the first admin (or any
//! staff account). Without `--password-stdin` a strong password is generated and printed once.

use std::io::Read;
use std::process::ExitCode;

use crate::config::Settings;
use crate::domain::{Email, Role};
use crate::startup::open_state;

#[derive(Debug, clap::Subcommand)]
pub enum AdminCommand {
    /// Create an account with a staff role.
    Create {
        #[arg(long)]
        email: Email,
        /// `admin`, `compliance`, `partner` or `user`.
        #[arg(long, default_value = "admin")]
        role: Role,
        /// Read the password from standard input instead of generating one.
        #[arg(long)]
        password_stdin: bool,
    },
}

/// A generated password: 128 random bits, 32 hex characters.
pub fn generated_password() -> String {
    crate::random::random_hex(16)
}

pub async fn run(settings: Settings, command: AdminCommand) -> anyhow::Result<ExitCode> {
    let AdminCommand::Create {
        email,
        role,
        password_stdin,
    } = command;
    let (password, generated) = if password_stdin {
        let mut input = String::new();
        std::io::stdin().read_to_string(&mut input)?;
        (input.trim_end_matches(['\r', '\n']).to_owned(), false)
    } else {
        (generated_password(), true)
    };
    let (state, _) = open_state(&settings).await?;
    let id = crate::routes::create_account(&state, &email, password.clone(), role)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    println!("created {role} account {email} (id {id})");
    if generated {
        println!("password: {password}");
        println!("(shown once; sign in with POST /v1/auth/login)");
    }
    Ok(ExitCode::SUCCESS)
}
