//! License ids: what a license is named by in URLs, manifests and policy facts.

/// Whether `id` is a valid license id.
pub fn valid_license_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
}
