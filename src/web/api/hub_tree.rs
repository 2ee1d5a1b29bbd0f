//! A revision's tree as the Hub lists it: `GET /api/models/{id}/tree/{rev}[/{path}]`, paged
//! the Hub's way (at most 1,000 entries a page, 50 with `expand`, the next page named by a
//! `Link: <…>; rel="next"` header carrying an opaque `cursor`), and
//! `POST /api/models/{id}/paths-info/{rev}` for the entries at given paths. With `expand`,
//! every entry carries `lastCommit`: the listed revision (a revision is published whole).

use std::collections::BTreeSet;

use actix_web::http::{header, StatusCode};
use actix_web::web::{Data, Path, Payload, Query};
use actix_web::{HttpRequest, HttpResponse};
use base64::Engine;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::hub::{
    answer, commit_of, find_revision, hub_flag, HubError, HubLfs, HubResult, Named, COMMIT_HEX,
    HUB_REVISION,
};
use crate::domain::rfc3339;
use crate::state::AppState;
use crate::store::manifest::Manifest;
use crate::web::urls::base_url;

/// Entries of a page, as the Hub pages a tree.
const PAGE: usize = 1000;
/// Entries of a page with `expand`.
const EXPANDED_PAGE: usize = 50;
/// The most paths one `paths-info` request may ask about, and the most bytes it may send.
const MAX_PATHS: usize = 1000;
const MAX_PATHS_BODY: usize = 256 * 1024;

/// The listed revision, as `expand` reports each entry's last commit.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HubLastCommit {
    /// The revision's commit (40 hex digits).
    pub id: String,
    pub title: String,
    /// RFC 3339.
    pub date: String,
}

/// One entry of a tree listing, as the Hub lists a repository's tree.
#[derive(Debug, Serialize, ToSchema)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum HubTreeEntry {
    /// A directory (its `oid` is empty, its `size` 0).
    Directory {
        path: String,
        oid: &'static str,
        size: u64,
        #[serde(rename = "lastCommit", skip_serializing_if = "Option::is_none")]
        last_commit: Option<HubLastCommit>,
    },
    /// A file: `oid` is the first 40 hex digits of its SHA-256, `lfs` has all of it.
    File {
        path: String,
        size: u64,
        oid: String,
        lfs: HubLfs,
        #[serde(rename = "lastCommit", skip_serializing_if = "Option::is_none")]
        last_commit: Option<HubLastCommit>,
    },
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TreeQuery {
    /// Everything below (`true`) or only the direct children (default).
    #[serde(default, deserialize_with = "hub_flag")]
    recursive: bool,
    /// `lastCommit` on every entry (pages of 50).
    #[serde(default, deserialize_with = "hub_flag")]
    expand: bool,
    /// The most entries of a page (at most 1,000, or 50 with `expand`).
    limit: Option<usize>,
    /// Where the page starts, from the previous page's `Link`.
    cursor: Option<String>,
}

/// `GET /api/models/{org}/{name}/tree/{rev}`: the files (with LFS digests) and directories
/// at the top of the revision (everything with `?recursive=true`), paged.
#[utoipa::path(
    get,
    path = "/api/models/{org}/{name}/tree/{rev}",
    tag = "hub",
    security(()),
    params(
        super::openapi::ModelPathParams,
        ("rev" = String, Path, description = HUB_REVISION),
        TreeQuery,
    ),
    responses(
        (status = 200, description = "Directories first, then files; a `Link` header names the next page", body = Vec<HubTreeEntry>),
    ),
)]
pub async fn tree(
    req: HttpRequest,
    state: Data<AppState>,
    path: Path<(String, String, String)>,
    query: Query<TreeQuery>,
) -> HttpResponse {
    let (org, name, rev) = path.into_inner();
    answer(tree_at(&req, &state, (&org, &name, &rev), "", &query).await)
}

