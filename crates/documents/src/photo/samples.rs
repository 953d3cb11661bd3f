//! Sample photos composed from a real portrait, for tests and `kaowu bench photo`: no candidate's face is ever
//! used for either. The source is scikit-image's public-domain `astronaut.png` (NASA; 512 × 512), which
//! `scripts/sample-images.sh` extracts from a pinned scikit-image wheel.

use fast_image_resize::{FilterType, ResizeAlg, ResizeOptions, Resizer};
use image::{DynamicImage, ImageFormat, Rgb, RgbImage};

/// Where the sitter's head and body are in astronaut.png, found by looking: an ellipse around the hair and
/// face, and the suit widening below the chin.
const HEAD_CENTRE: (f32, f32) = (226.0, 100.0);
const HEAD_RADII: (f32, f32) = (80.0, 92.0);
const HEAD_TOP: f32 = 10.0;
const HEAD_HEIGHT: f32 = 180.0;
const NECK_Y: f32 = 165.0;

/// A portrait source: the astronaut, with or without her original background.
pub struct Sitter {
    source: RgbImage,
}

impl Sitter {
    pub fn from_png(bytes: &[u8]) -> Result<Sitter, image::ImageError> {
        let source = image::load_from_memory_with_format(bytes, ImageFormat::Png)?.into_rgb8();
        Ok(Sitter { source })
    }

    /// A studio portrait: the sitter on a white background, head centred and `head_share` of the height tall.
    pub fn portrait(&self, width: u32, height: u32, head_share: f32) -> RgbImage {
        let mut canvas = RgbImage::from_pixel(width, height, Rgb([250, 250, 250]));
        self.place(&mut canvas, width as f32 / 2.0, height as f32 * 0.12, height as f32 * head_share);
        canvas
    }

    /// Two sitters side by side on white.
    pub fn pair(&self, width: u32, height: u32) -> RgbImage {
        let mut canvas = RgbImage::from_pixel(width, height, Rgb([250, 250, 250]));
        let head = height as f32 * 0.3;
        self.place(&mut canvas, width as f32 * 0.27, height as f32 * 0.2, head);
        self.place(&mut canvas, width as f32 * 0.73, height as f32 * 0.2, head);
        canvas
    }

    /// The original picture (flag and shuttle behind her), enlarged `factor` times, with the backdrop carried
    /// up by a third of its height so there is room above her head, as in a taller shot.
    pub fn scene(&self, factor: f32) -> RgbImage {
        let (w, h) = self.source.dimensions();
        let enlarged = resize(&self.source, (w as f32 * factor) as u32, (h as f32 * factor) as u32);
        let extra = enlarged.height() / 3;
        RgbImage::from_fn(enlarged.width(), enlarged.height() + extra, |x, y| *enlarged.get_pixel(x, y.saturating_sub(extra)))
    }

    /// Draws the masked sitter scaled so her head is `head_height` tall, its centre at `centre_x` and its top
    /// at `head_top`.
    fn place(&self, canvas: &mut RgbImage, centre_x: f32, head_top: f32, head_height: f32) {
        let factor = head_height / HEAD_HEIGHT;
        let (w, h) = self.source.dimensions();
        let scaled = resize(&self.source, (w as f32 * factor) as u32, (h as f32 * factor) as u32);
        let left = centre_x - HEAD_CENTRE.0 * factor;
        let top = head_top - HEAD_TOP * factor;
        for (x, y, pixel) in scaled.enumerate_pixels() {
            let (sx, sy) = (x as f32 / factor, y as f32 / factor);
            if !on_sitter(sx, sy, pixel.0) {
                continue;
            }
            let (cx, cy) = (left + x as f32, top + y as f32);
            if cx >= 0.0 && cy >= 0.0 && (cx as u32) < canvas.width() && (cy as u32) < canvas.height() {
                canvas.put_pixel(cx as u32, cy as u32, *pixel);
            }
        }
    }
}

/// Whether a source pixel belongs to the sitter: inside the head ellipse or the body, except where the
/// studio's grey backdrop shows between the hair and the ellipse's edge.
fn on_sitter(x: f32, y: f32, [r, g, b]: [u8; 3]) -> bool {
    let dx = (x - HEAD_CENTRE.0) / HEAD_RADII.0;
    let dy = (y - HEAD_CENTRE.1) / HEAD_RADII.1;
    let radius = (dx * dx + dy * dy).sqrt();
    let in_body = y >= NECK_Y && (x - HEAD_CENTRE.0).abs() <= 45.0 + (y - NECK_Y) * 1.2;
    if radius > 1.0 && !in_body {
        return false;
    }
    let (max, min) = (r.max(g).max(b), r.min(g).min(b));
    let backdrop = max > 140 && f32::from(max - min) / f32::from(max) < 0.16;
    !(backdrop && radius > 0.7 && radius <= 1.0)
}

