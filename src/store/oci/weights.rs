//! What a ModelPack config says about the weights (parameter count, precision, format),
//! read from safetensors headers: an 8-byte little-endian length, then that many bytes of
//! JSON naming every tensor's dtype and shape. Only headers are read, never tensor data.

use std::collections::BTreeMap;

/// The largest header accepted (the format's own limit is 100 MB).
pub const MAX_HEADER_BYTES: u64 = 100 * 1024 * 1024;

/// Parameters per dtype over the safetensors files of a revision.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WeightTally {
    by_dtype: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum HeaderError {
    #[error("safetensors header of {0} bytes is larger than allowed")]
    TooLarge(u64),
    #[error("safetensors header is not valid: {0}")]
    Invalid(String),
}

/// The length of the JSON header announced by a file's first 8 bytes.
pub fn header_len(first_bytes: [u8; 8]) -> Result<u64, HeaderError> {
    let len = u64::from_le_bytes(first_bytes);
    if len > MAX_HEADER_BYTES {
        return Err(HeaderError::TooLarge(len));
    }
    Ok(len)
}

/// Collects a safetensors file's JSON header from its bytes as they stream past, in
/// chunks of any size, keeping nothing else.
#[derive(Debug, Default)]
pub struct HeaderReader {
    head: Vec<u8>,
    /// The bytes wanted: 8 until the length is read, then 8 plus the header's length.
    wanted: usize,
    failed: Option<HeaderError>,
}

impl HeaderReader {
    pub fn new() -> Self {
        HeaderReader {
            head: Vec::new(),
            wanted: 8,
            failed: None,
        }
    }

    /// Takes what it needs of the next `chunk` of the file.
    pub fn feed(&mut self, chunk: &[u8]) {
        let mut used = 0;
        while self.head.len() < self.wanted && used < chunk.len() {
            let take = (self.wanted - self.head.len()).min(chunk.len() - used);
            self.head.extend_from_slice(&chunk[used..used + take]);
            used += take;
            if self.wanted == 8 && self.head.len() == 8 {
                let mut first = [0u8; 8];
                first.copy_from_slice(&self.head);
                match header_len(first) {
                    Ok(len) => self.wanted = 8 + usize::try_from(len).unwrap_or(usize::MAX),
                    Err(err) => {
                        self.failed = Some(err);
                        self.wanted = 0;
                    }
                }
            }
        }
    }

    /// The JSON header, once the file has been fed whole.
    pub fn header(&self) -> Result<&[u8], HeaderError> {
        if let Some(err) = &self.failed {
            return Err(err.clone());
        }
        if self.wanted <= 8 || self.head.len() < self.wanted {
            return Err(HeaderError::Invalid(
                "the file ends inside its header".into(),
            ));
        }
        Ok(&self.head[8..])
    }
}

#[derive(serde::Deserialize)]
struct TensorInfo {
    dtype: String,
    shape: Vec<u64>,
}

impl WeightTally {
    /// Adds the tensors a safetensors JSON header lists.
    pub fn add_header(&mut self, header: &[u8]) -> Result<(), HeaderError> {
        let entries: BTreeMap<String, serde_json::Value> =
            serde_json::from_slice(header).map_err(|e| HeaderError::Invalid(e.to_string()))?;
        for (name, value) in entries {
            if name == "__metadata__" {
                continue;
            }
            let tensor: TensorInfo =
                serde_json::from_value(value).map_err(|e| HeaderError::Invalid(e.to_string()))?;
            let count = tensor
                .shape
                .iter()
                .try_fold(1u64, |acc, d| acc.checked_mul(*d))
                .ok_or_else(|| HeaderError::Invalid(format!("tensor `{name}` is too large")))?;
            let slot = self.by_dtype.entry(tensor.dtype).or_default();
            *slot = slot.saturating_add(count);
        }
        Ok(())
    }

    /// Every parameter counted.
    pub fn parameters(&self) -> u64 {
        self.by_dtype.values().sum()
    }

