//! Model distribution: the content-addressed blob store, manifests, signatures, publishing,
//! offline verification and HTTP range semantics.

pub mod blobs;
pub mod local;
pub mod object;
pub mod http;
pub mod manifest;
pub mod publish;
pub mod range;
pub mod signing;
pub mod verify;
pub mod walk;
