//! The photo tool: what CPTA's Windows-only 照片审核处理工具 does, run by the server on every upload and by
//! `kaowu photo` on files. An original goes in; a 295 × 413 one-inch JPEG without metadata comes out, or the
//! first check it failed, with every check's finding on the way for the person looking.

mod decode;
mod face;
mod measure;
pub mod samples;

use domain::photo::{PhotoRejection, PhotoSpec, Rect};
use fast_image_resize::{FilterType, ResizeAlg, ResizeOptions, Resizer};
use image::{ImageFormat, RgbImage};

use decode::Decoded;
pub use decode::sniff_format;
pub use measure::Measures;

/// The checks, in the order they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    FileSize,
    Format,
    Dimensions,
    Decoding,
    Face,
    Crop,
    Brightness,
    Sharpness,
    Background,
    Output,
}

impl Check {
    pub fn label_zh(self) -> &'static str {
        match self {
            Check::FileSize => "文件大小",
            Check::Format => "文件格式",
            Check::Dimensions => "原始尺寸",
            Check::Decoding => "图像解码",
            Check::Face => "人脸检测",
            Check::Crop => "一寸裁剪",
            Check::Brightness => "亮度",
            Check::Background => "背景",
            Check::Sharpness => "清晰度",
            Check::Output => "输出文件",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Check::FileSize => "File size",
            Check::Format => "File format",
            Check::Dimensions => "Original size",
            Check::Decoding => "Decoding",
            Check::Face => "Face",
            Check::Crop => "One-inch crop",
            Check::Brightness => "Brightness",
            Check::Background => "Background",
            Check::Sharpness => "Sharpness",
            Check::Output => "Output file",
        }
    }
}

/// One check's finding, in words a person can compare with the spec.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub check: Check,
    pub passed: bool,
    pub detail: String,
}

/// A photo that passed: the JPEG to keep and what was found on the way.
#[derive(Debug, Clone)]
pub struct Processed {
    pub jpeg: Vec<u8>,
    pub width: u32,
    pub height: u32,
    pub quality: u8,
    pub source_format: ImageFormat,
    pub source_width: u32,
    pub source_height: u32,
    /// The face and the crop, in source pixels (after EXIF orientation).
    pub face: Rect,
    pub crop: Rect,
    pub measures: Measures,
    /// How many times smaller than the original the pixels the photo was cut from were decoded (1, 2, 4, 8).
    pub decode_reduction: u32,
}

#[derive(Debug, Clone)]
pub struct Report {
    pub findings: Vec<Finding>,
    pub outcome: Result<Processed, PhotoRejection>,
}

impl Report {
    pub fn passed(&self) -> bool {
        self.outcome.is_ok()
    }
}

/// Runs every check on an upload and, when all pass, produces the one-inch photo. CPU-bound (tens of
/// milliseconds for a 12-megapixel original): servers call it off the async threads.
pub fn process(spec: &PhotoSpec, upload: &[u8]) -> Report {
    let mut findings = Vec::new();
    let outcome = run(spec, upload, &mut findings);
    Report { findings, outcome }
}

