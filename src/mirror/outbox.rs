//! The audit outbox. On a mirror it is the mirror's own audit log plus a cursor (how many
//! of its entries, in leaf order, upstream acknowledged): a task ships the sequenced
//! entries after the cursor upstream in order and moves the cursor only when upstream
//! acknowledged them, so restarts and network loss lose nothing (at least once).
//! Upstream, `receive` records each entry once per partner and event id, in its own log,
//! as the partner's claim (`mirror.reported`, the partner as actor, the mirror's entry
//! under `claim`), and only when it continues the mirror's log as received so far: the
//! next leaf index, no gap. Upstream keeps a running hash of what it received
//! (`SHA-256(entry bytes || previous)`), which the claims record. A claim is never counted
//! as upstream's own decision or download.

use std::net::IpAddr;
use std::time::Duration;

use serde::Deserialize;
use serde_json::json;

use crate::db::audit;
use crate::db::mirror::{self as store, PartnerRow};
use crate::error::ApiError;
use crate::ledger::chain::chain_hash;
use crate::ledger::context::{scope, RequestContext};
use crate::ledger::event::{EventKind, Outcome};
use crate::ledger::LogEntry;
use crate::state::AppState;

/// Events per shipment.
const BATCH: u64 = 200;
/// The largest shipment body; upstream takes JSON bodies up to `server.max_body_bytes`
/// (1 MiB by default).
const MAX_SHIPMENT_BYTES: usize = 512 * 1024;
/// The most events upstream takes in one request.
pub const MAX_EVENTS_PER_REQUEST: usize = 1000;
/// The longest wait between attempts while upstream is unreachable.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// Ships the mirror's audit events upstream until the process ends.
pub async fn run_shipper(state: AppState) {
    let every = Duration::from_millis(state.settings.mirror.ship_interval_ms.max(100));
    let client = match crate::download::client::builder(crate::download::client::MIRROR_AGENT)
        .timeout(Duration::from_secs(60))
        .build()
    {
        Ok(client) => client,
        Err(e) => {
            tracing::error!(error = %e, "the audit outbox cannot start");
            return;
        }
    };
    let mut backoff = every;
    loop {
        match ship_once(&state, &client).await {
            Ok(0) => {
                backoff = every;
                tokio::time::sleep(every).await;
            }
            Ok(shipped) => {
                backoff = every;
                tracing::debug!(events = shipped, "audit events shipped upstream");
            }
            Err(e) => {
                tracing::warn!(error = %format!("{e:#}"), retry_in_ms = backoff.as_millis() as u64,
                               "shipping audit events upstream failed; they stay in the outbox");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
    }
}

/// Ships the next batch after the cursor; returns how many events upstream acknowledged.
pub async fn ship_once(state: &AppState, client: &reqwest::Client) -> anyhow::Result<usize> {
    let settings = &state.settings.mirror;
    let shipped = u64::try_from(store::shipped_seq(&state.db).await?).unwrap_or_default();
    let mut events = audit::log::entry_range(&state.db, shipped, BATCH).await?;
    let mut body = serde_json::to_vec(&json!({ "events": events }))?;
    while body.len() > MAX_SHIPMENT_BYTES && events.len() > 1 {
        events.truncate(events.len() / 2);
        body = serde_json::to_vec(&json!({ "events": events }))?;
    }
    let Some(last) = events.last().and_then(|e| e.index) else {
        return Ok(0);
    };
    let response = client
        .post(format!(
            "{}/v1/mirror/audit",
            settings.upstream.trim_end_matches('/')
        ))
        .bearer_auth(settings.partner_token.expose())
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(body)
        .send()
        .await?;
    if !response.status().is_success() {
        anyhow::bail!(
            "upstream answered {}: {}",
            response.status(),
            crate::download::answers::error_message(response).await
        );
    }
    let mut tx = state.db.begin_write().await?;
    store::set_shipped_seq(&mut tx, last + 1).await?;
    tx.commit().await?;
    Ok(events.len())
}

/// A shipment from a mirror.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Shipment {
    /// The mirror's sequenced audit entries in leaf order, as the audit API shows them.
    #[schema(value_type = Vec<Object>)]
    pub events: Vec<LogEntry>,
}

/// What upstream did with a shipment.
#[derive(Debug, Clone, Copy, serde::Serialize, utoipa::ToSchema)]
pub struct Received {
    /// Events in the shipment.
    pub received: usize,
    /// Events recorded now.
    pub recorded: usize,
    /// Events recorded before (shipped again).
    pub duplicates: usize,
}

/// The refusal of a shipment that does not continue the mirror's log as received so far.
fn chain_broken(event: &LogEntry, received: i64) -> ApiError {
    ApiError::BadRequest(format!(
        "event {} (leaf {}) does not continue this mirror's audit log as received so far \
         ({received} entries): every entry must be sequenced and follow the previous one; \
         nothing of this shipment was recorded",
        event.id.chars().take(64).collect::<String>(),
        event
            .index
            .map_or_else(|| "pending".to_owned(), |i| i.to_string())
    ))
}

fn valid_id(id: &str) -> bool {
    (1..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// Records a mirror's events in upstream's chain, once per (partner, event id), in one
/// transaction, each as a `mirror.reported` event by the partner: `partner`, `partner_id`,
/// `mirror_event` (its id, sequence number, time and hash on the mirror) and `claim` (the
/// kind, actor, subject, outcome and data the mirror wrote). A malformed shipment is
/// refused whole.
pub async fn receive(
    state: &AppState,
    partner: &PartnerRow,
    shipment: Shipment,
) -> Result<Received, ApiError> {
    let events = shipment.events;
    if events.len() > MAX_EVENTS_PER_REQUEST {
        return Err(ApiError::BadRequest(format!(
            "at most {MAX_EVENTS_PER_REQUEST} events per request"
        )));
    }
    if let Some(bad) = events.iter().find(|e| !valid_id(&e.id)) {
        return Err(ApiError::BadRequest(format!(
            "event id `{}` is not valid",
            bad.id.chars().take(64).collect::<String>()
        )));
    }
    let mut tx = state.db.begin_write().await?;
    // How many of the mirror's entries were received, and the running hash over them.
    let (mut received, mut last_hash) = store::shipped_head(&mut tx, &partner.user_id).await?;
    let mut recorded = 0;
    for event in &events {
        let Some(index) = event.index else {
            return Err(chain_broken(event, received));
        };
        if index < received {
            // Sent before (at least once): recorded already, or the mirror's log forked.
            if store::claim_mirror_event(&mut tx, &partner.user_id, &event.id).await? {
                return Err(chain_broken(event, received));
            }
            continue;
        }
        let hash = chain_hash(&event.leaf_bytes(), &last_hash);
        let Some(hash) = hash.filter(|_| index == received) else {
            return Err(chain_broken(event, received));
        };
        if !store::claim_mirror_event(&mut tx, &partner.user_id, &event.id).await? {
            return Err(chain_broken(event, received));
        }
        (received, last_hash) = (index + 1, hash.clone());
        let bounded = |v: &Option<String>| -> Option<String> {
            v.as_ref().map(|s| s.chars().take(200).collect())
        };
        let data = json!({
            "partner": partner.name,
            "partner_id": partner.user_id,
            "mirror_event": {
                "id": event.id, "index": index, "occurred_at": event.occurred_at, "received_hash": hash,
            },
            "claim": {
                "kind": event.kind.chars().take(64).collect::<String>(),
                "actor": bounded(&event.actor),
                "subject": bounded(&event.subject),
                "outcome": bounded(&event.outcome),
                "data": event.data,
            },
        });
        let context = RequestContext {
            request_id: event.request_id.clone().filter(|r| valid_id(r)),
            client_ip: event
                .client_ip
                .as_deref()
                .and_then(|ip| ip.parse::<IpAddr>().ok())
                .map(|ip| ip.to_string()),
            pseudonym_key: Some(state.pseudonym_key.clone()),
        };
        // Nothing the partner wrote reaches upstream's own columns (a search by subject or
        // user must not find a claim as that user's event): the claim stays in `claim`.
        let new_event = audit::NewEvent {
            kind: EventKind::MirrorReported,
            actor: Some(partner.user_id.clone()),
            subject: None,
            outcome: Some(Outcome::Reported),
            data,
        };
        let upstream_id = scope(context, audit::append(&mut tx, &new_event)).await?;
        store::link_mirror_event(&mut tx, &partner.user_id, &event.id, &upstream_id).await?;
        recorded += 1;
    }
    store::set_shipped_head(&mut tx, &partner.user_id, received, &last_hash).await?;
    tx.commit().await?;
    Ok(Received {
        received: events.len(),
        recorded,
        duplicates: events.len() - recorded,
    })
}
