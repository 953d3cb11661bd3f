//! Face detection with rustface (the SeetaFace frontal cascade). The model is compiled into the binary; each
//! thread keeps its own detector because rustface's detector is neither `Send` nor cheap to build.

use std::cell::RefCell;
use std::sync::OnceLock;

use domain::photo::Rect;
use fast_image_resize::{FilterType, ResizeAlg, ResizeOptions, Resizer, images::Image, PixelType};
use image::RgbImage;
use rustface::{Detector, ImageData, Model};

static MODEL_BYTES: &[u8] = include_bytes!(env!("KAOWU_RUSTFACE_MODEL"));

/// Faces are looked for on a copy whose longer side is 320 px, which keeps detection to about 15 ms whatever the
/// original's size: an ID photo's face is large. Only when none is found is a sharper copy searched, so a small
/// face costs time only on the photos that have one. (A coarser first look, 240 px, missed the second of two
/// sitters side by side.)
const DETECTION_LONG_SIDES: [u32; 2] = [320, 640];

/// The smallest face the detector looks for, in pixels of the copy (its window size).
const MIN_FACE: u32 = 20;

/// Detection score below which a window is not a face (rustface's recommended threshold).
const SCORE_THRESHOLD: f64 = 2.0;

/// A second face counts only when it is a convincing one: detections much smaller than the largest face are
/// faces in the background (a poster, a passer-by), and ones scoring far below the best are texture in
/// clothing or hair.
const SECOND_FACE_MIN_SHARE: f32 = 0.4;
const SECOND_FACE_MIN_SCORE_SHARE: f64 = 0.4;

fn model() -> &'static Model {
    static MODEL: OnceLock<Model> = OnceLock::new();
    MODEL.get_or_init(|| rustface::read_model(MODEL_BYTES).expect("the bundled rustface model parses"))
}

thread_local! {
    static DETECTOR: RefCell<Option<Box<dyn Detector>>> = const { RefCell::new(None) };
}

/// The faces in the image, in its own pixel coordinates, largest first.
pub fn detect_faces(image: &RgbImage) -> Vec<Rect> {
    let long_side = image.width().max(image.height());
    let mut faces = Vec::new();
    for side in DETECTION_LONG_SIDES {
        faces = detect_faces_at(image, side);
        if !faces.is_empty() || side >= long_side {
            break;
        }
    }
    faces
}

fn detect_faces_at(image: &RgbImage, long_side: u32) -> Vec<Rect> {
    let (width, height) = image.dimensions();
    let scale = (long_side as f32 / width.max(height) as f32).min(1.0);
    let small_width = ((width as f32 * scale).round() as u32).max(1);
    let small_height = ((height as f32 * scale).round() as u32).max(1);
    let gray = grayscale_copy(image, small_width, small_height);

    let mut faces = DETECTOR.with(|cell| {
        let mut slot = cell.borrow_mut();
        let detector = slot.get_or_insert_with(new_detector);
        detector.set_min_face_size(MIN_FACE);
        detector.detect(&ImageData::new(&gray, small_width, small_height))
    });
    faces.sort_by(|a, b| b.bbox().height().cmp(&a.bbox().height()));
    let boxes: Vec<(Rect, f64)> = faces
        .iter()
        .map(|face| {
            let bbox = face.bbox();
            let rect = Rect {
                x: bbox.x() as f32 / scale,
                y: bbox.y() as f32 / scale,
                width: bbox.width() as f32 / scale,
                height: bbox.height() as f32 / scale,
            };
            (rect, face.score())
        })
        .collect();
    distinct_faces(boxes)
}

/// Keeps the largest face and every other one that is a face of its own: large enough to be a second sitter
/// and not centred inside a face already kept (the cascade sometimes reports one face twice at two scales).
fn distinct_faces(largest_first: Vec<(Rect, f64)>) -> Vec<Rect> {
    let Some(largest) = largest_first.first().map(|(f, _)| f.height) else { return Vec::new() };
    let best_score = largest_first.iter().map(|(_, score)| *score).fold(f64::MIN, f64::max);
    let mut kept: Vec<Rect> = Vec::new();
    for (face, score) in largest_first {
        if !kept.is_empty() && score < best_score * SECOND_FACE_MIN_SCORE_SHARE {
            continue;
        }
        let centre = (face.x + face.width / 2.0, face.y + face.height / 2.0);
        let inside_kept = kept.iter().any(|k| {
            centre.0 >= k.x && centre.0 <= k.x + k.width && centre.1 >= k.y && centre.1 <= k.y + k.height
        });
        if face.height >= largest * SECOND_FACE_MIN_SHARE && !inside_kept {
            kept.push(face);
        }
    }
    kept
}

fn new_detector() -> Box<dyn Detector> {
    let mut detector = rustface::create_detector_with_model(model().clone());
    detector.set_score_thresh(SCORE_THRESHOLD);
    detector.set_pyramid_scale_factor(0.8);
    detector.set_slide_window_step(4, 4);
    detector
}

/// A downscaled luma copy (BT.601 weights), resized in RGB with a box filter so small copies do not alias.
fn grayscale_copy(image: &RgbImage, width: u32, height: u32) -> Vec<u8> {
    let mut small = Image::new(width, height, PixelType::U8x3);
    Resizer::new()
        .resize(image, &mut small, &ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Box)))
        .expect("RGB to RGB resize of a non-empty image");
    small.buffer().chunks_exact(3).map(|p| luma(p[0], p[1], p[2])).collect()
}

pub fn luma(r: u8, g: u8, b: u8) -> u8 {
    ((299 * u32::from(r) + 587 * u32::from(g) + 114 * u32::from(b) + 500) / 1000) as u8
}