/// `GET /api/models/{org}/{name}/tree/{rev}/{path}`: the same, below the directory `path`
/// (404 `EntryNotFound` when nothing is there).
#[utoipa::path(
    get,
    path = "/api/models/{org}/{name}/tree/{rev}/{path}",
    tag = "hub",
    security(()),
    params(
        super::openapi::ModelPathParams,
        ("rev" = String, Path, description = HUB_REVISION),
        ("path" = String, Path, description = "A directory of the repository (may contain `/`)"),
        TreeQuery,
    ),
    responses(
        (status = 200, description = "Directories first, then files; a `Link` header names the next page", body = Vec<HubTreeEntry>),
    ),
)]
pub async fn tree_under(
    req: HttpRequest,
    state: Data<AppState>,
    path: Path<(String, String, String, String)>,
    query: Query<TreeQuery>,
) -> HttpResponse {
    let (org, name, rev, under) = path.into_inner();
    answer(tree_at(&req, &state, (&org, &name, &rev), &under, &query).await)
}

fn last_commit(named: &Named) -> HubLastCommit {
    HubLastCommit {
        id: commit_of(&named.revision).to_owned(),
        title: format!("modelgate revision sha256:{}", named.revision.digest),
        date: rfc3339(named.revision.published_at),
    }
}

fn file_entry(
    file: &crate::store::manifest::ManifestFile,
    commit: Option<HubLastCommit>,
) -> HubTreeEntry {
    HubTreeEntry::File {
        path: file.path.as_str().to_owned(),
        size: file.size,
        oid: file.sha256.hex()[..COMMIT_HEX].to_owned(),
        lfs: HubLfs::of(file),
        last_commit: commit,
    }
}

/// Every entry below `under` (directories first, then files), as the Hub orders a tree.
fn listing(
    manifest: &Manifest,
    under: &str,
    recursive: bool,
    commit: Option<&HubLastCommit>,
) -> Vec<HubTreeEntry> {
    let prefix = if under.is_empty() {
        String::new()
    } else {
        format!("{}/", under.trim_end_matches('/'))
    };
    let mut directories = BTreeSet::new();
    let mut files = Vec::new();
    for file in manifest
        .files
        .iter()
        .filter(|f| f.path.as_str().starts_with(&prefix))
    {
        let path = file.path.as_str();
        let mut parent = path;
        while let Some((dir, _)) = parent.rsplit_once('/') {
            let direct = !dir[prefix.len().min(dir.len())..].contains('/');
            if dir.len() + 1 > prefix.len() && (recursive || direct) {
                directories.insert(dir.to_owned());
            }
            parent = dir;
        }
        if !recursive && path[prefix.len()..].contains('/') {
            continue;
        }
        files.push(file_entry(file, commit.cloned()));
    }
    let mut entries: Vec<HubTreeEntry> = directories
        .into_iter()
        .map(|dir| HubTreeEntry::Directory {
            path: dir,
            oid: "",
            size: 0,
            last_commit: commit.cloned(),
        })
        .collect();
    entries.extend(files);
    entries
}

/// The opaque cursor of the page that starts at entry `offset`.
fn cursor_of(offset: usize) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(offset.to_string())
}

fn offset_of(cursor: &str) -> Option<usize> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()?;
    std::str::from_utf8(&bytes).ok()?.parse().ok()
}

async fn tree_at(
    req: &HttpRequest,
    state: &AppState,
    (org, name, rev): (&str, &str, &str),
    under: &str,
    query: &TreeQuery,
) -> HubResult {
    let named = find_revision(state, org, name, rev).await?;
    let commit = query.expand.then(|| last_commit(&named));
    let entries = listing(&named.manifest, under, query.recursive, commit.as_ref());
    if !under.is_empty() && entries.is_empty() {
        return Err(HubError::new(
            StatusCode::NOT_FOUND,
            "EntryNotFound",
            format!(
                "{}: no path `{under}` in revision {}",
                named.model,
                commit_of(&named.revision)
            ),
        ));
    }
    let most = if query.expand { EXPANDED_PAGE } else { PAGE };
    let size = query.limit.unwrap_or(most).clamp(1, most);
    let start = match &query.cursor {
        Some(cursor) => offset_of(cursor).ok_or_else(|| {
            HubError::new(
                StatusCode::BAD_REQUEST,
                "BadRequest",
                "the cursor is not one this server gave",
            )
        })?,
        None => 0,
    };
    let total = entries.len();
    let page: Vec<HubTreeEntry> = entries.into_iter().skip(start).take(size).collect();
    let mut response = HttpResponse::Ok();
    if start + page.len() < total {
        let mut next = format!(
            "{}/api/models/{}/tree/{rev}",
            base_url(state, req),
            named.model
        );
        if !under.is_empty() {
            next.push('/');
            next.push_str(
                &under
                    .split('/')
                    .map(|p| urlencoding::encode(p).into_owned())
                    .collect::<Vec<_>>()
                    .join("/"),
            );
        }
        next.push_str(&format!(
            "?recursive={}&expand={}&limit={size}&cursor={}",
            query.recursive,
            query.expand,
            cursor_of(start + page.len())
        ));
        response.insert_header((header::LINK, format!("<{next}>; rel=\"next\"")));
    }
    Ok(response.json(page))
}

