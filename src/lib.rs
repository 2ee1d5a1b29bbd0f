//! modelgate: a region-aware model licensing and distribution gateway.

pub mod access;
pub mod accounts;
pub mod audit;
pub mod auth;
pub mod canonical_json;
pub mod catalog;
pub mod cli;
pub mod config;
pub mod db;
pub mod demo;
pub mod domain;
pub mod download;
pub mod error;
pub mod export;
pub mod geo;
pub mod i18n;
pub mod inference;
pub mod ledger;
pub mod licensing;
pub mod mail;
pub mod metrics;
pub mod mirror;
pub mod oci;
pub mod policy;
pub mod random;
pub mod startup;
pub mod state;
pub mod store;
pub mod telemetry;
pub mod web;

/// mimalloc instead of glibc's malloc, for the binary and for every test and benchmark that
/// links this crate (so a benchmark measures the allocator the gateway runs): freed large
/// buffers (decoded images) go back to the system instead of staying in whichever thread's
/// arena freed them, and small allocations (each policy evaluation makes many) cost less.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
