//! The photo tool on composed cases from a real portrait (tests/sample-images/README.md): each case asserts
//! the outcome a candidate would see.

use std::sync::OnceLock;

use kaowu_documents::photo::{self, Check, samples, samples::Sitter};
use domain::photo::{PhotoRejection, PhotoSpec};

fn sitter() -> &'static Sitter {
    static SITTER: OnceLock<Sitter> = OnceLock::new();
    SITTER.get_or_init(|| {
        let path = std::env::var("KAOWU_SAMPLE_FACE")
            .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../../.cache/samples/astronaut.png").to_owned());
        let bytes = std::fs::read(&path)
            .unwrap_or_else(|e| panic!("sample face {path}: {e} (run scripts/sample-images.sh)"));
        Sitter::from_png(&bytes).expect("astronaut.png decodes")
    })
}

fn spec() -> PhotoSpec {
    PhotoSpec::default()
}

/// A studio portrait as a camera would save it.
fn good_portrait() -> image::RgbImage {
    let mut portrait = sitter().portrait(1200, 1600, 0.4);
    samples::add_noise(&mut portrait, 3, 7);
    portrait
}

fn rejection(upload: &[u8]) -> PhotoRejection {
    let report = photo::process(&spec(), upload);
    match report.outcome {
        Ok(_) => panic!("expected a rejection, it passed: {:#?}", report.findings),
        Err(rejection) => rejection,
    }
}

fn passes(upload: &[u8]) -> photo::Processed {
    let report = photo::process(&spec(), upload);
    match report.outcome {
        Ok(processed) => processed,
        Err(rejection) => panic!("expected a pass, got {rejection:?}: {:#?}", report.findings),
    }
}

#[test]
fn a_white_background_portrait_becomes_a_one_inch_photo() {
    let upload = samples::jpeg(&good_portrait(), 92);
    let processed = passes(&upload);
    let spec = spec();
    assert_eq!((processed.width, processed.height), (295, 413));
    let output = image::load_from_memory_with_format(&processed.jpeg, image::ImageFormat::Jpeg).unwrap();
    assert_eq!((output.width(), output.height()), (295, 413), "the JPEG itself is 295×413");
    assert!(
        (spec.output_min_bytes..=spec.output_max_bytes).contains(&processed.jpeg.len()),
        "{} bytes within the configured range",
        processed.jpeg.len()
    );
    // The head (face box × head_per_face_height) is about two thirds of the height, centred.
    let head = processed.face.height * spec.head_per_face_height;
    assert!((head / processed.crop.height - 2.0 / 3.0).abs() < 0.01);
    let face_centre = processed.face.x + processed.face.width / 2.0;
    assert!((face_centre - 600.0).abs() < 60.0, "the face is where the sitter is: {face_centre}");
    assert!(!contains(&processed.jpeg, b"Exif"), "no metadata in the output");

    let report = photo::process(&spec, &upload);
    let checks: Vec<Check> = report.findings.iter().map(|f| f.check).collect();
    assert_eq!(
        checks,
        [
            Check::FileSize,
            Check::Format,
            Check::Dimensions,
            Check::Face,
            Check::Crop,
            Check::Brightness,
            Check::Sharpness,
            Check::Background,
            Check::Output
        ]
    );
    assert!(report.findings.iter().all(|f| f.passed));
}

#[test]
fn large_originals_are_decoded_reduced_unless_the_face_needs_every_pixel() {
    // A 12-megapixel studio portrait: a quarter-size decode has pixels enough for the one-inch crop.
    let mut big = sitter().portrait(3000, 4000, 0.4);
    samples::add_noise(&mut big, 3, 5);
    let processed = passes(&samples::jpeg(&big, 90));
    assert_eq!(processed.decode_reduction, 4);
    assert_eq!((processed.source_width, processed.source_height), (3000, 4000));
    assert!((processed.face.x + processed.face.width / 2.0 - 1500.0).abs() < 150.0, "face in source pixels: {:?}", processed.face);

    // The same size with a small head: the crop needs finer pixels, so the tool decodes again rather than
    // enlarge a coarse crop.
    let mut far = sitter().portrait(3000, 4000, 0.13);
    samples::add_noise(&mut far, 3, 6);
    let processed = passes(&samples::jpeg(&far, 90));
    assert!(processed.decode_reduction < 4, "decoded finer: {}", processed.decode_reduction);
    assert!(processed.crop.height / processed.decode_reduction as f32 >= 413.0, "no enlarging");
}

#[test]
fn the_original_scene_is_refused_for_its_background() {
    let mut scene = sitter().scene(3.0);
    samples::add_noise(&mut scene, 3, 1);
    assert_eq!(rejection(&samples::jpeg(&scene, 92)), PhotoRejection::Background);
}

#[test]
fn exif_orientation_is_applied_and_dropped() {
    let upload = samples::sideways_with_exif_orientation(&good_portrait(), 92);
    assert!(contains(&upload, b"Exif"));
    let processed = passes(&upload);
    assert_eq!((processed.source_width, processed.source_height), (1200, 1600), "upright after orientation");
    assert!(!contains(&processed.jpeg, b"Exif"));

    // Without the tag the same pixels are a sideways face, which the frontal detector does not accept.
    let sideways = samples::jpeg(&image::imageops::rotate270(&good_portrait()), 92);
    assert_ne!(photo::process(&spec(), &sideways).outcome.err(), None);
}

#[test]
fn two_faces_are_refused() {
    let mut pair = sitter().pair(1600, 1200);
    samples::add_noise(&mut pair, 3, 2);
    assert_eq!(rejection(&samples::jpeg(&pair, 92)), PhotoRejection::SeveralFaces);
}