fn run(spec: &PhotoSpec, upload: &[u8], findings: &mut Vec<Finding>) -> Result<Processed, PhotoRejection> {
    let kib = |bytes: usize| bytes.div_ceil(1024);
    record(
        findings,
        Check::FileSize,
        spec.check_upload(upload.len()),
        format!("{} KB（要求 {}–{} KB）", kib(upload.len()), kib(spec.min_source_bytes), spec.max_upload_bytes / 1024),
    )?;
    let format = decode::sniff_format(upload);
    let format_name = match format {
        Ok(ImageFormat::Png) => "PNG",
        Ok(_) => "JPEG",
        Err(_) => "不是 JPEG 或 PNG",
    };
    record(findings, Check::Format, format.map(|_| ()), format_name.to_owned())?;

    // A first look at reduced size where the original is large: enough pixels to find the face and, usually,
    // to crop the one-inch photo without enlarging anything.
    let preview = |width: u32, height: u32| {
        let enough = 2 * spec.output_height;
        decode::REDUCTIONS.into_iter().find(|r| width.max(height) / r >= enough).unwrap_or(1)
    };
    let decoded = decode::decode(spec, upload, preview);
    let dimensions_detail = match &decoded {
        Ok(Decoded { header, .. }) => format!(
            "{}×{} 像素（要求至少 {}×{}）{}",
            header.width,
            header.height,
            spec.min_source_width,
            spec.min_source_height,
            if header.exif_orientation > 1 { "，已按拍摄方向旋转" } else { "" }
        ),
        Err(rejection) => rejection.message_zh().to_owned(),
    };
    let check = match &decoded {
        Err(PhotoRejection::TooManyPixels | PhotoRejection::SourceTooSmall) => Check::Dimensions,
        Err(_) => Check::Decoding,
        Ok(_) => Check::Dimensions,
    };
    let mut decoded = record(findings, check, decoded, dimensions_detail)?;
    let header = decoded.header;

    let reduction = decoded.reduction as f32;
    let faces: Vec<Rect> = face::detect_faces(&decoded.image).into_iter().map(|f| scale_rect(f, reduction)).collect();
    let face_detail = match faces.len() {
        0 => "未检测到人脸".to_owned(),
        1 => format!("1 张人脸，高 {:.0} 像素", faces[0].height),
        n => format!("{n} 张人脸"),
    };
    let face_result = match faces.len() {
        0 => Err(PhotoRejection::NoFace),
        1 => Ok(()),
        _ => Err(PhotoRejection::SeveralFaces),
    };
    record(findings, Check::Face, face_result, face_detail)?;
    let face = faces[0];

    let crop = spec.crop_for(header.width, header.height, &faces);
    let crop_detail = match &crop {
        Ok(crop) => format!("{:.0}×{:.0} 像素，缩放为 {}×{}", crop.width, crop.height, spec.output_width, spec.output_height),
        Err(rejection) => rejection.message_zh().to_owned(),
    };
    let crop = record(findings, Check::Crop, crop, crop_detail)?;

    // The crop passed on source pixels; if the reduced decode left it short of the output size, decode finer.
    let fits = |r: u32| crop.width / r as f32 >= spec.output_width as f32 && crop.height / r as f32 >= spec.output_height as f32;
    if !fits(decoded.reduction) {
        let finer = decode::REDUCTIONS.into_iter().find(|r| *r < decoded.reduction && fits(*r)).unwrap_or(1);
        decoded = decode::decode(spec, upload, |_, _| finer).map_err(|rejection| {
            findings.push(Finding { check: Check::Decoding, passed: false, detail: rejection.message_zh().to_owned() });
            rejection
        })?;
    }
    let decode_reduction = decoded.reduction;
    let in_decoded = scale_rect(crop, 1.0 / decoded.reduction as f32);
    let photo = crop_and_resize(&decoded.image, in_decoded, spec.output_width, spec.output_height);
    drop(decoded);
    let scale = spec.output_height as f32 / crop.height;
    let face_in_photo = Rect {
        x: (face.x - crop.x) * scale,
        y: (face.y - crop.y) * scale,
        width: face.width * scale,
        height: face.height * scale,
    };
    let white = |light: f32, colour: f32| light >= spec.background_min_brightness && colour <= spec.background_max_saturation;
    let measures = measure::measure(&photo, face_in_photo, white);
    // Exposure and focus before the background: a dark or blurred photo also fails the background check, and
    // "too dark" or "blurred" is the advice that helps.
    let minimums = [
        (Check::Brightness, "面部平均亮度", measures.face_brightness, spec.min_brightness, PhotoRejection::TooDark),
        (Check::Sharpness, "面部清晰度", measures.face_sharpness, spec.min_sharpness, PhotoRejection::Blurred),
    ];
    for (check, what, value, minimum, rejection) in minimums {
        let detail = format!("{what} {value:.0}（要求至少 {minimum:.0}）");
        record(findings, check, check_at_least(value, minimum, rejection), detail)?;
    }

    record(
        findings,
        Check::Background,
        check_at_least(measures.background_white_share, spec.background_min_white_share, PhotoRejection::Background),
        format!(
            "边缘白色占比 {:.0}%（要求至少 {:.0}%；平均亮度 {:.0}，色彩饱和度 {:.2}）",
            measures.background_white_share * 100.0,
            spec.background_min_white_share * 100.0,
            measures.background_brightness,
            measures.background_saturation
        ),
    )?;
    let encoded = encode_within(&photo, spec.output_min_bytes, spec.output_max_bytes);
    let output_detail = match &encoded {
        Ok((jpeg, quality)) => format!(
            "JPEG {}×{}，{} KB（要求 {}–{} KB），质量 {quality}",
            spec.output_width,
            spec.output_height,
            kib(jpeg.len()),
            kib(spec.output_min_bytes),
            spec.output_max_bytes / 1024
        ),
        Err(rejection) => rejection.message_zh().to_owned(),
    };
    let (jpeg, quality) = record(findings, Check::Output, encoded, output_detail)?;
    Ok(Processed {
        jpeg,
        width: spec.output_width,
        height: spec.output_height,
        quality,
        source_format: header.format,
        source_width: header.width,
        source_height: header.height,
        face,
        crop,
        measures,
        decode_reduction,
    })
}

