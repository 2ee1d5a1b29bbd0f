//! The policy engine: Cedar rules under `policies/` decide who may receive which model.
//! `bundle` loads and validates them with the license packs of `packs` (each license's
//! clauses as data), `decide` answers one access question with reasons,
//! `facts` reads what a decision needs from the database, `table` runs the
//! expected-decision table under `policies/tests/`.

pub mod bundle;
pub mod decide;
pub mod facts;
pub mod packs;
pub mod table;

pub use bundle::{BundleError, PolicyBundle};
pub use decide::{
    Action, Decision, LicenseeFacts, ModelFacts, Outcome, Reason, Signals, ACCEPTANCE_RULE,
};
pub use packs::{Citation, ClauseKind, LicensePack};
