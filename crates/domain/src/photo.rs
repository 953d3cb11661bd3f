//! The registration photo (domain.md §3): the requirements, kept as configuration per exam year, and the
//! geometry of the one-inch crop. Image decoding and face detection happen outside the domain; this module
//! decides what they found means.

use serde::Deserialize;

/// What a photo must be, for one exam year. Loaded from configuration; `Default` is the current CPTA tool's spec.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PhotoSpec {
    /// Uploads above this are refused before decoding.
    pub max_upload_bytes: usize,
    /// Decoded images above this many pixels are refused (decompression bombs).
    pub max_pixels: u64,
    /// The original must be at least this large (never upscaled).
    pub min_source_width: u32,
    pub min_source_height: u32,
    pub min_source_bytes: usize,
    /// The one-inch output (25 × 35 mm).
    pub output_width: u32,
    pub output_height: u32,
    pub output_min_bytes: usize,
    pub output_max_bytes: usize,
    /// Head height as a share of the output height (≈ 2/3).
    pub head_share: f32,
    /// Detected face boxes cover brow to chin; the whole head (hair to chin) is this many times taller.
    pub head_per_face_height: f32,
    /// Space above the head as a share of the output height.
    pub top_margin_share: f32,
    /// A background pixel is white when its brightness (0–255) is at least this and its colour saturation (0–1)
    /// at most this; at least `background_min_white_share` of the border strips must be white (hair may reach
    /// into them, a grey wall or a blue sheet may not).
    pub background_min_brightness: f32,
    pub background_max_saturation: f32,
    pub background_min_white_share: f32,
    /// Mean brightness of the whole photo at least.
    pub min_brightness: f32,
    /// Variance of the Laplacian at least (lower is blurred).
    pub min_sharpness: f32,
}

impl Default for PhotoSpec {
    fn default() -> Self {
        PhotoSpec {
            max_upload_bytes: 10 * 1024 * 1024,
            max_pixels: 50_000_000,
            min_source_width: 420,
            min_source_height: 600,
            min_source_bytes: 50 * 1024,
            output_width: 295,
            output_height: 413,
            output_min_bytes: 15 * 1024,
            output_max_bytes: 60 * 1024,
            head_share: 2.0 / 3.0,
            head_per_face_height: 1.45,
            top_margin_share: 0.10,
            background_min_brightness: 200.0,
            background_max_saturation: 0.15,
            background_min_white_share: 0.6,
            min_brightness: 70.0,
            min_sharpness: 30.0,
        }
    }
}

/// Why a photo was refused: a stable code and the Chinese sentence the candidate sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhotoRejection {
    NotAnImage,
    Corrupt,
    UploadTooLarge,
    TooManyPixels,
    SourceTooSmall,
    SourceFileTooSmall,
    NoFace,
    SeveralFaces,
    FaceNearEdge,
    Background,
    TooDark,
    Blurred,
    OutputSize,
}

impl PhotoRejection {
    pub fn code(self) -> &'static str {
        match self {
            PhotoRejection::NotAnImage => "photo.format",
            PhotoRejection::Corrupt => "photo.corrupt",
            PhotoRejection::UploadTooLarge => "photo.upload_too_large",
            PhotoRejection::TooManyPixels => "photo.too_many_pixels",
            PhotoRejection::SourceTooSmall => "photo.too_small",
            PhotoRejection::SourceFileTooSmall => "photo.file_too_small",
            PhotoRejection::NoFace => "photo.no_face",
            PhotoRejection::SeveralFaces => "photo.several_faces",
            PhotoRejection::FaceNearEdge => "photo.face_near_edge",
            PhotoRejection::Background => "photo.background",
            PhotoRejection::TooDark => "photo.too_dark",
            PhotoRejection::Blurred => "photo.blurred",
            PhotoRejection::OutputSize => "photo.output_size",
        }
    }

    pub fn message_zh(self) -> &'static str {
        match self {
            PhotoRejection::NotAnImage => "文件不是 JPEG 或 PNG 图片",
            PhotoRejection::Corrupt => "图片文件已损坏或不完整",
            PhotoRejection::UploadTooLarge => "文件过大",
            PhotoRejection::TooManyPixels => "图片像素过多",
            PhotoRejection::SourceTooSmall => "照片尺寸过小",
            PhotoRejection::SourceFileTooSmall => "照片文件过小（请使用原始照片）",
            PhotoRejection::NoFace => "未检测到人脸",
            PhotoRejection::SeveralFaces => "检测到多张人脸",
            PhotoRejection::FaceNearEdge => "人脸太靠近照片边缘，无法裁剪为一寸照",
            PhotoRejection::Background => "背景不是白色",
            PhotoRejection::TooDark => "照片过暗",
            PhotoRejection::Blurred => "照片模糊",
            PhotoRejection::OutputSize => "无法将照片压缩到规定的文件大小",
        }
    }
}

/// A rectangle in source-image pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    pub x: f32,
    pub y: f32,
    pub width: f32,
    pub height: f32,
}

