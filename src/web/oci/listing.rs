//! `GET /v2/` (is this a registry, and does the token hold), `GET /v2/_catalog`,
//! `GET /v2/<name>/tags/list` (both paged with `n`/`last` and a `Link` header, in lexical
//! order) and `GET /v2/<name>/referrers/<digest>` (an image index, `artifactType` filter).

use std::collections::HashMap;

use actix_web::http::header;
use actix_web::web::{Data, Path, Query};
use actix_web::{HttpRequest, HttpResponse};
use oci_spec::image::{DescriptorBuilder, Digest, ImageIndexBuilder, MediaType};
use serde::{Deserialize, Serialize};

use super::{bearer_token, registry_error, Challenge, OciError};
use crate::oci::{content, tokens, RegistryError};
use crate::state::AppState;
use crate::store::oci::{OCI_INDEX, OCI_MANIFEST};
use crate::web::extract::client_ip;

/// `n` and `last` of a paged list.
#[derive(Debug, Deserialize)]
pub struct PageQuery {
    n: Option<usize>,
    last: Option<String>,
}

/// The most entries of one page when the client names no `n`.
const DEFAULT_PAGE: usize = 1000;

/// The page of `items` (sorted) after `last`, at most `n`, and whether more follow.
fn page(items: Vec<String>, query: &PageQuery) -> (Vec<String>, bool) {
    let limit = query.n.unwrap_or(DEFAULT_PAGE).min(DEFAULT_PAGE);
    let mut after: Vec<String> = items
        .into_iter()
        .filter(|item| query.last.as_ref().is_none_or(|last| item > last))
        .collect();
    let more = after.len() > limit;
    after.truncate(limit);
    (after, more && limit > 0)
}

/// The `Link` header of the next page.
fn next_link(path: &str, query: &PageQuery, shown: &[String]) -> Option<String> {
    let last = shown.last()?;
    let n = query.n.unwrap_or(DEFAULT_PAGE).min(DEFAULT_PAGE);
    Some(format!(
        "<{path}?n={n}&last={}>; rel=\"next\"",
        urlencoding::encode(last)
    ))
}

/// `GET|HEAD /v2/`: 200 with a valid registry token, else the challenge.
pub async fn check_base(req: HttpRequest, state: Data<AppState>) -> HttpResponse {
    let token = bearer_token(&req);
    let account = match &token {
        Some(token) => tokens::account_of(&state, token, client_ip(&req)).await,
        None => Ok(None),
    };
    let challenge = Challenge::of(&state, &req, None);
    let account = match account {
        Ok(account) => account,
        Err(err) => return registry_error(err, &challenge, true),
    };
    if account.is_some() {
        return HttpResponse::Ok().json(serde_json::json!({}));
    }
    let message = if token.is_some() {
        "the registry token is not valid or expired"
    } else {
        "authentication required: get a token at the realm with a modelgate API token"
    };
    registry_error(
        RegistryError::Unauthorized(message.into()),
        &challenge,
        token.is_some(),
    )
}

#[derive(Debug, Serialize)]
struct Catalog {
    repositories: Vec<String>,
}

/// `GET /v2/_catalog`: the repositories the token's account may pull from.
pub async fn list_repositories(
    req: HttpRequest,
    state: Data<AppState>,
    query: Query<PageQuery>,
) -> HttpResponse {
    let token = bearer_token(&req);
    let challenge = Challenge::of(&state, &req, None);
    let account = match &token {
        Some(token) => tokens::account_of(&state, token, client_ip(&req)).await,
        None => Ok(None),
    };
    let account = match account {
        Ok(account) => account,
        Err(err) => return registry_error(err, &challenge, true),
    };
    let Some(account) = account else {
        return registry_error(
            RegistryError::Unauthorized("authentication required".into()),
            &challenge,
            token.is_some(),
        );
    };
    let names = match content::visible_repositories(&state, &account, client_ip(&req)).await {
        Ok(names) => names,
        Err(err) => return registry_error(err, &challenge, true),
    };
    let (shown, more) = page(names, &query);
    let mut response = HttpResponse::Ok();
    if more {
        if let Some(link) = next_link("/v2/_catalog", &query, &shown) {
            response.insert_header((header::LINK, link));
        }
    }
    response.json(Catalog {
        repositories: shown,
    })
}

#[derive(Debug, Serialize)]
struct TagList {
    name: String,
    tags: Vec<String>,
}