fn scale_rect(rect: Rect, factor: f32) -> Rect {
    Rect { x: rect.x * factor, y: rect.y * factor, width: rect.width * factor, height: rect.height * factor }
}

fn record<T>(findings: &mut Vec<Finding>, check: Check, result: Result<T, PhotoRejection>, detail: String) -> Result<T, PhotoRejection> {
    findings.push(Finding { check, passed: result.is_ok(), detail });
    result
}

fn check_at_least(value: f32, minimum: f32, rejection: PhotoRejection) -> Result<(), PhotoRejection> {
    if value >= minimum { Ok(()) } else { Err(rejection) }
}

/// Cuts the crop out and scales it down (never up: the crop is at least the output size) with Lanczos.
fn crop_and_resize(image: &RgbImage, crop: Rect, width: u32, height: u32) -> RgbImage {
    // A reduced decode rounds its size up, so a crop computed on source pixels can overhang by a fraction.
    let crop = Rect {
        width: crop.width.min(image.width() as f32 - crop.x.max(0.0)),
        height: crop.height.min(image.height() as f32 - crop.y.max(0.0)),
        x: crop.x.max(0.0),
        y: crop.y.max(0.0),
    };
    let mut photo = RgbImage::new(width, height);
    let options = ResizeOptions::new()
        .crop(f64::from(crop.x), f64::from(crop.y), f64::from(crop.width), f64::from(crop.height))
        .resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3));
    Resizer::new().resize(image, &mut photo, &options).expect("RGB to RGB resize inside the image");
    photo
}

/// Encodes at the highest quality that fits the size range, with libjpeg-turbo (already linked for decoding;
/// several times faster than a pure-Rust encoder). A fresh compressor writes only JFIF: no EXIF, no GPS, no
/// camera data survives. Chroma is subsampled 4:2:0, as cameras and the authorities' own tool do.
fn encode_within(photo: &RgbImage, min_bytes: usize, max_bytes: usize) -> Result<(Vec<u8>, u8), PhotoRejection> {
    let mut compressor = turbojpeg::Compressor::new().expect("libjpeg-turbo initialises");
    compressor.set_subsamp(turbojpeg::Subsamp::Sub2x2).expect("a valid subsampling");
    let (width, height) = (photo.width() as usize, photo.height() as usize);
    let image = turbojpeg::Image { pixels: photo.as_raw().as_slice(), width, pitch: width * 3, height, format: turbojpeg::PixelFormat::RGB };
    let mut quality = 95;
    loop {
        compressor.set_quality(i32::from(quality)).expect("a quality within 1..=100");
        let jpeg = compressor.compress_to_vec(image).expect("encoding into memory");
        if jpeg.len() > max_bytes {
            if quality <= 40 {
                return Err(PhotoRejection::OutputSize);
            }
            quality -= 5;
            continue;
        }
        return if jpeg.len() >= min_bytes { Ok((jpeg, quality)) } else { Err(PhotoRejection::OutputSize) };
    }
}
