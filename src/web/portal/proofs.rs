//! Receipts for licensees: `GET /proofs/{entry}` downloads the C2SP `tlog-proof` of one of
//! the visitor's own audit entries (the decision a downloads page names), and
//! `GET /proofs/acceptance` the one of their latest license acceptance; both verify offline
//! with `modelgate audit verify-proof`.

use actix_web::web::{Data, Path};
use actix_web::HttpRequest;

use crate::audit::log::{latest_entry_of, receipt, LogError};
use crate::ledger::event::EventKind;
use crate::state::AppState;

use super::{PageResult, Visitor};

pub async fn download_proof(
    req: HttpRequest,
    state: Data<AppState>,
    entry: Path<String>,
) -> PageResult {
    let visitor = Visitor::of(&state, &req).await;
    let who = visitor.require()?;
    let entry = match entry.as_str() {
        "acceptance" => {
            latest_entry_of(&state.db, &who.user_id, EventKind::LicenseAccepted)
                .await?
                .ok_or_else(|| LogError::NotFound(visitor.lang.text("proofs-no-acceptance")))?
                .id
        }
        other => other.to_owned(),
    };
    let proof = receipt(&state.db, who, &entry).await?;
    Ok(crate::web::body::receipt_download(&proof))
}
