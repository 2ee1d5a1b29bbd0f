//! Building and running the HTTP server: `Application::build(settings)`, then `port()`,
//! then `run_until_stopped()`. Port 0 works, so tests start the real application.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;

use crate::auth::jwt::SessionKeys;
use crate::auth::throttle::LoginThrottle;
use crate::catalog::Catalog;
use crate::config::Settings;
use crate::db::Db;
use crate::geo::{GeoIp, TrustedProxies};
use crate::licensing;
use crate::policy::PolicyBundle;
use crate::state::{AppState, CurrentPolicy};
use crate::store::blobs::BlobStore;
use crate::store::signing::PublisherKey;
use crate::web::server::RunningServer;

/// A bound, not yet running, gateway.
pub struct Application {
    port: u16,
    server: RunningServer,
    state: AppState,
    /// The background tasks (checkpoints, refusal tallies, a mirror's shipping and
    /// snapshot following), stopped after the server.
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

/// Connects to the database, migrating it when `database.migrate_on_start` says so and
/// otherwise refusing a schema this release does not match.
pub async fn open_database(settings: &Settings) -> anyhow::Result<Db> {
    let database = &settings.database;
    let db = Db::connect_without_migrating(
        &settings.database_url(),
        database.max_connections,
        Duration::from_secs(database.acquire_timeout_secs.max(1)),
    )
    .await?;
    if database.migrate_on_start {
        db.migrate().await?;
        return Ok(db);
    }
    let pending = db.pending_migrations().await?;
    anyhow::ensure!(
        pending.is_empty(),
        "the database schema is older than this release ({} migration(s) pending, from \
         version {}); run `modelgate migrate` first (the release job), or set \
         database.migrate_on_start = true",
        pending.len(),
        pending[0]
    );
    Ok(db)
}

/// Opens everything the gateway needs from `settings`: database (migrated when configured),
/// blob store and publisher key (generated on first start).
pub async fn open_state(settings: &Settings) -> anyhow::Result<(AppState, PublisherKey)> {
    std::fs::create_dir_all(&settings.storage.data_dir).with_context(|| {
        format!(
            "creating data directory `{}`",
            settings.storage.data_dir.display()
        )
    })?;
    let db = open_database(settings).await?;
    let blobs = BlobStore::open(&settings.storage).context("opening the blob store")?;
    let key = PublisherKey::load_or_generate(&settings.storage.key_dir())?;
    let catalog = Arc::new(Catalog::new(
        db.clone(),
        Duration::from_millis(settings.catalog.latest_ttl_ms),
    ));
    let auth = &settings.auth;
    let session_keys = SessionKeys::load_or_generate(
        &settings.storage.key_dir().join("session"),
        auth.issuer(),
        &auth.audience,
        auth.session_ttl_secs,
        auth.leeway_secs,
    )?;
    let throttle = LoginThrottle::new(
        auth.max_failures_per_account_address,
        auth.max_failures_per_ip,
        Duration::from_secs(auth.throttle_window_secs),
    );
    let signups = crate::auth::throttle::RateLimit::new(
        auth.max_signups_per_ip,
        Duration::from_secs(auth.throttle_window_secs),
    );
    let proxies = TrustedProxies::parse(&settings.server.trusted_proxies)
        .map_err(|e| anyhow::anyhow!("server.trusted_proxies: {e}"))?;
    let (policy, publisher) = if settings.mirror.is_mirror() {
        anyhow::ensure!(
            !settings.mirror.partner_token.expose().is_empty(),
            "a mirror needs the partner token upstream issued (--partner-token, \
             MODELGATE_PARTNER_TOKEN or mirror.partner_token) to ship its audit events"
        );
        mirror_policy(&db, &settings.storage.key_dir()).await?
    } else {
        let policy = PolicyBundle::load(&settings.policy.dir).map_err(|e| {
            anyhow::anyhow!(
                "invalid policy bundle in `{}`: {e}",
                settings.policy.dir.display()
            )
        })?;
        licensing::service::import_shipped(&db, &settings.policy.dir)
            .await
            .context("importing the shipped licenses")?;
        (policy, key.public())
    };
    tracing::info!(policy.digest = %policy.digest(), "policy bundle loaded");
    let mailer = crate::mail::Mailer::new(&settings.mail)?;

    let blob_ledger =
        crate::audit::blob_ledger::BlobLedger::start(db.clone(), settings.grants.ttl_ms())
            .context("starting the blob ledger")?;
    let state = AppState {
        settings: settings.clone(),
        db,
        catalog,
        blobs,
        publisher,
        signer: key.clone(),
        session_keys: Arc::new(session_keys),
        blob_ledger,
        grant_cache: Arc::new(crate::auth::grant_tokens::GrantCache::new(
            Duration::from_millis(settings.grants.standing_cache_ms),
        )),
        throttle: Arc::new(throttle),
        signups: Arc::new(signups),
        mailer,
        refusals: Arc::new(crate::audit::refusals::AnonymousRefusals::new(
            Duration::from_secs(settings.audit.refusal_tally_secs.max(1)),
        )),
        proxies,
        geoip: Arc::new(
            GeoIp::new(
                settings.geoip.database.clone(),
                Duration::from_millis(settings.geoip.recheck_ms),
            )
            .context("geoip.database")?,
        ),
        policy: CurrentPolicy::new(policy),
        audit_key: PublisherKey::load_or_generate_file(
            &settings.storage.key_dir(),
            crate::ledger::checkpoint::AUDIT_KEY_FILE,
        )?,
        log_signer: crate::ledger::note::LogSigner::load_or_generate(
            &settings.storage.key_dir(),
            &settings.audit.log_origin,
        )?,
        pseudonym_key: crate::ledger::context::PseudonymKey::load_or_generate(
            &settings.storage.key_dir(),
        )?,
        csrf_key: crate::ledger::context::PseudonymKey::load_or_generate_file(
            &settings.storage.key_dir(),
            crate::web::portal::session::CSRF_KEY_FILE,
        )?,
        inference: crate::inference::service::InferenceService::new(&settings.inference),
    };
    crate::ledger::context::install_process_key(&state.pseudonym_key);
    Ok((state, key))
}

/// A mirror's policy and publisher key: the upstream's, from the newest accepted snapshot
/// and the key pinned by `mirror sync`. Before the first sync a mirror has neither and does
/// not start; `mirror sync` itself never reads them.
async fn mirror_policy(
    db: &Db,
    key_dir: &std::path::Path,
) -> anyhow::Result<(PolicyBundle, crate::store::signing::PublicKey)> {
    let not_synced = || {
        anyhow::anyhow!(
            "this mirror has not synced yet: run `modelgate mirror sync --upstream URL \
             --partner-token T` first"
        )
    };
    let key = crate::mirror::pinned_upstream_key(key_dir)?.ok_or_else(not_synced)?;
    let served = crate::mirror::serving::newest_snapshot(db, &key)
        .await?
        .ok_or_else(not_synced)?;
    Ok((served.bundle, key))
}

impl Application {
    /// Opens the state and binds the listener.
    pub async fn build(settings: Settings) -> anyhow::Result<Application> {
        let (state, _) = open_state(&settings).await?;
        Application::build_with_state(state)
    }

