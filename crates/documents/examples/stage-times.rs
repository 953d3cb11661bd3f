//! Prints where one 12-megapixel original's processing time goes (for tuning; `kaowu bench photo` is the figure).
use kaowu_documents::photo::{self, samples::{self, Sitter}};
use std::time::Instant;
fn main() {
    let sitter = Sitter::from_png(&std::fs::read(".cache/samples/astronaut.png").unwrap()).unwrap();
    let mut p = sitter.portrait(3000, 4000, 0.4);
    samples::add_noise(&mut p, 4, 12);
    let jpeg = samples::jpeg(&p, 92);
    let spec = domain::photo::PhotoSpec::default();
    for _ in 0..8 {
        let t = Instant::now();
        let header = image::ImageReader::with_format(std::io::Cursor::new(&jpeg), image::ImageFormat::Jpeg).into_decoder().map(|_| ());
        let t_header = t.elapsed();
        let t = Instant::now();
        let mut d = turbojpeg::Decompressor::new().unwrap();
        d.set_scaling_factor(turbojpeg::ScalingFactor::ONE_QUARTER).unwrap();
        let mut px = vec![0u8; 750 * 1000 * 3];
        let img = d.decompress(&jpeg, turbojpeg::Image { pixels: px.as_mut_slice(), width: 750, pitch: 2250, height: 1000, format: turbojpeg::PixelFormat::RGB });
        let t_dec = t.elapsed();
        let t = Instant::now();
        let r = photo::process(&spec, &jpeg);
        println!("header {t_header:?} {header:?} decode/4 {t_dec:?} {} total {:?} {:?}", img.is_ok(), t.elapsed(), r.outcome.err());
    }
}
