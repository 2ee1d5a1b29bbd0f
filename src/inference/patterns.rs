//! The fixed images multimodal validation vectors run on: geometric patterns drawn from
//! their name and size alone, so every copy of modelgate draws the same pixels (a record
//! keeps each image's digest, and a check redraws it and compares first).

use super::image::RgbImage;

/// A named pattern at a size (width, height) in pixels for 56-pixel tiles; for a model
/// with larger tiles it is drawn larger in proportion, so it gets the same tile layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pattern {
    pub name: &'static str,
    pub width: usize,
    pub height: usize,
}

/// The tile size the pattern sizes are given for.
pub const BASE_TILE: usize = 56;

/// The validation images, chosen to cover the tile layouts: one tile as it is, a wide
/// image shrunk onto four tiles, a tall one padded onto two, and a small one upscaled.
pub const PATTERNS: [Pattern; 4] = [
    Pattern {
        name: "checkerboard",
        width: 56,
        height: 56,
    },
    Pattern {
        name: "stripes",
        width: 200,
        height: 64,
    },
    Pattern {
        name: "rings",
        width: 40,
        height: 90,
    },
    Pattern {
        name: "gradient",
        width: 24,
        height: 24,
    },
];

impl Pattern {
    pub fn by_name(name: &str) -> Option<Pattern> {
        PATTERNS.iter().copied().find(|p| p.name == name)
    }

    /// Draws the pattern for tiles of `tile` pixels (integer arithmetic only, so every
    /// machine agrees): the 56-pixel drawing, scaled by `tile / 56` (nearest pixel).
    pub fn draw(&self, tile: usize) -> RgbImage {
        let base = self.draw_base();
        if tile == BASE_TILE {
            return base;
        }
        let scaled = |n: usize| (n * tile / BASE_TILE).max(1);
        let (w, h) = (scaled(base.width), scaled(base.height));
        RgbImage::from_fn(w, h, |x, y| {
            let at = ((y * base.height / h) * base.width + x * base.width / w) * 3;
            [base.pixels[at], base.pixels[at + 1], base.pixels[at + 2]]
        })
    }

    fn draw_base(&self) -> RgbImage {
        let (w, h) = (self.width, self.height);
        match self.name {
            "checkerboard" => RgbImage::from_fn(w, h, |x, y| match (x / 7 + y / 7) % 2 {
                0 => [240, 240, 240],
                _ => [20, 20, 120],
            }),
            "stripes" => RgbImage::from_fn(w, h, |x, _| match (x / 10) % 3 {
                0 => [220, 30, 30],
                1 => [30, 200, 40],
                _ => [40, 60, 230],
            }),
            "rings" => RgbImage::from_fn(w, h, |x, y| {
                let (dx, dy) = (x as i64 - w as i64 / 2, y as i64 - h as i64 / 2);
                let r2 = dx * dx + dy * dy;
                // Rings every 6 pixels of radius: compare r² against squares of multiples.
                let ring = (0..).take_while(|k: &i64| (6 * k) * (6 * k) <= r2).count();
                match ring % 2 {
                    0 => [250, 200, 0],
                    _ => [0, 0, 0],
                }
            }),
            _ => RgbImage::from_fn(w, h, |x, y| {
                [
                    (x * 255 / (w - 1).max(1)) as u8,
                    (y * 255 / (h - 1).max(1)) as u8,
                    ((x + y) * 255 / (w + h - 2).max(1)) as u8,
                ]
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PINNED: [&str; 4] = [
        "sha256:664717a8df751c4a716975176ed633ccc1e73a0c62dc580a20b061673fbf57c8",
        "sha256:7cc63fb22a5ef2bd6859d629d53f3e106aa5b1da6b6cefc00e5700a3fba8fa92",
        "sha256:91b7ccdcd81fab7a234e03047cce86b89a26a089d66bb9871c13c07d56f2b441",
        "sha256:f3ff7d065a192b8c634c4c8855eed1902fad9d3bfb63fef4bfc38d7797e6bcbb",
    ];

    #[test]
    fn patterns_are_fixed_and_distinct() {
        let drawn: Vec<RgbImage> = PATTERNS.iter().map(|p| p.draw(BASE_TILE)).collect();
        for (pattern, image) in PATTERNS.iter().zip(&drawn) {
            assert_eq!((image.width, image.height), (pattern.width, pattern.height));
            assert_eq!(
                image,
                &pattern.draw(BASE_TILE),
                "{} is drawn the same every time",
                pattern.name
            );
        }
        let digests: std::collections::BTreeSet<String> =
            drawn.iter().map(RgbImage::digest).collect();
        assert_eq!(digests.len(), PATTERNS.len());
        // Pinned: a change of drawing would invalidate every published record.
        let digests: Vec<String> = drawn.iter().map(RgbImage::digest).collect();
        assert_eq!(digests, PINNED);
    }

    #[test]
    fn larger_tiles_get_the_same_layouts() {
        use crate::inference::image::best_canvas;
        for pattern in PATTERNS {
            let small = pattern.draw(BASE_TILE);
            let large = pattern.draw(560);
            assert_eq!(
                (large.width, large.height),
                (small.width * 10, small.height * 10)
            );
            let canvas = best_canvas(small.height, small.width, 4, BASE_TILE);
            let larger = best_canvas(large.height, large.width, 4, 560);
            assert_eq!((canvas.0 * 10, canvas.1 * 10), larger, "{}", pattern.name);
        }
    }
}
