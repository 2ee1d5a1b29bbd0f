//! Licensing: license documents and their versions, attestations and acceptances.

pub mod documents;
pub mod service;
