//! What the checks measure on the finished one-inch photo: the background near the edges, the exposure of the
//! face and its sharpness. Measured on the output, so the thresholds mean the same for every source size.

use domain::photo::Rect;
use image::RgbImage;

use super::face::luma;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Measures {
    /// Mean luma (0–255) of the border strips above and beside the head.
    pub background_brightness: f32,
    /// Mean HSV saturation (0–1) of the same strips.
    pub background_saturation: f32,
    /// Share (0–1) of the strips' pixels that are white by the spec's thresholds.
    pub background_white_share: f32,
    /// Mean luma of the face.
    pub face_brightness: f32,
    /// Variance of the 4-neighbour Laplacian over the face (higher is sharper).
    pub face_sharpness: f32,
}

/// Border strips: the top rows across the width, and the side columns down to mid-height (below that,
/// shoulders and clothing reach the edges).
const STRIP_SHARE: f32 = 0.06;

/// `white` decides, from (luma, saturation), whether a background pixel counts as white.
pub fn measure(photo: &RgbImage, face: Rect, white: impl Fn(f32, f32) -> bool) -> Measures {
    let (width, height) = photo.dimensions();
    let strip_w = ((width as f32 * STRIP_SHARE).ceil() as u32).max(1);
    let strip_h = ((height as f32 * STRIP_SHARE).ceil() as u32).max(1);
    let mut background = Mean::default();
    let mut white_pixels = Mean::default();
    for y in 0..height / 2 {
        for x in 0..width {
            if y < strip_h || x < strip_w || x >= width - strip_w {
                let [r, g, b] = photo.get_pixel(x, y).0;
                let (light, colour) = (f32::from(luma(r, g, b)), saturation(r, g, b));
                background.add(light, colour);
                white_pixels.add(if white(light, colour) { 1.0 } else { 0.0 }, 0.0);
            }
        }
    }

    let x0 = face.x.max(0.0) as u32;
    let y0 = face.y.max(0.0) as u32;
    let x1 = ((face.x + face.width) as u32).min(width);
    let y1 = ((face.y + face.height) as u32).min(height);
    let mut face_light = Mean::default();
    let mut laplacian = Variance::default();
    for y in y0..y1 {
        for x in x0..x1 {
            let here = gray(photo, x, y);
            face_light.add(here, 0.0);
            if x > 0 && y > 0 && x + 1 < width && y + 1 < height {
                let around = gray(photo, x - 1, y) + gray(photo, x + 1, y) + gray(photo, x, y - 1) + gray(photo, x, y + 1);
                laplacian.add(around - 4.0 * here);
            }
        }
    }
    Measures {
        background_brightness: background.first(),
        background_saturation: background.second(),
        background_white_share: white_pixels.first(),
        face_brightness: face_light.first(),
        face_sharpness: laplacian.variance(),
    }
}

fn gray(photo: &RgbImage, x: u32, y: u32) -> f32 {
    let [r, g, b] = photo.get_pixel(x, y).0;
    f32::from(luma(r, g, b))
}

fn saturation(r: u8, g: u8, b: u8) -> f32 {
    let max = r.max(g).max(b);
    let min = r.min(g).min(b);
    if max == 0 { 0.0 } else { f32::from(max - min) / f32::from(max) }
}

#[derive(Default)]
struct Mean {
    count: f64,
    first: f64,
    second: f64,
}

impl Mean {
    fn add(&mut self, first: f32, second: f32) {
        self.count += 1.0;
        self.first += f64::from(first);
        self.second += f64::from(second);
    }
    fn first(&self) -> f32 {
        if self.count == 0.0 { 0.0 } else { (self.first / self.count) as f32 }
    }
    fn second(&self) -> f32 {
        if self.count == 0.0 { 0.0 } else { (self.second / self.count) as f32 }
    }
}

#[derive(Default)]
struct Variance {
    count: f64,
    sum: f64,
    sum_of_squares: f64,
}

impl Variance {
    fn add(&mut self, value: f32) {
        let value = f64::from(value);
        self.count += 1.0;
        self.sum += value;
        self.sum_of_squares += value * value;
    }
    fn variance(&self) -> f32 {
        if self.count == 0.0 {
            return 0.0;
        }
        let mean = self.sum / self.count;
        (self.sum_of_squares / self.count - mean * mean).max(0.0) as f32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn white_edges_and_a_textured_face() {
        let mut photo = RgbImage::from_pixel(100, 140, image::Rgb([250, 250, 250]));
        for y in 40..100 {
            for x in 30..70 {
                let v = if (x + y) % 2 == 0 { 60 } else { 200 };
                photo.put_pixel(x, y, image::Rgb([v, v, v]));
            }
        }
        let face = Rect { x: 30.0, y: 40.0, width: 40.0, height: 60.0 };
        let white = |light: f32, colour: f32| light >= 200.0 && colour <= 0.15;
        let m = measure(&photo, face, white);
        assert!(m.background_brightness > 245.0 && m.background_saturation < 0.01, "{m:?}");
        assert_eq!(m.background_white_share, 1.0);
        assert!((m.face_brightness - 130.0).abs() < 5.0, "{m:?}");
        assert!(m.face_sharpness > 10_000.0, "a checkerboard is as sharp as it gets: {m:?}");

        let flat = RgbImage::from_pixel(100, 140, image::Rgb([30, 90, 200]));
        let m = measure(&flat, face, white);
        assert!(m.background_saturation > 0.8 && m.face_sharpness == 0.0 && m.background_white_share == 0.0, "{m:?}");
    }
}
