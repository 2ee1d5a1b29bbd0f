//! Images for vision models: uploaded PNG/JPEG decoded under size limits, and the Mllama
//! preprocessing (`MllamaImageProcessor`): choose the tile layout that fits the image best
//! among the supported ones, resize (bilinear, as Pillow does it on 8-bit images), pad,
//! rescale, normalise, and cut into tiles.

use serde::Deserialize;
use serde_json::Value;

use super::InferenceError;

/// How a prompt marks where its image goes (Llama 3.2 Vision's `<|image|>` token).
pub const IMAGE_PLACEHOLDER: &str = "<|image|>";
/// Formats an upload may have.
const ACCEPTED_FORMATS: [::image::ImageFormat; 2] =
    [::image::ImageFormat::Png, ::image::ImageFormat::Jpeg];
/// Longest side of an accepted image, in pixels.
pub const MAX_IMAGE_SIDE: u32 = 8192;
/// Most pixels an accepted image may have (16.8 megapixels; Llama 3.2 Vision sees at
/// most 1120 × 1120 of them). Checked from the header, before any pixel is decoded.
pub const MAX_IMAGE_PIXELS: u64 = 4096 * 4096;
/// Most memory the decoder itself may take for one image.
const MAX_DECODE_BYTES: u64 = 128 << 20;

/// An 8-bit RGB image, row-major, three bytes a pixel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RgbImage {
    pub width: usize,
    pub height: usize,
    pub pixels: Vec<u8>,
}

impl RgbImage {
    /// An image whose pixel at (x, y) is `pixel(x, y)`.
    pub fn from_fn(width: usize, height: usize, pixel: impl Fn(usize, usize) -> [u8; 3]) -> Self {
        let mut pixels = Vec::with_capacity(width * height * 3);
        for y in 0..height {
            for x in 0..width {
                pixels.extend_from_slice(&pixel(x, y));
            }
        }
        RgbImage {
            width,
            height,
            pixels,
        }
    }

    /// `sha256:` of the pixel bytes, so a record names exactly which image it ran on.
    pub fn digest(&self) -> String {
        use sha2::Digest;
        format!("sha256:{}", hex::encode(sha2::Sha256::digest(&self.pixels)))
    }
}

/// A reader of `bytes` that accepts PNG and JPEG only (by content, not by a name), under
/// the side and decoder-memory limits.
fn reader(bytes: &[u8]) -> Result<::image::ImageReader<std::io::Cursor<&[u8]>>, InferenceError> {
    let mut reader = ::image::ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| InferenceError::InvalidImage(e.to_string()))?;
    match reader.format() {
        Some(format) if ACCEPTED_FORMATS.contains(&format) => {}
        _ => {
            return Err(InferenceError::InvalidImage(
                "the image is neither PNG nor JPEG".into(),
            ))
        }
    }
    let mut limits = ::image::Limits::default();
    limits.max_image_width = Some(MAX_IMAGE_SIDE);
    limits.max_image_height = Some(MAX_IMAGE_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    Ok(reader)
}

/// What an upload's header says: its size and how its pixels decode.
#[derive(Debug, Clone, Copy)]
pub struct ImageHeader {
    pub width: u32,
    pub height: u32,
    color: ::image::ColorType,
}

impl ImageHeader {
    fn pixels(&self) -> u64 {
        u64::from(self.width) * u64::from(self.height)
    }

    /// Bytes decoding it takes at the peak: the decoder's pixels, the 8-bit copy a
    /// conversion makes (RGBA for transparency, RGB otherwise; none for 8-bit RGB), and
    /// the 3-byte RGB result, all alive at once.
    pub fn decode_cost_bytes(&self) -> u64 {
        use ::image::ColorType;
        let decoded = u64::from(self.color.bytes_per_pixel());
        let converted = match self.color {
            ColorType::Rgb8 => 0,
            other if other.has_alpha() => 4 + 3,
            _ => 3,
        };
        self.pixels() * (decoded + converted)
    }

    /// Bytes the decoded image holds (3-byte RGB pixels).
    pub fn decoded_bytes(&self) -> u64 {
        self.pixels() * 3
    }
}

