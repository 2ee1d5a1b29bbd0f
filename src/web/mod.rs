//! The web layer: every actix type lives here. Its three front ends are the JSON API (`api`,
//! with the Hugging Face Hub subset), the portal (`portal`) and the OCI registry (`oci`);
//! they call the services and never each other; `blob_response` is the blob answer the
//! API and the registry share. `server` builds the HTTP server, `extract` turns requests into typed
//! inputs for the services, `middleware` and `limits` measure and bound requests, `error`
//! turns an `ApiError` into a response, `body` a blob into a response body, and `urls`
//! makes the absolute links answers carry. Below this layer (services, storage, access,
//! geo) nothing knows about HTTP frameworks.

pub mod api;
pub mod blob_response;
pub mod body;
pub mod error;
pub mod extract;
pub mod language;
pub mod limits;
pub mod middleware;
pub mod oci;
pub mod portal;
pub mod server;
pub mod urls;
