//! The publisher's public key, for clients that verify `model.sig`.

use actix_web::{http::header, web::Data, HttpResponse};

use crate::state::AppState;

/// Header carrying the publisher key fingerprint (`sha256:` + hex of the PEM).
pub const FINGERPRINT_HEADER: &str = "Modelgate-Key-Fingerprint";

/// `GET /v1/keys/publisher`: the key as PEM, its fingerprint in a header.
#[utoipa::path(
    get,
    path = "/v1/keys/publisher",
    tag = "models",
    security(()),
    responses((
        status = 200,
        description = "The publisher's public key (PEM); `Modelgate-Key-Fingerprint` holds its fingerprint",
        body = String,
        content_type = "application/x-pem-file",
        headers(("Modelgate-Key-Fingerprint" = String, description = "`sha256:` and the hex SHA-256 of the PEM")),
    )),
)]
pub async fn get_publisher_key(state: Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "application/x-pem-file"))
        .insert_header((FINGERPRINT_HEADER, state.publisher.fingerprint()))
        .body(state.publisher.pem())
}