/// The header of an uploaded PNG or JPEG, read without decoding a pixel; refuses other
/// formats, images over `MAX_IMAGE_SIDE` on a side or over `MAX_IMAGE_PIXELS`.
pub fn header(bytes: &[u8]) -> Result<ImageHeader, InferenceError> {
    use ::image::ImageDecoder;
    let invalid = |what: String| InferenceError::InvalidImage(what);
    let decoder = reader(bytes)?
        .into_decoder()
        .map_err(|e| invalid(e.to_string()))?;
    let (width, height) = decoder.dimensions();
    if width == 0 || height == 0 {
        return Err(invalid("the image has no pixels".into()));
    }
    if u64::from(width) * u64::from(height) > MAX_IMAGE_PIXELS {
        return Err(invalid(format!(
            "the image has {width} x {height} pixels; at most {MAX_IMAGE_PIXELS} are taken"
        )));
    }
    Ok(ImageHeader {
        width,
        height,
        color: decoder.color_type(),
    })
}

/// Decodes an uploaded PNG or JPEG, after `header` accepted it. Transparency
/// is composited onto white, as the Hugging Face processor does. The gateway decodes only
/// inside its decode budget (`InferenceService::decode_image`).
pub fn decode(bytes: &[u8]) -> Result<RgbImage, InferenceError> {
    let invalid = |what: String| InferenceError::InvalidImage(what);
    header(bytes)?;
    let decoded = reader(bytes)?
        .decode()
        .map_err(|e| invalid(e.to_string()))?;
    let (width, height) = (decoded.width() as usize, decoded.height() as usize);
    let pixels = match decoded {
        ::image::DynamicImage::ImageRgb8(rgb) => rgb.into_raw(),
        other if !other.color().has_alpha() => other.into_rgb8().into_raw(),
        other => {
            let rgba = other.into_rgba8();
            let mut pixels = Vec::with_capacity(width * height * 3);
            for px in rgba.pixels() {
                let alpha = u32::from(px.0[3]);
                for &channel in &px.0[..3] {
                    let over_white = (u32::from(channel) * alpha + 255 * (255 - alpha) + 127) / 255;
                    pixels.push(over_white as u8);
                }
            }
            pixels
        }
    };
    Ok(RgbImage {
        width,
        height,
        pixels,
    })
}

/// The image processor settings of an Mllama checkpoint (the parts that change pixels).
#[derive(Debug, Clone, Deserialize)]
pub struct PreprocessorConfig {
    pub image_mean: [f32; 3],
    pub image_std: [f32; 3],
    pub rescale_factor: f64,
    pub max_image_tiles: usize,
    /// The tile side, in pixels.
    pub tile_size: usize,
}

impl PreprocessorConfig {
    /// Reads the checkpoint's image processor: `preprocessor_config.json` (the Hub's Llama
    /// 3.2 Vision layout), else the `image_processor` object of `processor_config.json`
    /// (what `MllamaProcessor.save_pretrained` writes in transformers 5).
    pub fn from_checkpoint(
        files: &super::checkpoint::CheckpointFiles,
    ) -> Result<Self, InferenceError> {
        if files.path("preprocessor_config.json").is_ok() {
            return Self::from_json(&files.read_json("preprocessor_config.json")?);
        }
        if files.path("processor_config.json").is_ok() {
            let processor = files.read_json("processor_config.json")?;
            if let Some(nested) = processor.get("image_processor") {
                return Self::from_json(nested);
            }
        }
        Err(InferenceError::Checkpoint(
            "the image processor is missing: neither `preprocessor_config.json` nor an \
             `image_processor` in `processor_config.json`"
                .into(),
        ))
    }

