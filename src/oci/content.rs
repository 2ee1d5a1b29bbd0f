//! What the registry serves: the recorded OCI views of the revisions (`db::oci`), found by
//! repository name, tag or digest; the blobs they name; tag lists, referrers and the
//! catalog of repositories an account may pull from.

use std::net::IpAddr;

use super::names::{
    parse_digest, repository_of, tags_of, valid_repository, Reference, RevisionTag,
};
use super::tokens::grant_for_revision;
use super::RegistryError;
use crate::access::{decide, gather, AccessError};
use crate::db::catalog;
use crate::db::grants::GrantRow;
use crate::db::oci::{self, OciBlobRow, OciManifestRow};
use crate::domain::{ModelId, Sha256Digest};
use crate::policy::{Action, Outcome};
use crate::state::AppState;

/// The model repository `name` maps to.
pub async fn model_of_repository(state: &AppState, name: &str) -> Result<ModelId, RegistryError> {
    if !valid_repository(name) {
        return Err(RegistryError::NameInvalid(name.chars().take(140).collect()));
    }
    let ids = oci::models_named(&state.db, name).await?;
    match ids.as_slice() {
        [id] => id
            .parse()
            .map_err(|_| RegistryError::NameUnknown(name.to_owned())),
        // None, or ids that differ in case only (published before that was refused).
        _ => Err(RegistryError::NameUnknown(name.to_owned())),
    }
}

/// The manifest `reference` names in `model`'s repository.
pub async fn find_manifest(
    state: &AppState,
    model: &ModelId,
    reference: &Reference,
) -> Result<OciManifestRow, RegistryError> {
    let unknown = || {
        RegistryError::ManifestUnknown(match reference {
            Reference::Digest(digest) => digest.reference(),
            Reference::Tag { .. } => "this tag".to_owned(),
        })
    };
    let (revision, view) = match reference {
        Reference::Digest(digest) => {
            return oci::manifest_of_model(&state.db, &model.to_string(), &digest.hex())
                .await?
                .ok_or_else(unknown);
        }
        Reference::Tag { revision, view } => (revision, *view),
    };
    let revision = match revision {
        RevisionTag::Latest => state
            .catalog
            .revision(model, None)
            .await?
            .map(|row| row.digest.clone()),
        RevisionTag::Commit(commit) => catalog::revisions_of(&state.db, model)
            .await?
            .into_iter()
            .find(|row| row.digest.starts_with(commit.as_str()))
            .map(|row| row.digest),
    }
    .ok_or_else(unknown)?;
    oci::view_manifest(&state.db, &revision, view.as_str())
        .await?
        .ok_or_else(unknown)
}

/// Every tag of `model`'s repository, in lexical order (the spec's order for paging).
pub async fn tags(state: &AppState, model: &ModelId) -> Result<Vec<String>, RegistryError> {
    let revisions = catalog::revisions_of(&state.db, model).await?;
    let mut tags: Vec<String> = revisions
        .iter()
        .flat_map(|row| tags_of(&row.digest))
        .collect();
    if !revisions.is_empty() {
        for latest in super::names::LATEST_TAGS {
            tags.push(latest.to_owned());
            tags.push(format!("{latest}{}", super::names::MODELCAR_SUFFIX));
        }
    }
    tags.sort();
    tags.dedup();
    Ok(tags)
}

/// The blob `digest` of `model`'s repository and the grant that covers it: in the views of
/// the holder's revision, else in the newest other revision that names it (decided anew
/// for the holder).
pub async fn find_blob(
    state: &AppState,
    holder: &GrantRow,
    model: &ModelId,
    digest: &Sha256Digest,
    client_ip: Option<IpAddr>,
) -> Result<(GrantRow, OciBlobRow), RegistryError> {
    let hex = digest.hex();
    if let Some(blob) = oci::blob_in_revision(&state.db, &holder.revision_digest, &hex).await? {
        return Ok((holder.clone(), blob));
    }
    let Some(revision) =
        oci::newest_revision_naming_blob(&state.db, &model.to_string(), &hex).await?
    else {
        return Err(RegistryError::BlobUnknown(digest.reference()));
    };
    let grant = grant_for_revision(state, holder, model, &revision, client_ip).await?;
    let blob = oci::blob_in_revision(&state.db, &revision, &hex)
        .await?
        .ok_or_else(|| RegistryError::BlobUnknown(digest.reference()))?;
    Ok((grant, blob))
}

/// The manifests in `model`'s repository that refer to `subject` (a digest in text),
/// optionally only those of `artifact_type`.
pub async fn referrers(
    state: &AppState,
    model: &ModelId,
    subject: &str,
    artifact_type: Option<&str>,
) -> Result<Vec<OciManifestRow>, RegistryError> {
    let subject = parse_digest(subject)?;
    let rows = oci::referrers(&state.db, &subject.hex()).await?;
    let revisions: Vec<String> = catalog::revisions_of(&state.db, model)
        .await?
        .into_iter()
        .map(|row| row.digest)
        .collect();
    Ok(rows
        .into_iter()
        .filter(|row| revisions.contains(&row.revision_digest))
        .filter(|row| artifact_type.is_none_or(|t| row.artifact_type.as_deref() == Some(t)))
        .collect())
}

/// The repositories `user_id` may pull from, by name: every served model whose policy
/// decision for the account (made now, not recorded) is not a deny.
pub async fn visible_repositories(
    state: &AppState,
    user_id: &str,
    client_ip: Option<IpAddr>,
) -> Result<Vec<String>, RegistryError> {
    let mut names = Vec::new();
    for summary in catalog::list_models(&state.db).await? {
        let Ok(model) = summary.id.parse::<ModelId>() else {
            continue;
        };
        let name = repository_of(&model);
        if !valid_repository(&name) {
            continue;
        }
        let denied = match gather(state, user_id, &model, None, client_ip, None).await {
            Ok(inputs) => decide(state, &inputs, Action::Download)?.outcome == Outcome::Deny,
            // An account that must still declare sees what it could pull then.
            Err(AccessError::AttestationRequired) => false,
            Err(err) => return Err(err.into()),
        };
        if !denied {
            names.push(name);
        }
    }
    names.sort();
    Ok(names)
}