/// `GET /v2/{org}/{name}/tags/list`.
pub async fn list_tags(
    req: HttpRequest,
    state: Data<AppState>,
    path: Path<(String, String)>,
    query: Query<PageQuery>,
) -> HttpResponse {
    let repository = format!("{}/{}", path.0, path.1);
    let token = bearer_token(&req);
    let challenge = Challenge::of(&state, &req, Some(&repository));
    let listed = async {
        let model = content::model_of_repository(&state, &repository).await?;
        tokens::authorize_manifest(&state, token.as_deref(), &model, client_ip(&req)).await?;
        content::tags(&state, &model).await
    };
    let tags = match listed.await {
        Ok(tags) => tags,
        Err(err) => return registry_error(err, &challenge, token.is_some()),
    };
    let (shown, more) = page(tags, &query);
    let mut response = HttpResponse::Ok();
    if more {
        if let Some(link) = next_link(&format!("/v2/{repository}/tags/list"), &query, &shown) {
            response.insert_header((header::LINK, link));
        }
    }
    response.json(TagList {
        name: repository,
        tags: shown,
    })
}

#[derive(Debug, Deserialize)]
pub struct ReferrersQuery {
    #[serde(rename = "artifactType")]
    artifact_type: Option<String>,
}

/// `GET /v2/{org}/{name}/referrers/{digest}`: an image index of the manifests whose
/// subject is `digest` (the signatures of a view).
pub async fn list_referrers(
    req: HttpRequest,
    state: Data<AppState>,
    path: Path<(String, String, String)>,
    query: Query<ReferrersQuery>,
) -> HttpResponse {
    let (org, name, subject) = path.into_inner();
    let repository = format!("{org}/{name}");
    let token = bearer_token(&req);
    let challenge = Challenge::of(&state, &req, Some(&repository));
    let filter = query.artifact_type.as_deref();
    let listed = async {
        let model = content::model_of_repository(&state, &repository).await?;
        tokens::authorize_manifest(&state, token.as_deref(), &model, client_ip(&req)).await?;
        content::referrers(&state, &model, &subject, filter).await
    };
    let rows = match listed.await {
        Ok(rows) => rows,
        Err(err) => return registry_error(err, &challenge, token.is_some()),
    };
    let index = rows
        .iter()
        .map(|row| {
            let annotations = serde_json::from_str::<serde_json::Value>(&row.body)
                .ok()
                .and_then(|body| {
                    serde_json::from_value::<HashMap<String, String>>(body["annotations"].clone())
                        .ok()
                });
            let mut descriptor = DescriptorBuilder::default()
                .media_type(MediaType::from(OCI_MANIFEST))
                .digest(format!("sha256:{}", row.digest).parse::<Digest>()?)
                .size(row.body.len() as u64);
            if let Some(artifact_type) = &row.artifact_type {
                descriptor = descriptor.artifact_type(MediaType::from(artifact_type.as_str()));
            }
            if let Some(annotations) = annotations {
                descriptor = descriptor.annotations(annotations);
            }
            descriptor.build()
        })
        .collect::<Result<Vec<_>, _>>()
        .and_then(|manifests| {
            ImageIndexBuilder::default()
                .schema_version(2u32)
                .media_type(MediaType::ImageIndex)
                .manifests(manifests)
                .build()
        });
    let index = match index {
        Ok(index) => index,
        Err(err) => {
            return OciError::new(
                actix_web::http::StatusCode::INTERNAL_SERVER_ERROR,
                "UNKNOWN",
                format!("building the referrers index failed: {err}"),
            )
            .response()
        }
    };
    let mut response = HttpResponse::Ok();
    response.insert_header((header::CONTENT_TYPE, OCI_INDEX));
    if filter.is_some() {
        response.insert_header(("OCI-Filters-Applied", "artifactType"));
    }
    response.json(index)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(n: Option<usize>, last: Option<&str>) -> PageQuery {
        PageQuery {
            n,
            last: last.map(str::to_owned),
        }
    }

    #[test]
    fn pages_follow_last_and_stop_at_n() {
        let items: Vec<String> = ["a", "b", "c", "d"].iter().map(|s| s.to_string()).collect();
        assert_eq!(
            page(items.clone(), &query(Some(2), None)),
            (vec!["a".into(), "b".into()], true)
        );
        assert_eq!(
            page(items.clone(), &query(Some(2), Some("b"))),
            (vec!["c".into(), "d".into()], false)
        );
        assert_eq!(page(items.clone(), &query(Some(0), None)), (vec![], false));
        assert_eq!(page(items, &query(None, Some("d"))), (vec![], false));
        assert_eq!(
            next_link(
                "/v2/_catalog",
                &query(Some(2), None),
                &["a".into(), "b".into()]
            )
            .as_deref(),
            Some("</v2/_catalog?n=2&last=b>; rel=\"next\"")
        );
    }
}
