//! Turning untrusted upload bytes into upright RGB pixels: the format by content, the size limits before any
//! pixel is decoded, truncation, EXIF orientation, and transparency flattened onto white.

use std::io::Cursor;

use domain::photo::{PhotoRejection, PhotoSpec};
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits, RgbImage};

/// The two formats a registration photo may be, told apart by their first bytes (never by the file name).
pub fn sniff_format(bytes: &[u8]) -> Result<ImageFormat, PhotoRejection> {
    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n";
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Ok(ImageFormat::Jpeg)
    } else if bytes.starts_with(PNG) {
        Ok(ImageFormat::Png)
    } else {
        Err(PhotoRejection::NotAnImage)
    }
}

/// What the header says, read before the pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    pub format: ImageFormat,
    /// As displayed, after EXIF orientation.
    pub width: u32,
    pub height: u32,
    /// The EXIF orientation that was applied (1 = none).
    pub exif_orientation: u8,
}

/// Decoded pixels, upright, possibly reduced.
pub struct Decoded {
    pub header: Header,
    pub image: RgbImage,
    /// Source pixels per decoded pixel in each direction: 1, 2, 4 or 8.
    pub reduction: u32,
}

/// The reductions JPEG's DCT scaling offers.
pub const REDUCTIONS: [u32; 4] = [8, 4, 2, 1];

/// Decodes an upload, refusing oversized or truncated images before they cost memory. `reduction` picks, from
/// the displayed size, how many times smaller to decode; YCbCr and greyscale JPEGs honour it (DCT scaling,
/// much faster than decoding everything), other inputs decode at full size.
pub fn decode(spec: &PhotoSpec, bytes: &[u8], reduction: impl FnOnce(u32, u32) -> u32) -> Result<Decoded, PhotoRejection> {
    let format = sniff_format(bytes)?;
    if format == ImageFormat::Jpeg && !jpeg_is_complete(bytes) {
        return Err(PhotoRejection::Corrupt);
    }
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(decoder_limits(spec));
    let mut decoder = reader.into_decoder().map_err(rejection_for)?;
    let (stored_width, stored_height) = decoder.dimensions();
    // The pixel cap comes first: a bomb must be refused before its pixels are allocated.
    if u64::from(stored_width) * u64::from(stored_height) > spec.max_pixels {
        return Err(PhotoRejection::TooManyPixels);
    }
    let orientation = decoder.orientation().unwrap_or(image::metadata::Orientation::NoTransforms);
    let (width, height) = displayed_size(stored_width, stored_height, orientation);
    spec.check_dimensions(width, height)?;
    let header = Header { format, width, height, exif_orientation: orientation.to_exif() };

    let wanted = reduction(width, height);
    let reduced = match format {
        ImageFormat::Jpeg if wanted > 1 => decode_jpeg_reduced(bytes, wanted)?,
        _ => None,
    };
    let (mut image, reduction) = match reduced {
        Some(image) => (DynamicImage::ImageRgb8(image), wanted),
        None => (DynamicImage::from_decoder(decoder).map_err(rejection_for)?, 1),
    };
    image.apply_orientation(orientation);
    Ok(Decoded { header, image: flatten_onto_white(image), reduction })
}

/// More scans than any camera or editor writes (libjpeg-turbo's documentation suggests 500).
const MAX_PROGRESSIVE_SCANS: u32 = 500;

/// A YCbCr or greyscale JPEG decoded `reduction` times smaller by libjpeg-turbo; `None` for colour spaces it
/// will not convert to RGB (CMYK, YCCK), which take the general path.
fn decode_jpeg_reduced(bytes: &[u8], reduction: u32) -> Result<Option<RgbImage>, PhotoRejection> {
    let mut decompressor = turbojpeg::Decompressor::new().map_err(|_| PhotoRejection::Corrupt)?;
    let header = decompressor.read_header(bytes).map_err(|_| PhotoRejection::Corrupt)?;
    if matches!(header.colorspace, turbojpeg::Colorspace::CMYK | turbojpeg::Colorspace::YCCK) {
        return Ok(None);
    }
    let factor = turbojpeg::ScalingFactor::new(1, reduction as usize);
    decompressor.set_scaling_factor(factor).map_err(|_| PhotoRejection::Corrupt)?;
    // A progressive JPEG may carry thousands of tiny scans that each cost a pass over the image: a few
    // kilobytes that keep a core busy for minutes. Cameras write at most a dozen or so.
    decompressor.set_scan_limit(MAX_PROGRESSIVE_SCANS).map_err(|_| PhotoRejection::Corrupt)?;
    // Chroma is replicated instead of interpolated: the picture is reduced and then scaled down again, where
    // the difference does not survive, and it saves a pass.
    decompressor.set_fast_upsample(true).map_err(|_| PhotoRejection::Corrupt)?;
    let (width, height) = (factor.scale(header.width), factor.scale(header.height));
    let mut pixels = vec![0u8; width * height * 3];
    let output = turbojpeg::Image { pixels: pixels.as_mut_slice(), width, pitch: width * 3, height, format: turbojpeg::PixelFormat::RGB };
    decompressor.decompress(bytes, output).map_err(|_| PhotoRejection::Corrupt)?;
    Ok(RgbImage::from_raw(width as u32, height as u32, pixels))
}

