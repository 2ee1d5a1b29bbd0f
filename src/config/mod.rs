//! Typed settings, layered: built-in defaults -> `modelgate.toml` -> `MODELGATE__SECTION__KEY`
//! environment variables (secrets also as `..._FILE`) -> command-line flags. The sections are
//! in `runtime` (what the process runs on) and `features` (what the gateway does).

use std::fmt;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use anyhow::Context;
use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};

mod features;
mod runtime;

pub use features::{
    AuditSettings, AuthSettings, CatalogSettings, GeoIpSettings, GrantSettings, InferenceSettings,
    MailSettings, MirrorSettings, PolicySettings,
};
pub use runtime::{
    BlobBackend, DatabaseSettings, LogFormat, LogSettings, S3Settings, ServerSettings,
    StorageSettings,
};

/// The whole configuration of one gateway process.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    pub server: ServerSettings,
    pub storage: StorageSettings,
    pub database: DatabaseSettings,
    pub catalog: CatalogSettings,
    pub auth: AuthSettings,
    pub mail: MailSettings,
    pub policy: PolicySettings,
    pub geoip: GeoIpSettings,
    pub grants: GrantSettings,
    pub audit: AuditSettings,
    pub mirror: MirrorSettings,
    pub inference: InferenceSettings,
    pub log: LogSettings,
}

impl Settings {
    /// The database URL to connect to, after applying the embedded default.
    pub fn database_url(&self) -> String {
        if self.database.url.expose().is_empty() {
            let file = self.storage.data_dir.join("modelgate.db");
            format!("sqlite://{}?mode=rwc", file.display())
        } else {
            self.database.url.expose().to_owned()
        }
    }

    /// The URL people should open; `public_url` when set.
    pub fn public_url(&self, bound_port: u16) -> String {
        if !self.server.public_url.is_empty() {
            return self.server.public_url.trim_end_matches('/').to_owned();
        }
        match self.server.host {
            IpAddr::V6(v6) => format!("http://[{v6}]:{bound_port}"),
            IpAddr::V4(v4) => format!("http://{v4}:{bound_port}"),
        }
    }
}

/// A secret string: never printed by `Debug`, redacted by `config show`.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_empty() {
            "\"\""
        } else {
            "\"[redacted]\""
        })
    }
}

/// Prefix of every environment variable that configures modelgate.
pub const ENV_PREFIX: &str = "MODELGATE__";

/// The settings that hold secrets, as `(section, key)`; each may also come from a file
/// named by `MODELGATE__SECTION__KEY_FILE` (Docker and Kubernetes secrets).
const SECRET_KEYS: &[(&str, &str)] = &[
    ("database", "url"),
    ("storage.s3", "access_key_id"),
    ("storage.s3", "secret_access_key"),
    ("mirror", "partner_token"),
    ("server", "metrics_token"),
];

impl Settings {
    /// Resolves the layers. `file` is the TOML file to read (missing is fine unless it was
    /// named explicitly); `overrides` are the command-line flags, applied last.
    pub fn load(file: Option<&Path>, overrides: &figment::value::Dict) -> anyhow::Result<Settings> {
        let (path, required) = match file {
            Some(p) => (p.to_path_buf(), true),
            None => (PathBuf::from("modelgate.toml"), false),
        };
        if required && !path.exists() {
            anyhow::bail!("config file `{}` does not exist", path.display());
        }
        let mut figment = Figment::from(Serialized::defaults(Settings::default()))
            .merge(Toml::file(&path))
            .merge(
                Env::prefixed(ENV_PREFIX)
                    .split("__")
                    .filter(|k| !k.as_str().to_ascii_lowercase().ends_with("_file")),
            );
        for (section, key) in SECRET_KEYS {
            let var = format!(
                "{ENV_PREFIX}{}__{}_FILE",
                section.replace('.', "__").to_uppercase(),
                key.to_uppercase()
            );
            if let Ok(secret_path) = std::env::var(&var) {
                let value = std::fs::read_to_string(&secret_path)
                    .with_context(|| format!("reading `{secret_path}` named by {var}"))?;
                figment = figment.merge(Serialized::default(
                    &format!("{section}.{key}"),
                    value.trim_end(),
                ));
            }
        }
        let settings: Settings = figment
            .merge(Serialized::defaults(overrides))
            .extract()
            .map_err(|e| anyhow::anyhow!("invalid configuration: {e}"))?;
        if settings.grants.downloads_per_blob == 0 || settings.grants.ttl_secs == 0 {
            anyhow::bail!(
                "invalid configuration: grants.ttl_secs and grants.downloads_per_blob must be at least 1"
            );
        }
        Ok(settings)
    }

