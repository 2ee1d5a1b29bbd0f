//! The audit ledger's format, below storage and services: what an event says (`event`), the
//! entry the Merkle tree commits to (`entry`), the tree (`tree`), its C2SP tiles (`tiles`),
//! signed checkpoints and witness cosignatures (`note`), receipts (`proof`), re-deriving the
//! tree to verify it (`verify`), and what an
//! entry records about the request that caused it (`context`). The hash chain of earlier
//! releases (`chain`, `checkpoint`) stays so their exports still verify. Pure values and
//! functions (and the request's task-local), so `db` stores them and an offline verifier
//! checks them without the rest of the gateway.

pub mod chain;
pub mod checkpoint;
pub mod context;
pub mod entry;
pub mod event;
pub mod note;
pub mod personal;
pub mod proof;
pub mod tiles;
pub mod tree;
pub mod verify;

pub use chain::{ChainProblem, ChainedEvent, Verifier};
pub use checkpoint::Checkpoint;
pub use entry::LogEntry;