fn decoder_limits(spec: &PhotoSpec) -> Limits {
    let mut limits = Limits::default();
    // No side may exceed what the pixel budget allows for a 1:1 image stretched 16 times; the allocation cap
    // covers the decoded RGBA buffer plus the decoder's own working memory.
    let side = u32::try_from(((spec.max_pixels as f64).sqrt() * 4.0) as u64).unwrap_or(u32::MAX);
    limits.max_image_width = Some(side);
    limits.max_image_height = Some(side);
    limits.max_alloc = Some(spec.max_pixels.saturating_mul(8));
    limits
}

fn rejection_for(error: image::ImageError) -> PhotoRejection {
    match error {
        image::ImageError::Limits(_) => PhotoRejection::TooManyPixels,
        image::ImageError::Unsupported(_) => PhotoRejection::NotAnImage,
        _ => PhotoRejection::Corrupt,
    }
}

fn displayed_size(width: u32, height: u32, orientation: image::metadata::Orientation) -> (u32, u32) {
    use image::metadata::Orientation::*;
    match orientation {
        Rotate90 | Rotate270 | Rotate90FlipH | Rotate270FlipH => (height, width),
        NoTransforms | Rotate180 | FlipHorizontal | FlipVertical => (width, height),
    }
}

/// The decoder used for JPEG is lenient and paints missing data grey, so a cut-off upload is caught here: the
/// end-of-image marker must follow the first scan. (Inside entropy-coded data 0xFF is always followed by 0x00 or
/// a restart marker, so FF D9 there can only be the real end.)
fn jpeg_is_complete(bytes: &[u8]) -> bool {
    let Some(scan) = first_scan_offset(bytes) else { return false };
    // Searched from the end: the marker is almost always the last two bytes.
    bytes.get(scan..).is_some_and(|rest| rest.windows(2).rev().any(|pair| pair == [0xFF, 0xD9]))
}

/// Walks the marker segments after SOI up to the first start-of-scan.
fn first_scan_offset(bytes: &[u8]) -> Option<usize> {
    let mut at = 2;
    loop {
        while bytes.get(at) == Some(&0xFF) && bytes.get(at + 1) == Some(&0xFF) {
            at += 1; // fill bytes
        }
        if bytes.get(at) != Some(&0xFF) {
            return None;
        }
        let marker = *bytes.get(at + 1)?;
        let length = usize::from(u16::from_be_bytes([*bytes.get(at + 2)?, *bytes.get(at + 3)?]));
        if marker == 0xDA {
            return Some(at + 2 + length);
        }
        at += 2 + length;
    }
}

/// Transparent areas become white, as the photo's background must be.
fn flatten_onto_white(image: DynamicImage) -> RgbImage {
    if !image.color().has_alpha() {
        return image.into_rgb8();
    }
    let rgba = image.into_rgba8();
    let (width, height) = rgba.dimensions();
    let mut rgb = RgbImage::new(width, height);
    for (out, pixel) in rgb.pixels_mut().zip(rgba.pixels()) {
        let alpha = u32::from(pixel[3]);
        for channel in 0..3 {
            out[channel] = ((u32::from(pixel[channel]) * alpha + 255 * (255 - alpha) + 127) / 255) as u8;
        }
    }
    rgb
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_format_is_told_by_content() {
        assert_eq!(sniff_format(b"\xFF\xD8\xFF\xE0rest"), Ok(ImageFormat::Jpeg));
        assert_eq!(sniff_format(b"\x89PNG\r\n\x1a\nrest"), Ok(ImageFormat::Png));
        assert_eq!(sniff_format(b"GIF89a"), Err(PhotoRejection::NotAnImage));
        assert_eq!(sniff_format(b"<html>"), Err(PhotoRejection::NotAnImage));
        assert_eq!(sniff_format(b""), Err(PhotoRejection::NotAnImage));
    }

    #[test]
    fn a_jpeg_without_its_end_marker_is_incomplete() {
        let mut jpeg = Vec::new();
        image::codecs::jpeg::JpegEncoder::new(&mut jpeg).encode(&[200u8; 16 * 16 * 3], 16, 16, image::ExtendedColorType::Rgb8).unwrap();
        assert!(jpeg_is_complete(&jpeg));
        assert!(!jpeg_is_complete(&jpeg[..jpeg.len() - 2]));
        assert!(!jpeg_is_complete(&jpeg[..jpeg.len() / 2]));
        assert!(!jpeg_is_complete(b"\xFF\xD8\xFF"));
    }

    #[test]
    fn transparency_becomes_white() {
        let image = DynamicImage::ImageRgba8(image::RgbaImage::from_pixel(2, 2, image::Rgba([0, 0, 0, 0])));
        assert_eq!(flatten_onto_white(image).get_pixel(0, 0).0, [255, 255, 255]);
    }
}
