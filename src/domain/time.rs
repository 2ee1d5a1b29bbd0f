//! Times as responses, exports and pages show them, and as people type them in filters.

use super::DomainError;

/// RFC 3339 in UTC for a unix-millisecond time, the time format of every response.
pub fn rfc3339(ms: i64) -> String {
    ::time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| {
            t.format(&::time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

/// A `YYYY-MM-DD` or RFC 3339 query value as unix milliseconds.
pub fn parse_time(field: &str, value: &str) -> Result<i64, DomainError> {
    use ::time::format_description::well_known::Rfc3339;
    let parsed = ::time::OffsetDateTime::parse(value, &Rfc3339).or_else(|_| {
        let date_format = ::time::macros::format_description!("[year]-[month]-[day]");
        ::time::Date::parse(value, &date_format).map(|d| d.midnight().assume_utc())
    });
    parsed
        .map(|t| i64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX))
        .map_err(|_| DomainError::Time {
            field: field.to_string(),
        })
}
