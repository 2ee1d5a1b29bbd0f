//! The C2SP `tlog-tiles` layout of the log: tile paths (`tile/<L>/<N>[.p/<W>]` for hashes,
//! `tile/entries/<N>[.p/<W>]` for entry bundles) and the entry bundle format (each entry
//! prefixed by its length as a big-endian 16-bit number). Paths are parsed by the
//! `tlog_tiles` crate (the Go sumdb layout, which spells the height and `data`); this
//! module only maps between the two spellings.

use tlog_tiles::{Hash, Tile};

/// Tiles are 2^8 = 256 hashes wide, as C2SP fixes.
pub const TILE_HEIGHT: u8 = 8;
pub const TILE_WIDTH: u64 = 1 << TILE_HEIGHT;
/// The highest level of hash tiles a tree of up to 2^64 leaves has.
const MAX_LEVEL: u8 = 7;

/// What a path under the log names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TilePath {
    /// `width` hashes of tree level `8 * level`, from hash `index * 256`.
    Hashes { level: u8, index: u64, width: u32 },
    /// `width` entries from leaf `index * 256`.
    Entries { index: u64, width: u32 },
}

impl TilePath {
    /// Parses a path relative to the log's root (`tile/0/x001/234.p/7`); `None` when it is
    /// not a canonical tile path.
    pub fn parse(path: &str) -> Option<TilePath> {
        let rest = path.strip_prefix("tile/")?;
        // `Tile::new` panics on a level over 63 or a width of 0, and a tree of 2^64 leaves
        // has hash tiles up to level 7: refuse the rest first.
        let (level, coordinates) = rest.split_once('/')?;
        if level != "entries" && level.parse::<u8>().ok()? > MAX_LEVEL {
            return None;
        }
        if let Some((_, width)) = coordinates.rsplit_once(".p/") {
            if width.parse::<u32>().ok()? == 0 {
                return None;
            }
        }
        let sumdb = match rest.strip_prefix("entries/") {
            Some(coordinates) => format!("tile/{TILE_HEIGHT}/data/{coordinates}"),
            None => format!("tile/{TILE_HEIGHT}/{rest}"),
        };
        let tile = Tile::from_path(&sumdb).ok()?;
        // The first hash of the tile must be addressable.
        tile.level_index().checked_mul(TILE_WIDTH)?;
        Some(if tile.is_data() {
            TilePath::Entries {
                index: tile.level_index(),
                width: tile.width(),
            }
        } else {
            TilePath::Hashes {
                level: tile.level(),
                index: tile.level_index(),
                width: tile.width(),
            }
        })
    }

    /// The path of this tile, relative to the log's root.
    pub fn path(&self) -> String {
        let tile = match *self {
            TilePath::Hashes {
                level,
                index,
                width,
            } => Tile::new(TILE_HEIGHT, level, index, width, false),
            TilePath::Entries { index, width } => Tile::new(TILE_HEIGHT, 0, index, width, true),
        };
        let sumdb = tile.path();
        let coordinates = sumdb
            .strip_prefix(&format!("tile/{TILE_HEIGHT}/"))
            .unwrap_or(&sumdb);
        match coordinates.strip_prefix("data/") {
            Some(rest) => format!("tile/entries/{rest}"),
            None => format!("tile/{coordinates}"),
        }
    }

    /// Whether the tile is full (immutable once served).
    pub fn is_full(&self) -> bool {
        let width = match self {
            TilePath::Hashes { width, .. } | TilePath::Entries { width, .. } => *width,
        };
        u64::from(width) == TILE_WIDTH
    }

    /// The first index (at the tile's level) and how many it holds.
    pub fn span(&self) -> (u64, u64) {
        match *self {
            TilePath::Hashes { index, width, .. } | TilePath::Entries { index, width } => {
                (index * TILE_WIDTH, u64::from(width))
            }
        }
    }

    /// The tree level (0 = leaves) whose hashes a hash tile holds.
    pub fn tree_level(&self) -> u8 {
        match self {
            TilePath::Hashes { level, .. } => level * TILE_HEIGHT,
            TilePath::Entries { .. } => 0,
        }
    }
}

