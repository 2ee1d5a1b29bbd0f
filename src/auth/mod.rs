//! Authentication and authorisation: passwords, session JWTs, API tokens, login
//! throttling, and the `Principal` extractor handlers use.

pub mod api_tokens;
pub mod jwt;
pub mod password;
pub mod principal;
pub mod throttle;

pub use api_tokens::Scope;
pub use principal::{Principal, ANY_ROLE};
