//! A partner's mirror as a witness of upstream's audit log (C2SP `tlog-witness` in spirit,
//! pulled at every `mirror sync`): it opens upstream's newest checkpoint under the log key
//! it pinned at its first sync, proves it consistent with the last checkpoint it saw (a
//! smaller log is a rollback, another root at the same size or a failed consistency proof
//! a fork), remembers it, and sends upstream its cosignature, which upstream publishes with
//! the checkpoint. A sync refuses to go on against a log that rolled back or forked.

use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::db::{mirror as store, now_ms, Db};
use crate::download::answers::error_message;
use crate::download::trust::write_atomically;
use crate::ledger::note::{note_text, open_checkpoint, with_signatures, WitnessKey};
use crate::ledger::proof::{hashes_from_text, is_consistent};

/// Where a mirror pins upstream's audit log key (trust on first use, like the publisher key).
pub fn upstream_log_key_path(key_dir: &Path) -> PathBuf {
    key_dir.join("upstream-audit.vkey")
}

/// What witnessing found.
#[derive(Debug, Clone, PartialEq)]
pub struct Witnessed {
    pub size: u64,
    /// The size this mirror had seen before (`None` at the first sync).
    pub previous: Option<u64>,
}

async fn get_text(client: &reqwest::Client, url: &str, what: &str) -> anyhow::Result<String> {
    let response = client
        .get(url)
        .send()
        .await
        .with_context(|| format!("fetching {what}"))?;
    anyhow::ensure!(
        response.status().is_success(),
        "fetching {what}: {}: {}",
        response.status(),
        error_message(response).await
    );
    Ok(response.text().await?)
}

/// Witnesses upstream's audit log: see the module. `witness_name` names this mirror's
/// cosignatures.
pub async fn witness(
    client: &reqwest::Client,
    upstream: &str,
    partner_token: &str,
    db: &Db,
    key_dir: &Path,
    witness_name: &str,
) -> anyhow::Result<Witnessed> {
    let pin = upstream_log_key_path(key_dir);
    let vkey = match std::fs::read_to_string(&pin) {
        Ok(vkey) => vkey.trim().to_owned(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let vkey = get_text(
                client,
                &format!("{upstream}/v1/keys/audit.vkey"),
                "the audit log key",
            )
            .await?
            .trim()
            .to_owned();
            eprintln!("trusting upstream's audit log key {vkey} on first sync (pinned)");
            write_atomically(&pin, format!("{vkey}\n").as_bytes())?;
            vkey
        }
        Err(e) => return Err(e).with_context(|| format!("reading `{}`", pin.display())),
    };
    let note = get_text(
        client,
        &format!("{upstream}/v1/audit/log/checkpoint"),
        "the audit log's checkpoint",
    )
    .await?;
    let checkpoint = open_checkpoint(note.as_bytes(), &vkey, &[])
        .map_err(|e| anyhow::anyhow!("upstream's audit log checkpoint does not verify: {e}"))?;
    let seen = store::witnessed_checkpoint(db, &checkpoint.origin).await?;
    if let Some((size, root)) = &seen {
        anyhow::ensure!(
            checkpoint.size >= *size,
            "upstream's audit log ROLLED BACK: it now has {} entries, but this mirror saw a \
             signed checkpoint of {size}; refusing to sync (keep this mirror's database as evidence)",
            checkpoint.size
        );
        let proof = get_text(
            client,
            &format!(
                "{upstream}/v1/audit/log/consistency?from={size}&to={}",
                checkpoint.size
            ),
            "a consistency proof",
        )
        .await?;
        let proof =
            hashes_from_text(&proof).context("upstream's consistency proof is malformed")?;
        anyhow::ensure!(
            is_consistent(&proof, *size, *root, checkpoint.size, checkpoint.root),
            "upstream's audit log FORKED: its checkpoint of {} entries does not extend the one \
             of {size} this mirror saw; refusing to sync (keep this mirror's database as evidence)",
            checkpoint.size
        );
    }
    store::set_witnessed_checkpoint(
        db,
        &checkpoint.origin,
        checkpoint.size,
        checkpoint.root,
        &note,
    )
    .await?;
    let key = WitnessKey::load_or_generate(key_dir, witness_name)?;
    let text = note_text(&note).context("the checkpoint has no text")?;
    let line = key.cosign(
        text.as_bytes(),
        u64::try_from(now_ms() / 1000).unwrap_or_default(),
    );
    let response = client
        .post(format!("{upstream}/v1/audit/log/cosignatures"))
        .bearer_auth(partner_token)
        .json(&serde_json::json!({
            "witness_vkey": key.vkey(),
            "checkpoint": with_signatures(&note, &[line]),
        }))
        .send()
        .await
        .context("sending the cosignature upstream")?;
    if !response.status().is_success() {
        // The check above is what protects this mirror; a lost cosignature is only logged.
        eprintln!(
            "upstream did not take this mirror's cosignature: {}: {}",
            response.status(),
            error_message(response).await
        );
    }
    Ok(Witnessed {
        size: checkpoint.size,
        previous: seen.map(|(size, _)| size),
    })
}
