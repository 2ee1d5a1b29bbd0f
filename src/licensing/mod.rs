//! Licensing: license documents and their versions, attestations and acceptances.

pub mod acceptance;
pub mod documents;
pub mod service;
