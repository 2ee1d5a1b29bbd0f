//! The integration tests, one binary with a module per feature (`cargo test` runs them).
//!
//! Most tests start the real gateway in-process on port 0 (`common::spawn_app`); a test that
//! takes a `Backend` is defined once per database by `on_each_backend!`. Tests that need
//! something outside Rust (PostgreSQL, Chromium, PyTorch, the Hugging Face clients, Garage,
//! the GeoIP databases from npm, an SMTP server) are `#[ignore]`d with the reason, and
//! `cargo test -- --include-ignored` runs them (as `.ci/run` does, after installing all of
//! it), where a missing tool fails the test.
#![allow(clippy::unwrap_used)]

#[macro_use]
mod common;

mod access;
mod accounts;
mod api_blobs;
mod api_catalog;
mod audit;
mod audit_log;
mod cli;
mod compliance;
mod database;
mod decision_table;
mod demo_models;
mod deploy;
mod download;
mod hostile;
mod hub;
mod inference;
mod languages;
mod layering;
mod licensing;
mod metrics;
mod mirror;
mod object_store;
mod oci;
mod openapi;
mod policy;
mod portal;
mod publish;
mod replicas;
mod reviews;
mod verify;
mod vision;
