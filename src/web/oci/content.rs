//! `GET`/`HEAD /v2/<name>/manifests/<reference>` and `/v2/<name>/blobs/<digest>`. A
//! manifest needs a token that opens the repository; a blob is a download like any other:
//! grant-checked, charged to the allowance of the file it carries and audited
//! (`web::blob_response`), with `Docker-Content-Digest` added.

use actix_web::http::{header, Method};
use actix_web::web::{Bytes, Data, Path};
use actix_web::{HttpRequest, HttpResponse};

use super::{bearer_token, registry_error, registry_error_for, Challenge};
use crate::access::grant::{self, BlobRequest};
use crate::db::oci::OciBlobRow;
use crate::domain::{ModelPath, Sha256Digest};
use crate::error::ApiError;
use crate::oci::names::{parse_digest, parse_reference};
use crate::oci::{content, tokens, RegistryError};
use crate::state::AppState;
use crate::store::oci::tar_layer::TarFrame;
use crate::web::blob_response::{respond, BlobSource};
use crate::web::extract::client_ip;

const DOCKER_CONTENT_DIGEST: &str = "docker-content-digest";

/// `GET|HEAD /v2/{org}/{name}/manifests/{reference}`.
pub async fn get_manifest(
    req: HttpRequest,
    state: Data<AppState>,
    path: Path<(String, String, String)>,
) -> HttpResponse {
    let (org, name, reference) = path.into_inner();
    let repository = format!("{org}/{name}");
    let token = bearer_token(&req);
    let challenge = Challenge::of(&state, &req, Some(&repository));
    let found = async {
        let model = content::model_of_repository(&state, &repository).await?;
        let holder =
            tokens::authorize_manifest(&state, token.as_deref(), &model, client_ip(&req)).await?;
        let reference = parse_reference(&reference)?;
        let manifest = content::find_manifest(&state, &model, &reference).await?;
        // The holder's grant is for one revision; another one is decided anew.
        tokens::grant_for_revision(
            &state,
            &holder,
            &model,
            &manifest.revision_digest,
            client_ip(&req),
        )
        .await?;
        Ok::<_, RegistryError>(manifest)
    };
    let manifest = match found.await {
        Ok(manifest) => manifest,
        Err(err) => return registry_error(err, &challenge, token.is_some()),
    };
    let mut response = HttpResponse::Ok();
    response
        .insert_header((header::CONTENT_TYPE, manifest.media_type.clone()))
        .insert_header((DOCKER_CONTENT_DIGEST, format!("sha256:{}", manifest.digest)))
        .insert_header((header::ETAG, format!("\"sha256:{}\"", manifest.digest)))
        .insert_header((header::CACHE_CONTROL, "private, no-cache"));
    if req.method() == Method::HEAD {
        // The GET's length, no body.
        return response.body(actix_web::body::SizedStream::new(
            manifest.body.len() as u64,
            futures_util::stream::empty::<Result<Bytes, std::io::Error>>(),
        ));
    }
    response.body(manifest.body)
}

/// `GET|HEAD /v2/{org}/{name}/blobs/{digest}`.
pub async fn get_blob(
    req: HttpRequest,
    state: Data<AppState>,
    path: Path<(String, String, String)>,
) -> HttpResponse {
    let (org, name, digest) = path.into_inner();
    let repository = format!("{org}/{name}");
    let token = bearer_token(&req);
    let challenge = Challenge::of(&state, &req, Some(&repository));
    let digest = match parse_digest(&digest) {
        Ok(digest) => digest,
        Err(err) => return registry_error(err, &challenge, token.is_some()),
    };
    let mut request = BlobRequest::new(
        &digest,
        req.method().as_str(),
        client_ip(&req),
        req.headers()
            .get(header::RANGE)
            .and_then(|v| v.to_str().ok()),
    );
    let mut holder = None;
    let located = async {
        let model = content::model_of_repository(&state, &repository).await?;
        let checked =
            tokens::authorize_pull(&state, token.as_deref(), &model, &mut request).await?;
        let checked = holder.insert(checked);
        content::find_blob(&state, checked, &model, &digest, request.client_ip).await
    }
    .await;
    let (grant, blob) = match located {
        Ok(found) => found,
        Err(err) => {
            let response = registry_error_for(err, &challenge, token.is_some());
            if request.user_id.is_some() {
                // A refusal of a known account is audited like any refused blob request.
                request.status = response.0.status().as_u16();
                grant::record_refusal(&state, holder.as_ref(), &request, &response.1).await;
            }
            return response.0;
        }
    };
    let source = match source_of(&blob, &mut request) {
        Ok(source) => source,
        Err(err) => return super::api_error(&err, &challenge, true),
    };
    let answer = respond(&req, &state, &grant, request, source).await;
    match answer {
        Ok(mut response) => {
            if let Ok(value) = header::HeaderValue::from_str(&digest.reference()) {
                response.headers_mut().insert(
                    header::HeaderName::from_static(DOCKER_CONTENT_DIGEST),
                    value,
                );
            }
            response
        }
        Err(err) => super::api_error(&err, &challenge, true),
    }
}

/// Where the bytes of `blob` come from; notes its size on `request`.
fn source_of(blob: &OciBlobRow, request: &mut BlobRequest<'_>) -> Result<BlobSource, ApiError> {
    request.size = u64::try_from(blob.size).map_err(ApiError::internal)?;
    let source: Option<Sha256Digest> = blob
        .source_sha256
        .as_deref()
        .map(str::parse)
        .transpose()
        .map_err(ApiError::internal)?;
    match (blob.kind.as_str(), source) {
        ("file", Some(file)) if file == *request.blob => Ok(BlobSource::Stored),
        ("inline", _) => {
            let body = Bytes::from(blob.body.clone().unwrap_or_default());
            if body.len() as u64 != request.size {
                return Err(ApiError::internal(anyhow::anyhow!(
                    "OCI blob {} holds {} bytes, {} recorded",
                    blob.digest,
                    body.len(),
                    request.size
                )));
            }
            Ok(BlobSource::Inline(body))
        }
        ("tar", Some(file)) => {
            let path: ModelPath = blob
                .path
                .as_deref()
                .unwrap_or_default()
                .parse()
                .map_err(ApiError::internal)?;
            let file_size = blob
                .source_size
                .and_then(|n| u64::try_from(n).ok())
                .unwrap_or_default();
            let frame = TarFrame::for_file(&path, file_size).map_err(ApiError::internal)?;
            // INVARIANT: the frame made now is the one the layer's digest was taken over.
            if frame.layer_size(file_size) != request.size {
                return Err(ApiError::internal(anyhow::anyhow!(
                    "the tar frame of `{path}` makes a {}-byte layer, {} recorded",
                    frame.layer_size(file_size),
                    request.size
                )));
            }
            Ok(BlobSource::Framed {
                prefix: Bytes::from(frame.prefix),
                file,
                suffix: Bytes::from(frame.suffix),
            })
        }
        (kind, _) => Err(ApiError::internal(anyhow::anyhow!(
            "OCI blob {} of kind `{kind}` has no source",
            blob.digest
        ))),
    }
}
