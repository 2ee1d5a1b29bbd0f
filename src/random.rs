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

/// A new record id that sorts by creation time, for rows written at a high rate under a
/// unique index (audit entries): the unix milliseconds (48 bits) then 80 random bits, 32 hex
/// digits like `new_id`. Each new row then lands at the index's end rather than on a random
/// page, so a commit rewrites a few index pages, not one per row.
pub fn new_time_ordered_id() -> String {
    let mut buffer = [0u8; 16];
    let millis = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| {
            u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX)
        });
    buffer[..6].copy_from_slice(&millis.to_be_bytes()[2..]);
    OsRng.fill_bytes(&mut buffer[6..]);
    hex::encode(buffer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_ordered_ids_sort_by_time_and_stay_unguessable() {
        let earlier = new_time_ordered_id();
        std::thread::sleep(std::time::Duration::from_millis(2));
        let (a, b) = (new_time_ordered_id(), new_time_ordered_id());
        assert!(earlier < a && earlier < b, "{earlier} {a} {b}");
        assert_ne!(a, b);
        assert_eq!(a.len(), new_id().len());
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
        // The first 12 digits are the time: never earlier for the later id.
        assert!(a[..12] <= b[..12], "{a} {b}");
    }
}
