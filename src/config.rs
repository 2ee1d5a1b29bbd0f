//! Typed settings, layered: built-in defaults -> `modelgate.toml` -> `MODELGATE__SECTION__KEY`
//! environment variables (secrets also as `..._FILE`) -> command-line flags.

use std::fmt;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use anyhow::Context;
use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};

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

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerSettings {
    /// Address to bind; `127.0.0.1` by default so a fresh start is never public.
    pub host: IpAddr,
    /// Port to bind; 0 picks a free port (tests use this).
    pub port: u16,
    /// HTTP worker threads; 0 means one per CPU core.
    pub workers: usize,
    /// Largest accepted JSON request body, in bytes.
    pub max_body_bytes: usize,
    /// Connections open at once, in all (the server stops accepting at the cap; the
    /// open-file limit is raised to fit it at start).
    pub max_connections: usize,
    /// Connections open at once from one client address (a trusted proxy's count only
    /// toward `max_connections`); one more gets `503 too-many-connections` and is closed.
    pub max_connections_per_ip: usize,
    /// Seconds a client has to send a request's headers (then the connection is closed).
    pub header_read_timeout_secs: u64,
    /// Seconds a client has to send a request's body (then `408 request-timeout`).
    pub body_read_timeout_secs: u64,
    /// Seconds given to in-flight requests on shutdown.
    pub shutdown_timeout_secs: u64,
    /// Base URL printed for people and used in absolute links; derived from host/port when empty.
    pub public_url: String,
    /// Proxies (CIDRs or addresses) whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<String>,
    /// A bearer token that lets a scraper read `/metrics` (Prometheus's
    /// `bearer_token_file`). Without it only a loopback peer may read them, and only while
    /// no trusted proxy is configured (behind a same-host proxy everyone is loopback).
    pub metrics_token: Secret,
}

