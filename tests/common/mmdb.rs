//! A small MaxMind DB (`.mmdb`, format 2.0) writer for tests: an IPv4 search tree with
//! 32-bit records, a data section of maps, strings, booleans and unsigned integers, and
//! the metadata block. Tests build GeoIP2-Country-shaped and DB-IP-shaped databases with it.
#![allow(dead_code, clippy::unwrap_used)]

use std::net::Ipv4Addr;
use std::path::Path;

/// A value in the data section.
#[derive(Debug, Clone)]
pub enum Value {
    Str(String),
    Bool(bool),
    U16(u16),
    U32(u32),
    U64(u64),
    Map(Vec<(String, Value)>),
    Array(Vec<Value>),
}

pub fn map(entries: &[(&str, Value)]) -> Value {
    Value::Map(
        entries
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect(),
    )
}

pub fn s(text: &str) -> Value {
    Value::Str(text.to_owned())
}

/// A GeoIP2/GeoLite2 Country record.
pub fn geoip2_country(iso_code: &str, continent: &str, anonymous_proxy: bool) -> Value {
    let mut entries = vec![("continent", map(&[("code", s(continent))]))];
    if !iso_code.is_empty() {
        entries.push(("country", map(&[("iso_code", s(iso_code))])));
    }
    if anonymous_proxy {
        entries.push(("traits", map(&[("is_anonymous_proxy", Value::Bool(true))])));
    }
    map(&entries)
}

/// A DB-IP country record (`country_code` at the top level).
pub fn dbip_country(code: &str) -> Value {
    map(&[("country_code", s(code))])
}

/// Control byte(s) for a value of `type_number` and `size` (the format's size encoding).
fn control(out: &mut Vec<u8>, type_number: u8, size: usize) {
    let (size_bits, extra): (u8, Vec<u8>) = match size {
        0..=28 => (size as u8, vec![]),
        29..=284 => (29, vec![(size - 29) as u8]),
        285..=65_820 => (30, ((size - 285) as u16).to_be_bytes().to_vec()),
        _ => (31, ((size - 65_821) as u32).to_be_bytes()[1..].to_vec()),
    };
    if type_number <= 7 {
        out.push((type_number << 5) | size_bits);
    } else {
        out.push(size_bits);
        out.push(type_number - 7);
    }
    out.extend(extra);
}

fn uint(out: &mut Vec<u8>, type_number: u8, value: u64) {
    let bytes = value.to_be_bytes();
    let first = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    let significant = &bytes[first..];
    control(out, type_number, significant.len());
    out.extend_from_slice(significant);
}

fn encode(out: &mut Vec<u8>, value: &Value) {
    match value {
        Value::Str(text) => {
            control(out, 2, text.len());
            out.extend_from_slice(text.as_bytes());
        }
        Value::U16(n) => uint(out, 5, u64::from(*n)),
        Value::U32(n) => uint(out, 6, u64::from(*n)),
        Value::U64(n) => uint(out, 9, *n),
        Value::Bool(b) => control(out, 14, usize::from(*b)),
        Value::Map(entries) => {
            control(out, 7, entries.len());
            for (key, value) in entries {
                encode(out, &Value::Str(key.clone()));
                encode(out, value);
            }
        }
        Value::Array(items) => {
            control(out, 11, items.len());
            for item in items {
                encode(out, item);
            }
        }
    }
}

#[derive(Clone, Copy)]
enum Record {
    Empty,
    Node(u32),
    Data(u32),
}

/// Builds an IPv4 database mapping networks to records.
pub struct Builder {
    nodes: Vec<[Record; 2]>,
    data: Vec<u8>,
    database_type: String,
}

impl Builder {
    pub fn new(database_type: &str) -> Self {
        Builder {
            nodes: vec![[Record::Empty, Record::Empty]],
            data: Vec::new(),
            database_type: database_type.to_owned(),
        }
    }

    /// Maps `network/prefix` to `value`. Networks must not overlap.
    pub fn insert(&mut self, network: Ipv4Addr, prefix: u8, value: &Value) -> &mut Self {
        let offset = self.data.len() as u32;
        encode(&mut self.data, value);
        let bits = u32::from(network);
        let mut node = 0usize;
        for depth in 0..prefix {
            let bit = ((bits >> (31 - depth)) & 1) as usize;
            if depth + 1 == prefix {
                assert!(
                    matches!(self.nodes[node][bit], Record::Empty),
                    "overlapping networks"
                );
                self.nodes[node][bit] = Record::Data(offset);
            } else {
                node = match self.nodes[node][bit] {
                    Record::Node(next) => next as usize,
                    Record::Empty => {
                        self.nodes.push([Record::Empty, Record::Empty]);
                        let next = self.nodes.len() - 1;
                        self.nodes[node][bit] = Record::Node(next as u32);
                        next
                    }
                    Record::Data(_) => panic!("overlapping networks"),
                };
            }
        }
        self
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let node_count = self.nodes.len() as u32;
        let mut out = Vec::new();
        for node in &self.nodes {
            for record in node {
                let value = match record {
                    Record::Empty => node_count,
                    Record::Node(i) => *i,
                    Record::Data(offset) => node_count + 16 + offset,
                };
                out.extend_from_slice(&value.to_be_bytes());
            }
        }
        out.extend_from_slice(&[0u8; 16]);
        out.extend_from_slice(&self.data);
        out.extend_from_slice(b"\xAB\xCD\xEFMaxMind.com");
        let metadata = map(&[
            ("binary_format_major_version", Value::U16(2)),
            ("binary_format_minor_version", Value::U16(0)),
            ("build_epoch", Value::U64(1_700_000_000)),
            ("database_type", s(&self.database_type)),
            ("description", map(&[("en", s("modelgate test database"))])),
            ("ip_version", Value::U16(4)),
            ("languages", Value::Array(vec![s("en")])),
            ("node_count", Value::U32(node_count)),
            ("record_size", Value::U16(32)),
        ]);
        encode(&mut out, &metadata);
        out
    }

    /// Writes the database to `path` atomically (temp file + rename), as an updater would.
    pub fn write(&self, path: &Path) {
        let temp = path.with_extension("tmp");
        std::fs::write(&temp, self.to_bytes()).unwrap();
        std::fs::rename(&temp, path).unwrap();
    }
}