    /// The resolved settings as TOML with every secret replaced by `[redacted]`.
    pub fn redacted_toml(&self) -> anyhow::Result<String> {
        let mut copy = self.clone();
        for secret in [
            &mut copy.database.url,
            &mut copy.mirror.partner_token,
            &mut copy.server.metrics_token,
            &mut copy.storage.s3.access_key_id,
            &mut copy.storage.s3.secret_access_key,
        ] {
            if !secret.expose().is_empty() {
                *secret = Secret::new("[redacted]");
            }
        }
        toml_string(&copy)
    }
}

/// The settings as TOML, each key annotated with its environment variable; nested
/// sections (`[storage.s3]`) follow their parent.
fn toml_string(settings: &Settings) -> anyhow::Result<String> {
    let value = figment::value::Value::serialize(settings)?;
    let dict = value.into_dict().context("settings serialise to a table")?;
    let mut out = String::new();
    for (section, body) in dict {
        if let Some(entries) = body.into_dict() {
            write_section(&mut out, &[section.as_str()], entries)?;
        }
    }
    Ok(out)
}

fn write_section(
    out: &mut String,
    path: &[&str],
    entries: figment::value::Dict,
) -> anyhow::Result<()> {
    out.push_str(&format!("[{}]\n", path.join(".")));
    let env_path = path.join("__").to_uppercase();
    let mut nested = Vec::new();
    for (key, value) in entries {
        match value {
            figment::value::Value::Dict(_, table) => nested.push((key, table)),
            value => {
                let json = serde_json::to_string(&value)?;
                out.push_str(&format!(
                    "{key} = {json}    # {ENV_PREFIX}{env_path}__{}\n",
                    key.to_uppercase()
                ));
            }
        }
    }
    out.push('\n');
    for (key, table) in nested {
        let mut child = path.to_vec();
        child.push(&key);
        write_section(out, &child, table)?;
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::result_large_err)] // figment::Jail's closure returns figment::Error
mod tests {
    use super::*;

    #[test]
    fn layers_apply_in_order_file_then_env_then_flags() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "modelgate.toml",
                "[server]\nport = 9000\nworkers = 3\n[log]\nlevel = \"debug\"\n",
            )?;
            jail.set_env("MODELGATE__SERVER__PORT", "9100");
            let mut flags = figment::value::Dict::new();
            flags.insert(
                "log".into(),
                figment::value::Value::from(figment::value::Dict::from_iter([(
                    "level".to_string(),
                    figment::value::Value::from("warn"),
                )])),
            );
            let s = Settings::load(None, &flags).map_err(|e| e.to_string())?;
            assert_eq!(s.server.workers, 3, "file beats default");
            assert_eq!(s.server.port, 9100, "env beats file");
            assert_eq!(s.log.level, "warn", "flag beats file");
            Ok(())
        });
    }

    #[test]
    fn secrets_come_from_files_and_never_print() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("db-url", "postgres://u:hunter2@db/modelgate\n")?;
            jail.set_env("MODELGATE__DATABASE__URL_FILE", "db-url");
            let s = Settings::load(None, &Default::default()).map_err(|e| e.to_string())?;
            assert_eq!(s.database.url.expose(), "postgres://u:hunter2@db/modelgate");
            assert!(!format!("{s:?}").contains("hunter2"));
            assert!(!s
                .redacted_toml()
                .map_err(|e| e.to_string())?
                .contains("hunter2"));
            Ok(())
        });
    }

    #[test]
    fn unknown_keys_are_rejected() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("modelgate.toml", "[server]\nprot = 1\n")?;
            assert!(Settings::load(None, &Default::default()).is_err());
            Ok(())
        });
    }
}
