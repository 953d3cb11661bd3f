//! Writes sample uploads composed from the sample portrait, for the browser tests and for trying the tool:
//! `photo-samples OUT_DIR [FACE_PNG]` (FACE_PNG defaults to .cache/samples/astronaut.png).

use kaowu_documents::photo::samples::{self, Sitter};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let out = std::path::PathBuf::from(args.next().ok_or("usage: photo-samples OUT_DIR [FACE_PNG]")?);
    let face = args.next().unwrap_or_else(|| ".cache/samples/astronaut.png".to_owned());
    let sitter = Sitter::from_png(&std::fs::read(&face).map_err(|e| format!("{face}: {e}"))?)?;
    std::fs::create_dir_all(&out)?;

    let mut portrait = sitter.portrait(1200, 1600, 0.4);
    samples::add_noise(&mut portrait, 3, 7);
    std::fs::write(out.join("portrait.jpg"), samples::jpeg(&portrait, 92))?;
    let mut other = sitter.portrait(1500, 2000, 0.36);
    samples::add_noise(&mut other, 3, 8);
    std::fs::write(out.join("portrait-2.jpg"), samples::jpeg(&other, 90))?;
    // A PNG under a .jpg name: the format is judged by content, so it passes.
    std::fs::write(out.join("png-named.jpg"), samples::png(&portrait))?;
    let mut scene = sitter.scene(3.0);
    samples::add_noise(&mut scene, 3, 1);
    std::fs::write(out.join("scene.jpg"), samples::jpeg(&scene, 92))?;
    let mut pair = sitter.pair(1600, 1200);
    samples::add_noise(&mut pair, 3, 2);
    std::fs::write(out.join("two-faces.jpg"), samples::jpeg(&pair, 92))?;
    println!("samples written to {}", out.display());
    Ok(())
}