    /// The dtype most parameters have, in ModelPack's words (`bfloat16`, `float16`, …).
    pub fn precision(&self) -> Option<String> {
        let (dtype, _) = self.by_dtype.iter().max_by_key(|(_, count)| **count)?;
        Some(
            match dtype.as_str() {
                "BF16" => "bfloat16",
                "F16" => "float16",
                "F32" => "float32",
                "F64" => "float64",
                "F8_E4M3" => "float8_e4m3",
                "F8_E5M2" => "float8_e5m2",
                "I8" => "int8",
                "U8" => "uint8",
                "I16" => "int16",
                "I32" => "int32",
                "I64" => "int64",
                "BOOL" => "bool",
                other => return Some(other.to_ascii_lowercase()),
            }
            .to_owned(),
        )
    }

    /// The parameter count as ModelPack writes it: `8b`, `1.2b`, `350m`, `4.1k`.
    pub fn param_size(&self) -> Option<String> {
        let count = self.parameters();
        if count == 0 {
            return None;
        }
        let (value, unit) = [(1e12, "t"), (1e9, "b"), (1e6, "m"), (1e3, "k")]
            .into_iter()
            .find(|(scale, _)| count as f64 >= *scale)
            .map_or((count as f64, ""), |(scale, unit)| {
                (count as f64 / scale, unit)
            });
        let rounded = (value * 10.0).round() / 10.0;
        let text = if rounded.fract() == 0.0 {
            format!("{rounded:.0}")
        } else {
            format!("{rounded:.1}")
        };
        Some(format!("{text}{unit}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_header_counts_parameters_by_dtype() {
        let mut tally = WeightTally::default();
        tally
            .add_header(
                br#"{"__metadata__":{"format":"pt"},
                    "embed.weight":{"dtype":"BF16","shape":[1000,64],"data_offsets":[0,128000]},
                    "norm.weight":{"dtype":"F32","shape":[64],"data_offsets":[128000,128256]}}"#,
            )
            .expect("header");
        assert_eq!(tally.parameters(), 64_064);
        assert_eq!(tally.precision().as_deref(), Some("bfloat16"));
        assert_eq!(tally.param_size().as_deref(), Some("64.1k"));
    }

    #[test]
    fn sizes_read_like_model_names() {
        let sized = |n: u64| {
            let mut tally = WeightTally::default();
            tally.by_dtype.insert("F16".into(), n);
            tally.param_size().expect("size")
        };
        assert_eq!(sized(8_030_261_248), "8b");
        assert_eq!(sized(1_235_814_400), "1.2b");
        assert_eq!(sized(350_000_000), "350m");
        assert_eq!(sized(999), "999");
    }

    #[test]
    fn the_header_is_read_from_chunks_of_any_size() {
        let header = br#"{"w":{"dtype":"F16","shape":[2,2],"data_offsets":[0,8]}}"#;
        let mut file = (header.len() as u64).to_le_bytes().to_vec();
        file.extend_from_slice(header);
        file.extend_from_slice(&[0u8; 8]);
        for chunk in [1, 3, 8, 9, 20, file.len()] {
            let mut reader = HeaderReader::new();
            file.chunks(chunk).for_each(|c| reader.feed(c));
            assert_eq!(
                reader.header().expect("header"),
                header,
                "chunks of {chunk}"
            );
        }
        let mut short = HeaderReader::new();
        short.feed(&file[..12]);
        assert!(short.header().is_err());
        let mut huge = HeaderReader::new();
        huge.feed(&u64::MAX.to_le_bytes());
        assert!(huge.header().is_err());
    }

    #[test]
    fn oversized_and_malformed_headers_are_refused() {
        assert!(header_len((MAX_HEADER_BYTES + 1).to_le_bytes()).is_err());
        assert!(WeightTally::default().add_header(b"not json").is_err());
        assert!(WeightTally::default()
            .add_header(br#"{"t":{"dtype":"F16","shape":[4294967296,4294967296,4294967296]}}"#)
            .is_err());
    }
}