/// The tiles of every level that a tree of `size` leaves has, with their widths; the
/// tiles a verifier reads, and a mirror of the log writes.
pub fn tiles_of_tree(size: u64) -> Vec<TilePath> {
    let mut tiles = Vec::new();
    let mut level = 0u8;
    while size >> (u32::from(level) * u32::from(TILE_HEIGHT)) > 0 {
        let hashes = size >> (u32::from(level) * u32::from(TILE_HEIGHT));
        for index in 0..hashes.div_ceil(TILE_WIDTH) {
            let width = (hashes - index * TILE_WIDTH).min(TILE_WIDTH);
            tiles.push(TilePath::Hashes {
                level,
                index,
                width: width as u32,
            });
        }
        level += 1;
    }
    tiles
}

/// An entry bundle: each entry as a big-endian `u16` length and its bytes. Entries longer
/// than `entry::MAX_ENTRY_BYTES` are refused at append, so none reaches a bundle.
pub fn encode_bundle<'a>(entries: impl IntoIterator<Item = &'a [u8]>) -> Vec<u8> {
    let mut out = Vec::new();
    for entry in entries {
        let len = u16::try_from(entry.len()).unwrap_or(u16::MAX);
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(&entry[..usize::from(len)]);
    }
    out
}

/// The entries of a bundle; `None` when it is cut short.
pub fn decode_bundle(mut bundle: &[u8]) -> Option<Vec<Vec<u8>>> {
    let mut entries = Vec::new();
    while !bundle.is_empty() {
        let len = usize::from(u16::from_be_bytes([*bundle.first()?, *bundle.get(1)?]));
        entries.push(bundle.get(2..2 + len)?.to_vec());
        bundle = &bundle[2 + len..];
    }
    Some(entries)
}

/// A hash tile's bytes: its hashes, concatenated.
pub fn encode_hash_tile(hashes: &[Hash]) -> Vec<u8> {
    hashes.iter().flat_map(|h| h.0).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_the_c2sp_spelling_and_parse_back() {
        let cases = [
            (
                TilePath::Hashes {
                    level: 0,
                    index: 1_234_067,
                    width: 256,
                },
                "tile/0/x001/x234/067",
            ),
            (
                TilePath::Hashes {
                    level: 1,
                    index: 0,
                    width: 7,
                },
                "tile/1/000.p/7",
            ),
            (
                TilePath::Entries {
                    index: 1000,
                    width: 256,
                },
                "tile/entries/x001/000",
            ),
            (
                TilePath::Entries { index: 5, width: 1 },
                "tile/entries/005.p/1",
            ),
        ];
        for (tile, path) in cases {
            assert_eq!(tile.path(), path);
            assert_eq!(TilePath::parse(path), Some(tile), "{path}");
        }
    }

    #[test]
    fn malformed_and_non_canonical_paths_are_refused() {
        for path in [
            "tile/0/1",
            "tile/0/001.p/256",
            "tile/0/001.p/0",
            "tile/8/0/001",
            "tile/entries/../001",
            "tile/0/x000/001",
            "tile/data/001",
            "tiles/0/001",
            "tile/0/001/",
            "tile/64/001",
            "tile/8/001",
            "tile/32/000",
            "tile/0/x072/x057/x594/x037/x927/x936",
            "tile/255/001",
            "tile/entries/001.p/0",
            "tile/0/001.p/x",
        ] {
            assert_eq!(TilePath::parse(path), None, "{path}");
        }
    }

    #[test]
    fn bundles_round_trip_and_a_cut_bundle_is_refused() {
        let entries: Vec<&[u8]> = vec![b"one", b"", b"three"];
        let bundle = encode_bundle(entries.iter().copied());
        assert_eq!(bundle[..2], [0, 3]);
        let decoded = decode_bundle(&bundle).expect("decodes");
        assert_eq!(
            decoded,
            vec![b"one".to_vec(), Vec::new(), b"three".to_vec()]
        );
        assert_eq!(decode_bundle(&bundle[..bundle.len() - 1]), None);
    }

    #[test]
    fn a_tree_has_the_tiles_each_level_fills() {
        let tiles = tiles_of_tree(256 * 256 + 3);
        // Level 0: 256 full tiles and one of 3; level 1: one full tile; level 2: one hash.
        assert_eq!(tiles.len(), 257 + 1 + 1);
        assert_eq!(
            tiles.last().copied(),
            Some(TilePath::Hashes {
                level: 2,
                index: 0,
                width: 1
            })
        );
        assert!(tiles_of_tree(0).is_empty());
    }
}