    /// Reads the image processor's settings (the object of `preprocessor_config.json`);
    /// `size` is `{"height", "width"}` (square tiles).
    pub fn from_json(json: &Value) -> Result<Self, InferenceError> {
        #[derive(Deserialize)]
        struct Size {
            height: usize,
            width: usize,
        }
        #[derive(Deserialize)]
        struct Raw {
            image_mean: [f32; 3],
            image_std: [f32; 3],
            rescale_factor: f64,
            max_image_tiles: usize,
            size: Size,
            #[serde(default = "yes")]
            do_normalize: bool,
            #[serde(default = "yes")]
            do_rescale: bool,
            #[serde(default = "yes")]
            do_resize: bool,
            #[serde(default = "yes")]
            do_pad: bool,
            #[serde(default = "bilinear")]
            resample: u8,
        }
        fn yes() -> bool {
            true
        }
        fn bilinear() -> u8 {
            2
        }
        let raw: Raw = serde_json::from_value(json.clone())
            .map_err(|e| InferenceError::Checkpoint(format!("the image processor config: {e}")))?;
        if raw.size.height != raw.size.width || raw.size.height == 0 || raw.max_image_tiles == 0 {
            return Err(InferenceError::Unsupported(
                "image tiles that are not square".into(),
            ));
        }
        if !(raw.do_normalize && raw.do_rescale && raw.do_resize && raw.do_pad) || raw.resample != 2
        {
            return Err(InferenceError::Unsupported(
                "image preprocessing other than bilinear resize, pad, rescale and normalise".into(),
            ));
        }
        Ok(PreprocessorConfig {
            image_mean: raw.image_mean,
            image_std: raw.image_std,
            rescale_factor: raw.rescale_factor,
            max_image_tiles: raw.max_image_tiles,
            tile_size: raw.size.height,
        })
    }
}

/// An image ready for the vision encoder.
#[derive(Debug, Clone)]
pub struct TiledImage {
    /// `[max_tiles, 3, tile, tile]` values; tiles past `tiles` are zero.
    pub pixel_values: Vec<f32>,
    pub max_tiles: usize,
    pub tile_size: usize,
    /// The layout chosen, in tiles: (rows, columns).
    pub layout: (usize, usize),
    /// 1-based index of `layout` among the supported layouts (0 means padding).
    pub aspect_ratio_id: u32,
}

impl TiledImage {
    /// Tiles that hold the image.
    pub fn tiles(&self) -> usize {
        self.layout.0 * self.layout.1
    }
}

/// Every layout of at most `max_tiles` tiles, in the processor's order (which gives the
/// aspect-ratio ids): (1,1), (1,2), …, (2,1), (2,2), ….
pub fn supported_layouts(max_tiles: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for first in 1..=max_tiles {
        for second in 1..=max_tiles {
            if first * second <= max_tiles {
                out.push((first, second));
            }
        }
    }
    out
}

/// The canvas (height, width) in pixels an image of `height` × `width` goes on: the layout
/// that needs the least upscaling, or, when every one needs downscaling, the least
/// downscaling; among equals the smallest canvas.
pub fn best_canvas(height: usize, width: usize, max_tiles: usize, tile: usize) -> (usize, usize) {
    let canvases: Vec<(usize, usize, f64)> = supported_layouts(max_tiles)
        .into_iter()
        .map(|(rows, cols)| {
            let (h, w) = (rows * tile, cols * tile);
            let scale = (h as f64 / height as f64).min(w as f64 / width as f64);
            (h, w, scale)
        })
        .collect();
    let upscales = canvases.iter().map(|c| c.2).filter(|&s| s >= 1.0);
    let chosen = upscales.clone().fold(f64::INFINITY, f64::min);
    let chosen = if chosen.is_finite() {
        chosen
    } else {
        canvases
            .iter()
            .map(|c| c.2)
            .fold(f64::NEG_INFINITY, f64::max)
    };
    canvases
        .iter()
        .filter(|c| c.2 == chosen)
        .min_by_key(|c| c.0 * c.1)
        .map_or((tile, tile), |c| (c.0, c.1))
}

/// The size an image is resized to inside its canvas: aspect ratio kept, no side below a
/// tile unless the image's is, and no upscaling beyond what fills the canvas.
pub fn size_in_canvas(
    height: usize,
    width: usize,
    canvas: (usize, usize),
    tile: usize,
) -> (usize, usize) {
    let target_w = width.clamp(tile, canvas.1.max(tile));
    let target_h = height.clamp(tile, canvas.0.max(tile));
    let scale_h = target_h as f64 / height as f64;
    let scale_w = target_w as f64 / width as f64;
    if scale_w < scale_h {
        let h = ((height as f64 * scale_w).floor() as usize).max(1);
        (h.min(target_h), target_w)
    } else {
        let w = ((width as f64 * scale_h).floor() as usize).max(1);
        (target_h, w.min(target_w))
    }
}

