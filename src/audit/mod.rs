//! The audit trail: one append-only, hash-chained log (`chain`), signed checkpoints of its
//! size and head (`checkpoint`), and its storage in `db::audit`.

pub mod chain;
pub mod checkpoint;

pub use chain::{ChainProblem, ChainedEvent, Verifier};
pub use checkpoint::Checkpoint;
