//! The audit ledger's format, below storage and services: what an event says (`event`), how
//! it is hashed into the chain, how a checkpoint is signed, and what an entry records about the request that caused
//! it. Pure values and functions (and the request's task-local), so `db` stores them and an
//! offline verifier checks them without the rest of the gateway.

pub mod chain;
pub mod checkpoint;
pub mod context;
pub mod event;

pub use chain::{ChainProblem, ChainedEvent, Verifier};
pub use checkpoint::Checkpoint;