/// Fixed-point precision of the resampling weights (Pillow's for 8-bit images).
const PRECISION_BITS: u32 = 32 - 8 - 2;

/// Per output position: the first input index and integer weights (triangle filter,
/// widened by the scale when shrinking so every input pixel counts).
fn resample_weights(in_size: usize, out_size: usize) -> Vec<(usize, Vec<i64>)> {
    let scale = in_size as f64 / out_size as f64;
    let filter_scale = scale.max(1.0);
    let support = filter_scale;
    (0..out_size)
        .map(|out| {
            let center = (out as f64 + 0.5) * scale;
            let first = ((center - support + 0.5) as i64).max(0) as usize;
            let last = ((center + support + 0.5) as i64).min(in_size as i64) as usize;
            let inverse_scale = 1.0 / filter_scale;
            let weights: Vec<f64> = (first..last)
                .map(|i| {
                    let x = (i as f64 - center + 0.5) * inverse_scale;
                    (1.0 - x.abs()).max(0.0)
                })
                .collect();
            let total: f64 = weights.iter().sum();
            let fixed = weights
                .iter()
                .map(|w| {
                    let w = if total == 0.0 { 0.0 } else { w / total };
                    (w * f64::from(1u32 << PRECISION_BITS) + 0.5f64.copysign(w)) as i64
                })
                .collect();
            (first, fixed)
        })
        .collect()
}

fn clip8(accumulated: i64) -> u8 {
    (accumulated >> PRECISION_BITS).clamp(0, 255) as u8
}

/// One resampling pass along rows (`horizontal`) or columns, rounded to 8 bits.
fn resample_pass(img: &RgbImage, size: usize, horizontal: bool) -> RgbImage {
    let (in_size, width, height) = match horizontal {
        true => (img.width, size, img.height),
        false => (img.height, img.width, size),
    };
    let weights = resample_weights(in_size, size);
    RgbImage::from_fn(width, height, |x, y| {
        let (first, w) = &weights[if horizontal { x } else { y }];
        let mut acc = [1i64 << (PRECISION_BITS - 1); 3];
        for (k, weight) in w.iter().enumerate() {
            let at = match horizontal {
                true => (y * img.width + first + k) * 3,
                false => ((first + k) * img.width + x) * 3,
            };
            for (c, sum) in acc.iter_mut().enumerate() {
                *sum += i64::from(img.pixels[at + c]) * weight;
            }
        }
        acc.map(clip8)
    })
}

/// Bilinear resize of 8-bit RGB as Pillow does it: horizontal pass, then vertical.
pub fn resize_bilinear(
    img: &RgbImage,
    height: usize,
    width: usize,
) -> std::borrow::Cow<'_, RgbImage> {
    let mut current = std::borrow::Cow::Borrowed(img);
    if width != current.width {
        current = std::borrow::Cow::Owned(resample_pass(&current, width, true));
    }
    if height != current.height {
        current = std::borrow::Cow::Owned(resample_pass(&current, height, false));
    }
    current
}

