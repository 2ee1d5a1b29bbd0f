//! The fixed images multimodal validation vectors run on: geometric patterns drawn from
//! their name and size alone, so every copy of modelgate draws the same pixels (a record
//! keeps each image's digest, and a check redraws it and compares first).

use super::image::RgbImage;

/// A named pattern at a size (width, height).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pattern {
    pub name: &'static str,
    pub width: usize,
    pub height: usize,
}

/// The validation images, chosen to cover the tile layouts: one tile upscaled, a wide
/// image shrunk onto four tiles, a tall one padded onto two, and a square one on one.
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

    /// Draws the pattern (integer arithmetic only, so every machine agrees).
    pub fn draw(&self) -> RgbImage {
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
        let drawn: Vec<RgbImage> = PATTERNS.iter().map(Pattern::draw).collect();
        for (pattern, image) in PATTERNS.iter().zip(&drawn) {
            assert_eq!((image.width, image.height), (pattern.width, pattern.height));
            assert_eq!(
                image,
                &pattern.draw(),
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
}
