//! The settings of what the gateway does: catalog cache, accounts, mail, policy, GeoIP,
//! grants, inference, audit and mirroring.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::Secret;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CatalogSettings {
    /// How long an answer to "which revision is latest" is reused, in milliseconds; a
    /// publish by another process becomes visible within this time. 0 disables reuse.
    pub latest_ttl_ms: u64,
    /// An uncompressed tar every modelcar image starts with, below the model's layers
    /// (a static shell, for runtimes that run one inside the image, as KServe's modelcar
    /// sidecar does); empty for none. It is stored as a blob when the gateway starts,
    /// publishes or syncs a mirror.
    pub modelcar_base_layer: String,
}

impl Default for CatalogSettings {
    fn default() -> Self {
        CatalogSettings {
            latest_ttl_ms: 1000,
            modelcar_base_layer: String::new(),
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
    /// The most milliseconds a blob request reuses a grant's verified token and its
    /// holder's standing (`auth::grant_tokens`); a change committed by this process (or,
    /// on PostgreSQL, notified by another replica) ends the reuse at once, so this bounds
    /// only what no notification reaches. 0 reads the standing on every request.
    pub standing_cache_ms: u64,
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
            standing_cache_ms: 1000,
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
    /// The log's origin, the first line of its checkpoints (a schema-less URL such as
    /// `gateway.example.com/audit`): the name of the log key when it is first generated
    /// (`keys/audit-log.key`); a key that exists keeps the origin it was made with.
    pub log_origin: String,
    /// The most pending entries the sequencer integrates in one batch.
    pub batch_entries: usize,
    /// How long the sequencer waits between batches when fewer than a full batch wait.
    pub batch_interval_ms: u64,
    /// How long one replica's sequencer lease lasts without renewal; another replica takes
    /// over after it ran out.
    pub sequencer_lease_ms: u64,
    /// Days the plaintext client IP stays beside an event; then only its keyed hash (in
    /// the log) remains. 0 keeps it forever.
    pub ip_retention_days: u64,
    /// Refused blob requests without a verified grant are not written one by one: each
    /// client address gets one `blob.refusals` event per this many seconds, with counts.
    pub refusal_tally_secs: u64,
}

impl Default for AuditSettings {
    fn default() -> Self {
        AuditSettings {
            log_origin: "modelgate.localhost/audit".into(),
            batch_entries: 256,
            batch_interval_ms: 100,
            sequencer_lease_ms: 3000,
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