/// `POST /api/models/{org}/{name}/paths-info/{rev}` with a form of `paths` (repeated) and
/// `expand`: the entry at each path that is a file or a directory of the revision, in the
/// order asked; paths that are neither are left out, as the Hub does.
#[utoipa::path(
    post,
    path = "/api/models/{org}/{name}/paths-info/{rev}",
    tag = "hub",
    security(()),
    params(
        super::openapi::ModelPathParams,
        ("rev" = String, Path, description = HUB_REVISION),
    ),
    request_body(content = String, content_type = "application/x-www-form-urlencoded",
        description = "`paths=…` (repeated) and `expand=true|false`"),
    responses(
        (status = 200, description = "The entries found", body = Vec<HubTreeEntry>),
    ),
)]
pub async fn paths_info(
    state: Data<AppState>,
    path: Path<(String, String, String)>,
    payload: Payload,
) -> HttpResponse {
    let (org, name, rev) = path.into_inner();
    let body = match super::body_up_to(payload, MAX_PATHS_BODY).await {
        Ok(body) => body,
        Err(err) => return answer(Err(err.into())),
    };
    answer(paths_info_at(&state, (&org, &name, &rev), &body).await)
}

async fn paths_info_at(
    state: &AppState,
    (org, name, rev): (&str, &str, &str),
    body: &[u8],
) -> HubResult {
    let form = crate::web::extract::form_pairs(body).ok_or_else(|| {
        HubError::new(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "expected a form of `paths` and `expand`",
        )
    })?;
    let mut asked_paths: Vec<&str> = Vec::new();
    for (_, path) in form.iter().filter(|(k, _)| k == "paths") {
        let path = path.trim_matches('/');
        if !asked_paths.contains(&path) {
            asked_paths.push(path);
        }
        if asked_paths.len() > MAX_PATHS {
            return Err(HubError::new(
                StatusCode::BAD_REQUEST,
                "BadRequest",
                format!("at most {MAX_PATHS} paths per request"),
            ));
        }
    }
    let named = find_revision(state, org, name, rev).await?;
    let expand = form
        .iter()
        .any(|(k, v)| k == "expand" && matches!(v.to_ascii_lowercase().as_str(), "true" | "1"));
    let commit = expand.then(|| last_commit(&named));
    let directories: BTreeSet<&str> = named
        .manifest
        .files
        .iter()
        .flat_map(|f| {
            let path = f.path.as_str();
            path.match_indices('/').map(move |(at, _)| &path[..at])
        })
        .collect();
    let mut found = Vec::new();
    for asked in asked_paths {
        if let Some(file) = named.manifest.file(asked) {
            found.push(file_entry(file, commit.clone()));
        } else if directories.contains(asked) {
            found.push(HubTreeEntry::Directory {
                path: asked.to_owned(),
                oid: "",
                size: 0,
                last_commit: commit.clone(),
            });
        }
    }
    Ok(HttpResponse::Ok().json(found))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_anything_else() {
        for offset in [0, 50, 1000, 123_456] {
            assert_eq!(offset_of(&cursor_of(offset)), Some(offset));
        }
        assert_eq!(offset_of("not-a-cursor!"), None);
    }
}