impl Default for ServerSettings {
    fn default() -> Self {
        ServerSettings {
            host: IpAddr::from([127, 0, 0, 1]),
            port: 8080,
            workers: 0,
            max_body_bytes: 1 << 20,
            max_connections: 10_000,
            max_connections_per_ip: 256,
            header_read_timeout_secs: 5,
            body_read_timeout_secs: 30,
            shutdown_timeout_secs: 30,
            public_url: String::new(),
            trusted_proxies: Vec::new(),
            metrics_token: Secret::default(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StorageSettings {
    /// Holds the SQLite database, the local blob store, staging space and the keys.
    pub data_dir: PathBuf,
    /// Where the signing keys live; empty means `keys` in the data directory. Replicas
    /// share one set (a mounted secret).
    pub key_dir: PathBuf,
    /// `local` (blobs under the data directory) or `s3` (an S3-compatible bucket).
    pub backend: BlobBackend,
    pub s3: S3Settings,
}

impl Default for StorageSettings {
    fn default() -> Self {
        StorageSettings {
            data_dir: PathBuf::from("data"),
            key_dir: PathBuf::new(),
            backend: BlobBackend::Local,
            s3: S3Settings::default(),
        }
    }
}

impl StorageSettings {
    pub fn blob_dir(&self) -> PathBuf {
        self.data_dir.join("blobs")
    }

    pub fn key_dir(&self) -> PathBuf {
        if self.key_dir.as_os_str().is_empty() {
            self.data_dir.join("keys")
        } else {
            self.key_dir.clone()
        }
    }
}

/// Where blobs are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BlobBackend {
    Local,
    S3,
}

/// An S3-compatible bucket (AWS S3, Garage, MinIO, Ceph RGW ...).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct S3Settings {
    /// The service URL (`http://` is allowed, for a store on a private network); empty
    /// means AWS S3 in `region`.
    pub endpoint: String,
    /// Where clients reach the store, when not at `endpoint` (presigned redirect URLs are
    /// signed for this address); empty = `endpoint`.
    pub public_endpoint: String,
    pub region: String,
    pub bucket: String,
    /// Keys are `<prefix>/sha256/..`; empty for the bucket's root.
    pub prefix: String,
    pub access_key_id: Secret,
    pub secret_access_key: Secret,
    /// `bucket.endpoint/key` instead of `endpoint/bucket/key`.
    pub virtual_hosted_style: bool,
    /// Upload part size for large blobs (5 MiB, S3's minimum, to 512 MiB); files up to
    /// this size go up in one PUT.
    pub part_size_bytes: usize,
    pub connect_timeout_secs: u64,
    /// Deadline of each store request up to its first byte (a body then streams for as
    /// long as the client reads it).
    pub request_timeout_secs: u64,
    /// Retries of a failed store request, and the time they may take in all.
    pub max_retries: usize,
    pub retry_timeout_secs: u64,
    /// After the grant check, answer a fresh blob `GET` with a redirect to a presigned URL of
    /// the store (at `public_endpoint` when set) instead of streaming it through the gateway.
    pub redirect_downloads: bool,
    pub presign_ttl_secs: u64,
}

impl Default for S3Settings {
    fn default() -> Self {
        S3Settings {
            endpoint: String::new(),
            public_endpoint: String::new(),
            region: "us-east-1".into(),
            bucket: String::new(),
            prefix: String::new(),
            access_key_id: Secret::default(),
            secret_access_key: Secret::default(),
            virtual_hosted_style: false,
            part_size_bytes: 16 << 20,
            connect_timeout_secs: 5,
            request_timeout_secs: 30,
            max_retries: 2,
            retry_timeout_secs: 10,
            redirect_downloads: false,
            presign_ttl_secs: 300,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseSettings {
    /// `sqlite://…` or `postgres://…`; empty means `modelgate.db` in the data directory.
    pub url: Secret,
    pub max_connections: u32,
    /// Seconds a request waits for a database connection before it fails with
    /// `database-unavailable` (503).
    pub acquire_timeout_secs: u64,
    /// Whether `serve` applies pending migrations at start (the embedded default). Replicas
    /// set it to false and let a release job run `modelgate migrate`; they then refuse to
    /// start on a schema older than their release.
    pub migrate_on_start: bool,
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        DatabaseSettings {
            url: Secret::default(),
            max_connections: 16,
            acquire_timeout_secs: 5,
            migrate_on_start: true,
        }
    }
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

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CatalogSettings {
    /// How long an answer to "which revision is latest" is reused, in milliseconds; a
    /// publish by another process becomes visible within this time. 0 disables reuse.
    pub latest_ttl_ms: u64,
}

impl Default for CatalogSettings {
    fn default() -> Self {
        CatalogSettings {
            latest_ttl_ms: 1000,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthSettings {
    /// Lifetime of a session token, in seconds.
    pub session_ttl_secs: u64,
    /// `iss` of session tokens; `modelgate` when empty.
    pub issuer: String,
    /// `aud` of session tokens.
    pub audience: String,
    /// Clock skew tolerated on `exp` and `nbf`, in seconds.
    pub leeway_secs: u64,
    /// Failed sign-ins to one account from one client address within the window before
    /// that address must wait between attempts (1 s, doubling with each further failure, at
    /// most the window); other addresses are unaffected, so nobody can lock an owner out.
    #[serde(alias = "max_failures_per_account")]
    pub max_failures_per_account_address: usize,
    /// Failed sign-ins per client address within the window before sign-in is refused.
    pub max_failures_per_ip: usize,
    /// Sign-ups per client address within the window before registration is refused.
    pub max_signups_per_ip: usize,
    /// The throttling window, in seconds.
    pub throttle_window_secs: u64,
    /// Whether an account must prove its address (a mailed link) before it may accept a
    /// license or get a grant. Unset: on, except under `serve --demo`. On needs a relay
    /// (`mail.smtp_url`).
    pub require_verified_email: Option<bool>,
    /// How long a mailed verification link works, in seconds.
    pub verification_ttl_secs: u64,
}

impl Default for AuthSettings {
    fn default() -> Self {
        AuthSettings {
            session_ttl_secs: 3600,
            issuer: String::new(),
            audience: "modelgate".into(),
            leeway_secs: 30,
            max_failures_per_account_address: 5,
            max_failures_per_ip: 50,
            max_signups_per_ip: 10,
            throttle_window_secs: 900,
            require_verified_email: None,
            verification_ttl_secs: 24 * 3600,
        }
    }
}

impl AuthSettings {
    /// `require_verified_email`, on unless set off.
    pub fn verified_email_required(&self) -> bool {
        self.require_verified_email.unwrap_or(true)
    }

    pub fn issuer(&self) -> &str {
        if self.issuer.is_empty() {
            "modelgate"
        } else {
            &self.issuer
        }
    }
}

/// The SMTP relay for verification mail.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MailSettings {
    /// `smtp://host:25` (plain, a relay on a private network), `smtp://host:587?tls=required`
    /// (STARTTLS) or `smtps://host:465`, with `user:password@` for AUTH. Empty: no mail.
    pub smtp_url: Secret,
    /// The sender, `Name <address>`.
    pub from: String,
    /// Deadline of one delivery to the relay, in seconds.
    pub timeout_secs: u64,
    /// Messages one recipient may be sent per hour (sign-up links, notices); more are
    /// dropped, so nobody can aim the relay at a mailbox.
    pub max_per_recipient: usize,
}

impl Default for MailSettings {
    fn default() -> Self {
        MailSettings {
            smtp_url: Secret::default(),
            from: "modelgate <no-reply@modelgate.invalid>".into(),
            timeout_secs: 10,
            max_per_recipient: 5,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PolicySettings {
    /// The policy bundle: licenses, regions, rules. The compiled-in demo license is used
    /// when `licenses/` is missing there.
    pub dir: PathBuf,
}

impl Default for PolicySettings {
    fn default() -> Self {
        PolicySettings {
            dir: PathBuf::from("policies"),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GeoIpSettings {
    /// A MaxMind DB file (GeoIP2/GeoLite2 Country or City, DB-IP lite, or a `country_code`
    /// build); re-read when it changes. Unset means no GeoIP signal (a warning at start); a
    /// configured file that cannot be read stops the start, and a broken or removed
    /// replacement keeps the last good one.
    pub database: Option<PathBuf>,
    /// The attribution the database's license requires, shown wherever the portal shows a
    /// GeoIP result. Empty: the MaxMind GeoLite2 or DB-IP notice, by the file's name.
    pub attribution: String,
    /// How often the file is looked at for a replacement, in milliseconds (0: at every
    /// lookup).
    pub recheck_ms: u64,
}

impl Default for GeoIpSettings {
    fn default() -> Self {
        GeoIpSettings {
            database: None,
            attribution: String::new(),
            recheck_ms: 1000,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GrantSettings {
    /// How long a download grant stays valid, in seconds; also the period of the download
    /// allowance.
    pub ttl_secs: u64,
    /// Copies' worth of bytes of each blob an account may be served per period, across
    /// grants, actions and ranges; at least 1.
    pub downloads_per_blob: u32,
}

impl GrantSettings {
    /// `ttl_secs` in milliseconds: a grant's lifetime and the download allowance's period.
    pub fn ttl_ms(&self) -> i64 {
        i64::try_from(self.ttl_secs.saturating_mul(1000)).unwrap_or(i64::MAX)
    }
}

impl Default for GrantSettings {
    fn default() -> Self {
        GrantSettings {
            ttl_secs: 24 * 3600,
            downloads_per_blob: 5,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct InferenceSettings {
    /// Whether `validate` and `generate` run on this gateway.
    pub enabled: bool,
    /// Inference runs at once; more wait for a slot.
    pub max_concurrent: usize,
    /// How long a request waits for a slot before `inference-busy`.
    pub queue_wait_secs: u64,
    /// How long one run may take before it is stopped (`inference-timeout`).
    pub timeout_secs: u64,
    /// Longest prompt `generate` accepts, in tokens.
    pub max_prompt_tokens: usize,
    /// Most new tokens one `generate` produces.
    pub max_new_tokens: usize,
    /// Largest image (PNG or JPEG file) `generate` takes for a vision model.
    pub max_image_bytes: usize,
    /// Memory all image decodes together may take, charged from the header (by pixel
    /// format while decoding: 3 bytes a pixel for 8-bit RGB, up to 15 for 16-bit RGBA; 3
    /// while the decoded image waits for its run); more wait `queue_wait_secs`, then get
    /// `inference-busy`. An image that costs more than the whole budget decodes alone.
    pub image_decode_budget_bytes: u64,
    /// Memory the cache of loaded models may hold (least recently used go first).
    pub cache_budget_bytes: u64,
}

impl Default for InferenceSettings {
    fn default() -> Self {
        InferenceSettings {
            enabled: true,
            max_concurrent: 1,
            queue_wait_secs: 10,
            timeout_secs: 120,
            max_prompt_tokens: 1024,
            max_new_tokens: 256,
            max_image_bytes: 10 << 20,
            image_decode_budget_bytes: 128 << 20,
            cache_budget_bytes: 8 << 30,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuditSettings {
    /// A signed checkpoint after this many new events…
    pub checkpoint_every_events: u64,
    /// …or after this many seconds when there are new events at all.
    pub checkpoint_every_secs: u64,
    /// Days the plaintext client IP stays beside an event; then only its keyed hash (in
    /// the chain) remains. 0 keeps it forever.
    pub ip_retention_days: u64,
    /// Refused blob requests without a verified grant are not written one by one: each
    /// client address gets one `blob.refusals` event per this many seconds, with counts.
    pub refusal_tally_secs: u64,
}

impl Default for AuditSettings {
    fn default() -> Self {
        AuditSettings {
            checkpoint_every_events: 1000,
            checkpoint_every_secs: 60,
            ip_retention_days: 30,
            refusal_tally_secs: 60,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MirrorSettings {
    /// Upstream side: how long a snapshot handed to a partner stays valid, in seconds.
    pub snapshot_ttl_secs: u64,
    /// Mirror side: the upstream gateway this one mirrors (`serve --mirror-of`); empty for
    /// a gateway that publishes its own models.
    pub upstream: String,
    /// Mirror side: the partner token upstream issued, for snapshots and the audit outbox.
    pub partner_token: Secret,
    /// Mirror side: how often the audit outbox looks for events to ship, in milliseconds.
    pub ship_interval_ms: u64,
    /// Mirror side: follow upstream's blob redirects to a store on a loopback, private or
    /// link-local address (only to the stores its snapshot names, in any case).
    pub allow_private_redirects: bool,
}

impl Default for MirrorSettings {
    fn default() -> Self {
        MirrorSettings {
            snapshot_ttl_secs: 24 * 3600,
            upstream: String::new(),
            partner_token: Secret::default(),
            ship_interval_ms: 2000,
            allow_private_redirects: false,
        }
    }
}

impl MirrorSettings {
    /// Whether this gateway is a mirror.
    pub fn is_mirror(&self) -> bool {
        !self.upstream.is_empty()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogSettings {
    /// A `tracing` filter, e.g. `info` or `modelgate=debug,actix_web=info`; `RUST_LOG` wins.
    pub level: String,
    /// `text` for people, `json` for log pipelines.
    pub format: LogFormat,
}

impl Default for LogSettings {
    fn default() -> Self {
        LogSettings {
            level: "info".into(),
            format: LogFormat::Text,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
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
