//! `kaowu bench photo`: 12-megapixel originals through the whole photo tool per second, on every core, against
//! the baseline of only decoding the same JPEG on every core in the same run (decoding is the floor: the tool
//! cannot be faster than reading the pixels).

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use documents::photo::samples::{self, Sitter};
use domain::photo::PhotoSpec;

pub struct PhotoBenchOptions {
    pub seconds: u64,
    /// The sample portrait (scripts/sample-images.sh extracts it).
    pub face: PathBuf,
}

pub struct PhotoBenchReport {
    pub cores: usize,
    pub width: u32,
    pub height: u32,
    pub original_bytes: usize,
    pub decode_per_sec: f64,
    pub process_per_sec: f64,
    pub output_bytes: usize,
}

pub fn photo(options: PhotoBenchOptions) -> anyhow::Result<PhotoBenchReport> {
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
    let duration = Duration::from_secs(options.seconds.max(2));
    let face = std::fs::read(&options.face)
        .with_context(|| format!("reading the sample face {} (run scripts/sample-images.sh)", options.face.display()))?;
    let sitter = Sitter::from_png(&face).context("decoding the sample face")?;

    // A 3000 × 4000 portrait with sensor-like noise, saved as a camera would: about as many bytes per pixel as
    // a phone original, which is what decoding time depends on.
    let (width, height) = (3000, 4000);
    let mut portrait = sitter.portrait(width, height, 0.4);
    samples::add_noise(&mut portrait, 4, 12);
    let original = Arc::new(samples::jpeg(&portrait, 92));
    drop(portrait);

    let spec = PhotoSpec { max_upload_bytes: 20 * 1024 * 1024, ..PhotoSpec::default() };
    let first = documents::photo::process(&spec, &original);
    let output_bytes = match &first.outcome {
        Ok(processed) => processed.jpeg.len(),
        Err(rejection) => bail!("the benchmark photo was refused ({}): {:#?}", rejection.code(), first.findings),
    };

    eprintln!("phase 1/2: decoding only, {cores} threads, {}s …", duration.as_secs());
    let decode_per_sec = on_every_core(cores, duration, {
        let original = Arc::clone(&original);
        move || {
            let image = image::load_from_memory_with_format(&original, image::ImageFormat::Jpeg).expect("decodes");
            assert_eq!(image.width(), width);
        }
    });
    eprintln!("phase 2/2: the whole photo tool, {cores} threads, {}s …", duration.as_secs());
    let process_per_sec = on_every_core(cores, duration, {
        let original = Arc::clone(&original);
        move || assert!(documents::photo::process(&spec, &original).passed())
    });
    Ok(PhotoBenchReport { cores, width, height, original_bytes: original.len(), decode_per_sec, process_per_sec, output_bytes })
}

fn on_every_core(threads: usize, duration: Duration, work: impl Fn() + Send + Sync + 'static) -> f64 {
    let work = Arc::new(work);
    let count = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let deadline = started + duration;
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let (work, count) = (Arc::clone(&work), Arc::clone(&count));
            std::thread::spawn(move || {
                while Instant::now() < deadline {
                    work();
                    count.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    for handle in handles {
        handle.join().expect("bench thread");
    }
    count.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64()
}

impl PhotoBenchReport {
    pub fn print(&self) {
        println!("kaowu bench photo ({} cores)", self.cores);
        println!(
            "  original                        : {}×{} JPEG ({:.1} megapixels, {:.1} MB)",
            self.width,
            self.height,
            f64::from(self.width) * f64::from(self.height) / 1e6,
            self.original_bytes as f64 / 1e6
        );
        println!("  decode only (baseline) /s       : {:>7.1}", self.decode_per_sec);
        println!("  whole photo tool /s             : {:>7.1}   (target ≥ 25/s)", self.process_per_sec);
        println!("  ratio to decoding alone         : {:>7.1} %", 100.0 * self.process_per_sec / self.decode_per_sec);
        println!("  one-inch output                 : 295×413 JPEG, {:.1} KB", self.output_bytes as f64 / 1024.0);
    }
}
