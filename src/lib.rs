//! modelgate: a region-aware model licensing and distribution gateway.

pub mod access;
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
pub mod inference;
pub mod licensing;
pub mod metrics;
pub mod mirror;
pub mod policy;
pub mod portal;
pub mod random;
pub mod routes;
pub mod startup;
pub mod state;
pub mod store;
pub mod telemetry;
