//! Model distribution: the content-addressed blob store, manifests, signatures, their OCI
//! views, offline verification and HTTP range semantics.

pub mod blobs;
pub mod hf_cache;
pub mod http;
pub mod local;
pub mod manifest;
pub mod model_card;
pub mod object;
pub mod oci;
pub mod range;
pub mod signing;
pub mod validation;
pub mod verify;
pub mod walk;