impl PhotoSpec {
    /// Checks what can be known before decoding: the upload's size.
    pub fn check_upload(&self, bytes: usize) -> Result<(), PhotoRejection> {
        if bytes > self.max_upload_bytes {
            Err(PhotoRejection::UploadTooLarge)
        } else if bytes < self.min_source_bytes {
            Err(PhotoRejection::SourceFileTooSmall)
        } else {
            Ok(())
        }
    }

    /// Checks the decoded dimensions (before the pixels are decoded, where the decoder allows).
    pub fn check_dimensions(&self, width: u32, height: u32) -> Result<(), PhotoRejection> {
        if u64::from(width) * u64::from(height) > self.max_pixels {
            Err(PhotoRejection::TooManyPixels)
        } else if width < self.min_source_width || height < self.min_source_height {
            Err(PhotoRejection::SourceTooSmall)
        } else {
            Ok(())
        }
    }

    /// The 25:35 crop around the one face found: the head takes `head_share` of the height with
    /// `top_margin_share` above it, centred on the face. Refused when the crop would leave the image, would
    /// have to be upscaled, or when there is not exactly one face.
    pub fn crop_for(&self, image_width: u32, image_height: u32, faces: &[Rect]) -> Result<Rect, PhotoRejection> {
        let face = match faces {
            [] => return Err(PhotoRejection::NoFace),
            [face] => *face,
            _ => return Err(PhotoRejection::SeveralFaces),
        };
        let head_height = face.height * self.head_per_face_height;
        let height = head_height / self.head_share;
        let width = height * self.output_width as f32 / self.output_height as f32;
        if width < self.output_width as f32 || height < self.output_height as f32 {
            return Err(PhotoRejection::SourceTooSmall);
        }
        // The face box starts at the brow; the head's top lies above it.
        let head_top = face.y + face.height - head_height;
        let crop = Rect {
            x: face.x + face.width / 2.0 - width / 2.0,
            y: head_top - self.top_margin_share * height,
            width,
            height,
        };
        let inside = crop.x >= 0.0
            && crop.y >= 0.0
            && crop.x + crop.width <= image_width as f32
            && crop.y + crop.height <= image_height as f32;
        if inside { Ok(crop) } else { Err(PhotoRejection::FaceNearEdge) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_spec_is_the_current_tool() {
        let spec = PhotoSpec::default();
        assert_eq!((spec.min_source_width, spec.min_source_height, spec.min_source_bytes), (420, 600, 50 * 1024));
        assert_eq!((spec.output_width, spec.output_height), (295, 413));
        assert_eq!(spec.check_dimensions(419, 800), Err(PhotoRejection::SourceTooSmall));
        assert_eq!(spec.check_dimensions(20_000, 20_000), Err(PhotoRejection::TooManyPixels));
        assert_eq!(spec.check_upload(40 * 1024), Err(PhotoRejection::SourceFileTooSmall));
        assert_eq!(spec.check_upload(11 * 1024 * 1024), Err(PhotoRejection::UploadTooLarge));
    }

    #[test]
    fn crops_a_centred_one_inch_frame_with_the_head_at_two_thirds() {
        let spec = PhotoSpec::default();
        let face = Rect { x: 650.0, y: 500.0, width: 300.0, height: 300.0 };
        let crop = spec.crop_for(1600, 2000, &[face]).unwrap();
        assert!((crop.width / crop.height - 295.0 / 413.0).abs() < 1e-4, "25:35");
        assert!((crop.x + crop.width / 2.0 - 800.0).abs() < 1e-3, "centred on the face");
        let head = face.height * spec.head_per_face_height;
        assert!((head / crop.height - 2.0 / 3.0).abs() < 1e-4, "head ≈ 2/3 of the height");
        assert!(crop.y >= 0.0 && crop.y + crop.height <= 2000.0);
    }

    #[test]
    fn refuses_what_cannot_become_a_one_inch_photo() {
        let spec = PhotoSpec::default();
        let face = Rect { x: 650.0, y: 500.0, width: 300.0, height: 300.0 };
        assert_eq!(spec.crop_for(1600, 2000, &[]), Err(PhotoRejection::NoFace));
        assert_eq!(spec.crop_for(1600, 2000, &[face, face]), Err(PhotoRejection::SeveralFaces));
        let at_edge = Rect { x: 0.0, ..face };
        assert_eq!(spec.crop_for(1600, 2000, &[at_edge]), Err(PhotoRejection::FaceNearEdge));
        let tiny = Rect { x: 700.0, y: 700.0, width: 60.0, height: 60.0 };
        assert_eq!(spec.crop_for(1600, 2000, &[tiny]), Err(PhotoRejection::SourceTooSmall), "never upscale");
    }

    #[test]
    fn the_spec_is_configuration() {
        let spec: PhotoSpec = toml_like(&[("min_source_width", "600")]);
        assert_eq!(spec.min_source_width, 600);
        assert_eq!(spec.output_width, 295, "unnamed settings keep the default");
    }

    /// Builds a spec from key/value pairs through serde, as a configuration file would.
    fn toml_like(pairs: &[(&str, &str)]) -> PhotoSpec {
        use serde::de::value::{Error, MapDeserializer};
        let map = pairs.iter().map(|(k, v)| (*k, v.parse::<u32>().unwrap()));
        PhotoSpec::deserialize(MapDeserializer::<_, Error>::new(map)).unwrap()
    }
}
