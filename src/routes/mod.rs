//! The JSON API: one `web::scope` per resource, all wired in `configure`.

mod blobs;
mod health;
mod keys;
mod models;

use actix_web::web;

/// Registers every API route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("")
            .route("/healthz", web::get().to(health::live))
            .route("/readyz", web::get().to(health::ready))
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
                    ),
            )
            .service(
                web::scope("/v1/keys").route("/publisher", web::get().to(keys::get_publisher_key)),
            )
            .service(
                web::scope("/v1/blobs")
                    .route("/{reference}", web::get().to(blobs::download_blob))
                    .route("/{reference}", web::head().to(blobs::download_blob)),
            ),
    );
}
