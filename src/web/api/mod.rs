//! The JSON API: one `web::scope` per resource, all wired in `configure`.

pub(crate) mod access;
pub(crate) mod admin;
pub(crate) mod audit;
mod auth;
mod blobs;
mod health;
mod hub;
mod hub_auth;
mod hub_info;
mod hub_requests;
mod hub_tree;
mod inference;
mod keys;
pub(crate) mod licenses;
pub(crate) mod me;
mod mirror;
mod models;
pub mod openapi;
mod partners;
mod policy;
pub(crate) mod reviews;
mod transparency;

use actix_web::web;

/// A JSON body that may be left out (empty or blank means the defaults).
pub(crate) fn optional_json_body<T: serde::de::DeserializeOwned + Default>(
    body: &[u8],
) -> Result<T, crate::error::ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(body)
        .map_err(|e| crate::error::ApiError::BadRequest(format!("invalid JSON body: {e}")))
}

/// The whole request body, refused with 413 `payload-too-large` past `limit` bytes (for a
/// route whose bodies may be larger than the default extractor allows).
pub(crate) async fn body_up_to(
    mut payload: actix_web::web::Payload,
    limit: usize,
) -> Result<actix_web::web::Bytes, crate::error::ApiError> {
    use futures_util::StreamExt;
    let mut body = actix_web::web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk
            .map_err(|e| crate::error::ApiError::BadRequest(format!("reading the body: {e}")))?;
        if body.len() + chunk.len() > limit {
            return Err(crate::error::ApiError::PayloadTooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// Registers every API route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("")
            .route("/healthz", web::get().to(health::live))
            .route("/readyz", web::get().to(health::ready))
            .route("/metrics", web::get().to(health::metrics))
            .route("/openapi.json", web::get().to(openapi::openapi_json))
            .service(
                web::scope("/v1/auth")
                    .route("/register", web::post().to(auth::register))
                    .route("/verify-email", web::post().to(auth::verify_email))
                    .route(
                        "/resend-verification",
                        web::post().to(auth::resend_verification),
                    )
                    .route("/login", web::post().to(auth::login))
                    .route("/logout", web::post().to(auth::logout))
                    .route("/jwks", web::get().to(auth::jwks)),
            )
            .route("/.well-known/jwks.json", web::get().to(auth::jwks))
            .route("/v1/policy", web::get().to(policy::get_policy))
            .service(
                web::scope("/v1/me")
                    .route("", web::get().to(me::get_me))
                    .route("/attestation", web::put().to(me::put_attestation))
                    .route("/attestation", web::get().to(me::get_attestation))
                    .route("/tokens", web::post().to(me::create_token))
                    .route("/tokens", web::get().to(me::list_tokens))
                    .route("/tokens/{id}", web::delete().to(me::revoke_token))
                    .route("/licenses", web::get().to(me::my_licenses))
                    .route("/reviews", web::get().to(reviews::my_reviews)),
            )
            .service(
                web::scope("/v1/licenses")
                    .route("", web::get().to(licenses::list_licenses))
                    .route("/{id}", web::get().to(licenses::get_license))
                    .route("/{id}/accept", web::post().to(licenses::accept_license)),
            )
            .service(
                web::scope("/v1/admin")
                    .route(
                        "/licenses/{id}/versions",
                        web::post().to(admin::publish_license_version),
                    )
                    .route(
                        "/licenses/{id}/acceptances",
                        web::get().to(admin::list_acceptances),
                    )
                    .route(
                        "/acceptances/{id}/revoke",
                        web::post().to(admin::revoke_acceptance),
                    )
                    .route("/partners", web::post().to(partners::create))
                    .route("/partners", web::get().to(partners::list))
                    .route("/partners/{id}", web::put().to(partners::update)),
            )
            .service(
                web::scope("/v1/mirror")
                    .route("/snapshot", web::get().to(mirror::get_snapshot))
                    .route("/audit", web::post().to(mirror::receive_audit_events)),
            )
            .service(
                web::scope("/v1/models")
                    .route("", web::get().to(models::list_models))
                    .route("/{org}/{name}", web::get().to(models::get_model))
                    .route(
                        "/{org}/{name}/manifest",
                        web::get().to(models::get_manifest),
                    )
                    .route(
                        "/{org}/{name}/model.sig",
                        web::get().to(models::get_signature),
                    )
                    .route(
                        "/{org}/{name}/access",
                        web::post().to(access::request_model_access),
                    )
                    .route(
                        "/{org}/{name}/validate",
                        web::post().to(inference::validate_model),
                    )
                    .route(
                        "/{org}/{name}/generate",
                        web::post().to(inference::generate_text),
                    ),
            )
            .service(
                web::scope("/v1/reviews")
                    .route("", web::get().to(reviews::list_reviews))
                    .route("/{id}", web::get().to(reviews::get_review))
                    .route("/{id}/approve", web::post().to(reviews::approve_review))
                    .route("/{id}/deny", web::post().to(reviews::deny_review)),
            )
            .service(
                web::scope("/v1/keys")
                    .route("/publisher", web::get().to(keys::get_publisher_key))
                    .route("/audit", web::get().to(audit::get_audit_key))
                    .route("/audit.vkey", web::get().to(transparency::get_log_vkey)),
            )
            .service(
                web::scope("/v1/audit")
                    .route("/events", web::get().to(audit::list_events))
                    .route("/export", web::get().to(audit::export_events))
                    .route("/checkpoints", web::get().to(audit::list_checkpoints))
                    .route("/verify", web::get().to(audit::verify_log))
                    .route("/summary", web::get().to(audit::summary_report))
                    .route(
                        "/log/checkpoint",
                        web::get().to(transparency::get_checkpoint),
                    )
                    .route("/log/tile/{path:.*}", web::get().to(transparency::get_tile))
                    .route(
                        "/log/consistency",
                        web::get().to(transparency::get_consistency),
                    )
                    .route(
                        "/log/cosignatures",
                        web::post().to(transparency::add_cosignature),
                    )
                    .route("/proof/{entry}", web::get().to(transparency::get_proof)),
            )
            .service(
                web::scope("/v1/blobs")
                    .route("/{reference}", web::get().to(blobs::download_blob))
                    .route("/{reference}", web::head().to(blobs::download_blob)),
            )
            // The Hugging Face Hub-compatible subset (`HF_ENDPOINT`).
            .service(
                web::scope("/api/models")
                    .route("/{org}/{name}", web::get().to(hub_info::model_info))
                    .route(
                        "/{org}/{name}/revision/{rev}",
                        web::get().to(hub_info::model_info_revision),
                    )
                    .route("/{org}/{name}/tree/{rev}", web::get().to(hub_tree::tree))
                    .route(
                        "/{org}/{name}/tree/{rev}/{path:.*}",
                        web::get().to(hub_tree::tree_under),
                    )
                    .route(
                        "/{org}/{name}/paths-info/{rev}",
                        web::post().to(hub_tree::paths_info),
                    )
                    .route(
                        "/{org}/{name}/auth-check",
                        web::get().to(hub_auth::auth_check),
                    )
                    .route(
                        "/{org}/{name}/user-access-request/handle",
                        web::post().to(hub_requests::handle_access_request),
                    )
                    .route(
                        "/{org}/{name}/user-access-request/grant",
                        web::post().to(hub_requests::grant_access),
                    )
                    .route(
                        "/{org}/{name}/user-access-request/{status}",
                        web::get().to(hub_requests::list_access_requests),
                    ),
            )
            .route("/api/whoami-v2", web::get().to(hub_auth::whoami))
            .route(
                "/{org}/{name}/resolve/{rev}/{path:.*}",
                web::get().to(hub::resolve),
            )
            .route(
                "/{org}/{name}/resolve/{rev}/{path:.*}",
                web::head().to(hub::resolve),
            ),
    );
}