    /// Binds the listener for an already opened state. A gateway that requires proven
    /// addresses does not serve without a mail relay to prove them.
    pub fn build_with_state(state: AppState) -> anyhow::Result<Application> {
        anyhow::ensure!(
            state.mailer.is_configured() || !state.settings.auth.verified_email_required(),
            "auth.require_verified_email is on (the default outside `serve --demo`) but no mail \
             relay is configured: set mail.smtp_url (MODELGATE__MAIL__SMTP_URL), or set \
             auth.require_verified_email = false"
        );
        if state.mailer.is_configured() && state.settings.server.public_url.is_empty() {
            tracing::warn!(
                "mail is configured but server.public_url is not: links in mail will point at \
                 the listening address; set the URL people reach the gateway at"
            );
        }
        let server_settings = &state.settings.server;
        let listener = TcpListener::bind((server_settings.host, server_settings.port))
            .with_context(|| {
                format!("binding {}:{}", server_settings.host, server_settings.port)
            })?;
        let port = listener.local_addr()?.port();
        let server = crate::web::server::start(listener, state.clone())?;
        let mut tasks = vec![
            tokio::spawn(crate::audit::sequencer::run(
                state.db.clone(),
                state.log_signer.clone(),
                state.settings.audit.clone(),
            )),
            tokio::spawn(crate::audit::refusals::run_writer(
                state.refusals.clone(),
                state.db.clone(),
                state.pseudonym_key.clone(),
            )),
        ];
        tasks.extend(
            state
                .db
                .listen_for_standing_changes(&state.settings.database_url()),
        );
        tasks.push(tokio::spawn(record_missing_oci_views(
            state.db.clone(),
            state.blobs.clone(),
            state.settings.catalog.modelcar_base_layer.clone(),
        )));
        if state.settings.mirror.is_mirror() {
            tasks.push(tokio::spawn(crate::mirror::outbox::run_shipper(
                state.clone(),
            )));
            tasks.push(tokio::spawn(crate::mirror::serving::follow_snapshots(
                state.clone(),
            )));
        }
        Ok(Application {
            port,
            server,
            state,
            tasks,
        })
    }

    /// The server's count of open connections per client address.
    pub fn connections(&self) -> std::sync::Arc<crate::web::limits::ConnectionCounts> {
        self.server.connections()
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The URL people should open.
    pub fn url(&self) -> String {
        self.state.settings.public_url(self.port)
    }

    /// Serves until SIGTERM or Ctrl-C, then drains in-flight requests, stops the background
    /// tasks and writes the last tally of anonymous refusals.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let served = self.server.wait().await;
        for task in self.tasks {
            task.abort();
            let _ = task.await;
        }
        // The refusals of the period still open are counted too.
        self.state
            .refusals
            .write_finished(&self.state.db, &self.state.pseudonym_key, true)
            .await;
        served
    }
}

/// Records the OCI views of revisions published before the registry existed (each file is
/// read once); until then the registry does not know their manifests.
async fn record_missing_oci_views(
    db: crate::db::Db,
    blobs: crate::store::blobs::BlobStore,
    base_layer: String,
) {
    match crate::catalog::oci_views::backfill(&db, &blobs, &base_layer).await {
        Ok(0) => {}
        Ok(recorded) => tracing::info!(revisions = recorded, "OCI views recorded"),
        Err(err) => tracing::warn!(error = %err, "recording missing OCI views failed"),
    }
}