#[test]
fn no_face_is_refused() {
    let mut blank = image::RgbImage::from_pixel(900, 1200, image::Rgb([240, 240, 240]));
    samples::add_noise(&mut blank, 20, 3);
    assert_eq!(rejection(&samples::jpeg(&blank, 92)), PhotoRejection::NoFace);
}

#[test]
fn too_small_originals_are_refused_never_upscaled() {
    let small = samples::resize(&good_portrait(), 400, 533);
    let upload = samples::png(&small);
    assert!(upload.len() > 50 * 1024, "large enough a file, so the pixel size is what fails");
    assert_eq!(rejection(&upload), PhotoRejection::SourceTooSmall);

    let tiny_file = samples::jpeg(&samples::resize(&good_portrait(), 450, 600), 30);
    assert!(tiny_file.len() < 50 * 1024);
    assert_eq!(rejection(&tiny_file), PhotoRejection::SourceFileTooSmall);

    // Big enough an image, but the face is too small to fill 295×413 without enlarging it.
    let mut far = sitter().portrait(1200, 1600, 0.14);
    samples::add_noise(&mut far, 3, 4);
    assert_eq!(rejection(&samples::jpeg(&far, 92)), PhotoRejection::SourceTooSmall);
}

#[test]
fn cmyk_jpegs_are_converted() {
    // Adobe CMYK (inverted, APP14) as print shops send it: converted to the same colours as the RGB original.
    let cmyk = passes(&samples::cmyk_jpeg(&good_portrait(), 92)).measures;
    let rgb = passes(&samples::jpeg(&good_portrait(), 92)).measures;
    assert!((cmyk.background_brightness - rgb.background_brightness).abs() < 5.0, "{cmyk:?} vs {rgb:?}");
    assert!((cmyk.background_saturation - rgb.background_saturation).abs() < 0.03, "{cmyk:?} vs {rgb:?}");
    assert!((cmyk.face_brightness - rgb.face_brightness).abs() < 5.0, "{cmyk:?} vs {rgb:?}");
}

#[test]
fn truncated_files_are_refused_as_damaged() {
    let upload = samples::jpeg(&good_portrait(), 92);
    assert_eq!(rejection(&upload[..upload.len() * 2 / 3]), PhotoRejection::Corrupt);
    let png = samples::png(&good_portrait());
    assert_eq!(rejection(&png[..png.len() / 2]), PhotoRejection::Corrupt);
}

#[test]
fn the_format_is_read_from_the_content() {
    // A PNG saved as "photo.jpg" is a PNG, and passes; an HTML page renamed is not an image.
    let png = samples::png(&good_portrait());
    assert_eq!(passes(&png).source_format, image::ImageFormat::Png);
    let mut html = b"<html><body>".to_vec();
    html.resize(60 * 1024, b' ');
    assert_eq!(rejection(&html), PhotoRejection::NotAnImage);
}

#[test]
fn a_decompression_bomb_is_refused_before_decoding() {
    let bomb = samples::decompression_bomb(12_000);
    assert!(bomb.len() < 2 * 1024 * 1024, "{} bytes on the wire", bomb.len());
    let report = photo::process(&spec(), &bomb);
    assert_eq!(report.outcome.err(), Some(PhotoRejection::TooManyPixels));
    assert_eq!(report.findings.last().unwrap().check, Check::Dimensions);
}

#[test]
fn dark_and_blurred_photos_are_refused() {
    let portrait = good_portrait();
    assert_eq!(rejection(&samples::jpeg(&samples::darken(&portrait, 0.3), 92)), PhotoRejection::TooDark);
    assert_eq!(rejection(&samples::jpeg(&samples::blur(&portrait, 6.0), 92)), PhotoRejection::Blurred);
}

#[test]
fn the_spec_decides() {
    // The same photo under a stricter exam year's spec: originals must be at least 1500×2000.
    let strict = PhotoSpec { min_source_width: 1500, min_source_height: 2000, ..spec() };
    let upload = samples::jpeg(&good_portrait(), 92);
    assert_eq!(photo::process(&strict, &upload).outcome.err(), Some(PhotoRejection::SourceTooSmall));
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|window| window == needle)
}

mod hostile_input {
    use super::*;
    use proptest::prelude::*;

    fn small_spec() -> PhotoSpec {
        // Small limits so generated inputs reach the decoders rather than the size checks.
        PhotoSpec { min_source_bytes: 0, min_source_width: 1, min_source_height: 1, ..PhotoSpec::default() }
    }

    fn valid_jpeg() -> &'static [u8] {
        static JPEG: OnceLock<Vec<u8>> = OnceLock::new();
        JPEG.get_or_init(|| samples::jpeg(&samples::resize(&good_portrait(), 300, 400), 85))
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

        /// Anything behind a JPEG or PNG signature is refused with a reason, never a panic.
        #[test]
        fn garbage_behind_a_signature_is_refused(png in any::<bool>(), body in proptest::collection::vec(any::<u8>(), 0..4096)) {
            let mut upload = if png { b"\x89PNG\r\n\x1a\n".to_vec() } else { vec![0xFF, 0xD8, 0xFF] };
            upload.extend_from_slice(&body);
            prop_assert!(photo::process(&small_spec(), &upload).outcome.is_err());
        }

        /// A real JPEG with bytes overwritten anywhere: refused or processed, never a panic.
        #[test]
        fn damaged_jpegs_never_panic(edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..16)) {
            let mut upload = valid_jpeg().to_vec();
            for (at, byte) in edits {
                let i = at.index(upload.len());
                upload[i] = byte;
            }
            let _ = photo::process(&small_spec(), &upload);
        }
    }
}