/// Preprocesses `img` for an Mllama vision encoder.
pub fn preprocess(img: &RgbImage, config: &PreprocessorConfig) -> TiledImage {
    let tile = config.tile_size;
    let max_tiles = config.max_image_tiles;
    let canvas = best_canvas(img.height, img.width, max_tiles, tile);
    let (h, w) = size_in_canvas(img.height, img.width, canvas, tile);
    let resized = resize_bilinear(img, h, w);
    let layout = (canvas.0 / tile, canvas.1 / tile);
    let aspect_ratio_id = supported_layouts(max_tiles)
        .iter()
        .position(|&l| l == layout)
        .map_or(0, |i| i as u32 + 1);
    // Normalised value of every channel byte; padding is byte 0.
    let normalised: Vec<[f32; 256]> = (0..3)
        .map(|c| {
            std::array::from_fn(|byte| {
                let rescaled = (byte as f64 * config.rescale_factor) as f32;
                (rescaled - config.image_mean[c]) / config.image_std[c]
            })
        })
        .collect();
    let mut pixel_values = vec![0f32; max_tiles * 3 * tile * tile];
    for row in 0..layout.0 {
        for col in 0..layout.1 {
            let t = row * layout.1 + col;
            for c in 0..3 {
                let plane = &mut pixel_values[(t * 3 + c) * tile * tile..][..tile * tile];
                for y in 0..tile {
                    for x in 0..tile {
                        let (cy, cx) = (row * tile + y, col * tile + x);
                        let byte = if cy < h && cx < w {
                            resized.pixels[(cy * w + cx) * 3 + c]
                        } else {
                            0
                        };
                        plane[y * tile + x] = normalised[c][byte as usize];
                    }
                }
            }
        }
    }
    TiledImage {
        pixel_values,
        max_tiles,
        tile_size: tile,
        layout,
        aspect_ratio_id,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts_are_listed_in_the_processor_order() {
        assert_eq!(
            supported_layouts(4),
            vec![
                (1, 1),
                (1, 2),
                (1, 3),
                (1, 4),
                (2, 1),
                (2, 2),
                (3, 1),
                (4, 1)
            ]
        );
    }

    #[test]
    fn the_canvas_needs_the_least_scaling() {
        // Wide: every layout shrinks it; 1x4 shrinks it least.
        assert_eq!(best_canvas(64, 200, 4, 56), (56, 224));
        // Tall: 2x1 and 2x2 need the same upscaling; the smaller canvas wins.
        assert_eq!(best_canvas(90, 40, 4, 56), (112, 56));
        // Small: one tile, upscaled.
        assert_eq!(best_canvas(24, 24, 4, 56), (56, 56));
        // The published 11B: 560-pixel tiles.
        assert_eq!(best_canvas(800, 1200, 4, 560), (1120, 1120));
    }

    #[test]
    fn images_keep_their_aspect_ratio_inside_the_canvas() {
        assert_eq!(size_in_canvas(64, 200, (56, 224), 56), (56, 175));
        assert_eq!(size_in_canvas(90, 40, (112, 56), 56), (90, 40));
        assert_eq!(size_in_canvas(24, 24, (56, 56), 56), (56, 56));
    }

    #[test]
    fn resizing_a_flat_image_keeps_its_colour_and_identity_is_exact() {
        let flat = RgbImage::from_fn(13, 7, |_, _| [10, 200, 255]);
        let resized = resize_bilinear(&flat, 30, 5);
        assert!(resized.pixels.chunks(3).all(|p| p == [10, 200, 255]));
        let noise = RgbImage::from_fn(9, 9, |x, y| [(x * 29 + y * 7) as u8, (x * y) as u8, 3]);
        assert_eq!(*resize_bilinear(&noise, 9, 9), noise);
    }

    #[test]
    fn padding_and_unused_tiles_are_distinct() {
        let config = PreprocessorConfig {
            image_mean: [0.5; 3],
            image_std: [0.5; 3],
            rescale_factor: 1.0 / 255.0,
            max_image_tiles: 4,
            tile_size: 4,
        };
        let white = RgbImage::from_fn(2, 2, |_, _| [255; 3]);
        let tiled = preprocess(&white, &config);
        assert_eq!(tiled.layout, (1, 1));
        assert_eq!(tiled.aspect_ratio_id, 1);
        // Upscaled to the full tile: every value of the first tile is white (1.0).
        assert!(tiled.pixel_values[..48]
            .iter()
            .all(|&v| (v - 1.0).abs() < 1e-6));
        assert!(tiled.pixel_values[48..].iter().all(|&v| v == 0.0));
        let wide = RgbImage::from_fn(12, 2, |_, _| [255; 3]);
        let tiled = preprocess(&wide, &config);
        assert_eq!(tiled.layout, (1, 3));
        // The bottom rows are padding: byte 0, normalised to -1.
        assert_eq!(tiled.pixel_values[15], -1.0);
    }

    #[test]
    fn uploads_must_be_png_or_jpeg() {
        assert!(matches!(
            decode(b"GIF89a not really"),
            Err(InferenceError::InvalidImage(_))
        ));
        assert!(matches!(
            decode(b"\x89PNG\r\n\x1a\n truncated"),
            Err(InferenceError::InvalidImage(_))
        ));
    }
}
