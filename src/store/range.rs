//! Parsing of the HTTP `Range` header for blobs (RFC 9110 §14): one byte range is served
//! as 206; a syntactically broken or unsatisfiable byte range is a 416; other units and
//! multi-range requests are answered with the whole representation (200).

/// An inclusive byte range `first..=last` within a representation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteRange {
    pub first: u64,
    pub last: u64,
}

impl ByteRange {
    /// Number of bytes in the range; never zero.
    pub fn byte_count(&self) -> u64 {
        self.last - self.first + 1
    }

    /// `Content-Range` value for this range of a `size`-byte representation.
    pub fn content_range(&self, size: u64) -> String {
        format!("bytes {}-{}/{}", self.first, self.last, size)
    }
}

/// What the server should do with a request's `Range` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RangeRequest {
    /// No usable range: send the whole representation with 200.
    Full,
    /// Send this single range with 206.
    Partial(ByteRange),
    /// Answer 416 with `Content-Range: bytes */size`; the string says why.
    Unsatisfiable(String),
}

/// Interprets `header` (the raw `Range` value, if any) against a representation of `size` bytes.
///
/// ```
/// use modelgate::store::range::{parse_range, ByteRange, RangeRequest};
/// assert_eq!(parse_range(Some("bytes=-10"), 100), RangeRequest::Partial(ByteRange { first: 90, last: 99 }));
/// assert!(matches!(parse_range(Some("bytes=5-2"), 100), RangeRequest::Unsatisfiable(_)));
/// assert_eq!(parse_range(Some("bytes=0-1,4-5"), 100), RangeRequest::Full);
/// ```
pub fn parse_range(header: Option<&str>, size: u64) -> RangeRequest {
    let Some(header) = header else {
        return RangeRequest::Full;
    };
    let header = header.trim();
    let Some((unit, spec)) = header.split_once('=') else {
        return RangeRequest::Unsatisfiable(format!("malformed range `{}`", clip(header)));
    };
    if !unit.trim().eq_ignore_ascii_case("bytes") {
        // RFC 9110: a range unit the server does not know is ignored.
        return RangeRequest::Full;
    }
    if spec.contains(',') {
        // Multi-range answers would be multipart; serving the whole blob is allowed and
        // what every download client handles.
        return RangeRequest::Full;
    }
    match parse_spec(spec.trim(), size) {
        Ok(range) => RangeRequest::Partial(range),
        Err(reason) => RangeRequest::Unsatisfiable(format!("range `{}` {reason}", clip(header))),
    }
}

fn parse_spec(spec: &str, size: u64) -> Result<ByteRange, &'static str> {
    let (first, last) = spec.split_once('-').ok_or("is malformed")?;
    let number = |s: &str| -> Result<u64, &'static str> {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err("is malformed");
        }
        s.parse::<u64>().map_err(|_| "has a number too large")
    };
    if first.is_empty() {
        // Suffix range: the last `n` bytes.
        let n = number(last)?;
        if n == 0 || size == 0 {
            return Err("selects no bytes");
        }
        return Ok(ByteRange {
            first: size.saturating_sub(n),
            last: size - 1,
        });
    }
    let first = number(first)?;
    let last = if last.is_empty() {
        None
    } else {
        Some(number(last)?)
    };
    if let Some(last) = last {
        if last < first {
            return Err("is reversed");
        }
    }
    if first >= size {
        return Err("starts beyond the end");
    }
    let last = last.map_or(size - 1, |l| l.min(size - 1));
    Ok(ByteRange { first, last })
}

fn clip(s: &str) -> String {
    s.chars().take(100).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn partial(first: u64, last: u64) -> RangeRequest {
        RangeRequest::Partial(ByteRange { first, last })
    }

    #[test]
    fn single_ranges() {
        assert_eq!(parse_range(None, 100), RangeRequest::Full);
        assert_eq!(parse_range(Some("bytes=0-9"), 100), partial(0, 9));
        assert_eq!(parse_range(Some("bytes=90-"), 100), partial(90, 99));
        assert_eq!(parse_range(Some("bytes=-10"), 100), partial(90, 99));
        assert_eq!(parse_range(Some("bytes=-1000"), 100), partial(0, 99));
        assert_eq!(parse_range(Some("bytes=50-1000"), 100), partial(50, 99));
        assert_eq!(parse_range(Some("Bytes = 1-1"), 100), partial(1, 1));
    }

    #[test]
    fn unsatisfiable_and_malformed_ranges() {
        for bad in [
            "bytes=100-",
            "bytes=200-300",
            "bytes=5-2",
            "bytes=-0",
            "bytes=abc",
            "bytes=1-x",
            "bytes=--1",
            "bytes=99999999999999999999999-",
            "bytes=0-99999999999999999999999",
            "bytes",
        ] {
            assert!(
                matches!(parse_range(Some(bad), 100), RangeRequest::Unsatisfiable(_)),
                "{bad} should be unsatisfiable"
            );
        }
        assert!(matches!(
            parse_range(Some("bytes=0-"), 0),
            RangeRequest::Unsatisfiable(_)
        ));
    }

    #[test]
    fn other_units_and_multi_range_get_the_whole_blob() {
        assert_eq!(parse_range(Some("items=0-1"), 100), RangeRequest::Full);
        assert_eq!(parse_range(Some("bytes=0-1,5-6"), 100), RangeRequest::Full);
    }
}
