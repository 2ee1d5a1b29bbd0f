//! GeoIP lookups from a MaxMind DB (`.mmdb`) file: the GeoIP2/GeoLite2 Country schema
//! (`country.iso_code`, `continent.code`, `traits.is_anonymous_proxy`) and the flat
//! `country_code` schema of the DB-IP country databases. A configured file that cannot be
//! read at start is a startup error (running without the signal would let every EU-located
//! request with a non-EU declaration through without review). The file is re-read when it
//! changes on disk; a corrupt replacement or a removed file keeps the previous database in
//! force. The check on load is ours, not the strict spec verifier's: the DB-IP builds most
//! people use carry an empty `description`, which that verifier refuses.

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant, SystemTime};

use maxminddb::Reader;
use serde::{Deserialize, Serialize};

/// What GeoIP says about one address.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GeoSignal {
    /// ISO 3166-1 alpha-2 code; `EU` for a continent-level European answer.
    pub country: Option<String>,
    /// The address belongs to an anonymising service (proxy, VPN, Tor exit).
    pub anonymous_proxy: bool,
}

#[derive(Debug, Default, Deserialize)]
struct Named {
    iso_code: Option<String>,
    code: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct Traits {
    is_anonymous_proxy: Option<bool>,
    is_anonymous: Option<bool>,
    is_anonymous_vpn: Option<bool>,
    is_tor_exit_node: Option<bool>,
    is_public_proxy: Option<bool>,
}

impl Traits {
    fn any(&self) -> bool {
        [
            self.is_anonymous_proxy,
            self.is_anonymous,
            self.is_anonymous_vpn,
            self.is_tor_exit_node,
            self.is_public_proxy,
        ]
        .into_iter()
        .any(|flag| flag == Some(true))
    }
}

/// The fields modelgate reads, from either schema.
#[derive(Debug, Default, Deserialize)]
struct Record {
    country: Option<Named>,
    continent: Option<Named>,
    /// DB-IP's flat schema.
    country_code: Option<String>,
    traits: Option<Traits>,
    // Anonymous-IP databases keep the flags at the top level.
    is_anonymous_proxy: Option<bool>,
    is_anonymous: Option<bool>,
    is_anonymous_vpn: Option<bool>,
    is_tor_exit_node: Option<bool>,
    is_public_proxy: Option<bool>,
}

fn country_code(code: Option<String>) -> Option<String> {
    code.map(|c| c.trim().to_ascii_uppercase())
        .filter(|c| c.len() == 2 && c.bytes().all(|b| b.is_ascii_uppercase()))
}

impl Record {
    fn signal(self) -> GeoSignal {
        let country = country_code(self.country.and_then(|c| c.iso_code))
            .or_else(|| country_code(self.country_code))
            .or_else(|| {
                // A block known only to be somewhere in Europe: the `EU` pseudo-code.
                country_code(self.continent.and_then(|c| c.code)).filter(|code| code == "EU")
            });
        let top_level = Traits {
            is_anonymous_proxy: self.is_anonymous_proxy,
            is_anonymous: self.is_anonymous,
            is_anonymous_vpn: self.is_anonymous_vpn,
            is_tor_exit_node: self.is_tor_exit_node,
            is_public_proxy: self.is_public_proxy,
        };
        GeoSignal {
            country,
            anonymous_proxy: top_level.any() || self.traits.is_some_and(|t| t.any()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct FileStamp {
    modified: Option<SystemTime>,
    len: u64,
}

struct Loaded {
    reader: Option<Arc<Reader<Vec<u8>>>>,
    stamp: Option<FileStamp>,
    checked_at: Option<Instant>,
}

/// The configured GeoIP database, reloaded when its file changes.
pub struct GeoIp {
    path: Option<PathBuf>,
    /// How often the file's modification time and size are looked at.
    recheck: Duration,
    loaded: RwLock<Loaded>,
}

impl std::fmt::Debug for GeoIp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GeoIp").field("path", &self.path).finish()
    }
}

fn stamp_of(path: &Path) -> Option<FileStamp> {
    let meta = std::fs::metadata(path).ok()?;
    Some(FileStamp {
        modified: meta.modified().ok(),
        len: meta.len(),
    })
}

/// Why a GeoIP database was not loaded.
#[derive(Debug, thiserror::Error)]
#[error("the GeoIP database `{path}` cannot be read: {reason}")]
pub struct GeoIpError {
    pub path: String,
    pub reason: String,
}

/// Opens the database at `path` and reads every record it holds once (each distinct record
/// is decoded as modelgate reads it), so a damaged tree or data section is found on load,
/// not on a request.
fn open(path: &Path) -> Result<Reader<Vec<u8>>, GeoIpError> {
    let error = |reason: String| GeoIpError {
        path: path.display().to_string(),
        reason,
    };
    let reader = Reader::open_readfile(path).map_err(|e| error(e.to_string()))?;
    let metadata = reader.metadata();
    if !matches!(metadata.ip_version, 4 | 6) || metadata.node_count == 0 {
        return Err(error(format!(
            "unexpected metadata (IP version {}, {} nodes)",
            metadata.ip_version, metadata.node_count
        )));
    }
    let mut decoded = std::collections::HashSet::new();
    let mut located = 0usize;
    let networks = reader
        .networks(Default::default())
        .map_err(|e| error(e.to_string()))?;
    for network in networks {
        let network = network.map_err(|e| error(e.to_string()))?;
        if let Some(offset) = network.offset() {
            if decoded.insert(offset) {
                let record = network
                    .decode::<Record>()
                    .map_err(|e| error(format!("record at offset {offset}: {e}")))?;
                if record.is_some_and(|r| r.signal() != GeoSignal::default()) {
                    located += 1;
                }
            }
        }
    }
    if located == 0 {
        // An ASN or ISP database reads without error and says nothing about countries.
        return Err(error(
            "no record holds a country, a continent or an anonymiser flag (not a country database?)".into(),
        ));
    }
    tracing::info!(path = %path.display(), database = %metadata.database_type, records = decoded.len(), "GeoIP database loaded");
    Ok(reader)
}

impl GeoIp {
    /// GeoIP from the file at `path`, or none at all when `path` is `None`; a configured
    /// file that cannot be read is an error. A replaced file is picked up at a lookup at
    /// most `recheck` after the last look at it.
    pub fn new(path: Option<PathBuf>, recheck: Duration) -> Result<Self, GeoIpError> {
        let reader = match &path {
            Some(path) => Some(Arc::new(open(path)?)),
            None => {
                tracing::warn!("no GeoIP database configured (geoip.database): requests carry no location signal, so none goes to review for its location");
                None
            }
        };
        let stamp = path.as_deref().and_then(stamp_of);
        Ok(GeoIp {
            path,
            recheck,
            loaded: RwLock::new(Loaded {
                reader,
                stamp,
                checked_at: Some(Instant::now()),
            }),
        })
    }

    /// The current reader, re-opening the file when its stamp changed since the last look
    /// (looked at no more than once per `recheck`; the file is read outside the
    /// lock). A file that cannot be read as a database, or a removed one, keeps the previous
    /// one in force.
    fn reader(&self) -> Option<Arc<Reader<Vec<u8>>>> {
        let path = self.path.as_deref()?;
        let due = |loaded: &Loaded| {
            loaded
                .checked_at
                .is_none_or(|at| at.elapsed() >= self.recheck)
        };
        let previous_stamp = {
            let mut loaded = self.loaded.write().ok()?;
            if !due(&loaded) {
                return loaded.reader.clone();
            }
            loaded.checked_at = Some(Instant::now());
            loaded.stamp.clone()
        };
        let stamp = stamp_of(path);
        if stamp == previous_stamp {
            return self.loaded.read().ok()?.reader.clone();
        }
        let opened = stamp.as_ref().map(|_| open(path));
        let mut loaded = self.loaded.write().ok()?;
        match opened {
            None => {
                tracing::warn!(path = %path.display(), "GeoIP database missing; keeping the previous one");
            }
            Some(Ok(reader)) => loaded.reader = Some(Arc::new(reader)),
            Some(Err(e)) => {
                tracing::warn!(error = %e, "keeping the previous GeoIP database");
            }
        }
        loaded.stamp = stamp;
        loaded.reader.clone()
    }

    /// What the database says about `ip`; the default (no country, no flag) when there is
    /// no database or no entry.
    pub fn lookup(&self, ip: IpAddr) -> GeoSignal {
        let Some(reader) = self.reader() else {
            return GeoSignal::default();
        };
        let ip = ip.to_canonical();
        match reader.lookup(ip).and_then(|found| found.decode::<Record>()) {
            Ok(Some(record)) => record.signal(),
            Ok(None) => GeoSignal::default(),
            Err(e) => {
                tracing::debug!(%ip, error = %e, "GeoIP lookup failed");
                GeoSignal::default()
            }
        }
    }
}
