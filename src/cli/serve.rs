//! `modelgate serve [--demo]`: run the gateway; with `--demo`, generate and publish the
//! demo models first.

use std::net::IpAddr;
use std::process::ExitCode;

use anyhow::Context;
use figment::value::Value;

use crate::catalog::publish::{publish_dir, PublishRequest};
use crate::config::Settings;
use crate::demo;
use crate::domain::{Email, Role};
use crate::startup::{open_state, Application};

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address to bind.
    #[arg(long)]
    host: Option<IpAddr>,
    /// Port to bind (0 picks a free one).
    #[arg(long)]
    port: Option<u16>,
    /// Generate and publish the demo models before serving.
    #[arg(long, conflicts_with = "mirror_of")]
    demo: bool,
    /// Serve as a partner mirror of this upstream gateway: its synced catalog, its policy
    /// and licenses, and an audit outbox to it (run `modelgate mirror sync` first).
    #[arg(long, value_name = "URL")]
    mirror_of: Option<String>,
    /// The partner token upstream issued (for the audit outbox).
    #[arg(long, env = "MODELGATE_PARTNER_TOKEN", hide_env_values = true)]
    partner_token: Option<String>,
}

impl ServeArgs {
    pub fn add_overrides(&self, set: &mut impl FnMut(&str, &str, Value)) {
        if let Some(host) = self.host {
            set("server", "host", Value::from(host.to_string()));
        }
        if let Some(port) = self.port {
            set("server", "port", Value::from(port));
        }
        if let Some(upstream) = &self.mirror_of {
            set("mirror", "upstream", Value::from(upstream.clone()));
        }
        if let Some(token) = &self.partner_token {
            set("mirror", "partner_token", Value::from(token.clone()));
        }
    }
}

/// Creates `admin@modelgate.demo` with a generated password, once, and prints it.
async fn create_demo_admin(state: &crate::state::AppState) -> anyhow::Result<()> {
    if crate::db::accounts::role_exists(&state.db, Role::Admin.as_str()).await? {
        return Ok(());
    }
    let email: Email = DEMO_ADMIN.parse()?;
    let password = super::admin::generated_password();
    crate::accounts::create_account(state, &email, password.clone(), Role::Admin)
        .await
        .map_err(|e| {
            anyhow::anyhow!(
                "creating the demo admin: {}",
                crate::error::ApiError::from(e)
            )
        })?;
    println!("demo admin: {DEMO_ADMIN} / {password} (shown once)");
    Ok(())
}

const DEMO_ADMIN: &str = "admin@modelgate.demo";

pub fn run(mut settings: Settings, args: ServeArgs) -> anyhow::Result<ExitCode> {
    if args.demo && settings.auth.require_verified_email.is_none() {
        // The demo runs on one machine without a mail relay.
        settings.auth.require_verified_email = Some(false);
    }
    crate::web::server::block_on(async move {
        let (state, key) = open_state(&settings).await?;
        let modelcar_base = crate::catalog::oci_views::store_base_layer(
            &state.blobs,
            &settings.catalog.modelcar_base_layer,
        )
        .await?;
        if args.demo {
            let root = settings.storage.data_dir.join("demo-models");
            let models = tokio::task::spawn_blocking(move || demo::generate(&root)).await??;
            for model in models {
                let request = PublishRequest {
                    model: model.id.clone(),
                    license: model.license.into(),
                    modality: model.modality,
                    modelcar_base,
                };
                let published = publish_dir(
                    &state.db,
                    &state.blobs,
                    &key,
                    &model.dir,
                    request,
                    indicatif::ProgressBar::hidden(),
                )
                .await
                .with_context(|| format!("publishing demo model {}", model.id))?;
                println!(
                    "published {} ({}) revision {}",
                    model.id, model.modality, published.revision
                );
            }
        }
        if args.demo {
            create_demo_admin(&state).await?;
        }
        let app = Application::build_with_state(state)?;
        let url = app.url();
        println!("modelgate is serving on {url}");
        println!("  catalog:        curl {url}/v1/models");
        println!("  publisher key:  curl {url}/v1/keys/publisher");
        println!("  downloads:      register, attest, accept the license, then POST {url}/v1/models/<org>/<name>/access (see README)");
        println!("  audit log:      curl {url}/v1/audit/log/checkpoint   (key: {url}/v1/keys/audit.vkey; receipts: {url}/v1/audit/proof/<entry>)");
        println!("  stop with Ctrl-C");
        app.run_until_stopped().await?;
        Ok(ExitCode::SUCCESS)
    })
}
