//! `modelgate admin create --email E [--role R] [--password-stdin]`: the first admin (or any
//! staff account). Without `--password-stdin` a strong password is generated and printed once.
//! `modelgate admin create-partner --name N --country CC --contact E`: a partner and its token.

use std::io::Read;
use std::process::ExitCode;

use crate::config::Settings;
use crate::domain::{CountryCode, Email, Role};
use crate::mirror::partners::{create_partner, NewPartner};
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
    /// Create a partner (a mirror operator) and print its partner token once.
    CreatePartner {
        /// The partner's legal name.
        #[arg(long)]
        name: String,
        /// Principal place of business, ISO 3166-1 alpha-2 (e.g. `NO`).
        #[arg(long)]
        country: CountryCode,
        /// Contact email; also the partner account's email.
        #[arg(long)]
        contact: Email,
    },
}

/// A generated password: 128 random bits, 32 hex characters.
pub fn generated_password() -> String {
    crate::random::random_hex(16)
}

pub async fn run(settings: Settings, command: AdminCommand) -> anyhow::Result<ExitCode> {
    let (email, role, password_stdin) = match command {
        AdminCommand::Create {
            email,
            role,
            password_stdin,
        } => (email, role, password_stdin),
        AdminCommand::CreatePartner {
            name,
            country,
            contact,
        } => {
            let (state, _) = open_state(&settings).await?;
            let new = NewPartner {
                name,
                country,
                contact,
            };
            let (row, token) = create_partner(&state, &new, Some("cli"))
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!(
                "created partner {} ({}, contact {}, id {})",
                row.name, row.country, row.contact, row.user_id
            );
            println!("partner token: {token}");
            println!("(shown once; the partner accepts the license with it, then runs `modelgate mirror sync`)");
            return Ok(ExitCode::SUCCESS);
        }
    };
    let (password, generated) = if password_stdin {
        let mut input = String::new();
        std::io::stdin().read_to_string(&mut input)?;
        (input.trim_end_matches(['\r', '\n']).to_owned(), false)
    } else {
        (generated_password(), true)
    };
    let (state, _) = open_state(&settings).await?;
    let id = crate::accounts::create_account(&state, &email, password.clone(), role)
        .await
        .map_err(|e| anyhow::anyhow!("{}", crate::error::ApiError::from(e)))?;
    println!("created {role} account {email} (id {id})");
    if generated {
        println!("password: {password}");
        println!("(shown once; sign in with POST /v1/auth/login)");
    }
    Ok(ExitCode::SUCCESS)
}