pub fn resize(image: &RgbImage, width: u32, height: u32) -> RgbImage {
    let mut out = RgbImage::new(width.max(1), height.max(1));
    let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::CatmullRom));
    Resizer::new().resize(image, &mut out, &options).expect("RGB resize");
    out
}

/// Adds a little sensor-like noise, so a sample compresses like a camera original rather than like a drawing.
pub fn add_noise(image: &mut RgbImage, amplitude: i16, seed: u64) {
    let mut state = seed | 1;
    for pixel in image.pixels_mut() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let offset = (state % (2 * amplitude as u64 + 1)) as i16 - amplitude;
        for channel in pixel.0.iter_mut() {
            *channel = (i16::from(*channel) + offset).clamp(0, 255) as u8;
        }
    }
}

/// Multiplies every channel by `factor` (an under-exposed photo).
pub fn darken(image: &RgbImage, factor: f32) -> RgbImage {
    let mut out = image.clone();
    for pixel in out.pixels_mut() {
        for channel in pixel.0.iter_mut() {
            *channel = (f32::from(*channel) * factor) as u8;
        }
    }
    out
}

pub fn blur(image: &RgbImage, sigma: f32) -> RgbImage {
    image::imageops::blur(image, sigma)
}

pub fn jpeg(image: &RgbImage, quality: u8) -> Vec<u8> {
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality).encode_image(image).expect("JPEG in memory");
    out
}

pub fn png(image: &RgbImage) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    DynamicImage::ImageRgb8(image.clone()).write_to(&mut out, ImageFormat::Png).expect("PNG in memory");
    out.into_inner()
}

/// A print-shop JPEG: Adobe CMYK (inverted, with the APP14 marker), as Photoshop writes them.
pub fn cmyk_jpeg(image: &RgbImage, quality: u8) -> Vec<u8> {
    let cmyk: Vec<u8> = image
        .pixels()
        .flat_map(|Rgb([r, g, b])| {
            let k = 255 - *r.max(g).max(b);
            let ink = |c: u8| if k == 255 { 0 } else { ((255 - c - k) as u32 * 255 / (255 - k) as u32) as u8 };
            [ink(*r), ink(*g), ink(*b), k]
        })
        .collect();
    let mut out = Vec::new();
    let encoder = jpeg_encoder::Encoder::new(&mut out, quality);
    encoder
        .encode(&cmyk, image.width() as u16, image.height() as u16, jpeg_encoder::ColorType::Cmyk)
        .expect("CMYK JPEG in memory");
    out
}

/// Stores the picture turned a quarter to the left and tags it EXIF orientation 6 ("rotate 90° clockwise to
/// view"), as phones do when held upright.
pub fn sideways_with_exif_orientation(image: &RgbImage, quality: u8) -> Vec<u8> {
    let stored = image::imageops::rotate270(image);
    let plain = jpeg(&stored, quality);
    insert_exif_orientation(&plain, 6)
}

/// Inserts an APP1 Exif segment holding only the orientation tag right after SOI.
pub fn insert_exif_orientation(jpeg: &[u8], orientation: u16) -> Vec<u8> {
    let mut tiff = Vec::new();
    tiff.extend_from_slice(b"II*\0");
    tiff.extend_from_slice(&8u32.to_le_bytes()); // first IFD right after the header
    tiff.extend_from_slice(&1u16.to_le_bytes()); // one entry
    tiff.extend_from_slice(&0x0112u16.to_le_bytes()); // Orientation
    tiff.extend_from_slice(&3u16.to_le_bytes()); // SHORT
    tiff.extend_from_slice(&1u32.to_le_bytes());
    tiff.extend_from_slice(&orientation.to_le_bytes());
    tiff.extend_from_slice(&[0, 0]);
    tiff.extend_from_slice(&0u32.to_le_bytes()); // no next IFD
    let mut segment = b"Exif\0\0".to_vec();
    segment.extend_from_slice(&tiff);
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&((segment.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(&segment);
    out.extend_from_slice(&jpeg[2..]);
    out
}

/// A valid PNG of `side` × `side` white pixels: a few hundred kilobytes that would need gigabytes once
/// decoded. Written row by row so making it costs no more memory than one row.
pub fn decompression_bomb(side: u32) -> Vec<u8> {
    use std::io::Write;
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, side, side);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Fast);
    let mut header = encoder.write_header().expect("PNG header in memory");
    let mut rows = header.stream_writer().expect("PNG stream in memory");
    let row = vec![255u8; side as usize];
    for _ in 0..side {
        rows.write_all(&row).expect("PNG row in memory");
    }
    rows.finish().expect("PNG end in memory");
    drop(header);
    out
}
