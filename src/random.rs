//! Random identifiers and secrets, from the operating system's RNG.

use rand_core::{OsRng, RngCore};

/// `bytes` random bytes as lowercase hex: ids, temp names, session ids.
pub fn random_hex(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    OsRng.fill_bytes(&mut buffer);
    hex::encode(buffer)
}

/// A new record id: 128 random bits.
pub fn new_id() -> String {
    random_hex(16)
}
